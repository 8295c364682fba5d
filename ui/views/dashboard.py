"""Dashboard: organization, counts of accounts / payees / users, the audit-chain status, and for the banks:
certificate expiry warnings, balance totals per bank and currency, a chart of balances by bank."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from app.domain.audit import AuditVerification
from app.domain.errors import DomainError
from app.domain.users import Actor
from app.services import Services
from ui.ops import run_op
from ui.widgets.bank_overview import BankOverview, BankOverviewPanel, load_bank_overview


@dataclass(frozen=True)
class DashboardData:
    org_name: str
    org_uscc: str | None
    accounts: int
    payees: int
    users: int | None                       # None: the actor may not list users
    audit: AuditVerification | None         # None: the actor may not verify the log


def load_dashboard(services: Services, actor: Actor) -> DashboardData:
    """Runs on the background worker."""
    org = services.master_data.get_organization(actor)
    accounts = len(services.master_data.list_accounts(actor))
    payees = services.master_data.count_payees(actor)
    try:
        users: int | None = len(services.users.list_users(actor))
    except DomainError:
        users = None
    try:
        audit: AuditVerification | None = services.audit.verify(actor)
    except DomainError:
        audit = None
    return DashboardData(org.name, org.uscc, accounts, payees, users, audit)


class DashboardView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dashboardView")
        self._services = services
        self._actor = actor
        self.data: DashboardData | None = None
        self.bank: BankOverview | None = None
        self.bank_enabled = (getattr(services, "bank_data", None) is not None
                             and getattr(services, "profiles", None) is not None)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        self.org_label = QLabel("…", self)
        self.org_label.setObjectName("orgNameLabel")
        self.org_label.setProperty("role", "headline")
        layout.addWidget(self.org_label)
        self.uscc_label = QLabel("", self)
        self.uscc_label.setObjectName("orgUsccLabel")
        layout.addWidget(self.uscc_label)
        grid = QGridLayout()
        grid.setSpacing(16)
        self.accounts_value = self._card(grid, 0, self.tr("Bank accounts"), "accountsCount")
        self.payees_value = self._card(grid, 1, self.tr("Payees"), "payeesCount")
        self.users_value = self._card(grid, 2, self.tr("Users"), "usersCount")
        layout.addLayout(grid)
        self.audit_label = QLabel("…", self)
        self.audit_label.setObjectName("auditStatusLabel")
        self.audit_label.setWordWrap(True)
        layout.addWidget(self.audit_label)
        self.bank_panel = BankOverviewPanel(self)
        self.bank_panel.setVisible(self.bank_enabled)
        layout.addWidget(self.bank_panel, 1)
        layout.addStretch(0 if self.bank_enabled else 1)

    def _card(self, grid: QGridLayout, column: int, title: str, name: str) -> QLabel:
        frame = QFrame(self)
        frame.setObjectName("dashboardCard")
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        inner = QVBoxLayout(frame)
        caption = QLabel(title, frame)
        caption.setObjectName("cardCaption")
        value = QLabel("…", frame)
        value.setObjectName(name)
        value.setProperty("role", "figure")
        value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        inner.addWidget(caption)
        inner.addWidget(value)
        grid.addWidget(frame, 0, column)
        return value

    def refresh(self) -> None:
        services, actor = self._services, self._actor
        run_op(self, lambda: load_dashboard(services, actor), self._show,
               busy_text=self.tr("Loading dashboard…"))
        if self.bank_enabled:
            run_op(self, lambda: load_bank_overview(services, actor), self._show_bank)

    def _show_bank(self, data: BankOverview) -> None:
        self.bank = data
        self.bank_panel.show_overview(data)

    def _show(self, data: DashboardData) -> None:
        self.data = data
        self.org_label.setText(data.org_name)
        self.uscc_label.setText(self.tr("Unified social credit code: {uscc}").replace("{uscc}", data.org_uscc)
                                if data.org_uscc else "")
        self.accounts_value.setText(f"{data.accounts:,}")
        self.payees_value.setText(f"{data.payees:,}")
        self.users_value.setText(f"{data.users:,}" if data.users is not None else "—")
        audit = data.audit
        if audit is None:
            self.audit_label.setText(self.tr("Audit log: only administrators and auditors can verify it."))
            self.audit_label.setProperty("status", "neutral")
        elif audit.ok:
            self.audit_label.setText(self.tr("Audit log intact: {n} entries verified.")
                                     .replace("{n}", f"{audit.entries_checked:,}"))
            self.audit_label.setProperty("status", "ok")
        else:
            self.audit_label.setText(self.tr("AUDIT LOG BROKEN at entry {seq}: {reason}")
                                     .replace("{seq}", str(audit.first_bad_seq))
                                     .replace("{reason}", audit.reason or ""))
            self.audit_label.setProperty("status", "bad")
        self.audit_label.style().unpolish(self.audit_label)
        self.audit_label.style().polish(self.audit_label)
