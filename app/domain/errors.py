"""The error tree (DESIGN.md rule 6).

* ``DomainError`` — the user can fix it; its message is shown as is. Carries a stable ``code``.
  ``ValidationFailed`` collects *all* problems of one input at once.
* ``UserCancelled`` — silent.
* ``OperationalError`` and children — the outside world failed (bank, token, network, storage).
* ``IntegrityFailure`` — stored data fails its integrity check (audit chain, backup fingerprint).
* Everything else is a bug.

CLI exit statuses: DomainError → 2, OperationalError → 3, IntegrityFailure → 4.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding of a validator. Validators return a list of these, never raise one by one."""

    code: str
    message: str
    field: str | None = None
    severity: Severity = Severity.ERROR
    params: dict = dataclasses.field(default_factory=dict, compare=False, hash=False)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "severity": self.severity.value,
        }


def errors_only(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]


def warnings_only(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if not p.is_error]


class BankDirectError(Exception):
    """Base of every error the application raises on purpose."""


class DomainError(BankDirectError):
    """A problem the user can fix. ``message`` is shown to the user as is."""

    exit_code = 2

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "field": self.field}


class ValidationFailed(DomainError):
    """One input had one or more problems; ``problems`` lists all of them (errors and warnings)."""

    def __init__(self, problems: list[Problem]):
        errs = errors_only(problems) or list(problems)
        first = errs[0] if errs else Problem("INVALID", "invalid input")
        text = "; ".join(f"{p.code}: {p.message}" for p in errs)
        super().__init__(first.code, text, first.field)
        self.problems = list(problems)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "problems": [p.to_dict() for p in self.problems],
        }


class NotFound(DomainError):
    def __init__(self, what: str, key: object):
        super().__init__("NOT_FOUND", f"{what} not found: {key}")
        self.what = what
        self.key = key


class Conflict(DomainError):
    """The input clashes with existing data (duplicate name, stale version...)."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(code, message, field)


class PermissionDenied(DomainError):
    def __init__(self, message: str, code: str = "PERMISSION_DENIED"):
        super().__init__(code, message)


class AuthenticationFailed(DomainError):
    """Wrong user name or password (deliberately not saying which)."""

    def __init__(self, message: str = "wrong user name or password", code: str = "AUTH_FAILED",
                 retry_after_s: float = 0.0):
        super().__init__(code, message)
        self.retry_after_s = retry_after_s


class AccountLocked(AuthenticationFailed):
    def __init__(self, message: str, locked_until_iso: str | None = None):
        super().__init__(message, code="ACCOUNT_LOCKED")
        self.locked_until_iso = locked_until_iso


class IllegalTransition(DomainError):
    def __init__(self, current: object, requested: object):
        super().__init__(
            "ILLEGAL_TRANSITION",
            f"a payment cannot move from {getattr(current, 'value', current)} "
            f"to {getattr(requested, 'value', requested)}",
        )
        self.current = current
        self.requested = requested


class UserCancelled(BankDirectError):
    """The user cancelled; callers stay silent."""


class _CodedError(BankDirectError):
    """An error with a class-level default code that an instance may override."""

    code = "ERROR"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


class OperationalError(_CodedError):
    """The outside world failed: retry later or fix the environment."""

    exit_code = 3
    code = "OPERATIONAL"


class StorageUnavailable(OperationalError):
    code = "STORAGE_UNAVAILABLE"


class SecretStoreUnavailable(OperationalError):
    code = "SECRET_STORE_UNAVAILABLE"


class BankUnavailable(OperationalError):
    code = "BANK_UNAVAILABLE"


class BankRejected(OperationalError):
    code = "BANK_REJECTED"

    def __init__(self, message: str, bank_code: str, bank_text: str = ""):
        super().__init__(message)
        self.bank_code = bank_code
        self.bank_text = bank_text


class OutcomeUnknown(OperationalError):
    code = "OUTCOME_UNKNOWN"


class TokenNotPresent(OperationalError):
    code = "TOKEN_NOT_PRESENT"


class PinLocked(OperationalError):
    code = "PIN_LOCKED"


class IntegrityFailure(_CodedError):
    """Stored data failed an integrity check (audit chain, backup fingerprint)."""

    exit_code = 4
    code = "INTEGRITY"
