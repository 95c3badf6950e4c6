"""A real Application on a real database, driven by Update JSON through the local transport."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram import Update
from telegram.ext import Application

from bot import build_application
from console.transport import LocalTransport, SentMessage
from crm_core.model import Role
from handlers import jobs
from settings import Settings
from storage.db import migrate
from storage.models import Team, User
from tests.helpers.updates import (
    TgUser,
    callback_update,
    last_message_with_buttons,
    message_update,
)


class MovableClock:
    """Aware UTC clock that only moves when a test moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("MovableClock needs an aware datetime")
        self.now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class Harness:
    """Drives the bot as Telegram would: one Update at a time, awaited until handled."""

    def __init__(self, settings: Settings, clock: MovableClock) -> None:
        self.settings = settings
        self.clock = clock
        self.transport = LocalTransport()
        self.app: Application | None = None

    async def start(self) -> None:
        self.app = build_application(self.settings, transport=self.transport, clock=self.clock)
        await migrate(self.app.bot_data["engine"])
        await self.app.initialize()

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.shutdown()
            await self.app.bot_data["engine"].dispose()
            self.app = None

    async def restart(self) -> None:
        """Replace the Application by a new one on the same database and transport."""
        await self.stop()
        await self.start()

    @property
    def services(self):
        return self.app.bot_data["services"]

    @property
    def sent(self) -> list[SentMessage]:
        return self.transport.sent

    def messages_to(self, user: TgUser | int) -> list[SentMessage]:
        chat_id = user.id if isinstance(user, TgUser) else user
        return self.transport.messages_to(chat_id)

    def last_to(self, user: TgUser | int) -> SentMessage:
        messages = self.messages_to(user)
        assert messages, f"the bot sent nothing to {user}"
        return messages[-1]

    async def feed(self, update_json: dict) -> None:
        await self.app.process_update(Update.de_json(update_json, self.app.bot))

    async def send(
        self, user: TgUser, text: str, *, message_id: int | None = None
    ) -> list[SentMessage]:
        """Feed a text message from ``user`` and return what the bot sent in reply."""
        before = len(self.sent)
        await self.feed(message_update(self.transport, user, text, message_id=message_id))
        return self.sent[before:]

    async def press(
        self, user: TgUser, number: int, message: SentMessage | None = None
    ) -> list[SentMessage]:
        """Press button ``number`` (1-based, row by row) of ``message``.

        Without ``message``, the last message to ``user`` that had buttons is used.
        """
        target = message or last_message_with_buttons(self.transport, user.id)
        assert target is not None, f"no message with buttons was sent to {user.id}"
        buttons = target.buttons
        assert 1 <= number <= len(buttons), f"message has {len(buttons)} buttons, not {number}"
        data = buttons[number - 1]["callback_data"]
        before = len(self.sent)
        await self.feed(callback_update(self.transport, user, target, data))
        return self.sent[before:]

    async def press_data(self, user: TgUser, message: SentMessage, data: str) -> list[SentMessage]:
        before = len(self.sent)
        await self.feed(callback_update(self.transport, user, message, data))
        return self.sent[before:]

    async def tick(self) -> list[SentMessage]:
        """Run the scheduler tick once and return what it sent."""
        before = len(self.sent)
        await jobs.tick(self.app)
        return self.sent[before:]

    async def enrol(
        self,
        user: TgUser,
        role: Role,
        *,
        team_of: TgUser | None = None,
        timezone_name: str = "UTC",
        language: str = "en",
    ) -> None:
        """Put ``user`` straight into the database, in ``team_of``'s team or a new one."""
        async with self.services.sessions() as session, session.begin():
            if team_of is None:
                team = Team(name=f"team of {user.first_name}", created_at=self.clock())
                session.add(team)
                await session.flush()
                team_id = team.id
            else:
                team_id = (await session.get(User, team_of.id)).team_id
            session.add(
                User(
                    id=user.id,
                    chat_id=user.id,
                    full_name=user.first_name,
                    username=user.username,
                    role=role.value,
                    team_id=team_id,
                    timezone=timezone_name,
                    language=language,
                    digest_time=self.settings.default_digest_time,
                    active=True,
                    created_at=self.clock(),
                )
            )


def harness_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "telegram_bot_token": "",
        "database_url": database_url,
        "admin_user_ids": frozenset({1}),
        "default_timezone": "UTC",
        "default_language": "en",
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"
