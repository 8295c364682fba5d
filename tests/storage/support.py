"""Helpers shared by the storage tests (fixtures live in conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

AUDIT_KEY = bytes(range(32))


class FixedClock:
    """A clock that only moves when told to (aware UTC)."""

    def __init__(self, start: datetime | None = None):
        self.current = start or datetime(2025, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs) -> None:
        self.current += timedelta(**kwargs)


def payee_fields(i: int = 1, **overrides) -> dict:
    fields = {
        "name": f"收款单位{i:05d}",
        "account_number": f"6222{i:012d}",
        "bank_name": "中国工商银行",
        "branch_name": "中国工商银行北京分行营业部",
        "cnaps_code": "102100099996",
        "uscc": None,
        "kind": "corporate",
    }
    fields.update(overrides)
    return fields


def account_fields(**overrides) -> dict:
    fields = {
        "bank_name": "招商银行",
        "branch_name": "招商银行深圳分行营业部",
        "cnaps_code": "308584000013",
        "account_number": "755900000000001",
        "account_name": "测试有限公司",
        "currency": "CNY",
        "plugin_id": "cmb_fbsdk",
    }
    fields.update(overrides)
    return fields


def disable_audit_guards(engine) -> None:
    """Remove the append-only triggers, as a privileged attacker editing the database directly would."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
