"""The mutual-TLS HTTPS front of the sandbox bank: signature checks, fault injection, answer signing."""

from __future__ import annotations

import email.utils
import hashlib
import itertools
import logging
import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sandbox_bank import pki
from sandbox_bank.dialects import cmb, iso20022
from sandbox_bank.engine import Engine
from sandbox_bank.faults import FAULT_KINDS, FaultPlan
from sandbox_bank.ledger import Ledger

log = logging.getLogger("sandbox_bank")

SIG_HEADER = "X-BD-Signature"
SIGNER_HEADER = "X-BD-Signer"
STRUCTURAL = {"duplicate_answer", "stale_answer", "out_of_order_status", "no_record"}


def tls_context(state_dir: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(state_dir / "credentials" / "server.pem", state_dir / "private" / "server-key.pem")
    ctx.load_verify_locations(cafile=str(state_dir / "credentials" / "ca.pem"))
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


class BankService:
    def __init__(
        self,
        state_dir: Path,
        ledger: Ledger,
        engine: Engine,
        plan: FaultPlan,
        slow_seconds: float = 3.0,
        status_list_page: int = cmb.STATUS_LIST_PAGE,
    ) -> None:
        self.ledger = ledger
        self.engine = engine
        self.dialect = cmb.CmbDialect(engine, status_list_page)
        self.iso = iso20022.IsoDialect(engine)  # second dialect: paths under /iso20022/
        self.plan = plan
        self.slow_seconds = slow_seconds
        self.bank_key = pki.load_key(state_dir / "private" / "bank-signing-key.pem")
        self.bank_fp = pki.fingerprint(pki.load_cert(state_dir / "credentials" / "bank-signing.pem"))
        self._seq = itertools.count(1)
        self._seq_lock = threading.Lock()

    def next_seq(self) -> int:
        with self._seq_lock:
            return next(self._seq)

    # -- HTTP plumbing -----------------------------------------------------------------------------
    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        *,
        signature: str | None = None,
        now: float | None = None,
        partial: bool = False,
        content_type: str | None = None,
    ) -> None:
        h.send_response(status)
        default_type = "text/xml; charset=GBK" if signature else "text/plain; charset=utf-8"
        h.send_header("Content-Type", content_type or default_type)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Date", email.utils.formatdate(now or time.time(), usegmt=True))
        if signature is not None:
            h.send_header(SIG_HEADER, signature)
            h.send_header(SIGNER_HEADER, self.bank_fp)
        h.end_headers()
        if partial:
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            sock = h.connection
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()  # RST: the client sees a connection reset mid-answer
            h.close_connection = True
            return
        h.wfile.write(body)

    def _send_answer(self, h: BaseHTTPRequestHandler, answer: cmb.Answer, now: float | None = None) -> None:
        now = now or time.time()
        body = self.dialect.render(answer, now)
        self._send(h, 200, body, signature=pki.sign_bytes(self.bank_key, body), now=now)

    # -- request handling --------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler) -> None:
        if h.path.startswith(iso20022.PREFIX):
            self.iso.handle(self, h)
            return
        length = int(h.headers.get("Content-Length") or 0)
        if length > cmb.MAX_BODY:
            h.close_connection = True
            self._send(h, 413, b"request too large")
            return
        body = h.rfile.read(length)
        if h.path != self.dialect.path:
            self._send(h, 404, b"not found")
            return
        peer = h.connection.getpeercert(binary_form=True)
        if not peer or not self.ledger.client_known(pki.fingerprint_der(peer)):
            err = cmb.DialectError("-5", "CLIENT_NOT_REGISTERED", "client certificate is not registered")
            self._send_answer(h, self.dialect.error_answer(err))
            return
        try:
            req = cmb.parse(body)
        except cmb.DialectError as exc:
            self._send_answer(h, self.dialect.error_answer(exc))
            return
        fclass = cmb.function_class(req.funnam) or "query"
        seq = self.next_seq()
        decision = self.plan.decide(seq, fclass)
        kind = decision.kind
        body_sha = hashlib.sha256(body).hexdigest()

        def record(detail: str) -> None:
            assert kind is not None
            self.ledger.log_fault(seq, kind, req.funnam, h.path, body_sha, body, detail)
            log.info("fault seq=%s kind=%s funnam=%s %s", seq, kind, req.funnam, detail)

        stage = FAULT_KINDS[kind][0] if kind else None
        if stage == "pre":
            record("nothing executed")
            self._pre_fault(h, req, kind)
            return

        signer = None
        if fclass == "payment":
            signer = self._verify(h, body)
            if isinstance(signer, cmb.DialectError):
                signer.funnam, signer.lgnnam = req.funnam, req.lgnnam
                self._send_answer(h, self.dialect.error_answer(signer))
                return
        try:
            answer = self.dialect.handle(req, body_sha256=body_sha, signer=signer)
        except cmb.DialectError as exc:
            answer = self.dialect.error_answer(exc)

        detail = "executed"
        if kind in STRUCTURAL:
            applied = self.dialect.apply_content_fault(kind, answer, decision.rng)
            if applied is None:
                kind = None
            else:
                detail = applied
        now = time.time()
        if kind == "clock_skew":
            skew = decision.rng.choice([-600, 600])
            now += skew
            detail = f"answer clock skewed {skew:+d} s"
        out = self.dialect.render(answer, now)
        if kind == "malformed_xml":
            out = out[: max(10, len(out) * 2 // 3)] + b"<<</"
        signature = pki.sign_bytes(self.bank_key, out)
        if kind == "bad_signature":
            raw = bytearray(signature.encode("ascii"))
            raw[10] = ord("A") if raw[10] != ord("A") else ord("B")
            signature = raw.decode("ascii")
        if kind:
            record(detail)
        if kind == "drop_answer":
            h.close_connection = True
            return
        if kind == "slow_answer":
            time.sleep(self.slow_seconds)
        if kind == "http5xx_after":
            self._send(h, 500, b"internal server error")
            return
        self._send(h, 200, out, signature=signature, now=now, partial=kind == "reset_mid_answer")

    def _pre_fault(self, h: BaseHTTPRequestHandler, req: cmb.Request, kind: str | None) -> None:
        if kind == "drop_request":
            h.close_connection = True
        elif kind == "http5xx_before":
            self._send(h, 503, b"service unavailable")
        elif kind == "http200_business_error":
            err = cmb.DialectError("-9", "SYS_BUSY", "系统繁忙，请稍后再试 / system busy", req.funnam, req.lgnnam)
            self._send_answer(h, self.dialect.error_answer(err))
        elif kind == "rate_limit":
            err = cmb.DialectError("-3", "RATE_LIMIT", "查询过于频繁 / query rate limit", req.funnam, req.lgnnam)
            self._send_answer(h, self.dialect.error_answer(err))

    def _verify(self, h: BaseHTTPRequestHandler, body: bytes) -> str | cmb.DialectError:
        signature, signer = h.headers.get(SIG_HEADER), h.headers.get(SIGNER_HEADER)
        if not signature:
            return cmb.DialectError("-2", "SIG_MISSING", f"payment submissions need {SIG_HEADER}")
        fp = (signer or "").strip().lower()
        cert_pem = self.ledger.signer_cert_pem(fp) if fp else None
        if cert_pem is None:
            return cmb.DialectError("-2", "SIG_UNKNOWN_SIGNER", f"{SIGNER_HEADER} is not a registered signer")
        if not pki.verify_bytes(pki.cert_from_pem(cert_pem), body, signature):
            return cmb.DialectError("-2", "SIG_INVALID", "signature does not verify over the body bytes")
        return fp


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SandboxBank/1.0"
    server: BankHTTPServer

    def do_POST(self) -> None:
        self.server.bank.handle(self)

    def do_GET(self) -> None:
        self.server.bank._send(self, 405, b"POST only")

    def log_message(self, format: str, *args) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class BankHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], bank: BankService, context: ssl.SSLContext) -> None:
        self.bank = bank
        self.context = context
        super().__init__(address, _Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        # The answer goes out as two writes (headers, body): without TCP_NODELAY, Nagle holds the body back until
        # the client's delayed ACK of the headers (~40 ms per request on Linux).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def finish_request(self, request, client_address) -> None:
        request.settimeout(30)
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            log.info("TLS handshake refused from %s: %s", client_address, exc)
            return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address) -> None:
        log.debug("connection error from %s", client_address, exc_info=True)


class Advancer(threading.Thread):
    """Moves payments through their states in the background (queries also advance lazily)."""

    def __init__(self, engine: Engine, interval: float = 0.05) -> None:
        super().__init__(daemon=True, name="sandbox-bank-advancer")
        self.engine = engine
        self.interval = interval
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            try:
                self.engine.advance()
            except Exception:  # keep serving; the next tick retries
                log.exception("advance failed")
