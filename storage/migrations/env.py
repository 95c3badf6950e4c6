"""Alembic environment. ``storage.db.migrate`` passes an open connection in the config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.models import Base

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    # Command-line use (alembic revision --autogenerate): a sync URL from -x url=...
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///data/crm.sqlite3")
    with create_engine(url).begin() as sync_connection:
        context.configure(
            connection=sync_connection, target_metadata=Base.metadata, render_as_batch=True
        )
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
