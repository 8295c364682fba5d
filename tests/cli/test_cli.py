"""The bankdirect command line: conventions (exit statuses, --json), master data and audit verification."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from app.cli import main
from app.domain.identifiers import cnaps_check_digit

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("BANKDIRECT_SECRET_STORE", "vault")
    monkeypatch.setenv("BANKDIRECT_PASSPHRASE", "test-vault-passphrase")
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "admin-password-1")
    data = tmp_path / "data"
    return ["--data-dir", str(data)], data


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def initialised(cli_env, capsys):
    common, data = cli_env
    code, out, err = run(capsys, "init", "--org", "测试有限公司", "--admin", "alice", *common)
    assert code == 0, err
    return common, data


def _cnaps(first11="30858400001"):
    return first11 + cnaps_check_digit(first11)


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("bankdirect ")


def test_payee_add_list_json(initialised, capsys):
    common, _ = initialised
    code, out, err = run(capsys, "payee", "add", "--name", "某某科技有限公司", "--account", "6222000011112222",
                         "--bank-name", "招商银行", "--bank-code", _cnaps(), "--user", "alice", "--json", *common)
    assert code == 0, err
    assert json.loads(out)["payee"]["name"] == "某某科技有限公司"
    code, out, _ = run(capsys, "payee", "list", "--json", *common)
    rows = json.loads(out)
    assert code == 0 and [r["account_number"] for r in rows] == ["6222000011112222"]


@pytest.mark.parametrize(("args", "code"), [
    (["--bank-code", "12345"], "BANK_CODE"),
    (["--account", "6222 0000 1111"], "ACCOUNT_FORMAT"),
    (["--name", "坏\u202e名字"], "TEXT_CHARSET"),
    (["--name", "䶮记有限公司"], "TEXT_ENCODING"),
    (["--uscc", "91440300MA5G12345X"], "ORG_ID"),
])
def test_bad_payee_exit_2_nothing_written(initialised, capsys, args, code):
    common, data = initialised
    base = {"--name": "某某科技有限公司", "--account": "6222000011112222", "--bank-name": "招商银行",
            "--bank-code": _cnaps()}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [x for kv in base.items() for x in kv]
    before = _dump(data)
    rc, out, err = run(capsys, "payee", "add", *flat, "--user", "alice", "--json", *common)
    assert rc == 2
    body = json.loads(out)
    assert body["ok"] is False and code in {p["code"] for p in body["error"]["problems"]}
    assert "Traceback" not in err
    after = _dump(data)
    # the CLI logs the user in (audited, last log-in time) before it rejects the input: nothing else changes
    new_audit = [row[3] for row in after["audit_log"][len(before["audit_log"]):]]
    assert new_audit == ["login.succeeded"]
    for volatile in ("audit_log", "users", "ledger_meta"):
        before.pop(volatile, None), after.pop(volatile, None)
    assert after == before


def test_wrong_password_exit_2(initialised, capsys, monkeypatch):
    common, _ = initialised
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "not-the-password")
    rc, _, err = run(capsys, "payee", "add", "--name", "某某有限公司", "--account", "6222000011112222",
                     "--bank-name", "招商银行", "--bank-code", _cnaps(), "--user", "alice", *common)
    assert rc == 2 and "AUTH_FAILED" in err


def test_user_add_and_self_grant_refused(initialised, capsys, monkeypatch):
    common, _ = initialised
    monkeypatch.setenv("BANKDIRECT_NEW_PASSWORD", "bob-password-1")
    rc, out, err = run(capsys, "user", "add", "bob", "--role", "maker", "--role", "approver", "--user", "alice",
                       "--json", *common)
    assert rc == 0, err
    assert json.loads(out)["user"]["roles"] == ["approver", "maker"]
    rc, _, err = run(capsys, "user", "roles", "alice", "--role", "admin", "--role", "signer", "--user", "alice",
                     *common)
    assert rc == 2 and "SELF_ROLE_CHANGE" in err


def _dump(data):
    con = sqlite3.connect(data / "ledger.sqlite3")
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type='table' order by name")]
        return {t: con.execute(f"select * from {t} order by 1").fetchall() for t in tables}  # noqa: S608
    finally:
        con.close()


TAMPERS = {
    "modify": ["UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"],
    "modify_payload": ["UPDATE audit_log SET payload = replace(payload, '测试', '篡改') WHERE seq = 1"],
    "delete_middle": ["DELETE FROM audit_log WHERE seq = 3"],
    "delete_tail": ["DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)"],
    "reorder": ["UPDATE audit_log SET seq = -1 WHERE seq = 2", "UPDATE audit_log SET seq = 2 WHERE seq = 3",
                "UPDATE audit_log SET seq = 3 WHERE seq = -1"],
    "insert": ["INSERT INTO audit_log (seq, at, actor, action, object_type, object_id, payload, prev_hash, "
               "entry_hash, hmac) SELECT max(seq) + 1, at, actor, action, object_type, object_id, payload, "
               "entry_hash, entry_hash, hmac FROM audit_log"],
}


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_audit_verify_detects_tampering(initialised, capsys, tamper):
    common, data = initialised
    run(capsys, "payee", "add", "--name", "某某科技有限公司", "--account", "6222000011112222", "--bank-name",
        "招商银行", "--bank-code", _cnaps(), "--user", "alice", *common)
    rc, out, _ = run(capsys, "audit", "verify", "--json", *common)
    assert rc == 0 and json.loads(out)["ok"] is True
    con = sqlite3.connect(data / "ledger.sqlite3")
    # an attacker with write access to the file first drops the append-only triggers
    for (name,) in con.execute("select name from sqlite_master where type='trigger' and tbl_name='audit_log'"):
        con.execute(f'DROP TRIGGER "{name}"')
    for stmt in TAMPERS[tamper]:
        con.execute(stmt)
    con.commit()
    con.close()
    rc, out, _ = run(capsys, "audit", "verify", "--json", *common)
    body = json.loads(out)
    assert rc == 4, body
    assert body["ok"] is False and body["first_bad_seq"] is not None and body["reason"]


def test_subprocess_demo_setup_only_and_exit_codes(tmp_path):
    env = dict(os.environ, PYTHONPATH=REPO)
    env.pop("BANKDIRECT_PASSWORD", None)
    data = str(tmp_path / "demo")
    p = subprocess.run([sys.executable, "-m", "app.cli", "demo", "--setup-only", "--data-dir", data, "--json"],
                       capture_output=True, text=True, env=env, cwd=REPO, timeout=300, check=False)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([sys.executable, "-m", "app.cli", "account", "list", "--json", "--data-dir", data],
                       capture_output=True, text=True, env=env, cwd=REPO, timeout=120, check=False)
    assert p.returncode == 0, p.stderr
    assert len(json.loads(p.stdout)) == 4
    p = subprocess.run([sys.executable, "-m", "app.cli", "payee", "add", "--name", "x", "--account", "1",
                        "--bank-name", "b", "--bank-code", "1", "--user", "maker", "--data-dir", data],
                       capture_output=True, text=True, env=dict(env, BANKDIRECT_PASSWORD="demo-password"),
                       cwd=REPO, timeout=120, check=False)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "BANK_CODE" in p.stderr and "ACCOUNT_FORMAT" in p.stderr


def test_audit_key_transfer_between_workstations(initialised, capsys, monkeypatch, tmp_path):
    common, data = initialised
    monkeypatch.setenv("BANKDIRECT_TRANSFER_PASSPHRASE", "transfer-passphrase")
    key_file = tmp_path / "audit.key"
    rc, _, err = run(capsys, "audit", "key-export", "--file", str(key_file), "--user", "alice", *common)
    assert rc == 0, err
    # a second workstation: same ledger (here the same SQLite file through a copy of its folder), own vault
    other = tmp_path / "other"
    other.mkdir()
    import shutil

    shutil.copy(data / "ledger.sqlite3", other / "ledger.sqlite3")
    rc, _, err = run(capsys, "audit", "verify", "--data-dir", str(other))
    assert rc == 4 and "AUDIT_KEY_MISSING" in err
    monkeypatch.setenv("BANKDIRECT_TRANSFER_PASSPHRASE", "wrong")
    rc, _, err = run(capsys, "audit", "key-import", "--file", str(key_file), "--data-dir", str(other))
    assert rc == 2 and "VAULT_PASSPHRASE" in err
    monkeypatch.setenv("BANKDIRECT_TRANSFER_PASSPHRASE", "transfer-passphrase")
    rc, _, err = run(capsys, "audit", "key-import", "--file", str(key_file), "--data-dir", str(other))
    assert rc == 0, err
    rc, _, _ = run(capsys, "audit", "verify", "--data-dir", str(other))
    assert rc == 0
