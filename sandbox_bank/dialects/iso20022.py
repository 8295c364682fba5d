"""ISO 20022 dialect of the sandbox bank, over the same engine and ledger as the CMB dialect.

Paths (POST, mutual TLS; contract in sandbox_bank/PROTOCOL.md §6):

* ``/iso20022/pain001`` — a signed pain.001.001.09 or .03 (UTF-8); answer: a pain.002.001.10 acknowledgement
  (GrpSts / PmtInfSts / TxSts ACTC or RJCT with ISO reason codes, AcctSvcrRef = the bank's instruction number).
* ``/iso20022/status`` — ``<StsReq>`` with 1-100 ``OrgnlEndToEndId``; answer: pain.002.001.10 with one
  ``TxInfAndSts`` per instruction found (none: the reference is unknown *or not yet visible*).
* ``/iso20022/camt052`` — ``<RptReq>``: intraday account report camt.052.001.08 (balances, paged entries).
* ``/iso20022/camt053`` — ``<StmtReq>``: end-of-day statements camt.053.001.08, one ``Stmt`` per day.
* ``/iso20022/camt054`` — ``<NtfctnReq>``: debit/credit notifications camt.054.001.08 (payments, returns with
  ``RtrInf``, incoming credits), by account and/or by end-to-end id.

A request refused as a whole (unregistered client, unreadable request, rate limit, system busy, unknown
account) is answered with an admi.002.001.01 MessageReject. Every XML answer is signed like the CMB dialect's
(``X-BD-Signature`` / ``X-BD-Signer``); faults come from the same FaultPlan.

The sandbox is an outside party: this module writes and reads its XML with lxml and imports nothing of the
client.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree

from sandbox_bank import pki
from sandbox_bank.engine import Engine, EngineError, PaymentOrder, Statement, day_bounds
from sandbox_bank.faults import FAULT_KINDS
from sandbox_bank.ledger import Entry, Instruction

PREFIX = "/iso20022/"
FUNCTIONS = {
    "/iso20022/pain001": "pain001",
    "/iso20022/status": "status",
    "/iso20022/camt052": "camt052",
    "/iso20022/camt053": "camt053",
    "/iso20022/camt054": "camt054",
}
FUNCTION_CLASS = {"pain001": "payment", "status": "status", "camt052": "query", "camt053": "query",
                  "camt054": "query"}
MAX_BODY = 16 * 1024 * 1024
MAX_TRANSACTIONS = 10_000
MAX_STATUS_REFERENCES = 100
MAX_PAGE, DEFAULT_PAGE = 1000, 200
MAX_STATEMENT_DAYS = 31
STRUCTURAL = {"duplicate_answer", "stale_answer", "out_of_order_status", "no_record"}
SIG_HEADER = "X-BD-Signature"
SIGNER_HEADER = "X-BD-Signer"
CONTENT_TYPE = "application/xml; charset=utf-8"

ISO = "urn:iso:std:iso:20022:tech:xsd:"
REQUEST_NS = "urn:bankdirect:sandbox:iso20022"
PAIN001_VERSIONS = {ISO + "pain.001.001.03": "pain.001.001.03", ISO + "pain.001.001.09": "pain.001.001.09"}
PAIN002 = "pain.002.001.10"
CAMT = {"camt052": ("camt.052.001.08", "BkToCstmrAcctRpt", "Rpt"),
        "camt053": ("camt.053.001.08", "BkToCstmrStmt", "Stmt"),
        "camt054": ("camt.054.001.08", "BkToCstmrDbtCdtNtfctn", "Ntfctn")}
ADMI002 = "admi.002.001.01"
REQUEST_ROOTS = {"status": "StsReq", "camt052": "RptReq", "camt053": "StmtReq", "camt054": "NtfctnReq"}

EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3}
# bank state -> pain.002 transaction status
TX_STATUS = {"RECEIVED": "ACTC", "PROCESSING": "ACSP", "SUCCEEDED": "ACSC", "RETURNED": "ACSC", "FAILED": "RJCT"}
# engine refusal codes at receipt -> ISO ExternalStatusReason1Code
RECEIPT_REASONS = {"FMT_YURREF": "FF08", "FMT_CRTACC": "AC03", "AC02": "AC02", "AM03": "AM03", "DUPL": "DUPL"}
# ledger entry kind -> (ISO bank transaction code family, sub-family)
BANK_TX_CODES = {"PAYMENT": ("ICDT", "DMCT"), "INCOMING": ("RCDT", "DMCT"), "RETURN": ("ICDT", "RRTN"),
                 "RETURN_DEBIT": ("RCDT", "RRTN")}
REPEAT_REASON = "REPEAT"

_AMOUNT_RE = re.compile(r"\A([0-9]{1,18})(?:\.([0-9]{1,5}))?\Z")
_DATE_RE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_DIGITS_RE = re.compile(r"\A[0-9]{1,5}\Z")
_DOCTYPE_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class IsoError(Exception):
    """The request is refused as a whole (admi.002 MessageReject): nothing was done."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


class TxRefused(Exception):
    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


# ---------------------------------------------------------------------------------------------------------
# Answer model (content faults mutate it before rendering)


@dataclass
class TxRecord:
    ref: str
    status: str  # ACTC, ACSP, ACSC, RJCT
    reason: str = ""
    reason_text: str = ""
    req_nbr: str = ""
    instruction_id: str = ""
    uetr: str = ""
    amount_minor: int | None = None
    currency: str = ""
    debit_account: str = ""
    payee_account: str = ""
    payee_name: str = ""
    accepted_at: float | None = None
    repeat: bool = False


