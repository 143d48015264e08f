"""The counting rules registry: the one home of every rule a round is scored under.

A rule is a function ``score(counts: RoundCounts) -> scores`` registered with :func:`register`;
``counts`` holds the tables :func:`~partnership_tools.vote.rank_counts.round_counts` counted once
from the ballots (``rank_counts``, ``mbc_points``, ``pairwise`` and the ``ballots`` themselves),
and ``scores`` is one number per option in ballot-paper order (an array or a sequence) or a
mapping from option id to number. :func:`count_round` scores every registered rule; so do the
CLI's ``tally --json`` and the HTML report. ``RULES`` maps each name to its
:class:`CountingRule`; :func:`get_rule` looks one up, and a rule called on a ballot matrix scores
it; :func:`recount` scores a round and lists the winners (ties are reported, never broken).

Throughout, ``n`` is the number of options on the ballot paper, ``m`` the number a ballot ranks
and ``k`` the rank a ballot gives an option (1 = first choice); unranked options score 0 under
every rule here.

>>> from partnership_tools.vote.ballots import BallotMatrix
>>> m = BallotMatrix.from_rankings(("A", "B", "C"), [("A", "B"), ("B", "C", "A")])
>>> sorted(RULES)
['borda', 'dowdall', 'first_preferences', 'mbc']
>>> get_rule("mbc")(m)  # A: 2 + 1, B: 1 + 3, C: 0 + 2
{'A': 3, 'B': 4, 'C': 2}
>>> recount(m, "first_preferences").winners  # A and B have one first choice each
('A', 'B')
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from partnership_tools.kernel.serial import converter
from partnership_tools.vote.ballots import BallotMatrix
from partnership_tools.vote.rank_counts import RoundCounts, round_counts

__all__ = [
    "DEFAULT_RULES",
    "FIELD_RULES",
    "RULES",
    "CountingRule",
    "Recount",
    "Rule",
    "borda",
    "dowdall",
    "first_preferences",
    "get_rule",
    "mbc",
    "recount",
    "register",
    "registered",
    "rule_names",
    "score_all",
    "unregister",
]

Rule = Callable[[RoundCounts], Any]
"""What :func:`register` decorates: counts in, one score per option out."""

FIELD_RULES = ("mbc", "borda", "first_preferences")
"""Rules whose scores every :class:`~partnership_tools.vote.count.OptionResult` holds as fields
(and so every saved session file records); every other registered rule is an *other rule*."""


@dataclass(frozen=True)
class CountingRule:
    """A registered rule: its ``name``, human ``title`` and ``score`` function.

    ``from_counts`` is true when ``score`` reads only ``rank_counts`` and ``mbc_points``, so the
    rule can be rescored from a recorded round result; otherwise its scores are saved with it.
    Calling the rule on a :class:`BallotMatrix` (or on :class:`RoundCounts`) gives its scores as
    ``{option id: score}`` in ballot-paper order, with plain Python numbers.
    """

    name: str
    title: str
    score: Rule
    from_counts: bool = False

    @property
    def rule_name(self) -> str:
        return self.name

    def __call__(self, ballots: BallotMatrix | RoundCounts) -> dict[str, Any]:
        counts = ballots if isinstance(ballots, RoundCounts) else round_counts(ballots)
        raw = self.score(counts)
        ids = counts.option_ids
        if isinstance(raw, Mapping):
            return {oid: _plain(raw[oid]) for oid in ids}
        values = np.asarray(raw).tolist()
        if len(values) != len(ids):
            raise ValueError(
                f"The counting rule {self.name!r} gave {len(values)} scores for {len(ids)} options."
            )
        return dict(zip(ids, values, strict=True))


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


RULES: dict[str, CountingRule] = {}
"""Every registered rule, by name, in registration order."""


def register(name: str, title: str, *, from_counts: bool = False) -> Callable[[Rule], CountingRule]:
    """Decorator: add a rule to :data:`RULES` under ``name``, with a human ``title``.

    Returns the :class:`CountingRule` (which has ``rule_name`` and ``title``). Registering a name
    twice is a ``ValueError``; :func:`unregister` (or :func:`registered`) removes a rule again.

    >>> @register("last_preferences_demo", "Demo: last choices")
    ... def demo(counts):
    ...     return {o: 0 for o in counts.option_ids}
    >>> demo.title, "last_preferences_demo" in RULES
    ('Demo: last choices', True)
    >>> unregister("last_preferences_demo")
    """

    def decorate(fn: Rule) -> CountingRule:
        if name in RULES:
            raise ValueError(f"A counting rule called {name!r} is already registered.")
        rule = CountingRule(name, title, fn, from_counts)
        RULES[name] = rule
        return rule

    return decorate


def unregister(name: str) -> None:
    """Remove the rule called ``name`` (``KeyError`` if there is none). The kit's own rules
    (:data:`DEFAULT_RULES`) cannot be removed: every count needs them."""
    if name in DEFAULT_RULES:
        raise ValueError(f"The counting rule {name!r} is one of the kit's own and stays.")
    get_rule(name)
    del RULES[name]


@contextmanager
def registered(
    name: str, title: str, score: Rule, *, from_counts: bool = False
) -> Iterator[CountingRule]:
    """Register a rule for the length of a ``with`` block, then remove it (tests, notebooks).

    >>> with registered("zero_demo", "Demo: nothing", lambda c: np.zeros(c.n_options)):
    ...     "zero_demo" in rule_names()
    True
    >>> "zero_demo" in rule_names()
    False
    """
    rule = register(name, title, from_counts=from_counts)(score)
    try:
        yield rule
    finally:
        RULES.pop(name, None)


def get_rule(name: str) -> CountingRule:
    """The registered rule called ``name`` (``KeyError`` listing the known names otherwise).

    >>> get_rule("borda").title
    'Classic Borda (rank k of n scores n - k)'
    """
    try:
        return RULES[name]
    except KeyError:
        known = ", ".join(sorted(RULES))
        raise KeyError(f"No counting rule called {name!r}; known rules: {known}.") from None


def rule_names() -> tuple[str, ...]:
    """Names of the registered rules, in registration order.

    >>> rule_names()[:2]
    ('mbc', 'borda')
    """
    return tuple(RULES)


def score_all(counts: RoundCounts, *, only_from_counts: bool = False) -> dict[str, dict[str, Any]]:
    """Every registered rule's scores for one round, ``{rule name: {option id: score}}``, in
    registration order; with ``only_from_counts``, just the rules that need no raw ballots.

    >>> m = BallotMatrix.from_rankings(("A", "B"), [("B",)])
    >>> score_all(round_counts(m))["first_preferences"]
    {'A': 0, 'B': 1}
    """
    return {
        name: rule(counts)
        for name, rule in RULES.items()
        if rule.from_counts or not only_from_counts
    }


# -- the kit's own rules --------------------------------------------------------------------
@register("mbc", "Modified Borda Count (rank k of m ranked scores m - k + 1)", from_counts=True)
def mbc(counts: RoundCounts) -> np.ndarray:
    """Modified Borda Count: a ballot ranking ``m`` options gives ``m - k + 1`` points to its
    ``k``-th choice and 0 to unranked options (the points :func:`round_counts` tallies per
    stakeholder group, summed).

    >>> m = BallotMatrix.from_rankings(("A", "B", "C"), [("A", "B", "C"), ("C",)])
    >>> mbc(m)  # A: 3, B: 2, C: 1 + 1
    {'A': 3, 'B': 2, 'C': 2}
    """
    return counts.mbc_points


@register("borda", "Classic Borda (rank k of n scores n - k)", from_counts=True)
def borda(counts: RoundCounts) -> np.ndarray:
    """Classic Borda: rank ``k`` of ``n`` options scores ``n - k``; unranked 0. From the rank
    counts: ``sum over k of rank_counts[j, k] x (n - k)``.

    >>> m = BallotMatrix.from_rankings(("A", "B", "C"), [("A", "B", "C"), ("C",)])
    >>> borda(m)  # A: 3 - 1, B: 3 - 2, C: (3 - 3) + (3 - 1)
    {'A': 2, 'B': 1, 'C': 2}
    """
    n = counts.n_options
    k = np.arange(n + 1)
    return counts.rank_counts @ np.where(k > 0, n - k, 0)


@register("first_preferences", "First preferences (plurality)", from_counts=True)
def first_preferences(counts: RoundCounts) -> np.ndarray:
    """First preferences: the number of ballots that rank the option first.

    >>> m = BallotMatrix.from_rankings(("A", "B", "C"), [("A", "B"), ("A",), ("C", "A")])
    >>> first_preferences(m)
    {'A': 2, 'B': 0, 'C': 1}
    """
    if not counts.n_options:
        return np.zeros(0, dtype=np.int64)
    return counts.rank_counts[:, 1]


@register("dowdall", "Dowdall (rank k scores 1/k)", from_counts=True)
def dowdall(counts: RoundCounts) -> np.ndarray:
    """Dowdall (Nauru) count: rank ``k`` scores ``1/k``; unranked 0. From the rank counts:
    ``sum over k of rank_counts[j, k] / k``.

    >>> m = BallotMatrix.from_rankings(("A", "B", "C"), [("A", "B"), ("B", "A", "C")])
    >>> dowdall(m)  # A: 1 + 1/2, B: 1/2 + 1, C: 1/3
    {'A': 1.5, 'B': 1.5, 'C': 0.3333333333333333}
    """
    k = np.arange(1, counts.n_options + 1, dtype=np.float64)
    return (counts.rank_counts[:, 1:] / k).sum(axis=1)


DEFAULT_RULES = tuple(RULES)
"""The kit's own rules, registered when this module loads."""


