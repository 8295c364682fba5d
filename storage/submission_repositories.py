"""SQL side of the submission engine: references, submissions, send attempts and the engine's payment columns.

Claims: on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` picks a READY submission no other sender is looking
at; on SQLite the unit of work already holds the database write lock (``BEGIN IMMEDIATE``), so claims are
serialised. Either way the claim inserts a send-attempt row whose id becomes the submission's
``current_attempt_id``: the fencing token every later write and the pre-send check compare against (I6).
"""

from __future__ import annotations

import base64
import secrets
import string
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from app.domain.errors import Conflict, NotFound
from app.domain.payment import PaymentStatus
from app.domain.submission import (
    REFERENCE_PREFIX_LENGTH,
    AttemptOutcome,
    ReferenceRecord,
    SendAttempt,
    Submission,
    SubmissionState,
    TrackedPayment,
)
from app.ports.clock import Clock
from storage import bulk
from storage.orm import (
    BankAccountRow,
    LedgerMeta,
    PayeeRow,
    PaymentReferenceRow,
    PaymentRequestRow,
    SendAttemptRow,
    SubmissionItemRow,
    SubmissionRow,
    UserRow,
)
from storage.repositories import _guarded

PREFIX_KEY = "reference_prefix"
P = PaymentRequestRow.__table__
S = SubmissionRow.__table__
A = SendAttemptRow.__table__

_ENGINE_FIELDS = frozenset({
    "submission_id", "bank_code", "bank_text", "bank_reference", "next_check_at", "check_count", "no_record_count",
    "unknown_since", "attention", "final_at", "result_confirmed_by", "result_confirmed_at", "reinitiated_from_id",
    "client_reference",   # set once, with the payment's move to QUEUED (a trigger refuses any later change)
})


# the payment columns the engine's view holds, in TrackedPayment's order (a payment row has ~40 columns; converting
# the other timestamps cost more than the query)
_TRACKED_COLUMNS = ("id", "status", "version", "debit_account_id", "amount_minor", "currency", "client_reference",
                    "submission_id", "bank_code", "bank_text", "bank_reference", "next_check_at", "check_count",
                    "no_record_count", "unknown_since", "attention", "updated_at", "final_at", "reinitiated_from_id",
                    "result_confirmed_at")

_STATUS = {**{s.value: s for s in PaymentStatus}, **{s: s for s in PaymentStatus}}  # faster than PaymentStatus(v)


def _build_tracked_query():
    confirmer = UserRow.__table__.alias("confirmer")
    later = PaymentRequestRow.__table__.alias("later")
    joined = A.join(SubmissionItemRow.__table__, SubmissionItemRow.submission_id == A.c.submission_id)
    attempts = (select(func.count(A.c.id)).select_from(joined)
                .where(SubmissionItemRow.payment_id == P.c.id).scalar_subquery())
    last_attempt = (select(func.max(A.c.started_at)).select_from(joined)
                    .where(SubmissionItemRow.payment_id == P.c.id).scalar_subquery())
    redo = select(func.min(later.c.id)).where(later.c.reinitiated_from_id == P.c.id).scalar_subquery()
    return (select(*(P.c[n] for n in _TRACKED_COLUMNS), BankAccountRow.account_number,
                   BankAccountRow.connection_profile_id, PayeeRow.account_number, PayeeRow.name,
                   confirmer.c.username, attempts, last_attempt.label("last_attempt_at"), redo)
            .join(BankAccountRow, BankAccountRow.id == P.c.debit_account_id)
            .join(PayeeRow, PayeeRow.id == P.c.payee_id)
            .outerjoin(confirmer, confirmer.c.id == P.c.result_confirmed_by))


_TRACKED_QUERY = None
_TRACKED_BY_IDS = None


