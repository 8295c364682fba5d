"""ProfileSignerProvider: a user's signing-key profile → the signer that uses it (app.ports.signing_batches.
SignerProvider).

* ``pkcs11``: a :class:`PKCS11Signer` for the profile's module, token label and key label (the PIN is asked
  through the SigningInteraction when signing, never stored). A SoftHSM2 ``token_dir`` (demo, tests) is selected
  with :func:`app.adapters.softhsm.use_token_dir` first.
* ``software``: a :class:`SoftwareKeySigner` over the key file (PEM or PKCS#12), its password read from the
  SecretStore entry ``password_secret``.
"""

from __future__ import annotations

from pathlib import Path

from app.domain.errors import DomainError
from app.ports.clock import Clock
from app.ports.secrets import SecretStore
from app.ports.signing import BatchSigner, SigningInteraction
from app.ports.signing_batches import KEY_KIND_PKCS11, KEY_KIND_SOFTWARE, SigningKeyProfile


class ProfileSignerProvider:
    def __init__(self, secret_store: SecretStore | None, clock: Clock | None = None):
        self._secrets = secret_store
        self._clock = clock

    def signer_for(self, profile: SigningKeyProfile, interaction: SigningInteraction) -> BatchSigner:
        if profile.kind == KEY_KIND_PKCS11:
            return self._token_signer(profile, interaction)
        if profile.kind == KEY_KIND_SOFTWARE:
            return self._software_signer(profile)
        raise DomainError("KEY_KIND", f"unknown signing key kind {profile.kind!r}")

    def _token_signer(self, profile: SigningKeyProfile, interaction: SigningInteraction) -> BatchSigner:
        from app.adapters.pkcs11_signer import SOFTHSM_MODULE, PKCS11Signer

        module = profile.module_path or SOFTHSM_MODULE
        if profile.token_dir:
            from app.adapters.pkcs11_signer import TokenThread
            from app.adapters.softhsm import use_token_dir

            use_token_dir(Path(profile.token_dir), TokenThread.for_module(module))
        return PKCS11Signer(interaction, module_path=module, token_label=profile.token_label,
                            key_label=profile.key_label, clock=self._clock)

    def _software_signer(self, profile: SigningKeyProfile) -> BatchSigner:
        from app.adapters.software_signer import SoftwareKeySigner

        if not profile.key_path:
            raise DomainError("KEY_MISSING", "the software signing key profile has no key file")
        path = Path(profile.key_path)
        try:
            data = path.read_bytes()
        except OSError:
            raise DomainError("KEY_MISSING", f"the signing key file {path} cannot be read") from None
        return SoftwareKeySigner(data, self._secrets, profile.password_secret,
                                 certificate_pem=profile.certificate_pem.encode("ascii"), clock=self._clock)
