"""Supplier files with structured remittance (发票号 / 发票日期 / 汇款附言) through the service: validated per row
against the debit account's bank (CMB: the compact form must fit NUSAGE), stored with the payment and carried to
the CMB wire record; and the pre-sign check: a batch holding a name or purpose the bank cannot carry is refused
before the PIN, every offending payment (and batch row) named, nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import text

from app.adapters.signature_verifier import X509SignatureVerifier
from app.adapters.software_signer import SoftwareKeySigner
from app.domain.identifiers import cnaps_check_digit
from app.domain.remittance import ReferredDocument, Remittance
from app.ports.bank import PaymentInstruction, PluginLimits, PluginManifest
from app.services.batch_import import BANK_RULES, BatchImportService, BatchRejected
from app.services.signing import BANK_TEXT, BankTextRefused, SigningService
from bank_plugins.cmb_fbsdk.codec import build_payment_request, payment_record
from storage.batch_lines_extra import SqlBatchLineExtras
from tests.conftest import PAYMENT_USER_PASSWORD

ICBC = "10210000023" + cnaps_check_digit("10210000023")
HEADER = "收款人名称,收款账号,收款行名称,收款行行号,金额,用途,发票号,发票日期,汇款附言"
SEVEN = "\"" + ",".join(str(11111111 * k) for k in range(1, 8)) + "\""   # 7 invoices (a quoted CSV cell)


def make_signer() -> SoftwareKeySigner:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test signer")])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=365)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return SoftwareKeySigner(key_pem, None, None, certificate_pem=cert.public_bytes(serialization.Encoding.PEM))


@pytest.fixture
def world(payment_world, app_context):
    w = payment_world
    w.uow = app_context.ledger.unit_of_work_factory(app_context.audit_key, app_context.clock)
    w.clock = app_context.clock
    w.batch = BatchImportService(w.uow, w.clock, line_extras=SqlBatchLineExtras.of)
    w.signing = SigningService(w.uow, w.clock, X509SignatureVerifier(), line_extras=SqlBatchLineExtras.of)
    w.maker = w.actor("maker")
    return w


def set_plugin(w, plugin_id: str | None) -> None:
    acc = w.account
    fields = {k: getattr(acc, k) for k in ("bank_name", "branch_name", "cnaps_code", "account_number",
                                           "account_name", "currency")}
    w.account = w.services.master_data.update_account(w.admin, acc.id, acc.version,
                                                      {**fields, "plugin_id": plugin_id}).entity


def supplier_file(tmp_path, rows: list[str], name: str = "供应商付款.csv"):
    path = tmp_path / name
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode("gbk"))
    return path


def approve_all(w, ids) -> None:
    w.services.approvals.approve(w.actor("approver1"), list(ids), password=PAYMENT_USER_PASSWORD)


def test_supplier_remittance_is_checked_for_cmb_stored_and_carried_to_nusage(world, tmp_path):
    w = world
    set_plugin(w, "cmb_fbsdk")
    path = supplier_file(tmp_path, [
        f"深圳市华强电子有限公司,755912345678,中国工商银行深圳分行,{ICBC},12000.00,货款,12345678；12345679,2025-11-02,PO-778",
        f"上海浦江物流有限公司,755912345679,中国工商银行深圳分行,{ICBC},300.00,货款,{SEVEN},2025-11-02,",
        f"北京某某科技有限公司,755912345680,中国工商银行深圳分行,{ICBC},400.00,货款,INV-1,2025-02-30,",
        f"广州某某贸易有限公司,755912345681,中国工商银行深圳分行,{ICBC},500.00,货款,,,"])
    pv = w.batch.preview(w.maker, path, account=w.account.account_number, profile="supplier")
    assert pv.bank_rules == "cmb_fbsdk" and pv.encoding == "gb18030"
    assert [(p.row, p.column, p.code) for p in pv.errors] == [(3, "汇款附言", "REMITTANCE_LENGTH"),
                                                              (4, "发票日期", "REMITTANCE_DATE")]
    assert "NUSAGE" in pv.errors[0].message
    first = pv.lines[0]
    assert first.remittance == Remittance((ReferredDocument("12345678", dt.date(2025, 11, 2)),
                                           ReferredDocument("12345679", dt.date(2025, 11, 2))), "PO-778")
    with pytest.raises(BatchRejected):
        w.batch.import_file(w.maker, path, account=w.account.account_number, profile="supplier")
    result = w.batch.import_file(w.maker, path, account=w.account.account_number, profile="supplier",
                                 exclude_invalid=True)
    assert result.batch.line_count == 2
    stored = w.batch.remittances(w.maker, result.batch.id)
    assert stored == {result.payment_ids[0]: first.remittance}
    # what the engine sends (the lead's prepare_queued fills PaymentInstruction.remittance the same way)
    p = w.services.payments.get(w.maker, result.payment_ids[0]).payment
    instr = PaymentInstruction("BD0000000001", w.account.account_number, p.payee_account, p.payee_name,
                               p.amount_minor, payee_bank_code=p.payee_bank_code, purpose=p.purpose,
                               remittance=stored[p.id])
    assert payment_record(instr)["NUSAGE"] == "货款 发票12345678,12345679(20251102) 附言PO-778"
    assert b"PO-778" in build_payment_request([instr], login_name="U")


def test_an_account_whose_plugin_is_not_installed_gets_a_warning(world, tmp_path):
    w = world
    set_plugin(w, "nosuchbank")
    path = supplier_file(tmp_path, [f"深圳市华强电子有限公司,755912345678,工行,{ICBC},1.00,货款,,,"])
    pv = w.batch.preview(w.maker, path, account=w.account.account_number, profile="supplier")
    assert not pv.errors and pv.bank_rules == ""
    assert [(p.code, p.row) for p in pv.problems if not p.is_error] == [(BANK_RULES, 0)]
    assert "nosuchbank" in pv.problems[0].message


def test_a_bank_with_small_fields_refuses_names_at_import(world, tmp_path):
    w = world
    set_plugin(w, "tinybank")
    tiny = PluginManifest("tinybank", "Tiny 小银行", "FBSDK-like XML", "1.0", "1.0", frozenset(),
                          PluginLimits(encoding="gbk", field_byte_lengths={"CRTNAM": 16, "NUSAGE": 62}))
    svc = BatchImportService(w.uow, w.clock, manifests=lambda pid: tiny, line_extras=SqlBatchLineExtras.of)
    path = supplier_file(tmp_path, [f"深圳市华强电子有限公司,755912345678,工行,{ICBC},1.00,货款,,,",
                                    f"华强电子,755912345679,工行,{ICBC},2.00,货款,,,"])
    pv = svc.preview(w.maker, path, account=w.account.account_number, profile="supplier")
    assert [(p.row, p.column, p.code) for p in pv.errors] == [(2, "收款人名称", "TEXT_LENGTH")]
    assert "Tiny 小银行 CRTNAM" in pv.errors[0].message and "16 bytes" in pv.errors[0].message


def test_signing_refuses_a_name_the_bank_cannot_encode_before_the_pin(world, ledger_fingerprint):
    w = world
    set_plugin(w, "cmb_fbsdk")
    with w.uow() as u:             # a payee stored by an older version or an outside tool, before any check
        u.session.execute(text("UPDATE payees SET name = '深圳华强𠮷野家有限公司' WHERE id = :i"), {"i": w.payee.id})
        u.commit()
    maker = w.actor("maker")
    bad = w.services.payments.create(maker, w.fields(amount="10.00"), override_duplicate=True).entity
    good = w.services.payments.create(maker, w.fields(amount="20.00", payee_id=w.payee2.id),
                                      override_duplicate=True).entity
    for p in (bad, good):
        w.services.payments.submit(maker, p.id, override_duplicate=True)
    approve_all(w, [bad.id, good.id])
    signer_actor = w.actor("signer")
    preview = w.signing.ready_batches(signer_actor)[0]
    assert set(preview.payment_ids) == {bad.id, good.id}
    signer = make_signer()
    before = ledger_fingerprint()
    with pytest.raises(BankTextRefused) as info:
        w.signing.sign_batch(signer_actor, preview.batch_key, signer)
    exc = info.value
    assert exc.code == BANK_TEXT and signer.sign_operations == 0 and ledger_fingerprint() == before
    assert [(p.code, p.params["payment_id"]) for p in exc.problems] == [("TEXT_ENCODING", bad.id)]
    assert f"payment {bad.id}:" in exc.message and "CRTNAM" in exc.message and "'𠮷'" in exc.message
    assert "1 payment(s) of this batch cannot be sent to CMB 招商银行" in exc.message


def test_signing_names_batch_rows_whose_remittance_no_longer_fits(world, tmp_path, ledger_fingerprint):
    w = world
    set_plugin(w, None)                         # imported while the account had no bank plugin: no NUSAGE rule
    path = supplier_file(tmp_path, [
        f"深圳市华强电子有限公司,755912345678,工行,{ICBC},1.00,货款,{SEVEN},2025-11-02,",
        f"上海浦江物流有限公司,755912345679,工行,{ICBC},2.00,货款,12345678,2025-11-02,PO-1"])
    result = w.batch.import_file(w.maker, path, account=w.account.account_number, profile="supplier")
    approve_all(w, result.payment_ids)
    set_plugin(w, "cmb_fbsdk")                  # then linked to CMB: the pre-sign check catches it
    signer_actor = w.actor("signer")
    preview = w.signing.ready_batches(signer_actor)[0]
    before = ledger_fingerprint()
    signer = make_signer()
    with pytest.raises(BankTextRefused) as info:
        w.signing.sign_batch(signer_actor, preview.batch_key, signer)
    first = result.payment_ids[0]
    assert signer.sign_operations == 0 and ledger_fingerprint() == before
    assert [(p.code, p.params["payment_id"]) for p in info.value.problems] == [("REMITTANCE_LENGTH", first)]
    assert f"payment {first} (batch {result.batch.id} row 2)" in info.value.message
