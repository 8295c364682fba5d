"""``bankdirect batch ...``: payroll (代发工资) and supplier batch files. Same conventions as app/cli.py (``--json``,
exit 0 / 2 / 3 / 4, ``--user`` with BANKDIRECT_PASSWORD).

* ``batch import FILE --account ACC --user U [--profile NAME] [--dry-run] [--exclude-invalid] [--errors-out PATH]
  [--confirm-branches TOKEN]`` — ``--dry-run`` prints the preview (every problem of every row, counts, totals, the
  branch chosen by name where the bank code was empty as "row N: name → code official name", the invoices of
  supplier lines) and writes nothing; exit 2 when any row is invalid. Without it the batch is written only when
  every row is valid, or, with ``--exclude-invalid``, from the valid rows (the others go to an error report, CSV
  beside the file or ``--errors-out``). The same file twice: DUPLICATE, exit 2. When bank codes were chosen by
  branch name the import needs ``--confirm-branches TOKEN`` with the confirmation token the dry run printed for
  that list (BRANCH_CONFIRMATION, exit 2, the list and the token in the message, otherwise). The debit account's
  bank's own findings (its encoding and field lengths) are told apart: ``--json`` lists them under
  ``bank_findings`` (each: the error's own keys plus bank, wire field, limit, unit and a short reason; the
  ``errors`` list is unchanged and still holds them) with ``bank_error_rows`` / ``other_error_rows``; a refused
  import's error carries ``bank_findings`` too; the text output lists them under their own heading.
* ``cnaps import FILE --user ADMIN [--skip-invalid]`` — install a full CNAPS branch list (gweesin/CNAPS CSV
  layout, UTF-8 or GBK) in the data folder; every bad row is reported by line (nothing installed unless
  ``--skip-invalid``). ``cnaps lookup NAME [--limit N]`` — what the batch import would choose for a branch name
  and the candidates.
* ``batch list``, ``batch show ID``, ``batch export ID --out FILE.csv|.xlsx [--status S]``.
* ``batch profile list``, ``batch profile save NAME --base payroll|supplier --column FIELD=HEADER ...``.
"""

from __future__ import annotations

import sys

from app.domain.money import format_amount


def _cnaps(cli):
    """The CNAPS table service of this data folder (the composition root's, when it provides one)."""
    ctx = cli.context()
    existing = getattr(ctx.services, "cnaps", None)
    if existing is not None:
        return existing
    from app.services.cnaps import CnapsService

    return CnapsService(ctx.config.data_dir, ctx.ledger.unit_of_work_factory(ctx.audit_key, ctx.clock), ctx.clock)


def _service(cli):
    ctx = cli.context()
    existing = getattr(ctx.services, "batch_import", None)
    if existing is not None and getattr(ctx.services, "cnaps", None) is not None:
        return existing                    # wired with the data folder's bank-code table
    from app.services.batch_import import BatchImportService

    uow = ctx.ledger.unit_of_work_factory(ctx.audit_key, ctx.clock)
    extras = None
    try:
        from storage.batch_lines_extra import SqlBatchLineExtras

        extras = SqlBatchLineExtras.of
    except ImportError:  # pragma: no cover - storage is always installed with the CLI
        pass
    return BatchImportService(uow, ctx.clock, events=getattr(ctx.services, "events", None),
                              branches=_cnaps(cli).directory, line_extras=extras)


def _money(minor: int) -> str:
    return format_amount(minor)


def _preview_json(pv) -> dict:
    return {
        "file": pv.file_name, "sha256": pv.sha256, "format": pv.file_format, "encoding": pv.encoding,
        "profile": pv.profile.name, "kind": pv.profile.kind, "account": pv.account.account_number,
        "currency": pv.account.currency, "rows": pv.rows_total, "valid_rows": len(pv.lines),
        "invalid_rows": len(pv.invalid_rows), "total_minor": pv.total_minor, "total": _money(pv.total_minor),
        "new_payees": pv.new_payees, "existing_payees": pv.existing_payees,
        "already_imported_batch": pv.already_imported.id if pv.already_imported else None,
        "branches_chosen": [{"row": line.row, "bank_name": line.branch_name, "bank_code": line.bank_code,
                             "branch": line.resolved_branch} for line in pv.resolved_branches],
        "branch_confirmation": pv.branch_token if pv.resolved_branches else None,
        "bank_rules": pv.bank_rules or None,
        "remittances": [{"row": line.row, **_remittance_json(line.remittance)} for line in pv.remittance_lines],
        "errors": [p.to_dict() for p in pv.errors],
        "warnings": [p.to_dict() for p in pv.problems if not p.is_error],
        "bank": pv.bank or None,
        "bank_findings": [f.to_dict() for f in pv.bank_findings],
        "bank_error_rows": pv.bank_error_rows,
        "other_error_rows": pv.other_error_rows,
    }


