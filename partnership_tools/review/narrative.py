"""Strengths, concerns and other findings of a review, in plain English.

Each :class:`Finding` is one sentence or two about one dimension (or about who took part), with a
``kind``: ``strength``, ``discuss``, ``concern``, ``not_enough`` (too few valid answers for a band),
``dont_know`` (many "don't know" answers), ``gap`` (groups see it differently), ``consensus``
(groups see it alike), ``change`` (between waves) or ``coverage`` (who took part).
Gaps are put as something to talk through, not as a verdict.

>>> f = Finding("strength", "Purposes is a strength.", dimension="purposes", wave="1")
>>> Finding.from_dict(f.to_dict()) == f
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from partnership_tools.kernel.serial import converter, to_data
from partnership_tools.review.instrument import Instrument
from partnership_tools.review.settings import ReviewSettings

__all__ = ["DONT_KNOW_SHARE", "Finding", "concerns", "describe_review", "strengths"]

#: A dimension gets a ``dont_know`` finding when at least this share of its answers are "don't know".
DONT_KNOW_SHARE = 0.2
#: Views count as widely spread when the standard deviation is at least this.
WIDE_SD = 1.2

KINDS = (
    "strength",
    "discuss",
    "concern",
    "not_enough",
    "dont_know",
    "gap",
    "consensus",
    "change",
    "coverage",
)


class _Coverage(Protocol):
    def warnings_for(self, wave: str) -> tuple[str, ...]: ...


class ScoredReview(Protocol):
    """What the findings are written from: the shape of
    :class:`partnership_tools.review.scoring.ReviewResult`, named here so that this module does not
    import the scoring package (scoring uses narrative, never the other way round)."""

    @property
    def focus_wave(self) -> str | None: ...

    @property
    def settings(self) -> ReviewSettings: ...

    @property
    def dimensions(self) -> pd.DataFrame: ...

    @property
    def gaps(self) -> pd.DataFrame: ...

    @property
    def changes(self) -> pd.DataFrame: ...

    @property
    def coverage(self) -> _Coverage | None: ...

    @property
    def strengths(self) -> tuple[Finding, ...]: ...

    @property
    def concerns(self) -> tuple[Finding, ...]: ...


@dataclass(frozen=True)
class Finding:
    """One plain-English finding."""

    kind: str
    text: str
    dimension: str | None = None
    wave: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Finding:
        return converter.structure(d, cls)


def _words(instrument: Instrument, values: tuple[int, ...]) -> str:
    labels = [instrument.scale.label_for(v).lower() for v in values]
    return " or ".join(labels)


def _level(group: str) -> str:
    return str(group).lower()


def _dimension_findings(
    row: pd.Series, instrument: Instrument, wave: str, min_group_size: int = 5
) -> list[Finding]:
    title = row["title"]
    dim = row["dimension"]
    high = instrument.scale.high
    if bool(row.get("suppressed", False)):  # hidden: say so, never drop it silently
        from partnership_tools.review.reasons import reason_text

        why = reason_text(row.get("suppressed_reason"), min_group_size)
        return [Finding("not_enough", f"{title} is not shown: {why}.", dim, wave)]
    if not bool(row["met_minimum"]):
        return [
            Finding(
                "not_enough",
                f"{title} has too few valid answers to judge ({int(row['n'])}, where "
                f"{int(row['min_valid_answers'])} are needed).",
                dim,
                wave,
            )
        ]
    if pd.isna(row["band"]):  # below every band's cut point: no band to describe
        return []
    mean, pos, neg = float(row["mean"]), float(row["pct_positive"]), float(row["pct_negative"])
    pos_w = _words(instrument, instrument.scale.positive)
    band = row["band"]
    label = row["band_label"]
    neg_w = _words(instrument, instrument.scale.negative)
    split = f"{pos:.0f}% of answers were positive ({pos_w}) and {neg:.0f}% negative ({neg_w})"
    if band == "strength":
        text = f"{title} stands out as a strength: it averages {mean:.1f} out of {high}; {split}."
    elif band == "concern":
        text = f"{title} is a concern: it averages {mean:.1f} out of {high}; {split}."
    else:
        text = f"{title} is worth discussing: it averages {mean:.1f} out of {high}; {split}."
    if label and label.lower() not in ("strength", "concern", "worth discussing"):
        text += f" (Band: {label}.)"
    sd = row["sd"]
    if pd.notna(sd) and float(sd) >= WIDE_SD:
        text += f" Views are widely spread (standard deviation {float(sd):.1f}), so it may mean different things to different people."
    out = [Finding(str(band), text, dim, wave)]
    answers = int(row["n"]) + int(row["dont_know"]) + int(row["not_applicable"])
    if answers and int(row["dont_know"]) / answers >= DONT_KNOW_SHARE:
        dk = instrument.scale.dont_know_label.lower()
        out.append(
            Finding(
                "dont_know",
                f"{int(row['dont_know'])} of {answers} answers on {title} were \u201c{dk}\u201d "
                f"({100 * int(row['dont_know']) / answers:.0f}%): people may need to hear more about it.",
                dim,
                wave,
            )
        )
    return out


def describe_review(result: ScoredReview, instrument: Instrument) -> tuple[Finding, ...]:
    """All findings for the result's focus wave, in this order: strengths (best first), things to
    discuss, concerns (worst first), too few answers, "don't know", gaps, consensus, changes, coverage."""
    wave = result.focus_wave
    if wave is None:
        return ()
    out: list[Finding] = []
    d = result.dimensions
    overall = d[(d["wave"] == wave) & d["overall"].astype(bool)]
    if len(overall) and (overall["suppressed_reason"] == "small_total").all():
        k = result.settings.min_group_size
        return (
            Finding(
                "coverage",
                f"Fewer than {k} people answered in {wave}, so no figures are shown.",
                None,
                wave,
            ),
        )
    per_dim = [
        f
        for _, row in overall.iterrows()
        for f in _dimension_findings(row, instrument, wave, result.settings.min_group_size)
    ]
    mean_of = dict(zip(overall["dimension"], overall["mean"], strict=True))
    for kind, best_first in (
        ("strength", True),
        ("discuss", True),
        ("concern", False),
        ("not_enough", True),
        ("dont_know", True),
    ):
        chosen = [f for f in per_dim if f.kind == kind]
        if kind in ("strength", "discuss", "concern"):
            chosen.sort(key=lambda f: mean_of.get(f.dimension, 0), reverse=best_first)
        out += chosen

    g = result.gaps
    g = g[g["wave"] == wave] if len(g) else g
    for _, row in g.iterrows():
        if bool(row["flagged"]):
            out.append(
                Finding(
                    "gap",
                    f"Groups see {row['title']} differently: those speaking as {_level(row['highest_group'])} average "
                    f"{row['highest_mean']:.1f}, those speaking as {_level(row['lowest_group'])} {row['lowest_mean']:.1f} "
                    f"(a gap of {row['gap']:.1f} points). Worth talking through together, not a verdict on anyone.",
                    row["dimension"],
                    wave,
                )
            )
    for _, row in g.iterrows():
        if (
            pd.notna(row["gap"])
            and int(row["groups_compared"]) >= 2
            and float(row["gap"]) < float(row["threshold"]) / 2
        ):
            out.append(
                Finding(
                    "consensus",
                    f"The {int(row['groups_compared'])} groups compared see {row['title']} much the same way "
                    f"(their averages lie within {row['gap']:.1f} points of each other).",
                    row["dimension"],
                    wave,
                )
            )

    c = result.changes
    if len(c):
        c = c[c["overall"].astype(bool) & ~c["suppressed"].astype(bool) & c["change"].notna()]
        c = c.reindex(c["change"].abs().sort_values(ascending=False).index)
        labels = dict(instrument.bands.labels)
        for _, row in c.iterrows():
            if row["direction"] == "steady":
                continue
            verb = "rose" if row["direction"] == "up" else "fell"
            text = (
                f"{row['title']} {verb} from {row['mean_before']:.1f} in {row['before']} "
                f"to {row['mean_after']:.1f} in {row['after']}."
            )
            if pd.notna(row["band_after"]) and row["band_after"] != row["band_before"]:
                text += (
                    f" It is now rated {labels.get(row['band_after'], row['band_after']).lower()}."
                )
            out.append(Finding("change", text, row["dimension"], row["after"]))
    if result.coverage is not None:
        for w in result.coverage.warnings_for(wave):
            out.append(Finding("coverage", w, None, wave))
    return tuple(out)


def strengths(result: ScoredReview) -> tuple[Finding, ...]:
    """The strengths of the focus wave, best first."""
    return result.strengths


def concerns(result: ScoredReview) -> tuple[Finding, ...]:
    """The concerns of the focus wave, worst first."""
    return result.concerns
