"""A small in-memory stand-in for app.services.Services, used until (and besides) the real fixtures.

It follows the API the UI codes against; validation mimics the real rules closely enough that each
bad-input row yields an error on the right field.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import threading
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from stdnum.cn import uscc as stdnum_uscc

from app.domain.audit import AuditEntry, AuditVerification
from app.domain.errors import (
    AccountLocked,
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    Problem,
    Severity,
    ValidationFailed,
    errors_only,
)
from app.domain.master_data import AccountKind, BankAccount, Organization, Payee
from app.domain.users import Actor, Role, User

_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
_ZERO_WIDTH = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF}


def check_text(value, field, *, required=True, max_bytes=60):
    text = "" if value is None else str(value)
    if not text.strip():
        return [Problem("REQUIRED", f"{field} is required", field)] if required else []
    out = []
    for ch in text:
        cp = ord(ch)
        if (unicodedata.category(ch) == "Cc" or cp in _BIDI or cp in _ZERO_WIDTH or cp >= 0x1F000
                or 0x2600 <= cp <= 0x27BF):
            out.append(Problem("TEXT_CHARSET", f"{field} contains a forbidden character U+{cp:04X}", field))
            break
    try:
        raw = text.encode("gbk")
    except UnicodeEncodeError as exc:
        out.append(Problem("TEXT_ENCODING", f"{field}: {text[exc.start]!r} cannot be sent in GBK", field))
    else:
        if len(raw) > max_bytes:
            out.append(Problem("TEXT_LENGTH", f"{field} is {len(raw)} bytes, at most {max_bytes}", field))
    return out


def check_digits(value, field, code, lo, hi):
    text = "" if value is None else str(value)
    if not text:
        return [Problem("REQUIRED", f"{field} is required", field)]
    if not re.fullmatch(rf"[0-9]{{{lo},{hi}}}", text):
        return [Problem(code, f"{field} must be {lo}-{hi} ASCII digits", field)]
    return []


def check_uscc(value, field="uscc"):
    if value in (None, ""):
        return []
    if not stdnum_uscc.is_valid(str(value)):
        return [Problem("ORG_ID", "not a valid unified social credit code", field)]
    return []


def validate_payee(f):
    p = check_text(f.get("name"), "name", max_bytes=70)
    p += check_digits(f.get("account_number"), "account_number", "ACCOUNT_FORMAT", 6, 32)
    p += check_text(f.get("bank_name"), "bank_name")
    p += check_text(f.get("branch_name"), "branch_name", max_bytes=80)
    p += check_digits(f.get("cnaps_code"), "cnaps_code", "BANK_CODE", 12, 12)
    p += check_uscc(f.get("uscc"))
    if str(f.get("cnaps_code") or "").endswith("9") and not p:
        p.append(Problem("BANK_CODE_CHECK", "check digit mismatch", "cnaps_code", Severity.WARNING))
    return p


def validate_account(f):
    p = check_text(f.get("bank_name"), "bank_name")
    p += check_text(f.get("branch_name"), "branch_name", max_bytes=80)
    p += check_digits(f.get("cnaps_code"), "cnaps_code", "BANK_CODE", 12, 12)
    p += check_digits(f.get("account_number"), "account_number", "ACCOUNT_FORMAT", 6, 32)
    p += check_text(f.get("account_name"), "account_name", max_bytes=70)
    return p


def validate_org(f, prefix=""):
    p = check_text(f.get("name"), prefix + "name", max_bytes=70) + check_uscc(f.get("uscc"), prefix + "uscc")
    return p


@dataclass
class _Cred:
    user: User
    password: str


class FakeLedger:
    def __init__(self):
        self.lock = threading.Lock()
        self.org: Organization | None = None
        self.users: dict[str, _Cred] = {}
        self.accounts: dict[int, BankAccount] = {}
        self.payees: dict[int, Payee] = {}
        self.audit: list[AuditEntry] = []

    def log(self, actor, action, obj=None):
        self.audit.append(AuditEntry(len(self.audit) + 1, datetime.now(UTC), actor, action, obj, None))

    def fingerprint(self) -> str:
        def ser(x):
            return dataclasses.asdict(x) if dataclasses.is_dataclass(x) else x
        state = {
            "org": ser(self.org) if self.org else None,
            "users": {k: [ser(v.user), v.password] for k, v in self.users.items()},
            "accounts": {k: ser(v) for k, v in self.accounts.items()},
            "payees": {k: ser(v) for k, v in self.payees.items()},
            "audit": len(self.audit),
        }
        return hashlib.sha256(json.dumps(state, default=str, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Saved:
    entity: object
    warnings: list


class FakeSetup:
    def __init__(self, led):
        self.led = led

    def is_initialized(self):
        return self.led.org is not None

    def initialize(self, org_name, admin_username, admin_password, *, admin_display_name=None, org_uscc=None,
                   is_demo=False):
        p = validate_org({"name": org_name, "uscc": org_uscc}, "org_")
        if not re.fullmatch(r"[A-Za-z0-9._-]{3,32}", admin_username or ""):
            p.append(Problem("USERNAME_FORMAT", "3-32 letters, digits, . _ -", "admin_username"))
        if len(admin_password or "") < 10:
            p.append(Problem("PASSWORD_TOO_SHORT", "at least 10 characters", "admin_password"))
        if errors_only(p):
            raise ValidationFailed(p)
        with self.led.lock:
            self.led.org = Organization(1, org_name, org_uscc, is_demo)
            user = User(1, admin_username, admin_display_name or admin_username, frozenset({Role.ADMIN}))
            self.led.users[admin_username] = _Cred(user, admin_password)
            self.led.log(admin_username, "organization.created")
        return user


class FakeAuth:
    def __init__(self, led):
        self.led = led

    def login(self, username, password):
        with self.led.lock:
            cred = self.led.users.get(username)
            if cred is None:
                raise AuthenticationFailed()
            u = cred.user
            if u.locked_permanently:
                raise AccountLocked(f"the account {username} is locked; an administrator must unlock it")
            if cred.password != password:
                n = u.failed_logins + 1
                if n >= 5:
                    cred.user = replace(u, failed_logins=n, locked_permanently=True)
                    raise AccountLocked(f"the account {username} is now locked after {n} failed log-ins")
                cred.user = replace(u, failed_logins=n)
                if n >= 3:
                    wait = float(2 ** (n - 2))
                    raise AuthenticationFailed(f"wrong user name or password; wait {wait:.0f} s",
                                               retry_after_s=wait)
                raise AuthenticationFailed()
            cred.user = replace(u, failed_logins=0)
            self.led.log(username, "login.succeeded")
            return Actor(u.id, u.username, u.roles)

    def unlock_user(self, actor, username):
        with self.led.lock:
            cred = self.led.users[username]
            cred.user = replace(cred.user, failed_logins=0, locked_permanently=False)
            return cred.user


class FakeUsers:
    def __init__(self, led):
        self.led = led

    def list_users(self, actor):
        return [c.user for c in self.led.users.values()]

    def add_user(self, actor, username, display_name, password, roles):
        p = []
        if not re.fullmatch(r"[A-Za-z0-9._-]{3,32}", username or ""):
            p.append(Problem("USERNAME_FORMAT", "3-32 letters, digits, . _ -", "username"))
        p += check_text(display_name or username, "display_name")
        if len(password or "") < 10:
            p.append(Problem("PASSWORD_TOO_SHORT", "at least 10 characters", "password"))
        if errors_only(p):
            raise ValidationFailed(p)
        with self.led.lock:
            if username in self.led.users:
                raise Conflict("DUPLICATE", f"a user named {username} already exists", "username")
            user = User(len(self.led.users) + 1, username, display_name or username, frozenset(roles))
            self.led.users[username] = _Cred(user, password)
            self.led.log(actor.username, "user.created")
            return user

    def set_roles(self, actor, username, roles):
        with self.led.lock:
            cred = self.led.users[username]
            if cred.user.id == actor.user_id:
                raise PermissionDenied("nobody can change their own roles", code="SELF_ROLE_CHANGE")
            cred.user = replace(cred.user, roles=frozenset(roles))
            return cred.user

    def set_active(self, actor, username, active):
        with self.led.lock:
            cred = self.led.users[username]
            cred.user = replace(cred.user, is_active=active)
            return cred.user


class FakeMasterData:
    def __init__(self, led):
        self.led = led

    def get_organization(self, actor):
        if self.led.org is None:
            raise NotFound("organization", "this ledger")
        return self.led.org

    def update_organization(self, actor, fields):
        p = validate_org(fields)
        if errors_only(p):
            raise ValidationFailed(p)
        with self.led.lock:
            self.led.org = replace(self.led.org, name=fields["name"], uscc=fields.get("uscc"))
            self.led.log(actor.username, "organization.updated")
            return self.led.org

    @staticmethod
    def validate_account(fields):
        return validate_account(fields)

    @staticmethod
    def validate_payee(fields):
        return validate_payee(fields)

    def list_accounts(self, actor, include_inactive=False):
        return [a for a in self.led.accounts.values() if include_inactive or a.is_active]

    def add_account(self, actor, fields):
        p = validate_account(fields)
        if errors_only(p):
            raise ValidationFailed(p)
        with self.led.lock:
            new_id = len(self.led.accounts) + 1
            acc = BankAccount(new_id, 1, fields["bank_name"], fields["branch_name"], fields["cnaps_code"],
                              fields["account_number"], fields["account_name"], fields.get("currency") or "CNY",
                              fields.get("plugin_id"))
            self.led.accounts[new_id] = acc
            self.led.log(actor.username, "bank_account.created")
            return Saved(acc, [x for x in p if not x.is_error])

    def update_account(self, actor, account_id, expected_version, fields):
        p = validate_account(fields)
        if errors_only(p):
            raise ValidationFailed(p)
        with self.led.lock:
            acc = self.led.accounts[account_id]
            if acc.version != expected_version:
                raise Conflict("STALE_VERSION", "changed meanwhile")
            acc = replace(acc, **{k: v for k, v in fields.items() if hasattr(acc, k)}, version=acc.version + 1)
            self.led.accounts[account_id] = acc
            return Saved(acc, [x for x in p if not x.is_error])

    def set_account_active(self, actor, account_id, active):
        with self.led.lock:
            acc = replace(self.led.accounts[account_id], is_active=active)
            self.led.accounts[account_id] = acc
            return acc

    def _matching(self, query):
        q = (query or "").strip().lower()
        return [p for p in self.led.payees.values()
                if not q or q in p.name.lower() or q in p.account_number or q in p.bank_name.lower()]

    def payee_ids(self, actor, query="", order_by="name", descending=False):
        rows = sorted(self._matching(query), key=lambda p: (getattr(p, order_by), p.id), reverse=descending)
        return [p.id for p in rows]

    def get_payees(self, actor, ids):
        return [self.led.payees[i] for i in ids if i in self.led.payees]

    def count_payees(self, actor, query=""):
        return len(self._matching(query))

    def add_payee(self, actor, fields):
        p = validate_payee(fields)
        if errors_only(p):
            raise ValidationFailed(p)
        with self.led.lock:
            new_id = len(self.led.payees) + 1
            payee = Payee(new_id, 1, fields["name"], fields["account_number"], fields["bank_name"],
                          fields["branch_name"], fields["cnaps_code"], fields.get("uscc"),
                          AccountKind(fields.get("kind") or "corporate"))
            self.led.payees[new_id] = payee
            self.led.log(actor.username, "payee.created")
            return Saved(payee, [x for x in p if not x.is_error])

    def update_payee(self, actor, payee_id, expected_version, fields):
        p = validate_payee(fields)
        if errors_only(p):
            raise ValidationFailed(p)
        with self.led.lock:
            payee = self.led.payees[payee_id]
            if payee.version != expected_version:
                raise Conflict("STALE_VERSION", "changed meanwhile")
            vals = {k: v for k, v in fields.items() if hasattr(payee, k)}
            vals["kind"] = AccountKind(vals.get("kind") or "corporate")
            payee = replace(payee, **vals, version=payee.version + 1)
            self.led.payees[payee_id] = payee
            return Saved(payee, [x for x in p if not x.is_error])

    def set_payee_active(self, actor, payee_id, active):
        with self.led.lock:
            payee = replace(self.led.payees[payee_id], is_active=active)
            self.led.payees[payee_id] = payee
            return payee


class FakeAudit:
    def __init__(self, led):
        self.led = led

    def verify(self, actor):
        if not actor.has(Role.ADMIN) and not actor.has(Role.AUDITOR):
            raise PermissionDenied("only administrators and auditors can verify the audit log")
        return AuditVerification(True, len(self.led.audit), head_hash="ab" * 32)

    def entries(self, actor, offset=0, limit=200):
        return self.led.audit[offset:offset + limit]

    def count(self, actor):
        return len(self.led.audit)


@dataclass
class FakeServices:
    setup: FakeSetup
    auth: FakeAuth
    users: FakeUsers
    master_data: FakeMasterData
    audit: FakeAudit
    is_demo: bool = False
    ledger_description: str = "memory://fake"
    profiles: object = None
    bank_data: object = None
    events: object = None


ADMIN_PASSWORD = "admin-password-1"


def make_fake_services(*, initialized=True, demo=False, payees=0) -> tuple[FakeServices, FakeLedger]:
    led = FakeLedger()
    services = FakeServices(FakeSetup(led), FakeAuth(led), FakeUsers(led), FakeMasterData(led), FakeAudit(led),
                            is_demo=demo)
    if initialized:
        services.setup.initialize("演示科技有限公司" if demo else "测试有限公司", "admin", ADMIN_PASSWORD,
                                  admin_display_name="管理员", is_demo=demo)
        actor = Actor(1, "admin", frozenset({Role.ADMIN}))
        services.master_data.add_account(actor, {
            "bank_name": "招商银行", "branch_name": "招商银行深圳分行营业部", "cnaps_code": "308584000013",
            "account_number": "755912345610801", "account_name": "测试有限公司", "currency": "CNY",
            "plugin_id": "cmb_fbsdk"})
        for i in range(payees):
            services.master_data.add_payee(actor, {
                "name": f"收款单位{i:03d}有限公司", "account_number": f"6222{i:012d}", "bank_name": "中国工商银行",
                "branch_name": "中国工商银行北京分行", "cnaps_code": "102100099996", "uscc": None,
                "kind": "corporate"})
    return services, led
