"""Tests for partnership_tools.vote.compare: between-round comparison following lineage."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

from partnership_tools.ui.facilitator.compare_panel import compared_with
from partnership_tools.vote.compare import (
    COMPARISON_SETTING,
    RoundComparison,
    compare_rounds,
    predecessors_in,
    strongest_parents,
)
from partnership_tools.vote.count import count_rankings
from partnership_tools.vote.model import Option, Session

try:
    from tests.strategies import rounds
except ImportError:  # tests/ run as a plain directory
    from strategies import rounds


def lineage_session() -> Session:
    return Session(
        id="s1",
        question="How should the partnership share its budget?",
        options=(
            Option("A", "Pooled budget"),
            Option("B", "Lead agency"),
            Option("C", "Ward grants"),
            Option("D", "Citizens' panel"),
            Option("B2", "Lead agency with a citizens' seat", amended_from="B"),
            Option("CD", "Ward grants decided by a citizens' panel", merged_from=("C", "D")),
            Option("E", "Something new"),
        ),
    )


def round_one():
    # n = 4, 4 ballots, 4 x 4 = 16 points possible per option
    #   A>B>C>D: A4 B3 C2 D1
    #   B>C:     B2 C1
    #   C>D>B:   C3 D2 B1
    #   D>C>A>B: D4 C3 A2 B1
    # A 4+2 = 6 (0.375); B 3+2+1+1 = 7 (0.4375); C 2+1+3+3 = 9 (0.5625); D 1+2+4 = 7 (0.4375)
    ballots = [["A", "B", "C", "D"], ["B", "C"], ["C", "D", "B"], ["D", "C", "A", "B"]]
    return count_rankings(["A", "B", "C", "D"], ballots)


def round_two():
    # n = 3, 5 ballots, 5 x 3 = 15 points possible per option
    #   CD>B2>A: CD3 B2:2 A1
    #   CD>A:    CD2 A1
    #   B2>CD>A: B2:3 CD2 A1
    #   CD:      CD1
    #   A>CD>B2: A3 CD2 B2:1
    # A 1+1+1+3 = 6 (0.4); B2 2+3+1 = 6 (0.4); CD 3+2+2+1+2 = 10 (0.6667)
    ballots = [["CD", "B2", "A"], ["CD", "A"], ["B2", "CD", "A"], ["CD"], ["A", "CD", "B2"]]
    return count_rankings(["A", "B2", "CD"], ballots)


def test_hand_worked_rounds():
    assert round_one().mbc == {"A": 6, "B": 7, "C": 9, "D": 7}
    assert round_two().mbc == {"A": 6, "B2": 6, "CD": 10}


def test_compare_amended_and_merged():
    c = compare_rounds(lineage_session(), round_one(), round_two())
    # later round in MBC order: CD 10, then A and B2 tied at 6 (ballot-paper order A, B2)
    assert [o.id for o in c.options] == ["CD", "A", "B2"]

    cd = c.option("CD")
    assert (cd.kind, cd.predecessors) == ("merged", ("C", "D"))
    # merged: compared with its strongest parent, C (9/16 = 0.5625 against D 7/16 = 0.4375):
    # C's 9 points, not the sum 9 + 7 = 16, so 10 - 9 = up 1 point
    assert (cd.mbc, cd.before_mbc, cd.mbc_change) == (10, 9, 1)
    assert cd.before_consensus == 9 / 16
    # 10/15 - 9/16 = (160 - 135) / 240 = 25/240 = 5/48
    assert cd.consensus_change == pytest.approx(5 / 48)
    assert cd.label == "Ward grants decided by a citizens' panel"

    a = c.option("A")
    assert (a.kind, a.predecessors) == ("carried", ("A",))
    # 6 points both times, but 6/15 = 0.4 against 6/16 = 0.375: up 0.025
    assert (a.before_mbc, a.mbc_change) == (6, 0)
    assert a.consensus_change == pytest.approx(0.025)

    b2 = c.option("B2")
    assert (b2.kind, b2.predecessors) == ("amended", ("B",))
    # B had 7 points (7/16 = 0.4375); B2 has 6 (6/15 = 0.4): down 1 point, down 0.0375
    assert (b2.before_mbc, b2.mbc_change) == (7, -1)
    assert b2.before_consensus == 7 / 16
    assert b2.consensus_change == pytest.approx(-0.0375)

    gone = {d.id: d for d in c.disappeared}
    assert [d.id for d in c.disappeared] == ["B", "C", "D"]
    assert (gone["B"].fate, gone["B"].successors) == ("amended", ("B2",))
    assert (gone["C"].fate, gone["C"].successors) == ("merged", ("CD",))
    assert (gone["D"].fate, gone["D"].successors) == ("merged", ("CD",))
    assert (gone["C"].mbc, gone["C"].consensus) == (9, 9 / 16)

    # n went from 4 to 3 (and 4 ballots to 5): points are not comparable
    assert not c.points_comparable


def test_merger_compared_with_strongest_parent_worked_example():
    # Round 1, n = 3 (X, Y, Z), 4 ballots, 4 x 3 = 12 points possible per option:
    #   X>Y>Z: X3 Y2 Z1    X>Z: X2 Z1    Y>X: Y2 X1    Z>Y>X: Z3 Y2 X1
    #   X 3+2+1+1 = 7 (7/12), Y 2+2+2 = 6 (6/12), Z 1+1+3 = 5 (5/12)
    s = Session(
        id="s",
        question="q",
        options=(
            Option("X", "x"),
            Option("Y", "y"),
            Option("Z", "z"),
            Option("YZ", "y and z", merged_from=("Y", "Z")),
        ),
    )
    r1 = count_rankings(["X", "Y", "Z"], [["X", "Y", "Z"], ["X", "Z"], ["Y", "X"], ["Z", "Y", "X"]])
    assert r1.mbc == {"X": 7, "Y": 6, "Z": 5}
    # Round 2, n = 2 (X, YZ), 4 ballots, 4 x 2 = 8 possible:
    #   YZ>X: YZ2 X1 (three times)    X>YZ: X2 YZ1
    #   YZ 2+2+2+1 = 7 (7/8), X 1+1+1+2 = 5 (5/8)
    r2 = count_rankings(["X", "YZ"], [["YZ", "X"]] * 3 + [["X", "YZ"]])
    assert r2.mbc == {"X": 5, "YZ": 7}
    yz = compare_rounds(s, r1, r2).option("YZ")
    # strongest parent Y (6/12 beats Z's 5/12): 6 points, not 6 + 5 = 11
    assert (yz.before_mbc, yz.mbc_change) == (6, 1)
    assert yz.before_consensus == pytest.approx(0.5)
    assert yz.consensus_change == pytest.approx(7 / 8 - 1 / 2)  # 0.375
    # the Compare tab uses the same rule: Y, its points and coefficient
    assert compared_with(yz, r1) == (("Y",), 6, 0.5)
    assert strongest_parents(("Z", "Y"), r1) == (("Y",), 6, 0.5)


def test_tied_strongest_parents_are_all_named():
    # n = 2, 2 ballots: A>B gives A2 B1, B>A gives B2 A1: both 3 of 4 (0.75)
    r = count_rankings(["A", "B"], [["A", "B"], ["B", "A"]])
    assert strongest_parents(("B", "A"), r) == (("B", "A"), 3, 0.75)


def test_saved_setting_names_the_strongest_parent_rule():
    from partnership_tools.vote.verification import COUNT_SETTINGS

    assert COUNT_SETTINGS["comparison"] == COMPARISON_SETTING
    assert "strongest parent" in COMPARISON_SETTING and "sum" not in COMPARISON_SETTING


def test_new_and_dropped_options():
    # round 1: A>B, B (n = 2, 2 ballots): A 2, B 1 + 1 = 2; 2/4 = 0.5 each
    r1 = count_rankings(["A", "B"], [["A", "B"], ["B"]])
    # round 2: A>E, A>E (n = 2, 2 ballots): A 4 (1.0), E 2 (0.5)
    r2 = count_rankings(["A", "E"], [["A", "E"], ["A", "E"]])
    c = compare_rounds(lineage_session(), r1, r2)
    e = c.option("E")
    assert e.kind == "new" and e.predecessors == ()
    assert e.before_mbc is None and e.consensus_change is None and e.mbc_change is None
    a = c.option("A")
    # same n and same number of ballots: points comparable, 2 -> 4
    assert c.points_comparable and a.mbc_change == 2 and a.consensus_change == 0.5
    assert [(d.id, d.fate, d.successors) for d in c.disappeared] == [("B", "dropped", ())]


def test_lineage_skips_options_never_voted_on():
    s = Session(
        id="s",
        question="q",
        options=(
            Option("A", "a"),
            Option("B", "b"),
            Option("A2", "a2", amended_from="A"),
            Option("A3", "a3", amended_from="A2"),
            Option("M", "m", merged_from=("A3", "B")),
        ),
    )
    # A2 and A3 were drafted between rounds but never voted on
    assert predecessors_in(s, "M", ("A", "B")) == ("B", "A")
    assert predecessors_in(s, "A3", ("A", "B")) == ("A",)
    assert predecessors_in(s, "A", ("A", "B")) == ("A",)
    # the nearest voted ancestor wins: A2 was voted on, so A is not reached through it
    assert predecessors_in(s, "A3", ("A", "A2")) == ("A2",)


def test_round_trip_and_frames():
    c = compare_rounds(lineage_session(), round_one(), round_two())
    d = c.to_dict()
    assert RoundComparison.from_dict(json.loads(json.dumps(d))) == c
    frame = c.to_frame()
    assert list(frame["option_id"]) == ["CD", "A", "B2"]
    assert list(frame["predecessors"]) == ["C + D", "A", "B"]
    assert list(frame["mbc_change"]) == [1, 0, -1]  # CD 10 - C 9, A 6 - 6, B2 6 - B 7
    gone = c.disappeared_frame()
    assert list(gone["fate"]) == ["amended", "merged", "merged"]


@settings(max_examples=100, deadline=None)
@given(rounds(min_options=1, max_options=5))
def test_comparing_a_round_with_itself_changes_nothing(data):
    ids, ballots, groups = data
    s = Session(id="s", question="q", options=tuple(Option(i, f"Option {i}") for i in ids))
    r = count_rankings(ids, ballots, groups)
    c = compare_rounds(s, r, r)
    assert c.disappeared == () and c.points_comparable
    for o in c.options:
        assert o.kind == "carried" and o.predecessors == (o.id,)
        assert o.mbc_change == 0 and o.consensus_change == 0.0
        assert o.label == f"Option {o.id}"
