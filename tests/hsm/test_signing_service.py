"""SigningService with a real SoftHSM2 token on the demo ledger: the signer signs the demo's approved payment
with PIN 123456 (one token operation), a wrong PIN changes nothing, a 1,000-payment batch is one token
operation."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import insert, update

from app.adapters.pkcs11_signer import SOFTHSM_MODULE
from app.adapters.signature_verifier import X509SignatureVerifier
from app.domain.payment import PaymentStatus
from app.domain.payment_request import content_hash
from app.domain.signing_batch import proof_from_json, verify_inclusion
from app.ports.signing import PinIncorrect
from app.ports.signing_batches import SigningKeyProfile
from app.services.demo_data import DEMO_PASSWORD
from app.services.signing import BATCH_SIGNED, SigningService
from storage.fingerprint import state_fingerprint
from storage.orm import ApprovalRow, PaymentRequestRow
from tests.hsm.conftest import PIN, ScriptedInteraction, requires_softhsm

pytestmark = [requires_softhsm]


@pytest.fixture
def token_signer(demo_services, fresh_token, hsm_dir):
    """The demo user ``signer`` enrolled with a fresh SoftHSM2 token; returns (signer actor, service)."""
    services = demo_services
    admin = services.auth.login("admin", DEMO_PASSWORD)
    services.signing.save_signing_key(admin, "signer", SigningKeyProfile(
        user_id=0, kind="pkcs11", certificate_pem=fresh_token.certificate_pem.decode(), module_path=SOFTHSM_MODULE,
        token_label=fresh_token.label, key_label="signing-key", token_dir=str(hsm_dir)))
    return services.auth.login("signer", DEMO_PASSWORD), services.signing


def test_signer_signs_the_demo_batch_with_the_token_pin(demo_services, token_signer):
    actor, signing = token_signer
    interaction = ScriptedInteraction(PIN)
    signer = signing.signer_for(actor, interaction)
    [preview] = signing.ready_batches(actor)
    batch = signing.sign_batch(actor, preview.batch_key, signer)
    assert signer.sign_operations == 1 and len(interaction.asked) == 1
    assert batch.algorithm == "ECDSA-P256-SHA256" and batch.digest == preview.digest
    for pid in preview.payment_ids:
        assert demo_services.payments.get(actor, pid).payment.status is PaymentStatus.SIGNED
        stored, item = signing.payment_proof(actor, pid)
        assert verify_inclusion(item.leaf_json.encode(), proof_from_json(json.loads(item.proof_json)),
                                bytes.fromhex(stored.merkle_root))
    assert signing.verify_batch(actor, batch.batch_id).ok
    auditor = demo_services.auth.login("auditor", DEMO_PASSWORD)
    signed = [e for e in demo_services.audit.entries(auditor, 0, 300) if e.action == BATCH_SIGNED]
    assert len(signed) == 1 and signed[0].payload["count"] == preview.count
    assert signed[0].payload["total_minor"] == preview.total_minor and signed[0].payload["digest"] == preview.digest


def test_wrong_pin_changes_nothing(demo_context, token_signer):
    actor, signing = token_signer
    signer = signing.signer_for(actor, ScriptedInteraction("000000"))
    [preview] = signing.ready_batches(actor)
    before = state_fingerprint(demo_context.ledger.engine)
    with pytest.raises(PinIncorrect):
        signing.sign_batch(actor, preview.batch_key, signer)
    assert state_fingerprint(demo_context.ledger.engine) == before
    assert signer.sign_operations == 0
    assert signing.ready_batches(actor) == [preview]


def _bulk_approved(ctx, n: int) -> list[int]:
    """n APPROVED payments straight into the ledger (pending → one approval bound to the content → approved)."""
    services = ctx.services
    admin = services.auth.login("admin", DEMO_PASSWORD)
    maker = services.auth.login("maker", DEMO_PASSWORD)
    approver = services.auth.login("approver2", DEMO_PASSWORD)
    account = next(a for a in services.master_data.list_accounts(admin) if a.currency == "CNY")
    payee = services.master_data.search_payees(admin, "", 0, 1)[0]
    now = dt.datetime.now(dt.UTC)
    day = (now + dt.timedelta(hours=8)).date()
    rows = []
    for i in range(n):
        amount = 10_000 + i
        rows.append({"org_id": account.org_id, "debit_account_id": account.id, "payee_id": payee.id,
                     "amount_minor": amount, "currency": "CNY", "purpose": "批量货款", "requested_date": day,
                     "urgency": "normal",
                     "status": "PENDING_APPROVAL", "maker_id": maker.user_id, "version": 1,
                     "content_hash": content_hash(account, payee, amount, "CNY", "批量货款", day, False),
                     "created_at": now, "updated_at": now, "duplicate_override": True, "required_approvals": 1})
    engine = ctx.ledger.engine
    with engine.begin() as conn:
        first = conn.execute(insert(PaymentRequestRow).returning(PaymentRequestRow.id), rows).scalars().all()
        ids = list(first)
        conn.execute(insert(ApprovalRow), [{"payment_id": pid, "approver_id": approver.user_id, "level": 1,
                                            "decision": "approved", "content_hash": row["content_hash"],
                                            "at": now} for pid, row in zip(ids, rows, strict=True)])
        conn.execute(update(PaymentRequestRow).where(PaymentRequestRow.id.in_(ids)).values(status="APPROVED"))
    return ids


def test_a_thousand_payment_batch_is_one_token_operation(demo_context, token_signer):
    actor, _ = token_signer
    ids = _bulk_approved(demo_context, 1000)
    signing = SigningService(demo_context.ledger.unit_of_work_factory(demo_context.audit_key, demo_context.clock),
                             demo_context.clock, X509SignatureVerifier(),
                             demo_context.services.signing._provider,  # noqa: SLF001 - the same provider
                             batch_size_for=lambda _plugin: 10_000)
    preview = next(b for b in signing.ready_batches(actor) if set(ids) <= set(b.payment_ids))
    signer = signing.signer_for(actor, ScriptedInteraction(PIN))
    batch = signing.sign_batch(actor, preview.batch_key, signer)
    assert batch.count == len(preview.payment_ids) >= 1000
    assert signer.sign_operations == 1
    report = signing.verify_batch(actor, batch.batch_id)
    assert report.ok and len(report.payments) == batch.count
