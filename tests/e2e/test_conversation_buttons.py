"""Buttons of a stored conversation: a second tap or an earlier step's button does nothing."""

from __future__ import annotations

from sqlalchemy import select

from crm_core.model import Role
from storage.models import Contact
from tests.helpers.updates import TgUser

ANN = TgUser(2, "Ann")


async def last_contact(harness) -> Contact:
    async with harness.services.sessions() as session:
        return (await session.scalars(select(Contact).order_by(Contact.id.desc()))).first()


async def test_double_tap_skips_one_step(harness):
    await harness.enrol(ANN, Role.REP)
    await harness.send(ANN, "/log Acme note first")
    await harness.press(ANN, 1)
    await harness.send(ANN, "/log Acme")
    await harness.press(ANN, 1)  # kind: call
    await harness.send(ANN, "talked")
    amount_question = harness.last_to(ANN)
    await harness.press(ANN, 1, amount_question)  # Skip the amount

    second_tap = await harness.press(ANN, 1, amount_question)
    second_answer = harness.transport.callback_answers[-1]
    await harness.send(ANN, "4")  # the satisfaction
    await harness.press(ANN, 1)  # Skip the next step

    contact = await last_contact(harness)
    assert second_tap == []
    assert second_answer["text"].startswith("This button has expired")
    assert contact.summary == "talked"
    assert contact.satisfaction == 4


async def test_button_of_earlier_conversation_ignored(harness):
    await harness.enrol(ANN, Role.REP)
    for name in ("Acme", "Beta"):
        await harness.send(ANN, f"/log {name} note first")
        await harness.press(ANN, 1)
    await harness.send(ANN, "/log Acme")
    kind_question_for_acme = harness.last_to(ANN)
    await harness.send(ANN, "/cancel")
    await harness.send(ANN, "/log Beta")
    beta_question = harness.last_to(ANN)

    replies = await harness.press(ANN, 1, kind_question_for_acme)  # "Call" under Acme's
    after = await harness.press(ANN, 1, beta_question)

    assert replies == []
    assert "What happened" in after[-1].plain
    assert "Beta" in beta_question.plain
