"""Master data through the services: every bad input of RELIABILITY.md §2 that applies is refused with its code
and the ledger is unchanged (state fingerprint before == after)."""

from __future__ import annotations

import pytest

from app.domain.errors import Conflict, PermissionDenied, ValidationFailed
from app.domain.identifiers import cnaps_check_digit, uscc_check_char

GOOD_CNAPS = "308584000013"


def _cnaps(first11: str) -> str:
    return first11 + cnaps_check_digit(first11)


def payee(**over):
    row = {"name": "深圳市华强电子有限公司", "account_number": "755912345610001", "bank_name": "招商银行",
           "branch_name": "招商银行深圳分行", "cnaps_code": _cnaps("30858400001"), "uscc": None, "kind": "corporate"}
    row.update(over)
    return row


def account(**over):
    row = {"bank_name": "中国工商银行", "branch_name": "中国工商银行北京海淀支行", "cnaps_code": _cnaps("10210000023"),
           "account_number": "0200004509200112233", "account_name": "测试有限公司", "currency": "CNY",
           "plugin_id": None}
    row.update(over)
    return row


BAD_PAYEES = [
    ("account_number", "ACCOUNT_FORMAT", {"account_number": "75591234AB10001"}),
    ("account_number", "ACCOUNT_FORMAT", {"account_number": "7559 1234 5610"}),
    ("account_number", "ACCOUNT_FORMAT", {"account_number": "1234"}),
    ("account_number", "ACCOUNT_FORMAT", {"account_number": "１２３４５６７８９０"}),
    ("cnaps_code", "BANK_CODE", {"cnaps_code": "30858400001"}),
    ("cnaps_code", "BANK_CODE", {"cnaps_code": "3085840000134"}),
    ("cnaps_code", "BANK_CODE", {"cnaps_code": "999584000013"}),
    ("cnaps_code", "BANK_CODE", {"cnaps_code": "30858400001X"}),
    ("uscc", "ORG_ID", {"uscc": "91440300MA5G12345X"}),
    ("uscc", "ORG_ID", {"uscc": "91440300MA5G1234"}),
    ("uscc", "ORG_ID", {"uscc": "91440300IA5G123450"}),
    ("name", "TEXT_CHARSET", {"name": "华强\x07电子"}),
    ("name", "TEXT_CHARSET", {"name": "华强\u202e电子"}),
    ("name", "TEXT_CHARSET", {"name": "华强\u2067电子"}),
    ("name", "TEXT_CHARSET", {"name": "华强\u200b电子"}),
    ("name", "TEXT_CHARSET", {"name": "华强电子😀"}),
    ("name", "TEXT_ENCODING", {"name": "䶮记贸易有限公司"}),
    ("name", "TEXT_ENCODING", {"name": "𠮷野家餐饮有限公司"}),
    ("name", "TEXT_LENGTH", {"name": "很" * 201}),
    ("name", "TEXT_REQUIRED", {"name": "   "}),
    ("bank_name", "TEXT_REQUIRED", {"bank_name": ""}),
]


@pytest.mark.parametrize(("field", "code", "over"), BAD_PAYEES, ids=[f"{c}-{i}" for i, (_, c, _) in
                                                                     enumerate(BAD_PAYEES)])
def test_bad_payee_refused_and_nothing_written(services, admin_actor, ledger_fingerprint, field, code, over):
    before = ledger_fingerprint()
    with pytest.raises(ValidationFailed) as exc:
        services.master_data.add_payee(admin_actor, payee(**over))
    assert (field, code) in {(p.field, p.code) for p in exc.value.problems if p.is_error}
    assert services.master_data.validate_payee(payee(**over))  # the same problem is visible before saving
    assert ledger_fingerprint() == before


def test_all_problems_reported_at_once(services, admin_actor):
    with pytest.raises(ValidationFailed) as exc:
        services.master_data.add_payee(admin_actor, payee(name="\u202e", account_number="x", cnaps_code="1",
                                                          uscc="bad"))
    assert {p.field for p in exc.value.problems if p.is_error} >= {"name", "account_number", "cnaps_code", "uscc"}


