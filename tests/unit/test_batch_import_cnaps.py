"""The shipped CNAPS branch table (resources/cnaps/branches.tsv) is exactly what gweesin/CNAPS's data derives to
(rebuilt here from ../shared/reference at test time only), and branch-name lookup picks the right code."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from app.domain.batch_import import BranchDirectory, parse_branch_table
from app.domain.identifiers import check_cnaps
from app.services.batch_import import _BRANCH_TABLE, shipped_branch_directory


def _derive(ref: Path) -> set[tuple[str, str, str, str, str]]:
    rows = set()
    for name in ("after.csv", "before.csv"):
        with open(ref / name, encoding="utf-8") as fh:
            rows |= {(r["BankCode"], r["LName"], r["BankName"], r["CityName"], "branch") for r in csv.DictReader(fh)}
    for b in json.loads((ref / "banks.json").read_text(encoding="utf-8")):
        if not b["BankId"].startswith("9999"):
            name = re.sub(r"^[A-Z] ", "", b["BankName"])
            rows.add((b["BankId"], name, name, "", "head"))
    return rows


def test_shipped_table_is_derived_from_the_reference(reference_dir):
    shipped = {tuple((line.split("\t") + [""] * 5)[:5])
               for line in _BRANCH_TABLE.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")}
    assert shipped == _derive(reference_dir / "china" / "gweesin_CNAPS")
    assert "gweesin/CNAPS" in _BRANCH_TABLE.read_text(encoding="utf-8").splitlines()[0]
    for code, *_ in shipped:
        assert not [p for p in check_cnaps(code) if p.is_error], code


def test_lookup_by_branch_name():
    d = shipped_branch_directory()
    assert d is not None
    assert d.lookup("中国工商银行股份有限公司杭州钱塘支行").branch.code == "102331005059"
    assert d.lookup("工商银行杭州钱塘支行").branch.code == "102331005059"          # short bank name, no company words
    assert d.lookup("中国工商银行杭州经济技术开发区支行").branch.code == "102331005059"   # the former name
    assert d.lookup(" 工行北京金台路支行 ").branch.code == "102100002020"
    assert "not a branch" in d.lookup("中国工商银行").problem
    assert d.lookup("中国农业银行杭州钱塘支行").branch is None                    # another bank's branch
    assert d.lookup("招商银行深圳分行").branch is None


def test_ambiguous_names_are_not_guessed():
    text = ("102331005059\t中国工商银行甲支行\t中国工商银行\t杭州市\tbranch\n"
            "102100002020\t工行甲支行\t中国工商银行\t北京市\tbranch\n")
    d = BranchDirectory(parse_branch_table(text))
    match = d.lookup("工商银行甲支行")
    assert match.branch is None and len(match.candidates) == 2 and "2 branches" in match.problem
