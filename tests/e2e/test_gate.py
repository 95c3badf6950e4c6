"""The gate before every handler: group chats, edited messages and redelivered updates."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm_core.model import Role
from storage.models import Contact, ProcessedUpdate, User
from tests.helpers.updates import TgUser, message_update

pytestmark = pytest.mark.harness_settings(daily_analysis=False)

MIA = TgUser(201, "Mia")
ANN = TgUser(101, "Ann")
GROUP_ID = -100123


def group_message(harness, user: TgUser, text: str) -> dict:
    command = text.split(maxsplit=1)[0]
    return {
        "update_id": harness.transport.next_update_id(),
        "message": {
            "message_id": harness.transport.next_message_id(),
            "date": int(time.time()),
            "chat": {"id": GROUP_ID, "type": "supergroup", "title": "Sales floor"},
            "from": user.to_json(),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


async def contact_count(harness) -> int:
    async with harness.services.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Contact))


async def test_group_command_keeps_pushes_private(harness):
    await harness.enrol(MIA, Role.MANAGER)
    await harness.enrol(ANN, Role.REP, team_of=MIA)
    await harness.send(ANN, "/log Secret Corp call private talk 5000")
    await harness.press(ANN, 1)

    await harness.feed(group_message(harness, ANN, "/help"))
    harness.clock.advance(timedelta(days=30))
    sent = await harness.tick()

    async with harness.services.sessions() as session:
        chat_id = (await session.get(User, ANN.id)).chat_id
    assert chat_id == ANN.id
    assert [m.chat_id for m in sent if m.plain.startswith("🔔")] == [ANN.id]


async def test_group_command_gets_pointer_only(harness):
    await harness.enrol(ANN, Role.REP)
    await harness.send(ANN, "/log Secret Corp call private talk")
    await harness.press(ANN, 1)
    before = len(harness.sent)

    await harness.feed(group_message(harness, ANN, "/customer Secret Corp"))

    [pointer] = harness.sent[before:]
    assert pointer.chat_id == GROUP_ID
    assert "only work in a private chat" in pointer.plain
    assert "Secret" not in pointer.plain


async def test_edited_log_line_logs_nothing(harness):
    await harness.enrol(ANN, Role.REP)
    await harness.send(ANN, "/log Acme note first")
    await harness.press(ANN, 1)
    original = message_update(harness.transport, ANN, "/log Acme call hello")
    await harness.feed(original)
    edited = {
        "update_id": harness.transport.next_update_id(),
        "edited_message": dict(original["message"], text="/log Acme call hello again"),
    }
    before = len(harness.sent)

    await harness.feed(edited)

    assert harness.sent[before:] == []
    assert await contact_count(harness) == 2


async def test_redelivered_update_replies_once(harness):
    await harness.enrol(ANN, Role.REP)
    await harness.send(ANN, "/log Acme note first")
    await harness.press(ANN, 1)
    update = message_update(harness.transport, ANN, "/log Acme call once 100")
    await harness.feed(update)
    sent_after_first = len(harness.sent)

    await harness.feed(update)

    assert len(harness.sent) == sent_after_first
    assert await contact_count(harness) == 2


async def test_redelivered_step_moves_one_step(harness):
    await harness.enrol(ANN, Role.REP)
    await harness.send(ANN, "/log Acme note first")
    await harness.press(ANN, 1)
    await harness.send(ANN, "/log Acme")
    await harness.press(ANN, 1)  # kind: call
    await harness.send(ANN, "talked")
    amount = message_update(harness.transport, ANN, "5")
    await harness.feed(amount)
    await harness.feed(amount)  # the same update again

    await harness.press(ANN, len(harness.last_to(ANN).buttons))  # Skip satisfaction
    await harness.press(ANN, 1)  # Skip next step

    async with harness.services.sessions() as session:
        contact = (await session.scalars(select(Contact).order_by(Contact.id.desc()))).first()
    assert contact.summary == "talked"
    assert float(contact.amount) == 5.0
    assert contact.satisfaction is None


async def test_old_update_ids_deleted_daily(harness):
    await harness.enrol(ANN, Role.REP)
    await harness.send(ANN, "/help")
    harness.clock.advance(timedelta(days=3))
    await harness.send(ANN, "/help")

    await harness.tick()

    async with harness.services.sessions() as session:
        remaining = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
    assert remaining == 1
