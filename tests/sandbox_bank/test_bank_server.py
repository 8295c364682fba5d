"""The sandbox bank as a subprocess, driven over mutual-TLS HTTPS like the client plugin will drive it."""

from __future__ import annotations

import base64
import time

import pytest
import requests
import trustme

from sandbox_bank import pki
from tests.sandbox_bank.bank_harness import (
    INTERNAL,
    OUTSIDE,
    PAYER,
    POOR,
    client_context,
    info,
    parse,
    payment_body,
    payment_record,
    records,
    run_cli,
    session_for,
    verify_answer,
    xml_request,
)


def pay_records(resp) -> list[dict[str, str]]:
    root = parse(resp.content)
    assert info(root)["RETCOD"] == "0", resp.content
    return records(root, "NTQPAYRQZ")


# -- mutual TLS ------------------------------------------------------------------------------------
def test_no_client_certificate_fails_the_handshake(bank):
    s = session_for(client_context(bank.state, None, None))
    with pytest.raises(requests.exceptions.ConnectionError):
        bank.post(payment_body(payment_record("NOCERT1", "1.00")), session=s)
    assert bank.report()["debits"] == []


def test_client_certificate_from_another_ca_is_refused(bank, tmp_path):
    other = trustme.CA()
    cert = other.issue_cert("intruder@example.com")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "intruder.pem"))
    ctx = client_context(bank.state, None, None)
    ctx.load_cert_chain(str(tmp_path / "intruder.pem"))
    with pytest.raises(requests.exceptions.ConnectionError):
        bank.post(xml_request("GetAccInfo", [("SDKACINFX", {"ACCNBR": PAYER})]), session=session_for(ctx))