def _print_preview(pv, limit: int = 50) -> None:
    print(f"{pv.file_name}: {pv.file_format}{' ' + pv.encoding if pv.encoding else ''}, profile {pv.profile.name}, "
          f"from account {pv.account.account_number}")
    print(f"{pv.rows_total} rows: {len(pv.lines)} valid, {len(pv.invalid_rows)} invalid; total of valid rows "
          f"{_money(pv.total_minor)} {pv.account.currency}; payees new {pv.new_payees}, known {pv.existing_payees}")
    chosen = pv.resolved_branches
    if chosen:
        print(f"{len(chosen)} bank codes chosen from the branch name — check each one:")
    for line in chosen[:limit]:
        print(f"  row {line.row}: {line.branch_name} → {line.bank_code} {line.resolved_branch}")
    if len(chosen) > limit:
        print(f"  … and {len(chosen) - limit} more (use --json for all)")
    if chosen:
        print(f"  to import, confirm this list with --confirm-branches {pv.branch_token}")
    for line in pv.remittance_lines[:limit]:
        print(f"  row {line.row}: {line.remittance.describe()}")
    if pv.bank_rules:
        banks = pv.bank_error_rows
        print(f"bank check ({pv.bank}): " + (f"{len(banks)} rows the bank will not take" if banks else
                                             "every checked row fits the bank's encoding and field lengths"))
    elif pv.bank_rules_note:
        print(f"bank check not done: {pv.bank_rules_note}")
    findings = [f for f in pv.bank_findings if f.is_error]
    for f in findings[:limit]:
        print(f"  row {f.row} [{f.problem.column}] bank {f.code}: {f.short} — {f.problem.message}", file=sys.stderr)
    if len(findings) > limit:
        print(f"  … and {len(findings) - limit} more bank findings (use --json for all)", file=sys.stderr)
    errors = [p for p in pv.errors if not pv.is_bank_finding(p)]
    if errors and findings:
        print(f"{len(errors)} other errors:", file=sys.stderr)
    for p in errors[:limit]:
        print(f"  row {p.row} [{p.column}] {p.code}: {p.message}", file=sys.stderr)
    if len(errors) > limit:
        print(f"  … and {len(errors) - limit} more errors (use --json for all)", file=sys.stderr)


def cmd_batch_import(cli) -> int:
    from app.cli import EXIT_OK, EXIT_REJECTED, _print_json

    a = cli.args
    service = _service(cli)
    actor = cli.actor()
    if a.dry_run:
        pv = service.preview(actor, a.file, account=a.account, profile=a.profile)
        bad = bool(pv.errors) or pv.already_imported is not None
        if cli.json:
            data = {"ok": not bad, "dry_run": True, **_preview_json(pv)}
            if bad:
                data["exit_status"] = EXIT_REJECTED
            _print_json(data)
        else:
            _print_preview(pv)
        return EXIT_REJECTED if bad else EXIT_OK
    result = service.import_file(actor, a.file, account=a.account, profile=a.profile,
                                 exclude_invalid=a.exclude_invalid, errors_out=a.errors_out,
                                 confirm_branches=a.confirm_branches, require_branch_confirmation=True)
    b = result.batch
    if cli.json:
        _print_json({"ok": True, "batch_id": b.id, "status": b.status, "lines": b.line_count,
                     "excluded": b.excluded_count, "total_minor": b.total_minor, "total": _money(b.total_minor),
                     "payees_created": b.payees_created, "error_report": str(result.error_report or "") or None,
                     **{k: v for k, v in _preview_json(result.preview).items() if k not in ("errors",)},
                     "errors": [p.to_dict() for p in result.preview.errors]})
    else:
        print(f"batch {b.id} imported: {b.line_count} payments, {_money(b.total_minor)} {b.currency}, "
              f"{b.payees_created} new payees; status {b.status}")
        if result.error_report:
            print(f"{b.excluded_count} invalid rows excluded; error report: {result.error_report}")
    return EXIT_OK


