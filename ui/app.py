"""GUI entry: translator, style, crash handler, first-run wizard or log-in, then the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from app.domain.errors import BankDirectError
from app.domain.users import Actor
from app.services import Services
from ui.dialogs.first_run_wizard import FirstRunWizard
from ui.dialogs.login_dialog import LoginDialog
from ui.main_window import AREA_KEYS, SCREEN_ALIASES, MainWindow
from ui.ops import run_and_wait, wait_idle
from ui.startup import INITIALIZED_KEY, prepare_app

PRE_LOGIN_SCREENS = ("login", "wizard")


def _save_screenshot(widget: QWidget, path: Path) -> None:
    widget.show()
    wait_idle(30.0)
    QApplication.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write the screenshot {path}")


def open_main_window(services: Services, actor: Actor, settings: QSettings) -> MainWindow:
    return MainWindow(services, actor, settings)


def run_gui(services: Services, *, settings_path: Path, lang: str | None = None,
            auto_login: tuple[str, str] | None = None, screenshot: Path | None = None,
            screen: str | None = None, crash_dir: Path | None = None) -> int:
    """Run the desktop app; with ``screenshot``, render ``screen`` to that PNG and return 0 without looping.

    Tracebacks of unexpected errors go to ``crash_dir`` (default: ``crashes`` beside the settings file).
    """
    if screen and screen not in AREA_KEYS and screen not in SCREEN_ALIASES and screen not in PRE_LOGIN_SCREENS:
        known = ", ".join([*AREA_KEYS, *SCREEN_ALIASES, *PRE_LOGIN_SCREENS])
        sys.stderr.write(f"unknown screen {screen!r}; screens are {known}\n")
        return 2
    app, settings = prepare_app(Path(settings_path), lang, crash_dir)
    username = ""

    initialized = run_and_wait(services.setup.is_initialized)
    if not initialized:
        wizard = FirstRunWizard(services)
        if screenshot is not None and screen == "wizard":
            _save_screenshot(wizard, Path(screenshot))
            wizard.close()
            return 0
        if wizard.exec() != QDialog.DialogCode.Accepted:
            return 1
        username = wizard.admin_username()

    actor: Actor | None
    if screenshot is not None and screen in PRE_LOGIN_SCREENS:
        dialog = LoginDialog(services, username=auto_login[0] if auto_login else username)
        _save_screenshot(dialog, Path(screenshot))
        dialog.close()
        return 0
    if auto_login is not None:
        try:
            actor = run_and_wait(lambda: services.auth.login(*auto_login))
        except BankDirectError as exc:
            sys.stderr.write(f"log-in failed: {getattr(exc, 'message', exc)}\n")
            return 2
    elif screenshot is not None:
        sys.stderr.write("a screenshot of a screen after log-in needs auto_login (user, password)\n")
        return 2
    else:
        actor = LoginDialog(services, username=username).run()
    if actor is None:
        return 1
    if screenshot is None:  # the next start can show the log-in window before the ledger is open
        settings.setValue(INITIALIZED_KEY, True)

    window = open_main_window(services, actor, settings)
    if screen:
        window.show_area(screen)
    if screenshot is not None:
        window.resize(1280, 800)
        _save_screenshot(window, Path(screenshot))
        window.close()
        return 0
    window.show()
    return app.exec()
