"""Batch payment files (代发工资 / 供应商批量付款): import profiles, decoding, column mapping, row validation.

Pure functions over bytes and cell values; the service reads files (CSV, XLSX) and the ledger. Every problem of
every row is returned at once as a :class:`RowProblem` (row number as the user sees it in the file, the column's
header, a stable code and a message). Codes (RELIABILITY.md §2): AMOUNT_*, ACCOUNT_FORMAT / ACCOUNT_LUHN (warning),
BANK_CODE / BANK_CODE_CHECK (warning), TEXT_CHARSET, TEXT_ENCODING, TEXT_LENGTH, TEXT_REQUIRED, DUPLICATE,
FILE_LAYOUT, FILE_ENCODING, FILE_SIZE, PAYEE_NAME_MISMATCH, REMITTANCE_FORMAT / REMITTANCE_DATE / REMITTANCE_LENGTH
(supplier files: the optional columns 发票号 / invoice_number, 发票日期 / invoice_date, 汇款附言 / remittance_ref).

Decoding is strict UTF-8 first (a BOM is allowed), then GB18030 (a superset of GBK); never GBK first, never
with ``errors="replace"``. Text the bank receives must be encodable in GBK (TEXT_ENCODING otherwise) and fit the
bank's field in GBK bytes (TEXT_LENGTH). When the debit account's bank plugin is known, each row is also checked
against that bank's own encoding and field lengths (:class:`app.domain.bank_fields.WireTextRules`: CMB CRTNAM 200
GBK bytes, NUSAGE 62 with the compact remittance, ISO 20022 Nm 140 characters …) — before anything is signed. The
bank's limit then governs the payee name's and the purpose's length (the generic NAME_MAX_BYTES / PURPOSE_MAX_BYTES,
60 GBK bytes, hold only when no bank is known or it declares no such field), so that the import accepts exactly what
the pre-sign check and the bank's plugin accept. What the bank's rules find is marked on the RowProblem
(``source`` = BANK_SOURCE; the bank, its wire field and the limit in ``params``).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from app.domain.bank_codes import BANK_CATEGORIES
from app.domain.bank_fields import WireTextRules
from app.domain.errors import Problem, Severity
from app.domain.identifiers import ACCOUNT_LENGTHS, check_account_number, check_cnaps
from app.domain.money import DEFAULT_MAX_MINOR, check_amount
from app.domain.remittance import (
    EMPTY_REMITTANCE,
    MAX_DOCUMENTS,
    NUMBER_MAX_CHARS,
    REFERENCE_MAX_CHARS,
    ReferredDocument,
    Remittance,
    date_cell_text,
    parse_remittance,
)
from app.domain.text import check_text, normalize_text
from app.domain.validation import BRANCH_NAME_MAX_BYTES, NAME_MAX_BYTES

FILE_LAYOUT = "FILE_LAYOUT"
FILE_ENCODING = "FILE_ENCODING"
FILE_SIZE = "FILE_SIZE"
DUPLICATE = "DUPLICATE"
BANK_CODE = "BANK_CODE"
PAYEE_NAME_MISMATCH = "PAYEE_NAME_MISMATCH"
PROFILE = "PROFILE"

KIND_PAYROLL = "payroll"
KIND_SUPPLIER = "supplier"
KINDS = (KIND_PAYROLL, KIND_SUPPLIER)

BANK_ENCODING = "gbk"
PURPOSE_MAX_BYTES = 60           # as app.domain.payment_request (用途, GBK bytes)
# The payee name and the purpose are held to NAME_MAX_BYTES / PURPOSE_MAX_BYTES only when the debit account's bank is
# not known (or does not say how long the field may be): a known bank's own limit governs them (CMB CRTNAM 200 GBK
# bytes, ISO 20022 Nm 140 characters), within what the ledger stores (payees.name, payment_requests.purpose).
STORED_TEXT_MAX_CHARS = 200
BANK_SOURCE = "bank"             # RowProblem.source of the problems the debit account's bank's own rules gave
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 64

# The fields of a batch line, in file order of the built-in headers.
FIELDS = ("payee_name", "payee_account", "bank_name", "bank_code", "amount", "purpose")
CHINESE_HEADERS = ("收款人名称", "收款账号", "收款行名称", "收款行行号", "金额", "用途")
FIELD_LABELS = dict(zip(FIELDS, CHINESE_HEADERS, strict=True))
# Optional columns of supplier files: structured remittance (the invoices a line pays, the supplier's reference).
REMITTANCE_FIELDS = ("invoice_number", "invoice_date", "remittance_ref")
REMITTANCE_HEADERS: Mapping[str, tuple[str, ...]] = {
    "invoice_number": ("发票号", "发票号码", "invoice_number"),
    "invoice_date": ("发票日期", "invoice_date"),
    "remittance_ref": ("汇款附言", "备注", "remittance_ref"),
}
FIELD_LABELS.update({f: REMITTANCE_HEADERS[f][0] for f in REMITTANCE_FIELDS})
ALL_FIELDS = FIELDS + REMITTANCE_FIELDS


@dataclass(frozen=True)
class ImportProfile:
    """How a file's columns map onto batch fields. ``columns``: field → accepted headers (compared after
    trimming spaces, case-insensitively for ASCII)."""

    name: str
    kind: str                                   # payroll | supplier
    columns: Mapping[str, tuple[str, ...]]
    default_purpose: str = ""
    account_kind: str = "corporate"             # personal (payroll: Luhn as a warning) | corporate
    max_amount_minor: int = DEFAULT_MAX_MINOR
    builtin: bool = False

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "columns": {k: list(v) for k, v in self.columns.items()},
                "default_purpose": self.default_purpose, "account_kind": self.account_kind,
                "max_amount_minor": self.max_amount_minor, "builtin": self.builtin}


_STANDARD_COLUMNS = {f: (FIELD_LABELS[f], f) for f in FIELDS}
_SUPPLIER_COLUMNS = {**_STANDARD_COLUMNS, **REMITTANCE_HEADERS}

BUILTIN_PROFILES = {
    KIND_PAYROLL: ImportProfile(KIND_PAYROLL, KIND_PAYROLL, _STANDARD_COLUMNS, default_purpose="工资",
                                account_kind="personal", builtin=True),
    KIND_SUPPLIER: ImportProfile(KIND_SUPPLIER, KIND_SUPPLIER, _SUPPLIER_COLUMNS, default_purpose="",
                                 account_kind="corporate", builtin=True),
}


def fields_of(kind: str) -> tuple[str, ...]:
    """The fields a profile of this kind maps (supplier files may carry the remittance columns)."""
    return ALL_FIELDS if kind == KIND_SUPPLIER else FIELDS
_PROFILE_NAME = re.compile(r"[A-Za-z0-9_\-\u4e00-\u9fa5]{1,64}")


def profile_from_fields(fields: Mapping[str, object]) -> tuple[ImportProfile | None, list[Problem]]:
    """A user profile from ``name``, ``base`` (payroll|supplier), ``columns`` {field: header or [headers]},
    ``default_purpose``, ``max_amount`` (text). Returns every problem at once."""
    problems: list[Problem] = []
    name = fields.get("name")
    if not isinstance(name, str) or not _PROFILE_NAME.fullmatch(name):
        problems.append(Problem(PROFILE, "a profile name is 1-64 letters, digits, '_', '-' or Chinese characters",
                                "name"))
    elif name in BUILTIN_PROFILES:
        problems.append(Problem(PROFILE, f"{name} is a built-in profile; choose another name", "name"))
    base = BUILTIN_PROFILES.get(str(fields.get("base") or KIND_SUPPLIER))
    if base is None:
        problems.append(Problem(PROFILE, f"the base must be one of {', '.join(KINDS)}", "base"))
        base = BUILTIN_PROFILES[KIND_SUPPLIER]
    columns = {f: tuple(h) for f, h in base.columns.items()}
    raw_columns = fields.get("columns") or {}
    if not isinstance(raw_columns, Mapping):
        problems.append(Problem(PROFILE, "columns must map a field to a header", "columns"))
        raw_columns = {}
    for key, headers in raw_columns.items():
        if key not in fields_of(base.kind):
            problems.append(Problem(PROFILE, f"unknown field {key!r} for a {base.kind} profile; fields are "
                                    f"{', '.join(fields_of(base.kind))}", "columns"))
            continue
        values = [headers] if isinstance(headers, str) else list(headers) if isinstance(headers, list | tuple) else []
        values = [normalize_text(v) for v in values if isinstance(v, str) and normalize_text(v)]
        if not values:
            problems.append(Problem(PROFILE, f"the header for {key} is empty", "columns"))
            continue
        columns[key] = tuple(dict.fromkeys([*values, *columns[key]]))
    seen: dict[str, str] = {}
    for key, headers in columns.items():
        for h in headers:
            other = seen.setdefault(_header_key(h), key)
            if other != key:
                problems.append(Problem(PROFILE, f"the header {h!r} is given for both {other} and {key}", "columns"))
    purpose = fields.get("default_purpose")
    purpose = normalize_text(purpose) if isinstance(purpose, str) else base.default_purpose
    if purpose:
        problems += check_text(purpose, "default_purpose", encoding=BANK_ENCODING, max_bytes=PURPOSE_MAX_BYTES)
    cap = base.max_amount_minor
    if fields.get("max_amount") not in (None, ""):
        money, amount_problems = check_amount(fields.get("max_amount"), field="max_amount")
        problems += amount_problems
        cap = money.amount_minor if money is not None else cap
    if any(p.is_error for p in problems):
        return None, problems
    return ImportProfile(str(name), base.kind, columns, purpose, base.account_kind, cap), problems


# ----------------------------------------------------------------------------------------------- problems
@dataclass(frozen=True)
class RowProblem:
    """One problem, placed in the file. ``row`` is the file's row number (the header is row 1; 0 for the file
    as a whole); ``column`` the header as written in the file (or the column letter/field when there is none)."""

    row: int
    column: str
    code: str
    message: str
    field: str | None = None
    severity: Severity = Severity.ERROR
    source: str = ""                # BANK_SOURCE: found by the debit account's bank's own rules; "" the generic checks
    params: dict = dataclasses.field(default_factory=dict, compare=False, hash=False, repr=False)  # Problem.params

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def is_bank_finding(self) -> bool:
        return self.source == BANK_SOURCE

    def to_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message,
                "field": self.field, "severity": self.severity.value}

    def as_problem(self) -> Problem:
        where = f"row {self.row}, column {self.column}: " if self.row else (
            f"column {self.column}: " if self.column else "")
        return Problem(self.code, where + self.message, self.field, self.severity,
                       params={"row": self.row, "column": self.column})


class FileRefused(Exception):
    """The file as a whole cannot be read (FILE_SIZE, FILE_ENCODING, FILE_LAYOUT)."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__("; ".join(f"{p.code}: {p.message}" for p in problems))
        self.problems = problems


