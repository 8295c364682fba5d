"""SoftwareKeySigner: PKCS#12 / PEM keys whose password lives in the SecretStore (no SoftHSM needed)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from app.adapters.memory_secrets import MemorySecretStore
from app.adapters.software_signer import SoftwareKeySigner
from app.domain.errors import DomainError
from app.ports.signing import BatchSigner

SECRET = "signing/demo/p12-password"


def make_key_and_cert(kind: str, days: int = 30):
    key = rsa.generate_private_key(65537, 2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, f"soft {kind}")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=days)).sign(key, hashes.SHA256()))
    return key, cert


def verify(cert_pem, sig, message):
    public = x509.load_pem_x509_certificate(cert_pem).public_key()
    if isinstance(public, rsa.RSAPublicKey):
        public.verify(sig, message, padding.PKCS1v15(), hashes.SHA256())
    else:
        public.verify(sig, message, ec.ECDSA(hashes.SHA256()))


class Clock:
    def __init__(self, now):
        self._now = now

    def now(self):
        return self._now


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_pkcs12_with_password_in_the_secret_store(kind):
    key, cert = make_key_and_cert(kind)
    p12 = pkcs12.serialize_key_and_certificates(b"demo", key, cert, None,
                                                serialization.BestAvailableEncryption(b"s3cret-pass"))
    store = MemorySecretStore()
    store.set_secret(SECRET, "s3cret-pass")
    signer = SoftwareKeySigner(p12, store, SECRET)
    assert isinstance(signer, BatchSigner)
    assert signer.algorithm == ("RSA-SHA256" if kind == "rsa" else "ECDSA-P256-SHA256")
    verify(signer.certificate_pem, signer.sign(b"body"), b"body")
    ds = signer.sign_digest(hashlib.sha256(b"preimage").digest())
    verify(ds.certificate_pem, ds.signature, b"preimage")
    assert signer.sign_operations == 2


def test_password_missing_or_wrong():
    key, cert = make_key_and_cert("ec")
    p12 = pkcs12.serialize_key_and_certificates(b"demo", key, cert, None,
                                                serialization.BestAvailableEncryption(b"right"))
    store = MemorySecretStore()
    with pytest.raises(DomainError) as exc:
        SoftwareKeySigner(p12, store, SECRET)
    assert exc.value.code == "KEY_PASSWORD_MISSING"
    store.set_secret(SECRET, "wrong")
    with pytest.raises(DomainError) as exc:
        SoftwareKeySigner(p12, store, SECRET)
    assert exc.value.code == "KEY_PASSWORD_WRONG"


def test_pem_key_certificate_checks():
    key, cert = make_key_and_cert("ec", days=1)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(b"pw"))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    store = MemorySecretStore()
    store.set_secret(SECRET, "pw")
    later = Clock(cert.not_valid_after_utc + dt.timedelta(minutes=1))
    signer = SoftwareKeySigner(key_pem, store, SECRET, certificate_pem=cert_pem, clock=later)
    with pytest.raises(DomainError) as exc:
        signer.sign(b"x")
    assert exc.value.code == "CERT_EXPIRED" and signer.sign_operations == 0
    _other_key, other_cert = make_key_and_cert("ec")
    with pytest.raises(DomainError) as exc:
        SoftwareKeySigner(key_pem, store, SECRET,
                          certificate_pem=other_cert.public_bytes(serialization.Encoding.PEM))
    assert exc.value.code == "CERT_KEY_MISMATCH"
    signer = SoftwareKeySigner(key_pem, store, SECRET, certificate_pem=cert_pem)
    with pytest.raises(DomainError) as exc:
        signer.sign_digest(b"not 32 bytes")
    assert exc.value.code == "DIGEST_FORMAT"
