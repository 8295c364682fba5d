"""Chaos fixtures: a fresh PostgreSQL database per test (BANKDIRECT_TEST_PG_URL), dropped afterwards."""

from __future__ import annotations

import os
import uuid

import pytest

PG_ENV = "BANKDIRECT_TEST_PG_URL"
SLOW_ENV = "BANKDIRECT_CHAOS_SLOW"


def _conninfo(url: str):
    from sqlalchemy import make_url

    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u


@pytest.fixture
def pg_url():
    import psycopg

    raw = os.environ.get(PG_ENV)
    if not raw:
        pytest.skip(f"the PostgreSQL chaos run needs {PG_ENV} pointing at a reachable server")
    base = _conninfo(raw)
    admin = dict(host=base.host or "127.0.0.1", port=base.port or 5432, user=base.username or "postgres",
                 password=base.password, dbname="postgres", connect_timeout=5, autocommit=True)
    try:
        conn = psycopg.connect(**{k: v for k, v in admin.items() if v is not None})
    except psycopg.OperationalError as exc:
        pytest.skip(f"{PG_ENV} is set but the server does not answer: {exc}")
    name = f"chaos_{uuid.uuid4().hex[:12]}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(**{k: v for k, v in admin.items() if v is not None}) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def slow_enabled():
    if os.environ.get(SLOW_ENV) != "1":
        pytest.skip(f"long chaos run: set {SLOW_ENV}=1 to run it")
