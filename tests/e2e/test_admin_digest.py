"""Admins get a daily digest of every team, at their own digest time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm_core.model import Role
from tests.helpers.updates import TgUser

pytestmark = pytest.mark.harness_settings(daily_analysis=False)

ADMIN = TgUser(1, "Ada")
NORTH, SOUTH = TgUser(20, "North"), TgUser(21, "South")
NORA, SAM = TgUser(30, "Nora"), TgUser(31, "Sam")


async def test_admin_digest_covers_all_teams(harness):
    await harness.enrol(ADMIN, Role.ADMIN)
    await harness.enrol(NORTH, Role.MANAGER)
    await harness.enrol(SOUTH, Role.MANAGER)
    await harness.enrol(NORA, Role.REP, team_of=NORTH)
    await harness.enrol(SAM, Role.REP, team_of=SOUTH)
    await harness.send(ADMIN, "/digesttime 09:00")

    harness.clock.set(datetime(2026, 3, 3, 8, 45, tzinfo=UTC))
    managers_only = await harness.tick()
    harness.clock.set(datetime(2026, 3, 3, 9, 1, tzinfo=UTC))
    with_admin = await harness.tick()
    again = await harness.tick()

    assert sorted(message.chat_id for message in managers_only) == [NORTH.id, SOUTH.id]
    [admin_digest] = with_admin
    assert admin_digest.chat_id == ADMIN.id
    assert "Nora" in admin_digest.plain
    assert "Sam" in admin_digest.plain
    north_digest = next(message for message in managers_only if message.chat_id == NORTH.id)
    assert "Sam" not in north_digest.plain
    assert again == []
