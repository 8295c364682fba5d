"""SQL repositories for payment requests, their status history, approvals and approval-policy versions.

They hand out frozen domain values (app.domain.payment_request / approval_policy). The service decides; these
only read and write rows (inside savepoints, so a violated rule becomes a specific error). The database
triggers of migrations 0002 and 0004 enforce separation of duties and the content-hash binding on their own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, aliased

from app.domain.approval_policy import ApprovalPolicy, policy_from_dict
from app.domain.errors import Conflict, NotFound
from app.domain.payment import PaymentStatus
from app.domain.payment_request import URGENCY_NORMAL, URGENCY_URGENT, Approval, PaymentRequest, StatusChange
from app.ports.clock import Clock
from storage import bulk
from storage.orm import (
    ApprovalPolicyRow,
    ApprovalRow,
    BankAccountRow,
    PayeeRow,
    PaymentRequestRow,
    PaymentStatusHistoryRow,
    UserRow,
)
from storage.repositories import _guarded

_CONTENT_KEYS = ("debit_account_id", "payee_id", "amount_minor", "currency", "purpose", "requested_date", "urgent")


# only what a PaymentRequest holds: the engine's own columns (eight more timestamps) cost a conversion each per row
_PAYMENT_COLUMNS = ("id", "debit_account_id", "payee_id", "amount_minor", "currency", "purpose", "requested_date",
                    "urgency", "status", "maker_id", "content_hash", "version", "created_at", "updated_at",
                    "duplicate_override", "policy_version", "required_approvals", "required_role", "signer_id",
                    "batch_id")

_STATUS = {**{s.value: s for s in PaymentStatus}, **{s: s for s in PaymentStatus}}  # faster than PaymentStatus(v)


def _payment_query():
    """Core, not ORM: a 100,000-line batch is read as plain rows (ORM identity-map bookkeeping was most of the
    cost); always the database's current values, as ``populate_existing`` gave before."""
    t = PaymentRequestRow.__table__
    return (select(*(t.c[n] for n in _PAYMENT_COLUMNS), UserRow.username.label("x_maker"),
                   PayeeRow.name.label("x_payee_name"),
                   PayeeRow.account_number.label("x_payee_account"), PayeeRow.cnaps_code.label("x_payee_code"),
                   BankAccountRow.account_number.label("x_debit_number"))
            .join(UserRow, UserRow.id == PaymentRequestRow.maker_id)
            .join(PayeeRow, PayeeRow.id == PaymentRequestRow.payee_id)
            .join(BankAccountRow, BankAccountRow.id == PaymentRequestRow.debit_account_id))


def _payment(row: Any) -> PaymentRequest:
    # unpacked by position (the query's column order): a Row's attribute lookups were most of the cost per row
    (pid, debit_account_id, payee_id, amount_minor, currency, purpose, requested_date, urgency, status, maker_id,
     content_hash, version, created_at, updated_at, duplicate_override, policy_version, required_approvals,
     required_role, signer_id, batch_id, maker_name, payee_name, payee_account, payee_code, debit_number) = row
    return PaymentRequest(
        id=pid, debit_account_id=debit_account_id, payee_id=payee_id, amount_minor=amount_minor, currency=currency,
        purpose=purpose, requested_date=requested_date, urgent=urgency == URGENCY_URGENT, status=_STATUS[status],
        maker_id=maker_id, maker_name=maker_name, payee_name=payee_name, payee_account=payee_account,
        debit_account_number=debit_number, content_hash=content_hash, version=version, created_at=created_at,
        updated_at=updated_at, duplicate_override=bool(duplicate_override), payee_bank_code=payee_code,
        policy_version=policy_version, required_approvals=required_approvals, required_role=required_role,
        signer_id=signer_id, batch_id=batch_id)


