"""A change of a payee's bank details blocks payments to it until a second person confirms (RELIABILITY.md §3):
create / submit / approve / sign refuse PAYEE_UNCONFIRMED, the changer cannot confirm (SELF_CONFIRM), refusals
change nothing."""

from __future__ import annotations

import pytest

from app.domain.errors import Conflict, PermissionDenied
from app.domain.payment import PaymentStatus
from tests.conftest import PAYMENT_USER_PASSWORD
from tests.services.test_signing import make_signer


def _change(w, actor, account_number="6222999988887777", **extra):
    md = w.services.master_data
    payee = md.get_payee(w.admin, w.payee.id)
    fields = {"name": payee.name, "account_number": account_number, "bank_name": payee.bank_name,
              "branch_name": payee.branch_name, "cnaps_code": payee.cnaps_code, **extra}
    return md.update_payee(actor, payee.id, payee.version, fields).entity


def _login_all(w):
    for name in ("maker", "maker2", "approver1", "approver2", "boss", "signer"):
        w.actor(name)


def test_new_payees_are_confirmed_and_non_bank_changes_keep_them_confirmed(payment_world):
    w = payment_world
    md = w.services.master_data
    assert w.payee.confirmed and w.payee.changed_by is None
    payee = md.get_payee(w.admin, w.payee.id)
    updated = md.update_payee(w.actor("maker"), payee.id, payee.version, {
        "name": payee.name, "account_number": payee.account_number, "bank_name": payee.bank_name,
        "branch_name": "某某支行", "cnaps_code": payee.cnaps_code}).entity
    assert updated.branch_name == "某某支行" and updated.confirmed
    assert md.payees_awaiting_confirmation(w.admin) == []


def test_change_blocks_payments_until_another_person_confirms(payment_world, ledger_fingerprint):
    w = payment_world
    s = w.services
    maker = w.actor("maker")
    changed = _change(w, maker)
    assert not changed.confirmed and changed.changed_by == maker.user_id
    assert [p.id for p in s.master_data.payees_awaiting_confirmation(w.admin)] == [w.payee.id]
    assert s.audit.entries(w.admin, 0, 1)[0].payload["confirmed"] == {"from": True, "to": False}

    _login_all(w)  # logging in writes (audit); do it before taking the fingerprint
    before = ledger_fingerprint()
    with pytest.raises(Conflict) as info:
        s.payments.create(maker, w.fields())
    assert info.value.code == "PAYEE_UNCONFIRMED"
    with pytest.raises(PermissionDenied) as denied:
        s.master_data.confirm_payee(maker, w.payee.id)
    assert denied.value.code == "SELF_CONFIRM"
    with pytest.raises(PermissionDenied):  # a signer cannot confirm payees
        s.master_data.confirm_payee(w.actor("signer"), w.payee.id)
    assert ledger_fingerprint() == before

    confirmed = s.master_data.confirm_payee(w.actor("approver1"), w.payee.id)
    assert confirmed.confirmed and confirmed.confirmed_by == w.actor("approver1").user_id
    entry = s.audit.entries(w.admin, 0, 1)[0]
    assert entry.action == "payee.confirmed" and entry.payload["changed_by"] == maker.user_id
    assert s.master_data.payees_awaiting_confirmation(w.admin) == []
    with pytest.raises(Conflict) as again:
        s.master_data.confirm_payee(w.actor("approver2"), w.payee.id)
    assert again.value.code == "ALREADY_CONFIRMED"

    p = s.payments.create(maker, w.fields()).entity
    assert s.payments.submit(maker, p.id).status is PaymentStatus.PENDING_APPROVAL


def test_stale_confirmation_refused(payment_world):
    w = payment_world
    changed = _change(w, w.actor("maker"))
    with pytest.raises(Conflict) as info:
        w.services.master_data.confirm_payee(w.actor("approver1"), w.payee.id, expected_version=changed.version - 1)
    assert info.value.code == "STALE_VERSION"
    assert w.services.master_data.confirm_payee(w.actor("approver1"), w.payee.id, changed.version).confirmed


def test_submit_and_approve_refused_while_unconfirmed(payment_world, ledger_fingerprint):
    w = payment_world
    s = w.services
    maker = w.actor("maker")
    draft = s.payments.create(maker, w.fields()).entity
    pending = s.payments.create(maker, w.fields(amount="99.00")).entity
    s.payments.submit(maker, pending.id)
    original = w.payee.account_number
    _change(w, w.actor("maker2"))
    _change(w, w.actor("maker2"), account_number=original)  # back to the submitted details: same content hash
    _login_all(w)  # logging in writes (audit); do it before taking the fingerprint
    before = ledger_fingerprint()
    with pytest.raises(Conflict) as info:
        s.payments.submit(maker, draft.id)
    assert info.value.code == "PAYEE_UNCONFIRMED"
    with pytest.raises(Conflict) as info:
        s.approvals.approve(w.actor("approver1"), [pending.id], password=PAYMENT_USER_PASSWORD)
    assert info.value.code == "PAYEE_UNCONFIRMED"
    assert ledger_fingerprint() == before
    s.master_data.confirm_payee(maker, w.payee.id)  # maker2 changed it, so the maker may confirm
    assert s.approvals.approve(w.actor("approver1"), [pending.id],
                               password=PAYMENT_USER_PASSWORD)[0].status is PaymentStatus.APPROVED


def test_signing_refused_while_unconfirmed(payment_world, ledger_fingerprint):
    w = payment_world
    s = w.services
    maker = w.actor("maker")
    p = s.payments.create(maker, w.fields()).entity
    s.payments.submit(maker, p.id)
    s.approvals.approve(w.actor("approver1"), [p.id], password=PAYMENT_USER_PASSWORD)
    original = w.payee.account_number
    _change(w, w.actor("maker2"))
    _change(w, w.actor("maker2"), account_number=original)
    signer = make_signer()
    _login_all(w)  # logging in writes (audit); do it before taking the fingerprint
    before = ledger_fingerprint()
    with pytest.raises(Conflict) as info:
        s.signing.sign_batch(w.actor("signer"), [p.id], signer)
    assert info.value.code == "PAYEE_UNCONFIRMED"
    assert ledger_fingerprint() == before
    s.master_data.confirm_payee(w.actor("boss"), w.payee.id)
    assert s.signing.sign_batch(w.actor("signer"), [p.id], signer).count == 1
