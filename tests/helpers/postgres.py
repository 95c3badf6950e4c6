"""Statements on the test PostgreSQL server that must run outside a transaction."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

RESET_SCHEMA = ("DROP SCHEMA public CASCADE", "CREATE SCHEMA public")


async def execute_autocommit(url: str, *statements: str) -> None:
    """Run ``statements`` one by one on ``url`` in autocommit mode (CREATE DATABASE needs it)."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()
