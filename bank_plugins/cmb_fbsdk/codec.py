"""CMB FBSDK messages ↔ the plugin API's value types.

Requests: DCPAYMNT (single/batch payment), NTQRYSTY (status by YURREF), NTSTLINF (status by REQNBR),
NTQRYSTN (status list of an account over dates, paged by CTNKEY in the sandbox),
GetAccInfo / NTQADINF (balances), GetTransInfo (details, paged by CTNKEY in the sandbox), SDKCSFDFBRTIMG
(e-receipts). A payment's structured remittance (invoices, reference) is appended to NUSAGE in the compact form of
:func:`app.domain.remittance.compact_purpose`. Every payment field is checked in GBK bytes *before* the message is
built (and so before it is signed): too long → TEXT_LENGTH, not GBK → TEXT_ENCODING, both via
:func:`app.domain.text.check_text`; all problems of a whole batch are raised at once as ValidationFailed.

Amounts are decimal strings ↔ integer minor units, strictly (ASCII digits, at most two decimals), never float.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

from app.domain.errors import Problem, ValidationFailed
from app.domain.payment import PaymentStatus
from app.domain.remittance import compact_purpose
from app.domain.text import check_text
from app.ports.bank import (
    Balance,
    BankStatusReport,
    PaymentInstruction,
    Receipt,
    StatusListPage,
    SubmissionResult,
    Transaction,
    TransactionPage,
)
from bank_plugins.cmb_fbsdk.envelope import CmbFormatError, CmbMessage, build_message, request_info
from bank_plugins.cmb_fbsdk.manifest import FIELD_BYTE_LENGTHS, MAX_BATCH_SIZE, STATUS_LIST_MAX_DAYS
from bank_plugins.cmb_fbsdk.status import SUCCESS_CODE, record_status

CURRENCY_BY_CCYNBR = {"10": "CNY", "21": "HKD", "32": "USD", "35": "EUR"}
CCYNBR_BY_CURRENCY = {v: k for k, v in CURRENCY_BY_CCYNBR.items()}

PAYMENT_FIELDS = ("YURREF", "DBTACC", "DBTBBK", "TRSAMT", "CCYNBR", "STLCHN", "NUSAGE", "BNKFLG",
                  "CRTACC", "CRTNAM", "CRTBNK", "CRTADR")
_REQUIRED = frozenset({"YURREF", "DBTACC", "CRTACC", "CRTNAM"})
_YURREF = re.compile(r"[0-9A-Za-z_-]{1,30}", re.ASCII)
_ACCOUNT = re.compile(r"[0-9]{6,35}", re.ASCII)
_WIRE_AMOUNT = re.compile(r"(-?)(0|[1-9][0-9]{0,14})(?:\.([0-9]{1,2}))?", re.ASCII)
_DATE = re.compile(r"[0-9]{8}", re.ASCII)


# ---------------------------------------------------------------------------------------------------------
# Amounts and dates


def minor_to_wire(amount_minor: int) -> str:
    if type(amount_minor) is not int:
        raise TypeError("amount_minor must be an int")
    sign = "-" if amount_minor < 0 else ""
    major, minor = divmod(abs(amount_minor), 100)
    return f"{sign}{major}.{minor:02d}"


def wire_to_minor(text: str, *, field: str = "amount", signed: bool = False) -> int:
    """Strict: ``^-?(0|[1-9][0-9]{0,14})(\\.[0-9]{1,2})?$`` (sign only when ``signed``). CmbFormatError otherwise."""
    value = (text or "").strip()
    m = _WIRE_AMOUNT.fullmatch(value)
    if m is None or (m.group(1) and not signed):
        raise CmbFormatError("CMB_AMOUNT", f"{field}: {text!r} is not a valid amount")
    minor = int(m.group(2)) * 100 + int((m.group(3) or "0").ljust(2, "0"))
    return -minor if m.group(1) else minor


def parse_wire_date(text: str, *, field: str = "date") -> date | None:
    value = (text or "").strip()
    if not value:
        return None
    if not _DATE.fullmatch(value):
        raise CmbFormatError("CMB_DATE", f"{field}: {text!r} is not a YYYYMMDD date")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise CmbFormatError("CMB_DATE", f"{field}: {text!r} is not a valid date") from None


def wire_date(d: date) -> str:
    return d.strftime("%Y%m%d")


def bank_clock(message: CmbMessage) -> datetime | None:
    """The bank's clock from INFO SYSDAT/SYSTIM (sandbox extension; UTC), or None."""
    sysdat, systim = message.info.get("SYSDAT", ""), message.info.get("SYSTIM", "")
    if not (sysdat and len(systim) == 6 and systim.isdigit()):
        return None
    day = parse_wire_date(sysdat, field="SYSDAT")
    assert day is not None
    try:
        return datetime(day.year, day.month, day.day, int(systim[:2]), int(systim[2:4]), int(systim[4:]), tzinfo=UTC)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------------------
