"""Import and validate a 100,000-row GBK payroll file (Chinese headers) into a batch, against raw sqlite3
``executemany`` writing the same rows (the payees, the payments and their two status-history rows each) into
tables of the same columns, in the same run. Each side runs in a fresh interpreter so its peak memory (VmHWM) is
its own. Targets: ≤ 4× the reference, ≤ 30 s, ≤ 500 MB peak.

Ours does more than the reference: decoding, CSV parsing, header mapping, per-row validation (amount, account,
bank code, GBK text and byte lengths, duplicates), payee lookup, content hashes, approval-policy requirements,
one audit entry. ``python -m bench batch_import`` or ``python -m bench.batch_import [N]``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 4.0
TARGET_S = 30.0
TARGET_MB = 500
HEADER = "收款人名称,收款账号,收款行名称,收款行行号,金额,用途"


def _card(i: int) -> str:
    base = f"621483{i:09d}"
    for d in "0123456789":
        digits = base + d
        total = 0
        for k, ch in enumerate(reversed(digits)):
            v = int(ch) * (2 if k % 2 else 1)
            total += v - 9 if v > 9 else v
        if total % 10 == 0:
            return digits
    raise AssertionError


def generate(path: Path, n: int) -> None:
    from app.domain.identifiers import cnaps_check_digit

    code = "10210000023" + cnaps_check_digit("10210000023")
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    lines = [HEADER]
    for i in range(n):
        name = f"{surnames[i % 20]}{'伟芳娜敏静丽强磊军洋'[i % 10]}{i:06d}"
        lines.append(f"{name},{_card(i)},中国工商银行深圳分行,{code},{3000 + i % 20000}.{i % 100:02d},工资")
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))


def _peak_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child_ours(path: Path, work: Path) -> dict:
    from app.adapters.memory_secrets import MemorySecretStore
    from app.adapters.password_hasher import Argon2PasswordHasher
    from app.bootstrap import open_app
    from app.config import AppConfig
    from app.domain.identifiers import cnaps_check_digit
    from app.domain.users import Role
    from app.services.batch_import import BatchImportService

    ctx = open_app(AppConfig(data_dir=work / "ledger"), secret_store=MemorySecretStore(),
                   hasher=Argon2PasswordHasher.for_tests())
    try:
        s = ctx.services
        s.setup.initialize("基准测试有限公司", "admin", "admin-password-1")
        admin = s.auth.login("admin", "admin-password-1")
        s.users.add_user(admin, "maker", "maker", "maker-password-1", [Role.MAKER])
        s.master_data.add_account(admin, {"bank_name": "招商银行", "branch_name": "", "cnaps_code": "30858400001"
                                          + cnaps_check_digit("30858400001"), "account_number": "755900000000001",
                                          "account_name": "基准测试有限公司", "currency": "CNY"})
        maker = s.auth.login("maker", "maker-password-1")
        service = BatchImportService(ctx.ledger.unit_of_work_factory(ctx.audit_key, ctx.clock), ctx.clock)
        t0 = time.perf_counter()
        result = service.import_file(maker, path, account="755900000000001")
        elapsed = time.perf_counter() - t0
        return {"s": elapsed, "lines": result.batch.line_count, "peak_mb": _peak_mb()}
    finally:
        ctx.close()


def child_reference(path: Path, work: Path) -> dict:
    """The same rows as plain tuples into tables of the same columns, one transaction, WAL + synchronous=FULL."""
    import csv
    import io

    t0 = time.perf_counter()
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("gb18030"))))[1:]
    con = sqlite3.connect(work / "reference.db", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE payees (id INTEGER PRIMARY KEY, org_id, name, account_number, bank_name, branch_name,"
                " cnaps_code, uscc, kind, is_active, version, created_at, updated_at, confirmed, changed_by,"
                " confirmed_by)")
    con.execute("CREATE TABLE payment_requests (id INTEGER PRIMARY KEY, org_id, debit_account_id, payee_id,"
                " amount_minor, currency, purpose, requested_date, urgency, status, client_reference, maker_id,"
                " content_hash, version, created_at, updated_at, duplicate_override, policy_version,"
                " required_approvals, required_role, submitted_at, signer_id, check_count, no_record_count,"
                " batch_id, batch_line)")
    con.execute("CREATE TABLE payment_status_history (payment_id, seq, from_status, to_status, at, actor, bank_code,"
                " bank_text, detail, PRIMARY KEY (payment_id, seq))")
    now = "2026-11-27T00:00:00+00:00"
    con.execute("BEGIN")
    con.executemany("INSERT INTO payees VALUES (?,1,?,?,'中国工商银行',?,?,NULL,'personal',1,1,?,?,1,NULL,NULL)",
                    [(i + 1, r[0], r[1], r[2], r[3], now, now) for i, r in enumerate(rows)])
    con.executemany("INSERT INTO payment_requests VALUES (?,1,1,?,?,'CNY',?,'2026-11-27','normal','PENDING_APPROVAL',"
                    "NULL,2,?,1,?,?,0,0,1,NULL,?,NULL,0,0,1,?)",
                    [(i + 1, i + 1, int(r[4].replace(".", "")), r[5], "0" * 64, now, now, now, i + 2)
                     for i, r in enumerate(rows)])
    history = []
    for i in range(len(rows)):
        history.append((i + 1, 1, None, "DRAFT", now, "maker", None, None, "created"))
        history.append((i + 1, 2, "DRAFT", "PENDING_APPROVAL", now, "maker", None, None, "submitted"))
    con.executemany("INSERT INTO payment_status_history VALUES (?,?,?,?,?,?,?,?,?)", history)
    con.execute("COMMIT")
    con.close()
    return {"s": time.perf_counter() - t0, "lines": len(rows), "peak_mb": _peak_mb()}


def _in_child(which: str, path: Path, n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-batch-{which}-") as work:
        code = (f"import json, sys; from pathlib import Path; from bench.batch_import import child_{which}; "
                f"print(json.dumps(child_{which}(Path(sys.argv[1]), Path(sys.argv[2]))))")
        out = subprocess.run([sys.executable, "-c", code, str(path), work], capture_output=True, text=True,
                             check=True, cwd=Path(__file__).resolve().parents[1], env={**os.environ})
        data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["lines"] == n, (which, data)
    return data


def run(n: int = 100_000) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        path = Path(tmp) / "payroll.csv"
        generate(path, n)
        ref = _in_child("reference", path, n)
        ours = _in_child("ours", path, n)
    ratio = ours["s"] / ref["s"]
    return {
        "name": f"import + validate a {n:,}-row GBK payroll file into a batch",
        "ours_s": ours["s"], "reference_s": ref["s"], "ratio": ratio,
        "reference": "raw sqlite3 executemany of the same rows (payees, payments, 2 history rows each)",
        "target_ratio": TARGET_RATIO, "target_s": TARGET_S, "target_peak_mb": TARGET_MB,
        "ours_peak_mb": ours["peak_mb"], "reference_peak_mb": ref["peak_mb"], "n": n,
        "detail": f"ours {ours['s']:.2f} s (target ≤ {TARGET_S:.0f} s), peak memory ours {ours['peak_mb']:.0f} MB, "
                  f"reference {ref['peak_mb']:.0f} MB (target ≤ {TARGET_MB} MB)",
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000), indent=2))
