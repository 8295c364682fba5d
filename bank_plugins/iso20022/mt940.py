"""MT940 (customer statement) and MT942 (interim transaction report) reader.

API — the value types of :mod:`app.ports.statements`, like the camt reader::

    from bank_plugins.iso20022.mt940 import read_mt940, read_mt940_bytes, Mt940Reader
    sf = read_mt940(Path("statement.sta"))     # StatementFile; several statements per file
    sf.errors                                  # never use the amounts of a file with errors

An own parser (the ``mt-940`` package merges the statements of a file into one and was not written for strict
amounts): fields ``:20:`` ``:21:`` ``:25:`` ``:28:``/``:28C:`` ``:60F:``/``:60M:`` ``:61:`` ``:86:`` ``:62F:``/``:62M:``
``:64:`` ``:65:``, for MT942 ``:34F:`` ``:13D:`` ``:90D:``/``:90C:``; SWIFT envelopes (``{1:}{2:}{4:`` … ``-}``),
bank header lines before the first field, CRLF or LF. A new statement starts at each ``:20:``.

* Encoding: strict UTF-8 first, then strict GB18030 (a superset of GBK, never GBK first: GBK would mis-read
  GB18030's four-byte characters); anything else is FILE_ENCODING naming the first bad byte.
* Amounts ``15d`` with a decimal comma: ``1234,56``, ``300,``; a ``.``, a sign, or more decimals than the currency
  has are errors naming the field and line. ``D``/``C`` marks; ``RD`` (reversal of a debit) books a credit and
  ``RC`` a debit; the statement's balances check it: ``:60F:`` + entries must equal ``:62F:``.
* ``:86:``: German GVC (``166?00…?20…?32NAME``, SEPA ``EREF+``/``SVWZ+``), Dutch ``/EREF/…/CNTP/…/REMI/…``
  and free text are read into counterparty, end-to-end id, remittance and return reason.
* MT942: ``:90D:``/``:90C:`` (number and sum of debits/credits) are checked against the entries.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.ports.statements import (
    AMOUNT_FORMAT,
    AMOUNT_SCALE,
    BALANCE_MISMATCH,
    CURRENCY_FORMAT,
    DATE_FORMAT,
    FIELD_MISSING,
    FIELD_VALUE,
    FILE_ENCODING,
    FILE_FORMAT,
    FILE_NOT_FOUND,
    FILE_SIZE,
    IBAN_CHECKSUM,
    NO_STATEMENTS,
    Balance,
    ProblemCollector,
    Progress,
    Statement,
    StatementEntry,
    StatementFile,
    StatementFileError,
    format_minor,
    minor_units,
)
from bank_plugins.iso20022.camt import (
    UniqueIds,
    account_aliases,
    check_statement_balances,
    iban_problem,
    looks_like_iban,
    stable_entry_id,
)

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
_TAG = re.compile(r"^:(\d{2}[A-Z]?|NS):", re.ASCII)
_ENVELOPE = re.compile(r"\{[1-5]:[^{}]*\}?")
_BALANCE = re.compile(r"(?P<mark>[CD])(?P<date>\d{6})(?P<ccy>[A-Z]{3})(?P<amount>[0-9,.]+)\s*$", re.ASCII)
_LINE61 = re.compile(
    r"(?P<value>\d{6})(?P<entry>\d{4})?(?P<mark>RC|RD|EC|ED|C|D)(?P<funds>[A-Z])?\n?(?P<amount>[0-9][0-9,.]*)"
    r"(?P<type>[A-Z][A-Z0-9 ]{3})(?P<ref>(?:(?!//)[^\n])*)(?://(?P<bank_ref>[^\n]*))?(?:\n(?P<extra>.*))?\Z",
    re.ASCII | re.DOTALL)
_FLOOR = re.compile(r"(?P<ccy>[A-Z]{3})(?P<mark>[CD])?(?P<amount>[0-9,]+)$", re.ASCII)
_SUMS = re.compile(r"(?P<count>\d{1,5})(?P<ccy>[A-Z]{3})(?P<amount>[0-9,]+)$", re.ASCII)
_GVC = re.compile(r"^(\d{3})\?", re.ASCII)
_GVC_SUB = re.compile(r"\?(\d{2})")
_SEPA_KEYS = ("EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "SVWZ+", "ABWA+", "ABWE+", "COAM+", "OAMT+", "IBAN+",
              "BIC+")
_SLASH_KEYS = ("EREF", "CNTP", "REMI", "RTRN", "ORDP", "BENM", "NAME", "ADDR", "PREF", "MARF", "CSID", "BUSP",
               "PURP", "ISDT", "TRCD", "USTD", "STRD", "ULTC", "ULTD", "IBAN", "BIC", "ACCW", "EXCH", "CHGS",
               "FX", "TRTP")
_NOT_PROVIDED = {"", "NONREF", "NOTPROVIDED", "NOT PROVIDED"}
BALANCE_CODES = {"60F": "OPBD", "60M": "OPBD", "62F": "CLBD", "62M": "CLBD", "64": "CLAV", "65": "FWAV"}


# -- decoding and fields --------------------------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): strict UTF-8 (BOM removed), else strict GB18030; else FILE_ENCODING."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as exc:
            raise StatementFileError(
                FILE_ENCODING, f"the file is neither UTF-8 (bad byte 0x{data[utf8_error.start]:02x} at offset "
                f"{utf8_error.start}) nor GB18030 (bad byte 0x{data[exc.start]:02x} at offset {exc.start}); ask "
                "the bank for a UTF-8 or GB18030 file") from None


@dataclass
class _Field:
    tag: str
    value: str
    line: int


_MESSAGE_TYPE = re.compile(r"^:?9[04][0-9]:?\s*$|^9[04][0-9] \d\d\s*$", re.ASCII)


def split_fields(text: str) -> list[_Field]:
    """The ``:TAG:value`` fields in order (continuation lines joined with ``\\n``); SWIFT envelopes, message-type
    lines (``:940:``), control characters and bank header lines between messages are dropped. A ``-`` line ends
    a message, except inside a ``:86:``/``:61:`` text that goes on after it (ING writes such dashes)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[_Field] = []
    ended = True
    for number, raw in enumerate(lines, 1):
        line = raw.translate(_CONTROLS)
        if line.startswith("{"):
            line = _ENVELOPE.sub("", line)
            line = line[3:] if line.startswith("{4:") else line
            if not line.strip():
                continue
        if line.rstrip() == "-" or line.startswith("-}") or _MESSAGE_TYPE.match(line):
            follows = next((ln for ln in lines[number:] if ln.strip()), "")
            if (line.rstrip() == "-" and out and not ended and out[-1].tag in ("86", "61")
                    and follows and not _TAG.match(follows) and not follows.startswith(("{", "-"))):
                out[-1].value += "\n" + line     # a dash inside the text
                continue
            if out and not ended:
                out.append(_Field("-", "", number))
            ended = True
            continue
        m = _TAG.match(line)
        if m is not None:
            out.append(_Field(m.group(1), line[m.end():], number))
            ended = False
        elif out and not ended:
            out[-1].value += "\n" + line
    return out


