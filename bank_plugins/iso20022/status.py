"""ISO 20022 payment statuses (ExternalPaymentTransactionStatus1Code / ExternalPaymentGroupStatus1Code) mapped
onto the unified PaymentStatus (PROTOCOLS.md, "Unified status mapping"):

===========================================  ====================
RCVD, ACTC, ACCP                             ACCEPTED
PDNG, PATC, ACFW                             AWAITING_BANK_AUTH
ACSP, ACWC, ACFC, ACPD, ACWP, ACIS           PROCESSING
ACSC, ACCC, CPUC                             SUCCEEDED
PART (group or payment-information level)    PARTIAL
RJCT                                         FAILED (+ reason code)
CANC                                         CANCELLED
Verification of Payee (RCVC, RVMC, RVNM …)   UNKNOWN — a name check, not a payment outcome
BLCK, PRES, anything else, no status         UNKNOWN
===========================================  ====================

A RETURNED payment is only ever seen in a camt.054/053 (a credit back with RtrInf), never in a pain.002.
"""

from __future__ import annotations

from app.domain.payment import PaymentStatus

S = PaymentStatus

TRANSACTION_STATUS: dict[str, PaymentStatus] = {
    "RCVD": S.ACCEPTED,
    "ACTC": S.ACCEPTED,
    "ACCP": S.ACCEPTED,
    "PDNG": S.AWAITING_BANK_AUTH,
    "PATC": S.AWAITING_BANK_AUTH,
    "ACFW": S.AWAITING_BANK_AUTH,
    "ACSP": S.PROCESSING,
    "ACWC": S.PROCESSING,
    "ACFC": S.PROCESSING,
    "ACPD": S.PROCESSING,
    "ACWP": S.PROCESSING,
    "ACIS": S.PROCESSING,
    "ACSC": S.SUCCEEDED,
    "ACCC": S.SUCCEEDED,
    "CPUC": S.SUCCEEDED,
    "RJCT": S.FAILED,
    "CANC": S.CANCELLED,
}

# Verification of Payee (EU Instant Payments Regulation, 2025): results of a name check before release.
VERIFICATION_OF_PAYEE: dict[str, str] = {
    "RCVC": "verification of payee: name and account match",
    "RVMC": "verification of payee: close match — check the payee name before releasing",
    "RVNM": "verification of payee: NO match — the name does not belong to this account",
    "RVNA": "verification of payee: not possible for this account",
    "RVCM": "verification of payee: completed with mismatching data",
    "RVNC": "verification of payee: not yet completed",
}

# Statuses above transaction level that decide for every transaction under them.
OVERRIDING_STATUSES = frozenset({"RJCT", "CANC"})

# Common reject reasons (ExternalStatusReason1Code) with a suggested action for the user.
REASON_ACTIONS: dict[str, str] = {
    "AC01": "the payee account number is wrong: correct it and pay again",
    "AC04": "the payee account is closed: ask the payee for a new account",
    "AC06": "the account is blocked: contact the bank",
    "AM02": "the amount is over a limit: split the payment or ask the bank to raise the limit",
    "AM04": "insufficient funds: fund the account and pay again",
    "AM05": "duplicate payment: check that it was not already paid",
    "AM10": "the control sum does not match (a fault in the payment file): report it to support",
    "BE01": "payee name and account do not match: check the payee's details",
    "DU01": "duplicate message id: the file was already received",
    "DUPL": "duplicate payment: check that it was not already paid",
    "FF01": "the bank could not read the file: report it to support",
    "MS03": "rejected for a reason the bank did not give: contact the bank",
    "NARR": "see the bank's text",
    "RR04": "regulatory reason: contact the bank",
    "TM01": "received after the cut-off time: pay again on the next business day",
}


def transaction_status(code: str) -> PaymentStatus:
    """Unified status of one transaction status code (PART is not a transaction status: UNKNOWN)."""
    return TRANSACTION_STATUS.get((code or "").strip().upper(), S.UNKNOWN)


def group_status(code: str) -> PaymentStatus:
    """Unified status of a group or payment-information status (PART → PARTIAL)."""
    code = (code or "").strip().upper()
    if code == "PART":
        return S.PARTIAL
    return transaction_status(code)


def is_verification_of_payee(code: str) -> bool:
    return (code or "").strip().upper() in VERIFICATION_OF_PAYEE


def suggested_action(reason_code: str) -> str:
    return REASON_ACTIONS.get((reason_code or "").strip().upper(), "")
