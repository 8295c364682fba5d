"""Issue 7, the batch view: supplier lines show the invoices they pay (发票/附言) — read with the lines in one query,
exported with the results (formula-escaped) — and the lines table sorts on the server: every column's order is read
page by page from the database (ties in file order), never the whole batch loaded and sorted in memory."""

from __future__ import annotations

import csv
from datetime import date

import openpyxl
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import event

from app.domain.errors import DomainError
from app.domain.identifiers import cnaps_check_digit
from app.domain.remittance import EMPTY_REMITTANCE, ReferredDocument, Remittance
from app.services.batch_results import LINE_SORT_KEYS, RESULT_HEADERS
from storage.batch_repositories import LINE_SORT_COLUMNS
from ui.ops import wait_idle
from ui.views.batches import PAGE_SIZE, BatchesView, BatchLinesTableModel

ICBC = "10210000023" + cnaps_check_digit("10210000023")
SUPPLIER_HEADER = "收款人名称,收款账号,收款行名称,收款行行号,金额,用途,发票号,发票日期,汇款附言"
PAYROLL_HEADER = "收款人名称,收款账号,收款行名称,收款行行号,金额,用途"
# (name, amount, invoice numbers, invoice dates, reference): ties on the amount (300.00 ×3, 50.00 ×2), a line
# without remittance, one with a reference alone, one whose reference a spreadsheet would run as a formula.
ROWS = [
    ("深圳市华强电子有限公司", "300.00", "INV-001;INV-002;INV-003;INV-004", "2026-11-01", "PO-778"),
    ("上海浦江物流有限公司", "50.00", "", "", ""),
    ("北京某某科技有限公司", "1200.00", "A-17", "2026-10-02", ""),
    ("广州恒达贸易有限公司", "300.00", "", "", "合同2026-09"),
    ("杭州西湖软件有限公司", "7.50", "B/9;B/10", "2026-09-30;2026-10-01", "=SUM(A1)"),
    ("成都天府机械有限公司", "300.00", "C1", "", ""),
    ("武汉长江化工有限公司", "50.00", "D-2", "2026-11-03", "PO-9"),
]


def _supplier_file(tmp_path, rows=ROWS, name="供应商付款.csv"):
    lines = [SUPPLIER_HEADER] + [f"{n},7559{i:08d}01,中国工商银行深圳分行,{ICBC},{a},货款,{inv},{d},{ref}"
                                 for i, (n, a, inv, d, ref) in enumerate(rows)]
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    return path


def _import_supplier(w, tmp_path, rows=ROWS, name="供应商付款.csv"):
    return w.services.batch_import.import_file(w.actor("maker"), str(_supplier_file(tmp_path, rows, name)),
                                               account=w.account.account_number, profile="supplier").batch


def _import_payroll(w, tmp_path, n: int):
    lines = [PAYROLL_HEADER] + [f"员工{i:04d},6214{i:08d}5555,中国工商银行深圳分行,{ICBC},{100 + i}.00,工资"
                                for i in range(n)]
    path = tmp_path / "工资.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    return w.services.batch_import.import_file(w.actor("maker"), str(path), account=w.account.account_number).batch


# -- service and repository -------------------------------------------------------------------------------------
def test_lines_carry_their_remittance_read_in_the_same_query(payment_world, tmp_path, app_context):
    w = payment_world
    batch = _import_supplier(w, tmp_path)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)
    engine = app_context.ledger.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        lines = w.services.batch_results.lines(w.actor("maker"), batch.id, 0, 100)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    reads = [s for s in statements if "payment_requests" in s and "remittance" in s]
    assert len(reads) == 1, statements          # the page and its remittance: one statement, nothing per line
    by_row = {line.row: line for line in lines}
    assert by_row[2].remittance == Remittance(tuple(ReferredDocument(f"INV-00{k}", date(2026, 11, 1))
                                                    for k in range(1, 5)), "PO-778")
    assert by_row[3].remittance is EMPTY_REMITTANCE
    assert by_row[5].remittance == Remittance((), "合同2026-09")
    assert by_row[6].remittance.invoice_numbers == ("B/9", "B/10")
    assert [d.issued for d in by_row[6].remittance.documents] == [date(2026, 9, 30), date(2026, 10, 1)]


def _expected(lines, field, descending):
    """Python's order of the whole batch: the key (None as ""), ties by the row ascending."""
    def key(line):
        value = getattr(line, field)
        if field == "remittance":
            value = value.to_json() if value else ""
        return "" if value is None else value
    ordered = sorted(lines, key=lambda line: line.row)
    ordered.sort(key=key, reverse=descending)              # stable: ties keep the file order
    return [line.row for line in ordered]


