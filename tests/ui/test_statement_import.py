"""Statement import screen on real services: read a file in the background, preview statements and entries
(sortable, amounts right-aligned with separators, credit green / debit red), problems listed, account choice when
the statement's account matches several, import with progress and a result message; re-import adds nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ui.banking_text import CREDIT_COLOUR, DEBIT_COLOUR
from ui.ops import wait_idle
from ui.views.statement_import import StatementImportView, TransactionsArea

SHOTS = Path("/tmp/shots")
IBAN = "DE89370400440532013000"
NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
ENTRIES = [("1234567.89", "CRDT", "BR-1", "PAY-2024-0001", "深圳市华强电子有限公司", "货款 五月"),
           ("40.50", "DBIT", "BR-2", "NOTPROVIDED", "Muster GmbH", "Rechnung 4711"),
           ("9000.00", "DBIT", "BR-3", "PAY-2024-0002", "上海浦江物流有限公司", "运费")]


def camt053(entries=ENTRIES, closing: str | None = None) -> bytes:
    opening = 10_000_00
    net = sum((1 if d == "CRDT" else -1) * int(a.replace(".", "")) for a, d, *_ in entries)
    close = opening + net
    closing = closing or f"{close // 100}.{close % 100:02d}"

    def bal(code: str, value: str) -> str:
        return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{value}</Amt>"
                f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-05-31</Dt></Dt></Bal>")

    ntries = "".join(
        f'<Ntry><Amt Ccy="EUR">{a}</Amt><CdtDbtInd>{d}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2024-05-2{i}'
        f"</Dt></BookgDt><AcctSvcrRef>{r}</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>{e}</EndToEndId></Refs>"
        f"<RltdPties><{'Dbtr' if d == 'CRDT' else 'Cdtr'}><Pty><Nm>{n}</Nm></Pty></{'Dbtr' if d == 'CRDT' else 'Cdtr'}>"
        f"</RltdPties><RmtInf><Ustrd>{u}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        for i, (a, d, r, e, n, u) in enumerate(entries))
    return (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{NS}"><BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId>'
            f"<CreDtTm>2024-05-31T20:00:00</CreDtTm></GrpHdr><Stmt><Id>2024-05</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id>"
            f"<Ccy>EUR</Ccy></Acct>{bal('OPBD', '10000.00')}{bal('CLBD', closing)}{ntries}</Stmt></BkToCstmrStmt>"
            f"</Document>").encode()


def _account(services, actor, number: str):
    return services.master_data.add_account(actor, {
        "bank_name": "Commerzbank", "branch_name": "Frankfurt", "cnaps_code": "308584000013",
        "account_number": number, "account_name": "测试有限公司", "currency": "EUR"}).entity


@pytest.fixture
def view(qtbot, ui_ledger, admin_actor):
    services, _fp, real = ui_ledger
    if not real or getattr(services, "statements", None) is None:
        pytest.skip("needs the real services")
    page = StatementImportView(services, admin_actor)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    return page


def _read(view, path) -> None:
    op = view.read_file(str(path))
    assert op is not None and wait_idle(30)


def test_preview_import_and_reimport(view, ui_services, admin_actor, tmp_path, fingerprint):
    account = _account(ui_services, admin_actor, "370400440532013000")
    path = tmp_path / "statement.xml"
    path.write_bytes(camt053())
    before = fingerprint()
    _read(view, path)
    assert fingerprint() == before                   # reading writes nothing
    assert view.statements.rowCount() == 1
    assert view.statements.item(0, 1).text() == IBAN and view.statements.item(0, 7).text() == "1,234,567.89"
    assert view.statements.item(0, 9).text().startswith("370400440532013000")
    model = view.model
    assert model.rowCount() == 3
    amount = [c.key for c in model.columns].index("amount")
    assert [model.data(model.index(r, amount)) for r in range(3)] == ["1,234,567.89", "-40.50", "-9,000.00"]
    assert model.data(model.index(0, amount), Qt.ItemDataRole.TextAlignmentRole) == RIGHT
    assert model.data(model.index(0, amount), Qt.ItemDataRole.ForegroundRole).color() == QColor(CREDIT_COLOUR)
    assert model.data(model.index(1, amount), Qt.ItemDataRole.ForegroundRole).color() == QColor(DEBIT_COLOUR)
    view.table.sortByColumn(amount, Qt.SortOrder.AscendingOrder)
    assert [model.data(model.index(r, amount)) for r in range(3)] == ["-9,000.00", "-40.50", "1,234,567.89"]
    counterparty = [c.key for c in model.columns].index("counterparty")
    assert model.data(model.index(0, counterparty)) == "上海浦江物流有限公司"
    assert view.import_button.isEnabled()

    assert view.import_file() is not None and wait_idle(30)
    assert "3 new, 0 already stored" in view.status.text() and view.status.property("status") == "good"
    assert not view.import_button.isEnabled()          # read the file again to import again
    ids = ui_services.bank_data.transaction_ids(admin_actor, account.id, date(2024, 5, 1), date(2024, 6, 30))
    assert len(ids) == 3
    _read(view, path)
    assert view.import_file() is not None and wait_idle(30)
    assert "0 new, 3 already stored" in view.status.text()
    assert ui_services.bank_data.transaction_ids(admin_actor, account.id, date(2024, 5, 1), date(2024, 6, 30)) == ids


def test_problems_are_listed_and_block_the_import(view, ui_services, admin_actor, tmp_path):
    _account(ui_services, admin_actor, "370400440532013000")
    path = tmp_path / "bad.xml"
    path.write_bytes(camt053(closing="1.00"))
    _read(view, path)
    texts = [view.problems.item(i).text() for i in range(view.problems.count())]
    assert len(texts) == 1 and "Balances do not add up" in texts[0] and "statement 1 (2024-05" in texts[0]
    assert view.problems.item(0).foreground().color() == QColor(DEBIT_COLOUR)
    assert not view.import_button.isEnabled() and view.status.property("status") == "bad"
    bomb = tmp_path / "bomb.xml"
    bomb.write_bytes(b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "b">]><Document/>')
    _read(view, bomb)
    assert view.problems.count() == 1 and "DOCTYPE" in view.problems.item(0).text()
    assert view.model.rowCount() == 0 and not view.import_button.isEnabled()


def test_unknown_account_and_choice_between_accounts(qtbot, view, ui_services, admin_actor, tmp_path):
    path = tmp_path / "s.xml"
    path.write_bytes(camt053())
    _read(view, path)
    assert view.statements.item(0, 9).foreground().color() == QColor(DEBIT_COLOUR)
    assert not view.import_button.isEnabled()
    short = _account(ui_services, admin_actor, "0532013000")
    _account(ui_services, admin_actor, "370400440532013000")
    view.picker.set_value(str(path))
    qtbot.mouseClick(view.read_button, Qt.MouseButton.LeftButton)      # the button reads the picked file
    assert wait_idle(30) and view.preview is not None
    combo = view.findChild(type(view.statements.cellWidget(0, 9)), "accountChoice1")
    assert combo is not None and combo.count() == 3 and not view.import_button.isEnabled()
    combo.setCurrentIndex(combo.findData(short.id))
    assert view.import_button.isEnabled() and view.choices() == {1: short.id}
    qtbot.mouseClick(view.import_button, Qt.MouseButton.LeftButton)
    assert wait_idle(30) and view.status.property("status") == "good"
    assert len(ui_services.bank_data.transaction_ids(admin_actor, short.id, date(2024, 5, 1), date(2024, 6, 30))) == 3


def test_auditor_may_preview_but_not_import(qtbot, ui_ledger, tmp_path, admin_actor):
    from app.domain.users import Role

    services, _fp, real = ui_ledger
    if not real:
        pytest.skip("needs the real services")
    _account(services, admin_actor, "370400440532013000")
    services.users.add_user(admin_actor, "auditor", "审计", "user-password-1", [Role.AUDITOR])
    page = StatementImportView(services, services.auth.login("auditor", "user-password-1"))
    qtbot.addWidget(page)
    path = tmp_path / "s.xml"
    path.write_bytes(camt053())
    _read(page, path)
    assert page.model.rowCount() == 3 and not page.import_button.isEnabled()


@pytest.fixture
def chinese(qapp):
    from ui.i18n import install_translator

    assert install_translator(qapp, "zh_CN") == "zh_CN"
    yield
    install_translator(qapp, "en")


def test_chinese_screen_renders(qtbot, ui_ledger, admin_actor, tmp_path, chinese):
    services, _fp, real = ui_ledger
    if not real:
        pytest.skip("needs the real services")
    _account(services, admin_actor, "370400440532013000")
    area = TransactionsArea(services, admin_actor)
    qtbot.addWidget(area)
    area.resize(1280, 760)
    area.show_tab("statement_import")
    page = area.statement_import
    assert area.tabs.tabText(1) == "导入对账单" and page.import_button.text() == "导入"
    path = tmp_path / "statement.xml"
    path.write_bytes(camt053())
    _read(page, path)
    assert "可以导入" in page.status.text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert area.grab().save(str(SHOTS / "statement_import_zh.png"))
    assert page.import_file() is not None and wait_idle(30)
    assert "新增" in page.status.text()
    assert area.grab().save(str(SHOTS / "statement_import_done_zh.png"))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(camt053(closing="1.00").replace(b"1234567.89", b"1234567.8900000001"))
    _read(page, bad)
    assert "金额" in page.problems.item(0).text() or "小数" in page.problems.item(0).text()
    assert area.grab().save(str(SHOTS / "statement_import_problems_zh.png"))
