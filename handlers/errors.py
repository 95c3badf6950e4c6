"""The one global error handler: log with the traceback, tell the user something short."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from crm_core.i18n import normalize_language, translate
from handlers.common import get_services
from storage.models import User

logger = logging.getLogger(__name__)


async def handle_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error and, when it came from a user's update, tell that user in their language.

    Raises ApplicationHandlerStop at the end, so that no handler of a later group also
    replies to the update that failed (the catch-all would add "unknown command").
    """
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return

    language = await _language_of(update, context)
    try:
        await context.bot.send_message(
            chat_id=update.effective_chat.id,
            text=translate(language, "error.internal"),
            parse_mode=ParseMode.HTML,
        )
    except TelegramError:
        logger.exception("could not tell chat %s about the error", update.effective_chat.id)
    raise ApplicationHandlerStop


async def _language_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    telegram_user = update.effective_user
    if telegram_user is None:
        return normalize_language(None)
    try:
        services = get_services(context)
        async with services.sessions() as session:
            row = await session.get(User, telegram_user.id)
    except Exception:  # noqa: BLE001 - the database may be the very thing that failed
        logger.warning("could not read the language of user %s", telegram_user.id)
        row = None
    if row is not None:
        return row.language
    return normalize_language(telegram_user.language_code)
