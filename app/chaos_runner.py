"""The chaos run of RELIABILITY.md §1: the real worker, as subprocesses, against the sandbox bank with faults
injected and de-duplication OFF, killed again and again; then the ledger is compared with the bank's own report.

One run:

1. a fresh demo ledger (SQLite in a temporary folder, or ``--db-url`` on PostgreSQL) and its sandbox bank
   (``--dedup off --faults SPEC --seed S``);
2. N signed payments, made in waves through the real services (maker → approver1 → signer with a software batch
   signer); a share go to payee accounts ending 0001 (the bank rejects them, AC01) and 0009 (paid, then
   returned 退票), so not everything succeeds;
3. worker subprocesses (``bankdirect worker --until-idle``), before each a new wave of payments:
   (a) killed at every named crash point of the engine (``BANKDIRECT_CRASH_AT=point@k``), ``rounds`` times;
   (b) ``kills`` random SIGKILLs: at random crash points (``BANKDIRECT_CRASH_RANDOM``) or at a random instant;
   (c) with 2+ workers on PostgreSQL: all workers at once, one of them SIGSTOPped while it holds a lease, for
   longer than the lease, then SIGCONTed;
4. a last clean ``worker --until-idle``, then the checks against ``sandbox-bank report``:
   no client reference debited twice, no debit the ledger does not know; every SUCCEEDED/RETURNED payment has
   exactly one debit and every FAILED one none; every payment final or in the needs-attention queue; no UNKNOWN
   older than its SLA without attention; the sum of debits equals the sum of SUCCEEDED + RETURNED payments.

Every random choice comes from ``Random(seed)`` (the bank's faults from its own ``--seed``), so a failing run is
replayed with the same ``--seed`` (timed kills and process scheduling add some jitter; crash points do not).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CRASH_POINTS = (
    "after_reference_alloc_before_commit",
    "after_reference_commit",
    "after_signature_before_store",
    "after_signed_bytes_stored",
    "after_send_attempt_row",
    "before_send",
    "after_tls_before_body",        # on the wire (app/adapters/http_transport.py)
    "mid_body",
    "after_request_before_answer",
    "after_answer_before_parse",
    "after_answer_before_status_commit",
    "after_status_commit",
    "during_status_polling",
)
DEFAULT_FAULTS = "all=0.03"
FAIL_SUFFIX = "0001"     # sandbox: AC01, the payee account does not exist
RETURN_SUFFIX = "0009"   # sandbox: paid, then returned (退票)
_REPO = Path(__file__).resolve().parents[1]


class ChaosError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ChaosConfig:
    payments: int = 40
    seed: int = 1
    db_url: str | None = None
    workers: int = 1
    faults: str = DEFAULT_FAULTS
    kills: int = 4                      # random SIGKILLs (b)
    rounds: int = 1                     # passes over every named crash point (a)
    crash_points: tuple[str, ...] = CRASH_POINTS
    pause: bool | None = None           # (c); None: on PostgreSQL with 2+ workers
    data_dir: Path | None = None        # None: a temporary folder (kept when a check fails)
    lease_s: float = 3.0
    run_timeout_s: float = 30.0         # one killed/crashing worker run
    final_timeout_s: float = 120.0      # the last clean run
    slow_seconds: float = 1.0           # the sandbox's slow_answer delay
    unknown_sla_s: float = 600.0
    fail_share: float = 0.1
    return_share: float = 0.05
    amount_minor: int = 100             # per payment (+ a little per payment, so amounts differ)

    def validate(self) -> None:
        from sandbox_bank.faults import FaultSpecError, parse_spec

        if not 1 <= self.payments <= 1_000_000:
            raise ChaosError("PAYMENTS_RANGE", "--payments must be 1 … 1,000,000")
        if not 1 <= self.workers <= 8:
            raise ChaosError("WORKERS_RANGE", "--workers must be 1 … 8")
        if self.kills < 0 or self.rounds < 0:
            raise ChaosError("KILLS_RANGE", "--kills and --rounds must be ≥ 0")
        unknown = [p for p in self.crash_points if p not in CRASH_POINTS]
        if unknown:
            raise ChaosError("CRASH_POINT", f"unknown crash point(s): {', '.join(unknown)}")
        try:
            parse_spec(self.faults)
        except FaultSpecError as exc:
            raise ChaosError("FAULT_SPEC", str(exc)) from None
        if self.pause and not self.pausing_possible:
            raise ChaosError("PAUSE_NEEDS_PG", "pausing a worker past its lease needs PostgreSQL and 2+ workers")

    @property
    def pausing_possible(self) -> bool:
        return bool(self.db_url) and self.workers >= 2

    @property
    def do_pause(self) -> bool:
        return self.pausing_possible if self.pause is None else self.pause


@dataclass
class ChaosResult:
    seed: int
    payments: int = 0
    faults: int = 0
    fault_kinds: dict = field(default_factory=dict)
    crash_points_hit: Counter = field(default_factory=Counter)
    rounds: int = 0
    random_kills: int = 0
    paused: list = field(default_factory=list)      # descriptions of SIGSTOP/SIGCONT episodes
    duplicates: int = 0
    lost: int = 0
    unknown_over_sla: int = 0
    attention: int = 0
    statuses: dict = field(default_factory=dict)
    debits: int = 0
    debit_sum_minor: int = 0
    paid_sum_minor: int = 0
    problems: list = field(default_factory=list)     # every failed check, one line each
    elapsed_s: float = 0.0
    data_dir: str = ""
    worker_runs: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        return (f"payments={self.payments} faults={self.faults} "
                f"crash_points={len(self.crash_points_hit)}×{self.rounds} duplicates={self.duplicates} "
                f"lost={self.lost} unknown_over_sla={self.unknown_over_sla} seed={self.seed}")

    def as_dict(self) -> dict:
        return {"ok": self.ok, "line": self.line(), "seed": self.seed, "payments": self.payments,
                "faults": self.faults, "fault_kinds": self.fault_kinds,
                "crash_points_hit": dict(self.crash_points_hit), "rounds": self.rounds,
                "random_kills": self.random_kills, "paused": self.paused, "duplicates": self.duplicates,
                "lost": self.lost, "unknown_over_sla": self.unknown_over_sla, "attention": self.attention,
                "statuses": self.statuses, "debits": self.debits, "debit_sum_minor": self.debit_sum_minor,
                "paid_sum_minor": self.paid_sum_minor, "problems": self.problems,
                "elapsed_s": round(self.elapsed_s, 1), "worker_runs": self.worker_runs, "data_dir": self.data_dir}


# -- the ledger side ----------------------------------------------------------------------------------------------
def software_batch_signer():
    """A throw-away EC key with a self-signed certificate (the batch signature is the signer's, not the bank's)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from app.adapters.software_signer import SoftwareKeySigner

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "chaos run signer")])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=365)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return SoftwareKeySigner(key_pem, None, None, certificate_pem=cert.public_bytes(serialization.Encoding.PEM))


