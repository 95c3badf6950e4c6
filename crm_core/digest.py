"""Content and text of the manager digest, from plain records read by the storage layer.

A digest sent on a manager's local date D reports on the local day before D: contacts
logged and customers that entered decline on that day. Overdue follow-ups and neglected
customers are counted at the moment the digest is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from crm_core.analysis import render_reason, tier_label
from crm_core.i18n import Markup, translate
from crm_core.model import Level, Stage, Tier
from crm_core.text import MESSAGE_LIMIT, split_message

# How many neglected customers a digest lists at most, most valuable first.
NEGLECTED_LIMIT = 10

CadenceWindow = Callable[[Stage, Tier, Level], "timedelta | None"]


@dataclass(frozen=True)
class RepActivity:
    """Figures of one team member: contacts logged on the reported day, open overdue follow-ups."""

    rep_id: int
    rep_name: str
    contacts: int
    overdue_followups: int


@dataclass(frozen=True)
class DeclinedCustomer:
    """A customer whose stage changed to decline on the reported day."""

    customer_name: str
    owner_name: str
    entered_at: datetime
    # Catalogue keys with their parameters, as stored in ``Customer.stage_reason``.
    reason: tuple[tuple[str, dict[str, Any]], ...] = ()


@dataclass(frozen=True)
class CustomerValue:
    """A customer with what decides whether it is overdue for a contact."""

    customer_id: int
    customer_name: str
    owner_name: str
    stage: Stage
    level: Level
    tier: Tier
    revenue: Decimal
    last_contact_at: datetime | None


@dataclass(frozen=True)
class NeglectedCustomer:
    """A valuable customer with no contact within its cadence window."""

    customer: CustomerValue
    window: timedelta
    # Whole days since the last contact; None when there never was one.
    days_without_contact: int | None


@dataclass(frozen=True)
class DigestContent:
    """Everything one digest shows, for the local day ``day``."""

    day: date
    reps: tuple[RepActivity, ...]
    declined: tuple[DeclinedCustomer, ...]
    neglected: tuple[NeglectedCustomer, ...]


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the start and end (exclusive) of local ``day`` in ``zone`` as aware UTC.

    Across a DST change the day lasts 23 or 25 hours.
    """
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def reported_day(now: datetime, zone: ZoneInfo) -> date:
    """Return the local day that a digest built at ``now`` reports on: yesterday in ``zone``."""
    return now.astimezone(zone).date() - timedelta(days=1)


def digest_date_due(now: datetime, zone: ZoneInfo, digest_time: time) -> date | None:
    """Return today's local date in ``zone`` once ``digest_time`` has passed, else None.

    A digest time inside a spring-forward gap (02:30 on the day clocks jump from 02:00 to
    03:00) falls due one hour later in real time, at 03:30 local.
    """
    local_now = now.astimezone(zone)
    today = local_now.date()
    due = datetime.combine(today, digest_time.replace(tzinfo=None), tzinfo=zone)
    return today if now >= due else None


def select_neglected(
    candidates: Iterable[CustomerValue],
    now: datetime,
    window_of: CadenceWindow,
    limit: int = NEGLECTED_LIMIT,
) -> list[NeglectedCustomer]:
    """Pick the most valuable customers with no contact within their cadence window.

    A customer qualifies when it never had a contact or its last contact is older than
    ``window_of(stage, tier, level)``. A window of None means the cadence schedules no
    follow-up (a terminated customer not worth a win-back), so the customer never
    qualifies. Order: tier A first, then revenue from high to low, then name.
    """
    chosen: list[NeglectedCustomer] = []
    for customer in candidates:
        window = window_of(customer.stage, customer.tier, customer.level)
        if window is None:
            continue
        if customer.last_contact_at is None:
            chosen.append(NeglectedCustomer(customer, window, None))
            continue
        since = now - customer.last_contact_at
        if since > window:
            chosen.append(NeglectedCustomer(customer, window, since.days))
    chosen.sort(key=_value_order)
    return chosen[:limit]


def _value_order(item: NeglectedCustomer) -> tuple[str, Decimal, str, int]:
    customer = item.customer
    return (customer.tier.value, -customer.revenue, customer.customer_name, customer.customer_id)


def render_digest(
    content: DigestContent,
    language: str,
    limit: int = MESSAGE_LIMIT,
    timezone: tzinfo | None = None,
) -> list[str]:
    """Render the digest as HTML messages, each at most ``limit`` UTF-16 units.

    Every name is escaped. One line per rep or customer, so a long team splits between
    lines and never inside one.
    """
    digest_date = content.day + timedelta(days=1)
    lines = [translate(language, "digest.title", date=digest_date.isoformat()), ""]
    lines += _activity_lines(content, language)
    lines.append("")
    lines += _declined_lines(content.declined, language, timezone)
    lines.append("")
    lines += _neglected_lines(content.neglected, language)
    return split_message("\n".join(lines), limit)


def _activity_lines(content: DigestContent, language: str) -> list[str]:
    reps = content.reps
    lines = [translate(language, "digest.activity.heading", day=content.day.isoformat())]
    if not reps:
        lines.append(translate(language, "digest.activity.no_reps"))
        return lines
    for rep in reps:
        lines.append(
            translate(
                language,
                "digest.activity.line",
                rep=rep.rep_name,
                contacts=rep.contacts,
                overdue=rep.overdue_followups,
            )
        )
    lines.append(
        translate(
            language,
            "digest.activity.total",
            contacts=sum(rep.contacts for rep in reps),
            overdue=sum(rep.overdue_followups for rep in reps),
        )
    )
    return lines


def _declined_lines(
    declined: tuple[DeclinedCustomer, ...], language: str, timezone: tzinfo | None
) -> list[str]:
    lines = [translate(language, "digest.declined.heading")]
    if not declined:
        lines.append(translate(language, "digest.none"))
        return lines
    for customer in declined:
        if customer.reason:
            reason = Markup(render_reason(list(customer.reason), language, timezone))
            key, params = "digest.declined.line_reason", {"reason": reason}
        else:
            key, params = "digest.declined.line", {}
        lines.append(
            translate(
                language,
                key,
                customer=customer.customer_name,
                owner=customer.owner_name,
                **params,
            )
        )
    return lines


def _neglected_lines(neglected: tuple[NeglectedCustomer, ...], language: str) -> list[str]:
    lines = [translate(language, "digest.neglected.heading")]
    if not neglected:
        lines.append(translate(language, "digest.none"))
        return lines
    for item in neglected:
        customer = item.customer
        params = {
            "customer": customer.customer_name,
            "owner": customer.owner_name,
            "tier": Markup(tier_label(customer.tier, language)),
            "revenue": f"{customer.revenue:,.0f}",
            "window": item.window.days,
        }
        if item.days_without_contact is None:
            lines.append(translate(language, "digest.neglected.line_never", **params))
        else:
            lines.append(
                translate(
                    language, "digest.neglected.line", days=item.days_without_contact, **params
                )
            )
    return lines
