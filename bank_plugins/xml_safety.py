"""Hardened XML parsing for everything that comes from a bank (RELIABILITY.md §3).

* size cap *before* parsing;
* no DOCTYPE at all (so no entity definitions, no billion laughs, no external entities, no DTD fetch);
* lxml with ``resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False``;
* UTF-16/UTF-32 documents are refused (the DOCTYPE check works on ASCII-compatible bytes; no bank dialect we
  speak uses them).

Raises :class:`UnsafeXml` (a ``ValueError`` with ``code`` FILE_SIZE or FILE_XML); callers decide whether that
is a refused input file or an unparsable bank answer (which, for a payment, means UNKNOWN).

Lives in ``bank_plugins`` (not ``app.adapters``) because plugins must not import adapters.
"""

from __future__ import annotations

import re

from lxml import etree

DEFAULT_MAX_BYTES = 4 * 1024 * 1024

FILE_SIZE = "FILE_SIZE"
FILE_XML = "FILE_XML"

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")


class UnsafeXml(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted XML bytes and return the root element, or raise :class:`UnsafeXml`."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse_xml takes bytes (the exact bytes received)")
    data = bytes(data)
    if len(data) > max_bytes:
        raise UnsafeXml(FILE_SIZE, f"the XML document is {len(data)} bytes, more than the limit of {max_bytes}")
    if not data.strip():
        raise UnsafeXml(FILE_XML, "the XML document is empty")
    if data.startswith(_WIDE_BOMS) or (len(data) > 1 and (data[0] == 0 or data[1] == 0)):
        raise UnsafeXml(FILE_XML, "UTF-16/UTF-32 XML is not accepted")
    if _DOCTYPE.search(data):
        raise UnsafeXml(FILE_XML, "the XML document contains a DOCTYPE or entity declaration, which is refused")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(FILE_XML, f"malformed XML: {exc}") from None
    except ValueError as exc:  # e.g. an unsupported encoding declaration
        raise UnsafeXml(FILE_XML, f"unreadable XML: {exc}") from None
    if root is None:
        raise UnsafeXml(FILE_XML, "the XML document has no root element")
    tree = root.getroottree()
    if tree.docinfo.doctype:
        raise UnsafeXml(FILE_XML, "the XML document has a DOCTYPE, which is refused")
    for _ in root.iter(etree.Entity):   # entity references only (filtered in C, not node by node in Python)
        raise UnsafeXml(FILE_XML, "the XML document references an entity, which is refused")
    return root