@dataclass(frozen=True)
class Recount:
    """A round scored under one rule: ``scores`` in ballot-paper order, ``ranking`` by score
    (highest first, ties in ballot-paper order) and ``winners`` (every option tied at the top;
    empty when no option scored above 0).

    >>> Recount.from_dict(Recount("borda", {"A": 1}, ("A",), ("A",)).to_dict()).winners
    ('A',)
    """

    rule: str
    scores: dict[str, Any]
    ranking: tuple[str, ...]
    winners: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return converter.unstructure(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Recount:
        return converter.structure(d, cls)


def recount(ballots: BallotMatrix | RoundCounts, rule: str) -> Recount:
    """Score ``ballots`` under the rule called ``rule``: winners are every option whose score
    equals the top score (when that is above 0); ties are reported, never broken.

    Float scores (Dowdall) are compared after rounding to 9 decimal places, so sums of the same
    fractions in a different order still tie.

    >>> m = BallotMatrix.from_rankings(("A", "B", "C"), [("A", "B"), ("B", "A", "C")])
    >>> r = recount(m, "dowdall")
    >>> r.ranking, r.winners
    (('A', 'B', 'C'), ('A', 'B'))
    """
    scores = get_rule(rule)(ballots)
    ids = tuple(ballots.option_ids)

    def key(v: Any) -> Any:
        return round(v, 9) if isinstance(v, float) else v

    order = sorted(range(len(ids)), key=lambda j: (-key(scores[ids[j]]), j))
    ranking = tuple(ids[j] for j in order)
    top = key(scores[ranking[0]]) if ranking else 0
    winners = tuple(o for o in ids if key(scores[o]) == top) if top > 0 else ()
    return Recount(rule=rule, scores=scores, ranking=ranking, winners=winners)
