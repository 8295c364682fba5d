"""The reconciliation job (DESIGN.md rule 8): thin, under the job lock (one workstation at a time), never dies
silently, registered with max_instances=1, coalesce and an explicit misfire grace on a configurable interval."""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from types import SimpleNamespace

from app.domain.users import Actor
from app.scheduler.jobs import JobIntervals, reconcile, start_background_jobs


class Lock:
    def __init__(self, mine: bool = True):
        self.mine = mine
        self.held: list[str] = []

    @contextmanager
    def hold(self, name: str):
        self.held.append(name)
        yield self.mine


class Reconciler:
    def __init__(self, fail: bool = False):
        self.actors: list[Actor] = []
        self.fail = fail
        self.ran = threading.Event()

    def run(self, actor: Actor):
        self.actors.append(actor)
        self.ran.set()
        if self.fail:
            raise RuntimeError("boom")
        return SimpleNamespace(errors=("…1234: BANK_UNAVAILABLE: down",))


def test_the_job_runs_reconciliation_as_the_system_under_its_lock(caplog):
    service, lock = Reconciler(), Lock()
    with caplog.at_level(logging.WARNING):
        reconcile(SimpleNamespace(reconciliation=service), lock)
    assert service.actors == [Actor.system()] and lock.held == ["reconciliation"]
    assert "BANK_UNAVAILABLE" in caplog.text


def test_another_workstation_holding_the_lock_means_no_run():
    service = Reconciler()
    reconcile(SimpleNamespace(reconciliation=service), Lock(mine=False))
    assert service.actors == []


def test_a_failing_run_is_logged_and_the_job_survives(caplog):
    service = Reconciler(fail=True)
    reconcile(SimpleNamespace(reconciliation=service), Lock())
    assert service.actors and "reconciliation failed" in caplog.text


def test_without_the_service_the_job_does_nothing():
    lock = Lock()
    reconcile(SimpleNamespace(), lock)
    assert lock.held == []


def test_the_scheduler_runs_reconciliation_on_its_interval():
    service = Reconciler()
    services = SimpleNamespace(reconciliation=service, submission=None, bank_data=None)
    scheduler = start_background_jobs(services, Lock(), JobIntervals(balances_s=3600, engine_s=3600,
                                                                     reconciliation_s=0.05), run_now=False)
    try:
        assert service.ran.wait(10), "the reconciliation job did not run"
        job = scheduler.get_job("reconcile")
        assert job.max_instances == 1 and job.coalesce is True and job.misfire_grace_time == 120
        assert job.trigger.interval.total_seconds() == 0.05
    finally:
        scheduler.shutdown(wait=True)
    assert JobIntervals().reconciliation_s == 3600.0
