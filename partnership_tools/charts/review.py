"""Charts of a partnership review. Each ``*_frame`` helper shapes one of the long-form tables of
:func:`partnership_tools.review.score_review` for drawing; each ``*_chart`` function takes such a
table and returns an Altair chart with explicit encoding types and the house theme.

* :func:`diverging_items_chart`: one diverging stacked bar per item, with "don't know" and "not
  applicable" in a panel of their own;
* :func:`group_heatmap_chart`: dimensions by group, suppressed cells greyed and labelled;
* :func:`profile_chart`: the dimension means, coloured by band;
* :func:`wave_change_chart`: the change in each dimension between two waves;
* :func:`coverage_chart`: how many respondents spoke for each level of the vertical slice.

What people typed (group names, item wording) travels as data, never as markup.

>>> from partnership_tools.review import load_instrument, Responses, score_review
>>> inst = load_instrument("partnership_cycle")
>>> r = Responses.from_records(inst, [{"de1": v, "level": "Manager"} for v in (1, 2, 4, 5, 5)])
>>> chart = profile_chart(score_review(r, inst).dimensions)
>>> chart.to_dict()["mark"]["type"], chart.to_dict()["encoding"]["x"]["type"]
('bar', 'quantitative')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from partnership_tools.charts.theme import (
    ACCENT,
    BAND_COLOURS,
    DIVERGING,
    LEGEND_ORIENT,
    MUTED,
    SUPPRESSED_COLOUR,
    THRESHOLD_COLOUR,
    count_axis,
    use_house_theme,
)
from partnership_tools.review.instrument import BAND_KEYS, DEFAULT_BAND_LABELS

__all__ = [
    "ANSWERS_PANEL",
    "NO_VIEW_PANEL",
    "coverage_chart",
    "diverging_frame",
    "diverging_items_chart",
    "group_heatmap_chart",
    "heatmap_frame",
    "profile_chart",
    "profile_frame",
    "wave_change_chart",
]

OVERALL = "All respondents"  # the same label as partnership_tools.review.OVERALL
ANSWERS_PANEL = "Answers"
NO_VIEW_PANEL = "Don't know / not applicable"
SUPPRESSED_TEXT = "suppressed"
TOO_FEW_TEXT = "too few answers"
_NO_VIEW_COLOURS = ["#969696", "#CCCCCC"]
_BAND_ORDER = BAND_KEYS
_DEFAULT_BAND_LABELS = DEFAULT_BAND_LABELS


def _pick_wave(df: pd.DataFrame, wave: str | None, column: str = "wave") -> str | None:
    if df.empty:
        return wave
    waves = list(pd.unique(df[column]))
    if wave is None:
        return waves[-1]
    if wave not in waves:
        raise ValueError(
            f"There is no wave {wave!r} in the table; its waves are: {', '.join(waves)}."
        )
    return wave


def diverging_colours(k: int) -> list[str]:
    """``k`` colours from the house diverging scale, most negative first.

    >>> diverging_colours(5) == DIVERGING, len(diverging_colours(7))
    (True, 7)
    """
    if k == len(DIVERGING):
        return list(DIVERGING)
    idx = np.linspace(0, len(DIVERGING) - 1, k)
    return [DIVERGING[int(round(i))] for i in idx]


# -- diverging stacked bars ----------------------------------------------------------------------
def diverging_frame(
    distribution: pd.DataFrame, wave: str | None = None, group: str = OVERALL
) -> pd.DataFrame:
    """Segments of a diverging stacked bar per item, from :func:`~partnership_tools.review.item_distribution`.

    Scale answers are laid out around 0 in scored order: the less favourable half to the left, the
    more favourable to the right, a middle point (on an odd scale) split across 0. ``start``/``end``
    are percentages of valid answers. "Don't know" and "not applicable" go in the panel
    :data:`NO_VIEW_PANEL`, from 0, as percentages of all answers.

    >>> d = pd.DataFrame({"wave": "1", "group": OVERALL, "item": "a", "text": "A",
    ...     "kind": ["scale"] * 3 + ["dont_know"], "position": [0, 1, 2, 3],
    ...     "scored_label": ["No", "Maybe", "Yes", "DK"], "answer_label": ["No", "Maybe", "Yes", "DK"],
    ...     "count": [1, 2, 1, 1], "pct_of_valid": [25.0, 50.0, 25.0, None],
    ...     "pct_of_answers": [20.0, 40.0, 20.0, 20.0], "suppressed": False})
    >>> diverging_frame(d)[["label", "start", "end", "panel"]].values.tolist()
    [['No', -50.0, -25.0, 'Answers'], ['Maybe', -25.0, 25.0, 'Answers'], ['Yes', 25.0, 50.0, 'Answers'], ['DK', 0.0, 20.0, "Don't know / not applicable"]]
    """
    cols = [
        "item",
        "item_label",
        "label",
        "answer_label",
        "position",
        "count",
        "pct",
        "start",
        "end",
        "panel",
    ]
    w = _pick_wave(distribution, wave)
    d = distribution[(distribution["wave"] == w) & (distribution["group"] == group)]
    d = d[~d["suppressed"].astype(bool)].copy()
    if d.empty:
        return pd.DataFrame(columns=cols)
    scale = d[d["kind"] == "scale"].copy()
    k = int(scale["position"].max()) + 1 if len(scale) else 0
    mid = (k - 1) / 2
    scale["pct"] = scale["pct_of_valid"].astype(float).fillna(0.0)
    left_share = np.where(
        scale["position"] < mid,
        scale["pct"],
        np.where(scale["position"] == mid, scale["pct"] / 2, 0.0),
    )
    scale["_left"] = left_share
    scale = scale.sort_values(["item", "position"], kind="stable")
    left_total = scale.groupby("item", sort=False)["_left"].transform("sum")
    before = scale.groupby("item", sort=False)["pct"].cumsum() - scale["pct"]
    scale["start"] = before - left_total
    scale["end"] = scale["start"] + scale["pct"]
    scale["panel"] = ANSWERS_PANEL
    other = d[d["kind"] != "scale"].copy()
    other["pct"] = other["pct_of_answers"].astype(float).fillna(0.0)
    other["start"] = 0.0
    other["end"] = other["pct"]
    other["panel"] = NO_VIEW_PANEL
    out = pd.concat([scale, other], ignore_index=True)
    out["item_label"] = out["text"].astype(str) if "text" in out else out["item"].astype(str)
    if "reverse" in out:
        out.loc[out["reverse"].astype(bool), "item_label"] = out["item_label"] + " (reverse-worded)"
    out["label"] = out["scored_label"]
    order = {item: i for i, item in enumerate(pd.unique(d["item"]))}
    out["_o"] = out["item"].map(order)
    out = out.sort_values(["_o", "panel", "position"], kind="stable")
    out["count"] = out["count"].astype("Int64")
    return out[cols].reset_index(drop=True)


def diverging_items_chart(
    distribution: pd.DataFrame, wave: str | None = None, group: str = OVERALL, width: int = 360
) -> alt.Chart:
    """One diverging stacked bar per item (scored answers, favourable to the right), with "don't
    know" and "not applicable" shown apart in a second panel. Takes the ``distribution`` table."""
    use_house_theme()
    data = diverging_frame(distribution, wave, group)
    scale_labels = list(pd.unique(data.loc[data["panel"] == ANSWERS_PANEL, "label"]))
    other_labels = list(pd.unique(data.loc[data["panel"] == NO_VIEW_PANEL, "label"]))
    domain = scale_labels + other_labels
    colours = diverging_colours(len(scale_labels)) + _NO_VIEW_COLOURS[: len(other_labels)]
    order = list(pd.unique(data["item_label"]))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("start:Q", title="% of answers", axis=alt.Axis(format="~s")),
            x2=alt.X2("end:Q"),
            # Statements are long: give them room rather than cutting them off early.
            y=alt.Y("item_label:N", sort=order, title=None, axis=alt.Axis(labelLimit=420)),
            color=alt.Color(
                "label:N",
                scale=alt.Scale(domain=domain, range=colours),
                sort=domain,
                legend=alt.Legend(title="Answer (as scored)", orient=LEGEND_ORIENT),
            ),
            order=alt.Order("position:Q"),
            column=alt.Column("panel:N", sort=[ANSWERS_PANEL, NO_VIEW_PANEL], title=None),
            tooltip=[
                alt.Tooltip("item_label:N", title="Item"),
                alt.Tooltip("answer_label:N", title="Answer given"),
                alt.Tooltip("count:Q", title="Answers", format="d"),
                alt.Tooltip("pct:Q", title="%", format=".0f"),
            ],
        )
        .resolve_scale(x="independent")
        .properties(width=width, title=f"Answers to each statement ({group})")
    )


