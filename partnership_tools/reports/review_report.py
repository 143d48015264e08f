"""The report of a saved review: what :func:`partnership_tools.reports.write.render_report` shows for a
review file (rendered with ``templates/report_review.html``, which extends ``report_base.html``).

For the instrument: its title, version, citation and licence. For each wave: the dimension
profile, the heatmap of dimensions by group (suppressed cells marked), the answers to each
statement, the dimension table with bands, the groups table, the strengths and concerns in plain
English, who took part and the free-text comments. Then the change between waves, the action plan
(with the concerns that have no action yet), and, from the base template, the verification verdict
with its SHA-256 digests and the settings.

Scores are computed again from the file's inputs (as the vote report counts its ballots again); the
verification section says whether they match what the file recorded. Every piece of text a person
typed (titles, actions, owners, comments, group names) reaches the page through Jinja2's
autoescaping or, inside charts, as SVG text drawn by vl-convert.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["review_report_context", "review_settings_table", "wave_findings"]

#: Findings shown with each wave, in this order (changes get their own section).
FINDING_GROUPS = (
    ("strength", "Strengths"),
    ("discuss", "Worth discussing"),
    ("concern", "Concerns"),
    ("gap", "Where groups see things differently"),
    ("consensus", "Where groups agree"),
    ("dont_know", "Many “don't know” answers"),
    ("not_enough", "Too few answers to judge"),
    ("coverage", "Who took part"),
)
STATUS_TEXT = {
    "covered": "covered",
    "small": "too few to show",
    "missing": "missing",
    "not_stated": "did not say",
}


def _none(v: Any) -> Any:
    """None for pandas' missing values, the value otherwise."""
    if v is None or v is pd.NA:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _none(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _suppressed_text(reason: Any, k: int) -> str:
    from partnership_tools.review.scoring import reason_text

    return reason_text(reason, k)


def review_settings_table(review: Any, result: Any) -> dict[str, str]:
    """Every setting the scores depend on, in words (the report's Settings section)."""
    inst = review.instrument
    s = result.settings
    scale = inst.scale
    points = ", ".join(f"{v} = {lab}" for v, lab in zip(scale.values, scale.labels, strict=True))
    codes = "; ".join(f"{c} = {scale.label_for(c)}" for c in scale.codes)
    labels = dict(inst.bands.labels)
    by = inst.field(s.by).label if s.by else None
    waves = list(result.waves)
    return {
        "instrument": f"{inst.title} ({inst.id}), version {inst.version}",
        "scale": points + (f"; {codes} (counted apart, never averaged)" if codes else ""),
        "positive answers": ", ".join(scale.label_for(v) for v in scale.positive),
        "bands": (
            f"{labels.get('strength', 'strength')}: mean {inst.bands.strength:g} or more; "
            f"{labels.get('discuss', 'discuss')}: {inst.bands.discuss:g} to below "
            f"{inst.bands.strength:g}; {labels.get('concern', 'concern')}: below "
            f"{inst.bands.discuss:g}"
        ),
        "dimension score": "the mean of every valid answer to its statements; reverse-worded"
        f" statements score {scale.low} + {scale.high} minus the answer; blanks are missing, never"
        " 0; a band needs the dimension's minimum number of valid answers",
        "groups compared": f"{by} ({s.by})" if by else "not compared",
        "minimum group size": f"{s.min_group_size} (smaller groups show no figures; the next"
        " smallest is hidden too when the hidden groups together are fewer)",
        "gap threshold": (
            f"{s.gap_threshold:g} point{'' if s.gap_threshold == 1 else 's'} between the highest"
            " and lowest group"
            if s.gap_threshold is not None
            else ""
        ),
        "waves scored": ", ".join(waves) if waves else "none",
        "waves compared": (
            f"{s.before or waves[0]} to {s.after or waves[-1]}" if len(waves) > 1 else "one wave"
        ),
        "findings describe": f"wave {result.focus_wave}" if result.focus_wave else "",
    }


def wave_findings(result: Any, instrument: Any, wave: str) -> list[dict[str, Any]]:
    """The plain-English findings about one wave, grouped: ``[{"kind", "heading", "texts"}]`` in
    the order of :data:`FINDING_GROUPS` (the changes between waves are left to their own section)."""
    from partnership_tools.review.narrative import describe_review

    focused = dataclasses.replace(result, settings=result.settings.replace(focus_wave=wave))
    found = describe_review(focused, instrument)
    groups = []
    for kind, heading in FINDING_GROUPS:
        texts = [f.text for f in found if f.kind == kind]
        if texts:
            groups.append({"kind": kind, "heading": heading, "texts": texts})
    return groups


def _group_table(result: Any, wave: str, k: int) -> dict[str, Any] | None:
    """Dimensions by group for one wave: each cell the mean, or why it is not shown."""
    d = result.dimensions
    d = d[d["wave"] == wave]
    groups = list(pd.unique(d["group"]))
    if len(groups) <= 1:
        return None
    rows = []
    for dim in pd.unique(d["dimension"]):
        part = d[d["dimension"] == dim]
        cells = []
        for g in groups:
            hit = part[part["group"] == g]
            if hit.empty:
                cells.append({"text": "", "status": "none"})
                continue
            r = hit.iloc[0]
            if bool(r["suppressed"]):
                cells.append(
                    {
                        "text": "suppressed",
                        "status": "suppressed",
                        "why": _suppressed_text(r["suppressed_reason"], k),
                    }
                )
            elif not bool(_none(r["met_minimum"]) or False):
                cells.append({"text": "too few answers", "status": "too_few"})
            else:
                cells.append(
                    {"text": f"{float(r['mean']):.2f}", "status": "shown", "band": r["band"]}
                )
        rows.append({"title": part["title"].iloc[0], "cells": cells})
    sizes = []
    for g in groups:
        hit = d[d["group"] == g]["group_size"].dropna()
        sizes.append(int(hit.iloc[0]) if len(hit) else None)
    return {"groups": groups, "sizes": sizes, "rows": rows}


def review_report_context(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Everything the review report shows, from a saved review file.

    Keys: ``kind`` (``"review"``), ``title``, ``review``, ``instrument``, ``result`` (scored again
    from the inputs), ``waves`` (one dict per wave: ``name``, ``respondents``, ``dimensions``,
    ``groups``, ``statements``, ``findings``, ``coverage``, ``comments``, ``charts``), ``changes``,
    ``coverage_chart``, ``actions``, ``unanswered``, ``replay``, ``record``, ``settings``,
    ``source``, ``saved_at`` (when the file was saved, from the file itself; "" in files saved
    before it was kept, whose header then gives the review's creation time as "created").
    """
    from partnership_tools.charts import review as rc
    from partnership_tools.reports.render import ReportError, inline_svg
    from partnership_tools.reports.replay import ReplayError
    from partnership_tools.reports.review_replay import load_review_record, replay_review_file
    from partnership_tools.review.scoring import OVERALL

    try:
        rec = load_review_record(path)
        replay = replay_review_file(path)
    except ReplayError as exc:
        raise ReportError(str(exc)) from None
    review = rec.review
    inst = review.instrument
    try:
        result = review.score()
    except ValueError as exc:
        raise ReportError(f"{Path(path).name} cannot be scored: {exc}") from None
    k = result.settings.min_group_size
    scale_range = (inst.scale.low, inst.scale.high)
    titles = {d.id: d.title for d in inst.dimensions}
    band_labels = dict(inst.bands.labels)
    frame = review.responses.frame

    waves = []
    for w in result.waves:
        dims = result.dimension_table(w)
        dim_rows = []
        for r in _records(dims):
            r["why"] = _suppressed_text(r.get("suppressed_reason"), k) if r["suppressed"] else ""
            dim_rows.append(r)
        items = result.items
        items = items[(items["wave"] == w) & (items["group"] == OVERALL)]
        item_rows = _records(items)
        for r in item_rows:
            r["dimension_title"] = titles.get(r["dimension"], r["dimension"])
        charts = [
            (
                "Dimension profile: each dimension's mean, coloured by band",
                inline_svg(rc.profile_chart(result.dimensions, wave=w, scale_range=scale_range)),
            )
        ]
        if result.settings.by:
            charts.append(
                (
                    "Dimensions by group (grey cells are suppressed to protect anonymity)",
                    inline_svg(
                        rc.group_heatmap_chart(result.dimensions, wave=w, scale_range=scale_range)
                    ),
                )
            )
        if not items.empty and not bool(items["suppressed"].all()):
            charts.append(
                (
                    "Answers to each statement (reverse-worded statements as scored)",
                    inline_svg(rc.diverging_items_chart(result.distribution, wave=w)),
                )
            )
        cov = []
        if result.coverage is not None:
            t = result.coverage.table
            for r in _records(t[t["wave"] == w]):
                r["status_text"] = STATUS_TEXT.get(r["status"], r["status"])
                cov.append(r)
        in_wave = frame[frame["wave"] == w]
        comments = [c.strip() for c in in_wave["comments"] if str(c).strip()]
        waves.append(
            {
                "name": w,
                "respondents": int(len(in_wave)),
                "dimensions": dim_rows,
                "groups": _group_table(result, w, k),
                "statements": item_rows,
                "findings": wave_findings(result, inst, w),
                "coverage": cov,
                "comments": comments,
                "charts": charts,
            }
        )

    changes = []
    c = result.changes
    if len(c):
        for (before, after), part in c.groupby(["before", "after"], sort=False):
            overall = part[part["group"] == OVERALL]
            texts = [f.text for f in result.findings if f.kind == "change" and f.wave == after]
            changes.append(
                {
                    "before": before,
                    "after": after,
                    "rows": [
                        {
                            **r,
                            "band_before_label": band_labels.get(r["band_before"] or "", ""),
                            "band_after_label": band_labels.get(r["band_after"] or "", ""),
                        }
                        for r in _records(overall)
                    ],
                    "texts": texts,
                    "chart": inline_svg(rc.wave_change_chart(part)),
                }
            )
    coverage_chart = None
    if result.coverage is not None and len(result.coverage.table):
        coverage_chart = inline_svg(rc.coverage_chart(result.coverage.table))

    actions = [
        {**a.to_dict(), "dimension_title": titles.get(a.dimension, a.dimension)}
        for a in review.action_plan
    ]
    unanswered = []
    if result.waves:
        unanswered = [
            titles.get(d, d) for d in review.action_plan.without_action(result, ("concern",))
        ]
    return {
        "kind": "review",
        "title": review.title or inst.title,
        "review": review,
        "instrument": inst,
        "result": result,
        "waves": waves,
        "changes": changes,
        "coverage_chart": coverage_chart,
        "actions": actions,
        "unanswered": unanswered,
        "focus_wave": result.focus_wave,
        "replay": replay,
        "record": rec.record,
        "settings": review_settings_table(review, result),
        "source": Path(path).name,
        "saved_at": review.saved_at,
    }
