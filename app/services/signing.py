"""Batch signing (USB key / software key): one signature per batch of approved payments, stored with proofs.

* :meth:`SigningService.ready_batches` groups APPROVED payments (not yet in a signed batch) by debit account,
  bank and currency, in payment-id order, chunked at the bank plugin's batch limit. Each preview carries the
  digest the signer will sign. The batch key is derived from the exact content (account, bank, currency and every
  payment's id and content hash), so the digest a signer saw is the digest that gets signed: if anything changed
  in between, the key no longer exists (BATCH_CHANGED).
* :meth:`SigningService.sign_batch` checks the signer (role, not the maker, not an approver), every payment's
  content against its live approvals (CONTENT_CHANGED), the certificate's validity, then makes ONE
  ``signer.sign_digest`` call (one PIN, one token operation) outside any database transaction, verifies the
  signature, and stores batch + proofs + SIGNED statuses + audit entries in one unit of work. The database
  triggers (0004 signer SoD, 0005 batch signer / append-only) hold the same rules against direct SQL.
* Before the signature (and so before the PIN), every payment's text is checked against the bank it will be sent
  to — debit account → connection profile → plugin manifest (encoding, field byte/character lengths; the compact
  remittance in the purpose field where the bank has no structured one): any payment the bank could not carry
  refuses the whole signing (BANK_TEXT, every offending payment with its batch row listed) and nothing changes.
* :meth:`SigningService.verify_batch` re-checks a stored batch: the signature against the stored certificate,
  every payment's inclusion proof against the root, and each payment's current content against its leaf.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from app.domain.bank_fields import WireTextRules
from app.domain.errors import Conflict, DomainError, NotFound, PermissionDenied, Problem, ValidationFailed
from app.domain.payment import PaymentStatus, transition
from app.domain.payment_request import PaymentRequest, content_hash
from app.domain.remittance import Remittance
from app.domain.rmb_words import rmb_uppercase
from app.domain.signing_batch import (
    BatchHeader,
    BatchPayment,
    SigningBatch,
    canonical_json,
    proof_from_json,
    proofs_from_leaves,
    signing_preimage,
    verify_inclusion,
)
from app.domain.users import Actor, Role
from app.ports import Clock, UnitOfWorkFactory
from app.ports.signing import BatchSigner, SigningInteraction
from app.ports.signing_batches import (
    KEY_KIND_PKCS11,
    KEY_KINDS,
    SignatureVerifier,
    SignedBatch,
    SignedBatchItem,
    SignerProvider,
    SigningKeyProfile,
)
from app.services.approvals import cyclic_gc_paused
from app.services.bank_rules import LineExtrasFactory, ManifestLookup, account_rules, registry_manifests
from app.services.payee_guard import refuse_unconfirmed
from app.services.payments import CONTENT_CHANGED, PAYMENTS_CHANGED
from app.services.permissions import require_any, require_logged_in

DEFAULT_MAX_BATCH_SIZE = 500

# Audit actions (stable strings).
BATCH_SIGNED = "batch.signed"
SIGNING_KEY_SAVED = "signing_key.saved"

BATCH_CHANGED = "BATCH_CHANGED"
SIGNING_KEY_MISSING = "SIGNING_KEY_MISSING"
SIGNATURE_INVALID = "SIGNATURE_INVALID"
BANK_TEXT = "BANK_TEXT"


class BankTextRefused(ValidationFailed):
    """Payments of a batch hold text the bank cannot carry; nothing was signed. ``problems``: one per finding,
    its message naming the payment (and batch row)."""

    def __init__(self, problems: list[Problem], bank: str, payments: int):
        super().__init__(problems)
        self.code = BANK_TEXT
        self.message = (f"{payments} payment(s) of this batch cannot be sent to {bank} as they are; nothing was "
                        f"signed. Correct them (or reject them) first: " + self.message)


@dataclass(frozen=True)
class BatchPreview:
    """A batch ready to sign, as the signing screen shows it."""

    batch_key: str
    debit_account_id: int
    debit_account: str
    bank: str
    currency: str
    count: int
    total_minor: int
    total_in_words: str | None      # 人民币大写 (CNY only)
    digest: str                     # hex: what the token signs
    merkle_root: str                # hex
    payment_ids: tuple[int, ...]


@dataclass(frozen=True)
class PaymentProofCheck:
    payment_id: int
    index: int
    proof_ok: bool            # the stored leaf is in the tree under the stored root
    content_ok: bool          # the payment's current content still gives the stored leaf


@dataclass(frozen=True)
class BatchVerification:
    batch_id: str
    signature_ok: bool
    header_ok: bool           # count / total of the stored items match the header, and the digest the preimage
    payments: tuple[PaymentProofCheck, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.signature_ok and self.header_ok and all(p.proof_ok and p.content_ok for p in self.payments)


def _batch_key(account_number: str, bank: str, currency: str, payments: Sequence[PaymentRequest]) -> str:
    content = canonical_json({"account": account_number, "bank": bank, "currency": currency,
                              "payments": [[p.id, p.content_hash] for p in payments]})
    return "B" + hashlib.sha256(content).hexdigest()[:23]


def _bank_of(account) -> str:
    return account.plugin_id or f"cnaps:{account.cnaps_code[:3]}"


class SigningService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, verifier: SignatureVerifier,
                 provider: SignerProvider | None = None, events=None,
                 batch_size_for: Callable[[str | None], int] | None = None,
                 manifests: ManifestLookup | None = None, line_extras: LineExtrasFactory | None = None):
        self._uow = uow
        self._clock = clock
        self._verifier = verifier
        self._provider = provider
        self._events = events
        self._batch_size_for = batch_size_for
        self._manifests = manifests or registry_manifests
        self._line_extras = line_extras
        # the batches as ready_batches last built them, by key, with what their payments' data depended on: a
        # sign_batch of one of them reuses it when nothing changed since (see _listed_unchanged)
        self._listed: dict[str, tuple[tuple, tuple[BatchPreview, SigningBatch, list[PaymentRequest]]]] = {}
        self._listed_lock = threading.Lock()

    # -- grouping -------------------------------------------------------------------------------------------
    def _max_size(self, plugin_id: str | None) -> int:
        if self._batch_size_for is None:
            return DEFAULT_MAX_BATCH_SIZE
        try:
            size = int(self._batch_size_for(plugin_id))
        except (KeyError, LookupError, DomainError):
            return DEFAULT_MAX_BATCH_SIZE
        return max(1, size)

    def _groups(self, uow) -> list[tuple[str, object, str, str, list[PaymentRequest]]]:
        """The approved, unsigned payments cut into signing batches, keyed but not yet built:
        (batch key, debit account, bank, currency, payments in id order)."""
        approved = [p for p in uow.payments.list(PaymentStatus.APPROVED, limit=1_000_000)
                    if p.signer_id is None]
        # an imported batch file (payroll, suppliers) is signed on its own: one signature for exactly its lines
        groups: dict[tuple[int, str, int], list[PaymentRequest]] = {}
        accounts = {}
        for p in approved:
            if p.debit_account_id not in accounts:
                accounts[p.debit_account_id] = uow.accounts.get(p.debit_account_id)
            groups.setdefault((p.debit_account_id, p.currency, p.batch_id or 0), []).append(p)
        out = []
        for (account_id, currency, _file_batch), members in sorted(groups.items()):
            account = accounts[account_id]
            bank = _bank_of(account)
            members.sort(key=lambda p: p.id)
            size = self._max_size(account.plugin_id)
            for start in range(0, len(members), size):
                chunk = members[start:start + size]
                out.append((_batch_key(account.account_number, bank, currency, chunk), account, bank, currency,
                            chunk))
        return out

    @staticmethod
    def _build(group) -> tuple[BatchPreview, SigningBatch, list[PaymentRequest]]:
        key, account, bank, currency, chunk = group
        batch = SigningBatch.build(key, account.account_number, bank, currency, [_batch_payment(p) for p in chunk])
        preview = BatchPreview(
            batch_key=key, debit_account_id=account.id, debit_account=account.account_number, bank=bank,
            currency=currency, count=batch.count, total_minor=batch.total_minor,
            total_in_words=rmb_uppercase(batch.total_minor) if currency == "CNY" else None,
            digest=batch.digest().hex(), merkle_root=batch.merkle_root().hex(),
            payment_ids=tuple(p.id for p in chunk))
        return preview, batch, chunk

    def _batches(self, uow) -> list[tuple[BatchPreview, SigningBatch, list[PaymentRequest]]]:
        return [self._build(g) for g in self._groups(uow)]

    def ready_batches(self, actor: Actor) -> list[BatchPreview]:
        require_logged_in(actor)
        with cyclic_gc_paused(), self._uow(read_only=True) as uow:
            built = self._batches(uow)
            listed = {preview.batch_key: (self._listed_state(uow, preview, payments, as_read=True),
                                          (preview, batch, payments))
                      for preview, batch, payments in built}
        with self._listed_lock:
            self._listed = listed
        return [preview for preview, _b, _p in built]

    @staticmethod
    def _listed_state(uow, preview: BatchPreview, payments: Sequence[PaymentRequest], *,
                      as_read: bool = False) -> tuple:
        """What a listed batch's payments, as read, depended on: each payment's version (every write of a payment
        bumps it), its payees and its debit account. ``as_read``: the versions the payments were read with (when
        listing: the same as reading them again in that unit of work, without a second read of 100,000 rows)."""
        account = uow.accounts.get(preview.debit_account_id)
        versions = ({p.id: p.version for p in payments} if as_read
                    else uow.payments.versions_of([p.id for p in payments]))
        return (versions, uow.payees.state_of([p.payee_id for p in payments]),
                None if account is None else account.version)

    def _listed_unchanged(self, uow, batch_key: str):
        """The batch ``batch_key`` as ready_batches built it, when nothing it was built from has changed since (its
        payments, their payees, the debit account); else None and it is read and built afresh. Saves reading and
        hashing a 100,000-line payroll a second time between listing and signing; every check before the PIN
        still runs on it, and the signed statuses are written only if no payment changed meanwhile (versions)."""
        with self._listed_lock:
            entry = self._listed.get(batch_key)
        if entry is None:
            return None
        state, built = entry
        preview, _batch, payments = built
        return built if self._listed_state(uow, preview, payments) == state else None

    def _select(self, uow, batch_key: str | None, payment_ids: Sequence[int] | None):
        groups = self._groups(uow)
        if batch_key is not None:
            for group in groups:
                if group[0] == batch_key:
                    return self._build(group)   # only the chosen batch's tree is built
            raise Conflict(BATCH_CHANGED, f"no batch {batch_key} is ready to sign: its payments were signed, "
                           "cancelled or changed since it was listed; list the ready batches again")
        wanted = sorted(set(int(i) for i in (payment_ids or ())))
        if not wanted:
            raise ValidationFailed([Problem("FIELD_REQUIRED", "choose a batch or its payments to sign", "batch")])
        for group in groups:
            if sorted(p.id for p in group[4]) == wanted:
                return self._build(group)
        ready = {p.id for group in groups for p in group[4]}
        missing = [i for i in wanted if i not in ready]
        if missing:
            raise Conflict("NOT_APPROVED", f"payment(s) {', '.join(map(str, missing))} are not approved and "
                           "waiting for a signature")
        raise Conflict(BATCH_CHANGED, "these payments do not form one ready batch; sign a batch as listed")

    # -- checks ---------------------------------------------------------------------------------------------
    @staticmethod
    def _payees(uow, payments: Sequence[PaymentRequest]) -> dict:
        return {y.id: y for y in uow.payees.get_many(list({p.payee_id for p in payments}))}

    @staticmethod
    def _check_payments(uow, actor: Actor, payments: Sequence[PaymentRequest], payees: dict | None = None) -> None:
        approvals = uow.approvals.for_payments([p.id for p in payments])
        accounts: dict[int, object] = {}
        payees = payees if payees is not None else SigningService._payees(uow, payments)
        for p in payments:
            if p.maker_id == actor.user_id:
                raise PermissionDenied(f"you made payment {p.id}, so you cannot sign it (separation of duties)",
                                       code="SOD_VIOLATION")
            if any(a.approver_id == actor.user_id for a in approvals[p.id]):
                raise PermissionDenied(f"you approved payment {p.id}, so you cannot sign it (separation of "
                                       "duties)", code="SOD_VIOLATION")
            if p.debit_account_id not in accounts:
                accounts[p.debit_account_id] = uow.accounts.get(p.debit_account_id)
            account = accounts[p.debit_account_id]
            payee = payees.get(p.payee_id)
            now_hash = content_hash(account, payee, p.amount_minor, p.currency, p.purpose, p.requested_date,
                                    p.urgent)
            live = [a for a in approvals[p.id] if a.decision == "approved" and not a.is_void]
            if now_hash != p.content_hash or any(a.content_hash != p.content_hash for a in live) \
                    or len(live) < (p.required_approvals or 1):
                raise Conflict(CONTENT_CHANGED, f"payment {p.id} changed after it was approved (its content no "
                               "longer matches the approvals); it cannot be signed")
            refuse_unconfirmed(payee, p.id)

    def _extras(self, uow):
        if self._line_extras is not None:
            return self._line_extras(uow)
        return getattr(uow, "batch_extras", None)

    def bank_text_problems(self, uow, account_id: int, payments: Sequence[PaymentRequest],
                           payees: dict | None = None) -> list[Problem]:
        """Every problem of the payments' text for the bank of the debit account (empty when the account has no
        known plugin). Each message names the payment and, for a batch line, its batch and row."""
        account = uow.accounts.get(account_id)
        if account is None:
            return []
        rules, _note = account_rules(uow, account, self._manifests)
        if rules is None:
            return []
        payees = payees if payees is not None else self._payees(uow, payments)
        extras = self._extras(uow)
        remittances = extras.remittances([p.id for p in payments]) if extras is not None else {}
        findings = []
        check = self._payment_text_check(rules)
        for p in payments:
            payee = payees.get(p.payee_id)
            found = check(p.payee_name, p.purpose, getattr(payee, "bank_name", "") or "",
                          remittances.get(p.id) or Remittance())
            if found:
                findings.append((p.id, found))
        # the batch rows only name the payments in the messages: read for those with findings alone
        rows = extras.batch_rows([pid for pid, _f in findings]) if extras is not None and findings else {}
        out: list[Problem] = []
        for pid, found in findings:
            where = f"payment {pid}" + (f" (batch {rows[pid][0]} row {rows[pid][1]})" if pid in rows else "")
            out += [Problem(f.code, f"{where}: {f.message}", f"payment {pid}.{f.field}", f.severity,
                            params={**f.params, "payment_id": pid}) for f in found]
        return out

    @staticmethod
    def _payment_text_check(rules: WireTextRules) -> Callable[[str, str, str, Remittance], list[Problem]]:
        """``rules.check_payment``, with the purpose (and remittance) and the payee's bank name checked once per
        distinct value: a payroll's lines share them (工资, the branch of the bank), the payee names are each
        checked. The same problems, in the same order."""
        if type(rules).check_payment is not WireTextRules.check_payment:
            return rules.check_payment            # rules of another kind: as they check a payment
        purposes: dict[tuple[str, Remittance], list[Problem]] = {}
        banks: dict[str, list[Problem]] = {}

        def check(payee_name: str, purpose: str, payee_bank_name: str, remittance: Remittance) -> list[Problem]:
            key = (purpose, remittance)
            of_purpose = purposes.get(key)
            if of_purpose is None:
                of_purpose = purposes[key] = rules.check_purpose(purpose, remittance)
            of_bank = banks.get(payee_bank_name)
            if of_bank is None:
                of_bank = banks[payee_bank_name] = rules.check_bank_name(payee_bank_name)
            return [*rules.check_name(payee_name), *of_purpose, *of_bank]
        return check

    def _check_bank_text(self, uow, preview: BatchPreview, payments: Sequence[PaymentRequest],
                         payees: dict | None = None) -> None:
        problems = self.bank_text_problems(uow, preview.debit_account_id, payments, payees)
        errors = [p for p in problems if p.is_error]
        if errors:
            bad = {p.params.get("payment_id") for p in errors}
            account = uow.accounts.get(preview.debit_account_id)
            rules, _ = account_rules(uow, account, self._manifests)
            raise BankTextRefused(errors, rules.bank if rules is not None else preview.bank, len(bad))

    def _require_signer(self, actor: Actor) -> None:
        require_any(actor, Role.SIGNER, doing="sign payments")
        if actor.user_id is None:
            raise PermissionDenied("only a person holding the signer role can sign payments")

    # -- signing --------------------------------------------------------------------------------------------
    def sign_batch(self, actor: Actor, batch: str | Sequence[int], signer: BatchSigner) -> SignedBatch:
        """Sign one ready batch — given by its ``batch_key`` or its payment ids — with ONE ``sign_digest`` call.
        Wrong PIN, cancel, locked token, expired certificate: the error propagates and nothing is written."""
        self._require_signer(actor)
        batch_key = batch if isinstance(batch, str) else None
        payment_ids = None if isinstance(batch, str) else list(batch)
        with cyclic_gc_paused(), self._uow(read_only=True) as uow:
            listed = self._listed_unchanged(uow, batch_key) if batch_key is not None else None
            preview, doc, payments = listed or self._select(uow, batch_key, payment_ids)
            payees = self._payees(uow, payments)
            self._check_payments(uow, actor, payments, payees)
            self._check_bank_text(uow, preview, payments, payees)   # before the PIN: nothing the bank cannot carry
            checked = self._checked_state(uow, preview, payments)
        certificate = signer.certificate_pem
        self._verifier.check_validity(certificate, self._clock.now())
        digest = doc.digest()
        result = signer.sign_digest(digest)  # the PIN is asked here, outside any transaction
        cert_pem = result.certificate_pem
        cert_text = cert_pem.decode("ascii") if isinstance(cert_pem, bytes) else cert_pem
        if result.digest != digest or not self._verifier.verify(cert_text, result.algorithm, result.signature,
                                                                doc.signing_preimage()):
            raise DomainError(SIGNATURE_INVALID, "the token returned a signature that does not verify with its "
                              "certificate; nothing was stored")
        with cyclic_gc_paused(), self._uow() as uow:
            stored = self._store(uow, actor, preview, doc, payments, result, cert_text, checked)
            uow.commit()
        with self._listed_lock:
            self._listed.pop(preview.batch_key, None)
        if self._events is not None:
            self._events.publish(PAYMENTS_CHANGED, {"ids": list(preview.payment_ids),
                                                    "status": PaymentStatus.SIGNED.value})
        return stored

    @staticmethod
    def _checked_state(uow, preview: BatchPreview, payments: Sequence[PaymentRequest]) -> tuple:
        """What the pre-PIN checks depended on besides the payments themselves: their approvals, their payees and
        the debit account, as fingerprints (every change to any of them changes these)."""
        account = uow.accounts.get(preview.debit_account_id)
        return (uow.approvals.state_of([p.id for p in payments]),
                uow.payees.state_of([p.payee_id for p in payments]),
                None if account is None else account.version)

    def _store(self, uow, actor: Actor, preview: BatchPreview, batch: SigningBatch,
               payments: Sequence[PaymentRequest], result, cert_text: str, checked: tuple | None = None) -> SignedBatch:
        # The PIN took time: whatever the checks depended on may have changed meanwhile. Unchanged fingerprints
        # mean the checks' answer stands; otherwise every payment is checked again (refusing on any problem).
        if checked is None or self._checked_state(uow, preview, payments) != checked:
            self._check_payments(uow, actor, payments)
        # one versioned write and one history row per payment, in bulk; the batch's audit entry below names them.
        # A payment changed since it was read (version) fails the whole write: nothing is stored.
        detail = f"signed in batch {batch.batch_id}"
        moves: dict[PaymentStatus, PaymentStatus] = {}      # transition() once per status the payments are in
        for p in payments:
            if p.status not in moves:
                moves[p.status] = transition(p.status, PaymentStatus.SIGNED)
        signer = {"signer_id": actor.user_id}
        try:
            uow.payments.set_status_many([(p.id, p.version, moves[p.status], signer) for p in payments])
        except Conflict as exc:
            if exc.code != "STALE_VERSION":
                raise
            raise Conflict(BATCH_CHANGED, f"{exc.message.split(';')[0]} while the batch was being signed; the "
                           "signature was not stored") from None
        uow.payments.add_history_many([(p.id, p.status, PaymentStatus.SIGNED, detail) for p in payments],
                                      actor.username)
        signed = SignedBatch(
            batch_id=batch.batch_id, debit_account_id=preview.debit_account_id, debit_account=batch.debit_account,
            bank=batch.bank, currency=batch.currency, count=batch.count, total_minor=batch.total_minor,
            merkle_root=batch.merkle_root().hex(), digest=batch.digest().hex(), signature=result.signature,
            algorithm=result.algorithm, certificate_pem=cert_text,
            signer_cert_id=self._verifier.signer_id(cert_text), signer_user_id=actor.user_id,
            signer_name=actor.username, signed_at=self._clock.now())
        # the leaves are stored, the proofs are derived from them when asked for (_with_proofs): 100,000 stored
        # proofs were ~130 MB and a tenth of the signing time
        items = [SignedBatchItem(batch.batch_id, int(bp.payment_id), i, leaf.decode("utf-8"), "")
                 for i, (bp, leaf) in enumerate(zip(batch.payments, batch.leaves(), strict=True))]
        stored = uow.signed_batches.add(signed, items)
        uow.audit.append(actor, BATCH_SIGNED, "signed_batch", batch.batch_id,
                         {"count": batch.count, "total_minor": batch.total_minor, "currency": batch.currency,
                          "digest": signed.digest, "merkle_root": signed.merkle_root,
                          "debit_account": batch.debit_account, "bank": batch.bank,
                          "algorithm": signed.algorithm, "signer_cert_id": signed.signer_cert_id,
                          "payment_ids": [p.id for p in payments]})
        return stored

    def sign_all_ready(self, actor: Actor, signer: BatchSigner) -> builtins.list[SignedBatch]:
        """Every ready batch, one signature (one PIN prompt) each; stops at the first error (earlier batches
        stay signed)."""
        self._require_signer(actor)
        return [self.sign_batch(actor, b.batch_key, signer) for b in self.ready_batches(actor)]

    # -- stored batches -------------------------------------------------------------------------------------
    def list_batches(self, actor: Actor) -> builtins.list[SignedBatch]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.signed_batches.list()

    def get_batch(self, actor: Actor, batch_id: str) -> SignedBatch:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            batch = uow.signed_batches.get(batch_id)
        if batch is None:
            raise NotFound("signed batch", batch_id)
        return batch

    def payment_proof(self, actor: Actor, payment_id: int) -> tuple[SignedBatch, SignedBatchItem]:
        """The signed batch of a payment and its inclusion proof (NotFound when it is not signed)."""
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            batch_id = uow.signed_batches.batch_of_payment(payment_id)
            if batch_id is None:
                raise NotFound("signed batch of payment", payment_id)
            batch = uow.signed_batches.get(batch_id)
            items = _with_proofs(uow.signed_batches.items(batch_id))
        item = next(i for i in items if i.payment_id == payment_id)
        return batch, item  # type: ignore[return-value]

    def verify_batch(self, actor: Actor, batch_id: str) -> BatchVerification:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            batch = uow.signed_batches.get(batch_id)
            if batch is None:
                raise NotFound("signed batch", batch_id)
            items = _with_proofs(uow.signed_batches.items(batch_id))
            payments = {p.id: p for p in uow.payments.get_many([i.payment_id for i in items])}
        root = bytes.fromhex(batch.merkle_root)
        header = BatchHeader(batch.batch_id, batch.debit_account, batch.bank, batch.count, batch.total_minor,
                             batch.currency)
        preimage = signing_preimage(header, root)
        checks = []
        total = 0
        for item in items:
            leaf = item.leaf_json.encode("utf-8")
            proof_ok = verify_inclusion(leaf, proof_from_json(json.loads(item.proof_json)), root)
            payment = payments.get(item.payment_id)
            content_ok = payment is not None and _batch_payment(payment).leaf() == leaf
            total += int(json.loads(item.leaf_json).get("amount_minor", 0))
            checks.append(PaymentProofCheck(item.payment_id, item.index, proof_ok, content_ok))
        header_ok = (len(items) == batch.count and total == batch.total_minor
                     and hashlib.sha256(preimage).hexdigest() == batch.digest)
        try:
            signature_ok = self._verifier.verify(batch.certificate_pem, batch.algorithm, batch.signature, preimage)
        except DomainError:
            signature_ok = False
        return BatchVerification(batch_id, signature_ok, header_ok, tuple(checks))

    # -- signing keys ---------------------------------------------------------------------------------------
    def save_signing_key(self, actor: Actor, username: str, profile: SigningKeyProfile) -> SigningKeyProfile:
        """Record where ``username``'s signing key is (administrators; audited). Never a PIN."""
        require_any(actor, Role.ADMIN, doing="set up signing keys")
        if profile.kind not in KEY_KINDS:
            raise ValidationFailed([Problem("KEY_KIND", f"key kind must be one of {', '.join(KEY_KINDS)}", "kind")])
        self._verifier.signer_id(profile.certificate_pem)  # CERT_FORMAT for an unreadable certificate
        with self._uow() as uow:
            user = uow.users.get_by_username(username)
            if user is None:
                raise NotFound("user", username)
            if not any(r is Role.SIGNER for r in user.roles):
                raise DomainError("NOT_SIGNER", f"{username} does not hold the signer role")
            saved = uow.signing_keys.save(SigningKeyProfile(**{**profile.__dict__, "user_id": user.id}))
            uow.audit.append(actor, SIGNING_KEY_SAVED, "user", str(user.id),
                             {"username": username, "kind": saved.kind, "token_label": saved.token_label,
                              "key_label": saved.key_label, "module_path": saved.module_path,
                              "signer_cert_id": self._verifier.signer_id(saved.certificate_pem)})
            uow.commit()
            return saved

    def signing_key(self, actor: Actor) -> SigningKeyProfile | None:
        require_logged_in(actor)
        if actor.user_id is None:
            return None
        with self._uow(read_only=True) as uow:
            return uow.signing_keys.get(actor.user_id)

    def signer_for(self, actor: Actor, interaction: SigningInteraction) -> BatchSigner:
        """The acting signer's own signer (USB token or software key) from their signing-key profile."""
        self._require_signer(actor)
        profile = self.signing_key(actor)
        if profile is None or self._provider is None:
            raise DomainError(SIGNING_KEY_MISSING, f"no signing key is set up for {actor.username}; an "
                              "administrator must enrol the USB key or key file first")
        return self._provider.signer_for(profile, interaction)

    @staticmethod
    def is_token(profile: SigningKeyProfile | None) -> bool:
        return profile is not None and profile.kind == KEY_KIND_PKCS11


def _with_proofs(items: Sequence[SignedBatchItem]) -> list[SignedBatchItem]:
    """The items with their inclusion proofs: stored ones as stored (batches signed before proofs were derived,
    and any tampered value stays visible), missing ones derived from the batch's stored leaves."""
    items = sorted(items, key=lambda i: i.index)
    if all(i.proof_json for i in items):
        return items
    derived = proofs_from_leaves([i.leaf_json.encode("utf-8") for i in items])
    return [i if i.proof_json else replace(i, proof_json=derived[n]) for n, i in enumerate(items)]


def _batch_payment(p: PaymentRequest) -> BatchPayment:
    return BatchPayment(payment_id=f"{p.id:012d}", client_reference="", debit_account=p.debit_account_number,
                        payee_account=p.payee_account, payee_name=p.payee_name, bank_code=p.payee_bank_code,
                        amount_minor=p.amount_minor, currency=p.currency, purpose=p.purpose,
                        content_hash=p.content_hash)