def file_problem(code: str, message: str, row: int = 0, column: str = "") -> RowProblem:
    return RowProblem(row, column, code, message)


# ----------------------------------------------------------------------------------------------- decoding
def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """(text, encoding name). Strict UTF-8 (BOM allowed) first, then GB18030; FILE_ENCODING otherwise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused([file_problem(FILE_ENCODING, "the file is UTF-16; save it as CSV UTF-8 or as GBK/GB18030")])
    if b"\x00" in data[:65536]:
        raise FileRefused([file_problem(FILE_ENCODING, "the file contains NUL bytes: it is not a text (CSV) file")])
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise FileRefused([file_problem(FILE_ENCODING, f"the file starts with a UTF-8 mark but byte "
                                            f"{exc.start + 3} is not UTF-8; save it again as CSV UTF-8")]) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise FileRefused([file_problem(FILE_ENCODING, f"the file is neither UTF-8 nor GBK/GB18030 (byte {exc.start}"
                                        " cannot be decoded); save it as CSV UTF-8 or GBK")]) from None


def _mojibake_of(header: str) -> str | None:
    """The real header when UTF-8 text was read as GBK and saved again (e.g. '鏀舵浜哄悕绉?')."""
    try:
        fixed = header.encode("gb18030").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    return fixed if fixed != header else None


def csv_rows(text: str) -> list[list[str]]:
    """Rows of a CSV text (comma, or tab when the header has tabs and no commas). FILE_LAYOUT when unreadable."""
    return list(iter_csv_rows(text))


def iter_csv_rows(text: str) -> Iterator[list[str]]:
    """The rows of :func:`csv_rows` one by one (a large file is never held as lists of cells); FileRefused
    (FILE_LAYOUT) is raised when the reader reaches the unreadable part."""
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        yield from reader
    except csv.Error as exc:
        raise FileRefused([file_problem(FILE_LAYOUT, f"the CSV cannot be read: {exc}")]) from None


# ----------------------------------------------------------------------------------------------- columns
def _header_key(text: str) -> str:
    return normalize_text(text.replace("\ufeff", "")).lower()


@dataclass(frozen=True)
class ColumnMap:
    positions: Mapping[str, int]          # field → 0-based column index
    headers: Sequence[str]                # as written in the file

    def column_of(self, field_name: str) -> str:
        i = self.positions.get(field_name)
        return self.headers[i] if i is not None else FIELD_LABELS.get(field_name, field_name)


def map_columns(header: Sequence[object], profile: ImportProfile) -> tuple[ColumnMap | None, list[RowProblem]]:
    """Header row → column positions; FILE_LAYOUT (row 1) for missing, duplicated or renamed columns."""
    problems: list[RowProblem] = []
    wanted = {_header_key(h): f for f, hs in profile.columns.items() for h in hs}
    headers = ["" if h is None else str(h) for h in header]
    while headers and not headers[-1].strip():
        headers.pop()
    if len(headers) > MAX_COLUMNS:
        return None, [file_problem(FILE_LAYOUT, f"the header row has {len(headers)} columns; at most {MAX_COLUMNS}",
                                   1)]
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for i, h in enumerate(headers):
        key = _header_key(h)
        f = wanted.get(key)
        if f is None:
            fixed = _mojibake_of(h.strip())
            if fixed is not None and _header_key(fixed) in wanted:
                return None, [file_problem(FILE_ENCODING, f"the header {h!r} is {fixed!r} garbled: the file was UTF-8 "
                                           "that was opened as GBK and saved again; export it again from the source",
                                           1, h)]
            if key:
                unknown.append(h)
            continue
        if f in positions:
            problems.append(file_problem(FILE_LAYOUT, f"the column {h!r} appears twice (also column "
                                         f"{positions[f] + 1}, {headers[positions[f]]!r})", 1, h))
            continue
        positions[f] = i
    required = ["payee_name", "payee_account", "amount"]
    if not profile.default_purpose:
        required.append("purpose")
    missing = [f for f in required if f not in positions]
    if "bank_code" not in positions and "bank_name" not in positions:
        missing.append("bank_code")
    hint = f"; unrecognised column(s): {', '.join(repr(u) for u in unknown)}" if unknown else ""
    for f in missing:
        accepted = " or ".join(repr(h) for h in profile.columns[f])
        problems.append(file_problem(FILE_LAYOUT, f"the column {accepted} is missing (profile {profile.name})"
                                     f"{hint}", 1, FIELD_LABELS[f]))
    if not missing:
        for u in unknown:
            problems.append(RowProblem(1, u, FILE_LAYOUT, f"the column {u!r} is not part of profile {profile.name} "
                                       "and is ignored", None, Severity.WARNING))
    if any(p.is_error for p in problems):
        return None, problems
    return ColumnMap(positions, headers), problems


# -------------------------------------------------------------------------------------------- branch lookup
_COMPANY_WORDS = ("股份有限公司", "有限责任公司", "有限公司")
_BANK_ALIASES: dict[str, str] = {
    **{name: cat for cat, name in BANK_CATEGORIES.items() if cat[0] in "1234"},
    "工商银行": "102", "工行": "102", "农业银行": "103", "农行": "103", "建设银行": "105", "建行": "105",
    "交行": "301", "招行": "308", "浦发银行": "310", "民生银行": "305", "光大银行": "303", "邮储银行": "403",
    "中国邮政储蓄银行": "403", "邮政储蓄银行": "403",
}
_ALIASES_LONGEST_FIRST = sorted(_BANK_ALIASES, key=len, reverse=True)


def _canonical_branch(name: str) -> tuple[str | None, str]:
    """(bank category, branch part) of a branch name, ignoring company words, spaces and bracket widths."""
    text = normalize_text(name).replace(" ", "").replace("（", "(").replace("）", ")")
    for word in _COMPANY_WORDS:
        text = text.replace(word, "")
    for alias in _ALIASES_LONGEST_FIRST:
        if text.startswith(alias):
            return _BANK_ALIASES[alias], text[len(alias):]
    return None, text


@dataclass(frozen=True)
class Branch:
    code: str
    name: str
    bank: str = ""
    city: str = ""
    is_head_office: bool = False


@dataclass(frozen=True)
class BranchMatch:
    branch: Branch | None
    problem: str | None = None           # why nothing was chosen
    candidates: tuple[Branch, ...] = ()


class BranchDirectory:
    """CNAPS codes by branch name (the shipped derived table, or a full list installed with ``bankdirect cnaps
    import``). ``source`` says which, for messages."""

    def __init__(self, branches: Iterable[Branch], source: str = "shipped"):
        self._by_key: dict[tuple[str | None, str], dict[str, Branch]] = {}
        self._heads: dict[str, Branch] = {}
        self.size = 0
        self.source = source
        for b in branches:
            self.size += 1
            if b.is_head_office:
                self._heads[b.code[:3]] = b
                continue
            self._by_key.setdefault(_canonical_branch(b.name), {})[b.code] = b

    def search(self, name: str, limit: int = 20) -> list[Branch]:
        """Candidates for a name typed by a person: the exact (canonical) match first, then branches of the same
        bank whose name contains the given branch part (all banks when the name gives none)."""
        cat, rest = _canonical_branch(name)
        exact = list(self._by_key.get((cat, rest), {}).values())
        if not rest:
            head = self._heads.get(cat or "")
            return [head] if head is not None else []
        out = exact[:limit]
        seen = {b.code + b.name for b in out}
        for (c, part), found in self._by_key.items():
            if len(out) >= limit:
                break
            if (cat is None or c == cat) and rest in part and part != rest:
                for b in found.values():
                    if b.code + b.name not in seen and len(out) < limit:
                        seen.add(b.code + b.name)
                        out.append(b)
        return out

    def lookup(self, name: str) -> BranchMatch:
        cat, rest = _canonical_branch(name)
        if not rest and cat is not None:
            return BranchMatch(None, f"{name!r} names a bank, not a branch; give the branch (开户支行) or the "
                               "12-digit bank code (联行号)")
        found = self._by_key.get((cat, rest))
        if not found:
            return BranchMatch(None, f"no branch named {name!r} in the bank-code table; give the 12-digit bank code "
                               "(联行号)")
        if len(found) > 1:
            candidates = tuple(sorted(found.values(), key=lambda b: b.code))
            listed = "; ".join(f"{b.code} {b.name}" + (f" ({b.city})" if b.city else "") for b in candidates[:10])
            more = f"; and {len(candidates) - 10} more" if len(candidates) > 10 else ""
            return BranchMatch(None, f"{name!r} matches {len(found)} branches with different codes: {listed}{more}; "
                               "give the 12-digit bank code of the right one", candidates)
        return BranchMatch(next(iter(found.values())))


CNAPS_CSV_COLUMNS = ("LName", "BankCode", "BankName", "BankId", "CityCode", "CityName", "ProvinceName",
                     "ProvinceCode")
CNAPS_ROW = "CNAPS_ROW"
_CITY_CODE = re.compile(r"[0-9]{4}", re.ASCII)


@dataclass
class BranchList:
    """A checked branch list (``bankdirect cnaps import``): the branches of the valid rows, every problem of every
    row (line number as in the file, the header is line 1) and how many rows were read."""

    branches: list[Branch] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0

    @property
    def errors(self) -> list[RowProblem]:
        return [p for p in self.problems if p.is_error]

    @property
    def bad_rows(self) -> list[int]:
        return sorted({p.row for p in self.errors if p.row > 1})


def _strict_cnaps(code: str, column: str, row: int) -> list[RowProblem]:
    """12 ASCII digits, a known bank category and the right check digit (an error here: a full list from the
    clearing system has no reason to hold a code that fails it)."""
    out = []
    for p in check_cnaps(code, column):
        out.append(RowProblem(row, column, CNAPS_ROW if p.code == "BANK_CODE_CHECK" else p.code, p.message, column))
    return out


def parse_cnaps_csv(text: str, *, max_rows: int = 1_000_000) -> BranchList:
    """A branch list in the gweesin/CNAPS column layout (LName, BankCode, BankName, BankId, CityCode, CityName,
    ProvinceName, ProvinceCode; columns in any order, others ignored). Every row is checked: LName is GBK text of
    at most BRANCH_NAME_MAX_BYTES bytes; BankCode and BankId (when given) are CNAPS codes with a valid check digit;
    CityCode (when given) is 4 digits and matches digits 4-7 of BankCode. A row naming only the bank (LName equal
    to BankName) is its head office. The same (code, name) twice is kept once."""
    out = BranchList()
    rows = iter_csv_rows(text)
    header = next(rows, None)
    if header is None:
        out.problems.append(file_problem(FILE_SIZE, "the file is empty"))
        return out
    keys = [_header_key(h) for h in header]
    wanted = {c.lower(): c for c in CNAPS_CSV_COLUMNS}
    at: dict[str, int] = {}
    for i, k in enumerate(keys):
        if k in wanted and wanted[k] not in at:
            at[wanted[k]] = i
    missing = [c for c in ("LName", "BankCode") if c not in at]
    if missing:
        out.problems.append(file_problem(FILE_LAYOUT, f"the header lacks {', '.join(missing)}; a CNAPS list has the "
                                         f"columns {','.join(CNAPS_CSV_COLUMNS)}", 1, ", ".join(missing)))
        return out
    seen: set[tuple[str, str]] = set()
    for line, cells in enumerate(rows, start=2):
        if _is_blank(cells):
            continue
        out.rows += 1
        if out.rows > max_rows:
            out.problems.append(file_problem(FILE_SIZE, f"the list has more than {max_rows} rows"))
            break

        values = {c: normalize_text(cells[i]) if i < len(cells) else "" for c, i in at.items()}
        name, code, bank, bank_id = (values.get(c, "") for c in ("LName", "BankCode", "BankName", "BankId"))
        city_code, city = values.get("CityCode", ""), values.get("CityName", "")
        problems = [RowProblem(line, "LName", p.code, p.message, "LName", p.severity)
                    for p in check_text(name, "LName", encoding=BANK_ENCODING, max_bytes=BRANCH_NAME_MAX_BYTES)]
        problems += _strict_cnaps(code, "BankCode", line)
        if bank_id:
            problems += _strict_cnaps(bank_id, "BankId", line)
        if city_code:
            if not _CITY_CODE.fullmatch(city_code):
                problems.append(RowProblem(line, "CityCode", CNAPS_ROW, f"the city code {city_code!r} is not 4 digits",
                                           "CityCode"))
            elif len(code) == 12 and code[3:7] != city_code:
                problems.append(RowProblem(line, "CityCode", CNAPS_ROW, f"the city code {city_code} does not match "
                                           f"digits 4-7 of the bank code {code} ({code[3:7]})", "CityCode"))
        out.problems += problems
        if any(p.is_error for p in problems) or (code, name) in seen:
            continue
        seen.add((code, name))
        cat, rest = _canonical_branch(name)
        head = (cat is not None and not rest) or (bool(bank) and name == bank)
        out.branches.append(Branch(code, name, bank or BANK_CATEGORIES.get(code[:3], ""), city, head))
    if out.rows == 0 and not out.problems:
        out.problems.append(file_problem(FILE_SIZE, "the list has a header but no rows"))
    return out


def format_branch_table(branches: Iterable[Branch], comments: Sequence[str] = ()) -> str:
    """The TSV :func:`parse_branch_table` reads (tabs and line breaks never occur in checked names)."""
    lines = [f"# {c}" for c in comments]
    lines.append("# code\tname\tbank\tcity\tkind")
    for b in branches:
        lines.append("\t".join((b.code, b.name, b.bank, b.city, "head" if b.is_head_office else "branch")))
    return "\n".join(lines) + "\n"


def parse_branch_table(text: str) -> list[Branch]:
    """The shipped TSV (``code<TAB>name<TAB>bank<TAB>city<TAB>kind``; ``#`` comments)."""
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, name, bank, city, kind = (line.split("\t") + [""] * 5)[:5]
        out.append(Branch(code, name, bank, city, kind == "head"))
    return out


# ---------------------------------------------------------------------------------------------- rows
@dataclass(frozen=True, slots=True)
class BatchLine:
    """A valid (or partly valid) row, normalised: what the payment and payee will carry."""

    row: int
    payee_name: str
    payee_account: str
    bank_name: str          # the bank (category) name, e.g. 中国工商银行
    branch_name: str        # the 收款行名称 as given (the branch)
    bank_code: str
    amount_minor: int
    purpose: str
    resolved_branch: str = ""    # the branch chosen by name when the code column was empty
    remittance: Remittance = EMPTY_REMITTANCE    # supplier lines: the invoices paid, the remittance reference


def branch_confirmation_token(lines: Iterable[BatchLine]) -> str:
    """A short digest of the bank codes chosen by branch name (row, code, official branch name): what the user
    confirms. Importing with the token of the preview the user saw proves they confirmed exactly that list."""
    h = hashlib.sha256()
    for line in sorted((x for x in lines if x.resolved_branch), key=lambda x: x.row):
        h.update(f"{line.row}\t{line.bank_code}\t{line.resolved_branch}\n".encode())
    return h.hexdigest()[:16]


@dataclass
class ValidatedRows:
    lines: list[BatchLine] = field(default_factory=list)          # valid rows only
    problems: list[RowProblem] = field(default_factory=list)      # every error and warning
    invalid_rows: dict[int, list[object]] = field(default_factory=dict)   # row → raw cells (for the error report)
    rows_total: int = 0

    @property
    def errors(self) -> list[RowProblem]:
        return [p for p in self.problems if p.is_error]


# A fast path for the usual text (ASCII printable, common CJK, a few punctuation marks): all of it is in GBK and
# takes 1 byte (ASCII) or 2 bytes (the rest). Anything else goes through app.domain.text.check_text.
_PLAIN_TEXT = re.compile(r"[\x20-\x7e\u4e00-\u9fa5\uff08\uff09\u00b7\u3001\uff0c\uff1a\uff1b]*")


_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]{1,2}))?", re.ASCII)      # as app.domain.money's grammar
# The usual remittance cells, for the fast path (app.domain.remittance.parse_remittance is the full check).
_INVOICE = rf"[A-Za-z0-9][A-Za-z0-9\-/_.]{{0,{NUMBER_MAX_CHARS - 1}}}"
_FAST_NUMBERS = re.compile(f"{_INVOICE}(?:[,;]{_INVOICE}){{0,{MAX_DOCUMENTS - 1}}}", re.ASCII)
_FAST_SPLIT = re.compile("[,;]").split
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_NO_DATE = date.min
_LUHN_DOUBLE = bytes.maketrans(b"0123456789", b"0246813579")      # a digit doubled, its digits summed


