"""Reminder text and snooze times, worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from console.transport import html_to_plain
from crm_core.model import Level, Stage, Tier
from crm_core.reminder import (
    ReminderView,
    SnoozeLength,
    lateness_line,
    render_reminder,
    snoozed_due_at,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
DUE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def view(**changes: object) -> ReminderView:
    values: dict[str, object] = {
        "followup_id": 7,
        "customer_name": "Acme <Sons> & Co",
        "stage": Stage.DECLINE,
        "level": Level.CUSTOMER,
        "tier": Tier.A,
        "due_at": DUE,
        "note": "ask about <invoice>",
        "stage_reason": (("analysis.reason.usual_gap", {"days": 30}),),
    }
    values.update(changes)
    return ReminderView(**values)


@pytest.mark.parametrize(
    ("late", "expected"),
    [
        pytest.param(timedelta(minutes=59), "Due now (2026-03-02 09:00).", id="59-minutes"),
        pytest.param(timedelta(hours=3), "Overdue by 3 h (due 2026-03-02 09:00).", id="3-hours"),
        pytest.param(timedelta(days=1), "Overdue by 1 day (due 2026-03-02 09:00).", id="1-day"),
        pytest.param(
            timedelta(days=2, hours=5), "Overdue by 2 days (due 2026-03-02 09:00).", id="2-days"
        ),
    ],
)
def test_lateness_line(late: timedelta, expected: str) -> None:
    assert lateness_line(DUE, DUE + late, ZoneInfo("UTC"), "en") == expected


def test_lateness_in_local_zone() -> None:
    # 09:00 UTC is 10:00 in Berlin in winter.
    line = lateness_line(DUE, DUE, BERLIN, "en")

    assert line == "Due now (2026-03-02 10:00)."


def test_render_reminder_lines() -> None:
    text = render_reminder(view(), "en", ZoneInfo("UTC"), DUE + timedelta(hours=2))
    lines = text.split("\n")

    assert lines[0] == "🔔 <b>Follow up: Acme &lt;Sons&gt; &amp; Co</b>"
    assert lines[1] == "Overdue by 2 h (due 2026-03-02 09:00)."
    assert lines[2] == "Stage: decline (usual gap 30 days)"
    assert lines[3] == "Your note: ask about &lt;invoice&gt;"
    assert lines[4].startswith("Suggested approach: ")
    assert len(lines) == 5


def test_render_reminder_without_note_or_reason() -> None:
    text = render_reminder(
        view(note=None, stage_reason=()), "en", ZoneInfo("UTC"), DUE + timedelta(hours=2)
    )
    lines = text.split("\n")

    assert lines[2] == "Stage: decline"
    assert not any(line.startswith("Your note") for line in lines)


def test_render_reminder_valid_html_in_chinese() -> None:
    text = render_reminder(view(), "zh", BERLIN, DUE)

    plain = html_to_plain(text)

    assert "Acme <Sons> & Co" in plain
    assert "跟进" in plain


def test_snooze_day_across_spring_forward() -> None:
    # Due Saturday 2026-03-28 09:00 CET (08:00 UTC), snoozed that day at 11:00 CET.
    # Sunday 09:00 is CEST (UTC+2): 07:00 UTC.
    due = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    now = datetime(2026, 3, 28, 10, 0, tzinfo=UTC)

    assert snoozed_due_at(due, now, SnoozeLength.DAY, BERLIN) == datetime(
        2026, 3, 29, 7, 0, tzinfo=UTC
    )


def test_snooze_week_across_fall_back() -> None:
    # New York: due Friday 2026-10-30 09:00 EDT (13:00 UTC). A week later, Friday
    # 2026-11-06 09:00 is EST (UTC-5): 14:00 UTC.
    due = datetime(2026, 10, 30, 13, 0, tzinfo=UTC)

    assert snoozed_due_at(due, due, SnoozeLength.WEEK, NEW_YORK) == datetime(
        2026, 11, 6, 14, 0, tzinfo=UTC
    )


def test_snooze_counts_from_today() -> None:
    # Overdue by 5 days: the snoozed reminder comes tomorrow at the old wall time,
    # not one day after the old due date (which is already past).
    now = DUE + timedelta(days=5, hours=3)

    assert snoozed_due_at(DUE, now, SnoozeLength.DAY, ZoneInfo("UTC")) == datetime(
        2026, 3, 8, 9, 0, tzinfo=UTC
    )
