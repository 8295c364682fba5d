"""Shown texts and colours for bank connectivity: test-tool step names, certificate levels, amounts, times.

Services speak English and stable codes (step ``name``, certificate ``level``); the screens translate them
here so every bank view shows the same words and colours.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from app.domain.money import format_amount

translate = QCoreApplication.translate

STEP_NAMES: dict[str, str] = {
    "dns": QT_TRANSLATE_NOOP("BankText", "Name resolution (DNS)"),
    "tcp": QT_TRANSLATE_NOOP("BankText", "TCP connection"),
    "tls": QT_TRANSLATE_NOOP("BankText", "TLS handshake"),
    "server_certificate": QT_TRANSLATE_NOOP("BankText", "Bank server certificate"),
    "pin": QT_TRANSLATE_NOOP("BankText", "Server certificate pin"),
    "client_certificate": QT_TRANSLATE_NOOP("BankText", "Our client certificate"),
    "bank_query": QT_TRANSLATE_NOOP("BankText", "Signed query to the bank"),
    "balance": QT_TRANSLATE_NOOP("BankText", "Balance query"),
    "profile": QT_TRANSLATE_NOOP("BankText", "Connection profile"),
    "plugin": QT_TRANSLATE_NOOP("BankText", "Bank plugin"),
}

CERT_KINDS: dict[str, str] = {
    "ca": QT_TRANSLATE_NOOP("BankText", "Bank CA (trust)"),
    "client": QT_TRANSLATE_NOOP("BankText", "Client certificate"),
    "bank": QT_TRANSLATE_NOOP("BankText", "Bank signing certificate"),
    "bank_signing": QT_TRANSLATE_NOOP("BankText", "Bank signing certificate"),
    "signer": QT_TRANSLATE_NOOP("BankText", "Signing certificate"),
}

LEVEL_TEXTS: dict[str, str] = {
    "ok": QT_TRANSLATE_NOOP("BankText", "Valid"),
    "warn60": QT_TRANSLATE_NOOP("BankText", "Expires within 60 days"),
    "warn30": QT_TRANSLATE_NOOP("BankText", "Expires within 30 days"),
    "warn7": QT_TRANSLATE_NOOP("BankText", "Expires within 7 days"),
    "expired": QT_TRANSLATE_NOOP("BankText", "EXPIRED"),
}

# Background of a certificate row by level; text colour for the dashboard warning lines.
LEVEL_BACKGROUNDS = {"warn60": "#fff8e1", "warn30": "#ffe0b2", "warn7": "#ffcdd2", "expired": "#ef9a9a"}
LEVEL_FOREGROUNDS = {"warn60": "#8d6e00", "warn30": "#b26a00", "warn7": "#c62828", "expired": "#b71c1c"}
LEVEL_ORDER = ("expired", "warn7", "warn30", "warn60", "ok")

DEBIT_COLOUR = "#c62828"
CREDIT_COLOUR = "#2e7d32"


def urgent_first(certs: list[Any]) -> list[Any]:
    """Certificates, most urgent level first, then by days left."""
    rank = {level: i for i, level in enumerate(LEVEL_ORDER)}
    return sorted(certs, key=lambda c: (rank.get(c.level, len(rank)), c.days_left, c.profile_name))


def step_name(name: str) -> str:
    source = STEP_NAMES.get(name)
    return translate("BankText", source) if source else name


def cert_kind(kind: str) -> str:
    source = CERT_KINDS.get(kind)
    return translate("BankText", source) if source else kind


def level_text(level: str) -> str:
    source = LEVEL_TEXTS.get(level)
    return translate("BankText", source) if source else level


def amount_text(amount_minor: int | None) -> str:
    """``1,234,567.89`` (integer arithmetic), or an empty string for no amount."""
    return "" if amount_minor is None else format_amount(amount_minor)


def plain_amount(amount_minor: int) -> str:
    """``-1234.56``: no separators (exports)."""
    sign = "-" if amount_minor < 0 else ""
    major, minor = divmod(abs(amount_minor), 100)
    return f"{sign}{major}.{minor:02d}"


def signed_colour(amount_minor: int | None) -> str | None:
    if amount_minor is None or amount_minor == 0:
        return None
    return DEBIT_COLOUR if amount_minor < 0 else CREDIT_COLOUR


def local_time(at: datetime | None) -> str:
    """A stored UTC time shown in the workstation's local time, to the minute."""
    if at is None:
        return ""
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def local_seconds(at: datetime | None) -> str:
    if at is None:
        return ""
    return at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
