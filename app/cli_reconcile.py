"""CLI of reconciliation and alerts: ``reconcile [--days N]``, ``alerts list [--open]``, ``alerts ack ID --note``.
Same conventions as app/cli.py (``--json``, exit statuses 0/2/3/4). ``reconcile`` exits 3 when a bank could not
be asked (the accounts it reached were still reconciled)."""

from __future__ import annotations

import argparse

from app.domain.errors import DomainError


def _out():
    from app.cli import _print_json, _table

    return _print_json, _table


def _service(cli, name: str):
    service = getattr(cli.services, name, None)
    if service is None:
        raise DomainError("NOT_AVAILABLE", f"this ledger has no {name} service")
    return service


def _alert_view(a) -> dict:
    return {"id": a.id, "kind": a.kind, "severity": a.severity.value, "open": a.is_open, "payment_id": a.payment_id,
            "account_id": a.account_id, "dedup_key": a.dedup_key, "title": a.title, "detail": a.detail,
            "created_at": a.created_at, "acknowledged_by": a.acknowledged_by, "acknowledged_at": a.acknowledged_at,
            "acknowledge_note": a.acknowledge_note}


def cmd_reconcile(cli) -> int:
    print_json, _ = _out()
    report = _service(cli, "reconciliation").run(cli.actor(), cli.args.days)
    if cli.json:
        print_json({"ok": report.ok, "today": report.today, "days": report.days,
                    "checked_payments": report.checked_payments, "debits_seen": report.debits_seen,
                    "new_transactions": report.new_transactions, "alerts_raised": len(report.alerts),
                    "alerts": [_alert_view(a) for a in report.alerts], "flagged_payments": report.flagged_payments,
                    "accounts": report.accounts, "errors": report.errors, "warnings": report.warnings})
    else:
        print(f"reconciled {len(report.accounts)} account(s) up to bank day {report.today}: "
              f"{report.checked_payments} payment(s) checked, {report.debits_seen} debit(s) seen, "
              f"{len(report.alerts)} new alert(s)")
        for a in report.alerts:
            print(f"  #{a.id} {a.severity.value} {a.kind}: {a.title}")
        for text in (*report.errors, *report.warnings):
            print(f"  {text}")
    return 0 if report.ok else 3


def cmd_alerts_list(cli) -> int:
    print_json, table = _out()
    alerts = _service(cli, "alerts").list_alerts(cli.actor(optional=True), open_only=cli.args.open,
                                                 limit=cli.args.limit)
    if cli.json:
        print_json([_alert_view(a) for a in alerts])
    else:
        table([{"id": a.id, "severity": a.severity.value, "kind": a.kind, "payment": a.payment_id or "",
                "state": "open" if a.is_open else f"ack {a.acknowledged_by}", "title": a.title} for a in alerts],
              ["id", "severity", "kind", "payment", "state", "title"])
    return 0


def cmd_alerts_ack(cli) -> int:
    print_json, _ = _out()
    alert = _service(cli, "alerts").acknowledge(cli.actor(), cli.args.id, cli.args.note)
    if cli.json:
        print_json({"ok": True, "alert": _alert_view(alert)})
    else:
        print(f"alert #{alert.id} acknowledged by {alert.acknowledged_by}")
    return 0


def _days(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"a whole number of bank days, not {text!r}")
    return int(text)


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a positive whole number, not {text!r}")
    return int(text)


def register(sub, add) -> None:
    sp = add(sub, "reconcile", cmd_reconcile, "fetch the banks' transaction details and match debits to payments; "
             "raise alerts for double, missing or unexpected debits")
    sp.add_argument("--days", type=_days, help="bank days to fetch and check, today included (default 3)")
    alerts = sub.add_parser("alerts", help="alerts (reconciliation findings)").add_subparsers(
        dest="command", metavar="ACTION", required=True)
    sp = add(alerts, "list", cmd_alerts_list, "list alerts: open first, critical first")
    sp.add_argument("--open", action="store_true", help="only alerts not acknowledged yet")
    sp.add_argument("--limit", type=_positive, default=1000)
    sp = add(alerts, "ack", cmd_alerts_ack, "acknowledge an alert with a note saying what was done")
    sp.add_argument("id", type=_positive)
    sp.add_argument("--note", required=True, help="what was checked or done (kept in the audit log)")
