"""Shared fixtures: a real SQLite file, a real PostgreSQL database, and the bot harness."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tests.helpers.postgres import RESET_SCHEMA, execute_autocommit

# RetryAfter.retry_after as a timedelta, as the bot sets it in bot.main.
os.environ.setdefault("PTB_TIMEDELTA", "true")

# Server the PostgreSQL tests use; each test session creates and drops its own database.
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
# Monday 2026-03-02 10:00 UTC: a fixed start so dates in tests are worked out by hand.
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test session, dropped at the end."""
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(execute_autocommit(POSTGRES_ADMIN_URL, f'CREATE DATABASE "{name}"'))
    except (OSError, DBAPIError) as error:  # the server is down or rejects the connection
        pytest.skip(
            f"no PostgreSQL server at {POSTGRES_ADMIN_URL} ({type(error).__name__}: {error})"
        )
    yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    asyncio.run(execute_autocommit(POSTGRES_ADMIN_URL, drop))


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A PostgreSQL database with an empty schema for one test."""
    asyncio.run(execute_autocommit(pg_server_url, *RESET_SCHEMA))
    yield pg_server_url


@pytest.fixture
def clock():
    from tests.helpers.harness import MovableClock

    return MovableClock(START)


@pytest.fixture
async def harness(request, tmp_path, clock) -> AsyncIterator:
    """The bot on a fresh SQLite file, with the local transport and a movable clock.

    ``@pytest.mark.harness_settings(name=value)`` overrides settings for one test or module.
    """
    # Imported here so that tests of the pure layers run even while the bot cannot start.
    from tests.helpers.harness import Harness, harness_settings, sqlite_url

    overrides = _settings_overrides(request)
    bot = Harness(harness_settings(sqlite_url(tmp_path / "crm.sqlite3"), **overrides), clock)
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def harness_pg(request, pg_url, clock) -> AsyncIterator:
    """The bot on a fresh PostgreSQL database."""
    from tests.helpers.harness import Harness, harness_settings

    bot = Harness(harness_settings(pg_url, **_settings_overrides(request)), clock)
    await bot.start()
    yield bot
    await bot.stop()


def _settings_overrides(request) -> dict:
    overrides: dict = {}
    for marker in reversed(list(request.node.iter_markers("harness_settings"))):
        overrides.update(marker.kwargs)
    return overrides
