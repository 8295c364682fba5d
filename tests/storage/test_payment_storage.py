"""Payment and approval storage on SQLite and PostgreSQL: repositories, and the database rules of migration 0004
that a direct SQL edit cannot bypass (content-hash binding, voiding, frozen content, signer separation)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.domain.approval_policy import DEFAULT_POLICY
from app.domain.errors import Conflict
from app.domain.payment import PaymentStatus
from app.domain.users import Role
from tests.storage.support import account_fields, payee_fields

H1, H2 = "a" * 64, "b" * 64


@pytest.fixture
def world(uow, org, clock):
    """A PENDING_APPROVAL payment (content hash H1) made by 'maker'; returns a dict of ids."""
    with uow() as u:
        ids = {name: u.users.add(name, name, "h", [role], clock.now()).id for name, role in
               (("maker", Role.MAKER), ("approver", Role.APPROVER), ("approver2", Role.APPROVER),
                ("signer", Role.SIGNER))}
        acc = u.accounts.add(org.id, account_fields())
        payee = u.payees.add(org.id, payee_fields(1))
        p = u.payments.add(org.id, ids["maker"], {
            "debit_account_id": acc.id, "payee_id": payee.id, "amount_minor": 123_456, "currency": "CNY",
            "purpose": "货款", "requested_date": date(2025, 3, 2), "urgent": False}, H1, duplicate_override=False)
        u.payments.add_history(p.id, None, PaymentStatus.DRAFT, "maker", "created")
        p = u.payments.set_status(p.id, p.version, PaymentStatus.PENDING_APPROVAL, required_approvals=2)
        u.payments.add_history(p.id, PaymentStatus.DRAFT, PaymentStatus.PENDING_APPROVAL, "maker")
        u.commit()
    return {**ids, "payment": p.id, "account": acc.id, "payee": payee.id}


def _raw_approval(conn, payment_id, approver_id, content_hash=H1, level=1, decision="approved"):
    conn.execute(text(
        "INSERT INTO approvals (payment_id, approver_id, level, decision, content_hash, comment, at) "
        "VALUES (:p, :a, :l, :d, :h, NULL, '2025-03-01 09:00:00')"),
        {"p": payment_id, "a": approver_id, "l": level, "d": decision, "h": content_hash})


def test_repository_round_trip(uow, world):
    with uow() as u:
        p = u.payments.get(world["payment"])
        assert (p.status, p.amount_minor, p.required_approvals, p.maker_name) == (
            PaymentStatus.PENDING_APPROVAL, 123_456, 2, "maker")
        assert p.payee_account == payee_fields(1)["account_number"] and p.version == 2
        a = u.approvals.add(p.id, world["approver"], "approved", H1, None)
        assert (a.level, a.approver_name, a.is_void) == (1, "approver", False)
        assert u.approvals.active_approvers([p.id]) == {p.id: {world["approver"]}}
        assert u.approvals.void_active(p.id, "test") == 1
        assert u.approvals.for_payment(p.id)[0].is_void
        assert [h.to_status for h in u.payments.history(p.id)] == [PaymentStatus.DRAFT,
                                                                      PaymentStatus.PENDING_APPROVAL]
        assert len(u.payments.find_similar(world["payee"], 123_456, date(2025, 3, 1), date(2025, 3, 9), None,
                                           ["CANCELLED"])) == 1
        v1 = u.approval_policies.add_version(DEFAULT_POLICY, "admin", p.created_at)
        v2 = u.approval_policies.add_version(DEFAULT_POLICY, "admin", p.created_at)
        assert (v1.version, v2.version, u.approval_policies.current().version) == (1, 2, 2)
        assert u.approval_policies.current().rules == DEFAULT_POLICY.rules
        u.commit()


def test_stale_version_is_refused(uow, world):
    with uow() as u, pytest.raises(Conflict) as info:
        u.payments.set_status(world["payment"], 1, PaymentStatus.APPROVED)
    assert info.value.code == "STALE_VERSION"


def test_maker_cannot_approve_by_raw_sql(ledger, world):
    with pytest.raises(IntegrityError, match="SOD_VIOLATION"), ledger.engine.begin() as conn:
        _raw_approval(conn, world["payment"], world["maker"])


def test_approval_must_bind_the_current_content_hash(ledger, world):
    with pytest.raises(IntegrityError, match="APPROVAL_BINDING"), ledger.engine.begin() as conn:
        _raw_approval(conn, world["payment"], world["approver"], content_hash=H2)
    with ledger.engine.begin() as conn:
        _raw_approval(conn, world["payment"], world["approver"])


def test_approval_needs_a_pending_payment(ledger, world):
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE payment_requests SET status = 'DRAFT'"))
    with pytest.raises(IntegrityError, match="APPROVAL_BINDING"), ledger.engine.begin() as conn:
        _raw_approval(conn, world["payment"], world["approver"])


def test_content_hash_cannot_change_under_live_approvals(ledger, world):
    with ledger.engine.begin() as conn:
        _raw_approval(conn, world["payment"], world["approver"])
    with pytest.raises(IntegrityError, match="APPROVALS_NOT_VOIDED"), ledger.engine.begin() as conn:
        conn.execute(text("UPDATE payment_requests SET amount_minor = 999, content_hash = :h"), {"h": H2})
    with ledger.engine.begin() as conn:  # void first, then the change is allowed
        conn.execute(text("UPDATE approvals SET voided_at = '2025-03-01 10:00:00', void_reason = 'edited'"))
        conn.execute(text("UPDATE payment_requests SET amount_minor = 999, content_hash = :h"), {"h": H2})


def test_content_is_frozen_without_a_new_hash_and_after_approval(ledger, world):
    with pytest.raises(IntegrityError, match="PAYMENT_CONTENT_FROZEN"), ledger.engine.begin() as conn:
        conn.execute(text("UPDATE payment_requests SET amount_minor = 1"))
    with pytest.raises(IntegrityError, match="PAYMENT_CONTENT_FROZEN"), ledger.engine.begin() as conn:
        conn.execute(text("UPDATE payment_requests SET purpose = '改了'"))
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE payment_requests SET status = 'APPROVED'"))
    with pytest.raises(IntegrityError, match="PAYMENT_CONTENT_FROZEN"), ledger.engine.begin() as conn:
        conn.execute(text("UPDATE payment_requests SET amount_minor = 1, content_hash = :h"), {"h": H2})


def test_approvals_are_immutable_and_voids_final(ledger, world):
    with ledger.engine.begin() as conn:
        _raw_approval(conn, world["payment"], world["approver"])
    with pytest.raises(IntegrityError, match="APPROVAL_IMMUTABLE"), ledger.engine.begin() as conn:
        conn.execute(text("UPDATE approvals SET decision = 'rejected'"))
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE approvals SET voided_at = '2025-03-01 10:00:00'"))
    with pytest.raises(IntegrityError, match="APPROVAL_IMMUTABLE"), ledger.engine.begin() as conn:
        conn.execute(text("UPDATE approvals SET voided_at = NULL"))


def test_one_live_approval_per_person_and_content(ledger, world):
    with ledger.engine.begin() as conn:
        _raw_approval(conn, world["payment"], world["approver"], level=1)
    with pytest.raises(IntegrityError), ledger.engine.begin() as conn:
        _raw_approval(conn, world["payment"], world["approver"], level=2)


def test_signer_is_neither_maker_nor_approver(ledger, world):
    with ledger.engine.begin() as conn:
        _raw_approval(conn, world["payment"], world["approver"])
    for who in ("maker", "approver"):
        with pytest.raises(IntegrityError, match="SOD_VIOLATION"), ledger.engine.begin() as conn:
            conn.execute(text("UPDATE payment_requests SET signer_id = :s"), {"s": world[who]})
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE payment_requests SET signer_id = :s"), {"s": world["signer"]})
    with pytest.raises(IntegrityError, match="SOD_VIOLATION"), ledger.engine.begin() as conn:
        _raw_approval(conn, world["payment"], world["signer"], level=2)
