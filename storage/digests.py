"""Manager digests: which are due, claiming one per manager and local date, and their content.

The unique key (manager, kind, local date) on ``digests`` makes the claim exclusive across
processes. A claim whose process died before sending is taken over after ``DIGEST_LEASE``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm_core.digest import (
    NEGLECTED_LIMIT,
    CustomerValue,
    DeclinedCustomer,
    DigestContent,
    NeglectedCustomer,
    RepActivity,
    digest_date_due,
    local_day_bounds,
    reported_day,
    select_neglected,
)
from crm_core.model import Level, Role, Stage, Tier
from storage.db import insert_if_absent
from storage.followups import OPEN_STATUSES
from storage.models import Contact, Customer, Digest, FollowUp, StageChange, User

DAILY = "daily"
DIGEST_LEASE = timedelta(minutes=10)
# Contacts with this source came from a file import, not from a rep's work that day.
IMPORT_SOURCE = "import"
_NEGLECTED_PAGE = 500

CadenceWindow = Callable[[Stage, Tier, Level], "timedelta | None"]


@dataclass(frozen=True)
class DueDigest:
    """A manager or admin whose daily digest for ``local_date`` is due.

    An admin's digest covers every team, a manager's their own team.
    """

    manager_id: int
    chat_id: int
    team_id: int | None
    language: str
    timezone: str
    local_date: date
    all_teams: bool = False


async def due_digests(
    session: AsyncSession, now: datetime, lease: timedelta = DIGEST_LEASE
) -> list[DueDigest]:
    """Return active managers and admins whose digest time has passed today, unsent.

    A manager is due when no digest row exists for their local date, when the row is
    still claimed and its lease ran out (the claiming process died), or when a passing
    failure left it to retry.
    """
    managers = await session.scalars(
        select(User).where(
            User.role.in_((Role.MANAGER.value, Role.ADMIN.value)), User.active.is_(True)
        )
    )
    candidates: list[DueDigest] = []
    for manager in managers:
        zone = ZoneInfo(manager.timezone)
        local_date = digest_date_due(now, zone, manager.digest_time)
        if local_date is None:
            continue
        candidates.append(
            DueDigest(
                manager_id=manager.id,
                chat_id=manager.chat_id,
                team_id=manager.team_id,
                language=manager.language,
                timezone=manager.timezone,
                local_date=local_date,
                all_teams=manager.role == Role.ADMIN.value,
            )
        )
    if not candidates:
        return []

    rows = await session.execute(
        select(Digest.manager_id, Digest.local_date, Digest.status, Digest.claimed_at).where(
            Digest.kind == DAILY,
            Digest.manager_id.in_({candidate.manager_id for candidate in candidates}),
            Digest.local_date.in_({candidate.local_date for candidate in candidates}),
        )
    )
    taken = {
        (manager_id, local_date)
        for manager_id, local_date, status, claimed_at in rows
        if status not in ("claimed", "retry") or (status == "claimed" and claimed_at > now - lease)
    }
    return [
        candidate
        for candidate in candidates
        if (candidate.manager_id, candidate.local_date) not in taken
    ]


def _daily_row(manager_id: int, local_date: date) -> tuple[ColumnElement[bool], ...]:
    """Return the WHERE conditions of one manager's daily digest row for ``local_date``."""
    return (
        Digest.manager_id == manager_id,
        Digest.kind == DAILY,
        Digest.local_date == local_date,
    )


async def claim_digest(
    session: AsyncSession,
    manager_id: int,
    local_date: date,
    now: datetime,
    *,
    lease: timedelta = DIGEST_LEASE,
) -> bool:
    """Claim the daily digest of ``manager_id`` for ``local_date``; False when another has it.

    ``INSERT ... ON CONFLICT DO NOTHING`` on the unique key inserts the row for exactly one
    process (on PostgreSQL a concurrent insert waits for the first one to commit). A
    claimed row older than ``lease``, or one left to retry, is taken over by a conditional
    UPDATE that only one process can win.
    """
    inserted = await insert_if_absent(
        session,
        Digest,
        ["manager_id", "kind", "local_date"],
        manager_id=manager_id,
        kind=DAILY,
        local_date=local_date,
        status="claimed",
        claimed_at=now,
    )
    if inserted:
        return True

    result = await session.execute(
        update(Digest)
        .where(
            *_daily_row(manager_id, local_date),
            or_(
                and_(Digest.status == "claimed", Digest.claimed_at <= now - lease),
                Digest.status == "retry",
            ),
        )
        .values(status="claimed", claimed_at=now)
    )
    return result.rowcount == 1


