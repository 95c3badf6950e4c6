"""The /log conversation: guided step by step, or written on one line.

Guided: customer (typed, fuzzy-matched), kind (buttons), what happened, amount (or Skip),
satisfaction 1-5 (buttons or Skip), next step date (or Skip), then save and confirm. One
line: ``/log Acme Ltd call discussed renewal 5000 next friday`` saves at once when the name
matches a customer exactly, and offers buttons when it is a near match or unknown.

The collected values live in ``context.user_data["log"]`` as plain JSON values (ids,
strings, ISO dates), which ``StoredConversationHandler`` keeps in the database.

Button callback data is ``log:pick:<customer id>``, ``log:kind:<kind>``, ``log:sat:<1-5>``,
``log:new``, ``log:retype``, ``log:skip`` and ``log:cancel``. The patterns accept only
valid values, so a forged or corrupted button matches no step, changes nothing and gets
the stale-button answer of ``handlers.fallback``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from enum import IntEnum
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from crm_core.card import LoggedView, format_money, render_confirmation
from crm_core.i18n import Markup
from crm_core.matching import match_customer
from crm_core.model import ContactKind
from crm_core.parsing import (
    MAX_AMOUNT,
    LogParseError,
    parse_amount,
    parse_kind,
    parse_log_line,
    parse_next_step,
    parse_record_id,
    parse_satisfaction,
)
from handlers.common import CurrentUser, get_services, reply, with_user
from handlers.overrides import upgrade_keyboard
from handlers.stored_conversation import END, StoredConversationHandler
from storage.contacts import (
    CustomerNotVisible,
    NewContact,
    RevenueOutOfRange,
    record_contact,
)
from storage.customers import (
    MAX_NAME_LENGTH,
    CustomerNameTaken,
    create_customer,
    get_visible_customer,
    visible_customers,
)
from storage.overrides import level_upgrade_of

logger = logging.getLogger(__name__)

CONVERSATION = "log"
# The conversation runs in a group of its own before every other handler, so that a step's
# text never reaches the catch-all handlers.
GROUP = -1
# Button labels longer than this are cut. The full name is in the message text.
BUTTON_LABEL_CHARS = 40
KIND_ROWS: tuple[tuple[ContactKind, ...], ...] = (
    (ContactKind.CALL, ContactKind.VISIT, ContactKind.MEETING),
    (ContactKind.MESSAGE, ContactKind.EMAIL, ContactKind.PURCHASE),
    (ContactKind.COMPLAINT, ContactKind.LOSS, ContactKind.NOTE),
)
SCORES = ("1", "2", "3", "4", "5")


def parse_pick_data(data: str | None) -> int | None:
    """Return the customer id of a ``log:pick:`` button, or None for invalid data."""
    value = _value_after(data, "log:pick:")
    return parse_record_id(value) if value is not None else None


def parse_kind_data(data: str | None) -> ContactKind | None:
    """Return the kind of a ``log:kind:`` button, or None for invalid data."""
    value = _value_after(data, "log:kind:")
    return ContactKind(value) if value in set(ContactKind) else None


def parse_satisfaction_data(data: str | None) -> int | None:
    """Return the score of a ``log:sat:`` button, or None for invalid data."""
    value = _value_after(data, "log:sat:")
    return int(value) if value in SCORES else None


def _value_after(data: str | None, prefix: str) -> str | None:
    if data is None or not data.startswith(prefix):
        return None
    return data.removeprefix(prefix)


def _accepted_by(parse: Callable[[str | None], object]) -> Callable[[object], bool]:
    """Return a CallbackQueryHandler pattern that matches the data ``parse`` accepts."""
    return lambda data: isinstance(data, str) and parse(data) is not None


async def _answer_stale(update: Update, user: CurrentUser) -> None:
    # CallbackQueryHandler (python-telegram-bot 22) matches a query that has neither data nor
    # a game name whatever its pattern, so only such a query reaches a step without valid data.
    logger.info(
        "user %s pressed a button with invalid data %r", user.id, update.callback_query.data
    )
    await update.callback_query.answer(user.t("error.stale_button"))


class LogStep(IntEnum):
    """Steps of the /log conversation."""

    CUSTOMER = 1
    KIND = 2
    SUMMARY = 3
    AMOUNT = 4
    SATISFACTION = 5
    NEXT_STEP = 6


def _data(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
    return context.user_data.setdefault(CONVERSATION, {})


def _label(name: str) -> str:
    if len(name) <= BUTTON_LABEL_CHARS:
        return name
    return name[: BUTTON_LABEL_CHARS - 1] + "…"


def _markup(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def _skip_markup(user: CurrentUser) -> InlineKeyboardMarkup:
    return _markup([[(user.t("contacts.button.skip"), "log:skip")]])


async def _reply_error(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser, error: LogParseError
) -> None:
    message = Markup(user.t(error.key, **error.params))
    await reply(update, context, user, user.t("contacts.try_again", error=message))


@with_user()
async def start_log(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep | int:
    """Start the guided form, or save or match the one-line form given after /log."""
    text = " ".join(context.args or [])
    if not text.strip():
        await reply(update, context, user, user.t("contacts.ask_customer"))
        return LogStep.CUSTOMER

    services = get_services(context)
    async with services.sessions() as session:
        customers = await visible_customers(session, user)
    try:
        parsed = parse_log_line(
            text,
            now=services.clock(),
            timezone=user.timezone,
            known_names=[name for _, name in customers],
        )
    except LogParseError as error:
        if error.key == "contacts.error.kind_missing":
            # "/log Acme" names only the customer: go on with the guided form.
            return await _choose_customer(update, context, user, text, customers)
        # The one-line form ends here, so a single reply carries the error and the usage.
        text = user.t(
            "contacts.line_rejected",
            error=Markup(user.t(error.key, **error.params)),
            usage=Markup(user.t("contacts.usage")),
        )
        await reply(update, context, user, text)
        return END

    _data(context)["line"] = {
        "kind": parsed.kind.value,
        "summary": parsed.summary,
        "amount": str(parsed.amount) if parsed.amount is not None else None,
        "satisfaction": parsed.satisfaction,
        "next_step_on": parsed.next_step_on.isoformat() if parsed.next_step_on else None,
    }
    return await _choose_customer(update, context, user, parsed.customer_name, customers)


@with_user()
async def take_customer_name(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep | int:
    """Match the typed customer name against the user's customers."""
    services = get_services(context)
    async with services.sessions() as session:
        customers = await visible_customers(session, user)
    return await _choose_customer(update, context, user, update.message.text, customers)


