"""Shared fixtures. Qt runs offscreen unless a display is configured on purpose (BANKDIRECT_TEST_DISPLAY=1)."""

from __future__ import annotations

import gc
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


@pytest.fixture(autouse=True)
def _qt_garbage_collected_in_the_gui_thread(request):
    """A Qt test's cyclic garbage (views, dialogs and their Python wrappers) is collected here, in the GUI thread,
    when the test ends. Left to Python's automatic collection, it could be finalised later in whatever thread
    allocates — a background operation of the next test — and destroying Qt objects off the GUI thread crashed the
    session once (SIGSEGV, "Garbage-collecting" in a ui.ops worker)."""
    yield
    if "qapp" in request.fixturenames or "qtbot" in request.fixturenames:
        from PySide6.QtWidgets import QApplication

        from ui import gc_guard

        app = QApplication.instance()
        if isinstance(app, QApplication):   # a test that started the whole app installed the GUI-thread collector
            gc_guard.uninstall(app)
        gc.collect()


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


# -- payments and approvals (added with the payment-request work) ---------------------------------------------
PAYMENT_USER_PASSWORD = "user-password-1"


@pytest.fixture
def payment_world(services, admin_actor):
    """Users maker, maker2, approver1..3, boss (approver + admin), signer (all PAYMENT_USER_PASSWORD), one CNY
    account, one USD account and two payees. ``w.actor(name)`` logs in; ``w.fields(**overrides)`` is a valid
    voucher form (amount 1234.56 to payee 1 from the CNY account)."""
    from types import SimpleNamespace

    from app.domain.identifiers import cnaps_check_digit
    from app.domain.users import Role

    def code(first11: str) -> str:
        return first11 + cnaps_check_digit(first11)

    for name, roles in (("maker", [Role.MAKER]), ("maker2", [Role.MAKER]), ("approver1", [Role.APPROVER]),
                        ("approver2", [Role.APPROVER]), ("approver3", [Role.APPROVER]),
                        ("boss", [Role.APPROVER, Role.ADMIN]), ("signer", [Role.SIGNER])):
        services.users.add_user(admin_actor, name, name, PAYMENT_USER_PASSWORD, roles)
    md = services.master_data
    acc = md.add_account(admin_actor, {"bank_name": "招商银行", "branch_name": "招商银行深圳分行", "cnaps_code":
                                       code("30858400001"), "account_number": "755900000000001",
                                       "account_name": "测试有限公司", "currency": "CNY"}).entity
    usd = md.add_account(admin_actor, {"bank_name": "中国银行", "branch_name": "中国银行深圳分行", "cnaps_code":
                                       code("10458400087"), "account_number": "745600000001",
                                       "account_name": "测试有限公司", "currency": "USD"}).entity
    payee = md.add_payee(admin_actor, {"name": "深圳市华强电子有限公司", "account_number": "6222000011112222",
                                       "bank_name": "中国工商银行", "cnaps_code": code("10210000023")}).entity
    payee2 = md.add_payee(admin_actor, {"name": "上海浦江物流有限公司", "account_number": "6222000033334444",
                                        "bank_name": "中国建设银行", "cnaps_code": code("10529000045")}).entity
    actors: dict = {}

    def actor(name: str):
        if name not in actors:
            actors[name] = services.auth.login(name, PAYMENT_USER_PASSWORD)
        return actors[name]

    def fields(**overrides) -> dict:
        f = {"debit_account_id": acc.id, "payee_id": payee.id, "amount": "1234.56", "purpose": "货款"}
        f.update(overrides)
        return f

    return SimpleNamespace(services=services, admin=admin_actor, account=acc, usd_account=usd, payee=payee,
                           payee2=payee2, actor=actor, fields=fields)
