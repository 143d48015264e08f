"""Which columns of a ballot table hold the ballots, and what every other column is.

A ballot table (CSV, TSV or a workbook sheet, after its header rows were recognised by
:func:`~partnership_tools.kernel.headers.split_header_rows`) is read in one of four layouts:

- ``long``: a ``ranking`` column of ``C>A>B`` texts;
- ``wide``: one column per option holding ranks (``1``, ``1st``, ``First``, ``Rank 1``; blank or
  ``N/A`` = unranked). Google grids (``Question [Option]``), SurveyMonkey rankings (the option
  labels on the second header row) and Qualtrics rank orders (``Question - Option``) are all wide;
- ``places``: one column per place (``Rank [1st choice]``, ``1st choice`` / ``2nd choice``,
  ``Rank 1..N``, LimeSurvey ``[Ranking 1]``) whose cells hold option labels;
- ``forms``: Microsoft Forms' one column of ``;``-separated labels.

Every other column is put to a use and reported (:class:`~partnership_tools.kernel.importreport.ColumnUse`):
bookkeeping (:func:`~partnership_tools.kernel.headers.bookkeeping_kind`), the stakeholder group
(named ``group``, named by ``group_column``, found by its wording, or by its values: a few short
texts repeated across rows), a participant code, a comments box (free text, mostly distinct), or
set aside with the reason. Nothing but the ballot columns is ever read as an option.

>>> from partnership_tools.kernel.headers import split_header_rows
>>> rows = [["Timestamp", "Which sector?", "Rank [Joint]", "Rank [Pooled]"],
...         ["t", "Health", "1st", "2nd"], ["t", "Health", "2nd", "1st"], ["t", "Police", "", "1st"]]
>>> header = split_header_rows(rows)
>>> plan = plan_columns(header, [column_stats([r[j] for r in rows[1:]]) for j in range(4)])
>>> plan.layout, plan.style, plan.labels, plan.option_columns, plan.group
('wide', 'google grid', ('Joint', 'Pooled'), (2, 3), 1)
>>> [(u.use, u.detail) for u in plan.uses][:2]
[('bookkeeping', 'timestamp'), ('group', '')]
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from partnership_tools.kernel.errors import PlainError
from partnership_tools.kernel.headers import (
    ColumnHeader,
    HeaderLayout,
    bookkeeping_kind,
    header_key,
    parse_ordinal,
)
from partnership_tools.kernel.importreport import ColumnUse
from partnership_tools.vote.model import Option

__all__ = [
    "GROUP_COLUMNS",
    "PARTICIPANT_COLUMNS",
    "ColumnStats",
    "LayoutError",
    "Plan",
    "column_stats",
    "is_serial_header",
    "is_unranked",
    "label_key",
    "place_of",
    "plan_columns",
    "suspect_labels",
]

RANKING_COLUMN = "ranking"
GROUP_COLUMNS = frozenset({"group", "stakeholder group"})
PARTICIPANT_COLUMNS = frozenset({"participant", "participant code"})
#: Share of a column's non-blank cells that must be semicolon lists for it to be a Forms ranking.
FORMS_LIST_SHARE = 0.8
#: Share of a column's non-blank cells that must be ranks (or N/A) for it to be an option column.
RANK_SHARE = 0.5
_UNRANKED = frozenset({"", "n a", "na", "not ranked", "unranked", "none", "not applicable"})
_YES_NO = frozenset(
    {"yes", "no", "true", "false", "y", "n", "i agree", "agree", "i consent", "i do not consent"}
)
_GROUP_WORDS = re.compile(
    r"\b(group|stakeholder|sector|organisation|organization|partner type|"
    r"which part of the partnership|who do you represent|represent|speak for|role|constituency)\b"
)
_CONSENT_WORDS = re.compile(r"\b(consent|i agree|agree to|permission|privacy)\b")
_COMMENT_WORDS = re.compile(
    r"\b(comment|comments|anything else|notes?|feedback|remarks?|suggestions?|other thoughts)\b"
)
_PLACE_IN_TEXT = re.compile(
    r"\b(?:(?P<n>\d{1,3})(?:st|nd|rd|th)|(?P<w>first|second|third|fourth|fifth|sixth|seventh|"
    r"eighth|ninth|tenth))\s+(?:choice|preference|place|priority|most preferred)\b"
    r"|\b(?:rank|ranking|choice|preference|place)\s*#?\s*(?P<m>\d{1,3})\b"
)
_SERIAL_MARKS = frozenset({"#", "no", "no.", "n°", "nº", "№"})
_SERIAL_WORDS = re.compile(
    r"(?:(?:ballot(?: paper)?|form|ref|reference|row|voter|serial|record|entry|paper|sheet)"
    r"(?: (?:no|number|num|nr|id))?|no|number|num|nr|s n|sl no|lfd nr)"
)
_ID_LIKE = re.compile(r"[A-Za-z0-9_-]{1,12}")
_WORD_PLACES = {
    w: i
    for i, w in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth".split(), start=1
    )
}


class LayoutError(PlainError, ValueError):
    """A table whose ballot columns cannot be told apart; the message is one plain sentence."""


def label_key(text: str) -> str:
    """The key two option labels share (:func:`~partnership_tools.kernel.headers.header_key`).

    >>> label_key(" Pool budgets, staff ") == label_key("pool budgets staff")
    True
    """
    return header_key(text)


def is_unranked(cell: str) -> bool:
    """A rank cell that ranks nothing: blank, ``N/A``, ``-``, ``not ranked``.

    >>> [is_unranked(c) for c in ("", " N/A ", "-", "2")]
    [True, True, True, False]
    """
    return header_key(cell) in _UNRANKED


def place_of(header: ColumnHeader) -> int | None:
    """The place a column stands for, from its sub part or its whole header, or None.

    >>> from partnership_tools.kernel.headers import ColumnHeader as H
    >>> [place_of(h) for h in (H(0, "Rank [1st choice]", "Rank", "1st choice"),
    ...  H(1, "Your second choice", "Your second choice"), H(2, "Q [Ranking 3]", "Q", "Ranking 3"),
    ...  H(3, "Which sector?", "Which sector?"))]
    [1, 2, 3, None]
    """
    for text in (header.sub, header.text):
        if text:
            n = parse_ordinal(text)
            if n is not None:
                return n
    for text in (header.sub, header.text):
        if text:
            m = _PLACE_IN_TEXT.search(text.casefold())
            if m:
                if m.group("n"):
                    return int(m.group("n"))
                if m.group("w"):
                    return _WORD_PLACES[m.group("w")]
                return int(m.group("m"))
    return None


@dataclass(frozen=True)
class ColumnStats:
    """A column's non-blank cells: how many, and each distinct (stripped) value with its count."""

    filled: int
    values: tuple[tuple[str, int], ...]

    @property
    def distinct(self) -> int:
        return len(self.values)

    def share(self, test: Callable[[str], bool]) -> float:
        """The share of non-blank cells whose value passes ``test`` (0.0 for an empty column)."""
        if not self.filled:
            return 0.0
        return sum(c for v, c in self.values if test(v)) / self.filled