def _content_values(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(_CONTENT_KEYS)
    if unknown:
        raise ValueError(f"unknown payment field(s): {', '.join(sorted(unknown))}")
    values = {k: v for k, v in fields.items() if k != "urgent"}
    values["urgency"] = URGENCY_URGENT if fields.get("urgent") else URGENCY_NORMAL
    return values


_STATUS_EXTRA = frozenset({"policy_version", "required_approvals", "required_role", "submitted_at",
                           "duplicate_override", "signer_id"})

class SqlPaymentRepository:
    def __init__(self, session: Session, clock: Clock):
        self._s = session
        self._clock = clock

    def get(self, payment_id: int, *, for_update: bool = False) -> PaymentRequest | None:
        stmt = _payment_query().where(PaymentRequestRow.id == payment_id)
        if for_update and self._s.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=PaymentRequestRow.__table__)
        record = bulk.rows(self._s, stmt).one_or_none()
        return None if record is None else _payment(record)

    def get_many(self, ids: Sequence[int], *, for_update: bool = False) -> list[PaymentRequest]:
        if not ids:
            return []
        ids = list(ids)
        stmt = _payment_query().where(PaymentRequestRow.id.in_(bindparam("ids", expanding=True)))
        if for_update and self._s.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=PaymentRequestRow.__table__)
        found = {p.id: p for p in (_payment(r) for r in bulk.rows_for_ids(self._s, stmt, ids))}
        return [found[i] for i in ids if i in found]

    def list(self, status: PaymentStatus | None = None, maker_id: int | None = None,
             limit: int = 10_000) -> list[PaymentRequest]:
        stmt = _payment_query()
        if status is not None:
            stmt = stmt.where(PaymentRequestRow.status == PaymentStatus(status).value)
        if maker_id is not None:
            stmt = stmt.where(PaymentRequestRow.maker_id == maker_id)
        stmt = stmt.order_by(PaymentRequestRow.id.desc()).limit(limit)
        return [_payment(r) for r in bulk.rows(self._s, stmt)]

    def count_by_status(self) -> dict[str, int]:
        rows = self._s.execute(select(PaymentRequestRow.status, func.count()).group_by(PaymentRequestRow.status))
        return {status: int(n) for status, n in rows}

    def find_similar(self, payee_id: int, amount_minor: int, date_from: date, date_to: date,
                     exclude_id: int | None, exclude_statuses: Sequence[str]) -> list[PaymentRequest]:
        """Payments to the same payee for the same amount with an execution date in [date_from, date_to]."""
        stmt = _payment_query().where(
            PaymentRequestRow.payee_id == payee_id, PaymentRequestRow.amount_minor == amount_minor,
            PaymentRequestRow.requested_date >= date_from, PaymentRequestRow.requested_date <= date_to,
            PaymentRequestRow.status.not_in(list(exclude_statuses)))
        if exclude_id is not None:
            stmt = stmt.where(PaymentRequestRow.id != exclude_id)
        return [_payment(r) for r in self._s.execute(stmt.order_by(PaymentRequestRow.id))]

    def add(self, org_id: int, maker_id: int, fields: dict[str, Any], content_hash: str, *,
            duplicate_override: bool) -> PaymentRequest:
        now = self._clock.now()
        row = PaymentRequestRow(org_id=org_id, maker_id=maker_id, **_content_values(fields),
                                status=PaymentStatus.DRAFT.value, content_hash=content_hash, version=1,
                                duplicate_override=bool(duplicate_override), created_at=now, updated_at=now)
        with _guarded(self._s, "a payment"):
            self._s.add(row)
            self._s.flush()
        return self.get(row.id)  # type: ignore[return-value]

    def _versioned(self, payment_id: int, expected_version: int, values: dict[str, Any]) -> PaymentRequest:
        table = PaymentRequestRow.__table__
        stmt = (update(table).where(table.c.id == payment_id, table.c.version == expected_version)
                .values(**values, version=table.c.version + 1, updated_at=self._clock.now()))
        with _guarded(self._s, "a payment"):
            result = self._s.execute(stmt)
        if result.rowcount != 1:
            current = self._s.execute(select(table.c.version).where(table.c.id == payment_id)).scalar_one_or_none()
            if current is None:
                raise NotFound("payment", payment_id)
            raise Conflict("STALE_VERSION", f"payment {payment_id} was changed by someone else (you edited version "
                           f"{expected_version}, it is now version {current}); reload it and apply your change "
                           "again")
        return self.get(payment_id)  # type: ignore[return-value]

    def update_content(self, payment_id: int, expected_version: int, fields: dict[str, Any], content_hash: str,
                       *, duplicate_override: bool) -> PaymentRequest:
        values = _content_values(fields)
        values.update(content_hash=content_hash, duplicate_override=bool(duplicate_override))
        return self._versioned(payment_id, expected_version, values)

    def versions_of(self, ids: Sequence[int]) -> dict[int, int]:
        t = PaymentRequestRow.__table__
        stmt = select(t.c.id, t.c.version).where(t.c.id.in_(bindparam("ids", expanding=True)))
        return dict(bulk.rows_for_ids(self._s, stmt, ids))

    def set_status_many(self, changes: Sequence[tuple[int, int, PaymentStatus, dict[str, Any]]]) -> None:
        """:meth:`set_status` for many payments at once (each at most once), without reading them back:
        (id, expected version, status, extra columns). Conflict STALE_VERSION when any changed meanwhile."""
        if not changes:
            return
        rows = []
        for payment_id, expected_version, status, extra in changes:
            if set(extra) - _STATUS_EXTRA:
                raise ValueError(f"unknown payment column(s): {sorted(set(extra) - _STATUS_EXTRA)}")
            values = {"status": PaymentStatus(status).value, **dict(sorted(extra.items()))}
            rows.append((payment_id, expected_version, values))
        with _guarded(self._s, "a payment"):
            stale = bulk.versioned_update_many(self._s, PaymentRequestRow.__table__, rows, self._clock.now())
        if stale:
            raise Conflict("STALE_VERSION", f"{len(stale)} of {len(rows)} payments were changed by someone else "
                           "meanwhile; reload them and try again")

    def set_status(self, payment_id: int, expected_version: int, status: PaymentStatus,
                   **extra: Any) -> PaymentRequest:
        if set(extra) - _STATUS_EXTRA:
            raise ValueError(f"unknown payment column(s): {sorted(set(extra) - _STATUS_EXTRA)}")
        return self._versioned(payment_id, expected_version, {"status": PaymentStatus(status).value, **extra})

    # -- status history ---------------------------------------------------------------------------------------
    def add_history(self, payment_id: int, from_status: PaymentStatus | None, to_status: PaymentStatus,
                    actor: str, detail: str | None = None) -> StatusChange:
        seq = int(self._s.scalar(select(func.coalesce(func.max(PaymentStatusHistoryRow.seq), 0))
                                 .where(PaymentStatusHistoryRow.payment_id == payment_id)) or 0) + 1
        row = PaymentStatusHistoryRow(payment_id=payment_id, seq=seq,
                                      from_status=from_status.value if from_status else None,
                                      to_status=PaymentStatus(to_status).value, at=self._clock.now(),
                                      actor=actor, detail=detail)
        with _guarded(self._s, "a status change"):
            self._s.add(row)
            self._s.flush()
        return _change(row)

    def add_history_many(self, changes: Sequence[tuple[int, PaymentStatus | None, PaymentStatus, str | None]],
                         actor: str) -> None:
        """Many status changes at once (payment id, from, to, detail), in order; one executemany. Several changes
        of one payment get consecutive sequence numbers in the order given."""
        if not changes:
            return
        H = PaymentStatusHistoryRow.__table__
        now = self._clock.now()
        rows = [(payment_id, from_status.value if from_status else None, PaymentStatus(to_status).value, now, actor,
                 detail, payment_id) for payment_id, from_status, to_status, detail in changes]
        # each row takes the next sequence number of its payment in the same statement (executemany runs the rows
        # in order, so several changes of one payment get consecutive numbers): no separate read of the last ones
        with _guarded(self._s, "a status change"):
            bulk.insert_next_seq(self._s, H, ("payment_id", "from_status", "to_status", "at", "actor", "detail"),
                                 rows, key="payment_id", seq="seq")

    def history(self, payment_id: int) -> list[StatusChange]:
        rows = self._s.scalars(select(PaymentStatusHistoryRow).where(PaymentStatusHistoryRow.payment_id == payment_id)
                               .order_by(PaymentStatusHistoryRow.seq))
        return [_change(r) for r in rows]


