"""The ``bankdirect`` command line. Every command goes through the same services and permission checks as the GUI.

Conventions (all commands): ``--data-dir DIR`` and ``--db-url URL``; ``--json`` prints machine-readable results;
exit status 0 success, 2 rejected input (nothing written), 3 operational failure, 4 integrity failure.
Acting user: ``--user NAME`` with the password from BANKDIRECT_PASSWORD (or a prompt on a terminal).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path

from app import __version__
from app.config import ENV_NEW_PASSWORD, ENV_PASSWORD, AppConfig
from app.domain.errors import (
    DomainError,
    IntegrityFailure,
    OperationalError,
    UserCancelled,
)
from app.domain.users import Actor

EXIT_OK, EXIT_REJECTED, EXIT_OPERATIONAL, EXIT_INTEGRITY = 0, 2, 3, 4


# -- output ---------------------------------------------------------------------------------------------------
def _jsonable(obj):
    if is_dataclass(obj) and not isinstance(obj, type):
        return {k: _jsonable(v) for k, v in asdict(obj).items()}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, frozenset | set):
        return sorted(_jsonable(v) for v in obj)
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    return obj


def _print_json(data) -> None:
    print(json.dumps(_jsonable(data), ensure_ascii=False, indent=2))


def _table(rows: list[dict], columns: list[str]) -> None:
    if not rows:
        print("(none)")
        return
    widths = {c: max(len(c), *(len(str(r.get(c, "") or "")) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        print("  ".join(str(r.get(c, "") or "").ljust(widths[c]) for c in columns))


# -- context ------------------------------------------------------------------------------------------------
class Cli:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self._ctx = None
        self.secret_store = None  # chosen by open_app unless a command picked one first

    @property
    def json(self) -> bool:
        return bool(getattr(self.args, "json", False))

    def config(self, demo: bool = False) -> AppConfig:
        return AppConfig.resolve(getattr(self.args, "data_dir", None), getattr(self.args, "db_url", None), demo=demo)

    def context(self, demo: bool = False):
        if self._ctx is None:
            from app.bootstrap import open_app

            self._ctx = open_app(self.config(demo=demo), secret_store=self.secret_store,
                                 passphrase_prompt=_prompt_passphrase)
        return self._ctx

    @property
    def services(self):
        return self.context().services

    def actor(self, *, optional: bool = False) -> Actor:
        username = getattr(self.args, "user", None)
        if not username:
            if optional:
                return Actor.system()
            raise DomainError("USER_REQUIRED", "give the acting user with --user NAME")
        password = os.environ.get(ENV_PASSWORD)
        if password is None:
            if not sys.stdin.isatty():
                raise DomainError("PASSWORD_REQUIRED",
                                  f"set {ENV_PASSWORD} or run on a terminal to be asked for the password")
            password = getpass.getpass(f"Password for {username}: ")
        return self.services.auth.login(username, password)

    def close(self) -> None:
        if self._ctx is not None:
            self._ctx.close()


def _prompt_passphrase(exists: bool) -> str | None:
    if not sys.stdin.isatty():
        return None
    if exists:
        return getpass.getpass("Passphrase of the secret vault: ")
    first = getpass.getpass("No OS keystore found. Choose a passphrase for the new secret vault: ")
    if getpass.getpass("Repeat the passphrase: ") != first:
        raise DomainError("PASSPHRASE_MISMATCH", "the two passphrases differ")
    return first


def _new_password(prompt_name: str) -> str:
    pw = os.environ.get(ENV_NEW_PASSWORD)
    if pw is not None:
        return pw
    if not sys.stdin.isatty():
        raise DomainError("PASSWORD_REQUIRED", f"set {ENV_NEW_PASSWORD} or run on a terminal to choose the password")
    first = getpass.getpass(f"Password for {prompt_name}: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise DomainError("PASSWORD_MISMATCH", "the two passwords differ")
    return first


def _report_saved(cli: Cli, saved, what: str) -> None:
    if cli.json:
        _print_json({"ok": True, what: saved.entity, "warnings": [w.to_dict() for w in saved.warnings]})
    else:
        print(f"{what} saved: id {saved.entity.id}")
        for w in saved.warnings:
            print(f"warning {w.code}: {w.message}")


# -- commands -------------------------------------------------------------------------------------------------
def cmd_init(cli: Cli) -> int:
    a = cli.args
    password = os.environ.get(ENV_PASSWORD)
    if password is None:
        if not sys.stdin.isatty():
            raise DomainError("PASSWORD_REQUIRED", f"set {ENV_PASSWORD} or run on a terminal to choose the password")
        password = getpass.getpass(f"Password for the administrator {a.admin}: ")
        if getpass.getpass("Repeat the password: ") != password:
            raise DomainError("PASSWORD_MISMATCH", "the two passwords differ")
    user = cli.services.setup.initialize(a.org, a.admin, password, admin_display_name=a.admin_name,
                                         org_uscc=a.uscc)
    if cli.json:
        _print_json({"ok": True, "admin": user, "data_dir": str(cli.config().data_dir)})
    else:
        print(f"Ledger initialised for {a.org}; administrator {user.username} created.")
    return EXIT_OK


def cmd_user_add(cli: Cli) -> int:
    a = cli.args
    actor = cli.actor()
    user = cli.services.users.add_user(actor, a.name, a.display_name or a.name, _new_password(a.name), a.role)
    _print_json({"ok": True, "user": user}) if cli.json else print(f"user {user.username} added (id {user.id})")
    return EXIT_OK


def cmd_user_list(cli: Cli) -> int:
    users = cli.services.users.list_users(cli.actor(optional=True))
    if cli.json:
        _print_json([{"id": u.id, "username": u.username, "display_name": u.display_name,
                      "roles": sorted(r.value for r in u.roles), "active": u.is_active,
                      "failed_logins": u.failed_logins, "locked_until": u.locked_until} for u in users])
    else:
        _table([{"id": u.id, "username": u.username, "display_name": u.display_name,
                 "roles": ",".join(sorted(r.value for r in u.roles)), "active": u.is_active} for u in users],
               ["id", "username", "display_name", "roles", "active"])
    return EXIT_OK


def cmd_user_roles(cli: Cli) -> int:
    user = cli.services.users.set_roles(cli.actor(), cli.args.name, cli.args.role)
    _print_json({"ok": True, "user": user}) if cli.json else print(
        f"{user.username}: {', '.join(sorted(r.value for r in user.roles))}")
    return EXIT_OK


def cmd_user_unlock(cli: Cli) -> int:
    user = cli.services.auth.unlock_user(cli.actor(), cli.args.name)
    _print_json({"ok": True, "user": user}) if cli.json else print(f"{user.username} unlocked")
    return EXIT_OK


def cmd_user_active(cli: Cli) -> int:
    user = cli.services.users.set_active(cli.actor(), cli.args.name, cli.args.command == "activate")
    _print_json({"ok": True, "user": user}) if cli.json else print(
        f"{user.username} {'active' if user.is_active else 'deactivated'}")
    return EXIT_OK


def cmd_org_show(cli: Cli) -> int:
    org = cli.services.master_data.get_organization(cli.actor(optional=True))
    _print_json(org) if cli.json else print(f"{org.name}  USCC {org.uscc or '-'}{'  (DEMO)' if org.is_demo else ''}")
    return EXIT_OK


def cmd_org_update(cli: Cli) -> int:
    actor = cli.actor()
    org = cli.services.master_data.get_organization(actor)
    fields = {"name": cli.args.name or org.name, "uscc": cli.args.uscc if cli.args.uscc is not None else org.uscc}
    org = cli.services.master_data.update_organization(actor, fields)
    _print_json({"ok": True, "organization": org}) if cli.json else print(f"organization saved: {org.name}")
    return EXIT_OK


def cmd_account_add(cli: Cli) -> int:
    a = cli.args
    fields = {"bank_name": a.bank_name, "branch_name": a.branch_name or "", "cnaps_code": a.bank_code,
              "account_number": a.number, "account_name": a.name, "currency": a.currency, "plugin_id": a.plugin}
    _report_saved(cli, cli.services.master_data.add_account(cli.actor(), fields), "account")
    return EXIT_OK


def cmd_account_list(cli: Cli) -> int:
    accounts = cli.services.master_data.list_accounts(cli.actor(optional=True), include_inactive=cli.args.all)
    if cli.json:
        _print_json(accounts)
    else:
        _table([asdict(a) for a in accounts], ["id", "bank_name", "account_number", "account_name", "currency"])
    return EXIT_OK


def cmd_payee_add(cli: Cli) -> int:
    a = cli.args
    fields = {"name": a.name, "account_number": a.account, "bank_name": a.bank_name,
              "branch_name": a.branch_name or "", "cnaps_code": a.bank_code, "uscc": a.uscc, "kind": a.kind}
    _report_saved(cli, cli.services.master_data.add_payee(cli.actor(), fields), "payee")
    return EXIT_OK


def cmd_payee_list(cli: Cli) -> int:
    md = cli.services.master_data
    actor = cli.actor(optional=True)
    payees = md.search_payees(actor, cli.args.query or "", 0, cli.args.limit, include_inactive=cli.args.all)
    if cli.json:
        _print_json(payees)
    else:
        _table([asdict(p) for p in payees], ["id", "name", "account_number", "bank_name", "cnaps_code", "confirmed"])
    return EXIT_OK


def cmd_payee_confirm(cli: Cli) -> int:
    """A second person confirms a payee's changed bank details (RELIABILITY.md §3)."""
    payee = cli.services.master_data.confirm_payee(cli.actor(), cli.args.id)
    _print_json({"ok": True, "payee": payee}) if cli.json else print(f"payee confirmed: {payee.id} {payee.name}")
    return EXIT_OK


