"""The payment monitor (付款监控).

With a real sandbox bank: a signed payment reaches SUCCEEDED on the screen without a manual refresh (the GUI's
engine job sends it, the monitor's own timer notices); a payment whose answer the bank dropped shows UNKNOWN,
offers "query now" and never "send again", and "query now" resolves it with exactly one debit at the bank; a
payment refused with AC01 offers "re-initiate", which makes a new payment that needs approval again and goes out
under a new reference.

With an in-memory engine of 10,000 payments: groups and counts, search, sort, the cheap live poll and the CSV
export's formula escaping, with timings.
"""

from __future__ import annotations

import csv
import re
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication

from app.adapters.sandbox_bank_process import SandboxBankProcess
from app.domain.payment import PaymentStatus
from app.domain.submission import REFERENCE_PATTERN, TrackedPayment
from app.domain.users import Actor, Role
from app.services.demo_data import DEMO_PASSWORD
from app.services.submission import PaymentTrace
from tests.engine.support import bank_report, make_batch_signer, start_world, stop_world
from ui.ops import wait_idle
from ui.views.payment_monitor import GROUP_KEYS, PaymentMonitorView, status_colour

S = PaymentStatus
SEND_AGAIN_WORDS = ("send again", "resend", "re-send", "重新发送", "重发", "再次发送", "补发")


def _view(qtbot, services, actor) -> PaymentMonitorView:
    view = PaymentMonitorView(services, actor)
    qtbot.addWidget(view)
    view.resize(1400, 860)
    view.show()
    view.refresh(force=True)
    assert wait_idle(20)
    return view


def _row(view: PaymentMonitorView, payment_id: int) -> TrackedPayment | None:
    return view.model.find(payment_id)


def _no_send_again(view: PaymentMonitorView) -> None:
    for button in view.findChildren(QAbstractButton):
        label = (button.text() + " " + button.objectName() + " " + button.toolTip()).lower()
        assert not any(w in label for w in SEND_AGAIN_WORDS), button.text()
    for action in view.actions():
        assert not any(w in action.text().lower() for w in SEND_AGAIN_WORDS)


# -- with the sandbox bank ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def calm(tmp_path_factory):
    w = start_world(tmp_path_factory.mktemp("monitor-calm"))
    yield w
    stop_world(w)


def test_signed_payment_reaches_succeeded_on_screen_without_a_manual_refresh(qtbot, calm):
    """The GUI's engine job sends the payment; nothing in this process tells the view (no event bridge): its own
    timer sees the change in the ledger."""
    from app.scheduler.jobs import JobIntervals, start_background_jobs
    from storage.job_lock import SqlJobLock

    s = calm.services
    view = _view(qtbot, s, calm.actor("maker"))
    view.poll_timer.setInterval(200)
    loads_before = view.loads
    (pid,) = calm.signed_payments(1, amount="1234.56")
    scheduler = start_background_jobs(s, SqlJobLock(calm.ctx.ledger.engine),
                                      JobIntervals(balances_s=3600, engine_s=0.2), run_now=False)
    try:
        job = scheduler.get_job("run_submission_engine")
        assert job.max_instances == 1 and job.coalesce is True and job.misfire_grace_time == 120
        qtbot.waitUntil(lambda: _row(view, pid) is not None and _row(view, pid).status is S.SUCCEEDED,
                        timeout=30_000)
    finally:
        scheduler.shutdown(wait=True)
    assert view.loads > loads_before
    p = _row(view, pid)
    assert REFERENCE_PATTERN.fullmatch(p.client_reference) and p.attempts == 1
    assert view.select_payment(pid)
    r = view.model.row_of(pid)
    cell = {c.key: view.model.index(r, i) for i, c in enumerate(view.model.columns)}
    assert cell["amount"].data() == "1,234.56"
    assert cell["amount"].data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert cell["status"].data(Qt.ItemDataRole.ForegroundRole).color().name() == "#2e7d32"
    assert cell["reference"].data() == p.client_reference
    assert cell["attempts"].data() == "1"
    qtbot.waitUntil(lambda: p.client_reference in view.detail.toPlainText(), timeout=10_000)
    assert view.query_button.isEnabled() is False          # final: nothing to ask
    assert view.reinitiate_button.isEnabled() is False     # succeeded: never re-initiated
    assert view.confirm_button.isEnabled()
    qtbot.mouseClick(view.confirm_button, Qt.MouseButton.LeftButton)
    assert wait_idle(20)
    qtbot.waitUntil(lambda: _row(view, pid).result_confirmed_at is not None, timeout=10_000)
    assert not view.confirm_button.isEnabled()
    debits = [d for d in bank_report(calm)["debits"] if d["client_reference"] == p.client_reference]
    assert len(debits) == 1


