"""Read ballots from CSV, TSV and ``.xlsx`` tables (any layout survey tools export) and write
them (long layout).

The table is read by :func:`~partnership_tools.kernel.tabular.read_table` for workbooks (first
sheet or ``sheet=``) and by a fast pandas parse for text (encoding UTF-8 with or without a BOM,
UTF-16, or Windows-1252 with a note; separator and quoting found from the data). Its header rows
are recognised by :func:`~partnership_tools.kernel.headers.split_header_rows` (SurveyMonkey's two,
Qualtrics' three) and skipped; row numbers stay true file rows. Each column's use is then decided
by :func:`~partnership_tools.vote.layouts.plan_columns`:

**Long layout**: one row per ballot with a ``ranking`` column such as ``C>A>B`` (ids or labels;
``C,A,B`` and, when every id is one character, ``CAB`` too; see
:func:`~partnership_tools.vote.validation.parse_ranking`). The file only shows the options each
voter ranked, so the option list must be given separately: an option nobody ranked still counts.

**Wide layout**: one column per option holding ranks (``1``, ``1st``, ``First``, ``1st choice``,
``Rank 1``; blank or ``N/A`` = unranked): Google grids (``Question [Option]``), SurveyMonkey
rankings and Qualtrics rank orders (``Question - Option``). The option label is the column's
sub part (or its whole header); the ids are the labels themselves when every label is short and
id-like (at most 12 letters, digits, ``_`` or ``-``), otherwise ``A``, ``B``, ``C``, ... in
column order (then ``AA``, ``AB``, ...). Given ``options``, the columns are matched to them (by
id or label) and their ids and order are used; columns of other options are set aside.

**One column per place**: ``Rank [1st choice]``, ``1st choice`` / ``2nd choice``, ``Rank 1..N``,
LimeSurvey ``[Ranking 1]`` columns whose cells hold option labels; the options are the labels
found (in order of first appearance) unless given.

**Forms layout**: Microsoft Forms' one column of ``;``-separated labels
(``Shared back office;Stay separate;One senior team;``), split on ``;`` only, since a label may
hold a comma; the options must be given. When two columns qualify, the file is refused.

Bookkeeping columns, the form's other questions, a comments box and consent questions are set
aside and reported (``report``); the stakeholder group is the ``group`` column, the column
``group_column`` names, or the one found by its wording or values.

>>> import io
>>> text = "group,ranking\\nManagers,C>A>B\\nCitizens,A>A\\nCitizens,\\nManagers,b>c\\n"
>>> imp = read_ballots_csv(io.StringIO(text), options=["A", "B", "C"])
>>> imp.layout, imp.rankings, imp.groups, imp.rows
('long', [('C', 'A', 'B'), ('B', 'C')], ['Managers', 'Managers'], (2, 5))
>>> [(r.row, r.reason) for r in imp.rejected], imp.abstentions
([(3, 'ranks option A twice')], (4,))
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import repeat
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from partnership_tools.kernel.headers import (
    ColumnHeader,
    HeaderLayout,
    bookkeeping_kind,
    parse_ordinal,
    split_header_rows,
)
from partnership_tools.kernel.importreport import ColumnUse, ImportReport, RejectedRow
from partnership_tools.kernel.serial import converter
from partnership_tools.kernel.tabular import (
    Table,
    TabularError,
    decode_bytes,
    detect_dialect,
    encoding_warning,
    read_table,
    workbook_signature,
)
from partnership_tools.vote.ballots import BallotMatrix
from partnership_tools.vote.layouts import (
    ColumnStats,
    LayoutError,
    Plan,
    is_unranked,
    label_key,
    plan_columns,
    suspect_labels,
)
from partnership_tools.vote.model import Option
from partnership_tools.vote.records import to_record
from partnership_tools.vote.validation import (
    BallotError,
    _as_options,
    _parse_with,
    _rank_number,
    _Resolver,
    ranking_from_positions,
    validate_ranking,
)

__all__ = [
    "BallotFileError",
    "BallotImport",
    "RejectedBallot",
    "no_valid_ballots",
    "read_ballots_csv",
    "read_options_file",
    "write_ballots_csv",
]

#: Wide-layout columns that are neither options nor read (kept for callers; see
#: :func:`~partnership_tools.kernel.headers.bookkeeping_kind` for the full list).
IGNORED_COLUMNS = frozenset(
    {
        "timestamp",
        "id",
        "start time",
        "completion time",
        "email",
        "email address",
        "name",
        "last modified time",
        "submitted at",
    }
)
REPLACED_REASON = "replaced by a later ballot with the same participant code (row {row})"

_ID_LIKE = re.compile(r"[A-Za-z0-9_-]{1,12}")
_EXPECTED_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EOF_IN_STRING = re.compile(r"EOF inside string starting at row (\d+)")


class BallotFileError(ValueError):
    """A ballot or options file that cannot be read at all; the message is one plain sentence."""


@dataclass(frozen=True)
class RejectedBallot:
    """A ballot that was not counted: its file row, why, and its text as found in the file.

    In the wide layout the text lists the cells as ``id=value``, in column order.
    """

    row: int
    reason: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        """The ballot as a JSON-ready dict.

        >>> RejectedBallot(3, "ranks option A twice", "A>B>A").to_dict()
        {'row': 3, 'reason': 'ranks option A twice', 'text': 'A>B>A'}
        """
        return to_record(self)


class RowNumbers(Sequence[int]):
    """The file rows of a million ballots without a million Python ints: a read-only sequence
    over a numpy array that compares, prints and iterates like the tuple it stands for.

    >>> r = RowNumbers(np.array([2, 5]))
    >>> r, r == (2, 5), r[1], list(r), len(r)
    ((2, 5), True, 5, [2, 5], 2)
    """

    __slots__ = ("_a",)

    def __init__(self, values: Any) -> None:
        self._a = np.asarray(values, dtype=np.int64)
        self._a.setflags(write=False)

    def __len__(self) -> int:
        return len(self._a)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return tuple(self._a[i].tolist())
        return int(self._a[i])

    def __iter__(self) -> Any:
        return iter(self._a.tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RowNumbers):
            return bool(np.array_equal(self._a, other._a))
        if isinstance(other, Sequence) and not isinstance(other, str):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(tuple(self))


@dataclass(frozen=True, eq=False)
class BallotImport:
    """The result of reading a ballot file.

    ``matrix`` holds the valid ballots only (with their groups); ``participants[i]`` and
    ``rows[i]`` are the raw participant code (or ``None``) and the file row of ballot ``i`` in the
    matrix. The caller hashes the codes (:func:`partnership_tools.vote.model.hash_participant`) before
    storing anything. ``rejected`` lists the ballots that were not counted and why; ``abstentions``
    lists the rows of blank ballots. Rows are file lines with the header as line 1.

    >>> imp = read_ballots_csv(io.StringIO("participant,ranking\\nk1,B>A\\nk2,\\n"), options=["A", "B"])
    >>> imp.option_ids, imp.n_ballots, imp.rankings, imp.participants, imp.rows, imp.abstentions
    (('A', 'B'), 1, [('B', 'A')], ('k1',), (2,), (3,))
    >>> imp.matrix.ranks.tolist()
    [[2, 1]]
    """

    path: str | None
    layout: str
    options: tuple[Option, ...]
    matrix: BallotMatrix
    participants: tuple[str | None, ...]
    rows: Sequence[int]
    rejected: tuple[RejectedBallot, ...] = ()
    abstentions: tuple[int, ...] = ()
    #: What was read and how (see :mod:`partnership_tools.kernel.importreport`).
    report: ImportReport | None = None

    @property
    def option_ids(self) -> tuple[str, ...]:
        return self.matrix.option_ids

    @property
    def n_ballots(self) -> int:
        """The number of valid ballots."""
        return self.matrix.n_ballots

    @property
    def rankings(self) -> list[tuple[str, ...]]:
        """The valid ballots as tuples of option ids (built on demand: slow for millions)."""
        return self.matrix.rankings()

    @property
    def groups(self) -> list[str | None]:
        """The group of each valid ballot (``None`` when not given)."""
        return self.matrix.groups()

    def summary(self) -> str:
        """One sentence counting what was read.

        >>> imp = read_ballots_csv(io.StringIO("ranking\\nA>B\\nA>A\\n\\n"), options=["A", "B"])
        >>> imp.summary()
        '1 valid ballot, 1 rejected, 0 blank.'
        """
        n = self.n_ballots
        return (
            f"{n:,} valid ballot{'' if n == 1 else 's'}, {len(self.rejected):,} rejected, "
            f"{len(self.abstentions):,} blank."
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary. The raw participant codes are left out so they never reach a file
        by accident; ``has_participant_codes`` says whether any were read.

        >>> imp = read_ballots_csv(io.StringIO("ranking,group\\nB>A,x\\n"), options=["A", "B"])
        >>> d = imp.to_dict()
        >>> d["rankings"], d["groups"], d["rows"], d["option_ids"]
        ([['B', 'A']], ['x'], [2], ['A', 'B'])
        """
        return to_record(self)


