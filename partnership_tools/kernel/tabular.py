"""One way to read a table someone exported: CSV, TSV or Excel ``.xlsx`` into rows of text.

Encodings (:func:`decode_bytes`): UTF-8 with or without a byte-order mark first, UTF-16 with a
byte-order mark (what Excel's "Unicode text" writes), UTF-16 without one when its zero bytes
show it; anything else is handed to the charset-normalizer library, Windows-1252 being kept
whenever the library finds it plausible (with a warning naming the encoding, since accents
may be wrong). The separator (``,`` ``;`` TAB ``|``) and the quote
character are found from the data rows, not the header (:func:`detect_dialect`). Workbooks are
read with openpyxl in read-only mode after ``reset_dimensions()`` (a workbook's own
``<dimension>`` may be wrong, and must neither pad nor cut rows), merged header cells are filled
across their span (the reader only fills: a title merged across the row and a question merged
over its labels are recognised in the header rows by
:func:`~partnership_tools.kernel.headers.split_header_rows`), and a workbook is refused when it would uncompress to more than
:data:`MAX_XLSX_BYTES`. A footer under the data ("Total responses: 12", "Exported from ... on
...") is set aside and its lines kept in :attr:`Table.footer_lines` (:func:`footer_start`).
Every problem is a :class:`TabularError`: one plain sentence naming the file (and the row or
column where that applies).

>>> t = read_text_rows("name;note\\nAda;likes 1,2\\n", "people.csv")
>>> t.separator, t.rows
(';', (('name', 'note'), ('Ada', 'likes 1,2')))
>>> decode_bytes("é".encode("utf-16"), "u.txt").encoding
'utf-16'
>>> has_data_rows(read_text_rows("name,group\\n", "empty-form.csv"))
False
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import os
import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partnership_tools.kernel.errors import PlainError
from partnership_tools.kernel.limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_XLSX_BYTES,
    LimitError,
    check_file_size,
    check_table_size,
)

__all__ = [
    "MAX_XLSX_BYTES",
    "SEPARATORS",
    "Decoded",
    "Dialect",
    "Table",
    "TabularError",
    "decode_bytes",
    "detect_dialect",
    "encoding_warning",
    "excel_cell_text",
    "footer_start",
    "has_data_rows",
    "read_table",
    "read_text_rows",
    "read_xlsx",
    "check_text_table",
    "workbook_signature",
]

#: Separators tried, in order of preference when two split the data equally well.
SEPARATORS = (",", ";", "\t", "|")
_SAMPLE_LINES = 500
_SAMPLE_CHARS = 1 << 18
#: A legacy (non-UTF) guess other than Windows-1252 needs at least this many non-ASCII bytes.
_MIN_EVIDENCE = 8
_ASCII_BYTES = bytes(range(128))
#: Characters that no text file holds (C0 controls but TAB, LF, CR; DEL; C1 controls).
_CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
#: Words that open a footer line under exported data.
_FOOTER_WORDS = re.compile(
    r"\s*(total|totals|exported|export|generated|report|count|source|downloaded|created|"
    r"printed|number of|responses)\b",
    re.IGNORECASE,
)
_MAX_FOOTER_LINES = 3
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')


class TabularError(PlainError, ValueError):
    """A table file that cannot be read, as one plain sentence naming the file."""


def _refuse(exc: LimitError) -> TabularError:
    return TabularError(str(exc))


def _unquoted(line: str, quote: str = '"') -> str:
    """``line`` with its quoted stretches taken out (what separators are counted in)."""
    return re.sub(f"{quote}[^{quote}]*{quote}", "", line)


_LINE_BREAK = re.compile("\r\n?|\n")
_NON_SPACE = re.compile(r"\S")


@functools.lru_cache(maxsize=8)
def _long_lines(floor: int) -> re.Pattern[str]:
    """Lines of at least ``floor`` characters, matched only where a line starts (so each line
    is scanned once: a large file of short lines costs one sweep and no per-line objects)."""
    return re.compile(f"^[^\r\n]{{{floor},}}", re.MULTILINE)


def check_text_table(text: str, name: str, separator: str | None = None) -> None:
    """Refuse delimited ``text`` past the table bounds before it is split into cells: more
    lines than :data:`~partnership_tools.kernel.limits.MAX_ROWS`, a line with more cells than
    :data:`~partnership_tools.kernel.limits.MAX_COLUMNS`, or lines x the widest line's cells
    over :data:`~partnership_tools.kernel.limits.MAX_CELLS`.

    Cells are counted by separators outside quotes (``separator``, or the most frequent of
    :data:`SEPARATORS` in that line: an upper bound) in the first line and in lines of at
    least :data:`~partnership_tools.kernel.limits.MAX_COLUMNS` characters (only those can hold
    more cells than the bound), so a large ordinary file costs one pass over its line lengths.
    Rows narrower than that but wider than the header are bounded as they are split.
    Raises :class:`TabularError` naming the file, the line and the bound.

    >>> check_text_table("a,b\\n1,2\\n", "t.csv")
    >>> try:
    ...     check_text_table(",".join(["x"] * 6000) + "\\n", "wide.csv")
    ... except TabularError as exc:
    ...     print(exc)
    wide.csv, line 1: has 6,000 columns, over the limit of 5,000 columns this kit reads.
    """
    seps = (separator,) if separator else SEPARATORS

    def cells(line: str) -> int:
        bare = _unquoted(line) if '"' in line else line
        return max(bare.count(s) for s in seps) + 1

    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    n_lines = breaks + (0 if not text or text.endswith(("\n", "\r")) else 1)

    def line_of(pos: int) -> int:
        return len(_LINE_BREAK.findall(text, 0, pos)) + 1

    try:
        if n_lines > MAX_ROWS:
            check_table_size(name, n_lines, 1)
        seen = _NON_SPACE.search(text)
        if seen is None:
            return
        at = seen.start()
        start = max(text.rfind("\n", 0, at), text.rfind("\r", 0, at)) + 1
        ends = [i for i in (text.find("\n", at), text.find("\r", at)) if i >= 0]
        widest = cells(text[start : min(ends) if ends else len(text)])
        check_table_size(name, 1, widest, where=f", line {line_of(start)}")
        floor = max(widest, MAX_COLUMNS)  # a shorter line cannot hold more cells than that
        # "^" starts a line after "\n" only: an old Mac file's "\r" breaks are made "\n" for it
        scan = text.replace("\r", "\n") if "\r" in text and "\n" not in text else text
        longest = max(map(len, scan.split("\n")), default=0)  # one C-level sweep
        found = _long_lines(floor).finditer(scan) if longest >= floor else iter(())
        for k, m in enumerate(found):
            if k >= 1000:
                break
            w = cells(m.group())
            check_table_size(name, 1, w, where=f", line {line_of(m.start())}")
            widest = max(widest, w)
        check_table_size(name, n_lines, widest)
    except LimitError as exc:
        raise _refuse(exc) from None


@dataclass(frozen=True)
class Decoded:
    """A file's text, the encoding it was read with, and (when it is not UTF-8) the 1-based
    position of the first byte that is not UTF-8."""

    text: str
    encoding: str  # Python codec name: "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", ...
    bad_byte: int | None = None


@dataclass(frozen=True)
class Dialect:
    """How a delimited text file separates and quotes its cells."""

    separator: str = ","
    quotechar: str = '"'


@dataclass(frozen=True)
class Table:
    """A file's rows, every cell as text (``""`` for an empty cell); ``lines[i]`` is the 1-based
    line (or spreadsheet row) on which ``rows[i]`` starts. ``separator`` is None for a workbook.
    ``footer_lines`` are the lines of a footer set aside under the data (not in ``rows``)."""

    name: str
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]
    encoding: str = "utf-8"
    separator: str | None = ","
    quotechar: str = '"'
    warnings: tuple[str, ...] = field(default_factory=tuple)
    footer_lines: tuple[int, ...] = ()


def has_data_rows(table: Table, header_rows: int = 1) -> bool:
    """Whether ``table`` holds a row with a non-empty cell after its ``header_rows`` header
    rows; False for a form exported before anyone answered (callers word the sentence).

    >>> has_data_rows(read_text_rows("a,b\\n1,2\\n", "t.csv")), has_data_rows(
    ...     read_text_rows("a,b\\n,\\n", "t.csv"))
    (True, False)
    """
    return any(any(c.strip() for c in row) for row in table.rows[header_rows:])


def workbook_signature(raw: bytes) -> str | None:
    """``"xlsx"`` for a zip container (``.xlsx``), ``"xls"`` for an old OLE workbook, else None.

    >>> workbook_signature(b"PK\\x03\\x04..."), workbook_signature(b"a,b")
    ('xlsx', None)
    """
    if raw.startswith(b"PK\x03\x04"):
        return "xlsx"
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return None


def _bomless_utf16(raw: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when the first 4 KB look like UTF-16 text with no
    byte-order mark: an even length, and zero bytes on at least 30% of the odd (LE) or even
    (BE) positions and on at most 5% of the others (mostly-ASCII text); else None."""
    if len(raw) < 4 or len(raw) % 2:
        return None
    head = raw[:4096]
    pairs = len(head) // 2
    even = head[0::2].count(0) / pairs
    odd = head[1::2].count(0) / pairs
    if odd >= 0.3 and even <= 0.05:
        return "utf-16-le"
    if even >= 0.3 and odd <= 0.05:
        return "utf-16-be"
    return None


