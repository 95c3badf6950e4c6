"""Stage and level set by hand, and level upgrades, end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm_core.model import Role
from storage.models import Customer, FollowUp, StageChange
from tests.helpers.updates import TgUser

# The harness clock starts on Monday 2026-03-02 10:00 UTC.
MIA = TgUser(5, "Mia")
ANN = TgUser(2, "Ann")
BO = TgUser(3, "Bo")
LI = TgUser(6, "Li", language_code="zh")

STAGE_BUTTONS = ["acquisition", "growth", "maturity", "decline", "terminated", "Automatic"]
LEVEL_BUTTONS = ["casual buyer", "customer", "client", "partner", "Automatic"]


async def team(harness) -> None:
    """Mia manages Ann, Bo and Li. Li reads Chinese."""
    await harness.enrol(MIA, Role.MANAGER)
    await harness.enrol(ANN, Role.REP, team_of=MIA)
    await harness.enrol(BO, Role.REP, team_of=MIA)
    await harness.enrol(LI, Role.REP, team_of=MIA, language="zh")


async def add_customer(harness, user: TgUser, name: str, line: str = "call first call") -> None:
    await harness.send(user, f"/log {name} {line}")
    await harness.press(user, 1)


async def customer_row(harness, name: str) -> Customer:
    async with harness.services.sessions() as session:
        return await session.scalar(select(Customer).where(Customer.name == name))


async def stage_changes(harness, customer_id: int) -> list[StageChange]:
    async with harness.services.sessions() as session:
        rows = await session.scalars(
            select(StageChange)
            .where(StageChange.customer_id == customer_id)
            .order_by(StageChange.id)
        )
        return list(rows)


def button_texts(message) -> list[str]:
    return [button["text"] for button in message.buttons]


async def test_card_has_override_buttons(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")

    card = (await harness.send(ANN, "/customer Acme Ltd"))[0]

    assert button_texts(card) == ["Set stage", "Set level"]
    assert all(len(button["callback_data"].encode()) <= 64 for button in card.buttons)


async def test_stage_set_by_button(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")
    card = (await harness.send(ANN, "/customer Acme Ltd"))[0]

    prompt = (await harness.press(ANN, 1, card))[0]
    # Decline is the fourth choice.
    done = (await harness.press(ANN, 4, prompt))[0]

    assert prompt.plain == (
        "Choose the stage of Acme Ltd. It is now acquisition; the history shows acquisition. "
        "Automatic follows the history."
    )
    assert button_texts(prompt) == STAGE_BUTTONS
    lines = done.plain.split("\n")
    assert lines[0] == "Stage of Acme Ltd set by hand to decline."
    assert lines[2] == "Acme Ltd"
    assert "Stage set by hand by Ann on Mon 2026-03-02." in lines
    assert any(line.startswith("Stage: decline (stage set by hand to decline") for line in lines)
    assert button_texts(done) == ["Set stage", "Set level"]


async def test_stage_set_records_stage_change(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")

    await harness.send(ANN, "/stage Acme Ltd decline")

    customer = await customer_row(harness, "Acme Ltd")
    [change] = await stage_changes(harness, customer.id)
    assert customer.stage_override == "decline"
    assert customer.stage_override_by == ANN.id
    assert customer.stage_override_at == harness.clock()
    assert change.from_stage == "acquisition"
    assert change.to_stage == "decline"
    assert change.changed_by == ANN.id


async def test_stage_set_by_command_shown_on_card(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")
    harness.clock.advance(timedelta(days=1))

    await harness.send(ANN, "/stage Acme Ltd growth")
    harness.clock.advance(timedelta(days=2))
    card = (await harness.send(ANN, "/customer Acme Ltd"))[0].plain.split("\n")

    assert "Stage set by hand by Ann on Tue 2026-03-03." in card
    # Growth, tier C: 30 days, casual buyer factor 1.5: 45 days after the contact on
    # Monday 2026-03-02 is Thursday 2026-04-16, at 09:00 in Ann's zone (UTC).
    assert "Next follow-up: Thu 2026-04-16 09:00" in card


async def test_stage_change_reschedules_followup(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")

    await harness.send(ANN, "/stage Acme Ltd maturity")

    async with harness.services.sessions() as session:
        due = await session.scalars(select(FollowUp.due_at).where(FollowUp.status == "pending"))
        pending = list(due)
    # Before: acquisition, tier C, 14 days x 1.5 (casual buyer) = 21 days. After: maturity,
    # tier C, 60 days x 1.5 = 90 days after Monday 2026-03-02, so Sunday 2026-05-31.
    assert pending == [datetime(2026, 5, 31, 9, 0, tzinfo=UTC)]


async def test_stage_cleared_by_automatic(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")
    await harness.send(ANN, "/stage Acme Ltd maturity")
    card = harness.last_to(ANN)

    prompt = (await harness.press(ANN, 1, card))[0]
    # Automatic is the sixth choice.
    done = (await harness.press(ANN, 6, prompt))[0]

    lines = done.plain.split("\n")
    customer = await customer_row(harness, "Acme Ltd")
    changes = await stage_changes(harness, customer.id)
    assert prompt.plain.startswith("Choose the stage of Acme Ltd. It is now maturity;")
    assert lines[0] == "Stage of Acme Ltd follows the history again: acquisition."
    assert not any(line.startswith("Stage set by hand") for line in lines)
    assert customer.stage == "acquisition"
    assert customer.stage_override is None
    assert customer.stage_override_by is None
    assert [(change.to_stage, change.changed_by) for change in changes] == [
        ("maturity", ANN.id),
        ("acquisition", ANN.id),
    ]


async def test_automatic_by_command(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")
    await harness.send(ANN, "/level Acme Ltd partner")

    replies = await harness.send(ANN, "/level Acme Ltd automatic")

    customer = await customer_row(harness, "Acme Ltd")
    assert replies[0].plain.startswith(
        "Relationship level of Acme Ltd follows the history again: casual buyer."
    )
    assert customer.level == "casual_buyer"
    assert customer.level_set_by is None


async def test_level_set_by_button(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")
    card = (await harness.send(ANN, "/customer Acme Ltd"))[0]

    prompt = (await harness.press(ANN, 2, card))[0]
    # Client is the third choice.
    done = (await harness.press(ANN, 3, prompt))[0]

    lines = done.plain.split("\n")
    customer = await customer_row(harness, "Acme Ltd")
    assert prompt.plain.startswith(
        "Choose the relationship level of Acme Ltd. It is now casual buyer; the history "
        "suggests casual buyer."
    )
    assert button_texts(prompt) == LEVEL_BUTTONS
    assert lines[0] == "Relationship level of Acme Ltd set by hand to client."
    assert "Level: client" in lines
    assert "Level set by hand by Ann on Mon 2026-03-02." in lines
    assert customer.level == "client"
    assert customer.level_set_by == ANN.id
    assert customer.level_set_at == harness.clock()


async def test_level_multiword_by_command(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")
    await harness.send(ANN, "/level Acme Ltd partner")

    await harness.send(ANN, "/level Acme Ltd casual buyer")

    customer = await customer_row(harness, "Acme Ltd")
    assert customer.level == "casual_buyer"
    assert customer.level_set_by == ANN.id


async def test_manager_sets_reps_customer(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")

    await harness.send(MIA, "/level Acme Ltd partner")
    card = (await harness.send(ANN, "/customer Acme Ltd"))[0].plain.split("\n")

    assert "Level: partner" in card
    assert "Level set by hand by Mia on Mon 2026-03-02." in card


async def test_rep_cannot_set_other_reps_customer(harness):
    await team(harness)
    await add_customer(harness, BO, "Beta GmbH")

    replies = await harness.send(ANN, "/stage Beta GmbH decline")

    customer = await customer_row(harness, "Beta GmbH")
    assert replies[0].plain.startswith("None of your customers is called Beta GmbH.")
    assert customer.stage_override is None
    assert await stage_changes(harness, customer.id) == []


async def test_rep_cannot_press_other_reps_buttons(harness):
    await team(harness)
    await add_customer(harness, BO, "Beta GmbH")
    await add_customer(harness, ANN, "Acme Ltd")
    beta = await customer_row(harness, "Beta GmbH")
    own_card = (await harness.send(ANN, "/customer Acme Ltd"))[0]

    menu = await harness.press_data(ANN, own_card, f"cs:menu:stage:{beta.id}")
    stage = await harness.press_data(ANN, own_card, f"cs:stage:{beta.id}:decline")
    level = await harness.press_data(ANN, own_card, f"cs:level:{beta.id}:partner")
    upgrade = await harness.press_data(ANN, own_card, f"cs:up:{beta.id}:partner")

    after = await customer_row(harness, "Beta GmbH")
    assert menu[0].plain == "That customer is not among yours any more."
    assert stage[0].plain == "That customer is not among yours any more."
    assert level[0].plain == "That customer is not among yours any more."
    assert upgrade[0].plain == "That customer is not among yours any more."
    assert after.stage_override is None
    assert after.level_set_by is None
    assert await stage_changes(harness, beta.id) == []


STALE_BUTTON = "This button has expired. Start again with the command."
FORTY_DIGITS = "9" * 40


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("cs:menu:bogus:{id}", id="menu-unknown-field"),
        pytest.param(f"cs:menu:stage:{FORTY_DIGITS}", id="menu-forty-digits"),
        pytest.param("cs:menu:level:2147483648", id="menu-past-32-bits"),
        pytest.param("cs:menu:stage:0", id="menu-zero"),
        pytest.param("cs:menu:stage:{id}:x", id="menu-extra-field"),
        pytest.param("cs:stage:{id}:bogus", id="set-unknown-stage"),
        pytest.param("cs:level:{id}:decline", id="set-stage-as-level"),
        pytest.param(f"cs:stage:{FORTY_DIGITS}:decline", id="set-forty-digits"),
        pytest.param("cs:stage:-{id}:decline", id="set-negative"),
        pytest.param("cs:stage:{id}", id="set-missing-value"),
        pytest.param("cs:up:{id}:bogus", id="upgrade-unknown-level"),
        pytest.param(f"cs:up:{FORTY_DIGITS}:partner", id="upgrade-forty-digits"),
        pytest.param("cs:up:0:partner", id="upgrade-zero"),
        pytest.param("cs:bogus:{id}", id="unknown-action"),
    ],
)
async def test_forged_override_button_stale(harness, template):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")
    acme = await customer_row(harness, "Acme Ltd")
    card = (await harness.send(ANN, "/customer Acme Ltd"))[0]
    data = template.replace("{id}", str(acme.id))

    forged = await harness.press_data(ANN, card, data)

    after = await customer_row(harness, "Acme Ltd")
    assert forged == []
    assert harness.transport.callback_answers[-1]["text"] == STALE_BUTTON
    assert after.stage_override is None
    assert after.level_set_by is None
    assert await stage_changes(harness, acme.id) == []


async def test_bad_stage_word_changes_nothing(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")

    replies = await harness.send(ANN, "/stage Acme Ltd <sleeping>")

    customer = await customer_row(harness, "Acme Ltd")
    assert replies[0].text.startswith("<b>&lt;sleeping&gt;</b> is not a stage")
    assert replies[0].plain == (
        "<sleeping> is not a stage, so nothing was changed. Send /stage NAME STAGE with one "
        "of: acquisition, growth, maturity, decline, terminated, automatic."
    )
    assert customer.stage_override is None
    assert customer.stage == "acquisition"
    assert await stage_changes(harness, customer.id) == []


async def test_bad_level_word_changes_nothing(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")

    replies = await harness.send(ANN, "/level Acme Ltd decline")

    customer = await customer_row(harness, "Acme Ltd")
    assert replies[0].plain.startswith("decline is not a relationship level")
    assert customer.level_set_by is None


async def test_stage_usage_without_arguments(harness):
    await team(harness)

    replies = await harness.send(ANN, "/stage")

    assert replies[0].plain.startswith("Send /stage NAME STAGE to set a customer's stage")


async def test_near_match_offers_button(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd")

    offer = (await harness.send(ANN, "/stage acme decline"))[0]
    unchanged = await customer_row(harness, "Acme Ltd")
    done = (await harness.press(ANN, 1, offer))[0]

    changed = await customer_row(harness, "Acme Ltd")
    assert offer.plain == (
        "acme does not name exactly one of your customers. Set the stage to decline for which one?"
    )
    assert button_texts(offer) == ["Acme Ltd"]
    assert unchanged.stage_override is None
    assert done.plain.startswith("Stage of Acme Ltd set by hand to decline.")
    assert changed.stage_override == "decline"


async def test_upgrade_suggested_after_log(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd", "purchase first order 100")
    await harness.send(ANN, "/level Acme Ltd casual buyer")
    harness.clock.advance(timedelta(days=2))

    confirmation = (await harness.send(ANN, "/log Acme Ltd purchase second order 80"))[0]

    assert confirmation.plain.split("\n")[-1] == (
        "Upgrade suggested: customer — repeat buyer (purchase days: 2)"
    )
    assert button_texts(confirmation) == ["Upgrade to customer"]


async def test_upgrade_shown_on_card_and_pressed(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd", "purchase first order 100")
    await harness.send(ANN, "/level Acme Ltd casual buyer")
    harness.clock.advance(timedelta(days=2))
    await harness.send(ANN, "/log Acme Ltd purchase second order 80")

    card = (await harness.send(ANN, "/customer Acme Ltd"))[0]
    # The upgrade button is the third, below Set stage and Set level.
    done = (await harness.press(ANN, 3, card))[0]

    card_lines = card.plain.split("\n")
    done_lines = done.plain.split("\n")
    customer = await customer_row(harness, "Acme Ltd")
    assert card_lines[2] == "Level: casual buyer"
    assert card_lines[3] == "Level set by hand by Ann on Mon 2026-03-02."
    assert card_lines[4] == "Upgrade suggested: customer — repeat buyer (purchase days: 2)"
    assert button_texts(card) == ["Set stage", "Set level", "Upgrade to customer"]
    assert done_lines[0] == "Relationship level of Acme Ltd set by hand to customer."
    assert "Level set by hand by Ann on Wed 2026-03-04." in done_lines
    assert not any(line.startswith("Upgrade suggested") for line in done_lines)
    assert button_texts(done) == ["Set stage", "Set level"]
    assert customer.level == "customer"
    assert customer.level_set_by == ANN.id


async def test_late_upgrade_press_never_downgrades(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd", "purchase first order 100")
    await harness.send(ANN, "/level Acme Ltd casual buyer")
    harness.clock.advance(timedelta(days=2))
    confirmation = (await harness.send(ANN, "/log Acme Ltd purchase second order 80"))[0]
    await harness.send(MIA, "/level Acme Ltd partner")

    late = (await harness.press(ANN, 1, confirmation))[0]

    customer = await customer_row(harness, "Acme Ltd")
    assert late.plain.split("\n")[0] == (
        "Relationship level of Acme Ltd is already partner, so nothing was changed."
    )
    assert customer.level == "partner"
    assert customer.level_set_by == MIA.id


async def test_no_downgrade_suggested(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd", "purchase first order 100")
    await harness.send(ANN, "/level Acme Ltd partner")

    confirmation = (await harness.send(ANN, "/log Acme Ltd call thanks for the order"))[0]
    card = (await harness.send(ANN, "/customer Acme Ltd"))[0]

    assert "Upgrade suggested" not in confirmation.plain
    assert confirmation.buttons == []
    assert "Upgrade suggested" not in card.plain
    assert button_texts(card) == ["Set stage", "Set level"]


async def test_automatic_level_has_no_upgrade(harness):
    await team(harness)
    await add_customer(harness, ANN, "Acme Ltd", "purchase first order 100")
    harness.clock.advance(timedelta(days=2))

    confirmation = (await harness.send(ANN, "/log Acme Ltd purchase second order 80"))[0]
    card = (await harness.send(ANN, "/customer Acme Ltd"))[0].plain.split("\n")

    # An automatic level follows the history, so it is already the deeper level.
    assert "Upgrade suggested" not in confirmation.plain
    assert card[2] == "Level: customer — repeat buyer (purchase days: 2)"


async def test_chinese_words_for_chinese_user(harness):
    await team(harness)
    await add_customer(harness, LI, "阿里巴巴")

    stage = (await harness.send(LI, "/stage 阿里巴巴 衰退期"))[0]
    level = (await harness.send(LI, "/level 阿里巴巴 客户"))[0]

    customer = await customer_row(harness, "阿里巴巴")
    assert stage.plain.split("\n")[0] == "已将 阿里巴巴 的阶段手动设为衰退期。"
    assert "阶段由 Li 于 2026-03-02（周一） 手动设置。" in stage.plain.split("\n")
    assert button_texts(stage) == ["设置阶段", "设置关系层级"]
    assert level.plain.split("\n")[0] == "已将 阿里巴巴 的关系层级手动设为客户。"
    assert customer.stage_override == "decline"
    assert customer.level == "client"
    assert customer.level_set_by == LI.id


async def test_chinese_bad_word_rejected(harness):
    await team(harness)
    await add_customer(harness, LI, "阿里巴巴")

    replies = await harness.send(LI, "/stage 阿里巴巴 睡眠期")

    customer = await customer_row(harness, "阿里巴巴")
    assert replies[0].plain == (
        "睡眠期 不是有效的阶段，未做任何更改。请发送 /stage 客户名称 阶段，"
        "阶段可选：获取期、成长期、成熟期、衰退期、终止期、自动。"
    )
    assert customer.stage_override is None
