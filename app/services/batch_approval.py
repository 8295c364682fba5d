"""Batch payments, part 2: batch-level approval (批量审批) of an imported batch.

``approve_batch`` approves every line of a batch still awaiting approval in one go, all or nothing, with the rules
of :class:`~app.services.approvals.ApprovalService` applied to every line through the same functions
(:func:`~app.services.approvals.check_pending`: maker ≠ approver, awaiting approval, content hash recomputed from the
current payee and account, payee confirmed; :func:`~app.services.approvals.approval_step`: one approval per person,
policy levels and named roles). The approver states what they saw — the number of lines awaiting approval and
their total — and the batch is refused with BATCH_CHANGED when the ledger says otherwise (a line was rejected,
approved or edited meanwhile), checked again inside the writing unit of work, under its lock, so nobody approves
something other than what was on the screen. Above the policy's password threshold *for the batch's total* the
approver re-enters the password (PASSWORD_REQUIRED without it), even when each line is small: approving 1,000
salaries of 5,000.00 moves 5,000,000.00.

``reject_batch`` rejects every line awaiting approval with one comment, in ONE unit of work (all or nothing).

Both work in bulk, so that a 100,000-line payroll is decided in seconds: the lines with their payees, and their
approvals, are read with a few batch-scoped queries, every line is checked in memory, and the writes are
multi-row inserts and one UPDATE (approval: one history INSERT … SELECT) per run of consecutive ids — one approval
row and (when its status moves) one status-history row per payment, as a single decision writes, and the database
triggers still check each row.
The audit log gets ONE entry for the batch decision (not one or two per line), which binds every line: the
payment ids (as runs), the count and total, and ``decisions_sha256``, the SHA-256 of the lines
``"<payment id>:<content hash>:<level>"`` (in id order) of the approval rows it wrote — recomputable from the
approvals table by :func:`decisions_digest`, so a changed approval row no longer matches its sealed entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from app.domain.batch_import import PaymentBatch
from app.domain.errors import Conflict, NotFound, PermissionDenied, Problem, ValidationFailed
from app.domain.master_data import Payee
from app.domain.money import format_amount
from app.domain.payment import PaymentStatus, transition
from app.domain.payment_request import PaymentRequest
from app.domain.text import check_text, normalize_text
from app.domain.users import Actor, Role
from app.ports import Clock, UnitOfWorkFactory
from app.services.approvals import (
    COMMENT_MAX_CHARS,
    COMMENT_REQUIRED,
    PASSWORD_REQUIRED,
    ApprovalStep,
    approval_step,
    check_pending,
    cyclic_gc_paused,
)
from app.services.payments import PAYMENTS_CHANGED, current_policy
from app.services.permissions import require_any, require_logged_in

BATCH_APPROVED = "batch.approved"          # audit actions (stable strings)
BATCH_REJECTED = "batch.rejected"
BATCH_CHANGED = "BATCH_CHANGED"
NOTHING_PENDING = "NOTHING_PENDING"

PENDING = PaymentStatus.PENDING_APPROVAL.value
CHUNK_LINES = 5000               # lines read, checked and written at a time (memory stays flat)
MAX_AUDIT_RUNS = 1000            # id runs written in the audit entry; more (a scattered selection) → digest only


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


def decisions_digest(rows: Iterable[tuple[int, str, int]]) -> str:
    """SHA-256 (hex) of ``"<payment id>:<content hash>:<level>\n"`` for each (payment id, content hash, level),
    in payment-id order: what the audit entry of a batch decision seals about the approval rows it wrote."""
    text = "".join([f"{int(pid)}:{chash}:{int(level)}\n" for pid, chash, level in sorted(rows)])
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _runs(ids: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i in sorted(ids):
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def _audit_lines(ids: list[int], total: int, digest: str) -> dict:
    runs = _runs(ids)
    return {"lines": len(ids), "total_minor": total, "first_id": min(ids), "last_id": max(ids),
            "id_runs": runs if len(runs) <= MAX_AUDIT_RUNS else None, "id_run_count": len(runs),
            "decisions_sha256": digest}


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
            seen = uow.batches.pending_summary(batch.id, PENDING, actor.user_id)
            threshold = current_policy(uow).password_threshold_minor
        return BatchApprovalSummary(batch, seen["count"], seen["total_minor"], seen["own"], seen["approved_by_user"],
                                    seen["total_minor"] > threshold or seen["max_minor"] > threshold, threshold)

    @staticmethod
    def _check_expected(batch: PaymentBatch, count: int, total: int, expected_count: int,
                        expected_total_minor: int) -> None:
        if not count:
            raise Conflict(NOTHING_PENDING, f"no line of batch {batch.id} awaits approval")
        if (count, total) != (int(expected_count), int(expected_total_minor)):
            raise Conflict(BATCH_CHANGED, f"batch {batch.id} changed since you looked at it: {count} lines totalling "
                           f"{format_amount(total)} {batch.currency} await approval, not {int(expected_count)} "
                           f"totalling {format_amount(int(expected_total_minor))}; look at it again")

    @staticmethod
    def _chunks(uow, batch_id: int) -> Iterator[tuple[int, int, list[tuple[PaymentRequest, Payee]]]]:
        """(first line, last line, (payment, its payee now)) of the lines awaiting approval, ``CHUNK_LINES`` at a
        time, locked: one query per chunk reads the lines and their payees."""
        after = None
        while True:
            part = uow.batches.payment_lines_with_payees(batch_id, PENDING, after_line=after, limit=CHUNK_LINES,
                                                         lock=True)
            if not part:
                return
            yield part[0][0], part[-1][0], [(p, payee) for _line, p, payee in part]
            after = part[-1][0]

    @staticmethod
    def _levels(uow, batch_id: int, first: int, last: int
                ) -> tuple[dict[int, int], dict[int, list[tuple[int, str | None]]]]:
        """payment id → its last decision level, and → its live approvals as (approver id, approver role)."""
        levels: dict[int, int] = {}
        live: dict[int, list[tuple[int, str | None]]] = {}
        for a in uow.batches.approvals_of(batch_id, PENDING, first, last):
            levels[a.payment_id] = max(levels.get(a.payment_id, 0), a.level)
            if a.decision == "approved" and not a.is_void:
                live.setdefault(a.payment_id, []).append((a.approver_id, a.approver_role))
        return levels, live

    def approve_batch(self, actor: Actor, batch_id: int, expected_count: int, expected_total_minor: int,
                      password: str | None = None) -> BatchDecision:
        """Approve every line awaiting approval, all or nothing (see the module's docstring)."""
        require_any(actor, Role.APPROVER, doing="approve payments")
        with self._uow(read_only=True) as uow:
            batch = self._batch(uow, batch_id)
            seen = uow.batches.pending_summary(batch.id, PENDING, actor.user_id)
            threshold = current_policy(uow).password_threshold_minor
        self._check_expected(batch, seen["count"], seen["total_minor"], expected_count, expected_total_minor)
        if seen["total_minor"] > threshold or seen["max_minor"] > threshold:
            if not password:
                raise ValidationFailed([Problem(
                    PASSWORD_REQUIRED, f"approving a batch of more than {format_amount(threshold)} needs your "
                    "password again", "password", params={"threshold_minor": threshold})])
            self._auth.reauthenticate(actor, password)
        new_status = transition(PaymentStatus.PENDING_APPROVAL, PaymentStatus.APPROVED)
        ids: list[int] = []
        done: list[tuple[int, str]] = []              # (payment id, history detail) of lines now APPROVED
        signed: list[tuple[int, str, int]] = []       # (payment id, content hash, level): the audit digest
        total = 0
        # what one more approval by this approver does depends only on the line's policy requirement and its live
        # approvals (approval_step): worked out once per distinct (requirement, live approvals), a refusal raising
        # for the first line it concerns, as before
        steps: dict[tuple, tuple[ApprovalStep, str]] = {}
        with cyclic_gc_paused(), self._uow() as uow:
            batch = self._batch(uow, batch.id)
            accounts: dict[int, object] = {}
            for first, last, lines in self._chunks(uow, batch.id):
                levels, live = self._levels(uow, batch.id, first, last)
                rows = []
                for p, payee in lines:
                    if p.debit_account_id not in accounts:
                        accounts[p.debit_account_id] = uow.accounts.get(p.debit_account_id)
                    check_pending(actor, p, accounts[p.debit_account_id], payee, "approve")
                    theirs = live.get(p.id, ())
                    key = (p.required_approvals, p.required_role, *theirs)
                    known = steps.get(key)
                    if known is None:
                        step = approval_step(actor, p, theirs)
                        known = steps[key] = (step, f"approved by {step.live_approvals} of {step.required} with "
                                                    f"batch {batch.id}")
                    step, detail = known
                    level = levels.get(p.id, 0) + 1
                    rows.append((p.id, level, p.content_hash, step.approver_role))
                    signed.append((p.id, p.content_hash, level))
                    ids.append(p.id)
                    total += p.amount_minor
                    if step.completes:
                        done.append((p.id, detail))
                uow.batches.add_decisions(actor.user_id, "approved", None, rows)
            self._check_expected(batch, len(ids), total, expected_count, expected_total_minor)
            if done:
                if uow.batches.set_status([d[0] for d in done], PENDING, new_status.value) != len(done):
                    raise Conflict(BATCH_CHANGED, f"lines of batch {batch.id} changed meanwhile; look at it again")
                # one history row per line now APPROVED, its seq the line's last one + 1 (taken in the insert: one
                # INSERT … SELECT per run of consecutive ids)
                uow.payments.add_history_many([(pid, PaymentStatus.PENDING_APPROVAL, new_status, detail)
                                               for pid, detail in done], actor.username)
            uow.audit.append(actor, BATCH_APPROVED, "payment_batch", str(batch.id), {
                **_audit_lines(ids, total, decisions_digest(signed)), "decision": "approved",
                "now_approved": len(done), "awaiting_further_approval": len(ids) - len(done),
                "password_threshold_minor": threshold})
            uow.commit()
        approved = [d[0] for d in done]
        if self._events is not None:
            if approved:
                self._events.publish(PAYMENTS_CHANGED, {"ids": approved, "status": new_status.value,
                                                        "batch_id": batch.id})
            if len(approved) < len(ids):
                rest = sorted(set(ids) - set(approved))
                self._events.publish(PAYMENTS_CHANGED, {"ids": rest, "status": PENDING, "batch_id": batch.id})
        return BatchDecision(batch, ids, total, approved=len(approved))

    def reject_batch(self, actor: Actor, batch_id: int, comment: str) -> BatchDecision:
        """Reject every line awaiting approval with one comment, in one unit of work."""
        require_any(actor, Role.APPROVER, doing="reject payments")
        text = normalize_text(comment) if isinstance(comment, str) else ""
        problems = check_text(text, "comment", required=True, max_chars=COMMENT_MAX_CHARS)
        if problems:
            if not text.strip():
                problems = [Problem(COMMENT_REQUIRED, "a rejection needs a comment for the maker", "comment")]
            raise ValidationFailed(problems)
        new_status = transition(PaymentStatus.PENDING_APPROVAL, PaymentStatus.REJECTED)
        ids: list[int] = []
        history: list[tuple[int, int, str]] = []
        signed: list[tuple[int, str, int]] = []
        total = 0
        with self._uow() as uow:
            batch = self._batch(uow, batch_id)
            detail = f"rejected with batch {batch.id}: {text}"
            after = None
            while part := uow.batches.line_keys(batch.id, PENDING, after_line=after, limit=CHUNK_LINES, lock=True):
                first, after = part[0][0], part[-1][0]
                if any(maker == actor.user_id for _line, _pid, maker, _h, _a in part):
                    raise PermissionDenied(f"you made the lines of batch {batch.id}, so you cannot reject them "
                                           "(separation of duties)", code="SOD_VIOLATION")
                levels, _live = self._levels(uow, batch.id, first, after)
                seqs = uow.batches.last_history_seq(batch.id, PENDING, first, after)
                rows = []
                for _line, pid, _maker, chash, amount in part:
                    level = levels.get(pid, 0) + 1
                    rows.append((pid, level, chash, None))
                    signed.append((pid, chash, level))
                    history.append((pid, seqs.get(pid, 0) + 1, detail))
                    ids.append(pid)
                    total += amount
                uow.batches.add_decisions(actor.user_id, "rejected", text, rows)
            if not ids:
                raise Conflict(NOTHING_PENDING, f"no line of batch {batch.id} awaits approval")
            voided = uow.batches.void_live_approvals(ids, "payment rejected")
            if uow.batches.set_status(ids, PENDING, new_status.value) != len(ids):
                raise Conflict(BATCH_CHANGED, f"lines of batch {batch.id} changed meanwhile; look at it again")
            uow.batches.add_status_changes(PENDING, new_status.value, actor.username, history)
            uow.audit.append(actor, BATCH_REJECTED, "payment_batch", str(batch.id), {
                **_audit_lines(ids, total, decisions_digest(signed)), "decision": "rejected", "comment": text,
                "approvals_voided": voided})
            uow.commit()
        if self._events is not None:
            self._events.publish(PAYMENTS_CHANGED, {"ids": ids, "status": new_status.value, "batch_id": batch.id})
        return BatchDecision(batch, ids, total, rejected=len(ids))
