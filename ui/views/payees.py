"""Payees (收款人): lazy table (fine at 1,000,000 rows), debounced search, header sort, CSV export.

Rows are fetched asynchronously through ui/ops.py (``LazyTableModel`` with a runner): unfetched rows show
"…" until their page arrives, so the GUI thread never waits on the ledger.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.master_data import AccountKind, Payee
from app.domain.users import Actor, Role
from app.services import Services
from ui.csv_export import write_csv
from ui.dialogs.payee_dialog import PayeeDialog
from ui.models.lazy_table import Column, LazyTableModel
from ui.ops import Op, run_op

SEARCH_DEBOUNCE_MS = 300
EXPORT_CHUNK = 1000


class PayeesView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("payeesView")
        self._services = services
        self._actor = actor
        self._query = ""
        self.dialog: PayeeDialog | None = None
        can_edit = actor.has(Role.MAKER) or actor.has(Role.ADMIN)
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Payees"), self)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        bar = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setObjectName("searchEdit")
        self.search.setPlaceholderText(self.tr("Search name, account number or bank…"))
        self.search.setClearButtonEnabled(True)
        bar.addWidget(self.search, 1)
        search_bar = bar
        bar = QHBoxLayout()  # the actions on their own row, so the page stays narrow enough for small screens
        self.add_button = QPushButton(self.tr("Add payee…"), self)
        self.add_button.setObjectName("addPayeeButton")
        self.edit_button = QPushButton(self.tr("Edit…"), self)
        self.edit_button.setObjectName("editPayeeButton")
        self.deactivate_button = QPushButton(self.tr("Deactivate"), self)
        self.deactivate_button.setObjectName("deactivatePayeeButton")
        # A second person confirms a payee whose bank details changed (not the person who changed them).
        self.confirm_button = QPushButton(self.tr("Confirm change"), self)
        self.confirm_button.setObjectName("confirmPayeeButton")
        self.confirm_button.setEnabled(actor.has(Role.MAKER) or actor.has(Role.APPROVER) or actor.has(Role.ADMIN))
        self.export_button = QPushButton(self.tr("Export CSV…"), self)
        self.export_button.setObjectName("exportButton")
        for w in (self.add_button, self.edit_button, self.deactivate_button):
            w.setEnabled(can_edit)
            bar.addWidget(w)
        bar.addWidget(self.confirm_button)
        bar.addStretch(1)
        search_bar.addWidget(self.export_button)
        layout.addLayout(search_bar)
        layout.addLayout(bar)

        md = services.master_data
        confirmed_text, awaiting_text = self.tr("Confirmed"), self.tr("Awaiting confirmation")
        kind_names = {AccountKind.CORPORATE: self.tr("Corporate"), AccountKind.PERSONAL: self.tr("Personal")}
        self.model = LazyTableModel(
            [
                Column("id", self.tr("No."), lambda p: p.id, numeric=True, sort_key="id"),
                Column("name", self.tr("Payee name"), lambda p: p.name, sort_key="name"),
                Column("account_number", self.tr("Account number"), lambda p: p.account_number, numeric=True,
                       sort_key="account_number"),
                Column("bank_name", self.tr("Bank"), lambda p: p.bank_name, sort_key="bank_name"),
                Column("branch_name", self.tr("Branch"), lambda p: p.branch_name),
                Column("cnaps_code", self.tr("CNAPS code"), lambda p: p.cnaps_code, numeric=True,
                       sort_key="cnaps_code"),
                Column("uscc", self.tr("Unified social credit code"), lambda p: p.uscc or ""),
                Column("kind", self.tr("Type"), lambda p: kind_names.get(AccountKind(p.kind), str(p.kind))),
                Column("confirmed", self.tr("Status"),
                       lambda p: confirmed_text if p.confirmed else awaiting_text),
            ],
            fetch=lambda ids: md.get_payees(actor, ids),
            order=lambda key, desc: md.payee_ids(actor, self._query, key, desc),
            runner=lambda fn, ok: run_op(self, fn, ok),
            row_key=lambda p: p.id,
            parent=self,
        )
        self.model.sort_key, self.model.descending = "name", False
        self.table = QTableView(self)
        self.table.setObjectName("payeesTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((64, 240, 170, 140, 220, 120, 190, 70, 90)):
            header.resizeSection(column, width)
        header.setSortIndicator(1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)     # no load: the model already holds this order's key
        layout.addWidget(self.table)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("payeeCountLabel")
        layout.addWidget(self.count_label)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._on_search_settled)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.model.idsChanged.connect(self._on_ids_changed)
        self.add_button.clicked.connect(self.add_payee)
        self.edit_button.clicked.connect(self.edit_selected)
        self.deactivate_button.clicked.connect(self.deactivate_selected)
        self.confirm_button.clicked.connect(self.confirm_selected)
        self.export_button.clicked.connect(self._on_export_clicked)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())

    # -- loading ------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.model.reload()

    def _on_search_settled(self) -> None:
        self._query = self.search.text().strip()
        self.model.reload()

    def _on_ids_changed(self, count: int) -> None:
        self.count_label.setText(self.tr("{n} payees").replace("{n}", f"{count:,}"))

    # -- editing ------------------------------------------------------------------------------------------
    def selected(self) -> Payee | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row(), load=False) if rows else None

    def add_payee(self) -> PayeeDialog:
        return self._open(PayeeDialog(self._services, self._actor, None, self))

    def edit_selected(self) -> PayeeDialog | None:
        payee = self.selected()
        if payee is None or not (self._actor.has(Role.MAKER) or self._actor.has(Role.ADMIN)):
            return None
        return self._open(PayeeDialog(self._services, self._actor, payee, self))

    def _open(self, dialog: PayeeDialog) -> PayeeDialog:
        self.dialog = dialog
        dialog.saved.connect(lambda _s: self.model.reload())
        dialog.open()
        return dialog

    def deactivate_selected(self) -> None:
        payee = self.selected()
        if payee is None:
            return
        services, actor = self._services, self._actor
        run_op(self, lambda: services.master_data.set_payee_active(actor, payee.id, False),
               lambda _p: self.model.reload())

    def confirm_selected(self) -> None:
        payee = self.selected()
        if payee is None:
            return
        services, actor = self._services, self._actor
        run_op(self, lambda: services.master_data.confirm_payee(actor, payee.id, payee.version),
               lambda _p: self.model.reload())

    # -- export -------------------------------------------------------------------------------------------
    def _on_export_clicked(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("Export payees"), "payees.csv",
                                                    self.tr("CSV files (*.csv)"))
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> Op:
        """Export the rows matching the current search, in the current order (runs off the GUI thread)."""
        md, actor = self._services.master_data, self._actor
        query, key, desc = self._query, self.model.sort_key or "name", self.model.descending
        headers = [c.title for c in self.model.columns]
        columns = self.model.columns

        def export() -> int:
            ids = md.payee_ids(actor, query, key, desc)

            def rows():
                for start in range(0, len(ids), EXPORT_CHUNK):
                    chunk = ids[start:start + EXPORT_CHUNK]
                    by_id = {p.id: p for p in md.get_payees(actor, chunk)}
                    for i in chunk:
                        if i in by_id:
                            yield [c.value(by_id[i]) for c in columns]
            return write_csv(path, headers, rows())

        return run_op(self, export, lambda n: self.count_label.setText(
            self.tr("Exported {n} payees to {path}").replace("{n}", f"{n:,}").replace("{path}", str(path))),
            busy_text=self.tr("Exporting…"))
