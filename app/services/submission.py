"""The submission engine: every signed payment reaches the bank exactly once and is followed to a final status.

RELIABILITY.md §1, invariant by invariant:

* **I1** :meth:`queue_signed` allocates the client reference (``payment_references``, unique per bank and debit
  account forever) in the transaction that moves SIGNED → QUEUED, and commits it before anything else happens.
* **I2** :meth:`prepare_queued` builds and signs the exact wire bytes (the bank plugin validates every field in
  the bank's encoding first) and stores them as a *submission* before any send; :meth:`send_ready` commits a
  send-attempt row (with the hash of those bytes, checked by a trigger) before the request leaves, and every
  resend sends the stored bytes unchanged.
* **I3** anything ambiguous after the request may have left (timeouts, resets, 5xx, an unverifiable or
  unreadable answer, a crash or a vanished sender) moves the payment to UNKNOWN. UNKNOWN is resolved only by
  status queries with the same reference (:meth:`follow_up`); the stored bytes are resent only after the bank
  answered "no such instruction" ``no_record_confirmations`` times in a row, each after the bank's settle lag,
  and only when *every* payment of the submission is in that situation (a resend never re-sends a payment the
  bank may hold).
* **I4** a payment never gets a second reference: :meth:`reinitiate` makes a *new* payment (new id, new
  reference) from a definitively failed one, and it goes through approval again.
* **I5** bank reports only move a payment forward (app.domain.payment); duplicates are no-ops, stale messages
  are ignored, odd ones raise the payment's ``attention``; a database trigger keeps final statuses final.
* **I6** claims are exclusive (PostgreSQL ``FOR UPDATE SKIP LOCKED``; SQLite's write lock) and carry a lease and
  a fencing token (the attempt id). Right before any network I/O the sender checks that its token is still the
  submission's current one and its lease has not run out (in the database, and on the monotonic clock); results
  are written only while the token holds. An expired lease turns SENDING into UNKNOWN (:meth:`recover_expired`).
* **I8** nothing relies on the bank's de-duplication.

Each pass is a handful of short units of work; network I/O never happens inside a database transaction.
"""

from __future__ import annotations

import builtins
import os
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

from app.domain.banking import ConnectionProfile, MessageLogRecord
from app.domain.errors import (
    BankRejected,
    BankUnavailable,
    Conflict,
    DomainError,
    NotFound,
    OperationalError,
    OutcomeUnknown,
    PermissionDenied,
    StorageUnavailable,
    ValidationFailed,
)
from app.domain.payment import (
    FINAL_STATUSES,
    PaymentStatus,
    can_transition,
    is_noop,
    is_stale,
)
from app.domain.remittance import EMPTY_REMITTANCE
from app.domain.submission import (
    FOLLOWED_STATUSES,
    AttemptOutcome,
    EngineReport,
    EngineSettings,
    ReferenceRecord,
    SendAttempt,
    Submission,
    SubmissionState,
    TrackedPayment,
    make_reference,
)
from app.domain.users import Actor, Role
from app.ports import Clock, UnitOfWorkFactory
from app.ports.bank import (
    SEND_DEADLINE,
    BankStatusReport,
    Capability,
    PaymentInstruction,
    PluginLimits,
    SignedSubmission,
    SubmissionResult,
)
from app.ports.banking import BankSession, ConnectorFactory
from app.ports.submission import CrashPoints, NoCrashPoints
from app.services.message_log_store import store_messages
from app.services.payments import PAYMENT_STATUS, PAYMENTS_CHANGED
from app.services.permissions import require_any, require_logged_in

_T = TypeVar("_T")
PASS_SIZE = 5_000
READ_AHEAD = 8   # a sender claims one of the first READY submissions, by its slot (senders rarely race)
S = PaymentStatus

# Audit actions (stable strings).
SUBMISSION_PREPARED = "submission.prepared"
SUBMISSION_SENT = "submission.sent"
SUBMISSION_RESEND = "submission.resend"
SUBMISSION_HELD = "submission.held"
PAYMENT_QUERY_NOW = "payment.query_now"
PAYMENT_REINITIATED = "payment.reinitiated"
PAYMENT_RESULT_CONFIRMED = "payment.result_confirmed"

# Attention reasons (prefix codes; the text after the colon is for people).
NO_PROFILE = "NO_PROFILE"
CHANNEL_KEY = "CHANNEL_KEY_MISSING"
PREPARE_FAILED = "PREPARE_FAILED"
ANSWER_MISMATCH = "ANSWER_MISMATCH"
DOUBLE_INSTRUCTION = "DOUBLE_INSTRUCTION"
UNKNOWN_OVER_SLA = "UNKNOWN_OVER_SLA"
PARTIAL_NO_RECORD = "PARTIAL_NO_RECORD"
RESEND_LIMIT = "RESEND_LIMIT"
ODD_REPORT = "ODD_REPORT"
SUBMISSION_BROKEN = "SUBMISSION_BROKEN"

REINITIABLE = frozenset({S.FAILED, S.EXPIRED, S.RETURNED})
CHINA_OFFSET = timedelta(hours=8)
PER_REFERENCE_ROUND = 5000  # payments asked about one reference at a time in one pass (per profile)
STORE_CHUNKS = 20  # signed chunks stored per transaction
ANALYZE_AFTER_PAYMENTS = 10_000  # payments put into submissions between two refreshes of planner statistics
ACTIVE_STATUSES = (S.SIGNED, S.QUEUED, S.SENDING, S.UNKNOWN, S.ACCEPTED, S.AWAITING_BANK_AUTH, S.PROCESSING)


def default_worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class PaymentTrace:
    """Everything the monitor and ``payments show`` tell about a payment's way to the bank."""

    payment: TrackedPayment
    references: list[ReferenceRecord]
    attempts: list[SendAttempt]
    submission: Submission | None


