"""What changes while the signer types the PIN is caught when the signature is stored: the pre-PIN checks are
kept only when nothing they depended on (approvals, payees, the debit account, the payments' versions) changed;
otherwise everything is checked again and the signature is not stored. Proofs are derived from the stored
leaves, and a leaf rewritten behind the app's back fails verification."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from app.domain.errors import Conflict
from app.domain.payment import PaymentStatus
from app.domain.signing_batch import proof_from_json, verify_inclusion
from tests.services.test_signing import approved, make_signer


class _DuringPin:
    """A signer that does something (another user's action) while the PIN is being typed, then signs."""

    def __init__(self, signer, action):
        self._signer, self._action = signer, action

    def __getattr__(self, name):
        return getattr(self._signer, name)

    def sign_digest(self, digest):
        self._action()
        return self._signer.sign_digest(digest)


def _sign(w, action):
    signer = _DuringPin(make_signer(), action)
    key = w.services.signing.ready_batches(w.actor("signer"))[0].batch_key
    return w.services.signing.sign_batch(w.actor("signer"), key, signer)


def _statuses(w, ids):
    return {w.services.payments.get(w.actor("maker"), i).payment.status for i in ids}


def test_payee_edited_during_the_pin_is_refused(payment_world):
    w = payment_world
    ids = [approved(w, amount="10.00"), approved(w, amount="20.00")]

    def edit_payee():
        payee = w.services.master_data.get_payee(w.admin, w.payee.id)
        fields = {k: getattr(payee, k) for k in ("account_number", "bank_name", "branch_name", "cnaps_code", "uscc")}
        w.services.master_data.update_payee(w.admin, payee.id, payee.version,
                                            {**fields, "name": "深圳市华强电子股份有限公司", "kind": payee.kind.value})

    with pytest.raises(Conflict) as exc:
        _sign(w, edit_payee)
    assert exc.value.code == "CONTENT_CHANGED"
    assert _statuses(w, ids) == {PaymentStatus.APPROVED}
    assert w.services.signing.list_batches(w.actor("signer")) == []


def test_payment_cancelled_during_the_pin_is_refused(payment_world):
    w = payment_world
    ids = [approved(w, amount="10.00"), approved(w, amount="20.00")]

    def cancel():
        w.services.payments.cancel(w.actor("maker"), ids[1], reason="wrong amount")

    with pytest.raises(Conflict) as exc:   # cancelling voids its approvals: the checks run again and refuse
        _sign(w, cancel)
    assert exc.value.code in ("CONTENT_CHANGED", "BATCH_CHANGED") and str(ids[1]) in exc.value.message
    assert w.services.payments.get(w.actor("maker"), ids[0]).payment.status is PaymentStatus.APPROVED
    assert w.services.signing.list_batches(w.actor("signer")) == []


def test_payment_written_during_the_pin_fails_the_versioned_write(payment_world, app_context):
    """A change the fingerprints cannot see (approvals, payees and account untouched) still bumps the payment's
    version, and the versioned write refuses the whole batch."""
    w = payment_world
    ids = [approved(w, amount="10.00"), approved(w, amount="20.00")]

    def touch():
        with app_context.ledger.engine.begin() as conn:
            conn.execute(text("UPDATE payment_requests SET version = version + 1 WHERE id = :p"), {"p": ids[0]})

    with pytest.raises(Conflict) as exc:
        _sign(w, touch)
    assert exc.value.code == "BATCH_CHANGED" and "signature was not stored" in exc.value.message
    assert _statuses(w, ids) == {PaymentStatus.APPROVED}
    assert w.services.signing.list_batches(w.actor("signer")) == []


def test_approval_voided_during_the_pin_is_refused(payment_world, app_context):
    w = payment_world
    pid = approved(w, amount="10.00")

    def void():
        with app_context.ledger.engine.begin() as conn:
            conn.execute(text("UPDATE approvals SET voided_at = '2026-11-26 00:00:00', void_reason = 'test' "
                              "WHERE payment_id = :p"), {"p": pid})

    with pytest.raises(Conflict) as exc:
        _sign(w, void)
    assert exc.value.code == "CONTENT_CHANGED"
    assert _statuses(w, [pid]) == {PaymentStatus.APPROVED}


def test_nothing_changed_signs_and_proofs_are_derived_from_the_leaves(payment_world, app_context):
    w = payment_world
    ids = [approved(w, amount=f"{i}.00") for i in (1, 2, 3, 4, 5)]
    batch = _sign(w, lambda: None)
    assert _statuses(w, ids) == {PaymentStatus.SIGNED}
    with app_context.ledger.engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT proof_json FROM signed_batch_payments"))]
    assert stored == [""] * 5   # 100,000 proofs are not stored; the leaves are
    root = bytes.fromhex(batch.merkle_root)
    for pid in ids:
        _b, item = w.services.signing.payment_proof(w.actor("signer"), pid)
        assert verify_inclusion(item.leaf_json.encode(), proof_from_json(json.loads(item.proof_json)), root)
    assert w.services.signing.verify_batch(w.actor("signer"), batch.batch_id).ok
    with app_context.ledger.engine.begin() as conn:  # a forger with SQL access rewrites one leaf's amount
        conn.execute(text("DROP TRIGGER signed_batch_payments_no_update"))
        leaf = json.loads(conn.execute(text("SELECT leaf_json FROM signed_batch_payments WHERE idx = 2")).scalar())
        leaf["amount_minor"] += 100
        conn.execute(text("UPDATE signed_batch_payments SET leaf_json = :l WHERE idx = 2"),
                     {"l": json.dumps(leaf, sort_keys=True, separators=(",", ":"), ensure_ascii=False)})
    report = w.services.signing.verify_batch(w.actor("signer"), batch.batch_id)
    assert not report.ok and not report.header_ok
    assert not any(c.proof_ok for c in report.payments)   # the tree rebuilt from the leaves has another root
