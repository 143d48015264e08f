"""The ``score`` command: score a partnership review from one or more response files.

``partnership-tools score RESPONSES... --instrument ID_OR_PATH [--by FIELD] [--wave W] [--json]``

Each file is read with :func:`~.responses.read_responses`. A file without a ``wave`` column takes
its file name (without extension) as its wave when several files are given. The table describes
the latest wave (or ``--wave``), with the change since the first wave when there are several.
``--json`` prints one JSON object: per dimension ``id, title, n, respondents, mean, median, sd,
pct_positive, pct_negative, dont_know, not_applicable, band, met_minimum`` and, with ``--by``,
``groups``: the same figures per group, or ``{"group": ..., "suppressed": true}``.

Unusable input (an unknown instrument, an unreadable file, an unknown field or wave) ends with one
plain sentence on stderr and exit status 2. Cells that could not be read are reported on stderr and
left blank; with ``--strict`` they make the command fail.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
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
    p.add_argument("--json", action="store_true", help="print one JSON object")
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
    imports = []
    parts = []
    for path in args.responses:
        try:
            imp = read_responses(path, inst)
        except ResponseFileError as exc:
            raise _Unusable(str(exc)) from None
        r = imp.responses
        if len(args.responses) > 1 and "wave" not in imp.matched_fields.values():
            frame = r.frame.assign(wave=Path(path).stem)
            r = Responses(r.instrument_id, frame, r.item_ids, r.field_ids)
        imports.append(imp)
        parts.append(r)
    return inst, Responses.combine(parts), imports


def _report_imports(imports: list[ResponseImport]) -> None:
    for imp in imports:
        name = Path(imp.source).name
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
        for w in imp.warnings:
            print(f"{name}: {w}", file=sys.stderr)


def run_score(args: argparse.Namespace) -> int:
    """Run ``score``; returns the exit status (0, or 2 for unusable input)."""
    try:
        inst, responses, imports = _load(args)
    except _Unusable as exc:
        return _fail(str(exc))
    _report_imports(imports)
    bad = sum(len(i.invalid_cells) for i in imports)
    if args.strict and bad:
        return _fail(
            f"{bad} cell(s) could not be read (see above); fix them or run without --strict."
        )
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
        result = score_review(responses, inst, settings)
    except ValueError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(result_to_json(result, inst), indent=2, ensure_ascii=False))
    else:
        print(format_table(result, inst))
    return EXIT_OK


def _num(v: Any, digits: int = 4) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, bool):
        return v
    f = float(v)
    if math.isnan(f):
        return None
    if f.is_integer() and not isinstance(v, float):
        return int(f)
    return round(f, digits)


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
            {"level": r["level"], "respondents": int(r["respondents"]), "status": r["status"]}
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
    width = max([len("Dimension")] + [len(t) for t in overall["title"]])
    head = f"{'Dimension':<{width}}  {'n':>4}  {'Mean':>4}  {'Med':>4}  {'SD':>4}  {'%pos':>4}  {'%neg':>4}  {'DK':>3}  {'N/A':>3}"
    if change:
        head += f"  {'Change':>6}"
    lines += [head + "  Band", "-" * (len(head) + 18)]
    for _, r in overall.iterrows():
        if bool(r["suppressed"]):
            lines.append(
                f"{r['title']:<{width}}  suppressed (fewer than {result.settings.min_group_size} respondents)"
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
