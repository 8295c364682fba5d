from __future__ import annotations

import threading

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.domain.errors import DomainError, OperationalError, UserCancelled
from ui import crash
from ui.ops import run_and_wait, run_op, tracker, wait_idle


def test_result_is_delivered_on_the_gui_thread_and_work_runs_off_it(qtbot):
    gui = threading.get_ident()
    seen = {}

    def work():
        seen["worker"] = threading.get_ident()
        return 42

    def done(value):
        seen["value"] = value
        seen["callback"] = threading.get_ident()

    op = run_op(None, work, done)
    qtbot.waitUntil(lambda: op.finished)
    assert seen == {"worker": seen["worker"], "value": 42, "callback": gui}
    assert seen["worker"] != gui


def test_expected_errors_go_to_on_failure(qtbot):
    errors = []
    op = run_op(None, lambda: (_ for _ in ()).throw(DomainError("X", "nope")), lambda v: errors.append("ok"),
                errors.append)
    qtbot.waitUntil(lambda: op.finished)
    assert len(errors) == 1 and errors[0].code == "X"


def test_default_routing_shows_domain_and_operational_messages(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)

    def boom():
        raise OperationalError("the bank is down")

    with qtbot.waitSignal(tracker().failed):
        run_op(parent, boom)
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert any("the bank is down" in b.text() and "try again" in b.text() for b in boxes)


def test_user_cancelled_is_silent(qtbot):
    called = []
    op = run_op(None, lambda: (_ for _ in ()).throw(UserCancelled()), on_failure=called.append)
    qtbot.waitUntil(lambda: op.finished)
    assert called == []


def test_a_bug_reaches_the_crash_dialog_with_the_traceback_saved(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(crash, "_crash_dir", tmp_path)
    failures = []

    def bug():
        raise ZeroDivisionError("division by zero in a service")

    op = run_op(None, bug, on_failure=failures.append)
    qtbot.waitUntil(lambda: op.finished)
    assert failures == []                                   # bugs never reach on_failure
    saved = list(tmp_path.glob("crash-*.txt"))
    assert len(saved) == 1
    assert "ZeroDivisionError" in saved[0].read_text() and "in bug" in saved[0].read_text()
    dialogs = [w for w in QApplication.topLevelWidgets() if w.objectName() == "crashDialog" and w.isVisible()]
    assert dialogs and str(saved[0]) in dialogs[0].text()


def test_callbacks_are_skipped_when_the_parent_widget_is_gone(qtbot):
    release = threading.Event()
    called = []
    parent = QWidget()
    op = run_op(parent, lambda: release.wait(5), called.append)
    parent.deleteLater()
    QApplication.processEvents()
    from PySide6.QtCore import QCoreApplication, QEvent
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    release.set()
    assert wait_idle(5)
    assert op.finished and called == []


def test_run_and_wait_returns_the_value_or_raises():
    assert run_and_wait(lambda: "x") == "x"
    try:
        run_and_wait(lambda: (_ for _ in ()).throw(DomainError("E", "bad")))
    except DomainError as exc:
        assert exc.code == "E"
    else:
        raise AssertionError("expected DomainError")
