"""camt.052/053/054 reader on built documents: versions, strict amounts, batches, reversals, returns, charges,
structured remittance, several statements and currencies, balances, hostile XML, entry ids."""

from __future__ import annotations

import time
from datetime import date

import pytest

from app.ports.statements import (
    AMOUNT_FORMAT,
    AMOUNT_SCALE,
    BALANCE_MISMATCH,
    BATCH_SUM,
    FILE_FORMAT,
    FILE_SIZE,
    FILE_XML,
    IBAN_CHECKSUM,
    NO_STATEMENTS,
    STATEMENT_VERSION,
    StatementFileError,
    minor_units,
)
from bank_plugins.iso20022.camt import CamtReader, read_camt, read_camt_bytes, stable_entry_id

IBAN = "CH2909000000250094239"          # a valid IBAN (PostFinance test account)
BAD_IBAN = "CH0009000000250094239"      # checksum digits wrong


def amt(value: str, ccy: str = "EUR") -> str:
    return f'<Amt Ccy="{ccy}">{value}</Amt>'


def bal(code: str, value: str, indicator: str | None = "CRDT", day: str = "2024-05-31", ccy: str = "EUR") -> str:
    ind = f"<CdtDbtInd>{indicator}</CdtDbtInd>" if indicator else ""
    return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>{amt(value, ccy)}{ind}"
            f"<Dt><Dt>{day}</Dt></Dt></Bal>")


def tx(value: str | None = None, *, ccy: str = "EUR", indicator: str = "", ref: str = "", e2e: str = "",
       debtor: str = "", debtor_iban: str = "", creditor: str = "", creditor_iban: str = "", ustrd: str = "",
       scor: str = "", reason: str = "", charges: str = "", v2: bool = False) -> str:
    parts = []
    if ref or e2e:
        parts.append("<Refs>" + (f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else "")
                     + (f"<EndToEndId>{e2e}</EndToEndId>" if e2e else "") + "</Refs>")
    if value is not None:
        parts.append(f"<AmtDtls><TxAmt>{amt(value, ccy)}</TxAmt></AmtDtls>" if v2 else amt(value, ccy))
    if indicator:
        parts.append(f"<CdtDbtInd>{indicator}</CdtDbtInd>")
    if charges:
        parts.append(f"<Chrgs><Rcrd>{amt(charges, ccy)}<CdtDbtInd>DBIT</CdtDbtInd></Rcrd></Chrgs>")
    rp = ""
    if debtor:
        rp += f"<Dbtr><Pty><Nm>{debtor}</Nm></Pty></Dbtr>"
    if debtor_iban:
        rp += f"<DbtrAcct><Id><IBAN>{debtor_iban}</IBAN></Id></DbtrAcct>"
    if creditor:
        rp += f"<Cdtr><Nm>{creditor}</Nm></Cdtr>"
    if creditor_iban:
        rp += f"<CdtrAcct><Id><IBAN>{creditor_iban}</IBAN></Id></CdtrAcct>"
    if rp:
        parts.append(f"<RltdPties>{rp}</RltdPties>")
    if ustrd or scor:
        parts.append("<RmtInf>" + (f"<Ustrd>{ustrd}</Ustrd>" if ustrd else "")
                     + (f"<Strd><CdtrRefInf><Ref>{scor}</Ref></CdtrRefInf></Strd>" if scor else "") + "</RmtInf>")
    if reason:
        parts.append(f"<RtrInf><Rsn><Cd>{reason}</Cd></Rsn></RtrInf>")
    return "<TxDtls>" + "".join(parts) + "</TxDtls>"


