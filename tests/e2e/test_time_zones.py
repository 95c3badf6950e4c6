"""Dates in replies are the reader's local dates, also in zones far from UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from crm_core.model import Role
from tests.helpers.updates import TgUser

ANN = TgUser(2, "Ann")


async def test_stage_reason_date_in_rep_zone(harness):
    # 2026-03-02 10:30 UTC is Tuesday 2026-03-03 00:30 in Pacific/Kiritimati (+14).
    harness.clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    await harness.enrol(ANN, Role.REP, timezone_name="Pacific/Kiritimati")
    await harness.send(ANN, "/log Acme note hi")

    confirmation = (await harness.press(ANN, 1))[-1].plain
    card = (await harness.send(ANN, "/customer Acme"))[-1].plain

    assert "on Tue 2026-03-03" in confirmation
    assert "last contact on 2026-03-03" in confirmation
    assert "last contact on 2026-03-03" in card


async def test_stage_reason_date_west_of_utc(harness):
    # 2026-03-02 02:00 UTC is Sunday 2026-03-01 22:30 in America/St_Johns (-03:30).
    harness.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    await harness.enrol(ANN, Role.REP, timezone_name="America/St_Johns")
    await harness.send(ANN, "/log Acme note hi")

    confirmation = (await harness.press(ANN, 1))[-1].plain

    assert "on Sun 2026-03-01" in confirmation
    assert "last contact on 2026-03-01" in confirmation
