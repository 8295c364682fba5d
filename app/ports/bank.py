"""The bank-plugin API: what the core asks of a bank dialect, and the value types that cross the boundary.

A plugin (``bank_plugins/<bank>_<protocol>/``) exposes a :class:`BankPlugin` object: a
:class:`PluginManifest` plus ``create_connector(context) -> BankConnector``. The core never imports a plugin
directly; ``app.plugins.registry`` loads it and wraps every connector call so that whatever escapes becomes
one of the operational error kinds of :mod:`app.domain.errors`.

Payments follow "intent before effect" (RELIABILITY.md I2): :meth:`BankConnector.prepare_submission`
validates every field in the bank's encoding and byte lengths, builds the exact wire bytes and has the
:class:`Signer` sign them; the caller stores the :class:`SignedSubmission` (bytes + signature) durably, then
calls :meth:`BankConnector.send_submission`, and a resend after a definitive "no such instruction" sends the
same stored bytes again.

The plugin talks to the bank only through a :class:`BankTransport` (HTTPS with per-bank trust, client
certificate and pinning: ``app.adapters.http_transport``), so plugins never import adapters.

Money is integer minor units everywhere; timestamps are timezone-aware UTC.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Protocol, runtime_checkable

from app.domain.payment import PaymentStatus
from app.domain.remittance import EMPTY_REMITTANCE, Remittance

# Version of this API. A plugin declaring "M.m" is loadable when M equals our major and m <= our minor.
API_VERSION = "1.0"


class Capability(str, Enum):
    SINGLE_PAYMENT = "single_payment"
    BATCH_PAYMENT = "batch_payment"
    STATUS_QUERY = "status_query"
    BALANCE = "balance"
    TRANSACTION_DETAILS = "transaction_details"
    STATEMENTS = "statements"
    E_RECEIPTS = "e_receipts"
    STATUS_LIST = "status_list"  # every instruction of an account over a date range, paged (CMB NTQRYSTN)


@dataclass(frozen=True)
class PluginLimits:
    """Per-bank rules worth modelling as settings (PROTOCOLS.md), not constants."""

    max_batch_size: int = 1
    min_query_interval_s: float = 0.0
    quiet_hours: tuple[tuple[str, str], ...] = ()  # ("HH:MM", "HH:MM") local bank time windows
    settle_lag_s: int = 0  # before "no record" can be trusted as "no such instruction"
    # a status-list cursor stays valid for later calls with the same account and dates (listing resumes after it)
    status_list_resumable: bool = False
    encoding: str = "utf-8"  # the wire encoding field byte lengths are counted in
    field_byte_lengths: Mapping[str, int] = dataclasses.field(default_factory=dict, hash=False)
    max_accounts_per_balance_query: int = 1
    max_rows_per_page: int = 200


@dataclass(frozen=True)
class PluginManifest:
    id: str  # stable forever, ^[a-z][a-z0-9_]+$, e.g. "cmb_fbsdk"
    bank: str  # display name / bank category, e.g. "CMB 招商银行"
    protocol: str  # e.g. "FBSDK XML"
    version: str  # plugin version
    api_version: str  # version of this API the plugin was written against
    capabilities: frozenset[Capability]
    limits: PluginLimits = PluginLimits()
    description: str = ""

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities


# ---------------------------------------------------------------------------------------------------------
# Value types


@dataclass(frozen=True)
class PaymentInstruction:
    """One payment as the bank will see it. ``client_reference`` is the idempotency key (YURREF/EndToEndId)."""

    client_reference: str
    debit_account: str
    payee_account: str
    payee_name: str
    amount_minor: int
    currency: str = "CNY"
    payee_bank_code: str = ""  # CNAPS 联行号
    payee_bank_name: str = ""
    purpose: str = ""
    urgent: bool = False
    # Dialect-specific extras passed through as is (e.g. {"DBTBBK": "75", "BNKFLG": "Y"} for CMB).
    extra: Mapping[str, str] = dataclasses.field(default_factory=dict, hash=False)
    # What a supplier payment pays (invoices, remittance reference); empty for everything else. ISO 20022 writes it
    # as RmtInf/Strd, dialects with a purpose field only append its compact form to the purpose (CMB NUSAGE).
    remittance: Remittance = EMPTY_REMITTANCE

    def __post_init__(self) -> None:
        if type(self.amount_minor) is not int:
            raise TypeError("amount_minor must be an int (minor units), never a float")


@dataclass(frozen=True)
class SignedSubmission:
    """The exact bytes that will be (re)sent and their detached signature. Store it before sending (I2)."""

    plugin_id: str
    client_references: tuple[str, ...]
    body: bytes
    signature: bytes
    signer_id: str  # e.g. SHA-256 hex of the DER signer certificate
    algorithm: str
    body_sha256: str


@dataclass(frozen=True)
class SubmissionResult:
    """The bank's answer to one instruction of a submission. ACCEPTED means *received*, not paid."""

    client_reference: str
    status: PaymentStatus  # ACCEPTED, AWAITING_BANK_AUTH, FAILED (definitive refusal) or UNKNOWN
    bank_reference: str = ""  # the bank's instruction number (CMB REQNBR)
    bank_code: str = ""
    bank_text: str = ""
    raw_request_state: str = ""
    raw_result_flag: str = ""
    duplicate: bool = False  # the bank says it already had this reference


