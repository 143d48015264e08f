"""What each column of a response file is: the layout recogniser for health-check responses.

A response file's header rows are split by :func:`~partnership_tools.kernel.headers.split_header_rows`
(Qualtrics: codes, texts, ImportId JSON, or the legacy ``V1``, ``V2``... over ``ResponseID``...;
SurveyMonkey: question over statement; a typed-up sheet: title rows, a question merged over its
statements; otherwise one row).
Then every column gets one use (a :class:`ColumnRole`), tried in this order:

1. an **item**, by id, code or wording in the tool's header style (``Question [Statement]``,
   ``Question - Statement``, ``12. Statement``, ``id: wording``, the statement alone), every
   wording compared by :func:`~partnership_tools.kernel.headers.header_key` (case, punctuation,
   quotes and spacing ignored); the statement part is tried before the tool's column code;
2. a **respondent field** by id or label (the stakeholder ``group`` is one of them);
3. the **wave** (``wave``, ``review wave``), a **comment** (headed ``comments``, ``any other
   comments``...), the **respondent id** (``Respondent ID``, ``ResponseId``...);
4. **bookkeeping** (timestamps, e-mail, IP address, progress...), set aside;
5. a field not found by its header is found by its **values**: a column where at least
   :data:`GROUP_SHARE` of the filled cells are the field's choices (case and spacing ignored);
   two such columns stop the import with one sentence naming both and ``--group-column``;
6. **free text** (most filled cells distinct and at least :data:`COMMENT_WORDS` words long on
   average) is kept as a comment whatever its header;
7. anything else is **set aside** with the reason.

>>> from partnership_tools.review.instrument import load_instrument
>>> inst = load_instrument("ten_lessons")
>>> lay = recognise_columns(
...     [["Timestamp", "Your role", "Q3. " + inst.items[0].text, "Tell us more"],
...      ["2024-01-02", "Manager", "Agree", "The meetings were far too short"]], inst)
>>> [(r.use, r.target) for r in lay.roles]
[('bookkeeping', 'timestamp'), ('field', 'level'), ('item', 'ud1'), ('comment', 'comments')]
>>> lay.style, lay.header_rows
('google forms', 1)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from partnership_tools.kernel.errors import PlainError
from partnership_tools.kernel.headers import (
    ColumnHeader,
    bookkeeping_kind,
    header_key,
    split_header_rows,
)
from partnership_tools.review.instrument import Instrument, RespondentField

__all__ = [
    "COMMENT_WORDS",
    "GROUP_SHARE",
    "ColumnRole",
    "LayoutError",
    "ResponseLayout",
    "field_value",
    "parse_dates",
    "recognise_columns",
    "tool_style",
]

#: A column is a field's by its values when at least this share of its filled cells are choices.
GROUP_SHARE = 0.8
#: Free text: at least this many words per filled cell on average ...
COMMENT_WORDS = 3.0
#: ... and at least this share of the filled cells distinct.
COMMENT_DISTINCT = 0.7

_ID_KEYS = {
    "respondent id",
    "respondent",
    "respondentid",
    "response id",
    "responseid",
    "id",
    "respondent no",
}
_WAVE_KEYS = {"wave", "review wave"}
_COMMENT = re.compile(r"^(any (other |further )?)?comments?\b|^comments?\b")
_NUMBERING = re.compile(r"^(?:q(?:uestion)?\s*)?\d+[a-z]?\s*[.):-]?\s+", re.IGNORECASE)
_ID_PREFIX = re.compile(r"^([A-Za-z][A-Za-z0-9_.-]*)\s*(?:[:)]|\s-\s|\.\s)\s*(.+)$")
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


class LayoutError(PlainError, ValueError):
    """The columns cannot be told apart without the user's word; the message is one sentence."""


