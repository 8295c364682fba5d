"""``bankdirect profile …`` and ``bankdirect bank …``: connection profiles, the interface test tool, balances,
transaction details and the message log; plus the demo's sandbox bank set-up. Same conventions as app/cli.py
(``--json``, exit statuses 0/2/3/4, ``--user`` with BANKDIRECT_PASSWORD). The client-key password of
``profile add`` comes from BANKDIRECT_KEY_PASSWORD (never from the command line)."""

from __future__ import annotations

import os
import re
from dataclasses import asdict
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from app.domain.errors import DomainError

ENV_KEY_PASSWORD = "BANKDIRECT_KEY_PASSWORD"


def _out():
    from app.cli import _print_json, _table

    return _print_json, _table


def _date(text: str, field: str) -> date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text or ""):
        raise DomainError("DATE_FORMAT", f"{field} must be a date YYYY-MM-DD, got {text!r}", field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError("DATE_FORMAT", f"{text!r} is not a calendar date", field) from None


def _money(minor: int | None) -> str:
    if minor is None:
        return "-"
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100:,}.{abs(minor) % 100:02d}"


def _account(cli, actor, key: str):
    return cli.services.master_data.find_account(actor, key)


# -- profiles -------------------------------------------------------------------------------------------------

def _profile_view(p) -> dict:
    d = asdict(p)
    for k in ("ca_cert_pem", "client_cert_pem", "bank_cert_pem"):
        d[k] = bool(d[k])  # presence only in listings; `profile show --pem` prints them
    return d


def cmd_profile_list(cli) -> int:
    print_json, table = _out()
    profiles = cli.services.profiles.list_profiles(cli.actor(optional=True))
    if cli.json:
        print_json([_profile_view(p) for p in profiles])
    else:
        table([{"id": p.id, "name": p.name, "plugin": p.plugin_id, "url": p.base_url, "pins": len(p.pins),
                "client_key": p.has_client_key} for p in profiles], ["id", "name", "plugin", "url", "pins",
                                                                      "client_key"])
    return 0


def cmd_profile_show(cli) -> int:
    print_json, _ = _out()
    profile = cli.services.profiles.find_profile(cli.actor(optional=True), cli.args.profile)
    data = asdict(profile) if cli.args.pem else _profile_view(profile)
    if cli.json:
        print_json(data)
    else:
        for k, v in data.items():
            print(f"{k}: {v}")
    return 0


