"""Tests for partnership_tools.vote.rules: the registry and each counting rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from partnership_tools.vote.ballots import BallotMatrix
from partnership_tools.vote.count import count_round
from partnership_tools.vote.rules import RULES, Recount, get_rule, recount, register, rule_names

try:
    from tests.strategies import rounds
except ImportError:  # tests/ run as a plain directory
    from strategies import rounds

MODEST = settings(max_examples=100, deadline=None)

IDS = ("A", "B", "C", "D")
# Three ballots over n = 4 options:
#   b1 A>B>C>D (m = 4), b2 B>A (m = 2), b3 C (m = 1)
HAND = BallotMatrix.from_rankings(IDS, [("A", "B", "C", "D"), ("B", "A"), ("C",)])


def test_registry_has_the_four_rules():
    assert {"mbc", "borda", "first_preferences", "dowdall"} <= set(RULES)
    assert rule_names()[:4] == ("mbc", "borda", "first_preferences", "dowdall")
    for name, fn in RULES.items():
        assert get_rule(name) is fn and fn.rule_name == name and fn.title


def test_unknown_rule():
    with pytest.raises(KeyError, match="known rules"):
        get_rule("instant_runoff")


def test_registering_twice_is_refused():
    with pytest.raises(ValueError):
        register("mbc", "again")(lambda ballots: {})


def test_mbc_by_hand():
    # b1 gives A4 B3 C2 D1; b2 gives B2 A1; b3 gives C1
    assert get_rule("mbc")(HAND) == {"A": 5, "B": 5, "C": 3, "D": 1}


def test_borda_by_hand():
    # rank k of n = 4 scores 4 - k: b1 A3 B2 C1 D0; b2 B3 A2; b3 C3
    assert get_rule("borda")(HAND) == {"A": 5, "B": 5, "C": 4, "D": 0}


def test_first_preferences_by_hand():
    assert get_rule("first_preferences")(HAND) == {"A": 1, "B": 1, "C": 1, "D": 0}


def test_dowdall_by_hand():
    # rank k scores 1/k: A 1 + 1/2 = 1.5; B 1/2 + 1 = 1.5; C 1/3 + 1 = 4/3; D 1/4
    scores = get_rule("dowdall")(HAND)
    assert scores == pytest.approx({"A": 1.5, "B": 1.5, "C": 4 / 3, "D": 0.25})


def test_recount_reports_ties():
    r = recount(HAND, "mbc")
    assert r.winners == ("A", "B")  # 5 points each
    assert r.ranking == ("A", "B", "C", "D")
    r = recount(HAND, "first_preferences")
    assert r.winners == ("A", "B", "C")  # one first choice each
    r = recount(HAND, "dowdall")
    assert r.winners == ("A", "B")  # 1.5 each
    assert Recount.from_dict(r.to_dict()) == r


def test_recount_with_no_ballots_has_no_winner():
    empty = BallotMatrix.from_rankings(IDS, [])
    for name in RULES:
        r = recount(empty, name)
        assert r.winners == () and set(r.scores.values()) == {0}


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_scores_every_option(name):
    scores = get_rule(name)(HAND)
    assert list(scores) == list(IDS)
    assert all(v >= 0 for v in scores.values())
    # an option nobody ranks scores 0 under every rule
    m = BallotMatrix.from_rankings(IDS, [("A",), ("B", "A")])
    assert get_rule(name)(m)["D"] == 0


@MODEST
@given(rounds())
def test_rules_agree_with_count_round(data):
    ids, ballots, groups = data
    m = BallotMatrix.from_rankings(ids, ballots, groups)
    r = count_round(m)
    assert get_rule("mbc")(m) == r.mbc
    assert get_rule("borda")(m) == r.borda
    assert get_rule("first_preferences")(m) == r.first_preferences
    assert recount(m, "mbc").winners == r.winners
    assert recount(m, "mbc").ranking == r.ranking
    # Dowdall from the rank counts: sum over k of count_k / k
    dowdall = get_rule("dowdall")(m)
    for o in r.options:
        assert dowdall[o.id] == pytest.approx(sum(c / k for k, c in enumerate(o.rank_counts, 1)))