def cmd_audit_verify(cli: Cli) -> int:
    from storage.audit_log import verify_audit_chain

    ctx = cli.context()
    result = verify_audit_chain(ctx.ledger.engine, ctx.audit_key)
    if cli.json:
        _print_json(result.to_dict())
    elif result.ok:
        print(f"audit log intact: {result.entries_checked} entries, head {result.head_hash}")
    else:
        print(f"AUDIT LOG BROKEN at entry {result.first_bad_seq}: {result.reason}", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_INTEGRITY


def _transfer_passphrase(confirm: bool) -> str:
    pp = os.environ.get("BANKDIRECT_TRANSFER_PASSPHRASE")
    if pp:
        return pp
    if not sys.stdin.isatty():
        raise DomainError("PASSPHRASE_REQUIRED", "set BANKDIRECT_TRANSFER_PASSPHRASE or run on a terminal")
    pp = getpass.getpass("Passphrase for the key file: ")
    if confirm and getpass.getpass("Repeat the passphrase: ") != pp:
        raise DomainError("PASSPHRASE_MISMATCH", "the two passphrases differ")
    return pp


def cmd_audit_key_export(cli: Cli) -> int:
    from app.bootstrap import export_audit_key
    from app.domain.users import Role
    from app.services.permissions import require_any

    require_any(cli.actor(), Role.ADMIN, doing="export the audit key")
    path = Path(cli.args.file)
    export_audit_key(cli.context(), path, _transfer_passphrase(True))
    _print_json({"ok": True, "file": str(path)}) if cli.json else print(f"audit key written to {path}")
    return EXIT_OK


def cmd_audit_key_import(cli: Cli) -> int:
    from app.bootstrap import import_audit_key

    ledger_id = import_audit_key(cli.config(), Path(cli.args.file), _transfer_passphrase(False),
                                 passphrase_prompt=_prompt_passphrase)
    _print_json({"ok": True, "ledger_id": ledger_id}) if cli.json else print(
        f"audit key of ledger {ledger_id} installed in this workstation's secret store")
    return EXIT_OK


def cmd_audit_list(cli: Cli) -> int:
    entries = cli.services.audit.entries(cli.actor(), 0, cli.args.limit)
    if cli.json:
        _print_json(entries)
    else:
        _table([{"seq": e.seq, "at": e.at.isoformat(timespec="seconds"), "actor": e.actor, "action": e.action,
                 "object": f"{e.object_type or ''}:{e.object_id or ''}"} for e in entries],
               ["seq", "at", "actor", "action", "object"])
    return EXIT_OK


def cmd_demo(cli: Cli) -> int:
    from app.cli_bank import prepare_demo_sandbox, start_demo_sandbox
    from app.services.demo_data import DEMO_PASSWORD, populate_demo

    ctx = cli.context(demo=True)
    populate_demo(ctx.services)
    state, port = prepare_demo_sandbox(ctx, cli.args.sandbox_port)
    if cli.args.setup_only:
        msg = {"ok": True, "data_dir": str(ctx.config.data_dir), "users": "maker approver1 approver2 approver3 "
               "signer admin auditor", "password": DEMO_PASSWORD, "sandbox_state": str(state),
               "sandbox_port": port}
        _print_json(msg) if cli.json else print(f"demo ledger ready in {ctx.config.data_dir}; sandbox bank: "
                                                f"bankdirect sandbox-bank serve --state {state} --port {port}")
        return EXIT_OK
    _ensure_display(bool(cli.args.screenshot))
    from ui.app import run_gui

    sandbox = start_demo_sandbox(ctx, state, port)
    jobs = None
    try:
        _demo_engine(ctx)
        if cli.args.screenshot:  # a picture shows live data: ask the sandbox bank before rendering
            _prime_demo_bank_data(ctx)
        else:
            jobs = _start_jobs(ctx)
        return run_gui(ctx.services, settings_path=ctx.config.settings_path, lang=cli.args.lang or "zh_CN",
                       auto_login=("maker", DEMO_PASSWORD), screenshot=Path(cli.args.screenshot)
                       if cli.args.screenshot else None, screen=cli.args.screen, crash_dir=ctx.config.crash_dir)
    finally:
        if jobs is not None:
            jobs.shutdown(wait=False)
        sandbox.stop()


def _demo_engine(ctx) -> None:
    """Demo: the sandbox bank answers at once, so the engine follows up quickly; the demo's 'already sent' batch
    is signed with the demo signer's key (PIN 123456) and sent once, so the payment monitor shows history."""
    from dataclasses import replace

    from app.cli_signing import DEMO_SIGNER
    from app.domain.errors import DomainError
    from app.domain.payment import PaymentStatus
    from app.services.demo_data import DEMO_PASSWORD, create_demo_sent_payments

    engine, signing = ctx.services.submission, ctx.services.signing
    if engine is None or signing is None:
        return
    engine.settings = replace(engine.settings, first_query_s=1.0, query_backoff_max_s=10.0, min_query_interval_s=0.5,
                              settle_lag_s=5.0, respect_quiet_hours=False)
    signer = ctx.services.auth.login(DEMO_SIGNER, DEMO_PASSWORD)
    sent = [s for s in PaymentStatus if s not in (PaymentStatus.DRAFT, PaymentStatus.PENDING_APPROVAL,
                                                  PaymentStatus.REJECTED, PaymentStatus.APPROVED,
                                                  PaymentStatus.CANCELLED)]
    if engine.monitor(signer, statuses=sent, limit=1):
        return  # sent before

    class _DemoPin:
        def ask_pin(self, token_label, warnings):
            return "123456"

        def notify(self, message):
            return None

    try:
        approved = set(create_demo_sent_payments(ctx.services))
        for batch in signing.ready_batches(signer):
            if set(batch.payment_ids) <= approved:
                signing.sign_batch(signer, batch.batch_key, signing.signer_for(signer, _DemoPin()))
        fast = engine.settings
        engine.settings = replace(fast, first_query_s=0.3, settle_lag_s=0.5)
        engine.run_until_idle(timeout_s=20, poll_s=0.3)
        engine.settings = fast
    except DomainError as exc:  # the demo still opens; the monitor is just empty
        print(f"demo: could not send the demo history ({exc.code}: {exc.message})", file=sys.stderr)


def _start_jobs(ctx):
    """Background work of the GUI process (balances now; receipts and statuses later)."""
    from app.scheduler.jobs import start_background_jobs
    from storage.job_lock import SqlJobLock

    return start_background_jobs(ctx.services, SqlJobLock(ctx.ledger.engine))


def _prime_demo_bank_data(ctx) -> None:
    from datetime import date, timedelta

    system = Actor.system()
    bank = ctx.services.bank_data
    bank.refresh_balances(system, force=True)
    today = date.today()
    for acc in ctx.services.master_data.list_accounts(system):
        if acc.connection_profile_id is not None:
            bank.fetch_transactions(system, acc.id, today - timedelta(days=30), today)


def cmd_sandbox_bank(cli: Cli) -> int:
    """The sandbox bank is an outside party with its own CLI; this only forwards to it."""
    from sandbox_bank.cli import main as sandbox_main

    return sandbox_main(list(cli.args.rest))


def _ensure_display(offscreen: bool) -> None:
    """Screenshots render offscreen; a real window needs a display, else a clear error instead of a Qt abort."""
    if offscreen:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")  # offscreen's propagateSizeHints notice
        return
    if (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        raise OperationalError("no display found (DISPLAY and WAYLAND_DISPLAY are unset): run BankDirect in a "
                               "desktop session, or use --screenshot FILE.png to render a screen offscreen",
                               code="NO_DISPLAY")


def cmd_gui(cli: Cli) -> int:
    """The log-in window shows at once; the ledger opens (and background jobs start) behind it."""
    from ui.startup import run_gui_deferred

    _ensure_display(False)
    config = cli.config()
    jobs = []
    if not config.demo and not sys.stdin.isatty():
        # a desktop launch: the vault passphrase (where there is no OS keystore) is asked in a window, on this
        # thread, before the ledger opens in the background
        from app.bootstrap import select_secret_store
        from ui.dialogs.passphrase_dialog import ask_passphrase

        cli.secret_store = select_secret_store(config.data_dir, demo=False, passphrase_prompt=ask_passphrase)

    def open_services():
        ctx = cli.context()
        jobs.append(_start_jobs(ctx))
        return ctx.services

    try:
        return run_gui_deferred(open_services, is_demo=config.demo, settings_path=config.settings_path,
                                lang=getattr(cli.args, "lang", None), crash_dir=config.crash_dir)
    finally:
        for job in jobs:
            job.shutdown(wait=False)


# -- parser ---------------------------------------------------------------------------------------------------
def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"a port is 1-65535, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS, help="ledger and settings folder")
    common.add_argument("--db-url", default=argparse.SUPPRESS,
                        help="postgresql+psycopg://… for a shared ledger (or BANKDIRECT_DB_URL)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
    common.add_argument("--user", default=argparse.SUPPRESS, help="acting user (password: BANKDIRECT_PASSWORD)")

    p = argparse.ArgumentParser(prog="bankdirect", parents=[common],
                                description="BankDirect 银企直联 — bank direct-connect payments.")
    p.add_argument("--version", action="version", version=f"bankdirect {__version__}")
    sub = p.add_subparsers(dest="group", metavar="COMMAND")

    def add(parent, name: str, fn: Callable[[Cli], int], help_text: str):
        sp = parent.add_parser(name, parents=[common], help=help_text, description=help_text)
        sp.set_defaults(fn=fn)
        return sp

    sp = add(sub, "init", cmd_init, "create the organization and the first administrator")
    sp.add_argument("--org", required=True)
    sp.add_argument("--admin", required=True)
    sp.add_argument("--admin-name")
    sp.add_argument("--uscc")

    users = sub.add_parser("user", help="users and roles").add_subparsers(dest="command", metavar="ACTION",
                                                                           required=True)
    sp = add(users, "add", cmd_user_add, "add a user (password: BANKDIRECT_NEW_PASSWORD or prompt)")
    sp.add_argument("name")
    sp.add_argument("--role", action="append", required=True, help="maker, approver, signer, admin, auditor")
    sp.add_argument("--display-name")
    add(users, "list", cmd_user_list, "list users")
    sp = add(users, "roles", cmd_user_roles, "set a user's roles")
    sp.add_argument("name")
    sp.add_argument("--role", action="append", default=[])
    sp = add(users, "unlock", cmd_user_unlock, "unlock a locked-out user")
    sp.add_argument("name")
    for verb in ("activate", "deactivate"):
        add(users, verb, cmd_user_active, f"{verb} a user").add_argument("name")

    org = sub.add_parser("org", help="the organization").add_subparsers(dest="command", metavar="ACTION",
                                                                         required=True)
    add(org, "show", cmd_org_show, "show the organization")
    sp = add(org, "update", cmd_org_update, "change the organization's name or USCC")
    sp.add_argument("--name")
    sp.add_argument("--uscc")

    acc = sub.add_parser("account", help="own bank accounts").add_subparsers(dest="command", metavar="ACTION",
                                                                              required=True)
    sp = add(acc, "add", cmd_account_add, "add a bank account")
    sp.add_argument("--bank-name", required=True)
    sp.add_argument("--branch-name")
    sp.add_argument("--bank-code", required=True, help="12-digit CNAPS code (联行号)")
    sp.add_argument("--number", required=True)
    sp.add_argument("--name", required=True, help="account name (户名)")
    sp.add_argument("--currency", default="CNY")
    sp.add_argument("--plugin")
    sp = add(acc, "list", cmd_account_list, "list bank accounts")
    sp.add_argument("--all", action="store_true", help="include deactivated accounts")

    pay = sub.add_parser("payee", help="payees").add_subparsers(dest="command", metavar="ACTION", required=True)
    sp = add(pay, "add", cmd_payee_add, "add a payee")
    sp.add_argument("--name", required=True)
    sp.add_argument("--account", required=True)
    sp.add_argument("--bank-name", required=True)
    sp.add_argument("--branch-name")
    sp.add_argument("--bank-code", required=True, help="12-digit CNAPS code (联行号)")
    sp.add_argument("--uscc")
    sp.add_argument("--kind", default="corporate", choices=["corporate", "personal"])
    sp = add(pay, "list", cmd_payee_list, "list payees")
    sp.add_argument("--query")
    sp.add_argument("--limit", type=int, default=1000)
    sp.add_argument("--all", action="store_true", help="include deactivated payees")
    sp = add(pay, "confirm", cmd_payee_confirm, "confirm a payee's changed bank details (not the person who "
             "changed them)")
    sp.add_argument("id", type=int)

    aud = sub.add_parser("audit", help="the audit log").add_subparsers(dest="command", metavar="ACTION",
                                                                        required=True)
    add(aud, "verify", cmd_audit_verify, "verify the hash chain (exit 4 when broken)")
    sp = add(aud, "key-export", cmd_audit_key_export,
             "write the audit key to a passphrase-protected file (for another workstation of a shared ledger)")
    sp.add_argument("--file", required=True)
    sp = add(aud, "key-import", cmd_audit_key_import, "install the audit key from a key-export file")
    sp.add_argument("--file", required=True)
    sp = add(aud, "list", cmd_audit_list, "list recent audit entries")
    sp.add_argument("--limit", type=int, default=50)

    sp = add(sub, "demo", cmd_demo, "open (or create) the demo ledger")
    sp.add_argument("--screenshot", metavar="FILE.png")
    sp.add_argument("--lang", choices=["zh_CN", "en"])
    sp.add_argument("--screen", help="screen to render with --screenshot (default: main window)")
    sp.add_argument("--setup-only", action="store_true")
    sp.add_argument("--sandbox-port", type=_port, help="port of the demo's sandbox bank (default 18443)")

    from app.cli_bank import register as register_bank

    register_bank(sub, add)

    from app.cli_payments import register as register_payments

    register_payments(sub, add)

    from app.cli_signing import register as register_signing

    register_signing(sub, add)

    from app.cli_statements import register as register_statements

    register_statements(sub, add)

    from app.cli_batch import register as register_batch

    register_batch(sub, add)

    from app.cli_batch import register_cnaps

    register_cnaps(sub, add)

    from app.cli_reconcile import register as register_reconcile

    register_reconcile(sub, add)

    sp = sub.add_parser("sandbox-bank", help="the sandbox bank server (init, serve, faults, report, ...)",
                        add_help=False)
    sp.add_argument("rest", nargs=argparse.REMAINDER)
    sp.set_defaults(fn=cmd_sandbox_bank)

    sp = add(sub, "gui", cmd_gui, "open the application")
    sp.add_argument("--lang", choices=["zh_CN", "en"])
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sandbox-bank"]:  # forwarded verbatim: the sandbox bank parses its own options
        from sandbox_bank.cli import main as sandbox_main

        return sandbox_main(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 2 for bad usage, 0 for --help/--version
        return int(exc.code or 0)
    if not hasattr(args, "fn"):
        args = parser.parse_args(["gui"]) if not argv else args
        if not hasattr(args, "fn"):
            parser.print_help()
            return EXIT_REJECTED
    cli = Cli(args)
    as_json = cli.json
    try:
        return args.fn(cli)
    except DomainError as exc:
        _report_error(exc, as_json, EXIT_REJECTED)
        return EXIT_REJECTED
    except OperationalError as exc:
        _report_error(exc, as_json, EXIT_OPERATIONAL)
        return EXIT_OPERATIONAL
    except IntegrityFailure as exc:
        _report_error(exc, as_json, EXIT_INTEGRITY)
        return EXIT_INTEGRITY
    except (UserCancelled, KeyboardInterrupt):
        print("cancelled", file=sys.stderr)
        return 130
    finally:
        cli.close()


def _report_error(exc, as_json: bool, status: int) -> None:
    info = exc.to_dict()
    if as_json:
        _print_json({"ok": False, "exit_status": status, "error": info})
    else:
        print(f"error {info.get('code')}: {info.get('message')}", file=sys.stderr)
        for p in info.get("problems", []) or []:
            field = f" [{p['field']}]" if p.get("field") else ""
            print(f"  - {p['severity']} {p['code']}{field}: {p['message']}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
