"""Repositories on both databases: round trips, optimistic versions, duplicates, bulk insert, rollback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError

from app.domain.errors import Conflict, NotFound, StorageUnavailable, ValidationFailed
from app.domain.master_data import AccountKind, BankAccount, Organization, Payee
from app.domain.users import Actor, Role, User
from storage.fingerprint import state_fingerprint, table_fingerprints
from tests.storage.support import account_fields, payee_fields

# -- organization and users ---------------------------------------------------------------------------------

def test_organization_round_trip(uow, org):
    assert isinstance(org, Organization) and org.id > 0 and not org.is_demo
    with uow() as u:
        updated = u.organizations.update(org.id, "新名称有限公司", None)
        u.commit()
    assert updated == Organization(org.id, "新名称有限公司", None, False)
    with uow(read_only=True) as u:
        assert u.organizations.get() == updated
    with uow() as u, pytest.raises(NotFound):
        u.organizations.update(999, "x", None)


def test_user_round_trip_and_login_bookkeeping(uow, clock):
    created_at = datetime(2025, 3, 1, 16, 30, tzinfo=timezone(timedelta(hours=8)))  # stored as UTC
    with uow() as u:
        user = u.users.add("zhang.san", "张三", "$argon2id$v=19$fake", [Role.MAKER, Role.APPROVER], created_at)
        u.commit()
    assert isinstance(user, User) and user.roles == frozenset({Role.MAKER, Role.APPROVER})
    with uow(read_only=True) as u:
        got = u.users.get_by_username("zhang.san")
        creds = u.users.get_credentials("zhang.san")
        assert u.users.get_by_username("nobody") is None and u.users.get_credentials("nobody") is None
    assert got == user
    assert got.created_at == datetime(2025, 3, 1, 8, 30, tzinfo=UTC) and got.created_at.tzinfo is UTC
    assert creds.password_hash == "$argon2id$v=19$fake" and creds.user == user

    until = clock.now() + timedelta(minutes=15)
    with uow() as u:
        u.users.record_login_failure(user.id, 5, until, False)
        u.commit()
    with uow(read_only=True) as u:
        locked = u.users.get(user.id)
    assert locked.failed_logins == 5 and locked.locked_until == until and locked.is_locked(clock.now())

    with uow() as u:
        u.users.unlock(user.id)
        u.users.record_login_success(user.id, clock.now())
        u.users.set_password_hash(user.id, "$argon2id$new")
        u.users.set_roles(user.id, [Role.SIGNER])
        u.users.set_display_name(user.id, "张三丰")
        u.users.set_active(user.id, False)
        u.commit()
    with uow(read_only=True) as u:
        after = u.users.get(user.id)
        assert u.users.get_credentials("zhang.san").password_hash == "$argon2id$new"
        assert u.users.count() == 1 and u.users.list() == [after]
    assert after.roles == frozenset({Role.SIGNER}) and after.display_name == "张三丰" and not after.is_active
    assert after.failed_logins == 0 and after.locked_until is None and after.last_login_at == clock.now()


def test_duplicate_username_is_a_conflict(uow, clock):
    with uow() as u:
        u.users.add("li.si", "李四", "h", [Role.ADMIN], clock.now())
        u.commit()
    with uow() as u:
        with pytest.raises(Conflict) as info:
            u.users.add("li.si", "另一个李四", "h", [Role.MAKER], clock.now())
        assert info.value.code == "DUPLICATE" and info.value.field == "username"
        assert "username" in info.value.message
        assert u.users.count() == 1  # the transaction is still usable after the savepoint rolled back


def test_missing_user_is_not_found(uow):
    with uow() as u:
        assert u.users.get(4242) is None
        for call in (lambda: u.users.set_active(4242, False), lambda: u.users.unlock(4242),
                     lambda: u.users.set_roles(4242, [Role.MAKER])):
            with pytest.raises(NotFound):
                call()


def test_naive_timestamps_are_refused(uow):
    with uow() as u, pytest.raises(StatementError, match="naive datetime refused"):
        u.users.add("wang.wu", "王五", "h", [Role.MAKER], datetime(2025, 1, 1, 12, 0))


# -- bank accounts ------------------------------------------------------------------------------------------

def test_bank_account_round_trip_and_versions(uow, org):
    with uow() as u:
        acc = u.accounts.add(org.id, account_fields())
        u.commit()
    assert isinstance(acc, BankAccount) and acc.version == 1 and acc.plugin_id == "cmb_fbsdk"
    with uow() as u:
        updated = u.accounts.update(acc.id, 1, {"account_name": "测试有限公司（基本户）", "connection_profile_id": 7})
        u.commit()
    assert updated.version == 2 and updated.account_name == "测试有限公司（基本户）"
    assert updated.connection_profile_id == 7
    with uow(read_only=True) as u:
        assert u.accounts.get_by_number("755900000000001") == updated
        assert u.accounts.list() == [updated]

    with uow() as u:
        with pytest.raises(Conflict) as info:
            u.accounts.update(acc.id, 1, {"account_name": "stale edit"})
        assert info.value.code == "STALE_VERSION"
        assert u.accounts.get(acc.id).account_name == "测试有限公司（基本户）"
        with pytest.raises(NotFound):
            u.accounts.update(999, 1, {"account_name": "x"})
        u.accounts.set_active(acc.id, False)
        u.commit()
    with uow(read_only=True) as u:
        assert u.accounts.list() == []
        inactive = u.accounts.list(include_inactive=True)
    assert len(inactive) == 1 and not inactive[0].is_active and inactive[0].version == 3


def test_duplicate_account_number_is_a_conflict(uow, org):
    with uow() as u:
        u.accounts.add(org.id, account_fields())
        other = u.accounts.add(org.id, account_fields(account_number="755900000000002"))
        u.commit()
    for attempt in (lambda u: u.accounts.add(org.id, account_fields()),
                    lambda u: u.accounts.update(other.id, 1, {"account_number": "755900000000001"})):
        with uow() as u:
            with pytest.raises(Conflict) as info:
                attempt(u)
            assert info.value.code == "DUPLICATE" and info.value.field == "account_number"
            assert "account_number" in info.value.message


def test_over_long_text_is_refused_alike_on_both_databases(uow, org, ledger):
    before = state_fingerprint(ledger.engine)
    with uow() as u:
        with pytest.raises(ValidationFailed) as info:
            u.payees.add(org.id, payee_fields(1, name="名" * 201))
        assert info.value.code == "TEXT_LENGTH" and info.value.field == "name"
        with pytest.raises(ValidationFailed):
            u.payees.add_many(org.id, [payee_fields(2), payee_fields(3, cnaps_code="1" * 13)])
        u.commit()
    assert state_fingerprint(ledger.engine) == before


def test_unknown_field_is_a_programming_error(uow, org):
    with uow() as u, pytest.raises(ValueError, match="colour"):
        u.accounts.add(org.id, {**account_fields(), "colour": "blue"})


# -- payees -------------------------------------------------------------------------------------------------

def test_payee_round_trip(uow, org):
    with uow() as u:
        payee = u.payees.add(org.id, payee_fields(1, kind=AccountKind.PERSONAL, uscc=None))
        u.commit()
    assert isinstance(payee, Payee) and payee.kind is AccountKind.PERSONAL and payee.version == 1
    with uow(read_only=True) as u:
        assert u.payees.get(payee.id) == payee
        assert u.payees.find_by_account(payee.account_number, payee.cnaps_code) == payee
        assert u.payees.find_by_account(payee.account_number, "000000000000") is None
    with uow() as u:
        changed = u.payees.update(payee.id, 1, {"name": "新收款人", "kind": "corporate"})
        with pytest.raises(Conflict) as info:
            u.payees.update(payee.id, 1, {"name": "lost update"})
        assert info.value.code == "STALE_VERSION"
        u.commit()
    assert changed.name == "新收款人" and changed.kind is AccountKind.CORPORATE and changed.version == 2
    with uow() as u:
        u.payees.set_active(payee.id, False)
        with pytest.raises(NotFound):
            u.payees.set_active(999, False)
        with pytest.raises(NotFound):
            u.payees.update(999, 1, {"name": "x"})
        u.commit()
    with uow(read_only=True) as u:
        assert u.payees.count() == 0 and u.payees.count(include_inactive=True) == 1
        assert u.payees.get(payee.id).is_active is False


def test_duplicate_payee_account_is_a_conflict(uow, org):
    with uow() as u:
        u.payees.add(org.id, payee_fields(1))
        u.commit()
    with uow() as u:
        with pytest.raises(Conflict) as info:
            u.payees.add(org.id, payee_fields(2, account_number=payee_fields(1)["account_number"]))
        assert info.value.code == "DUPLICATE" and info.value.field == "account_number"
        assert "account_number and cnaps_code" in info.value.message
        # the same account at another bank is a different payee
        u.payees.add(org.id, payee_fields(2, account_number=payee_fields(1)["account_number"],
                                          cnaps_code="103100000026"))
        u.commit()


def test_bulk_add_many_inserts_ten_thousand_payees(uow, org):
    rows = [payee_fields(i) for i in range(10_000)]
    with uow() as u:
        assert u.payees.add_many(org.id, rows) == 10_000
        assert u.payees.add_many(org.id, []) == 0
        u.commit()
    with uow(read_only=True) as u:
        assert u.payees.count() == 10_000
        assert u.payees.count("收款单位0999") == 10  # 09990..09999
        ids = u.payees.ids()
        assert len(ids) == 10_000
        first = u.payees.get_many(ids[:3])
    assert [p.name for p in first] == ["收款单位00000", "收款单位00001", "收款单位00002"]


def test_bulk_add_many_is_all_or_nothing(uow, org, ledger):
    with uow() as u:
        u.payees.add(org.id, payee_fields(5))
        u.commit()
    before = state_fingerprint(ledger.engine)
    with uow() as u:
        with pytest.raises(Conflict) as info:
            u.payees.add_many(org.id, [payee_fields(i) for i in range(10)])  # row 5 already exists
        assert info.value.code == "DUPLICATE"
        assert u.payees.count() == 1
        u.commit()
    assert state_fingerprint(ledger.engine) == before


def test_ids_order_and_query(uow, org):
    data = [
        payee_fields(1, name="Beta 贸易", bank_name="中国银行", cnaps_code="104100000004"),
        payee_fields(2, name="alpha 科技", bank_name="招商银行", cnaps_code="308584000013"),
        payee_fields(3, name="Gamma 50%_off", bank_name="中国工商银行", cnaps_code="102100099996"),
    ]
    with uow() as u:
        p1, p2, p3 = (u.payees.add(org.id, d) for d in data)
        u.payees.set_active(p3.id, False)
        u.commit()
    with uow(read_only=True) as u:
        assert u.payees.ids(order_by="id") == [p1.id, p2.id]
        assert u.payees.ids(order_by="id", descending=True) == [p2.id, p1.id]
        assert u.payees.ids(order_by="cnaps_code", include_inactive=True) == [p3.id, p1.id, p2.id]
        assert u.payees.ids(order_by="account_number") == [p1.id, p2.id]
        assert u.payees.ids("ALPHA") == [p2.id]  # case-insensitive name
        assert u.payees.ids("招商") == [p2.id]  # bank name
        assert u.payees.ids("104100") == [p1.id]  # cnaps
        assert u.payees.ids(p1.account_number[-6:]) == [p1.id]  # account number
        assert u.payees.ids("50%_") == []  # wildcards are literal, and p3 is inactive
        assert u.payees.ids("50%_", include_inactive=True) == [p3.id]
        assert u.payees.ids("%") == []
        assert [p.id for p in u.payees.search("a", limit=1, offset=1)] == u.payees.ids("a")[1:2]
        assert u.payees.get_many([p2.id, 999, p1.id]) == [u.payees.get(p2.id), u.payees.get(p1.id)]
        with pytest.raises(ValidationFailed) as info:
            u.payees.ids(order_by="name; DROP TABLE payees")
        assert info.value.code == "ORDER_BY"


def test_bank_name_order(uow, org):
    with uow() as u:
        a = u.payees.add(org.id, payee_fields(1, bank_name="b银行"))
        b = u.payees.add(org.id, payee_fields(2, bank_name="a银行"))
        u.commit()
    with uow(read_only=True) as u:
        assert u.payees.ids(order_by="bank_name") == [b.id, a.id]
        assert u.payees.ids(order_by="bank_name", descending=True) == [a.id, b.id]


# -- transactions -------------------------------------------------------------------------------------------

def test_exception_inside_unit_of_work_rolls_back_everything(uow, org, ledger):
    before = state_fingerprint(ledger.engine)
    with pytest.raises(RuntimeError), uow() as u:
        u.payees.add(org.id, payee_fields(1))
        u.accounts.add(org.id, account_fields())
        u.audit.append(Actor.system(), "test.should_vanish")
        raise RuntimeError("boom")
    assert state_fingerprint(ledger.engine) == before


def test_leaving_without_commit_rolls_back(uow, org, ledger):
    before = state_fingerprint(ledger.engine)
    with uow() as u:
        u.payees.add(org.id, payee_fields(1))
    assert state_fingerprint(ledger.engine) == before
    with uow() as u:
        u.payees.add(org.id, payee_fields(1))
        u.commit()
    assert state_fingerprint(ledger.engine) != before


def test_fingerprints_see_every_table_and_every_change(uow, org, ledger):
    fps = table_fingerprints(ledger.engine)
    assert {"alembic_version", "ledger_meta", "audit_log", "payees", "users"} <= set(fps)
    assert fps["organizations"]["rows"] == 1
    with uow() as u:
        u.organizations.update(org.id, org.name + "（变更）", org.uscc)
        u.commit()
    after = table_fingerprints(ledger.engine)
    changed = {name for name in fps if fps[name] != after[name]}
    assert changed == {"organizations"}


def test_unit_of_work_outside_with_block_is_refused(uow):
    unit = uow()
    with pytest.raises(RuntimeError):
        unit.commit()
    with unit:
        with pytest.raises(RuntimeError):
            unit.__enter__()


def test_busy_database_is_storage_unavailable(ledger, uow, org):
    if not ledger.is_sqlite:
        pytest.skip("SQLite lock semantics")
    import sqlite3

    blocker = sqlite3.connect(ledger.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        ledger.engine.dispose()
        from sqlalchemy import event

        def short_timeout(dbapi_conn, _rec):
            dbapi_conn.execute("PRAGMA busy_timeout=50")

        event.listen(ledger.engine, "connect", short_timeout)
        with pytest.raises(StorageUnavailable) as info, uow() as u:
            u.payees.add(org.id, payee_fields(1))
        assert info.value.code == "DB_BUSY"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