def column_stats(cells: Sequence[str]) -> ColumnStats:
    """Stats of a column given as its cells.

    >>> column_stats(["a", " a", "", "b"])
    ColumnStats(filled=3, values=(('a', 2), ('b', 1)))
    """
    counts = Counter(c.strip() for c in cells)
    counts.pop("", None)
    return ColumnStats(sum(counts.values()), tuple(counts.items()))


@dataclass(frozen=True)
class Plan:
    """How a table's columns are read.

    ``layout`` is ``"long"``, ``"wide"``, ``"places"`` or ``"forms"``; ``style`` names the tool's
    layout for the report. ``ranking`` is the long or Forms column; ``option_columns`` the wide
    columns, one per option, in the order of ``labels`` (or of the given options);
    ``place_columns`` ``(place, column)`` pairs in place order. ``uses`` has one entry per column.
    """

    layout: str
    style: str
    uses: tuple[ColumnUse, ...]
    ranking: int | None = None
    option_columns: tuple[int, ...] = ()
    labels: tuple[str, ...] = ()
    place_columns: tuple[tuple[int, int], ...] = ()
    group: int | None = None
    participant: int | None = None
    notes: tuple[str, ...] = ()


def _is_rank(v: str) -> bool:
    return is_unranked(v) or parse_ordinal(v) is not None


