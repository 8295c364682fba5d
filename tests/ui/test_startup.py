"""The log-in window appears before the ledger has opened; logging in then waits for it and opens the main window."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from tests.conftest import ADMIN
from ui.startup import INITIALIZED_KEY, DeferredServices, run_gui_deferred


def _remember_initialised(path):
    s = QSettings(str(path), QSettings.Format.IniFormat)
    s.setValue(INITIALIZED_KEY, True)
    s.sync()


def test_deferred_services_know_demo_flag_without_waiting():
    from concurrent.futures import Future

    fut: Future = Future()
    proxy = DeferredServices(fut, is_demo=True)
    assert proxy.is_demo is True
    assert not fut.done()
    fut.set_result(type("S", (), {"auth": "the auth service"})())
    assert proxy.auth == "the auth service"


def test_login_shows_first_then_logs_in_once_the_ledger_is_open(qtbot, services, tmp_path):
    settings_path = tmp_path / "settings.ini"
    _remember_initialised(settings_path)
    opened = threading.Event()
    seen = {}

    def open_services():
        time.sleep(0.4)  # a slow disk: SQLAlchemy, migrations, the key store
        opened.set()
        return services

    def fill_and_submit():
        dialog = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "loginDialog"
                      and w.isVisible())
        dialog.username.setText(ADMIN[0])
        dialog.password.setText(ADMIN[1])
        dialog.submit()

    def close_main_window():
        windows = [w for w in QApplication.topLevelWidgets() if w.objectName() == "mainWindow" and w.isVisible()]
        if not windows:
            QTimer.singleShot(50, close_main_window)
            return
        seen["user"] = windows[0].actor.username
        windows[0].close()  # the last window closed ends the event loop

    def shown():
        seen["opened_when_shown"] = opened.is_set()
        QTimer.singleShot(0, fill_and_submit)
        QTimer.singleShot(50, close_main_window)

    rc = run_gui_deferred(open_services, is_demo=False, settings_path=settings_path, login_shown=shown)
    assert rc == 0
    assert seen == {"opened_when_shown": False, "user": "admin"}


def test_a_failing_ledger_is_reported_in_the_login_window(qtbot, tmp_path):
    from app.domain.errors import StorageUnavailable

    settings_path = tmp_path / "settings.ini"
    _remember_initialised(settings_path)
    seen = {}

    def open_services():
        raise StorageUnavailable("the ledger folder is on a network share", code="NETWORK_SHARE")

    def check():
        dialog = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "loginDialog"
                      and w.isVisible())
        if "network share" not in dialog.message.text():
            QTimer.singleShot(30, check)
            return
        seen["button_enabled"] = dialog.button.isEnabled()
        dialog.reject()

    rc = run_gui_deferred(open_services, is_demo=False, settings_path=settings_path,
                          login_shown=lambda: QTimer.singleShot(30, check))
    assert rc == 1
    assert seen == {"button_enabled": False}
