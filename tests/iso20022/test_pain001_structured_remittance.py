"""pain.001 (.09 and .03) with structured remittance: RmtInf/Strd with one RfrdDocInf per invoice (Tp/CdOrPrtry/Cd
CINV, Nb, RltdDt when known) and CdtrRefInf/Ref, next to Ustrd; XSD-valid against the reference schemas; payments
without remittance unchanged in the same message; Max35Text and the Latin set enforced before anything is written."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from app.domain.errors import ValidationFailed
from app.domain.remittance import ReferredDocument, Remittance
from app.ports.bank import PaymentInstruction
from bank_plugins.iso20022 import pain001
from bank_plugins.iso20022.pain001 import Debtor, InitiationSettings

XSD_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "iso20022_xsd" / \
    "raphaelm_python-sepaxml"
INVOICES = Remittance((ReferredDocument("12345678", date(2025, 3, 1)), ReferredDocument("INV-2025/07"),
                       ReferredDocument("87654321", date(2025, 3, 2))), "PO-778")


@pytest.fixture(scope="module")
def schemas():
    if not XSD_DIR.is_dir():
        pytest.skip(f"reference XSDs not found at {XSD_DIR}")
    return {v: etree.XMLSchema(etree.parse(str(XSD_DIR / f"{v}.xsd"))) for v in pain001.SUPPORTED_VERSIONS}


def instr(ref: str, remittance: Remittance = Remittance(), **kw) -> PaymentInstruction:
    values = dict(client_reference=ref, debit_account="6225880000000101", payee_account="6217000000123456",
                  payee_name="上海收款贸易有限公司", amount_minor=1_234_56, payee_bank_code="104290003791",
                  payee_bank_name="中国银行上海市分行", purpose="货款", remittance=remittance)
    values.update(kw)
    return PaymentInstruction(**values)


def build(instructions, version=pain001.VERSION_09, charset="unicode") -> pain001.BuiltMessage:
    debtor = Debtor("SHENZHEN EXAMPLE TECH" if charset == "latin" else "深圳示例科技有限公司", "CMBCCNBS")
    st = InitiationSettings(debtor=debtor, version=version, charset=charset)
    return pain001.build_pain001(instructions, st, message_id="BD250314083000AB12CD34",
                                 created_at=datetime(2025, 3, 14, 8, 30, tzinfo=UTC), today=date(2025, 3, 14))


@pytest.mark.parametrize("version", pain001.SUPPORTED_VERSIONS)
def test_structured_remittance_is_written_and_xsd_valid(schemas, version):
    msg = build([instr("P-1", INVOICES), instr("P-2"), instr("P-3", Remittance(reference="只有附言"), purpose=""),
                 instr("P-4", Remittance((ReferredDocument("9"),)), payee_account="6217000000123457")], version)
    doc = etree.fromstring(msg.body)
    assert schemas[version].validate(doc), schemas[version].error_log.last_error
    ns = {"p": pain001.namespace(version)}
    tx = {t.findtext("p:PmtId/p:EndToEndId", namespaces=ns): t for t in doc.iterfind(".//p:CdtTrfTxInf", ns)}
    first = tx["P-1"].find("p:RmtInf", ns)
    assert first.findtext("p:Ustrd", namespaces=ns) == "货款"
    docs = first.findall("p:Strd/p:RfrdDocInf", ns)
    assert [(d.findtext("p:Tp/p:CdOrPrtry/p:Cd", namespaces=ns), d.findtext("p:Nb", namespaces=ns),
             d.findtext("p:RltdDt", namespaces=ns)) for d in docs] == [
        ("CINV", "12345678", "2025-03-01"), ("CINV", "INV-2025/07", None), ("CINV", "87654321", "2025-03-02")]
    assert first.findtext("p:Strd/p:CdtrRefInf/p:Ref", namespaces=ns) == "PO-778"
    assert tx["P-2"].find("p:RmtInf/p:Strd", ns) is None and tx["P-2"].findtext("p:RmtInf/p:Ustrd",
                                                                              namespaces=ns) == "货款"
    third = tx["P-3"].find("p:RmtInf", ns)
    assert third.find("p:Ustrd", ns) is None
    assert third.findtext("p:Strd/p:CdtrRefInf/p:Ref", namespaces=ns) == "只有附言"
    assert tx["P-4"].findtext("p:RmtInf/p:Strd/p:RfrdDocInf/p:Nb", namespaces=ns) == "9"


def test_a_message_without_remittance_has_no_structured_part(schemas):
    msg = build([instr(f"P-{i}", payee_account=f"62170000001234{i:02d}") for i in range(50)])
    assert b"<Strd>" not in msg.body and schemas[pain001.VERSION_09].validate(etree.fromstring(msg.body))


def test_remittance_that_does_not_fit_is_refused_before_writing():
    too_long = Remittance((ReferredDocument("N" * 36),), "R" * 36)
    with pytest.raises(ValidationFailed) as info:
        build([instr("P-1", too_long), instr("P-2")])
    assert [(p.code, p.field) for p in info.value.problems] == [
        ("TEXT_LENGTH", "P-1.remittance.documents[0].number"), ("TEXT_LENGTH", "P-1.remittance.reference")]
    with pytest.raises(ValidationFailed) as info:
        build([instr("P-1", Remittance(reference="REF_1"), payee_name="ACME LTD", payee_bank_name="BOC",
                     purpose="GOODS")], charset="latin")
    assert [(p.code, p.field) for p in info.value.problems] == [("TEXT_CHARSET", "P-1.remittance.reference")]