# Payments


def payment_record(instr: PaymentInstruction) -> dict[str, str]:
    """The DCOPDPAYX fields of one instruction (no validation; see :func:`check_payment_record`)."""
    extra = dict(instr.extra)
    ccynbr = CCYNBR_BY_CURRENCY.get(instr.currency, "")
    rec = {
        "YURREF": instr.client_reference,
        "DBTACC": instr.debit_account,
        "DBTBBK": extra.pop("DBTBBK", ""),
        "TRSAMT": minor_to_wire(instr.amount_minor),
        "CCYNBR": ccynbr,
        "STLCHN": extra.pop("STLCHN", "F" if instr.urgent else "N"),
        # The dialect has no structured remittance: invoices and reference go into the purpose, compactly (the
        # import and the pre-sign check refuse what would not fit NUSAGE).
        "NUSAGE": compact_purpose(instr.purpose, instr.remittance),
        "BNKFLG": extra.pop("BNKFLG", "Y" if instr.payee_bank_code.startswith("308") else "N"),
        "CRTACC": instr.payee_account,
        "CRTNAM": instr.payee_name,
        "CRTBNK": instr.payee_bank_name,
        "CRTADR": extra.pop("CRTADR", ""),
    }
    rec.update(extra)
    # Optional fields left empty are not sent (the samples omit them).
    return {k: v for k, v in rec.items() if v or k in _REQUIRED or k == "TRSAMT"}


def check_payment_record(rec: Mapping[str, str], index: int | None = None,
                         field_bytes: Mapping[str, int] = FIELD_BYTE_LENGTHS) -> list[Problem]:
    """Every problem of one DCOPDPAYX record, counted in GBK bytes."""
    prefix = f"DCOPDPAYX[{index}]." if index is not None else ""
    problems: list[Problem] = []
    for tag, value in rec.items():
        found = check_text(value, prefix + tag, required=tag in _REQUIRED, encoding="gbk",
                           max_bytes=field_bytes.get(tag))
        problems.extend(found)
    ref = rec.get("YURREF", "")
    if ref and not _YURREF.fullmatch(ref):
        problems.append(Problem("REFERENCE_FORMAT", "the client reference must be 1-30 of 0-9 A-Z a-z _ -",
                                prefix + "YURREF"))
    for tag in ("DBTACC", "CRTACC"):
        value = rec.get(tag, "")
        if value and not _ACCOUNT.fullmatch(value):
            problems.append(Problem("ACCOUNT_FORMAT", "an account number is 6-35 ASCII digits", prefix + tag))
    if rec.get("DBTACC") and rec.get("DBTACC") == rec.get("CRTACC"):
        problems.append(Problem("ACCOUNT_FORMAT", "the payee account equals the debit account", prefix + "CRTACC"))
    if not rec.get("CCYNBR"):
        problems.append(Problem("CURRENCY", "this bank dialect cannot carry the currency", prefix + "CCYNBR"))
    return problems