def _legacy(raw: bytes) -> tuple[str, str] | None:
    """The text and codec name of a non-UTF file, by the charset-normalizer library.

    Windows-1252 wins whenever the library finds it plausible (what Excel writes in Western
    locales; the library's own choice among look-alike code pages is unsteady, e.g. it reads
    French as Baltic cp1257, so ``è`` would come out ``č``). Otherwise (Cyrillic, Greek, CJK
    ...) the library's first guess that is not UTF-16/32 and decodes the whole file to text
    with no control characters, when the file has at least :data:`_MIN_EVIDENCE` non-ASCII
    bytes (fewer are too little to tell). None when nothing fits. The library is
    deterministic, so the same bytes always give the same answer. Central European files
    (cp1250) therefore read as Windows-1252, with the warning to check accented letters.
    """
    from charset_normalizer import from_bytes

    def clean(enc: str) -> str | None:
        try:
            text = raw.decode(enc)
        except (UnicodeDecodeError, LookupError):
            return None
        return None if _CONTROL.search(text) else text

    if from_bytes(raw, cp_isolation=["cp1252"]).best() is not None:
        western = clean("cp1252")
        if western is not None:
            return western, "cp1252"
    if len(raw.translate(None, _ASCII_BYTES)) < _MIN_EVIDENCE:  # the non-ASCII bytes
        return None
    for m in from_bytes(raw):
        name = codecs.lookup(m.encoding).name
        if not name.startswith(("utf-16", "utf-32")):
            text = clean(name)
            if text is not None:
                return text, name
    return None


