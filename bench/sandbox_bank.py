"""Sandbox bank throughput with a ledger already holding 100,000 instructions: signed 50-record DCPAYMNT
requests against the same server answering a trivial query (GetAccInfo of one account: mutual TLS, HTTP,
parse, answer signing — the transport limit), in the same run, rounds alternating so machine load hits both
alike. ratio = ms per DCPAYMNT / ms per trivial query. Also: ms per NTQRYSTN page of 1,000 over the same
server (the paged status list the client walks instead of one NTQRYSTY per reference).

Also the bank's own CPU (its process's user + system time, Linux /proc), each on its own after the timed rounds:
ms per payment over CPU_PAY_REQUESTS more DCPAYMNT and their execution (1 s, the idle advancer included), ms per
GetAccInfo, and ms per record of the NTQRYSTN walk. The bank shares the machine with this client: the CPU figures
say what the bank costs, whatever the wall times.

One sender on one keep-alive connection (as one submission worker would). The server runs as its own process
(``python -m sandbox_bank serve``, WAL + synchronous=FULL, background advancer on), so everything the bank does
for a request — the payments are also executed by the advancer while the run goes on — is in the figure.
``python -m bench sandbox_bank`` or ``python -m bench.sandbox_bank [EXISTING] [--profile] [--no-daily-limit]``;
``--profile`` prints a cProfile of the dialect handling DCPAYMNT in-process instead.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import ssl
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

import requests
from requests.adapters import HTTPAdapter

EXISTING = 100_000
RECORDS = 50
ROUNDS = 3
PAY_PER_ROUND = 40  # DCPAYMNT requests per round
TRIVIAL_PER_ROUND = 80
LIST_PAGE = 1000
CPU_PAY_REQUESTS = 100  # DCPAYMNT requests for the bank's CPU per payment
TARGET_RATIO = 4.0  # DCPAYMNT adds 50 records parsed, a signature check, 50 inserts, a FULL-sync commit
PAYER = "6225880000000101"
PAYEE_BASE = "6217000000"


class _Adapter(HTTPAdapter):
    def __init__(self, ctx: ssl.SSLContext):
        self._ctx = ctx
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["ssl_context"] = self._ctx
        return super().init_poolmanager(*args, **kwargs)


def _xml(funnam: str, blocks: list[tuple[str, dict[str, str]]]) -> bytes:
    parts = [f"<INFO><FUNNAM>{funnam}</FUNNAM><DATTYP>2</DATTYP><LGNNAM>BENCH</LGNNAM></INFO>"]
    for tag, fields in blocks:
        parts.append(f"<{tag}>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items()) + f"</{tag}>")
    return ('<?xml version="1.0" encoding="GBK"?><CMBSDKPGK>' + "".join(parts) + "</CMBSDKPGK>").encode("gbk")


def payment_body(refs: list[str]) -> bytes:
    records = [("DCOPDPAYX", {"YURREF": ref, "DBTACC": PAYER, "DBTBBK": "75",
                              "TRSAMT": f"{100 + i % 900}.{i % 100:02d}", "CCYNBR": "10", "STLCHN": "N",
                              "NUSAGE": "工资", "BNKFLG": "N",
                              "CRTACC": f"{PAYEE_BASE}{100_000 + i:06d}", "CRTNAM": "收款个人",
                              "CRTBNK": "中国工商银行深圳分行"})
               for i, ref in enumerate(refs)]
    return _xml("DCPAYMNT", [("SDKPAYRQX", {"BUSCOD": "N02031", "BUSMOD": "00001"}), *records])


def make_state(root: Path, existing: int, daily_limit: bool = True) -> Path:
    """A bank whose payer account already holds ``existing`` executed instructions (booked today, so the daily
    limit check sees them all) and their ledger entries. ``daily_limit``: the account has one (not reached)."""
    from sandbox_bank import admin
    from sandbox_bank.ledger import Ledger

    state = root / "bank"
    balance = 10**13
    account = admin.DemoAccount(PAYER, "基准测试有限公司", balance, None, 10**14 if daily_limit else None)
    admin.init_state(state, seed=5, accounts=[account])
    ledger = Ledger(state)
    now = time.time()
    start = max(now - 1800, dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(0), dt.UTC).timestamp())
    step = (now - 5 - start) / max(existing, 1)
    instructions, entries = [], []
    for i in range(existing):
        at = start + i * step
        amount = 1000 + i % 5000
        balance -= amount
        ref = f"OLD{i:08d}"
        payee = f"{PAYEE_BASE}{i % 900_000 + 100_000:06d}"
        instructions.append((i + 1, f"{i + 1:010d}", ref, PAYER, payee, "历史收款人", "中国银行", amount, "CNY", "工资",
                             "0" * 64, "0" * 64, at, at + 0.4))
        entries.append((PAYER, i + 1, amount, balance, payee, "历史收款人", ref, at + 0.4))
    try:
        with ledger.tx() as c:
            c.executemany(
                "INSERT INTO instructions (id, req_nbr, client_reference, debit_account, payee_account, payee_name,"
                " payee_bank, amount_minor, currency, purpose, content_hash, body_sha256, state, received_at,"
                " executed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'SUCCEEDED',?,?)", instructions)
            c.executemany(
                "INSERT INTO entries (account, instruction_id, kind, direction, amount_minor, balance_after_minor,"
                " counterparty_account, counterparty_name, client_reference, purpose, booked_at)"
                " VALUES (?,?,'PAYMENT','D',?,?,?,?,?,'工资',?)", entries)
            c.execute("UPDATE accounts SET balance_minor = ? WHERE account = ?", (balance, PAYER))
    finally:
        ledger.close()
    return state


class _Client:
    def __init__(self, state: Path, port: int):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization

        creds = state / "credentials"
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_verify_locations(cafile=str(creds / "ca.pem"))
        ctx.load_cert_chain(str(creds / "demo-client.pem"), str(creds / "demo-client-key.pem"))
        self.url = f"https://127.0.0.1:{port}/cmb/fbsdk"
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.mount("https://", _Adapter(ctx))
        self._key = serialization.load_pem_private_key((creds / "demo-signer-key.pem").read_bytes(), None)
        cert = x509.load_pem_x509_certificate((creds / "demo-signer.pem").read_bytes())
        self._fp = cert.fingerprint(hashes.SHA256()).hex()
        self._hashes = hashes

    def signed(self, body: bytes) -> tuple[bytes, dict[str, str]]:
        from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

        if isinstance(self._key, rsa.RSAPrivateKey):
            sig = self._key.sign(body, padding.PKCS1v15(), self._hashes.SHA256())
        else:
            sig = self._key.sign(body, ec.ECDSA(self._hashes.SHA256()))
        return body, {"X-BD-Signature": base64.b64encode(sig).decode(), "X-BD-Signer": self._fp}

    def post(self, body: bytes, headers: dict[str, str] | None = None) -> bytes:
        r = self.session.post(self.url, data=body, headers=headers or {}, timeout=60)
        if r.status_code != 200 or b"<RETCOD>0</RETCOD>" not in r.content:
            raise AssertionError(f"bank refused: {r.status_code} {r.content[:300]!r}")
        return r.content


def _list_pages(client: _Client) -> tuple[int, int, float]:
    """Walk every NTQRYSTN page of today for the payer: (records, pages, seconds)."""
    import re

    today = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    key, records, pages = "", 0, 0
    t = time.perf_counter()
    while True:
        fields = {"BUSCOD": "N02031", "BUSMOD": "00001", "BGNDAT": today, "ENDDAT": today, "DBTACC": PAYER}
        if key:
            fields["CTNKEY"] = key
        out = client.post(_xml("NTQRYSTN", [("NTQRYSTNY1", fields)]))
        records += out.count(b"<NTSTLLSTZ>")
        pages += 1
        m = re.search(rb"<NTQRYSTNZ1><CTNKEY>([^<]*)</CTNKEY>", out)
        if not m:
            break
        key = m.group(1).decode()
    return records, pages, time.perf_counter() - t


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; NaN elsewhere)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return float("nan")
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(existing: int = EXISTING, daily_limit: bool = True) -> dict:
    from app.adapters.sandbox_bank_process import SandboxBankProcess

    with tempfile.TemporaryDirectory(prefix="bench-sandbox-bank-") as tmp:
        state = make_state(Path(tmp), existing, daily_limit)
        with SandboxBankProcess(state, 0) as bank:
            client = _Client(state, bank.port)
            trivial = _xml("GetAccInfo", [("SDKACINFX", {"BBKNBR": "75", "ACCNBR": PAYER})])
            seq = 0
            batches = []
            for _ in range(ROUNDS * PAY_PER_ROUND + CPU_PAY_REQUESTS + 1):  # signed up front: not timed
                refs = [f"B{seq + k:09d}" for k in range(RECORDS)]
                seq += RECORDS
                batches.append(client.signed(payment_body(refs)))
            out = client.post(*batches.pop())  # warm-up, and every record received
            assert out.count(b"<ERRCOD>SUC0000</ERRCOD>") == RECORDS, out[:500]
            client.post(trivial)
            cpu_batches = [batches.pop() for _ in range(CPU_PAY_REQUESTS)]
            pay_s = triv_s = 0.0
            for r in range(ROUNDS):
                t = time.perf_counter()
                for body, headers in batches[r * PAY_PER_ROUND:(r + 1) * PAY_PER_ROUND]:
                    client.post(body, headers)
                pay_s += time.perf_counter() - t
                t = time.perf_counter()
                for _ in range(TRIVIAL_PER_ROUND):
                    client.post(trivial)
                triv_s += time.perf_counter() - t
            time.sleep(1.0)  # the last payments are executed
            pid = bank._proc.pid
            cpu = _cpu_s(pid)
            for body, headers in cpu_batches:
                client.post(body, headers)
            time.sleep(1.0)  # and executed
            pay_cpu = (_cpu_s(pid) - cpu) / (CPU_PAY_REQUESTS * RECORDS)
            cpu = _cpu_s(pid)
            for _ in range(TRIVIAL_PER_ROUND * 3):
                client.post(trivial)
            triv_cpu = (_cpu_s(pid) - cpu) / (TRIVIAL_PER_ROUND * 3)
            cpu = _cpu_s(pid)
            try:
                records, pages, list_s = _list_pages(client)
            except AssertionError as exc:  # a bank without NTQRYSTN
                records, pages, list_s = 0, 0, float("nan")
                print(f"NTQRYSTN not available: {exc}", file=sys.stderr)
            list_cpu = (_cpu_s(pid) - cpu) / records if records else float("nan")
            client.session.close()
    pay_ms = pay_s / (ROUNDS * PAY_PER_ROUND) * 1000
    triv_ms = triv_s / (ROUNDS * TRIVIAL_PER_ROUND) * 1000
    page_ms = list_s / pages * 1000 if pages else float("nan")
    return {
        "name": f"sandbox bank: {RECORDS}-record DCPAYMNT with {existing:,} instructions in the ledger",
        "ours_s": pay_ms / 1000, "reference_s": triv_ms / 1000, "ratio": pay_ms / triv_ms,
        "reference": "the same server answering GetAccInfo (transport limit)", "target_ratio": TARGET_RATIO,
        "payments_per_s": 1000 / pay_ms * RECORDS, "requests_per_s": 1000 / pay_ms,
        "trivial_per_s": 1000 / triv_ms, "list_page_ms": page_ms, "list_records": records, "list_pages": pages,
        "bank_cpu_ms_per_payment": pay_cpu * 1000, "bank_cpu_ms_per_trivial": triv_cpu * 1000,
        "bank_cpu_ms_per_list_record": list_cpu * 1000,
        "detail": f"DCPAYMNT {pay_ms:.1f} ms/request ({1000 / pay_ms:.1f} req/s, {1000 / pay_ms * RECORDS:.0f} "
                  f"payments/s), GetAccInfo {triv_ms:.1f} ms ({1000 / triv_ms:.1f} req/s); NTQRYSTN {page_ms:.1f} "
                  f"ms per page of ≤{LIST_PAGE} ({records:,} records in {pages} pages); bank CPU "
                  f"{pay_cpu * 1000:.3f} ms per payment, {triv_cpu * 1000:.2f} ms per GetAccInfo, "
                  f"{list_cpu * 1000:.3f} ms per listed record",
    }


def profile(existing: int = EXISTING, requests_n: int = 40, daily_limit: bool = True) -> None:
    """cProfile of CmbDialect.handle + render for DCPAYMNT in-process (engine, SQLite, no TLS)."""
    import cProfile
    import pstats

    from sandbox_bank.dialects import cmb
    from sandbox_bank.engine import Engine
    from sandbox_bank.ledger import Ledger

    with tempfile.TemporaryDirectory(prefix="bench-sandbox-prof-") as tmp:
        state = make_state(Path(tmp), existing, daily_limit)
        ledger = Ledger(state)
        engine = Engine(ledger)
        dialect = cmb.CmbDialect(engine)
        bodies = [payment_body([f"P{r:05d}{k:03d}" for k in range(RECORDS)]) for r in range(requests_n)]

        def one(body: bytes) -> None:
            req = cmb.parse(body)
            answer = dialect.handle(req, body_sha256=hashlib.sha256(body).hexdigest(), signer="x")
            dialect.render(answer, time.time())

        prof = cProfile.Profile()
        t = time.perf_counter()
        prof.enable()
        for i, body in enumerate(bodies):
            one(body)
            if i % 4 == 3:
                engine.advance()  # as the background advancer would, between requests
        prof.disable()
        elapsed = time.perf_counter() - t
        print(f"{requests_n} DCPAYMNT x{RECORDS} in-process: {elapsed / requests_n * 1000:.1f} ms/request")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        time.sleep(0.5)
        prof = cProfile.Profile()
        wall, t = time.time(), time.perf_counter()
        prof.enable()
        engine.advance()
        prof.disable()
        due = ledger.query("SELECT COUNT(*) FROM instructions WHERE executed_at >= ?", (wall,))[0][0]
        print(f"advance() executing the {due} due ones: {(time.perf_counter() - t) * 1000:.1f} ms")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(12)
        ledger.close()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else EXISTING
    limit = "--no-daily-limit" not in sys.argv
    if "--profile" in sys.argv:
        profile(n, daily_limit=limit)
    else:
        print(json.dumps(run(n, limit), indent=2))
