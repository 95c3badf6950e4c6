"""Full analysis of a team: stored results, the stored churn model, and one-customer refresh."""

from __future__ import annotations

from datetime import UTC, datetime, time

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from crm_core.cadence import CadenceTable
from crm_core.model import Role
from storage.analysis_runs import load_risk_model, refresh_team
from storage.customers import refresh_customer
from storage.db import create_sessionmaker
from storage.history_import import import_history
from storage.models import Customer, FollowUp, Team, User
from storage.users import Profile, create_demo_manager

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def synthetic_history(customers: int = 400, seed: int = 5) -> pd.DataFrame:
    """Purchases over 2025 by customers who buy every 20 to 120 days, some of whom stop."""
    generator = np.random.default_rng(seed)
    rows = []
    for number in range(customers):
        gap = generator.integers(20, 120)
        stop = generator.integers(60, 430)
        day = int(generator.integers(0, 60))
        while day < stop:
            rows.append((f"c{number:04d}", pd.Timestamp("2025-01-01") + pd.Timedelta(days=day)))
            day += int(gap)
    events = pd.DataFrame(rows, columns=["customer", "occurred_at"])
    events["kind"] = "purchase"
    events["amount"] = generator.uniform(10, 500, len(events)).round(2)
    events["satisfaction"] = np.nan
    return events


@pytest.fixture
def sessions(engine):
    return create_sessionmaker(engine)


async def seed(sessions) -> User:
    profile = Profile(7, 7, "Rep", None, "en", "UTC", time(8, 30))
    async with sessions() as session, session.begin():
        owner = await create_demo_manager(session, profile, NOW)
        await import_history(session, synthetic_history(), owner, NOW)
    return owner


async def test_refresh_team_stores_model(sessions):
    owner = await seed(sessions)

    async with sessions() as session, session.begin():
        summary = await refresh_team(session, owner.team_id, NOW, CadenceTable.default())
    async with sessions() as session:
        team = await session.get(Team, owner.team_id)
        model = await load_risk_model(session, owner.team_id)
        analysed = await session.scalar(
            select(func.count()).select_from(Customer).where(Customer.analysed_at == NOW)
        )
        risks = list(await session.scalars(select(Customer.churn_risk)))

    assert summary.customers == 400
    assert analysed == 400
    assert team.risk_model_fitted_at == NOW
    assert model is not None
    assert not model.uses_rule
    assert all(0.0 <= risk <= 1.0 for risk in risks)


async def test_one_customer_refresh_uses_stored_model(sessions):
    owner = await seed(sessions)
    async with sessions() as session, session.begin():
        await refresh_team(session, owner.team_id, NOW, CadenceTable.default())
    async with sessions() as session:
        customers = (await session.scalars(select(Customer).order_by(Customer.id))).all()
        by_team = {customer.id: customer.churn_risk for customer in customers}

    async with sessions() as session, session.begin():
        for customer in customers[:25]:
            row = await session.get(Customer, customer.id)
            await refresh_customer(session, row, NOW, CadenceTable.default())
    async with sessions() as session:
        refreshed = {
            customer.id: customer.churn_risk
            for customer in (await session.scalars(select(Customer))).all()
        }

    for customer in customers[:25]:
        assert refreshed[customer.id] == pytest.approx(by_team[customer.id], abs=1e-9)


async def test_refresh_team_twice_schedules_nothing_new(sessions):
    owner = await seed(sessions)
    cadence = CadenceTable.default()
    async with sessions() as session, session.begin():
        first = await refresh_team(session, owner.team_id, NOW, cadence)
    async with sessions() as session, session.begin():
        second = await refresh_team(session, owner.team_id, NOW, cadence)
    async with sessions() as session:
        open_count = await session.scalar(
            select(func.count()).select_from(FollowUp).where(FollowUp.status == "pending")
        )

    assert first.followups_scheduled > 0
    assert second.followups_scheduled == 0
    assert second.stage_changes == 0
    assert open_count == first.followups_scheduled
    assert Role(owner.role) is Role.MANAGER


async def test_tier_cutoffs_from_settings(sessions):
    owner = await seed(sessions)

    async with sessions() as session, session.begin():
        await refresh_team(session, owner.team_id, NOW, CadenceTable.default(), (0.8, 0.95))
    wide = await tier_counts(sessions)
    async with sessions() as session, session.begin():
        await refresh_team(session, owner.team_id, NOW, CadenceTable.default(), (0.5, 0.8))
    narrow = await tier_counts(sessions)

    assert sum(wide.values()) == sum(narrow.values()) == 400
    assert narrow["A"] < wide["A"]
    assert narrow["C"] > wide["C"]


async def tier_counts(sessions) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.execute(select(Customer.tier, func.count()).group_by(Customer.tier))
        return dict(rows.all())
