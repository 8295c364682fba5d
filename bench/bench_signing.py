"""Sign a 10,000-payment batch on SoftHSM2 (canonical document + Merkle root + ONE token signature) against a
single raw signature on the same token. Token operations for the batch must be exactly 1.

Both sides go through the same PKCS11Signer (token thread, PIN prompt, login, sign, logout); the difference is
the host-side batch work. Rounds alternate so machine load hits both alike.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from pathlib import Path

from app.adapters.pkcs11_signer import PKCS11Signer
from app.adapters.softhsm import provision_token, softhsm_available
from app.domain.signing_batch import BatchPayment, SigningBatch

PIN = "123456"
ROUNDS = 5


class _Pin:
    def ask_pin(self, token_label, warnings):
        return PIN

    def notify(self, message):
        pass


def _payments(n: int) -> list[BatchPayment]:
    return [BatchPayment(f"P{i:06d}", f"BD{i:010d}", "755912345610001", f"6217{i:012d}", f"收款公司{i}",
                         "104584000003", 100 + i, "CNY", "货款", hashlib.sha256(b"%d" % i).hexdigest())
            for i in range(n)]


def run(n: int = 10_000, key_type: str = "rsa") -> dict:
    name = f"sign a {n:,}-payment batch ({key_type}, SoftHSM2)"
    if not softhsm_available():
        return {"name": name, "ours_s": 0.0, "reference_s": 0.0, "ratio": float("nan"),
                "reference": "skipped: SoftHSM2 not installed", "target_ratio": None, "n": n}
    payments = _payments(n)
    with tempfile.TemporaryDirectory(prefix="bench-softhsm-") as tmp:
        provision_token(Path(tmp), "bench", "87654321", PIN, key_type, "bench signer")
        signer = PKCS11Signer(_Pin(), token_label="bench")
        signer.sign(b"warm-up")
        ours = reference = 0.0
        batch_ops: list[int] = []
        for r in range(ROUNDS):
            before = signer.sign_operations
            start = time.perf_counter()
            batch = SigningBatch.build(f"B{r}", "755912345610001", "cmb", "CNY", payments)
            batch.canonical_document()
            signer.sign_digest(batch.digest())
            ours += time.perf_counter() - start
            batch_ops.append(signer.sign_operations - before)

            start = time.perf_counter()
            signer.sign(b"one raw payment body %d" % r)
            reference += time.perf_counter() - start
    assert batch_ops == [1] * ROUNDS, batch_ops
    ours /= ROUNDS
    reference /= ROUNDS
    return {
        "name": name,
        "ours_s": ours,
        "reference_s": reference,
        "ratio": ours / reference if reference else float("inf"),
        "reference": "one raw token signature",
        "target_ratio": None,
        "n": n,
        "token_operations": batch_ops[0],
        "per_payment_ms": ours / n * 1000,
        # what one token signature per payment would cost at the measured raw rate (a real USB key: 1-10/s)
        "one_signature_per_payment_s": reference * n,
    }


if __name__ == "__main__":
    print(run())