@dataclass
class Block:
    payment_information_id: str
    status: str = ""
    reason: str = ""
    reason_text: str = ""
    count: str = ""
    control_sum: str = ""
    records: list[TxRecord] = field(default_factory=list)


@dataclass
class CamtEntry:
    entry: Entry
    currency: str
    instruction: Instruction | None


@dataclass
class Report:
    ident: str
    account: str
    account_name: str
    currency: str
    start: dt.datetime
    end: dt.datetime
    balances: list[tuple[str, int, dt.date | dt.datetime]] = field(default_factory=list)
    entries: list[CamtEntry] = field(default_factory=list)
    page: tuple[int, bool] | None = None
    sequence: int | None = None


@dataclass
class Answer:
    kind: str  # pain002 | camt052 | camt053 | camt054 | admi002
    function: str
    original_message_id: str = "NOTPROVIDED"
    original_message_name: str = "pain.001.001.09"
    original_count: str = ""
    original_sum: str = ""
    group_status: str = ""
    group_reason: str = ""
    group_text: str = ""
    blocks: list[Block] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    code: str = ""
    text: str = ""
    references: list[str] = field(default_factory=list)

    @property
    def records(self) -> list[TxRecord]:
        return [r for b in self.blocks for r in b.records]


def reject(function: str, code: str, text: str) -> Answer:
    return Answer("admi002", function, code=code, text=text)


# ---------------------------------------------------------------------------------------------------------
# Reading requests


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _find(el: etree._Element | None, *path: str) -> etree._Element | None:
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if isinstance(c.tag, str) and _local(c) == name), None)
    return el


def _findall(el: etree._Element | None, name: str) -> list[etree._Element]:
    return [] if el is None else [c for c in el if isinstance(c.tag, str) and _local(c) == name]


def _txt(el: etree._Element | None, *path: str) -> str:
    found = _find(el, *path) if path else el
    return (found.text or "").strip() if found is not None else ""


def parse_body(body: bytes) -> etree._Element:
    if _DOCTYPE_RE.search(body):
        raise IsoError("FF01", "DOCTYPE/ENTITY declarations are refused")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise IsoError("FF01", f"malformed XML: {exc}") from None


def parse_request(function: str, body: bytes) -> tuple[etree._Element, str]:
    """(root, version or request name); IsoError when it is not the document this path takes."""
    root = parse_body(body)
    ns = etree.QName(root).namespace or ""
    if function == "pain001":
        version = PAIN001_VERSIONS.get(ns)
        if version is None or _local(root) != "Document" or _find(root, "CstmrCdtTrfInitn") is None:
            raise IsoError("FF01", f"expected a pain.001.001.09 or .03 Document, got <{_local(root)}> in {ns!r}")
        return root, version
    expected = REQUEST_ROOTS[function]
    if ns != REQUEST_NS or _local(root) != expected:
        raise IsoError("FF01", f"expected <{expected} xmlns=\"{REQUEST_NS}\">")
    return root, expected


def parse_amount(text: str, currency: str) -> int:
    m = _AMOUNT_RE.match(text or "")
    if m is None:
        raise TxRefused("AM12", f"InstdAmt {text!r} is not a decimal amount")
    exponent = EXPONENTS.get(currency, 2)
    fraction = m.group(2) or ""
    if fraction[exponent:].strip("0"):
        raise TxRefused("AM12", f"InstdAmt {text!r} has more decimals than {currency} allows")
    fraction = fraction[:exponent].ljust(exponent, "0")
    minor = int(m.group(1)) * 10 ** exponent + (int(fraction) if fraction else 0)
    if minor == 0:
        raise TxRefused("AM01", "the amount is zero")
    return minor


def format_amount(minor: int, currency: str) -> str:
    exponent = EXPONENTS.get(currency, 2)
    major, rest = divmod(abs(minor), 10 ** exponent)
    return f"{major}.{rest:0{exponent}d}" if exponent else str(major)


