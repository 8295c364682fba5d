"""A passphrase-protected secret vault for machines without an OS keystore.

The vault file holds AES-256-GCM encrypted entries under a key derived from the passphrase with Argon2id
(RFC 9106 low-memory profile). The passphrase itself is never stored. Writes are atomic (temp file, fsync,
rename). A wrong passphrase is detected by a check entry and refused with a clear error.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.domain.errors import DomainError, SecretStoreUnavailable

VAULT_VERSION = 1
_CHECK_NAME = "__vault_check__"
_CHECK_VALUE = "BankDirect vault v1"
# The demo ledger's vault uses this published passphrase: demo data is not secret and never reaches a bank.
DEMO_PASSPHRASE = "bankdirect-demo-passphrase"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


class WrongPassphrase(DomainError):
    def __init__(self) -> None:
        super().__init__("VAULT_PASSPHRASE", "the passphrase does not open this secret vault")


class VaultSecretStore:
    backend_name = "vault"

    def __init__(self, path: Path, passphrase: str, *, memory_kib: int = 65536, time_cost: int = 3,
                 parallelism: int = 4):
        if not passphrase:
            raise DomainError("VAULT_PASSPHRASE", "a passphrase is required to open the secret vault")
        self._path = Path(path)
        self.backend_name = f"vault:{self._path}"
        if self._path.exists():
            doc = self._read()
            kdf = doc["kdf"]
            self._kdf = kdf
            self._key = self._derive(passphrase, kdf)
            self._entries: dict[str, dict] = doc["entries"]
            if self._decrypt(_CHECK_NAME) != _CHECK_VALUE:
                raise WrongPassphrase()
        else:
            self._kdf = {"alg": "argon2id", "salt": _b64(secrets.token_bytes(16)), "m": memory_kib,
                         "t": time_cost, "p": parallelism}
            self._key = self._derive(passphrase, self._kdf)
            self._entries = {}
            self._put(_CHECK_NAME, _CHECK_VALUE)
            self._write()

    @staticmethod
    def _derive(passphrase: str, kdf: dict) -> bytes:
        return hash_secret_raw(passphrase.encode("utf-8"), _unb64(kdf["salt"]), time_cost=int(kdf["t"]),
                               memory_cost=int(kdf["m"]), parallelism=int(kdf["p"]), hash_len=32,
                               type=Type.ID)

    def _read(self) -> dict:
        try:
            doc = json.loads(self._path.read_text("utf-8"))
            if doc.get("version") != VAULT_VERSION or "entries" not in doc or "kdf" not in doc:
                raise ValueError("unknown vault format")
            return doc
        except (OSError, ValueError) as exc:
            raise SecretStoreUnavailable(f"the secret vault {self._path} cannot be read: {exc}") from exc

    def _write(self) -> None:
        doc = {"version": VAULT_VERSION, "kdf": self._kdf, "entries": self._entries}
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".vault-", dir=self._path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self._path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _put(self, name: str, value: str) -> None:
        nonce = secrets.token_bytes(12)
        ct = AESGCM(self._key).encrypt(nonce, value.encode("utf-8"), name.encode("utf-8"))
        self._entries[name] = {"nonce": _b64(nonce), "ct": _b64(ct)}

    def _decrypt(self, name: str) -> str | None:
        item = self._entries.get(name)
        if item is None:
            return None
        try:
            return AESGCM(self._key).decrypt(_unb64(item["nonce"]), _unb64(item["ct"]),
                                             name.encode("utf-8")).decode("utf-8")
        except (InvalidTag, ValueError, KeyError):
            if name == _CHECK_NAME:
                return None
            raise SecretStoreUnavailable(f"the secret {name!r} in the vault is corrupt") from None

    def get_secret(self, name: str) -> str | None:
        return self._decrypt(name)

    def set_secret(self, name: str, value: str) -> None:
        self._put(name, value)
        self._write()

    def delete_secret(self, name: str) -> None:
        if self._entries.pop(name, None) is not None:
            self._write()
