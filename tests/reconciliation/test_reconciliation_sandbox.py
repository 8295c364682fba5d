"""Reconciliation against the real sandbox bank (de-duplication off), on SQLite and PostgreSQL (RELIABILITY.md I7).

* a payment paid once raises nothing;
* the same stored submission sent a second time (the bank pays twice) → one critical DOUBLE_DEBIT, and running
  reconciliation again adds nothing;
* a payment the ledger holds SUCCEEDED but the bank never got → nothing at T+1, one MISSING_DEBIT once T+1 has
  passed (the clock moved);
* acknowledging: a person, a note, the audit log, the payment leaves the needs-attention queue;
* ``bankdirect reconcile`` killed at the crash point ``during_reconciliation`` and run again: each alert once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from app.bootstrap import build_connector_factory
from app.domain.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from app.domain.payment import PaymentStatus
from app.domain.users import Actor
from app.ports.bank import SignedSubmission
from app.services.alerts import ALERT_ACKNOWLEDGED, ALERT_RAISED, ALERTS_CHANGED, AlertService
from app.services.bank_data import BankDataService
from app.services.demo_data import DEMO_PASSWORD
from app.services.reconciliation import ReconciliationService
from storage.alert_repositories import SqlReconciliationStore
from storage.orm import PaymentRequestRow, SendAttemptRow, SubmissionRow
from tests.engine.support import FAST, EngineWorld, bank_report, stop_world

S = PaymentStatus
REPO = __import__("pathlib").Path(__file__).resolve().parents[2]


def start_shared_world(base, db_url: str | None) -> EngineWorld:
    """tests.engine.support.start_world, but the secrets live in the demo ledger's vault (not in memory), so a
    ``bankdirect`` subprocess on the same data folder can open the ledger and reach the sandbox bank too."""
    from app.adapters.password_hasher import Argon2PasswordHasher
    from app.adapters.sandbox_bank_process import SandboxBankProcess
    from app.bootstrap import open_app
    from app.cli_bank import prepare_demo_sandbox
    from app.config import AppConfig
    from app.services.demo_data import populate_demo

    ctx = open_app(AppConfig(data_dir=base / "demo", db_url=db_url, demo=True),
                   hasher=Argon2PasswordHasher.for_tests())
    populate_demo(ctx.services)
    state, _ = prepare_demo_sandbox(ctx, 1)
    proc = SandboxBankProcess(state, 0, extra_args=("--dedup", "off", "--seed", "0", "--slow-seconds", "1.5"))
    port = proc.start()
    prepare_demo_sandbox(ctx, port)
    ctx.services.submission.settings = FAST
    return EngineWorld(ctx, state, port, proc)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request, tmp_path_factory):
    db_url = request.getfixturevalue("pg_database_url") if request.param == "postgresql" else None
    w = start_shared_world(tmp_path_factory.mktemp(f"recon-{request.param}"), db_url)
    w.db_url = db_url
    yield w
    stop_world(w)


class ShiftedClock:
    def __init__(self, days: float):
        self.delta = timedelta(days=days)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.delta


def reconciler(world, days_ahead: float = 0) -> ReconciliationService:
    """The world's reconciliation, or one whose clock runs ``days_ahead`` bank days in the future."""
    if not days_ahead:
        return world.services.reconciliation
    clock = ShiftedClock(days_ahead)
    uow = world.ctx.ledger.unit_of_work_factory(world.ctx.audit_key, clock)
    connectors = build_connector_factory(world.ctx.secret_store)
    return ReconciliationService(uow, clock, BankDataService(uow, connectors, clock), connectors,
                                 AlertService(uow, clock, events=world.services.events), SqlReconciliationStore.of)


def paid(world, amount: str) -> tuple[int, str]:
    engine = world.services.submission
    (pid,) = world.signed_payments(1, amount=amount)
    engine.run_until_idle(timeout_s=20, poll_s=0.05)
    p = engine.trace(world.actor("maker"), pid).payment
    assert p.status is S.SUCCEEDED, p
    return pid, p.client_reference


def send_stored_bytes_again(world, pid: int) -> None:
    """What a buggy resend would do: the exact stored submission, a second time (the bank has dedup off)."""
    sub = world.services.submission.trace(world.actor("maker"), pid).submission
    with world.ctx.ledger.unit_of_work_factory(world.ctx.audit_key, world.ctx.clock)(read_only=True) as uow:
        profile = uow.profiles.get(sub.profile_id)
    stored = SignedSubmission(plugin_id=sub.plugin_id, client_references=sub.references, body=sub.body,
                              signature=sub.signature, signer_id=sub.signer_id, algorithm=sub.algorithm,
                              body_sha256=sub.body_sha256)
    connectors = build_connector_factory(world.ctx.secret_store)
    with connectors.open(profile) as session:
        session.connector.send_submission(stored)


