"""Bank connectivity: connection profiles, latest balances, transaction details, message log (报文日志).

Revision ID: 0003_bank_connectivity
Revises: 0002_integrity_triggers
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_bank_connectivity"
down_revision = "0002_integrity_triggers"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "connection_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("plugin_id", sa.String(64), nullable=False),
        sa.Column("base_url", sa.String(500), nullable=False),
        sa.Column("settings_json", sa.Text(), nullable=False),
        sa.Column("ca_cert_pem", sa.Text(), nullable=False),
        sa.Column("client_cert_pem", sa.Text(), nullable=False),
        sa.Column("bank_cert_pem", sa.Text(), nullable=False),
        sa.Column("pins_json", sa.Text(), nullable=False),
        sa.Column("connect_timeout_ms", sa.Integer(), nullable=False),
        sa.Column("read_timeout_ms", sa.Integer(), nullable=False),
        sa.Column("has_client_key", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_connection_profiles_version_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connection_profiles")),
        sa.UniqueConstraint("name", name=op.f("uq_connection_profiles_name")),
    )
    op.create_table(
        "account_balances",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("available_minor", sa.BigInteger(), nullable=True),
        sa.Column("ledger_minor", sa.BigInteger(), nullable=True),
        sa.Column("as_of", TS, nullable=True),
        sa.Column("fetched_at", TS, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["bank_accounts.id"],
                                name=op.f("fk_account_balances_account_id_bank_accounts")),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_balances")),
    )
    op.create_table(
        "bank_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("bank_serial", sa.String(64), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("booking_time", sa.String(8), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("counterparty_name", sa.String(200), nullable=False),
        sa.Column("counterparty_account", sa.String(40), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("narrative", sa.String(200), nullable=False),
        sa.Column("balance_after_minor", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("fetched_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["bank_accounts.id"],
                                name=op.f("fk_bank_transactions_account_id_bank_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_transactions")),
        sa.UniqueConstraint("account_id", "bank_serial", name=op.f("uq_bank_transactions_account_id_bank_serial")),
    )
    op.create_index(op.f("ix_bank_transactions_account_id_booking_date"), "bank_transactions",
                    ["account_id", "booking_date"])
    op.create_table(
        "message_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("bank", sa.String(100), nullable=False),
        sa.Column("exchange_id", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("function", sa.String(64), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("headers_json", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_log")),
    )
    op.create_index(op.f("ix_message_log_at"), "message_log", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_message_log_at"), table_name="message_log")
    op.drop_table("message_log")
    op.drop_index(op.f("ix_bank_transactions_account_id_booking_date"), table_name="bank_transactions")
    op.drop_table("bank_transactions")
    op.drop_table("account_balances")
    op.drop_table("connection_profiles")
