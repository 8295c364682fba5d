"""Composition root: the only place (with main.py and app/cli.py) that knows every concrete class."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from app.adapters.crash_points import crash_points_from_env
from app.adapters.password_hasher import Argon2PasswordHasher
from app.adapters.vault_secrets import DEMO_PASSPHRASE, VaultSecretStore
from app.config import ENV_PASSPHRASE, ENV_SECRET_STORE, AppConfig
from app.domain.errors import DomainError, IntegrityFailure, SecretStoreUnavailable
from app.domain.submission import EngineSettings
from app.ports import Clock, PasswordHasher, SecretStore, SystemClock
from app.services import Services
from app.services.alerts import AlertService
from app.services.approvals import ApprovalService
from app.services.audit import AuditService
from app.services.auth import AuthService, LoginPolicy
from app.services.bank_data import BankDataService
from app.services.batch_approval import BatchApprovalService
from app.services.batch_import import BatchImportService
from app.services.batch_results import BatchResultsService
from app.services.cnaps import CnapsService
from app.services.connection_profiles import ConnectionProfileService
from app.services.events import EventHub
from app.services.master_data import MasterDataService
from app.services.payments import PaymentService
from app.services.reconciliation import ReconciliationService
from app.services.setup import SetupService
from app.services.signing import SigningService
from app.services.statements import StatementService
from app.services.submission import SubmissionService
from app.services.users import UserService
from storage.alert_repositories import SqlReconciliationStore
from storage.batch_lines_extra import SqlBatchLineExtras
from storage.db import Ledger, open_ledger


class _Lazy:
    """Builds an adapter on first use, so start-up does not import requests, cryptography and the plugins."""

    def __init__(self, build):
        self._build = build
        self._target = None

    def __getattr__(self, name: str):
        if self._target is None:
            self._target = self._build()
        return getattr(self._target, name)


def build_connector_factory(store: SecretStore):
    """Bank plugins (built-ins + entry points) behind the registry boundary, HTTPS transport, answer checks."""
    from app.adapters.connector_factory import RegistryConnectorFactory
    from app.plugins.registry import load_registry

    return RegistryConnectorFactory(load_registry(), store)


def statement_readers():
    """camt.052/053/054 and MT940/MT942 readers (imported on first use, not at start-up)."""
    from bank_plugins.iso20022.camt import CamtReader
    from bank_plugins.iso20022.mt940 import Mt940Reader

    return [CamtReader(), Mt940Reader()]


def _credential_reader():
    from app.adapters.x509_credentials import X509CredentialReader

    return X509CredentialReader()


def _signature_verifier():
    from app.adapters.signature_verifier import X509SignatureVerifier

    return X509SignatureVerifier()


def _signer_provider(store: SecretStore, clock: Clock):
    from app.adapters.signer_provider import ProfileSignerProvider

    return ProfileSignerProvider(store, clock)


SIGNING_BATCH_MAX = 100_000


def build_signing_service(uow, store: SecretStore, clock: Clock, connectors, events=None) -> SigningService:
    """Batch signing: X.509 checks and per-user signers built lazily. One signature covers a whole batch, whatever
    its size (up to SIGNING_BATCH_MAX); the submission engine cuts it into chunks of the bank's batch limit."""
    def batch_size(plugin_id: str | None) -> int:
        return SIGNING_BATCH_MAX

    return SigningService(uow, clock, _Lazy(_signature_verifier), _Lazy(lambda: _signer_provider(store, clock)),
                          events=events, batch_size_for=batch_size, manifests=connectors.manifest,
                          line_extras=SqlBatchLineExtras.of)


def audit_key_name(ledger_id: str) -> str:
    return f"ledger/{ledger_id}/audit-hmac-key"


def select_secret_store(data_dir: Path, *, demo: bool, passphrase_prompt=None) -> SecretStore:
    """The OS keystore when there is one; else the passphrase vault. Never a plaintext fallback.

    Demo ledgers always use a vault with the published demo passphrase, so they never touch the OS keystore.
    """
    vault_path = data_dir / "secrets.vault"
    if demo:  # the passphrase is published, so a costly key derivation would protect nothing
        return VaultSecretStore(vault_path, DEMO_PASSPHRASE, memory_kib=1024, time_cost=1, parallelism=1)
    choice = os.environ.get(ENV_SECRET_STORE, "").strip().lower()
    if choice in ("", "keyring"):
        try:
            from app.adapters.keyring_store import KeyringSecretStore

            return KeyringSecretStore()
        except SecretStoreUnavailable:
            if choice == "keyring":
                raise
    passphrase = os.environ.get(ENV_PASSPHRASE)
    if not passphrase and passphrase_prompt is not None:
        passphrase = passphrase_prompt(vault_path.exists())
    if not passphrase:
        raise SecretStoreUnavailable(
            "no operating-system keystore is available and no passphrase was given: set "
            f"{ENV_PASSPHRASE} or run interactively to unlock the secret vault {vault_path}",
            code="PASSPHRASE_REQUIRED")
    return VaultSecretStore(vault_path, passphrase)


@dataclass
class AppContext:
    config: AppConfig
    ledger: Ledger
    secret_store: SecretStore
    services: Services
    clock: Clock
    audit_key: bytes = field(repr=False, default=b"")

    def close(self) -> None:
        self.ledger.dispose()


def load_audit_key(ledger: Ledger, store: SecretStore, clock: Clock) -> bytes:
    name = audit_key_name(ledger.ledger_id)
    stored = store.get_secret(name)
    if stored:
        return bytes.fromhex(stored)
    with ledger.unit_of_work_factory(b"", clock)(read_only=True) as uow:
        existing = uow.audit.count()
    if existing:
        raise IntegrityFailure(
            f"the audit-log key of this ledger is missing from the secret store ({store.backend_name}). On a shared "
            "ledger, run `bankdirect audit key-export --file F --user ADMIN` on a workstation that has it and "
            "`bankdirect audit key-import --file F` here; otherwise restore the keystore entry or the vault",
            code="AUDIT_KEY_MISSING")
    key = secrets.token_bytes(32)
    store.set_secret(name, key.hex())
    return key


