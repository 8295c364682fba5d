"""Alerts: findings a person must look at, ranked by severity (RELIABILITY.md §1, I7 — reconciliation is the last
net; risk rules will raise their own kinds later).

* An alert is raised once per finding: its ``dedup_key`` names the finding (kind + what it is about), and the
  ledger keeps it UNIQUE, so a rerun, a second workstation or a restart after a crash never raises it twice.
* An alert is never deleted or edited. A person acknowledges it with a note (audited); acknowledged alerts stay
  for the record.

Stdlib only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

TITLE_MAX = 200
DEDUP_KEY_MAX = 200
KIND_MAX = 32
NOTE_MAX = 2000
DETAIL_MAX = 4000


class AlertSeverity(str, Enum):
    CRITICAL = "CRITICAL"   # money may be lost or paid twice: top priority, shown as a red banner
    HIGH = "HIGH"           # something is wrong with a payment's booking; look today
    MEDIUM = "MEDIUM"
    LOW = "LOW"

    @property
    def rank(self) -> int:
        """0 = most urgent."""
        return SEVERITY_ORDER.index(self)


SEVERITY_ORDER: tuple[AlertSeverity, ...] = (AlertSeverity.CRITICAL, AlertSeverity.HIGH, AlertSeverity.MEDIUM,
                                              AlertSeverity.LOW)


class AlertKind(str, Enum):
    """Kinds raised by reconciliation. The ledger stores the kind as text, so later rules add kinds freely."""

    DOUBLE_DEBIT = "DOUBLE_DEBIT"          # two or more debits for one payment / client reference
    MISSING_DEBIT = "MISSING_DEBIT"        # paid (or in flight) per the engine, no debit after T+1
    DEBIT_ON_FAILED = "DEBIT_ON_FAILED"    # a debit for a payment we hold failed / cancelled / expired
    AMOUNT_MISMATCH = "AMOUNT_MISMATCH"    # the debit amount differs from the payment's
    UNKNOWN_DEBIT = "UNKNOWN_DEBIT"        # a debit carrying our reference prefix that matches no payment


DEFAULT_SEVERITY: dict[AlertKind, AlertSeverity] = {
    AlertKind.DOUBLE_DEBIT: AlertSeverity.CRITICAL,
    AlertKind.MISSING_DEBIT: AlertSeverity.CRITICAL,
    AlertKind.DEBIT_ON_FAILED: AlertSeverity.CRITICAL,
    AlertKind.AMOUNT_MISMATCH: AlertSeverity.HIGH,
    AlertKind.UNKNOWN_DEBIT: AlertSeverity.HIGH,
}


@dataclass(frozen=True)
class NewAlert:
    """A finding to raise. ``dedup_key`` identifies the finding forever (raising it again is a no-op)."""

    kind: str
    severity: AlertSeverity
    dedup_key: str
    title: str
    detail: str = ""
    payment_id: int | None = None
    account_id: int | None = None

    def __post_init__(self) -> None:
        if not self.kind or len(self.kind) > KIND_MAX:
            raise ValueError(f"alert kind must be 1-{KIND_MAX} characters, got {self.kind!r}")
        if not isinstance(self.severity, AlertSeverity):
            raise ValueError(f"alert severity must be an AlertSeverity, got {self.severity!r}")
        if not self.dedup_key or len(self.dedup_key) > DEDUP_KEY_MAX:
            raise ValueError(f"alert dedup_key must be 1-{DEDUP_KEY_MAX} characters, got {self.dedup_key!r}")
        if not self.title.strip() or len(self.title) > TITLE_MAX:
            raise ValueError(f"an alert needs a title of at most {TITLE_MAX} characters, got {self.title!r}")
        if len(self.detail) > DETAIL_MAX:
            raise ValueError(f"an alert's detail is at most {DETAIL_MAX} characters, got {len(self.detail)}")


@dataclass(frozen=True)
class Alert:
    id: int
    kind: str
    severity: AlertSeverity
    dedup_key: str
    title: str
    detail: str
    created_at: datetime
    payment_id: int | None = None
    account_id: int | None = None
    acknowledged_by: str | None = None       # username
    acknowledged_at: datetime | None = None
    acknowledge_note: str | None = None

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


def sort_key(alert: Alert) -> tuple:
    """Open first, then by severity (critical first), newest first."""
    return (not alert.is_open, alert.severity.rank, -alert.created_at.timestamp(), -alert.id)
