"""Payment processing rules over the ledger, independent of any wire dialect.

received -> processing -> succeeded | failed (after configurable delays), succeeded -> returned (退票).
Each instruction is executed at most once: every transition is one SQLite transaction guarded by the
current state. With de-duplication on, a repeated (debit account, client reference) returns the earlier
instruction; with it off the repeat becomes a NEW instruction that is executed again (the real-world danger
the client must never cause) and both debits appear in the report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from sandbox_bank.ledger import INSTRUCTION_COLUMNS, Entry, Instruction, Ledger, instruction_of

# Deterministic payee rules: last four digits of the payee account -> outcome (see PROTOCOL.md).
PAYEE_RULES: dict[str, tuple[str, str]] = {
    "0001": ("AC01", "收款账号不存在 / invalid payee account"),
    "0004": ("AC04", "收款账户已销户 / payee account closed"),
    "0006": ("RR04", "收款方在受限名单 / payee is blacklisted"),
}
RETURN_SUFFIX = "0009"
RETURN_REASON = ("BE01", "收款人户名与账号不符，退票 / returned by the payee bank")

_INSTRUCTION_MARKS = ",".join("?" * len(INSTRUCTION_COLUMNS.split(",")))
_REF_RE = re.compile(r"\A[0-9A-Za-z_\-]{1,30}\Z")
_ACC_RE = re.compile(r"\A[0-9]{6,32}\Z")


class EngineError(Exception):
    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


@dataclass(frozen=True)
class PaymentOrder:
    client_reference: str
    debit_account: str
    payee_account: str
    payee_name: str
    payee_bank: str
    amount_minor: int
    currency: str
    purpose: str

    def content_hash(self) -> str:
        parts = [
            self.debit_account,
            self.payee_account,
            self.payee_name,
            self.payee_bank,
            str(self.amount_minor),
            self.currency,
            self.purpose,
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SubmitResult:
    """code: SUC0000 (new instruction), SUC0000 + repeat=True (earlier result), or a refusal code."""

    client_reference: str
    code: str
    text: str
    instruction: Instruction | None = None
    repeat: bool = False


@dataclass
class EngineConfig:
    processing_delay: float = 0.15  # received -> processing
    settle_delay: float = 0.25  # processing -> succeeded/failed
    return_delay: float = 0.3  # succeeded -> returned for payee accounts ending 0009
    settle_lag: float = 0.0  # a new instruction is invisible to status queries for this long
    cutoff: dt.time | None = None  # UTC time of day after which payments fail with TM01
    dedup: bool = True
    max_batch: int = 50


@dataclass
class Statement:
    account: str
    currency: str
    opening_minor: int
    closing_minor: int
    debit_count: int = 0
    debit_total_minor: int = 0
    credit_count: int = 0
    credit_total_minor: int = 0
    entries: list[Entry] = field(default_factory=list)


# Succeeded payments to a payee account ending in RETURN_SUFFIX, by execution time, from the partial index
# ix_instr_returning (ledger.SCHEMA): the terms must stay those of its WHERE — INDEXED BY makes SQLite refuse the
# statement otherwise, instead of silently reading every succeeded instruction on each advance().
_RETURNING_SQL = (
    f"SELECT {INSTRUCTION_COLUMNS} FROM instructions INDEXED BY ix_instr_returning"  # noqa: S608 - constant
    " WHERE state = 'SUCCEEDED' AND substr(payee_account, -4) = '"
    + RETURN_SUFFIX
    + "' AND executed_at <= ? ORDER BY id"
)


class _Due(NamedTuple):
    """What executing a due instruction reads of it (_DUE_SQL selects these columns, in this order)."""

    id: int
    debit_account: str
    payee_account: str
    payee_name: str
    amount_minor: int
    client_reference: str
    purpose: str
    received_at: float


_DUE_SQL = (
    f"SELECT {', '.join(_Due._fields)} FROM instructions"  # noqa: S608 - constant
    " WHERE state = 'PROCESSING' AND received_at <= ? ORDER BY id"
)


class _Account:
    __slots__ = ("account", "balance_minor", "daily_limit_minor", "name", "single_limit_minor", "status")

    def __init__(self, row: sqlite3.Row) -> None:
        self.account = row["account"]
        self.name = row["name"]
        self.status = row["status"]
        self.balance_minor = row["balance_minor"]
        self.single_limit_minor = row["single_limit_minor"]
        self.daily_limit_minor = row["daily_limit_minor"]


class _Accounts:
    """The accounts one execution run touches, read once inside its transaction (None: not an account here)."""

    def __init__(self, c: sqlite3.Connection) -> None:
        self._c = c
        self._rows: dict[str, _Account | None] = {}
        self._start: dict[str, int] = {}

    def read(self, accounts: Iterable[str]) -> None:
        """Read these accounts (the ones not read yet) in a few statements instead of one each."""
        wanted = [a for a in dict.fromkeys(accounts) if a not in self._rows]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._c.execute(f"SELECT * FROM accounts WHERE account IN ({marks})", chunk).fetchall()  # noqa: S608
            found = {row["account"]: row for row in rows}
            for account in chunk:
                self._add(account, found.get(account))

    def get(self, account: str) -> _Account | None:
        if account not in self._rows:
            self._add(account, self._c.execute("SELECT * FROM accounts WHERE account = ?", (account,)).fetchone())
        return self._rows[account]

    def _add(self, account: str, row: sqlite3.Row | None) -> None:
        self._rows[account] = _Account(row) if row is not None else None
        if row is not None:
            self._start[account] = row["balance_minor"]

    def changed(self) -> list[_Account]:
        return [a for a in self._rows.values() if a is not None and a.balance_minor != self._start[a.account]]


def day_bounds(start: dt.date, end: dt.date) -> tuple[float, float]:
    lo = dt.datetime.combine(start, dt.time(0), dt.UTC).timestamp()
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), dt.UTC).timestamp()
    return lo, hi


class Engine:
    def __init__(self, ledger: Ledger, config: EngineConfig | None = None, clock=time.time) -> None:
        self.ledger = ledger
        self.config = config or EngineConfig()
        self.clock = clock
        # account -> (day start, entries.id up to which counted, today's PAYMENT debits): see _daily_used
        self._daily: dict[str, tuple[float, int, int]] = {}

    # -- submission --------------------------------------------------------------------------------
    def submit(
        self, orders: list[PaymentOrder], *, body_sha256: str, signer: str | None, batch_nbr: str | None = None
    ) -> list[SubmitResult]:
        if len(orders) > self.config.max_batch:
            raise EngineError("BATCH_SIZE", f"at most {self.config.max_batch} records per request")
        results = []
        now = self.clock()
        with self.ledger.tx() as c:
            self._advance(c, now)  # a repeat must answer with the earlier instruction's current state
            accounts: dict[str, sqlite3.Row | None] = {}  # one lookup per debit account and request
            # Instruction ids (and so REQNBRs) are handed out here, in request order: MAX(id) is O(1) on the rowid.
            next_id = c.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM instructions").fetchone()[0]
            for order in orders:
                res = self._submit_one(c, order, body_sha256, signer, batch_nbr, accounts, next_id)
                if res.instruction is not None and not res.repeat:
                    next_id += 1
                results.append(res)
        return results

    def _submit_one(
        self,
        c: sqlite3.Connection,
        order: PaymentOrder,
        body_sha256: str,
        signer: str | None,
        batch_nbr: str | None,
        accounts: dict[str, sqlite3.Row | None],
        next_id: int,
    ) -> SubmitResult:
        ref = order.client_reference
        if not _REF_RE.match(ref):
            return SubmitResult(ref, "FMT_YURREF", "YURREF must be 1-30 characters [0-9A-Za-z_-]")
        if not _ACC_RE.match(order.payee_account) or order.payee_account == order.debit_account:
            return SubmitResult(ref, "FMT_CRTACC", "CRTACC must be 6-32 digits and differ from DBTACC")
        if order.debit_account not in accounts:
            accounts[order.debit_account] = c.execute(
                "SELECT currency, status FROM accounts WHERE account = ?", (order.debit_account,)
            ).fetchone()
        acc = accounts[order.debit_account]
        if acc is None:
            return SubmitResult(ref, "AC02", "付方账号不存在 / unknown debit account")
        if acc["currency"] != order.currency:
            return SubmitResult(ref, "AM03", f"currency {order.currency} not allowed on this account")
        content = order.content_hash()
        if self.config.dedup:  # (without de-duplication an earlier instruction changes nothing: not looked up)
            earlier = c.execute(
                f"SELECT {INSTRUCTION_COLUMNS} FROM instructions WHERE client_reference = ? AND debit_account = ?"  # noqa: S608
                " ORDER BY id DESC LIMIT 1",
                (ref, order.debit_account),
            ).fetchone()
            if earlier is not None:
                if earlier["content_hash"] != content:
                    return SubmitResult(ref, "DUPL", "业务参考号重复 / duplicate reference with different content")
                return SubmitResult(ref, "SUC0000", "repeat: earlier result", instruction_of(earlier), repeat=True)
        # The new instruction's row, in INSTRUCTION_COLUMNS order: inserted as is and returned as the Instruction.
        row = (
            next_id,  # id
            f"{next_id:010d}",  # req_nbr
            ref,
            order.debit_account,
            order.payee_account,
            order.payee_name,
            order.payee_bank,
            order.amount_minor,
            order.currency,
            order.purpose,
            batch_nbr,
            content,  # content_hash
            signer,  # signer_fingerprint
            body_sha256,
            "RECEIVED",  # state
            None,  # reason_code
            None,  # reason_text
            self.clock(),  # received_at
            None,  # executed_at
            None,  # returned_at
        )
        c.execute(f"INSERT INTO instructions ({INSTRUCTION_COLUMNS}) VALUES ({_INSTRUCTION_MARKS})", row)  # noqa: S608
        return SubmitResult(ref, "SUC0000", "received", instruction_of(row))

    # -- asynchronous processing -------------------------------------------------------------------
    def advance(self) -> None:
        now = self.clock()
        with self.ledger.tx() as c:
            self._advance(c, now)

    def _advance(self, c: sqlite3.Connection, now: float) -> None:
        """Move every instruction that is due. Must run before the transaction books any entry (it reads MAX(id) of
        the committed entries first: see _daily_used). Each step is an index range scan (ix_instr_state,
        ix_instr_returning), so when nothing is due it costs next to nothing however large the ledger."""
        cfg = self.config
        entries_upto = c.execute("SELECT COALESCE(MAX(id), 0) FROM entries").fetchone()[0]
        c.execute(
            "UPDATE instructions SET state = 'PROCESSING' WHERE state = 'RECEIVED' AND received_at <= ?",
            (now - cfg.processing_delay,),
        )
        due = c.execute(_DUE_SQL, (now - cfg.processing_delay - cfg.settle_delay,)).fetchall()
        if due:
            self._execute_due(c, [_Due(*row) for row in due], now, entries_upto)
        returning = c.execute(_RETURNING_SQL, (now - cfg.return_delay,)).fetchall()
        for row in returning:
            self._return(c, instruction_of(row), now, *RETURN_REASON)

    def _execute_due(self, c: sqlite3.Connection, due: list[_Due], now: float, entries_upto: int) -> None:
        """Execute the due instructions in id order, all in this transaction: each one's outcome by the rules of
        :meth:`_rule_outcome` against the balances and daily totals as the earlier ones of the same run left them,
        then every state change, balance and ledger entry written in bulk (entries in the same order, with the
        same balance-after, as one-by-one booking would give)."""
        accounts = _Accounts(c)
        accounts.read(a for ins in due for a in (ins.debit_account, ins.payee_account))
        used: dict[str, int] = {}  # today's PAYMENT debits per account with a daily limit, this run included
        today = dt.datetime.fromtimestamp(now, dt.UTC).date()
        day_start = day_bounds(today, today)[0]
        failed: list[tuple[str, str, float, int]] = []
        succeeded: list[tuple[float, int]] = []
        entries: list[tuple] = []
        for ins in due:
            acc = accounts.get(ins.debit_account)
            if acc is not None and acc.daily_limit_minor is not None and ins.debit_account not in used:
                used[ins.debit_account] = self._daily_used(c, ins.debit_account, day_start, entries_upto)
            outcome = self._rule_outcome(ins, accounts, used)
            if outcome is not None:
                failed.append((outcome[0], outcome[1], now, ins.id))
                continue
            assert acc is not None
            succeeded.append((now, ins.id))
            acc.balance_minor -= ins.amount_minor
            if ins.debit_account in used:
                used[ins.debit_account] += ins.amount_minor
            entries.append((ins.debit_account, ins.id, "PAYMENT", "D", ins.amount_minor, acc.balance_minor,
                            ins.payee_account, ins.payee_name, ins.client_reference, ins.purpose, now))
            payee = accounts.get(ins.payee_account)
            if payee is not None:
                payee.balance_minor += ins.amount_minor
                entries.append((ins.payee_account, ins.id, "INCOMING", "C", ins.amount_minor, payee.balance_minor,
                                ins.debit_account, acc.name, ins.client_reference, ins.purpose, now))
        if failed:
            moved = c.executemany(
                "UPDATE instructions SET state = 'FAILED', reason_code = ?, reason_text = ?, executed_at = ?"
                " WHERE id = ? AND state = 'PROCESSING'",
                failed,
            ).rowcount
            if moved != len(failed):  # cannot happen under the write lock; never book on a doubt
                raise RuntimeError(f"{len(failed) - moved} due instructions changed state under the write lock")
        if succeeded:
            moved = c.executemany(
                "UPDATE instructions SET state = 'SUCCEEDED', executed_at = ? WHERE id = ? AND state = 'PROCESSING'",
                succeeded,
            ).rowcount
            if moved != len(succeeded):  # already executed by someone else: never debit twice (rolls back)
                raise RuntimeError(f"{len(succeeded) - moved} due instructions changed state under the write lock")
            c.executemany(
                "UPDATE accounts SET balance_minor = ? WHERE account = ?",
                [(a.balance_minor, a.account) for a in accounts.changed()],
            )
            c.executemany(
                "INSERT INTO entries (account, instruction_id, kind, direction, amount_minor, balance_after_minor,"
                " counterparty_account, counterparty_name, client_reference, purpose, booked_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                entries,
            )

    def _daily_used(self, c: sqlite3.Connection, account: str, day_start: float, entries_upto: int) -> int:
        """Sum of the account's PAYMENT entries booked since ``day_start`` among entries with id <= entries_upto
        (all committed: the caller read MAX(id) before this transaction wrote any). Kept per account and added to
        incrementally, so a run costs the entries booked since the last one, not a scan of the whole day."""
        cached = self._daily.get(account)
        if cached is None or cached[0] != day_start or cached[1] > entries_upto:
            total = c.execute(
                "SELECT COALESCE(SUM(amount_minor), 0) FROM entries WHERE account = ? AND kind = 'PAYMENT'"
                " AND booked_at >= ? AND id <= ?",
                (account, day_start, entries_upto),
            ).fetchone()[0]
        else:
            total = cached[2]
            if entries_upto > cached[1]:  # rowid range only (+ disables the other indexes for these terms)
                total += c.execute(
                    "SELECT COALESCE(SUM(amount_minor), 0) FROM entries WHERE id > ? AND id <= ?"
                    " AND +account = ? AND kind = 'PAYMENT' AND +booked_at >= ?",
                    (cached[1], entries_upto, account, day_start),
                ).fetchone()[0]
        self._daily[account] = (day_start, entries_upto, total)
        return total

    def _rule_outcome(self, ins: _Due, accounts: _Accounts, used: dict[str, int]) -> tuple[str, str] | None:
        rule = PAYEE_RULES.get(ins.payee_account[-4:])
        if rule:
            return rule
        payee = accounts.get(ins.payee_account)
        if payee is not None and payee.status == "C":
            return PAYEE_RULES["0004"]
        cutoff = self.config.cutoff
        if cutoff is not None and dt.datetime.fromtimestamp(ins.received_at, dt.UTC).time() > cutoff:
            return ("TM01", f"超过当日截止时间 {cutoff.isoformat()} UTC / after cut-off")
        acc = accounts.get(ins.debit_account)
        if acc is None:  # cannot happen: submit() refuses unknown debit accounts and accounts are never deleted
            return ("AC02", "付方账号不存在 / unknown debit account")
        if acc.status == "C":
            return ("AC04", "付方账户已销户 / debit account closed")
        if acc.single_limit_minor is not None and ins.amount_minor > acc.single_limit_minor:
            return ("AM02", "超过单笔限额 / over the single-payment limit")
        if acc.daily_limit_minor is not None and used[ins.debit_account] + ins.amount_minor > acc.daily_limit_minor:
            return ("AM02", "超过当日累计限额 / over the daily limit")
        if acc.balance_minor < ins.amount_minor:
            return ("AM04", "余额不足 / insufficient funds")
        return None

    def _book(
        self,
        c: sqlite3.Connection,
        account: str,
        ins: Instruction,
        kind: str,
        direction: str,
        cp_account: str,
        cp_name: str,
        now: float,
    ) -> None:
        delta = -ins.amount_minor if direction == "D" else ins.amount_minor
        c.execute("UPDATE accounts SET balance_minor = balance_minor + ? WHERE account = ?", (delta, account))
        balance = c.execute("SELECT balance_minor FROM accounts WHERE account = ?", (account,)).fetchone()[0]
        c.execute(
            "INSERT INTO entries (account, instruction_id, kind, direction, amount_minor, balance_after_minor,"
            " counterparty_account, counterparty_name, client_reference, purpose, booked_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                account,
                ins.id,
                kind,
                direction,
                ins.amount_minor,
                balance,
                cp_account,
                cp_name,
                ins.client_reference,
                ins.purpose,
                now,
            ),
        )

    def _return(self, c: sqlite3.Connection, ins: Instruction, now: float, code: str, text: str) -> bool:
        moved = c.execute(
            "UPDATE instructions SET state = 'RETURNED', returned_at = ?, reason_code = ?, reason_text = ?"
            " WHERE id = ? AND state = 'SUCCEEDED'",
            (now, code, text, ins.id),
        ).rowcount
        if moved != 1:
            return False
        self._book(c, ins.debit_account, ins, "RETURN", "C", ins.payee_account, ins.payee_name, now)
        if c.execute("SELECT 1 FROM accounts WHERE account = ?", (ins.payee_account,)).fetchone():
            self._book(c, ins.payee_account, ins, "RETURN_DEBIT", "D", ins.debit_account, "", now)
        return True

    def return_payment(self, client_reference: str, code: str = "NARR", text: str = "退票 / returned") -> Instruction:
        """Admin 退票 of the latest succeeded instruction with this reference."""
        self.advance()
        now = self.clock()
        with self.ledger.tx() as c:
            row = c.execute(
                f"SELECT {INSTRUCTION_COLUMNS} FROM instructions"  # noqa: S608
                " WHERE client_reference = ? AND state = 'SUCCEEDED' ORDER BY id DESC",
                (client_reference,),
            ).fetchone()
            if row is None:
                raise EngineError("NOT_RETURNABLE", f"no succeeded payment with reference {client_reference!r}")
            self._return(c, instruction_of(row), now, code, text)
        result = self.ledger.instruction_by_req(row["req_nbr"])
        assert result is not None
        return result

    # -- queries -----------------------------------------------------------------------------------
    def status_by_reference(self, client_reference: str, debit_account: str | None = None) -> list[Instruction]:
        self.advance()
        visible_before = self.clock() - self.config.settle_lag
        return [
            i
            for i in self.ledger.instructions_by_ref(client_reference)
            if i.received_at <= visible_before and (debit_account is None or i.debit_account == debit_account)
        ]

    def status_by_req_nbr(self, req_nbr: str) -> Instruction | None:
        self.advance()
        ins = self.ledger.instruction_by_req(req_nbr)
        if ins is None or ins.received_at > self.clock() - self.config.settle_lag:
            return None
        return ins

    def status_list(
        self, debit_account: str | None, start: dt.date, end: dt.date, after_req_nbr: str, page_size: int
    ) -> tuple[list[Instruction], str | None]:
        """One page of the instructions received on the days start..end (UTC, inclusive) — of one debit account
        or all — in REQNBR order, as visible as status_by_reference shows them (settle lag); returns
        (instructions, continuation REQNBR or None)."""
        self.advance()
        if debit_account is not None and self.ledger.account(debit_account) is None:
            raise EngineError("AC02", "unknown account")
        lo, hi = day_bounds(start, end)
        visible_before = self.clock() - self.config.settle_lag
        rows = self.ledger.instruction_page(debit_account, lo, hi, after_req_nbr, page_size + 1)
        page, more = rows[:page_size], len(rows) > page_size
        # Not yet visible ones (settle lag) are left out, as status_by_reference leaves them out; the key is the
        # last REQNBR looked at, so a page can be shorter than page_size while more follow.
        visible = [i for i in page if i.received_at <= visible_before]
        return visible, (page[-1].req_nbr if more else None)

    def details(
        self, account: str, start: dt.date, end: dt.date, after_id: int, page_size: int
    ) -> tuple[list[Entry], int | None]:
        """One page of ledger entries; returns (entries, continuation id or None)."""
        self.advance()
        if self.ledger.account(account) is None:
            raise EngineError("AC02", "unknown account")
        lo, hi = day_bounds(start, end)
        rows = self.ledger.entries(account, lo, hi, after_id, page_size + 1)
        if len(rows) > page_size:
            return rows[:page_size], rows[page_size - 1].id
        return rows, None

    def statement(self, account: str, start: dt.date, end: dt.date) -> Statement:
        self.advance()
        acc = self.ledger.account(account)
        if acc is None:
            raise EngineError("AC02", "unknown account")
        lo, hi = day_bounds(start, end)
        opening = self.ledger.balance_before(account, lo)
        opening = acc.opening_balance_minor if opening is None else opening
        entries = self.ledger.entries(account, lo, hi)
        st = Statement(account, acc.currency, opening, opening, entries=entries)
        for e in entries:
            if e.direction == "D":
                st.debit_count += 1
                st.debit_total_minor += e.amount_minor
                st.closing_minor -= e.amount_minor
            else:
                st.credit_count += 1
                st.credit_total_minor += e.amount_minor
                st.closing_minor += e.amount_minor
        return st

    def executed(self, client_reference: str, account: str | None) -> list[Instruction]:
        self.advance()
        return [
            i
            for i in self.ledger.instructions_by_ref(client_reference)
            if i.state in ("SUCCEEDED", "RETURNED") and (account is None or i.debit_account == account)
        ]
