"""pain.002 (CustomerPaymentStatusReport) reader: ``pain.002.001.03`` and ``.001.10`` to ``.001.14``.

* Hardened parsing (:mod:`bank_plugins.xml_safety`: no DTD, no entities, no network, size cap).
* The version comes from the namespace: ``urn:iso:std:iso:20022:tech:xsd:pain.002.001.NN`` for NN in 03,
  10-14, and the Swiss ``…/pain.002.001.03.ch.02.xsd`` variant. Any other namespace is refused with a precise
  :class:`Pain002Error` (``PAIN_NAMESPACE``: another message type or an unknown namespace; ``PAIN_VERSION``: a
  pain.002 version we do not read). A document *without* a namespace (seen from real banks) is read with the
  2009 structure and a ``NO_NAMESPACE`` warning.
* Lenient about what real banks get wrong: elements are found by local name in any order, unknown elements are
  ignored; an unreadable amount or date becomes a warning (the value is left out — never guessed), not a crash.
* Three levels are read — group (``GrpSts``), payment information (``PmtInfSts``) and transaction
  (``TxInfAndSts``: ``OrgnlEndToEndId``, ``OrgnlUETR``, ``TxSts``, ``StsRsnInf/Rsn/Cd|Prtry`` and every
  ``AddtlInf``, ``AcctSvcrRef``, ``OrgnlTxRef`` amount/date/parties) — and :meth:`StatusReport.effective`
  resolves each transaction's unified status: its own ``TxSts`` when given, else its payment information's,
  else the group's; a group or payment-information ``RJCT``/``CANC`` applies to every transaction under it.
  ``PART`` is PARTIAL at group/payment-information level and never inherited by a transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from app.domain.errors import Problem, Severity
from app.domain.payment import PaymentStatus
from bank_plugins.iso20022 import status as iso_status
from bank_plugins.iso20022.pain001 import CURRENCY_EXPONENTS
from bank_plugins.xml_safety import UnsafeXml, parse_xml

MAX_BYTES = 64 * 1024 * 1024
ISO_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
SUPPORTED_VERSIONS = ("pain.002.001.03", "pain.002.001.10", "pain.002.001.11", "pain.002.001.12",
                      "pain.002.001.13", "pain.002.001.14")
VARIANT_NAMESPACES = {
    "http://www.six-interbank-clearing.com/de/pain.002.001.03.ch.02.xsd": "pain.002.001.03.ch.02",
}
NO_NAMESPACE_VERSION = "pain.002 (no namespace)"

_MESSAGE = re.compile(r"([a-z]{4})\.([0-9]{3})\.([0-9]{3})\.([0-9]{2})")
_AMOUNT = re.compile(r"([0-9]{1,18})(?:\.([0-9]{1,17}))?", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)


class Pain002Error(ValueError):
    """A document that is not a readable pain.002. ``code``: FILE_XML, FILE_SIZE, PAIN_NAMESPACE, PAIN_VERSION,
    PAIN_FORMAT."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class StatusReason:
    code: str = ""  # Rsn/Cd (ExternalStatusReason1Code, e.g. AC01)
    proprietary: str = ""  # Rsn/Prtry
    text: str = ""  # every AddtlInf, joined with a space
    originator: str = ""

    @property
    def label(self) -> str:
        return self.code or self.proprietary


@dataclass(frozen=True)
class TransactionStatus:
    end_to_end_id: str
    raw_status: str = ""  # TxSts as given ("" when absent)
    reasons: tuple[StatusReason, ...] = ()
    instruction_id: str = ""
    uetr: str = ""
    status_id: str = ""
    bank_reference: str = ""  # AcctSvcrRef
    clearing_reference: str = ""  # ClrSysRef
    amount_minor: int | None = None
    currency: str = ""
    requested_execution_date: date | None = None
    creditor_name: str = ""
    creditor_account: str = ""
    debtor_account: str = ""


@dataclass(frozen=True)
class PaymentInformationStatus:
    original_id: str
    raw_status: str = ""
    reasons: tuple[StatusReason, ...] = ()
    transactions: tuple[TransactionStatus, ...] = ()
    original_count: str = ""
    original_control_sum: str = ""


@dataclass(frozen=True)
class EffectiveStatus:
    """One transaction's status after the group / payment-information rules (what a payment becomes)."""

    end_to_end_id: str
    status: PaymentStatus
    raw_status: str  # the ISO code that decided
    level: str  # "transaction", "payment_information" or "group"
    reason_code: str = ""
    reason_text: str = ""
    bank_reference: str = ""
    uetr: str = ""
    payment_information_id: str = ""
    amount_minor: int | None = None
    currency: str = ""
    verification: str = ""  # Verification-of-Payee result text when the status is a VoP code
    suggested_action: str = ""
    repeat: bool = False  # the bank says it already had this instruction (sandbox: Rsn/Prtry REPEAT)
    debtor_account: str = ""
    creditor_account: str = ""


