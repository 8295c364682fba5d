"""The bank-plugin registry.

* Built-in plugins are listed explicitly in :data:`BUILTIN_PLUGINS` (id → ``"module:attribute"``, imported
  lazily); third-party plugins come from the entry-point group ``bankdirect.bank_plugins`` (the entry point
  loads a :class:`~app.ports.bank.BankPlugin` object, or a zero-argument callable returning one).
* Every manifest is validated (id ``^[a-z][a-z0-9_]+$``, API version compatible, capabilities and limits
  sane); a third-party plugin may not take a built-in id.
* :class:`GuardedConnector` wraps every connector call: whatever escapes a plugin becomes one of the
  operational error kinds of :mod:`app.domain.errors` (DomainError, UserCancelled and OperationalError pass
  through unchanged).
"""

from __future__ import annotations

import importlib
import logging
import re
import socket
import ssl
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib.metadata import entry_points
from typing import Any

from app.domain.errors import (
    BankDirectError,
    BankRejected,
    BankUnavailable,
    OperationalError,
    OutcomeUnknown,
)
from app.ports.bank import (
    API_VERSION,
    Balance,
    BankConnector,
    BankPlugin,
    BankPluginContext,
    BankStatusReport,
    Capability,
    ConnectionStep,
    PaymentInstruction,
    PluginManifest,
    Receipt,
    SignedSubmission,
    Signer,
    StatusListPage,
    SubmissionResult,
    TransactionPage,
)

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "bankdirect.bank_plugins"
PLUGIN_ID = re.compile(r"^[a-z][a-z0-9_]+$")

BUILTIN_PLUGINS: dict[str, str] = {
    "cmb_fbsdk": "bank_plugins.cmb_fbsdk.connector:PLUGIN",
    "iso20022": "bank_plugins.iso20022.connector:PLUGIN",
}


class PluginError(OperationalError):
    """A plugin could not be loaded, or its manifest is invalid."""

    code = "PLUGIN_INVALID"


def _version(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+)?", text.strip())
    if m is None:
        raise ValueError(text)
    return int(m.group(1)), int(m.group(2))


