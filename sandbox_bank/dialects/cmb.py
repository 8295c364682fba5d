"""CMB FBSDK-style XML dialect (GBK, <CMBSDKPGK>) over the dialect-independent engine.

Modelled on the real samples in ../shared/reference/china/sinri_CMBFirmBankSDK/extracted_xml; the exact
contract is sandbox_bank/PROTOCOL.md. The server calls parse() -> handle() -> [fault mutation] -> render().
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import random
import re
from dataclasses import dataclass, field

from lxml import etree

from sandbox_bank.amounts import AmountError, format_amount, parse_amount
from sandbox_bank.engine import Engine, EngineError, PaymentOrder
from sandbox_bank.ledger import Instruction

PATH = "/cmb/fbsdk"
MAX_BODY = 1024 * 1024
MAX_PAGE = 1000
DEFAULT_PAGE = 200
STATUS_LIST_PAGE = 1000  # NTQRYSTN records per page (serve --status-list-page changes it, for tests)
STATUS_LIST_DAYS = 31  # NTQRYSTN: at most this many days (BGNDAT..ENDDAT inclusive) per request
STATUS_BUSCOD = ("", "N02030", "N02031", "N02041")
CURRENCIES = {"10": "CNY", "21": "HKD", "32": "USD", "35": "EUR"}
CCYNBR = {v: k for k, v in CURRENCIES.items()}
# Field byte lengths in GBK (checked on every payment record).
FIELD_BYTES = {
    "YURREF": 30,
    "DBTACC": 35,
    "CRTACC": 35,
    "CRTNAM": 200,
    "CRTBNK": 62,
    "CRTADR": 62,
    "NUSAGE": 62,
    "DBTBBK": 2,
    "BNKFLG": 1,
    "STLCHN": 1,
}

PAYMENT_FUNCS = {"DCPAYMNT"}
STATUS_FUNCS = {"NTQRYSTY", "NTSTLINF", "NTQRYSTN"}
QUERY_FUNCS = {"GetAccInfo", "NTQADINF", "GetTransInfo", "GetStatement", "SDKCSFDFBRTIMG"}

REQSTS = {"RECEIVED": "NTE", "PROCESSING": "BNK", "SUCCEEDED": "FIN", "FAILED": "FIN", "RETURNED": "FIN"}
RTNFLG = {"SUCCEEDED": "S", "FAILED": "F", "RETURNED": "B"}

_DECL_RE = re.compile(rb"\A<\?xml[^>]*encoding=[\"']([A-Za-z0-9_\-]+)[\"']")
_DATE_RE = re.compile(r"\A[0-9]{8}\Z")
_REQNBR_RE = re.compile(r"\A[0-9]{10}\Z")


class DialectError(Exception):
    """Envelope-level refusal: INFO/RETCOD=retcod, ERRMSG='CODE: text'."""

    def __init__(self, retcod: str, code: str, text: str, funnam: str = "", lgnnam: str = "") -> None:
        super().__init__(f"{code}: {text}")
        self.retcod, self.code, self.text, self.funnam, self.lgnnam = retcod, code, text, funnam, lgnnam


@dataclass
class Block:
    tag: str
    fields: dict[str, str]
    record: bool = True  # a per-record element (duplicated/replaced by content faults)


@dataclass
class Request:
    funnam: str
    lgnnam: str
    root: etree._Element


@dataclass
class Answer:
    funnam: str
    lgnnam: str
    retcod: str = "0"
    errmsg: str = ""
    blocks: list[Block] = field(default_factory=list)
    references: list[str] = field(default_factory=list)  # client references this answer is about

    @property
    def records(self) -> list[Block]:
        return [b for b in self.blocks if b.record]


def function_class(funnam: str) -> str | None:
    if funnam in PAYMENT_FUNCS:
        return "payment"
    if funnam in STATUS_FUNCS:
        return "status"
    if funnam in QUERY_FUNCS:
        return "query"
    return None


def _txt(el: etree._Element, tag: str) -> str:
    child = el.find(tag)
    return (child.text or "").strip() if child is not None else ""


def _fields(el: etree._Element) -> dict[str, str]:
    """Every child element's text as _txt reads it (the first child of a name wins, as find() returns it)."""
    out: dict[str, str] = {}
    for child in el.iterchildren(etree.Element):  # elements only: no comments, PIs or entities
        tag = child.tag
        if tag not in out:
            out[tag] = (child.text or "").strip()
    return out


