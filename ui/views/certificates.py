"""Certificate inventory (证书清单): every certificate of every profile, its expiry and days left, coloured
by level (60 / 30 / 7 days, expired)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from app.domain.users import Actor
from app.services import Services
from ui.banking_text import LEVEL_BACKGROUNDS, cert_kind, level_text, local_time, urgent_first
from ui.models.lazy_table import Column
from ui.models.rows_table import RowsTableModel
from ui.ops import run_op


class CertificatesView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("certificatesView")
        self._services = services
        self._actor = actor
        layout = QVBoxLayout(self)
        self.summary = QLabel("", self)
        self.summary.setObjectName("certSummaryLabel")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        background = lambda c: LEVEL_BACKGROUNDS.get(c.level)  # noqa: E731
        self.model = RowsTableModel([
            Column("profile_name", self.tr("Profile"), lambda c: c.profile_name, background=background),
            Column("kind", self.tr("Certificate"), lambda c: cert_kind(c.kind), background=background),
            Column("not_after", self.tr("Valid until"), lambda c: local_time(c.not_after), numeric=True,
                   background=background),
            Column("days_left", self.tr("Days left"), lambda c: f"{c.days_left:,}", numeric=True,
                   background=background),
            Column("level", self.tr("State"), lambda c: level_text(c.level), background=background),
            Column("subject", self.tr("Subject"), lambda c: c.subject, background=background),
            Column("issuer", self.tr("Issuer"), lambda c: c.issuer, background=background),
        ], parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("certificatesTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        layout.addWidget(self.table)

    def refresh(self) -> None:
        services, actor = self._services, self._actor
        run_op(self, lambda: urgent_first(services.profiles.certificates(actor)), self._show)

    def _show(self, certs: list[Any]) -> None:
        self.model.set_rows(certs)
        self.table.resizeColumnsToContents()
        urgent = [c for c in certs if c.level != "ok"]
        if not certs:
            self.summary.setText(self.tr("No certificates yet: import them in a connection profile."))
            self.summary.setProperty("status", "neutral")
        elif urgent:
            self.summary.setText(self.tr("{n} of {total} certificates expire within 60 days or have expired.")
                                 .replace("{n}", str(len(urgent))).replace("{total}", str(len(certs))))
            self.summary.setProperty("status", "bad")
        else:
            self.summary.setText(self.tr("All {total} certificates are valid for more than 60 days.")
                                 .replace("{total}", str(len(certs))))
            self.summary.setProperty("status", "ok")
        self.summary.style().unpolish(self.summary)
        self.summary.style().polish(self.summary)
