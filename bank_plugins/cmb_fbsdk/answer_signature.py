"""Checks the bank's signature over an answer body (sandbox dialect: ECDSA P-256/SHA-256 or RSA PKCS#1 v1.5,
signer id = SHA-256 of the DER certificate). Implements ``app.ports.bank.AnswerVerifier``."""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa


class PemAnswerVerifier:
    def __init__(self, certificate_pem: bytes):
        self._cert = x509.load_pem_x509_certificate(certificate_pem)
        self.signer_id = self._cert.fingerprint(hashes.SHA256()).hex()
        self._der = self._cert.public_bytes(serialization.Encoding.DER)

    def verify(self, body: bytes, signature: bytes, signer_id: str) -> bool:
        if signer_id.strip().lower() != self.signer_id:
            return False
        key = self._cert.public_key()
        try:
            if isinstance(key, ec.EllipticCurvePublicKey):
                key.verify(signature, body, ec.ECDSA(hashes.SHA256()))
            elif isinstance(key, rsa.RSAPublicKey):
                key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
            else:
                return False
        except (InvalidSignature, ValueError):
            return False
        return True