async def _choose_customer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    user: CurrentUser,
    typed: str,
    customers: list[tuple[int, str]],
) -> LogStep | int:
    name = " ".join(typed.split())
    if len(name) > MAX_NAME_LENGTH:
        await reply(update, context, user, user.t("contacts.name_too_long", limit=MAX_NAME_LENGTH))
        return LogStep.CUSTOMER

    result = match_customer(name, customers)
    if result.exact is not None:
        return await _customer_chosen(
            update, context, user, result.exact.customer_id, result.exact.name
        )

    data = _data(context)
    data["typed_name"] = name
    cancel = (user.t("contacts.button.cancel"), "log:cancel")
    if result.near:
        rows = [[(_label(match.name), f"log:pick:{match.customer_id}")] for match in result.near]
        rows.append([(user.t("contacts.button.create", name=Markup(_label(name))), "log:new")])
        rows.append([cancel])
        await reply(
            update, context, user, user.t("contacts.did_you_mean", name=name), _markup(rows)
        )
        return LogStep.CUSTOMER

    rows = [
        [(user.t("contacts.button.create", name=Markup(_label(name))), "log:new")],
        [(user.t("contacts.button.type_again"), "log:retype"), cancel],
    ]
    await reply(
        update, context, user, user.t("contacts.unknown_customer", name=name), _markup(rows)
    )
    return LogStep.CUSTOMER


@with_user()
async def pick_customer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep | int | None:
    """Take the customer chosen from the "Did you mean" buttons."""
    customer_id = parse_pick_data(update.callback_query.data)
    if customer_id is None:
        await _answer_stale(update, user)
        return None
    services = get_services(context)
    async with services.sessions() as session:
        customer = await get_visible_customer(session, user, customer_id)
        name = customer.name if customer is not None else None
    if name is None:
        await reply(update, context, user, user.t("contacts.no_access"))
        return END
    return await _customer_chosen(update, context, user, customer_id, name)


