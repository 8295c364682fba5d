"""Add an approval rule (添加规则): choose its scope — one debit account or any, and a payment type (any / normal
普通 / urgent 加急). A scope the policy already has is refused inline (the dialog stays open); the editor then
creates the rule with a copy of the catch-all rule's tiers. Nothing is saved here: the editor saves the whole
policy as a new version."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.domain.master_data import BankAccount
from ui.widgets.form import ERROR_STYLE, FieldForm

translate = QCoreApplication.translate

Scope = tuple[int | None, str | None]      # (debit_account_id or None = any, "normal" | "urgent" | None = any)
ANY = ""                                   # combo data for "any" (None does not round-trip through QVariant)


def masked_number(account_number: str) -> str:
    """``****0001``: only the last four digits of an account number are shown."""
    return "****" + account_number[-4:]


def account_scope_label(account: BankAccount) -> str:
    """How a rule's debit account is shown: name, bank, masked number (currency when not CNY)."""
    text = f"{account.account_name} · {account.bank_name} {masked_number(account.account_number)}"
    return text if account.currency == "CNY" else f"{text} ({account.currency})"


def payment_type_label(payment_type: str | None) -> str:
    return {None: translate("ApprovalRuleDialog", "any payment type"),
            "normal": translate("ApprovalRuleDialog", "normal payments"),
            "urgent": translate("ApprovalRuleDialog", "urgent payments")}.get(payment_type, payment_type or "")


class ApprovalRuleDialog(QDialog):
    def __init__(self, accounts: Iterable[BankAccount], taken: Iterable[Scope], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("approvalRuleDialog")
        self.setWindowTitle(self.tr("Add approval rule"))
        self.setModal(True)
        self.setMinimumWidth(520)
        self._taken = set(taken)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("The rule applies to payments from the chosen account and of the chosen type. It "
                               "starts with a copy of the catch-all rule's amount tiers; edit them after adding."),
                       self)
        intro.setObjectName("formIntro")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.form = FieldForm(self)
        active = sorted((a for a in accounts if a.is_active),
                        key=lambda a: (a.currency != "CNY", a.account_name, a.bank_name, a.account_number))
        self.account_box = self.form.add_combo(
            "account", self.tr("Debit account"),
            [(ANY, self.tr("Any account"))] + [(str(a.id), account_scope_label(a)) for a in active])
        self.type_box = self.form.add_combo(
            "paymentType", self.tr("Payment type"),
            [(ANY, self.tr("Any payment type")), ("normal", self.tr("Normal")),
             ("urgent", self.tr("Urgent"))])
        layout.addWidget(self.form)
        self.scope_error = QLabel(self)
        self.scope_error.setObjectName("scopeError")
        self.scope_error.setWordWrap(True)
        self.scope_error.setStyleSheet(ERROR_STYLE)
        self.scope_error.hide()
        layout.addWidget(self.scope_error)
        layout.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("okButton")
        self.ok_button.setText(self.tr("Add rule"))
        self.ok_button.setDefault(True)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("cancelButton")
        cancel.setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.account_box.currentIndexChanged.connect(self._on_account_box_current_index_changed)
        self.type_box.currentIndexChanged.connect(self._on_type_box_current_index_changed)
        self.account_box.setFocus()
        self._check()

    # -- values -------------------------------------------------------------------------------------------
    def scope(self) -> Scope:
        account = self.account_box.currentData() or ANY
        ptype = self.type_box.currentData() or ANY
        return (int(account) if account != ANY else None, ptype if ptype != ANY else None)

    def set_scope(self, account_id: int | None, payment_type: str | None) -> None:
        """Choose a scope (as the user would with the two drop-downs)."""
        self.account_box.setCurrentIndex(max(0, self.account_box.findData(ANY if account_id is None
                                                                          else str(account_id))))
        self.type_box.setCurrentIndex(max(0, self.type_box.findData(payment_type or ANY)))

    def scope_problem(self) -> str:
        if self.scope() in self._taken:
            if self.scope() == (None, None):
                return self.tr("The catch-all rule (any account, any payment type) already exists: choose an account "
                               "or a payment type.")
            return self.tr("The policy already has a rule for this account and payment type: edit that rule "
                           "instead, or choose another scope.")
        return ""

    # -- flow ---------------------------------------------------------------------------------------------
    def _check(self) -> bool:
        problem = self.scope_problem()
        self.scope_error.setText(problem)
        self.scope_error.setVisible(bool(problem))
        return not problem

    def _on_account_box_current_index_changed(self, _index: int) -> None:
        self._check()

    def _on_type_box_current_index_changed(self, _index: int) -> None:
        self._check()

    def accept(self) -> None:
        if not self._check():
            self.account_box.setFocus()
            return
        super().accept()

    def error_text(self) -> str:
        return self.scope_error.text() if self.scope_error.isVisibleTo(self) else ""
