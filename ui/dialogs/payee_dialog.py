"""Add or edit a payee (收款人)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from app.domain.errors import Problem
from app.domain.master_data import PAYEE_FIELDS, AccountKind, Payee
from app.domain.users import Actor
from app.services import Services
from ui.dialogs.form_dialog import FormDialog


class PayeeDialog(FormDialog):
    optional_fields = ("uscc",)

    def __init__(self, services: Services, actor: Actor, payee: Payee | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent, self.tr("Edit payee") if payee else self.tr("New payee"))
        self.setObjectName("payeeDialog")
        self._services = services
        self._actor = actor
        self._payee = payee
        f = self.form
        f.add_line("name", self.tr("Payee name"), placeholder=self.tr("Full registered name of the payee"))
        f.add_line("account_number", self.tr("Account number"), placeholder=self.tr("Digits only"))
        f.add_line("bank_name", self.tr("Bank"), placeholder=self.tr("e.g. China Merchants Bank"))
        f.add_line("branch_name", self.tr("Branch"))
        f.add_line("cnaps_code", self.tr("CNAPS code"), placeholder=self.tr("12 digits"))
        f.add_line("uscc", self.tr("Unified social credit code"), placeholder=self.tr("Optional, 18 characters"))
        f.add_combo("kind", self.tr("Account type"), [(AccountKind.CORPORATE.value, self.tr("Corporate")),
                                                       (AccountKind.PERSONAL.value, self.tr("Personal"))])
        assert tuple(f.keys()) == PAYEE_FIELDS
        if payee is not None:
            f.set_values({k: getattr(payee, k) for k in PAYEE_FIELDS})
        self.enable_live_checks()

    def check(self, values: dict) -> list[Problem]:
        return list(self._services.master_data.validate_payee(values))

    def save_call(self, values: dict) -> Callable[[], Any]:
        md, actor, payee = self._services.master_data, self._actor, self._payee
        if payee is None:
            return lambda: md.add_payee(actor, values)
        return lambda: md.update_payee(actor, payee.id, payee.version, values)
