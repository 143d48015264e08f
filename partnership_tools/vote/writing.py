"""One door for writing a round's ballots to the files other voting tools read.

:func:`write_ballots` picks the format from ``fmt`` or the file's extension: ``csv`` (the long
layout, ``ranking`` like ``C>A>B`` plus ``group``), PrefLib ``soi`` or ``soc`` (strict orders;
``soc`` only when every ballot ranks every option), and ``blt`` (OpenSTV / OpaVote). Each
reads back through :func:`partnership_tools.vote.reading.read_ballots` as the same ballots (PrefLib
and BLT carry no groups, and name options by number: the labels travel in the file).

>>> import pathlib, tempfile
>>> from partnership_tools.vote.model import Option
>>> opts = (Option("A", "Joint committee"), Option("B", "Pooled budget"))
>>> with tempfile.TemporaryDirectory() as d:
...     p = write_ballots(pathlib.Path(d) / "r1.csv", opts, [("B", "A"), ("A",)], ["x", None])
...     p.name, p.read_text().splitlines()[0]
('r1.csv', 'ranking,group')
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from partnership_tools.vote.ballots_csv import write_ballots_csv
from partnership_tools.vote.model import Option

__all__ = ["WRITE_FORMATS", "format_for", "write_ballots"]

#: The formats :func:`write_ballots` writes, by name, with the extension each takes.
WRITE_FORMATS = {"csv": ".csv", "soi": ".soi", "soc": ".soc", "blt": ".blt"}


def format_for(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The format to write: ``fmt`` when given, else the one the extension names.

    Raises ValueError (one sentence) for an unknown format or extension.

    >>> format_for("x.BLT"), format_for("x.txt", "soi")
    ('blt', 'soi')
    """
    if fmt is not None:
        key = fmt.lower().lstrip(".")
        if key not in WRITE_FORMATS:
            raise ValueError(
                f"Unknown ballot format {fmt!r}; choose one of {', '.join(WRITE_FORMATS)}."
            )
        return key
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in WRITE_FORMATS:
        raise ValueError(
            f"{Path(path).name} does not name a ballot format; end it in "
            f"{', '.join(WRITE_FORMATS.values())} or give the format."
        )
    return suffix


def write_ballots(
    path: str | os.PathLike[str],
    options: Sequence[Option],
    rankings: Sequence[Sequence[str]],
    groups: Sequence[str | None] | None = None,
    *,
    fmt: str | None = None,
    title: str | None = None,
) -> Path:
    """Write ``rankings`` (option ids, most preferred first) of ``options`` to ``path``
    atomically, in the format :func:`format_for` picks. ``groups`` go into the CSV only.

    Raises ValueError for an unknown format, a ``soc`` file with an incomplete ballot, or a
    ranking that is not valid for ``options``.
    """
    kind = format_for(path, fmt)
    options = tuple(options)
    if kind == "csv":
        return write_ballots_csv(path, [o.id for o in options], rankings, groups)
    if kind in ("soi", "soc"):
        from partnership_tools.vote.preflib import write_preflib

        return write_preflib(path, options, rankings, kind=kind, title=title)
    from partnership_tools.vote.blt import write_blt

    return write_blt(path, options, rankings, title=title or "Ballots")
