"""Signing ports: how the core asks for a PIN without knowing Qt, and what a batch signer offers.

The flow (Electrum's hw_wallet pattern, DESIGN.md examples 1–2): a service calls ``signer.sign_digest(...)``
on a background thread; the signer reads the token's state on its own token thread, then calls
``interaction.ask_pin(token_label, warnings)`` *on the caller's thread* (never on the token thread, so a UI
that marshals the dialog onto the GUI thread cannot deadlock the token), then performs the login and the one
signature on the token thread. The PIN lives only in local variables for that call: never stored or logged.

Errors (DESIGN.md rule 6): wrong PIN → :class:`PinIncorrect` (a DomainError, code ``PIN_INCORRECT``, carrying the
token's warning flags so the next prompt can say "final try"); locked → ``PinLocked``; token absent or removed
mid-operation → ``TokenNotPresent``; the user cancels the prompt → ``UserCancelled``; certificate outside its
validity → DomainError ``CERT_EXPIRED`` / ``CERT_NOT_YET_VALID``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol, runtime_checkable

from app.domain.errors import DomainError


class TokenWarning(str, Enum):
    """Token flags worth telling the user before a PIN attempt (PKCS#11 CK_TOKEN_INFO.flags)."""

    PIN_COUNT_LOW = "pin_count_low"  # CKF_USER_PIN_COUNT_LOW: at least one wrong PIN since the last success
    PIN_FINAL_TRY = "pin_final_try"  # CKF_USER_PIN_FINAL_TRY: one more wrong PIN locks the token
    PIN_LOCKED = "pin_locked"  # CKF_USER_PIN_LOCKED (a signer raises PinLocked instead of asking)
    PIN_TO_BE_CHANGED = "pin_to_be_changed"  # CKF_USER_PIN_TO_BE_CHANGED


class PinIncorrect(DomainError):
    """The token refused the PIN. ``warnings`` are the token's flags read right after the refusal."""

    def __init__(self, token_label: str, warnings: Sequence[TokenWarning] = ()):
        self.warnings = tuple(warnings)
        extra = ""
        if TokenWarning.PIN_FINAL_TRY in self.warnings:
            extra = " One more wrong PIN will lock the token."
        elif TokenWarning.PIN_COUNT_LOW in self.warnings:
            extra = " The token counts wrong PINs: it locks after a few more."
        super().__init__("PIN_INCORRECT", f"Wrong PIN for token '{token_label}'.{extra}", "pin")
        self.token_label = token_label

    def to_dict(self) -> dict:
        return {**super().to_dict(), "warnings": [w.value for w in self.warnings]}


class SigningInteraction(Protocol):
    """Implemented by the UI (a Qt dialog bridged by signal + threading.Event) and the CLI (BANKDIRECT_PIN /
    getpass). Called on the signing caller's thread, never on the token thread."""

    def ask_pin(self, token_label: str, warnings: Sequence[TokenWarning]) -> str:
        """Return the PIN, or raise ``UserCancelled``."""
        ...

    def notify(self, message: str) -> None:
        """Progress or state ("Signing on token X...", "Token removed"). Never carries a PIN."""
        ...


@dataclass(frozen=True)
class TokenInfo:
    """A token, its key and certificate as found or provisioned (no secrets)."""

    label: str
    serial: str
    slot_id: int
    manufacturer: str
    model: str
    key_label: str
    key_id_hex: str
    key_type: str  # "rsa" | "ec"
    algorithm: str  # "RSA-SHA256" | "ECDSA-P256-SHA256" (the app/ports/bank.Signer vocabulary)
    certificate_pem: bytes
    warnings: tuple[TokenWarning, ...] = ()


@dataclass(frozen=True)
class DigestSignature:
    """A signature over a 32-byte SHA-256 digest, with what a verifier needs to check it later."""

    digest: bytes
    signature: bytes  # RSA PKCS#1 v1.5 or ECDSA DER
    algorithm: str
    certificate_pem: bytes
    signer_id: str  # SHA-256 hex of the DER certificate (the bank plugins' signer id)


@runtime_checkable
class BatchSigner(Protocol):
    """A :class:`app.ports.bank.Signer` that can also sign a precomputed SHA-256 digest (one batch, one PIN,
    one token operation). ``sign_operations`` counts signatures actually made by the key (tests, benchmark)."""

    algorithm: str
    certificate_pem: bytes

    def sign(self, data: bytes) -> bytes:
        ...

    def sign_digest(self, digest: bytes) -> DigestSignature:
        ...

    @property
    def sign_operations(self) -> int:
        ...
