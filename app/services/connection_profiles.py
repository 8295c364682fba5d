"""Bank connection profiles: endpoint, plugin, certificates, pins, limits; the certificate inventory; the
interface test tool (接口测试). ADMIN changes profiles; every change is audited; the client private key goes
only to the SecretStore (``profile/<id>/client-key``), never to the database, the audit log or a log line.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.domain.banking import (
    BankAuditAction,
    CertificateFacts,
    CertificateInfo,
    ConnectionProfile,
    MessageLogRecord,
    certificate_level,
    client_key_secret_name,
)
from app.domain.errors import (
    Conflict,
    DomainError,
    NotFound,
    OperationalError,
    Problem,
    Severity,
    ValidationFailed,
    errors_only,
)
from app.domain.master_data import BankAccount
from app.domain.users import Actor, Role
from app.ports import Clock, SecretStore, UnitOfWorkFactory
from app.ports.bank import ConnectionStep, PluginManifest
from app.ports.banking import ConnectorFactory, CredentialReader
from app.services.message_log_store import store_messages
from app.services.permissions import require_any, require_logged_in

MAX_CERT_FILE_BYTES = 256 * 1024
_SETTING_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
PROFILE_FIELDS = ("name", "plugin_id", "base_url", "settings", "ca_cert_file", "ca_cert_pem", "client_cert_file",
                  "client_cert_pem", "client_key_file", "client_key_pem", "client_key_password", "bank_cert_file",
                  "bank_cert_pem", "pins", "connect_timeout_s", "read_timeout_s")

_CLIENT_CERT_HINT = ("our client certificate has expired or is not yet valid: ask the bank for a new client "
                     "certificate, import it into this profile (证书更新) and run the test again")


def is_loopback_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Prepared:
    """The outcome of checking a profile form: column values, the client key (secret) and all problems."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.key_pem: str | None = None
        self.problems: list[Problem] = []

    def add(self, code: str, message: str, field: str | None, warning: bool = False) -> None:
        self.problems.append(Problem(code, message, field, Severity.WARNING if warning else Severity.ERROR))


