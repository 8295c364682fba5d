"""CLI of the submission engine: the headless ``worker``, and per-payment actions (query now, re-initiate,
confirm the result). Same conventions as app/cli.py (``--json``, exit statuses 0/2/3/4)."""

from __future__ import annotations

import signal
import sys
import threading
from dataclasses import asdict, replace

from app.domain.submission import EngineSettings


def _out():
    from app.cli import _print_json, _table

    return _print_json, _table


def engine_settings(args, base: EngineSettings) -> EngineSettings:
    """Worker flags override the defaults (tests and the chaos suite poll sub-second)."""
    changes = {}
    for flag, field in (("lease", "lease_s"), ("first_query", "first_query_s"), ("settle_lag", "settle_lag_s"),
                        ("query_backoff_max", "query_backoff_max_s"), ("resend_backoff", "resend_backoff_s"),
                        ("query_interval", "min_query_interval_s"), ("unknown_sla", "unknown_sla_s")):
        value = getattr(args, flag, None)
        if value is not None:
            changes[field] = value
    if getattr(args, "no_record_confirmations", None) is not None:
        changes["no_record_confirmations"] = args.no_record_confirmations
    if getattr(args, "senders", None) is not None:
        changes["send_parallelism"] = args.senders
    if getattr(args, "shard", None) is not None:
        changes["shard"] = args.shard
    if getattr(args, "ignore_quiet_hours", False):
        changes["respect_quiet_hours"] = False
    return replace(base, **changes)


def cmd_worker(cli) -> int:
    """Run the engine: --once (one pass), --until-idle (until nothing is in flight, or --timeout), else forever
    (Ctrl+C / SIGTERM stop it between passes). Passes follow each other at once while they find work (a payroll is
    not paused between its chunks); a pass that found nothing waits --poll seconds."""
    print_json, _ = _out()
    engine = cli.services.submission
    engine.settings = engine_settings(cli.args, engine.settings)
    stop = threading.Event()

    def _stop(*_):
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    if cli.args.once:
        report = engine.run_once()
    elif cli.args.until_idle:
        report = engine.run_until_idle(timeout_s=cli.args.timeout, poll_s=cli.args.poll, cancelled=stop.is_set)
    else:
        from app.domain.submission import EngineReport

        report = EngineReport()
        try:
            while not stop.is_set():
                step = engine.run_once()
                report += step
                if not step.work:  # a pass that did work is followed by the next at once; an idle one waits --poll
                    stop.wait(cli.args.poll)
        except KeyboardInterrupt:
            pass
    pending = engine.pending()
    result = {"ok": not any(e.startswith("TIMEOUT") for e in report.errors), "worker": engine.worker_id,
              "pending": pending, **{k: v for k, v in asdict(report).items() if k != "errors"},
              "errors": list(report.errors)}
    if cli.json:
        print_json(result)
    else:
        print(f"worker {engine.worker_id}: queued {report.queued}, prepared {report.prepared}, sent {report.sent} "
              f"(answered {report.answered}, unknown {report.unknown}, not sent {report.not_sent}), queried "
              f"{report.queried}, resolved {report.resolved}, resent {report.requeued}, recovered "
              f"{report.recovered}, held {report.held}; still in flight: {pending}")
        for e in report.errors[:20]:
            print(f"  {e}", file=sys.stderr)
    return 0 if result["ok"] else 3


def trace_view(trace) -> dict:
    """What ``payments show --json`` adds: references, attempts with bank codes, the engine's view."""
    p = trace.payment
    attempts = [{"attempt_no": a.attempt_no, "fence": a.id, "worker": a.worker, "outcome": a.outcome.value
                 if a.outcome else None, "error_code": a.error_code, "detail": a.detail,
                 "started_at": a.started_at.isoformat(), "finished_at": a.finished_at.isoformat()
                 if a.finished_at else None, "body_sha256": a.body_sha256} for a in trace.attempts]
    return {
        "references": [{"reference": r.reference, "bank": r.bank, "allocated_at": r.allocated_at.isoformat(),
                        "attempts": attempts} for r in trace.references],
        "bank_code": p.bank_code, "bank_text": p.bank_text, "bank_reference": p.bank_reference,
        "attention": p.attention or None, "attempts": len(trace.attempts),
        "next_check_at": p.next_check_at.isoformat() if p.next_check_at else None,
        "unknown_since": p.unknown_since.isoformat() if p.unknown_since else None,
        "final_at": p.final_at.isoformat() if p.final_at else None,
        "reinitiated_from": p.reinitiated_from_id, "reinitiated_by": p.reinitiated_by_id,
        "result_confirmed_by": p.result_confirmed_by,
        "submission": {"id": trace.submission.id, "state": trace.submission.state.value,
                       "body_sha256": trace.submission.body_sha256, "count": len(trace.submission.payment_ids),
                       "resends": trace.submission.resends} if trace.submission else None,
    }


