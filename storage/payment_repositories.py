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

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from app.domain.approval_policy import ApprovalPolicy, policy_from_dict
from app.domain.errors import Conflict, NotFound
from app.domain.payment import PaymentStatus
from app.domain.payment_request import URGENCY_NORMAL, URGENCY_URGENT, Approval, PaymentRequest, StatusChange
from app.ports.clock import Clock
from storage import bulk
from storage.bulk import MemoResult, id_spans, rows_by_ids
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


def _payment_query(created: MemoResult | None = None, updated: MemoResult | None = None):
    """Core, not ORM: a 100,000-line batch is read as plain rows (ORM identity-map bookkeeping was most of the
    cost); always the database's current values, as ``populate_existing`` gave before. With ``created`` and
    ``updated`` the two timestamps are read raw, for :func:`_payment` to convert once per distinct value."""
    t = PaymentRequestRow.__table__
    columns = [t.c[n] for n in _PAYMENT_COLUMNS]
    if created is not None and updated is not None:
        columns[_CREATED], columns[_UPDATED] = created.raw, updated.raw
    return (select(*columns, UserRow.username.label("x_maker"),
                   PayeeRow.name.label("x_payee_name"),
                   PayeeRow.account_number.label("x_payee_account"), PayeeRow.cnaps_code.label("x_payee_code"),
                   BankAccountRow.account_number.label("x_debit_number"))
            .join(UserRow, UserRow.id == PaymentRequestRow.maker_id)
            .join(PayeeRow, PayeeRow.id == PaymentRequestRow.payee_id)
            .join(BankAccountRow, BankAccountRow.id == PaymentRequestRow.debit_account_id))


_CREATED, _UPDATED = _PAYMENT_COLUMNS.index("created_at"), _PAYMENT_COLUMNS.index("updated_at")


def _payment(row: Any, created: MemoResult | None = None, updated: MemoResult | None = None) -> PaymentRequest:
    # unpacked by position (the query's column order): a Row's attribute lookups were most of the cost per row
    (pid, debit_account_id, payee_id, amount_minor, currency, purpose, requested_date, urgency, status, maker_id,
     content_hash, version, created_at, updated_at, duplicate_override, policy_version, required_approvals,
     required_role, signer_id, batch_id, maker_name, payee_name, payee_account, payee_code, debit_number) = row
    if created is not None and updated is not None:    # read raw (see _payment_query)
        created_at, updated_at = created(created_at), updated(updated_at)
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


