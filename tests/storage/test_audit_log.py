"""The hash-chained audit log: canonical form, verification, and detection of every kind of tampering."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from app.domain.users import Actor, Role
from storage.audit_log import GENESIS_HASH, verify_audit_chain
from storage.fingerprint import state_fingerprint
from storage.orm import AuditLogRow
from tests.storage.support import AUDIT_KEY, disable_audit_guards

ADMIN = Actor(1, "admin", frozenset({Role.ADMIN}))
N = 6


@pytest.fixture
def chain(ledger, uow, clock):
    """Six committed entries (seq 1..6), one minute apart."""
    for i in range(1, N + 1):
        with uow() as u:
            u.audit.append(ADMIN, "payee.updated", "payee", str(i), {"i": i, "名称": f"收款人{i}", "ok": True})
            u.commit()
        clock.advance(minutes=1)
    return ledger


def verify(ledger, key=AUDIT_KEY):
    return verify_audit_chain(ledger.engine, key)


def tamper(ledger, *statements, **params):
    disable_audit_guards(ledger.engine)
    with ledger.engine.begin() as conn:
        for stmt in statements:
            conn.execute(text(stmt) if isinstance(stmt, str) else stmt, params)


def test_intact_chain_verifies(chain, uow):
    result = verify(chain)
    assert result.ok and result.entries_checked == N and result.first_bad_seq is None and result.reason is None
    with uow(read_only=True) as u:
        assert u.audit.count() == N
        assert u.audit.verify() == result
        newest = u.audit.entries(limit=2)
        oldest = u.audit.entries(limit=2, descending=False)
        page = u.audit.entries(offset=2, limit=2, descending=False)
    assert [e.seq for e in newest] == [6, 5] and [e.seq for e in oldest] == [1, 2] and [e.seq for e in page] == [3, 4]
    assert result.head_hash == newest[0].entry_hash
    assert oldest[0].prev_hash == GENESIS_HASH and oldest[1].prev_hash == oldest[0].entry_hash
    assert oldest[0].payload == {"i": 1, "名称": "收款人1", "ok": True}


def test_canonical_form_and_seals_follow_the_spec(chain, uow, clock):
    with uow(read_only=True) as u:
        first = u.audit.entries(limit=1, descending=False)[0]
    canonical = json.dumps({"seq": 1, "at": "2025-03-01T08:30:00.123456+00:00", "actor": "admin",
                            "action": "payee.updated", "object_type": "payee", "object_id": "1",
                            "payload": {"i": 1, "名称": "收款人1", "ok": True}, "prev_hash": "0" * 64},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert first.entry_hash == hashlib.sha256(canonical.encode()).hexdigest()
    assert first.hmac == hmac.new(AUDIT_KEY, canonical.encode(), hashlib.sha256).hexdigest()
    assert first.at.isoformat() == "2025-03-01T08:30:00.123456+00:00"


def test_append_returns_the_stored_entry_and_payload_must_be_json(ledger, uow, clock):
    with uow() as u:
        entry = u.audit.append(Actor.system(), "config.changed", None, None, None)
        u.commit()
    assert entry.seq == 1 and entry.actor == "system" and entry.payload == {} and entry.object_type is None
    before = state_fingerprint(ledger.engine)
    for bad in ({"when": clock.now()}, {"x": float("nan")}, {"s": {1, 2}}):
        with uow() as u, pytest.raises((TypeError, ValueError)):
            u.audit.append(ADMIN, "config.changed", None, None, bad)
    assert state_fingerprint(ledger.engine) == before


def test_append_only_triggers_refuse_update_and_delete(chain):
    for stmt in ("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 6"):
        with pytest.raises(IntegrityError, match="AUDIT_APPEND_ONLY"), chain.engine.begin() as conn:
            conn.execute(text(stmt))
    assert verify(chain).ok


COLUMN_EDITS = {
    "at": lambda row: row.at + timedelta(seconds=1),
    "actor": lambda row: "mallory",
    "action": lambda row: "payee.deleted",
    "object_type": lambda row: "user",
    "object_id": lambda row: "999",
    "payload": lambda row: json.dumps({"i": 3, "名称": "骗子", "ok": True}, ensure_ascii=False,
                                      sort_keys=True, separators=(",", ":")),
    "prev_hash": lambda row: "f" * 64,
    "entry_hash": lambda row: "e" * 64,
    "hmac": lambda row: "d" * 64,
}


@pytest.mark.parametrize("column", sorted(COLUMN_EDITS))
def test_modified_column_is_detected_at_its_seq(chain, column):
    with chain.engine.connect() as conn:
        row = conn.execute(select(AuditLogRow.__table__).where(AuditLogRow.seq == 3)).one()
        conn.rollback()
    new_value = COLUMN_EDITS[column](row)
    assert new_value != getattr(row, column)
    tamper(chain, update(AuditLogRow.__table__).where(AuditLogRow.seq == 3).values({column: new_value}))
    result = verify(chain)
    assert not result.ok
    assert result.first_bad_seq == 3, result.reason
    assert result.entries_checked == 2
    assert "3" in result.reason


def test_modified_and_rehashed_entry_is_caught_by_the_hmac(chain):
    """An attacker without the key can recompute the SHA-256 but not the HMAC."""
    with chain.engine.connect() as conn:
        row = conn.execute(select(AuditLogRow.__table__).where(AuditLogRow.seq == 4)).one()
        conn.rollback()
    from storage.audit_log import canonical_form, entry_hash

    forged = canonical_form(4, row.at, "mallory", row.action, row.object_type, row.object_id,
                            json.loads(row.payload), row.prev_hash)
    tamper(chain, update(AuditLogRow.__table__).where(AuditLogRow.seq == 4)
           .values(actor="mallory", entry_hash=entry_hash(forged)))
    result = verify(chain)
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "HMAC" in result.reason


def test_deleted_middle_entry_is_detected(chain):
    tamper(chain, "DELETE FROM audit_log WHERE seq = 3")
    result = verify(chain)
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "missing" in result.reason


def test_deleted_and_renumbered_entries_are_detected(chain):
    tamper(chain, "DELETE FROM audit_log WHERE seq = 3", "UPDATE audit_log SET seq = 3 WHERE seq = 4",
           "UPDATE audit_log SET seq = 4 WHERE seq = 5", "UPDATE audit_log SET seq = 5 WHERE seq = 6")
    result = verify(chain)
    assert (result.ok, result.first_bad_seq) == (False, 3)


def test_truncated_tail_is_detected_by_the_sealed_head(chain):
    tamper(chain, "DELETE FROM audit_log WHERE seq >= 5")
    result = verify(chain)
    assert (result.ok, result.first_bad_seq) == (False, 5)
    assert "end" in result.reason
    assert result.entries_checked == 4


def test_truncated_tail_stays_detected_after_new_appends(chain, uow):
    tamper(chain, "DELETE FROM audit_log WHERE seq = 6")
    with uow() as u:
        entry = u.audit.append(ADMIN, "login.succeeded", "user", "1", {})
        u.commit()
    assert entry.seq == 7  # appends continue from the sealed head, so the hole stays visible
    result = verify(chain)
    assert (result.ok, result.first_bad_seq) == (False, 6)


def test_forged_entry_appended_at_the_end_is_detected(chain):
    with chain.engine.connect() as conn:
        last = conn.execute(select(AuditLogRow.__table__).where(AuditLogRow.seq == N)).one()
        conn.rollback()
    from storage.audit_log import canonical_form, entry_hash

    at = last.at + timedelta(minutes=1)
    canonical = canonical_form(N + 1, at, "admin", "payee.created", "payee", "77", {}, last.entry_hash)
    tamper(chain, AuditLogRow.__table__.insert().values(
        seq=N + 1, at=at, actor="admin", action="payee.created", object_type="payee", object_id="77",
        payload="{}", prev_hash=last.entry_hash, entry_hash=entry_hash(canonical),
        hmac=hmac.new(b"guessed key", canonical.encode(), hashlib.sha256).hexdigest()))
    result = verify(chain)
    assert (result.ok, result.first_bad_seq) == (False, N + 1)
    assert "HMAC" in result.reason


def test_forged_entry_inserted_in_the_middle_is_detected(chain):
    tamper(chain, "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 4",
           "UPDATE audit_log SET seq = seq - 99 WHERE seq >= 104")
    with chain.engine.connect() as conn:
        prev = conn.execute(select(AuditLogRow.entry_hash).where(AuditLogRow.seq == 3)).scalar_one()
        at = conn.execute(select(AuditLogRow.at).where(AuditLogRow.seq == 3)).scalar_one()
        conn.rollback()
    from storage.audit_log import canonical_form, entry_hash

    canonical = canonical_form(4, at, "admin", "role.granted", "user", "9", {"role": "approver"}, prev)
    tamper(chain, AuditLogRow.__table__.insert().values(
        seq=4, at=at, actor="admin", action="role.granted", object_type="user", object_id="9",
        payload='{"role":"approver"}', prev_hash=prev, entry_hash=entry_hash(canonical), hmac="0" * 64))
    result = verify(chain)
    assert (result.ok, result.first_bad_seq) == (False, 4)


def test_swapped_seqs_are_detected(chain):
    tamper(chain, "UPDATE audit_log SET seq = -2 WHERE seq = 2", "UPDATE audit_log SET seq = 2 WHERE seq = 4",
           "UPDATE audit_log SET seq = 4 WHERE seq = -2")
    result = verify(chain)
    assert (result.ok, result.first_bad_seq) == (False, 2)


def test_wrong_key_is_detected(chain):
    result = verify(chain, key=b"another key entirely, 32 bytes!!")
    assert (result.ok, result.first_bad_seq) == (False, 1)
    assert "wrong audit key" in result.reason


def test_forged_head_record_is_detected(chain):
    tamper(chain, "UPDATE ledger_meta SET value = :v WHERE key = 'audit_head'",
           v=json.dumps({"seq": 4, "entry_hash": "a" * 64, "hmac": "b" * 64}))
    result = verify(chain)
    assert not result.ok and result.first_bad_seq == 4
    assert "head" in result.reason


def test_deleted_head_record_is_detected_and_blocks_appends(chain, uow):
    tamper(chain, "DELETE FROM ledger_meta WHERE key = 'audit_head'")
    result = verify(chain)
    assert (result.ok, result.first_bad_seq) == (False, 1)
    from app.domain.errors import IntegrityFailure

    with uow() as u, pytest.raises(IntegrityFailure) as info:
        u.audit.append(ADMIN, "login.succeeded")
    assert info.value.code == "AUDIT_HEAD_MISSING"


def test_everything_deleted_is_detected(chain):
    tamper(chain, "DELETE FROM audit_log")
    result = verify(chain)
    assert (result.ok, result.first_bad_seq) == (False, 1)


def test_empty_log_verifies(ledger):
    result = verify(ledger)
    assert result.ok and result.entries_checked == 0
