"""The bank-plugin registry (built-in plugins listed explicitly, third-party ones via entry points)."""

from app.plugins.registry import (
    BUILTIN_PLUGINS,
    ENTRY_POINT_GROUP,
    GuardedConnector,
    PluginError,
    PluginRegistry,
    load_registry,
    manifest_problems,
)

__all__ = [
    "BUILTIN_PLUGINS",
    "ENTRY_POINT_GROUP",
    "GuardedConnector",
    "PluginError",
    "PluginRegistry",
    "load_registry",
    "manifest_problems",
]
