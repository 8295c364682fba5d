"""Alembic, configured in code: no alembic.ini at runtime, the connection is passed in."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

if TYPE_CHECKING:  # pragma: no cover
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")
# Arbitrary constant: the PostgreSQL advisory lock that serialises migrations across workstations.
MIGRATION_LOCK_ID = 0x42444D4947
# The newest revision, kept here so start-up need not import Alembic when the ledger is current (tests check it
# equals Alembic's own head: a new migration must update it).
HEAD_REVISION = "0011_trigger_conditions"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    return HEAD_REVISION


def alembic_head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def known_revisions() -> set[str]:
    return {rev.revision for rev in script_directory().walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    """The ledger's schema revision (plain SQL: no Alembic import on the start-up path)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise ValueError(f"the ledger has several schema heads: {rows}")
    return rows[0] if rows else None


def upgrade(connection: Connection, target: str = "head") -> None:
    """Run pending migrations inside the caller's transaction (commit is the caller's job).

    On PostgreSQL an advisory transaction lock makes a second workstation wait and then find nothing to do.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    from alembic import command

    command.upgrade(alembic_config(connection), target)
