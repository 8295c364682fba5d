from __future__ import annotations

import pytest

from app.domain.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from app.domain.users import Role
from tests.conftest import ADMIN


def test_add_user_and_login(services, admin_actor):
    u = services.users.add_user(admin_actor, "maker1", "张三", "maker-password-1", ["maker", "approver"])
    assert u.roles == frozenset({Role.MAKER, Role.APPROVER})
    assert services.auth.login("maker1", "maker-password-1").has(Role.MAKER)


def test_add_user_reports_every_problem(services, admin_actor, ledger_fingerprint):
    before = ledger_fingerprint()
    with pytest.raises(ValidationFailed) as exc:
        services.users.add_user(admin_actor, "Bad Name", "x\u202e", "short", ["wizard"])
    codes = {(p.field, p.code) for p in exc.value.problems}
    assert ("username", "USERNAME") in codes
    assert ("password", "PASSWORD_WEAK") in codes
    assert ("roles", "ROLE_UNKNOWN") in codes
    assert ("display_name", "TEXT_CHARSET") in codes
    assert ledger_fingerprint() == before


def test_duplicate_user_refused(services, admin_actor, ledger_fingerprint):
    services.users.add_user(admin_actor, "maker1", "张三", "maker-password-1", ["maker"])
    before = ledger_fingerprint()
    with pytest.raises(Conflict):
        services.users.add_user(admin_actor, "maker1", "李四", "maker-password-2", ["maker"])
    assert ledger_fingerprint() == before


def test_nobody_grants_themselves_a_role(services, admin_actor, ledger_fingerprint):
    before = ledger_fingerprint()
    with pytest.raises(PermissionDenied):
        services.users.set_roles(admin_actor, "admin", ["admin", "signer"])
    assert ledger_fingerprint() == before


def test_only_admins_manage_users(services, admin_actor):
    services.users.add_user(admin_actor, "maker1", "张三", "maker-password-1", ["maker"])
    maker = services.auth.login("maker1", "maker-password-1")
    with pytest.raises(PermissionDenied):
        services.users.add_user(maker, "maker2", "李四", "maker-password-2", ["admin"])
    with pytest.raises(PermissionDenied):
        services.users.set_roles(maker, "maker1", ["admin"])


def test_role_changes_are_audited(services, admin_actor):
    services.users.add_user(admin_actor, "u1", "用户一", "user-password-1", ["maker"])
    services.users.set_roles(admin_actor, "u1", ["approver"])
    actions = [e.action for e in services.audit.entries(admin_actor, 0, 100)]
    assert "role.granted" in actions and "role.revoked" in actions


def test_last_admin_cannot_be_removed(services, admin_actor):
    services.users.add_user(admin_actor, "admin2", "管理员二", "admin-password-2", ["admin"])
    admin2 = services.auth.login("admin2", "admin-password-2")
    services.users.set_roles(admin2, "admin", ["maker"])  # allowed: admin2 remains
    with pytest.raises(DomainError) as exc:
        services.users.set_active(admin2, "admin2", False)
    assert exc.value.code == "SELF_DEACTIVATE"
    first = services.auth.login(*ADMIN)
    assert Role.ADMIN not in first.roles


def test_deactivated_user_cannot_log_in(services, admin_actor):
    from app.domain.errors import AuthenticationFailed

    services.users.add_user(admin_actor, "u1", "用户一", "user-password-1", ["maker"])
    services.users.set_active(admin_actor, "u1", False)
    with pytest.raises(AuthenticationFailed):
        services.auth.login("u1", "user-password-1")
