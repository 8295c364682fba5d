"""Accounts and balances (账户与余额): our bank accounts with their latest balances, refreshed from the banks
in the background; add / edit, activate / deactivate, link to a connection profile."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError
from app.domain.master_data import BankAccount
from app.domain.users import Actor, Role
from app.services import Services
from ui.banking_text import amount_text, local_time
from ui.dialogs.account_dialog import AccountDialog
from ui.dialogs.link_profile_dialog import LinkProfileDialog
from ui.models.lazy_table import Column
from ui.models.rows_table import RowsTableModel
from ui.ops import Op, error_text, run_op

ERROR_COLOUR = "#c62828"


@dataclass(frozen=True)
class AccountsData:
    accounts: list[BankAccount]
    balances: dict[int, Any] = field(default_factory=dict)     # account id -> AccountBalance
    profiles: dict[int, Any] = field(default_factory=dict)     # profile id -> ConnectionProfile


def has_bank_services(services: Services) -> bool:
    return getattr(services, "bank_data", None) is not None and getattr(services, "profiles", None) is not None


def load_accounts(services: Services, actor: Actor, include_inactive: bool) -> AccountsData:
    """Runs on the background worker: accounts, their latest stored balances and the profiles' names."""
    accounts = services.master_data.list_accounts(actor, include_inactive=include_inactive)
    if not has_bank_services(services):
        return AccountsData(accounts)
    balances = {b.account_id: b for b in services.bank_data.latest_balances(actor)}
    try:
        profiles = {p.id: p for p in services.profiles.list_profiles(actor)}
    except DomainError:          # a role that may not read profiles still sees balances
        profiles = {}
    return AccountsData(accounts, balances, profiles)