@dataclass(frozen=True)
class StatusReport:
    version: str
    namespace: str
    message_id: str
    created_at: str
    original_message_id: str
    original_message_name: str
    group_status: str = ""  # GrpSts as given
    group_reasons: tuple[StatusReason, ...] = ()
    payment_informations: tuple[PaymentInformationStatus, ...] = ()
    warnings: tuple[Problem, ...] = field(default=(), compare=False)

    @property
    def group_unified(self) -> PaymentStatus | None:
        return iso_status.group_status(self.group_status) if self.group_status else None

    def transactions(self) -> Iterator[tuple[PaymentInformationStatus, TransactionStatus]]:
        for pmt in self.payment_informations:
            for tx in pmt.transactions:
                yield pmt, tx

    def effective(self) -> list[EffectiveStatus]:
        """Every listed transaction with its resolved unified status (see the module docstring)."""
        return [self._resolve(pmt, tx) for pmt, tx in self.transactions()]

    def for_reference(self, end_to_end_id: str) -> list[EffectiveStatus]:
        return [e for e in self.effective() if e.end_to_end_id == end_to_end_id]

    def unlisted_status(self, payment_information_id: str = "") -> EffectiveStatus | None:
        """What the report says about a transaction it does not list (banks often report only a group or a
        payment-information status, or list only the rejected transactions): a group or payment-information
        RJCT/CANC; else the status of its payment information; else the group's. None when the report cannot
        speak for it (no status, or PART)."""
        group = self.group_status.upper()
        block = next((p for p in self.payment_informations
                      if payment_information_id and p.original_id == payment_information_id), None)
        block_code = block.raw_status.upper() if block is not None else ""
        empty = TransactionStatus("")
        if group in iso_status.OVERRIDING_STATUSES:
            return self._effective("", group, "group", self.group_reasons, empty, payment_information_id)
        if block is not None and block_code and block_code != "PART":
            return self._effective("", block_code, "payment_information", block.reasons, empty, block.original_id)
        if group and group != "PART":
            return self._effective("", group, "group", self.group_reasons, empty, payment_information_id)
        return None

    def _resolve(self, pmt: PaymentInformationStatus, tx: TransactionStatus) -> EffectiveStatus:
        group, pmt_code, tx_code = self.group_status.upper(), pmt.raw_status.upper(), tx.raw_status.upper()
        for code, level, reasons in ((group, "group", self.group_reasons),
                                     (pmt_code, "payment_information", pmt.reasons)):
            if code in iso_status.OVERRIDING_STATUSES:
                if tx_code == code and tx.reasons:  # the transaction says the same, with its own reason
                    return self._effective(tx.end_to_end_id, code, "transaction", tx.reasons, tx, pmt.original_id)
                return self._effective(tx.end_to_end_id, code, level, reasons or tx.reasons, tx, pmt.original_id)
        if tx_code:
            return self._effective(tx.end_to_end_id, tx_code, "transaction", tx.reasons, tx, pmt.original_id)
        if pmt_code and pmt_code != "PART":
            return self._effective(tx.end_to_end_id, pmt_code, "payment_information", pmt.reasons, tx,
                                   pmt.original_id)
        if group and group != "PART":
            return self._effective(tx.end_to_end_id, group, "group", self.group_reasons, tx, pmt.original_id)
        return EffectiveStatus(tx.end_to_end_id, PaymentStatus.UNKNOWN, "", "transaction",
                               bank_reference=tx.bank_reference, uetr=tx.uetr,
                               payment_information_id=pmt.original_id, amount_minor=tx.amount_minor,
                               currency=tx.currency, repeat=_is_repeat(tx), debtor_account=tx.debtor_account,
                               creditor_account=tx.creditor_account)

    @staticmethod
    def _effective(ref: str, code: str, level: str, reasons: tuple[StatusReason, ...], tx: TransactionStatus,
                   pmt_id: str) -> EffectiveStatus:
        reasons = tuple(r for r in reasons if r.proprietary != REPEAT)  # a marker, not a reason
        reason = reasons[0] if reasons else StatusReason()
        text = " / ".join(r.text for r in reasons if r.text)
        verification = iso_status.VERIFICATION_OF_PAYEE.get(code, "")
        status = iso_status.transaction_status(code) if level == "transaction" else iso_status.group_status(code)
        if status is PaymentStatus.PARTIAL:
            status = PaymentStatus.UNKNOWN  # a transaction is never "partial"
        return EffectiveStatus(
            end_to_end_id=ref, status=status, raw_status=code, level=level, reason_code=reason.label,
            reason_text=text or verification, bank_reference=tx.bank_reference, uetr=tx.uetr,
            payment_information_id=pmt_id, amount_minor=tx.amount_minor, currency=tx.currency,
            verification=verification, suggested_action=iso_status.suggested_action(reason.code),
            repeat=_is_repeat(tx), debtor_account=tx.debtor_account, creditor_account=tx.creditor_account)


