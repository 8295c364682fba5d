"""人民币大写: amounts in Chinese capital numerals (PBOC 银发〔1997〕393号, see PROTOCOLS.md).

Writing (:func:`rmb_uppercase`) produces one canonical spelling, the "expected" column of the PBOC examples:

* digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟 inside a 4-digit group, 万 and 亿 between groups, 元角分;
* 10–19 keep the leading 壹 (壹拾伍元整), as banks write it;
* a run of zeros inside the number becomes one 零; trailing zeros are not written;
* between groups, 零 is written only when the lower part starts with a zero digit (壹万零柒佰, 壹亿零壹仟,
  壹拾万柒仟);
* when 元位 is 0 and 角 is not, 零 is written after 元 (壹仟陆佰捌拾元零叁角贰分);
* when 角 is 0 and 分 is not, 零 after 元 is mandatory (叁佰贰拾伍元零肆分);
* 整 follows 元 (壹佰元整); nothing follows 角 or 分; zero is 零元整; amounts under one yuan start at 角/分.

Reading (:func:`parse_rmb_uppercase`) accepts every spelling the rule allows: the optional 零 at a 万/亿
boundary whose 万位/亿位 digit is 0 or whose zero run ends at a group's units digit (壹亿壹仟), or after 元 when
元位 is 0, an optional 整/正 after 元 or 角, an optional
人民币 prefix, the traditional forms 貳 陸 億 萬 圓 (and 圆). It rejects (AMOUNT_FORMAT) anything else:
missing mandatory 零, lower-case numerals (一二三), 整 after 分, misplaced units, stray characters.
"""

from __future__ import annotations

from app.domain.errors import Problem, ValidationFailed

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_DIGIT_VALUE = {ch: i for i, ch in enumerate(DIGITS)}
_SMALL_UNITS = ("", "拾", "佰", "仟")
_SMALL_UNIT_POWER = {"拾": 1, "佰": 2, "仟": 3}
PREFIX = "人民币"
MAX_MINOR = 10**15  # 拾万亿元

_TRADITIONAL = str.maketrans({"貳": "贰", "陸": "陆", "億": "亿", "萬": "万", "圓": "元", "圆": "元", "正": "整"})

AMOUNT_FORMAT = "AMOUNT_FORMAT"
AMOUNT_MISMATCH = "AMOUNT_MISMATCH"


# ---------------------------------------------------------------------------------------------- writing
def _group_words(n: int) -> str:
    """1..9999 → 壹仟零伍 (zeros inside collapse to one 零, trailing zeros vanish)."""
    digits = f"{n:04d}"
    out: list[str] = []
    pending_zero = False
    started = False
    for pos, ch in enumerate(digits):
        d = int(ch)
        if d == 0:
            pending_zero = started
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(DIGITS[d] + _SMALL_UNITS[3 - pos])
        started = True
    return "".join(out)


def _integer_words(n: int) -> str:
    """A positive integer of yuan in words, with 万 and 亿 groups (亿 may carry 万: 壹拾万亿)."""
    if n >= 10**8:
        high, low = divmod(n, 10**8)
        return _integer_words(high) + "亿" + _lower_part(low, 10**7)
    if n >= 10**4:
        high, low = divmod(n, 10**4)
        return _group_words(high) + "万" + _lower_part(low, 10**3)
    return _group_words(n)


def _lower_part(low: int, leading: int) -> str:
    if low == 0:
        return ""
    return ("零" if low < leading else "") + _integer_words(low)


