"""The bounds of ``partnership_tools.kernel.limits``, each checked against a second way of
working it out (a recursive depth count, Python's own parser, counting cells by hand)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnership_tools.kernel import limits
from partnership_tools.kernel.limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    LimitError,
    check_table_size,
    json_too_deep,
    load_json,
    load_yaml,
)
from partnership_tools.kernel.tabular import TabularError, check_text_table

nested = st.recursive(
    st.none() | st.integers() | st.text(alphabet='ab[]{}"\\', max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=30,
)


def depth(value) -> int:
    """Nesting by recursion: a scalar is 0 deep, a list or object one more than its deepest part."""
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=200, deadline=None)
@given(value=nested, limit=st.integers(min_value=0, max_value=6))
def test_json_too_deep_agrees_with_a_recursive_count(value, limit):
    text = json.dumps(value)  # strings may hold brackets and escaped quotes: they must not count
    assert json_too_deep(text, limit) == (depth(value) > limit)


@settings(max_examples=100, deadline=None)
@given(value=nested)
def test_load_json_gives_what_the_standard_parser_gives_within_the_bounds(value):
    text = json.dumps(value)
    assert load_json(text, "x.json") == json.loads(text)


def test_numbers_at_and_over_the_digit_bound():
    n = limits.MAX_NUMBER_DIGITS
    assert load_json("-" + "7" * n, "x.json") == -int("7" * n)
    assert load_json("1." + "5" * (n - 1), "x.json") == float("1." + "5" * (n - 1))
    with pytest.raises(LimitError, match="x.json holds the number"):
        load_json("[" + "7" * (n + 1) + "]", "x.json")
    with pytest.raises(LimitError, match="not valid JSON \\(line 2, column 1"):
        load_json("[1,\n]", "x.json")


def test_the_error_class_is_the_callers():
    class Mine(ValueError):
        pass

    with pytest.raises(Mine):
        load_json("1e999", "x.json", Mine)


def test_table_bounds_worked_by_hand():
    check_table_size("t.csv", MAX_ROWS, MAX_CELLS // MAX_ROWS)  # exactly at the bounds: read
    check_table_size("t.csv", 1, MAX_COLUMNS)
    with pytest.raises(LimitError, match="5,001 columns"):
        check_table_size("t.csv", 1, MAX_COLUMNS + 1)
    with pytest.raises(LimitError, match="more than 2,000,000 rows"):
        check_table_size("t.csv", MAX_ROWS + 1, 1)
    with pytest.raises(LimitError, match="spans 2,001 rows by 5,000 columns"):
        check_table_size("t.csv", 2_001, 5_000)  # 10,005,000 cells


def test_check_text_table_counts_cells_outside_quotes():
    wide = ",".join(['"a,b,c"'] * 3000)  # 3,000 cells of 9,000 commas, most of them quoted
    check_text_table(wide + "\n", "q.csv")
    with pytest.raises(TabularError, match="q.csv, line 2: has 6,000 columns"):
        check_text_table("a,b\n" + ";" * 5999 + "\n", "q.csv")
    check_text_table("a,b\n" + ";" * 5999 + "\n", "q.csv", separator=",")  # one ',' column
    # old Mac line breaks end lines too
    with pytest.raises(TabularError, match="line 3"):
        check_text_table("a\rb\r" + "|" * MAX_COLUMNS + "\r", "mac.csv")


def test_yaml_bounds():
    assert load_yaml("a: [1, {b: 2}]", "i.yaml") == {"a": [1, {"b": 2}]}
    with pytest.raises(LimitError, match="i.yaml, line 1: uses the YAML alias"):
        load_yaml("[&x 1, *x]", "i.yaml")
    with pytest.raises(LimitError, match="more than 32 deep"):
        load_yaml("[" * 33 + "]" * 33, "i.yaml")
    assert load_yaml("[" * 32 + "]" * 32, "i.yaml") is not None
    with pytest.raises(LimitError, match="finite"):
        load_yaml("x: .inf", "i.yaml")
    with pytest.raises(LimitError, match="too large"):
        load_yaml("x: " + "9" * 60, "i.yaml")