class SubmissionService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, connectors: ConnectorFactory, *,
                 settings: EngineSettings | None = None, events=None, crash: CrashPoints | None = None,
                 worker_id: str | None = None, message_log_keep: int = 100_000,
                 sleep: Callable[[float], None] = time.sleep, payments=None):
        self._uow = uow
        self._clock = clock
        self._connectors = connectors
        self.settings = settings or EngineSettings()
        self._events = events
        self._crash = crash or NoCrashPoints()
        self.worker_id = worker_id or default_worker_id()
        self._actor = Actor(None, "engine", frozenset())
        self._keep = message_log_keep
        self._sleep = sleep
        self._payments = payments
        self._last_query: dict[int, float] = {}   # profile id → monotonic time of the last status query
        # (profile id, account, first day) → status-list cursor before which the bank had only final instructions
        self._list_marks: dict[tuple[int, str, object], str | None] = {}
        self._stored_since_analyze = 0

    # -- plumbing -----------------------------------------------------------------------------------------------
    def _publish(self, ids: Sequence[int], status: PaymentStatus | None = None) -> None:
        if self._events is not None and ids:
            self._events.publish(PAYMENTS_CHANGED, {"ids": list(ids), "status": status.value if status else None})

    def _limits(self, plugin_id: str) -> PluginLimits:
        try:
            return self._connectors.manifest(plugin_id).limits
        except (DomainError, KeyError):
            return PluginLimits()

    def _settle_lag(self, limits: PluginLimits) -> float:
        return self.settings.settle_lag_s if self.settings.settle_lag_s is not None else float(limits.settle_lag_s)

    def _in_quiet_hours(self, limits: PluginLimits, now: datetime) -> bool:
        if not self.settings.respect_quiet_hours or not limits.quiet_hours:
            return False
        local = (now + CHINA_OFFSET).strftime("%H:%M")
        for start, end in limits.quiet_hours:
            if (start <= local < end) if start <= end else (local >= start or local < end):
                return True
        return False

    def _write(self, uow, p: TrackedPayment, status: PaymentStatus | None = None, **fields) -> TrackedPayment:
        """Versioned write; returns the payment as it now is (without reading it back)."""
        uow.submissions.update(p.id, p.version, status, **fields)
        known = {k: v for k, v in fields.items() if k in TrackedPayment.__dataclass_fields__
                 and k != "result_confirmed_by"}
        if "attention" in known:
            known["attention"] = known["attention"] or ""
        for key in ("bank_code", "bank_text", "bank_reference"):
            if key in known:
                known[key] = known[key] or ""
        return p.evolve(version=p.version + 1, status=status or p.status, updated_at=self._clock.now(), **known)

    def _move(self, uow, p: TrackedPayment, to: PaymentStatus, detail: str, *, code: str = "", text: str = "",
              **fields) -> TrackedPayment:
        """Status change with history (the engine's bulk moves are audited once per submission)."""
        if not is_noop(p.status, to) and not can_transition(p.status, to):
            raise Conflict("ILLEGAL_TRANSITION", f"payment {p.id}: {p.status.value} → {to.value} is not allowed")
        if code:
            fields.setdefault("bank_code", code[:64])
        if text:
            fields.setdefault("bank_text", text[:2000])
        if to in FINAL_STATUSES:
            fields.setdefault("final_at", self._clock.now())
        if to is not S.UNKNOWN and (p.attention or "").startswith(UNKNOWN_OVER_SLA):
            fields.setdefault("attention", None)  # it is no longer unknown
        updated = self._write(uow, p, to, **fields)
        if not is_noop(p.status, to):
            uow.payments.add_history(p.id, p.status, to, self._actor.username,
                                     detail + (f" [{code}] {text}".rstrip() if code or text else ""))
        return updated

    @contextmanager
    def _tx(self) -> Iterator[_BufferedUow]:
        """A read-write unit of work whose payment writes are sent in bulk (see :class:`_BufferedUow`). It is
        opened at its first database call, so payment moves worked out before any call are computed outside
        SQLite's write lock (and the write gate)."""
        lazy = _LazyUow(self._uow)
        try:
            yield _BufferedUow(lazy)
        except BaseException as exc:
            lazy.close(type(exc), exc, exc.__traceback__)
            raise
        lazy.close(None, None, None)

    def _tx_over(self, ids: Sequence[int], body: Callable[[_BufferedUow, list[TrackedPayment]], _T],
                 known: Sequence[TrackedPayment] | None = None) -> _T:
        """``body(uow, payments)`` in a read-write unit of work, with the payments read beforehand in a read-only
        one: on SQLite the write lock is then held only for the writes (the read of thousands of payments no
        longer blocks the other workers). Every write is versioned, so a payment that changed between the read and
        the lock fails the unit of work (STALE_VERSION, all rolled back); it is then done once more with the
        payments read inside it. ``body`` must commit and must be safe to run again after a rollback. ``known``:
        the payments as this worker last wrote them (in ``ids`` order), used instead of the read beforehand."""
        if known is not None and sorted(p.id for p in known) == sorted(ids):
            before = sorted(known, key=lambda p: p.id)
        else:
            with self._uow(read_only=True) as ro:
                before = ro.submissions.tracked_many(ids)
        try:
            with self._tx() as uow:
                return body(uow, before)
        except Conflict as exc:
            if exc.code != "STALE_VERSION":
                raise
        with self._tx() as uow:
            return body(uow, uow.submissions.tracked_many(ids))

    def _sessions(self) -> _Sessions:
        return _Sessions(self._connectors, lambda records: store_messages(self._uow, records, self._keep))

    # -- the passes ---------------------------------------------------------------------------------------------
    def run_once(self) -> EngineReport:
        """One pass: recover vanished senders, queue, prepare, send, follow up."""
        report = EngineReport()
        for step in (self.recover_expired, self.queue_signed, self.prepare_queued, self.send_ready, self.follow_up):
            try:
                report += step()
            except (Conflict, StorageUnavailable) as exc:
                # another sender changed the same rows first, or the database was busy: this step's transaction
                # rolled back as a whole; the next pass sees the new state and carries on
                report += EngineReport(errors=(f"{exc.code}: {exc.message}",))
        return report

    def pending(self) -> int:
        """Payments the engine still has work for (idle = 0)."""
        # SENDING always counts; a payment waiting for a person (attention other than UNKNOWN_OVER_SLA) is still
        # followed up but is nothing the engine can finish alone; the rest counts while queued or due for checks
        with self._uow(read_only=True) as uow:
            return uow.submissions.count_pending(ACTIVE_STATUSES, UNKNOWN_OVER_SLA)

    def run_until_idle(self, timeout_s: float = 300.0, poll_s: float = 0.5,
                       cancelled: Callable[[], bool] | None = None) -> EngineReport:
        deadline = time.monotonic() + timeout_s
        total = EngineReport()
        while True:
            step = self.run_once()
            total += step
            if self.pending() == 0:
                return total
            if time.monotonic() >= deadline or (cancelled is not None and cancelled()):
                return replace(total, errors=(*total.errors, "TIMEOUT: payments are still in flight"))
            if not step.work:  # the next pass at once while there is work; poll when there was none
                self._sleep(poll_s)

    # -- I1: references -----------------------------------------------------------------------------------------
    # A pass queues and prepares at most PASS_SIZE payments before it sends: with 20,000 the bank sat idle while a
    # worker prepared its whole share of a 100k payroll; 5,000 lets the first sends start within seconds
    # (python -m bench payroll: send and follow-up 111 s → 101 s)
    def queue_signed(self, limit: int = PASS_SIZE) -> EngineReport:
        queued: list[int] = []
        flagged = 0
        with self._uow(read_only=True) as ro:  # nothing signed (most passes): no write lock for that
            if not ro.submissions.by_status([S.SIGNED], 1, shard=self.settings.shard, with_profile=False):
                return EngineReport()
        with self._tx() as uow:
            signed = uow.submissions.by_status([S.SIGNED], limit, lock=True, shard=self.settings.shard)
            if not signed:
                for p in uow.submissions.by_status([S.SIGNED], limit, with_profile=False):
                    if p.profile_id is None and not p.attention:
                        self._write(uow, p, attention=f"{NO_PROFILE}: the debit account has no "
                                               "connection profile; link one to send this payment")
                        flagged += 1
                if flagged:
                    uow.commit()
                return EngineReport(held=flagged)
            prefix = uow.submissions.reference_prefix()
            plugins: dict[int, str] = {}
            fresh: list[tuple[int, int, str, str]] = []
            refs: dict[int, str] = {}
            for p in signed:
                if p.profile_id not in plugins:
                    profile = uow.profiles.get(p.profile_id)
                    plugins[p.profile_id] = profile.plugin_id if profile else f"profile-{p.profile_id}"
                refs[p.id] = p.client_reference or make_reference(prefix, p.id)
                if not p.client_reference:
                    fresh.append((p.id, p.debit_account_id, plugins[p.profile_id], refs[p.id]))
            uow.submissions.allocate_references(fresh, on_payments=False)
            for p in signed:  # the fresh reference goes into the same (versioned) write as the move: one UPDATE
                extra = {} if p.client_reference else {"client_reference": refs[p.id]}
                self._move(uow, p, S.QUEUED, f"queued under reference {refs[p.id]}", attention=None, **extra)
                queued.append(p.id)
            self._crash.hit("after_reference_alloc_before_commit")
            uow.audit.append(self._actor, PAYMENT_STATUS, "payment", str(queued[0]),
                             {"to": S.QUEUED.value, "payments": queued, "detail": "client references allocated"})
            uow.commit()
        self._crash.hit("after_reference_commit")
        self._publish(queued, S.QUEUED)
        return EngineReport(queued=len(queued))

    # -- I2: the exact bytes, stored before any send ------------------------------------------------------------
    def prepare_queued(self, limit: int = PASS_SIZE) -> EngineReport:
        with self._uow(read_only=True) as uow:
            queued = [p for p in uow.submissions.by_status([S.QUEUED], limit, unprepared=True,
                                                           shard=self.settings.shard) if not p.attention]
            if not queued:
                return EngineReport()
            details = {p.id: p for p in uow.payments.get_many([q.id for q in queued])}
            remittances = uow.batch_extras.remittances(list(details))
            payees = {y.id: y for y in uow.payees.get_many(list({d.payee_id for d in details.values()}))}
            profiles = {pid: uow.profiles.get(pid) for pid in {q.profile_id for q in queued}}
        groups: dict[tuple[int, int], list[TrackedPayment]] = defaultdict(list)
        for p in queued:
            groups[(p.profile_id, p.debit_account_id)].append(p)  # type: ignore[index]
        prepared = held = 0
        errors: list[str] = []
        with self._sessions() as sessions:
            for (profile_id, account_id), items in groups.items():
                profile = profiles.get(profile_id)
                if profile is None:
                    continue
                size = max(1, self._limits(profile.plugin_id).max_batch_size)
                pending: list[tuple[Sequence[TrackedPayment], SignedSubmission]] = []
                for start in range(0, len(items), size):
                    chunk = items[start:start + size]
                    instructions = []
                    for p in chunk:
                        d = details[p.id]
                        payee = payees.get(d.payee_id)
                        instructions.append(PaymentInstruction(
                            client_reference=p.client_reference or "", debit_account=p.debit_account_number,
                            payee_account=p.payee_account, payee_name=p.payee_name, amount_minor=p.amount_minor,
                            currency=p.currency, payee_bank_code=d.payee_bank_code,
                            payee_bank_name=getattr(payee, "bank_name", "") or "", purpose=d.purpose,
                            urgent=d.urgent, remittance=remittances.get(p.id, EMPTY_REMITTANCE)))
                    try:
                        session = sessions.get(profile)
                        signer = session.message_signer
                        if signer is None:
                            raise DomainError(CHANNEL_KEY, f"the connection profile {profile.name} has no client "
                                              "certificate and key to sign payment messages with")
                        signed = session.connector.prepare_submission(instructions, signer)
                    except ValidationFailed as exc:
                        held += self._flag(chunk, f"{PREPARE_FAILED}: " + "; ".join(
                            f"{p.code} {p.message}" for p in exc.problems)[:1500])
                        continue
                    except OperationalError as exc:
                        errors.append(f"{exc.code}: {exc.message}")
                        continue
                    except DomainError as exc:
                        held += self._flag(chunk, f"{exc.code}: {exc.message}")
                        continue
                    pending.append((chunk, signed))
                    if len(pending) >= STORE_CHUNKS:
                        prepared += self._store_pending(profile, account_id, pending)
                if pending:
                    prepared += self._store_pending(profile, account_id, pending)
        return EngineReport(prepared=prepared, held=held, errors=tuple(errors))

    def _store_pending(self, profile: ConnectionProfile, account_id: int,
                       pending: list[tuple[Sequence[TrackedPayment], SignedSubmission]]) -> int:
        self._crash.hit("after_signature_before_store")
        stored = self._store_submissions(profile, account_id, pending)
        pending.clear()
        self._crash.hit("after_signed_bytes_stored")
        self._stored_since_analyze += stored
        if self._stored_since_analyze >= ANALYZE_AFTER_PAYMENTS:
            self._stored_since_analyze = 0
            with self._uow() as uow:  # the planner must know how much the engine's tables grew (PostgreSQL)
                uow.submissions.refresh_statistics()
                uow.commit()
        return stored

    def _flag(self, chunk: Sequence[TrackedPayment], reason: str) -> int:
        with self._tx() as uow:
            for p in uow.submissions.tracked_many([c.id for c in chunk]):
                self._write(uow, p, attention=reason)
            uow.commit()
        self._publish([c.id for c in chunk])
        return len(chunk)

    def _store_submissions(self, profile: ConnectionProfile, account_id: int,
                           signed_chunks: Sequence[tuple[Sequence[TrackedPayment], SignedSubmission]]) -> int:
        """Store the signed bytes of several chunks in one transaction (each chunk its own submission); a chunk
        whose payments changed meanwhile (cancelled, or prepared by another sender) is left to be prepared again."""
        stored = 0
        with self._tx() as uow:
            current = {p.id: p for p in uow.submissions.tracked_many([c.id for chunk, _ in signed_chunks
                                                                       for c in chunk])}
            for chunk, signed in signed_chunks:
                if any((p := current.get(c.id)) is None or p.status is not S.QUEUED or p.submission_id is not None
                       or p.version != c.version for c in chunk):
                    continue
                sid = uow.submissions.add_submission(
                    profile_id=profile.id, plugin_id=signed.plugin_id, debit_account_id=account_id, body=signed.body,
                    signature=signed.signature, signer_id=signed.signer_id, algorithm=signed.algorithm,
                    body_sha256=signed.body_sha256, items=[(c.id, c.client_reference or "") for c in chunk],
                    total_minor=sum(c.amount_minor for c in chunk))
                for c in chunk:
                    uow.submissions.update(c.id, c.version, submission_id=sid)
                uow.audit.append(self._actor, SUBMISSION_PREPARED, "submission", str(sid),
                                 {"payments": [c.id for c in chunk], "body_sha256": signed.body_sha256,
                                  "profile": profile.name})
                stored += len(chunk)
            uow.commit()
        return stored

    # -- I6: vanished senders -----------------------------------------------------------------------------------
    def recover_expired(self) -> EngineReport:
        now = self._clock.now()
        moved: list[int] = []
        with self._uow(read_only=True) as ro:  # nearly always nothing: no write lock for that
            if not ro.submissions.expired_leases(now):
                return EngineReport()
        with self._tx() as uow:
            expired = uow.submissions.expired_leases(now)
            if not expired:
                return EngineReport()
            for sub in expired:
                if sub.current_attempt_id is not None:
                    uow.submissions.finish_attempt(sub.current_attempt_id, AttemptOutcome.EXPIRED, "LEASE_EXPIRED",
                                                   f"sender {sub.lease_owner} vanished holding the lease")
                uow.submissions.set_submission(sub.id, SubmissionState.SENT)
                for p in uow.submissions.tracked_many(sub.payment_ids):
                    if p.status is S.SENDING:
                        self._move(uow, p, S.UNKNOWN, f"sender {sub.lease_owner} vanished while sending: outcome "
                                   "unknown, resolving by status query", unknown_since=now, no_record_count=0,
                                   next_check_at=now + timedelta(seconds=self.settings.first_query_s))
                        moved.append(p.id)
            uow.commit()
        self._publish(moved, S.UNKNOWN)
        return EngineReport(recovered=len(moved))

    # -- sending ------------------------------------------------------------------------------------------------
    def send_ready(self, max_submissions: int = 1000) -> EngineReport:
        """Claim and send READY submissions, ``send_parallelism`` at a time (each sender claims its own: the claim
        is exclusive and fenced exactly as between separate workers)."""
        budget = [max_submissions]
        lock = threading.Lock()

        def take() -> bool:
            with lock:
                if budget[0] <= 0:
                    return False
                budget[0] -= 1
                return True

        def sender(sessions: _Sessions, slot: int = 0) -> EngineReport:
            report = EngineReport()
            while take():
                claimed = self._claim(slot)
                if claimed is None:
                    break
                if isinstance(claimed, EngineReport):
                    report += claimed
                    continue
                report += self._send(sessions, *claimed)
            return report

        n = max(1, self.settings.send_parallelism)
        with self._sessions() as sessions:
            if n == 1:
                return sender(sessions, self.settings.shard[0] if self.settings.shard else 0)
            prefix = f"{threading.current_thread().name}:send"
            with ThreadPoolExecutor(max_workers=n, thread_name_prefix=prefix) as pool:
                shard = self.settings.shard[0] if self.settings.shard else 0
                futures = [pool.submit(sender, sessions, shard * n + k) for k in range(n)]
                total = EngineReport()
                failure: BaseException | None = None
                for f in futures:
                    try:
                        total += f.result()
                    except (Conflict, StorageUnavailable) as exc:  # that sender's unit of work rolled back
                        failure = failure or exc
            if failure is not None and not (total.sent or total.not_sent or total.held):
                raise failure
            if failure is not None:
                total += EngineReport(errors=(f"{failure.code}: {failure.message}",))
            return total

    def _claim(self, slot: int = 0) -> tuple[Submission, SendAttempt, float, ConnectionProfile] | EngineReport | None:
        claimed = self._claim_read_ahead(slot)
        if claimed is _NOTHING_READY:  # an idle worker polls without taking the write lock
            return None
        if claimed is not None:
            return claimed
        return self._claim_in_lock()

    def _claim_read_ahead(self, slot: int) -> tuple[Submission, SendAttempt, float, ConnectionProfile] | object | None:
        """The usual claim, with its reads before the write lock: a READY submission (one of the first few, by the
        sender's slot, so that senders rarely race for the same one), its payments and profile are read in a read-only
        unit of work and the payments' moves to SENDING worked out; the read-write unit of work then only claims
        exactly that submission (still READY, same last attempt) and writes. _NOTHING_READY when no submission is
        READY and due; None — nothing written — when another sender was first, anything needs the careful path
        (quiet hours, a payment that left the queue, no profile) or a payment changed meanwhile:
        :meth:`_claim_in_lock` decides then."""
        now = self._clock.now()
        with self._uow(read_only=True) as ro:
            ahead = ro.submissions.ready_ahead(now, READ_AHEAD)
            if not ahead:
                return _NOTHING_READY
            sub = ro.submissions.get_submission(ahead[slot % len(ahead)])
            if sub is None or sub.state is not SubmissionState.READY:
                return None
            profile = ro.profiles.get(sub.profile_id)
            payments = ro.submissions.tracked_many(sub.payment_ids)
        if profile is None or self._in_quiet_hours(self._limits(sub.plugin_id), now) \
                or any(p.status is not S.QUEUED for p in payments) or len(payments) != len(sub.payment_ids):
            return None
        lease_until = now + timedelta(seconds=self.settings.lease_s)
        attempt_no = sub.attempts + 1
        try:
            with self._tx() as uow:
                # held in the unit of work: no database call yet, so no lock
                sending = [self._move(uow, p, S.SENDING, f"sending (submission {sub.id}, attempt {attempt_no})")
                           for p in payments]
                attempt = uow.submissions.claim_exact(sub.id, sub.current_attempt_id, now, self.worker_id,
                                                      lease_until)
                if attempt is None or attempt.attempt_no != attempt_no:
                    raise _LostClaim
                uow.audit.append(self._actor, SUBMISSION_SENT, "submission", str(sub.id),
                                 {"attempt": attempt.attempt_no, "fence": attempt.id, "worker": self.worker_id,
                                  "body_sha256": sub.body_sha256, "payments": list(sub.payment_ids)})
                uow.commit()
        except _LostClaim:
            return None
        except Conflict as exc:
            if exc.code != "STALE_VERSION":
                raise
            return None
        sub = replace(sub, state=SubmissionState.SENDING, current_attempt_id=attempt.id, lease_owner=self.worker_id,
                      lease_until=lease_until, attempts=attempt_no)
        local_deadline = time.monotonic() + self.settings.lease_s * 0.8
        self._crash.hit("after_send_attempt_row")
        self._publish(sub.payment_ids, S.SENDING)
        return sub, attempt, local_deadline, profile, sending

    def _claim_in_lock(self) -> tuple[Submission, SendAttempt, float, ConnectionProfile] | EngineReport | None:
        now = self._clock.now()
        lease = timedelta(seconds=self.settings.lease_s)
        with self._tx() as uow:
            claimed = uow.submissions.claim(now, self.worker_id, now + lease)
            if claimed is None:
                return None
            sub, attempt = claimed
            profile = uow.profiles.get(sub.profile_id)
            limits = self._limits(sub.plugin_id)
            if profile is None or self._in_quiet_hours(limits, now):
                # not now: give the claim back untouched (the attempt row stays, marked NOT_SENT)
                uow.submissions.finish_attempt(attempt.id, AttemptOutcome.NOT_SENT, "QUIET_HOURS" if profile else
                                               "NO_PROFILE", "not sent: bank quiet hours" if profile else
                                               "the connection profile no longer exists")
                uow.submissions.set_submission(sub.id, SubmissionState.READY,
                                               not_before=now + timedelta(seconds=60))
                uow.commit()
                return EngineReport(not_sent=len(sub.payment_ids))
            payments = uow.submissions.tracked_many(sub.payment_ids)
            broken = [p for p in payments if p.status is not S.QUEUED]
            if broken:
                uow.submissions.finish_attempt(attempt.id, AttemptOutcome.ABORTED, SUBMISSION_BROKEN,
                                               "payments left the queue before sending")
                reason = (f"{SUBMISSION_BROKEN}: payment(s) {', '.join(str(p.id) for p in broken)} of submission "
                          f"{sub.id} left the queue ({', '.join(sorted({p.status.value for p in broken}))})")
                uow.submissions.hold_submission(sub.id, reason)
                uow.audit.append(self._actor, SUBMISSION_HELD, "submission", str(sub.id), {"reason": reason})
                fresh = sub.attempts <= 1  # only this aborted attempt: never sent, safe to prepare again
                for p in payments:
                    if p.status is S.QUEUED:
                        if fresh:
                            self._write(uow, p, submission_id=None)
                        else:
                            self._write(uow, p, attention=reason)
                uow.commit()
                return EngineReport(held=len(payments))
            sending = [self._move(uow, p, S.SENDING, f"sending (submission {sub.id}, attempt {attempt.attempt_no})")
                       for p in payments]
            uow.audit.append(self._actor, SUBMISSION_SENT, "submission", str(sub.id),
                             {"attempt": attempt.attempt_no, "fence": attempt.id, "worker": self.worker_id,
                              "body_sha256": sub.body_sha256, "payments": list(sub.payment_ids)})
            uow.commit()
        local_deadline = time.monotonic() + self.settings.lease_s * 0.8
        self._crash.hit("after_send_attempt_row")
        self._publish(sub.payment_ids, S.SENDING)
        return sub, attempt, local_deadline, profile, sending

    def _send(self, sessions: _Sessions, sub: Submission, attempt: SendAttempt, local_deadline: float,
              profile: ConnectionProfile, sending: Sequence[TrackedPayment] | None = None) -> EngineReport:
        """``sending``: the payments as the claim left them (SENDING), so recording the answer need not read them
        again; every write is versioned, so one that changed meanwhile is read afresh (see :meth:`_tx_over`)."""
        # Fencing: the token must still be current and the lease alive, right before any network I/O.
        with self._uow(read_only=True) as uow:
            holds = uow.submissions.fence_holds(sub.id, attempt.id, self._clock.now())
        if not holds or time.monotonic() >= local_deadline:
            with self._uow() as uow:
                uow.submissions.finish_attempt(attempt.id, AttemptOutcome.ABORTED, "STALE_FENCE",
                                               "the lease ran out before sending: nothing sent")
                uow.commit()
            return EngineReport(aborted=1)
        try:
            session = sessions.get(profile)
        except OperationalError as exc:
            return self._not_sent(sub, attempt, exc)
        stored = SignedSubmission(plugin_id=sub.plugin_id, client_references=sub.references, body=sub.body,
                                  signature=sub.signature, signer_id=sub.signer_id, algorithm=sub.algorithm,
                                  body_sha256=sub.body_sha256)
        self._crash.hit("before_send")
        if time.monotonic() >= local_deadline:  # the last check, microseconds before the bytes leave
            return self._not_sent(sub, attempt, OperationalError("the lease ran out before sending",
                                                                 code="STALE_FENCE"))
        token = SEND_DEADLINE.set(local_deadline)  # the transport refuses to write the first byte after it
        try:
            results = session.connector.send_submission(stored)
        except OutcomeUnknown as exc:
            self._crash.hit("after_answer_before_status_commit")
            return self._record_unknown(sub, attempt, exc.code, exc.message)
        except BankUnavailable as exc:
            return self._not_sent(sub, attempt, exc)
        except BankRejected as exc:
            results = [SubmissionResult(ref, S.FAILED, bank_code=exc.bank_code, bank_text=exc.bank_text or exc.message)
                       for ref in sub.references]
        except OperationalError as exc:
            self._crash.hit("after_answer_before_status_commit")
            return self._record_unknown(sub, attempt, exc.code, exc.message)
        finally:
            SEND_DEADLINE.reset(token)
        self._crash.hit("after_answer_before_status_commit")
        report = self._record_results(sub, attempt, results, sending)
        self._crash.hit("after_status_commit")
        return report

    def _not_sent(self, sub: Submission, attempt: SendAttempt, exc: OperationalError) -> EngineReport:
        """Nothing reached the bank: back to the queue, the same bytes retried after a back-off."""
        now = self._clock.now()
        delay = self.settings.backoff(max(0, sub.attempts - 1), self.settings.resend_backoff_s,
                                      self.settings.resend_backoff_max_s)
        moved: list[int] = []
        with self._tx() as uow:
            uow.submissions.finish_attempt(attempt.id, AttemptOutcome.NOT_SENT, exc.code, exc.message)
            if uow.submissions.set_submission(sub.id, SubmissionState.READY, not_before=now + timedelta(seconds=delay),
                                              attempt_id=attempt.id):
                for p in uow.submissions.tracked_many(sub.payment_ids):
                    if p.status is S.SENDING:
                        self._move(uow, p, S.QUEUED, f"not sent ({exc.code}): retrying in {delay:.0f} s")
                        moved.append(p.id)
            uow.commit()
        self._publish(moved, S.QUEUED)
        return EngineReport(not_sent=len(moved), errors=(f"{exc.code}: {exc.message}",))

    def _record_unknown(self, sub: Submission, attempt: SendAttempt, code: str, message: str) -> EngineReport:
        now = self._clock.now()
        moved: list[int] = []
        with self._tx() as uow:
            uow.submissions.finish_attempt(attempt.id, AttemptOutcome.UNKNOWN, code, message)
            if uow.submissions.set_submission(sub.id, SubmissionState.SENT, attempt_id=attempt.id):
                for p in uow.submissions.tracked_many(sub.payment_ids):
                    if p.status is S.SENDING:
                        self._move(uow, p, S.UNKNOWN, "outcome unknown: resolving by status query with the same "
                                   "reference", code=code, text=message, unknown_since=now, no_record_count=0,
                                   next_check_at=now + timedelta(seconds=self.settings.first_query_s))
                        moved.append(p.id)
            uow.commit()
        self._publish(moved, S.UNKNOWN)
        return EngineReport(sent=len(sub.payment_ids), unknown=len(moved))

    def _record_results(self, sub: Submission, attempt: SendAttempt, results: Sequence[SubmissionResult],
                        sending: Sequence[TrackedPayment] | None = None) -> EngineReport:
        now = self._clock.now()
        by_ref: dict[str, list[SubmissionResult]] = defaultdict(list)
        for r in results:
            by_ref[r.client_reference].append(r)
        refs = dict(zip(sub.payment_ids, sub.references, strict=True))

        def record(uow: _BufferedUow, payments: list[TrackedPayment]) -> tuple[int, int, list[int]]:
            # the payments' moves are worked out first (held in the unit of work): SQLite's write lock is taken by
            # the first statement, and is then held only for the writes
            answered = unknown = 0
            changed: list[int] = []
            for p in payments:
                if p.status is not S.SENDING:
                    continue
                mine = by_ref.get(refs[p.id], [])
                statuses = {r.status for r in mine}
                first_query = now + timedelta(seconds=self.settings.first_query_s)
                if len(statuses) != 1 or S.UNKNOWN in statuses:
                    why = "no result for this reference" if not mine else (
                        "contradicting results" if len(statuses) > 1 else mine[0].bank_text or "status unknown")
                    code = mine[0].bank_code if mine else "NO_RESULT"
                    self._move(uow, p, S.UNKNOWN, f"the bank's answer left the outcome open ({why})", code=code,
                               text=mine[0].bank_text if mine else "", unknown_since=now, no_record_count=0,
                               next_check_at=first_query)
                    unknown += 1
                else:
                    r = mine[0]
                    target = r.status
                    fields: dict = {"bank_reference": r.bank_reference or p.bank_reference or None}
                    if target not in FINAL_STATUSES:
                        fields["next_check_at"] = first_query
                    else:
                        fields["next_check_at"] = self._return_watch(target, now)
                    self._move(uow, p, target, "the bank answered the submission" + (" (repeat)" if r.duplicate
                                                                                      else ""),
                               code=r.bank_code, text=r.bank_text, **fields)
                    answered += 1
                changed.append(p.id)
            uow.submissions.finish_attempt(attempt.id, AttemptOutcome.ANSWERED, "", f"{len(results)} result(s)")
            if not uow.submissions.set_submission(sub.id, SubmissionState.SENT, attempt_id=attempt.id):
                raise _StaleFence  # someone else owns these payments now: none of the moves above is written
            uow.commit()
            return answered, unknown, changed

        try:
            answered, unknown, changed = self._tx_over(sub.payment_ids, record, sending)
        except _StaleFence:
            # our fencing token is stale: the payments are someone else's now (they query; we only record the
            # attempt's answer)
            with self._uow() as uow:
                uow.submissions.finish_attempt(attempt.id, AttemptOutcome.ANSWERED, "", f"{len(results)} result(s)")
                uow.commit()
            return EngineReport(sent=len(sub.payment_ids), aborted=1)
        self._publish(changed)
        return EngineReport(sent=len(sub.payment_ids), answered=answered, unknown=unknown)

    def _return_watch(self, status: PaymentStatus, now: datetime) -> datetime | None:
        if status is S.SUCCEEDED and self.settings.return_watch_s > 0:
            return now + timedelta(seconds=min(self.settings.return_check_s, self.settings.return_watch_s))
        return None

    # -- I3: follow-up by status queries ------------------------------------------------------------------------
    def follow_up(self, limit: int = 200_000, only: Sequence[int] | None = None, force: bool = False) -> EngineReport:
        now = self._clock.now()
        with self._uow(read_only=True) as uow:
            due = (uow.submissions.tracked_many(only) if only is not None
                   else uow.submissions.due_checks(now, limit, shard=self.settings.shard))
            profiles = {pid: uow.profiles.get(pid) for pid in {p.profile_id for p in due if p.profile_id}}
        due = [p for p in due if p.client_reference and (p.status in FOLLOWED_STATUSES or p.status is S.SUCCEEDED)]
        if not due:
            return EngineReport()
        by_profile: dict[int, list[TrackedPayment]] = defaultdict(list)
        for p in due:
            by_profile[p.profile_id].append(p)  # type: ignore[index]
        report = EngineReport()
        with self._sessions() as sessions:
            for profile_id, items in by_profile.items():
                profile = profiles.get(profile_id)
                if profile is None:
                    continue
                limits = self._limits(profile.plugin_id)
                if not force and self._in_quiet_hours(limits, now):
                    continue
                interval = (self.settings.min_query_interval_s if self.settings.min_query_interval_s is not None
                            else limits.min_query_interval_s)
                if not force and len(items) >= max(1, self.settings.list_query_min) and self._lists(profile):
                    last = self._last_query.get(profile_id)
                    if last is not None and interval > 0 and time.monotonic() - last < interval:
                        continue  # the bank's query rate limit: next pass
                    self._last_query[profile_id] = time.monotonic()
                    early = self._not_due(profile_id, now) if only is None else []
                    listed, rest = self._follow_up_by_list(sessions, profile, items, limits, now, early)
                    report += listed
                    if not rest:
                        continue
                    items = rest  # not in the bank's list: asked one by one (only that can mean "no record")
                items = items[:PER_REFERENCE_ROUND]  # one by one is slow: the rest waits for the next pass
                chunk_size = max(1, self.settings.query_chunk)
                for start in range(0, len(items), chunk_size):
                    chunk = items[start:start + chunk_size]
                    last = self._last_query.get(profile_id)
                    if not force and last is not None and interval > 0 and time.monotonic() - last < interval:
                        break  # the bank's query rate limit: the rest waits for the next pass
                    self._last_query[profile_id] = time.monotonic()
                    try:
                        connector = sessions.get(profile).connector
                    except OperationalError as exc:
                        self._postpone(chunk, exc)
                        report += EngineReport(errors=(f"{exc.code}: {exc.message}",))
                        continue
                    answered, reports, failures = self._query_parallel(connector, chunk)
                    for part, exc in failures:
                        self._postpone(part, exc)
                        report += EngineReport(errors=(f"{exc.code}: {exc.message}",))
                    if answered:
                        self._crash.hit("during_status_polling")
                        report += self._apply_reports(answered, reports, self._settle_lag(limits))
        return report

    def _lists(self, profile: ConnectionProfile) -> bool:
        try:
            return Capability.STATUS_LIST in self._connectors.manifest(profile.plugin_id).capabilities
        except (DomainError, KeyError):
            return False

    def _not_due(self, profile_id: int, now: datetime) -> list[TrackedPayment]:
        """This worker's payments of the profile that are in flight but whose next check is still to come (sent
        moments ago): a status-list round applies a final status the list already shows for them."""
        horizon = now + timedelta(seconds=max(self.settings.first_query_s, self.settings.query_backoff_max_s) + 1)
        with self._uow(read_only=True) as uow:
            later = uow.submissions.due_checks(horizon, 200_000, shard=self.settings.shard, after=now)
        return [p for p in later if p.profile_id == profile_id and p.client_reference
                and p.status in FOLLOWED_STATUSES]

    def _follow_up_by_list(self, sessions: _Sessions, profile: ConnectionProfile, items: Sequence[TrackedPayment],
                           limits: PluginLimits, now: datetime,
                           not_due: Sequence[TrackedPayment] = ()) -> tuple[EngineReport, list[TrackedPayment]]:
        """Many due payments of one profile: one paged status-list round per debit account instead of one request
        per reference. → (what was applied, the payments the list did not cover, to be asked one by one).

        ``not_due``: payments of the profile whose check is still to come; those the list shows final (settled)
        are applied in the same round. Without that, a resumable list would skip them later: its mark moves past
        records that are settled, and a payment final at the bank before it was due would then be missing from
        every later list and be asked about one reference at a time."""
        report = EngineReport()
        early: dict[str, list[TrackedPayment]] = defaultdict(list)
        for p in not_due:
            early[p.debit_account_number].append(p)
        rest: list[TrackedPayment] = []
        by_account: dict[str, list[TrackedPayment]] = defaultdict(list)
        today = (now + CHINA_OFFSET).date()
        earliest = today - timedelta(days=max(1, self.settings.list_query_days) - 1)
        for p in items:
            sent = p.last_attempt_at or p.updated_at
            day = (sent + CHINA_OFFSET).date() - timedelta(days=1) if sent is not None else earliest
            (by_account[p.debit_account_number] if day >= earliest else rest).append(p)
        settle_lag = self._settle_lag(limits)
        for account, group in by_account.items():
            first_day = max(earliest, min(((p.last_attempt_at or p.updated_at) + CHINA_OFFSET).date()
                                          for p in group) - timedelta(days=1))
            # A resumable list (the plugin says so) is read from where every earlier instruction was already final
            # at the bank: a long payroll is not listed from its first line again at every round.
            mark_key = (profile.id, account, first_day)
            resumable = limits.status_list_resumable
            try:
                connector = sessions.get(profile).connector
                reports: list[BankStatusReport] = []
                cursor = self._list_marks.get(mark_key) if resumable else None
                mark, settled = cursor, True
                while True:
                    page = connector.query_status_list(account, first_day, today, cursor)
                    reports.extend(page.reports)
                    if settled and page.next_cursor and all(self._settled(r) for r in page.reports):
                        mark = page.next_cursor
                    else:
                        settled = False
                    if not page.next_cursor or page.next_cursor == cursor:
                        break
                    cursor = page.next_cursor
                if resumable:
                    self._list_marks[mark_key] = mark
            except OperationalError as exc:
                self._postpone(group, exc)
                report += EngineReport(errors=(f"{exc.code}: {exc.message}",))
                continue
            by_ref: dict[str, list[BankStatusReport]] = defaultdict(list)
            for r in reports:
                by_ref[r.client_reference].append(r)
            listed = [p for p in group if p.client_reference in by_ref]
            rest.extend(p for p in group if p.client_reference not in by_ref)
            listed.extend(p for p in early.get(account, ()) if p.client_reference in by_ref
                          and any(self._settled(r) for r in by_ref[p.client_reference or ""]))
            step = max(1, self.settings.apply_chunk)
            for start in range(0, len(listed), step):
                part = listed[start:start + step]
                self._crash.hit("during_status_polling")
                report += self._apply_reports(part, [r for p in part for r in by_ref[p.client_reference or ""]],
                                              settle_lag)
        return report, rest

    def _settled(self, r: BankStatusReport) -> bool:
        """Final at the bank and not to be watched any more (a SUCCEEDED one may still be returned while the
        return watch runs)."""
        return (r.found and r.status in FINAL_STATUSES
                and (r.status is not S.SUCCEEDED or self.settings.return_watch_s <= 0))

    def _query_parallel(self, connector, chunk: Sequence[TrackedPayment]):
        """Ask about ``chunk`` in up to ``query_parallelism`` concurrent requests (a bank that answers one reference
        per request is slow one by one). → (payments asked, reports, [(part, error)] of the failed parts)."""
        n = max(1, min(self.settings.query_parallelism, len(chunk)))
        parts = [list(chunk[i::n]) for i in range(n)]
        if n == 1:
            outcomes = [self._ask(connector, parts[0])]
        else:
            with ThreadPoolExecutor(max_workers=n, thread_name_prefix="status-query") as pool:
                outcomes = list(pool.map(lambda part: self._ask(connector, part), parts))
        answered: list[TrackedPayment] = []
        reports: list[BankStatusReport] = []
        failures: list[tuple[list[TrackedPayment], OperationalError]] = []
        for part, (got, exc) in zip(parts, outcomes, strict=True):
            if exc is not None:
                failures.append((part, exc))
            else:
                answered.extend(part)
                reports.extend(got)
        return answered, reports, failures

    @staticmethod
    def _ask(connector, part: Sequence[TrackedPayment]):
        try:
            return connector.query_status([p.client_reference for p in part]), None
        except OperationalError as exc:
            return [], exc

    def _postpone(self, chunk: Sequence[TrackedPayment], exc: OperationalError) -> None:
        now = self._clock.now()
        with self._tx() as uow:
            for p in uow.submissions.tracked_many([c.id for c in chunk]):
                if p.next_check_at is None:
                    continue
                delay = self.settings.backoff(p.check_count, self.settings.first_query_s,
                                              self.settings.query_backoff_max_s)
                extra = {}
                if p.status is S.UNKNOWN and p.unknown_since is not None and not p.attention and \
                        (now - p.unknown_since).total_seconds() > self.settings.unknown_sla_s:
                    extra["attention"] = (f"{UNKNOWN_OVER_SLA}: unknown for more than "
                                          f"{self.settings.unknown_sla_s:.0f} s; the bank does not answer ({exc.code})")
                self._write(uow, p, next_check_at=now + timedelta(seconds=delay), check_count=p.check_count + 1,
                            **extra)
            uow.commit()

    def _apply_reports(self, chunk: Sequence[TrackedPayment], reports: Sequence[BankStatusReport],
                       settle_lag: float) -> EngineReport:
        now = self._clock.now()
        by_ref: dict[str, list[BankStatusReport]] = defaultdict(list)
        for r in reports:
            by_ref[r.client_reference].append(r)
        def apply(uow: _BufferedUow, payments: list[TrackedPayment]) -> tuple[int, int, list[int]]:
            resolved = 0
            touched_submissions: set[int] = set()
            changed: list[int] = []
            for p in payments:
                mine = by_ref.get(p.client_reference or "", [])
                before = p.status
                p2 = self._apply_one(uow, p, mine, now, settle_lag)
                if p2.status is not before:
                    changed.append(p.id)
                    if p2.status in FINAL_STATUSES or before is S.UNKNOWN:
                        resolved += 1
                if p2.status is S.UNKNOWN and p2.submission_id is not None:
                    touched_submissions.add(p2.submission_id)
            requeued = sum(self._maybe_resend(uow, sid, now) for sid in sorted(touched_submissions))
            uow.commit()
            return resolved, requeued, changed

        resolved, requeued, changed = self._tx_over([c.id for c in chunk], apply)
        self._publish(changed)
        return EngineReport(queried=len(chunk), resolved=resolved, requeued=requeued)

    def _next_check(self, p: TrackedPayment, now: datetime) -> datetime:
        delay = self.settings.backoff(p.check_count, self.settings.first_query_s, self.settings.query_backoff_max_s)
        return now + timedelta(seconds=delay)

    def _apply_one(self, uow, p: TrackedPayment, mine: list[BankStatusReport], now: datetime,
                   settle_lag: float) -> TrackedPayment:
        schedule = {"next_check_at": self._next_check(p, now), "check_count": p.check_count + 1}
        if p.status is S.UNKNOWN and p.unknown_since is not None and not p.attention and \
                (now - p.unknown_since).total_seconds() > self.settings.unknown_sla_s:
            schedule["attention"] = (f"{UNKNOWN_OVER_SLA}: unknown for more than "
                                     f"{self.settings.unknown_sla_s:.0f} s; still asking the bank")
        if not mine:
            return p  # not asked this time (the bank stopped answering mid-round): still due, asked next pass
        found = [r for r in mine if r.found and r.status is not S.UNKNOWN]
        if not found:
            if any(r.found for r in mine):
                return self._write(uow, p, **schedule)  # unreadable / about another reference: ask again
            # the bank says it has no such instruction
            counts = (p.last_attempt_at is None
                      or (now - p.last_attempt_at).total_seconds() >= settle_lag)
            if p.status is S.UNKNOWN and counts:
                schedule["no_record_count"] = p.no_record_count + 1
            elif p.status is not S.UNKNOWN and p.no_record_count + 1 >= 10 and not p.attention:
                schedule["attention"] = (f"{ODD_REPORT}: the bank keeps answering 'no record' for a payment it "
                                         f"accepted ({p.status.value}); check with the bank")
                schedule["no_record_count"] = p.no_record_count + 1
            elif p.status is not S.UNKNOWN:
                schedule["no_record_count"] = p.no_record_count + 1
            return self._write(uow, p, **schedule)
        # a report must be about our payment
        for r in found:
            mismatch = [name for name, ours, theirs in (
                ("amount", p.amount_minor, r.amount_minor), ("debit account", p.debit_account_number, r.debit_account),
                ("payee account", p.payee_account, r.payee_account)) if theirs not in (None, "") and theirs != ours]
            if mismatch:
                return self._write(uow, p, **schedule, attention=(
                    f"{ANSWER_MISMATCH}: the bank reports a different {', '.join(mismatch)} under reference "
                    f"{p.client_reference}; not applied"))
        instructions = {r.bank_reference for r in found if r.bank_reference}
        if len(instructions) > 1:
            return self._write(uow, p, **schedule, attention=(
                f"{DOUBLE_INSTRUCTION}: the bank holds {len(instructions)} instructions under reference "
                f"{p.client_reference} ({', '.join(sorted(instructions))}) — possible double payment"))
        statuses = {r.status for r in found}
        # several different stages for one instruction (e.g. a duplicated, stale record): take the most advanced
        target = _most_advanced(statuses)
        report = next(r for r in found if r.status is target)
        schedule["no_record_count"] = 0
        if is_noop(p.status, target) or is_stale(p.status, target):
            if p.status in FINAL_STATUSES and p.status is not S.SUCCEEDED:
                schedule["next_check_at"] = None
            elif p.status is S.SUCCEEDED:
                schedule["next_check_at"] = self._return_watch_next(p, now)
            return self._write(uow, p, **schedule)
        if target is S.RETURNED and p.status is not S.SUCCEEDED and can_transition(p.status, S.SUCCEEDED):
            # paid and returned between two of our queries: it did succeed first (the debit happened)
            p = self._move(uow, p, S.SUCCEEDED, "status query: the bank executed the payment (then returned it)",
                           bank_reference=report.bank_reference or p.bank_reference or None)
        if not can_transition(p.status, target):
            schedule["attention"] = (f"{ODD_REPORT}: the bank reports {target.value} [{report.bank_code}] for a "
                                     f"payment that is {p.status.value}; not applied")
            return self._write(uow, p, **schedule)
        fields = dict(schedule)
        if (fields.get("attention") or "").startswith(UNKNOWN_OVER_SLA):
            del fields["attention"]  # the bank answered: no longer unknown (_move clears it)
        if target in FINAL_STATUSES:
            fields["next_check_at"] = self._return_watch(target, now) if target is S.SUCCEEDED else None
        if report.bank_reference:
            fields["bank_reference"] = report.bank_reference
        detail = "status query" + (" resolved the unknown outcome" if p.status is S.UNKNOWN else "")
        return self._move(uow, p, target, detail, code=report.bank_code or report.raw_request_state,
                          text=report.bank_text, **fields)

    def _return_watch_next(self, p: TrackedPayment, now: datetime) -> datetime | None:
        if p.final_at is None or self.settings.return_watch_s <= 0:
            return None
        if (now - p.final_at).total_seconds() >= self.settings.return_watch_s:
            return None
        return now + timedelta(seconds=self.settings.return_check_s)

    def _maybe_resend(self, uow, submission_id: int, now: datetime) -> int:
        """Requeue a submission's stored bytes when the bank has definitively no record of ANY of its payments."""
        sub = uow.submissions.get_submission(submission_id)
        if sub is None or sub.state is not SubmissionState.SENT:
            return 0
        payments = uow.submissions.tracked_many(sub.payment_ids)
        need = self.settings.no_record_confirmations
        unknown = [p for p in payments if p.status is S.UNKNOWN]
        if not unknown or any(p.no_record_count < need for p in unknown):
            return 0
        if len(unknown) != len(payments):
            for p in unknown:
                if not (p.attention or "").startswith(PARTIAL_NO_RECORD):
                    self._write(uow, p, attention=(
                        f"{PARTIAL_NO_RECORD}: the bank has no record of this payment although other payments of "
                        f"submission {sub.id} arrived; resending would resend those too — check with the bank"))
            return 0
        if sub.resends >= self.settings.max_resends:
            reason = (f"{RESEND_LIMIT}: resent {sub.resends} time(s) and the bank still has no record; a person "
                      "must check with the bank")
            uow.submissions.hold_submission(sub.id, reason)
            for p in unknown:
                self._write(uow, p, attention=reason)
            return 0
        uow.submissions.set_submission(sub.id, SubmissionState.READY, not_before=now, resend=True)
        for p in unknown:
            self._move(uow, p, S.QUEUED, f"the bank has no such instruction ({p.no_record_count} checks after the "
                       "settle lag): resending the stored bytes unchanged, same reference", next_check_at=None,
                       no_record_count=0)
        uow.audit.append(self._actor, SUBMISSION_RESEND, "submission", str(sub.id),
                         {"payments": list(sub.payment_ids), "resend": sub.resends + 1})
        return len(unknown)

    # -- people's actions ---------------------------------------------------------------------------------------
    def monitor(self, actor: Actor, statuses: Sequence[PaymentStatus] | None = None,
                attention_only: bool = False, limit: int = 10_000) -> builtins.list[TrackedPayment]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.submissions.monitor(statuses, attention_only, limit)

    def trace(self, actor: Actor, payment_id: int) -> PaymentTrace:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            p = uow.submissions.tracked(payment_id)
            if p is None:
                raise NotFound("payment", payment_id)
            sub = uow.submissions.get_submission(p.submission_id) if p.submission_id else None
            return PaymentTrace(p, uow.submissions.references(payment_id),
                                uow.submissions.attempts_for_payment(payment_id), sub)

    def query_now(self, actor: Actor, payment_id: int) -> TrackedPayment:
        """Ask the bank about one payment now (UNKNOWN or in flight). Never sends anything."""
        require_any(actor, Role.MAKER, Role.APPROVER, Role.SIGNER, Role.ADMIN, doing="query a payment's status")
        with self._uow() as uow:
            p = uow.submissions.tracked(payment_id)
            if p is None:
                raise NotFound("payment", payment_id)
            if p.status not in FOLLOWED_STATUSES and p.status is not S.SUCCEEDED:
                raise Conflict("NOT_IN_FLIGHT", f"payment {payment_id} is {p.status.value}: there is nothing to ask "
                               "the bank")
            if not p.client_reference:
                raise Conflict("NOT_SENT", f"payment {payment_id} was never sent")
            uow.audit.append(actor, PAYMENT_QUERY_NOW, "payment", str(payment_id), {"status": p.status.value})
            uow.commit()
        report = self.follow_up(only=[payment_id], force=True)
        if report.errors and report.queried == 0:
            raise OperationalError(report.errors[0], code="QUERY_FAILED")
        with self._uow(read_only=True) as uow:
            return uow.submissions.tracked(payment_id)  # type: ignore[return-value]

    def reinitiate(self, actor: Actor, payment_id: int) -> int:
        """A definitively failed payment is redone as a NEW payment (new id, new reference), linked to the old one,
        and submitted for approval again (I4). Returns the new payment's id."""
        require_any(actor, Role.MAKER, doing="re-initiate payments")
        if self._payments is None:
            raise RuntimeError("the submission service was built without the payment service")
        with self._uow(read_only=True) as uow:
            old = uow.payments.get(payment_id)
            p = uow.submissions.tracked(payment_id)
            if old is None or p is None:
                raise NotFound("payment", payment_id)
            if p.status not in REINITIABLE:
                raise Conflict("NOT_DEFINITIVELY_FAILED", f"payment {payment_id} is {p.status.value}: only a failed, "
                               "expired or returned payment can be re-initiated (an unknown one is resolved by "
                               "querying the bank, never by paying again)")
            if p.reinitiated_by_id is not None:
                raise Conflict("ALREADY_REINITIATED", f"payment {payment_id} was already re-initiated as payment "
                               f"{p.reinitiated_by_id}")
        minor = old.amount_minor
        fields = {"debit_account_id": old.debit_account_id, "payee_id": old.payee_id,
                  "amount": f"{minor // 100}.{minor % 100:02d}", "currency": old.currency, "purpose": old.purpose,
                  "urgent": old.urgent}
        new_id = self._payments.create(actor, fields, override_duplicate=True).entity.id
        with self._uow() as uow:
            fresh = uow.submissions.tracked(new_id)
            uow.submissions.update(fresh.id, fresh.version, reinitiated_from_id=payment_id)
            uow.audit.append(actor, PAYMENT_REINITIATED, "payment", str(new_id),
                             {"from": payment_id, "status_of_old": p.status.value, "bank_code": p.bank_code})
            uow.commit()
        self._payments.submit(actor, new_id, override_duplicate=True)
        self._publish([payment_id, new_id])
        return new_id

    def confirm_result(self, actor: Actor, payment_id: int) -> TrackedPayment:
        """A person acknowledges a final result (SUCCEEDED, FAILED …)."""
        require_any(actor, Role.MAKER, Role.APPROVER, Role.SIGNER, Role.ADMIN, doing="confirm payment results")
        with self._uow() as uow:
            p = uow.submissions.tracked(payment_id)
            if p is None:
                raise NotFound("payment", payment_id)
            if p.status not in FINAL_STATUSES:
                raise Conflict("NOT_FINAL", f"payment {payment_id} is {p.status.value}: only final results are "
                               "confirmed")
            if p.result_confirmed_at is not None:
                return p
            if actor.user_id is None:
                raise PermissionDenied("the engine cannot confirm results", code="NOT_A_PERSON")
            updated = replace(self._write(uow, p, result_confirmed_by=actor.user_id,
                                          result_confirmed_at=self._clock.now(), attention=None),
                              result_confirmed_by=actor.username)
            uow.audit.append(actor, PAYMENT_RESULT_CONFIRMED, "payment", str(payment_id),
                             {"status": p.status.value, "bank_code": p.bank_code})
            uow.commit()
        self._publish([payment_id])
        return updated


