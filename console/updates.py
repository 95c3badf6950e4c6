"""Builders of Update JSON as Telegram sends it, for the console and the tests."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from console.transport import BOT_USER, LocalTransport, SentMessage


@dataclass(frozen=True)
class TgUser:
    """A Telegram user in a private chat with the bot (chat id = user id)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    def chat_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}


def message_update(
    transport: LocalTransport, user: TgUser, text: str, *, message_id: int | None = None
) -> dict[str, Any]:
    """Return a ``message`` update; a leading ``/command`` gets its bot_command entity."""
    message: dict[str, Any] = {
        "message_id": message_id if message_id is not None else transport.next_message_id(),
        "date": int(time.time()),
        "chat": user.chat_json(),
        "from": user.to_json(),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        length = len(command.encode("utf-16-le")) // 2
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": transport.next_update_id(), "message": message}


def callback_update(
    transport: LocalTransport, user: TgUser, message: SentMessage, data: str
) -> dict[str, Any]:
    """Return a ``callback_query`` update for pressing a button with ``data`` on ``message``."""
    update_id = transport.next_update_id()
    bot_message: dict[str, Any] = {
        "message_id": message.message_id,
        "date": int(time.time()),
        "chat": user.chat_json(),
        "from": BOT_USER,
        "text": message.plain,
    }
    if message.reply_markup:
        bot_message["reply_markup"] = message.reply_markup
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": user.to_json(),
            "chat_instance": str(user.id),
            "data": data,
            "message": bot_message,
        },
    }


def last_message_with_buttons(transport: LocalTransport, chat_id: int) -> SentMessage | None:
    for message in reversed(transport.messages_to(chat_id)):
        if message.buttons:
            return message
    return None
