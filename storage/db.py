"""Engine, session factory and schema migration for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant works; all processes of one deployment must use the same one.
MIGRATION_LOCK_ID = 7_412_001
SQLITE_BUSY_TIMEOUT_MS = 15_000


def create_engine(database_url: str) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL, a busy timeout and foreign keys."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def _configure_sqlite(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Several bot processes may start together; only one migrates at a time.
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest migration; safe to run from several processes at once."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)
    logger.info(
        "database schema is up to date (%s)", engine.url.render_as_string(hide_password=True)
    )


async def insert_if_absent(
    session: AsyncSession, model: type, conflict_columns: list[str], **values: object
) -> bool:
    """Insert one row unless one with the same ``conflict_columns`` exists; return inserted.

    ``INSERT ... ON CONFLICT DO NOTHING`` on a unique key lets exactly one of several
    processes insert the row; on PostgreSQL a concurrent insert waits for the first to
    commit. Both SQLite and PostgreSQL support the clause.
    """
    dialect_insert = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    result = await session.execute(
        dialect_insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
    )
    return result.rowcount == 1
