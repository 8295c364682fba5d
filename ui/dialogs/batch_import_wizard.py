"""Batch import wizard (导入批量付款文件): file, profile and debit account → a readable preview → import.

Page 1 picks the file (CSV in UTF-8/GBK or XLSX), the import profile and the debit account; "Check file" reads and
checks it off the GUI thread (``BatchImportService.preview``; nothing is written). Page 2 shows every row of the
file with the cells that have problems highlighted (red: error, amber: warning; the tooltip says code and message),
the list of every problem (row, column, code, message) and the counts and totals. The debit account's bank's own
rules (its encoding and field lengths, ``BatchPreview.bank_findings``) have a column of their own, "Bank check",
shown next to the row number: "OK", or a short reason such as "Purpose with invoices over CMB 招商银行 62 bytes"
with the bank's full message in the tooltip; the summary counts the rows the bank will not take apart from the rows with
other errors, and the problem list says which check found each problem. When rows are invalid the user may
choose to exclude them; the error report then goes where the user says. Bank codes chosen from the branch name are
listed ("row N: 〈name〉 → 〈code〉 〈official branch name〉") and must be confirmed with a tick before "Import" is
enabled; the import carries the confirmed list's token, so a list that changed in between is refused. Supplier lines
show their invoices and remittance reference. "Import" runs the import off the GUI thread with a progress bar; a
refusal (a bad row without exclusion, the same file twice) is shown with the service's message and nothing is
written.

Keyboard: every field has a mnemonic; Enter on page 1 checks the file, Enter on page 2 imports; Esc closes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import ValidationFailed
from app.domain.money import format_amount
from app.domain.users import Actor
from app.services import Services
from ui.ops import Op, error_text, run_op
from ui.widgets.form import ERROR_STYLE

Index = QModelIndex | QPersistentModelIndex
ERROR_BACKGROUND, WARNING_BACKGROUND = "#ffd7d7", "#fff3d6"
GREEN, RED, GREY = "#2e7d32", "#c62828", "#757575"


def _rows_text(rows: Sequence[int]) -> str:
    return ", ".join(map(str, rows[:10])) + ("…" if len(rows) > 10 else "")


def _key(text: object) -> str:
    return " ".join(str(text or "").split()).casefold()


@dataclass(frozen=True)
class PreviewRow:
    row: int
    cells: list[str]
    problems: dict[int, list]          # column index → problems (RowProblem) of that cell
    row_problems: list                 # problems of the row not placed in a column
    valid: bool
    bank: tuple = ()                   # the bank's own findings on the row (BankFinding)


def preview_rows(preview) -> list[PreviewRow]:
    """Every row of the file (valid lines and invalid rows), in file order, as the user's columns."""
    headers = list(preview.headers)
    field_of: dict[int, str] = {}
    for i, header in enumerate(headers):
        for name, accepted in preview.profile.columns.items():
            if _key(header) in {_key(a) for a in accepted}:
                field_of[i] = name
                break
    column_of = {_key(h): i for i, h in enumerate(headers)}
    by_row: dict[int, list] = {}
    for p in preview.problems:
        if p.row > 1:
            by_row.setdefault(p.row, []).append(p)
    bank = preview.bank_findings_by_row
    rows: list[PreviewRow] = []
    for line in preview.lines:
        cells = []
        for i in range(len(headers)):
            name = field_of.get(i)
            if name == "amount":
                cells.append(format_amount(line.amount_minor))
            elif name == "bank_name":
                cells.append(line.branch_name)
            elif name == "bank_code":
                cells.append(line.bank_code + (f" ← {line.resolved_branch}" if line.resolved_branch else ""))
            elif name in _REMITTANCE_CELLS:
                cells.append(_REMITTANCE_CELLS[name](line.remittance))
            else:
                cells.append(str(getattr(line, name, "") or "") if name else "")
        rows.append(_place(line.row, cells, by_row.get(line.row, []), column_of, True, bank.get(line.row, ())))
    for row, raw in preview.invalid_rows.items():
        cells = ["" if v is None else str(v) for v in list(raw)[:len(headers)]]
        cells += [""] * (len(headers) - len(cells))
        rows.append(_place(row, cells, by_row.get(row, []), column_of, False, bank.get(row, ())))
    rows.sort(key=lambda r: r.row)
    return rows


