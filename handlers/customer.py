"""/customer NAME shows a customer's card, and /today lists follow-ups due today and overdue.

The card's buttons (Set stage, Set level, Upgrade) are handled by ``handlers.overrides``.
The buttons under a list of customers carry ``card:<customer id>``.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from crm_core.card import render_card, render_today
from crm_core.matching import match_customer
from crm_core.parsing import parse_record_id
from handlers.common import CurrentUser, get_services, reply, with_user
from handlers.overrides import card_keyboard
from storage.customers import load_card, today_followups, visible_customers

logger = logging.getLogger(__name__)

# Button labels longer than this are cut. The full name is in the message text.
BUTTON_LABEL_CHARS = 40
# /today puts a button under the list for each of its first customers.
TODAY_BUTTONS = 8
CARD_PREFIX = "card:"


def parse_card_data(data: str | None) -> int | None:
    """Return the customer id of a ``card:`` button, or None for invalid data."""
    if data is None or not data.startswith(CARD_PREFIX):
        return None
    return parse_record_id(data.removeprefix(CARD_PREFIX))


def _card_button(customer_id: int, name: str) -> InlineKeyboardButton:
    label = name if len(name) <= BUTTON_LABEL_CHARS else name[: BUTTON_LABEL_CHARS - 1] + "…"
    return InlineKeyboardButton(label, callback_data=f"{CARD_PREFIX}{customer_id}")


async def _send_card(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser, customer_id: int
) -> None:
    services = get_services(context)
    async with services.sessions() as session:
        card = await load_card(session, user, customer_id)
    if card is None:
        await reply(update, context, user, user.t("customers.expired"))
        return
    text = render_card(card, user.language, user.timezone, services.clock())
    await reply(update, context, user, text, card_keyboard(card, user.language))


@with_user()
async def show_customer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Show the card of the customer named after /customer, matched fuzzily."""
    name = " ".join(context.args or [])
    if not name.strip():
        await reply(update, context, user, user.t("customers.usage"))
        return

    services = get_services(context)
    async with services.sessions() as session:
        customers = await visible_customers(session, user)
    result = match_customer(name, customers)

    if result.exact is not None:
        await _send_card(update, context, user, result.exact.customer_id)
    elif len(result.near) == 1:
        await _send_card(update, context, user, result.near[0].customer_id)
    elif result.near:
        keyboard = InlineKeyboardMarkup(
            [[_card_button(match.customer_id, match.name)] for match in result.near]
        )
        await reply(update, context, user, user.t("customers.choose", name=name), keyboard)
    else:
        await reply(update, context, user, user.t("customers.not_found", name=name))


@with_user()
async def show_card_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Show the card of the customer whose button was pressed."""
    customer_id = parse_card_data(update.callback_query.data)
    if customer_id is None:
        logger.info(
            "user %s pressed a button with invalid data %r", user.id, update.callback_query.data
        )
        await update.callback_query.answer(user.t("error.stale_button"))
        return
    await _send_card(update, context, user, customer_id)


@with_user()
async def show_today(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """List the user's follow-ups due today in their zone and overdue, most valuable first."""
    services = get_services(context)
    now = services.clock()
    async with services.sessions() as session:
        items = await today_followups(session, user, now, user.timezone)

    text = render_today(items, user.language, user.timezone, now)
    keyboard = None
    if items:
        buttons = [[_card_button(item.customer_id, item.name)] for item in items[:TODAY_BUTTONS]]
        keyboard = InlineKeyboardMarkup(buttons)
    await reply(update, context, user, text, keyboard)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("customer", show_customer))
    application.add_handler(CommandHandler("today", show_today))
    application.add_handler(CallbackQueryHandler(show_card_button, pattern=rf"^{CARD_PREFIX}"))
