"""The message log (报文日志): every request to and answer from a bank, masked, for the app and the bank's
support desk.

:func:`mask_message` hides secrets completely and account numbers down to their last 4 digits
(RELIABILITY.md §3), in XML (element values), JSON (``"key": "value"``), ``key=value`` text and HTTP
headers, and, as a last net, any long run of digits in free text. :class:`MessageLogEntry` is what the transport
hands to its ``message_log`` callback; :class:`MemoryMessageLog` is a bounded in-memory sink (the lead may
add a storage-backed one).
"""

from __future__ import annotations

import functools
import re
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

MASK = "****"

# Element / key names (case-insensitive) whose value is an account number.
_ACCOUNT_NAMES = (r"[A-Z_]*ACC(?:NBR|NO|T|OUNT|OUNTNO|OUNT_?NUMBER)?|EACNBR|ACNBR|IBAN|CARDNO|CARD_?NUMBER|"
                  r"DBTACC|CRTACC|RPYACC|GSBACC|PAYEEACCOUNT|PAYERACCOUNT|ACCOUNTID|ID_?NUMBER|IDNBR")
# Element / key names whose whole value is a secret.
_SECRET_NAMES = (r"[A-Z_]*(?:PASSWORD|PASSWD|PWD|PIN|SECRET|TOKEN|PRIVATEKEY|PRIVATE_KEY|APIKEY|API_KEY|OTP|"
                 r"TOTP|AUTHORIZATION|COOKIE|SESSIONID)")

# One pass over every leaf element / JSON string member; the name decides (cached) what to hide.
_XML_LEAF = re.compile(r"(<(?P<tag>[A-Za-z_][\w.:-]*)(?:\s[^>]*)?>)(?P<value>[^<]+)(</(?P=tag)\s*>)")
_JSON_MEMBER = re.compile(r'("(?P<key>[A-Za-z_][\w.-]*)"\s*:\s*")(?P<value>[^"]*)(")')
_SECRET_NAME = re.compile(_SECRET_NAMES, re.IGNORECASE)
_ACCOUNT_NAME = re.compile(rf"[A-Za-z_]*(?:{_ACCOUNT_NAMES})", re.IGNORECASE)
_JSON_SECRET_NAME = re.compile(rf"[A-Za-z_]*(?:{_SECRET_NAMES})", re.IGNORECASE)
_KV_PAIR = re.compile(r"(\b(?P<key>[A-Za-z_][\w-]*)\s*[=:]\s*)(?P<value>[^\s&,;]+)")
_LONG_DIGITS = re.compile(r"(?<![0-9.])[0-9]{12,40}(?![0-9]|\.[0-9])")
_IBAN = re.compile(r"\b[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}\b")
# A byte-level sketch of a text (ASCII digit → "0", A-Z → "A", anything else → " ") tells in well under a
# millisecond whether a 450 KB status page has any 12-digit run or IBAN start at all; the regular expressions scan
# at ~25 ns a character, so each net runs only where it can match.
_SKETCH = bytes(48 if 48 <= b <= 57 else 65 if 65 <= b <= 90 else 32 for b in range(256))
_DIGIT_RUN = b"0" * 12
_IBAN_SKETCH = re.compile(rb"AA00[A0]{11}")   # a literal prefix: searched at memchr speed
# every secret name contains one of these words: text without any of them has no secret key=value pair to mask
_SECRET_WORDS = ("password", "passwd", "pwd", "pin", "secret", "token", "privatekey", "private_key", "apikey",
                 "api_key", "otp", "authorization", "cookie", "sessionid")

SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})


def mask_account(value: str) -> str:
    """``6225880000000101`` → ``****0101``. Short values (≤ 4 chars) are fully masked."""
    v = value.strip()
    if not v:
        return value
    return MASK + v[-4:] if len(v) > 4 else MASK


def _mask_group(match: re.Match, secret: bool) -> str:
    value = match.group("value")
    masked = (MASK if value else value) if secret else mask_account(value)
    return match.group(1) + masked + match.group(match.re.groups)


@functools.lru_cache(maxsize=4096)
def _name_kind(name: str, json_key: bool) -> str:
    """"secret", "account" or "" for an element or key name (secrets win)."""
    if (_JSON_SECRET_NAME if json_key else _SECRET_NAME).fullmatch(name):
        return "secret"
    if _ACCOUNT_NAME.fullmatch(name):
        return "account"
    return ""


def _mask_named(match: re.Match, name_group: str, json_key: bool) -> str:
    kind = _name_kind(match.group(name_group), json_key)
    if not kind:
        return match.group(0)
    return _mask_group(match, kind == "secret")


_TAG_NAME = re.compile(r"<([A-Za-z_][\w.:-]*)")


