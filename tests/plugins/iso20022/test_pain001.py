"""pain.001.001.09 / .03 writer: XSD-valid output (Chinese names, long remittance, structured addresses), exact
amounts and control sums, grouping, UETRs, and refusal of everything that does not fit — all problems at once."""

from __future__ import annotations

import dataclasses
import io
import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as hst
from lxml import etree

from app.domain.errors import ValidationFailed
from app.ports.bank import PaymentInstruction
from bank_plugins.iso20022 import pain001
from bank_plugins.iso20022.pain001 import Debtor, InitiationSettings, PostalAddress

REF = Path(__file__).resolve().parents[3].parent / "shared" / "reference"
XSD_DIR = REF / "iso20022_xsd" / "raphaelm_python-sepaxml"
TODAY = date(2025, 3, 14)
CREATED = datetime(2025, 3, 14, 8, 30, tzinfo=UTC)
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


@pytest.fixture(scope="module")
def schemas():
    if not XSD_DIR.is_dir():
        pytest.skip(f"reference XSDs not found at {XSD_DIR}")
    return {v: etree.XMLSchema(etree.parse(str(XSD_DIR / f"{v}.xsd"))) for v in pain001.SUPPORTED_VERSIONS}


def settings(version: str = pain001.VERSION_09, **kw) -> InitiationSettings:
    address = PostalAddress(street="深南大道", building="7088", postcode="518040", town="深圳", country="CN")
    debtor = Debtor("深圳示例科技有限公司", "CMBCCNBS", address)
    return InitiationSettings(debtor=debtor, version=version, **kw)


def instr(ref: str = "P-0001", **kw) -> PaymentInstruction:
    values = dict(client_reference=ref, debit_account="6225880000000101", payee_account="6217000000123456",
                  payee_name="上海收款贸易有限公司", amount_minor=1_234_56, currency="CNY",
                  payee_bank_code="104290003791", payee_bank_name="中国银行上海市分行", purpose="货款 INV-2025-001")
    values.update(kw)
    return PaymentInstruction(**values)


def build(instructions, version=pain001.VERSION_09, **kw) -> pain001.BuiltMessage:
    st = kw.pop("settings", None) or settings(version)
    return pain001.build_pain001(instructions, st, message_id="BD250314083000AB12CD34", created_at=CREATED,
                                 today=TODAY, **kw)


def codes(exc: ValidationFailed) -> list[tuple[str, str | None]]:
    return [(p.code, p.field) for p in exc.problems]


# -- XSD validity --------------------------------------------------------------------------------------------


def varied_instructions(version: str) -> list[PaymentInstruction]:
    """Chinese names, 140-character remittance (Chinese), structured creditor address, IBAN + BIC, JPY and KWD
    minor units, urgent payment, explicit UETR / instruction id / purpose code / charge bearer."""
    remittance = "货款" * 70
    extra_uetr = {"uetr": "0f3c8e7a-1b2c-4d5e-8f90-123456789abc"} if version == pain001.VERSION_09 else {}
    return [
        instr("P-CN-1", purpose=remittance, extra={"creditor_street": "南京东路", "creditor_building": "100号",
                                                   "creditor_postcode": "200001", "creditor_town": "上海",
                                                   "creditor_region": "上海市", "creditor_country": "CN",
                                                   "purpose_code": "SUPP", "instruction_id": "INS-1"}),
        instr("P-CN-2", payee_name="王䶮 𠮷野家", payee_bank_code="", payee_bank_name="", purpose="",
              urgent=True, extra=extra_uetr),
        instr("P-EU-1", debit_account="DE89370400440532013000", payee_account="GB29NWBK60161331926819",
              payee_name="Müller & Söhne GmbH <Intl>", currency="EUR", amount_minor=99, payee_bank_code="",
              payee_bank_name="", extra={"creditor_bic": "NWBKGB2L", "charge_bearer": "SHAR",
                                         "creditor_address_line": "1 Princes Street, London"}),
        instr("P-JP-1", currency="JPY", amount_minor=125_000, payee_bank_code="", payee_bank_name="",
              extra={"execution_date": "2025-03-20"}),
        instr("P-KW-1", currency="KWD", amount_minor=1_005, payee_bank_code="", payee_bank_name=""),
    ]