_ORDER = {S.UNKNOWN: 0, S.ACCEPTED: 1, S.AWAITING_BANK_AUTH: 2, S.PROCESSING: 3}


def _most_advanced(statuses: set[PaymentStatus]) -> PaymentStatus:
    finals = [s for s in statuses if s in FINAL_STATUSES]
    if finals:
        if S.RETURNED in finals:
            return S.RETURNED
        return sorted(finals, key=lambda s: s.value)[0]
    return max(statuses, key=lambda s: _ORDER.get(s, 0))


class _Sessions:
    """Bank sessions opened lazily per profile for one pass, closed together; messages logged afterwards."""

    def __init__(self, connectors: ConnectorFactory, store: Callable[[list[MessageLogRecord]], None]):
        self._connectors = connectors
        self._store = store
        self._open: dict[int, BankSession] = {}
        self._lock = threading.Lock()
        self.messages: list[MessageLogRecord] = []

    def get(self, profile: ConnectionProfile) -> BankSession:
        with self._lock:  # parallel senders share one session (and its connection pool) per profile
            session = self._open.get(profile.id)
            if session is None:
                session = self._connectors.open(profile, self.messages.append)
                self._open[profile.id] = session
            return session

    def __enter__(self) -> _Sessions:
        return self

    def __exit__(self, *exc: object) -> None:
        for session in self._open.values():
            session.close()
        self._open.clear()
        if self.messages:
            records, self.messages = self.messages, []
            self._store(records)


