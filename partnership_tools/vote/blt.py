"""Read and write BLT ballot files (OpenSTV, OpaVote, the ERS format).

A BLT file is::

    4 1                 <- number of candidates, number of seats
    -2                  <- optional: withdrawn candidates, as negative numbers
    3 1 3 2 0           <- weight, candidates first choice first, 0 ends the ballot
    (b7) 1 4 0          <- optional ballot id in parentheses at the start
    1 2=3 1 0           <- '=' between candidates ties them
    0                   <- the end of the ballots
    "Joint committee"   <- the candidates' names, quoted, one or several to a line
    "Lead council"
    "Pooled budget"
    "Stay as we are"
    "Board vote, May"   <- the title

Text after ``#`` (outside quotes) is a comment. Inside quotes ``\\"`` is a quote and ``\\\\`` a
backslash; a name line with no quotes is one name. The options are the candidates
``Option(id="k", label=name)``, numbered as in the file; **withdrawn candidates are not options**:
they are removed from every ballot (a ballot left with nothing is a blank ballot) and listed in
:attr:`BltFile.withdrawn` and in the report's notes. Each ballot line stands for ``weight``
ballots (a whole number, 1 or more; ``2.0`` is read as 2, ``1.5`` refused), all with the line's
1-based file line as their row.

The kit ranks strictly, so a ballot with a tie (``=``, between candidates still standing) is
**rejected, once per ballot of that weight**, with the reason ``ties options 2 and 3``; it is never
silently broken. Incomplete ballots rank only what they name.

The file is refused whole (:class:`~partnership_tools.vote.ballots_csv.BallotFileError`, one
sentence naming the file and line, what is wrong and what to do) when the first line is not two
whole numbers, a line is malformed, a weight is fractional or below 1, a ballot lacks its ending
``0``, names an unknown candidate or one twice, the ``0`` line ending the ballots is missing, or
the names do not number the candidates.

>>> text = '3 1\\n-3\\n2 2 1 3 0\\n1 1=2 0\\n0\\n"Joint committee" "Lead council"\\n"Pooled budget"\\n"Vote"\\n'
>>> f = read_blt_meta(io.StringIO(text), name="r.blt")
>>> f.title, f.seats, [(o.id, o.label) for o in f.withdrawn]
('Vote', 1, [('3', 'Pooled budget')])
>>> imp = f.ballots
>>> imp.layout, imp.option_ids, imp.rankings, imp.rows, [(r.row, r.reason) for r in imp.rejected]
('blt', ('1', '2'), [('2', '1'), ('2', '1')], (3, 3), [(4, 'ties options 1 and 2')])
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from partnership_tools.kernel.files import atomic_write_text
from partnership_tools.kernel.importreport import ImportReport, RejectedRow
from partnership_tools.kernel.limits import MAX_BALLOTS, MAX_OPTIONS
from partnership_tools.vote.ballots import BallotMatrix
from partnership_tools.vote.ballots_csv import (
    BallotFileError,
    BallotImport,
    RejectedBallot,
    _decode_text,
    _read_bytes,
    _source_name,
)
from partnership_tools.vote.model import Option
from partnership_tools.vote.preflib import _BREAKS, merged_orders, split_lines, tie_reason

__all__ = ["BltFile", "read_blt", "read_blt_meta", "write_blt"]

_INT = re.compile(r"[+-]?\d+\Z")
_WEIGHT = re.compile(r"(\d+)(?:\.(\d*))?\Z")
_BALLOT_ID = re.compile(r"\(([^()]*)\)")
_TOKEN = re.compile(r"\d+|=|\S")


@dataclass(frozen=True)
class BltFile:
    """A BLT file read whole: its title (``None`` when the file has none), the number of seats,
    the withdrawn candidates (not options) and the ballots of the candidates still standing."""

    title: str | None
    seats: int
    withdrawn: tuple[Option, ...]
    ballots: BallotImport


def _fail(name: str, line: int | None, what: str) -> BallotFileError:
    where = f"{name}, line {line}" if line is not None else name
    return BallotFileError(f"The BLT file {where}: {what}.")


def _strip_comment(line: str) -> str:
    """``line`` without a ``#`` comment (a ``#`` inside quotes is kept)."""
    quoted = False
    escaped = False
    for i, ch in enumerate(line):
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "#" and not quoted:
            return line[:i]
    return line


