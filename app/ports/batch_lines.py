"""What a batch line carries beyond its payment row's core columns (migration 0009), read by payment id.

Reached through the unit of work as ``uow.batch_extras`` (storage:
:class:`storage.batch_lines_extra.SqlBatchLineExtras`) or, where the composition root hands it over, through a
``line_extras(uow)`` factory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from app.domain.remittance import Remittance


class BatchLineExtras(Protocol):
    def remittances(self, payment_ids: Sequence[int]) -> dict[int, Remittance]:
        """Payment id → its remittance, for the payments that have one (the others are left out)."""
        ...

    def batch_remittances(self, batch_id: int) -> dict[int, Remittance]:
        """Payment id → remittance for every line of the batch that has one."""
        ...

    def batch_rows(self, payment_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """Payment id → (batch id, row in the file) for the payments that are batch lines."""
        ...
