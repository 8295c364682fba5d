"""Administration of a sandbox bank state directory: init, credentials, accounts, returns, report.
Also the Python API the demo set-up calls (``init_state``, ``add_account``, ``issue_client`` ...)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from sandbox_bank import pki
from sandbox_bank.engine import PAYEE_RULES, RETURN_SUFFIX, Engine
from sandbox_bank.ledger import DB_NAME, Instruction, Ledger, utc_iso

DEMO_BANK_CODE = "308584000013"  # 招商银行 (CNAPS)


class AdminError(Exception):
    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


@dataclass(frozen=True)
class DemoAccount:
    account: str
    name: str
    balance_minor: int
    single_limit_minor: int | None = None
    daily_limit_minor: int | None = None


def credentials_dir(state_dir: Path) -> Path:
    return Path(state_dir) / "credentials"


def private_dir(state_dir: Path) -> Path:
    return Path(state_dir) / "private"


def _ca(state_dir: Path) -> tuple[pki.PrivateKey, object]:
    return pki.load_key(private_dir(state_dir) / "ca-key.pem"), pki.load_cert(credentials_dir(state_dir) / "ca.pem")


def open_ledger(state_dir: Path) -> Ledger:
    if not (Path(state_dir) / DB_NAME).is_file():
        raise AdminError("STATE_MISSING", f"no sandbox bank state in {state_dir} (run `init` first)")
    return Ledger(Path(state_dir))


def demo_accounts(seed: int) -> list[DemoAccount]:
    rng = random.Random(seed)
    special = set(PAYEE_RULES) | {RETURN_SUFFIX}

    def number() -> str:
        while True:
            acc = "7559" + "".join(rng.choice("0123456789") for _ in range(11))
            if acc[-4:] not in special:
                return acc

    return [
        DemoAccount(number(), "示例科技有限公司 基本户", 100_000_000, 50_000_000, 80_000_000),
        DemoAccount(number(), "示例科技有限公司 一般户", 25_000_000),
        DemoAccount(number(), "示例贸易有限公司", 5_000_000),
    ]


def init_state(state_dir: Path, seed: int = 1, accounts: list[DemoAccount] | None = None) -> dict:
    """Create DIR/bank.sqlite3, the CA, server + bank-signing credentials, a demo client and signer."""
    state_dir = Path(state_dir)
    if (state_dir / DB_NAME).exists():
        raise AdminError("STATE_EXISTS", f"{state_dir / DB_NAME} already exists")
    creds, private = credentials_dir(state_dir), private_dir(state_dir)
    creds.mkdir(parents=True, exist_ok=True)
    private.mkdir(parents=True, exist_ok=True)
    private.chmod(0o700)
    ca_key, ca_cert = pki.make_ca()
    (creds / "ca.pem").write_bytes(pki.cert_pem(ca_cert))
    (private / "ca-key.pem").touch(mode=0o600)
    (private / "ca-key.pem").write_bytes(pki.key_pem(ca_key))
    key, cert = pki.issue(ca_key, ca_cert, "localhost", purpose="server")
    (creds / "server.pem").write_bytes(pki.cert_pem(cert))
    (private / "server-key.pem").touch(mode=0o600)
    (private / "server-key.pem").write_bytes(pki.key_pem(key))
    key, cert = pki.issue(ca_key, ca_cert, "Sandbox Bank answer signing", purpose="signer")
    (creds / "bank-signing.pem").write_bytes(pki.cert_pem(cert))
    (private / "bank-signing-key.pem").touch(mode=0o600)
    (private / "bank-signing-key.pem").write_bytes(pki.key_pem(key))
    ledger = Ledger(state_dir)
    try:
        ledger.set_meta("seed", str(seed))
        created = accounts if accounts is not None else demo_accounts(seed)
        for acc in created:
            ledger.add_account(
                acc.account,
                acc.name,
                DEMO_BANK_CODE,
                "CNY",
                acc.balance_minor,
                acc.single_limit_minor,
                acc.daily_limit_minor,
            )
    finally:
        ledger.close()
    client = issue_client(state_dir, "demo")
    signer = issue_signer(state_dir, "demo", "rsa")
    return {
        "state": str(state_dir),
        "ca": str(creds / "ca.pem"),
        "server_certificate": str(creds / "server.pem"),
        "bank_signing_certificate": str(creds / "bank-signing.pem"),
        "client": {"certificate": str(client.cert_path), "key": str(client.key_path)},
        "signer": {
            "certificate": str(signer.cert_path),
            "key": str(signer.key_path),
            "fingerprint": signer.fingerprint,
        },
        "accounts": [a.account for a in created],
    }


def _check_name(name: str) -> None:
    if not name or not all(c.isascii() and (c.isalnum() or c in "-_.") for c in name):
        raise AdminError("BAD_NAME", "name must be ASCII letters, digits, '-', '_' or '.'")


def issue_client(state_dir: Path, name: str) -> pki.Issued:
    _check_name(name)
    ledger = open_ledger(state_dir)
    try:
        ca_key, ca_cert = _ca(state_dir)
        key, cert = pki.issue(ca_key, ca_cert, f"client {name}", purpose="client")
        cert_path, key_path = pki.write_pair(credentials_dir(state_dir), f"{name}-client", key, cert)
        fp = pki.fingerprint(cert)
        ledger.register_client(fp, name, pki.cert_pem(cert).decode("ascii"))
        return pki.Issued(name, cert_path, key_path, fp, pki.cert_pem(cert).decode("ascii"), "ec")
    finally:
        ledger.close()


def issue_signer(state_dir: Path, name: str, key_type: str = "ec") -> pki.Issued:
    _check_name(name)
    if key_type not in ("rsa", "ec"):
        raise AdminError("BAD_KEY_TYPE", "key type must be rsa or ec")
    ledger = open_ledger(state_dir)
    try:
        ca_key, ca_cert = _ca(state_dir)
        key, cert = pki.issue(ca_key, ca_cert, f"signer {name}", purpose="signer", key_type=key_type)
        cert_path, key_path = pki.write_pair(credentials_dir(state_dir), f"{name}-signer", key, cert)
        fp = pki.fingerprint(cert)
        pem = pki.cert_pem(cert).decode("ascii")
        ledger.register_signer(fp, name, key_type, pem)
        return pki.Issued(name, cert_path, key_path, fp, pem, key_type)
    finally:
        ledger.close()


def register_signer_certificate(state_dir: Path, name: str, cert_pem: str) -> str:
    """Register a signer certificate made elsewhere (e.g. for a key generated on a USB token), as a bank does when
    a customer enrols a USB key. The certificate must be issued by this bank's CA. Returns its fingerprint."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    _check_name(name)
    try:
        cert = x509.load_pem_x509_certificate(cert_pem.encode("ascii"))
    except ValueError as exc:
        raise AdminError("CERT_UNREADABLE", f"not a PEM certificate: {exc}") from exc
    _ca_key, ca_cert = _ca(state_dir)
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise AdminError("CERT_ISSUER", "the certificate was not issued by this bank's CA") from exc
    public = cert.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        key_type = "rsa"
    elif isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "secp256r1":
        key_type = "ec"
    else:
        raise AdminError("BAD_KEY_TYPE", "signer keys must be RSA or EC P-256")
    fp = pki.fingerprint(cert)
    ledger = open_ledger(state_dir)
    try:
        ledger.register_signer(fp, name, key_type, pki.cert_pem(cert).decode("ascii"))
    finally:
        ledger.close()
    return fp