def _strings(line: str, name: str, k: int) -> list[str]:
    """The quoted strings on a name line, or the whole line as one unquoted name."""
    text = line.strip()
    if not text.startswith('"'):
        return [text]
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        if text[i] != '"':
            raise _fail(name, k, f"{text[i : i + 12]!r} is outside the quotes; quote every name")
        chars: list[str] = []
        i += 1
        while True:
            if i >= len(text):
                raise _fail(name, k, "a quoted name is never closed; end it with '\"'")
            ch = text[i]
            if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
                chars.append(text[i + 1])
                i += 2
            elif ch == '"':
                i += 1
                break
            else:
                chars.append(ch)
                i += 1
        out.append("".join(chars))
    return out


def _weight(token: str, name: str, k: int) -> int:
    m = _WEIGHT.match(token)
    if m is None:
        raise _fail(
            name, k, f"the weight {token!r} is not a number; start each ballot with its weight"
        )
    if m.group(2) and m.group(2).strip("0"):
        raise _fail(
            name,
            k,
            f"the weight {token} is not a whole number of ballots; the kit counts "
            "whole ballots, so give whole weights",
        )
    digits = m.group(1).lstrip("+-0") or "0"
    if len(digits) > len(str(MAX_BALLOTS)) or int(m.group(1)) > MAX_BALLOTS:
        shown = token if len(token) <= 20 else f"{token[:12]}... ({len(token):,} characters)"
        raise _fail(
            name,
            k,
            f"the weight {shown} is over the limit of {MAX_BALLOTS:,} ballots this kit reads;"
            " check the weight",
        )
    w = int(m.group(1))
    if w < 1:
        raise _fail(name, k, f"the weight is {token}; give 1 or more, or remove the ballot")
    return w


def _groups(tokens: list[str], name: str, k: int) -> list[list[int]]:
    """Candidate tokens (``'2' '=' '3' '1'``) as groups of tied candidates (``[[2, 3], [1]]``)."""
    groups: list[list[int]] = []
    join = False
    for t in tokens:
        if t == "=":
            if not groups or join:
                raise _fail(
                    name, k, "an '=' does not stand between two candidates; write ties as '2=3'"
                )
            join = True
        elif t.isdigit():
            if join:
                groups[-1].append(int(t))
            else:
                groups.append([int(t)])
            join = False
        else:
            raise _fail(
                name, k, f"{t!r} is not a candidate number; write ballots as 'weight 1 3 2 0'"
            )
    if join:
        raise _fail(name, k, "an '=' does not stand between two candidates; write ties as '2=3'")
    return groups


