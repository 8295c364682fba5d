"""Batch payments, part 1: import a payroll (代发工资) or supplier file into a batch of payments.

``preview`` reads and checks a file without writing (the dry run): every problem of every row at once, the lines,
counts and totals, the branch chosen by name where the bank code was empty, the payees that will be created.
``import_file`` writes the batch in ONE unit of work: the batch row (the file's SHA-256 is unique: the same file
again is a hard stop, DUPLICATE), the payees not yet in the ledger (created confirmed), one payment per line
created DRAFT and submitted to PENDING_APPROVAL in bulk through the repository (chunks of 5,000 lines, driver-level
multi-row inserts), two status history rows per payment and ONE audit entry for the batch (counts, totals, file
hash, created payees). A CSV is validated row by row as it is parsed (never held as lists of cells).

A file with any invalid row writes nothing (:class:`BatchRejected`, every problem with row and column) unless
``exclude_invalid``: then only the valid rows form the batch and the excluded rows go to an error report (CSV or
XLSX, formula-injection escaped). File-level problems (FILE_SIZE, FILE_ENCODING, FILE_LAYOUT of the header,
DUPLICATE file) always refuse the whole file.

Files: CSV (strict UTF-8 first, BOM allowed, then GB18030) and XLSX read through openpyxl in read-only mode. Cell
values only: a cell holding a formula is refused (FILE_LAYOUT with row and column; its cached value is never
used), so is a date cell (an Excel serial date) except in the invoice-date column. A zip bomb (declared sizes or
compression ratio) is FILE_SIZE.

The bank's own rules: debit account → connection profile → plugin manifest (:mod:`app.services.bank_rules`); every
row's name, purpose (with the compact remittance where the bank has no structured one) and bank name are checked
in that bank's encoding and field lengths, so that nothing the bank cannot carry reaches the signature; the bank's
limit then governs the name's and the purpose's length (the generic 60 GBK bytes hold only when no bank is known).
Those findings are marked where the rules are applied (``RowProblem.source`` is BANK_SOURCE, the wire field and its
limit in ``RowProblem.params``) and listed apart from the generic file problems: :attr:`BatchPreview.bank_findings`
(one :class:`BankFinding` each: the bank, its wire field, the limit and unit) — the wizard's "Bank check" column
and the CLI's ``bank_findings`` / ``bank_check`` read them.

Supplier files may carry 发票号 / 发票日期 / 汇款附言 (invoice_number, invoice_date, remittance_ref): validated per row,
shown in the preview, stored with the payment (``payment_requests.remittance``, migration 0009) and carried to the
wire by the engine.

Bank codes chosen from the branch name must be confirmed: the preview carries :attr:`BatchPreview.branch_token`
(a digest of row → code → official branch name); ``import_file(confirm_branches=token)`` refuses
(BRANCH_CONFIRMATION, nothing written) when the list differs from the one the user confirmed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from app.domain.bank_fields import WireTextRules
from app.domain.batch_import import (
    BANK_SOURCE,
    BUILTIN_PROFILES,
    DUPLICATE,
    FILE_LAYOUT,
    FILE_SIZE,
    KIND_SUPPLIER,
    MAX_FILE_BYTES,
    MAX_ROWS,
    PAYEE_NAME_MISMATCH,
    PROFILE,
    REMITTANCE_HEADERS,
    BatchLine,
    BatchLineStatus,
    BranchDirectory,
    FileRefused,
    ImportProfile,
    PaymentBatch,
    RowProblem,
    ValidatedRows,
    branch_confirmation_token,
    csv_rows,
    decode_csv_bytes,
    escape_cell,
    file_problem,
    iter_csv_rows,
    parse_branch_table,
    profile_from_fields,
    validate_rows,
)
from app.domain.errors import Conflict, DomainError, NotFound, Problem, Severity, ValidationFailed
from app.domain.master_data import BankAccount
from app.domain.money import format_amount
from app.domain.payment import PaymentStatus, transition
from app.domain.payment_request import CONTENT_HASH_VERSION, URGENCY_NORMAL, business_today, content_hash
from app.domain.remittance import REMITTANCE_LENGTH, Remittance
from app.domain.text import TEXT_CHARSET, TEXT_ENCODING, TEXT_LENGTH, TEXT_REQUIRED
from app.domain.users import Actor, Role
from app.ports import Clock, UnitOfWorkFactory
from app.services.bank_rules import (
    LineExtrasFactory,
    ManifestLookup,
    account_rules,
    line_extras,
    registry_manifests,
)
from app.services.payee_guard import PAYEE_UNCONFIRMED
from app.services.payments import PAYMENTS_CHANGED, current_policy
from app.services.permissions import require_any, require_logged_in

BATCH_IMPORTED = "batch.imported"                 # audit actions (stable strings)
PROFILE_SAVED = "batch.profile_saved"
BATCH_PENDING = "PENDING_APPROVAL"

MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_ZIP_RATIO = 200
MAX_ZIP_ENTRIES = 5000
PAYEE_INACTIVE = "PAYEE_INACTIVE"
BRANCH_CONFIRMATION = "BRANCH_CONFIRMATION"
BANK_RULES = "BANK_RULES"

_BRANCH_TABLE = Path(__file__).resolve().parents[2] / "resources" / "cnaps" / "branches.tsv"
_branches_cache: list[BranchDirectory] = []
ANALYZE_AFTER_LINES = 1000  # a batch this large refreshes the planner's statistics (PostgreSQL)


def shipped_branch_directory() -> BranchDirectory | None:
    """The derived CNAPS table shipped under resources/cnaps (None when it is missing from an install)."""
    if not _branches_cache:
        if not _BRANCH_TABLE.is_file():
            return None
        _branches_cache.append(BranchDirectory(parse_branch_table(_BRANCH_TABLE.read_text(encoding="utf-8"))))
    return _branches_cache[0]


class BatchRejected(ValidationFailed):
    """The file, or some of its rows, is invalid; nothing was written. ``row_problems`` place every problem."""

    def __init__(self, row_problems: list[RowProblem], summary: str,
                 bank_findings: Sequence[BankFinding] = ()):
        problems = [p.as_problem() for p in row_problems] or [Problem(FILE_LAYOUT, summary)]
        super().__init__(problems)
        self.row_problems = row_problems
        self.bank_findings = tuple(bank_findings)
        self.message = summary + ": " + self.message

    def to_dict(self) -> dict:
        data = super().to_dict()
        data["errors"] = [p.to_dict() for p in self.row_problems if p.is_error]
        data["bank_findings"] = [f.to_dict() for f in self.bank_findings]
        return data


# What a bank finding is about when its problem does not say (the row's field).
_SUBJECT_OF_FIELD = {"payee_name": "payee_name", "purpose": "purpose", "bank_name": "payee_bank_name",
                     "bank_code": "payee_bank_name", "invoice_number": "remittance", "invoice_date": "remittance",
                     "remittance_ref": "remittance", "remittance": "remittance"}


@dataclass(frozen=True)
class BankFinding:
    """A row problem found by the debit account's bank's own rules (its encoding, its field lengths), not by the
    generic checks. ``subject``: payee_name | purpose | payee_bank_name | remittance (the purpose with the
    invoices, where the bank carries them in the purpose field) | invoice_number | remittance_ref; ``wire_field``:
    the bank's name of the field (CRTNAM, NUSAGE, Cdtr/Nm …); ``limit`` and ``unit`` (bytes | chars) its size."""

    problem: RowProblem
    bank: str
    plugin_id: str
    subject: str
    wire_field: str = ""
    limit: int | None = None
    unit: str = ""                       # bytes | chars | ""
    encoding: str = ""

    @property
    def row(self) -> int:
        return self.problem.row

    @property
    def code(self) -> str:
        return self.problem.code

    @property
    def is_error(self) -> bool:
        return self.problem.is_error

    @property
    def short(self) -> str:
        """A few words for a table cell, e.g. "payee_name over CMB 招商银行 CRTNAM 200 bytes"."""
        where = f"{self.bank} {self.wire_field}".strip()
        if self.code in (TEXT_LENGTH, REMITTANCE_LENGTH) and self.limit is not None:
            what = "purpose with invoices" if self.code == REMITTANCE_LENGTH and self.subject == "remittance" \
                else self.subject
            return f"{what} over {where} {self.limit} {self.unit or 'bytes'}"
        if self.code == TEXT_ENCODING:
            return f"{self.subject}: a character {where} cannot carry ({self.encoding.upper()})"
        if self.code == TEXT_CHARSET:
            return f"{self.subject}: a character {where} does not accept"
        if self.code == TEXT_REQUIRED:
            return f"{self.subject}: required by {where}"
        return f"{self.subject}: {self.code} ({where})"

    def to_dict(self) -> dict:
        return {**self.problem.to_dict(), "bank": self.bank, "plugin": self.plugin_id, "subject": self.subject,
                "wire_field": self.wire_field or None, "limit": self.limit, "unit": self.unit or None,
                "encoding": self.encoding, "short": self.short}


