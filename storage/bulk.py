"""Bulk writes at driver level, for the hot paths that move thousands of payments (the submission engine, batch
signing): the DBAPI's ``executemany`` of one statement, every value converted by its column's own bind processor
(exactly what SQLAlchemy would bind), taken once per column rather than per value. SQLAlchemy's Core executemany
of the same statement costs ~30 µs per row in Python; this costs ~2.

Column names come from the table definition (checked), quoted by the dialect; values are always bound."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType


def placeholder(session: Session) -> str:
    style = session.get_bind().dialect.paramstyle
    if style == "qmark":
        return "?"
    if style in ("format", "pyformat"):
        return "%s"
    raise NotImplementedError(f"bulk writes need a qmark or format driver, not {style}")  # pragma: no cover


def processors(session: Session, table: Table, names: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    dialect = session.get_bind().dialect
    unknown = [n for n in names if n not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {', '.join(unknown)}")
    return [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]


def _convert(values: Sequence[Any], procs: Sequence[Callable[[Any], Any] | None]) -> tuple:
    return tuple(v if p is None or v is None else p(v) for v, p in zip(values, procs, strict=True))


def _converter(procs: Sequence[Callable[[Any], Any] | None]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """One row's conversion for these processors: rows pass through untouched when no column has a processor
    (strings and integers on both drivers), and only the columns that have one are converted otherwise."""
    width = len(procs)
    active = [(i, p) for i, p in enumerate(procs) if p is not None]

    def check(values: Sequence[Any]) -> None:
        if len(values) != width:
            raise ValueError(f"a row has {len(values)} values for {width} columns")

    if not active:
        def plain(values: Sequence[Any]) -> Sequence[Any]:
            check(values)
            return values
        return plain

    def convert(values: Sequence[Any]) -> Sequence[Any]:
        check(values)
        out = list(values)
        for i, p in active:
            v = out[i]
            if v is not None:
                out[i] = p(v)
        return out
    return convert


def update_many(session: Session, table: Table, set_names: Sequence[str], rows: Sequence[Sequence[Any]], *,
                where: Sequence[str] = ("id",), constants: Mapping[str, Any] | None = None,
                bump_version: bool = False) -> int:
    """``UPDATE table SET set_names…, constants…[, version = version + 1] WHERE where…`` for every row (each row:
    the ``set_names`` values, then the ``where`` values). Returns how many rows the database changed."""
    if not rows:
        return 0
    constants = dict(constants or {})
    mark = placeholder(session)
    quote = session.get_bind().dialect.identifier_preparer.quote
    assignments = [f"{quote(n)} = {mark}" for n in [*set_names, *constants]]
    if bump_version:
        assignments.append(f"{quote('version')} = {quote('version')} + 1")
    condition = " AND ".join(f"{quote(n)} = {mark}" for n in where)
    sql = f"UPDATE {quote(table.name)} SET {', '.join(assignments)} WHERE {condition}"  # noqa: S608 - names checked
    procs = processors(session, table, [*set_names, *constants, *where])
    fixed = _convert(list(constants.values()), procs[len(set_names):len(set_names) + len(constants)])
    k = len(set_names)
    convert = _converter([*procs[:k], *procs[k + len(constants):]])
    params = []
    for row in rows:
        converted = convert(row)
        params.append((*converted[:k], *fixed, *converted[k:]))
    result = session.connection().exec_driver_sql(sql, params)
    return int(result.rowcount)


def versioned_update_many(session: Session, table: Table,
                          changes: Sequence[tuple[int, int, Mapping[str, Any]]], now: Any) -> list[int]:
    """Optimistic-lock writes of many rows, each at most once: (id, expected version, column values). Rows of the
    same columns go in one ``executemany``; version + 1 and ``updated_at = now`` on each. Returns the ids whose
    version no longer matched (nothing written for them; the caller raises and rolls back)."""
    shapes: dict[tuple[str, ...], list[tuple]] = {}
    for row_id, expected_version, values in changes:
        keys = tuple(values)
        shapes.setdefault(keys, []).append((*values.values(), row_id, expected_version))
    stale: list[int] = []
    for keys, rows in shapes.items():
        changed = update_many(session, table, keys, rows, where=("id", "version"), constants={"updated_at": now},
                              bump_version=True)
        if changed != len(rows):
            stale += stale_ids(session, table, {r[-2]: r[-1] for r in rows})
    return stale


def stale_ids(session: Session, table: Table, wanted: Mapping[int, int]) -> list[int]:
    """After a versioned write of ``wanted`` (id → expected version) changed fewer rows than asked: the ids whose
    version is not expected + 1 now, or all of them when none can be named (someone else's write can also leave
    version = expected + 1: the row count is what proves a miss, so a shortfall is always stale)."""
    current = dict(rows_by_ids(session, select(table.c.id, table.c.version), table.c.id, list(wanted)))
    return sorted(i for i, v in wanted.items() if current.get(i) != v + 1) or sorted(wanted)


def insert_many(session: Session, table: Table, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """``INSERT INTO table (names…) VALUES (…)`` for every row, through the driver's ``executemany``."""
    if not rows:
        return
    mark = placeholder(session)
    quote = session.get_bind().dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608 - names checked
           f"VALUES ({', '.join([mark] * len(names))})")
    procs = processors(session, table, names)
    convert = _converter(procs)
    session.connection().exec_driver_sql(sql, [tuple(convert(r)) for r in rows])