def decode_bytes(raw: bytes, name: str) -> Decoded:
    """Decode a text file; the first rule that applies decides:

    1. a UTF-8 byte-order mark: ``"utf-8-sig"``; a UTF-16 one: ``"utf-16"``;
    2. zero bytes in the UTF-16 pattern (see :func:`_bomless_utf16`): ``"utf-16-le"``/``-be``;
    3. valid UTF-8: ``"utf-8"``;
    4. the charset-normalizer library, Windows-1252 first (see :func:`_legacy`): its Python
       codec name, e.g. ``"cp1252"``.

    ``bad_byte`` is the 1-based position of the first byte that is not UTF-8 (rules 2 and 4).
    Bytes that Windows-1252 maps to control characters (a binary file) come back as
    ``"cp1252"`` text for the caller to refuse as binary, seeing them. Raises
    :class:`TabularError` naming the file and a byte when the bytes are text in no encoding
    (e.g. ``0x81``, undefined in Windows-1252, in a file too short to tell more).

    >>> decode_bytes("\\ufeffa,b".encode("utf-8"), "x.csv")
    Decoded(text='a,b', encoding='utf-8-sig', bad_byte=None)
    >>> decode_bytes("Café".encode("cp1252"), "x.csv")
    Decoded(text='Café', encoding='cp1252', bad_byte=4)
    >>> decode_bytes("a\\tb".encode("utf-16-le"), "x.txt").encoding
    'utf-16-le'
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return Decoded(raw[3:].decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError as exc:
            raise TabularError(
                f"{name} starts as UTF-8 text but byte {exc.start + 4} is not UTF-8."
            ) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return Decoded(raw.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as exc:
            raise TabularError(
                f"{name} starts as UTF-16 text but byte {exc.start + 1} cannot be read as it."
            ) from None
    utf16 = _bomless_utf16(raw) if b"\x00" in raw[:4096] else None
    if utf16 is not None:
        try:
            text = raw.decode(utf16)
        except UnicodeDecodeError:
            text = "\x00"
        if not _CONTROL.search(text):
            return Decoded(text, utf16, _first_bad_utf8_byte(raw))
    try:
        return Decoded(raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start + 1
    found = _legacy(raw)
    if found is None:
        try:  # control bytes (a binary file): the caller refuses it, seeing them in the text
            return Decoded(raw.decode("cp1252"), "cp1252", bad)
        except UnicodeDecodeError as exc:
            raise TabularError(
                f"{name} is neither UTF-8 nor Windows-1252 text (byte {exc.start + 1} cannot be"
                " read); save it as CSV UTF-8 and try again."
            ) from None
    return Decoded(found[0], found[1], bad)


def _first_bad_utf8_byte(raw: bytes) -> int | None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start + 1
    return None


def encoding_warning(name: str, encoding: str) -> str | None:
    """The warning a table read with ``encoding`` carries, or None for UTF-8 and BOM-marked
    UTF-16 (read for certain).

    >>> encoding_warning("a.csv", "cp1252")
    'a.csv is not UTF-8; it was read as Windows (cp1252) text: check accented letters.'
    >>> encoding_warning("a.csv", "utf-8-sig") is None
    True
    """
    if encoding in ("utf-8", "utf-8-sig", "utf-16", "xlsx"):
        return None
    if encoding.startswith("utf-16"):
        return (
            f"{name} is UTF-16 text without a byte-order mark; it was read as {encoding}:"
            " check the letters."
        )
    kind = f"Windows ({encoding})" if encoding.startswith("cp125") else encoding
    return f"{name} is not UTF-8; it was read as {kind} text: check accented letters."


def _sample(text: str, lines: int = _SAMPLE_LINES) -> tuple[str, bool]:
    """The first ``lines`` non-blank lines of the first 256 KB, and whether text was left out
    after them (only the prefix is looked at, so a large file costs no more than a small one)."""
    head = text[:_SAMPLE_CHARS]
    kept: list[str] = []
    for line in io.StringIO(head, newline=None):
        if line.strip():
            kept.append(line)
            if len(kept) >= lines:
                return "".join(kept), True
    return "".join(kept), len(head) < len(text)


def _quotechar(sample: str, seps: Sequence[str]) -> str:
    """``'`` when cells are quoted with it (after a separator or at a line start) and ``"`` is
    never used so; else ``"``."""

    def quoted_with(q: str) -> bool:
        return any(f"{s}{q}" in sample or f"\n{q}" in sample for s in seps) or sample.startswith(q)

    return "'" if quoted_with("'") and not quoted_with('"') else '"'


