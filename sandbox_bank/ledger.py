"""The sandbox bank's SQLite state: accounts, registered certificates, payment instructions, ledger
entries (every executed debit and credit) and the fault log. Dialect-independent; amounts in minor units."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

DB_NAME = "bank.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    account TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    bank_code TEXT NOT NULL,
    currency TEXT NOT NULL,
    opening_balance_minor INTEGER NOT NULL,
    balance_minor INTEGER NOT NULL,
    single_limit_minor INTEGER,
    daily_limit_minor INTEGER,
    status TEXT NOT NULL DEFAULT 'A' CHECK (status IN ('A', 'C')),
    opened_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS clients (
    fingerprint TEXT PRIMARY KEY, name TEXT NOT NULL, cert_pem TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS signers (
    fingerprint TEXT PRIMARY KEY, name TEXT NOT NULL, key_type TEXT NOT NULL,
    cert_pem TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS instructions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    req_nbr TEXT NOT NULL UNIQUE,
    client_reference TEXT NOT NULL,
    debit_account TEXT NOT NULL,
    payee_account TEXT NOT NULL,
    payee_name TEXT NOT NULL,
    payee_bank TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    purpose TEXT NOT NULL,
    batch_nbr TEXT,
    content_hash TEXT NOT NULL,
    signer_fingerprint TEXT,
    body_sha256 TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('RECEIVED', 'PROCESSING', 'SUCCEEDED', 'FAILED', 'RETURNED')),
    reason_code TEXT,
    reason_text TEXT,
    received_at REAL NOT NULL,
    executed_at REAL,
    returned_at REAL
);
CREATE INDEX IF NOT EXISTS ix_instr_ref ON instructions (client_reference, debit_account);
-- advance(): what is due is found by index range, not by scanning every instruction ever received
CREATE INDEX IF NOT EXISTS ix_instr_state ON instructions (state, received_at);
-- the return scan (engine._RETURNING_SQL must repeat these WHERE terms exactly; '0009' = engine.RETURN_SUFFIX)
CREATE INDEX IF NOT EXISTS ix_instr_returning ON instructions (executed_at)
    WHERE state = 'SUCCEEDED' AND substr(payee_account, -4) = '0009';
-- NTQRYSTN: an account's instructions in REQNBR order, the date filter read from the index
CREATE INDEX IF NOT EXISTS ix_instr_debit ON instructions (debit_account, req_nbr, received_at);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL REFERENCES accounts(account),
    instruction_id INTEGER REFERENCES instructions(id),
    kind TEXT NOT NULL CHECK (kind IN ('PAYMENT', 'INCOMING', 'RETURN', 'RETURN_DEBIT')),
    direction TEXT NOT NULL CHECK (direction IN ('D', 'C')),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    balance_after_minor INTEGER NOT NULL,
    counterparty_account TEXT NOT NULL,
    counterparty_name TEXT NOT NULL,
    client_reference TEXT NOT NULL,
    purpose TEXT NOT NULL,
    booked_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_entries_acc ON entries (account, booked_at, id);
CREATE TABLE IF NOT EXISTS faults (
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    funnam TEXT NOT NULL,
    path TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    request_body BLOB NOT NULL,
    detail TEXT NOT NULL,
    at TEXT NOT NULL
);
"""


def utc_iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Account:
    account: str
    name: str
    bank_code: str
    currency: str
    opening_balance_minor: int
    balance_minor: int
    single_limit_minor: int | None
    daily_limit_minor: int | None
    status: str
    opened_at: str


@dataclass(frozen=True)
class Instruction:
    id: int
    req_nbr: str
    client_reference: str
    debit_account: str
    payee_account: str
    payee_name: str
    payee_bank: str
    amount_minor: int
    currency: str
    purpose: str
    batch_nbr: str | None
    content_hash: str
    signer_fingerprint: str | None
    body_sha256: str
    state: str
    reason_code: str | None
    reason_text: str | None
    received_at: float
    executed_at: float | None
    returned_at: float | None


_INSTRUCTION_FIELDS = tuple(f.name for f in fields(Instruction))
INSTRUCTION_COLUMNS = ", ".join(_INSTRUCTION_FIELDS)  # SELECT list for instruction_of(row)


def instruction_of(row: Sequence) -> Instruction:
    """``Instruction(*row)`` for a row selected as INSTRUCTION_COLUMNS, at a third of the cost: the frozen
    dataclass's __init__ sets each of the 20 fields through object.__setattr__, and a status page or an
    execution run builds thousands. The result is the same object (same fields, equality, hash, repr)."""
    ins = object.__new__(Instruction)
    ins.__dict__.update(zip(_INSTRUCTION_FIELDS, row, strict=True))
    return ins


@dataclass(frozen=True)
class Entry:
    id: int
    account: str
    instruction_id: int | None
    kind: str
    direction: str
    amount_minor: int
    balance_after_minor: int
    counterparty_account: str
    counterparty_name: str
    client_reference: str
    purpose: str
    booked_at: float


