"""Link one of our bank accounts to a connection profile (or unlink it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.domain.master_data import BankAccount
from app.domain.users import Actor
from app.services import Services
from ui.ops import Op, error_text, run_op
from ui.signals import emit


class LinkProfileDialog(QDialog):
    linked = Signal(object)

    def __init__(self, services: Services, actor: Actor, account: BankAccount, profiles: Sequence[Any],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("linkProfileDialog")
        self.setWindowTitle(self.tr("Connection profile of an account"))
        self.setModal(True)
        self.setMinimumWidth(460)
        self._services = services
        self._actor = actor
        self._account = account
        self.pending_op: Op | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Account {number} ({bank}) reaches its bank through:")
                       .replace("{number}", account.account_number).replace("{bank}", account.bank_name), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.combo = QComboBox(self)
        self.combo.setObjectName("profileCombo")
        self.combo.addItem(self.tr("(no profile: not connected)"), None)
        for p in profiles:
            self.combo.addItem(f"{p.name} — {p.plugin_id}", p.id)
        index = self.combo.findData(account.connection_profile_id)
        self.combo.setCurrentIndex(max(index, 0))
        layout.addWidget(self.combo)
        self.error = QLabel(self)
        self.error.setObjectName("formError")
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("saveButton")
        self.save_button.setText(self.tr("Save"))
        self.save_button.setDefault(True)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("cancelButton")
        cancel.setText(self.tr("Cancel"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def submit(self) -> None:
        if self.pending_op is not None and not self.pending_op.finished:
            return
        profiles, actor, account_id = self._services.profiles, self._actor, self._account.id
        profile_id = self.combo.currentData()
        self.save_button.setEnabled(False)
        self.pending_op = run_op(self, lambda: profiles.link_account(actor, account_id, profile_id),
                                 self._on_linked, self._on_failed,
                                 on_finally=lambda: self.save_button.setEnabled(True))

    def _on_linked(self, account: Any) -> None:
        emit(self.linked, account)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.error.setText(error_text(exc))
        self.error.show()
