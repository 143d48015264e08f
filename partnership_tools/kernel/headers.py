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
  present, holds ``{"ImportId": ...}`` JSON in every cell. Two or three header rows.
- *SurveyMonkey* (``surveymonkey``): row 1 the question, written once over all its columns; row 2
  ``Response``, ``Open-Ended Response`` or the option / statement label of each column. Two
  header rows.
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
    "collector id": ("collector id", "collector", "distribution channel", "distributionchannel"),
    "email": ("email", "email address", "e mail", "recipient email", "recipientemail", "e mail address"),
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

    style: str  # "plain", "qualtrics" or "surveymonkey"
    rows: int  # header rows (the data start on the row after them)
    columns: tuple[ColumnHeader, ...]

    def texts(self) -> list[str]:
        return [c.text for c in self.columns]


_QUALTRICS_CODES = {"startdate", "enddate", "responseid", "recordeddate", "progress", "finished"}
_IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:', re.IGNORECASE)
_SM_MARKS = {"response", "open ended response", "other please specify"}


def _cell(row: Sequence[str], j: int) -> str:
    return row[j].strip() if j < len(row) else ""


def _qualtrics_question(texts: Sequence[str]) -> str | None:
    """The ``Question - `` prefix shared by the texts of one multi-part Qualtrics question."""
    if len(texts) < 2:
        parts = texts[0].split(" - ", 1) if texts else []
        return parts[0] if len(parts) == 2 else None
    prefix = texts[0]
    for t in texts[1:]:
        while not t.startswith(prefix):
            prefix = prefix[:-1]
    cut = prefix.rfind(" - ")
    return prefix[:cut] if cut > 0 else None


def _qualtrics(rows: Sequence[Sequence[str]]) -> HeaderLayout:
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
        q = _qualtrics_question([_cell(texts, k) for k in members] if members else [text])
        if q is not None and text.startswith(q + " - "):
            question, sub = q, text[len(q) + 3 :].strip()
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
    """
    if not rows:
        return HeaderLayout("plain", 0, ())
    first = [c.strip() for c in rows[0]]
    keys = {c.casefold() for c in first}
    import_row = len(rows) > 2 and sum(bool(_IMPORT_ID.match(c)) for c in rows[2]) >= 1
    if len(rows) >= 2 and (len(keys & _QUALTRICS_CODES) >= 2 or import_row):
        return _qualtrics(rows)
    if len(rows) >= 2 and _looks_surveymonkey(rows):
        return _surveymonkey(rows)
    cols = []
    for j, text in enumerate(first):
        q, sub = split_bracket(text)
        cols.append(ColumnHeader(j, text, q, sub))
    return HeaderLayout("plain", 1, tuple(cols))


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