def _payment_id(text: str) -> int:
    from app.cli_payments import _payment_id as parse

    return parse(text)


def cmd_payment_query(cli) -> int:
    print_json, _ = _out()
    p = cli.services.submission.query_now(cli.actor(), _payment_id(cli.args.id))
    if cli.json:
        print_json({"ok": True, "id": p.id, "status": p.status.value, "bank_code": p.bank_code,
                    "bank_text": p.bank_text, "attention": p.attention or None})
    else:
        print(f"payment {p.id}: {p.status.value} {p.bank_code} {p.bank_text}".rstrip())
    return 0


def cmd_payment_reinitiate(cli) -> int:
    print_json, _ = _out()
    new_id = cli.services.submission.reinitiate(cli.actor(), _payment_id(cli.args.id))
    if cli.json:
        print_json({"ok": True, "id": new_id, "reinitiated_from": int(cli.args.id), "status": "PENDING_APPROVAL"})
    else:
        print(f"payment {new_id} re-initiates payment {cli.args.id}; it awaits approval")
    return 0


def cmd_payment_confirm(cli) -> int:
    print_json, _ = _out()
    p = cli.services.submission.confirm_result(cli.actor(), _payment_id(cli.args.id))
    if cli.json:
        print_json({"ok": True, "id": p.id, "status": p.status.value, "confirmed_by": p.result_confirmed_by})
    else:
        print(f"payment {p.id}: result {p.status.value} confirmed")
    return 0


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 86_400:
        raise ValueError(text)
    return value


def _senders(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 16:
        raise ValueError(text)
    return value


def _shard(text: str) -> tuple[int, int]:
    k, _, n = text.partition("/")
    shard = (int(k), int(n))
    if not (1 <= shard[1] <= 64 and 0 <= shard[0] < shard[1]):
        raise ValueError(text)
    return shard


def register(sub, add, payment_parser) -> None:
    sp = add(sub, "worker", cmd_worker, "run the submission engine headless (send, follow up, resolve unknowns)")
    mode = sp.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one pass, then exit")
    mode.add_argument("--until-idle", action="store_true", help="until no payment is in flight (or --timeout)")
    sp.add_argument("--timeout", type=_seconds, default=600.0, help="with --until-idle: give up after S seconds")
    sp.add_argument("--poll", type=_seconds, default=2.0, help="seconds between passes")
    sp.add_argument("--lease", type=_seconds, help="a sender's lease on a submission (default 120 s)")
    sp.add_argument("--first-query", type=_seconds, help="first status query after an answer (default 5 s)")
    sp.add_argument("--query-backoff-max", type=_seconds, help="longest gap between status queries")
    sp.add_argument("--resend-backoff", type=_seconds, help="first retry after nothing was sent")
    sp.add_argument("--settle-lag", type=_seconds, help="the bank's settle lag (default: the plugin's)")
    sp.add_argument("--query-interval", type=_seconds, help="minimum gap between status queries per bank")
    sp.add_argument("--unknown-sla", type=_seconds, help="UNKNOWN older than this needs attention")
    sp.add_argument("--no-record-confirmations", type=int, help="'no record' answers needed before a resend")
    sp.add_argument("--ignore-quiet-hours", action="store_true", help="send and query in the banks' quiet hours")
    sp.add_argument("--senders", type=_senders, help="submissions in flight at once (default 2)")
    sp.add_argument("--shard", type=_shard, metavar="K/N",
                    help="scale out: queue, prepare and follow up only payments with id ≡ K mod N (sends any "
                         "claimed submission); run N workers K=0..N-1 — exactly-once never depends on it")
    sp = add(payment_parser, "query", cmd_payment_query, "ask the bank about a payment now (never resends)")
    sp.add_argument("id")
    sp = add(payment_parser, "reinitiate", cmd_payment_reinitiate,
             "redo a definitively failed payment as a new payment that needs approval again")
    sp.add_argument("id")
    sp = add(payment_parser, "confirm", cmd_payment_confirm, "confirm a payment's final result")
    sp.add_argument("id")
    from app.chaos_runner import register as register_chaos

    register_chaos(sub, add)