def _luhn_ok(digits: str) -> bool:
    """app.domain.identifiers.luhn_valid for ASCII digits, without a Python loop: the digits' byte values
    summed (less 48 for each '0'), every second one from the right replaced by its doubled digit sum."""
    raw = digits.encode("ascii")
    return (sum(raw[-1::-2]) + sum(raw[-2::-2].translate(_LUHN_DOUBLE)) - 48 * len(raw)) % 10 == 0


def _text_problems(value: str, field_name: str, max_bytes: int | None, required: bool,
                   max_chars: int | None = None) -> list[Problem]:
    if value and _PLAIN_TEXT.fullmatch(value) and value.strip():
        if (max_bytes is None or len(value.encode(BANK_ENCODING)) <= max_bytes) and (
                max_chars is None or len(value) <= max_chars):
            return []
    return check_text(value, field_name, required=required, encoding=BANK_ENCODING, max_bytes=max_bytes,
                      max_chars=max_chars)


def cell_text(value: object) -> tuple[str, str | None]:
    """A cell value as text, or (\"\", reason) when the cell holds something that must not be guessed at."""
    if value is None:
        return "", None
    if isinstance(value, str):
        return value, None
    if isinstance(value, bool):
        return "", "a TRUE/FALSE cell"
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return "", "not a number"
        text = repr(value)
        if "e" in text or "E" in text:
            return text, None       # reported by the amount / account check (AMOUNT_FORMAT, ACCOUNT_FORMAT)
        return (text[:-2] if text.endswith(".0") else text), None
    return "", f"a {type(value).__name__} value (dates and times are not accepted here)"


