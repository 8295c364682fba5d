"""Turns application events (published on any thread) into a Qt signal delivered on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.services.events import EventHub
from ui.signals import emit


class EventBridge(QObject):
    event = Signal(str, dict)

    def __init__(self, hub: EventHub, parent: QObject | None = None):
        super().__init__(parent)
        self._unsubscribe = hub.subscribe(self._on_hub_event)
        self.destroyed.connect(lambda *_: self._unsubscribe())

    def _on_hub_event(self, name: str, payload: dict) -> None:
        # Called on the publisher's thread; the queued connection brings it to the receivers' (GUI) thread.
        emit(self.event, name, payload)

    def close(self) -> None:
        self._unsubscribe()