def test_unregistered_client_certificate_from_the_right_ca_is_refused(bank, tmp_path):
    ca_key = pki.load_key(bank.state / "private" / "ca-key.pem")
    ca_cert = pki.load_cert(bank.state / "credentials" / "ca.pem")
    key, cert = pki.issue(ca_key, ca_cert, "rogue", purpose="client")
    cert_path, key_path = pki.write_pair(tmp_path, "rogue", key, cert)
    r = bank.post(
        xml_request("GetAccInfo", [("SDKACINFX", {"ACCNBR": PAYER})]),
        session=session_for(client_context(bank.state, cert_path, key_path)),
    )
    assert info(parse(r.content))["RETCOD"] == "-5"
    assert "CLIENT_NOT_REGISTERED" in info(parse(r.content))["ERRMSG"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_tls_below_1_2_is_refused(bank):
    import ssl

    ctx = client_context(
        bank.state, bank.state / "credentials/demo-client.pem", bank.state / "credentials/demo-client-key.pem"
    )
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises(requests.exceptions.ConnectionError):
        bank.post(xml_request("GetAccInfo", [("SDKACINFX", {"ACCNBR": PAYER})]), session=session_for(ctx))


# -- payments, signatures, de-duplication ---------------------------------------------------------
def test_signed_payment_progresses_and_debits_once(start):
    bank = start("--processing-delay", "0.3", "--settle-delay", "0.3")
    r = bank.pay(payment_record("PAY-OK-1", "1234.56"))
    assert r.status_code == 200
    assert verify_answer(bank.state, r.content, r.headers["X-BD-Signature"])
    [rec] = pay_records(r)
    assert (rec["YURREF"], rec["REQSTS"], rec["ERRCOD"]) == ("PAY-OK-1", "NTE", "SUC0000")
    seen = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        [st] = bank.status("PAY-OK-1")
        if not seen or seen[-1] != (st["REQSTS"], st["RTNFLG"]):
            seen.append((st["REQSTS"], st["RTNFLG"]))
        if st["REQSTS"] == "FIN":
            break
        time.sleep(0.03)
    assert seen == [("NTE", ""), ("BNK", ""), ("FIN", "S")]
    assert bank.balance(PAYER) == "998765.44"
    time.sleep(0.3)
    debits = bank.report()["debits"]
    assert [(d["client_reference"], d["amount_minor"]) for d in debits] == [("PAY-OK-1", 123456)]


def test_status_by_reqnbr(bank):
    [rec] = pay_records(bank.pay(payment_record("PAY-REQNBR", "5.00")))
    bank.wait_final("PAY-REQNBR")
    r = bank.post(xml_request("NTSTLINF", [("NTSTLINFX", {"REQNBR": rec["REQNBR"]})]))
    [st] = records(parse(r.content), "NTQPAYQYZ")
    assert (st["YURREF"], st["REQSTS"], st["RTNFLG"], st["TRSAMT"]) == ("PAY-REQNBR", "FIN", "S", "5.00")


@pytest.mark.parametrize("case", ["unsigned", "unknown_signer", "altered", "garbage_signature"])
def test_bad_signatures_are_refused_and_nothing_executes(bank, case):
    body = payment_body(payment_record("SIG-1", "10.00"))
    headers = bank.signed_headers(body)
    if case == "unsigned":
        headers = {}
        code = "SIG_MISSING"
    elif case == "unknown_signer":
        headers["X-BD-Signer"] = "00" * 32
        code = "SIG_UNKNOWN_SIGNER"
    elif case == "altered":
        body = body.replace(b"<TRSAMT>10.00<", b"<TRSAMT>99.00<")
        code = "SIG_INVALID"
    else:
        headers["X-BD-Signature"] = base64.b64encode(b"x" * 64).decode()
        code = "SIG_INVALID"
    r = bank.post(body, headers)
    head = info(parse(r.content))
    assert head["RETCOD"] == "-2" and head["ERRMSG"].startswith(code)
    time.sleep(0.5)
    assert bank.status("SIG-1") == []
    assert bank.balance(PAYER) == "1000000.00"
    assert bank.report()["debits"] == []


def test_ec_signer_issued_by_cli_is_accepted(bank):
    res = run_cli("issue-signer", "--state", str(bank.state), "--name", "ecsigner", "--key", "ec")
    assert res.returncode == 0, res.stderr
    body = payment_body(payment_record("EC-SIG-1", "1.00"))
    r = bank.post(body, bank.signed_headers(body, signer="ecsigner"))
    assert pay_records(r)[0]["ERRCOD"] == "SUC0000"
    assert bank.wait_final("EC-SIG-1")["RTNFLG"] == "S"


def test_repeat_with_dedup_on_returns_the_earlier_result_and_debits_once(bank):
    first = pay_records(bank.pay(payment_record("DUP-1", "100.00")))[0]
    bank.wait_final("DUP-1")
    again = pay_records(bank.pay(payment_record("DUP-1", "100.00")))[0]
    assert again["REQNBR"] == first["REQNBR"]
    assert (again["REQSTS"], again["RTNFLG"]) == ("FIN", "S")
    changed = pay_records(bank.pay(payment_record("DUP-1", "200.00")))[0]
    assert (changed["ERRCOD"], changed["REQNBR"]) == ("DUPL", "")
    time.sleep(0.6)
    assert len(bank.status("DUP-1")) == 1
    assert bank.balance(PAYER) == "999900.00"
    assert len(bank.report()["debits"]) == 1


def test_repeat_with_dedup_off_executes_twice_and_report_shows_both(start):
    bank = start("--dedup", "off")
    a = pay_records(bank.pay(payment_record("DUP-OFF", "100.00")))[0]
    b = pay_records(bank.pay(payment_record("DUP-OFF", "100.00")))[0]
    assert a["REQNBR"] != b["REQNBR"]
    time.sleep(0.7)
    assert [s["RTNFLG"] for s in bank.status("DUP-OFF")] == ["S", "S"]
    assert bank.balance(PAYER) == "999800.00"
    debits = bank.report()["debits"]
    assert [d["client_reference"] for d in debits] == ["DUP-OFF", "DUP-OFF"]


# -- rejection rules -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("payee", "amount", "debit", "code"),
    [
        (OUTSIDE, "100.01", POOR, "AM04"),
        ("6217000000000001", "1.00", PAYER, "AC01"),
        ("6217000000000004", "1.00", PAYER, "AC04"),
        ("6217000000000006", "1.00", PAYER, "RR04"),
        (OUTSIDE, "200000.01", PAYER, "AM02"),
    ],
)
def test_rejection_rules(bank, payee, amount, debit, code):
    pay_records(bank.pay(payment_record("RULE-1", amount, payee=payee, debit=debit)))
    st = bank.wait_final("RULE-1")
    assert (st["RTNFLG"], st["ERRCOD"]) == ("F", code)
    assert st["ERRTXT"]
    assert bank.report()["debits"] == []