def bank_findings(problems: Iterable[RowProblem], rules: WireTextRules | None) -> tuple[BankFinding, ...]:
    """The row problems the bank's own rules gave (``RowProblem.source`` is BANK_SOURCE, set where
    app.domain.batch_import applies ``rules``), with the bank, its wire field and that field's limit from the
    problem's params (the rules put them there)."""
    if rules is None:
        return ()
    found: list[BankFinding] = []
    for p in problems:
        if p.source != BANK_SOURCE or p.row <= 1:
            continue
        params = p.params
        limit = params.get("limit")
        found.append(BankFinding(p, str(params.get("bank") or rules.bank), str(params.get("plugin") or rules.plugin_id),
                                 str(params.get("subject") or _SUBJECT_OF_FIELD.get(p.field or "", p.field or "")),
                                 str(params.get("wire_field") or ""), limit if isinstance(limit, int) else None,
                                 str(params.get("unit") or "") if isinstance(limit, int) else "",
                                 str(params.get("encoding") or rules.encoding)))
    return tuple(found)


@dataclass(frozen=True)
class BatchPreview:
    file_name: str
    sha256: str
    file_format: str                      # csv | xlsx
    encoding: str                         # of a CSV; "" for XLSX
    profile: ImportProfile
    account: BankAccount
    headers: list[str]
    rows_total: int
    lines: list[BatchLine]                # the valid rows
    problems: list[RowProblem]            # every error and warning, file and rows
    invalid_rows: dict[int, list]         # row → raw cells
    new_payees: int = 0
    existing_payees: int = 0
    already_imported: PaymentBatch | None = None
    bank_rules: str = ""                  # the plugin whose encoding and field lengths were checked ("" none)
    bank: str = ""                        # that plugin's bank, as its manifest names it ("CMB 招商银行")
    bank_findings: tuple[BankFinding, ...] = ()   # the problems the bank's own rules gave (see BankFinding)

    @property
    def errors(self) -> list[RowProblem]:
        return [p for p in self.problems if p.is_error]

    @staticmethod
    def is_bank_finding(problem: RowProblem) -> bool:
        """Whether the bank's own rules found ``problem`` (then it is listed in :attr:`bank_findings`)."""
        return problem.source == BANK_SOURCE and problem.row > 1

    @cached_property
    def bank_findings_by_row(self) -> dict[int, list[BankFinding]]:
        out: dict[int, list[BankFinding]] = {}
        for f in self.bank_findings:
            out.setdefault(f.row, []).append(f)
        return out

    @property
    def bank_error_rows(self) -> list[int]:
        """The rows the bank will not take (its own encoding or field lengths), in file order."""
        return sorted({f.row for f in self.bank_findings if f.is_error})

    @property
    def other_error_rows(self) -> list[int]:
        """The rows with errors of the generic checks (format, amounts, codes, duplicates, the ledger)."""
        return sorted({p.row for p in self.errors if p.row > 1 and not self.is_bank_finding(p)})

    @property
    def bank_rules_note(self) -> str:
        """Why the bank's own rules were not checked (its plugin is not available), or ""."""
        return next((p.message for p in self.problems if p.code == BANK_RULES and p.row == 0), "")

    @property
    def file_errors(self) -> list[RowProblem]:
        """Problems that refuse the whole file whatever the user chooses."""
        return [p for p in self.errors if p.row <= 1 or p.code in (FILE_SIZE,)]

    @property
    def total_minor(self) -> int:
        return sum(line.amount_minor for line in self.lines)

    @property
    def resolved_branches(self) -> list[BatchLine]:
        return [line for line in self.lines if line.resolved_branch]

    @property
    def branch_token(self) -> str:
        """What confirming the bank codes chosen by branch name means (see the module docstring)."""
        return branch_confirmation_token(self.lines)

    @property
    def remittance_lines(self) -> list[BatchLine]:
        return [line for line in self.lines if line.remittance]