def detect_dialect(text: str, candidates: Sequence[str] = SEPARATORS) -> Dialect:
    """The separator and quote character that read ``text`` most consistently.

    Each candidate splits up to 500 sampled records (quotes respected; a record cut off by the
    sample's end is left out). The rows after the first are the data; their most common
    number of cells is the candidate's width (the larger on a tie), and a candidate whose width
    is 1 splits nothing and is out. Of the rest the winner is decided, in turn, by:
    (1) at least 90% of data rows having that width; (2) the header (first row) having it too;
    (3) the share of data rows having it; (4) a separator mostly followed by a space (as commas
    are in prose) losing to one that is not; (5) the order of ``candidates``. So a European
    Excel file (``;``) whose header holds commas and whose data hold decimal commas reads as
    ``;``. A header alone counts as its own data row. A text with one column gives ``,``.
    (clevercsv was tried: it splits long-form ballots ``C>A>B,Council`` at ``>``.)

    >>> detect_dialect("id;label, long\\nA;Pool, budgets\\nB;Joint, team\\n").separator
    ';'
    >>> detect_dialect('"a","b"\\n"x;y",1\\n').separator
    ','
    >>> detect_dialect("a\\tb|c\\n1\\t2|3\\n1\\t2\\n").separator
    '\\t'
    >>> detect_dialect('"Rank, please";"Weight"\\nC>A>B;1,5\\nA>C>B;2,25\\n').separator
    ';'
    """
    sample, cut = _sample(text)
    quote = _quotechar(sample, candidates)
    best: tuple[bool, bool, float, int, int] | None = None
    chosen = ","
    for rank, sep in enumerate(candidates):
        rows = [r for r in csv.reader(io.StringIO(sample), delimiter=sep, quotechar=quote) if r]
        if cut and len(rows) > 2:
            rows.pop()
        if not rows:
            continue
        data = rows[1:] or rows
        counts = Counter(len(r) for r in data)
        width = max(counts, key=lambda w: (counts[w], w))
        if width < 2:
            continue
        share = counts[width] / len(data)
        uses = sample.count(sep)
        spaced = sample.count(sep + " ") / uses if uses else 0.0
        score = (share >= 0.9, len(rows[0]) == width, share, 0 if spaced > 0.5 else 1, -rank)
        if best is None or score > best:
            best, chosen = score, sep
    return Dialect(chosen, quote)


