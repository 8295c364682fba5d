"""Batch approval and rejection in bulk (issue 7 at 100,000 lines), on SQLite and on PostgreSQL: every rule of a
single approval still holds for every line (policy levels and named roles, separation of duties, one approval per
person, the content hash recomputed from the current payee, the count and total the approver saw), the per-payment
rows are written (one approval row per line at the next level, one status-history row per line that moves), the
batch is read and written by chunks, and ONE audit entry per decision seals every line it decided."""

from __future__ import annotations

import pytest

import app.services.batch_approval as batch_approval
from app.domain.errors import Conflict, PermissionDenied
from app.domain.identifiers import cnaps_check_digit
from app.domain.payment import PaymentStatus
from app.services.batch_approval import decisions_digest
from storage.batch_repositories import id_runs
from tests.conftest import ADMIN, PAYMENT_USER_PASSWORD, make_context
from tests.storage.conftest import pg_database_url, wipe_pg_database  # noqa: F401 (fixture)

S = PaymentStatus
HEADER_CN = "收款人名称,收款账号,收款行名称,收款行行号,金额,用途"
ICBC = "10210000023" + cnaps_check_digit("10210000023")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app_context(request, tmp_path):
    """The shared app_context, on SQLite and on a wiped PostgreSQL database."""
    db_url = None
    if request.param == "postgresql":
        db_url = request.getfixturevalue("pg_database_url")
        wipe_pg_database(db_url)
    ctx = make_context(tmp_path / "ledger", db_url=db_url)
    ctx.services.setup.initialize("测试有限公司", ADMIN[0], ADMIN[1], admin_display_name="管理员")
    yield ctx
    ctx.close()


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 4 lines, so that a batch of a dozen lines crosses several chunks."""
    monkeypatch.setattr(batch_approval, "CHUNK_LINES", 4)


def _batch(w, tmp_path, n: int, name: str = "工资.csv", amount=lambda i: f"{1000 + i}.{i % 100:02d}"):
    lines = [HEADER_CN] + [f"员工{i:04d},6214{i:08d}5555,中国工商银行深圳分行,{ICBC},{amount(i)},工资"
                           for i in range(n)]
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    return w.services.batch_import.import_file(w.maker, str(path), account=w.account.account_number).batch


@pytest.fixture
def w(payment_world):
    payment_world.maker = payment_world.actor("maker")
    return payment_world


def _lines(w, batch_id):
    return w.services.batch_results.lines(w.maker, batch_id, 0, 10_000)


def _approvals(ctx, payment_ids):
    uow = ctx.ledger.unit_of_work_factory(ctx.audit_key, ctx.clock)
    with uow(read_only=True) as u:
        return {pid: u.approvals.for_payment(pid) for pid in payment_ids}


def _audit(w, action):
    return [e for e in w.services.audit.entries(w.admin, 0, 1000) if e.action == action]


def test_two_levels_with_a_named_role_across_chunks(w, app_context, tmp_path, small_chunks, ledger_fingerprint):
    s = w.services
    s.approvals.save_policy(w.admin, {"rules": [{"tiers": [{"approvers": 2, "required_role": "admin"}]}]})
    batch = _batch(w, tmp_path, 11)
    ids = [line.payment_id for line in _lines(w, batch.id)]
    first = s.batch_approval.approve_batch(w.actor("approver1"), batch.id, 11, batch.total_minor)
    assert (first.approved, len(first.payment_ids), first.total_minor) == (0, 11, batch.total_minor)
    assert {line.status for line in _lines(w, batch.id)} == {"PENDING_APPROVAL"}   # awaiting a further approver
    summary = s.batch_approval.summary(w.actor("approver1"), batch.id)
    assert summary.approved_by_me_count == 11 and not summary.can_approve

    w.actor("approver2")                                                # logged in (a log-in is a write)
    before = ledger_fingerprint()
    with pytest.raises(Conflict) as info:                               # one person approves one content once
        s.batch_approval.approve_batch(w.actor("approver1"), batch.id, 11, batch.total_minor)
    assert info.value.code == "ALREADY_APPROVED"
    with pytest.raises(PermissionDenied) as pinfo:                      # the last approval needs the admin role
        s.batch_approval.approve_batch(w.actor("approver2"), batch.id, 11, batch.total_minor)
    assert pinfo.value.code == "ROLE_REQUIRED"
    assert ledger_fingerprint() == before

    second = s.batch_approval.approve_batch(w.actor("boss"), batch.id, 11, batch.total_minor)
    assert second.approved == 11 and sorted(second.payment_ids) == sorted(ids)
    assert {line.status for line in _lines(w, batch.id)} == {"APPROVED"}
    approvals = _approvals(app_context, ids)
    for pid in ids:
        rows = approvals[pid]
        assert [(a.level, a.approver_name, a.decision, a.approver_role, a.is_void) for a in rows] == [
            (1, "approver1", "approved", None, False), (2, "boss", "approved", "admin", False)]
        detail = s.payments.get(w.maker, pid)
        assert detail.payment.version == 2
        assert [(h.seq, h.from_status, h.to_status) for h in detail.history][-1] == (3, S.PENDING_APPROVAL,
                                                                                       S.APPROVED)
        assert detail.history[-1].detail == f"approved by 2 of 2 with batch {batch.id}"
        assert detail.history[-1].actor == "boss"

    entries = _audit(w, "batch.approved")
    assert [e.payload["now_approved"] for e in entries] == [11, 0]     # newest first
    sealed = entries[0].payload
    assert (sealed["lines"], sealed["total_minor"], sealed["awaiting_further_approval"]) == (11, batch.total_minor, 0)
    assert sealed["id_runs"] == [list(r) for r in id_runs(ids)] and sealed["id_run_count"] == 1
    # the digest is recomputable from the approval rows: it seals exactly the level-2 approvals written
    assert sealed["decisions_sha256"] == decisions_digest(
        (pid, approvals[pid][1].content_hash, approvals[pid][1].level) for pid in ids)
    assert entries[1].payload["decisions_sha256"] == decisions_digest(
        (pid, approvals[pid][0].content_hash, 1) for pid in ids)
    assert not _audit(w, "payment.approved")                           # one entry per decision, not per line
    assert w.services.audit.verify(w.admin).ok


def test_content_changed_under_a_line_refuses_the_whole_batch(w, tmp_path, small_chunks, ledger_fingerprint):
    s = w.services
    batch = _batch(w, tmp_path, 9)
    approver = w.actor("approver1")
    line = _lines(w, batch.id)[6]                       # in the second chunk
    payee_id = s.payments.get(w.maker, line.payment_id).payment.payee_id
    payee = s.master_data.get_payee(w.admin, payee_id)
    s.master_data.update_payee(w.admin, payee.id, payee.version, {
        "name": payee.name + "改", "account_number": payee.account_number, "bank_name": payee.bank_name,
        "branch_name": payee.branch_name, "cnaps_code": payee.cnaps_code})
    before = ledger_fingerprint()
    with pytest.raises(Conflict) as info:
        s.batch_approval.approve_batch(approver, batch.id, 9, batch.total_minor)
    assert info.value.code == "CONTENT_CHANGED" and str(line.payment_id) in info.value.message
    assert ledger_fingerprint() == before                # all or nothing: the first chunk's approvals rolled back


def test_the_count_and_total_seen_are_bound(w, tmp_path, ledger_fingerprint):
    s = w.services
    batch = _batch(w, tmp_path, 5)
    approver, other = w.actor("approver1"), w.actor("approver2")
    summary = s.batch_approval.summary(approver, batch.id)
    one = _lines(w, batch.id)[2]
    s.approvals.reject(other, one.payment_id, "金额不对")      # one line leaves meanwhile
    before = ledger_fingerprint()
    with pytest.raises(Conflict) as info:
        s.batch_approval.approve_batch(approver, batch.id, summary.pending_count, summary.pending_total_minor)
    assert info.value.code == "BATCH_CHANGED" and "4 lines" in info.value.message
    assert ledger_fingerprint() == before
    decision = s.batch_approval.approve_batch(approver, batch.id, 4, batch.total_minor - one.amount_minor)
    assert decision.approved == 4 and one.payment_id not in decision.payment_ids
    statuses = {line.payment_id: line.status for line in _lines(w, batch.id)}
    assert statuses.pop(one.payment_id) == "REJECTED" and set(statuses.values()) == {"APPROVED"}


def test_reject_voids_live_approvals_and_writes_each_line(w, app_context, tmp_path, small_chunks):
    s = w.services
    s.approvals.save_policy(w.admin, {"rules": [{"tiers": [{"approvers": 2}]}]})
    batch = _batch(w, tmp_path, 10)
    ids = [line.payment_id for line in _lines(w, batch.id)]
    s.batch_approval.approve_batch(w.actor("approver1"), batch.id, 10, batch.total_minor)
    decision = s.batch_approval.reject_batch(w.actor("approver2"), batch.id, "请核对后重新导入")
    assert decision.rejected == 10 and decision.total_minor == batch.total_minor
    approvals = _approvals(app_context, ids)
    for pid in ids:
        rows = approvals[pid]
        assert [(a.level, a.decision, a.is_void) for a in rows] == [(1, "approved", True), (2, "rejected", False)]
        assert rows[0].void_reason == "payment rejected" and rows[1].comment == "请核对后重新导入"
        detail = s.payments.get(w.maker, pid)
        assert detail.payment.status is S.REJECTED
        assert detail.history[-1].detail == f"rejected with batch {batch.id}: 请核对后重新导入"
    sealed = _audit(w, "batch.rejected")[0].payload
    assert (sealed["lines"], sealed["approvals_voided"], sealed["comment"]) == (10, 10, "请核对后重新导入")
    assert sealed["decisions_sha256"] == decisions_digest((pid, approvals[pid][1].content_hash, 2) for pid in ids)
    with pytest.raises(Conflict) as cinfo:
        s.batch_approval.reject_batch(w.actor("approver2"), batch.id, "again")
    assert cinfo.value.code == "NOTHING_PENDING"
    assert w.services.audit.verify(w.admin).ok


def test_separation_of_duties_for_a_maker_who_is_also_an_approver(w, tmp_path, small_chunks, ledger_fingerprint):
    s = w.services
    from app.domain.users import Role

    s.users.add_user(w.admin, "dual", "dual", PAYMENT_USER_PASSWORD, [Role.MAKER, Role.APPROVER])
    dual, approver = w.actor("dual"), w.actor("approver1")
    w.maker = dual
    batch = _batch(w, tmp_path, 6)
    assert s.batch_approval.summary(dual, batch.id).own_count == 6
    before = ledger_fingerprint()
    for attempt in (lambda: s.batch_approval.approve_batch(dual, batch.id, 6, batch.total_minor),
                    lambda: s.batch_approval.reject_batch(dual, batch.id, "不对")):
        with pytest.raises(PermissionDenied) as info:
            attempt()
        assert info.value.code == "SOD_VIOLATION"
    assert ledger_fingerprint() == before
    assert s.batch_approval.approve_batch(approver, batch.id, 6, batch.total_minor).approved == 6


def test_id_runs_select_exactly_the_ids():
    assert id_runs([]) == []
    assert id_runs([5, 3, 4, 9, 10, 12, 4]) == [(3, 5), (9, 10), (12, 12)]
    ids = [1, 2, 3, 7, 8, 100]
    covered = [i for lo, hi in id_runs(ids) for i in range(lo, hi + 1)]
    assert covered == sorted(ids)


def test_payment_lines_are_the_payments_the_repository_reads_one_by_one(w, app_context, tmp_path):
    batch = _batch(w, tmp_path, 7)
    uow = app_context.ledger.unit_of_work_factory(app_context.audit_key, app_context.clock)
    with uow(read_only=True) as u:
        part = u.batches.payment_lines(batch.id, "PENDING_APPROVAL", after_line=3, limit=3)
        keys = u.batches.line_keys(batch.id, "PENDING_APPROVAL", after_line=3, limit=3)
        assert [line for line, _p in part] == [4, 5, 6] == [k[0] for k in keys]
        for _line, payment in part:
            assert payment == u.payments.get(payment.id)       # every field, timestamps included
        assert [k[1:] for k in keys] == [(p.id, p.maker_id, p.content_hash, p.amount_minor) for _l, p in part]
        assert set(u.batches.payees_of(batch.id, "PENDING_APPROVAL", 4, 6)) == {p.payee_id for _l, p in part}
        assert u.batches.payment_lines(batch.id, "APPROVED") == []
        seen = u.batches.pending_summary(batch.id, "PENDING_APPROVAL", w.maker.user_id)
    assert seen == {"count": 7, "total_minor": batch.total_minor, "max_minor": 100_606, "own": 7,
                    "approved_by_user": 0}


def test_payment_lines_with_payees_are_the_lines_and_the_payees_read_apart(w, app_context, tmp_path):
    batch = _batch(w, tmp_path, 7)
    uow = app_context.ledger.unit_of_work_factory(app_context.audit_key, app_context.clock)
    with uow(read_only=True) as u:
        both = u.batches.payment_lines_with_payees(batch.id, "PENDING_APPROVAL", after_line=2, limit=4)
        assert [(line, p) for line, p, _y in both] == u.batches.payment_lines(batch.id, "PENDING_APPROVAL",
                                                                               after_line=2, limit=4)
        payees = u.batches.payees_of(batch.id, "PENDING_APPROVAL", 3, 6)
        assert [y for _l, _p, y in both] == [payees[p.payee_id] for _l, p, _y in both]
        assert u.batches.payment_lines_with_payees(batch.id, "APPROVED") == []
