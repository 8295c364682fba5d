"""SQL repository of imported payment batches (migration 0008) and the bulk writes of an import.

Bulk inserts never build one ORM object (or one Core parameter set) per row: values that every row shares are
converted once through their column's own bind processor (UtcDateTime, Date, Boolean: exactly what SQLAlchemy
would store), and the rows go to the driver on the session's connection, inside the unit of work's transaction —
multi-row ``INSERT … VALUES`` statements on SQLite, a pipelined ``executemany`` on PostgreSQL (see
:meth:`SqlBatchRepository._executemany`). New ids are read back in input order.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select, tuple_, update

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
ROWS_PER_STATEMENT = 500  # rows per multi-row INSERT statement (SQLite)
EXECUTEMANY_CHUNK = 5000  # rows per driver executemany call (PostgreSQL)
SCAN_FACTOR, SCAN_SLACK = 4, 1000   # payees_by_account reads the whole table when it has ≤ 4 × keys + 1000 rows


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


_PAYEE_COLUMNS = ("id", "org_id", "name", "account_number", "bank_name", "branch_name", "cnaps_code", "uscc", "kind",
                  "is_active", "version", "confirmed", "changed_by", "confirmed_by")


def _convert(rows: Sequence[Sequence[Any]], procs: Sequence[Callable[[Any], Any] | None]) -> list[tuple]:
    """Values through their column's bind processor, memoised per column (the same timestamp or flag in every
    row is converted once)."""
    active = [(i, p, {}) for i, p in enumerate(procs) if p is not None]
    if not active:
        return [tuple(r) for r in rows]
    out = []
    for r in rows:
        values = list(r)
        for i, p, memo in active:
            v = values[i]
            if v is None:
                continue
            try:
                hit = memo.get(v, _MISS)
            except TypeError:           # unhashable: convert every time
                values[i] = p(v)
                continue
            if hit is _MISS:
                hit = p(v)
                if len(memo) < 4096:
                    memo[v] = hit
            values[i] = hit
        out.append(tuple(values))
    return out


_MISS = object()


def _payee(row: Any) -> Payee:
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

    # -- raw bulk writes ----------------------------------------------------------------------------------
    def _placeholder(self) -> str:
        style = self._s.get_bind().dialect.paramstyle
        if style == "qmark":
            return "?"
        if style in ("format", "pyformat"):
            return "%s"
        raise NotImplementedError(f"bulk writes need a qmark or format driver, not {style}")  # pragma: no cover

    def _processors(self, table: Table, names: Sequence[str]) -> list[Callable[[Any], Any] | None]:
        """Each column's bind processor for this dialect (UtcDateTime → what the database stores, Boolean → 0/1
        on SQLite, …): the exact conversions SQLAlchemy would apply, taken once per column, not per value."""
        dialect = self._s.get_bind().dialect
        return [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]

    def _rows_per_statement(self, width: int) -> int:
        dialect = self._s.get_bind().dialect
        limit = 30_000                     # bound parameters per statement
        if getattr(dialect.dbapi, "sqlite_version_info", (0,)) < (3, 32):
            limit = 999                    # SQLITE_MAX_VARIABLE_NUMBER before 3.32
        return max(1, min(ROWS_PER_STATEMENT, limit // max(width, 1)))

    def _executemany(self, table: Table, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert ``rows`` (values already converted to what the driver binds) on the session's connection, in
        its transaction. SQLite: multi-row ``INSERT … VALUES (…), (…)`` statements, because it journals every
        page a statement touches once per statement (the insert trigger of payment_requests makes it keep a
        statement journal), so one statement per row is ~3× slower. PostgreSQL: the driver's ``executemany``
        of the one-row statement (psycopg pipelines it; it would re-parse a huge multi-row text every time)."""
        if not rows:
            return
        unknown = [n for n in names if n not in table.c]
        if unknown:
            raise ValueError(f"{table.name} has no column(s) {', '.join(unknown)}")
        dialect = self._s.get_bind().dialect
        quote = dialect.identifier_preparer.quote
        one = "(" + ", ".join([self._placeholder()] * len(names)) + ")"
        # Names are the table's own columns (checked above), quoted; values are always bound parameters.
        head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) VALUES "  # noqa: S608
        conn = self._s.connection()
        if dialect.name != "sqlite":
            for i in range(0, len(rows), EXECUTEMANY_CHUNK):
                conn.exec_driver_sql(head + one, list(rows[i:i + EXECUTEMANY_CHUNK]))
            return
        per = self._rows_per_statement(len(names))
        statements: dict[int, str] = {}
        for i in range(0, len(rows), per):
            block = rows[i:i + per]
            sql = statements.get(len(block))
            if sql is None:
                sql = statements[len(block)] = head + ", ".join([one] * len(block))
            conn.exec_driver_sql(sql, tuple(itertools.chain.from_iterable(block)))

    def _insert_dicts(self, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rows given as dicts (the same keys in each, as a Core executemany requires), Python-side scalar
        defaults filled in for the columns they leave out, every value through its column's bind processor."""
        names = list(rows[0])
        defaults = [c for c in table.columns if c.name not in rows[0] and c.default is not None
                    and c.default.is_scalar]
        names += [c.name for c in defaults]
        fill = tuple(c.default.arg for c in defaults)
        procs = self._processors(table, names)
        keys = names[:len(names) - len(defaults)]
        tuples = []
        for r in rows:
            if len(r) != len(keys):
                raise ValueError(f"every row of a bulk insert into {table.name} has the same columns")
            tuples.append(tuple(r[k] for k in keys) + fill)
        self._executemany(table, names, _convert(tuples, procs))

    def _insert_common(self, table: Table, common: Mapping[str, Any], varying: Sequence[str],
                       rows: Sequence[Sequence[Any]]) -> None:
        """Rows of ``varying`` values (tuples) that share the ``common`` column values (converted once)."""
        if set(common) & set(varying):
            raise ValueError("a column is either common or varying")
        names = [*varying, *common]
        procs = self._processors(table, names)
        k = len(varying)
        fixed = tuple(v if p is None or v is None else p(v) for v, p in zip(common.values(), procs[k:], strict=True))
        if any(p is not None for p in procs[:k]):
            rows = _convert(rows, procs[:k])
        self._executemany(table, names, [(*r, *fixed) for r in rows])

    # -- payees ---------------------------------------------------------------------------------------------
    def payees_by_account(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Payee]:
        """One scan of the payee table when it is not much larger than the lookup, else indexed lookups (the
        unique index leads with org_id) by chunks of pairs."""
        unique = set(keys)
        if not unique:
            return {}
        found: dict[tuple[str, str], Payee] = {}
        t = PayeeRow.__table__
        columns = [t.c[n] for n in _PAYEE_COLUMNS]
        total = self._s.execute(select(func.count()).select_from(t)).scalar_one()
        if total <= SCAN_FACTOR * len(unique) + SCAN_SLACK:
            for row in self._s.execute(select(*columns)):
                if (row.account_number, row.cnaps_code) in unique:
                    found[(row.account_number, row.cnaps_code)] = _payee(row)
            return found
        orgs = list(self._s.execute(select(t.c.org_id).distinct()).scalars())
        ordered = sorted(unique)
        for i in range(0, len(ordered), _KEYS_PER_QUERY):
            chunk = ordered[i:i + _KEYS_PER_QUERY]
            stmt = select(*columns).where(t.c.org_id.in_(orgs),
                                          tuple_(t.c.account_number, t.c.cnaps_code).in_(chunk))
            for row in self._s.execute(stmt):
                found[(row.account_number, row.cnaps_code)] = _payee(row)
        return found

    def add_payees(self, org_id: int, rows: Sequence[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        now = self._clock.now()
        table = PayeeRow.__table__
        common = {"org_id": org_id, "is_active": True, "version": 1, "confirmed": True, "changed_by": None,
                  "confirmed_by": None, "created_at": now, "updated_at": now}
        varying = ["name", "account_number", "bank_name", "branch_name", "cnaps_code", "uscc", "kind"]
        before = self._s.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        with _guarded(self._s, "a payee"):
            self._insert_common(table, common, varying, [
                (r["name"], r["account_number"], r["bank_name"], r["branch_name"], r["cnaps_code"], r.get("uscc"),
                 r["kind"]) for r in rows])
        ids: dict[tuple[str, str], int] = {}
        for pid, account, code in self._s.execute(select(table.c.id, table.c.account_number, table.c.cnaps_code)
                                                  .where(table.c.id > before, table.c.org_id == org_id)):
            ids[(account, code)] = int(pid)
        return [ids[(r["account_number"], r["cnaps_code"])] for r in rows]

    # -- payments -------------------------------------------------------------------------------------------
    def _ids_by_line(self, batch_id: int, lines: Sequence[int]) -> list[int]:
        table = PaymentRequestRow.__table__
        by_line = dict(self._s.execute(select(table.c.batch_line, table.c.id).where(
            table.c.batch_id == batch_id, table.c.batch_line.between(min(lines), max(lines)))).all())
        return [int(by_line[n]) for n in lines]

    def add_payments(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        table = PaymentRequestRow.__table__
        batch_ids = {r["batch_id"] for r in rows}
        if len(batch_ids) != 1 or None in batch_ids:
            raise ValueError("bulk payments are the lines of one batch (batch_id and batch_line set)")
        with _guarded(self._s, "a payment"):
            self._insert_dicts(table, rows)
        return self._ids_by_line(batch_ids.pop(), [r["batch_line"] for r in rows])

    def add_payment_lines(self, common: Mapping[str, Any], lines: Sequence[Sequence[Any]],
                          line_columns: Sequence[str], history: Sequence[Mapping[str, Any]] = ()) -> list[int]:
        """Bulk insert of lines of one batch, the fast way: ``common`` holds the columns every line shares
        (batch_id among them; converted once), ``lines`` the per-line values of ``line_columns`` (batch_line
        among them) as tuples. ``history`` lists the status-history rows each new payment gets (history columns
        but payment_id; a ``{row}`` in ``detail`` becomes the line's batch_line). The new ids in line order."""
        if not lines:
            return []
        batch_id = common.get("batch_id")
        if batch_id is None or "batch_line" not in line_columns or set(common) & set(line_columns):
            raise ValueError("batch lines: batch_id in common, batch_line per line, no column in both")
        with _guarded(self._s, "a payment"):
            self._insert_common(PaymentRequestRow.__table__, common, line_columns, lines)
        pos = list(line_columns).index("batch_line")
        numbers = [line[pos] for line in lines]
        ids = self._ids_by_line(batch_id, numbers)
        if history:
            hist = PaymentStatusHistoryRow.__table__
            h_names = ["payment_id", *history[0]]
            h_procs = self._processors(hist, h_names)
            steps = []
            for step in history:
                if list(step) != h_names[1:]:
                    raise ValueError("every history step has the same columns")
                values = [v if p is None or v is None else p(v) for v, p in zip(step.values(), h_procs[1:],
                                                                               strict=True)]
                detail = h_names.index("detail") - 1 if "detail" in step else -1
                per_row = detail >= 0 and isinstance(values[detail], str) and "{row}" in values[detail]
                steps.append((values, detail if per_row else -1))
            rows = []
            for pid, n in zip(ids, numbers, strict=True):
                for values, detail in steps:
                    if detail >= 0:
                        row = [pid, *values]
                        row[detail + 1] = values[detail].replace("{row}", str(n))
                        rows.append(tuple(row))
                    else:
                        rows.append((pid, *values))
            with _guarded(self._s, "a payment status"):
                self._executemany(hist, h_names, rows)
        return ids

    def add_history(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            with _guarded(self._s, "a payment status"):
                self._insert_dicts(PaymentStatusHistoryRow.__table__, rows)

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
