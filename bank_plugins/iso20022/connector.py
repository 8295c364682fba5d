"""``Iso20022Connector``: the BankConnector for a bank's ISO 20022 channel, as the sandbox bank's second dialect
speaks it (sandbox_bank/PROTOCOL.md §6): ``POST {path_prefix}/pain001`` (signed pain.001.001.09, answer a
pain.002 acknowledgement), ``/status`` (pain.002 by EndToEndId), ``/camt052`` (balances and paged account
report), ``/camt053`` (end-of-day statements), ``/camt054`` (debit/credit notifications: e-receipts and
returns). Payment bodies are signed in ``X-BD-Signature`` / ``X-BD-Signer`` (as for CMB); every answer is signed
by the bank and checked with ``context.answer_verifier`` before it is parsed. A request the bank refuses as a
whole comes back as an admi.002 MessageReject.

Settings (``BankPluginContext.settings``): ``path_prefix`` (default ``/iso20022``), ``debtor_name`` (required
for payments), ``debtor_bic``, ``debtor_street``/``_building``/``_postcode``/``_town``/``_region``/``_country``/
``_address_line``, ``initiating_party``, ``charge_bearer``, ``charset`` (unicode | latin), ``version``
(pain.001.001.09 | pain.001.001.03), ``message_id_prefix``, ``page_rows`` (camt.052 page size, default 200).

Failure kinds (as the CMB plugin): an answer we cannot trust (bad signature, unreadable) on a payment →
OutcomeUnknown; on a query → BankUnavailable. A MessageReject on a query → BankRejected(code) (RATE_LIMIT /
SYS_BUSY → BankUnavailable). On a payment: a MessageReject that guarantees nothing was done
(CLIENT_NOT_REGISTERED, FF01) → every instruction FAILED; any other (system busy …) → UNKNOWN; a pain.002 group
RJCT (signature refused DS0A/DS0B/DS0E, control sum AM10, duplicate message id DU01 …) → every instruction
FAILED with that reason; an instruction missing from the answer → UNKNOWN.

Statements are read with :mod:`bank_plugins.iso20022.camt` (``read_camt_bytes``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import ssl
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape

from lxml import etree

from app.domain.errors import (
    BankRejected,
    BankUnavailable,
    OperationalError,
    OutcomeUnknown,
    Problem,
    ValidationFailed,
)
from app.domain.payment import PaymentStatus
from app.ports.bank import (
    Balance,
    BankPluginContext,
    BankStatusReport,
    ConnectionStep,
    PaymentInstruction,
    Receipt,
    SignedSubmission,
    Signer,
    SubmissionResult,
    Transaction,
    TransactionPage,
)
from app.ports.statements import StatementFile, StatementFileError
from bank_plugins.iso20022 import camt
from bank_plugins.iso20022.manifest import MANIFEST
from bank_plugins.iso20022.pain001 import InitiationSettings, build_pain001
from bank_plugins.iso20022.pain002 import EffectiveStatus, Pain002Error, StatusReport, report_from_element
from bank_plugins.xml_safety import UnsafeXml, parse_xml

SIGNATURE_HEADER = "X-BD-Signature"
SIGNER_HEADER = "X-BD-Signer"
REQUEST_NS = "urn:bankdirect:sandbox:iso20022"
ADMI_NS = "urn:iso:std:iso:20022:tech:xsd:admi.002.001.01"
MAX_ANSWER_BYTES = 64 * 1024 * 1024
STATUS_REFERENCES_PER_REQUEST = 100
# MessageReject reasons after which the bank guarantees that nothing was done.
DEFINITIVE_REJECTS = frozenset({"CLIENT_NOT_REGISTERED", "FF01"})
RETRYABLE_REJECTS = frozenset({"RATE_LIMIT", "SYS_BUSY"})
_MSG_ID = re.compile(rb"<MsgId>([^<]{1,35})</MsgId>")
_DIGITS = re.compile(r"[1-9][0-9]{0,4}", re.ASCII)
_NOT_PROVIDED = {"", "NOTPROVIDED"}


def certificate_fingerprint(certificate_pem: bytes) -> str:
    """Lowercase hex SHA-256 of the DER certificate (the bank's signer id)."""
    der = ssl.PEM_cert_to_DER_cert(certificate_pem.decode("ascii"))
    return hashlib.sha256(der).hexdigest()


class MessageReject(Exception):
    """The bank refused the request as a whole (admi.002)."""

    def __init__(self, code: str, text: str):
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


def _request(root: str, fields: Sequence[tuple[str, str]]) -> bytes:
    inner = "".join(f"<{tag}>{escape(value)}</{tag}>" for tag, value in fields)
    return f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{REQUEST_NS}">{inner}</{root}>'.encode()


def _local(el: etree._Element) -> str:
    return el.tag.rpartition("}")[2] if isinstance(el.tag, str) else ""


def _admi_reject(root: etree._Element) -> MessageReject | None:
    if etree.QName(root).namespace != ADMI_NS:
        return None
    code = text = ""
    for el in root.iter():
        name = _local(el)
        if name == "RjctgPtyRsn":
            code = (el.text or "").strip()
        elif name == "RsnDesc":
            text = (el.text or "").strip()
    return MessageReject(code or "REJECTED", text)


class Iso20022Connector:
    manifest = MANIFEST

    def __init__(self, context: BankPluginContext):
        self._ctx = context
        s = context.settings
        self._prefix = s.get("path_prefix", "/iso20022").rstrip("/")
        self._initiation = InitiationSettings.from_mapping(s)
        rows = s.get("page_rows", "200")
        if not (_DIGITS.fullmatch(rows) and int(rows) <= MANIFEST.limits.max_rows_per_page):
            raise ValidationFailed([Problem("SETTING", f"page_rows must be 1-{MANIFEST.limits.max_rows_per_page}",
                                            "settings.page_rows")])
        self._page_rows = int(rows)

    # -----------------------------------------------------------------------------------------------------
    # Exchange

    def _exchange(self, function: str, body: bytes, *, payment: bool,
                  headers: dict[str, str] | None = None) -> bytes:
        headers = {"Content-Type": "application/xml; charset=utf-8", **(headers or {})}
        resp = self._ctx.transport.post(f"{self._prefix}/{function}", body, headers=headers, payment=payment)
        verifier = self._ctx.answer_verifier
        if verifier is not None:
            try:
                signature = base64.b64decode(resp.headers.get(SIGNATURE_HEADER, ""), validate=True)
            except (binascii.Error, ValueError):
                signature = b""
            if not signature or not verifier.verify(resp.body, signature, resp.headers.get(SIGNER_HEADER, "")):
                doubt = OutcomeUnknown if payment else BankUnavailable
                raise doubt("the bank's answer carries no valid signature", code="ANSWER_SIGNATURE")
        return resp.body

    def _query_root(self, function: str, body: bytes) -> etree._Element:
        """Send a query, check its answer, parse it; a MessageReject becomes BankRejected / BankUnavailable."""
        data = self._exchange(function, body, payment=False)
        try:
            root = parse_xml(data, max_bytes=MAX_ANSWER_BYTES)
        except UnsafeXml as exc:
            raise BankUnavailable(f"the bank's answer is unreadable: {exc.message}", code="ANSWER_FORMAT") from None
        self._raise_reject(root)
        return root

    @staticmethod
    def _raise_reject(root: etree._Element) -> None:
        reject = _admi_reject(root)
        if reject is None:
            return
        if reject.code in RETRYABLE_REJECTS:
            raise BankUnavailable(f"the bank is busy or rate-limiting ({reject.text})", code=reject.code)
        raise BankRejected(f"the bank refused the request: {reject.code} {reject.text}".strip(), reject.code,
                           reject.text)

    def _camt(self, function: str, body: bytes) -> tuple[bytes, StatementFile]:
        """Send a camt query; its answer bytes and content (a MessageReject raises, an answer with errors too)."""
        data = self._exchange(function, body, payment=False)
        if b"admi.002.001" in data[:512]:
            try:
                self._raise_reject(parse_xml(data, max_bytes=MAX_ANSWER_BYTES))
            except UnsafeXml as exc:
                raise BankUnavailable(f"the bank's answer is unreadable: {exc.message}", code="ANSWER_FORMAT") from None
        try:
            sf = camt.read_camt_bytes(data, max_bytes=MAX_ANSWER_BYTES)
        except StatementFileError as exc:
            raise BankUnavailable(f"the bank's {function} answer is unreadable: {exc.message}",
                                  code="ANSWER_FORMAT") from None
        if sf.errors:
            first = sf.errors[0]
            raise BankUnavailable(f"the bank's {function} answer is inconsistent: {first.code} {first.message}",
                                  code="ANSWER_FORMAT")
        return data, sf

    def _statement_file(self, function: str, body: bytes) -> StatementFile:
        return self._camt(function, body)[1]

    # -----------------------------------------------------------------------------------------------------
    # Payments

    def prepare_submission(self, instructions: Sequence[PaymentInstruction], signer: Signer) -> SignedSubmission:
        built = build_pain001(list(instructions), self._initiation,
                              max_batch_size=MANIFEST.limits.max_batch_size)  # validates everything first
        body = built.body
        signature = signer.sign(body)
        return SignedSubmission(
            plugin_id=MANIFEST.id, client_references=tuple(i.client_reference for i in instructions), body=body,
            signature=signature, signer_id=certificate_fingerprint(signer.certificate_pem),
            algorithm=signer.algorithm, body_sha256=hashlib.sha256(body).hexdigest())

    def send_submission(self, submission: SignedSubmission) -> list[SubmissionResult]:
        headers = {SIGNATURE_HEADER: base64.b64encode(submission.signature).decode(),
                   SIGNER_HEADER: submission.signer_id}
        data = self._exchange("pain001", submission.body, payment=True, headers=headers)
        refs = submission.client_references
        try:
            root = parse_xml(data, max_bytes=MAX_ANSWER_BYTES)
        except UnsafeXml as exc:
            raise OutcomeUnknown(f"the bank's answer is unreadable: {exc.message}", code="ANSWER_FORMAT") from None
        reject = _admi_reject(root)
        if reject is not None:
            status = PaymentStatus.FAILED if reject.code in DEFINITIVE_REJECTS else PaymentStatus.UNKNOWN
            return [SubmissionResult(ref, status, bank_code=reject.code, bank_text=reject.text) for ref in refs]
        try:
            report = report_from_element(root)
        except Pain002Error as exc:
            raise OutcomeUnknown(f"the bank's answer is unreadable: {exc.message}", code="ANSWER_FORMAT") from None
        sent = _MSG_ID.search(submission.body)
        if sent is None or report.original_message_id != sent.group(1).decode("utf-8", "replace"):
            raise OutcomeUnknown(f"the bank answered about message {report.original_message_id!r}, not ours; "
                                 "query the status", code="ANSWER_STALE")
        listed = {e.end_to_end_id for e in report.effective()}
        blocks = _payment_information_ids(submission.body) if not listed.issuperset(refs) else {}
        # Records for references we did not send: the answer is confused; what it leaves out stays unknown.
        trusted = listed.issubset(refs)
        return [self._submission_result(report, ref, blocks.get(ref, ""), trusted) for ref in refs]

    @staticmethod
    def _submission_result(report: StatusReport, ref: str, payment_information_id: str,
                           trusted: bool) -> SubmissionResult:
        found = _distinct(report.for_reference(ref))
        if not found and trusted:
            # Not listed: what the group / payment-information status says for every transaction under it (a
            # whole message refused for its signature, control sum or message id: nothing was done).
            whole = report.unlisted_status(payment_information_id)
            if whole is not None and whole.status is not PaymentStatus.UNKNOWN:
                return SubmissionResult(ref, whole.status, bank_code=whole.reason_code, bank_text=whole.reason_text,
                                        raw_request_state=whole.raw_status)
        if not found:
            return SubmissionResult(ref, PaymentStatus.UNKNOWN, bank_text="no record for this reference in the answer")
        if len(found) > 1:
            return SubmissionResult(ref, PaymentStatus.UNKNOWN, bank_text="conflicting records for this reference")
        e = found[0]
        return SubmissionResult(client_reference=ref, status=e.status, bank_reference=e.bank_reference,
                                bank_code=e.reason_code, bank_text=e.reason_text or e.verification,
                                raw_request_state=e.raw_status, duplicate=e.repeat)

    def submit_payment(self, instructions: Sequence[PaymentInstruction], signer: Signer) -> list[SubmissionResult]:
        return self.send_submission(self.prepare_submission(instructions, signer))

    # -----------------------------------------------------------------------------------------------------
    # Status

    def query_status(self, client_references: Sequence[str]) -> list[BankStatusReport]:
        reports: list[BankStatusReport] = []
        refs = list(client_references)
        for start in range(0, len(refs), STATUS_REFERENCES_PER_REQUEST):
            chunk = refs[start:start + STATUS_REFERENCES_PER_REQUEST]
            try:
                root = self._query_root("status", _request("StsReq", [("OrgnlEndToEndId", r) for r in chunk]))
            except OperationalError:
                if not reports:
                    raise
                break  # keep what was answered; the rest is asked next time
            try:
                report = report_from_element(root)
            except Pain002Error:
                # An unreadable status answer tells us nothing (and is NOT "no record"): ask again later.
                reports.extend(BankStatusReport(r, PaymentStatus.UNKNOWN, found=True,
                                                bank_text="unreadable status answer: ask again") for r in chunk)
                continue
            asked = set(chunk)
            strangers = any(tx.end_to_end_id and tx.end_to_end_id not in asked for _pmt, tx in report.transactions())
            for ref in chunk:
                found = _per_instruction(report.for_reference(ref))
                if not found:
                    # an answer carrying other references (stale / mixed up) says nothing about ours
                    reports.append(BankStatusReport(ref, PaymentStatus.UNKNOWN, found=strangers, bank_text=(
                        "the answer was about other references: ask again" if strangers
                        else "the bank has no record of this reference (yet)")))
                    continue
                reports.extend(self._with_return(self._status_report(ref, e)) for e in found)
        return reports

    @staticmethod
    def _status_report(ref: str, e: EffectiveStatus) -> BankStatusReport:
        return BankStatusReport(
            client_reference=ref, status=e.status, bank_code=e.reason_code, bank_text=e.reason_text,
            raw_request_state=e.raw_status, bank_reference=e.bank_reference, debit_account=e.debtor_account,
            payee_account=e.creditor_account, amount_minor=e.amount_minor, currency=e.currency)

    def _with_return(self, report: BankStatusReport) -> BankStatusReport:
        """A settled payment may since have come back (退票): the pain.002 cannot say so, the camt.054 can."""
        if report.status is not PaymentStatus.SUCCEEDED or not report.debit_account:
            return report
        try:
            sf = self._statement_file("camt054", _request("NtfctnReq", [("Acct", report.debit_account),
                                                                         ("OrgnlEndToEndId", report.client_reference)]))
        except OperationalError:
            return report  # the next status query looks again
        for st in sf.statements:
            for entry in st.entries:
                if (entry.end_to_end_id == report.client_reference and entry.credit and entry.return_reason
                        and entry.booked):
                    return replace(report, status=PaymentStatus.RETURNED, bank_code=entry.return_reason,
                                   bank_text=entry.additional_info or entry.narrative())
        return report

    # -----------------------------------------------------------------------------------------------------
    # Balances, transactions, receipts

    def get_balances(self, accounts: Sequence[str]) -> list[Balance]:
        result: list[Balance] = []
        for account in accounts:
            sf = self._statement_file("camt052", _request("RptReq", [("Acct", account), ("Ntries", "false")]))
            st = next((s for s in sf.statements if account in (s.account, *s.account_aliases)), None)
            if st is None:
                raise BankUnavailable("the bank's camt.052 answer is about another account", code="ANSWER_FORMAT")
            codes = {b.code: b.amount_minor for b in st.balances}
            if "ITBD" not in codes and "CLBD" not in codes:
                raise BankUnavailable("the bank's camt.052 answer has no booked balance", code="ANSWER_FORMAT")
            ledger = codes.get("ITBD", codes.get("CLBD"))
            available = codes.get("ITAV", codes.get("CLAV", ledger))
            assert ledger is not None and available is not None
            as_of = sf.created_at or st.created_at or datetime.now(UTC)
            result.append(Balance(account=account, currency=st.currency, available_minor=available,
                                  ledger_minor=ledger, as_of=as_of.astimezone(UTC) if as_of.tzinfo else
                                  as_of.replace(tzinfo=UTC), account_name=st.account_name))
        return result

    def get_transactions(self, account: str, date_from: date, date_to: date,
                         cursor: str | None = None) -> TransactionPage:
        if cursor is not None and not _DIGITS.fullmatch(cursor):
            raise ValidationFailed([Problem("CURSOR", "the continuation cursor must be a page number", "cursor")])
        page = int(cursor) if cursor else 1
        body = _request("RptReq", [("Acct", account), ("FrDt", date_from.isoformat()), ("ToDt", date_to.isoformat()),
                                   ("PgNb", str(page)), ("PgSz", str(self._page_rows))])
        data, sf = self._camt("camt052", body)
        root = parse_xml(data, max_bytes=MAX_ANSWER_BYTES)  # already parsed safely once: the page indicator
        last = next((el for el in root.iter() if _local(el) == "LastPgInd"), None)
        items = tuple(_transaction(account, e) for st in sf.statements for e in st.entries if e.booked)
        more = last is not None and (last.text or "").strip().lower() in ("false", "0")
        return TransactionPage(items, str(page + 1) if more else None)

    def get_statements(self, account: str, date_from: date, date_to: date) -> StatementFile:
        """End-of-day statements (camt.053), one per day — for reconciliation and the round-trip tests."""
        return self._statement_file("camt053", _request("StmtReq", [("Acct", account),
                                                                    ("FrDt", date_from.isoformat()),
                                                                    ("ToDt", date_to.isoformat())]))

    def get_notifications(self, client_reference: str, account: str | None = None) -> tuple[bytes, StatementFile]:
        """The camt.054 about one of our payments (its debit, and its return if it came back): bytes and content."""
        fields = ([("Acct", account)] if account else []) + [("OrgnlEndToEndId", client_reference)]
        return self._camt("camt054", _request("NtfctnReq", fields))

    def get_receipt(self, client_reference: str, account: str | None = None) -> list[Receipt]:
        """The bank's debit notification (camt.054) for each executed debit of this payment, as the receipt
        file (``file_type`` camt.054)."""
        data, sf = self.get_notifications(client_reference, account)
        receipts = []
        for st in sf.statements:
            for e in st.entries:
                if e.end_to_end_id == client_reference and not e.credit and e.booked and not e.reversal:
                    receipts.append(Receipt(reference=client_reference, pdf=data,
                                            bank_reference=e.account_servicer_ref or e.entry_ref,
                                            account=st.account, amount_minor=-e.amount_minor, file_type="camt.054"))
        return receipts

    def test_connection(self, account: str | None = None) -> list[ConnectionStep]:
        steps = list(self._ctx.transport.diagnose())
        if not all(s.ok for s in steps):
            return steps
        if not account:
            steps.append(ConnectionStep("bank_query", True, "skipped: no account given"))
            return steps
        try:
            (balance,) = self.get_balances([account])
        except OperationalError as exc:
            steps.append(ConnectionStep("bank_query", False, exc.message, "the connection works but the bank refused "
                                        "the query: check the account with the bank", exc.code))
            return steps
        steps.append(ConnectionStep("bank_query", True, f"camt.052 balance report answered ({balance.currency})"))
        return steps


def _payment_information_ids(body: bytes) -> dict[str, str]:
    """EndToEndId → PmtInfId in our own pain.001 bytes."""
    root = parse_xml(body, max_bytes=len(body) + 1)
    found: dict[str, str] = {}
    for pmt in root.iter("{*}PmtInf"):
        pmt_id = pmt.findtext("{*}PmtInfId") or ""
        for e2e in pmt.iterfind("{*}CdtTrfTxInf/{*}PmtId/{*}EndToEndId"):
            found[(e2e.text or "").strip()] = pmt_id
    return found


def _distinct(found: list[EffectiveStatus]) -> list[EffectiveStatus]:
    """Identical records (a duplicated answer) count once; what remains differs (several instructions with one
    reference, or conflicting statements about one)."""
    return list({(e.bank_reference, e.status, e.raw_status, e.reason_code, e.reason_text): e for e in found}.values())


def _per_instruction(found: list[EffectiveStatus]) -> list[EffectiveStatus]:
    """One record per bank instruction number (the first), as the CMB plugin reports them."""
    seen: dict[str, EffectiveStatus] = {}
    for e in found:
        seen.setdefault(e.bank_reference or repr(e), e)
    return list(seen.values())


def _transaction(account: str, e) -> Transaction:
    reference = "" if e.end_to_end_id in _NOT_PROVIDED else e.end_to_end_id
    return Transaction(
        account=account, booking_date=e.booking_date, amount_minor=e.amount_minor, currency=e.currency,
        value_date=e.value_date, booking_time=e.booking_time, counterparty_name=e.counterparty_name,
        counterparty_account=e.counterparty_account, reference=reference,
        bank_serial=e.entry_ref or e.account_servicer_ref or e.entry_id, narrative=e.narrative() or e.remittance,
        kind=e.bank_code)


class Iso20022Plugin:
    manifest = MANIFEST

    def create_connector(self, context: BankPluginContext) -> Iso20022Connector:
        return Iso20022Connector(context)


PLUGIN = Iso20022Plugin()
