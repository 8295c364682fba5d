"""Structured remittance of supplier payments (issue #7, item 4): the invoices a payment pays and its reference.

* payment_requests.remittance: canonical JSON of :class:`app.domain.remittance.Remittance` (invoice numbers and
  dates, remittance reference), NULL for payments without one. Written with the payment (batch import) and
  read by payment id when the engine builds the wire message. Plain ADD COLUMN (no table rebuild on SQLite, so
  the triggers of 0004, 0006 and 0007 stay).
* Triggers (SQLite and PostgreSQL) REMITTANCE_IMMUTABLE: once written, the remittance of a payment never changes
  (it is not part of the content hash the approvers bound, so it must not move under them).

Revision ID: 0009_payment_remittance
Revises: 0008_payment_batches
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_payment_remittance"
down_revision = "0008_payment_batches"
branch_labels = None
depends_on = None

SQLITE_UP = [
    """CREATE TRIGGER payment_requests_remittance_immutable BEFORE UPDATE OF remittance ON payment_requests
    WHEN OLD.remittance IS NOT NEW.remittance
    BEGIN SELECT RAISE(ABORT, 'REMITTANCE_IMMUTABLE: the remittance of a payment cannot be changed'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS payment_requests_remittance_immutable"]

PG_UP = [
    """CREATE FUNCTION payment_requests_check_remittance() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.remittance IS DISTINCT FROM NEW.remittance THEN
            RAISE EXCEPTION 'REMITTANCE_IMMUTABLE: the remittance of a payment cannot be changed'
                USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER payment_requests_remittance_immutable BEFORE UPDATE OF remittance ON payment_requests
    FOR EACH ROW EXECUTE FUNCTION payment_requests_check_remittance()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS payment_requests_remittance_immutable ON payment_requests",
    "DROP FUNCTION IF EXISTS payment_requests_check_remittance()",
]


def _triggers(up: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if dialect == "postgresql":
        return PG_UP if up else PG_DOWN
    raise NotImplementedError(f"no remittance triggers for the {dialect} dialect")


def upgrade() -> None:
    op.add_column("payment_requests", sa.Column("remittance", sa.Text(), nullable=True))
    for statement in _triggers(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _triggers(up=False):
        op.execute(statement)
    op.drop_column("payment_requests", "remittance")
