"""An in-memory SecretStore for tests and throw-away runs. Nothing is persisted."""

from __future__ import annotations


class MemorySecretStore:
    backend_name = "memory"

    def __init__(self) -> None:
        self._items: dict[str, str] = {}

    def get_secret(self, name: str) -> str | None:
        return self._items.get(name)

    def set_secret(self, name: str, value: str) -> None:
        self._items[name] = value

    def delete_secret(self, name: str) -> None:
        self._items.pop(name, None)
