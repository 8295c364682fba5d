"""HTML of one payment's detail (PaymentDetail): payee, debit account, amount in figures AND words, purpose, date,
urgency, warnings, who approved what (void approvals struck through) and the status history."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QCoreApplication

from app.domain.money import format_amount
from app.domain.payment_request import PaymentDetail
from app.domain.rmb_words import rmb_uppercase
from ui.problems import describe
from ui.views.payment_columns import STATUS_COLOURS, status_text, urgency_text

translate = QCoreApplication.translate


def amount_words(amount_minor: int, currency: str) -> str:
    if currency != "CNY":
        return ""
    try:
        return rmb_uppercase(amount_minor, prefix=True)
    except ValueError:
        return ""


def _utc(at) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at is not None else ""


def detail_html(detail: PaymentDetail, viewer_id: int | None = None) -> str:
    p, payee, account = detail.payment, detail.payee, detail.account
    colour = STATUS_COLOURS.get(p.status, "#000")
    rows = [
        (translate("PaymentDetail", "Payee"), f"<b>{escape(payee.name)}</b><br>{escape(payee.account_number)} · "
                       f"{escape(payee.bank_name)} {escape(payee.branch_name)} · {escape(payee.cnaps_code)}"),
        (translate("PaymentDetail", "Debit account"), f"{escape(account.account_name)}<br>{escape(account.bank_name)} "
                               f"{escape(account.account_number)} ({escape(account.currency)})"),
        (translate("PaymentDetail", "Amount"), f"<span style='font-size:15px'><b>{escape(p.currency)} "
                        f"{format_amount(p.amount_minor)}</b></span>"),
        (translate("PaymentDetail", "In words"), f"<b>{escape(amount_words(p.amount_minor, p.currency))}</b>"),
        (translate("PaymentDetail", "Purpose"), escape(p.purpose)),
        (translate("PaymentDetail", "Execution date"), p.requested_date.isoformat()),
        (translate("PaymentDetail", "Urgency"), escape(urgency_text(p.urgent))),
        (translate("PaymentDetail", "Maker"), escape(p.maker_name)),
        (translate("PaymentDetail", "Status"),
         f"<span style='color:{colour}'><b>{escape(status_text(p.status))}</b></span>"),
    ]
    live = len(detail.active_approvals)
    need = translate("PaymentDetail", "{n} of {m} approvals")
    need = need.replace("{n}", str(live)).replace("{m}", str(detail.required_approvals))
    if detail.required_role:
        role = translate("PaymentDetail", "one approver must hold the role {role}")
        need += " · " + role.replace("{role}", escape(detail.required_role))
    rows.append((translate("PaymentDetail", "Approvals"), need))
    heading = translate("PaymentDetail", "Payment #{id}").replace("{id}", str(p.id))
    html = [f"<h3>{escape(heading)}</h3>",
            "<table cellspacing='0' cellpadding='3'>"]
    html += [f"<tr><td style='color:#616161' valign='top'>{escape(k)}</td><td>{v}</td></tr>" for k, v in rows]
    html.append("</table>")
    if viewer_id is not None and viewer_id == p.maker_id:
        own = translate("PaymentDetail", "You made this payment: you cannot approve or reject it "
                                         "(separation of duties).")
        html.append(f"<p style='color:#c62828'><b>{escape(own)}</b></p>")
    if detail.warnings:
        warnings = translate("PaymentDetail", "Warnings")
        html.append(f"<h4>{escape(warnings)}</h4><ul>")
        html += [f"<li style='color:#b26a00'>{escape(describe(w))} [{escape(w.code)}]</li>" for w in detail.warnings]
        html.append("</ul>")
    decisions = translate("PaymentDetail", "Decisions")
    html.append(f"<h4>{escape(decisions)}</h4>")
    if not detail.approvals:
        none_yet = translate("PaymentDetail", "No decision yet.")
        html.append(f"<p style='color:#616161'>{escape(none_yet)}</p>")
    else:
        html.append("<ul>")
        for a in detail.approvals:
            what = (translate("PaymentDetail", "approved") if a.decision == "approved"
                    else translate("PaymentDetail", "rejected"))
            line = f"{escape(a.approver_name)} · {escape(what)} · {_utc(a.at)}"
            if a.comment:
                line += f" · “{escape(a.comment)}”"
            if a.is_void:
                reason = escape(a.void_reason or "")
                void = escape(translate("PaymentDetail", "void"))
                line = f"<s>{line}</s> <span style='color:#616161'>({void}: {reason})</span>"
            html.append(f"<li>{line}</li>")
        html.append("</ul>")
    history = translate("PaymentDetail", "History")
    html.append(f"<h4>{escape(history)}</h4><table cellspacing='0' cellpadding='2'>")
    for h in detail.history:
        change = (f"{escape(status_text(h.from_status))} → " if h.from_status is not None else "") \
            + escape(status_text(h.to_status))
        extra = f" · {escape(h.detail)}" if h.detail else ""
        html.append(f"<tr><td style='color:#616161'>{_utc(h.at)}</td><td>{escape(h.actor)}</td>"
                    f"<td>{change}{extra}</td></tr>")
    html.append("</table>")
    return "".join(html)
