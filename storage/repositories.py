"""SQL repositories: they speak ORM inside and hand out frozen domain values (never ORM objects).

Every write runs inside a SAVEPOINT so a violated constraint becomes a specific ``Conflict`` while the unit of
work's transaction stays usable. Master data carries a ``version``: ``update(id, expected_version, fields)``
raises ``Conflict("STALE_VERSION")`` when someone else saved in between.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, case, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.errors import Conflict, NotFound, Problem, ValidationFailed
from app.domain.master_data import (
    BANK_ACCOUNT_FIELDS,
    PAYEE_FIELDS,
    AccountKind,
    BankAccount,
    Organization,
    Payee,
)
from app.domain.users import Role, User, UserCredentials
from app.ports.clock import Clock
from storage import bulk
from storage.db_errors import translate_integrity_error
from storage.orm import BankAccountRow, OrganizationRow, PayeeRow, UserRoleRow, UserRow

R = TypeVar("R")

ACCOUNT_COLUMNS = (*BANK_ACCOUNT_FIELDS, "connection_profile_id")
PAYEE_COLUMNS = PAYEE_FIELDS
PAYEE_ORDER_BY = {
    "name": PayeeRow.name,
    "account_number": PayeeRow.account_number,
    "bank_name": PayeeRow.bank_name,
    "cnaps_code": PayeeRow.cnaps_code,
    "id": PayeeRow.id,
}
_IN_CHUNK = 500  # ids per IN (...) list: far below SQLite's bound-parameter limit


@contextmanager
def _guarded(session: Session, what: str) -> Iterator[None]:
    """Run writes in a savepoint; constraint violations become specific domain errors."""
    try:
        with session.begin_nested():
            yield
    except IntegrityError as exc:
        raise translate_integrity_error(exc, what) from exc


def _plain_fields(fields: Mapping[str, Any], allowed: Sequence[str], what: str, model: Any) -> dict[str, Any]:
    """Enum members become their values; unknown keys are a programming error; over-long text is refused
    the same way on both databases (SQLite would store it, PostgreSQL would fail with a DataError)."""
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {what} field(s): {', '.join(unknown)}")
    values = {k: getattr(v, "value", v) for k, v in fields.items()}
    problems = []
    for key, value in values.items():
        limit = getattr(model.__table__.c[key].type, "length", None)
        if isinstance(value, str) and limit is not None and len(value) > limit:
            problems.append(Problem("TEXT_LENGTH", f"{key} is {len(value)} characters long; the ledger keeps at "
                                    f"most {limit}", key))
    if problems:
        raise ValidationFailed(problems)
    return values


def _get_fresh(session: Session, model: type[R], key: int) -> R | None:
    return session.get(model, key, populate_existing=True)


# -- users --------------------------------------------------------------------------------------------------

def _user(row: UserRow, roles: Iterable[str]) -> User:
    return User(
        id=row.id, username=row.username, display_name=row.display_name,
        roles=frozenset(Role(r) for r in roles), is_active=row.is_active, failed_logins=row.failed_logins,
        locked_until=row.locked_until, locked_permanently=row.locked_permanently, created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


class SqlUserRepository:
    def __init__(self, session: Session):
        self._s = session

    def _roles_of(self, user_ids: Sequence[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {uid: [] for uid in user_ids}
        if not user_ids:
            return out
        rows = self._s.execute(select(UserRoleRow.user_id, UserRoleRow.role).where(UserRoleRow.user_id.in_(user_ids)))
        for uid, role in rows:
            out[uid].append(role)
        return out

    def _row(self, user_id: int) -> UserRow:
        row = _get_fresh(self._s, UserRow, user_id)
        if row is None:
            raise NotFound("user", user_id)
        return row

    def _to_user(self, row: UserRow) -> User:
        return _user(row, self._roles_of([row.id])[row.id])

    def get(self, user_id: int) -> User | None:
        row = _get_fresh(self._s, UserRow, user_id)
        return None if row is None else self._to_user(row)

    def get_by_username(self, username: str) -> User | None:
        row = self._s.scalars(select(UserRow).where(UserRow.username == username)
                              .execution_options(populate_existing=True)).one_or_none()
        return None if row is None else self._to_user(row)

    def get_credentials(self, username: str) -> UserCredentials | None:
        row = self._s.scalars(select(UserRow).where(UserRow.username == username)
                              .execution_options(populate_existing=True)).one_or_none()
        return None if row is None else UserCredentials(self._to_user(row), row.password_hash)

    def add(self, username: str, display_name: str, password_hash: str, roles: Iterable[Role],
            created_at: datetime) -> User:
        role_values = sorted({Role(r).value for r in roles})
        row = UserRow(username=username, display_name=display_name, password_hash=password_hash, is_active=True,
                      failed_logins=0, locked_permanently=False, created_at=created_at)
        with _guarded(self._s, "a user"):
            self._s.add(row)
            self._s.flush()
            self._s.add_all(UserRoleRow(user_id=row.id, role=r) for r in role_values)
        return _user(row, role_values)

    def _set(self, user_id: int, **values: Any) -> None:
        row = self._row(user_id)
        with _guarded(self._s, "a user"):
            for key, value in values.items():
                setattr(row, key, value)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._set(user_id, password_hash=password_hash)

    def record_login_failure(self, user_id: int, failed_logins: int, locked_until: datetime | None,
                             locked_permanently: bool) -> None:
        self._set(user_id, failed_logins=failed_logins, locked_until=locked_until,
                  locked_permanently=locked_permanently)

    def record_login_success(self, user_id: int, at: datetime) -> None:
        self._set(user_id, failed_logins=0, locked_until=None, last_login_at=at)

    def unlock(self, user_id: int) -> None:
        self._set(user_id, failed_logins=0, locked_until=None, locked_permanently=False)

    def set_roles(self, user_id: int, roles: Iterable[Role]) -> None:
        self._row(user_id)
        role_values = sorted({Role(r).value for r in roles})
        with _guarded(self._s, "a user role"):
            self._s.execute(delete(UserRoleRow).where(UserRoleRow.user_id == user_id))
            if role_values:
                self._s.execute(insert(UserRoleRow), [{"user_id": user_id, "role": r} for r in role_values])
        self._s.expire_all()

    def set_active(self, user_id: int, active: bool) -> None:
        self._set(user_id, is_active=bool(active))

    def set_display_name(self, user_id: int, display_name: str) -> None:
        self._set(user_id, display_name=display_name)

    def list(self) -> list[User]:
        rows = list(self._s.scalars(select(UserRow).order_by(UserRow.username)
                                    .execution_options(populate_existing=True)))
        roles = self._roles_of([r.id for r in rows])
        return [_user(r, roles[r.id]) for r in rows]

    def count(self) -> int:
        return int(self._s.scalar(select(func.count()).select_from(UserRow)) or 0)


# -- organization -------------------------------------------------------------------------------------------

def _org(row: OrganizationRow) -> Organization:
    return Organization(id=row.id, name=row.name, uscc=row.uscc, is_demo=row.is_demo)


class SqlOrganizationRepository:
    def __init__(self, session: Session, clock: Clock):
        self._s = session
        self._clock = clock

    def get(self) -> Organization | None:
        row = self._s.scalars(select(OrganizationRow).order_by(OrganizationRow.id).limit(1)
                              .execution_options(populate_existing=True)).first()
        return None if row is None else _org(row)

    def add(self, name: str, uscc: str | None, is_demo: bool = False) -> Organization:
        now = self._clock.now()
        row = OrganizationRow(name=name, uscc=uscc, is_demo=bool(is_demo), created_at=now, updated_at=now)
        with _guarded(self._s, "an organization"):
            self._s.add(row)
        return _org(row)

    def update(self, org_id: int, name: str, uscc: str | None) -> Organization:
        row = _get_fresh(self._s, OrganizationRow, org_id)
        if row is None:
            raise NotFound("organization", org_id)
        with _guarded(self._s, "an organization"):
            row.name, row.uscc, row.updated_at = name, uscc, self._clock.now()
        return _org(row)


# -- versioned master data ----------------------------------------------------------------------------------

def _versioned_update(session: Session, model: Any, what: str, key: int, expected_version: int,
                      values: dict[str, Any], now: datetime) -> None:
    table = model.__table__
    stmt = (update(table).where(table.c.id == key, table.c.version == expected_version)
            .values(**values, version=table.c.version + 1, updated_at=now))
    with _guarded(session, what):
        result = session.execute(stmt)
    if result.rowcount == 1:
        return
    current = session.execute(select(table.c.version).where(table.c.id == key)).scalar_one_or_none()
    if current is None:
        raise NotFound(what, key)
    raise Conflict("STALE_VERSION", f"{what} {key} was changed by someone else (you edited version "
                   f"{expected_version}, it is now version {current}); reload it and apply your change again")


def _account(row: BankAccountRow) -> BankAccount:
    return BankAccount(
        id=row.id, org_id=row.org_id, bank_name=row.bank_name, branch_name=row.branch_name,
        cnaps_code=row.cnaps_code, account_number=row.account_number, account_name=row.account_name,
        currency=row.currency, plugin_id=row.plugin_id, connection_profile_id=row.connection_profile_id,
        is_active=row.is_active, version=row.version,
    )


class SqlBankAccountRepository:
    def __init__(self, session: Session, clock: Clock):
        self._s = session
        self._clock = clock

    def get(self, account_id: int) -> BankAccount | None:
        row = _get_fresh(self._s, BankAccountRow, account_id)
        return None if row is None else _account(row)

    def get_by_number(self, account_number: str) -> BankAccount | None:
        row = self._s.scalars(select(BankAccountRow).where(BankAccountRow.account_number == account_number)
                              .execution_options(populate_existing=True)).one_or_none()
        return None if row is None else _account(row)

    def list(self, include_inactive: bool = False) -> list[BankAccount]:
        stmt = select(BankAccountRow).order_by(BankAccountRow.bank_name, BankAccountRow.account_number,
                                               BankAccountRow.id)
        if not include_inactive:
            stmt = stmt.where(BankAccountRow.is_active.is_(True))
        return [_account(r) for r in self._s.scalars(stmt.execution_options(populate_existing=True))]

    def add(self, org_id: int, fields: dict[str, Any]) -> BankAccount:
        values = _plain_fields(fields, ACCOUNT_COLUMNS, "bank account", BankAccountRow)
        values.setdefault("currency", "CNY")
        now = self._clock.now()
        row = BankAccountRow(org_id=org_id, **values, is_active=True, version=1, created_at=now, updated_at=now)
        with _guarded(self._s, "a bank account"):
            self._s.add(row)
        return _account(row)

    def update(self, account_id: int, expected_version: int, fields: dict[str, Any]) -> BankAccount:
        values = _plain_fields(fields, ACCOUNT_COLUMNS, "bank account", BankAccountRow)
        _versioned_update(self._s, BankAccountRow, "bank account", account_id, expected_version, values,
                          self._clock.now())
        return self.get(account_id)  # type: ignore[return-value]

    def set_active(self, account_id: int, active: bool) -> None:
        current = self.get(account_id)
        if current is None:
            raise NotFound("bank account", account_id)
        _versioned_update(self._s, BankAccountRow, "bank account", account_id, current.version,
                          {"is_active": bool(active)}, self._clock.now())


PAYEE_READ = ("id", "org_id", "name", "account_number", "bank_name", "branch_name", "cnaps_code", "uscc", "kind",
              "is_active", "version", "confirmed", "changed_by", "confirmed_by")
_KINDS = {k.value: k for k in AccountKind}


def payee_from_row(row: Any) -> Payee:
    """A row of ``select(*PAYEE_READ)``, unpacked by position (a Row's attribute lookups cost more per row)."""
    (pid, org_id, name, account_number, bank_name, branch_name, cnaps_code, uscc, kind, is_active, version,
     confirmed, changed_by, confirmed_by) = row
    return Payee(id=pid, org_id=org_id, name=name, account_number=account_number, bank_name=bank_name,
                 branch_name=branch_name, cnaps_code=cnaps_code, uscc=uscc, kind=_KINDS[kind],
                 is_active=bool(is_active), version=version, confirmed=bool(confirmed), changed_by=changed_by,
                 confirmed_by=confirmed_by)


def _payee(row: PayeeRow) -> Payee:
    return Payee(
        id=row.id, org_id=row.org_id, name=row.name, account_number=row.account_number, bank_name=row.bank_name,
        branch_name=row.branch_name, cnaps_code=row.cnaps_code, uscc=row.uscc, kind=AccountKind(row.kind),
        is_active=row.is_active, version=row.version, confirmed=bool(row.confirmed), changed_by=row.changed_by,
        confirmed_by=row.confirmed_by,
    )


def _payee_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    values = _plain_fields(fields, PAYEE_COLUMNS, "payee", PayeeRow)
    if "kind" in values:
        values["kind"] = AccountKind(values["kind"]).value
    return values


def _payee_filter(query: str, include_inactive: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if not include_inactive:
        conditions.append(PayeeRow.is_active.is_(True))
    text = (query or "").strip()
    if text:
        conditions.append(or_(*(col.icontains(text, autoescape=True) for col in
                                (PayeeRow.name, PayeeRow.account_number, PayeeRow.bank_name, PayeeRow.cnaps_code))))
    return conditions


class SqlPayeeRepository:
    def __init__(self, session: Session, clock: Clock):
        self._s = session
        self._clock = clock

    def get(self, payee_id: int) -> Payee | None:
        row = _get_fresh(self._s, PayeeRow, payee_id)
        return None if row is None else _payee(row)

    def find_by_account(self, account_number: str, cnaps_code: str) -> Payee | None:
        row = self._s.scalars(select(PayeeRow).where(PayeeRow.account_number == account_number,
                                                     PayeeRow.cnaps_code == cnaps_code)
                              .order_by(PayeeRow.id).limit(1).execution_options(populate_existing=True)).first()
        return None if row is None else _payee(row)

    def ids(self, query: str = "", order_by: str = "name", descending: bool = False,
            include_inactive: bool = False) -> list[int]:
        column = PAYEE_ORDER_BY.get(order_by)
        if column is None:
            allowed = ", ".join(PAYEE_ORDER_BY)
            raise ValidationFailed([Problem("ORDER_BY", f"payees cannot be sorted by {order_by!r}; use one of "
                                            f"{allowed}", "order_by")])
        keys = [column.desc(), PayeeRow.id.desc()] if descending else [column.asc(), PayeeRow.id.asc()]
        if column is PayeeRow.id:
            keys = keys[:1]
        stmt = select(PayeeRow.id).where(*_payee_filter(query, include_inactive)).order_by(*keys)
        return list(self._s.scalars(stmt))

    def get_many(self, ids: Sequence[int]) -> list[Payee]:
        """The payees for ``ids`` in the order given (unknown ids are skipped). Core rows (current values, no ORM
        bookkeeping) unpacked by position, in chunks of 5,000 ids: signing a 100,000-line payroll reads them all."""
        found: dict[int, Payee] = {}
        t = PayeeRow.__table__
        for row in bulk.rows_by_ids(self._s, select(*(t.c[n] for n in PAYEE_READ)), t.c.id, ids):
            found[row[0]] = payee_from_row(row)
        return [found[i] for i in ids if i in found]

    def state_of(self, ids: Sequence[int]) -> tuple[int, int, int]:
        """A fingerprint of these payees: (how many exist, the sum of their versions — every edit bumps one —, how
        many await confirmation — confirming does not bump the version)."""
        stmt = select(func.count(), func.sum(PayeeRow.version),
                      func.sum(case((PayeeRow.confirmed.is_(False), 1), else_=0)))
        count = total = unconfirmed = 0
        for n, v, u in bulk.rows_by_ids(self._s, stmt, PayeeRow.__table__.c.id, ids):
            count, total, unconfirmed = count + int(n or 0), total + int(v or 0), unconfirmed + int(u or 0)
        return count, total, unconfirmed

    def search(self, query: str = "", offset: int = 0, limit: int = 100,
               include_inactive: bool = False) -> list[Payee]:
        stmt = (select(PayeeRow).where(*_payee_filter(query, include_inactive))
                .order_by(PayeeRow.name, PayeeRow.id).offset(max(0, offset)).limit(max(0, limit)))
        return [_payee(r) for r in self._s.scalars(stmt.execution_options(populate_existing=True))]

    def count(self, query: str = "", include_inactive: bool = False) -> int:
        stmt = select(func.count()).select_from(PayeeRow).where(*_payee_filter(query, include_inactive))
        return int(self._s.scalar(stmt) or 0)

    def add(self, org_id: int, fields: dict[str, Any]) -> Payee:
        values = _payee_values(fields)
        values.setdefault("kind", AccountKind.CORPORATE.value)
        now = self._clock.now()
        row = PayeeRow(org_id=org_id, **values, is_active=True, version=1, created_at=now, updated_at=now)
        with _guarded(self._s, "a payee"):
            self._s.add(row)
        return _payee(row)

    def add_many(self, org_id: int, rows: Sequence[dict[str, Any]]) -> int:
        """Bulk insert through SQLAlchemy Core (one executemany), all or nothing."""
        if not rows:
            return 0
        now = self._clock.now()
        records = []
        for fields in rows:
            values = _payee_values(fields)
            values.setdefault("kind", AccountKind.CORPORATE.value)
            values.setdefault("uscc", None)
            records.append({"org_id": org_id, **values, "is_active": True, "version": 1,
                            "created_at": now, "updated_at": now})
        with _guarded(self._s, "a payee"):
            self._s.execute(insert(PayeeRow.__table__), records)
        return len(records)

    def update(self, payee_id: int, expected_version: int, fields: dict[str, Any]) -> Payee:
        _versioned_update(self._s, PayeeRow, "payee", payee_id, expected_version, _payee_values(fields),
                          self._clock.now())
        return self.get(payee_id)  # type: ignore[return-value]

    def set_active(self, payee_id: int, active: bool) -> None:
        current = self.get(payee_id)
        if current is None:
            raise NotFound("payee", payee_id)
        _versioned_update(self._s, PayeeRow, "payee", payee_id, current.version, {"is_active": bool(active)},
                          self._clock.now())

    def _set_confirmation(self, payee_id: int, values: dict[str, Any]) -> None:
        """Confirmation state only: no version bump (it is not an edit of the payee's details)."""
        table = PayeeRow.__table__
        with _guarded(self._s, "a payee"):
            result = self._s.execute(update(table).where(table.c.id == payee_id).values(**values))
        if result.rowcount != 1:
            raise NotFound("payee", payee_id)

    def mark_changed(self, payee_id: int, changed_by: int | None) -> None:
        self._set_confirmation(payee_id, {"confirmed": False, "changed_by": changed_by, "confirmed_by": None})

    def confirm(self, payee_id: int, confirmed_by: int) -> None:
        self._set_confirmation(payee_id, {"confirmed": True, "confirmed_by": confirmed_by})

    def awaiting_confirmation(self) -> list[Payee]:
        stmt = (select(PayeeRow).where(PayeeRow.confirmed.is_(False)).order_by(PayeeRow.name, PayeeRow.id)
                .execution_options(populate_existing=True))
        return [_payee(r) for r in self._s.scalars(stmt)]
