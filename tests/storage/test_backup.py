"""copy_sqlite: consistent online copy, atomic, integrity-checked."""

from __future__ import annotations

import sqlite3

import pytest

from app.domain.errors import IntegrityFailure, StorageUnavailable
from storage.backup import copy_sqlite, integrity_check


def _make_db(path, rows=100):
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.executemany("INSERT INTO t (v) VALUES (?)", [(f"值{i}",) for i in range(rows)])
    conn.commit()
    return conn


def test_copy_is_complete_self_contained_and_checked(tmp_path):
    src = tmp_path / "ledger.sqlite3"
    live = _make_db(src)
    try:
        live.execute("INSERT INTO t (v) VALUES ('only in the WAL')")
        live.commit()  # the WAL has not been checkpointed: a plain file copy would miss this row
        dst = tmp_path / "backups" / "copy.sqlite3"
        copy_sqlite(src, dst)
    finally:
        live.close()
    copy = sqlite3.connect(dst)
    try:
        assert copy.execute("SELECT count(*) FROM t").fetchone()[0] == 101
        assert copy.execute("SELECT v FROM t WHERE id = 101").fetchone()[0] == "only in the WAL"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        copy.close()
    assert integrity_check(dst) == []
    assert sorted(p.name for p in dst.parent.iterdir()) == ["copy.sqlite3"]


def test_corrupt_source_leaves_no_copy(tmp_path):
    src = tmp_path / "ledger.sqlite3"
    _make_db(src, rows=2000).close()
    data = bytearray(src.read_bytes())
    page = 4096
    for offset in range(page * 2, min(len(data), page * 6)):  # trash a few b-tree pages
        data[offset] = 0xA5
    src.write_bytes(bytes(data))
    dst = tmp_path / "backups" / "copy.sqlite3"
    with pytest.raises(IntegrityFailure) as info:
        copy_sqlite(src, dst)
    assert info.value.code == "BACKUP_CORRUPT"
    assert not dst.exists()
    assert list(dst.parent.iterdir()) == []


def test_corrupt_index_is_caught_by_the_integrity_check_of_the_copy(tmp_path):
    """The backup API copies pages verbatim; only integrity_check notices an index that disagrees with its table."""
    src = tmp_path / "ledger.sqlite3"
    conn = _make_db(src, rows=50)
    conn.execute("CREATE INDEX t_v ON t (v)")
    conn.commit()
    conn.execute("PRAGMA writable_schema=ON")
    # make the index cover a different column than the rows it holds: a silent corruption
    conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX t_v ON t (id)' WHERE name = 't_v'")
    conn.commit()
    conn.close()
    dst = tmp_path / "copy.sqlite3"
    with pytest.raises(IntegrityFailure) as info:
        copy_sqlite(src, dst)
    assert info.value.code == "BACKUP_CORRUPT"
    assert not dst.exists()


def test_missing_source_is_refused(tmp_path):
    with pytest.raises(StorageUnavailable) as info:
        copy_sqlite(tmp_path / "nope.sqlite3", tmp_path / "copy.sqlite3")
    assert info.value.code == "BACKUP_FAILED"
