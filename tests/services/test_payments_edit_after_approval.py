"""Issue 5: "any change voids [approvals]" also for a fully approved (APPROVED, not yet signed) payment. The edit
voids every approval (kept as void), moves APPROVED → PENDING_APPROVAL with history and audit, and the
approvals are required again; a SIGNED payment stays uneditable. Runs on SQLite and on PostgreSQL
(BANKDIRECT_TEST_PG_URL), so the database triggers of both are exercised by the same edit."""

from __future__ import annotations

import pytest

from app.domain.errors import Conflict, DomainError
from app.domain.payment import PaymentStatus
from tests.conftest import ADMIN, PAYMENT_USER_PASSWORD, make_context
from tests.services.test_signing import approved, make_signer
from tests.storage.conftest import pg_database_url, wipe_pg_database  # noqa: F401 (fixture)

S = PaymentStatus


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app_context(request, tmp_path):
    """The shared app_context, on SQLite and on a wiped PostgreSQL database."""
    db_url = None
    if request.param == "postgresql":
        db_url = request.getfixturevalue("pg_database_url")
        wipe_pg_database(db_url)
    ctx = make_context(tmp_path / "ledger", db_url=db_url)
    ctx.services.setup.initialize("测试有限公司", ADMIN[0], ADMIN[1], admin_display_name="管理员")
    yield ctx
    ctx.close()


def _fully_approved(w, amount="60000.00"):
    maker = w.actor("maker")
    p = w.services.payments.create(maker, w.fields(amount=amount), override_duplicate=True).entity
    w.services.payments.submit(maker, p.id, override_duplicate=True)
    w.services.approvals.approve(w.actor("approver1"), [p.id], password=PAYMENT_USER_PASSWORD)
    [done] = w.services.approvals.approve(w.actor("approver2"), [p.id], password=PAYMENT_USER_PASSWORD)
    assert done.status is S.APPROVED
    return done


def test_edit_of_an_approved_payment_voids_approvals_and_requires_them_again(payment_world):
    w = payment_world
    s = w.services
    done = _fully_approved(w)
    maker = w.actor("maker")
    edited = s.payments.update(maker, done.id, done.version, w.fields(amount="60000.01"),
                               override_duplicate=True).entity
    assert edited.status is S.PENDING_APPROVAL
    assert edited.amount_minor == 6_000_001 and edited.content_hash != done.content_hash
    assert edited.required_approvals == 2
    detail = s.payments.get(w.admin, done.id)
    assert len(detail.approvals) == 2 and detail.active_approvals == []
    assert all(a.is_void and a.void_reason == "content edited by the maker" for a in detail.approvals)
    back = [h for h in detail.history if (h.from_status, h.to_status) == (S.APPROVED, S.PENDING_APPROVAL)]
    assert len(back) == 1 and back[0].actor == "maker" and "2 approval(s) voided" in (back[0].detail or "")
    entries = s.audit.entries(w.admin, 0, 50)
    status_audit = [e for e in entries if e.action == "payment.status_changed" and e.object_id == str(done.id)
                    and e.payload.get("from") == "APPROVED"]
    assert len(status_audit) == 1 and status_audit[0].payload["to"] == "PENDING_APPROVAL"
    assert any(e.action == "payment.approvals_voided" and e.payload["count"] == 2 for e in entries)
    # no longer ready to sign
    assert all(done.id not in b.payment_ids for b in s.signing.ready_batches(w.actor("signer")))
    # both approvers may approve the new content again, and both are needed
    assert done.id in [x.id for x in s.approvals.inbox(w.actor("approver1"))]
    [again] = s.approvals.approve(w.actor("approver1"), [done.id], password=PAYMENT_USER_PASSWORD)
    assert again.status is S.PENDING_APPROVAL
    [final] = s.approvals.approve(w.actor("approver2"), [done.id], password=PAYMENT_USER_PASSWORD)
    assert final.status is S.APPROVED and final.content_hash == edited.content_hash
    assert len(s.payments.get(w.admin, done.id).active_approvals) == 2


def test_unchanged_save_of_an_approved_payment_changes_nothing(payment_world, ledger_fingerprint):
    w = payment_world
    done = _fully_approved(w)
    before = ledger_fingerprint()
    saved = w.services.payments.update(w.actor("maker"), done.id, done.version, w.fields(amount="60000.00"),
                                       override_duplicate=True).entity
    assert saved.status is S.APPROVED and saved.version == done.version
    assert ledger_fingerprint() == before


def test_edit_of_an_approved_payment_is_still_versioned_and_maker_only(payment_world, ledger_fingerprint):
    w = payment_world
    done = _fully_approved(w)
    before = ledger_fingerprint()
    with pytest.raises(Conflict) as info:
        w.services.payments.update(w.actor("maker"), done.id, done.version - 1, w.fields(amount="1.00"))
    assert info.value.code == "STALE_VERSION"
    with pytest.raises(DomainError):
        w.services.payments.update(w.actor("approver1"), done.id, done.version, w.fields(amount="1.00"))
    assert ledger_fingerprint() == before


def test_signed_payment_stays_uneditable(payment_world, ledger_fingerprint):
    w = payment_world
    pid = approved(w, amount="100.00")
    key = w.services.signing.ready_batches(w.actor("signer"))[0].batch_key
    w.services.signing.sign_batch(w.actor("signer"), key, make_signer())
    signed = w.services.payments.get(w.actor("maker"), pid).payment
    assert signed.status is S.SIGNED
    before = ledger_fingerprint()
    with pytest.raises(Conflict) as info:
        w.services.payments.update(w.actor("maker"), pid, signed.version, w.fields(amount="101.00"))
    assert info.value.code == "PAYMENT_NOT_EDITABLE"
    assert ledger_fingerprint() == before


def test_batch_previewed_before_the_edit_can_no_longer_be_signed(payment_world, ledger_fingerprint):
    w = payment_world
    pid = approved(w, amount="100.00")
    key = w.services.signing.ready_batches(w.actor("signer"))[0].batch_key
    current = w.services.payments.get(w.actor("maker"), pid).payment
    w.services.payments.update(w.actor("maker"), pid, current.version, w.fields(amount="100.01"),
                               override_duplicate=True)
    before = ledger_fingerprint()
    signer = make_signer()
    with pytest.raises(DomainError):
        w.services.signing.sign_batch(w.actor("signer"), key, signer)
    assert signer.sign_operations == 0 and ledger_fingerprint() == before
