"""PKCS11Signer: a USB key (or SoftHSM2) through python-pkcs11, every token call on one dedicated thread.

* :class:`TokenThread` owns one PKCS#11 library (one per module path, process-wide, like Electrum's
  ``run_in_hwd_thread``): a single-thread executor runs every call that touches the library, its slots, tokens,
  sessions and keys. Callers on any thread block on the result; a call already on that thread runs inline.
* The PIN is asked through ``SigningInteraction.ask_pin`` on the *caller's* thread after the token's flags
  were read (warnings: PIN count low / final try; locked → ``PinLocked`` without asking), then handed to
  the token thread for the login; it lives only in locals of that call and is never stored or logged.
* One signing call = open session, login, find key, sign (1 token operation per signature), close session.
  ``sign_digest`` signs a precomputed SHA-256 digest (a whole batch): RSA via CKM_RSA_PKCS over a DER
  DigestInfo, ECDSA via CKM_ECDSA (SoftHSM has no CKM_ECDSA_SHA256) with r||s converted to DER.
  ``sign(data)`` is the ``app.ports.bank.Signer`` call: CKM_SHA256_RSA_PKCS, or host SHA-256 + CKM_ECDSA.
* Errors: wrong PIN → ``PinIncorrect`` (DomainError PIN_INCORRECT, with the flags read after the refusal);
  locked → ``PinLocked``; no token / removed / session gone mid-operation → ``TokenNotPresent`` (the library
  is re-initialised before the next call, so a re-inserted token works again).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass, TokenFlag
from pkcs11 import exceptions as p11

from app.adapters.software_signer import (
    EC_ALGORITHM,
    RSA_ALGORITHM,
    algorithm_for_public_key,
    certificate_signer_id,
    check_certificate_validity,
    check_digest,
    load_certificate,
)
from app.domain.errors import DomainError, OperationalError, PinLocked, TokenNotPresent
from app.ports.clock import Clock, SystemClock
from app.ports.signing import DigestSignature, PinIncorrect, SigningInteraction, TokenInfo, TokenWarning

log = logging.getLogger(__name__)

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
# DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1): what CKM_RSA_PKCS needs for a host-made hash.
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")

CKF_USER_PIN_COUNT_LOW = 0x00010000
CKF_USER_PIN_FINAL_TRY = 0x00020000
CKF_USER_PIN_LOCKED = 0x00040000
CKF_USER_PIN_TO_BE_CHANGED = 0x00080000

# Errors meaning "the token or its session went away" (removed mid-operation, slot emptied, library lost it).
_GONE = (p11.TokenNotPresent, p11.DeviceRemoved, p11.SessionClosed, p11.SessionHandleInvalid,
         p11.ObjectHandleInvalid, p11.KeyHandleInvalid, p11.DeviceError, p11.GeneralError, p11.NoSuchToken,
         p11.SlotIDInvalid, p11.TokenNotRecognised)

T = TypeVar("T")


def warnings_from_flags(flags: int) -> tuple[TokenWarning, ...]:
    out = []
    if flags & CKF_USER_PIN_COUNT_LOW:
        out.append(TokenWarning.PIN_COUNT_LOW)
    if flags & CKF_USER_PIN_FINAL_TRY:
        out.append(TokenWarning.PIN_FINAL_TRY)
    if flags & CKF_USER_PIN_LOCKED:
        out.append(TokenWarning.PIN_LOCKED)
    if flags & CKF_USER_PIN_TO_BE_CHANGED:
        out.append(TokenWarning.PIN_TO_BE_CHANGED)
    return tuple(out)


class TokenThread:
    """The one thread that owns a PKCS#11 library. Obtain it with :meth:`for_module`."""

    _registry: dict[str, TokenThread] = {}
    _registry_lock = threading.Lock()

    def __init__(self, module_path: str):
        self.module_path = module_path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pkcs11-token")
        self._ident: int | None = None
        self._lib: Any = None
        self._needs_reinit = False
        self.calls = 0  # token-thread tasks run (every library interaction goes through one)
        self.executed_on: set[int] = set()  # thread idents that ran token code (must stay one)

    @classmethod
    def for_module(cls, module_path: str = SOFTHSM_MODULE) -> TokenThread:
        with cls._registry_lock:
            worker = cls._registry.get(module_path)
            if worker is None:
                worker = cls._registry[module_path] = cls(module_path)
            return worker

    # -- running on the token thread -------------------------------------------------------------------

    def on_token_thread(self) -> bool:
        return self._ident == threading.get_ident()

    def assert_owner(self) -> None:
        if not self.on_token_thread():
            raise RuntimeError("PKCS#11 call outside the token thread")

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self.on_token_thread():
            return fn(*args)
        return self._executor.submit(self._enter, fn, *args).result()

    def _enter(self, fn: Callable[..., T], *args: Any) -> T:
        self._ident = threading.get_ident()
        self.executed_on.add(self._ident)
        self.calls += 1
        return fn(*args)

    # -- the library (token thread only) ---------------------------------------------------------------

    def lib(self):
        self.assert_owner()
        if not os.path.exists(self.module_path):
            raise TokenNotPresent(f"the PKCS#11 module {self.module_path} is not installed", code="PKCS11_MODULE")
        if self._lib is None:
            self._lib = pkcs11.lib(self.module_path)
        elif self._needs_reinit:
            self._lib.reinitialize()
        self._needs_reinit = False
        return self._lib

    def mark_lost(self) -> None:
        """After a removal: re-initialise the library before the next call (re-scans slots and tokens)."""
        self._needs_reinit = True

    def reinitialize(self) -> None:
        """Finalize + initialize (token thread): picks up new tokens and a changed configuration."""
        def _do() -> None:
            if self._lib is not None:
                self._lib.reinitialize()
            self._needs_reinit = False
        self.run(_do)

    @property
    def loaded(self) -> bool:
        return self._lib is not None


