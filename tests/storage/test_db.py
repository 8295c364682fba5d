"""Opening the ledger: migrations, pragmas, ledger id, pre-migration backup, refusals."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from app.domain.errors import StorageUnavailable
from storage import migration
from storage.db import open_ledger
from storage.engine import sqlite_engine
from storage.orm import Base
from tests.storage.support import AUDIT_KEY


def test_empty_database_migrates_to_head(ledger):
    assert ledger.current_revision() == migration.head_revision()
    assert len(migration.known_revisions()) >= 2
    with ledger.engine.connect() as conn:
        tables = set(conn.dialect.get_table_names(conn))
        conn.rollback()
    assert set(Base.metadata.tables) <= tables


def test_migrated_schema_matches_the_orm_models(ledger):
    with ledger.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        conn.rollback()
    assert diff == []


def test_second_open_is_idempotent_and_ledger_id_is_stable(ledger, db_url, data_dir, clock):
    first_id = ledger.ledger_id
    assert len(first_id) == 36
    again = open_ledger(db_url, data_dir, clock=clock)
    try:
        assert again.ledger_id == first_id
        assert again.migrated_to is None
        assert again.pre_migration_backup is None
        assert again.current_revision() == migration.head_revision()
    finally:
        again.dispose()
    assert not (data_dir / "backups").exists()


def test_url_masks_the_password():
    ledger_url = "postgresql+psycopg://bank:s3cret-pw@127.0.0.1:1/ledger"
    from storage.engine import postgresql_engine

    engine = postgresql_engine(ledger_url)
    try:
        assert "s3cret-pw" not in str(engine.url)
        assert "***" in str(engine.url)
    finally:
        engine.dispose()


def test_sqlite_pragmas_are_set_on_every_connection(ledger):
    if not ledger.is_sqlite:
        pytest.skip("SQLite only")
    assert ledger.path is not None and ledger.path.name == "ledger.sqlite3"
    with ledger.engine.connect() as a, ledger.engine.connect() as b:
        for conn in (a, b):
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
            conn.rollback()


def test_postgresql_session_settings(ledger):
    if ledger.is_sqlite:
        pytest.skip("PostgreSQL only")
    assert ledger.path is None
    with ledger.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
        assert conn.exec_driver_sql("SHOW TimeZone").scalar() == "UTC"
        conn.rollback()
    assert ledger.engine.pool._pre_ping


def test_write_unit_of_work_takes_the_write_lock_immediately(ledger, uow, clock):
    if not ledger.is_sqlite:
        pytest.skip("SQLite only")
    other = sqlite3.connect(ledger.path, timeout=0, isolation_level=None)
    try:
        with uow() as u:
            u.organizations.get()  # only a read so far: BEGIN IMMEDIATE already holds the write lock
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released by the rollback on exit
        other.execute("ROLLBACK")
        with uow(read_only=True) as u:
            u.organizations.get()  # a reader does not block writers
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()


def test_read_only_unit_of_work_cannot_write(ledger, uow):
    with pytest.raises(StorageUnavailable) as info, uow(read_only=True) as u:
        u.organizations.add("只读公司", None)
    assert info.value.code == "READ_ONLY"
    with uow(read_only=True) as u:
        assert u.organizations.get() is None


def test_concurrent_writers_serialise(ledger, uow, org):
    """Two threads appending audit entries concurrently: the chain stays intact (head locking / IMMEDIATE)."""
    from app.domain.users import Actor

    errors = []

    def work(n):
        try:
            for i in range(10):
                with uow() as u:
                    u.audit.append(Actor(None, f"worker{n}"), "test.concurrent", "t", str(i), {"i": i})
                    u.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with uow(read_only=True) as u:
        assert u.audit.count() == 30
        assert u.audit.verify().ok


def _create_at_first_revision(data_dir) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = sqlite_engine(data_dir / "ledger.sqlite3")
    try:
        with engine.begin() as conn:
            migration.upgrade(conn, "0001_initial")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO ledger_meta (key, value) VALUES ('marker', 'from-0001')"))
    finally:
        engine.dispose()


def test_existing_sqlite_ledger_behind_head_is_backed_up_before_migrating(tmp_path, clock):
    data_dir = tmp_path / "data"
    _create_at_first_revision(data_dir)
    ledger = open_ledger(None, data_dir, clock=clock)
    try:
        head = migration.head_revision()
        assert ledger.current_revision() == head
        assert ledger.migrated_from == "0001_initial" and ledger.migrated_to == head
        expected = data_dir / "backups" / f"ledger-20250301T083000Z-pre-{head}.sqlite3"
        assert ledger.pre_migration_backup == expected
        assert expected.is_file()
        copy = sqlite3.connect(expected)
        try:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert copy.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001_initial"
            assert copy.execute("SELECT value FROM ledger_meta WHERE key='marker'").fetchone()[0] == "from-0001"
            assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        finally:
            copy.close()
        assert [p.name for p in (data_dir / "backups").iterdir()] == [expected.name]  # no temp file left
    finally:
        ledger.dispose()


def test_brand_new_sqlite_ledger_is_not_backed_up(tmp_path, clock):
    ledger = open_ledger(None, tmp_path / "data", clock=clock)
    try:
        assert ledger.pre_migration_backup is None
        assert ledger.migrated_from is None and ledger.migrated_to == migration.head_revision()
        assert not (tmp_path / "data" / "backups").exists()
    finally:
        ledger.dispose()


def test_migrate_false_refuses_an_outdated_ledger(tmp_path, clock):
    data_dir = tmp_path / "data"
    _create_at_first_revision(data_dir)
    with pytest.raises(StorageUnavailable) as info:
        open_ledger(None, data_dir, migrate=False, clock=clock)
    assert info.value.code == "MIGRATION_REQUIRED"
    assert not (data_dir / "backups").exists()


def test_ledger_from_a_newer_version_is_refused(ledger, db_url, data_dir, clock):
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(StorageUnavailable) as info:
        open_ledger(db_url, data_dir, clock=clock)
    assert info.value.code == "LEDGER_TOO_NEW"


def test_foreign_sqlite_file_is_refused(tmp_path, clock):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    conn = sqlite3.connect(data_dir / "ledger.sqlite3")
    conn.execute("CREATE TABLE something (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StorageUnavailable) as info:
        open_ledger(None, data_dir, clock=clock)
    assert info.value.code == "NOT_A_LEDGER"


def test_unreachable_postgresql_gives_a_clear_error(tmp_path):
    url = "postgresql+psycopg://bank:topsecret@127.0.0.1:9/ledger?connect_timeout=2"
    with pytest.raises(StorageUnavailable) as info:
        open_ledger(url, tmp_path)
    assert info.value.code == "DB_UNREACHABLE"
    assert "topsecret" not in info.value.message
    assert "127.0.0.1" in info.value.message
    assert "Traceback" not in info.value.message


def test_unsupported_url_is_refused(tmp_path):
    with pytest.raises(StorageUnavailable) as info:
        open_ledger("mysql://root@localhost/ledger", tmp_path)
    assert info.value.code == "BAD_DB_URL"


def test_unit_of_work_factory_shares_one_session(uow):
    with uow() as u:
        assert u.users._s is u.payees._s is u.audit._s


def test_audit_key_is_required_to_append(ledger, clock, org):
    from app.domain.users import Actor

    factory = ledger.unit_of_work_factory(b"", clock)
    with factory() as u, pytest.raises(ValueError, match="HMAC key"):
        u.audit.append(Actor.system(), "test.nokey")
    with factory(read_only=True) as u:
        assert u.audit.count() == 0
    assert AUDIT_KEY  # the fixture key is non-empty


def test_head_revision_constant_matches_alembic():
    from storage import migration

    assert migration.head_revision() == migration.alembic_head_revision()
    assert migration.HEAD_REVISION in migration.known_revisions()
