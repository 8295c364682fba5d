"""Batch-line queries beyond storage.batch_repositories: the structured remittance of payments (migration 0009).

The remittance is written with the payment itself (the batch import's bulk insert names the ``remittance`` column);
this module reads it back by payment id (the submission engine, the pre-sign check) or by batch (the batch lines).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.remittance import Remittance
from storage.orm import PaymentRequestRow

_IDS_PER_QUERY = 500


class SqlBatchLineExtras:
    def __init__(self, session: Session):
        self._s = session

    @classmethod
    def of(cls, uow) -> SqlBatchLineExtras:
        """The extras over an open unit of work's session (``line_extras`` factory for the services)."""
        return cls(uow.session)

    def remittances(self, payment_ids: Sequence[int]) -> dict[int, Remittance]:
        p = PaymentRequestRow
        ids = sorted({int(i) for i in payment_ids})
        out: dict[int, Remittance] = {}
        for start in range(0, len(ids), _IDS_PER_QUERY):
            part = ids[start:start + _IDS_PER_QUERY]
            for pid, text in self._s.execute(select(p.id, p.remittance).where(p.id.in_(part),
                                                                              p.remittance.is_not(None))):
                out[int(pid)] = Remittance.from_json(text)
        return out

    def batch_remittances(self, batch_id: int) -> dict[int, Remittance]:
        p = PaymentRequestRow
        rows = self._s.execute(select(p.id, p.remittance).where(p.batch_id == batch_id, p.remittance.is_not(None)))
        return {int(pid): Remittance.from_json(text) for pid, text in rows}

    def batch_rows(self, payment_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
        p = PaymentRequestRow
        ids = sorted({int(i) for i in payment_ids})
        out: dict[int, tuple[int, int]] = {}
        for start in range(0, len(ids), _IDS_PER_QUERY):
            part = ids[start:start + _IDS_PER_QUERY]
            for pid, batch_id, line in self._s.execute(select(p.id, p.batch_id, p.batch_line).where(
                    p.id.in_(part), p.batch_id.is_not(None))):
                out[int(pid)] = (int(batch_id), int(line))
        return out
