"""X509SignatureVerifier: the certificate and signature checks SigningService needs (app.ports.signing_batches.
SignatureVerifier), with ``cryptography``. Signatures are SHA-256: RSA PKCS#1 v1.5 or ECDSA (DER)."""

from __future__ import annotations

from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from app.adapters.software_signer import (
    EC_ALGORITHM,
    RSA_ALGORITHM,
    algorithm_for_public_key,
    certificate_signer_id,
    check_certificate_validity,
    load_certificate,
)


def _pem(certificate_pem: str | bytes) -> bytes:
    return certificate_pem.encode("ascii") if isinstance(certificate_pem, str) else bytes(certificate_pem)


class X509SignatureVerifier:
    def check_validity(self, certificate_pem: str | bytes, now: datetime) -> None:
        check_certificate_validity(load_certificate(_pem(certificate_pem)), now)

    def signer_id(self, certificate_pem: str | bytes) -> str:
        return certificate_signer_id(_pem(certificate_pem))

    def verify(self, certificate_pem: str | bytes, algorithm: str, signature: bytes, message: bytes) -> bool:
        public = load_certificate(_pem(certificate_pem)).public_key()
        if algorithm_for_public_key(public) != algorithm:
            return False
        try:
            if algorithm == RSA_ALGORITHM and isinstance(public, rsa.RSAPublicKey):
                public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
            elif algorithm == EC_ALGORITHM and isinstance(public, ec.EllipticCurvePublicKey):
                public.verify(signature, message, ec.ECDSA(hashes.SHA256()))
            else:
                return False
        except InvalidSignature:
            return False
        return True
