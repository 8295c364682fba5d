"""Payment requests (付款申请): the values the maker enters, their validation, their content hash.

A payment request is made from a voucher form (:data:`PAYMENT_FIELDS`). :func:`parse_payment_fields` checks what
can be checked without the ledger (amount, 大写, purpose, date, urgency) and returns *all* problems at once; the
service adds the ledger checks (account, payee, currency, duplicates).

Every approval binds to :func:`content_hash` — a SHA-256 over the canonical form of the exact content the bank
will receive (debit account, payee account/name/bank code, amount, currency, purpose, date, urgency). Any change
of any of those gives a new hash and voids the approvals given before.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app.domain.errors import Problem, Severity
from app.domain.master_data import BankAccount, Payee
from app.domain.money import check_amount
from app.domain.payment import PaymentStatus
from app.domain.rmb_words import check_amount_in_words
from app.domain.text import check_text, normalize_text

PAYMENT_FIELDS = ("debit_account_id", "payee_id", "amount", "currency", "purpose", "requested_date", "urgent",
                  "amount_in_words")

PURPOSE_MAX_BYTES = 60          # 用途: bytes in GBK (a Chinese character takes 2)
PURPOSE_ENCODING = "gbk"
MAX_DAYS_AHEAD = 365
CONTENT_HASH_VERSION = 1

# Problem codes (beside the AMOUNT_* / TEXT_* / ACCOUNT_FORMAT codes of money, text and identifiers).
FIELD_UNKNOWN = "FIELD_UNKNOWN"
FIELD_VALUE = "FIELD_VALUE"
FIELD_REQUIRED = "FIELD_REQUIRED"
DATE_FORMAT = "DATE_FORMAT"
DATE_PAST = "DATE_PAST"
DATE_RANGE = "DATE_RANGE"
CURRENCY = "CURRENCY"
ACCOUNT_FORMAT = "ACCOUNT_FORMAT"
ACCOUNT_INACTIVE = "ACCOUNT_INACTIVE"
PAYEE_INACTIVE = "PAYEE_INACTIVE"
DUPLICATE_SUSPECT = "DUPLICATE_SUSPECT"

URGENCY_NORMAL = "normal"
URGENCY_URGENT = "urgent"   # real-time (实时 / 加急)

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


@dataclass(frozen=True)
class PaymentRequest:
    id: int
    debit_account_id: int
    payee_id: int
    amount_minor: int
    currency: str
    purpose: str
    requested_date: date
    urgent: bool
    status: PaymentStatus
    maker_id: int
    maker_name: str
    payee_name: str
    payee_account: str
    debit_account_number: str
    content_hash: str
    version: int
    created_at: datetime
    updated_at: datetime
    duplicate_override: bool = False
    payee_bank_code: str = ""
    policy_version: int | None = None        # the approval policy version recorded at submission
    required_approvals: int | None = None    # recorded at submission
    required_role: str | None = None         # recorded at submission
    signer_id: int | None = None
    batch_id: int | None = None              # the imported batch file this payment is a line of (migration 0008)

    @property
    def payment_type(self) -> str:
        return URGENCY_URGENT if self.urgent else URGENCY_NORMAL


@dataclass(frozen=True)
class Approval:
    """One decision (approved / rejected), bound to the content hash it saw. Voided approvals stay in history."""

    id: int
    payment_id: int
    approver_id: int
    approver_name: str
    level: int                 # sequence number of the decision on this payment (1, 2, 3 …, never reused)
    decision: str              # "approved" | "rejected"
    content_hash: str
    comment: str | None
    at: datetime
    voided_at: datetime | None = None
    void_reason: str | None = None
    approver_role: str | None = None   # the policy's named role, when the approver held it at approval time

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None


@dataclass(frozen=True)
class StatusChange:
    seq: int
    from_status: PaymentStatus | None
    to_status: PaymentStatus
    at: datetime
    actor: str
    detail: str | None = None


@dataclass(frozen=True)
class PaymentDetail:
    payment: PaymentRequest
    approvals: list[Approval]
    history: list[StatusChange]
    payee: Payee
    account: BankAccount
    warnings: list[Problem] = field(default_factory=list)
    required_approvals: int = 1
    required_role: str | None = None

    @property
    def active_approvals(self) -> list[Approval]:
        return [a for a in self.approvals if a.decision == "approved" and not a.is_void]


def business_today(now: datetime) -> date:
    """The banks' business date: China Standard Time (UTC+8, no daylight saving)."""
    return (now + timedelta(hours=8)).date()


