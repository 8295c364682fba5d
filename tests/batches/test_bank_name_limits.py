"""The debit account's bank governs the payee name's (and the purpose's) length at import: a 70-character company
name (140 GBK bytes) imports for a CMB account (CRTNAM 200 bytes) or an ISO 20022 bank (Nm 140 characters), is
refused naming the bank where the bank's field is shorter, and keeps the conservative 60 GBK bytes when no bank is
known. What the import accepted is signed (the pre-sign check uses the same rules) and the CMB plugin builds its
wire record; against the sandbox bank the line is paid. The bank's findings are marked on the RowProblem itself
(``source``, wire field and limit in ``params``), not told apart by their message."""

from __future__ import annotations

import pytest

from app.domain.bank_fields import wire_text_rules
from app.domain.batch_import import BANK_SOURCE, BUILTIN_PROFILES, validate_rows
from app.domain.identifiers import cnaps_check_digit
from app.ports.bank import PaymentInstruction, PluginLimits, PluginManifest
from app.services.batch_import import BatchImportService, BatchRejected
from app.services.demo_data import DEMO_PASSWORD
from bank_plugins.cmb_fbsdk.codec import build_payment_request, check_payment_record, payment_record
from bank_plugins.cmb_fbsdk.manifest import MANIFEST as CMB
from bank_plugins.iso20022.manifest import MANIFEST as ISO
from storage.batch_lines_extra import SqlBatchLineExtras
from tests.batches.test_supplier_and_presign import (  # noqa: F401  (the world fixture)
    approve_all,
    make_signer,
    set_plugin,
    supplier_file,
    world,
)
from tests.engine.support import make_batch_signer, start_world, stop_world
from ui.ops import wait_idle

ICBC = "10210000023" + cnaps_check_digit("10210000023")
LONG_NAME = ("广东省深圳市前海深港现代服务业合作区华强北国际电子元器件供应链管理与技术服务及进出口贸易集团股份有限公司"
             "南山科技园研发中心分公司第一营业分部")
PURPOSE_62 = "货款" * 15 + "尾款"          # 32 characters: 64 GBK bytes
PURPOSE_60 = "货款" * 15                  # 30 characters: 60 GBK bytes
# a bank whose payee-name field (户名) holds 100 GBK bytes
HUNDRED = PluginManifest("hundredbank", "Hundred 百字节银行", "FBSDK-like XML", "1.0", "1.0", frozenset(),
                         PluginLimits(encoding="gbk", field_byte_lengths={"CRTNAM": 100, "NUSAGE": 62}))


def test_the_long_name_is_what_the_issue_describes():
    assert len(LONG_NAME) == 70 and len(LONG_NAME.encode("gbk")) == 140
    assert len(PURPOSE_62.encode("gbk")) == 64 and len(PURPOSE_60.encode("gbk")) == 60


def _rows(name: str, purpose: str = "货款") -> list[list[str]]:
    header = ["收款人名称", "收款账号", "收款行名称", "收款行行号", "金额", "用途"]
    return [header, [name, "755912345678", "中国工商银行深圳分行", ICBC, "100.00", purpose],
            ["华强电子", "755912345679", "中国工商银行深圳分行", ICBC, "200.00", "货款"]]


def _rules(m: PluginManifest):
    return wire_text_rules(m.id, m.bank, m.protocol, m.limits.encoding, m.limits.field_byte_lengths)


@pytest.mark.parametrize("manifest", [CMB, ISO], ids=["cmb", "iso20022"])
def test_a_known_banks_limit_governs_the_name(manifest):
    _, out = validate_rows(_rows(LONG_NAME), BUILTIN_PROFILES["supplier"], None, rules=_rules(manifest))
    assert out.problems == [] and [line.payee_name for line in out.lines] == [LONG_NAME, "华强电子"]


