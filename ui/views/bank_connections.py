"""Bank connections (银行连接): connection profiles, certificate inventory, interface test and message log, as
tabs."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from app.domain.users import Actor
from app.services import Services
from ui.views.bank_profiles import ProfilesView
from ui.views.certificates import CertificatesView
from ui.views.connection_test import ConnectionTestView
from ui.views.message_log import MessageLogView

TABS = ("profiles", "certificates", "connection_test", "message_log")


class BankConnectionsView(QWidget):
    """A tab loads each time it is shown (profiles edited on one tab change the certificates of another)."""

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("bankConnectionsView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("bankTabs")
        self.profiles = ProfilesView(services, actor, self.tabs)
        self.certificates = CertificatesView(services, actor, self.tabs)
        self.connection_test = ConnectionTestView(services, actor, self.tabs)
        self.message_log = MessageLogView(services, actor, self.tabs)
        self.tabs.addTab(self.profiles, self.tr("Connection profiles"))
        self.tabs.addTab(self.certificates, self.tr("Certificates"))
        self.tabs.addTab(self.connection_test, self.tr("Interface test"))
        self.tabs.addTab(self.message_log, self.tr("Message log"))
        layout.addWidget(self.tabs)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)

    def page(self, name: str) -> QWidget:
        return getattr(self, name)

    def refresh(self) -> None:
        self._on_tabs_current_changed(self.tabs.currentIndex())

    def _on_tabs_current_changed(self, index: int) -> None:
        if index >= 0:
            self.tabs.widget(index).refresh()

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentWidget(self.page(name if name in TABS else "profiles"))
