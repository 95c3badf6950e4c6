"""Reply to commands that no other handler took; registered after every other handler."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from handlers.common import CurrentUser, reply, with_user


@with_user()
async def unknown_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Point a known user who typed an unknown command to /help."""
    await reply(update, context, user, user.t("error.unknown_command"))


def register(application: Application) -> None:
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
