"""The PIN prompt works from the signing thread (marshalled to the GUI thread) and never keeps the PIN."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.domain.errors import UserCancelled
from app.ports.signing import TokenWarning
from ui.signing_prompt import PinDialog, QtSigningInteraction


def _answer(pin: str | None):
    def later():
        dialog = next((w for w in QApplication.topLevelWidgets() if w.objectName() == "pinDialog"
                       and w.isVisible()), None)
        if dialog is None:
            QTimer.singleShot(20, later)
            return
        if pin is None:
            dialog.reject()
        else:
            dialog.pin.setText(pin)
            dialog.accept()
    QTimer.singleShot(20, later)


def test_pin_asked_from_a_worker_thread(qtbot):
    interaction = QtSigningInteraction()
    result = {}

    def worker():
        try:
            result["pin"] = interaction.ask_pin("signer", [TokenWarning.PIN_COUNT_LOW])
        except UserCancelled:
            result["cancelled"] = True

    t = threading.Thread(target=worker)
    _answer("123456")
    t.start()
    qtbot.waitUntil(lambda: not t.is_alive(), timeout=5000)
    assert result == {"pin": "123456"}


def test_cancel_raises_user_cancelled(qtbot):
    interaction = QtSigningInteraction()
    _answer(None)
    with pytest.raises(UserCancelled):
        interaction.ask_pin("signer", [])


def test_final_try_warning_is_shown(qtbot):
    d = PinDialog("signer", [TokenWarning.PIN_FINAL_TRY])
    qtbot.addWidget(d)
    low = PinDialog("signer", [TokenWarning.PIN_COUNT_LOW])
    qtbot.addWidget(low)
    assert not d.warning.isHidden() and d.warning.text()
    assert not low.warning.isHidden() and low.warning.text() and low.warning.text() != d.warning.text()
    plain = PinDialog("signer", [])
    qtbot.addWidget(plain)
    assert plain.warning.isHidden()
