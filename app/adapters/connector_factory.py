"""Turns a connection profile into a live BankConnector (implements ``app.ports.banking.ConnectorFactory``).

* TLS material: the profile's CA and client certificate (public, from the DB) and the client key from the
  SecretStore, written to private temporary files only for the instant the SSL context loads them.
* The plugin comes from the registry (``GuardedConnector``: whatever escapes becomes an operational error).
* Answers are checked against the profile's bank signing certificate (:class:`PemAnswerVerifier`).
* Every request/answer goes, masked by the transport, to the caller's message sink as a
  :class:`~app.domain.banking.MessageLogRecord` (with the bank function name, e.g. CMB ``FUNNAM``).
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from pathlib import Path

from app.adapters.crash_points import crash_points_from_env
from app.adapters.http_transport import HttpsTransport, TlsSettings, TransportSettings
from app.adapters.message_log import MessageLogEntry
from app.adapters.signature_verifier import X509SignatureVerifier
from app.adapters.software_signer import (
    SoftwareKeySigner,
    algorithm_for_public_key,
    certificate_signer_id,
    load_certificate,
)
from app.domain.banking import ConnectionProfile, MessageLogRecord
from app.domain.errors import DomainError, OperationalError
from app.plugins.registry import PluginRegistry
from app.ports.bank import BankConnector, BankPluginContext, PluginManifest, Signer
from app.ports.banking import MessageSink
from app.ports.secrets import SecretStore
from app.ports.submission import NoCrashPoints

_FUNCTION = re.compile(r"<FUNNAM>\s*([A-Za-z0-9_]{1,40})\s*</FUNNAM>")


class PemAnswerVerifier:
    """The bank's answer signature (ECDSA P-256/SHA-256 or RSA PKCS#1 v1.5), signer id = SHA-256 of the DER
    certificate. Implements ``app.ports.bank.AnswerVerifier`` on top of :class:`X509SignatureVerifier`."""

    def __init__(self, certificate_pem: bytes):
        self._pem = certificate_pem
        self._algorithm = algorithm_for_public_key(load_certificate(certificate_pem).public_key())
        self.signer_id = certificate_signer_id(certificate_pem)

    def verify(self, body: bytes, signature: bytes, signer_id: str) -> bool:
        if signer_id.strip().lower() != self.signer_id:
            return False
        try:
            return X509SignatureVerifier().verify(self._pem, self._algorithm, signature, body)
        except ValueError:
            return False


class _RecordSink:
    """Adapts the transport's MessageLogEntry callback to domain records, naming the bank function."""

    def __init__(self, profile_id: int, target: MessageSink):
        self._profile_id = profile_id
        self._target = target
        self._functions: dict[str, str] = {}
        self._lock = threading.Lock()

    def __call__(self, entry: MessageLogEntry) -> None:
        m = _FUNCTION.search(entry.body or "")
        with self._lock:
            if m:
                self._functions[entry.exchange_id] = m.group(1)
            function = self._functions.get(entry.exchange_id, "")
            if entry.direction != "request":
                self._functions.pop(entry.exchange_id, None)
        self._target(MessageLogRecord(
            at=entry.at, direction=entry.direction, function=function, exchange_id=entry.exchange_id,
            bank=entry.bank, url=entry.url, status=entry.status,
            duration_ms=None if entry.elapsed_s is None else round(entry.elapsed_s * 1000),
            error_code=entry.error_code, size_bytes=entry.size_bytes, headers=dict(entry.headers), body=entry.body,
            profile_id=self._profile_id))


class HttpsBankSession:
    def __init__(self, connector: BankConnector, transport: HttpsTransport,
                 files: tempfile.TemporaryDirectory | None = None, message_signer: Signer | None = None):
        self.connector = connector
        self.transport = transport
        self._files = files
        # The channel key (the profile's client certificate and key) signs the wire bytes of payment
        # submissions, as a bank front-end (前置机) certificate does; the USB-key holder's batch signature
        # authorises the payments beforehand (app/services/signing.py).
        self.message_signer = message_signer

    def close(self) -> None:
        self.transport.close()
        if self._files is not None:
            self._files.cleanup()
            self._files = None

    def __enter__(self) -> HttpsBankSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _write_private(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)
    return path


def _wire_crash_points():
    """The chaos suite's crash points on the wire, or None (production: writes are never split)."""
    crash = crash_points_from_env()
    return None if isinstance(crash, NoCrashPoints) else crash


class RegistryConnectorFactory:
    def __init__(self, registry: PluginRegistry, secrets: SecretStore):
        self._registry = registry
        self._secrets = secrets

    def plugin_ids(self) -> list[str]:
        return self._registry.ids()

    def manifest(self, plugin_id: str) -> PluginManifest:
        return self._registry.manifest(plugin_id)

    def open(self, profile: ConnectionProfile, on_message: MessageSink | None = None) -> HttpsBankSession:
        if not profile.ca_cert_pem:
            raise OperationalError(f"the profile {profile.name} has no CA certificate: import the bank's CA "
                                   "certificate first", code="PROFILE_INCOMPLETE")
        key_pem = self._secrets.get_secret(profile.client_key_secret_name) if profile.has_client_key else None
        if profile.client_cert_pem and not key_pem:
            raise OperationalError(f"the client key of profile {profile.name} is missing from the secret store "
                                   f"({self._secrets.backend_name}): import the client certificate and key again",
                                   code="CLIENT_KEY_MISSING")
        sink = _RecordSink(profile.id, on_message) if on_message is not None else None
        # Public files (CA, client certificate) live until the session closes (the test tool re-reads the
        # certificate); the key file exists only while the SSL context loads it.
        public = tempfile.TemporaryDirectory(prefix="bankdirect-tls-")
        try:
            directory = Path(public.name)
            ca = _write_private(directory, "ca.pem", profile.ca_cert_pem)
            cert = _write_private(directory, "client.pem", profile.client_cert_pem) if key_pem else None
            with tempfile.TemporaryDirectory(prefix="bankdirect-key-") as secret_dir:
                key = _write_private(Path(secret_dir), "client-key.pem", key_pem) if key_pem else None
                tls = TlsSettings(ca_file=ca, client_cert_file=cert, client_key_file=key, pins=tuple(profile.pins))
                settings = TransportSettings(base_url=profile.base_url, tls=tls, bank=profile.name,
                                             connect_timeout_s=profile.connect_timeout_s,
                                             read_timeout_s=profile.read_timeout_s)
                try:
                    transport = HttpsTransport(settings, message_log=sink, crash=_wire_crash_points())
                except (OSError, ValueError) as exc:
                    raise OperationalError(f"the TLS settings of profile {profile.name} cannot be loaded ({exc})",
                                           code="PROFILE_TLS") from exc
        except BaseException:
            public.cleanup()
            raise
        verifier = PemAnswerVerifier(profile.bank_cert_pem.encode("ascii")) if profile.bank_cert_pem else None
        context = BankPluginContext(transport=transport, settings=dict(profile.settings), answer_verifier=verifier)
        try:
            connector = self._registry.connector(profile.plugin_id, context)
        except BaseException:
            transport.close()
            public.cleanup()
            raise
        signer = None
        if key_pem and profile.client_cert_pem:
            try:
                signer = SoftwareKeySigner(key_pem.encode("ascii"), None, None,
                                           certificate_pem=profile.client_cert_pem.encode("ascii"))
            except DomainError:  # an unusable channel key only matters when paying: reported then
                signer = None
        return HttpsBankSession(connector, transport, public, signer)
