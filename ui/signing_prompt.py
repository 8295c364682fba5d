"""The GUI's SigningInteraction: the core asks for a USB-key PIN without knowing Qt.

The signer calls ``ask_pin`` on the signing operation's (background) thread. This object marshals the question to the
GUI thread with a queued signal and waits on a ``threading.Event`` for the answer (Electrum's hw_wallet pattern).
Called on the GUI thread itself, it shows the dialog directly. The PIN lives only in local variables: never stored,
never logged.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.domain.errors import UserCancelled
from app.ports.signing import TokenWarning
from ui.signals import emit


class PinDialog(QDialog):
    def __init__(self, token_label: str, warnings: Sequence[TokenWarning], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pinDialog")
        self.setWindowTitle(self.tr("USB key PIN"))
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr('Enter the PIN of the USB key "{label}" to sign.').replace(
            "{label}", token_label), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        texts = []
        if TokenWarning.PIN_FINAL_TRY in warnings:
            texts.append(self.tr("Final try: one more wrong PIN locks this USB key."))
        elif TokenWarning.PIN_COUNT_LOW in warnings:
            texts.append(self.tr("A wrong PIN was entered before: the key locks after a few more wrong PINs."))
        if TokenWarning.PIN_TO_BE_CHANGED in warnings:
            texts.append(self.tr("The key asks for its PIN to be changed (use the key vendor's tool)."))
        self.warning = QLabel("\n".join(texts), self)
        self.warning.setObjectName("pinWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b26a00; font-weight: bold;")
        self.warning.setVisible(bool(texts))
        layout.addWidget(self.warning)
        self.pin = QLineEdit(self)
        self.pin.setObjectName("pinEdit")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.pin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   parent=self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.pin.setFocus()


class QtSigningInteraction(QObject):
    """Implements app.ports.signing.SigningInteraction for the desktop app."""

    _ask_requested = Signal(str, object, object)   # token label, warnings, answer slot
    message = Signal(str)                          # notify(): progress text for a status line

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._parent = parent
        self._ask_requested.connect(self._on_ask_requested, Qt.ConnectionType.QueuedConnection)

    def ask_pin(self, token_label: str, warnings: Sequence[TokenWarning]) -> str:
        if threading.current_thread() is threading.main_thread():
            return self._run_dialog(token_label, tuple(warnings))
        answer: dict = {"done": threading.Event()}
        emit(self._ask_requested, token_label, tuple(warnings), answer)
        answer["done"].wait()
        pin = answer.get("pin")
        if pin is None:
            raise UserCancelled()
        return pin

    def notify(self, message: str) -> None:
        emit(self.message, message)

    def _on_ask_requested(self, token_label: str, warnings: tuple, answer: dict) -> None:
        try:
            answer["pin"] = self._run_dialog(token_label, warnings)
        except UserCancelled:
            answer["pin"] = None
        finally:
            answer["done"].set()

    def _run_dialog(self, token_label: str, warnings: tuple) -> str:
        dialog = PinDialog(token_label, warnings, self._parent)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.pin.text():
                raise UserCancelled()
            return dialog.pin.text()
        finally:
            dialog.pin.clear()
            dialog.deleteLater()
