"""Read and write PrefLib ballot files (``.soc``, ``.soi``, ``.toc``, ``.toi``).

**Current format** (https://www.preflib.org/format): header lines ``# KEY: value`` (``DATA TYPE``,
``TITLE``, ``NUMBER ALTERNATIVES``, ``NUMBER VOTERS``, ``NUMBER UNIQUE ORDERS``, and one
``# ALTERNATIVE NAME k: label`` per alternative), then one line per distinct order,
``count: a,b,{c,d},e``: ``count`` voters ranked alternative ``a`` first, ``b`` second, ``c`` and
``d`` tied third, ``e`` last. **Old format** (before 2022): a first line holding the number of
alternatives ``n``, ``n`` lines ``k,label``, a line ``voters,sum of counts,unique orders``, then
lines ``count,a,b,{c,d},e``. Both are read.

The options are the file's own alternatives: ``Option(id="k", label=name)`` for ``k = 1..n``, in
number order. Each order line stands for ``count`` ballots, all with the line's 1-based file line
as their row. An order that leaves alternatives out ranks only those it names (unranked = not
ranked). An order with nothing in it is a blank ballot (an abstention, once per voter).

The kit ranks strictly, so an order with a tie (braces holding two or more alternatives, allowed in
``.toc`` and ``.toi`` files) is **rejected, once per voter on that line**, with the reason
``ties options 2 and 3`` (so ``rejected`` counts ballots, as everywhere else); it is never
silently broken.

The file is refused whole (:class:`~partnership_tools.vote.ballots_csv.BallotFileError`, one
sentence naming the file and line, what is wrong and what to do) when a line is malformed, an
order names an unknown alternative or one twice, the header counts (``NUMBER ALTERNATIVES``,
``NUMBER VOTERS``, ``NUMBER UNIQUE ORDERS``, or the old format's counts line) disagree with the
file, a strict file (``.soc``, ``.soi``) has braces with two or more alternatives, or a complete
file (``.soc``, ``.toc``) has an order that leaves an alternative out (a complete file that is
not complete is a damaged file, not a short ballot). The data type is the ``DATA TYPE`` header's,
else the file's extension, else ``soi`` (or ``toi`` when some order has a tie).

>>> text = '''# DATA TYPE: soi
... # NUMBER ALTERNATIVES: 3
... # NUMBER VOTERS: 3
... # ALTERNATIVE NAME 1: Joint committee
... # ALTERNATIVE NAME 2: Lead council
... # ALTERNATIVE NAME 3: Pooled budget
... 2: 3,1
... 1: 2
... '''
>>> imp = read_preflib(io.StringIO(text), name="r.soi")
>>> imp.layout, [(o.id, o.label) for o in imp.options]
('preflib-soi', [('1', 'Joint committee'), ('2', 'Lead council'), ('3', 'Pooled budget')])
>>> imp.rankings, imp.rows
([('3', '1'), ('3', '1'), ('2',)], (7, 7, 8))
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from partnership_tools.kernel.clock import utc_now
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
from partnership_tools.vote.validation import validate_ranking

__all__ = ["PREFLIB_KINDS", "read_preflib", "split_lines", "tie_reason", "write_preflib"]

#: The PrefLib data types of ordinal preferences: strict/ties, complete/incomplete.
PREFLIB_KINDS = ("soc", "soi", "toc", "toi")

_HEADER = re.compile(r"#\s*([^:]*?)\s*:(.*)\Z")
_ALT_NAME = re.compile(r"ALTERNATIVE NAME\s+(\d+)\Z", re.IGNORECASE)
_NEW_ORDER = re.compile(r"\s*(\d+)\s*:(.*)\Z")
_OLD_ORDER = re.compile(r"\s*(\d+)\s*,(.*)\Z")
_WHOLE = re.compile(r"\s*(\d+)\s*\Z")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: Characters :meth:`str.splitlines` treats as line breaks, kept out of written labels.
_BREAKS = re.compile(r"[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as a text editor numbers them (``\\r\\n``, ``\\r`` or ``\\n``).

    >>> split_lines("a\\r\\nb\\u2028c\\n")
    ['a', 'b\\u2028c', '']
    """
    return _LINE_BREAK.split(text)


