"""Multi-level approval: the inbox, approve / reject, and the versioned approval policy.

Rules (RELIABILITY.md §3), enforced here and again by database triggers (migrations 0002 and 0004):

* only users with the approver role approve or reject; the maker never approves or rejects their own payment
  (SOD_VIOLATION), and one person approves one payment content once (ALREADY_APPROVED);
* an approval binds the payment's content hash; before approving, the hash is recomputed from the current
  payee and account details, and a payment whose content moved underneath is refused (CONTENT_CHANGED);
* the payment becomes APPROVED when the number of live approvals reaches what the policy required at
  submission, and — when the tier names a role — one of the approvers holds that role (the last missing
  approval must then come from such a person: ROLE_REQUIRED);
* above the policy's password threshold the approver re-enters the password (PASSWORD_REQUIRED without it);
* a rejection needs a comment (COMMENT_REQUIRED), voids the live approvals and returns the payment to its maker.

``approve`` of several payments is all or nothing: one unit of work, the first refusal rolls every one back.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from app.domain.approval_policy import DEFAULT_POLICY, ApprovalPolicy, parse_policy
from app.domain.errors import Conflict, NotFound, PermissionDenied, Problem, ValidationFailed
from app.domain.payment import PaymentStatus
from app.domain.payment_request import PaymentRequest, content_hash
from app.domain.text import check_text, normalize_text
from app.domain.users import Actor, Role
from app.ports import Clock, UnitOfWorkFactory
from app.services.payee_guard import refuse_unconfirmed
from app.services.payments import CONTENT_CHANGED, PAYMENTS_CHANGED, change_status, current_policy
from app.services.permissions import require_any, require_logged_in

PAYMENT_APPROVED = "payment.approved"
PAYMENT_REJECTED = "payment.rejected"
POLICY_CHANGED = "approval_policy.changed"

PASSWORD_REQUIRED = "PASSWORD_REQUIRED"
COMMENT_REQUIRED = "COMMENT_REQUIRED"
COMMENT_MAX_CHARS = 500


_PAUSES = threading.Lock()
_paused = 0               # bulk steps running now (any thread)
_resume = False           # automatic collection was on when the first of them began


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Automatic cyclic garbage collection off during one bulk step over a whole batch (approving, listing or
    signing 100,000 lines), and back as it was once the last such step running in the process ends.

    Such a step holds hundreds of thousands of live objects (payments, payees, approvals, result rows) and allocates
    millions more; the collector's passes, triggered by allocation counts, walked them over and over — about a
    quarter of the time of a 100,000-line approval or signature — and found nothing to free: these values hold no
    reference cycles and are freed by reference counting as before; the cyclic garbage of anything else running
    meanwhile waits for the collector's next pass. Never held across a wait (the PIN prompt). Where automatic
    collection is already off (the desktop app collects in its GUI thread only, ui/gc_guard.py) it stays off, and
    nothing here ever runs a collection."""
    global _paused, _resume
    with _PAUSES:
        if _paused == 0:
            _resume = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _PAUSES:
            _paused -= 1
            if _paused == 0 and _resume:
                gc.enable()


def check_pending(actor: Actor, payment: PaymentRequest, account, payee, doing: str) -> None:
    """The rules before any decision on ``payment`` (raise on the first broken one): the decider is not its maker
    (SOD_VIOLATION), it awaits approval (NOT_PENDING), its content hash recomputed from the current debit account
    and payee is the one it was submitted with (CONTENT_CHANGED), and its payee is confirmed (PAYEE_UNCONFIRMED)."""
    payment_id = payment.id
    if payment.maker_id == actor.user_id:
        raise PermissionDenied(f"you made payment {payment_id}, so you cannot {doing} it (separation of duties)",
                               code="SOD_VIOLATION")
    if payment.status is not PaymentStatus.PENDING_APPROVAL:
        raise Conflict("NOT_PENDING", f"payment {payment_id} is {payment.status.value}, not awaiting approval")
    if account is None or payee is None:
        raise NotFound("bank account" if account is None else "payee",
                       payment.debit_account_id if account is None else payment.payee_id)
    now_hash = content_hash(account, payee, payment.amount_minor, payment.currency, payment.purpose,
                            payment.requested_date, payment.urgent)
    if now_hash != payment.content_hash:
        raise Conflict(CONTENT_CHANGED, f"the payee's or account's bank details changed after payment "
                       f"{payment_id} was submitted; its maker must save and submit it again")
    refuse_unconfirmed(payee, payment_id)


@dataclass(frozen=True)
class ApprovalStep:
    """What one more approval by an approver does to a pending payment."""

    approver_role: str | None        # the policy's named role, recorded when this approver holds it
    live_approvals: int              # live approvals once this one is added
    required: int                    # what the policy required at submission
    completes: bool                  # the payment becomes APPROVED


