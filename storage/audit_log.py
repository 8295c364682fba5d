"""The append-only, hash-chained, HMAC-sealed audit log.

Each entry's canonical form is the JSON (sorted keys, compact separators, UTF-8 kept) of
``seq, at, actor, action, object_type, object_id, payload, prev_hash``; ``entry_hash`` is its SHA-256 and
``hmac`` its HMAC-SHA256 under a key kept outside the database (the secret store). The first entry links to
64 zeros. A sealed head record (last seq + entry hash, HMAC'd) in ``ledger_meta`` moves in the same
transaction as every append, so deleting entries from the tail is detected as well. On PostgreSQL the head
row is locked (``SELECT ... FOR UPDATE``) so concurrent appenders serialise; on SQLite the write unit of work
already holds the database write lock (``BEGIN IMMEDIATE``).

Payloads must be JSON-serialisable and must never carry secrets (callers' duty).
"""

from __future__ import annotations

import hashlib
import hmac as hmac_lib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session

from app.domain.audit import AuditEntry, AuditVerification
from app.domain.errors import IntegrityFailure
from app.domain.users import Actor
from app.ports.clock import Clock
from storage import bulk
from storage.engine import READ_ONLY_OPTION
from storage.orm import META_AUDIT_HEAD, AuditLogRow, LedgerMeta

GENESIS_HASH = "0" * 64
_VERIFY_BATCH = 2000


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def format_at(at: datetime) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_form(seq: int, at: datetime, actor: str, action: str, object_type: str | None,
                   object_id: str | None, payload: dict, prev_hash: str) -> str:
    return _json({"seq": seq, "at": format_at(at), "actor": actor, "action": action, "object_type": object_type,
                  "object_id": object_id, "payload": payload, "prev_hash": prev_hash})


