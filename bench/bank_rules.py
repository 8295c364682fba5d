"""The bank's own text rules, checked before signing, against what the plugin checks anyway after it.

1. Pre-sign check: :meth:`WireTextRules.check_payment` (CMB rules: GBK, CRTNAM/NUSAGE/CRTBNK byte lengths, the compact
   remittance) over 100,000 supplier payments, against the CMB plugin's own wire check of the same payments
   (``payment_record`` + ``check_payment_record``: what ``prepare_submission`` runs after the signature). Target:
   ≤ 1× — checking early must cost no more than the check it moves forward.
2. Import: validating a 100,000-row supplier file with remittance columns (every row with invoices, a date and a
   reference) under the CMB rules, against the same rows without the remittance columns and without bank rules (the
   batch import as it was). Reported, no target: the remittance rows take the full per-row check.

``python -m bench bank_rules`` or ``python -m bench.bank_rules [N]``.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date

from app.domain.bank_fields import wire_text_rules
from app.domain.batch_import import BUILTIN_PROFILES, validate_rows
from app.domain.identifiers import cnaps_check_digit
from app.domain.remittance import ReferredDocument, Remittance
from app.ports.bank import PaymentInstruction
from bank_plugins.cmb_fbsdk.codec import check_payment_record, payment_record
from bank_plugins.cmb_fbsdk.manifest import MANIFEST

TARGET_RATIO = 1.0
ICBC = "10210000023" + cnaps_check_digit("10210000023")


def _instructions(n: int) -> list[PaymentInstruction]:
    out = []
    for i in range(n):
        remittance = Remittance((ReferredDocument(f"{20000000 + i}", date(2025, 11, 2)),), f"PO-{i}")
        out.append(PaymentInstruction(f"BD{i:012d}", "755900000000001", f"7559{i:08d}", f"深圳市供应商{i}有限公司",
                                      100 + i, payee_bank_code=ICBC, payee_bank_name="中国工商银行", purpose="货款",
                                      remittance=remittance))
    return out


def _best(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run(n: int = 100_000) -> dict:
    m = MANIFEST
    rules = wire_text_rules(m.id, m.bank, m.protocol, m.limits.encoding, m.limits.field_byte_lengths)
    instructions = _instructions(n)

    def ours() -> None:
        for i in instructions:
            if rules.check_payment(i.payee_name, i.purpose, i.payee_bank_name, i.remittance):
                raise AssertionError(i)

    def reference() -> None:
        for i in instructions:
            if check_payment_record(payment_record(i)):
                raise AssertionError(i)

    ours_s, ref_s = _best(ours), _best(reference)

    header = ["收款人名称", "收款账号", "收款行名称", "收款行行号", "金额", "用途"]
    rows = [[f"深圳市供应商{i}有限公司", f"7559{i:08d}", "中国工商银行深圳分行", ICBC, f"{1 + i % 900}.00", "货款"]
            for i in range(n)]
    plain = [header, *rows]
    remitted = [[*header, "发票号", "发票日期", "汇款附言"],
                *([*r, f"{20000000 + i}", "2025-11-02", f"PO-{i}"] for i, r in enumerate(rows))]
    profile = BUILTIN_PROFILES["supplier"]
    today = date(2025, 11, 28)
    import_plain = _best(lambda: validate_rows(plain, profile, None), 1)
    import_ours = _best(lambda: validate_rows(remitted, profile, None, rules=rules, today=today), 1)
    _, checked = validate_rows(remitted, profile, None, rules=rules, today=today)
    assert len(checked.lines) == n and not checked.errors
    return {
        "name": f"pre-sign bank text check of {n:,} supplier payments (CMB rules, compact remittance)",
        "ours_s": ours_s, "reference_s": ref_s, "ratio": ours_s / ref_s, "target_ratio": TARGET_RATIO, "n": n,
        "reference": "the CMB plugin's own wire check of the same payments (payment_record + check_payment_record)",
        "import_plain_s": import_plain, "import_remittance_cmb_s": import_ours,
        "detail": f"import validation of {n:,} supplier rows: with remittance columns + CMB rules {import_ours:.2f} s "
                  f"vs plain rows without bank rules {import_plain:.2f} s ({import_ours / import_plain:.2f}×)",
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000), indent=2))