def _audit_migration(uow, ledger: Ledger) -> None:
    from app.domain.audit import AuditAction
    from app.domain.users import Actor

    with uow() as unit:
        unit.audit.append(Actor.system(), AuditAction.DB_MIGRATED, "ledger", ledger.ledger_id,
                          {"from": ledger.migrated_from, "to": ledger.migrated_to,
                           "backup": str(ledger.pre_migration_backup) if ledger.pre_migration_backup else None})
        unit.commit()


def export_audit_key(ctx: AppContext, path: Path, passphrase: str) -> None:
    """Write the ledger's audit key into a passphrase-protected transfer file for another workstation."""
    if path.exists():
        raise DomainError("FILE_EXISTS", f"{path} already exists; choose a new file name")
    transfer = VaultSecretStore(path, passphrase)
    transfer.set_secret("ledger-id", ctx.ledger.ledger_id)
    transfer.set_secret("audit-hmac-key", ctx.audit_key.hex())


def import_audit_key(config: AppConfig, path: Path, passphrase: str, *, secret_store: SecretStore | None = None,
                     passphrase_prompt=None) -> str:
    """Install the audit key from a transfer file after checking it is this ledger's and verifies its chain."""
    from storage.audit_log import verify_audit_chain

    if not path.is_file():
        raise DomainError("FILE_NOT_FOUND", f"no such file: {path}")
    transfer = VaultSecretStore(path, passphrase)
    store = secret_store or select_secret_store(config.data_dir, demo=config.demo,
                                                passphrase_prompt=passphrase_prompt)
    ledger = open_ledger(config.db_url, config.data_dir)
    try:
        if transfer.get_secret("ledger-id") != ledger.ledger_id:
            raise DomainError("WRONG_LEDGER", "the key file belongs to another ledger")
        key = bytes.fromhex(transfer.get_secret("audit-hmac-key") or "")
        result = verify_audit_chain(ledger.engine, key)
        if not result.ok:
            raise IntegrityFailure(f"the audit log does not verify with this key (entry {result.first_bad_seq}: "
                                   f"{result.reason}); the key was not installed", code="AUDIT_KEY_MISMATCH")
        store.set_secret(audit_key_name(ledger.ledger_id), key.hex())
        return ledger.ledger_id
    finally:
        ledger.dispose()


def open_app(config: AppConfig, *, secret_store: SecretStore | None = None, clock: Clock | None = None,
             hasher: PasswordHasher | None = None, login_policy: LoginPolicy | None = None,
             migrate: bool = True, passphrase_prompt=None,
             engine_settings: EngineSettings | None = None) -> AppContext:
    clock = clock or SystemClock()
    config.data_dir.mkdir(parents=True, exist_ok=True)
    if config.demo:
        config.mark_demo()
    store = secret_store or select_secret_store(config.data_dir, demo=config.demo,
                                                passphrase_prompt=passphrase_prompt)
    ledger = open_ledger(config.db_url, config.data_dir, migrate=migrate)
    try:
        key = load_audit_key(ledger, store, clock)
        uow = ledger.unit_of_work_factory(key, clock)
        if ledger.migrated_from and ledger.migrated_to:
            _audit_migration(uow, ledger)
        hasher = hasher or Argon2PasswordHasher()
        setup = SetupService(uow, hasher, clock)
        connectors = _Lazy(lambda: build_connector_factory(store))
        services = Services(
            setup=setup,
            auth=AuthService(uow, hasher, clock, login_policy),
            users=UserService(uow, hasher, clock),
            master_data=MasterDataService(uow),
            audit=AuditService(uow),
            is_demo=config.demo or setup.is_demo(),
            ledger_description=str(ledger.url) if not ledger.is_sqlite else str(ledger.path),
        )
        services.profiles = ConnectionProfileService(uow, store, connectors, _Lazy(_credential_reader), clock,
                                                     is_demo=lambda: config.demo or setup.is_demo())
        services.events = EventHub()
        services.bank_data = BankDataService(uow, connectors, clock, events=services.events)
        services.statements = StatementService(uow, clock, statement_readers, events=services.events)
        services.payments = PaymentService(uow, clock, events=services.events, manifests=connectors.manifest)
        services.approvals = ApprovalService(uow, services.auth, clock, events=services.events)
        services.signing = build_signing_service(uow, store, clock, connectors, events=services.events)
        services.submission = SubmissionService(uow, clock, connectors, settings=engine_settings or EngineSettings(),
                                                events=services.events, crash=crash_points_from_env(),
                                                payments=services.payments)
        services.cnaps = CnapsService(config.data_dir, uow, clock)
        services.batch_import = BatchImportService(uow, clock, events=services.events,
                                                   branches=services.cnaps.directory, manifests=connectors.manifest,
                                                   line_extras=SqlBatchLineExtras.of)
        services.batch_approval = BatchApprovalService(uow, services.approvals, services.auth, clock,
                                                       events=services.events)
        services.batch_results = BatchResultsService(uow, clock, events=services.events)
        # alerts and reconciliation (I7)
        services.alerts = AlertService(uow, clock, events=services.events)
        services.reconciliation = ReconciliationService(
            uow, clock, services.bank_data, connectors, services.alerts, SqlReconciliationStore.of,
            crash=crash_points_from_env())
    except BaseException:
        ledger.dispose()
        raise
    return AppContext(config, ledger, store, services, clock, key)
