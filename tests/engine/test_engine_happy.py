"""The submission engine against a live sandbox bank, no faults: references, stored bytes, attempts, finals."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import text

from app.domain.payment import PaymentStatus
from app.domain.submission import REFERENCE_PATTERN
from tests.engine.support import bank_report, start_world, stop_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = start_world(tmp_path_factory.mktemp("engine-happy"))
    yield w
    stop_world(w)


def test_signed_payments_reach_succeeded_exactly_once(world):
    s = world.services
    ids = world.signed_payments(3, amount="12.34")
    report = s.submission.run_until_idle(timeout_s=30, poll_s=0.05)
    assert not [e for e in report.errors if e.startswith("TIMEOUT")], report
    viewer = world.actor("maker")
    for pid in ids:
        trace = s.submission.trace(viewer, pid)
        assert trace.payment.status is PaymentStatus.SUCCEEDED, trace
        assert REFERENCE_PATTERN.fullmatch(trace.payment.client_reference)
        assert [r.reference for r in trace.references] == [trace.payment.client_reference]
        assert len(trace.attempts) == 1 and trace.attempts[0].outcome.value == "ANSWERED"
        assert trace.attempts[0].body_sha256 == trace.submission.body_sha256
        assert trace.payment.bank_reference
    debits = Counter(d["client_reference"] for d in bank_report(world)["debits"])
    refs = {s.submission.trace(viewer, pid).payment.client_reference for pid in ids}
    assert all(debits[r] == 1 for r in refs)
    assert s.submission.pending() == 0


def test_history_shows_the_way_through_the_engine(world):
    s = world.services
    (pid,) = world.signed_payments(1, amount="7.00")
    s.submission.run_until_idle(timeout_s=30, poll_s=0.05)
    history = [h.to_status for h in s.payments.get(world.actor("maker"), pid).history]
    assert history[:4] == [PaymentStatus.DRAFT, PaymentStatus.PENDING_APPROVAL, PaymentStatus.APPROVED,
                           PaymentStatus.SIGNED]
    assert history[4:7] == [PaymentStatus.QUEUED, PaymentStatus.SENDING, PaymentStatus.ACCEPTED]
    assert history[-1] is PaymentStatus.SUCCEEDED


def test_definitive_refusal_fails_and_can_be_reinitiated_through_approval(world):
    s = world.services
    (pid,) = world.signed_payments(1, amount="8.00", account_suffix="0001")  # the sandbox answers AC01
    s.submission.run_until_idle(timeout_s=30, poll_s=0.05)
    maker = world.actor("maker")
    p = s.submission.trace(maker, pid).payment
    assert p.status is PaymentStatus.FAILED and p.bank_code == "AC01"
    new_id = s.submission.reinitiate(maker, pid)
    new = s.submission.trace(maker, new_id).payment
    assert new.status is PaymentStatus.PENDING_APPROVAL and new.reinitiated_from_id == pid
    assert new.client_reference is None  # a new reference only once it is signed and queued (I1/I4)
    assert s.submission.trace(maker, pid).payment.reinitiated_by_id == new_id
    with pytest.raises(Exception, match="already re-initiated"):
        s.submission.reinitiate(maker, pid)


def test_unknown_is_never_reinitiated(world):
    s = world.services
    (pid,) = world.signed_payments(1, amount="9.00")
    s.submission.queue_signed()
    s.submission.prepare_queued()
    with pytest.raises(Exception, match="only a failed"):
        s.submission.reinitiate(world.actor("maker"), pid)
    s.submission.run_until_idle(timeout_s=30, poll_s=0.05)


def test_stored_bytes_and_references_cannot_be_changed_by_sql(world):
    s = world.services
    (pid,) = world.signed_payments(1, amount="11.00")
    s.submission.run_until_idle(timeout_s=30, poll_s=0.05)
    engine = world.ctx.ledger.engine
    with pytest.raises(Exception, match="SUBMISSION_IMMUTABLE"), engine.begin() as conn:
        conn.execute(text("UPDATE submissions SET body = 'eA==' WHERE id = (SELECT submission_id FROM "
                          "payment_requests WHERE id = :p)"), {"p": pid})
    with pytest.raises(Exception, match="REFERENCE_IMMUTABLE"), engine.begin() as conn:
        conn.execute(text("UPDATE payment_requests SET client_reference = 'OTHER' WHERE id = :p"), {"p": pid})
    with pytest.raises(Exception, match="FINAL_STATUS"), engine.begin() as conn:
        conn.execute(text("UPDATE payment_requests SET status = 'QUEUED' WHERE id = :p"), {"p": pid})


def test_a_pass_that_did_work_is_followed_by_the_next_at_once(world, monkeypatch):
    """The engine waits its poll interval only after a pass that found nothing to do: a payroll's chunks follow
    each other without a pause (a production worker polls every 2 s)."""
    s = world.services
    engine = s.submission
    ids = world.signed_payments(3, amount="12.35")
    log: list[str] = []
    real_once, real_sleep = engine.run_once, engine._sleep

    def once():
        step = real_once()
        log.append("work" if step.work else "idle")
        return step

    def sleep(seconds):
        log.append("sleep")
        real_sleep(seconds)

    monkeypatch.setattr(engine, "run_once", once)
    monkeypatch.setattr(engine, "_sleep", sleep)
    report = engine.run_until_idle(timeout_s=30, poll_s=0.05)
    assert not report.errors, report
    assert log[0] == "work"                              # queued, prepared and sent in the first pass
    assert all(log[i + 1] != "sleep" for i, entry in enumerate(log[:-1]) if entry == "work"), log
    assert all(log[i + 1] == "sleep" for i, entry in enumerate(log[:-1]) if entry == "idle"), log
    viewer = world.actor("maker")
    assert all(engine.trace(viewer, pid).payment.status is PaymentStatus.SUCCEEDED for pid in ids)