def wait_for_debits(world, reference: str, n: int, timeout: float = 10.0) -> None:
    """The sandbox books an instruction when it is next asked something: ask (details) until n debits exist."""
    admin = world.actor("admin")
    account = world.account()
    today = datetime.now(UTC).date()
    deadline = time.monotonic() + timeout
    while True:
        count = Counter(d["client_reference"] for d in bank_report(world)["debits"])[reference]
        if count >= n or time.monotonic() > deadline:
            assert count == n, f"{reference}: {count} debit(s) at the bank, expected {n}"
            return
        time.sleep(0.2)
        world.services.bank_data.fetch_transactions(admin, account.id, today - timedelta(days=1), today)


def alerts_of(world, pid: int, *, open_only: bool = False):
    return [a for a in world.services.alerts.list_alerts(world.actor("admin"), open_only=open_only)
            if a.payment_id == pid]


def test_a_payment_paid_once_raises_nothing(world):
    pid, ref = paid(world, "3.10")
    wait_for_debits(world, ref, 1)
    report = reconciler(world).run(world.actor("admin"))
    assert report.ok and report.checked_payments >= 1 and report.debits_seen >= 1, report
    assert [a for a in report.alerts if a.payment_id == pid] == [] and alerts_of(world, pid) == []
    assert world.services.submission.trace(world.actor("maker"), pid).payment.attention == ""


@pytest.mark.parametrize("days", [0, 93, -1, True, "3"])
def test_a_bad_window_is_refused_before_the_bank_is_asked(world, days):
    before = bank_report(world)
    with pytest.raises(DomainError) as refused:
        reconciler(world).run(world.actor("admin"), days)
    assert refused.value.code == "DAYS_RANGE" and bank_report(world) == before


def test_the_same_submission_sent_twice_raises_one_double_debit(world):
    events = []
    unsubscribe = world.services.events.subscribe(lambda name, payload: events.append((name, payload)))
    try:
        pid, ref = paid(world, "4.20")
        send_stored_bytes_again(world, pid)
        wait_for_debits(world, ref, 2)
        report = reconciler(world).run(world.actor("admin"))
    finally:
        unsubscribe()
    mine = [a for a in report.alerts if a.payment_id == pid]
    assert [(a.kind, a.severity.value) for a in mine] == [("DOUBLE_DEBIT", "CRITICAL")], report.alerts
    assert ref in mine[0].detail
    assert (ALERTS_CHANGED, {"raised": [a.id for a in report.alerts], "acknowledged": []}) in events
    p = world.services.submission.trace(world.actor("maker"), pid).payment
    assert p.attention.startswith("ALERT CRITICAL DOUBLE_DEBIT") and p.status is S.SUCCEEDED
    again = reconciler(world).run(world.actor("admin"))
    assert [a for a in again.alerts if a.payment_id == pid] == []
    assert [a.kind for a in alerts_of(world, pid)] == ["DOUBLE_DEBIT"]


def _claim_sent_without_the_bank(world, amount: str) -> int:
    """A payment the ledger holds SUCCEEDED, sent (an attempt row) but never received by the bank."""
    engine = world.services.submission
    (pid,) = world.signed_payments(1, amount=amount)
    engine.queue_signed()
    engine.prepare_queued()
    p = engine.trace(world.actor("maker"), pid).payment
    assert p.status is S.QUEUED and p.submission_id is not None
    now = datetime.now(UTC)
    with world.ctx.ledger.engine.begin() as conn:
        body_sha256 = conn.execute(select(SubmissionRow.body_sha256).where(SubmissionRow.id == p.submission_id)
                                   ).scalar_one()
        conn.execute(insert(SendAttemptRow.__table__).values(
            submission_id=p.submission_id, attempt_no=1, worker="test", body_sha256=body_sha256, started_at=now,
            finished_at=now, outcome="ANSWERED"))
        conn.execute(update(SubmissionRow.__table__).where(SubmissionRow.id == p.submission_id).values(state="SENT"))
        conn.execute(update(PaymentRequestRow.__table__).where(PaymentRequestRow.id == pid).values(
            status="SUCCEEDED", final_at=now, version=PaymentRequestRow.version + 1))
    return pid


def test_a_succeeded_payment_without_a_debit_is_missing_once_t_plus_1_has_passed(world):
    pid = _claim_sent_without_the_bank(world, "5.30")
    admin = world.actor("admin")
    today = reconciler(world).run(admin)
    t_plus_1 = reconciler(world, days_ahead=1).run(admin)
    assert [a for a in today.alerts + t_plus_1.alerts if a.payment_id == pid] == []
    t_plus_2 = reconciler(world, days_ahead=2).run(admin)
    mine = [a for a in t_plus_2.alerts if a.payment_id == pid]
    assert [(a.kind, a.severity.value) for a in mine] == [("MISSING_DEBIT", "CRITICAL")], t_plus_2.alerts
    assert not [a for a in t_plus_2.alerts if a.payment_id != pid and a.kind == "MISSING_DEBIT"]  # the paid ones
    later = reconciler(world, days_ahead=3).run(admin)
    assert [a for a in later.alerts if a.payment_id == pid] == []
    assert [a.kind for a in alerts_of(world, pid)] == ["MISSING_DEBIT"]


