"""SecretStore on the operating system's keystore through keyring, pinned to the platform backend.

Windows Credential Manager, macOS Keychain, or the Secret Service (GNOME Keyring / KWallet) on Linux.
Never a plaintext file, never keyrings.alt's stdin-prompting backend, never keyring's automatic choice.
"""

from __future__ import annotations

import sys

from app.domain.errors import SecretStoreUnavailable

SERVICE = "BankDirect"


def _platform_backend():
    if sys.platform.startswith("win"):
        from keyring.backends import Windows

        return Windows.WinVaultKeyring
    if sys.platform == "darwin":
        from keyring.backends import macOS

        return macOS.Keyring
    from keyring.backends import SecretService

    return SecretService.Keyring


class KeyringSecretStore:
    def __init__(self, service: str = SERVICE):
        cls = _platform_backend()
        try:
            priority = cls.priority  # raises when the backend cannot work here
        except Exception as exc:  # keyring raises assorted errors here
            raise SecretStoreUnavailable(
                f"the operating system keystore ({cls.__module__}) is not available: {exc}",
            ) from exc
        if not priority or priority <= 0:
            raise SecretStoreUnavailable(f"the operating system keystore ({cls.__module__}) is not usable")
        self._backend = cls()
        self._service = service
        self.backend_name = f"keyring:{cls.__module__}.{cls.__name__}"

    def get_secret(self, name: str) -> str | None:
        try:
            return self._backend.get_password(self._service, name)
        except Exception as exc:
            raise SecretStoreUnavailable(f"the keystore could not be read: {exc}") from exc

    def set_secret(self, name: str, value: str) -> None:
        try:
            self._backend.set_password(self._service, name, value)
        except Exception as exc:
            raise SecretStoreUnavailable(f"the keystore could not be written: {exc}") from exc

    def delete_secret(self, name: str) -> None:
        from keyring.errors import PasswordDeleteError

        try:
            self._backend.delete_password(self._service, name)
        except PasswordDeleteError:
            pass
        except Exception as exc:
            raise SecretStoreUnavailable(f"the keystore could not be written: {exc}") from exc
