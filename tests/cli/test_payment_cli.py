"""``bankdirect payment create/submit``, ``payments list/show``, ``approve``, ``reject``, ``inbox``, ``policy``:
end-to-end flows with the documented exit statuses (0 ok, 2 rejected input and nothing written)."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.domain.identifiers import cnaps_check_digit

PW = "user-password-1"


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def ledger(tmp_path, monkeypatch, capsys):
    """A ledger with users maker, approver1, approver2 (password PW), one account and one payee."""
    from app.adapters.password_hasher import Argon2PasswordHasher

    monkeypatch.setattr("app.bootstrap.Argon2PasswordHasher", Argon2PasswordHasher.for_tests)
    monkeypatch.setenv("BANKDIRECT_SECRET_STORE", "vault")
    monkeypatch.setenv("BANKDIRECT_PASSPHRASE", "test-vault-passphrase")
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "admin-password-1")
    monkeypatch.setenv("BANKDIRECT_NEW_PASSWORD", PW)
    common = ["--data-dir", str(tmp_path / "data")]
    steps = [
        ["init", "--org", "测试有限公司", "--admin", "alice"],
        ["user", "add", "maker", "--role", "maker", "--user", "alice"],
        ["user", "add", "approver1", "--role", "approver", "--user", "alice"],
        ["user", "add", "approver2", "--role", "approver", "--user", "alice"],
        ["account", "add", "--bank-name", "招商银行", "--bank-code", "30858400001" + cnaps_check_digit("30858400001"),
         "--number", "755900000000001", "--name", "测试有限公司", "--user", "alice"],
        ["payee", "add", "--name", "某某科技有限公司", "--account", "6222000011112222", "--bank-name", "中国工商银行",
         "--bank-code", "10210000023" + cnaps_check_digit("10210000023"), "--user", "alice"],
    ]
    for step in steps:
        code, _, err = run(capsys, *step, *common)
        assert code == 0, (step, err)
    monkeypatch.setenv("BANKDIRECT_PASSWORD", PW)
    return common


def _json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    return code, (json.loads(out) if out.strip() else None), err


def _create(capsys, common, amount="123.45", *extra):
    return _json(capsys, "payment", "create", "--user", "maker", "--account", "755900000000001", "--payee",
                 "某某科技有限公司", "--amount", amount, "--purpose", "货款", *extra, *common)


def test_create_submit_approve_flow(ledger, capsys):
    common = ledger
    code, out, err = _create(capsys, common)
    assert code == 0, err
    pid = out["id"]
    assert out["payment"]["status"] == "DRAFT" and out["payment"]["amount_minor"] == 12345
    assert out["payment"]["amount_in_words"] == "壹佰贰拾叁元肆角伍分"
    code, _, err = run(capsys, "payment", "submit", str(pid), "--user", "maker", *common)
    assert code == 0, err
    # the maker cannot approve their own payment (no approver role, and separation of duties)
    code, out, _ = _json(capsys, "approve", str(pid), "--user", "maker", *common)
    assert code == 2 and out["error"]["code"] == "PERMISSION_DENIED"
    code, out, _ = _json(capsys, "inbox", "--user", "approver1", *common)
    assert code == 0 and [p["id"] for p in out["payments"]] == [pid] and out["counts"]["awaiting_me"] == 1
    code, out, err = _json(capsys, "approve", str(pid), "--user", "approver1", *common)
    assert code == 0, err
    assert out["payments"] == [{"id": pid, "status": "APPROVED"}]
    code, rows, _ = _json(capsys, "payments", "list", "--status", "APPROVED", "--user", "approver2", *common)
    assert code == 0
    assert [(r["id"], r["status"], r["amount_minor"], r["currency"], r["payee_account"]) for r in rows] == [
        (pid, "APPROVED", 12345, "CNY", "6222000011112222")]
    code, detail, _ = _json(capsys, "payments", "show", str(pid), "--user", "maker", *common)
    assert code == 0
    assert [h["to_status"] for h in detail["history"]] == ["DRAFT", "PENDING_APPROVAL", "APPROVED"]
    assert [(a["approver_name"], a["decision"]) for a in detail["approvals"]] == [("approver1", "approved")]
    assert detail["approvals"][0]["content_hash"] == detail["payment"]["content_hash"]
    # plain-text output of the same commands
    code, out, err = run(capsys, "payments", "show", str(pid), "--user", "maker", *common)
    assert code == 0, err
    assert "壹佰贰拾叁元肆角伍分" in out and "approver1" in out and "PENDING_APPROVAL" in out
    code, out, _ = run(capsys, "payments", "list", "--user", "maker", *common)
    assert code == 0 and "6222000011112222" in out and "APPROVED" in out
    code, out, _ = run(capsys, "inbox", "--user", "approver2", *common)
    assert code == 0 and "awaiting_me: 0" in out


def test_bad_input_exit_2_and_nothing_written(ledger, capsys):
    common = ledger
    for amount, code_name in (("1,000.00", "AMOUNT_SEPARATOR"), ("1e2", "AMOUNT_FORMAT"), ("-5", "AMOUNT_NOT_POSITIVE"),
                              ("1.005", "AMOUNT_SCALE")):
        code, out, _ = _create(capsys, common, amount)
        assert code == 2 and out["error"]["code"] == code_name
    code, out, _ = _create(capsys, common, "10.00", "--date", "2001-01-01")
    assert code == 2 and out["error"]["code"] == "DATE_PAST"
    code, rows, _ = _json(capsys, "payments", "list", "--user", "maker", *common)
    assert code == 0 and rows == []
    code, out, _ = _json(capsys, "payments", "list", "--status", "PAID", "--user", "maker", *common)
    assert code == 2 and out["error"]["code"] == "FIELD_VALUE"
    code, _, _ = run(capsys, "reject", "1", "--user", "approver1", *common)  # --comment is required
    assert code == 2


def test_duplicate_override_two_levels_password_and_rejection(ledger, capsys, monkeypatch):
    common = ledger
    code, first, _ = _create(capsys, common, "200000.00", "--submit")
    assert code == 0 and first["payment"]["status"] == "PENDING_APPROVAL"
    code, out, _ = _create(capsys, common, "200000.00")
    assert code == 2 and out["error"]["code"] == "DUPLICATE_SUSPECT"
    code, second, _ = _create(capsys, common, "200000.00", "--override-duplicate")
    assert code == 0 and second["warnings"][0]["code"] == "DUPLICATE_SUSPECT"
    pid = first["id"]
    # above the password threshold: the CLI re-enters BANKDIRECT_PASSWORD by itself
    code, out, err = _json(capsys, "approve", str(pid), "--user", "approver1", *common)
    assert code == 0, err
    assert out["payments"][0]["status"] == "PENDING_APPROVAL"
    code, out, _ = _json(capsys, "reject", str(pid), "--comment", "合同未附", "--user", "approver2", *common)
    assert code == 0 and out["status"] == "REJECTED"
    code, detail, _ = _json(capsys, "payments", "show", str(pid), "--user", "maker", *common)
    assert [a["decision"] for a in detail["approvals"]] == ["approved", "rejected"]
    assert detail["approvals"][0]["voided_at"] is not None and detail["approvals"][1]["comment"] == "合同未附"
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "admin-password-1")
    code, entries, _ = _json(capsys, "audit", "list", "--limit", "100", "--user", "alice", *common)
    actions = [e["action"] for e in entries]
    assert code == 0 and actions.count("payment.duplicate_override") == 1 and "payment.rejected" in actions


def test_policy_show_and_set(ledger, capsys, tmp_path, monkeypatch):
    common = ledger
    code, out, _ = _json(capsys, "policy", "show", "--user", "maker", *common)
    assert code == 0 and out["version"] == 0 and len(out["rules"][0]["tiers"]) == 3
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"rules": [{"tiers": [{"approvers": 2}]}]}), encoding="utf-8")
    code, out, _ = _json(capsys, "policy", "set", "--file", str(policy), "--user", "maker", *common)
    assert code == 2 and out["error"]["code"] == "PERMISSION_DENIED"
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "admin-password-1")
    code, out, err = _json(capsys, "policy", "set", "--file", str(policy), "--user", "alice", *common)
    assert code == 0, err
    assert out["version"] == 1
    monkeypatch.setenv("BANKDIRECT_PASSWORD", PW)
    code, out, _ = _create(capsys, common, "1.00", "--submit")
    assert out["payment"]["required_approvals"] == 2 and out["payment"]["policy_version"] == 1