def insert_next_seq(session: Session, table: Table, names: Sequence[str], rows: Sequence[Sequence[Any]], *,
                    key: str, seq: str) -> None:
    """``INSERT INTO table (names…, seq) SELECT …, COALESCE(MAX(seq), 0) + 1 FROM table WHERE key = ?`` for every
    row (each row: the ``names`` values, then the ``key`` value again), through the driver's ``executemany``."""
    if not rows:
        return
    mark = placeholder(session)
    quote = session.get_bind().dialect.identifier_preparer.quote
    columns = ", ".join(quote(n) for n in [*names, seq])
    values = ", ".join([mark] * len(names))
    sql = (f"INSERT INTO {quote(table.name)} ({columns}) SELECT {values}, "  # noqa: S608 - names checked
           f"COALESCE(MAX({quote(seq)}), 0) + 1 FROM {quote(table.name)} WHERE {quote(key)} = {mark}")
    convert = _converter(processors(session, table, [*names, key]))
    session.connection().exec_driver_sql(sql, [tuple(convert(r)) for r in rows])


ANALYZE_AFTER_ROWS = 1000   # rows written in one go after which PostgreSQL gets fresh statistics


def refresh_statistics(session: Session, tables: Sequence[Table]) -> None:
    """PostgreSQL plans from table statistics, refreshed by autovacuum only after a delay: right after a bulk load
    of 100,000 lines it still believes the tables hold a handful of rows, and the engine's payment query ran for
    minutes instead of 0.1 s. ANALYZE them now (in this transaction). SQLite's planner needs none: no-op there."""
    if session.get_bind().dialect.name != "postgresql":
        return
    quote = session.get_bind().dialect.identifier_preparer.quote
    for table in tables:
        session.connection().exec_driver_sql(f"ANALYZE {quote(table.name)}")  # names from the schema


def ids_per_in(session: Session, wanted: int = 5000) -> int:
    """How many ids one ``IN (…)`` list may carry here: ``wanted``, except on SQLite before 3.32 (999 bound
    parameters per statement)."""
    dbapi = session.get_bind().dialect.dbapi
    if getattr(dbapi, "sqlite_version_info", (3, 32)) < (3, 32):
        return min(wanted, 900)
    return wanted


def rows(session: Session, stmt, params: dict | None = None) -> Any:
    """Run a Core ``select`` on the session's connection, past the ORM execution layer (its per-row loading
    bookkeeping cost more than the query for 100,000 rows). Pending ORM changes are flushed first, as the
    session's autoflush would."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection().execute(stmt, params)


def rows_for_ids(session: Session, stmt, ids: Sequence[Any], per: int = 5000) -> Iterator[Any]:
    """The rows of ``stmt`` — a select whose condition includes ``column.in_(bindparam("ids", expanding=True))``
    — for every id of ``ids``, ``per`` ids at a time (fewer on old SQLite). The statement is built and compiled
    once and the ids are bound at execution: ``in_(list)`` coerced every id into a bound parameter each time,
    which cost more than the query for thousands of ids."""
    step = ids_per_in(session, per)
    ids = list(ids)
    for start in range(0, len(ids), step):
        yield from rows(session, stmt, {"ids": ids[start:start + step]})


# -- reads of many rows by id -------------------------------------------------------------------------------
LONG_RUN = 64   # consecutive ids from which one range condition reads them instead of an IN list


def id_spans(ids: Iterable[Any]) -> tuple[list[tuple[int, int]], list[Any]]:
    """The distinct ids as runs of at least ``LONG_RUN`` consecutive integers, (first, last) — every integer of
    such a run is one of ``ids``, so ``BETWEEN first AND last`` selects exactly them — and the other ids."""
    ids = ids if isinstance(ids, list | tuple) else list(ids)
    numbers = {i for i in ids if type(i) is int}
    others = [] if len(numbers) == len(ids) else list(dict.fromkeys(i for i in ids if type(i) is not int))
    ordered = sorted(numbers)
    if not ordered:
        return [], others
    if ordered[-1] - ordered[0] + 1 == len(ordered):       # one run (a batch's lines): nothing to look for
        return ([(ordered[0], ordered[-1])], others) if len(ordered) >= LONG_RUN else ([], others + ordered)
    runs: list[tuple[int, int]] = []
    start = 0
    for k in range(1, len(ordered) + 1):
        if k == len(ordered) or ordered[k] != ordered[k - 1] + 1:
            if k - start >= LONG_RUN:
                runs.append((ordered[start], ordered[k - 1]))
            else:
                others.extend(ordered[start:k])
            start = k
    return runs, others


def rows_by_ids(session: Session, stmt: Any, column: Any, ids: Iterable[Any]) -> Iterator[Any]:
    """The rows of ``stmt`` (a Core select) restricted to ``column`` in ``ids``: one ``BETWEEN`` per long run of
    consecutive ids (the lines of an imported batch are one run: 100,000 ids bound as two numbers), an IN list
    (:func:`rows_for_ids`, 5,000 ids at a time) for the rest. Each id is read by exactly one statement."""
    runs, others = id_spans(ids)
    if runs:
        ranged = stmt.where(column.between(bindparam("id_first"), bindparam("id_last")))
        for first, last in runs:
            yield from rows(session, ranged, {"id_first": first, "id_last": last})
    if others:
        yield from rows_for_ids(session, stmt.where(column.in_(bindparam("ids", expanding=True))), others)


_MISS = object()


class MemoResult:
    """A column read raw (no per-row result processing) and its own result processor applied once per distinct
    raw value (``raw`` goes in the select, the instance converts): rows written together share their timestamps,
    so 100,000 rows cost a handful of conversions."""

    __slots__ = ("memo", "process", "raw")

    def __init__(self, session: Session, column: Any):
        dialect = session.get_bind().dialect
        self.raw = type_coerce(column, NullType()).label(column.name)
        self.process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        self.memo: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        if value is None or self.process is None:
            return value
        hit = self.memo.get(value, _MISS)
        if hit is _MISS:
            hit = self.process(value)
            if len(self.memo) < 4096:
                self.memo[value] = hit
        return hit
