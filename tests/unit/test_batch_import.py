"""Pure parts of batch import: safe decoding order, header mapping, cell values, export escaping, profiles."""

from __future__ import annotations

import pytest

from app.domain.batch_import import (
    BUILTIN_PROFILES,
    FileRefused,
    cell_text,
    decode_csv_bytes,
    escape_cell,
    map_columns,
    profile_from_fields,
    validate_rows,
)


def test_strict_utf8_first_then_gb18030_never_gbk_first():
    text = "收款人名称,金额\n王䶮,1\n"
    assert decode_csv_bytes(text.encode("utf-8")) == (text, "utf-8")
    assert decode_csv_bytes(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8-sig")
    assert decode_csv_bytes(text.encode("gb18030")) == (text, "gb18030")     # 䶮 is not in GBK, is in GB18030
    gbk = "收款人名称,金额\n张三,1\n".encode("gbk")
    assert decode_csv_bytes(gbk)[1] == "gb18030"
    for bad in (b"\xef\xbb\xbf\xff\xfe", "x".encode("utf-16"), b"a,b\x00\n", b"\x81\x20"):
        with pytest.raises(FileRefused) as info:
            decode_csv_bytes(bad)
        assert info.value.problems[0].code == "FILE_ENCODING"


def test_header_mapping_both_languages_and_layout_errors():
    p = BUILTIN_PROFILES["payroll"]
    cm, problems = map_columns(["收款人名称", " 收款账号 ", "收款行名称", "收款行行号", "金额", "用途"], p)
    assert cm.positions == {"payee_name": 0, "payee_account": 1, "bank_name": 2, "bank_code": 3, "amount": 4,
                            "purpose": 5} and not problems
    cm, problems = map_columns(["\ufeffPayee_Name", "payee_account", "bank_code", "amount", "备注"], p)
    assert cm is not None and [(x.code, x.severity.value, x.column) for x in problems] == [
        ("FILE_LAYOUT", "warning", "备注")]
    cm, problems = map_columns(["收款人", "收款账号", "收款行行号", "金额"], p)
    assert cm is None and problems[0].code == "FILE_LAYOUT" and problems[0].row == 1 and "收款人" in problems[0].message
    cm, problems = map_columns(["收款人名称", "收款账号", "金额"], p)        # neither code nor branch name
    assert cm is None and problems[0].column == "收款行行号"
    _, problems = map_columns(["收款人名称", "收款账号", "收款行行号", "金额"], BUILTIN_PROFILES["supplier"])
    assert [x.column for x in problems] == ["用途"]                       # suppliers have no default purpose


def test_cell_values_are_never_guessed():
    from datetime import date

    assert cell_text(12.5) == ("12.5", None) and cell_text(100.0) == ("100", None) and cell_text(7) == ("7", None)
    assert cell_text(0.1 + 0.2)[0] == "0.30000000000000004"             # then AMOUNT_SCALE, never rounded
    assert cell_text(True)[1] and cell_text(date(2026, 1, 1))[1] and cell_text(float("nan"))[1]


def test_every_problem_of_every_row_at_once():
    rows = [["收款人名称", "收款账号", "收款行名称", "收款行行号", "金额", "用途"],
            ["王䶮", "62148 3", "", "123", "1e2", "工资\u202e"],
            [], ["张三", "6214830000000017", "", "102100099996", "1.00", ""]]
    _, out = validate_rows(rows, BUILTIN_PROFILES["payroll"], None)
    found = {(p.row, p.column, p.code) for p in out.errors}
    assert found == {(2, "收款人名称", "TEXT_ENCODING"), (2, "收款账号", "ACCOUNT_FORMAT"),
                     (2, "收款行行号", "BANK_CODE"), (2, "金额", "AMOUNT_FORMAT"), (2, "用途", "TEXT_CHARSET")}
    assert out.rows_total == 2 and [line.row for line in out.lines] == [4] and out.lines[0].purpose == "工资"


def test_export_escaping():
    for s in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert escape_cell(s) == "'" + s
    assert escape_cell("张三") == "张三" and escape_cell(5) == 5 and escape_cell("a=b") == "a=b"


def test_profile_fields_are_checked():
    profile, problems = profile_from_fields({"name": "x", "base": "nope", "columns": {"colour": "c"},
                                             "max_amount": "1e3"})
    assert profile is None and {p.code for p in problems} == {"PROFILE", "AMOUNT_FORMAT"}
    profile, problems = profile_from_fields({"name": "银行A", "base": "payroll", "columns": {"amount": ["实发"]},
                                             "max_amount": "50000"})
    assert profile.columns["amount"][0] == "实发" and profile.max_amount_minor == 5_000_000 and not problems


def test_fast_path_gives_exactly_what_the_full_checks_give(monkeypatch):
    """The fast path for clean text rows must accept exactly the rows the full checks accept, with the same
    lines, and leave every other row (and its problems) to the full checks."""
    import random
    from dataclasses import astuple

    from app.domain.batch_import import RowValidator
    from app.domain.identifiers import cnaps_check_digit, luhn_valid

    rng = random.Random(7)
    icbc = "10210000023" + cnaps_check_digit("10210000023")
    def card(i: int) -> str:
        base = f"621483{i:09d}"
        return next(base + d for d in "0123456789" if luhn_valid(base + d))

    bad = {
        "name": [" 李娜 ", "", "王䶮", "张\u3000三", "A" * 70, "李四\t", "＝SUM", "王伟"],
        "account": ["6214830000000018", " 6214830000000017", "62148 30000000017", "123", "755900000000001",
                    "621483000000001７", "6214830000000017"],
        "branch": ["", "银行" * 80, "工行\u202e", "中国工商银行北京分行"],
        "code": ["", "102100000230", "999100000001", "10210000023", " " + icbc],
        "amount": ["0.00", "001.5", "1e2", "12.345", "99999999999.99", "3,000.00", "  7 ", "-1", "0", "1"],
        "purpose": ["", "奖金" * 40, "代发\u202e", "奖金"],
    }
    rows = [["收款人名称", "收款账号", "收款行名称", "收款行行号", "金额", "用途"]]
    for i in range(3000):
        j = i if rng.random() > .05 else rng.randrange(i + 1)          # some accounts again (mismatch, duplicate)
        good = [f"员工{j}", card(j), "中国工商银行深圳分行", icbc, f"{rng.randrange(1, 3)}.5", "工资"]
        row = [rng.choice(bad[k]) if rng.random() < .08 else v for k, v in zip(bad, good, strict=True)]
        rows.append(row + ([rng.choice(["", "x"])] if rng.random() < .05 else []))
    rows += [rows[5], rows[6], ["员工3", card(3), "中国工商银行深圳分行", icbc, "9.5", "工资"]]   # duplicates, payer
    profile = BUILTIN_PROFILES["payroll"]
    _, fast = validate_rows(rows, profile, None, debit_account=card(3))
    monkeypatch.setattr(RowValidator, "_add_fast", lambda self, row, cells: False)
    _, full = validate_rows(rows, profile, None, debit_account=card(3))
    assert [astuple(x) for x in fast.lines] == [astuple(x) for x in full.lines] and 1000 < len(full.lines) < 2900
    assert fast.problems == full.problems and fast.invalid_rows == full.invalid_rows
    assert fast.rows_total == full.rows_total == 3003
