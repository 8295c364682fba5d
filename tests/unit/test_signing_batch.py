"""The canonical batch document, its Merkle root, inclusion proofs and the signed digest."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import ValidationFailed
from app.domain.signing_batch import (
    MAGIC,
    BatchPayment,
    Side,
    SigningBatch,
    inclusion_proof,
    leaf_hash,
    node_hash,
    proof_from_json,
    proof_to_json,
    signing_preimage,
    verify_inclusion,
)

DEBIT = "755912345610001"


def payment(i: int, amount_minor: int = 12_345, **changes) -> BatchPayment:
    base = BatchPayment(
        payment_id=f"P{i:06d}", client_reference=f"BD{i:010d}", debit_account=DEBIT,
        payee_account=f"62170000{i:08d}", payee_name=f"收款公司{i}", bank_code="104584000003",
        amount_minor=amount_minor, currency="CNY", purpose="货款",
        content_hash=hashlib.sha256(f"content-{i}".encode()).hexdigest())
    return dataclasses.replace(base, **changes)


def batch_of(n: int, batch_id: str = "B1") -> SigningBatch:
    return SigningBatch.build(batch_id, DEBIT, "cmb", "CNY", [payment(i, 100 + i) for i in range(n)])


def test_document_is_deterministic_and_independent_of_input_order():
    items = [payment(i) for i in range(7)]
    a = SigningBatch.build("B1", DEBIT, "cmb", "CNY", items)
    b = SigningBatch.build("B1", DEBIT, "cmb", "CNY", list(reversed(items)))
    assert a.canonical_document() == b.canonical_document()
    assert a.digest() == b.digest()
    doc = json.loads(a.canonical_document().decode("utf-8"))
    assert doc["header"] == {"version": 1, "batch_id": "B1", "debit_account": DEBIT, "bank": "cmb", "count": 7,
                             "total_minor": 7 * 12_345, "currency": "CNY"}
    assert [p["payment_id"] for p in doc["payments"]] == sorted(p.payment_id for p in items)
    assert doc["merkle_root"] == a.merkle_root().hex()
    assert "收款公司0".encode() in a.canonical_document()  # UTF-8, not \\u escapes
    assert b" " not in a.payments[0].leaf()  # no insignificant whitespace


def test_digest_is_sha256_of_header_and_root():
    b = batch_of(5)
    assert b.signing_preimage() == MAGIC + b.header.to_bytes() + b"\x00" + b.merkle_root()
    assert b.digest() == hashlib.sha256(b.signing_preimage()).digest()
    assert signing_preimage(b.header, b.merkle_root()) == b.signing_preimage()
    # the header binds the batch id, count and total: changing one changes the digest
    assert batch_of(5, "B2").digest() != b.digest()
    assert batch_of(6).digest() != b.digest()


def test_merkle_root_small_trees_by_hand():
    one = batch_of(1)
    assert one.merkle_root() == leaf_hash(one.payments[0].leaf())
    three = batch_of(3)
    h = [leaf_hash(p.leaf()) for p in three.payments]
    assert three.merkle_root() == node_hash(node_hash(h[0], h[1]), h[2])  # lone node promoted, not duplicated
    # domain separation: a leaf is never hashed like a node
    assert leaf_hash(h[0] + h[1]) != node_hash(h[0], h[1])


def test_proofs_for_every_payment_and_json_round_trip():
    b = batch_of(13)
    for i, p in enumerate(b.payments):
        proof = inclusion_proof(b, i)
        assert verify_inclusion(p.leaf(), proof, b.merkle_root())
        assert verify_inclusion(p.leaf(), proof_from_json(proof_to_json(proof)), b.merkle_root())
    assert b.index_of("P000004") == 4
    with pytest.raises(IndexError):
        inclusion_proof(b, 13)


def test_a_proof_does_not_verify_another_payment_or_another_root():
    b = batch_of(8)
    proof = inclusion_proof(b, 2)
    assert not verify_inclusion(b.payments[3].leaf(), proof, b.merkle_root())
    other = batch_of(8, "other")  # the root covers the payments only; the header (batch id) is in the digest
    assert other.merkle_root() == b.merkle_root() and other.digest() != b.digest()
    assert not verify_inclusion(b.payments[2].leaf(), proof, batch_of(9).merkle_root())
    flipped = [(Side.RIGHT if s is Side.LEFT else Side.LEFT, h) for s, h in proof]
    assert not verify_inclusion(b.payments[2].leaf(), flipped, b.merkle_root())
    assert not verify_inclusion(b.payments[2].leaf(), proof[:-1], b.merkle_root())
    assert not verify_inclusion(b.payments[2].leaf(), [("X", proof[0][1]), *proof[1:]], b.merkle_root())
    assert not verify_inclusion(b.payments[2].leaf(), [(proof[0][0], b"short"), *proof[1:]], b.merkle_root())


def test_invalid_batches_report_every_problem():
    bad = [
        payment(1, amount_minor=0),
        payment(2, debit_account="999"),
        payment(3, currency="USD"),
        payment(1),  # duplicate id
        payment(5, client_reference="BD0000000006"),
        payment(6),  # duplicate reference
        payment(7, content_hash="nothex"),
        payment(8, amount_minor=1.5),
    ]
    with pytest.raises(ValidationFailed) as exc:
        SigningBatch.build("B1", DEBIT, "cmb", "CNY", bad)
    codes = {p.code for p in exc.value.problems}
    assert codes == {"AMOUNT_NOT_POSITIVE", "BATCH_MIXED_ACCOUNT", "BATCH_MIXED_CURRENCY", "BATCH_DUPLICATE_PAYMENT",
                     "BATCH_DUPLICATE_REFERENCE", "CONTENT_HASH", "AMOUNT_FORMAT"}
    with pytest.raises(ValidationFailed) as exc:
        SigningBatch.build("", DEBIT, "cmb", "CNY", [])
    assert {p.code for p in exc.value.problems} == {"BATCH_HEADER", "BATCH_EMPTY"}


FIELDS = {
    "payment_id": st.text(min_size=1, max_size=8),
    "client_reference": st.text(max_size=8),
    "payee_account": st.text(max_size=8),
    "payee_name": st.text(max_size=8),
    "bank_code": st.text(max_size=8),
    "amount_minor": st.integers(min_value=1, max_value=10**15),
    "purpose": st.text(max_size=8),
    "content_hash": st.binary(min_size=32, max_size=32).map(bytes.hex),
}


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=1, max_value=40), data=st.data())
def test_every_proof_verifies_and_any_field_change_breaks_it(n, data):
    b = batch_of(n)
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    proof = inclusion_proof(b, i)
    original = b.payments[i]
    assert verify_inclusion(original.leaf(), proof, b.merkle_root())
    name = data.draw(st.sampled_from(sorted(FIELDS)))
    value = data.draw(FIELDS[name].filter(lambda v: v != getattr(original, name)))
    altered = dataclasses.replace(original, **{name: value})
    assert not verify_inclusion(altered.leaf(), proof, b.merkle_root())
    # and a batch built from the altered payment has another root and another digest
    others = [p for j, p in enumerate(b.payments) if j != i]
    if name != "payment_id" or all(p.payment_id != value for p in others):
        if name != "client_reference" or not value or all(p.client_reference != value for p in others):
            rebuilt = SigningBatch.build("B1", DEBIT, "cmb", "CNY", [*others, altered])
            assert rebuilt.merkle_root() != b.merkle_root()
            assert rebuilt.digest() != b.digest()


def test_ten_thousand_payments_are_fast():
    items = [payment(i, 100 + i) for i in range(10_000)]
    start = time.perf_counter()
    b = SigningBatch.build("BIG", DEBIT, "cmb", "CNY", items)
    doc = b.canonical_document()
    digest = b.digest()
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, elapsed
    assert b.count == 10_000 and b.total_minor == sum(100 + i for i in range(10_000))
    assert len(digest) == 32 and len(doc) > 10_000 * 100
    for i in (0, 4_095, 4_096, 9_999):
        proof = inclusion_proof(b, i)
        assert len(proof) <= 14
        assert verify_inclusion(b.payments[i].leaf(), proof, b.merkle_root())
