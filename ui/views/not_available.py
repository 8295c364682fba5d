"""The page shown for areas that are not built yet: clear, friendly, never a crash."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class NotAvailablePage(QWidget):
    def __init__(self, area_title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("notAvailablePage")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = QLabel(area_title, self)
        title.setObjectName("pageTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        text = QLabel(self.tr("This area is not available yet. It is coming in a later version."), self)
        text.setObjectName("notAvailableText")
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setWordWrap(True)
        layout.addWidget(text)
        layout.addStretch(2)

    def refresh(self) -> None:
        """Nothing to load."""
