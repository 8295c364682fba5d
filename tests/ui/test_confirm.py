"""The non-blocking question before an action that cannot be undone (ui.widgets.confirm)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget

from ui.widgets.confirm import open_confirmation


@pytest.mark.parametrize(("click", "expected"), [("approveBatchYes", [True]), ("approveBatchNo", [False])])
def test_the_answer_is_whether_yes_was_clicked(qtbot, click, expected):
    parent = QWidget()
    qtbot.addWidget(parent)
    answers: list[bool] = []
    box = open_confirmation(parent, "approveBatch", "审批批次", "审批批次 12？", "审批全部明细", "取消", answers.append)
    assert box.objectName() == "approveBatchConfirm" and box.isVisible() and answers == []  # open, not exec
    assert box.defaultButton().objectName() == "approveBatchNo"   # Enter on an unread box does nothing
    assert [b.text() for b in box.findChildren(QPushButton)] == ["审批全部明细", "取消"]
    qtbot.mouseClick(box.findChild(QPushButton, click), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: answers == expected, timeout=5_000)


def test_escape_is_a_no(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    answers: list[bool] = []
    box = open_confirmation(parent, "reinitiate", "重新发起", "重新发起付款 #7？", "创建新付款", "取消", answers.append)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: answers == [False], timeout=5_000)
    assert not box.isVisible()
