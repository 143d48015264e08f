"""The ``score`` command: score a partnership review from one or more response files.

``partnership-tools score RESPONSES... --instrument ID_OR_PATH [--by FIELD] [--wave W] [--json]
[--group-column COLUMN] [--wave-of FILE=NAME ...] [--verbose]``

Each file is read with :func:`~.responses.read_responses` (header rows, bookkeeping and the
stakeholder group recognised; ``--group-column`` names the group's column when it cannot be
found). When several files are given, a file without a ``wave`` column takes its file name
(without extension) as its wave; files that would so share one wave are told apart
(:func:`separate_waves`) by their folders (``2023/responses.csv`` and ``2024/responses.csv``
become waves ``2023`` and ``2024``), else by their dates (the year, else the months, of their
timestamps), and the import report says how; when nothing tells them apart the command stops
and asks for ``--wave-of FILE=NAME``, which names a file's wave outright. Waves from files with
timestamps are ordered by their earliest date, otherwise as the files are given.

The table describes the latest wave (or ``--wave``), with the change since the first wave when
there are several. ``--json`` prints one JSON object: per dimension ``id, title, n, respondents,
mean, median, sd, pct_positive, pct_negative, dont_know, not_applicable, band, met_minimum`` and,
with ``--by``, ``groups``: the same figures per group, or ``{"group": ..., "suppressed": true}``;
``import`` holds one import report per file
(:meth:`~partnership_tools.kernel.importreport.ImportReport.to_dict`). The text output prints a
short import report on stderr (every column with ``--verbose``); columns set aside and rows
rejected are always shown.

Unusable input (an unknown instrument, an unreadable file, an unknown field or wave) ends with one
plain sentence on stderr and exit status 2. Cells that could not be read are reported on stderr and
left blank; with ``--strict`` they make the command fail.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from partnership_tools.review.instrument import Instrument, InstrumentError, load_instrument
from partnership_tools.review.responses import (
    ResponseFileError,
    ResponseImport,
    Responses,
    read_responses,
)
from partnership_tools.review.scoring import ReviewResult, score_review
from partnership_tools.review.settings import DEFAULT_MIN_GROUP_SIZE, ReviewSettings

__all__ = ["EXIT_OK", "EXIT_UNUSABLE", "add_score_parser", "result_to_json", "run_score"]

EXIT_OK = 0
EXIT_UNUSABLE = 2
FIGURES = (
    "n",
    "respondents",
    "mean",
    "median",
    "sd",
    "pct_positive",
    "pct_negative",
    "dont_know",
    "not_applicable",
)


class _Unusable(Exception):
    pass


def add_score_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``score`` sub-command to an ``argparse`` sub-parsers object; it runs :func:`run_score`
    (set as ``func``)."""
    p = subparsers.add_parser(
        "score",
        help="score a partnership review (health check) from response files",
        description="Score a partnership review from CSV or Excel files of responses.",
    )
    p.add_argument(
        "responses", nargs="+", metavar="RESPONSES", help="CSV or .xlsx files of responses"
    )
    p.add_argument(
        "--instrument",
        required=True,
        metavar="ID_OR_PATH",
        help="a shipped instrument id or a YAML file",
    )
    p.add_argument(
        "--by", metavar="FIELD", help="compare groups of this respondent field, e.g. level"
    )
    p.add_argument("--wave", metavar="W", help="describe this wave (default: the latest)")
    p.add_argument(
        "--min-group-size",
        type=int,
        default=DEFAULT_MIN_GROUP_SIZE,
        metavar="K",
        help=f"hide groups smaller than K (default {DEFAULT_MIN_GROUP_SIZE})",
    )
    p.add_argument(
        "--gap-threshold",
        type=float,
        metavar="X",
        help="flag gaps between groups of at least X points",
    )
    p.add_argument(
        "--group-column",
        metavar="COLUMN",
        help="the column holding the --by field (its header or 1-based number), when it is not"
        " found by its wording or its answers",
    )
    p.add_argument(
        "--wave-of",
        action="append",
        default=[],
        metavar="FILE=NAME",
        help="put every response in FILE in wave NAME (repeat for each file); needed when two"
        " files would otherwise be one wave and neither their folders nor their dates tell them"
        " apart",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--verbose", action="store_true", help="list every column in the import report")
    p.add_argument("--strict", action="store_true", help="fail if any cell could not be read")
    p.set_defaults(func=run_score)
    return p


def _fail(message: str) -> int:
    print(f"partnership-tools: {message}", file=sys.stderr)
    return EXIT_UNUSABLE


def _load(args: argparse.Namespace) -> tuple[Instrument, Responses, list[ResponseImport]]:
    try:
        inst = load_instrument(args.instrument)
    except InstrumentError as exc:
        first = exc.problems[0].describe(exc.source) if exc.problems else str(exc)
        more = f" (and {len(exc.problems) - 1} more problem(s))" if len(exc.problems) > 1 else ""
        raise _Unusable(f"The instrument could not be loaded: {first}{more}") from None
    named = _wave_names(getattr(args, "wave_of", []) or [], args.responses)
    imports = []
    for path in args.responses:
        try:
            imp = read_responses(
                path,
                inst,
                wave=named.get(path),
                group_column=getattr(args, "group_column", None),
                group_field=args.by if args.by in inst.field_ids else None,
            )
        except ResponseFileError as exc:
            raise _Unusable(str(exc)) from None
        imports.append(imp)
    if len(imports) > 1:
        try:
            imports = separate_waves(imports, set(named))
        except ValueError as exc:
            raise _Unusable(str(exc)) from None
    return inst, Responses.combine([i.responses for i in imports]), imports


def _wave_names(specs: Sequence[str], paths: Sequence[str]) -> dict[str, str]:
    """``--wave-of FILE=NAME`` as ``{path as given: wave}``; FILE may be the path or its name."""
    out: dict[str, str] = {}
    for spec in specs:
        file, sep, wave = spec.partition("=")
        if not sep or not file.strip() or not wave.strip():
            raise _Unusable(
                f"--wave-of {spec!r} should be FILE=NAME, e.g. 2024/responses.csv=2024."
            )
        hits = [p for p in paths if p == file.strip() or Path(p) == Path(file.strip())]
        if not hits:
            hits = [p for p in paths if Path(p).name == file.strip()]
        if len(hits) != 1:
            how = "none" if not hits else "more than one"
            raise _Unusable(
                f"--wave-of {spec!r} matches {how} of the response files; give the path as typed."
            )
        out[hits[0]] = wave.strip()
    return out


def _folder_labels(paths: Sequence[Path]) -> list[str]:
    """The part of each file's folder that differs from the others (common head and tail dropped).

    >>> _folder_labels([Path("surveys/2023/out/r.csv"), Path("surveys/2024/out/r.csv")])
    ['2023', '2024']
    """
    parts = [p.resolve().parent.parts for p in paths]
    head = 0
    while all(len(q) > head for q in parts) and len({q[head] for q in parts}) == 1:
        head += 1
    tail = 0
    while (
        all(len(q) - head > tail for q in parts) and len({q[len(q) - 1 - tail] for q in parts}) == 1
    ):
        tail += 1
    return ["/".join(q[head : len(q) - tail]) for q in parts]


def _date_labels(spans: Sequence[tuple[str, str]]) -> list[str] | None:
    """Labels telling date spans ``(first, last)`` (ISO dates) apart: the year when each span is
    within one year, else the months; None when neither tells them apart.

    >>> _date_labels([("2023-03-01", "2023-04-02"), ("2024-03-05", "2024-03-30")])
    ['2023', '2024']
    >>> _date_labels([("2024-03-01", "2024-03-09"), ("2024-05-02", "2024-06-30")])
    ['2024-03', '2024-05 to 2024-06']
    """
    if all(a[:4] == b[:4] for a, b in spans):
        years = [a[:4] for a, _ in spans]
        if len(set(years)) == len(years):
            return years
    months = [a[:7] if a[:7] == b[:7] else f"{a[:7]} to {b[:7]}" for a, b in spans]
    if len(set(months)) == len(months):
        return months
    return None


def separate_waves(imports: Sequence[ResponseImport], named: set[str]) -> list[ResponseImport]:
    """Give each file without a wave column (or a ``--wave-of`` name) a wave of its own.

    The wave is the file's name without extension; files that would share one are told apart by
    their folders, else by their dates (see :func:`_date_labels`), and their reports say how.
    When every file has timestamps, they are put in date order. Raises ``ValueError`` (one
    sentence asking for ``--wave-of``) when nothing tells two files apart.
    """
    out = list(imports)
    free = [
        k
        for k, imp in enumerate(imports)
        if imp.source not in named and "wave" not in imp.matched_fields.values()
    ]
    waves = {k: Path(imports[k].source).stem for k in free}
    notes: dict[int, str] = {}
    by_name: dict[str, list[int]] = {}
    for k in free:
        by_name.setdefault(waves[k], []).append(k)
    for stem, ks in by_name.items():
        if len(ks) < 2:
            continue
        folders = _folder_labels([Path(imports[k].source) for k in ks])
        if all(folders) and len(set(folders)) == len(folders):
            for k, label in zip(ks, folders, strict=True):
                waves[k] = label
                notes[k] = f"Wave {label!r}: files named {stem!r} were told apart by their folders."
            continue
        spans = [(imports[k].first_date, imports[k].last_date) for k in ks]
        labels = (
            _date_labels([(a, b) for a, b in spans if a and b])
            if all(a and b for a, b in spans)
            else None
        )
        if labels is None:
            files = " and ".join(imports[k].source for k in ks[:2])
            raise ValueError(
                f"{files} would be one wave {stem!r} and neither their folders nor their dates"
                " tell them apart; name each file's wave with --wave-of FILE=NAME."
            )
        for k, label in zip(ks, labels, strict=True):
            waves[k] = label
            notes[k] = f"Wave {label!r}: files named {stem!r} were told apart by their dates."
    for k in free:
        imp = imports[k]
        r = imp.responses
        frame = r.frame.assign(wave=waves[k])
        report = imp.report
        if report is not None:
            report = report.with_notes(notes.get(k, f"Wave {waves[k]!r}: the file's name."))
        out[k] = replace(
            imp,
            responses=Responses(r.instrument_id, frame, r.item_ids, r.field_ids),
            report=report,
        )
    if all(i.first_date for i in out):
        out.sort(key=lambda i: str(i.first_date))
    return out


def _report_imports(imports: list[ResponseImport], verbose: bool = False) -> None:
    for imp in imports:
        name = Path(imp.source).name
        if imp.report is not None:
            for line in _report_lines(imp, verbose):
                print(line, file=sys.stderr)
        if imp.unmatched_columns:
            print(f"{name}: columns not used: {', '.join(imp.unmatched_columns)}.", file=sys.stderr)
        for cell in imp.invalid_cells[:20]:
            print(
                f"{name}: row {cell.row}, column {cell.column!r}: {cell.why}; left blank.",
                file=sys.stderr,
            )
        if len(imp.invalid_cells) > 20:
            print(
                f"{name}: ... and {len(imp.invalid_cells) - 20} more cells left blank.",
                file=sys.stderr,
            )


def _report_lines(imp: ResponseImport, verbose: bool) -> list[str]:
    """The import report for a terminal (its notes carry the file's warnings): every line with
    ``verbose``; otherwise the columns set aside (each with why; the "columns not used" line
    follows) and never the per-column lines of the columns used. Rejected rows always show."""
    assert imp.report is not None
    lines = imp.report.lines()
    if verbose:
        return lines
    lines = [ln for ln in lines if not ln.startswith("Set aside: ")]
    used = {f"Column {c.index + 1} {c.header!r}: {c.use}" for c in imp.report.columns} - {
        f"Column {c.index + 1} {c.header!r}: {c.use}" for c in imp.report.set_aside
    }
    return [ln for ln in lines if not any(ln.startswith(u) for u in used)]


def run_score(args: argparse.Namespace) -> int:
    """Run ``score``; returns the exit status (0, or 2 for unusable input)."""
    try:
        inst, responses, imports = _load(args)
    except _Unusable as exc:
        return _fail(str(exc))
    if args.by and args.by not in inst.field_ids:
        choices = ", ".join(inst.field_ids) or "none"
        return _fail(f"{inst.id} asks no respondent field {args.by!r}; choose one of: {choices}.")
    if args.wave is not None and args.wave not in responses.waves:
        return _fail(
            f"There is no wave {args.wave!r}; the waves are: {', '.join(responses.waves)}."
        )
    try:
        settings = ReviewSettings(
            by=args.by,
            min_group_size=args.min_group_size,
            gap_threshold=args.gap_threshold,
            focus_wave=args.wave,
        )
    except ValueError as exc:
        return _fail(str(exc))
    _report_imports(imports, bool(getattr(args, "verbose", False)))
    bad = sum(len(i.invalid_cells) for i in imports)
    if args.strict and bad:
        return _fail(
            f"{bad} cell(s) could not be read (see above); fix them or run without --strict."
        )
    try:
        result = score_review(responses, inst, settings)
    except ValueError as exc:
        return _fail(str(exc))
    if args.json:
        data = result_to_json(result, inst)
        data["import"] = [i.report.to_dict() for i in imports if i.report is not None]
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(format_table(result, inst))
    return EXIT_OK


def _num(v: Any) -> Any:
    """A figure for ``--json``: whole counts as ints, everything else at full float precision
    (an analyst's JSON is rounded only for display, never here); NaN and NA as null."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, bool):
        return v
    f = float(v)
    if math.isnan(f):
        return None
    if f.is_integer() and not isinstance(v, float):
        return int(f)
    return f


def _figures(row: pd.Series) -> dict[str, Any]:
    out = {k: _num(row[k]) for k in FIGURES}
    for k in ("n", "respondents", "dont_know", "not_applicable"):
        out[k] = None if out[k] is None else int(out[k])
    out["band"] = None if pd.isna(row["band"]) else str(row["band"])
    out["met_minimum"] = None if pd.isna(row["met_minimum"]) else bool(row["met_minimum"])
    return out


def result_to_json(result: ReviewResult, instrument: Instrument) -> dict[str, Any]:
    """The JSON object printed by ``score --json`` for the result's focus wave."""
    wave = result.focus_wave
    d = result.dimensions[result.dimensions["wave"] == wave]
    dims = []
    for dim in instrument.dimensions:
        rows = d[d["dimension"] == dim.id]
        overall = rows[rows["overall"].astype(bool)]
        entry: dict[str, Any] = {"id": dim.id, "title": dim.title}
        if overall.empty or bool(overall["suppressed"].iloc[0]):
            entry["suppressed"] = True
        else:
            entry.update(_figures(overall.iloc[0]))
        if result.settings.by:
            groups = []
            for _, row in rows[~rows["overall"].astype(bool)].iterrows():
                if bool(row["suppressed"]):
                    groups.append({"group": row["group"], "suppressed": True})
                else:
                    groups.append({"group": row["group"], **_figures(row)})
            entry["groups"] = groups
        dims.append(entry)
    gaps = result.gaps[result.gaps["wave"] == wave] if len(result.gaps) else result.gaps
    changes = (
        result.changes[result.changes["overall"].astype(bool)]
        if len(result.changes)
        else result.changes
    )
    cov = result.coverage
    size = d.loc[d["overall"].astype(bool), "group_size"]
    return {
        "instrument": {
            "id": instrument.id,
            "title": instrument.title,
            "version": instrument.version,
        },
        "waves": list(result.waves),
        "wave": wave,
        "by": result.settings.by,
        "min_group_size": result.settings.min_group_size,
        "respondents": None if size.empty or pd.isna(size.iloc[0]) else int(size.iloc[0]),
        "dimensions": dims,
        "gaps": [
            {
                "dimension": r["dimension"],
                "gap": _num(r["gap"]),
                "highest_group": None if pd.isna(r["highest_group"]) else r["highest_group"],
                "lowest_group": None if pd.isna(r["lowest_group"]) else r["lowest_group"],
                "flagged": bool(r["flagged"]),
            }
            for _, r in gaps.iterrows()
        ],
        "changes": [
            {
                "dimension": r["dimension"],
                "before": r["before"],
                "after": r["after"],
                "mean_before": _num(r["mean_before"]),
                "mean_after": _num(r["mean_after"]),
                "change": _num(r["change"]),
            }
            for _, r in changes.iterrows()
        ],
        "coverage": []
        if cov is None
        else [
            {
                "level": r["level"],
                "respondents": None if pd.isna(r["respondents"]) else int(r["respondents"]),
                "status": r["status"],
            }
            for _, r in cov.table[cov.table["wave"] == wave].iterrows()
        ],
        "findings": [f.to_dict() for f in result.findings],
    }


def _cell(v: Any, fmt: str) -> str:
    return (
        ""
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
        else format(v, fmt)
    )


def format_table(result: ReviewResult, instrument: Instrument) -> str:
    """The readable report printed by ``score``: the dimension table, group means, gaps, coverage."""
    wave = result.focus_wave
    d = result.dimensions
    overall = d[(d["wave"] == wave) & d["overall"].astype(bool)]
    size = overall["group_size"].dropna()
    n_resp = int(size.iloc[0]) if len(size) else 0
    lines = [
        f"{instrument.title} (version {instrument.version}): {wave}, {n_resp} respondent(s)",
        "",
    ]
    change = {}
    if len(result.changes):
        c = result.changes[result.changes["overall"].astype(bool)]
        change = dict(zip(c["dimension"], c["change"], strict=True))
        first = c["before"].iloc[0] if len(c) else ""
    from partnership_tools.review.reasons import reason_text

    width = max([len("Dimension")] + [len(t) for t in overall["title"]])
    head = f"{'Dimension':<{width}}  {'n':>4}  {'Mean':>4}  {'Med':>4}  {'SD':>4}  {'%pos':>4}  {'%neg':>4}  {'DK':>3}  {'N/A':>3}"
    if change:
        head += f"  {'Change':>6}"
    lines += [head + "  Band", "-" * (len(head) + 18)]
    for _, r in overall.iterrows():
        if bool(r["suppressed"]):
            lines.append(
                f"{r['title']:<{width}}  suppressed"
                f" ({reason_text(r['suppressed_reason'], result.settings.min_group_size)})"
            )
            continue
        band = "" if pd.isna(r["band_label"]) else r["band_label"]
        if not bool(r["met_minimum"]):
            band = f"too few answers (needs {int(r['min_valid_answers'])})"
        row = (
            f"{r['title']:<{width}}  {int(r['n']):>4}  {_cell(r['mean'], '4.2f')}  {_cell(r['median'], '4.1f')}  "
            f"{_cell(r['sd'], '4.2f'):>4}  {_cell(r['pct_positive'], '4.0f'):>4}  {_cell(r['pct_negative'], '4.0f'):>4}  "
            f"{int(r['dont_know']):>3}  {int(r['not_applicable']):>3}"
        )
        if change:
            row += f"  {_cell(change.get(r['dimension']), '+6.2f'):>6}"
        lines.append(row + "  " + band)
    if change:
        lines.append(f"(Change: mean in {wave} minus mean in {first}.)")
    if result.settings.by:
        groups = d[(d["wave"] == wave) & ~d["overall"].astype(bool)]
        names = list(pd.unique(groups["group"]))
        lines += [
            "",
            f"Mean by {result.settings.by} (suppressed: fewer than {result.settings.min_group_size} respondents, or hidden to protect a smaller group):",
        ]
        for g in names:
            lines.append(f"  [{names.index(g) + 1}] {g}")
        lines.append(
            f"{'Dimension':<{width}}  "
            + "  ".join(f"{'[' + str(i + 1) + ']':>5}" for i in range(len(names)))
        )
        for dim in overall["dimension"]:
            rows = groups[groups["dimension"] == dim].set_index("group")
            title = overall.loc[overall["dimension"] == dim, "title"].iloc[0]
            cells = []
            for g in names:
                if g not in rows.index:
                    cells.append(f"{'':>5}")
                elif bool(rows.loc[g, "suppressed"]):
                    cells.append(f"{'supp':>5}")
                else:
                    cells.append(f"{_cell(rows.loc[g, 'mean'], '5.2f'):>5}")
            lines.append(f"{title:<{width}}  " + "  ".join(cells))
    flagged = result.findings_of("gap")
    if flagged:
        lines += ["", "Gaps between groups to talk through:"] + [f"- {f.text}" for f in flagged]
    cov = result.findings_of("coverage")
    if cov:
        lines += ["", "Coverage of the vertical slice:"] + [f"- {f.text}" for f in cov]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - convenience for `python -m`
    parser = argparse.ArgumentParser(prog="partnership-tools")
    add_score_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
