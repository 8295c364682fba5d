"""Translations: install the Qt translator for a language; the language choice lives in QSettings.

Source strings are English. ``lang=None`` follows the system locale (any Chinese locale → zh_CN, anything
else → English). Regenerate the catalogue after changing strings with ``python -m ui.i18n_build``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator

I18N_DIR = Path(__file__).resolve().parent.parent / "resources" / "i18n"
CATALOG = "bankdirect"
LANGUAGES = ("en", "zh_CN")
SETTINGS_KEY = "ui/language"     # "" = follow the system locale

_installed: list[QTranslator] = []


def resolve_language(lang: str | None) -> str:
    """Normalize a requested language (None/""/"system" → the system locale) to one of LANGUAGES."""
    if not lang or lang == "system":
        lang = QLocale.system().name()
    lowered = lang.replace("-", "_").lower()
    if lowered.startswith("zh"):
        return "zh_CN"
    return "en"


def saved_language(settings: QSettings) -> str | None:
    value = settings.value(SETTINGS_KEY, "")
    return str(value) if value else None


def save_language(settings: QSettings, lang: str | None) -> None:
    settings.setValue(SETTINGS_KEY, lang or "")
    settings.sync()


def install_translator(app: QCoreApplication, lang: str | None) -> str:
    """Install BankDirect's (and Qt's own) translations for ``lang``; return the language in effect."""
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    chosen = resolve_language(lang)
    if chosen == "en":
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return chosen
    QLocale.setDefault(QLocale(chosen))
    ours = QTranslator(app)
    if ours.load(f"{CATALOG}_{chosen}", str(I18N_DIR)):
        app.installTranslator(ours)
        _installed.append(ours)
    qt_own = QTranslator(app)
    if qt_own.load(f"qtbase_{chosen}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_own)
        _installed.append(qt_own)
    return chosen