def read_blt_meta(source: str | os.PathLike[str] | IO[Any], name: str | None = None) -> BltFile:
    """Read a BLT file whole (see the module docstring): title, seats, withdrawn candidates and
    the ballots as a :class:`~partnership_tools.vote.ballots_csv.BallotImport` (layout ``blt``).

    ``source`` is a path or an open file; ``name`` is the file name to use in messages.

    >>> read_blt_meta(io.StringIO("2 1\\n1.5 1 2 0\\n0\\n"), name="x.blt")
    Traceback (most recent call last):
    ...
    partnership_tools.vote.ballots_csv.BallotFileError: The BLT file x.blt, line 2: the weight 1.5 is not a whole number of ballots; the kit counts whole ballots, so give whole weights.
    """
    shown = name if name is not None else _source_name(source)
    path = str(source) if isinstance(source, (str, os.PathLike)) else None
    text, encoding, read_notes = _decode_text(
        _read_bytes(source, "BLT file", shown), "BLT file", shown
    )
    lines = [(k, _strip_comment(raw).strip()) for k, raw in enumerate(split_lines(text), start=1)]
    lines = [(k, t) for k, t in lines if t]
    if not lines:
        raise _fail(shown, None, "it holds only comments; check the file is whole")
    first_line, first = lines[0]
    parts = first.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise _fail(
            shown,
            first_line,
            f"{first[:40]!r} is not 'candidates seats' (two whole "
            "numbers); check this is a BLT file",
        )
    if (
        any(len(p.lstrip("0")) > len(str(MAX_OPTIONS)) for p in parts)
        or int(parts[0]) > MAX_OPTIONS
    ):
        raise _fail(
            shown,
            first_line,
            f"the file says it has {parts[0][:20]} candidates, over the limit of {MAX_OPTIONS:,}"
            " this kit reads; correct the first line",
        )
    n, seats = int(parts[0]), int(parts[1])
    if n < 1:
        raise _fail(shown, first_line, "the file says it has no candidates; correct the first line")
    if not 1 <= seats <= n:
        raise _fail(
            shown,
            first_line,
            f"{seats} seats for {n} candidates is not possible; correct the first line",
        )

    def known(c: int, k: int) -> None:
        if not 1 <= c <= n:
            raise _fail(
                shown,
                k,
                f"candidate {c} is not one of the file's candidates 1 to {n}; "
                "check the ballot or the first line",
            )

    pos = 1
    withdrawn: list[int] = []
    while (
        pos < len(lines)
        and lines[pos][1].startswith("-")
        and all(_INT.match(t) and int(t) < 0 for t in lines[pos][1].split())
    ):
        k = lines[pos][0]
        for t in lines[pos][1].split():
            c = -int(t)
            known(c, k)
            if c not in withdrawn:
                withdrawn.append(c)
        pos += 1

    ballots: list[tuple[int, int, list[list[int]], str]] = []
    end_line: int | None = None
    while pos < len(lines):
        k, t = lines[pos]
        pos += 1
        if t == "0":
            end_line = k
            break
        body = t
        m = _BALLOT_ID.match(body)
        if m:
            body = body[m.end() :].strip()
        words = body.split()
        if not words:
            raise _fail(shown, k, "a ballot id has no ballot after it; write '(id) weight 1 2 0'")
        if words[0].startswith('"'):
            raise _fail(
                shown,
                k,
                "the names start before the '0' line that ends the ballots; "
                "add a line holding 0 after the last ballot",
            )
        weight = _weight(words[0], shown, k)
        tokens = _TOKEN.findall(" ".join(words[1:]))
        if not tokens or tokens[-1] != "0":
            raise _fail(shown, k, "the ballot does not end with 0; add the 0 that ends each ballot")
        groups = _groups(tokens[:-1], shown, k)
        seen: set[int] = set()
        for g in groups:
            for c in g:
                if c == 0:
                    raise _fail(shown, k, "a 0 stands inside the ballot; 0 may only end it")
                known(c, k)
                if c in seen:
                    raise _fail(
                        shown, k, f"the ballot ranks candidate {c} twice; correct the ballot"
                    )
                seen.add(c)
        ballots.append((k, weight, groups, t))
    if end_line is None:
        raise _fail(
            shown,
            None,
            "the line holding 0 that ends the ballots is missing; add it "
            "after the last ballot, before the names",
        )

    strings: list[tuple[int, str]] = []
    for k, t in lines[pos:]:
        strings.extend((k, s) for s in _strings(t, shown, k))
    if len(strings) < n:
        raise _fail(
            shown,
            strings[-1][0] if strings else end_line,
            f"the file names {len(strings)} of its {n} candidates; add the missing names "
            "(one quoted name each) after the 0 line",
        )
    if len(strings) > n + 1:
        raise _fail(
            shown,
            strings[n + 1][0],
            f"there are {len(strings)} quoted texts after the "
            f"ballots but {n} candidates and one title; remove the extra ones",
        )
    if not ballots:
        raise _fail(
            shown,
            end_line,
            "the file names its candidates but holds no ballots (the 0 that ends the ballots"
            " comes straight after the first line); add the ballots before it",
        )
    labels = [s.strip() for _, s in strings[:n]]
    for c, (k, _) in enumerate(strings[:n], start=1):
        if not labels[c - 1]:
            raise _fail(shown, k, f"candidate {c} has an empty name; give it one")
    title = strings[n][1].strip() if len(strings) > n else None

    standing = [c for c in range(1, n + 1) if c not in withdrawn]
    options = tuple(Option(id=str(c), label=labels[c - 1]) for c in standing)
    gone = tuple(Option(id=str(c), label=labels[c - 1]) for c in sorted(withdrawn))
    out = set(withdrawn)

    if sum(b[1] for b in ballots) > MAX_BALLOTS:
        raise _fail(
            shown,
            None,
            f"its ballots' weights add up to more than {MAX_BALLOTS:,} ballots, the limit this kit"
            " reads; check the weights",
        )
    rankings: list[tuple[str, ...]] = []
    rows: list[int] = []
    rejected: list[RejectedBallot] = []
    blank: list[int] = []
    for k, weight, groups, t in ballots:
        kept = [[c for c in g if c not in out] for g in groups]
        kept = [g for g in kept if g]
        tied = [g for g in kept if len(g) > 1]
        if tied:
            reason = tie_reason([str(c) for c in tied[0]])
            rejected.extend(RejectedBallot(k, reason, t) for _ in range(weight))
        elif not kept:
            blank.extend([k] * weight)
        else:
            r = tuple(str(g[0]) for g in kept)
            rankings.extend([r] * weight)
            rows.extend([k] * weight)

    notes = list(read_notes)
    notes.append(f"Seats: {seats}.")
    if title:
        notes.append(f"Title: {title}")
    if gone:
        notes.append(
            "Withdrawn (not options, removed from every ballot): "
            + "; ".join(f"{o.id} {o.label}" for o in gone)
            + "."
        )
    matrix = BallotMatrix.from_rankings(tuple(o.id for o in options), rankings)
    report = ImportReport(
        file=shown,
        kind="ballots",
        format="blt",
        layout="blt",
        encoding=encoding,
        header_rows=(first_line,),
        rejected=tuple(RejectedRow(r.row, r.reason, r.text) for r in rejected),
        blank_rows=tuple(blank),
        notes=tuple(notes),
    )
    imp = BallotImport(
        path=path,
        layout="blt",
        options=options,
        matrix=matrix,
        participants=(None,) * len(rankings),
        rows=tuple(rows),
        rejected=tuple(rejected),
        abstentions=tuple(blank),
        report=report,
    )
    return BltFile(title=title, seats=seats, withdrawn=gone, ballots=imp)


