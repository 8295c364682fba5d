"""Bulk steps over a whole batch (batch approval, listing and signing) run with automatic cyclic garbage collection
paused (app.services.approvals.cyclic_gc_paused): it is back as it was when the last step ends — also after an
error, with steps overlapping in several threads — it is never switched on where it was off (the desktop app
collects in its GUI thread), and the PIN prompt does not run inside a pause."""

from __future__ import annotations

import gc
import threading

import pytest

from app.services.approvals import cyclic_gc_paused
from tests.services.test_signing import approved, make_signer


@pytest.fixture
def gc_on():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.enable() if was else gc.disable()


def test_paused_inside_and_restored_after_even_on_error(gc_on):
    with cyclic_gc_paused():
        assert not gc.isenabled()
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()          # the outer step still runs
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_never_switched_on_where_it_was_off(gc_on):
    gc.disable()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_overlapping_steps_in_threads_restore_it_when_the_last_ends(gc_on):
    first_in, second_in, first_may_leave = threading.Event(), threading.Event(), threading.Event()
    seen = []

    def first():
        with cyclic_gc_paused():
            first_in.set()
            first_may_leave.wait(5)
        seen.append(("first left", gc.isenabled()))

    def second():
        first_in.wait(5)
        with cyclic_gc_paused():
            second_in.set()
            first_may_leave.set()
            t1.join(5)                     # the first step ended while this one runs: still paused
            seen.append(("second inside", gc.isenabled()))

    t1, t2 = threading.Thread(target=first), threading.Thread(target=second)
    t1.start()
    t2.start()
    t2.join(10)
    assert seen == [("first left", False), ("second inside", False)] and gc.isenabled()


def test_signing_pauses_around_its_bulk_steps_but_not_the_pin(payment_world, gc_on):
    w = payment_world
    approved(w, amount="10.00")
    during_pin = []

    class Signer:
        def __init__(self):
            self._signer = make_signer()

        def __getattr__(self, name):
            return getattr(self._signer, name)

        def sign_digest(self, digest):
            during_pin.append(gc.isenabled())
            return self._signer.sign_digest(digest)

    key = w.services.signing.ready_batches(w.actor("signer"))[0].batch_key
    assert gc.isenabled()
    w.services.signing.sign_batch(w.actor("signer"), key, Signer())
    assert during_pin == [True] and gc.isenabled()
