"""``bankdirect batch approve|reject|results|reinitiate-failed``: a batch's life after import. Same conventions as
app/cli.py (``--json``, exit 0 / 2 / 3 / 4, ``--user`` with BANKDIRECT_PASSWORD).

* ``batch approve ID --user U [--expect-count N --expect-total 1234.56]`` — approves every line awaiting approval
  (ApprovalService rules). Without ``--expect-*`` the count and total are read first and printed with the result;
  with them, a batch that differs is refused (BATCH_CHANGED). The password is re-entered from BANKDIRECT_PASSWORD
  when the batch total is above the policy's threshold.
* ``batch reject ID --comment TEXT --user U``.
* ``batch results ID [--json]`` — counts and totals per bucket; sent = succeeded + failed + pending.
* ``batch export-results ID --out FILE.csv|.xlsx [--failed]``.
* ``batch reinitiate-failed ID --user U`` — the failed lines as a new batch awaiting approval.
"""

from __future__ import annotations

import os

from app.domain.errors import DomainError
from app.domain.money import format_amount, parse_amount


def _services(cli):
    s = cli.context().services
    if s.batch_approval is None or s.batch_results is None:
        raise DomainError("NOT_AVAILABLE", "batch approval is not available in this ledger")
    return s


def _expected_total(text: str) -> int:
    return parse_amount(text, max_minor=None, field="expect_total").amount_minor   # ValidationFailed when bad


def cmd_batch_approve(cli) -> int:
    from app.cli import EXIT_OK, _print_json
    from app.config import ENV_PASSWORD

    a = cli.args
    s = _services(cli)
    actor = cli.actor()
    summary = s.batch_approval.summary(actor, a.batch_id)
    count = a.expect_count if a.expect_count is not None else summary.pending_count
    total = _expected_total(a.expect_total) if a.expect_total is not None else summary.pending_total_minor
    password = os.environ.get(ENV_PASSWORD) if summary.needs_password else None
    decision = s.batch_approval.approve_batch(actor, a.batch_id, count, total, password)
    if cli.json:
        _print_json({"ok": True, "batch_id": decision.batch.id, "lines": len(decision.payment_ids),
                     "total_minor": decision.total_minor, "approved": decision.approved,
                     "awaiting_further_approval": len(decision.payment_ids) - decision.approved})
    else:
        print(f"batch {decision.batch.id}: {len(decision.payment_ids)} lines, {format_amount(decision.total_minor)} "
              f"{decision.batch.currency} approved; {decision.approved} now APPROVED, "
              f"{len(decision.payment_ids) - decision.approved} await a further approver")
    return EXIT_OK


def cmd_batch_reject(cli) -> int:
    from app.cli import EXIT_OK, _print_json

    s = _services(cli)
    decision = s.batch_approval.reject_batch(cli.actor(), cli.args.batch_id, cli.args.comment)
    if cli.json:
        _print_json({"ok": True, "batch_id": decision.batch.id, "rejected": decision.rejected,
                     "total_minor": decision.total_minor})
    else:
        print(f"batch {decision.batch.id}: {decision.rejected} lines rejected")
    return EXIT_OK


def cmd_batch_results(cli) -> int:
    from app.cli import EXIT_OK, _print_json

    res = _services(cli).batch_results.results(cli.actor(), cli.args.batch_id)
    if cli.json:
        _print_json(res.to_dict())
        return EXIT_OK
    b = res.batch
    print(f"batch {b.id}: {b.file_name} ({b.kind}) from {b.debit_account_number}: {res.stage}")
    rows = [("lines", res.lines), ("awaiting approval", res.buckets["awaiting_approval"]),
            ("awaiting signature", res.buckets["awaiting_signature"]), ("rejected", res.buckets["rejected"]),
            ("cancelled", res.buckets["cancelled"]), ("sent", res.sent), ("  succeeded", res.buckets["succeeded"]),
            ("  failed", res.buckets["failed"]), ("  pending", res.buckets["pending"])]
    for label, tally in rows:
        print(f"  {label:<20} {tally.count:>8}  {format_amount(tally.total_minor):>20} {b.currency}")
    print("  reconciles: " + ("yes" if res.reconciles else "NO"))
    return EXIT_OK


def cmd_batch_export_results(cli) -> int:
    from app.cli import EXIT_OK, _print_json

    n = _services(cli).batch_results.export(cli.actor(), cli.args.batch_id, cli.args.out, failed_only=cli.args.failed)
    _print_json({"ok": True, "rows": n, "file": cli.args.out}) if cli.json else print(
        f"{n} lines written to {cli.args.out}")
    return EXIT_OK


def cmd_batch_reinitiate_failed(cli) -> int:
    from app.cli import EXIT_OK, _print_json

    result = _services(cli).batch_results.reinitiate_failed(cli.actor(), cli.args.batch_id)
    b = result.batch
    if cli.json:
        _print_json({"ok": True, "batch_id": b.id, "from_batch_id": result.from_batch_id, "lines": b.line_count,
                     "total_minor": b.total_minor, "status": "PENDING_APPROVAL",
                     "links": {str(k): v for k, v in result.links.items()}})
    else:
        print(f"{b.line_count} failed lines of batch {result.from_batch_id} re-initiated as batch {b.id} "
              f"({format_amount(b.total_minor)} {b.currency}); it awaits approval")
    return EXIT_OK


def register(bt, add) -> None:
    """Add the sub-commands to the ``batch`` sub-parsers ``bt`` (see app/cli_batch.py)."""
    sp = add(bt, "approve", cmd_batch_approve, "approve every line of a batch awaiting approval")
    sp.add_argument("batch_id", type=int)
    sp.add_argument("--expect-count", type=int, default=None, help="the number of lines you checked")
    sp.add_argument("--expect-total", default=None, help="their total (e.g. 123456.78)")
    sp = add(bt, "reject", cmd_batch_reject, "reject every line of a batch awaiting approval")
    sp.add_argument("batch_id", type=int)
    sp.add_argument("--comment", required=True)
    sp = add(bt, "results", cmd_batch_results, "counts and totals: sent = succeeded + failed + pending")
    sp.add_argument("batch_id", type=int)
    sp = add(bt, "export-results", cmd_batch_export_results, "export lines with their results (CSV or XLSX)")
    sp.add_argument("batch_id", type=int)
    sp.add_argument("--out", required=True, metavar="FILE")
    sp.add_argument("--failed", action="store_true", help="only the failed lines")
    sp = add(bt, "reinitiate-failed", cmd_batch_reinitiate_failed, "re-initiate the failed lines as a new batch")
    sp.add_argument("batch_id", type=int)
