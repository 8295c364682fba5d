"""Asks for the secret-vault passphrase where the machine has no OS keystore (never stored, never logged)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

MIN_LENGTH = 10


class PassphraseDialog(QDialog):
    def __init__(self, exists: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("passphraseDialog")
        self.setWindowTitle(self.tr("BankDirect — secret vault"))
        self.setMinimumWidth(460)
        self._new = not exists
        layout = QVBoxLayout(self)
        text = (self.tr("This computer has no operating-system keystore. Enter the passphrase of BankDirect's "
                        "secret vault.") if exists else
                self.tr("This computer has no operating-system keystore. Choose a passphrase for BankDirect's "
                        "secret vault (at least {n} characters). Keep it safe: without it the ledger's keys "
                        "cannot be opened.").replace("{n}", str(MIN_LENGTH)))
        intro = QLabel(text, self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("passphraseEdit")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("Passphrase"), self.passphrase)
        self.repeat = QLineEdit(self)
        self.repeat.setObjectName("repeatEdit")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        if self._new:
            form.addRow(self.tr("Repeat"), self.repeat)
        else:
            self.repeat.hide()
        layout.addLayout(form)
        self.message = QLabel("", self)
        self.message.setObjectName("passphraseMessage")
        self.message.setStyleSheet("color: #c62828;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   parent=self)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _on_buttons_accepted(self) -> None:
        value = self.passphrase.text()
        if not value:
            self.message.setText(self.tr("Enter the passphrase."))
            return
        if self._new and len(value) < MIN_LENGTH:
            self.message.setText(self.tr("Use at least {n} characters.").replace("{n}", str(MIN_LENGTH)))
            return
        if self._new and value != self.repeat.text():
            self.message.setText(self.tr("The two passphrases differ."))
            return
        self.accept()

    def value(self) -> str:
        return self.passphrase.text()


def ask_passphrase(exists: bool) -> str | None:
    """Modal prompt on the GUI thread; None when cancelled."""
    if QCoreApplication.instance() is None:
        QApplication(sys.argv[:1])
    dialog = PassphraseDialog(exists)
    return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None
