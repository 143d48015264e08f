"""What a table's header says: one key per header text, the header rows each survey tool writes,
the bookkeeping columns they add, and ranks written as words.

Both halves of the kit read their files through these rules, so a ballot file and a response
file exported by the same tool are understood the same way.

**Header keys** (:func:`header_key`): Unicode NFKC, case folded, curly quotes and dashes made
plain, every run of punctuation or white space one space. ``"Partners' trust – Q1"`` and
``"partners trust - q1"`` have the same key.

**Header rows** (:func:`split_header_rows`): the tools' own layouts, recognised by their marks:

- *Qualtrics* (``qualtrics``): row 1 column codes (``StartDate``, ``ResponseId``, ``Q2_1``), row 2
  the question texts, where a matrix or rank-order part is ``Question - Statement``; row 3, when
  present, holds ``{"ImportId": ...}`` JSON in every cell. Two or three header rows. The
  *legacy* export (before 2017) has codes ``V1``, ``V2``, ... in row 1 over ``ResponseID``,
  ``ResponseSet``, ``StartDate``, ... in row 2, and ``Question-Statement`` with no spaces: its
  ``V`` columns are named (and found to be bookkeeping) by their second-row text.
- *SurveyMonkey* (``surveymonkey``): row 1 the question, written once over all its columns; row 2
  ``Response``, ``Open-Ended Response`` or the option / statement label of each column. Two
  header rows.
- *A hand-made sheet* (``spreadsheet``), as typed up in Excel: leading **title rows** (one text,
  written once or merged across the row, above a header row of two or more texts) are skipped
  and counted as header rows (:attr:`HeaderLayout.title_rows`); a **merged question header**,
  row 1 repeating one text over consecutive columns (a merged cell, filled across its span by
  :func:`~partnership_tools.kernel.tabular.read_table`; in a CSV written once with blanks after
  it) over distinct labels in row 2, gives ``Question [Label]`` columns (``question``, ``sub``,
  as SurveyMonkey's); the other columns take whichever row holds their text (a cell merged
  down both rows holds it in both).
- otherwise one header row (``plain``); a Google Forms grid keeps ``Question [Statement]`` in one
  cell and LimeSurvey ``Question [Ranking 1]``.

Each column comes out as a :class:`ColumnHeader` with the tool's ``code`` (Qualtrics), the
``question`` and the ``sub`` part (the statement, option or place a multi-column question's
column stands for), and ``text``, the whole header as a user would name it.

**Bookkeeping** (:func:`bookkeeping_kind`): the columns a tool adds around the answers
(timestamps, respondent and collector ids, e-mail, IP address, name, progress, duration,
language, status, ...): recognised by name so that readers set them aside, and say so.

**Ordinals** (:func:`parse_ordinal`): ``1``, ``1.0``, ``1st``, ``First``, ``1st choice``,
``First choice``, ``Rank 1``, ``#1``, ``No. 1``, ``Choice 1``, ``1st preference``, ``1st most
preferred`` are all 1.

>>> header_key("  Rank the options [Pool budgets, staff] ")
'rank the options pool budgets staff'
>>> [parse_ordinal(t) for t in ("2nd", "Third", "Rank 4", "1st choice", "5", "often")]
[2, 3, 4, 1, 5, None]
>>> bookkeeping_kind("IP Address"), bookkeeping_kind("Which sector?")
('ip address', None)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "BOOKKEEPING",
    "ColumnHeader",
    "HeaderLayout",
    "bookkeeping_kind",
    "header_key",
    "parse_ordinal",
    "split_bracket",
    "split_header_rows",
]

_PLAIN = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00a0": " ",
        "\ufeff": "",
    }
)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def header_key(text: str) -> str:
    """The key two header texts share when a reader should treat them as the same.

    >>> header_key("Partners’ TRUST — (Q1)") == header_key("partners' trust - q1")
    True
    >>> header_key("E-mail"), header_key("e mail")
    ('e mail', 'e mail')
    """
    t = unicodedata.normalize("NFKC", str(text)).translate(_PLAIN).casefold()
    return _NON_WORD.sub(" ", t).strip()


#: Bookkeeping columns by key (see :func:`header_key`), each with the kind a report names.
BOOKKEEPING: dict[str, str] = {}
# fmt: off
for _kind, _names in {
    "timestamp": (
        "timestamp", "time stamp", "start time", "completion time", "start date", "end date",
        "startdate", "enddate", "recorded date", "recordeddate", "submitted at", "submit date",
        "date submitted", "last modified time", "date", "submission date", "created", "created at",
        "date last action", "datestamp", "startdate", "submitdate", "network time",
        "last modified", "modified", "completed", "completed at",
    ),
    "respondent id": (
        "id", "respondent id", "response id", "responseid", "_recordid", "record id",
        "submission id", "response number", "token", "seed", "external reference",
        "externalreference", "external data reference", "externaldatareference", "uuid",
    ),
    "collector id": (
        "collector id", "collector", "distribution channel", "distributionchannel",
        "response set", "responseset",
    ),
    "email": (
        "email", "email address", "e mail", "recipient email", "recipientemail", "e mail address",
        "emailaddress",
    ),
    "name": (
        "name", "first name", "last name", "recipient first name", "recipient last name",
        "recipientfirstname", "recipientlastname", "full name",
    ),
    "ip address": ("ip address", "ipaddress", "ip"),
    "progress": ("progress", "finished", "status", "response type", "last page", "lastpage", "complete"),
    "duration": ("duration", "duration in seconds", "total time", "interview time", "time taken"),
    "language": ("language", "user language", "userlanguage", "start language", "startlanguage"),
    "location": (
        "location latitude", "location longitude", "locationlatitude", "locationlongitude",
        "location accuracy", "locationaccuracy",
        "referer", "referrer", "referrer url", "user agent", "useragent", "url",
    ),
    "custom data": ("custom data", "custom data 1", "custom data 2", "custom data 3", "custom variable"),
}.items():
    for _n in _names:
        BOOKKEEPING[header_key(_n)] = _kind
# fmt: on


def bookkeeping_kind(header: str) -> str | None:
    """The kind of bookkeeping column ``header`` names (``"timestamp"``, ``"email"``, ...), or None.

    >>> bookkeeping_kind("Duration (in seconds)"), bookkeeping_kind("Start Date")
    ('duration', 'timestamp')
    >>> bookkeeping_kind("Joint committee") is None
    True
    """
    key = header_key(header)
    kind = BOOKKEEPING.get(key)
    if kind is None and re.fullmatch(r"custom data \d+", key):
        kind = "custom data"
    return kind


_BRACKET = re.compile(r"^(?P<q>.*?)\s*\[(?P<sub>[^\[\]]*)\]\s*$", re.DOTALL)


def split_bracket(text: str) -> tuple[str, str | None]:
    """``"Question [Statement]"`` as ``("Question", "Statement")``; other text as ``(text, None)``.

    >>> split_bracket("Rank the options [Pool budgets]")
    ('Rank the options', 'Pool budgets')
    >>> split_bracket("Which sector?")
    ('Which sector?', None)
    """
    m = _BRACKET.match(text.strip())
    if m and m.group("sub").strip():
        return m.group("q").strip(), m.group("sub").strip()
    return text.strip(), None


@dataclass(frozen=True)
class ColumnHeader:
    """One column's header as the tool wrote it.

    ``index`` is 0-based; ``code`` the tool's column code (Qualtrics ``Q2_1``) or None; ``question``
    the question the column belongs to; ``sub`` the statement, option or place it stands for (None
    for a one-column question); ``text`` the whole header, as a report names the column.
    """

    index: int
    text: str
    question: str
    sub: str | None = None
    code: str | None = None

    def keys(self) -> tuple[str, ...]:
        """Every key (see :func:`header_key`) this column may be matched by, most specific first.

        >>> ColumnHeader(3, "Q - Trust", "Q", "Trust", "Q2_1").keys()
        ('trust', 'q2 1', 'q trust')
        """
        out: list[str] = []
        for t in (self.sub, self.code, self.text):
            if t:
                k = header_key(t)
                if k and k not in out:
                    out.append(k)
        return tuple(out)


@dataclass(frozen=True)
class HeaderLayout:
    """How many rows a file's header takes, in which tool's style, and each column's header."""

    style: str  # "plain", "qualtrics", "surveymonkey" or "spreadsheet"
    rows: int  # header rows, title rows included (the data start on the row after them)
    columns: tuple[ColumnHeader, ...]
    title_rows: int = 0  # leading title rows among ``rows`` (a hand-made sheet's title)

    def texts(self) -> list[str]:
        return [c.text for c in self.columns]


