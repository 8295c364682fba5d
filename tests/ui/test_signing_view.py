"""The signing screen on the demo ledger with a real SoftHSM2 token: the signer signs the ready batch with PIN
123456 (payments SIGNED, batch in history, verify OK); a wrong PIN shows the error and changes nothing; the maker
and an approver of the payment are refused (separation of duties) — in the GUI and at the service layer."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.domain.errors import PermissionDenied
from app.domain.payment import PaymentStatus
from app.domain.users import Actor, Role
from app.ports.signing_batches import SigningKeyProfile
from app.services.demo_data import DEMO_PASSWORD
from storage.fingerprint import state_fingerprint
from tests.hsm.conftest import (  # noqa: F401  (fixtures)
    PIN,
    ScriptedInteraction,
    fresh_token,
    hsm_dir,
    requires_softhsm,
    set_token_flags_on_disk,
    token_folder,
    use_hsm,
)
from ui.ops import wait_idle
from ui.views.signing import SigningView, short_digest

pytestmark = [requires_softhsm]


@pytest.fixture
def enrolled(demo_services, fresh_token, hsm_dir):  # noqa: F811
    """The demo user ``signer`` enrolled with a fresh SoftHSM2 token (PIN 123456)."""
    from app.adapters.pkcs11_signer import SOFTHSM_MODULE

    admin = demo_services.auth.login("admin", DEMO_PASSWORD)
    demo_services.signing.save_signing_key(admin, "signer", SigningKeyProfile(
        user_id=0, kind="pkcs11", certificate_pem=fresh_token.certificate_pem.decode(),
        module_path=SOFTHSM_MODULE, token_label=fresh_token.label, key_label="signing-key",
        token_dir=str(hsm_dir)))
    return demo_services


def _view(qtbot, services, actor) -> SigningView:
    view = SigningView(services, actor)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.refresh()
    assert wait_idle(10)
    return view


def _answer_pin(pin: str) -> dict:
    """Answer the next PIN dialog with ``pin``; stops polling when ``state["stop"]`` is set."""
    state = {"stop": False, "answered": 0}

    def later():
        if state["stop"]:
            return
        dialog = next((w for w in QApplication.topLevelWidgets() if w.objectName() == "pinDialog"
                       and w.isVisible()), None)
        if dialog is None:
            QTimer.singleShot(20, later)
            return
        dialog.pin.setText(pin)
        state["answered"] += 1
        dialog.accept()
    QTimer.singleShot(20, later)
    return state


def _sign(qtbot, view: SigningView, pin: str) -> int:
    """Click "Sign batch…", answer the PIN dialog if it appears; returns how many PIN dialogs were answered."""
    state = _answer_pin(pin)
    try:
        qtbot.mouseClick(view.sign_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not view.signing, timeout=15000)
        assert wait_idle(10)
    finally:
        state["stop"] = True
    return state["answered"]


def _login(services, username):
    return services.auth.login(username, DEMO_PASSWORD)


def test_signer_signs_ready_batch_with_pin(qtbot, demo_context, enrolled):
    services = enrolled
    view = _view(qtbot, services, _login(services, "signer"))
    assert view.ready_model.rowCount() == 1
    batch = view.selected_batch()
    assert batch is not None and view.sign_button.isEnabled()
    # the table shows the total in figures (separators, right-aligned) and in words, and the short digest
    shown = [view.ready_model.index(0, c).data() for c in range(view.ready_model.columnCount())]
    assert short_digest(batch.digest) in shown and batch.total_in_words in shown
    assert any("," in str(s) or batch.total_minor < 100_000 for s in shown)
    assert "valid" in view.cert_label.text() or "有效" in view.cert_label.text()
    qtbot.waitUntil(lambda: batch.digest in view.detail.toPlainText(), timeout=5000)
    Path("/tmp/shots").mkdir(parents=True, exist_ok=True)
    view.grab().save("/tmp/shots/signing_before.png")

    assert _sign(qtbot, view, PIN) == 1

    assert "SIGNED" in view.message.text().upper() or "签" in view.message.text(), view.message.text()
    actor = services.auth.login("signer", DEMO_PASSWORD)
    for pid in batch.payment_ids:
        assert services.payments.get(actor, pid).payment.status is PaymentStatus.SIGNED
    assert view.ready_model.rowCount() == 0
    assert view.history_model.rowCount() == 1
    signed = view.history_model.row_at(0)
    assert signed.digest == batch.digest and signed.signer_name == "signer"
    view.history_table.selectRow(0)
    qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    assert wait_idle(10)
    assert signed.batch_id in view.verify_result.text()
    assert services.signing.verify_batch(actor, signed.batch_id).ok


def test_wrong_pin_shows_error_and_changes_nothing(qtbot, demo_context, enrolled):
    services = enrolled
    view = _view(qtbot, services, _login(services, "signer"))
    batch = view.selected_batch()
    before = state_fingerprint(demo_context.ledger.engine)
    _sign(qtbot, view, "000000")
    assert "PIN_INCORRECT" in view.message.text()
    assert state_fingerprint(demo_context.ledger.engine) == before
    assert view.ready_model.rowCount() == 1 and view.history_model.rowCount() == 0
    assert view.selected_batch().batch_key == batch.batch_key and view.sign_button.isEnabled()


def test_locked_and_absent_token_are_shown_and_change_nothing(qtbot, demo_context, enrolled, fresh_token,  # noqa: F811
                                                              hsm_dir, tmp_path):  # noqa: F811
    from app.adapters.pkcs11_signer import CKF_USER_PIN_LOCKED

    services = enrolled
    view = _view(qtbot, services, _login(services, "signer"))
    before = state_fingerprint(demo_context.ledger.engine)
    folder, parked = token_folder(hsm_dir, fresh_token.serial), tmp_path / "unplugged"
    folder.rename(parked)                                   # the USB key is unplugged
    try:
        assert _sign(qtbot, view, PIN) == 0
        assert "TOKEN_NOT_PRESENT" in view.message.text(), view.message.text()
    finally:
        parked.rename(folder)
    set_token_flags_on_disk(hsm_dir, fresh_token.serial, CKF_USER_PIN_LOCKED)   # what a hardware key reports
    assert _sign(qtbot, view, PIN) == 0                     # no PIN is asked for a locked key
    assert "PIN_LOCKED" in view.message.text(), view.message.text()
    assert state_fingerprint(demo_context.ledger.engine) == before
    assert view.ready_model.rowCount() == 1 and view.history_model.rowCount() == 0


def _approver_of(services, payment_id) -> str:
    admin = _login(services, "admin")
    detail = services.payments.get(admin, payment_id)
    names = {u.id: u.username for u in services.users.list_users(admin)}
    return next(names[a.approver_id] for a in detail.approvals if a.decision == "approved")


def test_maker_and_approver_cannot_sign(qtbot, demo_context, enrolled, monkeypatch):
    """The maker and an approver of the payment — even holding the signer role and a working token — are
    refused (SOD_VIOLATION) in the GUI and at the service layer; nothing changes."""
    services = enrolled
    signer_actor = _login(services, "signer")
    [batch] = services.signing.ready_batches(signer_actor)
    actors = []
    for username in ("maker", _approver_of(services, batch.payment_ids[0])):
        actor = _login(services, username)
        actors.append(Actor(actor.user_id, actor.username, frozenset(actor.roles | {Role.SIGNER})))
    before = state_fingerprint(demo_context.ledger.engine)     # logins write audit entries: taken after them
    # Give them the signer's working token, so only separation of duties can refuse them.
    real_signer_for = services.signing.signer_for
    monkeypatch.setattr(services.signing, "signer_for", lambda _actor, i: real_signer_for(signer_actor, i))
    for actor in actors:
        with pytest.raises(PermissionDenied) as refused:
            services.signing.sign_batch(actor, batch.batch_key,
                                        services.signing.signer_for(actor, ScriptedInteraction(PIN)))
        assert refused.value.code == "SOD_VIOLATION"
        view = _view(qtbot, services, actor)
        assert view.selected_batch().batch_key == batch.batch_key
        assert _sign(qtbot, view, PIN) == 0          # refused before the token is asked for a PIN
        assert "SOD_VIOLATION" in view.message.text(), view.message.text()
        assert view.ready_model.rowCount() == 1 and view.history_model.rowCount() == 0
    assert state_fingerprint(demo_context.ledger.engine) == before
    assert [a.username for a in actors][0] == "maker" and actors[1].username.startswith("approver")
    assert all(services.payments.get(signer_actor, pid).payment.status is PaymentStatus.APPROVED
               for pid in batch.payment_ids)


@pytest.fixture
def chinese(qapp):
    from ui.i18n import install_translator

    assert install_translator(qapp, "zh_CN") == "zh_CN"
    yield
    install_translator(qapp, "en")


def test_chinese_signing_screen_renders(qtbot, demo_context, enrolled, chinese):
    services = enrolled
    view = _view(qtbot, services, _login(services, "signer"))
    batch = view.selected_batch()
    assert view.sign_button.text() == "签名批次…"
    assert batch.total_in_words.endswith("元整") and "有效期" in view.cert_label.text()
    qtbot.waitUntil(lambda: batch.digest in view.detail.toPlainText(), timeout=5000)
    _sign(qtbot, view, "000000")
    assert "PIN 码错误" in view.message.text() and "PIN_INCORRECT" in view.message.text()
    Path("/tmp/shots").mkdir(parents=True, exist_ok=True)
    assert view.grab().save("/tmp/shots/signing_zh.png")
    _sign(qtbot, view, PIN)
    assert view.message.text().startswith("已签名批次")
    view.history_table.selectRow(0)
    qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    assert wait_idle(10)
    assert "验证通过" in view.verify_result.text()
    assert view.grab().save("/tmp/shots/signing_zh_signed.png")
