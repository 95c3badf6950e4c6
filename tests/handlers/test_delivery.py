"""Rate limiter pacing, RetryAfter and Forbidden handling, through the local transport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.error import RetryAfter

from console.transport import LocalTransport
from crm_core.model import Role
from handlers.delivery import DeliveryStatus, RateLimiter, push
from handlers.reminders import reminder_keyboard
from storage.models import User
from tests.helpers.updates import TgUser

CHAT = 4242
ANN = TgUser(101, "Ann", "en")
BOB = TgUser(102, "Bob", "en")


class VirtualTime:
    """Clock and sleep for the limiter that advance only when the limiter waits."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


@pytest.fixture
async def bot() -> AsyncIterator[tuple[Bot, LocalTransport]]:
    transport = LocalTransport()
    bot = Bot("1:local-test", request=transport, get_updates_request=transport)
    await bot.initialize()
    yield bot, transport
    await bot.shutdown()


async def turns(limiter: RateLimiter, time: VirtualTime, chats: list[int]) -> list[float]:
    """Book a turn for each chat in order and return the moment each was granted."""
    granted = []
    for chat in chats:
        await limiter.wait_turn(chat)
        granted.append(time.now)
    return granted


async def test_limiter_spaces_one_chat() -> None:
    time = VirtualTime()
    limiter = RateLimiter(30.0, 1.0, clock=time.clock, sleep=time.sleep)

    granted = await turns(limiter, time, [CHAT, CHAT, CHAT])

    assert granted == pytest.approx([0.0, 1.0, 2.0])


async def test_limiter_overall_rate() -> None:
    # Two messages per second overall and one per second per chat. Chats 1, 2, 3 go at
    # 0, 0.5 and 1.0 (overall spacing). Chat 1 again: its own slot is 1.0, the overall
    # slot 1.5, so 1.5.
    time = VirtualTime()
    limiter = RateLimiter(2.0, 1.0, clock=time.clock, sleep=time.sleep)

    granted = await turns(limiter, time, [1, 2, 3, 1])

    assert granted == pytest.approx([0.0, 0.5, 1.0, 1.5])


async def test_limiter_pause_holds_all_chats() -> None:
    time = VirtualTime()
    limiter = RateLimiter(30.0, 1.0, clock=time.clock, sleep=time.sleep)

    limiter.pause(5.0)
    granted = await turns(limiter, time, [7])

    assert granted == pytest.approx([5.0])


def test_limiter_rejects_zero_rate() -> None:
    with pytest.raises(ValueError, match="messages_per_second"):
        RateLimiter(0.0)


async def test_retry_after_is_retried(bot) -> None:
    telegram_bot, transport = bot
    time = VirtualTime()
    limiter = RateLimiter(30.0, 1.0, clock=time.clock, sleep=time.sleep)
    transport.fail_chat(CHAT, retry_after=7, times=1)

    message = await limiter.send_message(telegram_bot, CHAT, "<b>hello</b>")

    attempts = [params for method, params in transport.calls if method == "sendMessage"]
    assert len(attempts) == 2
    assert [sent.plain for sent in transport.messages_to(CHAT)] == ["hello"]
    assert message.message_id == transport.messages_to(CHAT)[0].message_id
    # The retry waited the 7 seconds that Telegram asked for.
    assert time.now == pytest.approx(7.0)


async def test_retry_after_gives_up(bot) -> None:
    telegram_bot, transport = bot
    time = VirtualTime()
    limiter = RateLimiter(30.0, 1.0, max_retries=2, clock=time.clock, sleep=time.sleep)
    transport.fail_chat(CHAT, retry_after=3, times=5)

    with pytest.raises(RetryAfter):
        await limiter.send_message(telegram_bot, CHAT, "hello")

    attempts = [params for method, params in transport.calls if method == "sendMessage"]
    assert len(attempts) == 3
    assert transport.messages_to(CHAT) == []


async def test_push_sends_with_keyboard_last(harness) -> None:
    await harness.enrol(ANN, Role.REP)
    text = "\n".join(f"line {index} " + "x" * 90 for index in range(60))

    keyboard = reminder_keyboard(5, "en")

    result = await push(
        harness.app, user_id=ANN.id, chat_id=ANN.id, text=text, reply_markup=keyboard
    )

    messages = harness.messages_to(ANN)
    assert result.status is DeliveryStatus.SENT
    # 60 lines of about 100 characters are about 6,000: two messages.
    assert len(messages) == 2
    assert messages[0].buttons == []
    assert [button["callback_data"] for button in messages[1].buttons] == [
        "fu:done:5",
        "fu:day:5",
        "fu:week:5",
    ]
    assert result.message.message_id == messages[1].message_id


async def test_push_blocked_marks_inactive(harness) -> None:
    await harness.enrol(ANN, Role.REP)
    await harness.enrol(BOB, Role.REP, team_of=ANN)
    harness.transport.fail_chat(ANN.id, blocked=True)

    blocked = await push(harness.app, user_id=ANN.id, chat_id=ANN.id, text="hi Ann")
    delivered = await push(harness.app, user_id=BOB.id, chat_id=BOB.id, text="hi Bob")

    async with harness.services.sessions() as session:
        active = dict((await session.execute(select(User.id, User.active))).all())
    assert blocked.status is DeliveryStatus.BLOCKED
    assert delivered.status is DeliveryStatus.SENT
    assert active == {ANN.id: False, BOB.id: True}
    assert harness.messages_to(ANN) == []
    assert [message.plain for message in harness.messages_to(BOB)] == ["hi Bob"]


async def test_push_retry_after_through_transport(harness) -> None:
    # The harness limiter waits for real here: Telegram's smallest wait is 1 second.
    await harness.enrol(ANN, Role.REP)
    harness.transport.fail_chat(ANN.id, retry_after=1, times=1)

    result = await push(harness.app, user_id=ANN.id, chat_id=ANN.id, text="hi Ann")

    assert result.status is DeliveryStatus.SENT
    assert [message.plain for message in harness.messages_to(ANN)] == ["hi Ann"]


async def test_push_rejected_html(harness) -> None:
    await harness.enrol(ANN, Role.REP)

    result = await push(harness.app, user_id=ANN.id, chat_id=ANN.id, text="<unknown>x</unknown>")

    assert result.status is DeliveryStatus.REJECTED
    assert harness.messages_to(ANN) == []
