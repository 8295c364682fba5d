"""While the application runs, cyclic garbage is collected in the GUI thread (ui/gc_guard.py): automatic collection
is off, the timer collects, and quitting switches it back on."""

from __future__ import annotations

import gc
import threading

from ui import gc_guard


class _Cycle:
    def __init__(self):
        self.me = self


def test_garbage_is_collected_on_the_gui_thread_timer_not_in_workers(qapp, qtbot, monkeypatch):
    monkeypatch.setattr(gc_guard, "TICK_MS", 50)
    was = gc.isenabled()
    collector = gc_guard.install(qapp)
    try:
        assert gc_guard.install(qapp) is collector   # once per application
        assert not gc.isenabled()
        threads: list[str] = []

        def note(phase, info):
            if phase == "start":
                threads.append(threading.current_thread().name)

        gc.callbacks.append(note)
        try:
            def make_garbage():   # a worker allocating a lot: no collection starts in it
                for _ in range(50_000):
                    _Cycle()
            worker = threading.Thread(target=make_garbage, name="worker")
            worker.start()
            worker.join()
            assert "worker" not in threads
            qtbot.waitUntil(lambda: bool(threads), timeout=3000)   # the timer collected, in the GUI thread
            assert set(threads) == {threading.main_thread().name}
        finally:
            gc.callbacks.remove(note)
    finally:
        gc_guard.uninstall(qapp)
        if was:
            gc.enable()
    assert gc.isenabled() == was and qapp.findChild(gc_guard.GuiThreadCollector) is None
