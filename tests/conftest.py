"""Shared fixtures. Qt runs offscreen unless a display is configured on purpose (BANKDIRECT_TEST_DISPLAY=1)."""

from __future__ import annotations

import os

if not os.environ.get("BANKDIRECT_TEST_DISPLAY"):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.pop("BANKDIRECT_DB_URL", None)
os.environ.pop("BANKDIRECT_PASSWORD", None)

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "reference"

ADMIN = ("admin", "admin-password-1")


@pytest.fixture
def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(f"reference data not found at {REFERENCE} (expected ../shared/reference beside the repo)")
    return REFERENCE


def make_context(data_dir: Path, *, demo: bool = False, db_url: str | None = None, clock=None, secret_store=None):
    from app.adapters.memory_secrets import MemorySecretStore
    from app.adapters.password_hasher import Argon2PasswordHasher
    from app.bootstrap import open_app
    from app.config import AppConfig

    config = AppConfig(data_dir=data_dir, db_url=db_url, demo=demo)
    return open_app(config, secret_store=secret_store or MemorySecretStore(), clock=clock,
                    hasher=Argon2PasswordHasher.for_tests())


@pytest.fixture
def app_context(tmp_path):
    """A freshly initialised SQLite ledger: organization + administrator admin/admin-password-1."""
    ctx = make_context(tmp_path / "ledger")
    ctx.services.setup.initialize("测试有限公司", ADMIN[0], ADMIN[1], admin_display_name="管理员")
    yield ctx
    ctx.close()


@pytest.fixture
def services(app_context):
    return app_context.services


@pytest.fixture
def admin_actor(services):
    return services.auth.login(*ADMIN)


@pytest.fixture
def ledger_fingerprint(app_context):
    from storage.fingerprint import state_fingerprint

    return lambda: state_fingerprint(app_context.ledger.engine)


@pytest.fixture
def demo_context(tmp_path):
    from app.services.demo_data import populate_demo

    ctx = make_context(tmp_path / "demo", demo=True)
    populate_demo(ctx.services)
    yield ctx
    ctx.close()


@pytest.fixture
def demo_services(demo_context):
    return demo_context.services


# -- bank connectivity: a demo ledger wired to a running sandbox bank (added with the bank-connectivity work) --
@pytest.fixture(scope="module")
def sandbox_demo(tmp_path_factory):
    """A demo ledger + its sandbox bank state + the sandbox bank running on a free port, the demo profile
    pointing at it. Yields (context, state_dir); the bank process is stopped at teardown."""
    from app.adapters.sandbox_bank_process import SandboxBankProcess
    from app.cli_bank import prepare_demo_sandbox
    from app.services.demo_data import populate_demo

    ctx = make_context(tmp_path_factory.mktemp("bank-demo") / "demo", demo=True)
    populate_demo(ctx.services)
    state, _ = prepare_demo_sandbox(ctx, 1)  # port fixed below, once the bank has one
    proc = SandboxBankProcess(state, 0)
    port = proc.start()
    prepare_demo_sandbox(ctx, port)
    yield ctx, state
    proc.stop()
    ctx.close()
