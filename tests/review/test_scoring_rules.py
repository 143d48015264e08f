"""One home per rule: reverse scoring comes from ``Scale.reverse``, the band of a mean from
``Bands.band`` (every cut point exactly, just below and just above), "too small" from
``anonymity.too_small``; and the narrative never imports the scoring package."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnership_tools.review import (
    Bands,
    Instrument,
    Responses,
    list_instruments,
    score_dimensions,
    score_items,
    suppression_plan,
)
from partnership_tools.review.scoring import SMALL_GROUP, SMALL_TOTAL, too_small
from tests.conftest import tiny_dict

FIGURES = [
    "n",
    "mean",
    "median",
    "sd",
    "pct_positive",
    "pct_negative",
    "dont_know",
    "not_applicable",
    "missing",
]


def _four_point() -> Instrument:
    d = tiny_dict()
    d["scale"]["points"] = [
        {"value": 1, "label": "No"},
        {"value": 2, "label": "Rather not"},
        {"value": 3, "label": "Rather yes"},
        {"value": 4, "label": "Yes"},
    ]
    d["scale"]["positive"], d["scale"]["negative"] = [3, 4], [1, 2]
    d["bands"] = {"strength": 3.5, "discuss": 2.5}
    return Instrument.from_dict(d)


def _same(a: pd.Series, b: pd.Series) -> None:
    for c in FIGURES:
        if pd.isna(a[c]):
            assert pd.isna(b[c]), c
        else:
            assert float(a[c]) == pytest.approx(float(b[c])), c


@settings(max_examples=60, deadline=None)
@given(st.booleans(), st.data())
def test_reverse_item_scores_like_the_mirrored_answers(tiny, four_point, use_four, data):
    inst = four_point if use_four else tiny
    scale = inst.scale
    answers = data.draw(
        st.lists(st.sampled_from([*scale.values, *scale.codes, None]), min_size=1, max_size=30)
    )
    # a2 is reverse-worded and gets the answers as given; a1 (scored as given) gets the answers
    # mirrored by hand: on 1..H, answer x mirrors to 1 + H - x; codes and blanks stay as they are.
    high = max(scale.values)
    mirrored = [v if v is None or v in scale.codes else 1 + high - v for v in answers]
    recs = [{"level": "P", "a1": m, "a2": v} for v, m in zip(answers, mirrored, strict=True)]
    t = score_items(Responses.from_records(inst, recs), inst, min_group_size=1)
    t = t[t["overall"]].set_index("item")
    _same(t.loc["a2"], t.loc["a1"])
    # and the scale's own rule says the same of every value
    assert [scale.reverse(v) for v in scale.values] == [1 + high - v for v in scale.values]


@pytest.fixture(scope="module")
def four_point() -> Instrument:
    return _four_point()


def _cut_points():
    out = []
    for inst in list_instruments():
        b = inst.bands
        out.append((inst.id, b, b.strength, "strength", "discuss"))
        out.append((inst.id, b, b.discuss, "discuss", "concern"))
    explicit = Bands(strength=4.0, discuss=3.0, concern=2.0)
    out.append(("explicit", explicit, 4.0, "strength", "discuss"))
    out.append(("explicit", explicit, 3.0, "discuss", "concern"))
    out.append(("explicit", explicit, 2.0, "concern", None))
    return out


@pytest.mark.parametrize(("name", "bands", "cut", "at", "below"), _cut_points())
def test_band_at_just_below_and_just_above_each_cut_point(name, bands, cut, at, below):
    assert bands.band(cut) == at
    assert bands.band(math.nextafter(cut, math.inf)) == at
    assert bands.band(cut + 0.01) == at
    assert bands.band(math.nextafter(cut, -math.inf)) == below
    assert bands.band(cut - 0.01) == below


def test_band_of_missing_mean_is_none():
    b = Bands(strength=4.0, discuss=3.0)
    assert b.band(None) is None and b.band(float("nan")) is None
    assert b.band(-1e9) == "concern"  # no concern cut point: the concern band has no floor


@pytest.mark.parametrize(
    ("answers", "band"),
    [
        ((4, 4, 4), "strength"),  # mean 4.0 exactly: the strength cut point
        ((4, 4, 3), "discuss"),  # 11/3 = 3.667
        ((3, 3, 3), "discuss"),  # 3.0 exactly: the discuss cut point
        ((3, 3, 2), "concern"),  # 8/3 = 2.667
    ],
)
def test_scored_dimension_band_comes_from_the_instrument(tiny, answers, band):
    recs = [{"level": "P", "b1": v} for v in answers]
    d = score_dimensions(Responses.from_records(tiny, recs), tiny, min_group_size=1)
    row = d[(d["dimension"] == "B") & d["overall"]].iloc[0]
    assert row["band"] == band == tiny.bands.band(float(row["mean"]))
    assert row["band_label"] == tiny.bands.label(band)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=1, max_size=6), st.integers(1, 8))
def test_small_groups_are_exactly_those_too_small(sizes, k):
    plan = suppression_plan({f"g{i}": s for i, s in enumerate(sizes)}, k)
    total = sum(sizes)
    for i, s in enumerate(sizes):
        reason = plan[f"g{i}"]
        if 0 < total < k:
            assert reason == SMALL_TOTAL
        elif 0 < s < k:  # the rule written out independently
            assert reason == SMALL_GROUP
            assert too_small(s, k)
        else:
            assert reason != SMALL_GROUP
            assert not too_small(s, k)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_narrative_does_not_import_scoring():
    import partnership_tools.review.narrative as narrative

    names = _imports(Path(narrative.__file__))
    assert not any(n.startswith("partnership_tools.review.scoring") for n in names), names
