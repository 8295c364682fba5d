"""Approval inbox (审批): counts, filters, the payments awaiting me, a detail pane, approve (one or many) / reject.

Approving any payment above the policy's password threshold asks for the password again (PasswordDialog); the
service checks it and refuses without it (PASSWORD_REQUIRED). The service decides every rule (separation of
duties, content hash, named role): its refusals are shown in the message line, nothing is approved then.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
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

from app.domain.errors import AuthenticationFailed, PermissionDenied, ValidationFailed
from app.domain.money import format_amount
from app.domain.payment import PaymentStatus
from app.domain.payment_request import PaymentRequest
from app.domain.users import Actor
from app.services import Services
from ui.dialogs.password_dialog import PasswordDialog
from ui.dialogs.reject_dialog import RejectDialog
from ui.dialogs.voucher_dialog import account_label
from ui.models.rows_table import RowsTableModel
from ui.ops import Op, error_text, run_op
from ui.problems import describe
from ui.views.payment_columns import PaymentProxyModel, payment_columns, status_text
from ui.views.payment_detail import detail_html
from ui.widgets.form import ERROR_STYLE

FILTER_DEBOUNCE_MS = 200
SCOPE_MINE = "awaiting_me"
SCOPE_ALL = "all_pending"
PASSWORD_REQUIRED = "PASSWORD_REQUIRED"


class ApprovalsView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("approvalsView")
        self._services = services
        self._actor = actor
        self.threshold_minor: int | None = None
        self.counts: dict[str, int] = {}
        self.password_dialog: PasswordDialog | None = None
        self.reject_dialog: RejectDialog | None = None
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Approval inbox"), self)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.counts_label = QLabel(self)
        self.counts_label.setObjectName("countsLabel")
        self.counts_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.counts_label)

        bar = QHBoxLayout()
        self.scope = QComboBox(self)
        self.scope.setObjectName("scopeFilter")
        self.scope.addItem(self.tr("Awaiting my approval"), SCOPE_MINE)
        self.scope.addItem(self.tr("All payments awaiting approval"), SCOPE_ALL)
        bar.addWidget(self.scope)
        self.account_filter = QComboBox(self)
        self.account_filter.setObjectName("accountFilter")
        self.account_filter.addItem(self.tr("All debit accounts"), None)
        bar.addWidget(self.account_filter)
        self.search = QLineEdit(self)
        self.search.setObjectName("searchEdit")
        self.search.setPlaceholderText(self.tr("Filter by payee, account, purpose, amount or maker…"))
        self.search.setClearButtonEnabled(True)
        bar.addWidget(self.search, 1)
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        self.refresh_button.setObjectName("refreshButton")
        bar.addWidget(self.refresh_button)
        layout.addLayout(bar)

        self.model = RowsTableModel(payment_columns(with_maker=True), parent=self)
        self.proxy = PaymentProxyModel(self.model, self)
        self.table = QTableView(self)
        self.table.setObjectName("inboxTable")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((50, 92, 190, 140, 110, 50, 120, 90, 60, 100)):
            header.resizeSection(column, width)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.detail = QTextBrowser(self)
        self.detail.setObjectName("approvalDetail")
        self.detail.setOpenLinks(False)
        self.detail.setMinimumWidth(320)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("approvalsSplitter")
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

        actions = QHBoxLayout()
        self.selection_label = QLabel(self)
        self.selection_label.setObjectName("selectionLabel")
        actions.addWidget(self.selection_label, 1)
        self.approve_button = QPushButton(self.tr("Approve selected"), self)
        self.approve_button.setObjectName("approveButton")
        self.reject_button = QPushButton(self.tr("Reject…"), self)
        self.reject_button.setObjectName("rejectButton")
        actions.addWidget(self.approve_button)
        actions.addWidget(self.reject_button)
        layout.addLayout(actions)
        self.message = QLabel(self)
        self.message.setObjectName("messageLabel")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(FILTER_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.account_filter.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.scope.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)
        self.approve_button.clicked.connect(self.approve_selected)
        self.reject_button.clicked.connect(self.reject_selected)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._on_selection_changed())
        self._on_selection_changed()

    # -- loading ------------------------------------------------------------------------------------------
    def refresh(self) -> Op:
        services, actor, scope = self._services, self._actor, self.scope.currentData()
        keep = [p.id for p in self.selected()]

        def load():
            approvals = services.approvals
            if scope == SCOPE_ALL:
                rows = services.payments.list(actor, status=PaymentStatus.PENDING_APPROVAL)
            else:
                rows = approvals.inbox(actor)
            return (rows, approvals.inbox_counts(actor), approvals.password_threshold_minor,
                    services.master_data.list_accounts(actor))
        return run_op(self, load, lambda result: self._on_loaded(result, keep), self._on_load_failed)

    def _on_loaded(self, result, keep: list[int]) -> None:
        rows, self.counts, self.threshold_minor, accounts = result
        self.model.set_rows(rows)
        self._fill_accounts(accounts)
        self._show_counts()
        for payment_id in keep:
            self.select_payment(payment_id, add=True)
        self._on_selection_changed()

    def _on_load_failed(self, exc: BaseException) -> None:
        if isinstance(exc, PermissionDenied):
            self.show_message(self.tr("Only approvers can use the approval inbox."), error=True)
        else:
            self.show_message(error_text(exc), error=True)
        self.approve_button.setEnabled(False)
        self.reject_button.setEnabled(False)

    def _fill_accounts(self, accounts) -> None:
        current = self.account_filter.currentData()
        self.account_filter.blockSignals(True)
        self.account_filter.clear()
        self.account_filter.addItem(self.tr("All debit accounts"), None)
        for account in accounts:
            self.account_filter.addItem(account_label(account), account.id)
        index = self.account_filter.findData(current)
        self.account_filter.setCurrentIndex(max(index, 0))
        self.account_filter.blockSignals(False)

    def _show_counts(self) -> None:
        c = self.counts
        parts = [
            (self.tr("Awaiting me"), c.get("awaiting_me", 0), "#b26a00"),
            (self.tr("Approved by me, awaiting others"), c.get("approved_by_me", 0), "#1565c0"),
            (self.tr("My own, awaiting others"), c.get("own_pending", 0), "#616161"),
            (self.tr("All awaiting approval"), c.get("pending_approval", 0), "#616161"),
            (self.tr("Approved"), c.get("approved", 0), "#2e7d32"),
            (self.tr("Rejected"), c.get("rejected", 0), "#c62828"),
        ]
        self.counts_label.setText(" &nbsp;·&nbsp; ".join(
            f"{label}: <b style='color:{colour}'>{n:,}</b>" for label, n, colour in parts))

    def apply_filter(self) -> None:
        self.proxy.set_filter(text=self.search.text(), account_id=self.account_filter.currentData())
        self._on_selection_changed()

    # -- selection ----------------------------------------------------------------------------------------
    def selected(self) -> list[PaymentRequest]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.proxy.row_at(row) for row in rows]

    def select_payment(self, payment_id: int, *, add: bool = False) -> bool:
        for row in range(self.proxy.rowCount()):
            if self.proxy.row_at(row).id == payment_id:
                flags = QItemSelectionModel.SelectionFlag.Rows | (
                    QItemSelectionModel.SelectionFlag.Select if add
                    else QItemSelectionModel.SelectionFlag.ClearAndSelect)
                self.table.selectionModel().select(self.proxy.index(row, 0), flags)
                return True
        return False

    def _on_selection_changed(self) -> None:
        chosen = self.selected()
        self.approve_button.setEnabled(bool(chosen))
        self.reject_button.setEnabled(bool(chosen))
        if not chosen:
            self.selection_label.setText(self.tr("{n} payments shown").replace("{n}", f"{self.proxy.rowCount():,}"))
            self.detail.clear()
            return
        totals: dict[str, int] = {}
        for p in chosen:
            totals[p.currency] = totals.get(p.currency, 0) + p.amount_minor
        total = ", ".join(f"{cur} {format_amount(v)}" for cur, v in sorted(totals.items()))
        self.selection_label.setText(self.tr("{n} selected · total {total}").replace("{n}", str(len(chosen)))
                                     .replace("{total}", total))
        payment = chosen[-1] if len(chosen) > 1 else chosen[0]
        payments, actor = self._services.payments, self._actor
        run_op(self, lambda: payments.get(actor, payment.id), self._on_detail_loaded, lambda _e: self.detail.clear())

    def _on_detail_loaded(self, detail) -> None:
        if any(p.id == detail.payment.id for p in self.selected()):
            self.detail.setHtml(detail_html(detail, self._actor.user_id))

    # -- approving ----------------------------------------------------------------------------------------
    def needs_password(self, payments: list[PaymentRequest]) -> bool:
        threshold = self.threshold_minor
        return threshold is not None and any(p.amount_minor > threshold for p in payments)

    def approve_selected(self) -> Op | PasswordDialog | None:
        chosen = self.selected()
        if not chosen:
            return None
        ids = [p.id for p in chosen]
        if self.needs_password(chosen):
            return self.ask_password(ids)
        return self._approve(ids, None)

    def ask_password(self, ids: list[int]) -> PasswordDialog:
        threshold = format_amount(self.threshold_minor or 0)
        reason = self.tr("Approving payments above {threshold} needs your password again (payments {ids}).") \
            .replace("{threshold}", threshold).replace("{ids}", ", ".join(f"#{i}" for i in ids))
        self.password_dialog = PasswordDialog(self._actor.username, reason,
                                              lambda password: self._approve(ids, password), self)
        self.password_dialog.open()
        return self.password_dialog

    def _approve(self, ids: list[int], password: str | None) -> Op:
        approvals, actor = self._services.approvals, self._actor
        self.approve_button.setEnabled(False)
        return run_op(self, lambda: approvals.approve(actor, ids, password=password),
                      self._on_approved, lambda exc: self._on_approve_failed(ids, exc),
                      busy_text=self.tr("Approving…"))

    def _on_approved(self, payments: list[PaymentRequest]) -> None:
        done = ", ".join(f"#{p.id} ({status_text(p.status)})" for p in payments)
        self.show_message(self.tr("Approved: {done}").replace("{done}", done))
        self.refresh()

    def _on_approve_failed(self, ids: list[int], exc: BaseException) -> None:
        if isinstance(exc, ValidationFailed) and any(p.code == PASSWORD_REQUIRED for p in exc.problems):
            self.ask_password(ids)
            return
        if isinstance(exc, AuthenticationFailed):
            text = self.tr("Wrong password: nothing was approved.") + "\n" + error_text(exc)
        elif isinstance(exc, ValidationFailed):
            text = "\n".join(f"{describe(p)} [{p.code}]" for p in exc.problems)
        elif getattr(exc, "code", None) == "ROLE_REQUIRED":       # not the user-form text of that code
            text = self.tr("The last approval of this payment must come from an approver holding the role the "
                           "policy names.") + " [ROLE_REQUIRED]"
        else:
            text = f"{error_text(exc)} [{getattr(exc, 'code', type(exc).__name__)}]"
        self.show_message(self.tr("Refused — nothing was approved:") + "\n" + text, error=True)
        self.refresh()

    # -- rejecting ----------------------------------------------------------------------------------------
    def reject_selected(self) -> RejectDialog | None:
        chosen = self.selected()
        if not chosen:
            return None
        self.reject_dialog = RejectDialog(self._services, self._actor, [p.id for p in chosen],
                                          self._on_rejected, self)
        self.reject_dialog.finished.connect(lambda _r: self.refresh())
        self.reject_dialog.open()
        return self.reject_dialog

    def _on_rejected(self, payments: list[PaymentRequest]) -> None:
        self.show_message(self.tr("Rejected and returned to the maker: {ids}")
                          .replace("{ids}", ", ".join(f"#{p.id}" for p in payments)))

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else "color: #2e7d32;")
        self.message.setProperty("severity", "error" if error else "info")
        self.message.setVisible(bool(text))
