"""Small groups in vote results: which groups are shown, which are hidden and why, the lowest
group (ties named), and a property test that no released combination gives a small group away."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from partnership_tools.review.settings import DEFAULT_MIN_GROUP_SIZE as REVIEW_DEFAULT
from partnership_tools.vote.count import count_rankings
from partnership_tools.vote.disclosure import (
    DEFAULT_MIN_GROUP_SIZE,
    GroupDisclosure,
    group_disclosure,
    lowest_groups,
    min_group_size,
)
from partnership_tools.vote.model import Session

try:
    from tests.strategies import rounds
except ImportError:  # tests/ run as a plain directory
    from strategies import rounds


def counted(sizes: dict[str | None, int]):
    groups = [g for g, k in sizes.items() for _ in range(k)]
    return count_rankings(["A", "B"], [["A", "B"]] * len(groups), groups)


def test_default_matches_the_review_and_reads_the_session_setting():
    assert DEFAULT_MIN_GROUP_SIZE == REVIEW_DEFAULT == 5
    assert min_group_size(Session(id="s", question="q")) == 5
    assert min_group_size(Session(id="s", question="q", settings={"min_group_size": 3})) == 3
    for bad in (0, -2, "7", 2.5, True, None):
        assert min_group_size({"min_group_size": bad}) == 5


def test_police_of_one_is_hidden():
    # The attack in issue 12: Police (1) with its points is that voter's whole ranking.
    r = counted({"Managers": 6, "Citizens": 5, "Police": 1, None: 5})
    d = group_disclosure(r)
    assert d.shown == ("Managers", "Citizens") and d.too_small == ("Police",)
    assert d.to_protect == ()  # Police + 5 without a group = 6 outside the shown groups: safe
    assert d.note() == "Police is not shown: fewer than 5 ballots (the minimum group size)."


def test_subtraction_is_closed_by_hiding_the_smallest_shown_group():
    # Managers 6 + Citizens 5 + Police 1 = 12 = every ballot: Police = total - the other two.
    r = counted({"Managers": 6, "Citizens": 5, "Police": 1})
    d = group_disclosure(r)
    assert d.too_small == ("Police",) and d.to_protect == ("Citizens",)
    assert d.shown == ("Managers",)  # outside it: 5 + 1 = 6 >= 5
    assert "Citizens is not shown either" in d.note()
    # Two ballots without a group are protected the same way, with no small group at all.
    d = group_disclosure(counted({"Managers": 6, "Citizens": 5, None: 2}))
    assert d.too_small == () and d.to_protect == ("Citizens",)
    assert "so that the ballots that named no group cannot be worked out" in d.note()


def test_groups_tied_for_smallest_are_hidden_together():
    d = group_disclosure(counted({"a": 5, "b": 5, "c": 7, "x": 2}))
    # outside a, b, c: 2 -> hide a and b (both 5) -> outside 12
    assert d.to_protect == ("a", "b") and d.shown == ("c",)


def test_group_with_no_ballots_is_not_mentioned():
    r = count_rankings(["A"], [["A"]] * 6, ["a"] * 6)
    r2 = count_rankings(["A"], [], [])
    assert group_disclosure(r).shown == ("a",) and group_disclosure(r).note() == ""
    assert group_disclosure(r2) == GroupDisclosure(5, (), (), ())


def test_lowest_groups_names_every_tie_among_the_shown():
    # x: A>B (A 2 of 2), y: B>A, z: B>A (A 1 of 2 each), one ballot each
    r = count_rankings(["A", "B"], [["A", "B"], ["B", "A"], ["B", "A"]], ["x", "y", "z"])
    assert lowest_groups(r, "A", ("x", "y", "z")) == (0.5, ("y", "z"))
    assert lowest_groups(r, "A", ("x", "z")) == (0.5, ("z",))
    assert lowest_groups(r, "A", ()) is None
    assert lowest_groups(r, "A", group_disclosure(r, 1)) == (0.5, ("y", "z"))


@settings(max_examples=300, deadline=None)
@given(rounds(max_ballots=40, with_groups=True), st.integers(min_value=1, max_value=8))
def test_no_released_combination_covers_fewer_than_k_ballots(data, k):
    ids, ballots, groups = data
    r = count_rankings(ids, ballots, groups)
    d = group_disclosure(r, k)
    sizes = {g.group: g.ballots for g in r.groups}
    assert all(sizes[g] >= k for g in d.shown)
    assert set(d.shown).isdisjoint(d.hidden)
    assert set(d.shown) | set(d.hidden) == {g for g, n in sizes.items() if n}
    # Released: the overall result and each shown group. Any overall-minus-groups difference
    # covers the ballots outside the groups taken away: it must be 0 or at least k ballots.
    shown = list(d.shown)
    for m in range(len(shown) + 1):
        for taken in combinations(shown, m):
            left = r.ballots - sum(sizes[g] for g in taken)
            assert left == 0 or left >= k or not shown
