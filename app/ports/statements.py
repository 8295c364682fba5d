"""Bank statements read from files (camt.052/053/054, MT940/MT942): the value types every reader produces and the
:class:`StatementReader` protocol the statement-import service depends on.

Readers live in ``bank_plugins`` (``bank_plugins/iso20022/camt.py``, ``bank_plugins/iso20022/mt940.py``);
app/bootstrap.py hands them to ``app.services.statements.StatementService``.

Money is integer minor units of the entry's currency (ISO 4217 exponent: 2 for EUR and CNY, 0 for JPY and KRW,
3 for BHD and KWD — see :func:`currency_exponent`), signed: credits positive, debits negative. Text becomes an
amount only through :func:`minor_units`, which refuses anything that would lose a digit (``66.0000000000001``
in EUR is an error, never 66.00); trailing zeros (``18.150``) are exact and accepted.

A reader reports what is wrong with a readable file as :class:`~app.domain.errors.Problem` values whose
``field`` is the element path (``Stmt[1]/Ntry[3]/NtryDtls/TxDtls[2]/Amt``, ``statement 2 :61: line 14``).
A file with any error-severity problem must not be imported; warnings (bad IBAN checksum, missing booking
status...) are shown and the file still imports. A file that cannot be read at all (not XML, a DOCTYPE, an
unknown camt version, not a statement) raises :class:`StatementFileError` with a precise code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple, Protocol

from app.domain.errors import DomainError, Problem, Severity

# Error codes (file level, raised as StatementFileError)
FILE_NOT_FOUND = "FILE_NOT_FOUND"
FILE_SIZE = "FILE_SIZE"
FILE_XML = "FILE_XML"            # malformed, DOCTYPE / entities, UTF-16
FILE_ENCODING = "FILE_ENCODING"  # neither UTF-8 nor GB18030
FILE_FORMAT = "FILE_FORMAT"      # not a statement format we read
STATEMENT_VERSION = "STATEMENT_VERSION"  # camt version we do not read
# Problem codes (inside a readable file)
AMOUNT_FORMAT = "AMOUNT_FORMAT"
AMOUNT_SCALE = "AMOUNT_SCALE"    # more decimals than the currency has (non-zero digits)
CURRENCY_FORMAT = "CURRENCY_FORMAT"
DATE_FORMAT = "DATE_FORMAT"
FIELD_MISSING = "FIELD_MISSING"
FIELD_VALUE = "FIELD_VALUE"
BATCH_SUM = "BATCH_SUM"          # transaction details do not add up to their entry
BALANCE_MISMATCH = "BALANCE_MISMATCH"  # opening + entries != closing
IBAN_CHECKSUM = "IBAN_CHECKSUM"  # warning only
NO_STATEMENTS = "NO_STATEMENTS"

BOOKED, PENDING, INFO = "BOOK", "PDNG", "INFO"

# ISO 4217 minor-unit exponents that are not 2.
_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
                     "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)
MAX_INTEGER_DIGITS = 18


def currency_exponent(currency: str) -> int:
    """Decimal places of the currency's minor unit (ISO 4217); 2 for every code not listed otherwise."""
    return _EXPONENTS.get(currency, 2)


def valid_currency(currency: str) -> bool:
    return bool(_CURRENCY.fullmatch(currency or ""))


def minor_units(whole: str, fraction: str, currency: str) -> int:
    """ASCII digit strings (already split at the decimal mark) → minor units of ``currency``.

    Raises ``ValueError`` with the reason: non-digits, too many integer digits, or a non-zero digit beyond the
    currency's exponent (trailing zeros are exact and accepted)."""
    if not whole.isascii() or not whole.isdigit() or (fraction and not (fraction.isascii() and fraction.isdigit())):
        raise ValueError("not a plain decimal number")
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise ValueError(f"more than {MAX_INTEGER_DIGITS} digits before the decimal mark")
    exponent = currency_exponent(currency)
    if len(fraction) > exponent:
        extra = fraction[exponent:]
        if extra.strip("0"):
            raise OverflowError(f"{len(fraction.rstrip('0'))} decimals, but {currency} has {exponent}")
        fraction = fraction[:exponent]
    return int(whole + fraction.ljust(exponent, "0"))


