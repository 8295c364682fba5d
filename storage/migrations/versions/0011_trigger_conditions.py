"""The payment guards fire only for the writes they guard: the same rules, less work for every engine write.

Every status change of a payment (five per payroll line on its way to SUCCEEDED) ran each guard on
payment_requests. The rules and their messages stay exactly as they were; only where they are evaluated changes:

* PostgreSQL: the three PL/pgSQL guards that fired on every UPDATE get a ``WHEN`` clause, evaluated in the
  executor, that holds whenever their function could refuse the row:
  - payment_requests_content (APPROVALS_NOT_VOIDED, PAYMENT_CONTENT_FROZEN, SOD_VIOLATION of the signer): when the
    content hash, the signer or a content column changes;
  - payment_requests_payee_confirmed (PAYEE_UNCONFIRMED): when the new status is one the rule blocks;
  - payment_requests_engine (REFERENCE_IMMUTABLE, FINAL_STATUS): when a set reference changes or a final status
    is left.
  A status UPDATE of 50 rows per statement: 59 → 37 µs a row (local PostgreSQL 15, 10,000 rows).
* SQLite: payment_requests_content_frozen fired on every UPDATE; it now fires on UPDATE OF the content columns
  (its condition can hold only when one of them is written).

Revision ID: 0011_trigger_conditions
Revises: 0010_alerts
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0011_trigger_conditions"
down_revision = "0010_alerts"
branch_labels = None
depends_on = None

_CONTENT_COLUMNS = ("amount_minor", "payee_id", "debit_account_id", "currency", "purpose", "requested_date",
                    "urgency")
# as in 0004_payment_approvals (the guard's own condition)
_CONTENT_CHANGED = "(" + " OR ".join(f"NEW.{c} <> OLD.{c}" for c in _CONTENT_COLUMNS) + ")"
_EDITABLE = "('DRAFT', 'PENDING_APPROVAL', 'REJECTED')"
_BLOCKED = "('PENDING_APPROVAL', 'APPROVED', 'SIGNED')"                                  # 0006_payee_confirmation
_FINAL = "('SUCCEEDED', 'FAILED', 'PARTIAL', 'CANCELLED', 'EXPIRED', 'RETURNED')"       # 0007_submission_engine

_SQLITE_CONTENT_FROZEN = """CREATE TRIGGER payment_requests_content_frozen BEFORE UPDATE{of} ON payment_requests
    WHEN {changed} AND (OLD.status NOT IN {editable} OR NEW.content_hash = OLD.content_hash)
    BEGIN SELECT RAISE(ABORT, 'PAYMENT_CONTENT_FROZEN: content changes need a new hash, before approval'); END"""

SQLITE_UP = [
    "DROP TRIGGER IF EXISTS payment_requests_content_frozen",
    _SQLITE_CONTENT_FROZEN.format(of=f" OF {', '.join(_CONTENT_COLUMNS)}", changed=_CONTENT_CHANGED,
                                  editable=_EDITABLE),
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS payment_requests_content_frozen",
    _SQLITE_CONTENT_FROZEN.format(of="", changed=_CONTENT_CHANGED, editable=_EDITABLE),
]

# (trigger, events, function, WHEN condition): each condition holds whenever the function's own tests can refuse
_PG_GUARDS = [
    ("payment_requests_content", "UPDATE", "payment_requests_enforce_content",
     f"NEW.content_hash IS DISTINCT FROM OLD.content_hash OR NEW.signer_id IS DISTINCT FROM OLD.signer_id "
     f"OR {_CONTENT_CHANGED}"),
    ("payment_requests_payee_confirmed", "INSERT OR UPDATE", "payment_requests_check_payee_confirmed",
     f"NEW.status IN {_BLOCKED}"),
    ("payment_requests_engine", "UPDATE", "payment_requests_check_engine",
     f"(OLD.client_reference IS NOT NULL AND NEW.client_reference IS DISTINCT FROM OLD.client_reference) "
     f"OR (OLD.status IN {_FINAL} AND NEW.status IS DISTINCT FROM OLD.status)"),
]


def _pg(conditional: bool) -> list[str]:
    statements = []
    for name, events, function, condition in _PG_GUARDS:
        when = f"\n    WHEN ({condition})" if conditional else ""
        statements += [f"DROP TRIGGER IF EXISTS {name} ON payment_requests",
                       f"CREATE TRIGGER {name} BEFORE {events} ON payment_requests\n    FOR EACH ROW{when} "
                       f"EXECUTE FUNCTION {function}()"]
    return statements


def _statements(up: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if dialect == "postgresql":
        return _pg(conditional=up)
    raise NotImplementedError(f"no payment guards for the {dialect} dialect")


def upgrade() -> None:
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(up=False):
        op.execute(statement)
