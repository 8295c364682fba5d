"""Form validators: normalized fields plus every problem at once, each tagged with its form key."""

from __future__ import annotations

import pytest

from app.domain.errors import Severity, errors_only, warnings_only
from app.domain.identifiers import cnaps_check_digit, uscc_check_char
from app.domain.master_data import BANK_ACCOUNT_FIELDS, ORGANIZATION_FIELDS, PAYEE_FIELDS, AccountKind
from app.domain.validation import (
    validate_bank_account,
    validate_organization,
    validate_password,
    validate_payee,
    validate_username,
)

CNAPS = "30858400001" + cnaps_check_digit("30858400001")
USCC = "91440300MA5G12345" + uscc_check_char("91440300MA5G12345")


def payee(**over):
    row = {"name": "深圳市华强电子有限公司", "account_number": "755912345610001", "bank_name": "招商银行",
           "branch_name": "招商银行深圳分行", "cnaps_code": CNAPS, "uscc": None, "kind": "corporate"}
    row.update(over)
    return row


def account(**over):
    row = {"bank_name": "中国工商银行", "branch_name": "中国工商银行北京海淀支行",
           "cnaps_code": "10210000023" + cnaps_check_digit("10210000023"),
           "account_number": "0200004509200112233", "account_name": "测试有限公司", "currency": "CNY",
           "plugin_id": None}
    row.update(over)
    return row


def pairs(problems):
    return {(p.field, p.code) for p in problems}


# -- payee ---------------------------------------------------------------------------------------------
def test_good_payee_is_normalized():
    clean, problems = validate_payee(payee(name="  深圳市华强电子有限公司\u3000", account_number=" 755912345610001 ",
                                           cnaps_code=f" {CNAPS} ", uscc=f" {USCC.lower()} ", kind="personal",
                                           branch_name=None))
    assert errors_only(problems) == []
    assert set(clean) == set(PAYEE_FIELDS)
    assert clean == {"name": "深圳市华强电子有限公司", "account_number": "755912345610001", "bank_name": "招商银行",
                     "branch_name": "", "cnaps_code": CNAPS, "uscc": USCC, "kind": AccountKind.PERSONAL}


def test_payee_defaults():
    clean, problems = validate_payee({k: v for k, v in payee().items() if k not in ("kind", "uscc", "branch_name")})
    assert problems == []
    assert clean["kind"] is AccountKind.CORPORATE and clean["uscc"] is None and clean["branch_name"] == ""
    assert validate_payee(payee(uscc=""))[0]["uscc"] is None


@pytest.mark.parametrize(("over", "field", "code"), [
    ({"name": ""}, "name", "TEXT_REQUIRED"),
    ({"name": "华强\u202e电子"}, "name", "TEXT_CHARSET"),
    ({"name": "䶮记贸易有限公司"}, "name", "TEXT_ENCODING"),
    ({"name": "很" * 201}, "name", "TEXT_LENGTH"),
    ({"name": 42}, "name", "FIELD_VALUE"),
    ({"account_number": "7559 1234 5610"}, "account_number", "ACCOUNT_FORMAT"),
    ({"account_number": "1234"}, "account_number", "ACCOUNT_FORMAT"),
    ({"account_number": None}, "account_number", "ACCOUNT_FORMAT"),
    ({"account_number": 755912345610001}, "account_number", "ACCOUNT_FORMAT"),
    ({"bank_name": " "}, "bank_name", "TEXT_REQUIRED"),
    ({"bank_name": "很" * 31}, "bank_name", "TEXT_LENGTH"),
    ({"branch_name": "很" * 61}, "branch_name", "TEXT_LENGTH"),
    ({"branch_name": "分行\x00"}, "branch_name", "TEXT_CHARSET"),
    ({"cnaps_code": ""}, "cnaps_code", "BANK_CODE"),
    ({"cnaps_code": "999584000013"}, "cnaps_code", "BANK_CODE"),
    ({"uscc": "91440300MA5G12345X"}, "uscc", "ORG_ID"),
    ({"kind": "savings"}, "kind", "FIELD_VALUE"),
    ({"colour": "blue"}, "colour", "FIELD_UNKNOWN"),
])
def test_bad_payee_field(over, field, code):
    _, problems = validate_payee(payee(**over))
    assert (field, code) in pairs(errors_only(problems))
    assert {p.field for p in errors_only(problems)} == {field}  # the other fields stay clean


def test_branch_name_allows_120_gbk_bytes():
    assert validate_payee(payee(branch_name="很" * 60))[1] == []


def test_payee_all_problems_at_once():
    _, problems = validate_payee(payee(name="\u202e", account_number="x", cnaps_code="1", uscc="bad",
                                       kind="alien", extra=1))
    assert {p.field for p in errors_only(problems)} == {"name", "account_number", "cnaps_code", "uscc", "kind",
                                                       "extra"}


def test_payee_warnings_are_not_errors():
    bad_check = CNAPS[:-1] + str((int(CNAPS[-1]) + 1) % 10)
    _, problems = validate_payee(payee(cnaps_code=bad_check, kind="personal", account_number="6333600810065058342"))
    assert errors_only(problems) == []
    assert {(p.code, p.severity) for p in warnings_only(problems)} == {
        ("BANK_CODE_CHECK", Severity.WARNING), ("ACCOUNT_LUHN", Severity.WARNING)}