def format_minor(amount_minor: int, currency: str, *, grouping: bool = True) -> str:
    """``-1,234.56`` with the currency's own number of decimals (``1,234`` for JPY)."""
    exponent = currency_exponent(currency)
    sign = "-" if amount_minor < 0 else ""
    major, minor = divmod(abs(amount_minor), 10 ** exponent)
    head = f"{major:,}" if grouping else str(major)
    return f"{sign}{head}.{minor:0{exponent}d}" if exponent else f"{sign}{head}"


# -- values ----------------------------------------------------------------------------------------------------

class StatementEntry(NamedTuple):
    """One booking line. A batched camt entry with N transaction details becomes N entries (``batch_ref`` and
    ``entry_ref`` tie them together); their amounts add up to the bank's entry amount (checked).

    A NamedTuple (immutable, compact, cheap to build: a 100,000-entry statement is read in seconds)."""

    entry_id: str                  # the de-duplication key, stable across re-imports (≤ 64 chars)
    booking_date: date
    amount_minor: int              # signed: credit > 0, debit < 0 (the booking direction, reversals included)
    currency: str
    credit: bool
    value_date: date | None = None
    booking_time: str = ""         # HHMMSS when the bank gave a time
    reversal: bool = False         # RvslInd / MT940 RC, RD
    status: str = BOOKED           # BOOK, PDNG, INFO
    bank_code: str = ""            # PMNT/RCDT/ESCT, or the proprietary code / MT940 GVC
    counterparty_name: str = ""
    counterparty_account: str = ""
    end_to_end_id: str = ""        # our client reference when the entry is one of our payments
    account_servicer_ref: str = ""  # the bank's reference of the entry / transaction
    entry_ref: str = ""            # NtryRef, MT940 :61: customer reference
    batch_ref: str = ""            # PmtInfId or batch MsgId of a batched entry
    remittance: str = ""           # unstructured remittance information
    creditor_reference: str = ""   # structured creditor reference (RF..., ESR/QR, SCOR)
    return_reason: str = ""        # RtrInf/Rsn/Cd (AC01, MS03 ...)
    charges_minor: int | None = None  # charges reported on the entry / transaction (unsigned)
    additional_info: str = ""      # AddtlNtryInf / AddtlTxInf / MT940 :86: text
    source: str = ""               # element path or line, for messages

    @property
    def booked(self) -> bool:
        return self.status == BOOKED

    def narrative(self) -> str:
        """One line for the transactions table: return reason, references, remittance, extra text."""
        parts = []
        if self.reversal:
            parts.append("REVERSAL")
        if self.return_reason:
            parts.append(f"RETURN {self.return_reason}")
        for text in (self.creditor_reference, self.remittance, self.additional_info):
            if text and text not in parts:
                parts.append(text)
        if self.charges_minor:
            parts.append(f"charges {format_minor(self.charges_minor, self.currency)}")
        return " | ".join(parts)


@dataclass(frozen=True, slots=True)
class Balance:
    code: str                      # OPBD, CLBD, ITBD, CLAV, PRCD... (MT940: 60F/60M→OPBD, 62F/62M→CLBD, 64→CLAV)
    amount_minor: int              # signed
    currency: str
    on: date | None = None


