"""A small thread-safe publish/subscribe hub. Services publish after their unit of work committed; the UI's event
bridge turns events into Qt signals, so open screens update without a manual refresh."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

BALANCES_REFRESHED = "balances_refreshed"
TRANSACTIONS_FETCHED = "transactions_fetched"

Subscriber = Callable[[str, dict], None]


class EventHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, name: str, payload: dict | None = None) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(name, dict(payload or {}))
            except Exception:  # one broken listener must not stop the others or the publisher
                log.exception("event subscriber failed for %s", name)


class NullEvents:
    def publish(self, name: str, payload: dict | None = None) -> None:
        return None
