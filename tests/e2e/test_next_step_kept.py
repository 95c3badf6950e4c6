"""A next-step date that a rep chose survives the daily analysis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from crm_core.model import Role
from storage.models import FollowUp
from tests.helpers.updates import TgUser

MIA = TgUser(5, "Mia")
ANN = TgUser(2, "Ann")
# Friday 2026-03-06 09:00 UTC: "next friday" said on Monday 2026-03-02 in UTC.
FRIDAY = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)


async def open_followups(harness) -> list[tuple[datetime, str | None]]:
    async with harness.services.sessions() as session:
        rows = await session.execute(
            select(FollowUp.due_at, FollowUp.note).where(FollowUp.status.in_(("pending", "sent")))
        )
        return [(due_at, note) for due_at, note in rows]


async def team(harness) -> None:
    await harness.enrol(MIA, Role.MANAGER)
    await harness.enrol(ANN, Role.REP, team_of=MIA)
    await harness.tick()  # the day's analysis has run before Ann logs


async def test_next_step_kept_when_tier_changes(harness):
    await team(harness)
    await harness.send(ANN, "/log Acme purchase order 5000 next friday")
    await harness.press(ANN, 1)
    before = await open_followups(harness)

    # The first full analysis moves Acme from the stored tier C to tier A.
    harness.clock.advance(timedelta(days=1))
    await harness.tick()

    assert [due_at for due_at, _ in before] == [FRIDAY]
    assert [due_at for due_at, _ in await open_followups(harness)] == [FRIDAY]


async def test_next_step_kept_for_terminated_customer(harness):
    await team(harness)
    await harness.send(ANN, "/log Acme call first talk")
    await harness.press(ANN, 1)
    await harness.send(ANN, "/stage Acme terminated")
    confirmation = (await harness.send(ANN, "/log Acme call they called back next friday"))[0]

    harness.clock.advance(timedelta(days=1))
    await harness.tick()

    assert "Next follow-up: Fri 2026-03-06 09:00" in confirmation.plain
    assert [due_at for due_at, _ in await open_followups(harness)] == [FRIDAY]


async def test_cadence_followup_moves_when_tier_changes(harness):
    await team(harness)
    await harness.send(ANN, "/log Acme purchase order 5000")
    await harness.press(ANN, 1)
    [(before, _)] = await open_followups(harness)

    harness.clock.advance(timedelta(days=1))
    await harness.tick()

    [(after, _)] = await open_followups(harness)
    assert after != before