@dataclass(frozen=True)
class Statement:
    statement_id: str
    account: str                   # IBAN or the bank's own account number, as in the file
    currency: str
    entries: tuple[StatementEntry, ...]
    balances: tuple[Balance, ...] = ()
    account_aliases: tuple[str, ...] = ()  # other forms of the account (BBAN, local number) for matching
    account_name: str = ""
    period_from: date | None = None
    period_to: date | None = None
    created_at: datetime | None = None
    sequence: str = ""             # ElctrncSeqNb / LglSeqNb / MT940 :28C:
    kind: str = ""                 # camt.053.001.08, MT940 ...
    index: int = 1                 # 1-based position in the file

    def _first(self, *codes: str) -> Balance | None:
        for code in codes:
            found = [b for b in self.balances if b.code == code]
            if found:
                return found[0] if code != "ITBD" else min(found, key=lambda b: b.on or date.max)
        return None

    @property
    def opening(self) -> Balance | None:
        return self._first("OPBD", "PRCD") or (self._interims()[0] if len(self._interims()) > 1 else None)

    @property
    def closing(self) -> Balance | None:
        found = [b for b in self.balances if b.code == "CLBD"]
        if found:
            return found[-1]
        interims = self._interims()
        return interims[-1] if interims and (len(interims) > 1 or self._first("OPBD", "PRCD")) else None

    def _interims(self) -> list[Balance]:
        return sorted((b for b in self.balances if b.code == "ITBD"), key=lambda b: b.on or date.min)

    @property
    def opening_minor(self) -> int | None:
        b = self.opening
        return None if b is None else b.amount_minor

    @property
    def closing_minor(self) -> int | None:
        b = self.closing
        return None if b is None else b.amount_minor

    @property
    def booked(self) -> tuple[StatementEntry, ...]:
        return tuple(e for e in self.entries if e.booked)

    def totals(self) -> tuple[int, int]:
        """(credits, debits) of the booked entries in the statement currency; debits as a negative number."""
        credits = sum(e.amount_minor for e in self.entries if e.booked and e.amount_minor > 0
                      and e.currency == self.currency)
        debits = sum(e.amount_minor for e in self.entries if e.booked and e.amount_minor < 0
                     and e.currency == self.currency)
        return credits, debits

    @property
    def label(self) -> str:
        return f"statement {self.index} ({self.statement_id or 'no id'}, account {self.account or '?'})"


@dataclass(frozen=True)
class StatementFile:
    format: str                    # camt.053.001.08, camt.052.001.02, MT940, MT942
    statements: tuple[Statement, ...]
    problems: tuple[Problem, ...] = ()
    message_id: str = ""
    created_at: datetime | None = None
    encoding: str = "utf-8"

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def entry_count(self) -> int:
        return sum(len(s.entries) for s in self.statements)


class StatementFileError(DomainError):
    """The file cannot be read as a statement at all; nothing of it is used. ``code`` is one of FILE_*,
    STATEMENT_VERSION."""


class ProblemCollector:
    """Collects problems with a cap per code (a 100,000-entry file with one systematic fault reports the first
    ``per_code`` occurrences and then how many more there were)."""

    def __init__(self, per_code: int = 50):
        self._per_code = per_code
        self._items: list[Problem] = []
        self._counts: dict[tuple[str, Severity], int] = {}

    def add(self, code: str, message: str, path: str | None = None, *, warning: bool = False) -> None:
        severity = Severity.WARNING if warning else Severity.ERROR
        key = (code, severity)
        n = self._counts.get(key, 0) + 1
        self._counts[key] = n
        if n <= self._per_code:
            self._items.append(Problem(code, message, path, severity))

    def error(self, code: str, message: str, path: str | None = None) -> None:
        self.add(code, message, path)

    def warning(self, code: str, message: str, path: str | None = None) -> None:
        self.add(code, message, path, warning=True)

    @property
    def error_count(self) -> int:
        return sum(n for (_code, sev), n in self._counts.items() if sev is Severity.ERROR)

    @property
    def has_errors(self) -> bool:
        return any(sev is Severity.ERROR for _code, sev in self._counts)

    def problems(self) -> tuple[Problem, ...]:
        out = list(self._items)
        for (code, severity), n in self._counts.items():
            if n > self._per_code:
                out.append(Problem(code, f"… and {n - self._per_code} more problems of this kind ({n} in all)",
                                   None, severity))
        return tuple(out)


# -- the reader port ---------------------------------------------------------------------------------------------

Progress = Callable[[int], None]   # called now and then with the number of entries read so far


class StatementReader(Protocol):
    name: str                      # "camt", "mt940"

    def sniff(self, head: bytes) -> bool:
        """True when the first bytes of a file (up to 64 KiB) look like this reader's format."""
        ...

    def read(self, path: Path, *, progress: Progress | None = None) -> StatementFile:
        """Read the whole file. Raises :class:`StatementFileError` when it cannot be read at all; problems of a
        readable file (bad amounts, sums that do not add up, IBAN warnings) are in ``StatementFile.problems``."""
        ...


def problem_dicts(problems: tuple[Problem, ...] | list[Problem]) -> list[dict]:
    return [p.to_dict() for p in problems]
