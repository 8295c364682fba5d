"""Reconciliation (RELIABILITY.md I7): the bank's debits matched to our payments by client reference and debit
account. Pure: the service reads payments and stored debits, this module says what is wrong.

Rules (one account at a time):

* **DOUBLE_DEBIT** (critical): two or more debits carry one payment's reference.
* **MISSING_DEBIT** (critical): a payment the engine holds SUCCEEDED or still in flight (SENDING, UNKNOWN,
  ACCEPTED, PROCESSING) has no debit once T+1 has passed — T is the bank day (China time) of its first send
  attempt, so the alert comes on day T+2.
* **DEBIT_ON_FAILED** (critical): a debit for a payment we hold FAILED, CANCELLED or EXPIRED.
* **AMOUNT_MISMATCH** (high): a debit whose amount or currency differs from the payment's.
* **UNKNOWN_DEBIT** (high): a debit carrying our reference prefix that matches no payment of this account (a debit
  on one of our accounts that was the *payee* of our own payment and carries its reference is that payment's
  return being booked back, not unknown).

Every finding gets a dedup key that names it for good, so running the same check again raises nothing new.
Stdlib only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from app.domain.alerts import DEFAULT_SEVERITY, DETAIL_MAX, AlertKind, NewAlert
from app.domain.banking import StoredTransaction
from app.domain.money import format_amount
from app.domain.payment import PaymentStatus

S = PaymentStatus
BANK_DAY_OFFSET = timedelta(hours=8)   # the banks' business date: China Standard Time (UTC+8, no DST)
REFERENCE_HEAD = "BD"                  # app.domain.submission.make_reference: "BD" + ledger prefix + payment id

# The engine says the money went (or may be going) out: a debit must show up.
DEBIT_EXPECTED: frozenset[PaymentStatus] = frozenset({S.SUCCEEDED, S.SENDING, S.UNKNOWN, S.ACCEPTED, S.PROCESSING})
# We hold the payment as not paid: any debit is money gone that we do not account for.
NO_DEBIT_EXPECTED: frozenset[PaymentStatus] = frozenset({S.FAILED, S.CANCELLED, S.EXPIRED})


def bank_day(at: datetime) -> date:
    return (at + BANK_DAY_OFFSET).date()


def bank_day_start(day: date) -> datetime:
    """The UTC instant a bank day (China time) begins, as an aware datetime."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - BANK_DAY_OFFSET


@dataclass(frozen=True)
class ReconPayment:
    """What reconciliation needs to know about one payment."""

    id: int
    status: PaymentStatus
    version: int
    debit_account_id: int
    amount_minor: int
    currency: str
    reference: str
    payee_account: str = ""
    first_sent_at: datetime | None = None
    attention: str = ""

    @property
    def sent_day(self) -> date | None:
        """T: the bank day of the first send attempt."""
        return bank_day(self.first_sent_at) if self.first_sent_at is not None else None

    def overdue(self, today: date) -> bool:
        """T+1 has passed (today is T+2 or later)."""
        t = self.sent_day
        return t is not None and today > t + timedelta(days=1)


@dataclass
class AccountFindings:
    checked: int = 0
    debits_seen: int = 0
    alerts: list[NewAlert] = field(default_factory=list)


def _money(currency: str, minor: int) -> str:
    return f"{currency} {format_amount(minor)}"


def _debit_text(d: StoredTransaction) -> str:
    return (f"{d.booking_date.isoformat()} {_money(d.currency, -d.amount_minor)} serial {d.bank_serial}"
            + (f" to {d.counterparty_account}" if d.counterparty_account else ""))


def _alert(kind: AlertKind, key: str, title: str, detail: str, *, payment_id: int | None,
           account_id: int) -> NewAlert:
    return NewAlert(kind=kind.value, severity=DEFAULT_SEVERITY[kind], dedup_key=key[:200], title=title[:200],
                    detail=detail[:DETAIL_MAX], payment_id=payment_id, account_id=account_id)


