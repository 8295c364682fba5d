"""Multi-level approval at the service layer: tiers, named role, separation of duties, content-hash voiding,
rejection back to the maker, password re-entry, inbox, versioned policies."""

from __future__ import annotations

import pytest

from app.domain.errors import AuthenticationFailed, Conflict, PermissionDenied, ValidationFailed
from app.domain.payment import PaymentStatus
from tests.conftest import PAYMENT_USER_PASSWORD

S = PaymentStatus


def _pending(w, amount="1234.56", **extra):
    maker = w.actor("maker")
    p = w.services.payments.create(maker, w.fields(amount=amount, **extra), override_duplicate=True).entity
    return w.services.payments.submit(maker, p.id, override_duplicate=True)


def _approve(w, who, ids, **kw):
    return w.services.approvals.approve(w.actor(who), ids, **kw)


def test_maker_cannot_approve_or_reject_own_payment(payment_world, ledger_fingerprint):
    w = payment_world
    s = w.services
    # a maker who is also an approver still cannot approve their own payment
    s.users.set_roles(w.admin, "maker2", ["maker", "approver"])
    maker2 = s.auth.login("maker2", PAYMENT_USER_PASSWORD)
    p = s.payments.create(maker2, w.fields()).entity
    s.payments.submit(maker2, p.id)
    before = ledger_fingerprint()
    with pytest.raises(PermissionDenied) as info:
        s.approvals.approve(maker2, [p.id])
    assert info.value.code == "SOD_VIOLATION"
    with pytest.raises(PermissionDenied):
        s.approvals.reject(maker2, p.id, "不同意")
    assert ledger_fingerprint() == before
    assert s.approvals.inbox(maker2) == []
    assert s.approvals.inbox_counts(maker2)["own_pending"] == 1


def test_tier_one_approver(payment_world):
    w = payment_world
    p = _pending(w, "49999.99")
    assert p.required_approvals == 1
    [done] = _approve(w, "approver1", [p.id])
    assert done.status is S.APPROVED


def test_tier_two_approvers_and_one_person_once(payment_world):
    w = payment_world
    p = _pending(w, "50000.00")
    assert p.required_approvals == 2
    [after1] = _approve(w, "approver1", [p.id])
    assert after1.status is S.PENDING_APPROVAL
    with pytest.raises(Conflict) as info:
        _approve(w, "approver1", [p.id])
    assert info.value.code == "ALREADY_APPROVED"
    assert p.id not in [x.id for x in w.services.approvals.inbox(w.actor("approver1"))]
    assert p.id in [x.id for x in w.services.approvals.inbox(w.actor("approver2"))]
    [after2] = _approve(w, "approver2", [p.id])
    assert after2.status is S.APPROVED
    detail = w.services.payments.get(w.admin, p.id)
    assert [(a.approver_name, a.level, a.content_hash) for a in detail.approvals] == [
        ("approver1", 1, p.content_hash), ("approver2", 2, p.content_hash)]
    assert detail.history[-1].to_status is S.APPROVED


def test_tier_three_needs_the_named_role(payment_world):
    w = payment_world
    pw = PAYMENT_USER_PASSWORD
    p = _pending(w, "1000000.01")
    assert (p.required_approvals, p.required_role) == (3, "admin")
    _approve(w, "approver1", [p.id], password=pw)
    _approve(w, "approver2", [p.id], password=pw)
    with pytest.raises(PermissionDenied) as info:
        _approve(w, "approver3", [p.id], password=pw)
    assert info.value.code == "ROLE_REQUIRED"
    [done] = _approve(w, "boss", [p.id], password=pw)
    assert done.status is S.APPROVED
    roles = [a.approver_role for a in w.services.payments.get(w.admin, p.id).approvals]
    assert roles == [None, None, "admin"]


def test_exactly_one_million_is_the_two_approver_tier(payment_world):
    w = payment_world
    assert _pending(w, "1000000.00").required_approvals == 2


