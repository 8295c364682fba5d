from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol


class JobLock(Protocol):
    """Cross-process exclusion for background jobs (PostgreSQL advisory locks on a shared ledger).

    ``hold(name)`` yields True when this process may run the job now, False when another holder has it.
    """

    def hold(self, name: str) -> AbstractContextManager[bool]:
        ...
