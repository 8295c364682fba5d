"""View-free tests of LazyTableModel at 1,000,000 rows (like vorta's archive table model tests)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt

from ui.models.lazy_table import PLACEHOLDER, Column, LazyTableModel

N = 1_000_000


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    amount_minor: int


class Source:
    """Pretends to be the ledger: ids are cheap, rows are built only when fetched."""

    def __init__(self):
        self.fetch_calls: list[list[int]] = []
        self.order_calls: list[tuple[str, bool]] = []

    def fetch(self, ids):
        self.fetch_calls.append(list(ids))
        # returned in a different order than asked, and one id missing: the model must map by key
        return [Row(i, f"payee {i:07d}", i * 100) for i in reversed(ids) if i != 13]

    def order(self, key, descending):
        self.order_calls.append((key, descending))
        return range(N, 0, -1) if descending else range(1, N + 1)


def make_model(source, runner=None, **kw):
    return LazyTableModel(
        [Column("id", "No.", lambda r: r.id, numeric=True, sort_key="id"),
         Column("name", "Name", lambda r: r.name, sort_key="name"),
         Column("amount", "Amount", lambda r: f"{r.amount_minor // 100}.{r.amount_minor % 100:02d}", numeric=True)],
        source.fetch, ids=range(1, N + 1), order=source.order, runner=runner, row_key=lambda r: r.id, **kw)


def test_row_count_is_the_id_count_and_nothing_is_fetched_up_front():
    source = Source()
    model = make_model(source)
    assert model.rowCount() == N
    assert model.columnCount() == 3
    assert source.fetch_calls == []


def test_data_fetches_only_the_page_of_the_row_asked_for():
    source = Source()
    model = make_model(source)
    assert model.data(model.index(0, 1)) == "payee 0000001"
    assert model.data(model.index(199, 1)) == "payee 0000200"
    assert len(source.fetch_calls) == 1 and source.fetch_calls[0] == list(range(1, 201))
    # a row far down fetches just its own page
    assert model.data(model.index(987_654, 0)) == "987655"
    assert len(source.fetch_calls) == 2
    assert source.fetch_calls[1][0] == 987_601 and len(source.fetch_calls[1]) == 200
    assert model.fetched_pages == [0, 4938]


def test_missing_row_shows_empty_not_a_stale_neighbour():
    source = Source()
    model = make_model(source)
    assert model.data(model.index(12, 1)) == ""          # id 13 vanished from the source
    assert model.data(model.index(13, 1)) == "payee 0000014"


def test_numeric_columns_are_right_aligned_text_columns_left():
    model = make_model(Source())
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert model.data(model.index(5, 0), Qt.ItemDataRole.TextAlignmentRole) == right
    assert model.data(model.index(5, 2), Qt.ItemDataRole.TextAlignmentRole) == right
    assert model.data(model.index(5, 1), Qt.ItemDataRole.TextAlignmentRole) != right
    assert model.headerData(2, Qt.Orientation.Horizontal, Qt.ItemDataRole.TextAlignmentRole) == right
    assert model.data(model.index(5, 2)) == "6.00"          # id 6 = 600 minor units


def test_cache_is_an_lru_of_pages():
    source = Source()
    model = make_model(source, max_pages=3)
    for page in (0, 1, 2):
        model.data(model.index(page * 200, 0))
    model.data(model.index(0, 0))                          # touch page 0: most recent
    model.data(model.index(3 * 200, 0))                    # evicts page 1 (least recent)
    assert sorted(model.cached_pages()) == [0, 2, 3]
    fetched = len(source.fetch_calls)
    model.data(model.index(1, 0))                          # page 0 still cached
    assert len(source.fetch_calls) == fetched
    model.data(model.index(201, 0))                        # page 1 fetched again
    assert len(source.fetch_calls) == fetched + 1


def test_sort_asks_the_source_for_a_new_id_order_and_drops_the_cache(qtbot):
    source = Source()
    model = make_model(source)
    model.data(model.index(0, 0))
    with qtbot.waitSignal(model.modelReset):
        model.sort(0, Qt.SortOrder.DescendingOrder)
    assert source.order_calls == [("id", True)]
    assert model.rowCount() == N
    assert model.cached_pages() == []
    assert model.data(model.index(0, 0)) == str(N)
    assert model.data(model.index(N - 1, 0)) == "1"
    # the same order again is not re-queried; an unsortable column is ignored
    model.sort(0, Qt.SortOrder.DescendingOrder)
    model.sort(2, Qt.SortOrder.AscendingOrder)
    assert source.order_calls == [("id", True)]


def test_async_runner_shows_placeholder_until_the_page_arrives(qtbot):
    source = Source()
    queued = []
    model = make_model(source, runner=lambda fn, ok: queued.append((fn, ok)))
    assert model.data(model.index(450, 1)) == PLACEHOLDER
    assert model.data(model.index(401, 1)) == PLACEHOLDER
    assert len(queued) == 1                                 # one request per page, not per cell
    fn, ok = queued.pop()
    with qtbot.waitSignal(model.dataChanged) as changed:
        ok(fn())
    top, bottom = changed.args[0], changed.args[1]
    assert (top.row(), bottom.row()) == (400, 599)
    assert model.data(model.index(450, 1)) == "payee 0000451"


def test_async_page_arriving_after_a_reset_is_discarded():
    source = Source()
    queued = []
    model = make_model(source, runner=lambda fn, ok: queued.append((fn, ok)))
    model.data(model.index(0, 1))
    fn, ok = queued.pop()
    model.set_ids(range(5, 0, -1))
    ok(fn())                                                # stale rows for the old order
    assert model.cached_pages() == []
    assert model.data(model.index(0, 1)) == PLACEHOLDER
