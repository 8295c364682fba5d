"""CMB codec rules: status mapping table, GBK byte lengths and encoding before signing, strict amounts."""

from __future__ import annotations

import pytest

from app.domain.errors import ValidationFailed
from app.domain.payment import PaymentStatus as S
from app.ports.bank import PaymentInstruction
from bank_plugins.cmb_fbsdk import codec
from bank_plugins.cmb_fbsdk.envelope import CmbFormatError, CmbMessage, build_message, parse_message
from bank_plugins.cmb_fbsdk.status import envelope_code, record_status, submission_envelope_status


@pytest.mark.parametrize(("reqsts", "rtnflg", "expected"), [
    ("NTE", "", S.ACCEPTED), ("BNK", "", S.ACCEPTED), ("OPR", "S", S.ACCEPTED),  # RTNFLG ignored before FIN
    ("AUT", "", S.AWAITING_BANK_AUTH),
    ("FIN", "S", S.SUCCEEDED), ("FIN", "F", S.FAILED), ("FIN", "R", S.FAILED),
    ("FIN", "C", S.CANCELLED), ("FIN", "D", S.EXPIRED), ("FIN", "B", S.RETURNED),
    ("FIN", "", S.UNKNOWN), ("FIN", "Z", S.UNKNOWN), ("", "", S.UNKNOWN), ("", "S", S.UNKNOWN),
])
def test_status_mapping_table(reqsts, rtnflg, expected):
    assert record_status(reqsts, rtnflg) is expected


@pytest.mark.parametrize(("retcod", "expected"), [
    ("0", None), ("-1", S.FAILED), ("-2", S.FAILED), ("-4", S.FAILED), ("-5", S.FAILED),
    ("-3", S.UNKNOWN), ("-9", S.UNKNOWN), ("", S.UNKNOWN), ("42", S.UNKNOWN),
])
def test_envelope_level_on_payments(retcod, expected):
    assert submission_envelope_status(retcod) is expected


def test_envelope_code():
    assert envelope_code("SIG_INVALID: signature does not verify") == "SIG_INVALID"
    assert envelope_code("回单图片查询成功!") == ""


def _instr(ref="REF001", **kw) -> PaymentInstruction:
    base = dict(client_reference=ref, debit_account="6225880000000101", payee_account="6217000000123456",
                payee_name="收款测试公司", amount_minor=123456, payee_bank_name="中国银行深圳分行", purpose="货款")
    base.update(kw)
    return PaymentInstruction(**base)


def test_payment_request_is_gbk_with_exact_amount():
    wire = codec.build_payment_request([_instr()], login_name="ZL01")
    assert wire.startswith(b'<?xml version="1.0" encoding="GBK"?>')
    rec = parse_message(wire).first("DCOPDPAYX")
    assert rec["TRSAMT"] == "1234.56" and rec["CCYNBR"] == "10" and rec["CRTNAM"] == "收款测试公司"
    assert "收款测试公司".encode("gbk") in wire


def test_byte_length_counted_in_gbk_bytes():
    ok = "测" * 31  # 62 GBK bytes: exactly the NUSAGE limit
    codec.build_payment_request([_instr(purpose=ok)], login_name="X")
    with pytest.raises(ValidationFailed) as info:
        codec.build_payment_request([_instr(purpose=ok + "a")], login_name="X")
    assert [p.code for p in info.value.problems] == ["TEXT_LENGTH"]
    assert info.value.problems[0].field == "NUSAGE"


def test_unencodable_characters_are_rejected_not_replaced_and_all_problems_reported():
    with pytest.raises(ValidationFailed) as info:
        codec.build_payment_request([_instr("A1", payee_name="王䶮"), _instr("A2", payee_bank_name="银行𠮷",
                                                                           client_reference="A" * 31)],
                                    login_name="X")
    codes = {(p.code, p.field) for p in info.value.problems}
    assert ("TEXT_ENCODING", "DCOPDPAYX[0].CRTNAM") in codes
    assert ("TEXT_ENCODING", "DCOPDPAYX[1].CRTBNK") in codes
    assert ("TEXT_LENGTH", "DCOPDPAYX[1].YURREF") in codes


