"""``bankdirect demo --setup-only`` enrols the signer's SoftHSM2 token (PIN 123456); ``bankdirect sign
--all-approved`` signs with BANKDIRECT_PIN; ``batches list/show/verify``; wrong or missing PIN → exit 2 and
nothing stored."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.services.demo_data import DEMO_PASSWORD
from tests.hsm.conftest import requires_softhsm


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip() else None), out.err


@pytest.fixture
def demo_dir(tmp_path, monkeypatch, capsys):
    from app.adapters.password_hasher import Argon2PasswordHasher

    monkeypatch.setattr("app.bootstrap.Argon2PasswordHasher", Argon2PasswordHasher.for_tests)
    monkeypatch.setenv("BANKDIRECT_PASSWORD", DEMO_PASSWORD)
    monkeypatch.delenv("BANKDIRECT_PIN", raising=False)
    common = ["--data-dir", str(tmp_path / "demo")]
    code, out, err = run(capsys, "demo", "--setup-only", "--json", *common)
    assert code == 0, err
    assert (tmp_path / "demo" / "softhsm" / "tokens").is_dir()
    code, _, err = run(capsys, "demo", "--setup-only", "--json", *common)  # idempotent
    assert code == 0, err
    return common


@requires_softhsm
def test_sign_all_approved_end_to_end(demo_dir, capsys, monkeypatch):
    common = demo_dir
    code, ready, _ = run(capsys, "batches", "ready", "--user", "signer", "--json", *common)
    assert code == 0 and len(ready) == 1 and ready[0]["total_in_words"]

    code, out, _ = run(capsys, "sign", "--all-approved", "--user", "signer", "--json", *common)
    assert code == 2 and out["error"]["code"] == "PIN_REQUIRED"  # no BANKDIRECT_PIN, no terminal

    monkeypatch.setenv("BANKDIRECT_PIN", "999999")
    code, out, _ = run(capsys, "sign", "--all-approved", "--user", "signer", "--json", *common)
    assert code == 2 and out["error"]["code"] == "PIN_INCORRECT"
    code, listed, _ = run(capsys, "batches", "list", "--user", "signer", "--json", *common)
    assert listed == []

    monkeypatch.setenv("BANKDIRECT_PIN", "123456")
    code, out, err = run(capsys, "sign", "--all-approved", "--user", "signer", "--json", *common)
    assert code == 0, err
    assert out["token_operations"] == 1 and len(out["batches"]) == 1
    batch = out["batches"][0]
    assert batch["batch_id"] == ready[0]["batch_key"] and batch["digest"] == ready[0]["digest"]

    code, payments, _ = run(capsys, "payments", "list", "--status", "SIGNED", "--user", "signer", "--json", *common)
    assert [p["id"] for p in payments] == ready[0]["payment_ids"]
    code, shown, _ = run(capsys, "batches", "show", batch["batch_id"], "--user", "auditor", "--json", *common)
    assert code == 0 and shown["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
    code, report, _ = run(capsys, "batches", "verify", batch["batch_id"], "--user", "auditor", "--json", *common)
    assert code == 0 and report["ok"] and report["signature_ok"]
    code, out, _ = run(capsys, "sign", "--all-approved", "--user", "signer", "--json", *common)
    assert code == 0 and out["batches"] == []


@requires_softhsm
def test_maker_cannot_sign(demo_dir, capsys, monkeypatch):
    monkeypatch.setenv("BANKDIRECT_PIN", "123456")
    code, out, _ = run(capsys, "sign", "--all-approved", "--user", "maker", "--json", *demo_dir)
    assert code == 2 and out["error"]["code"] == "PERMISSION_DENIED"


def test_demo_without_softhsm_gets_a_software_key(tmp_path, monkeypatch, capsys):
    from app.adapters.password_hasher import Argon2PasswordHasher

    monkeypatch.setattr("app.bootstrap.Argon2PasswordHasher", Argon2PasswordHasher.for_tests)
    monkeypatch.setattr("app.adapters.softhsm.softhsm_available", lambda *a: False)
    monkeypatch.setenv("BANKDIRECT_PASSWORD", DEMO_PASSWORD)
    monkeypatch.delenv("BANKDIRECT_PIN", raising=False)
    common = ["--data-dir", str(tmp_path / "demo")]
    for _ in range(2):  # idempotent
        code, _, err = run(capsys, "demo", "--setup-only", "--json", *common)
        assert code == 0, err
    assert (tmp_path / "demo" / "signing" / "signer.p12").is_file()
    assert not (tmp_path / "demo" / "softhsm").exists()
    code, out, err = run(capsys, "sign", "--all-approved", "--user", "signer", "--json", *common)
    assert code == 0, err  # no PIN needed: the key password comes from the secret store
    assert out["token_operations"] == 1 and out["batches"][0]["algorithm"] == "ECDSA-P256-SHA256"
