"""The bank's own findings (its encoding and field lengths) are told apart from the generic file problems: the
preview lists them as ``bank_findings`` (bank, wire field, limit, unit), the wizard shows a "Bank check" column next
to the row number ("OK" or a short reason, the bank's message in the tooltip) and counts them apart in the summary,
and ``bankdirect batch import --dry-run --json`` lists them under ``bank_findings`` with the ``errors`` unchanged.
A CMB supplier preview in Chinese is rendered to /tmp/wizard_bank_check.png."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.domain.identifiers import cnaps_check_digit
from app.ports.bank import PluginLimits, PluginManifest
from app.services.batch_import import BatchImportService, BatchRejected
from storage.batch_lines_extra import SqlBatchLineExtras
from tests.batches.test_cnaps_table import ledger, run  # noqa: F401  (the CLI ledger fixture)
from ui.dialogs.batch_import_wizard import ERROR_BACKGROUND, GREEN, RED, BatchImportWizard
from ui.ops import wait_idle

ICBC = "10210000023" + cnaps_check_digit("10210000023")
PAYROLL = "收款人名称,收款账号,收款行名称,收款行行号,金额,用途"
SUPPLIER = PAYROLL + ",发票号,发票日期,汇款附言"
SHOT = Path("/tmp/wizard_bank_check.png")
# a bank whose payee-name field (户名) holds 20 GBK bytes: long transliterated names do not fit
SMALL = PluginManifest("smallbank", "Small 小银行", "FBSDK-like XML", "1.0", "1.0", frozenset(),
                       PluginLimits(encoding="gbk", field_byte_lengths={"CRTNAM": 20, "NUSAGE": 62}))


@pytest.fixture
def w(payment_world, app_context):
    w = payment_world
    w.uow = app_context.ledger.unit_of_work_factory(app_context.audit_key, app_context.clock)
    w.clock = app_context.clock
    return w


def set_plugin(w, plugin_id: str | None) -> None:
    acc = w.account
    fields = {k: getattr(acc, k) for k in ("bank_name", "branch_name", "cnaps_code", "account_number",
                                           "account_name", "currency")}
    w.account = w.services.master_data.update_account(w.admin, acc.id, acc.version,
                                                      {**fields, "plugin_id": plugin_id}).entity


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode("gbk"))
    return path


def payroll_rows() -> list[str]:
    return [f"张三,6214830000000017,工行,{ICBC},5000.00,工资",
            f"阿卜杜热依木·买买提艾力,6214830000000025,工行,{ICBC},4000.00,工资",     # 24 bytes > CRTNAM 20
            f"李四,6214830000000033,工行,{ICBC},1e3,工资",                               # not an amount: a file error
            f"王五,6214830000000041,工行,{ICBC},4200.50,工资",
            f"穆罕默德·阿卜杜拉·买买提明,6214830000000058,工行,{ICBC},3900.00,工资"]     # 28 bytes


def _wizard(qtbot, services, w, profile: str) -> BatchImportWizard:
    wizard = BatchImportWizard(services, w.actor("maker"))
    qtbot.addWidget(wizard)
    wizard.show()
    assert wait_idle(20)
    wizard.set_choice(wizard.account_combo, w.account.account_number)
    wizard.set_choice(wizard.profile_combo, profile)
    return wizard


def _check(qtbot, wizard, path: Path) -> None:
    wizard.file_edit.clear()
    wizard.file_edit.insert(str(path))
    qtbot.keyClick(wizard.file_edit, Qt.Key.Key_Return)
    assert wait_idle(30)


def test_preview_tells_the_banks_findings_apart(w, tmp_path):
    set_plugin(w, "smallbank")
    svc = BatchImportService(w.uow, w.clock, manifests=lambda pid: SMALL, line_extras=SqlBatchLineExtras.of)
    path = write(tmp_path / "工资.csv", PAYROLL, payroll_rows())
    pv = svc.preview(w.actor("maker"), path, account=w.account.account_number)
    assert pv.bank_rules == "smallbank" and pv.bank == "Small 小银行"
    assert pv.bank_error_rows == [3, 6] and pv.other_error_rows == [4]
    f = pv.bank_findings[0]
    assert (f.row, f.subject, f.wire_field, f.limit, f.unit, f.code) == (3, "payee_name", "CRTNAM", 20, "bytes",
                                                                         "TEXT_LENGTH")
    assert pv.is_bank_finding(f.problem) and not any(pv.is_bank_finding(p) for p in pv.errors if p.row == 4)
    assert f.to_dict()["short"] == "payee_name over Small 小银行 CRTNAM 20 bytes"
    with pytest.raises(BatchRejected) as refused:
        svc.import_file(w.actor("maker"), path, account=w.account.account_number)
    assert "the bank's own limits (Small 小银行) refuse 2 of them (rows 3, 6)" in refused.value.message
    data = refused.value.to_dict()
    assert [e["row"] for e in data["errors"]] == [3, 4, 6]
    assert [(b["row"], b["wire_field"], b["limit"]) for b in data["bank_findings"]] == [(3, "CRTNAM", 20),
                                                                                        (6, "CRTNAM", 20)]


def test_wizard_shows_a_bank_check_column_and_counts_it_apart(qtbot, w, tmp_path):
    set_plugin(w, "smallbank")
    services = SimpleNamespace(batch_import=BatchImportService(w.uow, w.clock, manifests=lambda pid: SMALL,
                                                               line_extras=SqlBatchLineExtras.of),
                               master_data=w.services.master_data)
    wizard = _wizard(qtbot, services, w, "payroll")
    _check(qtbot, wizard, write(tmp_path / "工资.csv", PAYROLL, payroll_rows()))
    m = wizard.preview_model
    assert m.headers[1:] == PAYROLL.split(",") and m.columnCount() == 8          # the file's columns stay put
    bank = m.bank_column
    assert bank == 7 and m.headerData(bank, Qt.Orientation.Horizontal) == "Bank check"
    assert wizard.preview_table.horizontalHeader().visualIndex(bank) == 1       # shown next to the row number
    texts = {m.rows[i].row: m.index(i, bank).data() for i in range(m.rowCount())}
    assert texts == {2: "OK", 3: "Payee name over Small 小银行 20 bytes", 4: "—", 5: "OK",
                     6: "Payee name over Small 小银行 20 bytes"}
    row3 = next(i for i, r in enumerate(m.rows) if r.row == 3)
    tip = m.index(row3, bank).data(Qt.ItemDataRole.ToolTipRole)
    assert "Small 小银行 CRTNAM" in tip and "20 bytes" in tip and "takes 24" in tip
    assert m.index(row3, bank).data(Qt.ItemDataRole.BackgroundRole).color().name() == ERROR_BACKGROUND
    assert m.index(row3, bank).data(Qt.ItemDataRole.ForegroundRole).color().name() == RED
    assert m.index(0, bank).data(Qt.ItemDataRole.ForegroundRole).color().name() == GREEN
    assert m.index(row3, 1).data(Qt.ItemDataRole.BackgroundRole).color().name() == ERROR_BACKGROUND   # the cell too
    summary = wizard.summary.text()
    assert "Bank check (Small 小银行): 2 rows the bank will not take" in summary
    assert "Rows with other errors (format, amounts, codes, duplicates, payees): 1." in summary
    assert "The bank (Small 小银行) will not take 2 of them (rows 3, 6)" in wizard.message.text()
    problems = wizard.problem_model
    checks = {(problems.problems[i].row, problems.index(i, 3).data()) for i in range(problems.rowCount())
              if problems.problems[i].is_error}
    assert checks == {(3, "Bank: Small 小银行"), (4, "File"), (6, "Bank: Small 小银行")}
    assert problems.headerData(3, Qt.Orientation.Horizontal) == "Check"
    assert problems.index(0, 4).data() == "TEXT_LENGTH"


def test_without_a_bank_plugin_the_column_says_not_checked(qtbot, w, tmp_path):
    wizard = _wizard(qtbot, w.services, w, "payroll")
    _check(qtbot, wizard, write(tmp_path / "工资.csv", PAYROLL, payroll_rows()[:2]))
    m = wizard.preview_model
    assert [m.index(i, m.bank_column).data() for i in range(2)] == ["—", "—"]
    assert "no bank plugin" in m.index(0, m.bank_column).data(Qt.ItemDataRole.ToolTipRole)
    assert "Bank check" not in wizard.summary.text() and not wizard.preview.errors
    set_plugin(w, "nosuchbank")
    wizard.go_back()
    _check(qtbot, wizard, write(tmp_path / "工资2.csv", PAYROLL, payroll_rows()[:2]))
    assert "Bank check not done: the bank plugin 'nosuchbank'" in wizard.summary.text()
    assert "nosuchbank" in m.index(0, m.bank_column).data(Qt.ItemDataRole.ToolTipRole)


def test_cmb_supplier_preview_in_chinese(qtbot, w, tmp_path):
    from ui.i18n import install_translator

    set_plugin(w, "cmb_fbsdk")
    seven = '"' + ",".join(str(11111111 * k) for k in range(1, 8)) + '"'      # does not fit NUSAGE with 货款
    rows = [f"深圳市华强电子有限公司,755912345678,中国工商银行深圳分行,{ICBC},12000.00,货款,12345678,2025-11-02,PO-778",
            f"上海浦江物流有限公司,755912345679,中国工商银行深圳分行,{ICBC},300.00,货款,{seven},2025-11-02,",
            f"北京某某科技有限公司,755912345680,中国工商银行深圳分行,{ICBC},4x00.00,货款,,,",
            f"广州某某贸易有限公司,755912345681,中国工商银行深圳分行,{ICBC},1234567.89,货款,INV-9,2025-11-03,"]
    app = QApplication.instance()
    assert install_translator(app, "zh_CN") == "zh_CN"
    try:
        wizard = _wizard(qtbot, w.services, w, "supplier")
        _check(qtbot, wizard, write(tmp_path / "供应商付款.csv", SUPPLIER, rows))
        m = wizard.preview_model
        assert m.headerData(m.bank_column, Qt.Orientation.Horizontal) == "银行校验"
        texts = [m.index(i, m.bank_column).data() for i in range(m.rowCount())]
        assert texts == ["通过", "用途及发票超过CMB 招商银行 62 字节", "—", "通过"]
        assert "银行校验（CMB 招商银行）：1 行银行不会受理" in wizard.summary.text()
        assert "其他错误（格式、金额、行号、重复、收款人）的行数：1。" in wizard.summary.text()
        wizard.resize(1280, 640)
        QApplication.processEvents()
        assert wizard.grab().save(str(SHOT))
    finally:
        install_translator(app, "en")


def test_cli_dry_run_lists_the_banks_findings(ledger, capsys, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "admin-password-1")
    rc, _, err = run(capsys, "account", "add", "--bank-name", "招商银行", "--bank-code", "308584000013",
                     "--number", "755900000000002", "--name", "测试有限公司", "--plugin", "cmb_fbsdk",
                     "--user", "alice", *ledger)
    assert rc == 0, err
    monkeypatch.setenv("BANKDIRECT_PASSWORD", "maker-password-1")
    seven = '"' + ",".join(str(11111111 * k) for k in range(1, 8)) + '"'
    f = write(tmp_path / "供应商.csv", SUPPLIER, [
        f"深圳市华强电子有限公司,755912345678,工行,{ICBC},12000.00,货款,12345678,2025-11-02,PO-778",
        f"上海浦江物流有限公司,755912345679,工行,{ICBC},300.00,货款,{seven},2025-11-02,",
        f"广州某某贸易有限公司,755912345681,工行,{ICBC},5x0.00,货款,,,"])
    args = ["batch", "import", str(f), "--account", "755900000000002", "--profile", "supplier", "--user", "mia",
            "--dry-run", *ledger]
    rc, out, _ = run(capsys, *args, "--json")
    data = json.loads(out)
    assert rc == 2 and data["bank_rules"] == "cmb_fbsdk" and data["bank"] == "CMB 招商银行"
    assert [(e["row"], e["code"]) for e in data["errors"]] == [(3, "REMITTANCE_LENGTH"), (4, "AMOUNT_FORMAT")]
    assert set(data["errors"][0]) == {"row", "column", "code", "message", "field", "severity"}   # unchanged
    [finding] = data["bank_findings"]
    assert {k: finding[k] for k in ("row", "column", "code", "wire_field", "limit", "unit", "subject")} == {
        "row": 3, "column": "汇款附言", "code": "REMITTANCE_LENGTH", "wire_field": "NUSAGE", "limit": 62,
        "unit": "bytes", "subject": "remittance"}
    assert data["bank_error_rows"] == [3] and data["other_error_rows"] == [4]
    rc, out, err = run(capsys, *args)
    assert rc == 2 and "bank check (CMB 招商银行): 1 rows the bank will not take" in out
    assert "row 3 [汇款附言] bank REMITTANCE_LENGTH: purpose with invoices over CMB 招商银行 NUSAGE 62 bytes" in err
    assert "1 other errors:" in err and "row 4 [金额] AMOUNT_FORMAT" in err
