"""A payment's leaf, written directly (BatchPayment.leaf), is byte for byte the canonical JSON of its canonical
dict — for any text (quotes, backslashes, control characters, CJK, emoji, line separators) and any amount —
and values of other types go through canonical_json itself."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.signing_batch import BatchPayment, canonical_json

TEXTS = ["", "工资", 'a"b', "a\\b", "\x00\x1f\x7f", "tab\there\nnew", "\u2028\u2029", "😀 emoji", "ÿ€", "</script>"]


def _outcome(fn):
    try:
        return fn()
    except Exception as exc:        # the same refusal (a lone surrogate cannot be UTF-8) counts as the same
        return type(exc)


def _same(p: BatchPayment) -> None:
    assert _outcome(p.leaf) == _outcome(lambda: canonical_json(p.to_canonical()))


def _payment(**fields) -> BatchPayment:
    base = BatchPayment("000000000042", "", "755912345610001", "6217000000000001", "收款公司", "104584000003",
                        12_345, "CNY", "货款", "ab" * 32)
    return dataclasses.replace(base, **fields)


def test_tricky_texts_and_amounts():
    for text in TEXTS:
        for name in ("payment_id", "client_reference", "debit_account", "payee_account", "payee_name",
                     "bank_code", "currency", "purpose", "content_hash"):
            _same(_payment(**{name: text}))
    for amount in (0, 1, -5, 10 ** 30, 2 ** 63):
        _same(_payment(amount_minor=amount))


def test_other_types_go_through_canonical_json():
    class Text(str):
        pass

    for fields in ({"amount_minor": True}, {"amount_minor": 1.5}, {"payee_name": None}, {"purpose": Text("x")},
                   {"bank_code": 104584000003}):
        _same(_payment(**fields))


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.text(), min_size=9, max_size=9), amount=st.integers())
def test_any_text_and_amount(texts, amount):
    names = ("payment_id", "client_reference", "debit_account", "payee_account", "payee_name", "bank_code",
             "currency", "purpose", "content_hash")
    _same(_payment(amount_minor=amount, **dict(zip(names, texts, strict=True))))