def test_rejected_payment_is_reinitiated_through_approval_under_a_new_reference(qtbot, calm):
    s = calm.services
    maker = calm.actor("maker")
    (old_id,) = calm.signed_payments(1, amount="8.00", account_suffix="0001")   # the sandbox answers AC01
    s.submission.run_until_idle(timeout_s=30, poll_s=0.05)
    view = _view(qtbot, s, maker)
    old = _row(view, old_id)
    assert old.status is S.FAILED and old.bank_code == "AC01"
    assert view.select_payment(old_id)
    r = view.model.row_of(old_id)
    status_cell = view.model.index(r, [c.key for c in view.model.columns].index("status"))
    assert status_cell.data(Qt.ItemDataRole.ForegroundRole).color().name() == "#c62828"
    assert view.model.index(r, [c.key for c in view.model.columns].index("bank_code")).data() == "AC01"
    assert view.reinitiate_button.isEnabled() and not view.query_button.isEnabled()
    _no_send_again(view)

    # cancelling the confirmation creates nothing
    before = len(s.payments.list(maker, mine_only=True))
    qtbot.mouseClick(view.reinitiate_button, Qt.MouseButton.LeftButton)
    box = view.confirm_box
    assert box is not None and box.isVisible() and f"#{old_id}" in box.text() and "approval" in box.text()
    box.findChild(QAbstractButton, "reinitiateNo").click()
    assert wait_idle(20)
    assert len(s.payments.list(maker, mine_only=True)) == before

    qtbot.mouseClick(view.reinitiate_button, Qt.MouseButton.LeftButton)
    view.confirm_box.findChild(QAbstractButton, "reinitiateYes").click()
    assert wait_idle(20)
    text = view.message.text()
    assert view.message.property("severity") == "info", text
    found = re.search(r"new payment #(\d+)", text)
    assert found, text
    new = s.payments.get(maker, int(found.group(1))).payment
    new_trace = s.submission.trace(maker, new.id)
    assert new_trace.payment.status is S.PENDING_APPROVAL and new_trace.payment.reinitiated_from_id == old_id
    qtbot.waitUntil(lambda: _row(view, old_id).reinitiated_by_id == new.id, timeout=10_000)
    assert not view.reinitiate_button.isEnabled()          # only once
    view.show_group("everything")
    assert _row(view, new.id).status is S.PENDING_APPROVAL
    view.show_group("all")
    assert view.model.row_of(new.id) == -1                 # not signed: not yet the engine's

    # approval and signing again, then it goes out under a NEW reference (and the bank refuses it again)
    s.approvals.approve(calm.actor("approver1"), [new.id], password=DEMO_PASSWORD)
    signer = calm.actor("signer")
    for batch in s.signing.ready_batches(signer):
        if new.id in batch.payment_ids:
            s.signing.sign_batch(signer, batch.batch_key, make_batch_signer())
    s.submission.run_until_idle(timeout_s=30, poll_s=0.05)
    redone = s.submission.trace(maker, new.id)
    assert redone.payment.client_reference and redone.payment.client_reference != old.client_reference
    assert [r.reference for r in redone.references] == [redone.payment.client_reference]
    assert redone.payment.status is S.FAILED and len(redone.attempts) == 1
    assert [r.reference for r in s.submission.trace(maker, old_id).references] == [old.client_reference]


