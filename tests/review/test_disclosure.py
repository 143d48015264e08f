"""Disclosure control across linked tables: whatever the kit releases for a wave, by every
grouping, no combination of it describes fewer than the minimum group size.

Expected outcomes are worked out by hand in comments; the property tests search small random
populations for any recovering combination with a second method (exact rational elimination over
the people themselves, not the atoms the module works with, and a brute-force search of sums and
differences of released cells)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnership_tools.review import Instrument, Responses, score_review
from partnership_tools.review.scoring import OVERALL, score_dimensions, score_items
from partnership_tools.review.scoring.disclosure import isolable, linked_plan
from tests.conftest import tiny_dict

LEVELS = ["P", "M", "F", "C"]
TYPES = ["Council", "Health", "Voluntary"]


@pytest.fixture(scope="module")
def inst() -> Instrument:
    data = tiny_dict()
    data["respondent_fields"][1]["values"] = TYPES
    return Instrument.from_dict(data)


def people_frame(levels: list[str], types: list[str], answers: list[int]) -> list[dict]:
    """One record per person; a2 is reverse-worded, so 6 - a scores a: theme A sums 2a each."""
    return [
        {"wave": "w", "level": lev, "partner_type": t, "a1": a, "a2": 6 - a, "b1": 6 - a}
        for lev, t, a in zip(levels, types, answers, strict=True)
    ]


def the_attack_population() -> tuple[list[str], list[str], list[int]]:
    """One citizen (C) among 18 people: levels P 6, M 5, F 6, C 1; partner types: Council holds
    exactly the 5 managers, Health the 6 P, Voluntary the 6 F and the citizen (7)."""
    levels = ["P"] * 6 + ["M"] * 5 + ["F"] * 6 + ["C"]
    types = ["Health"] * 6 + ["Council"] * 5 + ["Voluntary"] * 7
    answers = [4, 4, 3, 5, 4, 4] + [2, 3, 2, 2, 3] + [5, 5, 4, 4, 5, 3] + [1]  # the citizen: 1
    return levels, types, answers


def released_sums(table: pd.DataFrame, dim: str) -> dict[str, float]:
    """The sum of the answers of each shown row for one theme: n x mean (what an attacker has)."""
    t = table[(table["dimension"] == dim) & ~table["suppressed"]]
    return {
        str(g): float(n) * float(m) for g, n, m in zip(t["group"], t["n"], t["mean"], strict=True)
    }


def test_the_linked_tables_attack_recovers_the_citizen_per_table_but_not_linked(inst):
    levels, types, answers = the_attack_population()
    r = Responses.from_records(inst, people_frame(levels, types, answers))
    # Per table: by level C (1) is hidden and M (5, the smallest) with it; by type nothing is
    # small. Each table alone is safe, yet overall - P - F - Council(= M) = the citizen.
    old = {"disclosure": "per_table"}
    by_level = released_sums(score_dimensions(r, inst, by="level", **old), "A")
    by_type = released_sums(score_dimensions(r, inst, by="partner_type", **old), "A")
    assert set(by_level) == {OVERALL, "P", "F"} and set(by_type) == {OVERALL, *TYPES}
    recovered = by_level[OVERALL] - by_level["P"] - by_level["F"] - by_type["Council"]
    assert recovered == 2 * 1  # items a1 and a2: the citizen's answer twice, exactly
    # Linked: C is hidden; then Voluntary - F (or overall - P - M - F) would give the citizen,
    # and hiding F alone closes both (F and the citizen then only ever appear together).
    by_level = released_sums(score_dimensions(r, inst, by="level"), "A")
    by_type = released_sums(score_dimensions(r, inst, by="partner_type"), "A")
    assert set(by_level) == {OVERALL, "P", "M"} and set(by_type) == {OVERALL, *TYPES}
    # what can still be worked out covers F and the citizen together: 7 people
    rest = by_level[OVERALL] - by_level["P"] - by_level["M"]
    assert rest == by_type["Voluntary"] == 2 * (5 + 5 + 4 + 4 + 5 + 3 + 1)


def test_a_statement_few_answered_in_a_shown_group_is_hidden_with_its_complement(inst):
    # P 6 and M 6 people; in M only 3 answered a2 (the rest left it blank).
    recs = people_frame(["P"] * 6 + ["M"] * 6, ["Council"] * 12, [4] * 12)
    for rec in recs[6:9]:
        rec["a2"] = None
    items = score_items(Responses.from_records(inst, recs), inst, by="level").set_index(
        ["group", "item"]
    )
    assert items.loc[("M", "a2"), "suppressed_reason"] == "small_answers"  # 3 answered
    # overall a2 (9 answers) - P a2 (6) would give M's 3: P's a2 is hidden too
    assert items.loc[("P", "a2"), "suppressed_reason"] == "complementary"
    assert not items.loc[(OVERALL, "a2"), "suppressed"]
    assert not items.loc[("M", "a1"), "suppressed"] and not items.loc[("P", "a1"), "suppressed"]


def test_a_wave_too_small_shows_nothing():
    frame = pd.DataFrame({"level": ["P", "P", "M", "M"]})
    plan = linked_plan(frame, ["level"], 5)
    assert plan.reason(None, OVERALL) == "small_total" and plan.reason("level", "P")


def test_isolable_is_the_rank_test():
    total, group_a = [1, 1, 1, 1], [1, 1, 0, 0]
    cells = np.array([total, group_a])
    assert isolable(cells, [2, 3])  # total - A
    assert not isolable(cells, [2])  # atoms 2 and 3 always appear together
    assert not isolable(np.array([total]), [0, 1, 2])


# -- the property: no combination recovers fewer than k people ----------------------------------
def exact_rank(rows: list[list[int]]) -> int:
    """Rank by exact Gaussian elimination over the rationals."""
    m = [[Fraction(v) for v in r] for r in rows]
    rank, cols = 0, len(m[0]) if m else 0
    for c in range(cols):
        pivot = next((i for i in range(rank, len(m)) if m[i][c] != 0), None)
        if pivot is None:
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        for i in range(len(m)):
            if i != rank and m[i][c] != 0:
                f = m[i][c] / m[rank][c]
                m[i] = [a - f * b for a, b in zip(m[i], m[rank], strict=True)]
        rank += 1
    return rank


def released_cells(inst, recs, k) -> list[list[int]]:
    """People-indicator rows of every cell shown, over both groupings, for theme A."""
    r = Responses.from_records(inst, recs)
    frame = pd.DataFrame(recs)
    rows = []
    for by in ("level", "partner_type"):
        t = score_dimensions(r, inst, by=by, min_group_size=k)
        for g in t[(t["dimension"] == "A") & ~t["suppressed"]]["group"]:
            if g == OVERALL:
                rows.append([1] * len(frame))
            else:
                rows.append([int(v == g) for v in frame[by]])
    return rows


population = st.integers(1, 11).flatmap(
    lambda n: st.tuples(
        st.lists(st.sampled_from(LEVELS[:3]), min_size=n, max_size=n),
        st.lists(st.sampled_from(TYPES), min_size=n, max_size=n),
        st.integers(2, 4),
    )
)


@settings(max_examples=60, deadline=None)
@given(population)
def test_no_set_of_fewer_than_k_people_can_be_isolated(inst, case):
    levels, types, k = case
    recs = people_frame(levels, types, [3] * len(levels))
    rows = released_cells(inst, recs, k)
    n = len(levels)
    if not rows:
        return
    full = exact_rank(rows)
    for size in range(1, k):
        for subset in itertools.combinations(range(n), size):
            rest = [[v for j, v in enumerate(r) if j not in subset] for r in rows]
            kept = exact_rank(rest) if rest and rest[0] else 0
            assert full == kept, f"people {subset} can be isolated from {rows}"


@settings(max_examples=60, deadline=None)
@given(population)
def test_no_sum_or_difference_of_shown_cells_covers_fewer_than_k(inst, case):
    levels, types, k = case
    rows = released_cells(inst, people_frame(levels, types, [3] * len(levels)), k)
    rows = [list(r) for r in {tuple(r) for r in rows}][:9]  # 3^9 combinations at most
    for coefs in itertools.product((-1, 0, 1), repeat=len(rows)):
        v = [sum(c * r[j] for c, r in zip(coefs, rows, strict=True)) for j in range(len(levels))]
        support = sum(1 for x in v if x != 0)
        assert not 0 < support < k, f"{coefs} x cells = {v}"


def test_the_sample_review_is_scored_with_the_linked_rule():
    from partnership_tools.review import load_instrument, read_responses
    from tests.conftest import SAMPLE

    ten = load_instrument("ten_lessons")
    parts = [read_responses(SAMPLE / f"ten_lessons_wave{i}.csv", ten).responses for i in (1, 2)]
    res = score_review(Responses.combine(parts), ten, by="partner_type")
    assert res.settings.disclosure == "linked"
    assert res.dimensions["suppressed"].any()
