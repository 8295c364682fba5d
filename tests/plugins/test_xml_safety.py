"""Hostile XML is refused quickly: billion laughs, external entities, DTDs, oversize, UTF-16."""

from __future__ import annotations

import time

import pytest

from bank_plugins.cmb_fbsdk.envelope import CmbFormatError, parse_message
from bank_plugins.xml_safety import UnsafeXml, parse_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<CMBSDKPGK><INFO><FUNNAM>&lol9;</FUNNAM></INFO></CMBSDKPGK>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<CMBSDKPGK><INFO><FUNNAM>&x;</FUNNAM></INFO></CMBSDKPGK>"""
XXE_PARAM = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]><r/>"""
SPACED_DOCTYPE = b"""<?xml version="1.0"?><!doctype r SYSTEM "http://127.0.0.1:9/x.dtd"><r/>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE, XXE_PARAM, SPACED_DOCTYPE],
                         ids=["billion-laughs", "xxe", "parameter-entity", "doctype"])
def test_hostile_xml_is_refused_fast(data):
    started = time.perf_counter()
    with pytest.raises(UnsafeXml) as info:
        parse_xml(data)
    assert info.value.code == "FILE_XML"
    with pytest.raises(CmbFormatError):
        parse_message(data)
    assert time.perf_counter() - started < 0.2


def test_size_cap_is_checked_before_parsing():
    started = time.perf_counter()
    with pytest.raises(UnsafeXml) as info:
        parse_xml(b"<r>" + b"a" * 5_000_000 + b"</r>", max_bytes=1_000_000)
    assert info.value.code == "FILE_SIZE"
    assert time.perf_counter() - started < 0.2


def test_utf16_empty_and_malformed_are_refused():
    for data in ["<r/>".encode("utf-16"), b"", b"   ", b"<r><a></r>", b"<CMBSDKPGK><INFO>"]:
        with pytest.raises(UnsafeXml):
            parse_xml(data)


def test_gbk_document_parses_to_text():
    root = parse_xml('<?xml version="1.0" encoding="GBK"?><r>收款公司</r>'.encode("gbk"))
    assert root.text == "收款公司"


def test_envelope_shape_errors():
    with pytest.raises(CmbFormatError):
        parse_message(b"<OTHER><INFO><FUNNAM>x</FUNNAM></INFO></OTHER>")
    with pytest.raises(CmbFormatError):
        parse_message(b"<CMBSDKPGK><A><B/></A></CMBSDKPGK>")  # no INFO
    with pytest.raises(CmbFormatError):
        parse_message(b"<CMBSDKPGK><INFO><FUNNAM>x</FUNNAM></INFO><A><B><C/></B></A></CMBSDKPGK>")  # nested