def test_only_makers_may_reinitiate(qtbot, calm):
    s = calm.services
    (pid,) = calm.signed_payments(1, amount="9.00", account_suffix="0001")
    s.submission.run_until_idle(timeout_s=30, poll_s=0.05)
    view = _view(qtbot, s, calm.actor("approver1"))
    assert view.select_payment(pid)
    assert _row(view, pid).status is S.FAILED
    assert not view.reinitiate_button.isEnabled() and view.confirm_button.isEnabled()
    assert view.reinitiate_selected() is None


@pytest.fixture
def dropping(tmp_path):
    """The bank executes every request and then drops the answer."""
    w = start_world(tmp_path, faults="drop_answer=1.0", dedup="off", seed=3)
    yield w
    stop_world(w)


def test_ambiguous_payment_shows_unknown_offers_query_never_send_again_and_resolves(qtbot, dropping):
    s = dropping.services
    engine = s.submission
    view = _view(qtbot, s, dropping.actor("maker"))
    view.poll_timer.setInterval(200)
    (pid,) = dropping.signed_payments(1, amount="13.00")
    engine.queue_signed()
    engine.prepare_queued()
    engine.send_ready()                        # the bank debits, then drops its answer
    qtbot.waitUntil(lambda: _row(view, pid) is not None and _row(view, pid).status is S.UNKNOWN, timeout=10_000)
    view.show_group("unknown")
    assert view.model.row_of(pid) >= 0 and view.model.counts["unknown"] >= 1
    assert view.select_payment(pid)
    r = view.model.row_of(pid)
    status_cell = view.model.index(r, [c.key for c in view.model.columns].index("status"))
    assert status_cell.data(Qt.ItemDataRole.ForegroundRole).color().name() == "#b26a00"
    assert view.query_button.isEnabled()
    assert not view.reinitiate_button.isEnabled()        # an unknown payment is never paid again
    _no_send_again(view)
    qtbot.waitUntil(lambda: "Asking the bank for the status" in view.detail.toPlainText(), timeout=10_000)
    assert "never sent again" in view.detail.toPlainText()
    reference = _row(view, pid).client_reference

    # while the bank still drops answers, "query now" leaves it UNKNOWN (and says so)
    qtbot.mouseClick(view.query_button, Qt.MouseButton.LeftButton)
    assert view.busy.isVisible() and not view.query_button.isEnabled()
    assert wait_idle(30)
    assert _row(view, pid).status is S.UNKNOWN and not view.busy.isVisible()

    # the bank recovers (same state, same port, no faults); "query now" resolves the payment
    dropping.proc.stop()
    dropping.proc = SandboxBankProcess(dropping.state, dropping.port, extra_args=("--dedup", "off"))
    dropping.proc.start()
    view.show_group("all")                     # the payment may pass through ACCEPTED / PROCESSING on its way
    deadline = time.monotonic() + 30
    while _row(view, pid).status is not S.SUCCEEDED and time.monotonic() < deadline:
        assert view.select_payment(pid)
        if view.query_button.isEnabled():
            qtbot.mouseClick(view.query_button, Qt.MouseButton.LeftButton)
        assert wait_idle(30)
        qtbot.wait(200)
    assert _row(view, pid).status is S.SUCCEEDED, view.message.text()
    trace = engine.trace(dropping.actor("maker"), pid)
    assert len(trace.attempts) == 1 and trace.attempts[0].outcome.value == "UNKNOWN"   # asked, never resent
    assert [d["client_reference"] for d in bank_report(dropping)["debits"]].count(reference) == 1
    view.show_group("final")
    assert view.model.row_of(pid) >= 0


# -- 10,000 payments in memory --------------------------------------------------------------------------------
NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
CYCLE = (S.SUCCEEDED, S.SUCCEEDED, S.PROCESSING, S.UNKNOWN, S.FAILED, S.QUEUED, S.RETURNED, S.ACCEPTED,
         S.PENDING_APPROVAL, S.SUCCEEDED)
NASTY = ("=HYPERLINK(\"http://x\")", "+86 公司", "-2+3", "@SUM(A1)", "\tTab 公司")


