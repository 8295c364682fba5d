"""camt.052 (account report), camt.053 (statement) and camt.054 (debit/credit notification) reader.

API — everything returns the value types of :mod:`app.ports.statements`::

    from bank_plugins.iso20022.camt import read_camt, read_camt_bytes, CamtReader

    sf = read_camt(Path("statement.xml"))       # streaming from a file
    sf = read_camt_bytes(answer_body)            # the same from bytes (a bank's HTTP answer)
    if sf.errors: ...                            # never use the amounts of a file with errors
    for st in sf.statements:                     # Stmt / Rpt / Ntfctn, in file order
        st.account, st.currency, st.opening_minor, st.closing_minor, st.balances   # Balance(code, amount_minor...)
        for e in st.entries:                     # StatementEntry: signed amount_minor, booking_date, status...
            ...
    CamtReader()                                 # the StatementReader the statement-import service uses

Raises :class:`~app.ports.statements.StatementFileError` (a DomainError) with code FILE_XML (malformed, DOCTYPE,
entities, UTF-16), FILE_SIZE, FILE_FORMAT (not a camt.052/053/054) or STATEMENT_VERSION (camt.05x.001.01, or a
version newer than .13) when the file cannot be read at all. Everything else is a Problem with the element path.

Versions: .001.02 to .001.13 (the namespace decides; a document without a namespace is read with a warning).
The differences that matter are handled by fallbacks: ``Sts`` as text (≤ .06) or ``Sts/Cd`` (≥ .07),
``Dbtr/Nm`` or ``Dbtr/Pty/Nm`` (≥ .07), the transaction amount as ``TxDtls/Amt`` (≥ .03) or
``TxDtls/AmtDtls/TxAmt/Amt`` (.02), charges as repeated ``Chrgs/Amt`` (.02) or ``Chrgs/Rcrd/Amt`` (≥ .03).

Streaming: lxml ``iterparse`` on ``Ntry`` ends; each entry is read and its element cleared, so a 100,000-entry
file needs memory for the entries read, not for the tree. Hardened: a DOCTYPE or entity declaration in the
prolog is refused before parsing; lxml runs with ``resolve_entities=False, no_network=True, load_dtd=False,
huge_tree=False``; a size cap (``max_bytes``) is checked first.

Lenient where real banks deviate (PROTOCOLS.md), never with amounts: missing ``Sts`` → BOOK (warning); balance
without ``CdtDbtInd`` → credit (warning; the balance check confirms or refutes it); entry without booking and
value date → the statement's closing-balance / period date (warning); bad IBAN checksums → warning.
Strict with amounts: ``66.0000000000001`` EUR, ``1.5`` JPY, ``1,50``, ``-5``, ``1e3`` are errors naming the
element; a batched entry is split into one entry per ``TxDtls`` only when their amounts add up to the entry
amount (else BATCH_SUM error); opening + booked entries must equal closing (else BALANCE_MISMATCH error).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from lxml import etree

from app.ports.statements import (
    AMOUNT_FORMAT,
    AMOUNT_SCALE,
    BALANCE_MISMATCH,
    BATCH_SUM,
    BOOKED,
    CURRENCY_FORMAT,
    DATE_FORMAT,
    FIELD_MISSING,
    FIELD_VALUE,
    FILE_FORMAT,
    FILE_NOT_FOUND,
    FILE_SIZE,
    FILE_XML,
    IBAN_CHECKSUM,
    INFO,
    NO_STATEMENTS,
    PENDING,
    STATEMENT_VERSION,
    Balance,
    ProblemCollector,
    Progress,
    Statement,
    StatementEntry,
    StatementFile,
    StatementFileError,
    currency_exponent,
    format_minor,
    minor_units,
    valid_currency,
)

DEFAULT_MAX_BYTES = 1024 * 1024 * 1024   # 1 GiB: streaming keeps memory flat; this bounds the time
HEAD_BYTES = 64 * 1024
MIN_VERSION, MAX_VERSION = 2, 13
PROGRESS_EVERY = 1000

_MESSAGES = {"BkToCstmrAcctRpt": ("052", "Rpt"), "BkToCstmrStmt": ("053", "Stmt"),
             "BkToCstmrDbtCdtNtfctn": ("054", "Ntfctn")}
_KIND_WORDS = {"052": "account report", "053": "statement", "054": "debit/credit notification"}
_NS_VERSION = re.compile(r"camt\.(05[234])\.001\.(\d{2})")
_OTHER_MESSAGE = re.compile(r"\b(pain|pacs|camt|acmt|remt|head)\.(\d{3})\.\d{3}\.\d{2}")
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")
_NOT_PROVIDED = {"NOTPROVIDED", "NOT PROVIDED", "NONREF", ""}
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}", re.ASCII)
_SAFE_PARSER = dict(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                    huge_tree=False, remove_comments=True, remove_pis=True, collect_ids=False)


# -- accounts and IBANs (shared with the MT940 reader) ----------------------------------------------------------

def looks_like_iban(text: str) -> bool:
    return bool(_IBAN_SHAPE.fullmatch(text))


_LETTER_DIGITS = str.maketrans({chr(c): str(c - 55) for c in range(ord("A"), ord("Z") + 1)})


def iban_checksum_ok(text: str) -> bool:
    """ISO 13616 mod-97 (fast; schwifty is asked only when this fails, for its precise message)."""
    return int((text[4:] + text[:4]).translate(_LETTER_DIGITS)) % 97 == 1


@lru_cache(maxsize=4096)
def iban_problem(text: str) -> str | None:
    """None for a valid IBAN, else schwifty's reason (checksum, length, country...)."""
    if not looks_like_iban(text):
        return "not an IBAN"
    try:
        from schwifty import IBAN

        IBAN(text)
    except Exception as exc:  # schwifty raises its own exception family (and ValueError subclasses)
        return str(exc) or type(exc).__name__
    return None


