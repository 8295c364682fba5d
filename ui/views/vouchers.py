"""Payment vouchers (付款凭证): the maker's own payment requests (status colours, sortable, filter) and the
voucher form (ui/dialogs/voucher_dialog.py) to enter a new one or correct a draft / rejected one."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import ValidationFailed
from app.domain.payment import PaymentStatus
from app.domain.payment_request import PaymentRequest
from app.domain.users import Actor, Role
from app.services import Services
from ui.dialogs.voucher_dialog import EDITABLE, SUBMITTABLE, VoucherDialog
from ui.models.rows_table import RowsTableModel
from ui.ops import Op, error_text, run_op
from ui.problems import describe
from ui.views.payment_columns import PaymentProxyModel, payment_columns, status_text
from ui.views.payment_detail import detail_html
from ui.widgets.form import ERROR_STYLE

FILTER_DEBOUNCE_MS = 200
FILTER_STATUSES = (PaymentStatus.DRAFT, PaymentStatus.PENDING_APPROVAL, PaymentStatus.REJECTED,
                   PaymentStatus.APPROVED, PaymentStatus.SIGNED, PaymentStatus.SUCCEEDED, PaymentStatus.FAILED,
                   PaymentStatus.CANCELLED)


class VouchersView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("vouchersView")
        self._services = services
        self._actor = actor
        self.accounts: list = []
        self.dialog: VoucherDialog | None = None
        self.can_make = actor.has(Role.MAKER)
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Payment vouchers"), self)
        title.setObjectName("pageTitle")
        layout.addWidget(title)

        bar = QHBoxLayout()
        self.status_filter = QComboBox(self)
        self.status_filter.setObjectName("statusFilter")
        self.status_filter.addItem(self.tr("All statuses"), None)
        for status in FILTER_STATUSES:
            self.status_filter.addItem(status_text(status), status.value)
        bar.addWidget(self.status_filter)
        self.search = QLineEdit(self)
        self.search.setObjectName("searchEdit")
        self.search.setPlaceholderText(self.tr("Filter by payee, account, purpose or amount…"))
        self.search.setClearButtonEnabled(True)
        bar.addWidget(self.search, 1)
        self.new_button = QPushButton(self.tr("New voucher…"), self)
        self.new_button.setObjectName("newVoucherButton")
        self.edit_button = QPushButton(self.tr("Edit…"), self)
        self.edit_button.setObjectName("editVoucherButton")
        self.submit_button = QPushButton(self.tr("Submit for approval"), self)
        self.submit_button.setObjectName("submitVoucherButton")
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        self.refresh_button.setObjectName("refreshButton")
        for button in (self.new_button, self.edit_button, self.submit_button, self.refresh_button):
            bar.addWidget(button)
        layout.addLayout(bar)
        self.message = QLabel(self)
        self.message.setObjectName("messageLabel")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)

        self.model = RowsTableModel(payment_columns(), parent=self)
        self.proxy = PaymentProxyModel(self.model, self)
        self.table = QTableView(self)
        self.table.setObjectName("vouchersTable")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((56, 100, 220, 150, 120, 60, 160, 70, 110)):
            header.resizeSection(column, width)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.detail = QTextBrowser(self)
        self.detail.setObjectName("voucherDetail")
        self.detail.setOpenLinks(False)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setObjectName("vouchersSplitter")
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("voucherCountLabel")
        layout.addWidget(self.count_label)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(FILTER_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.status_filter.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.new_button.clicked.connect(self.new_voucher)
        self.edit_button.clicked.connect(self.edit_selected)
        self.submit_button.clicked.connect(self.submit_selected)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._on_selection_changed())
        self._update_buttons()

    # -- loading ------------------------------------------------------------------------------------------
    def refresh(self) -> Op:
        payments, md, actor = self._services.payments, self._services.master_data, self._actor
        selected = self.selected()
        keep = selected.id if selected is not None else None

        def load():
            return payments.list(actor, mine_only=True), md.list_accounts(actor)
        return run_op(self, load, lambda result: self._on_loaded(result, keep), self._on_load_failed)

    def _on_loaded(self, result, keep: int | None) -> None:
        rows, self.accounts = result
        self.model.set_rows(rows)
        self._update_count()
        if keep is not None:
            self.select_payment(keep)
        self._on_selection_changed()

    def _on_load_failed(self, exc: BaseException) -> None:
        self.show_message(error_text(exc), error=True)

    def apply_filter(self) -> None:
        value = self.status_filter.currentData()
        self.proxy.set_filter(status=PaymentStatus(value) if value else None, text=self.search.text())
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        text = self.tr("{n} payment requests").replace("{n}", f"{total:,}")
        if shown != total:
            text = self.tr("{shown} of {n} payment requests").replace("{shown}", f"{shown:,}") \
                .replace("{n}", f"{total:,}")
        self.count_label.setText(text)

    # -- selection ----------------------------------------------------------------------------------------
    def selected(self) -> PaymentRequest | None:
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.row_at(rows[0].row()) if rows else None

    def select_payment(self, payment_id: int) -> bool:
        for row in range(self.proxy.rowCount()):
            if self.proxy.row_at(row).id == payment_id:
                self.table.selectRow(row)
                return True
        return False

    def _on_selection_changed(self) -> None:
        self._update_buttons()
        payment = self.selected()
        if payment is None:
            self.detail.clear()
            return
        payments, actor = self._services.payments, self._actor
        run_op(self, lambda: payments.get(actor, payment.id), self._on_detail_loaded, lambda _e: self.detail.clear())

    def _on_detail_loaded(self, detail) -> None:
        current = self.selected()
        if current is not None and current.id == detail.payment.id:
            self.detail.setHtml(detail_html(detail))

    def _update_buttons(self) -> None:
        payment = self.selected()
        editable = self.can_make and payment is not None and payment.status in EDITABLE
        self.new_button.setEnabled(self.can_make)
        self.edit_button.setEnabled(editable)
        self.submit_button.setEnabled(editable and payment.status in SUBMITTABLE)

    # -- actions ------------------------------------------------------------------------------------------
    def new_voucher(self) -> VoucherDialog | None:
        if not self.can_make:
            return None
        return self._open(VoucherDialog(self._services, self._actor, self._active_accounts(), None, None, self))

    def edit_selected(self) -> Op | None:
        """Open the selected unsigned payment (its payee is read off the GUI thread first)."""
        payment = self.selected()
        if payment is None or not self.can_make or payment.status not in EDITABLE:
            return None
        md, actor = self._services.master_data, self._actor
        return run_op(self, lambda: md.get_payee(actor, payment.payee_id),
                      lambda payee: self._open(VoucherDialog(self._services, self._actor, self._active_accounts(),
                                                             payment, payee, self)))

    def _active_accounts(self) -> list:
        return [a for a in self.accounts if a.is_active]

    def _open(self, dialog: VoucherDialog) -> VoucherDialog:
        self.dialog = dialog
        dialog.saved.connect(self._on_dialog_saved)
        dialog.open()
        return dialog

    def _on_dialog_saved(self, payment: PaymentRequest) -> None:
        if payment.status is PaymentStatus.PENDING_APPROVAL:
            self.show_message(self.tr("Payment #{id} was submitted for approval.").replace("{id}", str(payment.id)))
        else:
            self.show_message(self.tr("Payment #{id} was saved as {status}.").replace("{id}", str(payment.id))
                              .replace("{status}", status_text(payment.status)))
        self.refresh()

    def submit_selected(self) -> Op | None:
        payment = self.selected()
        if payment is None or payment.status not in SUBMITTABLE:
            return None
        payments, actor = self._services.payments, self._actor
        override = payment.duplicate_override
        return run_op(self, lambda: payments.submit(actor, payment.id, override_duplicate=override),
                      self._on_dialog_saved, self._on_submit_failed, busy_text=self.tr("Submitting…"))

    def _on_submit_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationFailed):
            text = "\n".join(f"{describe(p)} [{p.code}]" for p in exc.problems)
            self.show_message(self.tr("Cannot submit; open the voucher to correct it:") + "\n" + text, error=True)
        else:
            self.show_message(error_text(exc), error=True)
        self.refresh()

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else "color: #2e7d32;")
        self.message.setProperty("severity", "error" if error else "info")
        self.message.setVisible(bool(text))

