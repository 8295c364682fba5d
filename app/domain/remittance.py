"""Structured remittance information of a supplier payment: the invoices it pays and the supplier's reference.

A :class:`Remittance` holds the referred documents (invoice number and, optionally, its date) and a remittance
reference (汇款附言). It is parsed from the optional columns of a supplier file (发票号 / invoice_number,
发票日期 / invoice_date, 汇款附言 / remittance_ref), stored with the payment as canonical JSON, and carried to the
wire: ISO 20022 writes ``RmtInf/Strd`` (``RfrdDocInf`` with ``Tp/CdOrPrtry/Cd`` CINV, ``Nb``, ``RltdDt``;
``CdtrRefInf/Ref``), dialects with only a purpose field (CMB NUSAGE) get :func:`compact_purpose`.

Codes: REMITTANCE_FORMAT (an invoice number with characters outside ``A-Z a-z 0-9 - / _ .``, a date without an
invoice), REMITTANCE_DATE (not a date, not a real day, in the future, before 2000), REMITTANCE_LENGTH (a number
or reference longer than 35 characters — ISO 20022 Max35Text —, more than :data:`MAX_DOCUMENTS` invoices) and the
text codes of :func:`app.domain.text.check_text` for the reference. Pure: no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from app.domain.errors import Problem
from app.domain.text import check_text, normalize_text

REMITTANCE_FORMAT = "REMITTANCE_FORMAT"
REMITTANCE_DATE = "REMITTANCE_DATE"
REMITTANCE_LENGTH = "REMITTANCE_LENGTH"

MAX_DOCUMENTS = 20
NUMBER_MAX_CHARS = 35        # RfrdDocInf/Nb is Max35Text
REFERENCE_MAX_CHARS = 35     # CdtrRefInf/Ref is Max35Text
EARLIEST_YEAR = 2000
DOCUMENT_TYPE_INVOICE = "CINV"   # ISO 20022 DocumentType6Code: commercial invoice

# Several invoice numbers (or dates) in one cell: separated by ; , 、 (half or full width) or spaces.
_SEPARATORS = re.compile(r"[;；,，、\s]+")
_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/_.]*", re.ASCII)
_NUMBER_BAD = re.compile(r"[^A-Za-z0-9\-/_.]", re.ASCII)
_DATE_FORMATS = (
    (re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII), "YYYY-MM-DD"),
    (re.compile(r"([0-9]{4})/([0-9]{2})/([0-9]{2})", re.ASCII), "YYYY/MM/DD"),
    (re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})", re.ASCII), "YYYYMMDD"),
)


@dataclass(frozen=True, slots=True)
class ReferredDocument:
    """One invoice paid by the payment."""

    number: str
    issued: date | None = None


@dataclass(frozen=True, slots=True)
class Remittance:
    """What the payment pays (empty: nothing structured; every payment that is not a supplier line)."""

    documents: tuple[ReferredDocument, ...] = ()
    reference: str = ""

    def __bool__(self) -> bool:
        return bool(self.documents or self.reference)

    @property
    def invoice_numbers(self) -> tuple[str, ...]:
        return tuple(d.number for d in self.documents)

    def to_json(self) -> str:
        """Canonical JSON (keys sorted, no spaces): what is stored with the payment."""
        data: dict = {}
        if self.documents:
            data["documents"] = [[d.number, d.issued.isoformat() if d.issued else None] for d in self.documents]
        if self.reference:
            data["reference"] = self.reference
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> Remittance:
        """The stored form back; an empty or NULL value is the empty remittance. ValueError on anything else."""
        if not text:
            return EMPTY_REMITTANCE
        data = json.loads(text)
        if not isinstance(data, dict) or set(data) - {"documents", "reference"}:
            raise ValueError(f"not a stored remittance: {text[:80]!r}")
        documents = []
        for item in data.get("documents") or []:
            number, issued = item
            documents.append(ReferredDocument(str(number), date.fromisoformat(issued) if issued else None))
        return cls(tuple(documents), str(data.get("reference") or ""))

    def describe(self) -> str:
        """For people (preview, batch lines): 发票 12345678 (2026-11-02), 12345679 · 附言 PO-778."""
        parts = []
        if self.documents:
            parts.append("发票 " + ", ".join(d.number + (f" ({d.issued.isoformat()})" if d.issued else "")
                                              for d in self.documents))
        if self.reference:
            parts.append(f"附言 {self.reference}")
        return " · ".join(parts)


EMPTY_REMITTANCE = Remittance()


def split_cell(text: str) -> list[str]:
    return [part for part in _SEPARATORS.split(normalize_text(text)) if part]


def parse_date(text: str, field: str, today: date | None = None) -> tuple[date | None, list[Problem]]:
    """A date written YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD: a real day, not before 2000, not after ``today``."""
    for pattern, _label in _DATE_FORMATS:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        try:
            value = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None, [Problem(REMITTANCE_DATE, f"{text!r} is not a real day of the calendar", field)]
        if value.year < EARLIEST_YEAR:
            return None, [Problem(REMITTANCE_DATE, f"the invoice date {value.isoformat()} is before "
                                  f"{EARLIEST_YEAR}; check the year", field)]
        if today is not None and value > today:
            return None, [Problem(REMITTANCE_DATE, f"the invoice date {value.isoformat()} is in the future "
                                  f"(today is {today.isoformat()})", field)]
        return value, []
    return None, [Problem(REMITTANCE_DATE, f"{text!r} is not a date; write it as YYYY-MM-DD (e.g. 2026-11-02), "
                          "YYYY/MM/DD or YYYYMMDD", field)]


def date_cell_text(value: object) -> tuple[str, str | None]:
    """An invoice-date cell as text: a spreadsheet date (midnight) becomes YYYY-MM-DD; a date with a time of day
    is refused (reason), other values go through as text."""
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second, value.microsecond) != (0, 0, 0, 0):
            return "", "a date with a time of day"
        return value.date().isoformat(), None
    if isinstance(value, date):
        return value.isoformat(), None
    return ("" if value is None else str(value)), None


def parse_remittance(numbers_text: str, dates_text: str, reference_text: str, *, today: date | None = None,
                     fields: Sequence[str] = ("invoice_number", "invoice_date", "remittance_ref"),
                     encoding: str | None = None) -> tuple[Remittance, list[Problem]]:
    """The three cells of a row → a remittance and every problem at once. One date for all the invoices, or one
    date per invoice in the same order. ``encoding``: the reference must be encodable in it (e.g. GBK)."""
    f_number, f_date, f_reference = fields
    problems: list[Problem] = []
    numbers = split_cell(numbers_text)
    dates_raw = split_cell(dates_text)
    if len(numbers) > MAX_DOCUMENTS:
        problems.append(Problem(REMITTANCE_LENGTH, f"{len(numbers)} invoice numbers in one line; at most "
                                f"{MAX_DOCUMENTS}", f_number))
    for n in numbers:
        if len(n) > NUMBER_MAX_CHARS:
            problems.append(Problem(REMITTANCE_LENGTH, f"the invoice number {n[:40]!r} has {len(n)} characters; at "
                                    f"most {NUMBER_MAX_CHARS}", f_number))
        elif _NUMBER.fullmatch(n) is None:
            bad = _NUMBER_BAD.search(n)
            what = f"{bad.group()!r} (U+{ord(bad.group()):04X})" if bad else "its first character"
            problems.append(Problem(REMITTANCE_FORMAT, f"the invoice number {n!r} contains {what}; an invoice "
                                    "number is letters A-Z, digits and - / _ . (several are separated by ; or ,)",
                                    f_number))
    dates: list[date | None] = []
    for text in dates_raw:
        value, found = parse_date(text, f_date, today)
        problems += found
        dates.append(value)
    if dates_raw and not numbers:
        problems.append(Problem(REMITTANCE_FORMAT, "an invoice date is given without an invoice number", f_date))
    elif len(dates_raw) > 1 and len(dates_raw) != len(numbers):
        problems.append(Problem(REMITTANCE_FORMAT, f"{len(dates_raw)} invoice dates for {len(numbers)} invoice "
                                "numbers: give one date for all of them or one per invoice, in the same order",
                                f_date))
    reference = normalize_text(reference_text)
    if reference:
        problems += check_text(reference, f_reference, required=False, encoding=encoding)
        if len(reference) > REFERENCE_MAX_CHARS:
            problems.append(Problem(REMITTANCE_LENGTH, f"the remittance reference has {len(reference)} characters; "
                                    f"at most {REFERENCE_MAX_CHARS}", f_reference))
    if any(p.is_error for p in problems):
        return EMPTY_REMITTANCE, problems
    if len(dates) == 1:
        dates = dates * len(numbers)
    elif not dates:
        dates = [None] * len(numbers)
    documents = tuple(ReferredDocument(n, d) for n, d in zip(numbers, dates, strict=True))
    return Remittance(documents, reference), problems


def compact_purpose(purpose: str, remittance: Remittance) -> str:
    """The purpose with the remittance appended, for a bank field that carries only text (CMB NUSAGE):
    ``货款 发票12345678,12345679(20261102) 附言PO-778``; invoices of different dates each carry their own.
    The purpose alone when there is no remittance."""
    if not remittance:
        return purpose
    parts = [purpose] if purpose else []
    docs = remittance.documents
    if docs:
        dates = {d.issued for d in docs}
        if len(dates) == 1:
            only = next(iter(dates))
            parts.append("发票" + ",".join(d.number for d in docs) + (f"({only:%Y%m%d})" if only else ""))
        else:
            parts.append("发票" + ",".join(d.number + (f"({d.issued:%Y%m%d})" if d.issued else "") for d in docs))
    if remittance.reference:
        parts.append("附言" + remittance.reference)
    return " ".join(parts)
