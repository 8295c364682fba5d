"""In-memory stand-ins for ``services.profiles`` and ``services.bank_data`` (the bank-connectivity API the UI
codes against), for screens whose real counterpart needs a running sandbox bank."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from app.domain.banking import (
    AccountBalance,
    BankTotal,
    CertificateInfo,
    ConnectionProfile,
    MessageLogRecord,
    StoredTransaction,
    certificate_level,
)
from app.domain.errors import Problem, ValidationFailed, errors_only
from app.ports.bank import Capability, ConnectionStep, PluginManifest

NOW = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
MANIFEST = PluginManifest("cmb_fbsdk", "CMB 招商银行", "FBSDK XML", "1.0", "1.0", frozenset({Capability.BALANCE}))


class FakeProfiles:
    def __init__(self, master_data):
        self._md = master_data
        self.profiles: dict[int, ConnectionProfile] = {}
        self.steps: list[ConnectionStep] = []
        self.tested: list[dict] = []
        self.cert_days: list[tuple[str, int]] = []        # (kind, days left) of the certificate inventory
        self.lock = threading.Lock()

    def plugins(self):
        return [MANIFEST]

    def list_profiles(self, actor):
        return list(self.profiles.values())

    def validate_profile(self, fields):
        p = []
        if not str(fields.get("name") or "").strip():
            p.append(Problem("FIELD_REQUIRED", "give the profile a name", "name"))
        if fields.get("plugin_id") != "cmb_fbsdk":
            p.append(Problem("PLUGIN_UNKNOWN", "not an installed plugin", "plugin_id"))
        if not str(fields.get("base_url") or "").startswith("https://"):
            p.append(Problem("URL_SCHEME", "the bank endpoint must use https://", "base_url"))
        for name in ("connect_timeout_s", "read_timeout_s"):
            if not isinstance(fields.get(name), int | float):
                p.append(Problem("TIMEOUT_RANGE", f"{name} must be a number of seconds", name))
        for pin in fields.get("pins") or []:
            if not pin.startswith("sha256/"):
                p.append(Problem("PIN_FORMAT", f"{pin!r} is not sha256/<base64>", "pins"))
        for key in ("ca_cert_file", "client_cert_file", "bank_cert_file"):
            if fields.get(key) and not Path(fields[key]).is_file():
                p.append(Problem("FILE_NOT_FOUND", f"no such file: {fields[key]}", key))
        return p

    def save_profile(self, actor, fields, *, profile_id=None, expected_version=None):
        problems = self.validate_profile(fields)
        if errors_only(problems):
            raise ValidationFailed(problems)
        with self.lock:
            new_id = profile_id or len(self.profiles) + 1
            version = self.profiles[profile_id].version + 1 if profile_id else 1
            profile = ConnectionProfile(new_id, fields["name"], fields["plugin_id"], fields["base_url"],
                                        dict(fields.get("settings") or {}), pins=tuple(fields.get("pins") or ()),
                                        connect_timeout_s=fields["connect_timeout_s"],
                                        read_timeout_s=fields["read_timeout_s"], version=version)
            self.profiles[new_id] = profile
            return profile

    def link_account(self, actor, account_id, profile_id):
        led = self._md.led
        with led.lock:
            account = replace(led.accounts[account_id], connection_profile_id=profile_id)
            led.accounts[account_id] = account
            return account

    def certificates(self, actor):
        return [CertificateInfo(1, "招行直联", kind, f"CN={kind} 证书", "CN=Sandbox CA", NOW + timedelta(days=days),
                                days, certificate_level(days).value) for kind, days in self.cert_days]

    def test_connection(self, actor, *, account_id=None, profile_id=None):
        self.tested.append({"account_id": account_id, "profile_id": profile_id})
        return list(self.steps)


@dataclass
class FakeBankData:
    """Balances per account id, transactions per account id and a message log."""

    master_data: object

    def __post_init__(self):
        self.balances: dict[int, AccountBalance] = {}
        self.next_balances: dict[int, tuple[int, int]] = {}    # what refresh_balances will "receive"
        self.bank_transactions: dict[int, list[StoredTransaction]] = {}   # what the bank holds
        self.stored: dict[int, StoredTransaction] = {}
        self.messages: list[MessageLogRecord] = []
        self.refresh_calls = 0
        self.exported: list[Path] = []

    def _accounts(self, actor):
        return {a.id: a for a in self.master_data.list_accounts(actor)}

    def refresh_balances(self, actor, account_ids=None):
        self.refresh_calls += 1
        accounts = self._accounts(actor)
        for account_id, (available, ledger) in self.next_balances.items():
            a = accounts[account_id]
            self.balances[account_id] = AccountBalance(account_id, a.account_number, a.bank_name, a.currency,
                                                       available, ledger, NOW)
        return list(self.balances.values())

    def latest_balances(self, actor):
        return list(self.balances.values())

    def totals_by_bank(self, actor):
        totals: dict[tuple[str, str], list[int]] = {}
        for b in self.balances.values():
            if b.available_minor is not None:
                entry = totals.setdefault((b.bank_name, b.currency), [0, 0])
                entry[0] += b.available_minor
                entry[1] += 1
        return [BankTotal(bank, cur, total, n) for (bank, cur), (total, n) in sorted(totals.items())]

    def fetch_transactions(self, actor, account_id, date_from, date_to):
        rows = [t for t in self.bank_transactions.get(account_id, []) if date_from <= t.booking_date <= date_to]
        for t in rows:
            self.stored[t.id] = t
        return len(rows)

    def transaction_ids(self, actor, account_id, date_from, date_to, query=""):
        q = query.strip().lower()
        rows = [t for t in self.stored.values() if t.account_id == account_id
                and date_from <= t.booking_date <= date_to
                and (not q or q in f"{t.counterparty_name} {t.counterparty_account} {t.reference} "
                                   f"{t.narrative}".lower())]
        return [t.id for t in sorted(rows, key=lambda t: (t.booking_date, t.id))]

    def get_transactions(self, actor, ids):
        return [self.stored[i] for i in ids if i in self.stored]

    def message_log(self, actor, offset=0, limit=200):
        return self.messages[offset:offset + limit]

    def message_count(self, actor):
        return len(self.messages)

    def export_message_log(self, actor, path):
        Path(path).write_text("".join(m.export_text() for m in self.messages), encoding="utf-8")
        self.exported.append(Path(path))
        return len(self.messages)


def transaction(i: int, account_id: int, amount_minor: int, name: str, day: date, reference: str = ""):
    return StoredTransaction(i, account_id, f"SN{i:06d}", day, amount_minor, "CNY", value_date=day,
                             counterparty_name=name, counterparty_account=f"6222{i:012d}", reference=reference,
                             narrative="货款" if amount_minor > 0 else "付款")


def message(i: int, direction: str, body: str, *, status=200, error_code=""):
    return MessageLogRecord(NOW + timedelta(seconds=i), direction, "GetAccInfo", f"x{i}", "cmb_fbsdk",
                            "https://127.0.0.1:8443/cmb", status, 40 + i, error_code, len(body.encode()), {},
                            body, 1, i + 1)
