"""Count one round of a Crowd Wise vote: a pure, numpy-vectorised counting engine.

With ``n`` options on the ballot paper and ``N`` valid ballots:

* **Modified Borda Count (MBC).** A ballot that ranks ``m`` options gives ``m - k + 1`` points to
  the option it ranks ``k``-th (so ``m`` to its first choice, 1 to its ``m``-th) and 0 to every
  unranked option. A ballot ranking ``m`` options hands out ``m(m+1)/2`` points in all.
* **Consensus coefficient** of an option = its MBC points / (N x n). It is 0.0 when N = 0.
* **Classic Borda** (named so because there are many Borda variants): rank ``k`` of ``n`` gets
  ``n - k`` points, unranked 0.
* **First preferences**: how many ballots rank the option first (a plurality vote).
* **Pairwise matrix** ``P[X][Y]``: how many ballots rank X above Y. A ranked option is above every
  unranked one; two unranked options are not compared, so ``P[X][Y] + P[Y][X] <= N``.
* **Condorcet winner**: the option X with ``P[X][Y] > P[Y][X]`` for every other Y, if any.
* **Smith set**: the smallest non-empty set of options each of which beats every option outside
  it; it is ``{X}`` when X is the Condorcet winner, and otherwise holds the top cycle. Reported in
  MBC order.
* **Winners**: every option tied at the top MBC score. Ties are reported, never broken.
* **Groups**: each stakeholder group's MBC points and coefficient (group's points / (group's
  ballots x n)); per option, the lowest coefficient any group with ballots gave it, and which group.
  Ballots without a group count overall but in no group.

With no valid ballots every count is zero, every coefficient 0.0, and there are no winners, no
Condorcet winner and an empty Smith set (there is nothing to compare).

>>> r = count_rankings(["A", "B", "C"], [["A", "B", "C"], ["B", "A"], ["A"]])
>>> r.mbc  # A: 3 + 1 + 1, B: 2 + 2, C: 1
{'A': 5, 'B': 4, 'C': 1}
>>> r.winners, r.condorcet_winner
(('A',), 'A')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from partnership_tools.kernel.serial import converter
from partnership_tools.vote import rules
from partnership_tools.vote.ballots import BallotMatrix
from partnership_tools.vote.rank_counts import RoundCounts, round_counts
from partnership_tools.vote.records import from_record, lenient, to_record

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "GroupResult",
    "OptionResult",
    "RoundResult",
    "count_rankings",
    "count_round",
    "smith_set",
]


# ------------------------------------------------------------------------------------------
# Result dataclasses
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OptionResult:
    """One option's counts in a round.

    ``rank_counts[k - 1]`` is the number of ballots that ranked the option ``k``-th, for
    ``k = 1 .. n``. ``min_group_consensus`` is the lowest coefficient any stakeholder group with
    ballots gave the option (``None`` when no ballot had a group); ``min_group`` names that group
    (the first in group order on a tie).

    >>> o = OptionResult("A", "Alpha", 6, 0.5, 4, 2, (2, 0, 0), 0.25, "x")
    >>> OptionResult.from_dict(o.to_dict()) == o
    True
    """

    id: str
    label: str
    mbc: int
    consensus: float
    borda: int
    first_preferences: int
    rank_counts: tuple[int, ...]
    min_group_consensus: float | None = None
    min_group: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_record(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> OptionResult:
        """Lenient about old records: a missing or empty ``label`` reads as the id."""
        return from_record(cls, d)


@dataclass(frozen=True)
class GroupResult:
    """One stakeholder group's MBC points and consensus coefficients, option by option.

    ``consensus[X] = mbc[X] / (ballots x n)``, or 0.0 when the group cast no ballots.

    >>> g = GroupResult("Managers", 2, {"A": 5, "B": 1}, {"A": 0.625, "B": 0.125})
    >>> GroupResult.from_dict(g.to_dict()) == g
    True
    """

    group: str
    ballots: int
    mbc: dict[str, int]
    consensus: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return to_record(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GroupResult:
        return from_record(cls, d)


@dataclass(frozen=True)
class RoundResult:
    """Everything counted in one round.

    ``option_ids`` is the ballot-paper order; ``options`` is sorted by MBC points, highest first,
    ties keeping ballot-paper order. ``pairwise[X][Y]`` is the number of ballots ranking X above Y
    (for every Y other than X). ``winners`` holds every option tied at the top MBC score (empty
    when there are no ballots or no option got a point). ``other_rules`` holds the scores of every
    registered counting rule beyond the three each option holds (MBC, classic Borda, first
    preferences), e.g. Dowdall; :attr:`scores_by_rule` gives all of them.

    >>> r = count_rankings(["A", "B"], [["A", "B"], ["A"]], groups=["x", None])
    >>> r.ranking, r.consensus  # A: 2 + 1 = 3 of 2 x 2; B: 1 of 4
    (('A', 'B'), {'A': 0.75, 'B': 0.25})
    >>> RoundResult.from_dict(r.to_dict()) == r
    True
    """

    option_ids: tuple[str, ...]
    ballots: int
    n_options: int
    options: tuple[OptionResult, ...]
    pairwise: dict[str, dict[str, int]]
    condorcet_winner: str | None
    smith_set: tuple[str, ...]
    winners: tuple[str, ...]
    groups: tuple[GroupResult, ...] = ()
    no_group_ballots: int = 0
    other_rules: dict[str, dict[str, Any]] = field(default_factory=dict)

    # -- lookups ---------------------------------------------------------------------------
    def option(self, option_id: str) -> OptionResult:
        """The result of one option, by id (``KeyError`` if it was not on the ballot paper)."""
        for o in self.options:
            if o.id == option_id:
                return o
        raise KeyError(f"Option {option_id!r} was not on this round's ballot paper.")

    def group(self, name: str) -> GroupResult:
        """The result of one stakeholder group, by name."""
        for g in self.groups:
            if g.group == name:
                return g
        raise KeyError(f"No group {name!r} in this round.")

    @property
    def ranking(self) -> tuple[str, ...]:
        """Option ids by MBC points, highest first (ties in ballot-paper order)."""
        return tuple(o.id for o in self.options)

    @property
    def labels(self) -> dict[str, str]:
        return {o.id: o.label for o in self._paper_order()}

    @property
    def mbc(self) -> dict[str, int]:
        """MBC points per option, in ballot-paper order."""
        return {o.id: o.mbc for o in self._paper_order()}

    @property
    def consensus(self) -> dict[str, float]:
        """Consensus coefficient per option, in ballot-paper order."""
        return {o.id: o.consensus for o in self._paper_order()}

    @property
    def borda(self) -> dict[str, int]:
        return {o.id: o.borda for o in self._paper_order()}

    @property
    def first_preferences(self) -> dict[str, int]:
        return {o.id: o.first_preferences for o in self._paper_order()}

    @property
    def scores_by_rule(self) -> dict[str, dict[str, Any]]:
        """Every rule's scores, ``{rule name: {option id: score}}`` in ballot-paper order: the
        Modified Borda Count, classic Borda and first preferences, then :attr:`other_rules`."""
        paper = self._paper_order()
        out: dict[str, dict[str, Any]] = {
            name: {o.id: getattr(o, name) for o in paper} for name in rules.FIELD_RULES
        }
        out.update(self.other_rules)
        return out

    def counts(self) -> RoundCounts:
        """The :class:`RoundCounts` this result keeps: rank counts and MBC points (as a single
        group row) and the pairwise matrix, without the ballots."""
        n = self.n_options
        paper = self._paper_order()
        rank_counts = np.zeros((n, n + 1), dtype=np.int64)
        for j, o in enumerate(paper):
            rank_counts[j, 1:] = o.rank_counts
            rank_counts[j, 0] = self.ballots - sum(o.rank_counts)
        points = np.array([[o.mbc for o in paper]], dtype=np.int64).reshape(1, n)
        return RoundCounts(self.option_ids, rank_counts, points, self.pairwise_matrix())

    @property
    def top_consensus(self) -> float:
        """The highest consensus coefficient (0.0 with no options)."""
        return self.options[0].consensus if self.options else 0.0

    def beats(self, x: str, y: str) -> bool:
        """True when more ballots rank ``x`` above ``y`` than ``y`` above ``x``."""
        return self.pairwise[x][y] > self.pairwise[y][x]

    def pairwise_matrix(self) -> np.ndarray:
        """``P`` as an ``n x n`` int64 array in ballot-paper order (zero diagonal)."""
        ids = self.option_ids
        return np.array(
            [[0 if x == y else self.pairwise[x][y] for y in ids] for x in ids], dtype=np.int64
        ).reshape(len(ids), len(ids))

    def _paper_order(self) -> list[OptionResult]:
        by_id = {o.id: o for o in self.options}
        return [by_id[i] for i in self.option_ids]

    # -- frames ----------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per option, in MBC order: the tidy table behind charts and reports.

        Columns: ``position`` (1 = most points; tied options share the best position),
        ``option_id``, ``label``, ``paper_order`` (1-based), ``mbc``, ``consensus``, ``borda``,
        ``first_preferences``, ``rank_1`` .. ``rank_n``, ``min_group_consensus``, ``min_group``,
        ``winner``, ``condorcet_winner``, ``in_smith_set``.
        """
        import pandas as pd

        rows = []
        paper = {oid: j + 1 for j, oid in enumerate(self.option_ids)}
        for o in self.options:
            position = 1 + sum(1 for p in self.options if p.mbc > o.mbc)
            row: dict[str, Any] = {
                "position": position,
                "option_id": o.id,
                "label": o.label,
                "paper_order": paper[o.id],
                "mbc": o.mbc,
                "consensus": o.consensus,
                "borda": o.borda,
                "first_preferences": o.first_preferences,
            }
            for k, c in enumerate(o.rank_counts, start=1):
                row[f"rank_{k}"] = c
            row.update(
                min_group_consensus=o.min_group_consensus,
                min_group=o.min_group,
                winner=o.id in self.winners,
                condorcet_winner=o.id == self.condorcet_winner,
                in_smith_set=o.id in self.smith_set,
            )
            rows.append(row)
        columns = [
            "position",
            "option_id",
            "label",
            "paper_order",
            "mbc",
            "consensus",
            "borda",
            "first_preferences",
            *[f"rank_{k}" for k in range(1, self.n_options + 1)],
            "min_group_consensus",
            "min_group",
            "winner",
            "condorcet_winner",
            "in_smith_set",
        ]
        return pd.DataFrame(rows, columns=columns)

    def groups_frame(self) -> pd.DataFrame:
        """Long form: one row per (group, option) with ``ballots``, ``mbc`` and ``consensus``."""
        import pandas as pd

        labels = self.labels
        rows = [
            {
                "group": g.group,
                "group_ballots": g.ballots,
                "option_id": oid,
                "label": labels[oid],
                "mbc": g.mbc[oid],
                "consensus": g.consensus[oid],
            }
            for g in self.groups
            for oid in self.option_ids
        ]
        return pd.DataFrame(
            rows, columns=["group", "group_ballots", "option_id", "label", "mbc", "consensus"]
        )

    def pairwise_frame(self) -> pd.DataFrame:
        """Long form: one row per ordered pair ``(option, against)`` with ``above`` = P[option][against]
        and ``below`` = P[against][option]."""
        import pandas as pd

        rows = [
            {
                "option_id": x,
                "against": y,
                "above": self.pairwise[x][y],
                "below": self.pairwise[y][x],
            }
            for x in self.option_ids
            for y in self.option_ids
            if x != y
        ]
        return pd.DataFrame(rows, columns=["option_id", "against", "above", "below"])

    # -- serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (plain ints, floats, strings, lists and dicts) in a fixed order.

        ``other_rules`` is written only for rules that cannot be rescored from the record
        (registered without ``from_counts``), and only when there are any, so with the kit's own
        rules the record is exactly what it always was.
        """
        return to_record(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RoundResult:
        """Lenient about old records (missing ``condorcet_winner``, ``smith_set``, ``winners``,
        ``groups`` or ``no_group_ballots``); registered ``from_counts`` rules are rescored from
        the recorded rank counts and MBC points."""
        return from_record(cls, d)


# ------------------------------------------------------------------------------------------
# Counting
# ------------------------------------------------------------------------------------------
def count_rankings(
    option_ids: Sequence[str],
    rankings: Sequence[Sequence[str]],
    groups: Sequence[str | None] | None = None,
    labels: Mapping[str, str] | None = None,
) -> RoundResult:
    """Count rankings given as sequences of option ids (first choice first).

    A convenience wrapper: ``count_round(BallotMatrix.from_rankings(option_ids, rankings, groups),
    labels)``. Formulas as in :func:`count_round`.

    >>> r = count_rankings(["A", "B", "C"], [["C", "A"], ["A", "B", "C"]], ["x", "y"])
    >>> r.mbc  # C>A gives C 2, A 1; A>B>C gives A 3, B 2, C 1
    {'A': 4, 'B': 2, 'C': 3}
    >>> r.option("A").min_group, r.option("A").min_group_consensus  # x: 1 / (1 x 3)
    ('x', 0.3333333333333333)
    """
    return count_round(BallotMatrix.from_rankings(option_ids, rankings, groups), labels)


def count_round(
    ballots: BallotMatrix,
    labels: Mapping[str, str] | None = None,
    *,
    validate: bool = True,
) -> RoundResult:
    """Count a round's valid ballots under the MBC, classic Borda, first preferences and pairwise.

    With ``ranks`` the ``N x n`` matrix (0 = unranked) and ``m_i`` the number of options ballot
    ``i`` ranks:

    * MBC points of option j = sum over ballots of ``m_i - ranks[i, j] + 1`` where ranked, else 0;
    * consensus coefficient = MBC points / (N x n) (0.0 when N = 0);
    * classic Borda = sum of ``n - ranks[i, j]`` where ranked; first preferences = number of 1s;
    * ``P[X][Y]`` = number of ballots with X ranked and (Y unranked or ranked below X);
    * per group, the same MBC points and coefficient over the group's ballots only.

    ``labels`` maps option ids to display labels (default: the id). ``validate`` checks that each
    row ranks ``1 .. m`` exactly once each and that group codes are in range (``ValueError``
    otherwise); turn it off only for matrices already checked.

    The ballots are read once, by :func:`~partnership_tools.vote.rank_counts.round_counts` (MBC
    points per group, rank counts, pairwise matrix); every score then comes from the counting
    rules registry (:mod:`partnership_tools.vote.rules`) applied to those counts: MBC, classic
    Borda and first preferences fill each :class:`OptionResult`, and every other registered rule
    goes into :attr:`RoundResult.other_rules`.

    >>> m = BallotMatrix.from_rankings(("A", "B", "C"), [("A", "B", "C"), ("B", "C", "A")])
    >>> r = count_round(m, labels={"A": "Alpha"})
    >>> r.mbc, r.borda, r.first_preferences
    ({'A': 4, 'B': 5, 'C': 3}, {'A': 2, 'B': 3, 'C': 1}, {'A': 1, 'B': 1, 'C': 0})
    >>> r.winners, r.option("A").label, r.pairwise["B"]
    (('B',), 'Alpha', {'A': 1, 'C': 2})
    >>> r.other_rules["dowdall"]  # A: 1 + 1/3, B: 1/2 + 1, C: 1/3 + 1/2
    {'A': 1.3333333333333333, 'B': 1.5, 'C': 0.8333333333333333}
    """
    option_ids = tuple(ballots.option_ids)
    labels = dict(labels or {})
    n = len(option_ids)
    codes = np.asarray(ballots.group_codes)
    group_names = tuple(ballots.group_names)
    n_groups = len(group_names)
    N = int(np.asarray(ballots.ranks).shape[0])
    counts = round_counts(ballots, validate=validate)
    group_mbc, rank_counts, pair = counts.group_points, counts.rank_counts, counts.pairwise
    field_scores = {name: rules.get_rule(name).score(counts) for name in rules.FIELD_RULES}
    mbc = np.asarray(field_scores["mbc"])
    borda = np.asarray(field_scores["borda"])
    first = np.asarray(field_scores["first_preferences"])
    other_rules = {
        name: rule(counts) for name, rule in rules.RULES.items() if name not in rules.FIELD_RULES
    }

    group_ballots = np.bincount(codes.astype(np.int64) + 1, minlength=n_groups + 1)
    denominator = N * n
    consensus = [float(p) / denominator if denominator else 0.0 for p in mbc.tolist()]

    groups: list[GroupResult] = []
    group_consensus = np.zeros((n_groups, n))
    for g, name in enumerate(group_names):
        gb = int(group_ballots[g + 1])
        pts = group_mbc[g + 1].tolist()
        cons = [float(p) / (gb * n) if gb and n else 0.0 for p in pts]
        group_consensus[g] = cons
        groups.append(
            GroupResult(
                group=name,
                ballots=gb,
                mbc={oid: int(p) for oid, p in zip(option_ids, pts, strict=True)},
                consensus=dict(zip(option_ids, cons, strict=True)),
            )
        )
    voting_groups = [g for g in range(n_groups) if group_ballots[g + 1] > 0]

    beats = pair > pair.T
    order = np.argsort(-mbc, kind="stable")
    if N == 0 or n == 0:
        condorcet = None
        smith: tuple[str, ...] = ()
    else:
        cw = [j for j in range(n) if beats[j, [k for k in range(n) if k != j]].all()]
        condorcet = option_ids[cw[0]] if cw else None
        members = set(_smith_indices(pair))
        smith = tuple(option_ids[j] for j in order.tolist() if j in members)

    top = int(mbc.max()) if n else 0
    winners = tuple(option_ids[j] for j in range(n) if int(mbc[j]) == top) if N and top > 0 else ()

    options = []
    for j in order.tolist():
        if voting_groups:
            g_min = min(voting_groups, key=lambda g: (float(group_consensus[g, j]), g))
            min_cons: float | None = float(group_consensus[g_min, j])
            min_group: str | None = group_names[g_min]
        else:
            min_cons, min_group = None, None
        oid = option_ids[j]
        options.append(
            OptionResult(
                id=oid,
                label=str(labels.get(oid, oid)),
                mbc=int(mbc[j]),
                consensus=consensus[j],
                borda=int(borda[j]),
                first_preferences=int(first[j]),
                rank_counts=tuple(int(c) for c in rank_counts[j, 1:].tolist()),
                min_group_consensus=min_cons,
                min_group=min_group,
            )
        )

    pairwise = {
        x: {y: int(pair[a, b]) for b, y in enumerate(option_ids) if b != a}
        for a, x in enumerate(option_ids)
    }
    return RoundResult(
        option_ids=option_ids,
        ballots=N,
        n_options=n,
        options=tuple(options),
        pairwise=pairwise,
        condorcet_winner=condorcet,
        smith_set=smith,
        winners=winners,
        groups=tuple(groups),
        no_group_ballots=int(group_ballots[0]),
        other_rules=other_rules,
    )


def smith_set(pairwise: np.ndarray | Sequence[Sequence[int]]) -> tuple[int, ...]:
    """Indices of the Smith set of a pairwise matrix ``P`` (``P[x][y]`` = ballots ranking x above y).

    X "beats" Y when ``P[X][Y] > P[Y][X]``. Writing ``X >= Y`` when Y does not beat X, the Smith
    set is the set of options that reach every other option through a chain of ``>=`` steps
    (the top strongly connected component); each member beats every non-member. Indices are
    returned in increasing order; an empty matrix gives ``()``.

    >>> smith_set([[0, 2, 1], [1, 0, 2], [2, 1, 0]])  # A>B, B>C, C>A: a cycle
    (0, 1, 2)
    >>> smith_set([[0, 2, 2], [1, 0, 2], [1, 1, 0]])  # A beats both
    (0,)
    """
    p = np.asarray(pairwise, dtype=np.int64)
    if p.size == 0:
        return ()
    return tuple(_smith_indices(p))


# ------------------------------------------------------------------------------------------
# Internals
# ------------------------------------------------------------------------------------------
def _smith_indices(p: np.ndarray) -> list[int]:
    n = p.shape[0]
    reach = p >= p.T  # x >= y: y does not beat x (includes x == y)
    for k in range(n):  # Warshall's transitive closure
        reach |= reach[:, k : k + 1] & reach[k : k + 1, :]
    return [x for x in range(n) if reach[x].all()]


# ------------------------------------------------------------------------------------------
# Serialisation hooks (on the kit's one converter)
# ------------------------------------------------------------------------------------------
lenient(OptionResult, lambda d: {**d, "label": d.get("label") or d["id"]})

_round_to = make_dict_unstructure_fn(RoundResult, converter, other_rules=override(omit=True))
_round_from = make_dict_structure_fn(RoundResult, converter, other_rules=override(omit=True))


def _stored_rules(other_rules: Mapping[str, Any]) -> dict[str, Any]:
    """The other rules a record must keep: those that cannot be rescored from it."""
    return {
        name: dict(scores)
        for name, scores in other_rules.items()
        if not (name in rules.RULES and rules.RULES[name].from_counts)
    }


def _unstructure_round(r: RoundResult) -> dict[str, Any]:
    d = _round_to(r)
    stored = _stored_rules(r.other_rules)
    if stored:
        d["other_rules"] = stored
    return d


def _structure_round(d: Mapping[str, Any], cls: type) -> RoundResult:
    if not isinstance(d, Mapping):
        raise TypeError(f"A RoundResult is read from a mapping, not {type(d).__name__}.")
    filled = dict(d)
    filled["condorcet_winner"] = d.get("condorcet_winner")
    for key in ("smith_set", "winners", "groups"):
        filled[key] = d.get(key) or ()
    filled["no_group_ballots"] = d.get("no_group_ballots") or 0
    base = _round_from(filled, cls)
    counts = base.counts()
    other = {
        name: rule(counts)
        for name, rule in rules.RULES.items()
        if rule.from_counts and name not in rules.FIELD_RULES
    }
    stored = converter.structure(d.get("other_rules") or {}, dict[str, dict[str, Any]])
    other.update(stored)
    return replace(base, other_rules=other)


converter.register_unstructure_hook(RoundResult, _unstructure_round)
converter.register_structure_hook(RoundResult, _structure_round)
