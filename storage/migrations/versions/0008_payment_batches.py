"""Batch payments (issue #7): imported payroll / supplier files and saved import profiles.

* payment_batches: one imported file. ``file_sha256`` is UNIQUE: the same file can never be imported twice.
  Counts and totals of the lines it created; who imported it and when.
* batch_import_profiles: column mappings saved by name (the built-in payroll and supplier profiles are code).
* payment_requests.batch_id / batch_line: the batch a payment came from and its row in the file (unique per batch).
  Plain ADD COLUMN (no table rebuild on SQLite, so the triggers of 0004, 0006 and 0007 stay).

Revision ID: 0008_payment_batches
Revises: 0007_submission_engine
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_payment_batches"
down_revision = "0007_submission_engine"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "payment_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("file_format", sa.String(16), nullable=False),
        sa.Column("profile_name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("debit_account_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("file_rows", sa.Integer(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("excluded_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("payees_created", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("kind IN ('payroll', 'supplier')", name=op.f("ck_payment_batches_kind_known")),
        sa.CheckConstraint("line_count >= 1", name=op.f("ck_payment_batches_lines_positive")),
        sa.CheckConstraint("total_minor > 0", name=op.f("ck_payment_batches_total_positive")),
        sa.ForeignKeyConstraint(["debit_account_id"], ["bank_accounts.id"],
                                name=op.f("fk_payment_batches_debit_account_id_bank_accounts")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_payment_batches_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_batches")),
        sa.UniqueConstraint("file_sha256", name=op.f("uq_payment_batches_file_sha256")),
    )
    op.create_table(
        "batch_import_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("settings_json", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("kind IN ('payroll', 'supplier')", name=op.f("ck_batch_import_profiles_kind_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_import_profiles")),
        sa.UniqueConstraint("name", name=op.f("uq_batch_import_profiles_name")),
    )
    op.add_column("payment_requests", sa.Column("batch_id", sa.Integer(), nullable=True))
    op.add_column("payment_requests", sa.Column("batch_line", sa.Integer(), nullable=True))
    op.create_index("uq_payment_requests_batch_line", "payment_requests", ["batch_id", "batch_line"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_payment_requests_batch_line", table_name="payment_requests")
    op.drop_column("payment_requests", "batch_line")
    op.drop_column("payment_requests", "batch_id")
    op.drop_table("batch_import_profiles")
    op.drop_table("payment_batches")
