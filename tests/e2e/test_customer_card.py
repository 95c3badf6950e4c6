"""The customer card (/customer) and the follow-up list (/today) end to end."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from crm_core.model import Role
from storage.models import Customer
from tests.helpers.updates import TgUser

# The harness clock starts on Monday 2026-03-02 10:00 UTC.
MIA = TgUser(5, "Mia")
ANN = TgUser(2, "Ann")
BO = TgUser(3, "Bo")
OLA = TgUser(4, "Ola")


async def add_customer(harness, user: TgUser, name: str, line: str = "note first") -> None:
    await harness.send(user, f"/log {name} {line}")
    await harness.press(user, 1)


async def set_value(harness, name: str, tier: str, revenue: str) -> None:
    """Store a tier and revenue as a full analysis of the book would."""
    async with harness.services.sessions() as session, session.begin():
        await session.execute(
            update(Customer)
            .where(Customer.name == name)
            .values(tier=tier, revenue=Decimal(revenue))
        )


async def team(harness) -> None:
    """Mia manages Ann and Bo; Ola is a rep in another team."""
    await harness.enrol(MIA, Role.MANAGER)
    await harness.enrol(ANN, Role.REP, team_of=MIA)
    await harness.enrol(BO, Role.REP, team_of=MIA)
    await harness.enrol(OLA, Role.REP)


async def test_card_content(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd", "purchase initial batch 1000 sat 4")
    harness.clock.advance(timedelta(days=1))
    await harness.send(ANN, "/log Acme Ltd call follow-up on delivery")
    harness.clock.advance(timedelta(days=1))
    await harness.send(ANN, "/log Acme Ltd visit demo of <new> line")
    harness.clock.advance(timedelta(days=1))
    await harness.send(ANN, "/log Acme Ltd email sent quote next monday")

    card = (await harness.send(ANN, "/customer acme ltd"))[0].plain.split("\n")

    assert card[0] == "Acme Ltd"
    assert card[1] == "Owner: Ann"
    assert card[2].startswith("Level: ")
    assert card[3].startswith("Stage: ")
    assert "(" in card[3]
    assert "Value: tier C, revenue 1,000.00" in card
    assert card.index("Last contacts") < card.index("• Thu 2026-03-05, email by Ann: sent quote")
    assert "• Wed 2026-03-04, visit by Ann: demo of <new> line" in card
    assert "• Tue 2026-03-03, call by Ann: follow-up on delivery" in card
    assert not any("initial batch" in line for line in card)
    # Next Monday after Thursday 2026-03-05 is 2026-03-09, at 09:00 in Ann's zone (UTC).
    assert "Next follow-up: Mon 2026-03-09 09:00" in card
    assert card[-1].startswith("Suggested approach: ")


async def test_card_several_matches_buttons(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")
    await add_customer(harness, ANN, "Acme Corporation")

    asked = await harness.send(ANN, "/customer acme")
    card = await harness.press(ANN, 2)

    assert asked[0].plain == "Several customers match acme. Which one?"
    assert [button["text"] for button in asked[0].buttons] == ["Acme Corporation", "Acme Ltd"]
    assert card[0].plain.startswith("Acme Ltd\n")


async def test_card_single_near_match(harness):
    await team(harness)
    await add_customer(harness, ANN, "Globex")

    card = await harness.send(ANN, "/customer globx")

    assert card[0].plain.startswith("Globex\n")


async def test_card_not_found(harness):
    await team(harness)

    replies = await harness.send(ANN, "/customer <i>Nobody</i>")

    assert replies[0].text.startswith("None of your customers is called <b>&lt;i&gt;Nobody")


async def test_card_usage(harness):
    await team(harness)

    replies = await harness.send(ANN, "/customer")

    assert replies[0].plain.startswith("Send /customer NAME")


async def test_rep_cannot_see_other_reps_customer(harness):
    await team(harness)
    await add_customer(harness, BO, "Beta GmbH")

    replies = await harness.send(ANN, "/customer Beta GmbH")

    assert replies[0].plain.startswith("None of your customers is called Beta GmbH.")


async def test_rep_cannot_open_card_by_button(harness):
    await team(harness)
    await add_customer(harness, BO, "Beta GmbH")
    await add_customer(harness, ANN, "Acme Ltd")
    async with harness.services.sessions() as session:
        beta_id = await session.scalar(
            Customer.__table__.select()
            .with_only_columns(Customer.id)
            .where(Customer.name == "Beta GmbH")
        )
    own_card = (await harness.send(ANN, "/customer Acme Ltd"))[0]

    forged = await harness.press_data(ANN, own_card, f"card:{beta_id}")

    assert forged[0].plain == "That customer is not among yours any more."


STALE_BUTTON = "This button has expired. Start again with the command."


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("card:" + "9" * 40, id="forty-digits"),
        pytest.param("card:2147483648", id="past-32-bits"),
        pytest.param("card:0", id="zero"),
        pytest.param("card:-1", id="negative"),
        pytest.param("card:1:2", id="extra-field"),
        pytest.param("card:", id="empty"),
    ],
)
async def test_forged_card_button_stale(harness, data):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")
    own_card = (await harness.send(ANN, "/customer Acme Ltd"))[0]

    forged = await harness.press_data(ANN, own_card, data)

    assert forged == []
    assert harness.transport.callback_answers[-1]["text"] == STALE_BUTTON


async def test_forged_card_id_stale_on_postgresql(harness_pg):
    # Customer ids are 32-bit INTEGER columns on PostgreSQL, so asyncpg rejects a larger id.
    await team(harness_pg)
    await add_customer(harness_pg, ANN, "Acme Ltd")
    own_card = (await harness_pg.send(ANN, "/customer Acme Ltd"))[0]

    forged = await harness_pg.press_data(ANN, own_card, "card:2147483648")

    assert forged == []
    assert harness_pg.transport.callback_answers[-1]["text"] == STALE_BUTTON


async def test_manager_sees_team_customers(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")
    await add_customer(harness, BO, "Beta GmbH")
    await add_customer(harness, OLA, "Omega")

    acme = await harness.send(MIA, "/customer Acme Ltd")
    beta = await harness.send(MIA, "/customer Beta GmbH")
    omega = await harness.send(MIA, "/customer Omega")

    assert acme[0].plain.startswith("Acme Ltd\nOwner: Ann")
    assert beta[0].plain.startswith("Beta GmbH\nOwner: Bo")
    assert omega[0].plain.startswith("None of your customers is called Omega.")


async def test_today_most_valuable_first(harness):
    await team(harness)
    await add_customer(harness, ANN, "Small Co", "call hi today")
    await add_customer(harness, ANN, "Big Co", "call hi today")
    await add_customer(harness, ANN, "Middle Co", "call hi today")
    await add_customer(harness, ANN, "Next Week Co", "call hi next week")
    await add_customer(harness, ANN, "Overdue Co", "call hi tomorrow")
    # Two days later: the follow-ups due on Monday and Tuesday are all overdue.
    harness.clock.advance(timedelta(days=2))
    await harness.send(ANN, "/log Small Co call again today")
    await set_value(harness, "Small Co", "C", "100")
    await set_value(harness, "Big Co", "A", "9000")
    await set_value(harness, "Middle Co", "B", "900")
    await set_value(harness, "Next Week Co", "A", "99999")
    await set_value(harness, "Overdue Co", "C", "50")

    listing = (await harness.send(ANN, "/today"))[0]

    assert listing.plain.split("\n") == [
        "Follow-ups for Wed 2026-03-04",
        "1. Big Co, tier A, acquisition. Overdue since Mon 2026-03-02",
        "2. Middle Co, tier B, acquisition. Overdue since Mon 2026-03-02",
        "3. Small Co, tier C, acquisition. Due 09:00",
        "4. Overdue Co, tier C, acquisition. Overdue since Tue 2026-03-03",
    ]
    assert [button["text"] for button in listing.buttons] == [
        "Big Co",
        "Middle Co",
        "Small Co",
        "Overdue Co",
    ]


async def test_today_button_opens_card(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd", "call hi today")

    await harness.send(ANN, "/today")
    card = await harness.press(ANN, 1)

    assert card[0].plain.startswith("Acme Ltd\nOwner: Ann")


async def test_today_only_own_followups(harness):
    await team(harness)
    await add_customer(harness, BO, "Beta GmbH", "call hi today")

    listing = await harness.send(ANN, "/today")

    assert listing[0].plain == (
        "Follow-ups for Mon 2026-03-02\nNo follow-ups are due today or overdue."
    )
