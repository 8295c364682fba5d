"""The write gate: SQLite has one write lock per ledger file, and its busy handler makes a waiting writer sleep
(1, 2, 5 … up to 100 ms at a time) instead of waking it when the lock is released. With several engine senders
and workers on one ledger the lock then stood idle between writers for much of the time. Writers of this program
first queue at the gate — a thread lock inside the process and an ``flock`` on ``<ledger>.write-gate`` between
processes, both handed over at once — and so reach ``BEGIN IMMEDIATE`` one at a time. Other programs (or an
``sqlite3`` shell) still meet SQLite's own lock and busy timeout, as before.

Waiting is bounded by the same 10 s as SQLite's busy timeout; then the writer gets DB_BUSY, as it would have
from SQLite. The gate is re-entrant within a thread. Read-only units of work never pass it (WAL readers do not
wait for writers). PostgreSQL has row locks and needs no gate.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.domain.errors import StorageUnavailable

try:  # POSIX; elsewhere the gate orders this process's threads only
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

WAIT_S = 10.0
_POLL_S = (0.0002, 0.0005, 0.001, 0.002)   # between tries of the file lock while another process holds it

_GATES: dict[str, WriteGate] = {}
_GATES_GUARD = threading.Lock()


class WriteGate:
    def __init__(self, path: Path):
        self.path = path
        self._thread = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @classmethod
    def for_ledger(cls, ledger_file: str | os.PathLike) -> WriteGate:
        gate_file = Path(f"{Path(ledger_file).resolve()}.write-gate")
        with _GATES_GUARD:
            gate = _GATES.get(str(gate_file))
            if gate is None:
                gate = _GATES[str(gate_file)] = cls(gate_file)
            return gate

    def _busy(self, who: str) -> StorageUnavailable:
        return StorageUnavailable(f"the ledger is busy ({who} has been writing for more than {WAIT_S:.0f} s); "
                                  "try again in a moment", code="DB_BUSY")

    def _lock_file(self, deadline: float) -> None:
        if fcntl is None:
            return
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        tries = 0
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise self._busy("another BankDirect process") from None
                time.sleep(_POLL_S[min(tries, len(_POLL_S) - 1)])
                tries += 1

    @contextmanager
    def hold(self) -> Iterator[None]:
        deadline = time.monotonic() + WAIT_S
        if not self._thread.acquire(timeout=WAIT_S):
            raise self._busy("another thread of this program")
        try:
            if self._depth == 0:
                self._lock_file(deadline)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and fcntl is not None and self._fd is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread.release()
