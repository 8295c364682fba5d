"""MT940/MT942 reader on built files: several statements, reversals, balances, encodings (UTF-8, GB18030),
strict amounts, :86: structures, MT942 sums, envelopes and fragments."""

from __future__ import annotations

from datetime import date

import pytest

from app.ports.statements import AMOUNT_FORMAT, AMOUNT_SCALE, BALANCE_MISMATCH, StatementFileError
from bank_plugins.iso20022.mt940 import Mt940Reader, decode, read_mt940_bytes, sniff


def statement(ref: str, lines: list[str], *, opening: str = "C240501CNY1000,00", closing: str = "C240501CNY1000,00",
              account: str = "755912345610801") -> str:
    return "\n".join([f":20:{ref}", f":25:{account}", ":28C:1/1", f":60F:{opening}", *lines, f":62F:{closing}",
                      "-"]) + "\n"


def test_several_statements_reversals_and_balances():
    text = statement("S1", [":61:2405010501C100,50NTRFNONREF//B1", ":86:货款 INV-1",
                            ":61:2405010501D20,00NTRFNONREF//B2", ":86:手续费",
                            ":61:2405010501RC5,00NTRFNONREF//B3", ":86:冲正",
                            ":61:2405010501RD3,00NTRFNONREF//B4"],
                     closing="C240501CNY1078,50") \
        + statement("S2", [":61:2405020502D78,50NTRFOUR-REF-9//B5"], opening="C240501CNY1078,50",
                    closing="C240502CNY1000,00")
    sf = read_mt940_bytes(text.encode())
    assert not sf.errors, sf.errors
    assert sf.format == "MT940" and [s.statement_id for s in sf.statements] == ["S1", "S2"]
    first, second = sf.statements
    assert [e.amount_minor for e in first.entries] == [10050, -2000, -500, 300]
    assert [e.reversal for e in first.entries] == [False, False, True, True]
    assert first.entries[0].remittance == "货款 INV-1" and first.entries[0].entry_id == "B1|20240501|10050"
    assert (first.opening_minor, first.closing_minor, second.closing_minor) == (100000, 107850, 100000)
    assert second.entries[0].entry_ref == "OUR-REF-9" and second.entries[0].booking_date == date(2024, 5, 2)


def test_balance_mismatch_names_the_statement():
    sf = read_mt940_bytes(statement("S9", [":61:2405010501C1,00NTRF"], closing="C240501CNY1000,50").encode())
    assert [p.code for p in sf.errors] == [BALANCE_MISMATCH] and "S9" in sf.errors[0].message


def test_intermediate_and_available_balances():
    text = "\n".join([":20:P1", ":25:NL91ABNA0417164300", ":28C:5/1", ":60M:D240501EUR10,00",
                      ":61:2405010501C15,00NTRFNONREF", ":62M:C240501EUR5,00", ":64:C240501EUR5,00",
                      ":65:C240502EUR5,00", "-"])
    sf = read_mt940_bytes(text.encode())
    assert not sf.errors
    st = sf.statements[0]
    assert {b.code: b.amount_minor for b in st.balances} == {"OPBD": -1000, "CLBD": 500, "CLAV": 500, "FWAV": 500}
    assert st.account == "NL91ABNA0417164300" and "0417164300" in st.account_aliases


def test_gb18030_text_is_decoded_and_never_as_gbk_first():
    # 𠀀 exists only in GB18030 (four bytes); GBK cannot decode it, UTF-8 refuses these bytes
    text = statement("S1", [":61:2405010501C1,00NTRFNONREF", ":86:收款 深圳市华强电子有限公司 𠀀"],
                     closing="C240501CNY1001,00")
    data = text.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gbk")
    sf = read_mt940_bytes(data)
    assert not sf.errors and sf.encoding == "gb18030"
    assert sf.statements[0].entries[0].remittance == "收款 深圳市华强电子有限公司 𠀀"
    assert "FILE_ENCODING" in [p.code for p in sf.warnings]


def test_utf8_first_even_when_the_bytes_are_also_gb18030():
    text = statement("S1", [":61:2405010501C1,00NTRF", ":86:工资"], closing="C240501CNY1001,00")
    sf = read_mt940_bytes(text.encode("utf-8"))
    assert sf.encoding == "utf-8" and sf.statements[0].entries[0].remittance == "工资"


def test_undecodable_bytes_are_refused_naming_the_offset():
    with pytest.raises(StatementFileError) as info:
        decode(b":20:X\n:86:\xff\xfe\xff\n")
    assert info.value.code == "FILE_ENCODING" and "offset" in info.value.message


@pytest.mark.parametrize("amount,code", [("1.000,00", AMOUNT_FORMAT), ("10,001", AMOUNT_SCALE),
                                         ("1,5x", "FIELD_VALUE")])
