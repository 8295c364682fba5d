"""A non-blocking question before an action that cannot be undone (approve a batch, re-initiate payments)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from ui.crash import keep_open


def open_confirmation(parent: QWidget, name: str, title: str, text: str, yes_text: str, no_text: str,
                      answered: Callable[[bool], None]) -> QMessageBox:
    """Open (not exec) a question box named ``<name>Confirm`` with a ``<name>Yes`` button (accept) and a
    ``<name>No`` button (reject, the default: Enter on an unread box does nothing). When it closes, ``answered``
    gets whether Yes was clicked. The texts come translated in the caller's own context."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName(f"{name}Confirm")
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    yes.setObjectName(f"{name}Yes")
    no = box.addButton(no_text, QMessageBox.ButtonRole.RejectRole)
    no.setObjectName(f"{name}No")
    box.setDefaultButton(no)
    box.finished.connect(lambda _result: answered(box.clickedButton() is yes))
    keep_open(box).open()
    return box
