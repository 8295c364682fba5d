"""Batch payments in the GUI: the import wizard (a GBK payroll with Chinese headers of a few hundred rows; a file with
a mistake in one row refused with that row named and nothing written; the same file twice refused; invalid rows
excluded with the report where the user says) and the batch view (batch approval by an approver with the password,
per-line results from the sandbox bank with counts that reconcile, failed lines re-initiated as a new batch)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.domain.identifiers import cnaps_check_digit
from tests.engine.support import make_batch_signer, start_world, stop_world
from ui.dialogs.batch_import_wizard import ERROR_BACKGROUND, WARNING_BACKGROUND, BatchImportWizard
from ui.ops import wait_idle
from ui.views.batches import BatchesView

HEADER_CN = "收款人名称,收款账号,收款行名称,收款行行号,金额,用途"
ICBC = "10210000023" + cnaps_check_digit("10210000023")
SHOTS = Path(os.environ.get("BANKDIRECT_SHOTS", "")) if os.environ.get("BANKDIRECT_SHOTS") else None


def payroll(path: Path, n: int, *, bad_row: int | None = None, suffix=lambda i: "5555",
            amount=lambda i: f"{2000 + i * 3}.{i % 100:02d}") -> Path:
    lines = [HEADER_CN]
    for i in range(n):
        value = "12,5O0.00" if bad_row is not None and i + 2 == bad_row else amount(i)
        value = f'"{value}"' if "," in value else value
        lines.append(f"员工{i:04d},6214{i:08d}{suffix(i)},中国工商银行深圳分行,{ICBC},{value},工资")
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    return path


def _wizard(qtbot, services, actor, account: str) -> BatchImportWizard:
    wizard = BatchImportWizard(services, actor)
    qtbot.addWidget(wizard)
    wizard.show()
    assert wait_idle(20)
    wizard.set_choice(wizard.account_combo, account)
    wizard.set_choice(wizard.profile_combo, "payroll")
    return wizard


def _check(qtbot, wizard, path: Path) -> None:
    wizard.file_edit.clear()
    wizard.file_edit.insert(str(path))            # the path has Chinese characters
    assert wizard.check_button.isEnabled()
    qtbot.keyClick(wizard.file_edit, Qt.Key.Key_Return)     # keyboard: Enter checks the file
    assert wait_idle(30)


def test_gbk_payroll_imports_through_the_wizard_with_a_readable_preview(qtbot, payment_world, tmp_path):
    w = payment_world
    maker = w.actor("maker")
    path = payroll(tmp_path / "十一月工资.csv", 300)
    wizard = _wizard(qtbot, w.services, maker, w.account.account_number)
    _check(qtbot, wizard, path)
    assert wizard.pages.currentIndex() == 1 and wizard.preview is not None
    m = wizard.preview_model
    assert m.rowCount() == 300 and m.headers[1:] == HEADER_CN.split(",")
    assert [m.index(0, c).data() for c in range(7)] == ["2", "员工0000", "6214000000005555", "中国工商银行深圳分行",
                                                        ICBC, "2,000.00", "工资"]
    assert m.index(0, 5).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    total = sum((2000 + i * 3) * 100 + i % 100 for i in range(300))
    summary = wizard.summary.text()
    assert "300" in summary and "gb18030" in summary and f"{total // 100:,}" in summary
    assert not wizard.preview.errors and not wizard.options.isVisible()
    warnings = wizard.problem_model.rowCount()               # card numbers failing Luhn: warnings only
    assert warnings and {p.code for p in wizard.problem_model.problems} == {"ACCOUNT_LUHN"}
    assert f"{warnings}" in summary
    account_cell = m.index(0, 2)
    assert account_cell.data(Qt.ItemDataRole.BackgroundRole).color().name() == WARNING_BACKGROUND
    assert wizard.import_button.isEnabled() and wizard.import_button.isDefault()
    qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    assert wait_idle(60)
    result = wizard.result
    assert result is not None and result.batch.line_count == 300 and result.batch.total_minor == total
    assert str(result.batch.id) in wizard.message.text() and wizard.message.property("severity") == "info"
    assert not wizard.import_button.isEnabled()
    # the same file again: refused with the service's message, nothing to import
    wizard.go_back()
    _check(qtbot, wizard, path)
    assert "DUPLICATE" in wizard.message.text() and f"batch {result.batch.id}" in wizard.message.text()
    assert not wizard.import_button.isEnabled()


def test_a_mistake_in_one_row_is_refused_with_that_row_named_and_nothing_written(qtbot, payment_world, tmp_path,
                                                                                  ledger_fingerprint):
    w = payment_world
    maker = w.actor("maker")
    path = payroll(tmp_path / "工资-错一行.csv", 40, bad_row=17)
    wizard = _wizard(qtbot, w.services, maker, w.account.account_number)
    before = ledger_fingerprint()
    _check(qtbot, wizard, path)
    m = wizard.preview_model
    assert m.rowCount() == 40
    bad = next(i for i, r in enumerate(m.rows) if r.row == 17)
    assert m.index(bad, 0).data() == "✗ 17"
    cell = m.index(bad, 5)                                   # the 金额 cell
    assert cell.data() == "12,5O0.00"
    assert cell.data(Qt.ItemDataRole.BackgroundRole).color().name() == ERROR_BACKGROUND
    assert "AMOUNT_" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert m.index(bad, 1).data(Qt.ItemDataRole.BackgroundRole) is None
    problems = wizard.problem_model
    errors = [r for r in range(problems.rowCount()) if problems.problems[r].is_error]
    assert errors and {problems.index(r, 0).data() for r in errors} == {"17"}
    assert {problems.index(r, 1).data() for r in errors} == {"金额"}
    assert problems.index(errors[0], 2).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#c62828"
    assert "17" in wizard.message.text() and wizard.options.isVisible() and not wizard.exclude_check.isChecked()
    # importing without excluding: refused, the row named, nothing written
    qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    assert wait_idle(30)
    assert wizard.result is None and "rows 17" in wizard.message.text()
    assert wizard.message.property("severity") == "error"
    assert ledger_fingerprint() == before
    # excluding the invalid row: the others are imported, the report goes where the user says
    report = tmp_path / "报告.xlsx"
    wizard.exclude_check.setChecked(True)
    wizard.report_edit.clear()
    wizard.report_edit.insert(str(report))
    qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    assert wait_idle(30)
    assert wizard.result is not None and wizard.result.batch.line_count == 39 and report.is_file()
    assert str(report) in wizard.message.text()


def test_an_unreadable_file_stays_on_the_first_page_with_the_reason(qtbot, payment_world, tmp_path):
    w = payment_world
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    wizard = _wizard(qtbot, w.services, w.actor("maker"), w.account.account_number)
    _check(qtbot, wizard, path)
    assert wizard.pages.currentIndex() == 0 and wizard.source_error.isVisible()
    assert "FILE_SIZE" in wizard.source_error.text()


# -- the batch view against the sandbox bank ----------------------------------------------------------------
CCB_ACCOUNT = "31050161393600001234"      # the demo's CCB account: 987,654.32 in the sandbox bank


@pytest.fixture
def world(tmp_path):
    w = start_world(tmp_path)
    yield w
    assert wait_idle(20)
    stop_world(w)


def _click_box(qtbot, view, name: str) -> None:
    qtbot.waitUntil(lambda: view.confirm_box is not None, timeout=10_000)
    from PySide6.QtWidgets import QPushButton

    button = view.confirm_box.findChild(QPushButton, name)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_batch_view_approval_results_and_reinitiation(qtbot, world, tmp_path):
    from app.services.demo_data import DEMO_PASSWORD

    s = world.services
    maker, approver, signer = world.actor("maker"), world.actor("approver1"), world.actor("signer")
    n = 60
    path = payroll(tmp_path / "工资.csv", n, suffix=lambda i: "0001" if i % 15 == 4 else "5555",
                   amount=lambda i: "45000.00" if i >= 36 else f"{3000 + i}.00")
    batch = s.batch_import.import_file(maker, str(path), account=CCB_ACCOUNT).batch

    view = BatchesView(s, approver)
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    view.refresh()
    assert wait_idle(20)
    assert view.list_model.rowCount() >= 1 and view.selected().batch.id == batch.id
    assert not view.import_button.isVisible() and view.approve_button.isEnabled()
    row = view.list_model.row_of(batch.id)
    assert view.list_model.index(row, 4).data() == f"{n:,}"
    assert view.lines_model.rowCount() == n
    qtbot.waitUntil(lambda: view.lines_model.index(0, 1).data() == "员工0000", timeout=10_000)
    assert "✓" in view.reconcile_label.text()
    _shot(view, "batches-pending")

    # approve the batch: confirmation with count and total, then the password (the total is above the threshold)
    qtbot.mouseClick(view.approve_button, Qt.MouseButton.LeftButton)
    _click_box(qtbot, view, "approveBatchYes")
    qtbot.waitUntil(lambda: view.password_dialog is not None and view.password_dialog.isVisible(), timeout=10_000)
    view.password_dialog.password.insert(DEMO_PASSWORD)
    view.password_dialog.confirm()
    assert wait_idle(30)
    qtbot.waitUntil(lambda: view.selected() is not None
                    and view.selected().buckets["awaiting_signature"].count == n, timeout=10_000)
    assert "60" in view.message.text() and not view.approve_button.isEnabled()

    # one signature, then the engine (as the GUI's job would); the view follows by its timer
    ready = [b for b in s.signing.ready_batches(signer) if batch.id and set(b.payment_ids) >= set(
        line.payment_id for line in s.batch_results.lines(maker, batch.id, 0, 1000))]
    assert len(ready) == 1
    s.signing.sign_batch(signer, ready[0].batch_key, make_batch_signer())
    s.submission.run_until_idle(timeout_s=60, poll_s=0.1)
    view.poll_timer.setInterval(100)
    qtbot.waitUntil(lambda: view.selected().buckets["pending"].count == 0
                    and view.selected().sent.count == n, timeout=20_000)
    r = view.selected()
    assert r.reconciles and r.sent == r.buckets["succeeded"] + r.buckets["failed"]
    assert r.buckets["failed"].count >= 4                 # AC01 rows and AM04 for what the account cannot cover
    text = view.reconcile_label.text()
    assert f"{r.sent.count:,}" in text and f"{r.buckets['failed'].count:,}" in text and "✓" in text

    # per-line results: sort by status (loads every line once), colours and bank codes
    status_col = [c.key for c in view.lines_model.columns].index("status")
    code_col = [c.key for c in view.lines_model.columns].index("bank_code")
    view.lines_table.sortByColumn(status_col, Qt.SortOrder.AscendingOrder)      # FAILED before SUCCEEDED
    assert wait_idle(20)
    failed = r.buckets["failed"].count
    codes = [view.lines_model.index(i, code_col).data() for i in range(n)]
    assert set(codes[:failed]) == {"AM04", "AC01"} and "AC01" not in codes[failed:] and "AM04" not in codes[failed:]
    ac01 = [view.lines_model.row_at(i).row for i in range(failed) if codes[i] == "AC01"]
    assert sorted(ac01) == [i + 2 for i in range(n) if i % 15 == 4]
    assert view.lines_model.index(0, status_col).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#c62828"
    amount_cell = view.lines_model.index(0, [c.key for c in view.lines_model.columns].index("amount"))
    assert amount_cell.data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    _shot(view, "batches-results")

    # export the failed lines; re-initiate them (a maker's view) as a new batch awaiting approval
    out = tmp_path / "failed.csv"
    view.export(out, failed_only=True)
    assert wait_idle(20) and out.is_file()
    assert len(out.read_text(encoding="utf-8-sig").strip().splitlines()) == r.buckets["failed"].count + 1
    maker_view = BatchesView(s, maker)
    qtbot.addWidget(maker_view)
    maker_view.show()
    maker_view.refresh()
    assert wait_idle(20)
    assert maker_view.select_batch(batch.id) and maker_view.reinitiate_button.isEnabled()
    assert not maker_view.approve_button.isVisible()
    qtbot.mouseClick(maker_view.reinitiate_button, Qt.MouseButton.LeftButton)
    _click_box(qtbot, maker_view, "reinitiateBatchYes")
    assert wait_idle(30)
    qtbot.waitUntil(lambda: maker_view.selected() is not None and maker_view.selected().batch.id != batch.id,
                    timeout=10_000)
    new = maker_view.selected()
    assert new.stage == "AWAITING_APPROVAL" and new.batch.line_count == r.buckets["failed"].count
    assert new.buckets["awaiting_approval"].total_minor == r.buckets["failed"].total_minor
    assert "awaits approval" in maker_view.message.text()


def _shot(widget, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        QApplication.processEvents()
        widget.grab().save(str(SHOTS / f"{name}.png"))
