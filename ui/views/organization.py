"""The organization form (name and 统一社会信用代码); administrators save, others read."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.domain.errors import DomainError, Problem, ValidationFailed
from app.domain.master_data import Organization
from app.domain.users import Actor, Role
from app.services import Services
from ui.ops import Op, error_text, run_op
from ui.widgets.form import FieldForm


class OrganizationView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("organizationView")
        self._services = services
        self._actor = actor
        self.organization: Organization | None = None
        self.pending_op: Op | None = None
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Organization"), self)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.form = FieldForm(self)
        self.form.add_line("name", self.tr("Organization name"))
        self.form.add_line("uscc", self.tr("Unified social credit code"), placeholder=self.tr("18 characters"))
        self.form.submitted.connect(self.save)
        layout.addWidget(self.form)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.save_button = QPushButton(self.tr("Save"), self)
        self.save_button.setObjectName("saveButton")
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        self.status = QLabel("", self)
        self.status.setObjectName("saveStatus")
        layout.addWidget(self.status)
        layout.addStretch(1)
        editable = actor.has(Role.ADMIN)
        for key in self.form.keys():
            self.form.input(key).setEnabled(editable)
        self.save_button.setVisible(editable)

    def refresh(self) -> None:
        services, actor = self._services, self._actor
        run_op(self, lambda: services.master_data.get_organization(actor), self._show)

    def _show(self, org: Organization) -> None:
        self.organization = org
        self.form.set_values({"name": org.name, "uscc": org.uscc or ""})
        self.form.clear_problems()

    def values(self) -> dict:
        values = self.form.values()
        if not str(values["uscc"]).strip():
            values["uscc"] = None
        return values

    def save(self) -> None:
        if not self._actor.has(Role.ADMIN) or (self.pending_op is not None and not self.pending_op.finished):
            return
        values = self.values()
        self.form.clear_problems()
        self.status.clear()
        self.save_button.setEnabled(False)
        services, actor = self._services, self._actor
        self.pending_op = run_op(self, lambda: services.master_data.update_organization(actor, values),
                                 self._on_saved, self._on_failed,
                                 on_finally=lambda: self.save_button.setEnabled(True))

    def _on_saved(self, org: Organization) -> None:
        self._show(org)
        self.status.setText(self.tr("Saved."))

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationFailed):
            self.form.show_problems(exc.problems)
        elif isinstance(exc, DomainError) and exc.field in self.form.keys():
            self.form.show_problems([Problem(exc.code, exc.message, exc.field)])
        else:
            self.form.show_general([error_text(exc)])
