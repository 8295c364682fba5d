"""The submission engine (RELIABILITY.md §1): references, submissions, send attempts, follow-up columns.

* payment_references: every client reference ever allocated, unique per (bank, debit account, reference) and per
  payment, forever (I1). Triggers refuse UPDATE and DELETE.
* submissions: the exact signed bytes of a chunk (I2). Triggers refuse a change of body, signature, signer or
  hash, and refuse DELETE: every resend is byte-identical.
* submission_items: which payment went in which submission, under which reference.
* send_attempts: one row per try, committed before any byte leaves; its id is the fencing token (I6). A trigger
  refuses an attempt whose body hash differs from its submission's, and DELETE.
* payment_requests: submission_id, bank code/text/reference, next_check_at, check_count, no_record_count,
  unknown_since, attention, final_at, reinitiated_from_id, result_confirmed_by/at.
* A trigger on payment_requests refuses a change of client_reference once one is set (I1: one payment, one
  reference), and a status moving out of a final status except SUCCEEDED → RETURNED (I5, also for direct SQL).

Revision ID: 0007_submission_engine
Revises: 0006_payee_confirmation
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_submission_engine"
down_revision = "0006_payee_confirmation"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
FINAL = "('SUCCEEDED', 'FAILED', 'PARTIAL', 'CANCELLED', 'EXPIRED', 'RETURNED')"

SQLITE_UP = [
    """CREATE TRIGGER payment_references_no_update BEFORE UPDATE ON payment_references
    BEGIN SELECT RAISE(ABORT, 'REFERENCE_IMMUTABLE: client references are kept unchanged forever'); END""",
    """CREATE TRIGGER payment_references_no_delete BEFORE DELETE ON payment_references
    BEGIN SELECT RAISE(ABORT, 'REFERENCE_IMMUTABLE: client references are kept unchanged forever'); END""",
    """CREATE TRIGGER submissions_bytes_fixed BEFORE UPDATE OF body, signature, signer_id, body_sha256
    ON submissions
    WHEN NEW.body IS NOT OLD.body OR NEW.signature IS NOT OLD.signature OR NEW.signer_id IS NOT OLD.signer_id
         OR NEW.body_sha256 IS NOT OLD.body_sha256
    BEGIN SELECT RAISE(ABORT, 'SUBMISSION_IMMUTABLE: stored signed bytes are resent unchanged'); END""",
    """CREATE TRIGGER submissions_no_delete BEFORE DELETE ON submissions
    BEGIN SELECT RAISE(ABORT, 'SUBMISSION_IMMUTABLE: submissions are kept'); END""",
    """CREATE TRIGGER send_attempts_same_bytes BEFORE INSERT ON send_attempts
    WHEN NEW.body_sha256 IS NOT (SELECT body_sha256 FROM submissions WHERE id = NEW.submission_id)
    BEGIN SELECT RAISE(ABORT, 'ATTEMPT_BYTES: an attempt must send its submission''s stored bytes'); END""",
    """CREATE TRIGGER send_attempts_no_delete BEFORE DELETE ON send_attempts
    BEGIN SELECT RAISE(ABORT, 'ATTEMPT_IMMUTABLE: send attempts are kept'); END""",
    """CREATE TRIGGER payment_requests_reference_fixed BEFORE UPDATE OF client_reference ON payment_requests
    WHEN OLD.client_reference IS NOT NULL AND NEW.client_reference IS NOT OLD.client_reference
    BEGIN SELECT RAISE(ABORT, 'REFERENCE_IMMUTABLE: a payment keeps its client reference'); END""",
    f"""CREATE TRIGGER payment_requests_final_stays BEFORE UPDATE OF status ON payment_requests
    WHEN OLD.status IN {FINAL} AND NEW.status IS NOT OLD.status
         AND NOT (OLD.status = 'SUCCEEDED' AND NEW.status = 'RETURNED')
    BEGIN SELECT RAISE(ABORT, 'FINAL_STATUS: a final status never changes'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS payment_requests_final_stays",
    "DROP TRIGGER IF EXISTS payment_requests_reference_fixed",
    "DROP TRIGGER IF EXISTS send_attempts_no_delete",
    "DROP TRIGGER IF EXISTS send_attempts_same_bytes",
    "DROP TRIGGER IF EXISTS submissions_no_delete",
    "DROP TRIGGER IF EXISTS submissions_bytes_fixed",
    "DROP TRIGGER IF EXISTS payment_references_no_delete",
    "DROP TRIGGER IF EXISTS payment_references_no_update",
]

