"""The review charts, tested through ``to_dict()``: marks, encodings and the data they carry."""

from __future__ import annotations

import altair as alt
import pytest

from partnership_tools.charts.review import (
    ANSWERS_PANEL,
    NO_VIEW_PANEL,
    coverage_chart,
    diverging_frame,
    diverging_items_chart,
    group_heatmap_chart,
    profile_chart,
    wave_change_chart,
)
from partnership_tools.charts.theme import BAND_COLOURS, DIVERGING, SUPPRESSED_COLOUR
from partnership_tools.review import Responses, score_review


@pytest.fixture(scope="module")
def result(ten, sample):
    return score_review(sample, ten, by="level")


def _data(spec: dict) -> list[dict]:
    (values,) = spec["datasets"].values()
    return values


def test_diverging_items_chart(result, ten):
    chart = diverging_items_chart(result.distribution)
    assert isinstance(chart, alt.Chart)
    spec = chart.to_dict()
    assert spec["mark"]["type"] == "bar"
    enc = spec["encoding"]
    assert (enc["x"]["field"], enc["x"]["type"], enc["x2"]["field"]) == (
        "start",
        "quantitative",
        "end",
    )
    assert enc["y"]["type"] == "nominal" and enc["color"]["type"] == "nominal"
    assert enc["column"]["field"] == "panel" and enc["column"]["sort"] == [
        ANSWERS_PANEL,
        NO_VIEW_PANEL,
    ]
    assert enc["color"]["scale"]["domain"][:5] == list(ten.scale.labels)
    assert enc["color"]["scale"]["range"][:5] == DIVERGING
    rows = _data(spec)
    answers = [r for r in rows if r["panel"] == ANSWERS_PANEL]
    # per item the bar spans 100% of valid answers, split around 0
    for item in {r["item"] for r in answers}:
        seg = sorted((r for r in answers if r["item"] == item), key=lambda r: r["position"])
        assert seg[-1]["end"] - seg[0]["start"] == pytest.approx(100)
        assert all(
            a["end"] == pytest.approx(b["start"]) for a, b in zip(seg, seg[1:], strict=False)
        )
    dk = [r for r in rows if r["panel"] == NO_VIEW_PANEL]
    assert dk and all(r["start"] == 0 for r in dk)
    assert any("(reverse-worded)" in r["item_label"] for r in rows)


def test_diverging_frame_middle_point_is_split(tiny):
    r = Responses.from_records(
        tiny, [{"level": "P", "a1": v} for v in (1, 3, 3, 5)] + [{"level": "P", "a1": 8}]
    )
    res = score_review(r, tiny, min_group_size=1)
    f = diverging_frame(res.distribution).query("item == 'a1'").set_index("label")
    # 1: 25%, 3: 50% split 25/25 around 0, 5: 25%  -> -50..-25, -25..25, 25..50
    assert (f.loc["Strongly disagree", "start"], f.loc["Strongly disagree", "end"]) == (-50, -25)
    assert (
        f.loc["Neither agree nor disagree", "start"],
        f.loc["Neither agree nor disagree", "end"],
    ) == (-25, 25)
    assert f.loc["Don't know", "end"] == 20.0 and f.loc["Don't know", "panel"] == NO_VIEW_PANEL


def test_heatmap_marks_suppressed_cells(tiny):
    recs = [
        {"wave": "w", "level": lev, "a1": 4, "b1": 4}
        for lev, n in (("P", 3), ("M", 6), ("F", 7))
        for _ in range(n)
    ]
    res = score_review(Responses.from_records(tiny, recs), tiny, by="level")
    chart = group_heatmap_chart(res.dimensions)
    assert isinstance(chart, alt.LayerChart)
    spec = chart.to_dict()
    marks = [
        layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        for layer in spec["layer"]
    ]
    assert marks == ["rect", "rect", "text"]
    assert spec["layer"][1]["mark"]["color"] == SUPPRESSED_COLOUR
    assert spec["layer"][0]["encoding"]["color"]["type"] == "quantitative"
    rows = _data(spec)
    cells = {(r["title"], r["group"]): r["cell_text"] for r in rows}
    assert cells[("Alpha", "P")] == "suppressed" and cells[("Alpha", "M")] == "suppressed"
    assert cells[("Alpha", "F")] == "4.0"
    assert all(r["mean"] is None for r in rows if r["status"] == "suppressed")


def test_profile_chart_colours_by_band(result):
    spec = profile_chart(result.dimensions).to_dict()
    assert spec["mark"]["type"] == "bar"
    enc = spec["encoding"]
    assert (
        enc["x"]["field"] == "mean"
        and enc["x"]["scale"]["domain"] == [1.0, 5.0]
        and enc["x2"]["field"] == "base"
    )
    assert enc["color"]["scale"]["domain"] == [
        "Strength",
        "Worth discussing",
        "Concern",
        "Too few answers",
    ]
    assert enc["color"]["scale"]["range"][:3] == [
        BAND_COLOURS[k] for k in ("strength", "discuss", "concern")
    ]
    rows = _data(spec)
    assert len(rows) == 10
    people = next(r for r in rows if r["dimension"] == "people")
    assert people["band_name"] == "Concern" and people["base"] == 1.0


