"""Every camt.05x and MT940/MT942 file of ../shared/reference (iso20022_samples, iso20022_camt, mt940), found by
content sniffing, either reads without errors — and then its amounts agree with an independent reading — or is
refused with precise messages. Never a crash, never a silent wrong amount. Plus exact figures for a chosen dozen.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from app.ports.statements import BALANCE_MISMATCH, StatementFileError, currency_exponent
from bank_plugins.iso20022 import camt, mt940

REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "reference"
FOLDERS = ("iso20022_samples", "iso20022_camt", "mt940")
KNOWN_FILE_CODES = {"FILE_XML", "FILE_SIZE", "FILE_FORMAT", "FILE_ENCODING", "STATEMENT_VERSION"}


def _reference_files() -> list[tuple[str, Path]]:
    """(kind, path) by content: "camt" (a camt.052/053/054 document), "mt940", or "xml" (any other XML)."""
    found = []
    for folder in FOLDERS:
        base = REFERENCE / folder
        if not base.is_dir():
            continue
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            head = path.read_bytes()[:65536]
            if camt.sniff(head):
                found.append(("camt" if re.search(rb"camt\.05[234]|BkToCstmr", head) else "xml", path))
            elif mt940.sniff(head):
                found.append(("mt940", path))
    return found


ALL = _reference_files()
FILES = [(k, p) for k, p in ALL if k != "xml"]
OTHER_XML = [p for k, p in ALL if k == "xml"]

# Statement files refused on purpose, and why. Balances that do not add up are test data or anonymised samples
# (checked by hand: e.g. OCA test-camt053 15,568.27 - 754.25 - 664.05 + 1,405.31 = 15,555.28, not 15,121.12).
EXPECTED_REFUSALS = {
    "iso20022_camt/genkgo_camt/camt052.v1.xml": "STATEMENT_VERSION",
    "iso20022_camt/genkgo_camt/camt053.v2.all-balance-types.xml": "BALANCE_MISMATCH",
    "iso20022_camt/genkgo_camt/camt053.v2.five.decimals.xml": "BALANCE_MISMATCH",
    "iso20022_camt/genkgo_camt/camt053.v2.wrong.xml": "NO_STATEMENTS",
    "iso20022_samples/OCA_bank-statement-import/test-camt053": "BALANCE_MISMATCH",
    "iso20022_samples/hbci4j_hbci4java/test-camt-parse-5200108-invalid-saldo.xml": "AMOUNT_SCALE",
    "iso20022_samples/hbci4j_hbci4java/test-camt-ruecklastschrift.xml": "BALANCE_MISMATCH",
    "iso20022_samples/svapnil_iso20022.js/goldman_sachs/camt_053_uk_v2_1.xml": "BALANCE_MISMATCH",
    "iso20022_samples/svapnil_iso20022.js/goldman_sachs/camt_053_uk_v2_2.xml": "BALANCE_MISMATCH",
    "iso20022_samples/svapnil_iso20022.js/goldman_sachs/camt_053_uk_v2_virtual_accounts.xml": "BALANCE_MISMATCH",
    "iso20022_samples/viafintech_camt_parser/053/valid_example_with_batch.xml": "BALANCE_MISMATCH",
    "iso20022_samples/viafintech_camt_parser/053/valid_example_with_debit.xml": "BALANCE_MISMATCH",
    "iso20022_samples/viafintech_camt_parser/053/valid_example_with_instdamt.xml": "BALANCE_MISMATCH",
    "mt940/WoLpH_mt940/betterplace/sepa_snippet.sta": "BALANCE_MISMATCH",
    "mt940/WoLpH_mt940/jejik/abnamro.sta": "BALANCE_MISMATCH",
    "mt940/WoLpH_mt940/jejik/ing.sta": "BALANCE_MISMATCH",
    "mt940/WoLpH_mt940/jejik/knab.sta": "BALANCE_MISMATCH",
    "mt940/WoLpH_mt940/jejik/postfinance.sta": "BALANCE_MISMATCH",
    "mt940/WoLpH_mt940/jejik/rabobank.sta": "BALANCE_MISMATCH",
    "mt940/WoLpH_mt940/jejik/triodos.sta": "BALANCE_MISMATCH",
    "mt940/WoLpH_mt940/mBank/with_newline_in_tnr.sta": "BALANCE_MISMATCH",
    "mt940/WoLpH_mt940/self-provided/mt942.sta": "BALANCE_MISMATCH",       # :90D: says 2.30, the entry is 0.42
    "mt940/WoLpH_mt940/self-provided/raiffeisen-cmi.sta": "BALANCE_MISMATCH",
    "mt940/WoLpH_mt940/self-provided/sparkassen.sta": "FILE_FORMAT",       # a fragment without :20:
}


def _read(kind: str, path: Path):
    return camt.read_camt(path) if kind == "camt" else mt940.read_mt940(path)


def test_the_reference_files_are_there():
    if not REFERENCE.is_dir():
        pytest.skip(f"reference data not found at {REFERENCE}")
    kinds = [k for k, _ in FILES]
    assert kinds.count("camt") >= 90 and kinds.count("mt940") >= 28 and len(OTHER_XML) >= 40
    assert set(EXPECTED_REFUSALS) <= {str(p.relative_to(REFERENCE)) for _, p in FILES}


@pytest.mark.parametrize("kind,path", FILES, ids=[str(p.relative_to(REFERENCE)) for _, p in FILES])
def test_every_reference_statement_imports_or_is_refused_precisely(kind, path):
    expected_refusal = EXPECTED_REFUSALS.get(str(path.relative_to(REFERENCE)))
    try:
        sf = _read(kind, path)
    except StatementFileError as exc:
        assert exc.code == expected_refusal and len(exc.message) > 20, (exc.code, exc.message)
        return
    for problem in sf.problems:
        assert problem.code and len(problem.message) > 15, problem
    if sf.errors:
        assert {p.code for p in sf.errors} == {expected_refusal}, sf.errors
        # every error says where (element path / statement and line) unless it is about the whole file
        assert all(p.field for p in sf.errors), sf.errors
        return
    assert expected_refusal is None, f"expected a refusal {expected_refusal}"
    assert sf.statements
    ids = [e.entry_id for st in sf.statements for e in st.entries]
    assert len(ids) == len(set(ids)) and all(0 < len(i) <= 64 for i in ids)
    assert ids == [e.entry_id for st in _read(kind, path).statements for e in st.entries]   # stable
    warned = {p.message.split(":")[0] for p in sf.warnings if p.code == BALANCE_MISMATCH}
    for st in sf.statements:
        for e in st.entries:
            assert type(e.amount_minor) is int and len(e.currency) == 3
            assert (e.amount_minor >= 0) == e.credit or e.amount_minor == 0
        if st.opening_minor is not None and st.closing_minor is not None and st.label not in warned:
            assert st.opening_minor + sum(e.amount_minor for e in st.booked) == st.closing_minor, st.label
    if kind == "camt":
        assert _booked_sums(sf) == _independent_camt_sums(path)
    else:
        _compare_with_mt940_package(path, sf)


@pytest.mark.parametrize("path", OTHER_XML, ids=[str(p.relative_to(REFERENCE)) for p in OTHER_XML])
def test_other_iso20022_messages_are_refused_as_not_statements(path):
    with pytest.raises(StatementFileError) as info:
        camt.read_camt(path)
    assert info.value.code == "FILE_FORMAT"
    assert re.search(r"pain\.\d{3}|camt\.055|not a camt", info.value.message), info.value.message


def _booked_sums(sf) -> list[Decimal]:
    return [sum((Decimal(e.amount_minor).scaleb(-currency_exponent(e.currency)) for e in st.booked), Decimal(0))
            for st in sf.statements]


def _independent_camt_sums(path: Path) -> list[Decimal]:
    """Σ of the booked Ntry amounts per statement, read with plain lxml and Decimal (no code of ours)."""
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()

    def local(el) -> str:
        return etree.QName(el).localname

    sums = []
    for st in root.iter():
        if not isinstance(st.tag, str) or local(st) not in ("Stmt", "Rpt", "Ntfctn"):
            continue
        total = Decimal(0)
        for ntry in st:
            if not isinstance(ntry.tag, str) or local(ntry) != "Ntry":
                continue
            kids = {local(c): c for c in ntry if isinstance(c.tag, str)}
            sts = kids.get("Sts")
            status = "BOOK" if sts is None else ("".join(sts.itertext()).strip().upper())
            if status != "BOOK":
                continue
            value = Decimal(kids["Amt"].text.strip())
            total += value if kids["CdtDbtInd"].text.strip() == "CRDT" else -value
        sums.append(total)
    return sums


def _compare_with_mt940_package(path: Path, sf) -> None:
    """The mt-940 package (where it can read the file) finds the same entries with the same absolute amounts;
    signs are ours (it books RC, a reversal of a credit, as a credit; the balances prove RC is a debit)."""
    import mt940 as package

    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    theirs = package.models.Transactions()
    try:
        theirs.parse(text)
    except Exception:  # noqa: BLE001 - the package cannot read some real files (ASN, SNS, ING): no comparison
        return
    ours = [abs(e.amount_minor) for st in sf.statements for e in st.entries]
    assert len(theirs.transactions) == len(ours)
    assert sorted(int(abs(t.data["amount"].amount) * 100) for t in theirs.transactions) == sorted(ours)


# -- a chosen dozen: exact counts and totals -------------------------------------------------------------------------
# (file, statements, entries, booked credits, booked debits, opening, closing of the first statement) in minor units.
# The bank's own balances vouch for the totals: closing - opening = credits + debits where the statement has both.
DOZEN = [
    ("iso20022_samples/moov-io_iso20022/FI_camt_053_sample.xml.xml", 1, 13, 2307500, -943017, 1000000, 2364483),
    ("iso20022_samples/moov-io_iso20022/FI_camt_054_sample.xml.xml", 1, 13, 550000, -523005, None, None),
    ("iso20022_samples/svapnil_iso20022.js/abn_amro/example_camt.xml", 1, 29, 2800, -92800, 100001, 10001),
    ("iso20022_samples/svapnil_iso20022.js/ing/example_camt.xml", 1, 9, 99000, -38500, 100000, 160500),
    ("iso20022_samples/viafintech_camt_parser/053/valid_example_v4.xml", 1, 32, 181056, -127295, 32215216, 32268977),
    ("iso20022_samples/Subite-eu_camt-to-coda/CAMT_054/2024-11-05.xml", 1, 500, 0, 0, None, None),
    ("iso20022_samples/Subite-eu_camt-to-coda/Other/BE68793230773034-202411.xml", 1, 268, 18000000, -15183125,
     5937037, 8753912),
    ("iso20022_samples/jasperkrijgsman_dutch-sepa-iso20022/iso_mdr_example/camt.053.001.02.xml", 1, 3, 13567850,
     -20000000, 50000000, 43567850),
    ("iso20022_samples/Subite-eu_camt-to-coda/CAMT_053/2024-03-07.xml", 2, 3, 82853198, -579417, 2108122258,
     2190396039),
    ("iso20022_samples/moov-io_iso20022/200519_camt054-ESR-ASR_P_CH2909000000250094239_1110092704_0_"
     "2019042500372179.xml", 1, 6, 153700, -14700, None, None),
    ("mt940/WoLpH_mt940/betterplace/sepa_mt9401.sta", 26, 97, 518847494, -1445761084, -123471836, -123762823),
    ("mt940/OCA_bank-statement-import/test-ing.940", 1, 8, 3658, -13446, 66223, 56435),
    ("mt940/WoLpH_mt940/cmxl/mt940.sta", 3, 16, 7243674, -6010944, 8434974, 8443704),
    ("mt940/WoLpH_mt940/sberbank/171011_01234945.sta", 1, 3, 0, -943700, 62731130, 61787430),
]


@pytest.mark.parametrize("name,statements,entries,credits,debits,opening,closing", DOZEN,
                         ids=[d[0].rsplit("/", 1)[1][:40] for d in DOZEN])
def test_chosen_files_have_exact_counts_and_totals(name, statements, entries, credits, debits, opening, closing):
    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(f"reference file missing: {path}")
    sf = _read("mt940" if name.startswith("mt940") else "camt", path)
    assert not sf.errors, sf.errors
    assert (len(sf.statements), sf.entry_count) == (statements, entries)
    totals = [st.totals() for st in sf.statements]
    assert (sum(c for c, _ in totals), sum(d for _, d in totals)) == (credits, debits)
    first = sf.statements[0]
    assert (first.opening_minor, first.closing_minor) == (opening, closing)
    for st, (c, d) in zip(sf.statements, totals, strict=True):
        if st.opening_minor is not None and st.closing_minor is not None and len(sf.statements) == 1 \
                and "P_CH29" not in name:
            assert st.closing_minor - st.opening_minor == c + d


def test_the_float_artefact_file_is_refused_naming_the_element():
    path = REFERENCE / "iso20022_samples/hbci4j_hbci4java/test-camt-parse-5200108-invalid-saldo.xml"
    if not path.is_file():
        pytest.skip("reference file missing")
    sf = camt.read_camt(path)
    assert {(p.code, p.field) for p in sf.errors} == {("AMOUNT_SCALE", "Rpt[1]/Bal[1]/Amt"),
                                                     ("AMOUNT_SCALE", "Rpt[1]/Bal[2]/Amt")}
    assert "66.0000000000001" in " ".join(p.message for p in sf.errors)


def test_postfinance_2009_and_2019_versions_read_the_same():
    base = REFERENCE / "iso20022_samples/libeufin_testbench"
    old = base / "camt053_P_CH2909000000250094239_1110092698_0_2020062503071366_v2009.xml"
    new = base / "camt053_P_CH2909000000250094239_1110092698_0_2020112503071366_v2019.xml"
    if not (old.is_file() and new.is_file()):
        pytest.skip("reference files missing")
    a, b = camt.read_camt(old), camt.read_camt(new)
    assert (a.format, b.format) == ("camt.053.001.04", "camt.053.001.08")
    assert [(e.amount_minor, e.booking_date, e.entry_id) for e in a.statements[0].entries] == \
        [(e.amount_minor, e.booking_date, e.entry_id) for e in b.statements[0].entries]
