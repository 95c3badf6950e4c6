"""The daily analysis end to end: a customer who stops buying slides into decline by time alone."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from crm_core.model import Role
from storage.models import Customer, FollowUp, JobRun, StageChange
from tests.helpers.updates import TgUser

MANAGER = TgUser(201, "Mia")
ANN = TgUser(101, "Ann")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


async def buy_monthly(harness) -> None:
    """Ann logs a 1,000 purchase by Acme on 01-05, 02-04 and 03-06: a usual gap of 30 days."""
    for moment in (utc(2026, 1, 5, 10), utc(2026, 2, 4, 10), utc(2026, 3, 6, 10)):
        harness.clock.set(moment)
        replies = await harness.send(ANN, "/log Acme purchase monthly order 1000")
        assert "Logged" in replies[-1].plain, replies[-1].plain


async def customer_row(harness) -> Customer:
    async with harness.services.sessions() as session:
        return await session.scalar(select(Customer).where(Customer.name == "Acme"))


async def test_customer_slides_into_decline(harness):
    await harness.enrol(MANAGER, Role.MANAGER)
    await harness.enrol(ANN, Role.REP, team_of=MANAGER)
    harness.clock.set(utc(2026, 1, 5, 9))
    await harness.send(ANN, "/log Acme call first talk")
    await harness.press(ANN, 1)  # create the customer
    await buy_monthly(harness)
    before = await customer_row(harness)

    # 03-06 + 70 days: recency 70 days against a usual gap of 30 (the shipped decline
    # ratio is 2, so decline starts after 60 days, and terminated after 4 x 30 = 120).
    harness.clock.set(utc(2026, 5, 15, 0, 5))
    pushed = await harness.tick()

    after = await customer_row(harness)
    assert before.stage != "decline"
    assert after.stage == "decline"
    assert after.stage_changed_at == utc(2026, 5, 15, 0, 5)
    async with harness.services.sessions() as session:
        changes = (
            await session.scalars(select(StageChange).where(StageChange.customer_id == after.id))
        ).all()
        pending = (
            await session.scalars(select(FollowUp).where(FollowUp.status.in_(("sent", "pending"))))
        ).all()
    assert changes[-1].to_stage == "decline"
    assert changes[-1].changed_by is None
    # The decline follow-up is already overdue, so the same tick pushes it to Ann.
    assert [message.chat_id for message in pushed if message.chat_id == ANN.id] == [ANN.id]
    assert "Acme" in next(m for m in pushed if m.chat_id == ANN.id).plain
    assert len(pending) == 1

    harness.clock.set(utc(2026, 5, 15, 8, 30))
    [digest] = [message for message in await harness.tick() if message.chat_id == MANAGER.id]
    assert "Customers that entered decline since the last digest" in digest.plain
    assert "Acme (Ann)" in digest.plain


async def test_daily_analysis_runs_once_per_day(harness):
    await harness.enrol(MANAGER, Role.MANAGER)
    harness.clock.set(utc(2026, 5, 15, 0, 5))
    await harness.tick()
    harness.clock.set(utc(2026, 5, 15, 12, 0))
    await harness.restart()
    await harness.tick()
    harness.clock.set(utc(2026, 5, 16, 0, 1))
    await harness.tick()

    async with harness.services.sessions() as session:
        runs = (
            await session.scalars(
                select(JobRun).where(JobRun.name.like("analysis:%")).order_by(JobRun.run_key)
            )
        ).all()
    assert [(run.name, run.run_key) for run in runs] == [
        ("analysis:1", "2026-05-15"),
        ("analysis:1", "2026-05-16"),
    ]
    assert all(run.finished_at is not None for run in runs)


async def test_unfinished_analysis_is_retried_after_lease(harness):
    await harness.enrol(MANAGER, Role.MANAGER)
    async with harness.services.sessions() as session, session.begin():
        # A process claimed today's run at 00:01 and died before finishing it.
        session.add(
            JobRun(name="analysis:1", run_key="2026-05-15", started_at=utc(2026, 5, 15, 0, 1))
        )

    harness.clock.set(utc(2026, 5, 15, 0, 10))
    await harness.tick()
    async with harness.services.sessions() as session:
        early = await session.get(JobRun, ("analysis:1", "2026-05-15"))
    harness.clock.set(utc(2026, 5, 15, 0, 40))
    await harness.tick()
    async with harness.services.sessions() as session:
        late = await session.get(JobRun, ("analysis:1", "2026-05-15"))

    assert early.finished_at is None
    assert late.finished_at == utc(2026, 5, 15, 0, 40)
