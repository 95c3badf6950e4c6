"""Follow-up reminders: scheduling, claiming due ones, and closing them.

A follow-up moves pending -> claimed -> sent -> done, or to snoozed (a new pending row
replaces it), superseded (a logged contact restarted the clock) or failed (Telegram
rejected the push for good).

A claim carries a random token and a lease. The process with the token sends the push
and marks the row sent. When that process dies, another one claims the row again once
the lease has run out, so a due follow-up is not skipped. Every status change is a
conditional UPDATE, so two processes never both claim or close the same row. A push
that takes longer than the lease can go out twice, once from each claimer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm_core.cadence import CadenceTable, next_followup_at
from crm_core.model import Level, Role, Stage, Tier
from crm_core.reminder import ReminderView, SnoozeLength, snoozed_due_at
from storage.models import Customer, FollowUp, User

OPEN_STATUSES = ("pending", "claimed", "sent")
# A claimed follow-up whose push keeps failing with network errors is given up after
# this many claims and marked failed.
MAX_ATTEMPTS = 5


class PressOutcome(StrEnum):
    """Result of pressing a reminder button."""

    DONE = "done"
    SNOOZED = "snoozed"
    ALREADY_CLOSED = "already_closed"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class PressResult:
    outcome: PressOutcome
    customer_name: str | None = None
    # Due time of the new follow-up after a snooze or Done; None when none was scheduled.
    new_due_at: datetime | None = None


@dataclass(frozen=True)
class ReminderDelivery:
    """A claimed follow-up with its recipient and the data to render the push."""

    view: ReminderView
    rep_id: int
    chat_id: int
    language: str
    timezone: str
    claim_token: str


async def schedule_followup(
    session: AsyncSession,
    *,
    customer_id: int,
    rep_id: int,
    due_at: datetime,
    note: str | None,
    now: datetime,
    set_by_rep: bool = False,
) -> FollowUp:
    """Supersede the customer's open follow-ups and insert a pending one due at ``due_at``.

    ``set_by_rep`` marks a date the rep chose (a next step, a snooze), which the daily
    analysis keeps.
    """
    await session.execute(
        update(FollowUp)
        .where(FollowUp.customer_id == customer_id, FollowUp.status.in_(OPEN_STATUSES))
        .values(status="superseded", closed_at=now)
    )
    followup = FollowUp(
        customer_id=customer_id,
        rep_id=rep_id,
        due_at=due_at,
        status="pending",
        note=note,
        set_by_rep=set_by_rep,
        attempts=0,
        created_at=now,
    )
    session.add(followup)
    await session.flush()
    return followup


def _claimable(table: Any, now: datetime, lease: timedelta) -> Any:
    """Return the condition for a row that may be claimed now: due, or with an expired lease."""
    return or_(
        and_(table.status == "pending", table.due_at <= now),
        and_(table.status == "claimed", table.claimed_at <= now - lease),
    )


async def claim_due_followups(
    session: AsyncSession,
    now: datetime,
    limit: int,
    lease: timedelta,
    *,
    daily_cap: int | None = None,
) -> list[FollowUp]:
    """Claim up to ``limit`` due follow-ups for this process and return them.

    Candidates are pending rows with ``due_at <= now`` and claimed rows whose lease ran
    out: tier A customers first, then by revenue, then oldest due. Rows of inactive users
    (who blocked the bot) stay pending until the user writes again. With ``daily_cap``, a
    rep gets at most that many pushes in any 24 hours. The rest stay pending and go out in
    later ticks, and meanwhile they show in /today and in the digest's overdue count.

    One UPDATE with a subquery does the claim. On PostgreSQL the subquery locks its rows
    with ``FOR UPDATE SKIP LOCKED``, so concurrent claimers take disjoint rows instead of
    waiting. On SQLite the UPDATE takes the database write lock before it reads. In both
    cases the outer WHERE checks the status again, and the rows are read back by a
    fresh token, so a row is never claimed by two processes.
    """
    token = uuid.uuid4().hex
    candidate = aliased(FollowUp)
    conditions = [_claimable(candidate, now, lease), User.active.is_(True)]
    if daily_cap is not None:
        conditions.append(candidate.rep_id.not_in(_reps_at_cap(now, daily_cap)))
    candidate_ids = (
        select(candidate.id)
        .join(User, User.id == candidate.rep_id)
        .join(Customer, Customer.id == candidate.customer_id)
        .where(*conditions)
        .order_by(Customer.tier, Customer.revenue.desc(), candidate.due_at, candidate.id)
        .limit(limit)
        .with_for_update(of=candidate, skip_locked=True)
    )
    await session.execute(
        update(FollowUp)
        .where(FollowUp.id.in_(candidate_ids), _claimable(FollowUp, now, lease))
        .values(
            status="claimed",
            claim_token=token,
            claimed_at=now,
            attempts=FollowUp.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    claimed = list(
        await session.scalars(
            select(FollowUp)
            .join(Customer, Customer.id == FollowUp.customer_id)
            .where(FollowUp.claim_token == token, FollowUp.status == "claimed")
            .order_by(Customer.tier, Customer.revenue.desc(), FollowUp.due_at, FollowUp.id)
            .execution_options(populate_existing=True)
        )
    )
    if daily_cap is not None:
        claimed = await _release_over_cap(session, claimed, now, daily_cap)
    return claimed


def _pushed_recently(now: datetime) -> Any:
    """Condition for a follow-up pushed, or being pushed, in the 24 hours before ``now``."""
    return or_(
        and_(FollowUp.sent_at.is_not(None), FollowUp.sent_at > now - timedelta(days=1)),
        FollowUp.status == "claimed",
    )


def _reps_at_cap(now: datetime, daily_cap: int) -> Any:
    return (
        select(FollowUp.rep_id)
        .where(_pushed_recently(now))
        .group_by(FollowUp.rep_id)
        .having(func.count() >= daily_cap)
    )


async def _release_over_cap(
    session: AsyncSession, claimed: list[FollowUp], now: datetime, daily_cap: int
) -> list[FollowUp]:
    """Hand back the claimed rows that would take a rep over the cap; return the rest."""
    if not claimed:
        return claimed

    rep_ids = {followup.rep_id for followup in claimed}
    tokens = {followup.claim_token for followup in claimed}
    # Pushes in the window that are not part of this claim.
    earlier = dict(
        (
            await session.execute(
                select(FollowUp.rep_id, func.count())
                .where(
                    FollowUp.rep_id.in_(rep_ids),
                    _pushed_recently(now),
                    or_(FollowUp.claim_token.is_(None), FollowUp.claim_token.not_in(tokens)),
                )
                .group_by(FollowUp.rep_id)
            )
        ).all()
    )

    kept: list[FollowUp] = []
    released: list[int] = []
    kept_per_rep: dict[int, int] = {}
    for followup in claimed:
        count = earlier.get(followup.rep_id, 0) + kept_per_rep.get(followup.rep_id, 0)
        if count >= daily_cap:
            released.append(followup.id)
            continue
        kept_per_rep[followup.rep_id] = kept_per_rep.get(followup.rep_id, 0) + 1
        kept.append(followup)

    if released:
        await session.execute(
            update(FollowUp)
            .where(FollowUp.id.in_(released))
            .values(
                status="pending",
                claim_token=None,
                claimed_at=None,
                attempts=FollowUp.attempts - 1,
            )
            .execution_options(synchronize_session=False)
        )
    return kept


async def reminder_deliveries(
    session: AsyncSession, followups: list[FollowUp]
) -> list[ReminderDelivery]:
    """Load the customer and the rep of each claimed follow-up, in the order given."""
    if not followups:
        return []
    ids = [followup.id for followup in followups]
    rows = await session.execute(
        select(FollowUp, Customer, User)
        .join(Customer, Customer.id == FollowUp.customer_id)
        .join(User, User.id == FollowUp.rep_id)
        .where(FollowUp.id.in_(ids))
    )
    by_id = {followup.id: (followup, customer, user) for followup, customer, user in rows}
    deliveries = []
    for followup_id in ids:
        followup, customer, user = by_id[followup_id]
        deliveries.append(
            ReminderDelivery(
                view=reminder_view(followup, customer),
                rep_id=user.id,
                chat_id=user.chat_id,
                language=user.language,
                timezone=user.timezone,
                claim_token=followup.claim_token or "",
            )
        )
    return deliveries


def reminder_view(followup: FollowUp, customer: Customer) -> ReminderView:
    return ReminderView(
        followup_id=followup.id,
        customer_name=customer.name,
        stage=Stage(customer.stage),
        level=Level(customer.level),
        tier=Tier(customer.tier),
        due_at=followup.due_at,
        note=followup.note,
        value_warning=bool(customer.value_warning),
        stage_reason=tuple(tuple(part) for part in customer.stage_reason or ()),
    )


async def mark_sent(
    session: AsyncSession, followup_id: int, claim_token: str, now: datetime
) -> bool:
    """Mark a claimed follow-up sent; False when this process no longer owns the claim."""
    result = await session.execute(
        update(FollowUp)
        .where(
            FollowUp.id == followup_id,
            FollowUp.claim_token == claim_token,
            FollowUp.status == "claimed",
        )
        .values(status="sent", sent_at=now)
    )
    return result.rowcount == 1


async def release_claim(
    session: AsyncSession, followup_id: int, claim_token: str, now: datetime
) -> str:
    """Return a claimed follow-up whose push failed for a passing reason to the queue.

    The row goes back to pending and the next tick retries it. After ``MAX_ATTEMPTS``
    claims it is marked failed instead. Returns the new status, or "" when this process
    no longer owns the claim.
    """
    followup = await session.get(FollowUp, followup_id, populate_existing=True)
    if followup is None or followup.claim_token != claim_token or followup.status != "claimed":
        return ""
    if followup.attempts >= MAX_ATTEMPTS:
        return "failed" if await mark_failed(session, followup_id, claim_token, now) else ""
    result = await session.execute(
        update(FollowUp)
        .where(
            FollowUp.id == followup_id,
            FollowUp.claim_token == claim_token,
            FollowUp.status == "claimed",
        )
        .values(status="pending", claim_token=None, claimed_at=None)
    )
    return "pending" if result.rowcount == 1 else ""


async def mark_failed(
    session: AsyncSession, followup_id: int, claim_token: str, now: datetime
) -> bool:
    """Close a claimed follow-up whose push Telegram rejected for good."""
    result = await session.execute(
        update(FollowUp)
        .where(
            FollowUp.id == followup_id,
            FollowUp.claim_token == claim_token,
            FollowUp.status == "claimed",
        )
        .values(status="failed", closed_at=now)
    )
    return result.rowcount == 1


async def may_press(session: AsyncSession, presser_id: int, rep_id: int) -> bool:
    """Return whether ``presser_id`` may close a reminder of ``rep_id``.

    The owner rep may, and so may a manager of the rep's team and an admin.
    """
    if presser_id == rep_id:
        return True
    presser = await session.get(User, presser_id)
    if presser is None:
        return False
    if presser.role == Role.ADMIN:
        return True
    if presser.role != Role.MANAGER or presser.team_id is None:
        return False
    rep = await session.get(User, rep_id)
    return rep is not None and rep.team_id == presser.team_id


async def mark_done(
    session: AsyncSession,
    followup_id: int,
    presser_id: int,
    now: datetime,
    cadence: CadenceTable,
) -> PressResult:
    """Close an open follow-up as done and restart the customer's follow-up clock.

    Done means the rep has been in touch, so the next follow-up is due one cadence interval
    (for the customer's stage, tier and level) after today, in the owner's zone. When the
    cadence gives no interval (terminated, not worth a win-back), none is scheduled.
    """
    found = await _pressable(session, followup_id, presser_id)
    if isinstance(found, PressResult):
        return found
    followup, customer = found
    if not await _close(session, followup_id, "done", now):
        return PressResult(PressOutcome.ALREADY_CLOSED, customer.name)

    interval = cadence.interval(Stage(customer.stage), Tier(customer.tier), Level(customer.level))
    due_at = None
    if interval is not None:
        rep = await session.get(User, followup.rep_id)
        due_at = next_followup_at(now, interval, ZoneInfo(rep.timezone))
        await schedule_followup(
            session,
            customer_id=followup.customer_id,
            rep_id=followup.rep_id,
            due_at=due_at,
            note=None,
            now=now,
        )
    await session.execute(
        update(Customer).where(Customer.id == customer.id).values(next_followup_at=due_at)
    )
    return PressResult(PressOutcome.DONE, customer.name, due_at)


async def snooze(
    session: AsyncSession,
    followup_id: int,
    presser_id: int,
    length: SnoozeLength,
    now: datetime,
) -> PressResult:
    """Close an open follow-up as snoozed and schedule a new pending one.

    The new one is due ``length`` local days from today at the wall-clock time of the old
    one, in the zone of the rep who owns it (see ``crm_core.reminder.snoozed_due_at``). It
    keeps the note and becomes the customer's next follow-up time.
    """
    found = await _pressable(session, followup_id, presser_id)
    if isinstance(found, PressResult):
        return found
    followup, customer = found
    if not await _close(session, followup_id, "snoozed", now):
        return PressResult(PressOutcome.ALREADY_CLOSED, customer.name)

    rep = await session.get(User, followup.rep_id)
    due_at = snoozed_due_at(followup.due_at, now, length, ZoneInfo(rep.timezone))
    await schedule_followup(
        session,
        customer_id=followup.customer_id,
        rep_id=followup.rep_id,
        due_at=due_at,
        note=followup.note,
        now=now,
        set_by_rep=True,
    )
    await session.execute(
        update(Customer).where(Customer.id == customer.id).values(next_followup_at=due_at)
    )
    return PressResult(PressOutcome.SNOOZED, customer.name, due_at)


async def _pressable(
    session: AsyncSession, followup_id: int, presser_id: int
) -> tuple[FollowUp, Customer] | PressResult:
    """Return the open follow-up and its customer, or the result that rejects the press."""
    row = (
        await session.execute(
            select(FollowUp, Customer)
            .join(Customer, Customer.id == FollowUp.customer_id)
            .where(FollowUp.id == followup_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        return PressResult(PressOutcome.NOT_FOUND)
    followup, customer = row
    if not await may_press(session, presser_id, followup.rep_id):
        return PressResult(PressOutcome.FORBIDDEN, customer.name)
    if followup.status not in OPEN_STATUSES:
        return PressResult(PressOutcome.ALREADY_CLOSED, customer.name)
    return followup, customer


async def _close(session: AsyncSession, followup_id: int, status: str, now: datetime) -> bool:
    """Close an open follow-up; False when another press or process closed it first."""
    result = await session.execute(
        update(FollowUp)
        .where(FollowUp.id == followup_id, FollowUp.status.in_(OPEN_STATUSES))
        .values(status=status, closed_at=now)
    )
    return result.rowcount == 1


async def load_reminder(session: AsyncSession, followup_id: int) -> ReminderView | None:
    """Load the view of one follow-up, to render it again after a button press."""
    row = (
        await session.execute(
            select(FollowUp, Customer)
            .join(Customer, Customer.id == FollowUp.customer_id)
            .where(FollowUp.id == followup_id)
        )
    ).first()
    if row is None:
        return None
    return reminder_view(*row)
