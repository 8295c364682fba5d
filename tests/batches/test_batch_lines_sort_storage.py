"""SqlBatchRepository.lines on SQLite and PostgreSQL: each page carries its remittance, any whitelisted order is
read page by page in SQL (ties in file order, NULL texts first ascending on both databases), and a name outside
the whitelist never reaches the SQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from app.domain.remittance import EMPTY_REMITTANCE, ReferredDocument, Remittance
from app.domain.users import Role
from tests.storage.conftest import clock, data_dir, db_url, ledger, pg_database_url, uow  # noqa: F401
from tests.storage.support import account_fields, payee_fields

COLUMNS = ("payee_id", "amount_minor", "purpose", "content_hash", "batch_line", "required_approvals",
           "required_role", "remittance")
INVOICES = Remittance((ReferredDocument("12345678", date(2025, 2, 20)), ReferredDocument("INV-9")), "PO-778")
# batch line → (amount, remittance, client reference set afterwards)
LINES = {2: (300, INVOICES, "R-B"), 3: (50, None, None), 4: (300, Remittance(reference="ONLY-REF"), "R-A"),
         5: (900, None, None), 6: (50, Remittance((ReferredDocument("00001"),)), "R-C"), 7: (300, None, None)}


def _batch(uow, clock) -> int:  # noqa: F811
    with uow() as u:
        org = u.organizations.add("测试有限公司", "91350100M000100Y43")
        maker = u.users.add("maker", "maker", "h", [Role.MAKER], clock.now()).id
        acc = u.accounts.add(org.id, account_fields())
        payees = u.batches.add_payees(org.id, [payee_fields(i) for i in range(len(LINES))])
        batch_id = u.batches.add({
            "file_name": "供应商.csv", "file_sha256": "b" * 64, "file_format": "csv", "profile_name": "supplier",
            "kind": "supplier", "debit_account_id": acc.id, "currency": "CNY", "file_rows": len(LINES),
            "line_count": len(LINES), "excluded_count": 0, "total_minor": sum(a for a, _r, _c in LINES.values()),
            "payees_created": len(LINES), "status": "PENDING_APPROVAL", "created_by": maker,
            "created_at": clock.now()})
        now = clock.now()
        common = {"org_id": org.id, "debit_account_id": acc.id, "currency": "CNY", "requested_date": date(2025, 3, 2),
                  "urgency": "normal", "status": "PENDING_APPROVAL", "client_reference": None, "maker_id": maker,
                  "version": 1, "created_at": now, "updated_at": now, "duplicate_override": False,
                  "policy_version": 0, "submitted_at": now, "signer_id": None, "check_count": 0,
                  "no_record_count": 0, "batch_id": batch_id}
        rows = [(payees[i], amount, "货款", f"{i}" * 64, line, 1, None, rem.to_json() if rem else None)
                for i, (line, (amount, rem, _ref)) in enumerate(LINES.items())]
        u.batches.add_payment_lines(common, rows, COLUMNS)
        for line, (_a, _r, ref) in LINES.items():
            if ref:
                u.session.execute(text("UPDATE payment_requests SET client_reference = :r WHERE batch_id = :b AND "
                                       "batch_line = :l"), {"r": ref, "b": batch_id, "l": line})
        u.commit()
    return batch_id


def _rows(uow, batch_id, sort, descending, page=2):  # noqa: F811
    out = []
    with uow(read_only=True) as u:
        for offset in range(0, len(LINES), page):
            out += u.batches.lines(batch_id, offset, page, sort=sort, descending=descending)
    return out


def test_pages_in_sql_order_with_their_remittance(uow, clock):  # noqa: F811
    batch_id = _batch(uow, clock)
    rows = _rows(uow, batch_id, "row", False)
    assert [r.row for r in rows] == [2, 3, 4, 5, 6, 7]
    by_row = {r.row: r.remittance for r in rows}
    assert by_row == {2: INVOICES, 3: EMPTY_REMITTANCE, 4: Remittance(reference="ONLY-REF"), 5: EMPTY_REMITTANCE,
                      6: Remittance((ReferredDocument("00001"),)), 7: EMPTY_REMITTANCE}
    assert [r.row for r in _rows(uow, batch_id, "row", True)] == [7, 6, 5, 4, 3, 2]
    # ties keep the file order in both directions
    assert [r.row for r in _rows(uow, batch_id, "amount", False)] == [3, 6, 2, 4, 7, 5]
    assert [r.row for r in _rows(uow, batch_id, "amount", True)] == [5, 2, 4, 7, 3, 6]
    # NULL client references sort as "" (first ascending, last descending) on both databases
    assert [r.row for r in _rows(uow, batch_id, "client_reference", False)] == [3, 5, 7, 4, 2, 6]
    assert [r.row for r in _rows(uow, batch_id, "client_reference", True)] == [6, 2, 4, 3, 5, 7]
    # remittance: none first, then by the stored form (the first invoice number, a reference alone after invoices)
    assert [r.row for r in _rows(uow, batch_id, "remittance", False)] == [3, 5, 7, 6, 2, 4]
    with uow(read_only=True) as u, pytest.raises(ValueError, match="cannot be sorted"):
        u.batches.lines(batch_id, 0, 10, sort="amount_minor desc; --")