class Ledger:
    """One connection guarded by a lock (the server is threaded); every write is one transaction."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / DB_NAME
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.executescript(SCHEMA)
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # -- meta / registry ---------------------------------------------------------------------------
    def set_meta(self, key: str, value: str) -> None:
        with self.tx() as c:
            c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else default

    def register_client(self, fingerprint: str, name: str, cert_pem: str) -> None:
        with self.tx() as c:
            c.execute("INSERT OR REPLACE INTO clients VALUES (?, ?, ?, ?)", (fingerprint, name, cert_pem, now_iso()))

    def register_signer(self, fingerprint: str, name: str, key_type: str, cert_pem: str) -> None:
        with self.tx() as c:
            c.execute(
                "INSERT OR REPLACE INTO signers VALUES (?, ?, ?, ?, ?)",
                (fingerprint, name, key_type, cert_pem, now_iso()),
            )

    def client_known(self, fingerprint: str) -> bool:
        return bool(self.query("SELECT 1 FROM clients WHERE fingerprint = ?", (fingerprint,)))

    def signer_cert_pem(self, fingerprint: str) -> str | None:
        rows = self.query("SELECT cert_pem FROM signers WHERE fingerprint = ?", (fingerprint.lower(),))
        return rows[0]["cert_pem"] if rows else None

    # -- accounts ----------------------------------------------------------------------------------
    def add_account(
        self,
        account: str,
        name: str,
        bank_code: str,
        currency: str,
        balance_minor: int,
        single_limit_minor: int | None = None,
        daily_limit_minor: int | None = None,
    ) -> None:
        with self.tx() as c:
            c.execute(
                "INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'A', ?)",
                (
                    account,
                    name,
                    bank_code,
                    currency,
                    balance_minor,
                    balance_minor,
                    single_limit_minor,
                    daily_limit_minor,
                    now_iso(),
                ),
            )

    def account(self, account: str) -> Account | None:
        rows = self.query("SELECT * FROM accounts WHERE account = ?", (account,))
        return Account(**dict(rows[0])) if rows else None

    def accounts(self) -> list[Account]:
        return [Account(**dict(r)) for r in self.query("SELECT * FROM accounts ORDER BY account")]

    # -- instructions ------------------------------------------------------------------------------
    def instruction_by_req(self, req_nbr: str) -> Instruction | None:
        rows = self.query(f"SELECT {INSTRUCTION_COLUMNS} FROM instructions WHERE req_nbr = ?", (req_nbr,))  # noqa: S608
        return instruction_of(rows[0]) if rows else None

    def instructions_by_ref(self, client_reference: str) -> list[Instruction]:
        rows = self.query(
            f"SELECT {INSTRUCTION_COLUMNS} FROM instructions WHERE client_reference = ? ORDER BY id",  # noqa: S608
            (client_reference,),
        )
        return [instruction_of(r) for r in rows]

    def instruction_page(
        self, debit_account: str | None, start: float, end: float, after_req_nbr: str, limit: int
    ) -> list[Instruction]:
        """Instructions received in [start, end) (of one debit account, or all), REQNBR > after_req_nbr, in
        REQNBR order, at most ``limit``."""
        where = "req_nbr > ? AND received_at >= ? AND received_at < ?"
        params: tuple = (after_req_nbr, start, end)
        if debit_account is not None:
            where, params = "debit_account = ? AND " + where, (debit_account, *params)
        rows = self.query(
            f"SELECT {INSTRUCTION_COLUMNS} FROM instructions WHERE {where} ORDER BY req_nbr LIMIT ?",  # noqa: S608
            (*params, limit),
        )
        return [instruction_of(r) for r in rows]

    def pick_instruction(self, where: str, params: tuple, rng) -> Instruction | None:
        """``rng.choice(self.instructions(where, params))`` (the same draw) without loading every row."""
        with self._lock:
            n = self._conn.execute(f"SELECT COUNT(*) FROM instructions WHERE {where}", params).fetchone()[0]  # noqa: S608
            if not n:
                return None
            row = self._conn.execute(
                f"SELECT {INSTRUCTION_COLUMNS} FROM instructions WHERE {where} ORDER BY id LIMIT 1 OFFSET ?",  # noqa: S608
                (*params, rng.randrange(n)),
            ).fetchone()
        return instruction_of(row)

    def instructions(self, where: str = "1=1", params: tuple = ()) -> list[Instruction]:
        rows = self.query(f"SELECT {INSTRUCTION_COLUMNS} FROM instructions WHERE {where} ORDER BY id", params)  # noqa: S608
        return [instruction_of(r) for r in rows]

    # -- entries -----------------------------------------------------------------------------------
    def entries(self, account: str, start: float, end: float, after_id: int = 0, limit: int = 10**9) -> list[Entry]:
        rows = self.query(
            "SELECT * FROM entries WHERE account = ? AND booked_at >= ? AND booked_at < ? AND id > ?"
            " ORDER BY id LIMIT ?",
            (account, start, end, after_id, limit),
        )
        return [Entry(**dict(r)) for r in rows]

    def balance_before(self, account: str, ts: float) -> int | None:
        rows = self.query(
            "SELECT balance_after_minor FROM entries WHERE account = ? AND booked_at < ? ORDER BY id DESC LIMIT 1",
            (account, ts),
        )
        return rows[0][0] if rows else None

    # -- faults ------------------------------------------------------------------------------------
    def log_fault(self, seq: int, kind: str, funnam: str, path: str, body_sha: str, body: bytes, detail: str) -> None:
        with self.tx() as c:
            c.execute(
                "INSERT INTO faults VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, kind, funnam, path, body_sha, body, detail, now_iso()),
            )

    def faults(self) -> list[sqlite3.Row]:
        return self.query("SELECT seq, kind, funnam, path, request_sha256, detail, at FROM faults ORDER BY rowid")
