"""``emit(signal, *args)``: emit a Qt signal from Python without corrupting ``True``'s reference count.

PySide6 6.12.0's ``SignalInstance.emit()`` returns ``True`` without taking a reference for it, so every
Python-side ``emit`` drops one reference of ``True``. On Python 3.11 (``True`` is not immortal there) a
long-running app — or a long test session — eventually frees ``True`` and aborts with
"Fatal Python error: bool_dealloc". We detect the bug once at import and give the reference back.
Signals emitted by Qt itself (clicked, textChanged...) are not affected. Use this helper for EVERY emit.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    ping = Signal()


def _emit_steals_a_reference() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    results = [probe.ping.emit() for _ in range(8)]
    lost = before + len([r for r in results if r is True]) - sys.getrefcount(True)
    del results
    if lost > 0:
        for _ in range(lost):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return lost > 0


EMIT_STEALS_REFERENCE = _emit_steals_a_reference()


def _void_calls_steal_none() -> bool:
    """PySide6 6.12.0 also returns ``None`` from every void method (processEvents, show, update, resize …)
    without taking a reference for it: each such call from Python drops one reference of ``None``, and after
    some thousands the interpreter aborts with "Fatal Python error: none_dealloc". Probe it once."""
    probe = _Probe()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")  # a void method
    return sys.getrefcount(None) < before - 4


def _make_immortal(obj: object) -> None:
    """What Python 3.12 does for every singleton: a reference count that no leak can exhaust."""
    ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40


VOID_CALLS_STEAL_NONE = sys.version_info < (3, 12) and _void_calls_steal_none()
if VOID_CALLS_STEAL_NONE:
    _make_immortal(None)


def emit(signal: Any, *args: Any) -> None:
    result = signal.emit(*args)
    if EMIT_STEALS_REFERENCE and (result is True or result is False):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
