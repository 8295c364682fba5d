"""What alerts and reconciliation need from storage.

* :class:`AlertRepository` — reached as ``uow.alerts`` (storage: :class:`storage.alert_repositories.
  SqlAlertRepository`): the alert ledger (raise once per dedup key, list, acknowledge) and the payment's
  ``attention`` flag (versioned write) that puts a payment in the monitor's needs-attention queue.
* :class:`ReconciliationStore` — handed to the reconciliation service by the composition root as a factory over an
  open unit of work (storage: :meth:`storage.alert_repositories.SqlReconciliationStore.of`): the reads that match
  bank debits to payments, and the per-account "checked through" mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from app.domain.alerts import Alert, AlertSeverity, NewAlert
from app.domain.banking import StoredTransaction
from app.domain.reconciliation import ReconPayment


class AlertRepository(Protocol):
    def add(self, alert: NewAlert, at: datetime) -> Alert | None:
        """Insert the alert unless one with the same ``dedup_key`` exists (then None: nothing is written)."""
        ...

    def get(self, alert_id: int) -> Alert | None: ...

    def list(self, *, open_only: bool = False, limit: int = 1000) -> list[Alert]:
        """Open alerts first, then by severity (critical first), newest first."""
        ...

    def open_counts(self) -> dict[AlertSeverity, int]:
        """Open alerts per severity (severities without open alerts are left out)."""
        ...

    def open_for_payment(self, payment_id: int) -> list[Alert]: ...

    def acknowledge(self, alert_id: int, user_id: int, note: str, at: datetime) -> bool:
        """Mark an open alert acknowledged; False when it was already acknowledged (nothing changed)."""
        ...

    def payments_to_flag(self, self_clearing_prefix: str, limit: int = 10_000) -> list[tuple[int, int, Alert]]:
        """(payment id, payment version, its most urgent open alert) for payments that have an open alert but no
        attention (or only an attention starting with ``self_clearing_prefix``, which the engine clears itself)."""
        ...

    def payment_attention(self, payment_id: int) -> tuple[int, str] | None:
        """(version, attention or "") of a payment; None when there is no such payment."""
        ...

    def set_payment_attention(self, payment_id: int, expected_version: int, attention: str | None) -> None:
        """Versioned write of the payment's attention (``Conflict("STALE_VERSION")`` when it changed meanwhile)."""
        ...


class ReconciliationStore(Protocol):
    def reference_prefix(self) -> str | None:
        """The ledger's 4-character reference prefix, None before any reference was allocated."""
        ...

    def sent_since(self, account_ids: Sequence[int], since: datetime) -> list[ReconPayment]:
        """Payments of these debit accounts that had a send attempt at or after ``since`` (with the time of
        their FIRST attempt, whenever it was)."""
        ...

    def by_references(self, references: Sequence[str]) -> list[ReconPayment]:
        """Payments holding any of these client references (any debit account, any status)."""
        ...

    def debits(self, account_id: int, date_from: date, date_to: date) -> list[StoredTransaction]:
        """Stored debits (amount < 0) of the account booked in the range."""
        ...

    def debits_for(self, account_id: int, references: Sequence[str], since: date) -> list[StoredTransaction]:
        """Stored debits of the account carrying any of these references, booked on or after ``since``."""
        ...

    def checked_through(self, account_ids: Sequence[int]) -> dict[int, date]:
        """Per account: every payment first sent on or before this bank day was checked for a missing debit."""
        ...

    def set_checked_through(self, account_id: int, day: date) -> None:
        """Move the account's mark forward (never back)."""
        ...