@dataclass(frozen=True)
class BatchImported:
    batch: PaymentBatch
    preview: BatchPreview
    payment_ids: list[int] = field(repr=False, default_factory=list)
    error_report: Path | None = None


Progress = Callable[[str, int, int], None]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------------------------------- reading
def _read_file(path: Path) -> bytes:
    if not path.is_file():
        raise DomainError("FILE_NOT_FOUND", f"no such file: {path}")
    size = path.stat().st_size
    if size == 0:
        raise BatchRejected([file_problem(FILE_SIZE, "the file is empty")], "the file cannot be imported")
    if size > MAX_FILE_BYTES:
        raise BatchRejected([file_problem(FILE_SIZE, f"the file has {size} bytes; at most {MAX_FILE_BYTES} are "
                                          "accepted")], "the file cannot be imported")
    return path.read_bytes()


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise BatchRejected([file_problem(FILE_LAYOUT, "the file is not a valid XLSX workbook (zip)")],
                            "the file cannot be imported") from None
    infos = archive.infolist()
    total = sum(i.file_size for i in infos)
    if len(infos) > MAX_ZIP_ENTRIES or total > MAX_XLSX_UNCOMPRESSED or any(
            i.file_size > 1024 * 1024 and i.file_size > MAX_ZIP_RATIO * max(i.compress_size, 1) for i in infos):
        raise BatchRejected([file_problem(FILE_SIZE, f"the workbook expands to {total} bytes in {len(infos)} parts "
                                          "(a zip bomb?); it is not opened")], "the file cannot be imported")


def _xlsx_rows(data: bytes) -> tuple[list[list], list[RowProblem]]:
    """Cell values of the first sheet; formula cells are refused (FILE_LAYOUT with row and column)."""
    _check_zip(data)
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on broken workbooks
        raise BatchRejected([file_problem(FILE_LAYOUT, f"the workbook cannot be read: {type(exc).__name__}: {exc}")],
                            "the file cannot be imported") from None
    problems: list[RowProblem] = []
    rows: list[list] = []
    header: list[str] = []
    try:
        ws = wb.worksheets[0]
        for r, cells in enumerate(ws.iter_rows(), start=1):
            if r > MAX_ROWS + 1:
                raise BatchRejected([file_problem(FILE_SIZE, f"the sheet has more than {MAX_ROWS} rows")],
                                    "the file cannot be imported")
            values = []
            for c, cell in enumerate(cells, start=1):
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f":
                    ref = f"{get_column_letter(c)}{r}"
                    column = header[c - 1] if c - 1 < len(header) and header[c - 1] else get_column_letter(c)
                    problems.append(RowProblem(r, column, FILE_LAYOUT, f"cell {ref} holds a formula ({value}); "
                                               "formulas are never evaluated: paste the values instead", None))
                    value = None
                values.append(value)
            if r == 1:
                header = ["" if v is None else str(v) for v in values]
            rows.append(values)
    finally:
        wb.close()
    return rows, problems


