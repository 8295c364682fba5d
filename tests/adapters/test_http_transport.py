"""The HTTPS transport against a tiny local mTLS server (trustme): good calls work, every TLS failure fails
closed with the right error kind before the request reaches the server, and nothing is retried."""

from __future__ import annotations

import datetime as dt
import http.server
import ssl
import threading
import time

import pytest
import trustme

from app.adapters.http_transport import (
    HttpsTransport,
    TlsSettings,
    TransportSettings,
    parse_pin,
    spki_pin_of_pem,
)
from app.adapters.message_log import MemoryMessageLog
from app.domain.errors import BankUnavailable, OutcomeUnknown
from app.ports.bank import TransportFailure as F

ACCOUNT = "6225880000000101"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):
        self.server.hits.append(self.path)
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/slow":
            time.sleep(1.0)
        if self.path == "/fail":
            out, status = b"busy", 503
        elif self.path == "/missing":
            out, status = b"no", 404
        elif self.path == "/big":
            out, status = b"x" * 200_000, 200
        else:
            out, status = b"<ok><DBTACC>" + ACCOUNT.encode() + b"</DBTACC>" + body + b"</ok>", 200
        self.send_response(status)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # failed handshakes are expected here
        pass


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture(scope="module")
def client_cert(ca):
    return ca.issue_cert("client.bankdirect.test")


def _serve(ca, server_cert):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_cert.configure_cert(ctx)
    ca.configure_trust(ctx)
    ctx.verify_mode = ssl.CERT_REQUIRED  # mutual TLS
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.hits = []
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return httpd


@pytest.fixture
def server_factory(ca):
    servers = []

    def make(server_cert=None):
        httpd = _serve(ca, server_cert or ca.issue_cert("localhost", "127.0.0.1"))
        servers.append(httpd)
        return httpd

    yield make
    for s in servers:
        s.shutdown()
        s.server_close()


@pytest.fixture
def server(server_factory):
    return server_factory()


def _transport(tmp_path, httpd, ca, client_cert, *, pins=(), host="127.0.0.1", with_client=True, log=None,
               read_timeout_s=5.0, max_response_bytes=1_000_000):
    ca_file = tmp_path / "bank-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    cert_file = key_file = None
    if with_client:
        cert_file, key_file = tmp_path / "client.pem", tmp_path / "client-key.pem"
        client_cert.cert_chain_pems[0].write_to_path(str(cert_file))
        client_cert.private_key_pem.write_to_path(str(key_file))
    tls = TlsSettings(ca_file=ca_file, client_cert_file=cert_file, client_key_file=key_file, pins=tuple(pins))
    settings = TransportSettings(base_url=f"https://{host}:{httpd.server_address[1]}", tls=tls, bank="test",
                                 connect_timeout_s=3, read_timeout_s=read_timeout_s,
                                 max_response_bytes=max_response_bytes)
    return HttpsTransport(settings, message_log=log)


def test_good_mutual_tls_call_works_even_with_a_hostile_ca_bundle_in_the_environment(
        tmp_path, server, ca, client_cert, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "does-not-exist.pem"))
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # would break the call if honoured
    with _transport(tmp_path, server, ca, client_cert) as t:
        resp = t.post("/cmb/fbsdk", b"<x/>")
        resp2 = t.post("/cmb/fbsdk", b"<y/>")
    assert resp.status == 200 and resp.body.endswith(b"<x/></ok>") and resp2.body.endswith(b"<y/></ok>")
    assert server.hits == ["/cmb/fbsdk", "/cmb/fbsdk"]


def test_pinning_current_or_backup_pin(tmp_path, server_factory, ca, client_cert):
    server_cert = ca.issue_cert("localhost", "127.0.0.1")
    httpd = server_factory(server_cert)
    right = spki_pin_of_pem(server_cert.cert_chain_pems[0].bytes())
    other = spki_pin_of_pem(ca.issue_cert("other.test").cert_chain_pems[0].bytes())
    with _transport(tmp_path, httpd, ca, client_cert, pins=[other, right]) as t:  # backup pin matches
        assert t.post("/p", b"a").status == 200
    with _transport(tmp_path, httpd, ca, client_cert, pins=[right]) as t:
        assert t.post("/p", b"a").status == 200
    assert len(httpd.hits) == 2


def _fails(t, failure, *, payment=True, kind=BankUnavailable, path="/p"):
    with pytest.raises(kind) as info:
        t.post(path, b"<pay/>", payment=payment)
    assert type(info.value) is kind
    assert info.value.code == failure.value, info.value.message
    return info.value


