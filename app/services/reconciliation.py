"""Reconciliation, the last net (RELIABILITY.md I7): the bank's own transaction details, matched to our payments.

For every active account linked to a connection profile, one run

1. fetches the account's transaction details for a window of bank days (default the last 3, today included; one
   day earlier too, as banks and the sandbox book in their own time zone) through :class:`BankDataService`, which
   stores them idempotently (unique on the bank's serial). When earlier runs were missed, the window reaches back
   to the day after the account was last checked (at most ``catch_up_days``), so no payment escapes the
   missing-debit check;
2. (crash point ``during_reconciliation``) matches the stored debits to payments by client reference and debit
   account (app.domain.reconciliation) and raises, once per finding (the alert's dedup key), DOUBLE_DEBIT,
   MISSING_DEBIT, DEBIT_ON_FAILED (critical), AMOUNT_MISMATCH and UNKNOWN_DEBIT (high), in one transaction with
   the account's "checked through" mark;
3. puts the payments concerned into the monitor's needs-attention queue and announces the new alerts.

A bank that cannot be reached is reported for its accounts and nothing is concluded about them (no data is not
"no debit"). A kill between fetching and writing loses nothing: the transactions are stored, the rerun finds the
same findings and the dedup keys keep each alert single. "Now" comes from the Clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.domain.alerts import Alert
from app.domain.errors import DomainError, OperationalError
from app.domain.master_data import BankAccount
from app.domain.reconciliation import bank_day, bank_day_start, reconcile_account
from app.domain.users import Actor
from app.ports import Clock, UnitOfWorkFactory
from app.ports.alerts import ReconciliationStore
from app.ports.bank import Capability
from app.ports.banking import ConnectorFactory
from app.ports.submission import CrashPoints, NoCrashPoints
from app.services.alerts import AlertService, record_alerts
from app.services.bank_data import BankDataService
from app.services.permissions import require_logged_in

log = logging.getLogger(__name__)

CRASH_POINT = "during_reconciliation"
MAX_DAYS = 92
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class ReconciliationSettings:
    days: int = 3              # bank days fetched and checked on each run (today and the days before it)
    catch_up_days: int = 31    # after missed runs, reach back at most this many bank days


@dataclass(frozen=True)
class AccountReconciliation:
    account_id: int
    account: str               # masked to the last 4 digits
    date_from: date | None = None
    date_to: date | None = None
    new_transactions: int = 0
    checked_payments: int = 0
    debits_seen: int = 0
    alerts_raised: int = 0
    error: str = ""


@dataclass(frozen=True)
class ReconciliationReport:
    today: date
    days: int
    accounts: tuple[AccountReconciliation, ...] = ()
    alerts: tuple[Alert, ...] = ()          # raised by this run (findings raised before are not repeated)
    flagged_payments: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def checked_payments(self) -> int:
        return sum(a.checked_payments for a in self.accounts)

    @property
    def debits_seen(self) -> int:
        return sum(a.debits_seen for a in self.accounts)

    @property
    def new_transactions(self) -> int:
        return sum(a.new_transactions for a in self.accounts)

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(f"{a.account}: {a.error}" for a in self.accounts if a.error)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Plan:
    account: BankAccount
    start: date                # first bank day checked for missing debits
    fetch_from: date
    new: int = 0
    error: str = ""
    notes: list[str] = field(default_factory=list)


def _masked(number: str) -> str:
    return f"…{number[-4:]}" if len(number) > 4 else number


class ReconciliationService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, bank_data: BankDataService, connectors: ConnectorFactory,
                 alerts: AlertService, store: Callable[[object], ReconciliationStore], *,
                 settings: ReconciliationSettings | None = None, crash: CrashPoints | None = None):
        self._uow = uow
        self._clock = clock
        self._bank_data = bank_data
        self._connectors = connectors
        self._alerts = alerts
        self._store = store
        self.settings = settings or ReconciliationSettings()
        self._crash = crash or NoCrashPoints()

    def run(self, actor: Actor, days: int | None = None) -> ReconciliationReport:
        """Fetch, match, raise. ``days``: bank days to fetch and check (default ``settings.days``)."""
        require_logged_in(actor)
        days = self.settings.days if days is None else days
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            raise DomainError("DAYS_RANGE", f"reconcile between 1 and {MAX_DAYS} bank days, not {days!r}", "days")
        now = self._clock.now()
        today = bank_day(now)
        plans, skipped, warnings = self._plan(today, days)
        for plan in plans:
            try:
                plan.new = self._bank_data.fetch_transactions(actor, plan.account.id, plan.fetch_from, today)
            except (OperationalError, DomainError) as exc:   # unreachable bank, profile gone meanwhile …
                plan.error = f"{exc.code}: {exc.message}"
                log.warning("reconciliation: account %s not fetched: %s", _masked(plan.account.account_number),
                            plan.error)
        self._crash.hit(CRASH_POINT)
        results = list(skipped)
        fetched = [p for p in plans if not p.error]
        with self._uow() as uow:
            store = self._store(uow)
            prefix = store.reference_prefix()
            drafts = []
            per_account: dict[int, tuple[int, int, int]] = {}
            for plan in fetched:
                findings = self._check(store, plan, prefix, today)
                drafts.extend(findings.alerts)
                per_account[plan.account.id] = (findings.checked, findings.debits_seen, len(findings.alerts))
            new = record_alerts(uow, drafts, now)
            for plan in fetched:
                if plan.start <= today - 2 * ONE_DAY:
                    store.set_checked_through(plan.account.id, today - 2 * ONE_DAY)
            uow.commit()
        raised_by_account: dict[int, int] = {}
        for a in new:
            if a.account_id is not None:
                raised_by_account[a.account_id] = raised_by_account.get(a.account_id, 0) + 1
        for plan in plans:
            checked, seen, _found = per_account.get(plan.account.id, (0, 0, 0))
            results.append(AccountReconciliation(
                plan.account.id, _masked(plan.account.account_number), plan.fetch_from, today, plan.new, checked,
                seen, raised_by_account.get(plan.account.id, 0), plan.error))
            warnings.extend(plan.notes)
        flagged = self._alerts.flag_payments()
        self._alerts.announce(raised=[a.id for a in new], payments=flagged)
        return ReconciliationReport(today, days, tuple(results), tuple(new), tuple(flagged), tuple(warnings))

    # -- steps --------------------------------------------------------------------------------------------------
    def _plan(self, today: date, days: int) -> tuple[list[_Plan], list[AccountReconciliation], list[str]]:
        with self._uow(read_only=True) as uow:
            accounts = [a for a in uow.accounts.list() if a.connection_profile_id is not None]
            profiles = {pid: uow.profiles.get(pid) for pid in {a.connection_profile_id for a in accounts}}
            marks = self._store(uow).checked_through([a.id for a in accounts])
        window_from = today - (days - 1) * ONE_DAY
        earliest = today - (max(days, self.settings.catch_up_days) - 1) * ONE_DAY
        plans: list[_Plan] = []
        skipped: list[AccountReconciliation] = []
        warnings: list[str] = []
        for account in accounts:
            profile = profiles.get(account.connection_profile_id)
            reason = ""
            if profile is None:
                reason = "NO_PROFILE: the account's connection profile no longer exists"
            else:
                try:
                    if not self._connectors.manifest(profile.plugin_id).supports(Capability.TRANSACTION_DETAILS):
                        reason = (f"NO_DETAILS: the bank plugin {profile.plugin_id} cannot fetch transaction details; "
                                  "this account cannot be reconciled")
                except (DomainError, OperationalError, KeyError) as exc:
                    reason = f"PLUGIN: {getattr(exc, 'message', exc)}"
            if reason:
                skipped.append(AccountReconciliation(account.id, _masked(account.account_number), error=reason))
                continue
            start = window_from
            mark = marks.get(account.id)
            if mark is not None and mark + ONE_DAY < start:
                start = mark + ONE_DAY
                if start < earliest:
                    warnings.append(f"{_masked(account.account_number)}: not reconciled since {mark.isoformat()}; "
                                    f"payments first sent before {earliest.isoformat()} were not checked for a "
                                    "missing debit (reconcile with more days to cover them)")
                    start = earliest
            plans.append(_Plan(account, start, start - ONE_DAY))
        return plans, skipped, warnings

    def _check(self, store: ReconciliationStore, plan: _Plan, prefix: str | None, today: date):
        account = plan.account
        candidates = store.sent_since([account.id], bank_day_start(plan.start))
        window = store.debits(account.id, plan.fetch_from, today)
        known = {p.reference for p in candidates}
        named = store.by_references(sorted({d.reference for d in window if d.reference} - known))
        payments = candidates + [p for p in named if p.debit_account_id == account.id]
        others = [p for p in named if p.debit_account_id != account.id]
        since = min([plan.fetch_from] + [p.sent_day - ONE_DAY for p in payments if p.sent_day is not None])
        debits = store.debits_for(account.id, [p.reference for p in payments], since)
        return reconcile_account(account_id=account.id, account_number=account.account_number, payments=payments,
                                 debits=debits, window_debits=window, other_payments=others,
                                 reference_prefix=prefix, today=today, missing_from=plan.start)