def entry_hash(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def seal(key: bytes, text: str) -> str:
    return hmac_lib.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class AuditHead:
    seq: int
    entry_hash: str
    hmac: str

    @staticmethod
    def sealed_text(seq: int, head_hash: str) -> str:
        return _json({"seq": seq, "entry_hash": head_hash})

    @classmethod
    def make(cls, key: bytes, seq: int, head_hash: str) -> AuditHead:
        return cls(seq, head_hash, seal(key, cls.sealed_text(seq, head_hash)))

    def is_sealed_by(self, key: bytes) -> bool:
        return hmac_lib.compare_digest(self.hmac, seal(key, self.sealed_text(self.seq, self.entry_hash)))

    def to_text(self) -> str:
        return _json({"seq": self.seq, "entry_hash": self.entry_hash, "hmac": self.hmac})

    @classmethod
    def parse(cls, text: str | None) -> AuditHead | None:
        """None for an empty log; raises ValueError for an unreadable head record."""
        if not text:
            return None
        data = json.loads(text)
        return cls(int(data["seq"]), str(data["entry_hash"]), str(data["hmac"]))


def _entry(row: AuditLogRow) -> AuditEntry:
    try:
        payload = json.loads(row.payload)
    except ValueError:
        payload = {"_unreadable": row.payload}
    return AuditEntry(seq=row.seq, at=row.at, actor=row.actor, action=row.action, object_type=row.object_type,
                      object_id=row.object_id, payload=payload, prev_hash=row.prev_hash,
                      entry_hash=row.entry_hash, hmac=row.hmac)


def _check_row(row: AuditLogRow, key: bytes) -> str | None:
    """Why this row does not match its own hash or HMAC (None when it does)."""
    try:
        payload = json.loads(row.payload)
        canonical = canonical_form(row.seq, row.at, row.actor, row.action, row.object_type, row.object_id,
                                   payload, row.prev_hash)
    except (ValueError, TypeError) as exc:
        return f"entry {row.seq} cannot be read ({exc}): it was modified"
    if not hmac_lib.compare_digest(entry_hash(canonical), row.entry_hash or ""):
        return f"entry {row.seq} does not match its hash: it was modified (or moved)"
    if not hmac_lib.compare_digest(seal(key, canonical), row.hmac or ""):
        return f"entry {row.seq} has an invalid HMAC: it was forged or rewritten"
    return None


def verify_rows(rows: Iterable[AuditLogRow], head_text: str | None, key: bytes) -> AuditVerification:
    """Walk the chain in seq order; report the FIRST bad seq and why."""
    try:
        head = AuditHead.parse(head_text)
        head_error = None
    except (ValueError, KeyError, TypeError):
        head, head_error = None, "the sealed audit head record is unreadable"
    head_sealed = head is not None and head.is_sealed_by(key)
    expected, prev, checked = 1, GENESIS_HASH, 0

    def bad(seq: int, reason: str) -> AuditVerification:
        return AuditVerification(False, checked, seq, reason, prev if checked else None)

    for row in rows:
        if row.seq != expected:
            if row.seq > expected:
                return bad(expected, f"entry {expected} is missing (the next entry is {row.seq}): entries were "
                                     "deleted")
            return bad(row.seq, f"entry {row.seq} is out of order")
        problem = _check_row(row, key)
        if problem is not None:
            if expected == 1 and "HMAC" in problem and head is not None and not head_sealed:
                problem = ("no entry verifies under this key, and neither does the head record: wrong audit "
                           "key (or every entry was rewritten)")
            return bad(row.seq, problem)
        if row.prev_hash != prev:
            return bad(row.seq, f"entry {row.seq} does not link to entry {row.seq - 1}: an entry was inserted, "
                                "removed or reordered")
        prev, checked, expected = row.entry_hash, checked + 1, expected + 1

    last = expected - 1
    if head_error:
        return bad(max(last, 1), head_error)
    if head is None:
        if last == 0:
            return AuditVerification(True, 0, None, None, None)
        return bad(1, "the sealed audit head record is missing: the chain cannot be vouched for")
    if not head_sealed:
        return bad(min(head.seq, last) or 1, "the sealed audit head record has an invalid HMAC: it was forged "
                                             "(or this is the wrong audit key)")
    if head.seq > last:
        return bad(last + 1, f"the log ends at entry {last} but the sealed head says {head.seq}: entries were "
                             "deleted from the end")
    if head.seq < last:
        return bad(head.seq + 1, f"entries after {head.seq} were added outside the audit log")
    if head.entry_hash != prev:
        return bad(last, f"entry {last} differs from the one the sealed head recorded")
    return AuditVerification(True, checked, None, None, prev or None)


class SqlAuditLog:
    """The AuditLog port over one SQLAlchemy session (the unit of work's)."""

    def __init__(self, session: Session, hmac_key: bytes, clock: Clock):
        self._s = session
        self._key = hmac_key
        self._clock = clock

    def _head_text(self) -> str:
        """The sealed head record's text, locked for this transaction (PostgreSQL; SQLite's write lock is held)."""
        meta = LedgerMeta.__table__
        value = bulk.rows(self._s, select(meta.c.value).where(meta.c.key == META_AUDIT_HEAD)
                          .with_for_update()).scalar_one_or_none()
        if value is None:
            if self.count():
                raise IntegrityFailure("the sealed audit head record is missing although the log has entries: "
                                       "the audit log was tampered with; restore the ledger from a backup",
                                       code="AUDIT_HEAD_MISSING")
            self._s.connection().execute(insert(meta).values(key=META_AUDIT_HEAD, value=""))
            return ""
        return value

    def append(self, actor: Actor, action: str, object_type: str | None = None,
               object_id: str | None = None, payload: dict | None = None) -> AuditEntry:
        if not self._key:
            raise ValueError("the audit log cannot be written without its HMAC key")
        payload = dict(payload or {})
        payload_text = _json(payload)  # raises TypeError/ValueError for anything not plain JSON
        payload = json.loads(payload_text)
        head = AuditHead.parse(self._head_text())
        seq = head.seq + 1 if head else 1
        prev = head.entry_hash if head else GENESIS_HASH
        at = self._clock.now().astimezone(UTC)
        username = actor.username
        canonical = canonical_form(seq, at, username, action, object_type, object_id, payload, prev)
        digest = entry_hash(canonical)
        values = dict(seq=seq, at=at, actor=username, action=action, object_type=object_type, object_id=object_id,
                      payload=payload_text, prev_hash=prev, entry_hash=digest, hmac=seal(self._key, canonical))
        # Core statements on the unit of work's connection: the engine appends one entry per 50 payments sent,
        # and the ORM flush of the entry and the head cost more than the rest of that transaction
        conn = self._s.connection()
        conn.execute(insert(AuditLogRow.__table__).values(**values))
        meta = LedgerMeta.__table__
        conn.execute(update(meta).where(meta.c.key == META_AUDIT_HEAD)
                     .values(value=AuditHead.make(self._key, seq, digest).to_text()))
        return AuditEntry(seq=seq, at=at, actor=username, action=action, object_type=object_type,
                          object_id=object_id, payload=payload, prev_hash=prev, entry_hash=digest,
                          hmac=values["hmac"])

    def entries(self, offset: int = 0, limit: int = 200, descending: bool = True) -> list[AuditEntry]:
        order = AuditLogRow.seq.desc() if descending else AuditLogRow.seq.asc()
        stmt = select(AuditLogRow).order_by(order).offset(max(0, offset)).limit(max(0, limit))
        return [_entry(r) for r in self._s.scalars(stmt)]

    def count(self) -> int:
        return int(self._s.scalar(select(func.count()).select_from(AuditLogRow)) or 0)

    def verify(self) -> AuditVerification:
        head_text = self._s.scalar(select(LedgerMeta.value).where(LedgerMeta.key == META_AUDIT_HEAD))
        rows = self._s.scalars(select(AuditLogRow).order_by(AuditLogRow.seq)
                               .execution_options(yield_per=_VERIFY_BATCH))
        return verify_rows(rows, head_text, self._key)


def verify_audit_chain(engine: Engine, hmac_key: bytes) -> AuditVerification:
    """Verify the whole chain of the ledger behind ``engine`` in one read-only transaction."""
    with Session(bind=engine.execution_options(**{READ_ONLY_OPTION: True})) as session:
        try:
            return SqlAuditLog(session, hmac_key, _NoClock()).verify()
        finally:
            session.rollback()


class _NoClock:
    def now(self) -> datetime:  # pragma: no cover - verification never writes
        raise RuntimeError("verification does not write")
