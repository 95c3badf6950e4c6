"""A local Bot API transport: the bot runs unchanged with no Telegram server.

``LocalTransport`` is a python-telegram-bot ``BaseRequest``. It serves the Bot API methods
the bot calls, checks what Telegram would reject (HTML that does not parse, text over 4096
UTF-16 units, callback data over 64 bytes) and records every message the bot sends. Tests
and the console read ``sent``; updates come in through ``push_update`` and ``getUpdates``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time as time_module
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from telegram.request import BaseRequest, RequestData

from crm_core.text import CALLBACK_DATA_LIMIT, MESSAGE_LIMIT, utf16_len

BOT_USER = {
    "id": 7_000_000_001,
    "is_bot": True,
    "first_name": "Sales CRM",
    "username": "sales_crm_local_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

# Tags Telegram accepts in HTML parse mode.
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}


# A "<" that does not open a tag, or an "&" that does not open an entity.
_BARE_MARKUP = re.compile(
    r"<(?!/?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?>)|&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[a-zA-Z]+;)"
)


class EntityParseError(ValueError):
    """Raised for HTML that Telegram would reject with "can't parse entities"."""


class _TelegramHtmlChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.plain: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise EntityParseError(f"unsupported start tag {tag!r}")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise EntityParseError(f"unexpected end tag {tag!r}")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.plain.append(data)


def html_to_plain(text: str) -> str:
    """Return the text Telegram would show for HTML ``text``.

    Raises:
        EntityParseError: the HTML has an unknown or unbalanced tag, or a bare ``<``.
    """
    for match in _BARE_MARKUP.finditer(text):
        raise EntityParseError(f"unescaped {match.group(0)[0]!r} at offset {match.start()}")
    checker = _TelegramHtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise EntityParseError(f"unclosed tag {checker.stack[-1]!r}")
    return "".join(checker.plain)


@dataclass
class SentMessage:
    """One message as the bot sent or last edited it."""

    chat_id: int
    message_id: int
    text: str
    plain: str
    reply_markup: dict[str, Any] | None
    method: str
    edits: int = 0

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Inline buttons in reading order (row by row)."""
        if not self.reply_markup:
            return []
        return [button for row in self.reply_markup.get("inline_keyboard", []) for button in row]


@dataclass
class _Failure:
    status: int
    description: str
    times: int
    retry_after: int | None = None
    # Sends that still succeed before the failures start.
    after: int = 0