def _change(row: PaymentStatusHistoryRow) -> StatusChange:
    return StatusChange(seq=row.seq, from_status=PaymentStatus(row.from_status) if row.from_status else None,
                        to_status=PaymentStatus(row.to_status), at=row.at, actor=row.actor, detail=row.detail)


_APPROVAL_READ = ("id", "payment_id", "approver_id", "level", "decision", "content_hash", "comment", "at", "voided_at",
                  "void_reason", "approver_role")


def _approval(row: ApprovalRow, username: str) -> Approval:
    return Approval(id=row.id, payment_id=row.payment_id, approver_id=row.approver_id, approver_name=username,
                    level=row.level, decision=row.decision, content_hash=row.content_hash, comment=row.comment,
                    at=row.at, voided_at=row.voided_at, void_reason=row.void_reason, approver_role=row.approver_role)


class SqlApprovalRepository:
    def __init__(self, session: Session, clock: Clock):
        self._s = session
        self._clock = clock

    def for_payment(self, payment_id: int) -> list[Approval]:
        user = aliased(UserRow)
        stmt = (select(ApprovalRow, user.username).join(user, user.id == ApprovalRow.approver_id)
                .where(ApprovalRow.payment_id == payment_id).order_by(ApprovalRow.level)
                .execution_options(populate_existing=True))
        return [_approval(row, name) for row, name in self._s.execute(stmt)]

    def state_of(self, payment_ids: Sequence[int]) -> tuple[int, int, int]:
        """A fingerprint of the approvals of these payments: (how many, highest id, how many voided). Approvals are
        only ever added or voided, so an unchanged fingerprint means unchanged approvals."""
        A = ApprovalRow.__table__
        stmt = (select(func.count(), func.max(A.c.id), func.count(A.c.voided_at))
                .where(A.c.payment_id.in_(bindparam("ids", expanding=True))))
        count = top = voided = 0
        for n, m, v in bulk.rows_for_ids(self._s, stmt, list(dict.fromkeys(payment_ids))):
            count, top, voided = count + int(n or 0), max(top, int(m or 0)), voided + int(v or 0)
        return count, top, voided

    def for_payments(self, payment_ids: Sequence[int]) -> dict[int, list[Approval]]:
        """:meth:`for_payment` for many payments (every id is a key, possibly with an empty list)."""
        out: dict[int, list[Approval]] = {pid: [] for pid in payment_ids}
        user = aliased(UserRow)
        a = ApprovalRow.__table__
        stmt = (select(*(a.c[n] for n in _APPROVAL_READ), user.username)
                .join(user, user.id == a.c.approver_id)
                .where(a.c.payment_id.in_(bindparam("ids", expanding=True)))
                .order_by(a.c.payment_id, a.c.level))
        # Core rows unpacked by position: no ORM bookkeeping for 100,000 approvals
        for (aid, pid, approver_id, level, decision, content_hash, comment, at, voided_at, void_reason,
             approver_role, username) in bulk.rows_for_ids(self._s, stmt, list(out)):
            out[pid].append(Approval(id=aid, payment_id=pid, approver_id=approver_id, approver_name=username,
                                     level=level, decision=decision, content_hash=content_hash, comment=comment,
                                     at=at, voided_at=voided_at, void_reason=void_reason,
                                     approver_role=approver_role))
        return out

    def active_approvers(self, payment_ids: Sequence[int]) -> dict[int, set[int]]:
        """payment id → ids of the users whose approval of it is live (not void)."""
        out: dict[int, set[int]] = {pid: set() for pid in payment_ids}
        if not payment_ids:
            return out
        stmt = select(ApprovalRow.payment_id, ApprovalRow.approver_id).where(
            ApprovalRow.payment_id.in_(list(payment_ids)), ApprovalRow.voided_at.is_(None),
            ApprovalRow.decision == "approved")
        for pid, uid in self._s.execute(stmt):
            out[pid].add(uid)
        return out

    def add(self, payment_id: int, approver_id: int, decision: str, content_hash: str, comment: str | None,
            approver_role: str | None = None) -> Approval:
        level = int(self._s.scalar(select(func.coalesce(func.max(ApprovalRow.level), 0))
                                   .where(ApprovalRow.payment_id == payment_id)) or 0) + 1
        row = ApprovalRow(payment_id=payment_id, approver_id=approver_id, level=level, decision=decision,
                          content_hash=content_hash, comment=comment, at=self._clock.now(),
                          approver_role=approver_role)
        with _guarded(self._s, "an approval"):
            self._s.add(row)
            self._s.flush()
        username = self._s.scalar(select(UserRow.username).where(UserRow.id == approver_id)) or "?"
        return _approval(row, username)

    def void_active(self, payment_id: int, reason: str) -> int:
        """Mark every live approval (decision "approved") of the payment void (rows stay); returns how many."""
        table = ApprovalRow.__table__
        stmt = (update(table).where(table.c.payment_id == payment_id, table.c.voided_at.is_(None),
                                    table.c.decision == "approved")
                .values(voided_at=self._clock.now(), void_reason=reason[:200]))
        with _guarded(self._s, "an approval"):
            result = self._s.execute(stmt)
        self._s.expire_all()
        return int(result.rowcount or 0)


