"""Payment requests at the service layer: validation codes (ledger unchanged), create / update / submit, status
history, duplicate suspicion with an audited override."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain.errors import Conflict, IllegalTransition, PermissionDenied, ValidationFailed
from app.domain.payment import PaymentStatus
from app.domain.payment_request import business_today
from app.domain.rmb_words import rmb_uppercase

S = PaymentStatus

BAD_AMOUNTS = [
    ("-1", "AMOUNT_NOT_POSITIVE"), ("0", "AMOUNT_NOT_POSITIVE"), ("-0", "AMOUNT_NOT_POSITIVE"),
    ("0.00", "AMOUNT_NOT_POSITIVE"), ("1.234", "AMOUNT_SCALE"), ("1" * 40, "AMOUNT_RANGE"),
    ("10000000000000.01", "AMOUNT_RANGE"), ("1e2", "AMOUNT_FORMAT"), ("0x10", "AMOUNT_FORMAT"),
    ("NaN", "AMOUNT_FORMAT"), ("Infinity", "AMOUNT_FORMAT"), ("１２３", "AMOUNT_FORMAT"),
    ("١٢٣", "AMOUNT_FORMAT"), ("壹佰元整", "AMOUNT_FORMAT"), ("123\u00a0", "AMOUNT_FORMAT"), ("", "AMOUNT_FORMAT"),
    ("1,000.00", "AMOUNT_SEPARATOR"), ("1 000,00", "AMOUNT_SEPARATOR"), ("1'000", "AMOUNT_SEPARATOR"),
    ("1_000", "AMOUNT_SEPARATOR"),
]


def _codes(exc: ValidationFailed) -> set[str]:
    return {p.code for p in exc.problems}


@pytest.mark.parametrize(("amount", "code"), BAD_AMOUNTS)
def test_every_bad_amount_has_its_code_and_changes_nothing(payment_world, ledger_fingerprint, amount, code):
    w = payment_world
    maker = w.actor("maker")
    before = ledger_fingerprint()
    assert code in {p.code for p in w.services.payments.validate_payment(w.fields(amount=amount))}
    with pytest.raises(ValidationFailed) as info:
        w.services.payments.create(maker, w.fields(amount=amount))
    assert code in _codes(info.value)
    assert ledger_fingerprint() == before


def test_other_bad_inputs_each_have_a_code_and_change_nothing(payment_world, ledger_fingerprint):
    w = payment_world
    s = w.services
    same = s.master_data.add_payee(w.admin, {"name": "自己", "account_number": w.account.account_number,
                                             "bank_name": "招商银行", "cnaps_code": w.account.cnaps_code}).entity
    s.master_data.set_payee_active(w.admin, w.payee2.id, False)
    maker = w.actor("maker")
    yesterday = business_today(s.payments._clock.now()) - timedelta(days=1)
    cases = [
        (w.fields(amount_in_words="壹仟贰佰叁拾肆元伍角"), "AMOUNT_MISMATCH"),
        (w.fields(payee_id=same.id), "ACCOUNT_FORMAT"),
        (w.fields(payee_id=w.payee2.id), "PAYEE_INACTIVE"),
        (w.fields(purpose="䶮"), "TEXT_ENCODING"),
        (w.fields(purpose="货款\u202e"), "TEXT_CHARSET"),
        (w.fields(purpose="货" * 31), "TEXT_LENGTH"),
        (w.fields(purpose=""), "TEXT_REQUIRED"),
        (w.fields(requested_date=yesterday.isoformat()), "DATE_PAST"),
        (w.fields(requested_date="2025/01/01"), "DATE_FORMAT"),
        (w.fields(currency="USD"), "CURRENCY"),
        (w.fields(debit_account_id=9999), "ACCOUNT_FORMAT"),
        (w.fields(urgent="yes"), "FIELD_VALUE"),
        (w.fields(colour="red"), "FIELD_UNKNOWN"),
    ]
    before = ledger_fingerprint()
    for fields, code in cases:
        with pytest.raises(ValidationFailed) as info:
            s.payments.create(maker, fields)
        assert code in _codes(info.value), (fields, code, _codes(info.value))
    assert ledger_fingerprint() == before
    # 30 Chinese characters are exactly 60 GBK bytes: accepted
    assert s.payments.create(maker, w.fields(purpose="货" * 30)).entity.purpose == "货" * 30


def test_all_problems_are_reported_at_once(payment_world):
    w = payment_world
    with pytest.raises(ValidationFailed) as info:
        w.services.payments.create(w.actor("maker"), w.fields(amount="1e2", purpose="䶮", requested_date="x"))
    assert {"AMOUNT_FORMAT", "TEXT_ENCODING", "DATE_FORMAT"} <= _codes(info.value)


def test_create_submit_and_history(payment_world):
    w = payment_world
    s = w.services
    maker = w.actor("maker")
    words = rmb_uppercase(123456)
    saved = s.payments.create(maker, w.fields(amount_in_words=words, urgent=True))
    p = saved.entity
    assert (p.status, p.amount_minor, p.currency, p.urgent, p.maker_name) == (S.DRAFT, 123456, "CNY", True, "maker")
    assert len(p.content_hash) == 64 and saved.warnings == []
    submitted = s.payments.submit(maker, p.id)
    assert submitted.status is S.PENDING_APPROVAL
    assert (submitted.required_approvals, submitted.required_role, submitted.policy_version) == (1, None, 0)
    detail = s.payments.get(maker, p.id)
    assert [(h.from_status, h.to_status, h.actor) for h in detail.history] == [
        (None, S.DRAFT, "maker"), (S.DRAFT, S.PENDING_APPROVAL, "maker")]
    actions = [e.action for e in s.audit.entries(w.admin, 0, 20) if e.object_type == "payment"]
    assert "payment.created" in actions and "payment.status_changed" in actions
    with pytest.raises(IllegalTransition):
        s.payments.submit(maker, p.id)


def test_only_makers_create_and_only_the_maker_edits(payment_world):
    w = payment_world
    s = w.services
    with pytest.raises(PermissionDenied):
        s.payments.create(w.actor("approver1"), w.fields())
    p = s.payments.create(w.actor("maker"), w.fields()).entity
    with pytest.raises(PermissionDenied) as info:
        s.payments.update(w.actor("maker2"), p.id, p.version, w.fields(amount="1.00"))
    assert info.value.code == "NOT_MAKER"
    with pytest.raises(PermissionDenied):
        s.payments.submit(w.actor("maker2"), p.id)


def test_update_is_versioned_and_rehashes(payment_world):
    w = payment_world
    s = w.services
    maker = w.actor("maker")
    p = s.payments.create(maker, w.fields()).entity
    updated = s.payments.update(maker, p.id, p.version, w.fields(amount="99.00")).entity
    assert updated.amount_minor == 9900 and updated.version == p.version + 1
    assert updated.content_hash != p.content_hash
    with pytest.raises(Conflict) as info:
        s.payments.update(maker, p.id, p.version, w.fields(amount="98.00"))
    assert info.value.code == "STALE_VERSION"


def test_duplicate_suspicion_needs_an_audited_override(payment_world, ledger_fingerprint):
    w = payment_world
    s = w.services
    maker = w.actor("maker")
    first = s.payments.create(maker, w.fields()).entity
    assert [p.code for p in s.payments.validate_payment(w.fields())] == ["DUPLICATE_SUSPECT"]
    before = ledger_fingerprint()
    with pytest.raises(ValidationFailed) as info:
        s.payments.create(maker, w.fields())
    assert info.value.code == "DUPLICATE_SUSPECT"
    assert ledger_fingerprint() == before
    saved = s.payments.create(maker, w.fields(), override_duplicate=True)
    assert saved.entity.duplicate_override and [x.code for x in saved.warnings] == ["DUPLICATE_SUSPECT"]
    entries = [e for e in s.audit.entries(w.admin, 0, 50) if e.action == "payment.duplicate_override"]
    assert len(entries) == 1 and entries[0].actor == "maker"
    assert entries[0].payload["similar_payments"] == [first.id]
    # another amount, or a date outside the 7-day window, is no duplicate
    assert s.payments.validate_payment(w.fields(amount="1234.57")) == []
    later = business_today(s.payments._clock.now()) + timedelta(days=8)
    assert s.payments.validate_payment(w.fields(requested_date=later.isoformat())) == []


def test_duplicate_window_follows_the_policy(payment_world):
    w = payment_world
    s = w.services
    maker = w.actor("maker")
    s.payments.create(maker, w.fields())
    s.approvals.save_policy(w.admin, {"duplicate_window_days": 0})
    assert s.payments.validate_payment(w.fields()) == []


def test_list_and_get_detail(payment_world):
    w = payment_world
    s = w.services
    a = s.payments.create(w.actor("maker"), w.fields()).entity
    b = s.payments.create(w.actor("maker2"), w.fields(payee_id=w.payee2.id, amount="5.00")).entity
    s.payments.submit(w.actor("maker2"), b.id)
    assert {p.id for p in s.payments.list(w.admin)} == {a.id, b.id}
    assert [p.id for p in s.payments.list(w.admin, S.PENDING_APPROVAL)] == [b.id]
    assert [p.id for p in s.payments.list(w.actor("maker"), mine_only=True)] == [a.id]
    detail = s.payments.get(w.actor("approver1"), b.id)
    assert detail.payee.id == w.payee2.id and detail.account.id == w.account.id
    assert detail.required_approvals == 1 and detail.approvals == []


def test_payee_detail_change_is_flagged_and_blocks_approval_until_resubmitted(payment_world):
    w = payment_world
    s = w.services
    maker = w.actor("maker")
    p = s.payments.create(maker, w.fields()).entity
    s.payments.submit(maker, p.id)
    payee = s.master_data.get_payee(w.admin, w.payee.id)
    s.master_data.update_payee(w.admin, payee.id, payee.version, {
        "name": payee.name, "account_number": "6222999988887777", "bank_name": payee.bank_name,
        "cnaps_code": payee.cnaps_code})
    assert "CONTENT_CHANGED" in {x.code for x in s.payments.get(maker, p.id).warnings}
    with pytest.raises(Conflict) as info:
        s.approvals.approve(w.actor("approver1"), [p.id])
    assert info.value.code == "CONTENT_CHANGED"


def test_cancel_by_the_maker(payment_world):
    w = payment_world
    s = w.services
    maker = w.actor("maker")
    p = s.payments.create(maker, w.fields()).entity
    assert s.payments.cancel(maker, p.id).status is S.CANCELLED
    with pytest.raises(IllegalTransition):
        s.payments.submit(maker, p.id)
