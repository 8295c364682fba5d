"""SQLite ledgers on network shares are refused (injected /proc/self/mounts text)."""

from __future__ import annotations

import pytest

from app.domain.errors import StorageUnavailable
from storage.db import open_ledger
from storage.mounts import NETWORK_FS_TYPES, ensure_local_disk, filesystem_type, is_unc_path, parse_mounts

LOCAL = "/dev/sda1 / ext4 rw,relatime 0 0\n"


def mounts_with(mount_point: str, fs_type: str) -> str:
    return LOCAL + f"server:/export {mount_point} {fs_type} rw,relatime 0 0\n"


@pytest.mark.parametrize("fs_type", ["nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "ceph",
                                     "glusterfs"])
def test_sqlite_ledger_on_a_network_share_is_refused(tmp_path, fs_type):
    data_dir = tmp_path / "share" / "bankdirect"
    with pytest.raises(StorageUnavailable) as info:
        open_ledger(None, data_dir, mounts_reader=lambda: mounts_with(str(tmp_path / "share"), fs_type))
    assert info.value.code == "NETWORK_SHARE"
    assert "local disk" in info.value.message and "PostgreSQL" in info.value.message
    assert fs_type in info.value.message
    assert not data_dir.exists()  # refused before anything was created


def test_local_disk_is_accepted(tmp_path):
    ledger = open_ledger(None, tmp_path / "data", mounts_reader=lambda: LOCAL)
    ledger.dispose()
    assert (tmp_path / "data" / "ledger.sqlite3").is_file()


def test_longest_mount_prefix_wins():
    text = LOCAL + "srv:/x /mnt nfs4 rw 0 0\n/dev/sdb1 /mnt/local ext4 rw 0 0\n"
    assert filesystem_type("/mnt/local/ledger", text) == "ext4"
    assert filesystem_type("/mnt/other/ledger", text) == "nfs4"
    assert filesystem_type("/mnt", text) == "nfs4"
    assert filesystem_type("/mntx/ledger", text) == "ext4"  # component-wise, not a string prefix
    ensure_local_disk("/mnt/local/ledger", lambda: text)
    with pytest.raises(StorageUnavailable):
        ensure_local_disk("/mnt/other/ledger", lambda: text)


def test_escaped_mount_points_are_decoded():
    text = LOCAL + r"//nas/finance /media/My\040Share cifs rw 0 0" + "\n"
    assert ("/media/My Share", "cifs") in parse_mounts(text)
    with pytest.raises(StorageUnavailable) as info:
        ensure_local_disk("/media/My Share/ledger", lambda: text)
    assert info.value.code == "NETWORK_SHARE"


@pytest.mark.parametrize("path", [r"\\server\share\bankdirect", "//server/share/bankdirect"])
def test_unc_paths_are_refused(path):
    assert is_unc_path(path)
    with pytest.raises(StorageUnavailable) as info:
        ensure_local_disk(path, lambda: LOCAL)
    assert info.value.code == "NETWORK_SHARE"
    assert "UNC" in info.value.message


def test_ordinary_paths_are_not_unc():
    assert not is_unc_path("/home/user/bankdirect")
    assert not is_unc_path(r"C:\Users\finance\BankDirect")


def test_network_types_cover_the_brief():
    assert {"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "ceph", "glusterfs"} <= NETWORK_FS_TYPES
