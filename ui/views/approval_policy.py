"""The approval policy (审批策略) in the administration area: the current version, its rules and tiers, the
password threshold and the duplicate window; administrators edit the tiers of a rule and save a new version
(services.approvals.save_policy, versioned and audited); others see it read-only. Every problem is shown
inline (the table row turns red and the message is listed under the table)."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.approval_policy import ApprovalPolicy, ApprovalRule
from app.domain.errors import Problem, ValidationFailed
from app.domain.money import format_amount
from app.domain.users import Actor, Role
from app.services import Services
from ui.ops import Op, error_text, run_op
from ui.problems import describe

COL_UP_TO, COL_APPROVERS, COL_ROLE = 0, 1, 2
_TIER_PATH = re.compile(r"^rules\[(\d+)\]\.tiers(?:\[(\d+)\])?")
_ERROR_BRUSH = QBrush(QColor("#f8d7da"))


def _minor_text(minor: int | None) -> str:
    return "" if minor is None else format_amount(minor).replace(",", "")


class ApprovalPolicyView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("approvalPolicyView")
        self._services = services
        self._actor = actor
        self.editable = actor.has(Role.ADMIN)
        self.policy: ApprovalPolicy | None = None
        self.rules: list[ApprovalRule] = []
        self._tier_rows: dict[int, list[list[str]]] = {}   # rule index → edited tier rows
        self._rule_index = 0
        self.pending_op: Op | None = None
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Approval policy"), self)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.version_label = QLabel("", self)
        self.version_label.setObjectName("policyVersion")
        layout.addWidget(self.version_label)

        rule_row = QHBoxLayout()
        rule_row.addWidget(QLabel(self.tr("Rule"), self))
        self.rule_box = QComboBox(self)
        self.rule_box.setObjectName("ruleBox")
        self.rule_box.currentIndexChanged.connect(self._select_rule)
        rule_row.addWidget(self.rule_box, 1)
        layout.addLayout(rule_row)

        self.tiers = QTableWidget(0, 3, self)
        self.tiers.setObjectName("tiersTable")
        self.tiers.setHorizontalHeaderLabels([self.tr("Up to (empty = any amount)"), self.tr("Approvers"),
                                              self.tr("Required role")])
        self.tiers.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        if not self.editable:
            self.tiers.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.tiers, 1)
        row_buttons = QHBoxLayout()
        self.add_row_button = QPushButton(self.tr("Add tier"), self)
        self.add_row_button.setObjectName("addTierButton")
        self.add_row_button.clicked.connect(self.add_tier)
        self.remove_row_button = QPushButton(self.tr("Remove tier"), self)
        self.remove_row_button.setObjectName("removeTierButton")
        self.remove_row_button.clicked.connect(self.remove_tier)
        row_buttons.addWidget(self.add_row_button)
        row_buttons.addWidget(self.remove_row_button)
        row_buttons.addStretch(1)
        layout.addLayout(row_buttons)

        form = QFormLayout()
        self.threshold = QLineEdit(self)
        self.threshold.setObjectName("passwordThreshold")
        self.window_days = QLineEdit(self)
        self.window_days.setObjectName("duplicateWindow")
        form.addRow(self.tr("Password re-entry above (amount)"), self.threshold)
        form.addRow(self.tr("Duplicate window (days)"), self.window_days)
        layout.addLayout(form)

        self.problems = QLabel("", self)
        self.problems.setObjectName("policyProblems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b00020;")
        layout.addWidget(self.problems)
        save_row = QHBoxLayout()
        self.status = QLabel("", self)
        self.status.setObjectName("saveStatus")
        save_row.addWidget(self.status, 1)
        self.save_button = QPushButton(self.tr("Save new version"), self)
        self.save_button.setObjectName("saveButton")
        self.save_button.clicked.connect(self.save)
        save_row.addWidget(self.save_button)
        layout.addLayout(save_row)

        layout.addWidget(QLabel(self.tr("Version history"), self))
        self.history = QListWidget(self)
        self.history.setObjectName("policyHistory")
        layout.addWidget(self.history, 1)

        for w in (self.add_row_button, self.remove_row_button, self.save_button):
            w.setVisible(self.editable)
        self.threshold.setReadOnly(not self.editable)
        self.window_days.setReadOnly(not self.editable)

    # -- loading ------------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        services, actor = self._services, self._actor
        run_op(self, lambda: services.approvals.list_policies(actor), self._show)

    def _show(self, policies: list[ApprovalPolicy]) -> None:
        policy = policies[0]
        self.policy = policy
        self.rules = list(policy.rules)
        self._tier_rows = {i: [[_minor_text(t.up_to_minor), str(t.approvers), t.required_role or ""]
                               for t in r.tiers] for i, r in enumerate(self.rules)}
        self.version_label.setText(self._version_text(policy))
        self.threshold.setText(_minor_text(policy.password_threshold_minor))
        self.window_days.setText(str(policy.duplicate_window_days))
        self.rule_box.blockSignals(True)
        self.rule_box.clear()
        for rule in self.rules:
            self.rule_box.addItem(self._rule_text(rule))
        self.rule_box.blockSignals(False)
        self._rule_index = 0
        self._load_tiers(0)
        self.history.clear()
        for p in policies:
            self.history.addItem(self._version_text(p))

    def _version_text(self, policy: ApprovalPolicy) -> str:
        if policy.version == 0:
            return self.tr("Version 0 (built-in default, never saved)")
        at = policy.created_at.strftime("%Y-%m-%d %H:%M UTC") if policy.created_at else ""
        return self.tr("Version %1, saved by %2 at %3").replace("%1", str(policy.version)) \
            .replace("%2", policy.created_by or "").replace("%3", at)

    def _rule_text(self, rule: ApprovalRule) -> str:
        account = self.tr("any account") if rule.debit_account_id is None else \
            self.tr("account #%1").replace("%1", str(rule.debit_account_id))
        ptype = {None: self.tr("any payment type"), "normal": self.tr("normal payments"),
                 "urgent": self.tr("urgent payments")}.get(rule.payment_type, rule.payment_type or "")
        return f"{account} · {ptype}"

    # -- tiers table --------------------------------------------------------------------------------------------
    def _load_tiers(self, index: int) -> None:
        self.tiers.setRowCount(0)
        for row in self._tier_rows.get(index, []):
            self._append_row(row)

    def _append_row(self, values: list[str]) -> None:
        r = self.tiers.rowCount()
        self.tiers.insertRow(r)
        for c, value in enumerate(values):
            self.tiers.setItem(r, c, QTableWidgetItem(value))

    def _table_rows(self) -> list[list[str]]:
        rows = []
        for r in range(self.tiers.rowCount()):
            rows.append([(self.tiers.item(r, c).text() if self.tiers.item(r, c) else "").strip()
                         for c in range(3)])
        return rows

    def _select_rule(self, index: int) -> None:
        if index < 0:
            return
        self._tier_rows[self._rule_index] = self._table_rows()
        self._rule_index = index
        self._load_tiers(index)

    def add_tier(self) -> None:
        if self.editable:
            self._append_row(["", "1", ""])

    def remove_tier(self) -> None:
        if not self.editable:
            return
        row = self.tiers.currentRow()
        self.tiers.removeRow(row if row >= 0 else self.tiers.rowCount() - 1)

    def set_cell(self, row: int, column: int, text: str) -> None:
        """Type into one cell (as the user would)."""
        item = self.tiers.item(row, column)
        if item is None:
            self.tiers.setItem(row, column, QTableWidgetItem(text))
        else:
            item.setText(text)

    # -- saving -------------------------------------------------------------------------------------------------
    def fields(self) -> dict:
        self._tier_rows[self._rule_index] = self._table_rows()
        rules = []
        for i, rule in enumerate(self.rules):
            tiers = [{"up_to": up_to or None, "approvers": approvers, "required_role": role or None}
                     for up_to, approvers, role in self._tier_rows.get(i, [])]
            rules.append({"debit_account_id": rule.debit_account_id, "payment_type": rule.payment_type,
                          "tiers": tiers})
        return {"rules": rules, "password_threshold": self.threshold.text().strip(),
                "duplicate_window_days": self.window_days.text().strip()}

    def save(self) -> None:
        if not self.editable or (self.pending_op is not None and not self.pending_op.finished):
            return
        fields = self.fields()
        self._clear_problems()
        self.status.clear()
        self.save_button.setEnabled(False)
        services, actor = self._services, self._actor
        self.pending_op = run_op(self, lambda: services.approvals.save_policy(actor, fields),
                                 self._on_saved, self._on_failed,
                                 on_finally=lambda: self.save_button.setEnabled(True))

    def _on_saved(self, policy: ApprovalPolicy) -> None:
        self.status.setText(self.tr("Saved as version %1.").replace("%1", str(policy.version)))
        self.refresh()

    def _clear_problems(self) -> None:
        self.problems.clear()
        for r in range(self.tiers.rowCount()):
            for c in range(3):
                item = self.tiers.item(r, c)
                if item is not None:
                    item.setBackground(QBrush())
                    item.setToolTip("")

    def _where(self, problem: Problem) -> str:
        path = problem.field or ""
        m = _TIER_PATH.match(path)
        if m is None:
            labels = {"password_threshold": self.tr("Password re-entry above (amount)"),
                      "duplicate_window_days": self.tr("Duplicate window (days)")}
            return labels.get(path, path)
        rule = int(m.group(1))
        where = self.rule_box.itemText(rule) if rule < self.rule_box.count() else path
        if m.group(2) is not None:
            row = int(m.group(2))
            where += " · " + self.tr("tier %1").replace("%1", str(row + 1))
            if rule == self._rule_index and row < self.tiers.rowCount():
                for c in range(3):
                    item = self.tiers.item(row, c)
                    if item is not None:
                        item.setBackground(_ERROR_BRUSH)
                        item.setToolTip(problem.message)
        return where

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationFailed):
            lines = []
            for p in exc.problems:
                text = describe(p)
                detail = f" ({p.message})" if text != p.message else ""
                lines.append(f"{self._where(p)}: {text}{detail}")
            self.problems.setText("\n".join(lines))
        else:
            self.problems.setText(error_text(exc))

    def problem_text(self) -> str:
        return self.problems.text()

    def cell_is_flagged(self, row: int, column: int = COL_APPROVERS) -> bool:
        item = self.tiers.item(row, column)
        return item is not None and item.background().color() == _ERROR_BRUSH.color() \
            and item.background().style() != Qt.BrushStyle.NoBrush
