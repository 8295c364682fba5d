from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel

from tests.ui.fakes import make_fake_services
from ui.app import run_gui
from ui.dialogs.settings_dialog import SettingsDialog
from ui.i18n import I18N_DIR, install_translator, resolve_language, saved_language
from ui.main_window import MainWindow
from ui.views.not_available import NotAvailablePage

TS = I18N_DIR / "bankdirect_zh_CN.ts"


@pytest.fixture(autouse=True)
def _keep_excepthook(monkeypatch):
    """run_gui installs the crash handler; give pytest its hook back afterwards."""
    import sys

    from ui import crash
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(crash, "_crash_dir", crash._crash_dir)


@pytest.fixture
def english(qapp):
    yield
    install_translator(qapp, "en")


def test_catalogue_is_complete_and_compiled():
    root = ET.parse(TS).getroot()
    messages = list(root.iter("message"))
    assert len(messages) > 150
    unfinished = [m.find("source").text for m in messages
                  if m.find("translation").get("type") == "unfinished" or not m.find("translation").text]
    assert unfinished == []
    assert (I18N_DIR / "bankdirect_zh_CN.qm").stat().st_size > 1000
    assert (I18N_DIR / "bankdirect_zh_CN.qm").stat().st_mtime >= TS.stat().st_mtime - 1


def test_every_ui_string_is_in_the_catalogue():
    """A string added without rerunning `python -m ui.i18n_build` is caught here."""
    import re
    sources = {m.find("source").text for m in ET.parse(TS).getroot().iter("message")}
    ui = Path(__file__).resolve().parents[2] / "ui"
    pattern = re.compile(r'self\.tr\(\s*"((?:[^"\\]|\\.)*)"\s*\)')
    missing = []
    for path in ui.rglob("*.py"):
        for text in pattern.findall(path.read_text(encoding="utf-8")):
            if text.encode().decode("unicode_escape") not in sources and text not in sources:
                missing.append((path.name, text))
    assert missing == []


@pytest.mark.parametrize(("asked", "expected"), [("zh_CN", "zh_CN"), ("zh-TW", "zh_CN"), ("zh", "zh_CN"),
                                                 ("en", "en"), ("en_GB", "en"), ("de_DE", "en")])
def test_resolve_language(asked, expected):
    assert resolve_language(asked) == expected


def test_system_locale_is_followed_when_no_language_is_given():
    expected = "zh_CN" if QLocale.system().name().lower().startswith("zh") else "en"
    assert resolve_language(None) == expected


def test_chinese_main_window(qtbot, qapp, english, settings):
    assert install_translator(qapp, "zh_CN") == "zh_CN"
    services, _led = make_fake_services(demo=True)
    actor = services.auth.login("admin", "admin-password-1")
    window = MainWindow(services, actor, settings)
    qtbot.addWidget(window)
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert titles[:4] == ["仪表盘", "付款凭证", "批量付款", "审批"]
    assert "收款人" in titles and "系统管理" in titles and "审计日志" in titles
    assert "演示" in window.windowTitle()
    assert "管理员" in window.user_label.text()
    page = window.show_area("vouchers")
    assert isinstance(page, NotAvailablePage)
    assert "功能即将推出" in page.findChild(QLabel, "notAvailableText").text()


def test_settings_dialog_persists_the_language(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert saved_language(settings) is None
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
    dialog.accept()
    assert saved_language(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)) == "zh_CN"
    assert dialog.findChild(QLabel, "restartNote").text()


@pytest.mark.parametrize("screen", ["dashboard", "payees", "accounts", "users", "audit", "login"])
def test_run_gui_renders_a_screenshot_and_returns(qtbot, english, tmp_path, screen):
    services, _led = make_fake_services(payees=30)
    png = tmp_path / f"{screen}.png"
    rc = run_gui(services, settings_path=tmp_path / "cfg" / "settings.ini", lang="en",
                 auto_login=("admin", "admin-password-1"), screenshot=png, screen=screen)
    assert rc == 0
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 300
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.objectName() == "mainWindow"] == []


def test_run_gui_refuses_unknown_screens_and_bad_auto_login(tmp_path, english):
    services, _led = make_fake_services()
    assert run_gui(services, settings_path=tmp_path / "s.ini", screenshot=tmp_path / "x.png",
                   screen="nope") == 2
    assert run_gui(services, settings_path=tmp_path / "s.ini", auto_login=("admin", "wrong-password"),
                   screenshot=tmp_path / "x.png", screen="dashboard") == 2
    assert not (tmp_path / "x.png").exists()


def test_run_gui_shows_the_wizard_on_a_new_ledger(tmp_path, english):
    services, _led = make_fake_services(initialized=False)
    png = tmp_path / "wizard.png"
    assert run_gui(services, settings_path=tmp_path / "s.ini", screenshot=png, screen="wizard") == 0
    assert not QImage(str(png)).isNull()
    assert QCoreApplication.translate("Area", "Payees") == "Payees"


def test_run_gui_installs_the_crash_handler_in_the_given_folder(tmp_path, english):
    import sys

    from ui import crash
    services, _led = make_fake_services()
    assert run_gui(services, settings_path=tmp_path / "s.ini", auto_login=("admin", "admin-password-1"),
                   screenshot=tmp_path / "d.png", screen="dashboard", crash_dir=tmp_path / "crashes") == 0
    assert sys.excepthook is crash._excepthook
    saved = crash.save_traceback("Traceback: boom")
    assert saved.parent == tmp_path / "crashes" and saved.read_text() == "Traceback: boom"
