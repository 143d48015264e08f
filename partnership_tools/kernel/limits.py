"""The bounds every reader keeps, in one place, and the bounded JSON and YAML loaders.

A file the kit reads is never trusted to say how big it is: a workbook's declared sheet size, a
zip member's compressed size or a YAML file's few bytes of aliases say nothing about the work
it takes to read it. Each reader measures what the file really holds against these bounds and
refuses, with one sentence naming the file and the bound, before doing that work.

=============================  ===============  =================================================
bound                          value            what it limits
=============================  ===============  =================================================
:data:`MAX_FILE_BYTES`         256 MiB          a CSV/TSV/PrefLib/BLT or saved JSON file, read whole
:data:`MAX_XLSX_BYTES`         200 MiB          a workbook's parts, uncompressed, all together
:data:`MAX_ROWS`               2,000,000        rows of a table (CSV or sheet)
:data:`MAX_COLUMNS`            5,000            columns of a table (its widest row)
:data:`MAX_CELLS`              10,000,000       rows x widest row of a table (what a rectangle holds)
:data:`MAX_BALLOTS`            2,000,000        ballots in one file, a PrefLib count or BLT weight included
:data:`MAX_OPTIONS`            5,000            options (alternatives, candidates) a ballot file names
:data:`MAX_JSON_DEPTH`         64               nesting of arrays and objects in a saved file
:data:`MAX_NUMBER_DIGITS`      50               digits of one number in a saved file or instrument
:data:`MAX_INSTRUMENT_BYTES`   2 MiB            an instrument's YAML or JSON file
:data:`MAX_YAML_DEPTH`         32               nesting of an instrument's YAML
:data:`MAX_YAML_ALIASES`       0                YAML aliases (``*name``): none, so no "billion laughs"
:data:`MAX_SCALE_CODE`         1,000,000        the size of a scale value or "don't know" code
=============================  ===============  =================================================

The kit's own files are far inside them: a 1,000,000-ballot CSV is 24 MB and 2,000,000 cells; a
100,000-response export of a 40-item review about 5,000,000 cells; a saved session nests 8 deep.

>>> load_json('{"a": [1, 2.5]}', "x.json")
{'a': [1, 2.5]}
>>> try:
...     load_json("[" * 100 + "]" * 100, "deep.json")
... except LimitError as exc:
...     print(exc)
deep.json nests arrays and objects more than 64 deep, past the limit this kit reads.
>>> try:
...     load_json('{"threshold": 1e400}', "s.json")
... except LimitError as exc:
...     print(exc)
s.json holds the number 1e400, which is too large to use (numbers must be finite and at most 50 digits long).
>>> try:
...     load_yaml("a: &x [1]\\nb: *x\\n", "i.yaml")
... except LimitError as exc:
...     print(exc)
i.yaml, line 2: uses the YAML alias *x; write the value out in full (instruments may use no aliases).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

from partnership_tools.kernel.errors import PlainError

__all__ = [
    "MAX_BALLOTS",
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_INSTRUMENT_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_NUMBER_DIGITS",
    "MAX_OPTIONS",
    "MAX_ROWS",
    "MAX_SCALE_CODE",
    "MAX_XLSX_BYTES",
    "MAX_YAML_ALIASES",
    "MAX_YAML_DEPTH",
    "LimitError",
    "check_file_size",
    "check_table_size",
    "json_too_deep",
    "load_json",
    "load_yaml",
]

#: A text file (CSV, TSV, PrefLib, BLT, options) or saved JSON file larger than this is refused.
MAX_FILE_BYTES = 256 * 1024 * 1024
#: A workbook whose parts would uncompress to more than this many bytes is refused unread.
MAX_XLSX_BYTES = 200 * 1024 * 1024
#: Rows of one table (a CSV file or one sheet), header rows included.
MAX_ROWS = 2_000_000
#: Columns of one table: the widest row's cells.
MAX_COLUMNS = 5_000
#: Rows times the widest row: the cells a rectangular reading of the table holds.
MAX_CELLS = 10_000_000
#: Ballots one file stands for: a PrefLib order's count and a BLT ballot's weight count in full.
MAX_BALLOTS = 2_000_000
#: Options (PrefLib alternatives, BLT candidates) one ballot file may name.
MAX_OPTIONS = 5_000
#: Arrays and objects nested inside each other in a saved JSON file.
MAX_JSON_DEPTH = 64
#: Digits (sign, point and exponent aside) of one number in a saved file or an instrument.
MAX_NUMBER_DIGITS = 50
#: An instrument file larger than this is refused.
MAX_INSTRUMENT_BYTES = 2 * 1024 * 1024
#: Sequences and mappings nested inside each other in an instrument's YAML.
MAX_YAML_DEPTH = 32
#: YAML aliases (``*name``) an instrument may use: none.
MAX_YAML_ALIASES = 0
#: The largest size (positive or negative) of a scale value or a "don't know"/"not applicable" code.
MAX_SCALE_CODE = 1_000_000


class LimitError(PlainError, ValueError):
    """A file past one of the bounds above, as one plain sentence naming the file and the bound."""


def _mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def check_file_size(size: int, name: str, limit: int = MAX_FILE_BYTES) -> None:
    """Refuse a file of ``size`` bytes over ``limit``.

    >>> check_file_size(10, "a.csv")
    >>> try:
    ...     check_file_size(300 * 1024 * 1024, "a.csv")
    ... except LimitError as exc:
    ...     print(exc)
    a.csv is 300 MiB, over the limit of 256 MiB this kit reads; split it and try again.
    """
    if size > limit:
        raise LimitError(
            f"{name} is {_mb(size)}, over the limit of {_mb(limit)} this kit reads;"
            " split it and try again."
        )


def check_table_size(name: str, rows: int, columns: int, *, where: str = "") -> None:
    """Refuse a table of ``rows`` rows whose widest row has ``columns`` cells when it passes
    :data:`MAX_ROWS`, :data:`MAX_COLUMNS` or :data:`MAX_CELLS` (rows x columns).

    ``where`` says where the bound was met (``", row 12"``).

    >>> check_table_size("a.csv", 1000, 40)
    >>> try:
    ...     check_table_size("a.csv", 1, 1_000_000, where=", line 1")
    ... except LimitError as exc:
    ...     print(exc)
    a.csv, line 1: has 1,000,000 columns, over the limit of 5,000 columns this kit reads.
    """
    label = f"{name}{where}:" if where.startswith(",") else f"{name}{where}"
    if columns > MAX_COLUMNS:
        raise LimitError(
            f"{label} has {columns:,} columns, over the limit of {MAX_COLUMNS:,} columns this kit"
            " reads."
        )
    if rows > MAX_ROWS:
        raise LimitError(
            f"{label} has more than {MAX_ROWS:,} rows, the limit this kit reads; split it and try"
            " again."
        )
    if rows * columns > MAX_CELLS:
        raise LimitError(
            f"{label} spans {rows:,} rows by {columns:,} columns, over the limit of"
            f" {MAX_CELLS:,} cells this kit reads; delete the empty rows and columns or split it."
        )


# -- JSON ----------------------------------------------------------------------------------------
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_PAIR = re.compile(r"\[\]|\{\}")


def json_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON ``text`` nests arrays and objects more than ``limit`` deep.

    Strings are taken out, then everything but brackets, then innermost ``[]``/``{}`` pairs
    are removed once per level: text left after ``limit`` passes nests deeper. Each pass is
    one regular-expression sweep, so the cost is ``limit`` sweeps whatever the file holds.

    >>> json_too_deep("[[1], {}]", 2), json_too_deep("[[[1]]]", 2)
    (False, True)
    """
    skeleton = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for _ in range(limit):
        if not skeleton:
            return False
        skeleton = _PAIR.sub("", skeleton)
    return bool(skeleton)


