"""``bankdirect payment …``, ``payments …``, ``approve``, ``reject``, ``inbox`` and ``policy …``: payment
requests and their approval. Same conventions as app/cli.py (``--json``, exit statuses 0/2/3/4, ``--user`` with
BANKDIRECT_PASSWORD). ``approve`` re-enters the password from BANKDIRECT_PASSWORD automatically when an amount
is above the policy's password threshold."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from app.config import ENV_PASSWORD
from app.domain.errors import DomainError, NotFound
from app.domain.money import format_amount
from app.domain.payment import PaymentStatus
from app.domain.rmb_words import rmb_uppercase


def _out():
    from app.cli import _print_json, _table

    return _print_json, _table


def _payment_view(p) -> dict:
    d = asdict(p)
    d["status"] = p.status.value
    d["payment_type"] = p.payment_type
    d["amount"] = format_amount(p.amount_minor)
    d["amount_in_words"] = rmb_uppercase(p.amount_minor) if p.currency == "CNY" else None
    return d


def _find_payee(cli, actor, key: str):
    md = cli.services.master_data
    key = key.strip()
    if key.isascii() and key.isdigit() and len(key) < 8:
        try:
            return md.get_payee(actor, int(key))
        except NotFound:
            pass
    matches = [p for p in md.search_payees(actor, key, 0, 50)
               if p.name == key or p.account_number == key]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise DomainError("AMBIGUOUS", f"{len(matches)} payees match {key!r}; give the payee id", "payee")
    raise NotFound("payee", key)


def _payment_id(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise DomainError("FIELD_VALUE", f"a payment id is a number, got {text!r}", "id")
    return int(text)


def cmd_payment_create(cli) -> int:
    print_json, _ = _out()
    a = cli.args
    actor = cli.actor()
    account = cli.services.master_data.find_account(actor, a.account)
    payee = _find_payee(cli, actor, a.payee)
    fields = {"debit_account_id": account.id, "payee_id": payee.id, "amount": a.amount, "purpose": a.purpose,
              "urgent": bool(a.urgent)}
    if a.date:
        fields["requested_date"] = a.date
    if a.words:
        fields["amount_in_words"] = a.words
    if a.currency:
        fields["currency"] = a.currency
    saved = cli.services.payments.create(actor, fields, override_duplicate=a.override_duplicate)
    payment = saved.entity
    if a.submit:
        payment = cli.services.payments.submit(actor, payment.id, override_duplicate=a.override_duplicate)
    if cli.json:
        print_json({"ok": True, "id": payment.id, "payment": _payment_view(payment),
                    "warnings": [w.to_dict() for w in saved.warnings]})
    else:
        print(f"payment {payment.id} saved ({payment.status.value}): {format_amount(payment.amount_minor)} "
              f"{payment.currency} to {payment.payee_name}")
        for w in saved.warnings:
            print(f"warning {w.code}: {w.message}")
    return 0


def cmd_payment_submit(cli) -> int:
    print_json, _ = _out()
    payment = cli.services.payments.submit(cli.actor(), _payment_id(cli.args.id),
                                           override_duplicate=cli.args.override_duplicate)
    if cli.json:
        print_json({"ok": True, "id": payment.id, "payment": _payment_view(payment)})
    else:
        print(f"payment {payment.id} submitted: {payment.status.value}, needs {payment.required_approvals} "
              f"approval(s)" + (f", one by role {payment.required_role}" if payment.required_role else ""))
    return 0


def cmd_payment_cancel(cli) -> int:
    print_json, _ = _out()
    payment = cli.services.payments.cancel(cli.actor(), _payment_id(cli.args.id), cli.args.reason or "")
    print_json({"ok": True, "id": payment.id, "status": payment.status.value}) if cli.json else print(
        f"payment {payment.id} cancelled")
    return 0


def _status(text: str | None) -> PaymentStatus | None:
    if not text:
        return None
    try:
        return PaymentStatus(text.strip().upper())
    except ValueError:
        allowed = ", ".join(s.value for s in PaymentStatus)
        raise DomainError("FIELD_VALUE", f"unknown status {text!r}; use one of {allowed}", "status") from None


def cmd_payments_list(cli) -> int:
    print_json, table = _out()
    actor = cli.actor()
    payments = cli.services.payments.list(actor, _status(cli.args.status), mine_only=cli.args.mine)
    if cli.json:
        from app.cli_engine import trace_view

        engine = cli.services.submission
        print_json([{**_payment_view(p), **trace_view(engine.trace(actor, p.id))} for p in payments])
    else:
        table([{"id": p.id, "status": p.status.value, "amount": format_amount(p.amount_minor),
                "currency": p.currency, "payee": p.payee_name, "payee_account": p.payee_account,
                "date": p.requested_date.isoformat(), "maker": p.maker_name} for p in payments],
              ["id", "status", "amount", "currency", "payee", "payee_account", "date", "maker"])
    return 0


def cmd_payments_show(cli) -> int:
    print_json, table = _out()
    actor = cli.actor()
    detail = cli.services.payments.get(actor, _payment_id(cli.args.id))
    p = detail.payment
    if cli.json:
        from app.cli_engine import trace_view

        engine_view = trace_view(cli.services.submission.trace(actor, p.id))
        print_json({"payment": {**_payment_view(p), **engine_view}, **engine_view, "approvals": detail.approvals,
                    "history": detail.history,
                    "warnings": [w.to_dict() for w in detail.warnings], "payee": detail.payee,
                    "account": detail.account, "required_approvals": detail.required_approvals,
                    "required_role": detail.required_role})
        return 0
    view = _payment_view(p)
    for key in ("id", "status", "amount", "amount_in_words", "currency", "payee_name", "payee_account",
                "debit_account_number", "purpose", "requested_date", "payment_type", "maker_name", "content_hash"):
        print(f"{key}: {view[key]}")
    print(f"required approvals: {detail.required_approvals}"
          + (f" (one with role {detail.required_role})" if detail.required_role else ""))
    print("approvals:")
    table([{"level": a.level, "who": a.approver_name, "decision": a.decision, "at": a.at.isoformat(
        timespec="seconds"), "void": a.void_reason or "", "comment": a.comment or ""} for a in detail.approvals],
          ["level", "who", "decision", "at", "void", "comment"])
    print("history:")
    table([{"seq": h.seq, "from": h.from_status.value if h.from_status else "", "to": h.to_status.value,
            "at": h.at.isoformat(timespec="seconds"), "actor": h.actor, "detail": h.detail or ""}
           for h in detail.history], ["seq", "from", "to", "at", "actor", "detail"])
    for w in detail.warnings:
        print(f"warning {w.code}: {w.message}")
    return 0


def cmd_approve(cli) -> int:
    print_json, _ = _out()
    actor = cli.actor()
    ids = [_payment_id(i) for i in cli.args.ids]
    approvals = cli.services.approvals
    password = os.environ.get(ENV_PASSWORD) if approvals.needs_password(actor, ids) else None
    results = approvals.approve(actor, ids, password=password)
    if cli.json:
        print_json({"ok": True, "payments": [{"id": p.id, "status": p.status.value} for p in results]})
    else:
        for p in results:
            print(f"payment {p.id}: {p.status.value}")
    return 0


def cmd_reject(cli) -> int:
    print_json, _ = _out()
    payment = cli.services.approvals.reject(cli.actor(), _payment_id(cli.args.id), cli.args.comment)
    print_json({"ok": True, "id": payment.id, "status": payment.status.value}) if cli.json else print(
        f"payment {payment.id} rejected and returned to {payment.maker_name}")
    return 0


def cmd_inbox(cli) -> int:
    print_json, table = _out()
    actor = cli.actor()
    approvals = cli.services.approvals
    payments = approvals.inbox(actor)
    counts = approvals.inbox_counts(actor)
    if cli.json:
        print_json({"counts": counts, "payments": [_payment_view(p) for p in payments],
                    "password_threshold_minor": approvals.password_threshold_minor})
    else:
        print(", ".join(f"{k}: {v}" for k, v in counts.items()))
        table([{"id": p.id, "amount": format_amount(p.amount_minor), "currency": p.currency,
                "payee": p.payee_name, "maker": p.maker_name, "needs": p.required_approvals}
               for p in payments], ["id", "amount", "currency", "payee", "maker", "needs"])
    return 0


def cmd_policy_show(cli) -> int:
    print_json, _ = _out()
    actor = cli.actor()
    policies = cli.services.approvals.list_policies(actor)
    shown = policies if cli.args.all else policies[:1]
    data = [{"version": p.version, "created_at": p.created_at, "created_by": p.created_by, **p.to_dict()}
            for p in shown]
    if cli.json:
        print_json(data if cli.args.all else data[0])
    else:
        for d in data:
            print(json.dumps(d, ensure_ascii=False, default=str, indent=2))
    return 0


def cmd_policy_set(cli) -> int:
    print_json, _ = _out()
    path = Path(cli.args.file)
    try:
        fields = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DomainError("FILE_LAYOUT", f"cannot read the policy JSON {path}: {exc}") from None
    if not isinstance(fields, dict):
        raise DomainError("FILE_LAYOUT", "the policy file must hold a JSON object")
    policy = cli.services.approvals.save_policy(cli.actor(), fields)
    print_json({"ok": True, "version": policy.version, **policy.to_dict()}) if cli.json else print(
        f"approval policy version {policy.version} saved")
    return 0


def register(sub, add) -> None:
    pay = sub.add_parser("payment", help="payment requests: create, submit, cancel").add_subparsers(
        dest="command", metavar="ACTION", required=True)
    sp = add(pay, "create", cmd_payment_create, "create a payment request (DRAFT); prints its id")
    sp.add_argument("--account", required=True, help="debit account number or id")
    sp.add_argument("--payee", required=True, help="payee id, exact name or account number")
    sp.add_argument("--amount", required=True, help="e.g. 123.45 (no separators)")
    sp.add_argument("--purpose", required=True, help="用途 (at most 60 bytes in GBK)")
    sp.add_argument("--date", help="requested execution date YYYY-MM-DD (default: today)")
    sp.add_argument("--urgent", action="store_true", help="real-time / urgent payment")
    sp.add_argument("--words", help="the amount in Chinese capitals (大写), checked against --amount")
    sp.add_argument("--currency", help="must equal the account's currency")
    sp.add_argument("--override-duplicate", action="store_true",
                    help="save although a payment of the same amount to the same payee exists (audited)")
    sp.add_argument("--submit", action="store_true", help="submit for approval right away")
    sp = add(pay, "submit", cmd_payment_submit, "submit a payment request for approval")
    sp.add_argument("id")
    sp.add_argument("--override-duplicate", action="store_true")
    sp = add(pay, "cancel", cmd_payment_cancel, "cancel a payment request (the maker, before signing)")
    sp.add_argument("id")
    sp.add_argument("--reason")

    pays = sub.add_parser("payments", help="list and show payment requests").add_subparsers(
        dest="command", metavar="ACTION", required=True)
    sp = add(pays, "list", cmd_payments_list, "list payments")
    sp.add_argument("--status", help="DRAFT, PENDING_APPROVAL, APPROVED, REJECTED, …")
    sp.add_argument("--mine", action="store_true", help="only the payments I made")
    sp = add(pays, "show", cmd_payments_show, "show a payment with its approvals and full history")
    sp.add_argument("id")

    from app.cli_engine import register as register_engine

    register_engine(sub, add, pay)

    sp = add(sub, "approve", cmd_approve, "approve payments (password re-entry from BANKDIRECT_PASSWORD)")
    sp.add_argument("ids", nargs="+", metavar="ID")
    sp = add(sub, "reject", cmd_reject, "reject a payment with a comment (returns it to its maker)")
    sp.add_argument("id")
    sp.add_argument("--comment", required=True)
    add(sub, "inbox", cmd_inbox, "payments awaiting my approval, with counts")

    pol = sub.add_parser("policy", help="the approval policy").add_subparsers(dest="command", metavar="ACTION",
                                                                             required=True)
    sp = add(pol, "show", cmd_policy_show, "show the current approval policy")
    sp.add_argument("--all", action="store_true", help="every version, newest first")
    sp = add(pol, "set", cmd_policy_set, "store a new policy version from a JSON file (administrators)")
    sp.add_argument("--file", required=True)
