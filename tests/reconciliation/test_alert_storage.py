"""Migration 0010 on SQLite and PostgreSQL: the alerts table raises a finding once per dedup key (also when two
sessions race), keeps alerts forever and unchanged except for one acknowledgement (triggers, also against direct
SQL), orders open before acknowledged and critical first; the payment's attention is a versioned write; the
migration (with the batch-count index) downgrades and upgrades again."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from app.domain.alerts import AlertSeverity, NewAlert
from app.domain.errors import Conflict
from app.domain.users import Role
from storage import migration
from tests.storage.conftest import clock, data_dir, db_url, ledger, org, pg_database_url, uow  # noqa: F401
from tests.storage.support import account_fields

ALERTS_INDEX = "ix_payment_requests_batch_id_status_amount_minor"


def draft(key: str, severity=AlertSeverity.CRITICAL, **kw) -> NewAlert:
    return NewAlert(kind=kw.pop("kind", "DOUBLE_DEBIT"), severity=severity, dedup_key=key, title=f"finding {key}",
                    detail="detail", **kw)


def test_a_finding_is_stored_once_per_dedup_key(uow, clock):  # noqa: F811
    with uow() as u:
        first = u.alerts.add(draft("K1"), clock.now())
        again = u.alerts.add(draft("K1", severity=AlertSeverity.LOW), clock.now())
        u.commit()
    assert first is not None and first.id > 0 and again is None
    with uow() as u:
        assert u.alerts.add(draft("K1"), clock.now()) is None      # in a later transaction too
        u.commit()
    with uow(read_only=True) as u:
        (stored,) = u.alerts.list()
    assert stored == first and stored.severity is AlertSeverity.CRITICAL and stored.is_open


def test_two_sessions_raising_the_same_finding_at_once_store_it_once(uow, clock, db_url):  # noqa: F811
    barrier = threading.Barrier(2)
    results: list[object] = []

    def raise_it() -> None:
        barrier.wait()
        with uow() as u:
            results.append(u.alerts.add(draft("RACE"), clock.now()))
            u.commit()

    threads = [threading.Thread(target=raise_it) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r is None for r in results) == [False, True]
    with uow(read_only=True) as u:
        assert [a.dedup_key for a in u.alerts.list()] == ["RACE"]


def test_open_first_then_severity_then_newest(uow, clock, org):  # noqa: F811
    with uow() as u:
        user = u.users.add("checker", "checker", "h", [Role.APPROVER], clock.now())
        u.alerts.add(draft("low", AlertSeverity.LOW), clock.now())
        u.alerts.add(draft("high-old", AlertSeverity.HIGH), clock.now())
        u.alerts.add(draft("crit", AlertSeverity.CRITICAL), clock.now())
        acked = u.alerts.add(draft("acked", AlertSeverity.CRITICAL), clock.now())
        u.alerts.add(draft("high-new", AlertSeverity.HIGH), clock.now() + timedelta(minutes=1))
        assert u.alerts.acknowledge(acked.id, user.id, "done", clock.now())
        assert not u.alerts.acknowledge(acked.id, user.id, "twice", clock.now())
        u.commit()
    with uow(read_only=True) as u:
        order = [a.dedup_key for a in u.alerts.list()]
        opened = [a.dedup_key for a in u.alerts.list(open_only=True)]
        counts = u.alerts.open_counts()
        ack = u.alerts.get(acked.id)
    assert order == ["crit", "high-new", "high-old", "low", "acked"]
    assert opened == order[:-1]
    assert counts == {AlertSeverity.CRITICAL: 1, AlertSeverity.HIGH: 2, AlertSeverity.LOW: 1}
    assert ack.acknowledged_by == "checker" and ack.acknowledge_note == "done" and not ack.is_open


@pytest.mark.parametrize("statement", [
    "DELETE FROM alerts",
    "UPDATE alerts SET title = 'something else'",
    "UPDATE alerts SET severity = 'LOW'",
    "UPDATE alerts SET dedup_key = 'other'",
    "UPDATE alerts SET acknowledge_note = 'rewritten' WHERE dedup_key = 'acked'",
])
def test_direct_sql_cannot_delete_or_rewrite_alerts(uow, clock, org, statement):  # noqa: F811
    with uow() as u:
        user = u.users.add("checker", "checker", "h", [Role.APPROVER], clock.now())
        u.alerts.add(draft("open"), clock.now())
        acked = u.alerts.add(draft("acked"), clock.now())
        u.alerts.acknowledge(acked.id, user.id, "looked at it", clock.now())
        u.commit()
    with uow() as u, pytest.raises(DBAPIError, match="ALERT_PERMANENT|ALERT_IMMUTABLE"):
        u.session.execute(text(statement))
        u.session.flush()
    with uow() as u, pytest.raises(DBAPIError, match="ack_whole"):     # half an acknowledgement is refused
        u.session.execute(text("UPDATE alerts SET acknowledged_at = created_at WHERE dedup_key = 'open'"))
        u.session.flush()


def test_payment_attention_is_a_versioned_write(uow, clock, org):  # noqa: F811
    with uow() as u:
        acc = u.accounts.add(org.id, account_fields())
        u.commit()
    with uow() as u:
        maker = u.users.add("maker", "maker", "h", [Role.MAKER], clock.now()).id
        payee = u.payees.add(org.id, {"name": "收款人", "account_number": "6222000011112222", "bank_name": "工行",
                                      "branch_name": "", "cnaps_code": "102100000030", "kind": "corporate"})
        u.session.execute(text(
            "INSERT INTO payment_requests (org_id, debit_account_id, payee_id, amount_minor, currency, purpose, "
            "requested_date, urgency, status, maker_id, content_hash, version, created_at, updated_at, "
            "duplicate_override, check_count, no_record_count) VALUES (:o, :a, :p, 100, 'CNY', 'x', '2026-03-02', "
            "'normal', 'SUCCEEDED', :m, 'h', 1, :t, :t, false, 0, 0)"),
            {"o": org.id, "a": acc.id, "p": payee.id, "m": maker, "t": clock.now().replace(tzinfo=None)})
        pid = u.session.execute(text("SELECT max(id) FROM payment_requests")).scalar_one()
        alert = u.alerts.add(draft("P", payment_id=pid), clock.now())
        u.commit()
    with uow() as u:
        ((flag_pid, version, most_urgent),) = u.alerts.payments_to_flag("UNKNOWN_OVER_SLA")
        assert flag_pid == pid and most_urgent.id == alert.id
        u.alerts.set_payment_attention(pid, version, "ALERT CRITICAL: look")
        with pytest.raises(Conflict) as stale:
            u.alerts.set_payment_attention(pid, version, "ALERT CRITICAL: again")
        assert stale.value.code == "STALE_VERSION"
        u.commit()
    with uow(read_only=True) as u:
        assert u.alerts.payment_attention(pid) == (version + 1, "ALERT CRITICAL: look")
        assert u.alerts.payments_to_flag("UNKNOWN_OVER_SLA") == []
        assert [a.id for a in u.alerts.open_for_payment(pid)] == [alert.id]


def test_migration_0010_downgrades_and_upgrades_again(ledger):  # noqa: F811
    assert "0010_alerts" in migration.known_revisions()
    engine = ledger.engine

    def shape() -> tuple[bool, bool]:
        with engine.connect() as conn:
            insp = inspect(conn)
            has_alerts = insp.has_table("alerts")
            has_index = ALERTS_INDEX in {i["name"] for i in insp.get_indexes("payment_requests")}
            conn.rollback()
        return has_alerts, has_index

    assert shape() == (True, True)
    with engine.begin() as conn:
        command.downgrade(migration.alembic_config(conn), "0009_payment_remittance")
    assert shape() == (False, False)
    with engine.begin() as conn:
        migration.upgrade(conn, "0010_alerts")
    assert shape() == (True, True)
    with engine.connect() as conn:
        assert migration.current_revision(conn) == "0010_alerts"
        conn.rollback()
