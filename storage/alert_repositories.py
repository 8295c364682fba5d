"""SQL side of alerts and reconciliation (migration 0010).

* :class:`SqlAlertRepository` (``uow.alerts``): alerts are inserted with ``ON CONFLICT (dedup_key) DO NOTHING`` on
  both databases, so a finding raised again — by a rerun, a restarted process or a second workstation at the same
  moment — writes nothing; acknowledgement is a single guarded update (triggers keep everything else fixed). Also the
  payment's ``attention`` (the monitor's needs-attention queue) as a versioned update of payment_requests.
* :class:`SqlReconciliationStore`: the reads reconciliation matches on — payments sent since a moment (with their
  first send attempt), payments by client reference, stored debits — and the per-account "checked through" mark
  (ledger_meta).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.domain.alerts import SEVERITY_ORDER, Alert, AlertSeverity, NewAlert
from app.domain.banking import StoredTransaction
from app.domain.errors import Conflict, NotFound
from app.domain.payment import PaymentStatus
from app.domain.reconciliation import ReconPayment
from app.ports.clock import Clock
from storage.orm import (
    AlertRow,
    BankTransactionRow,
    LedgerMeta,
    PayeeRow,
    PaymentReferenceRow,
    PaymentRequestRow,
    SendAttemptRow,
    SubmissionItemRow,
    UserRow,
)
from storage.repositories import _guarded

_IN_CHUNK = 500
A = AlertRow.__table__
P = PaymentRequestRow.__table__
PREFIX_KEY = "reference_prefix"          # storage.submission_repositories.PREFIX_KEY
CHECKED_KEY = "reconciliation.checked_through."   # + account id → ISO bank day

_SEVERITY_RANK = case({s.value: i for i, s in enumerate(SEVERITY_ORDER)}, value=A.c.severity, else_=len(SEVERITY_ORDER))


def _alert_query():
    acker = UserRow.__table__.alias("acker")
    return select(A, acker.c.username).outerjoin(acker, acker.c.id == A.c.acknowledged_by)


def _alert(row: Any) -> Alert:
    m = row._mapping
    return Alert(id=m["id"], kind=m["kind"], severity=AlertSeverity(m["severity"]), dedup_key=m["dedup_key"],
                 title=m["title"], detail=m["detail"], created_at=m["created_at"], payment_id=m["payment_id"],
                 account_id=m["account_id"], acknowledged_by=m["username"], acknowledged_at=m["acknowledged_at"],
                 acknowledge_note=m["acknowledge_note"])


def _ordered(stmt):
    return stmt.order_by(A.c.acknowledged_at.is_not(None), _SEVERITY_RANK, A.c.created_at.desc(), A.c.id.desc())


class SqlAlertRepository:
    def __init__(self, session: Session, clock: Clock):
        self._s = session
        self._clock = clock

    def _insert(self):
        dialect = self._s.get_bind().dialect.name
        if dialect == "postgresql":
            return postgresql.insert(A)
        if dialect == "sqlite":
            return sqlite.insert(A)
        raise NotImplementedError(f"alerts are not supported on {dialect}")

    def add(self, alert: NewAlert, at: datetime) -> Alert | None:
        values = {"kind": alert.kind, "severity": alert.severity.value, "payment_id": alert.payment_id,
                  "account_id": alert.account_id, "dedup_key": alert.dedup_key, "title": alert.title,
                  "detail": alert.detail, "created_at": at}
        stmt = self._insert().values(**values).on_conflict_do_nothing(index_elements=["dedup_key"]).returning(A.c.id)
        with _guarded(self._s, "an alert"):
            new_id = self._s.execute(stmt).scalar_one_or_none()
        if new_id is None:
            return None
        return Alert(id=int(new_id), kind=alert.kind, severity=alert.severity, dedup_key=alert.dedup_key,
                     title=alert.title, detail=alert.detail, created_at=at, payment_id=alert.payment_id,
                     account_id=alert.account_id)

    def get(self, alert_id: int) -> Alert | None:
        row = self._s.execute(_alert_query().where(A.c.id == alert_id)).first()
        return _alert(row) if row is not None else None

    def list(self, *, open_only: bool = False, limit: int = 1000) -> list[Alert]:
        stmt = _alert_query()
        if open_only:
            stmt = stmt.where(A.c.acknowledged_at.is_(None))
        return [_alert(r) for r in self._s.execute(_ordered(stmt).limit(max(1, int(limit))))]

    def open_counts(self) -> dict[AlertSeverity, int]:
        rows = self._s.execute(select(A.c.severity, func.count()).where(A.c.acknowledged_at.is_(None))
                               .group_by(A.c.severity))
        return {AlertSeverity(sev): int(n) for sev, n in rows}

    def open_for_payment(self, payment_id: int) -> list[Alert]:
        stmt = _alert_query().where(A.c.payment_id == payment_id, A.c.acknowledged_at.is_(None))
        return [_alert(r) for r in self._s.execute(_ordered(stmt))]

    def acknowledge(self, alert_id: int, user_id: int, note: str, at: datetime) -> bool:
        stmt = (update(A).where(A.c.id == alert_id, A.c.acknowledged_at.is_(None))
                .values(acknowledged_by=user_id, acknowledged_at=at, acknowledge_note=note))
        with _guarded(self._s, "an alert"):
            return self._s.execute(stmt).rowcount == 1

    def payments_to_flag(self, self_clearing_prefix: str, limit: int = 10_000) -> list[tuple[int, int, Alert]]:
        unflagged = or_(P.c.attention.is_(None), P.c.attention == "", P.c.attention.like(f"{self_clearing_prefix}%"))
        stmt = (_ordered(_alert_query().add_columns(P.c.version.label("payment_version"))
                         .join(P, P.c.id == A.c.payment_id)
                         .where(A.c.acknowledged_at.is_(None), unflagged))
                .limit(max(1, int(limit))))
        out: dict[int, tuple[int, int, Alert]] = {}
        for row in self._s.execute(stmt):
            alert = _alert(row)
            if alert.payment_id is not None and alert.payment_id not in out:   # the first is the most urgent
                out[alert.payment_id] = (alert.payment_id, int(row._mapping["payment_version"]), alert)
        return list(out.values())

    def payment_attention(self, payment_id: int) -> tuple[int, str] | None:
        row = self._s.execute(select(P.c.version, P.c.attention).where(P.c.id == payment_id)).first()
        return (int(row.version), row.attention or "") if row is not None else None

    def set_payment_attention(self, payment_id: int, expected_version: int, attention: str | None) -> None:
        stmt = (update(P).where(P.c.id == payment_id, P.c.version == expected_version)
                .values(attention=attention, version=P.c.version + 1, updated_at=self._clock.now()))
        with _guarded(self._s, "a payment"):
            result = self._s.execute(stmt)
        if result.rowcount == 1:
            return
        current = self._s.execute(select(P.c.version).where(P.c.id == payment_id)).scalar_one_or_none()
        if current is None:
            raise NotFound("payment", payment_id)
        raise Conflict("STALE_VERSION", f"payment {payment_id} changed meanwhile (version {expected_version} → "
                       f"{current})")


# -- reconciliation reads ---------------------------------------------------------------------------------------
def _first_attempts():
    """payment id → the start of its first send attempt (over every submission it was in)."""
    si, sa = SubmissionItemRow.__table__, SendAttemptRow.__table__
    return (select(si.c.payment_id.label("payment_id"), func.min(sa.c.started_at).label("first_sent_at"))
            .select_from(si.join(sa, sa.c.submission_id == si.c.submission_id))
            .group_by(si.c.payment_id))


def _recon_query(first):
    return (select(P.c.id, P.c.status, P.c.version, P.c.debit_account_id, P.c.amount_minor, P.c.currency,
                   P.c.client_reference, P.c.attention, PayeeRow.account_number, first.c.first_sent_at)
            .join(PayeeRow, PayeeRow.id == P.c.payee_id)
            .outerjoin(first, first.c.payment_id == P.c.id))


def _recon(row: Any) -> ReconPayment:
    return ReconPayment(id=row.id, status=PaymentStatus(row.status), version=row.version,
                        debit_account_id=row.debit_account_id, amount_minor=row.amount_minor, currency=row.currency,
                        reference=row.client_reference or "", payee_account=row.account_number or "",
                        first_sent_at=row.first_sent_at, attention=row.attention or "")


def _stored(row: BankTransactionRow) -> StoredTransaction:
    return StoredTransaction(
        id=row.id, account_id=row.account_id, bank_serial=row.bank_serial, booking_date=row.booking_date,
        amount_minor=row.amount_minor, currency=row.currency, booking_time=row.booking_time,
        value_date=row.value_date, counterparty_name=row.counterparty_name,
        counterparty_account=row.counterparty_account, reference=row.reference, narrative=row.narrative,
        balance_after_minor=row.balance_after_minor, kind=row.kind)


class SqlReconciliationStore:
    def __init__(self, session: Session):
        self._s = session

    @classmethod
    def of(cls, uow) -> SqlReconciliationStore:
        """The store over an open unit of work's session (the factory the composition root hands over)."""
        return cls(uow.session)

    def reference_prefix(self) -> str | None:
        return self._s.scalar(select(LedgerMeta.value).where(LedgerMeta.key == PREFIX_KEY))

    def sent_since(self, account_ids: Sequence[int], since: datetime) -> list[ReconPayment]:
        if not account_ids:
            return []
        si, sa = SubmissionItemRow.__table__, SendAttemptRow.__table__
        recent = (select(si.c.payment_id).select_from(si.join(sa, sa.c.submission_id == si.c.submission_id))
                  .where(sa.c.started_at >= since).distinct())
        first = _first_attempts().where(si.c.payment_id.in_(recent)).subquery()
        stmt = (_recon_query(first).where(P.c.id.in_(recent), P.c.debit_account_id.in_(list(account_ids)),
                                          P.c.client_reference.is_not(None))
                .order_by(P.c.id))
        return [_recon(r) for r in self._s.execute(stmt)]

    def by_references(self, references: Sequence[str]) -> list[ReconPayment]:
        refs = sorted({r for r in references if r})
        out: list[ReconPayment] = []
        R = PaymentReferenceRow.__table__
        for start in range(0, len(refs), _IN_CHUNK):
            part = refs[start:start + _IN_CHUNK]
            ids = select(R.c.payment_id).where(R.c.reference.in_(part))
            first = _first_attempts().where(SubmissionItemRow.__table__.c.payment_id.in_(ids)).subquery()
            out.extend(_recon(r) for r in self._s.execute(_recon_query(first).where(P.c.id.in_(ids))
                                                          .order_by(P.c.id)))
        return out

    def debits(self, account_id: int, date_from: date, date_to: date) -> list[StoredTransaction]:
        T = BankTransactionRow
        stmt = (select(T).where(T.account_id == account_id, T.booking_date >= date_from, T.booking_date <= date_to,
                                T.amount_minor < 0)
                .order_by(T.booking_date, T.booking_time, T.id))
        return [_stored(r) for r in self._s.scalars(stmt)]

    def debits_for(self, account_id: int, references: Sequence[str], since: date) -> list[StoredTransaction]:
        T = BankTransactionRow
        refs = sorted({r for r in references if r})
        out: list[StoredTransaction] = []
        for start in range(0, len(refs), _IN_CHUNK):
            part = refs[start:start + _IN_CHUNK]
            stmt = (select(T).where(and_(T.account_id == account_id, T.booking_date >= since, T.amount_minor < 0,
                                         T.reference.in_(part)))
                    .order_by(T.booking_date, T.booking_time, T.id))
            out.extend(_stored(r) for r in self._s.scalars(stmt))
        return out

    def checked_through(self, account_ids: Sequence[int]) -> dict[int, date]:
        keys = {f"{CHECKED_KEY}{int(a)}": int(a) for a in account_ids}
        if not keys:
            return {}
        rows = self._s.execute(select(LedgerMeta.key, LedgerMeta.value).where(LedgerMeta.key.in_(list(keys))))
        return {keys[k]: date.fromisoformat(v) for k, v in rows}

    def set_checked_through(self, account_id: int, day: date) -> None:
        key = f"{CHECKED_KEY}{int(account_id)}"
        current = self._s.scalar(select(LedgerMeta.value).where(LedgerMeta.key == key))
        if current is None:
            dialect = self._s.get_bind().dialect.name
            ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LedgerMeta.__table__)
            with _guarded(self._s, "the reconciliation mark"):
                self._s.execute(ins.values(key=key, value=day.isoformat())
                                .on_conflict_do_nothing(index_elements=["key"]))
            current = self._s.scalar(select(LedgerMeta.value).where(LedgerMeta.key == key))
        if current is not None and date.fromisoformat(current) < day:
            self._s.execute(update(LedgerMeta.__table__).where(LedgerMeta.key == key, LedgerMeta.value == current)
                            .values(value=day.isoformat()))
