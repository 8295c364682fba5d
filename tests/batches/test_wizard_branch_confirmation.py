"""The import wizard lists every bank code chosen from a branch name as "row N: name → code official name" and
enables Import only once the user ticks the confirmation; supplier lines show their invoices and reference.
The preview page of a GBK payroll needing confirmation is rendered to /tmp/wizard_branch.png."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt

from app.domain.identifiers import cnaps_check_digit
from ui.dialogs.batch_import_wizard import BatchImportWizard
from ui.ops import wait_idle

ICBC = "10210000023" + cnaps_check_digit("10210000023")
SHOT = Path("/tmp/wizard_branch.png")


def _wizard(qtbot, w, profile: str) -> BatchImportWizard:
    wizard = BatchImportWizard(w.services, w.actor("maker"))
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


def test_branches_chosen_by_name_must_be_confirmed_before_import(qtbot, payment_world, tmp_path):
    w = payment_world
    rows = ["收款人名称,收款账号,收款行名称,收款行行号,金额,用途",
            "张三,6214830000000017,工商银行杭州钱塘支行,,5000.00,工资",
            "李四,6214830000000025,工行北京金台路支行,,4000.00,",
            f"王五,6214830000000033,中国工商银行深圳分行,{ICBC},4200.50,工资"]
    path = tmp_path / "十一月工资.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    wizard = _wizard(qtbot, w, "payroll")
    _check(qtbot, wizard, path)
    assert wizard.pages.currentIndex() == 1 and not wizard.preview.errors
    assert wizard.branch_box.isVisible()
    items = [wizard.branch_list.item(i).text() for i in range(wizard.branch_list.count())]
    assert items == ["row 2: 工商银行杭州钱塘支行 → 102331005059 中国工商银行股份有限公司杭州钱塘支行",
                     "row 3: 工行北京金台路支行 → 102100002020 中国工商银行股份有限公司北京金台路支行"]
    assert "2" in wizard.branch_title.text()
    assert not wizard.import_button.isEnabled() and not wizard.branch_check.isChecked()
    wizard.resize(1100, 720)
    assert wizard.grab().save(str(SHOT))
    qtbot.mouseClick(wizard.branch_check, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, wizard.branch_check.height() // 2))          # on the tick box
    assert wizard.branch_check.isChecked() and wizard.import_button.isEnabled()
    qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    assert wait_idle(60)
    assert wizard.result is not None and wizard.result.batch.line_count == 3
    imported = [e for e in w.services.audit.entries(w.admin, 0, 1000) if e.action == "batch.imported"]
    assert len(imported) == 1 and imported[0].payload["branches_confirmed"] is True
    assert imported[0].payload["branches_chosen_by_name"] == {"2": "102331005059", "3": "102100002020"}


def test_supplier_preview_shows_invoices_and_no_confirmation_without_chosen_codes(qtbot, payment_world, tmp_path):
    w = payment_world
    rows = ["收款人名称,收款账号,收款行名称,收款行行号,金额,用途,发票号,发票日期,汇款附言",
            f'深圳市华强电子有限公司,755912345678,工行,{ICBC},12000.00,货款,"12345678,12345679",2025-11-02,PO-778']
    path = tmp_path / "供应商.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    wizard = _wizard(qtbot, w, "supplier")
    _check(qtbot, wizard, path)
    m = wizard.preview_model
    assert m.headers[-3:] == ["发票号", "发票日期", "汇款附言"]
    assert [m.index(0, c).data() for c in (7, 8, 9)] == ["12345678, 12345679", "2025-11-02", "PO-778"]
    assert not wizard.branch_box.isVisible() and wizard.import_button.isEnabled()
    assert "invoices" in wizard.summary.text()
