"""``bankdirect demo --setup-only --sandbox-port P`` + ``sandbox-bank serve`` + the bank commands: what the app
shows agrees with ``sandbox-bank report``; the test tool, transactions, message log export, profiles."""

from __future__ import annotations

import datetime as dt
import json
import socket

import pytest

from app.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_bank(tmp_path_factory):
    """The demo set up through the CLI and its sandbox bank served on the chosen port."""
    from app.adapters.sandbox_bank_process import SandboxBankProcess

    mp = pytest.MonkeyPatch()
    mp.setenv("BANKDIRECT_PASSWORD", "demo-password")
    data = tmp_path_factory.mktemp("cli-demo") / "demo"
    port = free_port()
    assert main(["demo", "--setup-only", "--sandbox-port", str(port), "--data-dir", str(data), "--json"]) == 0
    proc = SandboxBankProcess(data / "sandbox-bank", port)
    proc.start()
    yield ["--data-dir", str(data)], data, port
    proc.stop()
    mp.undo()


def test_setup_only_reports_the_sandbox_and_is_repeatable(demo_bank, capsys):
    common, data, port = demo_bank
    code, out, err = run(capsys, "demo", "--setup-only", *common, "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["sandbox_port"] == port and info["sandbox_state"] == str(data / "sandbox-bank")
    code, out, _ = run(capsys, "profile", "list", "--json", *common)
    profiles = json.loads(out)
    assert [p["base_url"] for p in profiles] == [f"https://127.0.0.1:{port}"]  # one profile, not two
    assert profiles[0]["plugin_id"] == "cmb_fbsdk" and profiles[0]["has_client_key"] is True
    code, out, _ = run(capsys, "account", "list", "--json", *common)
    assert {a["connection_profile_id"] for a in json.loads(out)} == {profiles[0]["id"]}
    assert {a["plugin_id"] for a in json.loads(out)} == {"cmb_fbsdk"}


def test_balance_json_agrees_with_sandbox_report(demo_bank, capsys):
    common, data, _ = demo_bank
    code, out, err = run(capsys, "bank", "balance", "--user", "maker", "--json", "--refresh", *common)
    assert code == 0, err
    shown = {b["account_number"]: b["available_minor"] for b in json.loads(out)["balances"]}
    code, out, err = run(capsys, "sandbox-bank", "report", "--state", str(data / "sandbox-bank"), "--json")
    assert code == 0, err
    assert shown == {b["account"]: b["balance_minor"] for b in json.loads(out)["balances"]}


def test_test_connection_json(demo_bank, capsys):
    common, _, _ = demo_bank
    code, out, err = run(capsys, "bank", "test-connection", "--account", "755915678810001", "--json", *common)
    result = json.loads(out)
    assert code == 0, (out, err)
    assert result["ok"] is True and result["failed_step"] is None
    assert [s["name"] for s in result["steps"]][-1] == "bank_query"


def test_transactions_and_message_export(demo_bank, capsys, tmp_path):
    common, _, _ = demo_bank
    today = dt.datetime.now(dt.UTC).date()
    args = ("bank", "transactions", "--account", "755915678810001", "--from", str(today - dt.timedelta(days=60)),
            "--to", str(today), "--user", "maker", "--json", *common)
    code, out, err = run(capsys, *args)
    assert code == 0, err
    first = json.loads(out)
    assert first["count"] == first["new"] > 0
    assert all(isinstance(t["amount_minor"], int) for t in first["transactions"])
    code, out, _ = run(capsys, *args)
    assert json.loads(out)["new"] == 0 and json.loads(out)["count"] == first["count"]
    target = tmp_path / "messages.txt"
    code, out, err = run(capsys, "bank", "messages", "--export", str(target), "--user", "admin", "--json", *common)
    assert code == 0, err
    text = target.read_text("utf-8")
    assert "GetTransInfo" in text and "755915678810001" not in text and "****0001" in text


def test_bad_dates_and_unknown_account_are_rejected(demo_bank, capsys):
    common, _, _ = demo_bank
    code, out, _ = run(capsys, "bank", "transactions", "--account", "755915678810001", "--from", "2025-13-01",
                       "--to", "2025-12-31", "--user", "maker", "--json", *common)
    assert code == 2 and json.loads(out)["error"]["code"] == "DATE_FORMAT"
    code, out, _ = run(capsys, "bank", "balance", "--account", "999999999999", "--user", "maker", "--json", *common)
    assert code == 2 and json.loads(out)["error"]["code"] == "NOT_FOUND"


def test_profile_add_with_wrong_pin_then_test_names_pin(demo_bank, capsys):
    common, data, port = demo_bank
    c = data / "sandbox-bank" / "credentials"
    code, out, err = run(capsys, "profile", "add", "--name", "wrong-pin", "--plugin", "cmb_fbsdk", "--url",
                         f"https://127.0.0.1:{port}", "--ca", str(c / "ca.pem"), "--client-cert",
                         str(c / "demo-client.pem"), "--client-key", str(c / "demo-client-key.pem"), "--pin",
                         "sha256/" + "A" * 43 + "=", "--user", "admin", "--json", *common)
    assert code == 0, err
    code, out, _ = run(capsys, "bank", "test-connection", "--profile", "wrong-pin", "--json", *common)
    result = json.loads(out)
    assert code == 3 and result["failed_step"] == "pin"
    code, out, _ = run(capsys, "profile", "add", "--name", "x", "--plugin", "cmb_fbsdk", "--url",
                       "https://bank.example.com", "--ca", str(c / "ca.pem"), "--user", "admin", "--json", *common)
    assert code == 2 and json.loads(out)["error"]["code"] == "DEMO_LOOPBACK_ONLY"
