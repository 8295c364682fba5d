"""Payees view: the status column shows a payee awaiting confirmation; another user confirms it with the button;
the person who changed it is refused and nothing changes."""

from __future__ import annotations

from app.domain.users import Role
from ui.ops import wait_idle
from ui.views.payees import PayeesView

PW = "user-password-1"
PAYEE = {"name": "甲乙物流有限公司", "account_number": "6222020200112233", "bank_name": "中国工商银行",
         "branch_name": "中国工商银行上海分行", "cnaps_code": "102100099996", "kind": "corporate"}


def _view(qtbot, services, actor):
    view = PayeesView(services, actor)
    qtbot.addWidget(view)
    view.resize(1000, 400)
    view.show()
    view.refresh()
    assert wait_idle(20)
    view.model.row_at(0)
    assert wait_idle(20)
    view.table.selectRow(0)
    assert view.selected() is not None
    return view


def _status(view):
    col = [c.key for c in view.model.columns].index("confirmed")
    view.model.row_at(0)
    wait_idle(20)
    return view.model.data(view.model.index(0, col))


def test_confirm_button_confirms_a_changed_payee(qtbot, ui_services, admin_actor, fingerprint):
    md = ui_services.master_data
    ui_services.users.add_user(admin_actor, "maker", "经办人", PW, [Role.MAKER])
    maker = ui_services.auth.login("maker", PW)
    payee = md.add_payee(admin_actor, PAYEE).entity
    md.update_payee(admin_actor, payee.id, payee.version, {**PAYEE, "account_number": "6222020200119999"})

    own = _view(qtbot, ui_services, admin_actor)
    assert _status(own) in ("Awaiting confirmation", "待确认")
    before = fingerprint()
    own.confirm_selected()           # the admin changed it: refused, nothing written
    assert wait_idle(20)
    assert fingerprint() == before and not md.get_payee(admin_actor, payee.id).confirmed

    other = _view(qtbot, ui_services, maker)
    assert other.confirm_button.isEnabled()
    other.confirm_button.click()
    assert wait_idle(20)
    assert md.get_payee(admin_actor, payee.id).confirmed
    assert _status(other) in ("Confirmed", "已确认")
