"""Dashboard section for the banks: certificate expiry warnings (60 / 30 / 7 days, expired), balance totals per
bank and currency, and a bar chart of balances by bank (QtCharts; a plain table when QtCharts is missing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError
from app.domain.users import Actor
from app.services import Services
from ui.banking_text import (
    LEVEL_BACKGROUNDS,
    LEVEL_FOREGROUNDS,
    amount_text,
    cert_kind,
    level_text,
    urgent_first,
)
from ui.models.lazy_table import Column
from ui.models.rows_table import RowsTableModel

try:  # QtCharts comes with PySide6-Addons; the dashboard works without it
    from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
    HAVE_CHARTS = True
except ImportError:  # pragma: no cover - depends on the installation
    HAVE_CHARTS = False


@dataclass(frozen=True)
class BankOverview:
    warnings: list[Any] = field(default_factory=list)      # CertificateInfo with level != "ok", urgent first
    totals: list[Any] = field(default_factory=list)        # BankTotal
    certificates_visible: bool = True                      # False: the actor may not read profiles


def load_bank_overview(services: Services, actor: Actor) -> BankOverview:
    """Runs on the background worker."""
    totals = list(services.bank_data.totals_by_bank(actor))
    try:
        certs = services.profiles.certificates(actor)
    except DomainError:
        return BankOverview([], totals, False)
    return BankOverview([c for c in urgent_first(list(certs)) if c.level != "ok"], totals)


def chart_value(total_minor: int) -> int:
    """Whole currency units for the bar height (display only; the table shows the exact amount)."""
    return total_minor // 100


class BankOverviewPanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("bankOverview")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.cert_box = QFrame(self)
        self.cert_box.setObjectName("certWarningsBox")
        self.cert_box.setFrameShape(QFrame.Shape.StyledPanel)
        box = QVBoxLayout(self.cert_box)
        self.cert_title = QLabel(self.tr("Certificates expiring"), self.cert_box)
        self.cert_title.setObjectName("certWarningsTitle")
        self.cert_title.setStyleSheet("font-weight: bold; font-size: 15px;")
        box.addWidget(self.cert_title)
        self.cert_lines = QVBoxLayout()
        box.addLayout(self.cert_lines)
        self.cert_box.hide()
        layout.addWidget(self.cert_box)
        row = QHBoxLayout()
        self.totals_model = RowsTableModel([
            Column("bank_name", self.tr("Bank"), lambda t: t.bank_name),
            Column("currency", self.tr("Currency"), lambda t: t.currency),
            Column("accounts", self.tr("Accounts"), lambda t: f"{t.accounts:,}", numeric=True),
            Column("total", self.tr("Total balance"), lambda t: amount_text(t.total_minor), numeric=True),
        ], parent=self)
        self.totals_table = QTableView(self)
        self.totals_table.setObjectName("bankTotalsTable")
        self.totals_table.setModel(self.totals_model)
        self.totals_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.totals_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.totals_table.verticalHeader().hide()
        self.totals_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.totals_table.horizontalHeader().setStretchLastSection(True)
        row.addWidget(self.totals_table, 1)
        self.chart_view: Any = None
        if HAVE_CHARTS:
            self.chart = QChart()
            self.chart.setTitle(self.tr("Balances by bank"))
            self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
            self.chart_view = QChartView(self.chart, self)
            self.chart_view.setObjectName("balancesChart")
            self.chart_view.setMinimumSize(220, 220)
            row.addWidget(self.chart_view, 1)
        self.no_balances = QLabel(self.tr("No balances yet: refresh them under Accounts and balances."), self)
        self.no_balances.setObjectName("noBalancesLabel")
        self.no_balances.setWordWrap(True)
        layout.addWidget(self.no_balances)
        layout.addLayout(row)

    def show_overview(self, data: BankOverview) -> None:
        self._show_warnings(data.warnings)
        self.totals_model.set_rows(data.totals)
        self.no_balances.setVisible(not data.totals)
        if HAVE_CHARTS:
            self._show_chart(data.totals)

    def warning_labels(self) -> list[QLabel]:
        return [self.cert_lines.itemAt(i).widget() for i in range(self.cert_lines.count())]

    def _show_warnings(self, warnings: list[Any]) -> None:
        while self.cert_lines.count():
            item = self.cert_lines.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.cert_box.setVisible(bool(warnings))
        if not warnings:
            return
        worst = warnings[0].level
        self.cert_box.setStyleSheet(f"QFrame#certWarningsBox {{ background: {LEVEL_BACKGROUNDS.get(worst, '#fff')};"
                                    f" border: 2px solid {LEVEL_FOREGROUNDS.get(worst, '#c62828')}; }}")
        for cert in warnings:
            if cert.days_left < 0:
                when = self.tr("expired {n} days ago").replace("{n}", str(-cert.days_left))
            else:
                when = self.tr("expires in {n} days").replace("{n}", str(cert.days_left))
            text = (f"⚠ {cert.profile_name} — {cert_kind(cert.kind)}: {when} "
                    f"({cert.not_after:%Y-%m-%d}) · {level_text(cert.level)}")
            label = QLabel(text, self.cert_box)
            label.setObjectName(f"certWarning_{cert.level}")
            label.setProperty("level", cert.level)
            label.setStyleSheet(f"color: {LEVEL_FOREGROUNDS.get(cert.level, '#c62828')}; font-weight: bold;")
            label.setWordWrap(True)
            self.cert_lines.addWidget(label)

    def _show_chart(self, totals: list[Any]) -> None:
        chart = self.chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        banks = list(dict.fromkeys(t.bank_name for t in totals))
        currencies = list(dict.fromkeys(t.currency for t in totals))
        if not totals:
            return
        series = QBarSeries()
        by_key = {(t.bank_name, t.currency): t.total_minor for t in totals}
        top = bottom = 0
        for currency in currencies:
            bar_set = QBarSet(currency)
            for bank in banks:
                value = chart_value(by_key.get((bank, currency), 0))
                top, bottom = max(top, value), min(bottom, value)
                bar_set.append(value)
            series.append(bar_set)
        chart.addSeries(series)
        axis_x = QBarCategoryAxis()
        axis_x.append(banks)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_x)
        axis_y = QValueAxis()
        axis_y.setRange(bottom * 1.1, max(top, 1) * 1.1)   # axis scale (display), not money
        axis_y.setLabelFormat("%.0f")
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_y)
