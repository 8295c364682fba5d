"""Events announce committed work; background jobs call services under the job lock."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import pytest

from app.scheduler.jobs import JobIntervals, refresh_balances, start_background_jobs
from app.services.events import BALANCES_REFRESHED, EventHub


def test_hub_delivers_to_every_subscriber_and_survives_a_broken_one():
    hub = EventHub()
    seen = []

    def broken(name, payload):
        raise RuntimeError("listener bug")

    hub.subscribe(broken)
    unsubscribe = hub.subscribe(lambda n, p: seen.append((n, p)))
    hub.publish("x_happened", {"a": 1})
    assert seen == [("x_happened", {"a": 1})]
    unsubscribe()
    hub.publish("x_happened", {"a": 2})
    assert len(seen) == 1


class FakeLock:
    def __init__(self, free: bool):
        self.free = free
        self.asked = []

    @contextmanager
    def hold(self, name):
        self.asked.append(name)
        yield self.free


class CountingBank:
    def __init__(self, fail=False):
        self.calls = 0
        self.fail = fail

    def refresh_balances(self, actor, account_ids=None, *, force=False):
        self.calls += 1
        if self.fail:
            raise RuntimeError("bank down")
        return []


class Bundle:
    def __init__(self, bank):
        self.bank_data = bank


def test_job_skips_when_another_workstation_holds_the_lock():
    bank = CountingBank()
    refresh_balances(Bundle(bank), FakeLock(free=False))
    assert bank.calls == 0
    refresh_balances(Bundle(bank), FakeLock(free=True))
    assert bank.calls == 1


def test_job_failure_is_logged_not_raised(caplog):
    bank = CountingBank(fail=True)
    refresh_balances(Bundle(bank), FakeLock(free=True))
    assert bank.calls == 1 and "balance refresh failed" in caplog.text


def test_scheduler_refreshes_real_balances_and_announces_them(sandbox_demo):
    ctx, _state = sandbox_demo
    from storage.job_lock import SqlJobLock

    got = threading.Event()
    unsubscribe = ctx.services.events.subscribe(lambda n, p: got.set() if n == BALANCES_REFRESHED else None)
    scheduler = start_background_jobs(ctx.services, SqlJobLock(ctx.ledger.engine), JobIntervals(balances_s=3600))
    try:
        assert got.wait(30), "the first balance refresh did not run"
        job = scheduler.get_job("refresh_balances")
        assert job.max_instances == 1 and job.coalesce is True and job.misfire_grace_time == 120
    finally:
        scheduler.shutdown(wait=True)
        unsubscribe()
    from app.domain.users import Actor

    balances = ctx.services.bank_data.latest_balances(Actor.system())
    assert balances and all(b.error is None and b.available_minor is not None for b in balances)


@pytest.mark.postgres
def test_pg_job_lock_excludes_a_second_holder(tmp_path):
    import os

    url = os.environ.get("BANKDIRECT_TEST_PG_URL")
    if not url:
        pytest.skip("PostgreSQL tests need BANKDIRECT_TEST_PG_URL pointing at a reachable server")
    from sqlalchemy import create_engine

    from storage.job_lock import SqlJobLock

    engine = create_engine(url)
    try:
        first, second = SqlJobLock(engine), SqlJobLock(engine)  # two workstations
        with first.hold("refresh_balances") as mine:
            assert mine
            with second.hold("refresh_balances") as theirs:
                assert not theirs
        with second.hold("refresh_balances") as now_mine:
            assert now_mine
    finally:
        engine.dispose()
    time.sleep(0)