def _split(
    text: str, d: Dialect, strict: bool
) -> tuple[list[tuple[str, ...]], list[int], list[bool]]:
    """Rows, the line each starts on, and whether a blank line came just before each."""
    reader = csv.reader(
        io.StringIO(text.lstrip("\ufeff"), newline=""),
        delimiter=d.separator,
        quotechar=d.quotechar,
        strict=strict,
    )
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    blank_before: list[bool] = []
    previous_end = 0
    gap = False
    widest = 0
    try:
        for row in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            widest = max(widest, len(row))
            if widest > MAX_COLUMNS or len(rows) >= MAX_ROWS or len(rows) * widest > MAX_CELLS:
                check_table_size("", len(rows) + 1, widest)
            if row:
                rows.append(tuple(row))
                lines.append(start)
                blank_before.append(gap)
                gap = False
            else:
                gap = True
    except csv.Error as exc:
        raise csv.Error(str(exc), previous_end + 1) from None
    except LimitError as exc:
        raise csv.Error(str(exc), previous_end + 1, "limit") from None
    return rows, lines, blank_before


def _filled(row: Sequence[str]) -> list[str]:
    return [c for c in row if c.strip()]


def _is_number(text: str) -> bool:
    try:
        float(text.strip().replace(",", "."))
    except ValueError:
        return False
    return True


def footer_start(rows: Sequence[Sequence[str]], blank_before: Sequence[bool] | None = None) -> int:
    """The index of the first footer row under the data (``len(rows)`` when there is none).

    A footer is at most three last rows (blank rows between them aside), each holding one
    non-empty cell, in the first column, of text that is not a number, under rows that are
    wide (the median non-blank row above the footer holds two or more cells). It starts at the first such row
    that follows a fully blank row (``blank_before[i]``, or ``rows[i-1]`` empty) and has at
    least two words, or that starts with a footer word (Total, Exported, Generated, Report,
    Count, Source, Downloaded, Created, Printed, Number of, Responses). Genuine last data rows
    are kept: a one-column file never has a footer.

    >>> rows = [("rank", "group"), ("C>A>B", "Council"), ("B>A", ""), ("Total responses: 2",)]
    >>> footer_start(rows), footer_start(rows[:3])
    (3, 3)
    >>> footer_start([("a", "b"), ("1", "2"), ("note here",)], [False, False, True])
    2
    """
    n = len(rows)
    gaps = list(blank_before) if blank_before is not None else [False] * n
    i, lone = n, 0
    while i > 0:
        cells = _filled(rows[i - 1])
        if not cells:
            i -= 1
        elif (
            lone < _MAX_FOOTER_LINES
            and len(cells) == 1
            and rows[i - 1][0].strip()
            and not _is_number(cells[0])
        ):
            i, lone = i - 1, lone + 1
        else:
            break
    for k in range(i, n if lone else i):
        cells = _filled(rows[k])
        if not cells:
            continue
        after_blank = gaps[k] or (k > 0 and not _filled(rows[k - 1]))
        if (after_blank and len(cells[0].split()) >= 2) or _FOOTER_WORDS.match(cells[0]):
            above = [len(_filled(r)) for r in rows[:k] if _filled(r)]
            wide = bool(above) and sorted(above)[len(above) // 2] >= 2
            return k if wide else n
    return n


def _without_footer(
    rows: list[tuple[str, ...]], lines: list[int], blank_before: Sequence[bool] | None
) -> tuple[list[tuple[str, ...]], list[int], tuple[int, ...]]:
    """``rows`` and ``lines`` with the footer (and the blank rows just above it) taken off,
    and the lines of the footer's non-blank rows."""
    k = footer_start(rows, blank_before)
    footer = tuple(line for row, line in zip(rows[k:], lines[k:], strict=True) if _filled(row))
    while k > 0 and footer and not _filled(rows[k - 1]):
        k -= 1
    return rows[:k], lines[:k], footer


def read_text_rows(
    text: str,
    name: str,
    dialect: Dialect | None = None,
    *,
    encoding: str = "utf-8",
    warnings: Sequence[str] = (),
) -> Table:
    """Split delimited ``text`` into rows (blank lines give no row; ``lines`` keeps file lines,
    a quoted cell with line breaks keeping the line it starts on; ``\\r``, ``\\n`` and
    ``\\r\\n`` all end a line). A footer under the data is set aside (:func:`footer_start`).

    Raises :class:`TabularError` for a quoted cell that is never closed.
    """
    check_text_table(text, name, dialect.separator if dialect else None)
    d = dialect or detect_dialect(text)
    try:
        rows, lines, gaps = _split(text, d, strict=True)
    except csv.Error as exc:
        line = exc.args[1] if len(exc.args) > 1 else 0
        if len(exc.args) > 2:
            raise TabularError(f"{name}, line {line}:{exc.args[0]}") from None
        if "unexpected end of data" in str(exc.args[0]):
            raise TabularError(f"{name}, line {line}: a quoted cell is never closed.") from None
        rows, lines, gaps = _split(text, d, strict=False)  # a stray quote inside a cell is kept
    if not rows and not text.strip():
        raise TabularError(f"{name} is empty.")
    rows, lines, footer = _without_footer(rows, lines, gaps)
    return Table(
        name,
        tuple(rows),
        tuple(lines),
        encoding,
        d.separator,
        d.quotechar,
        tuple(warnings),
        footer,
    )


def excel_cell_text(v: Any) -> str:
    """A workbook cell as text: blank for empty, ``TRUE``/``FALSE``, whole floats without ``.0``,
    dates in ISO form.

    >>> [excel_cell_text(v) for v in (None, True, 4.0, 2.5, "x")]
    ['', 'TRUE', '4', '2.5', 'x']
    """
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).upper()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _merged_ranges(zf: zipfile.ZipFile, part: str | None) -> list[tuple[int, int, int, int]]:
    """``(first_row, first_col, last_row, last_col)`` (1-based) of each ``<mergeCell>`` of the
    sheet stored at ``part``, found by scanning its XML in 1 MB pieces (openpyxl's read-only
    mode does not expose them)."""
    if not part:
        return []
    try:
        stream = zf.open(part.lstrip("/"))
    except KeyError:
        return []
    found: list[tuple[int, int, int, int]] = []
    tail = b""
    with stream:
        while True:
            chunk = stream.read(1 << 20)
            if not chunk:
                break
            data = tail + chunk
            last = 0
            for m in _MERGE_REF.finditer(data):
                c1, r1, c2, r2 = m.groups()
                found.append((int(r1), _column_number(c1), int(r2 or r1), _column_number(c2 or c1)))
                last = m.end()
            tail = data[max(last, len(data) - 200) :]
    return found


