"""A vote's ballots and results as tables, written as CSV and as one Excel workbook.

:func:`session_tables` builds two tables from a :class:`~partnership_tools.vote.model.Session`:

* ``ballots``: one row per stored ballot, every round: ``round``, ``ballot`` (its place in the
  round, in arrival order, from 1), ``source`` (web, paper, import), ``group`` (empty when none),
  ``submitted_at``, ``ranking`` (option ids, most preferred first, joined by ``>``; empty for a
  blank ballot) and ``choice 1`` … ``choice n`` (the labels, ``n`` the most options any round
  had; empty past the ballot's last choice);
* ``results``: one row per option of every round with ballots, in the count's order (highest
  Modified Borda Count first): ``round``, ``status``, ``valid_ballots``, ``options``,
  ``option``, ``label``, ``mbc_points``, ``consensus`` (points / (valid ballots x options), full
  precision), ``classic_borda``, ``first_preferences``, ``top`` (``yes`` for every option tied
  at the top, never broken) and ``at_threshold`` (``yes`` when the coefficient is at or above
  the session's threshold).

**Writing** follows the review's downloads (:mod:`partnership_tools.reports.review_tables`): the
CSV is UTF-8 with a byte-order mark and CRLF line ends, numbers at full precision; the workbook
has the sheets ``About``, ``Ballots`` and ``Results``, numbers stored as numbers, header rows in
bold and frozen. Every text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading apostrophe (:func:`~partnership_tools.reports.review_tables.guard`) in
both formats, and workbook text is stored as text, never as a formula.

>>> from partnership_tools.vote.model import Ballot, Option, Round, Session
>>> s = Session(id="s", question="Q?", threshold=0.6,
...     options=(Option("A", "=cmd"), Option("B", "Beta")),
...     rounds=(Round(1, ("A", "B"), "closed", (Ballot(("B", "A"), submitted_at="t"),
...                                             Ballot(("B",), submitted_at="t"))),))
>>> t = session_tables(s)
>>> t.ballots[1], t.ballots[2][5:]
([1, 1, 'web', '', 't', 'B>A', 'Beta', '=cmd'], ['B', 'Beta', ''])
>>> [(r[4], r[6], r[7]) for r in t.results[1:]]  # B: 2 + 1 = 3 of 2 x 2; A: 1 of 4
[('B', 3, 0.75), ('A', 1, 0.25)]
>>> csv_text(t.ballots).splitlines()[1]
"1,1,web,,t,B>A,Beta,'=cmd"
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from partnership_tools.kernel.clock import utc_now
from partnership_tools.reports.review_tables import guard
from partnership_tools.vote.model import Session

__all__ = ["SHEETS", "SessionTables", "csv_text", "session_tables", "workbook_bytes"]

#: The workbook's sheets, in order: (sheet title, table attribute).
SHEETS = (("About", "about"), ("Ballots", "ballots"), ("Results", "results"))

Row = list[Any]


@dataclass(frozen=True)
class SessionTables:
    """The tables of one session, each a list of rows, the first row the header."""

    ballots: list[Row]
    results: list[Row]
    about: list[Row]

    def table(self, name: str) -> list[Row]:
        """One table by its attribute name (``ballots``, ``results``, ``about``)."""
        return getattr(self, name)


def _ballots(session: Session) -> list[Row]:
    labels = session.labels
    width = max((len(r.option_ids) for r in session.rounds), default=0)
    head: Row = ["round", "ballot", "source", "group", "submitted_at", "ranking"]
    head += [f"choice {k}" for k in range(1, width + 1)]
    rows = [head]
    for rnd in session.rounds:
        for i, b in enumerate(rnd.ballots, start=1):
            choices = [labels[o] for o in b.ranking] + [""] * (width - len(b.ranking))
            rows.append(
                [
                    rnd.number,
                    i,
                    b.source,
                    b.group or "",
                    b.submitted_at,
                    ">".join(b.ranking),
                    *choices,
                ]
            )
    return rows


def _results(session: Session) -> list[Row]:
    from partnership_tools.vote.count import count_rankings

    rows: list[Row] = [
        [
            "round",
            "status",
            "valid_ballots",
            "options",
            "option",
            "label",
            "mbc_points",
            "consensus",
            "classic_borda",
            "first_preferences",
            "top",
            "at_threshold",
        ]
    ]
    for rnd in session.rounds:
        if not rnd.ballots:
            continue
        res = count_rankings(rnd.option_ids, rnd.rankings, rnd.groups, labels=session.labels)
        for o in res.options:
            rows.append(
                [
                    rnd.number,
                    rnd.status,
                    res.ballots,
                    res.n_options,
                    o.id,
                    o.label,
                    o.mbc,
                    o.consensus,
                    o.borda,
                    o.first_preferences,
                    "yes" if o.id in res.winners else "no",
                    "yes" if o.consensus >= session.threshold else "no",
                ]
            )
    return rows


def session_tables(session: Session, written_at: str | None = None) -> SessionTables:
    """The ballots and results tables of ``session`` (see the module doc for the columns)."""
    about: list[Row] = [
        ["about", "value"],
        ["question", session.question],
        ["session", session.id],
        ["consensus threshold", session.threshold],
        ["counting rule", "Modified Borda Count: m points to the first of m ranked options"],
        ["written at", written_at or utc_now()],
    ]
    return SessionTables(ballots=_ballots(session), results=_results(session), about=about)


def _csv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, int):
        return str(v)
    return str(guard(str(v)))


def csv_text(rows: Sequence[Row]) -> str:
    """The table as CSV text: a byte-order mark, CRLF line ends, numbers at full precision and
    every risky text cell guarded.

    >>> csv_text([["a", "b"], ["+1", 0.1]]).encode()
    b"\\xef\\xbb\\xbfa,b\\r\\n'+1,0.1\\r\\n"
    """
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        w.writerow([_csv_cell(v) for v in row])
    return buf.getvalue()


def workbook_bytes(tables: SessionTables) -> bytes:
    """The ``.xlsx`` workbook: one sheet per table in :data:`SHEETS` order; numbers stay
    numbers, text is guarded and stored as text.

    >>> import io
    >>> from openpyxl import load_workbook
    >>> t = SessionTables(ballots=[["ranking"], ["=1+1"]], results=[["n"], [0.5]], about=[["a"]])
    >>> wb = load_workbook(io.BytesIO(workbook_bytes(t)))
    >>> wb.sheetnames, wb["Ballots"]["A2"].value, wb["Results"]["A2"].value
    (['About', 'Ballots', 'Results'], "'=1+1", 0.5)
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    for n, (title, attr) in enumerate(SHEETS):
        ws = wb.active if n == 0 else wb.create_sheet()
        assert ws is not None
        ws.title = title
        for r, row in enumerate(tables.table(attr), start=1):
            for c, v in enumerate(row, start=1):
                if v is None or v == "":
                    continue
                cell = ws.cell(row=r, column=c)
                if isinstance(v, bool):
                    v = "yes" if v else "no"
                if isinstance(v, (int, float)):
                    cell.value = v
                else:
                    cell.value = guard(str(v))
                    cell.data_type = "s"  # text, even when it looks like a formula
                if r == 1:
                    cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