def _is_number(v: str) -> bool:
    try:
        float(v.replace(",", "."))
    except ValueError:
        return parse_ordinal(v) is not None
    return True


def _quoted(names: Sequence[str]) -> str:
    q = [f"'{n}'" for n in names]
    return q[0] if len(q) == 1 else ", ".join(q[:-1]) + " and " + q[-1]


def _label(h: ColumnHeader) -> str:
    return h.sub or h.text


class _Builder:
    def __init__(self, header: HeaderLayout, stats: Sequence[ColumnStats], name: str) -> None:
        self.cols = header.columns
        self.stats = stats
        self.name = name
        self.uses: dict[int, ColumnUse] = {}

    def use(self, j: int, use: str, detail: str = "") -> None:
        self.uses[j] = ColumnUse(j, self.cols[j].text, use, detail)

    def free(self) -> list[int]:
        return [j for j in range(len(self.cols)) if j not in self.uses]


def _match_group_column(cols: Sequence[ColumnHeader], wanted: str, name: str) -> int:
    text = str(wanted).strip()
    if text.isdigit() and 1 <= int(text) <= len(cols):
        return int(text) - 1
    key = header_key(text)
    found = [c.index for c in cols if key and key in c.keys() + (header_key(c.question),)]
    if len(found) == 1:
        return found[0]
    names = _quoted([c.text for c in cols if c.text])
    if found:
        raise LayoutError(
            f"The ballot file {name} has {len(found)} columns that --group-column {text!r} could"
            f" name ({_quoted([cols[j].text for j in found])}); give the column number instead."
        )
    raise LayoutError(
        f"The ballot file {name} has no column {text!r} for --group-column; its columns are"
        f" {names}."
    )


def _explicit(cols: Sequence[ColumnHeader], wanted: frozenset[str], name: str) -> int | None:
    found = [c.index for c in cols if header_key(c.text) in wanted]
    if len(found) > 1:
        raise LayoutError(
            f"The ballot file {name} has two '{header_key(cols[found[0]].text)}' columns."
        )
    return found[0] if found else None


