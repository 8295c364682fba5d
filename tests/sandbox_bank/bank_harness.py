"""Start the sandbox bank as a subprocess and talk to it like an outside client would (requests + own SSL)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from lxml import etree
from requests.adapters import HTTPAdapter

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

PAYER = "6225880000000101"  # 1,000,000.00; single limit 200,000.00; daily limit 300,000.00
POOR = "6225880000000202"  # 100.00
INTERNAL = "6225880000000303"  # 0.00, an account of this bank (gets credits)
OUTSIDE = "6217000000123456"  # a payee at another bank with no special rule


class SslAdapter(HTTPAdapter):
    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["ssl_context"] = self._context
        return super().init_poolmanager(*args, **kwargs)


def client_context(state: Path, cert: Path | None, key: Path | None, ca: Path | None = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(cafile=str(ca or state / "credentials" / "ca.pem"))
    if cert is not None:
        ctx.load_cert_chain(str(cert), str(key))
    return ctx


def session_for(ctx: ssl.SSLContext) -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # REQUESTS_CA_BUNDLE would silently override verify
    s.mount("https://", SslAdapter(ctx))
    return s


def xml_request(funnam: str, blocks: list[tuple[str, dict[str, str]]], lgnnam: str = "TEST") -> bytes:
    parts = [f"<INFO><FUNNAM>{funnam}</FUNNAM><DATTYP>2</DATTYP><LGNNAM>{lgnnam}</LGNNAM></INFO>"]
    for tag, fields in blocks:
        inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
        parts.append(f"<{tag}>{inner}</{tag}>")
    return ('<?xml version="1.0" encoding="GBK"?><CMBSDKPGK>' + "".join(parts) + "</CMBSDKPGK>").encode(
        "gbk",
        errors="xmlcharrefreplace",  # lets tests send characters GBK cannot carry, as &#...;
    )


def payment_record(ref: str, amount: str, payee: str = OUTSIDE, debit: str = PAYER, **extra: str) -> dict[str, str]:
    rec = {
        "YURREF": ref,
        "DBTACC": debit,
        "DBTBBK": "75",
        "TRSAMT": amount,
        "CCYNBR": "10",
        "STLCHN": "N",
        "NUSAGE": "货款",
        "BNKFLG": "N",
        "CRTACC": payee,
        "CRTNAM": "收款测试公司",
        "CRTBNK": "中国银行深圳分行",
    }
    rec.update(extra)
    return rec


def payment_body(*records: dict[str, str]) -> bytes:
    return xml_request(
        "DCPAYMNT", [("SDKPAYRQX", {"BUSCOD": "N02031", "BUSMOD": "00001"}), *[("DCOPDPAYX", r) for r in records]]
    )


def sign(key_path: Path, data: bytes) -> str:
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if isinstance(key, rsa.RSAPrivateKey):
        raw = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    else:
        raw = key.sign(data, ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(raw).decode()


def cert_fingerprint(cert_path: Path) -> str:
    return x509.load_pem_x509_certificate(cert_path.read_bytes()).fingerprint(hashes.SHA256()).hex()


def verify_answer(state: Path, body: bytes, signature: str) -> bool:
    cert = x509.load_pem_x509_certificate((state / "credentials" / "bank-signing.pem").read_bytes())
    try:
        cert.public_key().verify(base64.b64decode(signature), body, ec.ECDSA(hashes.SHA256()))
    except Exception:
        return False
    return True


def parse(body: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(body, parser)


def records(root: etree._Element, tag: str) -> list[dict[str, str]]:
    return [{c.tag: (c.text or "") for c in el} for el in root.findall(tag)]


def info(root: etree._Element) -> dict[str, str]:
    return {c.tag: (c.text or "") for c in root.find("INFO")}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-m", "sandbox_bank", *args], cwd=REPO, capture_output=True, text=True, timeout=30, check=False
    )


@dataclass
class Bank:
    state: Path
    proc: subprocess.Popen
    port: int
    session: requests.Session = field(init=False)

    def __post_init__(self) -> None:
        creds = self.state / "credentials"
        self.session = session_for(client_context(self.state, creds / "demo-client.pem", creds / "demo-client-key.pem"))

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/cmb/fbsdk"

    def post(
        self,
        body: bytes,
        headers: dict[str, str] | None = None,
        timeout: float = 5,
        session: requests.Session | None = None,
    ) -> requests.Response:
        return (session or self.session).post(self.url, data=body, headers=headers or {}, timeout=timeout)

    def signed_headers(self, body: bytes, signer: str = "demo") -> dict[str, str]:
        creds = self.state / "credentials"
        return {
            "X-BD-Signature": sign(creds / f"{signer}-signer-key.pem", body),
            "X-BD-Signer": cert_fingerprint(creds / f"{signer}-signer.pem"),
        }

    def pay(self, *recs: dict[str, str], timeout: float = 5) -> requests.Response:
        body = payment_body(*recs)
        return self.post(body, self.signed_headers(body), timeout=timeout)

    def status(self, ref: str) -> list[dict[str, str]]:
        r = self.post(xml_request("NTQRYSTY", [("NTQRYSTYX1", {"BUSCOD": "N02031", "YURREF": ref})]))
        root = parse(r.content)
        assert info(root)["RETCOD"] == "0", r.content
        return records(root, "NTSTLLSTZ")

    def wait_final(self, ref: str, timeout: float = 5.0) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            recs = self.status(ref)
            if recs and recs[-1]["REQSTS"] == "FIN":
                return recs[-1]
            time.sleep(0.05)
        raise AssertionError(f"{ref} not final within {timeout}s")

    def balance(self, account: str) -> str:
        r = self.post(xml_request("GetAccInfo", [("SDKACINFX", {"BBKNBR": "75", "ACCNBR": account})]))
        recs = records(parse(r.content), "NTQACINFZ")
        return recs[0]["ONLBLV"]

    def report(self) -> dict:
        """The bank's independent record, read from its state DB (same function as `report --json`)."""
        from sandbox_bank import admin

        return admin.report(self.state)

    def report_cli(self) -> dict:
        res = run_cli("report", "--state", str(self.state), "--json")
        assert res.returncode == 0, res.stderr
        return json.loads(res.stdout)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.session.close()
        return self.proc.returncode


def make_template(directory: Path) -> Path:
    from sandbox_bank import admin

    state = directory / "template"
    admin.init_state(
        state,
        seed=7,
        accounts=[
            admin.DemoAccount(PAYER, "测试付款有限公司", 100_000_000, 20_000_000, 30_000_000),
            admin.DemoAccount(POOR, "余额不足有限公司", 10_000),
            admin.DemoAccount(INTERNAL, "本行收款有限公司", 0),
        ],
    )
    return state


def start_bank(template: Path, target: Path, *args: str) -> Bank:
    state = target / "state"
    shutil.copytree(template, state)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [PYTHON, "-m", "sandbox_bank", "serve", "--state", str(state), "--port", "0", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = proc.stdout.readline()
    if not line.startswith("LISTENING "):
        proc.kill()
        raise AssertionError(f"sandbox bank did not start: {line!r} {proc.stderr.read()}")
    return Bank(state, proc, int(line.split()[2]))