def ntry(value: str, indicator: str = "CRDT", *, ccy: str = "EUR", txs: tuple[str, ...] = (), status: str = "BOOK",
         version: int = 8, reversal: bool = False, ref: str = "", day: str = "2024-05-31", batch: str = "",
         charges: str = "") -> str:
    sts = f"<Sts><Cd>{status}</Cd></Sts>" if version >= 7 else f"<Sts>{status}</Sts>"
    rvsl = "<RvslInd>true</RvslInd>" if reversal else ""
    chrgs = f"<Chrgs><TtlChrgsAndTaxAmt Ccy=\"{ccy}\">{charges}</TtlChrgsAndTaxAmt></Chrgs>" if charges else ""
    details = ""
    if txs or batch:
        details = "<NtryDtls>" + (f"<Btch><PmtInfId>{batch}</PmtInfId></Btch>" if batch else "") + "".join(txs) \
            + "</NtryDtls>"
    return (f"<Ntry>{amt(value, ccy)}<CdtDbtInd>{indicator}</CdtDbtInd>{rvsl}{sts}<BookgDt><Dt>{day}</Dt></BookgDt>"
            f"<ValDt><Dt>{day}</Dt></ValDt>" + (f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else "")
            + "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
            + chrgs + details + "</Ntry>")


def stmt(*entries: str, balances: tuple[str, ...] = (), account: str = IBAN, ccy: str = "EUR", sid: str = "S1",
         container: str = "Stmt") -> str:
    return (f"<{container}><Id>{sid}</Id><CreDtTm>2024-05-31T20:00:00</CreDtTm><Acct><Id><IBAN>{account}</IBAN></Id>"
            f"<Ccy>{ccy}</Ccy></Acct>{''.join(balances)}{''.join(entries)}</{container}>")


def doc(*statements: str, message: str = "053", version: int = 8, ns: str | None = None) -> bytes:
    root = {"052": "BkToCstmrAcctRpt", "053": "BkToCstmrStmt", "054": "BkToCstmrDbtCdtNtfctn"}[message]
    namespace = ns if ns is not None else f"urn:iso:std:iso:20022:tech:xsd:camt.{message}.001.{version:02d}"
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><Document{xmlns}><{root}><GrpHdr><MsgId>M1</MsgId>'
            f"<CreDtTm>2024-05-31T20:00:00</CreDtTm></GrpHdr>{''.join(statements)}</{root}></Document>").encode()


def codes(sf, *, errors: bool = True) -> list[str]:
    return [p.code for p in (sf.errors if errors else sf.warnings)]


# -- versions ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("message,container", [("052", "Rpt"), ("053", "Stmt"), ("054", "Ntfctn")])
@pytest.mark.parametrize("version", [2, 3, 4, 5, 6, 7, 8, 10, 13])
def test_every_version_and_message_reads_the_same_amounts(message, container, version):
    balances = (bal("OPBD", "100.00"), bal("CLBD", "150.00")) if message == "053" else ()
    data = doc(stmt(ntry("70.00", version=version, txs=(tx(ref="T1"),)), ntry("20.00", "DBIT", version=version),
                    balances=balances, container=container), message=message, version=version)
    sf = read_camt_bytes(data)
    assert sf.format == f"camt.{message}.001.{version:02d}"
    assert not sf.errors, sf.errors
    (st,) = sf.statements
    assert [e.amount_minor for e in st.entries] == [7000, -2000]
    assert st.account == IBAN and st.currency == "EUR"


def test_version_01_and_unknown_versions_are_refused_precisely():
    with pytest.raises(StatementFileError) as info:
        read_camt_bytes(doc(stmt(), version=1).replace(b"BkToCstmrStmt>", b"BkToCstmrStmtV01>"))
    assert info.value.code == STATEMENT_VERSION and "camt.053.001.01" in info.value.message
    with pytest.raises(StatementFileError) as info:
        read_camt_bytes(doc(stmt(), version=14))
    assert info.value.code == STATEMENT_VERSION and "camt.053.001.14" in info.value.message


def test_other_messages_are_not_statements():
    pain = (b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">'
            b"<CstmrPmtStsRpt><GrpHdr><MsgId>X</MsgId></GrpHdr></CstmrPmtStsRpt></Document>")
    with pytest.raises(StatementFileError) as info:
        read_camt_bytes(pain)
    assert info.value.code == FILE_FORMAT and "pain.002" in info.value.message
    with pytest.raises(StatementFileError) as info:
        read_camt_bytes(doc(stmt(), message="052").replace(b"camt.052", b"camt.053"))
    assert info.value.code == FILE_FORMAT and "BkToCstmrAcctRpt" in info.value.message


