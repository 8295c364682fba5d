"""Open alerts (reconciliation findings) with acknowledge: a person, with a note saying what was done (audited).

Opened from the payment monitor's red banner. Critical alerts first; the selected alert's full text below; the
note is required (the service checks it too). Nothing here sends or changes a payment.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.domain.alerts import Alert, AlertSeverity
from app.domain.users import Actor
from app.services.alerts import ACK_ROLES
from ui.ops import Op, error_text, run_op
from ui.widgets.form import ERROR_STYLE

translate = QCoreApplication.translate
RED, AMBER, GREY, GREEN = "#c62828", "#b26a00", "#616161", "#2e7d32"
LIST_LIMIT = 1000

KIND_TITLES = {
    "DOUBLE_DEBIT": QT_TRANSLATE_NOOP("Alerts", "Double debit"),
    "MISSING_DEBIT": QT_TRANSLATE_NOOP("Alerts", "Missing debit"),
    "DEBIT_ON_FAILED": QT_TRANSLATE_NOOP("Alerts", "Debit on a failed payment"),
    "AMOUNT_MISMATCH": QT_TRANSLATE_NOOP("Alerts", "Amount mismatch"),
    "UNKNOWN_DEBIT": QT_TRANSLATE_NOOP("Alerts", "Unknown debit"),
}
KIND_HELP = {
    "DOUBLE_DEBIT": QT_TRANSLATE_NOOP("Alerts", "The bank debited this payment more than once. Ask the bank to "
                                                "reverse the extra debit."),
    "MISSING_DEBIT": QT_TRANSLATE_NOOP("Alerts", "The payment counts as paid or in progress, but the bank shows no "
                                                 "debit one bank day after it was sent. Check with the bank before "
                                                 "doing anything else; never pay it again blindly."),
    "DEBIT_ON_FAILED": QT_TRANSLATE_NOOP("Alerts", "The payment failed or was cancelled here, yet the bank debited "
                                                   "it. Do not re-initiate it until this is cleared."),
    "AMOUNT_MISMATCH": QT_TRANSLATE_NOOP("Alerts", "The bank debited a different amount than the payment's."),
    "UNKNOWN_DEBIT": QT_TRANSLATE_NOOP("Alerts", "A debit carries one of our client references but matches no "
                                                 "payment of this account."),
}
SEVERITY_TITLES = {
    AlertSeverity.CRITICAL: QT_TRANSLATE_NOOP("Alerts", "Critical"),
    AlertSeverity.HIGH: QT_TRANSLATE_NOOP("Alerts", "High"),
    AlertSeverity.MEDIUM: QT_TRANSLATE_NOOP("Alerts", "Medium"),
    AlertSeverity.LOW: QT_TRANSLATE_NOOP("Alerts", "Low"),
}
SEVERITY_COLOURS = {AlertSeverity.CRITICAL: RED, AlertSeverity.HIGH: AMBER}


def kind_text(kind: str) -> str:
    return translate("Alerts", KIND_TITLES[kind]) if kind in KIND_TITLES else kind


def severity_text(severity: AlertSeverity) -> str:
    return translate("Alerts", SEVERITY_TITLES[severity])


def _when(alert: Alert) -> str:
    return alert.created_at.astimezone().strftime("%Y-%m-%d %H:%M")


def alert_html(alert: Alert) -> str:
    colour = SEVERITY_COLOURS.get(alert.severity, GREY)
    head = f"#{alert.id} · {severity_text(alert.severity)} · {kind_text(alert.kind)}"
    parts = [f"<p style='color:{colour}'><b>{escape(head)}</b></p>"]
    if alert.kind in KIND_HELP:
        parts.append(f"<p>{escape(translate('Alerts', KIND_HELP[alert.kind]))}</p>")
    if alert.payment_id is not None:
        parts.append("<p>" + escape(translate("Alerts", "Payment #{id}").replace("{id}", str(alert.payment_id)))
                     + "</p>")
    parts.append(f"<p style='color:{GREY}'>{escape(alert.title)}<br>{escape(alert.detail)}</p>")
    if not alert.is_open:
        done = translate("Alerts", "Acknowledged by {user} on {at}: {note}") \
            .replace("{user}", alert.acknowledged_by or "").replace("{note}", alert.acknowledge_note or "") \
            .replace("{at}", alert.acknowledged_at.astimezone().strftime("%Y-%m-%d %H:%M")
                     if alert.acknowledged_at else "")
        parts.append(f"<p style='color:{GREEN}'>{escape(done)}</p>")
    return "".join(parts)


class AlertsDialog(QDialog):
    COLUMNS = (QT_TRANSLATE_NOOP("Alerts", "Severity"), QT_TRANSLATE_NOOP("Alerts", "Kind"),
               QT_TRANSLATE_NOOP("Alerts", "Payment"), QT_TRANSLATE_NOOP("Alerts", "Raised"),
               QT_TRANSLATE_NOOP("Alerts", "Summary"))

    def __init__(self, alerts, actor: Actor, *, on_changed: Callable[[], None] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("alertsDialog")
        self.setWindowTitle(self.tr("Open alerts"))
        self.resize(860, 520)
        self._service = alerts
        self._actor = actor
        self._on_changed = on_changed
        self.can_acknowledge = actor.user_id is not None and any(actor.has(r) for r in ACK_ROLES)
        self.rows: list[Alert] = []
        self.pending_op: Op | None = None

        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Reconciliation compares the bank's own debits with our payments. Each finding is "
                               "raised once; acknowledge it with a note once it has been checked with the bank."),
                       self)
        intro.setObjectName("alertsIntro")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setObjectName("alertsTable")
        self.table.setHorizontalHeaderLabels([translate("Alerts", c) for c in self.COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in enumerate((70, 130, 70, 130)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        layout.addWidget(self.table, 2)
        self.detail = QTextBrowser(self)
        self.detail.setObjectName("alertDetail")
        self.detail.setOpenLinks(False)
        layout.addWidget(self.detail, 1)
        bar = QHBoxLayout()
        self.note = QLineEdit(self)
        self.note.setObjectName("ackNoteEdit")
        self.note.setPlaceholderText(self.tr("What was checked or done (required, kept in the audit log)"))
        self.note.setMaxLength(2000)
        bar.addWidget(self.note, 1)
        self.ack_button = QPushButton(self.tr("Acknowledge"), self)
        self.ack_button.setObjectName("acknowledgeButton")
        bar.addWidget(self.ack_button)
        self.close_button = QPushButton(self.tr("Close"), self)
        self.close_button.setObjectName("closeButton")
        bar.addWidget(self.close_button)
        layout.addLayout(bar)
        self.message = QLabel(self)
        self.message.setObjectName("alertsMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        if not self.can_acknowledge:
            self.note.setEnabled(False)
            self.ack_button.setToolTip(self.tr("Only makers, approvers, signers and administrators acknowledge "
                                               "alerts."))

        self.table.itemSelectionChanged.connect(self._on_table_item_selection_changed)
        self.note.textChanged.connect(lambda _t: self._update_button())
        self.note.returnPressed.connect(self.acknowledge_selected)
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.close_button.clicked.connect(self.accept)
        self._update_button()
        self.reload()

    # -- loading ------------------------------------------------------------------------------------------------
    def reload(self) -> Op:
        service, actor = self._service, self._actor
        return run_op(self, lambda: service.list_alerts(actor, open_only=True, limit=LIST_LIMIT), self._on_loaded,
                      lambda exc: self.show_message(error_text(exc), error=True))

    def _on_loaded(self, alerts: list[Alert]) -> None:
        keep = self.selected()
        self.rows = list(alerts)
        self.table.setRowCount(len(self.rows))
        for row, a in enumerate(self.rows):
            cells = (severity_text(a.severity), kind_text(a.kind), f"#{a.payment_id}" if a.payment_id else "—",
                     _when(a), a.title)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, a.id)
                if column == 0 and a.severity in SEVERITY_COLOURS:
                    item.setForeground(QBrush(QColor(SEVERITY_COLOURS[a.severity])))
                self.table.setItem(row, column, item)
        if not self.rows:
            self.detail.setPlainText(self.tr("No open alerts."))
        target = next((i for i, a in enumerate(self.rows) if keep is not None and a.id == keep.id), 0)
        if self.rows:
            self.table.selectRow(target)
        self._update_button()

    # -- selection and acknowledging ------------------------------------------------------------------------------
    def selected(self) -> Alert | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows and rows[0].row() < len(self.rows) else None

    def select_alert(self, alert_id: int) -> bool:
        row = next((i for i, a in enumerate(self.rows) if a.id == alert_id), -1)
        if row >= 0:
            self.table.selectRow(row)
        return row >= 0

    def _on_table_item_selection_changed(self) -> None:
        alert = self.selected()
        if alert is not None:
            self.detail.setHtml(alert_html(alert))
        self._update_button()

    def _update_button(self) -> None:
        busy = self.pending_op is not None and not self.pending_op.finished
        self.ack_button.setEnabled(self.can_acknowledge and not busy and self.selected() is not None
                                   and bool(self.note.text().strip()))

    def acknowledge_selected(self) -> Op | None:
        alert = self.selected()
        if alert is None or not self.ack_button.isEnabled():
            return None
        service, actor, note = self._service, self._actor, self.note.text()
        self.pending_op = run_op(self, lambda: service.acknowledge(actor, alert.id, note), self._on_acknowledged,
                                 lambda exc: self.show_message(error_text(exc), error=True),
                                 on_finally=self._update_button)
        self._update_button()
        return self.pending_op

    def _on_acknowledged(self, alert: Alert) -> None:
        self.note.clear()
        self.show_message(self.tr("Alert #{id} acknowledged.").replace("{id}", str(alert.id)))
        self.reload()
        if self._on_changed is not None:
            self._on_changed()

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else f"color: {GREEN};")
        self.message.setProperty("severity", "error" if error else "info")
        self.message.setVisible(bool(text))
