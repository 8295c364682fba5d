"""Batch signing: per-user signing-key profiles, signed batches and each payment's inclusion proof.

* signing_key_profiles: where a user's signing key is (PKCS#11 token or software key file), with the
  certificate; never a PIN (a software key's password is in the SecretStore).
* signed_batches: header fields, Merkle root, signed digest, signature (hex), algorithm, certificate, signer.
* signed_batch_payments: (batch, index) → payment, canonical leaf, inclusion proof; a payment is in at most
  one signed batch (unique payment_id).
* Triggers (SQLite and PostgreSQL):
  - SIGNED_BATCH_IMMUTABLE: both tables are append-only;
  - SIGNED_BATCH_SIGNER: a payment is added to a batch only when its signer_id is the batch's signer (so the
    separation-of-duties trigger of 0004 has checked that person against the maker and approvers).

Revision ID: 0005_signed_batches
Revises: 0004_payment_approvals
Create Date: 2025-01-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_signed_batches"
down_revision = "0004_payment_approvals"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)

SQLITE_UP = [
    """CREATE TRIGGER signed_batches_no_update BEFORE UPDATE ON signed_batches
    BEGIN SELECT RAISE(ABORT, 'SIGNED_BATCH_IMMUTABLE: a signed batch cannot be changed'); END""",
    """CREATE TRIGGER signed_batches_no_delete BEFORE DELETE ON signed_batches
    BEGIN SELECT RAISE(ABORT, 'SIGNED_BATCH_IMMUTABLE: a signed batch cannot be deleted'); END""",
    """CREATE TRIGGER signed_batch_payments_no_update BEFORE UPDATE ON signed_batch_payments
    BEGIN SELECT RAISE(ABORT, 'SIGNED_BATCH_IMMUTABLE: an inclusion proof cannot be changed'); END""",
    """CREATE TRIGGER signed_batch_payments_no_delete BEFORE DELETE ON signed_batch_payments
    BEGIN SELECT RAISE(ABORT, 'SIGNED_BATCH_IMMUTABLE: an inclusion proof cannot be deleted'); END""",
    """CREATE TRIGGER signed_batch_payments_signer BEFORE INSERT ON signed_batch_payments
    WHEN NOT EXISTS (SELECT 1 FROM payment_requests p JOIN signed_batches b ON b.batch_id = NEW.batch_id
                     WHERE p.id = NEW.payment_id AND p.signer_id = b.signer_user_id)
    BEGIN SELECT RAISE(ABORT, 'SIGNED_BATCH_SIGNER: the payment must carry the batch signer as its signer'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS signed_batch_payments_signer",
    "DROP TRIGGER IF EXISTS signed_batch_payments_no_delete",
    "DROP TRIGGER IF EXISTS signed_batch_payments_no_update",
    "DROP TRIGGER IF EXISTS signed_batches_no_delete",
    "DROP TRIGGER IF EXISTS signed_batches_no_update",
]

PG_UP = [
    """CREATE FUNCTION signed_batches_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'SIGNED_BATCH_IMMUTABLE: a signed batch and its inclusion proofs cannot be changed or '
                        'deleted' USING ERRCODE = '23000';
    END $$""",
    """CREATE TRIGGER signed_batches_no_change BEFORE UPDATE OR DELETE ON signed_batches
    FOR EACH ROW EXECUTE FUNCTION signed_batches_refuse_change()""",
    """CREATE TRIGGER signed_batch_payments_no_change BEFORE UPDATE OR DELETE ON signed_batch_payments
    FOR EACH ROW EXECUTE FUNCTION signed_batches_refuse_change()""",
    """CREATE FUNCTION signed_batch_payments_check_signer() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM payment_requests p JOIN signed_batches b ON b.batch_id = NEW.batch_id
                       WHERE p.id = NEW.payment_id AND p.signer_id = b.signer_user_id) THEN
            RAISE EXCEPTION 'SIGNED_BATCH_SIGNER: the payment must carry the batch signer as its signer'
                USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER signed_batch_payments_signer BEFORE INSERT ON signed_batch_payments
    FOR EACH ROW EXECUTE FUNCTION signed_batch_payments_check_signer()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS signed_batch_payments_signer ON signed_batch_payments",
    "DROP FUNCTION IF EXISTS signed_batch_payments_check_signer()",
    "DROP TRIGGER IF EXISTS signed_batch_payments_no_change ON signed_batch_payments",
    "DROP TRIGGER IF EXISTS signed_batches_no_change ON signed_batches",
    "DROP FUNCTION IF EXISTS signed_batches_refuse_change()",
]


def _triggers(up: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if dialect == "postgresql":
        return PG_UP if up else PG_DOWN
    raise NotImplementedError(f"no signed-batch triggers for the {dialect} dialect")


def upgrade() -> None:
    op.create_table(
        "signing_key_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("module_path", sa.String(500), nullable=True),
        sa.Column("token_label", sa.String(64), nullable=True),
        sa.Column("key_label", sa.String(64), nullable=True),
        sa.Column("token_dir", sa.String(500), nullable=True),
        sa.Column("key_path", sa.String(500), nullable=True),
        sa.Column("password_secret", sa.String(200), nullable=True),
        sa.Column("certificate_pem", sa.Text(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("kind IN ('pkcs11', 'software')", name=op.f("ck_signing_key_profiles_kind_known")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_signing_key_profiles_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_signing_key_profiles")),
    )
    op.create_table(
        "signed_batches",
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("debit_account_id", sa.Integer(), nullable=False),
        sa.Column("debit_account", sa.String(40), nullable=False),
        sa.Column("bank", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("merkle_root", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("algorithm", sa.String(32), nullable=False),
        sa.Column("certificate_pem", sa.Text(), nullable=False),
        sa.Column("signer_cert_id", sa.String(64), nullable=False),
        sa.Column("signer_user_id", sa.Integer(), nullable=False),
        sa.Column("signed_at", TS, nullable=False),
        sa.CheckConstraint("count >= 1", name=op.f("ck_signed_batches_count_positive")),
        sa.CheckConstraint("total_minor > 0", name=op.f("ck_signed_batches_total_positive")),
        sa.ForeignKeyConstraint(["debit_account_id"], ["bank_accounts.id"],
                                name=op.f("fk_signed_batches_debit_account_id_bank_accounts")),
        sa.ForeignKeyConstraint(["signer_user_id"], ["users.id"],
                                name=op.f("fk_signed_batches_signer_user_id_users")),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_signed_batches")),
    )
    op.create_table(
        "signed_batch_payments",
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("leaf_json", sa.Text(), nullable=False),
        sa.Column("proof_json", sa.Text(), nullable=False),
        sa.CheckConstraint("idx >= 0", name=op.f("ck_signed_batch_payments_idx_not_negative")),
        sa.ForeignKeyConstraint(["batch_id"], ["signed_batches.batch_id"],
                                name=op.f("fk_signed_batch_payments_batch_id_signed_batches")),
        sa.ForeignKeyConstraint(["payment_id"], ["payment_requests.id"],
                                name=op.f("fk_signed_batch_payments_payment_id_payment_requests")),
        sa.PrimaryKeyConstraint("batch_id", "idx", name=op.f("pk_signed_batch_payments")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_signed_batch_payments_payment_id")),
    )
    for statement in _triggers(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _triggers(up=False):
        op.execute(statement)
    op.drop_table("signed_batch_payments")
    op.drop_table("signed_batches")
    op.drop_table("signing_key_profiles")