def test_pin_mismatch_fails_closed_before_the_request(tmp_path, server, ca, client_cert):
    wrong = spki_pin_of_pem(ca.issue_cert("other.test").cert_chain_pems[0].bytes())
    log = MemoryMessageLog()
    with _transport(tmp_path, server, ca, client_cert, pins=[wrong], log=log) as t:
        err = _fails(t, F.PIN_MISMATCH)
    assert err.request_sent is False
    assert server.hits == []  # nothing reached the server, nothing retried
    assert [e.direction for e in log.entries()] == ["request", "error"]


def test_wrong_ca_fails_closed(tmp_path, server, ca, client_cert):
    other_ca = trustme.CA()
    with _transport(tmp_path, server, other_ca, client_cert) as t:
        _fails(t, F.TLS_UNTRUSTED)
    assert server.hits == []


def test_expired_server_certificate_fails_closed(tmp_path, server_factory, ca, client_cert):
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    expired = ca.issue_cert("localhost", "127.0.0.1", not_before=past - dt.timedelta(days=365), not_after=past)
    httpd = server_factory(expired)
    with _transport(tmp_path, httpd, ca, client_cert) as t:
        _fails(t, F.TLS_EXPIRED)
    assert httpd.hits == []


def test_wrong_host_name_fails_closed(tmp_path, server_factory, ca, client_cert):
    httpd = server_factory(ca.issue_cert("bank.example"))
    with _transport(tmp_path, httpd, ca, client_cert) as t:
        _fails(t, F.TLS_HOSTNAME)
    assert httpd.hits == []


def test_missing_client_certificate_fails_closed_and_is_not_an_unknown_outcome(tmp_path, server, ca, client_cert):
    with _transport(tmp_path, server, ca, client_cert, with_client=False) as t:
        err = _fails(t, F.TLS_CLIENT_CERT, payment=True)
    assert err.request_sent is False
    assert server.hits == []


def test_read_timeout_after_send_is_unknown_for_a_payment_and_unavailable_for_a_query(
        tmp_path, server, ca, client_cert):
    with _transport(tmp_path, server, ca, client_cert, read_timeout_s=0.3) as t:
        err = _fails(t, F.READ_TIMEOUT, payment=True, kind=OutcomeUnknown, path="/slow")
        assert err.request_sent is True
        _fails(t, F.READ_TIMEOUT, payment=False, kind=BankUnavailable, path="/slow")
    assert server.hits == ["/slow", "/slow"]  # exactly one attempt each: no retry


def test_http_5xx_and_4xx(tmp_path, server, ca, client_cert):
    with _transport(tmp_path, server, ca, client_cert) as t:
        _fails(t, F.HTTP_5XX, payment=True, kind=OutcomeUnknown, path="/fail")
        _fails(t, F.HTTP_5XX, payment=False, kind=BankUnavailable, path="/fail")
        _fails(t, F.HTTP_STATUS, payment=True, kind=BankUnavailable, path="/missing")
    assert server.hits == ["/fail", "/fail", "/missing"]


def test_response_size_cap(tmp_path, server, ca, client_cert):
    with _transport(tmp_path, server, ca, client_cert, max_response_bytes=100_000) as t:
        _fails(t, F.RESPONSE_TOO_LARGE, payment=True, kind=OutcomeUnknown, path="/big")


def test_tcp_refused_and_dns_failure(tmp_path, ca, client_cert, server_factory):
    httpd = server_factory()
    port = httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()
    with _transport(tmp_path, httpd, ca, client_cert) as t:
        assert t.settings.base_url.endswith(str(port))
        _fails(t, F.TCP_REFUSED)
    ca_file = tmp_path / "bank-ca.pem"
    t = HttpsTransport(TransportSettings("https://no-such-host.invalid", TlsSettings(ca_file), connect_timeout_s=3))
    _fails(t, F.DNS)


def test_message_log_records_everything_masked(tmp_path, server, ca, client_cert):
    log = MemoryMessageLog()
    body = f"<CMBSDKPGK><DCOPDPAYX><DBTACC>{ACCOUNT}</DBTACC><PASSWORD>hunter2</PASSWORD></DCOPDPAYX></CMBSDKPGK>"
    with _transport(tmp_path, server, ca, client_cert, log=log) as t:
        t.post("/p", body.encode(), headers={"Authorization": "Bearer s3cret"})
    request, response = log.entries()
    assert request.direction == "request" and response.direction == "response" and response.status == 200
    dump = log.export_text()
    assert ACCOUNT not in dump and "hunter2" not in dump and "s3cret" not in dump
    assert "****0101" in request.body and "****0101" in response.body


