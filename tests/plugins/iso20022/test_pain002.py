"""pain.002 reader: every reference pain.002 reads or is refused precisely; statuses at group, payment-information
and transaction level mapped to the unified statuses with the ISO reason code and the bank's text; hardened."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.domain.payment import PaymentStatus as S
from bank_plugins.iso20022 import status as iso_status
from bank_plugins.iso20022.pain002 import Pain002Error, parse_amount, read_pain002

REF = Path(__file__).resolve().parents[3].parent / "shared" / "reference"
SAMPLES = REF / "iso20022_samples"


def _pain002_files() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    return sorted(p for p in SAMPLES.rglob("*") if p.is_file() and b"CstmrPmtStsRpt" in p.read_bytes()[:4096])


FILES = _pain002_files()


def sample(relative: str) -> bytes:
    path = SAMPLES / relative
    if not path.is_file():
        pytest.skip(f"reference sample not found: {path}")
    return path.read_bytes()


def test_the_reference_set_has_the_expected_pain002_files():
    if not FILES:
        pytest.skip("reference data not found")
    assert len(FILES) == 30


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SAMPLES)) for p in FILES])
def test_every_reference_pain002_reads_or_is_refused_precisely(path):
    try:
        report = read_pain002(path.read_bytes())
    except Pain002Error as exc:  # pragma: no cover - none of the current files is refused
        assert exc.code in {"PAIN_NAMESPACE", "PAIN_VERSION", "PAIN_FORMAT", "FILE_XML"} and exc.message
        return
    assert report.version.startswith("pain.002")
    for effective in report.effective():
        assert isinstance(effective.status, S)
        if effective.raw_status == "RJCT":
            assert effective.status is S.FAILED
    assert all(not w.is_error for w in report.warnings)


def effective(relative: str):
    return [(e.end_to_end_id, e.status, e.raw_status, e.level, e.reason_code, e.reason_text)
            for e in read_pain002(sample(relative)).effective()]


def test_bank_of_ireland_transaction_rejects_keep_code_and_text():
    assert effective("OCA_account-payment/test-sepa-pain-unpaid.xml") == [
        ("E2EID1", S.FAILED, "RJCT", "transaction", "AC01", "ACC NUMBER INVALID"),
        ("E2EID2", S.FAILED, "RJCT", "transaction", "MS02", ""),
        ("E2EID3", S.FAILED, "RJCT", "transaction", "MD06", ""),
        ("E2EID4", S.FAILED, "RJCT", "transaction", "AM04", "")]
    report = read_pain002(sample("OCA_account-payment/test-sepa-pain-unpaid.xml"))
    first = report.for_reference("E2EID1")[0]
    assert (first.amount_minor, first.currency, first.debtor_account) == (10000, "EUR", "IE98BOFI90393912121212")
    assert first.suggested_action.startswith("the payee account number is wrong")


def test_nordea_group_reject_applies_to_every_transaction():
    report = read_pain002(sample("svapnil_iso20022.js/nordea/pain_002_v3_group_reject.xml"))
    assert report.version == "pain.002.001.03" and report.group_unified is S.FAILED
    whole = report.unlisted_status("ANY-PMTINF")
    assert (whole.status, whole.reason_code, whole.reason_text, whole.level) == (
        S.FAILED, "DU01", "ISO Duplicate Message ID", "group")


def test_nordea_transaction_rejects_under_a_rejected_payment_information():
    assert effective("svapnil_iso20022.js/nordea/pain_002_v3_txn_reject.xml") == [
        ("ENDTOENDID-950-TEST2-2807-02", S.FAILED, "RJCT", "transaction", "NARR",
         "CAP Invalid code or combinations in CategoryPurpose or ServiceLevel"),
        ("ENDTOENDID-950-TEST2-2807-01", S.FAILED, "RJCT", "transaction", "NARR",
         "CAP Invalid code or combinations in CategoryPurpose or ServiceLevel")]


def test_payment_information_level_status_covers_unlisted_transactions():
    report = read_pain002(sample("svapnil_iso20022.js/nordea/pain_002_v3_payment_reject.xml"))
    whole = report.unlisted_status("PMTINFID-COM-SCE25-1707-01")
    assert (whole.status, whole.level, whole.reason_code) == (S.FAILED, "payment_information", "NARR")
    assert report.unlisted_status("OTHER") is None  # no group status: nothing to say about other blocks
    accepted = read_pain002(sample("svapnil_iso20022.js/goldman_sachs/pain_002_v3_payment_accepted.xml"))
    assert accepted.unlisted_status("xxx001220315B000XXXX").status is S.ACCEPTED


def test_postfinance_partial_block_with_a_rejected_transaction():
    path = "moov-io_iso20022/pain002-epo_p_ch5109000000250092291_1110097605_0_2018031511252307.xml"
    report = read_pain002(sample(path))
    assert report.version == "pain.002.001.03.ch.02"
    assert report.payment_informations[0].raw_status == "PART"
    assert iso_status.group_status("PART") is S.PARTIAL
    assert effective(path) == [("EndToEndId-001-03-04", S.FAILED, "RJCT", "transaction", "AC01",
                                "1301813;Konto ungültig")]
    assert report.unlisted_status("PmtInfId-001-03") is None  # PART says nothing about the others


def test_postfinance_message_level_reject_am10_in_both_vintages():
    for path in ("libeufin_testbench/6_pain002 A-Level RJCT (Empfangsbestaetigung FDS)_v2009.xml",
                 "libeufin_testbench/6_pain002 A-Level RJCT (Empfangsbestaetigung FDS)_v2019.xml"):
        report = read_pain002(sample(path))
        whole = report.unlisted_status()
        assert (whole.status, whole.reason_code) == (S.FAILED, "AM10")
        assert "ControlSum" in whole.reason_text and whole.suggested_action.startswith("the control sum")
    assert read_pain002(sample(
        "libeufin_testbench/6_pain002 A-Level RJCT (Empfangsbestaetigung FDS)_v2019.xml")).version == "pain.002.001.10"


def test_accepted_and_in_process_statuses():
    assert effective("svapnil_iso20022.js/goldman_sachs/pain_002_v3_accepted.xml") == [
        ("GSDGFKfLURaHb", S.ACCEPTED, "ACCP", "transaction", "NARR", "")]
    report = read_pain002(sample("svapnil_iso20022.js/cross_river/pain_002_credit_accepted.xml"))
    assert [w.code for w in report.warnings] == ["NO_NAMESPACE"]
    assert [(e.end_to_end_id, e.status) for e in report.effective()] == [("0000000000000108", S.PROCESSING)]
    group = read_pain002(sample("libeufin_testbench/5_pain002 A-Level ACTC (Empfangsbestaetigung FDS)_v2019.xml"))
    assert group.unlisted_status().status is S.ACCEPTED


def test_verification_of_payee_is_not_a_payment_outcome():
    report = read_pain002(sample("hbci4j_hbci4java/test-pain-parse-0020110-02.xml"))
    (e,) = report.effective()
    assert (e.status, e.raw_status) == (S.UNKNOWN, "RVNM")
    assert "NO match" in e.verification
    assert e.uetr == "a34743b9-fb22-4ec6-9947-03b7e191584e"


def test_a_report_without_any_status_reads_with_a_warning():
    report = read_pain002(sample("moov-io_iso20022/valid_pain_v11.xml"))
    assert report.version == "pain.002.001.11" and report.effective() == []
    assert [w.code for w in report.warnings] == ["NO_STATUS"]
    assert report.unlisted_status() is None


# -- mapping -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "expected"), [
    ("RCVD", S.ACCEPTED), ("ACTC", S.ACCEPTED), ("ACCP", S.ACCEPTED), ("PDNG", S.AWAITING_BANK_AUTH),
    ("ACSP", S.PROCESSING), ("ACWC", S.PROCESSING), ("ACSC", S.SUCCEEDED), ("ACCC", S.SUCCEEDED),
    ("RJCT", S.FAILED), ("CANC", S.CANCELLED), ("PART", S.UNKNOWN), ("RVMC", S.UNKNOWN), ("XXXX", S.UNKNOWN),
    ("", S.UNKNOWN)])
def test_transaction_status_mapping(code, expected):
    assert iso_status.transaction_status(code) is expected


def doc(body: str, ns: str = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{ns}"><CstmrPmtStsRpt>'
            f"<GrpHdr><MsgId>M1</MsgId><CreDtTm>2025-01-01T00:00:00</CreDtTm></GrpHdr>{body}"
            "</CstmrPmtStsRpt></Document>").encode()


def group(status: str = "", reasons: str = "") -> str:
    return (f"<OrgnlGrpInfAndSts><OrgnlMsgId>BD1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>"
            f"{f'<GrpSts>{status}</GrpSts>' if status else ''}{reasons}</OrgnlGrpInfAndSts>")


def tx(ref: str, status: str = "", extra: str = "") -> str:
    return (f"<TxInfAndSts><OrgnlEndToEndId>{ref}</OrgnlEndToEndId>"
            f"{f'<TxSts>{status}</TxSts>' if status else ''}{extra}</TxInfAndSts>")


def block(pmt_id: str, status: str, *txs: str) -> str:
    sts = f"<PmtInfSts>{status}</PmtInfSts>" if status else ""
    return f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{pmt_id}</OrgnlPmtInfId>{sts}{''.join(txs)}</OrgnlPmtInfAndSts>"


def test_group_rjct_overrides_transaction_statuses_and_inheritance_rules():
    rsn = "<StsRsnInf><Rsn><Cd>FF01</Cd></Rsn><AddtlInf>file unreadable</AddtlInf></StsRsnInf>"
    report = read_pain002(doc(group("RJCT", rsn) + block("P1", "", tx("A", "ACCP"), tx("B"))))
    assert [(e.end_to_end_id, e.status, e.level, e.reason_code) for e in report.effective()] == [
        ("A", S.FAILED, "group", "FF01"), ("B", S.FAILED, "group", "FF01")]
    report = read_pain002(doc(group("ACTC") + block("P1", "", tx("A", "ACSC"), tx("B")) + block("P2", "ACSP",
                                                                                                tx("C"))))
    assert [(e.end_to_end_id, e.status, e.level) for e in report.effective()] == [
        ("A", S.SUCCEEDED, "transaction"), ("B", S.ACCEPTED, "group"), ("C", S.PROCESSING, "payment_information")]
    report = read_pain002(doc(group("PART") + block("P1", "PART", tx("A"), tx("B", "RJCT"))))
    assert [(e.end_to_end_id, e.status) for e in report.effective()] == [("A", S.UNKNOWN), ("B", S.FAILED)]
    assert report.group_unified is S.PARTIAL


def test_reasons_proprietary_codes_and_several_texts_are_kept():
    rsn = ("<StsRsnInf><Orgtr><Nm>Bank</Nm></Orgtr><Rsn><Prtry>X99</Prtry></Rsn><AddtlInf>first</AddtlInf>"
           "<AddtlInf>second</AddtlInf></StsRsnInf>")
    report = read_pain002(doc(group() + block("P1", "", tx("A", "RJCT", rsn))))
    (e,) = report.effective()
    assert (e.reason_code, e.reason_text) == ("X99", "first second")
    assert report.payment_informations[0].transactions[0].reasons[0].originator == "Bank"


def test_amounts_in_the_original_transaction_reference_are_strict():
    def with_amount(text: str, ccy: str = "CNY") -> object:
        ref = f'<OrgnlTxRef><Amt><InstdAmt Ccy="{ccy}">{text}</InstdAmt></Amt></OrgnlTxRef>'
        return read_pain002(doc(group() + block("P1", "", tx("A", "ACCP", ref))))

    assert with_amount("66.00").effective()[0].amount_minor == 6600
    assert with_amount("66.000").effective()[0].amount_minor == 6600
    bad = with_amount("66.0000000000001")
    assert bad.effective()[0].amount_minor is None  # never 66.00
    assert [w.code for w in bad.warnings] == ["AMOUNT_FORMAT"] and "66.0000000000001" in bad.warnings[0].message
    assert with_amount("1.5", "JPY").effective()[0].amount_minor is None
    assert with_amount("1,50").effective()[0].amount_minor is None
    assert parse_amount("1.005", "KWD") == 1005
    with pytest.raises(ValueError, match="more decimals"):
        parse_amount("0.001", "EUR")


# -- refusals ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "code", "fragment"), [
    (doc(group("ACTC"), "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"), "PAIN_NAMESPACE",
     "this is a camt.053.001.08 document, not a pain.002"),
    (doc(group("ACTC"), "urn:iso:std:iso:20022:tech:xsd:pain.002.001.07"), "PAIN_VERSION",
     "pain.002.001.07 is not a supported pain.002 version"),
    (doc(group("ACTC"), "urn:example:bank:status"), "PAIN_NAMESPACE", "unknown namespace 'urn:example:bank:status'"),
    (b'<Report xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"/>', "PAIN_FORMAT", "root element is <Report>"),
    (doc("<OrgnlPmtInfAndSts/>"), "PAIN_FORMAT", "no <OrgnlGrpInfAndSts>"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrCdtTrfInitn/></Document>',
     "PAIN_FORMAT", "holds <CstmrCdtTrfInitn>, not <CstmrPmtStsRpt>"),
    (b"<Document><CstmrPmtStsRpt>", "FILE_XML", "malformed XML"),
    (b"", "FILE_XML", "empty"),
])
def test_documents_that_are_not_a_readable_pain002_are_refused_precisely(data, code, fragment):
    with pytest.raises(Pain002Error) as info:
        read_pain002(data)
    assert info.value.code == code and fragment in info.value.message


def test_xml_bombs_and_external_entities_are_refused_quickly():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
                         for i in range(1, 10))
              + b']><Document>&lol9;</Document>')
    external = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">&x;</Document>')
    for data in (laughs, external):
        start = time.monotonic()
        with pytest.raises(Pain002Error) as info:
            read_pain002(data)
        assert info.value.code == "FILE_XML" and "DOCTYPE" in info.value.message
        assert time.monotonic() - start < 1.0


def test_size_cap():
    with pytest.raises(Pain002Error) as info:
        read_pain002(doc(group("ACTC")), max_bytes=100)
    assert info.value.code == "FILE_SIZE"
