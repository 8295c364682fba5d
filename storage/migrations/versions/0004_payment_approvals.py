"""Payment requests and multi-level approval: policy versions, submission snapshot, voidable approvals, and
database rules a direct SQL edit cannot bypass.

* approval_policies: one row per policy version (never updated).
* payment_requests: duplicate_override, policy_version / required_approvals / required_role (recorded at
  submission), submitted_at, signer_id.
* approvals: voided_at / void_reason (a voided approval stays, marked), approver_role; a partial unique index
  so one person approves one payment content once.
* Triggers (SQLite and PostgreSQL):
  - APPROVAL_BINDING: an approval row must carry the payment's *current* content_hash, and the payment must be
    awaiting approval;
  - APPROVAL_IMMUTABLE: an approval's decision, level and content hash never change, and a void is never undone;
  - APPROVALS_NOT_VOIDED: a payment's content_hash cannot change while live approvals exist for it (void first);
  - PAYMENT_CONTENT_FROZEN: the payment content changes only with a new content_hash and only while DRAFT,
    PENDING_APPROVAL or REJECTED;
  - SOD_VIOLATION: the signer is neither the maker nor an approver, and a signer cannot approve.

Revision ID: 0004_payment_approvals
Revises: 0003_bank_connectivity
Create Date: 2025-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_payment_approvals"
down_revision = "0003_bank_connectivity"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)

_CONTENT_CHANGED = ("(NEW.amount_minor <> OLD.amount_minor OR NEW.payee_id <> OLD.payee_id "
                    "OR NEW.debit_account_id <> OLD.debit_account_id OR NEW.currency <> OLD.currency "
                    "OR NEW.purpose <> OLD.purpose OR NEW.requested_date <> OLD.requested_date "
                    "OR NEW.urgency <> OLD.urgency)")
_EDITABLE = "('DRAFT', 'PENDING_APPROVAL', 'REJECTED')"

SQLITE_UP = [
    """CREATE TRIGGER approvals_binding BEFORE INSERT ON approvals
    WHEN NOT EXISTS (SELECT 1 FROM payment_requests p WHERE p.id = NEW.payment_id
                     AND p.content_hash = NEW.content_hash AND p.status = 'PENDING_APPROVAL')
    BEGIN SELECT RAISE(ABORT, 'APPROVAL_BINDING: an approval must bind the current content of a pending payment'); END""",
    """CREATE TRIGGER approvals_signer_sod BEFORE INSERT ON approvals
    WHEN EXISTS (SELECT 1 FROM payment_requests p WHERE p.id = NEW.payment_id AND p.signer_id = NEW.approver_id)
    BEGIN SELECT RAISE(ABORT, 'SOD_VIOLATION: the signer of a payment cannot approve it'); END""",
    """CREATE TRIGGER approvals_immutable BEFORE UPDATE ON approvals
    WHEN NEW.decision <> OLD.decision OR NEW.content_hash <> OLD.content_hash OR NEW.level <> OLD.level
         OR (OLD.voided_at IS NOT NULL AND (NEW.voided_at IS NULL OR NEW.voided_at <> OLD.voided_at))
    BEGIN SELECT RAISE(ABORT, 'APPROVAL_IMMUTABLE: an approval decision cannot be changed or un-voided'); END""",
    """CREATE TRIGGER payment_requests_void_first BEFORE UPDATE OF content_hash ON payment_requests
    WHEN NEW.content_hash <> OLD.content_hash AND EXISTS (SELECT 1 FROM approvals a WHERE a.payment_id = OLD.id
         AND a.voided_at IS NULL AND a.decision = 'approved')
    BEGIN SELECT RAISE(ABORT, 'APPROVALS_NOT_VOIDED: content changed without voiding its approvals'); END""",
    f"""CREATE TRIGGER payment_requests_content_frozen BEFORE UPDATE ON payment_requests
    WHEN {_CONTENT_CHANGED} AND (OLD.status NOT IN {_EDITABLE} OR NEW.content_hash = OLD.content_hash)
    BEGIN SELECT RAISE(ABORT, 'PAYMENT_CONTENT_FROZEN: content changes need a new hash, before approval'); END""",
    """CREATE TRIGGER payment_requests_signer_sod BEFORE UPDATE OF signer_id ON payment_requests
    WHEN NEW.signer_id IS NOT NULL AND (NEW.signer_id = NEW.maker_id OR EXISTS (SELECT 1 FROM approvals a
         WHERE a.payment_id = NEW.id AND a.approver_id = NEW.signer_id))
    BEGIN SELECT RAISE(ABORT, 'SOD_VIOLATION: the signer of a payment must be neither its maker nor an approver');
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS payment_requests_signer_sod",
    "DROP TRIGGER IF EXISTS payment_requests_content_frozen",
    "DROP TRIGGER IF EXISTS payment_requests_void_first",
    "DROP TRIGGER IF EXISTS approvals_immutable",
    "DROP TRIGGER IF EXISTS approvals_signer_sod",
    "DROP TRIGGER IF EXISTS approvals_binding",
]

