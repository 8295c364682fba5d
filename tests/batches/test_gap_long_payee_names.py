"""Issue #7 gaps 1 and 2: the payee form/service and a single payment follow the bank's own text limits, as the batch
import does.

1. A payee created by a CMB import with a 70-character company name (140 GBK bytes; CRTNAM holds 200) can be saved
   again in the payee service and the payee form (its bank details edited) without shortening the name. A name over
   the ledger's cap (200 characters) is refused (TEXT_LENGTH, nothing written). A payment to that payee through a
   bank whose name field holds 60 bytes is warned about when saved and refused before signing with the bank's
   finding (BANK_TEXT: CRTNAM 60 bytes), nothing signed or written.
2. One failed batch line re-initiated on its own (SubmissionService.reinitiate → PaymentService.create + submit)
   keeps a purpose the bank took at import (CMB NUSAGE 62 GBK bytes) though it is longer than the default 60; a
   purpose over the bank's limit is refused with the bank's finding; without a known bank the 60 bytes hold.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.adapters.signature_verifier import X509SignatureVerifier
from app.domain.batch_import import STORED_TEXT_MAX_CHARS
from app.domain.errors import Severity, ValidationFailed
from app.domain.payment import PaymentStatus
from app.domain.validation import PAYEE_NAME_MAX_CHARS, validate_payee
from app.ports.bank import PluginLimits, PluginManifest
from app.services.payments import PaymentService
from app.services.signing import BANK_TEXT, BankTextRefused, SigningService
from storage.batch_lines_extra import SqlBatchLineExtras
from tests.batches.test_bank_name_limits import LONG_NAME, PURPOSE_60, PURPOSE_62
from tests.batches.test_supplier_and_presign import (  # noqa: F401  (the world fixture)
    ICBC,
    approve_all,
    make_signer,
    set_plugin,
    supplier_file,
    world,
)
from ui.dialogs.payee_dialog import PayeeDialog
from ui.ops import wait_idle

PURPOSE_61 = PURPOSE_60 + "款"                  # 62 GBK bytes: over the default 60, exactly CMB's NUSAGE
# a bank whose payee-name field (户名) holds 60 GBK bytes
SIXTY = PluginManifest("sixtybank", "Sixty 六十字节银行", "FBSDK-like XML", "1.0", "1.0", frozenset(),
                       PluginLimits(encoding="gbk", field_byte_lengths={"CRTNAM": 60, "NUSAGE": 62}))


def _codes(exc: ValidationFailed) -> list[tuple[str, str | None]]:
    return [(p.code, p.field) for p in exc.problems]


def _import_long_name(w, tmp_path, purpose: str = "货款"):
    """A CMB supplier batch whose first line pays LONG_NAME (created as a payee by the import)."""
    set_plugin(w, "cmb_fbsdk")
    path = supplier_file(tmp_path, [f"{LONG_NAME},755912345678,中国工商银行深圳分行,{ICBC},1.00,{purpose},,,",
                                    f"华强电子,755912345679,中国工商银行深圳分行,{ICBC},2.00,货款,,,"])
    result = w.batch.import_file(w.maker, path, account=w.account.account_number, profile="supplier")
    first = w.services.payments.get(w.maker, result.payment_ids[0]).payment
    assert first.payee_name == LONG_NAME and first.purpose == purpose
    return result, first


def _fields(payee) -> dict:
    return {k: getattr(payee, k) for k in ("name", "account_number", "bank_name", "branch_name", "cnaps_code", "uscc",
                                           "kind")}


# -- 1: the payee form and service --------------------------------------------------------------------------------
def test_the_payee_cap_is_the_ledgers_and_the_batch_imports():
    assert PAYEE_NAME_MAX_CHARS == STORED_TEXT_MAX_CHARS == 200
    base = {"account_number": "755912345678", "bank_name": "中国工商银行", "cnaps_code": ICBC}
    assert validate_payee({**base, "name": LONG_NAME})[1] == []
    assert validate_payee({**base, "name": "企" * 200})[1] == []              # 400 GBK bytes: the cap is characters
    [p] = validate_payee({**base, "name": "企" * 201})[1]
    assert (p.code, p.field, p.params["max_chars"]) == ("TEXT_LENGTH", "name", 200)
    [p] = validate_payee({**base, "name": LONG_NAME + "𠮷"})[1]               # still GBK text
    assert (p.code, p.field) == ("TEXT_ENCODING", "name")


def test_a_payee_imported_with_a_long_name_can_be_edited(world, tmp_path, ledger_fingerprint):  # noqa: F811
    w = world
    _, first = _import_long_name(w, tmp_path)
    md = w.services.master_data
    payee = md.get_payee(w.maker, first.payee_id)
    assert md.validate_payee(_fields(payee)) == []
    saved = md.update_payee(w.maker, payee.id, payee.version, {**_fields(payee), "bank_name": "工商银行"})
    assert saved.entity.name == LONG_NAME and saved.entity.bank_name == "工商银行" and saved.warnings == []
    assert not saved.entity.confirmed                        # a bank detail changed: a second person confirms it

    # over the cap: refused with the specific code, nothing written
    before = ledger_fingerprint()
    with pytest.raises(ValidationFailed) as refused:
        md.update_payee(w.maker, payee.id, saved.entity.version, {**_fields(saved.entity), "name": "企" * 201})
    assert _codes(refused.value) == [("TEXT_LENGTH", "name")]
    with pytest.raises(ValidationFailed):
        md.add_payee(w.maker, {**_fields(saved.entity), "account_number": "755912340000", "name": "企" * 201})
    assert ledger_fingerprint() == before
    assert md.get_payee(w.maker, payee.id).name == LONG_NAME


def test_the_payee_form_saves_the_long_name(qtbot, world, tmp_path):  # noqa: F811
    w = world
    _, first = _import_long_name(w, tmp_path)
    payee = w.services.master_data.get_payee(w.maker, first.payee_id)
    dialog = PayeeDialog(w.services, w.maker, payee)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.form.set_values({"branch_name": "中国工商银行深圳华强北支行"})
    assert dialog.form.value("name") == LONG_NAME
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.pending_op is not None and dialog.pending_op.finished, timeout=10_000)
    assert dialog.result() == PayeeDialog.DialogCode.Accepted
    stored = w.services.master_data.get_payee(w.maker, payee.id)
    assert (stored.name, stored.branch_name) == (LONG_NAME, "中国工商银行深圳华强北支行")
    # an absurd name is shown under the field and not saved
    other = PayeeDialog(w.services, w.maker, stored)
    qtbot.addWidget(other)
    other.show()
    other.form.set_values({"name": "企" * 201})
    other.save_button.click()
    assert other.form.visible_problem_fields() == {"name"} and other.pending_op is None
    assert w.services.master_data.get_payee(w.maker, payee.id).name == LONG_NAME
    assert wait_idle(10)


def test_a_bank_with_a_60_byte_name_field_warns_then_refuses_before_signing(world, tmp_path,  # noqa: F811
                                                                             ledger_fingerprint):
    w = world
    _, first = _import_long_name(w, tmp_path)
    maker = w.actor("maker")
    fields = w.fields(payee_id=first.payee_id, amount="10.00")
    # through CMB (CRTNAM 200 bytes) the name is fine
    assert w.services.payments.validate_payment(fields) == []

    set_plugin(w, "sixtybank")
    payments = PaymentService(w.uow, w.clock, manifests=lambda pid: SIXTY)
    [warning] = payments.validate_payment(fields)
    assert (warning.code, warning.field, warning.severity) == ("TEXT_LENGTH", "payee_id", Severity.WARNING)
    assert {k: warning.params[k] for k in ("bank", "wire_field", "limit", "unit", "payee_id")} == {
        "bank": "Sixty 六十字节银行", "wire_field": "CRTNAM", "limit": 60, "unit": "bytes", "payee_id": first.payee_id}
    assert "Sixty 六十字节银行 CRTNAM" in warning.message and LONG_NAME in warning.message
    saved = payments.create(maker, fields, override_duplicate=True)
    assert [p.code for p in saved.warnings] == ["TEXT_LENGTH"]
    payments.submit(maker, saved.entity.id, override_duplicate=True)
    approve_all(w, [saved.entity.id])

    signing = SigningService(w.uow, w.clock, X509SignatureVerifier(), manifests=lambda pid: SIXTY,
                             line_extras=SqlBatchLineExtras.of)
    signer_actor = w.actor("signer")
    [ready] = [b for b in signing.ready_batches(signer_actor) if saved.entity.id in b.payment_ids]
    signer = make_signer()
    before = ledger_fingerprint()
    with pytest.raises(BankTextRefused) as info:
        signing.sign_batch(signer_actor, ready.batch_key, signer)
    exc = info.value
    assert exc.code == BANK_TEXT and signer.sign_operations == 0 and ledger_fingerprint() == before
    assert [(p.code, p.params["payment_id"], p.params["wire_field"], p.params["limit"])
            for p in exc.problems if p.params["payment_id"] == saved.entity.id] == [
        ("TEXT_LENGTH", saved.entity.id, "CRTNAM", 60)]
    assert "Sixty 六十字节银行" in exc.message
    assert w.services.payments.get(maker, saved.entity.id).payment.status is PaymentStatus.APPROVED


def test_without_a_known_bank_the_default_60_bytes_hold(world, tmp_path):  # noqa: F811
    w = world
    _, first = _import_long_name(w, tmp_path)
    set_plugin(w, None)
    [warning] = w.services.payments.validate_payment(w.fields(payee_id=first.payee_id))
    assert (warning.code, warning.field, warning.severity) == ("TEXT_LENGTH", "payee_id", Severity.WARNING)
    assert warning.params["max_bytes"] == 60 and "conservative" in warning.message
    problems = w.services.payments.validate_payment(w.fields(purpose=PURPOSE_61))
    assert [(p.code, p.field, p.severity) for p in problems] == [("TEXT_LENGTH", "purpose", Severity.ERROR)]
    assert problems[0].params["max_bytes"] == 60


# -- 2: one line re-initiated on its own ---------------------------------------------------------------------------
def test_a_single_failed_line_is_reinitiated_with_its_banks_longer_purpose(world, tmp_path,  # noqa: F811
                                                                           app_context):
    w = world
    result, first = _import_long_name(w, tmp_path, purpose=PURPOSE_61)
    approve_all(w, result.payment_ids)
    with app_context.ledger.engine.begin() as con:           # the bank refused the line (as the engine records it)
        con.execute(text("UPDATE payment_requests SET status = 'FAILED', bank_code = 'AC01' WHERE id = :i"),
                    {"i": first.id})
    new_id = w.services.submission.reinitiate(w.maker, first.id)
    redo = w.services.payments.get(w.maker, new_id).payment
    assert (redo.purpose, redo.payee_name, redo.status) == (PURPOSE_61, LONG_NAME, PaymentStatus.PENDING_APPROVAL)
    assert redo.id != first.id and redo.amount_minor == first.amount_minor


def test_payments_follow_the_banks_purpose_limit(world, ledger_fingerprint):  # noqa: F811
    w = world
    maker = w.actor("maker")
    set_plugin(w, "cmb_fbsdk")
    payments = w.services.payments
    saved = payments.create(maker, w.fields(purpose=PURPOSE_61))
    assert saved.entity.purpose == PURPOSE_61 and saved.warnings == []
    assert payments.submit(maker, saved.entity.id).status is PaymentStatus.PENDING_APPROVAL
    before = ledger_fingerprint()
    with pytest.raises(ValidationFailed) as refused:               # 64 bytes: over CMB's NUSAGE 62
        payments.create(maker, w.fields(purpose=PURPOSE_62, amount="99.00"))
    [p] = refused.value.problems
    assert (p.code, p.field, p.params["wire_field"], p.params["limit"]) == ("TEXT_LENGTH", "purpose", "NUSAGE", 62)
    assert p.message.startswith("CMB 招商银行 NUSAGE: ") and ledger_fingerprint() == before
    # a bank with a roomy purpose field: the ledger's 200 characters still bound it
    roomy = PluginManifest("roomy", "Roomy 银行", "FBSDK-like XML", "1.0", "1.0", frozenset(),
                           PluginLimits(encoding="gbk", field_byte_lengths={"CRTNAM": 200, "NUSAGE": 1000}))
    set_plugin(w, "roomy")
    before = ledger_fingerprint()
    svc = PaymentService(w.uow, w.clock, manifests=lambda pid: roomy)
    with pytest.raises(ValidationFailed) as refused:
        svc.create(maker, w.fields(purpose="货" * 201, amount="98.00"))
    assert [(p.code, p.field, p.params.get("max_chars")) for p in refused.value.problems] == [
        ("TEXT_LENGTH", "purpose", 200)]
    assert ledger_fingerprint() == before
    assert svc.create(maker, w.fields(purpose="货" * 200, amount="97.00")).entity.purpose == "货" * 200
