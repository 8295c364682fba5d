from __future__ import annotations

from typing import Protocol


class EventSink(Protocol):
    """Where services announce what happened (past tense: ``balances_refreshed``). Called on the caller's thread."""

    def publish(self, name: str, payload: dict | None = None) -> None:
        ...