@dataclass(frozen=True)
class BankStatusReport:
    client_reference: str
    status: PaymentStatus
    bank_code: str = ""
    bank_text: str = ""
    raw_request_state: str = ""
    raw_result_flag: str = ""
    bank_reference: str = ""
    debit_account: str = ""
    payee_account: str = ""
    amount_minor: int | None = None
    currency: str = ""
    executed_on: date | None = None
    found: bool = True  # False: the bank had no record (status UNKNOWN, never FAILED)


@dataclass(frozen=True)
class Balance:
    account: str
    currency: str
    available_minor: int
    ledger_minor: int
    as_of: datetime  # UTC
    account_name: str = ""
    status: str = ""  # bank account status, e.g. "A" active / "C" closed


@dataclass(frozen=True)
class Transaction:
    account: str
    booking_date: date
    amount_minor: int  # signed: negative = debit
    currency: str
    value_date: date | None = None
    booking_time: str = ""  # HHMMSS as the bank gave it (UTC for the sandbox)
    counterparty_name: str = ""
    counterparty_account: str = ""
    reference: str = ""  # our client reference when the entry is one of our payments
    bank_serial: str = ""  # the bank's unique entry id
    narrative: str = ""
    balance_after_minor: int | None = None
    kind: str = ""  # bank transaction code


@dataclass(frozen=True)
class TransactionPage:
    items: tuple[Transaction, ...]
    next_cursor: str | None = None  # None: no more rows


@dataclass(frozen=True)
class StatusListPage:
    """One page of :meth:`BankConnector.query_status_list`."""

    reports: tuple[BankStatusReport, ...]
    next_cursor: str | None = None  # None: no more pages


@dataclass(frozen=True)
class Receipt:
    reference: str
    pdf: bytes
    bank_reference: str = ""
    account: str = ""
    amount_minor: int | None = None
    file_type: str = "PDF"


@dataclass(frozen=True)
class ConnectionStep:
    """One step of the interface test tool: what was checked, whether it passed, what to do if not."""

    name: str  # "dns", "tcp", "tls", "pin", "client_certificate", "bank_query", ...
    ok: bool
    detail: str = ""
    hint: str = ""
    code: str = ""


# ---------------------------------------------------------------------------------------------------------
# Transport


class TransportFailure(str, Enum):
    """Error codes the transport puts on the OperationalError it raises (``error.code``)."""

    DNS = "DNS_FAILURE"
    TCP_REFUSED = "TCP_REFUSED"
    CONNECT_TIMEOUT = "CONNECT_TIMEOUT"
    TLS_UNTRUSTED = "TLS_UNTRUSTED"  # server certificate not issued by the bank's trust store
    TLS_EXPIRED = "TLS_EXPIRED"
    TLS_HOSTNAME = "TLS_HOSTNAME"
    TLS_CLIENT_CERT = "TLS_CLIENT_CERT"  # the bank refused (or never got) our client certificate
    TLS_HANDSHAKE = "TLS_HANDSHAKE"
    PIN_MISMATCH = "PIN_MISMATCH"
    READ_TIMEOUT = "READ_TIMEOUT"  # the request was sent; no (complete) answer in time
    CONNECTION_LOST = "CONNECTION_LOST"  # reset or closed after the request was sent
    HTTP_5XX = "HTTP_5XX"
    HTTP_STATUS = "HTTP_STATUS"  # other non-200 answer
    RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
    STALE_SEND = "STALE_SEND"  # the sender's lease ran out before the request was written: nothing sent