def _import_record(imp: BallotImport) -> dict[str, Any]:
    """How a :class:`BallotImport` is written: derived rankings and groups, no raw codes."""
    return {
        "path": imp.path,
        "layout": imp.layout,
        "option_ids": list(imp.option_ids),
        "options": to_record(imp.options),
        "rankings": [list(r) for r in imp.rankings],
        "groups": imp.groups,
        "rows": list(imp.rows),
        "has_participant_codes": any(p is not None for p in imp.participants),
        "rejected": to_record(imp.rejected),
        "abstentions": list(imp.abstentions),
    }


converter.register_unstructure_hook(BallotImport, _import_record)


# -- reading text ------------------------------------------------------------------------------
def _source_name(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    name = getattr(source, "name", None)
    return str(name) if isinstance(name, (str, os.PathLike)) else "(given as a stream)"


def _read_bytes(source: Any, what: str, name: str) -> bytes | str:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise BallotFileError(f"The {what} {name} does not exist.") from None
        except IsADirectoryError:
            raise BallotFileError(f"The {what} {name} is a folder, not a file.") from None
        except PermissionError:
            raise BallotFileError(
                f"The {what} {name} cannot be opened (permission denied)."
            ) from None
        except OSError as exc:
            raise BallotFileError(
                f"The {what} {name} cannot be read ({exc.strerror or 'input/output error'})."
            ) from None
    try:
        data = source.read()
    except UnicodeDecodeError:
        raise BallotFileError(f"The {what} {name} is not UTF-8 text.") from None
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, (bytes, str)):
        raise BallotFileError(f"The {what} {name} did not give text to read.")
    return data


def _decode(data: bytes | str, what: str, name: str) -> str:
    """The text of a file (see :func:`_decode_text`)."""
    return _decode_text(data, what, name)[0]


