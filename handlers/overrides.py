"""Stage and level set by hand: /stage NAME STAGE, /level NAME LEVEL and the card's buttons.

Callback data, at most 34 bytes:

- ``cs:menu:<field>:<customer id>`` opens the choices of a field (``stage`` or ``level``).
- ``cs:<field>:<customer id>:<value>`` sets a stage or level value, and ``auto`` clears
  the manual one.
- ``cs:up:<customer id>:<level>`` is the "Upgrade to ..." button. It sets the level only
  while that level is deeper than the current one, so a button pressed late never
  downgrades.

Data with an unknown field, stage or level, or an id outside 1 to ``MAX_RECORD_ID``, gets
the stale-button answer and changes nothing.
"""

from __future__ import annotations

import logging
import re
from typing import NamedTuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from crm_core.card import CustomerCard, LevelUpgrade, render_card
from crm_core.i18n import Markup, translate
from crm_core.matching import match_customer
from crm_core.model import Level, Stage
from crm_core.overrides import (
    Choice,
    OverrideField,
    OverrideParseError,
    callback_value,
    choice_label,
    choice_list,
    choices,
    parse_callback_choice,
    parse_override_command,
)
from crm_core.parsing import parse_record_id
from handlers.common import CurrentUser, get_services, reply, with_user
from storage.customers import load_card, visible_customers
from storage.overrides import OverrideResult, override_state, set_level, set_stage

logger = logging.getLogger(__name__)

# The handlers take every data with these prefixes and answer invalid data as stale.
MENU_PREFIX = re.compile(r"^cs:menu:")
SET_PREFIX = re.compile(r"^cs:(stage|level):")
UPGRADE_PREFIX = re.compile(r"^cs:up:")
# Button labels longer than this are cut. The full name is in the message text.
BUTTON_LABEL_CHARS = 40
CHOICES_PER_ROW = 2


def menu_data(field: OverrideField, customer_id: int) -> str:
    return f"cs:menu:{field}:{customer_id}"


def set_data(field: OverrideField, customer_id: int, choice: Choice) -> str:
    return f"cs:{field}:{customer_id}:{callback_value(choice)}"


def upgrade_data(customer_id: int, level: Level) -> str:
    return f"cs:up:{customer_id}:{level}"


class MenuData(NamedTuple):
    """A "Set stage" or "Set level" button."""

    field: OverrideField
    customer_id: int


class SetData(NamedTuple):
    """A button that sets a stage or level, or clears it when ``choice`` is None."""

    field: OverrideField
    customer_id: int
    choice: Choice


class UpgradeData(NamedTuple):
    """An "Upgrade to ..." button."""

    customer_id: int
    level: Level


def parse_menu_data(data: str | None) -> MenuData | None:
    """Return the parts of ``menu_data`` output, or None for invalid data."""
    parts = (data or "").split(":")
    if len(parts) != 4 or parts[:2] != ["cs", "menu"]:
        return None
    field = _parse_field(parts[2])
    customer_id = parse_record_id(parts[3])
    if field is None or customer_id is None:
        return None
    return MenuData(field, customer_id)


def parse_set_data(data: str | None) -> SetData | None:
    """Return the parts of ``set_data`` output, or None for invalid data."""
    parts = (data or "").split(":")
    if len(parts) != 4 or parts[0] != "cs":
        return None
    field = _parse_field(parts[1])
    customer_id = parse_record_id(parts[2])
    if field is None or customer_id is None:
        return None
    try:
        choice = parse_callback_choice(field, parts[3])
    except ValueError:
        return None
    return SetData(field, customer_id, choice)


def parse_upgrade_data(data: str | None) -> UpgradeData | None:
    """Return the parts of ``upgrade_data`` output, or None for invalid data."""
    parts = (data or "").split(":")
    if len(parts) != 4 or parts[:2] != ["cs", "up"]:
        return None
    customer_id = parse_record_id(parts[2])
    if customer_id is None or parts[3] not in set(Level):
        return None
    return UpgradeData(customer_id, Level(parts[3]))


