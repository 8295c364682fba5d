"""pain.001 (CustomerCreditTransferInitiation) writer: ``pain.001.001.09`` (primary) and ``pain.001.001.03``.

Two steps, so that nothing is written (and nothing signed) unless every payment is valid:

1. :func:`prepare_message` checks every :class:`~app.ports.bank.PaymentInstruction` (and the debtor settings),
   generates the UETRs (once: the bytes are stored and a resend is byte-identical) and groups the payments, or
   raises ``ValidationFailed`` listing *every* problem of the whole batch: ``TEXT_LENGTH`` / ``TEXT_CHARSET`` /
   ``TEXT_REQUIRED`` (names, remittance, address lines: never truncated, never transliterated),
   ``REFERENCE_FORMAT``, ``ACCOUNT_FORMAT`` (IBAN shape and MOD-97 check digits), ``BIC_FORMAT``,
   ``COUNTRY_FORMAT``, ``ADDRESS_INCOMPLETE``, ``CURRENCY``, ``AMOUNT_NOT_POSITIVE``, ``AMOUNT_TOO_LARGE``,
   ``DATE_FORMAT``, ``EXECUTION_DATE``, ``UETR_FORMAT``, ``UETR_UNSUPPORTED``, ``CODE_FORMAT``,
   ``BANK_CODE_FORMAT``, ``EXTRA_UNKNOWN``, ``DUPLICATE``, ``BATCH_EMPTY``, ``BATCH_SIZE``, ``SETTING``.
   A batch of plainly valid payments is checked column by column with C-level calls; anything unusual goes
   through the per-payment check, which names every problem.
2. :func:`write_pain001` streams the document with ``lxml.etree.xmlfile``. Every transaction is written from a
   reusable element template (one per combination of optional fields): only the leaf texts change, so no
   element is created per payment and 100,000 payments need little time and memory.

Document shape: ``GrpHdr`` (MsgId, CreDtTm, NbOfTxs, CtrlSum, InitgPty/Nm), one ``PmtInf`` per debit account +
requested execution date + urgency (InstrPrty HIGH/NORM) + currency + debtor, each with its own NbOfTxs and
CtrlSum; per transaction ``PmtId`` (InstrId, EndToEndId = our client reference, UETR in .09), ``InstdAmt`` with
exactly the currency's minor-unit decimals (2 for CNY/EUR/USD, 0 for JPY, 3 for KWD …) computed from integer
minor units, creditor agent (BIC and/or CNAPS clearing member id, bank name), creditor name with a structured
``PstlAdr`` when given, creditor account (IBAN, or ``Othr/Id`` for domestic numbers), purpose code, ``Ustrd``, and
— for a payment with a structured remittance (``PaymentInstruction.remittance``: the invoices a supplier payment
pays) — ``RmtInf/Strd``: one ``RfrdDocInf`` per invoice (``Tp/CdOrPrtry/Cd`` CINV, ``Nb``, ``RltdDt`` when the
invoice date is known) and ``CdtrRefInf/Ref`` for the remittance reference (both Max35Text).

``PaymentInstruction.extra`` keys (anything else is refused with EXTRA_UNKNOWN — a typo must not silently drop
data): ``uetr``, ``instruction_id``, ``execution_date`` (YYYY-MM-DD), ``charge_bearer`` (DEBT/CRED/SHAR/SLEV),
``purpose_code``, ``creditor_bic``, ``creditor_clearing_system`` (default CNAPS for a 12-digit
``payee_bank_code``), ``creditor_street``/``_building``/``_postcode``/``_town``/``_region``/``_country``/
``_address_line``, and the same ``debtor_*`` keys plus ``debtor_name`` to override the settings' debtor.

Text is Unicode (UTF-8; Chinese names are fine); the XSD lengths count characters. With the setting
``charset=latin`` only the EPC/SEPA basic Latin set ``a-z A-Z 0-9 / - ? : ( ) . , ' + space`` is accepted.
"""

from __future__ import annotations

import io
import itertools
import operator
import os
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import IO, NamedTuple

from lxml import etree

from app.domain.errors import Problem, ValidationFailed
from app.domain.remittance import EMPTY_REMITTANCE
from app.domain.text import check_text
from app.ports.bank import PaymentInstruction
from bank_plugins.iso20022.manifest import FIELD_CHAR_LENGTHS

VERSION_09 = "pain.001.001.09"
VERSION_03 = "pain.001.001.03"
SUPPORTED_VERSIONS = (VERSION_09, VERSION_03)
NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"

# ISO 4217 minor units that differ from 2 (currencies not listed use 2).
CURRENCY_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
                     "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}

CHARGE_BEARERS = frozenset({"DEBT", "CRED", "SHAR", "SLEV"})
ADDRESS_KEYS = ("street", "building", "postcode", "town", "region", "country", "address_line")
EXTRA_KEYS = frozenset(
    {"uetr", "instruction_id", "execution_date", "charge_bearer", "purpose_code", "creditor_bic",
     "creditor_clearing_system", "debtor_name", "debtor_bic"}
    | {f"creditor_{k}" for k in ADDRESS_KEYS} | {f"debtor_{k}" for k in ADDRESS_KEYS}
)
_DEBTOR_KEYS = frozenset(k for k in EXTRA_KEYS if k.startswith("debtor_"))

_REFERENCE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_\-./:]{0,34}", re.ASCII)
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Za-z0-9]{1,30}", re.ASCII)
_OTHER_ACCOUNT = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-]{0,33}", re.ASCII)
_BIC_09 = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?", re.ASCII)
_BIC_03 = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9](?:[A-Z0-9]{3})?", re.ASCII)
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)
_COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)
_CODE4 = re.compile(r"[A-Z0-9]{1,4}", re.ASCII)
_CLEARING_SYSTEM = re.compile(r"[A-Z0-9]{1,5}", re.ASCII)
_CLEARING_MEMBER = re.compile(r"[0-9A-Za-z]{1,35}", re.ASCII)
_CNAPS = re.compile(r"[0-9]{12}", re.ASCII)
_UETR = re.compile(r"[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_MSGID_PREFIX = re.compile(r"[A-Za-z0-9]{0,8}", re.ASCII)
_IBAN_LETTERS = {ord(c): str(ord(c.upper()) - 55) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}

# Text that is certainly acceptable (printable ASCII, Latin letters, CJK ideographs and punctuation, full-width
# forms): checked with one regex; anything else goes through the full check_text for precise problems.
_FAST_TEXT = re.compile("[\x20-\x7e\u00c0-\u024f\u3001-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e]*")
_LATIN = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*", re.ASCII)
_LATIN_CHAR = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]", re.ASCII)
_NONCHARACTER = re.compile("[\ufdd0-\ufdef\ufffe\uffff]")
_SEPARATOR = "\x1f"  # joins a column of texts for one regex call; never allowed inside a text
_FAST_CLASS = "[\x20-\x7e\u00c0-\u024f\u3001-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e]"
_LATIN_CLASS = r"[A-Za-z0-9/\-?:().,'+ ]"

