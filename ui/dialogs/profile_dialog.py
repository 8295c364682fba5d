"""Add or edit a bank connection profile (银行连接配置): endpoint, plugin, certificates, pins, timeouts.

Certificates are imported from files (PEM, or PKCS#12 ``.p12``/``.pfx`` for the client certificate with its
key); the password goes to the service, which keeps it in the SecretStore. When editing, an empty file field
keeps the certificate already stored. Every problem is shown inline under its field (``f"{field}Error"``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtWidgets import QWidget

from app.domain.errors import Problem, ValidationFailed
from app.domain.users import Actor
from app.services import Services
from ui.dialogs.form_dialog import FormDialog
from ui.widgets.file_picker import FilePicker

FILE_FIELDS = ("ca_cert_file", "client_cert_file", "client_key_file", "bank_cert_file")
# Field names the service may use in its problems → the form field that shows them.
FIELD_ALIASES = {
    "settings.login_name": "login_name",
    "ca_cert_pem": "ca_cert_file",
    "ca_cert": "ca_cert_file",
    "client_cert_pem": "client_cert_file",
    "client_cert": "client_cert_file",
    "client_key": "client_key_file",
    "client_key_pem": "client_key_file",
    "bank_cert_pem": "bank_cert_file",
    "bank_cert": "bank_cert_file",
}
_NUMBER = re.compile(r"[0-9]{1,4}(\.[0-9]{1,3})?", re.ASCII)
_SETTING_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}", re.ASCII)


def form_field(field: str | None) -> str | None:
    if field is None:
        return None
    if field in FIELD_ALIASES:
        return FIELD_ALIASES[field]
    if field.startswith("pins"):
        return "pins"
    if field.startswith("settings."):
        return "settings"
    return field


def to_form_problems(problems: Iterable[Problem]) -> list[Problem]:
    out = []
    for p in problems:
        target = form_field(p.field)
        out.append(p if target == p.field else dataclasses.replace(p, field=target))
    return out


def parse_settings(text: str) -> tuple[dict[str, str], list[Problem]]:
    """``key=value`` pairs separated by ``;`` or new lines (plugin-specific settings besides the login name)."""
    settings: dict[str, str] = {}
    problems: list[Problem] = []
    for part in re.split(r"[;\n]", text):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or not _SETTING_KEY.fullmatch(key):
            problems.append(Problem("SETTINGS_FORMAT", f"write plugin settings as key=value; {part!r} is not",
                                    "settings"))
            continue
        settings[key] = value.strip()
    return settings, problems


def parse_pins(text: str) -> list[str]:
    return [p for p in re.split(r"[\s,;]+", text.strip()) if p]


def parse_timeout(text: str) -> object:
    """A number of seconds when the text is one; otherwise the text itself, for the service to report."""
    text = text.strip()
    if _NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    return text


class ProfileDialog(FormDialog):
    def __init__(self, services: Services, actor: Actor, plugin_choices: Sequence[tuple[str, str]],
                 profile: Any | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent, self.tr("Edit connection profile") if profile else self.tr("New connection profile"),
                         self.tr("How this workstation reaches one bank: its address, the bank plugin that speaks "
                                 "its dialect, and the certificates issued for the connection."))
        self.setObjectName("profileDialog")
        self.setMinimumWidth(640)
        self._profiles = services.profiles
        self._actor = actor
        self._profile = profile
        f = self.form
        f.add_line("name", self.tr("Profile name"), placeholder=self.tr("e.g. CMB Shenzhen direct link"))
        choices = list(plugin_choices)
        if profile is not None and profile.plugin_id not in {pid for pid, _t in choices}:
            choices.append((profile.plugin_id, self.tr("{id} (not installed)").replace("{id}", profile.plugin_id)))
        f.add_combo("plugin_id", self.tr("Bank plugin"), choices)
        f.add_line("base_url", self.tr("Bank address (URL)"), placeholder="https://bank.example.com:8443/")
        f.add_line("login_name", self.tr("Login name at the bank"),
                   placeholder=self.tr("The user name the bank assigned to this direct link"))
        f.add_line("settings", self.tr("Other plugin settings"), placeholder=self.tr("key=value; key=value"))
        keep = self.tr("Empty: keep the certificate already stored")
        pem = self.tr("Certificates (*.pem *.crt *.cer);;All files (*)")
        self._file(f, "ca_cert_file", self.tr("Bank CA certificate (trust)"), pem, keep if profile else "")
        self._file(f, "client_cert_file", self.tr("Client certificate (PEM or PKCS#12)"),
                   self.tr("Certificates (*.pem *.crt *.p12 *.pfx);;All files (*)"), keep if profile else "")
        self._file(f, "client_key_file", self.tr("Client private key (PEM, optional)"),
                   self.tr("Keys (*.pem *.key);;All files (*)"),
                   self.tr("Not needed for PKCS#12 files, which carry the key"))
        f.add_line("client_key_password", self.tr("Key / PKCS#12 password"), password=True,
                   placeholder=self.tr("Kept in the system key store, never in the ledger"))
        self._file(f, "bank_cert_file", self.tr("Bank signing certificate"), pem, keep if profile else "")
        f.add_line("pins", self.tr("Server key pins"),
                   placeholder=self.tr("Current pin, backup pin (sha256/… separated by commas)"))
        f.add_line("connect_timeout_s", self.tr("Connect timeout (s)"), placeholder="10")
        f.add_line("read_timeout_s", self.tr("Read timeout (s)"), placeholder="30")
        if profile is not None:
            extra = {k: v for k, v in dict(profile.settings or {}).items() if k != "login_name"}
            f.set_values({"name": profile.name, "plugin_id": profile.plugin_id, "base_url": profile.base_url,
                          "login_name": dict(profile.settings or {}).get("login_name", ""),
                          "settings": "; ".join(f"{k}={v}" for k, v in extra.items()),
                          "pins": ", ".join(profile.pins), "connect_timeout_s": profile.connect_timeout_s,
                          "read_timeout_s": profile.read_timeout_s})
        else:
            f.set_values({"connect_timeout_s": 10, "read_timeout_s": 30})
        self.enable_live_checks()

    def _file(self, form, key: str, label: str, name_filter: str, placeholder: str) -> FilePicker:
        picker = FilePicker(label, name_filter, form, placeholder=placeholder)
        form.add_widget(key, label, picker)
        picker.edit.textChanged.connect(lambda _t, k=key: form._on_edited(k))
        return picker

    # -- values -------------------------------------------------------------------------------------------
    def values(self) -> dict:
        v = self.form.values()
        settings, _problems = parse_settings(str(v.pop("settings") or ""))
        login = str(v.pop("login_name") or "").strip()
        if login:
            settings["login_name"] = login
        fields: dict[str, Any] = {
            "name": str(v["name"]).strip(),
            "plugin_id": v["plugin_id"] or "",
            "base_url": str(v["base_url"]).strip(),
            "settings": settings,
            "pins": parse_pins(str(v["pins"])),
            "connect_timeout_s": parse_timeout(str(v["connect_timeout_s"])),
            "read_timeout_s": parse_timeout(str(v["read_timeout_s"])),
        }
        for key in FILE_FIELDS:
            if v[key]:
                fields[key] = v[key]
        if v["client_key_password"]:
            fields["client_key_password"] = v["client_key_password"]
        if self._profile is not None:
            fields["profile_id"] = self._profile.id
        return fields

    def check(self, values: dict) -> list[Problem]:
        _settings, local = parse_settings(str(self.form.value("settings") or ""))
        return local + to_form_problems(self._profiles.validate_profile(self._service_fields(values)))

    @staticmethod
    def _service_fields(values: dict) -> dict:
        return {k: v for k, v in values.items() if k != "profile_id"}

    def save_call(self, values: dict) -> Callable[[], Any]:
        profiles, actor, profile = self._profiles, self._actor, self._profile
        fields = self._service_fields(values)
        if profile is None:
            return lambda: profiles.save_profile(actor, fields)
        return lambda: profiles.save_profile(actor, fields, profile_id=profile.id,
                                             expected_version=profile.version)

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationFailed):
            exc = ValidationFailed(to_form_problems(exc.problems))
        elif getattr(exc, "field", None) and form_field(exc.field) != exc.field:
            exc.field = form_field(exc.field)
        super()._on_failed(exc)
