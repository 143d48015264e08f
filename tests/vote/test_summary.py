"""Tests for partnership_tools.vote.summary: the Crowd Wise advice and the plain-English summary."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from partnership_tools.vote.count import count_rankings
from partnership_tools.vote.summary import (
    ACCEPT,
    ADVICE,
    CLEAR_LEAD,
    KEEP_TALKING,
    MERGE_LEADERS,
    WELL_AHEAD_OF_REST,
    advice,
    summarise,
)

try:
    from tests.strategies import rounds
except ImportError:  # tests/ run as a plain directory
    from strategies import rounds


def clear_winner():
    # 3 x A>B>C and 1 x B>A>C (n = 3, 4 ballots, 12 points possible per option):
    #   A 3*3 + 2 = 11 -> 11/12 = 0.917; B 3*2 + 3 = 9 -> 0.75; C 4 -> 0.333
    return count_rankings(["A", "B", "C"], [["A", "B", "C"]] * 3 + [["B", "A", "C"]])


def two_close_leaders():
    # A>B>C and B>A>C: A 3 + 2 = 5, B 5, C 2, of 2 x 3 = 6: 0.833, 0.833, 0.333
    return count_rankings(["A", "B", "C"], [["A", "B", "C"], ["B", "A", "C"]])


def test_constants_are_documented_values():
    assert CLEAR_LEAD == 0.05 and WELL_AHEAD_OF_REST == 0.10
    assert set(ADVICE) == {"accept", "keep_talking", "merge_leaders"}


def test_accept_when_clearly_ahead_and_above_threshold():
    r = clear_winner()
    # 0.917 >= 0.6 and lead 0.917 - 0.75 = 0.167 >= 0.05
    assert advice(r, 0.6) == ACCEPT
    text = summarise(r, 0.6)
    assert "A comes top with 11 points from 4 ballots" in text
    assert "consensus coefficient of 0.92" in text
    assert "above the threshold of 0.60" in text
    assert "leads the runner-up, B, by 2 points and 0.17 in coefficient" in text
    assert "first preferences alone would have picked the same option" in text
    assert "Condorcet winner" in text
    assert "accept" in text


def test_keep_talking_when_below_threshold():
    r = clear_winner()
    # clearly ahead, but 0.917 < 0.95
    assert advice(r, 0.95) == KEEP_TALKING
    text = summarise(r, 0.95)
    assert "below the threshold of 0.95" in text
    assert "keep talking" in text


def test_keep_talking_when_no_clear_lead():
    # A>B>C, B>C>A, C>A>B: 6 points each, a three-way tie and a cycle
    r = count_rankings(["A", "B", "C"], [["A", "B", "C"], ["B", "C", "A"], ["C", "A", "B"]])
    # lead 0 < 0.05, but B - C = 0 < 0.10 too: not two leaders ahead of the rest
    assert advice(r, 0.5) == KEEP_TALKING
    text = summarise(r, 0.5)
    assert "A, B and C are tied at the top with 6 points each" in text
    assert "No option beats every other option head to head" in text
    # A beats B 2-1, B beats C 2-1, C beats A 2-1
    assert "A beats B, B beats C and C beats A" in text
    assert "keep talking" in text


def test_merge_leaders():
    r = two_close_leaders()
    # lead 0 < 0.05 and 0.833 - 0.333 = 0.5 >= 0.10
    assert advice(r, 0.9) == MERGE_LEADERS
    assert advice(r, 0.5) == MERGE_LEADERS
    text = summarise(r, 0.9)
    assert "A and B are tied at the top with 5 points each" in text
    assert "consider merging" in text
    # A and B are level head to head (1-1), both beat C: no Condorcet winner, top set {A, B}
    assert "is A and B." in text


def test_merge_leaders_without_an_exact_tie():
    # 4 options, 10 ballots, 40 points possible per option
    #   5 x A>B>C>D: A 4, B 3, C 2, D 1 each
    #   4 x B>A>C>D: B 4, A 3, C 2, D 1 each
    #   1 x C>D>B>A: C 4, D 3, B 2, A 1
    ballots = [["A", "B", "C", "D"]] * 5 + [["B", "A", "C", "D"]] * 4 + [["C", "D", "B", "A"]]
    r = count_rankings(["A", "B", "C", "D"], ballots)
    # A 20 + 12 + 1 = 33; B 15 + 16 + 2 = 33; C 10 + 8 + 4 = 22; D 5 + 4 + 3 = 12
    # A and B tie at 33/40 = 0.825; B - C = 11/40 = 0.275 >= 0.10
    assert r.mbc == {"A": 33, "B": 33, "C": 22, "D": 12}
    assert advice(r, 0.5) == MERGE_LEADERS
    # Drop the last ballot (9 ballots, 36 points possible):
    #   A 20 + 12 = 32 (0.889), B 15 + 16 = 31 (0.861), C 10 + 8 = 18 (0.5), D 5 + 4 = 9
    r = count_rankings(["A", "B", "C", "D"], ballots[:-1])
    assert r.mbc == {"A": 32, "B": 31, "C": 18, "D": 9}
    # lead 1/36 = 0.028 < 0.05; B - C = 13/36 = 0.36 >= 0.10
    assert advice(r, 0.5) == MERGE_LEADERS


def test_first_preferences_and_condorcet_disagree_with_mbc():
    # 3 x A>B>C, 2 x B>C>A (n = 3, 5 ballots)
    #   MBC: A 3*3 + 2*1 = 11, B 3*2 + 2*3 = 12, C 3*1 + 2*2 = 7 -> B wins on MBC
    #   first preferences: A 3, B 2 -> A
    #   A over B 3-2, A over C 3-2 -> A is the Condorcet winner
    r = count_rankings(["A", "B", "C"], [["A", "B", "C"]] * 3 + [["B", "C", "A"]] * 2)
    assert r.winners == ("B",) and r.condorcet_winner == "A"
    text = summarise(r, 0.5)
    assert "Counting first preferences alone, A would have won, with 3 first choices" in text
    assert "Head to head, however, A beats every other option" in text


def test_first_preference_tie_is_named():
    # 2 x A>B>C, 2 x C>B>A, 1 x B>A>C
    #   MBC A 6 + 2 + 2 = 10, B 4 + 4 + 3 = 11, C 2 + 6 + 1 = 9: B wins
    #   first preferences A 2, C 2, B 1
    ballots = [["A", "B", "C"]] * 2 + [["C", "B", "A"]] * 2 + [["B", "A", "C"]]
    r = count_rankings(["A", "B", "C"], ballots)
    assert r.mbc == {"A": 10, "B": 11, "C": 9}
    text = summarise(r, 0.7, labels={"C": "Community hub"})
    assert "tie between A and Community hub, with 2 first choices each" in text
    # B over A: 2 (C>B>A) + 1 = 3 of 5; B over C: 2 + 1 = 3 of 5 -> Condorcet winner B
    assert "B also beats every other option head to head" in text


def test_group_check_in_summary():
    # Managers: A>B>C x 2 -> A 6 of 6 (1.0); Citizens: B>C>A, C>B -> A 1 of 6
    ballots = [["A", "B", "C"], ["A", "B", "C"], ["B", "C", "A"], ["C", "B"], ["A", "C"]]
    groups = ["Managers", "Managers", "Citizens", "Citizens", None]
    r = count_rankings(["A", "B", "C"], ballots, groups)
    text = summarise(r, 0.5)
    assert "the lowest coefficient for A is 0.17, from Citizens" in text
    assert "below the threshold" in text


def test_zero_ballots_summary():
    r = count_rankings(["A", "B"], [])
    assert advice(r, 0.5) == KEEP_TALKING
    assert "No valid ballots" in summarise(r, 0.5)


@settings(max_examples=100, deadline=None)
@given(rounds(), st.floats(min_value=0.05, max_value=1.0))
def test_advice_and_summary_always_answer(data, threshold):
    ids, ballots, groups = data
    r = count_rankings(ids, ballots, groups)
    code = advice(r, threshold)
    assert code in ADVICE
    if code == ACCEPT:
        assert len(r.winners) == 1 and r.top_consensus >= threshold - 1e-9
    text = summarise(r, threshold)
    assert text and text.endswith(".")