# -- heatmap of dimensions by group ------------------------------------------------------------------
def heatmap_frame(dimensions: pd.DataFrame, wave: str | None = None) -> pd.DataFrame:
    """One cell per (dimension, group) of a wave: ``mean`` (None when hidden), the counts ``n``,
    ``dont_know`` and ``not_applicable``, ``cell_text`` (the mean to one decimal, ``"suppressed"``
    or ``"too few answers"``) and ``status``."""
    w = _pick_wave(dimensions, wave)
    d = dimensions[dimensions["wave"] == w].copy()
    supp = d["suppressed"].astype(bool)
    met = d["met_minimum"].fillna(False).astype(bool)
    d["status"] = np.where(supp, "suppressed", np.where(met, "shown", "too_few"))
    d["mean"] = d["mean"].where(d["status"] == "shown")
    d["cell_text"] = [
        SUPPRESSED_TEXT if s == "suppressed" else (TOO_FEW_TEXT if s == "too_few" else f"{m:.1f}")
        for s, m in zip(d["status"], d["mean"], strict=True)
    ]
    cols = ["dimension", "title", "group", "overall", "mean", "n", "dont_know", "not_applicable"]
    return d[[*cols, "cell_text", "status"]].reset_index(drop=True)


def group_heatmap_chart(
    dimensions: pd.DataFrame, wave: str | None = None, scale_range: Sequence[float] = (1, 5)
) -> alt.LayerChart:
    """Dimension-by-group heatmap of means, the overall column first. Suppressed cells are grey and
    say "suppressed"; cells with too few valid answers say so."""
    use_house_theme()
    data = heatmap_frame(dimensions, wave)
    low, high = float(scale_range[0]), float(scale_range[-1])
    groups = list(pd.unique(data["group"]))
    titles = list(pd.unique(data["title"]))
    base = alt.Chart(data).encode(
        x=alt.X("group:N", sort=groups, title=None, axis=alt.Axis(labelAngle=-30, orient="top")),
        y=alt.Y("title:N", sort=titles, title=None),
    )
    shown = (
        base.transform_filter(alt.datum.status == "shown")
        .mark_rect()
        .encode(
            color=alt.Color(
                "mean:Q",
                scale=alt.Scale(
                    domain=[low, (low + high) / 2, high],
                    range=[DIVERGING[0], DIVERGING[2], DIVERGING[-1]],
                ),
                legend=alt.Legend(title="Mean", orient=LEGEND_ORIENT),
            ),
            tooltip=[
                alt.Tooltip("title:N", title="Dimension"),
                alt.Tooltip("group:N", title="Group"),
                alt.Tooltip("mean:Q", title="Mean", format=".2f"),
                alt.Tooltip("n:Q", title="Valid answers", format="d"),
                alt.Tooltip("dont_know:Q", title="Don't know", format="d"),
                alt.Tooltip("not_applicable:Q", title="Not applicable", format="d"),
            ],
        )
    )
    hidden = (
        base.transform_filter(alt.datum.status != "shown")
        .mark_rect(color=SUPPRESSED_COLOUR)
        .encode(tooltip=[alt.Tooltip("cell_text:N", title="Not shown")])
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("cell_text:N"),
        color=alt.condition(
            alt.datum.status == "shown", alt.value("#1F2933"), alt.value("#52606D")
        ),
    )
    return alt.layer(shown, hidden, text).properties(
        title="Dimensions by group", width=alt.Step(88)
    )


