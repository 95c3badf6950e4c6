"""Full analysis of a team's book: load its history, run the customer model, store results.

Runs after an import and once a day, because a customer slides into decline by time
passing even when nobody logs anything. The pandas work runs in a worker thread so the
bot's event loop keeps serving updates.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.analysis import AnalysisSettings, analyze
from crm_core.cadence import CadenceTable, next_followup_at
from crm_core.model import Level, Stage, Tier
from crm_core.risk import ChurnModel, fit_churn_model
from storage.followups import OPEN_STATUSES
from storage.models import Contact, Customer, FollowUp, StageChange, Team, User

logger = logging.getLogger(__name__)

DEFAULT_TIER_CUTOFFS = AnalysisSettings().tier_cutoffs
# Rows per bulk statement; keeps IN lists and parameter counts inside every driver's limits.
BATCH = 2_000


@dataclass(frozen=True)
class RefreshSummary:
    """Counts of one full analysis run."""

    customers: int
    stage_changes: int
    followups_scheduled: int


async def load_team_history(
    session: AsyncSession, team_id: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the events frame and the customers frame of a team, keyed by customer id."""
    contact_rows = await session.execute(
        select(
            Contact.customer_id,
            Contact.occurred_at,
            Contact.kind,
            Contact.amount,
            Contact.satisfaction,
        )
        .join(Customer, Customer.id == Contact.customer_id)
        .where(Customer.team_id == team_id)
    )
    events = pd.DataFrame(
        contact_rows.all(), columns=["customer", "occurred_at", "kind", "amount", "satisfaction"]
    )
    events["customer"] = events["customer"].astype(str)
    events["occurred_at"] = pd.to_datetime(events["occurred_at"], utc=True)
    events["amount"] = pd.to_numeric(events["amount"], errors="coerce").astype(float)
    events["satisfaction"] = pd.to_numeric(events["satisfaction"], errors="coerce").astype(float)

    customer_rows = await session.execute(
        select(
            Customer.id,
            Customer.created_at,
            Customer.level,
            Customer.level_set_by,
            Customer.stage_override,
        ).where(Customer.team_id == team_id)
    )
    customers = pd.DataFrame(
        customer_rows.all(),
        columns=["id", "created_at", "level", "level_set_by", "stage_override"],
    )
    customers["customer"] = customers["id"].astype(str)
    customers["created_at"] = pd.to_datetime(customers["created_at"], utc=True)
    # A level set by hand wins over the suggested one until a person changes it again.
    customers["level_override"] = customers["level"].where(customers["level_set_by"].notna(), None)
    return events, customers[["customer", "created_at", "level_override", "stage_override"]]


def analysis_values(row: dict[str, Any]) -> dict[str, Any]:
    """Map one row of ``crm_core.analysis.analyze`` to the columns of ``Customer``."""
    extra_keys = (
        "n_purchases",
        "usual_gap_days",
        "recency_days",
        "rfm_r",
        "rfm_f",
        "rfm_m",
        "contribution_share",
        "value_trend",
        "satisfaction_recent",
    )
    analysis = {key: _plain(row.get(key)) for key in extra_keys}
    analysis["level_reason"] = _plain_parts(row.get("level_reason_parts"))
    analysis["last_purchase_at"] = _plain(row.get("last_purchase_at"))
    return {
        "level": str(row["level"]),
        "suggested_level": _plain(row.get("suggested_level")),
        "stage": str(row["stage"]),
        "detected_stage": str(row["detected_stage"]),
        "stage_reason": _plain_parts(row.get("reason_parts")),
        "churn_risk": _plain(row.get("churn_risk")),
        "tier": str(row["tier"]),
        "revenue": Decimal(str(round(float(row.get("revenue") or 0.0), 2))),
        "value_ratio": _plain(row.get("value_ratio")),
        "value_warning": bool(row.get("value_warning") or False),
        "analysis": analysis,
    }


def aware_utc(moment: object) -> datetime | None:
    """Return a pandas or numpy timestamp as an aware UTC datetime; naive means UTC.

    Missing values (None, NaT) give None.
    """
    if moment is None or pd.isna(moment):
        return None
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def _plain(value: Any) -> Any:
    """Turn numpy, pandas and missing values into JSON-safe Python values."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _plain_parts(parts: Any) -> list[list[Any]]:
    if parts is None:
        return []
    return [
        [key, {name: _plain(value) for name, value in params.items()}] for key, params in parts
    ]


def analyze_with_model(
    events: pd.DataFrame,
    now: datetime,
    customers: pd.DataFrame,
    tier_cutoffs: tuple[float, float] = DEFAULT_TIER_CUTOFFS,
) -> tuple[pd.DataFrame, ChurnModel]:
    """Fit the churn model, then analyse every customer with it; runs in a worker thread."""
    settings = AnalysisSettings(tier_cutoffs=tier_cutoffs)
    model = fit_churn_model(events, now, settings.risk)
    return analyze(events, now, customers, settings, risk_model=model), model


async def load_risk_model(session: AsyncSession, team_id: int) -> ChurnModel | None:
    """Return the team's stored churn model, or None when there is none or it is outdated."""
    stored = await session.scalar(select(Team.risk_model).where(Team.id == team_id))
    if not stored:
        return None
    try:
        return ChurnModel.from_dict(stored)
    except ValueError as error:
        # Written by an older release with other features; the next daily run refits it.
        logger.warning("stored churn model of team %s is unusable: %s", team_id, error)
        return None