_CONTROLS = {c: None for c in range(32) if c not in (9, 10)}


# -- the reader -----------------------------------------------------------------------------------------------------

def _year(yy: str) -> int:
    n = int(yy)
    return 2000 + n if n < 80 else 1900 + n


class _Reader:
    def __init__(self, problems: ProblemCollector, progress: Progress | None):
        self.p = problems
        self.progress = progress
        self.statements: list[Statement] = []
        self.ids = UniqueIds()
        self.count = 0
        self.mt942 = False

    # -- values ---------------------------------------------------------------------------------------------
    def amount(self, text: str, ccy: str, where: str) -> int | None:
        text = text.strip()
        whole, _comma, frac = text.partition(",")
        if "." in text:
            self.p.error(AMOUNT_FORMAT, f"the amount {text!r} contains a '.'; MT940 amounts use a decimal comma "
                         "(1234,56) and no digit grouping", where)
            return None
        try:
            return minor_units(whole or "0", frac, ccy)
        except OverflowError as exc:
            self.p.error(AMOUNT_SCALE, f"the amount {text!r} has more decimals than {ccy} allows ({exc}); it is "
                         "never rounded", where)
        except ValueError as exc:
            self.p.error(AMOUNT_FORMAT, f"the amount {text!r} is not a plain number: {exc}", where)
        return None

    def yymmdd(self, text: str, where: str, *, report: bool = True) -> date | None:
        try:
            return date(_year(text[:2]), int(text[2:4]), int(text[4:6]))
        except ValueError:
            if report:
                self.p.error(DATE_FORMAT, f"{text[:6]!r} is not a calendar date (YYMMDD)", where)
            return None

    def balance(self, f: _Field, where: str) -> Balance | None:
        m = _BALANCE.match(f.value.strip())
        if m is None:
            self.p.error(FIELD_VALUE, f"the balance {f.value.strip()!r} is not D/C mark + YYMMDD + currency + "
                         "amount", where)
            return None
        ccy = m.group("ccy")
        amount = self.amount(m.group("amount"), ccy, where)
        on = self.yymmdd(m.group("date"), where)
        if amount is None:
            return None
        return Balance(BALANCE_CODES[f.tag], -amount if m.group("mark") == "D" else amount, ccy, on)

    # -- statements -----------------------------------------------------------------------------------------
    def statement(self, fields: list[_Field], index: int) -> None:
        first = fields[0]
        ref = first.value.strip() if first.tag == "20" else ""
        label = f"statement {index}" + (f" (:20: {ref})" if ref else "")
        account = ""
        sequence = ""
        balances: list[Balance] = []
        floor_ccy = ""
        sums: dict[str, tuple[int, int, str]] = {}
        entries: list[tuple[_Field, list[_Field]]] = []
        info_after: list[_Field] = []
        for f in fields:
            where = f"{label} :{f.tag}: line {f.line}"
            tag = f.tag
            if tag == "25":
                account = f.value.strip()
            elif tag in ("28", "28C"):
                sequence = f.value.replace("\n", "").strip()
            elif tag in BALANCE_CODES:
                bal = self.balance(f, where)
                if bal is not None:
                    balances.append(bal)
            elif tag == "61":
                entries.append((f, []))
            elif tag == "86":
                if entries and not any(b for b in balances if b.code in ("CLBD", "CLAV", "FWAV")):
                    entries[-1][1].append(f)
                else:
                    info_after.append(f)
            elif tag == "34F":
                self.mt942 = True
                m = _FLOOR.match(f.value.strip())
                if m is None:
                    self.p.warning(FIELD_VALUE, f"the floor limit {f.value.strip()!r} is not currency + [D/C] + "
                                   "amount", where)
                else:
                    floor_ccy = m.group("ccy")
            elif tag in ("90D", "90C"):
                self.mt942 = True
                m = _SUMS.match(f.value.strip())
                if m is None:
                    self.p.error(FIELD_VALUE, f"{f.value.strip()!r} is not count + currency + amount", where)
                else:
                    total = self.amount(m.group("amount"), m.group("ccy"), where)
                    if total is not None:
                        sums[tag] = (int(m.group("count")), total, m.group("ccy"))
            elif tag == "13D":
                self.mt942 = True
        currency = next((b.currency for b in balances), "") or floor_ccy or next((s[2] for s in sums.values()), "")
        where0 = f"{label} :25:"
        if not account:
            self.p.error(FIELD_MISSING, "the statement has no :25: account identification", where0)
        if not currency:
            self.p.error(CURRENCY_FORMAT, "the statement gives no currency (no :60F: balance, no :34F: floor limit)",
                         f"{label} :60F:")
            return
        account = self._account(account, currency, where0)
        out: list[StatementEntry] = []
        for line61, infos in entries:
            entry = self.entry(line61, infos, currency, account, f"{label} :61: line {line61.line}")
            if entry is not None:
                out.append(entry)
                self.count += 1
                if self.progress is not None and self.count % 1000 == 0:
                    self.progress(self.count)
        st = Statement(statement_id=ref, account=account, currency=currency, entries=tuple(out),
                       balances=tuple(balances), account_aliases=account_aliases(account) if account else (),
                       period_from=next((b.on for b in balances if b.code == "OPBD"), None),
                       period_to=next((b.on for b in balances if b.code == "CLBD"), None),
                       sequence=sequence, kind="MT942" if self.mt942 else "MT940", index=index)
        if len(out) == len(entries):   # an entry with an error was left out: no balance check on a partial list
            check_statement_balances(st, self.p, label)
            self._check_sums(st, sums, label)
        self.statements.append(st)

    def _account(self, account: str, currency: str, where: str) -> str:
        text = account.replace("\n", "").strip()
        if text.endswith(currency) and len(text) > 3:
            text = text[:-3].rstrip()
        compact = text.replace(" ", "").upper()
        if looks_like_iban(compact):
            problem = iban_problem(compact)
            if problem:
                self.p.warning(IBAN_CHECKSUM, f"the account IBAN {compact} is not valid ({problem}); imported "
                               "anyway", where)
            return compact
        return text

    def _check_sums(self, st: Statement, sums: dict[str, tuple[int, int, str]], label: str) -> None:
        for tag, credit in (("90D", False), ("90C", True)):
            if tag not in sums:
                continue
            count, total, _ccy = sums[tag]
            mine = [e for e in st.entries if (e.amount_minor > 0) == credit and e.amount_minor != 0]
            got = sum(abs(e.amount_minor) for e in mine)
            if (count, total) != (len(mine), got):
                kind = "credit" if credit else "debit"
                self.p.error(BALANCE_MISMATCH, f"{label}: :{tag}: announces {count} {kind} entries totalling "
                             f"{format_minor(total, st.currency)} {st.currency}, the statement has {len(mine)} "
                             f"totalling {format_minor(got, st.currency)}", f"{label} :{tag}:")

    def entry(self, f: _Field, infos: list[_Field], currency: str, account: str, where: str
              ) -> StatementEntry | None:
        m = _LINE61.match(f.value)
        if m is None:
            self.p.error(FIELD_VALUE, f"the statement line {f.value.splitlines()[0]!r} is not value date + [entry "
                         "date] + D/C/RD/RC mark + amount + type", where)
            return None
        mark = m.group("mark")
        amount = self.amount(m.group("amount"), currency, where)
        value = self.yymmdd(m.group("value"), where, report=False)
        booking = value
        entry_text = m.group("entry")
        if entry_text:
            booking = self._entry_date(m.group("value"), entry_text, value, where)
        if value is None:
            if booking is None:
                self.p.error(DATE_FORMAT, f"the value date {m.group('value')!r} is not a calendar date and there is "
                             "no valid entry date", where)
                return None
            self.p.warning(DATE_FORMAT, f"the value date {m.group('value')!r} is not a calendar date; the entry "
                           f"date {booking.isoformat()} is used", where)
        if amount is None or booking is None:
            return None
        reversal = mark in ("RC", "RD")
        credit = mark in ("C", "RD", "EC")
        signed = amount if credit else -amount
        info = self._info(infos)
        type_code = (m.group("type") or "").strip()
        gvc = info.get("gvc", "")
        bank_ref = (m.group("bank_ref") or "").strip()
        cust_ref = (m.group("ref") or "").strip()
        ref = bank_ref if bank_ref.upper() not in _NOT_PROVIDED else ""
        content = (account, currency, f.value, " ".join(i.value for i in infos))
        entry_id = self.ids(stable_entry_id(ref, booking, signed, reversal) if ref else
                            stable_entry_id("", booking, signed, reversal, *content))
        return StatementEntry(
            entry_id=entry_id, booking_date=booking, amount_minor=signed, currency=currency, credit=credit,
            value_date=value, reversal=reversal, status="BOOK",
            bank_code="/".join(p for p in (type_code, gvc) if p), counterparty_name=info.get("name", ""),
            counterparty_account=info.get("account", ""), end_to_end_id=info.get("e2e", ""),
            account_servicer_ref=bank_ref if ref else "",
            entry_ref=cust_ref if cust_ref.upper() not in _NOT_PROVIDED else "",
            remittance=info.get("remittance", ""), creditor_reference=info.get("creditor_reference", ""),
            return_reason=info.get("return_reason", ""),
            additional_info=info.get("text", "") or (m.group("extra") or "").strip(), source=where)

    def _entry_date(self, value_text: str, mmdd: str, value: date | None, where: str) -> date | None:
        year = _year(value_text[:2])
        month = int(mmdd[:2])
        if value is not None:
            if value.month == 12 and month == 1:
                year += 1
            elif value.month == 1 and month == 12:
                year -= 1
        try:
            return date(year, month, int(mmdd[2:]))
        except ValueError:
            if value is not None:
                self.p.warning(DATE_FORMAT, f"the entry date {mmdd!r} is not a calendar date; the value date is used",
                               where)
            return value

    # -- :86: ------------------------------------------------------------------------------------------------
    def _info(self, infos: list[_Field]) -> dict[str, str]:
        if not infos:
            return {}
        raw = "\n".join(i.value for i in infos)
        joined = raw.replace("\n", "")
        if _GVC.match(joined):
            return _gvc(joined)
        if joined.lstrip().startswith("/") and any(f"/{k}/" in joined for k in _SLASH_KEYS):
            return _slashed(joined.strip())
        text = " ".join(part.strip() for part in raw.split("\n") if part.strip())
        return {"text": text, "remittance": text}


