"""The demo ledger's approval policy and payment requests in various states."""

from __future__ import annotations

from app.domain.payment import PaymentStatus
from app.services.demo_data import DEMO_PASSWORD, DEMO_PAYMENTS, populate_demo

S = PaymentStatus


def test_demo_has_a_policy_and_payments_in_every_early_state(demo_services):
    s = demo_services
    admin = s.auth.login("admin", DEMO_PASSWORD)
    assert [p.version for p in s.approvals.list_policies(admin)] == [1]
    payments = s.payments.list(admin)
    assert len(payments) == len(DEMO_PAYMENTS)
    assert sorted(p.status.value for p in payments) == sorted(
        ["DRAFT", "PENDING_APPROVAL", "PENDING_APPROVAL", "APPROVED", "REJECTED"])
    approver1 = s.auth.login("approver1", DEMO_PASSWORD)
    approver2 = s.auth.login("approver2", DEMO_PASSWORD)
    assert len(s.approvals.inbox(approver1)) == 1   # the one it already approved is not in its inbox
    assert len(s.approvals.inbox(approver2)) == 2
    populate_demo(s)  # idempotent
    assert len(s.payments.list(admin)) == len(DEMO_PAYMENTS)
    assert [p.version for p in s.approvals.list_policies(admin)] == [1]
