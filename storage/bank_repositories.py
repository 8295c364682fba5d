"""SQL repositories of bank connectivity: connection profiles, latest balances, transaction details and the
message log. They hand out frozen values of :mod:`app.domain.banking`, never ORM rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from app.domain.banking import (
    PROFILE_COLUMNS,
    AccountBalance,
    ConnectionProfile,
    MessageLogRecord,
    StoredTransaction,
)
from app.domain.errors import NotFound
from app.ports.bank import Balance, Transaction
from app.ports.clock import Clock
from storage.orm import (
    AccountBalanceRow,
    BankAccountRow,
    BankTransactionRow,
    ConnectionProfileRow,
    MessageLogRow,
)
from storage.repositories import _get_fresh, _guarded, _plain_fields, _versioned_update

_IN_CHUNK = 500


# -- connection profiles --------------------------------------------------------------------------------------

def _profile(row: ConnectionProfileRow) -> ConnectionProfile:
    return ConnectionProfile(
        id=row.id, name=row.name, plugin_id=row.plugin_id, base_url=row.base_url,
        settings=json.loads(row.settings_json), ca_cert_pem=row.ca_cert_pem, client_cert_pem=row.client_cert_pem,
        bank_cert_pem=row.bank_cert_pem, pins=tuple(json.loads(row.pins_json)),
        connect_timeout_s=row.connect_timeout_ms / 1000, read_timeout_s=row.read_timeout_ms / 1000,
        has_client_key=row.has_client_key, version=row.version)


def _profile_values(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(PROFILE_COLUMNS))
    if unknown:
        raise ValueError(f"unknown connection profile field(s): {', '.join(unknown)}")
    values = dict(fields)
    if "settings" in values:
        values["settings_json"] = json.dumps(dict(values.pop("settings")), ensure_ascii=False, sort_keys=True)
    if "pins" in values:
        values["pins_json"] = json.dumps(list(values.pop("pins")))
    for name in ("connect_timeout_s", "read_timeout_s"):
        if name in values:
            values[name.replace("_s", "_ms")] = round(float(values.pop(name)) * 1000)
    text_columns = [k for k in values if isinstance(values[k], str)]
    _plain_fields({k: values[k] for k in text_columns}, text_columns, "connection profile", ConnectionProfileRow)
    return values


class SqlConnectionProfileRepository:
    def __init__(self, session: Session, clock: Clock):
        self._s = session
        self._clock = clock

    def get(self, profile_id: int) -> ConnectionProfile | None:
        row = _get_fresh(self._s, ConnectionProfileRow, profile_id)
        return None if row is None else _profile(row)

    def get_by_name(self, name: str) -> ConnectionProfile | None:
        row = self._s.scalars(select(ConnectionProfileRow).where(ConnectionProfileRow.name == name)
                              .execution_options(populate_existing=True)).one_or_none()
        return None if row is None else _profile(row)

    def list(self) -> list[ConnectionProfile]:
        stmt = select(ConnectionProfileRow).order_by(ConnectionProfileRow.name, ConnectionProfileRow.id)
        return [_profile(r) for r in self._s.scalars(stmt.execution_options(populate_existing=True))]

    def add(self, fields: dict[str, Any]) -> ConnectionProfile:
        values = _profile_values(fields)
        values.setdefault("settings_json", "{}")
        values.setdefault("pins_json", "[]")
        for col in ("ca_cert_pem", "client_cert_pem", "bank_cert_pem"):
            values.setdefault(col, "")
        values.setdefault("connect_timeout_ms", 10_000)
        values.setdefault("read_timeout_ms", 30_000)
        values.setdefault("has_client_key", False)
        now = self._clock.now()
        row = ConnectionProfileRow(**values, version=1, created_at=now, updated_at=now)
        with _guarded(self._s, "a connection profile"):
            self._s.add(row)
        return _profile(row)

    def update(self, profile_id: int, expected_version: int, fields: dict[str, Any]) -> ConnectionProfile:
        _versioned_update(self._s, ConnectionProfileRow, "connection profile", profile_id, expected_version,
                          _profile_values(fields), self._clock.now())
        return self.get(profile_id)  # type: ignore[return-value]


# -- balances -------------------------------------------------------------------------------------------------

class SqlBalanceRepository:
    def __init__(self, session: Session):
        self._s = session

    def upsert(self, account_id: int, balance: Balance, fetched_at: datetime) -> None:
        row = _get_fresh(self._s, AccountBalanceRow, account_id)
        with _guarded(self._s, "an account balance"):
            if row is None:
                row = AccountBalanceRow(account_id=account_id)
                self._s.add(row)
            row.currency = balance.currency
            row.available_minor = balance.available_minor
            row.ledger_minor = balance.ledger_minor
            row.as_of = balance.as_of
            row.fetched_at = fetched_at
            row.error = None

    def record_error(self, account_id: int, error: str, fetched_at: datetime) -> None:
        row = _get_fresh(self._s, AccountBalanceRow, account_id)
        with _guarded(self._s, "an account balance"):
            if row is None:
                acc = _get_fresh(self._s, BankAccountRow, account_id)
                if acc is None:
                    raise NotFound("bank account", account_id)
                row = AccountBalanceRow(account_id=account_id, currency=acc.currency)
                self._s.add(row)
            row.error = error[:2000]
            row.fetched_at = fetched_at

    def latest(self) -> list[AccountBalance]:
        stmt = (select(BankAccountRow, AccountBalanceRow)
                .join(AccountBalanceRow, AccountBalanceRow.account_id == BankAccountRow.id, isouter=True)
                .where(BankAccountRow.is_active.is_(True))
                .order_by(BankAccountRow.bank_name, BankAccountRow.account_number, BankAccountRow.id)
                .execution_options(populate_existing=True))
        out = []
        for acc, bal in self._s.execute(stmt):
            out.append(AccountBalance(
                account_id=acc.id, account_number=acc.account_number, bank_name=acc.bank_name,
                currency=bal.currency if bal is not None else acc.currency,
                available_minor=None if bal is None else bal.available_minor,
                ledger_minor=None if bal is None else bal.ledger_minor,
                as_of=None if bal is None else bal.as_of, error=None if bal is None else bal.error,
                fetched_at=None if bal is None else bal.fetched_at))
        return out


# -- transactions ---------------------------------------------------------------------------------------------

def _transaction(row: BankTransactionRow) -> StoredTransaction:
    return StoredTransaction(
        id=row.id, account_id=row.account_id, bank_serial=row.bank_serial, booking_date=row.booking_date,
        amount_minor=row.amount_minor, currency=row.currency, booking_time=row.booking_time,
        value_date=row.value_date, counterparty_name=row.counterparty_name,
        counterparty_account=row.counterparty_account, reference=row.reference, narrative=row.narrative,
        balance_after_minor=row.balance_after_minor, kind=row.kind)


def _serial(t: Transaction) -> str:
    if t.bank_serial:
        return t.bank_serial
    # No serial from the bank: a stable key from the entry's content (same entry → same key).
    return "|".join((t.booking_date.isoformat(), t.booking_time, str(t.amount_minor), t.reference,
                     t.counterparty_account, str(t.balance_after_minor)))[:64]


class SqlTransactionRepository:
    def __init__(self, session: Session):
        self._s = session

    def add_new(self, account_id: int, items: Sequence[Transaction], fetched_at: datetime) -> int:
        if not items:
            return 0
        by_serial = {_serial(t): t for t in items}
        existing: set[str] = set()
        serials = list(by_serial)
        for start in range(0, len(serials), _IN_CHUNK):
            chunk = serials[start:start + _IN_CHUNK]
            existing.update(self._s.scalars(select(BankTransactionRow.bank_serial).where(
                BankTransactionRow.account_id == account_id, BankTransactionRow.bank_serial.in_(chunk))))
        records = [{
            "account_id": account_id, "bank_serial": serial, "booking_date": t.booking_date,
            "booking_time": t.booking_time[:8], "value_date": t.value_date, "amount_minor": t.amount_minor,
            "currency": t.currency, "counterparty_name": t.counterparty_name[:200],
            "counterparty_account": t.counterparty_account[:40], "reference": t.reference[:64],
            "narrative": t.narrative[:200], "balance_after_minor": t.balance_after_minor, "kind": t.kind[:32],
            "fetched_at": fetched_at,
        } for serial, t in by_serial.items() if serial not in existing]
        if records:
            with _guarded(self._s, "a bank transaction"):
                self._s.execute(insert(BankTransactionRow.__table__), records)
        return len(records)

    def ids(self, account_id: int, date_from: date, date_to: date, query: str = "") -> list[int]:
        T = BankTransactionRow
        conditions = [T.account_id == account_id, T.booking_date >= date_from, T.booking_date <= date_to]
        text = (query or "").strip()
        if text:
            conditions.append(or_(*(c.icontains(text, autoescape=True) for c in
                                    (T.counterparty_name, T.counterparty_account, T.reference, T.narrative))))
        stmt = select(T.id).where(*conditions).order_by(T.booking_date, T.booking_time, T.id)
        return list(self._s.scalars(stmt))

    def get_many(self, ids: Sequence[int]) -> list[StoredTransaction]:
        found: dict[int, StoredTransaction] = {}
        wanted = list(dict.fromkeys(ids))
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start:start + _IN_CHUNK]
            for row in self._s.scalars(select(BankTransactionRow).where(BankTransactionRow.id.in_(chunk))):
                found[row.id] = _transaction(row)
        return [found[i] for i in ids if i in found]

    def count(self, account_id: int | None = None) -> int:
        stmt = select(func.count()).select_from(BankTransactionRow)
        if account_id is not None:
            stmt = stmt.where(BankTransactionRow.account_id == account_id)
        return int(self._s.scalar(stmt) or 0)


# -- message log ----------------------------------------------------------------------------------------------

def _message(row: MessageLogRow) -> MessageLogRecord:
    return MessageLogRecord(
        id=row.id, at=row.at, profile_id=row.profile_id, bank=row.bank, exchange_id=row.exchange_id,
        direction=row.direction, function=row.function, url=row.url, status=row.status,
        duration_ms=row.duration_ms, error_code=row.error_code, size_bytes=row.size_bytes,
        headers=json.loads(row.headers_json), body=row.body)


class SqlMessageLogRepository:
    def __init__(self, session: Session):
        self._s = session

    def add_many(self, records: Sequence[MessageLogRecord]) -> None:
        if not records:
            return
        rows = [{
            "at": r.at, "profile_id": r.profile_id, "bank": r.bank[:100], "exchange_id": r.exchange_id[:64],
            "direction": r.direction[:16], "function": r.function[:64], "url": r.url[:500], "status": r.status,
            "duration_ms": r.duration_ms, "error_code": r.error_code[:64], "size_bytes": r.size_bytes,
            "headers_json": json.dumps(dict(r.headers), ensure_ascii=False), "body": r.body,
        } for r in records]
        with _guarded(self._s, "a message log entry"):
            self._s.execute(insert(MessageLogRow.__table__), rows)

    def page(self, offset: int = 0, limit: int = 200) -> list[MessageLogRecord]:
        stmt = (select(MessageLogRow).order_by(MessageLogRow.id.desc())
                .offset(max(0, offset)).limit(max(0, limit)))
        return [_message(r) for r in self._s.scalars(stmt)]

    def all_in_order(self) -> list[MessageLogRecord]:
        return [_message(r) for r in self._s.scalars(select(MessageLogRow).order_by(MessageLogRow.id))]

    def count(self) -> int:
        return int(self._s.scalar(select(func.count()).select_from(MessageLogRow)) or 0)

    def prune(self, keep: int) -> int:
        total = self.count()
        excess = total - max(0, keep)
        if excess <= 0:
            return 0
        cutoff = self._s.scalar(select(MessageLogRow.id).order_by(MessageLogRow.id).offset(excess - 1).limit(1))
        with _guarded(self._s, "the message log"):
            result = self._s.execute(delete(MessageLogRow).where(MessageLogRow.id <= cutoff))
        return int(result.rowcount or 0)
