"""Batch payments, part 2, at the service layer: batch-level approval (maker ≠ approver, the count and total the
approver saw, password above the threshold), batch rejection, ONE signature for the batch, per-line results from a
sandbox bank (AC01 and AM04 failures) with counts that reconcile, exports of failed lines, and failed lines
re-initiated as a new batch that needs approval again."""

from __future__ import annotations

import csv

import pytest

from app.domain.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from app.domain.identifiers import cnaps_check_digit
from app.domain.users import Role
from app.services.batch_approval import BatchApprovalService
from app.services.batch_results import BatchResultsService, Tally
from tests.conftest import PAYMENT_USER_PASSWORD
from tests.engine.support import make_batch_signer, start_world, stop_world

HEADER_CN = "收款人名称,收款账号,收款行名称,收款行行号,金额,用途"
ICBC = "10210000023" + cnaps_check_digit("10210000023")


def payroll_csv(path, amounts: list[str], accounts: list[str] | None = None) -> str:
    lines = [HEADER_CN]
    for i, amount in enumerate(amounts):
        account = accounts[i] if accounts else f"6214{i:08d}5555"
        lines.append(f"员工{i:04d},{account},中国工商银行深圳分行,{ICBC},{amount},工资")
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    return str(path)


@pytest.fixture
def world(payment_world, services, admin_actor):
    w = payment_world
    services.users.add_user(admin_actor, "dual", "dual", PAYMENT_USER_PASSWORD, [Role.MAKER, Role.APPROVER])
    w.maker = w.actor("maker")
    w.approver = w.actor("approver1")
    return w


def _import(w, path, who=None):
    return w.services.batch_import.import_file(who or w.maker, path, account=w.account.account_number).batch


def test_services_are_wired(services):
    assert isinstance(services.batch_approval, BatchApprovalService)
    assert isinstance(services.batch_results, BatchResultsService)
    assert services.batch_import is not None


def test_batch_approval_all_lines_with_checks(world, tmp_path, ledger_fingerprint):
    w, s = world, world.services
    amounts = [f"{3000 + i}.{i % 100:02d}" for i in range(60)]           # total ≈ 181,770 > 100,000 threshold
    batch = _import(w, payroll_csv(tmp_path / "工资.csv", amounts))
    summary = s.batch_approval.summary(w.approver, batch.id)
    assert (summary.pending_count, summary.pending_total_minor) == (60, batch.total_minor)
    assert summary.needs_password and summary.can_approve and summary.own_count == 0

    before = ledger_fingerprint()
    with pytest.raises(PermissionDenied) as info:                      # a maker without the approver role
        s.batch_approval.approve_batch(w.maker, batch.id, 60, batch.total_minor, PAYMENT_USER_PASSWORD)
    with pytest.raises(Conflict) as info:                              # not what the approver saw
        s.batch_approval.approve_batch(w.approver, batch.id, 60, batch.total_minor - 1, PAYMENT_USER_PASSWORD)
    assert info.value.code == "BATCH_CHANGED" and "60 lines" in info.value.message
    with pytest.raises(ValidationFailed) as vinfo:                    # batch total above the password threshold
        s.batch_approval.approve_batch(w.approver, batch.id, 60, batch.total_minor)
    assert vinfo.value.problems[0].code == "PASSWORD_REQUIRED"
    assert ledger_fingerprint() == before
    with pytest.raises(DomainError) as dinfo:       # a wrong password: counted as a failed log-in, no line moves
        s.batch_approval.approve_batch(w.approver, batch.id, 60, batch.total_minor, "wrong-password")
    assert dinfo.value.code == "AUTH_FAILED"
    assert s.batch_results.results(w.approver, batch.id).buckets["awaiting_approval"].count == 60

    decision = s.batch_approval.approve_batch(w.approver, batch.id, 60, batch.total_minor, PAYMENT_USER_PASSWORD)
    assert decision.approved == 60 and len(decision.payment_ids) == 60
    res = s.batch_results.results(w.approver, batch.id)
    assert res.buckets["awaiting_signature"] == Tally(60, batch.total_minor) and res.stage == "AWAITING_SIGNATURE"
    assert res.reconciles and res.sent == Tally()
    with pytest.raises(Conflict) as info:
        s.batch_approval.approve_batch(w.approver, batch.id, 60, batch.total_minor, PAYMENT_USER_PASSWORD)
    assert info.value.code == "NOTHING_PENDING"
    entries = [e for e in s.audit.entries(w.admin, 0, 500) if e.action == "batch.approved"]
    assert len(entries) == 1 and entries[0].payload["lines"] == 60


