"""Done / Snooze 1 day / Snooze 1 week buttons under a follow-up reminder."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from crm_core.i18n import translate
from crm_core.parsing import parse_record_id
from crm_core.reminder import SnoozeLength, format_local
from crm_core.text import MESSAGE_LIMIT, utf16_len
from handlers.common import CurrentUser, get_services, with_user
from storage.followups import PressOutcome, PressResult, mark_done, snooze

logger = logging.getLogger(__name__)

DONE = "done"
ACTIONS = (DONE, SnoozeLength.DAY, SnoozeLength.WEEK)
# Callback data: "fu:<action>:<follow-up id>", at most 20 bytes. The handler takes every
# data with this prefix and answers invalid data as a stale button.
CALLBACK_PREFIX = "fu:"

_ANSWERS = {
    PressOutcome.ALREADY_CLOSED: "reminders.answer.closed",
    PressOutcome.NOT_FOUND: "reminders.answer.not_found",
    PressOutcome.FORBIDDEN: "reminders.answer.forbidden",
}


def callback_data(action: str, followup_id: int) -> str:
    return f"{CALLBACK_PREFIX}{action}:{followup_id}"


def parse_callback_data(data: str | None) -> tuple[str, int] | None:
    """Return the action and follow-up id of ``callback_data`` output, or None if invalid."""
    if data is None or not data.startswith(CALLBACK_PREFIX):
        return None
    action, _, id_text = data.removeprefix(CALLBACK_PREFIX).partition(":")
    followup_id = parse_record_id(id_text)
    if action not in ACTIONS or followup_id is None:
        return None
    return action, followup_id


def reminder_keyboard(followup_id: int, language: str) -> InlineKeyboardMarkup:
    """Return the buttons of a reminder: Done on the first row, the two snoozes below."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    translate(language, "reminders.button.done"),
                    callback_data=callback_data(DONE, followup_id),
                )
            ],
            [
                InlineKeyboardButton(
                    translate(language, "reminders.button.snooze_day"),
                    callback_data=callback_data(SnoozeLength.DAY, followup_id),
                ),
                InlineKeyboardButton(
                    translate(language, "reminders.button.snooze_week"),
                    callback_data=callback_data(SnoozeLength.WEEK, followup_id),
                ),
            ],
        ]
    )


@with_user()
async def press_reminder_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Close or snooze the follow-up, then show the result under the reminder text.

    A second press, a stale or invalid button or a press by someone else only gets a short
    answer.
    """
    query = update.callback_query
    pressed = parse_callback_data(query.data)
    if pressed is None:
        logger.info("user %s pressed a button with invalid data %r", user.id, query.data)
        await query.answer(user.t("error.stale_button"))
        return
    action, followup_id = pressed

    services = get_services(context)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        if action == DONE:
            result = await mark_done(session, followup_id, user.id, now, services.cadence)
        else:
            result = await snooze(session, followup_id, user.id, SnoozeLength(action), now)

    if result.outcome in _ANSWERS:
        await query.answer(user.t(_ANSWERS[result.outcome]))
        return

    logger.info("follow-up %s %s by user %s", followup_id, result.outcome, user.id)
    answer, line = _result_texts(result, user)
    await query.answer(answer)
    if isinstance(query.message, Message):
        await _show_result(query.message, line)


def _result_texts(result: PressResult, user: CurrentUser) -> tuple[str, str]:
    """Return the short callback answer and the line added under the reminder."""
    if result.outcome is PressOutcome.DONE:
        if result.new_due_at is None:
            line = user.t("reminders.result.done_final", customer=result.customer_name or "")
        else:
            line = user.t(
                "reminders.result.done",
                customer=result.customer_name or "",
                due=format_local(result.new_due_at, user.timezone),
            )
        return user.t("reminders.answer.done"), line
    due = format_local(result.new_due_at, user.timezone)
    return user.t("reminders.answer.snoozed", due=due), user.t("reminders.result.snoozed", due=due)


async def _show_result(message: Message, line: str) -> None:
    """Replace the buttons by the result line; keep the reminder text when it still fits."""
    text = f"{message.text_html}\n\n{line}" if message.text else line
    if utf16_len(text) > MESSAGE_LIMIT:
        text = line
    try:
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=None)
    except BadRequest as error:
        # The message may have been deleted by the user, or already shows this text.
        logger.warning("cannot edit reminder message %s: %s", message.message_id, error)


def register(application: Application) -> None:
    application.add_handler(
        CallbackQueryHandler(press_reminder_button, pattern=f"^{CALLBACK_PREFIX}")
    )