_NOTHING_READY = object()


class _LostClaim(Exception):
    """Another sender claimed the submission first: roll back the moves worked out for it."""


class _StaleFence(Exception):
    """The send attempt's fencing token is no longer current: roll back what was about to be recorded."""


class _LazyUow:
    """A read-write unit of work entered at its first use (and left by :meth:`close`, if it was entered)."""

    def __init__(self, factory):
        self._factory = factory
        self._cm = None
        self._uow = None

    def _open(self):
        if self._uow is None:
            self._cm = self._factory()
            self._uow = self._cm.__enter__()
        return self._uow

    def __getattr__(self, name: str):
        return getattr(self._open(), name)

    def commit(self) -> None:
        if self._uow is not None:  # never opened: nothing was read or written
            self._uow.commit()

    def close(self, exc_type, exc, tb) -> None:
        cm, self._cm, self._uow = self._cm, None, None
        if cm is not None:
            cm.__exit__(exc_type, exc, tb)


class _BufferedRepo:
    """A repository whose versioned payment updates / status-history rows are held back and written in bulk; any
    other call first writes what is held, so every read sees every earlier write of the unit of work."""

    def __init__(self, inner: Callable[[], object], owner: _BufferedUow):
        self._inner = inner
        self._owner = owner

    def update(self, payment_id: int, expected_version: int, status: PaymentStatus | None = None, **fields) -> None:
        self._owner.hold_update(payment_id, expected_version, status, fields)

    def add_history(self, payment_id: int, from_status: PaymentStatus | None, to_status: PaymentStatus,
                    actor: str, detail: str | None = None) -> None:
        self._owner.hold_history(payment_id, from_status, to_status, actor, detail)

    def __getattr__(self, name: str):
        self._owner.flush()
        return getattr(self._inner(), name)