def _payment(i: int) -> TrackedPayment:
    status = CYCLE[i % len(CYCLE)]
    sent = status is not S.PENDING_APPROVAL
    return TrackedPayment(
        id=i, status=status, version=1, debit_account_id=1, debit_account_number="755912345610001",
        payee_account=f"6222{i:012d}", payee_name=NASTY[(i // 1000) % 5] if i % 1000 == 0 else f"收款单位 {i:05d}",
        amount_minor=i * 137, currency="CNY", client_reference=f"BDTEST{i:010d}" if sent else None,
        submission_id=i if sent else None, bank_code={S.FAILED: "AC01", S.RETURNED: "AC04"}.get(status, ""),
        bank_text="账号不存在" if status is S.FAILED else "", bank_reference="", next_check_at=None, check_count=0,
        no_record_count=0, unknown_since=NOW if status is S.UNKNOWN else None,
        attention="UNKNOWN_OVER_SLA: unknown for long" if i % 997 == 0 and status is S.UNKNOWN else "",
        updated_at=NOW - timedelta(seconds=i), attempts=1 if sent else 0)


class MemoryEngine:
    def __init__(self, n: int):
        self.rows = [_payment(i) for i in range(n, 0, -1)]      # most recently changed first
        self.monitor_calls: list[int] = []

    def monitor(self, actor, statuses=None, attention_only=False, limit=10_000):
        self.monitor_calls.append(limit)
        return self.rows[:limit]

    def trace(self, actor, payment_id):
        p = next(r for r in self.rows if r.id == payment_id)
        return PaymentTrace(p, [], [], None)

    def touch(self, payment_id: int, status: PaymentStatus) -> None:
        old = next(r for r in self.rows if r.id == payment_id)
        self.rows.remove(old)
        self.rows.insert(0, replace(old, status=status, version=old.version + 1,
                                    updated_at=self.rows[0].updated_at + timedelta(seconds=1)))


@pytest.fixture
def memory():
    engine = MemoryEngine(10_000)
    services = SimpleNamespace(submission=engine, payments=None)
    return services, engine


ACTOR = Actor(7, "maker", frozenset({Role.MAKER}))


def test_ten_thousand_payments_load_filter_sort_and_export_quickly(qtbot, memory, tmp_path):
    services, engine = memory
    started = time.perf_counter()
    view = _view(qtbot, services, ACTOR)
    load_s = time.perf_counter() - started
    model = view.model
    expected = {"all": 9000, "in_flight": 3000, "unknown": 1000, "final": 5000, "everything": 10_000,
                "attention": sum(1 for r in engine.rows if r.attention)}
    assert model.counts == expected and set(expected) == set(GROUP_KEYS)
    assert model.rowCount() == 9000                         # the default group: signed and later
    assert view.groups.tabText(GROUP_KEYS.index("unknown")).endswith("(1,000)")

    started = time.perf_counter()
    view.show_group("unknown")
    group_s = time.perf_counter() - started
    assert model.rowCount() == 1000 and {r.status for r in model.visible_rows()} == {S.UNKNOWN}
    assert all(status_colour(r) == "#b26a00" for r in model.visible_rows())
    view.show_group("everything")
    started = time.perf_counter()
    view.table.sortByColumn([c.key for c in model.columns].index("amount"), Qt.SortOrder.AscendingOrder)
    sort_s = time.perf_counter() - started
    amounts = [r.amount_minor for r in model.visible_rows()]
    assert amounts == sorted(amounts) and model.index(0, 2).data() == "1.37"
    view.search.insert("收款单位 00424")
    view.apply_filter()
    assert [r.id for r in model.visible_rows()] == [424]
    view.search.clear()
    view.apply_filter()
    assert model.rowCount() == 10_000

    out = tmp_path / "monitor.csv"
    started = time.perf_counter()
    view.export_csv(out)
    assert wait_idle(20)
    export_s = time.perf_counter() - started
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 10_001 and rows[0][0] == "No."
    names = {r[1] for r in rows[1:] if not r[1].startswith("收款单位")}
    assert names == {"'" + n for n in NASTY}                # every formula-like cell escaped
    assert rows[1][2] == "1.37"                            # raw decimal amount, in the order shown
    print(f"\n10,000 payments: load {load_s * 1000:.0f} ms, group {group_s * 1000:.0f} ms, sort {sort_s * 1000:.0f} "
          f"ms, export {export_s * 1000:.0f} ms")
    assert load_s < 5 and group_s < 1 and sort_s < 1 and export_s < 5


def test_live_poll_reads_one_row_and_reloads_only_after_a_change(qtbot, memory):
    services, engine = memory
    view = _view(qtbot, services, ACTOR)
    view.poll_timer.setInterval(30)
    assert view.select_payment(5000)
    loads = view.loads
    engine.monitor_calls.clear()
    qtbot.waitUntil(lambda: len(engine.monitor_calls) >= 4, timeout=5000)
    assert view.loads == loads and set(engine.monitor_calls) == {1}      # unchanged: one row per poll
    engine.touch(5000, S.RETURNED)
    qtbot.waitUntil(lambda: view.model.find(5000).status is S.RETURNED, timeout=5000)
    assert view.loads == loads + 1
    assert view.selected_id() == 5000                      # the selection survives the reload
    view.hide()
    qtbot.wait(100)
    engine.monitor_calls.clear()
    qtbot.wait(200)
    assert engine.monitor_calls == []                       # a hidden monitor does not poll
    assert view.refresh() is None and view._stale           # …and reloads when shown again
    view.show()
    assert wait_idle(20)
    assert not view._stale


def test_rows_disable_actions_by_status(qtbot, memory):
    services, _engine = memory
    view = _view(qtbot, services, ACTOR)
    view.show_group("everything")
    for pid, query, reinit, confirm in ((10, False, False, True),      # SUCCEEDED
                                        (2, True, False, False),       # PROCESSING
                                        (3, True, False, False),       # UNKNOWN
                                        (7, True, False, False),       # ACCEPTED
                                        (4, False, True, True),        # FAILED
                                        (6, False, True, True),        # RETURNED
                                        (5, False, False, False),      # QUEUED: not yet at the bank
                                        (8, False, False, False)):     # PENDING_APPROVAL
        assert view.select_payment(pid)
        got = (view.query_button.isEnabled(), view.reinitiate_button.isEnabled(), view.confirm_button.isEnabled())
        assert got == (query, reinit, confirm), (pid, view.selected().status)
    _no_send_again(view)


def test_export_to_an_unwritable_place_shows_an_error(qtbot, memory, tmp_path):
    services, _engine = memory
    view = _view(qtbot, services, ACTOR)
    view.export_csv(tmp_path / "missing-folder" / "x.csv")
    assert wait_idle(20)
    assert view.message.property("severity") == "error" and "cannot write" in view.message.text()
    assert not [w for w in QApplication.topLevelWidgets() if w.objectName() == "crashDialog" and w.isVisible()]


def test_engine_pass_runs_in_a_thread_while_the_monitor_reads(qtbot, calm):
    """The GUI thread never waits for the engine: a long pass in another thread, the monitor keeps answering."""
    s = calm.services
    view = _view(qtbot, s, calm.actor("maker"))
    ids = calm.signed_payments(3, amount="2.00")
    worker = threading.Thread(target=lambda: s.submission.run_until_idle(timeout_s=30, poll_s=0.05))
    worker.start()
    try:
        view.poll_timer.setInterval(100)
        qtbot.waitUntil(lambda: all(_row(view, i) is not None and _row(view, i).status is S.SUCCEEDED
                                    for i in ids), timeout=30_000)
    finally:
        worker.join(30)


def test_main_window_refreshes_the_open_monitor_on_payment_events(qtbot, calm, tmp_path):
    from PySide6.QtCore import QSettings

    from ui.main_window import MainWindow

    s = calm.services
    window = MainWindow(s, calm.actor("maker"), QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    page = window.show_area("monitor")
    assert isinstance(page, PaymentMonitorView)
    assert wait_idle(20)
    page.poll_timer.stop()                                 # only the event may bring the change
    page.poll_timer.setInterval(3_600_000)
    (pid,) = calm.signed_payments(1, amount="3.00")        # the payment service publishes payments_changed
    qtbot.waitUntil(lambda: _row(page, pid) is not None and _row(page, pid).status is S.SIGNED, timeout=10_000)
    window.show_area("dashboard")
    assert not page.poll_timer.isActive()                  # a hidden monitor does not poll
    window.close()