REPEAT = "REPEAT"  # StsRsnInf/Rsn/Prtry with which the sandbox bank marks a repeated (de-duplicated) instruction


def _is_repeat(tx: TransactionStatus) -> bool:
    return any(r.proprietary == REPEAT for r in tx.reasons)


# ---------------------------------------------------------------------------------------------------------
# Reading


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c.tag) == name]


def _child(el: etree._Element | None, *path: str) -> etree._Element | None:
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if _local(c.tag) == name), None)
    return el


def _text(el: etree._Element | None, *path: str) -> str:
    found = _child(el, *path) if path else el
    return (found.text or "").strip() if found is not None else ""


def detect_version(root: etree._Element) -> tuple[str, str, list[Problem]]:
    """(version, namespace, warnings) of a pain.002 root element; Pain002Error for any other document."""
    qname = etree.QName(root)
    ns = qname.namespace or ""
    if _local(root.tag) not in ("Document", "CstmrPmtStsRpt"):
        raise Pain002Error("PAIN_FORMAT", f"the root element is <{_local(root.tag)}>, expected <Document>")
    if not ns:
        return NO_NAMESPACE_VERSION, "", [Problem(
            "NO_NAMESPACE", "the document has no XML namespace; it was read as a pain.002 status report",
            severity=Severity.WARNING)]
    if ns in VARIANT_NAMESPACES:
        return VARIANT_NAMESPACES[ns], ns, []
    if ns.startswith(ISO_PREFIX):
        message = ns[len(ISO_PREFIX):]
        m = _MESSAGE.fullmatch(message)
        if m is None:
            raise Pain002Error("PAIN_NAMESPACE", f"unknown ISO 20022 namespace {ns!r}")
        if m.group(1) != "pain" or m.group(2) != "002":
            raise Pain002Error("PAIN_NAMESPACE", f"this is a {message} document, not a pain.002 payment status "
                               "report")
        if message not in SUPPORTED_VERSIONS:
            raise Pain002Error("PAIN_VERSION", f"{message} is not a supported pain.002 version (supported: "
                               f"{', '.join(SUPPORTED_VERSIONS)})")
        return message, ns, []
    raise Pain002Error("PAIN_NAMESPACE", f"unknown namespace {ns!r}: not an ISO 20022 pain.002 status report")


def _reasons(el: etree._Element) -> tuple[StatusReason, ...]:
    found = []
    for info in _children(el, "StsRsnInf"):
        texts = [t for t in (_text(a) for a in _children(info, "AddtlInf")) if t]
        originator = _text(info, "Orgtr", "Nm") or _text(info, "Orgtr", "Id", "OrgId", "AnyBIC") or _text(
            info, "Orgtr", "Id", "OrgId", "BICOrBEI")
        found.append(StatusReason(_text(info, "Rsn", "Cd").upper(), _text(info, "Rsn", "Prtry"), " ".join(texts),
                                  originator))
    return tuple(found)


def parse_amount(text: str, currency: str) -> int:
    """Decimal text → minor units of ``currency``; ValueError when it is not exactly representable
    ("66.0000000000001" is an error, never 66.00; trailing zeros beyond the minor unit are fine)."""
    m = _AMOUNT.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not a decimal amount")
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    whole, fraction = m.group(1), m.group(2) or ""
    if fraction[exponent:].strip("0"):
        raise ValueError(f"{text!r} has more decimals than {currency} allows ({exponent})")
    fraction = fraction[:exponent].ljust(exponent, "0")
    return int(whole) * 10 ** exponent + (int(fraction) if fraction else 0)


def _account(el: etree._Element | None) -> str:
    return _text(el, "Id", "IBAN") or _text(el, "Id", "Othr", "Id")