def _gvc(text: str) -> dict[str, str]:
    """German structured :86: — ``GVC?00posting text?10primanota?20..29 purpose?30 bank?31 account?32..33 name
    ?34 return code?60..63 purpose``; SEPA keywords inside the purpose."""
    out: dict[str, str] = {"gvc": text[:3]}
    parts: dict[str, list[str]] = {}
    pieces = _GVC_SUB.split(text[3:])
    for key, value in zip(pieces[1::2], pieces[2::2], strict=False):
        parts.setdefault(key, []).append(value)
    purpose = "".join("".join(parts.get(str(k), [])) for k in list(range(20, 30)) + list(range(60, 64)))
    out["name"] = " ".join(x.strip() for x in parts.get("32", []) + parts.get("33", []) if x.strip())
    out["account"] = "".join(parts.get("31", [])).strip()
    out["text"] = " ".join(x.strip() for x in parts.get("00", []) if x.strip())
    code = "".join(parts.get("34", [])).strip()
    sepa = _sepa_fields(purpose)
    out["e2e"] = sepa.get("EREF+", "")
    if out["e2e"].upper() in _NOT_PROVIDED:
        out["e2e"] = ""
    out["remittance"] = sepa.get("SVWZ+", "") if sepa else purpose.strip()
    if not out["remittance"]:
        out["remittance"] = purpose.strip()
    if code and code != "000" and ("RETOUR" in out["text"].upper() or "RUECK" in out["text"].upper()):
        out["return_reason"] = code
    return out