@dataclass(frozen=True)
class ColumnRole:
    """Column ``index`` (0-based), headed ``header``, used as ``use`` (a
    :data:`~partnership_tools.kernel.importreport.USES` word) for ``target`` (an item id, a field
    id, ``respondent_id``, ``wave``, ``comments``, the bookkeeping kind, or why it was set aside);
    ``how`` says how it was recognised ("by wording", "by values", ...)."""

    index: int
    header: str
    use: str
    target: str
    how: str = ""


@dataclass(frozen=True)
class ResponseLayout:
    """The tool ``style``, the number of ``header_rows``, each column's role, and notes."""

    style: str
    header_rows: int
    headers: tuple[str, ...]
    roles: tuple[ColumnRole, ...]
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def of(self, use: str) -> list[ColumnRole]:
        """The roles used as ``use``, in column order."""
        return [r for r in self.roles if r.use == use]


def tool_style(style: str, headers: Sequence[ColumnHeader]) -> str:
    """The tool a layout's marks point to: ``qualtrics``, ``surveymonkey`` and ``spreadsheet`` (a
    typed-up sheet: title rows or merged question headers) as recognised, a
    plain header with ``Start time`` and ``Completion time`` is ``microsoft forms``, one with a
    ``Timestamp`` column or ``Question [Statement]`` headers ``google forms``, else ``plain``.

    >>> tool_style("plain", [ColumnHeader(0, "ID", "ID"), ColumnHeader(1, "Start time", "Start time"),
    ...                      ColumnHeader(2, "Completion time", "Completion time")])
    'microsoft forms'
    >>> tool_style("plain", [ColumnHeader(0, "Timestamp", "Timestamp")])
    'google forms'
    >>> tool_style("spreadsheet", [ColumnHeader(0, "Timestamp", "Timestamp")])
    'spreadsheet'
    """
    if style != "plain":
        return style
    keys = {header_key(h.text) for h in headers}
    if {"start time", "completion time"} <= keys:
        return "microsoft forms"
    if "timestamp" in keys or any(h.sub for h in headers):
        return "google forms"
    return "plain"


def field_value(fld: RespondentField, text: str) -> str | None:
    """The allowed value ``text`` stands for in ``fld`` (case, punctuation and spacing ignored).

    >>> from partnership_tools.review.instrument import load_instrument
    >>> field_value(load_instrument("ten_lessons").field("level"), "  MANAGER. ")
    'Manager'
    """
    canon = fld.canonical(text)
    if canon is not None or not fld.values:
        return canon
    keyed = {header_key(k): v for k, v in fld.spellings().items()}
    return keyed.get(header_key(text))


def _candidates(text: str | None) -> list[str]:
    """The wordings a header may name an item by (see the module docstring), as keys."""
    if not text:
        return []
    h = text.strip()
    out = [h]
    stripped = _NUMBERING.sub("", h)
    if stripped != h:
        out.append(stripped)
    m = _ID_PREFIX.match(h)
    if m:
        out += [m.group(1), m.group(2)]
    if " - " in h:
        out.append(h.rsplit(" - ", 1)[1])
    keys: list[str] = []
    for t in out:
        k = header_key(t)
        if k and k not in keys:
            keys.append(k)
    return keys


def _filled(values: Sequence[str]) -> list[str]:
    return [v.strip() for v in values if v.strip()]


def _is_free_text(values: Sequence[str], answer_like: set[str]) -> bool:
    filled = _filled(values)
    if not filled or not all(_LETTERS.search(v) for v in filled):
        return False
    if all(header_key(v) in answer_like for v in filled):
        return False
    words = sum(len(v.split()) for v in filled) / len(filled)
    distinct = len(set(filled)) / len(filled)
    return words >= COMMENT_WORDS and distinct >= COMMENT_DISTINCT


def _value_share(values: Sequence[str], fld: RespondentField) -> float:
    filled = _filled(values)
    if not filled or not fld.values:
        return 0.0
    counts: dict[str, int] = {}
    for v in filled:
        counts[v] = counts.get(v, 0) + 1
    hits = sum(k for v, k in counts.items() if field_value(fld, v) is not None)
    return hits / len(filled)