FIELD_OF = {"row": "row", "payment_id": "payment_id", "payee_name": "payee_name", "payee_account": "payee_account",
            "bank_code": "bank_code", "amount": "amount_minor", "currency": "currency", "purpose": "purpose",
            "status": "status", "client_reference": "client_reference", "bank_code_result": "bank_code_result",
            "bank_text": "bank_text", "remittance": "remittance"}


@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_key_is_read_page_by_page_in_sql_order(payment_world, tmp_path, descending):
    w = payment_world
    maker = w.actor("maker")
    batch = _import_supplier(w, tmp_path)
    results = w.services.batch_results
    everything = results.lines(maker, batch.id, 0, 100)
    assert set(LINE_SORT_KEYS) == set(LINE_SORT_COLUMNS) == set(FIELD_OF)     # one whitelist, both layers
    for key in LINE_SORT_KEYS:
        paged = [line.row for offset in range(0, len(everything), 3)
                 for line in results.lines(maker, batch.id, offset, 3, sort=key, descending=descending)]
        assert paged == _expected(everything, FIELD_OF[key], descending), key
    amounts = [line.amount_minor for line in results.lines(maker, batch.id, 0, 100, sort="amount",
                                                           descending=True)]
    assert amounts == [120000, 30000, 30000, 30000, 5000, 5000, 750]
    ties = results.lines(maker, batch.id, 1, 3, sort="amount", descending=True)
    assert [line.row for line in ties] == [2, 5, 7]                     # the 300.00 lines in file order
    assert ties[0].remittance.reference == "PO-778"


def test_an_unknown_sort_key_is_refused(payment_world, tmp_path):
    w = payment_world
    batch = _import_supplier(w, tmp_path)
    with pytest.raises(DomainError) as info:
        w.services.batch_results.lines(w.actor("maker"), batch.id, 0, 10, sort="amount_minor; DROP TABLE payees")
    assert info.value.code == "BAD_SORT_KEY"


# -- export -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_has_the_remittance_columns_formula_escaped(payment_world, tmp_path, suffix):
    w = payment_world
    batch = _import_supplier(w, tmp_path)
    out = tmp_path / f"results{suffix}"
    assert w.services.batch_results.export(w.actor("maker"), batch.id, out) == len(ROWS)
    if suffix == ".csv":
        with open(out, encoding="utf-8-sig", newline="") as fh:
            table = list(csv.reader(fh))
    else:
        table = [["" if v is None else v for v in row]
                 for row in openpyxl.load_workbook(out, read_only=True).active.iter_rows(values_only=True)]
    assert table[0] == RESULT_HEADERS and table[0][-3:] == ["invoice_number", "invoice_date", "remittance_ref"]
    by_row = {int(r[0]): r[-3:] for r in table[1:]}
    assert by_row[2] == ["INV-001;INV-002;INV-003;INV-004", "2026-11-01;2026-11-01;2026-11-01;2026-11-01", "PO-778"]
    assert by_row[3] == ["", "", ""]
    assert by_row[5] == ["", "", "合同2026-09"]
    assert by_row[6] == ["B/9;B/10", "2026-09-30;2026-10-01", "'=SUM(A1)"]     # a formula stays text
    assert by_row[7] == ["C1", "", ""]


# -- the model: sorting pages lazily --------------------------------------------------------------------------------
class Line:
    def __init__(self, row: int, amount: int):
        self.row, self.payment_id, self.payee_name, self.payee_account = row, 1000 + row, f"供应商{row}", "7559"
        self.amount_minor, self.purpose, self.status = amount, "货款", "PENDING_APPROVAL"
        self.bank_code_result = self.bank_text = self.client_reference = None
        self.remittance = EMPTY_REMITTANCE


def test_sorting_asks_for_one_page_of_the_new_order_and_drops_the_old_pages():
    calls: list[tuple] = []
    queued: list = []

    def fetch(offset, limit, sort="row", descending=False):
        calls.append((offset, limit, sort, descending))
        rows = range(offset, min(offset + limit, 450))
        return [Line(450 - i if descending else i + 2, 10 * i) for i in rows]

    def run_all():
        while queued:
            fn, done = queued.pop(0)
            done(fn())

    model = BatchLinesTableModel(fetch, runner=lambda fn, done: queued.append((fn, done)), page_size=100)
    model.reset(450)
    run_all()
    assert calls == [(0, 100, "row", False)] and model.is_loaded(0)
    amount = [c.key for c in model.columns].index("amount")
    model.sort(amount, Qt.SortOrder.DescendingOrder)
    assert not model.is_loaded(0) and model.index(0, 1).data() == model.PLACEHOLDER   # old order gone at once
    run_all()
    assert calls[1:] == [(0, 100, "amount", True)]              # one page of the new order, not fetch(0, 450)
    assert model.index(0, 0).data() == "450" and not model.is_loaded(100)
    assert model.index(250, 1).data() == model.PLACEHOLDER    # painting further asks for that page alone
    run_all()
    assert calls[2:] == [(200, 100, "amount", True)] and model.index(250, 0).data() == "200"
    # a page of the previous order arriving late is ignored
    model.sort(0, Qt.SortOrder.AscendingOrder)
    stale = queued.pop(0)
    model.sort(amount, Qt.SortOrder.AscendingOrder)
    stale[1](stale[0]())
    assert not model.is_loaded(0)
    run_all()
    assert calls[-1] == (0, 100, "amount", False) and model.index(0, 0).data() == "2"
    assert max(limit for _o, limit, _s, _d in calls) == 100


