"""Fixtures of the storage tests: each test runs on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, migrate


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database: a fresh SQLite file, then a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'crm.sqlite3'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on ``database_url`` with the schema migrated to the newest version."""
    engine = create_engine(database_url)
    await migrate(engine)
    yield engine
    await engine.dispose()
