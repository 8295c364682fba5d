"""Base of every add/edit dialog: inline problems, Enter saves, Esc cancels, the save runs via ui/ops.py.

Subclasses build their fields on ``self.form`` and implement ``check(values)`` (pure, local; may call the
services' pure ``validate_*``) and ``save_call(values)`` (returns the callable run off the GUI thread).
Strings here use explicit contexts (never ``self.tr``) so they translate the same for every subclass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.domain.errors import DomainError, Problem, ValidationFailed
from ui.ops import Op, error_text, run_op
from ui.problems import describe
from ui.signals import emit
from ui.widgets.form import FieldForm, LiveValidator

translate = QCoreApplication.translate


class FormDialog(QDialog):
    saved = Signal(object)
    optional_fields: tuple[str, ...] = ()   # left blank → None (not "") in values()

    def __init__(self, parent: QWidget | None, title: str, intro: str = ""):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        if intro:
            label = QLabel(intro, self)
            label.setWordWrap(True)
            label.setObjectName("formIntro")
            layout.addWidget(label)
        self.form = FieldForm(self)
        layout.addWidget(self.form)
        layout.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("saveButton")
        self.save_button.setText(translate("FormDialog", "Save"))
        self.save_button.setDefault(True)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("cancelButton")
        cancel.setText(translate("FormDialog", "Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.result_value: Any = None
        self.pending_op: Op | None = None
        self._live: LiveValidator | None = None

    def enable_live_checks(self) -> None:
        self._live = LiveValidator(self.form, self.check, self.values)

    # -- to implement ---------------------------------------------------------------------------------
    def values(self) -> dict:
        values = self.form.values()
        for key in self.optional_fields:
            if not str(values.get(key) or "").strip():
                values[key] = None
        return values

    def check(self, values: dict) -> list[Problem]:
        return []

    def save_call(self, values: dict) -> Callable[[], Any]:
        raise NotImplementedError

    # -- flow -----------------------------------------------------------------------------------------
    def submit(self) -> None:
        if self.pending_op is not None and not self.pending_op.finished:
            return
        values = self.values()
        problems = self.check(values)
        self.form.clear_problems()
        self.form.show_problems(problems)
        if any(p.is_error for p in problems):
            self._focus_first_problem()
            return
        self.save_button.setEnabled(False)
        self.pending_op = run_op(self, self.save_call(values), self._on_saved, self._on_failed,
                                 on_finally=lambda: self.save_button.setEnabled(True),
                                 busy_text=translate("FormDialog", "Saving…"))

    def _on_saved(self, result: Any) -> None:
        self.result_value = result
        emit(self.saved, result)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationFailed):
            self.form.show_problems(exc.problems)
            self._focus_first_problem()
        elif isinstance(exc, DomainError) and exc.field in self.form.keys():
            self.form.show_problems([Problem(exc.code, exc.message, exc.field)])
            self._focus_first_problem()
        else:
            self.form.show_general([error_text(exc)])

    def fit_to_contents(self) -> None:
        """Grow the dialog so problem lines (word-wrapped) are never clipped."""
        layout = self.layout()
        layout.activate()
        width = max(self.width(), self.minimumWidth())
        height = (layout.totalHeightForWidth(width) if layout.hasHeightForWidth()
                  else layout.totalSizeHint().height())
        if height > self.height():
            self.resize(width, height)

    def _focus_first_problem(self) -> None:
        self.fit_to_contents()
        for key in self.form.keys():
            if key in self.form.visible_problem_fields():
                self.form.input(key).setFocus()
                return

    @staticmethod
    def problem_text(problem: Problem) -> str:
        return describe(problem)
