"""Recording a logged contact: store it, refresh the customer and restart the follow-up clock."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.cadence import CadenceTable
from crm_core.model import ContactKind, Stage
from crm_core.parsing import MAX_AMOUNT, due_at_for_date
from storage.customers import Viewer, get_visible_customer, refresh_customer
from storage.followups import OPEN_STATUSES, schedule_followup
from storage.models import Contact, Customer, FollowUp, StageChange

logger = logging.getLogger(__name__)


class CustomerNotVisible(Exception):
    """Raised when the rep may not see the customer the contact is for."""


class RevenueOutOfRange(Exception):
    """Raised when a purchase would take a customer's revenue past what the column stores."""

    def __init__(self, total: Decimal) -> None:
        super().__init__(f"purchase amounts would add up to {total}, above {MAX_AMOUNT}")
        self.total = total


@dataclass(frozen=True)
class NewContact:
    """A contact as the rep entered it. ``next_step_on`` is a local date in the rep's zone."""

    customer_id: int
    kind: ContactKind
    summary: str
    amount: Decimal | None = None
    satisfaction: int | None = None
    next_step_on: date | None = None
    next_step_note: str | None = None


@dataclass(frozen=True)
class LoggedContact:
    """Facts of a logged contact that its confirmation message shows."""

    contact_id: int
    customer_id: int
    customer_name: str
    kind: ContactKind
    occurred_at: datetime
    stage: Stage
    # The stage before this contact, None when the stage did not change.
    previous_stage: Stage | None
    stage_reason: list
    next_followup_at: datetime | None
    # False when ``source_key`` was recorded before, so nothing new was stored.
    created: bool


async def record_contact(
    session: AsyncSession,
    *,
    rep: Viewer,
    rep_timezone: ZoneInfo,
    contact: NewContact,
    source_key: str,
    now: datetime,
    cadence: CadenceTable,
) -> LoggedContact:
    """Store a contact, refresh its customer and schedule the next follow-up, idempotently.

    ``source_key`` identifies the Telegram message that completed the log
    (``tg:<chat_id>:<message_id>``). When a contact with that key exists, nothing is
    written and the confirmation of the first recording is rebuilt from the stored rows,
    so a redelivered update gets the same reply. The next follow-up is the next step date
    at 09:00 in ``rep_timezone`` when the rep gave one, else the cadence table's. It goes
    to the customer's owner. Call inside one ``session.begin()`` block.

    Raises:
        CustomerNotVisible: If ``rep`` may not see the customer.
        RevenueOutOfRange: If the customer's purchase amounts, refunds counted by their
            size, would add up to more than ``MAX_AMOUNT``, the limit of the revenue
            column. Nothing is stored then.
    """
    existing = await session.scalar(select(Contact).where(Contact.source_key == source_key))
    if existing is not None:
        return await _confirmation_of(session, existing)

    customer = await get_visible_customer(session, rep, contact.customer_id)
    if customer is None:
        raise CustomerNotVisible(contact.customer_id)

    if contact.kind == ContactKind.PURCHASE and contact.amount is not None:
        await _check_revenue_room(session, customer.id, contact.amount)

    next_step_at = (
        due_at_for_date(contact.next_step_on, rep_timezone) if contact.next_step_on else None
    )
    row = Contact(
        customer_id=customer.id,
        rep_id=rep.id,
        kind=ContactKind(contact.kind).value,
        occurred_at=now,
        summary=contact.summary,
        amount=contact.amount,
        satisfaction=contact.satisfaction,
        next_step=contact.next_step_note,
        next_step_at=next_step_at,
        source="bot",
        source_key=source_key,
        created_at=now,
    )
    try:
        # A concurrent delivery of the same update may insert the key first. The savepoint
        # keeps this unit of work usable, so the first recording can be returned.
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        existing = await session.scalar(select(Contact).where(Contact.source_key == source_key))
        if existing is None:
            raise
        return await _confirmation_of(session, existing)

    refreshed = await refresh_customer(session, customer, now, cadence)
    due_at = next_step_at or refreshed.next_followup_at
    if due_at is not None:
        await schedule_followup(
            session,
            customer_id=customer.id,
            rep_id=customer.owner_id,
            due_at=due_at,
            note=contact.next_step_note,
            now=now,
            set_by_rep=next_step_at is not None,
        )
    else:
        await _close_open_followups(session, customer.id, now)
    customer.next_followup_at = due_at
    await session.flush()

    logger.info(
        "contact %s logged: %s with customer %s by user %s, stage %s, next follow-up %s",
        row.id,
        row.kind,
        customer.id,
        rep.id,
        refreshed.stage,
        due_at.isoformat() if due_at else "none",
    )
    return LoggedContact(
        contact_id=row.id,
        customer_id=customer.id,
        customer_name=customer.name,
        kind=ContactKind(row.kind),
        occurred_at=now,
        stage=refreshed.stage,
        previous_stage=refreshed.previous_stage if refreshed.stage_changed else None,
        stage_reason=refreshed.stage_reason,
        next_followup_at=due_at,
        created=True,
    )


async def _close_open_followups(session: AsyncSession, customer_id: int, now: datetime) -> None:
    await session.execute(
        update(FollowUp)
        .where(FollowUp.customer_id == customer_id, FollowUp.status.in_(OPEN_STATUSES))
        .values(status="superseded", closed_at=now)
    )


async def _confirmation_of(session: AsyncSession, contact: Contact) -> LoggedContact:
    """Rebuild the confirmation of a contact recorded earlier.

    The stage change and the follow-up written in the same unit of work carry the
    contact's ``created_at`` as their time, which is how they are found again.

    NOTE: without a stage change at that time, the stage and reason shown are the current
    ones, which differ from the first reply if a later contact or analysis changed them.
    """
    customer = await session.get(Customer, contact.customer_id)
    change = await session.scalar(
        select(StageChange).where(
            StageChange.customer_id == contact.customer_id,
            StageChange.changed_at == contact.created_at,
        )
    )
    followup_due = await session.scalar(
        select(FollowUp.due_at)
        .where(
            FollowUp.customer_id == contact.customer_id,
            FollowUp.created_at == contact.created_at,
        )
        .order_by(FollowUp.id.desc())
        .limit(1)
    )
    stage = Stage(change.to_stage) if change is not None else Stage(customer.stage)
    logger.info("contact %s was already recorded under %s", contact.id, contact.source_key)
    return LoggedContact(
        contact_id=contact.id,
        customer_id=customer.id,
        customer_name=customer.name,
        kind=ContactKind(contact.kind),
        occurred_at=contact.occurred_at,
        stage=stage,
        previous_stage=Stage(change.from_stage) if change and change.from_stage else None,
        stage_reason=list(customer.stage_reason or []),
        next_followup_at=followup_due,
        created=False,
    )


async def _check_revenue_room(session: AsyncSession, customer_id: int, amount: Decimal) -> None:
    """Raise RevenueOutOfRange unless the revenue column can still hold the customer's total.

    Absolute values are added, so that no order of purchases and refunds can pass through
    a total the column cannot store while the analysis sums them.
    """
    stored = await session.scalar(
        select(func.coalesce(func.sum(func.abs(Contact.amount)), 0)).where(
            Contact.customer_id == customer_id, Contact.kind == ContactKind.PURCHASE.value
        )
    )
    total = Decimal(stored) + abs(amount)
    if total > MAX_AMOUNT:
        raise RevenueOutOfRange(total)
