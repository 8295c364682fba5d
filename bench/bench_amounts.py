"""Parse 1M realistic amount strings with the strict parser against ``decimal.Decimal`` (lenient, in C).

Both sides parse the same strings in the same run; the work is split into chunks run alternately so machine
load hits both alike. ``Decimal`` only converts (it accepts '１２３', 'NaN', '1_000'...), while ``parse_amount``
also validates the grammar, the scale, the sign and the range and builds a Money value.
"""

from __future__ import annotations

import random
import time
from decimal import Decimal

from app.domain.money import parse_amount

CHUNKS = 20


def realistic_amounts(n: int, seed: int = 20240601) -> list[str]:
    """Invoice-like amounts: mostly 2 decimals, some whole numbers and 1 decimal, 0.01 to 100 million."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        magnitude = rng.choice((10**2, 10**3, 10**4, 10**5, 10**6, 10**8))
        yuan = rng.randrange(0 if magnitude > 100 else 1, magnitude)
        style = rng.random()
        if style < 0.75:
            out.append(f"{yuan}.{rng.randrange(100):02d}" if yuan else f"0.{rng.randrange(1, 100):02d}")
        elif style < 0.9:
            out.append(str(yuan or 1))
        else:
            out.append(f"{yuan or 1}.{rng.randrange(10)}")
    return out


def _time(fn, items) -> float:
    start = time.perf_counter()
    for s in items:
        fn(s)
    return time.perf_counter() - start


def run(n: int = 1_000_000) -> dict:
    amounts = realistic_amounts(n)
    size = max(1, len(amounts) // CHUNKS)
    chunks = [amounts[i:i + size] for i in range(0, len(amounts), size)]
    # Correctness first: both sides agree on every value.
    for s in amounts[:1000]:
        assert parse_amount(s).amount_minor == int(Decimal(s) * 100)
    ours = reference = 0.0
    for chunk in chunks:
        ours += _time(parse_amount, chunk)
        reference += _time(Decimal, chunk)
    return {
        "name": "parse 1M amounts" if n == 1_000_000 else f"parse {n:,} amounts",
        "ours_s": ours,
        "reference_s": reference,
        "ratio": ours / reference if reference else float("inf"),
        "reference": "decimal.Decimal",
        "target_ratio": 3,
        "n": n,
    }


if __name__ == "__main__":
    print(run())