class ConnectionProfileService:
    def __init__(self, uow: UnitOfWorkFactory, secrets: SecretStore, connectors: ConnectorFactory,
                 credentials: CredentialReader, clock: Clock, *, is_demo: Callable[[], bool] = lambda: False,
                 message_log_keep: int = 100_000):
        self._uow = uow
        self._secrets = secrets
        self._connectors = connectors
        self._credentials = credentials
        self._clock = clock
        self._is_demo = is_demo
        self._keep = message_log_keep

    # -- reading -------------------------------------------------------------------------------------------
    def plugins(self) -> list[PluginManifest]:
        return [self._connectors.manifest(pid) for pid in self._connectors.plugin_ids()]

    def list_profiles(self, actor: Actor) -> list[ConnectionProfile]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.profiles.list()

    def get_profile(self, actor: Actor, profile_id: int) -> ConnectionProfile:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            profile = uow.profiles.get(profile_id)
        if profile is None:
            raise NotFound("connection profile", profile_id)
        return profile

    def find_profile(self, actor: Actor, key: str) -> ConnectionProfile:
        """By name or id (what CLI users type)."""
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            profile = uow.profiles.get_by_name(key.strip())
            if profile is None and key.strip().isdigit():
                profile = uow.profiles.get(int(key.strip()))
        if profile is None:
            raise NotFound("connection profile", key)
        return profile

    # -- validation ----------------------------------------------------------------------------------------
    def validate_profile(self, fields: Mapping[str, Any]) -> list[Problem]:
        """Every problem of a profile form (errors and warnings), without saving anything."""
        return self._prepare(fields, None).problems

    def _prepare(self, fields: Mapping[str, Any], existing: ConnectionProfile | None) -> _Prepared:
        p = _Prepared()
        unknown = sorted(set(fields) - set(PROFILE_FIELDS))
        if unknown:
            p.add("FIELD_UNKNOWN", f"unknown field(s): {', '.join(unknown)}", unknown[0])
        self._check_name(fields, existing, p)
        self._check_plugin(fields, existing, p)
        self._check_url(fields, existing, p)
        self._check_settings(fields, p)
        self._check_timeouts(fields, p)
        self._check_pins(fields, p)
        for kind in ("ca", "bank"):
            self._check_certificate(kind, fields, existing, p)
        self._check_client(fields, existing, p)
        return p

    def _check_name(self, fields: Mapping[str, Any], existing: ConnectionProfile | None, p: _Prepared) -> None:
        if "name" not in fields and existing is not None:
            return
        name = fields.get("name")
        if not isinstance(name, str) or not name.strip():
            p.add("FIELD_REQUIRED", "give the profile a name", "name")
        elif _CONTROL.search(name):
            p.add("TEXT_CHARSET", "the name contains control or invisible characters", "name")
        elif len(name.strip()) > 100:
            p.add("TEXT_LENGTH", "the name is longer than 100 characters", "name")
        else:
            p.values["name"] = name.strip()

    def _check_plugin(self, fields: Mapping[str, Any], existing: ConnectionProfile | None, p: _Prepared) -> None:
        if "plugin_id" not in fields and existing is not None:
            return
        plugin = fields.get("plugin_id")
        ids = self._connectors.plugin_ids()
        if not isinstance(plugin, str) or plugin not in ids:
            p.add("PLUGIN_UNKNOWN", f"{plugin!r} is not an installed bank plugin; choose one of: {', '.join(ids)}",
                  "plugin_id")
        else:
            p.values["plugin_id"] = plugin

    def _check_url(self, fields: Mapping[str, Any], existing: ConnectionProfile | None, p: _Prepared) -> None:
        if "base_url" not in fields and existing is not None:
            return
        url = fields.get("base_url")
        if not isinstance(url, str) or not url.strip():
            p.add("FIELD_REQUIRED", "give the bank endpoint (https://host:port)", "base_url")
            return
        url = url.strip()
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            p.add("URL_FORMAT", f"{url!r} is not a valid URL", "base_url")
            return
        if parts.scheme != "https":
            p.add("URL_SCHEME", "the bank endpoint must use https://", "base_url")
        elif not parts.hostname or parts.username or parts.password or parts.query or parts.fragment \
                or _CONTROL.search(url) or " " in url:
            p.add("URL_FORMAT", f"{url!r} must be https://host[:port][/path] without user, query or fragment",
                  "base_url")
        elif port == 0:
            p.add("URL_FORMAT", "port 0 is not a valid port", "base_url")
        elif self._is_demo() and not is_loopback_host(parts.hostname):
            p.add("DEMO_LOOPBACK_ONLY", "a demo ledger connects only to the sandbox bank on this computer "
                  "(127.0.0.1 / localhost), never to a real bank", "base_url")
        else:
            p.values["base_url"] = url.rstrip("/")

    @staticmethod
    def _check_settings(fields: Mapping[str, Any], p: _Prepared) -> None:
        if "settings" not in fields:
            return
        settings = fields.get("settings") or {}
        if not isinstance(settings, Mapping):
            p.add("FIELD_VALUE", "settings must be a mapping of name → text", "settings")
            return
        clean = {}
        for key, value in settings.items():
            if not isinstance(key, str) or not _SETTING_KEY.fullmatch(key):
                p.add("FIELD_VALUE", f"setting name {key!r} must be lower-case letters, digits or '_'", "settings")
            elif not isinstance(value, str) or _CONTROL.search(value) or len(value) > 200:
                p.add("FIELD_VALUE", f"setting {key} must be text of at most 200 characters", "settings")
            else:
                clean[key] = value
        p.values["settings"] = clean

    @staticmethod
    def _check_timeouts(fields: Mapping[str, Any], p: _Prepared) -> None:
        for name in ("connect_timeout_s", "read_timeout_s"):
            if name not in fields or fields[name] in (None, ""):
                continue
            raw = fields[name]
            try:
                value = float(str(raw)) if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3})?", str(raw).strip()) else None
            except ValueError:
                value = None
            if value is None or not (0.5 <= value <= 300):
                p.add("TIMEOUT_RANGE", f"{name} must be a number of seconds between 0.5 and 300, got {raw!r}", name)
            else:
                p.values[name] = value

    def _check_pins(self, fields: Mapping[str, Any], p: _Prepared) -> None:
        if "pins" not in fields:
            return
        pins = fields.get("pins") or []
        if isinstance(pins, str):
            pins = [x for x in re.split(r"[\s,]+", pins) if x]
        clean: list[str] = []
        for pin in pins:
            problem = self._credentials.pin_problem(pin)
            if problem:
                p.add("PIN_FORMAT", problem, "pins")
            elif pin.strip() not in clean:
                clean.append(pin.strip())
        if len(clean) > 4:
            p.add("PIN_COUNT", "at most 4 pins (current and backup keys)", "pins")
        p.values["pins"] = tuple(clean)

    def _read_file(self, path_value: Any, field: str, p: _Prepared) -> bytes | None:
        path = Path(str(path_value)).expanduser()
        try:
            if not path.is_file():
                p.add("FILE_NOT_FOUND", f"no such file: {path}", field)
                return None
            if path.stat().st_size > MAX_CERT_FILE_BYTES:
                p.add("FILE_SIZE", f"{path} is larger than {MAX_CERT_FILE_BYTES // 1024} KiB: not a certificate",
                      field)
                return None
            return path.read_bytes()
        except OSError as exc:
            p.add("FILE_UNREADABLE", f"{path} cannot be read ({exc.strerror})", field)
            return None

    def _expiry(self, facts: CertificateFacts, what: str, field: str, p: _Prepared) -> None:
        now = self._clock.now()
        if facts.not_after < now:
            p.add("CERT_EXPIRED", f"the {what} expired on {facts.not_after:%Y-%m-%d}", field, warning=True)
        elif facts.not_before > now:
            p.add("CERT_NOT_YET_VALID", f"the {what} is valid only from {facts.not_before:%Y-%m-%d}", field,
                  warning=True)

    def _check_certificate(self, kind: str, fields: Mapping[str, Any], existing: ConnectionProfile | None,
                           p: _Prepared) -> None:
        file_key, pem_key = f"{kind}_cert_file", f"{kind}_cert_pem"
        what = "bank's CA certificate" if kind == "ca" else "bank's signing certificate"
        data: bytes | None
        if fields.get(file_key):
            data = self._read_file(fields[file_key], file_key, p)
            if data is None:
                return
        elif fields.get(pem_key):
            data = str(fields[pem_key]).encode("ascii", "replace")
        else:
            if existing is None and kind == "ca":
                p.add("FIELD_REQUIRED", "import the bank's CA certificate (the trust store of this profile)", file_key)
            return
        try:
            facts = self._credentials.certificate(data)
            p.values[pem_key] = self._credentials.normalise_pem(data)
        except ValueError as exc:
            p.add("CERT_UNREADABLE", f"the {what} cannot be read: {exc}", file_key)
            return
        self._expiry(facts, what, file_key, p)

    def _check_client(self, fields: Mapping[str, Any], existing: ConnectionProfile | None, p: _Prepared) -> None:
        password = fields.get("client_key_password") or None
        if fields.get("client_cert_file"):
            data = self._read_file(fields["client_cert_file"], "client_cert_file", p)
            if data is None:
                return
            pkcs12 = Path(str(fields["client_cert_file"])).suffix.lower() in (".p12", ".pfx")
        elif fields.get("client_cert_pem"):
            data, pkcs12 = str(fields["client_cert_pem"]).encode("ascii", "replace"), False
        else:
            if fields.get("client_key_file"):
                p.add("FIELD_REQUIRED", "a client key was given without its certificate", "client_cert_file")
            return
        key_data = None
        if fields.get("client_key_file"):
            key_data = self._read_file(fields["client_key_file"], "client_key_file", p)
            if key_data is None:
                return
        elif fields.get("client_key_pem"):
            key_data = str(fields["client_key_pem"]).encode("ascii", "replace")
        cert_pem, key_pem, problems = self._credentials.client_credentials(data, key_data, password, pkcs12=pkcs12)
        p.problems.extend(problems)
        if not errors_only(problems) and cert_pem:
            p.values["client_cert_pem"] = cert_pem
            p.values["has_client_key"] = True
            p.key_pem = key_pem
            self._expiry(self._credentials.certificate(cert_pem.encode("ascii")), "client certificate",
                         "client_cert_file", p)

    # -- saving --------------------------------------------------------------------------------------------
    def save_profile(self, actor: Actor, fields: Mapping[str, Any], *, profile_id: int | None = None,
                     expected_version: int | None = None) -> ConnectionProfile:
        require_any(actor, Role.ADMIN, doing="change bank connection profiles")
        existing = None
        if profile_id is not None:
            if expected_version is None:
                raise DomainError("VERSION_REQUIRED", "give the version of the profile you edited")
            existing = self.get_profile(actor, profile_id)
        prepared = self._prepare(fields, existing)
        if errors_only(prepared.problems):
            raise ValidationFailed(prepared.problems)
        values = prepared.values
        with self._uow() as uow:
            name = values.get("name")
            other = uow.profiles.get_by_name(name) if name else None
            if other is not None and other.id != profile_id:
                raise Conflict("DUPLICATE", f"a connection profile named {name} already exists", "name")
            if existing is None:
                saved = uow.profiles.add(values)
                action = BankAuditAction.PROFILE_CREATED
            else:
                saved = uow.profiles.update(existing.id, expected_version, values)  # type: ignore[arg-type]
                action = BankAuditAction.PROFILE_UPDATED
            if prepared.key_pem is not None:
                self._secrets.set_secret(client_key_secret_name(saved.id), prepared.key_pem)
            uow.audit.append(actor, action, "connection_profile", str(saved.id), self._audit_payload(values))
            try:
                uow.commit()
            except BaseException:
                if prepared.key_pem is not None and existing is None:
                    self._secrets.delete_secret(client_key_secret_name(saved.id))
                raise
        return saved

    def _audit_payload(self, values: Mapping[str, Any]) -> dict:
        out: dict[str, Any] = {}
        for key, value in values.items():
            if key.endswith("_pem"):  # certificates by fingerprint, never the text (and never a key)
                out[key.replace("_pem", "_sha256")] = [c.fingerprint_sha256 for c in
                                                       self._credentials.certificates(value.encode("ascii"))]
            elif key == "pins":
                out[key] = list(value)
            else:
                out[key] = value
        return out

    def link_account(self, actor: Actor, account_id: int, profile_id: int | None) -> BankAccount:
        require_any(actor, Role.ADMIN, doing="link bank accounts to connection profiles")
        with self._uow() as uow:
            account = uow.accounts.get(account_id)
            if account is None:
                raise NotFound("bank account", account_id)
            if profile_id is not None and uow.profiles.get(profile_id) is None:
                raise NotFound("connection profile", profile_id)
            if account.connection_profile_id == profile_id:
                return account
            updated = uow.accounts.update(account_id, account.version, {"connection_profile_id": profile_id})
            uow.audit.append(actor, BankAuditAction.ACCOUNT_PROFILE_LINKED, "bank_account", str(account_id),
                             {"connection_profile_id": {"from": account.connection_profile_id, "to": profile_id}})
            uow.commit()
            return updated

    # -- certificate inventory -----------------------------------------------------------------------------
    def certificates(self, actor: Actor) -> list[CertificateInfo]:
        """Every certificate of every profile, soonest expiry first."""
        require_logged_in(actor)
        now = self._clock.now()
        rows: list[CertificateInfo] = []
        for profile in self.list_profiles(actor):
            for kind, pem in (("ca", profile.ca_cert_pem), ("client", profile.client_cert_pem),
                              ("bank_signing", profile.bank_cert_pem)):
                if not pem:
                    continue
                try:
                    facts_list = self._credentials.certificates(pem.encode("ascii"))
                except ValueError:
                    continue
                for facts in facts_list[:1] if kind == "client" else facts_list:
                    days = (facts.not_after - now).days if facts.not_after >= now else \
                        -((now - facts.not_after).days + 1)
                    rows.append(CertificateInfo(profile.id, profile.name, kind, facts.subject, facts.issuer,
                                                facts.not_after, days, certificate_level(days).value))
        rows.sort(key=lambda r: (r.not_after, r.profile_name, r.kind))
        return rows

    # -- interface test tool -------------------------------------------------------------------------------
    def _resolve(self, actor: Actor, account_id: int | None, profile_id: int | None
                 ) -> tuple[ConnectionProfile, BankAccount | None]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            account = None
            if account_id is not None:
                account = uow.accounts.get(account_id)
                if account is None:
                    raise NotFound("bank account", account_id)
                profile_id = account.connection_profile_id
                if profile_id is None:
                    raise DomainError("NO_PROFILE", f"the account {account.account_number} has no connection "
                                      "profile: link it to one first")
            if profile_id is None:
                raise DomainError("FIELD_REQUIRED", "give an account or a connection profile to test")
            profile = uow.profiles.get(profile_id)
        if profile is None:
            raise NotFound("connection profile", profile_id)
        return profile, account

    def _client_certificate_valid(self, profile: ConnectionProfile) -> ConnectionStep | None:
        """A failing step when our client certificate is expired or not yet valid, else None."""
        if not profile.client_cert_pem:
            return None
        facts = self._credentials.certificate(profile.client_cert_pem.encode("ascii"))
        now = self._clock.now()
        if facts.not_before <= now <= facts.not_after:
            return None
        return ConnectionStep("client_certificate", False,
                              f"our client certificate ({facts.subject}) is valid from {facts.not_before:%Y-%m-%d} "
                              f"to {facts.not_after:%Y-%m-%d}; the bank refuses the TLS handshake",
                              _CLIENT_CERT_HINT, "CLIENT_CERT_EXPIRED")

    def test_connection(self, actor: Actor, *, account_id: int | None = None,
                        profile_id: int | None = None) -> list[ConnectionStep]:
        """Name resolution → TCP → TLS → server certificate and pin → client certificate → signed query.
        Stops at the first failing step; each failing step says what to do."""
        profile, account = self._resolve(actor, account_id, profile_id)
        messages: list[MessageLogRecord] = []
        try:
            with self._connectors.open(profile, messages.append) as session:
                try:
                    steps = list(session.connector.test_connection(account.account_number if account else None))
                except OperationalError as exc:
                    steps = [ConnectionStep("bank_query", False, exc.message, "check the profile and try again",
                                            exc.code)]
        except OperationalError as exc:
            steps = [ConnectionStep("profile", False, exc.message, "complete the connection profile (CA, client "
                                    "certificate and key) and run the test again", exc.code)]
        steps = self._explain(profile, steps)
        store_messages(self._uow, messages, self._keep)
        return steps

    def _explain(self, profile: ConnectionProfile, steps: list[ConnectionStep]) -> list[ConnectionStep]:
        """Name our expired client certificate as the failing step instead of a generic TLS failure."""
        expired = self._client_certificate_valid(profile)
        if expired is None:
            return steps
        out: list[ConnectionStep] = []
        for step in steps:
            if not step.ok and step.name in ("tls", "client_certificate", "bank_query"):
                out.append(expired)
                return out
            out.append(step)
        return out  # the failure happened before TLS (DNS, TCP, pin): that step comes first

