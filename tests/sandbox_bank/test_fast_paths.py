"""The sandbox bank's cheaper ways of doing per-record work give exactly what the plain ways give: timestamps
formatted from the whole second (datetime rounds to the microsecond), amounts without a format spec,
Instructions built from rows, CMB answers rendered from cached block templates with a values-only safety check."""

from __future__ import annotations

import datetime as dt
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox_bank.amounts import format_amount
from sandbox_bank.dialects import cmb
from sandbox_bank.ledger import Instruction, instruction_of

MIDNIGHT = dt.datetime(2027, 3, 10, tzinfo=dt.UTC).timestamp()


def reference(ts: float | None) -> tuple[str, str]:
    if not ts:
        return "", ""
    d = dt.datetime.fromtimestamp(ts, dt.UTC)
    return d.strftime("%Y%m%d"), d.strftime("%H%M%S")


def ours(ts: float | None) -> tuple[str, str]:
    return cmb._ymd(ts), cmb._hms(ts)


@pytest.mark.parametrize(
    "ts",
    [
        None, 0, 0.0, 1e-300, 0.4999999, 1.0, 59.9999994999, 59.9999995, 59.9999996, 86_399.9999994,
        86_399.9999995, 86_399.9999996, MIDNIGHT - 0.0000004, MIDNIGHT - 0.0000006, MIDNIGHT - 0.001,
        MIDNIGHT - 0.0010001, MIDNIGHT + 0.9989999, MIDNIGHT + 0.999, MIDNIGHT + 0.9999996, 253_402_300_799.0,
    ],
)
def test_timestamps_read_as_datetime_reads_them(ts):
    assert ours(ts) == reference(ts)


@pytest.mark.parametrize("ts", [-1.5, float("nan"), float("inf"), 253_402_300_800.0, 1e20])
def test_timestamps_datetime_refuses_are_refused_alike(ts):
    try:
        expected = reference(ts)
    except (ValueError, OverflowError, OSError) as exc:
        with pytest.raises(type(exc)):
            ours(ts)
    else:
        assert ours(ts) == expected


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.floats(min_value=1e-9, max_value=253_402_300_000.0, allow_nan=False),
        # within a few microseconds of a whole second, where datetime's rounding decides the second
        st.builds(lambda s, f: s + f, st.integers(0, 2**37), st.floats(0.999, 0.99999999)),
    )
)
def test_any_timestamp_reads_as_datetime_reads_it(ts):
    assert ours(ts) == reference(ts)


@settings(max_examples=2000, deadline=None)
@given(st.integers(-(10**20), 10**20))
def test_amounts_format_as_the_format_spec_does(minor):
    sign = "-" if minor < 0 else ""
    assert format_amount(minor) == f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def test_an_instruction_built_from_a_row_is_the_dataclass():
    row = (7, "0000000007", "REF", "6225880000000101", "6217000000123456", "收款人", "银行", 100, "CNY", "工资", None,
           "h" * 64, None, "b" * 64, "SUCCEEDED", None, None, 1.5, 2.5, None)
    fast, plain = instruction_of(row), Instruction(*row)
    assert fast == plain and hash(fast) == hash(plain) and repr(fast) == repr(plain)
    with pytest.raises(FrozenInstanceError):
        fast.state = "FAILED"  # type: ignore[misc]
    with pytest.raises(ValueError):
        instruction_of(row[:-1])


def test_render_checks_names_as_well_as_values():
    d = cmb.CmbDialect.__new__(cmb.CmbDialect)
    answer = cmb.Answer("F", "L", blocks=[cmb.Block("T", {"A": "x%s%%", "B": "工资"})])
    assert d.render(answer, MIDNIGHT) == d.render_tree(answer, MIDNIGHT)  # % in values: literal
    odd = cmb.Answer("F", "L", blocks=[cmb.Block("T%s", {"A%": "x"})])  # (not XML names: written as given)
    assert b"<T%s><A%>x</A%></T%s>" in d.render(odd, MIDNIGHT)
    answer.blocks.append(cmb.Block("T", {"BAD\x01": "ok"}))  # a name lxml refuses: render refuses alike
    with pytest.raises(ValueError):
        d.render_tree(answer, MIDNIGHT)
    with pytest.raises(ValueError):
        d.render(answer, MIDNIGHT)
    answer.blocks[-1] = cmb.Block("T", {"A": "surrogate \ud800"})  # a value XML cannot carry
    with pytest.raises(ValueError):
        d.render(answer, MIDNIGHT)