def build_payment_request(instructions: Sequence[PaymentInstruction], *, login_name: str,
                          buscod: str = "N02031", busmod: str = "00001",
                          field_bytes: Mapping[str, int] = FIELD_BYTE_LENGTHS,
                          max_batch_size: int = MAX_BATCH_SIZE) -> bytes:
    """DCPAYMNT with one DCOPDPAYX per instruction. All problems at once; nothing is built on any problem."""
    problems: list[Problem] = []
    if not instructions:
        problems.append(Problem("BATCH_EMPTY", "a payment request needs at least one instruction"))
    if len(instructions) > max_batch_size:
        problems.append(Problem("BATCH_SIZE", f"at most {max_batch_size} payments per request"))
    for instr in instructions:
        if instr.amount_minor <= 0:
            problems.append(Problem("AMOUNT_NOT_POSITIVE", "the amount must be greater than zero",
                                    f"{instr.client_reference}.amount"))
    refs = [i.client_reference for i in instructions]
    if len(set(refs)) != len(refs):
        problems.append(Problem("DUPLICATE", "a client reference appears twice in one request"))
    records = [payment_record(i) for i in instructions]
    for n, rec in enumerate(records):
        problems.extend(check_payment_record(rec, n if len(records) > 1 else None, field_bytes))
    if any(p.is_error for p in problems):
        raise ValidationFailed(problems)
    blocks = [("SDKPAYRQX", {"BUSCOD": buscod, "BUSMOD": busmod})] + [("DCOPDPAYX", r) for r in records]
    return build_message(CmbMessage(request_info("DCPAYMNT", login_name), blocks))


def instruction_from_record(rec: Mapping[str, str]) -> PaymentInstruction:
    """A DCOPDPAYX record back to an instruction (used on stored requests and the real samples)."""
    known = {"YURREF", "DBTACC", "TRSAMT", "CCYNBR", "NUSAGE", "CRTACC", "CRTNAM", "CRTBNK"}
    extra = {k: v for k, v in rec.items() if k not in known}
    return PaymentInstruction(
        client_reference=rec.get("YURREF", ""),
        debit_account=rec.get("DBTACC", ""),
        payee_account=rec.get("CRTACC", ""),
        payee_name=rec.get("CRTNAM", ""),
        amount_minor=wire_to_minor(rec.get("TRSAMT", ""), field="TRSAMT"),
        currency=CURRENCY_BY_CCYNBR.get(rec.get("CCYNBR", "10") or "10", ""),
        payee_bank_name=rec.get("CRTBNK", ""),
        purpose=rec.get("NUSAGE", ""),
        urgent=rec.get("STLCHN", "N") not in ("", "N"),
        extra=extra,
    )


def parse_submission_answer(message: CmbMessage, client_references: Sequence[str]) -> list[SubmissionResult]:
    """One result per reference we sent, in our order. Only RETCOD=0 answers come here.

    A reference without a record, with conflicting records, or with a record we cannot read is UNKNOWN;
    records for references we did not send (a stale answer) are ignored.
    """
    wanted = set(client_references)
    by_ref: dict[str, list[dict[str, str]]] = {}
    for rec in message.records("NTQPAYRQZ"):
        ref = rec.get("YURREF", "")
        if ref in wanted:
            by_ref.setdefault(ref, []).append(rec)
    results = []
    for ref in client_references:
        recs = by_ref.get(ref, [])
        distinct = {tuple(sorted(r.items())) for r in recs}
        if len(distinct) != 1:
            text = "no record for this reference in the answer" if not recs else "conflicting records"
            results.append(SubmissionResult(ref, PaymentStatus.UNKNOWN, bank_text=text))
            continue
        rec = recs[0]
        errcod, reqsts, rtnflg = rec.get("ERRCOD", ""), rec.get("REQSTS", ""), rec.get("RTNFLG", "")
        errtxt = rec.get("ERRTXT", "")
        if errcod == SUCCESS_CODE:
            status = record_status(reqsts, rtnflg)
        elif errcod and reqsts == "FIN" and rtnflg in ("F", "R"):
            status = PaymentStatus.FAILED  # refused at receipt, nothing stored
        else:
            status = PaymentStatus.UNKNOWN
        results.append(SubmissionResult(
            client_reference=ref, status=status, bank_reference=rec.get("REQNBR", ""), bank_code=errcod,
            bank_text=errtxt, raw_request_state=reqsts, raw_result_flag=rtnflg,
            duplicate=errtxt.startswith("重复提交")))
    return results


# ---------------------------------------------------------------------------------------------------------
# Status


