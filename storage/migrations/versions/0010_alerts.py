"""Alerts (RELIABILITY.md I7: reconciliation is the last net) and an index for batch counts.

* alerts: one finding a person must look at — kind, severity (CRITICAL/HIGH/MEDIUM/LOW), the payment and account
  it is about, ``dedup_key`` UNIQUE (the same finding is never raised twice: reruns, restarts after a crash and a
  second workstation all insert nothing), title, detail, when, and who acknowledged it, when, with which note.
* Triggers (SQLite and PostgreSQL): ALERT_PERMANENT — an alert is never deleted; ALERT_IMMUTABLE — what an alert
  says never changes, and once acknowledged nothing of it changes (the acknowledgement is the only update, once).
* payment_requests (batch_id, status, amount_minor): the batch view counts and sums a batch's lines by status
  without reading the rows.

Revision ID: 0010_alerts
Revises: 0009_payment_remittance
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_alerts"
down_revision = "0009_payment_remittance"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
_CONTENT = ("kind", "severity", "payment_id", "account_id", "dedup_key", "title", "detail", "created_at")

SQLITE_UP = [
    """CREATE TRIGGER alerts_no_delete BEFORE DELETE ON alerts
    BEGIN SELECT RAISE(ABORT, 'ALERT_PERMANENT: an alert is never deleted'); END""",
    f"""CREATE TRIGGER alerts_fixed BEFORE UPDATE ON alerts
    WHEN OLD.acknowledged_at IS NOT NULL OR {' OR '.join(f'NEW.{c} IS NOT OLD.{c}' for c in _CONTENT)}
    BEGIN SELECT RAISE(ABORT, 'ALERT_IMMUTABLE: an alert cannot be changed, only acknowledged once'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS alerts_fixed", "DROP TRIGGER IF EXISTS alerts_no_delete"]

PG_UP = [
    f"""CREATE FUNCTION alerts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'ALERT_PERMANENT: an alert is never deleted' USING ERRCODE = '23000';
        END IF;
        IF OLD.acknowledged_at IS NOT NULL OR {' OR '.join(f'NEW.{c} IS DISTINCT FROM OLD.{c}' for c in _CONTENT)}
        THEN
            RAISE EXCEPTION 'ALERT_IMMUTABLE: an alert cannot be changed, only acknowledged once'
                USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER alerts_guard BEFORE UPDATE OR DELETE ON alerts
    FOR EACH ROW EXECUTE FUNCTION alerts_guard()""",
]
PG_DOWN = ["DROP TRIGGER IF EXISTS alerts_guard ON alerts", "DROP FUNCTION IF EXISTS alerts_guard()"]


def _triggers(up: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if dialect == "postgresql":
        return PG_UP if up else PG_DOWN
    raise NotImplementedError(f"no alert triggers for the {dialect} dialect")


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("dedup_key", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column("acknowledge_note", sa.Text(), nullable=True),
        sa.CheckConstraint("severity IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW')",
                           name=op.f("ck_alerts_severity_known")),
        sa.CheckConstraint("(acknowledged_at IS NULL AND acknowledged_by IS NULL AND acknowledge_note IS NULL) OR "
                           "(acknowledged_at IS NOT NULL AND acknowledged_by IS NOT NULL AND "
                           "acknowledge_note IS NOT NULL)", name=op.f("ck_alerts_ack_whole")),
        sa.ForeignKeyConstraint(["payment_id"], ["payment_requests.id"],
                                name=op.f("fk_alerts_payment_id_payment_requests")),
        sa.ForeignKeyConstraint(["account_id"], ["bank_accounts.id"], name=op.f("fk_alerts_account_id_bank_accounts")),
        sa.ForeignKeyConstraint(["acknowledged_by"], ["users.id"], name=op.f("fk_alerts_acknowledged_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_alerts_dedup_key")),
    )
    op.create_index(op.f("ix_alerts_acknowledged_at_severity"), "alerts", ["acknowledged_at", "severity"])
    op.create_index(op.f("ix_alerts_payment_id"), "alerts", ["payment_id"])
    for statement in _triggers(up=True):
        op.execute(statement)
    op.create_index(op.f("ix_payment_requests_batch_id_status_amount_minor"), "payment_requests",
                    ["batch_id", "status", "amount_minor"])


def downgrade() -> None:
    op.drop_index(op.f("ix_payment_requests_batch_id_status_amount_minor"), table_name="payment_requests")
    for statement in _triggers(up=False):
        op.execute(statement)
    op.drop_index(op.f("ix_alerts_payment_id"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_acknowledged_at_severity"), table_name="alerts")
    op.drop_table("alerts")
