"""Connection-profile form, account linking, certificate inventory and the interface test tool."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import trustme
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.domain.users import Actor, Role
from app.ports.bank import ConnectionStep
from tests.ui.bank_fakes import FakeProfiles
from ui.ops import wait_idle
from ui.views.bank_profiles import ProfilesView
from ui.views.certificates import CertificatesView
from ui.views.connection_test import ConnectionTestView

SHOTS = Path("/tmp/shots")
ACCOUNT = {"bank_name": "招商银行", "branch_name": "招商银行深圳分行营业部", "cnaps_code": "308584000013",
           "account_number": "755912345610801", "account_name": "测试有限公司", "currency": "CNY",
           "plugin_id": "cmb_fbsdk"}


@pytest.fixture
def bank_services(ui_services, monkeypatch):
    """The real profile service when the composition root provides one, else the in-memory fake."""
    if getattr(ui_services, "profiles", None) is None:
        monkeypatch.setattr(ui_services, "profiles", FakeProfiles(ui_services.master_data), raising=False)
    return ui_services


@pytest.fixture
def certs(tmp_path):
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("bankdirect-client@example.com")
    files = {"ca": tmp_path / "ca.pem", "client": tmp_path / "client.pem", "key": tmp_path / "client.key",
             "bank": tmp_path / "bank.pem"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    client.cert_chain_pems[0].write_to_path(str(files["client"]))
    client.private_key_pem.write_to_path(str(files["key"]))
    server.cert_chain_pems[0].write_to_path(str(files["bank"]))
    return files


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _open_dialog(qtbot, services, actor):
    view = ProfilesView(services, actor)
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    assert wait_idle(20)
    dialog = view.add_profile()
    qtbot.addWidget(dialog)
    return view, dialog


def _fill(dialog, certs, **overrides):
    values = {"name": "招行直联", "base_url": f"https://127.0.0.1:{_closed_port()}/cmb", "login_name": "demo_login",
              "ca_cert_file": str(certs["ca"]), "client_cert_file": str(certs["client"]),
              "client_key_file": str(certs["key"]), "bank_cert_file": str(certs["bank"]),
              "connect_timeout_s": "2", "read_timeout_s": "5", "pins": "", "settings": ""}
    values.update(overrides)
    for key, value in values.items():
        widget = dialog.form.input(key)
        edit = getattr(widget, "edit", widget)
        edit.clear()
        edit.insert(value)                      # typing (QTest cannot type CJK)
    dialog.form.set_value("plugin_id", "cmb_fbsdk")


def test_valid_profile_saves_with_enter_and_appears_in_the_list(qtbot, bank_services, admin_actor, certs):
    view, dialog = _open_dialog(qtbot, bank_services, admin_actor)
    assert dialog.form.input("plugin_id").count() >= 1
    _fill(dialog, certs)
    qtbot.keyClick(dialog.form.input("name"), Qt.Key.Key_Return)     # Enter saves
    assert wait_idle(20)
    assert dialog.result_value is not None, dialog.form.form_error.text()
    assert not dialog.isVisible()
    profiles = bank_services.profiles.list_profiles(admin_actor)
    assert [p.name for p in profiles] == ["招行直联"]
    assert profiles[0].settings.get("login_name") == "demo_login"
    assert view.model.rowCount() == 1
    assert view.model.data(view.model.index(0, 0)) == "招行直联"
    dialog.close()


@pytest.mark.parametrize(("overrides", "fields"), [
    ({"name": ""}, {"name"}),
    ({"base_url": "http://127.0.0.1:8443/"}, {"base_url"}),
    ({"connect_timeout_s": "abc", "read_timeout_s": "100000"}, {"connect_timeout_s", "read_timeout_s"}),
    ({"pins": "not-a-pin"}, {"pins"}),
    ({"ca_cert_file": "/nonexistent/ca.pem"}, {"ca_cert_file"}),
    ({"settings": "novalue"}, {"settings"}),
])
def test_bad_inputs_show_inline_and_write_nothing(qtbot, bank_services, admin_actor, fingerprint, certs,
                                                  overrides, fields):
    _view, dialog = _open_dialog(qtbot, bank_services, admin_actor)
    _fill(dialog, certs, **overrides)
    before = fingerprint()
    dialog.save_button.click()
    assert wait_idle(20)
    assert dialog.isVisible() and dialog.result_value is None
    shown = dialog.form.visible_problem_fields()
    assert fields <= shown, (shown, dialog.form.form_error.text())
    for field in fields:
        label = dialog.findChild(QLabel, f"{field}Error")
        assert label is not None and label.isVisible() and label.text()
    assert fingerprint() == before
    assert bank_services.profiles.list_profiles(admin_actor) == []
    if overrides.get("name") == "" and len(overrides) == 1:
        dialog.resize(700, 900)
        SHOTS.mkdir(exist_ok=True)
        dialog.grab().save(str(SHOTS / "bank_profile_dialog_errors.png"))
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)                        # Esc cancels
    assert not dialog.isVisible()


def test_link_account_to_profile_from_the_accounts_view(qtbot, bank_services, admin_actor, certs):
    from ui.ops import run_and_wait
    from ui.views.accounts import AccountsView

    saved = run_and_wait(lambda: bank_services.master_data.add_account(admin_actor, ACCOUNT))
    account = getattr(saved, "entity", saved)
    profile = run_and_wait(lambda: bank_services.profiles.save_profile(admin_actor, {
        "name": "招行直联", "plugin_id": "cmb_fbsdk", "base_url": "https://127.0.0.1:8443/cmb",
        "ca_cert_file": str(certs["ca"]), "connect_timeout_s": 2, "read_timeout_s": 5}))
    view = AccountsView(bank_services, admin_actor)
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    assert wait_idle(20)
    row = [a.id for a in view.model.rows()].index(account.id)
    view.table.selectRow(row)
    dialog = view.link_selected()
    assert dialog is not None
    dialog.combo.setCurrentIndex(dialog.combo.findData(profile.id))
    dialog.save_button.click()
    assert wait_idle(20)
    linked = {a.id: a for a in bank_services.master_data.list_accounts(admin_actor)}[account.id]
    assert linked.connection_profile_id == profile.id
    profile_col = [c.key for c in view.model.columns].index("profile")
    assert view.model.data(view.model.index(row, profile_col)) == "招行直联"


def test_certificate_inventory_lists_certificates_with_days_left(qtbot, bank_services, admin_actor, certs):
    from ui.ops import run_and_wait

    run_and_wait(lambda: bank_services.profiles.save_profile(admin_actor, {
        "name": "招行直联", "plugin_id": "cmb_fbsdk", "base_url": "https://127.0.0.1:8443/cmb",
        "ca_cert_file": str(certs["ca"]), "client_cert_file": str(certs["client"]),
        "client_key_file": str(certs["key"]), "connect_timeout_s": 2, "read_timeout_s": 5}))
    view = CertificatesView(bank_services, admin_actor)
    qtbot.addWidget(view)
    view.resize(1100, 400)
    view.show()
    view.refresh()
    assert wait_idle(20)
    assert view.model.rowCount() >= 2
    kinds = {c.kind for c in view.model.rows()}
    assert {"ca", "client"} <= kinds
    days_col = [c.key for c in view.model.columns].index("days_left")
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert view.model.data(view.model.index(0, days_col), Qt.ItemDataRole.TextAlignmentRole) == right
    assert view.summary.text()
    view.grab().save(str(SHOTS / "bank_certificates.png"))


def test_certificate_rows_are_coloured_by_level(qtbot, ui_services, admin_actor, monkeypatch):
    fake = FakeProfiles(ui_services.master_data)
    fake.cert_days = [("client", 5), ("ca", 400), ("bank_signing", -3), ("ca", 45)]
    monkeypatch.setattr(ui_services, "profiles", fake, raising=False)
    view = CertificatesView(ui_services, admin_actor)
    qtbot.addWidget(view)
    view.refresh()
    assert wait_idle(20)
    levels = [c.level for c in view.model.rows()]
    assert levels == ["expired", "warn7", "warn60", "ok"]               # most urgent first
    expired_bg = view.model.data(view.model.index(0, 0), Qt.ItemDataRole.BackgroundRole)
    ok_bg = view.model.data(view.model.index(3, 0), Qt.ItemDataRole.BackgroundRole)
    assert expired_bg is not None and ok_bg is None
    assert view.summary.property("status") == "bad"


def test_test_tool_shows_the_failing_step_with_its_hint(qtbot, ui_services, admin_actor, monkeypatch):
    fake = FakeProfiles(ui_services.master_data)
    fake.steps = [ConnectionStep("dns", True, "127.0.0.1 → 127.0.0.1"),
                  ConnectionStep("tcp", True, "connected to 127.0.0.1:8443"),
                  ConnectionStep("tls", True, "TLS 1.3"),
                  ConnectionStep("pin", False, "the server key does not match any pin of the profile",
                                 "ask the bank whether it changed its server key; update the pins", "PIN_MISMATCH")]
    from ui.ops import run_and_wait
    run_and_wait(lambda: fake.save_profile(admin_actor, {"name": "招行直联", "plugin_id": "cmb_fbsdk",
                                                          "base_url": "https://127.0.0.1:8443",
                                                          "connect_timeout_s": 2, "read_timeout_s": 5}))
    monkeypatch.setattr(ui_services, "profiles", fake, raising=False)
    view = ConnectionTestView(ui_services, admin_actor)
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    view.refresh()
    assert wait_idle(20)
    assert view.select("profile", 1)
    op = view.run_test()
    assert op is not None and view.progress.isVisible() and not view.run_button.isEnabled()
    assert wait_idle(20)
    assert fake.tested == [{"account_id": None, "profile_id": 1}]
    rows = view.step_rows()
    assert [r.step.name for r in rows] == ["dns", "tcp", "tls", "pin"]
    assert [r.mark.text() for r in rows] == ["✓", "✓", "✓", "✗"]
    failing = view.findChild(QLabel, "stepHint", Qt.FindChildOption.FindChildrenRecursively)
    pin_row = rows[-1]
    assert "update the pins" in pin_row.hint.text() and not pin_row.hint.isHidden()
    assert rows[0].hint.isHidden()
    assert failing is not None
    assert view.summary.property("status") == "bad"
    assert view.run_button.isEnabled() and not view.progress.isVisible()
    view.grab().save(str(SHOTS / "bank_connection_test.png"))


def test_test_tool_against_the_real_service_names_the_tcp_step(qtbot, bank_services, admin_actor, certs):
    if isinstance(bank_services.profiles, FakeProfiles):
        pytest.skip("needs the real profile service")
    from ui.ops import run_and_wait

    profile = run_and_wait(lambda: bank_services.profiles.save_profile(admin_actor, {
        "name": "关闭的端口", "plugin_id": "cmb_fbsdk", "base_url": f"https://127.0.0.1:{_closed_port()}/cmb",
        "settings": {"login_name": "demo"}, "ca_cert_file": str(certs["ca"]),
        "client_cert_file": str(certs["client"]), "client_key_file": str(certs["key"]),
        "bank_cert_file": str(certs["bank"]), "connect_timeout_s": 2, "read_timeout_s": 3}))
    view = ConnectionTestView(bank_services, admin_actor)
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    assert wait_idle(20)
    assert view.select("profile", profile.id)
    view.run_test()
    assert wait_idle(30)
    rows = view.step_rows()
    assert rows, view.summary.text()
    failing = [r for r in rows if not r.step.ok]
    assert failing and failing[0].mark.text() == "✗"
    assert failing[0].step.name in ("tcp", "profile")
    assert failing[0].hint.text()
    assert view.summary.property("status") == "bad"


def test_non_admin_cannot_add_profiles(qtbot, bank_services):
    actor = Actor(99, "maker", frozenset({Role.MAKER}))
    view = ProfilesView(bank_services, actor)
    qtbot.addWidget(view)
    assert not view.add_button.isEnabled()