def build_status_query(client_reference: str, *, login_name: str, buscod: str = "N02031",
                       debit_account: str = "", extra: Mapping[str, str] | None = None) -> bytes:
    rec = {"BUSCOD": buscod, "YURREF": client_reference, "BGNDAT": "", "ENDDAT": ""}
    if debit_account:
        rec["DBTACC"] = debit_account
    rec.update(extra or {})
    return build_message(CmbMessage(request_info("NTQRYSTY", login_name), [("NTQRYSTYX1", rec)]))


def build_status_by_number(bank_reference: str, *, login_name: str) -> bytes:
    return build_message(CmbMessage(request_info("NTSTLINF", login_name), [("NTSTLINFX", {"REQNBR": bank_reference})]))


def status_report(rec: Mapping[str, str]) -> BankStatusReport:
    amount = rec.get("TRSAMT", "")
    return BankStatusReport(
        client_reference=rec.get("YURREF", ""),
        status=record_status(rec.get("REQSTS", ""), rec.get("RTNFLG", "")),
        bank_code=rec.get("ERRCOD", ""),
        bank_text=rec.get("ERRTXT", ""),
        raw_request_state=rec.get("REQSTS", ""),
        raw_result_flag=rec.get("RTNFLG", ""),
        bank_reference=rec.get("REQNBR", ""),
        debit_account=rec.get("DBTACC", ""),
        payee_account=rec.get("CRTACC", ""),
        amount_minor=wire_to_minor(amount, field="TRSAMT") if amount else None,
        currency=CURRENCY_BY_CCYNBR.get(rec.get("CCYNBR", ""), ""),
        executed_on=parse_wire_date(rec.get("OPRDAT", ""), field="OPRDAT"),
    )


def parse_status_answer(message: CmbMessage, client_reference: str) -> list[BankStatusReport]:
    """Reports for ``client_reference`` (records for other references are ignored as stale). Zero records:
    one ``found=False`` UNKNOWN report — "no record" is never FAILED. Identical duplicated records count once;
    several *different* instructions with one reference are all returned (the caller must alert)."""
    seen: dict[str, BankStatusReport] = {}
    others = 0
    for tag in ("NTSTLLSTZ", "NTQPAYQYZ"):
        for rec in message.records(tag):
            if rec.get("YURREF", "") != client_reference:
                others += 1
                continue
            report = status_report(rec)
            key = report.bank_reference or repr(sorted(rec.items()))
            seen.setdefault(key, report)
    if not seen and others:
        # an answer about another reference (stale / mixed up) says nothing about ours: NOT "no record"
        return [BankStatusReport(client_reference, PaymentStatus.UNKNOWN, found=True,
                                 bank_text="the answer was about another reference: ask again")]
    if not seen:
        return [BankStatusReport(client_reference, PaymentStatus.UNKNOWN, found=False,
                                 bank_text="the bank has no record of this reference (yet)")]
    return list(seen.values())


# ---------------------------------------------------------------------------------------------------------
# Balances


def build_balance_query(accounts: Sequence[str], *, login_name: str, branch: str = "",
                        funnam: str = "GetAccInfo") -> bytes:
    tag = "SDKACINFX" if funnam == "GetAccInfo" else "NTQADINFX"
    blocks = [(tag, {"BBKNBR": branch, "ACCNBR": acc}) for acc in accounts]
    return build_message(CmbMessage(request_info(funnam, login_name), blocks))


def parse_balance_answer(message: CmbMessage, *, now: datetime) -> tuple[list[Balance], list[dict[str, str]]]:
    """(balances, refused records). A record with an ERRCOD other than SUC0000/empty is refused (e.g. AC02)."""
    as_of = bank_clock(message) or now
    balances, refused = [], []
    for rec in message.records("NTQACINFZ") + message.records("NTQADINFZ"):
        if rec.get("ERRCOD", "") not in ("", SUCCESS_CODE):
            refused.append(rec)
            continue
        online = rec.get("ONLBLV", "") or rec.get("ACCBLV", "")
        balances.append(Balance(
            account=rec.get("ACCNBR", ""),
            currency=CURRENCY_BY_CCYNBR.get(rec.get("CCYNBR", ""), rec.get("CCYNBR", "")),
            available_minor=wire_to_minor(rec.get("AVLBLV", ""), field="AVLBLV", signed=True),
            ledger_minor=wire_to_minor(online, field="ONLBLV", signed=True),
            as_of=as_of,
            account_name=rec.get("ACCNAM", ""),
            status=rec.get("STSCOD", ""),
        ))
    return balances, refused


