"""The strict amount parser (RELIABILITY.md §2) and Money arithmetic/formatting."""

from __future__ import annotations

import ast
import inspect
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import app.domain.money as money_module
from app.domain.errors import ValidationFailed
from app.domain.money import (
    DEFAULT_MAX_MINOR,
    Money,
    check_amount,
    format_amount,
    parse_amount,
)

BAD_AMOUNTS = [
    ("-5", "AMOUNT_NOT_POSITIVE"),
    ("-0", "AMOUNT_NOT_POSITIVE"),
    ("0", "AMOUNT_NOT_POSITIVE"),
    ("0.00", "AMOUNT_NOT_POSITIVE"),
    ("000", "AMOUNT_NOT_POSITIVE"),
    ("-1,000.00", "AMOUNT_NOT_POSITIVE"),
    ("1.005", "AMOUNT_SCALE"),
    ("0.001", "AMOUNT_SCALE"),
    ("12.340", "AMOUNT_SCALE"),
    ("1" * 40, "AMOUNT_RANGE"),
    ("10000000000000.01", "AMOUNT_RANGE"),
    ("1e2", "AMOUNT_FORMAT"),
    ("1E2", "AMOUNT_FORMAT"),
    ("0x10", "AMOUNT_FORMAT"),
    ("NaN", "AMOUNT_FORMAT"),
    ("nan", "AMOUNT_FORMAT"),
    ("Infinity", "AMOUNT_FORMAT"),
    ("-Infinity", "AMOUNT_FORMAT"),
    ("１２３", "AMOUNT_FORMAT"),
    ("١٢٣", "AMOUNT_FORMAT"),
    ("壹佰元整", "AMOUNT_FORMAT"),
    ("100\u00a0", "AMOUNT_FORMAT"),
    ("\u00a0100", "AMOUNT_FORMAT"),
    ("100\t", "AMOUNT_FORMAT"),
    ("100\n", "AMOUNT_FORMAT"),
    ("1\u3000", "AMOUNT_FORMAT"),
    (".5", "AMOUNT_FORMAT"),
    ("5.", "AMOUNT_FORMAT"),
    ("+5", "AMOUNT_FORMAT"),
    ("", "AMOUNT_FORMAT"),
    ("   ", "AMOUNT_FORMAT"),
    ("abc", "AMOUNT_FORMAT"),
    ("1.2.3", "AMOUNT_FORMAT"),
    ("¥100", "AMOUNT_FORMAT"),
    ("1,000.00", "AMOUNT_SEPARATOR"),
    ("1 000,00", "AMOUNT_SEPARATOR"),
    ("1'000", "AMOUNT_SEPARATOR"),
    ("1_000", "AMOUNT_SEPARATOR"),
    ("1.000.000,50", "AMOUNT_SEPARATOR"),
    ("1000,50", "AMOUNT_SEPARATOR"),
]


@pytest.mark.parametrize(("text", "code"), BAD_AMOUNTS)
def test_bad_amount_has_its_code(text, code):
    money, problems = check_amount(text)
    assert money is None
    assert [p.code for p in problems] == [code]
    assert problems[0].field == "amount"
    assert problems[0].message  # a readable message for the user
    with pytest.raises(ValidationFailed) as exc:
        parse_amount(text, field="pay_amount")
    assert exc.value.code == code
    assert exc.value.field == "pay_amount"


def test_separator_message_points_to_import_profiles():
    _, problems = check_amount("1,000.00")
    assert "separator" in problems[0].message and "import profile" in problems[0].message


@pytest.mark.parametrize(("text", "minor"), [
    ("1", 100), ("1.5", 150), ("1.05", 105), ("0.01", 1), ("007.10", 710), (" 12.34 ", 1234),
    ("10000000000000", DEFAULT_MAX_MINOR), ("9999999999999.99", DEFAULT_MAX_MINOR - 1),
    ("00000000000000000000000000000000000001.00", 100),
])
def test_good_amounts(text, minor):
    assert parse_amount(text) == Money(minor, "CNY")
    assert check_amount(text) == (Money(minor, "CNY"), [])


def test_currency_and_configurable_cap():
    assert parse_amount("5", "USD") == Money(500, "USD")
    assert parse_amount("100.00", max_minor=10_000).amount_minor == 10_000
    with pytest.raises(ValidationFailed) as exc:
        parse_amount("100.01", max_minor=10_000)
    assert exc.value.code == "AMOUNT_RANGE"
    assert "100.00" in exc.value.message
    # No cap at all still refuses absurd lengths (and never converts them).
    assert parse_amount("1" * 25, max_minor=None).amount_minor == int("1" * 25) * 100
    assert check_amount("1" * 31, max_minor=None)[1][0].code == "AMOUNT_RANGE"


