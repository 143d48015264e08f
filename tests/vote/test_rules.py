"""Tests for partnership_tools.vote.rules: the registry and each counting rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from partnership_tools.vote.ballots import BallotMatrix
from partnership_tools.vote.count import RoundResult, count_round
from partnership_tools.vote.rules import (
    RULES,
    Recount,
    get_rule,
    recount,
    register,
    registered,
    rule_names,
    unregister,
)

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


# -- one home per rule: a registered rule reaches count_round and the record -------------------
def top_two(counts):
    """Toy rule reading the raw ballots: ballots ranking the option first or second."""
    r = counts.ballots.ranks
    return ((r >= 1) & (r <= 2)).sum(axis=0)


def test_registered_rule_is_removed_after_the_block():
    with registered("top_two", "Top two", top_two) as rule:
        assert rule_names()[-1] == "top_two" and get_rule("top_two") is rule
        # HAND: b1 A>B>C>D, b2 B>A, b3 C: A 2, B 2, C 1 (b3), D 0
        assert rule(HAND) == {"A": 2, "B": 2, "C": 1, "D": 0}
    assert "top_two" not in RULES
    with pytest.raises(KeyError):
        unregister("top_two")
    with pytest.raises(ValueError):
        unregister("mbc")


def test_count_round_scores_every_registered_rule():
    plain = count_round(HAND)
    assert set(plain.other_rules) == {"dowdall"}
    assert plain.other_rules["dowdall"] == pytest.approx(
        {"A": 1.5, "B": 1.5, "C": 4 / 3, "D": 0.25}
    )
    with registered("top_two", "Top two", top_two):
        r = count_round(HAND)
    assert r.other_rules["top_two"] == {"A": 2, "B": 2, "C": 1, "D": 0}
    assert list(r.scores_by_rule) == ["mbc", "borda", "first_preferences", "dowdall", "top_two"]
    assert r.scores_by_rule["mbc"] == {"A": 5, "B": 5, "C": 3, "D": 1}
    assert r.scores_by_rule["borda"] == {"A": 5, "B": 5, "C": 4, "D": 0}


def test_record_keeps_only_the_rules_it_cannot_rescore():
    plain = count_round(HAND).to_dict()
    assert "other_rules" not in plain  # the kit's own rules leave the record as it was
    with registered("top_two", "Top two", top_two):
        r = count_round(HAND)
        d = r.to_dict()
        # Dowdall is rescored from the recorded rank counts; the toy rule needs the ballots
        assert d["other_rules"] == {"top_two": {"A": 2, "B": 2, "C": 1, "D": 0}}
        assert {k: v for k, v in d.items() if k != "other_rules"} == plain
        back = RoundResult.from_dict(d)
        assert back == r and back.other_rules["dowdall"] == r.other_rules["dowdall"]
    # read back without the toy rule registered, the record still holds its scores
    assert RoundResult.from_dict(d).other_rules["top_two"] == {"A": 2, "B": 2, "C": 1, "D": 0}


def test_rules_from_counts_are_rescored_not_recorded():
    # last choices: rank n of n; HAND has n = 4 and only b1 ranks four options (D last)
    with registered("last", "Last", lambda c: c.rank_counts[:, -1], from_counts=True):
        r = count_round(HAND)
        assert r.other_rules["last"] == {"A": 0, "B": 0, "C": 0, "D": 1}
        d = r.to_dict()
        assert "other_rules" not in d
        assert RoundResult.from_dict(d) == r
