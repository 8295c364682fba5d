"""The demo's sandbox bank: create its state (accounts, credentials, some incoming history) under
DATA_DIR/sandbox-bank and run ``python -m sandbox_bank serve`` as a child process for the GUI demo.

The sandbox bank is an outside party: this adapter uses only its admin API and its command line, plus one
direct insert of historical incoming credits into its ledger (there is no admin command for those yet).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.domain.errors import OperationalError

STATE_DIRNAME = "sandbox-bank"
DEFAULT_PORT = 18443
_REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SandboxAccount:
    account: str
    name: str
    bank_code: str
    currency: str
    balance_minor: int


@dataclass(frozen=True)
class SandboxFiles:
    state: Path
    ca_pem: Path
    server_pem: Path
    bank_signing_pem: Path
    client_pem: Path
    client_key_pem: Path
    signer_pem: Path
    signer_key_pem: Path


def sandbox_files(state: Path) -> SandboxFiles:
    creds = state / "credentials"
    return SandboxFiles(state, creds / "ca.pem", creds / "server.pem", creds / "bank-signing.pem",
                        creds / "demo-client.pem", creds / "demo-client-key.pem", creds / "demo-signer.pem",
                        creds / "demo-signer-key.pem")


def _seed_history(state: Path, accounts: list[SandboxAccount], seed: int, days: int = 45) -> None:
    """Incoming customer payments over the last ``days`` days, so the demo's transaction view has content.
    The opening balance is lowered so the final balance is still the account's configured balance."""
    from sandbox_bank.ledger import Ledger

    rng = random.Random(seed)
    payers = ["深圳市华强电子有限公司", "上海浦江物流有限公司", "杭州西湖茶业有限公司", "成都天府食品有限公司",
              "南京金陵建材有限公司", "厦门鹭岛贸易有限公司"]
    now = datetime.now(UTC)
    ledger = Ledger(state)
    try:
        for acc in accounts:
            n = rng.randrange(12, 30)
            amounts = [rng.randrange(1_000_00, 80_000_00) for _ in range(n)]
            total = sum(amounts)
            if total >= acc.balance_minor:
                continue
            times = sorted(now - timedelta(days=rng.uniform(1, days)) for _ in range(n))
            with ledger.tx() as c:
                c.execute("UPDATE accounts SET opening_balance_minor = ?, balance_minor = ? WHERE account = ?",
                          (acc.balance_minor - total, acc.balance_minor, acc.account))
                balance = acc.balance_minor - total
                for amount, at in zip(amounts, times, strict=True):
                    balance += amount
                    payer = rng.choice(payers)
                    c.execute(
                        "INSERT INTO entries (account, instruction_id, kind, direction, amount_minor,"
                        " balance_after_minor, counterparty_account, counterparty_name, client_reference, purpose,"
                        " booked_at) VALUES (?, NULL, 'INCOMING', 'C', ?, ?, ?, ?, '', ?, ?)",
                        (acc.account, amount, balance, f"62{rng.randrange(10**13, 10**14)}", payer, "货款",
                         at.timestamp()))
    finally:
        ledger.close()


def ensure_sandbox_state(data_dir: Path, accounts: list[SandboxAccount], seed: int = 1) -> SandboxFiles:
    """Create DATA_DIR/sandbox-bank once (CA, server, bank signing, demo client and signer; the accounts with
    their balances and some history). A second call finds it and adds only accounts that are missing."""
    from sandbox_bank import admin

    state = data_dir / STATE_DIRNAME
    if not (state / "bank.sqlite3").exists():
        admin.init_state(state, seed=seed, accounts=[])
        for acc in accounts:
            admin.add_account(state, acc.account, acc.name, acc.bank_code, acc.currency, acc.balance_minor)
        _seed_history(state, accounts, seed)
        # the client certificate is also the channel key that signs payment messages (enrolled at the bank)
        files = sandbox_files(state)
        admin.register_signer_certificate(state, "demo-channel", files.client_pem.read_text(encoding="ascii"))
    else:
        ledger = admin.open_ledger(state)
        try:
            known = {a.account for a in ledger.accounts()}
        finally:
            ledger.close()
        for acc in accounts:
            if acc.account not in known:
                admin.add_account(state, acc.account, acc.name, acc.bank_code, acc.currency, acc.balance_minor)
    return sandbox_files(state)


class SandboxBankProcess:
    """``python -m sandbox_bank serve --state S --port P`` as a child; ``start()`` waits for LISTENING."""

    def __init__(self, state: Path, port: int, *, extra_args: tuple[str, ...] = ()):
        self.state = state
        self.port = port
        self._extra = extra_args
        self._proc: subprocess.Popen | None = None

    def start(self, timeout_s: float = 20.0) -> int:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self._log = open(self.state / "server.log", "ab")
        self._proc = subprocess.Popen(  # noqa: S603 - fixed argv: this interpreter and the sandbox module
            [sys.executable, "-m", "sandbox_bank", "serve", "--state", str(self.state), "--port", str(self.port),
             *self._extra], cwd=_REPO, stdout=subprocess.PIPE, stderr=self._log, text=True, env=env)
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self._proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout_s)
        first = line[0] if line else ""
        if not first.startswith("LISTENING "):
            self.stop()
            raise OperationalError(f"the sandbox bank did not start on port {self.port}: {first.strip() or 'no answer'}"
                                   " (is the port in use? try --sandbox-port)", code="SANDBOX_START")
        self.port = int(first.split()[2])
        threading.Thread(target=self._drain, daemon=True).start()
        return self.port

    def _drain(self) -> None:
        proc = self._proc
        if proc is None or proc.stdout is None:
            return
        for _ in proc.stdout:
            pass

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        self._log.close()

    def __enter__(self) -> SandboxBankProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
