"""Role check boxes and translated role names."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QWidget

from app.domain.users import Role

translate = QCoreApplication.translate

ROLE_NAMES = {
    Role.MAKER: QT_TRANSLATE_NOOP("Role", "Maker"),
    Role.APPROVER: QT_TRANSLATE_NOOP("Role", "Approver"),
    Role.SIGNER: QT_TRANSLATE_NOOP("Role", "Signer (USB key holder)"),
    Role.ADMIN: QT_TRANSLATE_NOOP("Role", "Administrator"),
    Role.AUDITOR: QT_TRANSLATE_NOOP("Role", "Auditor"),
}


def role_name(role: Role) -> str:
    return translate("Role", ROLE_NAMES[role])


def roles_text(roles: Iterable[Role]) -> str:
    order = list(Role)
    return ", ".join(role_name(r) for r in sorted(roles, key=order.index))


class RolesPicker(QWidget):
    """One check box per role (objectName ``role_<value>``); ``value()`` is the checked roles."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[Role, QCheckBox] = {}
        for role in Role:
            box = QCheckBox(role_name(role), self)
            box.setObjectName(f"role_{role.value}")
            layout.addWidget(box)
            self.boxes[role] = box
        layout.addStretch(1)

    def value(self) -> list[Role]:
        return [r for r, box in self.boxes.items() if box.isChecked()]

    def set_value(self, roles: Iterable[Role]) -> None:
        chosen = set(roles)
        for role, box in self.boxes.items():
            box.setChecked(role in chosen)