def tie_reason(ids: Sequence[str]) -> str:
    """The reason a ballot that ties ``ids`` is rejected.

    >>> tie_reason(["2", "3"]), tie_reason(["1", "2", "4"])
    ('ties options 2 and 3', 'ties options 1, 2 and 4')
    """
    return f"ties options {', '.join(ids[:-1])} and {ids[-1]}"


@dataclass(frozen=True)
class _Order:
    """One order line: its file line, voter count, the groups of tied alternatives, the text."""

    line: int
    count: int
    groups: tuple[tuple[int, ...], ...]
    text: str


def _fail(name: str, line: int | None, what: str) -> BallotFileError:
    where = f"{name}, line {line}" if line is not None else name
    return BallotFileError(f"The PrefLib file {where}: {what}.")


def _parse_order(body: str, name: str, line: int) -> tuple[tuple[int, ...], ...]:
    """``a,b,{c,d},e`` as groups ``((a,), (b,), (c, d), (e,))``; empty braces are skipped."""
    groups: list[tuple[int, ...]] = []
    rest = body.strip()
    while rest:
        if rest.startswith("{"):
            end = rest.find("}")
            if end < 0:
                raise _fail(name, line, "a '{' is never closed; close the tie with '}'")
            inner, rest = rest[1:end], rest[end + 1 :].strip()
            items = [t.strip() for t in inner.split(",")] if inner.strip() else []
        else:
            cut = rest.find(",")
            item, rest = (rest, "") if cut < 0 else (rest[:cut], rest[cut:])
            items = [item.strip()]
        numbers = []
        for t in items:
            if not t.isdigit() or not t.isascii():
                raise _fail(
                    name,
                    line,
                    f"{t!r} is not an alternative number; write orders as 'count: 1,3,2'",
                )
            numbers.append(int(t))
        if numbers:
            groups.append(tuple(numbers))
        rest = rest.strip()
        if rest.startswith(","):
            rest = rest[1:].strip()
            if not rest:
                raise _fail(
                    name,
                    line,
                    "the order ends with a comma; remove it or add the missing alternative",
                )
        elif rest:
            raise _fail(
                name,
                line,
                f"{rest[:12]!r} does not follow a comma; separate alternatives with commas",
            )
    return tuple(groups)


def _header_number(value: str, key: str, name: str, line: int) -> int:
    m = _WHOLE.match(value)
    if m is None:
        raise _fail(
            name, line, f"{key} is {value.strip()!r}, not a whole number; correct the header"
        )
    return _bounded(m.group(1), MAX_BALLOTS, key, name, line)


def _bounded(digits: str, limit: int, what: str, name: str, line: int | None) -> int:
    """``int(digits)``, refused (one sentence naming the line) when it is over ``limit``."""
    if len(digits.lstrip("0")) > len(str(limit)) or int(digits) > limit:
        shown = digits if len(digits) <= 20 else f"{digits[:12]}... ({len(digits):,} digits)"
        raise _fail(
            name,
            line,
            f"{what} is {shown}, over the limit of {limit:,} this kit reads; check the file",
        )
    return int(digits)


def _parse_new(
    lines: list[str], name: str
) -> tuple[dict[str, tuple[int, str]], dict[int, tuple[int, str]], list[_Order], list[int]]:
    """Headers (key -> (line, value)), names (k -> (line, label)), orders and header lines."""
    headers: dict[str, tuple[int, str]] = {}
    names: dict[int, tuple[int, str]] = {}
    orders: list[_Order] = []
    header_lines: list[int] = []
    for k, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        if text.startswith("#"):
            if orders:
                raise _fail(name, k, "a header line comes after the orders; move it to the top")
            header_lines.append(k)
            m = _HEADER.match(text)
            if m is None:
                continue  # a comment
            key, value = m.group(1).strip().upper(), m.group(2).strip()
            alt = _ALT_NAME.match(key)
            if alt:
                number = _bounded(alt.group(1), MAX_OPTIONS, "the alternative number", name, k)
                if number in names:
                    raise _fail(
                        name,
                        k,
                        f"alternative {number} is named twice (first on line "
                        f"{names[number][0]}); keep one name",
                    )
                names[number] = (k, value)
            else:
                headers.setdefault(" ".join(key.split()), (k, value))
            continue
        m = _NEW_ORDER.match(text)
        if m is None:
            raise _fail(
                name, k, f"{text[:40]!r} is not an order line 'count: a,b,c'; correct or remove it"
            )
        count = _bounded(m.group(1), MAX_BALLOTS, "the order's count of voters", name, k)
        orders.append(_Order(k, count, _parse_order(m.group(2), name, k), text))
    return headers, names, orders, header_lines


