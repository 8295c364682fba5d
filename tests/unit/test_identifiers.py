"""CNAPS bank codes, account numbers and 统一社会信用代码, checked against reference data and python-stdnum."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_10

from app.domain.bank_codes import BANK_CATEGORIES, bank_category_name
from app.domain.errors import Severity
from app.domain.identifiers import (
    USCC_ALPHABET,
    check_account_number,
    check_cnaps,
    check_uscc,
    cnaps_check_digit,
    luhn_valid,
    normalize_account_number,
    uscc_check_char,
)

REF = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
CHINA = REF / "china"


def _need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"reference data not found at {path} (expected ../shared/reference beside the repo)")
    return path


def _codes(result):
    return [(p.code, p.severity) for p in result]


# -- CNAPS ---------------------------------------------------------------------------------------------
def test_every_bank_category_of_the_reference_list_is_known():
    banks = json.loads(_need(CHINA / "gweesin_CNAPS" / "banks.json").read_text(encoding="utf-8"))
    # 9999999999xx are documented placeholders of that list ("C 城市商业银行"...), not CNAPS codes.
    real = [b for b in banks if not b["BankId"].startswith("999")]
    assert len(real) >= 25
    missing = {b["BankId"][:3]: b["BankName"] for b in real if b["BankId"][:3] not in BANK_CATEGORIES}
    assert missing == {}
    for b in real:
        assert check_cnaps(b["BankId"]) == [], b


def test_check_digit_vectors():
    with _need(CHINA / "derived" / "cnaps_check_digit_vectors.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 240
    seen = {"True": 0, "False": 0}
    for row in rows:
        code = row["code"]
        assert cnaps_check_digit(code[:11]) == mod_11_10.calc_check_digit(code[:11])
        verdict = row["iso7064_mod_11_10"]
        if verdict in seen:
            seen[verdict] += 1
            assert (cnaps_check_digit(code[:11]) == code[11]) is (verdict == "True"), row
        if verdict == "True" and code[:3] in BANK_CATEGORIES:
            assert check_cnaps(code) == [], row
    assert seen["True"] >= 236 and seen["False"] >= 1


def test_typo_in_check_digit_is_only_a_warning():
    result = check_cnaps("310290000011")  # SPDB head office mistyped in one repository
    assert _codes(result) == [("BANK_CODE_CHECK", Severity.WARNING)]
    assert "3" in result[0].message
    assert check_cnaps("310290000013") == []


@pytest.mark.parametrize("code", [
    "30858400001", "3085840000134", "30858400001X", "３０８５８４００００１３", " 308584000013", "308584000013 ",
    "", "999999999999", "000100000004", "308-58400001",
])
def test_bad_cnaps_is_an_error(code):
    result = check_cnaps(code, "cnaps_code")
    assert [p.code for p in result] == ["BANK_CODE"]
    assert result[0].is_error and result[0].field == "cnaps_code"


def test_cnaps_non_string():
    assert [p.code for p in check_cnaps(308584000013)] == ["BANK_CODE"]


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_check_digit_agrees_with_stdnum(first11):
    digit = cnaps_check_digit(first11)
    assert digit == mod_11_10.calc_check_digit(first11)
    assert mod_11_10.is_valid(first11 + digit)


def test_check_digit_input_is_checked():
    for bad in ("1234567890", "123456789012", "1234567890a", "１２３４５６７８９０１"):
        with pytest.raises(ValueError):
            cnaps_check_digit(bad)


def test_category_names():
    assert BANK_CATEGORIES["308"] == "招商银行"
    assert bank_category_name("308584000013") == "招商银行"
    assert bank_category_name("999999999999") is None
    assert all(len(k) == 3 and k.isdigit() for k in BANK_CATEGORIES)


# -- account numbers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("number", ["1280022310002", "769900016610303", "33001616183053000191", "12345678",
                                    "1" * 32])
def test_corporate_accounts(number):
    assert check_account_number(number) == []


@pytest.mark.parametrize(("number", "kind"), [
    ("1234567", "corporate"), ("1" * 33, "corporate"), ("123456789", "personal"), ("1" * 31, "personal"),
    ("7559 1234 5610", "corporate"), (" 755912345610", "corporate"), ("755912345610 ", "corporate"),
    ("75591234AB10001", "corporate"), ("755912345610-01", "corporate"), ("１２３４５６７８９０", "corporate"),
    ("١٢٣٤٥٦٧٨٩٠", "personal"), ("", "corporate"), ("7559123456\u00a010", "corporate"),
])
def test_bad_account_numbers(number, kind):
    result = check_account_number(number, kind=kind, field="payee_account")
    assert result and {p.code for p in result} == {"ACCOUNT_FORMAT"}
    assert all(p.is_error and p.field == "payee_account" for p in result)


def test_account_messages_are_specific():
    [p] = check_account_number("7559123A45610")
    assert "'A'" in p.message and "position 8" in p.message
    [p] = check_account_number("1234")
    assert "8 to 32" in p.message and "4" in p.message
    problems = check_account_number(" 7559 1234 5610")
    assert len(problems) == 2  # outer and inner spaces are both reported
    assert "position 6" in problems[1].message


def test_luhn_only_for_personal_and_only_a_warning():
    assert check_account_number("6214830150998226", kind="personal") == []
    assert check_account_number("6231931200000000070", kind="personal") == []
    result = check_account_number("6333600810065058342", kind="personal")
    assert _codes(result) == [("ACCOUNT_LUHN", Severity.WARNING)]
    assert check_account_number("6333600810065058342", kind="corporate") == []


@given(st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_luhn_agrees_with_stdnum(number):
    assert luhn_valid(number) is luhn.is_valid(number)


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        check_account_number("12345678", kind="savings")


def test_normalize_account_number_strips_only_outer_ascii_spaces():
    assert normalize_account_number("  1234 5678  ") == "1234 5678"
    assert normalize_account_number("\u00a012345678") == "\u00a012345678"


# -- USCC ----------------------------------------------------------------------------------------------
VALID_USCC = "91110000600037341L"


def test_uscc_valid_and_agrees_with_stdnum():
    assert check_uscc(VALID_USCC) == []
    assert stdnum_uscc.is_valid(VALID_USCC)


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_char_agrees_with_stdnum(first17):
    assert uscc_check_char(first17) == stdnum_uscc.calc_check_digit(first17)


@pytest.mark.parametrize("first", ["A", "N", "Y"])
def test_uscc_with_letter_authority_accepted_where_stdnum_refuses(first):
    body = first + "2330100MA0000000"
    code = body + uscc_check_char(body)
    assert check_uscc(code) == []
    assert not stdnum_uscc.is_valid(code)  # stdnum's cn.uscc wrongly insists on 8 leading digits


@pytest.mark.parametrize(("code", "hint"), [
    ("91110000600037341", "18"), ("91110000600037341LX", "18"), ("", "18"),
    ("91110000600037341M", "L"), ("91110000I00037341L", "position 9"), ("91110000O00037341L", "position 9"),
    ("9111000060003734lL", "upper-case"), ("91110000600037341Ｌ", "position 18"), ("9111000S600037341L", "position 8"),
])
def test_bad_uscc(code, hint):
    result = check_uscc(code, "org_uscc")
    assert [p.code for p in result] == ["ORG_ID"]
    assert result[0].field == "org_uscc" and hint in result[0].message


def test_uscc_check_char_input_is_checked():
    with pytest.raises(ValueError):
        uscc_check_char("9111000060003734")
    with pytest.raises(ValueError):
        uscc_check_char("9111000060003734I")
