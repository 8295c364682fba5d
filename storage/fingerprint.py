"""Fingerprints of the whole database: proof that a rejected input changed nothing, and backup manifests.

Every table the database holds (reflected, so the Alembic version table and future tables count too) is
read in primary-key order; each row is serialised canonically and hashed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, MetaData, Table, select


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _table_digest(conn: Any, table: Table) -> tuple[int, str]:
    keys = list(table.primary_key.columns) or list(table.columns)
    digest = hashlib.sha256()
    digest.update(json.dumps([c.name for c in table.columns], ensure_ascii=False).encode("utf-8"))
    count = 0
    for row in conn.execute(select(table).order_by(*keys)):
        line = json.dumps([_plain(v) for v in row], ensure_ascii=False, default=str, separators=(",", ":"))
        digest.update(b"\n")
        digest.update(line.encode("utf-8"))
        count += 1
    return count, digest.hexdigest()


def table_fingerprints(engine: Engine) -> dict[str, dict]:
    """``{table: {"rows": n, "sha256": hex}}`` for every table, read in one transaction."""
    out: dict[str, dict] = {}
    with engine.connect() as conn:
        try:
            metadata = MetaData()
            metadata.reflect(bind=conn)
            for name in sorted(metadata.tables):
                rows, sha = _table_digest(conn, metadata.tables[name])
                out[name] = {"rows": rows, "sha256": sha}
        finally:
            conn.rollback()
    return out


def state_fingerprint(engine: Engine) -> str:
    """One SHA-256 over every table's rows (tables sorted by name, rows in primary-key order)."""
    digest = hashlib.sha256()
    for name, info in table_fingerprints(engine).items():
        digest.update(f"{name}\t{info['rows']}\t{info['sha256']}\n".encode())
    return digest.hexdigest()
