"""Engines for both databases, with the connection settings the ledger relies on.

SQLite: WAL, synchronous=FULL, foreign keys, a 10 s busy timeout on every connection; pysqlite's own
transaction handling is switched off (the documented SQLAlchemy recipe) so that write units of work start
with ``BEGIN IMMEDIATE`` (the write lock is taken up front: no SQLITE_BUSY half-way through a read-modify-write)
and read-only ones with a plain ``BEGIN`` plus ``PRAGMA query_only``.

PostgreSQL: pool_pre_ping, UTC session time zone, synchronous_commit=on, read-only transactions for readers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url

from app.domain.errors import StorageUnavailable

READ_ONLY_OPTION = "bankdirect_read_only"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_on_begin)
    cur = dbapi_conn.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        mode = cur.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StorageUnavailable(
                f"the ledger file system does not support SQLite's write-ahead log (journal mode stayed {mode}); "
                "keep the ledger on a local disk", code="WAL_UNSUPPORTED")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
    finally:
        cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    if conn.get_execution_options().get(READ_ONLY_OPTION):
        conn.exec_driver_sql("PRAGMA query_only=ON")
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("PRAGMA query_only=OFF")
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def sqlite_engine(path: Path) -> Engine:
    engine = create_engine(URL.create("sqlite+pysqlite", database=str(path)),
                           connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _pg_on_connect(dbapi_conn: Any, _record: Any) -> None:
    previous = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    try:
        cur = dbapi_conn.cursor()
        try:
            cur.execute("SET TIME ZONE 'UTC'")
            cur.execute("SET synchronous_commit TO on")
        finally:
            cur.close()
    finally:
        dbapi_conn.autocommit = previous


def _pg_on_begin(conn: Connection) -> None:
    if conn.get_execution_options().get(READ_ONLY_OPTION):
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")


def postgresql_engine(url: str | URL) -> Engine:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = 10
    engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    event.listen(engine, "connect", _pg_on_connect)
    event.listen(engine, "begin", _pg_on_begin)
    return engine
