"""``CmbFbsdkConnector``: the BankConnector for the CMB FBSDK dialect, as the sandbox bank speaks it
(sandbox_bank/PROTOCOL.md): ``POST /cmb/fbsdk``, GBK XML, payment bodies signed in ``X-BD-Signature`` /
``X-BD-Signer`` headers, answers signed the same way by the bank and checked before parsing.

Settings (``BankPluginContext.settings``): ``login_name`` (LGNNAM), ``path`` (default ``/cmb/fbsdk``),
``branch`` (BBKNBR), ``buscod`` (N02031), ``busmod`` (00001), ``page_rows`` (MAXROW), ``currency`` (CNY).

Failure kinds: an answer we cannot trust (bad signature, unparsable) on a payment → OutcomeUnknown; on a
query → BankUnavailable. An envelope refusal on a query → BankRejected(code) (RATE_LIMIT / SYS_BUSY →
BankUnavailable); on a payment see :mod:`bank_plugins.cmb_fbsdk.status`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ssl
from collections.abc import Sequence
from datetime import UTC, date, datetime

from app.domain.errors import BankRejected, BankUnavailable, OperationalError, OutcomeUnknown
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
    StatusListPage,
    SubmissionResult,
    TransactionPage,
)
from bank_plugins.cmb_fbsdk import codec
from bank_plugins.cmb_fbsdk.envelope import CmbFormatError, CmbMessage, parse_message
from bank_plugins.cmb_fbsdk.manifest import MANIFEST
from bank_plugins.cmb_fbsdk.status import RETRYABLE_ENVELOPE_CODES, envelope_code, submission_envelope_status

SIGNATURE_HEADER = "X-BD-Signature"
SIGNER_HEADER = "X-BD-Signer"


def certificate_fingerprint(certificate_pem: bytes) -> str:
    """Lowercase hex SHA-256 of the DER certificate (the sandbox's signer id)."""
    der = ssl.PEM_cert_to_DER_cert(certificate_pem.decode("ascii"))
    return hashlib.sha256(der).hexdigest()


class CmbFbsdkConnector:
    manifest = MANIFEST

    def __init__(self, context: BankPluginContext):
        self._ctx = context
        s = context.settings
        self._login = s.get("login_name", "BANKDIRECT")
        self._path = s.get("path", "/cmb/fbsdk")
        self._branch = s.get("branch", "")
        self._buscod = s.get("buscod", "N02031")
        self._busmod = s.get("busmod", "00001")
        self._page_rows = int(s.get("page_rows", str(MANIFEST.limits.max_rows_per_page)))
        self._currency = s.get("currency", "CNY")

    # -----------------------------------------------------------------------------------------------------
    # Exchange

    def _exchange(self, body: bytes, *, payment: bool, headers: dict[str, str] | None = None) -> CmbMessage:
        resp = self._ctx.transport.post(self._path, body, headers=headers, payment=payment)
        doubt = OutcomeUnknown if payment else BankUnavailable
        verifier = self._ctx.answer_verifier
        if verifier is not None:
            try:
                signature = base64.b64decode(resp.headers.get(SIGNATURE_HEADER, ""), validate=True)
            except (binascii.Error, ValueError):
                signature = b""
            if not signature or not verifier.verify(resp.body, signature, resp.headers.get(SIGNER_HEADER, "")):
                raise doubt("the bank's answer carries no valid signature", code="ANSWER_SIGNATURE")
        try:
            return parse_message(resp.body)
        except CmbFormatError as exc:
            raise doubt(f"the bank's answer is unreadable: {exc.message}", code="ANSWER_FORMAT") from None

    def _query(self, body: bytes) -> CmbMessage:
        message = self._exchange(body, payment=False)
        if message.retcod != "0":
            code = envelope_code(message.errmsg) or f"RETCOD{message.retcod}"
            if message.retcod in RETRYABLE_ENVELOPE_CODES:
                raise BankUnavailable(f"the bank is busy or rate-limiting ({message.errmsg})", code=code)
            raise BankRejected(f"the bank refused the query: {message.errmsg}", code, message.errmsg)
        return message

    @staticmethod
    def _answer_error(exc: CmbFormatError) -> OperationalError:
        return BankUnavailable(f"the bank's answer is unreadable: {exc.message}", code="ANSWER_FORMAT")

    # -----------------------------------------------------------------------------------------------------
    # Payments

    def prepare_submission(self, instructions: Sequence[PaymentInstruction], signer: Signer) -> SignedSubmission:
        body = codec.build_payment_request(list(instructions), login_name=self._login, buscod=self._buscod,
                                           busmod=self._busmod)  # validates every field before signing
        signature = signer.sign(body)
        return SignedSubmission(
            plugin_id=MANIFEST.id, client_references=tuple(i.client_reference for i in instructions), body=body,
            signature=signature, signer_id=certificate_fingerprint(signer.certificate_pem),
            algorithm=signer.algorithm, body_sha256=hashlib.sha256(body).hexdigest())

    def send_submission(self, submission: SignedSubmission) -> list[SubmissionResult]:
        headers = {SIGNATURE_HEADER: base64.b64encode(submission.signature).decode(),
                   SIGNER_HEADER: submission.signer_id}
        message = self._exchange(submission.body, payment=True, headers=headers)
        refs = submission.client_references
        envelope = submission_envelope_status(message.retcod)
        if envelope is not None:
            code = envelope_code(message.errmsg) or f"RETCOD{message.retcod}"
            return [SubmissionResult(ref, envelope, bank_code=code, bank_text=message.errmsg) for ref in refs]
        try:
            return codec.parse_submission_answer(message, refs)
        except CmbFormatError as exc:
            raise OutcomeUnknown(f"the bank's answer is unreadable: {exc.message}", code="ANSWER_FORMAT") from None

    def submit_payment(self, instructions: Sequence[PaymentInstruction], signer: Signer) -> list[SubmissionResult]:
        return self.send_submission(self.prepare_submission(instructions, signer))

    # -----------------------------------------------------------------------------------------------------
    # Queries

    def query_status(self, client_references: Sequence[str]) -> list[BankStatusReport]:
        reports: list[BankStatusReport] = []
        for ref in client_references:
            try:
                message = self._query(codec.build_status_query(ref, login_name=self._login, buscod=self._buscod))
            except OperationalError:
                if not reports:
                    raise
                break  # keep what was answered; the references not asked yet get no report (asked next time)
            try:
                reports.extend(codec.parse_status_answer(message, ref))
            except CmbFormatError:
                # An unreadable status answer tells us nothing (and is NOT "no record"): ask again later.
                reports.append(BankStatusReport(ref, PaymentStatus.UNKNOWN, found=True,
                                                bank_text="unreadable status answer: ask again"))
        return reports

    def query_status_list(self, debit_account: str, date_from: date, date_to: date,
                          cursor: str | None = None) -> StatusListPage:
        """One NTQRYSTN page (the bank decides its size); ``next_cursor`` None when no more follow."""
        body = codec.build_status_list_query(debit_account, date_from, date_to, login_name=self._login,
                                             buscod=self._buscod, busmod=self._busmod, cursor=cursor)
        message = self._query(body)
        try:
            page = codec.parse_status_list_answer(message, debit_account)
        except CmbFormatError as exc:
            raise self._answer_error(exc) from None
        if cursor and page.next_cursor == cursor:  # would page forever
            raise BankUnavailable("the bank's continuation key does not advance", code="ANSWER_FORMAT")
        return page

    def get_balances(self, accounts: Sequence[str]) -> list[Balance]:
        result: list[Balance] = []
        size = MANIFEST.limits.max_accounts_per_balance_query
        for start in range(0, len(accounts), size):
            chunk = list(accounts[start:start + size])
            message = self._query(codec.build_balance_query(chunk, login_name=self._login, branch=self._branch))
            try:
                balances, refused = codec.parse_balance_answer(message, now=datetime.now(UTC))
            except CmbFormatError as exc:
                raise self._answer_error(exc) from None
            if refused:
                first = refused[0]
                raise BankRejected(f"the bank does not know account ****{first.get('ACCNBR', '')[-4:]}",
                                   first.get("ERRCOD", ""), first.get("ERRTXT", ""))
            result.extend(balances)
        return result

    def get_transactions(self, account: str, date_from: date, date_to: date,
                         cursor: str | None = None) -> TransactionPage:
        body = codec.build_transactions_query(account, date_from, date_to, login_name=self._login,
                                              branch=self._branch, max_rows=self._page_rows, cursor=cursor or "")
        message = self._query(body)
        try:
            return codec.parse_transactions_answer(message, account, self._currency)
        except CmbFormatError as exc:
            raise self._answer_error(exc) from None

    def get_receipt(self, client_reference: str, account: str | None = None) -> list[Receipt]:
        message = self._query(codec.build_receipt_query(client_reference, login_name=self._login,
                                                        account=account or ""))
        try:
            return codec.parse_receipt_answer(message, client_reference)
        except CmbFormatError as exc:
            raise self._answer_error(exc) from None

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
                                        "the query: check the account and the login name with the bank", exc.code))
            return steps
        steps.append(ConnectionStep("bank_query", True, f"balance query answered (account status {balance.status})"))
        return steps


class CmbFbsdkPlugin:
    manifest = MANIFEST

    def create_connector(self, context: BankPluginContext) -> CmbFbsdkConnector:
        return CmbFbsdkConnector(context)


PLUGIN = CmbFbsdkPlugin()
