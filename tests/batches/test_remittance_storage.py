"""Migration 0009 on SQLite and PostgreSQL: payment_requests.remittance written by the batch import's bulk insert,
read back by payment id and by batch (storage.batch_lines_extra), never changed once written (trigger), and the
migration downgrades and upgrades again."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from app.domain.remittance import ReferredDocument, Remittance
from app.domain.users import Role
from storage import migration
from storage.batch_lines_extra import SqlBatchLineExtras
from tests.storage.conftest import clock, data_dir, db_url, ledger, pg_database_url, uow  # noqa: F401
from tests.storage.support import account_fields, payee_fields

COLUMNS = ("payee_id", "amount_minor", "purpose", "content_hash", "batch_line", "required_approvals",
           "required_role", "remittance")
INVOICES = Remittance((ReferredDocument("12345678", date(2025, 2, 20)), ReferredDocument("INV-9")), "PO-778")


def _lines(uow, clock):  # noqa: F811
    with uow() as u:
        org = u.organizations.add("测试有限公司", "91350100M000100Y43")
        maker = u.users.add("maker", "maker", "h", [Role.MAKER], clock.now()).id
        acc = u.accounts.add(org.id, account_fields())
        payees = u.batches.add_payees(org.id, [payee_fields(i) for i in range(3)])
        batch_id = u.batches.add({
            "file_name": "供应商.csv", "file_sha256": "a" * 64, "file_format": "csv", "profile_name": "supplier",
            "kind": "supplier", "debit_account_id": acc.id, "currency": "CNY", "file_rows": 3, "line_count": 3,
            "excluded_count": 0, "total_minor": 6, "payees_created": 3, "status": "PENDING_APPROVAL",
            "created_by": maker, "created_at": clock.now()})
        now = clock.now()
        common = {"org_id": org.id, "debit_account_id": acc.id, "currency": "CNY", "requested_date": date(2025, 3, 2),
                  "urgency": "normal", "status": "PENDING_APPROVAL", "client_reference": None, "maker_id": maker,
                  "version": 1, "created_at": now, "updated_at": now, "duplicate_override": False,
                  "policy_version": 0, "submitted_at": now, "signer_id": None, "check_count": 0,
                  "no_record_count": 0, "batch_id": batch_id}
        rows = [(payees[0], 1, "货款", "0" * 64, 2, 1, None, INVOICES.to_json()),
                (payees[1], 2, "货款", "1" * 64, 3, 1, None, None),
                (payees[2], 3, "货款", "2" * 64, 4, 1, None, Remittance(reference="只有附言").to_json())]
        ids = u.batches.add_payment_lines(common, rows, COLUMNS)
        u.commit()
    return batch_id, ids


def test_remittance_is_stored_read_back_and_never_changed(ledger, uow, clock):  # noqa: F811
    batch_id, ids = _lines(uow, clock)
    with uow(read_only=True) as u:
        extras = SqlBatchLineExtras.of(u)
        assert extras.remittances(ids) == {ids[0]: INVOICES, ids[2]: Remittance(reference="只有附言")}
        assert extras.batch_remittances(batch_id) == extras.remittances(ids)
        assert extras.batch_rows([*ids, 999]) == {ids[0]: (batch_id, 2), ids[1]: (batch_id, 3), ids[2]: (batch_id, 4)}
    with uow() as u:
        u.session.execute(text("UPDATE payment_requests SET status = 'APPROVED' WHERE id = :i"), {"i": ids[1]})
        u.commit()                                              # other columns still change freely
    for pid, value in ((ids[0], None), (ids[0], Remittance(reference="x").to_json()), (ids[1], "{}")):
        with uow() as u, pytest.raises(DBAPIError, match="REMITTANCE_IMMUTABLE"):
            u.session.execute(text("UPDATE payment_requests SET remittance = :r WHERE id = :i"), {"r": value, "i": pid})
            u.session.flush()
    with uow(read_only=True) as u:
        assert SqlBatchLineExtras.of(u).remittances(ids)[ids[0]] == INVOICES


def test_migration_0009_downgrades_and_upgrades_again(ledger):  # noqa: F811
    assert "0009_payment_remittance" in migration.known_revisions()
    head = ledger.current_revision()
    engine = ledger.engine

    def columns() -> set[str]:
        with engine.connect() as conn:
            found = {c["name"] for c in inspect(conn).get_columns("payment_requests")}
            conn.rollback()
        return found

    assert "remittance" in columns()
    with engine.begin() as conn:
        command.downgrade(migration.alembic_config(conn), "0008_payment_batches")
    assert "remittance" not in columns() and {"batch_id", "batch_line"} <= columns()
    with engine.connect() as conn:
        assert migration.current_revision(conn) == "0008_payment_batches"
        conn.rollback()
    with engine.begin() as conn:
        migration.upgrade(conn, "head")
    assert "remittance" in columns()
    with engine.connect() as conn:
        assert migration.current_revision(conn) == head
        conn.rollback()
