from __future__ import annotations

from ui.dialogs.passphrase_dialog import PassphraseDialog


def test_new_vault_needs_matching_long_passphrase(qtbot):
    d = PassphraseDialog(exists=False)
    qtbot.addWidget(d)
    d.passphrase.setText("short")
    d._on_buttons_accepted()
    assert "10" in d.message.text() and not d.result()
    d.passphrase.setText("a-long-passphrase")
    d.repeat.setText("a-long-passphrase-typo")
    d._on_buttons_accepted()
    assert d.message.text() and not d.result()
    d.repeat.setText("a-long-passphrase")
    d._on_buttons_accepted()
    assert d.result() == d.DialogCode.Accepted and d.value() == "a-long-passphrase"


def test_existing_vault_asks_once(qtbot):
    d = PassphraseDialog(exists=True)
    qtbot.addWidget(d)
    assert d.repeat.isHidden()
    d._on_buttons_accepted()
    assert d.message.text()
    d.passphrase.setText("x")
    d._on_buttons_accepted()
    assert d.result() == d.DialogCode.Accepted