def _parse_field(word: str) -> OverrideField | None:
    return OverrideField(word) if word in set(OverrideField) else None


async def _answer_stale(update: Update, user: CurrentUser) -> None:
    logger.info(
        "user %s pressed a button with invalid data %r", user.id, update.callback_query.data
    )
    await update.callback_query.answer(user.t("error.stale_button"))


def upgrade_button(customer_id: int, level: Level, language: str) -> InlineKeyboardButton:
    """Return the button that sets ``level`` by hand if it is still an upgrade."""
    name = choice_label(OverrideField.LEVEL, level, language)
    label = translate(language, "overrides.button.upgrade", level=name)
    return InlineKeyboardButton(label, callback_data=upgrade_data(customer_id, level))


def upgrade_keyboard(
    customer_id: int, upgrade: LevelUpgrade | None, language: str
) -> InlineKeyboardMarkup | None:
    """Return the keyboard with the upgrade button, or None when there is no upgrade."""
    if upgrade is None:
        return None
    return InlineKeyboardMarkup([[upgrade_button(customer_id, upgrade.level, language)]])


def card_keyboard(card: CustomerCard, language: str) -> InlineKeyboardMarkup:
    """Return the card's buttons: Set stage and Set level, then the upgrade if there is one."""
    rows = [
        [
            InlineKeyboardButton(
                translate(language, "overrides.button.stage"),
                callback_data=menu_data(OverrideField.STAGE, card.customer_id),
            ),
            InlineKeyboardButton(
                translate(language, "overrides.button.level"),
                callback_data=menu_data(OverrideField.LEVEL, card.customer_id),
            ),
        ]
    ]
    if card.upgrade is not None:
        rows.append([upgrade_button(card.customer_id, card.upgrade.level, language)])
    return InlineKeyboardMarkup(rows)


def _choice_keyboard(
    field: OverrideField, customer_id: int, language: str
) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            choice_label(field, choice, language),
            callback_data=set_data(field, customer_id, choice),
        )
        for choice in choices(field)
    ]
    buttons.append(
        InlineKeyboardButton(
            translate(language, "overrides.button.automatic"),
            callback_data=set_data(field, customer_id, None),
        )
    )
    rows = [
        buttons[start : start + CHOICES_PER_ROW]
        for start in range(0, len(buttons), CHOICES_PER_ROW)
    ]
    return InlineKeyboardMarkup(rows)


def _short_label(name: str) -> str:
    if len(name) <= BUTTON_LABEL_CHARS:
        return name
    return name[: BUTTON_LABEL_CHARS - 1] + "…"


async def _store(
    user: CurrentUser,
    context: ContextTypes.DEFAULT_TYPE,
    field: OverrideField,
    customer_id: int,
    choice: Choice,
    only_deeper: bool,
) -> tuple[OverrideResult, CustomerCard] | None:
    """Store the choice and return the result with the new card, or None when not visible."""
    services = get_services(context)
    async with services.sessions() as session, session.begin():
        if field is OverrideField.STAGE:
            result = await set_stage(
                session,
                viewer=user,
                customer_id=customer_id,
                stage=choice,
                now=services.clock(),
                cadence=services.cadence,
            )
        else:
            result = await set_level(
                session,
                viewer=user,
                customer_id=customer_id,
                level=choice,
                now=services.clock(),
                cadence=services.cadence,
                only_deeper=only_deeper,
            )
        if result is None:
            return None
        card = await load_card(session, user, customer_id)
    return result, card


async def _apply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    user: CurrentUser,
    field: OverrideField,
    customer_id: int,
    choice: Choice,
    *,
    only_deeper: bool = False,
) -> None:
    """Store the choice and reply with what changed followed by the new card."""
    stored = await _store(user, context, field, customer_id, choice, only_deeper)
    if stored is None:
        logger.info("user %s may not change customer %s", user.id, customer_id)
        await reply(update, context, user, user.t("customers.expired"))
        return

    result, card = stored
    if not result.changed:
        key = "overrides.upgrade_not_deeper"
        in_force: Stage | Level = result.level
    elif choice is None:
        key = f"overrides.{field}_cleared"
        in_force = result.stage if field is OverrideField.STAGE else result.level
    else:
        key = f"overrides.{field}_set"
        in_force = choice
    label = Markup(choice_label(field, in_force, user.language))
    summary = user.t(key, name=result.customer_name, choice=label)
    clock = get_services(context).clock
    text = f"{summary}\n\n{render_card(card, user.language, user.timezone, clock())}"
    await reply(update, context, user, text, card_keyboard(card, user.language))


