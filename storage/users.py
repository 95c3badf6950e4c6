"""Users, teams and invites, and the rule of which customers a user may see."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.model import Role
from storage.models import Customer, Invite, Team, User

INVITE_LIFETIME = timedelta(days=7)
# Unambiguous characters only, so a code read aloud or retyped survives.
_INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
INVITE_CODE_LENGTH = 10


@dataclass(frozen=True)
class Profile:
    """Telegram's data about a user, plus the defaults for a new account."""

    user_id: int
    chat_id: int
    full_name: str
    username: str | None
    language: str
    timezone: str
    digest_time: time


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def create_admin(session: AsyncSession, profile: Profile, now: datetime) -> User:
    """Create an admin with a team of their own, so their invites have a team to join."""
    team = Team(name=profile.full_name or str(profile.user_id), created_at=now)
    session.add(team)
    await session.flush()
    user = _new_user(profile, Role.ADMIN, team.id, now)
    session.add(user)
    await session.flush()
    return user


async def create_demo_manager(session: AsyncSession, profile: Profile, now: datetime) -> User:
    """Create the console's demo rep, who is also the manager of a new demo team."""
    team = Team(name="Demo team", created_at=now)
    session.add(team)
    await session.flush()
    user = _new_user(profile, Role.MANAGER, team.id, now)
    session.add(user)
    await session.flush()
    return user


def _new_user(profile: Profile, role: Role, team_id: int | None, now: datetime) -> User:
    return User(
        id=profile.user_id,
        chat_id=profile.chat_id,
        full_name=profile.full_name,
        username=profile.username,
        role=role.value,
        team_id=team_id,
        timezone=profile.timezone,
        language=profile.language,
        digest_time=profile.digest_time,
        active=True,
        created_at=now,
    )


async def create_invite(session: AsyncSession, inviter: User, role: Role, now: datetime) -> Invite:
    """Create a one-time code for joining ``inviter``'s team with ``role``."""
    code = "".join(secrets.choice(_INVITE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))
    invite = Invite(
        code=code,
        role=role.value,
        team_id=inviter.team_id,
        created_by=inviter.id,
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
    )
    session.add(invite)
    await session.flush()
    return invite


class InviteError(Exception):
    """Raised when an invite code cannot be used; ``key`` is the catalogue message."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


async def redeem_invite(session: AsyncSession, code: str, profile: Profile, now: datetime) -> User:
    """Mark the invite used and create the user in the inviter's team.

    A manager invited by an admin gets a new team instead, which the manager's own rep
    invites then join.

    The conditional UPDATE makes the code single-use even when two processes redeem it at
    the same moment: only one of them changes the row.

    Raises:
        InviteError: the code is unknown, used or expired.
    """
    normalized = code.strip().upper()
    invite = await session.get(Invite, normalized)
    if invite is None:
        raise InviteError("access.invite_unknown")
    if invite.used_at is not None:
        raise InviteError("access.invite_used")
    if invite.expires_at <= now:
        raise InviteError("access.invite_expired")

    result = await session.execute(
        update(Invite)
        .where(Invite.code == normalized, Invite.used_at.is_(None))
        .values(used_by=profile.user_id, used_at=now)
    )
    if result.rowcount != 1:
        raise InviteError("access.invite_used")

    role = Role(invite.role)
    team_id = invite.team_id
    inviter = await session.get(User, invite.created_by)
    if role is Role.MANAGER and inviter is not None and Role(inviter.role) is Role.ADMIN:
        # A manager invited by an admin leads a team of their own; otherwise two managers
        # invited by one admin would see each other's customers.
        team = Team(name=profile.full_name or str(profile.user_id), created_at=now)
        session.add(team)
        await session.flush()
        team_id = team.id

    user = _new_user(profile, role, team_id, now)
    session.add(user)
    await session.flush()
    return user


async def team_member_ids(session: AsyncSession, team_id: int) -> list[int]:
    result = await session.scalars(select(User.id).where(User.team_id == team_id))
    return list(result)


class ScopedUser(Protocol):
    id: int
    role: str
    team_id: int | None


def customer_scope(user: ScopedUser) -> ColumnElement[bool]:
    """Return the WHERE clause on Customer for what ``user`` may see.

    Reps see the customers they own, managers their team's, admins every customer.
    Takes a ``User`` row or a ``handlers.common.CurrentUser``.
    """
    role = Role(user.role)
    if role is Role.ADMIN:
        return true()
    if role is Role.MANAGER:
        return Customer.team_id == user.team_id
    return Customer.owner_id == user.id


async def set_language(session: AsyncSession, user_id: int, language: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(language=language))


async def set_timezone(session: AsyncSession, user_id: int, timezone_name: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(timezone=timezone_name))


async def set_digest_time(session: AsyncSession, user_id: int, digest_time: time) -> None:
    await session.execute(update(User).where(User.id == user_id).values(digest_time=digest_time))


async def mark_inactive(session: AsyncSession, user_id: int) -> None:
    """Mark a user who blocked the bot; pushes skip inactive users until they write again."""
    await session.execute(update(User).where(User.id == user_id).values(active=False))
