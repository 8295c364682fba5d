"""``bankdirect batch import`` of a supplier file with 发票号 / 发票日期 / 汇款附言: the dry run lists each line's
invoices and reference (text and --json), bad remittance cells are row errors with their column, and ``batch show
--json`` gives each line's stored remittance."""

from __future__ import annotations

import json

from tests.batches.test_cnaps_table import ledger, run  # noqa: F401  (the CLI ledger fixture)

ICBC = "102100000232"
HEADER = "收款人名称,收款账号,收款行名称,收款行行号,金额,用途,发票号,发票日期,汇款附言"


def test_supplier_dry_run_lists_remittance_and_show_returns_it(ledger, capsys, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "maker-password-1")
    f = tmp_path / "供应商.csv"
    f.write_bytes(("\n".join([
        HEADER,
        f'深圳市华强电子有限公司,755912345678,工行,{ICBC},12000.00,货款,"12345678,12345679",2025-11-02,PO-778',
        f"上海浦江物流有限公司,755912345679,工行,{ICBC},300.00,运费,INV-9,2025/13/01,",
        f"广州某某贸易有限公司,755912345681,工行,{ICBC},500.00,货款,,,"]) + "\n").encode("gbk"))
    args = ["batch", "import", str(f), "--account", "755900000000001", "--profile", "supplier", "--user", "mia",
            *ledger]
    rc, out, err = run(capsys, *args, "--dry-run")
    assert rc == 2 and "row 2: 发票 12345678 (2025-11-02), 12345679 (2025-11-02) · 附言 PO-778" in out
    assert "row 3 [发票日期] REMITTANCE_DATE" in err
    rc, out, _ = run(capsys, *args, "--dry-run", "--json")
    data = json.loads(out)
    assert data["remittances"] == [{"row": 2, "reference": "PO-778", "invoices": [
        {"number": "12345678", "date": "2025-11-02"}, {"number": "12345679", "date": "2025-11-02"}]}]
    assert [(e["row"], e["column"], e["code"]) for e in data["errors"]] == [(3, "发票日期", "REMITTANCE_DATE")]
    rc, out, _ = run(capsys, *args, "--exclude-invalid", "--json")
    assert rc == 0
    batch_id = json.loads(out)["batch_id"]
    rc, out, _ = run(capsys, "batch", "show", str(batch_id), "--user", "mia", "--json", *ledger)
    lines = {line["row"]: line for line in json.loads(out)["lines"]}
    assert rc == 0 and lines[4]["remittance"] is None
    assert lines[2]["remittance"]["invoices"][1] == {"number": "12345679", "date": "2025-11-02"}