def test_acknowledging_needs_a_person_and_a_note_and_is_audited(world):
    pid = _claim_sent_without_the_bank(world, "6.40")
    reconciler(world, days_ahead=2).run(world.actor("admin"))
    (alert,) = alerts_of(world, pid, open_only=True)
    service = world.services.alerts
    listed = service.list_alerts(world.actor("auditor"))
    assert listed.index(alert) < min([i for i, a in enumerate(listed) if not a.is_open], default=len(listed))
    with pytest.raises(PermissionDenied):
        service.acknowledge(Actor.system(), alert.id, "checked")
    with pytest.raises(PermissionDenied):
        service.acknowledge(world.actor("auditor"), alert.id, "checked")
    with pytest.raises(ValidationFailed):
        service.acknowledge(world.actor("approver1"), alert.id, "   ")
    with pytest.raises(ValidationFailed):
        service.acknowledge(world.actor("approver1"), alert.id, "ok\u202e")
    before = service.open_counts(world.actor("admin"))
    done = service.acknowledge(world.actor("approver1"), alert.id, "银行确认未收到指令，已重新发起")
    assert not done.is_open and done.acknowledged_by == "approver1" and done.acknowledge_note.startswith("银行确认")
    stored = service.get(world.actor("admin"), alert.id)
    assert stored.acknowledged_by == "approver1" and stored.acknowledged_at is not None
    assert service.open_counts(world.actor("admin")).get(alert.severity, 0) == before[alert.severity] - 1
    with pytest.raises(Conflict) as again:
        service.acknowledge(world.actor("signer"), alert.id, "me too")
    assert again.value.code == "ALREADY_ACKNOWLEDGED"
    assert world.services.submission.trace(world.actor("maker"), pid).payment.attention == ""
    entries = world.services.audit.entries(world.actor("auditor"), 0, 500)
    acks = [e for e in entries if e.action == ALERT_ACKNOWLEDGED and e.object_id == str(alert.id)]
    assert len(acks) == 1 and acks[0].actor == "approver1" and acks[0].payload["note"].startswith("银行确认")
    assert [e for e in entries if e.action == ALERT_RAISED and e.object_id == str(alert.id)]
    assert world.services.audit.verify(world.actor("auditor")).ok


def _cli(world, *args: str, crash: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANKDIRECT_CRASH")}
    env["BANKDIRECT_PASSWORD"] = DEMO_PASSWORD
    if crash:
        env["BANKDIRECT_CRASH_AT"] = crash
    argv = [sys.executable, "-m", "app.cli", *args, "--data-dir", str(world.ctx.config.data_dir), "--json"]
    if world.db_url:
        argv += ["--db-url", world.db_url]
    return subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603


def test_killed_during_reconciliation_then_run_again_raises_each_alert_once(world):
    pid, ref = paid(world, "7.50")
    send_stored_bytes_again(world, pid)
    wait_for_debits(world, ref, 2)
    before = len(world.services.alerts.list_alerts(world.actor("admin")))
    killed = _cli(world, "reconcile", "--user", "admin", crash="during_reconciliation@1")
    assert killed.returncode == -9, (killed.returncode, killed.stdout, killed.stderr)
    assert "crash point during_reconciliation" in killed.stderr
    assert len(world.services.alerts.list_alerts(world.actor("admin"))) == before   # killed before writing
    first = _cli(world, "reconcile", "--user", "admin")
    assert first.returncode == 0, first.stdout + first.stderr
    out = json.loads(first.stdout)
    assert [(a["kind"], a["payment_id"]) for a in out["alerts"]] == [("DOUBLE_DEBIT", pid)]
    second = _cli(world, "reconcile", "--user", "admin")
    assert second.returncode == 0 and json.loads(second.stdout)["alerts_raised"] == 0
    listed = json.loads(_cli(world, "alerts", "list", "--open").stdout)
    assert [a["kind"] for a in listed if a["payment_id"] == pid] == ["DOUBLE_DEBIT"]
    assert Counter(a["dedup_key"] for a in listed).most_common(1)[0][1] == 1
    ack = _cli(world, "alerts", "ack", str(out["alerts"][0]["id"]), "--note", "已联系银行冲正", "--user", "signer")
    assert ack.returncode == 0, ack.stdout + ack.stderr
    assert json.loads(ack.stdout)["alert"]["acknowledged_by"] == "signer"
    refused = _cli(world, "alerts", "ack", str(out["alerts"][0]["id"]), "--note", "again", "--user", "signer")
    assert refused.returncode == 2 and json.loads(refused.stdout)["error"]["code"] == "ALREADY_ACKNOWLEDGED"
    bad = _cli(world, "reconcile", "--days", "0", "--user", "admin")
    assert bad.returncode == 2 and json.loads(bad.stdout)["error"]["code"] == "DAYS_RANGE"