# -- profile of dimension means --------------------------------------------------------------------
def profile_frame(
    dimensions: pd.DataFrame, wave: str | None = None, group: str = OVERALL, scale_low: float = 1
) -> pd.DataFrame:
    """The dimension rows of one wave and group, with ``band_name`` (the band's label, or "Too few
    answers") and ``base`` (the bottom of the scale, where each bar starts), and the counts of
    "don't know" and "not applicable" answers. Hidden rows are dropped."""
    w = _pick_wave(dimensions, wave)
    d = dimensions[(dimensions["wave"] == w) & (dimensions["group"] == group)]
    d = d[~d["suppressed"].astype(bool)].copy()
    met = d["met_minimum"].fillna(False).astype(bool)
    d["band_name"] = np.where(met, d["band_label"].astype(object), "Too few answers")
    d["base"] = float(scale_low)
    return d[
        [
            "dimension",
            "title",
            "n",
            "dont_know",
            "not_applicable",
            "mean",
            "sd",
            "pct_positive",
            "band",
            "band_name",
            "base",
        ]
    ].reset_index(drop=True)


def _band_scale(data: pd.DataFrame) -> alt.Scale:
    labels = {}
    for key in _BAND_ORDER:
        hit = data.loc[data["band"] == key, "band_name"]
        labels[key] = str(hit.iloc[0]) if len(hit) else _DEFAULT_BAND_LABELS[key]
    domain = [labels[k] for k in _BAND_ORDER] + ["Too few answers"]
    colours = [BAND_COLOURS[k] for k in _BAND_ORDER] + [MUTED]
    return alt.Scale(domain=domain, range=colours)


