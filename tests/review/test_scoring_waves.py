"""wave_figures: each wave's mean judged on that wave's own size, the change only where both show."""

from __future__ import annotations

import math

import pytest

from partnership_tools.review import Responses, score_review
from partnership_tools.review.scoring import compare_waves
from partnership_tools.review.scoring.waves import direction_of, wave_figures


def _responses(tiny, n_one: int, n_two: int) -> Responses:
    # phase one: b1 = 2 for everyone; phase two: b1 = 5. a1 / a2 left blank.
    recs = [{"wave": "one", "level": "P", "b1": 2} for _ in range(n_one)]
    recs += [{"wave": "two", "level": "P", "b1": 5} for _ in range(n_two)]
    return Responses.from_records(tiny, recs)


def test_small_wave_hidden_large_wave_shown(tiny):
    res = score_review(_responses(tiny, 3, 10), tiny, min_group_size=5)
    beta = wave_figures(res.dimensions, "one", "two").set_index("dimension").loc["B"]
    assert not beta["shown_before"] and beta["reason_before"] == "small_total"
    assert beta["shown_after"] and beta["mean_after"] == 5.0 and beta["reason_after"] is None
    assert math.isnan(beta["mean_before"]) and math.isnan(beta["change"])
    assert beta["suppressed"] and beta["direction"] is None
    # compare_waves (the recorded comparison) hides the pair: unchanged
    c = compare_waves(res.dimensions, "one", "two").set_index("dimension").loc["B"]
    assert c["suppressed"] and math.isnan(c["mean_after"])


def test_both_big_enough_agrees_with_compare_waves(tiny):
    res = score_review(_responses(tiny, 6, 10), tiny, min_group_size=5)
    f = wave_figures(res.dimensions, "one", "two").set_index("dimension")
    c = compare_waves(res.dimensions, "one", "two").set_index("dimension")
    assert f.loc["B", "change"] == pytest.approx(3.0)  # 5 - 2
    assert f.loc["B", "direction"] == "up" and not f.loc["B", "suppressed"]
    for col in ("mean_before", "mean_after", "change", "direction"):
        assert f.loc["B", col] == c.loc["B", col]


def test_reversed_pair_and_a_group(tiny):
    res = score_review(_responses(tiny, 6, 10), tiny, by="level", min_group_size=5)
    f = wave_figures(res.dimensions, "two", "one", group="P").set_index("dimension")
    assert (f.loc["B", "before"], f.loc["B", "after"]) == ("two", "one")
    assert f.loc["B", "change"] == pytest.approx(-3.0) and f.loc["B", "direction"] == "down"
    assert not f.loc["B", "overall"]


def test_direction_of_threshold():
    assert direction_of(0.0999) == "steady" and direction_of(0.1) == "up"
    assert direction_of(-0.1) == "down"
