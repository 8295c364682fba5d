"""Bank connectivity tables (migration 0003) on SQLite and PostgreSQL: profiles with optimistic versions,
idempotent transaction storage, balance snapshots, message-log retention."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.banking import MessageLogRecord
from app.domain.errors import Conflict
from app.ports.bank import Balance, Transaction

ACCOUNT = {"bank_name": "招商银行", "branch_name": "深圳分行", "cnaps_code": "308584000013",
           "account_number": "755915678810001", "account_name": "测试", "currency": "CNY", "plugin_id": "cmb_fbsdk"}


def _tx(serial: str, amount: int, day: int = 1) -> Transaction:
    return Transaction(account="755915678810001", booking_date=dt.date(2025, 3, day), amount_minor=amount,
                       currency="CNY", bank_serial=serial, counterparty_name="某公司", booking_time="101010")


def test_profile_roundtrip_and_stale_version(uow, clock):
    with uow() as u:
        p = u.profiles.add({"name": "招行", "plugin_id": "cmb_fbsdk", "base_url": "https://127.0.0.1:8443",
                            "settings": {"login_name": "ZL01"}, "pins": ("sha256/" + "A" * 43 + "=",),
                            "read_timeout_s": 12.5, "has_client_key": True})
        u.commit()
    with uow() as u:
        got = u.profiles.get_by_name("招行")
        assert got == p and got.settings == {"login_name": "ZL01"} and got.read_timeout_s == 12.5
        u.profiles.update(p.id, p.version, {"base_url": "https://127.0.0.1:9443"})
        u.commit()
    with uow() as u, pytest.raises(Conflict) as info:
        u.profiles.update(p.id, p.version, {"base_url": "https://127.0.0.1:1"})
    assert info.value.code == "STALE_VERSION"


def test_transactions_stored_once_per_bank_serial(uow, org, clock):
    now = dt.datetime(2025, 3, 5, tzinfo=dt.UTC)
    with uow() as u:
        acc = u.accounts.add(org.id, ACCOUNT)
        assert u.transactions.add_new(acc.id, [_tx("1", 100), _tx("2", -250, 2)], now) == 2
        assert u.transactions.add_new(acc.id, [_tx("2", -250, 2), _tx("3", 5, 3)], now) == 1
        u.commit()
    with uow(read_only=True) as u:
        ids = u.transactions.ids(acc.id, dt.date(2025, 3, 2), dt.date(2025, 3, 31))
        assert [t.bank_serial for t in u.transactions.get_many(ids)] == ["2", "3"]
        assert u.transactions.count(acc.id) == 3


def test_balance_snapshot_keeps_figures_on_error(uow, org):
    now = dt.datetime(2025, 3, 5, tzinfo=dt.UTC)
    with uow() as u:
        acc = u.accounts.add(org.id, ACCOUNT)
        u.balances.upsert(acc.id, Balance("755915678810001", "CNY", 12_345, 12_400, now), now)
        u.balances.record_error(acc.id, "BANK_UNAVAILABLE: down", now + dt.timedelta(minutes=1))
        u.commit()
    with uow(read_only=True) as u:
        (b,) = u.balances.latest()
    assert (b.available_minor, b.ledger_minor, b.as_of) == (12_345, 12_400, now)
    assert b.error.startswith("BANK_UNAVAILABLE")


def test_message_log_prune_keeps_newest(uow):
    at = dt.datetime(2025, 3, 5, tzinfo=dt.UTC)
    with uow() as u:
        u.message_log.add_many([MessageLogRecord(at=at, direction="request", body=str(i)) for i in range(10)])
        assert u.message_log.prune(4) == 6
        u.commit()
    with uow(read_only=True) as u:
        assert [r.body for r in u.message_log.page(0, 10)] == ["9", "8", "7", "6"]
