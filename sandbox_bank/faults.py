"""Reproducible fault injection (RELIABILITY.md §1). One decision per request, drawn from
Random(f"{seed}:{request_seq}"), so a run is replayable from its seed; every injected fault is logged."""

from __future__ import annotations

import random
from dataclasses import dataclass

# kind -> (stage, applies to, description). stage: pre (nothing executed), post (after the function ran),
# content (the answer itself is wrong). applies to: any | payment | query | status
FAULT_KINDS: dict[str, tuple[str, str, str]] = {
    "drop_request": ("pre", "any", "close the connection without an answer; nothing executed"),
    "http5xx_before": ("pre", "any", "HTTP 503 without executing anything"),
    "http200_business_error": ("pre", "any", "HTTP 200 with INFO/RETCOD=-9 (system busy); nothing executed"),
    "rate_limit": ("pre", "query", "query refused: HTTP 200, RETCOD=-3 RATE_LIMIT (queries only)"),
    "drop_answer": ("post", "any", "request executed, then the connection is closed without an answer"),
    "slow_answer": ("post", "any", "request executed, answer sent after --slow-seconds (beyond client timeouts)"),
    "http5xx_after": ("post", "any", "request executed, then HTTP 500"),
    "reset_mid_answer": ("post", "any", "request executed, half the answer sent, then TCP reset"),
    "duplicate_answer": ("content", "any", "every record of the answer appears twice"),
    "stale_answer": ("content", "payment_or_status", "answer carries the record of another reference"),
    "out_of_order_status": ("content", "status", "status answer goes backwards (REQSTS=NTE, no RTNFLG)"),
    "no_record": ("content", "status", "status answer says 'no record' although the bank has it"),
    "malformed_xml": ("content", "any", "request executed, answer body is truncated/garbled XML"),
    "bad_signature": ("content", "any", "request executed, the answer's X-BD-Signature does not verify"),
    "clock_skew": ("content", "any", "answer timestamps (INFO/SYSDAT+SYSTIM, Date header) shifted by ±10 min"),
}


class FaultSpecError(ValueError):
    pass


def parse_spec(spec: str | None) -> dict[str, float]:
    """'drop_request=0.1,slow_answer=0.05' or 'all=0.02,no_record=0.5' -> {kind: probability}."""
    probs: dict[str, float] = {}
    if not spec:
        return probs
    default: float | None = None
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        try:
            p = float(value)
        except ValueError:
            raise FaultSpecError(f"bad probability in {part!r}") from None
        if not sep or not 0.0 <= p <= 1.0:
            raise FaultSpecError(f"expected kind=probability (0..1), got {part!r}")
        if name == "all":
            default = p
        elif name in FAULT_KINDS:
            probs[name] = p
        else:
            raise FaultSpecError(f"unknown fault kind {name!r}; see `sandbox-bank faults`")
    if default is not None:
        for kind in FAULT_KINDS:
            probs.setdefault(kind, default)
    return {k: v for k, v in probs.items() if v > 0}


def applies(kind: str, function_class: str) -> bool:
    """function_class: 'payment' | 'status' | 'query' (balance, details, statement, receipt)."""
    target = FAULT_KINDS[kind][1]
    if target == "any":
        return True
    if target == "query":
        return function_class in ("status", "query")
    if target == "status":
        return function_class == "status"
    if target == "payment_or_status":
        return function_class in ("payment", "status")
    return False


@dataclass(frozen=True)
class Decision:
    kind: str | None
    rng: random.Random  # for the fault's own choices (skew sign, which stale record ...)


class FaultPlan:
    def __init__(self, probabilities: dict[str, float], seed: int) -> None:
        self.probabilities = probabilities
        self.seed = seed

    def decide(self, seq: int, function_class: str) -> Decision:
        rng = random.Random(f"{self.seed}:{seq}")
        # Always draw for every kind in a fixed order so the stream does not depend on applicability.
        draws = {kind: rng.random() for kind in FAULT_KINDS}
        for kind in FAULT_KINDS:
            p = self.probabilities.get(kind, 0.0)
            if p and draws[kind] < p and applies(kind, function_class):
                return Decision(kind, rng)
        return Decision(None, rng)


def describe() -> str:
    width = max(len(k) for k in FAULT_KINDS)
    return "\n".join(f"{k.ljust(width)}  {v[2]}" for k, v in FAULT_KINDS.items())
