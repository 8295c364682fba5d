"""Shared set-up for submission-engine tests (service, CLI, GUI and chaos): a demo ledger wired to its own
sandbox bank process (with chosen faults / de-duplication), signed payments made through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.adapters.software_signer import SoftwareKeySigner
from app.domain.submission import EngineSettings
from app.services.demo_data import DEMO_PASSWORD

FAST = EngineSettings(lease_s=20.0, resend_backoff_s=0.05, resend_backoff_max_s=0.5, first_query_s=0.05,
                      query_backoff_max_s=0.4, settle_lag_s=0.3, no_record_confirmations=2, unknown_sla_s=600,
                      max_resends=5, respect_quiet_hours=False, min_query_interval_s=0.0)


def make_batch_signer() -> SoftwareKeySigner:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "engine test signer")])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=365)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return SoftwareKeySigner(key_pem, None, None, certificate_pem=cert.public_bytes(serialization.Encoding.PEM))


@dataclass
class EngineWorld:
    ctx: object
    state: Path
    port: int
    proc: object

    @property
    def services(self):
        return self.ctx.services

    def actor(self, name: str):
        return self.services.auth.login(name, DEMO_PASSWORD)

    def account(self):
        accounts = [a for a in self.services.master_data.list_accounts(self.actor("admin"))
                    if a.connection_profile_id is not None and a.currency == "CNY"]
        return accounts[0]

    def payee(self, account_suffix: str | None = None, name: str = "深圳市测试收款有限公司"):
        """A confirmed payee; ``account_suffix`` picks the sandbox's outcome (0001 → AC01, 0009 → returned)."""
        from app.domain.identifiers import cnaps_check_digit

        admin = self.actor("admin")
        number = "62220000" + (account_suffix or "5555").rjust(8, "7")
        for p in self.services.master_data.search_payees(admin, number, 0, 10):
            if p.account_number == number:
                return p
        code = "10210000023"
        return self.services.master_data.add_payee(admin, {
            "name": name, "account_number": number, "bank_name": "中国工商银行",
            "cnaps_code": code + cnaps_check_digit(code)}).entity

    def signed_payments(self, n: int, amount: str = "10.00", account_suffix: str | None = None) -> list[int]:
        """n payments created by ``maker``, approved by ``approver1`` and signed in one batch."""
        s = self.services
        maker, approver, signer = self.actor("maker"), self.actor("approver1"), self.actor("signer")
        account, payee = self.account(), self.payee(account_suffix)
        ids = []
        for _ in range(n):
            p = s.payments.create(maker, {"debit_account_id": account.id, "payee_id": payee.id, "amount": amount,
                                          "purpose": "货款"}, override_duplicate=True).entity
            s.payments.submit(maker, p.id, override_duplicate=True)
            ids.append(p.id)
        s.approvals.approve(approver, ids, password=DEMO_PASSWORD)
        batch_signer = make_batch_signer()
        for batch in s.signing.ready_batches(signer):
            if set(batch.payment_ids) & set(ids):
                s.signing.sign_batch(signer, batch.batch_key, batch_signer)
        return ids


def start_world(base: Path, *, faults: str = "", dedup: str = "on", seed: int = 0, extra: tuple[str, ...] = (),
                db_url: str | None = None) -> EngineWorld:
    """A populated demo ledger (SQLite under ``base``, or ``db_url``) and its sandbox bank on a free port."""
    from app.adapters.sandbox_bank_process import SandboxBankProcess
    from app.cli_bank import prepare_demo_sandbox
    from app.services.demo_data import populate_demo
    from tests.conftest import make_context

    ctx = make_context(base / "demo", demo=True, db_url=db_url) if db_url else make_context(base / "demo", demo=True)
    populate_demo(ctx.services)
    state, _ = prepare_demo_sandbox(ctx, 1)
    args = ("--dedup", dedup, "--seed", str(seed), *(("--faults", faults) if faults else ()),
            "--slow-seconds", "1.5", *extra)
    proc = SandboxBankProcess(state, 0, extra_args=args)
    port = proc.start()
    prepare_demo_sandbox(ctx, port)
    ctx.services.submission.settings = FAST
    return EngineWorld(ctx, state, port, proc)


def stop_world(world: EngineWorld) -> None:
    world.proc.stop()
    world.ctx.close()


def bank_report(world: EngineWorld) -> dict:
    from sandbox_bank.admin import report

    return report(world.state)