def read_table(data: bytes, file_name: str) -> tuple[str, str, list[list], list[RowProblem]]:
    """(format, encoding, rows, problems found while reading)."""
    lower = file_name.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0") or lower.endswith(".xls"):
        raise BatchRejected([file_problem(FILE_LAYOUT, "old Excel .xls files are not read; save the sheet as .xlsx "
                                          "or as CSV")], "the file cannot be imported")
    if data.startswith(b"PK\x03\x04") or lower.endswith((".xlsx", ".xlsm")):
        rows, problems = _xlsx_rows(data)
        return "xlsx", "", rows, problems
    try:
        text, encoding = decode_csv_bytes(data)
        return "csv", encoding, csv_rows(text), []
    except FileRefused as exc:
        raise BatchRejected(exc.problems, "the file cannot be imported") from None


RowSource = Callable[[], Iterator[list]]


def _open_table(data: bytes, file_name: str) -> tuple[str, str, RowSource, list[RowProblem]]:
    """As :func:`read_table`, but a CSV's rows come one by one from its decoded text (each call of the source
    reads them again from the start) instead of as one list of lists."""
    lower = file_name.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0") or lower.endswith(".xls") or data.startswith(b"PK\x03\x04") or \
            lower.endswith((".xlsx", ".xlsm")):
        fmt, encoding, rows, problems = read_table(data, file_name)
        return fmt, encoding, lambda: iter(rows), problems
    try:
        text, encoding = decode_csv_bytes(data)
    except FileRefused as exc:
        raise BatchRejected(exc.problems, "the file cannot be imported") from None
    return "csv", encoding, lambda: iter_csv_rows(text), []


def _pick_rows(source: RowSource, wanted: Iterable[int]) -> dict[int, list]:
    """The raw cells of the rows numbered ``wanted`` (the header is row 1)."""
    left = set(wanted)
    found: dict[int, list] = {}
    if not left:
        return found
    try:
        for number, cells in enumerate(source(), start=1):
            if number in left:
                found[number] = list(cells)
                left.discard(number)
                if not left:
                    break
    except FileRefused:
        pass
    return found


