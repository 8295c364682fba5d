"""``bankdirect payee confirm ID``: a second person confirms a payee's changed bank details; the person who changed
them is refused (exit 2, SELF_CONFIRM) and payments to the payee are refused until then (PAYEE_UNCONFIRMED)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.test_payment_cli import _create, _json, ledger  # noqa: F401  (pytest fixture)


def _mark_changed_by(common, username):
    con = sqlite3.connect(Path(common[1]) / "ledger.sqlite3")
    with con:
        con.execute("UPDATE payees SET confirmed = 0, confirmed_by = NULL, "
                    "changed_by = (SELECT id FROM users WHERE username = ?) WHERE id = 1", (username,))
    con.close()


def test_payee_confirm_by_another_user(ledger, capsys):  # noqa: F811
    common = ledger
    _mark_changed_by(common, "maker")
    code, out, err = _create(capsys, common)
    assert code == 2 and "PAYEE_UNCONFIRMED" in (err + str(out))
    code, out, err = _json(capsys, "payee", "confirm", "1", "--user", "maker", *common)
    assert code == 2 and "SELF_CONFIRM" in (err + str(out))
    code, rows, _ = _json(capsys, "payee", "list", *common)
    assert rows[0]["confirmed"] is False
    code, out, err = _json(capsys, "payee", "confirm", "1", "--user", "approver1", *common)
    assert code == 0, err
    assert out["ok"] is True and out["payee"]["confirmed"] is True
    code, out, err = _create(capsys, common)
    assert code == 0, err
