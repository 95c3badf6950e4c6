"""Access and user settings: /start, /invite, /help, /lang, /tz and /digesttime."""

from __future__ import annotations

import logging
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from crm_core.i18n import LANGUAGES, normalize_language, translate
from crm_core.model import Role
from handlers.common import CurrentUser, get_services, reply, with_user
from storage import users
from storage.models import User

logger = logging.getLogger(__name__)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sign in a known user, make a listed admin, or redeem the invite code in ``/start CODE``."""
    telegram_user = update.effective_user
    chat = update.effective_chat
    if telegram_user is None or chat is None:
        return

    services = get_services(context)
    settings = services.settings
    now = services.clock()
    language = normalize_language(telegram_user.language_code or settings.default_language)
    profile = users.Profile(
        user_id=telegram_user.id,
        chat_id=chat.id,
        full_name=telegram_user.full_name,
        username=telegram_user.username,
        language=language,
        timezone=settings.default_timezone,
        digest_time=settings.default_digest_time,
    )
    code = context.args[0] if context.args else None

    async with services.sessions() as session, session.begin():
        existing = await session.get(User, telegram_user.id)
        if existing is not None:
            user = CurrentUser.from_row(existing)
            key = "access.already_member" if code else "access.welcome_back"
            text = user.t(key, name=user.full_name, role=user.t(f"role.{user.role.value}"))
        elif telegram_user.id in settings.admin_user_ids:
            row = await users.create_admin(session, profile, now)
            user = CurrentUser.from_row(row)
            logger.info("user %s became admin of team %s", row.id, row.team_id)
            text = user.t("access.welcome_admin", name=user.full_name)
        elif code:
            try:
                row = await users.redeem_invite(session, code, profile, now)
            except users.InviteError as error:
                text = translate(language, error.key)
                user = None
            else:
                user = CurrentUser.from_row(row)
                logger.info("user %s joined team %s as %s", row.id, row.team_id, row.role)
                text = user.t(
                    "access.joined", name=user.full_name, role=user.t(f"role.{row.role}")
                )
        else:
            user = None
            text = translate(language, "access.unknown_user")
            logger.info("rejected /start from unknown user %s", telegram_user.id)

    await reply(update, context, user or language, text)


@with_user(Role.MANAGER, Role.ADMIN)
async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser) -> None:
    """Create a one-time invite code for a rep or, for admins, a manager."""
    requested_role = (context.args[0].lower() if context.args else "").strip()
    if requested_role not in (Role.REP.value, Role.MANAGER.value):
        await reply(update, context, user, user.t("access.invite_usage"))
        return
    role = Role(requested_role)
    if role is Role.MANAGER and user.role is not Role.ADMIN:
        await reply(update, context, user, user.t("access.invite_manager_only_admin"))
        return

    services = get_services(context)
    async with services.sessions() as session, session.begin():
        inviter = await session.get(User, user.id)
        created = await users.create_invite(session, inviter, role, services.clock())

    expires = created.expires_at.astimezone(user.timezone).strftime("%Y-%m-%d %H:%M")
    logger.info("user %s created an invite for a %s", user.id, role.value)
    text = user.t(
        "access.invite_created",
        role=user.t(f"role.{role.value}"),
        code=created.code,
        expires=expires,
    )
    await reply(update, context, user, text)


@with_user()
async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser) -> None:
    """List the commands this user's role may use."""
    sections = [user.t("help.rep")]
    if user.role in (Role.MANAGER, Role.ADMIN):
        sections.append(user.t("help.manager"))
    if user.role is Role.ADMIN:
        sections.append(user.t("help.admin"))
    await reply(update, context, user, "\n\n".join(sections))


@with_user()
async def set_language(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Set the user's language from ``/lang en`` or ``/lang zh``."""
    requested_language = (context.args[0].lower() if context.args else "").strip()
    if requested_language not in LANGUAGES:
        await reply(update, context, user, user.t("settings.language_usage"))
        return

    services = get_services(context)
    async with services.sessions() as session, session.begin():
        await users.set_language(session, user.id, requested_language)
    await reply(
        update, context, requested_language, translate(requested_language, "settings.language_set")
    )


@with_user()
async def set_timezone(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Set the user's IANA time zone from ``/tz Area/City``."""
    if not context.args:
        await reply(
            update, context, user, user.t("settings.timezone_usage", timezone=user.timezone.key)
        )
        return
    value = context.args[0].strip()
    try:
        zone = ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        await reply(update, context, user, user.t("settings.timezone_invalid", value=value))
        return

    services = get_services(context)
    async with services.sessions() as session, session.begin():
        await users.set_timezone(session, user.id, zone.key)
    local_time = services.clock().astimezone(zone).strftime("%Y-%m-%d %H:%M")
    await reply(
        update,
        context,
        user,
        user.t("settings.timezone_set", timezone=zone.key, local_time=local_time),
    )


@with_user(Role.MANAGER, Role.ADMIN)
async def set_digest_time(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Set the local time of the daily digest from ``/digesttime HH:MM``."""
    services = get_services(context)
    parsed = _parse_clock_time(context.args[0]) if context.args else None
    if parsed is None:
        async with services.sessions() as session:
            row = await session.get(User, user.id)
            current = row.digest_time.strftime("%H:%M")
        await reply(
            update, context, user, user.t("settings.digest_time_usage", digest_time=current)
        )
        return

    async with services.sessions() as session, session.begin():
        await users.set_digest_time(session, user.id, parsed)
    text = user.t(
        "settings.digest_time_set",
        digest_time=parsed.strftime("%H:%M"),
        timezone=user.timezone.key,
    )
    await reply(update, context, user, text)


def _parse_clock_time(value: str) -> time | None:
    try:
        return datetime.strptime(value.strip(), "%H:%M").time()
    except ValueError:
        return None


def register(application: Application) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("invite", invite))
    application.add_handler(CommandHandler("help", show_help))
    application.add_handler(CommandHandler("lang", set_language))
    application.add_handler(CommandHandler("tz", set_timezone))
    application.add_handler(CommandHandler("digesttime", set_digest_time))
