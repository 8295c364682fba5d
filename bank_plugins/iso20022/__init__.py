"""ISO 20022 bank plugin (``iso20022``): pain.001 out, pain.002 in, camt.052/053/054 statements.

Modules: :mod:`.manifest` (id, limits), :mod:`.pain001` (streaming pain.001.001.09/.03 writer with validation),
:mod:`.pain002` (hardened, lenient pain.002 reader), :mod:`.status` (ISO status → unified status),
:mod:`.connector` (the BankConnector against a bank's ISO 20022 channel, e.g. the sandbox bank's second
dialect), ``camt`` and ``mt940`` (statement readers).
"""
