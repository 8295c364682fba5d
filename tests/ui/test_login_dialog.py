from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import Qt

from app.domain.errors import AccountLocked, OperationalError
from tests.ui.conftest import ADMIN
from tests.ui.fakes import make_fake_services
from ui.dialogs.login_dialog import LoginDialog


def _dialog(qtbot, services):
    dialog = LoginDialog(services)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _attempt(qtbot, dialog, username, password, *, enter=False):
    dialog.username.setText(username)
    dialog.password.setText(password)
    if enter:
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    else:
        dialog.button.click()
    assert dialog.pending_op is not None
    qtbot.waitUntil(lambda: dialog.pending_op.finished, timeout=10_000)


def test_enter_logs_in_and_returns_the_actor(qtbot, ui_services):
    dialog = _dialog(qtbot, ui_services)
    assert dialog.findChild(type(dialog.username), "usernameEdit") is dialog.username
    _attempt(qtbot, dialog, *ADMIN, enter=True)
    assert dialog.actor is not None and dialog.actor.username == "admin"
    assert dialog.result() == LoginDialog.DialogCode.Accepted


def test_wrong_password_says_so_and_stays_open(qtbot, ui_services):
    dialog = _dialog(qtbot, ui_services)
    _attempt(qtbot, dialog, "admin", "not-the-password")
    assert dialog.actor is None
    assert dialog.message.objectName() == "loginMessage"
    assert "Wrong user name or password" in dialog.message.text()
    assert dialog.password.text() == ""
    assert dialog.button.isEnabled()


def test_third_failure_shows_the_back_off_and_disables_the_button(qtbot, ui_services):
    dialog = _dialog(qtbot, ui_services)
    for _ in range(2):
        _attempt(qtbot, dialog, "admin", "wrong-password-x")
        assert dialog.button.isEnabled()
    _attempt(qtbot, dialog, "admin", "wrong-password-x")
    assert dialog.message.property("state") == "backoff"
    assert not dialog.button.isEnabled()
    assert dialog.wait_left_s() >= 1
    assert f"wait {dialog.wait_left_s()} s" in dialog.message.text()
    # the countdown re-enables the button
    qtbot.waitUntil(dialog.button.isEnabled, timeout=dialog.wait_left_s() * 1000 + 3000)
    assert "try again now" in dialog.message.text()


def test_lockout_says_an_administrator_must_unlock(qtbot):
    def login(username, password):
        raise AccountLocked("the account admin is locked", "2030-01-01T10:15:00+00:00")

    services = SimpleNamespace(auth=SimpleNamespace(login=login), is_demo=False)
    dialog = _dialog(qtbot, services)
    _attempt(qtbot, dialog, "admin", "whatever")
    assert dialog.message.property("state") == "locked"
    assert "administrator must unlock" in dialog.message.text()
    assert "10:15" in dialog.message.text()
    assert dialog.actor is None


def test_lockout_after_five_failures_with_the_fake_ledger(qtbot):
    services, _led = make_fake_services()
    dialog = _dialog(qtbot, services)
    for _ in range(5):
        dialog._countdown.stop()
        dialog._wait_left_s = 0
        dialog.button.setEnabled(True)
        _attempt(qtbot, dialog, "admin", "wrong-password-x")
    assert dialog.message.property("state") == "locked"


def test_operational_error_is_shown_in_the_dialog(qtbot):
    def login(username, password):
        raise OperationalError("the ledger database is not reachable")

    dialog = _dialog(qtbot, SimpleNamespace(auth=SimpleNamespace(login=login), is_demo=False))
    _attempt(qtbot, dialog, "admin", "x")
    assert "not reachable" in dialog.message.text()
    assert dialog.button.isEnabled()


def test_empty_fields_are_caught_without_calling_the_service(qtbot):
    calls = []
    dialog = _dialog(qtbot, SimpleNamespace(auth=SimpleNamespace(login=lambda u, p: calls.append(u)),
                                            is_demo=False))
    dialog.button.click()
    assert calls == [] and dialog.message.text()
