"""A plain-English summary of a counted round, and the Crowd Wise advice that goes with it.

Crowd Wise reads a result qualitatively: a top option well ahead can be accepted; no clear lead
means keep talking and vote again; two options close together and ahead of the rest suggest a
merger. :func:`advice` turns that into one of four codes using the constants below (all measured
in consensus coefficient, which is comparable across rounds; MBC points are not) and reads the
whole result, not only the top line:

* ``CLEAR_LEAD``: the top option is *clearly ahead* when it leads the runner-up by at least this.
* The two leaders are *close together* when the first leads the second by less than
  ``CLEAR_LEAD`` (a tie included).
* ``WELL_AHEAD_OF_REST``: the two leaders are *well ahead of the rest* when the second leads the
  third by at least this.
* Head to head, the leader must beat every other option (more ballots rank it above the other
  than the other way round); a head-to-head loss or a level contest is something to check.
* Every stakeholder group shown (see :mod:`partnership_tools.vote.disclosure`: groups smaller
  than the minimum group size are neither shown nor checked) must give the leader at least the
  threshold.
* First preferences never block the advice, but when the leader is not the only option with
  the most first choices the advice says why it still comes top.

Every figure is written by :func:`partnership_tools.kernel.rounding.fixed` (half up at the
precision shown), and ties are named, never broken.

>>> from partnership_tools.vote.count import count_rankings
>>> r = count_rankings(["A", "B", "C"], [["A", "B", "C"]] * 3 + [["B", "A", "C"]])
>>> advice(r, threshold=0.6)  # A: 11/12 = 0.92, B: 9/12 = 0.75, lead 0.17; A beats B 3-1, C 4-0
'accept'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from partnership_tools.kernel.rounding import fixed
from partnership_tools.vote.count import RoundResult
from partnership_tools.vote.disclosure import (
    DEFAULT_MIN_GROUP_SIZE,
    GroupDisclosure,
    group_disclosure,
    lowest_groups,
)

__all__ = [
    "ACCEPT",
    "ADVICE",
    "CHECK",
    "CLEAR_LEAD",
    "KEEP_TALKING",
    "MERGE_LEADERS",
    "WELL_AHEAD_OF_REST",
    "Checks",
    "advice",
    "leader_checks",
    "summarise",
]

CLEAR_LEAD = 0.05
"""Lead in consensus coefficient over the runner-up at or above which the top option is
"clearly ahead"; below it the two leaders are "close together"."""

WELL_AHEAD_OF_REST = 0.10
"""Gap in consensus coefficient between the second and the third option at or above which the two
leaders are "well ahead of the rest"."""

ACCEPT = "accept"
CHECK = "check"
KEEP_TALKING = "keep_talking"
MERGE_LEADERS = "merge_leaders"
ADVICE = (ACCEPT, CHECK, KEEP_TALKING, MERGE_LEADERS)

_EPS = 1e-9  # coefficients are ratios of integers: compare with a hair of tolerance


@dataclass(frozen=True)
class Checks:
    """What the advice checks about a clear leader: the options that beat it head to head
    (``losses``: ``(option, ballots for it, ballots for the leader)``), those level with it
    (``levels``), the shown groups below the threshold (``groups_below``: ``(group,
    coefficient)``), the options with the most first choices (``first_leaders``) and their count
    (``first_best``), and which groups were shown (``disclosure``)."""

    leader: str
    losses: tuple[tuple[str, int, int], ...]
    levels: tuple[tuple[str, int, int], ...]
    groups_below: tuple[tuple[str, float], ...]
    first_leaders: tuple[str, ...]
    first_best: int
    disclosure: GroupDisclosure

    @property
    def ok(self) -> bool:
        return not (self.losses or self.levels or self.groups_below)


def leader_checks(
    result: RoundResult, threshold: float, min_group_size: int = DEFAULT_MIN_GROUP_SIZE
) -> Checks | None:
    """The checks of :func:`advice` on the single MBC winner (``None`` without one).

    >>> from partnership_tools.vote.count import count_rankings
    >>> r = count_rankings(["A", "B", "C"], [["A", "B", "C"]] * 3 + [["B", "C", "A"]] * 2)
    >>> c = leader_checks(r, 0.5)  # B 12 points, A 11; but A is above B on 3 ballots of 5
    >>> c.leader, c.losses, c.first_leaders
    ('B', (('A', 3, 2),), ('A',))
    """
    if result.ballots == 0 or len(result.winners) != 1:
        return None
    x = result.winners[0]
    losses, levels = [], []
    for y in result.option_ids:
        if y == x:
            continue
        mine, theirs = result.pairwise[x][y], result.pairwise[y][x]
        if theirs > mine:
            losses.append((y, theirs, mine))
        elif theirs == mine:
            levels.append((y, theirs, mine))
    disclosure = group_disclosure(result, min_group_size)
    below = tuple(
        (g.group, g.consensus[x])
        for g in result.groups
        if g.group in disclosure.shown and g.consensus[x] < threshold - _EPS
    )
    best = max(o.first_preferences for o in result.options)
    firsts = tuple(o for o in result.option_ids if result.option(o).first_preferences == best)
    return Checks(x, tuple(losses), tuple(levels), below, firsts, best, disclosure)


def advice(
    result: RoundResult, threshold: float, min_group_size: int = DEFAULT_MIN_GROUP_SIZE
) -> str:
    """One of ``"accept"``, ``"check"``, ``"keep_talking"`` or ``"merge_leaders"``.

    With ``c1 >= c2 >= c3`` the top three consensus coefficients, the leader is *clear* when
    there is a single winner, ``c1 >= threshold`` and ``c1 - c2 >= CLEAR_LEAD`` (or it was the
    only option). Then:

    * ``"accept"`` when the clear leader also beats every other option head to head and every
      group shown gives it at least ``threshold`` (groups below ``min_group_size`` ballots are
      not shown, see :mod:`partnership_tools.vote.disclosure`);
    * ``"check"`` when it is clear but loses or draws a head-to-head contest, or a shown group
      gives it less than the threshold;

    otherwise ``"merge_leaders"`` when there are at least three options, ``c1 - c2 <
    CLEAR_LEAD`` and ``c2 - c3 >= WELL_AHEAD_OF_REST``; otherwise ``"keep_talking"`` (also when
    there were no ballots or no option got a point).

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
        checks = leader_checks(result, threshold, min_group_size)
        return ACCEPT if checks is not None and checks.ok else CHECK
    if len(c) >= 3 and lead < CLEAR_LEAD - _EPS and c[1] - c[2] >= WELL_AHEAD_OF_REST - _EPS:
        return MERGE_LEADERS
    return KEEP_TALKING


