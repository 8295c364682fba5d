"""Refusing SQLite ledgers on network shares.

SQLite's locking (and WAL's shared memory) is unreliable over network file systems: two workstations
writing one ledger file over SMB or NFS can corrupt it. A shared ledger belongs in PostgreSQL.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from app.domain.errors import StorageUnavailable

NETWORK_FS_TYPES = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "ceph", "glusterfs", "fuse.glusterfs",
    "fuse.cephfs", "afs", "ncpfs", "davfs", "fuse.davfs2",
})

MountsReader = Callable[[], str]


def read_proc_mounts() -> str:
    try:
        return Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _unescape(field: str) -> str:
    r"""/proc/mounts escapes space, tab, newline and backslash as octal (``\040``)."""
    out, i = [], 0
    while i < len(field):
        digits = field[i + 1:i + 4]
        if field[i] == "\\" and len(digits) == 3 and digits.isdigit():
            out.append(chr(int(digits, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_mounts(text: str) -> list[tuple[str, str]]:
    """(mount point, file-system type) pairs from /proc/self/mounts text."""
    mounts = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            mounts.append((_unescape(parts[1]), parts[2]))
    return mounts


def filesystem_type(path: Path, mounts_text: str) -> str | None:
    """The type of the file system holding ``path``: longest mount-point prefix wins (component-wise)."""
    target = PurePosixPath(os.path.realpath(path))
    best: tuple[int, str] | None = None
    for mount_point, fs_type in parse_mounts(mounts_text):
        mp = PurePosixPath(mount_point)
        if target == mp or mp in target.parents:
            depth = len(mp.parts)
            if best is None or depth >= best[0]:
                best = (depth, fs_type)
    return best[1] if best else None


def is_unc_path(path: str | os.PathLike[str]) -> bool:
    text = os.fspath(path)
    return text.startswith("\\\\") or (text.startswith("//") and not text.startswith("///"))


def _windows_drive_is_remote(path: Path) -> bool:  # pragma: no cover - Windows only
    import ctypes

    drive = os.path.splitdrive(os.path.abspath(path))[0]
    if not drive:
        return False
    drive_remote = 4
    return ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == drive_remote  # type: ignore[attr-defined]


def _refuse(location: str, why: str) -> StorageUnavailable:
    return StorageUnavailable(
        f"the ledger folder {location} is on a network share ({why}). A SQLite ledger on a network share can "
        "be corrupted when two computers use it. Keep the ledger on a local disk, or use the shared "
        "PostgreSQL ledger (set the database URL) so several workstations can work together.",
        code="NETWORK_SHARE",
    )


def ensure_local_disk(data_dir: str | os.PathLike[str], mounts_reader: MountsReader | None = None) -> None:
    """Raise ``StorageUnavailable(code="NETWORK_SHARE")`` when ``data_dir`` is on a network file system."""
    if is_unc_path(data_dir):
        raise _refuse(os.fspath(data_dir), "a Windows UNC path")
    path = Path(data_dir)
    if sys.platform == "win32" and mounts_reader is None:  # pragma: no cover - Windows only
        if _windows_drive_is_remote(path):
            raise _refuse(str(path), "a mapped network drive")
        return
    text = (mounts_reader or read_proc_mounts)()
    fs_type = filesystem_type(path, text)
    if fs_type is not None and fs_type.lower() in NETWORK_FS_TYPES:
        raise _refuse(str(path), f"file system {fs_type}")