def _option_keys(given: Sequence[Option] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for o in given or ():
        out.setdefault(label_key(o.label), o.id)
        out.setdefault(label_key(o.id), o.id)
    return out


def _resolve(h: ColumnHeader, keys: dict[str, str]) -> str | None:
    for k in h.keys():
        if k in keys:
            return keys[k]
    return None


def _wide(b: _Builder, given: Sequence[Option] | None) -> tuple[list[int], str] | None:
    """The option columns of a wide table (in column order) and the style name, or None."""
    keys = _option_keys(given)
    rank_like = [
        j for j in b.free() if b.stats[j].filled and b.stats[j].share(_is_rank) >= RANK_SHARE
    ]
    if given is not None:
        named = [j for j in b.free() if _resolve(b.cols[j], keys) is not None]
        if any(b.stats[j].share(_is_rank) >= RANK_SHARE for j in named):
            return sorted(set(named) | set(rank_like)), "wide"
    # Columns of one multi-part question (a grid, a ranking) win over lone numeric questions.
    by_question: dict[str, list[int]] = {}
    for j in rank_like:
        if b.cols[j].sub is not None:
            by_question.setdefault(header_key(b.cols[j].question), []).append(j)
    if by_question:
        q, members = max(by_question.items(), key=lambda kv: len(kv[1]))
        blank_members = [
            j
            for j in b.free()
            if b.cols[j].sub is not None
            and header_key(b.cols[j].question) == q
            and not b.stats[j].filled
        ]
        if len(members) + len(blank_members) >= 2:
            return sorted(members + blank_members), ""
    plain = [
        j
        for j in b.free()
        if b.cols[j].sub is None
        and (
            j in rank_like
            or (
                _short_cells(b, j)
                and any(parse_ordinal(v) is not None for v, _ in b.stats[j].values)
            )
        )
    ]
    blank = [
        j
        for j in b.free()
        if b.cols[j].sub is None
        and not b.stats[j].filled
        and b.cols[j].text
        and not _other_question(b.cols[j].text)
    ]
    # In a plain table, a short-headed column of short cells beside rank columns is an option
    # column whose cells are wrong (their rows are rejected with the reason), not a question.
    odd = [
        j
        for j in b.free()
        if plain
        and j not in plain
        and b.cols[j].sub is None
        and b.stats[j].filled
        and _short_cells(b, j)
    ]
    every_free_blank = bool(b.free()) and not any(b.stats[j].filled for j in b.free())
    if len(plain) + len(blank) + len(odd) >= 2 and (plain or every_free_blank):
        return sorted(plain + blank + odd), "wide"
    return None


def _other_question(text: str) -> bool:
    """A header that names a comments box, the group or consent, never an option."""
    key = header_key(text)
    return bool(
        _GROUP_WORDS.search(key) or _COMMENT_WORDS.search(key) or _CONSENT_WORDS.search(key)
    )


def _short_cells(b: _Builder, j: int) -> bool:
    """A short id-like header over cells of at most four characters (``A`` over ``1``, ``x``)."""
    text = b.cols[j].text
    return (
        bool(_ID_LIKE.fullmatch(text))
        and not _other_question(text)
        and all(len(v) <= 4 for v, _ in b.stats[j].values)
    )


def _whole(v: str) -> int | None:
    return int(v) if v.isdigit() else None


def is_serial_header(text: str) -> bool:
    """A header that names a ballot's serial number (``Ballot``, ``No.``, ``Form no.``, ``#``).

    >>> [is_serial_header(t) for t in ("#", "No.", "Ballot paper number", "Ref", "Shared hub")]
    [True, True, True, True, False]
    """
    raw = text.strip().casefold()
    return raw in _SERIAL_MARKS or bool(_SERIAL_WORDS.fullmatch(header_key(text)))


def _serial_columns(b: _Builder, option_keys: set[str]) -> list[int]:
    """Columns that number the ballots, not options: a serial header (:func:`is_serial_header`)
    over distinct values; or, under a header of three or more characters (not an option id such
    as ``A`` or ``O1``), three or more distinct whole numbers that cannot all be ranks: ids
    above 9 and above the number of rank-like columns (``1001, 1002, 1005``), or ``1..N`` with
    N more than the rank-like columns.
    """
    rank_like = sum(b.stats[j].share(_is_rank) >= RANK_SHARE for j in b.free())
    out: list[int] = []
    for j in b.free():
        h, s = b.cols[j], b.stats[j]
        if h.sub is not None or not s.filled or any(k in option_keys for k in h.keys()):
            continue
        if any(c != 1 for _, c in s.values):
            continue
        if is_serial_header(h.text):
            out.append(j)
            continue
        found = [_whole(v) for v, _ in s.values]
        numbers = sorted(n for n in found if n is not None)
        if len(header_key(h.text)) < 3 or len(numbers) < len(found) or len(numbers) < 3:
            continue
        ids = numbers[0] > max(rank_like, 9)
        run = numbers == list(range(1, len(numbers) + 1)) and len(numbers) > rank_like
        if ids or run:
            out.append(j)
    return out


def _places(b: _Builder, given: Sequence[Option] | None) -> list[tuple[int, int]] | None:
    keys = _option_keys(given)
    claims: dict[int, list[int]] = {}
    for j in b.free():
        h, s = b.cols[j], b.stats[j]
        p = place_of(h)
        if p is None or p < 1:
            continue
        if s.filled and s.share(lambda v: parse_ordinal(v) is not None) > 0.2:
            continue  # ranks, not labels
        if given is not None and s.filled and s.share(lambda v: label_key(v) in keys) < 0.5:
            continue
        claims.setdefault(p, []).append(j)
    found = _settle_place_claims(b, claims)
    if found is None:
        return None  # two equally good columns for one place: not a places table
    filled = [j for j in found.values() if b.stats[j].filled]
    if len(found) < 2 or not filled:
        return None
    if given is None:
        # the same labels turn up in the place columns
        seen = [{label_key(v) for v, _ in b.stats[j].values} for j in filled]
        union = set().union(*seen)
        if len(filled) >= 2 and sum(len(s) for s in seen) <= len(union):
            return None
        if any(
            len(label_key(v)) == 0 or len(v) > 120 for j in filled for v, _ in b.stats[j].values
        ):
            return None
    return sorted((p, j) for p, j in found.items())


def _settle_place_claims(b: _Builder, claims: dict[int, list[int]]) -> dict[int, int] | None:
    """One column per place, when two columns name the same place (``First choice`` and ``Why
    did you choose your first choice?``): the one whose values are the labels the other place
    columns hold wins; a tie between them (or no other place column to compare with) gives None.
    """
    found = {p: js[0] for p, js in claims.items() if len(js) == 1}
    if len(found) == len(claims):
        return found
    labels = {label_key(v) for j in found.values() for v, _ in b.stats[j].values}
    for p, js in claims.items():
        if len(js) == 1:
            continue
        shared = sorted(
            ((sum(label_key(v) in labels for v, _ in b.stats[j].values), j) for j in js),
            reverse=True,
        )
        if not labels or shared[0][0] == 0 or shared[0][0] == shared[1][0]:
            return None
        found[p] = shared[0][1]
    return found


def _forms(b: _Builder) -> int | None:
    candidates = [
        j
        for j in b.free()
        if b.stats[j].filled
        and b.stats[j].share(lambda v: ";" in v and bool(v.strip("; \t"))) >= FORMS_LIST_SHARE
    ]
    if len(candidates) > 1:
        count = "two" if len(candidates) == 2 else str(len(candidates))
        raise LayoutError(
            f"The ballot file {b.name} has {count} columns that could hold the rankings, "
            f"{_quoted([b.cols[j].text for j in candidates])}; rename the ranking column to 'ranking'."
        )
    return candidates[0] if candidates else None


def _looks_like_groups(s: ColumnStats, option_keys: set[str]) -> bool:
    # Found by its values alone, a group column has at least two different names, each a word
    # or more (a lone mark such as "x" in every row is a tick, not a group).
    if not s.filled or s.distinct > 15 or s.distinct >= s.filled or s.distinct < 2:
        return False
    for v, _ in s.values:
        k = header_key(v)
        if (
            len(v) < 2
            or len(v) > 60
            or len(v.split()) > 6
            or not any(ch.isalpha() for ch in v)
            or _is_number(v)
            or k in _YES_NO
            or k in option_keys
        ):
            return False
    return True


def _set_aside_rest(b: _Builder, option_keys: set[str]) -> None:
    for j in b.free():
        h, s = b.cols[j], b.stats[j]
        key = header_key(h.question or h.text)
        if not h.text and not s.filled:
            b.use(j, "set aside", "empty column with no header")
        elif not s.filled:
            b.use(j, "set aside", "no answers")
        elif _CONSENT_WORDS.search(key) or s.share(lambda v: header_key(v) in _YES_NO) == 1.0:
            b.use(j, "set aside", "consent or yes/no question")
        elif _COMMENT_WORDS.search(key) or (
            s.distinct >= 0.7 * s.filled and not _is_number(s.values[0][0])
        ):
            b.use(j, "comment")
        else:
            b.use(j, "set aside", "another question of the form")


def _choose_group(
    b: _Builder, option_keys: set[str], group_column: str | None
) -> tuple[int | None, str]:
    if group_column is not None:
        j = _match_group_column(b.cols, group_column, b.name)
        if j in b.uses and b.uses[j].use not in ("bookkeeping", "set aside", "comment"):
            raise LayoutError(
                f"The ballot file {b.name}: --group-column names column {j + 1}"
                f" ('{b.cols[j].text}'), which holds the {b.uses[j].use}; name another column."
            )
        return j, "because --group-column names it"
    scored: list[tuple[int, int]] = []
    for j in b.free():
        h, s = b.cols[j], b.stats[j]
        if not s.filled:
            continue
        worded = bool(_GROUP_WORDS.search(header_key(h.question or h.text)))
        long_text = sum(len(v) * c for v, c in s.values) / s.filled > 40
        valued = _looks_like_groups(s, option_keys)
        if worded and not long_text:
            scored.append((2 + valued, j))
        elif valued and not _COMMENT_WORDS.search(header_key(h.text)):
            scored.append((1, j))
    if not scored:
        return None, ""
    best = max(s for s, _ in scored)
    top = [j for s, j in scored if s == best]
    if len(top) > 1:
        raise LayoutError(
            f"The ballot file {b.name} has {len(top)} columns that could hold the stakeholder group,"
            f" {_quoted([b.cols[j].text for j in top])}; name one with --group-column."
        )
    why = (
        "because its wording names the group"
        if best >= 2
        else f"because its values look like group names ({b.stats[top[0]].distinct} short texts"
        " repeated across rows)"
    )
    return top[0], why


def _style(header: HeaderLayout, cols: Sequence[int], default: str) -> str:
    if header.style == "surveymonkey":
        return "surveymonkey ranking"
    if header.style == "qualtrics":
        return "qualtrics rank order"
    if any(header.columns[j].sub is not None for j in cols):
        return "google grid"
    return default or "wide"


def plan_columns(
    header: HeaderLayout,
    stats: Sequence[ColumnStats],
    given: Sequence[Option] | None = None,
    group_column: str | None = None,
    name: str = "(given as a stream)",
) -> Plan:
    """Decide every column's use (see the module docstring). ``stats[j]`` describes column ``j``.

    Raises :class:`LayoutError` when no column holds ballots (naming the columns found), when
    two columns could equally be the group (naming both and ``--group-column``), or when
    ``group_column`` names no column.
    """
    b = _Builder(header, stats, name)
    cols = header.columns
    for j, h in enumerate(cols):
        if not h.text and stats[j].filled:
            raise LayoutError(
                f"The ballot file {name} has a column with no header (column {j + 1})."
            )
    ranking = _explicit(cols, frozenset({RANKING_COLUMN}), name)
    group = _explicit(cols, GROUP_COLUMNS, name)
    participant = _explicit(cols, PARTICIPANT_COLUMNS, name)
    if ranking is not None:
        b.use(ranking, "ranking")
    if participant is not None:
        b.use(participant, "participant")
    notes: list[str] = []
    if group_column is not None:
        group = None
        j = _match_group_column(cols, group_column, name)
        if j == ranking or j == participant:
            raise LayoutError(
                f"The ballot file {name}: --group-column names column {j + 1} ('{cols[j].text}'),"
                " which holds the ballots; name another column."
            )
        b.use(j, "group")
        group = j
        notes.append(
            f"The stakeholder group was taken from column {j + 1} ('{cols[j].text}')"
            " because --group-column names it."
        )
    elif group is not None:
        b.use(group, "group")
    for j, h in enumerate(cols):
        if j in b.uses:
            continue
        kind = bookkeeping_kind(h.text) or (bookkeeping_kind(h.code) if h.code else None)
        if kind is None and h.sub is None:
            kind = bookkeeping_kind(h.question)
        if kind:
            b.use(j, "bookkeeping", kind)
    option_keys = set(_option_keys(given))
    for j in _serial_columns(b, option_keys):
        b.use(j, "bookkeeping", "serial number")

    layout, style = "", ""
    option_columns: list[int] = []
    labels: list[str] = []
    places: list[tuple[int, int]] = []
    forms: int | None = None
    if ranking is not None:
        layout, style = "long", "long"
    else:
        found_places = _places(b, given)
        if found_places:
            layout, places = "places", found_places
            style = "one column per place"
            for p, j in places:
                b.use(j, "place", _ordinal_words(p))
        else:
            wide = _wide(b, given)
            if wide is not None:
                option_columns, default = wide
                layout, style = "wide", _style(header, option_columns, default)
                labels = [_label(cols[j]) for j in option_columns]
                keys = _option_keys(given)
                kept: list[int] = []
                for j in option_columns:
                    if given is not None and _resolve(cols[j], keys) is None:
                        b.use(j, "set aside", "not one of the options given")
                    else:
                        kept.append(j)
                if given is not None:
                    option_columns = kept
                    labels = [_label(cols[j]) for j in kept]
                if given is not None:
                    # a column that names a given option but holds no ranks is still its column
                    for j in b.free():
                        if _resolve(cols[j], keys) is not None and not stats[j].filled:
                            option_columns.append(j)
                            labels.append(_label(cols[j]))
            else:
                forms = _forms(b)
                if forms is not None:
                    layout, style = "forms", "microsoft forms list"
                    b.use(forms, "ranking", "labels separated by ';'")
    if not layout:
        found = [
            f"'{c.text}' ({b.uses[c.index].use})" if c.index in b.uses else f"'{c.text}'"
            for c in cols
            if c.text
        ]
        raise LayoutError(
            f"The ballot file {name} has neither a 'ranking' column nor a column per option, so"
            f" its layout is not recognised (its columns: {', '.join(found)}); head the column of"
            " rankings 'ranking', or give one column per option holding its ranks."
        )
    if group is None and group_column is None:
        chosen, why = _choose_group(b, option_keys | {label_key(v) for v in labels}, None)
        if chosen is not None:
            b.use(chosen, "group")
            group = chosen
            notes.append(
                f"The stakeholder group was taken from column {chosen + 1}"
                f" ('{cols[chosen].text}') {why}."
            )
    _set_aside_rest(b, option_keys)
    uses = tuple(b.uses[j] for j in sorted(b.uses))
    return Plan(
        layout=layout,
        style=style,
        uses=uses,
        ranking=ranking if ranking is not None else forms,
        option_columns=tuple(option_columns),
        labels=tuple(labels),
        place_columns=tuple(places),
        group=group,
        participant=participant,
        notes=tuple(notes),
    )


#: How alike two labels must be (:func:`difflib.get_close_matches` ratio) to be reported as close.
CLOSE_LABELS = 0.8


def _ballots(k: int) -> str:
    return "1 ballot only" if k == 1 else f"{k} ballots"


def suspect_labels(counts: Sequence[tuple[str, int]]) -> tuple[str, ...]:
    """Notes on labels found in the file that may be misspellings, never corrected: a label on
    one ballot when every other label is on several, or a label close to a label on more
    ballots (:data:`CLOSE_LABELS`; labels that differ only in their digits, ``Option 1`` and
    ``Option 2``, are not close). ``counts`` is each label with the number of ballots naming it.

    >>> suspect_labels([("Shared hub", 3), ("Rotating chair", 4), ("Shared hubs", 1)])[0]
    "'Shared hubs' appears on 1 ballot only and is close to 'Shared hub'; if it is a misspelling, give the options with --options or --options-file so it is rejected."
    >>> suspect_labels([("Option 1", 3), ("Option 2", 2), ("Option 3", 4)])
    ()
    """
    notes: list[str] = []
    keys = {label: label_key(label) for label, _ in counts}
    by_count = dict(counts)
    for label, k in counts:
        others = [(o, c) for o, c in counts if o != label]
        alike = [
            o
            for o in difflib.get_close_matches(
                keys[label], [keys[o] for o, _ in others], n=3, cutoff=CLOSE_LABELS
            )
        ]
        close = [
            o
            for o, c in others
            if keys[o] in alike
            and (c, o) > (k, label)
            and re.sub(r"\d+", "", keys[o]) != re.sub(r"\d+", "", keys[label])
        ]
        lone = k == 1 and len(others) >= 2 and all(c >= 2 for _, c in others)
        if not (close or lone):
            continue
        near = max(close, key=lambda o: by_count[o]) if close else None
        text = f"'{label}' appears on {_ballots(k)}"
        if near is not None:
            text += f" and is close to '{near}'"
        notes.append(
            text + "; if it is a misspelling, give the options with --options or --options-file"
            " so it is rejected."
        )
    return tuple(notes)


def _ordinal_words(n: int) -> str:
    """``1st place``, ``2nd place``, ``11th place``...

    >>> [_ordinal_words(n) for n in (1, 2, 3, 4, 11, 22)]
    ['1st place', '2nd place', '3rd place', '4th place', '11th place', '22nd place']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix} place"