def test_wave_change_chart(result):
    spec = wave_change_chart(result.changes).to_dict()
    assert spec["mark"]["type"] == "bar" and spec["encoding"]["x"]["field"] == "change"
    assert spec["encoding"]["x"]["title"] == "Change in mean, phase one to phase two"
    rows = {r["dimension"]: r for r in _data(spec)}
    assert rows["public_private"]["direction_label"] == "Up"
    assert rows["public_private"]["change"] == pytest.approx(
        rows["public_private"]["mean_after"] - rows["public_private"]["mean_before"]
    )


def test_coverage_chart_shows_missing_levels(tiny):
    recs = [{"wave": "w", "level": "P", "a1": 4}] * 6 + [{"wave": "w", "level": "M", "a1": 4}] * 2
    res = score_review(Responses.from_records(tiny, recs), tiny)
    spec = coverage_chart(res.coverage.table).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "text"]
    labels = {r["level"]: r["label"] for r in _data(spec)}
    # M (2) is below 5; hiding it alone would let 8 - 6 give its size, so P's is withheld too.
    assert labels == {
        "P": "w: not shown, to protect a smaller group",
        "M": "w: too few to show",
        "F": "w: missing",
        "C": "w: missing",
    }
    assert "6" not in " ".join(labels.values()) and "2" not in " ".join(labels.values())
    # Files saved under the per-table rule still draw every count.
    old = score_review(Responses.from_records(tiny, recs), tiny, disclosure="per_table")
    labels = {r["level"]: r["label"] for r in _data(coverage_chart(old.coverage.table).to_dict())}
    assert labels["P"] == "w: 6" and labels["M"] == "w: 2 (too few to show)"


# -- counts of people are whole numbers; legends never beside bar-end labels ----------------------
def _legends(node, found=None) -> list[dict]:
    """Every legend definition in a chart spec (nested layers and encodings included)."""
    found = [] if found is None else found
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "legend" and isinstance(v, dict):
                found.append(v)
            else:
                _legends(v, found)
    elif isinstance(node, list):
        for v in node:
            _legends(v, found)
    return found


def _small_coverage(tiny):
    # at most 2 respondents per level: a default axis would tick at 0.2, 0.4, ...
    recs = [{"wave": "w", "level": lev, "a1": 4} for lev in ("P", "P", "M", "F", "C")]
    return score_review(Responses.from_records(tiny, recs), tiny, min_group_size=1)


def test_coverage_axis_counts_whole_people(tiny):
    spec = coverage_chart(_small_coverage(tiny).coverage.table).to_dict()
    axis = spec["layer"][0]["encoding"]["x"]["axis"]
    assert axis["tickMinStep"] == 1 and axis["format"] == "d"
    assert axis["values"] == [0, 1, 2]  # the most in one level is 2


def test_coverage_ticks_rendered_are_integers(tiny):
    import re

    from partnership_tools.charts.export import chart_svg

    svg = chart_svg(coverage_chart(_small_coverage(tiny).coverage.table))
    # the x axis labels of the rendered chart: text elements holding only a number
    ticks = re.findall(r"<text[^>]*>(-?\d+(?:\.\d+)?)</text>", svg)
    assert ticks, "no tick labels found"
    assert ticks == ["0", "1", "2"], ticks  # whole numbers, each once


def test_review_chart_legends_sit_below(result, tiny):
    charts = [
        coverage_chart(_small_coverage(tiny).coverage.table),
        profile_chart(result.dimensions),
        wave_change_chart(result.changes),
        group_heatmap_chart(result.dimensions),
        diverging_items_chart(result.distribution),
    ]
    for chart in charts:
        spec = chart.to_dict()
        legends = _legends(spec.get("layer", spec))
        assert legends, spec.get("title")
        assert all(lg.get("orient") == "bottom" for lg in legends), spec.get("title")
        assert spec["config"]["legend"]["orient"] == "bottom"  # the house theme's default


def test_profile_tooltip_counts_dont_know_and_not_applicable(tiny):
    from tests.conftest import records

    # b1: 5 valid, 1 "don't know", 2 "not applicable"
    answers = [4, 5, 3, 4, 2, "Don't know", "N/A", "N/A"]
    res = score_review(
        Responses.from_records(tiny, records([("P", {"b1": a}) for a in answers])), tiny
    )
    spec = profile_chart(res.dimensions).to_dict()
    titles = [t["title"] for t in spec["encoding"]["tooltip"]]
    assert "Don't know" in titles and "Not applicable" in titles
    beta = {r["dimension"]: r for r in _data(spec)}["B"]
    assert (beta["n"], beta["dont_know"], beta["not_applicable"]) == (5, 1, 2)
