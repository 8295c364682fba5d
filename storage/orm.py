"""ORM models of the ledger (SQLAlchemy 2 declarative). Repositories turn rows into domain values.

Money is an integer count of minor units (``amount_minor``); timestamps are ``UtcDateTime``.
Constraint names follow ``NAMING_CONVENTION`` so SQLite and PostgreSQL share them (and error
translation can map a violated constraint back to a field).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLE_VALUES = ("maker", "approver", "signer", "admin", "auditor")
DECISION_VALUES = ("approved", "rejected")

# ledger_meta keys
META_LEDGER_ID = "ledger_id"
META_AUDIT_HEAD = "audit_head"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class LedgerMeta(Base):
    __tablename__ = "ledger_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class OrganizationRow(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    uscc: Mapped[str | None] = mapped_column(String(18), nullable=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("username"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    locked_permanently: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class UserRoleRow(Base):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(_in("role", ROLE_VALUES), name="role_known"),)

    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class BankAccountRow(Base):
    __tablename__ = "bank_accounts"
    __table_args__ = (
        UniqueConstraint("account_number"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, ForeignKey("organizations.id"), nullable=False)
    bank_name: Mapped[str] = mapped_column(String(100), nullable=False)
    branch_name: Mapped[str] = mapped_column(String(200), nullable=False)
    cnaps_code: Mapped[str] = mapped_column(String(12), nullable=False)
    account_number: Mapped[str] = mapped_column(String(40), nullable=False)
    account_name: Mapped[str] = mapped_column(String(200), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    plugin_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    connection_profile_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class PayeeRow(Base):
    __tablename__ = "payees"
    __table_args__ = (
        UniqueConstraint("org_id", "account_number", "cnaps_code"),
        Index(None, "name"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, ForeignKey("organizations.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    account_number: Mapped[str] = mapped_column(String(40), nullable=False)
    bank_name: Mapped[str] = mapped_column(String(100), nullable=False)
    branch_name: Mapped[str] = mapped_column(String(200), nullable=False)
    cnaps_code: Mapped[str] = mapped_column(String(12), nullable=False)
    uscc: Mapped[str | None] = mapped_column(String(18), nullable=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    # Migration 0006: a bank-detail change needs a second person's confirmation (triggers PAYEE_UNCONFIRMED,
    # SELF_CONFIRM).
    confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    changed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    confirmed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PaymentRequestRow(Base):
    __tablename__ = "payment_requests"
    __table_args__ = (
        UniqueConstraint("debit_account_id", "client_reference"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index(None, "status"),
        Index("uq_payment_requests_batch_line", "batch_id", "batch_line", unique=True),   # migration 0008
        Index(None, "batch_id", "status", "amount_minor"),   # migration 0010: batch counts and totals by status
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, ForeignKey("organizations.id"), nullable=False)
    debit_account_id: Mapped[int] = mapped_column(Integer, ForeignKey("bank_accounts.id"), nullable=False)
    payee_id: Mapped[int] = mapped_column(Integer, ForeignKey("payees.id"), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    purpose: Mapped[str] = mapped_column(String(200), nullable=False)
    requested_date: Mapped[date] = mapped_column(Date, nullable=False)
    urgency: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    client_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    maker_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    # migration 0004: what the approval policy asked at submission, the audited duplicate override, the signer
    duplicate_override: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    policy_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    required_approvals: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    required_role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    signer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # migration 0007: what the submission engine knows and plans (RELIABILITY.md §1)
    submission_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bank_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    bank_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    bank_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    next_check_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    check_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    no_record_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unknown_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attention: Mapped[str | None] = mapped_column(Text, nullable=True)
    final_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reinitiated_from_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)  # the payment it redoes
    result_confirmed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)   # users.id
    result_confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # migration 0008: the imported batch file this payment is a line of, and its row in the file
    batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    batch_line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # migration 0009: structured remittance of a supplier payment (canonical JSON of app.domain.remittance), write-once
    remittance: Mapped[str | None] = mapped_column(Text, nullable=True)


_LIVE_APPROVAL = "voided_at IS NULL AND decision = 'approved'"


class ApprovalRow(Base):
    """One approval decision, bound to the exact payment content it saw (``content_hash``).

    A database trigger refuses a row whose approver is the payment's maker (separation of duties).
    """

    __tablename__ = "approvals"
    __table_args__ = (
        UniqueConstraint("payment_id", "level", "content_hash"),
        CheckConstraint(_in("decision", DECISION_VALUES), name="decision_known"),
        CheckConstraint("level >= 1", name="level_positive"),
        # one person approves one payment content once (migration 0004)
        Index("uq_approvals_active_approver", "payment_id", "approver_id", "content_hash", unique=True,
              sqlite_where=text(_LIVE_APPROVAL), postgresql_where=text(_LIVE_APPROVAL)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(Integer, ForeignKey("payment_requests.id"), nullable=False)
    approver_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), nullable=False)
    level: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    decision: Mapped[str] = mapped_column(String(16), nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    # migration 0004: voided approvals stay, marked; the policy's named role if the approver held it
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    void_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    approver_role: Mapped[str | None] = mapped_column(String(16), nullable=True)


class ApprovalPolicyRow(Base):
    """One version of the approval policy (migration 0004). A new row per edit; rows are never updated."""

    __tablename__ = "approval_policies"
    __table_args__ = (
        UniqueConstraint("version"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    rules_json: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)


class PaymentStatusHistoryRow(Base):
    __tablename__ = "payment_status_history"

    payment_id: Mapped[int] = mapped_column(Integer, ForeignKey("payment_requests.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_status: Mapped[str] = mapped_column(String(32), nullable=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    bank_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    bank_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditLogRow(Base):
    """Append-only, hash-chained, HMAC-sealed (see storage/audit_log.py). Triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    object_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    object_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    entry_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hmac: Mapped[str] = mapped_column(String(64), nullable=False)


