"""The batch view and batch approval of a 100,000-line batch, against raw limits in the same run.

1. **First paint** of the batch view (QT_QPA_PLATFORM=offscreen): from creating ``BatchesView`` on a ledger whose
   newest batch has 100,000 lines (the view loads the batch list with each batch's counts, selects the batch, sizes
   the lazy lines table by its count and fetches the first page off the GUI thread) to the end of the first paint of
   the lines table's viewport in which every visible row has its real data (no placeholder). Reference: a bare
   ``QTableView`` over a trivial ``QAbstractTableModel`` holding the same first-page rows already in memory, shown
   at the same size, to the end of its first paint (the raw limit: no database, no model logic). Median of
   ``REPEAT`` interleaved runs, each a fresh widget; Qt and the fonts are warmed up once in both children alike.
   Target: ours ≤ 300 ms. Peak memory (VmHWM) of each child, which opens the ledger but does not build it.
   The batch shown is a supplier batch whose every line pays one to three invoices (发票号, 发票日期, 汇款附言):
   the first page carries its remittance, read in the same query as the lines.
   **Sorted first paint**: in the same view, a click on the amount header (largest first) until the first paint in
   which every visible row holds a line of the new order (the first one the largest amount of the batch): the
   database sorts and the model fetches that page alone. Reference: raw sqlite3 reading the same first page
   (``ORDER BY amount_minor DESC, batch_line LIMIT PAGE_SIZE``, lines joined to payees) — the query alone.
2. **Approving** a 100,000-line batch (``approve_batch``, with the password: its total is above the threshold) and
   **rejecting** another (``reject_batch``), against raw sqlite3 ``executemany`` of the rows every such decision
   must write, on a copy of the same ledger (same schema, indexes and triggers): the payments' status and version,
   one approvals row and one status-history row per line. Ours does more: the checks (roles, separation of duties,
   one approval per person, content hash recomputed from the payee and account, payee confirmation, policy levels
   and roles, count + total binding) and the hash-chained audit entries.

``python -m bench batch_view`` or ``python -m bench.batch_view [N]``.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.batch_import import _card, _peak_mb

TARGET_MS = 300.0
REPEAT = 5
SIZE = (1300, 800)
PASSWORD = {"admin": "admin-password-1", "maker": "maker-password-1", "approver": "approver-password-1"}
HEADER = "收款人名称,收款账号,收款行名称,收款行行号,金额,用途"
SUPPLIER_HEADER = HEADER + ",发票号,发票日期,汇款附言"
REPO = Path(__file__).resolve().parents[1]


def generate(path: Path, n: int, purpose: str, *, invoices: bool = False) -> None:
    """A payroll file, or (``invoices``) a supplier file whose every line pays one to three invoices of one date
    with a remittance reference."""
    from app.domain.identifiers import cnaps_check_digit

    code = "10210000023" + cnaps_check_digit("10210000023")
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    lines = [SUPPLIER_HEADER if invoices else HEADER]
    for i in range(n):
        name = f"{surnames[i % 20]}{'伟芳娜敏静丽强磊军洋'[i % 10]}{i:06d}"
        line = f"{name},{_card(i)},中国工商银行深圳分行,{code},{3000 + i % 20000}.{i % 100:02d},{purpose}"
        if invoices:
            numbers = ";".join(f"INV-{i:06d}-{k}" for k in range(1 + i % 3))
            line += f",{numbers},2026-10-{1 + i % 28:02d},PO-{i:06d}"
        lines.append(line)
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))


def _open(work: Path):
    """The bench ledger under ``work``; its audit key lives in a throw-away JSON file beside it, so that every child
    process opens the same ledger (a MemorySecretStore alone forgets it with the process)."""
    from app.adapters.memory_secrets import MemorySecretStore
    from app.adapters.password_hasher import Argon2PasswordHasher
    from app.bootstrap import open_app
    from app.config import AppConfig

    key_file = work / "secrets.json"

    class BenchSecrets(MemorySecretStore):
        def set_secret(self, name: str, value: str) -> None:
            super().set_secret(name, value)
            saved = json.loads(key_file.read_text()) if key_file.exists() else {}
            key_file.write_text(json.dumps({**saved, name: value}))

    store = BenchSecrets()
    if key_file.exists():
        for name, value in json.loads(key_file.read_text()).items():
            MemorySecretStore.set_secret(store, name, value)
    ctx = open_app(AppConfig(data_dir=work / "ledger"), secret_store=store, hasher=Argon2PasswordHasher.for_tests())
    return ctx, store


def child_build(work: Path, n: int) -> dict:
    """A ledger with two batches of ``n`` lines (B, the newest, a supplier batch with invoices, is the one the view
    shows and the one approved; A, payroll, is rejected), a maker and an approver."""
    from app.domain.identifiers import cnaps_check_digit
    from app.domain.users import Role

    ctx, _store = _open(work)
    try:
        s = ctx.services
        s.setup.initialize("基准测试有限公司", "admin", PASSWORD["admin"])
        admin = s.auth.login("admin", PASSWORD["admin"])
        s.users.add_user(admin, "maker", "maker", PASSWORD["maker"], [Role.MAKER])
        s.users.add_user(admin, "approver", "approver", PASSWORD["approver"], [Role.APPROVER])
        s.master_data.add_account(admin, {"bank_name": "招商银行", "branch_name": "", "cnaps_code": "30858400001"
                                          + cnaps_check_digit("30858400001"), "account_number": "755900000000001",
                                          "account_name": "基准测试有限公司", "currency": "CNY"})
        maker = s.auth.login("maker", PASSWORD["maker"])
        ids = []
        for purpose, profile in (("代发工资", None), ("货款", "supplier")):
            path = work / f"batch-{purpose}.csv"
            generate(path, n, purpose, invoices=profile == "supplier")
            ids.append(s.batch_import.import_file(maker, path, account="755900000000001", profile=profile).batch.id)
            path.unlink()
    finally:
        ctx.close()
    return {"reject_id": ids[0], "view_id": ids[1]}


# -- 1. first paint ---------------------------------------------------------------------------------------------
def _pin_none() -> None:
    """PySide6 6.12.0's void methods (processEvents, show, resize, update, installEventFilter...) return ``None``
    without taking a reference for it, so every call from Python drops one reference of ``None``; on Python 3.11
    (``None`` is not immortal there) a loop of ~10,000 ``processEvents()`` aborts with "Fatal Python error:
    none_dealloc". The bench's waiting loops make that many calls, so its Qt children give ``None`` a reference
    count it cannot exhaust (what Python 3.12 does for every singleton)."""
    if sys.version_info < (3, 12):
        import ctypes

        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40


def _app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _pin_none()
    from PySide6.QtWidgets import QApplication

    from ui.i18n import install_translator

    app = QApplication.instance() or QApplication([])
    install_translator(app, "zh_CN")
    return app


def _warm_up(app) -> None:
    """Platform plugin, fonts (Chinese glyphs) and style, once, in both children alike."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTableView

    model = QStandardItemModel(3, 3)
    for r in range(3):
        for c in range(3):
            model.setItem(r, c, QStandardItem(f"王伟 {r},{c} 1,234.56"))
    view = QTableView()
    view.setModel(model)
    view.resize(*SIZE)
    view.show()
    for _ in range(5):
        app.processEvents()
    view.grab()
    view.close()
    view.deleteLater()
    app.processEvents()


