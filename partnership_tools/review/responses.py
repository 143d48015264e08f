"""Responses to a review instrument, and importing them from CSV or Excel files.

A :class:`Responses` holds one row per response in a wide DataFrame: ``respondent_id``, ``wave``,
one column per respondent field (``level``, ...), one float column per item holding the answer's
value or its "don't know"/"not applicable" code (NaN when blank), and ``comments``.

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

import io
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from partnership_tools.kernel.importreport import ImportReport
from partnership_tools.kernel.serial import converter, to_data
from partnership_tools.kernel.tabular import (
    Dialect,
    TabularError,
    decode_bytes,
    detect_dialect,
    read_xlsx,
)
from partnership_tools.review.instrument import Instrument, RespondentField, Scale, load_instrument
from partnership_tools.review.schema import normalise_text

__all__ = [
    "DEFAULT_WAVE",
    "InvalidCell",
    "ResponseFileError",
    "ResponseImport",
    "Responses",
    "read_responses",
]

DEFAULT_WAVE = "wave 1"
SPECIAL_COLUMNS = ("respondent_id", "wave", "comments")
_ID_HEADERS = {
    "respondent id",
    "respondent",
    "respondentid",
    "response id",
    "responseid",
    "id",
    "respondent no",
}
_COMMENT_HEADERS = re.compile(r"^(any (other |further )?)?comments?\b|^comments?\b")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_NUM_LABEL = re.compile(r"^(\d+)\s*[-:.)=]\s*(\D.*)$")
_LABEL_NUM = re.compile(r"^(\D.*?)\s*\((\d+)\)$")
_NUMBERING = re.compile(r"^(?:q(?:uestion)?\s*)?\d+[a-z]?\s*[.):-]?\s+", re.IGNORECASE)


class ResponseFileError(ValueError):
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
                canon = fld.canonical(text)
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
        for c in self.field_ids:
            if c not in f:
                f[c] = np.nan
        for c in self.item_ids:
            if c not in f:
                f[c] = np.nan
        cols = ["respondent_id", "wave", *self.field_ids, *self.item_ids, "comments"]
        f = f[cols].reset_index(drop=True)
        f["respondent_id"] = f["respondent_id"].astype(str).astype("str")
        f["wave"] = f["wave"].astype(str).astype("str")
        f["comments"] = f["comments"].where(f["comments"].notna(), "").astype(str).astype("str")
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
        """Build responses from dicts keyed by item id, field id, ``wave``, ``respondent_id``, ``comments``.

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
        """The unstructure hook (registered below the class): one record per respondent."""
        rows = []
        f = self.frame
        items = f[list(self.item_ids)].to_numpy(dtype=float)
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
            rows.append(
                {
                    "respondent_id": rec[0],
                    "wave": rec[1],
                    "fields": fields,
                    "answers": answers,
                    "comments": rec[-1],
                }
            )
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
        data: dict[str, Any] = {
            "respondent_id": [r["respondent_id"] for r in rows],
            "wave": [r["wave"] for r in rows],
            "comments": [r.get("comments") or "" for r in rows],
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


@dataclass
class _Table:
    headers: list[str]
    cells: pd.DataFrame  # str cells, columns 0..m-1
    rows: np.ndarray  # spreadsheet row number of each record
    warnings: list[str] = field(default_factory=list)
    dropped: int = 0  # blank rows skipped


def _read_csv(path: Path) -> _Table:
    """A CSV/TSV file decoded and split as :func:`~partnership_tools.kernel.tabular.read_table`
    does (its encodings and separator detection), then parsed strictly so ragged rows are caught."""
    name = path.name
    raw = path.read_bytes()
    if not raw.strip():
        raise ResponseFileError(f"{name} is empty.")
    try:
        decoded = decode_bytes(raw, name)
    except TabularError as exc:
        raise ResponseFileError(str(exc)) from None
    text = decoded.text
    warnings = []
    if decoded.encoding == "cp1252":
        warnings.append(
            f"{name} is not UTF-8; it was read as Windows (cp1252) text: check accented letters."
        )
    if "\x00" in text[:4096]:
        raise ResponseFileError(
            f"{name} looks like a binary file, not CSV; export the responses as CSV or .xlsx."
        )
    dialect = Dialect("\t") if path.suffix.lower() == ".tsv" else detect_dialect(text)
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=dialect.separator,
            quotechar=dialect.quotechar,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        detail = (
            f"line {m.group(2)} has {m.group(3)} cells but earlier rows have {m.group(1)}"
            if m
            else "the cells do not line up"
        )
        raise ResponseFileError(f"{name} could not be read as CSV: {detail}.") from None
    except pd.errors.EmptyDataError:
        raise ResponseFileError(f"{name} is empty.") from None
    df = df.fillna("")
    return _table_from(df, name, warnings)


def _read_excel(path: Path, sheet: str | int | None) -> _Table:
    """One sheet of a workbook, read by :func:`~partnership_tools.kernel.tabular.read_xlsx`
    (read-only, its ``<dimension>`` reset, its uncompressed size checked first)."""
    name = path.name
    try:
        table = read_xlsx(path, sheet, name=name)
    except TabularError as exc:
        raise ResponseFileError(str(exc)) from None
    rows = [list(r) for r in table.rows]
    width = max((len(r) for r in rows), default=0)
    if not rows or width == 0:
        raise ResponseFileError(f"{name} has an empty first sheet.")
    df = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    return _table_from(df, name, [])


def _table_from(df: pd.DataFrame, name: str, warnings: list[str]) -> _Table:
    df.columns = range(df.shape[1])
    blank = np.ones(len(df), dtype=bool)
    for c in df.columns:  # one look at each distinct cell text: fast on large files
        codes, uniques = pd.factorize(df[c].astype(object), use_na_sentinel=True)
        lut = np.append([not str(u).strip() for u in uniques], True).astype(bool)
        blank &= lut[codes]
    nonblank = np.nonzero(~blank)[0]
    if len(nonblank) == 0:
        raise ResponseFileError(f"{name} has no header row and no responses.")
    head = int(nonblank[0])
    headers = [str(h).strip() for h in df.iloc[head]]
    body = df.iloc[head + 1 :]
    keep = ~blank[head + 1 :]
    rows = np.arange(head + 2, head + 2 + len(body))[keep]
    body = body[keep].reset_index(drop=True)
    return _Table(headers, body, rows, list(warnings), int((~keep).sum()))


def _header_candidates(header: str) -> list[str]:
    h = header.strip()
    cands = [h]
    m = re.search(r"\[([^\]]+)\]\s*$", h)  # Google Forms grids: "Question [statement]"
    if m:
        cands.append(m.group(1))
    stripped = _NUMBERING.sub("", h)
    if stripped != h:
        cands.append(stripped)
    m = re.match(r"^([A-Za-z][A-Za-z0-9_.-]*)\s*(?:[:)]|\s-\s|\.\s)\s*(.+)$", h)  # "ud1: wording"
    if m:
        cands += [m.group(1), m.group(2)]
    return cands


def _match_columns(
    headers: Sequence[str], instrument: Instrument
) -> tuple[dict[int, tuple[str, str]], list[int], list[str]]:
    """Map column positions to ("item", id), ("field", id) or ("special", name)."""
    by_id = {normalise_text(i.id): i.id for i in instrument.items}
    by_text = {normalise_text(i.text): i.id for i in instrument.items}
    fields_by = {}
    for f in instrument.respondent_fields:
        fields_by[normalise_text(f.id)] = f.id
        fields_by[normalise_text(f.label)] = f.id
        fields_by[normalise_text(f.id.replace("_", " "))] = f.id
    found: dict[int, tuple[str, str]] = {}
    taken: dict[tuple[str, str], int] = {}
    unmatched: list[int] = []
    warnings: list[str] = []
    for pos, header in enumerate(headers):
        target: tuple[str, str] | None = None
        for cand in _header_candidates(header):
            key = normalise_text(cand)
            flat = key.replace("_", " ").replace("-", " ")
            if key in by_id:
                target = ("item", by_id[key])
            elif key in by_text:
                target = ("item", by_text[key])
            elif key in fields_by:
                target = ("field", fields_by[key])
            elif flat in _ID_HEADERS:
                target = ("special", "respondent_id")
            elif flat in ("wave", "review wave"):
                target = ("special", "wave")
            elif _COMMENT_HEADERS.match(flat):
                target = ("special", "comments")
            if target:
                break
        if target is None:
            unmatched.append(pos)
            continue
        if target in taken and target != ("special", "comments"):
            warnings.append(
                f"Columns {headers[taken[target]]!r} and {header!r} both match {target[1]}; the first one was used."
            )
            unmatched.append(pos)
            continue
        taken[target] = pos
        found[pos] = target
    return found, unmatched, warnings


def read_responses(
    path: str | os.PathLike[str],
    instrument: Instrument | str,
    wave: str | None = None,
    *,
    sheet: str | int | None = None,
) -> ResponseImport:
    """Import responses from a CSV (UTF-8, with or without BOM; comma, semicolon or tab) or ``.xlsx`` file.

    Columns are matched to items by id or by wording (also inside ``[...]`` as Google Forms writes
    grid rows, or after a question number such as ``"12. "``), to respondent fields by id or label,
    and to ``respondent_id``, ``wave`` and ``comments``. Unmatched columns are reported, not used.

    ``wave`` puts every response in that wave; without it a ``wave`` column is used, or
    :data:`DEFAULT_WAVE`. Invalid cells are left blank and listed in ``invalid_cells``. Rows that
    are blank throughout are dropped. Raises :class:`ResponseFileError` (one plain sentence) when
    the file cannot be used at all.
    """
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    p = Path(path)
    name = p.name or str(p)
    if not p.exists():
        raise ResponseFileError(f"There is no file {str(p)!r}.")
    if p.is_dir():
        raise ResponseFileError(f"{str(p)!r} is a folder, not a response file.")
    suffix = p.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            table = _read_excel(p, sheet)
        elif suffix == ".xls":
            raise ResponseFileError(f"{name} is in the old .xls format; save it as .xlsx or CSV.")
        elif suffix in (".csv", ".txt", ".tsv", ""):
            table = _read_csv(p)
        else:
            raise ResponseFileError(
                f"{name} is a {suffix} file; give a CSV or Excel .xlsx file of responses."
            )
    except PermissionError:
        raise ResponseFileError(f"{name} cannot be opened: permission denied.") from None

    found, unmatched_pos, warnings = _match_columns(table.headers, inst)
    warnings = table.warnings + warnings
    item_cols = {pos: t[1] for pos, t in found.items() if t[0] == "item"}
    if not item_cols:
        raise ResponseFileError(
            f"None of the {len(table.headers)} columns in {name} matches an item of {inst.id!r} by id or wording; "
            "check that this is the right instrument."
        )
    headers = [h or f"(column {i + 1})" for i, h in enumerate(table.headers)]
    cells = table.cells
    rows = table.rows
    n = len(cells)
    invalid: list[InvalidCell] = []

    def note(pos_list: list[tuple[int, str, str]], col: int) -> None:
        for pos, kind, why in pos_list:
            invalid.append(
                InvalidCell(int(rows[pos]), headers[col], str(cells.iat[pos, col]), why, kind)
            )

    data: dict[str, Any] = {}
    reader = AnswerReader(inst.scale)
    for col, item_id in item_cols.items():
        vals, bad = _read_column(cells[col], reader)
        data[item_id] = vals
        note(bad, col)

    for f in inst.respondent_fields:
        cols = [pos for pos, t in found.items() if t == ("field", f.id)]
        if cols:
            field_vals, bad = _read_field(list(cells[cols[0]]), f)
            data[f.id] = field_vals
            note(bad, cols[0])
        elif f.required:
            warnings.append(f"No column answers the required field {f.id!r} ({f.label}).")

    specials = {t[1]: pos for pos, t in sorted(found.items()) if t[0] == "special"}
    if "respondent_id" in specials:
        ids = [str(v).strip() for v in cells[specials["respondent_id"]]]
        data["respondent_id"] = [v or f"row-{rows[i]}" for i, v in enumerate(ids)]
    else:
        data["respondent_id"] = [f"row-{r}" for r in rows]
    if wave is not None:
        data["wave"] = [str(wave)] * n
        if "wave" in specials:
            given = {str(v).strip() for v in cells[specials["wave"]]} - {""}
            if given - {str(wave)}:
                warnings.append(
                    f"The file's wave column ({', '.join(sorted(given))}) was overridden by wave {wave!r}."
                )
    elif "wave" in specials:
        col = specials["wave"]
        wv = [str(v).strip() for v in cells[col]]
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
    comment_cols = [pos for pos, t in sorted(found.items()) if t == ("special", "comments")]
    if comment_cols:
        parts = [cells[c].astype(str).str.strip() for c in comment_cols]
        joined = parts[0]
        for extra in parts[1:]:
            joined = joined.str.cat(extra, sep="\n").str.strip()
        data["comments"] = list(joined)

    frame = pd.DataFrame(data)
    responses = Responses(inst.id, frame, inst.item_ids, inst.field_ids)
    dup = responses.frame.duplicated(["wave", "respondent_id"])
    if dup.any():
        first = responses.frame.loc[dup, "respondent_id"].iloc[0]
        warnings.append(
            f"{int(dup.sum())} respondent id(s) appear more than once in a wave, e.g. {first!r}."
        )
    dropped = table.dropped
    if dropped:
        warnings.append(f"{dropped} blank row(s) were skipped.")
    invalid.sort(key=lambda c: (c.row, headers.index(c.column) if c.column in headers else 0))
    matched_cols = {headers[pos]: iid for pos, iid in sorted(item_cols.items())}
    return ResponseImport(
        responses=responses,
        matched=matched_cols,
        matched_fields={headers[pos]: t[1] for pos, t in sorted(found.items()) if t[0] != "item"},
        unmatched_columns=tuple(headers[pos] for pos in unmatched_pos),
        invalid_cells=tuple(invalid),
        missing_items=tuple(i for i in inst.item_ids if i not in set(item_cols.values())),
        warnings=tuple(warnings),
        source=str(p),
        dropped_blank_rows=dropped,
    )
