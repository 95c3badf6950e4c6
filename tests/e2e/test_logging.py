"""Logging contacts end to end: the guided /log conversation and the one-line form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm_core.model import Role
from storage.models import Contact, ConversationState, Customer, FollowUp
from tests.helpers.updates import TgUser

# The harness clock starts on Monday 2026-03-02 10:00 UTC.
ANN = TgUser(2, "Ann")
BO = TgUser(3, "Bo")


async def contacts_of(harness, name: str) -> list[Contact]:
    async with harness.services.sessions() as session:
        rows = await session.scalars(
            select(Contact)
            .join(Customer, Customer.id == Contact.customer_id)
            .where(Customer.name == name)
            .order_by(Contact.id)
        )
        return list(rows)


async def pending_followups(harness, name: str) -> list[FollowUp]:
    async with harness.services.sessions() as session:
        rows = await session.scalars(
            select(FollowUp)
            .join(Customer, Customer.id == FollowUp.customer_id)
            .where(Customer.name == name, FollowUp.status == "pending")
        )
        return list(rows)


async def add_customer(harness, user: TgUser, name: str) -> None:
    """Create a customer through the bot, by logging a first note for it."""
    await harness.send(user, f"/log {name} note first")
    await harness.press(user, 1)


async def test_one_line_unknown_customer_created(harness):
    await harness.enrol(ANN, Role.REP)

    asked = await harness.send(ANN, "/log Acme Ltd call discussed renewal 5000 next friday")
    saved = await harness.press(ANN, 1)

    assert asked[0].plain == "No customer is called Acme Ltd. Create it, or type the name again."
    assert [button["text"] for button in asked[0].buttons] == [
        "Create “Acme Ltd”",
        "Type again",
        "Cancel",
    ]
    assert saved[0].plain == "New customer Acme Ltd created."
    assert saved[1].plain.split("\n") == [
        "Logged: call with Acme Ltd on Mon 2026-03-02.",
        "Stage: acquisition (no purchase yet, last contact on 2026-03-02)",
        "Next follow-up: Fri 2026-03-06 09:00",
    ]
    [contact] = await contacts_of(harness, "Acme Ltd")
    assert contact.summary == "discussed renewal"
    assert contact.amount == Decimal("5000.00")
    [followup] = await pending_followups(harness, "Acme Ltd")
    assert followup.due_at == datetime(2026, 3, 6, 9, 0, tzinfo=UTC)


async def test_one_line_exact_match_saves(harness):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme Ltd")

    replies = await harness.send(ANN, "/log acme LTD purchase 2 licences $1,200.50 sat 5")

    assert len(replies) == 1
    assert replies[0].plain.startswith("Logged: purchase with Acme Ltd on Mon 2026-03-02.")
    contact = (await contacts_of(harness, "Acme Ltd"))[-1]
    assert contact.kind == "purchase"
    assert contact.summary == "2 licences"
    assert contact.amount == Decimal("1200.50")
    assert contact.satisfaction == 5


async def test_one_line_near_match(harness):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme Ltd")

    asked = await harness.send(ANN, "/log acme ltdd call hello")
    saved = await harness.press(ANN, 1)

    assert asked[0].plain == "No customer is called acme ltdd. Did you mean one of these?"
    assert asked[0].buttons[0]["text"] == "Acme Ltd"
    assert asked[0].buttons[0]["callback_data"].startswith("log:pick:")
    assert saved[0].plain.startswith("Logged: call with Acme Ltd")
    assert [c.summary for c in await contacts_of(harness, "Acme Ltd")] == ["first", "hello"]


async def test_one_line_redelivered_once(harness):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme Ltd")

    first = await harness.send(ANN, "/log Acme Ltd call renewal tomorrow", message_id=500)
    second = await harness.send(ANN, "/log Acme Ltd call renewal tomorrow", message_id=500)

    assert len(await contacts_of(harness, "Acme Ltd")) == 2  # the first note and this call
    assert [message.text for message in second] == [message.text for message in first]
    assert "Next follow-up: Tue 2026-03-03 09:00" in first[0].plain
    assert len(await pending_followups(harness, "Acme Ltd")) == 1


async def test_one_line_invalid_amount(harness):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme Ltd")

    replies = await harness.send(ANN, "/log Acme Ltd call renewal 10.555")

    assert len(replies) == 1
    assert replies[0].plain.startswith("“10.555” is not a valid amount.")
    assert "\nNothing was saved.\n" in replies[0].plain
    assert "/log Acme Ltd call discussed renewal" in replies[0].plain
    assert len(await contacts_of(harness, "Acme Ltd")) == 1


async def test_one_line_decimal_satisfaction_rejected(harness):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme")

    replies = await harness.send(ANN, "/log Acme call happy client sat 4.5")

    assert len(replies) == 1
    assert replies[0].plain.startswith(
        "Satisfaction must be a whole number from 1 to 5, not 4.5.\nNothing was saved."
    )
    assert len(await contacts_of(harness, "Acme")) == 1


@pytest.mark.parametrize(
    ("line", "score"),
    [
        pytest.param("4.5/5", "4.5", id="fraction-of-five"),
        pytest.param("满意度4.5", "4.5", id="chinese"),
        pytest.param("sat 0", "0", id="zero"),
        pytest.param("sat 6", "6", id="six"),
        pytest.param("sat -1", "-1", id="negative"),
    ],
)
async def test_one_line_satisfaction_forms_rejected(harness, line, score):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme")

    replies = await harness.send(ANN, f"/log Acme call hi {line}")

    assert len(replies) == 1
    assert replies[0].plain.startswith(
        f"Satisfaction must be a whole number from 1 to 5, not {score}."
    )
    [contact] = await contacts_of(harness, "Acme")
    assert contact.amount is None


@pytest.mark.parametrize(
    "phrase",
    [
        pytest.param("in 99999999 days", id="days-overflow"),
        pytest.param("in 99999 months", id="months-past-year-9999"),
        pytest.param("9999-12-31", id="year-9999"),
    ],
)
async def test_one_line_far_date_rejected(harness, phrase):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme")
    [followup_before] = await pending_followups(harness, "Acme")

    replies = await harness.send(ANN, f"/log Acme call hi {phrase}")

    # The harness clock is 2026-03-02, so the latest next step date is 2036-03-02.
    assert len(replies) == 1
    assert replies[0].plain.startswith(
        f"The next step date “{phrase}” is out of range. Give a date from today to 2036-03-02."
    )
    assert len(await contacts_of(harness, "Acme")) == 1
    [followup_after] = await pending_followups(harness, "Acme")
    assert followup_after.id == followup_before.id
    assert followup_after.due_at == followup_before.due_at


async def test_one_line_far_date_in_chinese(harness):
    await harness.enrol(ANN, Role.REP, language="zh")
    await add_customer(harness, ANN, "Acme")

    replies = await harness.send(ANN, "/log Acme 电话 你好 9999年12月31日")

    assert len(replies) == 1
    assert replies[0].plain.startswith(
        "下一步日期“9999年12月31日”超出范围。请填写今天到 2036-03-02 之间的日期。"
    )
    assert len(await contacts_of(harness, "Acme")) == 1


async def test_guided_far_date_asks_again(harness):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme")
    await harness.send(ANN, "/log Acme")
    await harness.press(ANN, 1)  # call
    await harness.send(ANN, "talked")
    await harness.press(ANN, 1)  # skip amount
    await harness.press(ANN, 6)  # skip satisfaction

    far = await harness.send(ANN, "send quote 9999-12-31")
    saved = await harness.send(ANN, "send quote 2036-03-02")

    assert far[0].plain == (
        "The next step date “9999-12-31” is out of range. Give a date from today to "
        "2036-03-02.\nTry again, or send /cancel to stop."
    )
    assert saved[0].plain.split("\n")[-1] == "Next follow-up: Sun 2036-03-02 09:00"
    assert len(await contacts_of(harness, "Acme")) == 2


async def test_this_friday_on_friday_morning(harness):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme")
    harness.clock.set(datetime(2026, 3, 6, 8, 0, tzinfo=UTC))  # Friday, before 09:00

    replies = await harness.send(ANN, "/log Acme call hi this friday")

    assert replies[0].plain.split("\n")[-1] == "Next follow-up: Fri 2026-03-06 09:00"


async def test_this_friday_on_friday_after_nine(harness):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme")
    harness.clock.advance(timedelta(days=4))  # Friday 2026-03-06 10:00 UTC

    replies = await harness.send(ANN, "/log Acme call hi this friday")

    assert replies[0].plain.split("\n")[-1] == "Next follow-up: Fri 2026-03-13 09:00"
    [followup] = await pending_followups(harness, "Acme")
    assert followup.due_at == datetime(2026, 3, 13, 9, 0, tzinfo=UTC)


async def test_guided_log(harness):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme Ltd")

    steps = [
        await harness.send(ANN, "/log"),
        await harness.send(ANN, "acme ltd"),
        await harness.press(ANN, 1),  # call
        await harness.send(ANN, "discussed renewal"),
        await harness.send(ANN, "5k"),
        await harness.press(ANN, 4),  # satisfaction 4
        await harness.send(ANN, "send quote tomorrow"),
    ]

    texts = [step[0].plain for step in steps]
    assert texts[0] == "Which customer? Type the name. Send /cancel to stop."
    assert texts[1] == "What kind of contact with Acme Ltd?"
    assert texts[2] == "What happened? Write a short summary."
    assert texts[3].startswith("Amount?")
    assert texts[4].startswith("How satisfied is the customer")
    assert texts[5].startswith("Next step?")
    assert texts[6].split("\n")[0] == "Logged: call with Acme Ltd on Mon 2026-03-02."
    assert texts[6].split("\n")[-1] == "Next follow-up: Tue 2026-03-03 09:00"
    contact = (await contacts_of(harness, "Acme Ltd"))[-1]
    assert (contact.kind, contact.summary) == ("call", "discussed renewal")
    assert contact.amount == Decimal("5000.00")
    assert contact.satisfaction == 4
    assert contact.next_step == "send quote"
    [followup] = await pending_followups(harness, "Acme Ltd")
    assert followup.note == "send quote"


async def test_guided_log_skips(harness):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme Ltd")

    await harness.send(ANN, "/log Acme Ltd")
    await harness.press(ANN, 2)  # visit
    await harness.send(ANN, "lunch")
    await harness.press(ANN, 1)  # skip amount
    await harness.press(ANN, 6)  # skip satisfaction
    saved = await harness.press(ANN, 1)  # skip next step

    # Acquisition, tier C, casual buyer: 14 days x 1.5 = 21 days after Monday 2026-03-02.
    assert saved[0].plain.split("\n")[-1] == "Next follow-up: Mon 2026-03-23 09:00"
    contact = (await contacts_of(harness, "Acme Ltd"))[-1]
    assert contact.kind == "visit"
    assert contact.amount is None
    assert contact.satisfaction is None


async def test_guided_invalid_input_asks_again(harness):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme Ltd")
    await harness.send(ANN, "/log Acme Ltd")
    await harness.press(ANN, 1)
    await harness.send(ANN, "talked")

    bad_amount = await harness.send(ANN, "lots")
    good_amount = await harness.send(ANN, "300")
    bad_score = await harness.send(ANN, "7")
    good_score = await harness.send(ANN, "sat 3")
    bad_date = await harness.send(ANN, "someday")
    saved = await harness.send(ANN, "in 3 days")

    assert bad_amount[0].plain.startswith("“lots” is not a valid amount.")
    assert bad_amount[0].plain.endswith("Try again, or send /cancel to stop.")
    assert good_amount[0].plain.startswith("How satisfied")
    assert bad_score[0].plain.startswith("Satisfaction must be a whole number from 1 to 5, not 7.")
    assert good_score[0].plain.startswith("Next step?")
    assert bad_date[0].plain.startswith("“someday” is not a date I can read.")
    assert saved[0].plain.split("\n")[-1] == "Next follow-up: Thu 2026-03-05 09:00"


async def test_guided_cancel(harness):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme Ltd")
    await harness.send(ANN, "/log Acme Ltd")

    cancelled = await harness.send(ANN, "/cancel")
    after = await harness.send(ANN, "/cancel")

    assert cancelled[0].plain == "Logging cancelled. Nothing was saved."
    assert after[0].plain != cancelled[0].plain
    assert len(await contacts_of(harness, "Acme Ltd")) == 1
    async with harness.services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConversationState)) == 0


async def test_guided_unknown_type_again(harness):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme Ltd")
    await harness.send(ANN, "/log")
    await harness.send(ANN, "Zeta Corp")

    retyped = await harness.press(ANN, 2)  # type again
    chosen = await harness.send(ANN, "Acme Ltd")

    assert retyped[0].plain == "Type the customer name again."
    assert chosen[0].plain == "What kind of contact with Acme Ltd?"


async def test_guided_survives_restart(harness):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme Ltd")
    await harness.send(ANN, "/log Acme Ltd")
    await harness.press(ANN, 1)

    await harness.restart()
    replies = await harness.send(ANN, "talked after restart")

    assert replies[0].plain.startswith("Amount?")


async def test_html_name_round_trips(harness):
    await harness.enrol(ANN, Role.REP)

    asked = await harness.send(ANN, "/log <b>& Co visit x")
    saved = await harness.press(ANN, 1)
    card = await harness.send(ANN, "/customer <b>& co")

    assert "<b>&lt;b&gt;&amp; Co</b>" in asked[0].text
    assert asked[0].buttons[0]["text"] == "Create “<b>& Co”"
    assert saved[1].text.startswith("Logged: visit with <b>&lt;b&gt;&amp; Co</b>")
    assert card[0].text.startswith("<b>&lt;b&gt;&amp; Co</b>\n")
    assert card[0].plain.startswith("<b>& Co\n")
    async with harness.services.sessions() as session:
        names = list(await session.scalars(select(Customer.name)))
    assert names == ["<b>& Co"]


async def test_chinese_one_line(harness):
    await harness.enrol(ANN, Role.REP, language="zh", timezone_name="Asia/Shanghai")

    await harness.send(ANN, "/log 阿里巴巴 电话 讨论续约 5000 满意度4 下周五")
    saved = await harness.press(ANN, 1)

    # Monday 2026-03-02 18:00 in Shanghai; Friday of next week is 2026-03-13.
    assert saved[1].plain.split("\n")[0] == "已记录：2026-03-02（周一） 与 阿里巴巴 的电话。"
    assert saved[1].plain.split("\n")[-1] == "下次跟进：2026-03-13（周五）09:00"


async def test_rep_cannot_pick_other_reps_customer(harness):
    await harness.enrol(ANN, Role.REP)
    await harness.enrol(BO, Role.REP, team_of=ANN)
    await add_customer(harness, BO, "Beta GmbH")
    async with harness.services.sessions() as session:
        beta_id = await session.scalar(select(Customer.id).where(Customer.name == "Beta GmbH"))
    asked = await harness.send(ANN, "/log Beta GmbH call hi")

    forged = await harness.press_data(ANN, asked[0], f"log:pick:{beta_id}")

    assert asked[0].plain.startswith("No customer is called Beta GmbH.")
    assert forged[0].plain == "That customer is not among yours. Start again with /log."
    assert len(await contacts_of(harness, "Beta GmbH")) == 1


async def test_name_taken_in_team(harness):
    await harness.enrol(ANN, Role.REP)
    await harness.enrol(BO, Role.REP, team_of=ANN)
    await add_customer(harness, BO, "Beta GmbH")

    await harness.send(ANN, "/log beta gmbh call hi")
    replies = await harness.press(ANN, 1)

    assert replies[0].plain.startswith("Your team already has a customer called beta gmbh")


async def test_callback_data_fits(harness):
    await harness.enrol(ANN, Role.REP)
    long_name = "Z" * 190

    asked = await harness.send(ANN, f"/log {long_name} call hi")

    for message in harness.sent:
        for button in message.buttons:
            assert len(button["callback_data"].encode()) <= 64
    assert asked[0].buttons[0]["callback_data"] == "log:new"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("log:kind:bogus", id="unknown-kind"),
        pytest.param("log:kind:", id="empty-kind"),
        pytest.param("log:sat:9", id="score-nine"),
        pytest.param("log:pick:1", id="pick-in-other-step"),
    ],
)
async def test_forged_kind_step_button_stale(harness, data):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme")
    asked = await harness.send(ANN, "/log Acme")

    forged = await harness.press_data(ANN, asked[0], data)
    stale_answer = harness.transport.callback_answers[-1]["text"]
    chosen = await harness.press(ANN, 1, asked[0])  # call

    assert forged == []
    assert stale_answer == "This button has expired. Start again with the command."
    assert chosen[0].plain == "What happened? Write a short summary."


@pytest.mark.parametrize(
    "customer_id",
    [
        pytest.param("9" * 40, id="forty-digits"),
        pytest.param("2147483648", id="past-32-bits"),
        pytest.param("0", id="zero"),
        pytest.param("-1", id="negative"),
    ],
)
async def test_forged_pick_button_stale(harness, customer_id):
    await harness.enrol(ANN, Role.REP)
    await add_customer(harness, ANN, "Acme Ltd")
    asked = await harness.send(ANN, "/log acme ltdd call hello")

    forged = await harness.press_data(ANN, asked[0], f"log:pick:{customer_id}")
    stale_answer = harness.transport.callback_answers[-1]["text"]
    picked = await harness.press(ANN, 1, asked[0])

    assert forged == []
    assert stale_answer == "This button has expired. Start again with the command."
    assert picked[0].plain.startswith("Logged: call with Acme Ltd")


@pytest.fixture(params=["sqlite", "postgresql"])
def either_harness(request):
    """The harness on SQLite, then on PostgreSQL, whose Numeric columns enforce their size."""
    return request.getfixturevalue("harness" if request.param == "sqlite" else "harness_pg")


async def test_purchase_past_revenue_limit_rejected(either_harness):
    harness = either_harness
    rep = TgUser(2, "Ann")
    await harness.enrol(rep, Role.REP)
    await harness.send(rep, "/log Acme purchase first order 600000000000")
    await harness.press(rep, 1)  # create Acme

    replies = await harness.send(rep, "/log Acme purchase second order 600000000000")

    async with harness.services.sessions() as session:
        amounts = list(await session.scalars(select(Contact.amount).order_by(Contact.id)))
    assert "would bring the customer's purchase amounts to 1,200,000,000,000.00" in (
        replies[-1].plain
    )
    assert "Nothing was saved" in replies[-1].plain
    assert amounts == [Decimal("600000000000.00")]
