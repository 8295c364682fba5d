"""UI test fixtures: real services from tests/conftest.py when present, else the in-memory fakes."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from tests.ui.fakes import ADMIN_PASSWORD, make_fake_services  # noqa: E402
from ui.ops import wait_idle  # noqa: E402

ADMIN = ("admin", ADMIN_PASSWORD)


def _fixture_or_none(request, name):
    try:
        return request.getfixturevalue(name)
    except pytest.FixtureLookupError:
        return None


@pytest.fixture
def ui_ledger(request):
    """(services, fingerprint callable, uses_real_services) for an initialized ledger with user admin."""
    real = _fixture_or_none(request, "services")
    if real is not None:
        yield real, request.getfixturevalue("ledger_fingerprint"), True
    else:
        services, led = make_fake_services()
        yield services, led.fingerprint, False
    # torn down before the ledger: no background operation may still be using it
    assert wait_idle(20.0), "a background operation did not finish"


@pytest.fixture
def ui_services(ui_ledger):
    return ui_ledger[0]


@pytest.fixture
def fingerprint(ui_ledger):
    return ui_ledger[1]


@pytest.fixture
def admin_actor(ui_services):
    return ui_services.auth.login(*ADMIN)


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture(autouse=True)
def _drain_ops(qapp):
    """No background operation may outlive its test (it would touch a ledger being torn down)."""
    yield
    assert wait_idle(20.0), "a background operation did not finish"
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox):
            widget.close()
