"""/digest: the team digest on demand, for managers and admins.

It does not count as the daily digest, which still arrives at the manager's digest time.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from crm_core.digest import render_digest
from crm_core.model import Role
from handlers.common import CurrentUser, get_services, reply, with_user
from storage.digests import digest_content


@with_user(Role.MANAGER, Role.ADMIN)
async def show_digest(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: CurrentUser
) -> None:
    """Send the digest of the manager's team; an admin gets every team."""
    if user.role is Role.MANAGER and user.team_id is None:
        await reply(update, context, user, user.t("digest.no_team"))
        return

    services = get_services(context)
    team_id = None if user.role is Role.ADMIN else user.team_id
    async with services.sessions() as session:
        content = await digest_content(
            session,
            team_id=team_id,
            zone=user.timezone,
            now=services.clock(),
            window_of=services.cadence.interval,
        )

    for part in render_digest(content, user.language, timezone=user.timezone):
        await reply(update, context, user, part)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("digest", show_digest))
