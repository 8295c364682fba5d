"""Follow-up through the bank's status list (CMB NTQRYSTN, Capability.STATUS_LIST): many due payments of one
account are asked with a few paged list requests instead of one request per reference; a payment the list does
not show is asked one by one, and only that answer can count as "no record" (I3)."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import replace

import pytest

from app.domain.payment import PaymentStatus
from bank_plugins.cmb_fbsdk.connector import CmbFbsdkConnector
from tests.engine.support import FAST, bank_report, start_world, stop_world

S = PaymentStatus


@pytest.fixture
def world(tmp_path):
    w = start_world(tmp_path, extra=("--status-list-page", "7"))
    w.services.submission.settings = replace(FAST, list_query_min=1)
    yield w
    stop_world(w)


def _spy(monkeypatch, hide: set[str] | None = None) -> Counter:
    """Count the connector's status calls (and hide some references from the list, as a bank might)."""
    calls: Counter = Counter()
    real_list, real_one = CmbFbsdkConnector.query_status_list, CmbFbsdkConnector.query_status

    def listed(self, account, date_from, date_to, cursor=None):
        calls["list"] += 1
        page = real_list(self, account, date_from, date_to, cursor)
        if hide:
            page = replace(page, reports=tuple(r for r in page.reports if r.client_reference not in hide))
        return page

    def one_by_one(self, refs):
        calls["by_reference"] += len(refs)
        calls.update(f"asked:{r}" for r in refs)
        return real_one(self, refs)

    monkeypatch.setattr(CmbFbsdkConnector, "query_status_list", listed)
    monkeypatch.setattr(CmbFbsdkConnector, "query_status", one_by_one)
    return calls


def test_many_due_payments_are_followed_with_the_paged_list(world, monkeypatch):
    calls = _spy(monkeypatch)
    s = world.services
    ids = world.signed_payments(20, amount="3.21") + world.signed_payments(2, amount="4.00", account_suffix="0001")
    report = s.submission.run_until_idle(timeout_s=60, poll_s=0.05)
    assert not [e for e in report.errors if e.startswith("TIMEOUT")], report
    viewer = world.actor("maker")
    payments = [s.submission.trace(viewer, pid).payment for pid in ids]
    assert Counter(p.status for p in payments) == {S.SUCCEEDED: 20, S.FAILED: 2}
    assert all(p.bank_code == "AC01" for p in payments if p.status is S.FAILED)
    assert calls["by_reference"] == 0, calls           # nobody was asked about one by one
    assert calls["list"] >= 4                           # 22 payments in pages of 7: the cursor was followed
    debits = Counter(d["client_reference"] for d in bank_report(world)["debits"])
    assert all(debits[p.client_reference] == 1 for p in payments if p.status is S.SUCCEEDED)


def test_a_payment_missing_from_the_list_is_asked_by_reference_and_never_counted_as_no_record(world, monkeypatch):
    s = world.services
    ids = world.signed_payments(5, amount="5.55")
    s.submission.queue_signed()
    s.submission.prepare_queued()
    s.submission.send_ready()
    viewer = world.actor("maker")
    hidden = s.submission.trace(viewer, ids[0]).payment.client_reference
    calls = _spy(monkeypatch, hide={hidden})
    report = s.submission.run_until_idle(timeout_s=60, poll_s=0.05)
    assert not [e for e in report.errors if e.startswith("TIMEOUT")], report
    assert calls[f"asked:{hidden}"] >= 1                 # the one the list left out, by reference
    assert not [k for k in calls if k.startswith("asked:") and k != f"asked:{hidden}"]
    for pid in ids:
        p = s.submission.trace(viewer, pid).payment
        assert p.status is S.SUCCEEDED and p.no_record_count == 0 and not p.attention
    assert len(s.submission.trace(viewer, ids[0]).attempts) == 1   # never resent


def test_a_later_round_resumes_after_the_pages_that_were_all_final(world, monkeypatch):
    """CMB's list is resumable: once the first pages held only final instructions, the next round starts after
    them instead of listing the whole day again."""
    s = world.services
    first = world.signed_payments(14, amount="6.01")
    report = s.submission.run_until_idle(timeout_s=60, poll_s=0.05)
    assert not [e for e in report.errors if e.startswith("TIMEOUT")], report
    cursors: list = []
    real_list = CmbFbsdkConnector.query_status_list

    def listed(self, account, date_from, date_to, cursor=None):
        cursors.append(cursor)
        return real_list(self, account, date_from, date_to, cursor)

    monkeypatch.setattr(CmbFbsdkConnector, "query_status_list", listed)
    more = world.signed_payments(3, amount="6.02")
    report = s.submission.run_until_idle(timeout_s=60, poll_s=0.05)
    assert not [e for e in report.errors if e.startswith("TIMEOUT")], report
    assert cursors and cursors[0] is not None          # not from the first page: the 14 final ones are skipped
    viewer = world.actor("maker")
    assert all(s.submission.trace(viewer, pid).payment.status is S.SUCCEEDED for pid in first + more)


class _Shifted:
    """The engine's clock moved forward by hand (the bank keeps real time)."""

    def __init__(self, real):
        self.real, self.offset = real, dt.timedelta(0)

    def now(self):
        return self.real.now() + self.offset


def _send(s) -> None:
    s.submission.queue_signed()
    s.submission.prepare_queued()
    s.submission.send_ready()


def test_a_list_round_applies_what_it_shows_final_for_payments_not_yet_due(world, monkeypatch):
    """A payment the bank finished before its first check was due is settled by the list round that shows it final:
    the resumable list moves its mark past final records, so a later round would no longer show it and it would be
    asked about one reference at a time."""
    s = world.services
    engine = s.submission
    engine.settings = replace(FAST, list_query_min=1, first_query_s=10.0, query_backoff_max_s=10.0)
    clock = engine._clock = _Shifted(engine._clock)
    viewer = world.actor("maker")
    first = world.signed_payments(5, amount="7.01")
    _send(s)                                             # first check due at T+10
    clock.offset = dt.timedelta(seconds=5)
    later = world.signed_payments(3, amount="7.02")
    _send(s)                                             # first check due at T+15
    deadline = time.monotonic() + 30
    while len(bank_report(world)["debits"]) < 8:        # the bank executes all eight within a second
        assert time.monotonic() < deadline, bank_report(world)
        time.sleep(0.1)
    calls = _spy(monkeypatch)
    clock.offset = dt.timedelta(seconds=11)              # the first five are due, the last three are not
    report = engine.follow_up()
    assert not report.errors, report
    statuses = {pid: engine.trace(viewer, pid).payment.status for pid in first + later}
    assert set(statuses.values()) == {S.SUCCEEDED}, statuses
    assert calls["list"] >= 1 and calls["by_reference"] == 0, calls
    clock.offset = dt.timedelta(seconds=16)              # nothing is left to ask about when the rest would be due
    assert engine.follow_up().queried == 0
    assert calls["by_reference"] == 0, calls