def _sepa_fields(purpose: str) -> dict[str, str]:
    positions = sorted((purpose.find(k), k) for k in _SEPA_KEYS if purpose.find(k) >= 0)
    out: dict[str, str] = {}
    for i, (start, key) in enumerate(positions):
        end = positions[i + 1][0] if i + 1 < len(positions) else len(purpose)
        out.setdefault(key, purpose[start + len(key):end].strip())
    return out


def _slashed(text: str) -> dict[str, str]:
    """Dutch / SWIFT-style ``/EREF/…//CNTP/IBAN/BIC/NAME/CITY/REMI/USTD//text/``."""
    tokens = text.split("/")
    values: dict[str, list[str]] = {}
    key = None
    for token in tokens[1:]:
        if token in _SLASH_KEYS:
            key = token
            values.setdefault(key, [])
        elif key is not None:
            values[key].append(token)
    out: dict[str, str] = {"text": text}
    eref = "/".join(values.get("EREF", [])).strip("/ ")
    out["e2e"] = "" if eref.upper() in _NOT_PROVIDED else eref
    cntp = values.get("CNTP") or values.get("ORDP") or values.get("BENM") or []
    if cntp:
        out["account"] = cntp[0].strip()
        if len(cntp) > 2:
            out["name"] = cntp[2].strip()
    if not out.get("name") and values.get("NAME"):
        out["name"] = "/".join(values["NAME"]).strip("/ ")
    remi = [v for v in values.get("REMI", []) + values.get("USTD", []) + values.get("STRD", []) if v.strip()]
    out["remittance"] = " ".join(v.strip() for v in remi)
    if values.get("RTRN"):
        out["return_reason"] = next((v.strip() for v in values["RTRN"] if v.strip()), "")
    return out


