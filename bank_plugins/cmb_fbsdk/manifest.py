"""Manifest of the CMB FBSDK plugin. The id ``cmb_fbsdk`` is stable forever (stored in connection profiles)."""

from __future__ import annotations

from app.ports.bank import API_VERSION, Capability, PluginLimits, PluginManifest

PLUGIN_ID = "cmb_fbsdk"
MAX_BATCH_SIZE = 50
STATUS_LIST_MAX_DAYS = 31  # NTQRYSTN: BGNDAT..ENDDAT at most this many days (inclusive)

# DCOPDPAYX field limits in GBK bytes (YURREF C(30) etc.; the sandbox dialect's table in PROTOCOL.md).
FIELD_BYTE_LENGTHS: dict[str, int] = {
    "YURREF": 30,
    "DBTACC": 35,
    "CRTACC": 35,
    "CRTNAM": 200,
    "CRTBNK": 62,
    "CRTADR": 62,
    "NUSAGE": 62,
    "DBTBBK": 2,
    "BNKFLG": 1,
    "STLCHN": 1,
    "TRSAMT": 18,
    "CCYNBR": 2,
}

MANIFEST = PluginManifest(
    id=PLUGIN_ID,
    bank="CMB 招商银行",
    protocol="FBSDK XML (CMBSDKPGK) over HTTPS",
    version="1.0.0",
    api_version=API_VERSION,
    capabilities=frozenset({
        Capability.SINGLE_PAYMENT,
        Capability.BATCH_PAYMENT,
        Capability.STATUS_QUERY,
        Capability.STATUS_LIST,
        Capability.BALANCE,
        Capability.TRANSACTION_DETAILS,
        Capability.E_RECEIPTS,
    }),
    limits=PluginLimits(
        max_batch_size=MAX_BATCH_SIZE,
        min_query_interval_s=10.0,
        quiet_hours=(("23:55", "00:05"),),
        settle_lag_s=300,
        status_list_resumable=True,   # NTQRYSTN's CTNKEY: continue after that REQNBR (records in REQNBR order)
        encoding="gbk",
        field_byte_lengths=FIELD_BYTE_LENGTHS,
        max_accounts_per_balance_query=50,
        max_rows_per_page=200,
    ),
    description="China Merchants Bank direct connect (FBSDK front-end dialect); also speaks to the sandbox bank.",
)
