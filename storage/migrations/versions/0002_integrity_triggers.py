"""Integrity triggers: separation of duties on approvals, append-only audit log.

* A payment's maker can never approve it: an approvals row whose approver_id equals the payment's maker_id
  is refused, and so is changing a payment's maker to someone who already approved it.
* audit_log refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL): corrections are new entries.

Revision ID: 0002_integrity_triggers
Revises: 0001_initial
Create Date: 2025-01-01
"""

from __future__ import annotations

from alembic import op

revision = "0002_integrity_triggers"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

# Error texts (SOD_VIOLATION / AUDIT_APPEND_ONLY prefixes are what storage.db_errors recognises) are spelled
# out in each statement: the SQL below is constant text, with nothing interpolated.

SQLITE_UP = [
    """CREATE TRIGGER approvals_sod_insert BEFORE INSERT ON approvals
    WHEN EXISTS (SELECT 1 FROM payment_requests p WHERE p.id = NEW.payment_id AND p.maker_id = NEW.approver_id)
    BEGIN SELECT RAISE(ABORT, 'SOD_VIOLATION: the maker of a payment cannot approve it'); END""",
    """CREATE TRIGGER approvals_sod_update BEFORE UPDATE OF payment_id, approver_id ON approvals
    WHEN EXISTS (SELECT 1 FROM payment_requests p WHERE p.id = NEW.payment_id AND p.maker_id = NEW.approver_id)
    BEGIN SELECT RAISE(ABORT, 'SOD_VIOLATION: the maker of a payment cannot approve it'); END""",
    """CREATE TRIGGER payment_requests_sod_maker BEFORE UPDATE OF maker_id ON payment_requests
    WHEN EXISTS (SELECT 1 FROM approvals a WHERE a.payment_id = NEW.id AND a.approver_id = NEW.maker_id)
    BEGIN SELECT RAISE(ABORT, 'SOD_VIOLATION: the maker of a payment cannot approve it'); END""",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'AUDIT_APPEND_ONLY: audit entries cannot be changed or deleted'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'AUDIT_APPEND_ONLY: audit entries cannot be changed or deleted'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS approvals_sod_insert",
    "DROP TRIGGER IF EXISTS approvals_sod_update",
    "DROP TRIGGER IF EXISTS payment_requests_sod_maker",
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
]

PG_UP = [
    """CREATE FUNCTION approvals_enforce_sod() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM payment_requests p
                   WHERE p.id = NEW.payment_id AND p.maker_id = NEW.approver_id) THEN
            RAISE EXCEPTION 'SOD_VIOLATION: the maker of payment % cannot approve it', NEW.payment_id
                USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER approvals_sod BEFORE INSERT OR UPDATE OF payment_id, approver_id ON approvals
    FOR EACH ROW EXECUTE FUNCTION approvals_enforce_sod()""",
    """CREATE FUNCTION payment_requests_enforce_sod() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM approvals a WHERE a.payment_id = NEW.id AND a.approver_id = NEW.maker_id) THEN
            RAISE EXCEPTION 'SOD_VIOLATION: the maker of payment % cannot approve it', NEW.id USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER payment_requests_sod_maker BEFORE UPDATE OF maker_id ON payment_requests
    FOR EACH ROW EXECUTE FUNCTION payment_requests_enforce_sod()""",
    """CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'AUDIT_APPEND_ONLY: audit entries cannot be changed or deleted' USING ERRCODE = '23000';
    END $$""",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_delete ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_refuse_change()",
    "DROP TRIGGER IF EXISTS payment_requests_sod_maker ON payment_requests",
    "DROP FUNCTION IF EXISTS payment_requests_enforce_sod()",
    "DROP TRIGGER IF EXISTS approvals_sod ON approvals",
    "DROP FUNCTION IF EXISTS approvals_enforce_sod()",
]


def _statements(up: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if dialect == "postgresql":
        return PG_UP if up else PG_DOWN
    raise NotImplementedError(f"no integrity triggers for the {dialect} dialect")


def upgrade() -> None:
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(up=False):
        op.execute(statement)
