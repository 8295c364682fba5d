"""CMB NTQRYSTN (status list) codec and connector: the request, the page parsing (same mapping as NTQRYSTY,
unreadable records → UNKNOWN 'ask again', stale/duplicate/conflicting records), the continuation key."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.errors import BankRejected, BankUnavailable, ValidationFailed
from app.domain.payment import PaymentStatus as S
from app.ports.bank import BankPluginContext, Capability, TransportResponse
from bank_plugins.cmb_fbsdk import codec
from bank_plugins.cmb_fbsdk.connector import CmbFbsdkConnector
from bank_plugins.cmb_fbsdk.envelope import CmbFormatError, CmbMessage, build_message, parse_message
from bank_plugins.cmb_fbsdk.manifest import MANIFEST

ACC = "6225880000000101"


def rec(ref: str, reqnbr: str, reqsts: str = "FIN", rtnflg: str = "S", **kw: str) -> dict[str, str]:
    base = {"YURREF": ref, "REQNBR": reqnbr, "REQSTS": reqsts, "RTNFLG": rtnflg, "BUSCOD": "N02031",
            "BUSMOD": "00001", "CCYNBR": "10", "DBTACC": ACC, "CRTACC": "6217000000123456", "CRTNAM": "收款",
            "CRTBNK": "", "TRSAMT": "12.34", "NUSAGE": "", "EPTDAT": "20270310", "EPTTIM": "120000",
            "OPRDAT": "20270310", "RTNDAT": "", "ERRCOD": "", "ERRTXT": ""}
    base.update(kw)
    return base


def answer(records: list[dict[str, str]], ctnkey: str | None = None, funnam: str = "NTQRYSTN") -> CmbMessage:
    blocks = [("NTSTLLSTZ", r) for r in records]
    if ctnkey is not None:
        blocks.append(("NTQRYSTNZ1", {"CTNKEY": ctnkey}))
    info = {"FUNNAM": funnam, "DATTYP": "2", "LGNNAM": "X", "RETCOD": "0", "ERRMSG": ""}
    return parse_message(build_message(CmbMessage(info, blocks)))  # through the wire form, as the bank sends it


def test_request_carries_account_dates_and_key():
    wire = codec.build_status_list_query(ACC, date(2027, 3, 1), date(2027, 3, 31), login_name="ZL01",
                                         cursor="0000000042")
    msg = parse_message(wire)
    assert msg.funnam == "NTQRYSTN" and msg.info["LGNNAM"] == "ZL01"
    assert msg.first("NTQRYSTNY1") == {"BUSCOD": "N02031", "BUSMOD": "00001", "BGNDAT": "20270301",
                                       "ENDDAT": "20270331", "DBTACC": ACC, "CTNKEY": "0000000042"}
    first = parse_message(codec.build_status_list_query(ACC, date(2027, 3, 1), date(2027, 3, 1), login_name="Z"))
    assert "CTNKEY" not in first.first("NTQRYSTNY1")


def test_request_problems_all_at_once_before_any_io():
    with pytest.raises(ValidationFailed) as info:
        codec.build_status_list_query("12AB", date(2027, 3, 2), date(2027, 3, 1), login_name="Z", cursor="")
    assert [p.code for p in info.value.problems] == ["ACCOUNT_FORMAT", "DATE_RANGE", "CURSOR"]
    with pytest.raises(ValidationFailed) as info:
        codec.build_status_list_query(ACC, date(2027, 3, 1), date(2027, 4, 1), login_name="Z")  # 32 days
    assert info.value.code == "DATE_RANGE"
    with pytest.raises(ValidationFailed):
        codec.build_status_list_query(ACC, date(2027, 3, 1), date(2027, 3, 1), login_name="Z", cursor="a\nb")


@pytest.mark.parametrize(("reqsts", "rtnflg"), [
    ("NTE", ""), ("BNK", ""), ("AUT", ""), ("FIN", "S"), ("FIN", "F"), ("FIN", "R"), ("FIN", "C"), ("FIN", "D"),
    ("FIN", "B"), ("FIN", ""), ("FIN", "Z"), ("", "")])
def test_each_record_maps_as_the_single_status_query(reqsts, rtnflg):
    r = rec("R1", "0000000001", reqsts, rtnflg, ERRCOD="AC01" if rtnflg == "F" else "", ERRTXT="x")
    (listed,) = codec.parse_status_list_answer(answer([r]), ACC).reports
    (single,) = codec.parse_status_answer(answer([r], funnam="NTQRYSTY"), "R1")
    assert listed == single


def test_page_keeps_order_and_the_continuation_key():
    page = codec.parse_status_list_answer(answer([rec("A", "0000000001"), rec("B", "0000000002", "NTE", "")],
                                                 ctnkey="0000000002"), ACC)
    assert [(r.client_reference, r.status, r.bank_reference) for r in page.reports] == [
        ("A", S.SUCCEEDED, "0000000001"), ("B", S.ACCEPTED, "0000000002")]
    assert page.reports[0].amount_minor == 1234 and page.reports[0].executed_on == date(2027, 3, 10)
    assert page.next_cursor == "0000000002"
    assert codec.parse_status_list_answer(answer([]), ACC).next_cursor is None
    with pytest.raises(CmbFormatError):
        codec.parse_status_list_answer(answer([rec("A", "0000000001")], ctnkey=""), ACC)


def test_unreadable_record_is_unknown_ask_again_never_failed():
    page = codec.parse_status_list_answer(answer([
        rec("BAD1", "0000000001", "FIN", "F", TRSAMT="12,34"),
        rec("BAD2", "0000000002", "FIN", "F", OPRDAT="20271340"),
        rec("OK", "0000000003"),
    ]), ACC)
    bad1, bad2, ok = page.reports
    for bad, ref in ((bad1, "BAD1"), (bad2, "BAD2")):
        assert (bad.client_reference, bad.status, bad.found) == (ref, S.UNKNOWN, True)
        assert bad.bank_text.startswith("unreadable: ask again")
    assert ok.status is S.SUCCEEDED


def test_duplicates_once_conflicts_unknown_other_accounts_ignored():
    same = rec("D", "0000000001")
    page = codec.parse_status_list_answer(answer([
        same, same,                                            # duplicate_answer: once
        rec("C", "0000000002", "FIN", "S"), rec("C", "0000000002", "FIN", "F"),  # one instruction, two stories
        rec("O", "0000000003", DBTACC="6225880000000999"),     # another account's record (stale): left out
        rec("N", "0000000004", DBTACC=""),                     # no account given: kept
    ]), ACC)
    assert [(r.client_reference, r.status) for r in page.reports] == [
        ("D", S.SUCCEEDED), ("C", S.UNKNOWN), ("N", S.SUCCEEDED)]
    assert page.reports[1].found and "conflicting" in page.reports[1].bank_text


# ---------------------------------------------------------------------------------------------------------
# Connector


class ScriptedTransport:
    def __init__(self, *answers: CmbMessage):
        self.answers = list(answers)
        self.sent: list[bytes] = []

    def post(self, path, body, *, headers=None, payment=False, read_timeout_s=None):
        self.sent.append(body)
        return TransportResponse(200, {}, build_message(self.answers.pop(0)))

    def diagnose(self):
        return []


def envelope(retcod: str, errmsg: str) -> CmbMessage:
    return CmbMessage({"FUNNAM": "NTQRYSTN", "DATTYP": "2", "LGNNAM": "X", "RETCOD": retcod, "ERRMSG": errmsg})


def test_manifest_and_connector_page():
    assert MANIFEST.supports(Capability.STATUS_LIST)
    t = ScriptedTransport(answer([rec("A", "0000000001")], ctnkey="0000000001"), answer([rec("B", "0000000002")]))
    conn = CmbFbsdkConnector(BankPluginContext(t, {"login_name": "L"}))
    first = conn.query_status_list(ACC, date(2027, 3, 9), date(2027, 3, 10))
    second = conn.query_status_list(ACC, date(2027, 3, 9), date(2027, 3, 10), first.next_cursor)
    assert [r.client_reference for r in first.reports + second.reports] == ["A", "B"]
    assert second.next_cursor is None
    assert parse_message(t.sent[1]).first("NTQRYSTNY1")["CTNKEY"] == "0000000001"


def test_connector_errors():
    t = ScriptedTransport(answer([], ctnkey="0000000005"), envelope("-1", "FMT_DATE_RANGE: at most 31 days"),
                          envelope("-3", "RATE_LIMIT: slow down"), answer([], ctnkey=""))
    conn = CmbFbsdkConnector(BankPluginContext(t, {}))
    with pytest.raises(BankUnavailable) as info:  # the same key again would page forever
        conn.query_status_list(ACC, date(2027, 3, 9), date(2027, 3, 10), "0000000005")
    assert info.value.code == "ANSWER_FORMAT"
    with pytest.raises(BankRejected) as rejected:
        conn.query_status_list(ACC, date(2027, 3, 9), date(2027, 3, 10))
    assert rejected.value.bank_code == "FMT_DATE_RANGE"
    with pytest.raises(BankUnavailable):
        conn.query_status_list(ACC, date(2027, 3, 9), date(2027, 3, 10))
    with pytest.raises(BankUnavailable):
        conn.query_status_list(ACC, date(2027, 3, 9), date(2027, 3, 10))
    with pytest.raises(ValidationFailed):  # refused before sending
        conn.query_status_list(ACC, date(2027, 3, 10), date(2027, 3, 9))
    assert len(t.sent) == 4
