"""The payment state machine: every pair against the table, and random walks (RELIABILITY.md §1, I3/I5)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import IllegalTransition
from app.domain.payment import (
    FINAL_STATUSES,
    TRANSITIONS,
    PaymentStatus,
    can_transition,
    is_final,
    is_noop,
    is_stale,
    transition,
)

S = PaymentStatus
ALL = list(PaymentStatus)

# The table written out independently of the module, edge by edge, so a change to either shows up here.
EXPECTED_EDGES = {
    (S.DRAFT, S.PENDING_APPROVAL), (S.DRAFT, S.CANCELLED),
    (S.PENDING_APPROVAL, S.APPROVED), (S.PENDING_APPROVAL, S.REJECTED), (S.PENDING_APPROVAL, S.CANCELLED),
    (S.REJECTED, S.DRAFT), (S.REJECTED, S.CANCELLED),
    (S.APPROVED, S.SIGNED), (S.APPROVED, S.CANCELLED), (S.APPROVED, S.EXPIRED),
    (S.APPROVED, S.PENDING_APPROVAL),  # an edit of an approved, unsigned payment: approvals voided, re-approve
    (S.SIGNED, S.QUEUED), (S.SIGNED, S.CANCELLED), (S.SIGNED, S.EXPIRED),
    (S.QUEUED, S.SENDING), (S.QUEUED, S.CANCELLED), (S.QUEUED, S.EXPIRED),
    (S.SENDING, S.QUEUED), (S.SENDING, S.UNKNOWN), (S.SENDING, S.ACCEPTED), (S.SENDING, S.AWAITING_BANK_AUTH),
    (S.SENDING, S.PROCESSING), (S.SENDING, S.SUCCEEDED), (S.SENDING, S.FAILED), (S.SENDING, S.PARTIAL),
    (S.SENDING, S.CANCELLED), (S.SENDING, S.EXPIRED),
    (S.UNKNOWN, S.QUEUED), (S.UNKNOWN, S.ACCEPTED), (S.UNKNOWN, S.AWAITING_BANK_AUTH), (S.UNKNOWN, S.PROCESSING),
    (S.UNKNOWN, S.SUCCEEDED), (S.UNKNOWN, S.FAILED), (S.UNKNOWN, S.PARTIAL), (S.UNKNOWN, S.CANCELLED),
    (S.UNKNOWN, S.EXPIRED), (S.UNKNOWN, S.RETURNED),
    (S.ACCEPTED, S.AWAITING_BANK_AUTH), (S.ACCEPTED, S.PROCESSING), (S.ACCEPTED, S.SUCCEEDED),
    (S.ACCEPTED, S.FAILED), (S.ACCEPTED, S.PARTIAL), (S.ACCEPTED, S.CANCELLED), (S.ACCEPTED, S.EXPIRED),
    (S.AWAITING_BANK_AUTH, S.PROCESSING), (S.AWAITING_BANK_AUTH, S.SUCCEEDED), (S.AWAITING_BANK_AUTH, S.FAILED),
    (S.AWAITING_BANK_AUTH, S.PARTIAL), (S.AWAITING_BANK_AUTH, S.CANCELLED), (S.AWAITING_BANK_AUTH, S.EXPIRED),
    (S.PROCESSING, S.SUCCEEDED), (S.PROCESSING, S.FAILED), (S.PROCESSING, S.PARTIAL),
    (S.PROCESSING, S.CANCELLED), (S.PROCESSING, S.EXPIRED),
    (S.SUCCEEDED, S.RETURNED),
}


def test_table_covers_every_status():
    assert set(TRANSITIONS) == set(ALL)
    assert len(ALL) == 17


@pytest.mark.parametrize(("a", "b"), list(itertools.product(ALL, ALL)), ids=lambda s: s.value)
def test_every_pair(a, b):
    if a is b:
        assert is_noop(a, b) and not can_transition(a, b)
        assert transition(a, b) is a  # duplicated message: idempotent
    elif (a, b) in EXPECTED_EDGES:
        assert can_transition(a, b) and not is_noop(a, b)
        assert transition(a, b) is b
    else:
        assert not can_transition(a, b)
        with pytest.raises(IllegalTransition) as exc:
            transition(a, b)
        assert exc.value.code == "ILLEGAL_TRANSITION"
        assert a.value in exc.value.message and b.value in exc.value.message


def test_final_statuses():
    assert FINAL_STATUSES == {S.SUCCEEDED, S.FAILED, S.PARTIAL, S.CANCELLED, S.EXPIRED, S.RETURNED}
    for s in ALL:
        assert is_final(s) is (s in FINAL_STATUSES)
        if is_final(s):
            assert TRANSITIONS[s] <= {S.RETURNED}
    assert TRANSITIONS[S.SUCCEEDED] == {S.RETURNED}
    assert not is_final(S.REJECTED) and not is_final(S.UNKNOWN)


def test_unknown_only_resolves_by_bank_outcome_or_requeue():
    assert S.SENDING not in TRANSITIONS[S.UNKNOWN]
    assert S.DRAFT not in TRANSITIONS[S.UNKNOWN]
    # Once the bank has accepted a payment it can never go back to UNKNOWN, hence never be re-queued.
    for accepted in (S.ACCEPTED, S.AWAITING_BANK_AUTH, S.PROCESSING):
        assert not can_transition(accepted, S.UNKNOWN)
        assert not can_transition(accepted, S.QUEUED)


def test_only_an_unsigned_approval_can_be_sent_back_for_approval():
    assert can_transition(S.APPROVED, S.PENDING_APPROVAL)
    # Once signed (or anything later) the content is frozen: never back to approval or to the maker.
    for later in (S.SIGNED, S.QUEUED, S.SENDING, S.UNKNOWN, S.ACCEPTED, S.AWAITING_BANK_AUTH, S.PROCESSING,
                  *FINAL_STATUSES):
        assert not can_transition(later, S.PENDING_APPROVAL)
        assert not can_transition(later, S.DRAFT)
        assert not can_transition(later, S.APPROVED)


def test_strings_are_accepted():
    assert transition("DRAFT", "PENDING_APPROVAL") is S.PENDING_APPROVAL
    assert is_final("RETURNED")
    with pytest.raises(ValueError):
        transition("DRAFT", "PAID")


def test_stale_messages():
    assert is_stale(S.PROCESSING, S.ACCEPTED)
    assert is_stale(S.PROCESSING, S.AWAITING_BANK_AUTH)
    assert is_stale(S.SUCCEEDED, S.PROCESSING)
    assert not is_stale(S.ACCEPTED, S.PROCESSING)
    assert not is_stale(S.UNKNOWN, S.ACCEPTED)
    assert not is_stale(S.PROCESSING, S.SUCCEEDED)
    assert not is_stale(S.PROCESSING, S.PROCESSING)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**6), max_size=40))
def test_random_walks_stay_legal(choices):
    status = S.DRAFT
    path = [status]
    for c in choices:
        options = sorted(TRANSITIONS[status], key=lambda s: s.value)
        if not options:
            break
        nxt = options[c % len(options)]
        assert (status, nxt) in EXPECTED_EDGES
        was_final = is_final(status)
        status = transition(status, nxt)
        if was_final:
            assert (path[-1], status) == (S.SUCCEEDED, S.RETURNED)
        path.append(status)
    # Nothing ever left a final status, except SUCCEEDED → RETURNED.
    finals = [i for i, s in enumerate(path) if is_final(s)]
    if finals:
        tail = path[finals[0]:]
        assert tail in ([path[finals[0]]], [S.SUCCEEDED, S.RETURNED])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALL), max_size=30))
def test_random_requests_never_corrupt_the_state(requests):
    status = S.DRAFT
    for req in requests:
        before = status
        try:
            status = transition(status, req)
        except IllegalTransition:
            assert status is before
            continue
        assert status is before or (before, status) in EXPECTED_EDGES
