"""What the submission engine needs from storage, and the crash-point hook used by the chaos suite."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from app.domain.payment import PaymentStatus
from app.domain.submission import AttemptOutcome, ReferenceRecord, SendAttempt, Submission, TrackedPayment


class SubmissionRepository(Protocol):
    # -- references (I1) ---------------------------------------------------------------------------------------
    def reference_prefix(self) -> str:
        """The ledger's 4-character reference prefix (created once, at random, then fixed forever)."""
        ...

    def allocate_reference(self, payment_id: int, debit_account_id: int, bank: str, reference: str) -> None:
        """Insert the reference row and set the payment's client_reference (Conflict if ever used before)."""
        ...

    def allocate_references(self, rows: Sequence[tuple[int, int, str, str]], *, on_payments: bool = True) -> None:
        """Many at once: (payment id, debit account id, bank, reference); ``on_payments=False`` leaves setting the
        payments' ``client_reference`` to the caller's own update."""
        ...

    def references(self, payment_id: int) -> list[ReferenceRecord]: ...

    # -- payments as the engine sees them -----------------------------------------------------------------------
    def tracked(self, payment_id: int) -> TrackedPayment | None: ...
    def tracked_many(self, ids: Sequence[int]) -> list[TrackedPayment]: ...
    def by_status(self, statuses: Sequence[PaymentStatus], limit: int, *, unprepared: bool = False,
                  with_profile: bool = True, lock: bool = False,
                  shard: tuple[int, int] | None = None) -> list[TrackedPayment]:
        """Payments in these statuses whose debit account has a connection profile (oldest first);
        ``unprepared``: only those not yet in a submission; ``lock``: claim the rows (PostgreSQL: FOR UPDATE SKIP
        LOCKED, so concurrent senders split the work instead of colliding); ``shard`` (k, n): only ids ≡ k mod n."""
        ...

    def due_checks(self, now: datetime, limit: int, shard: tuple[int, int] | None = None,
                   after: datetime | None = None) -> list[TrackedPayment]:
        """Payments with ``next_check_at <= now`` (status follow-up), oldest check first; with ``after``, only those
        whose check is later than ``after`` (the ones not due yet)."""
        ...

    def count_pending(self, statuses: Sequence[PaymentStatus], self_clearing_prefix: str) -> int:
        """Payments in these statuses (with a profile) the engine still has work for: SENDING, or queued / due for
        checks while not waiting for a person (no attention, or attention starting with the prefix)."""
        ...

    def monitor(self, statuses: Sequence[PaymentStatus] | None = None, attention_only: bool = False,
                limit: int = 10_000) -> list[TrackedPayment]: ...

    def update(self, payment_id: int, expected_version: int, status: PaymentStatus | None = None,
               **fields: Any) -> None:
        """Versioned write of status and engine columns (Conflict STALE_VERSION when changed meanwhile); the
        caller knows the new state (``apply_update``), so nothing is read back."""
        ...

    def update_many(self, changes: Sequence[tuple[int, int, PaymentStatus | None, dict[str, Any]]]) -> None:
        """:meth:`update` for many payments at once (each at most once): (id, expected version, status, fields)."""
        ...

    def refresh_statistics(self) -> None:
        """Fresh planner statistics after many rows were written (PostgreSQL; a no-op elsewhere)."""
        ...

    # -- submissions (I2) --------------------------------------------------------------------------------------
    def add_submission(self, *, profile_id: int, plugin_id: str, debit_account_id: int, body: bytes,
                       signature: bytes, signer_id: str, algorithm: str, body_sha256: str,
                       items: Sequence[tuple[int, str]], total_minor: int) -> int: ...

    def hold_submission(self, submission_id: int, reason: str) -> None: ...
    def get_submission(self, submission_id: int) -> Submission | None: ...

    def claim(self, now: datetime, worker: str, lease_until: datetime) -> tuple[Submission, SendAttempt] | None:
        """Claim one READY submission due now (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the write lock),
        insert its send-attempt row and make that attempt the fencing token. None when nothing is due."""
        ...

    def fence_holds(self, submission_id: int, attempt_id: int, now: datetime) -> bool:
        """True when ``attempt_id`` is still the submission's current attempt and its lease has not expired."""
        ...

    def finish_attempt(self, attempt_id: int, outcome: AttemptOutcome, error_code: str = "",
                       detail: str = "") -> None: ...

    def set_submission(self, submission_id: int, state: str, *, not_before: datetime | None = None,
                       resend: bool = False, attempt_id: int | None = None) -> bool:
        """Move the submission (clearing its lease). With ``attempt_id`` only while that attempt is current
        (the fencing check on writes); returns False when it was not."""
        ...

    def expired_leases(self, now: datetime) -> list[Submission]: ...
    def attempts(self, submission_id: int) -> list[SendAttempt]: ...
    def attempts_for_payment(self, payment_id: int) -> list[SendAttempt]: ...


class CrashPoints(Protocol):
    """Named crash points (RELIABILITY.md §1). Production: no-op. The chaos suite kills the process at one."""

    def hit(self, name: str) -> None: ...


class NoCrashPoints:
    def hit(self, name: str) -> None:
        return None