def content_hash(account: BankAccount, payee: Payee, amount_minor: int, currency: str, purpose: str,
                 requested_date: date, urgent: bool) -> str:
    """SHA-256 (hex) of the canonical JSON of the exact content of a payment."""
    canonical = {
        "v": CONTENT_HASH_VERSION,
        "debit_account": account.account_number,
        "debit_bank_code": account.cnaps_code,
        "payee_account": payee.account_number,
        "payee_name": payee.name,
        "payee_bank_code": payee.cnaps_code,
        "amount_minor": int(amount_minor),
        "currency": currency,
        "purpose": purpose,
        "requested_date": requested_date.isoformat(),
        "urgent": bool(urgent),
    }
    text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _id(fields: Mapping[str, object], key: str, problems: list[Problem]) -> int | None:
    raw = fields.get(key)
    if raw is None or raw == "":
        problems.append(Problem(FIELD_REQUIRED, f"{key} is required", key))
        return None
    if isinstance(raw, bool):
        problems.append(Problem(FIELD_VALUE, f"{key} must be an id, not {raw!r}", key))
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 12:
        return int(raw)
    problems.append(Problem(FIELD_VALUE, f"{key} must be a record id, got {raw!r}", key))
    return None


def _date(fields: Mapping[str, object], today: date, problems: list[Problem]) -> date:
    raw = fields.get("requested_date")
    if raw is None or raw == "":
        return today
    if isinstance(raw, datetime):
        problems.append(Problem(DATE_FORMAT, "the execution date must be a date, not a date and time",
                                "requested_date"))
        return today
    if isinstance(raw, date):
        value = raw
    elif isinstance(raw, str) and _ISO_DATE.fullmatch(raw.strip(" ")):
        try:
            value = date.fromisoformat(raw.strip(" "))
        except ValueError:
            problems.append(Problem(DATE_FORMAT, f"{raw!r} is not a calendar date", "requested_date"))
            return today
    else:
        problems.append(Problem(DATE_FORMAT, f"the execution date must be written YYYY-MM-DD, got {raw!r}",
                                "requested_date"))
        return today
    if value < today:
        problems.append(Problem(DATE_PAST, f"the execution date {value.isoformat()} is in the past (today is "
                                f"{today.isoformat()})", "requested_date"))
    elif value > today + timedelta(days=MAX_DAYS_AHEAD):
        problems.append(Problem(DATE_RANGE, f"the execution date may be at most {MAX_DAYS_AHEAD} days ahead",
                                "requested_date"))
    return value


def _urgent(fields: Mapping[str, object], problems: list[Problem]) -> bool:
    raw = fields.get("urgent", False)
    if raw is None or raw is False or raw is True:
        return bool(raw)
    if isinstance(raw, str) and raw in (URGENCY_NORMAL, URGENCY_URGENT):
        return raw == URGENCY_URGENT
    problems.append(Problem(FIELD_VALUE, f"urgent must be true or false, got {raw!r}", "urgent"))
    return False