def test_without_a_known_bank_the_generic_60_bytes_hold_and_are_not_a_bank_finding():
    _, out = validate_rows(_rows(LONG_NAME), BUILTIN_PROFILES["supplier"], None, rules=None)
    [p] = out.errors
    assert (p.row, p.code, p.field, p.source) == (2, "TEXT_LENGTH", "payee_name", "")
    assert not p.is_bank_finding and "60" in p.message and len(out.lines) == 1


def test_a_shorter_bank_field_refuses_the_name_as_the_banks_finding():
    _, out = validate_rows(_rows(LONG_NAME), BUILTIN_PROFILES["supplier"], None, rules=_rules(HUNDRED))
    [p] = out.errors
    assert (p.row, p.code, p.source, p.is_bank_finding) == (2, "TEXT_LENGTH", BANK_SOURCE, True)
    assert p.message.startswith("Hundred 百字节银行 CRTNAM: ") and "100" in p.message
    assert {k: p.params[k] for k in ("bank", "plugin", "subject", "wire_field", "limit", "unit")} == {
        "bank": "Hundred 百字节银行", "plugin": "hundredbank", "subject": "payee_name", "wire_field": "CRTNAM",
        "limit": 100, "unit": "bytes"}
    # the same code from the generic check (an unknown bank) is not marked
    _, generic = validate_rows(_rows("A" * 61), BUILTIN_PROFILES["supplier"], None, rules=None)
    assert [(p.code, p.source) for p in generic.errors] == [("TEXT_LENGTH", "")]


def test_a_known_purpose_field_governs_the_purpose():
    cmb = _rules(CMB)                                 # NUSAGE 62 GBK bytes
    _, out = validate_rows(_rows("张三", PURPOSE_60 + "款"), BUILTIN_PROFILES["supplier"], None, rules=cmb)
    assert out.problems == [] and out.lines[0].purpose == PURPOSE_60 + "款"      # 62 bytes
    _, out = validate_rows(_rows("张三", PURPOSE_62), BUILTIN_PROFILES["supplier"], None, rules=cmb)
    [p] = out.errors
    assert (p.code, p.field, p.source, p.params["wire_field"], p.params["limit"]) == (
        "TEXT_LENGTH", "purpose", BANK_SOURCE, "NUSAGE", 62)
    assert p.message.startswith("CMB 招商银行 NUSAGE: ")
    _, out = validate_rows(_rows("张三", PURPOSE_60 + "款"), BUILTIN_PROFILES["supplier"], None, rules=None)
    assert [(p.code, p.source) for p in out.errors] == [("TEXT_LENGTH", "")]        # 60 bytes without a bank
    # a bank that declares no purpose field: the generic 60 bytes stay
    names_only = wire_text_rules("n", "Names 银行", "FBSDK", "gbk", {"CRTNAM": 200})
    _, out = validate_rows(_rows(LONG_NAME, PURPOSE_60 + "款"), BUILTIN_PROFILES["supplier"], None, rules=names_only)
    assert [(p.field, p.code, p.source) for p in out.errors] == [("purpose", "TEXT_LENGTH", "")]


def test_the_stored_size_still_bounds_a_generous_bank():
    roomy = wire_text_rules("roomy", "Roomy 银行", "FBSDK", "gbk", {"CRTNAM": 1000})
    _, out = validate_rows(_rows("企" * 201), BUILTIN_PROFILES["supplier"], None, rules=roomy)
    assert [(p.code, p.source) for p in out.errors] == [("TEXT_LENGTH", "")]
    _, out = validate_rows(_rows("企" * 200), BUILTIN_PROFILES["supplier"], None, rules=roomy)
    assert out.problems == []


