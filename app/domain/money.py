"""Money: an integer count of minor units plus an ISO currency code, and the one strict amount parser.

Text becomes money only through :func:`parse_amount` / :func:`check_amount` (DESIGN.md rule 1,
RELIABILITY.md §2). The accepted grammar is exactly ``[0-9]+(\\.[0-9]{1,2})?`` in ASCII, after removing
plain ASCII spaces at both ends. Nothing else is accepted: no sign, no exponent, no separators, no NaN,
no non-ASCII digits, no other whitespace. ``Decimal()`` and ``float()`` are never called on the text
(``Decimal`` silently accepts ``'１２３'``, ``'1_000'``, ``'NaN'`` and a trailing NBSP).

Error codes: AMOUNT_FORMAT, AMOUNT_SCALE, AMOUNT_RANGE, AMOUNT_NOT_POSITIVE, AMOUNT_SEPARATOR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.errors import Problem, ValidationFailed

DEFAULT_MAX_MINOR = 10**15
# With ``max_minor=None`` there is still a hard ceiling on the number of integer digits, so a huge
# string never reaches int() (and never hits Python's int/str conversion limit).
ABSOLUTE_MAX_INTEGER_DIGITS = 30

AMOUNT_FORMAT = "AMOUNT_FORMAT"
AMOUNT_SCALE = "AMOUNT_SCALE"
AMOUNT_RANGE = "AMOUNT_RANGE"
AMOUNT_NOT_POSITIVE = "AMOUNT_NOT_POSITIVE"
AMOUNT_SEPARATOR = "AMOUNT_SEPARATOR"

AMOUNT_PATTERN = r"[0-9]+(?:\.[0-9]{1,2})?"

_GRAMMAR = re.compile(r"([0-9]+)(?:\.([0-9]{1,2}))?", re.ASCII)
_TOO_MANY_DECIMALS = re.compile(r"[0-9]+\.[0-9]{3,}", re.ASCII)
# Grouped digits (1,000 / 1 000 / 1'000 / 1_000 / 1.000,00 / 1 000,00) or a decimal comma (1000,50).
_GROUP_SEPARATORS = ",' _.\u00a0\u202f\u2009"
_NUMERIC_CHARS = frozenset("0123456789" + _GROUP_SEPARATORS)
_SEPARATOR_CHECK_MAX_LEN = 64
_SEPARATED = re.compile(
    r"[0-9]{1,3}(?:[" + _GROUP_SEPARATORS + r"][0-9]{3})+(?:[.,][0-9]+)?"
    r"|[0-9]+(?:_[0-9]+)+(?:\.[0-9]+)?"
    r"|[0-9]+,[0-9]{1,2}",
    re.ASCII,
)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units (fen for CNY). Never a float."""

    amount_minor: int
    currency: str = "CNY"

    def __post_init__(self) -> None:
        if type(self.amount_minor) is not int:
            raise TypeError(f"amount_minor must be an int, not {type(self.amount_minor).__name__}")
        if not isinstance(self.currency, str) or not self.currency:
            raise TypeError("currency must be a non-empty string")

    def format(self) -> str:
        """``1,234,567.89`` — thousands separators, two decimals, a minus sign for negatives."""
        return format_amount(self.amount_minor)

    def _same_currency(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        o = self._same_currency(other)
        return Money(self.amount_minor + o.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        o = self._same_currency(other)
        return Money(self.amount_minor - o.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def __str__(self) -> str:
        return f"{self.format()} {self.currency}"


# Fast construction for the parser's happy path: the slot descriptors set the fields directly, skipping
# the frozen dataclass __init__ (whose cost would dominate parsing). Only values already known to be
# an int and a non-empty str go through here (see parse_amount).
_new_object = object.__new__
_set_amount = Money.__dict__["amount_minor"].__set__
_set_currency = Money.__dict__["currency"].__set__


def format_amount(amount_minor: int) -> str:
    """Format minor units as ``-1,234,567.89`` (integer arithmetic only)."""
    if type(amount_minor) is not int:
        raise TypeError(f"amount_minor must be an int, not {type(amount_minor).__name__}")
    sign = "-" if amount_minor < 0 else ""
    major, minor = divmod(abs(amount_minor), 100)
    return f"{sign}{major:,}.{minor:02d}"


def _max_integer_digits(max_minor: int | None) -> int:
    if max_minor is None:
        return ABSOLUTE_MAX_INTEGER_DIGITS
    return max(1, len(str(max_minor)) - 2)


def parse_amount(text: str, currency: str = "CNY", *, max_minor: int | None = DEFAULT_MAX_MINOR,
                 field: str = "amount") -> Money:
    """Parse a strictly formatted positive amount; raise ValidationFailed with the specific code."""
    # Happy path without exceptions or regex: plain "123" / "123.4" / "123.45". Anything else, and every
    # error, goes through check_amount, which explains the problem.
    if text.__class__ is str and text.isascii():
        whole, dot, frac = text.partition(".")
        if whole.isdigit() and len(whole) <= 13:
            if not dot:
                value = int(whole) * 100
            elif len(frac) == 2 and frac.isdigit():
                value = int(whole + frac)
            elif len(frac) == 1 and frac.isdigit():
                value = int(whole + frac) * 10
            else:
                value = 0
            if 0 < value and (max_minor is None or value <= max_minor) and currency.__class__ is str and currency:
                money = _new_object(Money)
                _set_amount(money, value)
                _set_currency(money, currency)
                return money
    money, problems = check_amount(text, currency, max_minor=max_minor, field=field)
    if problems:
        raise ValidationFailed(problems)
    assert money is not None
    return money


def check_amount(text: object, currency: str = "CNY", *, max_minor: int | None = DEFAULT_MAX_MINOR,
                 field: str = "amount") -> tuple[Money | None, list[Problem]]:
    """Validate amount text; return ``(Money, [])`` or ``(None, [problem])`` — never raises on bad text."""

    def problem(code: str, message: str, **params: object) -> tuple[None, list[Problem]]:
        return None, [Problem(code, message, field, params=dict(params))]

    if not isinstance(text, str):
        return problem(AMOUNT_FORMAT, f"the amount must be text, not {type(text).__name__}")
    s = text.strip(" ")
    if not s:
        return problem(AMOUNT_FORMAT, "the amount is empty")
    max_digits = _max_integer_digits(max_minor)
    m = _GRAMMAR.fullmatch(s)
    if m is not None:
        whole, frac = m.group(1), m.group(2) or ""
        significant = whole.lstrip("0")
        limit_text = format_amount(max_minor) if max_minor is not None else None
        if len(significant) > max_digits:
            return problem(AMOUNT_RANGE, _range_message(max_minor), max_minor=limit_text,
                           digits=len(significant))
        value = int((significant or "0") + frac.ljust(2, "0"))
        if value == 0:
            return problem(AMOUNT_NOT_POSITIVE, "the amount must be greater than zero")
        if max_minor is not None and value > max_minor:
            return problem(AMOUNT_RANGE, _range_message(max_minor), max_minor=limit_text)
        return Money(value, currency), []
    return problem(*_diagnose(s))


def _range_message(max_minor: int | None) -> str:
    if max_minor is None:
        return f"the amount is too large (more than {ABSOLUTE_MAX_INTEGER_DIGITS} digits before the decimal point)"
    return f"the amount is larger than the allowed maximum of {format_amount(max_minor)}"


def _diagnose(s: str) -> tuple[str, str]:
    """Explain why ``s`` (already stripped, not matching the grammar) is not an amount."""
    if s[0] == "-" and _looks_numeric(s[1:]):
        return AMOUNT_NOT_POSITIVE, "the amount must be greater than zero (negative amounts are not allowed)"
    if _TOO_MANY_DECIMALS.fullmatch(s):
        return AMOUNT_SCALE, "the amount has more than 2 decimal places; it is never rounded, please correct it"
    # Length cap: realistic grouped amounts are short, and it bounds the regex's backtracking.
    if len(s) <= _SEPARATOR_CHECK_MAX_LEN and _SEPARATED.fullmatch(s):
        return (AMOUNT_SEPARATOR, "digit group or decimal-comma separators are not accepted here "
                "(write 1000.00); to import such amounts use an import profile that declares the separators")
    return AMOUNT_FORMAT, _format_reason(s)


def _looks_numeric(s: str) -> bool:
    return bool(s) and all(ch in _NUMERIC_CHARS for ch in s) and any("0" <= ch <= "9" for ch in s)


def _format_reason(s: str) -> str:
    plain = "use ASCII digits 0-9 and an optional '.' with 1 or 2 decimals, e.g. 1234.56"
    lowered = s.lower()
    if s.startswith("+"):
        return f"the amount must not carry a '+' sign; {plain}"
    if lowered in ("nan", "-nan", "+nan", "snan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"):
        return f"'{s}' is not an amount; {plain}"
    if lowered.startswith(("0x", "0o", "0b")):
        return f"hexadecimal, octal or binary notation is not accepted; {plain}"
    if any(ch.isdigit() and not ("0" <= ch <= "9") for ch in s):
        return f"the amount contains non-ASCII digits (e.g. full-width or Arabic-Indic); {plain}"
    if any(ch.isspace() for ch in s):
        return f"the amount contains a space or invisible whitespace character inside or at an end; {plain}"
    if any("0" <= ch <= "9" for ch in s) and ("e" in lowered) and all(
            ch in "0123456789.eE+-" for ch in s):
        return f"exponent notation (like 1e2) is not accepted; {plain}"
    if s.startswith(".") or s.endswith("."):
        return f"the amount needs digits on both sides of the decimal point; {plain}"
    if not s.isascii() and not any("0" <= ch <= "9" for ch in s):
        return f"the amount must be written in figures, not in words; {plain}"
    return f"the amount is not a plain number; {plain}"
