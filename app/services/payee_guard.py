"""Payments may not proceed to a payee whose bank details changed and await a second person's confirmation
(RELIABILITY.md §3). Shared by payments (create, save, submit), approvals and signing."""

from __future__ import annotations

from app.domain.errors import Conflict
from app.domain.master_data import Payee

PAYEE_UNCONFIRMED = "PAYEE_UNCONFIRMED"


def refuse_unconfirmed(payee: Payee | None, payment_id: int | None = None) -> None:
    """Raise Conflict(PAYEE_UNCONFIRMED) when ``payee`` exists and is not confirmed (a missing payee is reported
    by the usual validation)."""
    if payee is None or payee.confirmed:
        return
    what = f"payment {payment_id}" if payment_id is not None else "this payment"
    raise Conflict(PAYEE_UNCONFIRMED, f"the bank details of the payee {payee.name} (id {payee.id}) were changed and "
                   f"await confirmation by a second person; {what} cannot proceed until then", "payee_id")
