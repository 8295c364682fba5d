"""Payee confirmation is enforced by the database itself (migration 0006), on SQLite and PostgreSQL: raw SQL
cannot move a payment to an unconfirmed payee forward, nor let the person who changed a payee confirm it."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.domain.errors import Conflict
from app.domain.users import Role
from tests.storage.support import account_fields, payee_fields


@pytest.fixture
def world(uow, org, clock):
    """(account id, payee id, maker id, other user id) with one DRAFT payment (id 1) to the payee."""
    with uow() as u:
        maker = u.users.add("maker", "经办人", "h", [Role.MAKER], clock.now())
        other = u.users.add("approver", "审批人", "h", [Role.APPROVER], clock.now())
        acc = u.accounts.add(org.id, account_fields())
        payee = u.payees.add(org.id, payee_fields(1))
        u.session.execute(text(
            "INSERT INTO payment_requests (id, org_id, debit_account_id, payee_id, amount_minor, currency, purpose, "
            "requested_date, urgency, status, client_reference, maker_id, content_hash, version, created_at, "
            "updated_at) VALUES (1, 1, :acc, :payee, 100, 'CNY', '货款', '2025-03-01', 'normal', "
            "'DRAFT', 'REF-1', :maker, :h, 1, '2025-03-01 08:00:00', '2025-03-01 08:00:00')"),
            {"acc": acc.id, "payee": payee.id, "maker": maker.id, "h": "c" * 64})
        u.commit()
    return acc.id, payee.id, maker.id, other.id


def _unconfirm(conn, payee_id, user_id):
    conn.execute(text("UPDATE payees SET confirmed = false, changed_by = :u, confirmed_by = NULL WHERE id = :p"),
                 {"u": user_id, "p": payee_id})


def test_new_payees_are_confirmed(ledger, world):
    _, payee_id, _, _ = world
    with ledger.engine.begin() as conn:
        assert conn.execute(text("SELECT confirmed FROM payees WHERE id = :p"), {"p": payee_id}).scalar() in (1, True)


@pytest.mark.parametrize("status", ["PENDING_APPROVAL", "APPROVED", "SIGNED"])
def test_payment_cannot_move_forward_while_payee_is_unconfirmed(ledger, world, status):
    _, payee_id, maker_id, other_id = world
    with ledger.engine.begin() as conn:
        _unconfirm(conn, payee_id, maker_id)
    with pytest.raises(IntegrityError, match="PAYEE_UNCONFIRMED"), ledger.engine.begin() as conn:
        conn.execute(text("UPDATE payment_requests SET status = :s WHERE id = 1"), {"s": status})
    with ledger.engine.begin() as conn:
        assert conn.execute(text("SELECT status FROM payment_requests WHERE id = 1")).scalar() == "DRAFT"
        conn.execute(text("UPDATE payment_requests SET status = 'REJECTED' WHERE id = 1"))  # not final: fine
        conn.execute(text("UPDATE payment_requests SET status = 'DRAFT' WHERE id = 1"))
        conn.execute(text("UPDATE payees SET confirmed = true, confirmed_by = :o WHERE id = :p"),
                     {"o": other_id, "p": payee_id})
        conn.execute(text("UPDATE payment_requests SET status = 'PENDING_APPROVAL' WHERE id = 1"))
        assert conn.execute(text("SELECT status FROM payment_requests WHERE id = 1")).scalar() == "PENDING_APPROVAL"


@pytest.mark.parametrize("confirmer", ["self", "nobody"])
def test_the_person_who_changed_a_payee_cannot_confirm_it(ledger, world, confirmer):
    _, payee_id, maker_id, _ = world
    with ledger.engine.begin() as conn:
        _unconfirm(conn, payee_id, maker_id)
    who = maker_id if confirmer == "self" else None
    with pytest.raises(IntegrityError, match="SELF_CONFIRM"), ledger.engine.begin() as conn:
        conn.execute(text("UPDATE payees SET confirmed = true, confirmed_by = :w WHERE id = :p"),
                     {"w": who, "p": payee_id})
    with ledger.engine.begin() as conn:
        assert conn.execute(text("SELECT confirmed FROM payees WHERE id = :p"), {"p": payee_id}).scalar() in (0, False)


def test_trigger_errors_through_a_unit_of_work_are_specific(ledger, uow, world):
    _, payee_id, maker_id, _ = world
    with uow() as u:
        u.payees.mark_changed(payee_id, maker_id)
        u.commit()
    with pytest.raises(Conflict) as info, uow() as u:
        u.payees.confirm(payee_id, maker_id)
    assert info.value.code == "SELF_CONFIRM"
    with uow(read_only=True) as u:
        payee = u.payees.get(payee_id)
        assert not payee.confirmed and payee.changed_by == maker_id
        assert [p.id for p in u.payees.awaiting_confirmation()] == [payee_id]