def add_account(
    state_dir: Path,
    account: str,
    name: str,
    bank_code: str,
    currency: str,
    balance_minor: int,
    single_limit_minor: int | None = None,
    daily_limit_minor: int | None = None,
) -> None:
    if not (account.isascii() and account.isdigit() and 6 <= len(account) <= 32):
        raise AdminError("ACCOUNT_FORMAT", "account must be 6-32 ASCII digits")
    if not (bank_code.isascii() and bank_code.isdigit() and len(bank_code) == 12):
        raise AdminError("BANK_CODE", "bank code must be a 12-digit CNAPS code")
    if currency not in ("CNY", "HKD", "USD", "EUR"):
        raise AdminError("CURRENCY", "currency must be CNY, HKD, USD or EUR")
    if balance_minor < 0 or any(v is not None and v <= 0 for v in (single_limit_minor, daily_limit_minor)):
        raise AdminError("AMOUNT_RANGE", "balance must be >= 0 and limits > 0")
    if not name.strip():
        raise AdminError("NAME", "account name is required")
    ledger = open_ledger(state_dir)
    try:
        if ledger.account(account) is not None:
            raise AdminError("ACCOUNT_EXISTS", f"account {account} already exists")
        ledger.add_account(account, name, bank_code, currency, balance_minor, single_limit_minor, daily_limit_minor)
    finally:
        ledger.close()


def return_payment(state_dir: Path, reference: str) -> Instruction:
    ledger = open_ledger(state_dir)
    try:
        return Engine(ledger).return_payment(reference)
    finally:
        ledger.close()


def report(state_dir: Path) -> dict:
    """Every executed debit (returned ones included, flagged) and every balance. Read-only."""
    ledger = open_ledger(state_dir)
    try:
        rows = ledger.query(
            "SELECT e.id, e.client_reference, e.account, i.payee_account, e.amount_minor, i.currency,"
            " e.booked_at, i.req_nbr, i.state FROM entries e JOIN instructions i ON i.id = e.instruction_id"
            " WHERE e.kind = 'PAYMENT' ORDER BY e.id"
        )
        debits = [
            {
                "client_reference": r["client_reference"],
                "debit_account": r["account"],
                "payee_account": r["payee_account"],
                "amount_minor": r["amount_minor"],
                "currency": r["currency"],
                "time": utc_iso(r["booked_at"]),
                "req_nbr": r["req_nbr"],
                "returned": r["state"] == "RETURNED",
            }
            for r in rows
        ]
        balances = [
            {"account": a.account, "name": a.name, "currency": a.currency, "balance_minor": a.balance_minor}
            for a in ledger.accounts()
        ]
        faults = [dict(r) for r in ledger.faults()]
        return {"debits": debits, "balances": balances, "faults": faults}
    finally:
        ledger.close()


def report_json(state_dir: Path) -> str:
    return json.dumps(report(state_dir), ensure_ascii=False, indent=2)
