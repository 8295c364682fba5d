from __future__ import annotations

import json
import sys

import pytest

from app.adapters.vault_secrets import VaultSecretStore, WrongPassphrase
from app.domain.errors import SecretStoreUnavailable

FAST = {"memory_kib": 1024, "time_cost": 1, "parallelism": 1}


def test_vault_round_trip_and_reopen(tmp_path):
    path = tmp_path / "secrets.vault"
    v = VaultSecretStore(path, "correct horse", **FAST)
    v.set_secret("ledger/1/audit-hmac-key", "00ff" * 16)
    assert v.get_secret("ledger/1/audit-hmac-key") == "00ff" * 16
    again = VaultSecretStore(path, "correct horse")
    assert again.get_secret("ledger/1/audit-hmac-key") == "00ff" * 16
    again.delete_secret("ledger/1/audit-hmac-key")
    assert VaultSecretStore(path, "correct horse").get_secret("ledger/1/audit-hmac-key") is None


def test_vault_never_stores_plaintext(tmp_path):
    path = tmp_path / "secrets.vault"
    v = VaultSecretStore(path, "correct horse", **FAST)
    v.set_secret("bank/password", "TopSecret-12345")
    raw = path.read_bytes()
    assert b"TopSecret" not in raw and b"correct horse" not in raw


def test_wrong_passphrase_refused(tmp_path):
    path = tmp_path / "secrets.vault"
    VaultSecretStore(path, "correct horse", **FAST).set_secret("a", "b")
    with pytest.raises(WrongPassphrase):
        VaultSecretStore(path, "wrong horse")


def test_tampered_entry_detected(tmp_path):
    path = tmp_path / "secrets.vault"
    VaultSecretStore(path, "pp", **FAST).set_secret("a", "value")
    doc = json.loads(path.read_text())
    doc["entries"]["b"] = doc["entries"]["a"]  # an entry moved under another name fails authentication
    path.write_text(json.dumps(doc))
    v = VaultSecretStore(path, "pp")
    assert v.get_secret("a") == "value"
    with pytest.raises(SecretStoreUnavailable):
        v.get_secret("b")


def test_corrupt_vault_file_is_a_clear_error(tmp_path):
    path = tmp_path / "secrets.vault"
    path.write_text("{not json")
    with pytest.raises(SecretStoreUnavailable):
        VaultSecretStore(path, "pp")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="checks the Linux Secret Service pin")
def test_keyring_store_refuses_without_platform_backend(monkeypatch):
    from app.adapters.keyring_store import KeyringSecretStore

    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    with pytest.raises(SecretStoreUnavailable):
        KeyringSecretStore()


def test_secret_store_selection_without_keystore_needs_passphrase(tmp_path, monkeypatch):
    from app.bootstrap import select_secret_store

    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("BANKDIRECT_PASSPHRASE", raising=False)
    monkeypatch.setenv("BANKDIRECT_SECRET_STORE", "")
    with pytest.raises(SecretStoreUnavailable) as exc:
        select_secret_store(tmp_path, demo=False)
    assert exc.value.code == "PASSPHRASE_REQUIRED"
    monkeypatch.setenv("BANKDIRECT_PASSPHRASE", "from-the-environment")
    store = select_secret_store(tmp_path, demo=False)
    assert store.backend_name.startswith("vault:")
    monkeypatch.setenv("BANKDIRECT_SECRET_STORE", "keyring")
    with pytest.raises(SecretStoreUnavailable):
        select_secret_store(tmp_path, demo=False)


def test_password_hasher_rfc9106_low_memory_default():
    from app.adapters.password_hasher import Argon2PasswordHasher

    h = Argon2PasswordHasher()
    phc = h.hash("s3cret-password")
    assert phc.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert h.verify(phc, "s3cret-password") and not h.verify(phc, "other")
    assert not h.needs_rehash(phc)
    assert h.needs_rehash(Argon2PasswordHasher.for_tests().hash("x"))
    assert not h.verify("not-a-hash", "x")
