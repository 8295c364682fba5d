"""``bankdirect statement import FILE [--account ACC] [--dry-run]``: bank statement files (camt.052/053/054, MT940/942)
into the account's transaction details. Same conventions as app/cli.py (``--json``, exit 0 / 2 / 3 / 4, ``--user``
with BANKDIRECT_PASSWORD).

``--dry-run`` reads and checks the file without writing and without needing its account in the ledger: for each
statement the account, period, opening and closing balances, entry count and totals; exit 0 when the file is
readable, 2 with the reasons when it is not. Without it the booked entries are stored once (a second import of
the same statement adds nothing: ``new`` / ``skipped``); a statement for an account the ledger does not know is
refused (exit 2, nothing written).
"""

from __future__ import annotations

from app.ports.statements import format_minor


def _out():
    from app.cli import _print_json, _table

    return _print_json, _table


def _money(minor: int | None, currency: str) -> str:
    return "-" if minor is None else format_minor(minor, currency or "XXX")


def _summary_json(s) -> dict:
    return {
        "index": s.index, "statement_id": s.statement_id, "kind": s.kind, "account": s.account,
        "currency": s.currency, "period_from": s.period_from, "period_to": s.period_to,
        "opening_minor": s.opening_minor, "closing_minor": s.closing_minor,
        "opening": None if s.opening_minor is None else _money(s.opening_minor, s.currency),
        "closing": None if s.closing_minor is None else _money(s.closing_minor, s.currency),
        "entries": s.entry_count, "booked": s.booked_count, "credits_minor": s.credits_minor,
        "debits_minor": s.debits_minor, "credits": _money(s.credits_minor, s.currency),
        "debits": _money(s.debits_minor, s.currency),
        "ledger_accounts": [{"id": c.account_id, "account_number": c.account_number, "currency": c.currency}
                            for c in s.candidates],
    }


def _print_problems(problems) -> None:
    import sys

    for p in problems:
        field = f" [{p.field}]" if p.field else ""
        print(f"  - {p.severity.value} {p.code}{field}: {p.message}", file=sys.stderr)


def cmd_statement_import(cli) -> int:
    from app.cli import EXIT_OK, EXIT_REJECTED

    print_json, table = _out()
    a = cli.args
    service = cli.services.statements
    if a.dry_run:
        actor = cli.actor(optional=True)
        preview = service.preview(actor, a.file)
        problems = [p.to_dict() for p in preview.problems]
        statements = [_summary_json(s) for s in preview.statements]
        errors = preview.file.errors
        if cli.json:
            data = {"ok": not errors, "dry_run": True, "file": a.file, "format": preview.format,
                    "statements": statements, "problems": problems}
            if errors:
                data.update(exit_status=EXIT_REJECTED, error={"code": errors[0].code, "message": errors[0].message,
                                                              "field": errors[0].field})
            print_json(data)
        else:
            print(f"{a.file}: {preview.format}, {len(statements)} statement(s)")
            table([{"#": s["index"], "account": s["account"], "ccy": s["currency"],
                    "period": f"{s['period_from'] or '?'} .. {s['period_to'] or '?'}", "opening": s["opening"] or "-",
                    "closing": s["closing"] or "-", "entries": s["entries"], "credits": s["credits"],
                    "debits": s["debits"]} for s in statements],
                  ["#", "account", "ccy", "period", "opening", "closing", "entries", "credits", "debits"])
            _print_problems(preview.problems)
            if errors:
                import sys

                print(f"error {errors[0].code}: the file cannot be imported ({len(errors)} error(s))", file=sys.stderr)
        return EXIT_REJECTED if errors else EXIT_OK
    actor = cli.actor()
    account_id = cli.services.master_data.find_account(actor, a.account).id if a.account else None
    result = service.import_file(actor, a.file, account_id=account_id)
    if cli.json:
        print_json({"ok": True, "file": a.file, "format": result.format, "sha256": result.sha256, "new": result.new,
                    "skipped": result.skipped, "not_booked": result.not_booked,
                    "statements": [{"index": s.index, "statement_id": s.statement_id, "account_id": s.account_id,
                                    "account_number": s.account_number, "entries": s.entries, "new": s.new,
                                    "skipped": s.skipped, "not_booked": s.not_booked} for s in result.statements],
                    "warnings": [p.to_dict() for p in result.warnings]})
    else:
        for s in result.statements:
            print(f"statement {s.index} → account {s.account_number}: {s.new} new, {s.skipped} already stored"
                  + (f", {s.not_booked} not booked (pending / information)" if s.not_booked else ""))
        print(f"{result.new} new entries, {result.skipped} skipped")
        _print_problems(result.warnings)
    return EXIT_OK


def register(sub, add) -> None:
    st = sub.add_parser("statement", help="bank statement files: camt.052/053/054, MT940/MT942").add_subparsers(
        dest="command", metavar="ACTION", required=True)
    sp = add(st, "import", cmd_statement_import, "import a statement file into the account's transaction details "
             "(--dry-run: read and check only)")
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("--account", help="the ledger account (number or id) when the file's account matches several")
    sp.add_argument("--dry-run", action="store_true", help="read and check the file; write nothing")