class PaintWatch:
    """Event filter on a table's viewport: once a paint event arrives while every visible row has its data
    (``ready()``), the waiting event loop is asked to stop right after that paint has been processed."""

    def __init__(self, ready):
        from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer

        watch = self

        class Filter(QObject):
            def eventFilter(self, obj, event):
                if event.type() == QEvent.Type.Paint and not watch.painted and ready():
                    watch.painted = True
                    QTimer.singleShot(0, watch.loop.quit)       # runs after this paint event
                return False
        self.painted = False
        self.loop = QEventLoop()
        self.filter = Filter()


def _wait_painted(watch: PaintWatch, timeout_s: float = 30.0) -> float:
    """Run a real event loop (it sleeps in Qt, without the GIL, while the fetch runs on a worker thread, as the
    application's does) until the qualifying paint has been processed; the clock is read then."""
    from PySide6.QtCore import QTimer

    if not watch.painted:
        QTimer.singleShot(int(timeout_s * 1000), watch.loop.quit)
        watch.loop.exec()
    if not watch.painted:
        raise RuntimeError("the table never painted its rows")
    return time.perf_counter()


def _visible_rows(table) -> range:
    first = max(table.rowAt(0), 0)
    last = table.rowAt(table.viewport().height() - 1)
    if last < 0:
        last = table.model().rowCount() - 1
    return range(first, last + 1)


def _rows_ready(view) -> bool:
    """The lines table of ``view`` has rows and every visible one has its data."""
    if view is None or view.lines_model.rowCount() == 0:
        return False
    return all(view.lines_model.is_loaded(r) for r in _visible_rows(view.lines_table))


