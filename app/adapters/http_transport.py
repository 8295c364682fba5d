"""The one HTTPS transport to banks (implements ``app.ports.bank.BankTransport``).

* Its own SSL context, built by hand: TLS ≥ 1.2, the bank's trust store from a PEM CA file (never the system
  CAs), our client certificate and key, host-name checking.
* SPKI SHA-256 pinning with a current and a backup pin, checked on the peer certificate right after the
  handshake, before a byte of the request is written.
* ``trust_env=False`` and an HTTPAdapter whose pool managers get our context: ``REQUESTS_CA_BUNDLE`` (set on
  this machine) would otherwise silently override ``Session.verify``. No retries, no redirects, no proxies.
* Per-call connect/read timeouts, a response size cap, and a precise classification of every failure
  (``error.code`` is a :class:`app.ports.bank.TransportFailure` value):

  - nothing reached the bank (DNS, TCP refused, connect timeout, TLS handshake, pin mismatch, client
    certificate refused): ``BankUnavailable`` — safe to try again later, even for a payment;
  - the request may have been processed (read timeout, connection lost after sending, 5xx, an answer over
    the size cap): ``OutcomeUnknown`` for a payment (RELIABILITY.md I3), ``BankUnavailable`` for a query.

* Every request and answer (and every error) goes to the ``message_log`` callback, masked
  (:mod:`app.adapters.message_log`). A payment always uses a fresh connection, so a stale keep-alive socket
  can never turn into an ambiguous outcome.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from app.domain.errors import BankUnavailable, OperationalError, OutcomeUnknown
from app.ports.bank import SEND_DEADLINE, ConnectionStep, TransportFailure, TransportResponse

from .message_log import MessageLogEntry, build_entry

F = TransportFailure
MessageLogSink = Callable[[MessageLogEntry], None]


# ---------------------------------------------------------------------------------------------------------
# Settings and pins


def spki_sha256(cert_der: bytes) -> bytes:
    """SHA-256 over the DER SubjectPublicKeyInfo of a certificate."""
    cert = x509.load_der_x509_certificate(cert_der)
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).digest()


def spki_pin_of_pem(cert_pem: bytes) -> str:
    """The pin string (``sha256/<base64>``) of a PEM certificate, for configuring a profile."""
    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    return "sha256/" + base64.b64encode(spki_sha256(der)).decode()


def parse_pin(pin: str) -> bytes:
    """Accept ``sha256/<base64>``, bare base64 or 64 hex digits (with or without colons)."""
    text = pin.strip()
    if text.lower().startswith("sha256/"):
        text = text[7:]
    hexed = text.replace(":", "")
    if len(hexed) == 64:
        try:
            return bytes.fromhex(hexed)
        except ValueError:
            pass
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ValueError(f"not a SHA-256 SPKI pin: {pin!r}")
    return raw


@dataclass(frozen=True)
class TlsSettings:
    ca_file: Path  # the bank's trust store (PEM); the system CAs are never used
    client_cert_file: Path | None = None
    client_key_file: Path | None = None
    client_key_password: str | None = field(default=None, repr=False)  # from the SecretStore
    pins: Sequence[str] = ()  # current and backup SPKI SHA-256 pins; empty = no pinning


@dataclass(frozen=True)
class TransportSettings:
    base_url: str  # e.g. https://bank.example:8443
    tls: TlsSettings
    bank: str = ""  # label for the message log
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    max_response_bytes: int = 16 * 1024 * 1024


class StaleSend(OSError):
    """The engine's send deadline passed before the first byte of the request: nothing was written."""


def _check_deadline() -> None:
    if getattr(_io, "written", False):
        return
    deadline = SEND_DEADLINE.get()
    if deadline is not None and time.monotonic() >= deadline:
        raise StaleSend("the sender's lease ran out before the request was written; nothing was sent")


class PinMismatch(ssl.SSLError):
    """The peer's public key matches neither the current nor the backup pin."""


_io = threading.local()  # per calling thread: did application data leave on the current exchange?


def _reset_written(crash=None) -> None:
    _io.written = False
    _io.read = False
    _io.crash = crash  # set for payment exchanges only: the chaos suite's crash points on the wire