_CELL_COLUMN = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\br=\"([A-Z]{1,3})[0-9]")
_ROW_NUMBER = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b[^>]*?\br=\"([0-9]{1,9})\"")
# the same without a namespace prefix: a literal start, which the regex engine finds fast
_PLAIN_CELL_COLUMN = re.compile(rb"<c\b[^>]*?\br=\"([A-Z]{1,3})[0-9]")
_PLAIN_ROW_NUMBER = re.compile(rb"<row\b[^>]*?\br=\"([0-9]{1,9})\"")
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")


def _count_cells(head: bytes) -> int:
    if b":c" in head:  # a namespace prefix: the slower, general pattern
        return len(_CELL_TAG.findall(head))
    return head.count(b"<c ") + head.count(b"<c>") + head.count(b"<c/")


def _check_sheet_extent(zf: zipfile.ZipFile, part: str, label: str) -> None:
    """Refuse a sheet whose cells, as its XML really places them (never its ``<dimension>``),
    span past the table bounds: the farthest row (``<row r="...">``, or the count of ``<row>``
    elements) times the farthest column any ``<c r="...">`` names, and the count of ``<c>``
    elements. The XML is scanned in 1 MB pieces before openpyxl opens the workbook, so a 7 KB
    file naming cell ``XFD1048576`` is refused at once rather than read as 17 thousand million
    cells, and a zip bomb of empty cells is refused in seconds."""
    last_row = last_col = rows = cells = 0
    tail = b""
    with zf.open(part) as stream:
        while True:
            chunk = stream.read(1 << 20)
            data = tail + chunk
            # tags do not nest and text holds no "<", so every tag before the last ">" is whole
            cut = len(data) if not chunk else data.rfind(b">") + 1
            head, tail = data[:cut], data[cut:]
            rows += len(_ROW_TAG.findall(head)) if b":row" in head else head.count(b"<row")
            cells += _count_cells(head)
            prefixed = b":c" in head or b":row" in head
            if b' r="' in head:
                numbers = (_ROW_NUMBER if prefixed else _PLAIN_ROW_NUMBER).findall(head)
                letters = set((_CELL_COLUMN if prefixed else _PLAIN_CELL_COLUMN).findall(head))
            else:
                numbers, letters = [], set()
            if numbers:
                last_row = max(last_row, *map(int, numbers))
            if letters:
                last_col = max(last_col, *map(_column_number, letters))
            if cells > MAX_CELLS or rows > MAX_ROWS or not chunk:
                break
    try:
        if cells > MAX_CELLS:
            raise LimitError(
                f"{label} holds more than {MAX_CELLS:,} cells, the limit this kit reads; save"
                " the sheet you need as CSV."
            )
        check_table_size(
            label,
            max(last_row, rows),
            max(last_col, 1),
            where=f" (its cells reach row {max(last_row, rows):,} and column"
            f" {_column_letters(max(last_col, 1))})",
        )
    except LimitError as exc:
        raise _refuse(exc) from None


