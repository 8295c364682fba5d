"""SQL repository of imported payment batches (migration 0008) and the bulk writes of an import.

Bulk inserts go through SQLAlchemy Core (``insert().returning(..., sort_by_parameter_order=True)`` executed with a
list of parameter sets: SQLAlchemy's "insertmanyvalues" batches them into multi-row statements and hands back the
new ids in input order, on SQLite and PostgreSQL alike), never one ORM object per row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select, tuple_, update

from app.domain.batch_import import BatchLineStatus, PaymentBatch
from app.domain.errors import Conflict
from app.domain.master_data import AccountKind, Payee
from app.ports.clock import Clock
from storage.orm import (
    BankAccountRow,
    BatchImportProfileRow,
    PayeeRow,
    PaymentBatchRow,
    PaymentRequestRow,
    PaymentStatusHistoryRow,
    UserRow,
)
from storage.repositories import _guarded

_KEYS_PER_QUERY = 400     # (account, code) pairs per IN list: 800 parameters, below SQLite's limit


def _batch(record: Any) -> PaymentBatch:
    row, debit_number, username = record
    return PaymentBatch(
        id=row.id, file_name=row.file_name, file_sha256=row.file_sha256, file_format=row.file_format,
        profile_name=row.profile_name, kind=row.kind, debit_account_id=row.debit_account_id,
        debit_account_number=debit_number, currency=row.currency, file_rows=row.file_rows,
        line_count=row.line_count, excluded_count=row.excluded_count, total_minor=row.total_minor,
        payees_created=row.payees_created, status=row.status, created_by=row.created_by,
        created_by_name=username, created_at=row.created_at)


def _batch_query():
    return (select(PaymentBatchRow, BankAccountRow.account_number, UserRow.username)
            .join(BankAccountRow, BankAccountRow.id == PaymentBatchRow.debit_account_id)
            .join(UserRow, UserRow.id == PaymentBatchRow.created_by))


def _payee(row: PayeeRow) -> Payee:
    return Payee(id=row.id, org_id=row.org_id, name=row.name, account_number=row.account_number,
                 bank_name=row.bank_name, branch_name=row.branch_name, cnaps_code=row.cnaps_code, uscc=row.uscc,
                 kind=AccountKind(row.kind), is_active=bool(row.is_active), version=row.version,
                 confirmed=bool(row.confirmed), changed_by=row.changed_by, confirmed_by=row.confirmed_by)


class SqlBatchRepository:
    def __init__(self, session, clock: Clock):
        self._s = session
        self._clock = clock

    # -- batches --------------------------------------------------------------------------------------------
    def get(self, batch_id: int) -> PaymentBatch | None:
        record = self._s.execute(_batch_query().where(PaymentBatchRow.id == batch_id)).one_or_none()
        return None if record is None else _batch(record)

    def get_by_sha256(self, sha256: str) -> PaymentBatch | None:
        record = self._s.execute(_batch_query().where(PaymentBatchRow.file_sha256 == sha256)).one_or_none()
        return None if record is None else _batch(record)

    def list(self, limit: int = 200) -> list[PaymentBatch]:
        stmt = _batch_query().order_by(PaymentBatchRow.id.desc()).limit(limit)
        return [_batch(r) for r in self._s.execute(stmt)]

    def add(self, fields: dict[str, Any]) -> int:
        table = PaymentBatchRow.__table__
        values = {**fields, "created_at": fields.get("created_at") or self._clock.now()}
        with _guarded(self._s, "a payment batch"):
            existing = self._s.execute(select(table.c.id).where(table.c.file_sha256 == values["file_sha256"]))
            if existing.first() is not None:
                raise Conflict("DUPLICATE", "this file was imported before (same SHA-256)", "file")
            return int(self._s.execute(insert(table).returning(table.c.id), [values]).scalar_one())

    # -- payees ---------------------------------------------------------------------------------------------
    def payees_by_account(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Payee]:
        found: dict[tuple[str, str], Payee] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), _KEYS_PER_QUERY):
            chunk = unique[i:i + _KEYS_PER_QUERY]
            stmt = select(PayeeRow).where(tuple_(PayeeRow.account_number, PayeeRow.cnaps_code).in_(chunk))
            for row in self._s.execute(stmt.execution_options(populate_existing=True)).scalars():
                found[(row.account_number, row.cnaps_code)] = _payee(row)
        return found

    def add_payees(self, org_id: int, rows: Sequence[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        now = self._clock.now()
        table = PayeeRow.__table__
        records = [{"org_id": org_id, "uscc": None, **r, "is_active": True, "version": 1, "confirmed": True,
                    "changed_by": None, "confirmed_by": None, "created_at": now, "updated_at": now} for r in rows]
        before = self._s.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        with _guarded(self._s, "a payee"):
            self._s.execute(insert(table), records)      # one executemany (RETURNING would go row by row on SQLite)
        ids: dict[tuple[str, str], int] = {}
        for pid, account, code in self._s.execute(select(table.c.id, table.c.account_number, table.c.cnaps_code)
                                                  .where(table.c.id > before)):
            ids[(account, code)] = int(pid)
        return [ids[(r["account_number"], r["cnaps_code"])] for r in rows]

    # -- payments -------------------------------------------------------------------------------------------
    def add_payments(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        table = PaymentRequestRow.__table__
        batch_ids = {r["batch_id"] for r in rows}
        if len(batch_ids) != 1 or None in batch_ids:
            raise ValueError("bulk payments are the lines of one batch (batch_id and batch_line set)")
        with _guarded(self._s, "a payment"):
            self._s.execute(insert(table), list(rows))   # one executemany
        by_line = dict(self._s.execute(select(table.c.batch_line, table.c.id)
                                       .where(table.c.batch_id == batch_ids.pop())).all())
        return [int(by_line[r["batch_line"]]) for r in rows]

    def add_history(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            with _guarded(self._s, "a payment status"):
                self._s.execute(insert(PaymentStatusHistoryRow.__table__), list(rows))

    def lines(self, batch_id: int, offset: int = 0, limit: int = 1000) -> list[BatchLineStatus]:
        p = PaymentRequestRow
        stmt = (select(p.id, p.batch_line, PayeeRow.name, PayeeRow.account_number, PayeeRow.cnaps_code,
                       p.amount_minor, p.currency, p.purpose, p.status, p.client_reference, p.bank_code, p.bank_text)
                .join(PayeeRow, PayeeRow.id == p.payee_id).where(p.batch_id == batch_id)
                .order_by(p.batch_line).offset(offset).limit(limit))
        return [BatchLineStatus(*r) for r in self._s.execute(stmt)]

    def status_counts(self, batch_id: int) -> dict[str, tuple[int, int]]:
        p = PaymentRequestRow
        rows = self._s.execute(select(p.status, func.count(), func.coalesce(func.sum(p.amount_minor), 0))
                               .where(p.batch_id == batch_id).group_by(p.status))
        return {status: (int(n), int(total)) for status, n, total in rows}

    # -- import profiles ------------------------------------------------------------------------------------
    @staticmethod
    def _profile(row: BatchImportProfileRow) -> dict:
        return {"name": row.name, "kind": row.kind, "settings": json.loads(row.settings_json),
                "created_by": row.created_by, "created_at": row.created_at, "updated_at": row.updated_at}

    def get_profile(self, name: str) -> dict | None:
        row = self._s.execute(select(BatchImportProfileRow).where(BatchImportProfileRow.name == name)
                              .execution_options(populate_existing=True)).scalar_one_or_none()
        return None if row is None else self._profile(row)

    def list_profiles(self) -> list[dict]:
        rows = self._s.execute(select(BatchImportProfileRow).order_by(BatchImportProfileRow.name)).scalars()
        return [self._profile(r) for r in rows]

    def save_profile(self, name: str, kind: str, settings: dict, created_by: str) -> None:
        table = BatchImportProfileRow.__table__
        now = self._clock.now()
        text = json.dumps(settings, ensure_ascii=False, sort_keys=True)
        with _guarded(self._s, "an import profile"):
            done = self._s.execute(update(table).where(table.c.name == name)
                                   .values(kind=kind, settings_json=text, updated_at=now))
            if done.rowcount == 0:
                self._s.execute(insert(table).values(name=name, kind=kind, settings_json=text, created_by=created_by,
                                                     created_at=now, updated_at=now))