# -- entry points ---------------------------------------------------------------------------------------------------

def _read_text(text: str, encoding: str, progress: Progress | None) -> StatementFile:
    problems = ProblemCollector()
    if encoding != "utf-8":
        problems.warning(FILE_ENCODING, f"the file is not UTF-8; it was read as {encoding.upper()}")
    fields = split_fields(text)
    if not any(f.tag == "20" for f in fields):
        tags = sorted({f":{f.tag}:" for f in fields if f.tag != "-"})
        if tags:
            raise StatementFileError(FILE_FORMAT, "the file has MT940 fields (" + ", ".join(tags[:6]) + ") but no "
                                     ":20: transaction reference: it is not a complete MT940/MT942 statement (a "
                                     "fragment?)")
        raise StatementFileError(FILE_FORMAT, "the file contains no MT940/MT942 fields (:20:, :25:, :61: ...)")
    reader = _Reader(problems, progress)
    groups: list[list[_Field]] = []
    orphans = 0
    for f in fields:
        if f.tag == "20":
            groups.append([f])
        elif f.tag == "-":
            if groups and groups[-1][-1].tag != "-":
                groups[-1].append(f)
        elif groups and groups[-1][-1].tag != "-":
            groups[-1].append(f)
        else:
            orphans += 1
            if f.tag in ("61", "86", "60F", "62F"):
                problems.error(FIELD_VALUE, f"a :{f.tag}: field outside any statement (no :20: before it)",
                               f"line {f.line}")
    for index, group in enumerate(groups, 1):
        reader.statement([f for f in group if f.tag != "-"], index)
    if not reader.statements:
        problems.error(NO_STATEMENTS, "no statement could be read", None)
    if progress is not None:
        progress(reader.count)
    kind = "MT942" if reader.mt942 else "MT940"
    if reader.mt942:
        problems.warning(FIELD_VALUE, "an MT942 is an interim report: its entries are imported as booked; the "
                         "end-of-day MT940 repeats them and they are not stored twice")
    return StatementFile(format=kind, statements=tuple(reader.statements), problems=problems.problems(),
                         message_id=reader.statements[0].statement_id if reader.statements else "", encoding=encoding)