_SHARED_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")


def _check_shared_strings(zf: zipfile.ZipFile, part: str, label: str) -> None:
    """Refuse a workbook whose shared-string table (read whole by openpyxl on opening) holds
    more strings than :data:`~partnership_tools.kernel.limits.MAX_CELLS`, counted in 1 MB
    pieces of its XML before openpyxl reads it."""
    count = 0
    tail = b""
    with zf.open(part) as stream:
        while True:
            chunk = stream.read(1 << 20)
            data = tail + chunk
            cut = len(data) if not chunk else data.rfind(b">") + 1
            head, tail = data[:cut], data[cut:]
            if b":si" in head:
                count += len(_SHARED_TAG.findall(head))
            else:
                count += head.count(b"<si>") + head.count(b"<si ") + head.count(b"<si/")
            if count > MAX_CELLS:
                raise TabularError(
                    f"{label} holds more than {MAX_CELLS:,} distinct texts, over the limit of"
                    f" {MAX_CELLS:,} cells this kit reads; save the sheet you need as CSV."
                )
            if not chunk:
                break


def _column_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _fill_merged_header(rows: list[list[str]], merges: Sequence[tuple[int, int, int, int]]) -> None:
    """Copy each merged header cell's text into every cell of its span, in place.

    The header band starts at the first non-blank row; a merge starting in the band extends it
    to the merge's last row, and one more row below a merge across columns (the labels under a
    group title). Merges starting below the band (in the data) are left as they are.
    """
    first = next((i + 1 for i, r in enumerate(rows) if _filled(r)), None)
    if first is None or not merges:
        return
    band_end = first
    changed = True
    chosen: set[tuple[int, int, int, int]] = set()
    while changed:
        changed = False
        for m in merges:
            r1, c1, r2, c2 = m
            if m in chosen or not first <= r1 <= band_end:
                continue
            chosen.add(m)
            band_end = min(max(band_end, r2 + (1 if c2 > c1 else 0)), first + 4)
            changed = True
    for r1, c1, r2, c2 in sorted(chosen):
        if r1 > len(rows):
            continue
        top = rows[r1 - 1]
        value = top[c1 - 1] if c1 <= len(top) else ""
        if not value:
            continue
        for r in range(r1, min(r2, len(rows)) + 1):
            row = rows[r - 1]
            if len(row) < c2:
                row.extend([""] * (c2 - len(row)))
            for c in range(c1, c2 + 1):
                if not row[c - 1]:
                    row[c - 1] = value


