"""Form validators: ``(normalized_fields, problems)`` with *all* problems at once (beancount style).

``Problem.field`` is always the form key (see master_data.*_FIELDS). Unknown keys → FIELD_UNKNOWN; a bad
enumerated value → FIELD_VALUE. The normalized dict holds every field of the form (missing optional ones as
"" or None) and is meant to be stored only when ``errors_only(problems)`` is empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from app.domain.errors import Problem
from app.domain.identifiers import (
    ACCOUNT_FORMAT,
    BANK_CODE,
    check_account_number,
    check_cnaps,
    check_uscc,
    normalize_account_number,
)
from app.domain.master_data import BANK_ACCOUNT_FIELDS, ORGANIZATION_FIELDS, PAYEE_FIELDS, AccountKind
from app.domain.text import check_text, normalize_text

FIELD_UNKNOWN = "FIELD_UNKNOWN"
FIELD_VALUE = "FIELD_VALUE"
CURRENCY = "CURRENCY"
USERNAME = "USERNAME"
PASSWORD_WEAK = "PASSWORD_WEAK"

BANK_ENCODING = "gbk"
NAME_MAX_BYTES = 60              # a name sent to a bank whose own limit is not known (and an account's name)
# A payee is not tied to one bank: its name is held to what the ledger stores (payees.name, 200 characters, as
# app.domain.batch_import.STORED_TEXT_MAX_CHARS) in GBK. The bank's own limit (CMB CRTNAM 200 GBK bytes, ISO 20022
# Nm 140 characters, else NAME_MAX_BYTES) is checked where the debit account, and so the bank, is known: at batch
# import, when a payment is saved or submitted (app.services.payments) and before signing.
PAYEE_NAME_MAX_CHARS = 200
BANK_NAME_MAX_BYTES = 60
BRANCH_NAME_MAX_BYTES = 120
ORG_NAME_MAX_BYTES = 100
PASSWORD_MIN_CHARS = 10

# Currencies a Chinese corporate account is commonly held in.
CURRENCIES = frozenset({"CNY", "USD", "EUR", "HKD", "JPY", "GBP", "AUD", "CAD", "CHF", "SGD", "KRW", "NZD",
                        "MOP", "TWD", "THB", "RUB", "SEK", "DKK", "NOK", "MYR"})

_USERNAME = re.compile(r"[a-z][a-z0-9_.-]{1,31}", re.ASCII)
_PLUGIN_ID = re.compile(r"[a-z][a-z0-9_]{1,40}", re.ASCII)
_CURRENCY_SHAPE = re.compile(r"[A-Z]{3}", re.ASCII)


def _unknown(fields: Mapping[str, object], allowed: Iterable[str]) -> list[Problem]:
    allowed = set(allowed)
    return [Problem(FIELD_UNKNOWN, f"unknown field {key!r}", str(key)) for key in fields if key not in allowed]


def _text(fields: Mapping[str, object], key: str, problems: list[Problem], *, required: bool,
          max_bytes: int | None, max_chars: int | None = None) -> str:
    """Normalize and check one text field; returns the normalized text ("" when missing)."""
    value = fields.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.append(Problem(FIELD_VALUE, f"expected text, got {type(value).__name__}", key))
        return ""
    value = normalize_text(value)
    problems += check_text(value, key, required=required, encoding=BANK_ENCODING, max_bytes=max_bytes,
                           max_chars=max_chars)
    return value


def _plain_string(fields: Mapping[str, object], key: str, problems: list[Problem]) -> str:
    value = fields.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(Problem(FIELD_VALUE, f"expected text, got {type(value).__name__}", key))
        return ""
    return value.strip(" ")


def _cnaps(fields: Mapping[str, object], problems: list[Problem]) -> str:
    code = _plain_string(fields, "cnaps_code", problems)
    if not code:
        problems.append(Problem(BANK_CODE, "the bank code (联行号) is required", "cnaps_code"))
    else:
        problems += check_cnaps(code, "cnaps_code")
    return code


def _account(fields: Mapping[str, object], problems: list[Problem], kind: AccountKind) -> str:
    value = fields.get("account_number")
    if value is not None and not isinstance(value, str):
        problems.append(Problem(ACCOUNT_FORMAT, f"the account number must be text, not {type(value).__name__}",
                                "account_number"))
        return ""
    number = normalize_account_number(value or "")
    problems += check_account_number(number, kind=kind.value, field="account_number")
    return number


def _optional_uscc(fields: Mapping[str, object], problems: list[Problem]) -> str | None:
    code = _plain_string(fields, "uscc", problems)
    if not code:
        return None
    if code.isascii():
        code = code.upper()
    problems += check_uscc(code, "uscc")
    return code


def _kind(fields: Mapping[str, object], problems: list[Problem]) -> AccountKind:
    raw = fields.get("kind")
    if raw is None or raw == "":
        return AccountKind.CORPORATE
    try:
        return AccountKind(raw)
    except ValueError:
        allowed = ", ".join(k.value for k in AccountKind)
        problems.append(Problem(FIELD_VALUE, f"the account kind must be one of {allowed}; got {raw!r}", "kind"))
        return AccountKind.CORPORATE


def validate_payee(fields: Mapping[str, object]) -> tuple[dict, list[Problem]]:
    """Payee form (PAYEE_FIELDS) → (normalized fields, problems). The name: GBK text of at most
    PAYEE_NAME_MAX_CHARS characters (TEXT_LENGTH beyond); each bank's own limit is checked where the bank is known."""
    problems = _unknown(fields, PAYEE_FIELDS)
    kind = _kind(fields, problems)
    clean = {
        "name": _text(fields, "name", problems, required=True, max_bytes=None, max_chars=PAYEE_NAME_MAX_CHARS),
        "account_number": _account(fields, problems, kind),
        "bank_name": _text(fields, "bank_name", problems, required=True, max_bytes=BANK_NAME_MAX_BYTES),
        "branch_name": _text(fields, "branch_name", problems, required=False, max_bytes=BRANCH_NAME_MAX_BYTES),
        "cnaps_code": _cnaps(fields, problems),
        "uscc": _optional_uscc(fields, problems),
        "kind": kind,
    }
    return clean, problems


