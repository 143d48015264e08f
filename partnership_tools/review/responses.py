"""Responses to a review instrument, and importing them from CSV or Excel files.

A :class:`Responses` holds one row per response in a wide DataFrame: ``respondent_id``, ``wave``,
one column per respondent field (``level``, ...), one float column per item holding the answer's
value or its "don't know"/"not applicable" code (NaN when blank), ``comments`` and ``source``
(where the response came from: ``"form"`` for the participants' review form, ``"file: <name>"``
for an imported file, ``""`` when not known, as in responses stored before it was kept).

:func:`read_responses` reads a file exported by an online form. Answers may be numbers or the
scale's labels; columns are matched to items by id or wording. Cells that cannot be read are left
blank (never zero) and every one of them is reported with its row, column, value and why.

>>> from partnership_tools.review.instrument import load_instrument
>>> inst = load_instrument("ten_lessons")
>>> r = Responses.from_records(inst, [
...     {"wave": "phase one", "level": "Manager", "ud1": "Agree", "ud2": 5, "ud3": "Don't know"},
...     {"wave": "phase one", "level": "citizen", "ud1": 2, "ud2": None, "comments": "More notice"},
... ])
>>> r.frame[["respondent_id", "level", "ud1", "ud2", "ud3"]].to_dict("list")
{'respondent_id': ['r1', 'r2'], 'level': ['Manager', 'Citizen or community activist'], 'ud1': [4.0, 2.0], 'ud2': [5.0, nan], 'ud3': [8.0, nan]}
>>> Responses.from_dict(r.to_dict()).equals(r)
True
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from partnership_tools.kernel.errors import PlainError
from partnership_tools.kernel.headers import header_key
from partnership_tools.kernel.importreport import ColumnUse, ImportReport
from partnership_tools.kernel.serial import converter, to_data
from partnership_tools.kernel.tabular import Table, TabularError, read_table
from partnership_tools.review.instrument import Instrument, RespondentField, Scale, load_instrument
from partnership_tools.review.response_layouts import (
    ColumnRole,
    LayoutError,
    ResponseLayout,
    field_value,
    parse_dates,
    recognise_columns,
)
from partnership_tools.review.schema import normalise_text

__all__ = [
    "DEFAULT_WAVE",
    "FORM_SOURCE",
    "InvalidCell",
    "ResponseFileError",
    "ResponseImport",
    "Responses",
    "file_source",
    "read_responses",
]

DEFAULT_WAVE = "wave 1"
SPECIAL_COLUMNS = ("respondent_id", "wave", "comments", "source")
#: The ``source`` of a response given through the participants' review form.
FORM_SOURCE = "form"


def file_source(name: str) -> str:
    """The ``source`` of a response imported from the file ``name`` (its folder left out).

    >>> file_source("/tmp/x/paper forms.csv")
    'file: paper forms.csv'
    """
    return f"file: {Path(name).name or name}"


_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_NUM_LABEL = re.compile(r"^(\d+)\s*[-:.)=]\s*(\D.*)$")
_LABEL_NUM = re.compile(r"^(\D.*?)\s*\((\d+)\)$")


class ResponseFileError(PlainError, ValueError):
    """A response file could not be used at all; the message is one plain sentence."""


@dataclass(frozen=True)
class InvalidCell:
    """A cell that could not be read. ``row`` is the spreadsheet row number (the header is row 1).

    ``kind`` is one of ``out_of_range``, ``unknown_label``, ``not_a_number``, ``not_allowed``,
    ``required``.
    """

    row: int
    column: str
    value: str
    why: str
    kind: str = "not_a_number"

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> InvalidCell:
        return converter.structure(d, cls)


def _invalid_cell_from_data(d: Mapping[str, Any], _cls: type) -> InvalidCell:
    """Lenient reading: numbers and text are coerced; a missing ``kind`` reads as ""."""
    return InvalidCell(
        int(d["row"]), str(d["column"]), str(d["value"]), str(d["why"]), str(d.get("kind", ""))
    )


converter.register_structure_hook(InvalidCell, _invalid_cell_from_data)


# -- reading single answers -------------------------------------------------------------------
class AnswerReader:
    """Reads answer cells for one scale: numbers, labels, aliases and forms like ``"5 - Strongly agree"``.

    :meth:`read` returns ``(value, kind, why)``: ``(None, None, None)`` for a blank cell, ``(value,
    None, None)`` for a good one and ``(None, kind, why)`` for a bad one.

    >>> from partnership_tools.review.instrument import load_instrument
    >>> rd = AnswerReader(load_instrument("ten_lessons").scale)
    >>> rd.read(" strongly AGREE "), rd.read("4.0"), rd.read("n/a"), rd.read("")
    ((5, None, None), (4, None, None), (9, None, None), (None, None, None))
    >>> rd.read("7")[1:]
    ('out_of_range', '7 is not on the scale (1 to 5) nor a code (8 = "Don\\'t know", 9 = "Not applicable")')
    """

    def __init__(self, scale: Scale) -> None:
        self.scale = scale
        self.allowed = set(scale.values) | set(scale.codes)
        self.spellings = scale.spellings()
        self.keyed = {header_key(k): v for k, v in self.spellings.items()}
        names = list(scale.labels) + [scale.label_for(c) for c in scale.codes]
        self._label_list = ", ".join(names)
        codes = ", ".join(f'{c} = "{scale.label_for(c)}"' for c in scale.codes)
        self._range = f"on the scale ({scale.low} to {scale.high})" + (
            f" nor a code ({codes})" if codes else ""
        )

    def read(self, cell: Any) -> tuple[int | None, str | None, str | None]:
        if cell is None or (isinstance(cell, float) and math.isnan(cell)):
            return None, None, None
        text = str(cell).strip()
        if not text:
            return None, None, None
        if _NUMBER.fullmatch(text):
            num = float(text.replace(",", "."))
            if num.is_integer() and int(num) in self.allowed:
                return int(num), None, None
            shown = text if not num.is_integer() else str(int(num))
            return None, "out_of_range", f"{shown} is not {self._range}"
        key = normalise_text(text)
        if key in self.spellings:
            return self.spellings[key], None, None
        if header_key(text) in self.keyed:
            return self.keyed[header_key(text)], None, None
        for pattern, num_first in ((_NUM_LABEL, True), (_LABEL_NUM, False)):
            m = pattern.match(text)
            if m:
                num_s, label = (m.group(1), m.group(2)) if num_first else (m.group(2), m.group(1))
                by_label = self.spellings.get(normalise_text(label))
                if by_label is not None:
                    if by_label == int(num_s):
                        return by_label, None, None
                    return (
                        None,
                        "unknown_label",
                        f"the number {num_s} and the label {label.strip()!r} ({by_label}) disagree",
                    )
        if re.search(r"[A-Za-z]", text) and not re.search(r"\d", text):
            return (
                None,
                "unknown_label",
                f"{text!r} is not one of the scale's labels ({self._label_list})",
            )
        return None, "not_a_number", f"{text!r} is not a number or one of the scale's labels"


def _read_column(
    values: pd.Series | Sequence[Any], reader: AnswerReader
) -> tuple[np.ndarray, list[tuple[int, str, str]]]:
    """Read a column of cells: float codes (NaN for blank or bad) and ``(position, kind, why)`` for bad cells.

    Each distinct cell text is read once, so this is fast on large files.
    """
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    lut = np.full(len(uniques) + 1, np.nan)  # last slot: the NA sentinel (-1)
    problems: dict[int, tuple[str, str]] = {}
    for k, u in enumerate(uniques):
        v, kind, why = reader.read(u)
        if v is not None:
            lut[k] = v
        elif kind is not None:
            problems[k] = (kind, why or "")
    out = lut[codes]
    bad: list[tuple[int, str, str]] = []
    if problems:
        bad_codes = np.fromiter(problems, dtype=np.int64)
        for pos in np.nonzero(np.isin(codes, bad_codes))[0]:
            kind, why = problems[int(codes[pos])]
            bad.append((int(pos), kind, why))
    return out, bad


def _read_field(
    values: Sequence[Any], fld: RespondentField
) -> tuple[list[str | None], list[tuple[int, str, str]]]:
    cache: dict[Any, tuple[str | None, str | None, str | None]] = {}
    out: list[str | None] = []
    bad: list[tuple[int, str, str]] = []
    allowed = ", ".join(fld.values)
    for pos, cell in enumerate(values):
        if cell not in cache:
            text = (
                ""
                if cell is None or (isinstance(cell, float) and math.isnan(cell))
                else str(cell).strip()
            )
            res: tuple[str | None, str | None, str | None]
            if not text:
                res = (
                    (None, "required", f"blank, but {fld.id} must be answered")
                    if fld.required
                    else (None, None, None)
                )
            else:
                canon = field_value(fld, text)
                res = (
                    (canon, None, None)
                    if canon
                    else (
                        None,
                        "not_allowed",
                        f"{text!r} is not an allowed answer for {fld.id} ({allowed})",
                    )
                )
            cache[cell] = res
        v, kind, why = cache[cell]
        out.append(v)
        if kind:
            bad.append((pos, kind, why or ""))
    return out, bad


# -- the Responses container ------------------------------------------------------------------
def _is_blank(v: Any) -> bool:
    return (
        v is None
        or (isinstance(v, float) and math.isnan(v))
        or (isinstance(v, str) and not v.strip())
    )


@dataclass(frozen=True, eq=False)
class Responses:
    """Answers to one instrument, one row per response, in a wide DataFrame (see the module doc).

    Item columns hold scale values or the "don't know"/"not applicable" codes as floats, NaN when
    blank. Field columns hold the allowed value or NaN ("not stated"). Use :meth:`equals` to compare.
    """

    instrument_id: str
    frame: pd.DataFrame
    item_ids: tuple[str, ...]
    field_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "item_ids", tuple(self.item_ids))
        object.__setattr__(self, "field_ids", tuple(self.field_ids))
        f = self.frame.copy()
        n = len(f)
        if "respondent_id" not in f:
            f["respondent_id"] = [f"r{i + 1}" for i in range(n)]
        if "wave" not in f:
            f["wave"] = DEFAULT_WAVE
        if "comments" not in f:
            f["comments"] = ""
        if "source" not in f:
            f["source"] = ""
        for c in self.field_ids:
            if c not in f:
                f[c] = np.nan
        for c in self.item_ids:
            if c not in f:
                f[c] = np.nan
        cols = ["respondent_id", "wave", *self.field_ids, *self.item_ids, "comments", "source"]
        f = f[cols].reset_index(drop=True)
        f["respondent_id"] = f["respondent_id"].astype(str).astype("str")
        f["wave"] = f["wave"].astype(str).astype("str")
        f["comments"] = f["comments"].where(f["comments"].notna(), "").astype(str).astype("str")
        f["source"] = f["source"].where(f["source"].notna(), "").astype(str).astype("str")
        for c in self.field_ids:
            f[c] = pd.Series([None if _is_blank(v) else str(v) for v in f[c]], dtype="str")
        for c in self.item_ids:
            try:
                f[c] = pd.to_numeric(f[c], errors="raise").astype("float64")
            except (TypeError, ValueError):
                raise ValueError(
                    f"Item column {c!r} must hold numbers; use Responses.from_records for labels."
                ) from None
        object.__setattr__(self, "frame", f)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_frame(cls, frame: pd.DataFrame, instrument: Instrument) -> Responses:
        """Wrap a wide DataFrame of numeric codes for ``instrument`` and check every code is allowed."""
        r = cls(instrument.id, frame, instrument.item_ids, instrument.field_ids)
        r.check(instrument)
        return r

    @classmethod
    def from_records(
        cls, instrument: Instrument, records: Iterable[Mapping[str, Any]]
    ) -> Responses:
        """Build responses from dicts keyed by item id, field id, ``wave``, ``respondent_id``,
        ``comments``, ``source``.

        Answers may be values, codes or labels; anything unreadable raises ``ValueError``.
        """
        records = list(records)
        reader = AnswerReader(instrument.scale)
        data: dict[str, Any] = {
            "respondent_id": [
                str(r.get("respondent_id") or f"r{i + 1}") for i, r in enumerate(records)
            ],
            "wave": [str(r.get("wave") or DEFAULT_WAVE) for r in records],
            "comments": [str(r.get("comments") or "") for r in records],
            "source": [str(r.get("source") or "") for r in records],
        }
        for fld in instrument.respondent_fields:
            vals = []
            for i, r in enumerate(records):
                v = r.get(fld.id)
                canon = None if _is_blank(v) else fld.canonical(str(v))
                if not _is_blank(v) and canon is None:
                    raise ValueError(
                        f"Record {i + 1}: {v!r} is not an allowed answer for {fld.id}."
                    )
                vals.append(canon)
            data[fld.id] = vals
        for item_id in instrument.item_ids:
            col = []
            for i, r in enumerate(records):
                v, kind, why = reader.read(r.get(item_id))
                if kind:
                    raise ValueError(f"Record {i + 1}, item {item_id}: {why}.")
                col.append(np.nan if v is None else float(v))
            data[item_id] = col
        unknown = sorted({k for r in records for k in r} - set(data))
        if unknown:
            raise ValueError(f"Unknown key(s) in records: {', '.join(unknown)}.")
        return cls(instrument.id, pd.DataFrame(data), instrument.item_ids, instrument.field_ids)

    @classmethod
    def combine(cls, parts: Sequence[Responses]) -> Responses:
        """Stack responses to the same instrument (e.g. two waves imported from two files)."""
        if not parts:
            raise ValueError("Nothing to combine.")
        first = parts[0]
        for p in parts[1:]:
            if p.instrument_id != first.instrument_id:
                raise ValueError(
                    f"Cannot combine responses to {first.instrument_id!r} and {p.instrument_id!r}."
                )
        item_ids = tuple(dict.fromkeys(i for p in parts for i in p.item_ids))
        field_ids = tuple(dict.fromkeys(i for p in parts for i in p.field_ids))
        frame = pd.concat([p.frame for p in parts], ignore_index=True)
        return cls(first.instrument_id, frame, item_ids, field_ids)

    # -- checks and views --------------------------------------------------------------------
    def check(self, instrument: Instrument) -> None:
        """Raise ``ValueError`` if an item column holds a value that is neither on the scale nor a code."""
        if instrument.id != self.instrument_id:
            raise ValueError(
                f"These responses are to {self.instrument_id!r}, not {instrument.id!r}."
            )
        allowed = np.array(
            sorted(set(instrument.scale.values) | set(instrument.scale.codes)), dtype=float
        )
        cols = [c for c in instrument.item_ids if c in self.frame]
        if not cols:
            return
        x = self.frame[cols].to_numpy(dtype=float)
        bad = ~np.isnan(x) & ~np.isin(x, allowed)
        if bad.any():
            r, c = (int(v[0]) for v in np.nonzero(bad))
            raise ValueError(
                f"{int(bad.sum())} answer(s) are neither on the scale nor a code, e.g. {x[r, c]:g} "
                f"for item {cols[c]} in row {r + 1}."
            )

    @property
    def n(self) -> int:
        return len(self.frame)

    @cached_property
    def waves(self) -> tuple[str, ...]:
        """The waves in order of first appearance."""
        return tuple(pd.unique(self.frame["wave"]))

    def for_wave(self, wave: str) -> Responses:
        if wave not in self.waves:
            raise ValueError(f"There is no wave {wave!r}; the waves are: {', '.join(self.waves)}.")
        return Responses(
            self.instrument_id,
            self.frame[self.frame["wave"] == wave],
            self.item_ids,
            self.field_ids,
        )

    def with_source(self, source: str) -> Responses:
        """A copy with every response's ``source`` set to ``source`` (e.g. :func:`file_source`).

        >>> from partnership_tools.review.instrument import load_instrument
        >>> inst = load_instrument("ten_lessons")
        >>> r = Responses.from_records(inst, [{"ud1": 4}]).with_source("form")
        >>> list(r.frame["source"]), r.to_dict()["rows"][0]["source"]
        (['form'], 'form')
        """
        return Responses(
            self.instrument_id, self.frame.assign(source=source), self.item_ids, self.field_ids
        )

    def in_wave(self, wave: str) -> Responses:
        """A copy with every response put in ``wave``."""
        return Responses(
            self.instrument_id, self.frame.assign(wave=wave), self.item_ids, self.field_ids
        )

    def to_long(self) -> pd.DataFrame:
        """One row per answer: ``respondent_id, wave, <fields>, item, value`` (blanks left out)."""
        keys = ["respondent_id", "wave", *self.field_ids]
        long = self.frame.melt(
            id_vars=keys,
            value_vars=list(self.item_ids),
            var_name="item",
            value_name="value",
            ignore_index=False,
        )
        long = long.sort_index(kind="stable")
        return long[long["value"].notna()].reset_index(drop=True)

    def equals(self, other: object) -> bool:
        return (
            isinstance(other, Responses)
            and self.instrument_id == other.instrument_id
            and self.item_ids == other.item_ids
            and self.field_ids == other.field_ids
            and self.frame.equals(other.frame)
        )

    # -- (de)serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Responses:
        return converter.structure(d, cls)

    def _to_data(self) -> dict[str, Any]:
        """The unstructure hook (registered below the class): one record per respondent; a
        record has a ``source`` only when it is known, so responses without one are written as
        before it was kept (and a saved review's bytes and digest stay the same)."""
        rows = []
        f = self.frame
        items = f[list(self.item_ids)].to_numpy(dtype=float)
        sources = list(f["source"])
        for i, rec in enumerate(
            f[["respondent_id", "wave", *self.field_ids, "comments"]].itertuples(index=False)
        ):
            fields = {
                fid: (None if _is_blank(v) else v)
                for fid, v in zip(self.field_ids, rec[2:-1], strict=True)
            }
            answers = {
                iid: (None if math.isnan(v) else int(v))
                for iid, v in zip(self.item_ids, items[i], strict=True)
            }
            row = {
                "respondent_id": rec[0],
                "wave": rec[1],
                "fields": fields,
                "answers": answers,
                "comments": rec[-1],
            }
            if sources[i]:
                row["source"] = sources[i]
            rows.append(row)
        return {
            "instrument_id": self.instrument_id,
            "item_ids": list(self.item_ids),
            "field_ids": list(self.field_ids),
            "rows": rows,
        }

    @classmethod
    def _from_data(cls, d: Mapping[str, Any]) -> Responses:
        """The structure hook (registered below the class): the inverse of :meth:`_to_data`."""
        item_ids = tuple(d["item_ids"])
        field_ids = tuple(d.get("field_ids") or ())
        rows = d.get("rows") or []
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError("The responses' rows must be a list of records.")
        for n, r in enumerate(rows, start=1):
            for part in ("answers", "fields"):
                if r.get(part) is not None and not isinstance(r.get(part), dict):
                    raise ValueError(
                        f"Response {n}'s {part} must be a record of ids and values, not"
                        f" {type(r.get(part)).__name__}."
                    )
        data: dict[str, Any] = {
            "respondent_id": [r["respondent_id"] for r in rows],
            "wave": [r["wave"] for r in rows],
            "comments": [r.get("comments") or "" for r in rows],
            "source": [r.get("source") or "" for r in rows],
        }
        for fid in field_ids:
            data[fid] = [(r.get("fields") or {}).get(fid) for r in rows]
        for iid in item_ids:
            data[iid] = [
                np.nan if (r.get("answers") or {}).get(iid) is None else float(r["answers"][iid])
                for r in rows
            ]
        return cls(
            str(d["instrument_id"]), pd.DataFrame(data, columns=list(data)), item_ids, field_ids
        )


converter.register_unstructure_hook(Responses, Responses._to_data)
converter.register_structure_hook(Responses, lambda d, _cls: Responses._from_data(d))


# -- importing files --------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ResponseImport:
    """What :func:`read_responses` found: the responses and a full account of what it could not use.

    ``matched`` maps column headers to item ids; ``matched_fields`` maps the other recognised
    headers to a respondent field id or to ``respondent_id``, ``wave`` or ``comments``.
    """

    responses: Responses
    matched: dict[str, str]
    matched_fields: dict[str, str]
    unmatched_columns: tuple[str, ...]
    invalid_cells: tuple[InvalidCell, ...]
    missing_items: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    source: str = ""
    dropped_blank_rows: int = 0
    #: What was read and how (see :mod:`partnership_tools.kernel.importreport`).
    report: ImportReport | None = None
    #: The earliest and latest date in the file's timestamp column (ISO), when it has one.
    first_date: str | None = None
    last_date: str | None = None

    @property
    def ok(self) -> bool:
        """True when every cell was read and every column was matched."""
        return not self.invalid_cells and not self.unmatched_columns

    def summary(self) -> str:
        """A few plain sentences describing the import."""
        r = self.responses
        lines = [
            f"Read {r.n} response(s) from {Path(self.source).name or 'the file'}, "
            f"matching {len(self.matched)} of {len(r.item_ids)} items."
        ]
        if self.unmatched_columns:
            lines.append(f"Columns not used: {', '.join(self.unmatched_columns)}.")
        if self.missing_items:
            lines.append(f"Items with no column: {', '.join(self.missing_items)}.")
        if self.invalid_cells:
            lines.append(
                f"{len(self.invalid_cells)} cell(s) could not be read and were left blank:"
            )
            for c in self.invalid_cells[:10]:
                lines.append(f"  row {c.row}, column {c.column!r}: {c.why}.")
            if len(self.invalid_cells) > 10:
                lines.append(f"  ... and {len(self.invalid_cells) - 10} more.")
        lines += list(self.warnings)
        return "\n".join(lines)

    def invalid_frame(self) -> pd.DataFrame:
        """The invalid cells as a table: ``row, column, value, why, kind``."""
        cols = ["row", "column", "value", "why", "kind"]
        return pd.DataFrame([c.to_dict() for c in self.invalid_cells], columns=cols)


_SUFFIXES = (".csv", ".txt", ".tsv", "", ".xlsx", ".xlsm")


def _rows_of(p: Path, sheet: str | int | None) -> Table:
    """The file's rows through :func:`~partnership_tools.kernel.tabular.read_table`."""
    name = p.name or str(p)
    suffix = p.suffix.lower()
    if suffix == ".xls":
        raise ResponseFileError(f"{name} is in the old .xls format; save it as .xlsx or CSV.")
    if suffix not in _SUFFIXES:
        raise ResponseFileError(
            f"{name} is a {suffix} file; give a CSV or Excel .xlsx file of responses."
        )
    try:
        return read_table(p, sheet=sheet, name=name)
    except PermissionError:
        raise ResponseFileError(f"{name} cannot be opened: permission denied.") from None
    except TabularError as exc:
        raise ResponseFileError(str(exc)) from None


def _span(row: Sequence[str]) -> int:
    """How many file lines a row takes (a quoted cell may hold line breaks)."""
    return 1 + sum(c.count("\n") for c in row)


def _dates_of(
    layout: ResponseLayout, cells: Sequence[Sequence[str]]
) -> tuple[list[pd.Timestamp | None], str]:
    """Each response's date from the first timestamp column that reads as dates, and its header."""
    for role in layout.roles:
        if role.use == "bookkeeping" and role.target == "timestamp":
            got = parse_dates([r[role.index] for r in cells])
            filled = sum(bool(r[role.index].strip()) for r in cells)
            if filled and sum(d is not None for d in got) >= max(1, filled // 2):
                return got, role.header
    return [None] * len(cells), ""


def _iso(t: pd.Timestamp) -> str:
    return str(t.date().isoformat())


def read_responses(
    path: str | os.PathLike[str],
    instrument: Instrument | str,
    wave: str | None = None,
    *,
    sheet: str | int | None = None,
    group_column: str | int | None = None,
    group_field: str | None = None,
) -> ResponseImport:
    """Import responses from a CSV (any encoding and separator :func:`read_table` reads) or ``.xlsx``.

    The header rows each tool writes are recognised (Qualtrics' three or two rows, SurveyMonkey's
    two, one otherwise) and every column given one use by
    :func:`~partnership_tools.review.response_layouts.recognise_columns`: an item (by id, code
    or wording), a respondent field (by wording or by its values; ``group_column``, a header or
    1-based number, names the column of ``group_field``), the wave, the respondent id, a comment
    (by header, or any free-text column), bookkeeping or set aside. The result's ``report`` says
    all of it.

    ``wave`` puts every response in that wave; without it a ``wave`` column is used, or
    :data:`DEFAULT_WAVE`. A wave column's waves are ordered by their earliest timestamp when the
    file has one, else by first appearance. Invalid cells are left blank and listed in
    ``invalid_cells``. Rows that are blank throughout are dropped. Raises
    :class:`ResponseFileError` (one plain sentence) when the file cannot be used at all: nothing
    is half read.
    """
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    p = Path(path)
    name = p.name or str(p)
    if not p.exists():
        raise ResponseFileError(f"There is no file {str(p)!r}.")
    if p.is_dir():
        raise ResponseFileError(f"{str(p)!r} is a folder, not a response file.")
    table = _rows_of(p, sheet)
    is_xlsx = table.encoding == "xlsx"
    all_rows = [list(r) for r in table.rows]
    all_lines = list(table.lines)
    while all_rows and not any(c.strip() for c in all_rows[0]):
        all_rows.pop(0)
        all_lines.pop(0)
    if not all_rows:
        raise ResponseFileError(f"{name} is empty.")
    try:
        layout = recognise_columns(
            all_rows, inst, name=name, group_column=group_column, group_field=group_field
        )
    except LayoutError as exc:
        raise ResponseFileError(str(exc)) from None
    headers = list(layout.headers)
    width = len(headers)
    item_roles = layout.of("item")
    if not item_roles:
        raise ResponseFileError(
            f"None of the {width} columns in {name} matches an item of {inst.id!r} by id or"
            " wording; check that this is the right instrument."
        )
    nh = layout.header_rows
    header_lines = tuple(all_lines[:nh])
    body, body_lines = all_rows[nh:], all_lines[nh:]
    warnings = list(table.warnings) + list(layout.warnings)
    cells: list[list[str]] = []
    rows_list: list[int] = []
    blank_lines: list[int] = []
    expect = (all_lines[nh - 1] + _span(all_rows[nh - 1])) if nh else 1
    for row, line in zip(body, body_lines, strict=True):
        if not is_xlsx:
            blank_lines += range(expect, line)
        expect = line + _span(row)
        if len(row) > width and any(c.strip() for c in row[width:]):
            last = max(k for k, c in enumerate(row) if c.strip()) + 1
            where = f"row {line}" if is_xlsx else f"line {line}"
            raise ResponseFileError(
                f"{name} could not be read: {where} has {last} cells but the header has {width}."
                if is_xlsx
                else f"{name} could not be read as CSV: {where} has {last} cells but earlier"
                f" rows have {width}."
            )
        padded = [c.strip() for c in row[:width]] + [""] * (width - len(row))
        if not any(padded):
            blank_lines.append(line)
            continue
        cells.append(padded)
        rows_list.append(line)
    if not cells:
        raise ResponseFileError(
            f"{name} has a header but no responses (a form exported before anyone answered);"
            " export it again once there are answers."
        )
    rows = np.array(rows_list)
    n = len(cells)
    frame_cells = pd.DataFrame(cells, dtype=object)
    invalid: list[InvalidCell] = []

    def note(pos_list: list[tuple[int, str, str]], col: int) -> None:
        for pos, kind, why in pos_list:
            invalid.append(InvalidCell(int(rows[pos]), headers[col], cells[pos][col], why, kind))

    data: dict[str, Any] = {}
    reader = AnswerReader(inst.scale)
    for role in item_roles:
        vals, bad = _read_column(frame_cells[role.index], reader)
        data[role.target] = vals
        note(bad, role.index)
    for f in inst.respondent_fields:
        cols = [r.index for r in layout.of("field") if r.target == f.id]
        if cols:
            field_vals, bad = _read_field(list(frame_cells[cols[0]]), f)
            data[f.id] = field_vals
            note(bad, cols[0])
        elif f.required:
            warnings.append(f"No column answers the required field {f.id!r} ({f.label}).")
    ids = layout.of("respondent id")
    if ids:
        got = [c[ids[0].index] for c in cells]
        data["respondent_id"] = [v or f"row-{rows[i]}" for i, v in enumerate(got)]
    else:
        data["respondent_id"] = [f"row-{r}" for r in rows]
    wave_roles = layout.of("wave")
    dates, date_header = _dates_of(layout, cells)
    notes = list(layout.notes)
    if wave is not None:
        data["wave"] = [str(wave)] * n
        if wave_roles:
            given = {c[wave_roles[0].index] for c in cells} - {""}
            if given - {str(wave)}:
                warnings.append(
                    f"The file's wave column ({', '.join(sorted(given))}) was overridden by"
                    f" wave {wave!r}."
                )
    elif wave_roles:
        col = wave_roles[0].index
        wv = [c[col] for c in cells]
        for i, v in enumerate(wv):
            if not v:
                invalid.append(
                    InvalidCell(
                        int(rows[i]),
                        headers[col],
                        "",
                        f"blank wave; put in {DEFAULT_WAVE!r}",
                        "required",
                    )
                )
        data["wave"] = [v or DEFAULT_WAVE for v in wv]
    else:
        data["wave"] = [DEFAULT_WAVE] * n
    comment_cols = [r.index for r in layout.of("comment")]
    if comment_cols:
        data["comments"] = ["\n".join(c[k] for k in comment_cols if c[k]).strip() for c in cells]

    frame = pd.DataFrame(data)
    order = _wave_order(frame["wave"].tolist(), dates)
    if order is not None:
        frame = frame.iloc[order[0]].reset_index(drop=True)
        notes.append(f"Waves ordered by their earliest {date_header or 'timestamp'}: {order[1]}.")
    responses = Responses(inst.id, frame, inst.item_ids, inst.field_ids)
    dup = responses.frame.duplicated(["wave", "respondent_id"])
    if dup.any():
        first = responses.frame.loc[dup, "respondent_id"].iloc[0]
        warnings.append(
            f"{int(dup.sum())} respondent id(s) appear more than once in a wave, e.g. {first!r}."
        )
    if blank_lines:
        warnings.append(f"{len(blank_lines)} blank row(s) were skipped.")
    invalid.sort(key=lambda c: (c.row, headers.index(c.column) if c.column in headers else 0))
    known = [d for d in dates if d is not None]
    report = ImportReport(
        file=name,
        kind="responses",
        format="xlsx" if is_xlsx else "csv",
        layout=layout.style,
        encoding=None if is_xlsx else table.encoding,
        separator=table.separator,
        header_rows=header_lines,
        footer_lines=tuple(getattr(table, "footer_lines", ())),
        columns=tuple(_column_use(r, group_field) for r in layout.roles),
        blank_rows=tuple(blank_lines),
        notes=tuple(notes) + tuple(warnings),
    )
    used = ("item", "field", "wave", "respondent id", "comment")
    return ResponseImport(
        responses=responses,
        matched={r.header: r.target for r in item_roles},
        matched_fields={
            r.header: r.target
            for r in layout.roles
            if r.use in used[1:] and not (r.use == "comment" and r.how == "free text")
        },
        unmatched_columns=tuple(r.header for r in layout.roles if r.use not in used),
        invalid_cells=tuple(invalid),
        missing_items=tuple(i for i in inst.item_ids if i not in {r.target for r in item_roles}),
        warnings=tuple(warnings),
        source=str(p),
        dropped_blank_rows=len(blank_lines),
        report=report,
        first_date=_iso(min(known)) if known else None,
        last_date=_iso(max(known)) if known else None,
    )


def _column_use(role: ColumnRole, group_field: str | None) -> ColumnUse:
    use = role.use
    if use == "field" and group_field is not None and role.target == group_field:
        use = "group"
    detail = role.target
    if role.how in ("by its values", "free text", "named with --group-column"):
        detail = f"{role.target}, {role.how}"
    return ColumnUse(role.index, role.header, use, detail)


def _wave_order(
    waves: Sequence[str], dates: Sequence[pd.Timestamp | None]
) -> tuple[list[int], str] | None:
    """Row positions putting each wave's rows in the order of the wave's earliest date, and a
    phrase naming them; None when there is one wave or no dates.

    >>> import pandas as pd
    >>> _wave_order(["b", "a", "b"], [pd.Timestamp("2024-05-01"), pd.Timestamp("2023-05-01"), None])
    ([1, 0, 2], 'a (from 2023-05-01), b (from 2024-05-01)')
    """
    names = list(dict.fromkeys(waves))
    if len(names) < 2:
        return None
    earliest: dict[str, pd.Timestamp] = {}
    for w, d in zip(waves, dates, strict=True):
        if d is not None and (w not in earliest or d < earliest[w]):
            earliest[w] = d
    if len(earliest) < len(names):
        return None
    ranked = sorted(names, key=lambda w: earliest[w])
    rank = {w: k for k, w in enumerate(ranked)}
    order = sorted(range(len(waves)), key=lambda i: rank[waves[i]])
    phrase = ", ".join(f"{w} (from {_iso(earliest[w])})" for w in ranked)
    return order, phrase
