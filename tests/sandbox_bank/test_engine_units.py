"""In-process checks of the ledger/engine (fake clock) and the strict amount parser."""

from __future__ import annotations

import pytest

from sandbox_bank import admin
from sandbox_bank.amounts import AmountError, format_amount, parse_amount
from sandbox_bank.engine import Engine, EngineConfig, PaymentOrder
from sandbox_bank.ledger import Ledger


@pytest.mark.parametrize(("text", "minor"), [("123.45", 12345), ("0.01", 1), ("7", 700), ("7.5", 750)])
def test_parse_amount(text, minor):
    assert parse_amount(text) == minor
    assert parse_amount(format_amount(minor)) == minor


@pytest.mark.parametrize(
    "text",
    [
        "1e2",
        "NaN",
        "Infinity",
        "１２３",
        "١٢٣",
        "1_000",
        "1,000.00",
        "1.001",
        "-1",
        "01",
        " 1",
        "1\u00a0",
        "",
        "0x10",
        "1" * 16,
    ],
)
def test_parse_amount_rejects(text):
    with pytest.raises(AmountError) as err:
        parse_amount(text)
    assert err.value.code == "FMT_AMOUNT"


def test_zero_is_not_positive():
    with pytest.raises(AmountError) as err:
        parse_amount("0.00")
    assert err.value.code == "AMOUNT_NOT_POSITIVE"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def order(ref: str, amount: int = 1000) -> PaymentOrder:
    return PaymentOrder(ref, "1000000101", "6217000000123456", "payee", "bank", amount, "CNY", "p")


@pytest.fixture
def engine(tmp_path):
    state = tmp_path / "s"
    admin.init_state(state, accounts=[admin.DemoAccount("1000000101", "payer", 100_000)])
    ledger = Ledger(state)
    yield Engine(ledger, EngineConfig(processing_delay=1, settle_delay=1, settle_lag=0.5), clock=Clock())
    ledger.close()


def test_states_follow_the_clock_and_execute_once(engine):
    clock = engine.clock
    [res] = engine.submit([order("U-1")], body_sha256="x", signer=None)
    assert res.instruction.state == "RECEIVED"
    assert engine.status_by_reference("U-1") == []  # settle lag: not visible yet
    clock.now += 1.2
    assert engine.status_by_reference("U-1")[0].state == "PROCESSING"
    clock.now += 1.0
    for _ in range(3):
        engine.advance()
    assert engine.status_by_reference("U-1")[0].state == "SUCCEEDED"
    assert engine.ledger.account("1000000101").balance_minor == 99_000
    assert len(engine.ledger.query("SELECT * FROM entries WHERE kind = 'PAYMENT'")) == 1


def test_insufficient_funds_leaves_balance(engine):
    engine.submit([order("U-2", 100_001)], body_sha256="x", signer=None)
    engine.clock.now += 3
    [ins] = engine.status_by_reference("U-2")
    assert (ins.state, ins.reason_code) == ("FAILED", "AM04")
    assert engine.ledger.account("1000000101").balance_minor == 100_000


def test_admin_cli_validation(tmp_path):
    from sandbox_bank.cli import main

    state = tmp_path / "s"
    assert main(["init", "--state", str(state), "--no-demo-accounts"]) == 0
    assert main(["init", "--state", str(state)]) == 2  # STATE_EXISTS
    base = ["add-account", "--state", str(state), "--name", "n", "--currency", "CNY"]
    assert main([*base, "--account", "12345678", "--bank-code", "308584000013", "--balance-minor", "500"]) == 0
    assert main([*base, "--account", "12345678", "--bank-code", "308584000013", "--balance-minor", "5"]) == 2
    assert main([*base, "--account", "12AB5678", "--bank-code", "308584000013", "--balance-minor", "5"]) == 2
    assert main([*base, "--account", "22345678", "--bank-code", "3085", "--balance-minor", "5"]) == 2
    with pytest.raises(SystemExit):
        main([*base, "--account", "32345678", "--bank-code", "308584000013", "--balance-minor", "1_000"])
    assert [b["balance_minor"] for b in admin.report(state)["balances"]] == [500]


def test_register_external_signer_certificate(tmp_path):
    import datetime as dt

    import pytest
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from sandbox_bank import admin

    state = tmp_path / "bank"
    admin.init_state(state, seed=1)
    ca_key = serialization.load_pem_private_key((state / "private" / "ca-key.pem").read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate((state / "credentials" / "ca.pem").read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)

    def make(issuer_cert, issuer_key):
        return (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "token")]))
                .issuer_name(issuer_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now).not_valid_after(now + dt.timedelta(days=30))
                .sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())

    fp = admin.register_signer_certificate(state, "token-signer", make(ca_cert, ca_key))
    assert len(fp) == 64
    other_key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(admin.AdminError) as exc:
        admin.register_signer_certificate(state, "rogue", make(ca_cert, other_key))
    assert exc.value.code == "CERT_ISSUER"
