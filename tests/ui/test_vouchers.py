"""The voucher screen (付款凭证) against the real services: live 大写, inline problems that change nothing, the
duplicate override, keyboard flow (Enter / Ctrl+Enter / Esc), save and submit, editing a rejected payment."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.domain.payment import PaymentStatus
from ui.dialogs.voucher_dialog import VoucherDialog
from ui.ops import wait_idle
from ui.views.vouchers import VouchersView

SHOTS = Path("/tmp/shots")


@pytest.fixture
def maker_view(qtbot, payment_world):
    w = payment_world
    view = VouchersView(w.services, w.actor("maker"))
    qtbot.addWidget(view)
    view.resize(1100, 650)
    view.show()
    view.refresh()
    assert wait_idle(20)
    return view


def _open_new(view) -> VoucherDialog:
    dialog = view.new_voucher()
    assert dialog is not None
    return dialog


def _fill(dialog: VoucherDialog, w, *, amount="1234.56", purpose="货款", payee=None) -> None:
    dialog.payee_picker.set_payee(payee or w.payee)
    dialog.form.set_value("debit_account_id", w.account.id)
    dialog.amount_edit.clear()
    dialog.amount_edit.insert(amount)
    dialog.purpose_edit.clear()
    dialog.purpose_edit.insert(purpose)


def _error(dialog, field: str) -> QLabel:
    return dialog.findChild(QLabel, f"{field}Error")


def test_amount_in_chinese_capitals_is_shown_live(qtbot, maker_view, payment_world):
    dialog = _open_new(maker_view)
    dialog.amount_edit.insert("1234.5")
    assert dialog.amount_words.text() == "人民币壹仟贰佰叁拾肆元伍角"
    dialog.amount_edit.insert("6")
    assert dialog.amount_words.text() == "人民币壹仟贰佰叁拾肆元伍角陆分"
    assert dialog.amount_edit.alignment() & Qt.AlignmentFlag.AlignRight
    dialog.amount_edit.insert("7")      # 1234.567: three decimals, never rounded
    assert dialog.amount_words.property("state") == "error"
    assert "AMOUNT_SCALE" in dialog.amount_words.text()


@pytest.mark.parametrize("amount, code", [
    ("1e2", "AMOUNT_FORMAT"), ("１２３", "AMOUNT_FORMAT"), ("NaN", "AMOUNT_FORMAT"), ("壹佰元整", "AMOUNT_FORMAT"),
    ("-5", "AMOUNT_NOT_POSITIVE"), ("0", "AMOUNT_NOT_POSITIVE"), ("1.234", "AMOUNT_SCALE"),
    ("1,000.00", "AMOUNT_SEPARATOR"), ("1" * 40, "AMOUNT_RANGE"),
])
def test_bad_amounts_are_shown_inline_and_change_nothing(qtbot, maker_view, payment_world, fingerprint,
                                                         amount, code):
    w = payment_world
    before = fingerprint()
    dialog = _open_new(maker_view)
    _fill(dialog, w, amount=amount)
    assert dialog.amount_words.property("code") == code            # live, before any save
    dialog.save_draft()
    assert wait_idle(20)
    assert dialog.isVisible() and dialog.result_value is None
    label = _error(dialog, "amount")
    assert label.isVisible() and label.property("severity") == "error" and label.text()
    assert fingerprint() == before
    assert w.services.payments.list(w.actor("maker")) == []


def test_every_problem_is_shown_at_once_and_nothing_is_written(qtbot, maker_view, payment_world, fingerprint):
    before = fingerprint()
    dialog = _open_new(maker_view)
    dialog.amount_edit.insert("12.345")
    dialog.purpose_edit.insert("货款\u202e")                   # bidi override
    dialog.save_draft()
    assert wait_idle(20)
    visible = dialog.form.visible_problem_fields()
    assert {"payee_id", "amount", "purpose"} <= visible
    assert fingerprint() == before


def test_maker_saves_a_draft_then_submits_with_ctrl_enter(qtbot, maker_view, payment_world):
    w = payment_world
    maker = w.actor("maker")
    dialog = _open_new(maker_view)
    _fill(dialog, w)
    dialog.urgency_combo.setCurrentIndex(1)
    dialog.save_draft()
    assert wait_idle(20)
    assert not dialog.isVisible()
    [draft] = w.services.payments.list(maker)
    assert (draft.status, draft.amount_minor, draft.urgent, draft.purpose) == (PaymentStatus.DRAFT, 123456, True,
                                                                              "货款")
    assert maker_view.model.rowCount() == 1
    assert maker_view.select_payment(draft.id)
    assert maker_view.edit_button.isEnabled()
    maker_view.edit_selected()
    assert wait_idle(20)
    dialog = maker_view.dialog
    assert dialog.payment.id == draft.id and dialog.payee_picker.value() == w.payee.id
    assert dialog.amount_words.text() == "人民币壹仟贰佰叁拾肆元伍角陆分"
    qtbot.keyClick(dialog.amount_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert wait_idle(20)
    assert not dialog.isVisible()
    [payment] = w.services.payments.list(maker)
    assert payment.id == draft.id and payment.status is PaymentStatus.PENDING_APPROVAL
    assert f"#{payment.id}" in maker_view.message.text()
    row = [r for r in range(maker_view.proxy.rowCount()) if maker_view.proxy.row_at(r).id == payment.id][0]
    status_col = [c.key for c in maker_view.model.columns].index("status")
    index = maker_view.proxy.index(row, status_col)
    assert maker_view.proxy.data(index, Qt.ItemDataRole.ForegroundRole).color().name() == "#b26a00"


def test_enter_moves_through_the_fields_and_escape_cancels(qtbot, maker_view, payment_world, fingerprint):
    before = fingerprint()
    dialog = _open_new(maker_view)
    dialog.activateWindow()
    dialog.amount_edit.setFocus()
    qtbot.keyClick(dialog.amount_edit, Qt.Key.Key_Return)
    assert dialog.focusWidget() is not dialog.amount_edit
    assert dialog.isVisible()                                    # Enter never saves
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert wait_idle(20)
    assert fingerprint() == before


def test_duplicate_suspect_needs_the_explicit_override(qtbot, maker_view, payment_world, fingerprint):
    w = payment_world
    maker = w.actor("maker")
    first = w.services.payments.create(maker, w.fields()).entity
    before = fingerprint()
    dialog = _open_new(maker_view)
    _fill(dialog, w)
    dialog.save_draft()
    assert wait_idle(20)
    assert dialog.isVisible()
    assert dialog.duplicate_check.isVisible() and not dialog.duplicate_check.isChecked()
    label = _error(dialog, "amount")
    assert label.isVisible() and label.property("severity") == "warning"
    assert fingerprint() == before
    dialog.duplicate_check.setChecked(True)
    dialog.save_draft()
    assert wait_idle(20)
    assert not dialog.isVisible()
    payments = w.services.payments.list(maker)
    second = [p for p in payments if p.id != first.id]
    assert len(second) == 1 and second[0].duplicate_override


def test_live_check_reads_the_ledger_off_the_gui_thread(qtbot, maker_view, payment_world):
    w = payment_world
    w.services.payments.create(w.actor("maker"), w.fields())
    dialog = _open_new(maker_view)
    _fill(dialog, w)
    dialog.form.touched.update({"amount", "payee_id"})
    dialog.run_live_check()
    assert wait_idle(20)
    assert dialog.duplicate_check.isVisible()                 # warned before any save


def test_payee_type_ahead_and_new_payee_inline(qtbot, maker_view, payment_world):
    w = payment_world
    dialog = _open_new(maker_view)
    picker = dialog.payee_picker
    picker.search.setFocus()
    picker.search.insert("浦江")
    picker._on_search_text_edited("浦江")
    qtbot.waitUntil(lambda: wait_idle(1) and bool(picker.matches()), timeout=5000)
    assert [p.id for p in picker.matches()] == [w.payee2.id]
    picker._on_completer_activated(picker.completer_model.stringList()[0])
    assert picker.value() == w.payee2.id
    new = picker.new_payee()
    new.form.set_values({"name": "杭州西湖茶叶有限公司", "account_number": "6222000055556666",
                         "bank_name": "中国农业银行", "cnaps_code": w.payee.cnaps_code})
    new.submit()
    assert wait_idle(20)
    assert picker.value() not in (None, w.payee.id, w.payee2.id)
    assert "杭州西湖茶叶有限公司" in picker.search.text()


def test_rejected_payment_is_corrected_and_resubmitted(qtbot, maker_view, payment_world):
    w = payment_world
    maker = w.actor("maker")
    p = w.services.payments.create(maker, w.fields()).entity
    w.services.payments.submit(maker, p.id)
    w.services.approvals.reject(w.actor("approver1"), p.id, "用途写错了")
    maker_view.refresh()
    assert wait_idle(20)
    assert maker_view.select_payment(p.id)
    assert wait_idle(20)
    assert "用途写错了" in maker_view.detail.toPlainText()
    maker_view.edit_selected()
    assert wait_idle(20)
    dialog = maker_view.dialog
    assert dialog.findChild(QLabel, "rejectedNote") is not None
    dialog.purpose_edit.clear()
    dialog.purpose_edit.insert("设备款")
    dialog.submit_for_approval()
    assert wait_idle(20)
    detail = w.services.payments.get(maker, p.id)
    assert detail.payment.status is PaymentStatus.PENDING_APPROVAL and detail.payment.purpose == "设备款"


def test_edit_after_approval_voids_it_in_the_gui(qtbot, maker_view, payment_world):
    """Issue 5: an edit after approval voids the approvals and sends the payment back for approval."""
    w = payment_world
    maker = w.actor("maker")
    p = w.services.payments.create(maker, w.fields(amount="321.00")).entity
    w.services.payments.submit(maker, p.id)
    [approved] = w.services.approvals.approve(w.actor("approver1"), [p.id])
    assert approved.status is PaymentStatus.APPROVED
    maker_view.refresh()
    assert wait_idle(20)
    assert maker_view.select_payment(p.id)
    assert wait_idle(20)
    assert maker_view.edit_button.isEnabled() and not maker_view.submit_button.isEnabled()
    maker_view.edit_selected()
    assert wait_idle(20)
    dialog = maker_view.dialog
    assert dialog.message.isVisible() and dialog.message.text()      # the user is told approvals will be voided
    assert dialog.save_button.isEnabled() and not dialog.submit_button.isEnabled()
    dialog.purpose_edit.clear()
    dialog.purpose_edit.insert("设备款（已更正）")
    dialog.save_draft()
    assert wait_idle(20)
    detail = w.services.payments.get(maker, p.id)
    assert detail.payment.status is PaymentStatus.PENDING_APPROVAL
    assert detail.active_approvals == [] and any(a.voided_at is not None for a in detail.approvals)


def test_screenshot_voucher_screen(qtbot, maker_view, payment_world):
    w = payment_world
    maker = w.actor("maker")
    for amount, purpose in (("1234.56", "货款"), ("88000.00", "设备款")):
        p = w.services.payments.create(maker, w.fields(amount=amount, purpose=purpose)).entity
        w.services.payments.submit(maker, p.id)
    w.services.payments.create(maker, w.fields(amount="560.00", purpose="运费", payee_id=w.payee2.id))
    maker_view.refresh()
    assert wait_idle(20)
    maker_view.table.selectRow(0)
    assert wait_idle(20)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert maker_view.grab().save(str(SHOTS / "vouchers.png"))
    dialog = _open_new(maker_view)
    _fill(dialog, w, amount="1,000.00")
    dialog.save_draft()
    assert wait_idle(20)
    assert dialog.grab().save(str(SHOTS / "voucher_dialog_error.png"))
    dialog.amount_edit.clear()
    dialog.amount_edit.insert("100500.07")
    dialog.form.clear_problems()
    assert dialog.grab().save(str(SHOTS / "voucher_dialog.png"))
