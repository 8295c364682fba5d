"""The approval policy (审批策略) in the administration area.

Administrators edit the whole policy and save it as a new version (services.approvals.save_policy, versioned and
audited); everybody else sees it read-only. The rules are listed most specific first — the order in which
ApprovalPolicy.requirement picks one (account + type, then account, then type, then the catch-all). "Add rule"
asks for a scope (a debit account or any, a payment type or any) and starts the rule with a copy of the
catch-all rule's tiers; any rule but the catch-all can be removed. Each problem the service reports is shown
next to what it belongs to: the rule is marked in the list, the tier row turns red with the message as tooltip
and under the table, the threshold and window show theirs under the field; nothing is saved while any remains.
Unsaved edits survive a refresh, and discarding them (button or closing the window) asks first. Ctrl+S saves,
Enter in the threshold or window field saves, Delete in the rule list removes the selected rule.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.approval_policy import MAX_APPROVERS, ApprovalPolicy, ApprovalRule
from app.domain.errors import Problem, ValidationFailed
from app.domain.master_data import BankAccount
from app.domain.money import AMOUNT_PATTERN, format_amount, parse_amount
from app.domain.users import Actor, Role
from app.services import Services
from ui.dialogs.approval_rule_dialog import ApprovalRuleDialog, Scope, account_scope_label, payment_type_label
from ui.ops import Op, error_text, run_op
from ui.problems import describe
from ui.widgets.form import ERROR_STYLE, WARNING_STYLE
from ui.widgets.roles import role_name

COL_UP_TO, COL_APPROVERS, COL_ROLE = 0, 1, 2
RULE_COL_ACCOUNT, RULE_COL_TYPE, RULE_COL_TIERS = 0, 1, 2
_COLUMNS = 3
_RULE_PATH = re.compile(r"^rules\[(\d+)\](?:\.tiers(?:\[(\d+)\](?:\.(up_to|approvers|required_role))?)?)?")
_TIER_COLUMN = {"up_to": COL_UP_TO, "approvers": COL_APPROVERS, "required_role": COL_ROLE}
_PLAIN_AMOUNT = re.compile(AMOUNT_PATTERN, re.ASCII)
_ERROR_BRUSH = QBrush(QColor("#f8d7da"))
_TYPE_ORDER = {None: 0, "normal": 1, "urgent": 2}


def _minor_text(minor: int | None) -> str:
    """Minor units as the text an administrator types (no separators: the strict money parser reads it)."""
    return "" if minor is None else format_amount(minor).replace(",", "")


def _grouped(text: str) -> str:
    """``1000000.00`` → ``1,000,000.00`` for display; anything that is not a plain amount is shown as typed."""
    if not _PLAIN_AMOUNT.fullmatch(text):
        return text
    return format_amount(parse_amount(text, max_minor=None).amount_minor)


def _role_text(value: str) -> str:
    try:
        return role_name(Role(value))
    except ValueError:
        return value


@dataclass
class RuleState:
    """One rule as edited: its scope and its tier rows as typed ([up_to, approvers, role value])."""

    debit_account_id: int | None
    payment_type: str | None
    rows: list[list[str]]
    problems: list[tuple[int | None, int | None, str]] = field(default_factory=list)  # (tier row, column, text)

    @classmethod
    def of(cls, rule: ApprovalRule) -> RuleState:
        return cls(rule.debit_account_id, rule.payment_type,
                   [[_minor_text(t.up_to_minor), str(t.approvers), t.required_role or ""] for t in rule.tiers])

    @property
    def scope(self) -> Scope:
        return (self.debit_account_id, self.payment_type)

    @property
    def is_catch_all(self) -> bool:
        return self.debit_account_id is None and self.payment_type is None

    def specificity(self) -> int:
        return ApprovalRule((), self.debit_account_id, self.payment_type).specificity()

    def to_fields(self) -> dict:
        return {"debit_account_id": self.debit_account_id, "payment_type": self.payment_type,
                "tiers": [{"up_to": up_to or None, "approvers": approvers, "required_role": role or None}
                          for up_to, approvers, role in self.rows]}


# -- cell delegates -----------------------------------------------------------------------------------------------
class UpToDelegate(QStyledItemDelegate):
    """Right-aligned amounts with thousands separators; the editor shows the plain text the parser reads."""

    def displayText(self, value, locale) -> str:
        text = str(value or "")
        return _grouped(text) if text else self.tr("no upper limit")

    def initStyleOption(self, option: QStyleOptionViewItem, index) -> None:
        super().initStyleOption(option, index)
        option.displayAlignment = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if not index.data():
            option.palette.setColor(option.palette.ColorRole.Text, QColor("#757575"))

    def createEditor(self, parent, option, index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        editor.setPlaceholderText(self.tr("empty = no upper limit"))
        return editor


class ApproversDelegate(QStyledItemDelegate):
    def initStyleOption(self, option: QStyleOptionViewItem, index) -> None:
        super().initStyleOption(option, index)
        option.displayAlignment = Qt.AlignmentFlag.AlignCenter

    def createEditor(self, parent, option, index) -> QWidget:
        editor = QSpinBox(parent)
        editor.setRange(1, MAX_APPROVERS)
        editor.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return editor

    def setEditorData(self, editor: QWidget, index) -> None:
        text = str(index.data() or "")
        editor.setValue(int(text) if text.isascii() and text.isdigit() else 1)  # type: ignore[attr-defined]

    def setModelData(self, editor: QWidget, model, index) -> None:
        editor.interpretText()  # type: ignore[attr-defined]
        model.setData(index, str(editor.value()))  # type: ignore[attr-defined]


class RoleDelegate(QStyledItemDelegate):
    """The named role one of the approvers must hold: none or one of the roles, shown by its translated name."""

    def displayText(self, value, locale) -> str:
        text = str(value or "")
        return _role_text(text) if text else self.tr("(none)")

    def createEditor(self, parent, option, index) -> QWidget:
        box = QComboBox(parent)
        box.addItem(self.tr("(none)"), "")
        for role in Role:
            box.addItem(role_name(role), role.value)
        return box

    def setEditorData(self, editor: QWidget, index) -> None:
        found = editor.findData(str(index.data() or ""))  # type: ignore[attr-defined]
        editor.setCurrentIndex(max(0, found))  # type: ignore[attr-defined]

    def setModelData(self, editor: QWidget, model, index) -> None:
        model.setData(index, editor.currentData() or "")  # type: ignore[attr-defined]


class TierTable(QTableWidget):
    """Tab moves cell by cell, and out of the table after the last cell (before the first with Shift+Tab)
    instead of wrapping around; Enter on a cell starts editing it, Enter in the editor commits."""

    def focusNextPrevChild(self, forward: bool) -> bool:
        index = self.currentIndex()
        last = index.row() == self.rowCount() - 1 and index.column() == self.columnCount() - 1
        first = index.row() == 0 and index.column() == 0
        if self.state() != QAbstractItemView.State.EditingState and (not index.isValid()
                                                                     or (forward and last) or (not forward and first)):
            return QWidget.focusNextPrevChild(self, forward)
        return super().focusNextPrevChild(forward)

    def keyPressEvent(self, event) -> None:
        if (event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid()
                and self.state() != QAbstractItemView.State.EditingState
                and self.edit(self.currentIndex(), QAbstractItemView.EditTrigger.EditKeyPressed, event)):
            return
        super().keyPressEvent(event)


class ApprovalPolicyView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("approvalPolicyView")
        self._services = services
        self._actor = actor
        self.editable = actor.has(Role.ADMIN)
        self.policy: ApprovalPolicy | None = None          # the version the edits start from
        self.policies: list[ApprovalPolicy] = []
        self.accounts: dict[int, BankAccount] = {}
        self.rules: list[RuleState] = []                   # most specific first
        self._current = -1
        self._clean: dict | None = None                    # fields() as loaded (unsaved-changes check)
        self._loading = False
        self._field_problems: dict[str, list[str]] = {}
        self._guarded_window: QWidget | None = None
        self.pending_op: Op | None = None
        self.rule_dialog: ApprovalRuleDialog | None = None

        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Approval policy"), self)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.version_label = QLabel("", self)
        self.version_label.setObjectName("policyVersion")
        layout.addWidget(self.version_label)
        hint = QLabel(self.tr("A payment follows the most specific rule that matches it: account and type, then "
                              "account, then type, then the catch-all rule. Inside the rule, the first tier whose "
                              "amount limit covers the payment sets how many approvers it needs."), self)
        hint.setObjectName("policyHint")
        hint.setWordWrap(True)
        layout.addWidget(hint)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._build_rules_pane(splitter))
        splitter.addWidget(self._build_tiers_pane(splitter))
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 3)
        self._build_fields(layout)
        self._build_footer(layout)
        for w in (self.add_rule_button, self.remove_rule_button, self.add_row_button, self.remove_row_button,
                  self.save_button, self.discard_button):
            w.setVisible(self.editable)
        self.threshold.setReadOnly(not self.editable)
        self.window_days.setReadOnly(not self.editable)
        for w in (self.add_rule_button, self.remove_rule_button, self.add_row_button, self.remove_row_button):
            w.setEnabled(False)                       # until the policy is loaded
        self._wire_keyboard()

    # -- building -----------------------------------------------------------------------------------------------
    def _build_rules_pane(self, splitter: QSplitter) -> QWidget:
        left = QWidget(splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        rules_caption = QLabel(self.tr("Rules (most specific first)"), left)
        left_layout.addWidget(rules_caption)
        self.rules_table = QTableWidget(0, 3, left)
        self.rules_table.setObjectName("rulesTable")
        self.rules_table.setHorizontalHeaderLabels([self.tr("Debit account"), self.tr("Payment type"),
                                                    self.tr("Amount tiers: approvers")])
        rules_header = self.rules_table.horizontalHeader()
        rules_header.setSectionResizeMode(RULE_COL_ACCOUNT, QHeaderView.ResizeMode.Stretch)
        rules_header.setSectionResizeMode(RULE_COL_TYPE, QHeaderView.ResizeMode.ResizeToContents)
        rules_header.setSectionResizeMode(RULE_COL_TIERS, QHeaderView.ResizeMode.ResizeToContents)
        self.rules_table.verticalHeader().hide()
        self.rules_table.setWordWrap(True)
        self.rules_table.setAlternatingRowColors(True)
        self.rules_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.rules_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rules_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.rules_table.setTabKeyNavigation(False)
        self.rules_table.currentCellChanged.connect(self._on_rules_table_current_cell_changed)
        self.rules_table.itemActivated.connect(self._on_rules_table_item_activated)
        rules_caption.setBuddy(self.rules_table)
        left_layout.addWidget(self.rules_table, 1)
        rule_buttons = QHBoxLayout()
        self.add_rule_button = QPushButton(self.tr("Add rule…"), left)
        self.add_rule_button.setObjectName("addRuleButton")
        self.add_rule_button.clicked.connect(self.add_rule)
        self.remove_rule_button = QPushButton(self.tr("Remove rule"), left)
        self.remove_rule_button.setObjectName("removeRuleButton")
        self.remove_rule_button.clicked.connect(self.remove_rule)
        rule_buttons.addWidget(self.add_rule_button)
        rule_buttons.addWidget(self.remove_rule_button)
        rule_buttons.addStretch(1)
        left_layout.addLayout(rule_buttons)
        return left

    def _build_tiers_pane(self, splitter: QSplitter) -> QWidget:
        right = QWidget(splitter)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.rule_title = QLabel("", right)
        self.rule_title.setObjectName("ruleTitle")
        self.rule_title.setStyleSheet("font-weight: bold;")
        self.rule_title.setWordWrap(True)
        right_layout.addWidget(self.rule_title)
        self.tiers = TierTable(0, _COLUMNS, right)
        self.tiers.setObjectName("tiersTable")
        self.tiers.setHorizontalHeaderLabels([self.tr("Up to (empty = any amount)"), self.tr("Approvers"),
                                              self.tr("Required role")])
        header = self.tiers.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tiers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tiers.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._delegates = (UpToDelegate(self.tiers), ApproversDelegate(self.tiers), RoleDelegate(self.tiers))
        for column, delegate in enumerate(self._delegates):
            self.tiers.setItemDelegateForColumn(column, delegate)
        if not self.editable:
            self.tiers.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.tiers.itemChanged.connect(self._on_tiers_item_changed)
        right_layout.addWidget(self.tiers, 1)
        tier_buttons = QHBoxLayout()
        self.add_row_button = QPushButton(self.tr("Add tier"), right)
        self.add_row_button.setObjectName("addTierButton")
        self.add_row_button.clicked.connect(self.add_tier)
        self.remove_row_button = QPushButton(self.tr("Remove tier"), right)
        self.remove_row_button.setObjectName("removeTierButton")
        self.remove_row_button.clicked.connect(self.remove_tier)
        tier_buttons.addWidget(self.add_row_button)
        tier_buttons.addWidget(self.remove_row_button)
        tier_buttons.addStretch(1)
        right_layout.addLayout(tier_buttons)
        self.rule_problems = QLabel("", right)
        self.rule_problems.setObjectName("ruleProblems")
        self.rule_problems.setWordWrap(True)
        self.rule_problems.setStyleSheet(ERROR_STYLE)
        self.rule_problems.hide()
        right_layout.addWidget(self.rule_problems)
        return right

    def _build_fields(self, layout: QVBoxLayout) -> None:
        form = QFormLayout()
        self.threshold = QLineEdit(self)
        self.threshold.setObjectName("passwordThreshold")
        self.threshold.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.threshold.setPlaceholderText(self.tr("e.g. 100000.00"))
        self.threshold_error = self._error_label("thresholdError")
        self.window_days = QLineEdit(self)
        self.window_days.setObjectName("duplicateWindow")
        self.window_days.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.window_error = self._error_label("windowError")
        form.addRow(self.tr("Password re-entry above (amount)"), self.threshold)
        form.addRow("", self.threshold_error)
        form.addRow(self.tr("Duplicate window (days)"), self.window_days)
        form.addRow("", self.window_error)
        for edit in (self.threshold, self.window_days):
            edit.setMaximumWidth(220)
            edit.textChanged.connect(self._on_field_text_changed)
            edit.returnPressed.connect(self.save)
        layout.addLayout(form)

    def _build_footer(self, layout: QVBoxLayout) -> None:
        self.problems = QLabel("", self)
        self.problems.setObjectName("policyProblems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.problems)
        save_row = QHBoxLayout()
        self.unsaved_label = QLabel(self.tr("Unsaved changes"), self)
        self.unsaved_label.setObjectName("unsavedLabel")
        self.unsaved_label.setStyleSheet(WARNING_STYLE)
        self.unsaved_label.hide()
        save_row.addWidget(self.unsaved_label)
        self.status = QLabel("", self)
        self.status.setObjectName("saveStatus")
        self.status.setWordWrap(True)
        save_row.addWidget(self.status, 1)
        self.discard_button = QPushButton(self.tr("Discard changes"), self)
        self.discard_button.setObjectName("discardButton")
        self.discard_button.clicked.connect(self.discard_changes)
        save_row.addWidget(self.discard_button)
        self.save_button = QPushButton(self.tr("Save new version"), self)
        self.save_button.setObjectName("saveButton")
        self.save_button.setToolTip(self.tr("Save the policy as a new version (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        save_row.addWidget(self.save_button)
        layout.addLayout(save_row)

        history_caption = QLabel(self.tr("Version history"), self)
        layout.addWidget(history_caption)
        self.history = QTableWidget(0, 3, self)
        self.history.setObjectName("policyHistory")
        self.history.setHorizontalHeaderLabels([self.tr("Version"), self.tr("Saved by"), self.tr("Saved at (UTC)")])
        self.history.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.history.verticalHeader().hide()
        self.history.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.setMaximumHeight(150)
        history_caption.setBuddy(self.history)
        layout.addWidget(self.history, 1)

    def _wire_keyboard(self) -> None:
        self.save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        self.save_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.save_shortcut.activated.connect(self.save)
        self.remove_rule_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.rules_table)
        self.remove_rule_shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        self.remove_rule_shortcut.activated.connect(self.remove_rule)
        QWidget.setTabOrder(self.rules_table, self.add_rule_button)
        QWidget.setTabOrder(self.add_rule_button, self.remove_rule_button)
        QWidget.setTabOrder(self.remove_rule_button, self.tiers)
        QWidget.setTabOrder(self.tiers, self.add_row_button)
        QWidget.setTabOrder(self.add_row_button, self.remove_row_button)
        QWidget.setTabOrder(self.remove_row_button, self.threshold)
        QWidget.setTabOrder(self.threshold, self.window_days)
        QWidget.setTabOrder(self.window_days, self.discard_button)
        QWidget.setTabOrder(self.discard_button, self.save_button)
        QWidget.setTabOrder(self.save_button, self.history)

    def _error_label(self, name: str) -> QLabel:
        label = QLabel("", self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setStyleSheet(ERROR_STYLE)
        label.hide()
        return label

    # -- loading ------------------------------------------------------------------------------------------------
    def refresh(self, *, force: bool = False) -> None:
        """Reload the versions and accounts. Unsaved edits are kept unless ``force`` (after a save or discard)."""
        services, actor = self._services, self._actor
        run_op(self, lambda: (services.approvals.list_policies(actor),
                              services.master_data.list_accounts(actor, include_inactive=True)),
               lambda result: self._show(*result, force=force))

    def _show(self, policies: list[ApprovalPolicy], accounts: list[BankAccount], *, force: bool = False) -> None:
        self.policies = list(policies)
        self.accounts = {a.id: a for a in accounts}
        self._show_history()
        latest = self.policies[0]
        if self.has_unsaved_changes() and not force:
            if self.policy is not None and latest.version != self.policy.version:
                self.status.setText(self.tr("Version %1 was saved meanwhile; your unsaved edits start from version "
                                            "%2.").replace("%1", str(latest.version))
                                    .replace("%2", str(self.policy.version)))
            self._refresh_rule_items()
            return
        self._load(latest)

    def _load(self, policy: ApprovalPolicy) -> None:
        self._current = -1
        self.policy = policy
        self.version_label.setText(self._version_text(policy))
        self.rules = [RuleState.of(rule) for rule in policy.rules]
        self._field_problems = {}
        self._loading = True
        self.threshold.setText(_minor_text(policy.password_threshold_minor))
        self.window_days.setText(str(policy.duplicate_window_days))
        self._loading = False
        self._sort_rules()
        self._rebuild_rule_list(0)
        self._clean = self.fields()
        self._show_problems()
        self._update_dirty()
        self.add_rule_button.setEnabled(self.editable)

    def _version_text(self, policy: ApprovalPolicy) -> str:
        if policy.version == 0:
            return self.tr("Version 0 (built-in default, never saved)")
        return self.tr("Version %1, saved by %2 at %3").replace("%1", str(policy.version)) \
            .replace("%2", policy.created_by or "").replace("%3", self._when(policy))

    @staticmethod
    def _when(policy: ApprovalPolicy) -> str:
        return policy.created_at.strftime("%Y-%m-%d %H:%M UTC") if policy.created_at else ""

    def _show_history(self) -> None:
        self.history.setRowCount(0)
        for p in self.policies:
            row = self.history.rowCount()
            self.history.insertRow(row)
            by = p.created_by or "—"
            at = p.created_at.strftime("%Y-%m-%d %H:%M") if p.created_at else self.tr("built-in default")
            for column, text in enumerate((str(p.version), by, at)):
                item = QTableWidgetItem(text)
                if column == 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.history.setItem(row, column, item)

    # -- rules --------------------------------------------------------------------------------------------------
    def account_text(self, account_id: int | None) -> str:
        if account_id is None:
            return self.tr("Any account")
        account = self.accounts.get(account_id)
        if account is None:
            return self.tr("Account #%1 (not found)").replace("%1", str(account_id))
        text = account_scope_label(account)
        return text if account.is_active else text + " " + self.tr("(deactivated)")

    def scope_text(self, rule: RuleState) -> str:
        if rule.is_catch_all:
            return self.tr("Any account · any payment type (catch-all)")
        return f"{self.account_text(rule.debit_account_id)} · {payment_type_label(rule.payment_type)}"

    def tiers_summary(self, rule: RuleState) -> str:
        """One line per tier: "≤ 49,999.99: 1", ..., "above: 3 (Administrator)"."""
        parts = []
        for up_to, approvers, role in rule.rows:
            bound = f"≤ {_grouped(up_to)}" if up_to else self.tr("above")
            text = f"{bound}: {approvers}"
            if role:
                text += f" ({_role_text(role)})"
            parts.append(text)
        return "\n".join(parts)

    def _sort_key(self, rule: RuleState) -> tuple:
        account = "" if rule.debit_account_id is None else self.account_text(rule.debit_account_id)
        return (-rule.specificity(), account, rule.debit_account_id or 0, _TYPE_ORDER.get(rule.payment_type, 9))

    def _sort_rules(self) -> None:
        self.rules.sort(key=self._sort_key)

    def _rebuild_rule_list(self, select: int) -> None:
        self._current = -1
        self.rules_table.blockSignals(True)
        self.rules_table.setRowCount(0)
        self.rules_table.setRowCount(len(self.rules))
        for r in range(len(self.rules)):
            for c in range(3):
                self.rules_table.setItem(r, c, QTableWidgetItem())
        self.rules_table.blockSignals(False)
        self._refresh_rule_items()
        if self.rules:
            self.rules_table.setCurrentCell(max(0, min(select, len(self.rules) - 1)), RULE_COL_ACCOUNT)

    def _refresh_rule_items(self) -> None:
        for i, rule in enumerate(self.rules):
            self._refresh_rule_row(i, rule)
        self.rules_table.resizeRowsToContents()

    def _refresh_rule_row(self, row: int, rule: RuleState) -> None:
        items = [self.rules_table.item(row, c) for c in range(3)]
        if None in items:
            return
        account, ptype, tiers = items
        account.setText(self.tr("Any account (catch-all)") if rule.is_catch_all
                        else self.account_text(rule.debit_account_id))
        ptype.setText({None: self.tr("Any type"), "normal": self.tr("Normal"),
                       "urgent": self.tr("Urgent")}.get(rule.payment_type, rule.payment_type or ""))
        tiers.setText(self.tiers_summary(rule))
        account.setData(Qt.ItemDataRole.UserRole, rule.scope)
        tip = "\n".join(text for _r, _c, text in rule.problems)
        for item in items:          # a problem: red row, a warning sign (visible when selected) and the messages
            item.setBackground(_ERROR_BRUSH if rule.problems else QBrush())
            item.setToolTip(tip)
        account.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning) if rule.problems
                        else QIcon())

    def rule_row_text(self, row: int) -> str:
        """What the rule table shows for one rule: "account · type" then the tiers, one a line."""
        cells = [self.rules_table.item(row, c).text() for c in range(3)]
        return f"{cells[0]} · {cells[1]}\n{cells[2]}"

    def rule_index(self, debit_account_id: int | None, payment_type: str | None) -> int:
        """Row of the rule with this scope in the list (-1 when there is none)."""
        for i, rule in enumerate(self.rules):
            if rule.scope == (debit_account_id, payment_type):
                return i
        return -1

    def select_rule(self, index: int) -> None:
        self.rules_table.setCurrentCell(index, RULE_COL_ACCOUNT)

    def current_rule(self) -> RuleState | None:
        return self.rules[self._current] if 0 <= self._current < len(self.rules) else None

    def _on_rules_table_current_cell_changed(self, row: int, _column: int, previous_row: int, _pc: int) -> None:
        if row == previous_row and row == self._current:
            return
        self._current = row
        rule = self.current_rule()
        self._load_tiers()
        self.rule_title.setText(self.tr("Tiers of: %1").replace("%1", self.scope_text(rule)) if rule else "")
        can_remove = self.editable and rule is not None and not rule.is_catch_all
        self.remove_rule_button.setEnabled(can_remove)
        if rule is not None and rule.is_catch_all:
            self.remove_rule_button.setToolTip(self.tr(
                "The catch-all rule (any account, any payment type) cannot be removed: it covers every payment "
                "no other rule matches."))
        else:
            self.remove_rule_button.setToolTip(self.tr("Remove the selected rule (Delete)"))
        self.add_row_button.setEnabled(self.editable and rule is not None)

    def _on_rules_table_item_activated(self, _item: QTableWidgetItem) -> None:
        self.tiers.setFocus()
        if self.tiers.rowCount() and self.tiers.currentRow() < 0:
            self.tiers.setCurrentCell(0, COL_UP_TO)

    def add_rule(self) -> ApprovalRuleDialog | None:
        """Ask for the new rule's scope (non-blocking); on OK the rule is added with the catch-all's tiers."""
        if not self.editable or self.policy is None:
            return None
        accounts = sorted(self.accounts.values(), key=lambda a: a.id)
        dialog = ApprovalRuleDialog(accounts, [r.scope for r in self.rules], self)
        dialog.accepted.connect(lambda d=dialog: self.insert_rule(*d.scope()))
        dialog.finished.connect(dialog.deleteLater)
        self.rule_dialog = dialog
        dialog.open()
        return dialog

    def insert_rule(self, debit_account_id: int | None, payment_type: str | None) -> bool:
        """Add a rule for this scope, starting with a copy of the catch-all rule's tiers (as edited so far)."""
        if not self.editable or self.rule_index(debit_account_id, payment_type) >= 0:
            return False
        self._sync_current_silently()
        catch_all = next((r for r in self.rules if r.is_catch_all), None)
        rows = copy.deepcopy(catch_all.rows) if catch_all is not None else [["", "1", ""]]
        rule = RuleState(debit_account_id, payment_type, rows)
        self.rules.append(rule)
        self._sort_rules()
        self._rebuild_rule_list(self.rules.index(rule))
        self._update_dirty()
        self.status.setText(self.tr("Rule added: %1. Edit its tiers, then save.").replace("%1",
                                                                                            self.scope_text(rule)))
        return True

    def remove_rule(self) -> bool:
        rule = self.current_rule()
        if not self.editable or rule is None or rule.is_catch_all:
            return False
        self._sync_current_silently()
        index = self._current
        self._current = -1
        self.rules.remove(rule)
        self._rebuild_rule_list(min(index, len(self.rules) - 1))
        self._update_dirty()
        self.status.setText(self.tr("Rule removed: %1 (not saved yet).").replace("%1", self.scope_text(rule)))
        return True

    # -- tiers table --------------------------------------------------------------------------------------------
    def _load_tiers(self) -> None:
        rule = self.current_rule()
        self._loading = True
        self.tiers.setRowCount(0)
        for values in (rule.rows if rule else []):
            r = self.tiers.rowCount()
            self.tiers.insertRow(r)
            for c, value in enumerate(values):
                self.tiers.setItem(r, c, QTableWidgetItem(value))
        if rule is not None:
            self._flag_cells(rule)
        self._loading = False
        self._show_rule_problems()
        self._update_tier_buttons()

    def _table_rows(self) -> list[list[str]]:
        return [[(self.tiers.item(r, c).text() if self.tiers.item(r, c) else "").strip() for c in range(_COLUMNS)]
                for r in range(self.tiers.rowCount())]

    def _sync_current(self) -> None:
        rule = self.current_rule()
        if rule is None or self._loading:
            return
        rule.rows = self._table_rows()
        if self.rules_table.item(self._current, RULE_COL_TIERS) is not None:
            self.rules_table.item(self._current, RULE_COL_TIERS).setText(self.tiers_summary(rule))
            self.rules_table.resizeRowToContents(self._current)
        self._update_dirty()

    def _on_tiers_item_changed(self, _item: QTableWidgetItem) -> None:
        self._sync_current()

    def _update_tier_buttons(self) -> None:
        rule = self.current_rule()
        self.add_row_button.setEnabled(self.editable and rule is not None)
        self.remove_row_button.setEnabled(self.editable and self.tiers.rowCount() > 1)

    def add_tier(self) -> None:
        """A new tier before the open-ended last one (or at the end when the last has a limit)."""
        if not self.editable or self.current_rule() is None:
            return
        rows = self._table_rows()
        at = len(rows) - 1 if rows and not rows[-1][COL_UP_TO] else len(rows)
        self._loading = True
        self.tiers.insertRow(at)
        for c, value in enumerate(["", "1", ""]):
            self.tiers.setItem(at, c, QTableWidgetItem(value))
        self._loading = False
        self._sync_current()
        self._update_tier_buttons()
        self.tiers.setCurrentCell(at, COL_UP_TO)

    def remove_tier(self) -> None:
        if not self.editable or self.tiers.rowCount() <= 1:
            return
        row = self.tiers.currentRow()
        self.tiers.removeRow(row if row >= 0 else self.tiers.rowCount() - 1)
        self._sync_current()
        self._update_tier_buttons()

    def set_cell(self, row: int, column: int, text: str) -> None:
        """Type into one cell (as the user would)."""
        item = self.tiers.item(row, column)
        if item is None:
            self.tiers.setItem(row, column, QTableWidgetItem(text))
        else:
            item.setText(text)

    def cell_text(self, row: int, column: int) -> str:
        """The text the cell shows (with thousands separators, translated role name)."""
        index = self.tiers.model().index(row, column)
        return self._delegates[column].displayText(index.data(), self.locale())

    # -- unsaved changes ----------------------------------------------------------------------------------------
    def has_unsaved_changes(self) -> bool:
        return self._clean is not None and self.fields() != self._clean

    def _on_field_text_changed(self, _text: str) -> None:
        if not self._loading:
            self._update_dirty()

    def _update_dirty(self) -> None:
        dirty = self.editable and self.has_unsaved_changes()
        self.unsaved_label.setVisible(dirty)
        self.discard_button.setEnabled(dirty)

    def ask_discard(self) -> bool:
        """Ask before throwing unsaved edits away; True = discard them."""
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Unsaved changes"),
                          self.tr("The approval policy has changes that are not saved. Discard them?"),
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("discardChangesBox")
        discard = box.addButton(self.tr("Discard changes"), QMessageBox.ButtonRole.DestructiveRole)
        discard.setObjectName("confirmDiscardButton")
        keep = box.addButton(self.tr("Keep editing"), QMessageBox.ButtonRole.RejectRole)
        keep.setObjectName("keepEditingButton")
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is discard

    def discard_changes(self) -> bool:
        if self.has_unsaved_changes() and not self.ask_discard():
            return False
        self.status.clear()
        self.refresh(force=True)
        return True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        window = self.window()
        if window is not self._guarded_window:
            if self._guarded_window is not None:
                self._guarded_window.removeEventFilter(self)
            window.installEventFilter(self)
            self._guarded_window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Close and watched is self._guarded_window and self.editable
                and self.has_unsaved_changes() and not self.ask_discard()):
            event.ignore()
            return True
        return super().eventFilter(watched, event)

    # -- saving -------------------------------------------------------------------------------------------------
    def fields(self) -> dict:
        self._sync_current_silently()
        return {"rules": [rule.to_fields() for rule in self.rules],
                "password_threshold": self.threshold.text().strip(),
                "duplicate_window_days": self.window_days.text().strip()}

    def _sync_current_silently(self) -> None:
        rule = self.current_rule()
        if rule is not None and not self._loading:
            rule.rows = self._table_rows()

    def save(self) -> None:
        """Save a new version. Non-administrators see no button; if they ask anyway the service refuses."""
        if self.pending_op is not None and not self.pending_op.finished:
            return
        if self.editable and not self.has_unsaved_changes():
            self._clear_problems()              # back to the stored version, which is valid
            self.status.setText(self.tr("No changes to save."))
            return
        self._commit_open_editor()
        fields = self.fields()
        sent = list(self.rules)
        self.status.clear()
        self.save_button.setEnabled(False)
        services, actor = self._services, self._actor
        self.pending_op = run_op(self, lambda: services.approvals.save_policy(actor, fields),
                                 self._on_saved, lambda exc: self._on_failed(exc, sent),
                                 on_finally=lambda: self.save_button.setEnabled(True))

    def _commit_open_editor(self) -> None:
        """Ctrl+S while a cell is being typed in saves what was typed."""
        if self.tiers.state() != QAbstractItemView.State.EditingState:
            return
        editor = QApplication.focusWidget()
        while editor is not None and editor.parentWidget() is not self.tiers.viewport():
            editor = editor.parentWidget()
        if editor is not None:
            self.tiers.commitData(editor)
            self.tiers.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def _clear_problems(self) -> None:
        for rule in self.rules:
            rule.problems = []
        self._field_problems = {}
        self._show_problems()

    def _on_saved(self, policy: ApprovalPolicy) -> None:
        self._clean = None                      # the reload replaces the edits with what was saved
        self._clear_problems()
        self.status.setText(self.tr("Saved as version %1.").replace("%1", str(policy.version)))
        self.refresh(force=True)

    # -- problems -----------------------------------------------------------------------------------------------
    def _problem_text(self, problem: Problem) -> str:
        if problem.code == "POLICY":
            known = (
                ("expected a whole number from 1 to", self.tr("Approvers: a whole number from 1 to 9.")),
                ("expected a whole number from 0 to 366", self.tr("A whole number of days from 0 to 366.")),
                ("tier bounds must increase", self.tr("The amount limits must increase from one tier to the next.")),
                ("only the last tier may be open-ended", self.tr("Only the last tier may leave the amount empty.")),
                ("the last tier must be open-ended", self.tr("The last tier must leave the amount empty (no upper "
                                                             "limit) so that every amount is covered.")),
                ("a rule needs at least one amount tier", self.tr("A rule needs at least one amount tier.")),
                ("two rules for the same account", self.tr("Another rule has the same account and payment type.")),
                ("unknown role", self.tr("Unknown role: choose one from the list.")),
                ("no bank account with id", self.tr("This bank account does not exist (any more).")),
                ("the policy needs a catch-all rule", self.tr("The policy needs the catch-all rule.")),
            )
            for start, text in known:
                if problem.message.startswith(start):
                    return text
        text = describe(problem)
        return text if text == problem.message else f"{text} ({problem.message})"

    def _on_failed(self, exc: BaseException, sent: list[RuleState]) -> None:
        for rule in self.rules:
            rule.problems = []
        self._field_problems = {}
        lines: list[str] = []
        if isinstance(exc, ValidationFailed):
            for p in exc.problems:
                text = self._problem_text(p)
                lines.append(f"{self._place(p, text, sent)}: {text}")
        else:
            lines.append(error_text(exc))
        self.problems.setText("\n".join(lines))
        current = self.current_rule()
        flagged = [r for r in self.rules if r.problems]
        if flagged and (current is None or not current.problems):
            self.select_rule(self.rules.index(flagged[0]))
        self._show_problems(keep_summary=True)

    def _place(self, problem: Problem, text: str, sent: list[RuleState]) -> str:
        """Attach the problem to its rule / tier / field and return where it is, in words."""
        path = problem.field or ""
        m = _RULE_PATH.match(path)
        if m is None:
            labels = {"password_threshold": self.tr("Password re-entry above (amount)"),
                      "password_threshold_minor": self.tr("Password re-entry above (amount)"),
                      "duplicate_window_days": self.tr("Duplicate window (days)"),
                      "rules": self.tr("Rules")}
            self._field_problems.setdefault(path, []).append(text)
            return labels.get(path, path)
        index = int(m.group(1))
        rule = sent[index] if index < len(sent) else None
        where = self.scope_text(rule) if rule is not None else path
        tier = int(m.group(2)) if m.group(2) is not None else None
        column = _TIER_COLUMN.get(m.group(3) or "")
        if tier is not None:
            where += " · " + self.tr("tier %1").replace("%1", str(tier + 1))
        if rule is not None and rule in self.rules:
            rule.problems.append((tier, column, text))
        return where

    def _show_problems(self, *, keep_summary: bool = False) -> None:
        if not keep_summary:
            self.problems.clear()
        for key, label in (("password_threshold", self.threshold_error),
                           ("duplicate_window_days", self.window_error)):
            found = self._field_problems.get(key, [])
            label.setText("\n".join(found))
            label.setVisible(bool(found))
        for edit, key in ((self.threshold, "password_threshold"), (self.window_days, "duplicate_window_days")):
            edit.setStyleSheet("border: 1px solid #c62828;" if self._field_problems.get(key) else "")
        self._refresh_rule_items()
        self._load_tiers()

    def _flag_cells(self, rule: RuleState) -> None:
        for r in range(self.tiers.rowCount()):
            for c in range(_COLUMNS):
                item = self.tiers.item(r, c)
                if item is not None:
                    item.setBackground(QBrush())
                    item.setToolTip("")
        for tier, column, text in rule.problems:
            if tier is None or tier >= self.tiers.rowCount():
                continue
            for c in ([column] if column is not None else range(_COLUMNS)):
                item = self.tiers.item(tier, c)
                if item is not None:
                    item.setBackground(_ERROR_BRUSH)
                    item.setToolTip(text if not item.toolTip() else item.toolTip() + "\n" + text)

    def _show_rule_problems(self) -> None:
        rule = self.current_rule()
        lines = []
        for tier, _column, text in (rule.problems if rule else []):
            prefix = self.tr("tier %1").replace("%1", str(tier + 1)) + ": " if tier is not None else ""
            lines.append(prefix + text)
        self.rule_problems.setText("\n".join(lines))
        self.rule_problems.setVisible(bool(lines))

    def problem_text(self) -> str:
        return self.problems.text()

    def cell_is_flagged(self, row: int, column: int = COL_APPROVERS) -> bool:
        item = self.tiers.item(row, column)
        return item is not None and item.background().color() == _ERROR_BRUSH.color() \
            and item.background().style() != Qt.BrushStyle.NoBrush

    def rule_is_flagged(self, index: int) -> bool:
        item = self.rules_table.item(index, RULE_COL_ACCOUNT)
        return item is not None and item.background().style() != Qt.BrushStyle.NoBrush
