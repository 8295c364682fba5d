"""SigningService with a software key: batches ready to sign, one signature per batch, proofs, separation of
duties (service and database), content changed after approval, certificate validity, verification."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import text

from app.adapters.signature_verifier import X509SignatureVerifier
from app.adapters.software_signer import SoftwareKeySigner
from app.domain.errors import Conflict, DomainError, PermissionDenied
from app.domain.payment import PaymentStatus
from app.domain.signing_batch import proof_from_json, verify_inclusion
from app.domain.users import Role
from app.services.signing import BATCH_SIGNED, SigningService
from tests.conftest import PAYMENT_USER_PASSWORD


def make_signer(days: int = 365, start_offset_days: int = -1) -> SoftwareKeySigner:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test signer")])
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=start_offset_days)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=days)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return SoftwareKeySigner(key_pem, None, None, certificate_pem=cert.public_bytes(serialization.Encoding.PEM))


def approved(w, approver="approver1", maker="maker", **overrides) -> int:
    p = w.services.payments.create(w.actor(maker), w.fields(**overrides), override_duplicate=True).entity
    w.services.payments.submit(w.actor(maker), p.id, override_duplicate=True)
    w.services.approvals.approve(w.actor(approver), [p.id], password=PAYMENT_USER_PASSWORD)
    return p.id


@pytest.fixture
def events(services):
    seen = []
    services.events.subscribe(lambda name, payload: seen.append((name, payload)))
    return seen


def test_ready_batches_group_by_account_and_show_total_in_words(payment_world):
    w = payment_world
    a = approved(w, amount="100.00")
    b = approved(w, amount="23.45", payee_id=w.payee2.id)
    c = approved(w, amount="7.00", debit_account_id=w.usd_account.id)
    pending = w.services.payments.create(w.actor("maker"), w.fields(amount="5.00"), override_duplicate=True).entity
    batches = w.services.signing.ready_batches(w.actor("signer"))
    assert len(batches) == 2
    cny = next(x for x in batches if x.currency == "CNY")
    usd = next(x for x in batches if x.currency == "USD")
    assert cny.payment_ids == (a, b) and pending.id not in cny.payment_ids
    assert (cny.count, cny.total_minor, cny.total_in_words) == (2, 12345, "壹佰贰拾叁元肆角伍分")
    assert usd.payment_ids == (c,) and usd.total_in_words is None
    assert len(bytes.fromhex(cny.digest)) == 32 and cny.digest != usd.digest
    assert w.services.signing.ready_batches(w.actor("signer")) == batches  # deterministic key and digest


def test_sign_batch_one_signature_proofs_status_audit_event(payment_world, events):
    w = payment_world
    ids = [approved(w, amount=f"{i}.00") for i in (10, 20, 30)]
    signer = make_signer()
    actor = w.actor("signer")
    preview = w.services.signing.ready_batches(actor)[0]
    batch = w.services.signing.sign_batch(actor, preview.batch_key, signer)
    assert signer.sign_operations == 1
    assert batch.batch_id == preview.batch_key and batch.digest == preview.digest
    assert batch.count == 3 and batch.total_minor == 6000 and sorted(batch.payment_ids) == ids
    for pid in ids:
        detail = w.services.payments.get(actor, pid)
        assert detail.payment.status is PaymentStatus.SIGNED and detail.payment.signer_id == actor.user_id
        assert detail.history[-1].to_status is PaymentStatus.SIGNED
        stored, item = w.services.signing.payment_proof(actor, pid)
        assert verify_inclusion(item.leaf_json.encode(), proof_from_json(json.loads(item.proof_json)),
                                bytes.fromhex(stored.merkle_root))
    report = w.services.signing.verify_batch(actor, batch.batch_id)
    assert report.ok and len(report.payments) == 3
    entries = [e for e in w.services.audit.entries(w.admin, 0, 200) if e.action == BATCH_SIGNED]
    assert len(entries) == 1
    assert entries[0].payload["count"] == 3 and entries[0].payload["digest"] == batch.digest
    assert ("payments_changed", {"ids": list(preview.payment_ids), "status": "SIGNED"}) in events
    assert w.services.signing.ready_batches(actor) == []
    assert [b.batch_id for b in w.services.signing.list_batches(actor)] == [batch.batch_id]


def test_sign_by_payment_ids_and_chunking(payment_world, app_context):
    w = payment_world
    ids = [approved(w, amount=f"{i}.00") for i in (1, 2, 3)]
    service = SigningService(app_context.ledger.unit_of_work_factory(app_context.audit_key, app_context.clock),
                             app_context.clock, X509SignatureVerifier(), batch_size_for=lambda _plugin: 2)
    batches = service.ready_batches(w.actor("signer"))
    assert [b.payment_ids for b in batches] == [tuple(ids[:2]), (ids[2],)]
    signer = make_signer()
    signed = service.sign_batch(w.actor("signer"), [ids[2]], signer)
    assert signed.payment_ids == (ids[2],) and signer.sign_operations == 1
    with pytest.raises(Conflict) as exc:
        service.sign_batch(w.actor("signer"), [ids[0]], signer)  # not a whole ready batch
    assert exc.value.code == "BATCH_CHANGED"


def test_maker_or_approver_holding_signer_role_is_refused_and_nothing_changes(payment_world, ledger_fingerprint):
    w = payment_world
    users = w.services.users
    users.add_user(w.admin, "ms", "ms", PAYMENT_USER_PASSWORD, [Role.MAKER, Role.SIGNER])
    users.add_user(w.admin, "as", "as", PAYMENT_USER_PASSWORD, [Role.APPROVER, Role.SIGNER])
    approved(w, maker="ms", amount="11.00")
    for name in ("ms", "as", "signer", "approver1"):
        w.actor(name)  # log in first: a login is audited
    before = ledger_fingerprint()
    signer = make_signer()
    key = w.services.signing.ready_batches(w.actor("signer"))[0].batch_key
    with pytest.raises(PermissionDenied) as exc:
        w.services.signing.sign_batch(w.actor("ms"), key, signer)
    assert exc.value.code == "SOD_VIOLATION"
    assert ledger_fingerprint() == before and signer.sign_operations == 0

    other = approved(w, approver="as", amount="12.00", payee_id=w.payee2.id)
    before = ledger_fingerprint()
    with pytest.raises(PermissionDenied) as exc:
        w.services.signing.sign_batch(w.actor("as"), [p for p in w.services.signing.ready_batches(
            w.actor("signer"))[0].payment_ids], signer)
    assert exc.value.code == "SOD_VIOLATION"
    assert ledger_fingerprint() == before and signer.sign_operations == 0
    with pytest.raises(PermissionDenied):  # no signer role at all
        w.services.signing.sign_batch(w.actor("approver1"), key, signer)
    assert other


def test_database_refuses_maker_or_approver_as_signer_by_raw_sql(payment_world, app_context):
    w = payment_world
    pid = approved(w)
    engine = app_context.ledger.engine
    uids = {who: w.actor(who).user_id for who in ("maker", "approver1", "signer")}
    for who in ("maker", "approver1"):
        uid = uids[who]
        with pytest.raises(Exception, match="SOD_VIOLATION"), engine.begin() as conn:
            conn.execute(text("UPDATE payment_requests SET signer_id = :u WHERE id = :p"), {"u": uid, "p": pid})
    with engine.begin() as conn:  # the rightful signer passes the trigger
        conn.execute(text("UPDATE payment_requests SET signer_id = :u WHERE id = :p"),
                     {"u": uids["signer"], "p": pid})


def test_signed_batches_are_append_only(payment_world, app_context):
    w = payment_world
    approved(w)
    batch = w.services.signing.sign_batch(w.actor("signer"), w.services.signing.ready_batches(
        w.actor("signer"))[0].batch_key, make_signer())
    engine = app_context.ledger.engine
    for sql in ("UPDATE signed_batches SET total_minor = 1", "DELETE FROM signed_batch_payments",
                "UPDATE signed_batch_payments SET proof_json = '[]'"):
        with pytest.raises(Exception, match="SIGNED_BATCH_IMMUTABLE"), engine.begin() as conn:
            conn.execute(text(sql))
    assert w.services.signing.verify_batch(w.actor("signer"), batch.batch_id).ok


def test_payment_changed_after_approval_cannot_be_signed(payment_world, ledger_fingerprint):
    w = payment_world
    approved(w)
    key = w.services.signing.ready_batches(w.actor("signer"))[0].batch_key
    payee = w.services.master_data.get_payee(w.admin, w.payee.id)
    fields = {k: getattr(payee, k) for k in ("account_number", "bank_name", "branch_name", "cnaps_code", "uscc")}
    w.services.master_data.update_payee(w.admin, payee.id, payee.version,
                                        {**fields, "name": "深圳市华强电子股份有限公司", "kind": payee.kind.value})
    before = ledger_fingerprint()
    signer = make_signer()
    with pytest.raises(Conflict) as exc:
        w.services.signing.sign_batch(w.actor("signer"), key, signer)
    assert exc.value.code == "CONTENT_CHANGED"
    assert ledger_fingerprint() == before and signer.sign_operations == 0


def test_expired_certificate_is_refused_before_signing(payment_world, ledger_fingerprint):
    w = payment_world
    approved(w)
    key = w.services.signing.ready_batches(w.actor("signer"))[0].batch_key
    signer = make_signer(days=10, start_offset_days=-30)
    before = ledger_fingerprint()
    with pytest.raises(DomainError) as exc:
        w.services.signing.sign_batch(w.actor("signer"), key, signer)
    assert exc.value.code == "CERT_EXPIRED"
    assert ledger_fingerprint() == before and signer.sign_operations == 0


def test_unknown_batch_key_and_tampered_batch_detected(payment_world, app_context):
    w = payment_world
    approved(w)
    with pytest.raises(Conflict) as exc:
        w.services.signing.sign_batch(w.actor("signer"), "Bdeadbeef", make_signer())
    assert exc.value.code == "BATCH_CHANGED"
    batch = w.services.signing.sign_batch(w.actor("signer"), w.services.signing.ready_batches(
        w.actor("signer"))[0].batch_key, make_signer())
    with app_context.ledger.engine.begin() as conn:  # a forger with SQL access rewrites the stored signature
        conn.execute(text("DROP TRIGGER signed_batches_no_update"))
        conn.execute(text("UPDATE signed_batches SET signature = :s"), {"s": "30" + "00" * 70})
    report = w.services.signing.verify_batch(w.actor("signer"), batch.batch_id)
    assert not report.signature_ok and report.header_ok and not report.ok


def test_signing_key_profile_software_key_through_provider(payment_world, app_context, tmp_path):
    from cryptography.hazmat.primitives.serialization import pkcs12

    from app.adapters.signer_provider import ProfileSignerProvider
    from app.ports.signing_batches import SigningKeyProfile

    w = payment_world
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "p12 signer")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    path = tmp_path / "signer.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"s", key, cert, None,
                                                           serialization.BestAvailableEncryption(b"pw-123")))
    app_context.secret_store.set_secret("signing/signer/key-password", "pw-123")
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    profile = SigningKeyProfile(user_id=0, kind="software", certificate_pem=pem, key_path=str(path),
                                password_secret="signing/signer/key-password")
    with pytest.raises(PermissionDenied):
        w.services.signing.save_signing_key(w.actor("signer"), "signer", profile)  # admins only
    saved = w.services.signing.save_signing_key(w.admin, "signer", profile)
    assert saved.user_id == w.actor("signer").user_id and saved.password_secret and "pw-123" not in repr(saved)
    provider = ProfileSignerProvider(app_context.secret_store)
    assert w.services.signing._provider is not None  # noqa: SLF001
    signer = provider.signer_for(saved, interaction=None)  # type: ignore[arg-type]
    approved(w)
    signed = w.services.signing.sign_batch(w.actor("signer"), w.services.signing.ready_batches(
        w.actor("signer"))[0].batch_key, w.services.signing.signer_for(w.actor("signer"), None))  # type: ignore
    assert signed.certificate_pem == pem and signer.certificate_pem.decode() == pem