def test_huge_inputs_are_cheap():
    start = time.perf_counter()
    for text in ("9" * 10_000, "9" * 10_000 + ".123", "-" + "9" * 10_000, "9" * 10_000 + "x",
                 "1," * 5_000 + "000", "1_" * 5_000 + "0"):
        assert check_amount(text)[0] is None
        assert check_amount(text, max_minor=None)[0] is None
    assert time.perf_counter() - start < 1.0


def test_non_string_is_a_format_problem():
    for value in (100, 1.5, None, b"100"):
        assert check_amount(value)[1][0].code == "AMOUNT_FORMAT"
        with pytest.raises(ValidationFailed):
            parse_amount(value)


# -- the parser accepts exactly its grammar -----------------------------------------------------------
GRAMMAR = re.compile(r"[0-9]+(\.[0-9]{1,2})?", re.ASCII)
ALPHABET = "0123456789" * 3 + ".,_e-+ 'E\u00a0\u3000\t１２٣x"


def _expected_minor(text: str) -> int:
    whole, _, frac = text.partition(".")
    value = 0
    for ch in whole:
        value = value * 10 + (ord(ch) - 48)
    cents = 0
    for ch in (frac + "00")[:2]:
        cents = cents * 10 + (ord(ch) - 48)
    return value * 100 + cents


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=20), st.sampled_from([DEFAULT_MAX_MINOR, 10**6, None]))
def test_accepts_exactly_the_grammar(text, cap):
    core = text.strip(" ")
    money, problems = check_amount(text, max_minor=cap)
    if GRAMMAR.fullmatch(core):
        expected = _expected_minor(core)
        if expected == 0:
            assert [p.code for p in problems] == ["AMOUNT_NOT_POSITIVE"]
        elif cap is not None and expected > cap:
            assert [p.code for p in problems] == ["AMOUNT_RANGE"]
        else:
            assert problems == [] and money == Money(expected, "CNY")
            assert parse_amount(text, max_minor=cap) == money
    else:
        assert money is None and len(problems) == 1 and problems[0].code.startswith("AMOUNT_")
        with pytest.raises(ValidationFailed):
            parse_amount(text, max_minor=cap)


@given(st.integers(min_value=1, max_value=DEFAULT_MAX_MINOR))
def test_format_then_parse_round_trip(n):
    text = f"{n // 100}.{n % 100:02d}"
    assert parse_amount(text).amount_minor == n
    assert format_amount(n).replace(",", "") == text


# -- Money ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("minor", "text"), [
    (0, "0.00"), (1, "0.01"), (-1, "-0.01"), (99, "0.99"), (100, "1.00"), (123456789, "1,234,567.89"),
    (-123456789, "-1,234,567.89"), (100000, "1,000.00"), (10**15, "10,000,000,000,000.00"),
])
def test_format(minor, text):
    assert format_amount(minor) == text
    assert Money(minor).format() == text


def test_arithmetic_same_currency_only():
    assert Money(150) + Money(250) == Money(400)
    assert Money(150) - Money(250) == Money(-100)
    with pytest.raises(ValueError):
        Money(1, "CNY") + Money(1, "USD")
    with pytest.raises(ValueError):
        Money(1, "CNY") - Money(1, "USD")
    with pytest.raises(TypeError):
        Money(1) + 1


def test_money_refuses_floats_and_is_frozen():
    with pytest.raises(TypeError):
        Money(1.5)
    with pytest.raises(TypeError):
        Money(True)
    with pytest.raises(TypeError):
        format_amount(1.0)
    m = Money(5)
    with pytest.raises(AttributeError):
        m.amount_minor = 6
    assert hash(parse_amount("0.05")) == hash(m) and parse_amount("0.05") == m


def test_money_module_never_converts_text_with_decimal_or_float():
    tree = ast.parse(inspect.getsource(money_module))
    called = {node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
              for node in ast.walk(tree) if isinstance(node, ast.Call)}
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
                for alias in node.names} | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "int" in called  # the walk sees the calls
    assert not called & {"Decimal", "float"}
    assert "decimal" not in imported and "Decimal" not in imported
