"""Stage and level set by hand, on a real SQLite file and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm_core.cadence import CadenceTable
from crm_core.model import ContactKind, Level, Role, Stage
from storage.contacts import NewContact, record_contact
from storage.customers import create_customer, load_card
from storage.db import create_sessionmaker
from storage.models import Customer, FollowUp, StageChange, Team, User
from storage.overrides import level_upgrade_of, override_state, set_level, set_stage

# Monday 2026-03-02 10:00 UTC.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)
CADENCE = CadenceTable.default()
REP, OTHER_REP, MANAGER = 101, 102, 201


class Person:
    """The fields of a user that ``customer_scope`` reads."""

    def __init__(self, user_id: int, role: Role, team_id: int) -> None:
        self.id = user_id
        self.role = role
        self.team_id = team_id


ANN = Person(REP, Role.REP, 1)
BO = Person(OTHER_REP, Role.REP, 1)
MIA = Person(MANAGER, Role.MANAGER, 1)


@pytest.fixture
async def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        session.add(Team(id=1, name="one", created_at=NOW))
        await session.flush()
        for user_id, role, name in [
            (REP, Role.REP, "Ann"),
            (OTHER_REP, Role.REP, "Bo"),
            (MANAGER, Role.MANAGER, "Mia"),
        ]:
            session.add(
                User(
                    id=user_id,
                    chat_id=user_id,
                    full_name=name,
                    role=role.value,
                    team_id=1,
                    timezone="UTC",
                    language="en",
                    digest_time=time(8, 30),
                    active=True,
                    created_at=NOW,
                )
            )
    return sessions


async def new_customer(sessions) -> int:
    async with sessions() as session, session.begin():
        customer = await create_customer(session, owner=ANN, name="Acme Ltd", now=NOW)
        return customer.id


async def log(sessions, customer_id: int, key: str, now: datetime = NOW, **fields: object):
    values: dict[str, object] = {"customer_id": customer_id, "kind": ContactKind.CALL}
    values.update({"summary": "hi", **fields})
    async with sessions() as session, session.begin():
        return await record_contact(
            session,
            rep=ANN,
            rep_timezone=ZoneInfo("UTC"),
            contact=NewContact(**values),
            source_key=key,
            now=now,
            cadence=CADENCE,
        )


async def change_stage(sessions, customer_id: int, stage: Stage | None, viewer=ANN):
    async with sessions() as session, session.begin():
        return await set_stage(
            session,
            viewer=viewer,
            customer_id=customer_id,
            stage=stage,
            now=LATER,
            cadence=CADENCE,
        )


async def change_level(sessions, customer_id: int, level: Level | None, viewer=ANN):
    async with sessions() as session, session.begin():
        return await set_level(
            session,
            viewer=viewer,
            customer_id=customer_id,
            level=level,
            now=LATER,
            cadence=CADENCE,
        )


async def customer_row(sessions, customer_id: int) -> Customer:
    async with sessions() as session:
        return await session.get(Customer, customer_id)


async def stage_changes(sessions, customer_id: int) -> list[StageChange]:
    async with sessions() as session:
        rows = await session.scalars(
            select(StageChange)
            .where(StageChange.customer_id == customer_id)
            .order_by(StageChange.id)
        )
        return list(rows)


async def open_followups(sessions, customer_id: int) -> list[FollowUp]:
    async with sessions() as session:
        rows = await session.scalars(
            select(FollowUp)
            .where(
                FollowUp.customer_id == customer_id,
                FollowUp.status.in_(("pending", "claimed", "sent")),
            )
            .order_by(FollowUp.id)
        )
        return list(rows)


async def test_set_stage_records_who_and_when(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:1:1")

    result = await change_stage(sessions, customer_id, Stage.DECLINE)

    customer = await customer_row(sessions, customer_id)
    assert result.stage == Stage.DECLINE
    assert customer.stage == "decline"
    assert customer.detected_stage == "acquisition"
    assert customer.stage_override == "decline"
    assert customer.stage_override_by == REP
    assert customer.stage_override_at == LATER
    assert customer.stage_changed_at == LATER
    assert customer.stage_reason[0][0] == "analysis.reason.override"


async def test_set_stage_records_stage_change(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:1:1")

    await change_stage(sessions, customer_id, Stage.DECLINE, viewer=MIA)

    [change] = await stage_changes(sessions, customer_id)
    assert change.from_stage == "acquisition"
    assert change.to_stage == "decline"
    assert change.changed_by == MANAGER
    assert change.changed_at == LATER


async def test_set_same_stage_records_no_change(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:1:1")

    await change_stage(sessions, customer_id, Stage.ACQUISITION)

    customer = await customer_row(sessions, customer_id)
    assert customer.stage_override == "acquisition"
    assert customer.stage_override_by == REP
    assert await stage_changes(sessions, customer_id) == []


async def test_clear_stage_returns_to_detected(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:1:1")
    await change_stage(sessions, customer_id, Stage.MATURITY)

    result = await change_stage(sessions, customer_id, None)

    customer = await customer_row(sessions, customer_id)
    assert result.stage == Stage.ACQUISITION
    assert customer.stage == "acquisition"
    assert customer.stage_override is None
    assert customer.stage_override_by is None
    assert customer.stage_override_at is None
    changes = await stage_changes(sessions, customer_id)
    assert [(change.from_stage, change.to_stage) for change in changes] == [
        ("acquisition", "maturity"),
        ("maturity", "acquisition"),
    ]
    assert changes[1].changed_by == REP


async def test_set_stage_reschedules_followup(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:1:1", next_step_note="send quote")

    result = await change_stage(sessions, customer_id, Stage.GROWTH)

    # Growth, tier C: 30 days, casual buyer factor 1.5, so 45 days after the last contact
    # on Monday 2026-03-02: Thursday 2026-04-16 at 09:00 in the owner's zone (UTC).
    expected = datetime(2026, 4, 16, 9, 0, tzinfo=UTC)
    assert result.next_followup_at == expected
    [followup] = await open_followups(sessions, customer_id)
    assert followup.due_at == expected
    assert followup.note == "send quote"
    assert followup.rep_id == REP
    customer = await customer_row(sessions, customer_id)
    assert customer.next_followup_at == expected


async def test_terminated_tier_c_closes_followups(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:1:1")

    result = await change_stage(sessions, customer_id, Stage.TERMINATED)

    customer = await customer_row(sessions, customer_id)
    assert result.next_followup_at is None
    assert await open_followups(sessions, customer_id) == []
    assert customer.next_followup_at is None


async def test_stage_override_survives_new_contact(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:1:1")
    await change_stage(sessions, customer_id, Stage.DECLINE)

    logged = await log(sessions, customer_id, "tg:1:2", now=LATER + timedelta(days=1))

    customer = await customer_row(sessions, customer_id)
    assert logged.stage == Stage.DECLINE
    assert customer.stage_override_by == REP
    assert customer.stage_override_at == LATER


async def test_set_level_records_who_and_when(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:1:1")

    result = await change_level(sessions, customer_id, Level.CLIENT)

    customer = await customer_row(sessions, customer_id)
    assert result.level == Level.CLIENT
    assert customer.level == "client"
    assert customer.suggested_level == "casual_buyer"
    assert customer.level_set_by == REP
    assert customer.level_set_at == LATER


async def test_set_level_reschedules_followup(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:1:1")

    result = await change_level(sessions, customer_id, Level.CLIENT)

    # Acquisition, tier C: 14 days, client factor 0.75, so 10.5 days, rounded half up to 11
    # after Monday 2026-03-02: Friday 2026-03-13 at 09:00 UTC.
    expected = datetime(2026, 3, 13, 9, 0, tzinfo=UTC)
    assert result.next_followup_at == expected
    [followup] = await open_followups(sessions, customer_id)
    assert followup.due_at == expected


async def test_clear_level_returns_to_suggested(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:1:1")
    await change_level(sessions, customer_id, Level.PARTNER)

    result = await change_level(sessions, customer_id, None)

    customer = await customer_row(sessions, customer_id)
    assert result.level == Level.CASUAL_BUYER
    assert customer.level == "casual_buyer"
    assert customer.level_set_by is None
    assert customer.level_set_at is None


async def test_only_deeper_keeps_deeper_level(sessions):
    customer_id = await new_customer(sessions)
    await change_level(sessions, customer_id, Level.PARTNER)

    async with sessions() as session, session.begin():
        result = await set_level(
            session,
            viewer=MIA,
            customer_id=customer_id,
            level=Level.CUSTOMER,
            now=LATER + timedelta(hours=1),
            cadence=CADENCE,
            only_deeper=True,
        )

    customer = await customer_row(sessions, customer_id)
    assert not result.changed
    assert result.level == Level.PARTNER
    assert customer.level == "partner"
    assert customer.level_set_by == REP
    assert customer.level_set_at == LATER


async def test_only_deeper_sets_deeper_level(sessions):
    customer_id = await new_customer(sessions)
    await change_level(sessions, customer_id, Level.CASUAL_BUYER)

    async with sessions() as session, session.begin():
        result = await set_level(
            session,
            viewer=MIA,
            customer_id=customer_id,
            level=Level.CLIENT,
            now=LATER,
            cadence=CADENCE,
            only_deeper=True,
        )

    customer = await customer_row(sessions, customer_id)
    assert result.changed
    assert customer.level == "client"
    assert customer.level_set_by == MANAGER


async def test_rep_cannot_change_other_reps_customer(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:1:1")

    stage_result = await change_stage(sessions, customer_id, Stage.DECLINE, viewer=BO)
    level_result = await change_level(sessions, customer_id, Level.PARTNER, viewer=BO)

    customer = await customer_row(sessions, customer_id)
    assert stage_result is None
    assert level_result is None
    assert customer.stage == "acquisition"
    assert customer.stage_override is None
    assert customer.level == "casual_buyer"
    assert customer.level_set_by is None
    assert await stage_changes(sessions, customer_id) == []


async def test_manager_changes_team_customer(sessions):
    customer_id = await new_customer(sessions)

    result = await change_level(sessions, customer_id, Level.CUSTOMER, viewer=MIA)

    customer = await customer_row(sessions, customer_id)
    assert result is not None
    assert customer.level_set_by == MANAGER


async def test_card_shows_level_set_by(sessions):
    customer_id = await new_customer(sessions)
    await change_level(sessions, customer_id, Level.CLIENT, viewer=MIA)

    async with sessions() as session:
        card = await load_card(session, ANN, customer_id)

    assert card.level == Level.CLIENT
    assert card.level_set_by == "Mia"
    assert card.level_set_at == LATER


async def test_card_automatic_level_has_no_setter(sessions):
    customer_id = await new_customer(sessions)
    await change_level(sessions, customer_id, Level.CLIENT)
    await change_level(sessions, customer_id, None)

    async with sessions() as session:
        card = await load_card(session, ANN, customer_id)

    assert card.level_set_by is None
    assert card.level_set_at is None


async def test_upgrade_over_manual_level(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:1:1", kind=ContactKind.PURCHASE, amount=Decimal("100"))
    await change_level(sessions, customer_id, Level.CASUAL_BUYER)
    await log(
        sessions,
        customer_id,
        "tg:1:2",
        now=NOW + timedelta(days=3),
        kind=ContactKind.PURCHASE,
        amount=Decimal("80"),
    )

    async with sessions() as session:
        upgrade = await level_upgrade_of(session, ANN, customer_id)

    # Two purchase days make a repeat buyer: the customer level.
    assert upgrade.level == Level.CUSTOMER
    assert [tuple(part) for part in upgrade.reason] == [
        ("analysis.level_reason.customer", {"purchases": 2})
    ]


async def test_no_downgrade_suggested(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:1:1", kind=ContactKind.PURCHASE, amount=Decimal("100"))
    await change_level(sessions, customer_id, Level.PARTNER)

    async with sessions() as session:
        upgrade = await level_upgrade_of(session, ANN, customer_id)
        customer = await session.get(Customer, customer_id)

    assert customer.suggested_level == "casual_buyer"
    assert upgrade is None


async def test_upgrade_hidden_from_other_rep(sessions):
    customer_id = await new_customer(sessions)
    await change_level(sessions, customer_id, Level.CASUAL_BUYER)

    async with sessions() as session:
        assert await level_upgrade_of(session, BO, customer_id) is None


async def test_override_state(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:1:1")
    await change_stage(sessions, customer_id, Stage.DECLINE)

    async with sessions() as session:
        state = await override_state(session, ANN, customer_id)
        hidden = await override_state(session, BO, customer_id)

    assert state.stage == Stage.DECLINE
    assert state.detected_stage == Stage.ACQUISITION
    assert state.level == Level.CASUAL_BUYER
    assert state.suggested_level == Level.CASUAL_BUYER
    assert hidden is None
