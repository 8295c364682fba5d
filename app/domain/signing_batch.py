"""One signature per batch: the canonical batch document, its Merkle root and the digest the signer signs.

Approved payments are grouped by debit account and bank into a :class:`SigningBatch`. Each payment becomes a
canonical *leaf* (canonical JSON: sorted keys, no spaces, UTF-8); the leaves form a SHA-256 Merkle tree with
domain-separated hashing (``0x00 || leaf`` for leaves, ``0x01 || left || right`` for nodes; a lone node at the
end of a level is promoted unchanged, never duplicated, so no two different leaf lists share a root).

The signer signs ``digest = sha256(preimage)`` where ``preimage = MAGIC || header || 0x00 || root`` and the header
is the canonical JSON of (batch id, debit account, bank, count, total_minor, currency). Because the digest is a
plain SHA-256 of the preimage, the signature verifies as an ordinary RSA-PKCS#1-v1.5-SHA256 / ECDSA-SHA256
signature over :meth:`SigningBatch.signing_preimage` — one token operation for 10,000 payments.

Each payment's membership is proven with :func:`inclusion_proof` / :func:`verify_inclusion`, without the other
payments' contents. Stdlib only.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from app.domain.errors import Problem, ValidationFailed

DOCUMENT_VERSION = 1
MAGIC = b"BankDirect-signing-batch-v1\x00"
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"

_HEX64 = re.compile(r"[0-9a-f]{64}")


class Side(str, Enum):
    """Where the sibling hash sits when recomputing the parent."""

    LEFT = "L"
    RIGHT = "R"


# a str as JSON text with ensure_ascii=False: the function json's encoder itself applies to every string
_json_text = json.encoder.encode_basestring

# json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False), with its encoder
# made once (json.dumps builds one per call with these options: a third of the time of a 100,000-leaf batch)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(obj: object) -> bytes:
    """Deterministic bytes: sorted keys, no insignificant whitespace, UTF-8 (non-ASCII kept as is)."""
    return _CANONICAL.encode(obj).encode("utf-8")


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


@dataclass(frozen=True)
class BatchPayment:
    """One payment as it is bound into a signed batch. ``content_hash`` is the approved-content hash (hex)."""

    payment_id: str
    client_reference: str
    debit_account: str
    payee_account: str
    payee_name: str
    bank_code: str
    amount_minor: int
    currency: str
    purpose: str
    content_hash: str

    def to_canonical(self) -> dict:
        return {
            "payment_id": self.payment_id,
            "client_reference": self.client_reference,
            "debit_account": self.debit_account,
            "payee_account": self.payee_account,
            "payee_name": self.payee_name,
            "bank_code": self.bank_code,
            "amount_minor": self.amount_minor,
            "currency": self.currency,
            "purpose": self.purpose,
            "content_hash": self.content_hash,
        }

    def leaf(self) -> bytes:
        """The canonical leaf bytes this payment contributes to the Merkle tree: ``canonical_json`` of
        :meth:`to_canonical`. For the usual values (an int amount, str texts) written here directly, key by key in
        sorted order, each text escaped by the json module's own string encoder — the same bytes, a third of the
        time (a 100,000-line batch has 100,000 leaves); any other value goes through ``canonical_json``."""
        a, bc, cr, ch, cu, da, pa, pn, pi, pu = (
            self.amount_minor, self.bank_code, self.client_reference, self.content_hash, self.currency,
            self.debit_account, self.payee_account, self.payee_name, self.payment_id, self.purpose)
        if (type(a) is int and type(bc) is str and type(cr) is str and type(ch) is str and type(cu) is str
                and type(da) is str and type(pa) is str and type(pn) is str and type(pi) is str and type(pu) is str):
            e = _json_text
            return (f'{{"amount_minor":{a:d},"bank_code":{e(bc)},"client_reference":{e(cr)},"content_hash":{e(ch)},'
                    f'"currency":{e(cu)},"debit_account":{e(da)},"payee_account":{e(pa)},"payee_name":{e(pn)},'
                    f'"payment_id":{e(pi)},"purpose":{e(pu)}}}').encode()
        return canonical_json(self.to_canonical())


@dataclass(frozen=True)
class BatchHeader:
    batch_id: str
    debit_account: str
    bank: str
    count: int
    total_minor: int
    currency: str

    def to_canonical(self) -> dict:
        return {
            "version": DOCUMENT_VERSION,
            "batch_id": self.batch_id,
            "debit_account": self.debit_account,
            "bank": self.bank,
            "count": self.count,
            "total_minor": self.total_minor,
            "currency": self.currency,
        }

    def to_bytes(self) -> bytes:
        return canonical_json(self.to_canonical())


def _problems(batch_id: str, debit_account: str, bank: str, currency: str,
              payments: Sequence[BatchPayment]) -> list[Problem]:
    problems: list[Problem] = []
    for name, value in (("batch_id", batch_id), ("debit_account", debit_account), ("bank", bank),
                        ("currency", currency)):
        if not isinstance(value, str) or not value:
            problems.append(Problem("BATCH_HEADER", f"{name} must be a non-empty string", name))
    if not payments:
        problems.append(Problem("BATCH_EMPTY", "a batch needs at least one payment", "payments"))
    seen_ids: set[str] = set()
    seen_refs: set[str] = set()
    for i, p in enumerate(payments):
        where = f"payments[{i}]"
        if not isinstance(p, BatchPayment):
            problems.append(Problem("BATCH_ITEM", f"{where} is not a BatchPayment", where))
            continue
        if type(p.amount_minor) is not int:
            problems.append(Problem("AMOUNT_FORMAT", f"{where}: amount_minor must be an int (minor units)", where))
        elif p.amount_minor <= 0:
            problems.append(Problem("AMOUNT_NOT_POSITIVE", f"{where}: amount must be positive", where))
        if p.debit_account != debit_account:
            problems.append(Problem("BATCH_MIXED_ACCOUNT",
                                    f"{where}: debit account differs from the batch's", where))
        if p.currency != currency:
            problems.append(Problem("BATCH_MIXED_CURRENCY", f"{where}: currency differs from the batch's", where))
        if not p.payment_id:
            problems.append(Problem("BATCH_ITEM", f"{where}: payment id is empty", where))
        elif p.payment_id in seen_ids:
            problems.append(Problem("BATCH_DUPLICATE_PAYMENT", f"{where}: payment {p.payment_id} appears twice",
                                    where))
        seen_ids.add(p.payment_id)
        if p.client_reference:
            if p.client_reference in seen_refs:
                problems.append(Problem("BATCH_DUPLICATE_REFERENCE",
                                        f"{where}: client reference {p.client_reference} appears twice", where))
            seen_refs.add(p.client_reference)
        if not isinstance(p.content_hash, str) or not _HEX64.fullmatch(p.content_hash):
            problems.append(Problem("CONTENT_HASH", f"{where}: content hash must be 64 lowercase hex digits",
                                    where))
    return problems


def _levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """All tree levels, leaves' hashes first, the root alone last."""
    level = [leaf_hash(leaf) for leaf in leaves]
    levels = [level]
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])  # promoted, not duplicated
        levels.append(nxt)
        level = nxt
    return levels


