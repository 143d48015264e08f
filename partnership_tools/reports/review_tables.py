"""A review's responses and scores as long-form tables, written as CSV and as one Excel workbook.

:func:`review_tables` builds three tables (and an "About" list) from the responses, the
instrument and the app's :class:`~partnership_tools.review.scoring.ReviewResult`:

* ``responses``: one row per response: ``respondent_id``, ``wave``, each respondent field
  (``level``, ...), for each item ``<item> answer`` (the label the respondent chose, e.g.
  "Agree" or "Don't know") and ``<item> score`` (the value scored: ``low + high - x`` on a
  reverse-worded item; empty for "don't know", "not applicable" and blanks), ``comments``, and
  ``source`` (where the response came from) when the responses carry such a column;
* ``dimensions`` and ``items``: the scores, one row per wave and group: the overall row
  (``grouped_by`` empty, group "All respondents"), then the groups of every respondent field in
  turn (``grouped_by`` the field's id), each scored with the result's settings by
  :func:`~partnership_tools.review.scoring.score_review`. Columns: ``group_size, respondents,
  n, mean, median, sd, pct_positive, pct_negative, dont_know, not_applicable, missing, band``,
  ``suppressed`` and ``note``.

**Suppression.** A row the scoring hid (a group smaller than the minimum group size, the group
hidden with it so it cannot be worked out from the total, or a wave too small to show) keeps its
keys, has every figure *empty* (never a number) and ``suppressed`` = ``"yes"``, with ``note``
saying why (``"fewer than 5 respondents"``). Shown rows have ``suppressed`` = ``"no"``.

**Writing.** Numbers keep full precision in CSV (Python's shortest round-trip form, never
rounded); the CSV is UTF-8 with a byte-order mark (so Excel reads accents). The workbook stores
numbers as numbers (as precise as Excel keeps them, about 15 significant digits) and has the
sheets ``About``, ``Responses``, ``Scores by dimension`` and ``Scores by item``. Every text cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a leading
apostrophe (:func:`guard`, OWASP's rule against formula injection) in both formats. Files are
written atomically (:mod:`partnership_tools.kernel.files`).

>>> from partnership_tools.review import Responses, load_instrument
>>> from partnership_tools.review.scoring import score_review
>>> inst = load_instrument("ten_lessons")
>>> r = Responses.from_records(inst, [{"level": "Manager", "ud1": 4, "ud3": 5}] * 5)
>>> t = review_tables(r, inst, score_review(r, inst), title="Spring review")
>>> list(t.responses.loc[0, ["ud1 answer", "ud1 score", "ud3 answer", "ud3 score"]])
['Agree', 4.0, 'Strongly agree', 1.0]
>>> row = t.items[(t.items["item"] == "ud1") & (t.items["grouped_by"] == "")].iloc[0]
>>> row["n"], row["mean"], row["suppressed"]
(5, 4.0, 'no')
>>> managers = t.items[(t.items["group"] == "Manager")].iloc[0]  # all 5 managers: shown
>>> managers["grouped_by"], managers["suppressed"], managers["n"]
('level', 'no', 5)
>>> csv_text(t.items).splitlines()[0].split(",")[:4]
['\\ufeffwave', 'grouped_by', 'group', 'dimension']
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from partnership_tools.kernel.files import atomic_write_bytes, atomic_write_text
from partnership_tools.review.instrument import Instrument
from partnership_tools.review.responses import Responses
from partnership_tools.review.scoring import ReviewResult, reason_text, score_review

__all__ = [
    "SHEETS",
    "SOURCE_COLUMNS",
    "ReviewTables",
    "csv_text",
    "guard",
    "responses_table",
    "results_by_field",
    "review_tables",
    "workbook_bytes",
    "write_csv",
    "write_workbook",
]

#: The sheets of the workbook, in order: (sheet title, table attribute).
SHEETS = (
    ("About", "about"),
    ("Responses", "responses"),
    ("Scores by dimension", "dimensions"),
    ("Scores by item", "items"),
)
#: The columns of a Responses frame that say where a response came from (the first present is used).
SOURCE_COLUMNS = ("source", "provenance")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

_FIGURES = [
    "group_size",
    "respondents",
    "n",
    "mean",
    "median",
    "sd",
    "pct_positive",
    "pct_negative",
    "dont_know",
    "not_applicable",
    "missing",
]
_KEYS = {
    "dimensions": ["wave", "grouped_by", "group", "dimension", "title"],
    "items": ["wave", "grouped_by", "group", "dimension", "item", "text", "reverse"],
}
_TAIL = ["band", "suppressed", "note"]


def guard(value: Any) -> Any:
    """A text cell made safe for a spreadsheet: a leading apostrophe when it starts with ``=``,
    ``+``, ``-``, ``@``, a tab or a carriage return (OWASP's CSV injection rule); anything that is
    not text is returned unchanged.

    >>> guard('=HYPERLINK("http://x")'), guard("+1 from me"), guard("fine"), guard(-2.5)
    ('\\'=HYPERLINK("http://x")', "'+1 from me", 'fine', -2.5)
    """
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


@dataclass(frozen=True, eq=False)
class ReviewTables:
    """The tables of one review, ready to write (see the module doc for their columns).

    ``about`` is a two-column table (``about``, ``value``): the review's title, instrument,
    minimum group size, waves, what "suppressed" means and when the tables were written.
    """

    responses: pd.DataFrame
    dimensions: pd.DataFrame
    items: pd.DataFrame
    about: pd.DataFrame
    min_group_size: int

    def table(self, name: str) -> pd.DataFrame:
        """One table by its attribute name (``responses``, ``dimensions``, ``items``, ``about``)."""
        frame = getattr(self, name)
        assert isinstance(frame, pd.DataFrame)
        return frame


# -- the tables --------------------------------------------------------------------------------
def _py(v: Any) -> Any:
    """A plain Python value: None for every kind of missing, int/float/bool/str otherwise."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(float(v)) else float(v)
    if isinstance(v, str):
        return v
    return str(v)


def _text(v: Any) -> str:
    v = _py(v)
    return "" if v is None or v == "None" else str(v)


def responses_table(responses: Responses, instrument: Instrument) -> pd.DataFrame:
    """One row per response: keys, fields, each item's answer label and score, comments, source.

    The score of a reverse-worded item is ``low + high - x``; "don't know", "not applicable" and
    blank answers have an empty score (and a blank answer an empty label)."""
    scale = instrument.scale
    frame = responses.frame
    data: dict[str, list[Any]] = {
        "respondent_id": [_text(v) for v in frame["respondent_id"]],
        "wave": [_text(v) for v in frame["wave"]],
    }
    for f in responses.field_ids:
        data[f] = [_text(v) for v in frame[f]]
    valid = set(scale.values)
    for item in instrument.items:
        col = frame[item.id] if item.id in frame else pd.Series([np.nan] * len(frame))
        answers: list[Any] = []
        scores: list[Any] = []
        for v in col:
            x = _py(v)
            if x is None:
                answers.append("")
                scores.append(None)
                continue
            code = int(x)
            answers.append(scale.label_for(code))
            if code in valid:
                scores.append(float(scale.reverse(code) if item.reverse else code))
            else:
                scores.append(None)
        data[f"{item.id} answer"] = answers
        data[f"{item.id} score"] = scores
    data["comments"] = [_text(v) for v in frame["comments"]]
    source = next((c for c in SOURCE_COLUMNS if c in frame.columns), None)
    if source is not None:
        data["source"] = [_text(v) for v in frame[source]]
    return pd.DataFrame(data, dtype=object)


def _score_rows(
    table: pd.DataFrame, kind: str, grouped_by: str, overall: bool, k: int
) -> list[dict[str, Any]]:
    part = table[table["overall"].astype(bool) == overall]
    rows = []
    for rec in part.to_dict("records"):
        hidden = bool(rec.get("suppressed"))
        row: dict[str, Any] = {}
        for c in _KEYS[kind]:
            if c == "grouped_by":
                row[c] = grouped_by
            elif c == "reverse":
                row[c] = "yes" if bool(rec.get("reverse")) else "no"
            else:
                row[c] = _text(rec.get(c))
        for c in _FIGURES:
            row[c] = None if hidden else _py(rec.get(c))
        row["band"] = "" if hidden else _text(rec.get("band_label"))
        row["suppressed"] = "yes" if hidden else "no"
        note = ""
        if hidden:
            note = reason_text(_text(rec.get("suppressed_reason")) or None, k)
        elif kind == "dimensions" and rec.get("met_minimum") is False and row["n"] is not None:
            note = f"no band: fewer than {int(rec['min_valid_answers'])} valid answers"
        row["note"] = note
        rows.append(row)
    return rows


def _scores(
    results: Mapping[str, ReviewResult], waves: Sequence[str], kind: str, k: int
) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for by, res in results.items():
        table = res.dimensions if kind == "dimensions" else res.items
        rows += _score_rows(table, kind, by, overall=(by == ""), k=k)
    columns = [*_KEYS[kind], *_FIGURES, *_TAIL]
    out = pd.DataFrame(rows, columns=columns, dtype=object)
    order = {w: i for i, w in enumerate(waves)}
    if len(out):
        rank = out["wave"].map(lambda w: order.get(w, len(order)))
        out = out.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)
    return out


def results_by_field(
    responses: Responses, instrument: Instrument, result: ReviewResult
) -> dict[str, ReviewResult]:
    """The scoring behind the score tables: ``""`` (no grouping, the overall rows) and every
    respondent field's id, each :func:`score_review` with ``result``'s settings and that
    grouping (``result`` itself is reused for its own grouping)."""
    out: dict[str, ReviewResult] = {}
    for by in ("", *instrument.field_ids):
        want = by or None
        if result.settings.by == want:
            out[by] = result
        else:
            out[by] = score_review(responses, instrument, result.settings.replace(by=want))
    return out


def _about(
    title: str, instrument: Instrument, result: ReviewResult, written_at: str
) -> pd.DataFrame:
    k = result.settings.min_group_size
    rows = [
        ("Review", title or "(untitled)"),
        ("Instrument", f"{instrument.title} ({instrument.id}, version {instrument.version})"),
        ("Waves", ", ".join(result.waves) or "none"),
        ("Grouped by", ", ".join(instrument.field_ids) or "no respondent fields"),
        ("Minimum group size", str(k)),
        (
            "Suppressed",
            f"A row marked suppressed = yes has no figures: its group had fewer than {k}"
            " respondents (or was hidden with such a group so it cannot be worked out from the"
            " total). The cells are left empty on purpose; the note says why.",
        ),
        (
            "Figures",
            "mean, median and sd are of the scored answers (reverse-worded items reversed);"
            " pct_positive and pct_negative are percentages of valid answers; don't know and not"
            " applicable are counted apart and never averaged. Numbers are not rounded.",
        ),
        ("Written", written_at),
    ]
    return pd.DataFrame(rows, columns=["about", "value"], dtype=object)


def review_tables(
    responses: Responses,
    instrument: Instrument,
    result: ReviewResult,
    title: str = "",
    written_at: str | None = None,
) -> ReviewTables:
    """The tables of a scored review (see the module doc). ``result`` is the app's scoring: its
    settings (minimum group size, waves) apply to every grouping. ``written_at`` defaults to now.
    """
    from partnership_tools.kernel.clock import utc_now

    k = result.settings.min_group_size
    results = results_by_field(responses, instrument, result)
    return ReviewTables(
        responses=responses_table(responses, instrument),
        dimensions=_scores(results, result.waves, "dimensions", k),
        items=_scores(results, result.waves, "items", k),
        about=_about(title, instrument, result, written_at or utc_now()),
        min_group_size=k,
    )


# -- writing -----------------------------------------------------------------------------------
def _csv_cell(v: Any) -> str:
    v = _py(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, int):
        return str(v)
    return str(guard(v))


def _cells(frame: pd.DataFrame) -> Iterable[list[Any]]:
    yield [guard(str(c)) for c in frame.columns]
    yield from (list(row) for row in frame.itertuples(index=False, name=None))


def csv_text(frame: pd.DataFrame) -> str:
    """The table as CSV text: a byte-order mark, a header row, empty cells for missing figures,
    numbers at full precision and every risky text cell :func:`guard`-ed."""
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\r\n")
    for row in _cells(frame):
        w.writerow([_csv_cell(v) for v in row])
    return buf.getvalue()


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write :func:`csv_text` of ``frame`` to ``path`` atomically."""
    atomic_write_text(path, csv_text(frame))


def _xlsx_cell(v: Any) -> Any:
    v = _py(v)
    if v is None:
        return None
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        return v
    return guard(str(v))


def workbook_bytes(tables: ReviewTables) -> bytes:
    """The workbook (``.xlsx``): one sheet per table in :data:`SHEETS` order, header row in bold
    and frozen. Missing figures are empty cells; every text cell is :func:`guard`-ed and stored as
    text (never as a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    first = True
    for sheet_title, attr in SHEETS:
        ws = wb.active if first else wb.create_sheet()
        first = False
        assert ws is not None
        ws.title = sheet_title
        for r, row in enumerate(_cells(tables.table(attr)), start=1):
            for c, v in enumerate(row, start=1):
                value = _xlsx_cell(v)
                if value is None:
                    continue
                cell = ws.cell(row=r, column=c)
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # text, even when it looks like a formula
                if r == 1:
                    cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        if attr == "about":
            ws.column_dimensions["A"].width = 22
            ws.column_dimensions["B"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_workbook(tables: ReviewTables, path: str | os.PathLike[str]) -> None:
    """Write :func:`workbook_bytes` to ``path`` atomically."""
    atomic_write_bytes(path, workbook_bytes(tables))