_REMITTANCE_CELLS: dict[str, Callable[[Any], str]] = {
    "invoice_number": lambda r: ", ".join(d.number for d in r.documents),
    "invoice_date": lambda r: ", ".join(dict.fromkeys(d.issued.isoformat() for d in r.documents if d.issued)),
    "remittance_ref": lambda r: r.reference,
}


def _place(row: int, cells: list[str], problems: list, column_of: dict[str, int], valid: bool,
           bank: Sequence = ()) -> PreviewRow:
    placed: dict[int, list] = {}
    loose = []
    for p in problems:
        index = column_of.get(_key(p.column))
        if index is None:
            loose.append(p)
        else:
            placed.setdefault(index, []).append(p)
    return PreviewRow(row, cells, placed, loose, valid and not any(p.is_error for p in problems), tuple(bank))


def bank_label(bank: str) -> str:
    """The bank as a table cell names it: its manifest's name without the parenthesis ("ISO 20022 (…)")."""
    return bank.split(" (", 1)[0].strip()


class PreviewTableModel(QAbstractTableModel):
    """The file's rows; column 0 is the row number as the user sees it in the file (the header is row 1), then the
    file's columns, then (the last column, :attr:`bank_column`; the wizard shows it next to the row number) the
    bank's own check of the row."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.headers: list[str] = []
        self.rows: list[PreviewRow] = []
        self.bank = ""                       # the bank whose rules were checked ("" none)
        self.bank_note = ""                  # why they were not

    def set_preview(self, headers: Sequence[str], rows: list[PreviewRow], bank: str = "", bank_note: str = "") -> None:
        self.beginResetModel()
        self.headers = [self.tr("Row"), *headers]
        self.rows = rows
        self.bank, self.bank_note = bank, bank_note
        self.endResetModel()

    @property
    def bank_column(self) -> int:
        return len(self.headers)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() or not self.headers else len(self.headers) + 1

    def cell_problems(self, row: int, column: int) -> list:
        r = self.rows[row]
        if column == self.bank_column:
            return [f.problem for f in r.bank]
        return r.row_problems if column == 0 else r.problems.get(column - 1, [])

    def subject_text(self, subject: str) -> str:
        return {"payee_name": self.tr("Payee name"), "purpose": self.tr("Purpose"),
                "payee_bank_name": self.tr("Payee bank name"), "remittance": self.tr("Purpose with invoices"),
                "invoice_number": self.tr("Invoice number"), "remittance_ref": self.tr("Remittance reference")
                }.get(subject, subject)

    def finding_text(self, f) -> str:
        """A few words for a bank finding, e.g. "Payee name over CMB 招商银行 200 bytes"."""
        values = {"{subject}": self.subject_text(f.subject), "{bank}": bank_label(f.bank),
                  "{limit}": str(f.limit), "{encoding}": f.encoding.upper(), "{code}": f.code}
        if f.code in ("TEXT_LENGTH", "REMITTANCE_LENGTH") and f.limit is not None:
            text = (self.tr("{subject} over {bank} {limit} characters") if f.unit == "chars" else
                    self.tr("{subject} over {bank} {limit} bytes"))
        elif f.code == "TEXT_ENCODING":
            text = self.tr("{subject}: characters {bank} cannot encode ({encoding})")
        elif f.code == "TEXT_CHARSET":
            text = self.tr("{subject}: characters {bank} does not accept")
        elif f.code == "TEXT_REQUIRED":
            text = self.tr("{subject} required by {bank}")
        else:
            text = "{subject}: {code} ({bank})"
        for key, value in values.items():
            text = text.replace(key, value)
        return text

    def bank_text(self, r: PreviewRow) -> str:
        if r.bank:
            reasons = list(dict.fromkeys(self.finding_text(f) for f in r.bank))
            more = f" (+{len(reasons) - 1})" if len(reasons) > 1 else ""
            return reasons[0] + more
        if not self.bank or not r.valid:
            return "—"
        return self.tr("OK")

    def bank_tooltip(self, r: PreviewRow) -> str:
        if r.bank:
            return "\n".join(f"{f.code}: {f.problem.message}" for f in r.bank)
        if not self.bank:
            return self.bank_note or self.tr("The debit account has no bank plugin: the bank's own limits were not "
                                             "checked.")
        if not r.valid:
            return self.tr("Correct the row's other errors first; the fields with errors were not checked against "
                           "{bank}.").replace("{bank}", self.bank)
        return self.tr("Fits the encoding and field lengths of {bank}.").replace("{bank}", self.bank)

    def _bank_data(self, r: PreviewRow, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self.bank_text(r)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.bank_tooltip(r)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(RED if r.bank else GREEN if self.bank and r.valid else GREY))
        if role == Qt.ItemDataRole.BackgroundRole and r.bank:
            return QBrush(QColor(ERROR_BACKGROUND if any(f.is_error for f in r.bank) else WARNING_BACKGROUND))
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        column = index.column()
        if column == self.bank_column:
            return self._bank_data(r, role)
        problems = self.cell_problems(index.row(), column)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return str(r.row) if r.valid else f"✗ {r.row}"
            return r.cells[column - 1]
        if role == Qt.ItemDataRole.ToolTipRole:
            if problems:
                return "\n".join(f"{p.code}: {p.message}" for p in problems)
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            if any(p.is_error for p in problems) or (column == 0 and not r.valid):
                return QBrush(QColor(ERROR_BACKGROUND))
            if problems:
                return QBrush(QColor(WARNING_BACKGROUND))
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and (column == 0 or self.headers[column] in ("金额", "amount")):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if section == self.bank_column:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.tr("Bank check")
            if role == Qt.ItemDataRole.ToolTipRole:
                return (self.tr("What the debit account's bank ({bank}) will not take: its own encoding and field "
                                "lengths").replace("{bank}", self.bank) if self.bank else self.bank_note or None)
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None


class ProblemTableModel(QAbstractTableModel):
    """Every problem: row, column, severity, which check found it (the bank's own rules or the file checks), code
    and message."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.problems: list = []
        self.is_bank: Callable[[Any], bool] = lambda _p: False
        self.bank = ""

    def set_problems(self, problems: list, is_bank: Callable[[Any], bool] | None = None, bank: str = "") -> None:
        self.beginResetModel()
        self.problems = sorted(problems, key=lambda p: (not p.is_error, p.row))     # errors first, in file order
        self.is_bank = is_bank or (lambda _p: False)
        self.bank = bank
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.problems)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 6

    def check_text(self, p) -> str:
        return (self.tr("Bank: {bank}").replace("{bank}", bank_label(self.bank)) if self.is_bank(p)
                else self.tr("File"))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        p = self.problems[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return [str(p.row) if p.row else self.tr("file"), p.column, self.tr("error") if p.is_error else
                    self.tr("warning"), self.check_text(p), p.code, p.message][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 2:
            return QBrush(QColor("#c62828" if p.is_error else "#b26a00"))
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 5:
            return p.message
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return [self.tr("Row"), self.tr("Column"), self.tr("Severity"), self.tr("Check"), self.tr("Code"),
                    self.tr("Message")][section]
        return None


class BatchImportWizard(QDialog):
    """Import a payroll or supplier file as a batch of payments awaiting approval."""

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None,
                 on_imported: Callable[[Any], None] | None = None):
        super().__init__(parent)
        self.setObjectName("batchImportWizard")
        self.setWindowTitle(self.tr("Import a batch payment file"))
        self.resize(1100, 720)
        self._service = services.batch_import
        self._master = services.master_data
        self._actor = actor
        self._on_imported = on_imported
        self.preview = None
        self.result = None
        self._op: Op | None = None
        self._progress: dict[str, Any] = {}
        self._progress_lock = threading.Lock()

        layout = QVBoxLayout(self)
        self.pages = QStackedWidget(self)
        self.pages.setObjectName("wizardPages")
        layout.addWidget(self.pages, 1)

        # -- page 1: the source --------------------------------------------------------------------------
        source = QWidget(self)
        source.setObjectName("sourcePage")
        form = QFormLayout(source)
        intro = QLabel(self.tr("Choose a payroll (代发工资) or supplier payment file — CSV in UTF-8 or GBK, or an "
                               "Excel .xlsx workbook — with the columns 收款人名称, 收款账号, 收款行名称, 收款行行号, "
                               "金额, 用途 (or payee_name, payee_account, bank_name, bank_code, amount, purpose). "
                               "The file is checked first; nothing is written until you import it."), source)
        intro.setWordWrap(True)
        form.addRow(intro)
        file_row = QHBoxLayout()
        self.file_edit = QLineEdit(source)
        self.file_edit.setObjectName("fileEdit")
        self.file_edit.setPlaceholderText(self.tr("Path of the CSV or XLSX file"))
        self.browse_button = QPushButton(self.tr("&Browse…"), source)
        self.browse_button.setObjectName("browseButton")
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse_button)
        file_label = QLabel(self.tr("&File:"), source)
        file_label.setBuddy(self.file_edit)
        form.addRow(file_label, file_row)
        self.profile_combo = QComboBox(source)
        self.profile_combo.setObjectName("profileCombo")
        profile_label = QLabel(self.tr("&Profile:"), source)
        profile_label.setBuddy(self.profile_combo)
        form.addRow(profile_label, self.profile_combo)
        self.account_combo = QComboBox(source)
        self.account_combo.setObjectName("accountCombo")
        account_label = QLabel(self.tr("Debit &account:"), source)
        account_label.setBuddy(self.account_combo)
        form.addRow(account_label, self.account_combo)
        self.source_error = QLabel(source)
        self.source_error.setObjectName("sourceError")
        self.source_error.setWordWrap(True)
        self.source_error.setStyleSheet(ERROR_STYLE)
        self.source_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.source_error.hide()
        form.addRow(self.source_error)
        self.pages.addWidget(source)

        # -- page 2: the preview -------------------------------------------------------------------------
        review = QWidget(self)
        review.setObjectName("previewPage")
        rv = QVBoxLayout(review)
        self.summary = QLabel(review)
        self.summary.setObjectName("previewSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        rv.addWidget(self.summary)
        self.preview_model = PreviewTableModel(self)
        self.preview_table = QTableView(review)
        self.preview_table.setObjectName("previewTable")
        self.preview_table.setModel(self.preview_model)
        self.preview_table.verticalHeader().hide()
        self.preview_table.verticalHeader().setDefaultSectionSize(24)
        self.preview_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.preview_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.preview_table.horizontalHeader().setStretchLastSection(True)
        self.problem_model = ProblemTableModel(self)
        self.problem_table = QTableView(review)
        self.problem_table.setObjectName("problemTable")
        self.problem_table.setModel(self.problem_model)
        self.problem_table.verticalHeader().hide()
        self.problem_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problem_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.problem_table.horizontalHeader().setStretchLastSection(True)
        splitter = QSplitter(Qt.Orientation.Vertical, review)
        splitter.addWidget(self.preview_table)
        splitter.addWidget(self.problem_table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        rv.addWidget(splitter, 1)
        # bank codes chosen from the branch name: listed, and confirmed with a tick before importing
        self.branch_box = QWidget(review)
        self.branch_box.setObjectName("branchConfirmBox")
        bl = QVBoxLayout(self.branch_box)
        bl.setContentsMargins(0, 0, 0, 0)
        self.branch_title = QLabel(self.branch_box)
        self.branch_title.setObjectName("branchConfirmTitle")
        self.branch_title.setWordWrap(True)
        bl.addWidget(self.branch_title)
        self.branch_list = QListWidget(self.branch_box)
        self.branch_list.setObjectName("branchConfirmList")
        bl.addWidget(self.branch_list)
        self.branch_check = QCheckBox(self.tr("I have chec&ked these bank codes: each one is the payee's branch"),
                                      self.branch_box)
        self.branch_check.setObjectName("branchConfirmCheck")
        bl.addWidget(self.branch_check)
        self.branch_box.hide()
        rv.addWidget(self.branch_box)
        options = QHBoxLayout()
        self.exclude_check = QCheckBox(self.tr("E&xclude the invalid rows and import the others; save the error "
                                               "report to:"), review)
        self.exclude_check.setObjectName("excludeInvalidCheck")
        self.report_edit = QLineEdit(review)
        self.report_edit.setObjectName("reportPathEdit")
        self.report_browse = QPushButton(self.tr("Choose…"), review)
        self.report_browse.setObjectName("reportBrowseButton")
        options.addWidget(self.exclude_check)
        options.addWidget(self.report_edit, 1)
        options.addWidget(self.report_browse)
        self.options = QWidget(review)
        self.options.setLayout(options)
        rv.addWidget(self.options)
        self.progress = QProgressBar(review)
        self.progress.setObjectName("importProgress")
        self.progress.setRange(0, 0)
        self.progress.setFormat("%v / %m")
        self.progress.hide()
        rv.addWidget(self.progress)
        self.pages.addWidget(review)

        self.message = QLabel(self)
        self.message.setObjectName("wizardMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.back_button = QPushButton(self.tr("< &Back"), self)
        self.back_button.setObjectName("backButton")
        self.check_button = QPushButton(self.tr("&Check file >"), self)
        self.check_button.setObjectName("checkButton")
        self.import_button = QPushButton(self.tr("&Import"), self)
        self.import_button.setObjectName("importButton")
        self.close_button = QPushButton(self.tr("Close"), self)
        self.close_button.setObjectName("closeButton")
        for b in (self.back_button, self.check_button, self.import_button, self.close_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        layout.addLayout(buttons)

        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.report_browse.clicked.connect(self._on_report_browse_clicked)
        self.check_button.clicked.connect(self.check_file)
        self.import_button.clicked.connect(self.import_file)
        self.back_button.clicked.connect(self.go_back)
        self.close_button.clicked.connect(self.reject)
        self.file_edit.returnPressed.connect(self.check_file)
        self.file_edit.textChanged.connect(lambda _t: self._update_buttons())
        self.exclude_check.toggled.connect(lambda _on: self._update_buttons())
        self.branch_check.toggled.connect(lambda _on: self._update_buttons())
        self._show_page(0)
        self._load_choices()

    # -- choices ------------------------------------------------------------------------------------------
    def _load_choices(self) -> None:
        service, master, actor = self._service, self._master, self._actor

        def load():
            return service.profiles(actor), master.list_accounts(actor)

        def done(result) -> None:
            profiles, accounts = result
            self.profile_combo.clear()
            for p in profiles:
                self.profile_combo.addItem(self.profile_label(p.name), p.name)
            self.account_combo.clear()
            for a in accounts:
                if a.is_active:
                    self.account_combo.addItem(f"{a.account_number} · {a.bank_name} · {a.currency}",
                                               a.account_number)
            self._update_buttons()
        run_op(self, load, done, self._show_error)

    def profile_label(self, name: str) -> str:
        return {"payroll": self.tr("Payroll (代发工资)"), "supplier": self.tr("Supplier payments")}.get(name, name)

    def set_choice(self, combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)

    # -- navigation ---------------------------------------------------------------------------------------
    def _show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.back_button.setVisible(index == 1)
        self.check_button.setVisible(index == 0)
        self.import_button.setVisible(index == 1)
        (self.check_button if index == 0 else self.import_button).setDefault(True)
        self._update_buttons()
        if index == 0:
            self.file_edit.setFocus()
        else:
            self.preview_table.setFocus()

    def go_back(self) -> None:
        self.message.hide()
        self._show_page(0)

    def _update_buttons(self) -> None:
        busy = self._op is not None
        self.check_button.setEnabled(not busy and bool(self.file_edit.text().strip())
                                     and self.account_combo.count() > 0)
        pv = self.preview
        importable = (pv is not None and self.result is None and pv.already_imported is None and not pv.file_errors
                      and bool(pv.lines) and (not pv.resolved_branches or self.branch_check.isChecked()))
        self.import_button.setEnabled(not busy and importable)
        self.report_edit.setEnabled(self.exclude_check.isChecked())
        self.report_browse.setEnabled(self.exclude_check.isChecked())
        self.back_button.setEnabled(not busy and self.result is None)

    def _on_browse_button_clicked(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, self.tr("Choose a batch payment file"), "",
                                               self.tr("Batch files (*.csv *.xlsx);;All files (*)"))
        if path:
            self.file_edit.setText(path)
            self._update_buttons()

    def _on_report_browse_clicked(self) -> None:
        path, _f = QFileDialog.getSaveFileName(self, self.tr("Save the error report"), self.report_edit.text(),
                                               self.tr("CSV files (*.csv);;Excel workbooks (*.xlsx)"))
        if path:
            self.report_edit.setText(path)

    # -- checking -----------------------------------------------------------------------------------------
    def check_file(self) -> Op | None:
        path = self.file_edit.text().strip()
        if not path or self._op is not None or self.account_combo.count() == 0:
            self._update_buttons()
            return None
        service, actor = self._service, self._actor
        account, profile = self.account_combo.currentData(), self.profile_combo.currentData()
        self.source_error.hide()
        self._op = run_op(self, lambda: service.preview(actor, path, account=account, profile=profile),
                          self._on_preview_loaded, self._on_preview_failed, on_finally=self._on_op_finished,
                          busy_text=self.tr("Checking the file…"))
        self._update_buttons()
        return self._op

    def _on_op_finished(self) -> None:
        self._op = None
        self._timer.stop()
        self.progress.hide()
        self._update_buttons()

    def _on_preview_failed(self, exc: BaseException) -> None:
        self.preview = None
        problems = getattr(exc, "row_problems", None)
        text = error_text(exc)
        if problems:
            text += "\n" + "\n".join(self._problem_text(p) for p in problems[:20])
        self.source_error.setText(text)
        self.source_error.show()

    def _problem_text(self, p) -> str:
        where = self.tr("row {row}").replace("{row}", str(p.row)) if p.row else self.tr("file")
        return f"{where} [{p.column}] {p.code}: {p.message}" if p.column else f"{where} {p.code}: {p.message}"

    def _on_preview_loaded(self, pv) -> None:
        self.preview = pv
        self.result = None
        self.preview_model.set_preview(pv.headers, preview_rows(pv), pv.bank, pv.bank_rules_note)
        self.problem_model.set_problems(pv.problems, pv.is_bank_finding, pv.bank)
        header = self.preview_table.horizontalHeader()
        bank_column = self.preview_model.bank_column
        if header.visualIndex(bank_column) != 1:            # the bank's check next to the row number
            header.moveSection(header.visualIndex(bank_column), 1)
        header.resizeSection(0, 64)
        for column in range(1, self.preview_model.columnCount()):
            header.resizeSection(column, 150)
        header.resizeSection(bank_column, 250 if pv.bank_findings else 90)
        self.problem_table.setVisible(bool(pv.problems))     # no problems: the rows get the whole page
        problems = self.problem_table.horizontalHeader()
        for column, width in enumerate((56, 110, 70, 140, 170)):
            problems.resizeSection(column, width)
        self.summary.setText(self.summary_text(pv))
        self._show_branches(pv)
        has_errors = bool(pv.errors) and not pv.file_errors and pv.already_imported is None
        self.options.setVisible(has_errors)
        self.exclude_check.setChecked(False)
        if has_errors and not self.report_edit.text():
            from app.services.batch_import import default_report_path

            self.report_edit.setText(str(default_report_path(Path(self.file_edit.text().strip()))))
        self.message.hide()
        if pv.already_imported is not None:
            self.show_message(pv.problems[0].message + " [DUPLICATE]", error=True)
        elif pv.file_errors:
            self.show_message(self.tr("The file cannot be imported: {n} problems concern the whole file.")
                              .replace("{n}", str(len(pv.file_errors))), error=True)
        elif pv.errors:
            bad = sorted({p.row for p in pv.errors})
            text = self.tr("{n} rows have errors (rows {rows}). Correct the file and check it again, or exclude the "
                           "invalid rows.").replace("{n}", str(len(bad))).replace("{rows}", _rows_text(bad))
            banks = pv.bank_error_rows
            if banks:
                text += " " + self.tr("The bank ({bank}) will not take {n} of them (rows {rows}): see the Bank check "
                                      "column.").replace("{bank}", bank_label(pv.bank)) \
                    .replace("{n}", str(len(banks))).replace("{rows}", _rows_text(banks))
            self.show_message(text, error=True)
        self._show_page(1)

    def branch_lines(self, pv) -> list[str]:
        """"row N: 〈name in the file〉 → 〈code〉 〈official branch name〉" for each code chosen by name."""
        return [self.tr("row {row}: {name} → {code} {branch}").replace("{row}", str(line.row))
                .replace("{name}", line.branch_name).replace("{code}", line.bank_code)
                .replace("{branch}", line.resolved_branch) for line in pv.resolved_branches]

    def _show_branches(self, pv) -> None:
        chosen = pv.resolved_branches
        self.branch_list.clear()
        self.branch_check.setChecked(False)
        self.branch_box.setVisible(bool(chosen))
        if not chosen:
            return
        self.branch_title.setText(self.tr("{n} bank codes (联行号) were chosen from the branch name. Check each "
                                          "against the payee's bank details before importing:")
                                  .replace("{n}", str(len(chosen))))
        self.branch_list.addItems(self.branch_lines(pv))
        rows = self.branch_list.sizeHintForRow(0) * min(len(chosen), 6) + 2 * self.branch_list.frameWidth() + 4
        self.branch_list.setFixedHeight(rows)

    def summary_text(self, pv) -> str:
        encoding = f" ({pv.encoding})" if pv.encoding else ""
        text = self.tr("{file}: {format}{encoding}, {rows} rows — {valid} valid, {invalid} invalid. Total of the "
                       "valid rows: {currency} {total}. From account {account}; profile {profile}. New payees: "
                       "{new}, known payees: {known}.")
        text = (text.replace("{file}", pv.file_name).replace("{format}", pv.file_format.upper())
                .replace("{encoding}", encoding).replace("{rows}", f"{pv.rows_total:,}")
                .replace("{valid}", f"{len(pv.lines):,}").replace("{invalid}", f"{len(pv.invalid_rows):,}")
                .replace("{currency}", pv.account.currency).replace("{total}", format_amount(pv.total_minor))
                .replace("{account}", pv.account.account_number)
                .replace("{profile}", self.profile_label(pv.profile.name))
                .replace("{new}", f"{pv.new_payees:,}").replace("{known}", f"{pv.existing_payees:,}"))
        chosen = pv.resolved_branches
        if chosen:
            text += " " + self.tr("Bank codes chosen from the branch name (check them): {n}.") \
                .replace("{n}", str(len(chosen)))
        remitted = pv.remittance_lines
        if remitted:
            text += " " + self.tr("Lines with invoices or a remittance reference: {n}.") \
                .replace("{n}", str(len(remitted)))
        banks = pv.bank_error_rows
        if pv.bank_rules and banks:
            text += " " + self.tr("Bank check ({bank}): {n} rows the bank will not take (its own encoding and field "
                                  "lengths).").replace("{bank}", bank_label(pv.bank)).replace("{n}", f"{len(banks):,}")
        elif pv.bank_rules:
            text += " " + self.tr("Bank check ({bank}): every checked row fits the bank's own encoding and field "
                                  "lengths.").replace("{bank}", bank_label(pv.bank))
        elif pv.bank_rules_note:
            text += " " + self.tr("Bank check not done: {reason}").replace("{reason}", pv.bank_rules_note)
        others = pv.other_error_rows
        if others:
            text += " " + self.tr("Rows with other errors (format, amounts, codes, duplicates, payees): {n}.") \
                .replace("{n}", f"{len(others):,}")
        warnings = sum(1 for p in pv.problems if not p.is_error)
        if warnings:
            text += " " + self.tr("Warnings: {n}.").replace("{n}", str(warnings))
        return text

    # -- importing ----------------------------------------------------------------------------------------
    def import_file(self) -> Op | None:
        pv = self.preview
        if pv is None or self._op is not None or not self.import_button.isEnabled():
            return None
        service, actor = self._service, self._actor
        path = self.file_edit.text().strip()
        exclude = self.exclude_check.isChecked()
        report = self.report_edit.text().strip() or None if exclude else None
        account, profile = pv.account.account_number, pv.profile.name
        token = pv.branch_token if pv.resolved_branches else None
        with self._progress_lock:
            self._progress = {}

        def progress(stage: str, done: int, total: int) -> None:       # worker thread: park it for the timer
            with self._progress_lock:
                self._progress = {"stage": stage, "done": done, "total": total}

        self.progress.setRange(0, 0)
        self.progress.show()
        self._timer.start()
        self._op = run_op(self, lambda: service.import_file(actor, path, account=account, profile=profile,
                                                            exclude_invalid=exclude, errors_out=report,
                                                            progress=progress, confirm_branches=token,
                                                            require_branch_confirmation=True),
                          self._on_imported_ok, self._on_import_failed, on_finally=self._on_op_finished,
                          busy_text=self.tr("Importing…"))
        self._update_buttons()
        return self._op

    def _on_timer_timeout(self) -> None:
        with self._progress_lock:
            state = dict(self._progress)
        if state.get("total"):
            self.progress.setRange(0, state["total"])
            self.progress.setValue(state["done"])

    def _on_imported_ok(self, result) -> None:
        self.result = result
        b = result.batch
        text = self.tr("Imported as batch {id}: {n} payments, {currency} {total}. They now await approval "
                       "(批量审批 in Batch payments).").replace("{id}", str(b.id)).replace("{n}", f"{b.line_count:,}") \
            .replace("{currency}", b.currency).replace("{total}", format_amount(b.total_minor))
        if result.error_report:
            text += " " + self.tr("{n} invalid rows were excluded; error report: {path}") \
                .replace("{n}", str(b.excluded_count)).replace("{path}", str(result.error_report))
        self.show_message(text)
        self.close_button.setDefault(True)
        if self._on_imported is not None:
            self._on_imported(result)

    def _on_import_failed(self, exc: BaseException) -> None:
        text = self.tr("Nothing was imported:") + " " + error_text(exc)
        if isinstance(exc, ValidationFailed) and not getattr(exc, "row_problems", None):
            text += "\n" + "\n".join(f"{p.code}: {p.message}" for p in exc.problems)
        code = getattr(exc, "code", "")
        if code:
            text += f" [{code}]"
        self.show_message(text, error=True)

    def _show_error(self, exc: BaseException) -> None:
        self.show_message(error_text(exc), error=True)

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else f"color: {GREEN};")
        self.message.setProperty("severity", "error" if error else "info")
        self.message.setVisible(bool(text))
