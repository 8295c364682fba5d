"""Payment text as one bank will receive it: that bank's encoding and field lengths, checked before signing.

A bank plugin's manifest declares ``limits.encoding`` and ``limits.field_byte_lengths`` under its own wire names
(CMB: GBK, ``CRTNAM`` 200 bytes, ``NUSAGE`` 62 …). :func:`wire_text_rules` maps those onto the payment's fields
(payee name, purpose, payee bank name) and :meth:`WireTextRules.check` returns every problem of one payment at
once, worded with the bank's field, so that a name the bank cannot carry is found at import and again when the
batch is signed — not after the USB-key signature, when the plugin builds the wire message.

ISO 20022 (a manifest whose protocol names pain.001) counts characters, not bytes (XSD ``maxLength``):
``Max140Text`` for names and ``Ustrd``, ``Max35Text`` for invoice numbers and the creditor reference; its text is
Unicode unless the connection profile says ``charset=latin`` (the EPC basic Latin set). Dialects without a
structured remittance get the invoices and the reference appended to the purpose
(:func:`app.domain.remittance.compact_purpose`), which must then fit the purpose field.

Codes: TEXT_ENCODING, TEXT_LENGTH, TEXT_CHARSET, TEXT_REQUIRED (as :func:`app.domain.text.check_text`) and
REMITTANCE_LENGTH (the purpose fits alone but not with the remittance). Every problem carries in its ``params``
the bank, the plugin, its subject, the wire field with its limit and unit, and the encoding (so that callers never
parse the message). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.domain.errors import Problem
from app.domain.remittance import EMPTY_REMITTANCE, REMITTANCE_LENGTH, Remittance, compact_purpose
from app.domain.text import TEXT_CHARSET, TEXT_LENGTH, check_text

TEXT_FIELDS = ("payee_name", "purpose", "payee_bank_name")

# Which wire field carries each payment field, by the names plugins give them in field_byte_lengths.
WIRE_FIELD_ALIASES: Mapping[str, tuple[str, ...]] = {
    "payee_name": ("CRTNAM", "Nm", "Cdtr/Nm"),
    "purpose": ("NUSAGE", "Ustrd", "RmtInf/Ustrd"),
    "payee_bank_name": ("CRTBNK",),
}

# ISO 20022 pain.001 (.03 and .09): XSD maxLength facets, in characters.
ISO20022_CHAR_LIMITS: Mapping[str, tuple[str, int]] = {
    "payee_name": ("Cdtr/Nm", 140),
    "purpose": ("RmtInf/Ustrd", 140),
    "payee_bank_name": ("CdtrAgt/FinInstnId/Nm", 140),
    "invoice_number": ("RfrdDocInf/Nb", 35),
    "remittance_ref": ("CdtrRefInf/Ref", 35),
}
_LATIN_BAD = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]", re.ASCII)
_NONCHARACTER = re.compile("[\ufdd0-\ufdef\ufffe\uffff]")
# Text certainly free of forbidden characters and encodable in GBK and UTF-8 (printable ASCII, the CJK ideographs
# of GBK, a few common full-width marks): checked with one regex; anything else goes through check_text.
_PLAIN = re.compile(r"[\x20-\x7e\u4e00-\u9fa5\uff08\uff09\u00b7\u3001\uff0c\uff1a\uff1b]*")
_GBK_FAMILY = frozenset({"gbk", "gb2312", "gb18030", "cp936"})
_UTF8 = frozenset({"utf-8", "utf8"})


@dataclass(frozen=True)
class WireField:
    tag: str                        # the bank's name of the field (CRTNAM, Cdtr/Nm …)
    max_bytes: int | None = None    # in the bank's encoding
    max_chars: int | None = None

    @property
    def limit(self) -> tuple[int | None, str]:
        """(size, unit): the byte limit when there is one (unit "bytes"), else the character limit ("chars")."""
        if self.max_bytes is not None:
            return self.max_bytes, "bytes"
        if self.max_chars is not None:
            return self.max_chars, "chars"
        return None, ""


@dataclass(frozen=True)
class WireTextRules:
    """The text rules of one bank plugin (and connection profile) for the fields of a payment."""

    plugin_id: str
    bank: str                                           # for messages, e.g. "CMB 招商银行"
    encoding: str
    fields: Mapping[str, WireField] = field(default_factory=dict, hash=False)
    latin_only: bool = False
    structured_remittance: bool = False                 # False: the remittance goes into the purpose field

    def wire_purpose(self, purpose: str, remittance: Remittance = EMPTY_REMITTANCE) -> str:
        """The text of the purpose field as the bank will get it."""
        return purpose if self.structured_remittance else compact_purpose(purpose, remittance)

    def _where(self, name: str) -> str:
        wire = self.fields.get(name)
        return f"{self.bank} {wire.tag}" if wire is not None else self.bank

    def _params(self, name: str, subject: str | None = None) -> dict:
        """What a problem of these rules carries besides its message: the bank, the plugin, what the problem is
        about (``subject``: payee_name | purpose | payee_bank_name | remittance | invoice_number | remittance_ref),
        the bank's wire field and its size (``limit`` and ``unit``: bytes | chars) and the encoding."""
        wire = self.fields.get(name)
        limit, unit = wire.limit if wire is not None else (None, "")
        return {"bank": self.bank, "plugin": self.plugin_id, "subject": subject or name,
                "wire_field": wire.tag if wire is not None else "", "limit": limit, "unit": unit,
                "encoding": self.encoding}

    def governs(self, name: str) -> bool:
        """Whether this bank declares a size for the payment field ``name`` (its own limit then replaces the
        conservative default of the generic checks)."""
        wire = self.fields.get(name)
        return wire is not None and (wire.max_bytes is not None or wire.max_chars is not None)

    def _text(self, value: str, name: str, required: bool) -> list[Problem]:
        wire = self.fields.get(name)
        if (not self.latin_only and _PLAIN.fullmatch(value) is not None and (value.strip() or not required)
                and self.encoding.lower() in _GBK_FAMILY | _UTF8
                and (wire is None or ((wire.max_chars is None or len(value) <= wire.max_chars)
                                      and (wire.max_bytes is None
                                           or len(value.encode(self.encoding)) <= wire.max_bytes)))):
            return []
        found = check_text(value, name, required=required, encoding=self.encoding,
                           max_bytes=wire.max_bytes if wire else None, max_chars=wire.max_chars if wire else None)
        if self.latin_only and value:
            bad = list(_LATIN_BAD.finditer(value))
            for m in bad[:5]:
                found.append(Problem(TEXT_CHARSET, f"{m.group()!r} (U+{ord(m.group()):04X}) at position "
                                     f"{m.start() + 1} is outside the Latin character set this bank accepts "
                                     "(a-z A-Z 0-9 / - ? : ( ) . , ' + space)", name))
            if len(bad) > 5:
                found.append(Problem(TEXT_CHARSET, f"{len(bad) - 5} more characters outside the Latin character "
                                     "set", name))
        if self.encoding in _UTF8:
            for m in list(_NONCHARACTER.finditer(value))[:5]:
                found.append(Problem(TEXT_CHARSET, f"the non-character U+{ord(m.group()):04X} at position "
                                     f"{m.start() + 1} cannot be sent in XML", name))
        where, params = self._where(name), self._params(name)
        return [Problem(p.code, f"{where}: {p.message}", p.field, p.severity, params={**p.params, **params})
                for p in found]

    def check_name(self, payee_name: str) -> list[Problem]:
        return self._text(payee_name, "payee_name", True)

    def check_bank_name(self, bank_name: str) -> list[Problem]:
        return self._text(bank_name, "payee_bank_name", False) if bank_name else []

    def check_purpose(self, purpose: str, remittance: Remittance = EMPTY_REMITTANCE) -> list[Problem]:
        """The purpose field as sent (with the compact remittance where the dialect has no structured one), and
        the structured remittance's own limits where it has."""
        text = self.wire_purpose(purpose, remittance)
        found = self._text(text, "purpose", False)
        if remittance and not self.structured_remittance and any(p.code == TEXT_LENGTH for p in found):
            wire = self.fields.get("purpose")
            if not any(p.code == TEXT_LENGTH for p in self._text(purpose, "purpose", False)):
                limit = (f"{wire.max_bytes} bytes in {self.encoding.upper()}" if wire and wire.max_bytes else
                         f"{wire.max_chars} characters" if wire and wire.max_chars else "")
                size = (len(text.encode(self.encoding, errors="replace")) if wire and wire.max_bytes else len(text))
                found = [p for p in found if p.code != TEXT_LENGTH] + [Problem(
                    REMITTANCE_LENGTH, f"{self._where('purpose')}: the purpose with the invoice numbers and "
                    f"reference ({text!r}) takes {size}; the field holds {limit}. Give fewer invoices or a shorter "
                    "purpose or reference", "remittance", params={"text": text,
                                                                   **self._params("purpose", "remittance")})]
        if remittance and self.structured_remittance:
            for doc in remittance.documents:
                found += self._limited(doc.number, "invoice_number")
            if remittance.reference:
                found += self._limited(remittance.reference, "remittance_ref")
        return found

    def _limited(self, value: str, name: str) -> list[Problem]:
        wire = self.fields.get(name)
        found = []
        if wire is not None and wire.max_chars is not None and len(value) > wire.max_chars:
            found.append(Problem(REMITTANCE_LENGTH, f"{self.bank} {wire.tag}: {value[:40]!r} has {len(value)} "
                                 f"characters; at most {wire.max_chars}", name, params=self._params(name)))
        if self.latin_only:
            bad = _LATIN_BAD.search(value)
            if bad is not None:
                found.append(Problem(TEXT_CHARSET, f"{self._where(name)}: {bad.group()!r} in {value!r} is outside "
                                     "the Latin character set this bank accepts", name, params=self._params(name)))
        return found

    def check_payment(self, payee_name: str, purpose: str, payee_bank_name: str = "",
                      remittance: Remittance = EMPTY_REMITTANCE) -> list[Problem]:
        """Every problem of one payment's text for this bank."""
        return [*self.check_name(payee_name), *self.check_purpose(purpose, remittance),
                *self.check_bank_name(payee_bank_name)]

    def plain_budget(self, name: str) -> int | None:
        """The GBK byte length up to which any text of the usual kind (printable ASCII and common CJK, all in GBK)
        certainly passes this bank's rules for ``name``: None when the bank sets no size for it, 0 when every value
        must be checked (a Latin-only bank, an encoding other than GBK or UTF-8)."""
        if self.latin_only:
            return 0
        enc = self.encoding.lower()
        if enc not in _GBK_FAMILY | _UTF8:
            return 0
        wire = self.fields.get(name)
        if wire is None:
            return None
        budgets = []
        if wire.max_bytes is not None:
            # a 2-byte GBK character takes 3 bytes in UTF-8 (ASCII 1 in both)
            budgets.append(wire.max_bytes if enc in _GBK_FAMILY else wire.max_bytes * 2 // 3)
        if wire.max_chars is not None:
            budgets.append(wire.max_chars)      # never more characters than GBK bytes
        return min(budgets) if budgets else None

    def implies(self, name: str, gbk_max_bytes: int) -> bool:
        """True when any text of the usual kind within ``gbk_max_bytes`` GBK bytes certainly passes this bank's
        rules for ``name`` — the import's fast path may then skip the per-value check."""
        budget = self.plain_budget(name)
        return budget is None or budget >= gbk_max_bytes


def wire_text_rules(plugin_id: str, bank: str, protocol: str, encoding: str, field_byte_lengths: Mapping[str, int],
                    settings: Mapping[str, str] | None = None) -> WireTextRules:
    """The rules of a plugin from its manifest's values (and its connection profile's settings)."""
    settings = settings or {}
    if "pain.001" in protocol.lower():
        fields = {name: WireField(tag, max_chars=limit) for name, (tag, limit) in ISO20022_CHAR_LIMITS.items()}
        return WireTextRules(plugin_id, bank, encoding or "utf-8", fields,
                             latin_only=str(settings.get("charset", "")).lower() == "latin",
                             structured_remittance=True)
    fields = {}
    for name, aliases in WIRE_FIELD_ALIASES.items():
        for tag in aliases:
            if tag in field_byte_lengths:
                fields[name] = WireField(tag, max_bytes=int(field_byte_lengths[tag]))
                break
    return WireTextRules(plugin_id, bank, encoding or "utf-8", fields)