class SqlApprovalPolicyRepository:
    def __init__(self, session: Session):
        self._s = session

    @staticmethod
    def _policy(row: ApprovalPolicyRow) -> ApprovalPolicy:
        return policy_from_dict(json.loads(row.rules_json), version=row.version, created_at=row.created_at,
                                created_by=row.created_by, policy_id=row.id)

    def current(self) -> ApprovalPolicy | None:
        row = self._s.scalars(select(ApprovalPolicyRow).order_by(ApprovalPolicyRow.version.desc()).limit(1)).first()
        return None if row is None else self._policy(row)

    def get(self, version: int) -> ApprovalPolicy | None:
        row = self._s.scalars(select(ApprovalPolicyRow).where(ApprovalPolicyRow.version == version)).first()
        return None if row is None else self._policy(row)

    def list(self) -> list[ApprovalPolicy]:
        rows = self._s.scalars(select(ApprovalPolicyRow).order_by(ApprovalPolicyRow.version.desc()))
        return [self._policy(r) for r in rows]

    def add_version(self, policy: ApprovalPolicy, created_by: str, at: datetime) -> ApprovalPolicy:
        latest = int(self._s.scalar(select(func.coalesce(func.max(ApprovalPolicyRow.version), 0))) or 0)
        row = ApprovalPolicyRow(version=latest + 1, created_by=created_by, created_at=at,
                                rules_json=json.dumps(policy.to_dict(), ensure_ascii=False, sort_keys=True))
        with _guarded(self._s, "an approval policy version"):
            self._s.add(row)
            self._s.flush()
        return self._policy(row)
