"""Issue #7 "Done means", driven through the GUI as a new user would, against the real sandbox bank (mutual TLS)
and the demo signer's SoftHSM2 USB key:

1. the maker opens the import wizard from Batch payments and checks a GBK payroll with Chinese headers
   (收款人名称,收款账号,收款行名称,收款行行号,金额,用途) holding one mistake (an account Excel turned into 6.21483E+15):
   the preview names that row, Import refuses it with the row named and nothing is written;
2. the corrected file (300 employees) gives a readable preview — Chinese text, amounts right-aligned with
   separators, the bank's own check "OK" on every row, no warnings — and imports as one batch awaiting approval;
3. an approver approves the whole batch in the batch view (count and total confirmed, password re-entered);
4. the signer signs it in the signing view with ONE PIN;
5. the engine sends it; the batch view shows every line SUCCEEDED or FAILED — the failed ones with the bank's code
   and reason — and the counts reconcile with the file.

The preview and the final batch view are rendered to /tmp/payroll_preview.png and /tmp/payroll_final.png.
BANKDIRECT_PAYROLL_N=3000 runs the same path with 3,000 employees (by hand, ~15 s; the suite keeps 300)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from app.domain.identifiers import cnaps_check_digit, luhn_valid
from app.domain.payment import PaymentStatus
from app.services.demo_data import DEMO_PASSWORD
from storage.fingerprint import state_fingerprint
from tests.engine.support import start_world, stop_world
from tests.hsm.conftest import requires_softhsm
from ui.dialogs.batch_import_wizard import ERROR_BACKGROUND
from ui.ops import wait_idle
from ui.views.batches import BatchesView
from ui.views.signing import SigningView

pytestmark = [requires_softhsm]

HEADER = "收款人名称,收款账号,收款行名称,收款行行号,金额,用途"
ICBC = "10210000023" + cnaps_check_digit("10210000023")
CCB = "10529000045" + cnaps_check_digit("10529000045")
SHOT = Path("/tmp/payroll_final.png")
PREVIEW_SHOT = Path("/tmp/payroll_preview.png")
N = int(os.environ.get("BANKDIRECT_PAYROLL_N", "300"))
CMB_ACCOUNT = "755915678810001"             # the demo's CMB account: 12,865,432.10 in the sandbox
DEMO_PIN = "123456"                       # app.cli_signing.DEMO_TOKEN_PIN
# the sandbox bank's payee rules (last four digits of the account): 0001 → AC01, 0004 → AC04
REFUSED = {41: "0001", 150: "0004", 277: "0001"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超"]


def card(i: int, suffix: str) -> str:
    """A 16-digit debit card number ending in ``suffix`` whose check digit (Luhn) is right."""
    for x in "0123456789":
        number = f"6214{i:07d}{x}{suffix}"
        if luhn_valid(number):
            return number
    raise AssertionError(i)


def employees() -> list[list[str]]:
    rows = []
    for i in range(N):
        name = SURNAMES[i % 20] + GIVEN[(i // 20 + i) % len(GIVEN)] + ("" if i < 100 else GIVEN[i % 7])
        if i == 7:
            name = "阿卜杜热依木·买买提艾力"
        bank, code = ("中国工商银行深圳分行", ICBC) if i % 3 else ("中国建设银行上海分行", CCB)
        suffix = REFUSED.get(i, f"{5000 + i:04d}")
        rows.append([name, card(i, suffix), bank, code, f"{2000 + (i * 37) % 4000}.{i % 100:02d}", "十一月工资"])
    return rows


def write(path: Path, rows: list[list[str]]) -> Path:
    path.write_bytes(("\n".join([HEADER, *(",".join(r) for r in rows)]) + "\n").encode("gbk"))
    return path


@pytest.fixture
def world(tmp_path):
    w = start_world(tmp_path)
    yield w
    assert wait_idle(20)
    stop_world(w)


def _view(qtbot, world, user: str) -> BatchesView:
    view = BatchesView(world.services, world.actor(user))
    qtbot.addWidget(view)
    view.resize(1400, 800)
    view.show()
    view.refresh()
    assert wait_idle(20)
    return view


def _check(qtbot, wizard, path: Path) -> None:
    wizard.file_edit.clear()
    wizard.file_edit.insert(str(path))
    qtbot.keyClick(wizard.file_edit, Qt.Key.Key_Return)
    assert wait_idle(30)


def _answer_pin(pin: str) -> dict:
    state = {"stop": False, "answered": 0}

    def later():
        if state["stop"]:
            return
        dialog = next((w for w in QApplication.topLevelWidgets() if w.objectName() == "pinDialog" and w.isVisible()),
                      None)
        if dialog is None:
            QTimer.singleShot(20, later)
            return
        dialog.pin.setText(pin)
        state["answered"] += 1
        dialog.accept()
        QTimer.singleShot(20, later)             # a second PIN request would be answered (and counted) too
    QTimer.singleShot(20, later)
    return state


def test_a_new_user_pays_a_gbk_payroll_through_the_gui(qtbot, world, tmp_path):
    s = world.services
    account = CMB_ACCOUNT
    rows = employees()
    total = sum(int(r[4].replace(".", "")) for r in rows)

    # 1. the maker's first file: one account number was turned into a number by Excel
    maker_view = _view(qtbot, world, "maker")
    qtbot.mouseClick(maker_view.import_button, Qt.MouseButton.LeftButton)
    wizard = maker_view.wizard
    assert wizard is not None and wait_idle(20)
    wizard.set_choice(wizard.account_combo, account)
    wizard.set_choice(wizard.profile_combo, "payroll")
    broken = [list(r) for r in rows]
    broken[156][1] = "6.21483E+15"                                           # file row 158
    before = state_fingerprint(world.ctx.ledger.engine)
    _check(qtbot, wizard, write(tmp_path / "十一月工资.csv", broken))
    m = wizard.preview_model
    assert wizard.pages.currentIndex() == 1 and m.rowCount() == N
    bad = next(i for i, r in enumerate(m.rows) if r.row == 158)
    assert m.index(bad, 0).data() == "✗ 158" and m.index(bad, 2).data() == "6.21483E+15"
    assert m.index(bad, 2).data(Qt.ItemDataRole.BackgroundRole).color().name() == ERROR_BACKGROUND
    assert "ACCOUNT_FORMAT" in m.index(bad, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert "rows 158" in wizard.message.text()
    qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    assert wait_idle(30)
    assert wizard.result is None and f"1 of {N} rows are invalid (rows 158)" in wizard.message.text()
    assert state_fingerprint(world.ctx.ledger.engine) == before                # nothing written

    # 2. the corrected file: a readable preview, then one batch awaiting approval
    wizard.go_back()
    _check(qtbot, wizard, write(tmp_path / "十一月工资-改.csv", rows))
    pv = wizard.preview
    assert not pv.problems and len(pv.lines) == N and pv.encoding == "gb18030" and pv.bank_rules == "cmb_fbsdk"
    assert m.headers[1:] == HEADER.split(",")
    first = [m.index(0, c).data() for c in range(7)]
    assert first == ["2", rows[0][0], rows[0][1], "中国建设银行上海分行", CCB, "2,000.00", "十一月工资"]
    assert m.index(5, 5).data() == "2,185.05" and m.index(5, 5).data(Qt.ItemDataRole.TextAlignmentRole) & \
        Qt.AlignmentFlag.AlignRight
    assert {m.index(i, m.bank_column).data() for i in range(N)} == {"OK"}
    summary = wizard.summary.text()
    assert f"{N:,} rows — {N:,} valid, 0 invalid" in summary and f"{total // 100:,}." in summary
    assert "Bank check (CMB 招商银行): every checked row fits" in summary and "Warnings" not in summary
    assert "profile Payroll (代发工资)" in summary and not wizard.problem_table.isVisible()   # nothing to list
    wizard.resize(1200, 700)
    assert wizard.grab().save(str(PREVIEW_SHOT))
    assert wizard.import_button.isEnabled()
    qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    assert wait_idle(60)
    batch = wizard.result.batch
    assert (batch.line_count, batch.total_minor, batch.status) == (N, total, "PENDING_APPROVAL")
    qtbot.mouseClick(wizard.close_button, Qt.MouseButton.LeftButton)
    assert wait_idle(20)
    qtbot.waitUntil(lambda: maker_view.selected() is not None and maker_view.selected().batch.id == batch.id,
                    timeout=10_000)
    assert maker_view.selected().stage == "AWAITING_APPROVAL" and not maker_view.approve_button.isVisible()

    # 3. the approver approves the whole batch: count and total confirmed, the password again (above 100,000.00)
    view = _view(qtbot, world, "approver1")
    assert view.select_batch(batch.id) and view.approve_button.isEnabled()
    qtbot.mouseClick(view.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.confirm_box is not None, timeout=10_000)
    assert f"{N:,} lines" in view.confirm_box.text() and f"{total // 100:,}" in view.confirm_box.text()
    qtbot.mouseClick(view.confirm_box.findChild(QPushButton, "approveBatchYes"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.password_dialog is not None and view.password_dialog.isVisible(), timeout=10_000)
    view.password_dialog.password.insert(DEMO_PASSWORD)
    view.password_dialog.confirm()
    assert wait_idle(30)
    qtbot.waitUntil(lambda: view.selected().buckets["awaiting_signature"].count == N, timeout=10_000)
    ids = {line.payment_id for line in s.batch_results.lines(world.actor("maker"), batch.id, 0, N)}

    # 4. the signer: one batch, one PIN
    signing = SigningView(s, world.actor("signer"))
    qtbot.addWidget(signing)
    signing.resize(1280, 700)
    signing.show()
    signing.refresh()
    assert wait_idle(20)
    mine = [i for i, b in enumerate(signing.ready_model.rows()) if set(b.payment_ids) >= ids]
    assert len(mine) == 1
    signing.ready_table.selectRow(mine[0])
    assert signing.selected_batch().count >= N and signing.sign_button.isEnabled()
    state = _answer_pin(DEMO_PIN)
    try:
        qtbot.mouseClick(signing.sign_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not signing.signing, timeout=30_000)
        assert wait_idle(20)
    finally:
        state["stop"] = True
    assert state["answered"] == 1, signing.message.text()
    assert "Signed batch" in signing.message.text(), signing.message.text()

    # 5. the engine sends the batch (as the app's background job does); the batch view follows by its timer
    report = s.submission.run_until_idle(timeout_s=60, poll_s=0.1)
    assert not [e for e in report.errors if "TIMEOUT" in e], report.errors
    view.poll_timer.setInterval(100)
    qtbot.waitUntil(lambda: view.selected().buckets["pending"].count == 0 and view.selected().sent.count == N,
                    timeout=20_000)
    r = view.selected()
    assert r.reconciles and r.stage == "COMPLETED_WITH_FAILURES"
    assert (r.buckets["succeeded"].count, r.buckets["failed"].count) == (N - len(REFUSED), len(REFUSED))
    lines = s.batch_results.lines(world.actor("maker"), batch.id, 0, N)
    assert {line.status for line in lines} == {PaymentStatus.SUCCEEDED.value, PaymentStatus.FAILED.value}
    failed = {line.row: (line.bank_code_result, line.bank_text) for line in lines if line.status == "FAILED"}
    assert {row: code for row, (code, _t) in failed.items()} == {43: "AC01", 152: "AC04", 279: "AC01"}
    assert all(text for _c, text in failed.values()) and "收款账号不存在" in failed[43][1]
    assert "✓" in view.reconcile_label.text()

    # the view: failed lines first (sort by status), each with the bank's code and message
    keys = [c.key for c in view.lines_model.columns]
    view.lines_table.sortByColumn(keys.index("status"), Qt.SortOrder.AscendingOrder)
    assert wait_idle(20)
    qtbot.waitUntil(lambda: view.lines_model.is_loaded(0), timeout=10_000)
    shown = [(view.lines_model.index(i, keys.index("row")).data(), view.lines_model.index(i, keys.index("bank_code"))
              .data(), view.lines_model.index(i, keys.index("bank_text")).data()) for i in range(len(REFUSED))]
    assert sorted((int(row), code) for row, code, _t in shown) == [(43, "AC01"), (152, "AC04"), (279, "AC01")]
    assert all(text == failed[int(row)][1] for row, _c, text in shown)
    assert view.lines_model.index(0, keys.index("status")).data(Qt.ItemDataRole.ForegroundRole).color().name() == \
        "#c62828"
    QApplication.processEvents()
    assert view.grab().save(str(SHOT))