_QUALTRICS_CODES = {"startdate", "enddate", "responseid", "recordeddate", "progress", "finished"}
#: second-row texts of a legacy Qualtrics export, under its V1, V2, ... codes
_QUALTRICS_LEGACY = {"responseid", "responseset", "startdate", "enddate", "finished", "status"}
_V_CODE = re.compile(r"^V\d+$")
_IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:', re.IGNORECASE)
_SM_MARKS = {"response", "open ended response", "other please specify"}


def _cell(row: Sequence[str], j: int) -> str:
    return row[j].strip() if j < len(row) else ""


def _qualtrics_question(texts: Sequence[str], legacy: bool = False) -> tuple[str, str] | None:
    """The ``Question`` and separator (``" - "``; in a legacy export also ``"-"``) shared by the
    texts of one multi-part Qualtrics question, or None.

    >>> _qualtrics_question(["Agree? - Trust", "Agree? - Self-set goals"])
    ('Agree?', ' - ')
    >>> _qualtrics_question(["Rank the models-Shared hub", "Rank the models-Lead"], legacy=True)
    ('Rank the models', '-')
    """
    seps = (" - ", "-") if legacy else (" - ",)
    if len(texts) < 2:
        for sep in seps:
            parts = texts[0].split(sep, 1) if texts else []
            if len(parts) == 2 and parts[0].strip() and parts[1].strip():
                return parts[0], sep
        return None
    prefix = texts[0]
    for t in texts[1:]:
        while not t.startswith(prefix):
            prefix = prefix[:-1]
    for sep in seps:
        cut = prefix.rfind(sep)
        if cut > 0:
            return prefix[:cut], sep
    return None


