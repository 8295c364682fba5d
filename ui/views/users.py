"""Users and roles: list, add, change roles, unlock, activate / deactivate (administrators only)."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.users import Actor, Role, User
from app.services import Services
from ui.dialogs.user_dialog import AddUserDialog, RolesDialog
from ui.models.lazy_table import Column
from ui.models.rows_table import RowsTableModel
from ui.ops import run_op
from ui.widgets.roles import roles_text


def _is_locked(user: User) -> bool:
    return user.is_locked(datetime.now(UTC))


class UsersView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("usersView")
        self._services = services
        self._actor = actor
        self.dialog: AddUserDialog | RolesDialog | None = None
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Users and roles"), self)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        bar = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add user…"), self)
        self.add_button.setObjectName("addUserButton")
        self.roles_button = QPushButton(self.tr("Change roles…"), self)
        self.roles_button.setObjectName("rolesButton")
        self.unlock_button = QPushButton(self.tr("Unlock"), self)
        self.unlock_button.setObjectName("unlockButton")
        self.active_button = QPushButton(self.tr("Deactivate"), self)
        self.active_button.setObjectName("activeButton")
        for w in (self.add_button, self.roles_button, self.unlock_button, self.active_button):
            bar.addWidget(w)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.model = RowsTableModel([
            Column("username", self.tr("User name"), lambda u: u.username),
            Column("display_name", self.tr("Display name"), lambda u: u.display_name),
            Column("roles", self.tr("Roles"), lambda u: roles_text(u.roles)),
            Column("failed", self.tr("Failed log-ins"), lambda u: u.failed_logins, numeric=True),
            Column("status", self.tr("Status"), self._status_text),
        ], parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("usersTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table)
        self.add_button.clicked.connect(self.add_user)
        self.roles_button.clicked.connect(self.edit_roles)
        self.unlock_button.clicked.connect(self.unlock_selected)
        self.active_button.clicked.connect(self.toggle_active)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def _status_text(self, user: User) -> str:
        if not user.is_active:
            return self.tr("Inactive")
        if _is_locked(user):
            return self.tr("Locked")
        return self.tr("Active")

    def refresh(self) -> None:
        services, actor = self._services, self._actor
        run_op(self, lambda: services.users.list_users(actor), self._show)

    def _show(self, users: list[User]) -> None:
        self.model.set_rows(users)
        self.table.resizeColumnsToContents()
        self._update_buttons()

    def selected(self) -> User | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_user(self, username: str) -> bool:
        for row, user in enumerate(self.model.rows()):
            if user.username == username:
                self.table.selectRow(row)
                return True
        return False

    def _update_buttons(self) -> None:
        admin = self._actor.has(Role.ADMIN)
        user = self.selected()
        self.add_button.setEnabled(admin)
        self.roles_button.setEnabled(admin and user is not None and user.id != self._actor.user_id)
        self.unlock_button.setEnabled(admin and user is not None and (_is_locked(user) or user.failed_logins > 0))
        self.active_button.setEnabled(admin and user is not None and user.id != self._actor.user_id)
        if user is not None:
            self.active_button.setText(self.tr("Deactivate") if user.is_active else self.tr("Activate"))

    def add_user(self) -> AddUserDialog:
        dialog = AddUserDialog(self._services, self._actor, self)
        self._open(dialog)
        return dialog

    def edit_roles(self) -> RolesDialog | None:
        user = self.selected()
        if user is None:
            return None
        dialog = RolesDialog(self._services, self._actor, user, self)
        self._open(dialog)
        return dialog

    def _open(self, dialog: AddUserDialog | RolesDialog) -> None:
        self.dialog = dialog
        dialog.saved.connect(lambda _u: self.refresh())
        dialog.open()

    def unlock_selected(self) -> None:
        user = self.selected()
        if user is None:
            return
        services, actor = self._services, self._actor
        run_op(self, lambda: services.auth.unlock_user(actor, user.username), lambda _u: self.refresh())

    def toggle_active(self) -> None:
        user = self.selected()
        if user is None:
            return
        services, actor = self._services, self._actor
        run_op(self, lambda: services.users.set_active(actor, user.username, not user.is_active),
               lambda _u: self.refresh())
