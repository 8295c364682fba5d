"""A path field with a "Browse…" button (certificate and key files)."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget


class FilePicker(QWidget):
    """``value()`` is the typed or picked path ("" for none). The line edit is ``edit``; Enter reaches the
    dialog's default button like any line edit."""

    def __init__(self, caption: str, name_filter: str, parent: QWidget | None = None, *, placeholder: str = ""):
        super().__init__(parent)
        self._caption = caption
        self._filter = name_filter
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("pathEdit")
        if placeholder:
            self.edit.setPlaceholderText(placeholder)
        self.browse_button = QPushButton(self.tr("Browse…"), self)
        self.browse_button.setObjectName("browseButton")
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self._on_browse_clicked)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse_button)
        self.setFocusProxy(self.edit)

    def value(self) -> str:
        return self.edit.text().strip()

    def set_value(self, path: str) -> None:
        self.edit.setText(path)

    def _on_browse_clicked(self) -> None:
        path, _selected = QFileDialog.getOpenFileName(self, self._caption, self.value(), self._filter)
        if path:
            self.edit.setText(path)
