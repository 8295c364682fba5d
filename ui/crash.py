"""The crash dialog: an unexpected exception is a bug; save its traceback to a file and say where."""

from __future__ import annotations

import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

_crash_dir: Path | None = None
_open_boxes: set[QMessageBox] = set()   # parentless boxes need a Python reference while shown


def keep_open(box: QMessageBox) -> QMessageBox:
    """Hold a reference to a non-blocking box until it closes (a parentless one would be collected)."""
    _open_boxes.add(box)
    box.finished.connect(lambda _r: _open_boxes.discard(box))
    return box


def crash_dir() -> Path:
    return _crash_dir or Path(tempfile.gettempdir()) / "bankdirect-crashes"


def save_traceback(text: str) -> Path:
    """Write the traceback to ``crash-<UTC timestamp>.txt`` under the crash directory; return the path."""
    folder = crash_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"crash-{stamp}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def show_crash(parent: QWidget | None, exc_type: type[BaseException], exc: BaseException, tb_text: str) -> Path:
    path = save_traceback(tb_text)
    if QApplication.instance() is None:
        return path
    translate = QCoreApplication.translate
    box = QMessageBox(QMessageBox.Icon.Critical, translate("Crash", "Unexpected error"),
                      translate("Crash", "BankDirect hit an unexpected error ({kind}). Nothing further was saved "
                                  "for the failed action.\n\nThe details were written to:\n{path}\n\n"
                                  "Please send this file to your administrator.")
                      .replace("{kind}", exc_type.__name__).replace("{path}", str(path)),
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("crashDialog")
    box.setDetailedText(tb_text)
    keep_open(box).open()
    return path


def _excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    sys.stderr.write(text)
    try:
        show_crash(QApplication.activeWindow(), exc_type, exc, text)
    except Exception:  # the crash dialog itself must never raise from the hook
        sys.stderr.write(traceback.format_exc())


def install_crash_handler(folder: Path) -> None:
    """Route uncaught exceptions (including those raised in Qt slots) to the crash dialog; tracebacks are
    saved in ``folder`` (the data dir's crash folder)."""
    global _crash_dir
    _crash_dir = Path(folder)
    sys.excepthook = _excepthook
