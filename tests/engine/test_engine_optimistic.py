"""The engine reads the payments of a bank answer before it takes SQLite's write lock, and relies on versioned
writes: a payment changed between that read and the lock makes the unit of work roll back and run once more with
the payments read inside it — the answer is still recorded exactly once, without an UNKNOWN detour."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

import pytest
from sqlalchemy import text

from app.domain.payment import PaymentStatus
from tests.engine.support import start_world, stop_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = start_world(tmp_path_factory.mktemp("engine-optimistic"))
    yield w
    stop_world(w)


def test_payment_changed_between_read_and_lock_is_recorded_once(world):
    s = world.services
    engine = s.submission
    ids = world.signed_payments(3, amount="9.10")
    ledger = world.ctx.ledger.engine
    real = engine._uow
    seen = {"reads_while_sending": 0, "bumped": None}

    def sending() -> list[int]:
        with ledger.connect() as conn:
            return [r[0] for r in conn.execute(text(
                f"SELECT id FROM payment_requests WHERE status = 'SENDING' AND id IN ({','.join(map(str, ids))})"))]

    @contextmanager
    def uow(read_only: bool = False):
        with real(read_only=read_only) as u:
            yield u
        if read_only and seen["bumped"] is None and sending():
            seen["reads_while_sending"] += 1
            # the fence check before sending: the answer is then recorded over the payments as the claim wrote
            # them, and one of them has changed since (its versioned write fails, and it is read afresh)
            if seen["reads_while_sending"] == 1:
                victim = sending()[0]
                with ledger.begin() as conn:  # someone else's write to that payment, right before the lock
                    conn.execute(text("UPDATE payment_requests SET version = version + 1 WHERE id = :p"),
                                 {"p": victim})
                seen["bumped"] = victim

    engine._uow = uow
    settings = engine.settings
    engine.settings = replace(settings, send_parallelism=1)
    try:
        report = engine.run_until_idle(timeout_s=30, poll_s=0.05)
    finally:
        engine._uow, engine.settings = real, settings
    assert seen["bumped"] in ids
    assert not report.errors, report
    maker = world.actor("maker")
    for pid in ids:
        history = [(h.from_status, h.to_status) for h in s.payments.get(maker, pid).history]
        assert (PaymentStatus.SENDING, PaymentStatus.ACCEPTED) in history
        assert history.count((PaymentStatus.SENDING, PaymentStatus.ACCEPTED)) == 1
        assert all(PaymentStatus.UNKNOWN not in step for step in history), history
        assert s.submission.trace(maker, pid).payment.status is PaymentStatus.SUCCEEDED


def test_answer_after_the_fence_moved_records_only_the_attempt(world):
    """Between the send and the recording, the submission's fencing token moved on (another sender took over):
    the answer is recorded on the attempt, and none of the payment moves worked out for it is written."""
    s = world.services
    engine = s.submission
    ids = world.signed_payments(2, amount="9.20")
    ledger = world.ctx.ledger.engine
    real = engine._uow
    seen = {"reads_while_sending": 0, "moved": None}

    def sending_submission() -> int | None:
        with ledger.connect() as conn:
            return conn.execute(text(
                "SELECT DISTINCT submission_id FROM payment_requests WHERE status = 'SENDING' AND id IN "
                f"({','.join(map(str, ids))})")).scalar()

    @contextmanager
    def uow(read_only: bool = False):
        with real(read_only=read_only) as u:
            yield u
        if read_only and seen["moved"] is None and sending_submission():
            seen["reads_while_sending"] += 1
            if seen["reads_while_sending"] == 1:  # right after the fence check: the bytes are sent, then recorded
                sid = sending_submission()
                with ledger.begin() as conn:
                    conn.execute(text("UPDATE submissions SET current_attempt_id = NULL WHERE id = :s"), {"s": sid})
                seen["moved"] = sid

    engine._uow = uow
    settings = engine.settings
    engine.settings = replace(settings, send_parallelism=1)
    try:
        engine.queue_signed()
        engine.prepare_queued()
        report = engine.send_ready()
    finally:
        engine._uow, engine.settings = real, settings
    assert seen["moved"] is not None and report.aborted == 1, report
    maker = world.actor("maker")
    for pid in ids:
        trace = s.submission.trace(maker, pid)
        assert trace.payment.status is PaymentStatus.SENDING   # not ours to move any more
        assert [a.outcome.value for a in trace.attempts] == ["ANSWERED"]
