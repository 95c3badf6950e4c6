"""Entry point of the sales CRM bot: wiring and the command line, no business logic.

python bot.py                 poll Telegram, or console mode when no token is set
python bot.py console         console mode: stdin lines are messages from a demo rep
python bot.py import FILE     load a purchase or contact history
python bot.py analyze --as-of DATE --out FILE.csv
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from urllib.parse import urlparse

from telegram import Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest

from crm_core.cadence import CadenceTable
from handlers import (
    access,
    customer,
    digest,
    errors,
    fallback,
    gate,
    jobs,
    log_contact,
    overrides,
    reminders,
)
from handlers.common import Clock, Services, utc_now
from handlers.delivery import RateLimiter
from settings import Settings
from storage.db import create_engine, create_sessionmaker, migrate

logger = logging.getLogger(__name__)

# python-telegram-bot requires a token even when no request leaves the process.
CONSOLE_TOKEN = "1:local-console"
# Attempts to reach the Bot API at start before giving up with exit code 1.
BOOTSTRAP_RETRIES = 3


def build_application(
    settings: Settings, *, transport: BaseRequest | None = None, clock: Clock | None = None
) -> Application:
    """Build the Application with every handler and job; ``transport`` replaces Telegram."""
    builder = ApplicationBuilder()
    if transport is not None:
        builder = builder.token(settings.telegram_bot_token or CONSOLE_TOKEN)
        builder = builder.request(transport).get_updates_request(transport)
    else:
        builder = builder.token(settings.telegram_bot_token)
        builder = builder.base_url(settings.telegram_api_base_url)
    application = builder.post_init(_migrate_on_start).post_shutdown(_dispose_engine).build()

    engine = create_engine(settings.database_url)
    application.bot_data["engine"] = engine
    application.bot_data["services"] = Services(
        settings=settings,
        sessions=create_sessionmaker(engine),
        clock=clock or utc_now,
        cadence=CadenceTable.load(settings.cadence_file),
        limiter=RateLimiter(),
    )

    # The gate (group -100) stops edits, group chats and redelivered updates first.
    gate.register(application)
    # Within one group the first matching handler wins, so the catch-all for unknown
    # commands comes last. Conversations come before plain commands so that a conversation
    # step sees its text first.
    log_contact.register(application)
    access.register(application)
    customer.register(application)
    overrides.register(application)
    reminders.register(application)
    digest.register(application)
    fallback.register(application)
    application.add_error_handler(errors.handle_error)
    jobs.register_jobs(application)
    return application


async def _migrate_on_start(application: Application) -> None:
    await migrate(application.bot_data["engine"])


async def _dispose_engine(application: Application) -> None:
    await application.bot_data["engine"].dispose()


def configure_logging(level: str) -> None:
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level.upper()
    )
    # One line per HTTP request and per scheduler run would drown the business events.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def webhook_path(webhook_url: str) -> str:
    """Return the path of the public webhook URL, which the bot listens on locally too."""
    return urlparse(webhook_url).path.strip("/")


def run_polling(settings: Settings) -> None:
    application = build_application(settings)
    if settings.webhook_url:
        logger.info(
            "starting in webhook mode on %s:%s", settings.webhook_listen, settings.webhook_port
        )
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            # The load balancer forwards the public URL's path unchanged.
            url_path=webhook_path(settings.webhook_url),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret_token or None,
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=BOOTSTRAP_RETRIES,
        )
        return
    logger.info("starting in polling mode against %s", settings.telegram_api_base_url)
    # A few retries ride out a network that comes up after the bot at boot.
    application.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=BOOTSTRAP_RETRIES)


def run_for_real(settings: Settings) -> int:
    """Poll or serve the webhook; return 1 with a one-line reason when Telegram is out of reach."""
    try:
        run_polling(settings)
    except InvalidToken:
        logger.error("Telegram rejected TELEGRAM_BOT_TOKEN; check the token from @BotFather")
        return 1
    except NetworkError as error:
        logger.error(
            "cannot reach the Bot API at %s (%s); check TELEGRAM_API_BASE_URL and the network",
            settings.telegram_api_base_url,
            error,
        )
        return 1
    return 0


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bot.py", description="Sales CRM Telegram bot.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser(
        "run", help="poll Telegram (console mode when TELEGRAM_BOT_TOKEN is empty)"
    )
    console_parser = commands.add_parser("console", help="run the bot in the terminal")
    console_parser.add_argument(
        "--user-id", type=int, default=None, help="Telegram user id of the demo rep (default 1000)"
    )

    import_parser = commands.add_parser("import", help="load a purchase or contact history file")
    import_parser.add_argument("file", help="CSV, XLSX or whitespace-separated text file")
    import_parser.add_argument("--customer-col", help="column with the customer id or name")
    import_parser.add_argument("--date-col", help="column with the purchase or contact date")
    import_parser.add_argument("--amount-col", help="column with the amount (negative: refund)")
    import_parser.add_argument(
        "--kind-col", help="column with the contact kind (default purchase)"
    )
    import_parser.add_argument(
        "--satisfaction-col", help="column with the satisfaction score, a whole number 1-5"
    )
    import_parser.add_argument(
        "--date-format", help="strptime format of the date column, e.g. %%Y%%m%%d"
    )
    import_parser.add_argument(
        "--owner",
        type=int,
        help="Telegram user id of the rep who owns the imported customers "
        "(default: the console demo rep)",
    )

    analyze_parser = commands.add_parser(
        "analyze", help="write level, stage, risk and tier per customer"
    )
    analyze_parser.add_argument(
        "--as-of", required=True, help="use history up to this date, YYYY-MM-DD"
    )
    analyze_parser.add_argument("--out", required=True, help="CSV file to write")
    analyze_parser.add_argument("--language", default="en", help="language of the reason column")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # Opt in to timedelta values for durations such as RetryAfter.retry_after; they become
    # the default in the next major python-telegram-bot release.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    settings = Settings()
    configure_logging(settings.log_level)

    if args.command == "import":
        from storage.history_import import run_import

        return asyncio.run(run_import(settings, args))
    if args.command == "analyze":
        from storage.history_import import run_analyze

        return asyncio.run(run_analyze(settings, args))
    if args.command == "console" or (args.command in (None, "run") and settings.console_mode):
        from console.runner import run_console

        if sys.stdin.isatty() and "log_level" not in settings.model_fields_set:
            # Log lines would land between the prompt and the bot's replies.
            logging.getLogger().setLevel(logging.WARNING)
        if args.command != "console":
            logger.info("TELEGRAM_BOT_TOKEN is not set, so the bot runs in console mode")
        return asyncio.run(run_console(settings, user_id=getattr(args, "user_id", None)))
    return run_for_real(settings)


if __name__ == "__main__":
    sys.exit(main())