class AccountsView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("accountsView")
        self._services = services
        self._actor = actor
        self.dialog: AccountDialog | LinkProfileDialog | None = None
        self.data = AccountsData([])
        self.refresh_op: Op | None = None
        self.bank_enabled = has_bank_services(services)
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
        self.link_button = QPushButton(self.tr("Connection profile…"), self)
        self.link_button.setObjectName("linkProfileButton")
        self.show_inactive = QCheckBox(self.tr("Show inactive"), self)
        self.show_inactive.setObjectName("showInactiveCheck")
        for w in (self.add_button, self.edit_button, self.toggle_button, self.link_button):
            bar.addWidget(w)
            w.setEnabled(actor.has(Role.ADMIN))
        self.link_button.setVisible(self.bank_enabled)
        bar.addStretch(1)
        self.refresh_balances_button = QPushButton(self.tr("Refresh balances"), self)
        self.refresh_balances_button.setObjectName("refreshBalancesButton")
        self.refresh_balances_button.setToolTip(self.tr("Ask the banks for the current balance of every account"))
        self.refresh_balances_button.setVisible(self.bank_enabled)
        self.refresh_balances_button.clicked.connect(self.refresh_balances)
        bar.addWidget(self.refresh_balances_button)
        bar.addWidget(self.show_inactive)
        layout.addLayout(bar)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("balancesProgress")
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.model = RowsTableModel([
            Column("bank_name", self.tr("Bank"), lambda a: a.bank_name),
            Column("branch_name", self.tr("Branch"), lambda a: a.branch_name),
            Column("cnaps_code", self.tr("CNAPS code"), lambda a: a.cnaps_code, numeric=True),
            Column("account_number", self.tr("Account number"), lambda a: a.account_number, numeric=True),
            Column("account_name", self.tr("Account name"), lambda a: a.account_name),
            Column("currency", self.tr("Currency"), lambda a: a.currency),
            Column("balance", self.tr("Available balance"), self._available, numeric=True,
                   foreground=lambda a: ERROR_COLOUR if self._balance_error(a) else None),
            Column("ledger", self.tr("Ledger balance"), self._ledger, numeric=True),
            Column("as_of", self.tr("As of"), lambda a: local_time(getattr(self.data.balances.get(a.id), "as_of",
                                                                                  None)), numeric=True),
            Column("profile", self.tr("Connection profile"), self._profile_name),
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
        self.balance_status = QLabel("", self)
        self.balance_status.setObjectName("balanceStatusLabel")
        self.balance_status.setWordWrap(True)
        layout.addWidget(self.balance_status)
        self.link_button.clicked.connect(self.link_selected)
        self.add_button.clicked.connect(self.add_account)
        self.edit_button.clicked.connect(self.edit_selected)
        self.toggle_button.clicked.connect(self.toggle_selected)
        self.show_inactive.toggled.connect(lambda _b: self.refresh())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

    # -- balances -----------------------------------------------------------------------------------------
    def _balance_error(self, account: BankAccount) -> str | None:
        balance = self.data.balances.get(account.id)
        return getattr(balance, "error", None) if balance is not None else None

    def _available(self, account: BankAccount) -> str:
        balance = self.data.balances.get(account.id)
        if balance is None:
            return self.tr("not queried yet") if self.bank_enabled else ""
        if balance.error and balance.available_minor is None:
            return self.tr("query failed")
        return amount_text(balance.available_minor)

    def _ledger(self, account: BankAccount) -> str:
        balance = self.data.balances.get(account.id)
        return amount_text(balance.ledger_minor) if balance is not None else ""

    def _profile_name(self, account: BankAccount) -> str:
        if account.connection_profile_id is None:
            return self.tr("not connected") if self.bank_enabled else ""
        profile = self.data.profiles.get(account.connection_profile_id)
        return profile.name if profile is not None else f"#{account.connection_profile_id}"

    def refresh(self) -> None:
        services, actor, inactive = self._services, self._actor, self.show_inactive.isChecked()
        run_op(self, lambda: load_accounts(services, actor, inactive), self._show)

    def _show(self, data: AccountsData) -> None:
        self.data = data
        self.model.set_rows(data.accounts)
        self.table.resizeColumnsToContents()
        self._update_buttons()
        failed = [a for a in data.accounts if self._balance_error(a)]
        if failed:
            lines = [f"{a.account_number}: {self._balance_error(a)}" for a in failed]
            self.balance_status.setText(self.tr("Some balances could not be queried:") + "\n" + "\n".join(lines))
        else:
            self.balance_status.setText("")

    def refresh_balances(self) -> Op | None:
        """Ask the banks for every account's balance (background); the table shows them when they arrive."""
        if not self.bank_enabled or (self.refresh_op is not None and not self.refresh_op.finished):
            return None
        bank_data, actor = self._services.bank_data, self._actor
        self.refresh_balances_button.setEnabled(False)
        self.progress.show()
        self.balance_status.setText(self.tr("Querying the banks for balances…"))
        self.refresh_op = run_op(self, lambda: bank_data.refresh_balances(actor), lambda _b: self.refresh(),
                                 self._on_refresh_failed, on_finally=self._on_refresh_finished,
                                 busy_text=self.tr("Refreshing balances…"))
        return self.refresh_op

    def _on_refresh_failed(self, exc: BaseException) -> None:
        self.balance_status.setText(self.tr("Balances could not be refreshed: {error}")
                                    .replace("{error}", error_text(exc)))

    def _on_refresh_finished(self) -> None:
        self.progress.hide()
        self.refresh_balances_button.setEnabled(True)

    def selected(self) -> BankAccount | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        account = self.selected()
        admin = self._actor.has(Role.ADMIN)
        self.edit_button.setEnabled(admin and account is not None)
        self.toggle_button.setEnabled(admin and account is not None)
        self.link_button.setEnabled(admin and account is not None)
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

    def link_selected(self) -> LinkProfileDialog | None:
        account = self.selected()
        if account is None or not self.bank_enabled or not self._actor.has(Role.ADMIN):
            return None
        dialog = LinkProfileDialog(self._services, self._actor, account, list(self.data.profiles.values()), self)
        self.dialog = dialog
        dialog.linked.connect(lambda _a: self.refresh())
        dialog.open()
        return dialog
