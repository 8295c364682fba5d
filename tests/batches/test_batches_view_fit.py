"""The batch view reads well once a batch is done: the list's columns fit their headers (待审批 / "Awaiting approval")
and the stage ("Completed with failures"), the bank's message gets the room left (not a fixed 220 px) and its full
text in the tooltip; an action's message ("Batch 1: 8 lines approved.") stays while the batch awaits its signature
and goes once the batch has moved on, or when another batch is selected. Rendered in Chinese and in English (a
finished batch with failed lines and the bank's reasons) to /tmp/batches_zh.png and /tmp/batches_en.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from app.domain.identifiers import cnaps_check_digit
from app.services.demo_data import DEMO_PASSWORD
from tests.batches.test_payroll_new_user import card
from tests.engine.support import make_batch_signer, start_world, stop_world
from ui.i18n import install_translator
from ui.ops import wait_idle
from ui.views.batches import FIT_MAX, BatchesView

HEADER = "收款人名称,收款账号,收款行名称,收款行行号,金额,用途"
ICBC = "10210000023" + cnaps_check_digit("10210000023")
CMB_ACCOUNT = "755915678810001"              # the demo's CMB account in the sandbox bank
REFUSED = {2: "0001", 5: "0004"}             # the sandbox's payee rules: 0001 → AC01, 0004 → AC04
NAMES = ["王伟", "李芳", "张娜", "刘秀英", "陈敏", "杨静", "阿卜杜热依木·买买提艾力", "黄丽"]
SHOTS = {"zh_CN": Path("/tmp/batches_zh.png"), "en": Path("/tmp/batches_en.png")}


@pytest.fixture
def world(tmp_path):
    w = start_world(tmp_path)
    yield w
    assert wait_idle(20)
    stop_world(w)


def payroll(path: Path, names: list[str], first: int) -> Path:
    rows = [HEADER] + [f"{name},{card(first + i, REFUSED.get(i, f'{6000 + first + i:04d}'))},中国工商银行深圳分行,"
                       f"{ICBC},{1000 + i * 11}.50,十一月工资" for i, name in enumerate(names)]
    path.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    return path


def _view(qtbot, world, user: str) -> BatchesView:
    view = BatchesView(world.services, world.actor(user))
    qtbot.addWidget(view)
    view.resize(1400, 760)
    view.show()
    view.refresh()
    assert wait_idle(20)
    return view


def _approve_in_view(qtbot, view: BatchesView) -> None:
    qtbot.mouseClick(view.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.confirm_box is not None, timeout=10_000)
    qtbot.mouseClick(view.confirm_box.findChild(QPushButton, "approveBatchYes"), Qt.MouseButton.LeftButton)
    assert wait_idle(10)
    if view.password_dialog is not None and view.password_dialog.isVisible():
        view.password_dialog.password.insert(DEMO_PASSWORD)
        view.password_dialog.confirm()
    assert wait_idle(30)


def _check_fit(view: BatchesView) -> None:
    """Headers and short texts are whole; the bank's message column is at least as wide as its reasons (within
    the cap) and takes the room the other columns leave."""
    lst, header = view.list_table, view.list_table.horizontalHeader()
    for c in range(view.list_model.columnCount()):
        assert header.sectionSize(c) >= header.sectionSizeHint(c), view.list_model.titles()[c]
    stage = 6                                              # Stage (阶段)
    row = view.list_model.row_of(view.selected().batch.id)
    cell = view.list_model.index(row, stage)
    assert header.sectionSize(stage) >= lst.sizeHintForIndex(cell).width()
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == cell.data()
    table, lines = view.lines_table, view.lines_table.horizontalHeader()
    keys = [c.key for c in view.lines_model.columns]
    bank = keys.index("bank_text")
    shown = [c for c in range(lines.count()) if not lines.isSectionHidden(c)]
    for c in shown:
        assert lines.sectionSize(c) >= min(lines.sectionSizeHint(c), FIT_MAX), view.lines_model.columns[c].title
    texts = [view.lines_model.index(r, bank) for r in range(len(REFUSED))]
    assert all(i.data() for i in texts)                    # the failed lines come first (sorted by status)
    for i in texts:
        assert lines.sectionSize(bank) >= table.sizeHintForIndex(i).width()
        assert i.data(Qt.ItemDataRole.ToolTipRole) == i.data()
    assert sum(lines.sectionSize(c) for c in shown) >= table.viewport().width()      # no empty strip on the right


def test_a_finished_batch_reads_well_and_old_messages_go(qtbot, world, tmp_path):
    s = world.services
    maker, signer = world.actor("maker"), world.actor("signer")
    done = s.batch_import.import_file(maker, str(payroll(tmp_path / "十一月工资.csv", NAMES, 0)),
                                      account=CMB_ACCOUNT).batch
    other = s.batch_import.import_file(maker, str(payroll(tmp_path / "十一月补发.csv", ["赵强"], 50)),
                                       account=CMB_ACCOUNT).batch

    view = _view(qtbot, world, "approver1")
    assert view.select_batch(done.id) and view.approve_button.isEnabled()
    _approve_in_view(qtbot, view)
    qtbot.waitUntil(lambda: view.selected().stage == "AWAITING_SIGNATURE", timeout=10_000)
    approved = f"Batch {done.id}: {len(NAMES)} lines approved."
    assert view.message.text() == approved and not view.message.isHidden()
    view.poll_timer.setInterval(100)
    qtbot.wait(400)                                       # polls that find the same stage keep the message
    assert view.message.text() == approved and not view.message.isHidden()

    # signed and sent: the batch completes with failures and the approval message goes
    [ready] = [b for b in s.signing.ready_batches(signer) if set(b.payment_ids) >= {
        line.payment_id for line in s.batch_results.lines(maker, done.id, 0, 100)}]
    s.signing.sign_batch(signer, ready.batch_key, make_batch_signer())
    s.submission.run_until_idle(timeout_s=60, poll_s=0.1)
    qtbot.waitUntil(lambda: view.selected().stage == "COMPLETED_WITH_FAILURES", timeout=20_000)
    assert view.message.isHidden() and view.message.text() == ""

    # a message about one batch goes when another is selected
    view.show_message("Exported 2 lines to /tmp/x.xlsx")
    assert view.select_batch(other.id)
    assert view.message.isHidden()
    assert view.select_batch(done.id)
    view.poll_timer.stop()

    app = QApplication.instance()
    try:
        for lang in ("zh_CN", "en"):
            assert install_translator(app, lang) == lang
            shot = _view(qtbot, world, "approver1")
            shot.poll_timer.stop()
            assert shot.select_batch(done.id)
            assert wait_idle(20)
            status = [c.key for c in shot.lines_model.columns].index("status")
            shot.lines_table.sortByColumn(status, Qt.SortOrder.AscendingOrder)      # Failed first
            assert wait_idle(20)
            qtbot.waitUntil(lambda v=shot: v.lines_model.is_loaded(0), timeout=10_000)
            QApplication.processEvents()
            title = shot.list_model.headerData(7, Qt.Orientation.Horizontal)
            assert title == ("待审批" if lang == "zh_CN" else "Awaiting approval")
            _check_fit(shot)
            assert shot.grab().save(str(SHOTS[lang]))
        # a narrow window: the bank's message keeps its width and the table scrolls sideways
        shot.resize(900, 600)
        QApplication.processEvents()
        bank = [c.key for c in shot.lines_model.columns].index("bank_text")
        reason = shot.lines_model.index(0, bank)
        assert shot.lines_table.horizontalHeader().sectionSize(bank) >= \
            shot.lines_table.sizeHintForIndex(reason).width()
        assert shot.lines_table.horizontalScrollBar().maximum() > 0
        assert shot.grab().save("/tmp/batches_en_narrow.png")
    finally:
        install_translator(app, "en")
