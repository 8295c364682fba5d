"""First run: create the organization and the first administrator."""

from __future__ import annotations

from app.domain.audit import AuditAction
from app.domain.errors import Conflict, Problem, ValidationFailed, errors_only
from app.domain.users import Actor, Role, User
from app.domain.validation import validate_organization, validate_password, validate_username
from app.ports import Clock, PasswordHasher, UnitOfWorkFactory


class SetupService:
    def __init__(self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock):
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    def is_initialized(self) -> bool:
        with self._uow(read_only=True) as uow:
            return uow.organizations.get() is not None

    def is_demo(self) -> bool:
        with self._uow(read_only=True) as uow:
            org = uow.organizations.get()
            return bool(org and org.is_demo)

    def initialize(self, org_name: str, admin_username: str, admin_password: str, *,
                   admin_display_name: str | None = None, org_uscc: str | None = None,
                   is_demo: bool = False) -> User:
        org_fields, problems = validate_organization({"name": org_name, "uscc": org_uscc})
        problems = [Problem(p.code, p.message, "org_" + (p.field or "name"), p.severity) for p in problems]
        username = (admin_username or "").strip()
        problems += [Problem(p.code, p.message, "admin_username", p.severity) for p in validate_username(username)]
        problems += [Problem(p.code, p.message, "admin_password", p.severity)
                     for p in validate_password(admin_password, username)]
        if errors_only(problems):
            raise ValidationFailed(problems)
        password_hash = self._hasher.hash(admin_password)
        with self._uow() as uow:
            if uow.organizations.get() is not None:
                raise Conflict("ALREADY_INITIALIZED", "this ledger already has an organization")
            org = uow.organizations.add(org_fields["name"], org_fields.get("uscc"), is_demo=is_demo)
            user = uow.users.add(username, (admin_display_name or username).strip() or username, password_hash,
                                 [Role.ADMIN], self._clock.now())
            actor = Actor(user.id, user.username, user.roles)
            uow.audit.append(actor, AuditAction.ORG_CREATED, "organization", str(org.id),
                             {"name": org.name, "uscc": org.uscc, "demo": is_demo})
            uow.audit.append(actor, AuditAction.USER_CREATED, "user", str(user.id),
                             {"username": user.username, "roles": sorted(r.value for r in user.roles),
                              "first_administrator": True})
            uow.commit()
            return user