_ADDRESS_TAGS = {"street": "StrtNm", "building": "BldgNb", "postcode": "PstCd", "town": "TwnNm",
                 "region": "CtrySubDvsn", "address_line": "AdrLine"}
# Extras the per-payment fast path and the column check handle; any other key means the full check.
_FAST_EXTRAS = frozenset({"uetr", "instruction_id", "purpose_code", "charge_bearer", "creditor_bic"})
_COLUMN_EXTRA_PATTERNS = {"instruction_id": _REFERENCE, "purpose_code": _CODE4,
                          "charge_bearer": re.compile("DEBT|CRED|SHAR|SLEV")}
_NAME_MAX = FIELD_CHAR_LENGTHS["Nm"]
_USTRD_MAX = FIELD_CHAR_LENGTHS["Ustrd"]
_MAX35 = 35                 # RfrdDocInf/Nb and CdtrRefInf/Ref are Max35Text
DOCUMENT_TYPE_INVOICE = "CINV"
_AMOUNT_LIMIT = 10 ** 18


def namespace(version: str) -> str:
    return NAMESPACE_PREFIX + version


def currency_exponent(currency: str) -> int:
    return CURRENCY_EXPONENTS.get(currency, 2)


def format_amount(amount_minor: int, exponent: int = 2) -> str:
    """Integer minor units → decimal text with exactly ``exponent`` decimals (never via float)."""
    if type(amount_minor) is not int:
        raise TypeError("amount_minor must be an int")
    sign = "-" if amount_minor < 0 else ""
    major, minor = divmod(abs(amount_minor), 10 ** exponent)
    return f"{sign}{major}.{minor:0{exponent}d}" if exponent else f"{sign}{major}"


def iban_is_valid(iban: str) -> bool:
    """Shape and ISO 7064 MOD 97-10 check digits."""
    if not _IBAN_SHAPE.fullmatch(iban) or len(iban) > 34:
        return False
    return int((iban[4:] + iban[:4]).translate(_IBAN_LETTERS)) % 97 == 1


def _quick_scheme(value: str) -> str:
    """"Othr" or "IBAN" for a plainly valid account, "" when the full check must look at it."""
    if value.isdigit() and value.isascii() and len(value) <= 34:
        return "Othr"
    if _IBAN_SHAPE.fullmatch(value):
        return "IBAN" if iban_is_valid(value) else ""
    return "Othr" if _OTHER_ACCOUNT.fullmatch(value) else ""


_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}


def new_uetrs(count: int) -> list[str]:
    """``count`` random UUID version 4 strings (lowercase, as the XSD wants) from one call to the OS source."""
    h = os.urandom(16 * count).hex()
    return [f"{h[k:k + 8]}-{h[k + 8:k + 12]}-4{h[k + 13:k + 16]}-{_VARIANT[h[k + 16]]}{h[k + 17:k + 20]}-"
            f"{h[k + 20:k + 32]}" for k in range(0, 32 * count, 32)]


