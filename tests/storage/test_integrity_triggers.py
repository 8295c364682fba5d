"""Separation of duties is enforced by the database itself: raw SQL cannot make the maker an approver."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.domain.errors import Conflict, PermissionDenied
from app.domain.users import Role
from tests.storage.support import account_fields, payee_fields


@pytest.fixture
def payment(uow, org, clock):
    """A payment made by user 'maker'; returns (payment id, maker id, approver id)."""
    with uow() as u:
        maker = u.users.add("maker", "经办人", "h", [Role.MAKER], clock.now())
        approver = u.users.add("approver", "审批人", "h", [Role.APPROVER], clock.now())
        acc = u.accounts.add(org.id, account_fields())
        payee = u.payees.add(org.id, payee_fields(1))
        u.commit()
    return acc.id, payee.id, maker.id, approver.id


def _insert_payment(conn, acc_id, payee_id, maker_id, amount=12_345, ref="REF-0001"):
    conn.execute(text(
        "INSERT INTO payment_requests (id, org_id, debit_account_id, payee_id, amount_minor, currency, purpose, "
        "requested_date, urgency, status, client_reference, maker_id, content_hash, version, created_at, "
        "updated_at) VALUES (1, 1, :acc, :payee, :amount, 'CNY', '货款', '2025-03-01', 'normal', "
        "'PENDING_APPROVAL', :ref, :maker, :h, 1, '2025-03-01 08:00:00', '2025-03-01 08:00:00')"),
        {"acc": acc_id, "payee": payee_id, "maker": maker_id, "h": "c" * 64, "amount": amount, "ref": ref})


def _approve(conn, approver_id, level=1):
    conn.execute(text(
        "INSERT INTO approvals (payment_id, approver_id, level, decision, content_hash, comment, at) "
        "VALUES (1, :who, :level, 'approved', :h, NULL, '2025-03-01 09:00:00')"),
        {"who": approver_id, "level": level, "h": "c" * 64})


def test_maker_cannot_approve_own_payment_even_with_raw_sql(ledger, payment):
    acc_id, payee_id, maker_id, approver_id = payment
    with ledger.engine.begin() as conn:
        _insert_payment(conn, acc_id, payee_id, maker_id)
    with pytest.raises(IntegrityError, match="SOD_VIOLATION"), ledger.engine.begin() as conn:
        _approve(conn, maker_id)
    with ledger.engine.begin() as conn:
        _approve(conn, approver_id)  # someone else may
        assert conn.execute(text("SELECT count(*) FROM approvals")).scalar() == 1
    # nor can an approval be re-pointed at the maker, or the maker changed to the approver afterwards
    with pytest.raises(IntegrityError, match="SOD_VIOLATION"), ledger.engine.begin() as conn:
        conn.execute(text("UPDATE approvals SET approver_id = :m"), {"m": maker_id})
    with pytest.raises(IntegrityError, match="SOD_VIOLATION"), ledger.engine.begin() as conn:
        conn.execute(text("UPDATE payment_requests SET maker_id = :a"), {"a": approver_id})


def test_sod_violation_through_a_unit_of_work_is_a_specific_error(ledger, uow, payment):
    acc_id, payee_id, maker_id, _ = payment
    with ledger.engine.begin() as conn:
        _insert_payment(conn, acc_id, payee_id, maker_id)
    with pytest.raises(PermissionDenied) as info, uow() as u:
        _approve(u.session, maker_id)
    assert info.value.code == "SOD_VIOLATION"


@pytest.mark.parametrize("amount", [0, -1])
def test_amount_must_be_positive(ledger, payment, amount):
    acc_id, payee_id, maker_id, _ = payment
    with pytest.raises(IntegrityError), ledger.engine.begin() as conn:
        _insert_payment(conn, acc_id, payee_id, maker_id, amount=amount)


def test_client_reference_is_unique_per_debit_account(ledger, uow, payment):
    acc_id, payee_id, maker_id, _ = payment
    with ledger.engine.begin() as conn:
        _insert_payment(conn, acc_id, payee_id, maker_id)
    with pytest.raises(Conflict) as info, uow() as u:
        u.session.execute(text(
            "INSERT INTO payment_requests (id, org_id, debit_account_id, payee_id, amount_minor, currency, "
            "purpose, requested_date, urgency, status, client_reference, maker_id, content_hash, version, "
            "created_at, updated_at) VALUES (2, 1, :acc, :payee, 5, 'CNY', 'x', '2025-03-01', 'normal', "
            "'QUEUED', 'REF-0001', :maker, 'h', 1, '2025-03-01 08:00:00', '2025-03-01 08:00:00')"),
            {"acc": acc_id, "payee": payee_id, "maker": maker_id})
    assert info.value.code == "DUPLICATE" and info.value.field == "client_reference"


def test_foreign_keys_are_enforced(ledger, uow, payment):
    _, payee_id, maker_id, _ = payment
    with pytest.raises(Conflict) as info, uow() as u:
        _insert_payment(u.session, 999, payee_id, maker_id)
    assert info.value.code == "INVALID_REFERENCE"
