"""人民币大写 against the PBOC examples, a round trip, and cn2an as an independent oracle."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import ValidationFailed
from app.domain.rmb_words import check_amount_in_words, parse_rmb_uppercase, rmb_uppercase

REF = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
PBOC_CSV = REF / "china" / "derived" / "rmb_uppercase_pboc_examples.csv"


def _minor(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def _pboc_rows() -> list[dict]:
    if not PBOC_CSV.is_file():
        pytest.skip(f"reference data not found at {PBOC_CSV} (expected ../shared/reference beside the repo)")
    with PBOC_CSV.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_pboc_examples_both_spellings():
    rows = _pboc_rows()
    assert len(rows) == 6
    for row in rows:
        minor = _minor(row["amount"])
        expected = row["expected_uppercase"]
        assert rmb_uppercase(minor, prefix=True) == expected, row["rule"]
        assert rmb_uppercase(minor) == expected.removeprefix("人民币")
        assert parse_rmb_uppercase(expected) == minor
        assert parse_rmb_uppercase(expected.removeprefix("人民币")) == minor
        alt = row["alternative_accepted"]
        if alt:
            assert parse_rmb_uppercase(alt) == minor, alt
            assert parse_rmb_uppercase(alt.removeprefix("人民币")) == minor
            assert check_amount_in_words(minor, alt) == []


@pytest.mark.parametrize(("minor", "words"), [
    (0, "零元整"), (1, "壹分"), (10, "壹角"), (55, "伍角伍分"), (100, "壹元整"), (1000, "壹拾元整"),
    (1500, "壹拾伍元整"), (10000, "壹佰元整"), (10050, "壹佰元零伍角"), (10005, "壹佰元零伍分"),
    (1070000, "壹万零柒佰元整"), (10000000100, "壹亿零壹元整"), (10001000000, "壹亿零壹万元整"),
    (12000000010, "壹亿贰仟万元零壹角"), (100001000 * 100, "壹亿零壹仟元整"),
    (100000000000000, "壹万亿元整"), (10**15, "壹拾万亿元整"), (1010101, "壹万零壹佰零壹元零壹分"),
    (123456789012345, "壹万贰仟叁佰肆拾伍亿陆仟柒佰捌拾玖万零壹佰贰拾叁元肆角伍分"),
    (2000000000, "贰仟万元整"), (100000010000, "壹拾亿零壹佰元整"),
])
def test_known_spellings(minor, words):
    assert rmb_uppercase(minor) == words
    assert parse_rmb_uppercase(words) == minor


def test_prefix_and_other_accepted_forms():
    assert rmb_uppercase(100, prefix=True) == "人民币壹元整"
    assert parse_rmb_uppercase("人民币壹元整") == 100
    assert parse_rmb_uppercase("壹元") == 100  # 整 is optional when reading
    assert parse_rmb_uppercase("壹元正") == 100
    assert parse_rmb_uppercase("壹佰元伍角整") == 10050
    assert parse_rmb_uppercase("壹佰元伍角") == 10050  # 零 after 元 may be omitted when 元位 is 0
    assert parse_rmb_uppercase("貳萬陸仟圓整") == 2600000  # traditional forms
    assert parse_rmb_uppercase("壹億元整") == 10000000000
    assert parse_rmb_uppercase("零元伍角") == 50
    assert parse_rmb_uppercase("壹亿壹仟元整") == 100001000 * 100  # zero run ends at 万位: 零 optional


@pytest.mark.parametrize("words", [
    "", "人民币", "整", "元整", "壹佰", "一百元整", "壹百元整", "壹佰元整整", "壹佰元伍分整", "壹佰元贰分",
    "壹仟伍元整", "壹万伍元整", "壹佰零元整", "零壹佰元整", "壹佰元零角伍分", "壹佰元伍角零分", "壹元元整",
    "壹佰伍拾壹元零伍角", "壹万零伍仟元整", "壹仟仟元整", "壹拾佰元整", "壹佰元伍", "伍角伍", "壹佰元叁角肆分伍厘",
    "1000元整", "壹佰美元整", "壹佰元 整", "壹拾万零壹万元整", "壹佰万亿亿元整", "壹仟万亿元整",
    "壹亿零壹仟万元整", "壹亿壹佰元整", "壹万壹拾元整", "零零元整", "壹万万元整",
])
def test_garbage_is_rejected(words):
    with pytest.raises(ValidationFailed) as exc:
        parse_rmb_uppercase(words)
    assert exc.value.code == "AMOUNT_FORMAT"


def test_mismatch_and_format_problems():
    [p] = check_amount_in_words(140950, "壹仟肆佰零玖元伍角壹分")
    assert p.code == "AMOUNT_MISMATCH" and "1409.51" in p.message and "1409.50" in p.message
    [p] = check_amount_in_words(100, "壹百元整")
    assert p.code == "AMOUNT_FORMAT" and p.field == "amount_words"
    assert check_amount_in_words(140950, "人民币壹仟肆佰零玖元伍角") == []


def test_range():
    with pytest.raises(ValueError):
        rmb_uppercase(-1)
    with pytest.raises(ValueError):
        rmb_uppercase(10**15 + 1)
    with pytest.raises(TypeError):
        rmb_uppercase(1.0)


@settings(max_examples=2000, deadline=None)
@given(st.integers(min_value=1, max_value=10**15 - 1))
def test_round_trip(n):
    words = rmb_uppercase(n)
    assert parse_rmb_uppercase(words) == n
    assert parse_rmb_uppercase("人民币" + words) == n
    assert not words.endswith("分整")


_DIGIT_COUNTS = st.integers(min_value=1, max_value=13)


@st.composite
def _sparse_amounts(draw):
    """Amounts with many zeros (where the 零 rules bite), as well as dense ones."""
    digits = draw(_DIGIT_COUNTS)
    whole = "".join(draw(st.sampled_from("0000000123456789")) for _ in range(digits)).lstrip("0") or "0"
    cents = draw(st.sampled_from(["00", "05", "50", "55", "01", "10", "99"]))
    text = f"{whole}.{cents}"
    return text if text != "0.00" else "0.01"


@settings(max_examples=1500, deadline=None)
@given(_sparse_amounts())
def test_agrees_with_cn2an(text):
    cn2an = pytest.importorskip("cn2an")
    theirs = cn2an.an2cn(text, "rmb")
    minor = _minor(text)
    ours = rmb_uppercase(minor)
    # cn2an omits the optional 零 (e.g. 壹佰元伍角 where we write 壹佰元零伍角): compare through the parser,
    # which must accept cn2an's spelling as the same amount.
    assert parse_rmb_uppercase(theirs) == minor, (text, theirs, ours)
    if theirs != ours:
        assert theirs.replace("零", "") == ours.replace("零", ""), (text, theirs, ours)
