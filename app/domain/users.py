"""Users, roles and the authenticated actor."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


class Role(str, Enum):
    MAKER = "maker"            # 经办
    APPROVER = "approver"      # 审批
    SIGNER = "signer"          # 签名 / U盾持有人
    ADMIN = "admin"            # 管理员
    AUDITOR = "auditor"        # 审计 (read-only)

    @classmethod
    def parse(cls, text: str) -> Role:
        key = text.strip().lower()
        aliases = {"administrator": "admin", "经办": "maker", "审批": "approver", "签名": "signer",
                   "管理员": "admin", "审计": "auditor"}
        key = aliases.get(key, key)
        for r in cls:
            if r.value == key:
                return r
        raise ValueError(text)


ROLE_LABELS_ZH = {
    Role.MAKER: "经办",
    Role.APPROVER: "审批",
    Role.SIGNER: "签名 (U盾持有人)",
    Role.ADMIN: "管理员",
    Role.AUDITOR: "审计",
}


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    roles: frozenset[Role]
    is_active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = None
    locked_permanently: bool = False
    created_at: datetime | None = None
    last_login_at: datetime | None = None

    def has(self, role: Role) -> bool:
        return role in self.roles

    def is_locked(self, now: datetime) -> bool:
        if self.locked_permanently:
            return True
        return self.locked_until is not None and self.locked_until > now


@dataclass(frozen=True)
class UserCredentials:
    """What the login check needs; kept apart from ``User`` so the hash never travels to the UI."""

    user: User
    password_hash: str


@dataclass(frozen=True)
class Actor:
    """Who is acting: the logged-in user (or the system for scheduler work)."""

    user_id: int | None
    username: str
    roles: frozenset[Role] = field(default_factory=frozenset)

    def has(self, role: Role) -> bool:
        return role in self.roles

    @classmethod
    def system(cls) -> Actor:
        return cls(None, "system", frozenset())
