"""``bankdirect sign`` and ``bankdirect batches list|show|verify``: batch signing with a USB key (or a software
key), and the demo's signing key. Same conventions as app/cli.py (``--json``, exit statuses 0/2/3/4, ``--user``
with BANKDIRECT_PASSWORD).

The token PIN comes from BANKDIRECT_PIN, else a getpass prompt on a terminal, else PIN_REQUIRED (exit 2). A wrong
PIN is PIN_INCORRECT (exit 2, nothing stored); a locked token is PIN_LOCKED (exit 3).
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app.domain.errors import DomainError
from app.domain.money import format_amount
from app.ports.signing import TokenWarning

ENV_PIN = "BANKDIRECT_PIN"
DEMO_TOKEN_PIN = "123456"
DEMO_SO_PIN = "12345678"
DEMO_TOKEN_LABEL = "signer"
DEMO_KEY_LABEL = "signing-key"
DEMO_SIGNER = "signer"


def _out():
    from app.cli import _print_json, _table

    return _print_json, _table


class CliSigningInteraction:
    """PIN from BANKDIRECT_PIN, else asked on the terminal; never stored beyond the call, never printed."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet

    def ask_pin(self, token_label: str, warnings: Sequence[TokenWarning]) -> str:
        pin = os.environ.get(ENV_PIN)
        if pin:
            return pin
        if not sys.stdin.isatty():
            raise DomainError("PIN_REQUIRED", f"set {ENV_PIN} or run on a terminal to be asked for the PIN of "
                              f"token '{token_label}'", "pin")
        if TokenWarning.PIN_FINAL_TRY in warnings:
            print("warning: one more wrong PIN locks the token", file=sys.stderr)
        elif TokenWarning.PIN_COUNT_LOW in warnings:
            print("warning: the token has counted wrong PINs", file=sys.stderr)
        return getpass.getpass(f"PIN of token '{token_label}': ")

    def notify(self, message: str) -> None:
        if not self.quiet:
            print(message, file=sys.stderr)


def _preview_view(b) -> dict:
    return {"batch_key": b.batch_key, "debit_account": b.debit_account, "bank": b.bank, "currency": b.currency,
            "count": b.count, "total_minor": b.total_minor, "total": format_amount(b.total_minor),
            "total_in_words": b.total_in_words, "digest": b.digest, "merkle_root": b.merkle_root,
            "payment_ids": list(b.payment_ids)}


def _batch_view(b) -> dict:
    return {"batch_id": b.batch_id, "debit_account": b.debit_account, "bank": b.bank, "currency": b.currency,
            "count": b.count, "total_minor": b.total_minor, "total": format_amount(b.total_minor),
            "merkle_root": b.merkle_root, "digest": b.digest, "signature": b.signature.hex(),
            "algorithm": b.algorithm, "signer": b.signer_name, "signer_cert_id": b.signer_cert_id,
            "signed_at": b.signed_at, "payment_ids": list(b.payment_ids)}


def cmd_sign(cli) -> int:
    print_json, _ = _out()
    a = cli.args
    if bool(a.batch_key) == bool(a.all_approved):
        raise DomainError("FIELD_REQUIRED", "give one BATCH_KEY or --all-approved", "batch")
    actor = cli.actor()
    signing = cli.services.signing
    signer = signing.signer_for(actor, CliSigningInteraction(quiet=cli.json))
    if a.all_approved:
        if not signing.ready_batches(actor):
            print_json({"ok": True, "batches": []}) if cli.json else print("no approved payments wait for a "
                                                                           "signature")
            return 0
        batches = signing.sign_all_ready(actor, signer)
    else:
        batches = [signing.sign_batch(actor, a.batch_key, signer)]
    if cli.json:
        print_json({"ok": True, "batches": [_batch_view(b) for b in batches],
                    "token_operations": signer.sign_operations})
    else:
        for b in batches:
            print(f"batch {b.batch_id} signed: {b.count} payment(s), {format_amount(b.total_minor)} {b.currency}, "
                  f"digest {b.digest}")
    return 0


def cmd_batches_ready(cli) -> int:
    print_json, table = _out()
    batches = cli.services.signing.ready_batches(cli.actor())
    if cli.json:
        print_json([_preview_view(b) for b in batches])
    else:
        table([{"batch_key": b.batch_key, "account": b.debit_account, "count": b.count,
                "total": format_amount(b.total_minor), "currency": b.currency, "words": b.total_in_words or "",
                "digest": b.digest[:16] + "…"} for b in batches],
              ["batch_key", "account", "count", "total", "currency", "words", "digest"])
    return 0


def cmd_batches_list(cli) -> int:
    print_json, table = _out()
    batches = cli.services.signing.list_batches(cli.actor())
    if cli.json:
        print_json([_batch_view(b) for b in batches])
    else:
        table([{"batch_id": b.batch_id, "account": b.debit_account, "count": b.count,
                "total": format_amount(b.total_minor), "currency": b.currency, "signer": b.signer_name,
                "signed_at": b.signed_at.isoformat(timespec="seconds")} for b in batches],
              ["batch_id", "account", "count", "total", "currency", "signer", "signed_at"])
    return 0


def cmd_batches_show(cli) -> int:
    print_json, _ = _out()
    batch = cli.services.signing.get_batch(cli.actor(), cli.args.id)
    view = _batch_view(batch)
    if cli.json:
        print_json({**view, "certificate_pem": batch.certificate_pem})
    else:
        for key, value in view.items():
            print(f"{key}: {value}")
    return 0


