from __future__ import annotations

import gc
import sys

import pytest
from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QLabel, QTableView

from tests.ui.fakes import make_fake_services
from ui.main_window import AREA_KEYS, AREAS, MainWindow
from ui.ops import wait_idle
from ui.signals import emit
from ui.views.not_available import NotAvailablePage

BUILT = {"dashboard", "vouchers", "batches", "approvals", "signing", "monitor", "accounts", "payees", "transactions",
         "bank", "audit", "admin"}


def _window(qtbot, services, actor, settings):
    window = MainWindow(services, actor, settings)
    qtbot.addWidget(window)
    window.show()
    assert wait_idle(20)
    return window


def test_every_area_opens_and_unbuilt_ones_say_not_available(qtbot, ui_services, admin_actor, settings):
    window = _window(qtbot, ui_services, admin_actor, settings)
    assert window.nav.count() == len(AREAS) == 15
    for key in AREA_KEYS:
        page = window.show_area(key)
        assert wait_idle(20)
        assert window.stack.currentWidget() is page
        if key in BUILT:
            assert not isinstance(page, NotAvailablePage)
        else:
            assert page.objectName() == "notAvailablePage"
            assert page.findChild(QLabel, "notAvailableText").text()
    assert window.show_area("users").tabs.currentWidget() is window.pages["admin"].users
    for tab in ("certificates", "connection_test", "message_log", "profiles"):
        bank = window.show_area(tab)
        assert wait_idle(20)
        assert bank.tabs.currentWidget() is getattr(window.pages["bank"], tab)


def test_dashboard_shows_organization_counts_and_audit_status(qtbot, ui_services, admin_actor, settings):
    window = _window(qtbot, ui_services, admin_actor, settings)
    dashboard = window.pages["dashboard"]
    qtbot.waitUntil(lambda: dashboard.data is not None, timeout=10_000)
    org = ui_services.master_data.get_organization(admin_actor)
    assert dashboard.org_label.text() == org.name
    assert dashboard.accounts_value.text() == f"{len(ui_services.master_data.list_accounts(admin_actor)):,}"
    assert dashboard.payees_value.text() == f"{ui_services.master_data.count_payees(admin_actor):,}"
    assert dashboard.users_value.text() == f"{len(ui_services.users.list_users(admin_actor)):,}"
    assert dashboard.audit_label.property("status") == "ok"
    right = Qt.AlignmentFlag.AlignRight
    assert dashboard.accounts_value.alignment() & right


def test_status_bar_shows_user_roles_and_ledger(qtbot, ui_services, admin_actor, settings):
    window = _window(qtbot, ui_services, admin_actor, settings)
    assert "admin" in window.user_label.text() and "Administrator" in window.user_label.text()
    assert window.ledger_label.toolTip() == ui_services.ledger_description
    assert window.ledger_label.text()
    assert window.findChild(QLabel, "demoBadge") is None
    assert "DEMO" not in window.windowTitle()


def test_demo_mode_has_a_red_badge_and_says_demo_in_the_title(qtbot, settings):
    services, _led = make_fake_services(demo=True)
    actor = services.auth.login("admin", "admin-password-1")
    window = _window(qtbot, services, actor, settings)
    badge = window.findChild(QLabel, "demoBadge")
    assert badge is not None and badge.isVisible()
    assert "#c62828" in badge.styleSheet()
    assert "DEMO" in window.windowTitle()


def test_ctrl_number_shortcuts_navigate(qtbot, ui_services, admin_actor, settings):
    window = _window(qtbot, ui_services, admin_actor, settings)
    for i, area in enumerate(AREAS[:9]):
        action = window.findChild(QObject, f"goto_{area.key}")
        assert action.shortcut().toString() == f"Ctrl+{i + 1}"
        action.trigger()
        assert window.current_area() == area.key
    assert wait_idle(20)


def test_geometry_splitter_area_and_headers_are_restored(qtbot, ui_services, admin_actor, tmp_path):
    path = str(tmp_path / "state.ini")
    settings = QSettings(path, QSettings.Format.IniFormat)
    window = _window(qtbot, ui_services, admin_actor, settings)
    window.resize(720, 560)         # the offscreen screen is 800x800
    window.splitter.setSizes([260, 460])
    window.show_area("payees")
    assert wait_idle(20)
    size = window.size()
    table = window.pages["payees"].findChild(QTableView, "payeesTable")
    table.horizontalHeader().resizeSection(1, 333)
    window.close()
    again = _window(qtbot, ui_services, admin_actor, QSettings(path, QSettings.Format.IniFormat))
    assert again.current_area() == "payees"
    assert again.size() == size and size.height() == 560
    assert again.splitter.sizes()[0] == 260
    restored = again.pages["payees"].findChild(QTableView, "payeesTable")
    assert restored.horizontalHeader().sectionSize(1) == 333


@pytest.mark.parametrize("user", ["maker", "auditor"])
def test_non_admin_roles_open_every_area_without_errors(qtbot, settings, user):
    from app.domain.users import Actor, Role
    services, _led = make_fake_services(payees=3)
    actor = Actor(99, user, frozenset({Role(user)}))
    window = _window(qtbot, services, actor, settings)
    for key in AREA_KEYS:
        window.show_area(key)
        assert wait_idle(20)
    assert window.pages["accounts"].add_button.isEnabled() is False


def test_python_side_emit_keeps_the_reference_count_of_true():
    class Probe(QObject):
        ping = Signal(int)

    probe = Probe()
    gc.collect()
    before = sys.getrefcount(True)
    for i in range(200):
        emit(probe.ping, i)
    gc.collect()
    assert sys.getrefcount(True) >= before


@pytest.mark.parametrize("user", ["maker", "approver1", "signer", "auditor", "admin"])
def test_demo_ledger_every_role_opens_every_area(qtbot, settings, demo_services, user):
    actor = demo_services.auth.login(user, "demo-password")
    window = _window(qtbot, demo_services, actor, settings)
    assert window.findChild(QLabel, "demoBadge") is not None
    for key in AREA_KEYS:
        window.show_area(key)
        assert wait_idle(20)
    payees = window.pages["payees"]
    assert payees.model.rowCount() == demo_services.master_data.count_payees(actor) > 0
    window.close()
    assert wait_idle(20)


def test_events_from_a_worker_thread_reload_open_pages(qtbot, ui_services, admin_actor, settings):
    """A background balance refresh reaches open screens without a manual refresh (via the event bridge)."""
    import threading

    from app.services.events import BALANCES_REFRESHED, EventHub

    if getattr(ui_services, "events", None) is None:
        ui_services.events = EventHub()
    window = _window(qtbot, ui_services, admin_actor, settings)
    page = window.show_area("dashboard")
    assert wait_idle(20)
    calls = []
    page.refresh = lambda: calls.append(threading.current_thread() is threading.main_thread())
    worker = threading.Thread(target=ui_services.events.publish, args=(BALANCES_REFRESHED, {"accounts": [1]}))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: calls == [True], timeout=5000)
    window.close()
    ui_services.events.publish(BALANCES_REFRESHED, {})  # after close: no listener left, nothing happens
    assert calls == [True]