def test_edit_after_approval_voids_it_and_approval_starts_over(payment_world):
    w = payment_world
    s = w.services
    p = _pending(w, "60000.00")
    _approve(w, "approver1", [p.id])
    current = s.payments.get(w.actor("maker"), p.id).payment
    edited = s.payments.update(w.actor("maker"), p.id, current.version, w.fields(amount="60000.01"),
                               override_duplicate=True).entity
    assert edited.status is S.PENDING_APPROVAL and edited.content_hash != p.content_hash
    detail = s.payments.get(w.admin, p.id)
    [old] = detail.approvals
    assert old.is_void and old.void_reason == "content edited by the maker" and detail.active_approvals == []
    assert "content edited" in (detail.history[-1].detail or "")
    assert any(e.action == "payment.approvals_voided" for e in s.audit.entries(w.admin, 0, 30))
    # approver1 may approve the new content again; two fresh approvals are needed
    assert p.id in [x.id for x in s.approvals.inbox(w.actor("approver1"))]
    [again] = _approve(w, "approver1", [p.id])
    assert again.status is S.PENDING_APPROVAL
    [done] = _approve(w, "approver2", [p.id])
    assert done.status is S.APPROVED


def test_edit_of_an_approved_payment_sends_it_back_for_approval(payment_world):
    # issue 5: an edit of an approved, unsigned payment voids its approvals (SIGNED stays uneditable, see
    # tests/services/test_payments_edit_after_approval.py)
    w = payment_world
    p = _pending(w)
    [done] = _approve(w, "approver1", [p.id])
    assert done.status is PaymentStatus.APPROVED
    edited = w.services.payments.update(w.actor("maker"), p.id, done.version, w.fields(amount="1.00")).entity
    assert edited.status is PaymentStatus.PENDING_APPROVAL
    assert w.services.payments.get(w.admin, p.id).active_approvals == []


def test_rejection_needs_a_comment_and_returns_to_the_maker(payment_world, ledger_fingerprint):
    w = payment_world
    s = w.services
    p = _pending(w, "60000.00")
    _approve(w, "approver1", [p.id])
    approver2 = w.actor("approver2")
    before = ledger_fingerprint()
    for blank in ("", "   ", None):
        with pytest.raises(ValidationFailed) as info:
            s.approvals.reject(approver2, p.id, blank)
        assert info.value.code == "COMMENT_REQUIRED"
    assert ledger_fingerprint() == before
    rejected = s.approvals.reject(approver2, p.id, "金额有误，请核对合同")
    assert rejected.status is S.REJECTED
    detail = s.payments.get(w.actor("maker"), p.id)
    assert detail.approvals[0].is_void and detail.approvals[1].decision == "rejected"
    assert detail.approvals[1].comment == "金额有误，请核对合同"
    assert detail.history[-1].detail == "rejected: 金额有误，请核对合同"
    # the maker edits (→ DRAFT) and resubmits
    edited = s.payments.update(w.actor("maker"), p.id, rejected.version, w.fields(amount="59000.00"),
                               override_duplicate=True).entity
    assert edited.status is S.DRAFT
    assert s.payments.submit(w.actor("maker"), p.id).status is S.PENDING_APPROVAL
    statuses = [(h.from_status, h.to_status) for h in s.payments.get(w.admin, p.id).history]
    assert statuses == [(None, S.DRAFT), (S.DRAFT, S.PENDING_APPROVAL), (S.PENDING_APPROVAL, S.REJECTED),
                        (S.REJECTED, S.DRAFT), (S.DRAFT, S.PENDING_APPROVAL)]


def test_resubmission_without_edit_lets_the_rejecting_approver_approve(payment_world):
    w = payment_world
    s = w.services
    p = _pending(w)
    s.approvals.reject(w.actor("approver1"), p.id, "请补充发票")
    assert s.payments.submit(w.actor("maker"), p.id).status is S.PENDING_APPROVAL
    [done] = _approve(w, "approver1", [p.id])
    assert done.status is S.APPROVED


