"""A table model over a list of ids; rows are fetched on demand, a page at a time, and cached (LRU).

Like Anki's browser table (qt/aqt/browser/table/model.py): the query returns ids only (cheap even for
1,000,000 rows), ``rowCount`` is ``len(ids)``, and ``data()`` for a row not yet fetched loads the whole page
(``page_size`` rows, default 200) through ``fetch(ids) -> rows``. Only pages the view actually paints are
fetched; at most ``max_pages`` stay cached.

Two fetch modes, chosen by the caller:

* synchronous (``runner=None``): ``data()`` calls ``fetch`` directly. For in-memory sources and tests.
* asynchronous (``runner`` given, e.g. ``ui.ops.run_op``): ``data()`` returns the placeholder ``"…"``, asks
  the runner to run ``fetch`` off the GUI thread and emits ``dataChanged`` for the page when the rows arrive.
  The payee table uses this mode, so the GUI thread never touches the ledger even at 1,000,000 rows.

Sorting asks ``order(sort_key, descending) -> ids`` for a new id order (through the runner too) and resets
the model; the cache is dropped because page boundaries changed. Numeric columns are right-aligned.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from ui.signals import emit

PLACEHOLDER = "…"
_MISSING = object()   # the id was in the list but the row no longer exists

Runner = Callable[[Callable[[], Any], Callable[[Any], None]], Any]
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    key: str
    title: str                                   # already translated
    value: Callable[[Any], object]               # row -> shown value
    numeric: bool = False                        # right-aligned
    sort_key: str | None = None                  # passed to ``order``; None = not sortable
    foreground: Callable[[Any], str | None] | None = None   # row -> text colour ("#c62828") or None
    background: Callable[[Any], str | None] | None = None   # row -> cell background colour or None


def colour_role(column: Column, row: Any, role: int) -> QBrush | None:
    """ForegroundRole / BackgroundRole of a cell, from the column's optional colour callables."""
    pick = column.foreground if role == Qt.ItemDataRole.ForegroundRole else column.background
    if pick is None or row is None:
        return None
    colour = pick(row)
    return QBrush(QColor(colour)) if colour else None


class LazyTableModel(QAbstractTableModel):
    pageLoaded = Signal(int)          # page number, after its rows arrived
    idsChanged = Signal(int)          # new row count, after set_ids

    def __init__(self, columns: Sequence[Column], fetch: Callable[[list[int]], list[Any]], *,
                 ids: Sequence[int] = (), order: Callable[[str, bool], Sequence[int]] | None = None,
                 runner: Runner | None = None, row_key: Callable[[Any], int] | None = None,
                 page_size: int = 200, max_pages: int = 50, parent=None):
        super().__init__(parent)
        self.columns = list(columns)
        self._fetch = fetch
        self.order = order
        self._runner = runner
        self._row_key = row_key
        self.page_size = page_size
        self.max_pages = max_pages
        self._ids: Sequence[int] = ids
        self._pages: OrderedDict[int, list[Any]] = OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0
        self.sort_key: str | None = None
        self.descending = False
        self.fetched_pages: list[int] = []      # every page fetch requested, in order (diagnostics, tests)

    # -- ids ----------------------------------------------------------------------------------------------
    def set_ids(self, ids: Sequence[int]) -> None:
        self.beginResetModel()
        self._ids = ids
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        self.endResetModel()
        emit(self.idsChanged, len(ids))

    def ids(self) -> Sequence[int]:
        return self._ids

    def id_at(self, row: int) -> int:
        return self._ids[row]

    def invalidate(self) -> None:
        """Drop cached rows (after an edit); visible rows are fetched again when painted."""
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        if self._ids:
            emit(self.dataChanged, self.index(0, 0), self.index(len(self._ids) - 1, len(self.columns) - 1))

    def reload(self) -> None:
        """Ask ``order`` for the ids again with the current sort (after a search or an edit)."""
        if self.order is None:
            self.invalidate()
            return
        self._request_order(self.sort_key or self._first_sort_key(), self.descending)

    # -- rows ---------------------------------------------------------------------------------------------
    def row_at(self, row: int, *, load: bool = True) -> Any | None:
        """The row object, or None while its page is loading (async) or when not loaded and ``load`` is off."""
        page = row // self.page_size
        rows = self._pages.get(page)
        if rows is None:
            if load:
                self._load_page(page)
                rows = self._pages.get(page)
            if rows is None:
                return None
        else:
            self._pages.move_to_end(page)
        item = rows[row - page * self.page_size]
        return None if item is _MISSING else item

    def _page_ids(self, page: int) -> list[int]:
        start = page * self.page_size
        return list(self._ids[start:start + self.page_size])

    def _load_page(self, page: int) -> None:
        if page in self._pending:
            return
        page_ids = self._page_ids(page)
        if not page_ids:
            return
        self.fetched_pages.append(page)
        generation = self._generation
        if self._runner is None:
            self._store(page, generation, page_ids, self._fetch(page_ids))
            return
        self._pending.add(page)
        fetch = self._fetch
        self._runner(lambda: fetch(page_ids), lambda rows: self._store(page, generation, page_ids, rows, True))

    def _store(self, page: int, generation: int, page_ids: list[int], rows: list[Any],
               notify: bool = False) -> None:
        if generation != self._generation:
            return      # the ids changed while this page was on its way
        self._pending.discard(page)
        if self._row_key is None:
            ordered = list(rows) + [_MISSING] * (len(page_ids) - len(rows))
        else:
            by_key = {self._row_key(r): r for r in rows}
            ordered = [by_key.get(i, _MISSING) for i in page_ids]
        self._pages[page] = ordered
        self._pages.move_to_end(page)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        if notify:
            first = page * self.page_size
            last = first + len(page_ids) - 1
            emit(self.dataChanged, self.index(first, 0), self.index(last, len(self.columns) - 1))
        emit(self.pageLoaded, page)

    def cached_pages(self) -> list[int]:
        return list(self._pages)

    # -- Qt model API -------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.numeric:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
            return colour_role(column, self.row_at(index.row(), load=False), role)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        row = self.row_at(index.row())
        if row is None:
            page = index.row() // self.page_size
            return PLACEHOLDER if page in self._pending or page not in self._pages else ""
        value = column.value(row)
        return "" if value is None else str(value)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[section].numeric:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        key = self.columns[column].sort_key
        if key is None or self.order is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self.sort_key, self.descending):
            return      # already in this order; ``reload()`` is the explicit way to ask again
        self._request_order(key, descending)

    def _first_sort_key(self) -> str | None:
        return next((c.sort_key for c in self.columns if c.sort_key), None)

    def _request_order(self, key: str | None, descending: bool) -> None:
        assert self.order is not None
        self.sort_key, self.descending = key, descending
        order = self.order
        if key is None:
            return
        if self._runner is None:
            self.set_ids(order(key, descending))
        else:
            self._runner(lambda: order(key, descending), self.set_ids)
