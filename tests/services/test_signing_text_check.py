"""The pre-sign text check of a batch checks each distinct purpose (with its remittance) and payee bank name
once (SigningService._payment_text_check): the problems of every payment are exactly the bank rules'
check_payment, in the same order, for CMB (GBK bytes, remittance in the purpose) and ISO 20022 (characters,
structured remittance, Latin-only profiles)."""

from __future__ import annotations

from datetime import date

from app.domain.bank_fields import WireTextRules, wire_text_rules
from app.domain.remittance import EMPTY_REMITTANCE, ReferredDocument, Remittance
from app.services.signing import SigningService
from bank_plugins.cmb_fbsdk.manifest import MANIFEST as CMB
from bank_plugins.iso20022.manifest import MANIFEST as ISO


def _rules(m, settings=None) -> WireTextRules:
    return wire_text_rules(m.id, m.bank, m.protocol, m.limits.encoding, m.limits.field_byte_lengths, settings)


NAMES = ["王伟000001", "深圳市华强电子股份有限公司" * 8, "", "Müller & Söhne GmbH", "bad\x07name", "ok name 😀"]
PURPOSES = ["工资", "货款" * 40, "", "invoice/2025-03", "tab\tpurpose", "𠀀 rare"]
BANKS = ["中国工商银行深圳分行", "", "Deutsche Bank AG" * 10, "bank\x00"]
REMITTANCES = [EMPTY_REMITTANCE, Remittance((ReferredDocument("INV-2025-0001", date(2025, 3, 1)),), "RF18539007547034"),
               Remittance(tuple(ReferredDocument(f"INV-{i:04d}" * 3) for i in range(6)), "x" * 40)]


def test_the_memoised_check_finds_what_check_payment_finds():
    for rules in (_rules(CMB), _rules(ISO), _rules(ISO, {"charset": "latin"}),
                  wire_text_rules("tiny", "Tiny", "FBSDK", "gbk", {"CRTNAM": 16, "NUSAGE": 10, "CRTBNK": 12})):
        check = SigningService._payment_text_check(rules)
        assert check is not rules.check_payment
        for _round in range(2):          # the second round is answered from the memo
            for name in NAMES:
                for purpose in PURPOSES:
                    for bank in BANKS:
                        for remittance in REMITTANCES:
                            assert check(name, purpose, bank, remittance) == \
                                rules.check_payment(name, purpose, bank, remittance)


def test_rules_of_another_kind_check_a_payment_their_own_way():
    class Custom(WireTextRules):
        def check_payment(self, *args, **kwargs):
            return ["custom"]

    rules = Custom("c", "Custom", "utf-8")
    assert SigningService._payment_text_check(rules)("n", "p", "b", EMPTY_REMITTANCE) == ["custom"]
