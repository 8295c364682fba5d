"""Payment monitor (付款监控): every payment the submission engine knows, live.

* The table shows the unified status (coloured: green succeeded, red failed / returned, amber unknown or needing
  attention, blue in flight), the bank's own code and text, the client reference, send attempts and the last
  change. Status groups (in flight / unknown / needs attention / final / all) with counts, text search, sorting
  and CSV export (formula injection escaped by ui.csv_export).
* Rows live in memory and are filtered and sorted with plain key functions, so 10,000 payments load, filter and
  sort in milliseconds; ``data()`` computes only the cells that are painted.
* Live: the main window refreshes the page on ``payments_changed`` events of this process, and a timer asks the
  ledger every ``POLL_MS`` for its most recent change (one row) — a separate worker process publishes nothing
  here — and reloads only when that changed.
* Actions: "query now" (ask the bank, never send), "re-initiate" (a NEW payment that needs approval again) and
  "confirm result". There is no "send again" anywhere: an unknown outcome is resolved by asking the bank.
* Alerts (reconciliation, RELIABILITY.md I7): open CRITICAL alerts show as a red banner with their count above the
  table; clicking it (or "Alerts") opens the list, where a person acknowledges them with a note. The counts are
  read with every poll and on ``alerts_changed`` events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabBar,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.domain.alerts import AlertSeverity
from app.domain.errors import OperationalError
from app.domain.money import format_amount
from app.domain.payment import FINAL_STATUSES, PaymentStatus
from app.domain.submission import FOLLOWED_STATUSES, TrackedPayment
from app.domain.users import Actor, Role
from app.services import Services
from ui.csv_export import write_csv
from ui.dialogs.alerts_dialog import AlertsDialog
from ui.event_bridge import EventBridge
from ui.ops import Op, error_text, run_op
from ui.views.payment_columns import status_text
from ui.widgets.confirm import open_confirmation
from ui.widgets.form import ERROR_STYLE

translate = QCoreApplication.translate
S = PaymentStatus
Index = QModelIndex | QPersistentModelIndex

POLL_MS = 2000                 # how often the open monitor asks the ledger for its latest change
FULL_RELOAD_POLLS = 15         # and reloads everything anyway every this many polls (~30 s)
MONITOR_LIMIT = 10_000         # most recently changed payments loaded
FILTER_DEBOUNCE_MS = 200

IN_FLIGHT = frozenset({S.SIGNED, S.QUEUED, S.SENDING, S.ACCEPTED, S.AWAITING_BANK_AUTH, S.PROCESSING})
REINITIABLE = frozenset({S.FAILED, S.EXPIRED, S.RETURNED})
QUERYABLE = FOLLOWED_STATUSES
ENGINE_STATUSES = IN_FLIGHT | {S.UNKNOWN} | (FINAL_STATUSES - {S.CANCELLED})

GREEN, RED, AMBER, BLUE, GREY = "#2e7d32", "#c62828", "#b26a00", "#1565c0", "#616161"
ATTENTION_BACKGROUND = "#fff3d6"
ALERTS_CHANGED = "alerts_changed"   # app.services.alerts.ALERTS_CHANGED
BANNER_STYLE = (f"QPushButton#criticalAlertsBanner {{ background: {RED}; color: white; font-weight: bold; "
                "border: none; border-radius: 4px; padding: 8px 12px; text-align: left; }")


def status_colour(p: TrackedPayment) -> str:
    if p.status is S.SUCCEEDED:
        return GREEN
    if p.status in (S.FAILED, S.RETURNED, S.PARTIAL):
        return RED
    if p.status is S.UNKNOWN or p.attention:
        return AMBER
    if p.status in IN_FLIGHT:
        return BLUE
    return GREY


def engine_known(p: TrackedPayment) -> bool:
    """SIGNED and later (a cancelled payment only if it had been queued under a reference)."""
    return p.status in ENGINE_STATUSES or p.client_reference is not None


# -- status groups --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Group:
    key: str
    title: str                                  # English source, shown through translate("PaymentMonitor", …)
    accepts: Callable[[TrackedPayment], bool]


GROUPS: tuple[Group, ...] = (
    Group("all", QT_TRANSLATE_NOOP("PaymentMonitor", "All sent"), engine_known),
    Group("in_flight", QT_TRANSLATE_NOOP("PaymentMonitor", "In flight"), lambda p: p.status in IN_FLIGHT),
    Group("unknown", QT_TRANSLATE_NOOP("PaymentMonitor", "Outcome unknown"), lambda p: p.status is S.UNKNOWN),
    Group("attention", QT_TRANSLATE_NOOP("PaymentMonitor", "Needs attention"), lambda p: bool(p.attention)),
    Group("final", QT_TRANSLATE_NOOP("PaymentMonitor", "Final"),
          lambda p: p.status in FINAL_STATUSES and engine_known(p)),
    Group("everything", QT_TRANSLATE_NOOP("PaymentMonitor", "All payments"), lambda p: True),
)
GROUP_KEYS = tuple(g.key for g in GROUPS)


# -- time -----------------------------------------------------------------------------------------------------
def _local(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone()


def when_text(at: datetime | None) -> str:
    local = _local(at)
    return local.strftime("%Y-%m-%d %H:%M:%S") if local is not None else ""


def _seconds_text(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 90:
        return translate("PaymentMonitor", "{n} s").replace("{n}", str(seconds))
    if seconds < 5400:
        return translate("PaymentMonitor", "{n} min").replace("{n}", str(round(seconds / 60)))
    return translate("PaymentMonitor", "{n} h").replace("{n}", f"{seconds / 3600:.1f}")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


# -- columns --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MonitorColumn:
    key: str
    title: str
    value: Callable[[TrackedPayment], str]
    sort: Callable[[TrackedPayment], Any]
    numeric: bool = False


def _status_cell(p: TrackedPayment) -> str:
    text = status_text(p.status)
    return f"⚠ {text}" if p.attention else text


def monitor_columns() -> list[MonitorColumn]:
    return [
        MonitorColumn("id", translate("PaymentMonitor", "No."), lambda p: str(p.id), lambda p: p.id, numeric=True),
        MonitorColumn("payee", translate("PaymentMonitor", "Payee"), lambda p: p.payee_name, lambda p: p.payee_name),
        MonitorColumn("amount", translate("PaymentMonitor", "Amount"), lambda p: format_amount(p.amount_minor),
                      lambda p: (p.currency, p.amount_minor), numeric=True),
        MonitorColumn("currency", translate("PaymentMonitor", "Currency"), lambda p: p.currency, lambda p: p.currency),
        MonitorColumn("status", translate("PaymentMonitor", "Status"), _status_cell,
                      lambda p: (p.status.value, not p.attention)),
        MonitorColumn("bank_code", translate("PaymentMonitor", "Bank code"), lambda p: p.bank_code,
                      lambda p: p.bank_code),
        MonitorColumn("bank_text", translate("PaymentMonitor", "Bank message"), lambda p: p.bank_text,
                      lambda p: p.bank_text),
        MonitorColumn("reference", translate("PaymentMonitor", "Client reference"), lambda p: p.client_reference or "",
                      lambda p: p.client_reference or ""),
        MonitorColumn("attempts", translate("PaymentMonitor", "Attempts"), lambda p: str(p.attempts),
                      lambda p: p.attempts, numeric=True),
        MonitorColumn("updated", translate("PaymentMonitor", "Last change"), lambda p: when_text(p.updated_at),
                      lambda p: _aware(p.updated_at)),
    ]


class PaymentMonitorTableModel(QAbstractTableModel):
    """All loaded payments in memory; a group, a search text and a sort order pick and order the visible rows."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.columns = monitor_columns()
        self._all: list[TrackedPayment] = []
        self._haystacks: dict[int, str] = {}
        self._visible: list[TrackedPayment] = []
        self.group = "all"
        self.text = ""
        self.sort_column = 0
        self.sort_order = Qt.SortOrder.DescendingOrder
        self.counts: dict[str, int] = dict.fromkeys(GROUP_KEYS, 0)

    # -- rows ---------------------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[TrackedPayment]) -> None:
        self._all = list(rows)
        self._haystacks = {p.id: " ".join((
            str(p.id), p.payee_name, p.payee_account, format_amount(p.amount_minor),
            str(p.amount_minor // 100), p.client_reference or "", p.bank_code, p.bank_text, p.bank_reference,
            p.debit_account_number, status_text(p.status), p.status.value)).lower() for p in self._all}
        self.counts = {g.key: sum(1 for p in self._all if g.accepts(p)) for g in GROUPS}
        self._rebuild()

    def set_filter(self, *, group: str | None = None, text: str | None = None) -> None:
        if group is not None:
            if group not in GROUP_KEYS:
                raise ValueError(f"unknown monitor group {group!r}")
            self.group = group
        if text is not None:
            self.text = text.strip().lower()
        self._rebuild()

    def _rebuild(self) -> None:
        accepts = next(g.accepts for g in GROUPS if g.key == self.group)
        needle = self.text
        rows = [p for p in self._all if accepts(p) and (not needle or needle in self._haystacks[p.id])]
        key = self.columns[self.sort_column].sort
        rows.sort(key=lambda p: (key(p), p.id), reverse=self.sort_order == Qt.SortOrder.DescendingOrder)
        self.beginResetModel()
        self._visible = rows
        self.endResetModel()

    def all_rows(self) -> list[TrackedPayment]:
        return list(self._all)

    def visible_rows(self) -> list[TrackedPayment]:
        return list(self._visible)

    def row_at(self, row: int) -> TrackedPayment:
        return self._visible[row]

    def row_of(self, payment_id: int) -> int:
        return next((i for i, p in enumerate(self._visible) if p.id == payment_id), -1)

    def find(self, payment_id: int) -> TrackedPayment | None:
        return next((p for p in self._all if p.id == payment_id), None)

    # -- Qt model API -------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        p = self._visible[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.value(p)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.key == "status" and p.attention:
                return p.attention
            return column.value(p)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            flag = Qt.AlignmentFlag.AlignRight if column.numeric else Qt.AlignmentFlag.AlignLeft
            return int(flag | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column.key == "status":
            return QBrush(QColor(status_colour(p)))
        if role == Qt.ItemDataRole.BackgroundRole and p.attention and column.key == "status":
            return QBrush(QColor(ATTENTION_BACKGROUND))
        if role == Qt.ItemDataRole.UserRole:
            return p.id
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[section].numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self.sort_column, self.sort_order = column, order
        self._rebuild()

    def export_rows(self) -> tuple[list[str], list[list[object]]]:
        """The visible rows as export values (raw amounts as decimal text, reference, timestamps in UTC)."""
        headers = [c.title for c in self.columns]
        rows = []
        for p in self._visible:
            rows.append([p.id, p.payee_name, _decimal(p.amount_minor), p.currency, status_text(p.status),
                         p.bank_code, p.bank_text, p.client_reference or "", p.attempts,
                         _aware(p.updated_at).strftime("%Y-%m-%d %H:%M:%S UTC")])
        return headers, rows


def _decimal(amount_minor: int) -> str:
    sign = "-" if amount_minor < 0 else ""
    major, minor = divmod(abs(amount_minor), 100)
    return f"{sign}{major}.{minor:02d}"


# -- the detail pane ------------------------------------------------------------------------------------------
OUTCOME_TEXTS = {
    "ANSWERED": QT_TRANSLATE_NOOP("PaymentMonitor", "answered"),
    "UNKNOWN": QT_TRANSLATE_NOOP("PaymentMonitor", "no clear answer (outcome unknown)"),
    "NOT_SENT": QT_TRANSLATE_NOOP("PaymentMonitor", "not sent (nothing left this machine)"),
    "ABORTED": QT_TRANSLATE_NOOP("PaymentMonitor", "aborted before sending"),
    "EXPIRED": QT_TRANSLATE_NOOP("PaymentMonitor", "sender vanished (treated as unknown)"),
}


def unknown_text(p: TrackedPayment, now: datetime | None = None) -> str:
    """What is being done about an UNKNOWN payment (or one in flight at the bank)."""
    now = now or _utc_now()
    if p.next_check_at is None:
        return translate("PaymentMonitor", "No further status query is scheduled.")
    due = (_aware(p.next_check_at) - now).total_seconds()
    when = when_text(p.next_check_at)
    if due > 0:
        nxt = translate("PaymentMonitor", "next in {in} ({at})").replace("{in}", _seconds_text(due)) \
            .replace("{at}", when)
    else:
        nxt = translate("PaymentMonitor", "next one due now")
    if p.check_count:
        text = translate("PaymentMonitor", "Asking the bank for the status: query no. {n}, {next}.") \
            .replace("{n}", str(p.check_count + 1))
    else:
        text = translate("PaymentMonitor", "Asking the bank for the status: first query, {next}.")
    return text.replace("{next}", nxt)


def detail_html(trace, history: Sequence = (), now: datetime | None = None) -> str:
    """HTML of one payment: status, bank code and text, what is being done, references with their attempts,
    links to the re-initiated payment, confirmation and the status history."""
    p: TrackedPayment = trace.payment
    now = now or _utc_now()
    colour = status_colour(p)
    heading = translate("PaymentMonitor", "Payment #{id}").replace("{id}", str(p.id))
    rows: list[tuple[str, str]] = [
        (translate("PaymentMonitor", "Status"),
         f"<span style='color:{colour}'><b>{escape(status_text(p.status))}</b></span>"),
        (translate("PaymentMonitor", "Payee"), f"<b>{escape(p.payee_name)}</b> · {escape(p.payee_account)}"),
        (translate("PaymentMonitor", "Amount"), f"<b>{escape(p.currency)} {format_amount(p.amount_minor)}</b>"),
        (translate("PaymentMonitor", "Debit account"), escape(p.debit_account_number)),
        (translate("PaymentMonitor", "Client reference"), escape(p.client_reference or "—")),
    ]
    if p.bank_reference:
        rows.append((translate("PaymentMonitor", "Bank reference"), escape(p.bank_reference)))
    if p.bank_code or p.bank_text:
        rows.append((translate("PaymentMonitor", "Bank says"),
                     f"<b>{escape(p.bank_code)}</b> {escape(p.bank_text)}".strip()))
    rows.append((translate("PaymentMonitor", "Last change"), escape(when_text(p.updated_at))))
    if p.final_at is not None:
        rows.append((translate("PaymentMonitor", "Final since"), escape(when_text(p.final_at))))
    if p.reinitiated_from_id is not None:
        rows.append((translate("PaymentMonitor", "Re-initiated from"),
                     translate("PaymentMonitor", "payment #{id}").replace("{id}", str(p.reinitiated_from_id))))
    if p.reinitiated_by_id is not None:
        rows.append((translate("PaymentMonitor", "Re-initiated as"),
                     translate("PaymentMonitor", "payment #{id} (a new payment with a new reference)")
                     .replace("{id}", str(p.reinitiated_by_id))))
    if p.result_confirmed_at is not None:
        rows.append((translate("PaymentMonitor", "Result confirmed"),
                     escape(f"{p.result_confirmed_by or ''} · {when_text(p.result_confirmed_at)}")))
    html = [f"<h3>{escape(heading)}</h3><table cellspacing='0' cellpadding='3'>"]
    html += [f"<tr><td style='color:{GREY}' valign='top'>{escape(k)}</td><td>{v}</td></tr>" for k, v in rows]
    html.append("</table>")
    if p.attention:
        label = translate("PaymentMonitor", "Needs attention")
        html.append(f"<p style='background:{ATTENTION_BACKGROUND}; color:{AMBER}'><b>⚠ {escape(label)}:</b> "
                    f"{escape(p.attention)}</p>")
    if p.status is S.UNKNOWN:
        since = ""
        if p.unknown_since is not None:
            since = translate("PaymentMonitor", "Outcome unknown since {at} ({ago} ago).") \
                .replace("{at}", when_text(p.unknown_since)) \
                .replace("{ago}", _seconds_text((now - _aware(p.unknown_since)).total_seconds()))
        never = translate("PaymentMonitor", "The payment is never sent again while its outcome is unknown: the bank is "
                                    "asked about the same reference until it gives a definite answer.")
        html.append(f"<p style='color:{AMBER}'><b>{escape(unknown_text(p, now))}</b><br>{escape(since)}</p>"
                    f"<p style='color:{GREY}'>{escape(never)}</p>")
    elif p.status in QUERYABLE and p.next_check_at is not None:
        html.append(f"<p style='color:{BLUE}'>{escape(unknown_text(p, now))}</p>")
    refs_title = translate("PaymentMonitor", "References and send attempts")
    html.append(f"<h4>{escape(refs_title)}</h4>")
    references = list(trace.references)
    attempts = list(trace.attempts)
    if not references:
        none = translate("PaymentMonitor", "No client reference yet: the payment has not been queued.")
        html.append(f"<p style='color:{GREY}'>{escape(none)}</p>")
    for ref in references:
        allocated = translate("PaymentMonitor", "allocated {at}").replace("{at}", when_text(ref.allocated_at))
        html.append(f"<p><b>{escape(ref.reference)}</b> · {escape(ref.bank)} · {escape(allocated)}</p>")
    if attempts:
        head = [translate("PaymentMonitor", "Attempt"), translate("PaymentMonitor", "Outcome"),
                translate("PaymentMonitor", "Code"), translate("PaymentMonitor", "Started"),
                translate("PaymentMonitor", "Finished"), translate("PaymentMonitor", "Detail")]
        html.append("<table cellspacing='0' cellpadding='2' border='1' style='border-collapse:collapse'><tr>")
        html += [f"<th align='left'>{escape(h)}</th>" for h in head]
        html.append("</tr>")
        for a in attempts:
            outcome = a.outcome.value if a.outcome is not None else ""
            shown = translate("PaymentMonitor", OUTCOME_TEXTS[outcome]) if outcome in OUTCOME_TEXTS else \
                translate("PaymentMonitor", "in progress")
            html.append(f"<tr><td align='right'>{a.attempt_no}</td><td>{escape(shown)}</td>"
                        f"<td>{escape(a.error_code)}</td><td>{escape(when_text(a.started_at))}</td>"
                        f"<td>{escape(when_text(a.finished_at))}</td><td>{escape(a.detail)}</td></tr>")
        html.append("</table>")
    elif references:
        not_sent = translate("PaymentMonitor", "Not sent yet.")
        html.append(f"<p style='color:{GREY}'>{escape(not_sent)}</p>")
    if history:
        history_title = translate("PaymentMonitor", "History")
        html.append(f"<h4>{escape(history_title)}</h4><table cellspacing='0' cellpadding='2'>")
        for h in history:
            change = (f"{escape(status_text(h.from_status))} → " if h.from_status is not None else "") \
                + escape(status_text(h.to_status))
            extra = f" · {escape(h.detail)}" if h.detail else ""
            html.append(f"<tr><td style='color:{GREY}'>{escape(when_text(h.at))}</td><td>{escape(h.actor)}</td>"
                        f"<td>{change}{extra}</td></tr>")
        html.append("</table>")
    return "".join(html)


# -- the view -------------------------------------------------------------------------------------------------
class PaymentMonitorView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("paymentMonitorView")
        self._services = services
        self._actor = actor
        self._engine = services.submission
        self.can_query = any(actor.has(r) for r in (Role.MAKER, Role.APPROVER, Role.SIGNER, Role.ADMIN))
        self.can_reinitiate = actor.has(Role.MAKER)
        self.can_confirm = self.can_query
        self.confirm_box: QMessageBox | None = None
        self._loading: Op | None = None
        self._dirty = False
        self._loaded_once = False
        self._stale = False
        self._marker: tuple | None = None
        self._polls = 0
        self._polling = False
        self._busy = False
        self._detail_for: tuple[int, int] | None = None   # (payment id, version) shown in the detail pane
        self.loads = 0                                     # full reloads done (diagnostics, tests)
        self._alerts = getattr(services, "alerts", None)   # None: a ledger without the alert service
        self.alert_counts: dict[AlertSeverity, int] = {}
        self._alerts_loading = False
        self.alerts_dialog: AlertsDialog | None = None

        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Payment monitor"), self)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.alert_banner = QPushButton(self)
        self.alert_banner.setObjectName("criticalAlertsBanner")
        self.alert_banner.setStyleSheet(BANNER_STYLE)
        self.alert_banner.setCursor(Qt.CursorShape.PointingHandCursor)
        self.alert_banner.hide()
        layout.addWidget(self.alert_banner)

        self.groups = QTabBar(self)
        self.groups.setObjectName("groupTabs")
        self.groups.setExpanding(False)
        self.groups.setDrawBase(False)
        for g in GROUPS:
            index = self.groups.addTab(translate("PaymentMonitor", g.title))
            self.groups.setTabData(index, g.key)
        layout.addWidget(self.groups)

        bar = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setObjectName("searchEdit")
        self.search.setPlaceholderText(self.tr("Search payee, amount, reference, bank code or message…"))
        self.search.setClearButtonEnabled(True)
        bar.addWidget(self.search, 1)
        self.query_button = QPushButton(self.tr("Query status"), self)
        self.query_button.setObjectName("queryNowButton")
        self.query_button.setToolTip(self.tr("Ask the bank now about this payment's status. Nothing is sent."))
        self.reinitiate_button = QPushButton(self.tr("Re-initiate…"), self)
        self.reinitiate_button.setObjectName("reinitiateButton")
        self.reinitiate_button.setToolTip(self.tr("Create a new payment from this definitively failed one; it "
                                                  "needs approval and signing again."))
        self.confirm_button = QPushButton(self.tr("Confirm result"), self)
        self.confirm_button.setObjectName("confirmResultButton")
        self.confirm_button.setToolTip(self.tr("Acknowledge this final result."))
        self.export_button = QPushButton(self.tr("Export CSV…"), self)
        self.export_button.setObjectName("exportButton")
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        self.refresh_button.setObjectName("refreshButton")
        self.alerts_button = QPushButton(self.tr("Alerts"), self)
        self.alerts_button.setObjectName("alertsButton")
        self.alerts_button.setToolTip(self.tr("Reconciliation findings: double, missing or unexpected debits."))
        self.alerts_button.setVisible(self._alerts is not None)
        for button in (self.query_button, self.reinitiate_button, self.confirm_button, self.export_button,
                       self.refresh_button, self.alerts_button):
            bar.addWidget(button)
        self.busy = QProgressBar(self)
        self.busy.setObjectName("busyIndicator")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(90)
        self.busy.setMaximumHeight(14)
        self.busy.setTextVisible(False)
        self.busy.hide()
        bar.addWidget(self.busy)
        layout.addLayout(bar)

        self.message = QLabel(self)
        self.message.setObjectName("messageLabel")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)

        self.model = PaymentMonitorTableModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("paymentMonitorTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((56, 200, 110, 70, 150, 90, 190, 150, 75, 140)):
            header.resizeSection(column, width)
        self.table.setSortingEnabled(True)
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.detail = QTextBrowser(self)
        self.detail.setObjectName("monitorDetail")
        self.detail.setOpenLinks(False)
        self.detail.setPlaceholderText(self.tr("Select a payment to see its client reference, send attempts, what "
                                               "is being done about it and its history."))
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setObjectName("monitorSplitter")
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("monitorCountLabel")
        layout.addWidget(self.count_label)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(FILTER_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filter)
        self.poll_timer = QTimer(self)
        self.poll_timer.setObjectName("monitorPollTimer")
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self._on_poll_timer_timeout)

        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.groups.currentChanged.connect(lambda _i: self.apply_filter())
        self.query_button.clicked.connect(self.query_selected)
        self.reinitiate_button.clicked.connect(self.reinitiate_selected)
        self.confirm_button.clicked.connect(self.confirm_selected)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.refresh_button.clicked.connect(lambda: self.refresh(force=True))
        self.alert_banner.clicked.connect(self.open_alerts)
        self.alerts_button.clicked.connect(self.open_alerts)
        self._event_bridge = None
        events = getattr(services, "events", None)
        if self._alerts is not None and events is not None:
            self._event_bridge = EventBridge(events, self)
            self._event_bridge.event.connect(self._on_event_bridge_event)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._on_selection_changed())
        self._keep: tuple[int | None, int] = (None, 0)
        self.model.modelAboutToBeReset.connect(self._on_model_about_to_be_reset)
        self.model.modelReset.connect(self._on_model_reset)
        self._update_buttons()
        self._update_counts()

    # -- live ---------------------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.poll_timer.start()
        if self._stale:
            self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.poll_timer.stop()

    def _on_poll_timer_timeout(self) -> None:
        """Ask for the most recent change only (one row); reload everything when it moved."""
        if not self.isVisible():
            return
        self.refresh_alerts()
        if self._polling or self._loading is not None:
            return
        self._polls += 1
        if self._polls % FULL_RELOAD_POLLS == 0:
            self.refresh()
            return
        engine, actor = self._engine, self._actor
        self._polling = True

        def done(rows) -> None:
            if self._marker_of(rows) != self._marker:
                self.refresh()

        run_op(self, lambda: engine.monitor(actor, limit=1), done, lambda _e: None,
               on_finally=self._on_poll_finished)

    def _on_poll_finished(self) -> None:
        self._polling = False

    @staticmethod
    def _marker_of(rows: Sequence[TrackedPayment]) -> tuple | None:
        if not rows:
            return None
        p = rows[0]
        return p.id, p.version, p.updated_at

    # -- loading ------------------------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> Op | None:
        """Reload all payments in the background; calls while a load runs are coalesced into one more load.
        A hidden monitor only notes that it is stale and reloads when shown again."""
        if self._loaded_once and not force and not self.isVisible():
            self._stale = True
            return None
        self.refresh_alerts()
        if self._loading is not None:
            self._dirty = True
            return self._loading
        self._stale = False
        engine, actor = self._engine, self._actor
        self._loading = run_op(self, lambda: engine.monitor(actor, limit=MONITOR_LIMIT), self._on_loaded,
                               self._on_load_failed, on_finally=self._on_load_finished)
        return self._loading

    def _on_loaded(self, rows: list[TrackedPayment]) -> None:
        self.loads += 1
        self._loaded_once = True
        self._marker = self._marker_of(rows)   # rows come most recently changed first
        self.model.set_rows(rows)               # the selection and scroll position survive (_on_model_reset)
        self._update_counts()

    def _on_load_failed(self, exc: BaseException) -> None:
        self.show_message(error_text(exc), error=True)

    def _on_load_finished(self) -> None:
        self._loading = None
        if self._dirty:
            self._dirty = False
            self.refresh(force=True)

    def apply_filter(self) -> None:
        key = self.groups.tabData(self.groups.currentIndex()) or "all"
        self.model.set_filter(group=key, text=self.search.text())
        self._update_counts()

    def show_group(self, key: str) -> None:
        self.groups.setCurrentIndex(GROUP_KEYS.index(key))   # → apply_filter

    def _update_counts(self) -> None:
        for i, g in enumerate(GROUPS):
            self.groups.setTabText(i, f"{translate('PaymentMonitor', g.title)} ({self.model.counts[g.key]:,})")
        shown = self.model.rowCount()
        total = len(self.model.all_rows())
        text = self.tr("{shown} of {n} payments shown").replace("{shown}", f"{shown:,}").replace("{n}", f"{total:,}")
        if total >= MONITOR_LIMIT:
            text += " · " + self.tr("only the {n} most recently changed payments are loaded") \
                .replace("{n}", f"{MONITOR_LIMIT:,}")
        self.count_label.setText(text)

    # -- alerts -------------------------------------------------------------------------------------------
    def refresh_alerts(self) -> Op | None:
        """Read the open alerts per severity in the background (one grouped count); the banner follows."""
        if self._alerts is None or self._alerts_loading:
            return None
        self._alerts_loading = True
        service, actor = self._alerts, self._actor
        return run_op(self, lambda: service.open_counts(actor), self._on_alert_counts, lambda _e: None,
                      on_finally=self._on_alert_counts_finished)

    def _on_alert_counts_finished(self) -> None:
        self._alerts_loading = False

    def _on_alert_counts(self, counts: dict[AlertSeverity, int]) -> None:
        self.alert_counts = dict(counts)
        critical = self.alert_counts.get(AlertSeverity.CRITICAL, 0)
        total = sum(self.alert_counts.values())
        self.alert_banner.setText(self.tr("⚠ {n} critical alert(s): a payment may have been debited twice or not at "
                                          "all. Click to review and acknowledge.").replace("{n}", f"{critical:,}"))
        self.alert_banner.setVisible(critical > 0)
        self.alerts_button.setText(self.tr("Alerts ({n})").replace("{n}", f"{total:,}") if total
                                   else self.tr("Alerts"))

    def _on_event_bridge_event(self, name: str, _payload: dict) -> None:
        if name == ALERTS_CHANGED:
            self.refresh_alerts()

    def open_alerts(self) -> AlertsDialog | None:
        """The open alerts, critical first, with acknowledge."""
        if self._alerts is None:
            return None
        if self.alerts_dialog is not None:
            self.alerts_dialog.reload()
            self.alerts_dialog.raise_()
            return self.alerts_dialog
        dialog = AlertsDialog(self._alerts, self._actor, on_changed=self._on_alerts_changed, parent=self)
        dialog.finished.connect(self._on_alerts_dialog_finished)
        self.alerts_dialog = dialog
        dialog.open()
        return dialog

    def _on_alerts_dialog_finished(self, _result: int) -> None:
        if self.alerts_dialog is not None:
            self.alerts_dialog.deleteLater()
        self.alerts_dialog = None

    def _on_alerts_changed(self) -> None:
        self.refresh_alerts()
        self.refresh(force=True)

    # -- selection ----------------------------------------------------------------------------------------
    def _on_model_about_to_be_reset(self) -> None:
        self._keep = (self.selected_id(), self.table.verticalScrollBar().value())

    def _on_model_reset(self) -> None:
        """Every reload, filter and sort resets the model: keep the selected payment and the scroll position."""
        keep, scroll = self._keep
        self.table.verticalScrollBar().setValue(scroll)
        if keep is not None:
            self._select_row(self.model.row_of(keep))
        self._on_selection_changed()

    def selected(self) -> TrackedPayment | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def selected_id(self) -> int | None:
        p = self.selected()
        return p.id if p is not None else None

    def select_payment(self, payment_id: int) -> bool:
        row = self.model.row_of(payment_id)
        self._select_row(row)
        return row >= 0

    def _select_row(self, row: int) -> None:
        if row >= 0:
            self.table.selectRow(row)
        else:
            self.table.clearSelection()

    def _on_selection_changed(self) -> None:
        self._update_buttons()
        p = self.selected()
        if p is None:
            self._detail_for = None
            self.detail.clear()
            return
        if self._detail_for == (p.id, p.version):
            return
        self._detail_for = (p.id, p.version)
        engine, payments, actor = self._engine, self._services.payments, self._actor

        def load():
            trace = engine.trace(actor, p.id)
            history = payments.get(actor, p.id).history if payments is not None else []
            return trace, history
        run_op(self, load, self._on_detail_loaded, self._on_detail_failed)

    def _on_detail_loaded(self, result) -> None:
        trace, history = result
        current = self.selected()
        if current is not None and current.id == trace.payment.id:
            self.detail.setHtml(detail_html(trace, history))

    def _on_detail_failed(self, exc: BaseException) -> None:
        self._detail_for = None
        self.detail.setPlainText(error_text(exc))

    def _update_buttons(self) -> None:
        p = self.selected()
        idle = not self._busy
        self.query_button.setEnabled(idle and self.can_query and p is not None and p.status in QUERYABLE
                                     and p.client_reference is not None)
        self.reinitiate_button.setEnabled(idle and self.can_reinitiate and p is not None
                                          and p.status in REINITIABLE and p.reinitiated_by_id is None)
        self.confirm_button.setEnabled(idle and self.can_confirm and p is not None and p.status in FINAL_STATUSES
                                       and engine_known(p) and p.result_confirmed_at is None)

    # -- actions ------------------------------------------------------------------------------------------
    def _start(self, fn, on_success, busy_text: str) -> Op:
        self._busy = True
        self.busy.show()
        self._update_buttons()
        return run_op(self, fn, on_success, lambda exc: self.show_message(error_text(exc), error=True),
                      on_finally=self._on_action_finished, busy_text=busy_text)

    def _on_action_finished(self) -> None:
        self._busy = False
        self.busy.hide()
        self._detail_for = None
        self._update_buttons()
        self.refresh(force=True)

    def query_selected(self) -> Op | None:
        """Ask the bank about the selected payment now (the same reference; nothing is ever sent)."""
        p = self.selected()
        if p is None or not self.query_button.isEnabled():
            return None
        engine, actor = self._engine, self._actor

        def done(updated: TrackedPayment) -> None:
            text = self.tr("Payment #{id}: the bank was asked; status now {status}.") \
                .replace("{id}", str(updated.id)).replace("{status}", status_text(updated.status))
            if updated.status is S.UNKNOWN:
                text += " " + self.tr("The bank has not given a definite answer yet; it will be asked again.")
            self.show_message(text)
        return self._start(lambda: engine.query_now(actor, p.id), done, self.tr("Asking the bank…"))

    def reinitiate_selected(self) -> QMessageBox | None:
        """Ask for confirmation, then create the new payment (it needs approval and signing again)."""
        p = self.selected()
        if p is None or not self.reinitiate_button.isEnabled():
            return None
        text = self.tr("Re-initiate payment #{id} ({status}, {payee}, {currency} {amount})?\n\nA NEW payment with a "
                       "new number and a new client reference will be created for the same payee and amount. It "
                       "needs approval and USB-key signing again before it is sent. Payment #{id} stays "
                       "{status}.").replace("{id}", str(p.id)).replace("{status}", status_text(p.status)) \
            .replace("{payee}", p.payee_name).replace("{currency}", p.currency) \
            .replace("{amount}", format_amount(p.amount_minor))
        payment_id = p.id
        self.confirm_box = open_confirmation(self, "reinitiate", self.tr("Re-initiate payment"), text,
                                             self.tr("Create new payment"), self.tr("Cancel"),
                                             lambda yes: self._on_reinitiate_answered(yes, payment_id))
        return self.confirm_box

    def _on_reinitiate_answered(self, yes: bool, payment_id: int) -> None:
        self.confirm_box = None
        if not yes:
            return
        engine, actor = self._engine, self._actor

        def done(new_id: int) -> None:
            self.show_message(self.tr("Payment #{old} was re-initiated as new payment #{new}. It now awaits "
                                      "approval, then USB-key signing, before it is sent under a new reference.")
                              .replace("{old}", str(payment_id)).replace("{new}", str(new_id)))
        self._start(lambda: engine.reinitiate(actor, payment_id), done, self.tr("Re-initiating…"))

    def confirm_selected(self) -> Op | None:
        p = self.selected()
        if p is None or not self.confirm_button.isEnabled():
            return None
        engine, actor = self._engine, self._actor

        def done(updated: TrackedPayment) -> None:
            self.show_message(self.tr("Result of payment #{id} ({status}) confirmed.")
                              .replace("{id}", str(updated.id)).replace("{status}", status_text(updated.status)))
        return self._start(lambda: engine.confirm_result(actor, p.id), done, self.tr("Confirming…"))

    # -- export -------------------------------------------------------------------------------------------
    def _on_export_button_clicked(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("Export payments"), "payments.csv",
                                                    self.tr("CSV files (*.csv)"))
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> Op:
        """The rows shown (group, search and order), written in the background."""
        headers, rows = self.model.export_rows()

        def export() -> int:
            try:
                return write_csv(path, headers, rows)
            except OSError as exc:
                raise OperationalError(f"cannot write {path}: {exc.strerror or exc}", code="EXPORT_FAILED") from exc
        return run_op(self, export, lambda n: self.show_message(
            self.tr("Exported {n} payments to {path}").replace("{n}", f"{n:,}").replace("{path}", str(path))),
            lambda exc: self.show_message(error_text(exc), error=True), busy_text=self.tr("Exporting…"))

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else f"color: {GREEN};")
        self.message.setProperty("severity", "error" if error else "info")
        self.message.setVisible(bool(text))
