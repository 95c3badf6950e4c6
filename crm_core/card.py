"""Rendering of the customer card and of the /today follow-up list as Telegram HTML.

Every function here takes plain dataclasses and returns text; the storage layer fills the
dataclasses. Names, summaries and notes typed by users are HTML-escaped by
``crm_core.i18n.translate``. Catalogue texts (labels, reasons, approaches) are passed on as
``Markup`` because the catalogue already escaped their parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from crm_core.analysis import level_label, render_reason, stage_label, tier_label
from crm_core.i18n import Markup, translate
from crm_core.model import ContactKind, Level, Stage, Tier
from crm_core.overrides import upgrade_level
from crm_core.strategy import suggested_approach

CARD_CONTACTS = 3
# Long summaries are cut in the card; the whole text stays in the database.
SUMMARY_PREVIEW_CHARS = 160
TODAY_MAX_ITEMS = 30
_TIER_ORDER = {Tier.A: 0, Tier.B: 1, Tier.C: 2}

ReasonParts = Sequence[Sequence[Any]]


@dataclass(frozen=True)
class LevelUpgrade:
    """A deeper relationship level that the history supports, with the figures behind it."""

    level: Level
    reason: ReasonParts = ()


def suggest_upgrade(
    level: Level | str, suggested_level: Level | str | None, level_reason: ReasonParts
) -> LevelUpgrade | None:
    """Return the upgrade to ``suggested_level`` when it is deeper than ``level``, else None.

    ``level_reason`` is the reason of the suggested level. No downgrade is ever suggested.
    """
    deeper = upgrade_level(level, suggested_level)
    if deeper is None:
        return None
    return LevelUpgrade(deeper, tuple(tuple(part) for part in level_reason))


@dataclass(frozen=True)
class ContactLine:
    """One logged contact as the card shows it."""

    occurred_at: datetime
    kind: ContactKind
    summary: str
    rep_name: str
    amount: Decimal | None = None
    satisfaction: int | None = None


@dataclass(frozen=True)
class CustomerCard:
    """Content of the customer card, read from one customer row and its contacts.

    ``stage_reason`` and ``level_reason`` are lists of ``[catalogue key, params]`` as
    ``crm_core.analysis`` produces them. ``level_reason`` explains ``suggested_level``.
    ``contacts`` are newest first. The ``*_by`` fields are the names of the users who set
    the stage or level by hand, None when the analysis decides it.
    """

    customer_id: int
    name: str
    owner_name: str
    level: Level
    stage: Stage
    tier: Tier
    revenue: Decimal
    stage_reason: ReasonParts = ()
    suggested_level: Level | None = None
    level_reason: ReasonParts = ()
    stage_override_by: str | None = None
    stage_override_at: datetime | None = None
    level_set_by: str | None = None
    level_set_at: datetime | None = None
    churn_risk: float | None = None
    value_ratio: float | None = None
    value_warning: bool = False
    rfm: tuple[int, int, int] | None = None
    contacts: Sequence[ContactLine] = field(default_factory=tuple)
    next_followup_at: datetime | None = None

    @property
    def upgrade(self) -> LevelUpgrade | None:
        """The deeper level that the history supports, None when there is none."""
        return suggest_upgrade(self.level, self.suggested_level, self.level_reason)


@dataclass(frozen=True)
class TodayItem:
    """One open follow-up in the /today list."""

    followup_id: int
    customer_id: int
    name: str
    due_at: datetime
    tier: Tier
    revenue: Decimal
    stage: Stage
    note: str | None = None


@dataclass(frozen=True)
class LoggedView:
    """A contact just logged, as its confirmation shows it."""

    customer_name: str
    kind: ContactKind
    occurred_at: datetime
    stage: Stage
    # The stage before this contact, None when it did not change.
    previous_stage: Stage | None
    stage_reason: ReasonParts
    next_followup_at: datetime | None
    upgrade: LevelUpgrade | None = None


def format_money(amount: Decimal | float) -> str:
    """Format an amount with thousands separators and two decimals: ``-1,234.50``."""
    return f"{Decimal(str(amount)):,.2f}"


def format_local_date(day: date, language: str) -> Markup:
    """Format a local date with its weekday, such as ``Fri 2026-03-06``."""
    weekday = translate(language, f"customers.weekday.{day.weekday()}")
    return Markup(
        translate(language, "customers.local_date", weekday=weekday, date=day.isoformat())
    )


def format_local_datetime(moment: datetime, timezone: ZoneInfo, language: str) -> Markup:
    """Format an aware datetime in ``timezone``, such as ``Fri 2026-03-06 09:00``."""
    local = moment.astimezone(timezone)
    weekday = translate(language, f"customers.weekday.{local.weekday()}")
    text = translate(
        language,
        "customers.local_datetime",
        weekday=weekday,
        date=local.date().isoformat(),
        time=local.strftime("%H:%M"),
    )
    return Markup(text)


def render_stage_line(
    stage: Stage, reason: ReasonParts, language: str, timezone: ZoneInfo | None = None
) -> str:
    """Render ``Stage: growth (reason)``, or the stage alone when there is no reason."""
    label = Markup(stage_label(stage, language))
    parts = [tuple(part) for part in reason]
    if not parts:
        return translate(language, "customers.card.stage_no_reason", stage=label)
    text = Markup(render_reason(parts, language, timezone))
    return translate(language, "customers.card.stage", stage=label, reason=text)


def render_card(card: CustomerCard, language: str, timezone: ZoneInfo, now: datetime) -> str:
    """Render the customer card in ``language`` with times in ``timezone``.

    Sections: name and owner, then the level with who set it by hand and a suggested
    upgrade. The stage follows with its reason and who set it by hand. Then come the value
    figures, the last three contacts, the next follow-up and the approach for the stage.
    """
    lines = [translate(language, "customers.card.title", name=card.name, owner=card.owner_name)]
    lines.append(_level_line(card, language))
    if card.level_set_by is not None and card.level_set_at is not None:
        lines.append(
            _set_by_line(
                "customers.card.level_set_by",
                card.level_set_by,
                card.level_set_at,
                language,
                timezone,
            )
        )
    if card.upgrade is not None:
        lines.append(render_upgrade_line(card.upgrade, language))
    lines.append(render_stage_line(card.stage, card.stage_reason, language, timezone))
    if card.stage_override_by is not None and card.stage_override_at is not None:
        lines.append(
            _set_by_line(
                "customers.card.stage_set_by",
                card.stage_override_by,
                card.stage_override_at,
                language,
                timezone,
            )
        )

    lines.append("")
    lines.extend(_value_lines(card, language))

    lines.append("")
    lines.append(translate(language, "customers.card.contacts"))
    shown = list(card.contacts)[:CARD_CONTACTS]
    if not shown:
        lines.append(translate(language, "customers.card.no_contacts"))
    lines.extend(_contact_line(contact, language, timezone) for contact in shown)

    lines.append("")
    lines.append(_followup_line(card.next_followup_at, language, timezone, now))
    approach = suggested_approach(
        card.stage, card.level, card.tier, language, value_warning=card.value_warning
    )
    lines.append(translate(language, "customers.card.approach", approach=Markup(approach)))
    return "\n".join(lines)


def render_confirmation(logged: LoggedView, language: str, timezone: ZoneInfo) -> str:
    """Render the reply to a logged contact: what was logged, the stage and the next follow-up.

    A changed stage names the previous one. Times are shown in ``timezone``.
    """
    kind = Markup(translate(language, f"contacts.kind.{ContactKind(logged.kind)}"))
    day = format_local_date(logged.occurred_at.astimezone(timezone).date(), language)
    lines = [translate(language, "contacts.saved", kind=kind, name=logged.customer_name, date=day)]

    params: dict[str, object] = {"stage": Markup(stage_label(logged.stage, language))}
    key = "contacts.saved_stage"
    if logged.previous_stage is not None:
        key = "contacts.saved_stage_changed"
        params["previous"] = Markup(stage_label(logged.previous_stage, language))
    parts = [tuple(part) for part in logged.stage_reason]
    if parts:
        key += "_reason"
        params["reason"] = Markup(render_reason(parts, language, timezone))
    lines.append(translate(language, key, **params))

    if logged.next_followup_at is None:
        lines.append(translate(language, "contacts.saved_no_followup"))
    else:
        when = format_local_datetime(logged.next_followup_at, timezone, language)
        lines.append(translate(language, "contacts.saved_next_followup", when=when))
    if logged.upgrade is not None:
        lines.append(render_upgrade_line(logged.upgrade, language))
    return "\n".join(lines)


def render_upgrade_line(upgrade: LevelUpgrade, language: str) -> str:
    """Render ``Upgrade suggested: client — <reason>``, or without the reason when it is empty."""
    level = Markup(level_label(upgrade.level, language))
    parts = [tuple(part) for part in upgrade.reason]
    if not parts:
        return translate(language, "customers.card.upgrade_no_reason", level=level)
    reason = Markup(render_reason(parts, language))
    return translate(language, "customers.card.upgrade", level=level, reason=reason)


def order_today(items: Sequence[TodayItem]) -> list[TodayItem]:
    """Order follow-ups most valuable first: tier A before B before C, then by revenue
    (highest first), then by due time (earliest first)."""
    return sorted(
        items, key=lambda item: (_TIER_ORDER[Tier(item.tier)], -item.revenue, item.due_at)
    )


def render_today(
    items: Sequence[TodayItem], language: str, timezone: ZoneInfo, now: datetime
) -> str:
    """Render the /today list: follow-ups due today in ``timezone`` and overdue ones.

    Items are shown in the order of ``order_today``, at most ``TODAY_MAX_ITEMS`` of them.
    An item due before today's local date reads "overdue since", the others "due HH:MM".
    """
    today = now.astimezone(timezone).date()
    title = translate(language, "customers.today.title", date=format_local_date(today, language))
    if not items:
        return f"{title}\n{translate(language, 'customers.today.empty')}"

    ordered = order_today(items)
    lines = [title]
    for number, item in enumerate(ordered[:TODAY_MAX_ITEMS], start=1):
        lines.append(_today_line(number, item, language, timezone, today))
        if item.note:
            lines.append(translate(language, "customers.today.note", note=item.note))
    hidden = len(ordered) - TODAY_MAX_ITEMS
    if hidden > 0:
        lines.append(translate(language, "customers.today.more", count=hidden))
    return "\n".join(lines)


def _level_line(card: CustomerCard, language: str) -> str:
    """Render the level, with its reason when the reason explains the level in force."""
    level = Markup(level_label(card.level, language))
    parts = [tuple(part) for part in card.level_reason]
    suggested = card.suggested_level
    explains_level = suggested is not None and Level(suggested) == Level(card.level)
    if not parts or not explains_level:
        return translate(language, "customers.card.level", level=level)
    reason = Markup(render_reason(parts, language))
    return translate(language, "customers.card.level_reason", level=level, reason=reason)


def _set_by_line(key: str, name: str, moment: datetime, language: str, timezone: ZoneInfo) -> str:
    day = format_local_date(moment.astimezone(timezone).date(), language)
    return translate(language, key, name=name, date=day)


def _value_lines(card: CustomerCard, language: str) -> list[str]:
    lines = [
        translate(
            language,
            "customers.card.value",
            tier=Markup(tier_label(card.tier, language)),
            revenue=format_money(card.revenue),
        )
    ]
    if card.value_ratio is not None:
        lines.append(
            translate(language, "customers.card.value_ratio", ratio=f"{card.value_ratio:.2f}")
        )
    if card.value_warning:
        lines.append(translate(language, "customers.card.value_warning"))
    if card.churn_risk is not None:
        percent = round(card.churn_risk * 100)
        lines.append(translate(language, "customers.card.churn_risk", percent=percent))
    if card.rfm is not None:
        recency, frequency, monetary = card.rfm
        lines.append(translate(language, "customers.card.rfm", r=recency, f=frequency, m=monetary))
    return lines


def _contact_line(contact: ContactLine, language: str, timezone: ZoneInfo) -> str:
    day = format_local_date(contact.occurred_at.astimezone(timezone).date(), language)
    kind = Markup(translate(language, f"contacts.kind.{ContactKind(contact.kind)}"))
    summary = contact.summary.strip()
    if len(summary) > SUMMARY_PREVIEW_CHARS:
        summary = summary[: SUMMARY_PREVIEW_CHARS - 1].rstrip() + "…"
    if summary:
        line = translate(
            language,
            "customers.card.contact",
            date=day,
            kind=kind,
            rep=contact.rep_name,
            summary=summary,
        )
    else:
        line = translate(
            language,
            "customers.card.contact_no_summary",
            date=day,
            kind=kind,
            rep=contact.rep_name,
        )

    extras = []
    if contact.amount is not None:
        extras.append(
            translate(
                language, "customers.card.contact_amount", amount=format_money(contact.amount)
            )
        )
    if contact.satisfaction is not None:
        extras.append(
            translate(language, "customers.card.contact_satisfaction", score=contact.satisfaction)
        )
    if not extras:
        return line
    separator = translate(language, "customers.list_separator")
    return translate(
        language,
        "customers.card.contact_extras",
        line=Markup(line),
        extras=Markup(separator.join(extras)),
    )


def _followup_line(
    next_followup_at: datetime | None, language: str, timezone: ZoneInfo, now: datetime
) -> str:
    if next_followup_at is None:
        return translate(language, "customers.card.no_followup")
    when = format_local_datetime(next_followup_at, timezone, language)
    key = (
        "customers.card.next_followup_overdue"
        if next_followup_at < now
        else "customers.card.next_followup"
    )
    return translate(language, key, when=when)


def _today_line(
    number: int, item: TodayItem, language: str, timezone: ZoneInfo, today: date
) -> str:
    local_due = item.due_at.astimezone(timezone)
    params: dict[str, object] = {
        "number": number,
        "name": item.name,
        "tier": Markup(tier_label(item.tier, language)),
        "stage": Markup(stage_label(item.stage, language)),
    }
    if local_due.date() < today:
        date_text = format_local_date(local_due.date(), language)
        return translate(language, "customers.today.item_overdue", date=date_text, **params)
    return translate(
        language, "customers.today.item_due", time=local_due.strftime("%H:%M"), **params
    )
