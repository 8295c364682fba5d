"""Log-in with Argon2id, back-off from the 3rd failure, lock-out after the 5th (RELIABILITY.md §3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.domain.audit import AuditAction
from app.domain.errors import AccountLocked, AuthenticationFailed, NotFound, ValidationFailed, errors_only
from app.domain.users import Actor, Role, User
from app.domain.validation import validate_password
from app.ports import Clock, PasswordHasher, UnitOfWorkFactory
from app.services.permissions import require_any


@dataclass(frozen=True)
class LoginPolicy:
    backoff_from_failure: int = 3     # the 3rd consecutive failure starts the back-off
    backoff_base_s: int = 2           # 3rd: 2 s, 4th: 4 s ...
    lock_after_failures: int = 5
    lock_minutes: int = 15            # or until an administrator unlocks

    def backoff_s(self, failures: int) -> int:
        if failures < self.backoff_from_failure:
            return 0
        return self.backoff_base_s * 2 ** (failures - self.backoff_from_failure)


class AuthService:
    def __init__(self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock,
                 policy: LoginPolicy | None = None):
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self.policy = policy or LoginPolicy()
        self._dummy_hash: str | None = None

    def _verify_dummy(self, password: str) -> None:
        """Spend the same time as a real check when the user name is unknown, so timing reveals nothing."""
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash("bankdirect-no-such-user")
        self._hasher.verify(self._dummy_hash, password)

    def login(self, username: str, password: str) -> Actor:
        username = (username or "").strip()
        now = self._clock.now()
        with self._uow() as uow:
            creds = uow.users.get_credentials(username)
            if creds is None or not creds.user.is_active:
                self._verify_dummy(password or "")
                uow.audit.append(Actor(None, username or "?"), AuditAction.LOGIN_FAILED, "user", None,
                                 {"username": username, "reason": "unknown or inactive user"})
                uow.commit()
                raise AuthenticationFailed()
            user = creds.user
            if user.locked_permanently or (user.locked_until and user.locked_until > now
                                           and user.failed_logins >= self.policy.lock_after_failures):
                uow.audit.append(Actor(user.id, user.username), AuditAction.LOGIN_FAILED, "user", str(user.id),
                                 {"reason": "locked"})
                uow.commit()
                raise AccountLocked(
                    f"the account {user.username} is locked after {user.failed_logins} failed log-ins; "
                    f"an administrator can unlock it, or try again after "
                    f"{user.locked_until:%H:%M} UTC" if user.locked_until else
                    f"the account {user.username} is locked; an administrator must unlock it",
                    user.locked_until.isoformat() if user.locked_until else None)
            if user.locked_until and user.locked_until > now:
                wait = (user.locked_until - now).total_seconds()
                raise AuthenticationFailed(
                    f"too many failed log-ins: wait {wait:.0f} s before trying again",
                    code="LOGIN_BACKOFF", retry_after_s=wait)
            if not self._hasher.verify(creds.password_hash, password or ""):
                failures = user.failed_logins + 1
                actor = Actor(user.id, user.username)
                if failures >= self.policy.lock_after_failures:
                    until = now + timedelta(minutes=self.policy.lock_minutes)
                    uow.users.record_login_failure(user.id, failures, until, False)
                    uow.audit.append(actor, AuditAction.LOGIN_FAILED, "user", str(user.id), {"failures": failures})
                    uow.audit.append(actor, AuditAction.LOCKOUT, "user", str(user.id),
                                     {"failures": failures, "locked_until": until.isoformat()})
                    uow.commit()
                    raise AccountLocked(
                        f"the account {user.username} is now locked after {failures} failed log-ins; "
                        f"an administrator can unlock it, or try again after {until:%H:%M} UTC",
                        until.isoformat())
                backoff = self.policy.backoff_s(failures)
                until = now + timedelta(seconds=backoff) if backoff else None
                uow.users.record_login_failure(user.id, failures, until, False)
                uow.audit.append(actor, AuditAction.LOGIN_FAILED, "user", str(user.id),
                                 {"failures": failures, "backoff_s": backoff})
                uow.commit()
                if backoff:
                    raise AuthenticationFailed(
                        f"wrong user name or password; {failures} failed attempts: wait {backoff} s "
                        f"before trying again ({self.policy.lock_after_failures - failures} left before lock-out)",
                        retry_after_s=float(backoff))
                raise AuthenticationFailed()
            uow.users.record_login_success(user.id, now)
            if self._hasher.needs_rehash(creds.password_hash):
                uow.users.set_password_hash(user.id, self._hasher.hash(password))
                uow.audit.append(Actor(user.id, user.username), AuditAction.PASSWORD_REHASHED, "user",
                                 str(user.id), {})
            uow.audit.append(Actor(user.id, user.username, user.roles), AuditAction.LOGIN, "user", str(user.id), {})
            uow.commit()
            return Actor(user.id, user.username, user.roles)

    def reauthenticate(self, actor: Actor, password: str) -> None:
        """Password re-entry for sensitive steps; failures count like log-in failures."""
        self.login(actor.username, password)

    def change_password(self, actor: Actor, old_password: str, new_password: str) -> None:
        problems = validate_password(new_password, actor.username)
        if errors_only(problems):
            raise ValidationFailed([p for p in problems])
        self.login(actor.username, old_password)
        new_hash = self._hasher.hash(new_password)
        with self._uow() as uow:
            uow.users.set_password_hash(actor.user_id, new_hash)
            uow.audit.append(actor, AuditAction.PASSWORD_CHANGED, "user", str(actor.user_id), {})
            uow.commit()

    def unlock_user(self, actor: Actor, username: str) -> User:
        require_any(actor, Role.ADMIN, doing="unlock users")
        with self._uow() as uow:
            user = uow.users.get_by_username(username)
            if user is None:
                raise NotFound("user", username)
            uow.users.unlock(user.id)
            uow.audit.append(actor, AuditAction.UNLOCK, "user", str(user.id),
                             {"username": user.username, "failed_logins_before": user.failed_logins})
            uow.commit()
            return uow.users.get(user.id)
