"""Password re-entry before a sensitive step (approving payments above the policy's threshold).

The password is handed to ``on_password`` and never kept: the field is cleared as soon as the dialog closes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from ui.widgets.form import ERROR_STYLE


class PasswordDialog(QDialog):
    def __init__(self, username: str, reason: str, on_password: Callable[[str], None],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("passwordDialog")
        self.setWindowTitle(self.tr("Confirm with your password"))
        self.setModal(True)
        self.setMinimumWidth(420)
        self._on_password = on_password
        layout = QVBoxLayout(self)
        intro = QLabel(reason, self)
        intro.setObjectName("passwordReason")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        user = QLabel(self.tr("User: {user}").replace("{user}", username), self)
        user.setObjectName("passwordUser")
        layout.addWidget(user)
        self.password = QLineEdit(self)
        self.password.setObjectName("passwordEdit")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("Your log-in password"))
        layout.addWidget(self.password)
        self.error = QLabel(self)
        self.error.setObjectName("passwordError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("passwordOkButton")
        self.ok_button.setText(self.tr("Confirm"))
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("passwordCancelButton")
        cancel.setText(self.tr("Cancel"))
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def confirm(self) -> None:
        text = self.password.text()
        if not text:
            self.error.setText(self.tr("Enter your password."))
            self.error.show()
            return
        self.password.clear()
        self.accept()
        self._on_password(text)

    def done(self, result: int) -> None:
        self.password.clear()
        super().done(result)
