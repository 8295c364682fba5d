"""``bankdirect statement import FILE [--account ACC] [--dry-run] --user U --json``: dry run without the account,
exit 2 with the reasons for unreadable files and unknown accounts (nothing written), import once, re-import adds
nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.domain.identifiers import cnaps_check_digit

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
FI_053 = REFERENCE / "iso20022_samples/moov-io_iso20022/FI_camt_053_sample.xml.xml"   # FI7433010001222090, EUR
FLOAT_ARTEFACT = REFERENCE / "iso20022_samples/hbci4j_hbci4java/test-camt-parse-5200108-invalid-saldo.xml"


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def ledger(tmp_path, monkeypatch, capsys):
    if not FI_053.is_file():
        pytest.skip(f"reference data not found at {REFERENCE}")
    monkeypatch.setenv("BANKDIRECT_SECRET_STORE", "vault")
    monkeypatch.setenv("BANKDIRECT_PASSPHRASE", "test-vault-passphrase")
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "admin-password-1")
    common = ["--data-dir", str(tmp_path / "data")]
    code, _out, err = run(capsys, "init", "--org", "测试有限公司", "--admin", "alice", *common)
    assert code == 0, err
    return common


def _audit_count(capsys, common) -> int:
    code, out, _ = run(capsys, "audit", "list", "--limit", "500", "--json", "--user", "alice", *common)
    assert code == 0
    return sum(1 for e in json.loads(out) if e["action"] == "bank.statement_imported")


def test_dry_run_reports_each_statement_without_the_account(ledger, capsys):
    code, out, err = run(capsys, "statement", "import", str(FI_053), "--dry-run", "--user", "alice", "--json",
                         *ledger)
    assert code == 0, err
    data = json.loads(out)
    assert data["ok"] is True and data["dry_run"] is True and data["format"] == "camt.053.001.02"
    (st,) = data["statements"]
    assert (st["account"], st["currency"], st["period_from"], st["period_to"]) == (
        "FI7433010001222090", "EUR", "2009-10-29", "2009-10-29")
    assert (st["opening_minor"], st["closing_minor"], st["entries"]) == (1000000, 2364483, 13)
    assert (st["credits"], st["debits"], st["ledger_accounts"]) == ("23,075.00", "-9,430.17", [])
    assert st["opening_minor"] + st["credits_minor"] + st["debits_minor"] == st["closing_minor"]
    code, out, _ = run(capsys, "statement", "import", str(FI_053), "--dry-run", *ledger)   # text, no user
    assert code == 0 and "FI7433010001222090" in out and "23,644.83" in out


def test_dry_run_of_an_unreadable_file_exits_2_with_the_reasons(ledger, capsys, tmp_path):
    code, out, _ = run(capsys, "statement", "import", str(FLOAT_ARTEFACT), "--dry-run", "--json", *ledger)
    data = json.loads(out)
    assert code == 2 and data["ok"] is False and data["exit_status"] == 2
    assert data["error"]["code"] == "AMOUNT_SCALE" and "66.0000000000001" in json.dumps(data["problems"])
    bomb = tmp_path / "bomb.xml"
    bomb.write_bytes(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Document/>')
    code, out, _ = run(capsys, "statement", "import", str(bomb), "--dry-run", "--json", *ledger)
    assert code == 2 and json.loads(out)["error"]["code"] == "FILE_XML"
    code, _out, err = run(capsys, "statement", "import", str(tmp_path / "nope.sta"), "--dry-run", *ledger)
    assert code == 2 and "FILE_NOT_FOUND" in err


def test_unknown_account_is_refused_then_import_once(ledger, capsys):
    before = _audit_count(capsys, ledger)
    code, out, _ = run(capsys, "statement", "import", str(FI_053), "--user", "alice", "--json", *ledger)
    assert code == 2 and json.loads(out)["error"]["code"] == "ACCOUNT_UNKNOWN"
    assert _audit_count(capsys, ledger) == before
    code, _out, err = run(capsys, "account", "add", "--bank-name", "Nordea", "--bank-code",
                          "30858400001" + cnaps_check_digit("30858400001"), "--number", "33010001222090", "--name",
                          "测试有限公司", "--currency", "EUR", "--user", "alice", *ledger)
    assert code == 0, err
    code, out, err = run(capsys, "statement", "import", str(FI_053), "--user", "alice", "--json", *ledger)
    assert code == 0, err
    data = json.loads(out)
    assert (data["new"], data["skipped"], data["statements"][0]["account_number"]) == (13, 0, "33010001222090")
    code, out, _ = run(capsys, "statement", "import", str(FI_053), "--account", "33010001222090", "--user", "alice",
                       "--json", *ledger)
    assert code == 0 and (json.loads(out)["new"], json.loads(out)["skipped"]) == (0, 13)
    code, out, _ = run(capsys, "statement", "import", str(FI_053), "--user", "alice", *ledger)
    assert code == 0 and "0 new entries, 13 skipped" in out
    assert _audit_count(capsys, ledger) == before + 3


def test_import_needs_a_user(ledger, capsys):
    code, _out, err = run(capsys, "statement", "import", str(FI_053), *ledger)
    assert code == 2 and "USER_REQUIRED" in err
