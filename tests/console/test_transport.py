"""The local Bot API transport rejects what Telegram would reject."""

from __future__ import annotations

import json

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter

from console.transport import EntityParseError, LocalTransport, html_to_plain


@pytest.fixture
async def bot():
    transport = LocalTransport()
    bot = Bot("1:test", request=transport, get_updates_request=transport)
    async with bot:
        yield bot, transport


async def test_send_message_is_recorded(bot):
    client, transport = bot

    message = await client.send_message(5, "<b>Hi</b> &amp; bye", parse_mode=ParseMode.HTML)

    assert message.text == "Hi & bye"
    assert transport.sent[0].text == "<b>Hi</b> &amp; bye"
    assert transport.sent[0].chat_id == 5


async def test_unescaped_html_is_rejected(bot):
    client, transport = bot

    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await client.send_message(5, "Tom & <Jerry>", parse_mode=ParseMode.HTML)
    assert transport.sent == []


async def test_too_long_text_is_rejected(bot):
    client, _ = bot

    with pytest.raises(BadRequest, match="too long"):
        await client.send_message(5, "😀" * 2049)  # 4098 UTF-16 units


async def test_long_callback_data_is_rejected(bot):
    client, _ = bot
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])

    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await client.send_message(5, "pick", reply_markup=markup)


async def test_blocked_chat_raises_forbidden_once(bot):
    client, transport = bot
    transport.fail_chat(5, blocked=True)

    with pytest.raises(Forbidden):
        await client.send_message(5, "hello")
    await client.send_message(5, "hello again")

    assert [message.plain for message in transport.sent] == ["hello again"]


async def test_rate_limited_chat_raises_retry_after(bot):
    client, transport = bot
    transport.fail_chat(5, retry_after=3)

    with pytest.raises(RetryAfter) as caught:
        await client.send_message(5, "hello")

    assert caught.value.retry_after.total_seconds() == 3


async def test_edit_message_text_updates_record(bot):
    client, transport = bot
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Done", callback_data="d")]])
    message = await client.send_message(5, "due", reply_markup=markup)

    await client.edit_message_text("done", chat_id=5, message_id=message.message_id)

    assert transport.sent[0].plain == "done"
    assert transport.sent[0].edits == 1
    assert transport.sent[0].buttons == []


async def test_get_updates_returns_pushed_update(bot):
    client, transport = bot
    transport.push_update(
        {
            "update_id": 7,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 5, "type": "private"},
                "from": {"id": 5, "is_bot": False, "first_name": "A"},
                "text": "hi",
            },
        }
    )

    updates = await client.get_updates(timeout=1)

    assert [update.message.text for update in updates] == ["hi"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a < b", id="bare-less-than"),
        pytest.param("AT&T", id="bare-ampersand"),
        pytest.param("<b>open", id="unclosed"),
        pytest.param("<div>x</div>", id="unsupported-tag"),
        pytest.param("<b><i>x</b></i>", id="crossed-tags"),
    ],
)
def test_html_to_plain_rejects_invalid_html(text):
    with pytest.raises(EntityParseError):
        html_to_plain(text)


def test_calls_are_logged_with_parameters():
    transport = LocalTransport()
    assert json.loads(json.dumps(transport.calls)) == []
