"""Bank connectivity values: connection profiles, certificate inventory, balances, stored transactions and
the message log (报文日志). Pure values; storage and services hand these out, never ORM rows.

Money is integer minor units; timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

# Warning thresholds of the certificate inventory (days before not_after).
CERT_WARNING_DAYS = (60, 30, 7)


class CertificateLevel(str, Enum):
    OK = "ok"
    WARN60 = "warn60"
    WARN30 = "warn30"
    WARN7 = "warn7"
    EXPIRED = "expired"


def certificate_level(days_left: int) -> CertificateLevel:
    """``days_left`` < 0 → expired; ≤ 7 → warn7; ≤ 30 → warn30; ≤ 60 → warn60; else ok."""
    if days_left < 0:
        return CertificateLevel.EXPIRED
    if days_left <= 7:
        return CertificateLevel.WARN7
    if days_left <= 30:
        return CertificateLevel.WARN30
    if days_left <= 60:
        return CertificateLevel.WARN60
    return CertificateLevel.OK


@dataclass(frozen=True)
class ConnectionProfile:
    """How to reach one bank endpoint. Public material only: the client key lives in the SecretStore."""

    id: int
    name: str
    plugin_id: str
    base_url: str
    settings: dict = field(default_factory=dict, hash=False)
    ca_cert_pem: str = ""
    client_cert_pem: str = ""
    bank_cert_pem: str = ""
    pins: tuple[str, ...] = ()
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    has_client_key: bool = False
    version: int = 1

    @property
    def client_key_secret_name(self) -> str:
        return client_key_secret_name(self.id)


def client_key_secret_name(profile_id: int) -> str:
    return f"profile/{profile_id}/client-key"


# The editable columns of a profile (storage and services share these names).
PROFILE_COLUMNS = ("name", "plugin_id", "base_url", "settings", "ca_cert_pem", "client_cert_pem", "bank_cert_pem",
                   "pins", "connect_timeout_s", "read_timeout_s", "has_client_key")


@dataclass(frozen=True)
class CertificateFacts:
    """What the app needs to know about one X.509 certificate."""

    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    fingerprint_sha256: str
    spki_pin: str  # "sha256/<base64>"


@dataclass(frozen=True)
class CertificateInfo:
    """One row of the certificate inventory (dashboard)."""

    profile_id: int
    profile_name: str
    kind: str  # "ca" | "client" | "bank_signing" | "signer"
    subject: str
    issuer: str
    not_after: datetime
    days_left: int
    level: str  # CertificateLevel value


@dataclass(frozen=True)
class AccountBalance:
    account_id: int
    account_number: str
    bank_name: str
    currency: str
    available_minor: int | None
    ledger_minor: int | None
    as_of: datetime | None
    error: str | None = None
    fetched_at: datetime | None = None


@dataclass(frozen=True)
class BankTotal:
    bank_name: str
    currency: str
    total_minor: int
    accounts: int


@dataclass(frozen=True)
class StoredTransaction:
    id: int
    account_id: int
    bank_serial: str
    booking_date: date
    amount_minor: int  # signed: negative = debit
    currency: str
    booking_time: str = ""
    value_date: date | None = None
    counterparty_name: str = ""
    counterparty_account: str = ""
    reference: str = ""
    narrative: str = ""
    balance_after_minor: int | None = None
    kind: str = ""


@dataclass(frozen=True)
class MessageLogRecord:
    """One masked request, answer or transport error, as stored. ``body`` is already masked."""

    at: datetime
    direction: str  # "request" | "response" | "error"
    function: str = ""  # e.g. CMB FUNNAM "GetAccInfo"
    exchange_id: str = ""
    bank: str = ""
    url: str = ""
    status: int | None = None
    duration_ms: int | None = None
    error_code: str = ""
    size_bytes: int = 0
    headers: dict = field(default_factory=dict, hash=False)
    body: str = ""
    profile_id: int | None = None
    id: int | None = None

    def export_text(self) -> str:
        head = (f"{self.at.isoformat()} {self.bank} {self.exchange_id} {self.direction.upper()} "
                f"{self.function} {self.url}")
        if self.status is not None:
            head += f" HTTP {self.status}"
        if self.error_code:
            head += f" ERROR {self.error_code}"
        if self.duration_ms is not None:
            head += f" {self.duration_ms}ms"
        hdrs = "".join(f"\n  {k}: {v}" for k, v in self.headers.items())
        return f"{head}{hdrs}\n{self.body}\n"


class BankAuditAction:
    """Audit action names of bank connectivity (stable strings: stored forever)."""

    PROFILE_CREATED = "connection_profile.created"
    PROFILE_UPDATED = "connection_profile.updated"
    ACCOUNT_PROFILE_LINKED = "bank_account.profile_linked"
    BALANCES_REFRESHED = "bank.balances_refreshed"
    TRANSACTIONS_FETCHED = "bank.transactions_fetched"
    CONNECTION_TESTED = "bank.connection_tested"
    MESSAGE_LOG_EXPORTED = "bank.message_log_exported"
