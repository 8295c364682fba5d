"""Failed supplier lines re-initiated as a new batch keep their invoices (structured remittance): the redo pays
the same invoices, so the bank and the supplier see the same references."""

from __future__ import annotations

from sqlalchemy import text

from app.services.batch_results import BatchResultsService
from tests.batches.test_supplier_and_presign import ICBC, approve_all, supplier_file, world  # noqa: F401


def test_reinitiated_lines_carry_the_same_remittance(world, tmp_path, app_context):  # noqa: F811
    w = world
    path = supplier_file(tmp_path, [
        f"深圳市华强电子有限公司,755912345678,工行,{ICBC},1.00,货款,12345678；12345679,2025-11-02,PO-778",
        f"上海浦江物流有限公司,755912345679,工行,{ICBC},2.00,货款,,,"])
    result = w.batch.import_file(w.maker, path, account=w.account.account_number, profile="supplier")
    approve_all(w, result.payment_ids)
    with app_context.ledger.engine.begin() as con:   # the bank refused both (as the engine would record it)
        for pid in result.payment_ids:
            con.execute(text("UPDATE payment_requests SET status = 'FAILED', bank_code = 'AC01' WHERE id = :i"),
                        {"i": pid})
    before = w.batch.remittances(w.maker, result.batch.id)
    redo = BatchResultsService(w.uow, w.clock).reinitiate_failed(w.maker, result.batch.id)
    after = w.batch.remittances(w.maker, redo.batch.id)
    first_old = sorted(result.payment_ids)[0]
    first_new = redo.links[first_old]
    assert after[first_new] == before[first_old]
    assert after[first_new].invoice_numbers == ("12345678", "12345679")
    assert len(after) == 1                                      # the line without invoices stays without
