"""Storing the message log (报文日志) entries a bank call produced, with the retention cap."""

from __future__ import annotations

from collections.abc import Sequence

from app.domain.banking import MessageLogRecord
from app.ports import UnitOfWorkFactory


def store_messages(uow_factory: UnitOfWorkFactory, records: Sequence[MessageLogRecord], keep: int) -> None:
    """One short unit of work: insert the records, then drop the oldest rows beyond ``keep``."""
    if not records:
        return
    with uow_factory() as uow:
        uow.message_log.add_many(list(records))
        uow.message_log.prune(keep)
        uow.commit()
