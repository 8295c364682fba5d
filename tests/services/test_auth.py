from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import AccountLocked, AuthenticationFailed, PermissionDenied
from app.domain.users import Role
from tests.conftest import ADMIN, make_context


class FakeClock:
    def __init__(self):
        self.t = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)

    def now(self):
        return self.t

    def advance(self, seconds: float):
        self.t += timedelta(seconds=seconds)


@pytest.fixture
def clocked(tmp_path):
    clock = FakeClock()
    ctx = make_context(tmp_path / "l", clock=clock)
    ctx.services.setup.initialize("测试有限公司", *ADMIN)
    yield ctx, clock
    ctx.close()


def _audit_actions(ctx):
    actor = ctx.services.auth.login(*ADMIN)
    return [e.action for e in reversed(ctx.services.audit.entries(actor, 0, 500))]


def test_login_success_returns_actor_with_roles(services):
    actor = services.auth.login(*ADMIN)
    assert actor.username == "admin"
    assert Role.ADMIN in actor.roles


def test_wrong_password_and_unknown_user_look_the_same(services):
    with pytest.raises(AuthenticationFailed) as e1:
        services.auth.login("admin", "wrong-password")
    with pytest.raises(AuthenticationFailed) as e2:
        services.auth.login("nobody", "wrong-password")
    assert e1.value.message == e2.value.message
    assert e1.value.code == e2.value.code == "AUTH_FAILED"


def test_backoff_from_third_failure_then_lockout_after_fifth(clocked):
    ctx, clock = clocked
    auth = ctx.services.auth
    for _ in range(2):
        with pytest.raises(AuthenticationFailed) as exc:
            auth.login("admin", "bad")
        assert exc.value.retry_after_s == 0
    with pytest.raises(AuthenticationFailed) as exc:
        auth.login("admin", "bad")
    assert exc.value.retry_after_s == 2
    # during the back-off even the right password is refused without being checked
    with pytest.raises(AuthenticationFailed) as exc:
        auth.login(*ADMIN)
    assert exc.value.code == "LOGIN_BACKOFF"
    clock.advance(3)
    with pytest.raises(AuthenticationFailed) as exc:
        auth.login("admin", "bad")
    assert exc.value.retry_after_s == 4
    clock.advance(5)
    with pytest.raises(AccountLocked):
        auth.login("admin", "bad")
    with pytest.raises(AccountLocked):
        auth.login(*ADMIN)   # right password, still locked
    clock.advance(16 * 60)  # the lock lapses after 15 minutes
    assert auth.login(*ADMIN).username == "admin"
    actions = _audit_actions(ctx)
    assert actions.count("login.locked_out") == 1
    assert actions.count("login.failed") >= 5


def test_success_resets_failure_counter(clocked):
    ctx, clock = clocked
    auth = ctx.services.auth
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            auth.login("admin", "bad")
    auth.login(*ADMIN)
    for _ in range(2):
        with pytest.raises(AuthenticationFailed) as exc:
            auth.login("admin", "bad")
        assert exc.value.retry_after_s == 0


def test_admin_unlocks_locked_user(clocked):
    ctx, clock = clocked
    s = ctx.services
    admin = s.auth.login(*ADMIN)
    s.users.add_user(admin, "maker1", "经办一", "maker-password-1", ["maker"])
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            s.auth.login("maker1", "bad")
            clock.advance(60)
        clock.advance(60)
    with pytest.raises(AccountLocked):
        s.auth.login("maker1", "maker-password-1")
    maker_actor = None
    with pytest.raises(PermissionDenied):
        s.auth.unlock_user(s.auth.login(*ADMIN).__class__(None, "x", frozenset({Role.MAKER})), "maker1")
    s.auth.unlock_user(admin, "maker1")
    maker_actor = s.auth.login("maker1", "maker-password-1")
    assert maker_actor.username == "maker1"
    assert "user.unlocked" in _audit_actions(ctx)


def test_password_rehashed_when_parameters_rise(tmp_path):
    from app.adapters.password_hasher import Argon2PasswordHasher
    from app.bootstrap import open_app
    from app.config import AppConfig

    ctx = make_context(tmp_path / "l")
    ctx.services.setup.initialize("测试有限公司", *ADMIN)
    store = ctx.secret_store
    ctx.close()
    import argon2

    stronger = Argon2PasswordHasher(argon2.Parameters(type=argon2.Type.ID, version=19, salt_len=16, hash_len=32,
                                                      time_cost=2, memory_cost=1024, parallelism=1))
    ctx2 = open_app(AppConfig(tmp_path / "l"), secret_store=store, hasher=stronger)
    try:
        ctx2.services.auth.login(*ADMIN)
        actions = _audit_actions(ctx2)
        assert "user.password_rehashed" in actions
    finally:
        ctx2.close()