@functools.lru_cache(maxsize=256)
def _leaf_pattern(names: frozenset[str]) -> re.Pattern:
    """The leaf-element pattern for exactly these (sensitive) element names."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(<(?P<tag>{alternatives})(?:\s[^>]*)?>)(?P<value>[^<]+)(</(?P=tag)\s*>)")


def _mask_xml(text: str) -> str:
    """Mask the leaf elements whose name is a secret or account name. Only those names are searched for: a
    1,000-record status page has ~20,000 leaves, and a Python callback for each one cost more than the request.
    The callback for the sensitive ones does in one call what :func:`_mask_named` does (a status page still has
    two account numbers per record)."""
    kinds = {n: kind for n in set(_TAG_NAME.findall(text)) if (kind := _name_kind(n, False))}
    if not kinds:
        return text
    secret = {n for n, kind in kinds.items() if kind == "secret"}

    def mask(m: re.Match) -> str:
        value = m.group(3)
        if m.group(2) in secret:
            masked = MASK
        else:
            v = value.strip()
            masked = (MASK + v[-4:] if len(v) > 4 else MASK) if v else value
        return m.group(1) + masked + m.group(4)

    return _leaf_pattern(frozenset(kinds)).sub(mask, text)


def mask_message(text: str) -> str:
    """Mask secrets and account numbers in a bank message (XML, JSON or plain text)."""
    if not text:
        return text
    if "<" in text:
        text = _mask_xml(text)
    if '"' in text:
        text = _JSON_MEMBER.sub(lambda m: _mask_named(m, "key", True), text)
    lowered = text.lower()
    if any(word in lowered for word in _SECRET_WORDS):  # a 1,000-record status page: ~0.1 ms instead of ~18
        text = _KV_PAIR.sub(lambda m: m.group(1) + MASK if _name_kind(m.group("key"), True) == "secret"
                            else m.group(0), text)
    sketch = text.encode("utf-8", "surrogatepass").translate(_SKETCH)
    if _IBAN_SKETCH.search(sketch):
        text = _IBAN.sub(lambda m: mask_account(m.group(0)), text)
        sketch = text.encode("utf-8", "surrogatepass").translate(_SKETCH)
    if _DIGIT_RUN in sketch:
        text = _LONG_DIGITS.sub(lambda m: mask_account(m.group(0)), text)
    return text


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: (MASK if k.lower() in SECRET_HEADERS else mask_message(str(v))) for k, v in headers.items()}


def decode_body(body: bytes) -> str:
    """Strict UTF-8 first, then GB18030 (never GBK first); undecodable bytes shown as replacement characters."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return body.decode("gb18030")
    except UnicodeDecodeError:
        return body.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class MessageLogEntry:
    """One masked request or answer. ``exchange_id`` ties an answer (or the error) to its request."""

    at: datetime  # UTC
    bank: str
    exchange_id: str
    direction: str  # "request" | "response" | "error"
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict, hash=False)
    body: str = ""  # masked text
    status: int | None = None
    elapsed_s: float | None = None
    error_code: str = ""
    size_bytes: int = 0

    def export_line(self) -> str:
        head = f"{self.at.isoformat()} {self.bank} {self.exchange_id} {self.direction.upper()} {self.method} {self.url}"
        if self.status is not None:
            head += f" HTTP {self.status}"
        if self.error_code:
            head += f" ERROR {self.error_code}"
        if self.elapsed_s is not None:
            head += f" {self.elapsed_s * 1000:.0f}ms"
        hdrs = "".join(f"\n  {k}: {v}" for k, v in self.headers.items())
        return f"{head}{hdrs}\n{self.body}\n"


def build_entry(*, at: datetime, bank: str, exchange_id: str, direction: str, method: str, url: str,
                headers: Mapping[str, str] | None = None, body: bytes = b"", status: int | None = None,
                elapsed_s: float | None = None, error_code: str = "") -> MessageLogEntry:
    """Mask everything once, here: nothing unmasked ever leaves the transport."""
    return MessageLogEntry(at=at, bank=bank, exchange_id=exchange_id, direction=direction, method=method,
                           url=mask_message(url), headers=mask_headers(headers or {}),
                           body=mask_message(decode_body(body)), status=status, elapsed_s=elapsed_s,
                           error_code=error_code, size_bytes=len(body))


class MemoryMessageLog:
    """A bounded, thread-safe in-memory message log; callable, so it can be the transport's callback."""

    def __init__(self, capacity: int = 2000):
        self._entries: deque[MessageLogEntry] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def __call__(self, entry: MessageLogEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[MessageLogEntry]:
        with self._lock:
            return list(self._entries)

    def export_text(self) -> str:
        return "".join(e.export_line() for e in self.entries())