PG_UP = [
    """CREATE FUNCTION engine_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '%: % rows are kept unchanged', TG_ARGV[0], TG_TABLE_NAME USING ERRCODE = '23000';
    END $$""",
    """CREATE TRIGGER payment_references_no_change BEFORE UPDATE OR DELETE ON payment_references
    FOR EACH ROW EXECUTE FUNCTION engine_refuse_change('REFERENCE_IMMUTABLE')""",
    """CREATE TRIGGER submissions_no_delete BEFORE DELETE ON submissions
    FOR EACH ROW EXECUTE FUNCTION engine_refuse_change('SUBMISSION_IMMUTABLE')""",
    """CREATE TRIGGER send_attempts_no_delete BEFORE DELETE ON send_attempts
    FOR EACH ROW EXECUTE FUNCTION engine_refuse_change('ATTEMPT_IMMUTABLE')""",
    """CREATE FUNCTION submissions_check_bytes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.body IS DISTINCT FROM OLD.body OR NEW.signature IS DISTINCT FROM OLD.signature
           OR NEW.signer_id IS DISTINCT FROM OLD.signer_id OR NEW.body_sha256 IS DISTINCT FROM OLD.body_sha256 THEN
            RAISE EXCEPTION 'SUBMISSION_IMMUTABLE: stored signed bytes are resent unchanged' USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER submissions_bytes_fixed BEFORE UPDATE ON submissions
    FOR EACH ROW EXECUTE FUNCTION submissions_check_bytes()""",
    """CREATE FUNCTION send_attempts_check_bytes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.body_sha256 IS DISTINCT FROM (SELECT body_sha256 FROM submissions WHERE id = NEW.submission_id) THEN
            RAISE EXCEPTION 'ATTEMPT_BYTES: an attempt must send its submission''s stored bytes'
                USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER send_attempts_same_bytes BEFORE INSERT ON send_attempts
    FOR EACH ROW EXECUTE FUNCTION send_attempts_check_bytes()""",
    f"""CREATE FUNCTION payment_requests_check_engine() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.client_reference IS NOT NULL AND NEW.client_reference IS DISTINCT FROM OLD.client_reference THEN
            RAISE EXCEPTION 'REFERENCE_IMMUTABLE: a payment keeps its client reference' USING ERRCODE = '23000';
        END IF;
        IF OLD.status IN {FINAL} AND NEW.status IS DISTINCT FROM OLD.status
           AND NOT (OLD.status = 'SUCCEEDED' AND NEW.status = 'RETURNED') THEN
            RAISE EXCEPTION 'FINAL_STATUS: a final status never changes' USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER payment_requests_engine BEFORE UPDATE ON payment_requests
    FOR EACH ROW EXECUTE FUNCTION payment_requests_check_engine()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS payment_requests_engine ON payment_requests",
    "DROP FUNCTION IF EXISTS payment_requests_check_engine()",
    "DROP TRIGGER IF EXISTS send_attempts_same_bytes ON send_attempts",
    "DROP FUNCTION IF EXISTS send_attempts_check_bytes()",
    "DROP TRIGGER IF EXISTS submissions_bytes_fixed ON submissions",
    "DROP FUNCTION IF EXISTS submissions_check_bytes()",
    "DROP TRIGGER IF EXISTS send_attempts_no_delete ON send_attempts",
    "DROP TRIGGER IF EXISTS submissions_no_delete ON submissions",
    "DROP TRIGGER IF EXISTS payment_references_no_change ON payment_references",
    "DROP FUNCTION IF EXISTS engine_refuse_change()",
]


def _triggers(up: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if dialect == "postgresql":
        return PG_UP if up else PG_DOWN
    raise NotImplementedError(f"no submission-engine triggers for the {dialect} dialect")


def _payment_columns() -> list[sa.Column]:
    return [
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("bank_code", sa.String(64), nullable=True),
        sa.Column("bank_text", sa.Text(), nullable=True),
        sa.Column("bank_reference", sa.String(64), nullable=True),
        sa.Column("next_check_at", TS, nullable=True),
        sa.Column("check_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("no_record_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("unknown_since", TS, nullable=True),
        sa.Column("attention", sa.Text(), nullable=True),
        sa.Column("final_at", TS, nullable=True),
        sa.Column("reinitiated_from_id", sa.Integer(), nullable=True),
        sa.Column("result_confirmed_by", sa.Integer(), nullable=True),
        sa.Column("result_confirmed_at", TS, nullable=True),
    ]


def upgrade() -> None:
    # plain ADD COLUMN (no table rebuild on SQLite, so the triggers of 0004 and 0006 stay)
    for column in _payment_columns():
        op.add_column("payment_requests", column)
    op.create_index(op.f("ix_payment_requests_next_check_at"), "payment_requests", ["next_check_at"])
    op.create_index(op.f("ix_payment_requests_reinitiated_from_id"), "payment_requests", ["reinitiated_from_id"])
    op.create_table(
        "payment_references",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("debit_account_id", sa.Integer(), nullable=False),
        sa.Column("bank", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("allocated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["payment_id"], ["payment_requests.id"],
                                name=op.f("fk_payment_references_payment_id_payment_requests")),
        sa.ForeignKeyConstraint(["debit_account_id"], ["bank_accounts.id"],
                                name=op.f("fk_payment_references_debit_account_id_bank_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_references")),
        sa.UniqueConstraint("bank", "debit_account_id", "reference",
                            name=op.f("uq_payment_references_bank_debit_account_id_reference")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_payment_references_payment_id")),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("plugin_id", sa.String(64), nullable=False),
        sa.Column("debit_account_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("signer_id", sa.String(128), nullable=False),
        sa.Column("algorithm", sa.String(32), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("not_before", TS, nullable=True),
        sa.Column("current_attempt_id", sa.BigInteger(), nullable=True),
        sa.Column("lease_owner", sa.String(128), nullable=True),
        sa.Column("lease_until", TS, nullable=True),
        sa.Column("resends", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("state IN ('READY', 'SENDING', 'SENT', 'HELD')", name=op.f("ck_submissions_state_known")),
        sa.CheckConstraint("count >= 1", name=op.f("ck_submissions_count_positive")),
        sa.ForeignKeyConstraint(["profile_id"], ["connection_profiles.id"],
                                name=op.f("fk_submissions_profile_id_connection_profiles")),
        sa.ForeignKeyConstraint(["debit_account_id"], ["bank_accounts.id"],
                                name=op.f("fk_submissions_debit_account_id_bank_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
    )
    op.create_index(op.f("ix_submissions_state_not_before"), "submissions", ["state", "not_before"])
    op.create_table(
        "submission_items",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name=op.f("fk_submission_items_submission_id_submissions")),
        sa.ForeignKeyConstraint(["payment_id"], ["payment_requests.id"],
                                name=op.f("fk_submission_items_payment_id_payment_requests")),
        sa.PrimaryKeyConstraint("submission_id", "idx", name=op.f("pk_submission_items")),
    )
    op.create_index(op.f("ix_submission_items_payment_id"), "submission_items", ["payment_id"])
    op.create_table(
        "send_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("attempt_no", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(128), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.CheckConstraint("attempt_no >= 1", name=op.f("ck_send_attempts_attempt_positive")),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name=op.f("fk_send_attempts_submission_id_submissions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_send_attempts")),
        sa.UniqueConstraint("submission_id", "attempt_no", name=op.f("uq_send_attempts_submission_id_attempt_no")),
    )
    for statement in _triggers(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _triggers(up=False):
        op.execute(statement)
    op.drop_table("send_attempts")
    op.drop_table("submission_items")
    op.drop_index(op.f("ix_submissions_state_not_before"), table_name="submissions")
    op.drop_table("submissions")
    op.drop_table("payment_references")
    op.drop_index(op.f("ix_payment_requests_reinitiated_from_id"), table_name="payment_requests")
    op.drop_index(op.f("ix_payment_requests_next_check_at"), table_name="payment_requests")
    for column in reversed(_payment_columns()):
        op.drop_column("payment_requests", column.name)
