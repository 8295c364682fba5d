"""Engine defects found by the chaos run (now fixed), each pinned by a test that fails if it comes back.

Found with ``bankdirect chaos --payments 30 --seed 1 --kills 2``: a payment to a payee whose bank returns it (退票,
sandbox accounts ending 0009) was paid and returned by the bank before the engine's next status query (the first
query was delayed by a fault / a killed worker). The engine had it as ACCEPTED; the bank now reports RETURNED.
ACCEPTED → RETURNED is not in the transition table (only SUCCEEDED → RETURNED), so the engine flags ODD_REPORT and
keeps querying it forever: the payment never becomes final, and ``worker --until-idle`` never gets idle.
"""

from __future__ import annotations

import time

import pytest

from app.domain.payment import PaymentStatus
from tests.engine.support import bank_report, start_world, stop_world

S = PaymentStatus


@pytest.fixture
def world(tmp_path):
    w = start_world(tmp_path, dedup="off")
    yield w
    stop_world(w)


def test_a_payment_returned_before_the_engine_saw_it_succeed_becomes_returned(world):
    engine = world.services.submission
    (pid,) = world.signed_payments(1, amount="9.00", account_suffix="0009")
    engine.queue_signed()
    engine.prepare_queued()
    engine.send_ready()
    p = engine.trace(world.actor("maker"), pid).payment
    assert p.status is S.ACCEPTED  # the bank received it; it will execute it, then return it
    time.sleep(1.5)  # sandbox: processing 0.15 s + settle 0.25 s + return 0.3 s
    debits = [d for d in bank_report(world)["debits"] if d["client_reference"] == p.client_reference]
    assert len(debits) == 1 and debits[0]["returned"]
    engine.follow_up(only=[pid], force=True)
    p = engine.trace(world.actor("maker"), pid).payment
    assert p.status is S.RETURNED and not p.attention
    report = engine.run_until_idle(timeout_s=5, poll_s=0.05)
    assert not [e for e in report.errors if e.startswith("TIMEOUT")]


@pytest.fixture
def rate_limited(tmp_path):
    """The bank refuses 30 % of status queries (rate limit): nothing is executed, the query may be asked again."""
    w = start_world(tmp_path, faults="rate_limit=0.3", dedup="off", seed=3)
    yield w
    stop_world(w)


def test_status_queries_make_progress_when_some_of_them_fail(rate_limited):
    """Found by ``bankdirect chaos --payments 30 --seed 1``: 33 payments UNKNOWN, the last worker queried for 40 s
    and resolved none. The CMB connector asks the status of each reference in its own request; the first failure
    (rate limit, 5xx, dropped answer …) raises, the answers already read are thrown away and the engine postpones
    the whole chunk (query_chunk=50). With 40 references at 30 % refusals a chunk succeeds with p = 0.7**40."""
    engine = rate_limited.services.submission
    ids = rate_limited.signed_payments(40, amount="2.00")
    report = engine.run_until_idle(timeout_s=8, poll_s=0.05)
    statuses = {engine.trace(rate_limited.actor("maker"), pid).payment.status for pid in ids}
    assert statuses == {S.SUCCEEDED}, (statuses, report.errors[-3:])


def test_a_sender_paused_after_its_last_fence_check_never_pays_twice(world, monkeypatch):
    """Found by the PostgreSQL chaos run (2 workers, one SIGSTOPped while holding a lease; seed 7): three
    references debited twice, both debits carrying the same body hash. Here the pause is a sleep inside
    ``send_submission`` — after the engine's last checks (fence in the database, monotonic deadline) and before
    the first byte (the connection and the TLS handshake are made inside the call). Meanwhile a second sender
    recovers the expired lease, finds 'no record' twice after the settle lag and resends the stored bytes; then
    the paused sender wakes up and sends them again. With de-duplication off the bank pays twice."""
    import threading
    from collections import Counter
    from dataclasses import replace

    from app.services.submission import SubmissionService
    from bank_plugins.cmb_fbsdk.connector import CmbFbsdkConnector
    from tests.engine.support import FAST

    a = world.services.submission
    a.settings = replace(FAST, lease_s=1.0)
    b = SubmissionService(a._uow, a._clock, a._connectors, settings=replace(FAST, lease_s=1.0), worker_id="B")
    (pid,) = world.signed_payments(1, amount="8.00")
    a.queue_signed()
    a.prepare_queued()
    real = CmbFbsdkConnector.send_submission
    resent = threading.Event()

    def paused(self, submission, *args, **kwargs):
        if threading.current_thread().name.startswith("sender-A"):  # the pass's thread or its senders
            resent.wait(20.0)  # SIGSTOP … SIGCONT, between the last check and the first byte
        return real(self, submission, *args, **kwargs)

    def b_has_resent() -> bool:
        return any(x.worker == "B" and x.outcome is not None for x in a.trace(world.actor("maker"), pid).attempts)

    monkeypatch.setattr(CmbFbsdkConnector, "send_submission", paused)
    sender = threading.Thread(target=a.send_ready, name="sender-A")
    sender.start()
    deadline = time.monotonic() + 15
    while not b_has_resent() and time.monotonic() < deadline:
        b.run_once()  # A's lease runs out: UNKNOWN → 'no record' twice after the settle lag → resend
        time.sleep(0.05)
    assert b_has_resent()
    resent.set()
    sender.join()
    b.run_until_idle(timeout_s=10, poll_s=0.05)
    ref = a.trace(world.actor("maker"), pid).payment.client_reference
    debits = Counter(d["client_reference"] for d in bank_report(world)["debits"])
    assert debits[ref] == 1


@pytest.fixture
def stale(tmp_path):
    """Half the answers are lost after the bank executed the request; the others carry the record of another
    reference instead of the one asked about."""
    w = start_world(tmp_path, faults="drop_answer=0.5,stale_answer=1.0", dedup="off", seed=5)
    yield w
    stop_world(w)


def test_a_stale_answer_is_not_read_as_no_record(stale):
    """Found reading the code behind the chaos run: ``codec.parse_status_answer`` drops records of other references
    and, when none is left, returns found=False ('no record'); the engine counts that towards the resend of the
    stored bytes. A bank (or proxy) answering with a stale record is not a bank saying it has no such instruction
    (I3): with de-duplication off, the resend pays a second time."""
    from collections import Counter

    engine = stale.services.submission
    ids = stale.signed_payments(2, amount="1.50")
    engine.run_until_idle(timeout_s=12, poll_s=0.05)
    refs = [engine.trace(stale.actor("maker"), pid).payment.client_reference for pid in ids]
    debits = Counter(d["client_reference"] for d in bank_report(stale)["debits"])
    assert all(debits[r] <= 1 for r in refs), {r: debits[r] for r in refs}