def _looks_qualtrics_legacy(rows: Sequence[Sequence[str]]) -> bool:
    """Row 1 ``V1``, ``V2``, ... (three or more) over ``ResponseID``, ``ResponseSet``, ... in row 2."""
    if len(rows) < 2:
        return False
    v_codes = sum(bool(_V_CODE.match(c.strip())) for c in rows[0])
    texts = {header_key(c).replace(" ", "") for c in rows[1]}
    return v_codes >= 3 and len(texts & _QUALTRICS_LEGACY) >= 2


def _qualtrics(rows: Sequence[Sequence[str]], legacy: bool = False) -> HeaderLayout:
    codes, texts = rows[0], rows[1]
    n = max(len(codes), len(texts))
    with_import = len(rows) > 2 and sum(bool(_IMPORT_ID.match(c)) for c in rows[2]) >= max(
        1, len([c for c in rows[2] if c.strip()]) // 2
    )
    groups: dict[str, list[int]] = {}
    for j in range(n):
        m = re.match(r"^(Q[\w.]*?)_(\w+)$", _cell(codes, j))
        if m:
            groups.setdefault(m.group(1), []).append(j)
    cols: list[ColumnHeader] = []
    for j in range(n):
        code, text = _cell(codes, j), _cell(texts, j) or _cell(codes, j)
        question, sub = text, None
        m = re.match(r"^(Q[\w.]*?)_(\w+)$", code)
        members = groups.get(m.group(1), []) if m else []
        found = _qualtrics_question(
            [_cell(texts, k) for k in members] if members else [text], legacy and bool(members)
        )
        if found is not None and text.startswith(found[0] + found[1]):
            question, sub = found[0], text[len(found[0]) + len(found[1]) :].strip()
        elif "[" in text:
            question, sub = split_bracket(text)
        cols.append(ColumnHeader(j, text, question, sub, code or None))
    return HeaderLayout("qualtrics", 3 if with_import else 2, tuple(cols))


def _surveymonkey(rows: Sequence[Sequence[str]]) -> HeaderLayout:
    top, second = rows[0], rows[1]
    n = max(len(top), len(second))
    cols: list[ColumnHeader] = []
    question = ""
    for j in range(n):
        q = _cell(top, j)
        if q:
            question = q
        sub = _cell(second, j)
        if not q and not question:
            question = sub
        if not sub or header_key(sub) in _SM_MARKS:
            cols.append(ColumnHeader(j, q or question, q or question))
        else:
            cols.append(ColumnHeader(j, f"{question} [{sub}]", question, sub))
    return HeaderLayout("surveymonkey", 2, tuple(cols))