class Ledger:
    """The demo ledger, opened in this process to make payments and to read the outcome (never to send)."""

    def __init__(self, data_dir: Path, db_url: str | None):
        from app.bootstrap import open_app
        from app.cli_bank import prepare_demo_sandbox
        from app.config import AppConfig
        from app.services.demo_data import DEMO_PASSWORD, populate_demo

        self.ctx = open_app(AppConfig.resolve(data_dir, db_url, demo=True))
        populate_demo(self.ctx.services)
        self.state, _ = prepare_demo_sandbox(self.ctx, 1)
        self._password = DEMO_PASSWORD
        s = self.ctx.services
        self.maker, self.approver = self._login("maker"), self._login("approver1")
        self.signer, self.admin = self._login("signer"), self._login("admin")
        accounts = [a for a in s.master_data.list_accounts(self.admin)
                    if a.connection_profile_id is not None and a.currency == "CNY"]
        if not accounts:
            raise ChaosError("NO_ACCOUNT", "the demo ledger has no CNY account linked to a connection profile")
        self.account = accounts[0]
        self.payees = {kind: self._payee(suffix) for kind, suffix in
                       (("ok", "5555"), ("fail", FAIL_SUFFIX), ("return", RETURN_SUFFIX))}
        self._batch_signer = software_batch_signer()
        self.ids: list[int] = []

    def _login(self, name: str):
        return self.ctx.services.auth.login(name, self._password)

    def point_at(self, port: int) -> None:
        from app.cli_bank import prepare_demo_sandbox

        prepare_demo_sandbox(self.ctx, port)

    def _payee(self, suffix: str):
        from app.domain.identifiers import cnaps_check_digit

        number = "62220000" + suffix.rjust(8, "7")
        md = self.ctx.services.master_data
        for p in md.search_payees(self.admin, number, 0, 10):
            if p.account_number == number:
                return p
        code = "10210000023"
        fields = {"name": f"混沌测试收款单位{suffix}", "account_number": number, "bank_name": "中国工商银行",
                  "cnaps_code": code + cnaps_check_digit(code)}
        return md.add_payee(self.admin, fields).entity

    def make_signed(self, kinds: list[str], amount_base: int) -> list[int]:
        """One payment per kind ('ok' | 'fail' | 'return'): created, submitted, approved, signed."""
        if not kinds:
            return []
        s = self.ctx.services
        ids = []
        for i, kind in enumerate(kinds):
            minor = amount_base + (len(self.ids) + i) % 97
            p = s.payments.create(self.maker, {"debit_account_id": self.account.id, "payee_id": self.payees[kind].id,
                                               "amount": f"{minor // 100}.{minor % 100:02d}", "purpose": "货款"},
                                  override_duplicate=True).entity
            s.payments.submit(self.maker, p.id, override_duplicate=True)
            ids.append(p.id)
        s.approvals.approve(self.approver, ids, password=self._password)
        wanted = set(ids)
        for batch in s.signing.ready_batches(self.signer):
            if set(batch.payment_ids) & wanted:
                s.signing.sign_batch(self.signer, batch.batch_key, self._batch_signer)
        self.ids.extend(ids)
        return ids

    def tracked(self) -> list:
        """Every payment that was signed (a wave's signing batch may include older approved payments)."""
        from app.domain.payment import PaymentStatus as S

        before = {S.DRAFT, S.PENDING_APPROVAL, S.APPROVED, S.REJECTED}
        rows = self.ctx.services.submission.monitor(self.admin, limit=10_000_000)
        return [p for p in rows if p.client_reference or p.status not in before]

    def lease_holders(self) -> list[str]:
        """Workers holding a lease right now (``host:pid:nonce``)."""
        uow = self.ctx.ledger.unit_of_work_factory(self.ctx.audit_key, self.ctx.clock)
        with uow(read_only=True) as u:
            far = self.ctx.clock.now() + dt.timedelta(days=3650)
            return [s.lease_owner or "" for s in u.submissions.expired_leases(far)]

    def close(self) -> None:
        self.ctx.close()


