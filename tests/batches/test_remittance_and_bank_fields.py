"""Pure rules: structured remittance cells (invoice numbers, dates, reference) and each bank's text rules (GBK and
byte lengths for CMB, characters for ISO 20022, the Latin set, the compact remittance in NUSAGE)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.domain.bank_fields import WireTextRules, wire_text_rules
from app.domain.batch_import import BUILTIN_PROFILES, map_columns, validate_rows
from app.domain.remittance import (
    EMPTY_REMITTANCE,
    ReferredDocument,
    Remittance,
    compact_purpose,
    date_cell_text,
    parse_remittance,
)
from bank_plugins.cmb_fbsdk.manifest import MANIFEST as CMB
from bank_plugins.iso20022.manifest import MANIFEST as ISO

TODAY = date(2026, 11, 28)


def cmb_rules(**settings) -> WireTextRules:
    m = CMB
    return wire_text_rules(m.id, m.bank, m.protocol, m.limits.encoding, m.limits.field_byte_lengths, settings)


def iso_rules(**settings) -> WireTextRules:
    m = ISO
    return wire_text_rules(m.id, m.bank, m.protocol, m.limits.encoding, m.limits.field_byte_lengths, settings)


def codes(problems) -> list[tuple[str, str | None]]:
    return [(p.code, p.field) for p in problems]


# -- remittance cells ----------------------------------------------------------------------------------------
def test_several_invoices_one_date_each_or_shared():
    r, problems = parse_remittance("12345678；87654321, INV-2026/07", "2026-11-02", " PO-778 ", today=TODAY)
    assert not problems
    assert r.invoice_numbers == ("12345678", "87654321", "INV-2026/07") and r.reference == "PO-778"
    assert {d.issued for d in r.documents} == {date(2026, 11, 2)}
    r, problems = parse_remittance("A1 A2", "2026/10/01、20261002", "", today=TODAY)
    assert not problems and [d.issued for d in r.documents] == [date(2026, 10, 1), date(2026, 10, 2)]
    assert parse_remittance("", "", "", today=TODAY) == (EMPTY_REMITTANCE, [])
    assert not EMPTY_REMITTANCE and Remittance(reference="x")


@pytest.mark.parametrize(("numbers", "dates", "ref", "expected"), [
    ("1234 5678", "2026-02-30", "", [("REMITTANCE_DATE", "invoice_date")]),          # no 30 February
    ("1234", "2026-12-01", "", [("REMITTANCE_DATE", "invoice_date")]),               # in the future
    ("1234", "02/11/2026", "", [("REMITTANCE_DATE", "invoice_date")]),               # ambiguous day/month order
    ("1234", "1999-12-31", "", [("REMITTANCE_DATE", "invoice_date")]),
    ("发票1234", "", "", [("REMITTANCE_FORMAT", "invoice_number")]),
    ("A B C", "2026-01-01 2026-01-02", "", [("REMITTANCE_FORMAT", "invoice_date")]),  # 2 dates for 3 invoices
    ("", "2026-01-01", "", [("REMITTANCE_FORMAT", "invoice_date")]),                  # a date without invoice
    ("X" * 36, "", "", [("REMITTANCE_LENGTH", "invoice_number")]),
    (" ".join(str(i) for i in range(21)), "", "", [("REMITTANCE_LENGTH", "invoice_number")]),
    ("1", "", "备" * 36, [("REMITTANCE_LENGTH", "remittance_ref")]),
    ("1", "", "付款\u200b说明", [("TEXT_CHARSET", "remittance_ref")]),
    ("1", "", "𠮷野家", [("TEXT_ENCODING", "remittance_ref")]),
])
def test_bad_remittance_cells_are_named(numbers, dates, ref, expected):
    r, problems = parse_remittance(numbers, dates, ref, today=TODAY, encoding="gbk")
    assert codes(problems) == expected and r is EMPTY_REMITTANCE


def test_remittance_json_round_trip_and_date_cells():
    r = Remittance((ReferredDocument("12345678", date(2026, 11, 2)), ReferredDocument("INV-9")), "附言 A")
    assert Remittance.from_json(r.to_json()) == r
    assert r.to_json() == '{"documents":[["12345678","2026-11-02"],["INV-9",null]],"reference":"附言 A"}'
    assert Remittance.from_json(None) is EMPTY_REMITTANCE and EMPTY_REMITTANCE.to_json() == "{}"
    with pytest.raises(ValueError):
        Remittance.from_json('{"documents": [], "amount": 5}')
    assert date_cell_text(datetime(2026, 11, 2)) == ("2026-11-02", None)
    assert date_cell_text(datetime(2026, 11, 2, 9, 30))[1] == "a date with a time of day"


def test_compact_purpose():
    one_date = Remittance((ReferredDocument("12345678", date(2026, 11, 2)), ReferredDocument("12345679",
                                                                                           date(2026, 11, 2))),
                          "PO-778")
    assert compact_purpose("货款", one_date) == "货款 发票12345678,12345679(20261102) 附言PO-778"
    two_dates = Remittance((ReferredDocument("1", date(2026, 11, 2)), ReferredDocument("2", date(2026, 11, 3))))
    assert compact_purpose("", two_dates) == "发票1(20261102),2(20261103)"
    assert compact_purpose("货款", EMPTY_REMITTANCE) == "货款"


# -- bank text rules -----------------------------------------------------------------------------------------
def test_cmb_refuses_characters_outside_gbk_and_names_over_its_byte_limit():
    rules = cmb_rules()
    assert rules.encoding == "gbk" and rules.fields["payee_name"].max_bytes == 200
    for name in ("王𠮷", "李鿰"):
        problems = rules.check_payment(name, "工资")
        assert codes(problems) == [("TEXT_ENCODING", "payee_name")]
        assert "CRTNAM" in problems[0].message and "GBK" in problems[0].message
    assert codes(rules.check_payment("张" * 101, "工资")) == [("TEXT_LENGTH", "payee_name")]    # 202 bytes
    assert rules.check_payment("张" * 100, "工资") == []                                         # 200 bytes
    assert codes(rules.check_payment("张三", "工资", "银" * 32)) == [("TEXT_LENGTH", "payee_bank_name")]


def test_cmb_carries_the_remittance_in_nusage_and_refuses_what_does_not_fit():
    rules = cmb_rules()
    fits = Remittance((ReferredDocument("12345678", date(2026, 11, 2)),), "PO-778")
    assert rules.wire_purpose("货款", fits) == "货款 发票12345678(20261102) 附言PO-778"
    assert rules.check_purpose("货款", fits) == []
    many = Remittance(tuple(ReferredDocument(f"{i:08d}") for i in range(7)))   # 9 + 7×8 + 6 > 62 bytes
    problems = rules.check_purpose("货款", many)
    assert codes(problems) == [("REMITTANCE_LENGTH", "remittance")]
    assert "NUSAGE" in problems[0].message and "62 bytes" in problems[0].message
    assert codes(rules.check_purpose("货" * 32)) == [("TEXT_LENGTH", "purpose")]    # too long without remittance


def test_iso20022_counts_characters_and_keeps_the_remittance_structured():
    rules = iso_rules()
    assert rules.structured_remittance and rules.fields["payee_name"].max_chars == 140
    assert rules.check_payment("王䶮 𠮷野家", "货款") == []                    # Unicode: fine in pain.001
    assert codes(rules.check_payment("名" * 141, "货款")) == [("TEXT_LENGTH", "payee_name")]
    assert "Cdtr/Nm" in rules.check_name("名" * 141)[0].message
    long_ref = Remittance((ReferredDocument("1"),), "R" * 36)
    assert codes(rules.check_purpose("货款", long_ref)) == [("REMITTANCE_LENGTH", "remittance_ref")]
    latin = iso_rules(charset="latin")
    assert codes(latin.check_payment("Mueller GmbH", "Invoice 12")) == []
    assert ("TEXT_CHARSET", "payee_name") in codes(latin.check_payment("上海收款贸易", "Invoice 12"))
    assert ("TEXT_CHARSET", "remittance_ref") in codes(latin.check_purpose("x", Remittance(reference="REF_1")))


def test_implies_tells_the_import_fast_path_when_the_generic_check_suffices():
    assert cmb_rules().implies("payee_name", 60) and iso_rules().implies("payee_name", 60)
    assert not iso_rules(charset="latin").implies("payee_name", 60)
    tiny = wire_text_rules("tiny", "Tiny", "FBSDK", "gbk", {"CRTNAM": 20})
    assert not tiny.implies("payee_name", 60) and tiny.implies("purpose", 60)


def test_rows_are_checked_against_the_bank_at_import():
    profile = BUILTIN_PROFILES["supplier"]
    header = ["收款人名称", "收款账号", "收款行名称", "收款行行号", "金额", "用途", "发票号", "发票日期", "汇款附言"]
    columns, _ = map_columns(header, profile)
    assert columns is not None and {"invoice_number", "invoice_date", "remittance_ref"} <= set(columns.positions)
    code = "102100099996"
    rows = [header,
            ["深圳市华强电子有限公司", "755912345678", "", code, "100.00", "货款", "12345678", "2026-11-02", "PO-1"],
            ["上海浦江物流有限公司", "755912345679", "", code, "200.00", "货款",
             "11111111,22222222,33333333,44444444,55555555", "2026-11-02", ""],
            ["北京某某科技有限公司", "755912345680", "", code, "300.00", "货款", "", "", ""]]
    _cols, checked = validate_rows(rows, profile, None, rules=cmb_rules(), today=TODAY)
    assert [(p.row, p.column, p.code) for p in checked.errors] == [(3, "汇款附言", "REMITTANCE_LENGTH")]
    assert [line.row for line in checked.lines] == [2, 4]
    first = checked.lines[0]
    assert first.remittance.invoice_numbers == ("12345678",) and first.remittance.reference == "PO-1"
    assert checked.lines[1].remittance is EMPTY_REMITTANCE
    tiny = wire_text_rules("tiny", "Tiny Bank", "FBSDK", "gbk", {"CRTNAM": 18, "NUSAGE": 62})
    _cols, checked = validate_rows(rows, profile, None, rules=tiny, today=TODAY)
    by_row = {(p.row, p.code) for p in checked.errors}                  # 20- and 22-byte names over CRTNAM 18
    assert {(2, "TEXT_LENGTH"), (3, "TEXT_LENGTH"), (4, "TEXT_LENGTH")} <= by_row and not checked.lines
    assert any("Tiny Bank CRTNAM" in p.message for p in checked.errors)