class RowValidator:
    """Validates rows one by one; keeps what is needed to find duplicates across the file."""

    def __init__(self, profile: ImportProfile, columns: ColumnMap, branches: BranchDirectory | None, *,
                 debit_account: str = "", rules: WireTextRules | None = None, today: date | None = None):
        self.profile = profile
        self.columns = columns
        self.branches = branches
        self.debit_account = debit_account
        self.rules = rules
        self.today = today
        # The generic limits of the name and the purpose (GBK bytes; None: the known bank's own limit governs and the
        # generic check keeps the encoding and what the ledger stores), and the GBK byte length up to which the fast
        # path takes a plain name: every check (generic and the bank's) certainly passes within it (0: none).
        self._name_bytes = None if rules is not None and rules.governs("payee_name") else NAME_MAX_BYTES
        self._purpose_bytes = None if rules is not None and rules.governs("purpose") else PURPOSE_MAX_BYTES
        budget = rules.plain_budget("payee_name") if rules is not None else None
        self._fast_name_bytes = min(b for b in (self._name_bytes or STORED_TEXT_MAX_CHARS, budget) if b is not None)
        self._seen: dict[tuple, int] = {}
        self._names: dict[tuple[str, str], tuple[int, str]] = {}
        self._cache: dict[tuple[str, str], list[Problem]] = {}
        self._branch_cache: dict[str, BranchMatch] = {}
        # Values whose check found nothing, each kept once (the lines share the copy): kind → value → value.
        self._clean_values: dict[str, dict[str, str]] = {"branch": {}, "code": {}, "purpose": {}, "bank": {}}
        self._banks = BANK_CATEGORIES
        self.result = ValidatedRows()
        pos = columns.positions
        self._fast_at = tuple(pos.get(f) for f in FIELDS)
        self._fast_width = max(pos.values()) + 1 if pos else 0
        self._fast_header_width = len(columns.headers)
        low, high = ACCOUNT_LENGTHS[profile.account_kind]
        self._fast_account = re.compile(f"[0-9]{{{low},{high}}}", re.ASCII).fullmatch
        self._fast_luhn = profile.account_kind == "personal"
        self._fast_max_digits = max(1, len(str(profile.max_amount_minor)) - 2)
        self._remit_at = tuple(pos[f] for f in REMITTANCE_FIELDS if f in pos)
        self._fast_dates: dict[str, date | None] = {}

    def _clean(self, kind: str, value: str, compute) -> str | None:
        """``value`` (one shared copy of it) when its check found nothing at all, else None."""
        known = self._clean_values[kind]
        hit = known.get(value)
        if hit is None and not self._cached(kind, value, compute):
            hit = known[value] = value
        return hit

    def _add_fast(self, row: int, cells: Sequence[object]) -> bool:
        """The usual row: text cells, every check clean (no warning either), no duplicate. Appends its line and
        returns True; anything else returns False having changed nothing, and :meth:`add` does the full check
        (which reports exactly what is wrong)."""
        n = len(cells)
        if n < self._fast_width or (n > self._fast_header_width and any(
                c not in (None, "") for c in cells[self._fast_header_width:])):
            return False
        i_name, i_account, i_bank, i_code, i_amount, i_purpose = self._fast_at
        try:
            name = "" if i_name is None else cells[i_name].strip(" \u3000")          # type: ignore[union-attr]
            account = "" if i_account is None else cells[i_account].strip(" ")       # type: ignore[union-attr]
            branch_name = "" if i_bank is None else cells[i_bank].strip(" \u3000")   # type: ignore[union-attr]
            code = "" if i_code is None else cells[i_code].strip(" ")                # type: ignore[union-attr]
            amount = "" if i_amount is None else cells[i_amount].strip(" ")          # type: ignore[union-attr]
            purpose = ("" if i_purpose is None else cells[i_purpose].strip(" \u3000")  # type: ignore[union-attr]
                       ) or self.profile.default_purpose
        except AttributeError:              # a cell that is not text (XLSX numbers, dates, booleans)
            return False
        if not code or not self._fast_account(account) or account == self.debit_account:
            return False
        remittance = EMPTY_REMITTANCE
        if self._remit_at:
            remittance = self._fast_remittance(cells, n)
            if remittance is None:
                return False
        if self._fast_luhn and not _luhn_ok(account):
            return False
        m = _AMOUNT.fullmatch(amount)
        if m is None:
            return False
        whole, frac = m.groups()
        whole = whole.lstrip("0")
        if len(whole) > self._fast_max_digits:
            return False
        minor = int((whole or "0") + (frac or "").ljust(2, "0"))
        if not 0 < minor <= self.profile.max_amount_minor:
            return False
        # The name (rarely repeated, not cached): plain GBK text within its byte length, else the full check.
        if not name or not _PLAIN_TEXT.fullmatch(name) or len(name.encode(BANK_ENCODING)) > self._fast_name_bytes:
            return False
        if branch_name:
            branch_name = self._clean("branch", branch_name, lambda: _text_problems(
                branch_name, "bank_name", BRANCH_NAME_MAX_BYTES, False))
            if branch_name is None:
                return False
        code = self._clean("code", code, lambda: check_cnaps(code, "bank_code"))
        if code is None:
            return False
        purpose = self._clean("purpose", purpose, lambda: self._purpose_problems(purpose, EMPTY_REMITTANCE))
        if purpose is None:
            return False
        bank = self._banks.get(code[:3]) or branch_name
        if self.rules is not None and self._clean("bank", bank, lambda: self.rules.check_bank_name(bank)) is None:
            return False
        if remittance and self.rules is not None and self.rules.check_purpose(purpose, remittance):
            return False
        key_payee = (account, code)
        earlier = self._names.get(key_payee)
        if earlier is not None and earlier[1] != name:
            return False
        key = (account, code, minor, purpose, remittance)     # other invoices: another payment
        if key in self._seen:
            return False
        if earlier is None:
            self._names[key_payee] = (row, name)
        self._seen[key] = row
        res = self.result
        res.rows_total += 1
        res.lines.append(BatchLine(row, name, account, bank, branch_name, code, minor, purpose, "", remittance))
        return True

    def _fast_remittance(self, cells: Sequence[object], n: int) -> Remittance | None:
        """The usual remittance cells (invoice numbers separated by , or ;, one YYYY-MM-DD date, a plain
        reference) → the remittance; None for anything else, which the full check then reports exactly."""
        pos = self.columns.positions
        texts = []
        for f in REMITTANCE_FIELDS:
            i = pos.get(f)
            value = "" if i is None or i >= n else cells[i]
            if value is None:
                value = ""
            if not isinstance(value, str):
                return None
            texts.append(value.strip(" \u3000"))
        numbers, issued_text, reference = texts
        if not (numbers or issued_text or reference):
            return EMPTY_REMITTANCE
        if numbers and _FAST_NUMBERS.fullmatch(numbers) is None:
            return None
        issued = None
        if issued_text:
            if not numbers:
                return None
            issued = self._fast_dates.get(issued_text, _NO_DATE)
            if issued is _NO_DATE:
                issued = None
                if _ISO_DAY.fullmatch(issued_text):
                    try:
                        issued = date.fromisoformat(issued_text)
                    except ValueError:
                        issued = None
                    if issued is not None and (issued.year < 2000 or (self.today is not None
                                                                      and issued > self.today)):
                        issued = None
                if len(self._fast_dates) < 10_000:
                    self._fast_dates[issued_text] = issued
            if issued is None:
                return None
        if reference and (len(reference) > REFERENCE_MAX_CHARS or not _PLAIN_TEXT.fullmatch(reference)):
            return None
        documents = tuple(ReferredDocument(x, issued) for x in _FAST_SPLIT(numbers)) if numbers else ()
        return Remittance(documents, reference)

    def _name_problems(self, name: str) -> list[Problem]:
        """The generic check of a payee name: GBK text, within NAME_MAX_BYTES unless the bank's limit governs."""
        return _text_problems(name, "payee_name", self._name_bytes, True,
                              STORED_TEXT_MAX_CHARS if self._name_bytes is None else None)

    def _purpose_generic(self, purpose: str) -> list[Problem]:
        return _text_problems(purpose, "purpose", self._purpose_bytes, True,
                              STORED_TEXT_MAX_CHARS if self._purpose_bytes is None else None)

    def _purpose_problems(self, purpose: str, remittance: Remittance) -> list[Problem]:
        """The generic purpose check, then — when it is clean — the bank's (with the remittance where the bank
        carries it in the purpose field)."""
        found = self._purpose_generic(purpose)
        if self.rules is not None and not any(p.is_error for p in found):
            found = found + self.rules.check_purpose(purpose, remittance)
        return found

    def _cached(self, kind: str, value: str, compute) -> list[Problem]:
        key = (kind, value)
        hit = self._cache.get(key)
        if hit is None:
            hit = compute()
            if len(self._cache) < 200_000:
                self._cache[key] = hit
        return hit

    def add(self, row: int, cells: Sequence[object]) -> None:
        if self._add_fast(row, cells):
            return
        res = self.result
        res.rows_total += 1
        problems: list[RowProblem] = []
        col = self.columns
        values: dict[str, str] = {}
        for f, i in col.positions.items():
            raw = cells[i] if i < len(cells) else None
            text, reason = date_cell_text(raw) if f == "invoice_date" else cell_text(raw)
            if reason is not None:
                problems.append(RowProblem(row, col.headers[i], FILE_LAYOUT, f"the cell holds {reason}; write the "
                                           "value as text", f))
            values[f] = text
        for j in range(len(col.headers), len(cells)):
            if cells[j] not in (None, ""):
                problems.append(RowProblem(row, f"#{j + 1}", FILE_LAYOUT, f"a value in column {j + 1}, beyond the "
                                           f"{len(col.headers)} columns of the header", None))
                break

        def put(f: str, found: Iterable[Problem], source: str = "") -> None:
            """``source``: BANK_SOURCE for what the bank's own rules (``self.rules``) found."""
            for p in found:
                where = f
                if p.field == "remittance" or p.field in REMITTANCE_FIELDS:
                    where = p.field if p.field in col.positions else self._remittance_field()
                problems.append(RowProblem(row, col.column_of(where), p.code, p.message, where, p.severity, source,
                                           p.params))

        name = normalize_text(values.get("payee_name", ""))
        name_problems = self._cached("name", name, lambda: self._name_problems(name))
        put("payee_name", name_problems)
        if self.rules is not None and not any(p.is_error for p in name_problems):
            put("payee_name", self.rules.check_name(name), BANK_SOURCE)
        account = values.get("payee_account", "").strip(" ")
        pos = col.positions.get("payee_account")
        raw_account = cells[pos] if pos is not None and pos < len(cells) else None
        if isinstance(raw_account, int | float) and not isinstance(raw_account, bool):
            put("payee_account", [Problem("ACCOUNT_FORMAT", "the account number is stored as a number in the "
                                          "spreadsheet (Excel keeps only 15 digits); format the column as text and "
                                          "enter it again", "payee_account")])
        else:
            put("payee_account", check_account_number(account, kind=self.profile.account_kind,
                                                      field="payee_account"))
            if account and account == self.debit_account:
                put("payee_account", [Problem("ACCOUNT_FORMAT", "the payee account is the debit account itself "
                                              "(payee = payer)", "payee_account")])
        branch_name = normalize_text(values.get("bank_name", ""))
        if branch_name:
            put("bank_name", self._cached("branch", branch_name, lambda: _text_problems(
                branch_name, "bank_name", BRANCH_NAME_MAX_BYTES, False)))
        code = values.get("bank_code", "").strip(" ")
        resolved = ""
        if code:
            put("bank_code", self._cached("code", code, lambda: check_cnaps(code, "bank_code")))
        elif not branch_name:
            put("bank_code", [Problem(BANK_CODE, "the bank code (联行号) is empty and there is no branch name to find "
                                      "it by", "bank_code")])
        elif self.branches is None:
            put("bank_code", [Problem(BANK_CODE, "the bank code (联行号) is empty and no bank-code table is "
                                      "installed to find it by branch name", "bank_code")])
        else:
            match = self._branch_cache.get(branch_name)
            if match is None:
                match = self._branch_cache[branch_name] = self.branches.lookup(branch_name)
            if match.branch is None:
                put("bank_code", [Problem(BANK_CODE, f"the bank code (联行号) is empty and {match.problem}",
                                          "bank_code")])
            else:
                code, resolved = match.branch.code, match.branch.name
                put("bank_code", [Problem("BANK_CODE_LOOKUP", f"bank code {code} chosen by branch name: "
                                          f"{match.branch.name}; please confirm", "bank_code", Severity.WARNING)])
        amount_text = values.get("amount", "")
        money, amount_problems = check_amount(amount_text, max_minor=self.profile.max_amount_minor, field="amount")
        put("amount", amount_problems)
        purpose = normalize_text(values.get("purpose", "")) or self.profile.default_purpose
        remittance = EMPTY_REMITTANCE
        if self._remit_at:
            remittance, found = parse_remittance(values.get("invoice_number", ""), values.get("invoice_date", ""),
                                                 values.get("remittance_ref", ""), today=self.today,
                                                 encoding=BANK_ENCODING)
            put("remittance", found)
        purpose_problems = self._cached("purpose-generic", purpose, lambda: self._purpose_generic(purpose))
        put("purpose", purpose_problems)
        if self.rules is not None and not any(p.is_error for p in purpose_problems):
            rules = self.rules
            put("purpose", rules.check_purpose(purpose, remittance) if remittance else self._cached(
                "purpose-bank", purpose, lambda: rules.check_purpose(purpose)), BANK_SOURCE)
        bank = BANK_CATEGORIES.get(code[:3], "") or branch_name
        if self.rules is not None and bank:
            put("bank_name" if "bank_name" in col.positions else "bank_code",
                self._cached("bank", bank, lambda: self.rules.check_bank_name(bank)), BANK_SOURCE)
        errors = any(p.is_error for p in problems)
        if not errors:
            key_payee = (account, code)
            earlier = self._names.get(key_payee)
            if earlier is not None and earlier[1] != name:
                problems.append(RowProblem(row, col.column_of("payee_name"), PAYEE_NAME_MISMATCH,
                                           f"row {earlier[0]} names the account {account} {earlier[1]!r}, this row "
                                           f"{name!r}", "payee_name"))
            else:
                self._names.setdefault(key_payee, (row, name))
            key = (account, code, money.amount_minor if money else None, purpose, remittance)
            first = self._seen.get(key)
            if first is not None:
                problems.append(RowProblem(row, col.column_of("payee_account"), DUPLICATE,
                                           f"the same payee, amount and purpose{' and invoices' if remittance else ''}"
                                           f" as row {first} (duplicate row)",
                                           "payee_account"))
            else:
                self._seen[key] = row
            errors = any(p.is_error for p in problems)
        res.problems += problems
        if errors or money is None:
            res.invalid_rows[row] = list(cells)
            return
        res.lines.append(BatchLine(row, name, account, bank, branch_name, code, money.amount_minor, purpose, resolved,
                                   remittance))


    def _remittance_field(self) -> str:
        """The column a problem of the remittance as a whole is shown in: the reference, else the invoices."""
        for f in ("remittance_ref", "invoice_number", "invoice_date"):
            if f in self.columns.positions:
                return f
        return "purpose"


