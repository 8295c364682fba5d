"""The payment monitor shows open CRITICAL alerts as a red banner with their count; clicking it opens the alert list
where a person acknowledges with a note. A new alert raised elsewhere in the process reaches the open monitor
through the event hub (no manual refresh). Rendered in Chinese to /tmp/alerts_banner.png."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.domain.alerts import AlertSeverity, NewAlert
from app.domain.users import Actor, Role
from tests.conftest import ADMIN
from ui.i18n import install_translator
from ui.ops import wait_idle
from ui.views.payment_monitor import PaymentMonitorView

SCREENSHOT = Path("/tmp/alerts_banner.png")


@pytest.fixture(autouse=True)
def _drain_ops(qapp):
    yield
    assert wait_idle(20.0), "a background operation did not finish"


def finding(key: str, severity: AlertSeverity = AlertSeverity.CRITICAL, kind: str = "DOUBLE_DEBIT") -> NewAlert:
    return NewAlert(kind=kind, severity=severity, dedup_key=key, title=f"Payment #{key} was debited 2 times",
                    detail="The bank booked 2 debits for client reference BDQ7ZK0000000042.")


def _view(qtbot, services, actor) -> PaymentMonitorView:
    view = PaymentMonitorView(services, actor)
    qtbot.addWidget(view)
    view.resize(1300, 700)
    view.show()
    view.refresh(force=True)
    assert wait_idle(20)
    return view


def test_banner_counts_open_critical_alerts_and_acknowledging_from_it_clears_them(qtbot, app_context):
    services = app_context.services
    admin = services.auth.login(*ADMIN)
    services.alerts.raise_alerts([finding("A"), finding("B"), finding("C", AlertSeverity.HIGH, "UNKNOWN_DEBIT")])
    view = _view(qtbot, services, admin)
    assert view.alert_banner.isVisible() and "2" in view.alert_banner.text()
    assert view.alerts_button.text() == "Alerts (3)"

    qtbot.mouseClick(view.alert_banner, Qt.MouseButton.LeftButton)
    dialog = view.alerts_dialog
    assert dialog is not None and wait_idle(20)
    assert [a.severity for a in dialog.rows] == [AlertSeverity.CRITICAL, AlertSeverity.CRITICAL, AlertSeverity.HIGH]
    assert not dialog.ack_button.isEnabled()               # a note is required
    first = dialog.selected()
    dialog.note.setText("已与银行核对，多扣款项已冲回")
    assert dialog.ack_button.isEnabled()
    qtbot.mouseClick(dialog.ack_button, Qt.MouseButton.LeftButton)
    assert wait_idle(20)
    assert first.id not in [a.id for a in dialog.rows] and len(dialog.rows) == 2
    qtbot.waitUntil(lambda: "1" in view.alert_banner.text() and view.alerts_button.text() == "Alerts (2)",
                    timeout=5000)
    stored = services.alerts.get(admin, first.id)
    assert stored.acknowledged_by == "admin" and stored.acknowledge_note.startswith("已与银行核对")

    # raised elsewhere (the scheduler's thread): the event reaches the open monitor without a refresh
    worker = threading.Thread(target=lambda: services.alerts.raise_alerts([finding("D", kind="MISSING_DEBIT")]))
    worker.start()
    worker.join(10)
    qtbot.waitUntil(lambda: view.alert_counts.get(AlertSeverity.CRITICAL) == 2, timeout=5000)
    assert "2" in view.alert_banner.text()

    for alert in [a for a in services.alerts.list_alerts(admin, open_only=True)
                  if a.severity is AlertSeverity.CRITICAL]:
        services.alerts.acknowledge(admin, alert.id, "checked")
    qtbot.waitUntil(lambda: not view.alert_banner.isVisible(), timeout=5000)
    assert view.alerts_button.text() == "Alerts (1)"       # the HIGH one is still open, without a banner


def test_who_may_not_acknowledge_sees_the_list_but_no_acknowledge(qtbot, app_context):
    services = app_context.services
    services.alerts.raise_alerts([finding("E")])
    auditor = Actor(99, "auditor", frozenset({Role.AUDITOR}))
    view = _view(qtbot, services, auditor)
    dialog = view.open_alerts()
    assert wait_idle(20) and len(dialog.rows) == 1
    dialog.note.setText("just looking")
    assert not dialog.ack_button.isEnabled() and not dialog.note.isEnabled()


def test_a_monitor_without_the_alert_service_shows_no_banner(qtbot, app_context):
    from types import SimpleNamespace

    services = SimpleNamespace(submission=app_context.services.submission, payments=None)
    view = _view(qtbot, services, app_context.services.auth.login(*ADMIN))
    assert not view.alert_banner.isVisible() and not view.alerts_button.isVisible() and view.open_alerts() is None


def test_render_the_banner_in_chinese(qtbot, qapp, app_context):
    services = app_context.services
    admin = services.auth.login(*ADMIN)
    services.alerts.raise_alerts([finding("F"), finding("G", kind="MISSING_DEBIT"),
                                  finding("H", AlertSeverity.HIGH, "AMOUNT_MISMATCH")])
    install_translator(qapp, "zh_CN")
    try:
        view = _view(qtbot, services, admin)
        assert view.alert_banner.isVisible() and "严重" in view.alert_banner.text()
        dialog = view.open_alerts()
        assert wait_idle(20)
        dialog.resize(860, 480)
        assert dialog.windowTitle() == "未处理的警报"
        page = view.grab()
        listing = dialog.grab()
        from PySide6.QtGui import QImage, QPainter

        canvas = QImage(max(page.width(), listing.width()), page.height() + listing.height() + 10,
                        QImage.Format.Format_RGB32)
        canvas.fill(Qt.GlobalColor.white)
        painter = QPainter(canvas)
        painter.drawPixmap(0, 0, page)
        painter.drawPixmap(0, page.height() + 10, listing)
        painter.end()
        assert canvas.save(str(SCREENSHOT))
        dialog.reject()
    finally:
        install_translator(qapp, "en")
