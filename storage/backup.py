"""Consistent copies of a SQLite ledger (online backup API), written atomically and integrity-checked."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from app.domain.errors import IntegrityFailure, StorageUnavailable


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def integrity_check(path: Path) -> list[str]:
    """``PRAGMA integrity_check`` of a SQLite file: an empty list when it is sound."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows


def copy_sqlite(src: Path, dst: Path) -> None:
    """Copy the SQLite database ``src`` to ``dst``.

    Uses the online backup API (consistent even while others read or write ``src``), writes to a temporary
    file beside ``dst`` in rollback-journal mode (one self-contained file), fsyncs, integrity-checks the copy
    and only then renames it into place. Raises ``IntegrityFailure(code="BACKUP_CORRUPT")`` when the copy
    fails its integrity check and ``StorageUnavailable(code="BACKUP_FAILED")`` on I/O errors; ``dst`` is
    never left half-written.
    """
    src, dst = Path(src), Path(dst)
    if not src.is_file():
        raise StorageUnavailable(f"cannot back up {src}: the file does not exist", code="BACKUP_FAILED")
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    try:
        source = sqlite3.connect(str(src), timeout=10)
        try:
            target = sqlite3.connect(str(tmp))
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode=DELETE")
                target.commit()
            finally:
                target.close()
        finally:
            source.close()
        problems = integrity_check(tmp)
        if problems:
            raise IntegrityFailure(
                f"the copy of {src} failed its integrity check ({'; '.join(problems[:3])}); "
                "the ledger may be damaged: restore it from a backup", code="BACKUP_CORRUPT")
        _fsync_file(tmp)
        os.replace(tmp, dst)
        _fsync_dir(dst.parent)
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
            raise IntegrityFailure(f"the ledger {src} is damaged ({exc}); restore it from a backup",
                                   code="BACKUP_CORRUPT") from exc
        raise StorageUnavailable(f"cannot copy the ledger {src} to {dst}: {exc}", code="BACKUP_FAILED") from exc
    except OSError as exc:
        raise StorageUnavailable(f"cannot write the ledger copy {dst}: {exc.strerror or exc}",
                                 code="BACKUP_FAILED") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
