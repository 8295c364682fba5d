"""Storage fixtures: a fresh ledger on SQLite (tmp_path) and on PostgreSQL (BANKDIRECT_TEST_PG_URL).

PostgreSQL: one uniquely named database per test module (CREATE DATABASE over an AUTOCOMMIT connection),
its public schema wiped before each test, the database dropped after the module.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, make_url

from tests.storage.support import AUDIT_KEY, FixedClock

PG_ENV = "BANKDIRECT_TEST_PG_URL"
PG_SKIP = ("PostgreSQL tests need BANKDIRECT_TEST_PG_URL pointing at a reachable server "
           "(make test sets it when 127.0.0.1:5432 answers)")


def _psycopg_url(raw: str):
    url = make_url(raw)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


@pytest.fixture(scope="module")
def pg_database_url():
    """URL of a fresh database for this test module (skips when no server is configured/reachable)."""
    raw = os.environ.get(PG_ENV)
    if not raw:
        pytest.skip(PG_SKIP)
    base = _psycopg_url(raw)
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception:
        admin.dispose()
        pytest.skip(PG_SKIP)
    name = f"bd_test_{uuid.uuid4().hex[:16]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def wipe_pg_database(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """None (SQLite in the data dir) or the URL of an empty PostgreSQL database."""
    if request.param == "sqlite":
        return None
    url = request.getfixturevalue("pg_database_url")
    wipe_pg_database(url)
    return url


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def clock():
    return FixedClock()


@pytest.fixture
def ledger(db_url, data_dir, clock):
    from storage.db import open_ledger

    opened = open_ledger(db_url, data_dir, clock=clock)
    yield opened
    opened.dispose()


@pytest.fixture
def uow(ledger, clock):
    """The unit-of-work factory: ``uow()`` writes, ``uow(read_only=True)`` reads."""
    return ledger.unit_of_work_factory(AUDIT_KEY, clock)


@pytest.fixture
def org(uow):
    with uow() as u:
        created = u.organizations.add("测试有限公司", "91350100M000100Y43")
        u.commit()
    return created
