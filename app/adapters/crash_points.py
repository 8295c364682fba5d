"""Named crash points for the chaos suite (RELIABILITY.md §1): the process kills itself with SIGKILL there.

* ``BANKDIRECT_CRASH_AT=name`` (or ``name@N``): die at the N-th time (default 1st) the engine passes ``name``.
* ``BANKDIRECT_CRASH_RANDOM=P`` with ``BANKDIRECT_CRASH_SEED=S``: at every crash point, die with probability P
  (drawn from Random(S), so a run replays from its seed).

Neither variable set (production): :class:`app.ports.submission.NoCrashPoints`, a no-op.
"""

from __future__ import annotations

import os
import random
import signal
import sys

from app.ports.submission import CrashPoints, NoCrashPoints

ENV_AT = "BANKDIRECT_CRASH_AT"
ENV_RANDOM = "BANKDIRECT_CRASH_RANDOM"
ENV_SEED = "BANKDIRECT_CRASH_SEED"


class KillingCrashPoints:
    def __init__(self, at: str | None = None, probability: float = 0.0, seed: int = 0):
        self.name, _, nth = (at or "").partition("@")
        self.nth = int(nth) if nth else 1
        self.probability = probability
        self._rng = random.Random(seed)
        self._seen = 0

    def hit(self, name: str) -> None:
        if self.name and name == self.name:
            self._seen += 1
            if self._seen >= self.nth:
                self._die(name)
        if self.probability and self._rng.random() < self.probability:
            self._die(name)

    @staticmethod
    def _die(name: str) -> None:
        sys.stderr.write(f"crash point {name}: kill -9\n")
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)


_shared: CrashPoints | None = None


def crash_points_from_env() -> CrashPoints:
    """One instance per process (the engine and the transport count hits together)."""
    global _shared
    if _shared is None:
        at = os.environ.get(ENV_AT) or None
        probability = float(os.environ.get(ENV_RANDOM) or 0)
        _shared = (KillingCrashPoints(at, probability, int(os.environ.get(ENV_SEED) or 0))
                   if at or probability else NoCrashPoints())
    return _shared