def _is_blank(cells: Sequence[object]) -> bool:
    try:
        return not "".join(cells).strip()         # type: ignore[arg-type]  # the usual case: text cells
    except TypeError:
        return not any(c not in (None, "") and not (isinstance(c, str) and not c.strip()) for c in cells)


def validate_rows(rows: Iterable[Sequence[object]], profile: ImportProfile, branches: BranchDirectory | None, *,
                  debit_account: str = "", first_row: int = 1, rules: WireTextRules | None = None,
                  today: date | None = None) -> tuple[ColumnMap | None, ValidatedRows]:
    """Header + data rows (lists of cell values; any iterable, read once) → every problem at once. Blank rows
    are skipped. ``rules``: the debit account's bank (its encoding and field lengths), when known; ``today``:
    invoice dates after it are refused."""
    out = ValidatedRows()
    it = iter(rows)
    header = next(it, None)
    if header is None:
        out.problems.append(file_problem(FILE_SIZE, "the file has no rows"))
        return None, out
    columns, problems = map_columns(header, profile)
    out.problems += problems
    if columns is None:
        return None, out
    validator = RowValidator(profile, columns, branches, debit_account=debit_account, rules=rules, today=today)
    validator.result = out
    add = validator.add
    for offset, cells in enumerate(it, start=first_row + 1):
        if _is_blank(cells):
            continue
        add(offset, cells)
    if out.rows_total == 0:
        out.problems.append(file_problem(FILE_SIZE, "the file has a header but no payment rows"))
    elif out.rows_total > MAX_ROWS:
        out.problems.append(file_problem(FILE_SIZE, f"the file has {out.rows_total} rows; at most {MAX_ROWS} per "
                                         "batch"))
    return columns, out


# ---------------------------------------------------------------------------------------------- exports
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (CSV/XLSX formula injection).
    Stored values stay verbatim; only exports are escaped."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


# ---------------------------------------------------------------------------------------------- stored batches
@dataclass(frozen=True)
class PaymentBatch:
    id: int
    file_name: str
    file_sha256: str
    file_format: str
    profile_name: str
    kind: str
    debit_account_id: int
    debit_account_number: str
    currency: str
    file_rows: int
    line_count: int
    excluded_count: int
    total_minor: int
    payees_created: int
    status: str
    created_by: int
    created_by_name: str
    created_at: object          # datetime (UTC)


@dataclass(frozen=True)
class BatchLineStatus:
    payment_id: int
    row: int
    payee_name: str
    payee_account: str
    bank_code: str
    amount_minor: int
    currency: str
    purpose: str
    status: str
    client_reference: str | None
    bank_code_result: str | None
    bank_text: str | None
    remittance: Remittance = EMPTY_REMITTANCE    # supplier lines: the invoices paid, the remittance reference