def read_xlsx(
    path: str | os.PathLike[str],
    sheet: str | int | None = None,
    *,
    name: str | None = None,
    max_bytes: int = MAX_XLSX_BYTES,
) -> Table:
    """The rows of one sheet (the first when ``sheet`` is None) of an ``.xlsx`` workbook.

    Trailing empty cells and trailing empty rows are dropped, so a workbook whose ``<dimension>``
    claims more (or fewer) cells than it holds reads as what it holds. ``lines`` are the sheet's
    row numbers. Merged header cells are filled across their span (:func:`_fill_merged_header`)
    and a footer under the data is set aside (:func:`footer_start`). Raises
    :class:`TabularError` when the file is not a workbook, would uncompress to more than
    ``max_bytes``, or has no such sheet.
    """
    p = Path(path)
    label = name or p.name
    not_workbook = (
        f"{label} could not be opened as an Excel workbook; save it again as .xlsx or CSV."
    )
    try:
        with zipfile.ZipFile(p) as zf:
            size = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError):
        raise TabularError(not_workbook) from None
    if size > max_bytes:
        raise TabularError(
            f"{label} would take {size / 2**20:,.0f} MiB once uncompressed, over the limit of"
            f" {max_bytes / 2**20:,.0f} MiB; save the sheet you need as CSV and try again."
        )
    with zipfile.ZipFile(p) as zf:
        for info in zf.infolist():
            if info.filename.endswith("sharedStrings.xml"):
                _check_shared_strings(zf, info.filename, label)
            elif "worksheets/" in info.filename and info.filename.endswith(".xml"):
                _check_sheet_extent(zf, info.filename, label)
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise TabularError(not_workbook) from None
    try:
        try:
            if sheet is None:
                ws = wb.worksheets[0]
            elif isinstance(sheet, int):
                ws = wb.worksheets[sheet]
            else:
                ws = wb[sheet]
        except (KeyError, IndexError):
            raise TabularError(
                f"{label} has no sheet {sheet!r}; its sheets are: {', '.join(wb.sheetnames)}."
            ) from None
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # the file's own <dimension> may be wrong
        part = getattr(ws, "_worksheet_path", None)
        rows: list[list[str]] = []
        lines: list[int] = []
        widest = 0
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            widest = max(widest, len(values))
            if widest > MAX_COLUMNS or number > MAX_ROWS or number * widest > MAX_CELLS:
                try:
                    check_table_size(label, number, widest, where=f", row {number}")
                except LimitError as exc:
                    raise _refuse(exc) from None
            cells = [excel_cell_text(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            rows.append(cells)
            lines.append(number)
    finally:
        wb.close()
    with zipfile.ZipFile(p) as zf:
        _fill_merged_header(rows, _merged_ranges(zf, part))
    while rows and not rows[-1]:
        rows.pop()
        lines.pop()
    kept, kept_lines, footer = _without_footer([tuple(r) for r in rows], lines, None)
    return Table(label, tuple(kept), tuple(kept_lines), "xlsx", None, footer_lines=footer)


def read_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    name: str | None = None,
    max_bytes: int = MAX_XLSX_BYTES,
) -> Table:
    """Read a CSV, TSV or ``.xlsx`` file into rows of text (see the module docstring).

    ``.xlsx``/``.xlsm`` (or any file that starts as a zip) is read as a workbook; a ``.tsv``
    file is split at tabs; anything else is decoded and its separator detected. A file with a
    header and no answers is returned as it is (see :func:`has_data_rows`).
    Raises :class:`TabularError` for a missing, unreadable, binary or empty file.
    """
    p = Path(path)
    label = name or p.name or str(p)
    try:
        if p.is_file():
            check_file_size(p.stat().st_size, label, max(MAX_FILE_BYTES, max_bytes))
        raw = p.read_bytes()
    except FileNotFoundError:
        raise TabularError(f"There is no file {str(p)!r}.") from None
    except IsADirectoryError:
        raise TabularError(f"{label} is a folder, not a file.") from None
    except OSError as exc:
        raise TabularError(
            f"{label} cannot be read ({exc.strerror or 'input/output error'})."
        ) from None
    except LimitError as exc:
        raise _refuse(exc) from None
    signature = workbook_signature(raw)
    if p.suffix.lower() in (".xlsx", ".xlsm") or signature == "xlsx":
        return read_xlsx(p, sheet, name=label, max_bytes=max_bytes)
    if signature == "xls":
        raise TabularError(f"{label} is in the old .xls format; save it as .xlsx or CSV.")
    if not raw.strip():
        raise TabularError(f"{label} is empty.")
    decoded = decode_bytes(raw, label)
    if "\x00" in decoded.text[:4096]:
        raise TabularError(f"{label} looks like a binary file, not CSV or Excel.")
    if not decoded.text.strip():
        raise TabularError(f"{label} is empty.")
    warning = encoding_warning(label, decoded.encoding)
    dialect = Dialect("\t") if p.suffix.lower() == ".tsv" else None
    return read_text_rows(
        decoded.text,
        label,
        dialect,
        encoding=decoded.encoding,
        warnings=(warning,) if warning else (),
    )