def test_maker_who_is_also_approver_cannot_approve_own_batch(world, tmp_path, ledger_fingerprint):
    w, s = world, world.services
    dual = w.actor("dual")
    batch = _import(w, payroll_csv(tmp_path / "small.csv", ["100.00", "200.00"]), who=dual)
    summary = s.batch_approval.summary(dual, batch.id)
    assert summary.own_count == 2 and not summary.can_approve
    before = ledger_fingerprint()
    with pytest.raises(PermissionDenied) as info:
        s.batch_approval.approve_batch(dual, batch.id, 2, 30000)
    assert info.value.code == "SOD_VIOLATION"
    with pytest.raises(PermissionDenied) as info:
        s.batch_approval.reject_batch(dual, batch.id, "不对")
    assert info.value.code == "SOD_VIOLATION"
    assert ledger_fingerprint() == before


def test_reject_batch_needs_comment_and_rejects_every_line(world, tmp_path, ledger_fingerprint):
    w, s = world, world.services
    batch = _import(w, payroll_csv(tmp_path / "r.csv", ["100.00", "200.00", "300.00"]))
    before = ledger_fingerprint()
    with pytest.raises(ValidationFailed) as info:
        s.batch_approval.reject_batch(w.approver, batch.id, "   ")
    assert info.value.problems[0].code == "COMMENT_REQUIRED"
    with pytest.raises(DomainError) as dinfo:
        s.batch_approval.reject_batch(w.approver, 9999, "x")
    assert dinfo.value.code == "NOT_FOUND"
    assert ledger_fingerprint() == before
    decision = s.batch_approval.reject_batch(w.approver, batch.id, "请核对工资表后重新导入")
    assert decision.rejected == 3
    res = s.batch_results.results(w.maker, batch.id)
    assert res.stage == "REJECTED" and res.buckets["rejected"] == Tally(3, 60000) and res.reconciles
    detail = s.payments.get(w.maker, decision.payment_ids[0])
    assert detail.payment.status.value == "REJECTED"
    assert detail.history[-1].detail.endswith("请核对工资表后重新导入")


def test_export_refuses_other_formats(world, tmp_path):
    w, s = world, world.services
    batch = _import(w, payroll_csv(tmp_path / "e.csv", ["200.00"]))
    with pytest.raises(DomainError) as info:
        s.batch_results.export(w.maker, batch.id, tmp_path / "out.txt")
    assert info.value.code == "EXPORT_FORMAT"
    assert s.batch_results.export(w.maker, batch.id, tmp_path / "all.xlsx") == 1
    with pytest.raises(Conflict) as cinfo:
        s.batch_results.reinitiate_failed(w.maker, batch.id)
    assert cinfo.value.code == "NOTHING_TO_REINITIATE"


# -- against the sandbox bank --------------------------------------------------------------------------------
CCB_ACCOUNT = "31050161393600001234"      # the demo's CCB account: 987,654.32 in the sandbox bank


class CountingSigner:
    def __init__(self, inner):
        self.inner = inner
        self.calls = 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def sign_digest(self, digest):
        self.calls += 1
        return self.inner.sign_digest(digest)


