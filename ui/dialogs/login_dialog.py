"""Log-in: user name and password, Enter submits; back-off from the 3rd failure; lock-out message."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.domain.errors import AccountLocked, AuthenticationFailed
from app.domain.users import Actor
from app.services import Services
from ui.ops import Op, error_text, run_op


class LoginDialog(QDialog):
    def __init__(self, services: Services, parent: QWidget | None = None, *, username: str = ""):
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.setWindowTitle(self.tr("BankDirect — log in"))
        self.setMinimumWidth(420)
        self._services = services
        self.actor: Actor | None = None
        self.pending_op: Op | None = None
        self._wait_left_s = 0
        layout = QVBoxLayout(self)
        heading = QLabel(self.tr("BankDirect"), self)
        heading.setObjectName("loginHeading")
        heading.setProperty("role", "headline")
        layout.addWidget(heading)
        if services.is_demo:
            demo = QLabel(self.tr("DEMO ledger — no real payments are made."), self)
            demo.setObjectName("demoBadge")
            demo.setStyleSheet("background: #c62828; color: white; font-weight: bold; padding: 4px 10px;")
            layout.addWidget(demo)
        form = QFormLayout()
        self.username = QLineEdit(username, self)
        self.username.setObjectName("usernameEdit")
        self.password = QLineEdit(self)
        self.password.setObjectName("passwordEdit")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Password"), self.password)
        layout.addLayout(form)
        self.message = QLabel("", self)
        self.message.setObjectName("loginMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")
        layout.addWidget(self.message)
        self.button = QPushButton(self.tr("Log in"), self)
        self.button.setObjectName("loginButton")
        self.button.setDefault(True)
        self.button.setAutoDefault(True)
        self.button.clicked.connect(self.submit)
        layout.addWidget(self.button, alignment=Qt.AlignmentFlag.AlignRight)
        QWidget.setTabOrder(self.username, self.password)
        QWidget.setTabOrder(self.password, self.button)
        (self.password if username else self.username).setFocus()
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._on_countdown_timeout)

    def submit(self) -> None:
        if not self.button.isEnabled() or (self.pending_op is not None and not self.pending_op.finished):
            return
        username, password = self.username.text(), self.password.text()
        if not username.strip() or not password:
            self.message.setText(self.tr("Enter your user name and password."))
            return
        self.button.setEnabled(False)
        self.message.setText(self.tr("Checking…"))
        self.message.setStyleSheet("color: palette(text);")
        services = self._services  # resolved on the worker: the ledger may still be opening in the background
        self.pending_op = run_op(self, lambda: services.auth.login(username, password), self._on_logged_in,
                                 self._on_failed, on_finally=self._on_done)

    def _on_logged_in(self, actor: Actor) -> None:
        self.actor = actor
        self.message.clear()
        self.accept()

    def _on_done(self) -> None:
        if self._wait_left_s <= 0 and self.actor is None:
            self.button.setEnabled(True)

    def _on_failed(self, exc: BaseException) -> None:
        self.message.setStyleSheet("color: #c62828;")
        self.password.clear()
        self.password.setFocus()
        if isinstance(exc, AccountLocked):
            text = self.tr("This account is locked after repeated failed log-ins. An administrator must unlock "
                           "it (or wait until the lock expires).")
            if exc.locked_until_iso:
                text += " " + self.tr("Locked until {time} UTC.").replace("{time}", exc.locked_until_iso[11:16])
            self.message.setText(text)
            self.message.setProperty("state", "locked")
        elif isinstance(exc, AuthenticationFailed) and exc.retry_after_s > 0:
            self._wait_left_s = max(1, math.ceil(exc.retry_after_s))
            self.message.setProperty("state", "backoff")
            self._show_wait()
            self.button.setEnabled(False)
            self._countdown.start()
        elif isinstance(exc, AuthenticationFailed):
            self.message.setText(self.tr("Wrong user name or password."))
            self.message.setProperty("state", "failed")
        else:
            self.message.setText(error_text(exc))
            self.message.setProperty("state", "error")

    def _show_wait(self) -> None:
        self.message.setText(self.tr("Wrong user name or password. Too many failed attempts: wait {s} s before "
                                     "trying again.").replace("{s}", str(self._wait_left_s)))

    def _on_countdown_timeout(self) -> None:
        self._wait_left_s -= 1
        if self._wait_left_s > 0:
            self._show_wait()
            return
        self._countdown.stop()
        self.button.setEnabled(True)
        self.message.setText(self.tr("You can try again now."))

    def wait_left_s(self) -> int:
        return self._wait_left_s

    def run(self) -> Actor | None:
        """Modal: the actor on success, None when cancelled."""
        return self.actor if self.exec() == QDialog.DialogCode.Accepted else None
