"""Run service calls off the GUI thread; deliver the outcome back on the GUI thread.

The pattern follows Anki's ``CollectionOp`` / ``QueryOp`` (qt/aqt/operations): the caller hands over a
plain callable (it must not touch widgets) plus a success callback; the callable runs on a background
worker and the callbacks run on the GUI thread via a queued signal.

* All operations run on ONE background thread, in submission order. Storage units of work are short, and a
  single writer thread means the GUI never races itself on the ledger (a later "refresh" always sees an
  earlier "save").
* Errors are routed by kind (DESIGN.md rule 6): ``UserCancelled`` is silent; ``DomainError`` shows its
  message; ``OperationalError`` shows its message and "try again"; ``IntegrityFailure`` a critical box;
  anything else is a bug and reaches the crash dialog (traceback saved to a file).
  ``on_failure(exc)`` receives expected errors (every ``BankDirectError``) instead of the default box; bugs
  always reach the crash dialog.
* ``tracker()`` counts pending operations; tests and the screenshot mode wait with ``wait_idle()`` or
  ``qtbot.waitSignal(tracker().idle)``.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from app.domain.errors import (
    BankDirectError,
    DomainError,
    IntegrityFailure,
    OperationalError,
    UserCancelled,
)
from ui.crash import keep_open
from ui.signals import emit


@dataclass
class _Outcome:
    ok: bool
    value: Any = None
    error: BaseException | None = None
    tb: str = ""


class OpTracker(QObject):
    """Counts pending operations (one per process); emits ``idle`` when the last one finishes."""

    busy_changed = Signal(int)
    idle = Signal()
    _done = Signal(int)          # emitted on the worker thread, delivered queued on the GUI thread
    failed = Signal(object)      # every error that reached the default routing (for status bars and tests)

    def __init__(self) -> None:
        super().__init__()
        self._pending: set[Op] = set()
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(1)
        self.last_error: BaseException | None = None
        self._by_id: dict[int, Op] = {}
        # Outcomes travel in this dict, only the int id goes through the queued signal: PySide's marshalling
        # of Python objects across threads has had reference-counting bugs.
        self._outcomes: dict[int, _Outcome] = {}
        self._outcomes_lock = threading.Lock()
        self._next_id = 0
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)

    def pending(self) -> int:
        return len(self._pending)

    def _add(self, op: Op) -> int:
        self._next_id += 1
        self._by_id[self._next_id] = op
        self._pending.add(op)
        emit(self.busy_changed, len(self._pending))
        return self._next_id

    def _deliver(self, op_id: int, outcome: _Outcome) -> None:
        """Worker thread: park the outcome, then wake the GUI thread."""
        with self._outcomes_lock:
            self._outcomes[op_id] = outcome
        emit(self._done, op_id)

    @Slot(int)
    def _on_done(self, op_id: int) -> None:
        with self._outcomes_lock:
            outcome = self._outcomes.pop(op_id, None)
        op = self._by_id.pop(op_id, None)
        if op is not None and outcome is not None:
            op._finish(outcome)

    def _remove(self, op: Op) -> None:
        self._pending.discard(op)
        emit(self.busy_changed, len(self._pending))
        if not self._pending:
            emit(self.idle)


_tracker: OpTracker | None = None


def tracker() -> OpTracker:
    global _tracker
    if _tracker is None:
        _tracker = OpTracker()
    return _tracker


class _Runnable(QRunnable):
    """Holds only the callable and an integer id: no Qt object is ever released on the worker thread."""

    def __init__(self, fn: Callable[[], Any], op_id: int) -> None:
        super().__init__()
        self._fn = fn
        self._op_id = op_id
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            outcome = _Outcome(True, self._fn())
        except BaseException as exc:  # delivered to the GUI thread; nothing is swallowed
            outcome = _Outcome(False, error=exc, tb=traceback.format_exc())
        self._fn = None
        tracker()._deliver(self._op_id, outcome)


class Op:
    """Handle of one background operation; ``finished`` turns True once its callbacks ran."""

    def __init__(self, parent: QObject | None, fn: Callable[[], Any], on_success: Callable[[Any], Any] | None,
                 on_failure: Callable[[BaseException], Any] | None, on_finally: Callable[[], Any] | None,
                 busy_text: str | None) -> None:
        self._parent = parent
        self._fn = fn
        self._on_success = on_success
        self._on_failure = on_failure
        self._on_finally = on_finally
        self._busy_text = busy_text
        self.finished = False
        self.result: Any = None
        self.error: BaseException | None = None

    def _start(self) -> None:
        op_id = tracker()._add(self)
        if self._busy_text:
            _show_status(self._parent, self._busy_text)
        tracker().pool.start(_Runnable(self._fn, op_id))

    def _parent_alive(self) -> bool:
        return self._parent is None or shiboken6.isValid(self._parent)

    def _finish(self, outcome: _Outcome) -> None:
        self.finished = True
        self.result = outcome.value
        self.error = outcome.error
        try:
            if not self._parent_alive():
                return          # the widget that asked is gone: nobody to tell
            if self._busy_text:
                _show_status(self._parent, "")
            if outcome.ok:
                if self._on_success is not None:
                    self._on_success(outcome.value)
            else:
                self._route_error(outcome)
        finally:
            try:
                if self._on_finally is not None and self._parent_alive():
                    self._on_finally()
            finally:
                tracker()._remove(self)

    def _route_error(self, outcome: _Outcome) -> None:
        exc = outcome.error
        assert exc is not None
        if isinstance(exc, UserCancelled):
            return
        if isinstance(exc, BankDirectError) and self._on_failure is not None:
            self._on_failure(exc)
            return
        report_error(self._parent if isinstance(self._parent, QWidget) else None, exc, outcome.tb)


def run_op(parent: QObject | None, fn: Callable[[], Any], on_success: Callable[[Any], Any] | None = None,
           on_failure: Callable[[BaseException], Any] | None = None, *, on_finally: Callable[[], Any] | None = None,
           busy_text: str | None = None) -> Op:
    """Run ``fn()`` on the background worker; call ``on_success(result)`` on the GUI thread.

    ``fn`` must not touch widgets. If ``parent`` is destroyed before the result arrives, the callbacks
    are skipped.
    """
    op = Op(parent, fn, on_success, on_failure, on_finally, busy_text)
    op._start()
    return op


def wait_idle(timeout_s: float = 10.0) -> bool:
    """Process events until no operation is pending (tests, screenshot mode). True when idle."""
    deadline = time.monotonic() + timeout_s
    app = QCoreApplication.instance()
    while tracker().pending():
        if time.monotonic() > deadline:
            return False
        if app is not None:
            app.processEvents()
        tracker().pool.waitForDone(10)
    if app is not None:
        app.processEvents()
    return True


def _show_status(parent: QObject | None, text: str) -> None:
    if not isinstance(parent, QWidget):
        return
    window = parent.window()
    status = getattr(window, "statusBar", None)
    if callable(status):
        if text:
            status().showMessage(text)
        else:
            status().clearMessage()


def error_text(exc: BaseException) -> str:
    """The text a user sees for an expected error (translated where a translation exists)."""
    from ui.problems import describe_error

    return describe_error(exc)


def report_error(parent: QWidget | None, exc: BaseException, tb: str = "") -> None:
    """Default routing of an error by kind (non-blocking boxes: ``open()``, never ``exec()``)."""
    tracker().last_error = exc
    emit(tracker().failed, exc)
    if isinstance(exc, UserCancelled):
        return
    translate = QCoreApplication.translate
    if isinstance(exc, DomainError):
        _open_box(parent, QMessageBox.Icon.Warning, translate("Ops", "Cannot do that"), error_text(exc))
    elif isinstance(exc, OperationalError):
        _open_box(parent, QMessageBox.Icon.Warning, translate("Ops", "Temporary problem"),
                  error_text(exc) + "\n\n" + translate("Ops", "Please try again in a moment."))
    elif isinstance(exc, IntegrityFailure):
        _open_box(parent, QMessageBox.Icon.Critical, translate("Ops", "Integrity check failed"), error_text(exc))
    else:
        from ui.crash import show_crash

        show_crash(parent, type(exc), exc, tb or "".join(traceback.format_exception(exc)))


def _open_box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    keep_open(box).open()
    return box


def run_and_wait(fn: Callable[[], Any], timeout_s: float | None = None) -> Any:
    """Run ``fn`` on the background worker and return its result, processing GUI events meanwhile.

    For start-up steps before any window exists (is the ledger initialized? auto-login). Errors are
    raised here, not routed to dialogs.
    """
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    box: dict[str, Any] = {}

    def ok(value: Any) -> None:
        box["value"] = value

    def failed(exc: BaseException) -> None:
        box["error"] = exc

    op = Op(None, fn, ok, failed, loop.quit, None)
    op._route_error = lambda outcome: failed(outcome.error)  # type: ignore[method-assign]
    op._start()
    if timeout_s is not None:
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    if not op.finished:
        loop.exec()
    if "error" in box:
        raise box["error"]
    if not op.finished:
        raise TimeoutError("the background operation did not finish in time")
    return box.get("value")
