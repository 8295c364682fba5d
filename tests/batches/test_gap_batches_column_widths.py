"""Issue #7 gap 3: the batches view no longer refits its columns at every reload. The columns are fitted when the list
is first filled; a column the user resized (by dragging its divider) keeps its width when the list and the lines are
reloaded, and after a restart (the main window saves the header; FittedHeader keeps which columns the user sized);
"Fit columns to their text" in the header's context menu fits them again. Rendered in Chinese to
/tmp/batches_gap_zh.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QHeaderView, QMenu

from tests.batches.test_payroll_new_user import card
from tests.batches.test_supplier_and_presign import ICBC, world  # noqa: F401  (the world fixture)
from ui.i18n import install_translator
from ui.main_window import MainWindow
from ui.ops import wait_idle
from ui.views.batches import FIT_MAX, BatchesView, FittedHeader, FittedTableView

HEADER = "收款人名称,收款账号,收款行名称,收款行行号,金额,用途"
ACCOUNT, PURPOSE = 3, "purpose"                  # the list's "Debit account" column; a lines column
SHOT = Path("/tmp/batches_gap_zh.png")


def payroll(w, tmp_path: Path, name: str, names: list[str], first: int, purpose: str = "十一月工资"):
    rows = [HEADER] + [f"{n},{card(first + i, f'{6000 + first + i:04d}')},中国工商银行深圳分行,{ICBC},"
                       f"{1000 + i * 11}.50,{purpose}" for i, n in enumerate(names)]
    path = tmp_path / name
    path.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    return w.services.batch_import.import_file(w.actor("maker"), str(path), account=w.account.account_number).batch


def drag_divider(header: QHeaderView, column: int, dx: int) -> int:
    """Drag the right edge of ``column`` by ``dx`` pixels with the mouse, as a user does; returns the new width."""
    edge = header.sectionViewportPosition(column) + header.sectionSize(column) - 1
    y = header.height() // 2
    viewport = header.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(edge, y))
    for step in range(1, 5):
        QTest.mouseMove(viewport, QPoint(edge + dx * step // 4, y))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(edge + dx, y))
    return header.sectionSize(column)


def _lines_loaded(view: BatchesView) -> bool:
    return view.lines_model.rowCount() > 0 and view.lines_model.is_loaded(0)


def _fitted(table: FittedTableView, column: int, rows) -> int:
    """The width fitting gives ``column`` for ``rows`` (as FittedTableView.fit_columns computes it)."""
    header, model = table.horizontalHeader(), table.model()
    width = header.sectionSizeHint(column) + 4
    for r in rows:
        width = max(width, table.sizeHintForIndex(model.index(r, column)).width() + 1 + 8)
    return min(width, FIT_MAX)


def test_a_resized_column_keeps_its_width_across_reloads(qtbot, world, tmp_path):  # noqa: F811
    w = world
    first = payroll(w, tmp_path, "十一月工资.csv", ["王伟", "李芳", "张娜"], 0)
    view = BatchesView(w.services, w.actor("approver1"))
    qtbot.addWidget(view)
    view.resize(1400, 700)
    view.show()
    view.poll_timer.stop()
    view.refresh()
    assert wait_idle(20)
    qtbot.waitUntil(lambda: view.list_model.rows and _lines_loaded(view), timeout=10_000)
    header, lines = view.list_table.horizontalHeader(), view.lines_table.horizontalHeader()
    assert isinstance(header, FittedHeader) and header.user_sized == set()
    fitted = header.sectionSize(ACCOUNT)
    assert fitted == _fitted(view.list_table, ACCOUNT, range(len(view.list_model.rows)))
    purpose = [c.key for c in view.lines_model.columns].index(PURPOSE)

    wide = drag_divider(header, ACCOUNT, 90)
    assert wide == fitted + 90 and header.user_sized == {ACCOUNT}
    narrow = drag_divider(lines, purpose, -20)
    assert narrow < lines.sectionSizeHint(purpose) and lines.user_sized == {purpose}

    # reloads: a new batch (the list) and its lines; then back to the first batch (its lines fitted afresh)
    second = payroll(w, tmp_path, "十一月补发工资（第二批次，含离职人员经济补偿金）.csv", ["阿卜杜热依木·买买提艾力"],
                     50, purpose="十一月补发工资及离职经济补偿")
    view.refresh()
    assert wait_idle(20)
    qtbot.waitUntil(lambda: len(view.list_model.rows) == 2, timeout=10_000)
    assert view.select_batch(second.id)
    qtbot.waitUntil(lambda: _lines_loaded(view), timeout=10_000)
    assert view.select_batch(first.id)
    qtbot.waitUntil(lambda: _lines_loaded(view), timeout=10_000)
    view.refresh()
    assert wait_idle(20)
    QApplication.processEvents()
    assert view.loads >= 3
    assert header.sectionSize(ACCOUNT) == wide and lines.sectionSize(purpose) == narrow
    # the columns the user did not size still fit their headers, and the others give way to nothing
    for c in range(header.count()):
        assert header.sectionSize(c) >= header.sectionSizeHint(c), c
    file_cell = view.list_model.index(view.list_model.row_of(second.id), 1)
    assert header.sectionSize(1) >= min(view.list_table.sizeHintForIndex(file_cell).width(), 720)

    assert install_translator(QApplication.instance(), "zh_CN") == "zh_CN"
    try:
        shot = BatchesView(w.services, w.actor("approver1"))
        qtbot.addWidget(shot)
        shot.resize(1400, 700)
        shot.show()
        shot.poll_timer.stop()
        shot.refresh()
        assert wait_idle(20)
        qtbot.waitUntil(lambda: len(shot.list_model.rows) == 2 and _lines_loaded(shot), timeout=10_000)
        shot_wide = drag_divider(shot.list_table.horizontalHeader(), ACCOUNT, 90)
        shot.refresh()
        assert wait_idle(20)
        QApplication.processEvents()
        assert shot.list_table.horizontalHeader().sectionSize(ACCOUNT) == shot_wide
        assert shot.list_model.headerData(ACCOUNT, Qt.Orientation.Horizontal) == "付款账户"
        shot.lines_table.horizontalHeader().customContextMenuRequested.emit(QPoint(10, 5))
        assert [a.text() for a in shot.lines_table.header_menu.actions()] == ["列宽适应内容"]
        shot.lines_table.header_menu.close()
        assert shot.grab().save(str(SHOT))
    finally:
        install_translator(QApplication.instance(), "en")

    # the user asks: every column fits its text again
    view.list_table.horizontalHeader().customContextMenuRequested.emit(QPoint(10, 5))
    menu = view.list_table.header_menu
    assert isinstance(menu, QMenu)
    [action] = [a for a in menu.actions() if a.objectName() == "fitColumnsAction"]
    assert isinstance(action, QAction) and action.text()
    action.trigger()
    menu.close()
    assert header.user_sized == set()
    assert header.sectionSize(ACCOUNT) == _fitted(view.list_table, ACCOUNT, range(len(view.list_model.rows)))
    view.lines_table.fit_to_text()
    assert lines.user_sized == set() and lines.sectionSize(purpose) >= lines.sectionSizeHint(purpose)


def test_resized_widths_come_back_after_a_restart(qtbot, world, tmp_path):  # noqa: F811
    w = world
    payroll(w, tmp_path, "十一月工资.csv", ["王伟", "李芳"], 0)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    actor = w.actor("approver1")

    def open_batches() -> tuple[MainWindow, BatchesView]:
        window = MainWindow(w.services, actor, settings)
        qtbot.addWidget(window)
        window.show()
        page = window.show_area("batches")
        assert wait_idle(20)
        qtbot.waitUntil(lambda: page.list_model.rows and _lines_loaded(page), timeout=10_000)
        page.poll_timer.stop()
        return window, page

    window, page = open_batches()
    header = page.list_table.horizontalHeader()
    fitted_total = header.sectionSize(5)                  # "Total": not touched by the user
    wide = drag_divider(header, ACCOUNT, 120)
    assert header.user_sized == {ACCOUNT}
    window.close()                                         # saves the layout
    state = settings.value("headers/batchListTable")
    assert state is not None and bytes(state.data()).startswith(FittedHeader.STATE_TAG)

    window2, page2 = open_batches()
    header2 = page2.list_table.horizontalHeader()
    assert page2 is not page and header2.user_sized == {ACCOUNT}
    assert header2.sectionSize(ACCOUNT) == wide and header2.sectionSize(5) == fitted_total
    window2.close()


@pytest.mark.parametrize("tagged", [False, True], ids=["saved-before-this-change", "tagged"])
def test_a_plain_or_broken_header_state(qtbot, tagged):
    table = FittedTableView()
    qtbot.addWidget(table)
    from PySide6.QtGui import QStandardItemModel

    table.setModel(QStandardItemModel(2, 4, table))
    header = table.horizontalHeader()
    plain = QHeaderView(Qt.Orientation.Horizontal)
    plain.setModel(table.model())
    plain.resizeSection(2, 333)
    state = plain.saveState()
    if tagged:                        # the tag names columns the user sized; a garbled list restores nothing
        assert not header.restoreState(FittedHeader.STATE_TAG + b"x;" + bytes(state.data()))
        assert header.user_sized == set()
        assert header.restoreState(FittedHeader.STATE_TAG + b"2,9;" + bytes(state.data()))
        assert header.user_sized == {2}           # 9 is no column of this table
    else:
        assert header.restoreState(state)
        assert header.user_sized == set()         # a state from before: the widths come back, fitting goes on
    assert header.sectionSize(2) == 333