# -- bank connectivity (migration 0003) ---------------------------------------------------------------------

class ConnectionProfileRow(Base):
    """How to reach a bank endpoint. Public certificates only: the client key is in the SecretStore."""

    __tablename__ = "connection_profiles"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    plugin_id: Mapped[str] = mapped_column(String(64), nullable=False)
    base_url: Mapped[str] = mapped_column(String(500), nullable=False)
    settings_json: Mapped[str] = mapped_column(Text, nullable=False)
    ca_cert_pem: Mapped[str] = mapped_column(Text, nullable=False)
    client_cert_pem: Mapped[str] = mapped_column(Text, nullable=False)
    bank_cert_pem: Mapped[str] = mapped_column(Text, nullable=False)
    pins_json: Mapped[str] = mapped_column(Text, nullable=False)
    connect_timeout_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    read_timeout_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    has_client_key: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class AccountBalanceRow(Base):
    """The latest balance snapshot of one of our accounts (one row per account)."""

    __tablename__ = "account_balances"

    account_id: Mapped[int] = mapped_column(Integer, ForeignKey("bank_accounts.id"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    available_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ledger_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    as_of: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class BankTransactionRow(Base):
    """One entry of an account's transaction details, as the bank reported it (idempotent on the serial)."""

    __tablename__ = "bank_transactions"
    __table_args__ = (
        UniqueConstraint("account_id", "bank_serial"),
        Index(None, "account_id", "booking_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, ForeignKey("bank_accounts.id"), nullable=False)
    bank_serial: Mapped[str] = mapped_column(String(64), nullable=False)
    booking_date: Mapped[date] = mapped_column(Date, nullable=False)
    booking_time: Mapped[str] = mapped_column(String(8), nullable=False)
    value_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    counterparty_name: Mapped[str] = mapped_column(String(200), nullable=False)
    counterparty_account: Mapped[str] = mapped_column(String(40), nullable=False)
    reference: Mapped[str] = mapped_column(String(64), nullable=False)
    narrative: Mapped[str] = mapped_column(String(200), nullable=False)
    balance_after_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class MessageLogRow(Base):
    """报文日志: one masked request, answer or transport error."""

    __tablename__ = "message_log"
    __table_args__ = (Index(None, "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    profile_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bank: Mapped[str] = mapped_column(String(100), nullable=False)
    exchange_id: Mapped[str] = mapped_column(String(64), nullable=False)
    direction: Mapped[str] = mapped_column(String(16), nullable=False)
    function: Mapped[str] = mapped_column(String(64), nullable=False)
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error_code: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    headers_json: Mapped[str] = mapped_column(Text, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)


# -- batch signing (migration 0005) -------------------------------------------------------------------------

class SigningKeyProfileRow(Base):
    """Where a user's signing key is. Never a PIN; a software key's password is in the SecretStore."""

    __tablename__ = "signing_key_profiles"
    __table_args__ = (
        CheckConstraint("kind IN ('pkcs11', 'software')", name="kind_known"),
    )

    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    module_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    token_label: Mapped[str | None] = mapped_column(String(64), nullable=True)
    key_label: Mapped[str | None] = mapped_column(String(64), nullable=True)
    token_dir: Mapped[str | None] = mapped_column(String(500), nullable=True)
    key_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    password_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    certificate_pem: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class SignedBatchRow(Base):
    """One signed batch (append-only: triggers refuse UPDATE and DELETE)."""

    __tablename__ = "signed_batches"
    __table_args__ = (
        CheckConstraint("count >= 1", name="count_positive"),
        CheckConstraint("total_minor > 0", name="total_positive"),
    )

    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    debit_account_id: Mapped[int] = mapped_column(Integer, ForeignKey("bank_accounts.id"), nullable=False)
    debit_account: Mapped[str] = mapped_column(String(40), nullable=False)
    bank: Mapped[str] = mapped_column(String(100), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    total_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    merkle_root: Mapped[str] = mapped_column(String(64), nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    signature: Mapped[str] = mapped_column(Text, nullable=False)  # hex
    algorithm: Mapped[str] = mapped_column(String(32), nullable=False)
    certificate_pem: Mapped[str] = mapped_column(Text, nullable=False)
    signer_cert_id: Mapped[str] = mapped_column(String(64), nullable=False)
    signer_user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), nullable=False)
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class SignedBatchPaymentRow(Base):
    """A payment's membership of a signed batch, with its canonical leaf and inclusion proof (append-only)."""

    __tablename__ = "signed_batch_payments"
    __table_args__ = (
        UniqueConstraint("payment_id"),
        CheckConstraint("idx >= 0", name="idx_not_negative"),
    )

    batch_id: Mapped[str] = mapped_column(String(64), ForeignKey("signed_batches.batch_id"), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(Integer, ForeignKey("payment_requests.id"), nullable=False)
    leaf_json: Mapped[str] = mapped_column(Text, nullable=False)
    proof_json: Mapped[str] = mapped_column(Text, nullable=False)


# -- submission engine (migration 0007) ---------------------------------------------------------------------

class PaymentReferenceRow(Base):
    """Every client reference ever allocated (I1): unique per bank and debit account, forever; never deleted."""

    __tablename__ = "payment_references"
    __table_args__ = (
        UniqueConstraint("bank", "debit_account_id", "reference"),
        UniqueConstraint("payment_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(Integer, ForeignKey("payment_requests.id"), nullable=False)
    debit_account_id: Mapped[int] = mapped_column(Integer, ForeignKey("bank_accounts.id"), nullable=False)
    bank: Mapped[str] = mapped_column(String(64), nullable=False)
    reference: Mapped[str] = mapped_column(String(64), nullable=False)
    allocated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class SubmissionRow(Base):
    """The exact signed bytes of one chunk of payments, stored before the first send (I2). The body, signature
    and hash never change (a trigger refuses it): every resend is byte-identical."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint("state IN ('READY', 'SENDING', 'SENT', 'HELD')", name="state_known"),
        CheckConstraint("count >= 1", name="count_positive"),
        Index(None, "state", "not_before"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(Integer, ForeignKey("connection_profiles.id"), nullable=False)
    plugin_id: Mapped[str] = mapped_column(String(64), nullable=False)
    debit_account_id: Mapped[int] = mapped_column(Integer, ForeignKey("bank_accounts.id"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)          # base64 of the exact bytes
    signature: Mapped[str] = mapped_column(Text, nullable=False)     # base64
    signer_id: Mapped[str] = mapped_column(String(128), nullable=False)
    algorithm: Mapped[str] = mapped_column(String(32), nullable=False)
    body_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    total_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    current_attempt_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resends: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    hold_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class SubmissionItemRow(Base):
    __tablename__ = "submission_items"
    # not unique: a payment taken out of a held, never-sent submission is prepared again in a new one
    __table_args__ = (Index(None, "payment_id"),)

    submission_id: Mapped[int] = mapped_column(Integer, ForeignKey("submissions.id"), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(Integer, ForeignKey("payment_requests.id"), nullable=False)
    reference: Mapped[str] = mapped_column(String(64), nullable=False)


class SendAttemptRow(Base):
    """One try at sending a submission, committed before the request leaves (I2). ``id`` is the fencing token."""

    __tablename__ = "send_attempts"
    __table_args__ = (
        UniqueConstraint("submission_id", "attempt_no"),
        CheckConstraint("attempt_no >= 1", name="attempt_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(Integer, ForeignKey("submissions.id"), nullable=False)
    attempt_no: Mapped[int] = mapped_column(Integer, nullable=False)
    worker: Mapped[str] = mapped_column(String(128), nullable=False)
    body_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


# -- batch payments (migration 0008) ------------------------------------------------------------------------

BATCH_KIND_VALUES = ("payroll", "supplier")


class PaymentBatchRow(Base):
    """One imported payroll / supplier file. The same file (SHA-256) is never imported twice."""

    __tablename__ = "payment_batches"
    __table_args__ = (
        UniqueConstraint("file_sha256"),
        CheckConstraint(_in("kind", BATCH_KIND_VALUES), name="kind_known"),
        CheckConstraint("line_count >= 1", name="lines_positive"),
        CheckConstraint("total_minor > 0", name="total_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    file_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    file_format: Mapped[str] = mapped_column(String(16), nullable=False)
    profile_name: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    debit_account_id: Mapped[int] = mapped_column(Integer, ForeignKey("bank_accounts.id"), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    file_rows: Mapped[int] = mapped_column(Integer, nullable=False)
    line_count: Mapped[int] = mapped_column(Integer, nullable=False)
    excluded_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    payees_created: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    created_by: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class BatchImportProfileRow(Base):
    """A column mapping saved by name (the built-in payroll and supplier profiles are in app.domain)."""

    __tablename__ = "batch_import_profiles"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint(_in("kind", BATCH_KIND_VALUES), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    settings_json: Mapped[str] = mapped_column(Text, nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


# -- alerts (migration 0010) --------------------------------------------------------------------------------

ALERT_SEVERITY_VALUES = ("CRITICAL", "HIGH", "MEDIUM", "LOW")
_ALERT_ACK_WHOLE = ("(acknowledged_at IS NULL AND acknowledged_by IS NULL AND acknowledge_note IS NULL) OR "
                    "(acknowledged_at IS NOT NULL AND acknowledged_by IS NOT NULL AND acknowledge_note IS NOT NULL)")


class AlertRow(Base):
    """A finding a person must look at (reconciliation, later risk rules). Raised once per ``dedup_key``; never
    deleted; once acknowledged (by a person, with a note) never changed again (triggers)."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("dedup_key"),
        CheckConstraint(_in("severity", ALERT_SEVERITY_VALUES), name="severity_known"),
        CheckConstraint(_ALERT_ACK_WHOLE, name="ack_whole"),
        Index(None, "acknowledged_at", "severity"),
        Index(None, "payment_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    payment_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("payment_requests.id"), nullable=True)
    account_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("bank_accounts.id"), nullable=True)
    dedup_key: Mapped[str] = mapped_column(String(200), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    detail: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    acknowledged_by: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    acknowledge_note: Mapped[str | None] = mapped_column(Text, nullable=True)
