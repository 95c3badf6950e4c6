"""Follow-up claims, delivery marks and button presses on a real SQLite file and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm_core.cadence import CadenceTable
from crm_core.reminder import SnoozeLength
from storage.db import create_engine, create_sessionmaker
from storage.followups import (
    MAX_ATTEMPTS,
    PressOutcome,
    claim_due_followups,
    mark_done,
    mark_failed,
    mark_sent,
    release_claim,
    reminder_deliveries,
    schedule_followup,
    snooze,
)
from storage.models import Customer, FollowUp, Team, User

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)
REP, OTHER_REP, MANAGER, OUTSIDER, ADMIN = 101, 102, 201, 301, 1


@pytest.fixture
async def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await seed_people(session)
    return sessions


async def seed_people(session: AsyncSession) -> None:
    """Team 1: rep 101, rep 102 (Berlin), manager 201, admin 1. Team 2: rep 301."""
    session.add_all(
        [Team(id=1, name="North", created_at=NOW), Team(id=2, name="South", created_at=NOW)]
    )
    await session.flush()
    people = [
        (ADMIN, "admin", 1, "UTC"),
        (REP, "rep", 1, "UTC"),
        (OTHER_REP, "rep", 1, "Europe/Berlin"),
        (MANAGER, "manager", 1, "UTC"),
        (OUTSIDER, "rep", 2, "UTC"),
    ]
    for user_id, role, team_id, zone in people:
        session.add(
            User(
                id=user_id,
                chat_id=user_id,
                full_name=f"user {user_id}",
                role=role,
                team_id=team_id,
                timezone=zone,
                language="en",
                digest_time=time(8, 30),
                active=True,
                created_at=NOW,
            )
        )
    await session.flush()


async def add_customer(session: AsyncSession, name: str, owner_id: int = REP) -> int:
    customer = Customer(
        team_id=1,
        owner_id=owner_id,
        name=name,
        name_key=name.casefold(),
        created_at=NOW,
        level="customer",
        stage="growth",
        detected_stage="growth",
        stage_reason=[],
        tier="A",
        revenue=Decimal("1000"),
        value_warning=False,
        analysis={},
    )
    session.add(customer)
    await session.flush()
    return customer.id


async def add_followup(
    sessions: async_sessionmaker[AsyncSession],
    due_at: datetime,
    *,
    owner_id: int = REP,
    name: str | None = None,
) -> int:
    async with sessions() as session, session.begin():
        customer_id = await add_customer(
            session, name or f"customer {due_at.isoformat()}", owner_id
        )
        followup = await schedule_followup(
            session,
            customer_id=customer_id,
            rep_id=owner_id,
            due_at=due_at,
            note="call back",
            now=NOW,
        )
        return followup.id


async def claim(sessions, now: datetime = NOW, limit: int = 50) -> list[FollowUp]:
    async with sessions() as session, session.begin():
        return await claim_due_followups(session, now, limit, LEASE)


async def status_of(sessions, followup_id: int) -> str:
    async with sessions() as session:
        return await session.scalar(select(FollowUp.status).where(FollowUp.id == followup_id))


async def test_claim_takes_due_only(sessions) -> None:
    due = await add_followup(sessions, NOW - timedelta(minutes=1))
    await add_followup(sessions, NOW + timedelta(minutes=1))

    claimed = await claim(sessions)

    assert [followup.id for followup in claimed] == [due]
    assert claimed[0].status == "claimed"
    assert claimed[0].attempts == 1


async def test_claim_includes_exact_due_time(sessions) -> None:
    due = await add_followup(sessions, NOW)

    claimed = await claim(sessions)

    assert [followup.id for followup in claimed] == [due]


async def test_claim_twice_returns_nothing(sessions) -> None:
    await add_followup(sessions, NOW - timedelta(hours=1))

    first = await claim(sessions)
    second = await claim(sessions, NOW + LEASE - timedelta(seconds=1))

    assert len(first) == 1
    assert second == []


async def test_claim_orders_by_due_and_limits(sessions) -> None:
    late = await add_followup(sessions, NOW - timedelta(hours=1))
    earliest = await add_followup(sessions, NOW - timedelta(hours=3))
    middle = await add_followup(sessions, NOW - timedelta(hours=2))

    first = await claim(sessions, limit=2)
    rest = await claim(sessions, limit=2)

    assert [followup.id for followup in first] == [earliest, middle]
    assert [followup.id for followup in rest] == [late]


async def test_expired_lease_is_claimed_again(sessions) -> None:
    followup_id = await add_followup(sessions, NOW - timedelta(minutes=5))
    [first] = await claim(sessions)

    [again] = await claim(sessions, NOW + LEASE)

    assert again.id == followup_id
    assert again.claim_token != first.claim_token
    assert again.attempts == 2


async def test_stale_token_cannot_mark_sent(sessions) -> None:
    await add_followup(sessions, NOW - timedelta(minutes=5))
    [first] = await claim(sessions)
    [again] = await claim(sessions, NOW + LEASE)

    async with sessions() as session, session.begin():
        stale = await mark_sent(session, first.id, first.claim_token, NOW + LEASE)
        current = await mark_sent(session, again.id, again.claim_token, NOW + LEASE)

    assert stale is False
    assert current is True


async def test_sent_is_never_claimed_again(sessions) -> None:
    followup_id = await add_followup(sessions, NOW - timedelta(minutes=5))
    [claimed] = await claim(sessions)
    async with sessions() as session, session.begin():
        await mark_sent(session, claimed.id, claimed.claim_token, NOW)

    later = await claim(sessions, NOW + timedelta(days=30))

    assert later == []
    assert await status_of(sessions, followup_id) == "sent"


async def test_inactive_rep_is_skipped(sessions) -> None:
    followup_id = await add_followup(sessions, NOW - timedelta(minutes=5))
    async with sessions() as session, session.begin():
        await session.execute(update(User).where(User.id == REP).values(active=False))

    while_blocked = await claim(sessions)
    async with sessions() as session, session.begin():
        await session.execute(update(User).where(User.id == REP).values(active=True))
    after_return = await claim(sessions)

    assert while_blocked == []
    assert [followup.id for followup in after_return] == [followup_id]


async def test_release_returns_to_pending(sessions) -> None:
    followup_id = await add_followup(sessions, NOW - timedelta(minutes=5))
    [claimed] = await claim(sessions)

    async with sessions() as session, session.begin():
        new_status = await release_claim(session, claimed.id, claimed.claim_token, NOW)
    [again] = await claim(sessions, NOW + timedelta(seconds=30))

    assert new_status == "pending"
    assert again.id == followup_id


async def test_release_gives_up_after_max_attempts(sessions) -> None:
    followup_id = await add_followup(sessions, NOW - timedelta(minutes=5))
    statuses = []
    for attempt in range(MAX_ATTEMPTS):
        [claimed] = await claim(sessions, NOW + timedelta(minutes=attempt))
        async with sessions() as session, session.begin():
            statuses.append(await release_claim(session, claimed.id, claimed.claim_token, NOW))

    assert statuses == ["pending"] * (MAX_ATTEMPTS - 1) + ["failed"]
    assert await status_of(sessions, followup_id) == "failed"
    assert await claim(sessions, NOW + timedelta(days=1)) == []


async def test_mark_failed_closes(sessions) -> None:
    followup_id = await add_followup(sessions, NOW - timedelta(minutes=5))
    [claimed] = await claim(sessions)

    async with sessions() as session, session.begin():
        closed = await mark_failed(session, claimed.id, claimed.claim_token, NOW)

    assert closed is True
    assert await status_of(sessions, followup_id) == "failed"


async def test_deliveries_carry_recipient(sessions) -> None:
    await add_followup(sessions, NOW - timedelta(minutes=5), owner_id=OTHER_REP, name="A <b> & Co")
    claimed = await claim(sessions)

    async with sessions() as session:
        [delivery] = await reminder_deliveries(session, claimed)

    assert delivery.chat_id == OTHER_REP
    assert delivery.timezone == "Europe/Berlin"
    assert delivery.view.customer_name == "A <b> & Co"
    assert delivery.view.note == "call back"
    assert delivery.claim_token == claimed[0].claim_token


async def press_done(sessions, followup_id: int, presser_id: int):
    async with sessions() as session, session.begin():
        return await mark_done(session, followup_id, presser_id, NOW, CadenceTable.default())


async def test_done_by_owner(sessions) -> None:
    followup_id = await add_followup(sessions, NOW - timedelta(minutes=5))

    result = await press_done(sessions, followup_id, REP)

    assert result.outcome is PressOutcome.DONE
    assert await status_of(sessions, followup_id) == "done"


async def test_done_schedules_next_by_cadence(sessions) -> None:
    followup_id = await add_followup(sessions, NOW - timedelta(minutes=5))

    result = await press_done(sessions, followup_id, REP)

    # Growth, tier A, level customer: 14 days x 1.0 in the shipped cadence table, from
    # Monday 2026-03-02 to Monday 2026-03-16 at 09:00 in the rep's zone (UTC).
    expected = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    assert result.new_due_at == expected
    async with sessions() as session:
        pending = (
            await session.scalars(select(FollowUp).where(FollowUp.status == "pending"))
        ).all()
    assert [followup.due_at for followup in pending] == [expected]


async def test_done_twice_is_already_closed(sessions) -> None:
    followup_id = await add_followup(sessions, NOW - timedelta(minutes=5))

    await press_done(sessions, followup_id, REP)
    second = await press_done(sessions, followup_id, REP)

    assert second.outcome is PressOutcome.ALREADY_CLOSED


@pytest.mark.parametrize(
    ("presser", "expected"),
    [
        pytest.param(MANAGER, PressOutcome.DONE, id="manager-of-team"),
        pytest.param(ADMIN, PressOutcome.DONE, id="admin"),
        pytest.param(OTHER_REP, PressOutcome.FORBIDDEN, id="other-rep-same-team"),
        pytest.param(OUTSIDER, PressOutcome.FORBIDDEN, id="rep-other-team"),
        pytest.param(999, PressOutcome.FORBIDDEN, id="unknown-user"),
    ],
)
async def test_done_access(sessions, presser: int, expected: PressOutcome) -> None:
    followup_id = await add_followup(sessions, NOW - timedelta(minutes=5))

    result = await press_done(sessions, followup_id, presser)

    assert result.outcome is expected


async def test_forbidden_press_changes_nothing(sessions) -> None:
    followup_id = await add_followup(sessions, NOW - timedelta(minutes=5))

    await press_done(sessions, followup_id, OUTSIDER)

    assert await status_of(sessions, followup_id) == "pending"


async def test_press_unknown_followup(sessions) -> None:
    result = await press_done(sessions, 4242, REP)

    assert result.outcome is PressOutcome.NOT_FOUND


async def test_superseded_press_is_stale(sessions) -> None:
    followup_id = await add_followup(sessions, NOW - timedelta(minutes=5), name="Acme")
    async with sessions() as session, session.begin():
        customer_id = await session.scalar(
            select(FollowUp.customer_id).where(FollowUp.id == followup_id)
        )
        await schedule_followup(
            session,
            customer_id=customer_id,
            rep_id=REP,
            due_at=NOW + timedelta(days=7),
            note=None,
            now=NOW,
        )

    result = await press_done(sessions, followup_id, REP)

    assert result.outcome is PressOutcome.ALREADY_CLOSED
    assert await status_of(sessions, followup_id) == "superseded"


async def test_snooze_day_across_dst(sessions) -> None:
    # Rep 102 is in Europe/Berlin. Clocks go from 02:00 CET to 03:00 CEST on Sunday
    # 2026-03-29. Due Saturday 09:00 CET = 08:00 UTC; pressed Saturday 11:00 CET.
    # One day later at the same wall time: Sunday 09:00 CEST = 07:00 UTC.
    due = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    pressed = datetime(2026, 3, 28, 10, 0, tzinfo=UTC)
    followup_id = await add_followup(sessions, due, owner_id=OTHER_REP, name="Acme")

    async with sessions() as session, session.begin():
        result = await snooze(session, followup_id, OTHER_REP, SnoozeLength.DAY, pressed)

    assert result.outcome is PressOutcome.SNOOZED
    assert result.new_due_at == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


async def test_snooze_schedules_pending_copy(sessions) -> None:
    # Rep 101 is in UTC: due Monday 09:00, pressed Monday 10:00; a week from today at 09:00.
    due = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    followup_id = await add_followup(sessions, due, name="Acme")

    async with sessions() as session, session.begin():
        result = await snooze(session, followup_id, REP, SnoozeLength.WEEK, NOW)
    async with sessions() as session:
        rows = list(await session.scalars(select(FollowUp).order_by(FollowUp.id)))
        next_followup_at = await session.scalar(select(Customer.next_followup_at))

    expected = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert result.new_due_at == expected
    assert [row.status for row in rows] == ["snoozed", "pending"]
    assert rows[1].due_at == expected
    assert rows[1].note == "call back"
    assert next_followup_at == expected


async def test_snoozed_is_claimed_when_due(sessions) -> None:
    due = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    followup_id = await add_followup(sessions, due, name="Acme")
    async with sessions() as session, session.begin():
        await snooze(session, followup_id, REP, SnoozeLength.DAY, NOW)

    before = await claim(sessions, datetime(2026, 3, 3, 8, 59, tzinfo=UTC))
    at_due = await claim(sessions, datetime(2026, 3, 3, 9, 0, tzinfo=UTC))

    assert before == []
    assert len(at_due) == 1
    assert at_due[0].id != followup_id


async def test_concurrent_claimers_disjoint(sessions, engine) -> None:
    # A second engine stands for a second bot process on the same database.
    ids = {await add_followup(sessions, NOW - timedelta(minutes=index)) for index in range(12)}
    other_engine = create_engine(engine.url.render_as_string(hide_password=False))
    other_sessions = create_sessionmaker(other_engine)
    try:
        first, second = await asyncio.gather(
            claim(sessions, limit=8), claim(other_sessions, limit=8)
        )
    finally:
        await other_engine.dispose()

    first_ids = {followup.id for followup in first}
    second_ids = {followup.id for followup in second}
    assert first_ids.isdisjoint(second_ids)
    assert first_ids | second_ids == ids


async def test_open_claim_skips_locked_rows(sessions, engine) -> None:
    # While the first transaction with its claim is still open, the second one must skip
    # the locked rows instead of waiting for them, and take the rest.
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks with SKIP LOCKED exist only on PostgreSQL")
    ids = {await add_followup(sessions, NOW - timedelta(minutes=index)) for index in range(5)}

    async with sessions() as first_session, first_session.begin():
        held = await claim_due_followups(first_session, NOW, 3, LEASE)
        async with sessions() as second_session, second_session.begin():
            rest = await asyncio.wait_for(
                claim_due_followups(second_session, NOW, 3, LEASE), timeout=10
            )

    held_ids = {followup.id for followup in held}
    rest_ids = {followup.id for followup in rest}
    assert len(held_ids) == 3
    assert rest_ids == ids - held_ids


async def test_daily_cap_limits_pushes_per_rep(sessions) -> None:
    for minutes in range(5):
        await add_followup(sessions, NOW - timedelta(minutes=minutes + 1))
    await add_followup(sessions, NOW - timedelta(minutes=1), owner_id=OTHER_REP, name="other")

    async with sessions() as session, session.begin():
        first = await claim_due_followups(session, NOW, 50, LEASE, daily_cap=3)
    for followup in first:
        async with sessions() as session, session.begin():
            await mark_sent(session, followup.id, followup.claim_token, NOW)
    async with sessions() as session, session.begin():
        same_day = await claim_due_followups(
            session, NOW + timedelta(hours=23), 50, LEASE, daily_cap=3
        )
    async with sessions() as session, session.begin():
        next_day = await claim_due_followups(
            session, NOW + timedelta(hours=24, minutes=1), 50, LEASE, daily_cap=3
        )

    assert sorted(followup.rep_id for followup in first) == [REP, REP, REP, OTHER_REP]
    assert same_day == []
    assert [followup.rep_id for followup in next_day] == [REP, REP]
    async with sessions() as session:
        statuses = list(await session.scalars(select(FollowUp.status).order_by(FollowUp.id)))
    assert statuses.count("sent") == 4
    assert statuses.count("claimed") == 2


async def test_claim_takes_most_valuable_first(sessions) -> None:
    low = await add_followup(sessions, NOW - timedelta(days=3), name="small old")
    high = await add_followup(sessions, NOW - timedelta(minutes=1), name="big new")
    async with sessions() as session, session.begin():
        low_customer = await session.scalar(select(FollowUp.customer_id).where(FollowUp.id == low))
        await session.execute(update(Customer).where(Customer.id == low_customer).values(tier="C"))

    async with sessions() as session, session.begin():
        [claimed] = await claim_due_followups(session, NOW, 50, LEASE, daily_cap=1)

    assert claimed.id == high
    assert await status_of(sessions, low) == "pending"
