"""Balances, transaction details and the message log: fetched from the banks through the connection
profiles, stored so the accounts view and the dashboard read them without waiting for a bank.

No unit of work is held open while a bank is called: read what is needed, close, call, then store in a new
short unit of work (with the masked message-log entries the call produced).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from app.domain.banking import (
    AccountBalance,
    BankAuditAction,
    BankTotal,
    ConnectionProfile,
    MessageLogRecord,
    StoredTransaction,
)
from app.domain.errors import DomainError, NotFound, OperationalError
from app.domain.master_data import BankAccount
from app.domain.users import Actor, Role
from app.ports import Clock, UnitOfWorkFactory
from app.ports.bank import Balance, Transaction
from app.ports.banking import ConnectorFactory
from app.ports.events import EventSink
from app.services.events import BALANCES_REFRESHED, TRANSACTIONS_FETCHED, NullEvents
from app.services.message_log_store import store_messages
from app.services.permissions import require_any, require_logged_in

MAX_RANGE_DAYS = 366
MAX_PAGES = 10_000


class BankDataService:
    def __init__(self, uow: UnitOfWorkFactory, connectors: ConnectorFactory, clock: Clock, *,
                 message_log_keep: int = 100_000, respect_query_interval: bool = True,
                 events: EventSink | None = None):
        self._events = events or NullEvents()
        self._uow = uow
        self._connectors = connectors
        self._clock = clock
        self._keep = message_log_keep
        self._respect_interval = respect_query_interval

    # -- balances ------------------------------------------------------------------------------------------
    def _connected_accounts(self, account_ids: Sequence[int] | None
                            ) -> tuple[list[BankAccount], dict[int, ConnectionProfile]]:
        with self._uow(read_only=True) as uow:
            if account_ids is None:
                accounts = [a for a in uow.accounts.list() if a.connection_profile_id is not None]
            else:
                accounts = []
                for account_id in account_ids:
                    acc = uow.accounts.get(account_id)
                    if acc is None:
                        raise NotFound("bank account", account_id)
                    if acc.connection_profile_id is None:
                        raise DomainError("NO_PROFILE", f"the account {acc.account_number} has no connection "
                                          "profile: link it to one first")
                    accounts.append(acc)
            profiles = {}
            for pid in {a.connection_profile_id for a in accounts}:
                profile = uow.profiles.get(pid)  # type: ignore[arg-type]
                if profile is not None:
                    profiles[profile.id] = profile
        return accounts, profiles

    def _recent(self, accounts: list[BankAccount], interval_s: float) -> set[int]:
        """Accounts whose last good balance is younger than the plugin's minimum query interval."""
        if not self._respect_interval or interval_s <= 0:
            return set()
        now = self._clock.now()
        ids = {a.id for a in accounts}
        return {b.account_id for b in self._latest() if b.account_id in ids and b.error is None
                and b.fetched_at is not None and (now - b.fetched_at).total_seconds() < interval_s}

    def _latest(self) -> list[AccountBalance]:
        with self._uow(read_only=True) as uow:
            return uow.balances.latest()

    def refresh_balances(self, actor: Actor, account_ids: list[int] | None = None, *,
                         force: bool = False) -> list[AccountBalance]:
        """Ask the banks for the balances of the given accounts (default: every active account with a profile)
        and store the snapshots. A bank failure is recorded on its accounts (``error``), not raised; the
        other banks are still asked. Returns the stored balances of the accounts asked about."""
        require_logged_in(actor)
        accounts, profiles = self._connected_accounts(account_ids)
        by_profile: dict[int, list[BankAccount]] = defaultdict(list)
        for acc in accounts:
            by_profile[acc.connection_profile_id].append(acc)  # type: ignore[index]
        for pid, group in by_profile.items():
            profile = profiles.get(pid)
            if profile is None:
                self._store_balances([], {a.id: "the connection profile no longer exists" for a in group}, [])
                continue
            skip = set() if force else self._recent(group, self._min_interval(profile))
            todo = [a for a in group if a.id not in skip]
            if todo:
                self._refresh_group(profile, todo)
        wanted = {a.id for a in accounts}
        result = [b for b in self._latest() if b.account_id in wanted]
        self._events.publish(BALANCES_REFRESHED, {"accounts": sorted(wanted)})
        return result

    def _min_interval(self, profile: ConnectionProfile) -> float:
        try:
            return self._connectors.manifest(profile.plugin_id).limits.min_query_interval_s
        except OperationalError:
            return 0.0

    def _refresh_group(self, profile: ConnectionProfile, accounts: list[BankAccount]) -> None:
        messages: list[MessageLogRecord] = []
        good: list[tuple[int, Balance]] = []
        errors: dict[int, str] = {}
        try:
            with self._connectors.open(profile, messages.append) as session:
                balances = session.connector.get_balances([a.account_number for a in accounts])
            found = {b.account: b for b in balances}
            for acc in accounts:
                bal = found.get(acc.account_number)
                if bal is None:
                    errors[acc.id] = "the bank's answer did not include this account"
                else:
                    good.append((acc.id, bal))
        except OperationalError as exc:
            for acc in accounts:
                errors[acc.id] = f"{exc.code}: {exc.message}"
        self._store_balances(good, errors, messages)

    def _store_balances(self, good: list[tuple[int, Balance]], errors: dict[int, str],
                        messages: list[MessageLogRecord]) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            for account_id, balance in good:
                uow.balances.upsert(account_id, balance, now)
            for account_id, text in errors.items():
                uow.balances.record_error(account_id, text, now)
            uow.commit()
        store_messages(self._uow, messages, self._keep)

    def latest_balances(self, actor: Actor) -> list[AccountBalance]:
        require_logged_in(actor)
        return self._latest()

    def totals_by_bank(self, actor: Actor) -> list[BankTotal]:
        """Sum of the available balances per bank and currency (accounts with a known balance)."""
        require_logged_in(actor)
        sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for b in self._latest():
            if b.available_minor is None:
                continue
            entry = sums[(b.bank_name, b.currency)]
            entry[0] += b.available_minor
            entry[1] += 1
        return [BankTotal(bank, currency, total, count) for (bank, currency), (total, count) in sorted(sums.items())]

    # -- transaction details -------------------------------------------------------------------------------
    @staticmethod
    def _check_range(date_from: date, date_to: date) -> None:
        if not isinstance(date_from, date) or not isinstance(date_to, date):
            raise DomainError("DATE_FORMAT", "give the dates as calendar dates (YYYY-MM-DD)")
        if date_to < date_from:
            raise DomainError("DATE_RANGE", "the end date is before the start date", "date_to")
        if date_to - date_from > timedelta(days=MAX_RANGE_DAYS):
            raise DomainError("DATE_RANGE", f"at most {MAX_RANGE_DAYS} days per query", "date_to")

    def fetch_transactions(self, actor: Actor, account_id: int, date_from: date, date_to: date) -> int:
        """Download every page of the account's details for the range and store them (idempotent: an entry
        already stored, by the bank's serial, is not stored again). Returns how many entries were new."""
        require_logged_in(actor)
        self._check_range(date_from, date_to)
        (account,), profiles = self._connected_accounts([account_id])
        profile = profiles.get(account.connection_profile_id)  # type: ignore[arg-type]
        if profile is None:
            raise NotFound("connection profile", account.connection_profile_id)
        messages: list[MessageLogRecord] = []
        items: list[Transaction] = []
        try:
            with self._connectors.open(profile, messages.append) as session:
                cursor: str | None = None
                seen: set[str] = set()
                for _ in range(MAX_PAGES):
                    page = session.connector.get_transactions(account.account_number, date_from, date_to, cursor)
                    items.extend(page.items)
                    cursor = page.next_cursor
                    if not cursor:
                        break
                    if cursor in seen:
                        raise OperationalError("the bank repeated a continuation key: the download was stopped",
                                               code="PAGING_LOOP")
                    seen.add(cursor)
        finally:
            store_messages(self._uow, messages, self._keep)
        with self._uow() as uow:
            new = uow.transactions.add_new(account.id, items, self._clock.now())
            uow.commit()
        self._events.publish(TRANSACTIONS_FETCHED, {"account_id": account.id, "new": new})
        return new

    def transaction_ids(self, actor: Actor, account_id: int, date_from: date, date_to: date,
                        query: str = "") -> list[int]:
        require_logged_in(actor)
        self._check_range(date_from, date_to)
        with self._uow(read_only=True) as uow:
            return uow.transactions.ids(account_id, date_from, date_to, query)

    def get_transactions(self, actor: Actor, ids: Sequence[int]) -> list[StoredTransaction]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.transactions.get_many(list(ids))

    # -- message log ---------------------------------------------------------------------------------------
    def message_log(self, actor: Actor, offset: int = 0, limit: int = 200) -> list[MessageLogRecord]:
        """Newest first. Bodies are already masked (secrets removed, account numbers to the last 4 digits)."""
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.message_log.page(offset, min(max(0, limit), 5000))

    def message_count(self, actor: Actor) -> int:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.message_log.count()

    def export_message_log(self, actor: Actor, path: str | Path) -> int:
        """Write the whole (masked) message log, oldest first, to a text file for the bank's support desk."""
        require_any(actor, Role.ADMIN, Role.AUDITOR, doing="export the message log")
        target = Path(path)
        if target.exists():
            raise DomainError("FILE_EXISTS", f"{target} already exists; choose a new file name")
        with self._uow(read_only=True) as uow:
            records = uow.message_log.all_in_order()
        tmp = target.with_name(target.name + ".part")
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(f"# BankDirect message log export, {self._clock.now().isoformat()}, {len(records)} entries\n")
            for record in records:
                fh.write(record.export_text())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        with self._uow() as uow:
            uow.audit.append(actor, BankAuditAction.MESSAGE_LOG_EXPORTED, "message_log", None,
                             {"file": str(target), "entries": len(records)})
            uow.commit()
        return len(records)
