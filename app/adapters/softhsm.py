"""SoftHSM2 provisioning for tests and the demo: a token, a key pair made ON the token, and its certificate.

SoftHSM2 reads ``SOFTHSM2_CONF`` when the library initialises, so :func:`use_token_dir` writes a config
for a token directory, points the environment at it and re-initialises the already-loaded library (on the token
thread) when it pointed elsewhere. Sessions opened before a switch are lost; signers open one per signature.

The certificate is made with ``cryptography`` from the token's public key and signed by the given CA key, or
by a throw-away local CA when none is given (cryptography cannot delegate a certificate signature to the token);
it is stored on the token as a CKO_CERTIFICATE with the key's id and label, and returned as PEM.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

from app.adapters.pkcs11_signer import SOFTHSM_MODULE, TokenThread, warnings_from_flags
from app.adapters.software_signer import EC_ALGORITHM, RSA_ALGORITHM
from app.domain.errors import DomainError, OperationalError
from app.ports.signing import TokenInfo

CONF_NAME = "softhsm2.conf"


def softhsm_available(module_path: str = SOFTHSM_MODULE) -> bool:
    return os.path.exists(module_path) and shutil.which("softhsm2-util") is not None


def write_config(token_dir: Path) -> Path:
    token_dir = Path(token_dir).resolve()
    tokens = token_dir / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = token_dir / CONF_NAME
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
                    "slots.removable = false\n", encoding="utf-8")
    return conf


def use_token_dir(token_dir: Path, worker: TokenThread | None = None) -> Path:
    """Point SoftHSM2 at ``token_dir`` (config written if missing); re-initialise if it was loaded elsewhere."""
    worker = worker or TokenThread.for_module(SOFTHSM_MODULE)
    conf = Path(token_dir).resolve() / CONF_NAME
    if not conf.exists():
        conf = write_config(Path(token_dir))

    def _switch() -> None:
        changed = os.environ.get("SOFTHSM2_CONF") != str(conf)
        os.environ["SOFTHSM2_CONF"] = str(conf)
        if changed and worker.loaded:
            worker.reinitialize()
    worker.run(_switch)
    return conf


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "BankDirect")])


def _local_ca() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(_name("BankDirect local token CA"))
            .issuer_name(_name("BankDirect local token CA")).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def issue_certificate(public_key, subject_cn: str, ca: tuple[bytes, bytes], *, days: int = 825,
                      not_before: dt.datetime | None = None) -> x509.Certificate:
    """A signer certificate (digitalSignature + nonRepudiation) for ``public_key``, issued by ``ca``."""
    ca_cert = x509.load_pem_x509_certificate(ca[0])
    ca_key = serialization.load_pem_private_key(ca[1], password=None)
    start = not_before or (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    return (x509.CertificateBuilder().subject_name(_name(subject_cn)).issuer_name(ca_cert.subject)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_cert_sign=False,
                                         crl_sign=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))  # type: ignore[arg-type]


def _init_token(conf: Path, label: str, so_pin: str, user_pin: str) -> None:
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    # PINs on argv are acceptable for a test/demo token only (softhsm2-util has no other non-interactive way).
    proc = subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label,  # noqa: S603, S607
                           "--so-pin", so_pin, "--pin", user_pin],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    if proc.returncode != 0:
        raise OperationalError(f"softhsm2-util could not create token '{label}': {proc.stderr.strip()}",
                               code="SOFTHSM_INIT")


def provision_token(token_dir: Path, label: str, so_pin: str, user_pin: str, key_type: str = "rsa",
                    subject_cn: str = "BankDirect signer", ca: tuple[bytes, bytes] | None = None, *,
                    key_label: str = "signing-key", key_id: bytes = b"\x01", days: int = 825,
                    not_before: dt.datetime | None = None, worker: TokenThread | None = None) -> TokenInfo:
    """Create a SoftHSM2 token in ``token_dir`` with an RSA-2048 or EC P-256 key pair generated on it and a
    certificate stored beside the key. ``ca`` = (cert_pem, key_pem) of the issuing CA, or None."""
    if key_type not in ("rsa", "ec"):
        raise DomainError("KEY_TYPE", "key type must be 'rsa' or 'ec'")
    if not softhsm_available():
        raise OperationalError("SoftHSM2 is not installed (apt install softhsm2)", code="SOFTHSM_MISSING")
    worker = worker or TokenThread.for_module(SOFTHSM_MODULE)
    conf = use_token_dir(token_dir, worker)
    _init_token(conf, label, so_pin, user_pin)
    worker.reinitialize()  # the loaded library only sees the new token after a re-initialisation
    issuer = ca or _local_ca()

    def _on_token() -> TokenInfo:
        token = worker.lib().get_token(token_label=label)
        with token.open(rw=True, user_pin=user_pin) as session:
            if key_type == "rsa":
                pub, _priv = session.generate_keypair(KeyType.RSA, 2048, label=key_label, id=key_id, store=True)
                public_key = rsa.RSAPublicNumbers(int.from_bytes(pub[Attribute.PUBLIC_EXPONENT], "big"),
                                                  int.from_bytes(pub[Attribute.MODULUS], "big")).public_key()
            else:
                params = session.create_domain_parameters(
                    KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True)
                pub, _priv = params.generate_keypair(label=key_label, id=key_id, store=True)
                public_key = serialization.load_der_public_key(encode_ec_public_key(pub))
            cert = issue_certificate(public_key, subject_cn, issuer, days=days, not_before=not_before)
            der = cert.public_bytes(serialization.Encoding.DER)
            session.create_object({
                Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True, Attribute.PRIVATE: False, Attribute.LABEL: key_label, Attribute.ID: key_id,
                Attribute.SUBJECT: cert.subject.public_bytes(), Attribute.ISSUER: cert.issuer.public_bytes(),
                Attribute.VALUE: der,
            })
        token = worker.lib().get_token(token_label=label)
        return TokenInfo(
            label=label, serial=token.serial.decode("ascii", "replace"), slot_id=token.slot.slot_id,
            manufacturer=token.manufacturer_id, model=token.model, key_label=key_label, key_id_hex=key_id.hex(),
            key_type=key_type, algorithm=RSA_ALGORITHM if key_type == "rsa" else EC_ALGORITHM,
            certificate_pem=cert.public_bytes(serialization.Encoding.PEM),
            warnings=warnings_from_flags(int(token.flags)))

    return worker.run(_on_token)
