"""Statement import from files (camt.052/053/054, MT940/MT942), for banks without a live channel.

``preview`` reads and checks a file without touching the ledger's data (the dry run): per statement the account,
period, opening and closing balances, entry count and totals, and the ledger accounts the statement's account
matches. ``import_file`` stores the booked entries into the account's transaction details (``bank_transactions``,
unique per account and entry id, so importing the same statement again adds nothing) in one unit of work, with
one audit entry per statement, and announces ``transactions_fetched`` so open screens reload.

Refused, nothing written: a file with any error (unreadable, bad amount, batch or balance sum that does not add
up — the problems name the element or line); a statement whose account the ledger does not know
(ACCOUNT_UNKNOWN), matches several ledger accounts without a choice (ACCOUNT_AMBIGUOUS), is held in another
currency (CURRENCY_MISMATCH) or is deactivated (ACCOUNT_INACTIVE).

Readers come from the composition root (``bank_plugins.iso20022.camt`` / ``.mt940``) through the
:class:`~app.ports.statements.StatementReader` port; this module never imports a plugin.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.domain.errors import DomainError, Problem, ValidationFailed
from app.domain.master_data import BankAccount
from app.domain.users import Actor, Role
from app.ports import Clock, UnitOfWorkFactory
from app.ports.bank import Transaction
from app.ports.events import EventSink
from app.ports.statements import (
    FILE_FORMAT,
    FILE_NOT_FOUND,
    Statement,
    StatementFile,
    StatementFileError,
    StatementReader,
)
from app.services.events import TRANSACTIONS_FETCHED, NullEvents
from app.services.permissions import require_any, require_logged_in

STATEMENT_IMPORTED = "bank.statement_imported"   # audit action (stable string)
HEAD_BYTES = 64 * 1024
CHUNK = 5000

ACCOUNT_UNKNOWN = "ACCOUNT_UNKNOWN"
ACCOUNT_AMBIGUOUS = "ACCOUNT_AMBIGUOUS"
ACCOUNT_MISMATCH = "ACCOUNT_MISMATCH"
ACCOUNT_INACTIVE = "ACCOUNT_INACTIVE"
CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
STATEMENT_INVALID = "STATEMENT_INVALID"

ImportProgress = Callable[[str, int, int], None]   # (phase "read" / "store", done, total or 0)


@dataclass(frozen=True)
class AccountChoice:
    account_id: int
    account_number: str
    currency: str
    bank_name: str
    is_active: bool = True


@dataclass(frozen=True)
class StatementSummary:
    index: int
    statement_id: str
    kind: str
    account: str
    currency: str
    period_from: date | None
    period_to: date | None
    opening_minor: int | None
    closing_minor: int | None
    entry_count: int
    booked_count: int
    credits_minor: int
    debits_minor: int
    candidates: tuple[AccountChoice, ...] = ()


@dataclass(frozen=True)
class StatementPreview:
    path: str
    format: str
    file: StatementFile
    statements: tuple[StatementSummary, ...]

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.file.problems

    @property
    def ok(self) -> bool:
        return not self.file.errors


@dataclass(frozen=True)
class ImportedStatement:
    index: int
    statement_id: str
    account_id: int
    account_number: str
    entries: int        # booked entries in the statement
    new: int            # stored now
    skipped: int        # already stored (an earlier import of the same entries)
    not_booked: int     # pending / information entries, never stored


@dataclass(frozen=True)
class StatementImportResult:
    path: str
    format: str
    sha256: str
    statements: tuple[ImportedStatement, ...]
    warnings: tuple[Problem, ...] = ()

    @property
    def new(self) -> int:
        return sum(s.new for s in self.statements)

    @property
    def skipped(self) -> int:
        return sum(s.skipped for s in self.statements)

    @property
    def not_booked(self) -> int:
        return sum(s.not_booked for s in self.statements)


# -- account matching --------------------------------------------------------------------------------------------

def _norm(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def account_matches(account_number: str, statement: Statement) -> bool:
    """The ledger account number is the statement's account, or one of its other forms (the BBAN or national
    number of an IBAN, the part after ``BLZ/``), leading zeros of all-digit numbers ignored."""
    number = _norm(account_number)
    if not number:
        return False
    keys = {_norm(statement.account), *(_norm(a) for a in statement.account_aliases)} - {""}
    if number in keys:
        return True
    stripped = number.lstrip("0")
    return number.isdigit() and bool(stripped) and any(k.isdigit() and k.lstrip("0") == stripped for k in keys)


def _choice(a: BankAccount) -> AccountChoice:
    return AccountChoice(a.id, a.account_number, a.currency, a.bank_name, a.is_active)


class StatementService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock,
                 readers: Sequence[StatementReader] | Callable[[], Sequence[StatementReader]], *,
                 events: EventSink | None = None):
        self._uow = uow
        self._clock = clock
        self._readers_source = readers
        self._readers: list[StatementReader] | None = None
        self._events = events or NullEvents()

    def readers(self) -> list[StatementReader]:
        if self._readers is None:
            source = self._readers_source
            self._readers = list(source() if callable(source) else source)
        return self._readers

    # -- reading ------------------------------------------------------------------------------------------------
    def read(self, actor: Actor, path: str | Path, progress: Callable[[int], None] | None = None) -> StatementFile:
        """Parse and check a statement file (format chosen by its content). Raises StatementFileError when it
        cannot be read at all; problems of a readable file are in the result."""
        require_logged_in(actor)
        target = Path(path)
        if not target.is_file():
            raise StatementFileError(FILE_NOT_FOUND, f"no such file: {target}")
        try:
            with open(target, "rb") as fh:
                head = fh.read(HEAD_BYTES)
        except OSError as exc:
            raise StatementFileError(FILE_NOT_FOUND, f"cannot read {target}: {exc.strerror or exc}") from None
        for reader in self.readers():
            if reader.sniff(head):
                return reader.read(target, progress=progress)
        raise StatementFileError(FILE_FORMAT, f"{target.name} is not a camt.052/053/054 (ISO 20022 XML) or MT940/"
                                 "MT942 statement file")

    def preview(self, actor: Actor, path: str | Path, progress: Callable[[int], None] | None = None
                ) -> StatementPreview:
        """The dry run: what the file holds and which ledger accounts each statement maps to. Writes nothing."""
        file = self.read(actor, path, progress)
        with self._uow(read_only=True) as uow:
            accounts = uow.accounts.list(include_inactive=True)
        summaries = []
        for st in file.statements:
            credits, debits = st.totals()
            summaries.append(StatementSummary(
                index=st.index, statement_id=st.statement_id, kind=st.kind, account=st.account, currency=st.currency,
                period_from=st.period_from or _first_date(st), period_to=st.period_to or _last_date(st),
                opening_minor=st.opening_minor, closing_minor=st.closing_minor, entry_count=len(st.entries),
                booked_count=len(st.booked), credits_minor=credits, debits_minor=debits,
                candidates=tuple(_choice(a) for a in accounts if account_matches(a.account_number, st))))
        return StatementPreview(str(path), file.format, file, tuple(summaries))

    # -- importing ----------------------------------------------------------------------------------------------
    def import_file(self, actor: Actor, path: str | Path, *, account_id: int | None = None,
                    choices: Mapping[int, int] | None = None, preview: StatementPreview | None = None,
                    progress: ImportProgress | None = None) -> StatementImportResult:
        """Store the booked entries of every statement of the file. ``account_id`` picks the ledger account for the
        statements it matches; ``choices`` maps a statement index to a ledger account id (the GUI's choice when
        an account matches several). ``preview``: the result of :meth:`preview` for this path (not read again)."""
        require_any(actor, Role.MAKER, Role.ADMIN, doing="import bank statements")
        if preview is None or Path(preview.path) != Path(path):
            preview = self.preview(actor, path, None if progress is None else (lambda n: progress("read", n, 0)))
        file = preview.file
        if file.errors:
            raise ValidationFailed(list(file.problems))
        if not file.statements:
            raise DomainError(STATEMENT_INVALID, "the file holds no statement")
        targets = self._targets(preview, account_id, dict(choices or {}))
        digest = _sha256(Path(path))
        total = sum(len(st.booked) for st in file.statements)
        done = 0
        results: list[ImportedStatement] = []
        now = self._clock.now()
        with self._uow() as uow:
            for st, account in zip(file.statements, targets, strict=True):
                items = [_transaction(st, e) for e in st.booked]
                new = 0
                for start in range(0, len(items), CHUNK):
                    new += uow.transactions.add_new(account.account_id, items[start:start + CHUNK], now)
                    done += len(items[start:start + CHUNK])
                    if progress is not None:
                        progress("store", done, total)
                imported = ImportedStatement(st.index, st.statement_id, account.account_id, account.account_number,
                                             len(items), new, len(items) - new, len(st.entries) - len(items))
                results.append(imported)
                uow.audit.append(actor, STATEMENT_IMPORTED, "bank_account", str(account.account_id), {
                    "file": Path(path).name, "sha256": digest, "format": file.format, "statement": st.index,
                    "statement_id": st.statement_id, "account": st.account, "entries": imported.entries,
                    "new": new, "skipped": imported.skipped, "not_booked": imported.not_booked,
                    "period": [d.isoformat() if d else None for d in (st.period_from, st.period_to)],
                    "closing_minor": st.closing_minor})
            uow.commit()
        for account_id_done in dict.fromkeys(r.account_id for r in results):
            self._events.publish(TRANSACTIONS_FETCHED, {
                "account_id": account_id_done, "new": sum(r.new for r in results if r.account_id == account_id_done)})
        return StatementImportResult(str(path), file.format, digest, tuple(results), tuple(file.warnings))

    def _targets(self, preview: StatementPreview, account_id: int | None, choices: dict[int, int]
                 ) -> list[AccountChoice]:
        if account_id is not None and not any(c.account_id == account_id for s in preview.statements
                                              for c in s.candidates):
            raise DomainError(ACCOUNT_MISMATCH, "the account given is not the account of any statement in the file "
                              f"({', '.join(s.account for s in preview.statements)})", "account")
        out: list[AccountChoice] = []
        for summary in preview.statements:
            label = f"statement {summary.index} (account {summary.account or '?'})"
            candidates = summary.candidates
            if not candidates:
                raise DomainError(ACCOUNT_UNKNOWN, f"{label}: the ledger has no bank account {summary.account or '?'};"
                                  " add the account (or correct its number) first, then import again", "account")
            wanted = choices.get(summary.index)
            if wanted is None and account_id is not None and any(c.account_id == account_id for c in candidates):
                wanted = account_id
            if wanted is not None:
                chosen = next((c for c in candidates if c.account_id == wanted), None)
                if chosen is None:
                    raise DomainError(ACCOUNT_MISMATCH, f"{label}: the chosen ledger account is not this statement's "
                                      f"account; it matches {_numbers(candidates)}", "account")
            elif len(candidates) > 1:
                raise DomainError(ACCOUNT_AMBIGUOUS, f"{label} matches several ledger accounts "
                                  f"({_numbers(candidates)}); choose one (--account ACC)", "account")
            else:
                chosen = candidates[0]
            if not chosen.is_active:
                raise DomainError(ACCOUNT_INACTIVE, f"{label}: the ledger account {chosen.account_number} is "
                                  "deactivated; reactivate it to import its statements", "account")
            if summary.currency and chosen.currency != summary.currency:
                raise DomainError(CURRENCY_MISMATCH, f"{label} is in {summary.currency} but the ledger account "
                                  f"{chosen.account_number} is held in {chosen.currency}", "account")
            out.append(chosen)
        return out


def _numbers(candidates: Sequence[AccountChoice]) -> str:
    return ", ".join(f"{c.account_number} ({c.currency}, {c.bank_name})" for c in candidates)


def _first_date(st: Statement) -> date | None:
    return min((e.booking_date for e in st.entries), default=None)


def _last_date(st: Statement) -> date | None:
    return max((e.booking_date for e in st.entries), default=None)


def _transaction(st: Statement, e) -> Transaction:
    return Transaction(
        account=st.account, booking_date=e.booking_date, amount_minor=e.amount_minor, currency=e.currency,
        value_date=e.value_date, booking_time=e.booking_time, counterparty_name=e.counterparty_name,
        counterparty_account=e.counterparty_account, reference=e.end_to_end_id, bank_serial=e.entry_id,
        narrative=e.narrative(), kind=e.bank_code)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
