"""The sandbox bank: an independent HTTPS bank server used by the demo, the tests and plugin developers.

It is an *outside party*: it imports nothing from app/, storage/, ui/ or bank_plugins/.
Layout: ``ledger`` (SQLite state), ``engine`` (payment processing rules), ``dialects.cmb`` (the CMB-style
XML wire format), ``faults`` (reproducible fault injection), ``server`` (mutual-TLS HTTPS), ``cli``.
"""
