"""Administration (系统管理): the organization form, users and roles, and the approval policy, as tabs."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from app.domain.users import Actor
from app.services import Services
from ui.views.approval_policy import ApprovalPolicyView
from ui.views.organization import OrganizationView
from ui.views.users import UsersView


class AdminView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("adminView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("adminTabs")
        self.organization = OrganizationView(services, actor, self.tabs)
        self.users = UsersView(services, actor, self.tabs)
        self.tabs.addTab(self.organization, self.tr("Organization"))
        self.tabs.addTab(self.users, self.tr("Users and roles"))
        self.approval_policy = ApprovalPolicyView(services, actor, self.tabs)
        self.tabs.addTab(self.approval_policy, self.tr("Approval policy"))
        layout.addWidget(self.tabs)

    def refresh(self) -> None:
        self.organization.refresh()
        self.users.refresh()
        self.approval_policy.refresh()

    def show_tab(self, name: str) -> None:
        tabs = {"users": self.users, "approval_policy": self.approval_policy}
        self.tabs.setCurrentWidget(tabs.get(name, self.organization))
