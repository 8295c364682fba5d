"""The submission engine end to end (issue #6 item 5): ``python -m bench engine`` or
``python -m bench.engine [--payments N] [--chaos-payments N] [--seed S] [--skip-chaos]``.

1. **Throughput.** N approved payments (default 10,000) in a demo ledger; timed from *approved* to *all final*:
   the signer signs them (software batch signer, one signature per batch), then one headless worker
   (``bankdirect worker --until-idle``, sub-second polling) sends them to the sandbox bank (no faults,
   de-duplication off) and follows them to a final status.
   The reference is **the sandbox bank's own processing time for the same payments**: from the moment its
   ledger received the first of them to the moment it executed the last (its ``instructions.received_at`` and
   ``executed_at``), which includes its processing + settle delays (0.15 s + 0.25 s per payment, pipelined) and
   the time it spent receiving every submission. ratio = ours / reference: how much longer than the bank the
   whole approved → final path takes (1.0 would mean the client adds nothing).
2. **Chaos figure** for N payments (default 10,000): ``app.chaos_runner`` with its defaults (every fault kind at
   3 %, dedup off, every named crash point, random kills); prints the one-line figure.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

_REPO = Path(__file__).resolve().parents[1]


def _make_approved(ledger, n: int, chunk: int = 500) -> list[int]:
    """n payments created, submitted and approved (not yet signed) through the real services."""
    s = ledger.ctx.services
    payee = ledger.payees["ok"]
    ids: list[int] = []
    for start in range(0, n, chunk):
        batch = []
        for i in range(start, min(n, start + chunk)):
            minor = 100 + i % 97
            p = s.payments.create(ledger.maker, {"debit_account_id": ledger.account.id, "payee_id": payee.id,
                                                 "amount": f"{minor // 100}.{minor % 100:02d}", "purpose": "货款"},
                                  override_duplicate=True).entity
            s.payments.submit(ledger.maker, p.id, override_duplicate=True)
            batch.append(p.id)
        s.approvals.approve(ledger.approver, batch, password=ledger._password)
        ids.extend(batch)
    return ids


def bank_time(bank_db: Path, refs: list[str], n: int) -> float:
    """The sandbox bank's own time for these instructions: first received → last executed (a failed one counts
    as executed when it was received, if the bank recorded no execution time)."""
    con = sqlite3.connect(bank_db)
    try:
        con.execute("CREATE TEMP TABLE r (ref TEXT PRIMARY KEY)")
        con.executemany("INSERT INTO r VALUES (?)", [(r,) for r in refs])
        first, last, count = con.execute(
            "SELECT MIN(received_at), MAX(COALESCE(executed_at, received_at)), COUNT(*) FROM instructions"
            " WHERE client_reference IN (SELECT ref FROM r)").fetchone()
    finally:
        con.close()
    if count != n:
        raise RuntimeError(f"the bank holds {count} instructions for {n} payments")
    return last - first


def throughput(n: int = 10_000, log=print) -> dict:
    from app.adapters.sandbox_bank_process import SandboxBankProcess
    from app.chaos_runner import ChaosConfig, Ledger, Workers
    from app.domain.payment import PaymentStatus

    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        data_dir = Path(tmp)
        ledger = Ledger(data_dir, None)
        bank = SandboxBankProcess(ledger.state, 0, extra_args=("--dedup", "off", "--seed", "1"))
        try:
            ledger.point_at(bank.start())
            t0 = time.perf_counter()
            ids = _make_approved(ledger, n)
            log(f"  {n:,} approved payments made in {time.perf_counter() - t0:.1f} s (set-up, not timed)")
            s = ledger.ctx.services
            start = time.perf_counter()
            wanted = set(ids)
            for batch in s.signing.ready_batches(ledger.signer):
                if set(batch.payment_ids) & wanted:
                    s.signing.sign_batch(ledger.signer, batch.batch_key, ledger._batch_signer)
            signed_s = time.perf_counter() - start
            workers = Workers(ChaosConfig(lease_s=120.0, unknown_sla_s=3600.0), data_dir, log)
            proc = workers.spawn(["--until-idle", "--timeout", "3600"])
            rc, out, err = workers.finish(proc, 4000)
            ours_s = time.perf_counter() - start
            if rc != 0:
                raise RuntimeError(f"the worker exited {rc}: {(err or out)[-500:]}")
            final = [p for p in ledger.tracked() if p.id in wanted]
            not_final = [p for p in final if p.status is not PaymentStatus.SUCCEEDED]
            if len(final) != n or not_final:
                raise RuntimeError(f"{len(not_final)} payment(s) not SUCCEEDED, e.g. {not_final[:3]}")
            refs = [p.client_reference for p in final]
        finally:
            bank.stop()
            ledger.close()
        reference_s = bank_time(ledger.state / "bank.sqlite3", refs, n)
    return {"name": f"approved → all final, {n:,} payments (sandbox bank, no faults)", "ours_s": ours_s,
            "reference_s": reference_s, "ratio": ours_s / reference_s if reference_s else float("nan"),
            "reference": "the sandbox bank's own time for them (first received → last executed)",
            "target_ratio": None, "n": n, "sign_s": signed_s, "engine_s": ours_s - signed_s,
            "per_payment_ms": 1000 * ours_s / n}


def chaos(n: int = 10_000, seed: int = 1, log=print) -> dict:
    from app.chaos_runner import ChaosConfig, run

    result = run(ChaosConfig(payments=n, seed=seed, final_timeout_s=600.0), log)
    return {"name": f"chaos run, {n:,} payments", "line": result.line(), "ok": result.ok,
            "problems": result.problems[:20], "elapsed_s": result.elapsed_s, "statuses": result.statuses,
            "attention": result.attention, "data_dir": result.data_dir}


def run(n: int | None = None) -> dict:
    """For ``python -m bench engine``: the throughput part (the chaos figure: ``python -m bench.engine``)."""
    n = n or int(os.environ.get("BENCH_ENGINE_PAYMENTS", "10000"))
    return throughput(n, log=lambda m: print(m, file=sys.stderr, flush=True))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__.split("\n\n")[0])
    p.add_argument("--payments", type=int, default=10_000)
    p.add_argument("--chaos-payments", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--skip-chaos", action="store_true")
    p.add_argument("--skip-throughput", action="store_true")
    args = p.parse_args(argv)

    def log(m: str) -> None:
        print(m, file=sys.stderr, flush=True)

    ok = True
    if not args.skip_throughput:
        t = throughput(args.payments, log)
        print(f"{t['name']}: ours {t['ours_s']:.1f} s (signing {t['sign_s']:.1f} s, engine {t['engine_s']:.1f} s; "
              f"{t['per_payment_ms']:.2f} ms/payment) vs {t['reference']} {t['reference_s']:.1f} s "
              f"→ ratio {t['ratio']:.2f}×", flush=True)
    if not args.skip_chaos:
        c = chaos(args.chaos_payments, args.seed, log)
        for problem in c["problems"]:
            print(f"  {problem}")
        print(f"{c['name']} in {c['elapsed_s']:.0f} s: statuses {c['statuses']}, attention {c['attention']}")
        print(c["line"])
        ok = c["ok"]
    return 0 if ok else 4


if __name__ == "__main__":
    os.chdir(_REPO)
    sys.exit(main(sys.argv[1:]))
