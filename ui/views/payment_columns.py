"""What the voucher list and the approval inbox share: status names and colours, payment table columns, and a
sort/filter proxy that sorts on the row values (amounts as integers, dates as dates), not on the shown text."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
)

from app.domain.money import format_amount
from app.domain.payment import PaymentStatus
from app.domain.payment_request import PaymentRequest
from ui.models.lazy_table import Column
from ui.models.rows_table import RowsTableModel

translate = QCoreApplication.translate
S = PaymentStatus

STATUS_TEXTS: dict[PaymentStatus, str] = {
    S.DRAFT: QT_TRANSLATE_NOOP("PaymentStatus", "Draft"),
    S.PENDING_APPROVAL: QT_TRANSLATE_NOOP("PaymentStatus", "Awaiting approval"),
    S.REJECTED: QT_TRANSLATE_NOOP("PaymentStatus", "Rejected"),
    S.APPROVED: QT_TRANSLATE_NOOP("PaymentStatus", "Approved"),
    S.SIGNED: QT_TRANSLATE_NOOP("PaymentStatus", "Signed"),
    S.QUEUED: QT_TRANSLATE_NOOP("PaymentStatus", "Queued"),
    S.SENDING: QT_TRANSLATE_NOOP("PaymentStatus", "Sending"),
    S.UNKNOWN: QT_TRANSLATE_NOOP("PaymentStatus", "Outcome unknown"),
    S.ACCEPTED: QT_TRANSLATE_NOOP("PaymentStatus", "Accepted by bank"),
    S.AWAITING_BANK_AUTH: QT_TRANSLATE_NOOP("PaymentStatus", "Awaiting bank authorization"),
    S.PROCESSING: QT_TRANSLATE_NOOP("PaymentStatus", "Processing"),
    S.SUCCEEDED: QT_TRANSLATE_NOOP("PaymentStatus", "Succeeded"),
    S.FAILED: QT_TRANSLATE_NOOP("PaymentStatus", "Failed"),
    S.PARTIAL: QT_TRANSLATE_NOOP("PaymentStatus", "Partly succeeded"),
    S.CANCELLED: QT_TRANSLATE_NOOP("PaymentStatus", "Cancelled"),
    S.EXPIRED: QT_TRANSLATE_NOOP("PaymentStatus", "Expired"),
    S.RETURNED: QT_TRANSLATE_NOOP("PaymentStatus", "Returned"),
}

STATUS_COLOURS: dict[PaymentStatus, str] = {
    S.DRAFT: "#616161", S.PENDING_APPROVAL: "#b26a00", S.REJECTED: "#c62828", S.APPROVED: "#2e7d32",
    S.SIGNED: "#1565c0", S.QUEUED: "#1565c0", S.SENDING: "#1565c0", S.UNKNOWN: "#c62828",
    S.ACCEPTED: "#1565c0", S.AWAITING_BANK_AUTH: "#b26a00", S.PROCESSING: "#1565c0", S.SUCCEEDED: "#2e7d32",
    S.FAILED: "#c62828", S.PARTIAL: "#c62828", S.CANCELLED: "#616161", S.EXPIRED: "#616161",
    S.RETURNED: "#c62828",
}


def status_text(status: PaymentStatus | str) -> str:
    status = PaymentStatus(status)
    return translate("PaymentStatus", STATUS_TEXTS.get(status, status.value))


def urgency_text(urgent: bool) -> str:
    return translate("PaymentColumns", "Real-time") if urgent else translate("PaymentColumns", "Normal")


def amount_text(payment: PaymentRequest) -> str:
    return format_amount(payment.amount_minor)


def payment_columns(*, with_maker: bool = False) -> list[Column]:
    """Columns of a payment table (titles translated now). ``sort_key`` names the attribute sorted on."""
    columns = [
        Column("id", translate("PaymentColumns", "No."), lambda p: p.id, numeric=True, sort_key="id"),
        Column("requested_date", translate("PaymentColumns", "Execution date"), lambda p: p.requested_date.isoformat(),
               sort_key="requested_date"),
        Column("payee_name", translate("PaymentColumns", "Payee"), lambda p: p.payee_name, sort_key="payee_name"),
        Column("payee_account", translate("PaymentColumns", "Payee account"), lambda p: p.payee_account, numeric=True,
               sort_key="payee_account"),
        Column("amount", translate("PaymentColumns", "Amount"), amount_text, numeric=True, sort_key="amount_minor"),
        Column("currency", translate("PaymentColumns", "Currency"), lambda p: p.currency, sort_key="currency"),
        Column("purpose", translate("PaymentColumns", "Purpose"), lambda p: p.purpose, sort_key="purpose"),
        Column("urgent", translate("PaymentColumns", "Urgency"), lambda p: urgency_text(p.urgent), sort_key="urgent"),
        Column("status", translate("PaymentColumns", "Status"), lambda p: status_text(p.status), sort_key="status",
               foreground=lambda p: STATUS_COLOURS.get(p.status)),
    ]
    if with_maker:
        columns.insert(7, Column("maker_name", translate("PaymentColumns", "Maker"), lambda p: p.maker_name,
                                 sort_key="maker_name"))
    return columns


def _sort_value(row: Any, key: str) -> Any:
    value = getattr(row, key, None)
    if isinstance(value, PaymentStatus):
        return value.value
    return value


class PaymentProxyModel(QSortFilterProxyModel):
    """Sorts on row attributes; filters by a text predicate and an optional status."""

    def __init__(self, source: RowsTableModel, parent=None):
        super().__init__(parent)
        self.setSourceModel(source)
        self._source = source
        self.status: PaymentStatus | None = None
        self.text = ""
        self.account_id: int | None = None

    def set_filter(self, *, status: PaymentStatus | None = None, text: str = "",
                   account_id: int | None = None) -> None:
        self.beginFilterChange()
        self.status = status
        self.account_id = account_id
        self.text = text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        p = self._source.row_at(source_row)
        if self.status is not None and p.status is not self.status:
            return False
        if self.account_id is not None and p.debit_account_id != self.account_id:
            return False
        if self.text:
            haystack = " ".join((p.payee_name, p.payee_account, p.purpose, str(p.id),
                                 format_amount(p.amount_minor), p.maker_name)).lower()
            if self.text not in haystack:
                return False
        return True

    def lessThan(self, left: QModelIndex | QPersistentModelIndex,
                 right: QModelIndex | QPersistentModelIndex) -> bool:
        key = self._source.columns[left.column()].sort_key or "id"
        a = _sort_value(self._source.row_at(left.row()), key)
        b = _sort_value(self._source.row_at(right.row()), key)
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)

    def row_at(self, proxy_row: int) -> PaymentRequest:
        return self._source.row_at(self.mapToSource(self.index(proxy_row, 0)).row())
