"""CSV export with formula-injection escaping (RELIABILITY.md §2, export row).

Values are stored verbatim; only on export does a cell starting with ``= + - @ TAB CR`` get a leading
apostrophe so spreadsheet programs show it as text instead of running it. UTF-8 with a BOM, so Excel
opens Chinese text correctly. The file is written atomically (temp file, fsync, rename).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> str:
    text = "" if value is None else str(getattr(value, "value", value))
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write the rows; return how many were written."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([escape_cell(h) for h in headers])
        for row in rows:
            writer.writerow([escape_cell(v) for v in row])
            count += 1
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return count