def _transaction(el: etree._Element, where: str, warnings: list[Problem]) -> TransactionStatus:
    ref = _child(el, "OrgnlTxRef")
    amount_minor, currency = None, ""
    amount_el = _child(ref, "Amt", "InstdAmt")
    if amount_el is None:
        amount_el = _child(ref, "Amt", "EqvtAmt", "Amt")
    if amount_el is not None:
        currency = (amount_el.get("Ccy") or "").strip()
        try:
            if not _CURRENCY.fullmatch(currency):
                raise ValueError(f"currency {currency!r} is not an ISO 4217 code")
            amount_minor = parse_amount((amount_el.text or "").strip(), currency)
        except ValueError as exc:
            warnings.append(Problem("AMOUNT_FORMAT", f"{where}/OrgnlTxRef/Amt: {exc}; the amount was left out",
                                    where, Severity.WARNING))
            amount_minor = None
    requested = None
    date_text = _text(ref, "ReqdExctnDt", "Dt") or _text(ref, "ReqdExctnDt")
    if date_text:
        try:
            if not _DATE.fullmatch(date_text[:10]):
                raise ValueError(date_text)
            requested = date.fromisoformat(date_text[:10])
        except ValueError:
            warnings.append(Problem("DATE_FORMAT", f"{where}/OrgnlTxRef/ReqdExctnDt: {date_text!r} is not a date",
                                    where, Severity.WARNING))
    creditor = _text(ref, "Cdtr", "Pty", "Nm") or _text(ref, "Cdtr", "Nm")
    return TransactionStatus(
        end_to_end_id=_text(el, "OrgnlEndToEndId"), raw_status=_text(el, "TxSts").upper(), reasons=_reasons(el),
        instruction_id=_text(el, "OrgnlInstrId"), uetr=_text(el, "OrgnlUETR").lower(), status_id=_text(el, "StsId"),
        bank_reference=_text(el, "AcctSvcrRef"), clearing_reference=_text(el, "ClrSysRef"),
        amount_minor=amount_minor, currency=currency, requested_execution_date=requested, creditor_name=creditor,
        creditor_account=_account(_child(ref, "CdtrAcct")), debtor_account=_account(_child(ref, "DbtrAcct")))


def read_pain002(data: bytes, *, max_bytes: int = MAX_BYTES) -> StatusReport:
    """Read one pain.002 document (exact bytes as received). Raises :class:`Pain002Error`."""
    try:
        root = parse_xml(data, max_bytes=max_bytes)
    except UnsafeXml as exc:
        raise Pain002Error(exc.code, exc.message) from None
    return report_from_element(root)


def report_from_element(root: etree._Element) -> StatusReport:
    """The status report of an already (safely) parsed document root. Raises :class:`Pain002Error`."""
    version, ns, warnings = detect_version(root)
    report = root if _local(root.tag) == "CstmrPmtStsRpt" else _child(root, "CstmrPmtStsRpt")
    if report is None:
        other = next((_local(c.tag) for c in root if _local(c.tag)), "nothing")
        raise Pain002Error("PAIN_FORMAT", f"<Document> holds <{other}>, not <CstmrPmtStsRpt>")
    group = _child(report, "OrgnlGrpInfAndSts")
    if group is None:
        raise Pain002Error("PAIN_FORMAT", "the status report has no <OrgnlGrpInfAndSts>")
    payment_informations = []
    for n, pmt in enumerate(_children(report, "OrgnlPmtInfAndSts"), 1):
        transactions = tuple(_transaction(tx, f"OrgnlPmtInfAndSts[{n}]/TxInfAndSts[{k}]", warnings)
                             for k, tx in enumerate(_children(pmt, "TxInfAndSts"), 1))
        payment_informations.append(PaymentInformationStatus(
            original_id=_text(pmt, "OrgnlPmtInfId"), raw_status=_text(pmt, "PmtInfSts").upper(),
            reasons=_reasons(pmt), transactions=transactions, original_count=_text(pmt, "OrgnlNbOfTxs"),
            original_control_sum=_text(pmt, "OrgnlCtrlSum")))
    # Some banks put TxInfAndSts directly under the report (no payment-information level).
    loose = tuple(_transaction(tx, f"TxInfAndSts[{k}]", warnings)
                  for k, tx in enumerate(_children(report, "TxInfAndSts"), 1))
    if loose:
        payment_informations.append(PaymentInformationStatus("", transactions=loose))
    group_status = _text(group, "GrpSts").upper()
    if not group_status and not payment_informations:
        warnings.append(Problem("NO_STATUS", "the status report carries no status at any level (no GrpSts, no "
                                "OrgnlPmtInfAndSts): it tells nothing about any payment", severity=Severity.WARNING))
    return StatusReport(
        version=version, namespace=ns, message_id=_text(report, "GrpHdr", "MsgId"),
        created_at=_text(report, "GrpHdr", "CreDtTm"), original_message_id=_text(group, "OrgnlMsgId"),
        original_message_name=_text(group, "OrgnlMsgNmId"), group_status=group_status,
        group_reasons=_reasons(group), payment_informations=tuple(payment_informations), warnings=tuple(warnings))
