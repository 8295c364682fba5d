"""Migration 0011: the payment guards fire only for the writes they guard, and refuse exactly what they refused.

The same table of raw-SQL writes (each in its own transaction, rolled back) is run on the schema as 0010 left it
and after 0011, on SQLite and PostgreSQL: every outcome — refused with which rule, or written — must be the same.
"""

from __future__ import annotations

import re

from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage import migration
from tests.storage.test_payment_storage import H1, H2, world  # noqa: F401 - the fixture is used by name

BEFORE = "0010_alerts"
RULES = ("PAYMENT_CONTENT_FROZEN", "APPROVALS_NOT_VOIDED", "SOD_VIOLATION", "PAYEE_UNCONFIRMED", "FINAL_STATUS",
         "REFERENCE_IMMUTABLE")

# (what, statements, the rule that refuses it or None when it is written)
CASES = [
    ("content change without a new hash", ["UPDATE payment_requests SET amount_minor = amount_minor + 1 WHERE id = :p"],
     "PAYMENT_CONTENT_FROZEN"),
    ("content change with a new hash, while pending", [
        "UPDATE payment_requests SET amount_minor = amount_minor + 1, content_hash = :h2 WHERE id = :p"], None),
    ("content change with a new hash, once approved", [
        "UPDATE payment_requests SET status = 'APPROVED' WHERE id = :p",
        "UPDATE payment_requests SET purpose = '服务费', content_hash = :h2 WHERE id = :p"], "PAYMENT_CONTENT_FROZEN"),
    ("new hash under a live approval", [
        "INSERT INTO approvals (payment_id, approver_id, level, decision, content_hash, comment, at) "
        "VALUES (:p, :approver, 1, 'approved', :h1, NULL, '2025-03-01 09:00:00')",
        "UPDATE payment_requests SET content_hash = :h2 WHERE id = :p"], "APPROVALS_NOT_VOIDED"),
    ("the maker as signer", ["UPDATE payment_requests SET signer_id = :maker WHERE id = :p"], "SOD_VIOLATION"),
    ("another person as signer", ["UPDATE payment_requests SET signer_id = :signer WHERE id = :p"], None),
    ("approved while the payee is unconfirmed", [
        "UPDATE payees SET confirmed = false WHERE id = :payee",
        "UPDATE payment_requests SET status = 'APPROVED' WHERE id = :p"], "PAYEE_UNCONFIRMED"),
    ("queued while the payee is unconfirmed", [
        "UPDATE payees SET confirmed = false WHERE id = :payee",
        "UPDATE payment_requests SET status = 'QUEUED' WHERE id = :p"], None),
    ("leaving a final status", [
        "UPDATE payment_requests SET status = 'SUCCEEDED' WHERE id = :p",
        "UPDATE payment_requests SET status = 'QUEUED' WHERE id = :p"], "FINAL_STATUS"),
    ("a success returned later", [
        "UPDATE payment_requests SET status = 'SUCCEEDED' WHERE id = :p",
        "UPDATE payment_requests SET status = 'RETURNED' WHERE id = :p"], None),
    ("a final payment's other columns", [
        "UPDATE payment_requests SET status = 'FAILED' WHERE id = :p",
        "UPDATE payment_requests SET attention = 'look', version = version + 1 WHERE id = :p"], None),
    ("a set reference changed", [
        "UPDATE payment_requests SET client_reference = 'BD1' WHERE id = :p",
        "UPDATE payment_requests SET client_reference = 'BD2' WHERE id = :p"], "REFERENCE_IMMUTABLE"),
    ("a set reference cleared", [
        "UPDATE payment_requests SET client_reference = 'BD1' WHERE id = :p",
        "UPDATE payment_requests SET client_reference = NULL WHERE id = :p"], "REFERENCE_IMMUTABLE"),
    ("an engine write", [
        "UPDATE payment_requests SET status = 'QUEUED', client_reference = 'BD1' WHERE id = :p",
        "UPDATE payment_requests SET status = 'SENDING', bank_code = 'X', bank_text = '受理', next_check_at = "
        "'2025-03-02 10:00:00', version = version + 1 WHERE id = :p"], None),
]


def _outcomes(engine, world) -> dict[str, str | None]:  # noqa: F811
    params = {"p": world["payment"], "payee": world["payee"], "maker": world["maker"], "signer": world["signer"],
              "approver": world["approver"], "h1": H1, "h2": H2}
    outcomes = {}
    for what, statements, _ in CASES:
        with engine.connect() as conn:
            tx = conn.begin()
            try:
                for sql in statements:
                    conn.execute(text(sql), params)
                outcomes[what] = None
            except DBAPIError as exc:
                found = [r for r in RULES if re.search(rf"\b{r}\b", str(exc.orig))]
                outcomes[what] = found[0] if found else f"other: {exc.orig}"
            finally:
                tx.rollback()
    return outcomes


def _definitions(engine) -> dict[str, str]:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.execute(text("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                                     "WHERE tgrelid = 'payment_requests'::regclass AND NOT tgisinternal"))
        else:
            rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                     "AND tbl_name = 'payment_requests'"))
        found = {name: " ".join(sql.split()) for name, sql in rows}
        conn.rollback()
    return found


def test_the_guards_refuse_exactly_what_they_refused_before_0011(ledger, world):  # noqa: F811
    expected = {what: rule for what, _, rule in CASES}
    engine = ledger.engine
    assert migration.head_revision() == "0011_trigger_conditions" == migration.alembic_head_revision()
    now = _outcomes(engine, world)
    assert now == expected
    with engine.begin() as conn:
        command.downgrade(migration.alembic_config(conn), BEFORE)
    assert _outcomes(engine, world) == expected
    with engine.begin() as conn:
        migration.upgrade(conn, "head")
    with engine.connect() as conn:
        assert migration.current_revision(conn) == "0011_trigger_conditions"
        conn.rollback()
    assert _outcomes(engine, world) == expected


def test_the_guards_fire_only_for_the_writes_they_guard(ledger):
    """What makes a payment's status change cheaper: on PostgreSQL no PL/pgSQL call unless the guarded columns
    change (a WHEN clause); on SQLite the content guard only on UPDATE OF the content columns. A downgrade
    restores the unconditional definitions."""
    engine = ledger.engine
    pg = engine.dialect.name == "postgresql"

    def conditional() -> dict[str, bool]:
        found = _definitions(engine)
        if pg:
            return {name: " WHEN (" in found[name] for name in
                    ("payment_requests_content", "payment_requests_payee_confirmed", "payment_requests_engine")}
        return {"payment_requests_content_frozen":
                "BEFORE UPDATE OF amount_minor, payee_id" in found["payment_requests_content_frozen"]}

    assert all(conditional().values()), _definitions(engine)
    with engine.begin() as conn:
        command.downgrade(migration.alembic_config(conn), BEFORE)
    assert not any(conditional().values()), _definitions(engine)
    with engine.begin() as conn:
        migration.upgrade(conn, "head")
    assert all(conditional().values())
