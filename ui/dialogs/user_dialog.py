"""Add a user; change a user's roles (nobody changes their own: the service refuses)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from app.domain.errors import Problem
from app.domain.users import Actor, User
from app.services import Services
from ui.dialogs.form_dialog import FormDialog
from ui.widgets.roles import RolesPicker


class AddUserDialog(FormDialog):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent, self.tr("New user"))
        self.setObjectName("addUserDialog")
        self._services = services
        self._actor = actor
        f = self.form
        f.add_line("username", self.tr("User name"), placeholder=self.tr("Used to log in"))
        f.add_line("display_name", self.tr("Display name"))
        f.add_line("password", self.tr("Initial password"), password=True)
        f.add_line("password_confirm", self.tr("Repeat password"), password=True)
        self.roles = RolesPicker(self)
        f.add_widget("roles", self.tr("Roles"), self.roles)

    def check(self, values: dict) -> list[Problem]:
        problems = []
        if values["password"] != values["password_confirm"]:
            problems.append(Problem("PASSWORD_MISMATCH", self.tr("The two passwords differ."), "password_confirm"))
        if not values["roles"]:
            problems.append(Problem("ROLE_REQUIRED", self.tr("Give the user at least one role."), "roles"))
        return problems

    def save_call(self, values: dict) -> Callable[[], Any]:
        users, actor = self._services.users, self._actor
        return lambda: users.add_user(actor, values["username"], values["display_name"], values["password"],
                                      values["roles"])


class RolesDialog(FormDialog):
    def __init__(self, services: Services, actor: Actor, user: User, parent: QWidget | None = None):
        super().__init__(parent, self.tr("Roles of {user}").replace("{user}", user.username),
                         self.tr("Separation of duties: a maker cannot approve or sign their own payments, and "
                                 "nobody can change their own roles."))
        self.setObjectName("rolesDialog")
        self._services = services
        self._actor = actor
        self._user = user
        self.roles = RolesPicker(self)
        self.form.add_widget("roles", self.tr("Roles"), self.roles)
        self.roles.set_value(user.roles)

    def check(self, values: dict) -> list[Problem]:
        if not values["roles"]:
            return [Problem("ROLE_REQUIRED", self.tr("Give the user at least one role."), "roles")]
        return []

    def save_call(self, values: dict) -> Callable[[], Any]:
        users, actor, username = self._services.users, self._actor, self._user.username
        return lambda: users.set_roles(actor, username, values["roles"])