def cmd_batch_list(cli) -> int:
    from app.cli import EXIT_OK, _print_json, _table

    batches = _service(cli).list_batches(cli.actor())
    if cli.json:
        _print_json(batches)
    else:
        _table([{"id": b.id, "file": b.file_name, "kind": b.kind, "account": b.debit_account_number,
                 "lines": b.line_count, "total": _money(b.total_minor), "status": b.status,
                 "by": b.created_by_name} for b in batches],
               ["id", "file", "kind", "account", "lines", "total", "status", "by"])
    return EXIT_OK


def _remittance_json(remittance) -> dict | None:
    if not remittance:
        return None
    return {"invoices": [{"number": d.number, "date": d.issued.isoformat() if d.issued else None}
                         for d in remittance.documents], "reference": remittance.reference}


def cmd_batch_show(cli) -> int:
    from app.cli import EXIT_OK, _jsonable, _print_json

    service = _service(cli)
    actor = cli.actor()
    batch, counts = service.get_batch(actor, cli.args.batch_id)
    if cli.json:
        lines = service.lines(actor, batch.id, 0, cli.args.limit)
        remittances = service.remittances(actor, batch.id) if batch.kind == "supplier" else {}
        _print_json({"batch": batch, "statuses": {k: {"count": n, "total_minor": t} for k, (n, t) in counts.items()},
                     "lines": [{**_jsonable(line), "remittance": _remittance_json(remittances.get(line.payment_id))}
                               for line in lines]})
    else:
        print(f"batch {batch.id}: {batch.file_name} ({batch.kind}, profile {batch.profile_name}) from "
              f"{batch.debit_account_number}: {batch.line_count} lines, {_money(batch.total_minor)} {batch.currency}")
        for status, (n, total) in sorted(counts.items()):
            print(f"  {status:<18} {n:>7}  {_money(total)}")
    return EXIT_OK


def cmd_batch_export(cli) -> int:
    from app.cli import EXIT_OK, _print_json

    n = _service(cli).export_lines(cli.actor(), cli.args.batch_id, cli.args.out, status=cli.args.status)
    _print_json({"ok": True, "rows": n, "file": cli.args.out}) if cli.json else print(
        f"{n} lines written to {cli.args.out}")
    return EXIT_OK


def cmd_profile_list(cli) -> int:
    from app.cli import EXIT_OK, _print_json

    profiles = _service(cli).profiles(cli.actor())
    if cli.json:
        _print_json([p.to_dict() for p in profiles])
    else:
        for p in profiles:
            cols = ", ".join(f"{k}={'/'.join(v)}" for k, v in p.columns.items())
            print(f"{p.name} ({p.kind}{', built-in' if p.builtin else ''}): {cols}")
    return EXIT_OK


def cmd_profile_save(cli) -> int:
    from app.cli import EXIT_OK, _print_json
    from app.domain.errors import DomainError

    a = cli.args
    columns: dict[str, list[str]] = {}
    for item in a.column or []:
        key, sep, header = item.partition("=")
        if not sep:
            raise DomainError("PROFILE", f"--column takes FIELD=HEADER, got {item!r}", "column")
        columns.setdefault(key.strip(), []).append(header)
    profile = _service(cli).save_profile(cli.actor(), {"name": a.name, "base": a.base, "columns": columns,
                                                       "default_purpose": a.purpose, "max_amount": a.max_amount})
    _print_json({"ok": True, "profile": profile.to_dict()}) if cli.json else print(f"profile {profile.name} saved")
    return EXIT_OK


