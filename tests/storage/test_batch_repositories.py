"""The bulk writes of a batch import on SQLite and PostgreSQL: multi-row INSERTs on the driver connection must
store exactly what the ORM stores (UtcDateTime timestamps, dates, booleans), hand back ids in input order across
statement boundaries, fill in the per-line history, find existing payees by scan and by index, and turn
constraint violations into the same domain errors."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

import storage.batch_repositories as batch_repos
from app.domain.errors import Conflict
from app.domain.payment import PaymentStatus
from app.domain.users import Role
from tests.storage.support import account_fields, payee_fields

COLUMNS = ("payee_id", "amount_minor", "purpose", "content_hash", "batch_line", "required_approvals",
           "required_role")


@pytest.fixture
def world(uow, org, clock):
    with uow() as u:
        maker = u.users.add("maker", "maker", "h", [Role.MAKER], clock.now()).id
        acc = u.accounts.add(org.id, account_fields())
        u.commit()
    return {"org": org.id, "maker": maker, "account": acc.id}


def _batch(u, world, clock, sha="f" * 64) -> int:
    return u.batches.add({"file_name": "工资.csv", "file_sha256": sha, "file_format": "csv", "profile_name": "payroll",
                          "kind": "payroll", "debit_account_id": world["account"], "currency": "CNY", "file_rows": 1,
                          "line_count": 1, "excluded_count": 0, "total_minor": 1, "payees_created": 0,
                          "status": "PENDING_APPROVAL", "created_by": world["maker"], "created_at": clock.now()})


def _common(world, clock, batch_id) -> dict:
    now = clock.now()
    return {"org_id": world["org"], "debit_account_id": world["account"], "currency": "CNY",
            "requested_date": date(2025, 3, 2), "urgency": "normal", "status": "PENDING_APPROVAL",
            "client_reference": None, "maker_id": world["maker"], "version": 1, "created_at": now,
            "updated_at": now, "duplicate_override": False, "policy_version": 0, "submitted_at": now,
            "signer_id": None, "check_count": 0, "no_record_count": 0, "batch_id": batch_id}


def test_bulk_lines_store_what_the_orm_stores(uow, world, clock, monkeypatch):
    monkeypatch.setattr(batch_repos, "ROWS_PER_STATEMENT", 7)          # several statements and a short last one
    n = 40
    with uow() as u:
        payee_ids = u.batches.add_payees(world["org"], [payee_fields(i, kind="personal") for i in range(n)])
        assert payee_ids == sorted(payee_ids) and len(set(payee_ids)) == n
        batch_id = _batch(u, world, clock)
        rows = [(payee_ids[i], 100 + i, "工资", f"{i:064x}", 2 + 2 * i, 1, None) for i in range(n)]
        history = [{"seq": 1, "from_status": None, "to_status": "DRAFT", "at": clock.now(), "actor": "maker",
                    "detail": "created by batch import (row {row})"},
                   {"seq": 2, "from_status": "DRAFT", "to_status": "PENDING_APPROVAL", "at": clock.now(),
                    "actor": "maker", "detail": "submitted"}]
        ids = u.batches.add_payment_lines(_common(world, clock, batch_id), rows, COLUMNS, history)
        orm = u.payments.add(world["org"], world["maker"], {
            "debit_account_id": world["account"], "payee_id": payee_ids[0], "amount_minor": 5, "currency": "CNY",
            "purpose": "工资", "requested_date": date(2025, 3, 2), "urgent": False}, "e" * 64, duplicate_override=False)
        u.commit()
    assert len(ids) == n and len(set(ids)) == n
    with uow(read_only=True) as u:
        for i in (0, 6, 7, n - 1):
            p = u.payments.get(ids[i])
            assert (p.amount_minor, p.payee_id, p.content_hash, p.status) == (
                100 + i, payee_ids[i], f"{i:064x}", PaymentStatus.PENDING_APPROVAL)
            assert p.created_at == clock.now() and p.requested_date == date(2025, 3, 2)
            steps = u.payments.history(ids[i])
            assert [(h.seq, h.to_status, h.detail, h.at) for h in steps] == [
                (1, PaymentStatus.DRAFT, f"created by batch import (row {2 + 2 * i})", clock.now()),
                (2, PaymentStatus.PENDING_APPROVAL, "submitted", clock.now())]
        assert u.batches.status_counts(batch_id) == {"PENDING_APPROVAL": (n, sum(100 + i for i in range(n)))}
        assert [line.row for line in u.batches.lines(batch_id, 0, 5)] == [2, 4, 6, 8, 10]
        payee = u.payees.get(payee_ids[3])
        assert payee.confirmed and payee.is_active and payee.version == 1 and payee.name == payee_fields(3)["name"]
        raw = u.session.execute(text(
            "SELECT created_at, updated_at, submitted_at, requested_date, duplicate_override FROM payment_requests "
            "WHERE id IN (:a, :b) ORDER BY id"), {"a": ids[0], "b": orm.id}).all()
    bulk_row, orm_row = raw
    assert bulk_row[:2] == orm_row[:2] and bulk_row[3:] == orm_row[3:]   # the very same stored representation


def test_dict_writes_and_lookups_by_scan_and_by_index(uow, world, clock, monkeypatch):
    with uow() as u:
        first = u.batches.add_payees(world["org"], [payee_fields(i) for i in range(5)])
        batch_id = _batch(u, world, clock)
        common = {k: v for k, v in _common(world, clock, batch_id).items()
                  if k not in ("check_count", "no_record_count", "duplicate_override")}   # scalar ORM defaults
        ids = u.batches.add_payments([{**common, "payee_id": first[i], "amount_minor": 10 + i, "purpose": "货款",
                                       "content_hash": "c" * 64, "batch_line": 9 - i, "required_approvals": 1,
                                       "required_role": None} for i in range(5)])
        u.batches.add_history([{"payment_id": pid, "seq": 1, "from_status": None, "to_status": "DRAFT",
                                "at": clock.now(), "actor": "maker", "detail": None} for pid in ids])
        u.commit()
    keys = [(payee_fields(i)["account_number"], payee_fields(i)["cnaps_code"]) for i in range(7)]
    with uow(read_only=True) as u:
        assert [u.payments.get(pid).amount_minor for pid in ids] == [10, 11, 12, 13, 14]
        assert u.payments.history(ids[4])[0].at == clock.now() and u.payments.get(ids[1]).duplicate_override is False
        assert u.session.execute(text("SELECT check_count + no_record_count FROM payment_requests WHERE id = :i"),
                                 {"i": ids[2]}).scalar_one() == 0
        scanned = u.batches.payees_by_account(keys)
        monkeypatch.setattr(batch_repos, "SCAN_FACTOR", 0)
        monkeypatch.setattr(batch_repos, "SCAN_SLACK", 0)
        indexed = u.batches.payees_by_account(keys)
    assert scanned == indexed and sorted(p.id for p in indexed.values()) == first and keys[5] not in indexed


def test_constraint_violations_become_domain_errors_and_write_nothing(uow, world, clock):
    with uow() as u:
        u.batches.add_payees(world["org"], [payee_fields(1)])
        u.commit()
    with pytest.raises(Conflict), uow() as u:
        u.batches.add_payees(world["org"], [payee_fields(2), payee_fields(1)])
    with pytest.raises(Conflict), uow() as u:
        batch_id = _batch(u, world, clock, sha="a" * 64)
        u.batches.add_payment_lines(_common(world, clock, batch_id), [(999_999, 1, "x", "c" * 64, 2, 1, None)],
                                    COLUMNS)
    with uow(read_only=True) as u:
        assert u.session.execute(text("SELECT count(*) FROM payees")).scalar_one() == 1
        assert u.session.execute(text("SELECT count(*) FROM payment_batches")).scalar_one() == 0
