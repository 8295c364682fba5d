from __future__ import annotations

from typing import Protocol


class SecretStore(Protocol):
    """Secrets live only here: the OS keystore, or a passphrase-wrapped vault where none exists.

    Names are namespaced by the caller, e.g. ``"ledger/<ledger-id>/audit-hmac-key"``.
    Implementations raise ``SecretStoreUnavailable`` rather than silently degrading.
    """

    backend_name: str

    def get_secret(self, name: str) -> str | None:
        ...

    def set_secret(self, name: str, value: str) -> None:
        ...

    def delete_secret(self, name: str) -> None:
        ...