async def digest_progress(
    session: AsyncSession, manager_id: int, local_date: date
) -> tuple[list[str] | None, int]:
    """Return the stored parts of a claimed digest (None before the first try) and how many
    of them were sent."""
    row = (
        await session.execute(
            select(Digest.parts, Digest.parts_sent).where(
                *_daily_row(manager_id, local_date),
            )
        )
    ).one()
    return row.parts, row.parts_sent


async def store_digest_parts(
    session: AsyncSession,
    manager_id: int,
    local_date: date,
    parts: list[str],
    covered_until: datetime,
) -> None:
    await session.execute(
        update(Digest)
        .where(
            *_daily_row(manager_id, local_date),
        )
        .values(parts=parts, parts_sent=0, covered_until=covered_until)
    )


async def previous_digest_end(
    session: AsyncSession, manager_id: int, local_date: date
) -> datetime | None:
    """Return when the manager's last built daily digest before ``local_date`` was built."""
    return await session.scalar(
        select(func.max(Digest.covered_until)).where(
            Digest.manager_id == manager_id,
            Digest.kind == DAILY,
            Digest.local_date < local_date,
            Digest.covered_until.is_not(None),
        )
    )


async def mark_digest_part_sent(
    session: AsyncSession, manager_id: int, local_date: date, parts_sent: int
) -> None:
    await session.execute(
        update(Digest)
        .where(
            *_daily_row(manager_id, local_date),
        )
        .values(parts_sent=parts_sent)
    )


async def mark_digest_sent(
    session: AsyncSession, manager_id: int, local_date: date, now: datetime
) -> None:
    await _finish(session, manager_id, local_date, "sent", now)


async def mark_digest_failed(
    session: AsyncSession, manager_id: int, local_date: date, now: datetime
) -> None:
    """Close a digest that Telegram rejected for good (the manager blocked the bot)."""
    await _finish(session, manager_id, local_date, "failed", now)


async def _finish(
    session: AsyncSession, manager_id: int, local_date: date, status: str, now: datetime
) -> None:
    await session.execute(
        update(Digest)
        .where(
            *_daily_row(manager_id, local_date),
        )
        .values(status=status, sent_at=now)
    )


async def release_digest(
    session: AsyncSession, manager_id: int, local_date: date, claimed_at: datetime
) -> None:
    """Leave the digest to retry after a passing failure; the next tick resumes it.

    The row keeps its stored parts and the count already sent, so the retry sends only
    the rest.
    """
    await session.execute(
        update(Digest)
        .where(
            *_daily_row(manager_id, local_date),
            Digest.status == "claimed",
            Digest.claimed_at == claimed_at,
        )
        .values(status="retry")
    )


async def digest_content(
    session: AsyncSession,
    *,
    team_id: int | None,
    zone: ZoneInfo,
    now: datetime,
    window_of: CadenceWindow,
    neglected_limit: int = NEGLECTED_LIMIT,
    declined_since: datetime | None = None,
) -> DigestContent:
    """Read what a digest built at ``now`` shows for a team, or for every team when None.

    Activity is for yesterday in ``zone``; see ``crm_core.digest``. Stage changes are for
    ``declined_since`` (the end of the previous daily digest) up to ``now``, or the 24
    hours before ``now`` when there is none. Local yesterday would report them a day late,
    because the daily analysis that detects most of them runs early in the UTC day.
    """
    day = reported_day(now, zone)
    start, end = local_day_bounds(day, zone)
    return DigestContent(
        day=day,
        reps=tuple(await rep_activity(session, team_id, start, end, now)),
        declined=tuple(
            await declined_customers(
                session, team_id, declined_since or now - timedelta(days=1), now
            )
        ),
        neglected=tuple(
            await neglected_customers(session, team_id, now, window_of, neglected_limit)
        ),
    )


