"""Submitting payments exactly once (RELIABILITY.md §1): client references, submissions, send attempts.

Vocabulary:

* **Client reference** (YURREF / EndToEndId): our idempotency key for one payment at one bank. It is allocated
  and committed when a SIGNED payment is queued (I1), reused by every resend, and never reused for anything
  else (unique per bank and debit account, forever). A payment gets a *new* reference only through a new
  payment: re-initiation after a definitive failure, which needs a fresh approval (I4).
* **Submission**: the exact signed bytes sent to the bank for a chunk of queued payments (at most the bank's
  batch limit). Stored before the first send (I2); every resend sends these bytes unchanged.
* **Send attempt**: one try at sending a submission, committed *before* any byte leaves (I2). Its id is the
  fencing token (I6): it grows with every claim, and a sender whose attempt is no longer the submission's
  current one aborts before any network I/O.

Stdlib only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from app.domain.payment import PaymentStatus

REFERENCE_PREFIX_LENGTH = 4
_PREFIX = re.compile(r"[0-9A-Z]{4}")
REFERENCE_PATTERN = re.compile(r"BD[0-9A-Z]{4}[0-9]{10}")

# Payments the engine follows with status queries (I3): in flight at the bank, or unknown.
FOLLOWED_STATUSES: frozenset[PaymentStatus] = frozenset({
    PaymentStatus.UNKNOWN, PaymentStatus.ACCEPTED, PaymentStatus.AWAITING_BANK_AUTH, PaymentStatus.PROCESSING,
})


def make_reference(prefix: str, payment_id: int) -> str:
    """``BD`` + the ledger's 4-character prefix + the payment id (10 digits): 16 characters of [0-9A-Z], inside
    every bank's reference field (CMB YURREF C(30), ISO EndToEndId Max35Text). One payment has one reference
    for life; a re-initiated payment is a new payment with a new id, hence a new reference."""
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(f"reference prefix must be 4 characters [0-9A-Z], got {prefix!r}")
    if not 0 < payment_id < 10**10:
        raise ValueError(f"payment id out of range: {payment_id}")
    return f"BD{prefix}{payment_id:010d}"


class SubmissionState(str, Enum):
    READY = "READY"        # signed bytes stored; may be (re)sent when not_before has passed
    SENDING = "SENDING"    # claimed by a sender holding the lease (current_attempt_id is its fencing token)
    SENT = "SENT"          # an attempt ended (answered, or unknown): follow-up is by status queries only
    HELD = "HELD"          # not sendable: validation failed before signing, or a person must decide


class AttemptOutcome(str, Enum):
    ANSWERED = "ANSWERED"        # the bank answered (per-payment results applied)
    UNKNOWN = "UNKNOWN"          # the request may have reached the bank: resolve by status queries
    NOT_SENT = "NOT_SENT"        # nothing left this machine (refused connection, TLS failure before the body)
    ABORTED = "ABORTED"          # the fencing check failed before any I/O (stale lease)
    EXPIRED = "EXPIRED"          # the sender vanished (crash / pause) holding the lease: treated as unknown


@dataclass(frozen=True)
class EngineSettings:
    """Tunables of the submission engine; tests use sub-second values."""

    lease_s: float = 120.0                 # a sender's claim on a submission (≥ connect + read timeouts)
    resend_backoff_s: float = 30.0         # after NOT_SENT, the first retry waits this long (doubling)
    resend_backoff_max_s: float = 900.0
    first_query_s: float = 5.0             # first status query after the bank accepted / after an unknown
    query_backoff_max_s: float = 600.0     # query intervals double up to this
    settle_lag_s: float | None = None      # None: the bank plugin's settle_lag_s
    no_record_confirmations: int = 3       # consecutive "no such instruction" answers needed before a resend
    unknown_sla_s: float = 3600.0          # an UNKNOWN older than this needs a person's attention
    max_resends: int = 3                   # byte-identical resends after definitive "no record" before holding
    query_chunk: int = 50                  # references per status-query round
    query_parallelism: int = 4             # concurrent status requests per round (banks answering one by one)
    shard: tuple[int, int] | None = None   # (k, n): queue, prepare and follow up only payments with id ≡ k mod n
    send_parallelism: int = 2              # submissions in flight at once per worker (each claimed and fenced)
    list_query_min: int = 20               # this many due payments of one profile: ask with the bank's status list
    list_query_days: int = 31              # the widest date range one status-list round covers
    apply_chunk: int = 2000                # payments whose reports are written in one transaction
    respect_quiet_hours: bool = True
    min_query_interval_s: float | None = None   # None: the plugin's min_query_interval_s (per profile)
    return_watch_s: float = 0.0            # keep querying SUCCEEDED payments this long for returns (退票)
    return_check_s: float = 3600.0

    def backoff(self, count: int, first: float, cap: float) -> float:
        return min(cap, first * (2 ** max(0, min(count, 30))))


@dataclass(frozen=True)
class ReferenceRecord:
    reference: str
    payment_id: int
    debit_account_id: int
    bank: str
    allocated_at: datetime


@dataclass(frozen=True)
class SendAttempt:
    id: int                      # the fencing token
    submission_id: int
    attempt_no: int
    worker: str
    body_sha256: str
    started_at: datetime
    finished_at: datetime | None = None
    outcome: AttemptOutcome | None = None
    error_code: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Submission:
    id: int
    profile_id: int
    plugin_id: str
    debit_account_id: int
    body: bytes
    signature: bytes
    signer_id: str
    algorithm: str
    body_sha256: str
    state: SubmissionState
    references: tuple[str, ...]
    payment_ids: tuple[int, ...]
    total_minor: int
    created_at: datetime
    not_before: datetime | None = None
    current_attempt_id: int | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None
    attempts: int = 0
    resends: int = 0
    hold_reason: str = ""


@dataclass(frozen=True)
class TrackedPayment:
    """What the engine and the payment monitor need to know about one payment."""

    id: int
    status: PaymentStatus
    version: int
    debit_account_id: int
    debit_account_number: str
    payee_account: str
    payee_name: str
    amount_minor: int
    currency: str
    client_reference: str | None
    submission_id: int | None
    bank_code: str
    bank_text: str
    bank_reference: str
    next_check_at: datetime | None
    check_count: int
    no_record_count: int
    unknown_since: datetime | None
    attention: str
    updated_at: datetime
    final_at: datetime | None = None
    reinitiated_from_id: int | None = None
    reinitiated_by_id: int | None = None
    result_confirmed_at: datetime | None = None
    result_confirmed_by: str | None = None
    attempts: int = 0
    last_attempt_at: datetime | None = None
    profile_id: int | None = None


    def evolve(self, **changes) -> TrackedPayment:
        """A copy with ``changes`` (fields only): ``dataclasses.replace`` without its per-field ``__init__`` pass,
        which cost more than the database write for the engine's 100,000-payment batches."""
        unknown = changes.keys() - self.__dataclass_fields__.keys()
        if unknown:
            raise TypeError(f"TrackedPayment has no field(s) {', '.join(sorted(unknown))}")
        new = object.__new__(TrackedPayment)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new


@dataclass(frozen=True)
class EngineReport:
    """What one engine pass did (for the worker's output and tests)."""

    queued: int = 0
    prepared: int = 0
    sent: int = 0
    answered: int = 0
    unknown: int = 0
    not_sent: int = 0
    queried: int = 0
    resolved: int = 0
    requeued: int = 0
    recovered: int = 0
    held: int = 0
    aborted: int = 0
    errors: tuple[str, ...] = ()

    @property
    def work(self) -> int:
        return (self.queued + self.prepared + self.sent + self.queried + self.requeued + self.recovered
                + self.held + self.aborted)

    def __add__(self, other: EngineReport) -> EngineReport:
        values = {k: getattr(self, k) + getattr(other, k) for k in self.__dataclass_fields__ if k != "errors"}
        return EngineReport(**values, errors=self.errors + other.errors)
