"""Recording contacts and reading customers, on a real SQLite file and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm_core.cadence import CadenceTable
from crm_core.model import ContactKind, Level, Role, Stage, Tier
from storage.contacts import CustomerNotVisible, NewContact, record_contact
from storage.customers import (
    CustomerNameTaken,
    create_customer,
    load_card,
    refresh_customer,
    today_followups,
    visible_customers,
)
from storage.db import create_sessionmaker
from storage.models import Contact, Customer, FollowUp, StageChange, Team, User

# Monday 2026-03-02 10:00 UTC.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
SHANGHAI = ZoneInfo("Asia/Shanghai")
CADENCE = CadenceTable.default()
REP, OTHER_REP, MANAGER, OUTSIDER, ADMIN = 101, 102, 201, 301, 1


class Person:
    """The fields of a user that ``customer_scope`` reads."""

    def __init__(self, user_id: int, role: Role, team_id: int) -> None:
        self.id = user_id
        self.role = role
        self.team_id = team_id


ANN = Person(REP, Role.REP, 1)
BO = Person(OTHER_REP, Role.REP, 1)
MIA = Person(MANAGER, Role.MANAGER, 1)
OLA = Person(OUTSIDER, Role.REP, 2)
ADA = Person(ADMIN, Role.ADMIN, 1)


@pytest.fixture
async def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        session.add_all(
            [Team(id=1, name="one", created_at=NOW), Team(id=2, name="two", created_at=NOW)]
        )
        await session.flush()
        for user_id, role, team_id, name, zone in [
            (ADMIN, Role.ADMIN, 1, "Ada", "UTC"),
            (REP, Role.REP, 1, "Ann", "UTC"),
            (OTHER_REP, Role.REP, 1, "Bo", "Asia/Shanghai"),
            (MANAGER, Role.MANAGER, 1, "Mia", "UTC"),
            (OUTSIDER, Role.REP, 2, "Ola", "UTC"),
        ]:
            session.add(
                User(
                    id=user_id,
                    chat_id=user_id,
                    full_name=name,
                    role=role.value,
                    team_id=team_id,
                    timezone=zone,
                    language="en",
                    digest_time=time(8, 30),
                    active=True,
                    created_at=NOW,
                )
            )
    return sessions


async def new_customer(sessions, owner: Person = ANN, name: str = "Acme Ltd") -> int:
    async with sessions() as session, session.begin():
        customer = await create_customer(session, owner=owner, name=name, now=NOW)
        return customer.id


async def log(
    sessions,
    customer_id: int,
    key: str,
    *,
    rep: Person = ANN,
    zone: ZoneInfo = UTC_ZONE,
    now: datetime = NOW,
    **fields: object,
):
    values: dict[str, object] = {
        "customer_id": customer_id,
        "kind": ContactKind.CALL,
        "summary": "hi",
    }
    values.update(fields)
    async with sessions() as session, session.begin():
        return await record_contact(
            session,
            rep=rep,
            rep_timezone=zone,
            contact=NewContact(**values),
            source_key=key,
            now=now,
            cadence=CADENCE,
        )


async def count(sessions, statement) -> int:
    async with sessions() as session:
        return await session.scalar(statement)


async def followups(sessions, customer_id: int) -> list[FollowUp]:
    async with sessions() as session:
        rows = await session.scalars(
            select(FollowUp).where(FollowUp.customer_id == customer_id).order_by(FollowUp.id)
        )
        return list(rows)


async def test_record_stores_contact(sessions):
    customer_id = await new_customer(sessions)

    logged = await log(
        sessions, customer_id, "tg:101:1", amount=Decimal("5000.00"), satisfaction=4
    )

    async with sessions() as session:
        contact = await session.scalar(select(Contact).where(Contact.source_key == "tg:101:1"))
    assert logged.created
    assert contact.customer_id == customer_id
    assert contact.rep_id == REP
    assert contact.kind == "call"
    assert contact.amount == Decimal("5000.00")
    assert contact.satisfaction == 4
    assert contact.occurred_at == NOW


async def test_record_next_step_date(sessions):
    customer_id = await new_customer(sessions)

    # Friday 2026-03-06 09:00 in Shanghai (UTC+8) is 01:00 UTC.
    logged = await log(
        sessions,
        customer_id,
        "tg:101:1",
        zone=SHANGHAI,
        next_step_on=date(2026, 3, 6),
        next_step_note="send quote",
    )

    expected = datetime(2026, 3, 6, 1, 0, tzinfo=UTC)
    assert logged.next_followup_at == expected
    [followup] = await followups(sessions, customer_id)
    assert followup.due_at == expected
    assert followup.status == "pending"
    assert followup.note == "send quote"
    assert followup.rep_id == REP


async def test_record_cadence_followup(sessions):
    customer_id = await new_customer(sessions)

    logged = await log(sessions, customer_id, "tg:101:1")

    # Acquisition, tier C: 14 days, casual buyer factor 1.5, so 21 days after Monday
    # 2026-03-02: Monday 2026-03-23 at 09:00 in the owner's zone (UTC).
    assert logged.stage == Stage.ACQUISITION
    assert logged.previous_stage is None
    assert logged.next_followup_at == datetime(2026, 3, 23, 9, 0, tzinfo=UTC)


async def test_record_cadence_in_owner_zone(sessions):
    customer_id = await new_customer(sessions, owner=BO, name="Beta")

    logged = await log(sessions, customer_id, "tg:102:1", rep=BO, zone=SHANGHAI)

    # 2026-03-02 10:00 UTC is 18:00 in Shanghai; 21 days later at 09:00 there is 01:00 UTC.
    assert logged.next_followup_at == datetime(2026, 3, 23, 1, 0, tzinfo=UTC)


async def test_record_supersedes_open_followup(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:101:1", next_step_on=date(2026, 3, 6))

    await log(sessions, customer_id, "tg:101:2", now=NOW + timedelta(days=1))

    statuses = [followup.status for followup in await followups(sessions, customer_id)]
    assert statuses == ["superseded", "pending"]


async def test_record_same_key_once(sessions):
    customer_id = await new_customer(sessions)
    first = await log(sessions, customer_id, "tg:101:7", next_step_on=date(2026, 3, 6))

    again = await log(
        sessions,
        customer_id,
        "tg:101:7",
        next_step_on=date(2026, 3, 6),
        now=NOW + timedelta(minutes=5),
    )

    assert not again.created
    assert again.contact_id == first.contact_id
    assert again.occurred_at == first.occurred_at
    assert again.stage == first.stage
    assert again.next_followup_at == first.next_followup_at
    assert await count(sessions, select(func.count()).select_from(Contact)) == 1
    assert [f.status for f in await followups(sessions, customer_id)] == ["pending"]


async def test_record_loss_terminates(sessions):
    customer_id = await new_customer(sessions)
    await log(sessions, customer_id, "tg:101:1")

    logged = await log(
        sessions, customer_id, "tg:101:2", kind=ContactKind.LOSS, now=NOW + timedelta(hours=1)
    )

    # Terminated, tier C: the cadence gives no follow-up and the open one is closed.
    assert logged.stage == Stage.TERMINATED
    assert logged.previous_stage == Stage.ACQUISITION
    assert logged.next_followup_at is None
    assert [f.status for f in await followups(sessions, customer_id)] == ["superseded"]
    async with sessions() as session:
        change = await session.scalar(
            select(StageChange).where(StageChange.customer_id == customer_id)
        )
        customer = await session.get(Customer, customer_id)
    assert (change.from_stage, change.to_stage) == ("acquisition", "terminated")
    assert customer.stage == "terminated"
    assert customer.stage_changed_at == NOW + timedelta(hours=1)
    assert customer.next_followup_at is None


async def test_redelivered_stage_change_same_reply(sessions):
    customer_id = await new_customer(sessions)
    later = NOW + timedelta(hours=1)
    first = await log(sessions, customer_id, "tg:101:2", kind=ContactKind.LOSS, now=later)

    again = await log(
        sessions, customer_id, "tg:101:2", kind=ContactKind.LOSS, now=later + timedelta(minutes=1)
    )

    assert again.previous_stage == first.previous_stage == Stage.ACQUISITION
    assert again.stage == Stage.TERMINATED
    assert again.stage_reason == first.stage_reason


async def test_record_other_reps_customer(sessions):
    customer_id = await new_customer(sessions, owner=BO, name="Beta")

    with pytest.raises(CustomerNotVisible):
        await log(sessions, customer_id, "tg:101:1", rep=ANN)


async def test_manager_logs_for_owner(sessions):
    customer_id = await new_customer(sessions, owner=ANN)

    await log(sessions, customer_id, "tg:201:1", rep=MIA)

    [followup] = await followups(sessions, customer_id)
    # The follow-up goes to the owner, not to the manager who logged the contact.
    assert followup.rep_id == REP


async def test_purchase_updates_revenue(sessions):
    customer_id = await new_customer(sessions)

    await log(
        sessions, customer_id, "tg:101:1", kind=ContactKind.PURCHASE, amount=Decimal("1200.50")
    )

    async with sessions() as session:
        customer = await session.get(Customer, customer_id)
    assert customer.revenue == Decimal("1200.50")
    assert customer.last_contact_at == NOW
    assert customer.analysed_at == NOW


async def test_create_customer_name_taken(sessions):
    await new_customer(sessions, owner=BO, name="Acme Ltd")

    # Ann cannot see Bo's customer, but the team may not have two of the same name.
    with pytest.raises(CustomerNameTaken):
        await new_customer(sessions, owner=ANN, name="  ACME   ltd ")


async def test_create_customer_same_name_other_team(sessions):
    await new_customer(sessions, owner=ANN, name="Acme Ltd")

    other = await new_customer(sessions, owner=OLA, name="Acme Ltd")

    assert other > 0


@pytest.mark.parametrize(
    "name", [pytest.param("", id="empty"), pytest.param("x" * 201, id="too-long")]
)
async def test_create_customer_invalid_name(sessions, name):
    with pytest.raises(ValueError):
        await new_customer(sessions, name=name)


async def test_visible_customers_by_role(sessions):
    acme = await new_customer(sessions, owner=ANN, name="Acme")
    beta = await new_customer(sessions, owner=BO, name="Beta")
    gamma = await new_customer(sessions, owner=OLA, name="Gamma")

    async with sessions() as session:
        seen = {
            person.id: [customer_id for customer_id, _ in await visible_customers(session, person)]
            for person in (ANN, BO, MIA, OLA, ADA)
        }

    assert seen[REP] == [acme]
    assert seen[OTHER_REP] == [beta]
    assert seen[MANAGER] == [acme, beta]
    assert seen[OUTSIDER] == [gamma]
    assert seen[ADMIN] == [acme, beta, gamma]


async def test_card_contacts_newest_first(sessions):
    customer_id = await new_customer(sessions)
    for hours in range(4):
        await log(
            sessions,
            customer_id,
            f"tg:101:{hours}",
            summary=f"s{hours}",
            now=NOW + timedelta(hours=hours),
        )
    await log(
        sessions, customer_id, "tg:201:9", rep=MIA, summary="by Mia", now=NOW + timedelta(hours=5)
    )

    async with sessions() as session:
        card = await load_card(session, ANN, customer_id)

    assert [line.summary for line in card.contacts] == ["by Mia", "s3", "s2"]
    assert [line.rep_name for line in card.contacts] == ["Mia", "Ann", "Ann"]
    assert card.owner_name == "Ann"
    assert card.next_followup_at is not None


async def test_card_hidden_from_other_rep(sessions):
    customer_id = await new_customer(sessions, owner=ANN)

    async with sessions() as session:
        assert await load_card(session, BO, customer_id) is None
        assert await load_card(session, MIA, customer_id) is not None


async def test_card_stage_override_shown(sessions):
    customer_id = await new_customer(sessions)
    async with sessions() as session, session.begin():
        await session.execute(
            update(Customer)
            .where(Customer.id == customer_id)
            .values(
                stage="decline",
                stage_override="decline",
                stage_override_by=MANAGER,
                stage_override_at=NOW,
            )
        )

    async with sessions() as session:
        card = await load_card(session, ANN, customer_id)

    assert card.stage == Stage.DECLINE
    assert card.stage_override_by == "Mia"
    assert card.stage_override_at == NOW


async def test_refresh_keeps_book_figures(sessions):
    customer_id = await new_customer(sessions)
    async with sessions() as session, session.begin():
        await session.execute(
            update(Customer)
            .where(Customer.id == customer_id)
            .values(
                tier="A", analysis={"rfm_r": 5, "rfm_f": 4, "rfm_m": 3, "contribution_share": 0.25}
            )
        )
    await log(sessions, customer_id, "tg:101:1", kind=ContactKind.PURCHASE, amount=Decimal("100"))

    async with sessions() as session:
        customer = await session.get(Customer, customer_id)
        card = await load_card(session, ANN, customer_id)

    assert customer.tier == "A"
    assert customer.analysis["contribution_share"] == 0.25
    assert card.rfm == (5, 4, 3)


async def test_refresh_keeps_manual_level(sessions):
    customer_id = await new_customer(sessions)
    async with sessions() as session, session.begin():
        await session.execute(
            update(Customer)
            .where(Customer.id == customer_id)
            .values(level="partner", level_set_by=REP)
        )

    async with sessions() as session, session.begin():
        customer = await session.get(Customer, customer_id)
        result = await refresh_customer(session, customer, NOW, CADENCE)

    assert customer.level == Level.PARTNER
    assert result.stage == Stage.ACQUISITION


async def add_followup(
    sessions, customer_id: int, due: datetime, rep: int = REP, status: str = "pending"
) -> None:
    async with sessions() as session, session.begin():
        session.add(
            FollowUp(
                customer_id=customer_id,
                rep_id=rep,
                due_at=due,
                status=status,
                attempts=0,
                created_at=NOW,
            )
        )


async def set_value(sessions, customer_id: int, tier: Tier, revenue: str) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            update(Customer)
            .where(Customer.id == customer_id)
            .values(tier=tier.value, revenue=Decimal(revenue))
        )


async def test_today_order_and_window(sessions):
    small = await new_customer(sessions, name="Small")
    big = await new_customer(sessions, name="Big")
    middle = await new_customer(sessions, name="Middle")
    later = await new_customer(sessions, name="Later")
    await set_value(sessions, small, Tier.C, "100")
    await set_value(sessions, big, Tier.A, "9000")
    await set_value(sessions, middle, Tier.B, "900")
    await set_value(sessions, later, Tier.A, "99999")
    await add_followup(sessions, small, datetime(2026, 2, 20, 9, 0, tzinfo=UTC))  # overdue
    await add_followup(sessions, big, datetime(2026, 3, 2, 23, 0, tzinfo=UTC))  # today, late
    await add_followup(sessions, middle, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), status="sent")
    await add_followup(sessions, later, datetime(2026, 3, 3, 0, 0, tzinfo=UTC))  # tomorrow

    async with sessions() as session:
        items = await today_followups(session, ANN, NOW, UTC_ZONE)

    assert [item.name for item in items] == ["Big", "Middle", "Small"]


async def test_today_uses_local_day(sessions):
    customer_id = await new_customer(sessions)
    # 2026-03-02 20:00 UTC is already 2026-03-03 04:00 in Shanghai.
    await add_followup(sessions, customer_id, datetime(2026, 3, 2, 20, 0, tzinfo=UTC))

    async with sessions() as session:
        in_utc = await today_followups(session, ANN, NOW, UTC_ZONE)
        in_shanghai = await today_followups(session, ANN, NOW, SHANGHAI)

    assert len(in_utc) == 1
    assert in_shanghai == []


async def test_today_skips_closed_and_others(sessions):
    customer_id = await new_customer(sessions)
    await add_followup(sessions, customer_id, NOW, status="done")
    await add_followup(sessions, customer_id, NOW, status="superseded")
    await add_followup(sessions, customer_id, NOW, rep=OTHER_REP)

    async with sessions() as session:
        assert await today_followups(session, ANN, NOW, UTC_ZONE) == []
