"""SoftwareKeySigner: a PKCS#12 (or PEM) key whose password lives in the SecretStore, for banks that allow it.

Same interface as :class:`app.adapters.pkcs11_signer.PKCS11Signer` (``app.ports.signing.BatchSigner``, hence
``app.ports.bank.Signer``): RSA-2048+ (PKCS#1 v1.5, SHA-256) or ECDSA P-256 (SHA-256, DER). The certificate's
validity window is checked before every signature. Also home of the certificate helpers both signers share.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import pkcs12

from app.domain.errors import DomainError
from app.ports.clock import Clock, SystemClock
from app.ports.secrets import SecretStore
from app.ports.signing import DigestSignature

RSA_ALGORITHM = "RSA-SHA256"
EC_ALGORITHM = "ECDSA-P256-SHA256"

# ---------------------------------------------------------------------------------------------------------
# Certificate helpers shared by the signers


def load_certificate(certificate_pem: bytes) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(certificate_pem)
    except ValueError:
        raise DomainError("CERT_FORMAT", "the signer certificate is not a readable PEM certificate") from None


def certificate_signer_id(certificate_pem: bytes) -> str:
    """SHA-256 hex of the DER certificate: the id bank plugins send (X-BD-Signer)."""
    der = load_certificate(certificate_pem).public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def check_certificate_validity(cert: x509.Certificate, now: datetime) -> None:
    """Raise DomainError CERT_NOT_YET_VALID / CERT_EXPIRED when ``now`` (UTC) is outside the validity window."""
    if now < cert.not_valid_before_utc:
        raise DomainError("CERT_NOT_YET_VALID",
                          f"the signing certificate is valid only from {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC")
    if now > cert.not_valid_after_utc:
        raise DomainError("CERT_EXPIRED",
                          f"the signing certificate expired on {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC")


def algorithm_for_public_key(public_key) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < 2048:
            raise DomainError("KEY_TOO_SMALL", "RSA signing keys must be at least 2048 bits")
        return RSA_ALGORITHM
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if not isinstance(public_key.curve, ec.SECP256R1):
            raise DomainError("KEY_CURVE", "EC signing keys must be on P-256 (secp256r1)")
        return EC_ALGORITHM
    raise DomainError("KEY_TYPE", "the signing key must be RSA or EC P-256")


def check_digest(digest: bytes) -> bytes:
    if not isinstance(digest, bytes | bytearray) or len(digest) != 32:
        raise DomainError("DIGEST_FORMAT", "a batch digest must be exactly 32 bytes (SHA-256)")
    return bytes(digest)


# ---------------------------------------------------------------------------------------------------------


class SoftwareKeySigner:
    """Sign with a key file. ``password_secret`` names the SecretStore entry holding the key's password
    (``None`` for an unencrypted PEM key, tests only)."""

    def __init__(self, key_data: bytes, secret_store: SecretStore | None, password_secret: str | None,
                 *, certificate_pem: bytes | None = None, clock: Clock | None = None):
        self._clock = clock or SystemClock()
        password = self._password(secret_store, password_secret)
        key, cert = self._load(key_data, password, certificate_pem)
        if cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo) != \
                key.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo):
            raise DomainError("CERT_KEY_MISMATCH", "the certificate does not belong to the private key")
        self._key = key
        self._cert = cert
        self.algorithm = algorithm_for_public_key(key.public_key())
        self.certificate_pem = cert.public_bytes(serialization.Encoding.PEM)
        self.signer_id = certificate_signer_id(self.certificate_pem)
        self._ops = 0
        self._lock = threading.Lock()

    @staticmethod
    def _password(store: SecretStore | None, name: str | None) -> bytes | None:
        if name is None:
            return None
        if store is None:
            raise DomainError("KEY_PASSWORD_MISSING", "no secret store to read the key password from")
        value = store.get_secret(name)  # SecretStoreUnavailable propagates as is
        if value is None:
            raise DomainError("KEY_PASSWORD_MISSING", f"the key password is not in the secret store ({name})")
        return value.encode("utf-8")

    @staticmethod
    def _load(data: bytes, password: bytes | None, certificate_pem: bytes | None):
        if data.lstrip().startswith(b"-----"):
            try:
                key = serialization.load_pem_private_key(data, password=password)
            except (ValueError, TypeError):
                raise DomainError("KEY_PASSWORD_WRONG", "the key cannot be opened with the stored password") \
                    from None
            if certificate_pem is None:
                try:
                    cert = x509.load_pem_x509_certificate(data)  # a PEM bundle with key and certificate
                except ValueError:
                    raise DomainError("CERT_MISSING", "a PEM key needs its certificate") from None
            else:
                cert = load_certificate(certificate_pem)
        else:
            try:
                key, cert, _extra = pkcs12.load_key_and_certificates(data, password)
            except ValueError:
                raise DomainError("KEY_PASSWORD_WRONG",
                                  "the PKCS#12 file cannot be opened with the stored password") from None
            if key is None:
                raise DomainError("KEY_MISSING", "the PKCS#12 file holds no private key")
            if certificate_pem is not None:
                cert = load_certificate(certificate_pem)
            if cert is None:
                raise DomainError("CERT_MISSING", "the PKCS#12 file holds no certificate")
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise DomainError("KEY_TYPE", "the signing key must be RSA or EC P-256")
        return key, cert

    @property
    def sign_operations(self) -> int:
        return self._ops

    def _check(self) -> None:
        check_certificate_validity(self._cert, self._clock.now())

    def _count(self) -> None:
        with self._lock:
            self._ops += 1

    def sign(self, data: bytes) -> bytes:
        """Detached signature over the exact bytes (app/ports/bank.Signer)."""
        self._check()
        self._count()
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))

    def sign_digest(self, digest: bytes) -> DigestSignature:
        """Signature over a SHA-256 digest; verifies as a SHA-256 signature over the digest's preimage."""
        digest = check_digest(digest)
        self._check()
        self._count()
        if isinstance(self._key, rsa.RSAPrivateKey):
            sig = self._key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        else:
            sig = self._key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        return DigestSignature(digest, sig, self.algorithm, self.certificate_pem, self.signer_id)
