"""Add or edit one of the organization's own bank accounts (付款账户)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from app.domain.errors import Problem
from app.domain.master_data import BANK_ACCOUNT_FIELDS, BankAccount
from app.domain.users import Actor
from app.services import Services
from ui.dialogs.form_dialog import FormDialog

CURRENCIES = ("CNY", "USD", "EUR", "HKD", "JPY", "GBP")


class AccountDialog(FormDialog):
    optional_fields = ("plugin_id",)

    def __init__(self, services: Services, actor: Actor, account: BankAccount | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent, self.tr("Edit bank account") if account else self.tr("New bank account"))
        self.setObjectName("accountDialog")
        self._services = services
        self._actor = actor
        self._account = account
        f = self.form
        f.add_line("bank_name", self.tr("Bank"), placeholder=self.tr("e.g. China Merchants Bank"))
        f.add_line("branch_name", self.tr("Branch"))
        f.add_line("cnaps_code", self.tr("CNAPS code"), placeholder=self.tr("12 digits"))
        f.add_line("account_number", self.tr("Account number"), placeholder=self.tr("Digits only"))
        f.add_line("account_name", self.tr("Account name"))
        f.add_combo("currency", self.tr("Currency"), [(c, c) for c in CURRENCIES])
        f.add_line("plugin_id", self.tr("Bank connection plugin"), placeholder=self.tr("Optional, e.g. cmb_fbsdk"))
        assert tuple(f.keys()) == BANK_ACCOUNT_FIELDS
        if account is not None:
            f.set_values({k: getattr(account, k) for k in BANK_ACCOUNT_FIELDS})
        self.enable_live_checks()

    def check(self, values: dict) -> list[Problem]:
        return list(self._services.master_data.validate_account(values))

    def save_call(self, values: dict) -> Callable[[], Any]:
        md, actor, account = self._services.master_data, self._actor, self._account
        if account is None:
            return lambda: md.add_account(actor, values)
        return lambda: md.update_account(actor, account.id, account.version, values)