def _refused(sqrnbr: str, ref: str, code: str, text: str) -> dict[str, str]:
    """The NTQPAYRQZ fields of a payment record the bank refused."""
    return {"SQRNBR": sqrnbr, "YURREF": ref, "REQNBR": "", "REQSTS": "FIN", "RTNFLG": "F", "ERRCOD": code,
            "ERRTXT": text}


def _date(value: str, name: str) -> dt.date:
    if not _DATE_RE.match(value):
        raise DialectError("-1", "FMT_DATE", f"{name} must be YYYYMMDD")
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise DialectError("-1", "FMT_DATE", f"{name} is not a calendar date") from None


def _ymd(ts: float | None) -> str:
    if not ts:
        return ""
    second = _whole_second(ts)
    return _day_ymd(second // 86400) if second is not None else _ymd_hms(ts)[0]


def _hms(ts: float | None) -> str:
    return _ymd_hms(ts)[1] if ts else ""


def _ymd_hms(ts: float) -> tuple[str, str]:
    """(YYYYMMDD, HHMMSS) of a timestamp, UTC: what datetime.fromtimestamp(ts, UTC) gives, formatted (status pages
    format thousands): from the whole second where that is certain, the day's string once per day."""
    second = _whole_second(ts)
    if second is not None:
        day, second = divmod(second, 86400)
        minutes, second = divmod(second, 60)
        hour, minute = divmod(minutes, 60)
        return _day_ymd(day), _TWO_DIGITS[hour] + _TWO_DIGITS[minute] + _TWO_DIGITS[second]
    d = dt.datetime.fromtimestamp(ts, dt.UTC)
    return f"{d.year:04d}{d.month:02d}{d.day:02d}", f"{d.hour:02d}{d.minute:02d}{d.second:02d}"


def _whole_second(ts: float) -> int | None:
    """The second since 1970 that datetime.fromtimestamp(ts) falls in, where that is certain without it: datetime
    rounds to the microsecond, so a time within half a microsecond of the next second is in the next second (and
    outside its range it raises). None: ask datetime."""
    if 0 < ts < _YEAR_10000:
        whole = int(ts)
        if ts - whole < 0.999:
            return whole
    return None


@functools.lru_cache(maxsize=1024)
def _day_ymd(day: int) -> str:
    """YYYYMMDD of the day ``day`` days after 1970-01-01."""
    d = _EPOCH + dt.timedelta(days=day)
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"  # strftime("%Y%m%d"), at a third of the cost


_TWO_DIGITS = tuple(f"{i:02d}" for i in range(100))  # "00".."99": f"{i:02d}" costs more than the rest together
_EPOCH = dt.date(1970, 1, 1)
_YEAR_10000 = dt.datetime(9999, 12, 31, tzinfo=dt.UTC).timestamp()  # fromtimestamp's range ends in 9999


def parse(body: bytes) -> Request:
    if len(body) > MAX_BODY:
        raise DialectError("-1", "FMT_SIZE", f"request larger than {MAX_BODY} bytes")
    decl = _DECL_RE.match(body)
    if not decl or decl.group(1).upper() not in (b"GBK", b"GB2312", b"GB18030"):
        raise DialectError("-1", "FMT_ENCODING", 'request must start with <?xml version="1.0" encoding="GBK"?>')
    upper = body.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise DialectError("-1", "FMT_XML", "DOCTYPE/ENTITY declarations are refused")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise DialectError("-1", "FMT_XML", f"malformed XML: {exc}") from None
    if root.tag != "CMBSDKPGK" or root.find("INFO") is None:
        raise DialectError("-1", "FMT_XML", "root must be CMBSDKPGK with an INFO element")
    info = root.find("INFO")
    funnam, lgnnam = _txt(info, "FUNNAM"), _txt(info, "LGNNAM")
    if _txt(info, "DATTYP") != "2":
        raise DialectError("-1", "FMT_DATTYP", "INFO/DATTYP must be 2", funnam, lgnnam)
    if function_class(funnam) is None:
        raise DialectError("-4", "UNKNOWN_FUNCTION", f"unknown FUNNAM {funnam!r}", funnam, lgnnam)
    return Request(funnam, lgnnam, root)


class CmbDialect:
    path = PATH

    def __init__(self, engine: Engine, status_list_page: int = STATUS_LIST_PAGE) -> None:
        if not 1 <= status_list_page <= 100_000:
            raise ValueError(f"status_list_page must be 1..100000, got {status_list_page}")
        self.engine = engine
        self.ledger = engine.ledger
        self.status_list_page = status_list_page

    # -- dispatch ----------------------------------------------------------------------------------
    def handle(self, req: Request, *, body_sha256: str, signer: str | None) -> Answer:
        answer = Answer(req.funnam, req.lgnnam)
        try:
            if req.funnam == "DCPAYMNT":
                self._payment(req, answer, body_sha256, signer)
            elif req.funnam == "NTQRYSTY":
                self._status_by_ref(req, answer)
            elif req.funnam == "NTSTLINF":
                self._status_by_reqnbr(req, answer)
            elif req.funnam == "NTQRYSTN":
                self._status_list(req, answer)
            elif req.funnam in ("GetAccInfo", "NTQADINF"):
                self._balances(req, answer)
            elif req.funnam == "GetTransInfo":
                self._details(req, answer)
            elif req.funnam == "GetStatement":
                self._statement(req, answer)
            elif req.funnam == "SDKCSFDFBRTIMG":
                self._receipt(req, answer)
        except EngineError as exc:
            raise DialectError("-1", exc.code, exc.text, req.funnam, req.lgnnam) from None
        except DialectError as exc:
            exc.funnam, exc.lgnnam = req.funnam, req.lgnnam
            raise
        return answer

    def error_answer(self, exc: DialectError) -> Answer:
        return Answer(exc.funnam or "", exc.lgnnam or "", retcod=exc.retcod, errmsg=f"{exc.code}: {exc.text}")

    # -- payments ----------------------------------------------------------------------------------
    def _order(self, rec: etree._Element) -> PaymentOrder:
        f = _fields(rec)
        for name, limit in FIELD_BYTES.items():
            value = f.get(name, "")
            if value.isascii():  # one GBK byte per ASCII character
                size = len(value)
            else:
                try:
                    size = len(value.encode("gbk"))
                except UnicodeEncodeError:
                    raise AmountError("TEXT_ENCODING", f"{name} has characters GBK cannot carry") from None
            if size > limit:
                raise AmountError("TEXT_LENGTH", f"{name} longer than {limit} GBK bytes")
        for name in ("YURREF", "DBTACC", "CRTACC", "CRTNAM", "TRSAMT"):
            if not f.get(name):
                raise AmountError(f"FMT_{name}", f"{name} is required")
        ccy = f.get("CCYNBR") or "10"
        if ccy not in CURRENCIES:
            raise AmountError("FMT_CCYNBR", f"unknown CCYNBR {ccy!r}")
        # client_reference, debit_account, payee_account, payee_name, payee_bank, amount_minor, currency, purpose
        # (by position: a frozen dataclass parses keywords at a cost, once per record)
        return PaymentOrder(f["YURREF"], f["DBTACC"], f["CRTACC"], f["CRTNAM"], f.get("CRTBNK", ""),
                            parse_amount(f["TRSAMT"]), CURRENCIES[ccy], f.get("NUSAGE", ""))

    def _payment(self, req: Request, answer: Answer, body_sha256: str, signer: str | None) -> None:
        head = req.root.find("SDKPAYRQX")
        buscod = _txt(head, "BUSCOD") if head is not None else ""
        if buscod not in ("", "N02031", "N02041"):
            raise DialectError("-1", "FMT_BUSCOD", "SDKPAYRQX/BUSCOD must be N02031 or N02041")
        records = req.root.findall("DCOPDPAYX")
        if not records:
            raise DialectError("-1", "FMT_RECORDS", "at least one DCOPDPAYX record is required")
        parsed: list[tuple[int, PaymentOrder | None, AmountError | None]] = []
        for i, rec in enumerate(records, 1):
            try:
                parsed.append((i, self._order(rec), None))
            except AmountError as exc:
                parsed.append((i, None, exc))
        results = iter(
            self.engine.submit([o for _, o, _ in parsed if o is not None], body_sha256=body_sha256, signer=signer)
        )
        for i, order, error in parsed:
            sqrnbr = f"{i:010d}"
            if order is None:
                assert error is not None
                ref = _txt(records[i - 1], "YURREF")
                fields = _refused(sqrnbr, ref, error.code, error.text)
            else:
                res = next(results)
                ins = res.instruction
                ref = order.client_reference
                if ins is None:
                    fields = _refused(sqrnbr, ref, res.code, res.text)
                else:  # SQRNBR, the short status fields (_status_fields(ins, short=True)), ERRCOD, ERRTXT
                    ref = ins.client_reference
                    fields = {
                        "SQRNBR": sqrnbr,
                        "YURREF": ref,
                        "REQNBR": ins.req_nbr,
                        "REQSTS": REQSTS[ins.state],
                        "RTNFLG": RTNFLG.get(ins.state, ""),
                        "ERRCOD": "SUC0000",
                        "ERRTXT": "重复提交，返回原结果 / repeat" if res.repeat else "",
                    }
            answer.blocks.append(Block("NTQPAYRQZ", fields))
            answer.references.append(ref)

    @staticmethod
    def _status_fields(ins: Instruction, *, short: bool = False) -> dict[str, str]:
        state = ins.state
        if short:
            return {
                "YURREF": ins.client_reference,
                "REQNBR": ins.req_nbr,
                "REQSTS": REQSTS[state],
                "RTNFLG": RTNFLG.get(state, ""),
            }
        received = ins.received_at
        eptdat, epttim = _ymd_hms(received) if received else ("", "")
        return {
            "YURREF": ins.client_reference,
            "REQNBR": ins.req_nbr,
            "REQSTS": REQSTS[state],
            "RTNFLG": RTNFLG.get(state, ""),
            "BUSCOD": "N02031",
            "BUSMOD": "00001",
            "CCYNBR": CCYNBR.get(ins.currency, ""),
            "DBTACC": ins.debit_account,
            "CRTACC": ins.payee_account,
            "CRTNAM": ins.payee_name,
            "CRTBNK": ins.payee_bank,
            "TRSAMT": format_amount(ins.amount_minor),
            "NUSAGE": ins.purpose,
            "EPTDAT": eptdat,
            "EPTTIM": epttim,
            "OPRDAT": _ymd(ins.executed_at),
            "RTNDAT": _ymd(ins.returned_at),
            "ERRCOD": ins.reason_code or "",
            "ERRTXT": ins.reason_text or "",
        }

    # -- status ------------------------------------------------------------------------------------
    def _status_by_ref(self, req: Request, answer: Answer) -> None:
        x = req.root.find("NTQRYSTYX1")
        if x is None or not _txt(x, "YURREF"):
            raise DialectError("-1", "FMT_YURREF", "NTQRYSTYX1/YURREF is required")
        ref = _txt(x, "YURREF")
        for ins in self.engine.status_by_reference(ref, _txt(x, "DBTACC") or None):
            answer.blocks.append(Block("NTSTLLSTZ", self._status_fields(ins)))
        answer.references.append(ref)

    def _status_by_reqnbr(self, req: Request, answer: Answer) -> None:
        x = req.root.find("NTSTLINFX")
        if x is None or not _txt(x, "REQNBR"):
            raise DialectError("-1", "FMT_REQNBR", "NTSTLINFX/REQNBR is required")
        ins = self.engine.status_by_req_nbr(_txt(x, "REQNBR"))
        if ins is not None:
            answer.blocks.append(Block("NTQPAYQYZ", self._status_fields(ins)))
            answer.references.append(ins.client_reference)

    def _status_list(self, req: Request, answer: Answer) -> None:
        x = req.root.find("NTQRYSTNY1")
        if x is None:
            raise DialectError("-1", "FMT_RECORDS", "NTQRYSTNY1 is required")
        buscod = _txt(x, "BUSCOD")
        if buscod not in STATUS_BUSCOD:
            raise DialectError("-1", "FMT_BUSCOD", "NTQRYSTNY1/BUSCOD must be N02030, N02031 or N02041")
        start, end = _date(_txt(x, "BGNDAT"), "BGNDAT"), _date(_txt(x, "ENDDAT"), "ENDDAT")
        if end < start:
            raise DialectError("-1", "FMT_DATE_ORDER", "ENDDAT is before BGNDAT")
        if (end - start).days >= STATUS_LIST_DAYS:
            raise DialectError("-1", "FMT_DATE_RANGE", f"at most {STATUS_LIST_DAYS} days (BGNDAT..ENDDAT) per request")
        ctn = _txt(x, "CTNKEY")
        if ctn and not _REQNBR_RE.match(ctn):
            raise DialectError("-1", "FMT_CTNKEY", "CTNKEY must be the value returned by the previous page")
        debit = _txt(x, "DBTACC") or None
        page, next_key = self.engine.status_list(debit, start, end, ctn, self.status_list_page)
        for ins in page:
            answer.blocks.append(Block("NTSTLLSTZ", self._status_fields(ins)))
            answer.references.append(ins.client_reference)
        if next_key is not None:
            answer.blocks.append(Block("NTQRYSTNZ1", {"CTNKEY": next_key}, record=False))

    # -- balances, details, statements, receipts ---------------------------------------------------
    def _balances(self, req: Request, answer: Answer) -> None:
        in_tag, out_tag = ("SDKACINFX", "NTQACINFZ") if req.funnam == "GetAccInfo" else ("NTQADINFX", "NTQADINFZ")
        records = req.root.findall(in_tag)
        if not records:
            raise DialectError("-1", "FMT_RECORDS", f"at least one {in_tag} is required")
        if len(records) > 50:
            raise DialectError("-1", "FMT_RECORDS", f"at most 50 {in_tag} per request")
        self.engine.advance()
        for rec in records:
            accnbr = _txt(rec, "ACCNBR")
            acc = self.ledger.account(accnbr)
            if acc is None:
                answer.blocks.append(
                    Block(
                        out_tag,
                        {
                            "ACCNBR": accnbr,
                            "BBKNBR": _txt(rec, "BBKNBR"),
                            "ERRCOD": "AC02",
                            "ERRTXT": "账号不存在 / unknown account",
                        },
                    )
                )
                continue
            bal = format_amount(acc.balance_minor)
            answer.blocks.append(
                Block(
                    out_tag,
                    {
                        "ACCNBR": acc.account,
                        "ACCNAM": acc.name,
                        "BBKNBR": _txt(rec, "BBKNBR"),
                        "CCYNBR": CCYNBR.get(acc.currency, ""),
                        "ACCBLV": bal,
                        "ONLBLV": bal,
                        "AVLBLV": bal,
                        "HLDBLV": "0.00",
                        "LMTOVR": "0.00",
                        "OPNDAT": acc.opened_at[:10].replace("-", ""),
                        "STSCOD": acc.status,
                        "ERRCOD": "SUC0000",
                        "ERRTXT": "",
                    },
                )
            )

    def _details(self, req: Request, answer: Answer) -> None:
        x = req.root.find("SDKTSINFX")
        if x is None or not _txt(x, "ACCNBR"):
            raise DialectError("-1", "FMT_ACCNBR", "SDKTSINFX/ACCNBR is required")
        start, end = _date(_txt(x, "BGNDAT"), "BGNDAT"), _date(_txt(x, "ENDDAT"), "ENDDAT")
        if end < start or (end - start).days > 366:
            raise DialectError("-1", "FMT_DATE", "ENDDAT before BGNDAT or range over 366 days")
        size_txt, ctn = _txt(x, "MAXROW"), _txt(x, "CTNKEY")
        if size_txt and not (size_txt.isdigit() and size_txt.isascii() and 1 <= int(size_txt) <= MAX_PAGE):
            raise DialectError("-1", "FMT_MAXROW", f"MAXROW must be 1..{MAX_PAGE}")
        if ctn and not (ctn.isdigit() and ctn.isascii()):
            raise DialectError("-1", "FMT_CTNKEY", "CTNKEY must be the value returned by the previous page")
        page = int(size_txt) if size_txt else DEFAULT_PAGE
        entries, next_key = self.engine.details(_txt(x, "ACCNBR"), start, end, int(ctn or 0), page)
        for e in entries:
            amount = format_amount(e.amount_minor)
            answer.blocks.append(
                Block(
                    "NTQTSINFZ",
                    {
                        "ETYDAT": _ymd(e.booked_at),
                        "ETYTIM": _hms(e.booked_at),
                        "TRSCOD": e.kind,
                        "AMTCDR": e.direction,
                        "TRSAMTD": amount if e.direction == "D" else "",
                        "TRSAMTC": amount if e.direction == "C" else "",
                        "TRSBLV": format_amount(e.balance_after_minor),
                        "REFNBR": f"{e.id:012d}",
                        "REQNBR": self._req_of(e.instruction_id),
                        "YURREF": e.client_reference,
                        "NUSAGE": e.purpose,
                        "RPYACC": e.counterparty_account,
                        "RPYNAM": e.counterparty_name,
                        "BUSNAM": _BUSNAM.get(e.kind, ""),
                    },
                )
            )
        answer.blocks.append(
            Block(
                "NTQTSCTNZ",
                {"CTNFLG": "Y" if next_key else "N", "CTNKEY": str(next_key) if next_key else ""},
                record=False,
            )
        )

    def _req_of(self, instruction_id: int | None) -> str:
        return f"{instruction_id:010d}" if instruction_id else ""

    def _statement(self, req: Request, answer: Answer) -> None:
        x = req.root.find("SDKSTMINFX")
        if x is None or not _txt(x, "ACCNBR"):
            raise DialectError("-1", "FMT_ACCNBR", "SDKSTMINFX/ACCNBR is required")
        start, end = _date(_txt(x, "BGNDAT"), "BGNDAT"), _date(_txt(x, "ENDDAT"), "ENDDAT")
        if end < start:
            raise DialectError("-1", "FMT_DATE", "ENDDAT before BGNDAT")
        st = self.engine.statement(_txt(x, "ACCNBR"), start, end)
        answer.blocks.append(
            Block(
                "NTSTMSUMZ",
                {
                    "ACCNBR": st.account,
                    "CCYNBR": CCYNBR.get(st.currency, ""),
                    "BGNDAT": start.strftime("%Y%m%d"),
                    "ENDDAT": end.strftime("%Y%m%d"),
                    "OPNBLV": format_amount(st.opening_minor),
                    "CLSBLV": format_amount(st.closing_minor),
                    "DBTNBR": str(st.debit_count),
                    "DBTAMT": format_amount(st.debit_total_minor),
                    "CRTNBR": str(st.credit_count),
                    "CRTAMT": format_amount(st.credit_total_minor),
                },
            )
        )

    def _receipt(self, req: Request, answer: Answer) -> None:
        x = req.root.find("CSRRCFDFY0")
        if x is None or not _txt(x, "YURREF"):
            raise DialectError("-1", "FMT_YURREF", "CSRRCFDFY0/YURREF is required")
        from sandbox_bank import receipts  # reportlab is slow to import: only when a receipt is asked for

        ref = _txt(x, "YURREF")
        for ins in self.engine.executed(ref, _txt(x, "EACNBR") or None):
            debtor = self.ledger.account(ins.debit_account)
            assert debtor is not None
            pdf = receipts.render_receipt(ins, debtor)
            answer.blocks.append(
                Block(
                    "CSRRCFDFZ1",
                    {
                        "ISTNBR": receipts.receipt_number(ins),
                        "CHKCOD": receipts.check_code(ins),
                        "YURREF": ref,
                        "REQNBR": ins.req_nbr,
                        "EACNBR": ins.debit_account,
                        "TRSAMT": format_amount(ins.amount_minor),
                        "FILTYP": "PDF",
                        "FILDAT": base64.b64encode(pdf).decode("ascii"),
                    },
                )
            )
        answer.references.append(ref)

    # -- content faults ----------------------------------------------------------------------------
    def apply_content_fault(self, kind: str, answer: Answer, rng: random.Random) -> str | None:
        """Mutate the answer; returns a detail string, or None when the fault does not apply here."""
        records = answer.records
        if answer.retcod != "0":
            return None
        if kind == "duplicate_answer" and records:
            answer.blocks = [b for blk in answer.blocks for b in ([blk, blk] if blk.record else [blk])]
            return f"{len(records)} records duplicated"
        if kind == "no_record" and records:
            answer.blocks = [b for b in answer.blocks if not b.record]
            return f"hid {len(records)} records"
        if kind == "out_of_order_status" and records:
            for b in records:
                b.fields.update(REQSTS="NTE", RTNFLG="", ERRCOD="", ERRTXT="")
            return "reported REQSTS=NTE"
        if kind == "stale_answer" and records:
            marks = ",".join("?" * len(answer.references))
            refs = tuple(answer.references)
            other = self.ledger.pick_instruction(f"client_reference NOT IN ({marks})", refs, rng)
            if other is None:
                return None
            short = records[0].tag == "NTQPAYRQZ"
            fields = self._status_fields(other, short=short)
            for b in records:
                b.fields = dict(
                    fields,
                    **({"SQRNBR": b.fields.get("SQRNBR", ""), "ERRCOD": "SUC0000", "ERRTXT": ""} if short else {}),
                )
            return f"answered with reference {other.client_reference}"
        return None

    # -- rendering ---------------------------------------------------------------------------------
    def render(self, answer: Answer, now: float) -> bytes:
        """The answer as GBK bytes. Written as text directly (a 1,000-record NTQRYSTN page is 20,000 elements);
        byte for byte what :meth:`render_tree` (lxml) gives, which is used whenever a value is not a plain
        XML-compatible string, so that case fails (or not) exactly as lxml decides."""
        parts = ["<CMBSDKPGK><INFO>"]
        unchecked = []  # what may hold a character XML cannot carry: the values, and names outside a template
        try:
            for name, value in self._info(answer, now):
                parts.append(f"<{name}>{_esc(value)}</{name}>")
                unchecked.append(value)
            parts.append("</INFO>")
            for block in answer.blocks:
                fields = block.fields
                values = tuple(fields.values())
                joined = "".join(values)  # (TypeError if one is not a str)
                unchecked.append(joined)
                if "&" in joined or "<" in joined or ">" in joined or "\r" in joined:
                    template = None
                else:  # nothing to escape: the values into the block's template
                    template = _block_template(block.tag, tuple(fields))
                if template is None:
                    inner = "".join([f"<{name}>{_esc(value)}</{name}>" for name, value in fields.items()])
                    parts.append(f"<{block.tag}>{inner}</{block.tag}>")
                    unchecked.append(parts[-1])
                else:
                    parts.append(template % values)
        except TypeError:  # a value that is not a str
            return self.render_tree(answer, now)
        parts.append("</CMBSDKPGK>")
        text = "".join(parts)
        # Every character _XML_UNSAFE finds is also not printable, and the rest of the text is printable markup:
        # the regular expression only when a value or name is not all printable.
        if not "".join(unchecked).isprintable() and _XML_UNSAFE.search(text):
            return self.render_tree(answer, now)
        return b'<?xml version="1.0" encoding="GBK"?>' + text.encode("gbk", errors="xmlcharrefreplace")

    @staticmethod
    def _info(answer: Answer, now: float) -> tuple[tuple[str, str], ...]:
        return (
            ("FUNNAM", answer.funnam),
            ("DATTYP", "2"),
            ("LGNNAM", answer.lgnnam),
            ("RETCOD", answer.retcod),
            ("ERRMSG", answer.errmsg),
            ("SYSDAT", _ymd(now)),
            ("SYSTIM", _hms(now)),
        )

    def render_tree(self, answer: Answer, now: float) -> bytes:
        root = etree.Element("CMBSDKPGK")
        info = etree.SubElement(root, "INFO")
        for name, value in self._info(answer, now):
            etree.SubElement(info, name).text = value
        for block in answer.blocks:
            el = etree.SubElement(root, block.tag)
            for name, value in block.fields.items():
                etree.SubElement(el, name).text = value
        text = etree.tostring(root, encoding="unicode")
        return b'<?xml version="1.0" encoding="GBK"?>' + text.encode("gbk", errors="xmlcharrefreplace")


@functools.lru_cache(maxsize=256)
def _block_template(tag: str, names: tuple[str, ...]) -> str | None:
    """'<TAG><A>%s</A><B>%s</B></TAG>' for a block with the fields A, B (in this order), for ``% values``; None
    when a name is not all printable (render writes and checks that block as it is)."""
    if not "".join(f"{part}" for part in (tag, *names)).isprintable():
        return None

    def literal(text: str) -> str:
        return text.replace("%", "%%")

    inner = "".join(literal(f"<{name}>") + "%s" + literal(f"</{name}>") for name in names)
    return literal(f"<{tag}>") + inner + literal(f"</{tag}>")


def _esc(value: str) -> str:
    """Text content escaped as lxml serialises it: & < > and CR (as &#13;)."""
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    return value


# Characters XML 1.0 cannot carry (lxml refuses them as text): such an answer is rendered by lxml instead.
_XML_UNSAFE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


_BUSNAM = {"PAYMENT": "企业银行直接支付", "INCOMING": "来账", "RETURN": "退票", "RETURN_DEBIT": "退票冲回"}