def _looks_surveymonkey(rows: Sequence[Sequence[str]]) -> bool:
    top, second = rows[0], rows[1]
    n = max(len(top), len(second))
    marks = sum(header_key(_cell(second, j)) in _SM_MARKS for j in range(n))
    # a question written once over several columns: a blank top cell with a label under it
    spanned = sum(not _cell(top, j) and bool(_cell(second, j)) for j in range(1, n))
    # under the bookkeeping columns the second row is blank
    under_books = [j for j in range(len(top)) if bookkeeping_kind(_cell(top, j))]
    blank_under = bool(under_books) and all(not _cell(second, j) for j in under_books)
    return (marks >= 1 or spanned >= 1) and blank_under


_MAX_TITLE_ROWS = 2


def _distinct(row: Sequence[str]) -> list[str]:
    """The row's non-blank texts, each once, in order."""
    out: list[str] = []
    for c in row:
        t = c.strip()
        if t and t not in out:
            out.append(t)
    return out


def _title_rows(rows: Sequence[Sequence[str]]) -> int:
    """How many leading rows are a sheet's title: each holds one text (written once, or filled
    across a merged span), and a header row of two or more distinct texts follows them."""
    k = 0
    while k < _MAX_TITLE_ROWS and k + 1 < len(rows) and len(_distinct(rows[k])) == 1:
        k += 1
    while k > 0 and not (k < len(rows) and _header_like(rows[k])):
        k -= 1
    return k


def _header_like(row: Sequence[str]) -> bool:
    """Two or more distinct texts, most of them not numbers (a header row, not a data row)."""
    texts = _distinct(row)
    return len(texts) >= 2 and 2 * sum(_is_number(t) for t in texts) < len(texts)


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[+-]?\d+(?:[.,]\d+)?", text.strip()))


def _merged_header(rows: Sequence[Sequence[str]]) -> HeaderLayout | None:
    """Two header rows where row 1 spans one question over several columns (a merged cell,
    filled across its span, or written once with blanks after it) and row 2 holds the distinct
    labels under it; None when the rows are not so.

    Every other column must hold its text in one row only, or the same text in both (a cell
    merged down): a second row with other text there is data, not header.
    """
    if len(rows) < 2:
        return None
    top, second = rows[0], rows[1]
    n = max(len(top), len(second))
    spans: list[list[int]] = []  # consecutive columns under one question text
    for j in range(n):
        t, s = _cell(top, j), _cell(second, j)
        if t and spans and t == _cell(top, spans[-1][0]) and spans[-1][-1] == j - 1:
            spans[-1].append(j)
        elif not t and s and spans and spans[-1][-1] == j - 1 and _cell(second, spans[-1][0]):
            spans[-1].append(j)  # a question written once, blanks after it
        else:
            spans.append([j])
    cols: list[ColumnHeader] = []
    merged = 0
    seen_questions: set[str] = set()
    for span in spans:
        question = _cell(top, span[0])
        labels = [_cell(second, j) for j in span]
        if len(span) >= 2:
            if (
                not all(labels)
                or len(set(labels)) < len(labels)
                or question in labels
                or any(_is_number(x) for x in labels)
                or question in seen_questions
            ):
                return None
            merged += 1
            seen_questions.add(question)
            for j, label in zip(span, labels, strict=True):
                cols.append(ColumnHeader(j, f"{question} [{label}]", question, label))
            continue
        j = span[0]
        t, s = question, labels[0]
        if t and s and t != s:
            return None
        text = t or s
        q, sub = split_bracket(text)
        cols.append(ColumnHeader(j, text, q, sub))
    if not merged and not (_header_like(top) and list(top) == list(second)):
        return None  # (a header merged down two rows, every cell alike, is two rows too)
    return HeaderLayout("spreadsheet", 2, tuple(cols))


def _split_tool_rows(rows: Sequence[Sequence[str]]) -> HeaderLayout:
    """:func:`split_header_rows` once any title rows are off."""
    first = [c.strip() for c in rows[0]]
    keys = {c.casefold() for c in first}
    import_row = len(rows) > 2 and sum(bool(_IMPORT_ID.match(c)) for c in rows[2]) >= 1
    if len(rows) >= 2 and (len(keys & _QUALTRICS_CODES) >= 2 or import_row):
        return _qualtrics(rows)
    if _looks_qualtrics_legacy(rows):
        return _qualtrics(rows, legacy=True)
    if len(rows) >= 2 and _looks_surveymonkey(rows):
        return _surveymonkey(rows)
    merged = _merged_header(rows)
    if merged is not None:
        return merged
    cols = []
    for j, text in enumerate(first):
        q, sub = split_bracket(text)
        cols.append(ColumnHeader(j, text, q, sub))
    return HeaderLayout("plain", 1, tuple(cols))