def cmd_batches_verify(cli) -> int:
    print_json, table = _out()
    report = cli.services.signing.verify_batch(cli.actor(), cli.args.id)
    if cli.json:
        print_json({"ok": report.ok, "batch_id": report.batch_id, "signature_ok": report.signature_ok,
                    "header_ok": report.header_ok, "payments": report.payments})
    else:
        print(f"batch {report.batch_id}: {'OK' if report.ok else 'FAILED'} (signature "
              f"{'ok' if report.signature_ok else 'BAD'}, header {'ok' if report.header_ok else 'BAD'})")
        table([{"payment": p.payment_id, "index": str(p.index), "proof": "ok" if p.proof_ok else "BAD",
                "content": "ok" if p.content_ok else "CHANGED"} for p in report.payments],
              ["payment", "index", "proof", "content"])
    return 0 if report.ok else 4


# -- demo signing key ---------------------------------------------------------------------------------------

def provision_demo_signer(ctx, state_dir: Path) -> str:
    """The demo user ``signer`` gets a SoftHSM2 token (label "signer", PIN 123456) under DATA_DIR/softhsm when
    SoftHSM2 is installed, else a PKCS#12 software key (password in the SecretStore); its certificate is issued by
    the sandbox bank's CA and known to the sandbox bank. Idempotent. Returns the key kind ("" when skipped)."""
    from app.adapters.softhsm import softhsm_available
    from app.services.demo_data import DEMO_PASSWORD

    services = ctx.services
    if services.signing is None:
        return ""
    signer_actor = services.auth.login(DEMO_SIGNER, DEMO_PASSWORD)
    existing = services.signing.signing_key(signer_actor)
    if existing is not None and _profile_usable(existing):
        return existing.kind
    admin = services.auth.login("admin", DEMO_PASSWORD)
    if softhsm_available():
        profile = _demo_token(ctx, state_dir)
    else:
        profile = _demo_software_key(ctx, state_dir)
    services.signing.save_signing_key(admin, DEMO_SIGNER, profile)
    return profile.kind


def _profile_usable(profile) -> bool:
    if profile.kind == "pkcs11":
        return profile.token_dir is None or Path(profile.token_dir, "tokens").is_dir()
    return bool(profile.key_path) and Path(profile.key_path).is_file()


def _demo_token(ctx, state_dir: Path):
    import shutil

    from app.adapters.pkcs11_signer import SOFTHSM_MODULE
    from app.adapters.softhsm import provision_token
    from app.ports.signing_batches import KEY_KIND_PKCS11, SigningKeyProfile
    from sandbox_bank.admin import register_signer_certificate

    token_dir = ctx.config.data_dir / "softhsm"
    if token_dir.exists():  # a half-made token directory from an interrupted run: start over
        shutil.rmtree(token_dir)
    ca = ((state_dir / "credentials" / "ca.pem").read_bytes(), (state_dir / "private" / "ca-key.pem").read_bytes())
    info = provision_token(token_dir, DEMO_TOKEN_LABEL, DEMO_SO_PIN, DEMO_TOKEN_PIN, "ec", "signer 陈出纳 (DEMO)",
                           ca, key_label=DEMO_KEY_LABEL)
    pem = info.certificate_pem.decode("ascii")
    register_signer_certificate(state_dir, "bankdirect-demo-token", pem)
    return SigningKeyProfile(user_id=0, kind=KEY_KIND_PKCS11, certificate_pem=pem, module_path=SOFTHSM_MODULE,
                             token_label=DEMO_TOKEN_LABEL, key_label=DEMO_KEY_LABEL, token_dir=str(token_dir))


def _demo_software_key(ctx, state_dir: Path):
    import secrets

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    from app.ports.signing_batches import KEY_KIND_SOFTWARE, SigningKeyProfile
    from sandbox_bank.admin import issue_signer

    issued = issue_signer(state_dir, "bankdirect-demo-key", "ec")
    key = serialization.load_pem_private_key(Path(issued.key_path).read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate(issued.cert_pem.encode("ascii"))
    password = secrets.token_urlsafe(24)
    secret_name = f"signing/{DEMO_SIGNER}/key-password"
    ctx.secret_store.set_secret(secret_name, password)
    folder = ctx.config.data_dir / "signing"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{DEMO_SIGNER}.p12"
    data = pkcs12.serialize_key_and_certificates(b"bankdirect demo signer", key, cert, None,  # type: ignore[arg-type]
                                                 serialization.BestAvailableEncryption(password.encode()))
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return SigningKeyProfile(user_id=0, kind=KEY_KIND_SOFTWARE, certificate_pem=issued.cert_pem,
                             key_path=str(path), password_secret=secret_name)


def register(sub, add) -> None:
    sp = add(sub, "sign", cmd_sign, "sign a batch of approved payments (PIN: BANKDIRECT_PIN or prompt)")
    sp.add_argument("batch_key", nargs="?", metavar="BATCH_KEY", help="a key from `bankdirect batches ready`")
    sp.add_argument("--all-approved", action="store_true", help="sign every batch of approved payments")

    bat = sub.add_parser("batches", help="batches ready to sign and signed batches").add_subparsers(
        dest="command", metavar="ACTION", required=True)
    add(bat, "ready", cmd_batches_ready, "batches of approved payments ready to sign, with their digests")
    add(bat, "list", cmd_batches_list, "signed batches")
    sp = add(bat, "show", cmd_batches_show, "one signed batch with its signature and certificate")
    sp.add_argument("id")
    sp = add(bat, "verify", cmd_batches_verify, "re-check a signed batch's signature and every inclusion proof "
             "(exit 4 when it does not verify)")
    sp.add_argument("id")