@with_user()
async def create_new_customer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep | int:
    """Create the customer whose name was typed, owned by the user."""
    name = _data(context).get("typed_name")
    if not name:
        await reply(update, context, user, user.t("contacts.expired"))
        return END

    services = get_services(context)
    try:
        async with services.sessions() as session, session.begin():
            customer = await create_customer(session, owner=user, name=name, now=services.clock())
            customer_id = customer.id
    except CustomerNameTaken:
        await reply(update, context, user, user.t("contacts.name_taken", name=name))
        return LogStep.CUSTOMER

    await reply(update, context, user, user.t("contacts.customer_created", name=name))
    return await _customer_chosen(update, context, user, customer_id, name)


@with_user()
async def type_again(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep:
    """Ask for the customer name again."""
    await reply(update, context, user, user.t("contacts.type_again"))
    return LogStep.CUSTOMER


async def _customer_chosen(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    user: CurrentUser,
    customer_id: int,
    name: str,
) -> LogStep | int:
    data = _data(context)
    data["customer_id"] = customer_id
    data["customer_name"] = name
    data.pop("typed_name", None)
    line = data.pop("line", None)
    if line is not None:
        data.update(line)
        return await _save(update, context, user)

    rows = [
        [(user.t(f"contacts.kind.{kind}"), f"log:kind:{kind.value}") for kind in row]
        for row in KIND_ROWS
    ]
    await reply(update, context, user, user.t("contacts.ask_kind", name=name), _markup(rows))
    return LogStep.KIND


@with_user()
async def take_kind_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep | None:
    """Take the kind of contact from its button."""
    kind = parse_kind_data(update.callback_query.data)
    if kind is None:
        await _answer_stale(update, user)
        return None
    _data(context)["kind"] = kind.value
    await reply(update, context, user, user.t("contacts.ask_summary"))
    return LogStep.SUMMARY


@with_user()
async def take_kind_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep | None:
    """Take the kind of contact typed as a word such as "call" or "拜访"."""
    kind = parse_kind(update.message.text.strip())
    if kind is None:
        name = _data(context).get("customer_name", "")
        await reply(update, context, user, user.t("contacts.ask_kind", name=name))
        return None
    _data(context)["kind"] = kind.value
    await reply(update, context, user, user.t("contacts.ask_summary"))
    return LogStep.SUMMARY


@with_user()
async def take_summary(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep:
    """Take what happened and ask for the amount."""
    _data(context)["summary"] = update.message.text.strip()
    await reply(update, context, user, user.t("contacts.ask_amount"), _skip_markup(user))
    return LogStep.AMOUNT


@with_user()
async def take_amount(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep | None:
    """Take the amount, or ask again when it is invalid."""
    try:
        amount = parse_amount(update.message.text)
    except LogParseError as error:
        await _reply_error(update, context, user, error)
        return None
    _data(context)["amount"] = str(amount)
    return await _ask_satisfaction(update, context, user)


@with_user()
async def skip_amount(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep:
    """Go on without an amount."""
    _data(context)["amount"] = None
    return await _ask_satisfaction(update, context, user)


async def _ask_satisfaction(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep:
    rows = [
        [(str(score), f"log:sat:{score}") for score in range(1, 6)],
        [(user.t("contacts.button.skip"), "log:skip")],
    ]
    await reply(update, context, user, user.t("contacts.ask_satisfaction"), _markup(rows))
    return LogStep.SATISFACTION


@with_user()
async def take_satisfaction_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep | None:
    """Take the satisfaction score from its button."""
    score = parse_satisfaction_data(update.callback_query.data)
    if score is None:
        await _answer_stale(update, user)
        return None
    _data(context)["satisfaction"] = score
    return await _ask_next_step(update, context, user)


@with_user()
async def take_satisfaction_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep | None:
    """Take a typed satisfaction score, or ask again when it is invalid."""
    try:
        score = parse_satisfaction(update.message.text)
    except LogParseError as error:
        await _reply_error(update, context, user, error)
        return None
    _data(context)["satisfaction"] = score
    return await _ask_next_step(update, context, user)


@with_user()
async def skip_satisfaction(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep:
    """Go on without a satisfaction score."""
    _data(context)["satisfaction"] = None
    return await _ask_next_step(update, context, user)


async def _ask_next_step(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep:
    await reply(update, context, user, user.t("contacts.ask_next_step"), _skip_markup(user))
    return LogStep.NEXT_STEP


@with_user()
async def take_next_step(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> LogStep | int | None:
    """Take the next step date (and note), then save the contact."""
    services = get_services(context)
    try:
        step = parse_next_step(update.message.text, now=services.clock(), timezone=user.timezone)
    except LogParseError as error:
        await _reply_error(update, context, user, error)
        return None
    data = _data(context)
    data["next_step_on"] = step.on.isoformat()
    data["next_step_note"] = step.note
    return await _save(update, context, user)


@with_user()
async def skip_next_step(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> int:
    """Save the contact and let the cadence table set the next follow-up."""
    data = _data(context)
    data["next_step_on"] = None
    data["next_step_note"] = None
    return await _save(update, context, user)


async def _save(update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser) -> int:
    data = _data(context)
    message = update.effective_message
    source_key = f"tg:{update.effective_chat.id}:{message.message_id}"
    contact = NewContact(
        customer_id=int(data["customer_id"]),
        kind=ContactKind(data["kind"]),
        summary=data.get("summary") or "",
        amount=Decimal(data["amount"]) if data.get("amount") is not None else None,
        satisfaction=data.get("satisfaction"),
        next_step_on=date.fromisoformat(data["next_step_on"])
        if data.get("next_step_on")
        else None,
        next_step_note=data.get("next_step_note"),
    )
    services = get_services(context)
    try:
        async with services.sessions() as session, session.begin():
            logged = await record_contact(
                session,
                rep=user,
                rep_timezone=user.timezone,
                contact=contact,
                source_key=source_key,
                now=services.clock(),
                cadence=services.cadence,
            )
            upgrade = await level_upgrade_of(session, user, logged.customer_id)
    except CustomerNotVisible:
        logger.info("user %s may not log for customer %s", user.id, contact.customer_id)
        await reply(update, context, user, user.t("contacts.no_access"))
        return END
    except RevenueOutOfRange as error:
        logger.info("rejected a purchase by user %s: %s", user.id, error)
        text = user.t(
            "contacts.error.revenue_out_of_range",
            total=format_money(error.total),
            maximum=format_money(MAX_AMOUNT),
        )
        await reply(update, context, user, text)
        return END

    view = LoggedView(
        customer_name=logged.customer_name,
        kind=logged.kind,
        occurred_at=logged.occurred_at,
        stage=logged.stage,
        previous_stage=logged.previous_stage,
        stage_reason=logged.stage_reason,
        next_followup_at=logged.next_followup_at,
        upgrade=upgrade,
    )
    text = render_confirmation(view, user.language, user.timezone)
    keyboard = upgrade_keyboard(logged.customer_id, upgrade, user.language)
    await reply(update, context, user, text, keyboard)
    return END


@with_user()
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser) -> int:
    """Leave the conversation without saving."""
    await reply(update, context, user, user.t("contacts.cancelled"))
    return END


def build_conversation() -> StoredConversationHandler:
    """Build the /log conversation handler."""
    text = filters.TEXT & ~filters.COMMAND
    return StoredConversationHandler(
        CONVERSATION,
        entry_points=[CommandHandler("log", start_log)],
        states={
            LogStep.CUSTOMER: [
                MessageHandler(text, take_customer_name),
                CallbackQueryHandler(pick_customer, pattern=_accepted_by(parse_pick_data)),
                CallbackQueryHandler(create_new_customer, pattern=r"^log:new$"),
                CallbackQueryHandler(type_again, pattern=r"^log:retype$"),
            ],
            LogStep.KIND: [
                CallbackQueryHandler(take_kind_button, pattern=_accepted_by(parse_kind_data)),
                MessageHandler(text, take_kind_text),
            ],
            LogStep.SUMMARY: [MessageHandler(text, take_summary)],
            LogStep.AMOUNT: [
                MessageHandler(text, take_amount),
                CallbackQueryHandler(skip_amount, pattern=r"^log:skip$"),
            ],
            LogStep.SATISFACTION: [
                CallbackQueryHandler(
                    take_satisfaction_button, pattern=_accepted_by(parse_satisfaction_data)
                ),
                MessageHandler(text, take_satisfaction_text),
                CallbackQueryHandler(skip_satisfaction, pattern=r"^log:skip$"),
            ],
            LogStep.NEXT_STEP: [
                MessageHandler(text, take_next_step),
                CallbackQueryHandler(skip_next_step, pattern=r"^log:skip$"),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CallbackQueryHandler(cancel, pattern=r"^log:cancel$"),
        ],
    )


def register(application: Application) -> None:
    application.add_handler(build_conversation(), group=GROUP)