def split_header_rows(rows: Sequence[Sequence[str]]) -> HeaderLayout:
    """Recognise the header rows at the top of ``rows`` (see the module docstring).

    >>> q = [["ResponseId", "Q1", "Q2_1", "Q2_2"],
    ...      ["Response ID", "Sector?", "Agree? - Trust", "Agree? - Purpose"],
    ...      ['{"ImportId":"_recordId"}', '{"ImportId":"QID1"}', '{"ImportId":"QID2_1"}',
    ...       '{"ImportId":"QID2_2"}'], ["R_1", "Health", "Agree", "Disagree"]]
    >>> h = split_header_rows(q)
    >>> h.style, h.rows, [(c.question, c.sub, c.code) for c in h.columns[1:3]]
    ('qualtrics', 3, [('Sector?', None, 'Q1'), ('Agree?', 'Trust', 'Q2_1')])
    >>> sm = [["Respondent ID", "Group?", "Rank them", "", ""],
    ...       ["", "Response", "Joint", "Lead", "Pooled"], ["1", "Health", "1", "2", "3"]]
    >>> h = split_header_rows(sm)
    >>> h.style, h.rows, h.texts()[1:3]
    ('surveymonkey', 2, ['Group?', 'Rank them [Joint]'])
    >>> split_header_rows([["Timestamp", "Q [A]"], ["x", "1"]]).columns[1].sub
    'A'

    A typed-up sheet: a title merged across the row, then a question merged over two columns:

    >>> xl = [["Paper forms, March", "Paper forms, March", "Paper forms, March"],
    ...       ["Group", "Rank each option", "Rank each option"],
    ...       ["Group", "Joint", "Lead"], ["Health", "1", "2"]]
    >>> h = split_header_rows(xl)
    >>> h.style, h.rows, h.title_rows, h.texts()
    ('spreadsheet', 3, 1, ['Group', 'Rank each option [Joint]', 'Rank each option [Lead]'])

    Rows to give: the top few rows of the file (header rows and a data row or two).
    """
    if not rows:
        return HeaderLayout("plain", 0, ())
    k = _title_rows(rows)
    if k == 0:
        return _split_tool_rows(rows)
    inner = _split_tool_rows(rows[k:])
    style = "spreadsheet" if inner.style == "plain" else inner.style
    return HeaderLayout(style, inner.rows + k, inner.columns, k)


_WORDS = {
    w: i
    for i, w in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"
        " thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split(),
        start=1,
    )
}
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_ORDINAL = re.compile(
    r"^(?:(?:rank|choice|place|preference|no|number|nr)\s*)?#?\s*"
    r"(?P<n>\d{1,4})(?:\.0+)?\s*(?:st|nd|rd|th|º|ª|e|er|ème)?"
    r"(?:\s+(?:choice|place|preference|most preferred|preferred|option|ranked))?\.?$"
)
_WORD_ORDINAL = re.compile(
    r"^(?P<w>[a-z]+)(?:\s+(?:choice|place|preference|most preferred|preferred|option|ranked))?$"
)


def parse_ordinal(text: str) -> int | None:
    """The whole number a rank cell or a place header means, or None when it is not a rank.

    Blank text is None too: callers tell blank from unreadable by testing the text first.

    >>> [parse_ordinal(t) for t in ("1", "2.0", "3rd", "Twelfth", "Choice 2", "#3", "No. 4", "²")]
    [1, 2, 3, 12, 2, 3, 4, 2]
    >>> [parse_ordinal(t) for t in ("", "1.5", "first-ish", "N/A", "0th")]
    [None, None, None, None, 0]
    """
    t = unicodedata.normalize("NFKC", str(text)).translate(_SUPERSCRIPTS).strip().casefold()
    if not t:
        return None
    t = re.sub(r"\s+", " ", t.replace("no.", "no "))
    m = _ORDINAL.match(t)
    if m:
        return int(m.group("n"))
    m = _WORD_ORDINAL.match(t)
    if m and m.group("w") in _WORDS:
        return _WORDS[m.group("w")]
    return None
