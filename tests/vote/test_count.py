"""Tests for partnership_tools.vote.count: hand-worked examples and hypothesis properties."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnership_tools.vote.ballots import BallotMatrix
from partnership_tools.vote.count import (
    GroupResult,
    OptionResult,
    RoundResult,
    count_rankings,
    count_round,
    smith_set,
)

try:
    from tests.strategies import rounds
except ImportError:  # tests/ run as a plain directory
    from strategies import rounds

MODEST = settings(max_examples=100, deadline=None)


# ------------------------------------------------------------------------------------------
# Pure-Python brute-force reference, written straight from the definitions
# ------------------------------------------------------------------------------------------
def brute_pairwise(ids, ballots):
    p = {x: {y: 0 for y in ids if y != x} for x in ids}
    for ranking in ballots:
        pos = {o: k for k, o in enumerate(ranking)}
        for x in ids:
            for y in ids:
                if x == y or x not in pos:
                    continue
                if y not in pos or pos[x] < pos[y]:
                    p[x][y] += 1
    return p


def brute_mbc(ids, ballots):
    pts = dict.fromkeys(ids, 0)
    for ranking in ballots:
        m = len(ranking)
        for k, o in enumerate(ranking, start=1):
            pts[o] += m - k + 1
    return pts


def brute_smith(ids, p):
    """Smallest non-empty subset whose members each beat every non-member (by brute force)."""

    def beats(x, y):
        return p[x][y] > p[y][x]

    for size in range(1, len(ids) + 1):
        for subset in itertools.combinations(ids, size):
            rest = [y for y in ids if y not in subset]
            if all(beats(x, y) for x in subset for y in rest):
                return set(subset)
    raise AssertionError("the whole set always qualifies")


# ------------------------------------------------------------------------------------------
# Hand-worked examples
# ------------------------------------------------------------------------------------------
def test_three_ballots_four_options_with_a_tie():
    # Ballots over n = 4 options A, B, C, D:
    #   b1 A>B>C>D (m=4): MBC A4 B3 C2 D1; classic Borda (4-k) A3 B2 C1 D0
    #   b2 B>A     (m=2): MBC B2 A1;       Borda B3 A2
    #   b3 C       (m=1): MBC C1;          Borda C3
    r = count_rankings(["A", "B", "C", "D"], [["A", "B", "C", "D"], ["B", "A"], ["C"]])
    assert r.ballots == 3 and r.n_options == 4
    # MBC: A 4+1 = 5, B 3+2 = 5, C 2+1 = 3, D 1
    assert r.mbc == {"A": 5, "B": 5, "C": 3, "D": 1}
    # coefficient = points / (3 ballots x 4 options = 12)
    assert r.consensus == {"A": 5 / 12, "B": 5 / 12, "C": 3 / 12, "D": 1 / 12}
    # Borda: A 3+2 = 5, B 2+3 = 5, C 1+3 = 4, D 0
    assert r.borda == {"A": 5, "B": 5, "C": 4, "D": 0}
    assert r.first_preferences == {"A": 1, "B": 1, "C": 1, "D": 0}
    # rank counts: A 1st in b1, 2nd in b2; B 2nd in b1, 1st in b2; C 3rd in b1, 1st in b3; D 4th
    assert r.option("A").rank_counts == (1, 1, 0, 0)
    assert r.option("B").rank_counts == (1, 1, 0, 0)
    assert r.option("C").rank_counts == (1, 0, 1, 0)
    assert r.option("D").rank_counts == (0, 0, 0, 1)
    # Pairwise (ranked beats unranked; two unranked not compared):
    #   A>B: b1 only = 1; B>A: b2 only = 1
    #   A>C: b1, b2 (C unranked) = 2; C>A: b3 (A unranked) = 1
    #   A>D: b1, b2 = 2; D>A: 0 (b3 ranks neither)
    #   B>C: b1, b2 = 2; C>B: b3 = 1;  B>D: b1, b2 = 2; D>B: 0
    #   C>D: b1, b3 = 2 (b2 ranks neither); D>C: 0
    assert r.pairwise == {
        "A": {"B": 1, "C": 2, "D": 2},
        "B": {"A": 1, "C": 2, "D": 2},
        "C": {"A": 1, "B": 1, "D": 2},
        "D": {"A": 0, "B": 0, "C": 0},
    }
    # A and B tie head to head, so no Condorcet winner; {A, B} each beat C and D.
    assert r.condorcet_winner is None
    assert r.smith_set == ("A", "B")
    # Tie at the top (5 points): both reported, in ballot-paper order, nothing broken.
    assert r.winners == ("A", "B")
    assert r.ranking == ("A", "B", "C", "D")
    assert r.groups == () and r.no_group_ballots == 3
    assert r.option("A").min_group is None and r.option("A").min_group_consensus is None


def test_condorcet_cycle_smith_set_sorted_by_mbc():
    # Ballot paper order B, C, A. Ballots: 3 x A>B>C, 2 x B>C>A, 2 x C>A>B (7 ballots).
    ballots = [["A", "B", "C"]] * 3 + [["B", "C", "A"]] * 2 + [["C", "A", "B"]] * 2
    r = count_rankings(["B", "C", "A"], ballots)
    # Pairwise: A over B in A>B>C and C>A>B = 3 + 2 = 5; B over A = 2
    #           B over C in A>B>C and B>C>A = 3 + 2 = 5; C over B = 2
    #           C over A in B>C>A and C>A>B = 2 + 2 = 4; A over C = 3
    assert r.pairwise["A"]["B"] == 5 and r.pairwise["B"]["A"] == 2
    assert r.pairwise["B"]["C"] == 5 and r.pairwise["C"]["B"] == 2
    assert r.pairwise["C"]["A"] == 4 and r.pairwise["A"]["C"] == 3
    # A beats B, B beats C, C beats A: a cycle, no Condorcet winner.
    assert r.condorcet_winner is None
    # MBC: A 3*3 + 2*1 + 2*2 = 15; B 3*2 + 2*3 + 2*1 = 14; C 3*1 + 2*2 + 2*3 = 13
    assert r.mbc == {"B": 14, "C": 13, "A": 15}
    # The Smith set is all three, reported by MBC (A, B, C), not ballot-paper order (B, C, A).
    assert r.smith_set == ("A", "B", "C")
    assert r.winners == ("A",)
    assert r.ranking == ("A", "B", "C")


def test_pure_three_way_cycle_is_a_three_way_tie():
    # A>B>C, B>C>A, C>A>B: every option gets 3 + 2 + 1 = 6 points, coefficient 6 / 9.
    r = count_rankings(["A", "B", "C"], [["A", "B", "C"], ["B", "C", "A"], ["C", "A", "B"]])
    assert r.mbc == {"A": 6, "B": 6, "C": 6}
    assert r.consensus == {"A": 6 / 9, "B": 6 / 9, "C": 6 / 9}
    assert r.winners == ("A", "B", "C")
    # each pair is 2 to 1 around the cycle
    assert (r.pairwise["A"]["B"], r.pairwise["B"]["C"], r.pairwise["C"]["A"]) == (2, 2, 2)
    assert r.condorcet_winner is None
    assert r.smith_set == ("A", "B", "C")


def test_zero_ballots():
    r = count_rankings(["A", "B"], [])
    assert r.ballots == 0
    assert r.mbc == {"A": 0, "B": 0}
    assert r.consensus == {"A": 0.0, "B": 0.0}
    assert r.borda == {"A": 0, "B": 0} and r.first_preferences == {"A": 0, "B": 0}
    assert r.option("A").rank_counts == (0, 0)
    assert r.pairwise == {"A": {"B": 0}, "B": {"A": 0}}
    assert r.winners == () and r.condorcet_winner is None and r.smith_set == ()
    assert r.top_consensus == 0.0


def test_zero_ballots_with_a_known_group():
    m = BallotMatrix(("A", "B"), np.zeros((0, 2), np.int8), np.zeros(0, np.int32), ("Managers",))
    r = count_round(m)
    assert r.groups == (GroupResult("Managers", 0, {"A": 0, "B": 0}, {"A": 0.0, "B": 0.0}),)
    # no group cast a ballot, so there is no group minimum
    assert r.option("A").min_group is None


def test_blank_ballots_count_but_give_no_points():
    # 2 ballots, one blank: A gets 1 point of 2 x 2 = 4 possible
    r = count_rankings(["A", "B"], [["A"], []])
    assert r.ballots == 2 and r.mbc == {"A": 1, "B": 0} and r.consensus["A"] == 0.25
    only_blank = count_rankings(["A", "B"], [[]])
    assert only_blank.winners == () and only_blank.ballots == 1


def test_group_minimum():
    # Options A, B, C (n = 3).
    #   Managers: A>B>C, A>B>C      -> A 3+3 = 6, B 2+2 = 4, C 1+1 = 2   (of 2 x 3 = 6)
    #   Citizens: B>C>A, C>B        -> A 1, B 3+1 = 4, C 2+2 = 4         (of 6)
    #   no group: A>C               -> A 2, C 1
    ballots = [["A", "B", "C"], ["B", "C", "A"], ["A", "C"], ["A", "B", "C"], ["C", "B"]]
    groups = ["Managers", "Citizens", None, "Managers", "Citizens"]
    r = count_rankings(["A", "B", "C"], ballots, groups)
    # overall: A 6+1+2 = 9, B 4+4 = 8, C 2+4+1 = 7, of 5 x 3 = 15
    assert r.mbc == {"A": 9, "B": 8, "C": 7}
    assert r.consensus == {"A": 9 / 15, "B": 8 / 15, "C": 7 / 15}
    assert r.no_group_ballots == 1
    managers, citizens = r.groups
    assert managers == GroupResult(
        "Managers", 2, {"A": 6, "B": 4, "C": 2}, {"A": 1.0, "B": 4 / 6, "C": 2 / 6}
    )
    assert citizens == GroupResult(
        "Citizens", 2, {"A": 1, "B": 4, "C": 4}, {"A": 1 / 6, "B": 4 / 6, "C": 4 / 6}
    )
    # The winner A is far less acceptable to the citizens (1/6) than to the managers (1.0).
    assert (r.option("A").min_group, r.option("A").min_group_consensus) == ("Citizens", 1 / 6)
    # C: managers 2/6 < citizens 4/6
    assert (r.option("C").min_group, r.option("C").min_group_consensus) == ("Managers", 2 / 6)
    # B: 4/6 in both groups; the tie goes to the first group in group order (Managers)
    assert (r.option("B").min_group, r.option("B").min_group_consensus) == ("Managers", 4 / 6)
    assert r.group("Citizens").ballots == 2


def test_labels_and_frames():
    r = count_rankings(["A", "B"], [["B", "A"], ["B"]], labels={"B": "Joint budget"})
    # B: 2 + 1 = 3, A: 1, of 2 x 2 = 4
    assert r.option("B").label == "Joint budget" and r.option("A").label == "A"
    frame = r.to_frame()
    assert list(frame["option_id"]) == ["B", "A"]
    assert list(frame["mbc"]) == [3, 1]
    assert list(frame["position"]) == [1, 2]
    assert list(frame["rank_1"]) == [2, 0] and list(frame["rank_2"]) == [0, 1]
    assert list(frame["winner"]) == [True, False]
    pw = r.pairwise_frame()
    # B above A on both ballots (A unranked on the second)
    assert pw.set_index(["option_id", "against"]).loc[("B", "A"), "above"] == 2
    assert r.pairwise_matrix().tolist() == [[0, 0], [2, 0]]


def test_groups_frame_is_long_form():
    r = count_rankings(["A", "B"], [["A"], ["B", "A"]], ["x", "y"])
    g = r.groups_frame()
    assert len(g) == 4  # 2 groups x 2 options
    # group y: B>A gives B 2, A 1, of 1 x 2
    row = g[(g.group == "y") & (g.option_id == "B")].iloc[0]
    assert (row.mbc, row.consensus, row.group_ballots) == (2, 1.0, 1)


def test_invalid_matrices_are_refused():
    ids = ("A", "B", "C")
    bad_rows = [[1, 1, 0], [2, 0, 0], [1, 3, 0], [4, 1, 2], [-1, 1, 2]]
    for row in bad_rows:
        m = BallotMatrix(ids, np.array([row], np.int8), np.array([-1], np.int32))
        with pytest.raises(ValueError):
            count_round(m)
    m = BallotMatrix(ids, np.array([[1, 2, 3]], np.int8), np.array([3], np.int32), ("x",))
    with pytest.raises(ValueError, match="group"):
        count_round(m)


def test_unknown_option_lookup():
    r = count_rankings(["A"], [["A"]])
    with pytest.raises(KeyError):
        r.option("Z")


def test_smith_set_function():
    # A beats B (2-1), B beats C (2-1), C beats A (2-1): all three
    assert smith_set([[0, 2, 1], [1, 0, 2], [2, 1, 0]]) == (0, 1, 2)
    # D loses to everyone; A, B, C cycle above it
    p = [[0, 2, 1, 3], [1, 0, 2, 3], [2, 1, 0, 3], [0, 0, 0, 0]]
    assert smith_set(p) == (0, 1, 2)
    assert smith_set(np.zeros((0, 0))) == ()


# ------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------
@MODEST
@given(rounds())
def test_round_trip_through_json(data):
    ids, ballots, groups = data
    r = count_rankings(ids, ballots, groups)
    d = r.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert RoundResult.from_dict(json.loads(json.dumps(d))) == r
    assert json.dumps(d) == json.dumps(RoundResult.from_dict(d).to_dict())
    for o in r.options:
        assert OptionResult.from_dict(o.to_dict()) == o


@MODEST
@given(rounds(), st.data())
def test_relabelling_options_relabels_results(data, draw):
    ids, ballots, groups = data
    new = draw.draw(st.permutations([f"new{k}" for k in range(len(ids))]))
    f = dict(zip(ids, new, strict=True))
    r1 = count_rankings(ids, ballots, groups)
    r2 = count_rankings([f[i] for i in ids], [[f[o] for o in b] for b in ballots], groups)
    assert r2.mbc == {f[k]: v for k, v in r1.mbc.items()}
    assert r2.consensus == {f[k]: v for k, v in r1.consensus.items()}
    assert r2.pairwise == {
        f[x]: {f[y]: v for y, v in row.items()} for x, row in r1.pairwise.items()
    }
    assert r2.winners == tuple(f[w] for w in r1.winners)
    assert r2.smith_set == tuple(f[w] for w in r1.smith_set)
    assert r2.condorcet_winner == (f[r1.condorcet_winner] if r1.condorcet_winner else None)
    assert r2.ranking == tuple(f[w] for w in r1.ranking)
    for o in r1.options:
        o2 = r2.option(f[o.id])
        assert (o2.borda, o2.first_preferences, o2.rank_counts) == (
            o.borda,
            o.first_preferences,
            o.rank_counts,
        )
        assert (o2.min_group, o2.min_group_consensus) == (o.min_group, o.min_group_consensus)


@MODEST
@given(rounds(), st.randoms(use_true_random=False))
def test_order_of_ballots_does_not_matter(data, rnd):
    ids, ballots, groups = data
    order = list(range(len(ballots)))
    rnd.shuffle(order)
    r1 = count_rankings(ids, ballots, groups)
    r2 = count_rankings(
        ids, [ballots[i] for i in order], [groups[i] for i in order] if groups else None
    )
    d1, d2 = r1.to_dict(), r2.to_dict()
    # Group order follows first appearance, and on a tie for the lowest group coefficient the
    # first group in that order is named; compare groups by name and minima by value.
    g1 = {g["group"]: g for g in d1.pop("groups")}
    g2 = {g["group"]: g for g in d2.pop("groups")}
    assert g1 == g2
    for o in d1["options"] + d2["options"]:
        group = o.pop("min_group")
        if group is not None:
            assert g1[group]["consensus"][o["id"]] == o["min_group_consensus"]
    assert d1 == d2


@MODEST
@given(rounds())
def test_each_ballot_hands_out_m_m_plus_1_over_2_points(data):
    ids, ballots, groups = data
    r = count_rankings(ids, ballots, groups)
    assert sum(r.mbc.values()) == sum(len(b) * (len(b) + 1) // 2 for b in ballots)
    assert r.mbc == brute_mbc(ids, ballots)
    # and one ballot alone gives m, m-1, ..., 1
    for b in ballots[:3]:
        single = count_rankings(ids, [b])
        assert [single.mbc[o] for o in b] == list(range(len(b), 0, -1))


@MODEST
@given(rounds())
def test_coefficients_lie_in_range(data):
    ids, ballots, groups = data
    r = count_rankings(ids, ballots, groups)
    for o in r.options:
        assert 0.0 <= o.consensus <= 1.0
        if o.mbc > 0:
            assert 0.0 < o.consensus <= 1.0
        assert o.consensus == (o.mbc / (r.ballots * r.n_options) if r.ballots else 0.0)
    for g in r.groups:
        assert all(0.0 <= c <= 1.0 for c in g.consensus.values())


@MODEST
@given(rounds(full=True, min_ballots=1))
def test_full_ballots_mbc_is_borda_plus_one_per_ballot(data):
    ids, ballots, groups = data
    r = count_rankings(ids, ballots, groups)
    # full ballot: MBC gives n - k + 1, classic Borda n - k: one point more per ballot
    assert all(r.mbc[o] == r.borda[o] + r.ballots for o in ids)
    # and every coefficient is at least 1/n
    assert all(c >= 1 / len(ids) - 1e-12 for c in r.consensus.values())


@MODEST
@given(rounds())
def test_pairwise_matches_brute_force(data):
    ids, ballots, groups = data
    r = count_rankings(ids, ballots, groups)
    assert r.pairwise == brute_pairwise(ids, ballots)
    for x in ids:
        for y in ids:
            if x != y:
                assert r.pairwise[x][y] + r.pairwise[y][x] <= r.ballots


@MODEST
@given(rounds(with_groups=True))
def test_group_points_add_up(data):
    ids, ballots, groups = data
    r = count_rankings(ids, ballots, groups)
    no_group = brute_mbc(ids, [b for b, g in zip(ballots, groups, strict=True) if g is None])
    for o in ids:
        assert sum(g.mbc[o] for g in r.groups) == r.mbc[o] - no_group[o]
    assert sum(g.ballots for g in r.groups) + r.no_group_ballots == r.ballots
    for g in r.groups:
        mine = [b for b, name in zip(ballots, groups, strict=True) if name == g.group]
        assert g.ballots == len(mine) and g.mbc == brute_mbc(ids, mine)
    for o in r.options:
        voting = [g for g in r.groups if g.ballots]
        if voting:
            assert o.min_group_consensus == min(g.consensus[o.id] for g in voting)
            assert r.group(o.min_group).consensus[o.id] == o.min_group_consensus
        else:
            assert o.min_group is None


@MODEST
@given(rounds(min_ballots=1))
def test_condorcet_winner_and_smith_set(data):
    ids, ballots, groups = data
    r = count_rankings(ids, ballots, groups)
    p = brute_pairwise(ids, ballots)
    assert set(r.smith_set) == brute_smith(ids, p)
    beats_all = [x for x in ids if all(p[x][y] > p[y][x] for y in ids if y != x)]
    assert r.condorcet_winner == (beats_all[0] if beats_all else None)
    if r.condorcet_winner is not None:
        assert r.condorcet_winner in r.smith_set
        assert r.smith_set == (r.condorcet_winner,)
    # Smith set reported in MBC order (ties in ballot-paper order)
    assert list(r.smith_set) == [o for o in r.ranking if o in r.smith_set]


@MODEST
@given(rounds(min_ballots=1))
def test_winners_are_the_top_mbc_options(data):
    ids, ballots, groups = data
    r = count_rankings(ids, ballots, groups)
    top = max(r.mbc.values())
    expected = tuple(o for o in ids if r.mbc[o] == top) if top > 0 else ()
    assert r.winners == expected
    # options sorted by MBC, ties keep ballot-paper order
    assert list(r.ranking) == sorted(ids, key=lambda o: (-r.mbc[o], ids.index(o)))
    # rank counts, first preferences and Borda by brute force
    n = len(ids)
    for o in ids:
        ks = [b.index(o) + 1 for b in ballots if o in b]
        assert r.option(o).rank_counts == tuple(ks.count(k) for k in range(1, n + 1))
        assert r.first_preferences[o] == ks.count(1)
        assert r.borda[o] == sum(n - k for k in ks)


def test_large_random_round_matches_reference_on_a_sample():
    rng = np.random.default_rng(7)
    n, big = 6, 3000
    ranks = rng.random((big, n)).argsort(1).argsort(1).astype(np.int8) + 1
    m = rng.integers(0, n + 1, big)
    ranks[ranks > m[:, None]] = 0
    codes = rng.integers(-1, 3, big).astype(np.int32)
    ids = tuple("UVWXYZ")
    bm = BallotMatrix(ids, ranks, codes, ("g0", "g1", "g2"))
    r = count_round(bm)
    ballots = bm.rankings()
    assert r.mbc == brute_mbc(ids, ballots)
    assert r.pairwise == brute_pairwise(ids, ballots)


def _random_round(rng, n, ballots):
    ids = [f"o{j}" for j in range(n)]
    rankings = []
    for _ in range(ballots):
        m = int(rng.integers(0, n + 1))
        rankings.append(tuple(rng.permutation(ids)[:m]))
    groups = [["x", "y", None][int(rng.integers(0, 3))] for _ in range(ballots)]
    return ids, rankings, groups


@pytest.mark.parametrize("n", [1, 2, 14, 15, 30, 31, 62, 63, 130])
def test_wide_ballot_papers_use_the_right_integer_widths(n):
    # n crosses the uint16/uint32/uint64/sort validation widths and the int8/int16 rank type
    rng = np.random.default_rng(n)
    ids, rankings, groups = _random_round(rng, n, 40)
    r = count_rankings(ids, rankings, groups)
    assert r.mbc == brute_mbc(ids, rankings)
    assert r.pairwise == brute_pairwise(ids, rankings)
    for o in ids:
        ks = [b.index(o) + 1 for b in rankings if o in b]
        assert r.option(o).rank_counts == tuple(ks.count(k) for k in range(1, n + 1))
    # a ballot using rank 1 twice (and so skipping another) is refused at every width
    if n >= 2:
        bad = np.zeros((1, n), np.int16 if n > 120 else np.int8)
        bad[0, :2] = 1
        with pytest.raises(ValueError, match="not a valid ranking"):
            count_round(BallotMatrix(tuple(ids), bad, np.array([-1], np.int32)))
        gap = np.zeros((1, n), bad.dtype)
        gap[0, :2] = (1, 3) if n >= 3 else (2, 2)
        with pytest.raises(ValueError):
            count_round(BallotMatrix(tuple(ids), gap, np.array([-1], np.int32)))


def test_the_low_memory_path_gives_the_same_counts(monkeypatch):
    import partnership_tools.vote.rank_counts as rank_counts

    rng = np.random.default_rng(3)
    ids, rankings, groups = _random_round(rng, 7, 200)
    expected = count_rankings(ids, rankings, groups).to_dict()
    monkeypatch.setattr(rank_counts, "TENSOR_LIMIT", 0)
    assert count_rankings(ids, rankings, groups).to_dict() == expected
    assert expected["options"][0]["mbc"] == max(brute_mbc(ids, rankings).values())
