"""An imported batch file is signed on its own: its lines form their own ready batch (one signature for exactly
them), never mixed with loose approved payments of the same account — the issue's "exactly one signature"."""

from __future__ import annotations

from tests.batches.test_supplier_and_presign import ICBC, approve_all, make_signer, supplier_file, world  # noqa: F401


def test_a_batch_file_is_its_own_signing_batch(world, tmp_path):  # noqa: F811
    w = world
    loose = w.services.payments.create(w.maker, w.fields(), override_duplicate=True).entity
    w.services.payments.submit(w.maker, loose.id, override_duplicate=True)
    approve_all(w, [loose.id])
    path = supplier_file(tmp_path, [
        f"深圳市华强电子有限公司,755912345678,工行,{ICBC},1.00,货款,12345678,2025-11-02,",
        f"上海浦江物流有限公司,755912345679,工行,{ICBC},2.00,货款,12345679,2025-11-02,PO-1"])
    result = w.batch.import_file(w.maker, path, account=w.account.account_number, profile="supplier")
    approve_all(w, result.payment_ids)
    signer_actor = w.actor("signer")
    ready = w.signing.ready_batches(signer_actor)
    assert sorted(sorted(b.payment_ids) for b in ready) == sorted([[loose.id], sorted(result.payment_ids)])
    file_batch = next(b for b in ready if loose.id not in b.payment_ids)
    signed = w.signing.sign_batch(signer_actor, file_batch.batch_key, make_signer())
    assert signed.count == len(result.payment_ids)
    assert [b.payment_ids for b in w.signing.ready_batches(signer_actor)] == [(loose.id,)]
