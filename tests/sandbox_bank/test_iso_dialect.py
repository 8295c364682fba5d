"""The sandbox bank's ISO 20022 dialect, driven over mutual-TLS HTTPS like an outside client: signed pain.001
upload, pain.002 acknowledgements and status reports, camt.052/053/054 from the same ledger, faults, and every
answer valid against the official XSD."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from app.ports.bank import PaymentInstruction
from bank_plugins.iso20022 import pain001
from tests.sandbox_bank.bank_harness import INTERNAL, OUTSIDE, PAYER, POOR, client_context, session_for, verify_answer

REF = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "iso20022_xsd"
XSD = {
    "pain.002.001.10": REF / "hbci4j_hbci4java" / "pain.002.001.10.xsd",
    "camt.052.001.08": REF / "genkgo_camt" / "camt.052.001.08.xsd",
    "camt.053.001.08": REF / "genkgo_camt" / "camt.053.001.08.xsd",
    "camt.054.001.08": REF / "genkgo_camt" / "camt.054.001.08.xsd",
}
REQ = "urn:bankdirect:sandbox:iso20022"
_schemas: dict[str, etree.XMLSchema] = {}


def assert_valid(root: etree._Element) -> None:
    message = etree.QName(root).namespace.rsplit(":", 1)[1]
    path = XSD.get(message)
    if path is None or not path.is_file():
        return
    schema = _schemas.setdefault(message, etree.XMLSchema(etree.parse(str(path))))
    assert schema.validate(root), f"{message}: {schema.error_log}"


def post(bank, function: str, body: bytes, headers: dict[str, str] | None = None, session=None):
    url = f"https://127.0.0.1:{bank.port}/iso20022/{function}"
    resp = (session or bank.session).post(url, data=body, headers=headers or {}, timeout=10)
    resp.bank_state = bank.state
    return resp


def answer(resp) -> etree._Element:
    """A signed, XSD-valid ISO answer."""
    assert resp.status_code == 200, resp.content
    assert resp.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert verify_answer(resp.bank_state, resp.content, resp.headers.get("X-BD-Signature", ""))
    root = etree.fromstring(resp.content, etree.XMLParser(resolve_entities=False, no_network=True))
    assert_valid(root)
    return root


@pytest.fixture
def iso_bank(start):
    def _start(*args):
        return start("--processing-delay", "0.1", "--settle-delay", "0.1", "--return-delay", "0.2", *args)
    return _start


def texts(root, path: str) -> list[str]:
    found = root.xpath(path, namespaces={"x": etree.QName(root).namespace})
    return [str(e) if isinstance(e, str) else e.text for e in found]


def pay_instr(ref: str, amount_minor: int = 100_00, payee: str = OUTSIDE, debit: str = PAYER,
              **kw) -> PaymentInstruction:
    return PaymentInstruction(client_reference=ref, debit_account=debit, payee_account=payee,
                              payee_name="收款测试公司", amount_minor=amount_minor, payee_bank_name="中国银行深圳分行",
                              purpose="货款", **kw)


def pain001_body(*instructions: PaymentInstruction, version: str = pain001.VERSION_09) -> bytes:
    st = pain001.InitiationSettings(pain001.Debtor("测试付款有限公司"), version=version)
    return pain001.build_pain001(list(instructions), st).body


def pay(bank, *instructions: PaymentInstruction, version: str = pain001.VERSION_09):
    body = pain001_body(*instructions, version=version)
    return answer(post(bank, "pain001", body, bank.signed_headers(body))), body


def status_request(*refs: str) -> bytes:
    inner = "".join(f"<OrgnlEndToEndId>{r}</OrgnlEndToEndId>" for r in refs)
    return f'<StsReq xmlns="{REQ}">{inner}</StsReq>'.encode()


def status(bank, *refs: str) -> etree._Element:
    return answer(post(bank, "status", status_request(*refs)))


def wait_status(bank, ref: str, wanted: str, timeout: float = 5.0) -> etree._Element:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        root = status(bank, ref)
        if texts(root, "//x:TxSts/text()") == [wanted]:
            return root
        time.sleep(0.05)
    raise AssertionError(f"{ref} did not reach {wanted}")


def request(root: str, **fields: str) -> bytes:
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return f'<{root} xmlns="{REQ}">{inner}</{root}>'.encode()


def reject_code(resp) -> str:
    root = etree.fromstring(resp.content)
    assert etree.QName(root).namespace.endswith("admi.002.001.01")
    return texts(root, "//x:RjctgPtyRsn/text()")[0]


# -- payments ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", pain001.SUPPORTED_VERSIONS)
def test_signed_pain001_is_acknowledged_with_a_pain002(iso_bank, version):
    bank = iso_bank()
    root, body = pay(bank, pay_instr("ISO-A-1"), pay_instr("ISO-A-2", 5_00), version=version)
    assert etree.QName(root).namespace.endswith("pain.002.001.10")
    msg_id = etree.fromstring(body).xpath("//x:GrpHdr/x:MsgId/text()", namespaces={"x": etree.QName(
        etree.fromstring(body)).namespace})[0]
    assert texts(root, "//x:OrgnlGrpInfAndSts/x:OrgnlMsgId/text()") == [msg_id]
    assert texts(root, "//x:OrgnlGrpInfAndSts/x:OrgnlMsgNmId/text()") == [version]
    assert texts(root, "//x:GrpSts/text()") == ["ACTC"]
    assert texts(root, "//x:OrgnlEndToEndId/text()") == ["ISO-A-1", "ISO-A-2"]
    assert texts(root, "//x:TxSts/text()") == ["ACTC", "ACTC"]
    refs = texts(root, "//x:TxInfAndSts/x:AcctSvcrRef/text()")
    assert len(refs) == 2 and all(r.isdigit() for r in refs)
    assert texts(root, "//x:OrgnlTxRef/x:Amt/x:InstdAmt/text()") == ["100.00", "5.00"]
    if version == pain001.VERSION_09:
        assert len(texts(root, "//x:OrgnlUETR/text()")) == 2
    final = wait_status(bank, "ISO-A-1", "ACSC")
    assert texts(final, "//x:AcctSvcrRef/text()") == refs[:1]
    debits = bank.report()["debits"]
    assert sorted(d["amount_minor"] for d in debits) == [5_00, 100_00]


@pytest.mark.parametrize(("headers", "code", "detail"), [
    ({}, "DS0A", "SIG_MISSING"),
    ({"X-BD-Signature": "AAAA", "X-BD-Signer": "00" * 32}, "DS0E", "SIG_UNKNOWN_SIGNER"),
    ("altered", "DS0B", "SIG_INVALID"),
])
def test_signature_refusals_reject_the_whole_message_and_nothing_is_stored(iso_bank, headers, code, detail):
    bank = iso_bank()
    body = pain001_body(pay_instr("ISO-SIG-1"))
    if headers == "altered":
        headers = bank.signed_headers(body)
        body = body.replace(b"100.00", b"900.00")
    root = answer(post(bank, "pain001", body, headers))
    assert texts(root, "//x:GrpSts/text()") == ["RJCT"]
    assert texts(root, "//x:OrgnlGrpInfAndSts/x:StsRsnInf/x:Rsn/x:Cd/text()") == [code]
    assert detail in texts(root, "//x:OrgnlGrpInfAndSts/x:StsRsnInf/x:AddtlInf/text()")[0]
    assert texts(root, "//x:TxInfAndSts") == []
    time.sleep(0.4)
    assert bank.report()["debits"] == [] and texts(status(bank, "ISO-SIG-1"), "//x:TxInfAndSts") == []


def test_unregistered_client_gets_a_message_reject(iso_bank, tmp_path):
    from sandbox_bank import pki

    bank = iso_bank()
    ca_key = pki.load_key(bank.state / "private" / "ca-key.pem")
    ca_cert = pki.load_cert(bank.state / "credentials" / "ca.pem")
    key, cert = pki.issue(ca_key, ca_cert, "rogue", purpose="client")
    cert_path, key_path = pki.write_pair(tmp_path, "rogue", key, cert)
    session = session_for(client_context(bank.state, cert_path, key_path))
    resp = post(bank, "camt052", request("RptReq", Acct=PAYER), session=session)
    assert reject_code(resp) == "CLIENT_NOT_REGISTERED"


def edited(body: bytes, edit) -> bytes:
    root = etree.fromstring(body)
    edit(root, {"x": etree.QName(root).namespace})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize(("edit", "code", "level"), [
    (lambda r, n: setattr(r.xpath("//x:GrpHdr/x:CtrlSum", namespaces=n)[0], "text", "105.01"), "AM10", "group"),
    (lambda r, n: setattr(r.xpath("//x:GrpHdr/x:NbOfTxs", namespaces=n)[0], "text", "3"), "AM18", "group"),
    (lambda r, n: setattr(r.xpath("//x:PmtInf/x:CtrlSum", namespaces=n)[0], "text", "1.00"), "AM10", "block"),
])
def test_counts_and_control_sums_are_checked(iso_bank, edit, code, level):
    bank = iso_bank()
    body = edited(pain001_body(pay_instr("ISO-CS-1"), pay_instr("ISO-CS-2", 5_00)), edit)
    root = answer(post(bank, "pain001", body, bank.signed_headers(body)))
    assert texts(root, "//x:GrpSts/text()") == ["RJCT"]
    where = "//x:OrgnlGrpInfAndSts" if level == "group" else "//x:OrgnlPmtInfAndSts"
    assert texts(root, f"{where}/x:StsRsnInf/x:Rsn/x:Cd/text()") == [code]
    time.sleep(0.4)
    assert bank.report()["debits"] == []


def test_transactions_refused_at_receipt_leave_the_others_alone(iso_bank):
    bank = iso_bank()
    bad_amount = edited(pain001_body(pay_instr("ISO-R-1"), pay_instr("ISO-R-2"), pay_instr("ISO-R-3")),
                        lambda r, n: (setattr(r.xpath("//x:InstdAmt", namespaces=n)[1], "text", "1.234"),
                                      setattr(r.xpath("//x:GrpHdr/x:CtrlSum", namespaces=n)[0], "text", "201.234"),
                                      setattr(r.xpath("//x:PmtInf/x:CtrlSum", namespaces=n)[0], "text", "201.234")))
    root = answer(post(bank, "pain001", bad_amount, bank.signed_headers(bad_amount)))
    assert texts(root, "//x:GrpSts/text()") == ["PART"]
    assert texts(root, "//x:TxSts/text()") == ["ACTC", "RJCT", "ACTC"]
    assert texts(root, "//x:TxInfAndSts/x:StsRsnInf/x:Rsn/x:Cd/text()") == ["AM12"]
    body = edited(pain001_body(pay_instr("ISO-R-4", debit="6225889999999999"), pay_instr("ISO-R-5"),
                               pay_instr("ISO-R-6", debit=POOR, amount_minor=1_00, currency="USD")),
                  lambda r, n: setattr(r.xpath("//x:CdtrAcct//x:Id[not(*)]", namespaces=n)[1], "text", PAYER))
    root = answer(post(bank, "pain001", body, bank.signed_headers(body)))
    assert texts(root, "//x:GrpSts/text()") == ["RJCT"]
    assert texts(root, "//x:TxInfAndSts/x:StsRsnInf/x:Rsn/x:Cd/text()") == ["AC02", "AC03", "AM03"]


def test_a_byte_identical_resend_is_a_repeat_and_a_reused_message_id_is_refused(iso_bank):
    bank = iso_bank()
    body = pain001_body(pay_instr("ISO-D-1"))
    first = answer(post(bank, "pain001", body, bank.signed_headers(body)))
    again = answer(post(bank, "pain001", body, bank.signed_headers(body)))
    assert texts(again, "//x:AcctSvcrRef/text()") == texts(first, "//x:AcctSvcrRef/text()")
    assert texts(again, "//x:TxInfAndSts/x:StsRsnInf/x:Rsn/x:Prtry/text()") == ["REPEAT"]
    changed = edited(body, lambda r, n: setattr(r.xpath("//x:Ustrd", namespaces=n)[0], "text", "改过"))
    dup = answer(post(bank, "pain001", changed, bank.signed_headers(changed)))
    assert texts(dup, "//x:OrgnlGrpInfAndSts/x:StsRsnInf/x:Rsn/x:Cd/text()") == ["DU01"]
    wait_status(bank, "ISO-D-1", "ACSC")
    assert len(bank.report()["debits"]) == 1  # executed once


def test_failures_and_unknown_references_in_status_reports(iso_bank):
    bank = iso_bank()
    pay(bank, pay_instr("ISO-F-1", payee="6217000000000001"), pay_instr("ISO-F-2", amount_minor=500_000_00))
    root = wait_status(bank, "ISO-F-1", "RJCT")
    assert texts(root, "//x:StsRsnInf/x:Rsn/x:Cd/text()") == ["AC01"]
    assert "invalid payee account" in texts(root, "//x:StsRsnInf/x:AddtlInf/text()")[0]
    root = wait_status(bank, "ISO-F-2", "RJCT")
    assert texts(root, "//x:StsRsnInf/x:Rsn/x:Cd/text()") == ["AM02"]
    unknown = status(bank, "ISO-NEVER-SENT")
    assert texts(unknown, "//x:TxInfAndSts") == []
    too_many = post(bank, "status", status_request(*[f"R{n}" for n in range(101)]))
    assert reject_code(too_many) == "FF01"


# -- statements ----------------------------------------------------------------------------------------------


def test_camt052_balances_and_paged_entries(iso_bank):
    bank = iso_bank()
    pay(bank, pay_instr("ISO-S-1", 10_00, payee=INTERNAL), pay_instr("ISO-S-2", 20_00), pay_instr("ISO-S-3", 30_00))
    wait_status(bank, "ISO-S-3", "ACSC")
    wait_status(bank, "ISO-S-1", "ACSC")
    balances = answer(post(bank, "camt052", request("RptReq", Acct=PAYER, Ntries="false")))
    assert texts(balances, "//x:Bal/x:Tp/x:CdOrPrtry/x:Cd/text()") == ["ITBD", "ITAV"]
    assert texts(balances, "//x:Bal/x:Amt/text()") == ["999940.00", "999940.00"]
    assert texts(balances, "//x:Ntry") == []
    today = datetime.now(UTC).date().isoformat()
    pages = [answer(post(bank, "camt052", request("RptReq", Acct=PAYER, FrDt=today, ToDt=today, PgNb=str(n),
                                                  PgSz="2"))) for n in (1, 2)]
    assert [texts(p, "//x:RptPgntn/x:LastPgInd/text()") for p in pages] == [["false"], ["true"]]
    assert texts(pages[0], "//x:Bal/x:Tp/x:CdOrPrtry/x:Cd/text()") == ["OPBD"]
    assert texts(pages[1], "//x:Bal/x:Tp/x:CdOrPrtry/x:Cd/text()") == ["ITBD"]
    amounts = [a for p in pages for a in texts(p, "//x:Ntry/x:Amt/text()")]
    assert sorted(amounts) == ["10.00", "20.00", "30.00"]
    assert texts(pages[0], "//x:Ntry/x:CdtDbtInd/text()") == ["DBIT", "DBIT"]
    assert set(texts(pages[0], "//x:TxDtls/x:Refs/x:EndToEndId/text()")) <= {"ISO-S-1", "ISO-S-2", "ISO-S-3"}
    incoming = answer(post(bank, "camt052", request("RptReq", Acct=INTERNAL, FrDt=today, ToDt=today)))
    assert texts(incoming, "//x:Ntry/x:CdtDbtInd/text()") == ["CRDT"]
    assert texts(incoming, "//x:RltdPties/x:Dbtr/x:Pty/x:Nm/text()") == ["测试付款有限公司"]
    assert reject_code(post(bank, "camt052", request("RptReq", Acct="6225880000009999"))) == "AC01"
    assert reject_code(post(bank, "camt052", request("RptReq", Acct=PAYER, PgSz="5000"))) == "FF01"


def test_camt053_end_of_day_statements_one_per_day(iso_bank):
    bank = iso_bank()
    pay(bank, pay_instr("ISO-E-1", 12_34))
    wait_status(bank, "ISO-E-1", "ACSC")
    today = datetime.now(UTC).date()
    start = today.fromordinal(today.toordinal() - 2)
    root = answer(post(bank, "camt053", request("StmtReq", Acct=PAYER, FrDt=start.isoformat(),
                                                ToDt=today.isoformat())))
    statements = root.xpath("//x:Stmt", namespaces={"x": etree.QName(root).namespace})
    assert len(statements) == 3
    ns = {"x": etree.QName(root).namespace}
    last = statements[-1]
    assert last.xpath("x:Bal[x:Tp/x:CdOrPrtry/x:Cd='OPBD']/x:Amt/text()", namespaces=ns) == ["1000000.00"]
    assert last.xpath("x:Bal[x:Tp/x:CdOrPrtry/x:Cd='CLBD']/x:Amt/text()", namespaces=ns) == ["999987.66"]
    assert last.xpath("x:Ntry/x:Amt/text()", namespaces=ns) == ["12.34"]
    assert statements[0].xpath("x:Ntry", namespaces=ns) == []
    too_long = post(bank, "camt053", request("StmtReq", Acct=PAYER, FrDt="2024-01-01", ToDt="2024-03-01"))
    assert reject_code(too_long) == "FF01"


def test_camt054_notifies_a_return_with_its_reason(iso_bank):
    bank = iso_bank()
    pay(bank, pay_instr("ISO-RT-1", 77_00, payee="6217000000000009"))
    deadline = time.monotonic() + 5
    while True:
        root = answer(post(bank, "camt054", request("NtfctnReq", OrgnlEndToEndId="ISO-RT-1")))
        if len(texts(root, "//x:Ntry")) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert texts(root, "//x:Ntry/x:CdtDbtInd/text()") == ["DBIT", "CRDT"]
    assert texts(root, "//x:Ntry/x:Amt/text()") == ["77.00", "77.00"]
    assert texts(root, "//x:RtrInf/x:Rsn/x:Cd/text()") == ["BE01"]
    assert texts(root, "//x:Ntry/x:BkTxCd/x:Domn/x:Fmly/x:SubFmlyCd/text()") == ["DMCT", "RRTN"]
    assert texts(status(bank, "ISO-RT-1"), "//x:TxSts/text()") == ["ACSC"]  # pain.002 cannot say "returned"
    assert reject_code(post(bank, "camt054", request("NtfctnReq"))) == "FF01"


# -- protocol errors and faults ------------------------------------------------------------------------------


def test_wrong_documents_paths_and_methods(iso_bank):
    bank = iso_bank()
    assert reject_code(post(bank, "pain001", request("RptReq", Acct=PAYER))) == "FF01"
    assert reject_code(post(bank, "camt052", b"<x>")) == "FF01"
    doctype = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><StsReq xmlns="' + REQ.encode() + b'"/>'
    assert reject_code(post(bank, "status", doctype)) == "FF01"
    assert post(bank, "camt099", b"<x/>").status_code == 404
    assert bank.session.get(f"https://127.0.0.1:{bank.port}/iso20022/status", timeout=5).status_code == 405


def test_pre_faults_execute_nothing_and_are_logged(iso_bank):
    bank = iso_bank("--faults", "http200_business_error=1")
    body = pain001_body(pay_instr("ISO-FLT-1"))
    resp = post(bank, "pain001", body, bank.signed_headers(body))
    assert reject_code(resp) == "SYS_BUSY"
    time.sleep(0.4)
    assert bank.report()["debits"] == []
    faults = bank.report()["faults"]
    assert [(f["kind"], f["funnam"], f["path"]) for f in faults] == [
        ("http200_business_error", "iso20022:pain001", "/iso20022/pain001")]


def test_query_faults(iso_bank):
    bank = iso_bank("--faults", "rate_limit=1")
    assert reject_code(post(bank, "camt052", request("RptReq", Acct=PAYER))) == "RATE_LIMIT"
    body = pain001_body(pay_instr("ISO-FLT-2"))
    assert texts(answer(post(bank, "pain001", body, bank.signed_headers(body))), "//x:GrpSts/text()") == ["ACTC"]


@pytest.mark.parametrize(("kind", "check"), [
    ("duplicate_answer", lambda root: texts(root, "//x:OrgnlEndToEndId/text()") == ["ISO-C-1", "ISO-C-1"]),
    ("no_record", lambda root: texts(root, "//x:TxInfAndSts") == []),
    ("out_of_order_status", lambda root: texts(root, "//x:TxSts/text()") == ["ACTC"]),
])
def test_content_faults_on_status_answers(iso_bank, kind, check):
    bank = iso_bank("--faults", f"{kind}=1")
    pay(bank, pay_instr("ISO-C-1"))
    deadline = time.monotonic() + 5
    while len(bank.report()["debits"]) < 1 and time.monotonic() < deadline:  # executed: really ACSC now
        time.sleep(0.05)
    assert check(status(bank, "ISO-C-1"))
    assert kind in {f["kind"] for f in bank.report()["faults"]}


def test_bad_signature_and_malformed_answers(iso_bank):
    bank = iso_bank("--faults", "bad_signature=1")
    resp = post(bank, "camt052", request("RptReq", Acct=PAYER, Ntries="false"))
    assert resp.status_code == 200 and not verify_answer(bank.state, resp.content, resp.headers["X-BD-Signature"])
    bank2 = iso_bank("--faults", "malformed_xml=1")
    resp = post(bank2, "camt052", request("RptReq", Acct=PAYER, Ntries="false"))
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(resp.content)
