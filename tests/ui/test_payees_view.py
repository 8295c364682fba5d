from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import Qt

from tests.ui.fakes import make_fake_services
from ui.csv_export import escape_cell, write_csv
from ui.models.lazy_table import PLACEHOLDER
from ui.ops import wait_idle
from ui.views.payees import PayeesView

PAYEE = {"account_number": "6222020200112233", "bank_name": "中国工商银行", "branch_name": "中国工商银行上海分行",
         "cnaps_code": "102100099996", "uscc": None, "kind": "corporate"}


@pytest.fixture
def view_with_payees(qtbot, ui_services, admin_actor):
    md = ui_services.master_data
    for i, name in enumerate(["=HYPERLINK(\"http://evil\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
                              "甲乙物流有限公司", "丙丁贸易有限公司"]):
        md.add_payee(admin_actor, {**PAYEE, "name": name, "account_number": f"622202020011{i:04d}"})
    view = PayeesView(ui_services, admin_actor)
    qtbot.addWidget(view)
    view.resize(1000, 500)
    view.show()
    view.refresh()
    assert wait_idle(20)
    return view


def _names(view):
    model = view.model
    out = []
    for row in range(model.rowCount()):
        text = model.data(model.index(row, 1))
        if text == PLACEHOLDER:
            wait_idle(20)
            text = model.data(model.index(row, 1))
        out.append(text)
    return out


def test_rows_load_in_the_background_and_numbers_are_right_aligned(qtbot, view_with_payees, ui_services,
                                                                  admin_actor):
    view = view_with_payees
    assert view.model.rowCount() == ui_services.master_data.count_payees(admin_actor)
    assert "甲乙物流有限公司" in _names(view)
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    account_col = [c.key for c in view.model.columns].index("account_number")
    assert view.model.data(view.model.index(0, account_col), Qt.ItemDataRole.TextAlignmentRole) == right
    assert view.count_label.text()


def test_search_is_debounced_and_filters(qtbot, view_with_payees):
    view = view_with_payees
    calls = []
    original = view.model.order
    view.model.order = lambda key, desc: calls.append(key) or original(key, desc)
    for ch in "甲乙":
        view.search.insert(ch)                               # typing (QTest cannot type CJK)
    assert calls == []                                       # nothing until typing pauses
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=3000)
    assert wait_idle(20)
    assert _names(view) == ["甲乙物流有限公司"]
    assert len(calls) == 1


def test_clicking_a_header_sorts_through_the_service(qtbot, view_with_payees):
    view = view_with_payees
    names_asc = _names(view)
    assert names_asc == sorted(names_asc)
    header = view.table.horizontalHeader()
    header.setSortIndicator(1, Qt.SortOrder.DescendingOrder)  # what a header click does
    assert wait_idle(20)
    assert view.model.sort_key == "name" and view.model.descending
    assert _names(view) == sorted(names_asc, reverse=True)


def test_export_escapes_formula_cells(qtbot, view_with_payees, tmp_path):
    view = view_with_payees
    path = tmp_path / "payees.csv"
    op = view.export_csv(path)
    qtbot.waitUntil(lambda: op.finished, timeout=10_000)
    assert op.error is None
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    names = [r[1] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://evil\")" in names
    assert "'+cmd|' /C calc'!A0" in names
    assert "'-2+3" in names and "'@SUM(A1:A2)" in names
    assert "甲乙物流有限公司" in names                          # ordinary text untouched
    assert op.result == len(rows) - 1
    assert "payees" in view.count_label.text() or str(path) in view.count_label.text()


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("a=b", "a=b"), ("", ""), (None, ""), (12, "12"), ("收款人", "收款人"),
])
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


def test_write_csv_is_atomic_and_counts_rows(tmp_path):
    path = tmp_path / "x.csv"
    assert write_csv(path, ["a"], [["=1"], ["2"]]) == 2
    assert not (tmp_path / "x.csv.tmp").exists()
    assert path.read_text(encoding="utf-8-sig").splitlines() == ["a", "'=1", "2"]


def test_payee_table_is_lazy_over_many_rows(qtbot, settings):
    """Only the visible page is fetched even when the ledger holds many payees."""
    services, _led = make_fake_services(payees=1500)
    actor = services.auth.login("admin", "admin-password-1")
    fetched = []
    original = services.master_data.get_payees
    services.master_data.get_payees = lambda a, ids: fetched.append(len(ids)) or original(a, ids)
    view = PayeesView(services, actor)
    qtbot.addWidget(view)
    view.resize(900, 400)
    view.show()
    view.refresh()
    assert wait_idle(20)
    qtbot.waitUntil(lambda: bool(fetched), timeout=5000)
    assert wait_idle(20)
    assert view.model.rowCount() == 1500
    assert sum(fetched) <= 400                               # one or two pages of 200, not 1,500 rows