def test_daily_limit(bank):
    pay_records(
        bank.pay(
            payment_record("DAY-1", "150000.00"), payment_record("DAY-2", "150000.00"), payment_record("DAY-3", "0.01")
        )
    )
    assert bank.wait_final("DAY-1")["RTNFLG"] == "S"
    assert bank.wait_final("DAY-2")["RTNFLG"] == "S"
    assert bank.wait_final("DAY-3")["ERRCOD"] == "AM02"
    assert bank.balance(PAYER) == "700000.00"


def test_after_cutoff_fails_with_tm01(start):
    bank = start("--cutoff", "00:00")
    pay_records(bank.pay(payment_record("LATE-1", "1.00")))
    assert bank.wait_final("LATE-1")["ERRCOD"] == "TM01"


def test_record_level_format_errors_change_nothing(bank):
    r = bank.pay(
        payment_record("FMT-1", "1e2"),
        payment_record("FMT-2", "１２３"),
        payment_record("FMT-3", "10.001"),
        payment_record("FMT-4", "0.00"),
        payment_record("FMT-5", "1.00", CRTNAM="䶮公司"),
        payment_record("FMT-6", "1.00", debit="999999"),
        payment_record("FMT-OK", "1.00"),
    )
    codes = [rec["ERRCOD"] for rec in pay_records(r)]
    assert codes == [
        "FMT_AMOUNT",
        "FMT_AMOUNT",
        "FMT_AMOUNT",
        "AMOUNT_NOT_POSITIVE",
        "TEXT_ENCODING",
        "AC02",
        "SUC0000",
    ]
    bank.wait_final("FMT-OK")
    assert [d["client_reference"] for d in bank.report()["debits"]] == ["FMT-OK"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'<?xml version="1.0" encoding="UTF-8"?><CMBSDKPGK/>', "FMT_ENCODING"),
        (b'<?xml version="1.0" encoding="GBK"?><!DOCTYPE x [<!ENTITY a "b">]><CMBSDKPGK/>', "FMT_XML"),
        (b'<?xml version="1.0" encoding="GBK"?><CMBSDKPGK><INFO>', "FMT_XML"),
        (
            b'<?xml version="1.0" encoding="GBK"?><CMBSDKPGK><INFO><FUNNAM>NOPE</FUNNAM><DATTYP>2</DATTYP>'
            b"</INFO></CMBSDKPGK>",
            "UNKNOWN_FUNCTION",
        ),
    ],
)
def test_envelope_errors(bank, body, code):
    r = bank.post(body)
    assert info(parse(r.content))["ERRMSG"].startswith(code)


# -- returns, details, statements, receipts --------------------------------------------------------
def test_rule_based_and_admin_returns(bank):
    pay_records(
        bank.pay(payment_record("RET-RULE", "10.00", payee="6217000000000009"), payment_record("RET-ADMIN", "20.00"))
    )
    deadline = time.monotonic() + 5
    while bank.status("RET-RULE")[0]["RTNFLG"] != "B":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert bank.wait_final("RET-ADMIN")["RTNFLG"] == "S"
    res = run_cli("return", "--state", str(bank.state), "--reference", "RET-ADMIN")
    assert res.returncode == 0, res.stderr
    assert bank.status("RET-ADMIN")[0]["RTNFLG"] == "B"
    assert bank.balance(PAYER) == "1000000.00"
    again = run_cli("return", "--state", str(bank.state), "--reference", "RET-ADMIN")
    assert again.returncode == 2 and "NOT_RETURNABLE" in again.stderr
    assert {d["client_reference"]: d["returned"] for d in bank.report()["debits"]} == {
        "RET-RULE": True,
        "RET-ADMIN": True,
    }


