"""The CMB FBSDK envelope: ``<CMBSDKPGK><INFO>…</INFO><BLOCK>flat fields</BLOCK>…</CMBSDKPGK>``.

Every real message (the 50 samples) is flat: the root holds ``INFO`` and named blocks whose children are
leaf fields. :class:`CmbMessage` keeps them in order (a block name can repeat: one per record).
:func:`parse_message` goes through the hardened parser; :func:`build_message` writes GBK on the wire and
refuses characters GBK cannot carry (never ``?`` or ``&#…;`` in their place).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from app.domain.errors import Problem, ValidationFailed
from bank_plugins.xml_safety import UnsafeXml, parse_xml

ROOT = "CMBSDKPGK"
WIRE_ENCODING = "gbk"
MAX_ANSWER_BYTES = 16 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")   # control characters other than tab, LF and CR


class CmbFormatError(ValueError):
    """A bank message that is not a well-formed CMB envelope. ``code`` is FILE_XML, FILE_SIZE or CMB_FORMAT."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class CmbMessage:
    info: dict[str, str]
    blocks: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    @property
    def funnam(self) -> str:
        return self.info.get("FUNNAM", "")

    @property
    def retcod(self) -> str:
        return self.info.get("RETCOD", "")

    @property
    def errmsg(self) -> str:
        return self.info.get("ERRMSG", "")

    def records(self, tag: str) -> list[dict[str, str]]:
        return [fields for name, fields in self.blocks if name == tag]

    def first(self, tag: str) -> dict[str, str] | None:
        found = self.records(tag)
        return found[0] if found else None


def parse_message(data: bytes, *, max_bytes: int = MAX_ANSWER_BYTES) -> CmbMessage:
    try:
        root = parse_xml(data, max_bytes=max_bytes)
    except UnsafeXml as exc:
        raise CmbFormatError(exc.code, exc.message) from None
    if root.tag != ROOT:
        raise CmbFormatError("CMB_FORMAT", f"the root element is <{root.tag}>, expected <{ROOT}>")
    info: dict[str, str] | None = None
    blocks: list[tuple[str, dict[str, str]]] = []
    for block in root:
        if not isinstance(block.tag, str):
            continue
        fields: dict[str, str] = {}
        for leaf in block:
            if not isinstance(leaf.tag, str):
                continue
            if len(leaf):
                raise CmbFormatError("CMB_FORMAT", f"<{block.tag}><{leaf.tag}> is nested; CMB fields are flat")
            if leaf.tag in fields:
                raise CmbFormatError("CMB_FORMAT", f"<{block.tag}> repeats the field <{leaf.tag}>")
            fields[leaf.tag] = leaf.text or ""
        if block.tag == "INFO":
            if info is not None:
                raise CmbFormatError("CMB_FORMAT", "the message has two <INFO> blocks")
            info = fields
        else:
            blocks.append((block.tag, fields))
    if info is None:
        raise CmbFormatError("CMB_FORMAT", "the message has no <INFO> block")
    if not info.get("FUNNAM"):
        raise CmbFormatError("CMB_FORMAT", "the message has no <FUNNAM>")
    return CmbMessage(info, blocks)


def _encode_check(tag: str, value: str, problems: list[Problem]) -> None:
    try:
        value.encode(WIRE_ENCODING)
    except UnicodeEncodeError as exc:
        bad = value[exc.start:exc.end]
        problems.append(Problem("TEXT_ENCODING", f"{bad!r} cannot be sent in GBK", tag,
                                params={"code_point": f"U+{ord(bad[0]):04X}"}))
    if _CONTROL.search(value):  # one regex scan, not a Python loop per character (50 payments × 12 fields)
        problems.append(Problem("TEXT_CHARSET", "control characters cannot be sent", tag))


def build_message(message: CmbMessage) -> bytes:
    """Serialise to GBK bytes. Raises ValidationFailed (TEXT_ENCODING/TEXT_CHARSET) with every problem."""
    problems: list[Problem] = []
    parts = ['<?xml version="1.0" encoding="GBK"?>', f"<{ROOT}>"]
    for name, fields in [("INFO", message.info), *message.blocks]:
        parts.append(f"<{name}>")
        for tag, value in fields.items():
            _encode_check(tag, value, problems)
            parts.append(f"<{tag}>{escape(value)}</{tag}>" if value else f"<{tag}></{tag}>")
        parts.append(f"</{name}>")
    parts.append(f"</{ROOT}>")
    if problems:
        raise ValidationFailed(problems)
    return "".join(parts).encode(WIRE_ENCODING)


def request_info(funnam: str, login_name: str) -> dict[str, str]:
    return {"FUNNAM": funnam, "DATTYP": "2", "LGNNAM": login_name}