def test_strict_amounts(amount, code):
    sf = read_mt940_bytes(statement("S1", [f":61:2405010501C{amount}NTRF"]).encode())
    assert code in [p.code for p in sf.errors]
    assert ":61: line 5" in sf.errors[0].field


def test_amount_without_decimals_and_jpy():
    text = statement("S1", [":61:2405010501C500NTRF"], opening="C240501JPY1000,", closing="C240501JPY1500,")
    sf = read_mt940_bytes(text.encode())
    assert not sf.errors and sf.statements[0].entries[0].amount_minor == 500


def test_german_structured_86_and_dutch_slashes():
    gvc = (":86:166?00SEPA-GUTSCHRIFT?109310?20EREF+E2E-77?21SVWZ+Rechnung 4711?30COBADEFFXXX?31DE89370400440532013000"
           "?32Muster GmbH")
    ing = ":86:/EREF/E2E-88//CNTP/NL32INGB0000012345/INGBNL2A/J.Janssen///REMI/USTD//Factuur 123/\n/RTRN/MS03/"
    text = statement("S1", [":61:2405010501C10,00NTRFNONREF", gvc, ":61:2405010501D10,00NRTINONREF", ing])
    a, b = read_mt940_bytes(text.encode()).statements[0].entries
    assert (a.end_to_end_id, a.remittance, a.counterparty_name, a.counterparty_account, a.bank_code) == (
        "E2E-77", "Rechnung 4711", "Muster GmbH", "DE89370400440532013000", "NTRF/166")
    assert (b.end_to_end_id, b.counterparty_name, b.counterparty_account, b.return_reason) == (
        "E2E-88", "J.Janssen", "NL32INGB0000012345", "MS03")


def test_mt942_sums_are_checked():
    good = "\n".join([":20:I1", ":25:755912345610801", ":28C:1/1", ":34F:CNYD0,00", ":13D:2405011200+0800",
                      ":61:2405010501D2,30NTRFNONREF", ":61:2405010501C1,00NTRFNONREF", ":90D:1CNY2,30",
                      ":90C:1CNY1,00", "-"])
    sf = read_mt940_bytes(good.encode())
    assert not sf.errors and sf.format == "MT942" and sf.statements[0].currency == "CNY"
    bad = read_mt940_bytes(good.replace(":90D:1CNY2,30", ":90D:1CNY9,30").encode())
    assert [p.code for p in bad.errors] == [BALANCE_MISMATCH] and ":90D:" in bad.errors[0].message


def test_swift_envelope_header_lines_and_dashes_inside_text():
    text = ("{1:F01BANKNL2AXXXX0000000000}{2:O940BANKNL2AXXXXN}{4:\n" + statement(
        "S1", [":61:2405010501C1,00NTRFNONREF", ":86:/EREF/X1//MARF/MND", "-", "EV01//REMI/USTD//ok/"],
        closing="C240501CNY1001,00").rstrip("-\n") + "\n-}{5:}\n0000 01BANKHEADER\n940 00\n"
        + statement("S2", [], opening="C240501CNY1001,00", closing="C240501CNY1001,00"))
    sf = read_mt940_bytes(text.encode())
    assert not sf.errors, sf.errors
    assert len(sf.statements) == 2 and sf.statements[0].entries[0].remittance == "ok"


def test_impossible_value_date_uses_the_entry_date_with_a_warning():
    sf = read_mt940_bytes(statement("S1", [":61:2402300301D6,00NTRF"], closing="C240501CNY994,00").encode())
    assert not sf.errors
    (e,) = sf.statements[0].entries
    assert e.booking_date == date(2024, 3, 1) and e.value_date is None
    assert "DATE_FORMAT" in [p.code for p in sf.warnings]


def test_entry_date_across_the_year_end():
    sf = read_mt940_bytes(statement("S1", [":61:2312311231C1,00NTRF", ":61:2401021231C1,00NTRF"],
                                    closing="C240501CNY1002,00").encode())
    assert [e.booking_date for e in sf.statements[0].entries] == [date(2023, 12, 31), date(2023, 12, 31)]


def test_fragments_and_other_files_are_refused():
    with pytest.raises(StatementFileError) as info:
        read_mt940_bytes(b":61:1811261126CR30,00N062NONREF\n:86:text\n")
    assert info.value.code == "FILE_FORMAT" and ":20:" in info.value.message
    with pytest.raises(StatementFileError) as info:
        read_mt940_bytes(b"hello\nworld\n")
    assert info.value.code == "FILE_FORMAT"
    assert not sniff(b"<?xml version='1.0'?><Document/>") and sniff(b"\r\n:20:X\r\n:25:Y")


def test_reader_port(tmp_path):
    path = tmp_path / "s.sta"
    path.write_bytes(statement("S1", [":61:2405010501C1,00NTRF"], closing="C240501CNY1001,00").encode())
    seen: list[int] = []
    sf = Mt940Reader().read(path, progress=seen.append)
    assert sf.entry_count == 1 and seen[-1] == 1
