"""Which bank a debit account pays through, and that bank's text rules (encoding, field lengths).

debit account → its connection profile (``connection_profile_id``; the profile's ``plugin_id`` is the plugin the
submission engine sends with) → the plugin's manifest (``limits.encoding``, ``limits.field_byte_lengths``,
``protocol``) → :class:`app.domain.bank_fields.WireTextRules`. An account without a profile falls back to its own
``plugin_id``. Used by the batch import (row problems) and by the signing service (the pre-sign check).

The manifest lookup is injected (``ConnectorFactory.manifest`` in the composition root); by default the plugin
registry's built-in and entry-point plugins are read once, lazily.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from app.domain.bank_fields import WireTextRules, wire_text_rules
from app.domain.errors import DomainError, OperationalError
from app.domain.master_data import BankAccount
from app.ports.bank import PluginManifest
from app.ports.batch_lines import BatchLineExtras

ManifestLookup = Callable[[str], PluginManifest]
LineExtrasFactory = Callable[[object], BatchLineExtras]

_registry_lock = threading.Lock()
_registry: list = []


def registry_manifests(plugin_id: str) -> PluginManifest:
    """The manifest of an installed plugin from the plugin registry (loaded once)."""
    with _registry_lock:
        if not _registry:
            from app.plugins.registry import load_registry

            _registry.append(load_registry())
    return _registry[0].manifest(plugin_id)


def plugin_of(uow, account: BankAccount):
    """(plugin id or None, connection profile or None) of a debit account."""
    profile = None
    if account.connection_profile_id is not None:
        profile = uow.profiles.get(account.connection_profile_id)
    plugin_id = profile.plugin_id if profile is not None else account.plugin_id
    return plugin_id or None, profile


def account_rules(uow, account: BankAccount, manifests: ManifestLookup) -> tuple[WireTextRules | None, str]:
    """(the bank's rules, "" ) — or (None, why not) when the account has no plugin or it is not installed."""
    plugin_id, profile = plugin_of(uow, account)
    if plugin_id is None:
        return None, ""
    try:
        manifest = manifests(plugin_id)
    except (OperationalError, DomainError, LookupError) as exc:
        return None, (f"the bank plugin {plugin_id!r} of account {account.account_number} is not available "
                      f"({getattr(exc, 'message', exc)}); the bank's own field lengths were not checked")
    limits = manifest.limits
    settings = dict(profile.settings) if profile is not None else {}
    return wire_text_rules(manifest.id, manifest.bank, manifest.protocol, limits.encoding, limits.field_byte_lengths,
                           settings), ""


def line_extras(uow, factory: LineExtrasFactory | None) -> BatchLineExtras:
    """The unit of work's batch-line extras: from the injected factory, else ``uow.batch_extras``."""
    if factory is not None:
        return factory(uow)
    extras = getattr(uow, "batch_extras", None)
    if extras is None:
        raise RuntimeError("the unit of work has no batch_extras and no line_extras factory was given: wire "
                           "storage.batch_lines_extra.SqlBatchLineExtras in the composition root")
    return extras