def _resolve_column(spec: str | int, headers: Sequence[ColumnHeader], name: str) -> int:
    """The 0-based index of the column ``spec`` names: a 1-based number or a header."""
    text = str(spec).strip()
    if text.isdigit():
        k = int(text)
        if not 1 <= k <= len(headers):
            raise LayoutError(f"{name} has no column {k}; it has {len(headers)} columns.")
        return k - 1
    key = header_key(text)
    for h in headers:
        if key in {header_key(t) for t in (h.text, h.sub, h.code, h.question) if t}:
            return h.index
    shown = ", ".join(repr(h.text) for h in headers[:12])
    raise LayoutError(f"{name} has no column {text!r}; its columns are: {shown}.")


def recognise_columns(
    rows: Sequence[Sequence[str]],
    instrument: Instrument,
    *,
    name: str = "the file",
    group_column: str | int | None = None,
    group_field: str | None = None,
) -> ResponseLayout:
    """Recognise the header rows at the top of ``rows`` and each column's use (module docstring).

    ``rows`` holds the header rows and then the data (used to find a field by its values and
    free text). ``group_column`` (a header or a 1-based number) names the column holding
    ``group_field`` (default: the instrument's first respondent field). Raises
    :class:`LayoutError` when two columns both look like a field's by their values, or the named
    column does not exist.
    """
    head = split_header_rows(rows[:6])
    cols = list(head.columns)
    n_cols = len(cols)
    data = rows[head.rows :]
    headers = tuple(c.text or f"(column {c.index + 1})" for c in cols)

    def values(j: int) -> list[str]:
        return [r[j] if j < len(r) else "" for r in data]

    items_by: dict[str, str] = {}
    for it in instrument.items:
        items_by.setdefault(header_key(it.text), it.id)
    for it in instrument.items:
        items_by[header_key(it.id)] = it.id
    fields_by: dict[str, str] = {}
    for f in instrument.respondent_fields:
        fields_by[header_key(f.label)] = f.id
        fields_by[header_key(f.id)] = f.id
    roles: dict[int, ColumnRole] = {}
    taken: dict[tuple[str, str], int] = {}
    warnings: list[str] = []
    notes: list[str] = []

    def claim(j: int, use: str, target: str, how: str) -> None:
        key = (use, target)
        if use in ("item", "field", "group", "wave", "respondent id") and key in taken:
            warnings.append(
                f"Columns {headers[taken[key]]!r} and {headers[j]!r} both match {target};"
                " the first one was used."
            )
            roles[j] = ColumnRole(j, headers[j], "set aside", f"a second column for {target}")
            return
        taken[key] = j
        roles[j] = ColumnRole(j, headers[j], use, target, how)

    for c in cols:
        j = c.index
        word_keys = _candidates(c.sub) + [k for k in _candidates(c.text) if k]
        code_key = header_key(c.code) if c.code else ""
        all_keys = word_keys + ([code_key] if code_key else [])
        item = next((items_by[k] for k in word_keys if k in items_by), None)
        if item is None and code_key in items_by:
            item = items_by[code_key]
        if item is not None:
            claim(j, "item", item, "by id or wording")
            continue
        fld = next((fields_by[k] for k in all_keys if k in fields_by), None)
        if fld is not None:
            claim(j, "field", fld, "by its wording")
            continue
        text_key = header_key(c.text)
        if text_key in _WAVE_KEYS or code_key in _WAVE_KEYS:
            claim(j, "wave", "wave", "by its header")
            continue
        if text_key and _COMMENT.match(text_key):
            roles[j] = ColumnRole(j, headers[j], "comment", "comments", "by its header")
            continue
        kinds = [bookkeeping_kind(t) for t in (c.text, c.code or "") if t]
        kind = next((k for k in kinds if k), None)
        if (text_key in _ID_KEYS or code_key in _ID_KEYS or kind == "respondent id") and (
            ("respondent id", "respondent_id") not in taken
        ):
            claim(j, "respondent id", "respondent_id", "by its header")
            continue
        if kind is not None:
            roles[j] = ColumnRole(j, headers[j], "bookkeeping", kind)

    if group_column is not None and instrument.respondent_fields:
        gid = group_field or instrument.respondent_fields[0].id
        j = _resolve_column(group_column, cols, name)
        for k, r in list(roles.items()):
            if r.use == "field" and r.target == gid and k != j:
                roles[k] = ColumnRole(
                    k, headers[k], "set aside", f"{gid} was named with --group-column"
                )
        taken[("field", gid)] = j
        roles[j] = ColumnRole(j, headers[j], "field", gid, "named with --group-column")
        notes.append(f"Column {headers[j]!r} holds {gid}, as named with --group-column.")

    found = {r.target for r in roles.values() if r.use == "field"}
    for f in instrument.respondent_fields:
        if not f.values:
            continue
        free = [c.index for c in cols if c.index not in roles]
        cands = [j for j in free if _value_share(values(j), f) >= GROUP_SHARE]
        if f.id in found:
            for j in cands:  # another column holding the field's answers: say why it is unused
                roles[j] = ColumnRole(
                    j, headers[j], "set aside", f"holds {f.id} answers, but another column is used"
                )
            continue
        if len(cands) > 1:
            raise LayoutError(
                f"{name}: columns {headers[cands[0]]!r} and {headers[cands[1]]!r} both hold"
                f" {f.id} answers ({', '.join(f.values)}); name the one to use with"
                " --group-column COLUMN."
            )
        if cands:
            j = cands[0]
            roles[j] = ColumnRole(j, headers[j], "field", f.id, "by its values")
            notes.append(f"Column {headers[j]!r} holds {f.id}: its answers are {f.id} choices.")

    answer_like = {header_key(k) for k in instrument.scale.spellings()}
    for c in cols:
        j = c.index
        if j in roles:
            continue
        if _is_free_text(values(j), answer_like):
            roles[j] = ColumnRole(j, headers[j], "comment", "comments", "free text")
            notes.append(f"Column {headers[j]!r} is free text: kept as a comment.")
        else:
            why = (
                "blank throughout"
                if not _filled(values(j))
                else f"matches no statement or question of {instrument.id}"
            )
            roles[j] = ColumnRole(j, headers[j], "set aside", why)
    return ResponseLayout(
        tool_style(head.style, cols),
        head.rows,
        headers,
        tuple(roles[j] for j in range(n_cols)),
        tuple(notes),
        tuple(warnings),
    )


_ZONE = re.compile(r"\s*(?:(?:GMT|UTC)\s*[+-]?\d{0,2}(?::?\d\d)?|[+-]\d\d:?\d\d|Z)\s*$", re.I)


def parse_dates(values: Sequence[str]) -> list[pd.Timestamp | None]:
    """Each cell's date and time (a trailing time zone ignored), or None when it is not one.

    >>> [str(d) for d in parse_dates(["2024-03-13 14:01:00", "2024/05/01 9:02:11 AM GMT+1", "x"])]
    ['2024-03-13 14:01:00', '2024-05-01 09:02:11', 'None']
    """
    cleaned = [_ZONE.sub("", v.strip()) for v in values]
    iso = pd.to_datetime(pd.Series(cleaned, dtype=object), errors="coerce", format="ISO8601")
    out: list[pd.Timestamp | None] = []
    for v, fast in zip(cleaned, iso, strict=True):
        if not pd.isna(fast):
            out.append(pd.Timestamp(fast))
            continue
        if not v or not re.search(r"\d{4}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2}", v):
            out.append(None)
            continue
        try:
            t = pd.Timestamp(v)
        except (ValueError, TypeError, OverflowError):
            out.append(None)
            continue
        out.append(None if pd.isna(t) else t)
    return out
