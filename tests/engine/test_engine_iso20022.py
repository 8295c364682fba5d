"""An account on the ISO 20022 channel pays through the same submission engine as any other: pain.001 out,
pain.002 in, follow-up by status report, exactly one debit at the bank (the sandbox's second dialect)."""

from __future__ import annotations

from collections import Counter

from app.adapters.http_transport import spki_pin_of_pem
from app.adapters.sandbox_bank_process import sandbox_files
from app.domain.payment import PaymentStatus
from app.services.demo_data import DEMO_PASSWORD
from tests.engine.support import bank_report, make_batch_signer, start_world, stop_world


def test_iso20022_account_pays_through_the_engine(tmp_path):
    world = start_world(tmp_path, dedup="off")
    try:
        s = world.services
        admin = world.actor("admin")
        files = sandbox_files(world.state)
        profile = s.profiles.save_profile(admin, {
            "name": "ISO 20022 沙箱", "plugin_id": "iso20022", "base_url": f"https://127.0.0.1:{world.port}",
            "settings": {"debtor_name": "演示科技有限公司"}, "ca_cert_file": str(files.ca_pem),
            "client_cert_file": str(files.client_pem), "client_key_file": str(files.client_key_pem),
            "bank_cert_file": str(files.bank_signing_pem), "pins": [spki_pin_of_pem(files.server_pem.read_bytes())],
            "connect_timeout_s": "5", "read_timeout_s": "30"})
        account = [a for a in s.master_data.list_accounts(admin) if a.currency == "CNY"][-1]
        s.profiles.link_account(admin, account.id, profile.id)
        payee = world.payee()
        maker, approver, signer = world.actor("maker"), world.actor("approver1"), world.actor("signer")
        ids = []
        for amount in ("1.01", "22.22", "333.33"):
            p = s.payments.create(maker, {"debit_account_id": account.id, "payee_id": payee.id, "amount": amount,
                                          "purpose": "ISO 20022 货款"}, override_duplicate=True).entity
            s.payments.submit(maker, p.id, override_duplicate=True)
            ids.append(p.id)
        s.approvals.approve(approver, ids, password=DEMO_PASSWORD)
        for batch in s.signing.ready_batches(signer):
            if set(batch.payment_ids) == set(ids):
                s.signing.sign_batch(signer, batch.batch_key, make_batch_signer())
        s.submission.run_until_idle(timeout_s=60, poll_s=0.05)
        traces = [s.submission.trace(maker, pid) for pid in ids]
        assert {t.payment.status for t in traces} == {PaymentStatus.SUCCEEDED}, [t.payment for t in traces]
        assert {t.submission.plugin_id for t in traces} == {"iso20022"}
        assert b"pain.001.001.09" in traces[0].submission.body
        debits = Counter(d["client_reference"] for d in bank_report(world)["debits"])
        assert all(debits[t.payment.client_reference] == 1 for t in traces)
        assert sorted(d["amount_minor"] for d in bank_report(world)["debits"]
                      if d["client_reference"] in {t.payment.client_reference for t in traces}) == [101, 2222, 33333]
    finally:
        stop_world(world)