def rmb_uppercase(amount_minor: int, *, prefix: bool = False) -> str:
    """Minor units (fen) → 人民币大写, e.g. 140950 → 壹仟肆佰零玖元伍角 (人民币… with ``prefix=True``)."""
    if type(amount_minor) is not int:
        raise TypeError(f"amount_minor must be an int, not {type(amount_minor).__name__}")
    if amount_minor < 0 or amount_minor > MAX_MINOR:
        raise ValueError(f"amount out of range for 大写: {amount_minor}")
    yuan, cents = divmod(amount_minor, 100)
    jiao, fen = divmod(cents, 10)
    if yuan:
        words = _integer_words(yuan) + "元"
        if jiao == 0 and fen == 0:
            words += "整"
        elif jiao == 0:
            words += "零" + DIGITS[fen] + "分"
        else:
            words += ("零" if yuan % 10 == 0 else "") + DIGITS[jiao] + "角"
            if fen:
                words += DIGITS[fen] + "分"
    elif cents == 0:
        words = "零元整"
    else:
        words = (DIGITS[jiao] + "角" if jiao else "") + (DIGITS[fen] + "分" if fen else "")
    return PREFIX + words if prefix else words


# ---------------------------------------------------------------------------------------------- reading
class _Bad(Exception):
    """Internal: the text is not a valid 大写 amount (carries the reason)."""


def _parse_group(s: str) -> int:
    """壹仟零伍 → 1005 (a group below 10000, mandatory 零 enforced, no leading 零)."""
    if not s:
        raise _Bad("a number is missing")
    value = 0
    last_power = 4
    i = 0
    zero_pending = False
    first = True
    while i < len(s):
        ch = s[i]
        if ch == "零":
            if first or zero_pending:
                raise _Bad("misplaced 零")
            zero_pending = True
            i += 1
            continue
        if ch == "拾" and first:  # bare 拾 at the start = 壹拾
            d, power = 1, 1
            i += 1
        else:
            if ch not in _DIGIT_VALUE:
                raise _Bad(f"unexpected character {ch!r}")
            d = _DIGIT_VALUE[ch]
            nxt = s[i + 1] if i + 1 < len(s) else ""
            if nxt in _SMALL_UNIT_POWER:
                power = _SMALL_UNIT_POWER[nxt]
                i += 2
            else:
                power = 0
                i += 1
        if power >= last_power:
            raise _Bad("units out of order")
        gap = last_power - power > 1 and not first
        if gap != zero_pending:
            raise _Bad("零 missing or superfluous between digits")
        value += d * 10**power
        last_power = power
        zero_pending = False
        first = False
    if zero_pending:
        raise _Bad("trailing 零")
    return value


def _parse_integer(s: str, high_allowed: bool = True) -> int:
    """Integer yuan with 万/亿 groups; optional 零 at a boundary whose lower digit is 0."""
    for sep, size, leading in (("亿", 10**8, 10**7), ("万", 10**4, 10**3)):
        if sep in s:
            high_text, low_text = s.rsplit(sep, 1) if sep == "亿" else s.split(sep, 1)
            if sep == "万" and "万" in low_text:
                raise _Bad("misplaced 万")
            high = _parse_integer(high_text) if sep == "亿" else _parse_group(high_text)
            if high == 0:
                raise _Bad(f"nothing before {sep}")
            zero = low_text.startswith("零")
            if zero:
                low_text = low_text[1:]
            low = _parse_integer(low_text) if low_text else 0
            if low_text and low == 0:
                raise _Bad("misplaced 零")
            if low == 0 and zero:
                raise _Bad("trailing 零")
            if low and low < leading:
                # Zeros follow the boundary: one 零 is mandatory, unless the zero run ends at a group's
                # units digit (the next digit is a 仟: 壹亿壹仟 or 壹亿零壹仟 both read 100001000).
                if not zero and len(str(low)) % 4 != 0:
                    raise _Bad(f"零 missing after {sep}")
            elif zero and high % 10 != 0:
                # 零 right after 万/亿 is optional only when the 万位/亿位 digit itself is 0 (壹拾万零柒仟).
                raise _Bad(f"superfluous 零 after {sep}")
            if low >= size:
                raise _Bad(f"too many digits after {sep}")
            return high * size + low
    return _parse_group(s)


