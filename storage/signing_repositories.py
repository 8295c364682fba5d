"""SQL repositories for signed batches (with each payment's inclusion proof) and per-user signing-key profiles.

Rows become the frozen values of app.ports.signing_batches. Both batch tables are append-only (migration 0005
triggers); a payment joins a batch only when its ``signer_id`` is the batch's signer.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ports.clock import Clock
from app.ports.signing_batches import SignedBatch, SignedBatchItem, SigningKeyProfile
from storage import bulk
from storage.orm import SignedBatchPaymentRow, SignedBatchRow, SigningKeyProfileRow, UserRow
from storage.repositories import _guarded


def _batch(row: SignedBatchRow, signer_name: str, payment_ids: Sequence[int]) -> SignedBatch:
    return SignedBatch(
        batch_id=row.batch_id, debit_account_id=row.debit_account_id, debit_account=row.debit_account,
        bank=row.bank, currency=row.currency, count=row.count, total_minor=row.total_minor,
        merkle_root=row.merkle_root, digest=row.digest, signature=bytes.fromhex(row.signature),
        algorithm=row.algorithm, certificate_pem=row.certificate_pem, signer_cert_id=row.signer_cert_id,
        signer_user_id=row.signer_user_id, signer_name=signer_name, signed_at=row.signed_at,
        payment_ids=tuple(payment_ids))


def _item(row: SignedBatchPaymentRow) -> SignedBatchItem:
    return SignedBatchItem(batch_id=row.batch_id, payment_id=row.payment_id, index=row.idx,
                           leaf_json=row.leaf_json, proof_json=row.proof_json)


class SqlSignedBatchRepository:
    def __init__(self, session: Session):
        self._s = session

    def add(self, batch: SignedBatch, items: Sequence[SignedBatchItem]) -> SignedBatch:
        row = SignedBatchRow(
            batch_id=batch.batch_id, debit_account_id=batch.debit_account_id, debit_account=batch.debit_account,
            bank=batch.bank, currency=batch.currency, count=batch.count, total_minor=batch.total_minor,
            merkle_root=batch.merkle_root, digest=batch.digest, signature=batch.signature.hex(),
            algorithm=batch.algorithm, certificate_pem=batch.certificate_pem, signer_cert_id=batch.signer_cert_id,
            signer_user_id=batch.signer_user_id, signed_at=batch.signed_at)
        with _guarded(self._s, "a signed batch"):
            self._s.add(row)
            self._s.flush()
            bulk.insert_many(self._s, SignedBatchPaymentRow.__table__,
                             ("batch_id", "idx", "payment_id", "leaf_json", "proof_json"),
                             [(batch.batch_id, it.index, it.payment_id, it.leaf_json, it.proof_json) for it in items])
        return self.get(batch.batch_id)  # type: ignore[return-value]

    def _payment_ids(self, batch_id: str) -> list[int]:
        return list(self._s.scalars(select(SignedBatchPaymentRow.payment_id)
                                    .where(SignedBatchPaymentRow.batch_id == batch_id)
                                    .order_by(SignedBatchPaymentRow.idx)))

    def get(self, batch_id: str) -> SignedBatch | None:
        record = self._s.execute(select(SignedBatchRow, UserRow.username)
                                 .join(UserRow, UserRow.id == SignedBatchRow.signer_user_id)
                                 .where(SignedBatchRow.batch_id == batch_id)).one_or_none()
        if record is None:
            return None
        return _batch(record[0], record[1], self._payment_ids(batch_id))

    def list(self, limit: int = 1000) -> list[SignedBatch]:
        rows = self._s.execute(select(SignedBatchRow, UserRow.username)
                               .join(UserRow, UserRow.id == SignedBatchRow.signer_user_id)
                               .order_by(SignedBatchRow.signed_at.desc(), SignedBatchRow.batch_id).limit(limit))
        return [_batch(row, name, self._payment_ids(row.batch_id)) for row, name in rows]

    def items(self, batch_id: str) -> list[SignedBatchItem]:
        rows = self._s.scalars(select(SignedBatchPaymentRow).where(SignedBatchPaymentRow.batch_id == batch_id)
                               .order_by(SignedBatchPaymentRow.idx))
        return [_item(r) for r in rows]

    def batch_of_payment(self, payment_id: int) -> str | None:
        return self._s.scalar(select(SignedBatchPaymentRow.batch_id)
                              .where(SignedBatchPaymentRow.payment_id == payment_id))


def _profile(row: SigningKeyProfileRow) -> SigningKeyProfile:
    return SigningKeyProfile(user_id=row.user_id, kind=row.kind, certificate_pem=row.certificate_pem,
                             module_path=row.module_path, token_label=row.token_label, key_label=row.key_label,
                             token_dir=row.token_dir, key_path=row.key_path, password_secret=row.password_secret,
                             updated_at=row.updated_at)


class SqlSigningKeyRepository:
    def __init__(self, session: Session, clock: Clock):
        self._s = session
        self._clock = clock

    def get(self, user_id: int) -> SigningKeyProfile | None:
        row = self._s.get(SigningKeyProfileRow, user_id, populate_existing=True)
        return None if row is None else _profile(row)

    def save(self, profile: SigningKeyProfile) -> SigningKeyProfile:
        values = {"kind": profile.kind, "module_path": profile.module_path, "token_label": profile.token_label,
                  "key_label": profile.key_label, "token_dir": profile.token_dir, "key_path": profile.key_path,
                  "password_secret": profile.password_secret, "certificate_pem": profile.certificate_pem,
                  "updated_at": self._clock.now()}
        with _guarded(self._s, "a signing key profile"):
            row = self._s.get(SigningKeyProfileRow, profile.user_id)
            if row is None:
                row = SigningKeyProfileRow(user_id=profile.user_id, **values)
                self._s.add(row)
            else:
                for key, value in values.items():
                    setattr(row, key, value)
            self._s.flush()
        return _profile(row)