def profile_chart(
    dimensions: pd.DataFrame,
    wave: str | None = None,
    group: str = OVERALL,
    scale_range: Sequence[float] = (1, 5),
) -> alt.Chart:
    """A bar per dimension from the bottom of the scale to its mean, coloured by band."""
    use_house_theme()
    low, high = float(scale_range[0]), float(scale_range[-1])
    data = profile_frame(dimensions, wave, group, low)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("mean:Q", title="Mean", scale=alt.Scale(domain=[low, high], zero=False)),
            x2=alt.X2("base:Q"),
            y=alt.Y("title:N", sort=list(data["title"]), title=None),
            color=alt.Color(
                "band_name:N",
                scale=_band_scale(data),
                legend=alt.Legend(title="Band", orient=LEGEND_ORIENT),
            ),
            tooltip=[
                alt.Tooltip("title:N", title="Dimension"),
                alt.Tooltip("mean:Q", title="Mean", format=".2f"),
                alt.Tooltip("sd:Q", title="SD", format=".2f"),
                alt.Tooltip("pct_positive:Q", title="% positive", format=".0f"),
                alt.Tooltip("n:Q", title="Valid answers", format="d"),
                alt.Tooltip("dont_know:Q", title="Don't know", format="d"),
                alt.Tooltip("not_applicable:Q", title="Not applicable", format="d"),
                alt.Tooltip("band_name:N", title="Band"),
            ],
        )
        .properties(title=f"Dimension profile ({group})")
    )