def test_payroll_through_the_sandbox_bank_fails_some_lines_and_reinitiates_them(tmp_path):
    from app.services.demo_data import DEMO_PASSWORD

    w = start_world(tmp_path)
    try:
        s = w.services
        maker, approver, signer = w.actor("maker"), w.actor("approver1"), w.actor("signer")
        n_small, n_big = 120, 24
        amounts = [f"{1000 + i * 7}.{i % 100:02d}" for i in range(n_small)] + ["45000.00"] * n_big
        accounts = [f"6214{i:08d}" + ("0001" if i % 20 == 3 else "5555") for i in range(n_small + n_big)]
        ac01_rows = {i + 2 for i in range(n_small + n_big) if i % 20 == 3}
        path = payroll_csv(tmp_path / "工资-2026-11.csv", amounts, accounts)
        pv = s.batch_import.preview(maker, path, account=CCB_ACCOUNT)
        assert pv.encoding == "gb18030" and not pv.errors and len(pv.lines) == n_small + n_big
        assert pv.total_minor > 98_765_432                      # more than the account holds: some lines AM04
        batch = s.batch_import.import_file(maker, path, account=CCB_ACCOUNT).batch

        summary = s.batch_approval.summary(approver, batch.id)
        decision = s.batch_approval.approve_batch(approver, batch.id, summary.pending_count,
                                                  summary.pending_total_minor, DEMO_PASSWORD)
        assert decision.approved == n_small + n_big
        # one signature for the whole batch
        ready = [b for b in s.signing.ready_batches(signer) if set(decision.payment_ids) & set(b.payment_ids)]
        assert len(ready) == 1 and set(decision.payment_ids) <= set(ready[0].payment_ids)
        counting = CountingSigner(make_batch_signer())
        signed = s.signing.sign_batch(signer, ready[0].batch_key, counting)
        assert counting.calls == 1 and set(decision.payment_ids) <= set(signed.payment_ids)
        res = s.batch_results.results(maker, batch.id)
        assert res.stage == "IN_PROGRESS" and res.sent == Tally(batch.line_count, batch.total_minor)
        assert res.reconciles

        report = s.submission.run_until_idle(timeout_s=120, poll_s=0.2)
        assert not [e for e in report.errors if e.startswith("TIMEOUT")], report.errors
        res = s.batch_results.results(maker, batch.id)
        b = res.buckets
        assert res.reconciles and b["pending"].count == 0 and res.stage == "COMPLETED_WITH_FAILURES"
        assert res.sent == b["succeeded"] + b["failed"] and res.sent.count == n_small + n_big
        lines = s.batch_results.lines(maker, batch.id, 0, 1000)
        by_row = {line.row: line for line in lines}
        assert {r for r, line in by_row.items() if line.bank_code_result == "AC01"} == ac01_rows
        am04 = [line for line in lines if line.bank_code_result == "AM04"]
        assert am04 and all(line.status == "FAILED" and "余额不足" in (line.bank_text or "") for line in am04)
        assert b["failed"].count == len(ac01_rows) + len(am04)
        assert all(line.status == "SUCCEEDED" for line in lines
                   if line.row not in ac01_rows and line.bank_code_result != "AM04")

        out = tmp_path / "failed.csv"
        assert s.batch_results.export(maker, batch.id, out, failed_only=True) == b["failed"].count
        with open(out, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert {r["bank_result_code"] for r in rows} == {"AC01", "AM04"} and {r["result"] for r in rows} == {"failed"}

        with pytest.raises(PermissionDenied):
            s.batch_results.reinitiate_failed(approver, batch.id)
        again = s.batch_results.reinitiate_failed(maker, batch.id)
        assert again.from_batch_id == batch.id and len(again.links) == b["failed"].count
        new = again.batch
        assert new.line_count == b["failed"].count and new.total_minor == b["failed"].total_minor
        new_res = s.batch_results.results(maker, new.id)
        assert new_res.stage == "AWAITING_APPROVAL" and new_res.reconciles
        assert new_res.buckets["awaiting_approval"] == Tally(new.line_count, new.total_minor)
        tracked = {p.id: p for p in s.submission.monitor(maker)}
        for old_id, new_id in again.links.items():
            assert tracked[old_id].reinitiated_by_id == new_id
        first_new = s.payments.get(maker, next(iter(again.links.values())))
        assert first_new.payment.status.value == "PENDING_APPROVAL" and first_new.payment.maker_id == maker.user_id
        assert tracked[next(iter(again.links.values()))].reinitiated_from_id == next(iter(again.links))
        with pytest.raises(Conflict) as info:
            s.batch_results.reinitiate_failed(maker, batch.id)
        assert info.value.code == "NOTHING_TO_REINITIATE"
        # the new batch goes through approval again; the re-initiating maker cannot approve it
        summary = s.batch_approval.summary(approver, new.id)
        assert summary.can_approve and summary.pending_count == new.line_count
    finally:
        stop_world(w)


# -- the CLI --------------------------------------------------------------------------------------------------
def test_cli_results_approve_reject(tmp_path, monkeypatch, capsys):
    import json

    from app.cli import main

    def run(*argv):
        code = main([*argv, "--data-dir", str(tmp_path / "data")])
        out = capsys.readouterr()
        return code, out.out, out.err

    monkeypatch.setenv("BANKDIRECT_SECRET_STORE", "vault")
    monkeypatch.setenv("BANKDIRECT_PASSPHRASE", "test-vault-passphrase")
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "admin-password-1")
    assert run("init", "--org", "测试有限公司", "--admin", "alice")[0] == 0
    cmb = "30858400001" + cnaps_check_digit("30858400001")
    assert run("account", "add", "--bank-name", "招商银行", "--bank-code", cmb, "--number", "755900000000001",
               "--name", "测试有限公司", "--user", "alice")[0] == 0
    for name, role, pw in (("mia", "maker", "maker-password-1"), ("ann", "approver", "approver-password-1")):
        monkeypatch.setenv("BANKDIRECT_NEW_PASSWORD", pw)
        assert run("user", "add", name, "--role", role, "--user", "alice")[0] == 0
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "maker-password-1")
    f1 = payroll_csv(tmp_path / "a.csv", ["5000.00", "4200.50"])
    f2 = payroll_csv(tmp_path / "b.csv", ["100.00"], ["6214000000999999"])
    for f in (f1, f2):
        code, out, err = run("batch", "import", f, "--account", "755900000000001", "--user", "mia", "--json")
        assert code == 0, err
    code, out, _ = run("batch", "results", "1", "--user", "mia", "--json")
    data = json.loads(out)
    assert code == 0 and data["stage"] == "AWAITING_APPROVAL" and data["reconciles"]
    assert data["awaiting_approval"] == {"count": 2, "total_minor": 920050, "total": "9,200.50"}
    code, _, err = run("batch", "approve", "1", "--user", "mia")
    assert code == 2 and "approve" in err
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "approver-password-1")
    code, _, err = run("batch", "approve", "1", "--user", "ann", "--expect-count", "2", "--expect-total", "9200.49")
    assert code == 2 and "BATCH_CHANGED" in err
    code, out, err = run("batch", "approve", "1", "--user", "ann", "--expect-count", "2", "--expect-total",
                         "9200.50", "--json")
    assert code == 0 and json.loads(out)["approved"] == 2, err
    code, out, _ = run("batch", "results", "1", "--user", "ann")
    assert code == 0 and "awaiting signature" in out and "reconciles: yes" in out
    code, out, err = run("batch", "reject", "2", "--user", "ann", "--comment", "", "--json")
    assert code == 2 and "COMMENT_REQUIRED" in out + err
    code, out, _ = run("batch", "reject", "2", "--user", "ann", "--comment", "重复", "--json")
    assert code == 0 and json.loads(out)["rejected"] == 1
    code, _, err = run("batch", "reinitiate-failed", "1", "--user", "ann")
    assert code == 2
    out_file = tmp_path / "r.xlsx"
    assert run("batch", "export-results", "1", "--out", str(out_file), "--user", "ann")[0] == 0
    assert out_file.is_file()
