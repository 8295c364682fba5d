"""Reads and writes of many payments by runs of consecutive ids (storage.bulk.rows_by_ids, the versioned
status write and the status history of storage.payment_repositories), on SQLite and PostgreSQL: the same rows,
the same stored values, the same refusals as the one-statement-per-row / IN-list paths they replace (forced here
by making no run long enough), and the database triggers still see every row a range statement changes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from app.domain.errors import DomainError
from app.domain.payment import PaymentStatus
from app.domain.users import Role
from storage import bulk
from storage.bulk import id_spans
from tests.storage.support import account_fields, payee_fields

N = 150          # payments: one run of consecutive ids, longer than LONG_RUN
H = "c" * 64


def _no_runs(monkeypatch) -> None:
    """No run is long enough: every id goes through the IN lists and every write row by row (the former paths)."""
    monkeypatch.setattr(bulk, "LONG_RUN", 10 ** 9)


@pytest.fixture
def many(uow, org, clock):
    """N pending payments (ids consecutive) of one maker to N // 3 payees, each with a DRAFT → PENDING history;
    every third also an approval by 'approver'. Returns the ids."""
    with uow() as u:
        users = {name: u.users.add(name, name, "h", [role], clock.now()).id for name, role in
                 (("maker", Role.MAKER), ("approver", Role.APPROVER), ("signer", Role.SIGNER))}
        acc = u.accounts.add(org.id, account_fields())
        payees = [u.payees.add(org.id, payee_fields(i)) for i in range(N // 3)]
        u.session.flush()
        ids = []
        for i in range(N):
            p = u.payments.add(org.id, users["maker"], {
                "debit_account_id": acc.id, "payee_id": payees[i % len(payees)].id, "amount_minor": 100 + i,
                "currency": "CNY", "purpose": "工资", "requested_date": date(2025, 3, 2), "urgent": False}, H,
                duplicate_override=False)
            u.payments.add_history(p.id, None, PaymentStatus.DRAFT, "maker", "created")
            p = u.payments.set_status(p.id, p.version, PaymentStatus.PENDING_APPROVAL, required_approvals=1)
            u.payments.add_history(p.id, PaymentStatus.DRAFT, PaymentStatus.PENDING_APPROVAL, "maker")
            ids.append(p.id)
        for pid in ids[::3]:
            u.approvals.add(pid, users["approver"], "approved", H, None)
        u.commit()
    assert ids == list(range(ids[0], ids[0] + N))
    return {"ids": ids, **users, "payees": [p.id for p in payees]}


def _state(u) -> tuple[list, list]:
    payments = u.session.execute(text("SELECT id, status, version, signer_id, updated_at FROM payment_requests "
                                      "ORDER BY id")).all()
    history = u.session.execute(text("SELECT payment_id, seq, from_status, to_status, at, actor, detail "
                                     "FROM payment_status_history ORDER BY payment_id, seq")).all()
    return [tuple(r) for r in payments], [tuple(r) for r in history]


def _both_ways(uow, monkeypatch, work) -> tuple:
    """``work(u)`` in a unit of work by runs, then again (same starting state) without runs; each returns
    (outcome, state) and is rolled back."""
    results = []
    for runs in (True, False):
        with monkeypatch.context() as m:
            if not runs:
                _no_runs(m)
            with uow() as u:
                try:
                    outcome = ("ok", work(u))
                except DomainError as exc:      # Conflict, PermissionDenied (a trigger's refusal) …
                    outcome = ("refused", type(exc).__name__, exc.code, exc.message)
                results.append((outcome, None if outcome[0] == "refused" else _state(u)))
                u.rollback()
    return tuple(results)


def test_id_spans_splits_long_runs_from_the_rest():
    assert id_spans(list(range(10, 200))) == ([(10, 199)], [])
    assert id_spans(list(range(10, 20))) == ([], list(range(10, 20)))
    runs, rest = id_spans([3, "x", *range(100, 200), 7, 500, 150, *range(1000, 1070), 7])
    assert runs == [(100, 199), (1000, 1069)] and sorted(map(str, rest)) == sorted(map(str, ["x", 3, 7, 500]))
    assert id_spans([]) == ([], []) and id_spans(iter([True, 2])) == ([], [True, 2])


@pytest.mark.parametrize("pick", ["all", "mixed"])
def test_reads_by_runs_give_what_the_in_lists_gave(uow, many, monkeypatch, pick):
    ids = many["ids"]
    wanted = ids if pick == "all" else [*ids[:90], *ids[100::7], ids[5], 10 ** 9]   # a run, scattered, repeated
    payees = [*many["payees"], many["payees"][0], 10 ** 9]

    def read(u):
        approvals = u.approvals.for_payments(wanted)
        return (u.payments.get_many(wanted), u.payments.versions_of(wanted), approvals,
                {k: [(a.id, a.at, a.voided_at, a.approver_name) for a in v] for k, v in approvals.items()},
                u.approvals.state_of(wanted), u.payees.get_many(payees), u.payees.state_of(payees))

    with uow(read_only=True) as u:
        by_runs = read(u)
    _no_runs(monkeypatch)
    with uow(read_only=True) as u:
        by_lists = read(u)
    assert by_runs == by_lists
    known = set(ids)
    assert len(by_runs[0]) == len([i for i in wanted if i in known])
    assert by_runs[4][0] == len([i for i in ids[::3] if i in wanted])


def _sign_all(many, version_of=lambda pid: 2, shared=False):
    one = {"signer_id": many["signer"]}
    return lambda u: u.payments.set_status_many([(pid, version_of(pid), PaymentStatus.APPROVED,
                                                  one if shared else {"signer_id": many["signer"]})
                                                 for pid in many["ids"]])


@pytest.mark.parametrize("shared", [False, True])
def test_a_status_write_by_runs_stores_what_the_row_by_row_write_stored(uow, many, monkeypatch, clock, shared):
    """Each row with its own dict of columns, or all with one (as signing passes them)."""
    clock.advance(minutes=5)
    by_runs, row_by_row = _both_ways(uow, monkeypatch, _sign_all(many, shared=shared))
    assert by_runs == row_by_row and by_runs[0] == ("ok", None)
    payments = by_runs[1][0]
    assert {(status, version, signer) for _i, status, version, signer, _at in payments} == {
        ("APPROVED", 3, many["signer"])}


@pytest.mark.parametrize("bump", [1, 2])
def test_a_payment_changed_meanwhile_fails_the_write_by_runs_as_row_by_row(ledger, uow, many, monkeypatch, bump):
    """Someone else's write to one payment of the run (version + 1: no single row can be named, all are stale;
    + 2: that one is named) — the same refusal either way."""
    victim = many["ids"][70]
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE payment_requests SET version = version + :b WHERE id = :p"), {"b": bump, "p": victim})
    by_runs, row_by_row = _both_ways(uow, monkeypatch, _sign_all(many))
    assert by_runs == row_by_row and by_runs[0][:3] == ("refused", "Conflict", "STALE_VERSION")
    assert by_runs[0][3].startswith(f"{N if bump == 1 else 1} of {N} payments were changed")


def test_rows_with_other_columns_go_their_own_way(uow, many, monkeypatch, clock):
    ids = many["ids"]
    shared = {"signer_id": many["signer"]}

    def write(u):
        u.payments.set_status_many([
            (pid, 2, PaymentStatus.APPROVED,
             shared if i % 50 else {"signer_id": many["signer"], "required_role": "finance"} if i % 100
             else {"signer_id": many["signer"], "duplicate_override": 1 if i % 200 else True})
            for i, pid in enumerate(ids)])
        return [tuple(r) for r in u.session.execute(text(
            "SELECT id, required_role, duplicate_override FROM payment_requests ORDER BY id"))]
    by_runs, row_by_row = _both_ways(uow, monkeypatch, write)
    assert by_runs == row_by_row and by_runs[0][0] == "ok"


def test_rows_expected_at_other_versions_go_their_own_way(uow, many, monkeypatch, ledger):
    odd = set(many["ids"][40:60])
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE payment_requests SET version = 7 WHERE id BETWEEN :a AND :b"),
                     {"a": min(odd), "b": max(odd)})
    by_runs, row_by_row = _both_ways(uow, monkeypatch, _sign_all(many, lambda pid: 7 if pid in odd else 2))
    assert by_runs == row_by_row and by_runs[0] == ("ok", None)


def test_the_triggers_check_every_row_of_a_range_write(uow, many, monkeypatch):
    """The approver of one payment in the middle of the run cannot sign the run (SOD trigger, row by row)."""
    def sign_as_approver(u):
        u.payments.set_status_many([(pid, 2, PaymentStatus.APPROVED, {"signer_id": many["approver"]})
                                    for pid in many["ids"][1:]])
    by_runs, row_by_row = _both_ways(uow, monkeypatch, sign_as_approver)
    assert by_runs == row_by_row and by_runs[0][:3] == ("refused", "PermissionDenied", "SOD_VIOLATION")


def test_history_by_runs_stores_the_same_rows_and_sequence_numbers(uow, many, monkeypatch, clock):
    ids = many["ids"]
    clock.advance(minutes=1)

    def history(u):
        u.payments.add_history(ids[10], PaymentStatus.PENDING_APPROVAL, PaymentStatus.REJECTED, "x", "extra seq")
        changes = [(pid, PaymentStatus.PENDING_APPROVAL, PaymentStatus.APPROVED, "approved by 1 of 1")
                   for pid in ids]
        changes[20:30] = [(pid, PaymentStatus.PENDING_APPROVAL, PaymentStatus.APPROVED, "other detail")
                          for pid in ids[20:30]]
        changes.append((ids[140], PaymentStatus.APPROVED, PaymentStatus.SIGNED, "twice: consecutive seqs"))
        changes.insert(0, (ids[3], None, PaymentStatus.DRAFT, None))
        u.payments.add_history_many(changes, "approver")

    by_runs, row_by_row = _both_ways(uow, monkeypatch, history)
    assert by_runs == row_by_row and by_runs[0] == ("ok", None)
    seqs = {(pid, seq) for pid, seq, *_rest in by_runs[1][1]}
    assert (ids[10], 4) in seqs and (ids[140], 4) in seqs and (ids[3], 4) in seqs and (ids[50], 3) in seqs


def test_history_of_missing_payments_is_refused_as_before(uow, many, monkeypatch):
    missing = range(many["ids"][-1] + 1, many["ids"][-1] + 101)

    def history(u):
        u.payments.add_history_many([(pid, PaymentStatus.APPROVED, PaymentStatus.SIGNED, "signed")
                                     for pid in [*many["ids"], *missing]], "signer")
    by_runs, row_by_row = _both_ways(uow, monkeypatch, history)
    assert by_runs == row_by_row and by_runs[0][0] == "refused"