def _decode_text(
    data: bytes | str, what: str, name: str
) -> tuple[str, str | None, tuple[str, ...]]:
    """The text of a file, the encoding it was read with, and notes on the reading.

    Decoded by :func:`~partnership_tools.kernel.tabular.decode_bytes`: UTF-8 with or without a
    byte-order mark, UTF-16 with one (Excel's "Unicode text"), else Windows-1252 (with a note,
    since accented letters may then be wrong). A file with control bytes is refused as binary.
    """
    notes: tuple[str, ...] = ()
    encoding: str | None = None
    if isinstance(data, str):
        text = data
    else:
        try:
            decoded = decode_bytes(data, name)
        except TabularError:
            raise BallotFileError(
                f"The {what} {name} is neither UTF-8 nor Windows-1252 text (byte "
                f"{_first_bad_utf8_byte(data)} cannot be read); save it as CSV UTF-8 and try again."
            ) from None
        text, encoding = decoded.text, decoded.encoding
        if decoded.bad_byte is not None and _CONTROL.search(text):
            raise BallotFileError(f"The {what} {name} is a binary file, not text.")
        warning = encoding_warning(name, encoding)
        if warning is not None:
            notes = (f"The {what} {warning}",)
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise BallotFileError(f"The {what} {name} is a binary file, not text.")
    if not text or text.isspace():  # (no copy of a large text, unlike strip())
        raise BallotFileError(f"The {what} {name} is empty.")
    return text, encoding, notes


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _first_bad_utf8_byte(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start + 1
    return 1  # pragma: no cover - decode_bytes reads every UTF-8 text


def _sniff_separator(text: str) -> str:
    """The separator found from the data (:func:`~partnership_tools.kernel.tabular.detect_dialect`)."""
    return detect_dialect(text).separator


# -- options -----------------------------------------------------------------------------------
def _ids_for_labels(labels: Sequence[str]) -> list[str]:
    """The labels themselves when all are short and id-like, else ``A``, ``B``, ``C``, ..."""
    if all(_ID_LIKE.fullmatch(label) for label in labels):
        return list(labels)
    return [_column_letters(i) for i in range(len(labels))]


def _checked_options(items: Iterable[Option | str], where: str) -> tuple[Option, ...]:
    """Options from Option objects and/or plain texts, checked for repeats.

    When every item is a text, the texts are the labels and the ids follow
    :func:`_ids_for_labels`; a text among Option objects is an option with that id and label.
    """
    items = [o.strip() if isinstance(o, str) else o for o in items]
    items = [o for o in items if not (isinstance(o, str) and not o)]
    texts = [o for o in items if isinstance(o, str)]
    seen_text: set[str] = set()
    for t in texts:
        if t in seen_text:
            raise BallotFileError(f"{where} names option '{t}' twice.")
        seen_text.add(t)
    try:
        if texts and len(texts) == len(items):
            ids = _ids_for_labels(texts)
            opts = tuple(Option(id=i, label=t) for i, t in zip(ids, texts, strict=True))
        else:
            opts = _as_options(items)
    except ValueError as exc:
        raise BallotFileError(f"{where} has an option that cannot be used: {exc}") from None
    seen: set[str] = set()
    for o in opts:
        if o.id in seen:
            raise BallotFileError(f"{where} names option '{o.id}' twice.")
        seen.add(o.id)
        for ch in ">,;=":
            if ch in o.id:
                raise BallotFileError(f"{where} has option id '{o.id}', which contains '{ch}'.")
    if not opts:
        raise BallotFileError(f"{where} lists no options.")
    return opts


def read_options_file(source: str | os.PathLike[str] | IO[Any]) -> tuple[Option, ...]:
    """Read an option list: one option per line, ``id,label`` CSV lines, or JSON.

    Lines: blank lines and lines starting with ``#`` are skipped. A line is one option's label,
    commas and all (``Pool budgets, staff and estates``), unless the file is in ``id,label`` form:
    its first line is ``id,label``, or every line is a short id-like first field, a comma with no
    space after it, and a label (``B,Pool budgets``). Labels alone get ids as wide-layout headers
    do: the labels themselves when every label is short and id-like (at most 12 letters, digits,
    ``_`` or ``-``), otherwise ``A``, ``B``, ``C``, ... in file order. JSON: a list of
    option objects (``{"id": ..., "label": ...}``, as in a session file) or of texts, or a whole
    session object, whose last round's options are used (all its options if it has no round).
    Raises :class:`BallotFileError` when the file cannot be read or lists an option twice.

    >>> [o.label for o in read_options_file(io.StringIO("Pool budgets, staff\\nJoint team\\n"))]
    ['Pool budgets, staff', 'Joint team']
    >>> read_options_file(io.StringIO("id,label\\nA,Share a chief executive\\nB,Pool budgets\\n"))[1]
    Option(id='B', label='Pool budgets', description='', proposer='', amended_from=None, merged_from=(), reason='')
    >>> [o.id for o in read_options_file(io.StringIO('[{"id": "X", "label": "Ex"}, "Y"]'))]
    ['X', 'Y']
    >>> [(o.id, o.label) for o in read_options_file(io.StringIO("Pool budgets\\nJoint team\\n"))]
    [('A', 'Pool budgets'), ('B', 'Joint team')]
    """
    name = _source_name(source)
    what = "options file"
    text = _decode(_read_bytes(source, what, name), what, name)
    where = f"The options file {name}"
    stripped = text.strip()
    if stripped[:1] in "[{":
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise BallotFileError(f"{where} is not valid JSON (line {exc.lineno}).") from None
        return _checked_options(_options_from_json(data, where), where)
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    items: list[Option | str] = []
    rows = [[f.strip() for f in next(csv.reader([line]), [""])] for line in lines]
    header = bool(rows) and [f.casefold() for f in rows[0][:2]] == ["id", "label"]
    if header:
        rows, lines = rows[1:], lines[1:]
    as_pairs = header or (
        bool(rows)
        and all(_is_id_label_line(line, row) for line, row in zip(lines, rows, strict=True))
    )
    for line, fields in zip(lines, rows, strict=True):
        if not as_pairs:
            label = line[1:-1].replace('""', '"').strip() if _wholly_quoted(line) else line
            items.append(label)
        elif len(fields) == 1 or not fields[1]:
            items.append(fields[0])
        else:
            if not fields[0]:
                raise BallotFileError(f"{where} has an option with a label but no id.")
            items.append(Option(id=fields[0], label=fields[1]))
    return _checked_options(items, where)


def _wholly_quoted(line: str) -> bool:
    return len(line) >= 2 and line[0] == line[-1] == '"' and '"' not in line[1:-1].replace('""', "")


def _is_id_label_line(line: str, fields: Sequence[str]) -> bool:
    """``B,Pool budgets``: two fields, a short id-like first one, and no space after the comma
    (prose such as ``Pool budgets, staff`` puts one there)."""
    if len(fields) != 2 or not _ID_LIKE.fullmatch(fields[0]) or len(fields[0]) > 8:
        return False
    rest = line.split(",", 1)[1] if "," in line else ""
    return not rest[:1].isspace()


def _options_from_json(data: Any, where: str) -> list[Option | str]:
    if isinstance(data, dict) and isinstance(data.get("options"), list):
        items = data["options"]
        rounds = data.get("rounds") or []
        if rounds and isinstance(rounds[-1], dict) and rounds[-1].get("option_ids"):
            wanted = [str(i) for i in rounds[-1]["option_ids"]]
            by_id = {str(o.get("id")): o for o in items if isinstance(o, dict)}
            missing = [i for i in wanted if i not in by_id]
            if missing:
                raise BallotFileError(
                    f"{where} names unknown option '{missing[0]}' in its last round."
                )
            items = [by_id[i] for i in wanted]
        data = items
    if not isinstance(data, list):
        raise BallotFileError(f"{where} holds JSON that is not a list of options.")
    out: list[Option | str] = []
    for item in data:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and str(item.get("id") or "").strip():
            d = dict(item)
            d["id"] = str(d["id"]).strip()
            d.setdefault("label", d["id"])
            if not str(d["label"] or "").strip():
                d["label"] = d["id"]
            try:
                out.append(Option.from_dict(d))
            except (ValueError, TypeError) as exc:
                raise BallotFileError(f"{where} has an option that cannot be used: {exc}") from None
        else:
            raise BallotFileError(f"{where} has an entry that is neither an option nor a text.")
    return out


def _resolve_given_options(
    options: Sequence[Option | str] | str | None, options_file: Any
) -> tuple[Option, ...] | None:
    if options is not None and options_file is not None:
        raise ValueError("Give either options or options_file, not both.")
    if options_file is not None:
        return read_options_file(options_file)
    if options is None:
        return None
    if isinstance(options, str):
        options = options.split(",")
    return _checked_options(options, "The options list")


# -- CSV parsing -------------------------------------------------------------------------------
def _header_key(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").split()).casefold()


def _parse_table(text: str, name: str, raw: bytes | None = None) -> tuple[pd.DataFrame, str]:
    """Every row of the file, header rows too (all cells as text, missing cells as empty text,
    columns numbered from 0), and the separator.

    The header is read as an ordinary row (``header=None``) so that a row longer than the header
    is an error rather than being taken, as pandas otherwise does, for an index column. Columns
    are categorical (the C parser numbers each column's distinct texts as it reads, which is
    what every layout needs next); ``raw``, the file's bytes when they are UTF-8, is parsed
    directly rather than through Python text, which is faster.
    """
    sep = _sniff_separator(text)
    fail = f"The ballot file {name} is not valid CSV"

    def parse(dtype: str) -> pd.DataFrame:
        return pd.read_csv(
            io.BytesIO(raw) if raw is not None else io.StringIO(text),
            sep=sep,
            header=None,
            dtype=dtype,
            keep_default_na=False,
            na_filter=False,
            engine="c",
            encoding="utf-8-sig" if raw is not None else None,
        )

    try:
        table = parse("category")
        # pandas turns a column of numbers only into numeric categories ("01" -> 1): such a
        # file (rank numbers, a wide layout) is parsed again as text, cell for cell.
        if not all(pd.api.types.is_string_dtype(table[c].cat.categories) for c in table):
            table = parse("str")
    except pd.errors.ParserError as exc:
        message = str(exc)
        m = _EXPECTED_FIELDS.search(message)
        if m:
            expected, line, saw = m.groups()
            raise BallotFileError(
                f"{fail}: line {line} has {saw} fields where the header has {expected}."
            ) from None
        m = _EOF_IN_STRING.search(message)
        if m:
            raise BallotFileError(
                f"{fail}: a quoted cell that starts on line {int(m.group(1)) + 1} is never closed."
            ) from None
        raise BallotFileError(f"{fail} (check its quotes and separators).") from None
    except pd.errors.EmptyDataError:
        raise BallotFileError(f"The ballot file {name} is empty.") from None
    if not len(table):
        raise BallotFileError(f"The ballot file {name} is empty.")
    table.columns = pd.RangeIndex(table.shape[1])
    return table, sep


def _column(df: pd.DataFrame, j: int, strip: bool = True) -> tuple[np.ndarray, list[str]]:
    """Codes and unique values of a column: ``values[codes]`` is the column (stripped if asked)."""
    col = df[j]
    if isinstance(col.dtype, pd.CategoricalDtype):  # as read: numbered by the parser
        codes, values = col.cat.codes.to_numpy(), [str(v) for v in col.cat.categories]
    else:
        raw = col.to_numpy(dtype=object)  # read with na_filter=False: missing cells are ""
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)
        values = uniques.tolist()
    try:
        values = list(map(str.strip, values)) if strip else values
    except TypeError:  # pragma: no cover - a cell that is not text (cannot happen with dtype=str)
        values = [u.strip() if isinstance(u, str) else "" for u in values]
    codes = np.asarray(codes, dtype=np.int64)
    if len(codes) and codes.min() < 0:
        codes = np.where(codes < 0, len(values), codes)
        values.append("")
    return codes, values


def _count_lines(text: str | bytes) -> int:
    """The number of lines (a last line without its line end counts too)."""
    if isinstance(text, bytes):
        codes = np.frombuffer(text, dtype=np.uint8)  # counted in place, faster than bytes.count
        nl = int(np.count_nonzero(codes == 10))
        if nl:
            return nl + (0 if text.endswith(b"\n") else 1)
        return int(np.count_nonzero(codes == 13)) + (0 if text.endswith(b"\r") else 1)
    if "\n" in text:
        return text.count("\n") + (0 if text.endswith("\n") else 1)
    return text.count("\r") + (0 if text.endswith("\r") else 1)


def _row_lines(df: pd.DataFrame, text: str, sep: str, raw: bytes | None = None) -> np.ndarray:
    """The file line on which each row of ``df`` (header rows included) starts (``raw``, the
    file's UTF-8 bytes, when given, is counted instead of ``text``: the same lines, faster)."""
    n = len(df)
    simple = np.arange(1, n + 1, dtype=np.int64)
    if (
        _count_lines(raw if raw is not None else text) == n
    ):  # one line per row: no blank lines, no line breaks in cells
        return simple
    # Blank lines or line breaks inside quoted cells: count physical lines as csv reads them.
    starts: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    previous_end = 0
    for row in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):  # pandas skips these lines too
            continue
        starts.append(start)
    if len(starts) != n:  # pragma: no cover - csv and pandas disagree; fall back to counting rows
        return simple
    return np.asarray(starts, dtype=np.int64)


