"""Background jobs on APScheduler 3 (DESIGN.md rule 8): each job builds its arguments and calls one service.

Every job: max_instances=1, coalesce=True, an explicit misfire_grace_time, an idempotent body, and the job lock
(a PostgreSQL advisory lock on a shared ledger) so two workstations never run it at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from app.domain.users import Actor
from app.ports.jobs import JobLock
from app.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobIntervals:
    balances_s: float = 300.0          # every 5 minutes
    engine_s: float = 3.0              # the submission engine: one pass every few seconds
    reconciliation_s: float = 3600.0   # reconciliation (I7): fetch the banks' details, match debits, raise alerts
    reconciliation_first_s: float = 120.0   # the first run after start-up (run_now), once the engine had its go
    misfire_grace_s: int = 120


def refresh_balances(services: Services, lock: JobLock) -> None:
    """Refresh every connected account's balance (the service respects each bank's query interval)."""
    if services.bank_data is None:
        return
    with lock.hold("refresh_balances") as mine:
        if not mine:
            return
        try:
            services.bank_data.refresh_balances(Actor.system())
        except Exception:  # a job must never die silently: log and try again next time
            log.exception("balance refresh failed")


def run_submission_engine(services: Services) -> None:
    """One pass of the submission engine (send, follow up). No job lock: the engine is safe with any number of
    senders (claims with leases and fencing tokens); max_instances=1 keeps one pass per process at a time."""
    if services.submission is None:
        return
    try:
        report = services.submission.run_once()
        for error in report.errors:
            log.warning("submission engine: %s", error)
    except Exception:  # a job must never die silently: log and try again next time
        log.exception("submission engine pass failed")


def reconcile(services: Services, lock: JobLock) -> None:
    """Reconciliation, the last net: one workstation at a time (job lock); the service raises each finding once."""
    service = getattr(services, "reconciliation", None)
    if service is None:
        return
    with lock.hold("reconciliation") as mine:
        if not mine:
            return
        try:
            report = service.run(Actor.system())
            for error in report.errors:
                log.warning("reconciliation: %s", error)
        except Exception:  # a job must never die silently: log and try again next time
            log.exception("reconciliation failed")


def start_background_jobs(services: Services, lock: JobLock, intervals: JobIntervals | None = None,
                          *, run_now: bool = True) -> BackgroundScheduler:
    iv = intervals or JobIntervals()
    scheduler = BackgroundScheduler(timezone=UTC, job_defaults={
        "max_instances": 1, "coalesce": True, "misfire_grace_time": iv.misfire_grace_s})
    scheduler.add_job(refresh_balances, "interval", seconds=iv.balances_s, args=(services, lock),
                      id="refresh_balances", next_run_time=datetime.now(UTC) if run_now else None,
                      max_instances=1, coalesce=True, misfire_grace_time=iv.misfire_grace_s)
    scheduler.add_job(run_submission_engine, "interval", seconds=iv.engine_s, args=(services,),
                      id="run_submission_engine",
                      next_run_time=datetime.now(UTC) + timedelta(seconds=0 if run_now else iv.engine_s),
                      max_instances=1, coalesce=True, misfire_grace_time=iv.misfire_grace_s)
    scheduler.add_job(reconcile, "interval", seconds=iv.reconciliation_s, args=(services, lock), id="reconcile",
                      next_run_time=datetime.now(UTC) + timedelta(
                          seconds=iv.reconciliation_first_s if run_now else iv.reconciliation_s),
                      max_instances=1, coalesce=True, misfire_grace_time=iv.misfire_grace_s)
    scheduler.start()
    return scheduler
