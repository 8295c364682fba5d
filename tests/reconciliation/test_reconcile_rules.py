"""The matching rules of app.domain.reconciliation, without a database or a bank: each rule raises its finding,
the boundary of T+1, what is not ours, and dedup keys that stay the same when the same data is checked again."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain.alerts import AlertSeverity
from app.domain.banking import StoredTransaction
from app.domain.payment import PaymentStatus
from app.domain.reconciliation import ReconPayment, bank_day, bank_day_start, reconcile_account

S = PaymentStatus
ACC, NUMBER = 7, "755900000001"
PREFIX = "Q7ZK"
SENT = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)          # bank day 2026-03-02 (11:00 China time)


def pay(pid: int, status=S.SUCCEEDED, amount=1000, account=ACC, payee="622200001111", sent=SENT) -> ReconPayment:
    return ReconPayment(id=pid, status=status, version=3, debit_account_id=account, amount_minor=amount,
                        currency="CNY", reference=f"BD{PREFIX}{pid:010d}", payee_account=payee, first_sent_at=sent)


_serial = iter(range(1, 10_000))


def debit(ref: str, amount=1000, day=date(2026, 3, 2), account=ACC, currency="CNY") -> StoredTransaction:
    n = next(_serial)
    return StoredTransaction(id=n, account_id=account, bank_serial=f"S{n:06d}", booking_date=day,
                             amount_minor=-amount, currency=currency, reference=ref)


def check(payments, debits, *, today=date(2026, 3, 4), others=(), window=None, missing_from=date(2026, 3, 1)):
    found = reconcile_account(account_id=ACC, account_number=NUMBER, payments=payments, debits=debits,
                              window_debits=list(debits if window is None else window), other_payments=others,
                              reference_prefix=PREFIX, today=today, missing_from=missing_from)
    return found, {(a.kind, a.payment_id) for a in found.alerts}


def test_bank_day_is_china_time():
    assert bank_day(datetime(2026, 3, 1, 16, 0, tzinfo=UTC)) == date(2026, 3, 2)   # 00:00 in Beijing
    assert bank_day(datetime(2026, 3, 1, 15, 59, tzinfo=UTC)) == date(2026, 3, 1)
    assert bank_day_start(date(2026, 3, 2)) == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)


def test_one_debit_of_the_right_amount_is_clean():
    p = pay(1)
    found, kinds = check([p], [debit(p.reference)])
    assert kinds == set() and found.checked == 1 and found.debits_seen == 1


def test_two_debits_for_one_reference_are_a_critical_double_debit():
    p = pay(2)
    found, kinds = check([p], [debit(p.reference), debit(p.reference, day=date(2026, 3, 3))])
    assert kinds == {("DOUBLE_DEBIT", 2)}
    (alert,) = found.alerts
    assert alert.severity is AlertSeverity.CRITICAL and alert.dedup_key == "DOUBLE_DEBIT:2:2"
    assert "2 times" in alert.title and p.reference in alert.detail


def test_a_third_debit_is_a_new_finding_and_the_same_data_gives_the_same_keys():
    p = pay(3)
    two = [debit(p.reference), debit(p.reference)]
    first, _ = check([p], two)
    again, _ = check([p], two)
    three, _ = check([p], [*two, debit(p.reference)])
    assert [a.dedup_key for a in first.alerts] == [a.dedup_key for a in again.alerts] == ["DOUBLE_DEBIT:3:2"]
    assert [a.dedup_key for a in three.alerts] == ["DOUBLE_DEBIT:3:3"]


@pytest.mark.parametrize("status", [S.SUCCEEDED, S.SENDING, S.UNKNOWN, S.ACCEPTED, S.PROCESSING])
def test_no_debit_after_t_plus_1_is_a_missing_debit(status):
    p = pay(4, status=status)
    _, at_t1 = check([p], [], today=date(2026, 3, 3))          # T+1: the bank may still book it today
    found, at_t2 = check([p], [], today=date(2026, 3, 4))       # T+1 has passed
    assert at_t1 == set() and at_t2 == {("MISSING_DEBIT", 4)}
    assert found.alerts[0].severity is AlertSeverity.CRITICAL and found.alerts[0].dedup_key == "MISSING_DEBIT:4"


@pytest.mark.parametrize("status", [S.AWAITING_BANK_AUTH, S.FAILED, S.CANCELLED, S.EXPIRED, S.QUEUED])
def test_no_missing_debit_for_payments_that_are_not_expected_to_be_debited(status):
    _, kinds = check([pay(5, status=status)], [], today=date(2026, 3, 9))
    assert kinds == set()


def test_missing_debits_are_only_checked_from_the_first_unchecked_day():
    _, kinds = check([pay(6)], [], today=date(2026, 3, 9), missing_from=date(2026, 3, 3))
    assert kinds == set()                           # first sent 03-02: checked by an earlier run


@pytest.mark.parametrize("status", [S.FAILED, S.CANCELLED, S.EXPIRED])
def test_a_debit_for_a_payment_we_hold_failed_is_critical(status):
    p = pay(7, status=status)
    found, kinds = check([p], [debit(p.reference)])
    assert kinds == {("DEBIT_ON_FAILED", 7)} and found.alerts[0].severity is AlertSeverity.CRITICAL


def test_a_debit_of_another_amount_or_currency_is_a_high_amount_mismatch():
    p = pay(8, amount=1000)
    found, kinds = check([p], [debit(p.reference, amount=1001)])
    assert kinds == {("AMOUNT_MISMATCH", 8)} and found.alerts[0].severity is AlertSeverity.HIGH
    assert "CNY 10.01" in found.alerts[0].title and "CNY 10.00" in found.alerts[0].title
    _, kinds = check([p], [debit(p.reference, currency="USD")])
    assert kinds == {("AMOUNT_MISMATCH", 8)}


def test_a_debit_with_our_prefix_and_no_payment_is_unknown_but_foreign_references_are_ignored():
    stray = debit(f"BD{PREFIX}0000000999")
    other_ledger = debit("BDZZZZ0000000999")
    manual = debit("工资代发")
    found, kinds = check([], [stray, other_ledger, manual])
    assert kinds == {("UNKNOWN_DEBIT", None)}
    assert found.alerts[0].dedup_key == f"UNKNOWN_DEBIT:{ACC}:{stray.bank_serial}"
    assert found.alerts[0].severity is AlertSeverity.HIGH


def test_the_reference_of_another_accounts_payment_is_unknown_here_unless_it_is_its_return():
    elsewhere = pay(10, account=99, payee="622200001111")
    _, kinds = check([], [debit(elsewhere.reference)], others=[elsewhere])
    assert kinds == {("UNKNOWN_DEBIT", 10)}
    to_us = pay(11, account=99, payee=NUMBER)    # we paid ourselves; the return is booked back on our account
    _, kinds = check([], [debit(to_us.reference)], others=[to_us])
    assert kinds == set()


def test_credits_are_not_debits():
    p = pay(12)
    refund = StoredTransaction(id=9999, account_id=ACC, bank_serial="R1", booking_date=date(2026, 3, 3),
                               amount_minor=1000, currency="CNY", reference=p.reference)
    found, kinds = check([p], [debit(p.reference), refund])
    assert kinds == set() and found.debits_seen == 1