async def refresh_team(
    session: AsyncSession,
    team_id: int,
    now: datetime,
    cadence: CadenceTable,
    tier_cutoffs: tuple[float, float] = DEFAULT_TIER_CUTOFFS,
) -> RefreshSummary:
    """Analyse every customer of a team as of ``now`` and store the results.

    Records a StageChange for each customer whose stage changed, and schedules a follow-up
    for each customer whose stage, tier or level changed or who never had one. Customers
    whose cadence gives no follow-up (terminated and not worth a win-back) lose their open
    ones.
    """
    events, customers = await load_team_history(session, team_id)
    if customers.empty:
        return RefreshSummary(0, 0, 0)
    results, model = await asyncio.to_thread(
        analyze_with_model, events, now, customers, tier_cutoffs
    )
    await session.execute(
        update(Team)
        .where(Team.id == team_id)
        .values(risk_model=model.to_dict(), risk_model_fitted_at=now)
    )

    stored = {
        row.id: row
        for row in (
            await session.execute(
                select(
                    Customer.id,
                    Customer.owner_id,
                    Customer.stage,
                    Customer.tier,
                    Customer.level,
                    Customer.created_at,
                    Customer.stage_changed_at,
                    Customer.next_followup_at,
                    User.timezone,
                )
                .join(User, User.id == Customer.owner_id)
                .where(Customer.team_id == team_id)
            )
        ).all()
    }
    open_ids = set(
        (
            await session.scalars(
                select(FollowUp.customer_id)
                .join(Customer, Customer.id == FollowUp.customer_id)
                .where(Customer.team_id == team_id, FollowUp.status.in_(OPEN_STATUSES))
            )
        ).all()
    )
    # Open follow-ups whose date a rep chose: the analysis neither moves nor closes them.
    rep_chosen = set(
        (
            await session.scalars(
                select(FollowUp.customer_id)
                .join(Customer, Customer.id == FollowUp.customer_id)
                .where(
                    Customer.team_id == team_id,
                    FollowUp.status.in_(OPEN_STATUSES),
                    FollowUp.set_by_rep.is_(True),
                )
            )
        ).all()
    )
    ever_scheduled = set(
        (
            await session.scalars(
                select(FollowUp.customer_id)
                .join(Customer, Customer.id == FollowUp.customer_id)
                .where(Customer.team_id == team_id)
                .distinct()
            )
        ).all()
    )

    updates: list[dict[str, Any]] = []
    new_followups: list[dict[str, Any]] = []
    to_close: list[int] = []
    changes = 0
    for key, row in results.to_dict(orient="index").items():
        customer_id = int(key)
        before = stored.get(customer_id)
        if before is None:
            continue
        values = analysis_values(row)
        values["id"] = customer_id
        values["analysed_at"] = now
        last_contact_at = aware_utc(row.get("last_contact_at"))
        values["last_contact_at"] = last_contact_at
        # Keys must be the same in every row of one bulk UPDATE statement group.
        values["stage_changed_at"] = before.stage_changed_at
        values["next_followup_at"] = before.next_followup_at

        stage_changed = values["stage"] != before.stage
        if stage_changed:
            values["stage_changed_at"] = now
            session.add(
                StageChange(
                    customer_id=customer_id,
                    from_stage=before.stage,
                    to_stage=values["stage"],
                    changed_by=None,
                    changed_at=now,
                )
            )
            changes += 1

        interval = cadence.interval(
            Stage(values["stage"]), Tier(values["tier"]), Level(values["level"])
        )
        # A follow-up that a rep closed (done, snoozed) was replaced at that moment, so only
        # a new stage, tier or level, or a customer never scheduled (imported), gets a new one.
        needs_followup = (
            stage_changed
            or values["tier"] != before.tier
            or values["level"] != before.level
            or customer_id not in ever_scheduled
        )
        if customer_id in rep_chosen:
            pass
        elif interval is None:
            values["next_followup_at"] = None
            if customer_id in open_ids:
                to_close.append(customer_id)
        elif needs_followup:
            due_at = next_followup_at(
                last_contact_at or before.created_at, interval, ZoneInfo(before.timezone)
            )
            to_close.append(customer_id)
            new_followups.append(
                {
                    "customer_id": customer_id,
                    "rep_id": before.owner_id,
                    "due_at": due_at,
                    "status": "pending",
                    "note": None,
                    "attempts": 0,
                    "created_at": now,
                }
            )
            values["next_followup_at"] = due_at
        updates.append(values)

    for start in range(0, len(to_close), BATCH):
        await session.execute(
            update(FollowUp)
            .where(
                FollowUp.customer_id.in_(to_close[start : start + BATCH]),
                FollowUp.status.in_(OPEN_STATUSES),
            )
            .values(status="superseded", closed_at=now)
        )
    for start in range(0, len(new_followups), BATCH):
        await session.execute(insert(FollowUp), new_followups[start : start + BATCH])
    for start in range(0, len(updates), BATCH):
        await session.execute(update(Customer), updates[start : start + BATCH])
    scheduled = len(new_followups)
    logger.info(
        "analysed team %s: %d customers, %d stage changes, %d follow-ups scheduled",
        team_id,
        len(updates),
        changes,
        scheduled,
    )
    return RefreshSummary(len(updates), changes, scheduled)
