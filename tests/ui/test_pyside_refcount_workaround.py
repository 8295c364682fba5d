"""PySide6 6.12.0 drops a reference of ``None`` on every void Qt call made from Python; without the workaround in
ui/signals.py a long session aborts with "Fatal Python error: none_dealloc". Run in a child interpreter: a crash
there must not take the test session with it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_many_void_qt_calls_do_not_free_none():
    code = ("import ui\n"
            "from PySide6.QtWidgets import QApplication, QWidget\n"
            "app = QApplication([])\n"
            "w = QWidget()\n"
            "for _ in range(30000):\n"
            "    app.processEvents()\n"
            "    w.update()\n"
            "print('survived')\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert "survived" in out.stdout
