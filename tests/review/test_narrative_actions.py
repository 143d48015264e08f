"""Plain-English findings and the action plan."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from partnership_tools.review import (
    ActionItem,
    ActionPlan,
    Finding,
    Responses,
    concerns,
    score_review,
    strengths,
)


def _review(tiny, a_values, b_values, levels=("P",) * 6):
    recs = [
        {"wave": "w1", "level": lev, "a1": a, "b1": b}
        for lev, a, b in zip(levels, a_values, b_values, strict=True)
    ]
    return score_review(Responses.from_records(tiny, recs), tiny, by="level")


def test_strengths_and_concerns_in_plain_english(tiny):
    # A: a1 all 5 -> mean 5.0, a strength; B: b1 1,1,2,2,1,2 -> mean 1.5, a concern
    res = _review(tiny, [5] * 6, [1, 1, 2, 2, 1, 2])
    (s,) = strengths(res)
    (c,) = concerns(res)
    assert s.dimension == "A" and s.text.startswith(
        "Alpha stands out as a strength: it averages 5.0 out of 5"
    )
    assert "100% of answers were positive (agree or strongly agree)" in s.text
    assert c.dimension == "B" and c.text.startswith("Beta is a concern: it averages 1.5 out of 5")
    assert "100% negative (strongly disagree or disagree)" in c.text
    assert res.findings[0].kind == "strength"


def test_gap_is_a_conversation_not_a_verdict(tiny):
    res = _review(tiny, [5] * 5 + [2] * 5, [3] * 10, levels=("P",) * 5 + ("F",) * 5)
    (gap,) = res.findings_of("gap")
    assert gap.dimension == "A" and "those speaking as p average 5.0" in gap.text
    assert "a gap of 3.0 points" in gap.text and "not a verdict" in gap.text
    assert any(f.kind == "consensus" and f.dimension == "B" for f in res.findings)


def test_too_few_answers_dont_know_wide_spread_and_coverage(tiny):
    res = _review(
        tiny, [5, 1] + [None] * 8, ["Don't know"] * 4 + [5, 1, 4, 2, 3, 5], levels=("P",) * 10
    )
    kinds = {f.kind: f for f in res.findings}
    # A: 2 of 10 gave an answer on the scale: fewer than the 5 a figure needs, so it is hidden.
    assert kinds["not_enough"].text == "Alpha is not shown: fewer than 5 people answered this."
    assert "4 of 10 answers on Beta were" in kinds["dont_know"].text  # 6 on the scale, 4 DK
    assert "Nobody speaking as m answered" in " ".join(f.text for f in res.findings_of("coverage"))
    res = _review(tiny, [1, 5, 1, 5, 1, 5], [3] * 6)
    assert "widely spread" in res.findings_of("discuss")[0].text


def test_change_findings(tiny):
    one = [{"wave": "one", "level": "P", "a1": 2, "b1": 3}] * 5
    two = [{"wave": "two", "level": "P", "a1": 4, "b1": 3}] * 5
    res = score_review(Responses.from_records(tiny, one + two), tiny)
    (ch,) = res.findings_of("change")
    assert ch.text == "Alpha rose from 2.0 in one to 4.0 in two. It is now rated strength."


def test_finding_round_trip():
    f = Finding("gap", "Text", "A", "w1")
    assert Finding.from_dict(f.to_dict()) == f


# -- action plan ---------------------------------------------------------------------------------
def test_action_items_are_checked():
    with pytest.raises(ValueError, match="needs the dimension"):
        ActionItem(" ", "x")
    with pytest.raises(ValueError, match="needs a description"):
        ActionItem("A", "")
    with pytest.raises(ValueError, match="status must be one of"):
        ActionItem("A", "x", status="someday")
    for bad in ("30/09/2024", "2024-02-30", "soon"):
        with pytest.raises(ValueError, match="is not a date like"):
            ActionItem("A", "x", due=bad)
    assert ActionItem("A", "x", due=dt.date(2024, 9, 30)).due == "2024-09-30"
    assert ActionItem("A", "x", due="2024-09-30T10:00:00").due == "2024-09-30"
    assert ActionItem("A", "x", due="").due is None


def test_plan_edits_round_trip_and_frame(tiny):
    plan = (
        ActionPlan()
        .add(ActionItem("A", "Meet monthly", "Chair", "2024-06-01"))
        .add(ActionItem("B", "Pool budgets"))
    )
    assert len(plan) == 2 and plan.remove(0).items[0].dimension == "B"
    assert plan.replace(1, ActionItem("B", "Pool budgets", status="done")).items[1].status == "done"
    with pytest.raises(IndexError):
        plan.remove(5)
    assert ActionPlan.from_dict(plan.to_dict()) == plan
    frame = plan.to_frame()
    assert list(frame.columns) == ["dimension", "action", "owner", "due", "status"]
    edited = pd.concat(
        [frame, pd.DataFrame([{"dimension": None, "action": None}])], ignore_index=True
    )
    assert ActionPlan.from_frame(edited) == plan  # blank grid rows are skipped
    plan.check(tiny)
    with pytest.raises(ValueError, match="'Z', which is not a dimension of 'tiny'"):
        ActionPlan((ActionItem("Z", "x"),)).check(tiny)


def test_weak_dimensions_without_action(tiny):
    res = _review(tiny, [5] * 6, [1] * 6)
    assert ActionPlan().without_action(res) == ("B",)
    assert ActionPlan((ActionItem("B", "Fix it"),)).without_action(res) == ()
    assert ActionPlan((ActionItem("B", "Fix it", status="dropped"),)).without_action(res) == ("B",)
