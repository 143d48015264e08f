"""Scoring: figures worked out by hand (arithmetic in the comments) and by an independent route
(pandas groupby on a long table), reverse items, don't know / not applicable / blanks, bands,
minimum answers, suppression (including the subtraction case), gaps, waves and coverage."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnership_tools.review import (
    NOT_STATED,
    OVERALL,
    Responses,
    ReviewResult,
    compare_waves,
    coverage,
    group_gaps,
    item_distribution,
    score_dimensions,
    score_items,
    score_review,
    suppress,
    suppression_plan,
)
from partnership_tools.review.scoring import COMPLEMENTARY, SMALL_GROUP, SMALL_TOTAL
from tests.conftest import records

DK, NA = "Don't know", "N/A"

# Six respondents, all level P. a2 is reverse-worded: scored = 6 - answer.
HAND = [
    ("P", {"a1": 5, "a2": 1, "b1": 4}),  # a2 scores 5
    ("P", {"a1": 4, "a2": 2, "b1": DK}),  # a2 scores 4
    ("P", {"a1": 2, "a2": 5, "b1": 5}),  # a2 scores 1
    ("P", {"a1": DK, "a2": 3, "b1": NA}),  # a2 scores 3
    ("P", {"a2": DK, "b1": 3}),  # a1 blank
    ("P", {"a1": NA, "b1": 2}),  # a2 blank
]


@pytest.fixture
def hand(tiny):
    return Responses.from_records(tiny, records(HAND))


def test_item_figures_by_hand(hand, tiny):
    t = score_items(hand, tiny, min_group_size=1).query("overall").set_index("item")
    a1 = t.loc["a1"]
    # valid 5, 4, 2: n = 3, mean = 11/3, median 4, sd = sqrt(((4/3)^2 + (1/3)^2 + (5/3)^2) / 2) = sqrt(7/3)
    assert (a1["n"], a1["dont_know"], a1["not_applicable"], a1["missing"], a1["respondents"]) == (
        3,
        1,
        1,
        1,
        5,
    )
    assert a1["mean"] == pytest.approx(11 / 3)
    assert a1["median"] == 4
    assert a1["sd"] == pytest.approx(math.sqrt(7 / 3))
    assert a1["pct_positive"] == pytest.approx(200 / 3) and a1["pct_negative"] == pytest.approx(
        100 / 3
    )
    assert a1["band"] == "discuss"
    a2 = t.loc["a2"]
    # answers 1, 2, 5, 3 score 5, 4, 1, 3: mean 13/4, median (3 + 4)/2; positive 5 and 4 = 2 of 4; negative 1 = 1 of 4
    assert (a2["n"], a2["dont_know"], a2["missing"]) == (4, 1, 1)
    assert a2["mean"] == pytest.approx(3.25) and a2["median"] == 3.5
    assert (a2["pct_positive"], a2["pct_negative"]) == (50.0, 25.0)
    b1 = t.loc["b1"]
    # 4, 5, 3, 2: mean 3.5; one don't know, one not applicable: neither averaged in
    assert (b1["n"], b1["mean"], b1["median"], b1["dont_know"], b1["not_applicable"]) == (
        4,
        3.5,
        3.5,
        1,
        1,
    )


def test_dimension_figures_by_hand(hand, tiny):
    d = score_dimensions(hand, tiny, min_group_size=1).query("overall").set_index("dimension")
    a = d.loc["A"]
    # pooled scored answers of a1 and a2: 5, 4, 2, 5, 4, 1, 3 -> n 7, sum 24, mean 24/7, median 4
    assert (a["n"], a["n_items"], a["respondents"]) == (7, 2, 6)
    assert a["mean"] == pytest.approx(24 / 7)
    assert a["median"] == 4
    vals = np.array([5, 4, 2, 5, 4, 1, 3])
    assert a["sd"] == pytest.approx(vals.std(ddof=1))
    assert a["pct_positive"] == pytest.approx(400 / 7) and a["pct_negative"] == pytest.approx(
        200 / 7
    )
    assert (a["dont_know"], a["not_applicable"], a["missing"]) == (2, 1, 2)
    assert (
        bool(a["met_minimum"]) and a["band"] == "discuss" and a["band_label"] == "Worth discussing"
    )


def test_minimum_valid_answers_and_bands(tiny):
    r = Responses.from_records(
        tiny, records([("P", {"a1": 5, "b1": 5}), ("P", {"a1": 5, "b1": DK})])
    )
    d = score_dimensions(r, tiny, min_group_size=1).query("overall").set_index("dimension")
    # A: two valid answers < 3 needed: no band. B: one valid answer < 2 needed.
    assert d.loc["A", "n"] == 2 and not d.loc["A", "met_minimum"] and pd.isna(d.loc["A", "band"])
    assert d.loc["A", "mean"] == 5.0  # the figure is still there, only unbanded
    r = Responses.from_records(
        tiny, records([("P", {"a1": v}) for v in (4, 4, 4)] + [("P", {"a1": 2, "a2": 4})])
    )
    d = score_dimensions(r, tiny, min_group_size=1).query("overall").set_index("dimension")
    # 4, 4, 4, 2 and a2 = 4 scoring 2: mean 16/5 = 3.2
    assert d.loc["A", "mean"] == pytest.approx(3.2) and d.loc["A", "band"] == "discuss"
    r = Responses.from_records(tiny, records([("P", {"a1": 4, "a2": 2}), ("P", {"a1": 4})]))
    assert (
        score_dimensions(r, tiny, min_group_size=1).query("overall")["band"].iloc[0] == "strength"
    )  # exactly 4.0


def test_dont_know_only_item_has_no_mean(tiny):
    r = Responses.from_records(tiny, records([("P", {"b1": DK})] * 3))
    b1 = score_items(r, tiny, min_group_size=1).query("overall and item == 'b1'").iloc[0]
    assert (
        b1["n"] == 0
        and pd.isna(b1["mean"])
        and pd.isna(b1["pct_positive"])
        and b1["dont_know"] == 3
    )


def _scored_long(responses: Responses, instrument) -> pd.DataFrame:
    """The independent route: a long table of scored valid answers, built with plain pandas."""
    long = responses.to_long()
    rev = {i.id for i in instrument.items if i.reverse}
    long = long[long["value"].isin(instrument.scale.values)].copy()
    long["score"] = np.where(long["item"].isin(rev), 6 - long["value"], long["value"])
    long["dimension"] = long["item"].map(
        {i.id: instrument.dimension_of(i.id).id for i in instrument.items}
    )
    long["level"] = long["level"].fillna(NOT_STATED)
    return long


def test_figures_match_an_independent_pandas_route(ten, sample):
    items = score_items(sample, ten, by="level", min_group_size=1)
    dims = score_dimensions(sample, ten, by="level", min_group_size=1)
    long = _scored_long(sample, ten)
    for unit, table in (("item", items), ("dimension", dims)):
        expected = long.groupby(["wave", "level", unit])["score"].agg(
            n="count",
            mean="mean",
            median="median",
            sd=lambda s: s.std(ddof=1),
            pos=lambda s: 100 * s.isin([4, 5]).mean(),
        )
        expected.index.names = ["wave", "group", unit]
        got = table[~table["overall"]].set_index(["wave", "group", unit])
        joined = expected.merge(
            got[["n", "mean", "median", "sd", "pct_positive"]],
            left_index=True,
            right_index=True,
            how="outer",
            suffixes=("", "_got"),
        )
        assert len(joined) == len(got)
        assert (joined["n"] == joined["n_got"]).all()
        for col, other in (
            ("mean", "mean_got"),
            ("median", "median_got"),
            ("sd", "sd_got"),
            ("pos", "pct_positive"),
        ):
            assert np.allclose(
                joined[col].astype(float), joined[other].astype(float), equal_nan=True
            )
        overall = long.groupby(["wave", unit])["score"].mean()
        got_overall = table[table["overall"]].set_index(["wave", unit])["mean"]
        assert np.allclose(overall.sort_index(), got_overall.sort_index().astype(float))


answers = st.lists(st.sampled_from([1, 2, 3, 4, 5, 8, 9, None]), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(answers)
def test_reverse_scoring_mirrors_the_raw_figures(tiny, values):
    # the same answers given to a1 (scored as given) and a2 (reverse-scored)
    r = Responses.from_records(tiny, [{"level": "P", "a1": v, "a2": v} for v in values])
    t = score_items(r, tiny, min_group_size=1).query("overall").set_index("item")
    raw, rev = t.loc["a1"], t.loc["a2"]
    assert raw["n"] == rev["n"] and raw["dont_know"] == rev["dont_know"]
    if raw["n"]:
        assert rev["mean"] == pytest.approx((1 + 5) - raw["mean"])
        assert rev["median"] == pytest.approx(6 - raw["median"])
        assert rev["pct_positive"] == pytest.approx(raw["pct_negative"])
        assert (pd.isna(rev["sd"]) and pd.isna(raw["sd"])) or rev["sd"] == pytest.approx(raw["sd"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(answers.filter(bool), st.sampled_from("PMFC")), min_size=1, max_size=5))
def test_dimension_mean_lies_within_the_scale(tiny, blocks):
    recs = [
        {"level": lev, "a1": v, "a2": w}
        for vals, lev in blocks
        for v, w in zip(vals, reversed(vals), strict=True)
    ]
    d = score_dimensions(Responses.from_records(tiny, recs), tiny, by="level", min_group_size=1)
    means = d["mean"].dropna().astype(float)
    assert ((means >= 1) & (means <= 5)).all()
    pcts = (d["pct_positive"] + d["pct_negative"]).dropna()
    assert (pcts <= 100 + 1e-9).all()


# -- suppression --------------------------------------------------------------------------------
def _groups(
    sizes: dict[str | None, int], value_of: dict | None = None, wave: str = "w1"
) -> list[dict]:
    value_of = value_of or {}
    out = []
    for lev, n in sizes.items():
        out += [{"wave": wave, "level": lev, "a1": value_of.get(lev, 3), "b1": 4}] * n
    return out


def test_small_group_and_the_next_smallest_are_hidden(tiny):
    # P has 3 (< 5): hidden. Total minus M, F and C would give P away, so M (6, the smallest shown) goes too.
    r = Responses.from_records(
        tiny, _groups({"P": 3, "M": 6, "F": 7, "C": 8}, {"P": 1, "M": 2, "F": 4, "C": 5})
    )
    t = score_items(r, tiny, by="level").query("item == 'a1'").set_index("group")
    assert (
        t.loc["P", "suppressed_reason"] == SMALL_GROUP
        and t.loc["M", "suppressed_reason"] == COMPLEMENTARY
    )
    for g in ("P", "M"):
        assert (
            t.loc[g, "suppressed"]
            and t.loc[g, ["n", "mean", "group_size", "dont_know", "band"]].isna().all()
        )
    assert not t.loc["F", "suppressed"] and t.loc["F", "mean"] == 4 and t.loc["C", "mean"] == 5
    # overall: (3x1 + 6x2 + 7x4 + 8x5) / 24 = 83/24; subtracting F and C leaves 15 over 9 people (P and M together)
    assert t.loc[OVERALL, "mean"] == pytest.approx(83 / 24)
    hidden = 83 - 7 * 4 - 8 * 5
    assert hidden == 15 and 3 + 6 >= 5


def test_two_small_groups_that_together_reach_the_minimum(tiny):
    r = Responses.from_records(tiny, _groups({"P": 2, "M": 3, "F": 9, "C": 9}))
    d = score_dimensions(r, tiny, by="level").query("dimension == 'A'").set_index("group")
    assert d["suppressed_reason"].to_dict() == {
        OVERALL: None,
        "P": SMALL_GROUP,
        "M": SMALL_GROUP,
        "F": None,
        "C": None,
    } or (
        d["suppressed_reason"].isna().to_dict()
        == {OVERALL: True, "P": False, "M": False, "F": True, "C": True}
    )
    assert not d.loc["F", "suppressed"]


def test_not_stated_counts_as_a_group(tiny):
    r = Responses.from_records(tiny, _groups({"P": 6, "M": 7, None: 2}))
    d = score_dimensions(r, tiny, by="level").query("dimension == 'B'").set_index("group")
    assert list(d.index) == [OVERALL, "P", "M", NOT_STATED]
    assert (
        d.loc[NOT_STATED, "suppressed_reason"] == SMALL_GROUP
        and d.loc["P", "suppressed_reason"] == COMPLEMENTARY
    )
    assert not d.loc["M", "suppressed"]


def test_tiny_wave_shows_nothing(tiny):
    r = Responses.from_records(tiny, _groups({"P": 2, "M": 2}))
    d = score_dimensions(r, tiny, by="level")
    assert d["suppressed"].all() and set(d["suppressed_reason"]) == {SMALL_TOTAL}
    alone = score_dimensions(r, tiny)
    assert alone["suppressed"].all() and alone["mean"].isna().all()


def test_suppress_later_equals_suppress_while_scoring(ten, sample):
    for fn in (score_items, score_dimensions, item_distribution):
        # The per-table rule (saved files made before the linked rule replay with it).
        rule = {"disclosure": "per_table"}
        later = suppress(fn(sample, ten, by="partner_type", min_group_size=1, **rule), 5)
        now = fn(sample, ten, by="partner_type", min_group_size=5, **rule)
        pd.testing.assert_frame_equal(later, now, check_dtype=False)
        assert now["suppressed"].any()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=1, max_size=7), st.integers(1, 8))
def test_suppression_never_reveals_fewer_than_k(sizes, k):
    names = [f"g{i}" for i in range(len(sizes))]
    plan = suppression_plan(dict(zip(names, sizes, strict=True)), k)
    total = sum(sizes)
    shown = [s for g, s in zip(names, sizes, strict=True) if plan[g] is None and s > 0]
    hidden = [s for g, s in zip(names, sizes, strict=True) if plan[g] is not None]
    if 0 < total < k:
        assert plan[OVERALL] == SMALL_TOTAL and all(plan[g] for g in names)
        return
    assert plan[OVERALL] is None
    assert all(s >= k for s in shown)  # no shown group is small
    assert sum(hidden) == 0 or sum(hidden) >= k  # total minus the shown groups covers >= k people
    if len([s for s in hidden if s > 0]) == 1:
        pytest.fail("exactly one group hidden: it could be worked out by subtraction")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=4, max_size=4), st.integers(0, 3))
def test_scored_tables_resist_subtraction(tiny, sizes, not_stated):
    counts = dict(zip("PMFC", sizes, strict=True))
    if not_stated:
        counts[None] = not_stated
    if not sum(counts.values()):
        return
    values = {"P": 1, "M": 2, "F": 4, "C": 5, None: 3}
    r = Responses.from_records(tiny, _groups(counts, values))
    t = score_items(r, tiny, by="level").query("item == 'a1'")
    groups = t[~t["overall"]]
    overall = t[t["overall"]].iloc[0]
    shown = groups[~groups["suppressed"]]
    assert (shown["group_size"] >= 5).all()
    if not overall["suppressed"]:
        # what subtraction recovers: the answers of everyone in a hidden group, together
        rest_n = int(overall["n"]) - int(shown["n"].sum())
        assert rest_n == 0 or rest_n >= 5


# -- gaps, waves, coverage ----------------------------------------------------------------------
def test_gaps_between_groups(tiny):
    # A per group: P all 5 -> 5.0; M: 4 -> 4.0; F: 2 -> 2.0 (a2 blank); gap 5 - 2 = 3 >= 1: flagged
    recs = _groups({"P": 5, "M": 5, "F": 5}, {"P": 5, "M": 4, "F": 2})
    r = Responses.from_records(tiny, recs)
    dims = score_dimensions(r, tiny, by="level")
    g = group_gaps(dims, threshold=1.0).set_index("dimension")
    assert (
        g.loc["A", "gap"] == 3.0
        and g.loc["A", "highest_group"] == "P"
        and g.loc["A", "lowest_group"] == "F"
    )
    assert g.loc["A", "flagged"] and g.loc["A", "groups_compared"] == 3
    assert g.loc["B", "gap"] == 0.0 and not g.loc["B", "flagged"]
    assert not group_gaps(dims, threshold=3.5).set_index("dimension").loc["A", "flagged"]
    # the threshold comes from the instrument unless the user gives one
    assert score_review(r, tiny, by="level").gaps["threshold"].iloc[0] == 1.0
    assert score_review(r, tiny, by="level", gap_threshold=4.0).gaps["flagged"].sum() == 0


def test_gaps_leave_out_hidden_and_unstated_groups(tiny):
    # P (3) hidden, M (6) hidden with it: only F (2.0) and C (4.0) are compared, not P's 5.0
    recs = _groups({"P": 3, "M": 6, "F": 9, "C": 9}, {"P": 5, "M": 1, "F": 2, "C": 4})
    g = group_gaps(
        score_dimensions(Responses.from_records(tiny, recs), tiny, by="level")
    ).set_index("dimension")
    assert g.loc["A", "groups_compared"] == 2 and g.loc["A", "gap"] == 2.0
    assert (g.loc["A", "highest_group"], g.loc["A", "lowest_group"]) == ("C", "F")
    # people who did not state a level are not a group to compare, however far off they are
    recs = _groups({"P": 6, "M": 7, None: 8}, {"P": 5, "M": 4, None: 1})
    g = group_gaps(
        score_dimensions(Responses.from_records(tiny, recs), tiny, by="level")
    ).set_index("dimension")
    assert g.loc["A", "gap"] == 1.0 and g.loc["A", "groups_compared"] == 2
    # a single group leaves nothing to compare
    recs = _groups({"P": 6})
    g = group_gaps(score_dimensions(Responses.from_records(tiny, recs), tiny, by="level"))
    assert g["gap"].isna().all() and not g["flagged"].any()


def test_compare_waves_by_hand(tiny):
    one = _groups({"P": 5, "M": 5}, {"P": 2, "M": 3}, wave="one")
    two = _groups({"P": 5, "M": 3}, {"P": 4, "M": 3}, wave="two")
    r = Responses.from_records(tiny, one + two)
    dims = score_dimensions(r, tiny, by="level")
    c = compare_waves(dims).query("dimension == 'A'").set_index("group")
    # overall A: one = (5x2 + 5x3)/10 = 2.5; two = (5x4 + 3x3)/8 = 29/8
    assert c.loc[OVERALL, "mean_before"] == 2.5 and c.loc[OVERALL, "mean_after"] == pytest.approx(
        29 / 8
    )
    assert (
        c.loc[OVERALL, "change"] == pytest.approx(29 / 8 - 2.5)
        and c.loc[OVERALL, "direction"] == "up"
    )
    # M has 3 in wave two: hidden, so its change is too (and P, hidden alongside it)
    assert c.loc["M", "suppressed"] and pd.isna(c.loc["M", "change"]) and c.loc["P", "suppressed"]
    with pytest.raises(ValueError, match="no wave 'three'"):
        compare_waves(dims, "one", "three")
    assert compare_waves(dims, "two", "two").empty


def test_coverage_counts_and_warnings(tiny):
    recs = _groups({"P": 6, "M": 2, None: 1})
    # Linked rule: M (2) and not stated (1) are below 5 and hold 3 together, so P's 6 is
    # withheld too (else 9 - 6 = 3); only the empty levels keep their 0.
    linked = coverage(Responses.from_records(tiny, recs), tiny).table.set_index("level")
    assert {k: (None if pd.isna(v) else v) for k, v in linked["respondents"].items()} == {
        "P": None,
        "M": None,
        "F": 0,
        "C": 0,
        NOT_STATED: None,
    }
    assert linked.loc["P", "status"] == "hidden" and linked.loc["M", "status"] == "small"
    cov = coverage(Responses.from_records(tiny, recs), tiny, disclosure="per_table")
    t = cov.table.set_index("level")
    assert t["respondents"].to_dict() == {"P": 6, "M": 2, "F": 0, "C": 0, NOT_STATED: 1}
    assert t.loc["P", "share"] == pytest.approx(100 * 6 / 9)
    assert t["status"].to_dict() == {
        "P": "covered",
        "M": "small",
        "F": "missing",
        "C": "missing",
        NOT_STATED: "not_stated",
    }
    assert cov.missing == (("w1", "F"), ("w1", "C"))
    text = " ".join(cov.warnings)
    assert (
        "Nobody speaking as f answered in w1" in text
        and "Only 2 respondent(s) speaking as m" in text
    )
    assert "1 respondent(s) in w1 did not say which level" in text


def test_sample_story(ten, sample):
    res = score_review(sample, ten, by="level")
    d = res.dimensions.query("overall").set_index(["wave", "dimension"])["mean"]
    for dim in ("understanding", "public_private"):  # the away-day improved communication
        assert d[("phase two", dim)] - d[("phase one", dim)] > 0.5
    assert (
        res.dimension_table("phase one").set_index("dimension").loc["people", "band"] == "concern"
    )
    assert (
        res.dimension_table().set_index("dimension").loc["people", "band"] == "concern"
    )  # resources still
    g = res.dimension_table(group="Policy maker").set_index("dimension")["mean"]
    for level in ("Front-line worker", "Citizen or community activist"):  # the fault line
        other = res.dimension_table(group=level).set_index("dimension")["mean"]
        assert (other[["power", "leadership"]] < g[["power", "leadership"]] - 0.5).all()
    assert res.gaps.query("wave == 'phase two'")["flagged"].any()
    assert res.coverage.missing == ()


def test_review_result_round_trip_and_settings(ten, sample):
    res = score_review(sample, ten, by="level")
    again = ReviewResult.from_dict(res.to_dict())
    assert again == res
    for name in ("dimensions", "items", "distribution", "gaps", "changes"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(res, name))
    assert res.settings.gap_threshold == 1.0 and res.waves == ("phase one", "phase two")
    assert res.focus_wave == "phase two"
    assert score_review(sample, ten, waves=("phase one",)).waves == ("phase one",)
    with pytest.raises(ValueError, match="no wave 'x'"):
        score_review(sample, ten, waves=("x",))
    with pytest.raises(ValueError, match="asks no respondent field 'region'"):
        score_review(sample, ten, by="region")


def test_distribution_counts_and_reverse_labels(hand, tiny):
    d = (
        item_distribution(hand, tiny, min_group_size=1)
        .query("overall and item == 'a2'")
        .set_index("position")
    )
    # a2 answers 1, 2, 5, 3 (+ one don't know): scored 5, 4, 1, 3
    assert d.loc[[0, 1, 2, 3, 4], "count"].tolist() == [1, 0, 1, 1, 1]
    assert (
        d.loc[4, "scored_label"] == "Strongly agree"
        and d.loc[4, "answer_label"] == "Strongly disagree"
    )
    assert (
        d.loc[0, "pct_of_valid"] == 25.0
        and d.loc[5, "kind"] == "dont_know"
        and d.loc[5, "count"] == 1
    )
    assert d.loc[5, "pct_of_answers"] == 20.0 and pd.isna(d.loc[5, "pct_of_valid"])


def test_codes_off_the_scale_are_refused(tiny):
    frame = pd.DataFrame({"a1": [4.0, 7.0]})
    r = Responses(tiny.id, frame, tiny.item_ids, tiny.field_ids)
    with pytest.raises(ValueError, match="neither on the scale nor a code"):
        score_items(r, tiny)
