"""The payment state machine (DESIGN.md rule 3, RELIABILITY.md §1).

Path of a payment::

    DRAFT → PENDING_APPROVAL ⇄ APPROVED → SIGNED → QUEUED → SENDING → ACCEPTED | UNKNOWN
          ↘ REJECTED → DRAFT       ACCEPTED → AWAITING_BANK_AUTH → PROCESSING → SUCCEEDED | FAILED | PARTIAL
                                   | CANCELLED | EXPIRED;   SUCCEEDED → RETURNED (退票)

Rules encoded in :data:`TRANSITIONS`:

* Statuses only move forward (I5). Nothing leaves a final status except SUCCEEDED → RETURNED.
* REJECTED (an approver said no) is not final: the maker edits it (→ DRAFT) or cancels it.
* APPROVED → PENDING_APPROVAL: an edit of an approved, unsigned payment voids its approvals and sends it back
  for approval (every approval binds the exact content, RELIABILITY.md §2). Once SIGNED the content is frozen.
* SENDING → QUEUED is allowed only when no byte of the request left the machine (connection refused,
  TLS handshake failed before the body); every other doubt after sending is UNKNOWN (I3).
* UNKNOWN → any bank outcome (found by a status query with the same reference), or → QUEUED only after the
  bank definitively answered "no such instruction" and the settle window passed (the resend is
  byte-identical, same reference). The state machine cannot see that answer: the service must.
* Once the bank accepted a payment (ACCEPTED, AWAITING_BANK_AUTH, PROCESSING) it never goes back to
  UNKNOWN, so it can never be re-queued and re-sent; an odd answer at that stage raises an alert and the
  payment keeps its status.
* A same-status "transition" (a duplicated bank message) is a no-op: :func:`is_noop` is True and
  :func:`transition` returns the current status unchanged, so replays are idempotent. A stale bank message
  (an earlier in-flight stage arriving after a later one) is recognised by :func:`is_stale`; services ignore
  it instead of calling :func:`transition`.
"""

from __future__ import annotations

from enum import Enum

from app.domain.errors import IllegalTransition


class PaymentStatus(str, Enum):
    DRAFT = "DRAFT"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    REJECTED = "REJECTED"
    APPROVED = "APPROVED"
    SIGNED = "SIGNED"
    QUEUED = "QUEUED"
    SENDING = "SENDING"
    UNKNOWN = "UNKNOWN"
    ACCEPTED = "ACCEPTED"
    AWAITING_BANK_AUTH = "AWAITING_BANK_AUTH"
    PROCESSING = "PROCESSING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    PARTIAL = "PARTIAL"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    RETURNED = "RETURNED"


S = PaymentStatus

# Outcomes the bank can report for a payment it has (or may have) received.
BANK_OUTCOMES: frozenset[PaymentStatus] = frozenset({
    S.ACCEPTED, S.AWAITING_BANK_AUTH, S.PROCESSING, S.SUCCEEDED, S.FAILED, S.PARTIAL, S.CANCELLED, S.EXPIRED,
    S.RETURNED,
})

FINAL_STATUSES: frozenset[PaymentStatus] = frozenset({
    S.SUCCEEDED, S.FAILED, S.PARTIAL, S.CANCELLED, S.EXPIRED, S.RETURNED,
})

TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    S.DRAFT: frozenset({S.PENDING_APPROVAL, S.CANCELLED}),
    S.PENDING_APPROVAL: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.REJECTED: frozenset({S.DRAFT, S.CANCELLED}),
    # → PENDING_APPROVAL: an edit of an approved, unsigned payment voids its approvals and sends it back for
    # approval.
    S.APPROVED: frozenset({S.SIGNED, S.CANCELLED, S.EXPIRED, S.PENDING_APPROVAL}),
    S.SIGNED: frozenset({S.QUEUED, S.CANCELLED, S.EXPIRED}),
    # Nothing has been sent yet: cancelling or expiring a queued payment is safe.
    S.QUEUED: frozenset({S.SENDING, S.CANCELLED, S.EXPIRED}),
    S.SENDING: frozenset({S.QUEUED, S.UNKNOWN} | (BANK_OUTCOMES - {S.RETURNED})),
    S.UNKNOWN: frozenset({S.QUEUED} | BANK_OUTCOMES),
    S.ACCEPTED: frozenset({S.AWAITING_BANK_AUTH, S.PROCESSING, S.SUCCEEDED, S.FAILED, S.PARTIAL,
                           S.CANCELLED, S.EXPIRED}),
    S.AWAITING_BANK_AUTH: frozenset({S.PROCESSING, S.SUCCEEDED, S.FAILED, S.PARTIAL, S.CANCELLED, S.EXPIRED}),
    S.PROCESSING: frozenset({S.SUCCEEDED, S.FAILED, S.PARTIAL, S.CANCELLED, S.EXPIRED}),
    S.SUCCEEDED: frozenset({S.RETURNED}),
    S.FAILED: frozenset(),
    S.PARTIAL: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
    S.RETURNED: frozenset(),
}

# Order of the in-flight stages at the bank, for recognising stale (out-of-order) messages.
_BANK_STAGE = {S.ACCEPTED: 1, S.AWAITING_BANK_AUTH: 2, S.PROCESSING: 3}

# Statuses in which money may have left or may still leave the debit account.
IN_FLIGHT_STATUSES: frozenset[PaymentStatus] = frozenset({
    S.SENDING, S.UNKNOWN, S.ACCEPTED, S.AWAITING_BANK_AUTH, S.PROCESSING,
})


def _status(value: PaymentStatus | str) -> PaymentStatus:
    return value if isinstance(value, PaymentStatus) else PaymentStatus(value)


def is_final(status: PaymentStatus | str) -> bool:
    """Final statuses: nothing leaves them, except SUCCEEDED → RETURNED."""
    return _status(status) in FINAL_STATUSES


def is_noop(current: PaymentStatus | str, requested: PaymentStatus | str) -> bool:
    """True for a same-status "transition" (e.g. a duplicated bank message): nothing changes."""
    return _status(current) is _status(requested)


def can_transition(current: PaymentStatus | str, requested: PaymentStatus | str) -> bool:
    """True when ``current → requested`` is in the table (a same-status no-op is not a transition)."""
    return _status(requested) in TRANSITIONS[_status(current)]


def is_stale(current: PaymentStatus | str, reported: PaymentStatus | str) -> bool:
    """True when the bank reports a stage the payment has already passed (an out-of-order message),
    e.g. ACCEPTED arriving after PROCESSING, or any in-flight stage after a final status."""
    cur, rep = _status(current), _status(reported)
    if rep not in _BANK_STAGE:
        return False
    if cur in FINAL_STATUSES:
        return True
    return cur in _BANK_STAGE and _BANK_STAGE[rep] < _BANK_STAGE[cur]


def transition(current: PaymentStatus | str, requested: PaymentStatus | str) -> PaymentStatus:
    """Return the new status, or raise IllegalTransition. Idempotent: ``transition(a, a)`` returns ``a``."""
    cur, req = _status(current), _status(requested)
    if cur is req:
        return cur
    if req not in TRANSITIONS[cur]:
        raise IllegalTransition(cur, req)
    return req
