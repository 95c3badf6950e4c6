"""Digest claims, due managers and digest content on a real SQLite file and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm_core.cadence import CadenceTable
from crm_core.model import Level, Stage, Tier
from storage.db import create_engine, create_sessionmaker
from storage.digests import (
    DIGEST_LEASE,
    claim_digest,
    digest_content,
    due_digests,
    mark_digest_failed,
    mark_digest_sent,
    neglected_customers,
    release_digest,
)
from storage.models import Contact, Customer, Digest, FollowUp, StageChange, Team, User

ANN, BOB, MANAGER, ADMIN, OUTSIDER = 101, 102, 201, 1, 301
NY_MANAGER, GONE_MANAGER = 202, 203

# Every level factor is 1, so each window is the stage x tier entry in days.
CADENCE = CadenceTable(
    days={
        **{(stage, tier): 10 for stage in Stage for tier in Tier},
        (Stage.GROWTH, Tier.B): 20,
        (Stage.DECLINE, Tier.C): 7,
        (Stage.TERMINATED, Tier.C): None,
    },
    level_factor={level: 1.0 for level in Level},
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


NOW = utc(2026, 3, 2, 10, 0)


@pytest.fixture
async def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        session.add_all(
            [Team(id=1, name="North", created_at=NOW), Team(id=2, name="South", created_at=NOW)]
        )
        await session.flush()
        people = [
            (ADMIN, "Admin", "admin", 1, "UTC", True),
            (ANN, "Ann", "rep", 1, "UTC", True),
            (BOB, "Bob", "rep", 1, "UTC", True),
            (MANAGER, "Mia", "manager", 1, "Europe/Berlin", True),
            (NY_MANAGER, "Nora", "manager", 2, "America/New_York", True),
            (GONE_MANAGER, "Gus", "manager", 2, "UTC", False),
            (OUTSIDER, "Olga", "rep", 2, "UTC", True),
        ]
        for user_id, name, role, team_id, zone, active in people:
            session.add(
                User(
                    id=user_id,
                    chat_id=user_id,
                    full_name=name,
                    role=role,
                    team_id=team_id,
                    timezone=zone,
                    language="en",
                    digest_time=time(8, 30),
                    active=active,
                    created_at=NOW,
                )
            )
    return sessions


async def add_customer(
    session: AsyncSession,
    name: str,
    *,
    owner_id: int = ANN,
    team_id: int = 1,
    stage: Stage = Stage.GROWTH,
    tier: Tier = Tier.A,
    revenue: int = 1000,
    last_contact_at: datetime | None = None,
    stage_reason: list | None = None,
) -> int:
    customer = Customer(
        team_id=team_id,
        owner_id=owner_id,
        name=name,
        name_key=name.casefold(),
        created_at=NOW - timedelta(days=100),
        level=Level.CUSTOMER.value,
        stage=stage.value,
        detected_stage=stage.value,
        stage_reason=stage_reason or [],
        tier=tier.value,
        revenue=Decimal(revenue),
        value_warning=False,
        analysis={},
        last_contact_at=last_contact_at,
    )
    session.add(customer)
    await session.flush()
    return customer.id


def contact(customer_id: int, rep_id: int, created_at: datetime, source: str = "bot") -> Contact:
    return Contact(
        customer_id=customer_id,
        rep_id=rep_id,
        kind="call",
        occurred_at=created_at,
        summary="",
        source=source,
        created_at=created_at,
    )


def followup(customer_id: int, rep_id: int, due_at: datetime, status: str) -> FollowUp:
    return FollowUp(
        customer_id=customer_id,
        rep_id=rep_id,
        due_at=due_at,
        status=status,
        attempts=0,
        created_at=NOW - timedelta(days=30),
    )


def stage_change(customer_id: int, to_stage: Stage, changed_at: datetime) -> StageChange:
    return StageChange(
        customer_id=customer_id,
        from_stage="growth",
        to_stage=to_stage.value,
        changed_at=changed_at,
    )


async def test_rep_activity_counts_yesterday(sessions) -> None:
    # NOW is 2026-03-02 10:00 UTC; in UTC the reported day is 2026-03-01, from
    # 03-01 00:00 (inclusive) to 03-02 00:00 (exclusive).
    async with sessions() as session, session.begin():
        acme = await add_customer(session, "Acme")
        south = await add_customer(session, "South Ltd", owner_id=OUTSIDER, team_id=2)
        session.add_all(
            [
                contact(acme, ANN, utc(2026, 3, 1, 0, 0)),  # counts: start of the day
                contact(acme, ANN, utc(2026, 3, 1, 23, 59)),  # counts
                contact(acme, ANN, utc(2026, 3, 2, 0, 0)),  # today: no
                contact(acme, ANN, utc(2026, 2, 28, 23, 59)),  # day before: no
                contact(acme, ANN, utc(2026, 3, 1, 12, 0), source="import"),  # imported: no
                contact(acme, BOB, utc(2026, 3, 1, 12, 0)),  # counts for Bob
                contact(south, OUTSIDER, utc(2026, 3, 1, 12, 0)),  # other team: no
                followup(acme, ANN, utc(2026, 3, 2, 9, 0), "pending"),  # overdue
                followup(acme, ANN, utc(2026, 2, 27, 9, 0), "sent"),  # overdue, not done
                followup(acme, ANN, utc(2026, 2, 20, 9, 0), "done"),  # closed: no
                followup(acme, ANN, utc(2026, 3, 2, 11, 0), "pending"),  # not yet due: no
                followup(south, OUTSIDER, utc(2026, 3, 1, 9, 0), "pending"),  # other team
            ]
        )

    async with sessions() as session:
        content = await digest_content(
            session, team_id=1, zone=ZoneInfo("UTC"), now=NOW, window_of=CADENCE.interval
        )

    assert content.day == date(2026, 3, 1)
    # Members in name order; the admin has nothing to count, so is left out.
    assert [(rep.rep_name, rep.contacts, rep.overdue_followups) for rep in content.reps] == [
        ("Ann", 2, 2),
        ("Bob", 1, 0),
        ("Mia", 0, 0),
    ]


async def test_rep_activity_all_teams(sessions) -> None:
    async with sessions() as session, session.begin():
        south = await add_customer(session, "South Ltd", owner_id=OUTSIDER, team_id=2)
        session.add(contact(south, OUTSIDER, utc(2026, 3, 1, 12, 0)))

    async with sessions() as session:
        content = await digest_content(
            session, team_id=None, zone=ZoneInfo("UTC"), now=NOW, window_of=CADENCE.interval
        )

    olga = [rep for rep in content.reps if rep.rep_name == "Olga"]
    assert [(rep.contacts, rep.overdue_followups) for rep in olga] == [(1, 0)]


async def test_declined_in_last_24_hours(sessions) -> None:
    # The digest at NOW (03-02 10:00 UTC) reports changes from 03-01 10:00 UTC on, whatever
    # the zone, because the daily analysis runs early in the UTC day.
    async with sessions() as session, session.begin():
        reason = [["analysis.reason.usual_gap", {"days": 30}]]
        entered = await add_customer(
            session, "Entered", owner_id=BOB, stage=Stage.DECLINE, stage_reason=reason
        )
        early = await add_customer(session, "Early", stage=Stage.DECLINE)
        earlier = await add_customer(session, "Earlier", stage=Stage.DECLINE)
        matured = await add_customer(session, "Matured", stage=Stage.MATURITY)
        south = await add_customer(session, "South", owner_id=OUTSIDER, team_id=2)
        session.add_all(
            [
                stage_change(entered, Stage.DECLINE, utc(2026, 3, 1, 15, 0)),
                stage_change(entered, Stage.DECLINE, utc(2026, 3, 1, 16, 0)),
                # 23.5 hours before NOW: counts.
                stage_change(early, Stage.DECLINE, utc(2026, 3, 1, 10, 30)),
                # 24.5 hours before NOW: no.
                stage_change(earlier, Stage.DECLINE, utc(2026, 3, 1, 9, 30)),
                stage_change(matured, Stage.MATURITY, utc(2026, 3, 1, 15, 0)),
                stage_change(south, Stage.DECLINE, utc(2026, 3, 1, 15, 0)),
            ]
        )

    async with sessions() as session:
        content = await digest_content(
            session, team_id=1, zone=ZoneInfo("Europe/Berlin"), now=NOW, window_of=CADENCE.interval
        )

    assert [(item.customer_name, item.owner_name) for item in content.declined] == [
        ("Early", "Ann"),
        ("Entered", "Bob"),
    ]
    assert content.declined[1].reason == (("analysis.reason.usual_gap", {"days": 30}),)
    assert content.declined[1].entered_at == utc(2026, 3, 1, 15, 0)


async def test_neglected_by_value(sessions) -> None:
    async with sessions() as session, session.begin():
        # growth A: window 10 days.
        await add_customer(
            session, "Recent A", revenue=90000, last_contact_at=NOW - timedelta(days=9)
        )
        await add_customer(
            session, "Late A", revenue=5000, last_contact_at=NOW - timedelta(days=12)
        )
        # growth B: window 20 days.
        await add_customer(session, "Never B", tier=Tier.B, revenue=10, last_contact_at=None)
        await add_customer(
            session, "Late B", tier=Tier.B, revenue=700, last_contact_at=NOW - timedelta(days=21)
        )
        # terminated C: no follow-up, never listed.
        await add_customer(session, "Gone C", tier=Tier.C, stage=Stage.TERMINATED, revenue=10**6)
        await add_customer(
            session,
            "Other team",
            owner_id=OUTSIDER,
            team_id=2,
            revenue=10**6,
            last_contact_at=None,
        )

    async with sessions() as session:
        content = await digest_content(
            session, team_id=1, zone=ZoneInfo("UTC"), now=NOW, window_of=CADENCE.interval
        )

    assert [item.customer.customer_name for item in content.neglected] == [
        "Late A",
        "Late B",
        "Never B",
    ]
    assert [item.days_without_contact for item in content.neglected] == [12, 21, None]


async def test_neglected_reads_past_first_page(sessions) -> None:
    # 505 tier A customers contacted 8 days ago pass the SQL filter (shortest window
    # 7 days) but are within their 10-day window. The only neglected one is on page 2.
    async with sessions() as session, session.begin():
        for index in range(505):
            await add_customer(
                session,
                f"Busy {index:03d}",
                revenue=10_000 + index,
                last_contact_at=NOW - timedelta(days=8),
            )
        await add_customer(session, "Forgotten", tier=Tier.B, revenue=1, last_contact_at=None)

    async with sessions() as session:
        neglected = await neglected_customers(session, 1, NOW, CADENCE.interval, limit=5)

    assert [item.customer.customer_name for item in neglected] == ["Forgotten"]


async def test_due_digests_by_local_time(sessions) -> None:
    # 2026-03-29 06:30 UTC: 08:30 CEST in Berlin (due), 02:30 EDT in New York (not due).
    # Gus is inactive, so never due.
    async with sessions() as session:
        before = await due_digests(session, utc(2026, 3, 29, 6, 29))
        at_time = await due_digests(session, utc(2026, 3, 29, 6, 30))

    assert before == []
    assert [(item.manager_id, item.local_date) for item in at_time] == [
        (MANAGER, date(2026, 3, 29))
    ]
    assert at_time[0].team_id == 1
    assert at_time[0].timezone == "Europe/Berlin"


async def claim(sessions, moment: datetime, local_date: date = date(2026, 3, 29)) -> bool:
    async with sessions() as session, session.begin():
        return await claim_digest(session, MANAGER, local_date, moment)


async def due_ids(sessions, moment: datetime) -> list[int]:
    """Return the due managers among Mia (Berlin); Nora in New York is due at other times."""
    async with sessions() as session:
        due = await due_digests(session, moment)
    return [item.manager_id for item in due if item.manager_id == MANAGER]


async def test_claim_once_per_local_date(sessions) -> None:
    at_time = utc(2026, 3, 29, 6, 30)

    first = await claim(sessions, at_time)
    second = await claim(sessions, at_time + timedelta(minutes=1))

    assert first is True
    assert second is False
    assert await due_ids(sessions, at_time + timedelta(minutes=1)) == []


async def test_sent_digest_not_due_again(sessions) -> None:
    at_time = utc(2026, 3, 29, 6, 30)
    await claim(sessions, at_time)
    async with sessions() as session, session.begin():
        await mark_digest_sent(session, MANAGER, date(2026, 3, 29), at_time)

    late_same_day = await due_ids(sessions, utc(2026, 3, 29, 21, 59))
    retried = await claim(sessions, at_time + DIGEST_LEASE + timedelta(hours=1))
    next_day = await due_ids(sessions, utc(2026, 3, 30, 6, 30))

    assert late_same_day == []
    assert retried is False
    assert next_day == [MANAGER]


async def test_stale_claim_taken_over(sessions) -> None:
    at_time = utc(2026, 3, 29, 6, 30)
    await claim(sessions, at_time)

    within_lease = await due_ids(sessions, at_time + DIGEST_LEASE - timedelta(seconds=1))
    after_lease = await due_ids(sessions, at_time + DIGEST_LEASE)
    taken_over = await claim(sessions, at_time + DIGEST_LEASE)
    taken_again = await claim(sessions, at_time + DIGEST_LEASE)

    assert within_lease == []
    assert after_lease == [MANAGER]
    assert taken_over is True
    assert taken_again is False


async def test_released_claim_due_again(sessions) -> None:
    at_time = utc(2026, 3, 29, 6, 30)
    await claim(sessions, at_time)

    async with sessions() as session, session.begin():
        await release_digest(session, MANAGER, date(2026, 3, 29), at_time)

    assert await due_ids(sessions, at_time + timedelta(seconds=30)) == [MANAGER]


async def test_failed_digest_not_due_again(sessions) -> None:
    at_time = utc(2026, 3, 29, 6, 30)
    await claim(sessions, at_time)

    async with sessions() as session, session.begin():
        await mark_digest_failed(session, MANAGER, date(2026, 3, 29), at_time)
    async with sessions() as session:
        status = await session.scalar(select(Digest.status))

    assert status == "failed"
    assert await due_ids(sessions, at_time + timedelta(hours=2)) == []


async def test_concurrent_claims_one_winner(sessions, engine) -> None:
    # A second engine stands for a second bot process on the same database.
    other_engine = create_engine(engine.url.render_as_string(hide_password=False))
    other_sessions = create_sessionmaker(other_engine)
    at_time = utc(2026, 3, 29, 6, 30)
    try:
        results = await asyncio.gather(
            *(
                claim(pool, at_time)
                for pool in (sessions, other_sessions, sessions, other_sessions)
            )
        )
    finally:
        await other_engine.dispose()

    assert sorted(results) == [False, False, False, True]
    async with sessions() as session:
        rows = list(await session.scalars(select(Digest)))
    assert len(rows) == 1