def test_cmb_import_then_the_same_line_signs_and_builds(world, tmp_path):  # noqa: F811
    w = world
    set_plugin(w, "cmb_fbsdk")
    path = supplier_file(tmp_path, [f"{LONG_NAME},755912345678,工行,{ICBC},1.00,货款,,,",
                                    f"华强电子,755912345679,工行,{ICBC},2.00,货款,,,"])
    pv = w.batch.preview(w.maker, path, account=w.account.account_number, profile="supplier")
    assert pv.bank == "CMB 招商银行" and not pv.problems and not pv.bank_findings
    result = w.batch.import_file(w.maker, path, account=w.account.account_number, profile="supplier")
    assert result.batch.line_count == 2 and result.batch.payees_created == 2
    first = w.services.payments.get(w.maker, result.payment_ids[0]).payment
    assert first.payee_name == LONG_NAME
    approve_all(w, result.payment_ids)
    signer_actor = w.actor("signer")
    with w.uow() as uow:
        assert w.signing.bank_text_problems(uow, w.account.id, [first]) == []
    ready = [b for b in w.signing.ready_batches(signer_actor) if set(b.payment_ids) == set(result.payment_ids)]
    signed = w.signing.sign_batch(signer_actor, ready[0].batch_key, make_signer())
    assert signed.count == 2
    # the plugin's own check (FIELD_BYTE_LENGTHS) takes the record the engine will build
    instr = PaymentInstruction("BD0000000001", w.account.account_number, first.payee_account, first.payee_name,
                               first.amount_minor, payee_bank_code=first.payee_bank_code, purpose=first.purpose)
    record = payment_record(instr)
    assert record["CRTNAM"] == LONG_NAME and check_payment_record(record) == []
    assert LONG_NAME.encode("gbk") in build_payment_request([instr], login_name="U")


def test_a_bank_with_a_shorter_name_field_refuses_at_import_naming_the_bank(world, tmp_path):  # noqa: F811
    w = world
    set_plugin(w, "hundredbank")
    svc = BatchImportService(w.uow, w.clock, manifests=lambda pid: HUNDRED, line_extras=SqlBatchLineExtras.of)
    path = supplier_file(tmp_path, [f"{LONG_NAME},755912345678,工行,{ICBC},1.00,货款,,,",
                                    f"华强电子,755912345679,工行,{ICBC},2.00,货款,,,"])
    pv = svc.preview(w.maker, path, account=w.account.account_number, profile="supplier")
    [finding] = pv.bank_findings
    assert (finding.row, finding.subject, finding.wire_field, finding.limit, finding.unit) == (
        2, "payee_name", "CRTNAM", 100, "bytes")
    assert finding.short == "payee_name over Hundred 百字节银行 CRTNAM 100 bytes"
    assert pv.bank_error_rows == [2] and pv.other_error_rows == []
    with pytest.raises(BatchRejected) as refused:
        svc.import_file(w.maker, path, account=w.account.account_number, profile="supplier")
    assert "the bank's own limits (Hundred 百字节银行) refuse 1 of them (rows 2)" in refused.value.message
    assert set(refused.value.to_dict()["errors"][0]) == {"row", "column", "code", "message", "field", "severity"}


def test_the_sandbox_bank_pays_the_long_name_line(tmp_path):
    sandbox = start_world(tmp_path)
    try:
        s = sandbox.services
        maker, signer = sandbox.actor("maker"), sandbox.actor("signer")
        cmb = "755915678810001"                      # the demo's CMB account (plugin cmb_fbsdk)
        path = supplier_file(tmp_path, [f"{LONG_NAME},755912345555,工行,{ICBC},1.00,货款,,,"])
        result = s.batch_import.import_file(maker, str(path), account=cmb, profile="supplier")
        assert result.preview.bank_rules == "cmb_fbsdk"
        s.approvals.approve(sandbox.actor("approver1"), result.payment_ids, password=DEMO_PASSWORD)
        [ready] = [b for b in s.signing.ready_batches(signer) if set(b.payment_ids) == set(result.payment_ids)]
        s.signing.sign_batch(signer, ready.batch_key, make_batch_signer())
        s.submission.run_until_idle(timeout_s=60, poll_s=0.1)
        [line] = s.batch_results.lines(maker, result.batch.id, 0, 10)
        assert (line.payee_name, line.status) == (LONG_NAME, "SUCCEEDED"), line
    finally:
        assert wait_idle(20)
        stop_world(sandbox)
