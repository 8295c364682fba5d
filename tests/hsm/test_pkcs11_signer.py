"""PKCS11Signer against a real SoftHSM2 token: signatures, PINs, flags, removal, the token thread, batches."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from app.adapters.pkcs11_signer import (
    CKF_USER_PIN_FINAL_TRY,
    CKF_USER_PIN_LOCKED,
    SHA256_DIGEST_INFO,
    PKCS11Signer,
)
from app.domain.errors import DomainError, PinLocked, TokenNotPresent, UserCancelled
from app.domain.signing_batch import BatchPayment, SigningBatch, inclusion_proof, verify_inclusion
from app.ports.signing import BatchSigner, PinIncorrect, TokenWarning
from tests.hsm.conftest import PIN, ScriptedInteraction, requires_softhsm, set_token_flags_on_disk, token_folder

pytestmark = [requires_softhsm, pytest.mark.usefixtures("use_hsm")]


class FixedClock:
    def __init__(self, now: dt.datetime):
        self._now = now

    def now(self) -> dt.datetime:
        return self._now


def verify(cert_pem: bytes, signature: bytes, message: bytes) -> None:
    """Raise InvalidSignature unless ``signature`` is a SHA-256 signature over ``message`` by the cert's key."""
    public = x509.load_pem_x509_certificate(cert_pem).public_key()
    if isinstance(public, ec.EllipticCurvePublicKey):
        public.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    else:
        public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())


def signer_for(token, *pins: str, **kw) -> tuple[PKCS11Signer, ScriptedInteraction]:
    interaction = ScriptedInteraction(*pins, on_ask=kw.pop("on_ask", None))
    return PKCS11Signer(interaction, token_label=token.label, key_label="signing-key", **kw), interaction


@pytest.mark.parametrize("token_name", ["rsa_token", "ec_token"])
def test_sign_and_sign_digest_verify_with_the_certificate(token_name, request):
    token = request.getfixturevalue(token_name)
    signer, interaction = signer_for(token, PIN, PIN)
    assert isinstance(signer, BatchSigner)
    assert signer.algorithm == token.algorithm
    assert signer.certificate_pem == token.certificate_pem  # read back from the token's CKO_CERTIFICATE

    body = "<CMBSDKPGK><INFO><FUNNAM>DCPAYMNT</FUNNAM></INFO>付款</CMBSDKPGK>".encode()
    signature = signer.sign(body)
    verify(token.certificate_pem, signature, body)
    digest_sig = signer.sign_digest(hashlib.sha256(b"preimage").digest())
    verify(token.certificate_pem, digest_sig.signature, b"preimage")
    der = x509.load_pem_x509_certificate(token.certificate_pem).public_bytes(serialization.Encoding.DER)
    assert digest_sig.signer_id == hashlib.sha256(der).hexdigest()
    if token.key_type == "ec":
        r, s = decode_dss_signature(signature)  # DER, not raw r||s
        assert r > 0 and s > 0
    else:
        assert len(signature) == 256 and SHA256_DIGEST_INFO.startswith(b"\x30\x31")
    with pytest.raises(Exception):  # noqa: B017 - any InvalidSignature
        verify(token.certificate_pem, signature, body + b" ")
    assert signer.sign_operations == 2
    assert interaction.asked == [(token.label, ()), (token.label, ())]


def test_wrong_pin_then_correct_and_the_count_low_flag(fresh_token):
    signer, interaction = signer_for(fresh_token, "000000", PIN, PIN)
    with pytest.raises(PinIncorrect) as exc:
        signer.sign(b"payload")
    err = exc.value
    assert isinstance(err, DomainError) and err.code == "PIN_INCORRECT"
    # SoftHSM2 sets CKF_USER_PIN_COUNT_LOW after a wrong PIN (it never sets FINAL_TRY or LOCKED by itself)
    assert err.warnings == (TokenWarning.PIN_COUNT_LOW,)
    assert "pin_count_low" in err.to_dict()["warnings"]
    assert PIN not in str(err.to_dict()) and "000000" not in str(err.to_dict())
    assert signer.sign_operations == 0

    verify(fresh_token.certificate_pem, signer.sign(b"payload"), b"payload")
    assert interaction.asked[1] == (fresh_token.label, (TokenWarning.PIN_COUNT_LOW,))  # warned before the try
    signer.sign(b"again")
    assert interaction.asked[2] == (fresh_token.label, ())  # a correct PIN clears the counter flag
    assert signer.sign_operations == 2


def test_final_try_flag_is_shown_before_the_attempt(fresh_token, hsm_dir):
    set_token_flags_on_disk(hsm_dir, fresh_token.serial, CKF_USER_PIN_FINAL_TRY)
    signer, interaction = signer_for(fresh_token, "999999")
    with pytest.raises(PinIncorrect) as exc:
        signer.sign(b"x")
    assert TokenWarning.PIN_FINAL_TRY in interaction.asked[0][1]
    assert TokenWarning.PIN_FINAL_TRY in exc.value.warnings
    assert "lock" in exc.value.message


def test_softhsm_never_locks_by_itself_and_a_locked_flag_refuses_without_asking(fresh_token, hsm_dir):
    signer, interaction = signer_for(fresh_token, *["111111"] * 6)
    for _ in range(6):
        with pytest.raises(PinIncorrect) as exc:
            signer.sign(b"x")
    # documented SoftHSM2 2.6 behaviour: still only COUNT_LOW after many wrong PINs, no lockout
    assert exc.value.warnings == (TokenWarning.PIN_COUNT_LOW,)

    set_token_flags_on_disk(hsm_dir, fresh_token.serial, CKF_USER_PIN_LOCKED)  # what a hardware token reports
    signer, interaction = signer_for(fresh_token, PIN)
    with pytest.raises(PinLocked) as locked:
        signer.sign(b"x")
    assert locked.value.code == "PIN_LOCKED"
    assert interaction.asked == []  # no PIN is asked for (or sent to) a locked token
    assert signer.sign_operations == 0