def new_message_id(prefix: str = "BD", now: datetime | None = None) -> str:
    """≤ 28 characters: prefix (≤ 8) + UTC yymmddHHMMSS + 8 random hex digits."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{prefix}{now:%y%m%d%H%M%S}{secrets.token_hex(4).upper()}"


def control_sum(amounts_by_currency: Mapping[str, int]) -> str:
    """Σ amounts as exact decimal text (currencies with different exponents summed on a common scale)."""
    if not amounts_by_currency:
        return "0"
    exponent = max(currency_exponent(c) for c in amounts_by_currency)
    total = sum(amount * 10 ** (exponent - currency_exponent(c)) for c, amount in amounts_by_currency.items())
    return format_amount(total, exponent)


# ---------------------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """Structured postal address (PstlAdr). ``line`` goes to one AdrLine."""

    street: str = ""
    building: str = ""
    postcode: str = ""
    town: str = ""
    region: str = ""
    country: str = ""
    line: str = ""

    def is_empty(self) -> bool:
        return not any((self.street, self.building, self.postcode, self.town, self.region, self.country, self.line))

    def items(self) -> tuple[tuple[str, str], ...]:
        """(XML tag, value) of the fields present, in schema order."""
        return tuple((tag, value) for tag, value in (
            ("StrtNm", self.street), ("BldgNb", self.building), ("PstCd", self.postcode), ("TwnNm", self.town),
            ("CtrySubDvsn", self.region), ("Ctry", self.country), ("AdrLine", self.line)) if value)

    @classmethod
    def from_mapping(cls, values: Mapping[str, str], prefix: str) -> PostalAddress | None:
        address = cls(*(values.get(f"{prefix}{k}", "") for k in ADDRESS_KEYS))
        return None if address.is_empty() else address


@dataclass(frozen=True, slots=True)
class Debtor:
    name: str
    bic: str = ""
    address: PostalAddress | None = None


@dataclass(frozen=True)
class InitiationSettings:
    """What the writer needs beyond the instructions (from the connection profile's plugin settings)."""

    debtor: Debtor
    initiating_party: str = ""  # GrpHdr/InitgPty/Nm; the debtor's name when empty
    charge_bearer: str = ""  # PmtInf/ChrgBr; omitted when empty
    charset: str = "unicode"  # or "latin"
    version: str = VERSION_09
    message_id_prefix: str = "BD"

    @classmethod
    def from_mapping(cls, settings: Mapping[str, str]) -> InitiationSettings:
        debtor = Debtor(settings.get("debtor_name", ""), settings.get("debtor_bic", ""),
                        PostalAddress.from_mapping(settings, "debtor_"))
        return cls(debtor=debtor, initiating_party=settings.get("initiating_party", ""),
                   charge_bearer=settings.get("charge_bearer", ""), charset=settings.get("charset", "unicode"),
                   version=settings.get("version", VERSION_09),
                   message_id_prefix=settings.get("message_id_prefix", "BD"))


class Transfer(NamedTuple):
    """One validated credit transfer: the instruction plus what the checker resolved for it."""

    instruction: PaymentInstruction
    uetr: str  # "" in pain.001.001.03
    debit_scheme: str  # "IBAN" or "Othr"
    creditor_scheme: str
    execution_date: date
    debtor: Debtor
    clearing_system: str = ""  # e.g. "CNAPS" when payee_bank_code is a clearing member id
    creditor_address: PostalAddress | None = None


@dataclass
class PaymentGroup:
    """One PmtInf: payments sharing debit account, execution date, urgency, currency and debtor, held as
    parallel columns (a 100,000-payment file needs no per-payment object beyond the instruction)."""

    payment_information_id: str
    debit_account: str
    debit_scheme: str
    execution_date: date
    urgent: bool
    currency: str
    debtor: Debtor
    instructions: list[PaymentInstruction] = field(default_factory=list)
    uetrs: list[str] = field(default_factory=list)
    creditor_schemes: list[str] = field(default_factory=list)
    clearing_systems: list[str] = field(default_factory=list)
    creditor_addresses: list[PostalAddress | None] = field(default_factory=list)
    shape: _Shape | None = None  # the one shape of all its transactions, when the column check knows it

    @property
    def amount_minor(self) -> int:
        return sum(i.amount_minor for i in self.instructions)

    @property
    def control_sum(self) -> str:
        return format_amount(self.amount_minor, currency_exponent(self.currency))

    def transfers(self) -> list[Transfer]:
        return [Transfer(i, u, self.debit_scheme, s, self.execution_date, self.debtor, c, a) for i, u, s, c, a in
                zip(self.instructions, self.uetrs, self.creditor_schemes, self.clearing_systems,
                    self.creditor_addresses, strict=True)]


@dataclass(frozen=True)
class MessageHeader:
    message_id: str
    created_at: datetime  # timezone-aware
    initiating_party: str
    version: str = VERSION_09
    charge_bearer: str = ""


# ---------------------------------------------------------------------------------------------------------
# Validation


class _Checker:
    def __init__(self, settings: InitiationSettings, today: date, make_uetr: Callable[[], str]):
        self.settings = settings
        self.version = settings.version
        self.v09 = settings.version == VERSION_09
        self.latin = settings.charset == "latin"
        self.today = today
        self.make_uetr = make_uetr
        self.bic = _BIC_09 if self.v09 else _BIC_03
        self.problems: list[Problem] = []
        self.seen_uetrs: set[str] = set()
        self._accounts: dict[str, tuple[str, list[Problem]]] = {}
        self._debtors: dict[tuple, Debtor] = {}
        self._currencies: set[str] = set()
        self._debit_schemes: dict[str, str] = {}
        self.default_debtor = self.debtor(settings.debtor, {}, "settings.")

    # -- primitives ------------------------------------------------------------------------------------
    def problem(self, code: str, message: str, where: str | None, **params) -> None:
        self.problems.append(Problem(code, message, where, params=params))

    def text(self, value: str, where: str, max_chars: int, required: bool = False) -> None:
        if (len(value) <= max_chars and _FAST_TEXT.fullmatch(value) is not None
                and (not self.latin or _LATIN.fullmatch(value) is not None) and (value.strip() or not required)):
            return
        if not value and not required:
            return
        self.problems.extend(check_text(value, where, required=required, max_chars=max_chars))
        for m in list(_NONCHARACTER.finditer(value))[:5]:
            self.problem("TEXT_CHARSET", f"the non-character U+{ord(m.group()):04X} at position {m.start() + 1} "
                         "cannot be sent in XML", where)
        if self.latin:
            bad = list(_LATIN_CHAR.finditer(value))
            for m in bad[:5]:
                self.problem("TEXT_CHARSET", f"{m.group()!r} (U+{ord(m.group()):04X}) at position {m.start() + 1} "
                             "is outside the Latin character set this bank accepts (a-z A-Z 0-9 / - ? : ( ) . , ' + "
                             "space)", where, position=m.start() + 1)
            if len(bad) > 5:
                self.problem("TEXT_CHARSET", f"{len(bad) - 5} more characters outside the Latin character set",
                             where, count=len(bad))

    def _classify(self, value: str) -> tuple[str, list[Problem]]:
        cached = self._accounts.get(value)
        if cached is None:
            found: list[Problem] = []
            if _IBAN_SHAPE.fullmatch(value):
                scheme = "IBAN"
                if not iban_is_valid(value):
                    found.append(Problem("ACCOUNT_FORMAT", f"{value!r} looks like an IBAN but its check digits or "
                                         "length are wrong"))
            else:
                scheme = "Othr"
                if not _OTHER_ACCOUNT.fullmatch(value):
                    found.append(Problem("ACCOUNT_FORMAT", "an account is an IBAN or 1-34 of 0-9 A-Z a-z -"
                                         if value else "the account number is required"))
            cached = self._accounts[value] = (scheme, found)
        return cached

    def account(self, value: str, where: str) -> str:
        """"IBAN" or "Othr"; problems recorded (the classification is cached per distinct account)."""
        scheme, found = self._classify(value)
        for p in found:
            self.problems.append(Problem(p.code, p.message, where))
        return scheme

    def code(self, value: str, pattern: re.Pattern, code: str, what: str, where: str) -> None:
        if value and pattern.fullmatch(value) is None:
            self.problem(code, f"{value!r} is not a valid {what}", where)

    def address(self, address: PostalAddress | None, where: str) -> None:
        if address is None:
            return
        for name, value in (("street", address.street), ("building", address.building),
                            ("postcode", address.postcode), ("town", address.town), ("region", address.region),
                            ("address_line", address.line)):
            self.text(value, f"{where}_{name}", FIELD_CHAR_LENGTHS[_ADDRESS_TAGS[name]])
        self.code(address.country, _COUNTRY, "COUNTRY_FORMAT", "country code (two capital letters, ISO 3166)",
                  f"{where}_country")
        structured = any((address.street, address.building, address.postcode, address.region))
        if (structured or address.town or address.country) and not (address.town and address.country):
            self.problem("ADDRESS_INCOMPLETE", "a structured address needs at least the town and the country",
                         f"{where}_town" if not address.town else f"{where}_country")

    def debtor(self, base: Debtor, extra: Mapping[str, str], where: str) -> Debtor:
        if extra and not _DEBTOR_KEYS.isdisjoint(extra):
            address = PostalAddress.from_mapping(extra, "debtor_") or base.address
            candidate = Debtor(extra.get("debtor_name", base.name), extra.get("debtor_bic", base.bic), address)
        else:
            candidate = base
        key = (candidate.name, candidate.bic, candidate.address)
        known = self._debtors.get(key)
        if known is not None:
            return known
        self._debtors[key] = candidate
        self.text(candidate.name, f"{where}debtor_name", _NAME_MAX, required=True)
        self.code(candidate.bic, self.bic, "BIC_FORMAT", "BIC for " + self.version, f"{where}debtor_bic")
        self.address(candidate.address, f"{where}debtor")
        return candidate

    # -- one instruction: fast path ----------------------------------------------------------------------
    def fast(self, instr: PaymentInstruction) -> Transfer | None:
        """The common case in a few C-level checks; None sends the instruction through :meth:`full`, which
        records precise problems (or accepts what this path was too cautious to accept)."""
        extra = instr.extra
        if (extra and not _FAST_EXTRAS.issuperset(extra)) or instr.remittance:
            return None
        amount = instr.amount_minor
        currency = instr.currency
        if not (0 < amount < _AMOUNT_LIMIT and _REFERENCE.fullmatch(instr.client_reference)
                and (currency in self._currencies or _CURRENCY.fullmatch(currency))):
            return None
        debit, credit = instr.debit_account, instr.payee_account
        debit_scheme = self._debit_schemes.get(debit)
        if debit_scheme is None:
            debit_scheme = self._debit_schemes[debit] = _quick_scheme(debit)
        credit_scheme = _quick_scheme(credit)
        if not debit_scheme or not credit_scheme or debit == credit:
            return None
        name, purpose, bank_name = instr.payee_name, instr.purpose, instr.payee_bank_name
        if not (len(name) <= _NAME_MAX and _FAST_TEXT.fullmatch(name) and name.strip()):
            return None
        if purpose and not (len(purpose) <= _USTRD_MAX and _FAST_TEXT.fullmatch(purpose)):
            return None
        if bank_name and not (len(bank_name) <= _NAME_MAX and _FAST_TEXT.fullmatch(bank_name)):
            return None
        if self.latin and not (_LATIN.fullmatch(name) and _LATIN.fullmatch(purpose) and _LATIN.fullmatch(bank_name)):
            return None
        clearing = ""
        if instr.payee_bank_code:
            if not _CNAPS.fullmatch(instr.payee_bank_code):
                return None
            clearing = "CNAPS"
        uetr = ""
        if extra:
            get = extra.get
            bic = get("creditor_bic")
            if bic and not self.bic.fullmatch(bic):
                return None
            ident = get("instruction_id")
            if ident and not _REFERENCE.fullmatch(ident):
                return None
            code = get("purpose_code")
            if code and not _CODE4.fullmatch(code):
                return None
            bearer = get("charge_bearer")
            if bearer and bearer not in CHARGE_BEARERS:
                return None
            uetr = get("uetr", "")
            if uetr:
                if not self.v09 or not _UETR.fullmatch(uetr) or uetr in self.seen_uetrs:
                    return None
                self.seen_uetrs.add(uetr)
        if not uetr and self.v09:
            uetr = self.make_uetr()
        self._currencies.add(currency)
        return Transfer(instr, uetr, debit_scheme, credit_scheme, self.today, self.default_debtor, clearing)

    # -- one instruction: every problem ------------------------------------------------------------------
    def full(self, n: int, instr: PaymentInstruction) -> Transfer | None:
        ref = instr.client_reference
        at = f"{ref}." if ref else f"#{n + 1}."
        before = len(self.problems)
        extra = instr.extra
        if extra and not EXTRA_KEYS.issuperset(extra):
            unknown = sorted(set(extra) - EXTRA_KEYS)
            self.problem("EXTRA_UNKNOWN", f"unknown extra field(s) {', '.join(unknown)}; known: "
                         f"{', '.join(sorted(EXTRA_KEYS))}", f"{at}extra")
        if not _REFERENCE.fullmatch(ref):
            self.problem("REFERENCE_FORMAT", "the client reference (EndToEndId) must be 1-35 of 0-9 A-Z a-z _ - . / :"
                         " starting with a letter or digit", f"{at}client_reference")
        amount, currency = instr.amount_minor, instr.currency
        if amount <= 0:
            self.problem("AMOUNT_NOT_POSITIVE", "the amount must be greater than zero", f"{at}amount")
        elif amount >= _AMOUNT_LIMIT:
            self.problem("AMOUNT_TOO_LARGE", "the amount has more than 18 digits", f"{at}amount")
        if not _CURRENCY.fullmatch(currency):
            self.problem("CURRENCY", f"{currency!r} is not an ISO 4217 currency code", f"{at}currency")
        debit_scheme = self.account(instr.debit_account, f"{at}debit_account")
        creditor_scheme = self.account(instr.payee_account, f"{at}payee_account")
        if instr.debit_account and instr.debit_account == instr.payee_account:
            self.problem("ACCOUNT_FORMAT", "the payee account equals the debit account", f"{at}payee_account")
        self.text(instr.payee_name, f"{at}payee_name", _NAME_MAX, required=True)
        self.text(instr.purpose, f"{at}purpose", _USTRD_MAX)
        self.text(instr.payee_bank_name, f"{at}payee_bank_name", _NAME_MAX)
        remittance = instr.remittance
        for k, doc in enumerate(remittance.documents):
            self.text(doc.number, f"{at}remittance.documents[{k}].number", _MAX35, required=True)
            if doc.issued is not None and not isinstance(doc.issued, date):
                self.problem("DATE_FORMAT", "an invoice date must be a date", f"{at}remittance.documents[{k}].issued")
        if remittance.reference:
            self.text(remittance.reference, f"{at}remittance.reference", _MAX35)

        get = extra.get
        self.code(get("creditor_bic", ""), self.bic, "BIC_FORMAT", "BIC for " + self.version, f"{at}creditor_bic")
        clearing_member = instr.payee_bank_code
        clearing_system = get("creditor_clearing_system", "")
        if clearing_member:
            if clearing_system:
                self.code(clearing_system, _CLEARING_SYSTEM, "CODE_FORMAT", "clearing system code (1-5 of A-Z 0-9)",
                          f"{at}creditor_clearing_system")
                self.code(clearing_member, _CLEARING_MEMBER, "BANK_CODE_FORMAT", "clearing member id",
                          f"{at}payee_bank_code")
            elif _CNAPS.fullmatch(clearing_member):
                clearing_system = "CNAPS"
            else:
                self.problem("BANK_CODE_FORMAT", "the payee bank code must be a 12-digit CNAPS code (or set "
                             "extra creditor_clearing_system for another clearing system)", f"{at}payee_bank_code")
        elif clearing_system:
            self.problem("BANK_CODE_FORMAT", "creditor_clearing_system needs a payee bank code", f"{at}payee_bank_code")
        creditor_address = PostalAddress.from_mapping(extra, "creditor_") if extra else None
        self.address(creditor_address, f"{at}creditor")
        debtor = self.debtor(self.settings.debtor, extra, at)

        instruction_id = get("instruction_id", "")
        if instruction_id and not _REFERENCE.fullmatch(instruction_id):
            self.problem("REFERENCE_FORMAT", "instruction_id must be 1-35 of 0-9 A-Z a-z _ - . / :",
                         f"{at}instruction_id")
        charge_bearer = get("charge_bearer", "")
        if charge_bearer and charge_bearer not in CHARGE_BEARERS:
            self.problem("CODE_FORMAT", f"charge_bearer must be one of {', '.join(sorted(CHARGE_BEARERS))}",
                         f"{at}charge_bearer")
        self.code(get("purpose_code", ""), _CODE4, "CODE_FORMAT", "purpose code (1-4 of A-Z 0-9, e.g. SUPP)",
                  f"{at}purpose_code")
        execution_date = self.today
        text_date = get("execution_date", "")
        if text_date:
            try:
                if not _ISO_DATE.fullmatch(text_date):
                    raise ValueError(text_date)
                execution_date = date.fromisoformat(text_date)
            except ValueError:
                self.problem("DATE_FORMAT", f"execution_date {text_date!r} is not a YYYY-MM-DD date",
                             f"{at}execution_date")
            else:
                if execution_date < self.today:
                    self.problem("EXECUTION_DATE", f"the requested execution date {text_date} is in the past",
                                 f"{at}execution_date")
        uetr = get("uetr", "")
        if not self.v09:
            if uetr:
                self.problem("UETR_UNSUPPORTED", "pain.001.001.03 has no UETR field; use pain.001.001.09",
                             f"{at}uetr")
        elif uetr:
            if not _UETR.fullmatch(uetr):
                self.problem("UETR_FORMAT", "the UETR must be a lowercase UUID version 4", f"{at}uetr")
            elif uetr in self.seen_uetrs:
                self.problem("DUPLICATE", "this UETR appears twice in one message", f"{at}uetr")
            self.seen_uetrs.add(uetr)
        if len(self.problems) != before:
            return None
        if self.v09 and not uetr:
            uetr = self.make_uetr()
        return Transfer(instr, uetr, debit_scheme, creditor_scheme, execution_date, debtor, clearing_system,
                        creditor_address)


def settings_problems(settings: InitiationSettings) -> list[Problem]:
    problems = []
    if settings.version not in SUPPORTED_VERSIONS:
        problems.append(Problem("SETTING", f"version {settings.version!r} is not supported; use "
                                f"{' or '.join(SUPPORTED_VERSIONS)}", "settings.version"))
    if settings.charset not in ("unicode", "latin"):
        problems.append(Problem("SETTING", "charset must be 'unicode' or 'latin'", "settings.charset"))
    if settings.charge_bearer and settings.charge_bearer not in CHARGE_BEARERS:
        problems.append(Problem("SETTING", f"charge_bearer must be one of {', '.join(sorted(CHARGE_BEARERS))}",
                                "settings.charge_bearer"))
    if not _MSGID_PREFIX.fullmatch(settings.message_id_prefix):
        problems.append(Problem("SETTING", "message_id_prefix must be at most 8 of A-Z a-z 0-9",
                                "settings.message_id_prefix"))
    if settings.initiating_party:
        problems.extend(check_text(settings.initiating_party, "settings.initiating_party", max_chars=_NAME_MAX))
    return problems


_TEXT_COLUMNS: dict[tuple[int, bool], re.Pattern] = {}


def _text_column(max_chars: int, latin: bool) -> re.Pattern:
    """Pattern for a joined column of texts: each 1..max_chars characters of the fast (or Latin) set and not
    only spaces (a bounded single-class repeat: one linear pass)."""
    pattern = _TEXT_COLUMNS.get((max_chars, latin))
    if pattern is None:
        cls = _LATIN_CLASS if latin else _FAST_CLASS
        item = f"(?=[ ]*[^ \x1f]){cls}{{1,{max_chars}}}"
        pattern = _TEXT_COLUMNS[(max_chars, latin)] = re.compile(f"{item}(?:\x1f{item})*")
    return pattern


def _texts_ok(values: list[str], max_chars: int, required: bool, latin: bool) -> bool:
    """One column of texts plainly acceptable (empty ones allowed unless ``required``): one regex pass over
    the joined column."""
    if not required and "" in values:
        values = list(filter(None, values))
    if not values:
        return True
    joined = _SEPARATOR.join(values)
    return (joined.count(_SEPARATOR) == len(values) - 1
            and _text_column(max_chars, latin).fullmatch(joined) is not None)


_FIRST4 = operator.itemgetter(slice(0, 4))
_REMITTANCE = operator.attrgetter("remittance")
_AFTER4 = operator.itemgetter(slice(4, None))


_ALNUM = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_IBAN_PREFIX = re.compile(r"[A-Z]{2}[0-9]{2}", re.ASCII)


def _ibans_ok(values: list[str]) -> bool:
    """Every value an IBAN with correct MOD-97 check digits, checked with C-level calls: ASCII letters and digits
    only, 5-34 long, a valid country/check-digit prefix, and — for BBANs of digits (the common case) —
    IBAN ≡ 1 (mod 97) ⇔ (BBAN·10⁶ + country digits·100 + check digits) ≡ 1 (mod 97)."""
    joined = _SEPARATOR.join(values)
    if not (joined.isascii() and len(joined.encode("ascii").translate(None, _ALNUM)) == len(values) - 1
            and min(map(len, values)) >= 5 and max(map(len, values)) <= 34):
        return False
    prefixes = list(map(_FIRST4, values))
    distinct = set(prefixes)
    if not all(map(_IBAN_PREFIX.fullmatch, distinct)):
        return False
    bbans = list(map(_AFTER4, values))
    if not all(map(str.isdigit, bbans)):
        return all(map(iban_is_valid, values))
    tails = {p: int(p[:2].translate(_IBAN_LETTERS) + p[2:]) for p in distinct}
    remainders = map(operator.mod, map(operator.add, map(operator.mul, map(int, bbans), itertools.repeat(10 ** 6)),
                                       map(tails.__getitem__, prefixes)), itertools.repeat(97))
    return set(remainders) == {1}


def _column_ok(values: list[str], pattern: re.Pattern) -> bool:
    """Every value of a non-empty column matches ``pattern`` (a joined-column pattern, lengths bounded)."""
    joined = _SEPARATOR.join(values)
    return joined.count(_SEPARATOR) == len(values) - 1 and pattern.fullmatch(joined) is not None


def _joined(pattern: re.Pattern) -> re.Pattern:
    return re.compile(f"(?:{pattern.pattern})(?:\x1f(?:{pattern.pattern}))*", pattern.flags)


_REFERENCE_COLUMN = _joined(_REFERENCE)
_EXTRA_PATTERNS = {"instruction_id": _REFERENCE, "purpose_code": _CODE4,
                   "charge_bearer": re.compile("DEBT|CRED|SHAR|SLEV")}


def _all_or_none(column: list[str]) -> bool | None:
    """True: every value filled; False: none; None: some."""
    empty = column.count("")
    return True if not empty else (False if empty == len(column) else None)


def _by_columns(checker: _Checker, instructions: Sequence[PaymentInstruction], message_id: str,
                make_uetrs: Callable[[int], list[str]]) -> list[PaymentGroup] | None:
    """Every instruction plainly valid and all in one PmtInf, checked column by column with C-level calls;
    None as soon as anything needs a closer look (the per-payment check then names every problem)."""
    n = len(instructions)
    first = instructions[0]
    debit, urgent, currency = first.debit_account, first.urgent, first.currency
    if ([i.debit_account for i in instructions].count(debit) != n or [i.urgent for i in instructions].count(urgent) != n
            or [i.currency for i in instructions].count(currency) != n):
        return None
    debit_scheme = _quick_scheme(debit)
    if not debit_scheme or not _CURRENCY.fullmatch(currency):
        return None
    refs = [i.client_reference for i in instructions]
    if len(set(refs)) != n or not _column_ok(refs, _REFERENCE_COLUMN):
        return None
    amounts = [i.amount_minor for i in instructions]
    if not (min(amounts) > 0 and max(amounts) < _AMOUNT_LIMIT and sum(amounts) < _AMOUNT_LIMIT):
        return None
    if list(map(_REMITTANCE, instructions)).count(EMPTY_REMITTANCE) != n:
        return None             # structured remittance: the per-payment check and writer
    latin = checker.latin
    purposes = [i.purpose for i in instructions]
    bank_names = [i.payee_bank_name for i in instructions]
    if not (_texts_ok([i.payee_name for i in instructions], _NAME_MAX, True, latin)
            and _texts_ok(purposes, _USTRD_MAX, False, latin) and _texts_ok(bank_names, _NAME_MAX, False, latin)):
        return None
    payees = [i.payee_account for i in instructions]
    if debit in payees:
        return None
    if all(map(str.isdigit, payees)) and all(map(str.isascii, payees)) and max(map(len, payees)) <= 34:
        schemes = ["Othr"] * n
    elif _ibans_ok(payees):
        schemes = ["IBAN"] * n
    else:
        schemes = list(map(_quick_scheme, payees))
        if not all(schemes):
            return None
    codes = [i.payee_bank_code for i in instructions]
    if any(codes):
        if not all(map(_CNAPS.fullmatch, set(filter(None, codes)))):  # few distinct bank codes
            return None
        clearing = ["CNAPS" if c else "" for c in codes]
    else:
        clearing = [""] * n
    extras = [i.extra for i in instructions if i.extra]
    present: dict[str, bool | None] = dict.fromkeys(_FAST_EXTRAS, False)  # None: some have it, some not
    if extras:
        keys = set().union(*extras)
        if "uetr" in keys or not _FAST_EXTRAS.issuperset(keys):
            return None
        for key in keys:
            pattern = checker.bic if key == "creditor_bic" else _EXTRA_PATTERNS[key]
            column = [e[key] for e in extras if key in e]
            distinct = set(column)  # BICs and codes repeat: check each once
            distinct.discard("")
            if not all(map(pattern.fullmatch, distinct)):
                return None
            filled = len(column) - column.count("")
            present[key] = True if filled == n else (False if not filled else None)
    uetrs = make_uetrs(n) if checker.v09 else [""] * n
    shape = None
    flags = (present["instruction_id"], present["charge_bearer"], present["creditor_bic"],
             _all_or_none(codes), _all_or_none(bank_names), present["purpose_code"], _all_or_none(purposes))
    if None not in flags and schemes.count(schemes[0]) == n:
        shape = _Shape(flags[0], checker.v09, flags[1], flags[2], flags[3], flags[4], (), schemes[0] == "IBAN",
                       flags[5], flags[6])
    return [PaymentGroup(f"{message_id}-1", debit, debit_scheme, checker.today, urgent, currency,
                         checker.default_debtor, list(instructions), uetrs, schemes, clearing, [None] * n, shape)]


def group_transfers(transfers: Sequence[Transfer], message_id: str) -> list[PaymentGroup]:
    """One PmtInf per (debit account, execution date, urgency, currency, debtor), in order of first appearance."""
    groups: dict[tuple, PaymentGroup] = {}
    for t in transfers:
        instr = t.instruction
        key = (instr.debit_account, t.execution_date, instr.urgent, instr.currency, id(t.debtor))
        group = groups.get(key)
        if group is None:
            group = groups[key] = PaymentGroup(f"{message_id}-{len(groups) + 1}", instr.debit_account,
                                               t.debit_scheme, t.execution_date, instr.urgent, instr.currency,
                                               t.debtor)
        group.instructions.append(instr)
        group.uetrs.append(t.uetr)
        group.creditor_schemes.append(t.creditor_scheme)
        group.clearing_systems.append(t.clearing_system)
        group.creditor_addresses.append(t.creditor_address)
    return list(groups.values())


def prepare_groups(instructions: Sequence[PaymentInstruction], settings: InitiationSettings, message_id: str, *,
                   today: date | None = None, make_uetrs: Callable[[int], list[str]] = new_uetrs,
                   max_batch_size: int | None = None) -> list[PaymentGroup]:
    """Validate everything (ValidationFailed lists every problem), generate UETRs once, group into PmtInf."""
    problems = settings_problems(settings)
    if problems:
        raise ValidationFailed(problems)
    checker = _Checker(settings, today or datetime.now(UTC).date(), lambda: make_uetrs(1)[0])
    if not instructions:
        checker.problem("BATCH_EMPTY", "a payment file needs at least one payment", None)
    if max_batch_size is not None and len(instructions) > max_batch_size:
        checker.problem("BATCH_SIZE", f"at most {max_batch_size} payments per submission; this one has "
                        f"{len(instructions)}", None)
    if not checker.problems:
        groups = _by_columns(checker, instructions, message_id, make_uetrs)
        if groups is not None:
            return groups
    transfers: list[Transfer] = []
    refs: set[str] = set()
    fast, full, append, add = checker.fast, checker.full, transfers.append, refs.add
    for n, instr in enumerate(instructions):
        ref = instr.client_reference
        if ref in refs:
            checker.problem("DUPLICATE", "this client reference appears twice in one submission",
                            f"{ref}.client_reference")
        add(ref)
        transfer = fast(instr) or full(n, instr)
        if transfer is not None:
            append(transfer)
    groups = group_transfers(transfers, message_id)
    if not checker.problems:
        for group in groups:
            if group.amount_minor >= _AMOUNT_LIMIT:
                checker.problem("AMOUNT_TOO_LARGE", f"the total of {group.payment_information_id} has more than "
                                "18 digits", None)
    if any(p.is_error for p in checker.problems):
        raise ValidationFailed(checker.problems)
    return groups


def message_control_sum(groups: Sequence[PaymentGroup]) -> str:
    by_currency: dict[str, int] = {}
    for g in groups:
        by_currency[g.currency] = by_currency.get(g.currency, 0) + g.amount_minor
    return control_sum(by_currency)


# ---------------------------------------------------------------------------------------------------------
# Writing

_SubElement = etree.SubElement
_Element = etree.Element


def _leaf(parent: etree._Element, tag: str, text: str) -> etree._Element:
    el = _SubElement(parent, tag)
    el.text = text
    return el


def _address(parent: etree._Element, address: PostalAddress) -> list[etree._Element]:
    adr = _SubElement(parent, "PstlAdr")
    return [_leaf(adr, tag, value) for tag, value in address.items()]


def _account(parent: etree._Element, tag: str, scheme: str, value: str) -> etree._Element:
    ident = _SubElement(_SubElement(parent, tag), "Id")
    if scheme == "IBAN":
        return _leaf(ident, "IBAN", value)
    return _leaf(_SubElement(ident, "Othr"), "Id", value)


class _Shape(NamedTuple):
    """Which optional elements one transaction has (one reusable template per shape)."""

    instruction_id: bool
    uetr: bool
    charge_bearer: bool
    bic: bool
    clearing: bool
    agent_name: bool
    address: tuple[str, ...]  # tags of the PstlAdr fields present
    iban: bool
    purpose_code: bool
    remittance: bool
    structured: tuple = ()  # (per invoice: has a date, ..., has a reference) — RmtInf/Strd; () when none


class _Template:
    """A CdtTrfTxInf element tree for one shape; :meth:`fill` sets the leaf texts of one payment."""

    def __init__(self, shape: _Shape, bic_tag: str):
        self.shape = shape
        sub = _SubElement
        self.root = tx = _Element("CdtTrfTxInf")
        pmt_id = sub(tx, "PmtId")
        self.instruction_id = sub(pmt_id, "InstrId") if shape.instruction_id else None
        self.end_to_end_id = sub(pmt_id, "EndToEndId")
        self.uetr = sub(pmt_id, "UETR") if shape.uetr else None
        self.amount = sub(sub(tx, "Amt"), "InstdAmt")
        self.charge_bearer = sub(tx, "ChrgBr") if shape.charge_bearer else None
        self.bic = self.clearing_system = self.clearing_member = self.agent_name = None
        if shape.bic or shape.clearing or shape.agent_name:
            fin = sub(sub(tx, "CdtrAgt"), "FinInstnId")
            if shape.bic:
                self.bic = sub(fin, bic_tag)
            if shape.clearing:
                member = sub(fin, "ClrSysMmbId")
                self.clearing_system = sub(sub(member, "ClrSysId"), "Cd")
                self.clearing_member = sub(member, "MmbId")
            if shape.agent_name:
                self.agent_name = sub(fin, "Nm")
        creditor = sub(tx, "Cdtr")
        self.name = sub(creditor, "Nm")
        self.address: list[etree._Element] = []
        if shape.address:
            adr = sub(creditor, "PstlAdr")
            self.address = [sub(adr, tag) for tag in shape.address]
        ident = sub(sub(tx, "CdtrAcct"), "Id")
        self.account = sub(ident, "IBAN") if shape.iban else sub(sub(ident, "Othr"), "Id")
        self.purpose_code = sub(sub(tx, "Purp"), "Cd") if shape.purpose_code else None
        self.remittance = None
        self.document_numbers: list[etree._Element] = []
        self.document_dates: list[etree._Element | None] = []
        self.creditor_reference = None
        if shape.remittance or shape.structured:
            rmt = sub(tx, "RmtInf")
            self.remittance = sub(rmt, "Ustrd") if shape.remittance else None
            if shape.structured:
                *dated, has_reference = shape.structured
                strd = sub(rmt, "Strd")
                for has_date in dated:
                    doc = sub(strd, "RfrdDocInf")
                    sub(sub(sub(doc, "Tp"), "CdOrPrtry"), "Cd").text = DOCUMENT_TYPE_INVOICE
                    self.document_numbers.append(sub(doc, "Nb"))
                    self.document_dates.append(sub(doc, "RltdDt") if has_date else None)
                if has_reference:
                    self.creditor_reference = sub(sub(strd, "CdtrRefInf"), "Ref")


def _shape(instr: PaymentInstruction, uetr: str, scheme: str, address: PostalAddress | None) -> _Shape:
    extra = instr.extra
    remittance = instr.remittance
    structured = ((*(d.issued is not None for d in remittance.documents), bool(remittance.reference))
                  if remittance else ())
    return _Shape(bool(extra.get("instruction_id")), bool(uetr), bool(extra.get("charge_bearer")),
                  bool(extra.get("creditor_bic")), bool(instr.payee_bank_code), bool(instr.payee_bank_name),
                  tuple(tag for tag, _ in address.items()) if address is not None else (), scheme == "IBAN",
                  bool(extra.get("purpose_code")), bool(instr.purpose), structured)


def _uniform_shape(group: PaymentGroup) -> _Shape | None:
    """The one shape of every transaction of the group, or None when they differ (checked by columns)."""
    instructions = group.instructions
    if any(i.remittance for i in instructions):
        return None
    extras = [i.extra for i in instructions]
    flags = []
    for column in ([e.get("instruction_id") for e in extras], group.uetrs, [e.get("charge_bearer") for e in extras],
                   [e.get("creditor_bic") for e in extras], [i.payee_bank_code for i in instructions],
                   [i.payee_bank_name for i in instructions]):
        present = any(column)
        if present and not all(column):
            return None
        flags.append(present)
    if any(a is not None for a in group.creditor_addresses):
        return None
    iban = group.creditor_schemes[0] == "IBAN"
    if not all(s == group.creditor_schemes[0] for s in group.creditor_schemes):
        return None
    tail = []
    for column in ([e.get("purpose_code") for e in extras], [i.purpose for i in instructions]):
        present = any(column)
        if present and not all(column):
            return None
        tail.append(present)
    return _Shape(*flags, (), iban, *tail)


def _fill(write: Callable[[etree._Element], None], t: _Template, rows: Iterable[tuple], exponent: int) -> None:
    """Set the leaf texts of ``t`` for each row (instruction, uetr, clearing system, address) and write it."""
    instruction_id, end_to_end_id, uetr_el, amount, charge_bearer = (
        t.instruction_id, t.end_to_end_id, t.uetr, t.amount, t.charge_bearer)
    bic, clearing_system, clearing_member, agent_name = t.bic, t.clearing_system, t.clearing_member, t.agent_name
    name, address_els, account, purpose_code, remittance, root = (
        t.name, t.address, t.account, t.purpose_code, t.remittance, t.root)
    scale = 10 ** exponent
    for instr, uetr, clearing, address in rows:
        extra = instr.extra
        if instruction_id is not None:
            instruction_id.text = extra["instruction_id"]
        end_to_end_id.text = instr.client_reference
        if uetr_el is not None:
            uetr_el.text = uetr
        if exponent == 2:
            amount_minor = instr.amount_minor
            amount.text = f"{amount_minor // 100}.{amount_minor % 100:02d}"
        else:
            major, minor = divmod(instr.amount_minor, scale)
            amount.text = f"{major}.{minor:0{exponent}d}" if exponent else str(major)
        if charge_bearer is not None:
            charge_bearer.text = extra["charge_bearer"]
        if bic is not None:
            bic.text = extra["creditor_bic"]
        if clearing_member is not None:
            clearing_system.text = clearing
            clearing_member.text = instr.payee_bank_code
        if agent_name is not None:
            agent_name.text = instr.payee_bank_name
        name.text = instr.payee_name
        if address_els:
            for el, (_, value) in zip(address_els, address.items(), strict=True):
                el.text = value
        account.text = instr.payee_account
        if purpose_code is not None:
            purpose_code.text = extra["purpose_code"]
        if remittance is not None:
            remittance.text = instr.purpose
        if t.document_numbers or t.creditor_reference is not None:
            structured = instr.remittance
            for doc, number_el, date_el in zip(structured.documents, t.document_numbers, t.document_dates,
                                               strict=True):
                number_el.text = doc.number
                if date_el is not None:
                    date_el.text = doc.issued.isoformat()
            if t.creditor_reference is not None:
                t.creditor_reference.text = structured.reference
        write(root)


_FILL_CACHE: dict[tuple[_Shape, int], Callable] = {}


def _specialised_fill(shape: _Shape, exponent: int) -> Callable:
    """A fill loop compiled for one shape: only the statements for the elements present, no per-payment
    branching (the loop of a 100,000-payment group runs as fast as a hand-written writer)."""
    key = (shape, exponent)
    fill = _FILL_CACHE.get(key)
    if fill is not None:
        return fill
    if exponent == 2:
        amount = 'amount.text = f"{instr.amount_minor // 100}.{instr.amount_minor % 100:02d}"'
    else:
        amount = "amount.text = _format_amount(instr.amount_minor, exponent)"
    body = [
        "extra = instr.extra" if shape.instruction_id or shape.charge_bearer or shape.bic or shape.purpose_code
        else "",
        'instruction_id.text = extra["instruction_id"]' if shape.instruction_id else "",
        "end_to_end_id.text = instr.client_reference",
        "uetr_el.text = uetr" if shape.uetr else "",
        amount,
        'charge_bearer.text = extra["charge_bearer"]' if shape.charge_bearer else "",
        'bic.text = extra["creditor_bic"]' if shape.bic else "",
        "clearing_system.text = clearing" if shape.clearing else "",
        "clearing_member.text = instr.payee_bank_code" if shape.clearing else "",
        "agent_name.text = instr.payee_bank_name" if shape.agent_name else "",
        "name.text = instr.payee_name",
        "for el, (_, value) in zip(address_els, address.items()):\n            el.text = value"
        if shape.address else "",
        "account.text = instr.payee_account",
        'purpose_code.text = extra["purpose_code"]' if shape.purpose_code else "",
        "remittance.text = instr.purpose" if shape.remittance else "",
        "write(root)",
    ]
    source = ("def fill(write, t, rows, exponent):\n"
              "    instruction_id, end_to_end_id, uetr_el, amount, charge_bearer = (\n"
              "        t.instruction_id, t.end_to_end_id, t.uetr, t.amount, t.charge_bearer)\n"
              "    bic, clearing_system, clearing_member, agent_name = (\n"
              "        t.bic, t.clearing_system, t.clearing_member, t.agent_name)\n"
              "    name, address_els, account, purpose_code, remittance, root = (\n"
              "        t.name, t.address, t.account, t.purpose_code, t.remittance, t.root)\n"
              "    for instr, uetr, clearing, address in rows:\n"
              + "".join(f"        {line}\n" for line in body if line))
    namespace_: dict = {"_format_amount": format_amount}
    exec(compile(source, f"<pain001 fill {shape}>", "exec"), namespace_)  # noqa: S102 - generated from a fixed table
    fill = _FILL_CACHE[key] = namespace_["fill"]
    return fill


def _write_transactions(write: Callable[[etree._Element], None], group: PaymentGroup, bic_tag: str) -> None:
    exponent = currency_exponent(group.currency)
    rows = zip(group.instructions, group.uetrs, group.clearing_systems, group.creditor_addresses, strict=True)
    uniform = group.shape or _uniform_shape(group)
    if uniform is not None:
        template = _Template(uniform, bic_tag)
        template.amount.set("Ccy", group.currency)
        _specialised_fill(uniform, exponent)(write, template, rows, exponent)
        return
    templates: dict[_Shape, _Template] = {}
    for row, scheme in zip(rows, group.creditor_schemes, strict=True):
        shape = _shape(row[0], row[1], scheme, row[3])
        template = templates.get(shape)
        if template is None:
            template = templates[shape] = _Template(shape, bic_tag)
            template.amount.set("Ccy", group.currency)
        _fill(write, template, (row,), exponent)


def _payment_information_header(group: PaymentGroup, header: MessageHeader, v09: bool,
                                bic_tag: str) -> list[etree._Element]:
    root = _Element("PmtInf")  # scratch parent; its children are written one by one
    _leaf(root, "PmtInfId", group.payment_information_id)
    _leaf(root, "PmtMtd", "TRF")
    _leaf(root, "NbOfTxs", str(len(group.instructions)))
    _leaf(root, "CtrlSum", group.control_sum)
    _leaf(_SubElement(root, "PmtTpInf"), "InstrPrty", "HIGH" if group.urgent else "NORM")
    if v09:
        _leaf(_SubElement(root, "ReqdExctnDt"), "Dt", group.execution_date.isoformat())
    else:
        _leaf(root, "ReqdExctnDt", group.execution_date.isoformat())
    debtor = _SubElement(root, "Dbtr")
    _leaf(debtor, "Nm", group.debtor.name)
    if group.debtor.address is not None:
        _address(debtor, group.debtor.address)
    _account(root, "DbtrAcct", group.debit_scheme, group.debit_account)
    fin = _SubElement(_SubElement(root, "DbtrAgt"), "FinInstnId")
    if group.debtor.bic:
        _leaf(fin, bic_tag, group.debtor.bic)
    else:
        _leaf(_SubElement(fin, "Othr"), "Id", "NOTPROVIDED")
    if header.charge_bearer:
        _leaf(root, "ChrgBr", header.charge_bearer)
    return list(root)


def write_pain001(out: str | IO[bytes], groups: Sequence[PaymentGroup], header: MessageHeader) -> None:
    """Stream the document to a path or binary file object (UTF-8, XML declaration, ISO namespace)."""
    v09 = header.version == VERSION_09
    bic_tag = "BICFI" if v09 else "BIC"
    count = sum(len(g.instructions) for g in groups)
    created = header.created_at.astimezone(UTC).replace(microsecond=0).isoformat()
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("Document", nsmap={None: namespace(header.version)}), xf.element("CstmrCdtTrfInitn"):
            grp = _Element("GrpHdr")
            _leaf(grp, "MsgId", header.message_id)
            _leaf(grp, "CreDtTm", created)
            _leaf(grp, "NbOfTxs", str(count))
            _leaf(grp, "CtrlSum", message_control_sum(groups))
            _leaf(_SubElement(grp, "InitgPty"), "Nm", header.initiating_party)
            xf.write(grp)
            for group in groups:
                with xf.element("PmtInf"):
                    for el in _payment_information_header(group, header, v09, bic_tag):
                        xf.write(el)
                    _write_transactions(xf.write, group, bic_tag)


@dataclass(frozen=True)
class BuiltMessage:
    body: bytes
    header: MessageHeader
    groups: list[PaymentGroup]

    def uetr_of(self, client_reference: str) -> str:
        for g in self.groups:
            for instr, uetr in zip(g.instructions, g.uetrs, strict=True):
                if instr.client_reference == client_reference:
                    return uetr
        raise KeyError(client_reference)


def prepare_message(instructions: Sequence[PaymentInstruction], settings: InitiationSettings, *,
                    message_id: str | None = None, created_at: datetime | None = None,
                    today: date | None = None, make_uetrs: Callable[[int], list[str]] = new_uetrs,
                    max_batch_size: int | None = None) -> tuple[MessageHeader, list[PaymentGroup]]:
    """Validate and group; the header carries a fresh MsgId unless one is given."""
    created_at = created_at or datetime.now(UTC)
    message_id = message_id or new_message_id(settings.message_id_prefix, created_at)
    groups = prepare_groups(instructions, settings, message_id, today=today or created_at.astimezone(UTC).date(),
                            make_uetrs=make_uetrs, max_batch_size=max_batch_size)
    header = MessageHeader(message_id, created_at, settings.initiating_party or groups[0].debtor.name,
                           settings.version, settings.charge_bearer)
    return header, groups


def build_pain001(instructions: Sequence[PaymentInstruction], settings: InitiationSettings, **kwargs) -> BuiltMessage:
    """Validate, group and write to bytes (see :func:`prepare_message` for the keyword arguments)."""
    header, groups = prepare_message(instructions, settings, **kwargs)
    buffer = io.BytesIO()
    write_pain001(buffer, groups, header)
    return BuiltMessage(buffer.getvalue(), header, groups)