async def _run_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser, field: OverrideField
) -> None:
    text = " ".join(context.args or [])
    try:
        command = parse_override_command(field, text)
    except OverrideParseError as error:
        listed = choice_list(field, user.language)
        await reply(update, context, user, user.t(error.key, choices=listed, **error.params))
        return

    services = get_services(context)
    async with services.sessions() as session:
        customers = await visible_customers(session, user)
    result = match_customer(command.customer_name, customers)

    if result.exact is not None:
        await _apply(update, context, user, field, result.exact.customer_id, command.choice)
    elif result.near:
        # A change is only made on an exact name, so near matches are offered as buttons.
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _short_label(match.name),
                        callback_data=set_data(field, match.customer_id, command.choice),
                    )
                ]
                for match in result.near
            ]
        )
        label = Markup(choice_label(field, command.choice, user.language))
        text = user.t(
            f"overrides.choose_customer_{field}", name=command.customer_name, choice=label
        )
        await reply(update, context, user, text, keyboard)
    else:
        await reply(
            update, context, user, user.t("customers.not_found", name=command.customer_name)
        )


@with_user()
async def set_stage_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Set the stage of the customer named after /stage, or clear it with "automatic"."""
    await _run_command(update, context, user, OverrideField.STAGE)


@with_user()
async def set_level_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Set the level of the customer named after /level, or clear it with "automatic"."""
    await _run_command(update, context, user, OverrideField.LEVEL)


@with_user()
async def show_choices(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Offer the stages or levels of the customer whose card button was pressed."""
    pressed = parse_menu_data(update.callback_query.data)
    if pressed is None:
        await _answer_stale(update, user)
        return
    field, customer_id = pressed
    services = get_services(context)
    async with services.sessions() as session:
        state = await override_state(session, user, customer_id)
    if state is None:
        await reply(update, context, user, user.t("customers.expired"))
        return

    if field is OverrideField.STAGE:
        current, detected = state.stage, state.detected_stage
    else:
        current, detected = state.level, state.suggested_level or state.level
    text = user.t(
        f"overrides.choose_{field}",
        name=state.customer_name,
        current=Markup(choice_label(field, current, user.language)),
        detected=Markup(choice_label(field, detected, user.language)),
    )
    await reply(update, context, user, text, _choice_keyboard(field, customer_id, user.language))


@with_user()
async def apply_choice(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Set or clear the stage or level whose button was pressed."""
    pressed = parse_set_data(update.callback_query.data)
    if pressed is None:
        await _answer_stale(update, user)
        return
    await _apply(update, context, user, pressed.field, pressed.customer_id, pressed.choice)


@with_user()
async def apply_upgrade(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Set the level of an "Upgrade to ..." button, unless the level is already as deep."""
    pressed = parse_upgrade_data(update.callback_query.data)
    if pressed is None:
        await _answer_stale(update, user)
        return
    await _apply(
        update,
        context,
        user,
        OverrideField.LEVEL,
        pressed.customer_id,
        pressed.level,
        only_deeper=True,
    )


def register(application: Application) -> None:
    application.add_handler(CommandHandler("stage", set_stage_command))
    application.add_handler(CommandHandler("level", set_level_command))
    application.add_handler(CallbackQueryHandler(show_choices, pattern=MENU_PREFIX))
    application.add_handler(CallbackQueryHandler(apply_choice, pattern=SET_PREFIX))
    application.add_handler(CallbackQueryHandler(apply_upgrade, pattern=UPGRADE_PREFIX))