@lru_cache(maxsize=1024)
def account_aliases(account: str) -> tuple[str, ...]:
    """Other spellings of a statement's account a ledger may store: for an IBAN its BBAN and the national
    account number; for ``BLZ/ACCOUNT`` the part after the slash; always the digits alone."""
    out: list[str] = []
    text = account.replace(" ", "").upper()
    if looks_like_iban(text):
        out.append(text[4:])
        try:
            from schwifty import IBAN

            iban = IBAN(text, allow_invalid=True)
            for part in (str(iban.bban), str(iban.account_code or "")):
                if part:
                    out.append(part)
        except Exception:  # noqa: S110 - an IBAN schwifty does not know: BBAN above is enough
            pass
    if "/" in text:
        out.append(text.rsplit("/", 1)[1])
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits and digits != text:
        out.append(digits)
    seen: list[str] = []
    for item in out:
        if item and item != text and item not in seen:
            seen.append(item)
    return tuple(seen)


def _short_hash(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def stable_entry_id(ref: str, booking: date, amount_minor: int, reversal: bool, *content: object) -> str:
    """The de-duplication key of an entry (unique per account in storage, ≤ 64 chars).

    With a bank reference: ``REF|YYYYMMDD|AMOUNT`` (+ ``R`` for a reversal), readable in the transactions view; the
    date and signed amount are part of it, so a reversal or correction reusing the reference is never taken for
    the original. Without one (or an unusable one): ``H`` + 24 hex of the entry's content."""
    if ref and len(ref) <= 35 and ref.isprintable() and "|" not in ref:
        key = f"{ref}|{booking.year:04d}{booking.month:02d}{booking.day:02d}|{amount_minor}{'R' if reversal else ''}"
        if len(key) <= 60:
            return key
    return "H" + _short_hash(ref, booking, amount_minor, reversal, *content)[:24]


class UniqueIds:
    """Entry ids unique within one file: a repeat gets ``#2``, ``#3``... (deterministic in file order)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, entry_id: str) -> str:
        n = self._seen.get(entry_id, 0) + 1
        self._seen[entry_id] = n
        return entry_id if n == 1 else f"{entry_id}#{n}"


# -- file access and sniffing -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CamtKind:
    message: str           # "052", "053", "054"
    version: int | None    # None: no namespace
    namespace: str
    container: str         # "Rpt", "Stmt", "Ntfctn"

    @property
    def name(self) -> str:
        return f"camt.{self.message}.001.{self.version:02d}" if self.version else f"camt.{self.message}"


def _check_head(head: bytes) -> None:
    if not head.strip():
        raise StatementFileError(FILE_XML, "the file is empty")
    if head.startswith(_WIDE_BOMS) or (len(head) > 1 and (head[0] == 0 or head[1] == 0)):
        raise StatementFileError(FILE_XML, "UTF-16/UTF-32 XML is not accepted; ask for a UTF-8 file")
    root_at = _root_start(head)
    prolog = head if root_at < 0 else head[:root_at]
    if _DOCTYPE.search(prolog):
        raise StatementFileError(FILE_XML, "the XML document contains a DOCTYPE or entity declaration, which is "
                                 "refused (possible XML bomb or external entity)")
    if root_at < 0:
        raise StatementFileError(FILE_XML, f"no XML root element in the first {HEAD_BYTES // 1024} KiB")


_ELEMENT_START = re.compile(rb"<[A-Za-z_]")


def _root_start(head: bytes) -> int:
    """Offset of the root element's '<' (skipping the XML declaration, comments and PIs), -1 if not seen."""
    pos = 0
    while True:
        m = _ELEMENT_START.search(head, pos)
        if m is None:
            return -1
        before = head[pos:m.start()]
        comment = before.rfind(b"<!--")
        if comment >= 0 and before.find(b"-->", comment) < 0:
            end = head.find(b"-->", pos + comment)
            if end < 0:
                return -1
            pos = end + 3
            continue
        return m.start()


def sniff_kind(head: bytes) -> CamtKind:
    """The camt message and version from the first bytes; raises StatementFileError when it is not one."""
    _check_head(head)
    tags: list[str] = []
    try:
        for _event, el in etree.iterparse(io.BytesIO(head), events=("start",), **_SAFE_PARSER):
            tags.append(el.tag if isinstance(el.tag, str) else "")
            if len(tags) == 2:
                break
    except etree.XMLSyntaxError as exc:
        if len(tags) < 2:
            raise StatementFileError(FILE_XML, f"malformed XML: {exc}") from None
    if not tags:
        raise StatementFileError(FILE_XML, "the XML document has no root element")
    ns, root = _split(tags[0])
    message_el = root
    if root == "Document":
        if len(tags) < 2:
            raise StatementFileError(FILE_FORMAT, "the Document element is empty: no camt message inside")
        _ns2, message_el = _split(tags[1])
    return _kind_of(ns, message_el)


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _kind_of(ns: str, element: str) -> CamtKind:
    base = re.sub(r"V\d{2}$", "", element)
    m = _NS_VERSION.search(ns)
    if m is None:
        other = _OTHER_MESSAGE.search(ns)
        if other is not None:
            raise StatementFileError(FILE_FORMAT, f"this is a {other.group(0)} message ({element}), not a camt.052/"
                                     "053/054 statement, report or notification")
        if base not in _MESSAGES:
            raise StatementFileError(FILE_FORMAT, f"the root element {element} (namespace {ns or 'none'}) is not a "
                                     "camt.052/053/054 statement, report or notification")
        if ns:
            raise StatementFileError(STATEMENT_VERSION, f"unknown namespace {ns!r} for {element}; expected "
                                     "urn:iso:std:iso:20022:tech:xsd:camt.05x.001.NN")
        message, container = _MESSAGES[base]
        return CamtKind(message, None, "", container)
    message, version = m.group(1), int(m.group(2))
    name = f"camt.{message}.001.{version:02d}"
    if version < MIN_VERSION:
        raise StatementFileError(STATEMENT_VERSION, f"{name} is the 2006 pre-release version of the message, whose "
                                 "structure is not supported; ask the bank for camt.05x.001.02 or later")
    if version > MAX_VERSION:
        raise StatementFileError(STATEMENT_VERSION, f"{name} is newer than the versions this reader knows "
                                 f"(.001.{MIN_VERSION:02d} to .001.{MAX_VERSION:02d})")
    if base not in _MESSAGES:
        raise StatementFileError(FILE_FORMAT, f"the namespace says {name} but the message element is {element}")
    expected, container = _MESSAGES[base]
    if expected != message:
        raise StatementFileError(FILE_FORMAT, f"the namespace says {name} but the message element is {element} "
                                 f"(a camt.{expected})")
    return CamtKind(message, version, ns, container)


# -- element names -------------------------------------------------------------------------------------------------

class _Names:
    """Qualified tag names and paths for one namespace (lxml caches compiled paths by string)."""

    LOCAL = ("Amt", "CdtDbtInd", "RvslInd", "Sts", "BookgDt", "ValDt", "AcctSvcrRef", "NtryRef", "BkTxCd",
             "NtryDtls", "Btch", "TxDtls", "AddtlNtryInf", "AddtlTxInf", "Chrgs", "Refs", "AmtDtls", "RltdPties",
             "RmtInf", "RtrInf", "Dt", "DtTm", "Cd", "Prtry", "Domn", "Fmly", "SubFmlyCd", "Id", "IBAN", "Othr",
             "Nm", "Pty", "Dbtr", "Cdtr", "DbtrAcct", "CdtrAcct", "UltmtDbtr", "UltmtCdtr", "Ustrd", "Strd",
             "CdtrRefInf", "Ref", "Rsn", "AddtlInf", "EndToEndId", "PmtInfId", "MsgId", "TxAmt", "TtlChrgsAndTaxAmt",
             "Rcrd", "Bal", "Tp", "CdOrPrtry", "Acct", "Ccy", "Ownr", "ElctrncSeqNb", "LglSeqNb", "CreDtTm",
             "FrToDt", "FrDtTm", "ToDtTm", "GrpHdr", "AddtlRmtInf", "Issr")

    def __init__(self, ns: str):
        self.ns = ns
        for local in self.LOCAL:
            setattr(self, local, f"{{{ns}}}{local}" if ns else local)

        self.p_domn = self.path("Domn", "Cd")
        self.p_fmly = self.path("Domn", "Fmly", "Cd")
        self.p_sub = self.path("Domn", "Fmly", "SubFmlyCd")
        self.p_prtry = self.path("Prtry", "Cd")
        self.p_txamt = self.path("TxAmt", "Amt")
        self.p_cdtrref = self.path("CdtrRefInf", "Ref")
        self.p_ptynm = self.path("Pty", "Nm")
        self.p_othr = self.path("Othr", "Id")

    def path(self, *parts: str) -> str:
        return "/".join(getattr(self, p) for p in parts)


def _text(el: Any) -> str:
    if el is None:
        return ""
    t = el.text
    return t.strip() if t else ""


# -- the reader -------------------------------------------------------------------------------------------------------

class _Reader:
    def __init__(self, kind: CamtKind, problems: ProblemCollector, progress: Progress | None):
        self.kind = kind
        self.p = problems
        self.n = _Names(kind.namespace)
        self.progress = progress
        self.statements: list[Statement] = []
        self.message_id = ""
        self.created_at: datetime | None = None
        self.ids = UniqueIds()
        self._dates: dict[str, date | None] = {}
        self._intern: dict[str, str] = {}
        self._codes: dict[tuple[str | None, ...], str] = {}
        self._exponents: dict[str, int] = {c: currency_exponent(c) for c in ("EUR", "CHF", "USD", "CNY", "GBP")}
        self._count = 0
        # state of the statement being read
        self._st_index = 0
        self._header: dict[str, Any] | None = None
        self._entries: list[StatementEntry] = []
        self._entry_no = 0
        self._path_prefix = ""
        self._errors_before = 0

    # -- helpers --------------------------------------------------------------------------------------------
    def intern(self, s: str) -> str:
        return self._intern.setdefault(s, s)

    def amount(self, el: Any, path: str, suffix: str = "", expect_ccy: str | None = None
               ) -> tuple[int | None, str]:
        """(minor units, currency) of an ``<Amt Ccy="EUR">12.34</Amt>``-like element; errors recorded at
        ``path + suffix`` (joined only when there is something to report)."""
        if el is not None:      # fast path: a known currency and plain digits with exactly its decimals
            ccy = el.get("Ccy")
            exponent = self._exponents.get(ccy)  # type: ignore[arg-type]
            text = el.text
            if exponent is not None and text:
                whole, dot, frac = text.partition(".")
                if whole.isdigit() and whole.isascii() and len(whole) <= 15:
                    if len(frac) == exponent and (not frac or (frac.isdigit() and frac.isascii())) and \
                            (dot or not exponent):
                        return int(whole + frac), ccy  # type: ignore[return-value]
        return self._amount_slow(el, path + suffix, expect_ccy)

    def _amount_slow(self, el: Any, path: str, expect_ccy: str | None) -> tuple[int | None, str]:
        if el is None:
            self.p.error(FIELD_MISSING, "the amount is missing", path)
            return None, ""
        ccy = (el.get("Ccy") or "").strip()
        if not valid_currency(ccy):
            if not ccy and expect_ccy:
                ccy = expect_ccy
                self.p.warning(CURRENCY_FORMAT, f"the amount has no Ccy attribute; taken as {ccy}", path)
            else:
                self.p.error(CURRENCY_FORMAT, f"the currency {ccy!r} is not a 3-letter ISO 4217 code", path)
                return None, ""
        ccy = self.intern(ccy)
        if valid_currency(ccy) and ccy not in self._exponents:
            self._exponents[ccy] = currency_exponent(ccy)
        raw = el.text or ""
        text = raw.strip()
        whole, _dot, frac = text.partition(".")
        try:
            if not (whole or frac):
                raise ValueError("no digits")
            return minor_units(whole or "0", frac, ccy), ccy
        except OverflowError as exc:
            self.p.error(AMOUNT_SCALE, f"the amount {text!r} has more decimals than {ccy} allows ({exc}); it is "
                         "never rounded", path)
        except ValueError as exc:
            hint = ""
            if text.startswith("-"):
                hint = " (amounts are unsigned; the direction is CdtDbtInd)"
            elif "," in text:
                hint = " (decimal comma or digit grouping)"
            elif "e" in text.lower():
                hint = " (exponent notation)"
            self.p.error(AMOUNT_FORMAT, f"the amount {raw!r} is not a plain decimal number{hint}: {exc}", path)
        return None, ccy

    def parse_date(self, text: str, path: str) -> tuple[date | None, str]:
        """ISO date or date-time text → (date, HHMMSS or "")."""
        text = text.strip()
        time_part = ""
        if len(text) >= 19 and text[10] in "T ":
            time_part = text[11:19].replace(":", "")
            if not time_part.isdigit():
                time_part = ""
        day = text[:10]
        if day in self._dates:
            found = self._dates[day]
        else:
            try:
                found = date.fromisoformat(day) if len(day) == 10 and day[4] == "-" and day[7] == "-" else None
            except ValueError:
                found = None
            self._dates[day] = found
        if found is None:
            self.p.error(DATE_FORMAT, f"{text!r} is not a calendar date (YYYY-MM-DD)", path)
        elif len(text) > 10 and not time_part and not re.fullmatch(r"(Z|[+-]\d{2}:\d{2})", text[10:]):
            self.p.warning(DATE_FORMAT, f"unexpected text after the date in {text!r}; the date {day} is used", path)
        return found, time_part

    def date_of(self, container: Any, path: str, suffix: str = "") -> tuple[date | None, str]:
        """``<BookgDt><Dt>…</Dt></BookgDt>`` or ``<DtTm>``; also the deviant ``<Dt><DtTm>…</DtTm></Dt>``."""
        if container is None:
            return None, ""
        n = self.n
        for child in container:
            tag = child.tag
            if tag == n.Dt or tag == n.DtTm:
                text = _text(child)
                if not text and len(child):
                    inner = child[0]
                    text = _text(inner)
                if len(text) == 10:
                    found = self._dates.get(text)
                    if found is not None:
                        return found, ""
                return self.parse_date(text, path + suffix)
        return None, ""

    def bank_code(self, el: Any) -> str:
        if el is None:
            return ""
        n = self.n
        domain = family = sub = proprietary = None
        for part in el:
            if part.tag == n.Domn:
                for child in part:
                    if child.tag == n.Cd:
                        domain = child.text
                    elif child.tag == n.Fmly:
                        for item in child:
                            if item.tag == n.Cd:
                                family = item.text
                            elif item.tag == n.SubFmlyCd:
                                sub = item.text
            elif part.tag == n.Prtry and proprietary is None:
                proprietary = part.findtext(n.Cd)
        key = (domain, family, sub) if domain is not None else (proprietary,)
        code = self._codes.get(key)
        if code is None:
            code = self._codes[key] = "/".join(p.strip() for p in key if p and p.strip())
        return code

    def charges(self, elements: list[Any], path: str) -> int | None:
        """Sum of the charges reported (unsigned): TtlChrgsAndTaxAmt, else Rcrd/Amt, else .02 Chrgs/Amt."""
        if not elements:
            return None
        n = self.n
        total = 0
        seen = False
        for chrgs in elements:
            ttl = chrgs.find(n.TtlChrgsAndTaxAmt)
            amounts = [ttl] if ttl is not None else (
                [r.find(n.Amt) for r in chrgs.iterchildren(n.Rcrd)] or list(chrgs.iterchildren(n.Amt)))
            for amt in amounts:
                if amt is None:
                    continue
                value, _ccy = self.amount(amt, path, "/Chrgs/Amt")
                if value is not None:
                    total += value
                    seen = True
        return total if seen else None

    # -- group header and statement header ----------------------------------------------------------------
    def group_header(self, el: Any) -> None:
        n = self.n
        self.message_id = _text(el.find(n.MsgId))
        created = _text(el.find(n.CreDtTm))
        if created:
            self.created_at = _datetime(created)

    def statement_header(self, stmt: Any, upto: Any | None) -> None:
        """Read Id, Acct, Bal, FrToDt... (the children of the statement before its first Ntry)."""
        n = self.n
        self._st_index += 1
        prefix = f"{self.kind.container}[{self._st_index}]"
        self._path_prefix = prefix
        header: dict[str, Any] = {"id": "", "account": "", "currency": "", "name": "", "balances": [],
                                  "from": None, "to": None, "created": None, "sequence": "", "iban_tag": False}
        for child in stmt:
            if upto is not None and child is upto:
                break
            tag = child.tag
            if tag == n.Id:
                header["id"] = _text(child)
            elif tag == n.ElctrncSeqNb or (tag == n.LglSeqNb and not header["sequence"]):
                header["sequence"] = _text(child)
            elif tag == n.CreDtTm:
                header["created"] = _datetime(_text(child))
            elif tag == n.FrToDt:
                header["from"] = self.parse_date(_text(child.find(n.FrDtTm)), f"{prefix}/FrToDt/FrDtTm")[0] \
                    if child.find(n.FrDtTm) is not None else None
                header["to"] = self.parse_date(_text(child.find(n.ToDtTm)), f"{prefix}/FrToDt/ToDtTm")[0] \
                    if child.find(n.ToDtTm) is not None else None
            elif tag == n.Acct:
                self._account(child, header, prefix)
            elif tag == n.Bal:
                header["bal_no"] = header.get("bal_no", 0) + 1
                bal = self._balance(child, f"{prefix}/Bal[{header['bal_no']}]", header["currency"])
                if bal is not None:
                    header["balances"].append(bal)
        if not header["account"]:
            self.p.error(FIELD_MISSING, "the statement names no account (Acct/Id/IBAN or Acct/Id/Othr/Id)",
                         f"{prefix}/Acct")
        if not header["currency"]:
            header["currency"] = next((b.currency for b in header["balances"]), "")
        self._header = header
        self._entries = []
        self._entry_no = 0
        self._errors_before = self.p.error_count

    def _account(self, acct: Any, header: dict[str, Any], prefix: str) -> None:
        n = self.n
        ident = acct.find(n.Id)
        if ident is not None:
            iban = _text(ident.find(n.IBAN))
            if iban:
                header["account"] = iban.replace(" ", "").upper()
                header["iban_tag"] = True
                problem = iban_problem(header["account"])
                if problem:
                    self.p.warning(IBAN_CHECKSUM, f"the account IBAN {iban} is not valid ({problem}); imported "
                                   "anyway", f"{prefix}/Acct/Id/IBAN")
            else:
                othr = ident.find(n.Othr)
                header["account"] = _text(othr.find(n.Id)) if othr is not None else _text(ident[0]) \
                    if len(ident) else ""
        ccy = _text(acct.find(n.Ccy))
        if ccy:
            if valid_currency(ccy):
                header["currency"] = self.intern(ccy)
            else:
                self.p.error(CURRENCY_FORMAT, f"the account currency {ccy!r} is not a 3-letter ISO code",
                             f"{prefix}/Acct/Ccy")
        header["name"] = _text(acct.find(n.Nm)) or _text(acct.find(n.path("Ownr", "Nm")))

    def _balance(self, bal: Any, path: str, account_ccy: str) -> Balance | None:
        n = self.n
        tp = bal.find(n.Tp)
        code = ""
        if tp is not None:
            code = _text(tp.find(n.path("CdOrPrtry", "Cd"))) or _text(tp.find(n.path("CdOrPrtry", "Prtry")))
        if not code:
            self.p.warning(FIELD_MISSING, "a balance without a type code (Tp/CdOrPrtry/Cd) is ignored", path)
            return None
        amount, ccy = self.amount(bal.find(n.Amt), path, "/Amt", account_ccy or None)
        if amount is None:
            return None
        indicator = _text(bal.find(n.CdtDbtInd))
        if indicator == "DBIT":
            amount = -amount
        elif indicator != "CRDT":
            if indicator or amount:
                self.p.warning(FIELD_MISSING if not indicator else FIELD_VALUE,
                               f"the {code} balance has {'no' if not indicator else 'an unknown'} credit/debit "
                               f"indicator{'' if not indicator else ' ' + repr(indicator)}; taken as a credit "
                               "balance (the balance check below confirms or refutes it)", f"{path}/CdtDbtInd")
        on, _time = self.date_of(bal.find(n.Dt), path, "/Dt")
        return Balance(code, amount, ccy, on)

    # -- entries --------------------------------------------------------------------------------------------
    def entry(self, ntry: Any) -> None:
        n = self.n
        header = self._header
        assert header is not None
        self._entry_no += 1
        path = f"{self._path_prefix}/Ntry[{self._entry_no}]"
        details: list[Any] = []
        charges: list[Any] = []
        amount_el = sts = booking_el = value_el = btc = None
        indicator = entry_ref = servicer_ref = info = rvsl = ""
        for child in ntry:                    # one pass over the entry's children (hot path)
            tag = child.tag
            if tag == n.Amt:
                amount_el = child
            elif tag == n.CdtDbtInd:
                indicator = (child.text or "").strip()
            elif tag == n.Sts:
                sts = child
            elif tag == n.BookgDt:
                booking_el = child
            elif tag == n.ValDt:
                value_el = child
            elif tag == n.AcctSvcrRef:
                servicer_ref = (child.text or "").strip()
            elif tag == n.BkTxCd:
                btc = child
            elif tag == n.NtryDtls:
                details.append(child)
            elif tag == n.NtryRef:
                entry_ref = (child.text or "").strip()
            elif tag == n.RvslInd:
                rvsl = (child.text or "").strip()
            elif tag == n.AddtlNtryInf:
                info = (child.text or "").strip()
            elif tag == n.Chrgs:
                charges.append(child)
        amount, ccy = self.amount(amount_el, path, "/Amt", header["currency"] or None)
        if indicator not in ("CRDT", "DBIT"):
            self.p.error(FIELD_MISSING if not indicator else FIELD_VALUE,
                         f"the entry's credit/debit indicator is {indicator or 'missing'!s}; it must be CRDT or DBIT",
                         f"{path}/CdtDbtInd")
            return
        if amount is None:
            return
        credit = indicator == "CRDT"
        signed = amount if credit else -amount
        reversal = rvsl.lower() in ("true", "1")
        status = self._status(sts, path)
        booking, btime = self.date_of(booking_el, path, "/BookgDt")
        value, _vt = self.date_of(value_el, path, "/ValDt")
        if booking is None:
            booking = self._fallback_date(value, path)
            if booking is None:
                return
        code = self.bank_code(btc) if btc is not None else ""
        entry_charges = self.charges(charges, path) if charges else None
        base = dict(booking_date=booking, value_date=value, booking_time=btime, currency=ccy, reversal=reversal,
                    status=status, bank_code=code, entry_ref=entry_ref, additional_info=info)

        txs: list[Any] = []
        batch_ref = ""
        for nd in details:
            for child in nd:
                if child.tag == n.TxDtls:
                    txs.append(child)
                elif child.tag == n.Btch and not batch_ref:
                    batch_ref = _text(child.find(n.PmtInfId)) or _text(child.find(n.MsgId))
        if len(txs) <= 1:
            tx = self._tx(txs[0], f"{path}/NtryDtls/TxDtls", ccy, credit, reversal) if txs else {}
            if tx.get("amount") is not None and abs(tx["amount"]) != amount and tx.get("ccy") == ccy:
                self.p.warning(BATCH_SUM, f"the transaction detail amount {format_minor(tx['amount'], ccy)} differs "
                               f"from the entry amount {format_minor(signed, ccy)}; the entry amount is booked",
                               f"{path}/NtryDtls/TxDtls")
            self._add(path, signed, credit, base, tx, servicer_ref, batch_ref, entry_charges, 0, len(txs))
            return
        parsed = [self._tx(tx, f"{path}/NtryDtls/TxDtls[{i}]", ccy, credit, reversal)
                  for i, tx in enumerate(txs, 1)]
        amounts = [t.get("amount") for t in parsed]
        if any(a is None for a in amounts):
            missing = sum(1 for a in amounts if a is None)
            self.p.warning(BATCH_SUM, f"{missing} of {len(txs)} transaction details carry no amount in {ccy}; the "
                           "entry is kept as one booking of its own amount", f"{path}/NtryDtls")
            joined = self._joined(parsed)
            self._add(path, signed, credit, base, joined, servicer_ref, batch_ref, entry_charges, 0, len(txs))
            return
        total = sum(amounts)  # type: ignore[arg-type]
        if total != signed:
            if sum(abs(a) for a in amounts) != amount:  # type: ignore[arg-type]
                self.p.error(BATCH_SUM, f"the {len(txs)} transaction details add up to {format_minor(total, ccy)} "
                             f"{ccy} but the entry amount is {format_minor(signed, ccy)} {ccy}", f"{path}/NtryDtls")
                return
            self.p.warning(BATCH_SUM, f"the transaction details' credit/debit indicators contradict the entry's "
                           f"({indicator}); their amounts add up to the entry amount, booked as {indicator}",
                           f"{path}/NtryDtls")
            for tx in parsed:
                tx["amount"] = abs(tx["amount"]) if credit else -abs(tx["amount"])
        for i, tx in enumerate(parsed, 1):
            tx_credit = tx["amount"] > 0 if tx["amount"] else credit
            self._add(f"{path}/NtryDtls/TxDtls[{i}]", tx["amount"], tx_credit, base, tx, servicer_ref, batch_ref,
                      tx.get("charges"), i, len(txs))

    def _status(self, sts: Any, path: str) -> str:
        if sts is not None:                   # fast path: <Sts>BOOK</Sts> or <Sts><Cd>BOOK</Cd></Sts>
            text = sts.text
            if (text is None or not text.strip()) and len(sts):
                text = sts[0].text
            if text == "BOOK":
                return BOOKED
        if sts is None:
            self.p.warning(FIELD_MISSING, "entries without a status (Sts) are taken as booked (BOOK)", f"{path}/Sts")
            return BOOKED
        text = _text(sts)
        if not text and len(sts):
            text = _text(sts.find(self.n.Cd)) or _text(sts.find(self.n.Prtry))
        text = text.upper()
        if text in (BOOKED, PENDING, INFO):
            return text
        if text == "FUTR":
            return PENDING
        self.p.warning(FIELD_VALUE, f"unknown entry status {text!r}: the entry is not counted as booked", f"{path}/Sts")
        return self.intern(text or INFO)

    def _fallback_date(self, value: date | None, path: str) -> date | None:
        header = self._header
        assert header is not None
        if value is not None:
            self.p.warning(FIELD_MISSING, "entries without a booking date (BookgDt) are booked on their value date",
                           f"{path}/BookgDt")
            return value
        closing = next((b.on for b in reversed(header["balances"]) if b.code in ("CLBD", "ITBD") and b.on), None)
        fallback = closing or header["to"] or (header["created"].date() if header["created"] else None) \
            or (self.created_at.date() if self.created_at else None)
        if fallback is not None:
            self.p.warning(FIELD_MISSING, f"entries without booking and value dates are booked on the statement's "
                           f"date ({fallback.isoformat()})", f"{path}/BookgDt")
            return fallback
        self.p.error(FIELD_MISSING, "the entry has no booking date (BookgDt) nor value date (ValDt), and the "
                     "statement gives no date to fall back on", f"{path}/BookgDt")
        return None

    def _tx(self, tx: Any, path: str, entry_ccy: str, entry_credit: bool, reversal: bool) -> dict[str, Any]:
        """One TxDtls: amount (in the entry's currency), references, counterparty, remittance, return, charges.
        One pass over the children (the hot path of a 100,000-entry file)."""
        n = self.n
        out: dict[str, Any] = {}
        amount_el = details = parties = rtr = None
        indicator = ""
        charges: list[Any] = []
        for child in tx:
            tag = child.tag
            if tag == n.Refs:
                for ref in child:
                    rtag = ref.tag
                    if rtag == n.EndToEndId:
                        e2e = (ref.text or "").strip()
                        out["e2e"] = "" if e2e.upper() in _NOT_PROVIDED else e2e
                    elif rtag == n.AcctSvcrRef:
                        out["servicer_ref"] = (ref.text or "").strip()
                    elif rtag == n.PmtInfId:
                        out["batch_ref"] = (ref.text or "").strip()
            elif tag == n.Amt:
                amount_el = child
            elif tag == n.CdtDbtInd:
                indicator = (child.text or "").strip()
            elif tag == n.RltdPties:
                parties = child
            elif tag == n.RmtInf:
                ustrd: list[str] = []
                refs_s: list[str] = []
                for item in child:
                    if item.tag == n.Ustrd:
                        text = (item.text or "").strip()
                        if text:
                            ustrd.append(text)
                    elif item.tag == n.Strd:
                        ref_text = _text(item.find(n.p_cdtrref))
                        if ref_text:
                            refs_s.append(ref_text)
                        extra = _text(item.find(n.AddtlRmtInf))
                        if extra:
                            ustrd.append(extra)
                out["remittance"] = " ".join(ustrd)
                out["creditor_reference"] = ", ".join(refs_s)
            elif tag == n.AmtDtls:
                details = child
            elif tag == n.BkTxCd:
                out["bank_code"] = self.bank_code(child)
            elif tag == n.RtrInf:
                rtr = child
            elif tag == n.Chrgs:
                charges.append(child)
            elif tag == n.AddtlTxInf:
                addtl = (child.text or "").strip()
                if addtl:
                    out["addtl"] = addtl
        credit = entry_credit if indicator not in ("CRDT", "DBIT") else indicator == "CRDT"
        suffix = "/Amt"
        if amount_el is None or amount_el.get("Ccy") != entry_ccy:
            tx_amt = details.find(n.p_txamt) if details is not None else None
            if tx_amt is not None and (tx_amt.get("Ccy") == entry_ccy or amount_el is None):
                amount_el, suffix = tx_amt, "/AmtDtls/TxAmt/Amt"
        if amount_el is not None:
            value, ccy = self.amount(amount_el, path, suffix, entry_ccy)
            out["ccy"] = ccy
            if value is not None and ccy == entry_ccy:
                out["amount"] = value if credit else -value
        if parties is not None:
            self._party(parties, credit != reversal, path, out)
        if rtr is not None:
            rsn = rtr.find(n.Rsn)
            if rsn is not None:
                out["return_reason"] = _text(rsn.find(n.Cd)) or _text(rsn.find(n.Prtry))
            extra = " ".join(_text(a) for a in rtr.iterchildren(n.AddtlInf) if _text(a))
            if extra:
                out["info"] = extra
        if "addtl" in out:
            out["info"] = f"{out.get('info', '')} {out.pop('addtl')}".strip()
        if charges:
            out["charges"] = self.charges(charges, path)
        return out

    def _party(self, parties: Any, money_in: bool, path: str, out: dict[str, Any]) -> None:
        """Counterparty name and account: the debtor for money in, the creditor for money out."""
        n = self.n
        side, acct_tag, ultimate = (n.Dbtr, n.DbtrAcct, n.UltmtDbtr) if money_in else (n.Cdtr, n.CdtrAcct,
                                                                                       n.UltmtCdtr)
        party = acct = ult = None
        for child in parties:
            tag = child.tag
            if tag == side:
                party = child
            elif tag == acct_tag:
                acct = child
            elif tag == ultimate:
                ult = child
        out["name"] = self._name(party) or self._name(ult)
        if acct is None:
            return
        ident = acct.find(n.Id)
        if ident is None:
            return
        iban_el = ident.find(n.IBAN)
        if iban_el is None:
            out["account"] = _text(ident.find(n.p_othr))
            return
        iban = (iban_el.text or "").strip()
        account = iban.replace(" ", "")
        out["account"] = account
        if not looks_like_iban(account) or not iban_checksum_ok(account):
            self.p.warning(IBAN_CHECKSUM, f"the counterparty IBAN {iban} is not valid ({iban_problem(account)}); "
                           "imported anyway", f"{path}/RltdPties/{_split(acct_tag)[1]}/Id/IBAN")

    def _name(self, party: Any) -> str:
        """``Nm`` (≤ .06) or ``Pty/Nm`` (≥ .07) of a Dbtr / Cdtr / UltmtDbtr / UltmtCdtr."""
        if party is None:
            return ""
        n = self.n
        for child in party:
            if child.tag == n.Nm:
                return (child.text or "").strip()
            if child.tag == n.Pty:
                return _text(child.find(n.Nm))
        return ""

    @staticmethod
    def _joined(parsed: list[dict[str, Any]]) -> dict[str, Any]:
        """The transaction details of an entry kept whole: their texts joined, amounts not used."""
        out: dict[str, Any] = {}
        for key in ("name", "account", "e2e", "remittance", "creditor_reference", "return_reason", "info"):
            values = list(dict.fromkeys(str(t.get(key) or "") for t in parsed))
            out[key] = ", ".join(v for v in values if v)
        return out

    def _add(self, path: str, signed: int, credit: bool, base: dict[str, Any], tx: dict[str, Any],
             entry_servicer_ref: str, batch_ref: str, charges: int | None, index: int, count: int) -> None:
        get = tx.get
        tx_ref = get("servicer_ref") or ""
        ref = tx_ref or (f"{entry_servicer_ref}/{index}" if entry_servicer_ref and index else entry_servicer_ref)
        e2e = get("e2e") or ""
        name = get("name") or ""
        account = get("account") or ""
        remittance = get("remittance") or ""
        creditor_ref = get("creditor_reference") or ""
        booking = base["booking_date"]
        reversal = base["reversal"]
        if ref:
            entry_id = self.ids(stable_entry_id(ref, booking, signed, reversal))
        else:
            header = self._header
            assert header is not None
            entry_id = self.ids(stable_entry_id(
                "", booking, signed, reversal, header["account"], base["currency"], base["status"], index,
                base["value_date"], base["bank_code"], base["entry_ref"], e2e, name, account, remittance,
                creditor_ref, batch_ref))
        info = base["additional_info"]
        tx_info = get("info")
        if tx_info:
            info = f"{info} {tx_info}".strip() if info and tx_info != info else tx_info
        # positional, in StatementEntry's field order (a NamedTuple: cheap to build)
        self._entries.append(StatementEntry(
            entry_id, booking, signed, base["currency"], credit, base["value_date"], base["booking_time"], reversal,
            base["status"], get("bank_code") or base["bank_code"], name, account, e2e,
            tx_ref or entry_servicer_ref, base["entry_ref"], get("batch_ref") or batch_ref, remittance, creditor_ref,
            get("return_reason") or "", charges, info, path))
        self._count += 1
        if self.progress is not None and self._count % PROGRESS_EVERY == 0:
            self.progress(self._count)

    # -- statement end ----------------------------------------------------------------------------------------
    def end_statement(self, stmt: Any) -> None:
        if self._header is None:
            self.statement_header(stmt, None)
        header = self._header
        assert header is not None
        currency = header["currency"] or (self._entries[0].currency if self._entries else "")
        st = Statement(
            statement_id=header["id"], account=header["account"], currency=currency,
            entries=tuple(self._entries), balances=tuple(header["balances"]),
            account_aliases=account_aliases(header["account"]) if header["account"] else (),
            account_name=header["name"], period_from=header["from"], period_to=header["to"],
            created_at=header["created"], sequence=header["sequence"], kind=self.kind.name, index=self._st_index)
        if self.p.error_count == self._errors_before:   # an entry left out by an error: no sum over the rest
            self._check_balances(st)
        self.statements.append(st)
        self._header = None
        self._entries = []

    def _check_balances(self, st: Statement) -> None:
        check_statement_balances(st, self.p, f"{self.kind.container}[{st.index}]")


def check_statement_balances(st: Statement, problems: ProblemCollector, where: str) -> None:
    """Opening + booked entries = closing (shared with the MT940 reader).

    Accepted with a warning: a closing balance that leaves out the entries value-dated after its date
    (PostFinance's CLBD; its forward-available balance has them). A mismatch with an interim balance (the ITBD
    of an intraday report is a snapshot) is a warning; with a closing balance it is an error."""
    opening, closing = st.opening, st.closing
    if opening is None or closing is None:
        return
    currencies = {e.currency for e in st.booked} | {opening.currency, closing.currency}
    if len(currencies) > 1:
        problems.warning(BALANCE_MISMATCH, f"{st.label}: entries and balances are in several currencies "
                         f"({', '.join(sorted(currencies))}); the balance check is skipped", where)
        return
    ccy = closing.currency
    total = sum(e.amount_minor for e in st.booked)
    expected = opening.amount_minor + total
    if expected == closing.amount_minor:
        return
    if closing.on is not None:
        forward = sum(e.amount_minor for e in st.booked if e.value_date is not None and e.value_date > closing.on)
        if forward and expected - forward == closing.amount_minor:
            problems.warning(BALANCE_MISMATCH, f"{st.label}: the closing balance {closing.code} of "
                             f"{closing.on.isoformat()} leaves out the booked entries value-dated later "
                             f"({format_minor(forward, ccy)} {ccy}); with them the statement adds up", where)
            return
    interim = closing.code == "ITBD"
    text = (f"{st.label}: opening balance {opening.code} {format_minor(opening.amount_minor, ccy)} + booked entries "
            f"{format_minor(total, ccy)} = {format_minor(expected, ccy)}, but the closing balance {closing.code} is "
            f"{format_minor(closing.amount_minor, ccy)} (difference "
            f"{format_minor(closing.amount_minor - expected, ccy)} {ccy})")
    if interim:
        problems.warning(BALANCE_MISMATCH, text + "; an interim balance of an intraday report is a snapshot, so "
                         "this is not an error", where)
    else:
        problems.error(BALANCE_MISMATCH, text, where)


def _datetime(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


# -- entry points -------------------------------------------------------------------------------------------------

def _read(fh: IO[bytes], head: bytes, progress: Progress | None) -> StatementFile:
    kind = sniff_kind(head)
    problems = ProblemCollector()
    if kind.version is None:
        problems.warning(STATEMENT_VERSION, f"the document has no namespace: read as a {kind.name} of the 2019 "
                         "structure (.001.08)")
    reader = _Reader(kind, problems, progress)
    n = reader.n
    container, ntry = (f"{{{kind.namespace}}}{local}" if kind.namespace else local
                       for local in (kind.container, "Ntry"))
    tags = (n.GrpHdr, container, ntry)
    try:
        for _event, el in etree.iterparse(fh, events=("end",), tag=tags, **_SAFE_PARSER):
            tag = el.tag
            if tag == ntry:
                parent = el.getparent()
                if parent is None or parent.tag != container:
                    continue
                if reader._header is None:
                    reader.statement_header(parent, el)
                reader.entry(el)
                el.clear(keep_tail=False)
                while el.getprevious() is not None:
                    del parent[0]
            elif tag == container:
                reader.end_statement(el)
                el.clear(keep_tail=False)
                parent = el.getparent()
                if parent is not None:
                    while el.getprevious() is not None:
                        del parent[0]
            elif tag == n.GrpHdr:
                reader.group_header(el)
                el.clear(keep_tail=False)
    except etree.XMLSyntaxError as exc:
        raise StatementFileError(FILE_XML, f"malformed XML at line {exc.lineno}: {exc.msg}") from None
    if not reader.statements:
        problems.error(NO_STATEMENTS, f"the {kind.name} message contains no {kind.container} element: there is "
                       f"no {_KIND_WORDS[kind.message]} in it", kind.container)
    if progress is not None:
        progress(reader._count)
    return StatementFile(format=kind.name, statements=tuple(reader.statements), problems=problems.problems(),
                         message_id=reader.message_id, created_at=reader.created_at)


def read_camt(path: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES, progress: Progress | None = None
              ) -> StatementFile:
    path = Path(path)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise StatementFileError(FILE_NOT_FOUND, f"cannot read {path}: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise StatementFileError(FILE_SIZE, f"the file is {size:,} bytes, more than the limit of {max_bytes:,}")
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
        fh.seek(0)
        return _read(fh, head, progress)


def read_camt_bytes(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, progress: Progress | None = None
                    ) -> StatementFile:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("read_camt_bytes takes bytes")
    data = bytes(data)
    if len(data) > max_bytes:
        raise StatementFileError(FILE_SIZE, f"the document is {len(data):,} bytes, more than the limit of "
                                 f"{max_bytes:,}")
    return _read(io.BytesIO(data), data[:HEAD_BYTES], progress)


def sniff(head: bytes) -> bool:
    """True for any XML document (UTF-8/16/32): this reader then says precisely what it is — a camt.05x, another
    ISO 20022 message, hostile XML (DOCTYPE), an unknown version."""
    if head.startswith((b"\xef\xbb\xbf", *_WIDE_BOMS)):
        return True
    stripped = head.lstrip()
    return stripped.startswith(b"<") or (len(stripped) > 1 and stripped[1:2] == b"\x00" and stripped[:1] == b"<")


class CamtReader:
    """The :class:`~app.ports.statements.StatementReader` for camt.052/053/054 files."""

    name = "camt"

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_bytes = max_bytes

    def sniff(self, head: bytes) -> bool:
        return sniff(head)

    def read(self, path: Path, *, progress: Progress | None = None) -> StatementFile:
        return read_camt(path, max_bytes=self.max_bytes, progress=progress)
