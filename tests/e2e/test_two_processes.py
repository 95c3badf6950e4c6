"""Two bot processes on one PostgreSQL database: every reminder and digest goes out once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import update

from crm_core.model import Role
from storage.models import User
from tests.helpers.harness import Harness, harness_settings
from tests.helpers.updates import TgUser

MANAGER = TgUser(201, "Mia")
REPS = [TgUser(300 + number, f"Rep {number}") for number in range(4)]
# Names far apart, so that the fuzzy match never offers one for another.
CUSTOMERS = ["Alder", "Birch", "Cedar", "Damson", "Elm"]


@pytest.fixture
async def two_processes(pg_url, clock):
    """Two Applications with their own transports on the same PostgreSQL database."""
    first = Harness(harness_settings(pg_url, daily_analysis=False), clock)
    second = Harness(harness_settings(pg_url, daily_analysis=False), clock)
    await first.start()
    await second.start()
    yield first, second
    await first.stop()
    await second.stop()


async def test_reminders_and_digest_sent_once(two_processes, clock):
    first, second = two_processes
    await first.enrol(MANAGER, Role.MANAGER)
    for rep in REPS:
        await first.enrol(rep, Role.REP, team_of=MANAGER)
    clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    for rep in REPS:
        for name in CUSTOMERS:
            # Names are unique within a team, so each rep gets their own.
            replies = await first.send(rep, f"/log {name}{rep.id} call hello tomorrow")
            assert "Create" in replies[-1].buttons[0]["text"]
            await first.press(rep, 1)
    async with first.services.sessions() as session, session.begin():
        await session.execute(update(User).values(digest_time=time(8, 30)))
    before = len(first.sent) + len(second.sent)

    # Both processes tick at the same moment, again and again, after everything is due.
    clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    for _ in range(3):
        await asyncio.gather(first.tick(), second.tick())
        clock.advance(timedelta(minutes=1))

    pushed = (first.sent + second.sent)[before:]
    reminders = [message for message in pushed if message.plain.startswith("🔔")]
    digests = [message for message in pushed if message.chat_id == MANAGER.id]
    assert len(reminders) == len(REPS) * len(CUSTOMERS)
    assert len({(message.chat_id, message.plain) for message in reminders}) == len(reminders)
    assert len(digests) == 1
