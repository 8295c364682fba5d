"""One unit of work = one short transaction over one Session, shared by every repository it exposes."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.ports.clock import Clock
from storage.alert_repositories import SqlAlertRepository
from storage.audit_log import SqlAuditLog
from storage.bank_repositories import (
    SqlBalanceRepository,
    SqlConnectionProfileRepository,
    SqlMessageLogRepository,
    SqlTransactionRepository,
)
from storage.batch_lines_extra import SqlBatchLineExtras
from storage.batch_repositories import SqlBatchRepository
from storage.db_errors import translate_database_error, translate_operational_error
from storage.engine import READ_ONLY_OPTION
from storage.payment_repositories import (
    SqlApprovalPolicyRepository,
    SqlApprovalRepository,
    SqlPaymentRepository,
)
from storage.repositories import (
    SqlBankAccountRepository,
    SqlOrganizationRepository,
    SqlPayeeRepository,
    SqlUserRepository,
)
from storage.signing_repositories import SqlSignedBatchRepository, SqlSigningKeyRepository
from storage.submission_repositories import SqlSubmissionRepository
from storage.write_gate import WriteGate


class SqlUnitOfWork:
    """``with uow: ...; uow.commit()``. Leaving the block without ``commit()`` (or by an exception) rolls back.

    Write units of work begin with ``BEGIN IMMEDIATE`` on SQLite; read-only ones run a plain ``BEGIN`` with
    ``PRAGMA query_only`` on SQLite and ``SET TRANSACTION READ ONLY`` on PostgreSQL, so they cannot write.
    Database failures surface as ``StorageUnavailable`` (busy, disconnected) or, for constraint violations
    that escaped a repository, as the matching ``Conflict``.
    """

    users: SqlUserRepository
    organizations: SqlOrganizationRepository
    accounts: SqlBankAccountRepository
    payees: SqlPayeeRepository
    audit: SqlAuditLog
    profiles: SqlConnectionProfileRepository
    balances: SqlBalanceRepository
    transactions: SqlTransactionRepository
    message_log: SqlMessageLogRepository
    payments: SqlPaymentRepository
    approvals: SqlApprovalRepository
    approval_policies: SqlApprovalPolicyRepository
    signed_batches: SqlSignedBatchRepository
    signing_keys: SqlSigningKeyRepository
    submissions: SqlSubmissionRepository
    batches: SqlBatchRepository
    batch_extras: SqlBatchLineExtras
    alerts: SqlAlertRepository

    def __init__(self, engine: Engine, audit_key: bytes, clock: Clock, *, read_only: bool = False):
        self._engine = engine.execution_options(**{READ_ONLY_OPTION: bool(read_only)})
        self._audit_key = audit_key
        self._clock = clock
        self.read_only = bool(read_only)
        self._session: Session | None = None
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self._gate = WriteGate.for_ledger(database) if database and not read_only and database != ":memory:" \
            else None
        self._gated = None

    @property
    def session(self) -> Session:
        """The underlying session, for storage-layer code that adds its own repositories."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use it in a with block")
        return self._session

    def __enter__(self) -> SqlUnitOfWork:
        if self._session is not None:
            raise RuntimeError("a unit of work cannot be entered twice")
        if self._gate is not None:  # SQLite writers queue here, not in SQLite's sleeping busy handler
            gated = self._gate.hold()
            gated.__enter__()
            self._gated = gated
        session = Session(bind=self._engine, expire_on_commit=False, autoflush=True)
        self._session = session
        self.users = SqlUserRepository(session)
        self.organizations = SqlOrganizationRepository(session, self._clock)
        self.accounts = SqlBankAccountRepository(session, self._clock)
        self.payees = SqlPayeeRepository(session, self._clock)
        self.audit = SqlAuditLog(session, self._audit_key, self._clock)
        self.profiles = SqlConnectionProfileRepository(session, self._clock)
        self.balances = SqlBalanceRepository(session)
        self.transactions = SqlTransactionRepository(session)
        self.message_log = SqlMessageLogRepository(session)
        self.payments = SqlPaymentRepository(session, self._clock)
        self.approvals = SqlApprovalRepository(session, self._clock)
        self.approval_policies = SqlApprovalPolicyRepository(session)
        self.signed_batches = SqlSignedBatchRepository(session)
        self.signing_keys = SqlSigningKeyRepository(session, self._clock)
        self.submissions = SqlSubmissionRepository(session, self._clock)
        self.batches = SqlBatchRepository(session, self._clock)
        self.batch_extras = SqlBatchLineExtras(session)
        self.alerts = SqlAlertRepository(session, self._clock)
        return self

    def commit(self) -> None:
        try:
            self.session.commit()
        except DBAPIError as exc:
            self.session.rollback()
            translated = translate_database_error(exc)
            if translated is None:
                raise
            raise translated from exc

    def rollback(self) -> None:
        self.session.rollback()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            session.rollback()
        except DBAPIError as rollback_error:
            if exc is None:  # nothing else is propagating: report the failed rollback
                raise translate_operational_error(rollback_error) from rollback_error
        finally:
            session.close()
            gated, self._gated = self._gated, None
            if gated is not None:
                gated.__exit__(None, None, None)
        if isinstance(exc, DBAPIError):
            translated = translate_database_error(exc)
            if translated is not None:
                raise translated from exc
