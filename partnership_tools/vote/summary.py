"""A plain-English summary of a counted round, and the Crowd Wise advice that goes with it.

Crowd Wise reads a result qualitatively: a top option well ahead can be accepted; no clear lead
means keep talking and vote again; two options close together and ahead of the rest suggest a
merger. :func:`advice` turns that into one of three codes using the constants below (all measured
in consensus coefficient, which is comparable across rounds; MBC points are not):

* ``CLEAR_LEAD``: the top option is *clearly ahead* when it leads the runner-up by at least this.
* The two leaders are *close together* when the first leads the second by less than
  ``CLEAR_LEAD`` (a tie included).
* ``WELL_AHEAD_OF_REST``: the two leaders are *well ahead of the rest* when the second leads the
  third by at least this.

>>> from partnership_tools.vote.count import count_rankings
>>> r = count_rankings(["A", "B", "C"], [["A", "B", "C"]] * 3 + [["B", "A", "C"]])
>>> advice(r, threshold=0.6)  # A: 11/12 = 0.92, B: 9/12 = 0.75, lead 0.17
'accept'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from partnership_tools.vote.count import RoundResult

__all__ = [
    "ACCEPT",
    "ADVICE",
    "CLEAR_LEAD",
    "KEEP_TALKING",
    "MERGE_LEADERS",
    "WELL_AHEAD_OF_REST",
    "advice",
    "summarise",
]

CLEAR_LEAD = 0.05
"""Lead in consensus coefficient over the runner-up at or above which the top option is
"clearly ahead"; below it the two leaders are "close together"."""

WELL_AHEAD_OF_REST = 0.10
"""Gap in consensus coefficient between the second and the third option at or above which the two
leaders are "well ahead of the rest"."""

ACCEPT = "accept"
KEEP_TALKING = "keep_talking"
MERGE_LEADERS = "merge_leaders"
ADVICE = (ACCEPT, KEEP_TALKING, MERGE_LEADERS)

_EPS = 1e-9  # coefficients are ratios of integers: compare with a hair of tolerance


def advice(result: RoundResult, threshold: float) -> str:
    """One of ``"accept"``, ``"keep_talking"`` or ``"merge_leaders"``.

    With ``c1 >= c2 >= c3`` the top three consensus coefficients:

    * ``"accept"`` when there is a single winner, ``c1 >= threshold`` and ``c1 - c2 >=
      CLEAR_LEAD`` (or it was the only option);
    * otherwise ``"merge_leaders"`` when there are at least three options, ``c1 - c2 <
      CLEAR_LEAD`` and ``c2 - c3 >= WELL_AHEAD_OF_REST``;
    * otherwise ``"keep_talking"`` (also when there were no ballots or no option got a point).

    >>> from partnership_tools.vote.count import count_rankings
    >>> r = count_rankings(["A", "B", "C"], [["A", "B", "C"], ["B", "A", "C"]])
    >>> advice(r, 0.5)  # A and B tied at 5/6, C at 2/6: close together, well ahead of C
    'merge_leaders'
    """
    if result.ballots == 0 or not result.winners:
        return KEEP_TALKING
    c = [o.consensus for o in result.options]
    lead = c[0] - c[1] if len(c) > 1 else float("inf")
    if len(result.winners) == 1 and c[0] >= threshold - _EPS and lead >= CLEAR_LEAD - _EPS:
        return ACCEPT
    if len(c) >= 3 and lead < CLEAR_LEAD - _EPS and c[1] - c[2] >= WELL_AHEAD_OF_REST - _EPS:
        return MERGE_LEADERS
    return KEEP_TALKING


def summarise(
    result: RoundResult, threshold: float, labels: Mapping[str, str] | None = None
) -> str:
    """A few plain-English sentences about a round: the winner or tie, the top coefficient
    against the facilitator's ``threshold``, the lead over the runner-up (points and
    coefficient), what first preferences and the pairwise count would have picked, each winner's
    lowest group coefficient (when ballots carried groups) and the Crowd Wise :func:`advice`.

    ``labels`` (option id -> label) overrides the labels stored in the result.

    >>> from partnership_tools.vote.count import count_rankings
    >>> r = count_rankings(["A", "B", "C"], [["A", "B", "C"]] * 3 + [["B", "A", "C"]])
    >>> print(summarise(r, 0.6, labels={"A": "Shared office"}))  # doctest: +NORMALIZE_WHITESPACE
    Shared office comes top with 11 points from 4 ballots, a consensus coefficient of 0.92.
    That is above the threshold of 0.60 the facilitator set before the vote. It leads the
    runner-up, B, by 2 points and 0.17 in coefficient. Counting first preferences alone would
    have picked the same option. Shared office also beats every other option head to head (the
    Condorcet winner). Crowd Wise advice: Shared office is clearly ahead and at or above the
    threshold, so the group can accept it.
    """
    names = dict(result.labels)
    names.update(labels or {})

    def name(oid: str) -> str:
        return names.get(oid, oid)

    def names_of(ids: Sequence[str]) -> str:
        return _join([name(i) for i in ids])

    if result.ballots == 0:
        return (
            "No valid ballots were counted in this round, so there is no winner yet. "
            "Crowd Wise advice: keep talking and vote again once people have ranked the options."
        )
    if not result.winners:
        return (
            f"{_ballots(result.ballots)} counted, but none of them ranked any option, so there "
            "is no winner. Crowd Wise advice: keep talking and vote again."
        )

    out: list[str] = []
    opts = result.options
    winners = result.winners
    top = opts[0]
    tied = len(winners) > 1

    if tied:
        out.append(
            f"{names_of(winners)} are tied at the top with {top.mbc:,} points each from "
            f"{_ballots(result.ballots)}, a consensus coefficient of {top.consensus:.2f}; "
            "the count does not break the tie."
        )
    else:
        out.append(
            f"{name(top.id)} comes top with {_points(top.mbc)} from {_ballots(result.ballots)}, "
            f"a consensus coefficient of {top.consensus:.2f}."
        )

    if abs(top.consensus - threshold) <= _EPS:
        where = "exactly at"
    elif top.consensus > threshold:
        where = "above"
    else:
        where = "below"
    out.append(
        f"That is {where} the threshold of {threshold:.2f} the facilitator set before the vote."
    )

    rest = opts[len(winners) :]
    if rest:
        nxt = rest[0]
        gap_p = top.mbc - nxt.mbc
        gap_c = top.consensus - nxt.consensus
        if tied:
            out.append(
                f"The next option, {name(nxt.id)}, is {_points(gap_p)} and {gap_c:.2f} in "
                "coefficient behind."
            )
        else:
            out.append(
                f"It leads the runner-up, {name(nxt.id)}, by {_points(gap_p)} and {gap_c:.2f} "
                "in coefficient."
            )
    elif len(opts) == 1:
        out.append("It was the only option on the ballot paper.")

    if len(opts) > 1:
        out.append(_first_preferences_sentence(result, name, names_of))
        out.append(_pairwise_sentence(result, name, names_of))

    if any(g.ballots for g in result.groups):
        for w in winners:
            o = result.option(w)
            if o.min_group is None or o.min_group_consensus is None:
                continue
            lowest = o.min_group_consensus
            verdict = (
                "at or above the threshold, so every group gives it at least that much support"
                if lowest >= threshold - _EPS
                else "below the threshold: check with that group that they can live with it"
            )
            out.append(
                f"Across the stakeholder groups, the lowest coefficient for {name(w)} is "
                f"{lowest:.2f}, from {o.min_group}, {verdict}."
            )

    code = advice(result, threshold)
    if code == ACCEPT:
        out.append(
            f"Crowd Wise advice: {name(top.id)} is clearly ahead and at or above the threshold, "
            "so the group can accept it."
        )
    elif code == MERGE_LEADERS:
        out.append(
            f"Crowd Wise advice: {names_of([opts[0].id, opts[1].id])} are close together and "
            "well ahead of the rest; consider merging them into one option and voting again."
        )
    else:
        if tied:
            why = "the top is a tie"
        elif top.consensus < threshold - _EPS:
            why = "the top option is below the threshold"
        else:
            why = "no option has a clear lead"
        out.append(
            f"Crowd Wise advice: {why}, so keep talking, adapt the options to widen their "
            "appeal, and vote again."
        )
    return " ".join(out)


# ------------------------------------------------------------------------------------------
def _first_preferences_sentence(result: RoundResult, name, names_of) -> str:
    fp = [(o.first_preferences, o.id) for o in result.options]
    best = max(c for c, _ in fp)
    if best == 0:
        return "No ballot ranked any option first."
    leaders = [oid for oid in result.option_ids if result.option(oid).first_preferences == best]
    if set(leaders) == set(result.winners):
        if len(leaders) == 1:
            return "Counting first preferences alone would have picked the same option."
        return "Counting first preferences alone would have given the same tie."
    if len(leaders) == 1:
        return (
            f"Counting first preferences alone, {name(leaders[0])} would have won, with "
            f"{best:,} first choice{'s' if best != 1 else ''}."
        )
    return (
        f"Counting first preferences alone would have given a tie between {names_of(leaders)}, "
        f"with {best:,} first choice{'s' if best != 1 else ''} each."
    )


def _pairwise_sentence(result: RoundResult, name, names_of) -> str:
    cw = result.condorcet_winner
    if cw is not None:
        if result.winners == (cw,):
            return f"{name(cw)} also beats every other option head to head (the Condorcet winner)."
        lead = "Head to head" if cw in result.winners else "Head to head, however"
        return f"{lead}, {name(cw)} beats every other option (the Condorcet winner)."
    smith = list(result.smith_set)
    cycle = _three_cycle(result, smith)
    text = "No option beats every other option head to head."
    if cycle:
        x, y, z = (name(i) for i in cycle)
        text += (
            f" Preferences go round in a circle: {x} beats {y}, {y} beats {z} and {z} beats {x}."
        )
    if smith:
        text += (
            f" The top set (the smallest group of options that each beat every option outside "
            f"it) is {names_of(smith)}."
        )
    return text


def _three_cycle(result: RoundResult, ids: Sequence[str]) -> tuple[str, str, str] | None:
    for x in ids:
        for y in ids:
            if y == x or not result.beats(x, y):
                continue
            for z in ids:
                if z not in (x, y) and result.beats(y, z) and result.beats(z, x):
                    return (x, y, z)
    return None


def _points(k: int) -> str:
    return f"{k:,} point{'s' if k != 1 else ''}"


def _ballots(k: int) -> str:
    return f"{k:,} ballot{'s' if k != 1 else ''}"


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