# The submission engine's send deadline (time.monotonic() value) for the current thread: the transport refuses to
# write a payment request's first byte after it (I6: a sender paused past its lease — between its last check and
# the connection — must not send; by then another sender may own the payment).
SEND_DEADLINE: ContextVar[float | None] = ContextVar("bankdirect_send_deadline", default=None)


@dataclass(frozen=True)
class TransportResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_s: float = 0.0


class BankTransport(Protocol):
    """Sends one request to the bank. Raises ``BankUnavailable`` (nothing reached the bank, or a query
    failed) or, when ``payment=True`` and the request may have been sent, ``OutcomeUnknown``; the error's
    ``code`` is a :class:`TransportFailure` value."""

    def post(self, path: str, body: bytes, *, headers: Mapping[str, str] | None = None,
             payment: bool = False, read_timeout_s: float | None = None) -> TransportResponse:
        ...

    def diagnose(self) -> list[ConnectionStep]:
        """Name resolution, TCP, TLS handshake, server certificate and pin, client certificate validity."""
        ...


# ---------------------------------------------------------------------------------------------------------
# Signing


@runtime_checkable
class Signer(Protocol):
    """Produces a detached signature over exact bytes (USB key via PKCS#11, or a software key in tests)."""

    algorithm: str  # e.g. "RSA-SHA256", "ECDSA-P256-SHA256", "SM2-SM3"
    certificate_pem: bytes

    def sign(self, data: bytes) -> bytes:
        ...


class AnswerVerifier(Protocol):
    """Checks the bank's signature on an answer (over the exact body bytes) before it is parsed."""

    def verify(self, body: bytes, signature: bytes, signer_id: str) -> bool:
        ...


# ---------------------------------------------------------------------------------------------------------
# Connector and plugin


@runtime_checkable
class BankConnector(Protocol):
    manifest: PluginManifest

    def prepare_submission(self, instructions: Sequence[PaymentInstruction], signer: Signer) -> SignedSubmission:
        """Validate (all problems at once, ValidationFailed), build the wire bytes, sign them. No I/O."""
        ...

    def send_submission(self, submission: SignedSubmission) -> list[SubmissionResult]:
        """Send stored bytes as they are (a resend is byte-identical). One result per instruction."""
        ...

    def submit_payment(self, instructions: Sequence[PaymentInstruction], signer: Signer) -> list[SubmissionResult]:
        """prepare + send, for callers that do not need the intermediate record (tests, test tool)."""
        ...

    def query_status(self, client_references: Sequence[str]) -> list[BankStatusReport]:
        """At least one report per reference; a reference the bank does not know gives ``found=False, UNKNOWN``
        (never FAILED). Several reports for one reference mean the bank holds several instructions with it
        (a possible double payment: alert)."""
        ...

    def query_status_list(self, debit_account: str, date_from: date, date_to: date,
                          cursor: str | None = None) -> StatusListPage:
        """(Capability.STATUS_LIST) The status of every payment instruction the bank received for ``debit_account``
        between the two bank-local dates (inclusive), one page per call; pass the page's ``next_cursor`` back for
        the next. Reports carry the client reference, amounts and accounts like :meth:`query_status`'s. A
        reference missing from the list is NOT "no record": only :meth:`query_status` can say that."""
        ...

    def get_balances(self, accounts: Sequence[str]) -> list[Balance]:
        ...

    def get_transactions(self, account: str, date_from: date, date_to: date,
                         cursor: str | None = None) -> TransactionPage:
        ...

    def get_receipt(self, client_reference: str, account: str | None = None) -> list[Receipt]:
        ...

    def test_connection(self, account: str | None = None) -> list[ConnectionStep]:
        ...


@dataclass(frozen=True)
class BankPluginContext:
    """What a plugin gets from the host: the transport to its bank, its scoped settings, answer checking."""

    transport: BankTransport
    settings: Mapping[str, str] = dataclasses.field(default_factory=dict, hash=False)
    answer_verifier: AnswerVerifier | None = None


class BankPlugin(Protocol):
    manifest: PluginManifest

    def create_connector(self, context: BankPluginContext) -> BankConnector:
        ...
