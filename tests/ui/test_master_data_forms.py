"""Every master-data form: a valid save, and each bad-input row shows its inline error and writes nothing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ui.dialogs.account_dialog import AccountDialog
from ui.dialogs.payee_dialog import PayeeDialog
from ui.dialogs.user_dialog import AddUserDialog, RolesDialog
from ui.ops import wait_idle
from ui.views.organization import OrganizationView

GOOD_PAYEE = {"name": "上海远航物流有限公司", "account_number": "6222020200112233445", "bank_name": "中国工商银行",
              "branch_name": "中国工商银行上海分行", "cnaps_code": "102100099996", "uscc": "91110000600037341L",
              "kind": "corporate"}
GOOD_ACCOUNT = {"bank_name": "中国银行", "branch_name": "中国银行北京分行营业部", "cnaps_code": "104100000004",
                "account_number": "320100998877", "account_name": "测试有限公司", "currency": "CNY",
                "plugin_id": ""}

BAD_TEXT = [
    pytest.param("收款\x07单位", id="control-char"),
    pytest.param("收款\u202e单位", id="bidi-override"),
    pytest.param("收款\u2067单位", id="bidi-isolate"),
    pytest.param("收款\u200b单位", id="zero-width"),
    pytest.param("收款单位😀", id="emoji"),
    pytest.param("䶮记贸易有限公司", id="not-in-gbk"),
    pytest.param("中" * 300, id="too-long"),
]
BAD_PAYEE_ROWS = [
    *[pytest.param("name", p.values[0], id=f"name-{p.id}") for p in BAD_TEXT],
    pytest.param("cnaps_code", "10210009999", id="cnaps-11-digits"),
    pytest.param("cnaps_code", "1021000999X6", id="cnaps-letter"),
    pytest.param("account_number", "6222 0202 0011", id="account-spaces"),
    pytest.param("account_number", "６２２２０２０２００１１", id="account-fullwidth"),
    pytest.param("account_number", "", id="account-empty"),
    pytest.param("uscc", "91110000600037341X", id="uscc-check-char"),
    pytest.param("uscc", "9111000060003734", id="uscc-short"),
]
BAD_ACCOUNT_ROWS = [
    *[pytest.param("account_name", p.values[0], id=f"account_name-{p.id}") for p in BAD_TEXT],
    pytest.param("branch_name", "分行\u202e", id="branch-bidi"),
    pytest.param("cnaps_code", "1041000000", id="cnaps-short"),
    pytest.param("account_number", "32010099887a", id="account-letter"),
]


def _open(qtbot, dialog, values):
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.form.set_values(values)
    return dialog


def _save(qtbot, dialog):
    dialog.save_button.click()
    if dialog.pending_op is not None and not dialog.pending_op.finished:
        qtbot.waitUntil(lambda: dialog.pending_op.finished, timeout=10_000)


# -- payees ---------------------------------------------------------------------------------------------------
def test_payee_inputs_are_named_after_their_fields(qtbot, ui_services, admin_actor):
    dialog = _open(qtbot, PayeeDialog(ui_services, admin_actor), GOOD_PAYEE)
    for key in ("name", "account_number", "bank_name", "branch_name", "cnaps_code", "uscc", "kind"):
        assert dialog.findChild(object, f"{key}Edit") is not None
        assert dialog.findChild(object, f"{key}Error") is not None


def test_valid_payee_is_saved(qtbot, ui_services, admin_actor, fingerprint):
    before = fingerprint()
    count = ui_services.master_data.count_payees(admin_actor)
    dialog = _open(qtbot, PayeeDialog(ui_services, admin_actor), GOOD_PAYEE)
    _save(qtbot, dialog)
    assert dialog.result() == PayeeDialog.DialogCode.Accepted
    assert dialog.result_value.entity.name == GOOD_PAYEE["name"]
    assert ui_services.master_data.count_payees(admin_actor) == count + 1
    assert fingerprint() != before


@pytest.mark.parametrize(("field", "value"), BAD_PAYEE_ROWS)
def test_bad_payee_input_is_shown_inline_and_nothing_is_written(qtbot, ui_services, admin_actor, fingerprint,
                                                               field, value):
    before = fingerprint()
    dialog = _open(qtbot, PayeeDialog(ui_services, admin_actor), {**GOOD_PAYEE, field: value})
    _save(qtbot, dialog)
    wait_idle()
    label = dialog.form.error_label(field)
    assert label.objectName() == f"{field}Error"
    assert not label.isHidden() and label.text()
    assert label.property("severity") == "error"
    assert field in dialog.form.visible_problem_fields()
    assert dialog.isVisible() and dialog.result_value is None
    assert fingerprint() == before


def test_all_problems_are_shown_at_once(qtbot, ui_services, admin_actor, fingerprint):
    before = fingerprint()
    bad = {**GOOD_PAYEE, "name": "䶮", "cnaps_code": "1", "account_number": "12ab", "uscc": "X"}
    dialog = _open(qtbot, PayeeDialog(ui_services, admin_actor), bad)
    _save(qtbot, dialog)
    assert {"name", "cnaps_code", "account_number", "uscc"} <= dialog.form.visible_problem_fields()
    assert fingerprint() == before


def test_enter_saves_and_escape_cancels(qtbot, ui_services, admin_actor, fingerprint):
    dialog = _open(qtbot, PayeeDialog(ui_services, admin_actor), GOOD_PAYEE)
    qtbot.keyClick(dialog.form.input("branch_name"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.result() == PayeeDialog.DialogCode.Accepted, timeout=10_000)
    before = fingerprint()
    other = _open(qtbot, PayeeDialog(ui_services, admin_actor), {**GOOD_PAYEE, "account_number": "6222999900001111"})
    qtbot.keyClick(other.form.input("name"), Qt.Key.Key_Escape)
    assert other.result() == PayeeDialog.DialogCode.Rejected
    wait_idle()
    assert fingerprint() == before


def test_tab_order_follows_the_form(qtbot, ui_services, admin_actor):
    dialog = _open(qtbot, PayeeDialog(ui_services, admin_actor), GOOD_PAYEE)
    keys = dialog.form.keys()

    def next_focusable(widget):
        nxt = widget.nextInFocusChain()
        while nxt.focusPolicy() == Qt.FocusPolicy.NoFocus or not nxt.isVisible():
            nxt = nxt.nextInFocusChain()
        return nxt

    for a, b in zip(keys, keys[1:], strict=False):
        assert next_focusable(dialog.form.input(a)) is dialog.form.input(b), (a, b)


def test_live_check_flags_only_touched_fields(qtbot, ui_services, admin_actor):
    dialog = _open(qtbot, PayeeDialog(ui_services, admin_actor), {k: "" for k in GOOD_PAYEE if k != "kind"})
    qtbot.keyClicks(dialog.form.input("cnaps_code"), "123")
    qtbot.waitUntil(lambda: "cnaps_code" in dialog.form.visible_problem_fields(), timeout=3000)
    assert dialog.form.visible_problem_fields() == {"cnaps_code"}


def test_editing_a_payee_updates_it(qtbot, ui_services, admin_actor):
    saved = ui_services.master_data.add_payee(admin_actor, GOOD_PAYEE).entity
    dialog = _open(qtbot, PayeeDialog(ui_services, admin_actor, saved), {"branch_name": "中国工商银行上海浦东支行"})
    assert dialog.form.value("name") == GOOD_PAYEE["name"]
    _save(qtbot, dialog)
    assert dialog.result() == PayeeDialog.DialogCode.Accepted
    assert ui_services.master_data.get_payees(admin_actor, [saved.id])[0].branch_name == "中国工商银行上海浦东支行"


# -- bank accounts --------------------------------------------------------------------------------------------
def test_valid_account_is_saved(qtbot, ui_services, admin_actor, fingerprint):
    before = fingerprint()
    count = len(ui_services.master_data.list_accounts(admin_actor))
    dialog = _open(qtbot, AccountDialog(ui_services, admin_actor), GOOD_ACCOUNT)
    _save(qtbot, dialog)
    assert dialog.result() == AccountDialog.DialogCode.Accepted
    assert len(ui_services.master_data.list_accounts(admin_actor)) == count + 1
    assert fingerprint() != before


@pytest.mark.parametrize(("field", "value"), BAD_ACCOUNT_ROWS)
def test_bad_account_input_is_shown_inline_and_nothing_is_written(qtbot, ui_services, admin_actor, fingerprint,
                                                                 field, value):
    before = fingerprint()
    dialog = _open(qtbot, AccountDialog(ui_services, admin_actor), {**GOOD_ACCOUNT, field: value})
    _save(qtbot, dialog)
    wait_idle()
    assert field in dialog.form.visible_problem_fields()
    assert dialog.form.error_label(field).property("severity") == "error"
    assert dialog.result_value is None
    assert fingerprint() == before


# -- organization ---------------------------------------------------------------------------------------------
def _org_view(qtbot, services, actor):
    view = OrganizationView(services, actor)
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    qtbot.waitUntil(lambda: view.organization is not None, timeout=10_000)
    return view


@pytest.mark.parametrize(("field", "value"), [
    pytest.param("uscc", "91350100M000100Y44", id="uscc-check-char"),
    pytest.param("uscc", "9135010OM000100Y43", id="uscc-letter-O"),
    pytest.param("name", "示例\u202e公司", id="name-bidi"),
    pytest.param("name", "示例\u200d公司", id="name-zero-width"),
    pytest.param("name", "䶮记公司", id="name-gbk"),
    pytest.param("name", "公司😀", id="name-emoji"),
    pytest.param("name", "中" * 300, id="name-too-long"),
])
def test_bad_organization_input_is_shown_inline(qtbot, ui_services, admin_actor, fingerprint, field, value):
    view = _org_view(qtbot, ui_services, admin_actor)
    before = fingerprint()
    view.form.set_value(field, value)
    view.save_button.click()
    qtbot.waitUntil(lambda: view.pending_op.finished, timeout=10_000)
    assert field in view.form.visible_problem_fields()
    assert fingerprint() == before


def test_organization_saves_with_enter(qtbot, ui_services, admin_actor):
    view = _org_view(qtbot, ui_services, admin_actor)
    view.form.set_value("uscc", "91350100M000100Y43")
    qtbot.keyClick(view.form.input("name"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.pending_op is not None and view.pending_op.finished, timeout=10_000)
    assert view.form.visible_problem_fields() == set()
    assert ui_services.master_data.get_organization(admin_actor).uscc == "91350100M000100Y43"


# -- users ----------------------------------------------------------------------------------------------------
def test_add_user_with_roles(qtbot, ui_services, admin_actor):
    dialog = _open(qtbot, AddUserDialog(ui_services, admin_actor),
                   {"username": "maker1", "display_name": "张三", "password": "maker-password-1",
                    "password_confirm": "maker-password-1"})
    dialog.roles.boxes[next(iter(r for r in dialog.roles.boxes if r.value == "maker"))].setChecked(True)
    _save(qtbot, dialog)
    assert dialog.result() == AddUserDialog.DialogCode.Accepted
    users = {u.username: u for u in ui_services.users.list_users(admin_actor)}
    assert {r.value for r in users["maker1"].roles} == {"maker"}


@pytest.mark.parametrize(("values", "field"), [
    pytest.param({"password_confirm": "other-password-1"}, "password_confirm", id="mismatch"),
    pytest.param({"username": "bad name!"}, "username", id="bad-username"),
    pytest.param({"password": "short", "password_confirm": "short"}, "password", id="short-password"),
    pytest.param({"display_name": "张\u202e三"}, "display_name", id="display-bidi"),
    pytest.param({"roles": []}, "roles", id="no-role"),
])
def test_bad_user_input_is_shown_inline(qtbot, ui_services, admin_actor, fingerprint, values, field):
    before = fingerprint()
    dialog = _open(qtbot, AddUserDialog(ui_services, admin_actor),
                   {"username": "maker2", "display_name": "李四", "password": "maker-password-2",
                    "password_confirm": "maker-password-2"})
    dialog.roles.boxes[list(dialog.roles.boxes)[0]].setChecked(True)
    dialog.form.set_values({k: v for k, v in values.items() if k != "roles"})
    if "roles" in values:
        dialog.roles.set_value(values["roles"])
    _save(qtbot, dialog)
    wait_idle()
    assert field in dialog.form.visible_problem_fields()
    assert fingerprint() == before


def test_nobody_can_change_their_own_roles(qtbot, ui_services, admin_actor, fingerprint):
    me = next(u for u in ui_services.users.list_users(admin_actor) if u.username == "admin")
    before = fingerprint()
    dialog = _open(qtbot, RolesDialog(ui_services, admin_actor, me), {})
    dialog.roles.set_value([*me.roles, *[r for r in dialog.roles.boxes if r.value == "approver"]])
    _save(qtbot, dialog)
    assert dialog.result_value is None
    assert dialog.form.form_error.isVisible() or "roles" in dialog.form.visible_problem_fields()
    assert fingerprint() == before
