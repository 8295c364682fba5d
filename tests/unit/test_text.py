"""Free text for banks: required, charset, encoding and byte length — all problems at once."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.text import check_text, normalize_text


def codes(problems):
    return [p.code for p in problems]


def test_plain_chinese_name_passes():
    assert check_text("深圳市华强电子有限公司", "name", encoding="gbk", max_bytes=60) == []
    assert check_text("ACME Trading Co., Ltd. (HK) #3", "name", encoding="gbk", max_chars=40) == []


@pytest.mark.parametrize("value", ["", " ", "   ", "\u3000"])
def test_required(value):
    assert codes(check_text(value, "name")) == ["TEXT_REQUIRED"]
    assert check_text(value, "name", required=False) == []


def test_none_is_empty():
    assert codes(check_text(None, "name")) == ["TEXT_REQUIRED"]
    assert check_text(None, "remark", required=False) == []


@pytest.mark.parametrize(("ch", "kind"), [
    ("\x00", "control"), ("\x07", "control"), ("\t", "control"), ("\r", "control"), ("\n", "control"),
    ("\x7f", "control"), ("\x85", "control"), ("\x9f", "control"),
    ("\u202a", "bidi"), ("\u202e", "bidi"), ("\u2066", "bidi"), ("\u2069", "bidi"),
    ("\u200b", "zero-width"), ("\u200c", "zero-width"), ("\u200d", "zero-width"), ("\u2060", "zero-width"),
    ("\ufeff", "zero-width"),
    ("😀", "emoji"), ("🚀", "emoji"), ("☺", "emoji"), ("\ufe0f", "emoji"), ("🇨", "emoji"),
    ("\u2028", "separator"), ("\ue000", "private"), ("\ud800", "surrogate"),
])
def test_charset(ch, kind):
    value = "华强" + ch + "电子"
    [p] = check_text(value, "name")
    assert p.code == "TEXT_CHARSET" and p.field == "name"
    assert f"U+{ord(ch):04X}" in p.message
    assert "position 3" in p.message
    words = {"control": "control", "bidi": "bidirectional", "zero-width": "zero-width", "emoji": "emoji",
             "separator": "separator", "private": "private-use", "surrogate": "surrogate"}
    assert words[kind] in p.message


def test_charset_reports_each_character_and_summarises_floods():
    problems = check_text("a\u200bb\u202ec", "name")
    assert [p.params["position"] for p in problems] == [2, 4]
    flood = check_text("x" + "😀" * 50, "name")
    assert codes(flood) == ["TEXT_CHARSET"] * 6
    assert "45 more" in flood[-1].message


@pytest.mark.parametrize("ch", ["䶮", "𠮷", "\u20ac\u0301", "한"])
def test_gbk_cannot_carry(ch):
    problems = check_text("张" + ch + "公司", "name", encoding="gbk")
    assert "TEXT_ENCODING" in codes(problems)
    enc = [p for p in problems if p.code == "TEXT_ENCODING"][0]
    assert "GBK" in enc.message and "position 2" in enc.message


def test_gb18030_and_utf8_can_carry_rare_characters():
    assert check_text("䶮𠮷", "name", encoding="gb18030") == []
    assert check_text("䶮𠮷", "name", encoding="utf-8") == []


def test_length_in_characters_and_in_bank_bytes():
    assert check_text("很" * 30, "name", encoding="gbk", max_bytes=60) == []
    [p] = check_text("很" * 31, "name", encoding="gbk", max_bytes=60)
    assert p.code == "TEXT_LENGTH" and "62" in p.message and "60" in p.message
    # The same text is 93 bytes in UTF-8.
    [p] = check_text("很" * 31, "name", encoding="utf-8", max_bytes=60)
    assert p.params["bytes"] == 93
    assert codes(check_text("a" * 11, "name", max_chars=10)) == ["TEXT_LENGTH"]
    assert check_text("a" * 10, "name", max_chars=10) == []
    assert codes(check_text("很" * 21, "name", max_bytes=60)) == ["TEXT_LENGTH"]  # utf-8 by default


def test_all_problems_at_once():
    value = "䶮\u202e" + "很" * 40
    assert sorted(codes(check_text(value, "name", encoding="gbk", max_bytes=60, max_chars=30))) == [
        "TEXT_CHARSET", "TEXT_ENCODING", "TEXT_LENGTH", "TEXT_LENGTH"]


def test_never_replaces():
    value = "䶮记"
    check_text(value, "name", encoding="gbk", max_bytes=60)
    assert value == "䶮记"  # strings are immutable; the point is no '?' ever reaches a result


def test_normalize_text():
    assert normalize_text("  深圳 华强  ") == "深圳 华强"
    assert normalize_text("\u3000深圳\u3000华强\u3000") == "深圳\u3000华强"
    assert normalize_text("\u00a0x\t") == "\u00a0x\t"  # other whitespace is kept (and then refused)


@settings(deadline=None)
@given(st.text(alphabet=st.characters(codec="gbk", categories=("L", "N", "P", "Zs")), min_size=1, max_size=30))
def test_gbk_letters_digits_punctuation_pass(value):
    value = normalize_text(value)
    if not value.strip():
        return
    problems = check_text(value, "name", encoding="gbk")
    assert problems == []
