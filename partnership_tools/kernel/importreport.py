"""The account every import gives of what it read: one shape for ballots and for responses.

An :class:`ImportReport` says which file, format and layout were recognised, the encoding and
separator, the header rows skipped and the footer lines dropped, every column and what it was used
as (an option, an item, the stakeholder group, a participant code, a wave, a comment, bookkeeping,
or set aside with the reason), and every row rejected with its row number and reason. The CLI's
``--json`` carries :meth:`ImportReport.to_dict`; the apps show :meth:`ImportReport.lines` before
the data is used.

>>> r = ImportReport(
...     file="responses.csv", kind="ballots", format="csv", layout="google grid",
...     encoding="utf-8", separator=",", header_rows=(1,),
...     columns=(ColumnUse(0, "Timestamp", "bookkeeping", "timestamp"),
...              ColumnUse(1, "Rank [Joint committee]", "option", "J")),
...     rejected=(RejectedRow(4, "ranks option J twice"),), blank_rows=(5,))
>>> print("\\n".join(r.lines()))
responses.csv: read as csv, google grid layout (encoding utf-8, separator ',').
Header rows: 1.
Column 1 'Timestamp': bookkeeping (timestamp).
Column 2 'Rank [Joint committee]': option (J).
Set aside: Timestamp.
Row 4 rejected: ranks option J twice.
Blank rows (not counted): 5.
>>> r.to_dict()["columns"][1]
{'index': 1, 'header': 'Rank [Joint committee]', 'use': 'option', 'detail': 'J'}
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

__all__ = ["USES", "ColumnUse", "ImportReport", "RejectedRow"]

#: What a column can be used as. "bookkeeping" and "set aside" are never counted.
USES = (
    "option",
    "ranking",
    "place",
    "item",
    "group",
    "field",
    "participant",
    "respondent id",
    "wave",
    "comment",
    "bookkeeping",
    "set aside",
)
_NOT_USED = ("bookkeeping", "set aside")


@dataclass(frozen=True)
class ColumnUse:
    """Column ``index`` (0-based) headed ``header``, used as ``use`` (one of :data:`USES`);
    ``detail`` names the option or item id, the bookkeeping kind, or why it was set aside."""

    index: int
    header: str
    use: str
    detail: str = ""

    def __post_init__(self) -> None:
        if self.use not in USES:
            raise ValueError(f"Unknown column use {self.use!r}; expected one of {', '.join(USES)}.")

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "header": self.header, "use": self.use, "detail": self.detail}


@dataclass(frozen=True)
class RejectedRow:
    """A row that was not used: its file row (1-based, as a spreadsheet shows it) and why."""

    row: int
    reason: str
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "reason": self.reason, "text": self.text}


@dataclass(frozen=True)
class ImportReport:
    """What one import read (see the module docstring).

    ``kind`` is ``"ballots"`` or ``"responses"``; ``format`` ``"csv"``, ``"xlsx"``, ``"preflib"``,
    ``"blt"``...; ``header_rows`` and ``footer_lines`` are 1-based file rows; ``notes`` are plain
    sentences (a wave told apart by folder, a column chosen by its values, an encoding guessed).
    """

    file: str
    kind: str
    format: str
    layout: str
    encoding: str | None = None
    separator: str | None = None
    header_rows: tuple[int, ...] = ()
    footer_lines: tuple[int, ...] = ()
    columns: tuple[ColumnUse, ...] = ()
    rejected: tuple[RejectedRow, ...] = ()
    blank_rows: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def set_aside(self) -> tuple[ColumnUse, ...]:
        """The columns read but not used (bookkeeping and set aside)."""
        return tuple(c for c in self.columns if c.use in _NOT_USED)

    def used_as(self, use: str) -> tuple[ColumnUse, ...]:
        """The columns used as ``use``."""
        return tuple(c for c in self.columns if c.use == use)

    def with_notes(self, *notes: str) -> ImportReport:
        """This report with more notes."""
        return replace(self, notes=self.notes + tuple(n for n in notes if n))

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "file": self.file,
            "kind": self.kind,
            "format": self.format,
            "layout": self.layout,
            "encoding": self.encoding,
            "separator": self.separator,
            "header_rows": list(self.header_rows),
            "footer_lines": list(self.footer_lines),
            "columns": [c.to_dict() for c in self.columns],
            "set_aside": [c.header for c in self.set_aside],
            "rejected": [r.to_dict() for r in self.rejected],
            "blank_rows": list(self.blank_rows),
            "notes": list(self.notes),
        }

    def lines(self) -> list[str]:
        """The report as plain sentences, one per line, for a terminal or an app (the file by
        its name; :meth:`to_dict` keeps the path as given)."""
        how = [f"encoding {self.encoding}"] if self.encoding else []
        if self.separator:
            how.append(f"separator {'TAB' if self.separator == chr(9) else repr(self.separator)}")
        shown = self.file.replace("\\", "/").rsplit("/", 1)[-1] or self.file
        out = [
            f"{shown}: read as {self.format}, {self.layout} layout"
            + (f" ({', '.join(how)})." if how else ".")
        ]
        if self.header_rows:
            out.append(f"Header rows: {', '.join(map(str, self.header_rows))}.")
        if self.footer_lines:
            out.append(f"Footer lines dropped: {', '.join(map(str, self.footer_lines))}.")
        for c in self.columns:
            out.append(
                f"Column {c.index + 1} {c.header!r}: {c.use}"
                + (f" ({c.detail.rstrip('.')})." if c.detail else ".")
            )
        if self.set_aside:
            out.append("Set aside: " + "; ".join(c.header for c in self.set_aside) + ".")
        for r in self.rejected:
            out.append(f"Row {r.row} rejected: {r.reason}.")
        if self.blank_rows:
            out.append(f"Blank rows (not counted): {', '.join(map(str, self.blank_rows))}.")
        out.extend(self.notes)
        return out