# -- the worker side ----------------------------------------------------------------------------------------------
class Workers:
    def __init__(self, cfg: ChaosConfig, data_dir: Path, log: Callable[[str], None]):
        self.cfg = cfg
        self.data_dir = data_dir
        self.log = log
        self.runs = 0
        self.live: list[subprocess.Popen] = []

    def kill_all(self) -> None:
        for proc in self.live:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait()

    def argv(self, mode: list[str]) -> list[str]:
        c = self.cfg
        argv = [sys.executable, "-m", "app.cli", "worker", *mode, "--data-dir", str(self.data_dir),
                "--poll", "0.05", "--first-query", "0.05", "--query-backoff-max", "0.4", "--resend-backoff", "0.05",
                "--settle-lag", "0.3", "--query-interval", "0", "--no-record-confirmations", "2",
                "--lease", str(c.lease_s), "--unknown-sla", str(c.unknown_sla_s), "--ignore-quiet-hours", "--json"]
        if c.db_url:
            argv += ["--db-url", c.db_url]
        return argv

    def spawn(self, mode: list[str], env_extra: dict[str, str] | None = None,
              overrides: list[str] | None = None) -> subprocess.Popen:
        """``overrides``: worker flags placed last, so they win over the chaos defaults (e.g. --first-query)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("BANKDIRECT_CRASH")}
        env.update(env_extra or {})
        env["PYTHONUNBUFFERED"] = "1"
        self.runs += 1
        proc = subprocess.Popen([*self.argv(mode), *(overrides or [])], cwd=_REPO, env=env, stdout=subprocess.PIPE,  # noqa: S603
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.live = [p for p in self.live if p.poll() is None] + [proc]
        return proc

    def finish(self, proc: subprocess.Popen, timeout: float) -> tuple[int, str, str]:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        logs = self.data_dir / "worker-logs"
        logs.mkdir(exist_ok=True)
        (logs / f"{proc.pid}.txt").write_text(f"exit {proc.returncode}\n{out}\n--- stderr\n{err}", "utf-8")
        return proc.returncode, out, err


def _killed(rc: int) -> bool:
    return rc == -signal.SIGKILL


def _check_clean(rc: int, out: str, err: str, what: str) -> str | None:
    """A worker that was not killed must exit cleanly (0, or 3 = still in flight at its timeout)."""
    if _killed(rc) or rc in (0, 3):
        return None
    return f"WORKER_FAILED: {what} exited {rc}: {(err or out).strip()[-400:]}"


# -- the run ------------------------------------------------------------------------------------------------------
def _kinds(rng: random.Random, n: int, cfg: ChaosConfig) -> list[str]:
    out = []
    for _ in range(n):
        x = rng.random()
        out.append("fail" if x < cfg.fail_share else "return" if x < cfg.fail_share + cfg.return_share else "ok")
    return out


def _waves(total: int, parts: int) -> list[int]:
    parts = max(1, min(parts, total))
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def run(cfg: ChaosConfig, log: Callable[[str], None] | None = None) -> ChaosResult:
    from app.adapters.sandbox_bank_process import SandboxBankProcess

    cfg.validate()
    log = log or (lambda _m: None)
    started = time.monotonic()
    rng = random.Random(cfg.seed)
    temp = cfg.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix=f"bankdirect-chaos-{cfg.seed}-")) if temp else Path(cfg.data_dir)
    result = ChaosResult(seed=cfg.seed, data_dir=str(data_dir), rounds=cfg.rounds)
    ledger = Ledger(data_dir, cfg.db_url)
    bank = SandboxBankProcess(ledger.state, 0, extra_args=(
        "--dedup", "off", "--seed", str(cfg.seed), "--slow-seconds", str(cfg.slow_seconds),
        *(("--faults", cfg.faults) if cfg.faults else ())))
    workers = Workers(cfg, data_dir, log)
    try:
        ledger.point_at(bank.start())
        # every worker run gets a fresh wave of signed payments, so every stage always has work to crash in
        plan: list[tuple[str, str]] = [("point", p) for _ in range(cfg.rounds) for p in cfg.crash_points]
        plan += [("kill", "") for _ in range(cfg.kills)]
        if cfg.do_pause:
            plan.append(("pause", ""))
        waves = _waves(cfg.payments, len(plan) or 1)
        if not plan:
            plan = [("clean", "")]
        pending_waves = list(waves)
        for step, (kind, point) in enumerate(plan):
            size = pending_waves.pop(0) if pending_waves else 0
            ledger.make_signed(_kinds(rng, size, cfg), cfg.amount_minor)
            log(f"[{time.monotonic() - started:6.1f}s] step {step + 1}/{len(plan)}: {kind} {point} "
                f"(+{size} payments, {len(ledger.ids)} in all)")
            if kind == "point":
                _crash_at(workers, cfg, rng, point, result)
            elif kind == "kill":
                _random_kill(workers, cfg, rng, result)
            elif kind == "pause":
                _pause_one(workers, ledger, cfg, rng, result)
            else:
                rc, out, err = workers.finish(workers.spawn(["--until-idle", "--timeout", str(cfg.run_timeout_s)]),
                                              cfg.run_timeout_s + 60)
                if (problem := _check_clean(rc, out, err, "worker")) is not None:
                    result.problems.append(problem)
        # crash points a run never reached (the work was done before the k-th pass): once more, at the 1st pass
        for point in [p for p in cfg.crash_points if p not in result.crash_points_hit] if cfg.rounds else []:
            for _ in range(3):
                ledger.make_signed(_kinds(rng, 1, cfg), cfg.amount_minor)
                if _crash_at(workers, cfg, rng, point, result, nth=1):
                    break
        log(f"[{time.monotonic() - started:6.1f}s] final clean run")
        rc, out, err = workers.finish(workers.spawn(["--until-idle", "--timeout", str(cfg.final_timeout_s)]),
                                      cfg.final_timeout_s + 60)
        if rc == 3:  # still busy at its timeout: acceptable only for payments awaiting a person (checked below)
            log(f"  the last run timed out with work left: {out.strip()[-300:]}")
        elif rc != 0:
            result.problems.append(f"FINAL_RUN: the last clean worker exited {rc}: {(err or out).strip()[-400:]}")
        result.worker_runs = workers.runs
        _compare(ledger, result, cfg)
    finally:
        workers.kill_all()
        bank.stop()
        ledger.close()
    result.elapsed_s = time.monotonic() - started
    if temp and result.ok:
        shutil.rmtree(data_dir, ignore_errors=True)
        result.data_dir = ""
    return result


# passed once per pass that has work: the 1st pass is the one with the new wave
_ONCE_PER_WAVE = frozenset(CRASH_POINTS[:4])


def _crash_at(workers: Workers, cfg: ChaosConfig, rng: random.Random, point: str, result: ChaosResult,
              nth: int | None = None) -> bool:
    """One run with the first worker armed to die at ``point@k`` (the others start a little later, clean)."""
    k = nth or (1 if point in _ONCE_PER_WAVE else rng.randint(1, 3))
    mode = ["--until-idle", "--timeout", str(cfg.run_timeout_s)]
    procs = [workers.spawn(mode, {"BANKDIRECT_CRASH_AT": f"{point}@{k}"})]
    if cfg.workers > 1:
        time.sleep(0.5)  # let the armed worker take the new wave first
        procs += [workers.spawn(mode) for _ in range(cfg.workers - 1)]
    hit = False
    for i, proc in enumerate(procs):
        rc, out, err = workers.finish(proc, cfg.run_timeout_s + 60)
        if i == 0 and _killed(rc) and f"crash point {point}" in err:
            result.crash_points_hit[point] += 1
            hit = True
            workers.log(f"    killed at {point}@{k}")
        elif (problem := _check_clean(rc, out, err, f"worker (crash at {point}@{k})")) is not None:
            result.problems.append(problem)
    return hit


def _random_kill(workers: Workers, cfg: ChaosConfig, rng: random.Random, result: ChaosResult) -> None:
    """Half the time at random crash points (replayable), else a SIGKILL at a random instant."""
    at_points = rng.random() < 0.5
    crash_seed = rng.randrange(1 << 30)
    delay = rng.uniform(0.5, 3.0)
    env = {"BANKDIRECT_CRASH_RANDOM": "0.15", "BANKDIRECT_CRASH_SEED": str(crash_seed)} if at_points else None
    procs = [workers.spawn(["--until-idle", "--timeout", str(cfg.run_timeout_s)], env if i == 0 else None)
             for i in range(cfg.workers)]
    if not at_points:
        try:
            procs[0].wait(timeout=delay)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(procs[0].pid, signal.SIGKILL)
    for i, proc in enumerate(procs):
        rc, out, err = workers.finish(proc, cfg.run_timeout_s + 60)
        if i == 0 and _killed(rc):
            result.random_kills += 1
            how = err.strip().splitlines()[-1] if at_points and err.strip() else f"SIGKILL after {delay:.2f} s"
            workers.log(f"    random kill: {how}")
        elif (problem := _check_clean(rc, out, err, "worker (random kill)")) is not None:
            result.problems.append(problem)


def _pause_one(workers: Workers, ledger: Ledger, cfg: ChaosConfig, rng: random.Random, result: ChaosResult) -> None:
    """All workers at once (forever mode); one that holds a lease is SIGSTOPped past its lease, then SIGCONTed."""
    procs = [workers.spawn([]) for _ in range(cfg.workers)]
    paused = None
    deadline = time.monotonic() + 20.0
    try:
        while paused is None and time.monotonic() < deadline:
            holders = ledger.lease_holders()
            for proc in procs:
                if any(f":{proc.pid}:" in h for h in holders):
                    os.kill(proc.pid, signal.SIGSTOP)
                    paused = proc
                    break
            else:
                time.sleep(0.01)
        if paused is None:  # nobody was caught holding a lease: pause one anyway
            paused = procs[rng.randrange(len(procs))]
            os.kill(paused.pid, signal.SIGSTOP)
            result.paused.append(f"pid {paused.pid} paused without a lease")
        else:
            result.paused.append(f"pid {paused.pid} paused holding a lease")
        hold = cfg.lease_s + 1.5
        workers.log(f"    SIGSTOP pid {paused.pid} for {hold:.1f} s (lease {cfg.lease_s:.1f} s)")
        time.sleep(hold)
        os.kill(paused.pid, signal.SIGCONT)
        time.sleep(2.0)
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGCONT)
                os.kill(proc.pid, signal.SIGTERM)
        for proc in procs:
            rc, out, err = workers.finish(proc, 60)
            if (problem := _check_clean(rc, out, err, "worker (pause phase)")) is not None:
                result.problems.append(problem)


# -- the comparison -----------------------------------------------------------------------------------------------
def _compare(ledger: Ledger, result: ChaosResult, cfg: ChaosConfig) -> None:
    from app.domain.payment import FINAL_STATUSES, PaymentStatus
    from sandbox_bank.admin import report

    S = PaymentStatus
    bank = report(ledger.state)
    result.faults = len(bank["faults"])
    result.fault_kinds = dict(Counter(f["kind"] for f in bank["faults"]))
    account = ledger.account.account_number
    debits = [d for d in bank["debits"] if d["debit_account"] == account]
    by_ref: dict[str, list[dict]] = {}
    for d in debits:
        by_ref.setdefault(d["client_reference"], []).append(d)
    payments = ledger.tracked()  # every payment that was signed (a wave's batch may take older approved ones)
    result.payments = len(payments)
    result.statuses = dict(Counter(p.status.value for p in payments))
    result.debits = len(debits)
    result.debit_sum_minor = sum(d["amount_minor"] for d in debits)
    problems = result.problems
    missing = set(ledger.ids) - {p.id for p in payments}
    if missing:
        problems.append(f"MISSING_PAYMENTS: {len(missing)} signed payment(s) not found: {sorted(missing)[:20]}")
    ours = {p.client_reference: p for p in payments if p.client_reference}
    for ref, rows in by_ref.items():
        if len(rows) > 1:
            result.duplicates += 1
            problems.append(f"DUPLICATE: reference {ref} debited {len(rows)} times "
                            f"(bank REQNBR {', '.join(r['req_nbr'] for r in rows)})")
        if ref not in ours:
            problems.append(f"STRAY_DEBIT: the bank debited reference {ref}, which no payment of the ledger has")
    now = ledger.ctx.clock.now()
    paid = 0
    for p in payments:
        mine = by_ref.get(p.client_reference or "", [])
        if p.status in (S.SUCCEEDED, S.RETURNED):
            paid += p.amount_minor
            if len(mine) != 1:
                problems.append(f"PAID_WITHOUT_ONE_DEBIT: payment {p.id} ({p.client_reference}) is {p.status.value} "
                                f"with {len(mine)} debit(s)")
            elif mine[0]["amount_minor"] != p.amount_minor:
                problems.append(f"AMOUNT: payment {p.id} {p.amount_minor} ≠ debit {mine[0]['amount_minor']}")
            if p.status is S.RETURNED and mine and not mine[0]["returned"]:
                problems.append(f"RETURN_UNKNOWN_TO_BANK: payment {p.id} is RETURNED, the bank's debit is not")
        elif p.status in FINAL_STATUSES:
            if mine:
                result.lost += 1
                problems.append(f"DEBITED_BUT_{p.status.value}: payment {p.id} ({p.client_reference}) was debited "
                                f"{len(mine)} time(s) but the ledger says {p.status.value} [{p.bank_code}]")
        elif p.attention:
            result.attention += 1
        else:
            result.lost += 1
            problems.append(f"LOST: payment {p.id} ({p.client_reference}) is {p.status.value}, not final, with no "
                            "attention")
        if p.status is S.UNKNOWN and p.unknown_since is not None and not p.attention and \
                (now - p.unknown_since).total_seconds() > cfg.unknown_sla_s:
            result.unknown_over_sla += 1
            problems.append(f"UNKNOWN_OVER_SLA: payment {p.id} unknown since {p.unknown_since.isoformat()}")
    result.paid_sum_minor = paid
    attention_debited = sum(d["amount_minor"] for p in payments if p.attention and p.status not in FINAL_STATUSES
                            for d in by_ref.get(p.client_reference or "", []))
    if result.debit_sum_minor - attention_debited != paid:
        problems.append(f"SUMS: debits {result.debit_sum_minor} (of which {attention_debited} for payments awaiting "
                        f"attention) ≠ SUCCEEDED+RETURNED {paid}")


# -- command line -------------------------------------------------------------------------------------------------
def cmd_chaos(cli) -> int:
    """``bankdirect chaos``: prints the one-line figure; exit 0 when every check holds, 4 otherwise."""
    a = cli.args
    data_dir = getattr(a, "data_dir", None)
    cfg = ChaosConfig(payments=a.payments, seed=a.seed, db_url=getattr(a, "db_url", None), workers=a.workers,
                      faults=a.faults, kills=a.kills, rounds=a.rounds, pause=True if a.pause else None,
                      data_dir=Path(data_dir) if data_dir else None, lease_s=a.lease,
                      final_timeout_s=a.final_timeout,
                      crash_points=tuple(a.crash_point) if a.crash_point else CRASH_POINTS)
    verbose = not cli.json

    def log(msg: str) -> None:
        if verbose:
            print(msg, file=sys.stderr, flush=True)

    try:
        result = run(cfg, log)
    except ChaosError as exc:
        if cli.json:
            print(json.dumps({"ok": False, "error": exc.code, "message": exc.message}))
        else:
            print(f"error [{exc.code}] {exc.message}", file=sys.stderr)
        return 2
    if cli.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        for problem in result.problems[:50]:
            print(f"  {problem}", file=sys.stderr)
        if result.data_dir:
            print(f"  ledger and bank state kept in {result.data_dir}", file=sys.stderr)
        print(f"  statuses {result.statuses}; attention {result.attention}; debits {result.debits} "
              f"({result.debit_sum_minor}) = paid {result.paid_sum_minor}; random kills {result.random_kills}; "
              f"{'; '.join(result.paused)}{'; ' if result.paused else ''}{result.elapsed_s:.1f} s", file=sys.stderr)
        print(result.line())
    return 0 if result.ok else 4


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def register(sub, add) -> None:
    sp = add(sub, "chaos", cmd_chaos, "chaos run: workers killed at every crash point against a faulty sandbox bank "
             "without de-duplication; checks the ledger against the bank's report")
    sp.add_argument("--payments", type=_positive_int, default=200)
    sp.add_argument("--seed", type=int, default=1)
    sp.add_argument("--workers", type=_positive_int, default=1)
    sp.add_argument("--faults", default=DEFAULT_FAULTS, help="sandbox fault spec (kind=P,… or all=P; '' for none)")
    sp.add_argument("--kills", type=_positive_int, default=4, help="random SIGKILLs")
    sp.add_argument("--rounds", type=_positive_int, default=1, help="passes over every named crash point")
    sp.add_argument("--crash-point", action="append", choices=CRASH_POINTS, help="only these crash points")
    sp.add_argument("--pause", action="store_true", help="SIGSTOP a worker past its lease (PostgreSQL, 2+ workers;"
                    " the default there)")
    sp.add_argument("--lease", type=float, default=3.0)
    sp.add_argument("--final-timeout", type=float, default=300.0)
