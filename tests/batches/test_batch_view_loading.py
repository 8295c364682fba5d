"""The batch view's loading order (issue 7: first paint of a 100,000-line batch): the lines model asks for its
first page as soon as it is reset (not at the first paint), ``is_loaded`` never fetches, and opening the view loads
the newest batch alone first, then its first page of lines, and only then the whole list with every batch's counts
— so the lines are on screen whatever the number and size of the older batches. Approvers still drill into the
lines of the batch they are about to approve."""

from __future__ import annotations

from app.domain.identifiers import cnaps_check_digit
from ui.ops import wait_idle
from ui.views.batches import OVERVIEW_LIMIT, PAGE_SIZE, BatchesView, BatchLinesTableModel

HEADER_CN = "收款人名称,收款账号,收款行名称,收款行行号,金额,用途"
ICBC = "10210000023" + cnaps_check_digit("10210000023")


class Line:
    def __init__(self, row: int):
        self.row, self.payment_id, self.payee_name, self.payee_account = row, 1000 + row, f"员工{row}", "6214"
        self.amount_minor, self.purpose, self.status = 100 * row, "工资", "PENDING_APPROVAL"
        self.bank_code_result = self.bank_text = self.client_reference = None


def test_reset_asks_for_the_first_page_at_once_and_is_loaded_never_fetches():
    calls: list[tuple[int, int]] = []
    queued: list = []

    def fetch(offset, limit):
        calls.append((offset, limit))
        return [Line(offset + i + 2) for i in range(min(limit, 450 - offset))]

    model = BatchLinesTableModel(fetch, runner=lambda fn, done: queued.append((fn, done)), page_size=100)
    model.reset(450)
    assert len(queued) == 1 and calls == []              # asked for (queued to the worker), not yet run
    assert not model.is_loaded(0) and not model.is_loaded(449) and len(queued) == 1
    fn, done = queued.pop()
    done(fn())
    assert calls == [(0, 100)] and model.is_loaded(0) and model.is_loaded(99) and not model.is_loaded(100)
    assert model.index(0, 1).data() == "员工2" and model.index(99, 0).data() == "101"
    assert model.index(100, 1).data() == model.PLACEHOLDER and len(queued) == 1     # painting row 100 asks
    model.reset(0)
    assert len(queued) == 1                              # an empty batch asks for nothing


def _import(w, tmp_path, name: str, n: int, first_account: int):
    lines = [HEADER_CN] + [f"{name}{i:04d},6214{first_account + i:08d}5555,中国工商银行深圳分行,{ICBC},"
                           f"{100 + i}.00,工资" for i in range(n)]
    path = tmp_path / f"{name}.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    return w.services.batch_import.import_file(w.actor("maker"), str(path), account=w.account.account_number).batch


class Recorder:
    """The batch results service, recording the calls the view makes (in the order the worker runs them)."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []

    def overview(self, actor, limit=200):
        self.calls.append(("overview", limit))
        return self.inner.overview(actor, limit)

    def lines(self, actor, batch_id, offset=0, limit=1000):
        self.calls.append(("lines", batch_id, offset, limit))
        return self.inner.lines(actor, batch_id, offset, limit)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_the_newest_batch_and_its_first_page_come_before_the_whole_list(qtbot, payment_world, tmp_path,
                                                                         monkeypatch):
    w = payment_world
    older = _import(w, tmp_path, "甲", 30, 0)
    newest = _import(w, tmp_path, "乙", PAGE_SIZE + 50, 1000)
    recorder = Recorder(w.services.batch_results)
    monkeypatch.setattr(w.services, "batch_results", recorder)
    view = BatchesView(w.services, w.actor("approver1"))
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    view.refresh()
    assert wait_idle(20)
    assert recorder.calls[:3] == [("overview", 1), ("lines", newest.id, 0, PAGE_SIZE), ("overview", OVERVIEW_LIMIT)]
    assert [r.batch.id for r in view.list_model.rows] == [newest.id, older.id]
    assert view.selected().batch.id == newest.id and view.lines_model.rowCount() == PAGE_SIZE + 50
    assert view.lines_model.index(0, 1).data() == "乙0000"
    assert [c for c in recorder.calls if c[0] == "lines"] == [("lines", newest.id, 0, PAGE_SIZE)]  # once

    # an approver drills into the lines of the older batch before approving it
    recorder.calls.clear()
    view.select_batch(older.id)
    assert wait_idle(20)
    assert recorder.calls == [("lines", older.id, 0, PAGE_SIZE)]
    assert view.lines_model.rowCount() == 30 and view.lines_model.index(29, 1).data() == "甲0029"
    amount = [c.key for c in view.lines_model.columns].index("amount")
    assert view.lines_model.index(29, amount).data() == "129.00"
    assert view.approve_button.isEnabled()

    # later refreshes load the whole list at once (the selection is kept)
    recorder.calls.clear()
    view.refresh()
    assert wait_idle(20)
    assert recorder.calls == [("overview", OVERVIEW_LIMIT)] and view.selected().batch.id == older.id
