"""Contract every registered bank plugin must pass: manifest/registry rules now, and the dialect against the
sandbox bank (a real HTTPS process started by the tests) through the real transport."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from app.adapters.http_transport import HttpsTransport, TlsSettings, TransportSettings
from app.adapters.message_log import MemoryMessageLog
from app.domain.errors import ValidationFailed
from app.domain.payment import PaymentStatus as S
from app.plugins.registry import load_registry, manifest_problems
from app.ports.bank import BankConnector, BankPluginContext, Capability, PaymentInstruction

REGISTRY = load_registry(include_entry_points=False)
PLUGIN_IDS = REGISTRY.ids()
SANDBOX_SETTINGS = {"cmb_fbsdk": {"login_name": "CONTRACT", "branch": "75", "page_rows": "2"},
                    "iso20022": {"debtor_name": "测试付款有限公司", "page_rows": "2"}}
# What each dialect needs or says differently against the sandbox bank.
INSTRUCTION_EXTRA = {"cmb_fbsdk": {"DBTBBK": "75"}, "iso20022": {}}
SIGNATURE_REFUSED = {"cmb_fbsdk": "SIG_INVALID", "iso20022": "DS0B"}  # ISO: DS0B data signature invalid
RECEIPT_FILE = {"cmb_fbsdk": ("PDF", b"%PDF"), "iso20022": ("camt.054", b"<?xml")}
# A payee name the dialect cannot send, and the problem code it must be refused with before signing.
UNSENDABLE_NAME = {"cmb_fbsdk": ("王䶮", "TEXT_ENCODING"), "iso20022": ("收款公司" * 36, "TEXT_LENGTH")}


@pytest.mark.parametrize("plugin_id", PLUGIN_IDS)
def test_manifest_is_valid_and_stable(plugin_id):
    manifest = REGISTRY.manifest(plugin_id)
    assert manifest.id == plugin_id
    assert manifest_problems(manifest) == []
    assert manifest.limits.encoding
    if manifest.supports(Capability.SINGLE_PAYMENT):
        assert Capability.STATUS_QUERY in manifest.capabilities  # a payment plugin must be able to resolve UNKNOWN


@pytest.mark.parametrize("plugin_id", PLUGIN_IDS)
def test_connector_implements_the_protocol(plugin_id):
    class NoTransport:
        def post(self, *a, **k):
            raise AssertionError("no I/O expected")

        def diagnose(self):
            return []

    connector = REGISTRY.connector(plugin_id, BankPluginContext(NoTransport(), SANDBOX_SETTINGS.get(plugin_id, {})))
    assert isinstance(connector, BankConnector)


# ---------------------------------------------------------------------------------------------------------
# Against the sandbox bank


class SoftwareSigner:
    def __init__(self, cert_pem: bytes, key_pem: bytes):
        self.certificate_pem = cert_pem
        self._key = serialization.load_pem_private_key(key_pem, password=None)
        self.algorithm = "RSA-SHA256" if isinstance(self._key, rsa.RSAPrivateKey) else "ECDSA-P256-SHA256"

    def sign(self, data: bytes) -> bytes:
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    from tests.sandbox_bank.bank_harness import make_template, start_bank

    base = tmp_path_factory.mktemp("contract-bank")
    bank = start_bank(make_template(base), base / "run", "--processing-delay", "0.2", "--settle-delay", "0.2",
                      "--status-list-page", "2")  # small pages so that STATUS_LIST paging is exercised
    yield bank
    bank.stop()


@pytest.fixture(params=PLUGIN_IDS)
def connector(request, sandbox):
    from app.adapters.connector_factory import PemAnswerVerifier

    plugin_id = request.param

    creds = sandbox.state / "credentials"
    tls = TlsSettings(ca_file=creds / "ca.pem", client_cert_file=creds / "demo-client.pem",
                      client_key_file=creds / "demo-client-key.pem")
    log = MemoryMessageLog()
    transport = HttpsTransport(TransportSettings(f"https://127.0.0.1:{sandbox.port}", tls, bank="sandbox",
                                                 read_timeout_s=10), message_log=log)
    verifier = PemAnswerVerifier((creds / "bank-signing.pem").read_bytes())
    ctx = BankPluginContext(transport, SANDBOX_SETTINGS[plugin_id], verifier)
    conn = REGISTRY.connector(plugin_id, ctx)
    conn.plugin_id = plugin_id
    conn.message_log = log
    conn.signer = SoftwareSigner((creds / "demo-signer.pem").read_bytes(), (creds / "demo-signer-key.pem").read_bytes())
    yield conn
    transport.close()


def _instr(conn, ref, amount_minor=12345, payee="6217000000123456"):
    from tests.sandbox_bank.bank_harness import PAYER

    return PaymentInstruction(client_reference=ref, debit_account=PAYER, payee_account=payee,
                              payee_name="收款测试公司", amount_minor=amount_minor, payee_bank_name="中国银行深圳分行",
                              purpose="货款", extra=INSTRUCTION_EXTRA[conn.plugin_id])


def _wait_final(conn, ref, timeout_s=8.0):
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        reports = conn.query_status([ref])
        if reports[0].found and reports[0].status in (S.SUCCEEDED, S.FAILED, S.RETURNED):
            return reports
        time.sleep(0.1)
    raise AssertionError(f"{ref} not final")


@pytest.mark.slow
def test_sandbox_balance_payment_status_details(connector, sandbox):
    from tests.sandbox_bank.bank_harness import PAYER

    (before,) = connector.get_balances([PAYER])
    assert before.account == PAYER and before.currency == "CNY"

    assert connector.query_status(["NEVER-SENT-1"])[0].status is S.UNKNOWN  # no record: never FAILED

    ok_ref, bad_ref = f"CT-OK-{connector.plugin_id}", f"CT-AC01-{connector.plugin_id}"
    results = connector.submit_payment([_instr(connector, ok_ref),
                                        _instr(connector, bad_ref, payee="6217000000000001")], connector.signer)
    assert [r.status for r in results] == [S.ACCEPTED, S.ACCEPTED]
    assert all(r.bank_reference for r in results)
    assert _wait_final(connector, ok_ref)[0].status is S.SUCCEEDED
    failed = _wait_final(connector, bad_ref)[0]
    assert failed.status is S.FAILED and failed.bank_code == "AC01"

    (after,) = connector.get_balances([PAYER])
    assert after.available_minor == before.available_minor - 12345  # debited exactly once

    today = dt.datetime.now(dt.UTC).date()
    rows, cursor, pages = [], None, 0
    while True:
        page = connector.get_transactions(PAYER, today - dt.timedelta(days=1), today, cursor)
        rows.extend(page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [t for t in rows if t.reference == ok_ref and t.amount_minor == -12345]
    assert len({t.bank_serial for t in rows}) == len(rows)  # every entry once

    receipts = connector.get_receipt(ok_ref)
    file_type, magic = RECEIPT_FILE[connector.plugin_id]
    assert receipts and receipts[0].file_type == file_type and receipts[0].pdf.startswith(magic)
    assert receipts[0].amount_minor == 12345

    report = sandbox.report()
    assert ok_ref in str(report)

    dump = connector.message_log.export_text()
    assert PAYER not in dump and "****0101" in dump  # the message log never shows full account numbers


@pytest.mark.slow
def test_sandbox_refuses_an_altered_submission_and_nothing_is_executed(connector, sandbox):
    import dataclasses

    ref = f"CT-ALTER-{connector.plugin_id}"
    sub = connector.prepare_submission([_instr(connector, ref)], connector.signer)
    altered = dataclasses.replace(sub, body=sub.body.replace(b"123.45", b"923.45"))
    (result,) = connector.send_submission(altered)
    assert result.status is S.FAILED and result.bank_code == SIGNATURE_REFUSED[connector.plugin_id]
    assert connector.query_status([ref])[0].found is False
    # the stored original is still byte-identical and valid
    (ok,) = connector.send_submission(sub)
    assert ok.status is S.ACCEPTED


@pytest.mark.slow
def test_sandbox_status_list_pages_agree_with_query_status(connector, sandbox):
    from tests.sandbox_bank.bank_harness import PAYER

    if not REGISTRY.manifest(connector.plugin_id).supports(Capability.STATUS_LIST):
        pytest.skip("no STATUS_LIST capability")
    refs = [f"CT-LIST{i}-{connector.plugin_id}" for i in range(5)]
    payees = ["6217000000123456", "6217000000000001", "6217000000123456", "6217000000000006", "6217000000123456"]
    results = connector.submit_payment([_instr(connector, ref, 100 + i, payee)
                                        for i, (ref, payee) in enumerate(zip(refs, payees, strict=True))],
                                       connector.signer)
    assert [r.status for r in results] == [S.ACCEPTED] * 5
    for ref in refs:
        _wait_final(connector, ref)
    today = dt.datetime.now(dt.UTC).date()
    listed, numbers, cursor, pages = {}, [], None, 0
    while True:
        page = connector.query_status_list(PAYER, today - dt.timedelta(days=1), today, cursor)
        assert len(page.reports) <= 2  # the bank's page size (serve --status-list-page 2)
        pages += 1
        for report in page.reports:
            listed.setdefault(report.client_reference, []).append(report)
            numbers.append(report.bank_reference)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages >= 3 and len(numbers) == len(set(numbers))  # every instruction once across the pages
    for ref in refs:
        (single,) = connector.query_status([ref])
        assert listed[ref] == [single]  # the same report, status and all
    assert [listed[r][0].status for r in refs] == [S.SUCCEEDED, S.FAILED, S.SUCCEEDED, S.FAILED, S.SUCCEEDED]
    assert [listed[r][0].bank_code for r in refs[1::2]] == ["AC01", "RR04"]
    assert all(r.debit_account == PAYER for reports in listed.values() for r in reports)


def test_validation_happens_before_signing(connector):
    import dataclasses
    class ExplodingSigner:
        algorithm = "x"
        certificate_pem = b""

        def sign(self, data):
            raise AssertionError("must not be asked to sign invalid data")

    name, code = UNSENDABLE_NAME[connector.plugin_id]
    bad = dataclasses.replace(_instr(connector, "CT-BAD-1"), payee_name=name)
    with pytest.raises(ValidationFailed) as info:
        connector.prepare_submission([bad], ExplodingSigner())
    assert info.value.code == code