def register(sub, add) -> None:
    bt = sub.add_parser("batch", help="payroll and supplier batch files").add_subparsers(
        dest="command", metavar="ACTION", required=True)
    sp = add(bt, "import", cmd_batch_import, "import a CSV/XLSX payroll or supplier file as a batch of payments")
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("--account", required=True, help="the debit account (number or id)")
    sp.add_argument("--profile", default=None, help="import profile (payroll, supplier or a saved one; default "
                    "payroll)")
    sp.add_argument("--dry-run", action="store_true", help="check and preview only; write nothing")
    sp.add_argument("--exclude-invalid", action="store_true", help="import the valid rows, report the others")
    sp.add_argument("--errors-out", metavar="PATH", help="error report file (.csv or .xlsx)")
    sp.add_argument("--confirm-branches", metavar="TOKEN", help="confirm the bank codes chosen from branch names "
                    "(the token --dry-run prints for the list it shows)")
    add(bt, "list", cmd_batch_list, "list imported batches")
    sp = add(bt, "show", cmd_batch_show, "a batch's counts and totals per status")
    sp.add_argument("batch_id", type=int)
    sp.add_argument("--limit", type=int, default=1000, help="lines listed with --json")
    sp = add(bt, "export", cmd_batch_export, "export a batch's lines with their status (CSV or XLSX)")
    sp.add_argument("batch_id", type=int)
    sp.add_argument("--out", required=True, metavar="FILE")
    sp.add_argument("--status", help="only lines in this status (e.g. FAILED)")
    pr = add(bt, "profile", lambda cli: 0, "import profiles")
    prs = pr.add_subparsers(dest="profile_command", metavar="ACTION", required=True)
    add(prs, "list", cmd_profile_list, "list import profiles")
    sp = add(prs, "save", cmd_profile_save, "save a column mapping by name")
    sp.add_argument("name")
    sp.add_argument("--base", choices=["payroll", "supplier"], default="supplier")
    sp.add_argument("--column", action="append", metavar="FIELD=HEADER",
                    help="payee_name, payee_account, bank_name, bank_code, amount or purpose = the file's header")
    sp.add_argument("--purpose", default=None, help="default purpose (用途) when the file has none")
    sp.add_argument("--max-amount", default=None, help="largest amount per line")
    from app.cli_batch_results import register as register_results  # approve, reject, results, re-initiate

    register_results(bt, add)


# -- cnaps ------------------------------------------------------------------------------------------------------
def _branch_json(b) -> dict:
    return {"code": b.code, "name": b.name, "bank": b.bank, "city": b.city, "head_office": b.is_head_office}


def cmd_cnaps_import(cli) -> int:
    from app.cli import EXIT_OK, _print_json

    result = _cnaps(cli).import_file(cli.actor(), cli.args.file, skip_invalid=cli.args.skip_invalid)
    if cli.json:
        _print_json({"ok": True, "table": str(result.path), "rows": result.rows, "branches": result.branches,
                     "skipped_rows": result.skipped_rows, "sha256": result.sha256,
                     "errors": [p.to_dict() for p in result.problems if p.is_error],
                     "warnings": [p.to_dict() for p in result.problems if not p.is_error]})
    else:
        print(f"{result.branches} branches installed from {result.rows} rows into {result.path}")
        for p in [p for p in result.problems if p.is_error][:50]:
            print(f"  skipped line {p.row} [{p.column}] {p.code}: {p.message}", file=sys.stderr)
    return EXIT_OK


def cmd_cnaps_lookup(cli) -> int:
    from app.cli import EXIT_OK, EXIT_REJECTED, _print_json

    found = _cnaps(cli).lookup(cli.args.name, cli.args.limit)
    chosen = found.match.branch
    if cli.json:
        _print_json({"ok": chosen is not None, "name": found.name, "table": found.source,
                     "table_size": found.table_size, "chosen": _branch_json(chosen) if chosen else None,
                     "problem": found.match.problem,
                     "candidates": [_branch_json(b) for b in (found.candidates or found.match.candidates)]})
    else:
        print(f"{found.name}: " + (f"{chosen.code} {chosen.name}" if chosen else str(found.match.problem))
              + f"  [{found.source} table, {found.table_size} entries]")
        for b in found.candidates or found.match.candidates:
            print(f"  {b.code}  {b.name}{'  ' + b.city if b.city else ''}")
    return EXIT_OK if chosen is not None else EXIT_REJECTED


def register_cnaps(sub, add) -> None:
    cn = sub.add_parser("cnaps", help="the CNAPS bank-code table (联行号) used to find branches by name")
    cns = cn.add_subparsers(dest="command", metavar="ACTION", required=True)
    sp = add(cns, "import", cmd_cnaps_import, "install a full CNAPS branch list (gweesin/CNAPS CSV layout, UTF-8 "
             "or GBK) in the data folder; it is used in preference to the shipped table")
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("--skip-invalid", action="store_true", help="install the valid rows, report the others")
    sp = add(cns, "lookup", cmd_cnaps_lookup, "the bank code a branch name gives, and the candidates")
    sp.add_argument("name")
    sp.add_argument("--limit", type=int, default=20, help="candidates listed (default 20)")
