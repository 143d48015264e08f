"""One door for every ballot file: CSV, TSV and Excel tables in any layout the survey tools
export, PrefLib (``.soc`` ``.soi`` ``.toc`` ``.toi``) and BLT.

:func:`read_ballots` picks the reader by the file's extension, then by its content (a PrefLib
header line ``# FILE NAME:`` or ``# DATA TYPE:``, a first BLT line of two whole numbers), and
returns a :class:`~partnership_tools.vote.ballots_csv.BallotImport` with its import report. The
CLI's ``tally``, the facilitator app's ballot import and analysts' notebooks all call it.

Raises :class:`~partnership_tools.vote.ballots_csv.BallotFileError` (one plain sentence naming
the file, and the row or column where that applies) when the file cannot be read whole: nothing
half-read is ever returned.

>>> import pathlib, tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     p = pathlib.Path(d) / "b.csv"
...     _ = p.write_text("ranking\\nB>A\\n")
...     read_ballots(p, options=["A", "B"]).rankings
[('B', 'A')]
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from partnership_tools.kernel.limits import MAX_FILE_BYTES, LimitError, check_file_size
from partnership_tools.kernel.tabular import TabularError, check_text_table, workbook_signature
from partnership_tools.vote.ballots_csv import BallotFileError, BallotImport, read_ballots_csv
from partnership_tools.vote.model import Option

__all__ = ["BALLOT_SUFFIXES", "PREFLIB_SUFFIXES", "read_ballots", "sniff_format"]

PREFLIB_SUFFIXES = (".soc", ".soi", ".toc", ".toi")
#: The file names the ballot readers take, for upload widgets and help texts.
BALLOT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", *PREFLIB_SUFFIXES, ".blt")
_BLT_FIRST = re.compile(rb"^\s*\d+\s+\d+\s*(#.*)?$")


def sniff_format(path: str | os.PathLike[str], head: bytes | None = None) -> str:
    """``"preflib"``, ``"blt"`` or ``"table"`` for a ballot file, by extension then content.

    >>> sniff_format("x.soi"), sniff_format("x.blt"), sniff_format("x.csv", b"ranking\\nA>B\\n")
    ('preflib', 'blt', 'table')
    >>> sniff_format("x.txt", b"# FILE NAME: a.soi\\n"), sniff_format("x.txt", b"4 1\\n1 2 0\\n")
    ('preflib', 'blt')
    """
    suffix = Path(path).suffix.lower()
    if suffix in PREFLIB_SUFFIXES:
        return "preflib"
    if suffix == ".blt":
        return "blt"
    if suffix in (".xlsx", ".xlsm"):
        return "table"
    if head is None:
        try:
            with open(path, "rb") as fh:
                head = fh.read(4096)
        except OSError:
            return "table"
    text = head.lstrip(b"\xef\xbb\xbf")
    first = text.split(b"\n", 1)[0].strip(b"\r ")
    if re.match(rb"#\s*(FILE NAME|DATA TYPE|TITLE|NUMBER ALTERNATIVES)\s*:", first, re.I):
        return "preflib"
    if _BLT_FIRST.match(first):
        return "blt"
    return "table"


def _check_bounds(path: Path) -> None:
    """Refuse a ballot file past the kernel's bounds before any reader parses it: a file over
    :data:`~partnership_tools.kernel.limits.MAX_FILE_BYTES`, and a text table with too many
    lines or columns (:func:`~partnership_tools.kernel.tabular.check_text_table`, on the bytes
    read as Latin-1 so that any encoding's separators and line breaks count). A workbook is
    bounded by its reader; a file that cannot be opened is left for the reader to word."""
    try:
        if not path.is_file():
            return
        check_file_size(path.stat().st_size, f"The ballot file {path.name}", MAX_FILE_BYTES)
        if path.suffix.lower() in (".xlsx", ".xlsm", *PREFLIB_SUFFIXES, ".blt"):
            return
        raw = path.read_bytes()
    except LimitError as exc:
        raise BallotFileError(str(exc)) from None
    except OSError:
        return
    if workbook_signature(raw):
        return
    try:
        check_text_table(raw.decode("latin-1"), f"The ballot file {path.name}")
    except TabularError as exc:
        raise BallotFileError(str(exc)) from None


def read_ballots(
    source: str | os.PathLike[str] | IO[Any],
    options: Sequence[Option | str] | str | None = None,
    options_file: str | os.PathLike[str] | IO[Any] | None = None,
    **table_options: Any,
) -> BallotImport:
    """Read a ballot file of any supported format and layout (see the module docstring).

    ``options`` / ``options_file`` give or narrow the options (a PrefLib or BLT file names its
    own, and refuses them). ``table_options`` pass on to the table reader (for example
    ``group_column`` and ``sheet``).
    """
    if isinstance(source, (str, os.PathLike)):
        _check_bounds(Path(source))
        kind = sniff_format(source)
        if kind in ("preflib", "blt"):
            if options is not None or options_file is not None:
                raise BallotFileError(
                    f"{Path(source).name} is a {kind.upper() if kind == 'blt' else 'PrefLib'} file,"
                    " which names its own options; drop --options and --options-file."
                )
            if kind == "preflib":
                from partnership_tools.vote.preflib import read_preflib

                return read_preflib(source)
            from partnership_tools.vote.blt import read_blt

            return read_blt(source)
    return read_ballots_csv(source, options=options, options_file=options_file, **table_options)