class LocalTransport(BaseRequest):
    """Offline Bot API endpoint that serves calls in process; see the module docstring."""

    def __init__(self) -> None:
        self.sent: list[SentMessage] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.callback_answers: list[dict[str, Any]] = []
        # Ids start at the current time in microseconds, so a new transport on the same
        # database (a second console run) never reuses an update id or message id. Reuse
        # would matter, because the bot drops repeated update ids and keys logged contacts
        # by chat and message id.
        start = time_module.time_ns() // 1000
        self._message_ids = itertools.count(start)
        self._update_ids = itertools.count(start)
        self._updates: asyncio.Queue[dict[str, Any]] | None = None
        self._failures: dict[int, _Failure] = {}
        self._messages: dict[tuple[int, int], SentMessage] = {}

    # -- switches for tests ---------------------------------------------------------------

    def fail_chat(
        self,
        chat_id: int,
        *,
        blocked: bool = False,
        retry_after: int | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Make ``times`` sends to ``chat_id`` fail as Telegram would, after ``after`` succeed.

        ``blocked`` responds with 403 (the user blocked the bot). ``retry_after`` responds
        with 429 and that many seconds to wait.
        """
        if blocked:
            failure = _Failure(403, "Forbidden: bot was blocked by the user", times, after=after)
        else:
            failure = _Failure(
                429, "Too Many Requests: retry later", times, retry_after or 1, after
            )
        self._failures[chat_id] = failure

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def next_message_id(self) -> int:
        """Return a message id for an incoming message; ids are unique across all chats."""
        return next(self._message_ids)

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for ``getUpdates`` (polling through this transport)."""
        self._queue().put_nowait(update)

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        return [message for message in self.sent if message.chat_id == chat_id]

    # -- BaseRequest ----------------------------------------------------------------------

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = None,
        write_timeout: object = None,
        connect_timeout: object = None,
        pool_timeout: object = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        parameters = dict(request_data.parameters) if request_data else {}
        self.calls.append((api_method, parameters))
        try:
            result = await self._answer(api_method, parameters)
        except _ApiError as error:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            return error.status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # -- the methods ----------------------------------------------------------------------

    async def _answer(self, api_method: str, parameters: dict[str, Any]) -> Any:
        if api_method == "getMe":
            return BOT_USER
        if api_method in ("deleteWebhook", "setMyCommands", "setWebhook", "close", "logOut"):
            return True
        if api_method == "getUpdates":
            return await self._get_updates(parameters)
        if api_method == "sendChatAction":
            return True
        if api_method == "answerCallbackQuery":
            self.callback_answers.append(parameters)
            return True
        if api_method == "sendMessage":
            return self._send_message(parameters)
        if api_method in ("editMessageText", "editMessageReplyMarkup"):
            return self._edit_message(api_method, parameters)
        if api_method == "deleteMessage":
            key = (int(parameters["chat_id"]), int(parameters["message_id"]))
            return self._messages.pop(key, None) is not None
        raise _ApiError(400, f"Bad Request: method {api_method} is not served by LocalTransport")

    def _check_failure(self, chat_id: int) -> None:
        failure = self._failures.get(chat_id)
        if failure is None:
            return
        if failure.after > 0:
            failure.after -= 1
            return
        failure.times -= 1
        if failure.times <= 0:
            del self._failures[chat_id]
        raise _ApiError(failure.status, failure.description, failure.retry_after)

    def _send_message(self, parameters: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(parameters["chat_id"])
        self._check_failure(chat_id)
        text = str(parameters["text"])
        plain = self._checked_plain(text, parameters.get("parse_mode"))
        markup = self._checked_markup(parameters.get("reply_markup"))
        message = SentMessage(
            chat_id=chat_id,
            message_id=next(self._message_ids),
            text=text,
            plain=plain,
            reply_markup=markup,
            method="sendMessage",
        )
        self.sent.append(message)
        self._messages[(chat_id, message.message_id)] = message
        return self._message_json(message)

    def _edit_message(self, api_method: str, parameters: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(parameters["chat_id"])
        key = (chat_id, int(parameters["message_id"]))
        message = self._messages.get(key)
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if api_method == "editMessageText":
            text = str(parameters["text"])
            message.plain = self._checked_plain(text, parameters.get("parse_mode"))
            message.text = text
        message.reply_markup = self._checked_markup(parameters.get("reply_markup"))
        message.edits += 1
        return self._message_json(message)

    @staticmethod
    def _checked_plain(text: str, parse_mode: object) -> str:
        if parse_mode == "HTML":
            try:
                plain = html_to_plain(text)
            except EntityParseError as error:
                raise _ApiError(400, f"Bad Request: can't parse entities: {error}") from error
        else:
            plain = text
        if not plain.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if utf16_len(plain) > MESSAGE_LIMIT:
            raise _ApiError(400, "Bad Request: message is too long")
        return plain

    @staticmethod
    def _checked_markup(markup: object) -> dict[str, Any] | None:
        if markup is None:
            return None
        parsed = json.loads(markup) if isinstance(markup, str) else markup
        for row in parsed.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return parsed

    @staticmethod
    def _message_json(message: SentMessage) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time_module.time()),
            "chat": {"id": message.chat_id, "type": "private"},
            "from": BOT_USER,
            "text": message.plain,
        }
        if message.reply_markup:
            payload["reply_markup"] = message.reply_markup
        return payload

    def _queue(self) -> asyncio.Queue[dict[str, Any]]:
        if self._updates is None:
            self._updates = asyncio.Queue()
        return self._updates

    async def _get_updates(self, parameters: dict[str, Any]) -> list[dict[str, Any]]:
        queue = self._queue()
        timeout = float(parameters.get("timeout") or 0)
        updates: list[dict[str, Any]] = []
        try:
            updates.append(await asyncio.wait_for(queue.get(), timeout=max(timeout, 0.05)))
        except TimeoutError:
            return []
        while not queue.empty():
            updates.append(queue.get_nowait())
        return updates


class _ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
