"""Shared parts of every handler: the services, the current user, access checks and replies."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import ContextTypes

from crm_core.cadence import CadenceTable
from crm_core.i18n import normalize_language, translate
from crm_core.model import Role
from crm_core.text import split_message
from settings import Settings
from storage.models import User

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """Shared objects of one bot process, kept in ``application.bot_data["services"]``.

    None of them contains state that another process would need, because the database does.
    """

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    cadence: CadenceTable
    limiter: Any = None


def get_services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data["services"]


@dataclass(frozen=True)
class CurrentUser:
    """The user behind an update, read from the database for this update only."""

    id: int
    chat_id: int
    role: Role
    team_id: int | None
    timezone: ZoneInfo
    language: str
    full_name: str

    @classmethod
    def from_row(cls, row: User) -> CurrentUser:
        return cls(
            id=row.id,
            chat_id=row.chat_id,
            role=Role(row.role),
            team_id=row.team_id,
            timezone=ZoneInfo(row.timezone),
            language=row.language,
            full_name=row.full_name,
        )

    def t(self, key: str, /, **params: object) -> str:
        """Render catalogue message ``key`` in this user's language."""
        return translate(self.language, key, **params)


HandlerResult = TypeVar("HandlerResult")
UserHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, CurrentUser], Awaitable[Any]]


def with_user(*roles: Role) -> Callable[[UserHandler], Callable[..., Awaitable[Any]]]:
    """Load the current user and pass it as the third argument, or reject the update.

    Unknown users get a short refusal and see nothing. With ``roles``, other users get a
    short "not allowed" message. A user who had blocked the bot and writes again is marked
    active, and a changed chat id is stored.
    """

    def decorator(handler: UserHandler) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(handler)
        async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
            telegram_user = update.effective_user
            chat = update.effective_chat
            if telegram_user is None or chat is None:
                return None

            services = get_services(context)
            async with services.sessions() as session, session.begin():
                row = await session.get(User, telegram_user.id)
                # Pushes go to chat_id, so only a private chat may replace it. The gate
                # already stops other chats, and this check keeps that true on its own.
                moved = (
                    chat.type == ChatType.PRIVATE and row is not None and row.chat_id != chat.id
                )
                if row is not None and (not row.active or moved):
                    await session.execute(
                        sql_update(User)
                        .where(User.id == row.id)
                        .values(active=True, chat_id=chat.id if moved else row.chat_id)
                    )
                    row.active = True
                    row.chat_id = chat.id if moved else row.chat_id
                user = CurrentUser.from_row(row) if row is not None else None

            if user is None:
                language = normalize_language(telegram_user.language_code)
                await reply(update, context, language, translate(language, "access.unknown_user"))
                logger.info("rejected update from unknown user %s", telegram_user.id)
                return None
            if roles and user.role not in roles:
                await reply(update, context, user, user.t("access.role_required"))
                return None
            return await handler(update, context, user)

        return wrapper

    return decorator


async def reply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    user_or_language: CurrentUser | str,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Send ``text`` as HTML to the update's chat, split under Telegram's length limit.

    The keyboard goes on the last part. A callback query is answered so the button stops
    spinning. Returns the last message sent.
    """
    del user_or_language  # the text is already rendered; kept so call sites read uniformly
    if update.callback_query is not None:
        await update.callback_query.answer()
    chat = update.effective_chat
    if chat is None:
        return None
    parts = split_message(text)
    message = None
    for index, part in enumerate(parts):
        markup = reply_markup if index == len(parts) - 1 else None
        message = await context.bot.send_message(
            chat_id=chat.id, text=part, parse_mode=ParseMode.HTML, reply_markup=markup
        )
    return message
