"""Turning database exceptions into the application's error tree (specific codes, no tracebacks)."""

from __future__ import annotations

import re

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError

from app.domain.errors import (
    BankDirectError,
    Conflict,
    DomainError,
    IntegrityFailure,
    PermissionDenied,
    StorageUnavailable,
)
from storage.orm import Base

# The field each unique constraint protects, for the user-facing message and form highlighting.
UNIQUE_FIELDS = {
    "uq_users_username": "username",
    "uq_bank_accounts_account_number": "account_number",
    "uq_payees_org_id_account_number_cnaps_code": "account_number",
    "uq_payment_requests_debit_account_id_client_reference": "client_reference",
    "uq_approvals_payment_id_level_content_hash": "level",
    "uq_approvals_active_approver": "approver_id",
    "uq_approval_policies_version": "version",
    "pk_user_roles": "role",
}
# Payment and approval rules enforced by the triggers of migration 0004.
PAYMENT_RULES = {
    "APPROVAL_BINDING": "an approval must bind the current content of a payment that awaits approval",
    "APPROVAL_IMMUTABLE": "an approval decision cannot be changed, and a voided approval cannot be revived",
    "APPROVALS_NOT_VOIDED": "the payment content changed while approvals of the old content were still valid",
    "PAYMENT_CONTENT_FROZEN": "the payment content can only change with a new content hash, before approval",
    "SIGNED_BATCH_IMMUTABLE": "a signed batch and its payments' inclusion proofs cannot be changed or deleted",
    "SIGNED_BATCH_SIGNER": "a payment in a signed batch must carry the batch's signer, and be neither made nor "
                           "approved by that signer",
    "PAYEE_UNCONFIRMED": "the payee's bank details changed and await a second person's confirmation",
    "SELF_CONFIRM": "a payee change must be confirmed by someone other than the person who made it",
}
IGNORED_IN_MESSAGE = {"org_id", "debit_account_id", "payment_id", "user_id"}


def _unique_constraints() -> dict[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]]:
    """(table, columns) → (constraint name, columns) for every unique constraint and primary key."""
    out = {}
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            kind = type(constraint).__name__
            if kind in ("UniqueConstraint", "PrimaryKeyConstraint"):
                cols = tuple(c.name for c in constraint.columns)
                out[(table.name, cols)] = (str(constraint.name), cols)
    return out


_BY_COLUMNS = _unique_constraints()
_BY_NAME = {name: cols for name, cols in _BY_COLUMNS.values()}
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _unique_violation(orig: BaseException, what: str) -> Conflict:
    name = getattr(getattr(orig, "diag", None), "constraint_name", None)
    cols: tuple[str, ...] = _BY_NAME.get(name or "", ())
    match = _SQLITE_UNIQUE.search(str(orig))
    if match:
        pairs = [p.strip().split(".", 1) for p in match.group(1).split(",")]
        table = pairs[0][0] if pairs and len(pairs[0]) == 2 else ""
        cols = tuple(p[1] for p in pairs if len(p) == 2)
        name = _BY_COLUMNS.get((table, cols), (None, cols))[0]
    shown = [c for c in cols if c not in IGNORED_IN_MESSAGE] or list(cols)
    field = UNIQUE_FIELDS.get(name or "") or (shown[0] if shown else None)
    label = " and ".join(shown) if shown else "key"
    return Conflict("DUPLICATE", f"{what} with the same {label} already exists", field)


def translate_integrity_error(exc: IntegrityError, what: str) -> BankDirectError:
    """A specific error for a violated constraint; ``what`` names the record ("a payee")."""
    orig = exc.orig if exc.orig is not None else exc
    text = str(orig)
    sqlstate = getattr(orig, "sqlstate", None)
    if "SOD_VIOLATION" in text:
        if "signer" in text:
            return PermissionDenied("the signer of a payment must be neither its maker nor one of its approvers "
                                    "(separation of duties)", code="SOD_VIOLATION")
        return PermissionDenied("the maker of a payment cannot approve it (separation of duties)",
                                code="SOD_VIOLATION")
    for code, message in PAYMENT_RULES.items():
        if code in text:
            return Conflict(code, message)
    if "AUDIT_APPEND_ONLY" in text:
        return IntegrityFailure("audit entries cannot be changed or deleted", code="AUDIT_APPEND_ONLY")
    if sqlstate == "23505" or "UNIQUE constraint failed" in text:
        return _unique_violation(orig, what)
    if sqlstate == "23503" or "FOREIGN KEY constraint failed" in text:
        return Conflict("INVALID_REFERENCE", f"{what} refers to a record that does not exist")
    if sqlstate == "23502" or "NOT NULL constraint failed" in text:
        return Conflict("MISSING_VALUE", f"{what} is missing a required value")
    return Conflict("CONSTRAINT", f"{what} breaks a ledger rule: {_first_line(exc)}")


def translate_operational_error(exc: DBAPIError) -> StorageUnavailable:
    reason = _first_line(exc)
    if "read-only" in reason.lower() or "readonly" in reason.lower():
        return StorageUnavailable(f"a read-only unit of work tried to write: {reason}", code="READ_ONLY")
    if "locked" in reason.lower() or "busy" in reason.lower():
        return StorageUnavailable(f"the ledger is busy (another program holds its write lock): {reason}; "
                                  "try again in a moment", code="DB_BUSY")
    return StorageUnavailable(f"the ledger database cannot be used right now: {reason}", code="DB_UNAVAILABLE")


def translate_database_error(exc: DBAPIError, what: str = "this change") -> BankDirectError | None:
    """The application error for a database exception, or None for a bug (bad SQL) that must surface as is."""
    if isinstance(exc, IntegrityError):
        return translate_integrity_error(exc, what)
    if isinstance(exc, DataError):
        return DomainError("INVALID_VALUE", f"{what} has a value the ledger cannot store: {_first_line(exc)}")
    if isinstance(exc, ProgrammingError):
        return None
    return translate_operational_error(exc)