PG_UP = [
    """CREATE FUNCTION approvals_enforce_binding() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM payment_requests p WHERE p.id = NEW.payment_id
                       AND p.content_hash = NEW.content_hash AND p.status = 'PENDING_APPROVAL') THEN
            RAISE EXCEPTION 'APPROVAL_BINDING: an approval must bind the current content of a payment awaiting '
                            'approval' USING ERRCODE = '23000';
        END IF;
        IF EXISTS (SELECT 1 FROM payment_requests p WHERE p.id = NEW.payment_id AND p.signer_id = NEW.approver_id)
        THEN
            RAISE EXCEPTION 'SOD_VIOLATION: the signer of a payment cannot approve it' USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER approvals_binding BEFORE INSERT ON approvals
    FOR EACH ROW EXECUTE FUNCTION approvals_enforce_binding()""",
    """CREATE FUNCTION approvals_enforce_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.decision <> OLD.decision OR NEW.content_hash <> OLD.content_hash OR NEW.level <> OLD.level
           OR (OLD.voided_at IS NOT NULL AND NEW.voided_at IS DISTINCT FROM OLD.voided_at) THEN
            RAISE EXCEPTION 'APPROVAL_IMMUTABLE: an approval decision cannot be changed or un-voided'
                USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER approvals_immutable BEFORE UPDATE ON approvals
    FOR EACH ROW EXECUTE FUNCTION approvals_enforce_immutable()""",
    f"""CREATE FUNCTION payment_requests_enforce_content() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.content_hash <> OLD.content_hash AND EXISTS (SELECT 1 FROM approvals a WHERE a.payment_id = OLD.id
           AND a.voided_at IS NULL AND a.decision = 'approved') THEN
            RAISE EXCEPTION 'APPROVALS_NOT_VOIDED: the content of an approved payment changed without voiding its '
                            'approvals' USING ERRCODE = '23000';
        END IF;
        IF {_CONTENT_CHANGED} AND (OLD.status NOT IN {_EDITABLE} OR NEW.content_hash = OLD.content_hash) THEN
            RAISE EXCEPTION 'PAYMENT_CONTENT_FROZEN: the payment content changes only with a new content hash, '
                            'before approval' USING ERRCODE = '23000';
        END IF;
        IF NEW.signer_id IS NOT NULL AND NEW.signer_id IS DISTINCT FROM OLD.signer_id
           AND (NEW.signer_id = NEW.maker_id OR EXISTS (SELECT 1 FROM approvals a WHERE a.payment_id = NEW.id
                AND a.approver_id = NEW.signer_id)) THEN
            RAISE EXCEPTION 'SOD_VIOLATION: the signer of a payment must be neither its maker nor an approver'
                USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER payment_requests_content BEFORE UPDATE ON payment_requests
    FOR EACH ROW EXECUTE FUNCTION payment_requests_enforce_content()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS payment_requests_content ON payment_requests",
    "DROP FUNCTION IF EXISTS payment_requests_enforce_content()",
    "DROP TRIGGER IF EXISTS approvals_immutable ON approvals",
    "DROP FUNCTION IF EXISTS approvals_enforce_immutable()",
    "DROP TRIGGER IF EXISTS approvals_binding ON approvals",
    "DROP FUNCTION IF EXISTS approvals_enforce_binding()",
]


def _triggers(up: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if dialect == "postgresql":
        return PG_UP if up else PG_DOWN
    raise NotImplementedError(f"no payment triggers for the {dialect} dialect")


def upgrade() -> None:
    op.create_table(
        "approval_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rules_json", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_approval_policies_version_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_policies")),
        sa.UniqueConstraint("version", name=op.f("uq_approval_policies_version")),
    )
    op.add_column("payment_requests", sa.Column("duplicate_override", sa.Boolean(), nullable=False,
                                                server_default=sa.false()))
    op.add_column("payment_requests", sa.Column("policy_version", sa.Integer(), nullable=True))
    op.add_column("payment_requests", sa.Column("required_approvals", sa.SmallInteger(), nullable=True))
    op.add_column("payment_requests", sa.Column("required_role", sa.String(16), nullable=True))
    op.add_column("payment_requests", sa.Column("submitted_at", TS, nullable=True))
    op.add_column("payment_requests", sa.Column("signer_id", sa.Integer(), nullable=True))
    op.add_column("approvals", sa.Column("voided_at", TS, nullable=True))
    op.add_column("approvals", sa.Column("void_reason", sa.String(200), nullable=True))
    op.add_column("approvals", sa.Column("approver_role", sa.String(16), nullable=True))
    op.create_index("uq_approvals_active_approver", "approvals", ["payment_id", "approver_id", "content_hash"],
                    unique=True, sqlite_where=sa.text("voided_at IS NULL AND decision = 'approved'"),
                    postgresql_where=sa.text("voided_at IS NULL AND decision = 'approved'"))
    for statement in _triggers(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _triggers(up=False):
        op.execute(statement)
    op.drop_index("uq_approvals_active_approver", table_name="approvals")
    with op.batch_alter_table("approvals") as batch:
        for column in ("approver_role", "void_reason", "voided_at"):
            batch.drop_column(column)
    with op.batch_alter_table("payment_requests") as batch:
        for column in ("signer_id", "submitted_at", "required_role", "required_approvals", "policy_version",
                       "duplicate_override"):
            batch.drop_column(column)
    op.drop_table("approval_policies")