def test_token_removed_while_the_pin_is_asked_then_reinserted(fresh_token, hsm_dir, tmp_path):
    folder = token_folder(hsm_dir, fresh_token.serial)
    parked = tmp_path / "unplugged"

    def unplug():
        shutil.move(str(folder), str(parked))

    signer, interaction = signer_for(fresh_token, PIN, PIN, on_ask=unplug)
    with pytest.raises(TokenNotPresent) as exc:
        signer.sign(b"x")
    assert exc.value.code == "TOKEN_NOT_PRESENT"
    assert signer.sign_operations == 0
    with pytest.raises(TokenNotPresent):  # still absent: refused before any PIN prompt
        signer.token_info()
    assert len(interaction.asked) == 1

    shutil.move(str(parked), str(folder))  # plugged back in: the library is re-initialised, signing works
    interaction.on_ask = None
    verify(fresh_token.certificate_pem, signer.sign(b"y"), b"y")


def test_session_closed_underneath_mid_operation(ec_token):
    signer, _ = signer_for(ec_token, PIN)
    original = signer._sign_on_token
    seen = []

    def close_first(session, key, kind, payload, algorithm):
        seen.append(threading.get_ident())
        signer.worker.assert_owner()  # we are on the token thread
        session.close()  # the session disappears under the operation (token pulled, driver reset)
        return original(session, key, kind, payload, algorithm)

    signer._sign_on_token = close_first
    with pytest.raises(TokenNotPresent):
        signer.sign(b"x")
    assert seen and seen[0] in signer.worker.executed_on and seen[0] != threading.get_ident()


def test_unknown_token_and_cancelled_prompt(ec_token):
    interaction = ScriptedInteraction(PIN)
    with pytest.raises(TokenNotPresent):
        PKCS11Signer(interaction, token_label="no-such-token").sign(b"x")
    assert interaction.asked == []
    signer, interaction = signer_for(ec_token)  # no PIN scripted: the user cancels
    with pytest.raises(UserCancelled):
        signer.sign(b"x")
    assert signer.sign_operations == 0
    signer = PKCS11Signer(ScriptedInteraction(PIN), token_label=ec_token.label, key_label="other-key",
                          certificate_pem=ec_token.certificate_pem)
    with pytest.raises(DomainError) as exc:
        signer.sign(b"x")
    assert exc.value.code == "KEY_NOT_FOUND"


def test_every_token_call_runs_on_the_one_token_thread(rsa_token, ec_token):
    signers = [signer_for(t, *[PIN] * 3)[0] for t in (rsa_token, ec_token, rsa_token, ec_token)]
    worker = signers[0].worker
    assert all(s.worker is worker for s in signers)  # one thread per PKCS#11 library, shared
    callers: set[int] = set()
    errors: list[BaseException] = []

    def work(s):
        callers.add(threading.get_ident())
        try:
            for i in range(3):
                verify(s.certificate_pem, s.sign(b"m%d" % i), b"m%d" % i)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in signers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(worker.executed_on) == 1
    assert not (worker.executed_on & callers) and threading.get_ident() not in worker.executed_on
    with pytest.raises(RuntimeError, match="token thread"):
        signers[0]._probe()  # token code called directly from another thread is refused


def test_certificate_validity_is_checked_before_the_pin(ec_token):
    cert = x509.load_pem_x509_certificate(ec_token.certificate_pem)
    for when, code in ((cert.not_valid_after_utc + dt.timedelta(seconds=1), "CERT_EXPIRED"),
                       (cert.not_valid_before_utc - dt.timedelta(seconds=1), "CERT_NOT_YET_VALID")):
        signer, interaction = signer_for(ec_token, PIN, clock=FixedClock(when))
        with pytest.raises(DomainError) as exc:
            signer.sign_digest(b"\x00" * 32)
        assert exc.value.code == code
        assert interaction.asked == [] and signer.sign_operations == 0


def test_bad_digest_is_refused(ec_token):
    signer, interaction = signer_for(ec_token, PIN)
    with pytest.raises(DomainError) as exc:
        signer.sign_digest(b"short")
    assert exc.value.code == "DIGEST_FORMAT" and interaction.asked == []


@pytest.mark.parametrize("token_name", ["rsa_token", "ec_token"])
def test_ten_thousand_payment_batch_is_one_token_operation(token_name, request):
    token = request.getfixturevalue(token_name)
    payments = [BatchPayment(f"P{i:05d}", f"BD{i:08d}", "755912345610001", f"6217{i:012d}", f"收款人{i}",
                             "104584000003", 100 + i, "CNY", "货款", hashlib.sha256(b"%d" % i).hexdigest())
                for i in range(10_000)]
    batch = SigningBatch.build("B-10K", "755912345610001", "cmb", "CNY", payments)
    signer, interaction = signer_for(token, PIN)
    sig = signer.sign_digest(batch.digest())
    assert signer.sign_operations == 1 and len(interaction.asked) == 1
    verify(sig.certificate_pem, sig.signature, batch.signing_preimage())  # the stored batch signature verifies
    assert sig.digest == batch.digest()
    i = 7_777
    assert verify_inclusion(batch.payments[i].leaf(), inclusion_proof(batch, i), batch.merkle_root())
