"""Command line: ``python -m sandbox_bank <command>`` (wired as ``bankdirect sandbox-bank <command>``)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import re
import signal
import sys
import threading
from pathlib import Path

from sandbox_bank import admin, faults
from sandbox_bank.engine import Engine, EngineConfig, EngineError

_INT_RE = re.compile(r"\A[0-9]{1,18}\Z")


def _minor(text: str) -> int:
    if not _INT_RE.match(text):  # int() would accept '1_000' and non-ASCII digits
        raise argparse.ArgumentTypeError(f"expected a non-negative integer in minor units, got {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    if not re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,6})?", text):
        raise argparse.ArgumentTypeError(f"expected seconds like 0.25, got {text!r}")
    return float(text)


def _page(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,6}", text) or not 1 <= int(text) <= 100_000:
        raise argparse.ArgumentTypeError(f"expected a page size 1..100000, got {text!r}")
    return int(text)


def _cutoff(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected HH:MM or HH:MM:SS (UTC)") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sandbox-bank", description="BankDirect sandbox bank (mutual-TLS HTTPS)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("init", help="create the state dir, CA, server/bank credentials, demo client+signer")
    s.add_argument("--state", type=Path, required=True)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--no-demo-accounts", action="store_true", help="create no accounts")

    s = sub.add_parser("issue-client", help="issue and register a client TLS certificate")
    s.add_argument("--state", type=Path, required=True)
    s.add_argument("--name", required=True)

    s = sub.add_parser("issue-signer", help="issue and register a payment signer key + certificate")
    s.add_argument("--state", type=Path, required=True)
    s.add_argument("--name", required=True)
    s.add_argument("--key", choices=["rsa", "ec"], default="ec")

    s = sub.add_parser("add-account", help="open an account")
    s.add_argument("--state", type=Path, required=True)
    s.add_argument("--account", required=True)
    s.add_argument("--name", required=True)
    s.add_argument("--bank-code", required=True)
    s.add_argument("--currency", default="CNY")
    s.add_argument("--balance-minor", type=_minor, required=True)
    s.add_argument("--single-limit-minor", type=_minor)
    s.add_argument("--daily-limit-minor", type=_minor)

    s = sub.add_parser("serve", help="serve the CMB-style dialect over mutual-TLS HTTPS")
    s.add_argument("--state", type=Path, required=True)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8443, help="0 = pick a free port")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--faults", default="", help="kind=probability,... plus all=P (see `faults`)")
    s.add_argument("--dedup", choices=["on", "off"], default="on")
    s.add_argument("--processing-delay", type=_seconds, default=0.15)
    s.add_argument("--settle-delay", type=_seconds, default=0.25)
    s.add_argument("--return-delay", type=_seconds, default=0.3)
    s.add_argument("--settle-lag", type=_seconds, default=0.0)
    s.add_argument("--slow-seconds", type=_seconds, default=3.0)
    s.add_argument("--cutoff", type=_cutoff, help="UTC time of day after which payments fail with TM01")
    s.add_argument(
        "--status-list-page", type=_page, default=1000, help="NTQRYSTN records per page (1..100000; default 1000)"
    )
    s.add_argument("--verbose", action="store_true")

    sub.add_parser("faults", help="list the fault kinds")

    s = sub.add_parser("report", help="every executed debit and every balance")
    s.add_argument("--state", type=Path, required=True)
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("return", help="return (退票) a succeeded payment")
    s.add_argument("--state", type=Path, required=True)
    s.add_argument("--reference", required=True)
    return p


def serve(args: argparse.Namespace) -> int:
    from sandbox_bank.faults import FaultPlan
    from sandbox_bank.server import Advancer, BankHTTPServer, BankService, tls_context

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    plan = FaultPlan(faults.parse_spec(args.faults), args.seed)
    ledger = admin.open_ledger(args.state)
    config = EngineConfig(
        processing_delay=args.processing_delay,
        settle_delay=args.settle_delay,
        return_delay=args.return_delay,
        settle_lag=args.settle_lag,
        cutoff=args.cutoff,
        dedup=args.dedup == "on",
    )
    engine = Engine(ledger, config)
    bank = BankService(
        args.state, ledger, engine, plan, slow_seconds=args.slow_seconds, status_list_page=args.status_list_page
    )
    httpd = BankHTTPServer((args.host, args.port), bank, tls_context(args.state))
    advancer = Advancer(engine)
    advancer.start()

    def stop(signum, frame) -> None:
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = httpd.server_address[:2]
    print(f"LISTENING {host} {port}", flush=True)
    try:
        httpd.serve_forever(poll_interval=0.1)
    finally:
        httpd.server_close()
        advancer.stop.set()
        advancer.join(timeout=2)
        ledger.close()
    print("STOPPED", flush=True)
    return 0


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "init":
            info = admin.init_state(args.state, args.seed, [] if args.no_demo_accounts else None)
            print(json.dumps(info, ensure_ascii=False, indent=2))
        elif args.command == "issue-client":
            issued = admin.issue_client(args.state, args.name)
            print(
                json.dumps(
                    {
                        "certificate": str(issued.cert_path),
                        "key": str(issued.key_path),
                        "fingerprint": issued.fingerprint,
                    }
                )
            )
        elif args.command == "issue-signer":
            issued = admin.issue_signer(args.state, args.name, args.key)
            print(
                json.dumps(
                    {
                        "certificate": str(issued.cert_path),
                        "key": str(issued.key_path),
                        "fingerprint": issued.fingerprint,
                        "key_type": issued.key_type,
                    }
                )
            )
        elif args.command == "add-account":
            admin.add_account(
                args.state,
                args.account,
                args.name,
                args.bank_code,
                args.currency,
                args.balance_minor,
                args.single_limit_minor,
                args.daily_limit_minor,
            )
            print(f"account {args.account} opened")
        elif args.command == "serve":
            return serve(args)
        elif args.command == "faults":
            print(faults.describe())
        elif args.command == "report":
            if args.json:
                print(admin.report_json(args.state))
            else:
                data = admin.report(args.state)
                for d in data["debits"]:
                    print(
                        f"DEBIT {d['time']} {d['client_reference']} {d['debit_account']} -> "
                        f"{d['payee_account']} {d['amount_minor']} {d['currency']}"
                        + (" RETURNED" if d["returned"] else "")
                    )
                for b in data["balances"]:
                    print(f"BALANCE {b['account']} {b['balance_minor']} {b['currency']}")
        elif args.command == "return":
            ins = admin.return_payment(args.state, args.reference)
            print(f"returned {ins.client_reference} REQNBR {ins.req_nbr}")
    except (admin.AdminError, EngineError, faults.FaultSpecError) as exc:
        code = getattr(exc, "code", "FAULT_SPEC")
        print(f"error {code}: {getattr(exc, 'text', exc)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