# ---------------------------------------------------------------------------------------------------------
# Transaction details


def build_transactions_query(account: str, date_from: date, date_to: date, *, login_name: str, branch: str = "",
                             max_rows: int | None = None, cursor: str | None = None,
                             extra: Mapping[str, str] | None = None) -> bytes:
    rec = {"BBKNBR": branch, "ACCNBR": account, "BGNDAT": wire_date(date_from), "ENDDAT": wire_date(date_to)}
    if max_rows is not None:
        rec["MAXROW"] = str(max_rows)
    if cursor is not None:
        rec["CTNKEY"] = cursor
    rec.update(extra or {})
    return build_message(CmbMessage(request_info("GetTransInfo", login_name), [("SDKTSINFX", rec)]))


def transaction_from_record(rec: Mapping[str, str], account: str, currency: str) -> Transaction:
    flag = rec.get("AMTCDR", "")
    debit, credit = rec.get("TRSAMTD", ""), rec.get("TRSAMTC", "")
    if flag == "D" and debit:
        amount = -abs(wire_to_minor(debit, field="TRSAMTD", signed=True))
    elif flag == "C" and credit:
        amount = abs(wire_to_minor(credit, field="TRSAMTC", signed=True))
    else:
        raise CmbFormatError("CMB_FORMAT", f"entry {rec.get('REFNBR', '?')}: AMTCDR {flag!r} without its amount")
    booked = parse_wire_date(rec.get("ETYDAT", ""), field="ETYDAT")
    if booked is None:
        raise CmbFormatError("CMB_FORMAT", f"entry {rec.get('REFNBR', '?')} has no booking date")
    balance = rec.get("TRSBLV", "")
    narrative = rec.get("NUSAGE", "") or rec.get("BUSNAM", "")
    return Transaction(
        account=account, booking_date=booked, amount_minor=amount, currency=currency,
        value_date=parse_wire_date(rec.get("VLTDAT", ""), field="VLTDAT"),
        booking_time=rec.get("ETYTIM", ""),
        counterparty_name=rec.get("RPYNAM", ""), counterparty_account=rec.get("RPYACC", ""),
        reference=rec.get("YURREF", ""), bank_serial=rec.get("REFNBR", ""), narrative=narrative,
        balance_after_minor=wire_to_minor(balance, field="TRSBLV", signed=True) if balance else None,
        kind=rec.get("TRSCOD", ""),
    )


def parse_transactions_answer(message: CmbMessage, account: str, currency: str = "CNY") -> TransactionPage:
    items = tuple(transaction_from_record(r, account, currency) for r in message.records("NTQTSINFZ"))
    cont = message.first("NTQTSCTNZ")
    next_cursor = None
    if cont is not None and cont.get("CTNFLG") == "Y":
        next_cursor = cont.get("CTNKEY", "")
        if not next_cursor:
            raise CmbFormatError("CMB_FORMAT", "the bank says more rows follow but gives no continuation key")
    return TransactionPage(items, next_cursor)


# ---------------------------------------------------------------------------------------------------------
# E-receipts


def build_receipt_query(client_reference: str, *, login_name: str, account: str = "") -> bytes:
    rec = {"EACNBR": account, "YURREF": client_reference}
    return build_message(CmbMessage(request_info("SDKCSFDFBRTIMG", login_name), [("CSRRCFDFY0", rec)]))


def parse_receipt_answer(message: CmbMessage, client_reference: str) -> list[Receipt]:
    receipts = []
    for rec in message.records("CSRRCFDFZ1"):
        if rec.get("YURREF", client_reference) != client_reference or not rec.get("FILDAT"):
            continue
        try:
            pdf = base64.b64decode(rec["FILDAT"], validate=True)
        except (binascii.Error, ValueError):
            raise CmbFormatError("CMB_FORMAT", "the receipt file is not valid base64") from None
        amount = rec.get("TRSAMT", "")
        receipts.append(Receipt(
            reference=client_reference, pdf=pdf, bank_reference=rec.get("REQNBR", ""),
            account=rec.get("EACNBR", ""),
            amount_minor=wire_to_minor(amount, field="TRSAMT") if amount else None,
            file_type=rec.get("FILTYP", "PDF") or "PDF"))
    return receipts


