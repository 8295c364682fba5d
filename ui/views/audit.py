"""Audit log (审计日志): entries in the order the service returns them, lazily paged, with the chain check."""

from __future__ import annotations

import json
from collections.abc import Sequence

from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from app.domain.audit import AuditEntry, AuditVerification
from app.domain.users import Actor, Role
from app.services import Services
from ui.models.lazy_table import Column, LazyTableModel
from ui.ops import run_op


class AuditView(QWidget):
    """Rows are addressed by offset: ids are ``range(count)``; a page is one ``entries(offset, limit)`` call."""

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("auditView")
        self._services = services
        self._actor = actor
        self.allowed = actor.has(Role.ADMIN) or actor.has(Role.AUDITOR)
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Audit log"), self)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        bar = QHBoxLayout()
        self.status = QLabel("", self)
        self.status.setObjectName("auditStatusLabel")
        self.status.setWordWrap(True)
        bar.addWidget(self.status, 1)
        self.verify_button = QPushButton(self.tr("Verify chain"), self)
        self.verify_button.setObjectName("verifyButton")
        self.verify_button.setEnabled(self.allowed)
        self.verify_button.clicked.connect(self.verify)
        bar.addWidget(self.verify_button)
        layout.addLayout(bar)
        audit = services.audit

        def fetch(offsets: Sequence[int]) -> list[AuditEntry]:
            return audit.entries(actor, offset=offsets[0], limit=len(offsets))

        self.model = LazyTableModel([
            Column("seq", self.tr("No."), lambda e: e.seq, numeric=True),
            Column("at", self.tr("Time (UTC)"), lambda e: e.at.strftime("%Y-%m-%d %H:%M:%S")),
            Column("actor", self.tr("User"), lambda e: e.actor),
            Column("action", self.tr("Action"), lambda e: e.action),
            Column("object", self.tr("Object"), lambda e: f"{e.object_type or ''} {e.object_id or ''}".strip()),
            Column("payload", self.tr("Details"), lambda e: json.dumps(e.payload, ensure_ascii=False)
                   if e.payload else ""),
        ], fetch=fetch, runner=lambda fn, ok: run_op(self, fn, ok), parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("auditTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((70, 160, 110, 190, 130)):
            self.table.horizontalHeader().resizeSection(column, width)
        layout.addWidget(self.table)

    def refresh(self) -> None:
        if not self.allowed:
            self.status.setText(self.tr("Only administrators and auditors can read the audit log."))
            return
        services, actor = self._services, self._actor
        run_op(self, lambda: services.audit.count(actor), lambda n: self.model.set_ids(range(n)))
        self.verify()

    def verify(self) -> None:
        services, actor = self._services, self._actor
        run_op(self, lambda: services.audit.verify(actor), self._show_verification,
               busy_text=self.tr("Verifying the audit chain…"))

    def _show_verification(self, result: AuditVerification) -> None:
        if result.ok:
            self.status.setText(self.tr("Chain intact: {n} entries verified.")
                                .replace("{n}", f"{result.entries_checked:,}"))
            self.status.setProperty("status", "ok")
        else:
            self.status.setText(self.tr("CHAIN BROKEN at entry {seq}: {reason}")
                                .replace("{seq}", str(result.first_bad_seq)).replace("{reason}", result.reason or ""))
            self.status.setProperty("status", "bad")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