def _parse_old(
    lines: list[str], name: str
) -> tuple[dict[int, tuple[int, str]], tuple[int, int, int, int], list[_Order], list[int]]:
    """The old format: names, the counts line (line, voters, sum, unique), orders, header lines."""
    numbered = [(k, raw.strip()) for k, raw in enumerate(lines, start=1) if raw.strip()]
    first_line, first = numbered[0]
    n = _bounded(first, MAX_OPTIONS, "the number of alternatives", name, first_line)
    if len(numbered) < n + 2:
        raise _fail(
            name,
            None,
            f"it says {n} alternatives on line {first_line} but ends before "
            "their names and the counts line; check the file is whole",
        )
    names: dict[int, tuple[int, str]] = {}
    for k, text in numbered[1 : n + 1]:
        number, sep, label = text.partition(",")
        if not sep or not number.strip().isdigit():
            raise _fail(
                name,
                k,
                f"{text[:40]!r} is not an alternative line 'k,name'; the first "
                f"line says there are {n} alternatives",
            )
        a = _bounded(number.strip(), MAX_OPTIONS, "the alternative number", name, k)
        if a in names:
            raise _fail(
                name,
                k,
                f"alternative {a} is named twice (first on line {names[a][0]}); keep one name",
            )
        names[a] = (k, label.strip())
    counts_line, counts_text = numbered[n + 1]
    parts = [p.strip() for p in counts_text.split(",")]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise _fail(
            name,
            counts_line,
            f"{counts_text[:40]!r} is not the counts line "
            "'voters,sum of counts,unique orders'; correct it",
        )
    voters, total, unique = (int(p) for p in parts)
    orders = []
    for k, text in numbered[n + 2 :]:
        m = _OLD_ORDER.match(text) or _WHOLE.match(text)
        if m is None:
            raise _fail(
                name, k, f"{text[:40]!r} is not an order line 'count,a,b,c'; correct or remove it"
            )
        body = m.group(2) if m.re is _OLD_ORDER else ""
        count = _bounded(m.group(1), MAX_BALLOTS, "the order's count of voters", name, k)
        orders.append(_Order(k, count, _parse_order(body, name, k), text))
    header_lines = [k for k, _ in numbered[: n + 2]]
    return names, (counts_line, voters, total, unique), orders, header_lines


def _check_count(found: int, said: int, key: str, what: str, name: str, line: int) -> None:
    if found != said:
        raise _fail(
            name,
            line,
            f"{key} says {said} but the file has {found} {what}; correct the header "
            "or check the file is whole",
        )


def _kind_of(headers: dict[str, tuple[int, str]], name: str, orders: list[_Order]) -> str:
    if "DATA TYPE" in headers:
        line, value = headers["DATA TYPE"]
        kind = value.strip().lower().lstrip(".")
        if kind not in PREFLIB_KINDS:
            raise _fail(
                name,
                line,
                f"DATA TYPE is {value!r}, not one of {', '.join(PREFLIB_KINDS)} "
                "(the kit reads rankings only)",
            )
        return kind
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in PREFLIB_KINDS:
        return suffix
    return "toi" if any(len(g) > 1 for o in orders for g in o.groups) else "soi"