def validate_bank_account(fields: Mapping[str, object]) -> tuple[dict, list[Problem]]:
    """Own bank account form (BANK_ACCOUNT_FIELDS) → (normalized fields, problems)."""
    problems = _unknown(fields, BANK_ACCOUNT_FIELDS)
    clean = {
        "bank_name": _text(fields, "bank_name", problems, required=True, max_bytes=BANK_NAME_MAX_BYTES),
        "branch_name": _text(fields, "branch_name", problems, required=False, max_bytes=BRANCH_NAME_MAX_BYTES),
        "cnaps_code": _cnaps(fields, problems),
        "account_number": _account(fields, problems, AccountKind.CORPORATE),
        "account_name": _text(fields, "account_name", problems, required=True, max_bytes=NAME_MAX_BYTES),
        "currency": _currency(fields, problems),
        "plugin_id": _plugin_id(fields, problems),
    }
    return clean, problems


def _currency(fields: Mapping[str, object], problems: list[Problem]) -> str:
    raw = fields.get("currency")
    if raw is None or raw == "":
        return "CNY"
    code = _plain_string(fields, "currency", problems)
    if not _CURRENCY_SHAPE.fullmatch(code):
        problems.append(Problem(CURRENCY, f"the currency must be a 3-letter upper-case ISO 4217 code such as CNY; "
                                f"got {raw!r}", "currency"))
    elif code not in CURRENCIES:
        problems.append(Problem(CURRENCY, f"the currency {code} is not supported; use one of "
                                f"{', '.join(sorted(CURRENCIES))}", "currency"))
    return code


def _plugin_id(fields: Mapping[str, object], problems: list[Problem]) -> str | None:
    plugin = _plain_string(fields, "plugin_id", problems)
    if not plugin:
        return None
    if not _PLUGIN_ID.fullmatch(plugin):
        problems.append(Problem(FIELD_VALUE, "a bank plugin id is 2 to 41 characters: a lower-case letter, then "
                                f"lower-case letters, digits or '_'; got {plugin!r}", "plugin_id"))
    return plugin


def validate_organization(fields: Mapping[str, object]) -> tuple[dict, list[Problem]]:
    """Organization form (ORGANIZATION_FIELDS) → (normalized fields, problems)."""
    problems = _unknown(fields, ORGANIZATION_FIELDS)
    clean = {
        "name": _text(fields, "name", problems, required=True, max_bytes=ORG_NAME_MAX_BYTES),
        "uscc": _optional_uscc(fields, problems),
    }
    return clean, problems


def validate_username(name: object) -> list[Problem]:
    """USERNAME unless 2–32 characters: a lower-case letter, then lower-case letters, digits, '_', '.', '-'."""
    if isinstance(name, str) and _USERNAME.fullmatch(name):
        return []
    return [Problem(USERNAME, "a user name is 2 to 32 characters: a lower-case letter (a-z) first, then "
                    "lower-case letters, digits, '_', '.' or '-'", "username")]


def validate_password(password: object, username: str | None = None) -> list[Problem]:
    """PASSWORD_WEAK unless the password has at least 10 characters, at least 4 different ones, is not the
    user name and still has 10 characters once the user name is taken out of it."""
    if not isinstance(password, str):
        return [Problem(PASSWORD_WEAK, "a password is required", "password")]
    problems: list[Problem] = []
    if len(password) < PASSWORD_MIN_CHARS:
        problems.append(Problem(PASSWORD_WEAK, f"the password must have at least {PASSWORD_MIN_CHARS} characters",
                                "password", params={"min_chars": PASSWORD_MIN_CHARS}))
    elif len(set(password)) < 4:
        problems.append(Problem(PASSWORD_WEAK, "the password must use at least 4 different characters", "password"))
    user = (username or "").strip().lower()
    if user:
        lowered = password.lower()
        if lowered == user:
            problems.append(Problem(PASSWORD_WEAK, "the password must not be the user name", "password"))
        elif user in lowered and len(lowered.replace(user, "")) < PASSWORD_MIN_CHARS:
            problems.append(Problem(PASSWORD_WEAK, "the password is mostly the user name; without it at least "
                                    f"{PASSWORD_MIN_CHARS} characters must remain", "password"))
    return problems
