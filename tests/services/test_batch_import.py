"""Batch import at the service layer: every RELIABILITY §2 file row refused with its code and the ledger unchanged;
a GBK payroll file with Chinese headers of a few thousand rows imports (payees, payments, history, one audit
entry); the same file twice is refused; --exclude-invalid writes an error report; XLSX formulas refused with row
and column; CNAPS lookup by branch name."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from app.domain.errors import Conflict, ValidationFailed
from app.domain.identifiers import cnaps_check_digit, luhn_valid
from app.domain.payment_request import content_hash
from app.services.batch_import import BatchImportService, BatchRejected

HEADER_CN = "收款人名称,收款账号,收款行名称,收款行行号,金额,用途"
HEADER_EN = "payee_name,payee_account,bank_name,bank_code,amount,purpose"
ICBC = "10210000023" + cnaps_check_digit("10210000023")
CCB = "10529000045" + cnaps_check_digit("10529000045")


def card(i: int) -> str:
    """A 16-digit personal card number that passes Luhn."""
    base = f"621483{i:09d}"
    for d in "0123456789":
        if luhn_valid(base + d):
            return base + d
    raise AssertionError


def payroll_text(n: int, start: int = 0) -> str:
    lines = [HEADER_CN]
    for i in range(start, start + n):
        lines.append(f"员工{i:05d},{card(i)},中国工商银行深圳分行,{ICBC},{1000 + i % 977}.{i % 100:02d},工资")
    return "\n".join(lines) + "\n"


@pytest.fixture
def batch(payment_world, app_context):
    w = payment_world
    svc = BatchImportService(app_context.ledger.unit_of_work_factory(app_context.audit_key, app_context.clock),
                             app_context.clock)
    w.batch = svc
    w.maker = w.actor("maker")
    return w


def _write(tmp_path, name: str, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def _codes(exc) -> set[str]:
    return {p.code for p in exc.row_problems if p.is_error} if isinstance(exc, BatchRejected) else {exc.code}


def test_gbk_payroll_with_chinese_headers_imports(batch, tmp_path, app_context, ledger_fingerprint):
    w = batch
    path = _write(tmp_path, "工资2026-11.csv", payroll_text(3000), "gbk")
    pv = w.batch.preview(w.maker, path, account=w.account.account_number)
    assert pv.encoding == "gb18030" and pv.rows_total == 3000 and not pv.errors
    assert pv.new_payees == 3000 and pv.total_minor == sum((1000 + i % 977) * 100 + i % 100 for i in range(3000))
    result = w.batch.import_file(w.maker, path, account=w.account.account_number)
    b = result.batch
    assert (b.line_count, b.file_rows, b.excluded_count, b.payees_created, b.status) == (3000, 3000, 0, 3000,
                                                                                        "PENDING_APPROVAL")
    assert b.total_minor == pv.total_minor and b.kind == "payroll"
    payments = {p.id: p for p in w.services.payments.list(w.maker)}
    assert set(result.payment_ids) <= set(payments)
    p = payments[result.payment_ids[7]]
    assert p.status.value == "PENDING_APPROVAL" and p.purpose == "工资" and p.payee_name == "员工00007"
    detail = w.services.payments.get(w.maker, p.id)
    assert not detail.warnings            # the stored hash is exactly content_hash of the stored content
    assert p.content_hash == content_hash(detail.account, detail.payee, p.amount_minor, p.currency, p.purpose,
                                          p.requested_date, p.urgent)
    assert [(h.from_status, h.to_status.value) for h in detail.history][-1][1] == "PENDING_APPROVAL"
    assert len(detail.history) == 2 and detail.payee.kind.value == "personal" and detail.payee.confirmed
    entries = [e for e in w.services.audit.entries(w.admin, 0, 50) if e.action == "batch.imported"]
    assert len(entries) == 1 and entries[0].payload["lines"] == 3000
    assert entries[0].payload["file_sha256"] == pv.sha256 and len(entries[0].payload["payee_ids_created"]) == 3000
    counts = w.batch.get_batch(w.maker, b.id)[1]
    assert counts == {"PENDING_APPROVAL": (3000, b.total_minor)}
    # the same file again: a hard stop, nothing written
    before = ledger_fingerprint()
    with pytest.raises(Conflict) as info:
        w.batch.import_file(w.maker, path, account=w.account.account_number, exclude_invalid=True)
    assert info.value.code == "DUPLICATE" and f"batch {b.id}" in info.value.message
    assert ledger_fingerprint() == before
    # a second file paying the same (now known) employees reuses their payees
    path2 = _write(tmp_path, "工资2026-12.csv", payroll_text(5).replace(",工资", ",12月工资"), "gbk")
    pv2 = w.batch.preview(w.maker, path2, account=w.account.account_number)
    assert (pv2.new_payees, pv2.existing_payees) == (0, 5)
    assert w.batch.import_file(w.maker, path2, account=w.account.account_number).batch.payees_created == 0


BAD_ROWS = [
    ("员工A,6214830000000017,中国工商银行深圳分行,{icbc},-1,工资", "AMOUNT_NOT_POSITIVE", "金额"),
    ("员工A,6214830000000017,中国工商银行深圳分行,{icbc},0,工资", "AMOUNT_NOT_POSITIVE", "金额"),
    ("员工A,6214830000000017,中国工商银行深圳分行,{icbc},-0,工资", "AMOUNT_NOT_POSITIVE", "金额"),
    ("员工A,6214830000000017,中国工商银行深圳分行,{icbc},1.234,工资", "AMOUNT_SCALE", "金额"),
    ("员工A,6214830000000017,中国工商银行深圳分行,{icbc}," + "9" * 40 + ",工资", "AMOUNT_RANGE", "金额"),
    ("员工A,6214830000000017,中国工商银行深圳分行,{icbc},1e2,工资", "AMOUNT_FORMAT", "金额"),
    ("员工A,6214830000000017,中国工商银行深圳分行,{icbc},0x10,工资", "AMOUNT_FORMAT", "金额"),
    ("员工A,6214830000000017,中国工商银行深圳分行,{icbc},NaN,工资", "AMOUNT_FORMAT", "金额"),
    ("员工A,6214830000000017,中国工商银行深圳分行,{icbc},Infinity,工资", "AMOUNT_FORMAT", "金额"),
    ("员工A,6214830000000017,中国工商银行深圳分行,{icbc},１２３,工资", "AMOUNT_FORMAT", "金额"),
    ("员工A,6214830000000017,中国工商银行深圳分行,{icbc},١٢٣,工资", "AMOUNT_FORMAT", "金额"),
    ("员工A,6214830000000017,中国工商银行深圳分行,{icbc},壹佰元整,工资", "AMOUNT_FORMAT", "金额"),
    ('员工A,6214830000000017,中国工商银行深圳分行,{icbc},"1,000.00",工资', "AMOUNT_SEPARATOR", "金额"),
    ("员工A,6214830000000017,中国工商银行深圳分行,{icbc},1_000,工资", "AMOUNT_SEPARATOR", "金额"),
    ("员工A,62148300000000A7,中国工商银行深圳分行,{icbc},100,工资", "ACCOUNT_FORMAT", "收款账号"),
    ("员工A,6214 830000000017,中国工商银行深圳分行,{icbc},100,工资", "ACCOUNT_FORMAT", "收款账号"),
    ("员工A,621483,中国工商银行深圳分行,{icbc},100,工资", "ACCOUNT_FORMAT", "收款账号"),
    ("员工A,755900000000001,中国工商银行深圳分行,{icbc},100,工资", "ACCOUNT_FORMAT", "收款账号"),   # = payer
    ("员工A,6214830000000017,中国工商银行深圳分行,10210000002,100,工资", "BANK_CODE", "收款行行号"),
    ("员工A,6214830000000017,中国工商银行深圳分行,999100000003,100,工资", "BANK_CODE", "收款行行号"),
    ("员工A,6214830000000017,不存在银行某某支行,,100,工资", "BANK_CODE", "收款行行号"),
    ("员工\u202eA,6214830000000017,中国工商银行深圳分行,{icbc},100,工资", "TEXT_CHARSET", "收款人名称"),
    ("员工\u200bA,6214830000000017,中国工商银行深圳分行,{icbc},100,工资", "TEXT_CHARSET", "收款人名称"),
    ("员工😀,6214830000000017,中国工商银行深圳分行,{icbc},100,工资", "TEXT_CHARSET", "收款人名称"),
    ("王䶮,6214830000000017,中国工商银行深圳分行,{icbc},100,工资", "TEXT_ENCODING", "收款人名称"),
    ("员工A,6214830000000017,中国工商银行深圳分行,{icbc},100,𠮷货款", "TEXT_ENCODING", "用途"),
    ("员" * 31 + ",6214830000000017,中国工商银行深圳分行,{icbc},100,工资", "TEXT_LENGTH", "收款人名称"),
    ("员工A,6214830000000017,中国工商银行深圳分行,{icbc},100," + "货" * 31, "TEXT_LENGTH", "用途"),
]


@pytest.mark.parametrize(("row", "code", "column"), BAD_ROWS)
def test_every_bad_row_is_refused_with_row_column_and_code(batch, tmp_path, ledger_fingerprint, row, code,
                                                            column):
    w = batch
    good = f"员工B,{card(1)},中国工商银行深圳分行,{ICBC},88.00,工资"
    text = "\n".join([HEADER_CN, good, row.format(icbc=ICBC), good.replace("员工B", "员工C").replace(card(1), card(2))])
    path = _write(tmp_path, "bad.csv", text + "\n")
    pv = w.batch.preview(w.maker, path, account=w.account.account_number)
    assert (3, column, code) in {(p.row, p.column, p.code) for p in pv.errors}, pv.errors
    assert {p.row for p in pv.errors} == {3} and len(pv.lines) == 2
    before = ledger_fingerprint()
    with pytest.raises(BatchRejected) as info:
        w.batch.import_file(w.maker, path, account=w.account.account_number)
    assert code in _codes(info.value) and "row 3" in info.value.message
    assert any((e["row"], e["column"], e["code"]) == (3, column, code) for e in info.value.to_dict()["errors"])
    assert ledger_fingerprint() == before


def _xlsx(tmp_path, rows, name="f.xlsx") -> str:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    path = tmp_path / name
    wb.save(path)
    return str(path)


FILE_CASES = {
    "empty": ("e.csv", b"", "FILE_SIZE"),
    "header only": ("h.csv", (HEADER_CN + "\n").encode(), "FILE_SIZE"),
    "utf16": ("u.csv", ("\ufeff" + HEADER_CN).encode("utf-16"), "FILE_ENCODING"),
    "not text": ("b.csv", b"\x81\x30\x81" + bytes(range(128, 256)), "FILE_ENCODING"),
    "mojibake": ("m.csv", (HEADER_CN.encode("utf-8").decode("gb18030", errors="ignore") + "\n" + "x,1,2,3,4,5\n"
                           ).encode("utf-8"), "FILE_ENCODING"),
    "renamed column": ("r.csv", (HEADER_CN.replace("收款人名称", "收款人")
                                 + "\n员工A,6214830000000017,中国工商银行深圳分行," + ICBC + ",1,工资\n").encode(),
                       "FILE_LAYOUT"),
    "missing column": ("c.csv", ("收款人名称,收款账号,收款行行号,用途\n员工A,6214830000000017,"
                                 + ICBC + ",工资\n").encode(), "FILE_LAYOUT"),
    "duplicate column": ("d.csv", (HEADER_EN + ",amount\n").encode(), "FILE_LAYOUT"),
    "duplicate rows": ("dup.csv", (HEADER_EN + "\n" + f"A,{card(1)},x,{ICBC},1.00,工资\n" * 2).encode(), "DUPLICATE"),
    "old xls": ("o.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "FILE_LAYOUT"),
    "broken xlsx": ("x.xlsx", b"PK\x03\x04garbage", "FILE_LAYOUT"),
}


@pytest.mark.parametrize("case", sorted(FILE_CASES))
def test_bad_files_are_refused_and_change_nothing(batch, tmp_path, ledger_fingerprint, case):
    w = batch
    name, data, code = FILE_CASES[case]
    path = tmp_path / name
    path.write_bytes(data)
    before = ledger_fingerprint()
    with pytest.raises(ValidationFailed) as info:
        # file-level problems refuse the file even with exclude_invalid; duplicate rows are row errors
        w.batch.import_file(w.maker, path, account=w.account.account_number,
                            exclude_invalid=case != "duplicate rows")
    assert code in _codes(info.value) or code in {p.code for p in info.value.problems}, info.value.to_dict()
    assert ledger_fingerprint() == before


def test_oversized_file_and_zip_bomb_are_file_size(batch, tmp_path, monkeypatch, ledger_fingerprint):
    import app.services.batch_import as mod

    w = batch
    before = ledger_fingerprint()
    path = _write(tmp_path, "big.csv", payroll_text(50))
    monkeypatch.setattr(mod, "MAX_FILE_BYTES", 1000)
    with pytest.raises(BatchRejected) as info:
        w.batch.preview(w.maker, path, account=w.account.account_number)
    assert _codes(info.value) == {"FILE_SIZE"}
    monkeypatch.undo()
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (600 * 1024 * 1024 // 4))
    with pytest.raises(BatchRejected) as info:
        w.batch.import_file(w.maker, bomb, account=w.account.account_number)
    assert _codes(info.value) == {"FILE_SIZE"}
    assert ledger_fingerprint() == before


def test_xlsx_formula_date_and_numeric_account_are_refused_with_row_and_column(batch, tmp_path, ledger_fingerprint):
    from datetime import datetime

    w = batch
    path = _xlsx(tmp_path, [
        HEADER_CN.split(","),
        ["员工A", card(1), "中国工商银行深圳分行", ICBC, "100.00", "工资"],
        ["员工B", card(2), "中国工商银行深圳分行", ICBC, "=SUM(1,2)", "工资"],
        ["员工C", card(3), "中国工商银行深圳分行", ICBC, datetime(2026, 1, 5), "工资"],
        ["员工D", 6214830000000017, "中国工商银行深圳分行", ICBC, 12.5, "工资"],
        ["员工E", card(5), "中国工商银行深圳分行", int(ICBC), 99.99, "工资"],
    ])
    before = ledger_fingerprint()
    pv = w.batch.preview(w.maker, path, account=w.account.account_number)
    found = {(p.row, p.column, p.code) for p in pv.errors}
    assert (3, "金额", "FILE_LAYOUT") in found and "E3" in next(p.message for p in pv.errors if p.row == 3)
    assert (4, "金额", "FILE_LAYOUT") in found and (5, "收款账号", "ACCOUNT_FORMAT") in found
    assert {line.row: line.amount_minor for line in pv.lines} == {2: 10000, 6: 9999}
    with pytest.raises(BatchRejected):
        w.batch.import_file(w.maker, path, account=w.account.account_number)
    assert ledger_fingerprint() == before
    result = w.batch.import_file(w.maker, path, account=w.account.account_number, exclude_invalid=True,
                                 errors_out=tmp_path / "errors.xlsx")
    assert result.batch.line_count == 2 and result.batch.excluded_count == 3
    ws = openpyxl.load_workbook(result.error_report).active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0][0] == "row" and [v[0] for v in values[1:]] == [3, 4, 5]
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)


def test_exclude_invalid_imports_the_rest_and_writes_an_escaped_csv_report(batch, tmp_path):
    w = batch
    rows = [HEADER_EN, f"=HYPERLINK(\"x\"),{card(1)},b,{ICBC},1.00,工资", f"ok,{card(2)},b,{ICBC},2.00,工资",
            f"@bad,{card(3)},b,{ICBC},1.234,工资"]
    path = _write(tmp_path, "s.csv", "\n".join(rows) + "\n")
    with pytest.raises(BatchRejected):
        w.batch.import_file(w.maker, path, account=w.account.account_number)
    result = w.batch.import_file(w.maker, path, account=w.account.account_number, exclude_invalid=True)
    assert result.batch.line_count == 2 and result.batch.excluded_count == 1
    assert result.error_report == tmp_path / "s.errors.csv"
    report = list(csv.reader(io.StringIO(result.error_report.read_text(encoding="utf-8-sig"))))
    assert report[1][:2] == ["4", "'@bad"] and "AMOUNT_SCALE" in report[1][-1]
    # a stored name that starts with '=' stays verbatim in the ledger; the export escapes it
    out = tmp_path / "lines.csv"
    assert w.batch.export_lines(w.maker, result.batch.id, out) == 2
    exported = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert exported[1][2] == "'=HYPERLINK(\"x\")"
    assert any(p.payee_name == '=HYPERLINK("x")' for p in w.services.payments.list(w.maker))


def test_cnaps_lookup_by_branch_name_is_shown_and_stored(batch, tmp_path):
    w = batch
    rows = [HEADER_CN, f"员工A,{card(1)},工商银行杭州钱塘支行,,100.00,工资",
            f"员工B,{card(2)},中国工商银行股份有限公司北京金台路支行,,200.00,",
            f"员工C,{card(3)},中国工商银行,,1.00,工资"]
    path = _write(tmp_path, "p.csv", "\n".join(rows) + "\n")
    pv = w.batch.preview(w.maker, path, account=w.account.account_number)
    chosen = {line.row: (line.bank_code, line.resolved_branch) for line in pv.resolved_branches}
    assert chosen == {2: ("102331005059", "中国工商银行股份有限公司杭州钱塘支行"),
                      3: ("102100002020", "中国工商银行股份有限公司北京金台路支行")}
    assert [(p.row, p.code) for p in pv.errors] == [(4, "BANK_CODE")] and "not a branch" in pv.errors[0].message
    assert {(p.row, p.code) for p in pv.problems if not p.is_error} >= {(2, "BANK_CODE_LOOKUP")}
    result = w.batch.import_file(w.maker, path, account=w.account.account_number, exclude_invalid=True)
    lines = w.batch.lines(w.maker, result.batch.id)
    assert [(line.row, line.bank_code, line.purpose) for line in lines] == [(2, "102331005059", "工资"),
                                                                            (3, "102100002020", "工资")]


def test_existing_payee_with_another_name_or_unconfirmed_is_a_row_error(batch, tmp_path, ledger_fingerprint):
    w = batch
    rows = [HEADER_CN, f"另一个名字,{w.payee.account_number},工行,{w.payee.cnaps_code},1.00,货款"]
    path = _write(tmp_path, "n.csv", "\n".join(rows) + "\n")
    before = ledger_fingerprint()
    with pytest.raises(BatchRejected) as info:
        w.batch.import_file(w.maker, path, account=w.account.account_number, profile="supplier")
    assert _codes(info.value) == {"PAYEE_NAME_MISMATCH"}
    p2 = w.payee2
    w.services.master_data.update_payee(w.admin, p2.id, p2.version, {
        "name": "浦江物流", "account_number": p2.account_number, "bank_name": "中国建设银行", "branch_name": "x",
        "cnaps_code": p2.cnaps_code, "kind": "corporate"})
    rows = [HEADER_CN, f"浦江物流,{p2.account_number},建行,{p2.cnaps_code},1.00,货款"]
    path = _write(tmp_path, "u.csv", "\n".join(rows) + "\n")
    before = ledger_fingerprint()
    with pytest.raises(BatchRejected) as info:
        w.batch.import_file(w.maker, path, account=w.account.account_number, profile="supplier")
    assert _codes(info.value) == {"PAYEE_UNCONFIRMED"}
    assert ledger_fingerprint() == before


def test_profiles_saved_by_name_map_other_headers(batch, tmp_path):
    w = batch
    with pytest.raises(ValidationFailed):
        w.batch.save_profile(w.maker, {"name": "payroll"})
    w.batch.save_profile(w.maker, {"name": "招行代发", "base": "payroll", "columns": {
        "payee_name": "姓名", "payee_account": "卡号", "amount": "实发金额", "bank_name": "开户行"},
        "default_purpose": "代发"})
    names = [p.name for p in w.batch.profiles(w.maker)]
    assert names[:2] == ["payroll", "supplier"] and "招行代发" in names
    path = _write(tmp_path, "z.csv", f"姓名,卡号,开户行,收款行行号,实发金额\n张三,{card(9)},工行,{ICBC},5000.00\n",
                  "gbk")
    pv = w.batch.preview(w.maker, path, account=w.account.account_number, profile="招行代发")
    assert not pv.errors and pv.lines[0].purpose == "代发" and pv.lines[0].amount_minor == 500000
    with pytest.raises(Exception) as info:
        w.batch.preview(w.maker, path, account=w.account.account_number, profile="nope")
    assert getattr(info.value, "code", "") == "PROFILE"


def test_maker_role_required_and_supplier_purpose_required(batch, tmp_path):
    w = batch
    path = _write(tmp_path, "s.csv", f"{HEADER_CN}\n公司,{'1' * 12},工行,{ICBC},1.00,\n")
    with pytest.raises(Exception) as info:
        w.batch.import_file(w.actor("approver1"), path, account=w.account.account_number)
    assert getattr(info.value, "code", "") == "PERMISSION_DENIED"
    pv = w.batch.preview(w.maker, path, account=w.account.account_number, profile="supplier")
    assert [(p.row, p.column, p.code) for p in pv.errors] == [(2, "用途", "TEXT_REQUIRED")]
