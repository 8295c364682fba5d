"""The GUI process's submission-engine job: one engine pass every few seconds, never dying silently."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from app.domain.submission import EngineReport
from app.scheduler.jobs import JobIntervals, run_submission_engine, start_background_jobs


class CountingEngine:
    def __init__(self, fail: bool = False, errors: tuple[str, ...] = ()):
        self.calls = 0
        self.fail = fail
        self.errors = errors
        self.ran = threading.Event()

    def run_once(self) -> EngineReport:
        self.calls += 1
        if self.calls >= 2:
            self.ran.set()
        if self.fail:
            raise RuntimeError("ledger gone")
        return EngineReport(errors=self.errors)


class NoLock:
    def hold(self, name):  # pragma: no cover - the balance job never runs in these tests
        raise AssertionError("the engine job takes no job lock")


def test_engine_job_runs_one_pass_and_logs_bank_errors(caplog):
    engine = CountingEngine(errors=("BANK_UNAVAILABLE: connection refused",))
    run_submission_engine(SimpleNamespace(submission=engine))
    assert engine.calls == 1 and "BANK_UNAVAILABLE: connection refused" in caplog.text


def test_engine_job_failure_is_logged_not_raised(caplog):
    engine = CountingEngine(fail=True)
    run_submission_engine(SimpleNamespace(submission=engine))
    assert engine.calls == 1 and "submission engine pass failed" in caplog.text


def test_engine_job_without_an_engine_does_nothing():
    run_submission_engine(SimpleNamespace(submission=None))


def test_scheduler_runs_the_engine_on_its_interval():
    engine = CountingEngine()
    services = SimpleNamespace(submission=engine, bank_data=None)
    scheduler = start_background_jobs(services, NoLock(), JobIntervals(balances_s=3600, engine_s=0.05),
                                      run_now=False)
    try:
        assert engine.ran.wait(10), "the engine job did not run repeatedly"
        job = scheduler.get_job("run_submission_engine")
        assert job.max_instances == 1 and job.coalesce is True and job.misfire_grace_time == 120
        assert job.trigger.interval.total_seconds() == 0.05
    finally:
        scheduler.shutdown(wait=True)
    assert JobIntervals().engine_s == 3.0