def read_blt(source: str | os.PathLike[str] | IO[Any], name: str | None = None) -> BallotImport:
    """The ballots of a BLT file (:func:`read_blt_meta` ``.ballots``): withdrawn candidates are
    not options and are removed from every ballot.

    >>> imp = read_blt(io.StringIO('2 1\\n(a) 2 2 0\\n1 0\\n0\\n"Yes" "No"\\n"T"\\n'), name="x.blt")
    >>> imp.rankings, imp.abstentions, [o.label for o in imp.options]
    ([('2',), ('2',)], (3,), ['Yes', 'No'])
    """
    return read_blt_meta(source, name).ballots


def _quoted(text: str) -> str:
    """``text`` on one line, in double quotes, with ``\\`` and ``"`` escaped by a backslash.

    >>> print(_quoted('Say "no"'))
    "Say \\"no\\""
    """
    one = _BREAKS.sub(" ", text).strip()
    return '"' + one.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_blt(
    path: str | os.PathLike[str],
    options: Sequence[Option],
    rankings: Sequence[Sequence[str]],
    title: str = "Ballots",
    seats: int = 1,
) -> Path:
    """Write ``rankings`` (option ids, first choice first) of ``options`` as a BLT file,
    atomically (a temporary file in the same folder, then renamed); returns the path.

    Candidates are numbered 1..n in the order of ``options``; identical rankings are merged into
    one line whose weight counts them, most ballots first. A blank ranking is written ``1 0``
    (it reads back as a blank ballot). Names and title are quoted (see :func:`_quoted`). Raises
    ``ValueError`` for a ranking naming an unknown option or one twice, or seats not in 1..n.

    >>> import tempfile, pathlib
    >>> opts = [Option("A", "Joint committee"), Option("B", 'The "lead" council')]
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_blt(pathlib.Path(d) / "r.blt", opts, [("B",), ("A", "B"), ("B",)], title="May")
    ...     print(p.read_text(), end="")
    2 1
    2 2 0
    1 1 2 0
    0
    "Joint committee"
    "The \\"lead\\" council"
    "May"
    """
    options = tuple(options)
    ids = tuple(o.id for o in options)
    if len(set(ids)) != len(ids):
        raise ValueError("Two options share an id; BLT needs one number per candidate.")
    if not ids:
        raise ValueError("A BLT file needs at least one candidate.")
    if not 1 <= seats <= len(ids):
        raise ValueError(f"{seats} seats for {len(ids)} candidates cannot be written.")
    number = {oid: k for k, oid in enumerate(ids, start=1)}
    out = io.StringIO()
    out.write(f"{len(ids)} {seats}\n")
    for r, c in merged_orders(ids, rankings):
        out.write(" ".join([str(c), *(str(number[x]) for x in r), "0"]) + "\n")
    out.write("0\n")
    for o in options:
        out.write(_quoted(o.label) + "\n")
    out.write(_quoted(title) + "\n")
    target = Path(path)
    atomic_write_text(target, out.getvalue())
    return target
