"""Alerts: raise once per finding, list (open first, critical first), acknowledge (a person, with a note; audited).

Raising is idempotent on the alert's ``dedup_key`` (the ledger refuses a second row silently), so whoever finds
something — reconciliation now, risk rules later — may report it on every run. A payment an open alert is about
goes into the payment monitor's needs-attention queue (its ``attention``); acknowledging the payment's last open
alert takes it out again. Every change is announced on the event hub (``alerts_changed``) so open screens update.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from app.domain.alerts import NOTE_MAX, Alert, AlertSeverity, NewAlert
from app.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.domain.text import check_text
from app.domain.users import Actor, Role
from app.ports import Clock, UnitOfWorkFactory
from app.services.payments import PAYMENTS_CHANGED
from app.services.permissions import require_any, require_logged_in
from app.services.submission import UNKNOWN_OVER_SLA

log = logging.getLogger(__name__)

ALERTS_CHANGED = "alerts_changed"          # event: {"raised": [ids], "acknowledged": [ids]}
ALERT_RAISED = "alert.raised"              # audit actions (stable strings)
ALERT_ACKNOWLEDGED = "alert.acknowledged"
ATTENTION_PREFIX = "ALERT"                 # payment attention set for an open alert: "ALERT CRITICAL DOUBLE_DEBIT: …"
ACK_ROLES = (Role.MAKER, Role.APPROVER, Role.SIGNER, Role.ADMIN)
_FLAG_TRIES = 3


def attention_text(alert: Alert) -> str:
    return f"{ATTENTION_PREFIX} {alert.severity.value} {alert.kind}: {alert.title} (alert #{alert.id})"


def record_alerts(uow, drafts: Sequence[NewAlert], at: datetime, actor: Actor | None = None) -> list[Alert]:
    """Insert the alerts not raised before (inside the caller's unit of work), each audited; returns the new ones."""
    actor = actor or Actor.system()
    new: list[Alert] = []
    seen: set[str] = set()
    for draft in drafts:
        if draft.dedup_key in seen:
            continue
        seen.add(draft.dedup_key)
        alert = uow.alerts.add(draft, at)
        if alert is None:
            continue
        uow.audit.append(actor, ALERT_RAISED, "alert", str(alert.id), {
            "kind": alert.kind, "severity": alert.severity.value, "dedup_key": alert.dedup_key,
            "payment_id": alert.payment_id, "account_id": alert.account_id, "title": alert.title})
        new.append(alert)
    return new


class AlertService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, *, events=None):
        self._uow = uow
        self._clock = clock
        self._events = events

    # -- raising ------------------------------------------------------------------------------------------------
    def raise_alerts(self, drafts: Sequence[NewAlert], actor: Actor | None = None) -> list[Alert]:
        """Raise each finding once (already raised → nothing happens). Returns the alerts that are new."""
        with self._uow() as uow:
            new = record_alerts(uow, drafts, self._clock.now(), actor)
            uow.commit()
        flagged = self.flag_payments()
        self.announce(raised=[a.id for a in new], payments=flagged)
        return new

    def flag_payments(self) -> list[int]:
        """Put every payment with an open alert but no attention into the needs-attention queue (self-healing: a
        crash between raising and flagging is repaired by the next call). Returns the payments flagged."""
        flagged: list[int] = []
        for _ in range(_FLAG_TRIES):
            try:
                with self._uow() as uow:
                    todo = uow.alerts.payments_to_flag(UNKNOWN_OVER_SLA)
                    for payment_id, version, alert in todo:
                        uow.alerts.set_payment_attention(payment_id, version, attention_text(alert))
                    uow.commit()
                flagged.extend(p for p, _v, _a in todo)
                return flagged
            except Conflict as exc:  # the engine wrote the payment between our read and write: read again
                log.info("flagging payments for alerts: %s; trying again", exc.message)
        log.warning("flagging payments for alerts gave up after %d tries; the next run repairs it", _FLAG_TRIES)
        return flagged

    def announce(self, *, raised: Sequence[int] = (), acknowledged: Sequence[int] = (),
                 payments: Sequence[int] = ()) -> None:
        if self._events is None:
            return
        if raised or acknowledged:
            self._events.publish(ALERTS_CHANGED, {"raised": list(raised), "acknowledged": list(acknowledged)})
        if payments:
            self._events.publish(PAYMENTS_CHANGED, {"ids": list(payments), "status": None})

    # -- reading ------------------------------------------------------------------------------------------------
    def list_alerts(self, actor: Actor, *, open_only: bool = False, limit: int = 1000) -> list[Alert]:
        """Open alerts first, then by severity (critical first), newest first."""
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.alerts.list(open_only=open_only, limit=min(max(1, int(limit)), 100_000))

    def open_counts(self, actor: Actor) -> dict[AlertSeverity, int]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.alerts.open_counts()

    def get(self, actor: Actor, alert_id: int) -> Alert:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            alert = uow.alerts.get(alert_id)
        if alert is None:
            raise NotFound("alert", alert_id)
        return alert

    # -- acknowledging ------------------------------------------------------------------------------------------
    def acknowledge(self, actor: Actor, alert_id: int, note: str) -> Alert:
        """A person acknowledges an open alert with a note saying what was done (audited). The payment leaves the
        needs-attention queue when this was its last open alert."""
        if actor.user_id is None:
            raise PermissionDenied("an alert is acknowledged by a person, not by the system", code="NOT_A_PERSON")
        require_any(actor, *ACK_ROLES, doing="acknowledge alerts")
        text = note.strip() if isinstance(note, str) else note
        problems = check_text(text, "note", required=True, max_chars=NOTE_MAX)
        if problems:
            raise ValidationFailed(problems)
        now = self._clock.now()
        payments: list[int] = []
        with self._uow() as uow:
            alert = uow.alerts.get(alert_id)
            if alert is None:
                raise NotFound("alert", alert_id)
            if not alert.is_open:
                raise Conflict("ALREADY_ACKNOWLEDGED", f"alert #{alert_id} was already acknowledged by "
                               f"{alert.acknowledged_by} on {alert.acknowledged_at:%Y-%m-%d %H:%M} UTC")
            if not uow.alerts.acknowledge(alert_id, actor.user_id, text, now):
                raise Conflict("ALREADY_ACKNOWLEDGED", f"alert #{alert_id} was acknowledged by someone else just now")
            uow.audit.append(actor, ALERT_ACKNOWLEDGED, "alert", str(alert_id), {
                "kind": alert.kind, "severity": alert.severity.value, "payment_id": alert.payment_id,
                "note": text})
            if alert.payment_id is not None:
                still_open = uow.alerts.open_for_payment(alert.payment_id)
                current = uow.alerts.payment_attention(alert.payment_id)
                if current is not None and current[1].startswith(f"{ATTENTION_PREFIX} "):
                    # the payment's flag names its most urgent open alert, or goes when none is left
                    wanted = attention_text(still_open[0]) if still_open else None
                    if wanted != current[1]:
                        uow.alerts.set_payment_attention(alert.payment_id, current[0], wanted)
                        payments.append(alert.payment_id)
            uow.commit()
        self.announce(acknowledged=[alert_id], payments=payments)
        return replace(alert, acknowledged_by=actor.username, acknowledged_at=now, acknowledge_note=text)