def approval_step(actor: Actor, payment: PaymentRequest, live: Sequence[tuple[int, str | None]]) -> ApprovalStep:
    """The policy levels and roles for one more approval of ``payment`` by ``actor``, given its live approvals as
    (approver id, approver role) pairs. Raises ALREADY_APPROVED (one person approves one content once) and
    ROLE_REQUIRED (the last missing approval must come from a holder of the policy's named role)."""
    if any(approver_id == actor.user_id for approver_id, _role in live):
        raise Conflict("ALREADY_APPROVED", f"you already approved payment {payment.id}")
    required = payment.required_approvals or 1
    role = payment.required_role
    holds_role = role is not None and any(r.value == role for r in actor.roles)
    role_met = role is None or holds_role or any(r == role for _a, r in live)
    count = len(live) + 1
    if count >= required and not role_met:
        raise PermissionDenied(f"payment {payment.id} needs one approver holding the role {role}; the last "
                               "approval must come from such a person", code="ROLE_REQUIRED")
    return ApprovalStep(role if holds_role else None, count, required, count >= required and role_met)


class ApprovalService:
    def __init__(self, uow: UnitOfWorkFactory, auth, clock: Clock, events=None):
        self._uow = uow
        self._auth = auth
        self._clock = clock
        self._events = events

    def _publish(self, ids: list[int], status: PaymentStatus) -> None:
        if self._events is not None and ids:
            self._events.publish(PAYMENTS_CHANGED, {"ids": ids, "status": status.value})

    # -- policy -------------------------------------------------------------------------------------------------
    @property
    def password_threshold_minor(self) -> int:
        """Above this amount (minor units) ``approve`` needs the approver's password."""
        with self._uow(read_only=True) as uow:
            return current_policy(uow).password_threshold_minor

    def current_policy(self, actor: Actor) -> ApprovalPolicy:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return current_policy(uow)

    def list_policies(self, actor: Actor) -> list[ApprovalPolicy]:
        """Every stored version, newest first (the built-in default, version 0, when none was saved)."""
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.approval_policies.list() or [DEFAULT_POLICY]

    def save_policy(self, actor: Actor, fields: Mapping[str, object]) -> ApprovalPolicy:
        """Store a new policy version (administrators only, audited). Keys: ``rules`` (list of
        {debit_account_id|None, payment_type: normal|urgent|None, tiers: [{up_to: "50000.00"|minor int|None,
        approvers: int, required_role: str|None}]}), ``password_threshold`` and ``duplicate_window_days``;
        keys left out keep the current version's values."""
        require_any(actor, Role.ADMIN, doing="change the approval policy")
        with self._uow() as uow:
            base = current_policy(uow)
            policy, problems = parse_policy(dict(fields), base)
            if policy is not None:
                for i, rule in enumerate(policy.rules):
                    if rule.debit_account_id is not None and uow.accounts.get(rule.debit_account_id) is None:
                        problems.append(Problem("POLICY", f"no bank account with id {rule.debit_account_id}",
                                                f"rules[{i}].debit_account_id"))
            if problems or policy is None:
                raise ValidationFailed(problems)
            saved = uow.approval_policies.add_version(policy, actor.username, self._clock.now())
            uow.audit.append(actor, POLICY_CHANGED, "approval_policy", str(saved.version),
                             {"from_version": base.version, "to_version": saved.version, **saved.to_dict()})
            uow.commit()
            return saved

    # -- inbox --------------------------------------------------------------------------------------------------
    def inbox(self, actor: Actor, *, debit_account_id: int | None = None, min_amount_minor: int | None = None,
              max_amount_minor: int | None = None, query: str = "") -> list[PaymentRequest]:
        """Payments awaiting THIS approver: pending, not their own, not already approved by them."""
        require_any(actor, Role.APPROVER, doing="approve payments")
        with self._uow(read_only=True) as uow:
            pending = uow.payments.list(PaymentStatus.PENDING_APPROVAL)
            approved_by = uow.approvals.active_approvers([p.id for p in pending])
        text = (query or "").strip().lower()
        return [p for p in pending
                if p.maker_id != actor.user_id and actor.user_id not in approved_by[p.id]
                and (debit_account_id is None or p.debit_account_id == debit_account_id)
                and (min_amount_minor is None or p.amount_minor >= min_amount_minor)
                and (max_amount_minor is None or p.amount_minor <= max_amount_minor)
                and (not text or text in p.payee_name.lower() or text in p.payee_account
                     or text in p.purpose.lower())]

    def inbox_counts(self, actor: Actor) -> dict[str, int]:
        """awaiting_me, approved_by_me (still pending others), pending_approval (all), approved, rejected."""
        require_any(actor, Role.APPROVER, doing="approve payments")
        with self._uow(read_only=True) as uow:
            pending = uow.payments.list(PaymentStatus.PENDING_APPROVAL)
            approved_by = uow.approvals.active_approvers([p.id for p in pending])
            by_status = uow.payments.count_by_status()
        mine = [p for p in pending if p.maker_id != actor.user_id]
        return {
            "awaiting_me": sum(1 for p in mine if actor.user_id not in approved_by[p.id]),
            "approved_by_me": sum(1 for p in mine if actor.user_id in approved_by[p.id]),
            "own_pending": len(pending) - len(mine),
            "pending_approval": by_status.get(PaymentStatus.PENDING_APPROVAL.value, 0),
            "approved": by_status.get(PaymentStatus.APPROVED.value, 0),
            "rejected": by_status.get(PaymentStatus.REJECTED.value, 0),
        }

    # -- decisions ----------------------------------------------------------------------------------------------
    def needs_password(self, actor: Actor, payment_ids: list[int]) -> bool:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            threshold = current_policy(uow).password_threshold_minor
            return any(p.amount_minor > threshold for p in uow.payments.get_many(list(payment_ids)))

    def approve(self, actor: Actor, payment_ids: list[int], *, password: str | None = None) -> list[PaymentRequest]:
        require_any(actor, Role.APPROVER, doing="approve payments")
        ids = list(dict.fromkeys(int(i) for i in payment_ids))
        if not ids:
            raise ValidationFailed([Problem("FIELD_REQUIRED", "choose at least one payment to approve", "ids")])
        if self.needs_password(actor, ids):
            if not password:
                threshold = self.password_threshold_minor
                raise ValidationFailed([Problem(
                    PASSWORD_REQUIRED, f"approving more than {threshold // 100:,}.{threshold % 100:02d} needs your "
                    "password again", "password", params={"threshold_minor": threshold})])
            self._auth.reauthenticate(actor, password)
        results = []
        with self._uow() as uow:
            for payment_id in ids:
                results.append(self._approve_one(uow, actor, payment_id))
            uow.commit()
        for status in {p.status for p in results}:
            self._publish([p.id for p in results if p.status is status], status)
        return results

    def _pending(self, uow, actor: Actor, payment_id: int, doing: str) -> PaymentRequest:
        payment = uow.payments.get(payment_id, for_update=True)
        if payment is None:
            raise NotFound("payment", payment_id)
        check_pending(actor, payment, uow.accounts.get(payment.debit_account_id), uow.payees.get(payment.payee_id),
                      doing)
        return payment

    def _approve_one(self, uow, actor: Actor, payment_id: int) -> PaymentRequest:
        payment = self._pending(uow, actor, payment_id, "approve")
        live = [a for a in uow.approvals.for_payment(payment_id) if a.decision == "approved" and not a.is_void]
        step = approval_step(actor, payment, [(a.approver_id, a.approver_role) for a in live])
        approval = uow.approvals.add(payment_id, actor.user_id, "approved", payment.content_hash, None,
                                     step.approver_role)
        uow.audit.append(actor, PAYMENT_APPROVED, "payment", str(payment_id),
                         {"level": approval.level, "live_approvals": step.live_approvals, "required": step.required,
                          "required_role": payment.required_role, "content_hash": payment.content_hash,
                          "amount_minor": payment.amount_minor})
        if step.completes:
            return change_status(uow, actor, payment, PaymentStatus.APPROVED,
                                 f"approved by {step.live_approvals} of {step.required}")
        return uow.payments.get(payment_id)

    def reject(self, actor: Actor, payment_id: int, comment: str) -> PaymentRequest:
        require_any(actor, Role.APPROVER, doing="reject payments")
        text = normalize_text(comment) if isinstance(comment, str) else ""
        problems = check_text(text, "comment", required=True, max_chars=COMMENT_MAX_CHARS)
        if problems:
            if not text.strip():
                problems = [Problem(COMMENT_REQUIRED, "a rejection needs a comment for the maker", "comment")]
            raise ValidationFailed(problems)
        with self._uow() as uow:
            payment = self._pending(uow, actor, payment_id, "reject")
            uow.approvals.add(payment_id, actor.user_id, "rejected", payment.content_hash, text)
            voided = uow.approvals.void_active(payment_id, "payment rejected")
            uow.audit.append(actor, PAYMENT_REJECTED, "payment", str(payment_id),
                             {"comment": text, "approvals_voided": voided, "content_hash": payment.content_hash})
            payment = change_status(uow, actor, payment, PaymentStatus.REJECTED, f"rejected: {text}")
            uow.commit()
        self._publish([payment_id], payment.status)
        return payment
