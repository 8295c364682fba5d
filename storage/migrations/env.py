"""Alembic environment for the ledger. Runs only through storage.migration, which passes a live connection
in ``config.attributes["connection"]`` (no alembic.ini, no URL in a file)."""

from __future__ import annotations

from alembic import context

from storage.orm import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - misuse guard
    raise RuntimeError("ledger migrations run through storage.migration.upgrade(), which passes a connection")
if context.is_offline_mode():  # pragma: no cover - misuse guard
    raise RuntimeError("offline (SQL script) migrations are not supported for the ledger")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