def read_preflib(source: str | os.PathLike[str] | IO[Any], name: str | None = None) -> BallotImport:
    """Read a PrefLib file of rankings (see the module docstring) into a
    :class:`~partnership_tools.vote.ballots_csv.BallotImport` with layout ``preflib-<kind>``.

    ``source`` is a path or an open file; ``name`` is the file name to use in messages (default:
    the path, or the stream's name). Raises ``BallotFileError`` as the module docstring says.

    >>> text = "# DATA TYPE: toi\\n# ALTERNATIVE NAME 1: A\\n# ALTERNATIVE NAME 2: B\\n"
    >>> text += "# ALTERNATIVE NAME 3: C\\n2: 1,{2,3}\\n1: 2,1\\n"
    >>> imp = read_preflib(io.StringIO(text), name="t.toi")
    >>> imp.rankings, [(r.row, r.reason) for r in imp.rejected]
    ([('2', '1')], [(5, 'ties options 2 and 3'), (5, 'ties options 2 and 3')])
    >>> read_preflib(io.StringIO("# ALTERNATIVE NAME 1: A\\n1: 1,2\\n"), name="x.soi")
    Traceback (most recent call last):
    ...
    partnership_tools.vote.ballots_csv.BallotFileError: The PrefLib file x.soi, line 2: alternative 2 is not one of the file's alternatives (1); check the order or add an ALTERNATIVE NAME line.
    """
    shown = name if name is not None else _source_name(source)
    path = str(source) if isinstance(source, (str, os.PathLike)) else None
    text, encoding, notes_read = _decode_text(
        _read_bytes(source, "PrefLib file", shown), "PrefLib file", shown
    )
    lines = split_lines(text)
    first = next(raw.strip() for raw in lines if raw.strip())
    notes: list[str] = list(notes_read)
    if _WHOLE.match(first):
        names, (counts_line, voters, total, unique), orders, header_lines = _parse_old(lines, shown)
        headers: dict[str, tuple[int, str]] = {}
        fmt_note = "Read as the old PrefLib format (alternatives, counts line, then orders)."
        notes.append(fmt_note)
        n_said: int | None = len(names)
        n_line = header_lines[0]
    else:
        headers, names, orders, header_lines = _parse_new(lines, shown)
        counts_line = voters = total = unique = 0
        n_said = None
        n_line = 0
        if "NUMBER ALTERNATIVES" in headers:
            n_line, value = headers["NUMBER ALTERNATIVES"]
            n_said = _header_number(value, "NUMBER ALTERNATIVES", shown, n_line)
            _bounded(str(n_said), MAX_OPTIONS, "NUMBER ALTERNATIVES", shown, n_line)
    kind = _kind_of(headers, shown, orders)

    # -- the alternatives --------------------------------------------------------------------
    if not names:
        if n_said is None:
            raise _fail(
                shown,
                None,
                "it names no alternatives; add '# ALTERNATIVE NAME k: label' "
                "lines or a '# NUMBER ALTERNATIVES' line",
            )
        names = {k: (0, f"Alternative {k}") for k in range(1, n_said + 1)}
        notes.append(f"The file names no alternatives; they are called Alternative 1 to {n_said}.")
    numbers = sorted(names)
    if not numbers:
        raise _fail(shown, n_line or None, "it says it has 0 alternatives; correct the header")
    if n_said is not None:
        if numbers != list(range(1, n_said + 1)):
            missing = [k for k in range(1, n_said + 1) if k not in names]
            extra = [k for k in numbers if not 1 <= k <= n_said]
            what = (
                f"alternative {extra[0]} is named but the file has {n_said}"
                if extra
                else f"alternative {missing[0]} has no name"
            )
            raise _fail(
                shown,
                (names[extra[0]][0] if extra else n_line) or None,
                f"NUMBER ALTERNATIVES says {n_said} but {what}; "
                "correct the header or the ALTERNATIVE NAME lines",
            )
    for k in numbers:
        line, label = names[k]
        if not label:
            raise _fail(shown, line or None, f"alternative {k} has an empty name; give it one")
    options = tuple(Option(id=str(k), label=names[k][1]) for k in numbers)
    known = set(numbers)
    shown_known = (
        f"{numbers[0]} to {numbers[-1]}"
        if numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) > 1
        else ", ".join(map(str, numbers))
    )

    # -- the orders ------------------------------------------------------------------------
    if not orders:
        raise _fail(shown, None, "it has a header but no orders; check the file is whole")
    if sum(o.count for o in orders) > MAX_BALLOTS:
        raise _fail(
            shown,
            None,
            f"its orders' counts add up to more than {MAX_BALLOTS:,} ballots, the limit this kit"
            " reads; check the counts",
        )
    rankings: list[tuple[str, ...]] = []
    rows: list[int] = []
    rejected: list[RejectedBallot] = []
    blank: list[int] = []
    for o in orders:
        if o.count < 1:
            raise _fail(
                shown,
                o.line,
                "the count is 0; give the number of voters (1 or more) or remove the line",
            )
        seen: set[int] = set()
        for g in o.groups:
            for a in g:
                if a not in known:
                    raise _fail(
                        shown,
                        o.line,
                        f"alternative {a} is not one of the file's "
                        f"alternatives ({shown_known}); check the order or add an "
                        "ALTERNATIVE NAME line",
                    )
                if a in seen:
                    raise _fail(
                        shown, o.line, f"the order ranks alternative {a} twice; correct the order"
                    )
                seen.add(a)
        tied = [g for g in o.groups if len(g) > 1]
        if tied and kind in ("soc", "soi"):
            raise _fail(
                shown,
                o.line,
                f"a {kind} file holds strict orders but this one "
                f"ties alternatives {', '.join(map(str, tied[0]))}; "
                "make the DATA TYPE toi or toc, or break the tie in the file",
            )
        if kind in ("soc", "toc") and len(seen) != len(known):
            left = sorted(known - seen)
            raise _fail(
                shown,
                o.line,
                f"a {kind} file holds complete orders but this one leaves "
                f"out alternative{'s' if len(left) > 1 else ''} {', '.join(map(str, left))}; "
                f"make the DATA TYPE {'soi' if kind == 'soc' else 'toi'} or complete the order",
            )
        if tied:
            reason = tie_reason([str(a) for a in tied[0]])
            rejected.extend(RejectedBallot(o.line, reason, o.text) for _ in range(o.count))
        elif not o.groups:
            blank.extend([o.line] * o.count)
        else:
            r = tuple(str(g[0]) for g in o.groups)
            rankings.extend([r] * o.count)
            rows.extend([o.line] * o.count)

    # -- the header counts -----------------------------------------------------------------
    n_voters = sum(o.count for o in orders)
    distinct = len({o.groups for o in orders})
    if headers:
        if "NUMBER VOTERS" in headers:
            line, value = headers["NUMBER VOTERS"]
            said = _header_number(value, "NUMBER VOTERS", shown, line)
            _check_count(
                n_voters, said, "NUMBER VOTERS", "voters (the sum of the counts)", shown, line
            )
        if "NUMBER UNIQUE ORDERS" in headers:
            line, value = headers["NUMBER UNIQUE ORDERS"]
            said = _header_number(value, "NUMBER UNIQUE ORDERS", shown, line)
            if said != len(orders):
                _check_count(distinct, said, "NUMBER UNIQUE ORDERS", "distinct orders", shown, line)
    elif counts_line:
        _check_count(
            n_voters, voters, "the counts line's first number", "voters", shown, counts_line
        )
        _check_count(
            n_voters,
            total,
            "the counts line's second number",
            "voters (the sum of the counts)",
            shown,
            counts_line,
        )
        if unique != len(orders):
            _check_count(
                distinct,
                unique,
                "the counts line's third number",
                "distinct orders",
                shown,
                counts_line,
            )
    if "TITLE" in headers and headers["TITLE"][1]:
        notes.append(f"Title: {headers['TITLE'][1]}")

    matrix = BallotMatrix.from_rankings(tuple(o.id for o in options), rankings)
    report = ImportReport(
        file=shown,
        kind="ballots",
        format="preflib",
        layout=f"preflib-{kind}",
        encoding=encoding,
        header_rows=tuple(header_lines),
        rejected=tuple(RejectedRow(r.row, r.reason, r.text) for r in rejected),
        blank_rows=tuple(blank),
        notes=tuple(notes),
    )
    imp = BallotImport(
        path=path,
        layout=f"preflib-{kind}",
        options=options,
        matrix=matrix,
        participants=(None,) * len(rankings),
        rows=tuple(rows),
        rejected=tuple(rejected),
        abstentions=tuple(blank),
        report=report,
    )
    return imp


