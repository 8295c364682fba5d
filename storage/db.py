"""Opening the ledger: SQLite by default (one workstation), PostgreSQL for a shared department ledger.

``open_ledger`` refuses SQLite files on network shares, translates an unreachable database into
``StorageUnavailable`` (no traceback for the user), copies an existing SQLite ledger to
``<data_dir>/backups/`` before running pending migrations, migrates to head and makes sure the ledger has
its stable random id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

from sqlalchemy import URL, Engine, insert, inspect, make_url, select
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError

from app.domain.errors import StorageUnavailable
from app.ports.clock import Clock, SystemClock
from storage import migration
from storage.backup import copy_sqlite
from storage.engine import postgresql_engine, sqlite_engine
from storage.mounts import MountsReader, ensure_local_disk
from storage.orm import META_LEDGER_ID, LedgerMeta
from storage.unit_of_work import SqlUnitOfWork

LEDGER_FILE = "ledger.sqlite3"
BACKUP_DIR = "backups"


class Ledger:
    """An open ledger database. ``str(ledger.url)`` masks the password."""

    def __init__(self, engine: Engine, path: Path | None, ledger_id: str, *,
                 migrated_from: str | None = None, migrated_to: str | None = None,
                 pre_migration_backup: Path | None = None):
        self.engine = engine
        self.path = path
        self.ledger_id = ledger_id
        self.migrated_from = migrated_from          # revision before this open's migration (None: new/none ran)
        self.migrated_to = migrated_to              # revision reached by this open's migration (None: none ran)
        self.pre_migration_backup = pre_migration_backup

    @property
    def url(self) -> URL:
        return self.engine.url

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            try:
                return migration.current_revision(conn)
            finally:
                conn.rollback()

    def dispose(self) -> None:
        self.engine.dispose()

    def unit_of_work_factory(self, audit_key: bytes, clock: Clock) -> Callable[..., SqlUnitOfWork]:
        engine = self.engine

        def factory(read_only: bool = False) -> SqlUnitOfWork:
            return SqlUnitOfWork(engine, audit_key, clock, read_only=read_only)

        return factory

    def __repr__(self) -> str:
        return f"Ledger({self.path if self.is_sqlite else self.url!s}, id={self.ledger_id})"


def _unreachable(target: str, exc: BaseException) -> StorageUnavailable:
    text = str(getattr(exc, "orig", None) or exc).strip()
    reason = text.splitlines()[0] if text else type(exc).__name__
    return StorageUnavailable(
        f"cannot open the ledger database {target}: {reason}. Check that the database server is running and "
        "reachable, and that the address, user name and password in the database URL are right.",
        code="DB_UNREACHABLE")


def _sqlite_path(url: str | None, data_dir: Path) -> Path:
    if url is None:
        return data_dir / LEDGER_FILE
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise StorageUnavailable("the ledger needs a SQLite file path (in-memory and URI databases are not "
                                 "supported)", code="BAD_DB_URL")
    return Path(database)


def _has_tables(engine: Engine) -> bool:
    with engine.connect() as conn:
        try:
            return bool(inspect(conn).get_table_names())
        finally:
            conn.rollback()


def _backup_path(data_dir: Path, target: str, clock: Clock) -> Path:
    stamp = clock.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = data_dir / BACKUP_DIR / f"ledger-{stamp}-pre-{target}.sqlite3"
    n = 1
    while path.exists():
        n += 1
        path = data_dir / BACKUP_DIR / f"ledger-{stamp}-pre-{target}-{n}.sqlite3"
    return path


def _ensure_ledger_id(engine: Engine) -> str:
    query = select(LedgerMeta.value).where(LedgerMeta.key == META_LEDGER_ID)
    for _ in range(2):
        try:
            with engine.begin() as conn:
                value = conn.execute(query).scalar_one_or_none()
                if value:
                    return value
                value = str(uuid.uuid4())
                conn.execute(insert(LedgerMeta).values(key=META_LEDGER_ID, value=value))
                return value
        except IntegrityError:  # another workstation created it at the same moment: read theirs
            continue
    raise StorageUnavailable("cannot record the ledger id", code="DB_UNAVAILABLE")


def _prepare_schema(engine: Engine, sqlite_path: Path | None, existed: bool, data_dir: Path, migrate: bool,
                    clock: Clock) -> tuple[str | None, str | None, Path | None]:
    """Bring the schema to head. Returns (revision before, revision after, backup path) when it migrated."""
    head = migration.head_revision()
    with engine.connect() as conn:
        try:
            current = migration.current_revision(conn)
        finally:
            conn.rollback()
    if current == head:
        return None, None, None
    if current is not None and current not in migration.known_revisions():
        raise StorageUnavailable(
            f"this ledger was upgraded by a newer BankDirect (schema revision {current}); install that version "
            "or newer to open it", code="LEDGER_TOO_NEW")
    if current is None and existed and _has_tables(engine):
        raise StorageUnavailable(f"{sqlite_path} is not a BankDirect ledger (it has tables but no schema "
                                 "revision); choose another data folder", code="NOT_A_LEDGER")
    if not migrate:
        raise StorageUnavailable(
            f"the ledger schema is at revision {current or 'none'} but this version needs {head}; open it with "
            "migrations enabled", code="MIGRATION_REQUIRED")
    backup = None
    if sqlite_path is not None and existed and current is not None:
        backup = _backup_path(data_dir, head, clock)
        copy_sqlite(sqlite_path, backup)
    try:
        with engine.begin() as conn:
            migration.upgrade(conn, "head")
    except DBAPIError as exc:
        where = f"; the copy taken before it is {backup}" if backup else ""
        raise StorageUnavailable(f"upgrading the ledger schema to {head} failed and was rolled back: "
                                 f"{str(exc.orig).splitlines()[0] if exc.orig else exc}{where}",
                                 code="MIGRATION_FAILED") from exc
    return current, head, backup


def open_ledger(url: str | None, data_dir: Path, *, migrate: bool = True,
                mounts_reader: MountsReader | None = None, clock: Clock | None = None) -> Ledger:
    """Open (creating and migrating as needed) the ledger.

    ``url`` None → SQLite at ``data_dir/ledger.sqlite3``; ``postgresql...`` → the shared ledger (TLS settings
    such as ``sslmode`` belong in the URL). ``mounts_reader`` returns /proc/self/mounts-style text (tests).
    """
    data_dir = Path(data_dir)
    clock = clock or SystemClock()
    sqlite_path: Path | None = None
    existed = False
    if url is None or url.startswith("sqlite"):
        sqlite_path = _sqlite_path(url, data_dir)
        ensure_local_disk(sqlite_path.parent, mounts_reader)
        try:
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"cannot create the ledger folder {sqlite_path.parent}: "
                                     f"{exc.strerror or exc}", code="DB_UNREACHABLE") from exc
        existed = sqlite_path.is_file() and sqlite_path.stat().st_size > 0
        engine = sqlite_engine(sqlite_path)
        target = str(sqlite_path)
    elif url.startswith("postgresql"):
        try:
            engine = postgresql_engine(url)
        except (ArgumentError, NoSuchModuleError, ValueError) as exc:
            raise StorageUnavailable(f"the database URL is not valid: {exc}", code="BAD_DB_URL") from exc
        target = str(engine.url)
    else:
        raise StorageUnavailable("the database URL must start with postgresql:// (shared ledger) or be left "
                                 "empty (a SQLite ledger in the data folder)", code="BAD_DB_URL")
    try:
        before, after, backup = _prepare_schema(engine, sqlite_path, existed, data_dir, migrate, clock)
        ledger_id = _ensure_ledger_id(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise _unreachable(target, exc) from exc
    except BaseException:
        engine.dispose()
        raise
    return Ledger(engine, sqlite_path, ledger_id, migrated_from=before, migrated_to=after,
                  pre_migration_backup=backup)
