"""Chinese banking identifiers: CNAPS bank codes (联行号), account numbers, 统一社会信用代码 (USCC).

Each ``check_*`` function returns a list of :class:`Problem` (empty when valid) and never raises on bad
input. Error codes: BANK_CODE, BANK_CODE_CHECK (warning), ACCOUNT_FORMAT, ACCOUNT_LUHN (warning), ORG_ID.
"""

from __future__ import annotations

from app.domain.bank_codes import BANK_CATEGORIES
from app.domain.errors import Problem, Severity

BANK_CODE = "BANK_CODE"
BANK_CODE_CHECK = "BANK_CODE_CHECK"
ACCOUNT_FORMAT = "ACCOUNT_FORMAT"
ACCOUNT_LUHN = "ACCOUNT_LUHN"
ORG_ID = "ORG_ID"

_ASCII_DIGITS = frozenset("0123456789")


def _is_ascii_digits(s: str) -> bool:
    return bool(s) and s.isascii() and s.isdigit()


def _describe(ch: str) -> str:
    return f"'{ch}' (U+{ord(ch):04X})" if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"


# ------------------------------------------------------------------------------------------ CNAPS 联行号
def cnaps_check_digit(first11: str) -> str:
    """ISO 7064 MOD 11,10 check digit over the first 11 digits of a CNAPS code."""
    if len(first11) != 11 or not _is_ascii_digits(first11):
        raise ValueError("a CNAPS check digit is computed over exactly 11 ASCII digits")
    product = 10
    for ch in first11:
        total = (int(ch) + product) % 10 or 10
        product = (total * 2) % 11
    return str((11 - product) % 10)


def check_cnaps(code: object, field: str = "cnaps_code") -> list[Problem]:
    """BANK_CODE error when not 12 ASCII digits or an unknown bank category; BANK_CODE_CHECK warning on a
    check-digit mismatch (the algorithm is empirical, see PROTOCOLS.md)."""
    if not isinstance(code, str) or len(code) != 12 or not _is_ascii_digits(code):
        shown = code if isinstance(code, str) else type(code).__name__
        return [Problem(BANK_CODE, f"the bank code (联行号) must be exactly 12 digits 0-9; got {shown!r}", field,
                        params={"value": shown})]
    category = code[:3]
    if category not in BANK_CATEGORIES:
        return [Problem(BANK_CODE, f"the bank code {code} starts with {category}, which is not a known bank "
                        "category (行别代码)", field, params={"category": category})]
    expected = cnaps_check_digit(code[:11])
    if code[11] != expected:
        return [Problem(BANK_CODE_CHECK, f"the last digit of bank code {code} does not match its check digit "
                        f"(expected {expected}); please double-check the code against the bank's list",
                        field, Severity.WARNING, params={"expected": expected})]
    return []


# ----------------------------------------------------------------------------------------- account numbers
ACCOUNT_LENGTHS = {"corporate": (8, 32), "personal": (10, 30)}


def normalize_account_number(text: str) -> str:
    """Strip leading/trailing ASCII spaces only; inner spaces are an error, never silently removed."""
    return text.strip(" ")


def luhn_valid(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def check_account_number(number: object, *, kind: str = "corporate", field: str = "account_number") -> list[Problem]:
    """ACCOUNT_FORMAT for anything but 8–32 (corporate) / 10–30 (personal) ASCII digits; a personal card
    failing Luhn gives an ACCOUNT_LUHN warning. Corporate accounts are never Luhn-checked."""
    kind_value = getattr(kind, "value", kind)
    if kind_value not in ACCOUNT_LENGTHS:
        raise ValueError(f"unknown account kind: {kind!r}")
    if not isinstance(number, str) or not number:
        return [Problem(ACCOUNT_FORMAT, "the account number is required", field)]
    problems: list[Problem] = []
    if number != number.strip():
        problems.append(Problem(ACCOUNT_FORMAT, "the account number has spaces at the start or end", field))
    inner = number.strip()
    if any(ch.isspace() for ch in inner):
        lead = len(number) - len(number.lstrip())
        pos = lead + next(i for i, ch in enumerate(inner) if ch.isspace())
        problems.append(Problem(ACCOUNT_FORMAT, f"the account number contains a space inside (position {pos + 1});"
                                " write the digits without spaces", field, params={"position": pos + 1}))
    bad = [(i, ch) for i, ch in enumerate(number) if not ch.isspace() and ch not in _ASCII_DIGITS]
    if bad:
        i, ch = bad[0]
        problems.append(Problem(ACCOUNT_FORMAT, f"the account number may contain only digits 0-9; found "
                                f"{_describe(ch)} at position {i + 1}", field, params={"position": i + 1}))
    if problems:
        return problems
    low, high = ACCOUNT_LENGTHS[kind_value]
    if not low <= len(number) <= high:
        return [Problem(ACCOUNT_FORMAT, f"a {kind_value} account number has {low} to {high} digits; "
                        f"this one has {len(number)}", field, params={"min": low, "max": high})]
    if kind_value == "personal" and not luhn_valid(number):
        return [Problem(ACCOUNT_LUHN, "this card number fails the Luhn check digit; please double-check it",
                        field, Severity.WARNING)]
    return []


# ------------------------------------------------------------------------------- 统一社会信用代码 (USCC)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character over the first 17 characters."""
    if len(first17) != 17 or any(ch not in _USCC_VALUE for ch in first17):
        raise ValueError("a USCC check character is computed over 17 characters of 0-9 A-H J-N P-R T U W-Y")
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(code: object, field: str = "uscc") -> list[Problem]:
    """ORG_ID for a wrong length, a character outside 0-9 A-H J-N P-R T U W-Y, or a wrong check character."""
    if not isinstance(code, str) or len(code) != 18:
        n = len(code) if isinstance(code, str) else 0
        return [Problem(ORG_ID, f"the unified social credit code (统一社会信用代码) has 18 characters; "
                        f"this one has {n}", field, params={"length": n})]
    bad = [(i, ch) for i, ch in enumerate(code) if ch not in _USCC_VALUE]
    if bad:
        i, ch = bad[0]
        hint = " (use upper-case letters)" if ch.isascii() and ch.isalpha() and ch.upper() in _USCC_VALUE else ""
        return [Problem(ORG_ID, f"the unified social credit code contains {_describe(ch)} at position {i + 1}; "
                        f"only 0-9 and A-H J-N P-R T U W-Y are used{hint}", field, params={"position": i + 1})]
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return [Problem(ORG_ID, f"the unified social credit code {code} has a wrong check character "
                        f"(the last character should be {expected}); please check for a typo", field,
                        params={"expected": expected})]
    return []
