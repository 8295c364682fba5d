"""Transaction details (交易明细): fetch an account's entries for a date range from the bank (background),
then browse the stored entries in a lazy table — debits negative in red, credits green, right-aligned,
sortable by header, filtered by a search box, exported to CSV (formula-injection escaped).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.users import Actor
from app.services import Services
from ui.banking_text import amount_text, plain_amount, signed_colour
from ui.csv_export import write_csv
from ui.models.lazy_table import Column, LazyTableModel
from ui.ops import Op, error_text, run_op

FILTER_DEBOUNCE_MS = 300
CHUNK = 1000
DEFAULT_DAYS = 30
SERVICE_ORDER = "booking_date"      # the order transaction_ids already returns


def _sort_value(row: Any, key: str) -> tuple:
    value = getattr(row, key, None)
    return (value is None, value if value is not None else "", row.id)


def ordered_ids(bank_data: Any, actor: Actor, account_id: int, date_from: date, date_to: date, query: str,
                key: str, descending: bool) -> list[int]:
    """Runs on the background worker: the matching ids in the asked order."""
    ids = list(bank_data.transaction_ids(actor, account_id, date_from, date_to, query))
    if key == SERVICE_ORDER:
        return ids[::-1] if descending else ids
    rows: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        rows.extend(bank_data.get_transactions(actor, ids[start:start + CHUNK]))
    rows.sort(key=lambda r: _sort_value(r, key), reverse=descending)
    return [r.id for r in rows]


def export_values(columns: Sequence[Column], row: Any) -> list[object]:
    """CSV cells: the amount as two unsigned plain decimals, debit and credit (借方 / 贷方), so that spreadsheets
    read numbers (a leading minus sign would be escaped as a possible formula)."""
    out: list[object] = []
    for column in columns:
        if column.key == "amount":
            amount = row.amount_minor
            out += [plain_amount(-amount) if amount < 0 else "", plain_amount(amount) if amount > 0 else ""]
        else:
            out.append(column.value(row))
    return out


def qdate_to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class TransactionsView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("transactionsView")
        self._services = services
        self._actor = actor
        self._query = ""
        self._fetched_text = ""
        self.fetch_op: Op | None = None
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Transaction details"), self)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        bar = QHBoxLayout()
        self.account = QComboBox(self)
        self.account.setObjectName("accountCombo")
        self.account.setMinimumContentsLength(20)
        self.account.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        bar.addWidget(QLabel(self.tr("Account:"), self))
        bar.addWidget(self.account, 1)
        today = QDate.currentDate()
        self.date_from = self._date_edit("dateFromEdit", today.addDays(-DEFAULT_DAYS))
        self.date_to = self._date_edit("dateToEdit", today)
        bar.addWidget(QLabel(self.tr("From:"), self))
        bar.addWidget(self.date_from)
        bar.addWidget(QLabel(self.tr("To:"), self))
        bar.addWidget(self.date_to)
        self.fetch_button = QPushButton(self.tr("Fetch from bank"), self)
        self.fetch_button.setObjectName("fetchButton")
        self.fetch_button.setEnabled(False)
        self.fetch_button.clicked.connect(self.fetch)
        bar.addWidget(self.fetch_button)
        layout.addLayout(bar)
        self._selection: tuple[Any, tuple[date, date], str] = (None, self.period(), "")
        bar2 = QHBoxLayout()
        self.filter = QLineEdit(self)
        self.filter.setObjectName("filterEdit")
        self.filter.setPlaceholderText(self.tr("Filter by counterparty, account, reference or narrative…"))
        self.filter.setClearButtonEnabled(True)
        bar2.addWidget(self.filter, 1)
        self.export_button = QPushButton(self.tr("Export CSV…"), self)
        self.export_button.setObjectName("exportButton")
        self.export_button.clicked.connect(self._on_export_clicked)
        bar2.addWidget(self.export_button)
        layout.addLayout(bar2)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("fetchProgress")
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.hide()
        layout.addWidget(self.progress)

        bank_data = services.bank_data
        colour = lambda t: signed_colour(t.amount_minor)  # noqa: E731
        self.model = LazyTableModel(
            [
                Column("booking_date", self.tr("Booking date"), lambda t: t.booking_date.isoformat(),
                       sort_key="booking_date"),
                Column("value_date", self.tr("Value date"),
                       lambda t: t.value_date.isoformat() if t.value_date else "", sort_key="value_date"),
                Column("amount", self.tr("Amount"), lambda t: amount_text(t.amount_minor), numeric=True,
                       sort_key="amount_minor", foreground=colour),
                Column("currency", self.tr("Currency"), lambda t: t.currency),
                Column("counterparty_name", self.tr("Counterparty"), lambda t: t.counterparty_name,
                       sort_key="counterparty_name"),
                Column("counterparty_account", self.tr("Counterparty account"), lambda t: t.counterparty_account,
                       numeric=True, sort_key="counterparty_account"),
                Column("reference", self.tr("Our reference"), lambda t: t.reference, sort_key="reference"),
                Column("bank_serial", self.tr("Bank serial no."), lambda t: t.bank_serial),
                Column("narrative", self.tr("Narrative"), lambda t: t.narrative),
            ],
            fetch=lambda ids: bank_data.get_transactions(actor, ids),
            order=self._order,
            runner=lambda fn, ok: run_op(self, fn, ok),
            row_key=lambda t: t.id,
            parent=self,
        )
        self.model.sort_key, self.model.descending = SERVICE_ORDER, False
        self.table = QTableView(self)
        self.table.setObjectName("transactionsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((100, 100, 140, 60, 220, 170, 150, 150)):
            header.resizeSection(column, width)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        layout.addWidget(self.table, 1)
        self.status = QLabel("", self)
        self.status.setObjectName("transactionsStatusLabel")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(FILTER_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._on_filter_settled)
        self.filter.textChanged.connect(lambda _t: self._debounce.start())
        self.account.currentIndexChanged.connect(lambda _i: self.reload())
        self.date_from.dateChanged.connect(lambda _d: self.reload())
        self.date_to.dateChanged.connect(lambda _d: self.reload())
        self.model.idsChanged.connect(self._on_ids_changed)

    def _date_edit(self, name: str, value: QDate) -> QDateEdit:
        edit = QDateEdit(value, self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    # -- selection ----------------------------------------------------------------------------------------
    def refresh(self) -> None:
        services, actor = self._services, self._actor
        run_op(self, lambda: services.master_data.list_accounts(actor), self._show_accounts)

    def _show_accounts(self, accounts: Sequence[Any]) -> None:
        current = self.account.currentData()
        self.account.blockSignals(True)
        self.account.clear()
        for a in accounts:
            self.account.addItem(f"{a.account_number} — {a.bank_name} ({a.currency})", a.id)
        index = self.account.findData(current)
        if index < 0:       # first time: the first account connected to a bank
            connected = [i for i, a in enumerate(accounts) if getattr(a, "connection_profile_id", None) is not None]
            index = connected[0] if connected else (0 if accounts else -1)
        self.account.setCurrentIndex(index)
        self.account.blockSignals(False)
        self.fetch_button.setEnabled(bool(accounts))
        self.reload()

    def period(self) -> tuple[date, date]:
        return qdate_to_date(self.date_from.date()), qdate_to_date(self.date_to.date())

    def _order(self, key: str, descending: bool) -> list[int]:
        """Called on the background worker by the model (values captured on the GUI thread in ``reload``)."""
        account_id, (date_from, date_to), query = self._selection
        if account_id is None:
            return []
        return ordered_ids(self._services.bank_data, self._actor, account_id, date_from, date_to, query, key,
                           descending)

    def reload(self) -> None:
        self._selection = (self.account.currentData(), self.period(), self._query)
        self.model.reload()

    def _on_filter_settled(self) -> None:
        self._query = self.filter.text().strip()
        self.reload()

    def _on_ids_changed(self, count: int) -> None:
        shown = self.tr("{n} entries shown.").replace("{n}", f"{count:,}")
        self.status.setText(f"{self._fetched_text} {shown}".strip())
        self.status.setProperty("status", "neutral")

    # -- fetching -----------------------------------------------------------------------------------------
    def fetch(self) -> Op | None:
        account_id = self.account.currentData()
        if account_id is None or (self.fetch_op is not None and not self.fetch_op.finished):
            return None
        date_from, date_to = self.period()
        if date_from > date_to:
            self.status.setText(self.tr("The start date is after the end date."))
            return None
        bank_data, actor = self._services.bank_data, self._actor
        self.fetch_button.setEnabled(False)
        self.progress.show()
        self.status.setText(self.tr("Fetching transaction details from the bank…"))
        self.fetch_op = run_op(self, lambda: bank_data.fetch_transactions(actor, account_id, date_from, date_to),
                               self._on_fetched, self._on_fetch_failed, on_finally=self._on_fetch_finished,
                               busy_text=self.tr("Fetching transaction details…"))
        return self.fetch_op

    def _on_fetched(self, count: int) -> None:
        self._fetched_text = self.tr("{n} entries received from the bank.").replace("{n}", f"{count:,}")
        self.reload()

    def _on_fetch_failed(self, exc: BaseException) -> None:
        self.status.setText(self.tr("Fetching failed: {error}").replace("{error}", error_text(exc)))
        self.status.setProperty("status", "bad")

    def _on_fetch_finished(self) -> None:
        self.progress.hide()
        self.fetch_button.setEnabled(self.account.count() > 0)

    # -- export -------------------------------------------------------------------------------------------
    def _on_export_clicked(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("Export transaction details"),
                                                    "transactions.csv", self.tr("CSV files (*.csv)"))
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> Op:
        """The rows shown (filter and order), amounts as signed decimal text, in the background."""
        bank_data, actor = self._services.bank_data, self._actor
        ids = list(self.model.ids())
        columns = self.model.columns
        headers: list[str] = []
        for c in columns:
            headers += [self.tr("Debit"), self.tr("Credit")] if c.key == "amount" else [c.title]

        def export() -> int:
            def rows():
                for start in range(0, len(ids), CHUNK):
                    chunk = ids[start:start + CHUNK]
                    by_id = {t.id: t for t in bank_data.get_transactions(actor, chunk)}
                    for i in chunk:
                        if i in by_id:
                            yield export_values(columns, by_id[i])
            return write_csv(path, headers, rows())

        return run_op(self, export, lambda n: self.status.setText(
            self.tr("Exported {n} entries to {path}").replace("{n}", f"{n:,}").replace("{path}", str(path))),
            busy_text=self.tr("Exporting…"))