# -- shared assembly ---------------------------------------------------------------------------
@dataclass
class _Rows:
    """Per-row outcome before assembly: 0 valid, 1 blank, 2 rejected."""

    status: np.ndarray  # (N,) int8
    ranks: np.ndarray  # (N, n) ranks for valid rows (anything elsewhere)
    reasons: dict[int, str]  # row index -> reason, for rejected rows
    texts: dict[int, str]  # row index -> ballot text, for rejected rows


VALID, BLANK, REJECTED = 0, 1, 2


def _assemble(
    df: pd.DataFrame,
    name: str | None,
    layout: str,
    options: tuple[Option, ...],
    rows: _Rows,
    lines: np.ndarray,
    group_col: int | None,
    participant_col: int | None,
    text_of_row: Any,
) -> BallotImport:
    n_rows = len(df)
    status = rows.status.copy()
    reasons = dict(rows.reasons)
    texts = dict(rows.texts)

    participant_values: list[str] = []
    p_codes = None
    if participant_col is not None:
        p_codes, participant_values = _column(df, participant_col)
        norm = np.array([*map(str.upper, participant_values), ""], dtype=object)
        norm_codes, norm_uniques = pd.factorize(norm)
        blank_code = norm_codes[-1]
        person = np.asarray(norm_codes[:-1], dtype=np.int64)[p_codes]
        has_code = person != blank_code
        if has_code.any():
            idx = np.arange(n_rows)
            last = np.full(len(norm_uniques), -1, dtype=np.int64)
            np.maximum.at(last, person[has_code], idx[has_code])
            replaced = has_code & (last[person] != idx)
            for i in np.flatnonzero(replaced).tolist():
                if i not in texts:
                    texts[i] = text_of_row(i)
                reasons[i] = REPLACED_REASON.format(row=int(lines[last[person[i]]]))
                status[i] = REJECTED

    valid = status == VALID
    valid_idx = np.flatnonzero(valid)
    n = len(options)
    dtype = np.int8 if n < 127 else np.int16
    every = len(valid_idx) == n_rows
    ranks = np.ascontiguousarray(rows.ranks if every else rows.ranks[valid_idx], dtype=dtype)

    group_codes = np.full(len(valid_idx), -1, dtype=np.int32)
    group_names: tuple[str, ...] = ()
    if group_col is not None and len(valid_idx):
        g_codes, g_values = _column(df, group_col)
        # Merge values that only differed by surrounding whitespace, then number the groups in
        # order of first appearance among the valid ballots (as BallotMatrix.from_rankings does).
        # A group written with the formula guard (an apostrophe before =, +, -, @) reads back
        # as the name it guarded (:func:`guard_cell` is how the kit writes it).
        g_values = [unguard_cell(str(v)) for v in g_values]
        merged_codes, merged_names = pd.factorize(np.array(g_values, dtype=object))
        per_row = np.asarray(merged_codes, dtype=np.int64)[g_codes[valid_idx]]
        names_arr = np.asarray(merged_names, dtype=object)
        blank = np.array([v == "" for v in names_arr], dtype=bool)
        present = ~blank[per_row]
        if present.any():
            order_codes, order_uniques = pd.factorize(per_row[present])
            group_codes[present] = order_codes
            group_names = tuple(str(names_arr[k]) for k in order_uniques)

    participants: tuple[str | None, ...]
    if p_codes is not None:
        lookup = np.array([v or None for v in participant_values], dtype=object)
        participants = tuple(lookup[p_codes[valid_idx]].tolist())
    else:
        participants = (None,) * len(valid_idx)

    matrix = BallotMatrix(tuple(o.id for o in options), ranks, group_codes, group_names)
    rejected = tuple(
        RejectedBallot(int(lines[i]), reasons[i], texts.get(i, "")) for i in sorted(reasons)
    )
    abstentions = tuple(int(x) for x in lines[status == BLANK].tolist())
    return BallotImport(
        path=name,
        layout=layout,
        options=options,
        matrix=matrix,
        participants=participants,
        rows=RowNumbers(lines if every else lines[valid_idx]),
        rejected=rejected,
        abstentions=abstentions,
    )