def manifest_problems(manifest: object, host_api: str = API_VERSION) -> list[str]:
    """Everything wrong with a manifest (empty list = valid)."""
    if not isinstance(manifest, PluginManifest):
        return [f"the manifest is a {type(manifest).__name__}, not a PluginManifest"]
    problems = []
    if not isinstance(manifest.id, str) or not PLUGIN_ID.fullmatch(manifest.id):
        problems.append(f"plugin id {manifest.id!r} must match {PLUGIN_ID.pattern}")
    for name in ("bank", "protocol", "version"):
        if not str(getattr(manifest, name) or "").strip():
            problems.append(f"the manifest has no {name}")
    try:
        major, minor = _version(manifest.api_version)
        host_major, host_minor = _version(host_api)
        if major != host_major or minor > host_minor:
            problems.append(f"plugin API {manifest.api_version} is not compatible with this application's {host_api}")
    except ValueError:
        problems.append(f"api_version {manifest.api_version!r} is not M.m")
    caps = manifest.capabilities
    if not isinstance(caps, frozenset) or not caps or not all(isinstance(c, Capability) for c in caps):
        problems.append("capabilities must be a non-empty frozenset of Capability")
    limits = manifest.limits
    if limits.max_batch_size < 1:
        problems.append("limits.max_batch_size must be at least 1")
    if Capability.BATCH_PAYMENT in (caps or ()) and limits.max_batch_size < 2:
        problems.append("a plugin with BATCH_PAYMENT needs limits.max_batch_size >= 2")
    if limits.min_query_interval_s < 0 or limits.settle_lag_s < 0:
        problems.append("limits must not be negative")
    try:
        "a".encode(limits.encoding)
    except LookupError:
        problems.append(f"unknown encoding {limits.encoding!r}")
    for window in limits.quiet_hours:
        if len(window) != 2 or not all(re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", t) for t in window):
            problems.append(f"quiet hours {window!r} must be (\"HH:MM\", \"HH:MM\")")
    if any(not isinstance(v, int) or v < 1 for v in limits.field_byte_lengths.values()):
        problems.append("field byte lengths must be positive integers")
    return problems


def validate_plugin(plugin: object) -> BankPlugin:
    manifest = getattr(plugin, "manifest", None)
    problems = manifest_problems(manifest)
    if not callable(getattr(plugin, "create_connector", None)):
        problems.append("the plugin has no create_connector(context)")
    if problems:
        ident = getattr(manifest, "id", "?")
        raise PluginError(f"bank plugin {ident!r} is invalid: " + "; ".join(problems))
    return plugin  # type: ignore[return-value]


def _load_reference(ref: str) -> object:
    module_name, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class RegisteredPlugin:
    plugin: BankPlugin
    source: str  # "builtin" or the entry point's "module:attr"

    @property
    def manifest(self) -> PluginManifest:
        return self.plugin.manifest


class PluginRegistry:
    def __init__(self, plugins: Iterable[RegisteredPlugin] = (), errors: Sequence[str] = ()):
        self._plugins: dict[str, RegisteredPlugin] = {}
        self.errors: list[str] = list(errors)  # plugins that could not be loaded (shown in settings)
        for p in plugins:
            self.add(p)

    def add(self, registered: RegisteredPlugin) -> None:
        validate_plugin(registered.plugin)
        pid = registered.manifest.id
        if pid in self._plugins:
            raise PluginError(f"two bank plugins claim the id {pid!r} ({self._plugins[pid].source}, "
                              f"{registered.source})", code="PLUGIN_DUPLICATE")
        self._plugins[pid] = registered

    def ids(self) -> list[str]:
        return sorted(self._plugins)

    def manifests(self) -> list[PluginManifest]:
        return [self._plugins[i].manifest for i in self.ids()]

    def manifest(self, plugin_id: str) -> PluginManifest:
        return self._get(plugin_id).manifest

    def _get(self, plugin_id: str) -> RegisteredPlugin:
        try:
            return self._plugins[plugin_id]
        except KeyError:
            raise PluginError(f"no bank plugin with id {plugin_id!r} is installed", code="PLUGIN_NOT_FOUND") from None

    def connector(self, plugin_id: str, context: BankPluginContext) -> GuardedConnector:
        registered = self._get(plugin_id)
        inner = _guard(plugin_id, "create_connector", False,
                       lambda: registered.plugin.create_connector(context))
        return GuardedConnector(inner, registered.manifest)


def load_registry(*, builtins: dict[str, str] | None = None, include_entry_points: bool = True,
                  loader: Callable[[str], object] = _load_reference) -> PluginRegistry:
    """Built-ins first (a broken built-in is a bug: it raises), then entry points (a broken one is recorded
    in ``registry.errors`` and skipped; it may not shadow a built-in id)."""
    registry = PluginRegistry()
    for pid, ref in (BUILTIN_PLUGINS if builtins is None else builtins).items():
        plugin = loader(ref)
        registry.add(RegisteredPlugin(validate_plugin(plugin), "builtin"))
        if registry.manifest(pid).id != pid:
            raise PluginError(f"built-in {ref} declares id {registry.manifest(pid).id!r}, listed as {pid!r}")
    if include_entry_points:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                obj = ep.load()
                plugin = obj() if callable(obj) and not hasattr(obj, "manifest") else obj
                registry.add(RegisteredPlugin(validate_plugin(plugin), ep.value))
            except Exception as exc:  # a third-party plugin must not stop the application
                log.warning("bank plugin entry point %s skipped: %s", ep.value, exc)
                registry.errors.append(f"{ep.name} ({ep.value}): {exc}")
    return registry


# ---------------------------------------------------------------------------------------------------------
# The boundary


def _guard(plugin_id: str, operation: str, payment_send: bool, call: Callable[[], Any]) -> Any:
    """Run one plugin call; translate whatever escapes into the error kinds of app.domain.errors."""
    try:
        return call()
    except BankDirectError:
        raise  # DomainError (e.g. ValidationFailed), UserCancelled, OperationalError: already typed
    except Exception as exc:
        where = f"bank plugin {plugin_id}.{operation}"
        bank_code = getattr(exc, "bank_code", None)
        if isinstance(bank_code, str) and bank_code:
            raise BankRejected(f"{where}: the bank refused ({exc})", bank_code,
                               str(getattr(exc, "bank_text", ""))) from exc
        if payment_send:
            if isinstance(exc, ConnectionRefusedError | socket.gaierror):
                raise BankUnavailable(f"{where}: no connection to the bank ({exc})", code="PLUGIN_CONNECT") from exc
            # A timeout, a reset or a bug after the request may have left: only a status query can tell.
            raise OutcomeUnknown(f"{where} failed after the payment may have been sent ({type(exc).__name__}: "
                                 f"{exc}); query its status, do not resend", code="PLUGIN_FAILURE") from exc
        if isinstance(exc, TimeoutError | ConnectionError | socket.gaierror | ssl.SSLError | OSError):
            raise BankUnavailable(f"{where}: the bank could not be reached ({exc})", code="PLUGIN_CONNECT") from exc
        log.exception("%s raised %s", where, type(exc).__name__)
        raise OperationalError(f"{where} failed ({type(exc).__name__}: {exc})", code="PLUGIN_FAILURE") from exc


class GuardedConnector:
    """A BankConnector whose every call goes through the registry boundary."""

    def __init__(self, inner: BankConnector, manifest: PluginManifest):
        self._inner = inner
        self.manifest = manifest

    def _call(self, operation: str, call: Callable[[], Any], *, payment_send: bool = False) -> Any:
        return _guard(self.manifest.id, operation, payment_send, call)

    def prepare_submission(self, instructions: Sequence[PaymentInstruction], signer: Signer) -> SignedSubmission:
        return self._call("prepare_submission", lambda: self._inner.prepare_submission(instructions, signer))

    def send_submission(self, submission: SignedSubmission) -> list[SubmissionResult]:
        return self._call("send_submission", lambda: self._inner.send_submission(submission), payment_send=True)

    def submit_payment(self, instructions: Sequence[PaymentInstruction], signer: Signer) -> list[SubmissionResult]:
        submission = self.prepare_submission(instructions, signer)
        return self.send_submission(submission)

    def query_status(self, client_references: Sequence[str]) -> list[BankStatusReport]:
        return self._call("query_status", lambda: self._inner.query_status(client_references))

    def query_status_list(self, debit_account: str, date_from: date, date_to: date,
                          cursor: str | None = None) -> StatusListPage:
        return self._call("query_status_list",
                          lambda: self._inner.query_status_list(debit_account, date_from, date_to, cursor))

    def get_balances(self, accounts: Sequence[str]) -> list[Balance]:
        return self._call("get_balances", lambda: self._inner.get_balances(accounts))

    def get_transactions(self, account: str, date_from: date, date_to: date,
                         cursor: str | None = None) -> TransactionPage:
        return self._call("get_transactions",
                          lambda: self._inner.get_transactions(account, date_from, date_to, cursor))

    def get_receipt(self, client_reference: str, account: str | None = None) -> list[Receipt]:
        return self._call("get_receipt", lambda: self._inner.get_receipt(client_reference, account))

    def test_connection(self, account: str | None = None) -> list[ConnectionStep]:
        return self._call("test_connection", lambda: self._inner.test_connection(account))
