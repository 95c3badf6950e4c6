"""Text of a follow-up reminder push: the customer, why now, the approach and the rep's note."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from crm_core.analysis import render_reason, stage_label
from crm_core.i18n import Markup, translate
from crm_core.model import Level, Stage, Tier
from crm_core.strategy import suggested_approach

# Format of dates and times shown to users, in their own zone.
LOCAL_TIME_FORMAT = "%Y-%m-%d %H:%M"
# Within this lateness a reminder reads as "due now" rather than "overdue".
DUE_NOW_GRACE = timedelta(hours=1)


class SnoozeLength(StrEnum):
    """Snooze choices on a reminder; the value is the word used in callback data."""

    DAY = "day"
    WEEK = "week"

    @property
    def days(self) -> int:
        return 1 if self is SnoozeLength.DAY else 7


@dataclass(frozen=True)
class ReminderView:
    """Plain data of one due follow-up, enough to render its push."""

    followup_id: int
    customer_name: str
    stage: Stage
    level: Level
    tier: Tier
    due_at: datetime
    note: str | None = None
    value_warning: bool = False
    # Catalogue keys with their parameters, as stored in ``Customer.stage_reason``.
    stage_reason: Sequence[Sequence[Any]] = field(default_factory=tuple)


def format_local(moment: datetime, zone: ZoneInfo) -> str:
    """Format an aware datetime in ``zone`` as ``YYYY-MM-DD HH:MM``."""
    return moment.astimezone(zone).strftime(LOCAL_TIME_FORMAT)


def lateness_line(due_at: datetime, now: datetime, zone: ZoneInfo, language: str) -> str:
    """Render how late a reminder is: due now, overdue by hours, or overdue by days."""
    due = format_local(due_at, zone)
    late = now - due_at
    if late < DUE_NOW_GRACE:
        return translate(language, "reminders.due_now", due=due)
    if late < timedelta(days=1):
        hours = int(late / timedelta(hours=1))
        return translate(language, "reminders.overdue_hours", hours=hours, due=due)
    days = late.days
    if days == 1:
        return translate(language, "reminders.overdue_day", due=due)
    return translate(language, "reminders.overdue_days", days=days, due=due)


def render_reminder(view: ReminderView, language: str, zone: ZoneInfo, now: datetime) -> str:
    """Render the HTML text of a reminder push; customer name and note are escaped."""
    lines = [
        translate(language, "reminders.title", customer=view.customer_name),
        lateness_line(view.due_at, now, zone, language),
    ]

    stage = Markup(stage_label(view.stage, language))
    reason_parts = [tuple(part) for part in view.stage_reason]
    if reason_parts:
        reason = Markup(render_reason(reason_parts, language, zone))
        lines.append(
            translate(language, "reminders.stage_with_reason", stage=stage, reason=reason)
        )
    else:
        lines.append(translate(language, "reminders.stage", stage=stage))

    if view.note:
        lines.append(translate(language, "reminders.note", note=view.note))
    approach = suggested_approach(
        view.stage, view.level, view.tier, language, value_warning=view.value_warning
    )
    lines.append(translate(language, "reminders.approach", approach=Markup(approach)))
    return "\n".join(lines)


def snoozed_due_at(
    due_at: datetime, now: datetime, length: SnoozeLength, zone: ZoneInfo
) -> datetime:
    """Return the new due time of a snoozed reminder, as aware UTC.

    The new reminder falls ``length.days`` local days after today in ``zone``, at the local
    wall-clock time of the original due time, so a DST change in between does not move it.
    Counting from today rather than from the old due date keeps an overdue reminder from
    coming back at once.
    """
    local_due = due_at.astimezone(zone)
    target_day: date = now.astimezone(zone).date() + timedelta(days=length.days)
    wall_time = time(local_due.hour, local_due.minute, local_due.second)
    return _local_to_utc(target_day, wall_time, zone)


def _local_to_utc(day: date, wall_time: time, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, wall_time, tzinfo=zone)
    # A wall time inside a spring-forward gap does not exist. zoneinfo reads it with the
    # offset from before the gap, so it lands one hour later on the wall clock.
    return local.astimezone(UTC)