def test_no_namespace_reads_with_a_warning():
    sf = read_camt_bytes(doc(stmt(ntry("1.00")), ns=""))
    assert not sf.errors and sf.statements[0].entries[0].amount_minor == 100
    assert STATEMENT_VERSION in codes(sf, errors=False)


def test_a_message_without_statements_is_an_error():
    sf = read_camt_bytes(doc())
    assert codes(sf) == [NO_STATEMENTS]


# -- hostile and broken XML ------------------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>&lol9;</MsgId>
</GrpHdr></BkToCstmrStmt></Document>"""
XXE = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>&x;'
       b"</MsgId></GrpHdr></BkToCstmrStmt></Document>")
PARAMETER_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>'
                    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>')
EXTERNAL_DTD = (b'<?xml version="1.0"?><!DOCTYPE Document SYSTEM "http://127.0.0.1:9/camt.dtd">'
                b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>')


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE, PARAMETER_ENTITY, EXTERNAL_DTD],
                         ids=["billion-laughs", "xxe", "parameter-entity", "external-dtd"])
def test_bombs_entities_and_doctype_are_refused_fast(data, tmp_path):
    for read in (lambda: read_camt_bytes(data), lambda: _read_file(tmp_path, data)):
        started = time.perf_counter()
        with pytest.raises(StatementFileError) as info:
            read()
        assert info.value.code == FILE_XML and "DOCTYPE" in info.value.message
        assert time.perf_counter() - started < 1.0


def _read_file(tmp_path, data):
    path = tmp_path / "hostile.xml"
    path.write_bytes(data)
    return CamtReader().read(path)


def test_comment_before_the_root_does_not_hide_a_doctype():
    data = b"<?xml version='1.0'?><!-- <Document> --><!DOCTYPE d [<!ENTITY a 'b'>]><Document/>"
    with pytest.raises(StatementFileError) as info:
        read_camt_bytes(data)
    assert info.value.code == FILE_XML


def test_malformed_utf16_empty_and_oversize_are_refused(tmp_path):
    with pytest.raises(StatementFileError) as info:
        read_camt_bytes(doc(stmt(ntry("1.00")))[:-40])
    assert info.value.code == FILE_XML and "line" in info.value.message
    with pytest.raises(StatementFileError) as info:
        read_camt_bytes(doc(stmt()).decode().encode("utf-16"))
    assert info.value.code == FILE_XML and "UTF-16" in info.value.message
    with pytest.raises(StatementFileError) as info:
        read_camt_bytes(b"   ")
    assert info.value.code == FILE_XML
    path = tmp_path / "big.xml"
    path.write_bytes(doc(stmt(*[ntry("1.00")] * 50)))
    with pytest.raises(StatementFileError) as info:
        read_camt(path, max_bytes=1000)
    assert info.value.code == FILE_SIZE


# -- amounts ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,code", [("66.0000000000001", AMOUNT_SCALE), ("12.345", AMOUNT_SCALE),
                                       ("1,50", AMOUNT_FORMAT), ("-5.00", AMOUNT_FORMAT), ("1e3", AMOUNT_FORMAT),
                                       ("", AMOUNT_FORMAT), ("NaN", AMOUNT_FORMAT), ("１２", AMOUNT_FORMAT)])
def test_bad_amounts_are_errors_naming_the_element(text, code):
    sf = read_camt_bytes(doc(stmt(ntry("1.00"), ntry(text))))
    assert codes(sf) == [code]
    assert sf.errors[0].field == "Stmt[1]/Ntry[2]/Amt"
    assert text in sf.errors[0].message or not text


def test_float_artefact_in_a_balance_is_an_error_never_66():
    sf = read_camt_bytes(doc(stmt(ntry("1.00"), balances=(bal("OPBD", "66.0000000000001"),))))
    assert codes(sf) == [AMOUNT_SCALE] and sf.errors[0].field == "Stmt[1]/Bal[1]/Amt"
    assert all(b.amount_minor != 6600 for s in sf.statements for b in s.balances)


@pytest.mark.parametrize("text,ccy,minor", [("18.150", "EUR", 1815), ("5442.09000", "RON", 544209), (".38", "EUR", 38),
                                            ("5.", "EUR", 500), ("1000", "JPY", 1000), ("1000.00", "JPY", 1000),
                                            ("1.234", "BHD", 1234), ("0", "EUR", 0)])
def test_exact_amounts_in_the_currency_exponent(text, ccy, minor):
    sf = read_camt_bytes(doc(stmt(ntry(text, ccy=ccy), ccy=ccy)))
    assert not sf.errors, sf.errors
    assert sf.statements[0].entries[0].amount_minor == minor


def test_jpy_with_decimals_is_an_error():
    sf = read_camt_bytes(doc(stmt(ntry("1000.5", ccy="JPY"), ccy="JPY")))
    assert codes(sf) == [AMOUNT_SCALE] and "JPY has 0" in sf.errors[0].message


def test_minor_units_grammar():
    assert minor_units("12", "34", "EUR") == 1234
    assert minor_units("0", "5", "CNY") == 50
    with pytest.raises(ValueError):
        minor_units("1_000", "", "EUR")
    with pytest.raises(OverflowError):
        minor_units("1", "001", "EUR")


# -- batches, reversals, returns, charges, remittance ----------------------------------------------------------

def test_batched_entry_becomes_one_entry_per_transaction_detail():
    entry = ntry("300.00", "DBIT", batch="PMTINF-7", ref="E1", txs=(
        tx("100.00", ref="T1", e2e="OUR-REF-1", creditor="张三", creditor_iban=IBAN, ustrd="invoice 1"),
        tx("150.00", ref="T2", e2e="NOTPROVIDED", creditor="Li", scor="RF18539007547034"),
        tx("50.00", ref="T3", e2e="OUR-REF-3")))
    sf = read_camt_bytes(doc(stmt(entry, balances=(bal("OPBD", "1000.00"), bal("CLBD", "700.00")))))
    assert not sf.errors, sf.errors
    entries = sf.statements[0].entries
    assert [e.amount_minor for e in entries] == [-10000, -15000, -5000]
    assert sum(e.amount_minor for e in entries) == -30000
    first, second, _third = entries
    assert (first.end_to_end_id, first.counterparty_name, first.counterparty_account) == ("OUR-REF-1", "张三", IBAN)
    assert first.batch_ref == "PMTINF-7" and first.remittance == "invoice 1" and first.bank_code == "PMNT/RCDT/ESCT"
    assert second.end_to_end_id == "" and second.creditor_reference == "RF18539007547034"
    assert [e.source for e in entries] == [f"Stmt[1]/Ntry[1]/NtryDtls/TxDtls[{i}]" for i in (1, 2, 3)]


def test_transaction_details_that_do_not_add_up_are_an_error():
    entry = ntry("300.00", "DBIT", txs=(tx("100.00"), tx("150.00")))
    sf = read_camt_bytes(doc(stmt(entry)))
    assert codes(sf) == [BATCH_SUM]
    assert sf.errors[0].field == "Stmt[1]/Ntry[1]/NtryDtls" and "250.00" in sf.errors[0].message
    assert sf.statements[0].entries == ()


def test_version_02_amounts_in_amtdtls_and_details_without_amounts():
    v2 = ntry("30.00", txs=(tx("10.00", v2=True), tx("20.00", v2=True)), version=2)
    whole = ntry("40.00", txs=(tx(ref="A"), tx(ref="B")), version=2)
    sf = read_camt_bytes(doc(stmt(v2, whole), version=2))
    assert not sf.errors
    assert [e.amount_minor for e in sf.statements[0].entries] == [1000, 2000, 4000]
    assert BATCH_SUM in codes(sf, errors=False)          # kept whole, said so


def test_reversal_and_return_with_reason_code():
    returned = ntry("25.00", "CRDT", reversal=True, txs=(tx("25.00", creditor="Shop", reason="AC04"),))
    sf = read_camt_bytes(doc(stmt(returned, balances=(bal("OPBD", "10.00"), bal("CLBD", "35.00")))))
    assert not sf.errors
    (e,) = sf.statements[0].entries
    assert e.reversal and e.amount_minor == 2500 and e.credit and e.return_reason == "AC04"
    assert e.counterparty_name == "Shop"          # a reversed debit: the counterparty is its creditor
    assert "RETURN AC04" in e.narrative() and "REVERSAL" in e.narrative()


def test_charges_are_reported_not_booked():
    entry = ntry("10.00", "DBIT", charges="1.50", txs=(tx("10.00", charges="0.50"),))
    (e,) = read_camt_bytes(doc(stmt(entry))).statements[0].entries
    assert e.amount_minor == -1000 and e.charges_minor == 150


def test_pending_entries_are_not_counted_as_booked():
    sf = read_camt_bytes(doc(stmt(ntry("5.00", status="PDNG"), ntry("7.00"),
                                  balances=(bal("OPBD", "0.00"), bal("CLBD", "7.00")))))
    assert not sf.errors
    st = sf.statements[0]
    assert [e.status for e in st.entries] == ["PDNG", "BOOK"] and len(st.booked) == 1 and st.totals() == (700, 0)


# -- statements, currencies, balances ---------------------------------------------------------------------------

def test_several_statements_and_currencies_in_one_message():
    eur = stmt(ntry("1.00"), balances=(bal("OPBD", "0.00"), bal("CLBD", "1.00")), sid="E")
    jpy = stmt(ntry("1500", "DBIT", ccy="JPY"), ccy="JPY", sid="J", account="DE89370400440532013000",
               balances=(bal("OPBD", "10000", ccy="JPY"), bal("CLBD", "8500", ccy="JPY")))
    sf = read_camt_bytes(doc(eur, jpy))
    assert not sf.errors
    assert [(s.statement_id, s.currency, s.opening_minor, s.closing_minor) for s in sf.statements] == [
        ("E", "EUR", 0, 100), ("J", "JPY", 10000, 8500)]
    assert sf.statements[1].entries[0].amount_minor == -1500
    assert [s.index for s in sf.statements] == [1, 2]


def test_balance_mismatch_is_an_error_naming_the_statement():
    sf = read_camt_bytes(doc(stmt(ntry("1.00"), balances=(bal("OPBD", "10.00"), bal("CLBD", "12.00")), sid="ABC")))
    assert codes(sf) == [BALANCE_MISMATCH]
    assert "statement 1 (ABC" in sf.errors[0].message and "difference 1.00" in sf.errors[0].message


def test_debit_balances_interim_and_available_balances():
    balances = (bal("OPBD", "5.00", "DBIT"), bal("ITBD", "3.00", "DBIT"), bal("CLBD", "2.00", "CRDT"),
                bal("CLAV", "2.00"))
    sf = read_camt_bytes(doc(stmt(ntry("7.00"), balances=balances)))
    assert not sf.errors
    st = sf.statements[0]
    assert {b.code: b.amount_minor for b in st.balances} == {"OPBD": -500, "ITBD": -300, "CLBD": 200, "CLAV": 200}
    assert (st.opening_minor, st.closing_minor) == (-500, 200)


def test_interim_balance_mismatch_is_only_a_warning():
    balances = (bal("OPBD", "5.00"), bal("ITBD", "9.00"))
    sf = read_camt_bytes(doc(stmt(ntry("1.00"), balances=balances, container="Rpt"), message="052"))
    assert not sf.errors and BALANCE_MISMATCH in codes(sf, errors=False)


def test_forward_valued_entry_left_out_of_the_closing_balance_is_explained():
    late = ntry("5.00").replace("<ValDt><Dt>2024-05-31</Dt>", "<ValDt><Dt>2024-06-01</Dt>")
    sf = read_camt_bytes(doc(stmt(ntry("1.00"), late, balances=(bal("OPBD", "0.00"), bal("CLBD", "1.00")))))
    assert not sf.errors and BALANCE_MISMATCH in codes(sf, errors=False)


def test_balance_without_indicator_is_taken_as_credit_and_checked():
    sf = read_camt_bytes(doc(stmt(ntry("1.00"), balances=(bal("OPBD", "1.00", None), bal("CLBD", "2.00", None)))))
    assert not sf.errors and "FIELD_MISSING" in codes(sf, errors=False)


def test_bad_iban_checksum_is_a_warning():
    entry = ntry("1.00", txs=(tx("1.00", debtor="X", debtor_iban=BAD_IBAN),))
    sf = read_camt_bytes(doc(stmt(entry, account=BAD_IBAN)))
    assert not sf.errors
    fields = [p.field for p in sf.warnings if p.code == IBAN_CHECKSUM]
    assert fields == ["Stmt[1]/Acct/Id/IBAN", "Stmt[1]/Ntry[1]/NtryDtls/TxDtls/RltdPties/DbtrAcct/Id/IBAN"]
    assert sf.statements[0].entries[0].counterparty_account == BAD_IBAN


def test_missing_status_and_dates_fall_back_with_warnings():
    bare = '<Ntry><Amt Ccy="EUR">4.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><AcctSvcrRef>R9</AcctSvcrRef></Ntry>'
    sf = read_camt_bytes(doc(stmt(bare, balances=(bal("OPBD", "0.00", day="2024-03-06"),
                                                  bal("CLBD", "4.00", day="2024-03-07")))))
    assert not sf.errors
    (e,) = sf.statements[0].entries
    assert e.booking_date == date(2024, 3, 7) and e.status == "BOOK"
    assert codes(sf, errors=False).count("FIELD_MISSING") == 2


def test_missing_credit_debit_indicator_is_an_error():
    sf = read_camt_bytes(doc(stmt(ntry("1.00").replace("<CdtDbtInd>CRDT</CdtDbtInd>", ""))))
    assert codes(sf) == ["FIELD_MISSING"] and sf.errors[0].field == "Stmt[1]/Ntry[1]/CdtDbtInd"


# -- entry ids -------------------------------------------------------------------------------------------------------

def test_entry_ids_are_stable_unique_and_short():
    data = doc(stmt(ntry("1.00", ref="SAME"), ntry("1.00", ref="SAME"), ntry("2.00"), ntry("2.00"),
                    ntry("1.00", ref="SAME", reversal=True)))
    first = [e.entry_id for e in read_camt_bytes(data).statements[0].entries]
    again = [e.entry_id for e in read_camt_bytes(data).statements[0].entries]
    assert first == again
    assert len(set(first)) == 5 and all(len(i) <= 64 for i in first)
    assert first[0] == "SAME|20240531|100" and first[1] == "SAME|20240531|100#2" and first[4].endswith("R")
    assert stable_entry_id("x" * 80, date(2024, 1, 1), 5, False).startswith("H")


def test_progress_is_reported(tmp_path):
    path = tmp_path / "s.xml"
    path.write_bytes(doc(stmt(*[ntry("1.00", ref=f"R{i}") for i in range(2500)])))
    seen: list[int] = []
    sf = read_camt(path, progress=seen.append)
    assert sf.entry_count == 2500 and seen[:2] == [1000, 2000] and seen[-1] == 2500


def test_the_benchmark_file_reads_cleanly_and_all_three_readers_agree(tmp_path):
    from bench.camt053 import floor, generate, limit, ours

    path = tmp_path / "bench.xml"
    opening, closing = generate(path, 300)
    sf = read_camt(path)
    assert not sf.errors and sf.warnings == []
    (st,) = sf.statements
    assert (st.opening_minor, st.closing_minor) == (opening, closing)
    assert len(st.entries) == 300 and sum(1 for e in st.entries if e.charges_minor == 150) == 6
    assert ours(path) == limit(path) == floor(path) == 300
