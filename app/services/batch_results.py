"""Batch payments, part 2: what became of a batch's lines, exports, and failed lines re-initiated as a new batch.

Counts and totals (``results``) come from one GROUP BY over the batch's payments and are split into buckets that
partition the statuses, checked against the batch record written at import (line count and total):

* not sent: awaiting approval (PENDING_APPROVAL, DRAFT), rejected (REJECTED), awaiting signature (APPROVED),
  cancelled before sending (CANCELLED);
* sent (signed and handed to the submission engine) = succeeded + failed + pending, where succeeded is
  SUCCEEDED, failed is FAILED, EXPIRED, RETURNED and PARTIAL (final, not fully paid) and pending is everything on
  its way (SIGNED, QUEUED, SENDING, UNKNOWN, ACCEPTED, AWAITING_BANK_AUTH, PROCESSING).

``reinitiate_failed`` redoes the definitively failed lines (FAILED, EXPIRED, RETURNED — as
``SubmissionService.reinitiate``, never an UNKNOWN one) as a NEW batch: new payments with new ids (their client
references are given when queued), each linked to the line it redoes (``reinitiated_from_id``), created by the
re-initiating maker and submitted for approval again (PENDING_APPROVAL, the current policy). One unit of work:
the batch row, the payments, two status-history rows per payment and one audit entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.domain.batch_import import BatchLineStatus, PaymentBatch
from app.domain.errors import Conflict, DomainError, NotFound
from app.domain.money import format_amount
from app.domain.payment import PaymentStatus, transition
from app.domain.payment_request import URGENCY_NORMAL, URGENCY_URGENT, business_today, content_hash
from app.domain.remittance import Remittance
from app.domain.users import Actor, Role
from app.ports import Clock, UnitOfWorkFactory
from app.services.batch_import import write_table
from app.services.payee_guard import PAYEE_UNCONFIRMED
from app.services.payments import PAYMENTS_CHANGED, current_policy
from app.services.permissions import require_any, require_logged_in

S = PaymentStatus
BATCH_REINITIATED = "batch.reinitiated"      # audit action (stable string)
NOTHING_TO_REINITIATE = "NOTHING_TO_REINITIATE"
LINES_PER_READ = 5000

AWAITING_APPROVAL = frozenset({S.DRAFT, S.PENDING_APPROVAL})
AWAITING_SIGNATURE = frozenset({S.APPROVED})
REJECTED = frozenset({S.REJECTED})
CANCELLED = frozenset({S.CANCELLED})
SUCCEEDED = frozenset({S.SUCCEEDED})
FAILED = frozenset({S.FAILED, S.EXPIRED, S.RETURNED, S.PARTIAL})
PENDING = frozenset({S.SIGNED, S.QUEUED, S.SENDING, S.UNKNOWN, S.ACCEPTED, S.AWAITING_BANK_AUTH, S.PROCESSING})
REINITIABLE = frozenset({S.FAILED, S.EXPIRED, S.RETURNED})
BUCKETS = {"awaiting_approval": AWAITING_APPROVAL, "awaiting_signature": AWAITING_SIGNATURE, "rejected": REJECTED,
           "cancelled": CANCELLED, "succeeded": SUCCEEDED, "failed": FAILED, "pending": PENDING}
NOT_SENT = ("awaiting_approval", "awaiting_signature", "rejected", "cancelled")
SENT = ("succeeded", "failed", "pending")


def bucket_of(status: PaymentStatus | str) -> str:
    status = PaymentStatus(status)
    return next(key for key, statuses in BUCKETS.items() if status in statuses)


@dataclass(frozen=True)
class Tally:
    count: int = 0
    total_minor: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.count + other.count, self.total_minor + other.total_minor)

    def to_dict(self) -> dict:
        return {"count": self.count, "total_minor": self.total_minor, "total": format_amount(self.total_minor)}


@dataclass(frozen=True)
class BatchResults:
    batch: PaymentBatch
    by_status: dict[str, Tally]
    buckets: dict[str, Tally]

    @property
    def sent(self) -> Tally:
        return sum((self.buckets[k] for k in SENT), Tally())

    @property
    def not_sent(self) -> Tally:
        return sum((self.buckets[k] for k in NOT_SENT), Tally())

    @property
    def lines(self) -> Tally:
        return sum(self.by_status.values(), Tally())

    @property
    def reconciles(self) -> bool:
        """The lines in the ledger are exactly the batch the import recorded (count and total), and every line
        is in one bucket: lines = not sent + sent, sent = succeeded + failed + pending."""
        return (self.lines == Tally(self.batch.line_count, self.batch.total_minor)
                and self.lines == self.not_sent + self.sent
                and self.sent == self.buckets["succeeded"] + self.buckets["failed"] + self.buckets["pending"])

    @property
    def stage(self) -> str:
        """One word for the batch: AWAITING_APPROVAL, AWAITING_SIGNATURE, IN_PROGRESS, COMPLETED (every line
        final or withdrawn, none failed), COMPLETED_WITH_FAILURES, REJECTED."""
        b = self.buckets
        if b["pending"].count:
            return "IN_PROGRESS"
        if b["awaiting_approval"].count:
            return "AWAITING_APPROVAL"
        if b["awaiting_signature"].count:
            return "AWAITING_SIGNATURE"
        if not self.sent.count:
            return "REJECTED" if b["rejected"].count else "CANCELLED"
        return "COMPLETED_WITH_FAILURES" if b["failed"].count else "COMPLETED"

    def to_dict(self) -> dict:
        b = self.batch
        return {"batch_id": b.id, "file": b.file_name, "kind": b.kind, "account": b.debit_account_number,
                "currency": b.currency, "stage": self.stage, "reconciles": self.reconciles,
                "lines": self.lines.to_dict(), "not_sent": self.not_sent.to_dict(), "sent": self.sent.to_dict(),
                **{k: v.to_dict() for k, v in self.buckets.items()},
                "by_status": {k: v.to_dict() for k, v in sorted(self.by_status.items())}}


@dataclass(frozen=True)
class ReinitiatedBatch:
    batch: PaymentBatch
    from_batch_id: int
    links: dict[int, int] = field(repr=False)      # old payment id → new payment id


# The remittance travels as the three columns of a supplier file (app.domain.batch_import.REMITTANCE_FIELDS):
# invoice numbers and their dates (one per invoice, same order) separated by ";", and the reference.
RESULT_HEADERS = ["row", "payment_id", "payee_name", "payee_account", "bank_code", "amount", "currency", "purpose",
                  "status", "result", "client_reference", "bank_result_code", "bank_text", "invoice_number",
                  "invoice_date", "remittance_ref"]

# What the lines can be sorted by (``lines(sort=…)``): the repository orders by the matching column in SQL.
LINE_SORT_KEYS = ("row", "payment_id", "payee_name", "payee_account", "bank_code", "amount", "currency", "purpose",
                  "status", "client_reference", "bank_code_result", "bank_text", "remittance")
BAD_SORT_KEY = "BAD_SORT_KEY"


def _decimal(minor: int) -> str:
    return format_amount(minor).replace(",", "")


def remittance_cells(remittance: Remittance) -> list[str]:
    """invoice_number, invoice_date, remittance_ref as a supplier file writes them (empty for no remittance)."""
    docs = remittance.documents
    dates = ";".join(d.issued.isoformat() for d in docs if d.issued) if any(d.issued for d in docs) else ""
    return [";".join(d.number for d in docs), dates, remittance.reference]


def _result_row(line: BatchLineStatus) -> list:
    return [line.row, line.payment_id, line.payee_name, line.payee_account, line.bank_code,
            _decimal(line.amount_minor), line.currency, line.purpose, line.status, bucket_of(line.status),
            line.client_reference or "", line.bank_code_result or "", line.bank_text or "",
            *remittance_cells(line.remittance)]


def batch_lines(uow, batch_id: int) -> Iterable[BatchLineStatus]:
    offset = 0
    while True:
        chunk = uow.batches.lines(batch_id, offset, LINES_PER_READ)
        if not chunk:
            return
        yield from chunk
        offset += len(chunk)


class BatchResultsService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, events=None):
        self._uow = uow
        self._clock = clock
        self._events = events

    @staticmethod
    def _batch(uow, batch_id: int) -> PaymentBatch:
        batch = uow.batches.get(int(batch_id))
        if batch is None:
            raise NotFound("payment batch", batch_id)
        return batch

    # -- counts and totals --------------------------------------------------------------------------------------
    def results(self, actor: Actor, batch_id: int) -> BatchResults:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            batch = self._batch(uow, batch_id)
            counts = uow.batches.status_counts(batch.id)
        return self._tally(batch, counts)

    def overview(self, actor: Actor, limit: int = 200) -> list[BatchResults]:
        """The most recent batches with their results (newest first)."""
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return [self._tally(b, uow.batches.status_counts(b.id)) for b in uow.batches.list(limit)]

    @staticmethod
    def _tally(batch: PaymentBatch, counts: dict[str, tuple[int, int]]) -> BatchResults:
        by_status = {status: Tally(n, total) for status, (n, total) in counts.items()}
        buckets = {key: Tally() for key in BUCKETS}
        for status, tally in by_status.items():
            key = bucket_of(status)
            buckets[key] = buckets[key] + tally
        return BatchResults(batch, by_status, buckets)

    def lines(self, actor: Actor, batch_id: int, offset: int = 0, limit: int = 1000, *, sort: str = "row",
              descending: bool = False) -> list[BatchLineStatus]:
        """One page of the batch's lines (with their remittance) in the order of ``sort`` — one of
        :data:`LINE_SORT_KEYS`, ties in file order — read in that order by the database: any page of any order
        costs one query, never the whole batch."""
        require_logged_in(actor)
        if sort not in LINE_SORT_KEYS:
            raise DomainError(BAD_SORT_KEY, f"batch lines cannot be sorted by {sort!r}; one of "
                              f"{', '.join(LINE_SORT_KEYS)}", "sort")
        with self._uow(read_only=True) as uow:
            self._batch(uow, batch_id)
            return uow.batches.lines(int(batch_id), int(offset), int(limit), sort=sort, descending=bool(descending))

    # -- exports ------------------------------------------------------------------------------------------------
    def export(self, actor: Actor, batch_id: int, path: str | Path, *, failed_only: bool = False) -> int:
        """Every line (or the failed lines) with its status, result bucket, the bank's code and text and its
        remittance (invoice numbers, dates, reference), to CSV or XLSX by extension (formula-injection escaped).
        Returns the number of lines written."""
        require_logged_in(actor)
        path = Path(path)
        if path.suffix.lower() not in (".csv", ".xlsx"):
            raise _bad_path(path)
        with self._uow(read_only=True) as uow:
            self._batch(uow, batch_id)
            rows = [_result_row(line) for line in batch_lines(uow, int(batch_id))
                    if not failed_only or PaymentStatus(line.status) in FAILED]
        try:
            write_table(path, RESULT_HEADERS, rows)
        except OSError as exc:
            from app.domain.errors import OperationalError

            raise OperationalError(f"cannot write {path}: {exc.strerror or exc}", code="EXPORT_FAILED") from exc
        return len(rows)

    # -- re-initiation ------------------------------------------------------------------------------------------
    def reinitiable(self, actor: Actor, batch_id: int) -> list[int]:
        """Lines that can be re-initiated: definitively failed and not re-initiated before."""
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            self._batch(uow, batch_id)
            return self._reinitiable(uow, int(batch_id))

    @staticmethod
    def _reinitiable(uow, batch_id: int) -> list[int]:
        failed = [line.payment_id for line in batch_lines(uow, batch_id)
                  if PaymentStatus(line.status) in REINITIABLE]
        return [p.id for p in uow.submissions.tracked_many(failed)
                if p.status in REINITIABLE and p.reinitiated_by_id is None]

    def reinitiate_failed(self, actor: Actor, batch_id: int) -> ReinitiatedBatch:
        require_any(actor, Role.MAKER, doing="re-initiate payments")
        now = self._clock.now()
        today = business_today(now)
        submitted = transition(S.DRAFT, S.PENDING_APPROVAL)
        with self._uow() as uow:
            old_batch = self._batch(uow, batch_id)
            ids = self._reinitiable(uow, old_batch.id)
            if not ids:
                raise Conflict(NOTHING_TO_REINITIATE, f"batch {old_batch.id} has no failed line left to re-initiate "
                               "(only FAILED, EXPIRED or RETURNED lines not re-initiated before are; an UNKNOWN one "
                               "is resolved by asking the bank, never by paying again)")
            olds = sorted(uow.payments.get_many(ids), key=lambda p: p.id)
            account = uow.accounts.get(old_batch.debit_account_id)
            if account is None or not account.is_active:
                raise Conflict("ACCOUNT_INACTIVE", f"the debit account of batch {old_batch.id} is deactivated")
            payees = {p.id: p for p in uow.payees.get_many(sorted({o.payee_id for o in olds}))}
            for old in olds:
                payee = payees.get(old.payee_id)
                if payee is None or not payee.is_active:
                    raise Conflict("PAYEE_INACTIVE", f"payment {old.id}: its payee is deactivated; nothing was "
                                   "re-initiated")
                if not payee.confirmed:
                    raise Conflict(PAYEE_UNCONFIRMED, f"payment {old.id}: the bank details of the payee {payee.name} "
                                   "await confirmation by a second person; nothing was re-initiated")
            org = uow.organizations.get()
            if org is None:
                raise NotFound("organization", "this ledger")
            lines_of = {line.payment_id: line.row for line in batch_lines(uow, old_batch.id)}
            total = sum(o.amount_minor for o in olds)
            digest = hashlib.sha256(f"reinitiate:{old_batch.id}:{','.join(map(str, ids))}".encode()).hexdigest()
            name = f"{Path(old_batch.file_name).stem} (failed lines of batch {old_batch.id})"
            new_batch_id = uow.batches.add({
                "file_name": name[:255], "file_sha256": digest, "file_format": "reinitiate",
                "profile_name": old_batch.profile_name, "kind": old_batch.kind, "debit_account_id": account.id,
                "currency": account.currency, "file_rows": len(olds), "line_count": len(olds), "excluded_count": 0,
                "total_minor": total, "payees_created": 0, "status": S.PENDING_APPROVAL.value,
                "created_by": actor.user_id, "created_at": now})
            policy = current_policy(uow)
            remittances = uow.batch_extras.remittances([o.id for o in olds])   # invoices travel with the redo
            records = []
            for old in olds:
                urgency = URGENCY_URGENT if old.urgent else URGENCY_NORMAL
                need = policy.requirement(account.id, urgency, old.amount_minor)
                records.append({
                    "org_id": org.id, "debit_account_id": account.id, "payee_id": old.payee_id,
                    "amount_minor": old.amount_minor, "currency": old.currency, "purpose": old.purpose,
                    "requested_date": today, "urgency": urgency, "status": submitted.value, "client_reference": None,
                    "maker_id": actor.user_id,
                    "content_hash": content_hash(account, payees[old.payee_id], old.amount_minor, old.currency,
                                                 old.purpose, today, old.urgent),
                    "version": 1, "created_at": now, "updated_at": now, "duplicate_override": True,
                    "policy_version": policy.version, "required_approvals": need.approvers,
                    "required_role": need.required_role, "submitted_at": now, "signer_id": None,
                    "check_count": 0, "no_record_count": 0, "reinitiated_from_id": old.id,
                    "batch_id": new_batch_id, "batch_line": lines_of.get(old.id, old.id),
                    "remittance": remittances[old.id].to_json() if remittances.get(old.id) else None})
            new_ids = uow.batches.add_payments(records)
            history = []
            for new_id, old in zip(new_ids, olds, strict=True):
                history.append({"payment_id": new_id, "seq": 1, "from_status": None, "to_status": "DRAFT", "at": now,
                                "actor": actor.username,
                                "detail": f"re-initiates payment {old.id} of batch {old_batch.id}"})
                history.append({"payment_id": new_id, "seq": 2, "from_status": "DRAFT", "to_status": submitted.value,
                                "at": now, "actor": actor.username,
                                "detail": f"submitted with batch {new_batch_id}; policy v{policy.version}"})
            uow.batches.add_history(history)
            links = {old.id: new_id for old, new_id in zip(olds, new_ids, strict=True)}
            uow.audit.append(actor, BATCH_REINITIATED, "payment_batch", str(new_batch_id), {
                "from_batch_id": old_batch.id, "lines": len(new_ids), "total_minor": total,
                "links": {str(k): v for k, v in links.items()},
                "statuses_of_old": sorted({o.status.value for o in olds}), "policy_version": policy.version})
            uow.commit()
            batch = uow.batches.get(new_batch_id)
        if self._events is not None:
            self._events.publish(PAYMENTS_CHANGED, {"ids": [*ids, *new_ids], "status": submitted.value,
                                                    "batch_id": new_batch_id})
        return ReinitiatedBatch(batch, old_batch.id, links)


def _bad_path(path: Path):
    return DomainError("EXPORT_FORMAT", f"{path.name}: exports are .csv or .xlsx files", "path")
