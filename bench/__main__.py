"""Run every benchmark and print each against its reference: ``python -m bench [name ...]``."""

from __future__ import annotations

import importlib
import json
import sys

BENCHMARKS = {
    "cold_start": "bench.bench_cold_start",
    "amounts": "bench.bench_amounts",
    "transport": "bench.bench_transport",
    "signing": "bench.bench_signing",
    "engine": "bench.engine",
    "camt053": "bench.camt053",
    "pain001": "bench.pain001",
    "batch_import": "bench.batch_import",
    "bank_rules": "bench.bank_rules",
    "payroll": "bench.payroll",
    "batch_view": "bench.batch_view",
    "sandbox_bank": "bench.sandbox_bank",
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    as_json = "--json" in names
    names = [n for n in names if n != "--json"] or list(BENCHMARKS)
    results = []
    for name in names:
        mod = importlib.import_module(BENCHMARKS[name])
        res = mod.run()
        results.append(res)
        if not as_json:
            target = f"  (target ≤ {res['target_ratio']}×)" if res.get("target_ratio") else ""
            print(f"{res['name']}: ours {res['ours_s']:.3f} s vs {res['reference']} {res['reference_s']:.3f} s "
                  f"→ ratio {res['ratio']:.2f}×{target}")
            if res.get("detail"):
                print(f"    {res['detail']}")
    if as_json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