def _parse_fraction(s: str, yuan: int, has_yuan: bool) -> int:
    """The part after 元 → cents; enforces the 零 and 整 rules."""
    zero = s.startswith("零")
    if zero:
        s = s[1:]
    whole = s.endswith("整")
    if whole:
        s = s[:-1]
    jiao = fen = 0
    if s.endswith("分"):
        if whole:
            raise _Bad("整 must not follow 分")
        if len(s) < 2 or s[-2] not in _DIGIT_VALUE:
            raise _Bad("分 needs one digit before it")
        fen = _DIGIT_VALUE[s[-2]]
        s = s[:-2]
        if fen == 0:
            raise _Bad("零分 is not written")
    if s:
        if len(s) != 2 or s[1] != "角" or s[0] not in _DIGIT_VALUE:
            raise _Bad("bad 角/分 part")
        jiao = _DIGIT_VALUE[s[0]]
        if jiao == 0:
            raise _Bad("零角 is not written")
    if zero:
        if not has_yuan or yuan == 0:
            raise _Bad("misplaced 零")
        if jiao == 0 and fen == 0:
            raise _Bad("trailing 零")
        if jiao and yuan % 10 != 0:
            raise _Bad("superfluous 零 after 元")
    elif has_yuan and yuan and jiao == 0 and fen:
        raise _Bad("零 is mandatory after 元 when 角 is zero and 分 is not")
    return jiao * 10 + fen


def _parse(text: str) -> int:
    s = text.translate(_TRADITIONAL)
    if s.startswith(PREFIX):
        s = s[len(PREFIX):]
    if not s:
        raise _Bad("empty")
    if s.count("元") > 1:
        raise _Bad("more than one 元")
    if "元" in s:
        int_text, rest = s.split("元", 1)
        if not int_text:
            raise _Bad("nothing before 元")
        yuan = 0 if int_text == "零" else _parse_integer(int_text)
        if yuan == 0 and rest not in ("", "整"):
            # 零元伍角: tolerated spelling of amounts below one yuan.
            cents = _parse_fraction(rest, 0, has_yuan=False)
        else:
            cents = _parse_fraction(rest, yuan, has_yuan=True)
    else:
        if not (s.endswith("角") or s.endswith("分") or s.endswith("角整")):
            raise _Bad("no 元, 角 or 分")
        yuan, cents = 0, _parse_fraction(s, 0, has_yuan=False)
        if cents == 0:
            raise _Bad("no amount")
    value = yuan * 100 + cents
    if value > MAX_MINOR:
        raise _Bad("amount too large")
    return value


def parse_rmb_uppercase(text: str) -> int:
    """人民币大写 → minor units; raise ValidationFailed(AMOUNT_FORMAT) when the text is not a valid spelling."""
    if not isinstance(text, str) or len(text) > 80:
        raise ValidationFailed([Problem(AMOUNT_FORMAT, "the amount in words is not valid 人民币大写", "amount_words")])
    try:
        return _parse(text.strip(" \u3000"))
    except _Bad as exc:
        raise ValidationFailed([Problem(
            AMOUNT_FORMAT, f"the amount in words is not valid 人民币大写 ({exc})", "amount_words",
            params={"text": text})]) from None


def check_amount_in_words(amount_minor: int, words: str, *, field: str = "amount_words") -> list[Problem]:
    """Compare the amount in figures with the amount in words (大写) of a voucher."""
    try:
        value = parse_rmb_uppercase(words)
    except ValidationFailed as exc:
        return [Problem(p.code, p.message, field, p.severity, p.params) for p in exc.problems]
    if value != amount_minor:
        return [Problem(
            AMOUNT_MISMATCH,
            f"the amount in words ({words}) is {value // 100}.{value % 100:02d}, "
            f"but the amount in figures is {amount_minor // 100}.{amount_minor % 100:02d}",
            field, params={"words_minor": value, "figures_minor": amount_minor})]
    return []
