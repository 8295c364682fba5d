"""Free-text fields sent to banks: names, remarks, branch names.

:func:`check_text` returns *all* problems of one value (codes TEXT_REQUIRED, TEXT_CHARSET, TEXT_ENCODING,
TEXT_LENGTH). Characters a bank's encoding cannot carry are rejected before signing and never replaced
(RELIABILITY.md §2). Lengths that matter to a bank are counted in bytes of the bank's encoding.
"""

from __future__ import annotations

import re
import unicodedata

from app.domain.errors import Problem

TEXT_REQUIRED = "TEXT_REQUIRED"
TEXT_CHARSET = "TEXT_CHARSET"
TEXT_ENCODING = "TEXT_ENCODING"
TEXT_LENGTH = "TEXT_LENGTH"

# How many offending characters are reported one by one before a summary problem.
MAX_REPORTED_CHARACTERS = 5

_BIDI = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}
_ZERO_WIDTH = frozenset(range(0x200B, 0x200E)) | {0x2060, 0xFEFF, 0x180E}
_EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),  # mahjong, cards, enclosed, pictographs, emoticons, transport, extended-A
    (0x2600, 0x27BF),    # miscellaneous symbols, dingbats
    (0x2B50, 0x2B55),    # stars and circles used as emoji
    (0x231A, 0x231B), (0x23E9, 0x23F3), (0x23F8, 0x23FA),
    (0xFE00, 0xFE0F),    # variation selectors
    (0xE0100, 0xE01EF),  # variation selectors supplement
    (0xE0020, 0xE007F),  # emoji tag sequences
    (0x20E3, 0x20E3),    # combining enclosing keycap
)


# Text made only of these is never flagged by character_kind (printable ASCII, the middle dot of names, CJK
# punctuation, CJK unified ideographs, full-width forms): such values skip the per-character look.
_PLAIN = re.compile("[\x20-\x7e\u00b7\u3000-\u303f\u4e00-\u9fff\uff01-\uff5e]*")


def _is_emoji(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _EMOJI_RANGES)


def character_kind(ch: str) -> str | None:
    """Why a character may not appear in bank text, or None when it may."""
    cp = ord(ch)
    if cp < 0x80 and 0x20 <= cp < 0x7F:
        return None
    if cp in _BIDI:
        return "bidirectional control character"
    if cp in _ZERO_WIDTH:
        return "zero-width character"
    if _is_emoji(cp):
        return "emoji or pictographic symbol"
    category = unicodedata.category(ch)
    if category == "Cc":
        return "control character"
    if category in ("Zl", "Zp"):
        return "line or paragraph separator"
    if category == "Cf":
        return "invisible formatting character"
    if category == "Cs":
        return "unpaired surrogate"
    if category == "Co":
        return "private-use character"
    return None


def _char_label(ch: str) -> str:
    cp = ord(ch)
    shown = f"'{ch}' " if ch.isprintable() and not ch.isspace() else ""
    return f"{shown}U+{cp:04X}" if cp <= 0xFFFF else f"{shown}U+{cp:05X}"


def normalize_text(value: str) -> str:
    """Strip ASCII spaces and full-width spaces (U+3000) at both ends; inner characters are kept."""
    return value.strip(" \u3000")


def _encodable(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _encoding_label(encoding: str) -> str:
    return encoding.upper()


def check_text(value: object, field: str, *, required: bool = True, max_chars: int | None = None,
               encoding: str | None = None, max_bytes: int | None = None) -> list[Problem]:
    """Every problem of one text value: TEXT_REQUIRED, TEXT_CHARSET, TEXT_ENCODING, TEXT_LENGTH."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        return [Problem(TEXT_CHARSET, f"expected text, got {type(value).__name__}", field)]
    problems: list[Problem] = []
    if not value.strip():
        if required:
            problems.append(Problem(TEXT_REQUIRED, "this field is required", field))
        if not value:
            return problems

    flagged: set[int] = set()
    reported = 0
    for i, ch in enumerate(() if _PLAIN.fullmatch(value) else value):
        kind = character_kind(ch)
        if kind is None:
            continue
        flagged.add(i)
        reported += 1
        if reported <= MAX_REPORTED_CHARACTERS:
            problems.append(Problem(TEXT_CHARSET, f"{kind} {_char_label(ch)} at position {i + 1} is not allowed",
                                    field, params={"kind": kind, "code_point": f"U+{ord(ch):04X}",
                                                   "position": i + 1}))
    if reported > MAX_REPORTED_CHARACTERS:
        problems.append(Problem(TEXT_CHARSET, f"{reported - MAX_REPORTED_CHARACTERS} more characters that are "
                                "not allowed", field, params={"count": reported}))

    byte_encoding = encoding or "utf-8"
    encoded: bytes | None = None
    if encoding is not None:
        try:
            encoded = value.encode(encoding)
        except UnicodeEncodeError:
            bad = [(i, ch) for i, ch in enumerate(value) if i not in flagged and not _encodable(ch, encoding)]
            for i, ch in bad[:MAX_REPORTED_CHARACTERS]:
                problems.append(Problem(
                    TEXT_ENCODING, f"the character {_char_label(ch)} at position {i + 1} cannot be sent in the "
                    f"bank's encoding ({_encoding_label(encoding)}); replace it with a character the bank supports",
                    field, params={"code_point": f"U+{ord(ch):04X}", "position": i + 1, "encoding": encoding}))
            if len(bad) > MAX_REPORTED_CHARACTERS:
                problems.append(Problem(TEXT_ENCODING, f"{len(bad) - MAX_REPORTED_CHARACTERS} more characters "
                                        f"cannot be sent in {_encoding_label(encoding)}", field,
                                        params={"count": len(bad), "encoding": encoding}))
        except LookupError:
            raise ValueError(f"unknown encoding: {encoding}") from None

    if max_chars is not None and len(value) > max_chars:
        problems.append(Problem(TEXT_LENGTH, f"at most {max_chars} characters are allowed; this text has "
                                f"{len(value)}", field, params={"max_chars": max_chars, "chars": len(value)}))
    if max_bytes is not None:
        size = len(encoded) if encoded is not None else len(value.encode(byte_encoding, errors="replace"))
        if size > max_bytes:
            problems.append(Problem(
                TEXT_LENGTH, f"the bank field holds at most {max_bytes} bytes in {_encoding_label(byte_encoding)}; "
                f"this text takes {size} (a Chinese character takes 2 bytes in GBK, 3 in UTF-8)", field,
                params={"max_bytes": max_bytes, "bytes": size, "encoding": byte_encoding}))
    return problems
