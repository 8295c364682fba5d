"""Real SoftHSM2 tokens for the signer tests (skipped with a reason when SoftHSM2 is not installed).

One token directory per test session (SoftHSM2 reads SOFTHSM2_CONF when the library initialises; switching
directories re-initialises it, which is fine but slower). Long-lived RSA and EC tokens are shared; tests that
damage a token (flags edited, directory removed) provision a fresh EC token of their own.
"""

from __future__ import annotations

import itertools
import struct
from pathlib import Path

import pytest

from app.adapters.pkcs11_signer import SOFTHSM_MODULE, TokenThread
from app.adapters.softhsm import provision_token, softhsm_available, use_token_dir
from app.domain.errors import UserCancelled

PIN = "123456"
SO_PIN = "87654321"

SOFTHSM_SKIP_REASON = (f"SoftHSM2 is not installed ({SOFTHSM_MODULE} or softhsm2-util missing: "
                       "apt install softhsm2)")
requires_softhsm = pytest.mark.skipif(not (Path(SOFTHSM_MODULE).exists() and softhsm_available()),
                                      reason=SOFTHSM_SKIP_REASON)

_counter = itertools.count(1)


class ScriptedInteraction:
    """A SigningInteraction answering from a list of PINs; records every prompt (label, warnings, thread)."""

    def __init__(self, *pins: str, on_ask=None):
        self.pins = list(pins)
        self.asked: list[tuple[str, tuple]] = []
        self.notes: list[str] = []
        self.on_ask = on_ask

    def ask_pin(self, token_label, warnings):
        self.asked.append((token_label, tuple(warnings)))
        if self.on_ask:
            self.on_ask()
        if not self.pins:
            raise UserCancelled("no more PINs")
        return self.pins.pop(0)

    def notify(self, message):
        self.notes.append(message)


@pytest.fixture(scope="session")
def hsm_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("softhsm")


@pytest.fixture
def use_hsm(hsm_dir):
    """Point SoftHSM2 at the session's token directory (another test may have switched it)."""
    use_token_dir(hsm_dir)
    return hsm_dir


@pytest.fixture(scope="session")
def rsa_token(hsm_dir):
    use_token_dir(hsm_dir)
    return provision_token(hsm_dir, "bd-rsa", SO_PIN, PIN, "rsa", "signer rsa")


@pytest.fixture(scope="session")
def ec_token(hsm_dir):
    use_token_dir(hsm_dir)
    return provision_token(hsm_dir, "bd-ec", SO_PIN, PIN, "ec", "signer ec")


@pytest.fixture
def fresh_token(use_hsm, hsm_dir):
    """A new EC token this test may damage."""
    return provision_token(hsm_dir, f"scratch-{next(_counter)}", SO_PIN, PIN, "ec", "scratch signer")


def token_folder(hsm_dir: Path, serial: str) -> Path:
    """The SoftHSM2 folder of the token with this serial (its token.object carries the serial)."""
    for folder in (hsm_dir / "tokens").iterdir():
        obj = folder / "token.object"
        if obj.exists() and serial.encode() in obj.read_bytes():
            return folder
    raise AssertionError(f"no token folder for serial {serial}")


def set_token_flags_on_disk(hsm_dir: Path, serial: str, add: int) -> None:
    """Emulate a hardware token's PIN counter: SoftHSM2 sets CKF_USER_PIN_COUNT_LOW after a wrong PIN but never
    FINAL_TRY or LOCKED, so the test writes those flags into the token's stored flags and re-initialises."""
    worker = TokenThread.for_module(SOFTHSM_MODULE)

    def _current() -> int:
        return int(worker.lib().get_token(token_serial=serial.encode()).flags)
    flags = worker.run(_current)
    obj = token_folder(hsm_dir, serial) / "token.object"
    data = obj.read_bytes()
    old = struct.pack(">Q", flags)
    assert data.count(old) == 1, "token flags not found exactly once in token.object"
    obj.write_bytes(data.replace(old, struct.pack(">Q", flags | add)))
    worker.reinitialize()
