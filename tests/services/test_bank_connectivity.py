"""Bank connectivity through the services against a real sandbox bank process: balances agree with the
bank's own report, transaction details page and store idempotently, the interface test tool names the
failing step (wrong pin, expired client certificate), bad profile input changes nothing, and the client
key never reaches the database."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

from app.domain.banking import CertificateLevel, certificate_level, client_key_secret_name
from app.domain.errors import PermissionDenied, ValidationFailed
from app.services.demo_data import DEMO_PASSWORD, DEMO_PROFILE_NAME
from sandbox_bank import admin as sandbox_admin

ZERO_PIN = "sha256/" + base64.b64encode(bytes(32)).decode()


def login(ctx, user="admin"):
    return ctx.services.auth.login(user, DEMO_PASSWORD)


def demo_profile(ctx):
    return next(p for p in ctx.services.profiles.list_profiles(login(ctx)) if p.name == DEMO_PROFILE_NAME)


def creds(state: Path) -> Path:
    return state / "credentials"


def issue_client_cert(state: Path, out: Path, *, days_valid: tuple[int, int]) -> tuple[Path, Path]:
    """A client certificate from the sandbox's own CA with the given validity window (days from now)."""
    ca_key = serialization.load_pem_private_key((state / "private" / "ca-key.pem").read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate((creds(state) / "ca.pem").read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "client expired")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now + dt.timedelta(days=days_valid[0]))
            .not_valid_after(now + dt.timedelta(days=days_valid[1]))
            .sign(ca_key, hashes.SHA256()))
    out.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = out / "client.pem", out / "client-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def profile_fields(state: Path, **over) -> dict:
    c = creds(state)
    fields = {"name": "测试档案", "plugin_id": "cmb_fbsdk", "base_url": "https://127.0.0.1:1",
              "settings": {"login_name": "TEST"}, "ca_cert_file": str(c / "ca.pem"),
              "client_cert_file": str(c / "demo-client.pem"), "client_key_file": str(c / "demo-client-key.pem"),
              "bank_cert_file": str(c / "bank-signing.pem"), "pins": []}
    fields.update(over)
    return fields


# -- balances and totals ----------------------------------------------------------------------------------

def test_balances_of_all_demo_accounts_match_the_sandbox_report(sandbox_demo):
    ctx, state = sandbox_demo
    maker = login(ctx, "maker")
    balances = ctx.services.bank_data.refresh_balances(maker, force=True)
    bank = {b["account"]: (b["balance_minor"], b["currency"]) for b in sandbox_admin.report(state)["balances"]}
    assert len(balances) == 4
    for b in balances:
        assert b.error is None
        assert (b.available_minor, b.currency) == bank[b.account_number]
        assert type(b.available_minor) is int and b.as_of is not None
    latest = {b.account_number: b.available_minor for b in ctx.services.bank_data.latest_balances(maker)}
    assert latest == {k: v[0] for k, v in bank.items()}
    totals = {(t.bank_name, t.currency): t.total_minor for t in ctx.services.bank_data.totals_by_bank(maker)}
    assert totals[("招商银行", "CNY")] == bank["755915678810001"][0]
    assert totals[("中国银行", "USD")] == bank["745678901234"][0]


def test_refresh_within_the_plugin_interval_does_not_ask_the_bank_again(sandbox_demo):
    ctx, _ = sandbox_demo
    maker = login(ctx, "maker")
    data = ctx.services.bank_data
    data.refresh_balances(maker, force=True)
    before = data.message_count(maker)
    data.refresh_balances(maker)  # cmb_fbsdk: min_query_interval_s = 10
    assert data.message_count(maker) == before
    data.refresh_balances(maker, force=True)
    assert data.message_count(maker) > before


# -- transaction details ----------------------------------------------------------------------------------