def test_details_paging_statement_and_receipt(bank):
    today = time.strftime("%Y%m%d", time.gmtime())
    refs = [f"DET-{i}" for i in range(5)]
    pay_records(bank.pay(*[payment_record(ref, f"{i + 1}.00", payee=INTERNAL) for i, ref in enumerate(refs)]))
    for ref in refs:
        bank.wait_final(ref)
    rows, key, pages = [], "", 0
    while True:
        fields = {"BBKNBR": "75", "ACCNBR": PAYER, "BGNDAT": today, "ENDDAT": today, "MAXROW": "2", "CTNKEY": key}
        root = parse(bank.post(xml_request("GetTransInfo", [("SDKTSINFX", fields)])).content)
        assert info(root)["RETCOD"] == "0"
        page = records(root, "NTQTSINFZ")
        assert len(page) <= 2
        rows += page
        pages += 1
        [ctn] = records(root, "NTQTSCTNZ")
        if ctn["CTNFLG"] == "N":
            break
        key = ctn["CTNKEY"]
    assert pages == 3
    assert [r["YURREF"] for r in rows] == refs
    assert [r["TRSAMTD"] for r in rows] == ["1.00", "2.00", "3.00", "4.00", "5.00"]
    assert rows[-1]["TRSBLV"] == "999985.00"
    assert bank.balance(INTERNAL) == "15.00"

    root = parse(
        bank.post(
            xml_request("GetStatement", [("SDKSTMINFX", {"ACCNBR": PAYER, "BGNDAT": today, "ENDDAT": today})])
        ).content
    )
    [st] = records(root, "NTSTMSUMZ")
    assert (st["OPNBLV"], st["CLSBLV"], st["DBTNBR"], st["DBTAMT"]) == ("1000000.00", "999985.00", "5", "15.00")

    root = parse(
        bank.post(xml_request("SDKCSFDFBRTIMG", [("CSRRCFDFY0", {"EACNBR": PAYER, "YURREF": "DET-2"})])).content
    )
    [rc] = records(root, "CSRRCFDFZ1")
    pdf = base64.b64decode(rc["FILDAT"])
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert (rc["FILTYP"], rc["TRSAMT"]) == ("PDF", "3.00")
    none = parse(bank.post(xml_request("SDKCSFDFBRTIMG", [("CSRRCFDFY0", {"YURREF": "NOPE"})])).content)
    assert records(none, "CSRRCFDFZ1") == []


def test_balance_unknown_account_and_report_json_matches(bank):
    root = parse(
        bank.post(
            xml_request("NTQADINF", [("NTQADINFX", {"ACCNBR": PAYER}), ("NTQADINFX", {"ACCNBR": "123456789"})])
        ).content
    )
    recs = records(root, "NTQADINFZ")
    assert [(r["ERRCOD"], r.get("AVLBLV")) for r in recs] == [("SUC0000", "1000000.00"), ("AC02", None)]
    pay_records(bank.pay(payment_record("REP-1", "0.01"), payment_record("REP-2", "99.99", payee=INTERNAL)))
    bank.wait_final("REP-1")
    bank.wait_final("REP-2")
    report = bank.report_cli()
    assert report == bank.report()
    assert [
        (d["client_reference"], d["debit_account"], d["payee_account"], d["amount_minor"], d["currency"])
        for d in report["debits"]
    ] == [("REP-1", PAYER, OUTSIDE, 1, "CNY"), ("REP-2", PAYER, INTERNAL, 9999, "CNY")]
    assert all(d["time"].endswith("Z") for d in report["debits"])
    balances = {b["account"]: b["balance_minor"] for b in report["balances"]}
    assert balances == {PAYER: 100_000_000 - 10_000, POOR: 10_000, INTERNAL: 9_999}


def test_sigterm_stops_gracefully(bank):
    assert bank.stop() == 0
    assert "STOPPED" in bank.proc.stdout.read()
