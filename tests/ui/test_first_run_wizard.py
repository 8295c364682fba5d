from __future__ import annotations

import pytest

from tests.ui.fakes import make_fake_services
from ui.dialogs.first_run_wizard import FirstRunWizard

VALID = {"org_name": "深圳示例科技有限公司", "org_uscc": "91350100M000100Y43", "admin_username": "boss",
         "admin_display_name": "王经理", "admin_password": "a-long-password-42",
         "admin_password_confirm": "a-long-password-42"}


@pytest.fixture
def fresh():
    return make_fake_services(initialized=False)


def _fill(wizard, values):
    for key, value in values.items():
        wizard.form.set_value(key, value)


def _submit(qtbot, wizard):
    wizard.save_button.click()
    if wizard.pending_op is not None and not wizard.pending_op.finished:
        qtbot.waitUntil(lambda: wizard.pending_op.finished, timeout=10_000)


def _visible_errors(wizard):
    return wizard.form.visible_problem_fields()


def test_field_names_follow_the_service_problem_fields(qtbot, fresh):
    wizard = FirstRunWizard(fresh[0])
    qtbot.addWidget(wizard)
    for key in ("org_name", "org_uscc", "admin_username", "admin_password"):
        assert wizard.findChild(object, f"{key}Edit") is not None
        assert wizard.findChild(object, f"{key}Error") is not None


def test_every_problem_is_shown_inline_at_once_and_nothing_is_written(qtbot, fresh):
    services, led = fresh
    before = led.fingerprint()
    wizard = FirstRunWizard(services)
    qtbot.addWidget(wizard)
    wizard.show()
    _fill(wizard, {**VALID, "org_name": "坏\u202e名字", "org_uscc": "91350100M000100Y44", "admin_username": "x!",
                   "admin_password": "short", "admin_password_confirm": "short"})
    _submit(qtbot, wizard)
    assert _visible_errors(wizard) == {"org_name", "org_uscc", "admin_username", "admin_password"}
    assert wizard.form.error_label("org_uscc").text()
    assert not services.setup.is_initialized()
    assert led.fingerprint() == before
    assert wizard.isVisible()


def test_password_mismatch_is_caught_locally(qtbot, fresh):
    services, led = fresh
    calls = []
    original = services.setup.initialize
    services.setup.initialize = lambda *a, **k: calls.append(a) or original(*a, **k)
    wizard = FirstRunWizard(services)
    qtbot.addWidget(wizard)
    _fill(wizard, {**VALID, "admin_password_confirm": "something-else-42"})
    _submit(qtbot, wizard)
    assert _visible_errors(wizard) == {"admin_password_confirm"}
    assert calls == []


def test_valid_input_creates_the_organization_and_the_administrator(qtbot, fresh):
    services, led = fresh
    wizard = FirstRunWizard(services)
    qtbot.addWidget(wizard)
    wizard.show()
    _fill(wizard, VALID)
    _submit(qtbot, wizard)
    assert wizard.result() == FirstRunWizard.DialogCode.Accepted
    assert services.setup.is_initialized()
    assert led.org.name == "深圳示例科技有限公司" and led.org.uscc == "91350100M000100Y43"
    assert services.auth.login("boss", "a-long-password-42").username == "boss"
    assert wizard.admin_username() == "boss"