def test_password_reentry_above_the_threshold(payment_world, ledger_fingerprint):
    w = payment_world
    s = w.services
    assert s.approvals.password_threshold_minor == 10_000_000
    small = _pending(w, "100000.00")      # exactly the threshold: no password
    big = _pending(w, "100000.01")
    approver = w.actor("approver1")
    before = ledger_fingerprint()
    with pytest.raises(ValidationFailed) as info:
        s.approvals.approve(approver, [small.id, big.id])
    assert info.value.code == "PASSWORD_REQUIRED"
    assert ledger_fingerprint() == before  # all or nothing: the small one was not approved either
    with pytest.raises(AuthenticationFailed):
        s.approvals.approve(approver, [big.id], password="wrong-password")
    s.approvals.approve(approver, [small.id])
    results = s.approvals.approve(approver, [big.id], password=PAYMENT_USER_PASSWORD)
    assert [r.status for r in results] == [S.PENDING_APPROVAL]


def test_non_approvers_cannot_approve_and_bulk_approve(payment_world):
    w = payment_world
    s = w.services
    a, b = _pending(w, "10.00"), _pending(w, "20.00")
    with pytest.raises(PermissionDenied):
        s.approvals.approve(w.actor("signer"), [a.id])
    with pytest.raises(PermissionDenied):
        s.approvals.inbox(w.actor("maker"))
    counts = s.approvals.inbox_counts(w.actor("approver1"))
    assert counts["awaiting_me"] == 2 and counts["pending_approval"] == 2
    results = s.approvals.approve(w.actor("approver1"), [a.id, b.id])
    assert [r.status for r in results] == [S.APPROVED, S.APPROVED]
    assert s.approvals.inbox_counts(w.actor("approver1"))["approved"] == 2
    with pytest.raises(Conflict) as info:
        s.approvals.approve(w.actor("approver2"), [a.id])
    assert info.value.code == "NOT_PENDING"


def test_policy_versions_by_account_and_type(payment_world, ledger_fingerprint):
    w = payment_world
    s = w.services
    with pytest.raises(PermissionDenied):
        s.approvals.save_policy(w.actor("approver1"), {"duplicate_window_days": 3})
    before = ledger_fingerprint()
    for bad in ({"rules": []}, {"rules": [{"tiers": [{"up_to": "100.00", "approvers": 1}]}]},
                {"rules": [{"tiers": [{"approvers": 0}]}]}, {"rules": [{"payment_type": "urgent",
                                                                        "tiers": [{"approvers": 1}]}]},
                {"rules": [{"tiers": [{"up_to": "1e3", "approvers": 1}, {"approvers": 2}]}]},
                {"rules": [{"debit_account_id": 999, "tiers": [{"approvers": 1}]}, {"tiers": [{"approvers": 1}]}]},
                {"password_threshold": "-5"}, {"colour": 1}):
        with pytest.raises(ValidationFailed):
            s.approvals.save_policy(w.admin, bad)
    assert ledger_fingerprint() == before
    v1 = s.approvals.save_policy(w.admin, {"rules": [
        {"tiers": [{"up_to": "1000.00", "approvers": 1}, {"approvers": 2}]},
        {"payment_type": "urgent", "tiers": [{"approvers": 2}]},
        {"debit_account_id": w.account.id, "payment_type": "urgent",
         "tiers": [{"approvers": 3, "required_role": "admin"}]},
    ], "password_threshold": "5000.00"})
    assert v1.version == 1 and s.approvals.password_threshold_minor == 500_000
    assert _pending(w, "999.99").required_approvals == 1
    assert _pending(w, "1000.01").required_approvals == 2
    p = _pending(w, "10.00", urgent=True)
    assert (p.required_approvals, p.required_role, p.policy_version) == (3, "admin", 1)
    v2 = s.approvals.save_policy(w.admin, {"duplicate_window_days": 3})
    assert v2.version == 2 and [x.version for x in s.approvals.list_policies(w.admin)] == [2, 1]
    assert v2.rules == v1.rules
    # the requirement recorded at submission stays with the payment
    assert s.payments.get(w.admin, p.id).required_approvals == 3
    audits = [e for e in s.audit.entries(w.admin, 0, 100) if e.action == "approval_policy.changed"]
    assert [e.payload["to_version"] for e in audits] == [2, 1]