def _crash_point(name: str) -> None:
    crash = getattr(_io, "crash", None)
    if crash is not None:
        crash.hit(name)


def _data_written() -> bool:
    return bool(getattr(_io, "written", False))


class _PinningSSLSocket(ssl.SSLSocket):
    """Checks the SPKI pin right after the handshake, before the request is written; under TLS 1.3 also
    waits briefly for the server's verdict on our client certificate (which TLS 1.3 sends *after* the
    client's handshake ends), so a refused certificate is never confused with a request lost in flight.
    Records whether application data was written (for the sent / not-sent classification)."""

    def do_handshake(self, block: bool = False) -> None:  # type: ignore[override]
        super().do_handshake()
        pins: frozenset[bytes] = getattr(self.context, "_bankdirect_pins", frozenset())
        if pins:
            der = self.getpeercert(binary_form=True)
            got = spki_sha256(der) if der else b""
            if got not in pins:
                shown = "sha256/" + base64.b64encode(got).decode() if got else "(no certificate)"
                raise PinMismatch(f"server public key {shown} matches no configured pin")
        if self.version() == "TLSv1.3":
            self._await_server_verdict(getattr(self.context, "_bankdirect_probe_s", 0.25))
        sessions = getattr(self.context, "_bankdirect_sessions", None)
        if sessions is not None and self.session is not None:  # pinned and accepted: the next connection resumes
            sessions[self.server_hostname] = self.session
        _crash_point("after_tls_before_body")

    def _await_server_verdict(self, probe_s: float) -> None:
        readable, _, _ = select.select([self], [], [], probe_s)
        if not readable:
            return
        previous = self.gettimeout()
        self.setblocking(False)
        try:
            data = self.recv(1)
        except ssl.SSLWantReadError:
            return  # session tickets processed: the server accepted the handshake
        finally:
            self.settimeout(previous)
        if not data:
            raise ssl.SSLError("the server closed the connection right after the TLS handshake "
                               "(alert handshake failure: our client certificate was probably refused)")
        raise ssl.SSLError("the server sent data before the request (protocol violation)")

    def send(self, data, flags: int = 0):  # type: ignore[override]
        _check_deadline()
        _io.written = True
        return super().send(data, flags)

    def sendall(self, data, flags: int = 0):  # type: ignore[override]
        _check_deadline()
        _io.written = True
        if getattr(_io, "crash", None) is not None and len(data) > 1:
            view = memoryview(data)
            half = len(view) // 2
            super().sendall(view[:half], flags)
            _crash_point("mid_body")
            return super().sendall(view[half:], flags)
        return super().sendall(data, flags)

    def recv_into(self, buffer, nbytes: int = 0, flags: int = 0):  # type: ignore[override]
        if _data_written() and not getattr(_io, "read", False):
            _io.read = True
            _crash_point("after_request_before_answer")
        return super().recv_into(buffer, nbytes, flags)


class _BankSSLContext(ssl.SSLContext):
    """The client context of one bank endpoint. It remembers the last TLS session per server name, and a new
    connection resumes it: every payment goes out on a fresh connection, and a resumed handshake spares both sides
    the certificate signatures (a full mutual-TLS handshake cost ~2 ms of CPU on each side per payment request).
    The certificates stay bound to the session: the pin is checked on every connection, resumed or not, and a
    server that cannot resume (restarted, other keys) simply makes a full handshake."""

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True,  # type: ignore[override]
                    suppress_ragged_eofs=True, server_hostname=None, session=None):
        if session is None and not server_side:
            session = getattr(self, "_bankdirect_sessions", {}).get(server_hostname)
        return super().wrap_socket(sock, server_side, do_handshake_on_connect, suppress_ragged_eofs,
                                   server_hostname, session)


def build_ssl_context(tls: TlsSettings) -> ssl.SSLContext:
    ctx = _BankSSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = True
    ctx.load_verify_locations(cafile=str(tls.ca_file))  # only the bank's CA: no load_default_certs()
    if tls.client_cert_file is not None:
        ctx.load_cert_chain(str(tls.client_cert_file), str(tls.client_key_file) if tls.client_key_file else None,
                            password=tls.client_key_password)
    pins = frozenset(parse_pin(p) for p in tls.pins)
    ctx._bankdirect_pins = pins  # type: ignore[attr-defined]
    ctx._bankdirect_sessions = {}  # type: ignore[attr-defined]  # server name → last session (see _BankSSLContext)
    ctx.sslsocket_class = _PinningSSLSocket
    return ctx


