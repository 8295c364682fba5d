"""Users and roles. Only administrators manage users; nobody grants themselves a role."""

from __future__ import annotations

from collections.abc import Iterable

from app.domain.audit import AuditAction
from app.domain.errors import Conflict, DomainError, NotFound, PermissionDenied, Problem, ValidationFailed, errors_only
from app.domain.text import check_text
from app.domain.users import Actor, Role, User
from app.domain.validation import validate_password, validate_username
from app.ports import Clock, PasswordHasher, UnitOfWorkFactory
from app.services.permissions import require_any, require_logged_in


def _parse_roles(roles: Iterable[Role | str]) -> frozenset[Role]:
    out = set()
    for r in roles:
        if isinstance(r, Role):
            out.add(r)
            continue
        try:
            out.add(Role.parse(str(r)))
        except ValueError:
            allowed = ", ".join(x.value for x in Role)
            raise ValidationFailed([Problem("ROLE_UNKNOWN", f"unknown role {r!r}; roles are {allowed}",
                                            "roles")]) from None
    return frozenset(out)


class UserService:
    def __init__(self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock):
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    def list_users(self, actor: Actor) -> list[User]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.users.list()

    def get_user(self, actor: Actor, username: str) -> User:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            user = uow.users.get_by_username(username)
            if user is None:
                raise NotFound("user", username)
            return user

    def add_user(self, actor: Actor, username: str, display_name: str, password: str,
                 roles: Iterable[Role | str]) -> User:
        require_any(actor, Role.ADMIN, doing="add users")
        username = (username or "").strip()
        display_name = (display_name or "").strip() or username
        problems = [Problem(p.code, p.message, "username", p.severity) for p in validate_username(username)]
        problems += check_text(display_name, "display_name", max_chars=60)
        problems += [Problem(p.code, p.message, "password", p.severity) for p in validate_password(password, username)]
        try:
            role_set = _parse_roles(roles)
        except ValidationFailed as exc:
            problems += exc.problems
            role_set = frozenset()
        if not role_set and not errors_only(problems):
            problems.append(Problem("ROLE_REQUIRED", "give the user at least one role", "roles"))
        if errors_only(problems):
            raise ValidationFailed(problems)
        password_hash = self._hasher.hash(password)
        with self._uow() as uow:
            if uow.users.get_by_username(username) is not None:
                raise Conflict("DUPLICATE", f"a user named {username} already exists", "username")
            user = uow.users.add(username, display_name, password_hash, role_set, self._clock.now())
            uow.audit.append(actor, AuditAction.USER_CREATED, "user", str(user.id),
                             {"username": username, "display_name": display_name,
                              "roles": sorted(r.value for r in role_set)})
            uow.commit()
            return user

    def set_roles(self, actor: Actor, username: str, roles: Iterable[Role | str]) -> User:
        require_any(actor, Role.ADMIN, doing="change roles")
        new_roles = _parse_roles(roles)
        with self._uow() as uow:
            user = uow.users.get_by_username(username)
            if user is None:
                raise NotFound("user", username)
            if user.id == actor.user_id:
                raise PermissionDenied("nobody can change their own roles: ask another administrator",
                                       code="SELF_ROLE_CHANGE")
            if Role.ADMIN in user.roles and Role.ADMIN not in new_roles:
                self._ensure_other_admin(uow, user)
            added = sorted(r.value for r in new_roles - user.roles)
            removed = sorted(r.value for r in user.roles - new_roles)
            if not added and not removed:
                return user
            uow.users.set_roles(user.id, new_roles)
            for role in added:
                uow.audit.append(actor, AuditAction.ROLE_GRANTED, "user", str(user.id),
                                 {"username": user.username, "role": role})
            for role in removed:
                uow.audit.append(actor, AuditAction.ROLE_REVOKED, "user", str(user.id),
                                 {"username": user.username, "role": role})
            uow.commit()
            return uow.users.get(user.id)

    def set_active(self, actor: Actor, username: str, active: bool) -> User:
        require_any(actor, Role.ADMIN, doing="activate or deactivate users")
        with self._uow() as uow:
            user = uow.users.get_by_username(username)
            if user is None:
                raise NotFound("user", username)
            if user.id == actor.user_id and not active:
                raise PermissionDenied("you cannot deactivate yourself", code="SELF_DEACTIVATE")
            if not active and Role.ADMIN in user.roles:
                self._ensure_other_admin(uow, user)
            if user.is_active == active:
                return user
            uow.users.set_active(user.id, active)
            uow.audit.append(actor, AuditAction.USER_UPDATED if active else AuditAction.USER_DEACTIVATED, "user",
                             str(user.id), {"username": user.username, "active": active})
            uow.commit()
            return uow.users.get(user.id)

    @staticmethod
    def _ensure_other_admin(uow, user: User) -> None:
        others = [u for u in uow.users.list() if u.id != user.id and u.is_active and Role.ADMIN in u.roles]
        if not others:
            raise DomainError("LAST_ADMIN", "the ledger must keep at least one active administrator")