def test_diagnose_names_the_failing_step(tmp_path, server, ca, client_cert):
    with _transport(tmp_path, server, ca, client_cert) as t:
        steps = t.diagnose()
    assert [s.name for s in steps] == ["dns", "tcp", "tls", "client_certificate"]
    assert all(s.ok for s in steps)
    wrong = spki_pin_of_pem(ca.issue_cert("other.test").cert_chain_pems[0].bytes())
    with _transport(tmp_path, server, ca, client_cert, pins=[wrong]) as t:
        steps = t.diagnose()
    assert steps[-1].name == "pin" and not steps[-1].ok and steps[-1].code == F.PIN_MISMATCH.value
    assert steps[-1].hint


def test_mask_message_variants():
    from app.adapters.message_log import mask_message

    xml = "<INFO><LGNNAM>ZL01</LGNNAM><PWD>abc</PWD></INFO><X><ACCNBR>769900003510702</ACCNBR><TRSAMT>99989980712.16" \
          "</TRSAMT><REQNBR>0000977509</REQNBR><EPTDAT>20151027</EPTDAT><ERRTXT>账户6225880000000101余额不足</ERRTXT></X>"
    out = mask_message(xml)
    assert "769900003510702" not in out and "<ACCNBR>****0702</ACCNBR>" in out
    assert "<PWD>****</PWD>" in out and "abc" not in out
    assert "99989980712.16" in out and "0000977509" in out and "20151027" in out  # amounts, ids, dates kept
    assert "账户****0101余额不足" in out
    js = mask_message('{"payeeAccount": "6217000000123456", "password": "pw", "amount": "1.00"}')
    assert "6217000000123456" not in js and '"password": "****"' in js and '"amount": "1.00"' in js
    assert mask_message("token=abcdef&x=1") == "token=****&x=1"


def test_the_bank_context_trusts_only_the_bank_ca_after_many_connections(tmp_path, server, ca, client_cert):
    """requests' cert_verify would hand urllib3 the certifi bundle, which urllib3 then loads into OUR shared context
    on every new connection: ~150 public CAs trusted for the bank, and ~17 ms per payment connection."""
    with _transport(tmp_path, server, ca, client_cert) as t:
        before = t._context.get_ca_certs()
        t.post("/cmb/fbsdk", b"<q/>")
        for _ in range(3):
            t.post("/cmb/fbsdk", b"<pay/>", payment=True)  # a fresh connection each
        after = t._context.get_ca_certs()
    assert len(before) == 1
    assert after == before


def _handshakes(monkeypatch) -> list[tuple[bool, str]]:
    """(resumed?, version) of every client handshake."""
    from app.adapters import http_transport

    seen: list[tuple[bool, str]] = []
    real = http_transport._PinningSSLSocket.do_handshake

    def spy(self, block=False):
        try:
            real(self, block)
        finally:
            seen.append((self.session_reused, self.version()))

    monkeypatch.setattr(http_transport._PinningSSLSocket, "do_handshake", spy)
    return seen


def test_payment_connections_resume_the_tls_session(tmp_path, server, ca, client_cert, monkeypatch):
    """Every payment has a connection of its own; the second and later ones resume the TLS session (no certificate
    signatures on either side), and the server still sees our client certificate."""
    seen = _handshakes(monkeypatch)
    with _transport(tmp_path, server, ca, client_cert) as t:
        for _ in range(3):
            assert t.post("/cmb/fbsdk", b"<pay/>", payment=True).status == 200
    assert [resumed for resumed, _ in seen] == [False, True, True], seen
    assert server.hits == ["/cmb/fbsdk"] * 3


def test_a_resumed_connection_is_still_pinned(tmp_path, server_factory, ca, client_cert, monkeypatch):
    """The pin is checked on every connection: a session resumed after the pins changed fails closed, before the
    request."""
    server_cert = ca.issue_cert("localhost", "127.0.0.1")
    httpd = server_factory(server_cert)
    right = spki_pin_of_pem(server_cert.cert_chain_pems[0].bytes())
    wrong = spki_pin_of_pem(ca.issue_cert("other.test").cert_chain_pems[0].bytes())
    seen = _handshakes(monkeypatch)
    with _transport(tmp_path, httpd, ca, client_cert, pins=[right]) as t:
        assert t.post("/p", b"<pay/>", payment=True).status == 200
        t._context._bankdirect_pins = frozenset({parse_pin(wrong)})   # as if the pins had been changed
        err = _fails(t, F.PIN_MISMATCH)
    assert err.request_sent is False
    assert httpd.hits == ["/p"]
    assert [resumed for resumed, _ in seen] == [False, True], seen   # resumed, and refused all the same
