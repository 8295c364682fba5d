"""Payee bank-detail changes need a second person's confirmation (RELIABILITY.md §3).

* payees.confirmed (NOT NULL, default true: existing and new payees are confirmed), payees.changed_by (the user
  who last changed the bank details), payees.confirmed_by (who confirmed them).
* Triggers (SQLite and PostgreSQL):
  - PAYEE_UNCONFIRMED: a payment request cannot move to PENDING_APPROVAL, APPROVED or SIGNED while its payee is
    unconfirmed;
  - SELF_CONFIRM: a payee cannot become confirmed without a confirmer, or by the person who changed it.

Revision ID: 0006_payee_confirmation
Revises: 0005_signed_batches
Create Date: 2025-01-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_payee_confirmation"
down_revision = "0005_signed_batches"
branch_labels = None
depends_on = None

BLOCKED = "('PENDING_APPROVAL', 'APPROVED', 'SIGNED')"

SQLITE_UP = [
    f"""CREATE TRIGGER payment_requests_payee_confirmed BEFORE UPDATE OF status, payee_id ON payment_requests
    WHEN NEW.status IN {BLOCKED}
         AND EXISTS (SELECT 1 FROM payees WHERE id = NEW.payee_id AND NOT confirmed)
    BEGIN SELECT RAISE(ABORT, 'PAYEE_UNCONFIRMED: the payee awaits a second person''s confirmation'); END""",
    f"""CREATE TRIGGER payment_requests_payee_confirmed_insert BEFORE INSERT ON payment_requests
    WHEN NEW.status IN {BLOCKED}
         AND EXISTS (SELECT 1 FROM payees WHERE id = NEW.payee_id AND NOT confirmed)
    BEGIN SELECT RAISE(ABORT, 'PAYEE_UNCONFIRMED: the payee awaits a second person''s confirmation'); END""",
    """CREATE TRIGGER payees_no_self_confirm BEFORE UPDATE OF confirmed, confirmed_by, changed_by ON payees
    WHEN NEW.confirmed AND NOT OLD.confirmed
         AND (NEW.confirmed_by IS NULL OR NEW.confirmed_by IS NEW.changed_by)
    BEGIN SELECT RAISE(ABORT, 'SELF_CONFIRM: a payee change needs a different confirmer'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS payees_no_self_confirm",
    "DROP TRIGGER IF EXISTS payment_requests_payee_confirmed_insert",
    "DROP TRIGGER IF EXISTS payment_requests_payee_confirmed",
]

PG_UP = [
    f"""CREATE FUNCTION payment_requests_check_payee_confirmed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.status IN {BLOCKED}
           AND EXISTS (SELECT 1 FROM payees WHERE id = NEW.payee_id AND NOT confirmed) THEN
            RAISE EXCEPTION 'PAYEE_UNCONFIRMED: the payee''s bank details await a second person''s confirmation'
                USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER payment_requests_payee_confirmed BEFORE INSERT OR UPDATE ON payment_requests
    FOR EACH ROW EXECUTE FUNCTION payment_requests_check_payee_confirmed()""",
    """CREATE FUNCTION payees_check_confirmer() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.confirmed AND NOT OLD.confirmed
           AND (NEW.confirmed_by IS NULL OR NEW.confirmed_by IS NOT DISTINCT FROM NEW.changed_by) THEN
            RAISE EXCEPTION 'SELF_CONFIRM: a payee change must be confirmed by someone other than the person '
                            'who made it' USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER payees_no_self_confirm BEFORE UPDATE ON payees
    FOR EACH ROW EXECUTE FUNCTION payees_check_confirmer()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS payees_no_self_confirm ON payees",
    "DROP FUNCTION IF EXISTS payees_check_confirmer()",
    "DROP TRIGGER IF EXISTS payment_requests_payee_confirmed ON payment_requests",
    "DROP FUNCTION IF EXISTS payment_requests_check_payee_confirmed()",
]


def _triggers(up: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if dialect == "postgresql":
        return PG_UP if up else PG_DOWN
    raise NotImplementedError(f"no payee-confirmation triggers for the {dialect} dialect")


def upgrade() -> None:
    op.add_column("payees", sa.Column("confirmed", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("payees", sa.Column("changed_by", sa.Integer(), nullable=True))
    op.add_column("payees", sa.Column("confirmed_by", sa.Integer(), nullable=True))
    for statement in _triggers(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _triggers(up=False):
        op.execute(statement)
    with op.batch_alter_table("payees") as batch:
        for column in ("confirmed_by", "changed_by", "confirmed"):
            batch.drop_column(column)
