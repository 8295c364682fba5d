"""sign_batch reuses the batch ready_batches built (a 100,000-line payroll is not read and hashed twice between
listing and signing) only while nothing it was built from changed: the payments (versions), their payees and the
debit account. Any change in between: the batch is read afresh, so a gone batch is refused before the PIN and a
changed payee is signed as it now is (or refused by the checks)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.domain.errors import Conflict
from app.domain.payment import PaymentStatus
from tests.services.test_signing import approved, make_signer


class _Counting:
    """A signer that counts its signatures (a PIN prompt each)."""

    def __init__(self):
        self._signer = make_signer()
        self.signed = 0

    def __getattr__(self, name):
        return getattr(self._signer, name)

    def sign_digest(self, digest):
        self.signed += 1
        return self._signer.sign_digest(digest)


def _read_counter(w, monkeypatch) -> list[int]:
    """How many times the approved payments were read in full (the listing query)."""
    calls: list[int] = []
    uow_factory = w.services.signing._uow

    def counting_factory(*args, **kwargs):
        cm = uow_factory(*args, **kwargs)

        class _Wrap:
            def __enter__(self):
                uow = cm.__enter__()
                real = uow.payments.list

                def listing(*a, **k):
                    calls.append(1)
                    return real(*a, **k)
                monkeypatch.setattr(uow.payments, "list", listing)
                return uow

            def __exit__(self, *exc):
                return cm.__exit__(*exc)
        return _Wrap()

    monkeypatch.setattr(w.services.signing, "_uow", counting_factory)
    return calls


def test_an_unchanged_listed_batch_is_signed_without_reading_it_again(payment_world, monkeypatch):
    w = payment_world
    ids = [approved(w, amount=f"{i}.00") for i in (1, 2, 3)]
    reads = _read_counter(w, monkeypatch)
    preview = w.services.signing.ready_batches(w.actor("signer"))[0]
    assert len(reads) == 1
    signer = _Counting()
    batch = w.services.signing.sign_batch(w.actor("signer"), preview.batch_key, signer)
    assert len(reads) == 1 and signer.signed == 1
    assert batch.digest == preview.digest and batch.merkle_root == preview.merkle_root
    assert {w.services.payments.get(w.actor("maker"), i).payment.status for i in ids} == {PaymentStatus.SIGNED}
    with pytest.raises(Conflict) as exc:   # signed: the listed batch is gone, and it is not signed twice
        w.services.signing.sign_batch(w.actor("signer"), preview.batch_key, signer)
    assert exc.value.code == "BATCH_CHANGED" and signer.signed == 1


def test_a_payment_changed_after_listing_is_read_afresh_and_refused_before_the_pin(payment_world, app_context):
    w = payment_world
    ids = [approved(w, amount="10.00"), approved(w, amount="20.00")]
    preview = w.services.signing.ready_batches(w.actor("signer"))[0]
    w.services.payments.cancel(w.actor("maker"), ids[1], reason="wrong amount")
    signer = _Counting()
    with pytest.raises(Conflict) as exc:
        w.services.signing.sign_batch(w.actor("signer"), preview.batch_key, signer)
    assert exc.value.code == "BATCH_CHANGED" and signer.signed == 0   # no PIN was asked
    assert w.services.payments.get(w.actor("maker"), ids[0]).payment.status is PaymentStatus.APPROVED
    with app_context.ledger.engine.begin() as conn:   # a write that changes nothing but the version
        conn.execute(text("UPDATE payment_requests SET version = version + 1 WHERE id = :p"), {"p": ids[0]})
    fresh = w.services.signing.ready_batches(w.actor("signer"))[0]
    with app_context.ledger.engine.begin() as conn:
        conn.execute(text("UPDATE payment_requests SET version = version + 1 WHERE id = :p"), {"p": ids[0]})
    batch = w.services.signing.sign_batch(w.actor("signer"), fresh.batch_key, signer)   # rebuilt, same content
    assert batch.digest == fresh.digest and signer.signed == 1


def test_a_payee_renamed_after_listing_is_read_afresh_and_refused_before_the_pin(payment_world):
    """The payee's name is part of the approved content: the listed batch is not reused (its payees' fingerprint
    changed) and the checks on the fresh read refuse it, before the PIN."""
    w = payment_world
    pid = approved(w, amount="10.00")
    preview = w.services.signing.ready_batches(w.actor("signer"))[0]
    payee = w.services.master_data.get_payee(w.admin, w.payee.id)
    fields = {k: getattr(payee, k) for k in ("account_number", "bank_name", "branch_name", "cnaps_code", "uscc")}
    w.services.master_data.update_payee(w.admin, payee.id, payee.version,
                                        {**fields, "name": "深圳市华强电子股份有限公司", "kind": payee.kind.value})
    signer = _Counting()
    with pytest.raises(Conflict) as exc:
        w.services.signing.sign_batch(w.actor("signer"), preview.batch_key, signer)
    assert exc.value.code == "CONTENT_CHANGED" and str(pid) in exc.value.message and signer.signed == 0
    assert w.services.payments.get(w.actor("maker"), pid).payment.status is PaymentStatus.APPROVED
