"""A DCPAYMNT body signed on the SoftHSM2 token is accepted by the sandbox bank (real HTTPS round trip).

The token's certificate is issued by the sandbox bank's CA and registered in its signer table the way
``sandbox_bank.admin.issue_signer`` does for keys it makes itself (see the report: an admin function for
externally made certificates is proposed, this test uses the ledger call directly)."""

from __future__ import annotations

import pytest

from app.adapters.softhsm import provision_token
from app.adapters.software_signer import certificate_signer_id
from app.domain.payment import PaymentStatus
from app.ports.bank import PaymentInstruction
from tests.hsm.conftest import PIN, SO_PIN, ScriptedInteraction, requires_softhsm

pytestmark = [requires_softhsm, pytest.mark.usefixtures("use_hsm")]


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    from tests.sandbox_bank.bank_harness import make_template, start_bank

    base = tmp_path_factory.mktemp("hsm-bank")
    bank = start_bank(make_template(base), base / "run", "--processing-delay", "0.2", "--settle-delay", "0.2")
    yield bank
    bank.stop()


def _connector(bank):
    from app.adapters.connector_factory import PemAnswerVerifier
    from app.adapters.http_transport import HttpsTransport, TlsSettings, TransportSettings
    from app.plugins.registry import load_registry
    from app.ports.bank import BankPluginContext

    creds = bank.state / "credentials"
    tls = TlsSettings(ca_file=creds / "ca.pem", client_cert_file=creds / "demo-client.pem",
                      client_key_file=creds / "demo-client-key.pem")
    transport = HttpsTransport(TransportSettings(f"https://127.0.0.1:{bank.port}", tls, bank="sandbox",
                                                 read_timeout_s=10))
    ctx = BankPluginContext(transport, {"login_name": "HSM", "branch": "75"},
                            PemAnswerVerifier((creds / "bank-signing.pem").read_bytes()))
    return load_registry(include_entry_points=False).connector("cmb_fbsdk", ctx), transport


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_token_signature_accepted_by_the_sandbox_bank(bank, hsm_dir, key_type):
    from app.adapters.pkcs11_signer import PKCS11Signer
    from sandbox_bank.ledger import Ledger
    from tests.sandbox_bank.bank_harness import PAYER

    ca = ((bank.state / "credentials" / "ca.pem").read_bytes(), (bank.state / "private" / "ca-key.pem").read_bytes())
    label = f"bank-{key_type}"
    token = provision_token(hsm_dir, label, SO_PIN, PIN, key_type, "signer hsm", ca)
    ledger = Ledger(bank.state)
    try:
        ledger.register_signer(certificate_signer_id(token.certificate_pem), f"hsm{key_type}", key_type,
                               token.certificate_pem.decode("ascii"))
    finally:
        ledger.close()

    signer = PKCS11Signer(ScriptedInteraction(PIN, PIN), token_label=label)
    connector, transport = _connector(bank)
    try:
        ref = f"HSM{key_type.upper()}0001"
        instruction = PaymentInstruction(
            client_reference=ref, debit_account=PAYER, payee_account="6217000000123456", payee_name="收款测试公司",
            amount_minor=12_345, payee_bank_name="中国银行深圳分行", purpose="货款", extra={"DBTBBK": "75"})
        submission = connector.prepare_submission([instruction], signer)
        assert signer.sign_operations == 1
        results = connector.send_submission(submission)
        assert [r.client_reference for r in results] == [ref]
        assert results[0].status in (PaymentStatus.ACCEPTED, PaymentStatus.AWAITING_BANK_AUTH), results[0]
        # an altered body with the token's signature is refused (the bank really verifies)
        tampered = type(submission)(**{**submission.__dict__, "body": submission.body.replace(b"123.45", b"123.46")})
        assert tampered.body != submission.body
        refused = connector.send_submission(tampered)
        assert refused[0].status is PaymentStatus.FAILED and refused[0].bank_code == "SIG_INVALID"
    finally:
        transport.close()
