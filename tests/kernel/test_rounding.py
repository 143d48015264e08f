"""The one rounding rule (half up at the shown precision), checked against a second method: exact
rational arithmetic on the float's shortest decimal form, with no use of ``decimal``."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnership_tools.kernel.rounding import MISSING, fixed, half_up


def by_hand(x: float, places: int, sign: bool = False) -> str:
    """Half up (away from zero on a tie) with fractions: |x| * 10^p + 1/2, floored."""
    exact = Fraction(repr(x))  # the shortest decimal that names the float
    scaled = abs(exact) * 10**places
    units = math.floor(scaled + Fraction(1, 2))
    negative = exact < 0 and units != 0
    whole, frac = divmod(units, 10**places)
    digits = f"{whole}.{frac:0{places}d}" if places else f"{whole}"
    if negative:
        return "-" + digits
    return ("+" if sign else "") + digits


@pytest.mark.parametrize(
    ("x", "places", "shown"),
    [
        (0.625, 2, "0.63"),  # Python's own "%.2f" gives 0.62, d3-format 0.63
        (0.125, 2, "0.13"),
        (0.375, 2, "0.38"),
        (0.0625, 3, "0.063"),
        (0.285, 2, "0.29"),  # the binary value is 0.28499999...; people read 0.285
        (5 / 9, 2, "0.56"),
        (2 / 3, 3, "0.667"),
        (1.0, 2, "1.00"),
        (0.0, 2, "0.00"),
        (-0.625, 2, "-0.63"),
        (-0.004, 2, "0.00"),  # no minus sign on a figure that shows as zero
        (2.5, 0, "3"),
    ],
)
def test_examples(x, places, shown):
    assert fixed(x, places) == shown


def test_python_format_disagrees_where_it_should():
    assert f"{0.625:.2f}" == "0.62" and fixed(0.625) == "0.63"


def test_sign_and_missing_values():
    assert fixed(0.125, sign=True) == "+0.13"
    assert fixed(-0.125, sign=True) == "-0.13"
    assert fixed(0.0, sign=True) == "+0.00"
    assert fixed(-0.001, 2, sign=True) == "+0.00"
    assert fixed(None) == MISSING and fixed(float("nan"), 3) == MISSING
    assert fixed(float("inf")) == "∞" and fixed(-float("inf")) == "-∞"
    assert fixed(3) == "3.00"  # whole numbers too
    with pytest.raises(ValueError):
        half_up(0.5, -1)


@settings(max_examples=500, deadline=None)
@given(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=4),
    st.booleans(),
)
def test_agrees_with_half_up_on_the_shown_digits(x, places, sign):
    assert fixed(x, places, sign) == by_hand(x, places, sign)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=400), st.integers(min_value=1, max_value=400))
def test_coefficients_as_counted(points, possible):
    # a coefficient is a ratio of whole numbers, as the count makes it
    points = min(points, possible)
    x = points / possible
    assert fixed(x, 2) == by_hand(x, 2) and fixed(x, 3) == by_hand(x, 3)
    # and the shown figure is never more than half a unit away from the exact ratio
    assert abs(Fraction(fixed(x, 3)) - Fraction(points, possible)) <= Fraction(1, 2000) + Fraction(
        1, 10**12
    )


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=1, max_value=3),
    st.booleans(),
)
def test_exact_halves_round_away_from_zero(k, places, negative):
    # k units and a half of the last shown place, written out: k = 62, places = 2 -> "0.625"
    unit = 10**places
    text = f"{'-' if negative else ''}{k // unit}.{k % unit:0{places}d}5"
    x = float(text)
    assert Fraction(repr(x)) == Fraction(text)  # a float names this short decimal exactly
    away = Fraction(k + 1, unit)  # the neighbour further from zero
    assert Fraction(fixed(x, places)) == (-away if negative else away)
