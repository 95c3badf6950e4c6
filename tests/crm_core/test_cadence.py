"""Cadence table lookup, file validation and follow-up dates across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crm_core.cadence import DEFAULT_PATH, CadenceError, CadenceTable, next_followup_at
from crm_core.model import Level, Stage, Tier

BERLIN = ZoneInfo("Europe/Berlin")


def test_default_table_lookup():
    table = CadenceTable.default()

    # decline x A = 3 days, customer factor 1.0.
    assert table.interval(Stage.DECLINE, Tier.A, Level.CUSTOMER) == timedelta(days=3)
    # growth x B = 21 days, client factor 0.75: 15.75 rounds half up to 16.
    assert table.interval(Stage.GROWTH, Tier.B, Level.CLIENT) == timedelta(days=16)
    # acquisition x A = 7 days, casual buyer factor 1.5: 10.5 rounds half up to 11.
    assert table.interval(Stage.ACQUISITION, Tier.A, Level.CASUAL_BUYER) == timedelta(days=11)


def test_terminated_tier_c_has_no_followup():
    table = CadenceTable.default()

    assert table.interval(Stage.TERMINATED, Tier.C, Level.CUSTOMER) is None
    assert table.interval(Stage.TERMINATED, Tier.A, Level.CUSTOMER) == timedelta(days=30)


def test_interval_at_least_one_day(tmp_path: Path):
    text = DEFAULT_PATH.read_text()
    path = tmp_path / "cadence.toml"
    path.write_text(text.replace("decline = { A = 3,", "decline = { A = 1,"))

    table = CadenceTable.load(path)

    # 1 day x partner factor 0.5 = 0.5 rounds to 1, and never below 1.
    assert table.interval(Stage.DECLINE, Tier.A, Level.PARTNER) == timedelta(days=1)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cadence.toml"
    path.write_text(text)
    return path


VALID = """
[interval_days]
acquisition = { A = 7, B = 10, C = 14 }
growth = { A = 14, B = 21, C = 30 }
maturity = { A = 21, B = 30, C = 60 }
decline = { A = 3, B = 7, C = 14 }
terminated = { A = 30, B = 60, C = "none" }

[level_factor]
casual_buyer = 1.5
customer = 1.0
client = 0.75
partner = 0.5
"""


def test_load_valid_file(tmp_path: Path):
    table = CadenceTable.load(write(tmp_path, VALID))

    assert table.interval(Stage.MATURITY, Tier.C, Level.CUSTOMER) == timedelta(days=60)


def test_invalid_toml_raises(tmp_path: Path):
    with pytest.raises(CadenceError, match="not valid TOML"):
        CadenceTable.load(write(tmp_path, "[interval_days\nacquisition = 3"))


def test_missing_file_raises(tmp_path: Path):
    with pytest.raises(CadenceError, match="not found"):
        CadenceTable.load(tmp_path / "absent.toml")


def test_missing_tier_raises(tmp_path: Path):
    text = VALID.replace("growth = { A = 14, B = 21, C = 30 }", "growth = { A = 14, B = 21 }")

    with pytest.raises(CadenceError, match=r"interval_days\.growth\.C is missing"):
        CadenceTable.load(write(tmp_path, text))


def test_negative_days_raise(tmp_path: Path):
    text = VALID.replace("decline = { A = 3,", "decline = { A = -3,")

    with pytest.raises(CadenceError, match=r"interval_days\.decline\.A = -3 is invalid"):
        CadenceTable.load(write(tmp_path, text))


def test_unknown_stage_raises(tmp_path: Path):
    text = VALID.replace("[level_factor]", "sleeping = { A = 1, B = 1, C = 1 }\n[level_factor]")

    with pytest.raises(CadenceError, match="unknown key sleeping"):
        CadenceTable.load(write(tmp_path, text))


def test_zero_factor_raises(tmp_path: Path):
    text = VALID.replace("partner = 0.5", "partner = 0")

    with pytest.raises(CadenceError, match=r"level_factor\.partner = 0 is invalid"):
        CadenceTable.load(write(tmp_path, text))


def test_followup_across_spring_dst():
    # Last contact Friday 2024-03-29 10:00 UTC = 11:00 CET. Seven days on the Berlin
    # calendar is 2024-04-05; 09:00 there is CEST (UTC+2), so 07:00 UTC. Adding 7 x 24 h
    # in UTC and keeping the winter offset would give 08:00 UTC instead.
    last_contact = datetime(2024, 3, 29, 10, 0, tzinfo=UTC)

    due = next_followup_at(last_contact, timedelta(days=7), BERLIN)

    assert due == datetime(2024, 4, 5, 7, 0, tzinfo=UTC)
    assert due.astimezone(BERLIN).time() == time(9, 0)


def test_followup_uses_local_date():
    # 23:30 UTC on 2024-06-10 is already 2024-06-11 01:30 in Berlin, so the count starts
    # from the 11th: 2024-06-14 09:00 CEST = 07:00 UTC.
    last_contact = datetime(2024, 6, 10, 23, 30, tzinfo=UTC)

    due = next_followup_at(last_contact, timedelta(days=3), BERLIN, time(9, 0))

    assert due == datetime(2024, 6, 14, 7, 0, tzinfo=UTC)


def test_followup_none_interval():
    assert next_followup_at(datetime(2024, 6, 1, tzinfo=UTC), None, BERLIN) is None


def test_followup_rejects_naive():
    with pytest.raises(ValueError, match="timezone-aware"):
        next_followup_at(datetime(2024, 6, 1), timedelta(days=1), BERLIN)


def test_followup_rejects_partial_days():
    with pytest.raises(ValueError, match="whole days"):
        next_followup_at(datetime(2024, 6, 1, tzinfo=UTC), timedelta(hours=30), BERLIN)
