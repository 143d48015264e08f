"""A small registry of counting rules, to recount a round under another rule.

Each rule is a plain function ``rule(ballots: BallotMatrix) -> dict[option id, score]`` (scores in
ballot-paper order), registered with :func:`register`. ``RULES`` maps each name to its function;
:func:`get_rule` looks one up; :func:`recount` scores a round and lists the winners (ties are
reported, never broken).

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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from partnership_tools.vote.ballots import BallotMatrix

__all__ = [
    "RULES",
    "Recount",
    "Rule",
    "borda",
    "dowdall",
    "first_preferences",
    "get_rule",
    "mbc",
    "recount",
    "register",
    "rule_names",
]

Rule = Callable[[BallotMatrix], dict[str, Any]]

RULES: dict[str, Rule] = {}
"""Every registered rule, by name, in registration order."""


def register(name: str, title: str) -> Callable[[Rule], Rule]:
    """Decorator: add a rule to :data:`RULES` under ``name``, with a human ``title``.

    The function gets ``rule_name`` and ``title`` attributes. Registering a name twice is an
    error.

    >>> @register("last_preferences_demo", "Demo: last choices")
    ... def demo(ballots):
    ...     return {o: 0 for o in ballots.option_ids}
    >>> demo.title, "last_preferences_demo" in RULES
    ('Demo: last choices', True)
    >>> del RULES["last_preferences_demo"]
    """

    def decorate(fn: Rule) -> Rule:
        if name in RULES:
            raise ValueError(f"A counting rule called {name!r} is already registered.")
        fn.rule_name = name  # type: ignore[attr-defined]
        fn.title = title  # type: ignore[attr-defined]
        RULES[name] = fn
        return fn

    return decorate


def get_rule(name: str) -> Rule:
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


def _scores(ballots: BallotMatrix, values: np.ndarray) -> dict[str, Any]:
    return {oid: v for oid, v in zip(ballots.option_ids, values.tolist(), strict=True)}


@register("mbc", "Modified Borda Count (rank k of m ranked scores m - k + 1)")
def mbc(ballots: BallotMatrix) -> dict[str, int]:
    """Modified Borda Count: a ballot ranking ``m`` options gives ``m - k + 1`` points to its
    ``k``-th choice and 0 to unranked options.

    >>> m = BallotMatrix.from_rankings(("A", "B", "C"), [("A", "B", "C"), ("C",)])
    >>> mbc(m)  # A: 3, B: 2, C: 1 + 1
    {'A': 3, 'B': 2, 'C': 2}
    """
    r = np.asarray(ballots.ranks, dtype=np.int64)
    m = np.count_nonzero(r, axis=1)[:, None]
    return _scores(ballots, np.where(r > 0, m - r + 1, 0).sum(axis=0))


@register("borda", "Classic Borda (rank k of n scores n - k)")
def borda(ballots: BallotMatrix) -> dict[str, int]:
    """Classic Borda: rank ``k`` of ``n`` options scores ``n - k``; unranked 0.

    >>> m = BallotMatrix.from_rankings(("A", "B", "C"), [("A", "B", "C"), ("C",)])
    >>> borda(m)  # A: 3 - 1, B: 3 - 2, C: (3 - 3) + (3 - 1)
    {'A': 2, 'B': 1, 'C': 2}
    """
    r = np.asarray(ballots.ranks, dtype=np.int64)
    n = ballots.n_options
    return _scores(ballots, np.where(r > 0, n - r, 0).sum(axis=0))


@register("first_preferences", "First preferences (plurality)")
def first_preferences(ballots: BallotMatrix) -> dict[str, int]:
    """First preferences: the number of ballots that rank the option first.

    >>> m = BallotMatrix.from_rankings(("A", "B", "C"), [("A", "B"), ("A",), ("C", "A")])
    >>> first_preferences(m)
    {'A': 2, 'B': 0, 'C': 1}
    """
    r = np.asarray(ballots.ranks)
    return _scores(ballots, np.count_nonzero(r == 1, axis=0))


@register("dowdall", "Dowdall (rank k scores 1/k)")
def dowdall(ballots: BallotMatrix) -> dict[str, float]:
    """Dowdall (Nauru) count: rank ``k`` scores ``1/k``; unranked 0.

    >>> m = BallotMatrix.from_rankings(("A", "B", "C"), [("A", "B"), ("B", "A", "C")])
    >>> dowdall(m)  # A: 1 + 1/2, B: 1/2 + 1, C: 1/3
    {'A': 1.5, 'B': 1.5, 'C': 0.3333333333333333}
    """
    r = np.asarray(ballots.ranks, dtype=np.float64)
    inv = np.divide(1.0, r, out=np.zeros_like(r), where=r > 0)
    return _scores(ballots, inv.sum(axis=0))


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
        return {
            "rule": self.rule,
            "scores": dict(self.scores),
            "ranking": list(self.ranking),
            "winners": list(self.winners),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Recount:
        return cls(
            rule=str(d["rule"]),
            scores=dict(d["scores"]),
            ranking=tuple(d["ranking"]),
            winners=tuple(d["winners"]),
        )


def recount(ballots: BallotMatrix, rule: str) -> Recount:
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