def read_mt940_bytes(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, progress: Progress | None = None
                     ) -> StatementFile:
    if len(data) > max_bytes:
        raise StatementFileError(FILE_SIZE, f"the file is {len(data):,} bytes, more than the limit of {max_bytes:,}")
    if not data.strip():
        raise StatementFileError(FILE_FORMAT, "the file is empty")
    text, encoding = decode(bytes(data))
    return _read_text(text, encoding, progress)


def read_mt940(path: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES, progress: Progress | None = None
               ) -> StatementFile:
    path = Path(path)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise StatementFileError(FILE_NOT_FOUND, f"cannot read {path}: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise StatementFileError(FILE_SIZE, f"the file is {size:,} bytes, more than the limit of {max_bytes:,}")
    return read_mt940_bytes(path.read_bytes(), max_bytes=max_bytes, progress=progress)


_SNIFF = re.compile(rb"^(?:\{1:|:20:|:25:|:28C?:|:60[FM]:|:61:|:86:|:940:)", re.MULTILINE)


def sniff(head: bytes) -> bool:
    """True when the first bytes look like MT940/MT942 (a SWIFT block or a ``:NN:`` field at a line start)."""
    stripped = head.lstrip(b"\xef\xbb\xbf \r\n\t")
    if stripped.startswith(b"<"):
        return False
    return bool(_SNIFF.search(head[:8192]))


class Mt940Reader:
    """The :class:`~app.ports.statements.StatementReader` for MT940/MT942 files."""

    name = "mt940"

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_bytes = max_bytes

    def sniff(self, head: bytes) -> bool:
        return sniff(head)

    def read(self, path: Path, *, progress: Progress | None = None) -> StatementFile:
        return read_mt940(path, max_bytes=self.max_bytes, progress=progress)