# ---------------------------------------------------------------------------------------------------------
# Status list: NTQRYSTN (GetPaymentResultList), paged by CTNKEY in the sandbox


def build_status_list_query(debit_account: str, date_from: date, date_to: date, *, login_name: str,
                            buscod: str = "N02031", busmod: str = "00001", cursor: str | None = None,
                            max_days: int = STATUS_LIST_MAX_DAYS) -> bytes:
    """NTQRYSTN for the instructions of ``debit_account`` received ``date_from``..``date_to`` (bank dates,
    inclusive, at most ``max_days`` days); ``cursor`` is the CTNKEY of the previous page. All problems at once."""
    problems: list[Problem] = []
    if not _ACCOUNT.fullmatch(debit_account or ""):
        problems.append(Problem("ACCOUNT_FORMAT", "an account number is 6-35 ASCII digits", "DBTACC"))
    if date_to < date_from:
        problems.append(Problem("DATE_RANGE", "the end date is before the start date", "ENDDAT"))
    elif (date_to - date_from).days >= max_days:
        problems.append(Problem("DATE_RANGE", f"at most {max_days} days per status-list request", "ENDDAT"))
    if cursor is not None and not (cursor and len(cursor) <= 200 and cursor.isascii() and cursor.isprintable()):
        problems.append(Problem("CURSOR", "the continuation key must be the one the previous page returned",
                                "CTNKEY"))
    if problems:
        raise ValidationFailed(problems)
    rec = {"BUSCOD": buscod, "BUSMOD": busmod, "BGNDAT": wire_date(date_from), "ENDDAT": wire_date(date_to),
           "DBTACC": debit_account}
    if cursor:
        rec["CTNKEY"] = cursor
    return build_message(CmbMessage(request_info("NTQRYSTN", login_name), [("NTQRYSTNY1", rec)]))


def parse_status_list_answer(message: CmbMessage, debit_account: str = "") -> StatusListPage:
    """One NTQRYSTN page. Each ``NTSTLLSTZ`` record maps exactly as :func:`parse_status_answer` maps it
    (:func:`status_report`); a record that cannot be read is a ``found=True`` UNKNOWN report "unreadable: ask
    again" (never a failure). Records of another debit account (a stale answer) are left out; identical
    duplicates count once; different records for one instruction (REQNBR) give one UNKNOWN report for it.
    Only RETCOD=0 answers come here. CmbFormatError when the continuation block has no key."""
    reports: dict[tuple[str, str], BankStatusReport] = {}
    seen: dict[tuple[str, str], tuple] = {}
    for rec in message.records("NTSTLLSTZ"):
        account = rec.get("DBTACC", "")
        if debit_account and account and account != debit_account:
            continue
        ref, number = rec.get("YURREF", ""), rec.get("REQNBR", "")
        content = tuple(sorted(rec.items()))
        key = (ref, number or repr(content))
        if key in seen:
            if seen[key] != content:
                reports[key] = BankStatusReport(ref, PaymentStatus.UNKNOWN, found=True, bank_reference=number,
                                                bank_text="conflicting records for one instruction: ask again")
            continue
        seen[key] = content
        try:
            reports[key] = status_report(rec)
        except CmbFormatError as exc:
            reports[key] = BankStatusReport(ref, PaymentStatus.UNKNOWN, found=True, bank_reference=number,
                                            bank_text=f"unreadable: ask again ({exc.message})")
    cont = message.first("NTQRYSTNZ1")
    next_cursor = None
    if cont is not None:
        next_cursor = cont.get("CTNKEY", "")
        if not next_cursor:
            raise CmbFormatError("CMB_FORMAT", "the bank says more records follow but gives no continuation key")
    return StatusListPage(tuple(reports.values()), next_cursor)