@pytest.mark.parametrize("version", pain001.SUPPORTED_VERSIONS)
def test_output_validates_against_the_official_xsd(schemas, version):
    built = build(varied_instructions(version), version)
    doc = etree.fromstring(built.body)
    assert schemas[version].validate(doc), schemas[version].error_log
    assert built.body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    text = built.body.decode("utf-8")
    assert "王䶮 𠮷野家" in text and "货款" * 70 in text  # never transliterated, never truncated
    assert "Müller &amp; Söhne GmbH &lt;Intl&gt;" in text


def test_group_header_counts_and_control_sums_are_exact(schemas):
    built = build(varied_instructions(pain001.VERSION_09))
    doc = etree.fromstring(built.body)
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "5"
    # 1234.56 CNY + 1234.56 CNY + 0.99 EUR + 125000 JPY + 1.005 KWD, summed irrespective of currency
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "127471.115"
    amounts = {e.get("Ccy"): e.text for e in doc.iterfind(".//p:InstdAmt", NS)}
    assert amounts == {"CNY": "1234.56", "EUR": "0.99", "JPY": "125000", "KWD": "1.005"}
    groups = doc.findall("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    # CNY normal / CNY urgent / EUR / JPY (other date) / KWD: one PmtInf each
    assert [(g.findtext("p:NbOfTxs", namespaces=NS), g.findtext("p:CtrlSum", namespaces=NS),
             g.findtext("p:PmtTpInf/p:InstrPrty", namespaces=NS), g.findtext("p:ReqdExctnDt/p:Dt", namespaces=NS))
            for g in groups] == [("1", "1234.56", "NORM", "2025-03-14"), ("1", "1234.56", "HIGH", "2025-03-14"),
                                 ("1", "0.99", "NORM", "2025-03-14"), ("1", "125000", "NORM", "2025-03-20"),
                                 ("1", "1.005", "NORM", "2025-03-14")]
    assert [g.findtext("p:PmtInfId", namespaces=NS) for g in groups] == [
        f"BD250314083000AB12CD34-{n}" for n in range(1, 6)]


def test_one_payment_information_per_debit_account_date_and_urgency():
    batch = [instr(f"G-{n}", amount_minor=100 + n, urgent=n % 2 == 0) for n in range(6)]
    batch.append(instr("G-X", debit_account="6225880000000202"))
    built = build(batch)
    assert [(g.debit_account, g.urgent, [i.client_reference for i in g.instructions]) for g in built.groups] == [
        ("6225880000000101", True, ["G-0", "G-2", "G-4"]),
        ("6225880000000101", False, ["G-1", "G-3", "G-5"]),
        ("6225880000000202", False, ["G-X"])]
    assert [g.control_sum for g in built.groups] == ["3.06", "3.09", "1234.56"]


def test_end_to_end_id_is_the_client_reference_and_structured_address_is_written():
    built = build([instr("P-CN-1", extra={"creditor_street": "南京东路", "creditor_town": "上海",
                                          "creditor_country": "CN"})])
    doc = etree.fromstring(built.body)
    tx = doc.find(".//p:CdtTrfTxInf", NS)
    assert tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS) == "P-CN-1"
    address = tx.find("p:Cdtr/p:PstlAdr", NS)
    assert [(etree.QName(c).localname, c.text) for c in address] == [("StrtNm", "南京东路"), ("TwnNm", "上海"),
                                                                     ("Ctry", "CN")]
    agent = tx.find("p:CdtrAgt/p:FinInstnId", NS)
    assert agent.findtext("p:ClrSysMmbId/p:ClrSysId/p:Cd", namespaces=NS) == "CNAPS"
    assert agent.findtext("p:ClrSysMmbId/p:MmbId", namespaces=NS) == "104290003791"
    debtor = doc.find(".//p:PmtInf/p:Dbtr", NS)
    assert debtor.findtext("p:Nm", namespaces=NS) == "深圳示例科技有限公司"
    assert debtor.findtext("p:PstlAdr/p:TwnNm", namespaces=NS) == "深圳"
    assert doc.findtext(".//p:DbtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) == "CMBCCNBS"


def test_uetr_is_a_uuid4_generated_once_and_a_given_one_is_kept():
    given = "0f3c8e7a-1b2c-4d5e-8f90-123456789abc"
    built = build([instr("U-1"), instr("U-2", extra={"uetr": given})])
    generated = built.uetr_of("U-1")
    assert uuid.UUID(generated).version == 4 and str(uuid.UUID(generated)) == generated
    assert built.uetr_of("U-2") == given
    assert f"<UETR>{generated}</UETR>".encode() in built.body  # the stored bytes carry it: a resend keeps it
    again = build([instr("U-1"), instr("U-2", extra={"uetr": given})])
    assert again.uetr_of("U-1") != generated  # a *new* preparation is a new message; resends reuse the bytes


def test_new_uetrs_are_valid_version_4_uuids():
    pattern = re.compile(r"[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}")
    values = pain001.new_uetrs(2000)
    assert len(set(values)) == 2000 and all(pattern.fullmatch(v) for v in values)
    assert all(uuid.UUID(v).version == 4 for v in values[:50])


@pytest.mark.parametrize("version", pain001.SUPPORTED_VERSIONS)
def test_the_column_check_and_the_per_payment_check_write_the_same_document(monkeypatch, version):
    batch = [instr(f"C-{n}", amount_minor=1000 + n, extra={"creditor_bic": "BKCHCNBJ"}) for n in range(50)]
    fast = build(batch, version)
    monkeypatch.setattr(pain001, "_by_columns", lambda *a: None)  # force the per-payment path
    slow = build(batch, version)
    mask = re.compile(rb"<UETR>[^<]+</UETR>")
    assert mask.sub(b"", fast.body) == mask.sub(b"", slow.body)
    assert fast.groups[0].shape is not None  # the column check decided the shape
    assert slow.groups[0].shape is None


def test_mixed_shapes_in_one_group_use_one_template_each(schemas):
    batch = [instr("M-1"), instr("M-2", payee_bank_code="", payee_bank_name="", purpose=""),
             instr("M-3", extra={"creditor_town": "北京", "creditor_country": "CN"}), instr("M-4")]
    built = build(batch)
    assert schemas[pain001.VERSION_09].validate(etree.fromstring(built.body))
    doc = etree.fromstring(built.body)
    txs = doc.findall(".//p:CdtTrfTxInf", NS)
    assert [t.find("p:CdtrAgt", NS) is not None for t in txs] == [True, False, True, True]
    assert [t.findtext("p:RmtInf/p:Ustrd", namespaces=NS) for t in txs] == [
        "货款 INV-2025-001", None, "货款 INV-2025-001", "货款 INV-2025-001"]
    assert txs[2].findtext("p:Cdtr/p:PstlAdr/p:TwnNm", namespaces=NS) == "北京"
    assert txs[3].find("p:Cdtr/p:PstlAdr", NS) is None


def test_streams_to_a_file_object():
    header, groups = pain001.prepare_message([instr()], settings(), created_at=CREATED, today=TODAY)
    out = io.BytesIO()
    pain001.write_pain001(out, groups, header)
    assert out.getvalue().count(b"<CdtTrfTxInf>") == 1
    assert re.fullmatch(r"BD[0-9]{12}[0-9A-F]{8}", header.message_id)


# -- refusals: every problem at once -------------------------------------------------------------------------


def test_too_long_names_and_remittance_are_refused_never_truncated():
    batch = [instr("L-1", payee_name="收" * 141, purpose="款" * 141),
             instr("L-2", payee_bank_name="B" * 141, extra={"creditor_street": "S" * 71, "creditor_town": "T" * 36,
                                                             "creditor_country": "CN"})]
    with pytest.raises(ValidationFailed) as info:
        build(batch)
    assert codes(info.value) == [
        ("TEXT_LENGTH", "L-1.payee_name"), ("TEXT_LENGTH", "L-1.purpose"), ("TEXT_LENGTH", "L-2.payee_bank_name"),
        ("TEXT_LENGTH", "L-2.creditor_street"), ("TEXT_LENGTH", "L-2.creditor_town")]
    assert "at most 140 characters" in info.value.problems[0].message


def test_characters_that_are_not_allowed_are_refused_with_their_position():
    batch = [instr("X-1", payee_name="收款\x07公司"), instr("X-2", purpose="货款\u202e反转"),
             instr("X-3", payee_name="收款公司😀"), instr("X-4", payee_name="收款\ufffe公司"),
             instr("X-5", payee_name="   ")]
    with pytest.raises(ValidationFailed) as info:
        build(batch)
    found = codes(info.value)
    assert found == [("TEXT_CHARSET", "X-1.payee_name"), ("TEXT_CHARSET", "X-2.purpose"),
                     ("TEXT_CHARSET", "X-3.payee_name"), ("TEXT_CHARSET", "X-4.payee_name"),
                     ("TEXT_REQUIRED", "X-5.payee_name")]
    assert "position 3" in info.value.problems[0].message


def test_latin_charset_setting_refuses_chinese_and_accents():
    st = settings(charset="latin")
    st = dataclasses.replace(st, debtor=Debtor("BankDirect Demo Ltd"))
    build([instr("L-OK", payee_name="Acme Trading Ltd.", purpose="Invoice 42/2025", payee_bank_name="")],
          settings=st)
    with pytest.raises(ValidationFailed) as info:
        build([instr("L-CN", payee_name="Müller 收款", purpose="ok", payee_bank_name="")], settings=st)
    assert [p.code for p in info.value.problems] == ["TEXT_CHARSET"] * 3
    assert "'ü'" in info.value.problems[0].message


def test_accounts_codes_amounts_and_extras_are_checked():
    batch = [
        instr("A-1", payee_account="DE89370400440532013001"),  # IBAN check digits wrong
        instr("A-2", payee_account="62 17"),
        instr("A-3", amount_minor=0),
        instr("A-4", currency="rmb"),
        instr("A-5", payee_bank_code="10429000"),
        instr("A-6", extra={"creditor_bic": "BANKCN", "purpose_code": "supplier", "charge_bearer": "OUR"}),
        instr("A-7", extra={"uetr": "not-a-uuid", "execution_date": "2025-02-30"}),
        instr("A-8", extra={"execution_date": "2025-03-13"}),
        instr("A-9", extra={"creditor_twon": "上海"}),
        instr("A 10"),
        instr("A-11", extra={"creditor_street": "南京东路"}),
        instr("A-12", payee_account="6225880000000101"),
    ]
    with pytest.raises(ValidationFailed) as info:
        build(batch)
    assert codes(info.value) == [
        ("ACCOUNT_FORMAT", "A-1.payee_account"), ("ACCOUNT_FORMAT", "A-2.payee_account"),
        ("AMOUNT_NOT_POSITIVE", "A-3.amount"), ("CURRENCY", "A-4.currency"),
        ("BANK_CODE_FORMAT", "A-5.payee_bank_code"), ("BIC_FORMAT", "A-6.creditor_bic"),
        ("CODE_FORMAT", "A-6.charge_bearer"), ("CODE_FORMAT", "A-6.purpose_code"),
        ("DATE_FORMAT", "A-7.execution_date"), ("UETR_FORMAT", "A-7.uetr"),
        ("EXECUTION_DATE", "A-8.execution_date"), ("EXTRA_UNKNOWN", "A-9.extra"),
        ("REFERENCE_FORMAT", "A 10.client_reference"), ("ADDRESS_INCOMPLETE", "A-11.creditor_town"),
        ("ACCOUNT_FORMAT", "A-12.payee_account")]


def test_batch_level_problems():
    with pytest.raises(ValidationFailed) as info:
        build([instr("D-1"), instr("D-1"), instr("D-2", extra={"uetr": "0f3c8e7a-1b2c-4d5e-8f90-123456789abc"}),
               instr("D-3", extra={"uetr": "0f3c8e7a-1b2c-4d5e-8f90-123456789abc"})], max_batch_size=3)
    assert codes(info.value) == [("BATCH_SIZE", None), ("DUPLICATE", "D-1.client_reference"),
                                 ("DUPLICATE", "D-3.uetr")]
    with pytest.raises(ValidationFailed) as info:
        build([])
    assert codes(info.value) == [("BATCH_EMPTY", None)]


def test_pain_001_001_03_refuses_a_uetr_and_uses_its_own_bic_rule():
    with pytest.raises(ValidationFailed) as info:
        build([instr("V3-1", extra={"uetr": "0f3c8e7a-1b2c-4d5e-8f90-123456789abc", "creditor_bic": "1BANKCNB"})],
              pain001.VERSION_03)
    assert codes(info.value) == [("BIC_FORMAT", "V3-1.creditor_bic"), ("UETR_UNSUPPORTED", "V3-1.uetr")]
    built = build([instr("V3-2")], pain001.VERSION_03)
    assert b"<UETR>" not in built.body and b"<ReqdExctnDt>2025-03-14</ReqdExctnDt>" in built.body


def test_settings_problems():
    st = InitiationSettings(Debtor(""), version="pain.001.001.02", charset="ascii", charge_bearer="X",
                            message_id_prefix="TOO-LONG-PREFIX")
    with pytest.raises(ValidationFailed) as info:
        build([instr()], settings=st)
    assert [p.field for p in info.value.problems] == ["settings.version", "settings.charset",
                                                      "settings.charge_bearer", "settings.message_id_prefix"]
    with pytest.raises(ValidationFailed) as info:
        build([instr()], settings=InitiationSettings(Debtor("")))
    assert codes(info.value) == [("TEXT_REQUIRED", "settings.debtor_name")]


def test_a_debtor_override_in_extra_makes_its_own_payment_information():
    built = build([instr("O-1"), instr("O-2", extra={"debtor_name": "深圳示例科技有限公司 (代付)"})])
    assert [g.debtor.name for g in built.groups] == ["深圳示例科技有限公司", "深圳示例科技有限公司 (代付)"]


def test_amount_formatting_is_integer_arithmetic():
    assert pain001.format_amount(1, 2) == "0.01"
    assert pain001.format_amount(10**17 + 5, 2) == "1000000000000000.05"
    assert pain001.format_amount(7, 0) == "7"
    assert pain001.format_amount(1005, 3) == "1.005"
    with pytest.raises(TypeError):
        pain001.format_amount(1.5, 2)  # type: ignore[arg-type]


def test_iban_check():
    assert pain001.iban_is_valid("DE89370400440532013000")
    assert pain001.iban_is_valid("GB29NWBK60161331926819")
    assert not pain001.iban_is_valid("DE89370400440532013001")
    assert not pain001.iban_is_valid("DE8937040044053201300")  # wrong check digits for the shorter number
    assert pain001._ibans_ok(["DE89370400440532013000", "GB29NWBK60161331926819"])
    assert not pain001._ibans_ok(["DE89370400440532013000", "DE89370400440532013001"])


# -- the column check never accepts what the per-payment check refuses ------------------------------------------

_TEXT = hst.text(alphabet=hst.sampled_from(list("Aa1 -/收款公司é\u3000\x07\u202e😀\ufffe\u00ad\uff21")), max_size=150)


@hyp_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=hst.lists(_TEXT, min_size=1, max_size=4), purposes=hst.lists(_TEXT, min_size=1, max_size=4),
       latin=hst.booleans())
def test_column_and_per_payment_checks_agree(monkeypatch, names, purposes, latin):
    st_ = settings(charset="latin") if latin else settings()
    if latin:
        st_ = dataclasses.replace(st_, debtor=Debtor("Demo Ltd"))
    batch = [instr(f"H-{n}", payee_name=name, purpose=purposes[n % len(purposes)], payee_bank_name="")
             for n, name in enumerate(names)]

    def outcome():
        try:
            built = build(batch, settings=st_)
        except ValidationFailed as exc:
            return sorted(codes(exc))
        return re.sub(rb"<UETR>[^<]+</UETR>", b"", built.body)

    with monkeypatch.context() as m:
        first = outcome()
        m.setattr(pain001, "_by_columns", lambda *a: None)
        second = outcome()
    assert first == second