class _Hot:
    """The statements a sender runs for every submission, built once with bound parameters (building a statement
    cost more than running it) and run on the connection, past the ORM session's execution layer."""

    _built: _Hot | None = None

    def __init__(self) -> None:
        due = or_(S.c.not_before.is_(None), S.c.not_before <= bindparam("now"))
        ready = S.c.state == SubmissionState.READY.value
        self.ready_ahead = select(S.c.id).where(ready, due).order_by(S.c.id).limit(bindparam("limit"))
        self.submission = select(S).where(S.c.id == bindparam("sid"))
        self.items = (select(SubmissionItemRow.payment_id, SubmissionItemRow.reference)
                      .where(SubmissionItemRow.submission_id == bindparam("sid")).order_by(SubmissionItemRow.idx))
        self.attempt_count = select(func.count(A.c.id)).where(A.c.submission_id == bindparam("sid"))
        claim = dict(state=SubmissionState.SENDING.value, lease_owner=bindparam("worker"),
                     lease_until=bindparam("lease_until"), updated_at=bindparam("now"))
        self.claim_first = (update(S).where(S.c.id == bindparam("sid"), ready, due,
                                            S.c.current_attempt_id.is_(None)).values(**claim))
        self.claim_again = (update(S).where(S.c.id == bindparam("sid"), ready, due,
                                            S.c.current_attempt_id == bindparam("last")).values(**claim))
        self.last_attempt = (select(S.c.body_sha256, func.coalesce(func.max(A.c.attempt_no), 0))
                             .select_from(S.outerjoin(A, A.c.submission_id == S.c.id))
                             .where(S.c.id == bindparam("sid")).group_by(S.c.body_sha256))
        self.add_attempt = insert(A).values(
            submission_id=bindparam("sid"), attempt_no=bindparam("no"), worker=bindparam("worker"),
            body_sha256=bindparam("sha"), started_at=bindparam("now")).returning(A.c.id)
        self.current_attempt = (update(S).where(S.c.id == bindparam("sid"))
                                .values(current_attempt_id=bindparam("aid")))
        self.fence = (select(S.c.current_attempt_id, S.c.lease_until, S.c.state)
                      .where(S.c.id == bindparam("sid")))
        self.finish_attempt = (update(A).where(A.c.id == bindparam("aid"), A.c.outcome.is_(None))
                               .values(outcome=bindparam("outcome"), error_code=bindparam("code"),
                                       detail=bindparam("detail"), finished_at=bindparam("now")))

        # (fenced by the attempt, a resend) → the submission's state change, which always drops the lease
        self.set_state = {}
        for fenced in (False, True):
            for resend in (False, True):
                cond = [S.c.id == bindparam("sid")]
                if fenced:
                    cond.append(S.c.current_attempt_id == bindparam("aid"))
                values: dict[str, Any] = dict(state=bindparam("state"), not_before=bindparam("not_before"),
                                              lease_owner=None, lease_until=None, current_attempt_id=None,
                                              updated_at=bindparam("now"))
                if resend:
                    values["resends"] = S.c.resends + 1
                self.set_state[(fenced, resend)] = update(S).where(and_(*cond)).values(**values)

    @classmethod
    def get(cls) -> _Hot:
        if cls._built is None:
            cls._built = cls()
        return cls._built


def _tracked_query():
    """The engine's view of payments (built once: constructing it costs more than running it for 50 ids)."""
    global _TRACKED_QUERY
    if _TRACKED_QUERY is None:
        _TRACKED_QUERY = _build_tracked_query()
    return _TRACKED_QUERY


def _tracked(r: Any) -> TrackedPayment:
    (pid, status, version, debit_account_id, amount_minor, currency, client_reference, submission_id, bank_code,
     bank_text, bank_reference, next_check_at, check_count, no_record_count, unknown_since, attention, updated_at,
     final_at, reinitiated_from_id, result_confirmed_at, debit_number, profile_id, payee_account, payee_name,
     confirmer, attempts, last_attempt_at, redo) = r
    return TrackedPayment(
        id=pid, status=_STATUS[status], version=version, debit_account_id=debit_account_id,
        debit_account_number=debit_number, payee_account=payee_account, payee_name=payee_name,
        amount_minor=amount_minor, currency=currency, client_reference=client_reference, submission_id=submission_id,
        bank_code=bank_code or "", bank_text=bank_text or "", bank_reference=bank_reference or "",
        next_check_at=next_check_at, check_count=check_count, no_record_count=no_record_count,
        unknown_since=unknown_since, attention=attention or "", updated_at=updated_at, final_at=final_at,
        reinitiated_from_id=reinitiated_from_id, reinitiated_by_id=redo, result_confirmed_at=result_confirmed_at,
        result_confirmed_by=confirmer, attempts=int(attempts or 0), last_attempt_at=last_attempt_at,
        profile_id=profile_id)


