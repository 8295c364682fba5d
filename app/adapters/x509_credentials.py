"""Reads certificates and client keys (PEM or PKCS#12) with ``cryptography``; implements
``app.ports.banking.CredentialReader``. Keys leave here as unencrypted PKCS#8 PEM, for the SecretStore only."""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from app.domain.banking import CertificateFacts
from app.domain.errors import Problem

_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)
_PIN = re.compile(r"sha256/[A-Za-z0-9+/]{43}=")


def _name(name: x509.Name) -> str:
    return name.rfc4514_string() or "(empty)"


def _facts(cert: x509.Certificate) -> CertificateFacts:
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return CertificateFacts(
        subject=_name(cert.subject), issuer=_name(cert.issuer), not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc, fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
        spki_pin="sha256/" + base64.b64encode(hashlib.sha256(spki).digest()).decode())


def _load_all(data: bytes) -> list[x509.Certificate]:
    blocks = _PEM_CERT.findall(data)
    if blocks:
        return [x509.load_pem_x509_certificate(b) for b in blocks]
    if data.lstrip().startswith(b"-----"):
        raise ValueError("no PEM certificate block found")
    return [x509.load_der_x509_certificate(data)]


def _key_pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def _public_der(obj) -> bytes:
    return obj.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


class X509CredentialReader:
    def certificate(self, data: bytes) -> CertificateFacts:
        return self.certificates(data)[0]

    def certificates(self, data: bytes) -> list[CertificateFacts]:
        try:
            certs = _load_all(data)
        except Exception as exc:
            raise ValueError(f"not a readable X.509 certificate ({exc})") from None
        if not certs:
            raise ValueError("no certificate found")
        return [_facts(c) for c in certs]

    def normalise_pem(self, data: bytes) -> str:
        certs = _load_all(data)
        return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certs)

    def spki_pin(self, cert_pem: bytes) -> str:
        return self.certificate(cert_pem).spki_pin

    def pin_problem(self, pin: str) -> str | None:
        text = pin.strip() if isinstance(pin, str) else ""
        if not _PIN.fullmatch(text):
            return f"{pin!r} is not a pin of the form sha256/<44 base64 characters>"
        if len(base64.b64decode(text[7:])) != 32:
            return f"{pin!r} does not hold a 32-byte SHA-256 digest"
        return None

    def client_credentials(self, cert_data: bytes, key_data: bytes | None, password: str | None,
                           *, pkcs12: bool) -> tuple[str, str, list[Problem]]:
        pw = password.encode("utf-8") if password else None
        if pkcs12:
            return self._pkcs12(cert_data, pw)
        problems: list[Problem] = []
        try:
            certs = _load_all(cert_data)
            cert = certs[0]
        except Exception as exc:
            return "", "", [Problem("CERT_UNREADABLE", f"the client certificate cannot be read ({exc})",
                                    "client_cert_file")]
        source = key_data if key_data else cert_data
        if b"PRIVATE KEY" not in source:
            return "", "", [Problem("KEY_MISSING", "no private key given for the client certificate: choose its "
                                    "key file (PEM) or import a PKCS#12 (.p12/.pfx) file", "client_key_file")]
        try:
            key = serialization.load_pem_private_key(source, password=pw)
        except TypeError:
            return "", "", [Problem("KEY_PASSWORD", "the private key is encrypted: give its password"
                                    if pw is None else "the key is not encrypted, or the password is wrong",
                                    "client_key_password")]
        except ValueError as exc:
            code = "KEY_PASSWORD" if pw is not None and "password" in str(exc).lower() else "KEY_UNREADABLE"
            msg = ("wrong password for the private key" if code == "KEY_PASSWORD"
                   else f"the private key cannot be read ({exc})")
            return "", "", [Problem(code, msg, "client_key_password" if code == "KEY_PASSWORD" else "client_key_file")]
        if _public_der(key.public_key()) != _public_der(cert.public_key()):
            problems.append(Problem("KEY_MISMATCH", "the private key does not belong to the client certificate",
                                    "client_key_file"))
            return "", "", problems
        cert_pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certs)
        return cert_pem, _key_pem(key), problems

    def _pkcs12(self, data: bytes, pw: bytes | None) -> tuple[str, str, list[Problem]]:
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, pw)
        except ValueError as exc:
            text = str(exc).lower()
            if "password" in text or "mac" in text or "decrypt" in text:
                return "", "", [Problem("KEY_PASSWORD", "wrong password for the PKCS#12 file", "client_key_password")]
            return "", "", [Problem("CERT_UNREADABLE", f"the PKCS#12 file cannot be read ({exc})",
                                    "client_cert_file")]
        except TypeError:
            return "", "", [Problem("KEY_PASSWORD", "the PKCS#12 file needs a password", "client_key_password")]
        if cert is None:
            return "", "", [Problem("CERT_UNREADABLE", "the PKCS#12 file holds no certificate", "client_cert_file")]
        if key is None:
            return "", "", [Problem("KEY_MISSING", "the PKCS#12 file holds no private key", "client_cert_file")]
        if _public_der(key.public_key()) != _public_der(cert.public_key()):
            return "", "", [Problem("KEY_MISMATCH", "the PKCS#12 key does not belong to its certificate",
                                    "client_cert_file")]
        chain = [cert, *(extra or [])]
        cert_pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in chain)
        return cert_pem, _key_pem(key), []