class PKCS11Signer:
    """Sign with a key on a PKCS#11 token. Select the token by ``token_label`` / ``token_serial`` / ``slot_id``
    (none: the only initialised token) and the key by ``key_label`` / ``key_id`` (none: the only private key).
    The certificate is read from the token (CKO_CERTIFICATE with the key's id or label) unless given."""

    def __init__(self, interaction: SigningInteraction, *, module_path: str = SOFTHSM_MODULE,
                 token_label: str | None = None, token_serial: str | None = None, slot_id: int | None = None,
                 key_label: str | None = None, key_id: bytes | None = None, certificate_pem: bytes | None = None,
                 clock: Clock | None = None, worker: TokenThread | None = None):
        self._interaction = interaction
        self._worker = worker or TokenThread.for_module(module_path)
        self._token_label = token_label
        self._token_serial = token_serial
        self._slot_id = slot_id
        self._key_label = key_label
        self._key_id = key_id
        self._given_cert = certificate_pem
        self._cert_pem: bytes | None = certificate_pem
        self._clock = clock or SystemClock()
        self._ops = 0
        self._ops_lock = threading.Lock()

    # -- public API ------------------------------------------------------------------------------------

    @property
    def worker(self) -> TokenThread:
        return self._worker

    @property
    def sign_operations(self) -> int:
        """Signatures made by the key on the token (C_Sign calls)."""
        return self._ops

    @property
    def certificate_pem(self) -> bytes:
        if self._cert_pem is None:
            self.token_info()
        assert self._cert_pem is not None
        return self._cert_pem

    @property
    def algorithm(self) -> str:
        return algorithm_for_public_key(load_certificate(self.certificate_pem).public_key())

    @property
    def signer_id(self) -> str:
        return certificate_signer_id(self.certificate_pem)

    def token_info(self) -> TokenInfo:
        """Read the token, its flags and the certificate without logging in (no PIN)."""
        info = self._worker.run(self._probe)
        self._cert_pem = info.certificate_pem
        return info

    def sign(self, data: bytes) -> bytes:
        """Detached signature over the exact bytes (app/ports/bank.Signer). Asks for the PIN."""
        return self.sign_many([bytes(data)])[0]

    def sign_many(self, items: Sequence[bytes]) -> list[bytes]:
        """Several signatures with one PIN and one login (one token operation each)."""
        return self._signing([("data", bytes(d)) for d in items])

    def sign_digest(self, digest: bytes) -> DigestSignature:
        """One token operation over a batch digest; verifies as SHA-256 over the digest's preimage."""
        digest = check_digest(digest)
        sig = self._signing([("digest", digest)])[0]
        return DigestSignature(digest, sig, self.algorithm, self.certificate_pem, self.signer_id)

    # -- the signing flow ------------------------------------------------------------------------------

    def _signing(self, jobs: list[tuple[str, bytes]]) -> list[bytes]:
        info = self.token_info()  # token thread: TokenNotPresent / PinLocked raised here, before any PIN
        check_certificate_validity(load_certificate(info.certificate_pem), self._clock.now())
        self._interaction.notify(f"Token '{info.label}': enter the PIN to sign.")
        pin = self._interaction.ask_pin(info.label, info.warnings)  # caller's thread; UserCancelled propagates
        try:
            result = self._worker.run(self._login_and_sign, pin, info, jobs)
        finally:
            del pin
        self._interaction.notify(f"Token '{info.label}': {len(jobs)} signature(s) made.")
        return result

    # -- token thread ----------------------------------------------------------------------------------

    def _lost(self, exc: BaseException) -> TokenNotPresent:
        self._worker.mark_lost()
        return TokenNotPresent(f"the signing token is not present or was removed ({type(exc).__name__})")

    def _find_token(self):
        self._worker.assert_owner()
        lib = self._worker.lib()
        try:
            if self._slot_id is not None:
                slots = [s for s in lib.get_slots() if s.slot_id == self._slot_id]
                if not slots:
                    raise TokenNotPresent(f"no PKCS#11 slot {self._slot_id}")
                return slots[0].get_token()
            if self._token_label is not None or self._token_serial is not None:
                serial = self._token_serial.encode() if self._token_serial else None
                return lib.get_token(token_label=self._token_label, token_serial=serial)
            tokens = [t for t in lib.get_tokens() if t.flags & TokenFlag.TOKEN_INITIALIZED]
        except p11.MultipleTokensReturned:
            raise DomainError("TOKEN_AMBIGUOUS", "several tokens match: choose one by label or serial") from None
        except _GONE as exc:
            raise self._lost(exc) from None
        if not tokens:
            raise TokenNotPresent("no initialised token is present")
        if len(tokens) > 1:
            raise DomainError("TOKEN_AMBIGUOUS", "several tokens are present: choose one by label or serial")
        return tokens[0]

    def _key_attrs(self) -> dict:
        attrs: dict = {}
        if self._key_label is not None:
            attrs[Attribute.LABEL] = self._key_label
        if self._key_id is not None:
            attrs[Attribute.ID] = self._key_id
        return attrs

    def _read_certificate(self, session) -> bytes:
        attrs = {Attribute.CLASS: ObjectClass.CERTIFICATE, **self._key_attrs()}
        found = list(session.get_objects(attrs))
        if not found:
            raise DomainError("CERT_MISSING", "no certificate for the signing key on the token")
        if len(found) > 1:
            raise DomainError("KEY_AMBIGUOUS", "several certificates match: choose the key by label or id")
        der = found[0][Attribute.VALUE]
        return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)

    def _probe(self) -> TokenInfo:
        token = self._find_token()
        flags = int(token.flags)
        if flags & CKF_USER_PIN_LOCKED:
            raise PinLocked(f"the PIN of token '{token.label}' is locked: ask the administrator to unlock it")
        try:
            if self._given_cert is not None:
                cert_pem = self._given_cert
            else:
                with token.open() as session:
                    cert_pem = self._read_certificate(session)
            slot_id = token.slot.slot_id
        except _GONE as exc:
            raise self._lost(exc) from None
        algorithm = algorithm_for_public_key(load_certificate(cert_pem).public_key())
        return TokenInfo(
            label=token.label, serial=token.serial.decode("ascii", "replace"), slot_id=slot_id,
            manufacturer=token.manufacturer_id, model=token.model, key_label=self._key_label or "",
            key_id_hex=self._key_id.hex() if self._key_id else "",
            key_type="rsa" if algorithm == RSA_ALGORITHM else "ec", algorithm=algorithm,
            certificate_pem=cert_pem, warnings=warnings_from_flags(flags))

    def _refusal_warnings(self) -> tuple[TokenWarning, ...]:
        try:
            return warnings_from_flags(int(self._find_token().flags))
        except Exception:
            return ()

    def _login_and_sign(self, pin: str, info: TokenInfo, jobs: list[tuple[str, bytes]]) -> list[bytes]:
        token = self._find_token()
        if token.serial.decode("ascii", "replace") != info.serial:
            raise TokenNotPresent("the token was exchanged while the PIN was asked")
        try:
            session = token.open(user_pin=pin)
        except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange):
            raise PinIncorrect(info.label, self._refusal_warnings()) from None
        except p11.PinLocked:
            raise PinLocked(f"the PIN of token '{info.label}' is locked: ask the administrator to unlock it") \
                from None
        except p11.PinExpired:
            raise DomainError("PIN_EXPIRED", f"the PIN of token '{info.label}' must be changed first") from None
        except p11.UserAlreadyLoggedIn:
            raise OperationalError("another session of this application is logged in to the token",
                                   code="TOKEN_BUSY") from None
        except _GONE as exc:
            raise self._lost(exc) from None
        try:
            try:
                key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, **self._key_kwargs())
            except p11.NoSuchKey:
                raise DomainError("KEY_NOT_FOUND", "the signing key is not on the token") from None
            except p11.MultipleObjectsReturned:
                raise DomainError("KEY_AMBIGUOUS", "several keys match: choose the key by label or id") from None
            return [self._sign_on_token(session, key, kind, payload, info.algorithm) for kind, payload in jobs]
        except _GONE as exc:
            raise self._lost(exc) from None
        finally:
            try:
                session.close()  # closing the last session logs out
            except Exception:  # noqa: S110 - the token may be gone already
                pass

    def _key_kwargs(self) -> dict:
        kwargs: dict = {}
        if self._key_label is not None:
            kwargs["label"] = self._key_label
        if self._key_id is not None:
            kwargs["id"] = self._key_id
        return kwargs

    def _sign_on_token(self, session, key, kind: str, payload: bytes, algorithm: str) -> bytes:
        self._worker.assert_owner()
        if key.key_type == KeyType.RSA and algorithm == RSA_ALGORITHM:
            if kind == "digest":
                self._count()
                return key.sign(SHA256_DIGEST_INFO + payload, mechanism=Mechanism.RSA_PKCS)
            self._count()
            return key.sign(payload, mechanism=Mechanism.SHA256_RSA_PKCS)
        if key.key_type == KeyType.EC and algorithm == EC_ALGORITHM:
            digest = payload if kind == "digest" else hashlib.sha256(payload).digest()
            self._count()
            raw = key.sign(digest, mechanism=Mechanism.ECDSA)
            half = len(raw) // 2
            return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))
        raise DomainError("CERT_KEY_MISMATCH", "the token key type does not match its certificate")

    def _count(self) -> None:
        with self._ops_lock:
            self._ops += 1