def _typed(values: dict[str, Any]) -> list[tuple[str, Any, type]]:
    """The items of ``values`` with each value's type, as a key: 1 and True (equal, same hash) stay apart."""
    return [(k, v, type(v)) for k, v in values.items()]


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
        created, updated = self._timestamps()
        stmt = _payment_query(created, updated)
        if for_update and self._s.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=PaymentRequestRow.__table__)
        found = {p.id: p for p in (_payment(r, created, updated)
                                   for r in rows_by_ids(self._s, stmt, PaymentRequestRow.__table__.c.id, ids))}
        return [found[i] for i in ids if i in found]

    def _timestamps(self) -> tuple[MemoResult, MemoResult]:
        t = PaymentRequestRow.__table__
        return MemoResult(self._s, t.c.created_at), MemoResult(self._s, t.c.updated_at)

    def list(self, status: PaymentStatus | None = None, maker_id: int | None = None,
             limit: int = 10_000) -> list[PaymentRequest]:
        created, updated = self._timestamps()
        stmt = _payment_query(created, updated)
        if status is not None:
            stmt = stmt.where(PaymentRequestRow.status == PaymentStatus(status).value)
        if maker_id is not None:
            stmt = stmt.where(PaymentRequestRow.maker_id == maker_id)
        stmt = stmt.order_by(PaymentRequestRow.id.desc()).limit(limit)
        return [_payment(r, created, updated) for r in bulk.rows(self._s, stmt)]

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
        return dict(rows_by_ids(self._s, select(t.c.id, t.c.version), t.c.id, ids))

    def set_status_many(self, changes: Sequence[tuple[int, int, PaymentStatus, dict[str, Any]]]) -> None:
        """:meth:`set_status` for many payments at once (each at most once), without reading them back:
        (id, expected version, status, extra columns). Conflict STALE_VERSION when any changed meanwhile."""
        if not changes:
            return
        rows = []
        alike: dict[tuple, dict[str, Any]] = {}      # the same status and columns: checked and built once
        last: tuple = (None, None, None)             # (status, extra, values) of the row before
        for payment_id, expected_version, status, extra in changes:
            if status is last[0] and extra is last[1]:  # the same objects as the row before (one dict for all)
                rows.append((payment_id, expected_version, last[2]))
                continue
            try:
                key: tuple | None = (status, type(status), *_typed(extra))
                values = alike.get(key)
            except TypeError:
                key = values = None
            if values is None:
                if set(extra) - _STATUS_EXTRA:
                    raise ValueError(f"unknown payment column(s): {sorted(set(extra) - _STATUS_EXTRA)}")
                values = {"status": PaymentStatus(status).value, **dict(sorted(extra.items()))}
                if key is not None:
                    alike[key] = values
            rows.append((payment_id, expected_version, values))
            last = (status, extra, values)
        with _guarded(self._s, "a payment"):
            stale = self._versioned_many(rows, self._clock.now())
        if stale:
            raise Conflict("STALE_VERSION", f"{len(stale)} of {len(rows)} payments were changed by someone else "
                           "meanwhile; reload them and try again")

    def _versioned_many(self, changes: Sequence[tuple[int, int, dict[str, Any]]], now: datetime) -> list[int]:
        """``storage.bulk.versioned_update_many`` (same writes, same stale ids), with a long run of consecutive ids
        that share the expected version and the values written as ONE ``UPDATE … WHERE id BETWEEN first AND last
        AND version = expected`` — the database's triggers still check every row it changes — instead of one
        statement per row (a 100,000-line batch signed: 100,000 statements, each with its statement journal)."""
        table = PaymentRequestRow.__table__
        shapes: dict[tuple[str, ...], list[tuple[int, int, dict[str, Any]]]] = {}
        for row_id, expected_version, values in changes:
            shapes.setdefault(tuple(values), []).append((row_id, expected_version, values))
        stale: list[int] = []
        for keys, group in shapes.items():
            alike: dict[tuple, list[tuple[int, int, dict[str, Any]]]] = {}
            rest = []                         # rows written one by one
            for row in group:               # rows of equal values share one dict (set_status_many)
                try:
                    alike.setdefault((row[1], type(row[1]), id(row[2])), []).append(row)
                except TypeError:             # an unhashable version: that row goes row by row
                    rest.append(row)
            changed = 0
            for members in alike.values():
                expected_version, values = members[0][1], list(members[0][2].values())
                ids = [m[0] for m in members]
                runs, others = id_spans(ids) if len(ids) == len(set(ids)) else ([], ids)
                if not runs:                  # a repeated id (each row at most once) also goes row by row: stale
                    rest += members
                    continue
                stmt = (update(table).where(table.c.id.between(bindparam("id_first"), bindparam("id_last")),
                                            table.c.version == expected_version)
                        .values(**dict(zip(keys, values, strict=True)), version=table.c.version + 1, updated_at=now))
                for first, last in runs:
                    changed += self._s.execute(stmt, {"id_first": first, "id_last": last}).rowcount or 0
                if others:
                    short = set(others)
                    rest += [m for m in members if m[0] in short]
            rest = [(*values.values(), row_id, expected_version) for row_id, expected_version, values in rest]
            changed += bulk.update_many(self._s, table, keys, rest, where=("id", "version"),
                                        constants={"updated_at": now}, bump_version=True)
            if changed != len(group):       # named as storage.bulk.versioned_update_many names them
                stale += bulk.stale_ids(self._s, table, {row_id: version for row_id, version, _v in group})
        return stale

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
        moves: dict[tuple, tuple[str | None, str]] = {}     # each (from, to) checked and converted once
        rows = []
        for payment_id, from_status, to_status, detail in changes:
            key = (from_status, to_status, type(from_status), type(to_status))
            move = moves.get(key)
            if move is None:
                move = moves[key] = (from_status.value if from_status else None, PaymentStatus(to_status).value)
            rows.append((payment_id, *move, now, actor, detail, payment_id))
        with _guarded(self._s, "a status change"):
            rows = self._add_history_runs(rows)
            # each row takes the next sequence number of its payment in the same statement (executemany runs the
            # rows in order, so several changes of one payment get consecutive numbers): no separate read of the
            # last ones
            bulk.insert_next_seq(self._s, H, ("payment_id", "from_status", "to_status", "at", "actor", "detail"),
                                 rows, key="payment_id", seq="seq")

    def _add_history_runs(self, rows: list[tuple]) -> list[tuple]:
        """Writes the rows of long runs of consecutive payments, each changed once here with the same move, detail
        and time, as ONE ``INSERT … SELECT`` per run (each row's seq: its payment's last one + 1, as
        ``insert_next_seq`` takes it); returns the other rows, to be written one by one."""
        times = {}
        for r in rows:
            times[r[0]] = times.get(r[0], 0) + 1
        alike: dict[tuple, list[int]] = {}
        for payment_id, from_status, to_status, at, actor, detail, _key in rows:
            if times[payment_id] == 1:
                alike.setdefault((from_status, to_status, at, actor, detail), []).append(payment_id)
        if not any(len(ids) >= bulk.LONG_RUN for ids in alike.values()):
            return rows
        H, P = PaymentStatusHistoryRow.__table__, PaymentRequestRow.__table__
        names = ("from_status", "to_status", "at", "actor", "detail")
        seq = (select(func.coalesce(func.max(H.c.seq), 0) + 1).where(H.c.payment_id == P.c.id)
               .correlate(P).scalar_subquery())
        stmt = insert(H).from_select(
            ["payment_id", "seq", *names],
            select(P.c.id, seq, *(bindparam(f"h_{n}", type_=H.c[n].type) for n in names))
            .where(P.c.id.between(bindparam("id_first"), bindparam("id_last"))))
        done: set[int] = set()
        for values, ids in alike.items():
            for first, last in id_spans(ids)[0]:
                written = self._s.execute(stmt, {"id_first": first, "id_last": last,
                                                 **{f"h_{n}": v for n, v in zip(names, values, strict=True)}})
                if written.rowcount == last - first + 1:
                    done.update(range(first, last + 1))
                else:   # a payment that is not there: left to the row-by-row insert, which fails on it as before
                    done.update(self._s.scalars(select(P.c.id).where(P.c.id.between(first, last))))
        return [r for r in rows if r[0] not in done]

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
        stmt = select(func.count(), func.max(A.c.id), func.count(A.c.voided_at))
        count = top = voided = 0
        for n, m, v in rows_by_ids(self._s, stmt, A.c.payment_id, payment_ids):
            count, top, voided = count + int(n or 0), max(top, int(m or 0)), voided + int(v or 0)
        return count, top, voided

    def for_payments(self, payment_ids: Sequence[int]) -> dict[int, list[Approval]]:
        """:meth:`for_payment` for many payments (every id is a key, possibly with an empty list)."""
        out: dict[int, list[Approval]] = {pid: [] for pid in payment_ids}
        user = aliased(UserRow)
        a = ApprovalRow.__table__
        at, voided = MemoResult(self._s, a.c.at), MemoResult(self._s, a.c.voided_at)
        columns = [at.raw if n == "at" else voided.raw if n == "voided_at" else a.c[n] for n in _APPROVAL_READ]
        stmt = (select(*columns, user.username).join(user, user.id == a.c.approver_id)
                .order_by(a.c.payment_id, a.c.level))
        # Core rows unpacked by position: no ORM bookkeeping for 100,000 approvals; the timestamps (one per
        # decision of a batch) converted once per distinct value; a payment's approvals all come from one query
        for (aid, pid, approver_id, level, decision, content_hash, comment, at_raw, voided_raw, void_reason,
             approver_role, username) in rows_by_ids(self._s, stmt, a.c.payment_id, list(out)):
            out[pid].append(Approval(id=aid, payment_id=pid, approver_id=approver_id, approver_name=username,
                                     level=level, decision=decision, content_hash=content_hash, comment=comment,
                                     at=at(at_raw), voided_at=voided(voided_raw), void_reason=void_reason,
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