def summarise(
    result: RoundResult,
    threshold: float,
    labels: Mapping[str, str] | None = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> str:
    """A few plain-English sentences about a round: the winner or tie, the top coefficient
    against the facilitator's ``threshold``, the lead over the runner-up or runners-up (points
    and coefficient), what first preferences and the pairwise count would have picked (every
    head-to-head tie inside the top set is named, e.g. "F and G tie head to head (3 to 3)"), each
    winner's lowest coefficient among the groups shown (every group tied for lowest is named;
    groups below ``min_group_size`` ballots are hidden and the summary says so) and the Crowd
    Wise :func:`advice` with what to check.

    ``labels`` (option id -> label) overrides the labels stored in the result.

    >>> from partnership_tools.vote.count import count_rankings
    >>> r = count_rankings(["A", "B", "C"], [["A", "B", "C"]] * 3 + [["B", "A", "C"]])
    >>> print(summarise(r, 0.6, labels={"A": "Shared office"}))  # doctest: +NORMALIZE_WHITESPACE
    Shared office comes top with 11 points from 4 ballots, a consensus coefficient of 0.92.
    That is above the threshold of 0.60 the facilitator set before the vote. It leads the
    runner-up, B, by 2 points and 0.17 in coefficient. Counting first preferences alone would
    have picked the same option. Shared office also beats every other option head to head (the
    Condorcet winner). Crowd Wise advice: Shared office is clearly ahead, at or above the
    threshold and beats every other option head to head, so the group can accept it.
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
            f"{_ballots(result.ballots)}, a consensus coefficient of {fixed(top.consensus)}; "
            "the count does not break the tie."
        )
    else:
        out.append(
            f"{name(top.id)} comes top with {_points(top.mbc)} from {_ballots(result.ballots)}, "
            f"a consensus coefficient of {fixed(top.consensus)}."
        )

    if abs(top.consensus - threshold) <= _EPS:
        where = "exactly at"
    elif top.consensus > threshold:
        where = "above"
    else:
        where = "below"
    out.append(
        f"That is {where} the threshold of {fixed(threshold)} the facilitator set before the vote."
    )

    rest = opts[len(winners) :]
    if rest:
        nxt = rest[0]
        second = [o.id for o in rest if o.mbc == nxt.mbc]  # every option tied for next place
        gap_p = top.mbc - nxt.mbc
        gap_c = fixed(top.consensus - nxt.consensus)
        if tied:
            who = (
                f"The next option, {name(nxt.id)}, is"
                if len(second) == 1
                else f"The next options, {names_of(second)} (tied), are"
            )
            out.append(f"{who} {_points(gap_p)} and {gap_c} in coefficient behind.")
        else:
            who = (
                f"the runner-up, {name(nxt.id)},"
                if len(second) == 1
                else f"the runners-up, {names_of(second)} (tied),"
            )
            out.append(f"It leads {who} by {_points(gap_p)} and {gap_c} in coefficient.")
    elif len(opts) == 1:
        out.append("It was the only option on the ballot paper.")

    if len(opts) > 1:
        out.append(_first_preferences_sentence(result, name, names_of))
        out.append(_pairwise_sentence(result, name, names_of))

    disclosure = group_disclosure(result, min_group_size)
    if any(g.ballots for g in result.groups):
        for w in winners:
            low = lowest_groups(result, w, disclosure)
            if low is None:
                continue
            lowest, who_low = low
            them = "that group" if len(who_low) == 1 else "those groups"
            every = "every group shown" if disclosure.hidden else "every group"
            verdict = (
                f"at or above the threshold, so {every} gives it at least that much support"
                if lowest >= threshold - _EPS
                else f"below the threshold: check with {them} that they can live with it"
            )
            across = (
                "the stakeholder groups shown" if disclosure.hidden else "the stakeholder groups"
            )
            out.append(
                f"Across {across}, the lowest coefficient for {name(w)} is {fixed(lowest)}, "
                f"from {_join(list(who_low))}, {verdict}."
            )
        if disclosure.hidden:
            out.append(disclosure.note())

    code = advice(result, threshold, min_group_size)
    checks = leader_checks(result, threshold, min_group_size)
    if code in (ACCEPT, CHECK) and checks is not None:
        out.append(_advice_for_leader(result, checks, code, name, names_of))
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


def _advice_for_leader(
    result: RoundResult,
    checks: Checks,
    code: str,
    name: Callable[[str], str],
    names_of: Callable[[Sequence[str]], str],
) -> str:
    """The advice sentence(s) for a clear leader: accept, or what to check first; then why it
    comes top when it is not the only option with the most first choices."""
    x = name(checks.leader)
    shown = checks.disclosure.shown
    if code == ACCEPT:
        every = "every group shown" if checks.disclosure.hidden else "every group"
        groups = f", and {every} gives it at least the threshold" if shown else ""
        text = (
            f"Crowd Wise advice: {x} is clearly ahead, at or above the threshold and beats every"
            f" other option head to head{groups}, so the group can accept it."
        )
    else:
        what: list[str] = []
        for y, theirs, mine in checks.losses:
            what.append(f"{name(y)} beats it head to head ({theirs:,} to {mine:,})")
        if checks.levels:
            level = [y for y, _, _ in checks.levels]
            counts = _join([f"{t:,} to {m:,}" for _, t, m in checks.levels])
            what.append(f"it is level head to head with {names_of(level)} ({counts})")
        if checks.groups_below:
            low = [g for g, _ in checks.groups_below]
            values = _join([fixed(v) for _, v in checks.groups_below])
            verb = "gives" if len(low) == 1 else "give"
            what.append(f"{_join(low)} {verb} it {values}, below the threshold")
        text = (
            f"Crowd Wise advice: {x} is clearly ahead and at or above the threshold, but check"
            f" before accepting it: {'; '.join(what)}."
        )
    if checks.disclosure.hidden:
        text += " The groups not shown were not checked."
    mine = result.option(checks.leader).first_preferences
    others = [o for o in checks.first_leaders if o != checks.leader]
    if checks.leader not in checks.first_leaders:
        choice = "first choice" if checks.first_best == 1 else "first choices"
        verb = "has" if len(others) == 1 else "have"
        each = "" if len(others) == 1 else " each"
        text += (
            f" It is not the most common first choice ({names_of(others)} {verb}"
            f" {checks.first_best:,} {choice}{each}, {x} {mine:,}): it comes top because more"
            " voters rank it high overall, the broad support the count looks for."
        )
    elif others:
        text += (
            f" It shares the most first choices ({checks.first_best:,}) with {names_of(others)};"
            " its lead comes from the voters' later preferences."
        )
    return text


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
    ties = _head_to_head_ties(result, smith)
    if ties:
        text += (
            " "
            + "; ".join(
                f"{name(x)} and {name(y)} tie head to head ({k:,} to {k:,})" for x, y, k in ties
            )
            + "."
        )
    return text


def _head_to_head_ties(result: RoundResult, ids: Sequence[str]) -> list[tuple[str, str, int]]:
    """Every pair of ``ids`` (in the order given) that tie head to head: as many ballots rank
    the first above the second as the other way round. ``(x, y, ballots each way)``."""
    order = list(dict.fromkeys(ids))
    return [
        (x, y, result.pairwise[x][y])
        for i, x in enumerate(order)
        for y in order[i + 1 :]
        if result.pairwise[x][y] == result.pairwise[y][x]
    ]


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