def reconcile_account(*, account_id: int, account_number: str, payments: Iterable[ReconPayment],
                      debits: Iterable[StoredTransaction], window_debits: Sequence[StoredTransaction],
                      other_payments: Iterable[ReconPayment] = (), reference_prefix: str | None,
                      today: date, missing_from: date) -> AccountFindings:
    """Findings for one account.

    ``payments``: the account's payments to check (sent recently, or named by a debit of the window);
    ``debits``: the account's stored debits carrying their references (from the day before each was first sent);
    ``window_debits``: every debit of the account booked in the window just fetched (looked at for unknown
    references); ``other_payments``: payments of other accounts whose references appear in the window;
    ``missing_from``: missing debits are reported for payments first sent on or after this bank day.
    """
    out = AccountFindings()
    mine = {p.reference: p for p in payments if p.debit_account_id == account_id and p.reference}
    by_ref: dict[str, dict[int, StoredTransaction]] = defaultdict(dict)
    for d in debits:
        if d.amount_minor < 0 and d.account_id == account_id and d.reference:
            by_ref[d.reference][d.id] = d
    out.checked = len(mine)
    out.debits_seen = sum(1 for d in window_debits if d.amount_minor < 0)
    for ref, p in sorted(mine.items(), key=lambda item: item[1].id):
        found = sorted(by_ref.get(ref, {}).values(), key=lambda d: (d.booking_date, d.id))
        amount = _money(p.currency, p.amount_minor)
        listing = "; ".join(_debit_text(d) for d in found)
        if len(found) >= 2:
            out.alerts.append(_alert(
                AlertKind.DOUBLE_DEBIT, f"DOUBLE_DEBIT:{p.id}:{len(found)}",
                f"Payment #{p.id} ({ref}) was debited {len(found)} times",
                f"The bank booked {len(found)} debits for client reference {ref} on account {account_number} "
                f"(payment #{p.id}, {amount}, {p.status.value}): {listing}. Ask the bank to reverse the extra "
                "debit(s).", payment_id=p.id, account_id=account_id))
        if found and p.status in NO_DEBIT_EXPECTED:
            out.alerts.append(_alert(
                AlertKind.DEBIT_ON_FAILED, f"DEBIT_ON_FAILED:{p.id}",
                f"Payment #{p.id} is {p.status.value} but was debited",
                f"We hold payment #{p.id} ({ref}, {amount}) as {p.status.value}, yet the bank debited account "
                f"{account_number}: {listing}. Do not re-initiate it before this is cleared with the bank.",
                payment_id=p.id, account_id=account_id))
        for d in found:
            if -d.amount_minor != p.amount_minor or d.currency != p.currency:
                out.alerts.append(_alert(
                    AlertKind.AMOUNT_MISMATCH, f"AMOUNT_MISMATCH:{p.id}:{d.bank_serial}",
                    f"Payment #{p.id} was debited {_money(d.currency, -d.amount_minor)} instead of {amount}",
                    f"The debit {_debit_text(d)} carries the reference {ref} of payment #{p.id}, whose amount is "
                    f"{amount}.", payment_id=p.id, account_id=account_id))
        t = p.sent_day
        if not found and p.status in DEBIT_EXPECTED and t is not None and t >= missing_from and p.overdue(today):
            out.alerts.append(_alert(
                AlertKind.MISSING_DEBIT, f"MISSING_DEBIT:{p.id}",
                f"Payment #{p.id} is {p.status.value} but no debit after T+1",
                f"Payment #{p.id} ({ref}, {amount}) was first sent on bank day {t.isoformat()} and is "
                f"{p.status.value}, but account {account_number} shows no debit with its reference up to "
                f"{today.isoformat()}. Check with the bank whether it was paid before doing anything else.",
                payment_id=p.id, account_id=account_id))
    head = f"{REFERENCE_HEAD}{reference_prefix}" if reference_prefix else None
    others = {p.reference: p for p in other_payments}
    for d in window_debits:
        ref = d.reference
        if d.amount_minor >= 0 or not ref or ref in mine:
            continue
        other = others.get(ref)
        if other is not None and other.payee_account and other.payee_account == account_number:
            continue  # our own payment to this account, returned (退票): the return is booked back here
        if other is None and (head is None or not ref.startswith(head)):
            continue  # not one of ours (a fee, a payment made outside BankDirect …)
        whose = (f"it is the reference of payment #{other.id}, which debits another account" if other is not None
                 else "no payment of this ledger holds it")
        out.alerts.append(_alert(
            AlertKind.UNKNOWN_DEBIT, f"UNKNOWN_DEBIT:{account_id}:{d.bank_serial}",
            f"Unknown debit {_money(d.currency, -d.amount_minor)} with our reference {ref}",
            f"Account {account_number} was debited {_debit_text(d)} with client reference {ref}, but {whose}.",
            payment_id=other.id if other is not None else None, account_id=account_id))
    return out
