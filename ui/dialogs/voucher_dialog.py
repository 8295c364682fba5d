"""The voucher form (付款凭证): enter or edit a payment request, save it as a draft or submit it for approval.

* payee picker with type-ahead search and "New payee…"; debit account; amount (right-aligned) with the amount in
  Chinese capitals (大写) shown LIVE under it — or the exact problem (with its code) while the text is no amount;
  purpose (用途); requested execution date (default today); urgency (normal / real-time).
* Every problem of the service's validation is shown inline under its field (``f"{field}Error"``), warnings in
  amber. The service's checks read the ledger, so they run off the GUI thread, 400 ms after the last edit.
* DUPLICATE_SUSPECT (same payee and amount within the policy's window) is a warning that blocks saving until
  the user ticks "I checked: this is not a duplicate"; the override is passed to the service, which audits it.
* Enter moves to the next field, Ctrl+Enter submits for approval, Esc cancels.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError, Problem, ValidationFailed
from app.domain.master_data import BankAccount
from app.domain.money import check_amount, format_amount
from app.domain.payment import PaymentStatus
from app.domain.payment_request import PaymentRequest, business_today
from app.domain.rmb_words import rmb_uppercase
from app.domain.users import Actor
from app.services import Services
from ui.dialogs.payee_picker import PayeePicker
from ui.ops import Op, error_text, run_op
from ui.problems import describe
from ui.signals import emit
from ui.widgets.form import ERROR_STYLE, WARNING_STYLE, FieldForm

LIVE_CHECK_MS = 400
DUPLICATE_SUSPECT = "DUPLICATE_SUSPECT"
# A maker may change a payment until it is signed; changing a pending or approved one voids its approvals and sends
# it back for approval (the service does that). Only drafts and rejected payments are submitted from here.
EDITABLE = (PaymentStatus.DRAFT, PaymentStatus.REJECTED, PaymentStatus.PENDING_APPROVAL, PaymentStatus.APPROVED)
SUBMITTABLE = (PaymentStatus.DRAFT, PaymentStatus.REJECTED)
WORDS_STYLE = "color: #1b5e20; font-size: 15px; font-weight: bold;"


def account_label(account: BankAccount) -> str:
    return f"{account.bank_name} {account.account_number} ({account.currency})"


class VoucherDialog(QDialog):
    saved = Signal(object)            # the PaymentRequest after a save or a submission

    def __init__(self, services: Services, actor: Actor, accounts: list[BankAccount],
                 payment: PaymentRequest | None = None, payee=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("voucherDialog")
        self.setWindowTitle(self.tr("Payment voucher #{id}").replace("{id}", str(payment.id)) if payment
                            else self.tr("New payment voucher"))
        self.setModal(True)
        self.setMinimumWidth(640)
        self._services = services
        self._actor = actor
        accounts = sorted(accounts, key=lambda a: (a.currency != "CNY", a.bank_name, a.account_number))
        self._accounts = {a.id: a for a in accounts}
        self.payment = payment
        self.pending_op: Op | None = None
        self.result_value: PaymentRequest | None = None
        self.submitted = False
        self._live_generation = 0
        layout = QVBoxLayout(self)
        if payment is not None and payment.status is PaymentStatus.REJECTED:
            note = QLabel(self.tr("This payment was rejected. Correct it and submit it again; see the "
                                  "rejection comment in its history."), self)
            note.setObjectName("rejectedNote")
            note.setWordWrap(True)
            note.setStyleSheet(WARNING_STYLE)
            layout.addWidget(note)

        f = self.form = FieldForm(self)
        self.payee_picker = PayeePicker(services, actor, f)
        f.add_widget("payee_id", self.tr("Payee"), self.payee_picker)
        self.account_combo = f.add_combo("debit_account_id", self.tr("Debit account"),
                                         [(a.id, account_label(a)) for a in accounts])
        self.amount_edit = f.add_line("amount", self.tr("Amount"), placeholder=self.tr("e.g. 12345.67"))
        self.amount_edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.amount_words = QLabel(f)
        self.amount_words.setObjectName("amountWords")
        self.amount_words.setWordWrap(True)
        self.amount_words.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        f.add_widget("amount_in_words", self.tr("In words (大写)"), self.amount_words)
        self.amount_words.setObjectName("amountWords")
        self.purpose_edit = f.add_line("purpose", self.tr("Purpose"),
                                       placeholder=self.tr("e.g. 货款 (at most 30 Chinese characters)"))
        self.date_edit = QDateEdit(f)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        today = business_today(datetime.now(UTC))        # the banks' business date (China Standard Time)
        self.date_edit.setDate(QDate(today.year, today.month, today.day))
        f.add_widget("requested_date", self.tr("Execution date"), self.date_edit)
        self.urgency_combo = f.add_combo("urgent", self.tr("Urgency"),
                                         [(False, self.tr("Normal")), (True, self.tr("Real-time (urgent)"))])
        self.duplicate_check = QCheckBox(self.tr("I checked: this is not a duplicate payment"), self)
        self.duplicate_check.setObjectName("duplicateOverrideCheck")
        self.duplicate_check.setStyleSheet(WARNING_STYLE)
        self.duplicate_check.hide()
        layout.addWidget(f)
        layout.addWidget(self.duplicate_check)
        self.message = QLabel(self)
        self.message.setObjectName("voucherMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        layout.addStretch(1)

        bar = QHBoxLayout()
        hint = QLabel(self.tr("Enter: next field · Ctrl+Enter: submit · Esc: cancel"), self)
        hint.setObjectName("keyHint")
        hint.setStyleSheet("color: #757575;")
        bar.addWidget(hint, 1)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setObjectName("cancelButton")
        self.save_button = QPushButton(self.tr("Save draft"), self)
        self.save_button.setObjectName("saveDraftButton")
        self.submit_button = QPushButton(self.tr("Submit for approval"), self)
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setToolTip("Ctrl+Enter")
        for button in (self.cancel_button, self.save_button, self.submit_button):
            button.setAutoDefault(False)
            button.setDefault(False)
            bar.addWidget(button)
        layout.addLayout(bar)

        self.cancel_button.clicked.connect(self.reject)
        self.save_button.clicked.connect(self.save_draft)
        self.submit_button.clicked.connect(self.submit_for_approval)
        self.amount_edit.textChanged.connect(self._on_amount_edit_text_changed)
        self.account_combo.currentIndexChanged.connect(lambda _i: self._update_words())
        self.payee_picker.chosen.connect(lambda _p: self._on_field_edited("payee_id"))
        self.date_edit.dateChanged.connect(lambda _d: self._on_field_edited("requested_date"))
        f.edited.connect(self._on_field_edited)
        self.duplicate_check.toggled.connect(lambda _c: self._update_buttons())
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_CHECK_MS)
        self._live_timer.timeout.connect(self.run_live_check)
        if payment is not None:
            self._load(payment, payee)
        self._update_words()
        self.payee_picker.setFocus()

    # -- loading an existing payment ----------------------------------------------------------------------
    def _load(self, payment: PaymentRequest, payee) -> None:
        if payee is not None:
            self.payee_picker.set_payee(payee)
        self.form.set_value("debit_account_id", payment.debit_account_id)
        self.amount_edit.setText(format_amount(payment.amount_minor).replace(",", ""))
        self.purpose_edit.setText(payment.purpose)
        d = payment.requested_date
        self.date_edit.setDate(QDate(d.year, d.month, d.day))
        self.urgency_combo.setCurrentIndex(1 if payment.urgent else 0)
        self.duplicate_check.setChecked(payment.duplicate_override)
        self.form.touched.clear()
        editable = payment.status in EDITABLE
        self.save_button.setEnabled(editable)
        self.submit_button.setEnabled(payment.status in SUBMITTABLE)
        if not editable:
            self._show_message(self.tr("This payment is {status} and can no longer be changed.")
                               .replace("{status}", payment.status.value), error=True)
        elif payment.status in (PaymentStatus.PENDING_APPROVAL, PaymentStatus.APPROVED):
            self._show_message(self.tr("Saving a change voids the approvals given so far and sends the payment back "
                                       "for approval."), error=False)

    # -- values -------------------------------------------------------------------------------------------
    def values(self) -> dict:
        d = self.date_edit.date()
        return {
            "debit_account_id": self.account_combo.currentData(),
            "payee_id": self.payee_picker.value(),
            "amount": self.amount_edit.text(),
            "purpose": self.purpose_edit.text(),
            "requested_date": date(d.year(), d.month(), d.day()).isoformat(),
            "urgent": bool(self.urgency_combo.currentData()),
        }

    def _currency(self) -> str:
        account = self._accounts.get(self.account_combo.currentData())
        return account.currency if account is not None else "CNY"

    # -- live feedback ------------------------------------------------------------------------------------
    def _on_amount_edit_text_changed(self, _text: str) -> None:
        self._update_words()

    def _update_words(self) -> None:
        """The amount in Chinese capitals, live (pure and cheap: runs on every keystroke)."""
        text = self.amount_edit.text()
        if not text.strip():
            self.amount_words.setText("")
            self.amount_words.setProperty("state", "empty")
            return
        money, problems = check_amount(text, self._currency())
        if problems:
            p = problems[0]
            shown = self.form.error_label("amount")
            if shown.isVisible() and p.code in shown.text() + str(shown.property("codes") or ""):
                self.amount_words.setText(f"[{p.code}]")      # the same problem is already shown above
            else:
                self.amount_words.setText(f"{describe(p)} [{p.code}]")
            self.amount_words.setStyleSheet(ERROR_STYLE)
            self.amount_words.setProperty("state", "error")
            self.amount_words.setProperty("code", p.code)
            return
        assert money is not None
        if money.currency == "CNY":
            words = rmb_uppercase(money.amount_minor, prefix=True)
        else:
            words = f"{money.currency} {format_amount(money.amount_minor)}"
        self.amount_words.setText(words)
        self.amount_words.setStyleSheet(WORDS_STYLE)
        self.amount_words.setProperty("state", "ok")
        self.amount_words.setProperty("code", "")

    def _on_field_edited(self, key: str) -> None:
        self.form.touched.add(key)
        if key in ("payee_id", "amount", "requested_date"):
            self.duplicate_check.setChecked(False)
        self._live_timer.start()

    def run_live_check(self) -> Op:
        """The service's validation (it reads the ledger) off the GUI thread; shows touched fields only."""
        self._live_generation += 1
        generation = self._live_generation
        payments, values = self._services.payments, self.values()
        own = self.payment.id if self.payment is not None else None
        return run_op(self, lambda: payments.validate_payment(values, payment_id=own),
                      lambda problems: self._on_live_checked(generation, problems), lambda _exc: None)

    def _on_live_checked(self, generation: int, problems: list[Problem]) -> None:
        if generation != self._live_generation:
            return
        self._show_problems(problems, only=set(self.form.touched))
        self._show_duplicate(problems)

    def _show_problems(self, problems: list[Problem], only: set[str] | None = None) -> None:
        self.form.show_problems(problems, only=only)
        label = self.form.error_label("amount")
        label.setProperty("codes", " ".join(p.code for p in problems if p.field == "amount"))
        self._update_words()

    def _show_duplicate(self, problems: list[Problem]) -> None:
        suspect = any(p.code == DUPLICATE_SUSPECT for p in problems)
        self.duplicate_check.setVisible(suspect or self.duplicate_check.isChecked())
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.fit_to_contents()

    # -- saving -------------------------------------------------------------------------------------------
    def save_draft(self) -> Op | None:
        return self._save(submit=False)

    def submit_for_approval(self) -> Op | None:
        return self._save(submit=True)

    def _save(self, submit: bool) -> Op | None:
        if self.pending_op is not None and not self.pending_op.finished:
            return None
        if self.payment is not None and self.payment.status not in (SUBMITTABLE if submit else EDITABLE):
            return None
        self._live_timer.stop()
        self._live_generation += 1          # a live check still on its way must not overwrite what follows
        values = self.values()
        override = self.duplicate_check.isVisible() and self.duplicate_check.isChecked()
        self.save_button.setEnabled(False)
        self.submit_button.setEnabled(False)
        self._show_message("")
        self.pending_op = run_op(self, self._save_call(values, override, submit), self._on_saved,
                                 self._on_failed, on_finally=self._on_save_finished,
                                 busy_text=self.tr("Saving…"))
        return self.pending_op

    def _save_call(self, values: dict, override: bool, submit: bool) -> Callable[[], Any]:
        payments, actor, existing = self._services.payments, self._actor, self.payment
        state = self._save_state = {"payment": existing}

        def call() -> tuple[PaymentRequest, bool]:
            if existing is None:
                saved = payments.create(actor, values, override_duplicate=override)
            else:
                saved = payments.update(actor, existing.id, existing.version, values, override_duplicate=override)
            state["payment"] = saved.entity
            if not submit:
                return saved.entity, False
            return payments.submit(actor, saved.entity.id, override_duplicate=override), True
        return call

    def _on_save_finished(self) -> None:
        saved = self._save_state.get("payment")
        if saved is not None:
            self.payment = saved     # a created draft is edited (not created again) if the submission failed
        self.save_button.setEnabled(self.payment is None or self.payment.status in EDITABLE)
        self.submit_button.setEnabled(self.payment is None or self.payment.status in SUBMITTABLE)

    def _on_saved(self, outcome: tuple[PaymentRequest, bool]) -> None:
        payment, submitted = outcome
        self.payment = payment
        self.result_value = payment
        self.submitted = submitted
        emit(self.saved, payment)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.form.clear_problems()
        if isinstance(exc, ValidationFailed):
            self._show_problems(exc.problems)
            self._show_duplicate(exc.problems)
            if any(p.code == DUPLICATE_SUSPECT for p in exc.problems) and not any(p.is_error for p in exc.problems):
                self._show_message(self.tr("A similar payment exists. Check it, then tick \"not a duplicate\" "
                                           "to save anyway."), error=False)
                self.duplicate_check.setFocus()
            else:
                self._focus_first_problem()
        elif isinstance(exc, DomainError) and exc.field in self.form.keys():
            self.form.show_problems([Problem(exc.code, exc.message, exc.field)])
            self._focus_first_problem()
        else:
            self._show_message(error_text(exc), error=True)
        saved = self._save_state.get("payment")
        if saved is not None and saved is not self.payment:
            self.payment = saved
            emit(self.saved, saved)     # the draft was saved even though submitting it failed
        self.fit_to_contents()

    def _show_message(self, text: str, *, error: bool = True) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else WARNING_STYLE)
        self.message.setVisible(bool(text))

    def _focus_first_problem(self) -> None:
        self.fit_to_contents()
        for key in self.form.keys():
            if key in self.form.visible_problem_fields():
                self.form.input(key).setFocus()
                return

    def fit_to_contents(self) -> None:
        layout = self.layout()
        layout.activate()
        height = layout.totalSizeHint().height()
        if height > self.height():
            self.resize(max(self.width(), self.minimumWidth()), height)

    # -- keys ---------------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.submit_for_approval()
            elif self.focusWidget() in (self.save_button, self.submit_button, self.cancel_button):
                self.focusWidget().click()
            else:
                self.focusNextChild()
            event.accept()
            return
        super().keyPressEvent(event)      # Esc → reject (cancel)
