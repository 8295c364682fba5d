"""Job locks: PostgreSQL session advisory locks so two workstations never run one job at once.

On SQLite (one workstation) a process-local lock is enough: the ledger file is not shared.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text


def _lock_id(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"bankdirect-job:{name}".encode()).digest()[:8], "big", signed=True)


class SqlJobLock:
    def __init__(self, engine: Engine):
        self._engine = engine
        self._local: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _thread_lock(self, name: str) -> threading.Lock:
        with self._guard:
            return self._local.setdefault(name, threading.Lock())

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        local = self._thread_lock(name)
        if not local.acquire(blocking=False):
            yield False
            return
        try:
            if self._engine.dialect.name != "postgresql":
                yield True
                return
            with self._engine.connect() as conn:
                got = conn.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": _lock_id(name)}).scalar()
                conn.commit()
                try:
                    yield bool(got)
                finally:
                    if got:
                        conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _lock_id(name)})
                        conn.commit()
        finally:
            local.release()