# ------------------------------------------------------------------------------------------------- writing
def write_table(path: Path, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """CSV (UTF-8 with BOM, for Excel) or XLSX by extension; every text cell formula-escaped. Atomic."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append([escape_cell(h) for h in headers])
        for row in rows:
            ws.append([escape_cell(v) if isinstance(v, str) else v for v in row])
        wb.save(tmp)
    else:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([escape_cell(h) for h in headers])
            for row in rows:
                writer.writerow([escape_cell("" if v is None else v) for v in row])
    os.replace(tmp, path)
    return path


def _report_rows(preview: BatchPreview) -> Iterable[list]:
    by_row: dict[int, list[RowProblem]] = {}
    for p in preview.errors:
        by_row.setdefault(p.row, []).append(p)
    width = len(preview.headers)
    for row in sorted(preview.invalid_rows):
        cells = [("" if v is None else v if isinstance(v, int | str) else str(v))
                 for v in list(preview.invalid_rows[row])[:width]]
        cells += [""] * (width - len(cells))
        reasons = "; ".join(f"{p.code} [{p.column}]: {p.message}" for p in by_row.get(row, []))
        yield [row, *cells, reasons]


def write_error_report(preview: BatchPreview, path: Path) -> Path:
    return write_table(path, ["row", *preview.headers, "errors"], _report_rows(preview))


def default_report_path(source: Path) -> Path:
    candidate = source.with_name(source.stem + ".errors.csv")
    n = 2
    while candidate.exists():
        candidate = source.with_name(f"{source.stem}.errors-{n}.csv")
        n += 1
    return candidate


LINE_EXPORT_HEADERS = ["row", "payment_id", "payee_name", "payee_account", "bank_code", "amount", "currency",
                       "purpose", "status", "client_reference", "bank_code_result", "bank_text"]


def _line_row(line: BatchLineStatus) -> list:
    return [line.row, line.payment_id, line.payee_name, line.payee_account, line.bank_code,
            format_amount(line.amount_minor).replace(",", ""), line.currency, line.purpose, line.status,
            line.client_reference or "", line.bank_code_result or "", line.bank_text or ""]


# ------------------------------------------------------------------------------------------------- service
BranchSource = BranchDirectory | Callable[[], BranchDirectory | None]


class BatchImportService:
    """``branches``: a directory, or a callable giving the current one (the installed full list, else the shipped
    table: :meth:`app.services.cnaps.CnapsService.directory`). ``manifests``: plugin id → manifest (the connector
    factory's). ``line_extras``: uow → batch-line extras (default ``uow.batch_extras``)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, *, branches: BranchSource | None = None,
                 events=None, manifests: ManifestLookup | None = None, line_extras: LineExtrasFactory | None = None):
        self._uow = uow
        self._clock = clock
        self._branch_source: BranchSource | None = branches
        self._events = events
        self._manifests = manifests or registry_manifests
        self._line_extras = line_extras

    @property
    def _branches(self) -> BranchDirectory | None:
        source = self._branch_source
        if source is None:
            return shipped_branch_directory()
        return source if isinstance(source, BranchDirectory) else source()

    # -- profiles -----------------------------------------------------------------------------------------
    def profiles(self, actor: Actor) -> list[ImportProfile]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            stored = [self._stored_profile(p) for p in uow.batches.list_profiles()]
        return [*BUILTIN_PROFILES.values(), *stored]

    @staticmethod
    def _stored_profile(record: Mapping) -> ImportProfile:
        s = record["settings"]
        columns = {k: tuple(v) for k, v in s["columns"].items()}
        if record["kind"] == KIND_SUPPLIER:     # profiles saved before the remittance columns existed
            for key, headers in REMITTANCE_HEADERS.items():
                columns.setdefault(key, headers)
        return ImportProfile(record["name"], record["kind"], columns,
                             s.get("default_purpose", ""), s.get("account_kind", "corporate"),
                             int(s.get("max_amount_minor") or BUILTIN_PROFILES[record["kind"]].max_amount_minor))

    def _profile(self, uow, name: str | None) -> ImportProfile:
        name = name or "payroll"
        if name in BUILTIN_PROFILES:
            return BUILTIN_PROFILES[name]
        record = uow.batches.get_profile(name)
        if record is None:
            known = ", ".join([*BUILTIN_PROFILES, *(p["name"] for p in uow.batches.list_profiles())])
            raise DomainError(PROFILE, f"no import profile named {name!r}; known profiles: {known}", "profile")
        return self._stored_profile(record)

    def save_profile(self, actor: Actor, fields: Mapping[str, object]) -> ImportProfile:
        require_any(actor, Role.MAKER, Role.ADMIN, doing="save import profiles")
        profile, problems = profile_from_fields(fields)
        if profile is None:
            raise ValidationFailed(problems)
        settings = {k: v for k, v in profile.to_dict().items() if k not in ("name", "kind", "builtin")}
        with self._uow() as uow:
            uow.batches.save_profile(profile.name, profile.kind, settings, actor.username)
            uow.audit.append(actor, PROFILE_SAVED, "batch_import_profile", profile.name,
                             {"kind": profile.kind, **settings})
            uow.commit()
        return profile

    # -- preview ------------------------------------------------------------------------------------------
    @staticmethod
    def _account(uow, key: str | int) -> BankAccount:
        text = str(key).strip()
        account = uow.accounts.get_by_number(text)
        if account is None and text.isdigit() and len(text) < 8:
            account = uow.accounts.get(int(text))
        if account is None:
            raise NotFound("bank account", key)
        if not account.is_active:
            raise DomainError("ACCOUNT_INACTIVE", f"the account {account.account_number} is deactivated", "account")
        return account

    def preview(self, actor: Actor, path: str | Path, *, account: str | int,
                profile: str | None = None) -> BatchPreview:
        """Read and check ``path`` as a batch from ``account``; nothing is written."""
        require_logged_in(actor)
        path = Path(path)
        data = _read_file(path)
        sha = _sha256(data)
        fmt, encoding, source, read_problems = _open_table(data, path.name)
        del data
        with self._uow(read_only=True) as uow:
            acc = self._account(uow, account)
            prof = self._profile(uow, profile)
            rules, rules_note = account_rules(uow, acc, self._manifests)
            rows = source()
            try:
                header = next(rows, None)
                columns, checked = validate_rows(() if header is None else itertools.chain((header,), rows), prof,
                                                 self._branches, debit_account=acc.account_number, rules=rules,
                                                 today=business_today(self._clock.now()))
            except FileRefused as exc:
                raise BatchRejected(exc.problems, "the file cannot be imported") from None
            del rows
            checked.problems[:0] = read_problems
            if rules_note:
                checked.problems.insert(0, RowProblem(0, "", BANK_RULES, rules_note, None, Severity.WARNING))
            bad_read = [p.row for p in read_problems if p.row > 1 and p.is_error]
            if bad_read:
                raw = _pick_rows(source, bad_read)
                for row in bad_read:
                    checked.invalid_rows.setdefault(row, raw.get(row, []))
                checked.lines = [line for line in checked.lines if line.row not in checked.invalid_rows]
            existing = uow.batches.get_by_sha256(sha)
            new, old = self._ledger_checks(uow, checked, source)
        problems = checked.problems
        if existing is not None:
            problems.insert(0, file_problem(DUPLICATE, f"this file (SHA-256 {sha[:16]}…) was imported before as batch "
                                            f"{existing.id} on {existing.created_at:%Y-%m-%d %H:%M} UTC by "
                                            f"{existing.created_by_name}; the same file is never imported twice"))
        headers = list(columns.headers) if columns is not None else [str(h or "") for h in (header or [])]
        problems.sort(key=lambda p: (p.row, not p.is_error))
        return BatchPreview(path.name, sha, fmt, encoding, prof, acc, headers, checked.rows_total, checked.lines,
                            problems, checked.invalid_rows, new, old, existing,
                            rules.plugin_id if rules is not None else "", rules.bank if rules is not None else "",
                            bank_findings(problems, rules))

    @staticmethod
    def _ledger_checks(uow, checked: ValidatedRows, source: RowSource) -> tuple[int, int]:
        """Existing payees: same name, active and confirmed, or the row is invalid. → (new payees, existing)."""
        keys = {(line.payee_account, line.bank_code) for line in checked.lines}
        payees = uow.batches.payees_by_account(list(keys))
        if not payees:
            return len(keys), 0
        keep: list[BatchLine] = []
        refused: list[int] = []
        for line in checked.lines:
            payee = payees.get((line.payee_account, line.bank_code))
            problem = None
            if payee is not None:
                if payee.name != line.payee_name:
                    problem = (PAYEE_NAME_MISMATCH, f"the ledger's payee {payee.id} with this account is named "
                               f"{payee.name!r}, not {line.payee_name!r}; correct the file or the payee")
                elif not payee.is_active:
                    problem = (PAYEE_INACTIVE, f"the payee {payee.name} (id {payee.id}) is deactivated")
                elif not payee.confirmed:
                    problem = (PAYEE_UNCONFIRMED, f"the bank details of the payee {payee.name} (id {payee.id}) "
                               "await confirmation by a second person")
            if problem is None:
                keep.append(line)
                continue
            checked.problems.append(RowProblem(line.row, "收款人名称", problem[0], problem[1], "payee_name"))
            refused.append(line.row)
        if refused:
            raw = _pick_rows(source, refused)
            for row in refused:
                checked.invalid_rows[row] = raw.get(row, [])
        checked.lines = keep
        kept = {(line.payee_account, line.bank_code) for line in keep}
        found = kept & set(payees)
        return len(kept - found), len(found)

    # -- import -------------------------------------------------------------------------------------------
    def import_file(self, actor: Actor, path: str | Path, *, account: str | int, profile: str | None = None,
                    exclude_invalid: bool = False, errors_out: str | Path | None = None,
                    progress: Progress | None = None, confirm_branches: str | None = None,
                    require_branch_confirmation: bool = False) -> BatchImported:
        """``confirm_branches``: the :attr:`BatchPreview.branch_token` of the preview the user confirmed (the
        wizard's tick, the CLI's ``--confirm-branches``); a different list of codes chosen by name is refused, and
        so is none at all when ``require_branch_confirmation`` (the wizard and the CLI always require it)."""
        require_any(actor, Role.MAKER, doing="import payment batches")
        path = Path(path)
        preview = self.preview(actor, path, account=account, profile=profile)
        if progress:
            progress("checked", preview.rows_total, preview.rows_total)
        if preview.already_imported is not None:
            raise Conflict(DUPLICATE, preview.problems[0].message, "file")
        chosen = preview.resolved_branches
        if chosen and (confirm_branches is not None or require_branch_confirmation) \
                and confirm_branches != preview.branch_token:
            listed = "; ".join(f"row {line.row}: {line.branch_name} → {line.bank_code} {line.resolved_branch}"
                               for line in chosen[:10])
            listed += f"; … and {len(chosen) - 10} more" if len(chosen) > 10 else ""
            if confirm_branches is None:
                raise Conflict(BRANCH_CONFIRMATION, f"{len(chosen)} bank codes were chosen from the branch name and "
                               f"must be confirmed before importing: {listed}. Check them against the payees' bank "
                               f"details, then confirm this list (confirmation {preview.branch_token})",
                               "confirm_branches")
            raise Conflict(BRANCH_CONFIRMATION, f"the bank codes chosen from branch names are not the ones that "
                           f"were confirmed (the file or the bank-code table changed); check them again and confirm: "
                           f"{listed}", "confirm_branches")
        found = preview.bank_findings
        if preview.file_errors:
            raise BatchRejected(preview.errors, "the file cannot be imported", found)
        if preview.errors and not exclude_invalid:
            bad = sorted({p.row for p in preview.errors})
            banks = preview.bank_error_rows
            by_bank = (f"; the bank's own limits ({preview.bank}) refuse {len(banks)} of them (rows "
                       f"{', '.join(map(str, banks[:10]))}{'…' if len(banks) > 10 else ''})") if banks else ""
            raise BatchRejected(preview.errors, f"{len(bad)} of {preview.rows_total} rows are invalid (rows "
                                f"{', '.join(map(str, bad[:10]))}{'…' if len(bad) > 10 else ''}){by_bank}; nothing "
                                "was imported (choose to exclude the invalid rows to import the others)", found)
        if not preview.lines:
            raise BatchRejected(preview.errors, "no valid row is left; nothing was imported", found)
        report = None
        if preview.invalid_rows:
            report = write_error_report(preview, Path(errors_out) if errors_out else default_report_path(path))
        batch, ids = self._write(actor, preview, progress, confirm_branches)
        if self._events is not None:
            self._events.publish(PAYMENTS_CHANGED, {"ids": ids, "status": PaymentStatus.PENDING_APPROVAL.value,
                                                    "batch_id": batch.id})
        return BatchImported(batch, preview, ids, report)

    def _write(self, actor: Actor, preview: BatchPreview, progress: Progress | None,
               confirm_branches: str | None = None) -> tuple[PaymentBatch, list[int]]:
        """One unit of work (all or nothing): payees, batch, payments and their history by chunks of
        ``WRITE_CHUNK`` lines through the repository's driver-level executemany, one audit entry."""
        now = self._clock.now()
        today = business_today(now)
        submitted = transition(PaymentStatus.DRAFT, PaymentStatus.PENDING_APPROVAL)
        personal = preview.profile.account_kind == "personal"
        lines = preview.lines
        with self._uow() as uow:
            acc = self._account(uow, preview.account.id)
            org = uow.organizations.get()
            if org is None:
                raise NotFound("organization", "this ledger")
            keys = [(line.payee_account, line.bank_code) for line in lines]
            payees = uow.batches.payees_by_account(keys)      # again, inside the write transaction
            for line in lines if payees else ():
                payee = payees.get((line.payee_account, line.bank_code))
                if payee is not None and (payee.name != line.payee_name or not payee.is_active or not payee.confirmed):
                    raise Conflict("STALE_PREVIEW", f"row {line.row}: the payee {payee.name} changed while the file "
                                   "was checked; import again")
            new_keys: dict[tuple[str, str], BatchLine] = {}
            for key, line in zip(keys, lines, strict=True):
                if key not in payees:
                    new_keys.setdefault(key, line)
            kind = "personal" if personal else "corporate"
            payee_ids = {key: p.id for key, p in payees.items()}
            new_ids: list[int] = []
            pending = list(new_keys.items())
            del new_keys
            for i in range(0, len(pending), WRITE_CHUNK):
                chunk = pending[i:i + WRITE_CHUNK]
                ids = uow.batches.add_payees(org.id, [
                    {"name": line.payee_name, "account_number": line.payee_account, "bank_name": line.bank_name,
                     "branch_name": line.branch_name or line.resolved_branch, "cnaps_code": line.bank_code,
                     "kind": kind} for _, line in chunk])
                payee_ids.update(zip((key for key, _ in chunk), ids, strict=True))
                new_ids += ids
                if progress:
                    progress("payees", len(new_ids), len(pending))
            del pending
            if progress and not new_ids:
                progress("payees", 0, 0)
            total = preview.total_minor
            batch_id = uow.batches.add({
                "file_name": preview.file_name[:255], "file_sha256": preview.sha256, "file_format": preview.file_format,
                "profile_name": preview.profile.name, "kind": preview.profile.kind, "debit_account_id": acc.id,
                "currency": acc.currency, "file_rows": preview.rows_total, "line_count": len(lines),
                "excluded_count": len(preview.invalid_rows), "total_minor": total, "payees_created": len(new_ids),
                "status": BATCH_PENDING, "created_by": actor.user_id, "created_at": now})
            policy = current_policy(uow)
            common = {"org_id": org.id, "debit_account_id": acc.id, "currency": acc.currency, "requested_date": today,
                      "urgency": URGENCY_NORMAL, "status": submitted.value, "client_reference": None,
                      "maker_id": actor.user_id, "version": 1, "created_at": now, "updated_at": now,
                      "duplicate_override": False, "policy_version": policy.version, "submitted_at": now,
                      "signer_id": None, "check_count": 0, "no_record_count": 0, "batch_id": batch_id}
            created = f"created by batch import {batch_id}"
            history = [
                {"seq": 1, "from_status": None, "to_status": PaymentStatus.DRAFT.value, "at": now,
                 "actor": actor.username, "detail": f"{created} (row {{row}})"},
                {"seq": 2, "from_status": PaymentStatus.DRAFT.value, "to_status": submitted.value, "at": now,
                 "actor": actor.username, "detail": f"submitted with batch {batch_id}; policy v{policy.version}"}]
            hasher = _content_hasher(acc, acc.currency, today, lines[0])
            needs: dict[int, tuple[int, str | None]] = {}
            ids: list[int] = []
            remitted = len(preview.remittance_lines)
            columns = (*_LINE_COLUMNS, "remittance") if remitted else _LINE_COLUMNS
            for i in range(0, len(lines), WRITE_CHUNK):
                records = []
                for line in lines[i:i + WRITE_CHUNK]:
                    need = needs.get(line.amount_minor)
                    if need is None:
                        r = policy.requirement(acc.id, URGENCY_NORMAL, line.amount_minor)
                        need = needs[line.amount_minor] = (r.approvers, r.required_role)
                    record = (payee_ids[(line.payee_account, line.bank_code)], line.amount_minor, line.purpose,
                              hasher(line), line.row, need[0], need[1])
                    if remitted:
                        record += (line.remittance.to_json() if line.remittance else None,)
                    records.append(record)
                ids += uow.batches.add_payment_lines(common, records, columns, history)
                if progress:
                    progress("payments", len(ids), len(lines))
            uow.audit.append(actor, BATCH_IMPORTED, "payment_batch", str(batch_id), {
                "file_name": preview.file_name, "file_sha256": preview.sha256, "format": preview.file_format,
                "encoding": preview.encoding, "profile": preview.profile.name, "kind": preview.profile.kind,
                "debit_account_id": acc.id, "debit_account": acc.account_number, "currency": acc.currency,
                "rows": preview.rows_total, "lines": len(ids), "excluded_rows": sorted(preview.invalid_rows),
                "total_minor": total, "payments_first_id": min(ids), "payments_last_id": max(ids),
                "status": submitted.value, "payees_created": len(new_ids), "payee_ids_created": new_ids,
                "branches_chosen_by_name": {str(line.row): line.bank_code for line in preview.resolved_branches},
                "branches_confirmed": bool(preview.resolved_branches) and confirm_branches == preview.branch_token,
                "remittance_lines": remitted, "bank_rules": preview.bank_rules or None,
                "policy_version": policy.version})
            uow.commit()
            batch = uow.batches.get(batch_id)
        if len(ids) >= ANALYZE_AFTER_LINES:
            with self._uow() as uow:  # the database's planner must know the tables just grew (PostgreSQL)
                uow.batches.refresh_statistics()
                uow.commit()
        return batch, ids

    # -- batches ------------------------------------------------------------------------------------------
    def list_batches(self, actor: Actor, limit: int = 200) -> list[PaymentBatch]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.batches.list(limit)

    def get_batch(self, actor: Actor, batch_id: int) -> tuple[PaymentBatch, dict[str, tuple[int, int]]]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            batch = uow.batches.get(batch_id)
            if batch is None:
                raise NotFound("payment batch", batch_id)
            return batch, uow.batches.status_counts(batch_id)

    def lines(self, actor: Actor, batch_id: int, offset: int = 0, limit: int = 1000) -> list[BatchLineStatus]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            if uow.batches.get(batch_id) is None:
                raise NotFound("payment batch", batch_id)
            return uow.batches.lines(batch_id, offset, limit)

    def remittances(self, actor: Actor, batch_id: int) -> dict[int, Remittance]:
        """Payment id → remittance of the batch's lines that carry one (supplier batches)."""
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            if uow.batches.get(batch_id) is None:
                raise NotFound("payment batch", batch_id)
            return line_extras(uow, self._line_extras).batch_remittances(batch_id)

    def export_lines(self, actor: Actor, batch_id: int, path: str | Path, *, status: str | None = None) -> int:
        """Write the batch's lines (with their current status and the bank's answer) to CSV or XLSX."""
        require_logged_in(actor)
        out: list[list] = []
        offset = 0
        with self._uow(read_only=True) as uow:
            if uow.batches.get(batch_id) is None:
                raise NotFound("payment batch", batch_id)
            while True:
                chunk = uow.batches.lines(batch_id, offset, 5000)
                if not chunk:
                    break
                out += [_line_row(line) for line in chunk if status is None or line.status == status]
                offset += len(chunk)
        write_table(Path(path), LINE_EXPORT_HEADERS, out)
        return len(out)


WRITE_CHUNK = 5000
_LINE_COLUMNS = ("payee_id", "amount_minor", "purpose", "content_hash", "batch_line", "required_approvals",
                 "required_role")


def _content_hasher(account: BankAccount, currency: str, requested_date: date,
                    sample: BatchLine) -> Callable[[BatchLine], str]:
    """``content_hash`` of a batch line (not urgent), with the canonical JSON's constant parts built once. The
    result is checked against :func:`content_hash` on ``sample``; should they ever differ, content_hash is used."""
    enc = json.encoder.encode_basestring           # what json.dumps(ensure_ascii=False) writes for a str
    head = '{"amount_minor":'
    middle = (f',"currency":{enc(currency)},"debit_account":{enc(account.account_number)},'
              f'"debit_bank_code":{enc(account.cnaps_code)},"payee_account":')
    tail = (f',"requested_date":{enc(requested_date.isoformat())},"urgent":false,'
            f'"v":{json.dumps(CONTENT_HASH_VERSION)}}}')
    sha = hashlib.sha256

    def fast(line: BatchLine) -> str:
        text = (f"{head}{int(line.amount_minor)}{middle}{enc(line.payee_account)},\"payee_bank_code\":"
                f"{enc(line.bank_code)},\"payee_name\":{enc(line.payee_name)},\"purpose\":{enc(line.purpose)}{tail}")
        return sha(text.encode("utf-8")).hexdigest()

    def exact(line: BatchLine) -> str:
        return content_hash(account, _PayeeKey(line), line.amount_minor, currency, line.purpose, requested_date,
                            False)

    return fast if fast(sample) == exact(sample) else exact


class _PayeeKey:
    """What content_hash reads of a payee (name, account number, bank code), without building a Payee."""

    __slots__ = ("account_number", "cnaps_code", "name")

    def __init__(self, line: BatchLine):
        self.name = line.payee_name
        self.account_number = line.payee_account
        self.cnaps_code = line.bank_code

