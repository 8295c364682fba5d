"""The SQLite write gate: writers of this program queue at a thread lock and a file lock (handed over at once)
instead of SQLite's sleeping busy handler; it is re-entrant, bounded by a timeout (DB_BUSY), and shared between
processes through ``<ledger>.write-gate``."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from app.domain.errors import StorageUnavailable
from storage import write_gate
from storage.write_gate import WriteGate


def test_one_gate_per_ledger_file(tmp_path):
    a = WriteGate.for_ledger(tmp_path / "ledger.sqlite3")
    assert WriteGate.for_ledger(str(tmp_path / "ledger.sqlite3")) is a
    assert WriteGate.for_ledger(tmp_path / "other.sqlite3") is not a
    assert a.path.name == "ledger.sqlite3.write-gate"


def test_threads_take_turns_and_the_gate_is_reentrant(tmp_path):
    gate = WriteGate.for_ledger(tmp_path / "threads.sqlite3")
    inside: list[str] = []
    order: list[str] = []
    held = threading.Event()

    def first():
        with gate.hold():
            with gate.hold():  # re-entrant within the thread
                held.set()
                inside.append("first")
                time.sleep(0.2)
                assert inside == ["first"]
                order.append("first done")
            inside.remove("first")

    def second():
        held.wait()
        with gate.hold():
            inside.append("second")
            order.append("second in")
            assert inside == ["second"]
            inside.remove("second")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert order == ["first done", "second in"]


def test_another_process_waits_then_gets_db_busy(tmp_path, monkeypatch):
    ledger = tmp_path / "procs.sqlite3"
    gate = WriteGate.for_ledger(ledger)
    script = (f"import sys; sys.path.insert(0, {str(write_gate.__file__.rsplit('/storage/', 1)[0])!r})\n"
              "from storage import write_gate\nwrite_gate.WAIT_S = 0.5\nimport time\nt = time.monotonic()\n"
              f"try:\n    with write_gate.WriteGate.for_ledger({str(ledger)!r}).hold(): print('got it')\n"
              "except Exception as e: print(getattr(e, 'code', e), round(time.monotonic() - t, 1))\n")
    with gate.hold():
        busy = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert busy.stdout.split()[0] == "DB_BUSY" and float(busy.stdout.split()[1]) >= 0.5, busy
    free = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert free.stdout.strip() == "got it", free


def test_a_thread_waiting_too_long_gets_db_busy(tmp_path, monkeypatch):
    monkeypatch.setattr(write_gate, "WAIT_S", 0.2)
    gate = WriteGate.for_ledger(tmp_path / "slow.sqlite3")
    held, release = threading.Event(), threading.Event()

    def holder():
        with gate.hold():
            held.set()
            release.wait(5)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(5)
    try:
        with pytest.raises(StorageUnavailable) as exc, gate.hold():
            pass
        assert exc.value.code == "DB_BUSY"
    finally:
        release.set()
        t.join(5)
    with gate.hold():  # free again
        pass
