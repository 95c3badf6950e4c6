"""Outgoing pushes (reminders, digests) through a rate limiter.

Telegram allows a bot about 30 messages per second overall and about one per second to a
single chat, with short bursts above that ("My bot is hitting limits", Telegram Bot
Support, https://telegra.ph/Hitting-limits-bot-FAQ). ``RateLimiter`` spaces sends to
stay under both, and a 429 response (``RetryAfter``) pauses every send for the time
Telegram requests. ``push`` sends one text to one user. A user who blocked the bot
(``Forbidden``) is marked inactive, and the caller moves on to the other users.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from crm_core.text import split_message
from handlers.common import get_services
from storage.users import mark_inactive

logger = logging.getLogger(__name__)


class RateLimiter:
    """Spaces outgoing messages: an overall rate and a minimum interval per chat.

    Args:
        messages_per_second: Overall sends per second, over all chats.
        per_chat_interval: Minimum seconds between two sends to the same chat.
        max_retries: How many times one message is sent again after a 429 response.
        clock: Monotonic clock in seconds.
        sleep: Coroutine function that waits the given seconds.
    """

    def __init__(
        self,
        messages_per_second: float = 30.0,
        per_chat_interval: float = 1.0,
        *,
        max_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if messages_per_second <= 0:
            raise ValueError(f"messages_per_second must be above 0, got {messages_per_second}")
        if per_chat_interval < 0:
            raise ValueError(f"per_chat_interval must be 0 or more, got {per_chat_interval}")
        self.overall_interval = 1.0 / messages_per_second
        self.per_chat_interval = per_chat_interval
        self.max_retries = max_retries
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._next_overall = 0.0
        self._paused_until = 0.0
        self._next_for_chat: dict[int, float] = {}

    async def wait_turn(self, chat_id: int) -> None:
        """Wait until a message to ``chat_id`` may go out, and book that moment."""
        async with self._lock:
            now = self._clock()
            chat_start = max(now, self._next_for_chat.get(chat_id, 0.0))
            self._next_for_chat[chat_id] = chat_start + self.per_chat_interval
            self._forget_idle_chats(now)
        await self._sleep(chat_start - now)

        async with self._lock:
            now = self._clock()
            start = max(now, self._next_overall, self._paused_until)
            self._next_overall = start + self.overall_interval
            # The overall queue may have delayed this send past its chat slot.
            booked = self._next_for_chat.get(chat_id, 0.0)
            self._next_for_chat[chat_id] = max(booked, start + self.per_chat_interval)
        await self._sleep(start - now)

    def pause(self, seconds: float) -> None:
        """Hold every send for ``seconds``, as Telegram requests after a 429 response."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def send_message(
        self,
        bot: Bot,
        chat_id: int,
        text: str,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> Message:
        """Send one HTML message in turn, retrying after ``RetryAfter`` up to ``max_retries``.

        Raises:
            RetryAfter: Telegram still asked to wait after the last retry.
            TelegramError: Any other failure, unchanged (``Forbidden`` when the user
                blocked the bot).
        """
        attempt = 0
        while True:
            await self.wait_turn(chat_id)
            try:
                return await bot.send_message(
                    chat_id=chat_id,
                    text=text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=reply_markup,
                )
            except RetryAfter as error:
                attempt += 1
                seconds = retry_after_seconds(error)
                if attempt > self.max_retries:
                    raise
                logger.warning(
                    "flood control on chat %s: retry %d of %d in %.0f s",
                    chat_id,
                    attempt,
                    self.max_retries,
                    seconds,
                )
                self.pause(seconds)

    def _forget_idle_chats(self, now: float) -> None:
        if len(self._next_for_chat) > 10_000:
            self._next_for_chat = {
                chat: moment for chat, moment in self._next_for_chat.items() if moment > now
            }


def retry_after_seconds(error: RetryAfter) -> float:
    """Return the wait in seconds that a ``RetryAfter`` requests.

    python-telegram-bot 22.2 and later return an int or a timedelta depending on the
    ``PTB_TIMEDELTA`` environment variable, and warn about the int form.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


class DeliveryStatus(StrEnum):
    """Outcome of a push."""

    SENT = "sent"
    # The user blocked the bot; they are now marked inactive.
    BLOCKED = "blocked"
    # Telegram rejected the message itself; sending it again would fail again.
    REJECTED = "rejected"
    # A network error or exhausted flood-control retries; a later attempt may work.
    RETRY = "retry"


@dataclass(frozen=True)
class PushResult:
    """Outcome of one push and the last message it sent."""

    status: DeliveryStatus
    # The last message sent, when the status is SENT.
    message: Message | None = None


def get_limiter(application_or_context: Any) -> RateLimiter:
    """Return the process's rate limiter from the services, creating it on first use."""
    services = get_services(application_or_context)
    if services.limiter is None:
        services.limiter = RateLimiter()
    return services.limiter


async def push(
    application_or_context: Any,
    *,
    user_id: int,
    chat_id: int,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> PushResult:
    """Send ``text`` to one user, split under Telegram's limit, with the keyboard on the last part.

    Failures are returned, not raised, so one user's problem never stops the others.
    """
    # NOTE: when a long text fails after its first parts went out, a retry of the whole
    # push sends those parts again.
    limiter = get_limiter(application_or_context)
    bot = application_or_context.bot
    parts = split_message(text)
    message = None
    try:
        for index, part in enumerate(parts):
            markup = reply_markup if index == len(parts) - 1 else None
            message = await limiter.send_message(bot, chat_id, part, markup)
    except Forbidden as error:
        logger.info("user %s blocked the bot (%s); marking them inactive", user_id, error)
        services = get_services(application_or_context)
        async with services.sessions() as session, session.begin():
            await mark_inactive(session, user_id)
        return PushResult(DeliveryStatus.BLOCKED)
    except RetryAfter as error:
        logger.warning("push to user %s still rate limited: %s", user_id, error)
        return PushResult(DeliveryStatus.RETRY)
    except BadRequest as error:
        logger.error("Telegram rejected the push to user %s: %s", user_id, error)
        return PushResult(DeliveryStatus.REJECTED)
    except NetworkError as error:
        logger.warning("push to user %s failed, will retry: %s", user_id, error)
        return PushResult(DeliveryStatus.RETRY)
    except TelegramError as error:
        logger.error("push to user %s failed: %s", user_id, error)
        return PushResult(DeliveryStatus.REJECTED)
    return PushResult(DeliveryStatus.SENT, message)
