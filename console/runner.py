"""Console mode: the real Application, handlers and jobs, with stdin and stdout as the chat.

Each stdin line is a message from one demo rep; ``!press N`` presses button N of the last
message that had buttons. Each message the bot sends or edits is printed with its buttons
numbered. When stdin is not a terminal, every line is processed, then the runner waits for
the replies and exits at end of input.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TextIO

from telegram import Update
from telegram.ext import Application

from console.transport import LocalTransport, SentMessage
from console.updates import TgUser, callback_update, last_message_with_buttons, message_update
from crm_core.i18n import translate
from settings import Settings
from storage import users
from storage.models import User

logger = logging.getLogger(__name__)

DEMO_USER_ID = 1000
PRESS_PREFIX = "!press"


class ConsoleChat:
    """Feeds stdin lines to the Application and prints what the bot sends."""

    def __init__(
        self, application: Application, transport: LocalTransport, user: TgUser, out: TextIO
    ) -> None:
        self.application = application
        self.transport = transport
        self.user = user
        self.out = out
        self._printed: dict[int, int] = {}  # message_id -> edit count already printed

    async def handle_line(self, line: str) -> None:
        text = line.rstrip("\n")
        if not text.strip():
            return
        if text.startswith(PRESS_PREFIX):
            update_json = self._press(text[len(PRESS_PREFIX) :].strip())
            if update_json is None:
                return
        else:
            update_json = message_update(self.transport, self.user, text)
        await self.application.process_update(Update.de_json(update_json, self.application.bot))
        self.print_new()

    def _press(self, argument: str) -> dict | None:
        message = last_message_with_buttons(self.transport, self.user.id)
        if message is None:
            self._note("console.no_buttons")
            return None
        if not argument.isdigit() or not 1 <= int(argument) <= len(message.buttons):
            self._note("console.bad_button", count=len(message.buttons))
            return None
        button = message.buttons[int(argument) - 1]
        return callback_update(self.transport, self.user, message, button["callback_data"])

    def _note(self, key: str, **params: object) -> None:
        language = self.user.language_code or "en"
        print(f"! {translate(language, key, **params)}", file=self.out, flush=True)

    async def print_continuously(self, interval: float = 0.5) -> None:
        """Print new messages every ``interval`` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval)
            self.print_new()

    def print_new(self) -> None:
        """Print messages not printed yet, and messages edited since they were printed."""
        for message in self.transport.messages_to(self.user.id):
            printed_edits = self._printed.get(message.message_id)
            if printed_edits is not None and printed_edits == message.edits:
                continue
            self._print(message, edited=printed_edits is not None)
            self._printed[message.message_id] = message.edits

    def _print(self, message: SentMessage, *, edited: bool) -> None:
        marker = "bot (edited)>" if edited else "bot>"
        lines = message.plain.splitlines() or [""]
        print(f"{marker} {lines[0]}", file=self.out)
        for line in lines[1:]:
            print(f"     {line}", file=self.out)
        for number, button in enumerate(message.buttons, start=1):
            print(f"     [{number}] {button.get('text', '')}", file=self.out)
        self.out.flush()


async def ensure_demo_user(application: Application, user: TgUser, settings: Settings) -> None:
    """Create the demo rep, who is also the manager of the demo team, unless it exists."""
    services = application.bot_data["services"]
    async with services.sessions() as session, session.begin():
        if await session.get(User, user.id) is not None:
            return
        profile = users.Profile(
            user_id=user.id,
            chat_id=user.id,
            full_name=user.first_name,
            username=user.username,
            language=settings.default_language,
            timezone=settings.default_timezone,
            digest_time=settings.default_digest_time,
        )
        await users.create_demo_manager(session, profile, services.clock())
    logger.info("created demo user %s as manager of the demo team", user.id)


async def run_console(
    settings: Settings,
    *,
    user_id: int | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Run the bot against the local transport until end of input; return the exit code."""
    from bot import build_application

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    transport = LocalTransport()
    application = build_application(settings, transport=transport)
    user = TgUser(
        id=user_id or DEMO_USER_ID,
        first_name="Demo Rep",
        username="demo_rep",
        language_code=settings.default_language,
    )
    interactive = stdin.isatty()

    async with application:
        # run_polling would call this hook; the console drives the Application by hand.
        await application.post_init(application)
        await ensure_demo_user(application, user, settings)
        await application.start()
        chat = ConsoleChat(application, transport, user, stdout)
        if interactive:
            chat._note("console.welcome")
        loop = asyncio.get_running_loop()
        # In a terminal, pushes from jobs (reminders, digests) show up while the user types.
        printer = asyncio.create_task(chat.print_continuously()) if interactive else None
        try:
            while True:
                if interactive:
                    print("you> ", end="", file=stdout, flush=True)
                line = await loop.run_in_executor(None, stdin.readline)
                if not line:
                    break
                await chat.handle_line(line)
                chat.print_new()
        finally:
            if printer is not None:
                printer.cancel()
            await application.stop()
            # A tick that was running when input ended may have sent more; show it.
            chat.print_new()
    # run_polling would call these hooks; the console drives the Application by hand.
    await application.post_shutdown(application)
    return 0
