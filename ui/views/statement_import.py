"""Statement import (导入对账单): pick a camt.052/053/054 or MT940/MT942 file, read it in the background, preview
its statements and entries (sortable; amounts right-aligned with thousands separators, credits green, debits red),
list the problems the reader found, choose the ledger account when a statement's account matches several, then
import with progress and a result message. Reading and storing run on the background worker (ui/ops.py).

``TransactionsArea`` puts this page beside the transaction details as the tabs of one area of the main window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError, ValidationFailed
from app.domain.users import Actor, Role
from app.ports.statements import format_minor
from app.services import Services
from ui.banking_text import CREDIT_COLOUR, DEBIT_COLOUR
from ui.ops import Op, error_text, run_op
from ui.signals import emit
from ui.views.not_available import NotAvailablePage
from ui.views.transactions import TransactionsView
from ui.widgets.file_picker import FilePicker

translate = QCoreApplication.translate
Index = QModelIndex | QPersistentModelIndex
WARNING_COLOUR = "#8d6e00"

# Short, translated names of the reader's problem codes; the reader's own message (with the element path or line)
# follows them.
PROBLEM_NAMES = {
    "AMOUNT_FORMAT": QT_TRANSLATE_NOOP("StatementImport", "Amount not readable"),
    "AMOUNT_SCALE": QT_TRANSLATE_NOOP("StatementImport", "More decimals than the currency has"),
    "BALANCE_MISMATCH": QT_TRANSLATE_NOOP("StatementImport", "Balances do not add up"),
    "BATCH_SUM": QT_TRANSLATE_NOOP("StatementImport", "Batch details do not add up"),
    "CURRENCY_FORMAT": QT_TRANSLATE_NOOP("StatementImport", "Currency not readable"),
    "DATE_FORMAT": QT_TRANSLATE_NOOP("StatementImport", "Date not readable"),
    "FIELD_MISSING": QT_TRANSLATE_NOOP("StatementImport", "Missing field"),
    "FIELD_VALUE": QT_TRANSLATE_NOOP("StatementImport", "Unexpected value"),
    "IBAN_CHECKSUM": QT_TRANSLATE_NOOP("StatementImport", "IBAN check digits wrong"),
    "NO_STATEMENTS": QT_TRANSLATE_NOOP("StatementImport", "No statement in the file"),
    "STATEMENT_VERSION": QT_TRANSLATE_NOOP("StatementImport", "Message version"),
    "FILE_ENCODING": QT_TRANSLATE_NOOP("StatementImport", "Text encoding"),
    "FILE_XML": QT_TRANSLATE_NOOP("StatementImport", "Unsafe or malformed XML"),
    "FILE_FORMAT": QT_TRANSLATE_NOOP("StatementImport", "Not a statement file"),
    "FILE_SIZE": QT_TRANSLATE_NOOP("StatementImport", "File too large"),
    "FILE_NOT_FOUND": QT_TRANSLATE_NOOP("StatementImport", "File not found"),
    "ACCOUNT_UNKNOWN": QT_TRANSLATE_NOOP("StatementImport", "Account not in the ledger"),
    "ACCOUNT_AMBIGUOUS": QT_TRANSLATE_NOOP("StatementImport", "Choose the ledger account"),
    "ACCOUNT_MISMATCH": QT_TRANSLATE_NOOP("StatementImport", "Not this statement's account"),
    "ACCOUNT_INACTIVE": QT_TRANSLATE_NOOP("StatementImport", "Account deactivated"),
    "CURRENCY_MISMATCH": QT_TRANSLATE_NOOP("StatementImport", "Currency differs from the account's"),
    "PERMISSION_DENIED": QT_TRANSLATE_NOOP("StatementImport", "Not allowed"),
}
COLUMN_TITLES = {
    "statement": QT_TRANSLATE_NOOP("StatementImport", "Stmt"),
    "booking_date": QT_TRANSLATE_NOOP("StatementImport", "Booking date"),
    "value_date": QT_TRANSLATE_NOOP("StatementImport", "Value date"),
    "amount": QT_TRANSLATE_NOOP("StatementImport", "Amount"),
    "currency": QT_TRANSLATE_NOOP("StatementImport", "Currency"),
    "status": QT_TRANSLATE_NOOP("StatementImport", "Status"),
    "counterparty": QT_TRANSLATE_NOOP("StatementImport", "Counterparty"),
    "counterparty_account": QT_TRANSLATE_NOOP("StatementImport", "Counterparty account"),
    "reference": QT_TRANSLATE_NOOP("StatementImport", "Our reference"),
    "bank_reference": QT_TRANSLATE_NOOP("StatementImport", "Bank reference"),
    "code": QT_TRANSLATE_NOOP("StatementImport", "Transaction code"),
    "narrative": QT_TRANSLATE_NOOP("StatementImport", "Remittance and notes"),
}
STATUS_NAMES = {"BOOK": QT_TRANSLATE_NOOP("StatementImport", "Booked"),
                "PDNG": QT_TRANSLATE_NOOP("StatementImport", "Pending"),
                "INFO": QT_TRANSLATE_NOOP("StatementImport", "Information")}


def problem_line(code: str, message: str, field: str | None = None) -> str:
    name = PROBLEM_NAMES.get(code)
    head = translate("StatementImport", name) if name else code
    where = f" [{field}]" if field else ""
    return f"{head}{where}: {message}"


def amount_cell(amount_minor: int | None, currency: str) -> str:
    return "" if amount_minor is None else format_minor(amount_minor, currency or "XXX")


# -- the entries table --------------------------------------------------------------------------------------------

class _Col:
    def __init__(self, key: str, title: str, value: Callable[[Any], object], sort: Callable[[Any], Any],
                 numeric: bool = False):
        self.key, self.title, self.value, self.sort, self.numeric = key, title, value, sort, numeric


class StatementEntriesModel(QAbstractTableModel):
    """All entries of a read file, in memory (a 100,000-entry file is fine); sorted by any column."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        t = {key: translate("StatementImport", source) for key, source in COLUMN_TITLES.items()}
        self.columns = [
            _Col("statement", t["statement"], lambda r: r[0], lambda r: r[0], numeric=True),
            _Col("booking_date", t["booking_date"], lambda r: r[1].booking_date.isoformat(),
                 lambda r: r[1].booking_date),
            _Col("value_date", t["value_date"], lambda r: r[1].value_date.isoformat() if r[1].value_date else "",
                 lambda r: (r[1].value_date is None, r[1].value_date or r[1].booking_date)),
            _Col("amount", t["amount"], lambda r: amount_cell(r[1].amount_minor, r[1].currency),
                 lambda r: r[1].amount_minor, numeric=True),
            _Col("currency", t["currency"], lambda r: r[1].currency, lambda r: r[1].currency),
            _Col("status", t["status"], lambda r: translate("StatementImport", STATUS_NAMES.get(r[1].status, ""))
                 or r[1].status, lambda r: r[1].status),
            _Col("counterparty", t["counterparty"], lambda r: r[1].counterparty_name,
                 lambda r: r[1].counterparty_name),
            _Col("counterparty_account", t["counterparty_account"], lambda r: r[1].counterparty_account,
                 lambda r: r[1].counterparty_account),
            _Col("reference", t["reference"], lambda r: r[1].end_to_end_id, lambda r: r[1].end_to_end_id),
            _Col("bank_reference", t["bank_reference"], lambda r: r[1].account_servicer_ref,
                 lambda r: r[1].account_servicer_ref),
            _Col("code", t["code"], lambda r: r[1].bank_code, lambda r: r[1].bank_code),
            _Col("narrative", t["narrative"], lambda r: r[1].narrative(), lambda r: r[1].narrative()),
        ]
        self._rows: list[tuple[int, Any]] = []

    def set_statements(self, statements: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = [(st.index, e) for st in statements for e in st.entries]
        self.endResetModel()

    def entry_at(self, row: int) -> Any:
        return self._rows[row][1]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return str(column.value(row))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            flag = Qt.AlignmentFlag.AlignRight if column.numeric else Qt.AlignmentFlag.AlignLeft
            return int(flag | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column.key == "amount":
            amount = row[1].amount_minor
            if amount:
                return QBrush(QColor(DEBIT_COLOUR if amount < 0 else CREDIT_COLOUR))
        if role == Qt.ItemDataRole.ForegroundRole and row[1].status != "BOOK":
            return QBrush(QColor("#757575"))
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[section].numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        key = self.columns[column].sort
        emit(self.layoutAboutToBeChanged)
        self._rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        emit(self.layoutChanged)


class _Progress(QObject):
    """Progress from the background worker, delivered on the GUI thread (queued signal)."""

    changed = Signal(str, int, int)


# -- the page ----------------------------------------------------------------------------------------------------

class StatementImportView(QWidget):
    STATEMENT_COLUMNS = 10

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("statementImportView")
        self._services = services
        self._actor = actor
        self.preview: Any = None
        self.read_op: Op | None = None
        self.import_op: Op | None = None
        self._choices: dict[int, QComboBox] = {}
        self._imported = False            # the file read was imported: read it again to import again
        self._progress = _Progress(self)
        self._progress.changed.connect(self._on_progress_changed)
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Import statement file"), self)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        hint = QLabel(self.tr("camt.052 / camt.053 / camt.054 (ISO 20022 XML) or MT940 / MT942 files from banks "
                              "without a live connection. The file is checked first; nothing is stored until you "
                              "import, and entries already stored are never stored twice."), self)
        hint.setWordWrap(True)
        hint.setObjectName("hintLabel")
        layout.addWidget(hint)
        bar = QHBoxLayout()
        self.picker = FilePicker(self.tr("Choose a statement file"),
                                 self.tr("Statement files (*.xml *.XML *.sta *.STA *.940 *.942 *.swi *.txt *.mt940);;"
                                         "All files (*)"), self,
                                 placeholder=self.tr("Statement file (camt.05x XML or MT940)…"))
        self.picker.setObjectName("filePicker")
        self.picker.edit.returnPressed.connect(self.read_file)
        bar.addWidget(self.picker, 1)
        self.read_button = QPushButton(self.tr("Read and check"), self)
        self.read_button.setObjectName("readButton")
        self.read_button.clicked.connect(self.read_file)
        bar.addWidget(self.read_button)
        layout.addLayout(bar)

        self.statements = QTableWidget(0, self.STATEMENT_COLUMNS, self)
        self.statements.setObjectName("statementsTable")
        self.statements.setHorizontalHeaderLabels([
            self.tr("#"), self.tr("Account in file"), self.tr("Currency"), self.tr("Period"), self.tr("Opening"),
            self.tr("Closing"), self.tr("Entries"), self.tr("Credits"), self.tr("Debits"),
            self.tr("Import into ledger account")])
        self.statements.verticalHeader().hide()
        self.statements.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.statements.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.statements.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self._fit_statements()
        layout.addWidget(self.statements)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.model = StatementEntriesModel(self)
        self.table = QTableView(splitter)
        self.table.setObjectName("statementEntriesTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((64, 96, 96, 130, 56, 64, 170, 190, 150, 170, 120)):
            self.table.horizontalHeader().resizeSection(column, width)
        self.problems = QListWidget(splitter)
        self.problems.setObjectName("problemsList")
        self.problems.setWordWrap(True)
        splitter.addWidget(self.table)
        splitter.addWidget(self.problems)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)

        bottom = QHBoxLayout()
        self.progress = QProgressBar(self)
        self.progress.setObjectName("importProgress")
        self.progress.setMaximumHeight(14)
        self.progress.hide()
        bottom.addWidget(self.progress, 1)
        self.status = QLabel("", self)
        self.status.setObjectName("resultLabel")
        self.status.setWordWrap(True)
        bottom.addWidget(self.status, 3)
        self.import_button = QPushButton(self.tr("Import"), self)
        self.import_button.setObjectName("importButton")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.import_file)
        bottom.addWidget(self.import_button)
        layout.addLayout(bottom)

    # -- reading ----------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Nothing to reload: the preview belongs to the file read."""

    def read_file(self, path: str | None = None) -> Op | None:
        target = path if isinstance(path, str) and path else self.picker.value()
        if not target or self._busy():
            if not target:
                self._say(self.tr("Choose a statement file first."), "bad")
            return None
        if isinstance(path, str) and path:
            self.picker.set_value(path)
        self._clear()
        self._start_progress(0)
        self._say(self.tr("Reading {file}…").replace("{file}", target), "neutral")
        service, actor, progress = self._services.statements, self._actor, self._progress
        self.read_op = run_op(
            self, lambda: service.preview(actor, target, lambda n: emit(progress.changed, "read", n, 0)),
            self._on_read, self._on_read_failed, on_finally=self._on_finished,
            busy_text=self.tr("Reading statement file…"))
        return self.read_op

    def _on_read(self, preview: Any) -> None:
        self.preview = preview
        self.model.set_statements(preview.file.statements)
        self._show_statements(preview)
        self._show_problems(preview.problems)
        errors = len(preview.file.errors)
        entries = sum(s.entry_count for s in preview.statements)
        text = self.tr("{format}: {statements} statement(s), {entries} entries.").replace(
            "{format}", preview.format).replace("{statements}", str(len(preview.statements))).replace(
            "{entries}", f"{entries:,}")
        if errors:
            self._say(text + " " + self.tr("The file cannot be imported: {n} error(s), see the list.")
                      .replace("{n}", str(errors)), "bad")
        elif any(not s.candidates for s in preview.statements):
            self._say(text + " " + self.tr("Add the missing account to the ledger (Accounts) before importing."),
                      "bad")
        else:
            self._say(text + " " + self.tr("Ready to import."), "good")
        self._update_import_button()

    def _on_read_failed(self, exc: BaseException) -> None:
        code = getattr(exc, "code", "")
        self.problems.clear()
        self._add_problem(problem_line(code, getattr(exc, "message", str(exc))), error=True)
        self._say(self.tr("The file cannot be read: {error}").replace("{error}", error_text(exc)), "bad")

    def _show_statements(self, preview: Any) -> None:
        self._choices.clear()
        self.statements.setRowCount(len(preview.statements))
        for row, s in enumerate(preview.statements):
            period = " – ".join(d.isoformat() if d else "?" for d in (s.period_from, s.period_to))
            cells = [str(s.index), s.account, s.currency, period, amount_cell(s.opening_minor, s.currency),
                     amount_cell(s.closing_minor, s.currency), f"{s.entry_count:,}",
                     amount_cell(s.credits_minor, s.currency), amount_cell(s.debits_minor, s.currency)]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (0, 4, 5, 6, 7, 8):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == 7 and s.credits_minor:
                    item.setForeground(QBrush(QColor(CREDIT_COLOUR)))
                if column == 8 and s.debits_minor:
                    item.setForeground(QBrush(QColor(DEBIT_COLOUR)))
                self.statements.setItem(row, column, item)
            last = self.STATEMENT_COLUMNS - 1
            if len(s.candidates) > 1:
                combo = QComboBox(self.statements)
                combo.setObjectName(f"accountChoice{s.index}")
                combo.addItem(self.tr("Choose the ledger account…"), None)
                for c in s.candidates:
                    combo.addItem(f"{c.account_number} — {c.bank_name} ({c.currency})", c.account_id)
                combo.currentIndexChanged.connect(lambda _i: self._update_import_button())
                self._choices[s.index] = combo
                self.statements.setCellWidget(row, last, combo)
            else:
                if s.candidates:
                    c = s.candidates[0]
                    item = QTableWidgetItem(f"{c.account_number} — {c.bank_name} ({c.currency})")
                else:
                    item = QTableWidgetItem(self.tr("Not in the ledger"))
                    item.setForeground(QBrush(QColor(DEBIT_COLOUR)))
                self.statements.setItem(row, last, item)
        self._fit_statements()

    def _fit_statements(self) -> None:
        """As tall as its rows (one to five shown), so the entries get the room."""
        rows = max(1, min(5, self.statements.rowCount()))
        height = self.statements.horizontalHeader().sizeHint().height() + rows * 26 + 4
        self.statements.setFixedHeight(height)

    def _show_problems(self, problems: Sequence[Any]) -> None:
        self.problems.clear()
        for p in problems:
            self._add_problem(problem_line(p.code, p.message, p.field), error=p.is_error)
        if not problems:
            item = QListWidgetItem(self.tr("No problems found."))
            item.setForeground(QBrush(QColor(CREDIT_COLOUR)))
            self.problems.addItem(item)

    def _add_problem(self, text: str, *, error: bool) -> None:
        prefix = self.tr("Error") if error else self.tr("Warning")
        item = QListWidgetItem(f"{prefix} — {text}")
        item.setForeground(QBrush(QColor(DEBIT_COLOUR if error else WARNING_COLOUR)))
        self.problems.addItem(item)

    # -- importing --------------------------------------------------------------------------------------------
    def choices(self) -> dict[int, int]:
        return {index: combo.currentData() for index, combo in self._choices.items()
                if combo.currentData() is not None}

    def _may_import(self) -> bool:
        return self._actor.username == "system" or any(self._actor.has(r) for r in (Role.MAKER, Role.ADMIN))

    def _update_import_button(self) -> None:
        p = self.preview
        ready = (p is not None and p.ok and not self._imported and bool(p.statements)
                 and all(s.candidates for s in p.statements) and len(self.choices()) == len(self._choices)
                 and not self._busy() and self._may_import())
        self.import_button.setEnabled(ready)
        if p is not None and p.ok and not self._may_import():
            self.import_button.setToolTip(self.tr("Importing needs the maker or administrator role."))

    def import_file(self) -> Op | None:
        if self.preview is None or not self.import_button.isEnabled():
            return None
        preview, choices = self.preview, self.choices()
        total = sum(s.booked_count for s in preview.statements)
        self.import_button.setEnabled(False)
        self.read_button.setEnabled(False)
        self._start_progress(total)
        self._say(self.tr("Importing…"), "neutral")
        service, actor, progress = self._services.statements, self._actor, self._progress
        self.import_op = run_op(
            self, lambda: service.import_file(actor, preview.path, choices=choices, preview=preview,
                                              progress=lambda phase, done, n: emit(progress.changed, phase, done, n)),
            self._on_imported, self._on_import_failed, on_finally=self._on_finished,
            busy_text=self.tr("Importing statement…"))
        return self.import_op

    def _on_imported(self, result: Any) -> None:
        lines = [self.tr("Statement {n} → account {account}: {new} new, {skipped} already stored.")
                 .replace("{n}", str(s.index)).replace("{account}", s.account_number)
                 .replace("{new}", f"{s.new:,}").replace("{skipped}", f"{s.skipped:,}") for s in result.statements]
        if result.not_booked:
            lines.append(self.tr("{n} pending or information entries were not stored.")
                         .replace("{n}", f"{result.not_booked:,}"))
        lines.append(self.tr("Imported: {new} new entries, {skipped} skipped. They are shown under Transaction "
                             "details.").replace("{new}", f"{result.new:,}").replace("{skipped}",
                                                                                    f"{result.skipped:,}"))
        self._say(" ".join(lines), "good")
        self._imported = True

    def _on_import_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationFailed):
            self._show_problems(exc.problems)
        elif isinstance(exc, DomainError):
            self._add_problem(problem_line(exc.code, exc.message), error=True)
        self._say(self.tr("Nothing was imported: {error}").replace("{error}", error_text(exc)), "bad")

    # -- helpers ----------------------------------------------------------------------------------------------
    def _busy(self) -> bool:
        return any(op is not None and not op.finished for op in (self.read_op, self.import_op))

    def _clear(self) -> None:
        self.preview = None
        self._imported = False
        self.model.set_statements([])
        self.statements.setRowCount(0)
        self._choices.clear()
        self.problems.clear()
        self.import_button.setEnabled(False)

    def _start_progress(self, total: int) -> None:
        self.progress.setRange(0, total)      # 0..0: busy indicator while reading
        self.progress.setValue(0)
        self.progress.show()
        self.read_button.setEnabled(False)

    def _on_progress_changed(self, phase: str, done: int, total: int) -> None:
        if phase == "store" and total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self._say(self.tr("Storing entries: {done} of {total}…").replace("{done}", f"{done:,}")
                      .replace("{total}", f"{total:,}"), "neutral")
        elif phase == "read":
            self._say(self.tr("Reading: {n} entries so far…").replace("{n}", f"{done:,}"), "neutral")

    def _on_finished(self) -> None:
        self.progress.hide()
        self.read_button.setEnabled(True)
        self._update_import_button()

    def _say(self, text: str, status: str) -> None:
        self.status.setText(text)
        self.status.setProperty("status", status)
        colour = {"good": CREDIT_COLOUR, "bad": DEBIT_COLOUR}.get(status)
        self.status.setStyleSheet(f"color: {colour};" if colour else "")


class TransactionsArea(QWidget):
    """The transactions area of the main window: transaction details and statement import, as tabs."""

    TABS = ("transactions", "statement_import")

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("transactionsArea")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("transactionsTabs")
        self.transactions = TransactionsView(services, actor, self.tabs)
        if getattr(services, "statements", None) is not None:
            self.statement_import: QWidget = StatementImportView(services, actor, self.tabs)
        else:
            self.statement_import = NotAvailablePage(self.tr("Import statement file"), self.tabs)
        self.tabs.addTab(self.transactions, self.tr("Transaction details"))
        self.tabs.addTab(self.statement_import, self.tr("Import statement file"))
        layout.addWidget(self.tabs)

    def refresh(self) -> None:
        self.transactions.refresh()

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentWidget(getattr(self, name if name in self.TABS else "transactions"))
