"""Several senders on one ledger never send a payment twice (I6): PostgreSQL with FOR UPDATE SKIP LOCKED claims,
and SQLite with its write lock; de-duplication OFF at the bank, so a double send would show as a double debit."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace

import pytest

from app.domain.payment import PaymentStatus
from app.services.submission import SubmissionService
from tests.engine.support import FAST, bank_report, start_world, stop_world
from tests.storage.conftest import wipe_pg_database


def _engines(world, n: int, **settings) -> list[SubmissionService]:
    base = world.services.submission
    return [SubmissionService(base._uow, base._clock, base._connectors,
                              settings=replace(FAST, **{k: v(i) if callable(v) else v for k, v in settings.items()}),
                              worker_id=f"sender-{i}") for i in range(n)]


def _run_senders(world, n_senders: int, engines: list[SubmissionService] | None = None) -> None:
    engines = engines or _engines(world, n_senders)
    errors: list[BaseException] = []

    def run(engine):
        try:
            engine.run_until_idle(timeout_s=90, poll_s=0.02)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_concurrent_senders_pay_each_payment_once(backend, request, tmp_path):
    db_url = request.getfixturevalue("pg_database_url") if backend == "postgresql" else None
    world = start_world(tmp_path, dedup="off", db_url=db_url)
    try:
        ids = world.signed_payments(24, amount="2.50")
        _run_senders(world, 3)
        viewer = world.actor("maker")
        payments = [world.services.submission.trace(viewer, pid) for pid in ids]
        debits = Counter(d["client_reference"] for d in bank_report(world)["debits"])
        assert {t.payment.status for t in payments} == {PaymentStatus.SUCCEEDED}
        assert all(debits[t.payment.client_reference] == 1 for t in payments)
        # every submission was sent by exactly one sender, once
        attempts = [a for t in payments for a in t.attempts]
        assert {a.outcome.value for a in attempts} == {"ANSWERED"}
        assert len({a.submission_id for a in attempts}) == len({a.id for a in attempts})
    finally:
        stop_world(world)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_sharded_workers_each_take_their_share_and_pay_each_payment_once(backend, request, tmp_path):
    """``--shard K/N`` (the payroll bench runs one worker per core this way): each worker queues, prepares and
    follows up only the payments with id ≡ K mod N, any of them sends any READY submission; together they pay every
    payment exactly once and follow every one to its final status."""
    db_url = request.getfixturevalue("pg_database_url") if backend == "postgresql" else None
    if db_url is not None:
        wipe_pg_database(db_url)   # the module's database: the test before this one left its ledger in it
    world = start_world(tmp_path, dedup="off", db_url=db_url)
    try:
        ids = world.signed_payments(30, amount="1.25")
        base = world.services.submission
        engines = _engines(world, 2, shard=lambda k: (k, 2))
        viewer = world.actor("maker")

        def statuses() -> dict[int, PaymentStatus]:
            return {pid: world.services.submission.trace(viewer, pid).payment.status for pid in ids}

        engines[0].queue_signed()   # shard 0 queues its share only
        assert {pid for pid, st in statuses().items() if st is PaymentStatus.QUEUED} == {i for i in ids if i % 2 == 0}
        assert {pid for pid, st in statuses().items() if st is PaymentStatus.SIGNED} == {i for i in ids if i % 2 == 1}
        _run_senders(world, 2, engines)
        payments = [world.services.submission.trace(viewer, pid) for pid in ids]
        debits = Counter(d["client_reference"] for d in bank_report(world)["debits"])
        assert {t.payment.status for t in payments} == {PaymentStatus.SUCCEEDED}
        assert all(debits[t.payment.client_reference] == 1 for t in payments)
        attempts = [a for t in payments for a in t.attempts]
        assert {a.outcome.value for a in attempts} == {"ANSWERED"}
        # a submission holds the payments of one shard only (each worker prepares its own share)
        for t in payments:
            assert t.submission is not None
            assert {pid % 2 for pid in t.submission.payment_ids} == {t.payment.id % 2}
        assert base.pending() == 0
    finally:
        stop_world(world)
