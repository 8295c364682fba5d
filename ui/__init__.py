"""The Qt desktop UI. Importing the package first applies the PySide6 6.12 reference-count workarounds
(ui/signals.py), so no window, test or benchmark can abort with "none_dealloc" / "bool_dealloc"."""

from ui import signals as _signals  # noqa: F401  (the workarounds run at import)