def _date(text: str, name: str, default: dt.date) -> dt.date:
    if not text:
        return default
    if not _DATE_RE.match(text):
        raise IsoError("FF01", f"{name} must be YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise IsoError("FF01", f"{name} is not a calendar date") from None


def _account_id(el: etree._Element | None) -> str:
    return _txt(el, "Id", "IBAN") or _txt(el, "Id", "Othr", "Id")


def _ts(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------------------------------------------------
# The dialect


class IsoDialect:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ledger = engine.ledger

    # -- HTTP flow (called by BankService.handle for paths under /iso20022/) -------------------------
    def handle(self, bank, h) -> None:  # bank: server.BankService, h: BaseHTTPRequestHandler
        length = int(h.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            h.close_connection = True
            bank._send(h, 413, b"request too large")
            return
        body = h.rfile.read(length)
        function = FUNCTIONS.get(h.path)
        if function is None:
            bank._send(h, 404, b"not found")
            return
        peer = h.connection.getpeercert(binary_form=True)
        if not peer or not self.ledger.client_known(pki.fingerprint_der(peer)):
            self._send(bank, h, reject(function, "CLIENT_NOT_REGISTERED", "client certificate is not registered"))
            return
        try:
            root, version = parse_request(function, body)
        except IsoError as exc:
            self._send(bank, h, reject(function, exc.code, exc.text))
            return
        seq = bank.next_seq()
        decision = bank.plan.decide(seq, FUNCTION_CLASS[function])
        kind = decision.kind
        body_sha = hashlib.sha256(body).hexdigest()

        def record(detail: str) -> None:
            assert kind is not None
            bank.ledger.log_fault(seq, kind, f"iso20022:{function}", h.path, body_sha, body, detail)

        stage = FAULT_KINDS[kind][0] if kind else None
        if stage == "pre":
            record("nothing executed")
            if kind == "drop_request":
                h.close_connection = True
            elif kind == "http5xx_before":
                bank._send(h, 503, b"service unavailable")
            elif kind == "http200_business_error":
                self._send(bank, h, reject(function, "SYS_BUSY", "system busy, nothing done; try again later"))
            elif kind == "rate_limit":
                self._send(bank, h, reject(function, "RATE_LIMIT", "query rate limit; try again later"))
            return
        try:
            if function == "pain001":
                try:
                    signer = self._verify(bank, h, body)
                except _SignatureRefused as exc:
                    answer = self.signature_refused(root, version, exc)
                else:
                    answer = self.payment(root, version, body_sha, signer)
            elif function == "status":
                answer = self.status(root)
            else:
                answer = self.camt(function, root)
        except IsoError as exc:
            answer = reject(function, exc.code, exc.text)
        except EngineError as exc:
            answer = reject(function, exc.code, exc.text)
        detail = "executed"
        if kind in STRUCTURAL:
            applied = self.apply_content_fault(kind, answer, decision.rng)
            if applied is None:
                kind = None
            else:
                detail = applied
        now = time.time()
        if kind == "clock_skew":
            skew = decision.rng.choice([-600, 600])
            now += skew
            detail = f"answer clock skewed {skew:+d} s"
        out = self.render(answer, now)
        if kind == "malformed_xml":
            out = out[: max(10, len(out) * 2 // 3)] + b"<<</"
        signature = pki.sign_bytes(bank.bank_key, out)
        if kind == "bad_signature":
            raw = bytearray(signature.encode("ascii"))
            raw[10] = ord("A") if raw[10] != ord("A") else ord("B")
            signature = raw.decode("ascii")
        if kind:
            record(detail)
        if kind == "drop_answer":
            h.close_connection = True
            return
        if kind == "slow_answer":
            time.sleep(bank.slow_seconds)
        if kind == "http5xx_after":
            bank._send(h, 500, b"internal server error")
            return
        bank._send(h, 200, out, signature=signature, now=now, partial=kind == "reset_mid_answer",
                   content_type=CONTENT_TYPE)

    def _send(self, bank, h, answer: Answer) -> None:
        now = time.time()
        out = self.render(answer, now)
        bank._send(h, 200, out, signature=pki.sign_bytes(bank.bank_key, out), now=now, content_type=CONTENT_TYPE)

    def _verify(self, bank, h, body: bytes) -> str:
        """The signer's fingerprint; raises _SignatureRefused (answered as a pain.002 group RJCT)."""
        signature, signer = h.headers.get(SIG_HEADER), h.headers.get(SIGNER_HEADER)
        if not signature:
            raise _SignatureRefused("DS0A", "SIG_MISSING", f"payment submissions need {SIG_HEADER}")
        fp = (signer or "").strip().lower()
        cert_pem = self.ledger.signer_cert_pem(fp) if fp else None
        if cert_pem is None:
            raise _SignatureRefused("DS0E", "SIG_UNKNOWN_SIGNER", f"{SIGNER_HEADER} is not a registered signer")
        if not pki.verify_bytes(pki.cert_from_pem(cert_pem), body, signature):
            raise _SignatureRefused("DS0B", "SIG_INVALID", "signature does not verify over the body bytes")
        return fp

    # -- pain.001 ---------------------------------------------------------------------------------------
    def payment(self, root: etree._Element, version: str, body_sha: str, signer: str) -> Answer:
        return _payment(self, root, version, body_sha, signer)

    @staticmethod
    def signature_refused(root: etree._Element, version: str, exc: _SignatureRefused) -> Answer:
        doc = _find(root, "CstmrCdtTrfInitn")
        return Answer("pain002", "pain001", original_message_id=_txt(doc, "GrpHdr", "MsgId")[:35] or "NOTPROVIDED",
                      original_message_name=version, original_count=_txt(doc, "GrpHdr", "NbOfTxs"),
                      original_sum=_txt(doc, "GrpHdr", "CtrlSum"), group_status="RJCT", group_reason=exc.iso_code,
                      group_text=f"{exc.code}: {exc.text}")

    # -- status ----------------------------------------------------------------------------------------
    def status(self, root: etree._Element) -> Answer:
        refs = [_txt(el) for el in _findall(root, "OrgnlEndToEndId")]
        if not refs or not all(refs):
            raise IsoError("FF01", "StsReq needs 1 to 100 non-empty OrgnlEndToEndId")
        if len(refs) > MAX_STATUS_REFERENCES:
            raise IsoError("FF01", f"at most {MAX_STATUS_REFERENCES} OrgnlEndToEndId per request")
        debit = _txt(root, "DbtrAcct") or None
        answer = Answer("pain002", "status")
        for ref in dict.fromkeys(refs):
            for ins in self.engine.status_by_reference(ref, debit):
                answer.blocks.append(Block(_payment_information_of(ins), records=[_record(ins)]))
        answer.references = list(dict.fromkeys(refs))
        return answer

    # -- camt ------------------------------------------------------------------------------------------
    def camt(self, function: str, root: etree._Element) -> Answer:
        today = dt.datetime.now(dt.UTC).date()
        if function == "camt054":
            return self._notifications(root, today)
        account = _txt(root, "Acct")
        if not account:
            raise IsoError("FF01", "Acct is required")
        acc = self.ledger.account(account)
        if acc is None:
            raise IsoError("AC01", "unknown account")
        start = _date(_txt(root, "FrDt"), "FrDt", today)
        end = _date(_txt(root, "ToDt"), "ToDt", today)
        if end < start or (end - start).days > 366:
            raise IsoError("FF01", "ToDt before FrDt or range over 366 days")
        answer = Answer(function, function)
        if function == "camt053":
            if (end - start).days >= MAX_STATEMENT_DAYS:
                raise IsoError("FF01", f"at most {MAX_STATEMENT_DAYS} days of statements per request")
            day = start
            while day <= end:
                st = self.engine.statement(account, day, day)
                report = self._report(f"STMT-{day:%Y%m%d}", acc.name, st, day, day)
                report.sequence = day.toordinal() - dt.date(2000, 1, 1).toordinal() + 1
                report.balances = [("OPBD", st.opening_minor, day), ("CLBD", st.closing_minor, day),
                                   ("CLAV", st.closing_minor, day)]
                answer.reports.append(report)
                day += dt.timedelta(days=1)
            return answer
        # camt.052: balances only, or a page of entries
        entries_wanted = _txt(root, "Ntries").lower() != "false"
        page_text, size_text = _txt(root, "PgNb") or "1", _txt(root, "PgSz") or str(DEFAULT_PAGE)
        if not (_DIGITS_RE.match(page_text) and _DIGITS_RE.match(size_text)) or not (
                int(page_text) >= 1 and 1 <= int(size_text) <= MAX_PAGE):
            raise IsoError("FF01", f"PgNb must be ≥ 1 and PgSz 1..{MAX_PAGE}")
        page, size = int(page_text), int(size_text)
        st = self.engine.statement(account, start, end)
        report = self._report(f"RPT-{start:%Y%m%d}-{end:%Y%m%d}-{page}", acc.name, st, start, end)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        if not entries_wanted:
            report.entries = []
            report.balances = [("ITBD", acc.balance_minor, now), ("ITAV", acc.balance_minor, now)]
            answer.reports.append(report)
            return answer
        pages = max(1, -(-len(report.entries) // size))
        report.entries = report.entries[(page - 1) * size:page * size]
        report.page = (page, page >= pages)
        if page == 1:
            report.balances.append(("OPBD", st.opening_minor, start))
        if page >= pages:
            report.balances.append(("CLBD", st.closing_minor, end) if end < now.date()
                                   else ("ITBD", st.closing_minor, now))
        answer.reports.append(report)
        return answer

    def _report(self, ident: str, name: str, st: Statement, start: dt.date, end: dt.date) -> Report:
        lo, hi = day_bounds(start, end)
        report = Report(ident, st.account, name, st.currency, dt.datetime.fromtimestamp(lo, dt.UTC),
                        dt.datetime.fromtimestamp(hi - 1, dt.UTC))
        report.entries = self._camt_entries(st.entries, st.currency)
        return report

    def _camt_entries(self, entries: list[Entry], currency: str) -> list[CamtEntry]:
        ids = sorted({e.instruction_id for e in entries if e.instruction_id})
        by_id: dict[int, Instruction] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for ins in self.ledger.instructions(f"id IN ({','.join('?' * len(chunk))})", tuple(chunk)):
                by_id[ins.id] = ins
        return [CamtEntry(e, currency, by_id.get(e.instruction_id or 0)) for e in entries]

    def _notifications(self, root: etree._Element, today: dt.date) -> Answer:
        account, ref = _txt(root, "Acct"), _txt(root, "OrgnlEndToEndId")
        if not account and not ref:
            raise IsoError("FF01", "NtfctnReq needs Acct and/or OrgnlEndToEndId")
        if account and self.ledger.account(account) is None:
            raise IsoError("AC01", "unknown account")
        self.engine.advance()
        if ref:
            sql = "SELECT * FROM entries WHERE client_reference = ?"
            params: tuple = (ref,)
            if account:
                sql += " AND account = ?"
                params += (account,)
            rows = [Entry(**dict(r)) for r in self.ledger.query(sql + " ORDER BY id", params)]
            start = end = today
            if rows:
                start = dt.datetime.fromtimestamp(rows[0].booked_at, dt.UTC).date()
                end = max(today, dt.datetime.fromtimestamp(rows[-1].booked_at, dt.UTC).date())
        else:
            start = _date(_txt(root, "FrDt"), "FrDt", today)
            end = _date(_txt(root, "ToDt"), "ToDt", today)
            if end < start or (end - start).days > 366:
                raise IsoError("FF01", "ToDt before FrDt or range over 366 days")
            lo, hi = day_bounds(start, end)
            rows = self.ledger.entries(account, lo, hi)
        answer = Answer("camt054", "camt054", references=[ref] if ref else [])
        by_account: dict[str, list[Entry]] = {}
        for e in rows:
            by_account.setdefault(e.account, []).append(e)
        if not by_account:  # a notification message has at least one Ntfctn: the account, with no entries
            known = self.ledger.instructions_by_ref(ref) if ref else []
            by_account[account or (known[0].debit_account if known else "")] = []
        lo, hi = day_bounds(start, end)
        for acc_id, entries in by_account.items():
            acc = self.ledger.account(acc_id)
            ident = f"N{entries[0].id:010d}-{entries[-1].id:010d}" if entries else f"N-{start:%Y%m%d}-EMPTY"
            report = Report(ident, acc_id or "NOTPROVIDED", acc.name if acc else "", acc.currency if acc else "XXX",
                            dt.datetime.fromtimestamp(lo, dt.UTC), dt.datetime.fromtimestamp(hi - 1, dt.UTC))
            report.entries = self._camt_entries(entries, report.currency)
            answer.reports.append(report)
        return answer

    # -- content faults ----------------------------------------------------------------------------------
    def apply_content_fault(self, kind: str, answer: Answer, rng: random.Random) -> str | None:
        if answer.kind == "admi002":
            return None
        if answer.kind == "pain002":
            records = answer.records
            if not records:
                return None
            if kind == "duplicate_answer":
                for b in answer.blocks:
                    b.records = [r for rec in b.records for r in (rec, rec)]
                return f"{len(records)} records duplicated"
            if answer.function != "status" and kind in ("no_record", "out_of_order_status"):
                return None
            if kind == "no_record":
                answer.blocks = []
                return f"hid {len(records)} records"
            if kind == "out_of_order_status":
                for r in records:
                    r.status, r.reason, r.reason_text = "ACTC", "", ""
                return "reported TxSts=ACTC"
            if kind == "stale_answer":
                marks = ",".join("?" * len(answer.references))
                other = self.ledger.pick_instruction(f"client_reference NOT IN ({marks})", tuple(answer.references),
                                                     rng)
                if other is None:
                    return None
                for b in answer.blocks:
                    b.records = [_record(other) for _ in b.records]
                return f"answered with reference {other.client_reference}"
            return None
        if kind == "duplicate_answer":
            count = 0
            for report in answer.reports:
                count += len(report.entries)
                report.entries = [e for entry in report.entries for e in (entry, entry)]
            return f"{count} entries duplicated" if count else None
        return None

    # -- rendering ---------------------------------------------------------------------------------------
    def render(self, answer: Answer, now: float) -> bytes:
        if answer.kind == "pain002":
            root = render_pain002(answer, now)
        elif answer.kind == "admi002":
            root = render_admi002(answer, now)
        else:
            root = render_camt(answer, now)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


class _SignatureRefused(Exception):
    def __init__(self, iso_code: str, code: str, text: str) -> None:
        super().__init__(f"{code}: {text}")
        self.iso_code, self.code, self.text = iso_code, code, text


def _payment_information_of(ins: Instruction) -> str:
    batch = ins.batch_nbr or ""
    return batch.partition("/")[2] or batch or "NOTPROVIDED"


def _record(ins: Instruction, **extra) -> TxRecord:
    return TxRecord(ref=ins.client_reference, status=TX_STATUS[ins.state],
                    reason=(ins.reason_code or "") if ins.state == "FAILED" else "",
                    reason_text=(ins.reason_text or "") if ins.state == "FAILED" else "",
                    req_nbr=ins.req_nbr, amount_minor=ins.amount_minor, currency=ins.currency,
                    debit_account=ins.debit_account, payee_account=ins.payee_account, payee_name=ins.payee_name,
                    accepted_at=ins.received_at, **extra)


# ---------------------------------------------------------------------------------------------------------
# pain.001 processing


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _order(tx: etree._Element, debit_account: str) -> PaymentOrder:
    ref = _txt(tx, "PmtId", "EndToEndId")
    if not ref:
        raise TxRefused("FF08", "PmtId/EndToEndId is missing")
    amount_el = _find(tx, "Amt", "InstdAmt")
    if amount_el is None:
        raise TxRefused("AM12", "Amt/InstdAmt is missing")
    currency = (amount_el.get("Ccy") or "").strip()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise TxRefused("AM11", f"currency {currency!r} is not valid")
    amount = parse_amount((amount_el.text or "").strip(), currency)
    payee = _account_id(_find(tx, "CdtrAcct"))
    if not payee:
        raise TxRefused("AC03", "CdtrAcct is missing")
    name = _txt(tx, "Cdtr", "Nm")
    if not name:
        raise TxRefused("RR03", "Cdtr/Nm is missing")
    remittance = [_txt(u) for u in _findall(_find(tx, "RmtInf"), "Ustrd")]
    purpose = " ".join(r for r in remittance if r)
    bank = (_txt(tx, "CdtrAgt", "FinInstnId", "Nm") or _txt(tx, "CdtrAgt", "FinInstnId", "BICFI")
            or _txt(tx, "CdtrAgt", "FinInstnId", "BIC") or _txt(tx, "CdtrAgt", "FinInstnId", "ClrSysMmbId", "MmbId"))
    for label, value in (("Cdtr/Nm", name), ("RmtInf/Ustrd", purpose), ("CdtrAgt/FinInstnId/Nm", bank)):
        if len(value) > 140:
            raise TxRefused("FF02", f"{label} is longer than 140 characters")
    return PaymentOrder(client_reference=ref, debit_account=debit_account, payee_account=payee, payee_name=name,
                        payee_bank=bank, amount_minor=amount, currency=currency, purpose=purpose)


def _payment(self: IsoDialect, root: etree._Element, version: str, body_sha: str, signer: str) -> Answer:
    doc = _find(root, "CstmrCdtTrfInitn")
    message_id = _txt(doc, "GrpHdr", "MsgId")
    answer = Answer("pain002", "pain001", original_message_id=message_id or "NOTPROVIDED",
                    original_message_name=version, original_count=_txt(doc, "GrpHdr", "NbOfTxs"),
                    original_sum=_txt(doc, "GrpHdr", "CtrlSum"))

    def group_reject(code: str, text: str) -> Answer:
        answer.group_status, answer.group_reason, answer.group_text = "RJCT", code, text
        return answer

    if not message_id or len(message_id) > 35:
        return group_reject("FF01", "GrpHdr/MsgId is missing or longer than 35 characters")
    blocks = _findall(doc, "PmtInf")
    txs = [tx for b in blocks for tx in _findall(b, "CdtTrfTxInf")]
    if not blocks or not txs:
        return group_reject("FF01", "the message has no PmtInf/CdtTrfTxInf")
    if len(txs) > MAX_TRANSACTIONS:
        return group_reject("AM18", f"at most {MAX_TRANSACTIONS} transactions per message")
    if answer.original_count != str(len(txs)):
        return group_reject("AM18", f"GrpHdr/NbOfTxs is {answer.original_count!r} but the message holds {len(txs)}")
    earlier = self.ledger.instructions("substr(batch_nbr, 1, ?) = ?", (len(message_id) + 1, message_id + "/"))
    if any(ins.body_sha256 != body_sha for ins in earlier):
        return group_reject("DU01", f"message id {message_id} was already used for a different message")
    written = [_decimal(_txt(tx, "Amt", "InstdAmt")) for tx in txs]
    if answer.original_sum:
        declared = _decimal(answer.original_sum)
        if declared is None or (None not in written and declared != sum(written, Decimal(0))):
            return group_reject("AM10", "GrpHdr/CtrlSum does not equal the sum of the instructed amounts")
    parsed_blocks: list[tuple[Block, list[tuple[etree._Element, PaymentOrder | None, dict, TxRefused | None]]]] = []
    for n, pmt in enumerate(blocks, 1):
        block = Block(_txt(pmt, "PmtInfId") or f"NOTPROVIDED-{n}", count=_txt(pmt, "NbOfTxs"),
                      control_sum=_txt(pmt, "CtrlSum"))
        debit = _account_id(_find(pmt, "DbtrAcct"))
        rows = []
        for tx in _findall(pmt, "CdtTrfTxInf"):
            extra = {"instruction_id": _txt(tx, "PmtId", "InstrId"), "uetr": _txt(tx, "PmtId", "UETR")}
            try:
                if not debit:
                    raise TxRefused("AC02", "DbtrAcct is missing")
                rows.append((tx, _order(tx, debit), extra, None))
            except TxRefused as exc:
                rows.append((tx, None, extra, exc))
        block_written = [_decimal(_txt(tx, "Amt", "InstdAmt")) for tx, *_ in rows]
        if block.count and block.count != str(len(rows)):
            block.status, block.reason = "RJCT", "AM18"
            block.reason_text = f"PmtInf/NbOfTxs is {block.count!r} but the block holds {len(rows)}"
        elif block.control_sum:
            declared = _decimal(block.control_sum)
            if declared is None or (None not in block_written and declared != sum(block_written, Decimal(0))):
                block.status, block.reason = "RJCT", "AM10"
                block.reason_text = "PmtInf/CtrlSum does not equal the sum of the instructed amounts"
        parsed_blocks.append((block, rows))
    accepted = refused = 0
    for block, rows in parsed_blocks:
        if block.status == "RJCT":
            for tx, _parsed, extra, _error in rows:
                block.records.append(TxRecord(ref=_txt(tx, "PmtId", "EndToEndId"), status="RJCT",
                                              reason=block.reason, reason_text=block.reason_text,
                                              instruction_id=extra["instruction_id"], uetr=extra["uetr"]))
            refused += len(rows)
            continue
        orders = [o for _tx, o, _e, _err in rows if o is not None]
        results = []
        size = self.engine.config.max_batch
        for start in range(0, len(orders), size):
            results.extend(self.engine.submit(orders[start:start + size], body_sha256=body_sha, signer=signer,
                                              batch_nbr=f"{message_id}/{block.payment_information_id}"))
        result_iter = iter(results)
        for tx, order, extra, error in rows:
            if order is None:
                assert error is not None
                block.records.append(TxRecord(ref=_txt(tx, "PmtId", "EndToEndId"), status="RJCT", reason=error.code,
                                              reason_text=error.text, **extra))
                refused += 1
                continue
            res = next(result_iter)
            if res.instruction is None:
                block.records.append(TxRecord(ref=order.client_reference, status="RJCT",
                                              reason=RECEIPT_REASONS.get(res.code, "NARR"),
                                              reason_text=f"{res.code}: {res.text}", amount_minor=order.amount_minor,
                                              currency=order.currency, **extra))
                refused += 1
            else:
                block.records.append(_record(res.instruction, repeat=res.repeat, **extra))
                accepted += 1
        block.status = "ACTC" if not any(r.status == "RJCT" for r in block.records) else (
            "RJCT" if all(r.status == "RJCT" for r in block.records) else "PART")
    answer.blocks = [b for b, _r in parsed_blocks]
    answer.references = [r.ref for r in answer.records]
    answer.group_status = "ACTC" if not refused else ("RJCT" if not accepted else "PART")
    return answer


# ---------------------------------------------------------------------------------------------------------
# Rendering


def _e(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag, **attrs)
    if text is not None:
        el.text = text
    return el


def _document(message: str) -> tuple[etree._Element, str]:
    ns = ISO + message
    return etree.Element(f"{{{ns}}}Document", nsmap={None: ns}), ns


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _texts(text: str, limit: int = 105) -> list[str]:
    text = text.strip()
    return [text[i:i + limit] for i in range(0, len(text), limit)] if text else []


def _message_id(prefix: str, now: float) -> str:
    return f"{prefix}{dt.datetime.fromtimestamp(now, dt.UTC):%Y%m%d%H%M%S}{random.randrange(16**6):06X}"


def _reason(parent: etree._Element, ns: str, code: str, text: str, proprietary: bool = False) -> None:
    info = _e(parent, _q(ns, "StsRsnInf"))
    if code:
        _e(_e(info, _q(ns, "Rsn")), _q(ns, "Prtry" if proprietary else "Cd"), code)
    for chunk in _texts(text):
        _e(info, _q(ns, "AddtlInf"), chunk)


def _party_account(parent: etree._Element, ns: str, tag: str, account: str) -> None:
    _e(_e(_e(_e(parent, _q(ns, tag)), _q(ns, "Id")), _q(ns, "Othr")), _q(ns, "Id"), account)


def render_pain002(answer: Answer, now: float) -> etree._Element:
    root, ns = _document(PAIN002)
    report = _e(root, _q(ns, "CstmrPmtStsRpt"))
    header = _e(report, _q(ns, "GrpHdr"))
    _e(header, _q(ns, "MsgId"), _message_id("SBST", now))
    _e(header, _q(ns, "CreDtTm"), _ts(now))
    group = _e(report, _q(ns, "OrgnlGrpInfAndSts"))
    _e(group, _q(ns, "OrgnlMsgId"), answer.original_message_id)
    _e(group, _q(ns, "OrgnlMsgNmId"), answer.original_message_name)
    if answer.original_count and answer.original_count.isdigit() and len(answer.original_count) <= 15:
        _e(group, _q(ns, "OrgnlNbOfTxs"), answer.original_count)
    if answer.original_sum and _decimal(answer.original_sum) is not None:
        _e(group, _q(ns, "OrgnlCtrlSum"), answer.original_sum)
    if answer.group_status:
        _e(group, _q(ns, "GrpSts"), answer.group_status)
    if answer.group_reason or answer.group_text:
        _reason(group, ns, answer.group_reason, answer.group_text)
    for block in answer.blocks:
        pmt = _e(report, _q(ns, "OrgnlPmtInfAndSts"))
        _e(pmt, _q(ns, "OrgnlPmtInfId"), block.payment_information_id[:35])
        if block.status:
            _e(pmt, _q(ns, "PmtInfSts"), block.status)
        if block.reason:
            _reason(pmt, ns, block.reason, block.reason_text)
        for r in block.records:
            tx = _e(pmt, _q(ns, "TxInfAndSts"))
            if r.instruction_id:
                _e(tx, _q(ns, "OrgnlInstrId"), r.instruction_id[:35])
            _e(tx, _q(ns, "OrgnlEndToEndId"), (r.ref or "NOTPROVIDED")[:35])
            if r.uetr and re.fullmatch(r"[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}", r.uetr):
                _e(tx, _q(ns, "OrgnlUETR"), r.uetr)
            _e(tx, _q(ns, "TxSts"), r.status)
            if r.reason or r.reason_text:
                _reason(tx, ns, r.reason, r.reason_text)
            if r.repeat:
                _reason(tx, ns, REPEAT_REASON, "重复提交，返回原结果 / repeat of an earlier instruction: its current "
                        "status", proprietary=True)
            if r.accepted_at is not None:
                _e(tx, _q(ns, "AccptncDtTm"), _ts(r.accepted_at))
            if r.req_nbr:
                _e(tx, _q(ns, "AcctSvcrRef"), r.req_nbr)
            if r.amount_minor is not None or r.debit_account or r.payee_account:
                ref = _e(tx, _q(ns, "OrgnlTxRef"))
                if r.amount_minor is not None:
                    _e(_e(ref, _q(ns, "Amt")), _q(ns, "InstdAmt"), format_amount(r.amount_minor, r.currency),
                       Ccy=r.currency)
                if r.debit_account:
                    _party_account(ref, ns, "DbtrAcct", r.debit_account)
                if r.payee_name:
                    _e(_e(_e(ref, _q(ns, "Cdtr")), _q(ns, "Pty")), _q(ns, "Nm"), r.payee_name[:140])
                if r.payee_account:
                    _party_account(ref, ns, "CdtrAcct", r.payee_account)
    return root


def render_admi002(answer: Answer, now: float) -> etree._Element:
    root, ns = _document(ADMI002)
    body = _e(root, _q(ns, ADMI002))
    _e(_e(body, _q(ns, "RltdRef")), _q(ns, "Ref"), answer.function)
    reason = _e(body, _q(ns, "Rsn"))
    _e(reason, _q(ns, "RjctgPtyRsn"), answer.code)
    _e(reason, _q(ns, "RjctnDtTm"), _ts(now))
    _e(reason, _q(ns, "RsnDesc"), answer.text[:350])
    return root


def _balance(parent: etree._Element, ns: str, code: str, amount: int, currency: str,
             when: dt.date | dt.datetime) -> None:
    bal = _e(parent, _q(ns, "Bal"))
    _e(_e(_e(bal, _q(ns, "Tp")), _q(ns, "CdOrPrtry")), _q(ns, "Cd"), code)
    _e(bal, _q(ns, "Amt"), format_amount(amount, currency), Ccy=currency)
    _e(bal, _q(ns, "CdtDbtInd"), "CRDT" if amount >= 0 else "DBIT")
    date_el = _e(bal, _q(ns, "Dt"))
    if isinstance(when, dt.datetime):
        _e(date_el, _q(ns, "DtTm"), when.replace(microsecond=0).isoformat())
    else:
        _e(date_el, _q(ns, "Dt"), when.isoformat())


def _entry(parent: etree._Element, ns: str, item: CamtEntry) -> None:
    e, ins = item.entry, item.instruction
    credit = e.direction == "C"
    amount = format_amount(e.amount_minor, item.currency)
    booked = dt.datetime.fromtimestamp(e.booked_at, dt.UTC)
    ntry = _e(parent, _q(ns, "Ntry"))
    _e(ntry, _q(ns, "NtryRef"), f"{e.id:012d}")
    _e(ntry, _q(ns, "Amt"), amount, Ccy=item.currency)
    _e(ntry, _q(ns, "CdtDbtInd"), "CRDT" if credit else "DBIT")
    _e(_e(ntry, _q(ns, "Sts")), _q(ns, "Cd"), "BOOK")
    _e(_e(ntry, _q(ns, "BookgDt")), _q(ns, "DtTm"), booked.replace(microsecond=0).isoformat())
    _e(_e(ntry, _q(ns, "ValDt")), _q(ns, "Dt"), booked.date().isoformat())
    _e(ntry, _q(ns, "AcctSvcrRef"), f"{e.id:012d}")
    family, sub_family = BANK_TX_CODES.get(e.kind, ("OTHR", "OTHR"))
    code = _e(ntry, _q(ns, "BkTxCd"))
    domain = _e(code, _q(ns, "Domn"))
    _e(domain, _q(ns, "Cd"), "PMNT")
    fam = _e(domain, _q(ns, "Fmly"))
    _e(fam, _q(ns, "Cd"), family)
    _e(fam, _q(ns, "SubFmlyCd"), sub_family)
    _e(_e(code, _q(ns, "Prtry")), _q(ns, "Cd"), e.kind)
    tx = _e(_e(ntry, _q(ns, "NtryDtls")), _q(ns, "TxDtls"))
    refs = _e(tx, _q(ns, "Refs"))
    batch = (ins.batch_nbr or "") if ins is not None else ""
    message_id, _, pmt_id = batch.partition("/")
    if message_id:
        _e(refs, _q(ns, "MsgId"), message_id[:35])
    if ins is not None:
        _e(refs, _q(ns, "AcctSvcrRef"), ins.req_nbr)
    if pmt_id:
        _e(refs, _q(ns, "PmtInfId"), pmt_id[:35])
    _e(refs, _q(ns, "EndToEndId"), (e.client_reference or "NOTPROVIDED")[:35])
    _e(tx, _q(ns, "Amt"), amount, Ccy=item.currency)
    _e(tx, _q(ns, "CdtDbtInd"), "CRDT" if credit else "DBIT")
    if e.counterparty_account or e.counterparty_name:
        parties = _e(tx, _q(ns, "RltdPties"))
        # the counterparty of a debit is the creditor, of a credit the debtor
        role = "Dbtr" if credit else "Cdtr"
        if e.counterparty_name:
            _e(_e(_e(parties, _q(ns, role)), _q(ns, "Pty")), _q(ns, "Nm"), e.counterparty_name[:140])
        if e.counterparty_account:
            _party_account(parties, ns, f"{role}Acct", e.counterparty_account)
    if e.purpose:
        _e(_e(tx, _q(ns, "RmtInf")), _q(ns, "Ustrd"), e.purpose[:140])
    if e.kind in ("RETURN", "RETURN_DEBIT") and ins is not None:
        info = _e(tx, _q(ns, "RtrInf"))
        _e(_e(info, _q(ns, "Rsn")), _q(ns, "Cd"), ins.reason_code or "NARR")
        for chunk in _texts(ins.reason_text or "")[:1]:
            _e(info, _q(ns, "AddtlInf"), chunk)


def render_camt(answer: Answer, now: float) -> etree._Element:
    message, container, item_tag = CAMT[answer.kind]
    root, ns = _document(message)
    body = _e(root, _q(ns, container))
    header = _e(body, _q(ns, "GrpHdr"))
    _e(header, _q(ns, "MsgId"), _message_id(f"SB{answer.kind[4:]}", now))
    _e(header, _q(ns, "CreDtTm"), _ts(now))
    pagination = {"Rpt": "RptPgntn", "Stmt": "StmtPgntn", "Ntfctn": "NtfctnPgntn"}[item_tag]
    for report in answer.reports:
        item = _e(body, _q(ns, item_tag))
        _e(item, _q(ns, "Id"), report.ident[:35])
        if report.page is not None:
            page = _e(item, _q(ns, pagination))
            _e(page, _q(ns, "PgNb"), str(report.page[0]))
            _e(page, _q(ns, "LastPgInd"), "true" if report.page[1] else "false")
        if report.sequence is not None:
            _e(item, _q(ns, "ElctrncSeqNb"), str(report.sequence))
        _e(item, _q(ns, "CreDtTm"), _ts(now))
        period = _e(item, _q(ns, "FrToDt"))
        _e(period, _q(ns, "FrDtTm"), report.start.replace(microsecond=0).isoformat())
        _e(period, _q(ns, "ToDtTm"), report.end.replace(microsecond=0).isoformat())
        acct = _e(item, _q(ns, "Acct"))
        _e(_e(_e(acct, _q(ns, "Id")), _q(ns, "Othr")), _q(ns, "Id"), report.account)
        _e(acct, _q(ns, "Ccy"), report.currency)
        if report.account_name:
            _e(acct, _q(ns, "Nm"), report.account_name[:70])
        for code, amount, when in report.balances:
            _balance(item, ns, code, amount, report.currency, when)
        for entry in report.entries:
            _entry(item, ns, entry)
    return root
