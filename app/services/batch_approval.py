"""Batch payments, part 2: batch-level approval (批量审批) of an imported batch.

``approve_batch`` approves every line of a batch still awaiting approval in one go, through the ordinary
:class:`~app.services.approvals.ApprovalService` rules (maker ≠ approver, one approval per person, content hash
bound, policy levels and roles, password re-entry): it hands the line ids to ``ApprovalService.approve``, which is
all or nothing. The approver states what they saw — the number of lines awaiting approval and their total — and
the batch is refused with BATCH_CHANGED when the ledger says otherwise (a line was rejected, approved or edited
meanwhile), so nobody approves something other than what was on the screen. Above the policy's password
threshold *for the batch's total* the approver re-enters the password (PASSWORD_REQUIRED without it), even when
each line is small: approving 1,000 salaries of 5,000.00 moves 5,000,000.00.

``reject_batch`` rejects every line awaiting approval with one comment, in ONE unit of work (all or nothing),
writing the same approval rows, voided approvals, status history and audit entries as a single rejection.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.batch_import import PaymentBatch
from app.domain.errors import Conflict, NotFound, PermissionDenied, Problem, ValidationFailed
from app.domain.money import format_amount
from app.domain.payment import PaymentStatus
from app.domain.text import check_text, normalize_text
from app.domain.users import Actor, Role
from app.ports import Clock, UnitOfWorkFactory
from app.services.approvals import COMMENT_MAX_CHARS, COMMENT_REQUIRED, PASSWORD_REQUIRED, PAYMENT_REJECTED
from app.services.payments import PAYMENTS_CHANGED, change_status, current_policy
from app.services.permissions import require_any, require_logged_in

BATCH_APPROVED = "batch.approved"          # audit actions (stable strings)
BATCH_REJECTED = "batch.rejected"
BATCH_CHANGED = "BATCH_CHANGED"
NOTHING_PENDING = "NOTHING_PENDING"

PENDING = PaymentStatus.PENDING_APPROVAL.value
LINES_PER_READ = 5000


@dataclass(frozen=True)
class BatchApprovalSummary:
    """What an approver sees before approving a batch: the lines awaiting approval, their total, and how many of
    them this approver may approve (not their own, not approved by them already)."""

    batch: PaymentBatch
    pending_count: int
    pending_total_minor: int
    own_count: int                   # lines this user made (separation of duties: they cannot approve them)
    approved_by_me_count: int        # lines this user already approved (awaiting a further approver)
    needs_password: bool
    password_threshold_minor: int

    @property
    def can_approve(self) -> bool:
        return self.pending_count > 0 and self.own_count == 0 and self.approved_by_me_count == 0


@dataclass(frozen=True)
class BatchDecision:
    batch: PaymentBatch
    payment_ids: list[int]
    total_minor: int
    approved: int = 0                # lines now APPROVED (the rest await a further approver)
    rejected: int = 0


def pending_lines(uow, batch_id: int) -> list[tuple[int, int]]:
    """(payment id, amount) of every line of the batch awaiting approval, in file order."""
    out: list[tuple[int, int]] = []
    offset = 0
    while True:
        chunk = uow.batches.lines(batch_id, offset, LINES_PER_READ)
        if not chunk:
            return out
        out += [(line.payment_id, line.amount_minor) for line in chunk if line.status == PENDING]
        offset += len(chunk)


class BatchApprovalService:
    def __init__(self, uow: UnitOfWorkFactory, approvals, auth, clock: Clock, events=None):
        self._uow = uow
        self._approvals = approvals
        self._auth = auth
        self._clock = clock
        self._events = events

    def _batch(self, uow, batch_id: int) -> PaymentBatch:
        batch = uow.batches.get(int(batch_id))
        if batch is None:
            raise NotFound("payment batch", batch_id)
        return batch

    def summary(self, actor: Actor, batch_id: int) -> BatchApprovalSummary:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            batch = self._batch(uow, batch_id)
            lines = pending_lines(uow, batch.id)
            ids = [pid for pid, _ in lines]
            approved_by = uow.approvals.active_approvers(ids) if ids else {}
            own = sum(1 for p in uow.payments.get_many(ids) if p.maker_id == actor.user_id) if ids else 0
            threshold = current_policy(uow).password_threshold_minor
        total = sum(amount for _, amount in lines)
        mine = sum(1 for pid in ids if actor.user_id in approved_by.get(pid, ()))
        return BatchApprovalSummary(batch, len(lines), total, own, mine,
                                    total > threshold or any(a > threshold for _, a in lines), threshold)

    def _check_expected(self, batch: PaymentBatch, lines: list[tuple[int, int]], expected_count: int,
                        expected_total_minor: int) -> None:
        count, total = len(lines), sum(a for _, a in lines)
        if not lines:
            raise Conflict(NOTHING_PENDING, f"no line of batch {batch.id} awaits approval")
        if (count, total) != (int(expected_count), int(expected_total_minor)):
            raise Conflict(BATCH_CHANGED, f"batch {batch.id} changed since you looked at it: {count} lines totalling "
                           f"{format_amount(total)} {batch.currency} await approval, not {int(expected_count)} "
                           f"totalling {format_amount(int(expected_total_minor))}; look at it again")

    def approve_batch(self, actor: Actor, batch_id: int, expected_count: int, expected_total_minor: int,
                      password: str | None = None) -> BatchDecision:
        """Approve every line awaiting approval, all or nothing, through ApprovalService.approve."""
        require_any(actor, Role.APPROVER, doing="approve payments")
        with self._uow(read_only=True) as uow:
            batch = self._batch(uow, batch_id)
            lines = pending_lines(uow, batch.id)
            threshold = current_policy(uow).password_threshold_minor
        self._check_expected(batch, lines, expected_count, expected_total_minor)
        total = sum(a for _, a in lines)
        if total > threshold:
            if not password:
                raise ValidationFailed([Problem(
                    PASSWORD_REQUIRED, f"approving a batch of more than {format_amount(threshold)} needs your "
                    "password again", "password", params={"threshold_minor": threshold})])
            self._auth.reauthenticate(actor, password)
        ids = [pid for pid, _ in lines]
        results = self._approvals.approve(actor, ids, password=password or None)
        approved = sum(1 for p in results if p.status is PaymentStatus.APPROVED)
        with self._uow() as uow:
            uow.audit.append(actor, BATCH_APPROVED, "payment_batch", str(batch.id), {
                "lines": len(ids), "total_minor": total, "now_approved": approved,
                "awaiting_further_approval": len(ids) - approved, "first_id": min(ids), "last_id": max(ids)})
            uow.commit()
        return BatchDecision(batch, ids, total, approved=approved)

    def reject_batch(self, actor: Actor, batch_id: int, comment: str) -> BatchDecision:
        """Reject every line awaiting approval with one comment, in one unit of work."""
        require_any(actor, Role.APPROVER, doing="reject payments")
        text = normalize_text(comment) if isinstance(comment, str) else ""
        problems = check_text(text, "comment", required=True, max_chars=COMMENT_MAX_CHARS)
        if problems:
            if not text.strip():
                problems = [Problem(COMMENT_REQUIRED, "a rejection needs a comment for the maker", "comment")]
            raise ValidationFailed(problems)
        with self._uow() as uow:
            batch = self._batch(uow, batch_id)
            lines = pending_lines(uow, batch.id)
            if not lines:
                raise Conflict(NOTHING_PENDING, f"no line of batch {batch.id} awaits approval")
            ids = [pid for pid, _ in lines]
            for payment in uow.payments.get_many(ids):
                if payment.maker_id == actor.user_id:
                    raise PermissionDenied(f"you made the lines of batch {batch.id}, so you cannot reject them "
                                           "(separation of duties)", code="SOD_VIOLATION")
            for pid in ids:
                payment = uow.payments.get(pid, for_update=True)
                if payment is None or payment.status is not PaymentStatus.PENDING_APPROVAL:
                    raise Conflict(BATCH_CHANGED, f"payment {pid} of batch {batch.id} changed meanwhile; look at "
                                   "the batch again")
                uow.approvals.add(pid, actor.user_id, "rejected", payment.content_hash, text)
                voided = uow.approvals.void_active(pid, "payment rejected")
                uow.audit.append(actor, PAYMENT_REJECTED, "payment", str(pid),
                                 {"comment": text, "approvals_voided": voided, "content_hash": payment.content_hash,
                                  "batch_id": batch.id})
                change_status(uow, actor, payment, PaymentStatus.REJECTED, f"rejected with batch {batch.id}: {text}")
            total = sum(a for _, a in lines)
            uow.audit.append(actor, BATCH_REJECTED, "payment_batch", str(batch.id),
                             {"comment": text, "lines": len(ids), "total_minor": total})
            uow.commit()
        if self._events is not None:
            self._events.publish(PAYMENTS_CHANGED, {"ids": ids, "status": PaymentStatus.REJECTED.value,
                                                    "batch_id": batch.id})
        return BatchDecision(batch, ids, total, rejected=len(ids))
