"""Strict decimal amount strings <-> integer minor units (never float)."""

from __future__ import annotations

import re

# ASCII only: Decimal() would accept full-width digits, '1_000', '1e2', 'NaN' ...
_AMOUNT_RE = re.compile(r"\A(0|[1-9][0-9]{0,14})(?:\.([0-9]{1,2}))?\Z")


class AmountError(ValueError):
    """A wire amount that is not a plain positive decimal with at most two decimals."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


def parse_amount(text: str | None, *, allow_zero: bool = False) -> int:
    """'123.45' -> 12345. Raises AmountError(FMT_AMOUNT | AMOUNT_NOT_POSITIVE)."""
    if text is None:
        raise AmountError("FMT_AMOUNT", "amount missing")
    match = _AMOUNT_RE.match(text)
    if not match:
        raise AmountError("FMT_AMOUNT", f"not a decimal amount with at most 2 decimals: {text!r}")
    units, frac = match.group(1), match.group(2) or ""
    minor = int(units) * 100 + int(frac.ljust(2, "0") or "0")
    if minor == 0 and not allow_zero:
        raise AmountError("AMOUNT_NOT_POSITIVE", "amount must be greater than zero")
    return minor


def format_amount(minor: int) -> str:
    """12345 -> '123.45'; -5 -> '-0.05'."""
    sign = "-" if minor < 0 else ""
    value = abs(minor)
    return f"{sign}{value // 100}.{_CENTS[value % 100]}"


_CENTS = tuple(f"{i:02d}" for i in range(100))  # "00".."99" (a format spec per amount cost more than the rest)
