"""Message log (报文日志): every request to and answer from the banks, secrets and account numbers masked.

Lazy table addressed by offset (newest first as the service returns them); the selected message's masked
text in the pane below; export of the whole log to a text file for the bank's support desk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.users import Actor
from app.services import Services
from ui.banking_text import local_seconds
from ui.models.lazy_table import Column, LazyTableModel
from ui.ops import Op, run_op

FAILED_STATUS_COLOUR = "#c62828"


def message_text(record: Any) -> str:
    """The masked text of a record (``export_text()`` when the record offers it: head line, headers, body),
    one XML element per line so long one-line messages are readable (no XML parsing of bank data here)."""
    export = getattr(record, "export_text", None)
    text = export() if callable(export) else str(getattr(record, "body", "") or getattr(record, "text", "") or "")
    return re.sub(r">\s*<(?=[A-Za-z/?!])", ">\n<", text)


def status_text(record: Any) -> str:
    code = getattr(record, "error_code", "")
    if code:
        return code
    status = getattr(record, "status", None)
    return "" if status is None else str(status)


def is_failure(record: Any) -> bool:
    if getattr(record, "error_code", "") or getattr(record, "direction", "") == "error":
        return True
    status = getattr(record, "status", None)
    return isinstance(status, int) and not 200 <= status < 300


class MessageLogView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("messageLogView")
        self._services = services
        self._actor = actor
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("messageCountLabel")
        bar.addWidget(self.count_label, 1)
        self.reload_button = QPushButton(self.tr("Reload"), self)
        self.reload_button.setObjectName("reloadMessagesButton")
        self.reload_button.clicked.connect(self.refresh)
        bar.addWidget(self.reload_button)
        self.export_button = QPushButton(self.tr("Export to text file…"), self)
        self.export_button.setObjectName("exportMessagesButton")
        self.export_button.clicked.connect(self._on_export_clicked)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        bank_data = services.bank_data

        def fetch(offsets: Sequence[int]) -> list[Any]:
            return bank_data.message_log(actor, offset=offsets[0], limit=len(offsets))

        directions = {"request": self.tr("→ bank"), "response": self.tr("← bank"), "error": self.tr("✗ error")}
        failed = lambda r: FAILED_STATUS_COLOUR if is_failure(r) else None  # noqa: E731
        self.model = LazyTableModel([
            Column("at", self.tr("Time"), lambda r: local_seconds(r.at)),
            Column("bank", self.tr("Bank"), lambda r: getattr(r, "bank", "") or getattr(r, "profile_name", "")),
            Column("function", self.tr("Function"), lambda r: r.function),
            Column("direction", self.tr("Direction"), lambda r: directions.get(str(r.direction), r.direction),
                   foreground=failed),
            Column("status", self.tr("Status"), status_text, foreground=failed),
            Column("duration_ms", self.tr("Duration (ms)"),
                   lambda r: "" if r.duration_ms is None else f"{r.duration_ms:,}", numeric=True),
            Column("size", self.tr("Size (bytes)"), lambda r: f"{getattr(r, 'size_bytes', 0):,}", numeric=True),
            Column("url", self.tr("Address"), lambda r: getattr(r, "url", "")),
        ], fetch=fetch, runner=lambda fn, ok: run_op(self, fn, ok), parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("messageLogTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((150, 120, 140, 80, 140, 100, 100)):
            self.table.horizontalHeader().resizeSection(column, width)
        self.detail = QPlainTextEdit(self)
        self.detail.setObjectName("messageDetail")
        self.detail.setReadOnly(True)
        self.detail.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.detail.setPlaceholderText(self.tr("Select a message to see its (masked) text."))
        font = self.detail.font()
        font.setFamilies(["Noto Sans Mono CJK SC", "Consolas", "monospace", *font.families()])
        self.detail.setFont(font)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("messageSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setSizes([360, 240])
        layout.addWidget(self.splitter, 1)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _prev: self.show_row(current.row()))
        self.model.pageLoaded.connect(lambda _p: self._refresh_detail())

    def refresh(self) -> None:
        services, actor = self._services, self._actor
        self.detail.clear()
        run_op(self, lambda: services.bank_data.message_count(actor), self._set_count)

    def _set_count(self, count: int) -> None:
        self.model.set_ids(range(count))
        self.count_label.setText(self.tr("{n} messages").replace("{n}", f"{count:,}"))

    def show_row(self, row: int) -> None:
        record = self.model.row_at(row) if 0 <= row < self.model.rowCount() else None
        if record is None:
            self.detail.setPlainText("")
            return
        self.detail.setPlainText(message_text(record))

    def _refresh_detail(self) -> None:
        current = self.table.currentIndex()
        if current.isValid():
            self.show_row(current.row())

    def _on_export_clicked(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("Export message log"), "bank-messages.txt",
                                                    self.tr("Text files (*.txt)"))
        if path:
            self.export(Path(path))

    def export(self, path: Path) -> Op:
        bank_data, actor = self._services.bank_data, self._actor
        return run_op(self, lambda: bank_data.export_message_log(actor, path), lambda n: self.count_label.setText(
            self.tr("Exported {n} messages to {path}").replace("{n}", f"{n:,}").replace("{path}", str(path))),
            busy_text=self.tr("Exporting…"))
