"""Bank transport overhead: a balance query across 50 accounts and a 10,000-row transaction-detail download
from a sandbox bank process, through our stack (connector factory → HttpsTransport with pinning and the masked
message log → CMB plugin with answer-signature checks and parsing into values) against the same request bytes
sent with a bare ``requests`` session (mutual TLS, no pinning, no signature check, only the continuation key
read from each page). Rounds alternate between the two so machine load hits both alike."""

from __future__ import annotations

import datetime as dt
import ssl
import tempfile
import time
from pathlib import Path

import requests
from lxml import etree
from requests.adapters import HTTPAdapter

ACCOUNTS = 50
ROWS = 10_000
PAGE = 1000
ROUNDS = 3


class _Adapter(HTTPAdapter):
    def __init__(self, ctx: ssl.SSLContext):
        self._ctx = ctx
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["ssl_context"] = self._ctx
        return super().init_poolmanager(*args, **kwargs)


def _make_state(root: Path) -> tuple[Path, list[str]]:
    from sandbox_bank import admin
    from sandbox_bank.ledger import Ledger

    accounts = [admin.DemoAccount(f"75591000{i:07d}", f"基准测试账户{i}", 10_000_000 + i) for i in range(ACCOUNTS)]
    state = root / "bank"
    admin.init_state(state, seed=3, accounts=accounts)
    numbers = [a.account for a in accounts]
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    ledger = Ledger(state)
    try:
        with ledger.tx() as c:
            balance = accounts[0].balance_minor
            rows = []
            for i in range(ROWS):
                balance += 100 + i
                rows.append((numbers[0], 100 + i, balance, f"6217000000{i:06d}", "付款单位", "货款",
                             (start + dt.timedelta(seconds=200 * i)).timestamp()))
            c.executemany("INSERT INTO entries (account, instruction_id, kind, direction, amount_minor,"
                          " balance_after_minor, counterparty_account, counterparty_name, client_reference, purpose,"
                          " booked_at) VALUES (?, NULL, 'INCOMING', 'C', ?, ?, ?, ?, '', ?, ?)", rows)
            c.execute("UPDATE accounts SET balance_minor = ? WHERE account = ?", (balance, numbers[0]))
    finally:
        ledger.close()
    return state, numbers


def _ours(state: Path, port: int, numbers: list[str]):
    from app.adapters.connector_factory import RegistryConnectorFactory
    from app.adapters.memory_secrets import MemorySecretStore
    from app.domain.banking import ConnectionProfile, client_key_secret_name
    from app.plugins.registry import load_registry

    creds = state / "credentials"
    secrets = MemorySecretStore()
    secrets.set_secret(client_key_secret_name(1), (creds / "demo-client-key.pem").read_text())
    from app.adapters.http_transport import spki_pin_of_pem

    profile = ConnectionProfile(
        id=1, name="bench", plugin_id="cmb_fbsdk", base_url=f"https://127.0.0.1:{port}",
        settings={"login_name": "BENCH", "page_rows": str(PAGE)}, ca_cert_pem=(creds / "ca.pem").read_text(),
        client_cert_pem=(creds / "demo-client.pem").read_text(),
        bank_cert_pem=(creds / "bank-signing.pem").read_text(),
        pins=(spki_pin_of_pem((creds / "server.pem").read_bytes()),), has_client_key=True)
    factory = RegistryConnectorFactory(load_registry(include_entry_points=False), secrets)
    log: list = []
    today = dt.datetime.now(dt.UTC).date()

    def once() -> tuple[int, int]:
        with factory.open(profile, log.append) as session:
            balances = session.connector.get_balances(numbers)
            rows, cursor = 0, None
            while True:
                page = session.connector.get_transactions(numbers[0], today - dt.timedelta(days=40), today, cursor)
                rows += len(page.items)
                cursor = page.next_cursor
                if not cursor:
                    break
        return len(balances), rows

    return once


def _reference(state: Path, port: int, numbers: list[str]):
    from bank_plugins.cmb_fbsdk import codec

    creds = state / "credentials"
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(cafile=str(creds / "ca.pem"))
    ctx.load_cert_chain(str(creds / "demo-client.pem"), str(creds / "demo-client-key.pem"))
    url = f"https://127.0.0.1:{port}/cmb/fbsdk"
    today = dt.datetime.now(dt.UTC).date()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    headers = {"Content-Type": "text/xml; charset=GBK"}

    def once() -> tuple[int, int]:
        s = requests.Session()
        s.trust_env = False
        s.mount("https://", _Adapter(ctx))
        with s:
            body = codec.build_balance_query(numbers, login_name="BENCH")
            root = etree.fromstring(s.post(url, data=body, headers=headers, timeout=30).content, parser)
            balances = len(root.findall("NTQACINFZ"))
            rows, cursor = 0, ""
            while True:
                body = codec.build_transactions_query(numbers[0], today - dt.timedelta(days=40), today,
                                                      login_name="BENCH", max_rows=PAGE, cursor=cursor)
                root = etree.fromstring(s.post(url, data=body, headers=headers, timeout=30).content, parser)
                rows += len(root.findall("NTQTSINFZ"))
                cursor = root.findtext("NTQTSCTNZ/CTNKEY") or ""
                if root.findtext("NTQTSCTNZ/CTNFLG") != "Y" or not cursor:
                    break
        return balances, rows

    return once


def run() -> dict:
    from app.adapters.sandbox_bank_process import SandboxBankProcess

    with tempfile.TemporaryDirectory(prefix="bench-transport-") as tmp:
        state, numbers = _make_state(Path(tmp))
        with SandboxBankProcess(state, 0) as bank:
            ours_fn, ref_fn = _ours(state, bank.port, numbers), _reference(state, bank.port, numbers)
            assert ours_fn() == ref_fn() == (ACCOUNTS, ROWS)  # warm-up and correctness: same answers
            ours = reference = 0.0
            for _ in range(ROUNDS):
                t = time.perf_counter()
                ours_fn()
                ours += time.perf_counter() - t
                t = time.perf_counter()
                ref_fn()
                reference += time.perf_counter() - t
    return {
        "name": f"balances x{ACCOUNTS} + {ROWS:,} detail rows over mTLS",
        "ours_s": ours / ROUNDS,
        "reference_s": reference / ROUNDS,
        "ratio": ours / reference if reference else float("inf"),
        "reference": "bare requests + lxml",
        "target_ratio": 2,
    }


if __name__ == "__main__":
    print(run())
