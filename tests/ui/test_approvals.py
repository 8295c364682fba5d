"""The approval inbox (审批) against the real services: approve one or many, reject with a required comment, the
maker's own payment refused, password re-entry above the threshold — each checked in the GUI and in the service."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.domain.payment import PaymentStatus
from app.domain.users import Role
from tests.conftest import PAYMENT_USER_PASSWORD
from ui.ops import wait_idle
from ui.views.approvals import SCOPE_ALL, ApprovalsView
from ui.views.vouchers import VouchersView

SHOTS = Path("/tmp/shots")


def _pending(w, maker_name="maker", **fields):
    maker = w.actor(maker_name)
    p = w.services.payments.create(maker, w.fields(**fields), override_duplicate=True).entity
    return w.services.payments.submit(maker, p.id, override_duplicate=True)


def _inbox(qtbot, w, user: str) -> ApprovalsView:
    view = ApprovalsView(w.services, w.actor(user))
    qtbot.addWidget(view)
    view.resize(1280, 700)
    view.show()
    view.refresh()
    assert wait_idle(20)
    return view


def _status(w, payment_id):
    return w.services.payments.get(w.admin, payment_id).payment.status


def test_maker_enters_a_voucher_and_the_approver_approves_it_in_the_inbox(qtbot, payment_world):
    w = payment_world
    vouchers = VouchersView(w.services, w.actor("maker"))
    qtbot.addWidget(vouchers)
    vouchers.show()
    vouchers.refresh()
    assert wait_idle(20)
    dialog = vouchers.new_voucher()
    dialog.payee_picker.set_payee(w.payee)
    dialog.form.set_value("debit_account_id", w.account.id)
    dialog.amount_edit.insert("45678.90")
    dialog.purpose_edit.insert("材料款")
    assert dialog.amount_words.text() == "人民币肆万伍仟陆佰柒拾捌元玖角"
    dialog.submit_for_approval()
    assert wait_idle(20)
    [payment] = w.services.payments.list(w.actor("maker"))
    assert payment.status is PaymentStatus.PENDING_APPROVAL

    view = _inbox(qtbot, w, "approver1")
    assert view.model.rowCount() == 1
    amount_col = [c.key for c in view.model.columns].index("amount")
    index = view.proxy.index(0, amount_col)
    assert view.proxy.data(index) == "45,678.90"
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert view.proxy.data(index, Qt.ItemDataRole.TextAlignmentRole) == right
    assert "Awaiting me: <b style='color:#b26a00'>1</b>" in view.counts_label.text()
    assert view.select_payment(payment.id)
    assert wait_idle(20)
    text = view.detail.toPlainText()
    for expected in ("深圳市华强电子有限公司", "6222000011112222", "45,678.90", "人民币肆万伍仟陆佰柒拾捌元玖角",
                     "材料款", "0 of 1 approvals"):
        assert expected in text
    view.approve_selected()
    assert wait_idle(20)
    assert _status(w, payment.id) is PaymentStatus.APPROVED
    assert view.message.property("severity") == "info" and f"#{payment.id}" in view.message.text()
    assert view.model.rowCount() == 0


def test_approve_many_at_once(qtbot, payment_world):
    w = payment_world
    ids = [_pending(w, amount=a).id for a in ("100.00", "200.00", "300.00")]
    view = _inbox(qtbot, w, "approver1")
    view.table.selectAll()
    assert [p.id for p in view.selected()] == ids
    assert "600.00" in view.selection_label.text()
    view.approve_selected()
    assert wait_idle(20)
    assert [_status(w, i) for i in ids] == [PaymentStatus.APPROVED] * 3


def test_reject_needs_a_comment_and_returns_the_payment_to_its_maker(qtbot, payment_world, fingerprint):
    w = payment_world
    payment = _pending(w)
    view = _inbox(qtbot, w, "approver1")
    assert view.select_payment(payment.id)
    dialog = view.reject_selected()
    before = fingerprint()
    dialog.confirm()                                            # empty comment
    assert wait_idle(20)
    assert dialog.isVisible() and dialog.error.isVisible() and dialog.error.text()
    assert fingerprint() == before
    dialog.comment.insertPlainText("收款人账号不对，请核实")
    dialog.confirm()
    assert wait_idle(20)
    assert not dialog.isVisible()
    detail = w.services.payments.get(w.actor("maker"), payment.id)
    assert detail.payment.status is PaymentStatus.REJECTED
    assert [a.comment for a in detail.approvals if a.decision == "rejected"] == ["收款人账号不对，请核实"]
    assert view.model.rowCount() == 0
    vouchers = VouchersView(w.services, w.actor("maker"))
    qtbot.addWidget(vouchers)
    vouchers.refresh()
    assert wait_idle(20)
    assert vouchers.select_payment(payment.id) and vouchers.edit_button.isEnabled()


def test_the_maker_cannot_approve_their_own_payment(qtbot, payment_world, fingerprint):
    w = payment_world
    w.services.users.add_user(w.admin, "mixed", "mixed", PAYMENT_USER_PASSWORD, [Role.MAKER, Role.APPROVER])
    own = _pending(w, "mixed")
    view = _inbox(qtbot, w, "mixed")
    assert view.model.rowCount() == 0                           # not in "awaiting me"
    view.scope.setCurrentIndex(view.scope.findData(SCOPE_ALL))
    assert wait_idle(20)
    assert view.select_payment(own.id)
    assert wait_idle(20)
    assert "separation of duties" in view.detail.toPlainText()
    before = fingerprint()
    view.approve_selected()
    assert wait_idle(20)
    assert view.message.property("severity") == "error"
    assert "SOD_VIOLATION" in view.message.text() and "nothing was approved" in view.message.text()
    assert fingerprint() == before
    assert _status(w, own.id) is PaymentStatus.PENDING_APPROVAL
    with pytest.raises(Exception) as refused:                   # the service refuses on its own too
        w.services.approvals.approve(w.actor("mixed"), [own.id])
    assert getattr(refused.value, "code", "") == "SOD_VIOLATION"


def test_a_maker_without_the_approver_role_sees_a_clear_message(qtbot, payment_world):
    view = _inbox(qtbot, payment_world, "maker")
    assert view.message.isVisible() and view.message.property("severity") == "error"
    assert not view.approve_button.isEnabled()


def test_password_is_asked_again_above_the_threshold(qtbot, payment_world):
    w = payment_world
    big = _pending(w, amount="200000.00")                      # above 100,000.00: password; 2 approvers
    view = _inbox(qtbot, w, "approver1")
    assert view.threshold_minor == w.services.approvals.password_threshold_minor
    assert view.select_payment(big.id)
    dialog = view.approve_selected()
    assert dialog is view.password_dialog and dialog.isVisible()
    dialog.password.insert("wrong-password-9")
    dialog.confirm()
    assert wait_idle(20)
    assert not dialog.isVisible()
    assert view.message.property("severity") == "error" and "nothing was approved" in view.message.text()
    assert _status(w, big.id) is PaymentStatus.PENDING_APPROVAL
    assert w.services.payments.get(w.admin, big.id).approvals == []
    assert view.select_payment(big.id)
    dialog = view.approve_selected()
    dialog.password.insert(PAYMENT_USER_PASSWORD)
    dialog.confirm()
    assert wait_idle(20)
    detail = w.services.payments.get(w.admin, big.id)
    assert [a.approver_name for a in detail.active_approvals] == ["approver1"]
    assert detail.payment.status is PaymentStatus.PENDING_APPROVAL     # second approver still needed
    view2 = _inbox(qtbot, w, "approver2")
    assert view2.select_payment(big.id)
    assert view2.approve_selected() is view2.password_dialog
    view2.password_dialog.reject()


def test_small_amounts_need_no_password(qtbot, payment_world):
    w = payment_world
    small = _pending(w, amount="99.00")
    view = _inbox(qtbot, w, "approver1")
    assert view.select_payment(small.id)
    view.approve_selected()
    assert view.password_dialog is None
    assert wait_idle(20)
    assert _status(w, small.id) is PaymentStatus.APPROVED


def test_void_approvals_are_struck_through_in_the_detail(qtbot, payment_world):
    w = payment_world
    p = _pending(w, amount="60000.00")                          # two approvers
    w.services.approvals.approve(w.actor("approver1"), [p.id])
    maker = w.actor("maker")
    current = w.services.payments.get(maker, p.id).payment
    w.services.payments.update(maker, p.id, current.version, w.fields(amount="60000.00", purpose="改过的用途"),
                               override_duplicate=True)
    view = _inbox(qtbot, w, "approver2")
    assert view.select_payment(p.id)
    assert wait_idle(20)
    assert "<s>" in view.detail.toHtml() or "line-through" in view.detail.toHtml()
    assert "void" in view.detail.toPlainText()


def test_screenshot_approval_inbox(qtbot, payment_world):
    w = payment_world
    _pending(w, amount="1234.56")
    p = _pending(w, amount="88000.00", purpose="设备款", payee_id=w.payee2.id)
    _pending(w, "maker2", amount="250000.00", purpose="工程款", urgent=True)
    w.services.approvals.approve(w.actor("approver2"), [p.id])
    view = _inbox(qtbot, w, "approver1")
    view.select_payment(p.id)
    assert wait_idle(20)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert view.grab().save(str(SHOTS / "approvals.png"))


@pytest.fixture
def chinese(qapp):
    from ui.i18n import install_translator

    assert install_translator(qapp, "zh_CN") == "zh_CN"
    yield
    install_translator(qapp, "en")


def test_chinese_screens_render(qtbot, payment_world, chinese):
    w = payment_world
    p = _pending(w, amount="88000.00", purpose="设备款")
    _pending(w, amount="1234.56", payee_id=w.payee2.id, urgent=True)
    w.services.approvals.approve(w.actor("approver2"), [p.id])
    view = _inbox(qtbot, w, "approver1")
    assert view.approve_button.text() == "批准所选"
    assert "待我审批" in view.counts_label.text()
    view.select_payment(p.id)
    assert wait_idle(20)
    detail = view.detail.toPlainText()
    assert "人民币捌万捌仟元整" in detail and "大写金额" in detail and "待审批" in detail
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert view.grab().save(str(SHOTS / "approvals_zh.png"))
    view.scope.setCurrentIndex(view.scope.findData(SCOPE_ALL))
    assert wait_idle(20)
    view.select_payment(p.id)
    dialog = view.reject_selected()
    dialog.confirm()
    assert dialog.error.text() == "驳回时必须填写给经办人的意见。"
    assert dialog.grab().save(str(SHOTS / "reject_dialog_zh.png"))
    dialog.reject()

    vouchers = VouchersView(w.services, w.actor("maker"))
    qtbot.addWidget(vouchers)
    vouchers.resize(1100, 650)
    vouchers.show()
    vouchers.refresh()
    assert wait_idle(20)
    vouchers.table.selectRow(0)
    assert wait_idle(20)
    assert vouchers.grab().save(str(SHOTS / "vouchers_zh.png"))
    voucher = vouchers.new_voucher()
    voucher.payee_picker.set_payee(w.payee)
    voucher.amount_edit.insert("１２３")
    assert "不是有效金额" in voucher.amount_words.text() and "AMOUNT_FORMAT" in voucher.amount_words.text()
    voucher.amount_edit.clear()
    voucher.amount_edit.insert("100500.07")
    assert voucher.amount_words.text() == "人民币壹拾万零伍佰元零柒分"
    voucher.purpose_edit.insert("设备款")
    assert voucher.grab().save(str(SHOTS / "voucher_dialog_zh.png"))
    voucher.reject()
