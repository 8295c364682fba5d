"""Qt objects are destroyed in the GUI thread only.

Python's cyclic garbage collector runs in whichever thread happens to allocate when a threshold is crossed. In this
app that is often a background operation (ui/ops.py) reading the ledger; if the garbage it finds holds Qt wrappers
(a closed dialog, a view and its models), their C++ objects are deleted from that thread, and Qt crashes (one test
session died with SIGSEGV, "Garbage-collecting" in a ui.ops worker). While the application runs, automatic
collection is therefore off and :class:`GuiThreadCollector` collects on a timer in the GUI thread: the young
generations every second, everything every half minute (a few milliseconds each at the app's heap size). It is
switched back on when the application quits.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

TICK_MS = 1000
FULL_EVERY = 30   # ticks between two full collections


class GuiThreadCollector(QObject):
    def __init__(self, app: QApplication):
        super().__init__(app)
        self._ticks = 0
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.collect)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()
        app.aboutToQuit.connect(self.stop)

    def collect(self) -> int:
        self._ticks += 1
        return gc.collect(2 if self._ticks % FULL_EVERY == 0 else 1)

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
        gc.collect()


def install(app: QApplication) -> GuiThreadCollector:
    """Once per application: the collector is a child of ``app`` (found again on later calls)."""
    found = app.findChild(GuiThreadCollector)
    return found if isinstance(found, GuiThreadCollector) else GuiThreadCollector(app)


def uninstall(app: QApplication) -> None:
    """Automatic collection as before ``install`` (tests that start the whole app call this afterwards)."""
    found = app.findChild(GuiThreadCollector)
    if isinstance(found, GuiThreadCollector):
        found.stop()
        found.setParent(None)
        found.deleteLater()
