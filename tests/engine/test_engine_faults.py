"""The engine under bank faults with de-duplication OFF (I8): ambiguity is resolved by queries, never by paying
twice; a vanished sender's payments become UNKNOWN and are resolved the same way; stale fences send nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from app.domain.payment import PaymentStatus
from app.domain.submission import AttemptOutcome
from tests.engine.support import FAST, bank_report, start_world, stop_world

S = PaymentStatus


def _debits(world) -> Counter:
    return Counter(d["client_reference"] for d in bank_report(world)["debits"])


def _refs(world, ids):
    viewer = world.actor("maker")
    return {pid: world.services.submission.trace(viewer, pid).payment for pid in ids}


@pytest.fixture(scope="module")
def dropped(tmp_path_factory):
    """Every answer to a payment or status request is dropped after the bank executed it, half the time."""
    w = start_world(tmp_path_factory.mktemp("engine-drop"), faults="drop_answer=0.5,no_record=0.3", dedup="off",
                    seed=7)
    yield w
    stop_world(w)


def test_dropped_answers_and_false_no_records_never_pay_twice(dropped):
    s = dropped.services
    ids = dropped.signed_payments(6, amount="3.00")
    s.submission.run_until_idle(timeout_s=60, poll_s=0.05)
    payments = _refs(dropped, ids)
    debits = _debits(dropped)
    for p in payments.values():
        assert debits[p.client_reference] <= 1, p
        if p.status is S.SUCCEEDED:
            assert debits[p.client_reference] == 1
        else:
            assert p.attention, p  # not final: a person is told why
    assert sum(1 for p in payments.values() if p.status is S.SUCCEEDED) >= 1


@pytest.fixture(scope="module")
def calm(tmp_path_factory):
    w = start_world(tmp_path_factory.mktemp("engine-calm"), dedup="off")
    yield w
    stop_world(w)


def test_vanished_sender_becomes_unknown_then_resolved_by_query(calm):
    """A sender claims a submission (attempt row committed) and dies before sending: after the lease the payments
    are UNKNOWN; queries find nothing (twice, after the settle lag), so the stored bytes are resent once."""
    s = calm.services
    engine = s.submission
    ids = calm.signed_payments(2, amount="4.00")
    engine.queue_signed()
    engine.prepare_queued()
    now = engine._clock.now()
    with calm.ctx.services.submission._uow() as uow:  # the dying sender's claim, with a lease already over
        claimed = uow.submissions.claim(now, "dead-worker", now - timedelta(seconds=1))
        for p in uow.submissions.tracked_many(claimed[0].payment_ids):
            uow.submissions.update(p.id, p.version, S.SENDING)
        uow.commit()
    report = engine.recover_expired()
    assert report.recovered == len(claimed[0].payment_ids) >= 2
    assert {p.status for p in _refs(calm, ids).values()} == {S.UNKNOWN}
    engine.run_until_idle(timeout_s=60, poll_s=0.05)
    payments = _refs(calm, ids)
    debits = _debits(calm)
    assert {p.status for p in payments.values()} == {S.SUCCEEDED}
    assert all(debits[p.client_reference] == 1 for p in payments.values())
    trace = engine.trace(calm.actor("maker"), ids[0])
    assert [a.outcome for a in trace.attempts] == [AttemptOutcome.EXPIRED, AttemptOutcome.ANSWERED]
    assert trace.submission.resends == 1
    assert len({a.body_sha256 for a in trace.attempts}) == 1  # byte-identical resend


def test_stale_fence_sends_nothing(calm):
    s = calm.services
    engine = s.submission
    (pid,) = calm.signed_payments(1, amount="5.00")
    engine.queue_signed()
    engine.prepare_queued()
    claimed = engine._claim()
    sub, attempt, deadline, profile, _ = claimed
    with engine._uow() as uow:  # meanwhile the lease was taken over (recovery by another sender)
        uow.submissions.set_submission(sub.id, "SENT")
        uow.commit()
    before = _debits(calm)
    with engine._sessions() as sessions:
        report = engine._send(sessions, sub, attempt, deadline, profile)
    assert report.aborted == 1
    assert _debits(calm) == before
    assert engine.trace(calm.actor("maker"), pid).attempts[-1].outcome is AttemptOutcome.ABORTED


def test_a_payment_cancelled_after_preparation_is_not_sent_with_its_chunk(calm):
    s = calm.services
    engine = s.submission
    ids = calm.signed_payments(2, amount="6.00")
    engine.queue_signed()
    engine.prepare_queued()
    with engine._uow() as uow:
        p = uow.submissions.tracked(ids[0])
        uow.submissions.update(p.id, p.version, S.CANCELLED)
        uow.commit()
    engine.run_until_idle(timeout_s=60, poll_s=0.05)
    payments = _refs(calm, ids)
    debits = _debits(calm)
    assert payments[ids[0]].status is S.CANCELLED and debits[payments[ids[0]].client_reference] == 0
    assert payments[ids[1]].status is S.SUCCEEDED and debits[payments[ids[1]].client_reference] == 1


def test_nothing_sent_goes_back_to_the_queue_and_is_retried(calm, tmp_path):
    """The bank is down (connection refused): the payments return to QUEUED (nothing left the machine) and the
    same bytes go out once the bank is back."""
    s = calm.services
    engine = s.submission
    (pid,) = calm.signed_payments(1, amount="7.00")
    calm.proc.stop()
    try:
        engine.run_once()
        p = _refs(calm, [pid])[pid]
        assert p.status is S.QUEUED
        assert engine.trace(calm.actor("maker"), pid).attempts[-1].outcome is AttemptOutcome.NOT_SENT
    finally:
        calm.proc.start()
    engine.settings = replace(FAST)
    engine.run_until_idle(timeout_s=60, poll_s=0.05)
    p = _refs(calm, [pid])[pid]
    assert p.status is S.SUCCEEDED and _debits(calm)[p.client_reference] == 1


def test_an_unknown_over_its_sla_asks_for_attention_until_resolved(calm):
    """Past its SLA an UNKNOWN payment is flagged for a person (still queried, and it keeps the worker busy);
    once the bank's answer resolves it, the flag goes away by itself."""
    engine = calm.services.submission
    (pid,) = calm.signed_payments(1, amount="12.00")
    engine.queue_signed()
    engine.prepare_queued()
    now = engine._clock.now()
    with engine._uow() as uow:
        claimed = uow.submissions.claim(now, "dead-worker", now - timedelta(seconds=1))
        for p in uow.submissions.tracked_many(claimed[0].payment_ids):
            uow.submissions.update(p.id, p.version, S.SENDING)
        uow.commit()
    engine.recover_expired()
    engine.settings = replace(FAST, unknown_sla_s=0.0)
    try:
        engine.follow_up(only=[pid], force=True)
        p = _refs(calm, [pid])[pid]
        assert p.status is S.UNKNOWN and p.attention.startswith("UNKNOWN_OVER_SLA")
        assert engine.pending() >= 1  # the engine still works on it: --until-idle does not stop here
        engine.run_until_idle(timeout_s=60, poll_s=0.05)
    finally:
        engine.settings = replace(FAST)
    p = _refs(calm, [pid])[pid]
    assert p.status is S.SUCCEEDED and not p.attention
    assert _debits(calm)[p.client_reference] == 1
