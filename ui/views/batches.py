"""Batch payments (批量付款): imported payroll and supplier batches, their lines and results, batch-level actions.

* The list shows every batch (file, kind, debit account, lines, total, stage and the counts per bucket).
* For the selected batch: the reconciliation line (lines = not sent + sent; sent = succeeded + failed + pending,
  counts and totals) and its lines in a lazy table — pages of ``PAGE_SIZE`` lines are fetched off the GUI thread
  when painted, in the order of the sorted column (the database sorts: any order pages lazily). Amounts are
  right-aligned with separators, statuses coloured, the bank's code and text per line; supplier lines show the
  invoices they pay and the remittance reference (发票/附言; every invoice in the tooltip).
* Actions: import a file (the wizard), approve the batch (approvers; the count and total shown are what is
  approved — BATCH_CHANGED otherwise; password re-entry above the policy threshold), reject it with a comment,
  export the results or the failed lines (CSV/XLSX, formula-escaped), re-initiate the failed lines as a new batch.
* Live: the main window refreshes the page on ``payments_changed``; a timer asks for the batches' counts every
  ``POLL_MS`` and reloads when they moved (the engine may run in another process).
* Columns fit their header and text (at most ``FIT_MAX`` pixels, the tooltip holds the whole text); the file name
  (list) and the bank's message (lines) take the room the others leave. The lines table is sized from the lines in
  memory only (sizing never fetches a page). The list is fitted when first filled; reloads only widen a column
  whose text grew. A column the user resized keeps its width across reloads (and restarts: the main window saves
  the header, :class:`FittedHeader` keeps which columns the user sized) until "Fit columns to their text" in the
  header's context menu.
* An action's message ("Batch 1: 300 lines approved.") stays while it describes what is shown: it goes when
  another batch is selected or the batch it is about moves on to another stage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import AuthenticationFailed, ValidationFailed
from app.domain.money import format_amount
from app.domain.payment import PaymentStatus
from app.domain.users import Actor, Role
from app.services import Services
from ui.dialogs.batch_import_wizard import BatchImportWizard
from ui.dialogs.password_dialog import PasswordDialog
from ui.ops import Op, error_text, run_op
from ui.signals import emit
from ui.views.payment_columns import status_text
from ui.widgets.confirm import open_confirmation
from ui.widgets.form import ERROR_STYLE

Index = QModelIndex | QPersistentModelIndex
translate = QCoreApplication.translate
POLL_MS = 2000
PAGE_SIZE = 200
OVERVIEW_LIMIT = 200          # batches listed (newest first)
GREEN, RED, AMBER, BLUE, GREY = "#2e7d32", "#c62828", "#b26a00", "#1565c0", "#616161"
S = PaymentStatus
FAILED = frozenset({S.FAILED, S.EXPIRED, S.RETURNED, S.PARTIAL})
IN_FLIGHT = frozenset({S.SIGNED, S.QUEUED, S.SENDING, S.ACCEPTED, S.AWAITING_BANK_AUTH, S.PROCESSING})
FIT_MAX = 260           # px: a column sized to its text grows no wider (its tooltip holds the whole text)
FILL_MAX = 720          # px: how wide its own text may make the filling column (it takes any further room left)
FIT_PADDING = 8         # px: room around a fitted column's widest text


def line_colour(status: str) -> str:
    s = PaymentStatus(status)
    if s is S.SUCCEEDED:
        return GREEN
    if s in FAILED or s is S.REJECTED:
        return RED
    if s is S.UNKNOWN:
        return AMBER
    if s in IN_FLIGHT:
        return BLUE
    return GREY


# -- the batch list -------------------------------------------------------------------------------------------
class BatchListModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list = []          # BatchResults

    def titles(self) -> list[str]:
        return [self.tr("No."), self.tr("File"), self.tr("Kind"), self.tr("Debit account"), self.tr("Lines"),
                self.tr("Total"), self.tr("Stage"), self.tr("Awaiting approval"), self.tr("Awaiting signature"),
                self.tr("Succeeded"), self.tr("Failed"), self.tr("Pending")]

    def set_rows(self, rows: Sequence) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 12

    def stage_text(self, stage: str) -> str:
        return {"AWAITING_APPROVAL": self.tr("Awaiting approval"), "AWAITING_SIGNATURE": self.tr("Awaiting signature"),
                "IN_PROGRESS": self.tr("In progress"), "COMPLETED": self.tr("Completed"),
                "COMPLETED_WITH_FAILURES": self.tr("Completed with failures"), "REJECTED": self.tr("Rejected"),
                "CANCELLED": self.tr("Cancelled")}.get(stage, stage)

    def kind_text(self, kind: str) -> str:
        return {"payroll": self.tr("Payroll"), "supplier": self.tr("Supplier")}.get(kind, kind)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        b, c = r.batch, index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            bucket = r.buckets
            return [str(b.id), b.file_name, self.kind_text(b.kind), b.debit_account_number, f"{b.line_count:,}",
                    f"{b.currency} {format_amount(b.total_minor)}", self.stage_text(r.stage),
                    f"{bucket['awaiting_approval'].count:,}", f"{bucket['awaiting_signature'].count:,}",
                    f"{bucket['succeeded'].count:,}", f"{bucket['failed'].count:,}",
                    f"{bucket['pending'].count:,}"][c]
        if role == Qt.ItemDataRole.TextAlignmentRole and c in (0, 4, 5, 7, 8, 9, 10, 11):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if c == 10 and r.buckets["failed"].count:
                return QBrush(QColor(RED))
            if c == 9 and r.buckets["succeeded"].count:
                return QBrush(QColor(GREEN))
            if c == 6:
                return QBrush(QColor({"COMPLETED": GREEN, "COMPLETED_WITH_FAILURES": RED, "IN_PROGRESS": BLUE,
                                      "REJECTED": RED}.get(r.stage, GREY)))
        if role == Qt.ItemDataRole.UserRole:
            return b.id
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role in (Qt.ItemDataRole.DisplayRole,
                                                                 Qt.ItemDataRole.ToolTipRole):
            return self.titles()[section]
        return None

    def row_of(self, batch_id: int) -> int:
        return next((i for i, r in enumerate(self.rows) if r.batch.id == batch_id), -1)


# -- the lines of one batch (lazy) ----------------------------------------------------------------------------
@dataclass(frozen=True)
class LineColumn:
    key: str
    title: str
    value: Callable[[Any], str]
    sort_key: str              # the service's sort key (BatchResultsService.lines(sort=…)): ordered in SQL
    numeric: bool = False


REMITTANCE_SHOWN = 1          # invoices written out in the remittance cell (the others counted); the tooltip lists all


class BatchLinesTableModel(QAbstractTableModel):
    """``count`` rows; pages of ``page_size`` lines are fetched through ``runner`` when painted, in the order of the
    sorted column: ``fetch(offset, limit)`` in file order (the row ascending), ``fetch(offset, limit, sort_key,
    descending)`` for any other order — the database sorts, so every order pages lazily (a sort never loads the
    whole batch). Sorting drops the pages in memory and asks for the first page of the new order."""

    PLACEHOLDER = "…"

    def __init__(self, fetch: Callable[..., list], runner: Callable | None = None, page_size: int = PAGE_SIZE,
                 parent=None):
        super().__init__(parent)
        self._fetch = fetch
        self._runner = runner
        self.page_size = page_size
        self.count = 0
        self._pages: dict[int, list] = {}
        self._pending: set[int] = set()
        self._generation = 0
        self.sort_column = 0
        self.sort_order = Qt.SortOrder.AscendingOrder
        self.fetched_pages: list[int] = []
        self.columns = [
            LineColumn("row", self.tr("Row"), lambda r: str(r.row), "row", True),
            LineColumn("payee", self.tr("Payee"), lambda r: r.payee_name, "payee_name"),
            LineColumn("account", self.tr("Payee account"), lambda r: r.payee_account, "payee_account"),
            LineColumn("amount", self.tr("Amount"), lambda r: format_amount(r.amount_minor), "amount", True),
            LineColumn("purpose", self.tr("Purpose"), lambda r: r.purpose, "purpose"),
            LineColumn("remittance", self.tr("Invoices / reference"), self.remittance_text, "remittance"),
            LineColumn("status", self.tr("Status"), lambda r: status_text(PaymentStatus(r.status)), "status"),
            LineColumn("bank_code", self.tr("Bank code"), lambda r: r.bank_code_result or "", "bank_code_result"),
            LineColumn("bank_text", self.tr("Bank message"), lambda r: r.bank_text or "", "bank_text"),
            LineColumn("reference", self.tr("Client reference"), lambda r: r.client_reference or "",
                       "client_reference"),
            LineColumn("payment", self.tr("Payment No."), lambda r: str(r.payment_id), "payment_id", True),
        ]

    # -- remittance ---------------------------------------------------------------------------------------------
    def remittance_text(self, line: Any) -> str:
        """Compact: ``INV-001 (2026-11-01) +3 | PO-778`` — the first invoice with its date, how many more, the
        remittance reference (汇款附言): short enough for the cell; the tooltip lists every invoice."""
        rem = getattr(line, "remittance", None)
        if not rem:
            return ""
        docs = rem.documents
        shown = "; ".join(d.number + (f" ({d.issued.isoformat()})" if d.issued else "")
                          for d in docs[:REMITTANCE_SHOWN])
        if len(docs) > REMITTANCE_SHOWN:
            shown += f" +{len(docs) - REMITTANCE_SHOWN}"
        return " | ".join(part for part in (shown, rem.reference) if part)

    def remittance_tooltip(self, line: Any) -> str | None:
        """Every invoice (number and date) on its own line, then the reference."""
        rem = getattr(line, "remittance", None)
        if not rem:
            return None
        lines = []
        if rem.documents:
            lines.append(self.tr("Invoices ({n}):").replace("{n}", str(len(rem.documents))))
            lines += [f"  {d.number}" + (f"  {d.issued.isoformat()}" if d.issued else "") for d in rem.documents]
        if rem.reference:
            lines.append(self.tr("Remittance reference: {ref}").replace("{ref}", rem.reference))
        return "\n".join(lines)

    # -- paging -------------------------------------------------------------------------------------------------
    @property
    def sort_key(self) -> str:
        return self.columns[self.sort_column].sort_key

    @property
    def descending(self) -> bool:
        return self.sort_order == Qt.SortOrder.DescendingOrder

    def reset(self, count: int) -> None:
        """A new set of ``count`` lines (in the current order). The first page is asked for at once (a reset shows
        the top of the table), not at the first paint, so that its fetch is queued before any other background
        work."""
        self.beginResetModel()
        self.count = count
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        self.endResetModel()
        if count > 0:
            self._load_page(0)

    def is_loaded(self, row: int) -> bool:
        """Whether the line shown at ``row`` is in memory (asking never starts a fetch)."""
        return (row // self.page_size) in self._pages

    @property
    def generation(self) -> int:
        """Changes with every reset (another batch, new counts, another order)."""
        return self._generation

    def loaded_rows(self, limit: int = PAGE_SIZE) -> Iterator[int]:
        """The rows whose lines are in memory, at most ``limit`` (what columns are sized from: no fetch)."""
        n = 0
        for page in sorted(self._pages):
            for offset in range(len(self._pages[page])):
                if n >= limit:
                    return
                n += 1
                yield page * self.page_size + offset

    def row_at(self, row: int) -> Any | None:
        page = row // self.page_size
        lines = self._pages.get(page)
        if lines is None:
            self._load_page(page)
            lines = self._pages.get(page)
            if lines is None:
                return None
        offset = row - page * self.page_size
        return lines[offset] if offset < len(lines) else None

    def _load_page(self, page: int) -> None:
        if page in self._pending:
            return
        self._pending.add(page)
        self.fetched_pages.append(page)
        generation, fetch, size = self._generation, self._fetch, self.page_size
        offset = page * size
        key, descending = self.sort_key, self.descending
        if key == "row" and not descending:
            def read() -> list:
                return fetch(offset, size)
        else:
            def read() -> list:
                return fetch(offset, size, key, descending)

        def store(lines: list) -> None:
            if generation != self._generation:
                return
            self._pending.discard(page)
            self._pages[page] = lines
            first = page * size
            last = min(self.count, first + size) - 1
            if last >= first:
                emit(self.dataChanged, self.index(first, 0), self.index(last, len(self.columns) - 1))
        if self._runner is None:
            store(read())
        else:
            self._runner(read, store)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order by ``column``: the pages in memory are dropped and the first page of the new order is asked for
        (the database sorts; ties stay in file order)."""
        if not 0 <= column < len(self.columns):
            return
        if (column, order) == (self.sort_column, self.sort_order):
            return
        self.sort_column, self.sort_order = column, order
        self.reset(self.count)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.count

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            flag = Qt.AlignmentFlag.AlignRight if column.numeric else Qt.AlignmentFlag.AlignLeft
            return int(flag | Qt.AlignmentFlag.AlignVCenter)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole,
                        Qt.ItemDataRole.UserRole):
            return None
        line = self.row_at(index.row())
        if line is None:
            return self.PLACEHOLDER if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.ToolTipRole and column.key == "remittance":
            return self.remittance_tooltip(line)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return column.value(line)
        if role == Qt.ItemDataRole.ForegroundRole and column.key in ("status", "bank_code"):
            return QBrush(QColor(line_colour(line.status)))
        if role == Qt.ItemDataRole.UserRole:
            return line.payment_id
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.columns[section].title
        if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[section].numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class FittedHeader(QHeaderView):
    """The horizontal header of a :class:`FittedTableView`. It knows which columns the user sized (dragged or
    double-clicked a divider) — fitting leaves those alone — and keeps them in its saved state, so that a layout
    saved by the main window (``headers/<table>``) brings the user's widths back at the next start. A state saved
    before this header existed restores as before and marks no column as the user's."""

    STATE_TAG = b"BDFIT1:"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setSectionsClickable(True)           # as QTableView's own header (sorting, selecting)
        self.setHighlightSections(True)
        self.user_sized: set[int] = set()
        self._auto = 0
        self.sectionResized.connect(self._on_section_resized)

    @contextmanager
    def auto(self) -> Iterator[None]:
        """Resizes made inside this block are the view's own (fitting, filling, restoring), not the user's."""
        self._auto += 1
        try:
            yield
        finally:
            self._auto -= 1

    def _on_section_resized(self, column: int, old: int, new: int) -> None:
        if not self._auto and old and new:        # hiding or showing a column resizes it from or to 0
            self.user_sized.add(column)

    def saveState(self) -> QByteArray:
        tag = self.STATE_TAG + ",".join(str(c) for c in sorted(self.user_sized)).encode("ascii") + b";"
        return QByteArray(tag + bytes(super().saveState().data()))

    def restoreState(self, state: QByteArray | bytes) -> bool:
        data = bytes(state.data()) if isinstance(state, QByteArray) else bytes(state)
        user: set[int] = set()
        if data.startswith(self.STATE_TAG):
            listed, sep, data = data[len(self.STATE_TAG):].partition(b";")
            try:
                user = {int(c) for c in listed.decode("ascii").split(",") if c} if sep else set()
            except ValueError:
                return False
        with self.auto():
            restored = super().restoreState(QByteArray(data))
        if restored:
            self.user_sized = {c for c in user if 0 <= c < self.count()}
        return restored