def _one_line(text: str) -> str:
    """``text`` with line breaks turned into spaces and outer spaces stripped."""
    return _BREAKS.sub(" ", text).strip()


def merged_orders(
    option_ids: Sequence[str], rankings: Sequence[Sequence[str]]
) -> list[tuple[tuple[str, ...], int]]:
    """Each distinct ranking with the number of ballots giving it, most ballots first (ties in
    order of first appearance). Every ranking is checked against ``option_ids`` first.

    >>> merged_orders("ABC", [("B",), ("A", "C"), ("B",)])
    [(('B',), 2), (('A', 'C'), 1)]
    """
    counts: dict[tuple[str, ...], int] = {}
    for r in rankings:
        key = validate_ranking(list(r), tuple(option_ids))
        counts[key] = counts.get(key, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])


def write_preflib(
    path: str | os.PathLike[str],
    options: Sequence[Option],
    rankings: Sequence[Sequence[str]],
    kind: str = "soi",
    title: str | None = None,
    *,
    date: str | None = None,
) -> Path:
    """Write ``rankings`` (option ids, first choice first) of ``options`` as a PrefLib file, in the
    current format, atomically (a temporary file in the same folder, then renamed); returns the path.

    The alternatives are numbered 1..n in the order of ``options`` and named by their labels (line
    breaks become spaces). Identical rankings are merged into one ``count: order`` line, most
    voters first. ``kind`` is ``"soi"`` (strict, incomplete), ``"soc"`` (strict, complete: every
    ranking must rank every option, else ``ValueError`` and nothing is written) or ``"auto"``
    (``soc`` when every ranking is complete, else ``soi``). A blank ranking is written as
    ``count:`` with no order (it reads back as an abstention; ``soi`` only). The header lines are
    all filled in; ``date`` (``YYYY-MM-DD``, default today in UTC) is the publication and
    modification date. Raises ``ValueError`` (a
    :class:`~partnership_tools.vote.validation.BallotError`) for a ranking that names an unknown
    option or one twice.

    >>> import tempfile, pathlib
    >>> opts = [Option("A", "Joint committee"), Option("B", "Pooled budget")]
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_preflib(pathlib.Path(d) / "r.soi", opts, [("B",), ("A", "B"), ("B",)],
    ...                       title="Round 1", date="2024-05-09")
    ...     print(p.read_text(), end="")
    # FILE NAME: r.soi
    # TITLE: Round 1
    # DESCRIPTION:
    # DATA TYPE: soi
    # MODIFICATION TYPE: original
    # RELATES TO:
    # RELATED FILES:
    # PUBLICATION DATE: 2024-05-09
    # MODIFICATION DATE: 2024-05-09
    # NUMBER ALTERNATIVES: 2
    # NUMBER VOTERS: 3
    # NUMBER UNIQUE ORDERS: 2
    # ALTERNATIVE NAME 1: Joint committee
    # ALTERNATIVE NAME 2: Pooled budget
    2: 2
    1: 1,2
    """
    options = tuple(options)
    ids = tuple(o.id for o in options)
    if len(set(ids)) != len(ids):
        raise ValueError("Two options share an id; PrefLib needs one number per option.")
    if kind not in ("soi", "soc", "auto"):
        raise ValueError(f"PrefLib kind {kind!r} cannot be written; choose soi, soc or auto.")
    merged = merged_orders(ids, rankings)
    complete = all(len(r) == len(ids) for r, _ in merged)
    if kind == "auto":
        kind = "soc" if complete and merged else "soi"
    if kind == "soc" and not complete:
        short = next(r for r, _ in merged if len(r) != len(ids))
        raise ValueError(
            f"A .soc file needs every ballot to rank all {len(ids)} options, but one ranks "
            f"{len(short)}; write a .soi file instead."
        )
    number = {oid: k for k, oid in enumerate(ids, start=1)}
    day = date if date is not None else utc_now()[:10]
    target = Path(path)
    head = [
        ("FILE NAME", target.name),
        ("TITLE", _one_line(title or "")),
        ("DESCRIPTION", ""),
        ("DATA TYPE", kind),
        ("MODIFICATION TYPE", "original"),
        ("RELATES TO", ""),
        ("RELATED FILES", ""),
        ("PUBLICATION DATE", day),
        ("MODIFICATION DATE", day),
        ("NUMBER ALTERNATIVES", str(len(ids))),
        ("NUMBER VOTERS", str(sum(c for _, c in merged))),
        ("NUMBER UNIQUE ORDERS", str(len(merged))),
    ]
    head += [(f"ALTERNATIVE NAME {number[o.id]}", _one_line(o.label)) for o in options]
    out = io.StringIO()
    for key, value in head:
        out.write(f"# {key}: {value}".rstrip() + "\n")
    for r, c in merged:
        out.write(f"{c}: {','.join(str(number[x]) for x in r)}".rstrip() + "\n")
    atomic_write_text(target, out.getvalue())
    return target
