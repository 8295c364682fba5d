"""The import's fast path stays exactly equal to the full checks when a bank's own rules apply (CMB, ISO 20022 with
the Latin set, a bank with small fields) and supplier files carry remittance columns."""

from __future__ import annotations

import random
from dataclasses import astuple
from datetime import date

import pytest

from app.domain.bank_fields import wire_text_rules
from app.domain.batch_import import BUILTIN_PROFILES, RowValidator, validate_rows
from app.domain.identifiers import cnaps_check_digit
from bank_plugins.cmb_fbsdk.manifest import MANIFEST as CMB
from bank_plugins.iso20022.manifest import MANIFEST as ISO


def _rules(name: str):
    if name == "none":
        return None
    if name == "tiny":
        return wire_text_rules("tiny", "Tiny", "FBSDK", "gbk", {"CRTNAM": 16, "NUSAGE": 10, "CRTBNK": 12})
    m = CMB if name == "cmb" else ISO
    return wire_text_rules(m.id, m.bank, m.protocol, m.limits.encoding, m.limits.field_byte_lengths,
                           {"charset": "latin"} if name == "iso-latin" else {})


@pytest.mark.parametrize("bank", ["none", "cmb", "iso-latin", "tiny"])
def test_fast_path_equals_full_checks_with_bank_rules(bank, monkeypatch):
    rng = random.Random(11)
    icbc = "10210000023" + cnaps_check_digit("10210000023")
    bad = {
        "name": ["Acme Ltd", "", "王𠮷", "深圳市华强电子有限公司深圳市华强", "A" * 70, "张三"],
        "purpose": ["", "货款" * 20, "Invoice", "货款"],
        "invoice": ["", "", "12345678", "1,2,3,4,5,6,7", "发票1", "INV_1", "1 2", "1；2", " A;B ", "X" * 36,
                    ",".join(str(11111111 * k) for k in range(1, 8)), ",".join(map(str, range(21)))],
        "date": ["", "2026-11-02", "2026-13-01", "2027-01-01", "2026/11/02", "20261102", " 2026-11-02 ",
                 "1999-01-01"],
        "ref": ["", "PO-778", "备注" * 20, "REF_1", " PO-1 ", "𠮷", "付款\u200b"],
    }
    header = ["收款人名称", "收款账号", "收款行名称", "收款行行号", "金额", "用途", "发票号", "发票日期", "汇款附言"]
    rows = [header]
    for i in range(2000):
        j = i if rng.random() > .05 else rng.randrange(i + 1)          # the same supplier again (duplicates)
        good = {"name": f"供应商{j}", "purpose": "货款", "invoice": str(10000000 + j) if j % 2 else "",
                "date": "2026-11-02" if j % 4 == 1 else "", "ref": f"PO-{j}" if j % 3 == 0 else ""}
        cells = {k: (rng.choice(bad[k]) if rng.random() < .15 else v) for k, v in good.items()}
        rows.append([cells["name"], f"7559{j:08d}", "中国工商银行深圳分行", icbc, f"{1 + j % 50}.00",
                     cells["purpose"], cells["invoice"], cells["date"], cells["ref"]])
    profile = BUILTIN_PROFILES["supplier"]
    rules = _rules(bank)
    today = date(2026, 11, 28)
    _, fast = validate_rows(rows, profile, None, rules=rules, today=today)
    monkeypatch.setattr(RowValidator, "_add_fast", lambda self, row, cells: False)
    _, full = validate_rows(rows, profile, None, rules=rules, today=today)
    assert [astuple(x) for x in fast.lines] == [astuple(x) for x in full.lines] and len(full.lines) < 2000
    # the Latin set refuses every Chinese text (names, and the payee bank's name 中国工商银行 in CdtrAgt/Nm)
    assert (len(full.lines) == 0) if bank == "iso-latin" else (len(full.lines) > 100)
    assert fast.problems == full.problems and fast.invalid_rows == full.invalid_rows
    if rules is not None:
        assert any(rules.bank in p.message for p in full.errors)       # the bank's own rules did refuse rows
