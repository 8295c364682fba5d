"""Balances in the accounts view and on the dashboard, transaction details, the message log."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor

from tests.ui.bank_fakes import FakeBankData, FakeProfiles, message, transaction
from ui.banking_text import CREDIT_COLOUR, DEBIT_COLOUR
from ui.models.lazy_table import PLACEHOLDER
from ui.ops import run_and_wait, wait_idle
from ui.views.accounts import AccountsView
from ui.views.dashboard import DashboardView
from ui.views.message_log import MessageLogView
from ui.views.transactions import TransactionsView

SHOTS = Path("/tmp/shots")
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
SECOND = {"bank_name": "中国工商银行", "branch_name": "中国工商银行北京分行", "cnaps_code": "102100099996",
          "account_number": "0200001234567890", "account_name": "测试有限公司", "currency": "CNY"}
FIRST = {**SECOND, "bank_name": "招商银行", "branch_name": "招商银行深圳分行营业部", "cnaps_code": "308584000013",
         "account_number": "755912345610801", "plugin_id": "cmb_fbsdk"}


@pytest.fixture
def bank(ui_services, admin_actor, monkeypatch):
    """(services, fake bank data, account ids): two accounts; the bank side is an in-memory fake."""
    md = ui_services.master_data
    existing = {a.account_number: a.id for a in md.list_accounts(admin_actor)}
    ids = []
    for fields in (FIRST, SECOND):
        if fields["account_number"] in existing:
            ids.append(existing[fields["account_number"]])
        else:
            saved = run_and_wait(lambda f=fields: md.add_account(admin_actor, f))
            ids.append(getattr(saved, "entity", saved).id)
    data = FakeBankData(md)
    monkeypatch.setattr(ui_services, "bank_data", data, raising=False)
    if getattr(ui_services, "profiles", None) is None:
        monkeypatch.setattr(ui_services, "profiles", FakeProfiles(md), raising=False)
    return ui_services, data, ids


def _col(view, key):
    return [c.key for c in view.model.columns].index(key)


def _text(model, row, col):
    value = model.data(model.index(row, col))
    if value == PLACEHOLDER:
        assert wait_idle(20)
        value = model.data(model.index(row, col))
    return value


def test_balances_are_formatted_right_aligned_and_refresh_in_the_background(qtbot, bank, admin_actor):
    services, data, (first, second) = bank
    view = AccountsView(services, admin_actor)
    qtbot.addWidget(view)
    view.resize(1280, 420)
    view.show()
    view.refresh()
    assert wait_idle(20)
    rows = {a.id: i for i, a in enumerate(view.model.rows())}
    balance = _col(view, "balance")
    assert view.model.data(view.model.index(rows[first], balance)) == "not queried yet"
    data.next_balances = {first: (123_456_789, 123_500_000), second: (-5_00, 0)}
    op = view.refresh_balances()
    assert op is not None and view.progress.isVisible() and not view.refresh_balances_button.isEnabled()
    assert view.refresh_balances() is None                       # one refresh at a time
    assert wait_idle(20)
    assert data.refresh_calls == 1
    assert view.model.data(view.model.index(rows[first], balance)) == "1,234,567.89"
    assert view.model.data(view.model.index(rows[first], _col(view, "ledger"))) == "1,235,000.00"
    assert view.model.data(view.model.index(rows[second], balance)) == "-5.00"
    assert view.model.data(view.model.index(rows[first], balance), Qt.ItemDataRole.TextAlignmentRole) == RIGHT
    assert view.model.data(view.model.index(rows[first], _col(view, "as_of")))      # as-of time shown
    assert not view.progress.isVisible() and view.refresh_balances_button.isEnabled()
    view.grab().save(str(SHOTS / "bank_accounts_balances.png"))


def test_a_failed_balance_query_is_shown_per_account(qtbot, bank, admin_actor):
    from app.domain.banking import AccountBalance

    services, data, (first, _second) = bank
    data.balances[first] = AccountBalance(first, FIRST["account_number"], "招商银行", "CNY", None, None, None,
                                          error="the bank did not answer in time")
    view = AccountsView(services, admin_actor)
    qtbot.addWidget(view)
    view.refresh()
    assert wait_idle(20)
    row = [a.id for a in view.model.rows()].index(first)
    index = view.model.index(row, _col(view, "balance"))
    assert view.model.data(index) == "query failed"
    assert view.model.data(index, Qt.ItemDataRole.ForegroundRole).color() == QColor("#c62828")
    assert "did not answer" in view.balance_status.text()


def test_dashboard_shows_totals_chart_and_certificate_warnings(qtbot, bank, admin_actor, monkeypatch):
    services, data, (first, second) = bank
    data.next_balances = {first: (100_000_00, 100_000_00), second: (250_000_00, 250_000_00)}
    run_and_wait(lambda: data.refresh_balances(admin_actor))
    fake = FakeProfiles(services.master_data)
    fake.cert_days = [("client", 6), ("ca", 25), ("bank_signing", 50), ("ca", 500), ("client", -2)]
    monkeypatch.setattr(services, "profiles", fake, raising=False)
    view = DashboardView(services, admin_actor)
    qtbot.addWidget(view)
    view.resize(1100, 760)
    view.show()
    view.refresh()
    assert wait_idle(20)
    assert view.bank is not None
    panel = view.bank_panel
    labels = panel.warning_labels()
    assert [lbl.property("level") for lbl in labels] == ["expired", "warn7", "warn30", "warn60"]
    assert panel.cert_box.isVisible()
    assert "6" in labels[1].text()
    model = panel.totals_model
    totals = {model.data(model.index(r, 0)): model.data(model.index(r, 3)) for r in range(model.rowCount())}
    assert totals == {"中国工商银行": "250,000.00", "招商银行": "100,000.00"}
    assert model.data(model.index(0, 3), Qt.ItemDataRole.TextAlignmentRole) == RIGHT
    from ui.widgets.bank_overview import HAVE_CHARTS
    if HAVE_CHARTS:
        series = panel.chart.series()
        assert len(series) == 1 and series[0].barSets()[0].count() == 2
    view.grab().save(str(SHOTS / "bank_dashboard.png"))


@pytest.fixture
def transactions_view(qtbot, bank, admin_actor):
    services, data, (first, second) = bank
    today = date.today()
    data.bank_transactions[first] = [
        transaction(1, first, -1_234_56, "甲乙物流有限公司", today - timedelta(days=3), "PAY0001"),
        transaction(2, first, 50_000_00, "丙丁贸易有限公司", today - timedelta(days=2)),
        transaction(3, first, -99, "=HYPERLINK(\"http://evil\")", today - timedelta(days=1)),
        transaction(4, first, 10_00, "很久以前", today - timedelta(days=200)),
    ]
    view = TransactionsView(services, admin_actor)
    qtbot.addWidget(view)
    view.resize(1280, 500)
    view.show()
    view.refresh()
    assert wait_idle(20)
    view.account.setCurrentIndex(view.account.findData(first))
    assert wait_idle(20)
    return view, data


def test_fetch_then_rows_are_signed_coloured_and_right_aligned(qtbot, transactions_view):
    view, data = transactions_view
    assert view.model.rowCount() == 0
    op = view.fetch()
    assert op is not None and view.progress.isVisible()
    assert wait_idle(20)
    assert view.model.rowCount() == 3                                  # the 200-day-old entry is out of range
    amount = _col(view, "amount")
    assert [_text(view.model, r, amount) for r in range(3)] == ["-1,234.56", "50,000.00", "-0.99"]
    brush = view.model.data(view.model.index(0, amount), Qt.ItemDataRole.ForegroundRole)
    assert brush.color() == QColor(DEBIT_COLOUR)
    assert view.model.data(view.model.index(1, amount), Qt.ItemDataRole.ForegroundRole).color() == QColor(CREDIT_COLOUR)
    assert view.model.data(view.model.index(0, amount), Qt.ItemDataRole.TextAlignmentRole) == RIGHT
    assert "3" in view.status.text()
    view.grab().save(str(SHOTS / "bank_transactions.png"))


def test_filter_sort_and_date_range(qtbot, transactions_view):
    view, _data = transactions_view
    view.fetch()
    assert wait_idle(20)
    for ch in "丙丁":
        view.filter.insert(ch)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=3000)
    assert wait_idle(20)
    assert _text(view.model, 0, _col(view, "counterparty_name")) == "丙丁贸易有限公司"
    view.filter.clear()
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=3000)
    view.table.horizontalHeader().setSortIndicator(_col(view, "amount"), Qt.SortOrder.DescendingOrder)
    assert wait_idle(20)
    amount = _col(view, "amount")
    assert [_text(view.model, r, amount) for r in range(3)] == ["50,000.00", "-0.99", "-1,234.56"]
    view.date_from.setDate(QDate.currentDate().addDays(-1))
    assert wait_idle(20)
    assert view.model.rowCount() == 1


def test_csv_export_escapes_formulas_and_splits_debit_credit(qtbot, transactions_view, tmp_path):
    view, _data = transactions_view
    view.fetch()
    assert wait_idle(20)
    path = tmp_path / "tx.csv"
    view.export_csv(path)
    assert wait_idle(20)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    debit, credit, name = header.index("Debit"), header.index("Credit"), header.index("Counterparty")
    assert [(r[debit], r[credit]) for r in rows[1:]] == [("1234.56", ""), ("", "50000.00"), ("0.99", "")]
    assert rows[3][name] == "'=HYPERLINK(\"http://evil\")"


def test_fetch_needs_a_valid_range(qtbot, transactions_view):
    view, data = transactions_view
    view.date_from.setDate(QDate.currentDate().addDays(5))
    view.date_to.setDate(QDate.currentDate())
    assert view.fetch() is None
    assert view.status.text()


def test_message_log_lists_shows_masked_detail_and_exports(qtbot, bank, admin_actor, tmp_path):
    services, data, _ids = bank
    data.messages = [message(0, "request", "<CMBSDKPGK><INFO><FUNNAM>GetAccInfo</FUNNAM><LGNNAM>d***o</LGNNAM>"
                                           "<ACCNBR>7559****0801</ACCNBR></INFO></CMBSDKPGK>", status=None),
                     message(1, "response", "<CMBSDKPGK><INFO><RETCOD>0</RETCOD></INFO>余额</CMBSDKPGK>"),
                     message(2, "error", "", status=None, error_code="READ_TIMEOUT")]
    view = MessageLogView(services, admin_actor)
    qtbot.addWidget(view)
    view.resize(1100, 640)
    view.show()
    view.refresh()
    assert wait_idle(20)
    assert view.model.rowCount() == 3
    assert "3" in view.count_label.text()
    status = _col(view, "status")
    assert _text(view.model, 1, status) == "200"
    assert _text(view.model, 2, status) == "READ_TIMEOUT"
    assert view.model.data(view.model.index(2, status), Qt.ItemDataRole.ForegroundRole) is not None
    assert view.model.data(view.model.index(1, status), Qt.ItemDataRole.ForegroundRole) is None
    view.table.selectRow(0)
    assert "7559****0801" in view.detail.toPlainText()
    assert "GetAccInfo" in view.detail.toPlainText()
    view.grab().save(str(SHOTS / "bank_message_log.png"))
    path = tmp_path / "log.txt"
    view.export(path)
    assert wait_idle(20)
    assert data.exported == [path] and "余额" in path.read_text(encoding="utf-8")
    assert str(path) in view.count_label.text()