def test_other_payment_problems():
    with pytest.raises(ValidationFailed) as info:
        codec.build_payment_request([_instr(payee_account="6225880000000101", currency="JPY")], login_name="X")
    assert {p.code for p in info.value.problems} == {"ACCOUNT_FORMAT", "CURRENCY"}
    with pytest.raises(ValidationFailed):
        codec.build_payment_request([_instr(amount_minor=0)], login_name="X")
    with pytest.raises(ValidationFailed):
        codec.build_payment_request([_instr("R1"), _instr("R1")], login_name="X")
    with pytest.raises(ValidationFailed) as info:
        codec.build_payment_request([_instr(f"R{i}") for i in range(51)], login_name="X")
    assert info.value.code == "BATCH_SIZE"
    with pytest.raises(TypeError):
        _instr(amount_minor=12.5)


def test_envelope_builder_refuses_unencodable_text():
    with pytest.raises(ValidationFailed) as info:
        build_message(CmbMessage({"FUNNAM": "X"}, [("B", {"F": "𠮷"})]))
    assert info.value.code == "TEXT_ENCODING"


@pytest.mark.parametrize("text", ["1e2", "1,000.00", "１２３", "NaN", "1.234", " ", "", "+1", "01", "0x10"])
def test_strict_wire_amounts_refuse(text):
    with pytest.raises(CmbFormatError):
        codec.wire_to_minor(text)


def test_wire_amounts():
    assert codec.wire_to_minor("0.00") == 0
    assert codec.wire_to_minor("1234.5") == 123450
    assert codec.wire_to_minor("-12.34", signed=True) == -1234
    with pytest.raises(CmbFormatError):
        codec.wire_to_minor("-12.34")
    assert codec.minor_to_wire(5) == "0.05" and codec.minor_to_wire(-123456) == "-1234.56"


def _answer(*records, tag="NTQPAYRQZ", retcod="0"):
    return CmbMessage({"FUNNAM": "DCPAYMNT", "RETCOD": retcod}, [(tag, r) for r in records])


def _rec(ref, errcod="SUC0000", reqsts="NTE", rtnflg="", errtxt="", reqnbr="0000000001"):
    return {"YURREF": ref, "REQNBR": reqnbr, "REQSTS": reqsts, "RTNFLG": rtnflg, "ERRCOD": errcod, "ERRTXT": errtxt}


def test_submission_answers():
    results = codec.parse_submission_answer(_answer(
        _rec("A"), _rec("B", errcod="AC02", reqsts="FIN", rtnflg="F", reqnbr=""),
        _rec("C", errtxt="重复提交, 已受理"), _rec("STALE")), ["A", "B", "C", "D"])
    assert [r.status for r in results] == [S.ACCEPTED, S.FAILED, S.ACCEPTED, S.UNKNOWN]
    assert results[1].bank_code == "AC02" and results[2].duplicate and not results[0].duplicate
    # duplicated identical records count once; conflicting ones make it UNKNOWN
    (dup,) = codec.parse_submission_answer(_answer(_rec("A"), _rec("A")), ["A"])
    assert dup.status is S.ACCEPTED
    (conflict,) = codec.parse_submission_answer(_answer(_rec("A"), _rec("A", reqsts="FIN", rtnflg="S")), ["A"])
    assert conflict.status is S.UNKNOWN


def test_no_record_is_unknown_never_failed_and_stale_records_are_ignored():
    (report,) = codec.parse_status_answer(_answer(tag="NTSTLLSTZ"), "A")
    assert report.status is S.UNKNOWN and report.found is False
    # an answer carrying only another reference's record is stale: it says nothing about ours, and must never
    # count as "no record" (which could lead to a resend)
    (report,) = codec.parse_status_answer(_answer(_rec("OTHER", reqsts="FIN", rtnflg="F"), tag="NTSTLLSTZ"), "A")
    assert report.status is S.UNKNOWN and report.found
    reports = codec.parse_status_answer(_answer(_rec("A", reqsts="FIN", rtnflg="S"),
                                                _rec("A", reqsts="FIN", rtnflg="S"), tag="NTSTLLSTZ"), "A")
    assert len(reports) == 1 and reports[0].status is S.SUCCEEDED