class _ContextAdapter(HTTPAdapter):
    """Gives urllib3 our SSL context for direct and (never used) proxied connections; no retries."""

    def __init__(self, context: ssl.SSLContext):
        self._context = context
        super().__init__(max_retries=Retry(total=0, connect=0, read=0, redirect=0, status=0, other=0),
                         pool_connections=1, pool_maxsize=4)

    def cert_verify(self, conn, url, verify, cert) -> None:
        """The context already holds exactly the bank's CA (and our client certificate). requests' own
        cert_verify would set the certifi bundle as ``ca_certs``, and urllib3 would then load ~150 public CAs
        INTO this shared context on every new connection: public CAs trusted for the bank (and ~17 ms each)."""
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None

    def init_poolmanager(self, *args, **kwargs):
        kwargs["ssl_context"] = self._context
        return super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        proxy_kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(proxy, **proxy_kwargs)


def _session(context: ssl.SSLContext) -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # ignore REQUESTS_CA_BUNDLE, proxies and netrc from the environment
    s.verify = True
    s.max_redirects = 0
    adapter = _ContextAdapter(context)
    s.mount("https://", adapter)
    s.mount("http://", adapter)  # plain http is refused in post(); never fall back to a default adapter
    return s


# ---------------------------------------------------------------------------------------------------------
# Failure classification


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        for nxt in (e.__cause__, e.__context__, getattr(e, "reason", None), *getattr(e, "args", ())):
            if isinstance(nxt, BaseException):
                todo.append(nxt)


_CLIENT_CERT_ALERTS = ("certificate required", "alert bad certificate", "alert unknown ca",
                       "alert certificate unknown", "alert handshake failure", "alert access denied")


def classify(exc: BaseException, written: bool = False) -> tuple[TransportFailure, bool, str]:
    """(failure, request possibly sent, explanation) for an exception from requests/urllib3/ssl.
    ``written``: application data had already been written on the connection when it failed."""
    chain = list(_chain(exc))
    for e in chain:
        if isinstance(e, StaleSend):
            return F.STALE_SEND, False, str(e)
    for e in chain:
        if isinstance(e, PinMismatch):
            return F.PIN_MISMATCH, False, str(e.args[0] if e.args else e)
    for e in chain:
        if isinstance(e, ssl.SSLCertVerificationError):
            code, msg = e.verify_code, e.verify_message or str(e)
            if code in (9, 10):
                return F.TLS_EXPIRED, False, f"the bank's certificate is not valid now ({msg})"
            if code == 62 or "hostname" in msg.lower() or "ip address mismatch" in msg.lower():
                return F.TLS_HOSTNAME, False, f"the bank's certificate is for another host ({msg})"
            return F.TLS_UNTRUSTED, False, f"the bank's certificate is not trusted by this profile's CA ({msg})"
    for e in chain:
        if isinstance(e, ssl.SSLError):
            text = str(e).lower()
            if any(alert in text for alert in _CLIENT_CERT_ALERTS):
                # A TLS alert from the server: its TLS layer refused us, the request never reached the bank.
                return F.TLS_CLIENT_CERT, False, f"the bank refused our client certificate ({e})"
            if written:
                return F.CONNECTION_LOST, True, f"the TLS connection failed after the request was sent ({e})"
            return F.TLS_HANDSHAKE, False, f"TLS handshake failed ({e})"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return F.CONNECT_TIMEOUT, False, "no connection within the connect timeout"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return F.READ_TIMEOUT, True, "the request was sent but no answer came within the read timeout"
    for e in chain:
        if isinstance(e, socket.gaierror) or type(e).__name__ == "NameResolutionError":
            return F.DNS, False, f"the bank's host name could not be resolved ({e})"
    for e in chain:
        if isinstance(e, ConnectionRefusedError):
            return F.TCP_REFUSED, False, "the bank's server refused the TCP connection"
    for e in chain:
        if type(e).__name__ in ("NewConnectionError", "ConnectTimeoutError"):
            return F.TCP_REFUSED, False, f"no TCP connection to the bank ({e})"
    for e in chain:
        if isinstance(e, TimeoutError | socket.timeout) or type(e).__name__ == "ReadTimeoutError":
            return F.READ_TIMEOUT, True, "the request was sent but no answer came within the read timeout"
    return F.CONNECTION_LOST, True, f"the connection was lost after the request was sent ({exc})"


