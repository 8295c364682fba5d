"""A form that shows EVERY problem inline under its field (red errors, amber warnings).

Input widgets are named ``f"{key}Edit"`` and their problem labels ``f"{key}Error"`` so tests find them.
Problems without a field (or for a field not on the form) go to the label ``formError`` at the bottom.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QLineEdit, QWidget

from app.domain.errors import Problem
from ui.problems import describe
from ui.signals import emit

ERROR_STYLE = "color: #c62828;"
WARNING_STYLE = "color: #b26a00;"


class FieldForm(QWidget):
    """Grid of label / input / problem label rows, in the order the fields are added (= tab order)."""

    submitted = Signal()          # Enter pressed in a line edit
    edited = Signal(str)          # key of a field the user changed

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(12)
        self._grid.setVerticalSpacing(2)
        self._grid.setColumnStretch(1, 1)
        self._inputs: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self._row = 0
        self.form_error = QLabel(self)
        self.form_error.setObjectName("formError")
        self.form_error.setWordWrap(True)
        self.form_error.setStyleSheet(ERROR_STYLE)
        self.form_error.hide()
        self.touched: set[str] = set()

    # -- building -----------------------------------------------------------------------------------------
    def add_line(self, key: str, label: str, *, placeholder: str = "", password: bool = False,
                 max_length: int | None = None) -> QLineEdit:
        edit = QLineEdit(self)
        if placeholder:
            edit.setPlaceholderText(placeholder)
        if password:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        if max_length:
            edit.setMaxLength(max_length)
        edit.returnPressed.connect(self.submitted)
        edit.textEdited.connect(lambda _t, k=key: self._on_edited(k))
        self.add_widget(key, label, edit)
        return edit

    def add_combo(self, key: str, label: str, items: Iterable[tuple[str, str]]) -> QComboBox:
        """``items`` are (value, shown text) pairs."""
        combo = QComboBox(self)
        for value, text in items:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(lambda _i, k=key: self._on_edited(k))
        self.add_widget(key, label, combo)
        return combo

    def add_widget(self, key: str, label: str, widget: QWidget) -> QWidget:
        widget.setObjectName(f"{key}Edit")
        caption = QLabel(label, self)
        caption.setObjectName(f"{key}Label")
        caption.setBuddy(widget)
        error = QLabel(self)
        error.setObjectName(f"{key}Error")
        error.setWordWrap(True)
        error.hide()
        self._grid.addWidget(caption, self._row, 0)
        self._grid.addWidget(widget, self._row, 1)
        self._grid.addWidget(error, self._row + 1, 1)
        self._row += 2
        if self._inputs:
            QWidget.setTabOrder(list(self._inputs.values())[-1], widget)
        self._inputs[key] = widget
        self._errors[key] = error
        self._grid.addWidget(self.form_error, self._row, 0, 1, 2)
        return widget

    def _on_edited(self, key: str) -> None:
        self.touched.add(key)
        emit(self.edited, key)

    # -- values -------------------------------------------------------------------------------------------
    def keys(self) -> list[str]:
        return list(self._inputs)

    def input(self, key: str) -> QWidget:
        return self._inputs[key]

    def error_label(self, key: str) -> QLabel:
        return self._errors[key]

    def value(self, key: str) -> object:
        widget = self._inputs[key]
        if isinstance(widget, QLineEdit):
            return widget.text()
        if isinstance(widget, QComboBox):
            return widget.currentData()
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        getter = getattr(widget, "value", None)
        return getter() if callable(getter) else None

    def values(self) -> dict[str, object]:
        return {key: self.value(key) for key in self._inputs}

    def set_value(self, key: str, value: object) -> None:
        widget = self._inputs[key]
        if isinstance(widget, QLineEdit):
            widget.setText("" if value is None else str(value))
        elif isinstance(widget, QComboBox):
            index = widget.findData(getattr(value, "value", value))
            if index >= 0:
                widget.setCurrentIndex(index)
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))

    def set_values(self, values: dict[str, object]) -> None:
        for key, value in values.items():
            if key in self._inputs:
                self.set_value(key, value)

    # -- problems -----------------------------------------------------------------------------------------
    def clear_problems(self) -> None:
        for label in self._errors.values():
            label.clear()
            label.hide()
        self.form_error.clear()
        self.form_error.hide()

    def show_problems(self, problems: Iterable[Problem], only: set[str] | None = None) -> None:
        """Show every problem at once; with ``only``, just the problems of those fields (live checks)."""
        by_field: dict[str, list[Problem]] = {}
        general: list[Problem] = []
        for p in problems:
            if p.field in self._errors:
                by_field.setdefault(p.field, []).append(p)
            else:
                general.append(p)
        for key, label in self._errors.items():
            if only is not None and key not in only:
                continue
            found = by_field.get(key, [])
            if not found:
                label.clear()
                label.hide()
                continue
            has_error = any(p.is_error for p in found)
            label.setStyleSheet(ERROR_STYLE if has_error else WARNING_STYLE)
            label.setProperty("severity", "error" if has_error else "warning")
            label.setText("\n".join(describe(p) for p in found))
            label.show()
        if only is None:
            self.show_general([describe(p) for p in general])

    def show_general(self, lines: list[str]) -> None:
        if lines:
            self.form_error.setText("\n".join(lines))
            self.form_error.show()
        else:
            self.form_error.clear()
            self.form_error.hide()

    def visible_problem_fields(self) -> set[str]:
        return {k for k, label in self._errors.items() if not label.isHidden() and label.text()}


class LiveValidator:
    """Re-validates (pure, cheap) 250 ms after the last edit and shows problems of touched fields only."""

    def __init__(self, form: FieldForm, validate: Callable[[dict], list[Problem]],
                 values: Callable[[], dict] | None = None):
        self._form = form
        self._validate = validate
        self._values = values or form.values
        self._timer = QTimer(form)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.run)
        form.edited.connect(lambda _k: self._timer.start())

    def run(self) -> None:
        try:
            problems = self._validate(self._values())
        except Exception:  # a live hint must never break typing; the save path reports for real
            return
        self._form.show_problems(problems, only=set(self._form.touched))
