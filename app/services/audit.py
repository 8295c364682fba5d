"""Reading and verifying the hash-chained audit log."""

from __future__ import annotations

from app.domain.audit import AuditEntry, AuditVerification
from app.domain.users import Actor, Role
from app.ports import UnitOfWorkFactory
from app.services.permissions import require_any


class AuditService:
    def __init__(self, uow: UnitOfWorkFactory):
        self._uow = uow

    def verify(self, actor: Actor) -> AuditVerification:
        require_any(actor, Role.ADMIN, Role.AUDITOR, doing="verify the audit log")
        with self._uow(read_only=True) as uow:
            return uow.audit.verify()

    def entries(self, actor: Actor, offset: int = 0, limit: int = 200) -> list[AuditEntry]:
        require_any(actor, Role.ADMIN, Role.AUDITOR, doing="read the audit log")
        with self._uow(read_only=True) as uow:
            return uow.audit.entries(offset, limit)

    def count(self, actor: Actor) -> int:
        require_any(actor, Role.ADMIN, Role.AUDITOR, doing="read the audit log")
        with self._uow(read_only=True) as uow:
            return uow.audit.count()
