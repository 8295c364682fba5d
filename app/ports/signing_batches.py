"""Ports of batch signing: stored signed batches, per-user signing-key profiles, signature verification and the
provider that turns a user's signing-key profile into a :class:`~app.ports.signing.BatchSigner`.

The PIN of a token is never part of any of these values; a software key's password lives in the SecretStore
under ``password_secret``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from app.ports.signing import BatchSigner, SigningInteraction

KEY_KIND_PKCS11 = "pkcs11"
KEY_KIND_SOFTWARE = "software"
KEY_KINDS = (KEY_KIND_PKCS11, KEY_KIND_SOFTWARE)


@dataclass(frozen=True)
class SigningKeyProfile:
    """Where a user's signing key is: a PKCS#11 token (module, token label, key label) or a software key file
    (PEM / PKCS#12) whose password is the SecretStore entry ``password_secret``. ``token_dir``: a SoftHSM2 token
    directory (demo and tests only; None for a real USB key)."""

    user_id: int
    kind: str
    certificate_pem: str
    module_path: str | None = None
    token_label: str | None = None
    key_label: str | None = None
    token_dir: str | None = None
    key_path: str | None = None
    password_secret: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SignedBatchItem:
    """One payment's place in a signed batch: its index, canonical leaf and inclusion proof (JSON)."""

    batch_id: str
    payment_id: int
    index: int
    leaf_json: str
    proof_json: str


@dataclass(frozen=True)
class SignedBatch:
    """A signed batch as stored: the header fields, the Merkle root, the signed digest, the signature and the
    certificate that verifies it."""

    batch_id: str
    debit_account_id: int
    debit_account: str
    bank: str
    currency: str
    count: int
    total_minor: int
    merkle_root: str          # hex
    digest: str               # hex, sha256 of the signing preimage
    signature: bytes
    algorithm: str
    certificate_pem: str
    signer_cert_id: str       # sha256 hex of the DER certificate
    signer_user_id: int
    signer_name: str
    signed_at: datetime
    payment_ids: tuple[int, ...] = field(default=())


class SignedBatchRepository(Protocol):
    def add(self, batch: SignedBatch, items: Sequence[SignedBatchItem]) -> SignedBatch: ...
    def get(self, batch_id: str) -> SignedBatch | None: ...
    def list(self, limit: int = 1000) -> list[SignedBatch]: ...
    def items(self, batch_id: str) -> list[SignedBatchItem]: ...
    def batch_of_payment(self, payment_id: int) -> str | None: ...


class SigningKeyRepository(Protocol):
    def get(self, user_id: int) -> SigningKeyProfile | None: ...
    def save(self, profile: SigningKeyProfile) -> SigningKeyProfile:
        """Insert or replace the user's profile."""
        ...


class SignatureVerifier(Protocol):
    """Certificate and signature checks the core needs without importing a crypto library."""

    def check_validity(self, certificate_pem: str | bytes, now: datetime) -> None:
        """Raise DomainError CERT_EXPIRED / CERT_NOT_YET_VALID / CERT_FORMAT."""
        ...

    def verify(self, certificate_pem: str | bytes, algorithm: str, signature: bytes, message: bytes) -> bool:
        """True if ``signature`` is a SHA-256 signature (RSA PKCS#1 v1.5 / ECDSA DER) over ``message``."""
        ...

    def signer_id(self, certificate_pem: str | bytes) -> str:
        """SHA-256 hex of the DER certificate."""
        ...


class SignerProvider(Protocol):
    def signer_for(self, profile: SigningKeyProfile, interaction: SigningInteraction) -> BatchSigner:
        """A signer for the profile's key; PINs are asked through ``interaction`` when signing."""
        ...