@dataclass(frozen=True)
class SigningBatch:
    """Payments of one debit account at one bank, in canonical order (sorted by payment id)."""

    batch_id: str
    debit_account: str
    bank: str
    currency: str
    payments: tuple[BatchPayment, ...]
    _levels: list[list[bytes]] = field(default_factory=list, repr=False, compare=False, hash=False)
    _leaves: tuple[bytes, ...] = field(default=(), repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.payments:
            raise ValidationFailed([Problem("BATCH_EMPTY", "a batch needs at least one payment", "payments")])
        if len(self._leaves) != len(self.payments):
            object.__setattr__(self, "_leaves", tuple(p.leaf() for p in self.payments))
        if not self._levels:
            object.__setattr__(self, "_levels", _levels(self._leaves))

    @classmethod
    def build(cls, batch_id: str, debit_account: str, bank: str, currency: str,
              payments: Iterable[BatchPayment]) -> SigningBatch:
        """Validate (all problems at once → ValidationFailed) and put the payments in canonical order."""
        items = list(payments)
        problems = _problems(batch_id, debit_account, bank, currency, items)
        if problems:
            raise ValidationFailed(problems)
        ordered = tuple(sorted(items, key=lambda p: p.payment_id))
        leaves = tuple(p.leaf() for p in ordered)
        return cls(batch_id, debit_account, bank, currency, ordered, _levels(leaves), leaves)

    def leaves(self) -> tuple[bytes, ...]:
        """Each payment's canonical leaf bytes, in batch order."""
        return self._leaves

    # -- header and document ---------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self.payments)

    @property
    def total_minor(self) -> int:
        return sum(p.amount_minor for p in self.payments)

    @property
    def header(self) -> BatchHeader:
        return BatchHeader(self.batch_id, self.debit_account, self.bank, self.count, self.total_minor, self.currency)

    def canonical_document(self) -> bytes:
        """The whole batch as deterministic bytes (what is archived beside the signature)."""
        return canonical_json({
            "header": self.header.to_canonical(),
            "payments": [p.to_canonical() for p in self.payments],
            "merkle_root": self.merkle_root().hex(),
        })

    def index_of(self, payment_id: str) -> int:
        for i, p in enumerate(self.payments):
            if p.payment_id == payment_id:
                return i
        raise KeyError(payment_id)

    # -- Merkle tree and digest ------------------------------------------------------------------------

    def merkle_root(self) -> bytes:
        return self._levels[-1][0]

    def signing_preimage(self) -> bytes:
        """``MAGIC || header || 0x00 || root``: a verifier checks the signature over these bytes (SHA-256)."""
        return MAGIC + self.header.to_bytes() + b"\x00" + self.merkle_root()

    def digest(self) -> bytes:
        """The 32 bytes the signer signs (``sign_digest``)."""
        return hashlib.sha256(self.signing_preimage()).digest()


def signing_preimage(header: BatchHeader, root: bytes) -> bytes:
    """Rebuild the signed bytes from a stored header and root (for verifying a stored batch signature)."""
    return MAGIC + header.to_bytes() + b"\x00" + root


def inclusion_proof(batch: SigningBatch, payment_index: int) -> list[tuple[Side, bytes]]:
    """Sibling hashes from the payment's leaf up to the root (bottom first)."""
    if not 0 <= payment_index < batch.count:
        raise IndexError(f"payment index {payment_index} outside 0..{batch.count - 1}")
    proof: list[tuple[Side, bytes]] = []
    index = payment_index
    for level in batch._levels[:-1]:
        if index % 2:
            proof.append((Side.LEFT, level[index - 1]))
        elif index + 1 < len(level):
            proof.append((Side.RIGHT, level[index + 1]))
        # else: the lone last node is promoted, nothing to combine with on this level
        index //= 2
    return proof


def proofs_from_leaves(leaves: Sequence[bytes]) -> list[str]:
    """The stored-form inclusion proofs of a tree rebuilt from its leaves (in batch order). A signed batch stores
    its leaves, not 100,000 proofs: the proofs are derived when asked for, and a tampered leaf shows as a tree
    whose root is not the signed one."""
    return _proofs_json(_levels(leaves))


def _proofs_json(levels: Sequence[Sequence[bytes]]) -> list[str]:
    below_root = levels[:-1]
    hexes = [[h.hex() for h in level] for level in below_root]
    out: list[str] = []
    for i in range(len(levels[0])):
        parts: list[str] = []
        index = i
        for level, hx in zip(below_root, hexes, strict=True):
            if index % 2:
                parts.append(f'["L", "{hx[index - 1]}"]')
            elif index + 1 < len(level):
                parts.append(f'["R", "{hx[index + 1]}"]')
            index //= 2
        out.append("[" + ", ".join(parts) + "]")
    return out


def verify_inclusion(leaf: bytes, proof: Sequence[tuple[Side | str, bytes]], root: bytes) -> bool:
    """True if ``leaf`` (canonical leaf bytes) is in the tree whose root is ``root``."""
    current = leaf_hash(leaf)
    for side, sibling in proof:
        if not isinstance(sibling, bytes | bytearray) or len(sibling) != 32:
            return False
        side_value = side.value if isinstance(side, Side) else side
        if side_value == Side.LEFT.value:
            current = node_hash(bytes(sibling), current)
        elif side_value == Side.RIGHT.value:
            current = node_hash(current, bytes(sibling))
        else:
            return False
    return current == root


def proof_to_json(proof: Sequence[tuple[Side, bytes]]) -> list[list[str]]:
    """Storable form: ``[["L", "<hex>"], ...]``."""
    return [[side.value, sibling.hex()] for side, sibling in proof]


def proof_from_json(data: Sequence[Sequence[str]]) -> list[tuple[Side, bytes]]:
    return [(Side(side), bytes.fromhex(sibling)) for side, sibling in data]
