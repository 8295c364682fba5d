"""``bankdirect batch import FILE --account ACC --user U [--dry-run] [--exclude-invalid] --json``: errors as objects
with row, column, code and message; exit 2 and nothing written for a bad row or the same file twice."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.domain.identifiers import cnaps_check_digit
from storage.fingerprint import table_fingerprints

ICBC = "10210000023" + cnaps_check_digit("10210000023")
CMB = "30858400001" + cnaps_check_digit("30858400001")
CARDS = ["6214830000000017", "6214830000000025", "6214830000000033"]


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def ledger(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BANKDIRECT_SECRET_STORE", "vault")
    monkeypatch.setenv("BANKDIRECT_PASSPHRASE", "test-vault-passphrase")
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "admin-password-1")
    common = ["--data-dir", str(tmp_path / "data")]
    assert run(capsys, "init", "--org", "测试有限公司", "--admin", "alice", *common)[0] == 0
    code, _, err = run(capsys, "account", "add", "--bank-name", "招商银行", "--bank-code", CMB, "--number",
                       "755900000000001", "--name", "测试有限公司", "--user", "alice", *common)
    assert code == 0, err
    monkeypatch.setenv("BANKDIRECT_NEW_PASSWORD", "maker-password-1")
    assert run(capsys, "user", "add", "mia", "--role", "maker", "--user", "alice", *common)[0] == 0
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "maker-password-1")
    return common


def _fingerprint(tmp_path) -> dict:
    """Every table but the login traces (users.last_login_at, the audit entries of the CLI's login)."""
    from storage.db import open_ledger

    ledger = open_ledger(None, tmp_path / "data", migrate=False)
    try:
        tables = table_fingerprints(ledger.engine)
        return {k: v for k, v in tables.items() if k not in ("users", "audit_log", "ledger_meta")}
    finally:
        ledger.dispose()


def test_bad_row_is_named_then_exclude_then_duplicate(ledger, capsys, tmp_path):
    f = tmp_path / "工资.csv"
    f.write_bytes(("收款人名称,收款账号,收款行名称,收款行行号,金额,用途\n"
                   f"张三,{CARDS[0]},工行,{ICBC},5000.00,工资\n李四,{CARDS[1]},工行,{ICBC},1e3,工资\n"
                   f"王五,{CARDS[2]},工行,{ICBC},4200.50,\n").encode("gbk"))
    args = ["batch", "import", str(f), "--account", "755900000000001", "--user", "mia", "--json", *ledger]
    code, out, _ = run(capsys, *args, "--dry-run")
    data = json.loads(out)
    assert code == 2 and data["dry_run"] and data["encoding"] == "gb18030" and data["valid_rows"] == 2
    assert data["errors"] == [{"row": 3, "column": "金额", "code": "AMOUNT_FORMAT", "field": "amount",
                               "severity": "error", "message": data["errors"][0]["message"]}]
    before = _fingerprint(tmp_path)
    code, out, _ = run(capsys, *args)
    data = json.loads(out)
    assert code == 2 and data["ok"] is False and data["error"]["errors"][0]["row"] == 3
    assert {"row", "column", "code", "message"} <= set(data["error"]["errors"][0])
    assert _fingerprint(tmp_path) == before
    code, out, err = run(capsys, *args, "--exclude-invalid", "--errors-out", str(tmp_path / "bad.xlsx"))
    assert code == 0, err
    data = json.loads(out)
    assert (data["lines"], data["excluded"], data["total"], data["status"]) == (2, 1, "9,200.50", "PENDING_APPROVAL")
    assert (tmp_path / "bad.xlsx").is_file()
    code, out, _ = run(capsys, "payments", "list", "--json", "--user", "mia", *ledger)
    assert code == 0 and len(json.loads(out)) == 2
    before = _fingerprint(tmp_path)
    code, out, _ = run(capsys, *args, "--exclude-invalid")
    assert code == 2 and json.loads(out)["error"]["code"] == "DUPLICATE"
    assert _fingerprint(tmp_path) == before
    code, out, _ = run(capsys, "batch", "show", str(data["batch_id"]), "--json", "--user", "mia", *ledger)
    shown = json.loads(out)
    assert code == 0 and shown["statuses"] == {"PENDING_APPROVAL": {"count": 2, "total_minor": 920050}}
    code, out, _ = run(capsys, "batch", "export", str(data["batch_id"]), "--out", str(tmp_path / "r.csv"),
                       "--user", "mia", *ledger)
    assert code == 0 and "2 lines" in out
