"""Fast start-up: the log-in window appears at once while the ledger opens in the background.

Once a workstation has logged in to its ledger, the settings remember that the ledger is initialised; the next start
shows the log-in window first (so the user types while SQLAlchemy, migrations and the key store load) and only then
needs the services. A first start, or a ledger found uninitialised, takes the ordinary path with the first-run
wizard (ui.app.run_gui).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from app.services import Services
from ui import gc_guard
from ui.crash import install_crash_handler
from ui.i18n import install_translator, saved_language
from ui.style import apply_style

INITIALIZED_KEY = "ledger/initialized"


def prepare_app(settings_path: Path, lang: str | None, crash_dir: Path | None) -> tuple[QApplication, QSettings]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("BankDirect")
    app.setOrganizationName("BankDirect")
    settings_path = Path(settings_path)
    settings_path.parent.mkdir(parents=True, exist_ok=True)
    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    install_crash_handler(Path(crash_dir) if crash_dir else settings_path.parent / "crashes")
    gc_guard.install(app)   # Qt objects are finalised in the GUI thread only
    install_translator(app, lang or saved_language(settings))
    apply_style(app)
    return app, settings


class DeferredServices:
    """Stands in for the services while they open: ``is_demo`` is known up front, anything else waits for them
    (the log-in dialog touches them only from its background operation)."""

    def __init__(self, future: Future, is_demo: bool):
        self._future = future
        self.is_demo = is_demo

    def __getattr__(self, name: str):
        return getattr(self._future.result(), name)


def run_gui_deferred(open_services: Callable[[], Services], *, is_demo: bool, settings_path: Path,
                     lang: str | None = None, crash_dir: Path | None = None,
                     login_shown: Callable[[], None] | None = None) -> int:
    hint = QSettings(str(settings_path), QSettings.Format.IniFormat).value(INITIALIZED_KEY, False, type=bool)
    if not hint:
        from ui.app import run_gui

        return run_gui(open_services(), settings_path=settings_path, lang=lang, crash_dir=crash_dir)

    app, settings = prepare_app(settings_path, lang, crash_dir)
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="open-ledger")
    future = executor.submit(open_services)
    executor.shutdown(wait=False)
    from ui.dialogs.login_dialog import LoginDialog

    dialog = LoginDialog(DeferredServices(future, is_demo))  # type: ignore[arg-type]
    state = {"uninitialised": False}

    def on_opened() -> None:
        if not future.done():
            return
        poll.stop()
        exc = future.exception()
        if exc is not None:
            from ui.ops import error_text

            dialog.message.setText(error_text(exc))
            dialog.button.setEnabled(False)
            return
        if not future.result().setup.is_initialized():  # the ledger was replaced or wiped since last time
            state["uninitialised"] = True
            dialog.reject()

    poll = QTimer(dialog)
    poll.setInterval(30)
    poll.timeout.connect(on_opened)
    poll.start()
    if login_shown is not None:
        dialog.show()
        app.processEvents()
        login_shown()
    actor = dialog.run()
    poll.stop()
    if state["uninitialised"] or (actor is None and future.done() and future.exception() is None
                                  and not future.result().setup.is_initialized()):
        settings.setValue(INITIALIZED_KEY, False)
        from ui.app import run_gui

        return run_gui(future.result(), settings_path=settings_path, lang=lang, crash_dir=crash_dir)
    if actor is None:
        return 1
    from ui.app import open_main_window

    window = open_main_window(future.result(), actor, settings)
    window.show()
    return app.exec()
