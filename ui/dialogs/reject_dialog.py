"""Reject one or more payments with a required comment for the maker (COMMENT_REQUIRED inline)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.domain.errors import Problem, ValidationFailed
from app.domain.users import Actor
from app.services import Services
from ui.ops import Op, error_text, run_op
from ui.problems import describe
from ui.widgets.form import ERROR_STYLE

COMMENT_MAX_CHARS = 500


class RejectDialog(QDialog):
    def __init__(self, services: Services, actor: Actor, payment_ids: list[int],
                 on_done: Callable[[list[Any]], None], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("rejectDialog")
        self.setWindowTitle(self.tr("Reject payments"))
        self.setModal(True)
        self.setMinimumWidth(460)
        self._services = services
        self._actor = actor
        self._ids = list(payment_ids)
        self._on_done = on_done
        self.pending_op: Op | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Reject payment(s) {ids} and return them to their maker. Tell the maker what "
                               "to correct:").replace("{ids}", ", ".join(f"#{i}" for i in self._ids)), self)
        intro.setObjectName("rejectIntro")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.comment = QPlainTextEdit(self)
        self.comment.setObjectName("commentEdit")
        self.comment.setPlaceholderText(self.tr("Reason for the rejection (required)"))
        self.comment.setTabChangesFocus(True)
        self.comment.setFixedHeight(90)
        layout.addWidget(self.comment)
        self.error = QLabel(self)
        self.error.setObjectName("commentError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        self.reject_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.reject_button.setObjectName("confirmRejectButton")
        self.reject_button.setText(self.tr("Reject"))
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("cancelButton")
        cancel.setText(self.tr("Cancel"))
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.comment.setFocus()

    def _show(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def confirm(self) -> None:
        if self.pending_op is not None and not self.pending_op.finished:
            return
        text = self.comment.toPlainText()
        if not text.strip():
            self._show(describe(Problem("COMMENT_REQUIRED", "a rejection needs a comment for the maker",
                                        "comment")))
            return
        if len(text) > COMMENT_MAX_CHARS:
            self._show(describe(Problem("TEXT_LENGTH", f"at most {COMMENT_MAX_CHARS} characters", "comment")))
            return
        approvals, actor, ids = self._services.approvals, self._actor, list(self._ids)
        self.reject_button.setEnabled(False)
        self.pending_op = run_op(self, lambda: [approvals.reject(actor, i, text) for i in ids],
                                 self._on_rejected, self._on_failed,
                                 on_finally=lambda: self.reject_button.setEnabled(True))

    def _on_rejected(self, payments: list[Any]) -> None:
        self.accept()
        self._on_done(payments)

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationFailed):
            self._show("\n".join(describe(p) for p in exc.problems))
        else:
            self._show(error_text(exc))
