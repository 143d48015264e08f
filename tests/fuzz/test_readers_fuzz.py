"""Fuzzing every reader: whatever bytes a file holds, the kit gives a correct result or one plain
sentence (a :data:`~tests.fuzz.bounds.PLAIN_ERRORS` error), never a traceback, a hang or a
blow-up. Each example runs within :func:`~tests.fuzz.bounds.bounded` (5 s, 150 MB traced, and a
hard address-space ceiling); the examples are few, so the whole suite stays well under a minute.

Inputs are random text in the alphabet files are made of (separators, quotes, line breaks of
every kind, digits, ``>``, braces) and mutations of the kit's own valid files: a session or
review file with one value anywhere replaced by any JSON value, an instrument with one value
replaced, a workbook with random cells.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnership_tools.kernel.limits import load_json, load_yaml
from partnership_tools.kernel.resources import sample_dir
from partnership_tools.kernel.tabular import read_table
from partnership_tools.reports.replay import replay_file
from partnership_tools.review import load_instrument, read_responses
from partnership_tools.review.reviewfile import read_review
from partnership_tools.vote.ballots_csv import read_options_file
from partnership_tools.vote.reading import read_ballots
from partnership_tools.vote.sessionfile import read_session
from tests.fuzz.bounds import PLAIN_ERRORS, bounded, one_sentence, sheet_xml, write_xlsx

#: ``PT_FUZZ_EXAMPLES=500`` runs a longer, randomised search (the default run is fixed and quick).
EXAMPLES = int(os.environ.get("PT_FUZZ_EXAMPLES", "0") or 0)
FUZZ = settings(
    max_examples=EXAMPLES or 25,
    deadline=None,  # bounded() holds each example to its own time bound
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
    derandomize=not EXAMPLES,  # the same examples on every run: CI is reproducible
)

SESSION = json.loads((sample_dir() / "county_joint_working.json").read_text(encoding="utf-8"))
REVIEW = json.loads(
    (sample_dir() / "review" / "ten_lessons_review.json").read_text(encoding="utf-8")
)
INSTRUMENT = yaml.safe_load(
    (
        Path(__file__).resolve().parents[2]
        / "partnership_tools/review/instruments/partnership_cycle.yaml"
    ).read_text(encoding="utf-8")
)

#: What table-like files are made of.
FILE_ALPHABET = st.sampled_from(
    list("ABCabc123 ,;\t|\"'>={}[]:#-.\r\n") + ["\r\n", "é", "\ufeff", "\x00", "1st", "Rank 1"]
)
file_text = st.lists(FILE_ALPHABET, max_size=400).map("".join)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**60), max_value=10**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data[:3]):  # the first few of each list: enough to reach every kind
            out += _paths(v, (*prefix, i))
    return out


SESSION_PATHS = _paths(SESSION)[1:]
REVIEW_PATHS = [p for p in _paths(REVIEW)[1:] if len(p) < 7]
INSTRUMENT_PATHS = _paths(INSTRUMENT)[1:]


def _replaced(data: Any, path: tuple, value: Any) -> Any:
    out = copy.deepcopy(data)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


def _plain_or_result(call: Callable[[], Any]) -> Any:
    """Run ``call`` bounded; a refusal must be one of the plain errors, worded as sentences."""
    with bounded(seconds=5, megabytes=150):
        try:
            return call()
        except PLAIN_ERRORS as exc:
            one_sentence(exc)
            return None


_TMP = tempfile.TemporaryDirectory(prefix="pt-fuzz-")


@pytest.fixture(scope="module", autouse=True)
def _clean_up() -> Iterator[None]:
    yield
    _TMP.cleanup()


def _fresh_dir() -> Path:
    return Path(tempfile.mkdtemp(dir=_TMP.name))


def _file(name: str, content: str | bytes) -> Path:
    p = _fresh_dir() / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8", newline="")
    return p


# -- tables and ballots -----------------------------------------------------------------------------
@FUZZ
@given(text=file_text, suffix=st.sampled_from([".csv", ".tsv", ".txt"]))
def test_any_text_table_reads_or_is_one_sentence(text, suffix):
    p = _file(f"t{suffix}", text)
    table = _plain_or_result(lambda: read_table(p))
    if table is not None:
        assert len(table.rows) == len(table.lines)
        assert all(isinstance(c, str) for row in table.rows for c in row)


@FUZZ
@given(
    header=st.sampled_from(["ranking,group", "A,B,C", "Rank [1st choice],Rank [2nd choice]", ""]),
    body=file_text,
    options=st.sampled_from([None, ["A", "B", "C"], "A,B,C"]),
)
def test_any_ballot_csv_reads_or_is_one_sentence(header, body, options):
    p = _file("ballots.csv", header + "\n" + body)
    imp = _plain_or_result(lambda: read_ballots(p, options=options))
    if imp is not None:
        ids = {o.id for o in imp.options}
        assert all(set(r) <= ids and len(set(r)) == len(r) for r in imp.rankings)


@FUZZ
@given(body=file_text, kind=st.sampled_from(["soi", "soc", "toi", "toc"]))
def test_any_preflib_file_reads_or_is_one_sentence(body, kind):
    head = f"# DATA TYPE: {kind}\n# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n"
    p = _file(f"votes.{kind}", head + body)
    imp = _plain_or_result(lambda: read_ballots(p))
    if imp is not None:
        assert all(set(r) <= {"1", "2"} for r in imp.rankings)


@FUZZ
@given(first=st.sampled_from(["2 1", "3 1", "0 0", "99999999 1", "2 5"]), body=file_text)
def test_any_blt_file_reads_or_is_one_sentence(first, body):
    p = _file("votes.blt", first + "\n" + body)
    imp = _plain_or_result(lambda: read_ballots(p))
    if imp is not None:
        assert all(len(set(r)) == len(r) for r in imp.rankings)


@FUZZ
@given(text=file_text)
def test_any_options_file_reads_or_is_one_sentence(text):
    p = _file("options.txt", text)
    opts = _plain_or_result(lambda: read_options_file(p))
    if opts is not None:
        assert len({o.id for o in opts}) == len(opts) and all(o.label.strip() for o in opts)


@FUZZ
@given(raw=st.binary(max_size=600))
def test_any_bytes_as_a_workbook_are_one_sentence(raw):
    p = _file("book.xlsx", b"PK\x03\x04" + raw)
    _plain_or_result(lambda: read_table(p))
    _plain_or_result(lambda: read_ballots(p, options=["A", "B"]))


cells = st.lists(st.text(alphabet="AB>1st ,\"'é", max_size=6), min_size=1, max_size=4)


@FUZZ
@given(
    rows=st.lists(cells, min_size=1, max_size=6),
    dimension=st.sampled_from([None, "A1", "A1:B2", "A1:XFD1048576", "ZZ9", "nonsense"]),
)
def test_any_small_workbook_reads_every_row_whatever_it_declares(rows, dimension):
    p = write_xlsx(_fresh_dir() / "book.xlsx", sheet_xml(rows, dimension))
    table = _plain_or_result(lambda: read_table(p))
    if dimension in (None, "A1", "A1:B2", "A1:XFD1048576", "ZZ9"):
        assert table is not None  # a workbook this small is always read, whatever its size says
    if table is None:
        return  # a malformed <dimension> that openpyxl cannot parse: refused in one sentence

    def stripped(row: list[str]) -> tuple[str, ...]:
        cells = list(row)
        while cells and cells[-1] == "":
            cells.pop()
        return tuple(cells)

    # each row read is the row written on that sheet row (its trailing blanks dropped), and every
    # non-blank row written is read, or set aside as a footer line
    for row, line in zip(table.rows, table.lines, strict=True):
        assert row == stripped(rows[line - 1])
    written = {i for i, r in enumerate(rows, start=1) if any(r)}
    read = {line for row, line in zip(table.rows, table.lines, strict=True) if row}
    assert read | set(table.footer_lines) == written


# -- responses ----------------------------------------------------------------------------------
@FUZZ
@given(
    header=st.sampled_from(
        ["level,de1,de2", "Which level of the partnership do you mainly speak for?,de1", "a,b"]
    ),
    body=file_text,
)
def test_any_response_csv_reads_or_is_one_sentence(header, body):
    inst = load_instrument("partnership_cycle")
    p = _file("responses.csv", header + "\n" + body)
    imp = _plain_or_result(lambda: read_responses(p, inst))
    if imp is not None:
        for row in imp.responses.to_dict()["rows"]:
            assert all(v is None or v in (1, 2, 3, 4, 5, 8, 9) for v in row["answers"].values())


# -- saved files --------------------------------------------------------------------------------
@FUZZ
@given(path=st.sampled_from(SESSION_PATHS), value=json_values)
def test_a_session_file_with_any_value_changed_reads_or_is_one_sentence(path, value):
    p = _file("session.json", json.dumps(_replaced(SESSION, path, value)))
    session = _plain_or_result(lambda: read_session(p))
    replay = _plain_or_result(lambda: replay_file(p))
    assert (replay is None) == (session is None)
    if session is not None:  # a session that loads is whole: every ranking is on its paper
        numbers = [r.number for r in session.rounds]
        assert len(set(numbers)) == len(numbers)
        for r in session.rounds:
            assert all(set(b.ranking) <= set(r.option_ids) for b in r.ballots)
            assert all(b.group is None or isinstance(b.group, str) for b in r.ballots)


@FUZZ
@given(path=st.sampled_from(REVIEW_PATHS), value=json_values)
def test_a_review_file_with_any_value_changed_reads_or_is_one_sentence(path, value):
    p = _file("review.json", json.dumps(_replaced(REVIEW, path, value)))
    review = _plain_or_result(lambda: read_review(p))
    replay = _plain_or_result(lambda: replay_file(p))
    if review is None:
        assert replay is None


@FUZZ
@given(text=st.text(alphabet='[]{}",:0123456789eE.-+ nultrfasNIiy\\', max_size=300))
def test_any_json_text_parses_within_bounds_or_is_one_sentence(text):
    _plain_or_result(lambda: load_json(text, "x.json"))


# -- instruments --------------------------------------------------------------------------------
@FUZZ
@given(path=st.sampled_from(INSTRUMENT_PATHS), value=json_values)
def test_an_instrument_with_any_value_changed_loads_or_is_one_sentence(path, value):
    p = _file("inst.yaml", yaml.safe_dump(_replaced(INSTRUMENT, path, value)))
    _plain_or_result(lambda: load_instrument(p))


@FUZZ
@given(text=st.text(alphabet="ab: -&*[]{}\n#'\"!0123456789.", max_size=300))
def test_any_yaml_text_loads_within_bounds_or_is_one_sentence(text):
    import yaml as _yaml

    with bounded(seconds=5, megabytes=100):
        try:
            load_yaml(text, "i.yaml")
        except _yaml.YAMLError:
            pass  # the instrument loader words these (tested through load_instrument)
        except PLAIN_ERRORS as exc:
            one_sentence(exc)
    p = _file("inst.yaml", text)
    _plain_or_result(lambda: load_instrument(p))
