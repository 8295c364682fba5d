"""The application's look: stylesheet and a CJK-capable font list (kept apart so start-up imports stay small)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

QSS_PATH = Path(__file__).resolve().parent.parent / "resources" / "qss" / "app.qss"
FONT_FAMILIES = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Source Han Sans SC",
                 "Segoe UI", "sans-serif"]


def apply_style(app: QApplication) -> None:
    """The app's stylesheet and a CJK-capable font family list (the first one installed wins)."""
    font = QFont(app.font())
    font.setFamilies(FONT_FAMILIES)
    font.setPointSize(max(font.pointSize(), 10))
    app.setFont(font)
    if QSS_PATH.exists():
        app.setStyleSheet(QSS_PATH.read_text(encoding="utf-8"))
