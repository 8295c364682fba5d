"""``bankdirect cnaps import FILE`` (gweesin/CNAPS CSV layout, GBK or UTF-8; every bad row named by line; nothing
installed unless --skip-invalid), ``cnaps lookup NAME --json``, and the installed list used by the batch import in
preference to the shipped table — with the chosen branch shown as "row N: name → code official name" and the
import refused until that list is confirmed (--confirm-branches TOKEN)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from app.cli import main
from app.domain.batch_import import parse_cnaps_csv
from app.domain.identifiers import cnaps_check_digit
from storage.fingerprint import table_fingerprints

HEADER = "LName,BankCode,BankName,BankId,CityCode,CityName,ProvinceName,ProvinceCode"
ICBC_HEAD = "102100099996"


def code(first11: str) -> str:
    return first11 + cnaps_check_digit(first11)


ICBC_HQB = code("10258400012")          # 中国工商银行股份有限公司深圳华强北支行 (not in the shipped table)
CCB_HQB = code("10558400034")
ABC_FT1, ABC_FT2 = code("10358400011"), code("10358400029")
CMB_ACCOUNT_BANK = code("30858400001")
CARDS = ["6214830000000017", "6214830000000025", "6214830000000033"]


def branch_list(*, bad: bool) -> str:
    rows = [HEADER,
            f"中国工商银行股份有限公司深圳华强北支行,{ICBC_HQB},中国工商银行,{ICBC_HEAD},5840,深圳市,广东省,44",
            f"中国建设银行股份有限公司深圳华强北支行,{CCB_HQB},中国建设银行,105100000017,5840,深圳市,广东省,44",
            f"中国农业银行股份有限公司深圳福田支行,{ABC_FT1},中国农业银行,103100000026,5840,深圳市,广东省,44",
            f"中国农业银行股份有限公司深圳福田支行,{ABC_FT2},中国农业银行,103100000026,5840,深圳市,广东省,44"]
    if bad:
        wrong = ICBC_HQB[:11] + str((int(ICBC_HQB[11]) + 1) % 10)
        rows += [f"中国工商银行深圳某支行,{wrong},中国工商银行,{ICBC_HEAD},5840,深圳市,广东省,44",      # line 6
                 "C 城市商业银行,999999999993,城市商业银行,,9999,,,",                                  # line 7
                 f"中国工商银行深圳另一支行,{ICBC_HQB},中国工商银行,{ICBC_HEAD},1000,北京市,北京市,11"]  # line 8
    return "\n".join(rows) + "\n"


def run(capsys, *argv):
    code_ = main(list(argv))
    out = capsys.readouterr()
    return code_, out.out, out.err


@pytest.fixture
def ledger(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BANKDIRECT_SECRET_STORE", "vault")
    monkeypatch.setenv("BANKDIRECT_PASSPHRASE", "test-vault-passphrase")
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "admin-password-1")
    common = ["--data-dir", str(tmp_path / "data")]
    assert run(capsys, "init", "--org", "测试有限公司", "--admin", "alice", *common)[0] == 0
    rc, _, err = run(capsys, "account", "add", "--bank-name", "招商银行", "--bank-code", CMB_ACCOUNT_BANK,
                     "--number", "755900000000001", "--name", "测试有限公司", "--user", "alice", *common)
    assert rc == 0, err
    monkeypatch.setenv("BANKDIRECT_NEW_PASSWORD", "maker-password-1")
    assert run(capsys, "user", "add", "mia", "--role", "maker", "--user", "alice", *common)[0] == 0
    return common


def _fingerprint(tmp_path) -> dict:
    from storage.db import open_ledger

    ledger = open_ledger(None, tmp_path / "data", migrate=False)
    try:
        tables = table_fingerprints(ledger.engine)
        return {k: v for k, v in tables.items() if k not in ("users", "audit_log", "ledger_meta")}
    finally:
        ledger.dispose()


def test_the_reference_samples_parse_clean(reference_dir):
    for name in ("after.csv", "before.csv"):
        text = (reference_dir / "china" / "gweesin_CNAPS" / name).read_text(encoding="utf-8")
        checked = parse_cnaps_csv(text)
        assert checked.rows == 2 and not checked.errors and len(checked.branches) == 2
        assert {b.code for b in checked.branches} == {"102331005059", "102100002020"}


def test_bad_rows_are_named_by_line_and_nothing_is_installed_unless_skipped(ledger, capsys, tmp_path, monkeypatch):
    f = tmp_path / "cnaps.csv"
    f.write_bytes(branch_list(bad=True).encode("gbk"))
    table = tmp_path / "data" / "cnaps" / "branches.tsv"
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "maker-password-1")     # a maker may not install the table
    rc, out, _ = run(capsys, "cnaps", "import", str(f), "--user", "mia", "--json", *ledger)
    assert rc == 2 and json.loads(out)["error"]["code"] == "PERMISSION_DENIED" and not table.exists()
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "admin-password-1")
    rc, out, _ = run(capsys, "cnaps", "import", str(f), "--user", "alice", "--json", *ledger)
    data = json.loads(out)
    assert rc == 2 and not table.exists()
    errors = data["error"]["errors"]
    assert sorted({e["row"] for e in errors}) == [6, 7, 8] and "lines 6, 7, 8" in data["error"]["message"]
    assert {(e["row"], e["column"], e["code"]) for e in errors} >= {(6, "BankCode", "CNAPS_ROW"),
                                                                    (7, "BankCode", "BANK_CODE"),
                                                                    (8, "CityCode", "CNAPS_ROW")}
    rc, out, _ = run(capsys, "cnaps", "import", str(f), "--user", "alice", "--skip-invalid", "--json", *ledger)
    data = json.loads(out)
    assert rc == 0 and data["branches"] == 4 and data["skipped_rows"] == [6, 7, 8] and table.exists()


def test_lookup_uses_the_installed_list_and_the_batch_import_asks_for_confirmation(ledger, capsys, tmp_path,
                                                                                     monkeypatch):
    rc, out, _ = run(capsys, "cnaps", "lookup", "工行深圳华强北支行", "--json", *ledger)
    assert rc == 2 and json.loads(out)["table"] == "shipped"                   # not in the shipped table
    f = tmp_path / "cnaps.csv"
    f.write_bytes(branch_list(bad=False).encode("gbk"))
    assert run(capsys, "cnaps", "import", str(f), "--user", "alice", *ledger)[0] == 0
    rc, out, _ = run(capsys, "cnaps", "lookup", "工行深圳华强北支行", "--json", *ledger)
    data = json.loads(out)
    assert rc == 0 and data["table"] == "installed" and data["chosen"]["code"] == ICBC_HQB
    rc, out, _ = run(capsys, "cnaps", "lookup", "中国农业银行深圳福田支行", "--json", *ledger)
    data = json.loads(out)
    assert rc == 2 and data["chosen"] is None and {c["code"] for c in data["candidates"]} == {ABC_FT1, ABC_FT2}
    assert ABC_FT1 in data["problem"] and ABC_FT2 in data["problem"]
    rc, out, _ = run(capsys, "cnaps", "lookup", "华强北", "--json", *ledger)
    assert {c["code"] for c in json.loads(out)["candidates"]} == {ICBC_HQB, CCB_HQB}

    monkeypatch.setenv("BANKDIRECT_PASSWORD", "maker-password-1")
    payroll = tmp_path / "工资.csv"
    payroll.write_bytes(("收款人名称,收款账号,收款行名称,收款行行号,金额,用途\n"
                         f"张三,{CARDS[0]},工行深圳华强北支行,,5000.00,工资\n"
                         f"李四,{CARDS[1]},中国农业银行深圳福田支行,,4000.00,工资\n"
                         f"王五,{CARDS[2]},建设银行深圳华强北支行,,4200.50,\n").encode("gbk"))
    args = ["batch", "import", str(payroll), "--account", "755900000000001", "--user", "mia", *ledger]
    rc, out, err = run(capsys, *args, "--dry-run")
    assert rc == 2                                                           # row 3: ambiguous branch name
    assert f"row 2: 工行深圳华强北支行 → {ICBC_HQB} 中国工商银行股份有限公司深圳华强北支行" in out
    assert f"row 4: 建设银行深圳华强北支行 → {CCB_HQB} 中国建设银行股份有限公司深圳华强北支行" in out
    assert "BANK_CODE" in err and ABC_FT1 in err and ABC_FT2 in err and "row 3" in err
    rc, out, _ = run(capsys, *args, "--dry-run", "--json")
    data = json.loads(out)
    token = data["branch_confirmation"]
    assert [(b["row"], b["bank_code"]) for b in data["branches_chosen"]] == [(2, ICBC_HQB), (4, CCB_HQB)]
    before = _fingerprint(tmp_path)
    rc, out, _ = run(capsys, *args, "--exclude-invalid", "--json")            # not confirmed: refused
    assert rc == 2 and json.loads(out)["error"]["code"] == "BRANCH_CONFIRMATION" and token in out
    rc, out, _ = run(capsys, *args, "--exclude-invalid", "--json", "--confirm-branches", "0" * 16)
    assert rc == 2 and json.loads(out)["error"]["code"] == "BRANCH_CONFIRMATION"
    assert _fingerprint(tmp_path) == before
    rc, out, err = run(capsys, *args, "--exclude-invalid", "--json", "--confirm-branches", token)
    data = json.loads(out)
    assert rc == 0, err
    assert data["lines"] == 2 and data["excluded"] == 1
    report = list(csv.reader(io.StringIO((tmp_path / "工资.errors.csv").read_text(encoding="utf-8-sig"))))
    assert report[1][0] == "3" and ABC_FT1 in report[1][-1]