async def rep_activity(
    session: AsyncSession, team_id: int | None, start: datetime, end: datetime, now: datetime
) -> list[RepActivity]:
    """Count per team member the contacts logged in [start, end) and the overdue follow-ups.

    Imported contacts are not counted. A follow-up is overdue when it is open and its due
    time has passed. Admins appear only when they have something to count.
    """
    members_query = select(User).order_by(User.full_name, User.id)
    if team_id is not None:
        members_query = members_query.where(User.team_id == team_id)
    members = list(await session.scalars(members_query))

    contacts_query = (
        select(Contact.rep_id, func.count())
        .where(
            Contact.created_at >= start,
            Contact.created_at < end,
            or_(Contact.source.is_(None), Contact.source != IMPORT_SOURCE),
        )
        .group_by(Contact.rep_id)
    )
    overdue_query = (
        select(FollowUp.rep_id, func.count())
        .where(FollowUp.status.in_(OPEN_STATUSES), FollowUp.due_at <= now)
        .group_by(FollowUp.rep_id)
    )
    if team_id is not None:
        contacts_query = contacts_query.join(Customer, Customer.id == Contact.customer_id).where(
            Customer.team_id == team_id
        )
        overdue_query = overdue_query.join(Customer, Customer.id == FollowUp.customer_id).where(
            Customer.team_id == team_id
        )
    contacts = {rep_id: count for rep_id, count in await session.execute(contacts_query)}
    overdue = {rep_id: count for rep_id, count in await session.execute(overdue_query)}

    activity = []
    for member in members:
        logged = contacts.get(member.id, 0)
        late = overdue.get(member.id, 0)
        if member.role == Role.ADMIN.value and not (logged or late):
            continue
        activity.append(RepActivity(member.id, member.full_name, logged, late))
    return activity


async def declined_customers(
    session: AsyncSession, team_id: int | None, start: datetime, end: datetime
) -> list[DeclinedCustomer]:
    """List the customers whose stage changed to decline in [start, end), first change first."""
    owner = aliased(User)
    query = (
        select(Customer, owner.full_name, func.min(StageChange.changed_at))
        .join(StageChange, StageChange.customer_id == Customer.id)
        .join(owner, owner.id == Customer.owner_id)
        .where(
            StageChange.to_stage == Stage.DECLINE.value,
            StageChange.changed_at >= start,
            StageChange.changed_at < end,
        )
        .group_by(Customer.id, owner.full_name)
        .order_by(func.min(StageChange.changed_at), Customer.id)
    )
    if team_id is not None:
        query = query.where(Customer.team_id == team_id)
    declined = []
    for customer, owner_name, entered_at in await session.execute(query):
        reason = tuple((str(key), dict(params)) for key, params in customer.stage_reason or ())
        declined.append(DeclinedCustomer(customer.name, owner_name, entered_at, reason))
    return declined


async def neglected_customers(
    session: AsyncSession,
    team_id: int | None,
    now: datetime,
    window_of: CadenceWindow,
    limit: int = NEGLECTED_LIMIT,
) -> list[NeglectedCustomer]:
    """Find the most valuable customers with no contact within their cadence window.

    Reads the team's customers in value order (tier, then revenue), page by page, and
    stops once a page brings the count to ``limit``: later pages hold less valuable
    customers. Customers contacted within the shortest window of the whole table are
    skipped in SQL, because no window can make them qualify.
    """
    shortest = _shortest_window(window_of)
    if shortest is None:
        return []

    owner = aliased(User)
    query = (
        select(Customer, owner.full_name)
        .join(owner, owner.id == Customer.owner_id)
        .where(
            or_(
                Customer.last_contact_at.is_(None),
                Customer.last_contact_at < now - shortest,
            )
        )
        .order_by(Customer.tier, Customer.revenue.desc(), Customer.name, Customer.id)
    )
    if team_id is not None:
        query = query.where(Customer.team_id == team_id)

    chosen: list[NeglectedCustomer] = []
    offset = 0
    while len(chosen) < limit:
        rows = (await session.execute(query.limit(_NEGLECTED_PAGE).offset(offset))).all()
        page = [_customer_value(customer, owner_name) for customer, owner_name in rows]
        chosen += select_neglected(page, now, window_of, limit)
        if len(rows) < _NEGLECTED_PAGE:
            break
        offset += _NEGLECTED_PAGE
    return select_neglected([item.customer for item in chosen], now, window_of, limit)


def _customer_value(customer: Customer, owner_name: str) -> CustomerValue:
    return CustomerValue(
        customer_id=customer.id,
        customer_name=customer.name,
        owner_name=owner_name,
        stage=Stage(customer.stage),
        level=Level(customer.level),
        tier=Tier(customer.tier),
        revenue=Decimal(customer.revenue or 0),
        last_contact_at=customer.last_contact_at,
    )


def _shortest_window(window_of: CadenceWindow) -> timedelta | None:
    windows = [
        window_of(stage, tier, level) for stage in Stage for tier in Tier for level in Level
    ]
    known = [window for window in windows if window is not None]
    return min(known) if known else None