class FittedTableView(QTableView):
    """A table whose columns fit their header and the text of the rows given to :meth:`fit_columns` (at most
    ``FIT_MAX`` pixels; the tooltip holds the rest) and whose ``fill_column`` takes the room the others leave — at
    least as wide as its own text (up to ``FILL_MAX``), with a scroll bar when the window is narrower. A column the
    user sized keeps its width (fitting and filling pass it by) until the user asks to fit the columns again (the
    header's context menu, :meth:`fit_to_text`)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setHorizontalHeader(FittedHeader(self))
        self.fill_column = -1
        self.fill_wanted = 0
        self._filling = False
        self.rows_to_fit: Callable[[], Iterable[int]] = lambda: range(self.model().rowCount())
        header = self.horizontalHeader()
        header.sectionResized.connect(self._on_header_section_resized)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_context_menu_requested)
        self.header_menu: QMenu | None = None

    def horizontalHeader(self) -> FittedHeader:
        return super().horizontalHeader()  # type: ignore[return-value]

    def fit_columns(self, rows: Iterable[int], *, grow_only: bool = False) -> None:
        """Fit every column the user did not size to ``rows`` (``grow_only``: never narrower than it is)."""
        model, header = self.model(), self.horizontalHeader()
        rows = list(rows)
        grid = 1 if self.showGrid() else 0
        with header.auto():
            for column in range(model.columnCount()):
                if header.isSectionHidden(column) or column in header.user_sized:
                    continue
                width = header.sectionSizeHint(column) + FIT_PADDING // 2
                for row in rows:
                    width = max(width, self.sizeHintForIndex(model.index(row, column)).width() + grid + FIT_PADDING)
                if column == self.fill_column:
                    self.fill_wanted = max(self.fill_wanted, min(width, FILL_MAX)) if grow_only \
                        else min(width, FILL_MAX)
                else:
                    width = min(width, FIT_MAX)
                    if grow_only:
                        width = max(width, header.sectionSize(column))
                    header.resizeSection(column, width)
        self.fill()

    def fit_to_text(self) -> None:
        """The user asks: every column fits its text again (the widths the user set are forgotten)."""
        self.horizontalHeader().user_sized.clear()
        self.fit_columns(self.rows_to_fit())

    def fill(self) -> None:
        """Give ``fill_column`` the room left (at least ``fill_wanted``) — unless the user sized it."""
        header, column = self.horizontalHeader(), self.fill_column
        if (self._filling or not 0 <= column < header.count() or header.isSectionHidden(column)
                or column in header.user_sized):
            return
        others = sum(header.sectionSize(i) for i in range(header.count())
                     if i != column and not header.isSectionHidden(i))
        width = max(self.fill_wanted, self.viewport().width() - others, header.minimumSectionSize())
        if width != header.sectionSize(column):
            self._filling = True
            try:
                with header.auto():
                    header.resizeSection(column, width)
            finally:
                self._filling = False

    def viewportEvent(self, event: QEvent) -> bool:
        handled = super().viewportEvent(event)
        if event.type() == QEvent.Type.Resize:
            self.fill()
        return handled

    def _on_header_section_resized(self, column: int, _old: int, _new: int) -> None:
        if column != self.fill_column:
            self.fill()

    def _on_header_context_menu_requested(self, pos: QPoint) -> None:
        menu = self.header_menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        action = menu.addAction(translate("FittedTableView", "Fit columns to their text"))
        action.setObjectName("fitColumnsAction")
        action.triggered.connect(self.fit_to_text)
        menu.popup(self.horizontalHeader().mapToGlobal(pos))


class BatchRejectDialog(QDialog):
    def __init__(self, batch_id: int, on_comment: Callable[[str], None], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("batchRejectDialog")
        self.setWindowTitle(self.tr("Reject batch"))
        self.setModal(True)
        self.setMinimumWidth(460)
        self._on_comment = on_comment
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Every line of batch {id} awaiting approval goes back to its maker. Say why:")
                       .replace("{id}", str(batch_id)), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.comment = QPlainTextEdit(self)
        self.comment.setObjectName("rejectComment")
        self.comment.setTabChangesFocus(True)
        layout.addWidget(self.comment)
        self.error = QLabel(self)
        self.error.setObjectName("rejectError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("rejectOkButton")
        self.ok_button.setText(self.tr("Reject batch"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def confirm(self) -> None:
        text = self.comment.toPlainText().strip()
        if not text:
            self.error.setText(self.tr("A rejection needs a comment for the maker."))
            self.error.show()
            return
        self.accept()
        self._on_comment(text)


# -- the view -------------------------------------------------------------------------------------------------
class BatchesView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("batchesView")
        self._services = services
        self._actor = actor
        self._results = services.batch_results
        self._approval = services.batch_approval
        self.can_import = actor.has(Role.MAKER) and services.batch_import is not None
        self.can_approve = actor.has(Role.APPROVER)
        self.can_reinitiate = actor.has(Role.MAKER)
        self._loading: Op | None = None
        self._partial = False
        self._polling = False
        self._busy = False
        self._marker: tuple | None = None
        self._selected_id: int | None = None
        self._shown_marker: tuple | None = None
        self._reloading = False
        self._list_fitted = False           # the list's columns were fitted to a whole list (then only grown)
        self._lines_fitted_for: int | None = None   # the batch whose lines the lines' columns were fitted to
        self._load_seq = 0                  # overview loads started
        self._shown_seq = 0                 # the load whose rows are listed
        # the message's batch, the last load started before it was shown, and that batch's stage once a later load
        # showed it (None until then): see _expire_message
        self._message_for: tuple[int | None, int, str | None] | None = None
        self.wizard: BatchImportWizard | None = None
        self.confirm_box: QMessageBox | None = None
        self.password_dialog: PasswordDialog | None = None
        self.reject_dialog: BatchRejectDialog | None = None
        self.loads = 0

        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Batch payments"), self)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        bar = QHBoxLayout()
        self.import_button = QPushButton(self.tr("Import file…"), self)
        self.import_button.setObjectName("importBatchButton")
        self.approve_button = QPushButton(self.tr("Approve batch…"), self)
        self.approve_button.setObjectName("approveBatchButton")
        self.reject_button = QPushButton(self.tr("Reject batch…"), self)
        self.reject_button.setObjectName("rejectBatchButton")
        self.export_button = QPushButton(self.tr("Export results…"), self)
        self.export_button.setObjectName("exportResultsButton")
        self.export_failed_button = QPushButton(self.tr("Export failed lines…"), self)
        self.export_failed_button.setObjectName("exportFailedButton")
        self.reinitiate_button = QPushButton(self.tr("Re-initiate failed lines…"), self)
        self.reinitiate_button.setObjectName("reinitiateFailedButton")
        self.reinitiate_button.setToolTip(self.tr("Create a new batch from the definitively failed lines; it needs "
                                                  "approval and signing again."))
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        self.refresh_button.setObjectName("refreshButton")
        for b in (self.import_button, self.approve_button, self.reject_button, self.export_button,
                  self.export_failed_button, self.reinitiate_button):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        layout.addLayout(bar)
        self.import_button.setVisible(self.can_import)
        self.approve_button.setVisible(self.can_approve)
        self.reject_button.setVisible(self.can_approve)
        self.reinitiate_button.setVisible(self.can_reinitiate)

        self.message = QLabel(self)
        self.message.setObjectName("messageLabel")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)

        self.list_model = BatchListModel(self)
        self.list_table = FittedTableView(self)
        self.list_table.setObjectName("batchListTable")
        self.list_table.setModel(self.list_model)
        self._setup_table(self.list_table)
        self.list_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_table.fill_column = 1                       # the file name
        self.list_table.fit_columns(())                       # the headers, until batches are listed

        lower = QWidget(self)
        lv = QVBoxLayout(lower)
        lv.setContentsMargins(0, 0, 0, 0)
        self.reconcile_label = QLabel(lower)
        self.reconcile_label.setObjectName("reconcileLabel")
        self.reconcile_label.setWordWrap(True)
        self.reconcile_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lv.addWidget(self.reconcile_label)
        actor_ = actor
        results = self._results

        def fetch(offset: int, limit: int, sort: str = "row", descending: bool = False) -> list:
            batch_id = self._selected_id
            if batch_id is None:
                return []
            if sort == "row" and not descending:
                return results.lines(actor_, batch_id, offset, limit)
            return results.lines(actor_, batch_id, offset, limit, sort=sort, descending=descending)
        self.lines_model = BatchLinesTableModel(fetch, runner=lambda fn, done: run_op(self, fn, done, lambda _e: None),
                                                parent=self)
        self.lines_table = FittedTableView(lower)
        self.lines_table.setObjectName("batchLinesTable")
        self.lines_table.setModel(self.lines_model)
        self._setup_table(self.lines_table)
        self.lines_table.setSortingEnabled(True)
        self.lines_table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        keys = [c.key for c in self.lines_model.columns]
        self.remittance_column = keys.index("remittance")
        self.lines_table.fill_column = keys.index("bank_text")      # the bank's reasons get the room there is
        self.lines_table.fit_columns(())
        self.lines_table.rows_to_fit = lambda: self.lines_model.loaded_rows()
        self._fitted_generation = -1
        self.lines_model.dataChanged.connect(self._on_lines_model_data_changed)
        lv.addWidget(self.lines_table, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setObjectName("batchesSplitter")
        splitter.addWidget(self.list_table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 1)

        self.poll_timer = QTimer(self)
        self.poll_timer.setObjectName("batchesPollTimer")
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self._on_poll_timer_timeout)
        self.import_button.clicked.connect(self.open_wizard)
        self.approve_button.clicked.connect(self.approve_selected)
        self.reject_button.clicked.connect(self.reject_selected)
        self.export_button.clicked.connect(lambda: self._on_export_clicked(False))
        self.export_failed_button.clicked.connect(lambda: self._on_export_clicked(True))
        self.reinitiate_button.clicked.connect(self.reinitiate_selected)
        self.refresh_button.clicked.connect(self.refresh)
        self.list_table.selectionModel().selectionChanged.connect(lambda *_: self._on_selection_changed())
        self._update_buttons()

    @staticmethod
    def _setup_table(table: QTableView) -> None:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(24)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(False)         # FittedTableView.fill_column stretches

    # -- loading ------------------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.poll_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.poll_timer.stop()

    def refresh(self) -> Op | None:
        """Load the batch list with each batch's counts. The first time (nothing listed or selected yet) the newest
        batch alone is loaded first — its lines are on screen as soon as its own counts are known, whatever the
        number and size of the older batches — and the whole list right after."""
        if self._loading is not None:
            return self._loading
        results, actor = self._results, self._actor
        limit = 1 if self._selected_id is None and not self.list_model.rows else OVERVIEW_LIMIT
        self._partial = limit < OVERVIEW_LIMIT
        self._load_seq += 1
        seq = self._load_seq
        self._loading = run_op(self, lambda: results.overview(actor, limit),
                               lambda rows: self._on_overview_loaded(rows, seq),
                               lambda exc: self.show_message(error_text(exc), error=True),
                               on_finally=self._on_load_finished)
        return self._loading

    def _on_load_finished(self) -> None:
        self._loading = None
        if self._partial:
            self._partial = False
            if self.list_model.rows:        # (queued after the first page of the newest batch's lines)
                self.refresh()

    @staticmethod
    def _marker_of(rows: Sequence) -> tuple:
        return tuple((r.batch.id, tuple(sorted((k, v.count, v.total_minor) for k, v in r.by_status.items())))
                     for r in rows)

    def _on_overview_loaded(self, rows: list, seq: int | None = None) -> None:
        self.loads += 1
        self._shown_seq = self._load_seq if seq is None else seq
        self._marker = self._marker_of(rows)
        keep = self._selected_id
        self._reloading = True
        try:
            self.list_model.set_rows(rows)
            # fitted when first filled (the newest batch, then the whole list); a reload only widens a column the
            # user did not size where its text grew — the widths the user set stay (FittedHeader.user_sized)
            self.list_table.fit_columns(range(len(rows)), grow_only=self._list_fitted)
            if rows and not self._partial:
                self._list_fitted = True
            row = self.list_model.row_of(keep) if keep is not None else -1
            if row < 0 and rows:
                row = 0
            if row >= 0:
                self.list_table.selectRow(row)
        finally:
            self._reloading = False
        self._on_selection_changed()

    def _on_poll_timer_timeout(self) -> None:
        if not self.isVisible() or self._polling or self._loading is not None:
            return
        results, actor = self._results, self._actor
        self._polling = True
        self._load_seq += 1
        seq = self._load_seq

        def done(rows) -> None:
            if self._marker_of(rows) != self._marker:
                self._on_overview_loaded(rows, seq)
            else:
                self._shown_seq = seq
                self._expire_message()
        run_op(self, lambda: results.overview(actor, OVERVIEW_LIMIT), done, lambda _e: None,
               on_finally=self._on_poll_finished)

    def _on_poll_finished(self) -> None:
        self._polling = False

    def selected(self):
        rows = self.list_table.selectionModel().selectedRows()
        return self.list_model.rows[rows[0].row()] if rows else None

    def select_batch(self, batch_id: int) -> bool:
        row = self.list_model.row_of(batch_id)
        if row >= 0:
            self.list_table.selectRow(row)
        return row >= 0

    def _on_selection_changed(self) -> None:
        if self._reloading:
            return
        r = self.selected()
        self._update_buttons()
        self._expire_message()
        if r is None:
            self._selected_id = None
            self._shown_marker = None
            self.lines_model.reset(0)
            self.reconcile_label.setText("")
            return
        marker = tuple(sorted((k, v.count, v.total_minor) for k, v in r.by_status.items()))
        self.reconcile_label.setText(self.reconcile_text(r))
        if (r.batch.id, marker) == (self._selected_id, self._shown_marker):
            return
        self._selected_id = r.batch.id
        self._shown_marker = marker
        # invoices and references are carried by supplier batches only (payroll files have no such columns)
        self.lines_table.setColumnHidden(self.remittance_column, r.batch.kind != "supplier")
        self.lines_model.reset(r.batch.line_count)

    def _on_lines_model_data_changed(self, *_args) -> None:
        """The first page of a new set of lines is in: size the columns to it (once per reset) — fitted to another
        batch's lines, only widened when the same batch is reloaded; a column the user sized keeps its width."""
        generation = self.lines_model.generation
        if generation != self._fitted_generation:
            self._fitted_generation = generation
            same = self._lines_fitted_for == self._selected_id
            self._lines_fitted_for = self._selected_id
            self.lines_table.fit_columns(self.lines_model.loaded_rows(), grow_only=same)

    def reconcile_text(self, r) -> str:
        b, k = r.batch, r.buckets
        cur = b.currency

        def t(tally) -> str:
            return f"{tally.count:,} ({cur} {format_amount(tally.total_minor)})"
        text = self.tr("Batch {id}: {lines} lines. Awaiting approval {aa}, awaiting signature {asg}, rejected {rej}, "
                       "cancelled {can}. Sent {sent} = succeeded {ok} + failed {failed} + pending {pending}.")
        text = (text.replace("{id}", str(b.id)).replace("{lines}", t(r.lines))
                .replace("{aa}", t(k["awaiting_approval"])).replace("{asg}", t(k["awaiting_signature"]))
                .replace("{rej}", t(k["rejected"])).replace("{can}", t(k["cancelled"])).replace("{sent}", t(r.sent))
                .replace("{ok}", t(k["succeeded"])).replace("{failed}", t(k["failed"]))
                .replace("{pending}", t(k["pending"])))
        if r.reconciles:
            return text + " " + self.tr("✓ Reconciles with the imported file.")
        return text + " " + self.tr("✗ Does not reconcile with the imported file ({n} lines, {total}).") \
            .replace("{n}", f"{b.line_count:,}").replace("{total}", format_amount(b.total_minor))

    def _update_buttons(self) -> None:
        r = self.selected()
        idle = not self._busy
        self.approve_button.setEnabled(idle and r is not None and r.buckets["awaiting_approval"].count > 0)
        self.reject_button.setEnabled(idle and r is not None and r.buckets["awaiting_approval"].count > 0)
        self.export_button.setEnabled(idle and r is not None)
        self.export_failed_button.setEnabled(idle and r is not None and r.buckets["failed"].count > 0)
        self.reinitiate_button.setEnabled(idle and r is not None and r.buckets["failed"].count > 0)

    # -- actions ------------------------------------------------------------------------------------------
    def open_wizard(self) -> BatchImportWizard | None:
        if not self.can_import:
            return None
        self.wizard = BatchImportWizard(self._services, self._actor, self, on_imported=self._on_wizard_imported)
        self.wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.wizard.destroyed.connect(lambda *_: setattr(self, "wizard", None))
        self.wizard.open()
        return self.wizard

    def _on_wizard_imported(self, result) -> None:
        self._selected_id = result.batch.id
        self.refresh()

    def _start(self, fn, on_success, on_failure=None, busy_text: str = "") -> Op:
        self._busy = True
        self._update_buttons()
        return run_op(self, fn, on_success, on_failure or (lambda exc: self.show_message(
            f"{error_text(exc)} [{getattr(exc, 'code', type(exc).__name__)}]", error=True)),
            on_finally=self._on_action_finished, busy_text=busy_text)

    def _on_action_finished(self) -> None:
        self._busy = False
        self._update_buttons()
        self.refresh()

    def approve_selected(self) -> Op | None:
        """Load what awaits approval, then ask for confirmation with the count and total (and the password)."""
        r = self.selected()
        if r is None or not self.approve_button.isEnabled():
            return None
        approval, actor, batch_id = self._approval, self._actor, r.batch.id
        return self._start(lambda: approval.summary(actor, batch_id), self._confirm_approval,
                           busy_text=self.tr("Loading…"))

    def _confirm_approval(self, summary) -> None:
        b = summary.batch
        if summary.own_count:
            self.show_message(self.tr("You made {n} lines of batch {id}: you cannot approve them (separation of "
                                      "duties).").replace("{n}", str(summary.own_count)).replace("{id}", str(b.id)),
                              error=True)
            return
        if summary.approved_by_me_count:
            self.show_message(self.tr("You already approved {n} lines of batch {id}; they await another approver.")
                              .replace("{n}", str(summary.approved_by_me_count)).replace("{id}", str(b.id)),
                              error=True)
            return
        text = self.tr("Approve batch {id} ({file})?\n\n{n} lines awaiting approval, total {currency} {total}, from "
                       "account {account}.") \
            .replace("{id}", str(b.id)).replace("{file}", b.file_name).replace("{n}", f"{summary.pending_count:,}") \
            .replace("{currency}", b.currency).replace("{total}", format_amount(summary.pending_total_minor)) \
            .replace("{account}", b.debit_account_number)
        self.confirm_box = open_confirmation(self, "approveBatch", self.tr("Approve batch"), text,
                                             self.tr("Approve all lines"), self.tr("Cancel"),
                                             lambda yes: self._on_approve_answered(yes, summary))

    def _on_approve_answered(self, yes: bool, summary) -> None:
        self.confirm_box = None
        if not yes:
            return
        if summary.needs_password:
            reason = self.tr("Approving batch {id} ({currency} {total}) is above {threshold} and needs your password "
                             "again.").replace("{id}", str(summary.batch.id)) \
                .replace("{currency}", summary.batch.currency) \
                .replace("{total}", format_amount(summary.pending_total_minor)) \
                .replace("{threshold}", format_amount(summary.password_threshold_minor))
            self.password_dialog = PasswordDialog(self._actor.username, reason,
                                                  lambda pw: self._approve(summary, pw), self)
            self.password_dialog.open()
            return
        self._approve(summary, None)

    def _approve(self, summary, password: str | None) -> Op:
        approval, actor = self._approval, self._actor
        b = summary.batch

        def done(decision) -> None:
            rest = len(decision.payment_ids) - decision.approved
            text = self.tr("Batch {id}: {n} lines approved.").replace("{id}", str(b.id)) \
                .replace("{n}", f"{len(decision.payment_ids):,}")
            if rest:
                text += " " + self.tr("{n} lines await a further approver.").replace("{n}", f"{rest:,}")
            self.show_message(text)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, AuthenticationFailed):
                text = self.tr("Wrong password: nothing was approved.")
            elif isinstance(exc, ValidationFailed):
                text = "\n".join(f"{p.message} [{p.code}]" for p in exc.problems)
            else:
                text = f"{error_text(exc)} [{getattr(exc, 'code', type(exc).__name__)}]"
            self.show_message(self.tr("Refused — nothing was approved:") + " " + text, error=True)
        return self._start(lambda: approval.approve_batch(actor, b.id, summary.pending_count,
                                                          summary.pending_total_minor, password),
                           done, failed, self.tr("Approving…"))

    def reject_selected(self) -> BatchRejectDialog | None:
        r = self.selected()
        if r is None or not self.reject_button.isEnabled():
            return None
        batch_id = r.batch.id
        self.reject_dialog = BatchRejectDialog(batch_id, lambda text: self._reject(batch_id, text), self)
        self.reject_dialog.open()
        return self.reject_dialog

    def _reject(self, batch_id: int, comment: str) -> Op:
        approval, actor = self._approval, self._actor
        return self._start(lambda: approval.reject_batch(actor, batch_id, comment), lambda d: self.show_message(
            self.tr("Batch {id}: {n} lines rejected and returned to the maker.").replace("{id}", str(batch_id))
            .replace("{n}", f"{d.rejected:,}")), busy_text=self.tr("Rejecting…"))

    def _on_export_clicked(self, failed_only: bool) -> None:
        r = self.selected()
        if r is None:
            return
        name = f"batch-{r.batch.id}-{'failed' if failed_only else 'results'}.xlsx"
        path, _f = QFileDialog.getSaveFileName(self, self.tr("Export batch lines"), name,
                                               self.tr("Excel workbooks (*.xlsx);;CSV files (*.csv)"))
        if path:
            self.export(Path(path), failed_only=failed_only)

    def export(self, path: Path, *, failed_only: bool = False) -> Op | None:
        r = self.selected()
        if r is None:
            return None
        results, actor, batch_id = self._results, self._actor, r.batch.id
        return run_op(self, lambda: results.export(actor, batch_id, path, failed_only=failed_only),
                      lambda n: self.show_message(self.tr("Exported {n} lines to {path}").replace("{n}", f"{n:,}")
                                                  .replace("{path}", str(path))),
                      lambda exc: self.show_message(error_text(exc), error=True), busy_text=self.tr("Exporting…"))

    def reinitiate_selected(self) -> QMessageBox | None:
        r = self.selected()
        if r is None or not self.reinitiate_button.isEnabled():
            return None
        b, failed = r.batch, r.buckets["failed"]
        text = self.tr("Re-initiate the failed lines of batch {id} ({n} lines, {currency} {total})?\n\nA NEW batch "
                       "of new payments with new client references is created for the same payees and amounts. It "
                       "needs approval and USB-key signing again before it is sent. The failed lines stay as they "
                       "are.").replace("{id}", str(b.id)).replace("{n}", f"{failed.count:,}") \
            .replace("{currency}", b.currency).replace("{total}", format_amount(failed.total_minor))
        batch_id = b.id
        self.confirm_box = open_confirmation(self, "reinitiateBatch", self.tr("Re-initiate failed lines"), text,
                                             self.tr("Create new batch"), self.tr("Cancel"),
                                             lambda yes: self._on_reinitiate_answered(yes, batch_id))
        return self.confirm_box

    def _on_reinitiate_answered(self, yes: bool, batch_id: int) -> None:
        self.confirm_box = None
        if not yes:
            return
        results, actor = self._results, self._actor

        def done(result) -> None:
            self._selected_id = result.batch.id
            self.show_message(self.tr("The failed lines of batch {old} were re-initiated as batch {new} ({n} lines). "
                                      "It now awaits approval.").replace("{old}", str(batch_id))
                              .replace("{new}", str(result.batch.id)).replace("{n}", f"{result.batch.line_count:,}"))
        self._start(lambda: results.reinitiate_failed(actor, batch_id), done, busy_text=self.tr("Re-initiating…"))

    def show_message(self, text: str, *, error: bool = False) -> None:
        """An action's outcome, about the batch selected (or about to be) now; see :meth:`_expire_message`."""
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else f"color: {GREEN};")
        self.message.setProperty("severity", "error" if error else "info")
        self.message.setVisible(bool(text))
        self._message_for = (self._selected_id, self._load_seq, None) if text else None

    def clear_message(self) -> None:
        self.message.clear()
        self.message.hide()
        self._message_for = None

    def _expire_message(self) -> None:
        """The message goes when another batch is selected, or when its batch moves on from the stage the first
        load after the message showed (what the action itself left: "300 lines approved" stays while the batch
        awaits its signature, and goes once it is sent)."""
        if self._message_for is None:
            return
        batch_id, after, stage = self._message_for
        r = self.selected()
        if (r.batch.id if r is not None else None) != batch_id:
            self.clear_message()
        elif r is not None and self._shown_seq > after:
            if stage is None:
                self._message_for = (batch_id, after, r.stage)
            elif r.stage != stage:
                self.clear_message()