def test_payee_round_trip_audited(services, admin_actor):
    code = uscc_check_char("91440300MA5G12345")
    saved = services.master_data.add_payee(admin_actor, payee(uscc="91440300MA5G12345" + code))
    assert saved.entity.id and saved.warnings == []
    assert services.master_data.count_payees(admin_actor) == 1
    ids = services.master_data.payee_ids(admin_actor, "华强")
    assert services.master_data.get_payees(admin_actor, ids)[0].name == "深圳市华强电子有限公司"
    upd = services.master_data.update_payee(admin_actor, saved.entity.id, saved.entity.version,
                                            payee(uscc=saved.entity.uscc, branch_name="招商银行深圳南山支行"))
    assert upd.entity.branch_name == "招商银行深圳南山支行" and upd.entity.version == saved.entity.version + 1
    entries = services.audit.entries(admin_actor, 0, 10)
    assert entries[0].action == "payee.updated"
    assert entries[0].payload["branch_name"] == {"from": "招商银行深圳分行", "to": "招商银行深圳南山支行"}


def test_cnaps_check_digit_mismatch_is_a_warning(services, admin_actor):
    good = _cnaps("30858400001")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    saved = services.master_data.add_payee(admin_actor, payee(cnaps_code=bad))
    assert [w.code for w in saved.warnings] == ["BANK_CODE_CHECK"]


def test_duplicate_payee_refused(services, admin_actor, ledger_fingerprint):
    services.master_data.add_payee(admin_actor, payee())
    before = ledger_fingerprint()
    with pytest.raises(Conflict):
        services.master_data.add_payee(admin_actor, payee(name="另一个名字有限公司"))
    assert ledger_fingerprint() == before


def test_stale_update_refused(services, admin_actor, ledger_fingerprint):
    saved = services.master_data.add_payee(admin_actor, payee())
    services.master_data.update_payee(admin_actor, saved.entity.id, saved.entity.version, payee(branch_name="A支行"))
    before = ledger_fingerprint()
    with pytest.raises(Conflict) as exc:
        services.master_data.update_payee(admin_actor, saved.entity.id, saved.entity.version,
                                          payee(branch_name="B支行"))
    assert exc.value.code == "STALE_VERSION"
    assert ledger_fingerprint() == before


def test_accounts_admin_only_and_validated(services, admin_actor, ledger_fingerprint):
    services.users.add_user(admin_actor, "maker1", "经办", "maker-password-1", ["maker"])
    maker = services.auth.login("maker1", "maker-password-1")
    before = ledger_fingerprint()
    with pytest.raises(PermissionDenied):
        services.master_data.add_account(maker, account())
    with pytest.raises(ValidationFailed) as exc:
        services.master_data.add_account(admin_actor, account(currency="RMB", account_number="12ab",
                                                              account_name="\u200b"))
    assert {p.code for p in exc.value.problems} >= {"CURRENCY", "ACCOUNT_FORMAT", "TEXT_CHARSET"}
    assert ledger_fingerprint() == before
    saved = services.master_data.add_account(admin_actor, account())
    assert services.master_data.list_accounts(maker)[0].account_number == saved.entity.account_number
    with pytest.raises(Conflict):
        services.master_data.add_account(admin_actor, account())


def test_bulk_payees_all_or_nothing(services, admin_actor, ledger_fingerprint):
    rows = [payee(account_number=f"75591234561{i:04d}", name=f"供应商{i}有限公司") for i in range(50)]
    rows[17]["cnaps_code"] = "bad"
    rows[33]["name"] = "x\u202e"
    before = ledger_fingerprint()
    with pytest.raises(ValidationFailed) as exc:
        services.master_data.add_payees_bulk(admin_actor, rows)
    msgs = [p.message for p in exc.value.problems if p.is_error]
    assert any(m.startswith("row 18:") for m in msgs) and any(m.startswith("row 34:") for m in msgs)
    assert ledger_fingerprint() == before
    rows[17]["cnaps_code"] = _cnaps("30858400001")
    rows[33]["name"] = "正常名称有限公司"
    assert services.master_data.add_payees_bulk(admin_actor, rows) == 50
    assert services.master_data.count_payees(admin_actor) == 50


def test_organization_update(services, admin_actor, ledger_fingerprint):
    before = ledger_fingerprint()
    with pytest.raises(ValidationFailed):
        services.master_data.update_organization(admin_actor, {"name": "新名称", "uscc": "123"})
    assert ledger_fingerprint() == before
    org = services.master_data.update_organization(admin_actor, {"name": "新名称有限公司", "uscc": None})
    assert org.name == "新名称有限公司"
