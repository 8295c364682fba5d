"""Initial ledger schema: master data, users, payments, approvals, status history, audit log.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _version_check(table: str) -> sa.CheckConstraint:
    return sa.CheckConstraint("version >= 1", name=op.f(f"ck_{table}_version_positive"))


def upgrade() -> None:
    op.create_table(
        "ledger_meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_ledger_meta")),
    )
    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", TS, nullable=True),
        sa.Column("locked_permanently", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_login_at", TS, nullable=True),
        sa.CheckConstraint("failed_logins >= 0", name=op.f("ck_users_failed_logins_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.CheckConstraint("role IN ('maker', 'approver', 'signer', 'admin', 'auditor')",
                           name=op.f("ck_user_roles_role_known")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_roles_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_user_roles")),
    )
    op.create_table(
        "bank_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("bank_name", sa.String(100), nullable=False),
        sa.Column("branch_name", sa.String(200), nullable=False),
        sa.Column("cnaps_code", sa.String(12), nullable=False),
        sa.Column("account_number", sa.String(40), nullable=False),
        sa.Column("account_name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("plugin_id", sa.String(64), nullable=True),
        sa.Column("connection_profile_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        _version_check("bank_accounts"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_bank_accounts_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_accounts")),
        sa.UniqueConstraint("account_number", name=op.f("uq_bank_accounts_account_number")),
    )
    op.create_table(
        "payees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("account_number", sa.String(40), nullable=False),
        sa.Column("bank_name", sa.String(100), nullable=False),
        sa.Column("branch_name", sa.String(200), nullable=False),
        sa.Column("cnaps_code", sa.String(12), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        _version_check("payees"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_payees_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payees")),
        sa.UniqueConstraint("org_id", "account_number", "cnaps_code",
                            name=op.f("uq_payees_org_id_account_number_cnaps_code")),
    )
    op.create_index(op.f("ix_payees_name"), "payees", ["name"])
    op.create_table(
        "payment_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("debit_account_id", sa.Integer(), nullable=False),
        sa.Column("payee_id", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("requested_date", sa.Date(), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("client_reference", sa.String(64), nullable=True),
        sa.Column("maker_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_payment_requests_amount_positive")),
        _version_check("payment_requests"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"],
                                name=op.f("fk_payment_requests_org_id_organizations")),
        sa.ForeignKeyConstraint(["debit_account_id"], ["bank_accounts.id"],
                                name=op.f("fk_payment_requests_debit_account_id_bank_accounts")),
        sa.ForeignKeyConstraint(["payee_id"], ["payees.id"], name=op.f("fk_payment_requests_payee_id_payees")),
        sa.ForeignKeyConstraint(["maker_id"], ["users.id"], name=op.f("fk_payment_requests_maker_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_requests")),
        sa.UniqueConstraint("debit_account_id", "client_reference",
                            name=op.f("uq_payment_requests_debit_account_id_client_reference")),
    )
    op.create_index(op.f("ix_payment_requests_status"), "payment_requests", ["status"])
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("approver_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.CheckConstraint("decision IN ('approved', 'rejected')", name=op.f("ck_approvals_decision_known")),
        sa.CheckConstraint("level >= 1", name=op.f("ck_approvals_level_positive")),
        sa.ForeignKeyConstraint(["payment_id"], ["payment_requests.id"],
                                name=op.f("fk_approvals_payment_id_payment_requests")),
        sa.ForeignKeyConstraint(["approver_id"], ["users.id"], name=op.f("fk_approvals_approver_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
        sa.UniqueConstraint("payment_id", "level", "content_hash",
                            name=op.f("uq_approvals_payment_id_level_content_hash")),
    )
    op.create_table(
        "payment_status_history",
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=True),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("bank_code", sa.String(64), nullable=True),
        sa.Column("bank_text", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["payment_id"], ["payment_requests.id"],
                                name=op.f("fk_payment_status_history_payment_id_payment_requests")),
        sa.PrimaryKeyConstraint("payment_id", "seq", name=op.f("pk_payment_status_history")),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(64), nullable=True),
        sa.Column("object_id", sa.String(64), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("hmac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    # The audit head row exists from the start so appenders can always lock it (SELECT ... FOR UPDATE).
    meta = sa.table("ledger_meta", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.bulk_insert(meta, [{"key": "audit_head", "value": ""}])


def downgrade() -> None:
    for table in ("audit_log", "payment_status_history", "approvals", "payment_requests", "payees",
                  "bank_accounts", "user_roles", "users", "organizations", "ledger_meta"):
        op.drop_table(table)
