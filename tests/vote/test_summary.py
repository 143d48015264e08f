"""Tests for partnership_tools.vote.summary: the Crowd Wise advice and the plain-English summary."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from partnership_tools.vote.count import count_rankings
from partnership_tools.vote.summary import (
    ACCEPT,
    ADVICE,
    CHECK,
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
    assert set(ADVICE) == {"accept", "check", "keep_talking", "merge_leaders"}


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
    # Groups of two are shown only when the facilitator allows groups that small (with a
    # minimum of 2 the one ballot without a group could be worked out, so 1 is needed here).
    text = summarise(r, 0.5, min_group_size=1)
    assert "the lowest coefficient for A is 0.17, from Citizens" in text
    assert "below the threshold" in text
    # With the default minimum of 5, both groups are hidden and the summary says so.
    text = summarise(r, 0.5)
    assert "lowest coefficient" not in text and "0.17" not in text
    assert "Managers and Citizens are not shown: fewer than 5 ballots each" in text


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


# -- the advice reads the whole result: worked examples, every figure by hand --------------------
def test_worked_accept_names_every_check():
    # 3 x A>B>C, 1 x B>A>C (n = 3, N = 4, 12 points possible):
    #   A 9 + 2 = 11 (0.917), B 6 + 3 = 9 (0.75), C 4 (0.333): lead 0.167 >= 0.05, 0.917 >= 0.6
    #   head to head A over B 3-1, A over C 4-0; first preferences A 3, B 1
    r = count_rankings(["A", "B", "C"], [["A", "B", "C"]] * 3 + [["B", "A", "C"]])
    assert advice(r, 0.6) == ACCEPT
    text = summarise(r, 0.6)
    assert (
        "Crowd Wise advice: A is clearly ahead, at or above the threshold and beats every other"
        " option head to head, so the group can accept it." in text
    )
    assert "first choice" not in text.split("Crowd Wise advice:")[1]  # A leads on them alone


def test_worked_head_to_head_tie_is_something_to_check():
    # A>B>C, A>C>B, B>A>C and the partial B>A (n = 3, N = 4, 12 points possible):
    #   A 3 + 3 + 2 + 1 = 9 (0.75); B 2 + 1 + 3 + 2 = 8 (0.667); C 1 + 2 + 1 = 4 (0.333)
    #   lead 1/12 = 0.083 >= 0.05 and 0.75 >= 0.7: clearly ahead
    #   A above B on ballots 1 and 2, B above A on 3 and 4: level 2 to 2
    #   first preferences: A 2, B 2 (shared)
    ballots = [["A", "B", "C"], ["A", "C", "B"], ["B", "A", "C"], ["B", "A"]]
    r = count_rankings(["A", "B", "C"], ballots)
    assert r.mbc == {"A": 9, "B": 8, "C": 4}
    assert advice(r, 0.7) == CHECK
    text = summarise(r, 0.7)
    assert "can accept it" not in text
    assert (
        "Crowd Wise advice: A is clearly ahead and at or above the threshold, but check before"
        " accepting it: it is level head to head with B (2 to 2)." in text
    )
    assert "It shares the most first choices (2) with B" in text


def test_worked_head_to_head_loss_and_first_preferences_say_why():
    # 3 x A>B>C, 2 x B>C>A (n = 3, N = 5, 15 points possible):
    #   B 6 + 6 = 12 (0.8), A 9 + 2 = 11 (0.733), C 3 + 4 = 7: lead 1/15 = 0.067 >= 0.05
    #   A above B on 3 ballots, B above A on 2: B loses to A; first preferences A 3, B 2
    r = count_rankings(["A", "B", "C"], [["A", "B", "C"]] * 3 + [["B", "C", "A"]] * 2)
    assert advice(r, 0.7) == CHECK
    text = summarise(r, 0.7)
    assert "but check before accepting it: A beats it head to head (3 to 2)." in text
    assert (
        "It is not the most common first choice (A has 3 first choices, B 2): it comes top"
        " because more voters rank it high overall" in text
    )


def test_worked_group_below_the_threshold():
    # x: 6 x A>B>C -> A 18 of 18 (1.0); y: 5 x C>A>B -> A 10 of 15 (0.667), C 15 of 15
    # overall N = 11, 33 possible: A 28 (0.848), C 6 + 15 = 21 (0.636), B 12 + 5 = 17
    #   lead 7/33 = 0.212; A over C 6-5, A over B 11-0: Condorcet winner; first prefs A 6, C 5
    ballots = [["A", "B", "C"]] * 6 + [["C", "A", "B"]] * 5
    r = count_rankings(["A", "B", "C"], ballots, ["x"] * 6 + ["y"] * 5)
    assert r.mbc == {"A": 28, "B": 17, "C": 21}
    assert advice(r, 0.7) == CHECK  # y gives A 0.667 < 0.7
    text = summarise(r, 0.7)
    assert "the lowest coefficient for A is 0.67, from y, below the threshold" in text
    assert "but check before accepting it: y gives it 0.67, below the threshold." in text
    assert advice(r, 0.6) == ACCEPT  # 0.667 >= 0.6
    assert "and every group gives it at least the threshold, so the group can accept it" in (
        summarise(r, 0.6)
    )


def test_worked_small_group_is_neither_shown_nor_checked():
    # x: 6 x A>B>C; y: 4 x C>A>B (N = 10, 30 possible): A 18 + 8 = 26 (0.867), C 6 + 12 = 18,
    # B 12 + 4 = 16. y (4 < 5) is hidden; x's figures are overall minus y's, so x is hidden too.
    ballots = [["A", "B", "C"]] * 6 + [["C", "A", "B"]] * 4
    r = count_rankings(["A", "B", "C"], ballots, ["x"] * 6 + ["y"] * 4)
    # y gives A 8 of 12 = 0.667 < 0.7, but a hidden group is not checked (that would show it).
    assert advice(r, 0.7) == ACCEPT
    text = summarise(r, 0.7)
    assert "0.67" not in text and "lowest coefficient" not in text
    assert "y is not shown: fewer than 5 ballots" in text
    assert "x is not shown either, so that the hidden groups cannot be worked out" in text
    assert "The groups not shown were not checked." in text
    # With a minimum of 4, both are shown and y is below the threshold.
    assert advice(r, 0.7, min_group_size=4) == CHECK


def test_every_group_tied_for_lowest_is_named():
    # x: A>B, y: B>A, z: B>A (one ballot each, minimum 1): B gets 1 of 2 from x, 2 of 2 from y, z
    r = count_rankings(["A", "B"], [["A", "B"], ["B", "A"], ["B", "A"]], ["x", "y", "z"])
    text = summarise(r, 0.5, min_group_size=1)
    assert "the lowest coefficient for B is 0.50, from x" in text  # B: x 1/2, y 1, z 1
    # B 1 + 2 + 2 = 5 beats A 2 + 1 + 1 = 4, so only B's lowest group is given: x alone.
    assert "the lowest coefficient for A" not in text
    r2 = count_rankings(["A", "B"], [["A", "B"], ["A", "B"], ["B", "A"]], ["x", "y", "z"])
    # A 2 + 2 + 1 = 5 wins; x and y give A 1.0, z gives A 0.5: z alone is lowest
    assert "lowest coefficient for A is 0.50, from z" in summarise(r2, 0.5, min_group_size=1)
    r3 = count_rankings(
        ["A", "B"],
        [["A", "B"], ["B", "A"], ["A", "B"], ["B", "A"], ["A"]],
        ["x", "y", "z", "w", None],
    )
    # A 2 + 1 + 2 + 1 + 1 = 7 of 10 wins; y and w both give A 1 of 2 = 0.5: both named
    assert "lowest coefficient for A is 0.50, from y and w" in summarise(r3, 0.5, min_group_size=1)


def test_runners_up_tied_are_all_named():
    # A>B>C, A>C>B (N = 2, 6 possible): A 6, B 2 + 1 = 3, C 1 + 2 = 3: B and C tie for second
    r = count_rankings(["A", "B", "C"], [["A", "B", "C"], ["A", "C", "B"]])
    assert "It leads the runners-up, B and C (tied), by 3 points and 0.50 in coefficient" in (
        summarise(r, 0.5)
    )


def test_summary_rounds_half_up():
    # n = 2, N = 4 (8 points possible): A>B, A>B, B>A and the partial B:
    #   A 2 + 2 + 1 = 5, B 1 + 1 + 2 + 1 = 5 -> both exactly 5/8 = 0.625
    r = count_rankings(["A", "B"], [["A", "B"], ["A", "B"], ["B", "A"], ["B"]])
    assert r.consensus == {"A": 0.625, "B": 0.625}
    assert f"{0.625:.2f}" == "0.62"  # what the old format gave
    assert "a consensus coefficient of 0.63" in summarise(r, 0.5)


@settings(max_examples=100, deadline=None)
@given(rounds(), st.floats(min_value=0.05, max_value=1.0))
def test_accept_only_when_every_check_passes(data, threshold):
    ids, ballots, groups = data
    r = count_rankings(ids, ballots, groups)
    if advice(r, threshold, min_group_size=1) != ACCEPT:
        return
    (x,) = r.winners
    for y in ids:
        if y != x:
            assert r.pairwise[x][y] > r.pairwise[y][x]
    # With a minimum of 1 no group is hidden (nothing lies strictly between 0 and 1 ballots),
    # so every group with ballots was checked.
    for g in (g for g in r.groups if g.ballots):
        assert g.consensus[x] >= threshold - 1e-9


def test_head_to_head_tie_in_the_top_set_is_named():
    # 3 x F>G>H and 3 x G>F>H (n = 3, 6 ballots, 18 points possible per option):
    #   F 3*3 + 3*2 = 15, G 15, H 6; F above G on 3 ballots, G above F on 3: a 3-3 tie;
    #   both beat H 6-0, so neither is a Condorcet winner and the top set is F and G.
    r = count_rankings(["F", "G", "H"], [["F", "G", "H"]] * 3 + [["G", "F", "H"]] * 3)
    assert r.mbc == {"F": 15, "G": 15, "H": 6}
    text = summarise(r, 0.7, labels={"F": "Shared team", "G": "Joint board"})
    assert (
        "No option beats every other option head to head. The top set (the smallest group of"
        " options that each beat every option outside it) is Shared team and Joint board."
        " Shared team and Joint board tie head to head (3 to 3)."
    ) in text
    # 15/18 - 15/18 = 0 < 0.05 and 15/18 - 6/18 = 0.5 >= 0.10
    assert advice(r, 0.7) == MERGE_LEADERS


def test_head_to_head_tie_with_a_single_mbc_leader():
    # 3 x F>G>H, 2 x G>F>H, 1 x G>H>F (n = 3, 6 ballots, 18 possible):
    #   F 9 + 4 + 1 = 14, G 6 + 6 + 3 = 15, H 3 + 2 + 2 = 7
    #   F above G on 3 ballots, G above F on 3: tie; F beats H 5-1, G beats H 6-0
    ballots = [["F", "G", "H"]] * 3 + [["G", "F", "H"]] * 2 + [["G", "H", "F"]]
    r = count_rankings(["F", "G", "H"], ballots)
    assert r.mbc == {"F": 14, "G": 15, "H": 7}
    # G 15/18 = 0.833 >= 0.7, lead 1/18 = 0.056 >= 0.05: clear, but level with F
    assert advice(r, 0.7) == CHECK
    text = summarise(r, 0.7)
    assert "The top set (the smallest group of options that each beat every option outside" in text
    # the top set is listed in MBC order, G first, and so is the tie
    assert "is G and F. G and F tie head to head (3 to 3)." in text
    assert "but check before accepting it: it is level head to head with F (3 to 3)." in text


def test_no_tie_sentence_without_a_head_to_head_tie():
    # the A>B>C, B>C>A, C>A>B cycle: every contest is 2-1, none level
    r = count_rankings(["A", "B", "C"], [["A", "B", "C"], ["B", "C", "A"], ["C", "A", "B"]])
    assert "tie head to head" not in summarise(r, 0.5)
    # a Condorcet winner beats everyone: nothing level in the top set
    assert "tie head to head" not in summarise(clear_winner(), 0.6)