class _BufferedUow:
    """The engine's unit of work: the same as the storage one, but the per-payment writes of a pass over many
    payments go to the database as a few ``executemany`` (a 50-payment answer: 2 statements instead of 100)."""

    def __init__(self, uow):
        self._uow = uow
        self._updates: list[tuple[int, int, PaymentStatus | None, dict]] = []
        self._updated: set[int] = set()
        self._history: dict[str, list[tuple[int, PaymentStatus | None, PaymentStatus, str | None]]] = {}
        self.submissions = _BufferedRepo(lambda: uow.submissions, self)
        self.payments = _BufferedRepo(lambda: uow.payments, self)

    def hold_update(self, payment_id: int, expected_version: int, status: PaymentStatus | None, fields: dict) -> None:
        if payment_id in self._updated:  # a second write of the same payment: the first must land first
            self.flush()
        self._updates.append((payment_id, expected_version, status, fields))
        self._updated.add(payment_id)

    def hold_history(self, payment_id: int, from_status: PaymentStatus | None, to_status: PaymentStatus, actor: str,
                     detail: str | None) -> None:
        self._history.setdefault(actor, []).append((payment_id, from_status, to_status, detail))

    def flush(self) -> None:
        updates, self._updates, self._updated = self._updates, [], set()
        history, self._history = self._history, {}
        if updates:
            self._uow.submissions.update_many(updates)
        for actor, rows in history.items():
            self._uow.payments.add_history_many(rows, actor)

    def commit(self) -> None:
        self.flush()
        self._uow.commit()

    def __getattr__(self, name: str):
        return getattr(self._uow, name)