# -- long layout -------------------------------------------------------------------------------
def _fast_parse(uniques: list[str], resolver: _Resolver) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised parsing of the common case ``C>A>B`` when every option id is one ASCII character.

    Returns ``(ok, ranks)``: ``ok[u]`` is True when unique string ``u`` is a well-formed ranking of
    known, distinct ids written exactly as ``X>Y>Z`` (any case, no spaces), and then ``ranks[u]``
    holds its ranks. Anything else is left to the general parser, which also words the reasons.
    """
    n = len(resolver.ids)
    u_count = len(uniques)
    ok = np.zeros(u_count, dtype=bool)
    ranks = np.zeros((u_count, n), dtype=np.int8)
    if not u_count or not resolver.single_char or n > 64:
        return ok, ranks
    lut = np.full(256, -1, dtype=np.int16)
    for j, oid in enumerate(resolver.ids):
        if ord(oid) >= 128:
            return ok, ranks
        lut[ord(oid)] = j
    for j, oid in enumerate(resolver.ids):  # case-insensitive ids, where unambiguous
        for variant in {oid.lower(), oid.upper()}:
            if len(variant) == 1 and ord(variant) < 128 and lut[ord(variant)] == -1:
                if resolver.knows(variant) and resolver(variant) == oid:
                    lut[ord(variant)] = j
    try:
        raw = np.array(uniques, dtype="S")
    except UnicodeEncodeError:
        return ok, ranks
    width = raw.dtype.itemsize
    if width == 0:
        return ok, ranks
    if width % 2 == 0:  # pad to an odd width so that ids sit at even offsets
        raw = raw.astype(f"S{width + 1}")
        width += 1
    b = raw.view(np.uint8).reshape(u_count, width)  # NUL-padded; the text has no NUL (checked)
    lengths = (b != 0).sum(axis=1)
    places = (width + 1) // 2
    inside = np.arange(width)[None, :] < lengths[:, None]
    well = (lengths % 2 == 1) & (lengths <= 2 * n - 1)
    well &= ~(inside[:, 1::2] & (b[:, 1::2] != ord(">"))).any(axis=1)
    idx = lut[b[:, 0::2]]  # (U, places): option index, -1 for anything else
    id_inside = inside[:, 0::2]
    well &= ~(id_inside & (idx < 0)).any(axis=1)
    # Scatter positions into an extra last column for padding; a repeated id overwrites its
    # first position, so a ranking is distinct exactly when it fills as many columns as places.
    idx = np.where(id_inside & (idx >= 0), idx, n)
    full = np.zeros((u_count, n + 1), dtype=np.int8)
    full[np.arange(u_count)[:, None], idx] = np.arange(1, places + 1, dtype=np.int8)[None, :]
    ranks = full[:, :n]
    well &= (ranks > 0).sum(axis=1) == (lengths + 1) // 2
    ranks[~well] = 0
    ok[well] = True
    return ok, np.ascontiguousarray(ranks)


_SPLIT_CHUNK = 100_000


def _split_parse(
    uniques: list[str], todo: np.ndarray, resolver: _Resolver, ranks: np.ndarray
) -> np.ndarray:
    """Vectorised parsing of ``X > Y > Z`` rankings with ids or labels of any length.

    For the unique strings numbered in ``todo``, splits them all on ``>`` at once, resolves each
    distinct token once, and scatters the positions into ``ranks``. Returns the numbers of the
    strings it parsed; anything unusual (other separators, ties, unknown tokens, repeats, empty
    places) is left to the general parser, which also words the reasons.
    """
    n = len(resolver.ids)
    position = {oid: j for j, oid in enumerate(resolver.ids)}
    token_index: dict[str, int] = {}  # token -> option index, -1 when not exactly one option
    done: list[np.ndarray] = []
    for start in range(0, len(todo), _SPLIT_CHUNK):
        chunk = todo[start : start + _SPLIT_CHUNK]
        texts = [uniques[u] for u in chunk.tolist()]
        counts = np.fromiter(map(str.count, texts, repeat(">")), dtype=np.int64, count=len(texts))
        counts += 1
        tokens = ">".join(texts).split(">")
        if len(tokens) != counts.sum():  # pragma: no cover - cannot happen; stay safe
            continue
        for token in set(tokens).difference(token_index):
            token_index[token] = _token_position(token, resolver, position)
        idx = np.fromiter(map(token_index.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        row = np.repeat(np.arange(len(chunk)), counts)
        pos = np.arange(len(tokens)) - np.repeat(np.cumsum(counts) - counts, counts) + 1
        well = counts <= n
        well[row[idx < 0]] = False
        keep = well[row]
        filled = np.zeros((len(chunk), n), dtype=ranks.dtype)
        filled[row[keep], idx[keep]] = pos[keep]
        # A repeated option overwrites its own cell, leaving fewer filled cells than places.
        well &= (filled > 0).sum(axis=1) == counts
        ranks[chunk[well]] = filled[well]
        done.append(chunk[well])
    return np.concatenate(done) if done else np.zeros(0, dtype=np.int64)


def _token_position(token: str, resolver: _Resolver, position: dict[str, int]) -> int:
    """The index of the option a token names, or -1 (unknown, or a place the splitter leaves to
    the general parser: one holding another separator or a tie)."""
    if any(ch in token for ch in ",;="):
        return -1
    try:
        return position[resolver(token)]
    except BallotError:
        return -1


def _read_long(df: pd.DataFrame, options: tuple[Option, ...], ranking_col: int) -> _Rows:
    codes, uniques = _column(df, ranking_col, strip=False)  # the parsers strip as needed
    resolver = _Resolver(options)
    n = len(options)
    # Each distinct ranking text is parsed once: by bytes (one-character ids), then by splitting
    # on ">" (any ids or labels), then one by one for whatever is left (and for the reasons).
    ok, u_ranks = _fast_parse(uniques, resolver)
    u_ranks = u_ranks.astype(np.int8 if n < 127 else np.int16)
    ok[_split_parse(uniques, np.flatnonzero(~ok), resolver, u_ranks)] = True
    u_status = np.where(ok, VALID, REJECTED).astype(np.int8)
    u_reason: dict[int, str] = {}
    index = {oid: j for j, oid in enumerate(resolver.ids)}
    for u in np.flatnonzero(~ok).tolist():
        try:
            ranking = _parse_with(uniques[u], resolver)
        except BallotError as exc:
            u_reason[u] = exc.reason
            continue
        if not ranking:
            u_status[u] = BLANK
            continue
        u_status[u] = VALID
        for pos, oid in enumerate(ranking, start=1):
            u_ranks[u, index[oid]] = pos
    status = u_status[codes]
    reasons: dict[int, str] = {}
    texts: dict[int, str] = {}
    if u_reason:
        for i in np.flatnonzero(status == REJECTED).tolist():
            reasons[i] = u_reason[int(codes[i])]
            texts[i] = uniques[int(codes[i])].strip()
    return _Rows(status, u_ranks[codes], reasons, texts)


# -- wide layout -------------------------------------------------------------------------------
def _column_letters(i: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, ..."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _plan_wide(
    header: HeaderLayout, plan: Plan, given: tuple[Option, ...] | None, name: str
) -> tuple[tuple[Option, ...], list[int]]:
    """Options in matrix order and, for each, the column that holds its ranks."""
    option_cols = list(plan.option_columns)
    headers = list(plan.labels)
    seen: dict[str, str] = {}
    for hd in headers:
        key = _header_key(hd)
        if key in seen:
            raise BallotFileError(f"The ballot file {name} has two columns for option '{hd}'.")
        seen[key] = hd
    if given is None:
        ids = _ids_for_labels(headers)
        return tuple(Option(id=i, label=t) for i, t in zip(ids, headers, strict=True)), option_cols
    by_key = _label_ids(given)
    exact = {o.label.strip(): o.id for o in given} | {o.id: o.id for o in given}
    column_of: dict[str, int] = {}
    for j in option_cols:
        col = header.columns[j]
        texts = [t.strip() for t in (col.sub, col.code, col.text) if t]
        oid = next((exact[t] for t in texts if t in exact), None)
        if oid is None:
            oid = next((by_key[k] for k in col.keys() if k in by_key), None)
        if oid is None:  # pragma: no cover - the plan keeps only columns of given options
            continue
        if oid in column_of:
            raise BallotFileError(f"The ballot file {name} has two columns for option '{oid}'.")
        column_of[oid] = j
    missing = [o.id for o in given if o.id not in column_of]
    if missing:
        raise BallotFileError(f"The ballot file {name} has no column for option '{missing[0]}'.")
    return given, [column_of[o.id] for o in given]


_BLANK_CELL, _NOT_WHOLE, _OUT_OF_RANGE = 0, -1, -2


def _read_wide(
    df: pd.DataFrame,
    options: tuple[Option, ...],
    cols: list[int],
    name: str,
    raw: pd.DataFrame | None = None,
) -> _Rows:
    """Check every row of rank numbers at once; word the reasons of the rejected rows one by one.

    Each cell becomes a small code: its rank (1..n), 0 when blank, -1 when not a whole number,
    -2 when out of range. A row of valid cells is a valid ballot exactly when the set of its ranks
    is {1, ..., m} for its m ranked options: checked with one bit per rank when n <= 62.
    """
    n_rows, n = len(df), len(options)
    ids = [o.id for o in options]
    dtype = np.int8 if n < 127 else np.int16
    cells: list[np.ndarray] = []
    raw_cols: list[tuple[np.ndarray, list[str]]] = []
    any_number = False
    any_text = False
    for j in cols:
        codes, uniques = _column(df, j)
        raw_cols.append((codes, uniques))
        u_code = np.zeros(len(uniques), dtype=dtype)
        for u, cell in enumerate(uniques):
            try:
                number = _rank_number(cell)
            except ValueError:
                u_code[u] = _NOT_WHOLE
                any_text = True
                continue
            if number is None:
                u_code[u] = _BLANK_CELL
            else:
                any_number = True
                u_code[u] = number if 1 <= number <= n else _OUT_OF_RANGE
        cells.append(u_code[codes])
    if any_text and not any_number:
        raise BallotFileError(
            f"The ballot file {name} has neither a 'ranking' column nor a column per option, "
            "so its layout is not recognised."
        )
    ranks = np.stack(cells, axis=1) if cells else np.zeros((n_rows, 0), dtype=dtype)
    bad_cell = (ranks < 0).any(axis=1)
    m = (ranks > 0).sum(axis=1)
    if n <= 62:
        bits = np.zeros(n_rows, dtype=np.uint64)
        for column in cells:
            used = column > 0
            shift = np.where(used, column, 0).astype(np.uint64)
            bits |= np.where(used, np.left_shift(np.uint64(1), shift), np.uint64(0))
        expected = np.left_shift(np.left_shift(np.uint64(1), m.astype(np.uint64)) - 1, 1)
        not_a_sequence = bits != expected
    else:
        clean = np.where(ranks > 0, ranks, 0)
        srt = np.sort(clean, axis=1)
        ties = ((srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] > 0)).any(axis=1)
        not_a_sequence = ties | (clean.max(axis=1, initial=0) != m)
    invalid = bad_cell | not_a_sequence
    all_blank = (ranks == 0).all(axis=1)
    status = np.where(invalid, REJECTED, np.where(all_blank, BLANK, VALID)).astype(np.int8)

    reasons: dict[int, str] = {}
    texts: dict[int, str] = {}
    shown = raw_cols if raw is None else [_column(raw, j) for j in cols]
    for i in np.flatnonzero(invalid).tolist():
        row = {ids[k]: raw_cols[k][1][raw_cols[k][0][i]] for k in range(n)}
        texts[i] = ", ".join(f"{ids[k]}={shown[k][1][shown[k][0][i]]}" for k in range(n))
        try:
            ranking_from_positions(row, ids)
        except BallotError as exc:
            reasons[i] = exc.reason
        else:  # pragma: no cover - the vectorised checks and the validator disagree
            raise AssertionError(f"row {i} was flagged but validates: {row}")
    return _Rows(status, ranks, reasons, texts)


def _wide_text(df: pd.DataFrame, options: tuple[Option, ...], cols: list[int]):
    def text_of_row(i: int) -> str:
        return ", ".join(
            f"{o.id}={str(df[j].iat[i]).strip()}" for o, j in zip(options, cols, strict=True)
        )

    return text_of_row


# -- one column per place, and Forms lists --------------------------------------------------------
def _label_ids(options: tuple[Option, ...]) -> dict[str, str]:
    """Option id by its exact id and label, then by the key of its label and of its id
    (:func:`~partnership_tools.vote.layouts.label_key`)."""
    out: dict[str, str] = {}
    for o in options:  # the exact id and label first, then their keys
        out.setdefault(o.id, o.id)
    for o in options:
        out.setdefault(o.label.strip(), o.id)
    for o in options:
        out.setdefault(label_key(o.label), o.id)
    for o in options:
        out.setdefault(label_key(o.id), o.id)
    return out


def _label_ballots(df: pd.DataFrame, cols: Sequence[int]) -> list[tuple[str, int]]:
    """Each label found in ``cols`` (as :func:`_labels_found` spells it) with how many rows name it."""
    spelled: dict[str, str] = {}
    rows: dict[str, int] = {}
    for row in df[list(cols)].to_numpy(dtype=object):
        keys = set()
        for cell in row:
            text = str(cell).strip()
            if text and not is_unranked(text):
                k = label_key(text)
                spelled.setdefault(k, text)
                keys.add(k)
        for k in keys:
            rows[k] = rows.get(k, 0) + 1
    return [(spelled[k], rows[k]) for k in spelled]


def _many(n: int, unit: str) -> str:
    """``1 row``, ``2 rows``: ``unit`` is the plural, ending in ``s``."""
    return f"1 {unit[:-1]}" if n == 1 else f"{n} {unit}"


_REASON_KIND = re.compile(r"\b(?:options? [^ ,]+(?: and [^ ,]+)?|\d+|'[^']*')")


def no_valid_ballots(
    imp: BallotImport, name: str, what: str, unit: str, hint: str
) -> BallotFileError | None:
    """The error for a file with ballots to read of which none is valid, else None.

    ``what`` is the file's kind (``ballot file``), ``unit`` what it holds (``rows``), ``hint``
    what to try. All blank: ``has N rows and every one is blank``; else the count rejected and the
    most common reason (reasons that differ only in the options, numbers or texts they name
    count as one) with the row of its first instance.

    >>> imp = BallotImport(None, "wide", (), BallotMatrix.from_rankings(("A", "B"), []), (), (),
    ...     (RejectedBallot(2, "ties options A and B at rank 1", ""),
    ...      RejectedBallot(3, "skips rank 2", ""), RejectedBallot(4, "ties options A and B at rank 2", "")), ())
    >>> print(no_valid_ballots(imp, "f.csv", "ballot file", "rows", "try X"))
    The ballot file f.csv has 3 rows and none is a valid ballot: all 3 were rejected, most often (2 of them) because it ties options A and B at rank 1 (row 2); try X.
    """
    if imp.n_ballots:
        return None
    if imp.rejected and all(r.reason.startswith("replaced by") for r in imp.rejected):
        return None  # every voter's last ballot is blank: they abstained, nothing went wrong
    blank = len(imp.abstentions)
    rejected = len(imp.rejected)
    if not rejected:
        if not blank:
            return None
        return BallotFileError(
            f"The {what} {name} has {_many(blank, unit)} and every one is blank, so there is"
            " nothing to count."
        )
    kinds = Counter(_REASON_KIND.sub("_", r.reason) for r in imp.rejected)
    kind, often = kinds.most_common(1)[0]
    first = next(r for r in imp.rejected if _REASON_KIND.sub("_", r.reason) == kind)
    total = blank + rejected
    verb = "it was" if first.reason.startswith("replaced") else "it"
    if total == 1:
        why = f"it was rejected because {verb} {first.reason} (row {first.row})"
    else:
        which = (
            f"all {rejected} were rejected" if not blank else f"{blank} blank, {rejected} rejected"
        )
        why = (
            f"{which}, most often ({often} of them) because {verb} {first.reason} (row {first.row})"
        )
    return BallotFileError(
        f"The {what} {name} has {_many(total, unit)} and none is a valid ballot: {why}; {hint}."
    )


def _labels_found(df: pd.DataFrame, cols: Sequence[int]) -> list[str]:
    """The distinct labels in ``cols`` (compared by key), in order of first appearance, row by row."""
    seen: dict[str, str] = {}
    block = df[list(cols)].to_numpy(dtype=object)
    for row in block:
        for cell in row:
            text = str(cell).strip()
            if text and not is_unranked(text):
                seen.setdefault(label_key(text), text)
    return list(seen.values())


def _ranks_from_sequence(
    cells: Sequence[str], by_key: dict[str, str], index: dict[str, int], n: int
) -> tuple[np.ndarray | None, str]:
    """Ranks of one ballot given as the labels at places 1, 2, 3, ... (blank = no option there).

    Returns ``(ranks, "")`` or ``(None, reason)``: an unknown label, an option placed twice or a
    place left blank before a filled one is a reason.
    """
    ranks = np.zeros(n, dtype=np.int16)
    gap: int | None = None
    for place, cell in enumerate(cells, start=1):
        text = cell.strip()
        if not text or is_unranked(text):
            if gap is None:
                gap = place
            continue
        oid = by_key.get(text) or by_key.get(label_key(text))
        if oid is None:
            return None, f"names an unknown option '{text}'"
        k = index[oid]
        if ranks[k]:
            return None, f"ranks option {oid} twice"
        if gap is not None and gap < place:
            return None, f"skips rank {gap}"
        ranks[k] = place
    return ranks, ""


def _read_sequences(
    texts: np.ndarray, uniques: list[Any], options: tuple[Option, ...], split: Any
) -> _Rows:
    """Rows whose ballots are label sequences: ``uniques[texts[i]]`` split by ``split``."""
    by_key = _label_ids(options)
    index = {o.id: k for k, o in enumerate(options)}
    n = len(options)
    dtype = np.int8 if n < 127 else np.int16
    u_ranks = np.zeros((len(uniques), n), dtype=dtype)
    u_status = np.full(len(uniques), VALID, dtype=np.int8)
    u_reason: dict[int, str] = {}
    for u, value in enumerate(uniques):
        cells = split(value)
        if not any(c.strip() and not is_unranked(c) for c in cells):
            u_status[u] = BLANK
            continue
        ranks, reason = _ranks_from_sequence(cells, by_key, index, n)
        if ranks is None:
            u_status[u] = REJECTED
            u_reason[u] = reason
        else:
            u_ranks[u] = ranks
    status = u_status[texts]
    reasons: dict[int, str] = {}
    shown: dict[int, str] = {}
    for i in np.flatnonzero(status == REJECTED).tolist():
        u = int(texts[i])
        reasons[i] = u_reason[u]
        shown[i] = _shown(uniques[u])
    return _Rows(status, u_ranks[texts], reasons, shown)


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return "; ".join(f"{p}={c}" for p, c in enumerate(value, start=1))
    return str(value).strip()


def _split_forms(value: str) -> list[str]:
    """A Microsoft Forms list, split on ``;`` only (a label may hold a comma); the trailing ``;``
    gives no place."""
    parts = [p.strip() for p in str(value).split(";")]
    while parts and not parts[-1]:
        parts.pop()
    return [p for p in parts if p] if parts else []


def _read_forms(df: pd.DataFrame, options: tuple[Option, ...], col: int) -> _Rows:
    codes, uniques = _column(df, col)
    return _read_sequences(codes, uniques, options, _split_forms)


def _read_places(df: pd.DataFrame, options: tuple[Option, ...], cols: Sequence[int]) -> _Rows:
    block = [tuple(str(c).strip() for c in row) for row in df[list(cols)].to_numpy(dtype=object)]
    codes, uniques = pd.factorize(pd.Series(block, dtype=object)) if block else (np.zeros(0), [])
    uniq = list(uniques)
    return _read_sequences(np.asarray(codes, dtype=np.int64), uniq, options, list)


# -- reading the rows of a CSV file or a workbook ---------------------------------------------------
@dataclass(frozen=True)
class _Source:
    df: pd.DataFrame  # every row, header rows too
    lines: np.ndarray  # the file line (or sheet row) of each row
    format: str  # "csv" or "xlsx"
    encoding: str | None
    separator: str | None
    footer_lines: tuple[int, ...]
    notes: tuple[str, ...]


def _is_workbook(source: Any) -> bool:
    if not isinstance(source, (str, os.PathLike)):
        return False
    p = Path(source)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        return True
    try:
        with open(p, "rb") as fh:
            return workbook_signature(fh.read(8)) == "xlsx"
    except OSError:
        return False


def _table_source(table: Table, fmt: str) -> _Source:
    width = max((len(r) for r in table.rows), default=0)
    rows = [list(r) + [""] * (width - len(r)) for r in table.rows]
    df = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame()
    df.columns = pd.RangeIndex(df.shape[1])
    return _Source(
        df,
        np.asarray(table.lines, dtype=np.int64),
        fmt,
        None if fmt == "xlsx" else table.encoding,
        table.separator,
        tuple(getattr(table, "footer_lines", ()) or ()),
        tuple(table.warnings),
    )


def _read_source(source: Any, name: str, sheet: str | int | None) -> _Source:
    if _is_workbook(source):
        try:
            table = read_table(source, sheet=sheet)
        except TabularError as exc:
            text = str(exc)
            label = Path(source).name
            if text.startswith(label):
                text = text[len(label) :].lstrip()
            raise BallotFileError(f"The ballot file {name} {text}") from None
        if not any(any(c.strip() for c in r) for r in table.rows):
            raise BallotFileError(f"The ballot file {name} is empty.")
        return _table_source(table, "xlsx")
    data = _read_bytes(source, "ballot file", name)
    if isinstance(data, bytes) and workbook_signature(data):
        if workbook_signature(data) == "xls":
            raise BallotFileError(
                f"The ballot file {name} is in the old .xls format; save it as .xlsx or CSV."
            )
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d) / "ballots.xlsx"
            tmp.write_bytes(data)
            return _read_source(tmp, name, sheet)
    text, encoding, notes = _decode_text(data, "ballot file", name)
    utf8 = isinstance(data, bytes) and encoding in (None, "utf-8", "utf-8-sig")
    raw = data if utf8 and isinstance(data, bytes) else None
    df, sep = _parse_table(text, name, raw)
    return _Source(df, _row_lines(df, text, sep, raw), "csv", encoding or "utf-8", sep, (), notes)


def _stats(df: pd.DataFrame, j: int) -> ColumnStats:
    codes, values = _column(df, j)
    counts = np.bincount(codes, minlength=len(values)) if len(codes) else np.zeros(len(values), int)
    merged: dict[str, int] = {}
    for v, c in zip(values, counts.tolist(), strict=True):
        if v and c:
            merged[v] = merged.get(v, 0) + c
    return ColumnStats(sum(merged.values()), tuple(merged.items()))


class _LazyStats(Sequence[ColumnStats]):
    """Column stats computed when first asked for: a column named by its header (``ranking``,
    ``group``) is never scanned, so a million-row long file is read at the speed of its parse."""

    def __init__(self, df: pd.DataFrame, width: int) -> None:
        self._df = df
        self._width = width
        self._done: dict[int, ColumnStats] = {}

    def __len__(self) -> int:
        return self._width

    def __getitem__(self, j: int) -> ColumnStats:  # type: ignore[override]
        if j not in self._done:
            self._done[j] = _stats(self._df, j)
        return self._done[j]


def _with_rank_words(df: pd.DataFrame, cols: Sequence[int]) -> pd.DataFrame:
    """``df`` with the rank cells of ``cols`` written as numbers: ``1st``/``First``/``Rank 1``
    as ``1``, ``N/A`` as blank; other cells unchanged (so their reasons quote them)."""
    out = df.copy()
    for j in cols:
        codes, values = _column(df, j)
        fixed = []
        for v in values:
            if is_unranked(v):
                fixed.append("")
            else:
                p = parse_ordinal(v)
                fixed.append(v if p is None else str(p))
        if fixed != values:
            out[j] = np.asarray(fixed, dtype=object)[codes]
    return out


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# -- entry point -------------------------------------------------------------------------------
def read_ballots_csv(
    source: str | os.PathLike[str] | IO[Any],
    options: Sequence[Option | str] | str | None = None,
    options_file: str | os.PathLike[str] | IO[Any] | None = None,
    *,
    group_column: str | int | None = None,
    sheet: str | int | None = None,
) -> BallotImport:
    """Read ballots from a CSV, TSV or ``.xlsx`` table in any layout of
    :mod:`~partnership_tools.vote.layouts` (see also the module docstring).

    ``source`` is a path or an open file (text or binary); a workbook is read from its first
    sheet or ``sheet``. ``options`` lists the options as
    :class:`~partnership_tools.vote.model.Option` objects, or as texts (a list, or one comma-separated
    text): the texts are labels, and the ids are the texts themselves when all are short and
    id-like (``"A,B,C"``), otherwise ``A``, ``B``, ``C``, ... in the order given.
    ``options_file`` names a file read by :func:`read_options_file`. The long and Forms layouts
    need one of them; the wide and place layouts use them, if given, to match their columns or
    labels to those options (and columns of other options are set aside). ``group_column`` (a
    header text or a 1-based column number) names the stakeholder-group column outright.

    Header rows (SurveyMonkey's two, Qualtrics' three) are recognised and skipped; bookkeeping
    columns, the form's other questions and a comments box are set aside, and every column's
    use is in ``report`` (:class:`~partnership_tools.kernel.importreport.ImportReport`).

    A ballot that ranks an option twice, names an unknown option, ties two options, skips a rank
    or uses a rank that is not a whole number from 1 to n is rejected; a blank ballot is an
    abstention; neither is counted. When a participant code appears on several ballots (compared
    ignoring case and surrounding spaces), the last one stands and earlier ones are rejected.
    Row numbers are 1-based file lines (or sheet rows): with one header row the first ballot is
    row 2.

    Raises :class:`BallotFileError` (one plain sentence naming the file) when the file cannot be
    read whole: missing, not text, empty, a header with no ballots, not CSV, or with no
    recognisable layout.

    >>> text = "Timestamp,Rank the options [Pool budgets],Rank the options [Joint team]\\n"
    >>> text += "2024-05-01,2nd,1st\\n2024-05-01,1,1\\n2024-05-02,,\\n"
    >>> imp = read_ballots_csv(io.StringIO(text))
    >>> imp.layout, [(o.id, o.label) for o in imp.options], imp.report.layout
    ('wide', [('A', 'Pool budgets'), ('B', 'Joint team')], 'google grid')
    >>> imp.rankings, [(r.row, r.reason) for r in imp.rejected], imp.abstentions
    ([('B', 'A')], [(3, 'ties options A and B at rank 1')], (4,))
    """
    name = _source_name(source)
    given = _resolve_given_options(options, options_file)
    src = _read_source(source, name, sheet)
    path: str | None = None if name == "(given as a stream)" else name
    head = [[str(c) for c in row] for row in src.df.iloc[:6].to_numpy(dtype=object).tolist()]
    header = split_header_rows(head)
    h = max(header.rows, 1)
    if header.style == "plain":
        # the plain header: the first row, whitespace and byte-order marks stripped
        header = HeaderLayout(
            "plain",
            1,
            tuple(
                ColumnHeader(
                    c.index, c.text.replace("\ufeff", "").strip(), c.question, c.sub, c.code
                )
                for c in header.columns
            ),
        )
    width = src.df.shape[1]
    if len(header.columns) < width:
        header = HeaderLayout(
            header.style,
            header.rows,
            header.columns
            + tuple(ColumnHeader(j, "", "") for j in range(len(header.columns), width)),
        )
    df = src.df.iloc[h:]
    lines = src.lines[h:]
    if not len(df):
        raise BallotFileError(
            f"The ballot file {name} has a header but no ballots (exported before anyone answered?)."
        )
    stats = _LazyStats(df, width)
    try:
        plan = plan_columns(
            header, stats, given, None if group_column is None else str(group_column), name
        )
    except LayoutError as exc:
        if all(
            not stats[j].filled or bookkeeping_kind(header.columns[j].text) for j in range(width)
        ):  # nothing but timestamps and the like: every row is blank
            raise BallotFileError(
                f"The ballot file {name} has {_many(len(df), 'rows')} and every one is blank, so"
                " there is nothing to count."
            ) from None
        raise BallotFileError(str(exc)) from None

    notes: list[str] = list(src.notes) + list(plan.notes)
    uses = list(plan.uses)
    if plan.layout in ("long", "forms"):
        if given is None:
            layout = "long" if plan.layout == "long" else "Microsoft Forms list"
            raise BallotFileError(
                f"The ballot file {name} needs the list of options (--options or --options-file) "
                f"because the {layout} layout only shows the options each voter ranked, and an "
                "option nobody ranked still counts."
            )
        col = plan.ranking
        assert col is not None
        read = _read_long(df, given, col) if plan.layout == "long" else _read_forms(df, given, col)
        opts = given
        text_of_row = _long_text(df, col)
    elif plan.layout == "places":
        cols = [j for _, j in plan.place_columns]
        if given is None:
            labels = _labels_found(df, cols)
            ids = _ids_for_labels(labels)
            opts = tuple(Option(id=i, label=t) for i, t in zip(ids, labels, strict=True))
            notes.append(
                f"The options are the {len(opts)} labels found in the place columns; give"
                " --options if an option nobody ranked should still count."
            )
            notes.extend(suspect_labels(_label_ballots(df, cols)))
        else:
            opts = given
        if not opts:
            raise BallotFileError(
                f"The ballot file {name} has place columns but no option in them."
            )
        read = _read_places(df, opts, cols)
        places = [p for p, _ in plan.place_columns]
        text_of_row = _places_text(df, cols)
        if places != list(range(1, len(places) + 1)):
            raise BallotFileError(
                f"The ballot file {name} has columns for places {', '.join(map(str, places))}, "
                "which do not run 1, 2, 3, ...; check the place columns' headers."
            )
    else:
        opts, cols = _plan_wide(header, plan, given, name)
        for o, j in zip(opts, cols, strict=True):
            for k, u in enumerate(uses):
                if u.index == j:
                    uses[k] = ColumnUse(j, u.header, "option", o.id)
                    break
            else:
                uses.append(ColumnUse(j, header.columns[j].text, "option", o.id))
        uses.sort(key=lambda u: u.index)
        wdf = _with_rank_words(df, cols)
        read = _read_wide(wdf, opts, cols, name, raw=df)
        text_of_row = _wide_text(df, opts, cols)
    imp = _assemble(
        df,
        path,
        plan.layout,
        opts,
        read,
        lines,
        plan.group,
        plan.participant,
        text_of_row,
    )
    refused = no_valid_ballots(
        imp,
        name,
        "ballot file",
        "rows",
        "check that the right columns hold the ballots (the report lists each column's use), or"
        " give the options with --options or --options-file and the group with --group-column",
    )
    if refused is not None:
        raise refused
    report = ImportReport(
        file=name,
        kind="ballots",
        format=src.format,
        layout=plan.style,
        encoding=src.encoding,
        separator=src.separator,
        header_rows=tuple(int(x) for x in src.lines[:h].tolist()),
        footer_lines=src.footer_lines,
        columns=tuple(uses),
        rejected=tuple(RejectedRow(r.row, r.reason, r.text) for r in imp.rejected),
        blank_rows=imp.abstentions,
        notes=tuple(notes),
    )
    return replace(imp, report=report)


def _long_text(df: pd.DataFrame, col: int) -> Any:
    def text_of_row(i: int) -> str:
        return str(df[col].iat[i]).strip()

    return text_of_row


def _places_text(df: pd.DataFrame, cols: Sequence[int]) -> Any:
    def text_of_row(i: int) -> str:
        return "; ".join(f"{p}={str(df[j].iat[i]).strip()}" for p, j in enumerate(cols, start=1))

    return text_of_row


# -- writing -----------------------------------------------------------------------------------
#: First characters that make a spreadsheet read a cell as a formula (OWASP's CSV injection rule).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: str) -> str:
    """A group name made safe for a spreadsheet: a leading apostrophe when it starts with ``=``,
    ``+``, ``-``, ``@``, a tab or a carriage return (as the review tables' exports do).

    >>> guard_cell("=cmd|' /C calc'!A0"), guard_cell("@SUM(1)"), guard_cell("Managers")
    ("'=cmd|' /C calc'!A0", "'@SUM(1)", 'Managers')
    """
    return "'" + value if value.startswith((*_FORMULA_START, "'")) else value


def unguard_cell(value: str) -> str:
    """The text :func:`guard_cell` guarded: the apostrophe dropped where it stands before
    ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or another apostrophe (a name that
    began with one is written with two); any other text as it is.

    >>> unguard_cell("'=cmd"), unguard_cell("'-"), unguard_cell("''quoted"), unguard_cell("Staff")
    ('=cmd', '-', "'quoted", 'Staff')
    >>> all(unguard_cell(guard_cell(v)) == v for v in ["'-", "'", "=", "''", "a'"])
    True
    """
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r'":
        return value[1:]
    return value


def write_ballots_csv(
    path: str | os.PathLike[str],
    option_ids: Sequence[str],
    rankings: Sequence[Sequence[str]],
    groups: Sequence[str | None] | None = None,
) -> Path:
    """Write ballots in the long layout (``ranking`` like ``C>A>B``, plus ``group`` if given).

    Every ranking is checked with :func:`~partnership_tools.vote.validation.validate_ranking` first
    (raising :class:`~partnership_tools.vote.validation.BallotError`); an empty ranking is written as a
    blank cell, which reads back as an abstention. A group name that a spreadsheet would run as a
    formula (starting ``=``, ``+``, ``-``, ``@``) is written after an apostrophe
    (:func:`guard_cell`). The file is written atomically: to a temporary
    file in the same folder, then moved over ``path`` (a new file gets mode 0644, an existing
    one keeps its mode). Returns the path written.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_ballots_csv(pathlib.Path(d) / "b.csv", ["A", "B", "C"], [("C", "A"), ("B",)], ["x", None])
    ...     print(p.read_text(), end="")
    ...     read_ballots_csv(p, options=["A", "B", "C"]).rankings
    ranking,group
    C>A,x
    B,
    [('C', 'A'), ('B',)]
    """
    option_ids = tuple(option_ids)
    for oid in option_ids:
        if not oid or oid != oid.strip() or any(ch in oid for ch in ">,;=\n\r"):
            raise ValueError(f"Option id {oid!r} cannot be written in a ranking column.")
    if groups is not None and len(groups) != len(rankings):
        raise ValueError("groups must have one entry per ranking.")
    lines = [validate_ranking(list(r), option_ids) for r in rankings]
    target = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["ranking", "group"] if groups is not None else ["ranking"])
            if groups is None:
                writer.writerows([">".join(r)] for r in lines)
            else:
                writer.writerows(
                    [">".join(r), "" if g is None else guard_cell(g)]
                    for r, g in zip(lines, groups, strict=True)
                )
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
    return target