def _failure_error(failure: TransportFailure, sent: bool, payment: bool, message: str) -> OperationalError:
    err: OperationalError
    if sent and payment:
        err = OutcomeUnknown(f"{message}; the payment may have been received: query its status, do not resend",
                             code=failure.value)
    else:
        err = BankUnavailable(message, code=failure.value)
    err.failure = failure  # type: ignore[attr-defined]
    err.request_sent = sent  # type: ignore[attr-defined]
    return err


# ---------------------------------------------------------------------------------------------------------
# The transport


class HttpsTransport:
    """One bank endpoint. Thread-safe for queries; payments each get a fresh connection."""

    _ids = itertools.count(1)

    def __init__(self, settings: TransportSettings, *, message_log: MessageLogSink | None = None,
                 clock: Callable[[], datetime] | None = None, crash=None):
        parts = urlsplit(settings.base_url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("the bank endpoint must be an https:// URL")
        self.settings = settings
        self._context = build_ssl_context(settings.tls)
        self._session = _session(self._context)
        self._log = message_log
        self._now = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._crash = crash  # app.ports.submission.CrashPoints for payment exchanges (chaos suite); None: off

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> HttpsTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        return self.settings.base_url.rstrip("/") + "/" + path.lstrip("/")

    def _record(self, **kwargs: object) -> None:
        if self._log is None:
            return
        try:
            self._log(build_entry(at=self._now(), bank=self.settings.bank, method="POST", **kwargs))  # type: ignore[arg-type]
        except Exception:  # noqa: S110 - the message log must never break a bank call
            pass

    def post(self, path: str, body: bytes, *, headers: Mapping[str, str] | None = None,
             payment: bool = False, read_timeout_s: float | None = None) -> TransportResponse:
        url = self.url(path)
        exchange = f"{self.settings.bank or 'bank'}-{next(self._ids)}"
        hdrs = {"Content-Type": "text/xml; charset=GBK", "Accept-Encoding": "identity", **(headers or {})}
        if payment:
            hdrs["Connection"] = "close"
        self._record(exchange_id=exchange, direction="request", url=url, headers=hdrs, body=body)
        timeout = (self.settings.connect_timeout_s,
                   read_timeout_s if read_timeout_s is not None else self.settings.read_timeout_s)
        started = time.monotonic()
        session = _session(self._context) if payment else self._session
        _reset_written(self._crash if payment else None)
        try:
            try:
                resp = session.post(url, data=body, headers=hdrs, timeout=timeout, stream=True,
                                    allow_redirects=False)
                data = self._read_capped(resp, payment)
                if payment:
                    _crash_point("after_answer_before_parse")
            except OperationalError as err:
                self._record(exchange_id=exchange, direction="error", url=url, error_code=err.code,
                             elapsed_s=time.monotonic() - started)
                raise
            except (requests.exceptions.RequestException, OSError, ssl.SSLError) as exc:
                failure, sent, message = classify(exc, _data_written())
                self._record(exchange_id=exchange, direction="error", url=url, error_code=failure.value,
                             elapsed_s=time.monotonic() - started)
                raise _failure_error(failure, sent, payment, message) from exc
        finally:
            if payment:
                session.close()
        elapsed = time.monotonic() - started
        self._record(exchange_id=exchange, direction="response", url=url, headers=dict(resp.headers), body=data,
                     status=resp.status_code, elapsed_s=elapsed)
        if resp.status_code >= 500:
            raise _failure_error(F.HTTP_5XX, True, payment, f"the bank answered HTTP {resp.status_code}")
        if resp.status_code != 200:
            # 4xx: refused by the bank's HTTP layer (wrong path, method, size); the request was not processed.
            raise _failure_error(F.HTTP_STATUS, False, payment, f"the bank answered HTTP {resp.status_code}")
        return TransportResponse(resp.status_code, dict(resp.headers), data, elapsed)

    def _read_capped(self, resp: requests.Response, payment: bool) -> bytes:
        cap = self.settings.max_response_bytes
        try:
            declared = int(resp.headers.get("Content-Length", "-1"))
            if declared > cap:
                raise _failure_error(F.RESPONSE_TOO_LARGE, True, payment,
                                     f"the answer is {declared} bytes, over the limit of {cap}")
            chunks, size = [], 0
            for chunk in resp.iter_content(64 * 1024):
                size += len(chunk)
                if size > cap:
                    raise _failure_error(F.RESPONSE_TOO_LARGE, True, payment,
                                         f"the answer is over the limit of {cap} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            resp.close()

    # -----------------------------------------------------------------------------------------------------
    # Interface test tool support

    def diagnose(self) -> list[ConnectionStep]:
        """DNS → TCP → TLS (trust, expiry, host name) → pin → our client certificate. Stops at the first failure."""
        parts = urlsplit(self.settings.base_url)
        host, port = parts.hostname or "", parts.port or 443
        steps: list[ConnectionStep] = []
        try:
            addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            return [ConnectionStep("dns", False, f"{host}: {exc}", "check the host name in the profile and the DNS "
                                   "settings of this computer", F.DNS.value)]
        steps.append(ConnectionStep("dns", True, f"{host} → {addresses[0][4][0]}"))
        try:
            sock = socket.create_connection((host, port), timeout=self.settings.connect_timeout_s)
        except OSError as exc:
            failure = F.CONNECT_TIMEOUT if isinstance(exc, TimeoutError) else F.TCP_REFUSED
            steps.append(ConnectionStep("tcp", False, f"{host}:{port}: {exc}", "check the port, the firewall and "
                                        "that the bank's front-end / gateway is running", failure.value))
            return steps
        steps.append(ConnectionStep("tcp", True, f"connected to {host}:{port}"))
        try:
            with self._context.wrap_socket(sock, server_hostname=host) as tls:
                peer = tls.getpeercert()
                version = tls.version()
        except Exception as exc:
            failure, _, message = classify(exc)
            name = "pin" if failure is F.PIN_MISMATCH else "tls"
            steps.append(ConnectionStep(name, False, message, _HINTS.get(failure, ""), failure.value))
            return steps
        finally:
            sock.close()
        not_after = (peer or {}).get("notAfter", "")
        steps.append(ConnectionStep("tls", True, f"{version}, server certificate valid until {not_after}"))
        if self.settings.tls.pins:
            steps.append(ConnectionStep("pin", True, "the server's public key matches a configured pin"))
        steps.append(self._client_certificate_step())
        return steps

    def _client_certificate_step(self) -> ConnectionStep:
        path = self.settings.tls.client_cert_file
        if path is None:
            return ConnectionStep("client_certificate", False, "no client certificate configured",
                                  "import the client certificate the bank issued", F.TLS_CLIENT_CERT.value)
        cert = x509.load_pem_x509_certificate(Path(path).read_bytes())
        now = self._now()
        if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
            return ConnectionStep("client_certificate", False,
                                  f"our client certificate is valid {cert.not_valid_before_utc:%Y-%m-%d} to "
                                  f"{cert.not_valid_after_utc:%Y-%m-%d}",
                                  "ask the bank for a new client certificate and import it", F.TLS_CLIENT_CERT.value)
        days = (cert.not_valid_after_utc - now).days
        return ConnectionStep("client_certificate", True, f"valid for {days} more days")


_HINTS = {
    F.TLS_UNTRUSTED: "the server certificate is not issued by the CA in this profile: import the bank's CA "
                     "certificate, or check that the endpoint is really the bank",
    F.TLS_EXPIRED: "the bank's server certificate has expired or is not yet valid: contact the bank; also check "
                   "this computer's clock",
    F.TLS_HOSTNAME: "the certificate does not name this host: use the host name the bank gave you",
    F.PIN_MISMATCH: "the bank's key changed or this is not the bank: confirm the new key with the bank before "
                    "updating the pins",
    F.TLS_CLIENT_CERT: "the bank refused our client certificate: check that it is the one registered with the "
                       "bank and not expired",
    F.TLS_HANDSHAKE: "TLS could not be negotiated: check the endpoint and the TLS settings with the bank",
}