class _BadNumber(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _digits(text: str) -> int:
    mantissa = re.split("[eE]", text, maxsplit=1)[0]
    return sum(ch.isdigit() for ch in mantissa)


def _parse_int(text: str) -> int:
    if _digits(text) > MAX_NUMBER_DIGITS:
        raise _BadNumber(text)
    return int(text)


def _parse_float(text: str) -> float:
    if _digits(text) > MAX_NUMBER_DIGITS or len(text) > MAX_NUMBER_DIGITS + 10:
        raise _BadNumber(text)
    value = float(text)
    if not math.isfinite(value):
        raise _BadNumber(text)
    return value


def _parse_constant(text: str) -> float:
    raise _BadNumber(text)


def _shown(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}...{text[-4:]} ({len(text):,} characters)"


def load_json(text: str | bytes, source: str, error: type[ValueError] = LimitError) -> Any:
    """Parse JSON ``text`` within the bounds: at most :data:`MAX_FILE_BYTES`, nesting at most
    :data:`MAX_JSON_DEPTH`, every number finite and at most :data:`MAX_NUMBER_DIGITS` digits
    (``NaN``, ``Infinity``, ``1e400`` and a 5,000-digit number are refused).

    Raises ``error`` (a ``ValueError`` subclass; :class:`LimitError` by default) with one
    sentence naming ``source``: for a bound, or for text that is not JSON (with its line and
    column).
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise error(f"{source} is not a UTF-8 text file.") from None
    if len(text) > MAX_FILE_BYTES:
        raise error(
            f"{source} is over the limit of {_mb(MAX_FILE_BYTES)} this kit reads as a saved file."
        )
    too_deep = (
        f"{source} nests arrays and objects more than {MAX_JSON_DEPTH} deep, past the limit"
        " this kit reads."
    )
    try:
        data = json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except _BadNumber as exc:
        raise error(
            f"{source} holds the number {_shown(exc.text)}, which is too large to use (numbers"
            f" must be finite and at most {MAX_NUMBER_DIGITS} digits long)."
        ) from None
    except RecursionError:
        raise error(too_deep) from None
    except json.JSONDecodeError as exc:
        raise error(
            f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    if isinstance(data, (dict, list)) and json_too_deep(text):
        raise error(too_deep)
    return data


# -- YAML ----------------------------------------------------------------------------------------
class _Refused(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses aliases, deep nesting and over-long numbers."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise _Refused(
                    event.start_mark.line + 1,
                    f"uses the YAML alias *{event.anchor}; write the value out in full"
                    " (instruments may use no aliases).",
                )
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise _Refused(
                    mark.line + 1,
                    f"nests lists and mappings more than {MAX_YAML_DEPTH} deep, past the limit"
                    " this kit reads.",
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: Any) -> Any:
        if _digits(str(node.value).replace("_", "")) > MAX_NUMBER_DIGITS:
            raise _Refused(
                node.start_mark.line + 1,
                f"holds the number {_shown(str(node.value))}, which is too large to use"
                f" (at most {MAX_NUMBER_DIGITS} digits).",
            )
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: Any) -> Any:
        value = super().construct_yaml_float(node)
        if not math.isfinite(value) or _digits(str(node.value)) > MAX_NUMBER_DIGITS:
            raise _Refused(
                node.start_mark.line + 1,
                f"holds the number {_shown(str(node.value))}, which is too large to use"
                " (numbers must be finite).",
            )
        return value


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)
_BoundedLoader.add_constructor("tag:yaml.org,2002:float", _BoundedLoader.construct_yaml_float)


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML ``text`` safely within the bounds: at most :data:`MAX_INSTRUMENT_BYTES`
    characters, no aliases (:data:`MAX_YAML_ALIASES`), nesting at most :data:`MAX_YAML_DEPTH`,
    numbers finite and at most :data:`MAX_NUMBER_DIGITS` digits.

    Raises :class:`LimitError` (one sentence naming ``source`` and the line) past a bound;
    ``yaml.YAMLError`` for text that is not YAML, for the caller to word.

    >>> load_yaml("scale: {points: [1, 2]}", "i.yaml")
    {'scale': {'points': [1, 2]}}
    """
    if len(text) > MAX_INSTRUMENT_BYTES:
        raise LimitError(
            f"{source} is over the limit of {_mb(MAX_INSTRUMENT_BYTES)} this kit reads as an"
            " instrument."
        )
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except _Refused as exc:
        where = f"{source}, line {exc.line}" if exc.line else source
        raise LimitError(f"{where}: {exc.message}") from None
    except RecursionError:
        raise LimitError(
            f"{source} nests lists and mappings more than {MAX_YAML_DEPTH} deep, past the limit"
            " this kit reads."
        ) from None
    finally:
        loader.dispose()