def test_remittance_cell_is_compact_and_its_tooltip_lists_every_invoice():
    model = BatchLinesTableModel(lambda o, n: [], page_size=10)
    line = Line(2, 100)
    line.remittance = Remittance(tuple(ReferredDocument(f"INV-00{k}", date(2026, 11, k)) for k in range(1, 6)),
                                 "PO-778")
    assert model.remittance_text(line) == "INV-001 (2026-11-01) +4 | PO-778"
    tip = model.remittance_tooltip(line)
    assert all(f"INV-00{k}  2026-11-0{k}" in tip for k in range(1, 6)) and "PO-778" in tip
    line.remittance = Remittance((ReferredDocument("A-17"),))
    assert model.remittance_text(line) == "A-17"
    line.remittance = Remittance((), "合同2026-09")
    assert model.remittance_text(line) == "合同2026-09"
    line.remittance = EMPTY_REMITTANCE
    assert model.remittance_text(line) == "" and model.remittance_tooltip(line) is None


# -- the view ----------------------------------------------------------------------------------------------------
class Recorder:
    def __init__(self, inner):
        self.inner, self.calls = inner, []

    def lines(self, actor, batch_id, offset=0, limit=1000, **order):
        self.calls.append((batch_id, offset, limit, order))
        return self.inner.lines(actor, batch_id, offset, limit, **order)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_view_shows_invoices_and_sorts_on_the_server(qtbot, payment_world, tmp_path, monkeypatch):
    w = payment_world
    payroll = _import_payroll(w, tmp_path, PAGE_SIZE + 30)
    supplier = _import_supplier(w, tmp_path)
    recorder = Recorder(w.services.batch_results)
    monkeypatch.setattr(w.services, "batch_results", recorder)
    view = BatchesView(w.services, w.actor("approver1"))
    qtbot.addWidget(view)
    view.resize(1500, 700)
    view.show()
    view.refresh()
    assert wait_idle(20) and view.selected().batch.id == supplier.id
    model, col = view.lines_model, view.remittance_column
    assert not view.lines_table.isColumnHidden(col)
    assert model.index(0, col).data() == "INV-001 (2026-11-01) +3 | PO-778"
    tip = model.index(0, col).data(Qt.ItemDataRole.ToolTipRole)
    assert "INV-004  2026-11-01" in tip and "PO-778" in tip
    assert model.index(1, col).data() == "" and model.index(1, col).data(Qt.ItemDataRole.ToolTipRole) is None

    recorder.calls.clear()
    amount = [c.key for c in model.columns].index("amount")
    view.lines_table.sortByColumn(amount, Qt.SortOrder.DescendingOrder)
    assert wait_idle(20)
    assert recorder.calls == [(supplier.id, 0, PAGE_SIZE, {"sort": "amount", "descending": True})]
    assert [model.index(r, 0).data() for r in range(7)] == ["4", "2", "5", "7", "3", "8", "6"]
    assert model.index(0, amount).data() == "1,200.00" and model.index(0, col).data() == "A-17 (2026-10-02)"

    # a payroll batch: no remittance column; it keeps the order chosen, still one page at a time
    recorder.calls.clear()
    view.select_batch(payroll.id)
    assert wait_idle(20)
    assert view.lines_table.isColumnHidden(col)
    assert recorder.calls == [(payroll.id, 0, PAGE_SIZE, {"sort": "amount", "descending": True})]
    assert model.rowCount() == PAGE_SIZE + 30 and model.index(0, amount).data() == f"{100 + PAGE_SIZE + 29:,}.00"
    view.lines_table.scrollToBottom()
    assert wait_idle(20)
    qtbot.waitUntil(lambda: model.is_loaded(PAGE_SIZE + 29), timeout=5_000)
    assert recorder.calls[1:] == [(payroll.id, PAGE_SIZE, PAGE_SIZE, {"sort": "amount", "descending": True})]
    assert model.index(PAGE_SIZE + 29, amount).data() == "100.00"
