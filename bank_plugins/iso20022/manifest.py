"""Manifest of the ISO 20022 plugin. The id ``iso20022`` is stable forever (stored in connection profiles).

Text limits in ISO 20022 are XSD ``maxLength`` facets and count *characters* (Unicode code points), not bytes:
:data:`FIELD_CHAR_LENGTHS` lists the ones the writer checks. :data:`FIELD_BYTE_LENGTHS` (the manifest's
``field_byte_lengths``) lists the identifier fields, which the writer restricts to ASCII, so that characters and
UTF-8 bytes are the same there.
"""

from __future__ import annotations

from app.ports.bank import API_VERSION, Capability, PluginLimits, PluginManifest

PLUGIN_ID = "iso20022"
MAX_BATCH_SIZE = 1000

# ASCII-only identifiers (characters = UTF-8 bytes).
FIELD_BYTE_LENGTHS: dict[str, int] = {
    "MsgId": 35,
    "PmtInfId": 35,
    "InstrId": 35,
    "EndToEndId": 35,
    "UETR": 36,
    "IBAN": 34,
    "Othr/Id": 34,
    "BICFI": 11,
    "ClrSysMmbId/MmbId": 35,
    "Ccy": 3,
    "Purp/Cd": 4,
}

# Free-text fields, in characters (Max140Text etc. in pain.001.001.09 and .03).
FIELD_CHAR_LENGTHS: dict[str, int] = {
    "Nm": 140,
    "Ustrd": 140,
    "StrtNm": 70,
    "BldgNb": 16,
    "PstCd": 16,
    "TwnNm": 35,
    "CtrySubDvsn": 35,
    "AdrLine": 70,
}

MANIFEST = PluginManifest(
    id=PLUGIN_ID,
    bank="ISO 20022 (international banks, CIPS, EBICS payloads)",
    protocol="pain.001.001.09 / pain.002 / camt.052-054 over HTTPS",
    version="1.0.0",
    api_version=API_VERSION,
    capabilities=frozenset({
        Capability.SINGLE_PAYMENT,
        Capability.BATCH_PAYMENT,
        Capability.STATUS_QUERY,
        Capability.BALANCE,
        Capability.TRANSACTION_DETAILS,
        Capability.E_RECEIPTS,
    }),
    limits=PluginLimits(
        max_batch_size=MAX_BATCH_SIZE,
        min_query_interval_s=1.0,
        settle_lag_s=120,
        encoding="utf-8",
        field_byte_lengths=FIELD_BYTE_LENGTHS,
        max_accounts_per_balance_query=1,
        max_rows_per_page=1000,
    ),
    description="Customer credit transfers as pain.001.001.09 (or .03), status reports as pain.002, balances and "
                "statements as camt.052/053, debit notifications (e-receipts) as camt.054.",
)
