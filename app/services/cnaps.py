"""The CNAPS bank-code table (联行号) used to find a branch's code from its name.

BankDirect ships a tiny derived table (resources/cnaps/branches.tsv: the reference data holds only a handful of
branches and the head offices). ``import_file`` loads a full branch list — CSV in the gweesin/CNAPS column layout
(LName, BankCode, BankName, BankId, CityCode, CityName, ProvinceName, ProvinceCode), UTF-8 (BOM allowed) or
GBK/GB18030 — into the ledger's data folder (``<data dir>/cnaps/branches.tsv``) after checking every row
(:func:`app.domain.batch_import.parse_cnaps_csv`: 12-digit codes with a valid check digit, GBK names, city codes);
any bad row refuses the whole list, naming each by line, unless ``skip_invalid``. From then on
:meth:`directory` — the batch import's branch lookup — uses the installed list in preference to the shipped one.
Each import is one audit entry (file name, SHA-256, counts).
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from app.domain.batch_import import (
    FILE_SIZE,
    Branch,
    BranchDirectory,
    BranchMatch,
    FileRefused,
    RowProblem,
    decode_csv_bytes,
    file_problem,
    format_branch_table,
    parse_branch_table,
    parse_cnaps_csv,
)
from app.domain.errors import DomainError
from app.domain.users import Actor, Role
from app.ports import Clock, UnitOfWorkFactory
from app.services.batch_import import BatchRejected, shipped_branch_directory
from app.services.permissions import require_any

CNAPS_IMPORTED = "cnaps.imported"          # audit action (stable string)
MAX_LIST_BYTES = 256 * 1024 * 1024
TABLE_NAME = "branches.tsv"


@dataclass(frozen=True)
class CnapsImported:
    path: Path                          # the installed table
    rows: int                           # data rows read
    branches: int                       # branches installed
    skipped_rows: list[int] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    sha256: str = ""


@dataclass(frozen=True)
class CnapsLookup:
    name: str
    match: BranchMatch                  # what the batch import would choose (or why nothing)
    candidates: list[Branch]            # for a person: the exact match, then names containing the query
    source: str                         # "installed" or "shipped"
    table_size: int


class CnapsService:
    def __init__(self, data_dir: str | Path, uow: UnitOfWorkFactory | None = None, clock: Clock | None = None):
        self._dir = Path(data_dir) / "cnaps"
        self._uow = uow
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: tuple[tuple[int, int], BranchDirectory] | None = None

    @property
    def table_path(self) -> Path:
        return self._dir / TABLE_NAME

    # -- the table in use ---------------------------------------------------------------------------------
    def installed(self) -> BranchDirectory | None:
        """The imported full list (parsed once per version of the file), or None when none was imported."""
        try:
            st = self.table_path.stat()
        except FileNotFoundError:
            return None
        key = (st.st_mtime_ns, st.st_size)
        with self._lock:
            if self._cache is not None and self._cache[0] == key:
                return self._cache[1]
            directory = BranchDirectory(parse_branch_table(self.table_path.read_text(encoding="utf-8")), "installed")
            self._cache = (key, directory)
            return directory

    def directory(self) -> BranchDirectory | None:
        """The installed list when there is one, else the shipped table (what the batch import looks codes up in)."""
        return self.installed() or shipped_branch_directory()

    def lookup(self, name: str, limit: int = 20) -> CnapsLookup:
        directory = self.directory()
        if directory is None:
            raise DomainError("CNAPS_TABLE_MISSING", "no bank-code table is installed; import one with "
                              "`bankdirect cnaps import FILE`")
        text = name.strip()
        if not text:
            raise DomainError("FIELD_REQUIRED", "give a branch name to look up", "name")
        return CnapsLookup(text, directory.lookup(text), directory.search(text, limit), directory.source,
                           directory.size)

    # -- import -------------------------------------------------------------------------------------------
    def import_file(self, actor: Actor, path: str | Path, *, skip_invalid: bool = False) -> CnapsImported:
        require_any(actor, Role.ADMIN, doing="install the bank-code (CNAPS) table")
        path = Path(path)
        if not path.is_file():
            raise DomainError("FILE_NOT_FOUND", f"no such file: {path}")
        size = path.stat().st_size
        if size > MAX_LIST_BYTES:
            raise BatchRejected([file_problem(FILE_SIZE, f"the file has {size} bytes; at most {MAX_LIST_BYTES}")],
                                "the bank-code list cannot be imported")
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        try:
            text, encoding = decode_csv_bytes(data)
            checked = parse_cnaps_csv(text)
        except FileRefused as exc:
            raise BatchRejected(exc.problems, "the bank-code list cannot be imported") from None
        del data
        file_errors = [p for p in checked.errors if p.row <= 1]
        if file_errors:
            raise BatchRejected(checked.errors, "the bank-code list cannot be imported")
        bad = checked.bad_rows
        if bad and not skip_invalid:
            raise BatchRejected(checked.errors, f"{len(bad)} of {checked.rows} rows are invalid (lines "
                                f"{', '.join(map(str, bad[:10]))}{'…' if len(bad) > 10 else ''}); nothing was "
                                "installed (use --skip-invalid to install the valid rows)")
        if not checked.branches:
            raise BatchRejected(checked.errors, "no valid row is left; nothing was installed")
        now = self._clock.now() if self._clock is not None else None
        stamp = now.astimezone(UTC).isoformat(timespec="seconds") if now is not None else ""
        table = format_branch_table(checked.branches, [
            f"CNAPS branch list imported from {path.name} (SHA-256 {sha}, {encoding}) by {actor.username} {stamp}",
            f"{checked.rows} rows read, {len(checked.branches)} branches, {len(bad)} invalid rows skipped"])
        self._dir.mkdir(parents=True, exist_ok=True)
        tmp = self.table_path.with_name(TABLE_NAME + ".tmp")
        tmp.write_text(table, encoding="utf-8")
        if self._uow is not None:
            with self._uow() as uow:
                uow.audit.append(actor, CNAPS_IMPORTED, "cnaps_table", str(self.table_path), {
                    "file_name": path.name, "file_sha256": sha, "encoding": encoding, "rows": checked.rows,
                    "branches": len(checked.branches), "skipped_rows": bad[:1000]})
                uow.commit()
        os.replace(tmp, self.table_path)       # installed only once the audit entry is committed
        return CnapsImported(self.table_path, checked.rows, len(checked.branches), bad, checked.problems, sha)
