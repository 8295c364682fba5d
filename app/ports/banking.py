"""Ports of bank connectivity: repositories for profiles, balances, transactions and the message log; the
factory that turns a connection profile into a live BankConnector; the reader of certificates and keys.

Services depend on these protocols only; storage/ and app/adapters/ implement them, app/bootstrap.py wires them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from app.domain.banking import (
    AccountBalance,
    CertificateFacts,
    ConnectionProfile,
    MessageLogRecord,
    StoredTransaction,
)
from app.domain.errors import Problem
from app.ports.bank import Balance, BankConnector, PluginManifest, Signer, Transaction

MessageSink = Callable[[MessageLogRecord], None]


# -- repositories (members of the unit of work) ----------------------------------------------------------------

class ConnectionProfileRepository(Protocol):
    def get(self, profile_id: int) -> ConnectionProfile | None: ...
    def get_by_name(self, name: str) -> ConnectionProfile | None: ...
    def list(self) -> list[ConnectionProfile]: ...
    def add(self, fields: dict[str, Any]) -> ConnectionProfile: ...
    def update(self, profile_id: int, expected_version: int, fields: dict[str, Any]) -> ConnectionProfile:
        """Raises ``Conflict("STALE_VERSION")`` when the row changed since it was read."""
        ...


class BalanceRepository(Protocol):
    def upsert(self, account_id: int, balance: Balance, fetched_at: datetime) -> None: ...
    def record_error(self, account_id: int, error: str, fetched_at: datetime) -> None:
        """Keeps the last good figures, sets the error text."""
        ...

    def latest(self) -> list[AccountBalance]:
        """One row per active account (accounts never refreshed have None figures)."""
        ...


class TransactionRepository(Protocol):
    def add_new(self, account_id: int, items: Sequence[Transaction], fetched_at: datetime) -> int:
        """Insert the entries not stored yet (unique on account + bank serial); returns how many were new."""
        ...

    def ids(self, account_id: int, date_from: date, date_to: date, query: str = "") -> list[int]: ...
    def get_many(self, ids: Sequence[int]) -> list[StoredTransaction]: ...
    def count(self, account_id: int | None = None) -> int: ...


class MessageLogRepository(Protocol):
    def add_many(self, records: Sequence[MessageLogRecord]) -> None: ...
    def page(self, offset: int = 0, limit: int = 200) -> list[MessageLogRecord]:
        """Newest first."""
        ...

    def all_in_order(self) -> list[MessageLogRecord]:
        """Oldest first (export)."""
        ...

    def count(self) -> int: ...
    def prune(self, keep: int) -> int:
        """Delete the oldest rows beyond ``keep``; returns how many were deleted."""
        ...


# -- connectors ------------------------------------------------------------------------------------------------

class BankSession(Protocol):
    """A connector bound to one profile, with its transport open. Close it (or use ``with``)."""

    connector: BankConnector
    message_signer: Signer | None  # signs payment submissions' wire bytes (the profile's channel key)

    def close(self) -> None: ...
    def __enter__(self) -> BankSession: ...
    def __exit__(self, *exc: object) -> None: ...


class ConnectorFactory(Protocol):
    def plugin_ids(self) -> list[str]: ...
    def manifest(self, plugin_id: str) -> PluginManifest: ...
    def open(self, profile: ConnectionProfile, on_message: MessageSink | None = None) -> BankSession:
        """Build transport (TLS from the profile + the client key from the SecretStore), plugin connector and
        answer verifier. Raises ``OperationalError`` (code ``CLIENT_KEY_MISSING``, ``PROFILE_TLS`` ...) when
        the profile cannot be turned into a connection."""
        ...


# -- certificates and keys -------------------------------------------------------------------------------------

class CredentialReader(Protocol):
    def certificate(self, data: bytes) -> CertificateFacts:
        """The first certificate of PEM (or DER) bytes; raises ``ValueError`` when unreadable."""
        ...

    def certificates(self, data: bytes) -> list[CertificateFacts]:
        """Every certificate of a PEM bundle; raises ``ValueError`` when none is readable."""
        ...

    def normalise_pem(self, data: bytes) -> str:
        """PEM text of every certificate in PEM/DER bytes (what the profile stores)."""
        ...

    def client_credentials(self, cert_data: bytes, key_data: bytes | None, password: str | None,
                           *, pkcs12: bool) -> tuple[str, str, list[Problem]]:
        """(client certificate PEM, unencrypted PKCS#8 key PEM, problems). PKCS#12: the key and certificate
        come from ``cert_data``; PEM: the key from ``key_data`` (or a key inside ``cert_data``). Problems:
        CERT_UNREADABLE, KEY_UNREADABLE, KEY_PASSWORD, KEY_MISMATCH, KEY_MISSING."""
        ...

    def pin_problem(self, pin: str) -> str | None:
        """None when ``pin`` is a well-formed SHA-256 SPKI pin, else what is wrong."""
        ...

    def spki_pin(self, cert_pem: bytes) -> str: ...