def _settings(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep:
            raise DomainError("FIELD_VALUE", f"--setting takes NAME=VALUE, got {pair!r}", "settings")
        out[key.strip()] = value
    return out


def cmd_profile_add(cli) -> int:
    print_json, _ = _out()
    a = cli.args
    fields: dict = {"name": a.name, "plugin_id": a.plugin, "base_url": a.url, "ca_cert_file": a.ca,
                    "pins": a.pin or [], "settings": _settings(a.setting)}
    for key, value in (("client_cert_file", a.client_cert), ("client_key_file", a.client_key),
                       ("bank_cert_file", a.bank_cert), ("connect_timeout_s", a.connect_timeout),
                       ("read_timeout_s", a.read_timeout)):
        if value:
            fields[key] = value
    if os.environ.get(ENV_KEY_PASSWORD):
        fields["client_key_password"] = os.environ[ENV_KEY_PASSWORD]
    profile = cli.services.profiles.save_profile(cli.actor(), fields)
    warnings = [p.to_dict() for p in cli.services.profiles.validate_profile(fields) if not p.is_error]
    if cli.json:
        print_json({"ok": True, "profile": _profile_view(profile), "warnings": warnings})
    else:
        print(f"connection profile {profile.name} saved: id {profile.id}")
        for w in warnings:
            print(f"warning {w['code']}: {w['message']}")
    return 0


def cmd_profile_link(cli) -> int:
    print_json, _ = _out()
    actor = cli.actor()
    account = _account(cli, actor, cli.args.account)
    profile_id = None
    if cli.args.profile:
        profile_id = cli.services.profiles.find_profile(actor, cli.args.profile).id
    updated = cli.services.profiles.link_account(actor, account.id, profile_id)
    print_json({"ok": True, "account": updated}) if cli.json else print(
        f"account {updated.account_number} → profile {profile_id or '(none)'}")
    return 0


# -- bank -----------------------------------------------------------------------------------------------------

def cmd_bank_test(cli) -> int:
    print_json, _ = _out()
    actor = cli.actor(optional=True)
    if cli.args.account:
        steps = cli.services.profiles.test_connection(actor, account_id=_account(cli, actor, cli.args.account).id)
    elif cli.args.profile:
        steps = cli.services.profiles.test_connection(
            actor, profile_id=cli.services.profiles.find_profile(actor, cli.args.profile).id)
    else:
        raise DomainError("FIELD_REQUIRED", "give --account ACC or --profile NAME")
    ok = bool(steps) and all(s.ok for s in steps)
    failed = next((s for s in steps if not s.ok), None)
    if cli.json:
        print_json({"ok": ok, "failed_step": failed.name if failed else None, "steps": steps})
    else:
        for s in steps:
            print(f"[{'OK' if s.ok else 'FAIL'}] {s.name}: {s.detail}")
            if not s.ok and s.hint:
                print(f"       what to do: {s.hint}")
    return 0 if ok else 3


def cmd_bank_balance(cli) -> int:
    print_json, table = _out()
    actor = cli.actor()
    data = cli.services.bank_data
    ids = [_account(cli, actor, cli.args.account).id] if cli.args.account else None
    balances = data.refresh_balances(actor, ids, force=cli.args.refresh)
    totals = data.totals_by_bank(actor)
    if cli.json:
        print_json({"balances": balances, "totals": totals})
    else:
        table([{"account": b.account_number, "bank": b.bank_name, "currency": b.currency,
                "available": _money(b.available_minor), "as_of": b.as_of.isoformat(timespec="seconds")
                if b.as_of else "", "error": b.error or ""} for b in balances],
              ["account", "bank", "currency", "available", "as_of", "error"])
    return 0 if all(b.error is None for b in balances) else 3


def cmd_bank_transactions(cli) -> int:
    print_json, table = _out()
    a = cli.args
    actor = cli.actor()
    start, end = _date(a.date_from, "from"), _date(a.date_to, "to")
    account = _account(cli, actor, a.account)
    data = cli.services.bank_data
    new = data.fetch_transactions(actor, account.id, start, end)
    rows = data.get_transactions(actor, data.transaction_ids(actor, account.id, start, end, a.query or ""))
    if cli.json:
        print_json({"account": account.account_number, "from": start, "to": end, "new": new,
                    "count": len(rows), "transactions": rows})
    else:
        table([{"date": t.booking_date.isoformat(), "time": t.booking_time, "amount": _money(t.amount_minor),
                "currency": t.currency, "counterparty": t.counterparty_name, "reference": t.reference,
                "serial": t.bank_serial} for t in rows],
              ["date", "time", "amount", "currency", "counterparty", "reference", "serial"])
        print(f"{len(rows)} entries ({new} new)")
    return 0


def cmd_bank_messages(cli) -> int:
    print_json, table = _out()
    actor = cli.actor(optional=not cli.args.export)
    data = cli.services.bank_data
    if cli.args.export:
        n = data.export_message_log(actor, Path(cli.args.export))
        print_json({"ok": True, "file": cli.args.export, "entries": n}) if cli.json else print(
            f"{n} message log entries written to {cli.args.export}")
        return 0
    records = data.message_log(actor, 0, cli.args.limit)
    if cli.json:
        print_json({"total": data.message_count(actor), "entries": records})
    else:
        table([{"at": r.at.isoformat(timespec="seconds"), "dir": r.direction, "function": r.function,
                "status": r.status or r.error_code, "ms": r.duration_ms, "bytes": r.size_bytes} for r in records],
              ["at", "dir", "function", "status", "ms", "bytes"])
    return 0


# -- demo -----------------------------------------------------------------------------------------------------

def prepare_demo_sandbox(ctx, port: int | None) -> tuple[Path, int]:
    """Sandbox state under DATA_DIR/sandbox-bank + the demo profile at 127.0.0.1:port, accounts linked."""
    from app.adapters.http_transport import spki_pin_of_pem
    from app.adapters.sandbox_bank_process import DEFAULT_PORT, SandboxAccount, ensure_sandbox_state
    from app.services.demo_data import DEMO_PROFILE_NAME, demo_sandbox_accounts, setup_demo_connection

    accounts = [SandboxAccount(**row) for row in demo_sandbox_accounts()]
    files = ensure_sandbox_state(ctx.config.data_dir, accounts)
    if port is None:
        from app.domain.users import Actor

        existing = next((p for p in ctx.services.profiles.list_profiles(Actor.system())
                         if p.name == DEMO_PROFILE_NAME), None)
        port = (urlsplit(existing.base_url).port if existing else None) or DEFAULT_PORT
    setup_demo_connection(ctx.services, {"ca": files.ca_pem, "client_cert": files.client_pem,
                                         "client_key": files.client_key_pem, "bank_cert": files.bank_signing_pem},
                          port, pins=[spki_pin_of_pem(files.server_pem.read_bytes())])
    from app.cli_signing import provision_demo_signer

    provision_demo_signer(ctx, files.state)  # the signer's USB token (SoftHSM2) or software key
    return files.state, port


def start_demo_sandbox(ctx, state: Path, port: int):
    """Start the sandbox bank for the GUI demo; if the port is taken, take a free one and re-point the profile."""
    from app.adapters.sandbox_bank_process import SandboxBankProcess
    from app.domain.errors import OperationalError

    proc = SandboxBankProcess(state, port)
    try:
        proc.start()
    except OperationalError:
        proc = SandboxBankProcess(state, 0)
        prepare_demo_sandbox(ctx, proc.start())
    return proc


def register(sub, add) -> None:
    prof = sub.add_parser("profile", help="bank connection profiles").add_subparsers(
        dest="command", metavar="ACTION", required=True)
    add(prof, "list", cmd_profile_list, "list connection profiles")
    sp = add(prof, "show", cmd_profile_show, "show one connection profile")
    sp.add_argument("profile", help="name or id")
    sp.add_argument("--pem", action="store_true", help="include the certificates' PEM text")
    sp = add(prof, "add", cmd_profile_add, "add a connection profile (key password: BANKDIRECT_KEY_PASSWORD)")
    sp.add_argument("--name", required=True)
    sp.add_argument("--plugin", required=True, help="bank plugin id, e.g. cmb_fbsdk")
    sp.add_argument("--url", required=True, help="https://host:port")
    sp.add_argument("--ca", required=True, help="the bank's CA certificate (PEM)")
    sp.add_argument("--client-cert", help="client certificate: PEM, or PKCS#12 (.p12/.pfx) with its key")
    sp.add_argument("--client-key", help="client private key (PEM) when --client-cert is PEM")
    sp.add_argument("--bank-cert", help="the bank's answer-signing certificate (PEM)")
    sp.add_argument("--pin", action="append", help="SPKI pin sha256/<base64> (current, then backup)")
    sp.add_argument("--setting", action="append", help="plugin setting NAME=VALUE, e.g. login_name=ZL01")
    sp.add_argument("--connect-timeout")
    sp.add_argument("--read-timeout")
    sp = add(prof, "link", cmd_profile_link, "link a bank account to a profile (no --profile: unlink)")
    sp.add_argument("--account", required=True)
    sp.add_argument("--profile")

    bank = sub.add_parser("bank", help="talk to the banks: test, balances, details, message log").add_subparsers(
        dest="command", metavar="ACTION", required=True)
    sp = add(bank, "test-connection", cmd_bank_test, "interface test: DNS, TCP, TLS, pin, client certificate, "
             "signed query (exit 3 when a step fails)")
    sp.add_argument("--account")
    sp.add_argument("--profile")
    sp = add(bank, "balance", cmd_bank_balance, "refresh and show balances")
    sp.add_argument("--account")
    sp.add_argument("--refresh", action="store_true", help="ask the bank even within its minimum query interval")
    sp = add(bank, "transactions", cmd_bank_transactions, "download and show transaction details")
    sp.add_argument("--account", required=True)
    sp.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
    sp.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
    sp.add_argument("--query")
    sp = add(bank, "messages", cmd_bank_messages, "show or export the message log (报文日志)")
    sp.add_argument("--export", metavar="FILE")
    sp.add_argument("--limit", type=int, default=50)