# -- change between waves --------------------------------------------------------------------------
def wave_change_chart(changes: pd.DataFrame, group: str = OVERALL) -> alt.Chart:
    """The change in each dimension's mean between two waves (from :func:`~partnership_tools.review.compare_waves`),
    as bars left (down) or right (up) of zero. Suppressed rows are left out."""
    use_house_theme()
    d = changes[(changes["group"] == group) & ~changes["suppressed"].astype(bool)].copy()
    d = d[d["change"].notna()]
    d["direction_label"] = d["direction"].map({"up": "Up", "down": "Down", "steady": "Steady"})
    before = str(d["before"].iloc[0]) if len(d) else ""
    after = str(d["after"].iloc[0]) if len(d) else ""
    data = d[
        ["dimension", "title", "mean_before", "mean_after", "change", "direction_label"]
    ].reset_index(drop=True)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("change:Q", title=f"Change in mean, {before} to {after}"),
            y=alt.Y("title:N", sort=list(data["title"]), title=None),
            color=alt.Color(
                "direction_label:N",
                scale=alt.Scale(
                    domain=["Up", "Steady", "Down"],
                    range=[BAND_COLOURS["strength"], MUTED, BAND_COLOURS["concern"]],
                ),
                legend=alt.Legend(title="Change", orient=LEGEND_ORIENT),
            ),
            tooltip=[
                alt.Tooltip("title:N", title="Dimension"),
                alt.Tooltip("mean_before:Q", title=before or "Before", format=".2f"),
                alt.Tooltip("mean_after:Q", title=after or "After", format=".2f"),
                alt.Tooltip("change:Q", title="Change", format="+.2f"),
            ],
        )
        .properties(title=f"Change between waves ({group})")
    )


# -- coverage of the vertical slice ----------------------------------------------------------------------
def coverage_chart(coverage_table: pd.DataFrame) -> alt.LayerChart:
    """Respondents per level of the vertical slice, one bar per wave; a level nobody spoke for is
    labelled "missing" and one below the minimum group size "too few to show"; a level whose number
    is withheld (blank ``respondents``: small, or hidden to protect a small one) has no bar and
    says so, never its size. Takes ``Coverage.table``."""
    use_house_theme()
    d = coverage_table.copy()
    d["status_label"] = d["status"].map(
        {
            "covered": "Covered",
            "small": "Too few to show",
            "hidden": "Not shown",
            "missing": "Missing",
            "not_stated": "Not stated",
        }
    )

    def label(wave: str, status: str, n: Any) -> str:
        if status == "missing":
            return f"{wave}: missing"
        if pd.isna(n):
            return f"{wave}: " + (
                "too few to show" if status == "small" else "not shown, to protect a smaller group"
            )
        return f"{wave}: {n} (too few to show)" if status == "small" else f"{wave}: {n}"

    d["label"] = [
        label(w, s, n) for w, s, n in zip(d["wave"], d["status"], d["respondents"], strict=True)
    ]
    d["label_at"] = d["respondents"].astype("Float64").fillna(0).astype(float)
    top = d["respondents"].max() if len(d) else 0
    top = 0 if pd.isna(top) else int(top)
    levels = list(pd.unique(d["level"]))
    waves = list(pd.unique(d["wave"]))
    base = alt.Chart(d).encode(
        y=alt.Y("level:N", sort=levels, title=None),
        yOffset=alt.YOffset("wave:N", sort=waves),
    )
    bars = base.mark_bar().encode(
        x=alt.X(
            "respondents:Q",
            title="Respondents",
            axis=count_axis(top),
        ),
        color=alt.Color(
            "status_label:N",
            scale=alt.Scale(
                domain=["Covered", "Too few to show", "Not shown", "Missing", "Not stated"],
                range=[ACCENT, THRESHOLD_COLOUR, MUTED, BAND_COLOURS["concern"], MUTED],
            ),
            legend=alt.Legend(title="Coverage", orient=LEGEND_ORIENT),
        ),
        tooltip=[
            alt.Tooltip("wave:N", title="Wave"),
            alt.Tooltip("level:N", title="Level"),
            alt.Tooltip("respondents:Q", title="Respondents", format="d"),
            alt.Tooltip("share:Q", title="% of wave", format=".0f"),
        ],
    )
    text = base.mark_text(align="left", dx=4, fontSize=11).encode(
        x=alt.X("label_at:Q"),
        text=alt.Text("label:N"),
        detail=alt.Detail("wave:N"),
    )
    return alt.layer(bars, text).properties(title="Who took part: the vertical slice")
