"""Stage and level set by hand: store who set them and when, then analyse the customer again.

After every change the customer is analysed as of ``now`` (the manual values win), and the
next follow-up is rescheduled from the cadence of the new stage, tier and level.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.cadence import CadenceTable
from crm_core.card import LevelUpgrade, suggest_upgrade
from crm_core.model import Level, Stage
from crm_core.overrides import upgrade_level
from storage.customers import Viewer, get_visible_customer, refresh_customer
from storage.followups import OPEN_STATUSES, schedule_followup
from storage.models import Customer, FollowUp

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OverrideState:
    """A customer's stage and level in force, and the ones its history shows."""

    customer_id: int
    customer_name: str
    stage: Stage
    detected_stage: Stage
    level: Level
    # None until the customer has been analysed once.
    suggested_level: Level | None


@dataclass(frozen=True)
class OverrideResult:
    """A customer's stage, level and next follow-up after a manual change."""

    customer_id: int
    customer_name: str
    stage: Stage
    level: Level
    next_followup_at: datetime | None
    # False when nothing was written, because an upgrade was no longer deeper.
    changed: bool = True


async def override_state(
    session: AsyncSession, viewer: Viewer, customer_id: int
) -> OverrideState | None:
    """Return the stage and level of a customer ``viewer`` may see, or None."""
    customer = await get_visible_customer(session, viewer, customer_id)
    if customer is None:
        return None
    return OverrideState(
        customer_id=customer.id,
        customer_name=customer.name,
        stage=Stage(customer.stage),
        detected_stage=Stage(customer.detected_stage),
        level=Level(customer.level),
        suggested_level=Level(customer.suggested_level) if customer.suggested_level else None,
    )


async def set_stage(
    session: AsyncSession,
    *,
    viewer: Viewer,
    customer_id: int,
    stage: Stage | None,
    now: datetime,
    cadence: CadenceTable,
) -> OverrideResult | None:
    """Set the stage of a customer by hand, or clear it with ``stage=None``.

    Writes ``stage_override`` with ``viewer`` and ``now`` as who and when. When the stage
    in force changes, a StageChange with ``changed_by=viewer.id`` is recorded, also when
    clearing returns the customer to the detected stage. Setting the stage it already has
    records none. Call inside one ``session.begin()`` block.

    Returns:
        The new state, or None when ``viewer`` may not see the customer.
    """
    customer = await get_visible_customer(session, viewer, customer_id)
    if customer is None:
        return None

    customer.stage_override = None if stage is None else stage.value
    customer.stage_override_by = None if stage is None else viewer.id
    customer.stage_override_at = None if stage is None else now
    result = await _refresh(session, customer, now, cadence, changed_by=viewer.id)
    logger.info(
        "stage of customer %s set to %s by user %s",
        customer.id,
        "automatic" if stage is None else stage,
        viewer.id,
    )
    return result


async def set_level(
    session: AsyncSession,
    *,
    viewer: Viewer,
    customer_id: int,
    level: Level | None,
    now: datetime,
    cadence: CadenceTable,
    only_deeper: bool = False,
) -> OverrideResult | None:
    """Set the relationship level of a customer by hand, or clear it with ``level=None``.

    Writes ``level`` with ``level_set_by`` and ``level_set_at``. Clearing them lets the
    analysis set the level to the suggested one again. With ``only_deeper``, as for an
    upgrade button pressed after someone else changed the level, a ``level`` that is not
    deeper than the current one changes nothing and the result has ``changed=False``.
    Call inside one ``session.begin()`` block.

    Returns:
        The new state, or None when ``viewer`` may not see the customer.
    """
    customer = await get_visible_customer(session, viewer, customer_id)
    if customer is None:
        return None
    if only_deeper and level is not None and upgrade_level(customer.level, level) is None:
        return OverrideResult(
            customer_id=customer.id,
            customer_name=customer.name,
            stage=Stage(customer.stage),
            level=Level(customer.level),
            next_followup_at=customer.next_followup_at,
            changed=False,
        )

    if level is not None:
        customer.level = level.value
    customer.level_set_by = None if level is None else viewer.id
    customer.level_set_at = None if level is None else now
    # A stage change found by this analysis comes from the history, not from the level.
    result = await _refresh(session, customer, now, cadence, changed_by=None)
    logger.info(
        "level of customer %s set to %s by user %s",
        customer.id,
        "automatic" if level is None else level,
        viewer.id,
    )
    return result


async def level_upgrade_of(
    session: AsyncSession, viewer: Viewer, customer_id: int
) -> LevelUpgrade | None:
    """Return the deeper level the history supports for a customer ``viewer`` may see.

    None when there is no such level, or when ``viewer`` may not see the customer.
    """
    customer = await get_visible_customer(session, viewer, customer_id)
    if customer is None:
        return None
    reason = (customer.analysis or {}).get("level_reason") or []
    return suggest_upgrade(customer.level, customer.suggested_level, reason)


async def _refresh(
    session: AsyncSession,
    customer: Customer,
    now: datetime,
    cadence: CadenceTable,
    *,
    changed_by: int | None,
) -> OverrideResult:
    """Analyse the customer again and reschedule its next follow-up from the cadence.

    The note of the open follow-up, the next step a rep wrote, moves to the new one. When
    the cadence gives no follow-up (terminated, not worth a win-back), the open ones close.
    """
    refreshed = await refresh_customer(session, customer, now, cadence, changed_by=changed_by)
    due_at = refreshed.next_followup_at
    note = await session.scalar(
        select(FollowUp.note)
        .where(FollowUp.customer_id == customer.id, FollowUp.status.in_(OPEN_STATUSES))
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(1)
    )
    if due_at is None:
        await session.execute(
            update(FollowUp)
            .where(FollowUp.customer_id == customer.id, FollowUp.status.in_(OPEN_STATUSES))
            .values(status="superseded", closed_at=now)
        )
    else:
        await schedule_followup(
            session,
            customer_id=customer.id,
            rep_id=customer.owner_id,
            due_at=due_at,
            note=note,
            now=now,
        )
    customer.next_followup_at = due_at
    await session.flush()
    return OverrideResult(
        customer_id=customer.id,
        customer_name=customer.name,
        stage=Stage(customer.stage),
        level=Level(customer.level),
        next_followup_at=due_at,
    )
