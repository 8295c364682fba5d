"""CMB's two-level status codes mapped onto the unified PaymentStatus (PROTOCOLS.md, "Unified status mapping").

Level 1, the envelope (``INFO/RETCOD``): ``0`` means "processed, look at the records". Anything else on a
payment submission means UNKNOWN, unless the code is a definitive "nothing was done" refusal
(:data:`DEFINITIVE_ENVELOPE_CODES`), in which case every instruction of the request FAILED.

Level 2, per record: ``REQSTS`` (request state) × ``RTNFLG`` (result, meaningful only at ``FIN``):

========================  ==================
REQSTS not FIN            ACCEPTED (AUT → AWAITING_BANK_AUTH)
FIN + S                   SUCCEEDED
FIN + F / R               FAILED
FIN + C / D               CANCELLED / EXPIRED
FIN + B                   RETURNED (退票)
FIN + anything else       UNKNOWN
no record                 UNKNOWN — never FAILED
========================  ==================
"""

from __future__ import annotations

from app.domain.payment import PaymentStatus

S = PaymentStatus

SUCCESS_CODE = "SUC0000"  # "received", not "paid"

# RETCOD values after which the bank guarantees that nothing was done (format errors, signature refused,
# unknown function, client not registered). -3 RATE_LIMIT and -9 SYS_BUSY are retryable and, like any code
# we do not know, leave a payment UNKNOWN (the bank's word "nothing done" on an HTTP 200 business error is not
# trusted for money: I3).
DEFINITIVE_ENVELOPE_CODES = frozenset({"-1", "-2", "-4", "-5"})
RETRYABLE_ENVELOPE_CODES = frozenset({"-3", "-9"})

_FINAL_FLAGS = {
    "S": S.SUCCEEDED,
    "F": S.FAILED,
    "R": S.FAILED,
    "C": S.CANCELLED,
    "D": S.EXPIRED,
    "B": S.RETURNED,
}

_IN_FLIGHT_STATES = {
    "AUT": S.AWAITING_BANK_AUTH,
}


def record_status(reqsts: str, rtnflg: str) -> PaymentStatus:
    """Map one record's REQSTS × RTNFLG."""
    reqsts = (reqsts or "").strip().upper()
    rtnflg = (rtnflg or "").strip().upper()
    if not reqsts:
        return S.UNKNOWN
    if reqsts == "FIN":
        return _FINAL_FLAGS.get(rtnflg, S.UNKNOWN)
    return _IN_FLIGHT_STATES.get(reqsts, S.ACCEPTED)


def envelope_code(errmsg: str) -> str:
    """``ERRMSG`` is ``CODE: text`` in the sandbox dialect; the code part, or "" when there is none."""
    head, sep, _ = (errmsg or "").partition(":")
    head = head.strip()
    return head if sep and head and " " not in head else ""


def submission_envelope_status(retcod: str) -> PaymentStatus | None:
    """None when RETCOD is 0 (look at the records); FAILED for a definitive refusal; otherwise UNKNOWN."""
    retcod = (retcod or "").strip()
    if retcod == "0":
        return None
    if retcod in DEFINITIVE_ENVELOPE_CODES:
        return S.FAILED
    return S.UNKNOWN
