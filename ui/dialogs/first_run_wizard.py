"""First start: create the organization and its first administrator (every problem shown inline)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from app.domain.errors import Problem
from app.services import Services
from ui.dialogs.form_dialog import FormDialog


class FirstRunWizard(FormDialog):
    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent, self.tr("Welcome to BankDirect"),
                         self.tr("This ledger is new. Enter your organization and create the first administrator; "
                                 "the administrator then adds the other users and their roles."))
        self.setObjectName("firstRunWizard")
        self._services = services
        f = self.form
        f.add_line("org_name", self.tr("Organization name"), placeholder=self.tr("Registered company name"))
        f.add_line("org_uscc", self.tr("Unified social credit code"), placeholder=self.tr("Optional, 18 characters"))
        f.add_line("admin_username", self.tr("Administrator user name"))
        f.add_line("admin_display_name", self.tr("Administrator display name"))
        f.add_line("admin_password", self.tr("Password"), password=True)
        f.add_line("admin_password_confirm", self.tr("Repeat password"), password=True)
        self.save_button.setText(self.tr("Create"))
        self.save_button.setObjectName("createButton")

    def check(self, values: dict) -> list[Problem]:
        """Only the confirmation is checked here; every other problem comes back at once from the service."""
        problems = []
        if values["admin_password"] != values["admin_password_confirm"]:
            problems.append(Problem("PASSWORD_MISMATCH", self.tr("The two passwords differ."),
                                    "admin_password_confirm"))
        return problems

    def save_call(self, values: dict) -> Callable[[], Any]:
        setup = self._services.setup
        uscc = str(values["org_uscc"]).strip() or None
        display = str(values["admin_display_name"]).strip() or None
        return lambda: setup.initialize(values["org_name"], values["admin_username"], values["admin_password"],
                                        admin_display_name=display, org_uscc=uscc)

    def admin_username(self) -> str:
        return str(self.form.value("admin_username")).strip()
