"""Manager digest end to end: once per local day at the digest time, and /digest on demand."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update

from crm_core.model import Role
from storage.followups import schedule_followup
from storage.models import Contact, Customer, StageChange, User
from tests.helpers.updates import TgUser

# These tests put customers with a hand-picked stage into the database. The daily analysis
# would recompute those stages from the (empty) history in the first tick.
pytestmark = pytest.mark.harness_settings(daily_analysis=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_harness(request: pytest.FixtureRequest):
    """The harness on SQLite, then on PostgreSQL."""
    return request.getfixturevalue("harness" if request.param == "sqlite" else "harness_pg")


MANAGER = TgUser(201, "Mia")
ANN = TgUser(101, "Ann <A&B>")
BOB = TgUser(102, "Bob")
NEW_YORK = "America/New_York"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


async def team(harness, zone: str = NEW_YORK) -> None:
    await harness.enrol(MANAGER, Role.MANAGER, timezone_name=zone)
    await harness.enrol(ANN, Role.REP, team_of=MANAGER)
    await harness.enrol(BOB, Role.REP, team_of=MANAGER)


def digests_in(messages) -> list:
    return [message for message in messages if message.plain.startswith("📊 Team digest")]


async def tick_at(harness, moment: datetime) -> list:
    harness.clock.set(moment)
    return digests_in(await harness.tick())


async def test_digest_once_per_local_day_across_dst(any_harness) -> None:
    # New York: EST (UTC-5) until Sunday 2026-03-08 02:00, then EDT (UTC-4).
    # Saturday 03-07 08:30 EST = 13:30 UTC; Sunday 03-08 08:30 EDT = 12:30 UTC;
    # Monday 03-09 08:30 EDT = 12:30 UTC.
    await team(any_harness)

    at_0829 = await tick_at(any_harness, utc(2026, 3, 7, 13, 29))
    at_0830 = await tick_at(any_harness, utc(2026, 3, 7, 13, 30))
    at_0900 = await tick_at(any_harness, utc(2026, 3, 7, 14, 0))
    await any_harness.restart()
    after_restart = await tick_at(any_harness, utc(2026, 3, 7, 14, 1))
    late_evening = await tick_at(any_harness, utc(2026, 3, 8, 4, 59))  # 23:59 EST on 03-07
    sunday_0829 = await tick_at(any_harness, utc(2026, 3, 8, 12, 29))
    sunday_0830 = await tick_at(any_harness, utc(2026, 3, 8, 12, 30))
    # 13:30 UTC, the Saturday UTC time, is 09:30 EDT on Sunday: nothing new.
    sunday_0930 = await tick_at(any_harness, utc(2026, 3, 8, 13, 30))
    monday_0830 = await tick_at(any_harness, utc(2026, 3, 9, 12, 30))

    assert at_0829 == []
    assert len(at_0830) == 1
    assert at_0830[0].chat_id == MANAGER.id
    assert at_0830[0].plain.startswith("📊 Team digest, 2026-03-07")
    assert at_0900 == []
    assert after_restart == []
    assert late_evening == []
    assert sunday_0829 == []
    assert len(sunday_0830) == 1
    assert sunday_0830[0].plain.startswith("📊 Team digest, 2026-03-08")
    assert sunday_0930 == []
    assert len(monday_0830) == 1
    assert len(digests_in(any_harness.messages_to(MANAGER))) == 3


async def test_reps_get_no_digest(harness) -> None:
    await team(harness)

    await tick_at(harness, utc(2026, 3, 7, 13, 30))

    assert harness.messages_to(ANN) == []
    assert harness.messages_to(BOB) == []


async def test_restart_before_digest_time(harness) -> None:
    await team(harness)
    harness.clock.set(utc(2026, 3, 7, 13, 0))
    await harness.restart()

    first = await tick_at(harness, utc(2026, 3, 7, 13, 45))

    assert len(first) == 1


async def seed_day(harness) -> None:
    """Activity on Friday 2026-03-06 in New York (05:00 UTC 03-06 to 05:00 UTC 03-07)."""
    async with harness.services.sessions() as session, session.begin():
        team_id = (await session.get(User, MANAGER.id)).team_id
        customers = {}
        for name, owner, stage, tier, revenue, last_contact in [
            ("Acme", ANN, "growth", "A", 9000, utc(2026, 3, 6, 15, 0)),
            ("Globex <Ltd>", BOB, "decline", "B", 4000, utc(2026, 1, 10, 12, 0)),
            ("Initech", ANN, "growth", "A", 20000, None),
        ]:
            customer = Customer(
                team_id=team_id,
                owner_id=owner.id,
                name=name,
                name_key=name.casefold(),
                created_at=utc(2025, 12, 1, 0, 0),
                level="customer",
                stage=stage,
                detected_stage=stage,
                stage_reason=[["analysis.reason.usual_gap", {"days": 14}]],
                tier=tier,
                revenue=Decimal(revenue),
                value_warning=False,
                analysis={},
                last_contact_at=last_contact,
            )
            session.add(customer)
            await session.flush()
            customers[name] = customer.id

        for rep, moment in [
            (ANN, utc(2026, 3, 6, 5, 0)),  # 00:00 EST on 03-06: counts
            (ANN, utc(2026, 3, 6, 15, 0)),  # counts
            (ANN, utc(2026, 3, 6, 4, 59)),  # 23:59 EST on 03-05: no
            (BOB, utc(2026, 3, 7, 4, 59)),  # 23:59 EST on 03-06: counts
        ]:
            session.add(
                Contact(
                    customer_id=customers["Acme"],
                    rep_id=rep.id,
                    kind="call",
                    occurred_at=moment,
                    summary="",
                    source="bot",
                    created_at=moment,
                )
            )
        session.add(
            StageChange(
                customer_id=customers["Globex <Ltd>"],
                from_stage="growth",
                to_stage="decline",
                changed_at=utc(2026, 3, 6, 18, 0),
            )
        )
        await schedule_followup(
            session,
            customer_id=customers["Globex <Ltd>"],
            rep_id=BOB.id,
            due_at=utc(2026, 3, 5, 14, 0),
            note=None,
            now=utc(2026, 3, 1, 0, 0),
        )


async def test_digest_content(harness) -> None:
    await team(harness)
    await seed_day(harness)
    # Bob's follow-up would be pushed by the same tick; only the digest matters here.
    async with harness.services.sessions() as session, session.begin():
        await session.execute(update(User).where(User.id == BOB.id).values(active=False))

    [digest] = await tick_at(harness, utc(2026, 3, 7, 13, 30))

    lines = digest.plain.split("\n")
    assert lines[0] == "📊 Team digest, 2026-03-07"
    assert "Yesterday, 2026-03-06" in lines
    assert "• Ann <A&B>: contacts logged 2, overdue follow-ups 0" in lines
    assert "• Bob: contacts logged 1, overdue follow-ups 1" in lines
    assert "• Mia: contacts logged 0, overdue follow-ups 0" in lines
    assert "Team: contacts logged 3, overdue follow-ups 1" in lines
    assert "• Globex <Ltd> (Bob): usual gap 14 days" in lines
    # The shipped cadence: growth A is 14 days for a customer, decline B is 7 days.
    # Initech was never contacted; Globex last on 01-10, 56 days before 03-07 13:30 UTC.
    neglected = lines[lines.index("Valuable customers with no contact within their cadence") :]
    assert (
        neglected[1]
        == "• Initech (Ann <A&B>), tier A, revenue 20,000: never contacted, cadence 14 days"
    )
    assert neglected[2] == (
        "• Globex <Ltd> (Bob), tier B, revenue 4,000: last contact 56 days ago, cadence 7 days"
    )
    assert len(neglected) == 3


async def test_digest_command_on_demand(harness) -> None:
    await team(harness)
    harness.clock.set(utc(2026, 3, 7, 12, 0))  # 07:00 EST, before the digest time

    replies = await harness.send(MANAGER, "/digest")
    daily = await tick_at(harness, utc(2026, 3, 7, 13, 30))

    assert len(replies) == 1
    assert replies[0].plain.startswith("📊 Team digest, 2026-03-07")
    assert len(daily) == 1


async def test_digest_command_rejects_rep(harness) -> None:
    await team(harness)

    replies = await harness.send(BOB, "/digest")

    assert len(replies) == 1
    assert not replies[0].plain.startswith("📊")


async def test_blocked_manager_marked_inactive(harness) -> None:
    await team(harness)
    harness.transport.fail_chat(MANAGER.id, blocked=True)

    first = await tick_at(harness, utc(2026, 3, 7, 13, 30))
    next_day = await tick_at(harness, utc(2026, 3, 8, 12, 30))

    async with harness.services.sessions() as session:
        active = (await session.get(User, MANAGER.id)).active
    assert first == []
    assert next_day == []
    assert active is False


async def test_digest_command_admin_sees_all_teams(harness) -> None:
    admin = TgUser(1, "Ada")
    other_manager = TgUser(301, "Otto")
    await team(harness)
    await harness.enrol(admin, Role.ADMIN)
    await harness.enrol(other_manager, Role.MANAGER)

    [reply] = await harness.send(admin, "/digest")

    assert "• Ann <A&B>: contacts logged 0, overdue follow-ups 0" in reply.plain
    assert "• Otto: contacts logged 0, overdue follow-ups 0" in reply.plain
    assert "Ada:" not in reply.plain