def test_account_kind_changes_length_rules():
    assert validate_payee(payee(account_number="12345678"))[1] == []
    assert ("account_number", "ACCOUNT_FORMAT") in pairs(validate_payee(payee(account_number="12345678",
                                                                              kind="personal"))[1])
    assert validate_payee(payee(kind=AccountKind.PERSONAL, account_number="6214830150998226"))[1] == []


# -- bank account --------------------------------------------------------------------------------------
def test_good_bank_account():
    clean, problems = validate_bank_account(account(plugin_id="cmb_fbsdk", currency="USD"))
    assert problems == []
    assert set(clean) == set(BANK_ACCOUNT_FIELDS)
    assert clean["plugin_id"] == "cmb_fbsdk" and clean["currency"] == "USD"
    assert validate_bank_account(account(currency=None))[0]["currency"] == "CNY"
    assert validate_bank_account(account(plugin_id=""))[0]["plugin_id"] is None


@pytest.mark.parametrize(("over", "field", "code"), [
    ({"currency": "RMB"}, "currency", "CURRENCY"),
    ({"currency": "cny"}, "currency", "CURRENCY"),
    ({"currency": "CN"}, "currency", "CURRENCY"),
    ({"currency": "ＣＮＹ"}, "currency", "CURRENCY"),
    ({"plugin_id": "CMB"}, "plugin_id", "FIELD_VALUE"),
    ({"plugin_id": "1cmb"}, "plugin_id", "FIELD_VALUE"),
    ({"plugin_id": "c"}, "plugin_id", "FIELD_VALUE"),
    ({"plugin_id": "cmb-fbsdk"}, "plugin_id", "FIELD_VALUE"),
    ({"plugin_id": "c" * 42}, "plugin_id", "FIELD_VALUE"),
    ({"account_name": ""}, "account_name", "TEXT_REQUIRED"),
    ({"account_name": "\u200b"}, "account_name", "TEXT_CHARSET"),
    ({"account_name": "很" * 31}, "account_name", "TEXT_LENGTH"),
    ({"account_number": "12ab"}, "account_number", "ACCOUNT_FORMAT"),
    ({"cnaps_code": "30858400001X"}, "cnaps_code", "BANK_CODE"),
    ({"kind": "corporate"}, "kind", "FIELD_UNKNOWN"),
])
def test_bad_bank_account_field(over, field, code):
    _, problems = validate_bank_account(account(**over))
    assert (field, code) in pairs(errors_only(problems))


def test_bank_account_all_problems_at_once():
    _, problems = validate_bank_account(account(currency="RMB", account_number="12ab", account_name="\u200b"))
    assert {p.code for p in problems} >= {"CURRENCY", "ACCOUNT_FORMAT", "TEXT_CHARSET"}


# -- organization --------------------------------------------------------------------------------------
def test_organization():
    clean, problems = validate_organization({"name": " 演示科技有限公司 ", "uscc": USCC})
    assert problems == [] and clean == {"name": "演示科技有限公司", "uscc": USCC}
    assert set(clean) == set(ORGANIZATION_FIELDS)
    assert validate_organization({"name": "很" * 50})[1] == []
    assert pairs(validate_organization({"name": "很" * 51})[1]) == {("name", "TEXT_LENGTH")}
    assert pairs(validate_organization({"name": "新名称", "uscc": "123"})[1]) == {("uscc", "ORG_ID")}
    assert pairs(validate_organization({"uscc": None})[1]) == {("name", "TEXT_REQUIRED")}


# -- users ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["admin", "maker1", "li.ming", "wang-fang", "a_b", "ab", "a" * 32])
def test_good_usernames(name):
    assert validate_username(name) == []


@pytest.mark.parametrize("name", ["", "a", "Admin", "1abc", "_abc", "li ming", "a" * 33, "张三", "ab\n", None,
                                  "ａｄｍｉｎ"])
def test_bad_usernames(name):
    assert [p.code for p in validate_username(name)] == ["USERNAME"]


@pytest.mark.parametrize(("password", "username"), [
    ("demo-password", "maker"), ("demo-password", "approver1"), ("admin-password-1", "admin"),
    ("bob-password-1", "bob"), ("correct horse battery", None), ("长城长江黄河泰山华山", "li"),
])
def test_good_passwords(password, username):
    assert validate_password(password, username) == []


@pytest.mark.parametrize(("password", "username"), [
    ("short", "bob"), ("", "bob"), ("123456789", None), ("aaaaaaaaaaaa", "bob"), ("administrator", "administrator"),
    ("Administrator1", "administrator1"), ("adminadmin1", "admin"), ("maker1-pass", "maker1"), (None, "bob"),
])
def test_weak_passwords(password, username):
    problems = validate_password(password, username)
    assert problems and {p.code for p in problems} == {"PASSWORD_WEAK"}
    assert all(p.field == "password" for p in problems)