def _attempt(row: Any) -> SendAttempt:
    return SendAttempt(id=row.id, submission_id=row.submission_id, attempt_no=row.attempt_no, worker=row.worker,
                       body_sha256=row.body_sha256, started_at=row.started_at, finished_at=row.finished_at,
                       outcome=AttemptOutcome(row.outcome) if row.outcome else None, error_code=row.error_code or "",
                       detail=row.detail or "")


class SqlSubmissionRepository:
    def __init__(self, session: Session, clock: Clock):
        self._s = session
        self._clock = clock

    @property
    def _pg(self) -> bool:
        return self._s.get_bind().dialect.name == "postgresql"

    # -- references --------------------------------------------------------------------------------------------
    def reference_prefix(self) -> str:
        value = self._s.scalar(select(LedgerMeta.value).where(LedgerMeta.key == PREFIX_KEY))
        if value:
            return value
        alphabet = string.digits + string.ascii_uppercase
        value = "".join(secrets.choice(alphabet) for _ in range(REFERENCE_PREFIX_LENGTH))
        try:
            with _guarded(self._s, "the reference prefix"):
                self._s.execute(insert(LedgerMeta.__table__).values(key=PREFIX_KEY, value=value))
        except Conflict:  # another sender created it first: use theirs
            return self._s.scalar(select(LedgerMeta.value).where(LedgerMeta.key == PREFIX_KEY))
        return value

    def allocate_reference(self, payment_id: int, debit_account_id: int, bank: str, reference: str) -> None:
        with _guarded(self._s, "a client reference"):
            self._s.execute(insert(PaymentReferenceRow.__table__).values(
                payment_id=payment_id, debit_account_id=debit_account_id, bank=bank, reference=reference,
                allocated_at=self._clock.now()))
            self._s.execute(update(P).where(P.c.id == payment_id).values(client_reference=reference))

    def references(self, payment_id: int) -> list[ReferenceRecord]:
        rows = self._s.execute(select(PaymentReferenceRow.__table__)
                               .where(PaymentReferenceRow.payment_id == payment_id)
                               .order_by(PaymentReferenceRow.id))
        return [ReferenceRecord(r.reference, r.payment_id, r.debit_account_id, r.bank, r.allocated_at) for r in rows]

    # -- tracked payments -------------------------------------------------------------------------------------
    def tracked(self, payment_id: int) -> TrackedPayment | None:
        row = bulk.rows(self._s, _tracked_query().where(P.c.id == payment_id)).first()
        return _tracked(row) if row is not None else None

    def tracked_many(self, ids: Sequence[int]) -> list[TrackedPayment]:
        global _TRACKED_BY_IDS
        if _TRACKED_BY_IDS is None:
            _TRACKED_BY_IDS = _tracked_query().where(P.c.id.in_(bindparam("ids", expanding=True))).order_by(P.c.id)
        return [_tracked(r) for r in bulk.rows_for_ids(self._s, _TRACKED_BY_IDS, ids)]

    def by_status(self, statuses: Sequence[PaymentStatus], limit: int, *, unprepared: bool = False,
                  with_profile: bool = True, lock: bool = False,
                  shard: tuple[int, int] | None = None) -> list[TrackedPayment]:
        stmt = _tracked_query().where(P.c.status.in_([PaymentStatus(s).value for s in statuses]))
        if shard is not None:
            stmt = stmt.where(P.c.id % shard[1] == shard[0])
        if unprepared:
            stmt = stmt.where(P.c.submission_id.is_(None))
        if with_profile:
            stmt = stmt.where(BankAccountRow.connection_profile_id.is_not(None))
        stmt = stmt.order_by(P.c.id).limit(limit)
        if lock and self._pg:  # rows another sender is working on are skipped, not waited for
            stmt = stmt.with_for_update(skip_locked=True, of=P)
        return [_tracked(r) for r in bulk.rows(self._s, stmt)]

    def due_checks(self, now: datetime, limit: int, shard: tuple[int, int] | None = None,
                   after: datetime | None = None) -> list[TrackedPayment]:
        stmt = _tracked_query()
        if after is not None:
            stmt = stmt.where(P.c.next_check_at > after)
        if shard is not None:
            stmt = stmt.where(P.c.id % shard[1] == shard[0])
        stmt = (stmt.where(P.c.next_check_at.is_not(None), P.c.next_check_at <= now)
                .order_by(P.c.next_check_at, P.c.id).limit(limit))
        return [_tracked(r) for r in bulk.rows(self._s, stmt)]

    def count_pending(self, statuses: Sequence[PaymentStatus], self_clearing_prefix: str) -> int:
        no_person = or_(P.c.attention.is_(None), P.c.attention == "", P.c.attention.like(f"{self_clearing_prefix}%"))
        stmt = (select(func.count()).select_from(P.join(BankAccountRow, BankAccountRow.id == P.c.debit_account_id))
                .where(P.c.status.in_([PaymentStatus(s).value for s in statuses]),
                       BankAccountRow.connection_profile_id.is_not(None),
                       or_(P.c.status == PaymentStatus.SENDING.value,
                           and_(no_person, or_(P.c.status.in_([PaymentStatus.SIGNED.value, PaymentStatus.QUEUED.value]),
                                               P.c.next_check_at.is_not(None))))))
        return int(self._s.scalar(stmt) or 0)

    def monitor(self, statuses: Sequence[PaymentStatus] | None = None, attention_only: bool = False,
                limit: int = 10_000) -> list[TrackedPayment]:
        stmt = _tracked_query()
        if statuses:
            stmt = stmt.where(P.c.status.in_([PaymentStatus(s).value for s in statuses]))
        if attention_only:
            stmt = stmt.where(P.c.attention.is_not(None))
        return [_tracked(r) for r in bulk.rows(self._s, stmt.order_by(P.c.updated_at.desc(), P.c.id.desc())
                                                     .limit(limit))]

    def update(self, payment_id: int, expected_version: int, status: PaymentStatus | None = None,
               **fields: Any) -> None:
        unknown = set(fields) - _ENGINE_FIELDS
        if unknown:
            raise ValueError(f"unknown engine column(s): {sorted(unknown)}")
        values = dict(fields)
        if status is not None:
            values["status"] = PaymentStatus(status).value
        stmt = (update(P).where(P.c.id == payment_id, P.c.version == expected_version)
                .values(**values, version=P.c.version + 1, updated_at=self._clock.now()))
        with _guarded(self._s, "a payment"):
            result = self._s.execute(stmt)
        if result.rowcount != 1:
            current = self._s.execute(select(P.c.version).where(P.c.id == payment_id)).scalar_one_or_none()
            if current is None:
                raise NotFound("payment", payment_id)
            raise Conflict("STALE_VERSION", f"payment {payment_id} changed meanwhile (version {expected_version} → "
                           f"{current})")

    def update_many(self, changes: Sequence[tuple[int, int, PaymentStatus | None, dict[str, Any]]]) -> None:
        """Versioned writes of many payments at once: (payment id, expected version, status or None, fields); each
        payment at most once. Rows of the same shape go in one executemany; Conflict STALE_VERSION (and nothing
        written, once the caller rolls back) when any payment changed meanwhile."""
        if not changes:
            return
        rows = []
        for payment_id, expected_version, status, fields in changes:
            unknown = set(fields) - _ENGINE_FIELDS
            if unknown:
                raise ValueError(f"unknown engine column(s): {sorted(unknown)}")
            values = dict(sorted(fields.items()))
            if status is not None:
                values = {"status": _STATUS[status].value, **values}
            rows.append((payment_id, expected_version, values))
        with _guarded(self._s, "a payment"):
            stale = bulk.versioned_update_many(self._s, P, rows, self._clock.now())
        if stale:
            raise Conflict("STALE_VERSION", f"{len(stale)} payment(s) changed meanwhile, e.g. {stale[:5]}")

    def allocate_references(self, rows: Sequence[tuple[int, int, str, str]], *, on_payments: bool = True) -> None:
        """Many references at once: (payment id, debit account id, bank, reference); Conflict if any was ever used.
        ``on_payments=False``: the caller writes each payment's ``client_reference`` in its own (versioned) update."""
        if not rows:
            return
        now = self._clock.now()
        with _guarded(self._s, "a client reference"):
            conn = self._s.connection()
            conn.execute(insert(PaymentReferenceRow.__table__),
                         [{"payment_id": pid, "debit_account_id": acc, "bank": bank, "reference": ref,
                           "allocated_at": now} for pid, acc, bank, ref in rows])
            if not on_payments:
                return
            conn.execute(update(P).where(P.c.id == bindparam("b_id")).values(client_reference=bindparam("b_ref")),
                         [{"b_id": pid, "b_ref": ref} for pid, _, _, ref in rows])

    def refresh_statistics(self) -> None:
        """After the engine wrote many submissions (see storage.bulk.refresh_statistics)."""
        bulk.refresh_statistics(self._s, [P, S, SubmissionItemRow.__table__, A, PaymentReferenceRow.__table__])

    # -- submissions ------------------------------------------------------------------------------------------
    def add_submission(self, *, profile_id: int, plugin_id: str, debit_account_id: int, body: bytes,
                       signature: bytes, signer_id: str, algorithm: str, body_sha256: str,
                       items: Sequence[tuple[int, str]], total_minor: int) -> int:
        now = self._clock.now()
        sid = self._s.execute(insert(S).values(
            profile_id=profile_id, plugin_id=plugin_id, debit_account_id=debit_account_id,
            body=base64.b64encode(body).decode("ascii"), signature=base64.b64encode(signature).decode("ascii"),
            signer_id=signer_id, algorithm=algorithm, body_sha256=body_sha256, count=len(items),
            total_minor=total_minor, state=SubmissionState.READY.value, not_before=None, resends=0,
            created_at=now, updated_at=now).returning(S.c.id)).scalar_one()
        self._s.execute(insert(SubmissionItemRow.__table__),
                        [{"submission_id": sid, "idx": i, "payment_id": pid, "reference": ref}
                         for i, (pid, ref) in enumerate(items)])
        return int(sid)

    def hold_submission(self, submission_id: int, reason: str) -> None:
        self._s.execute(update(S).where(S.c.id == submission_id).values(
            state=SubmissionState.HELD.value, hold_reason=reason, lease_owner=None, lease_until=None,
            current_attempt_id=None, updated_at=self._clock.now()))

    def _submission(self, row: Any) -> Submission:
        hot = _Hot.get()
        items = bulk.rows(self._s, hot.items, {"sid": row.id}).all()
        count = bulk.rows(self._s, hot.attempt_count, {"sid": row.id}).scalar() or 0
        return Submission(
            id=row.id, profile_id=row.profile_id, plugin_id=row.plugin_id, debit_account_id=row.debit_account_id,
            body=base64.b64decode(row.body), signature=base64.b64decode(row.signature), signer_id=row.signer_id,
            algorithm=row.algorithm, body_sha256=row.body_sha256, state=SubmissionState(row.state),
            references=tuple(i.reference for i in items), payment_ids=tuple(i.payment_id for i in items),
            total_minor=row.total_minor, created_at=row.created_at, not_before=row.not_before,
            current_attempt_id=row.current_attempt_id, lease_owner=row.lease_owner, lease_until=row.lease_until,
            attempts=int(count), resends=row.resends, hold_reason=row.hold_reason or "")

    def get_submission(self, submission_id: int) -> Submission | None:
        row = bulk.rows(self._s, _Hot.get().submission, {"sid": submission_id}).first()
        return self._submission(row) if row is not None else None

    def claim(self, now: datetime, worker: str, lease_until: datetime) -> tuple[Submission, SendAttempt] | None:
        stmt = (select(S.c.id, S.c.current_attempt_id).where(S.c.state == SubmissionState.READY.value,
                                                            or_(S.c.not_before.is_(None), S.c.not_before <= now))
                .order_by(S.c.id).limit(1))
        if self._pg:
            stmt = stmt.with_for_update(skip_locked=True, of=S)
        row = self._s.execute(stmt).first()
        if row is None:
            return None
        attempt = self.claim_exact(row.id, row.current_attempt_id, now, worker, lease_until)
        if attempt is None:  # pragma: no cover - the row lock / write lock makes this impossible
            raise Conflict("CLAIM_LOST", f"submission {row.id} was claimed by another sender")
        return self.get_submission(row.id), attempt  # type: ignore[return-value]

    def ready_ahead(self, now: datetime, limit: int) -> list[int]:
        """The ids of the first READY submissions due by ``now`` (a read, no claim)."""
        return list(bulk.rows(self._s, _Hot.get().ready_ahead, {"now": now, "limit": limit}).scalars())

    def claim_exact(self, submission_id: int, last_attempt_id: int | None, now: datetime, worker: str,
                    lease_until: datetime) -> SendAttempt | None:
        """Claim this submission if it is still READY, due and exactly as read (its last attempt unchanged) — None
        when it is not (another sender was first). The same claim as :meth:`claim`: a new attempt whose id is the
        fencing token."""
        hot = _Hot.get()
        params = {"sid": submission_id, "now": now, "worker": worker, "lease_until": lease_until}
        if last_attempt_id is None:
            result = bulk.rows(self._s, hot.claim_first, params)
        else:
            result = bulk.rows(self._s, hot.claim_again, {**params, "last": last_attempt_id})
        if result.rowcount != 1:
            return None
        row = bulk.rows(self._s, hot.last_attempt, {"sid": submission_id}).one()
        aid = bulk.rows(self._s, hot.add_attempt, {"sid": submission_id, "no": int(row[1]) + 1, "worker": worker,
                                                   "sha": row[0], "now": now}).scalar_one()
        bulk.rows(self._s, hot.current_attempt, {"sid": submission_id, "aid": aid})
        return SendAttempt(id=aid, submission_id=submission_id, attempt_no=int(row[1]) + 1, worker=worker,
                           body_sha256=row[0], started_at=now, finished_at=None, outcome=None, error_code="",
                           detail="")

    def fence_holds(self, submission_id: int, attempt_id: int, now: datetime) -> bool:
        row = bulk.rows(self._s, _Hot.get().fence, {"sid": submission_id}).first()
        return (row is not None and row.state == SubmissionState.SENDING.value and row.current_attempt_id == attempt_id
                and row.lease_until is not None and row.lease_until > now)

    def finish_attempt(self, attempt_id: int, outcome: AttemptOutcome, error_code: str = "",
                       detail: str = "") -> None:
        bulk.rows(self._s, _Hot.get().finish_attempt, {
            "aid": attempt_id, "outcome": AttemptOutcome(outcome).value, "code": error_code[:64] or None,
            "detail": detail or None, "now": self._clock.now()})

    def set_submission(self, submission_id: int, state: str, *, not_before: datetime | None = None,
                       resend: bool = False, attempt_id: int | None = None) -> bool:
        params = {"sid": submission_id, "state": SubmissionState(state).value, "not_before": not_before,
                  "now": self._clock.now()}
        stmt = _Hot.get().set_state[(attempt_id is not None, resend)]
        if attempt_id is not None:
            params["aid"] = attempt_id
        return bulk.rows(self._s, stmt, params).rowcount == 1

    def expired_leases(self, now: datetime) -> list[Submission]:
        rows = self._s.execute(select(S).where(S.c.state == SubmissionState.SENDING.value, S.c.lease_until < now)
                               .order_by(S.c.id)).all()
        return [self._submission(r) for r in rows]

    def attempts(self, submission_id: int) -> list[SendAttempt]:
        rows = self._s.execute(select(A).where(A.c.submission_id == submission_id).order_by(A.c.attempt_no))
        return [_attempt(r) for r in rows]

    def attempts_for_payment(self, payment_id: int) -> list[SendAttempt]:
        rows = self._s.execute(select(A).join(SubmissionItemRow.__table__,
                                              SubmissionItemRow.submission_id == A.c.submission_id)
                               .where(SubmissionItemRow.payment_id == payment_id).order_by(A.c.id))
        return [_attempt(r) for r in rows]
