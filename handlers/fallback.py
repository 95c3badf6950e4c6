"""Replies to what no other handler took: unknown commands, /cancel and stale buttons.

Registered after every other handler, because within a group the first match wins.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from handlers.common import CurrentUser, reply, with_user


@with_user()
async def unknown_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Point a known user who typed an unknown command to /help."""
    await reply(update, context, user, user.t("error.unknown_command"))


@with_user()
async def nothing_to_cancel(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Reply to /cancel outside a conversation."""
    await reply(update, context, user, user.t("error.nothing_to_cancel"))


@with_user()
async def stale_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Reply to a press of a button whose conversation has ended, changing nothing."""
    await update.callback_query.answer(user.t("error.stale_button"), show_alert=False)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("cancel", nothing_to_cancel))
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    application.add_handler(CallbackQueryHandler(stale_button))
