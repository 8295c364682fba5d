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

from sqlalchemy import Table, case, func, insert, select, tuple_, update

from app.domain.batch_import import BatchLineStatus, PaymentBatch
from app.domain.errors import Conflict
from app.domain.master_data import Payee
from app.domain.payment import PaymentStatus
from app.domain.payment_request import URGENCY_URGENT, Approval, PaymentRequest
from app.domain.remittance import EMPTY_REMITTANCE, Remittance
from app.ports.clock import Clock
from storage import bulk
from storage.bulk import MemoResult
from storage.orm import (
    ApprovalRow,
    BankAccountRow,
    BatchImportProfileRow,
    PayeeRow,
    PaymentBatchRow,
    PaymentRequestRow,
    PaymentStatusHistoryRow,
    UserRow,
)
from storage.repositories import PAYEE_READ as _PAYEE_COLUMNS
from storage.repositories import _guarded
from storage.repositories import payee_from_row as _payee

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


def id_runs(ids: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted distinct ids as runs of consecutive integers [(first, last), ...]: every id in a run is one of
    ``ids``, so ``BETWEEN first AND last`` selects exactly them (a batch's lines are one run or a few)."""
    runs: list[tuple[int, int]] = []
    for i in sorted(set(ids)):
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


# The orders the batch lines can be read in (the sort keys of ``SqlBatchRepository.lines``): a whitelist of
# columns, never a name from the caller in the SQL. Nullable texts sort as "" (first ascending) on every database.
LINE_SORT_COLUMNS: dict[str, Any] = {
    "row": PaymentRequestRow.__table__.c.batch_line,
    "payment_id": PaymentRequestRow.__table__.c.id,
    "payee_name": PayeeRow.__table__.c.name,
    "payee_account": PayeeRow.__table__.c.account_number,
    "bank_code": PayeeRow.__table__.c.cnaps_code,
    "amount": PaymentRequestRow.__table__.c.amount_minor,
    "currency": PaymentRequestRow.__table__.c.currency,
    "purpose": PaymentRequestRow.__table__.c.purpose,
    "status": PaymentRequestRow.__table__.c.status,
    "client_reference": func.coalesce(PaymentRequestRow.__table__.c.client_reference, ""),
    "bank_code_result": func.coalesce(PaymentRequestRow.__table__.c.bank_code, ""),
    "bank_text": func.coalesce(PaymentRequestRow.__table__.c.bank_text, ""),
    "remittance": func.coalesce(PaymentRequestRow.__table__.c.remittance, ""),   # canonical JSON: first invoice
}
_PAYEE_SORTS = frozenset({"payee_name", "payee_account", "bank_code"})


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
        return bulk.placeholder(self._s)

    def _processors(self, table: Table, names: Sequence[str]) -> list[Callable[[Any], Any] | None]:
        """Each column's bind processor for this dialect (see storage.bulk.processors)."""
        return bulk.processors(self._s, table, names)

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

    def lines(self, batch_id: int, offset: int = 0, limit: int = 1000, *, sort: str = "row",
              descending: bool = False) -> list[BatchLineStatus]:
        """One page of the batch's lines in the order of ``sort`` (a key of :data:`LINE_SORT_COLUMNS`; ties in
        file order, ascending whatever the direction), each with its remittance, read in the same query.

        File order walks the unique (batch_id, batch_line) index. Another order is one statement whose inner
        query sorts only (id, key, line) of the batch's rows and keeps the page (``ORDER BY … LIMIT``: SQLite keeps
        the top ``offset + limit`` while it scans the batch, PostgreSQL a top-N heapsort); the page's rows alone are
        then joined to their payees and read whole. Nothing of the batch beyond the page reaches Python."""
        p, y = PaymentRequestRow.__table__, PayeeRow.__table__
        key = LINE_SORT_COLUMNS.get(sort)
        if key is None:
            raise ValueError(f"batch lines cannot be sorted by {sort!r}; one of {', '.join(LINE_SORT_COLUMNS)}")
        columns = (p.c.id, p.c.batch_line, y.c.name, y.c.account_number, y.c.cnaps_code, p.c.amount_minor,
                   p.c.currency, p.c.purpose, p.c.status, p.c.client_reference, p.c.bank_code, p.c.bank_text,
                   p.c.remittance)
        if sort == "row":
            line = p.c.batch_line.desc() if descending else p.c.batch_line.asc()
            stmt = (select(*columns).join(y, y.c.id == p.c.payee_id).where(p.c.batch_id == batch_id)
                    .order_by(line).offset(offset).limit(limit))
        else:
            inner = select(p.c.id.label("id"), key.label("k"), p.c.batch_line.label("line")).where(
                p.c.batch_id == batch_id)
            if sort in _PAYEE_SORTS:
                inner = inner.join(y, y.c.id == p.c.payee_id)
            inner = inner.order_by(key.desc() if descending else key.asc(), p.c.batch_line.asc())
            page = inner.offset(offset).limit(limit).subquery("page")
            stmt = (select(*columns).select_from(page).join(p, p.c.id == page.c.id).join(y, y.c.id == p.c.payee_id)
                    .order_by(page.c.k.desc() if descending else page.c.k.asc(), page.c.line.asc()))
        parsed: dict[str, Remittance] = {}
        out = []
        for *values, stored in self._s.execute(stmt):
            remittance = EMPTY_REMITTANCE
            if stored:
                remittance = parsed.get(stored)
                if remittance is None:
                    remittance = parsed[stored] = Remittance.from_json(stored)
            out.append(BatchLineStatus(*values, remittance=remittance))
        return out

    def status_counts(self, batch_id: int) -> dict[str, tuple[int, int]]:
        p = PaymentRequestRow
        rows = self._s.execute(select(p.status, func.count(), func.coalesce(func.sum(p.amount_minor), 0))
                               .where(p.batch_id == batch_id).group_by(p.status))
        return {status: (int(n), int(total)) for status, n, total in rows}

    # -- decisions on a whole batch (approval, rejection) ------------------------------------------------
    # Every read is scoped by the batch (its index), never by a list of 100,000 ids (PostgreSQL's driver takes
    # at most 65,535 parameters); every write is one statement per run of consecutive ids or a multi-row insert.
    def pending_summary(self, batch_id: int, status: str, user_id: int) -> dict[str, int]:
        """Aggregates of the lines of the batch in ``status``: count, total_minor, max_minor, own (made by
        ``user_id``), approved_by_user (with a live approval by ``user_id``). One query, nothing per line."""
        p, a = PaymentRequestRow.__table__, ApprovalRow.__table__
        mine = (select(a.c.id).where(a.c.payment_id == p.c.id, a.c.approver_id == user_id, a.c.voided_at.is_(None),
                                     a.c.decision == "approved").exists())
        row = self._s.execute(select(
            func.count(), func.coalesce(func.sum(p.c.amount_minor), 0), func.coalesce(func.max(p.c.amount_minor), 0),
            func.coalesce(func.sum(case((p.c.maker_id == user_id, 1), else_=0)), 0),
            func.coalesce(func.sum(case((mine, 1), else_=0)), 0),
        ).where(p.c.batch_id == batch_id, p.c.status == status)).one()
        return dict(zip(("count", "total_minor", "max_minor", "own", "approved_by_user"), map(int, row), strict=True))

    @staticmethod
    def _lines_where(p: Table, batch_id: int, status: str, first_line: int | None, last_line: int | None) -> list:
        where = [p.c.batch_id == batch_id, p.c.status == status]
        if first_line is not None:
            where.append(p.c.batch_line >= first_line)
        if last_line is not None:
            where.append(p.c.batch_line <= last_line)
        return where

    def payment_lines(self, batch_id: int, status: str, *, after_line: int | None = None, limit: int | None = None,
                      lock: bool = False) -> list[tuple[int, PaymentRequest]]:
        """(batch line, payment) of the lines of the batch in ``status`` after ``after_line``, in file order, at
        most ``limit``: one Core query (no ORM objects), read by chunks so that a 100,000-line batch is never all
        in memory at once. ``lock`` takes their row locks on PostgreSQL; a SQLite write unit of work already holds
        the database's write lock (BEGIN IMMEDIATE)."""
        lines = self._payment_lines(batch_id, status, after_line, limit, lock, payees=False)
        return [(line, payment) for line, payment, _none in lines]

    def payment_lines_with_payees(self, batch_id: int, status: str, *, after_line: int | None = None,
                                  limit: int | None = None, lock: bool = False
                                  ) -> list[tuple[int, PaymentRequest, Payee]]:
        """:meth:`payment_lines` with each line's payee as it is now (what :meth:`payees_of` reads), from the same
        query: the payee row the line is joined to anyway (batch approval: one read per chunk, not two)."""
        return self._payment_lines(batch_id, status, after_line, limit, lock, payees=True)

    def _payment_lines(self, batch_id: int, status: str, after_line: int | None, limit: int | None, lock: bool,
                       *, payees: bool) -> list[tuple[int, PaymentRequest, Payee | None]]:
        p, u, y, acc = (PaymentRequestRow.__table__, UserRow.__table__, PayeeRow.__table__,
                        BankAccountRow.__table__)
        created, updated = self._memo_result(p.c.created_at), self._memo_result(p.c.updated_at)
        stmt = (select(p.c.batch_line, p.c.id, p.c.debit_account_id, p.c.payee_id, p.c.amount_minor, p.c.currency,
                       p.c.purpose, p.c.requested_date, p.c.urgency, p.c.status, p.c.maker_id, u.c.username,
                       y.c.name, y.c.account_number, acc.c.account_number, p.c.content_hash, p.c.version,
                       created.raw, updated.raw, p.c.duplicate_override, y.c.cnaps_code, p.c.policy_version,
                       p.c.required_approvals, p.c.required_role, p.c.signer_id,
                       *([y.c[n] for n in _PAYEE_COLUMNS] if payees else []))
                .join(u, u.c.id == p.c.maker_id).join(y, y.c.id == p.c.payee_id)
                .join(acc, acc.c.id == p.c.debit_account_id)
                .where(*self._lines_where(p, batch_id, status, None, None)).order_by(p.c.batch_line))
        if after_line is not None:
            stmt = stmt.where(p.c.batch_line > after_line)
        if limit is not None:
            stmt = stmt.limit(limit)
        if lock and self._s.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=p)
        statuses: dict[str, PaymentStatus] = {}
        known: dict[int, Payee] = {}        # a payee of several lines is built once
        out = []
        for row in bulk.rows(self._s, stmt):
            (line, pid, debit, payee, amount, currency, purpose, requested, urgency, st, maker, maker_name,
             payee_name, payee_account, debit_number, chash, version, created_raw, updated_raw, dup, payee_code,
             policy, required, role, signer) = row[:25]
            status_value = statuses.get(st)
            if status_value is None:
                status_value = statuses[st] = PaymentStatus(st)
            payee_value = None
            if payees:
                payee_value = known.get(payee)
                if payee_value is None:
                    payee_value = known[payee] = _payee(row[25:])
            out.append((line, PaymentRequest(
                id=pid, debit_account_id=debit, payee_id=payee, amount_minor=amount, currency=currency,
                purpose=purpose, requested_date=requested, urgent=urgency == URGENCY_URGENT, status=status_value,
                maker_id=maker, maker_name=maker_name, payee_name=payee_name, payee_account=payee_account,
                debit_account_number=debit_number, content_hash=chash, version=version,
                created_at=created(created_raw), updated_at=updated(updated_raw), duplicate_override=bool(dup),
                payee_bank_code=payee_code or "", policy_version=policy, required_approvals=required,
                required_role=role, signer_id=signer, batch_id=batch_id), payee_value))
        return out

    def _memo_result(self, column) -> MemoResult:
        """The column read raw and converted once per distinct value (see storage.bulk.MemoResult)."""
        return MemoResult(self._s, column)

    def line_keys(self, batch_id: int, status: str, *, after_line: int | None = None, limit: int | None = None,
                  lock: bool = False) -> list[tuple[int, int, int, str, int]]:
        """(batch line, payment id, maker id, content hash, amount) of the lines of the batch in ``status`` after
        ``after_line``, in file order, at most ``limit`` — what a rejection needs, without building payments."""
        p = PaymentRequestRow.__table__
        stmt = (select(p.c.batch_line, p.c.id, p.c.maker_id, p.c.content_hash, p.c.amount_minor)
                .where(*self._lines_where(p, batch_id, status, None, None)).order_by(p.c.batch_line))
        if after_line is not None:
            stmt = stmt.where(p.c.batch_line > after_line)
        if limit is not None:
            stmt = stmt.limit(limit)
        if lock and self._s.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=p)
        return [tuple(r) for r in self._s.execute(stmt)]

    def payees_of(self, batch_id: int, status: str, first_line: int | None = None,
                  last_line: int | None = None) -> dict[int, Payee]:
        """The payees of the lines of the batch in ``status`` (within the batch lines given), by id."""
        p, t = PaymentRequestRow.__table__, PayeeRow.__table__
        ids = select(p.c.payee_id).where(*self._lines_where(p, batch_id, status, first_line, last_line))
        rows = bulk.rows(self._s, select(*[t.c[n] for n in _PAYEE_COLUMNS]).where(t.c.id.in_(ids)))
        return {row[0]: _payee(row) for row in rows}

    def approvals_of(self, batch_id: int, status: str, first_line: int | None = None,
                     last_line: int | None = None) -> list[Approval]:
        """Every approval decision (live, voided, rejections) on the lines of the batch in ``status``."""
        p, a, u = PaymentRequestRow.__table__, ApprovalRow.__table__, UserRow.__table__
        stmt = (select(a, u.c.username).join(p, p.c.id == a.c.payment_id).join(u, u.c.id == a.c.approver_id)
                .where(*self._lines_where(p, batch_id, status, first_line, last_line))
                .order_by(a.c.payment_id, a.c.level))
        return [Approval(id=r.id, payment_id=r.payment_id, approver_id=r.approver_id, approver_name=r.username,
                         level=r.level, decision=r.decision, content_hash=r.content_hash, comment=r.comment,
                         at=r.at, voided_at=r.voided_at, void_reason=r.void_reason, approver_role=r.approver_role)
                for r in self._s.execute(stmt)]

    def last_history_seq(self, batch_id: int, status: str, first_line: int | None = None,
                         last_line: int | None = None) -> dict[int, int]:
        """payment id → its last status-history sequence number, for the lines of the batch in ``status``."""
        p, h = PaymentRequestRow.__table__, PaymentStatusHistoryRow.__table__
        stmt = (select(h.c.payment_id, func.max(h.c.seq)).join(p, p.c.id == h.c.payment_id)
                .where(*self._lines_where(p, batch_id, status, first_line, last_line)).group_by(h.c.payment_id))
        return {int(pid): int(seq) for pid, seq in self._s.execute(stmt)}

    def add_decisions(self, approver_id: int, decision: str, comment: str | None,
                      rows: Sequence[tuple[int, int, str, str | None]]) -> None:
        """Approval rows (payment id, level, content hash, approver role) of one approver's decision, one
        multi-row insert. The triggers of migrations 0002 and 0004 still check each row (separation of duties,
        binding to the current content of a payment awaiting approval)."""
        common = {"approver_id": approver_id, "decision": decision, "comment": comment, "at": self._clock.now()}
        with _guarded(self._s, "an approval"):
            self._insert_common(ApprovalRow.__table__, common, ["payment_id", "level", "content_hash",
                                                                "approver_role"], rows)

    def void_live_approvals(self, payment_ids: Sequence[int], reason: str) -> int:
        """Mark every live approval of these payments void (rows stay); returns how many."""
        a = ApprovalRow.__table__
        now, voided = self._clock.now(), 0
        with _guarded(self._s, "an approval"):
            for lo, hi in id_runs(payment_ids):
                voided += self._s.execute(update(a).where(a.c.payment_id.between(lo, hi), a.c.voided_at.is_(None),
                                                          a.c.decision == "approved")
                                          .values(voided_at=now, void_reason=reason[:200])).rowcount or 0
        return int(voided)

    def set_status(self, payment_ids: Sequence[int], from_status: str, to_status: str) -> int:
        """Move these payments from ``from_status`` to ``to_status`` (version + 1), one UPDATE per run of
        consecutive ids; returns how many moved (fewer than asked when one was not in ``from_status``)."""
        p = PaymentRequestRow.__table__
        now, moved = self._clock.now(), 0
        with _guarded(self._s, "a payment"):
            for lo, hi in id_runs(payment_ids):
                moved += self._s.execute(update(p).where(p.c.id.between(lo, hi), p.c.status == from_status)
                                         .values(status=to_status, version=p.c.version + 1, updated_at=now)
                                         ).rowcount or 0
        return int(moved)

    def add_status_changes(self, from_status: str, to_status: str, actor: str,
                           rows: Sequence[tuple[int, int, str | None]]) -> None:
        """Status-history rows (payment id, seq, detail) of one move, one multi-row insert."""
        common = {"from_status": from_status, "to_status": to_status, "at": self._clock.now(), "actor": actor}
        with _guarded(self._s, "a payment status"):
            self._insert_common(PaymentStatusHistoryRow.__table__, common, ["payment_id", "seq", "detail"], rows)

    # -- import profiles ------------------------------------------------------------------------------------
    def refresh_statistics(self) -> None:
        """After a bulk load (see storage.bulk.refresh_statistics)."""
        bulk.refresh_statistics(self._s, [PaymentRequestRow.__table__, PayeeRow.__table__,
                                          PaymentStatusHistoryRow.__table__])

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
