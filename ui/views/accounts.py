"""The organization's own bank accounts (付款账户): table, add / edit, activate / deactivate."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.master_data import BankAccount
from app.domain.users import Actor, Role
from app.services import Services
from ui.dialogs.account_dialog import AccountDialog
from ui.models.lazy_table import Column
from ui.models.rows_table import RowsTableModel
from ui.ops import run_op


class AccountsView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("accountsView")
        self._services = services
        self._actor = actor
        self.dialog: AccountDialog | None = None
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Accounts and balances"), self)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        bar = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add account…"), self)
        self.add_button.setObjectName("addAccountButton")
        self.edit_button = QPushButton(self.tr("Edit…"), self)
        self.edit_button.setObjectName("editAccountButton")
        self.toggle_button = QPushButton(self.tr("Deactivate"), self)
        self.toggle_button.setObjectName("toggleAccountButton")
        self.show_inactive = QCheckBox(self.tr("Show inactive"), self)
        self.show_inactive.setObjectName("showInactiveCheck")
        for w in (self.add_button, self.edit_button, self.toggle_button):
            bar.addWidget(w)
            w.setEnabled(actor.has(Role.ADMIN))
        bar.addStretch(1)
        bar.addWidget(self.show_inactive)
        layout.addLayout(bar)
        self.model = RowsTableModel([
            Column("bank_name", self.tr("Bank"), lambda a: a.bank_name),
            Column("branch_name", self.tr("Branch"), lambda a: a.branch_name),
            Column("cnaps_code", self.tr("CNAPS code"), lambda a: a.cnaps_code, numeric=True),
            Column("account_number", self.tr("Account number"), lambda a: a.account_number, numeric=True),
            Column("account_name", self.tr("Account name"), lambda a: a.account_name),
            Column("currency", self.tr("Currency"), lambda a: a.currency),
            Column("balance", self.tr("Balance"), lambda a: self.tr("not queried yet"), numeric=True),
            Column("status", self.tr("Status"), lambda a: self.tr("Active") if a.is_active else self.tr("Inactive")),
        ], parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("accountsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        layout.addWidget(self.table)
        self.add_button.clicked.connect(self.add_account)
        self.edit_button.clicked.connect(self.edit_selected)
        self.toggle_button.clicked.connect(self.toggle_selected)
        self.show_inactive.toggled.connect(lambda _b: self.refresh())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

    def refresh(self) -> None:
        services, actor, inactive = self._services, self._actor, self.show_inactive.isChecked()
        run_op(self, lambda: services.master_data.list_accounts(actor, include_inactive=inactive), self._show)

    def _show(self, accounts: list[BankAccount]) -> None:
        self.model.set_rows(accounts)
        self.table.resizeColumnsToContents()
        self._update_buttons()

    def selected(self) -> BankAccount | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        account = self.selected()
        admin = self._actor.has(Role.ADMIN)
        self.edit_button.setEnabled(admin and account is not None)
        self.toggle_button.setEnabled(admin and account is not None)
        if account is not None:
            self.toggle_button.setText(self.tr("Deactivate") if account.is_active else self.tr("Activate"))

    def add_account(self) -> AccountDialog:
        return self._open(AccountDialog(self._services, self._actor, None, self))

    def edit_selected(self) -> AccountDialog | None:
        account = self.selected()
        if account is None or not self._actor.has(Role.ADMIN):
            return None
        return self._open(AccountDialog(self._services, self._actor, account, self))

    def _open(self, dialog: AccountDialog) -> AccountDialog:
        self.dialog = dialog
        dialog.saved.connect(lambda _s: self.refresh())
        dialog.open()
        return dialog

    def toggle_selected(self) -> None:
        account = self.selected()
        if account is None:
            return
        services, actor = self._services, self._actor
        run_op(self, lambda: services.master_data.set_account_active(actor, account.id, not account.is_active),
               lambda _a: self.refresh())