def parse_payment_fields(fields: Mapping[str, object], today: date) -> tuple[dict, list[Problem]]:
    """Voucher form → (normalized fields, problems). Ledger checks (account, payee, currency) are the service's.

    Normalized keys: debit_account_id, payee_id, amount_minor, currency (None when not given), purpose,
    requested_date, urgent, amount_in_words.
    """
    problems = [Problem(FIELD_UNKNOWN, f"unknown field {k!r}", str(k)) for k in fields if k not in PAYMENT_FIELDS]
    account_id = _id(fields, "debit_account_id", problems)
    payee_id = _id(fields, "payee_id", problems)
    money, amount_problems = check_amount(fields.get("amount") if fields.get("amount") is not None else "",
                                          field="amount")
    problems += amount_problems
    amount_minor = money.amount_minor if money is not None else None
    words = fields.get("amount_in_words")
    if isinstance(words, str) and words.strip(" \u3000"):
        if amount_minor is not None:
            problems += check_amount_in_words(amount_minor, words, field="amount_in_words")
    elif words not in (None, ""):
        problems.append(Problem(FIELD_VALUE, "the amount in words must be text", "amount_in_words"))
    purpose_raw = fields.get("purpose")
    purpose = normalize_text(purpose_raw) if isinstance(purpose_raw, str) else ""
    if purpose_raw is not None and not isinstance(purpose_raw, str):
        problems.append(Problem(FIELD_VALUE, "the purpose must be text", "purpose"))
    else:
        problems += check_text(purpose, "purpose", required=True, encoding=PURPOSE_ENCODING,
                               max_bytes=PURPOSE_MAX_BYTES)
    currency = fields.get("currency")
    if currency in (None, ""):
        currency = None
    elif not (isinstance(currency, str) and re.fullmatch(r"[A-Z]{3}", currency, re.ASCII)):
        problems.append(Problem(CURRENCY, f"the currency must be a 3-letter ISO code such as CNY, got {currency!r}",
                                "currency"))
        currency = None
    clean = {
        "debit_account_id": account_id,
        "payee_id": payee_id,
        "amount_minor": amount_minor,
        "currency": currency,
        "purpose": purpose,
        "requested_date": _date(fields, today, problems),
        "urgent": _urgent(fields, problems),
        "amount_in_words": words if isinstance(words, str) else None,
    }
    return clean, problems


def check_against_ledger(clean: Mapping[str, object], account: BankAccount | None,
                         payee: Payee | None) -> list[Problem]:
    """Problems of the account / payee / currency once they are read from the ledger."""
    problems: list[Problem] = []
    if clean.get("debit_account_id") is not None:
        if account is None:
            problems.append(Problem(ACCOUNT_FORMAT, f"no bank account with id {clean['debit_account_id']}",
                                    "debit_account_id"))
        elif not account.is_active:
            problems.append(Problem(ACCOUNT_INACTIVE, f"the account {account.account_number} is deactivated",
                                    "debit_account_id"))
    if clean.get("payee_id") is not None:
        if payee is None:
            problems.append(Problem(FIELD_VALUE, f"no payee with id {clean['payee_id']}", "payee_id"))
        elif not payee.is_active:
            problems.append(Problem(PAYEE_INACTIVE, f"the payee {payee.name} is deactivated", "payee_id"))
    if account is not None and payee is not None and account.account_number == payee.account_number:
        problems.append(Problem(ACCOUNT_FORMAT, "the payee account is the debit account itself (payee = payer)",
                                "payee_id"))
    currency = clean.get("currency")
    if account is not None and currency is not None and currency != account.currency:
        problems.append(Problem(CURRENCY, f"the account {account.account_number} is held in {account.currency}; "
                                f"a payment from it cannot be in {currency}", "currency"))
    return problems


def duplicate_warning(others: list[PaymentRequest], window_days: int) -> Problem | None:
    """DUPLICATE_SUSPECT (a warning) when ``others`` (same payee and amount, nearby dates) is not empty."""
    if not others:
        return None
    ids = ", ".join(str(p.id) for p in others[:5])
    return Problem(DUPLICATE_SUSPECT, f"a payment of the same amount to the same payee exists within "
                   f"{window_days} days (payment {ids}); save again with the duplicate override if it is intended",
                   "amount", Severity.WARNING, params={"payment_ids": [p.id for p in others],
                                                        "window_days": window_days})
