"""Audit-log values. The chain itself (hashing, HMAC, storage) lives in storage/audit_log.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime              # UTC
    actor: str                # user name or "system"
    action: str               # e.g. "login.failed", "payee.created"
    object_type: str | None
    object_id: str | None
    payload: dict = field(default_factory=dict, hash=False)
    prev_hash: str = ""
    entry_hash: str = ""
    hmac: str = ""


@dataclass(frozen=True)
class AuditVerification:
    ok: bool
    entries_checked: int
    first_bad_seq: int | None = None
    reason: str | None = None
    head_hash: str | None = None

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "entries_checked": self.entries_checked,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason,
            "head_hash": self.head_hash,
        }


# Action names used across services (stable strings: they are stored forever).
class AuditAction:
    LOGIN = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    LOCKOUT = "login.locked_out"
    UNLOCK = "user.unlocked"
    LOGOUT = "logout"
    ORG_CREATED = "organization.created"
    ORG_UPDATED = "organization.updated"
    USER_CREATED = "user.created"
    USER_UPDATED = "user.updated"
    USER_DEACTIVATED = "user.deactivated"
    ROLE_GRANTED = "role.granted"
    ROLE_REVOKED = "role.revoked"
    PASSWORD_CHANGED = "user.password_changed"
    PASSWORD_REHASHED = "user.password_rehashed"
    ACCOUNT_CREATED = "bank_account.created"
    ACCOUNT_UPDATED = "bank_account.updated"
    ACCOUNT_DEACTIVATED = "bank_account.deactivated"
    PAYEE_CREATED = "payee.created"
    PAYEE_UPDATED = "payee.updated"
    PAYEE_DEACTIVATED = "payee.deactivated"
    PAYEE_CONFIRMED = "payee.confirmed"
    PAYEES_IMPORTED = "payee.bulk_imported"
    CONFIG_CHANGED = "config.changed"
    DB_MIGRATED = "ledger.migrated"
