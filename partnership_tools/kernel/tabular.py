"""One way to read a table someone exported: CSV, TSV or Excel ``.xlsx`` into rows of text.

Encodings: UTF-8 with or without a byte-order mark, UTF-16 with a byte-order mark (what Excel's
"Unicode text" writes), else Windows-1252 (with a warning, since accents may be wrong). The
separator (``,`` ``;`` TAB ``|``) and the quote character are found from the data, not the header
alone: the candidate that splits the most sampled lines into as many cells as the header wins.
Workbooks are read with openpyxl in read-only mode after ``reset_dimensions()`` (a workbook's own
``<dimension>`` may be wrong, and must neither pad nor cut rows), and refused when they would
uncompress to more than :data:`MAX_XLSX_BYTES`. Every problem is a :class:`TabularError`: one plain
sentence naming the file (and the row or column where that applies).

>>> t = read_text_rows("name;note\\nAda;likes 1,2\\n", "people.csv")
>>> t.separator, t.rows
(';', (('name', 'note'), ('Ada', 'likes 1,2')))
>>> decode_bytes("é".encode("utf-16"), "u.txt").encoding
'utf-16'
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partnership_tools.kernel.errors import PlainError

__all__ = [
    "MAX_XLSX_BYTES",
    "SEPARATORS",
    "Decoded",
    "Dialect",
    "Table",
    "TabularError",
    "decode_bytes",
    "detect_dialect",
    "excel_cell_text",
    "read_table",
    "read_text_rows",
    "read_xlsx",
    "workbook_signature",
]

#: Separators tried, in order of preference when two split the data equally well.
SEPARATORS = (",", ";", "\t", "|")
#: A workbook whose parts would uncompress to more than this many bytes is refused unread.
MAX_XLSX_BYTES = 200 * 1024 * 1024
_SAMPLE_LINES = 200


class TabularError(PlainError, ValueError):
    """A table file that cannot be read, as one plain sentence naming the file."""


@dataclass(frozen=True)
class Decoded:
    """A file's text, the encoding it was read with, and (when it is not UTF-8) the 1-based
    position of the first byte that is not UTF-8."""

    text: str
    encoding: str  # "utf-8", "utf-8-sig", "utf-16" or "cp1252"
    bad_byte: int | None = None


@dataclass(frozen=True)
class Dialect:
    """How a delimited text file separates and quotes its cells."""

    separator: str = ","
    quotechar: str = '"'


@dataclass(frozen=True)
class Table:
    """A file's rows, every cell as text (``""`` for an empty cell); ``lines[i]`` is the 1-based
    line (or spreadsheet row) on which ``rows[i]`` starts. ``separator`` is None for a workbook."""

    name: str
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]
    encoding: str = "utf-8"
    separator: str | None = ","
    quotechar: str = '"'
    warnings: tuple[str, ...] = field(default_factory=tuple)


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


def decode_bytes(raw: bytes, name: str) -> Decoded:
    """Decode a text file: BOM-marked UTF-8 or UTF-16, else UTF-8, else Windows-1252.

    Raises :class:`TabularError` when the bytes are none of these (cp1252 leaves five bytes
    undefined, e.g. ``0x81``).

    >>> decode_bytes("\\ufeffa,b".encode("utf-8"), "x.csv")
    Decoded(text='a,b', encoding='utf-8-sig', bad_byte=None)
    >>> decode_bytes("Café".encode("cp1252"), "x.csv")
    Decoded(text='Café', encoding='cp1252', bad_byte=4)
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
        except UnicodeDecodeError:
            raise TabularError(f"{name} starts as UTF-16 text but cannot be read as it.") from None
    try:
        return Decoded(raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start + 1
    try:
        return Decoded(raw.decode("cp1252"), "cp1252", bad)
    except UnicodeDecodeError as exc:
        raise TabularError(
            f"{name} is neither UTF-8 nor Windows-1252 text (byte {exc.start + 1} cannot be"
            " read); save it as CSV UTF-8 and try again."
        ) from None


def _sample(text: str, lines: int = _SAMPLE_LINES) -> str:
    """The first ``lines`` non-blank lines (a quoted cell may still run on past them)."""
    kept: list[str] = []
    for line in io.StringIO(text, newline=None):
        if line.strip():
            kept.append(line)
            if len(kept) >= lines:
                break
    return "".join(kept)


def _quotechar(sample: str, seps: Sequence[str]) -> str:
    """``'`` when cells are quoted with it (after a separator or at a line start) and ``"`` is
    never used so; else ``"``."""

    def quoted_with(q: str) -> bool:
        return any(f"{s}{q}" in sample or f"\n{q}" in sample for s in seps) or sample.startswith(q)

    return "'" if quoted_with("'") and not quoted_with('"') else '"'


def detect_dialect(text: str, candidates: Sequence[str] = SEPARATORS) -> Dialect:
    """The separator and quote character that read ``text`` most consistently.

    Each candidate splits the sampled lines (quotes respected); it scores the share of rows
    with as many cells as the header (when that is more than one). A separator mostly followed
    by a space (as commas are in prose) loses ties to one that is not; then the order of
    ``candidates`` decides. A text with one column gives ``,``.

    >>> detect_dialect("id;label, long\\nA;Pool, budgets\\nB;Joint, team\\n").separator
    ';'
    >>> detect_dialect('"a","b"\\n"x;y",1\\n').separator
    ','
    >>> detect_dialect("a\\tb|c\\n1\\t2|3\\n1\\t2\\n").separator
    '\\t'
    """
    sample = _sample(text)
    quote = _quotechar(sample, candidates)
    best: tuple[float, int, int] | None = None
    chosen = ","
    for rank, sep in enumerate(candidates):
        rows = [r for r in csv.reader(io.StringIO(sample), delimiter=sep, quotechar=quote) if r]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(len(r) == width for r in rows) / len(rows)
        uses = sample.count(sep)
        spaced = sample.count(sep + " ") / uses if uses and sep != " " else 0.0
        score = (consistent, 0 if spaced > 0.5 else 1, -rank)
        if best is None or score > best:
            best, chosen = score, sep
    return Dialect(chosen, quote)


def _split(text: str, d: Dialect, strict: bool) -> tuple[list[tuple[str, ...]], list[int]]:
    reader = csv.reader(
        io.StringIO(text.lstrip("\ufeff"), newline=""),
        delimiter=d.separator,
        quotechar=d.quotechar,
        strict=strict,
    )
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    previous_end = 0
    try:
        for row in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if row:
                rows.append(tuple(row))
                lines.append(start)
    except csv.Error as exc:
        raise csv.Error(str(exc), previous_end + 1) from None
    return rows, lines


def read_text_rows(
    text: str,
    name: str,
    dialect: Dialect | None = None,
    *,
    encoding: str = "utf-8",
    warnings: Sequence[str] = (),
) -> Table:
    """Split delimited ``text`` into rows (blank lines give no row; ``lines`` keeps file lines).

    Raises :class:`TabularError` for a quoted cell that is never closed.
    """
    d = dialect or detect_dialect(text)
    try:
        rows, lines = _split(text, d, strict=True)
    except csv.Error as exc:
        line = exc.args[1] if len(exc.args) > 1 else 0
        if "unexpected end of data" in str(exc.args[0]):
            raise TabularError(f"{name}, line {line}: a quoted cell is never closed.") from None
        rows, lines = _split(text, d, strict=False)  # a stray quote inside a cell is kept
    if not rows and not text.strip():
        raise TabularError(f"{name} is empty.")
    return Table(
        name, tuple(rows), tuple(lines), encoding, d.separator, d.quotechar, tuple(warnings)
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
    row numbers. Raises :class:`TabularError` when the file is not a workbook, would uncompress
    to more than ``max_bytes``, or has no such sheet.
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
            f"{label} would take {size / 1e6:.0f} MB once uncompressed, over the limit of"
            f" {max_bytes / 1e6:.0f} MB; save the sheet you need as CSV and try again."
        )
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
        rows: list[tuple[str, ...]] = []
        lines: list[int] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [excel_cell_text(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            rows.append(tuple(cells))
            lines.append(number)
    finally:
        wb.close()
    while rows and not rows[-1]:
        rows.pop()
        lines.pop()
    return Table(label, tuple(rows), tuple(lines), "xlsx", None)


def read_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    name: str | None = None,
    max_bytes: int = MAX_XLSX_BYTES,
) -> Table:
    """Read a CSV, TSV or ``.xlsx`` file into rows of text (see the module docstring).

    ``.xlsx``/``.xlsm`` (or any file that starts as a zip) is read as a workbook; a ``.tsv``
    file is split at tabs; anything else is decoded and its separator detected.
    Raises :class:`TabularError` for a missing, unreadable, binary or empty file.
    """
    p = Path(path)
    label = name or p.name or str(p)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise TabularError(f"There is no file {str(p)!r}.") from None
    except IsADirectoryError:
        raise TabularError(f"{label} is a folder, not a file.") from None
    except OSError as exc:
        raise TabularError(
            f"{label} cannot be read ({exc.strerror or 'input/output error'})."
        ) from None
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
    warnings: list[str] = []
    if decoded.encoding == "cp1252":
        warnings.append(
            f"{label} is not UTF-8; it was read as Windows (cp1252) text: check accented letters."
        )
    dialect = Dialect("\t") if p.suffix.lower() == ".tsv" else None
    return read_text_rows(
        decoded.text, label, dialect, encoding=decoded.encoding, warnings=warnings
    )