def _largest_first(work: Path, batch_id: int) -> int:
    con = sqlite3.connect(work / "ledger" / "ledger.sqlite3")
    try:
        return con.execute("SELECT MAX(amount_minor) FROM payment_requests WHERE batch_id = ?",
                           (batch_id,)).fetchone()[0]
    finally:
        con.close()


def _sorted_ready(view, largest: int) -> bool:
    """Every visible row of the lines table is loaded and the top one is the batch's largest amount (a line of the
    new order: the pages of the old one do not count)."""
    if not _rows_ready(view):
        return False
    top = view.lines_model.row_at(max(view.lines_table.rowAt(0), 0))
    return top is not None and top.amount_minor == largest


def child_view_ours(work: Path, batch_id: int, shot: str = "") -> dict:
    from PySide6.QtCore import Qt

    from ui.ops import wait_idle
    from ui.views.batches import BatchesView

    app = _app()
    largest = _largest_first(work, batch_id)
    ctx, _store = _open(work)
    try:
        s = ctx.services
        approver = s.auth.login("approver", PASSWORD["approver"])
        _warm_up(app)
        times, sorted_times, rows_shown = [], [], 0
        for i in range(REPEAT):
            holder: dict = {}
            watch = PaintWatch(lambda holder=holder: _rows_ready(holder.get("view")))
            t0 = time.perf_counter()
            view = BatchesView(s, approver)
            holder["view"] = view
            view.lines_table.viewport().installEventFilter(watch.filter)
            view.resize(*SIZE)
            view.show()
            view.refresh()
            t1 = _wait_painted(watch)
            times.append(t1 - t0)
            assert wait_idle(30)
            model = view.lines_model
            selected = view.selected()
            assert selected is not None and selected.batch.id == batch_id, "the view shows another batch"
            assert model.rowCount() == selected.batch.line_count
            rows_shown = len(_visible_rows(view.lines_table))
            first = model.index(0, 1).data()
            assert first and first != model.PLACEHOLDER, first
            remittance = model.index(0, [c.key for c in model.columns].index("remittance")).data()
            assert remittance and remittance.startswith("INV-"), remittance

            # sorted by amount, largest first: the database sorts, the model fetches the first page of that order
            amount = [c.key for c in model.columns].index("amount")
            watch = PaintWatch(lambda view=view: _sorted_ready(view, largest))
            view.lines_table.viewport().installEventFilter(watch.filter)
            t0 = time.perf_counter()
            view.lines_table.sortByColumn(amount, Qt.SortOrder.DescendingOrder)
            sorted_times.append(_wait_painted(watch) - t0)
            assert wait_idle(30)
            amounts = [model.row_at(r).amount_minor for r in _visible_rows(view.lines_table)]
            assert amounts == sorted(amounts, reverse=True) and amounts[0] == largest, amounts[:5]
            if shot and i == REPEAT - 1:
                view.grab().save(shot.replace(".png", "-sorted.png"))
                view.lines_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
                assert wait_idle(30)
                view.lines_table.scrollTo(model.index(model.rowCount() // 2, 0))
                app.processEvents()
                assert wait_idle(30)
                app.processEvents()
                view.grab().save(shot)
            view.close()
            view.deleteLater()
            app.processEvents()
        lines = model.rowCount()
        fetched = sorted(set(model.fetched_pages))
    finally:
        ctx.close()
    return {"times_s": times, "sorted_times_s": sorted_times, "lines": lines, "rows_shown": rows_shown,
            "pages_fetched": fetched, "peak_mb": _peak_mb()}


def child_view_reference(work: Path, batch_id: int) -> dict:
    """The same first page, read beforehand (not timed), in a bare QTableView over a trivial model."""
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QTableView

    from app.domain.money import format_amount

    con = sqlite3.connect(work / "ledger" / "ledger.sqlite3")
    from ui.views.batches import PAGE_SIZE
    rows = [(str(r[0]), r[1], r[2], format_amount(r[3]), r[4], r[7] or "", r[5], "", "", "", str(r[6]))
            for r in con.execute(
        "SELECT p.batch_line, y.name, y.account_number, p.amount_minor, p.purpose, p.status, p.id, p.remittance "
        "FROM payment_requests p JOIN payees y ON y.id = p.payee_id WHERE p.batch_id = ? ORDER BY p.batch_line "
        "LIMIT ?", (batch_id, PAGE_SIZE))]
    con.close()

    class Model(QAbstractTableModel):
        def rowCount(self, parent=QModelIndex()):
            return 0 if parent.isValid() else len(rows)

        def columnCount(self, parent=QModelIndex()):
            return 0 if parent.isValid() else 11

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            return rows[index.row()][index.column()] if role == Qt.ItemDataRole.DisplayRole else None

    sorted_times = []
    for _ in range(REPEAT):
        con = sqlite3.connect(work / "ledger" / "ledger.sqlite3")
        t0 = time.perf_counter()
        page = con.execute(
            "SELECT p.id, p.batch_line, y.name, y.account_number, y.cnaps_code, p.amount_minor, p.currency, p.purpose, "
            "p.status, p.client_reference, p.bank_code, p.bank_text, p.remittance FROM payment_requests p JOIN payees "
            "y ON y.id = p.payee_id WHERE p.batch_id = ? ORDER BY p.amount_minor DESC, p.batch_line LIMIT ?",
            (batch_id, PAGE_SIZE)).fetchall()
        sorted_times.append(time.perf_counter() - t0)
        con.close()
        assert len(page) == PAGE_SIZE, len(page)

    app = _app()
    _warm_up(app)
    times = []
    for _ in range(REPEAT):
        watch = PaintWatch(lambda: True)
        t0 = time.perf_counter()
        table = QTableView()
        table.viewport().installEventFilter(watch.filter)
        table.setModel(Model(table))
        table.resize(*SIZE)
        table.show()
        times.append(_wait_painted(watch) - t0)
        table.close()
        table.deleteLater()
        app.processEvents()
    return {"times_s": times, "sorted_query_s": sorted_times, "lines": len(rows), "peak_mb": _peak_mb()}


# -- 2. approval and rejection ------------------------------------------------------------------------------------
def child_decide_ours(work: Path, approve_id: int, reject_id: int) -> dict:
    ctx, _store = _open(work)
    try:
        s = ctx.services
        approver = s.auth.login("approver", PASSWORD["approver"])
        t0 = time.perf_counter()
        summary = s.batch_approval.summary(approver, approve_id)
        t1 = time.perf_counter()
        decision = s.batch_approval.approve_batch(approver, approve_id, summary.pending_count,
                                                  summary.pending_total_minor, PASSWORD["approver"])
        t2 = time.perf_counter()
        rejected = s.batch_approval.reject_batch(approver, reject_id, "请核对工资表后重新导入")
        t3 = time.perf_counter()
        approved = s.batch_results.results(approver, approve_id).buckets["awaiting_signature"].count
        assert decision.approved == approved == summary.pending_count, (decision.approved, approved)
        assert rejected.rejected == s.batch_results.results(approver, reject_id).buckets["rejected"].count
    finally:
        ctx.close()
    return {"summary_s": t1 - t0, "approve_s": t2 - t1, "reject_s": t3 - t2, "lines": decision.approved,
            "rejected": rejected.rejected, "peak_mb": _peak_mb()}


def child_decide_reference(db: Path, approve_id: int, reject_id: int) -> dict:
    """Raw sqlite3, WAL + synchronous=FULL, one transaction per decision: each line's status and version, one
    approvals row and one status-history row, executemany."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    approver = con.execute("SELECT id FROM users WHERE username = 'approver'").fetchone()[0]
    now = "2026-11-27 00:00:00.000000"
    out = {}
    for what, batch_id, to, decision in (("approve", approve_id, "APPROVED", "approved"),
                                         ("reject", reject_id, "REJECTED", "rejected")):
        t0 = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        lines = con.execute("SELECT id, content_hash, version FROM payment_requests WHERE batch_id = ? AND "
                            "status = 'PENDING_APPROVAL' ORDER BY batch_line", (batch_id,)).fetchall()
        con.executemany("INSERT INTO approvals (payment_id, approver_id, level, decision, content_hash, comment, "
                        "at) VALUES (?, ?, 1, ?, ?, NULL, ?)",
                        [(pid, approver, decision, h, now) for pid, h, _v in lines])
        con.executemany("UPDATE payment_requests SET status = ?, version = ?, updated_at = ? WHERE id = ? AND "
                        "version = ?", [(to, v + 1, now, pid, v) for pid, _h, v in lines])
        con.executemany("INSERT INTO payment_status_history (payment_id, seq, from_status, to_status, at, actor, "
                        "detail) VALUES (?, 3, 'PENDING_APPROVAL', ?, ?, 'approver', ?)",
                        [(pid, to, now, what) for pid, _h, _v in lines])
        con.execute("COMMIT")
        out[f"{what}_s"] = time.perf_counter() - t0
        out[f"{what}_lines"] = len(lines)
    con.close()
    return {**out, "peak_mb": _peak_mb()}


def _child(fn: str, *args) -> dict:
    code = (f"import json, sys; from pathlib import Path; from bench.batch_view import {fn}; "
            f"print(json.dumps({fn}(Path(sys.argv[1]), *[json.loads(a) for a in sys.argv[2:]])))")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code, str(args[0]), *[json.dumps(a) for a in args[1:]]],
                         capture_output=True, text=True, cwd=REPO, env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{fn} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(n: int = 100_000, shot: str = "/tmp/batch_view_100k.png") -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-batch-view-") as tmp:
        work = Path(tmp)
        built = _child("child_build", work, n)
        ref_view = _child("child_view_reference", work, built["view_id"])
        ours_view = _child("child_view_ours", work, built["view_id"], shot)
        copy = work / "reference.db"
        shutil.copyfile(work / "ledger" / "ledger.sqlite3", copy)
        ref_decide = _child("child_decide_reference", copy, built["view_id"], built["reject_id"])
        ours_decide = _child("child_decide_ours", work, built["view_id"], built["reject_id"])
    assert ours_view["lines"] == n and ours_decide["lines"] == n == ref_decide["approve_lines"], (ours_view,
                                                                                                ours_decide)
    ours_s, ref_s = statistics.median(ours_view["times_s"]), statistics.median(ref_view["times_s"])
    sorted_s, sorted_query_s = statistics.median(ours_view["sorted_times_s"]), statistics.median(
        ref_view["sorted_query_s"])
    approve_ratio = ours_decide["approve_s"] / ref_decide["approve_s"]
    reject_ratio = ours_decide["reject_s"] / ref_decide["reject_s"]
    return {
        "name": f"batch view of a {n:,}-line batch: open to first paint of its lines",
        "ours_s": ours_s, "reference_s": ref_s, "ratio": ours_s / ref_s,
        "reference": "bare QTableView over the same first page already in memory",
        "target_ms": TARGET_MS, "n": n, "runs_ours_s": ours_view["times_s"], "runs_reference_s": ref_view["times_s"],
        "ours_peak_mb": ours_view["peak_mb"], "reference_peak_mb": ref_view["peak_mb"],
        "pages_fetched": ours_view["pages_fetched"], "screenshot": shot,
        "sorted_s": sorted_s, "sorted_query_reference_s": sorted_query_s, "runs_sorted_s": ours_view["sorted_times_s"],
        "summary_s": ours_decide["summary_s"], "approve_s": ours_decide["approve_s"],
        "reject_s": ours_decide["reject_s"], "approve_reference_s": ref_decide["approve_s"],
        "reject_reference_s": ref_decide["reject_s"], "approve_ratio": approve_ratio, "reject_ratio": reject_ratio,
        "decide_peak_mb": ours_decide["peak_mb"],
        "detail": (f"first paint ours {ours_s * 1000:.0f} ms (target ≤ {TARGET_MS:.0f} ms; runs "
                   f"{', '.join(f'{t * 1000:.0f}' for t in ours_view['times_s'])}), reference "
                   f"{ref_s * 1000:.0f} ms; peak memory ours {ours_view['peak_mb']:.0f} MB, reference "
                   f"{ref_view['peak_mb']:.0f} MB\n"
                   f"    sorted by amount (largest first), first page: ours {sorted_s * 1000:.0f} ms (click to first "
                   f"paint; runs {', '.join(f'{t * 1000:.0f}' for t in ours_view['sorted_times_s'])}), raw sqlite3 "
                   f"query of that page {sorted_query_s * 1000:.0f} ms\n"
                   f"    approve_batch {n:,} lines: ours {ours_decide['approve_s']:.2f} s vs raw executemany "
                   f"(status + approval + history rows) {ref_decide['approve_s']:.2f} s → {approve_ratio:.1f}× "
                   f"(summary first: {ours_decide['summary_s']:.2f} s)\n"
                   f"    reject_batch {n:,} lines: ours {ours_decide['reject_s']:.2f} s vs raw executemany "
                   f"{ref_decide['reject_s']:.2f} s → {reject_ratio:.1f}×; peak memory "
                   f"{ours_decide['peak_mb']:.0f} MB"),
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000), indent=2))