def test_transactions_are_paged_stored_once_and_agree_with_the_bank(sandbox_demo):
    ctx, state = sandbox_demo
    admin, profiles, data = login(ctx), ctx.services.profiles, ctx.services.bank_data
    profile = demo_profile(ctx)
    profiles.save_profile(admin, {"settings": {"login_name": "DEMO", "page_rows": "5"}}, profile_id=profile.id,
                          expected_version=profile.version)
    try:
        account = ctx.services.master_data.find_account(admin, "755915678810001")
        today = dt.datetime.now(dt.UTC).date()
        start = today - dt.timedelta(days=60)
        messages_before = data.message_count(admin)
        new = data.fetch_transactions(admin, account.id, start, today)
        ledger = sandbox_admin.open_ledger(state)
        try:
            entries = ledger.entries("755915678810001", 0, 10**11)
        finally:
            ledger.close()
        assert new == len(entries) > 5
        # several pages: each page is a request and an answer in the message log
        assert data.message_count(admin) - messages_before >= 2 * ((len(entries) + 4) // 5)
        assert data.fetch_transactions(admin, account.id, start, today) == 0  # idempotent
        rows = data.get_transactions(admin, data.transaction_ids(admin, account.id, start, today))
        assert sorted(r.amount_minor for r in rows) == sorted(e.amount_minor for e in entries)
        assert all(type(r.amount_minor) is int for r in rows)
        assert rows[-1].balance_after_minor == entries[-1].balance_after_minor
        some = rows[0].counterparty_name
        assert {r.id for r in data.get_transactions(admin, data.transaction_ids(admin, account.id, start, today,
                                                                                some))} >= {rows[0].id}
    finally:
        profile = demo_profile(ctx)
        profiles.save_profile(admin, {"settings": {"login_name": "DEMO"}}, profile_id=profile.id,
                              expected_version=profile.version)


def test_transaction_date_range_is_checked(sandbox_demo):
    ctx, _ = sandbox_demo
    admin = login(ctx)
    account = ctx.services.master_data.find_account(admin, "755915678810001")
    with pytest.raises(Exception) as info:
        ctx.services.bank_data.fetch_transactions(admin, account.id, dt.date(2025, 2, 1), dt.date(2025, 1, 1))
    assert info.value.code == "DATE_RANGE"


# -- interface test tool ----------------------------------------------------------------------------------

def test_connection_test_passes_every_step_for_the_demo_account(sandbox_demo):
    ctx, _ = sandbox_demo
    admin = login(ctx)
    account = ctx.services.master_data.find_account(admin, "755915678810001")
    steps = ctx.services.profiles.test_connection(admin, account_id=account.id)
    assert [s.name for s in steps] == ["dns", "tcp", "tls", "pin", "client_certificate", "bank_query"]
    assert all(s.ok for s in steps)


def _with_port(ctx, fields):
    fields["base_url"] = demo_profile(ctx).base_url
    return fields


def test_wrong_pin_names_the_pin_step_and_what_to_do(sandbox_demo):
    ctx, state = sandbox_demo
    admin = login(ctx)
    profile = ctx.services.profiles.save_profile(admin, _with_port(ctx, profile_fields(
        state, name="错误公钥", pins=[ZERO_PIN])))
    steps = ctx.services.profiles.test_connection(admin, profile_id=profile.id)
    failed = [s for s in steps if not s.ok]
    assert [s.name for s in steps] == ["dns", "tcp", "pin"]
    assert failed[0].code == "PIN_MISMATCH" and "confirm the new key with the bank" in failed[0].hint


def test_expired_client_certificate_names_the_client_certificate_step(sandbox_demo, tmp_path):
    ctx, state = sandbox_demo
    admin = login(ctx)
    cert, key = issue_client_cert(state, tmp_path, days_valid=(-60, -1))
    fields = _with_port(ctx, profile_fields(state, name="过期证书", client_cert_file=str(cert),
                                            client_key_file=str(key)))
    assert "CERT_EXPIRED" in {p.code for p in ctx.services.profiles.validate_profile(fields)}
    profile = ctx.services.profiles.save_profile(admin, fields)  # a warning: saved, so the tool can show it
    steps = ctx.services.profiles.test_connection(admin, profile_id=profile.id)
    failed = [s for s in steps if not s.ok]
    assert len(failed) == 1 and steps[-1] is failed[0]
    assert failed[0].name == "client_certificate" and failed[0].code == "CLIENT_CERT_EXPIRED"
    assert "new client certificate" in failed[0].hint
    inventory = [c for c in ctx.services.profiles.certificates(admin) if c.profile_id == profile.id]
    assert {c.kind: c.level for c in inventory}["client"] == "expired"


def test_unknown_host_fails_at_name_resolution(sandbox_demo):
    ctx, state = sandbox_demo
    admin = login(ctx)
    profile = ctx.services.profiles.save_profile(admin, profile_fields(
        state, name="无此主机", base_url="https://localhost:1"))
    steps = ctx.services.profiles.test_connection(admin, profile_id=profile.id)
    assert steps[-1].name == "tcp" and not steps[-1].ok and steps[-1].hint


# -- profile validation, secrets ------------------------------------------------------------------------------

def test_bad_profile_inputs_are_refused_with_codes_and_nothing_is_written(services, admin_actor,
                                                                         ledger_fingerprint, sandbox_demo, tmp_path):
    _, state = sandbox_demo
    c = creds(state)
    other_cert, _ = issue_client_cert(state, tmp_path, days_valid=(-1, 100))
    before = ledger_fingerprint()
    cases = {
        "URL_SCHEME": {"base_url": "http://127.0.0.1:8443"},
        "URL_FORMAT": {"base_url": "https://user:pw@bank.example:8443"},
        "PLUGIN_UNKNOWN": {"plugin_id": "sandbox_cmb"},
        "PIN_FORMAT": {"pins": ["sha256/not-base64!"]},
        "FILE_NOT_FOUND": {"ca_cert_file": str(tmp_path / "missing.pem")},
        "CERT_UNREADABLE": {"bank_cert_file": str(c / "demo-client-key.pem")},
        "KEY_MISMATCH": {"client_cert_file": str(other_cert)},
        "TIMEOUT_RANGE": {"read_timeout_s": "1e3"},
        "FIELD_REQUIRED": {"name": "  "},
    }
    for code, over in cases.items():
        with pytest.raises(ValidationFailed) as info:
            services.profiles.save_profile(admin_actor, profile_fields(state, **over))
        assert code in {p.code for p in info.value.problems}, (code, info.value.problems)
    # all problems at once
    problems = services.profiles.validate_profile(profile_fields(state, base_url="ftp://x", plugin_id="nope",
                                                                 pins=["x"]))
    assert {"URL_SCHEME", "PLUGIN_UNKNOWN", "PIN_FORMAT"} <= {p.code for p in problems}
    maker_pw = "maker-password-1"
    services.users.add_user(admin_actor, "mk", "mk", maker_pw, ["maker"])
    with pytest.raises(PermissionDenied):
        services.profiles.save_profile(services.auth.login("mk", maker_pw), profile_fields(state))
    after_user = ledger_fingerprint()
    assert before != after_user  # the fingerprint sees writes (the user above) ...
    with pytest.raises(ValidationFailed):
        services.profiles.save_profile(admin_actor, profile_fields(state, pins=["x"]))
    assert ledger_fingerprint() == after_user  # ... and the refused profile wrote nothing


def test_pkcs12_wrong_password_refused_right_password_imported(app_context, services, admin_actor, sandbox_demo,
                                                               tmp_path):
    _, state = sandbox_demo
    c = creds(state)
    key = serialization.load_pem_private_key((c / "demo-client-key.pem").read_bytes(), None)
    cert = x509.load_pem_x509_certificate((c / "demo-client.pem").read_bytes())
    p12 = tmp_path / "client.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"demo", key, cert, None, serialization.BestAvailableEncryption(b"right-password")))
    fields = profile_fields(state, client_cert_file=str(p12), client_key_password="wrong")
    fields.pop("client_key_file")
    with pytest.raises(ValidationFailed) as info:
        services.profiles.save_profile(admin_actor, fields)
    assert info.value.code == "KEY_PASSWORD"
    fields["client_key_password"] = "right-password"
    profile = services.profiles.save_profile(admin_actor, fields)
    assert profile.has_client_key
    stored = app_context.secret_store.get_secret(client_key_secret_name(profile.id))
    assert serialization.load_pem_private_key(stored.encode(), None).public_key().public_numbers() == \
        key.public_key().public_numbers()


def test_client_key_never_reaches_the_database(app_context, services, admin_actor, sandbox_demo):
    _, state = sandbox_demo
    profile = services.profiles.save_profile(admin_actor, profile_fields(state))
    key_lines = (creds(state) / "demo-client-key.pem").read_text().splitlines()
    stored_key = app_context.secret_store.get_secret(client_key_secret_name(profile.id))
    private = serialization.load_pem_private_key(stored_key.encode(), None).private_numbers().private_value
    app_context.ledger.engine.dispose()
    db = Path(app_context.ledger.path)
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    # the lines of the key PEM that carry the private scalar (the last lines hold the public key, which the
    # certificate carries too), the scalar itself, and the PEM marker
    for needle in (key_lines[1], key_lines[2], stored_key.splitlines()[1], stored_key.splitlines()[2]):
        assert needle.encode() not in raw
    assert private.to_bytes(32, "big") not in raw and f"{private:064x}".encode() not in raw
    assert b"PRIVATE KEY" not in raw
    assert b"BEGIN CERTIFICATE" in raw  # the public certificates are there


def test_demo_ledger_refuses_a_non_loopback_bank(sandbox_demo):
    ctx, state = sandbox_demo
    with pytest.raises(ValidationFailed) as info:
        ctx.services.profiles.save_profile(login(ctx), profile_fields(state, name="真银行",
                                                                      base_url="https://bank.example.com:443"))
    assert info.value.code == "DEMO_LOOPBACK_ONLY"


def test_stale_version_is_refused(sandbox_demo):
    ctx, _ = sandbox_demo
    admin = login(ctx)
    profile = demo_profile(ctx)
    with pytest.raises(Exception) as info:
        ctx.services.profiles.save_profile(admin, {"read_timeout_s": "20"}, profile_id=profile.id,
                                           expected_version=profile.version - 1 if profile.version > 1 else 99)
    assert info.value.code == "STALE_VERSION"


# -- certificate inventory, message log ----------------------------------------------------------------------

@pytest.mark.parametrize(("days", "level"), [(-1, CertificateLevel.EXPIRED), (0, CertificateLevel.WARN7),
                                             (7, CertificateLevel.WARN7), (8, CertificateLevel.WARN30),
                                             (30, CertificateLevel.WARN30), (31, CertificateLevel.WARN60),
                                             (60, CertificateLevel.WARN60), (61, CertificateLevel.OK)])
def test_certificate_levels(days, level):
    assert certificate_level(days) is level


def test_certificate_inventory_warns_before_expiry(sandbox_demo, tmp_path):
    ctx, state = sandbox_demo
    admin = login(ctx)
    cert, key = issue_client_cert(state, tmp_path, days_valid=(-1, 20))
    profile = ctx.services.profiles.save_profile(admin, profile_fields(
        state, name="快到期", client_cert_file=str(cert), client_key_file=str(key)))
    rows = {(r.profile_id, r.kind): r for r in ctx.services.profiles.certificates(admin)}
    assert rows[(profile.id, "client")].level == "warn30" and 18 <= rows[(profile.id, "client")].days_left <= 20
    assert rows[(profile.id, "ca")].level == "ok"
    assert {"ca", "client", "bank_signing"} <= {k for (pid, k) in rows if pid == profile.id}


def test_message_log_is_masked_listed_and_exported(sandbox_demo, tmp_path):
    ctx, _ = sandbox_demo
    admin = login(ctx)
    data = ctx.services.bank_data
    data.refresh_balances(admin, force=True)
    page = data.message_log(admin, 0, 10)
    assert page and page[0].id > page[-1].id  # newest first
    assert {r.function for r in page} >= {"GetAccInfo"}
    assert all("755915678810001" not in r.body for r in data.message_log(admin, 0, 1000))
    out = tmp_path / "support.txt"
    n = data.export_message_log(admin, out)
    text = out.read_text("utf-8")
    assert n == data.message_count(admin) and "GetAccInfo" in text and "755915678810001" not in text
    with pytest.raises(PermissionDenied):
        data.export_message_log(login(ctx, "maker"), tmp_path / "x.txt")


def test_message_log_keeps_only_the_newest_rows(app_context):
    from app.domain.banking import MessageLogRecord
    from app.services.message_log_store import store_messages

    uow = app_context.ledger.unit_of_work_factory(app_context.audit_key, app_context.clock)
    now = dt.datetime.now(dt.UTC)
    store_messages(uow, [MessageLogRecord(at=now, direction="request", body=f"#{i}") for i in range(5)], keep=3)
    store_messages(uow, [MessageLogRecord(at=now, direction="response", body="#5")], keep=3)
    with uow(read_only=True) as u:
        assert [r.body for r in u.message_log.all_in_order()] == ["#3", "#4", "#5"]
