"""Customers: creation, what a user may see, the card, /today, and the per-customer analysis."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.analysis import analyze_one
from crm_core.cadence import CadenceTable, next_followup_at
from crm_core.card import ContactLine, CustomerCard, TodayItem, order_today
from crm_core.model import ContactKind, Level, Stage, Tier
from crm_core.parsing import normalize_name
from storage.analysis_runs import analysis_values, aware_utc, load_risk_model
from storage.followups import OPEN_STATUSES
from storage.models import Contact, Customer, FollowUp, StageChange, User
from storage.users import customer_scope

logger = logging.getLogger(__name__)

# Customer.name is String(200).
MAX_NAME_LENGTH = 200
CARD_CONTACTS = 3
# Figures that compare a customer with the whole book. ``analyze_one`` cannot compute them,
# so a refresh after one contact keeps the values of the last full analysis.
BOOK_FIGURES = ("rfm_r", "rfm_f", "rfm_m", "contribution_share")


class Viewer(Protocol):
    """A user as ``customer_scope`` needs it: a ``User`` row or a ``CurrentUser``."""

    id: int
    role: Any
    team_id: int | None


class CustomerNameTaken(Exception):
    """Raised when the team already has a customer with the same normalised name."""

    def __init__(self, name: str, customer_id: int | None) -> None:
        super().__init__(name)
        self.name = name
        self.customer_id = customer_id


@dataclass(frozen=True)
class RefreshResult:
    """Outcome of analysing one customer after a new contact."""

    stage: Stage
    previous_stage: Stage
    stage_reason: list[list[Any]] = field(default_factory=list)
    # Next follow-up from the cadence table, None when the cadence gives none.
    next_followup_at: datetime | None = None

    @property
    def stage_changed(self) -> bool:
        return self.stage != self.previous_stage


async def create_customer(
    session: AsyncSession, *, owner: Viewer, name: str, now: datetime
) -> Customer:
    """Insert a customer owned by ``owner`` in ``owner``'s team.

    Raises:
        ValueError: If the name is empty or longer than ``MAX_NAME_LENGTH``.
        CustomerNameTaken: If the team has a customer with the same normalised name, which
            may belong to another rep and so be invisible to ``owner``.
    """
    clean = " ".join(name.split())
    if not clean or len(clean) > MAX_NAME_LENGTH:
        raise ValueError(f"customer name must have 1 to {MAX_NAME_LENGTH} characters: {name!r}")
    key = normalize_name(clean)
    existing = await session.scalar(
        select(Customer.id).where(Customer.team_id == owner.team_id, Customer.name_key == key)
    )
    if existing is not None:
        raise CustomerNameTaken(clean, existing)

    customer = Customer(
        team_id=owner.team_id,
        owner_id=owner.id,
        name=clean,
        name_key=key,
        created_at=now,
        level=Level.CASUAL_BUYER.value,
        stage=Stage.ACQUISITION.value,
        detected_stage=Stage.ACQUISITION.value,
        stage_reason=[],
        tier=Tier.C.value,
        analysis={},
    )
    try:
        # A savepoint, so that a concurrent insert of the same name leaves the outer unit of
        # work usable.
        async with session.begin_nested():
            session.add(customer)
            await session.flush()
    except IntegrityError as error:
        raise CustomerNameTaken(clean, None) from error
    logger.info("customer %s created by user %s in team %s", customer.id, owner.id, owner.team_id)
    return customer


async def visible_customers(session: AsyncSession, viewer: Viewer) -> list[tuple[int, str]]:
    """Return ``(id, name)`` of every customer ``viewer`` may see, ordered by id.

    Names are unique within a team, but an admin sees every team: a name that several
    visible customers share gets its owner's name appended, "Acme (Max)", so that the
    choice buttons differ.
    """
    rows = (
        await session.execute(
            select(Customer.id, Customer.name, Customer.name_key, User.full_name)
            .join(User, User.id == Customer.owner_id)
            .where(customer_scope(viewer))
            .order_by(Customer.id)
        )
    ).all()
    shared = Counter(row.name_key for row in rows)
    return [
        (row.id, f"{row.name} ({row.full_name})" if shared[row.name_key] > 1 else row.name)
        for row in rows
    ]


async def get_visible_customer(
    session: AsyncSession, viewer: Viewer, customer_id: int
) -> Customer | None:
    """Return the customer if ``viewer`` may see it, else None."""
    return await session.scalar(
        select(Customer).where(Customer.id == customer_id, customer_scope(viewer))
    )


async def last_contacts(
    session: AsyncSession, customer_id: int, limit: int = CARD_CONTACTS
) -> list[ContactLine]:
    """Return the newest ``limit`` contacts of a customer with the names of their reps."""
    rows = await session.execute(
        select(Contact, User.full_name)
        .join(User, User.id == Contact.rep_id)
        .where(Contact.customer_id == customer_id)
        .order_by(Contact.occurred_at.desc(), Contact.id.desc())
        .limit(limit)
    )
    return [
        ContactLine(
            occurred_at=contact.occurred_at,
            kind=ContactKind(contact.kind),
            summary=contact.summary or "",
            rep_name=rep_name or str(contact.rep_id),
            amount=contact.amount,
            satisfaction=contact.satisfaction,
        )
        for contact, rep_name in rows
    ]


async def load_card(
    session: AsyncSession, viewer: Viewer, customer_id: int
) -> CustomerCard | None:
    """Load the card of a customer ``viewer`` may see, or None.

    Reads the customer row, its owner, the newest contacts and the earliest open follow-up
    in separate queries, so nothing is lazy-loaded.
    """
    customer = await get_visible_customer(session, viewer, customer_id)
    if customer is None:
        return None

    names = await _user_names(
        session, {customer.owner_id, customer.stage_override_by, customer.level_set_by}
    )
    next_due = await session.scalar(
        select(FollowUp.due_at)
        .where(FollowUp.customer_id == customer.id, FollowUp.status.in_(OPEN_STATUSES))
        .order_by(FollowUp.due_at)
        .limit(1)
    )
    analysis = customer.analysis or {}
    rfm_values = [analysis.get(key) for key in ("rfm_r", "rfm_f", "rfm_m")]
    rfm = tuple(int(value) for value in rfm_values) if None not in rfm_values else None
    overridden = customer.stage_override is not None
    level_set = customer.level_set_by is not None
    return CustomerCard(
        customer_id=customer.id,
        name=customer.name,
        owner_name=names.get(customer.owner_id, str(customer.owner_id)),
        level=Level(customer.level),
        stage=Stage(customer.stage),
        tier=Tier(customer.tier),
        revenue=customer.revenue,
        stage_reason=customer.stage_reason or [],
        suggested_level=Level(customer.suggested_level) if customer.suggested_level else None,
        level_reason=analysis.get("level_reason") or [],
        stage_override_by=names.get(customer.stage_override_by) if overridden else None,
        stage_override_at=customer.stage_override_at if overridden else None,
        level_set_by=names.get(customer.level_set_by) if level_set else None,
        level_set_at=customer.level_set_at if level_set else None,
        churn_risk=customer.churn_risk,
        value_ratio=customer.value_ratio,
        value_warning=customer.value_warning,
        rfm=rfm,
        contacts=await last_contacts(session, customer.id),
        next_followup_at=next_due,
    )


async def today_followups(
    session: AsyncSession, user: Viewer, now: datetime, timezone: ZoneInfo
) -> list[TodayItem]:
    """Return ``user``'s open follow-ups due before the end of today in ``timezone``.

    That includes overdue ones from earlier days. The list is ordered most valuable first
    (see ``crm_core.card.order_today``).
    """
    local_today = now.astimezone(timezone).date()
    end_of_today = datetime.combine(local_today + timedelta(days=1), time(0), timezone)
    rows = await session.execute(
        select(FollowUp, Customer.name, Customer.tier, Customer.revenue, Customer.stage)
        .join(Customer, Customer.id == FollowUp.customer_id)
        .where(
            FollowUp.rep_id == user.id,
            FollowUp.status.in_(OPEN_STATUSES),
            FollowUp.due_at < end_of_today,
            customer_scope(user),
        )
    )
    items = [
        TodayItem(
            followup_id=followup.id,
            customer_id=followup.customer_id,
            name=name,
            due_at=followup.due_at,
            tier=Tier(tier),
            revenue=revenue,
            stage=Stage(stage),
            note=followup.note,
        )
        for followup, name, tier, revenue, stage in rows
    ]
    return order_today(items)


async def customer_events(session: AsyncSession, customer_id: int) -> pd.DataFrame:
    """Return the events frame of one customer, keyed by ``str(customer_id)``."""
    rows = await session.execute(
        select(Contact.occurred_at, Contact.kind, Contact.amount, Contact.satisfaction).where(
            Contact.customer_id == customer_id
        )
    )
    frame = pd.DataFrame(rows.all(), columns=["occurred_at", "kind", "amount", "satisfaction"])
    frame.insert(0, "customer", str(customer_id))
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    frame["amount"] = pd.to_numeric(frame["amount"], errors="coerce").astype(float)
    frame["satisfaction"] = pd.to_numeric(frame["satisfaction"], errors="coerce").astype(float)
    return frame


async def refresh_customer(
    session: AsyncSession,
    customer: Customer,
    now: datetime,
    cadence: CadenceTable,
    *,
    changed_by: int | None = None,
) -> RefreshResult:
    """Analyse one customer as of ``now`` and store the results on its row.

    Runs ``crm_core.analysis.analyze_one`` in a worker thread with the stored tier, the
    manual level and stage, and the team's churn model of the last full analysis (the
    fallback rule until the first one). Keeps the book-wide figures (RFM, contribution
    share) of the last full analysis, and records a StageChange when the stage changes.
    ``changed_by`` is the user whose manual stage caused the change, None when the history
    caused it. The
    returned next follow-up comes from the cadence table for the new stage, tier and level,
    counted from the last contact in the owner's time zone. This function does not
    schedule it.
    """
    events = await customer_events(session, customer.id)
    level_override = customer.level if customer.level_set_by is not None else None
    risk_model = await load_risk_model(session, customer.team_id)
    row = await asyncio.to_thread(
        analyze_one,
        events,
        now,
        customer=str(customer.id),
        tier=Tier(customer.tier),
        level_override=level_override,
        stage_override=customer.stage_override,
        risk_model=risk_model,
    )
    values = analysis_values(row)
    previous_analysis = customer.analysis or {}
    for key in BOOK_FIGURES:
        if values["analysis"].get(key) is None:
            values["analysis"][key] = previous_analysis.get(key)

    previous_stage = Stage(customer.stage)
    for column, value in values.items():
        setattr(customer, column, value)
    customer.analysed_at = now
    last_contact_at = aware_utc(row.get("last_contact_at"))
    if last_contact_at is not None:
        customer.last_contact_at = last_contact_at

    stage = Stage(customer.stage)
    if stage != previous_stage:
        customer.stage_changed_at = now
        session.add(
            StageChange(
                customer_id=customer.id,
                from_stage=previous_stage.value,
                to_stage=stage.value,
                changed_by=changed_by,
                changed_at=now,
            )
        )
        source = "the history" if changed_by is None else f"user {changed_by}"
        logger.info(
            "customer %s moved from %s to %s by %s", customer.id, previous_stage, stage, source
        )

    owner_zone = await session.scalar(select(User.timezone).where(User.id == customer.owner_id))
    interval = cadence.interval(stage, Tier(customer.tier), Level(customer.level))
    due_at = next_followup_at(
        customer.last_contact_at or now, interval, ZoneInfo(owner_zone or "UTC")
    )
    await session.flush()
    return RefreshResult(
        stage=stage,
        previous_stage=previous_stage,
        stage_reason=list(customer.stage_reason or []),
        next_followup_at=due_at,
    )


async def _user_names(session: AsyncSession, user_ids: set[int | None]) -> dict[int, str]:
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.full_name).where(User.id.in_(wanted)))
    return {row.id: row.full_name or str(row.id) for row in rows}
