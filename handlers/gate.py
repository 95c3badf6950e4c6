"""Checks that every update passes before any feature handler: chat type, edits, repeats.

Registered in the first group. An update it stops goes to no other handler.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from crm_core.i18n import normalize_language, translate
from handlers.common import get_services
from storage.db import insert_if_absent
from storage.models import ProcessedUpdate

logger = logging.getLogger(__name__)

GATE_GROUP = -100


async def check_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop edits, updates from group chats and redelivered updates; let the rest through.

    Edits are ignored, because applying an edited /log line would log the contact again.
    Group and channel chats get a short pointer to the private chat, because replies there
    would show customer data to everyone in the group.
    """
    if update.edited_message is not None or update.edited_channel_post is not None:
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        await _point_to_private_chat(update, context)
        raise ApplicationHandlerStop

    services = get_services(context)
    async with services.sessions() as session, session.begin():
        first_time = await _record_update(session, update.update_id, services.clock())
    if not first_time:
        logger.info("dropped redelivered update %s", update.update_id)
        raise ApplicationHandlerStop


async def _record_update(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Insert the update id; return False when it was already there."""
    return await insert_if_absent(
        session, ProcessedUpdate, ["update_id"], update_id=update_id, received_at=now
    )


async def _point_to_private_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    language = normalize_language(user.language_code if user else None)
    text = translate(language, "access.private_only")
    if update.callback_query is not None:
        await update.callback_query.answer(text)
        return
    message = update.effective_message
    # The bot ignores plain group messages; only commands get the pointer.
    if message is not None and message.text and message.text.startswith("/"):
        await context.bot.send_message(
            chat_id=message.chat_id, text=text, parse_mode=ParseMode.HTML
        )


async def delete_old_updates(session: AsyncSession, before: datetime) -> int:
    """Delete processed update ids received before ``before``; return how many."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.received_at < before)
    )
    return result.rowcount


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, check_update), group=GATE_GROUP)
