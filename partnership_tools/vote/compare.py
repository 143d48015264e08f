"""Compare two counted rounds of a session, following each option's lineage.

Between rounds an option may be carried over unchanged (same id), *amended* (a new option with
``amended_from``) or *merged* (a new option with ``merged_from``). For each option of the later
round, :func:`compare_rounds` finds its *predecessors*: the nearest options of its lineage that
were on the earlier round's ballot paper (itself, when carried over; walking back through
``Option.parents`` otherwise, stopping at the first ancestor on each line that was voted on).

**The consensus coefficient is the primary measure of change.** MBC points depend on the number
of options ``n`` (a full ballot hands out ``n(n+1)/2`` points) and on the number of ballots, so
points from two rounds are only directly comparable when both rounds had the same ``n`` and the
same number of ballots (``RoundComparison.points_comparable``); the coefficient divides both out.

Conventions for the "before" figures of a later option:

* carried over or amended (one predecessor): that predecessor's points and coefficient;
* merged (two or more predecessors): its **strongest parent**, the predecessor with the highest
  coefficient (see :func:`strongest_parents`), both its points and its coefficient, so a merger
  "gains" only if it beats its strongest parent (the parents' points and coefficients are not
  added up: the coefficients may come to more than 1, so their sum is no yardstick);
* new (no predecessor on the earlier ballot paper): no before figures (``None``).

``change = after - before``. Earlier options missing from the later round are listed as
*disappeared*, with their fate: ``"amended"`` (every successor is an amended version of it),
``"merged"`` (it went into at least one merger) or ``"dropped"`` (no successor).

>>> from partnership_tools.vote.count import count_rankings
>>> from partnership_tools.vote.model import Option, Session
>>> s = Session(id="s", question="Which?", options=(
...     Option("A", "Alpha"), Option("B", "Beta"), Option("C", "Gamma"),
...     Option("B2", "Beta v2", amended_from="B")))
>>> r1 = count_rankings(["A", "B", "C"], [["A", "B", "C"], ["B", "A"]])
>>> r2 = count_rankings(["A", "B2"], [["B2", "A"], ["B2"]])
>>> c = compare_rounds(s, r1, r2)
>>> # round 1: A 3 + 1 = 4, B 2 + 2 = 4 (of 2 x 3 = 6); round 2: B2 2 + 1 = 3, A 1 (of 2 x 2)
>>> [(o.id, o.kind, o.predecessors, round(o.consensus_change, 2)) for o in c.options]
[('B2', 'amended', ('B',), 0.08), ('A', 'carried', ('A',), -0.42)]
>>> [(d.id, d.fate) for d in c.disappeared]
[('B', 'amended'), ('C', 'dropped')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from partnership_tools.vote.count import RoundResult
from partnership_tools.vote.model import Session
from partnership_tools.vote.records import from_record, lenient, to_record

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "Disappearance",
    "OptionChange",
    "RoundComparison",
    "COMPARISON_SETTING",
    "compare_rounds",
    "predecessors_in",
    "strongest_parents",
]

COMPARISON_SETTING = (
    "coefficients follow lineage; a merged option compares with its strongest parent (the parent"
    " with the highest coefficient): that parent's points and coefficient"
)
"""The ``settings.comparison`` text a saved session records for :func:`compare_rounds`."""

KINDS = ("carried", "amended", "merged", "new")
FATES = ("amended", "merged", "dropped")


@dataclass(frozen=True)
class OptionChange:
    """One option of the later round against its predecessor(s) in the earlier round.

    ``kind`` is ``"carried"``, ``"amended"``, ``"merged"`` or ``"new"``; the ``before_*`` and
    ``*_change`` fields are ``None`` for a new option.

    >>> o = OptionChange("M", "Merged", "merged", ("A", "B"), 7, 0.5, 9, 0.4, -2, 0.1)
    >>> OptionChange.from_dict(o.to_dict()) == o
    True
    """

    id: str
    label: str
    kind: str
    predecessors: tuple[str, ...]
    mbc: int
    consensus: float
    before_mbc: int | None
    before_consensus: float | None
    mbc_change: int | None
    consensus_change: float | None

    def to_dict(self) -> dict[str, Any]:
        return to_record(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> OptionChange:
        return from_record(cls, d)


@dataclass(frozen=True)
class Disappearance:
    """An option of the earlier round that is not on the later ballot paper.

    ``fate`` is ``"amended"``, ``"merged"`` or ``"dropped"``; ``successors`` are the later options
    that descend from it; ``mbc`` and ``consensus`` are its figures in the earlier round.

    >>> d = Disappearance("C", "Gamma", "merged", ("M",), 3, 0.25)
    >>> Disappearance.from_dict(d.to_dict()) == d
    True
    """

    id: str
    label: str
    fate: str
    successors: tuple[str, ...]
    mbc: int
    consensus: float

    def to_dict(self) -> dict[str, Any]:
        return to_record(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Disappearance:
        return from_record(cls, d)


@dataclass(frozen=True)
class RoundComparison:
    """The later round's options (in its MBC order) against the earlier round, plus the earlier
    options that disappeared (in the earlier ballot-paper order).

    >>> c = RoundComparison(("A",), ("A",), 2, 3, 1, 1, (), ())
    >>> c.points_comparable, RoundComparison.from_dict(c.to_dict()) == c
    (False, True)
    """

    before_option_ids: tuple[str, ...]
    after_option_ids: tuple[str, ...]
    before_ballots: int
    after_ballots: int
    before_n_options: int
    after_n_options: int
    options: tuple[OptionChange, ...]
    disappeared: tuple[Disappearance, ...]

    @property
    def points_comparable(self) -> bool:
        """True when both rounds had the same number of options and of ballots, so MBC points
        can be compared directly (coefficients can always be compared)."""
        return (
            self.before_n_options == self.after_n_options
            and self.before_ballots == self.after_ballots
        )

    def option(self, option_id: str) -> OptionChange:
        for o in self.options:
            if o.id == option_id:
                return o
        raise KeyError(f"Option {option_id!r} was not on the later ballot paper.")

    def to_frame(self) -> pd.DataFrame:
        """One row per later option: ``option_id``, ``label``, ``kind``, ``predecessors``
        (ids joined with ``" + "``), ``mbc``, ``consensus``, ``before_mbc``,
        ``before_consensus``, ``mbc_change``, ``consensus_change``."""
        import pandas as pd

        columns = [
            "option_id",
            "label",
            "kind",
            "predecessors",
            "mbc",
            "consensus",
            "before_mbc",
            "before_consensus",
            "mbc_change",
            "consensus_change",
        ]
        rows = []
        for o in self.options:
            d = o.to_dict()
            d["option_id"] = d.pop("id")
            d["predecessors"] = " + ".join(o.predecessors)
            rows.append(d)
        frame = pd.DataFrame(rows, columns=columns)
        for col in ("before_mbc", "mbc_change"):
            frame[col] = frame[col].astype("Int64")
        return frame

    def disappeared_frame(self) -> pd.DataFrame:
        """One row per disappeared earlier option: ``option_id``, ``label``, ``fate``,
        ``successors`` (joined with ``", "``), ``mbc``, ``consensus``."""
        import pandas as pd

        rows = [
            {
                "option_id": d.id,
                "label": d.label,
                "fate": d.fate,
                "successors": ", ".join(d.successors),
                "mbc": d.mbc,
                "consensus": d.consensus,
            }
            for d in self.disappeared
        ]
        return pd.DataFrame(
            rows, columns=["option_id", "label", "fate", "successors", "mbc", "consensus"]
        )

    def to_dict(self) -> dict[str, Any]:
        return to_record(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RoundComparison:
        return from_record(cls, d)


# Old records may leave out the "before" figures of a new option, or empty lists.
lenient(
    OptionChange,
    lambda d: {
        **d,
        **{
            k: d.get(k)
            for k in ("before_mbc", "before_consensus", "mbc_change", "consensus_change")
        },
    },
)
lenient(
    RoundComparison,
    lambda d: {**d, "options": d.get("options") or (), "disappeared": d.get("disappeared") or ()},
)


def predecessors_in(session: Session, option_id: str, earlier: tuple[str, ...]) -> tuple[str, ...]:
    """The nearest options in ``option_id``'s lineage that are among ``earlier`` ids.

    ``(option_id,)`` when it is itself among them; otherwise walk ``session.option(x).parents``
    breadth-first, stopping on each line at the first option found in ``earlier`` (no repeats).

    >>> from partnership_tools.vote.model import Option, Session
    >>> s = Session(id="s", question="q", options=(Option("A", "a"), Option("B", "b"),
    ...     Option("A2", "a2", amended_from="A"), Option("M", "m", merged_from=("A2", "B"))))
    >>> predecessors_in(s, "M", ("A", "B"))  # A2 was never voted on: go back to A
    ('B', 'A')
    """
    wanted = set(earlier)
    if option_id in wanted:
        return (option_id,)
    found: list[str] = []
    seen: set[str] = set()
    frontier = list(session.option(option_id).parents)
    while frontier:
        nxt: list[str] = []
        for p in frontier:
            if p in seen:
                continue
            seen.add(p)
            if p in wanted:
                found.append(p)
            else:
                nxt.extend(session.option(p).parents)
        frontier = nxt
    return tuple(found)


def strongest_parents(
    predecessors: Sequence[str], before: RoundResult
) -> tuple[tuple[str, ...], int | None, float | None]:
    """The predecessors a later option is compared with, and their points and coefficient.

    Every predecessor whose coefficient in ``before`` equals the highest among ``predecessors``
    (in the order given; tied ones have the same points, as they come from the same round with
    the same ``n`` and number of ballots), that option's MBC points and that coefficient. One
    predecessor is its own strongest parent; none gives ``((), None, None)``. The Compare tab and
    :func:`compare_rounds` both use this rule.

    >>> from partnership_tools.vote.count import count_rankings
    >>> r1 = count_rankings(["B", "C"], [["B", "C"], ["B"]])  # B 2 + 1 = 3 (0.75), C 1 (0.25)
    >>> strongest_parents(("C", "B"), r1)
    (('B',), 3, 0.75)
    >>> strongest_parents((), r1)
    ((), None, None)
    """
    preds = tuple(predecessors)
    if not preds:
        return (), None, None
    best = max(before.option(p).consensus for p in preds)
    top = tuple(p for p in preds if before.option(p).consensus >= best - 1e-12)
    return top, before.option(top[0]).mbc, best


#: How a merged option's earlier points are found: ``strongest_parent`` (today's rule) or
#: ``sum_of_parents`` (the rule of files saved before 2026-12-03: points of all its parents added,
#: coefficient of the best one), kept so those files replay as recorded.
COMPARISON_RULES = ("strongest_parent", "sum_of_parents")


def compare_rounds(
    session: Session, before: RoundResult, after: RoundResult, rule: str = "strongest_parent"
) -> RoundComparison:
    """Compare each option of ``after`` with its predecessor(s) in ``before``.

    For a later option X with predecessors ``P`` in the earlier round (see
    :func:`predecessors_in`) and ``S`` the first of its strongest parents (highest
    ``consensus[p]`` over ``P``, see :func:`strongest_parents`): ``before_mbc = mbc[S]``,
    ``before_consensus = consensus[S]``; ``mbc_change = mbc[X] - before_mbc`` and
    ``consensus_change = consensus[X] - before_consensus``. Compare coefficients first: points
    are only comparable when ``points_comparable`` (same ``n`` and same number of ballots).
    Labels come from the session when it knows the option, else from the results. With
    ``rule="sum_of_parents"`` (files saved before the strongest-parent rule) ``before_mbc`` is
    the sum of the parents' points and ``before_consensus`` the best parent's coefficient.

    >>> from partnership_tools.vote.count import count_rankings
    >>> from partnership_tools.vote.model import Option, Session
    >>> s = Session(id="s", question="q", options=(Option("A", "a"), Option("B", "b"),
    ...     Option("C", "c"), Option("M", "m", merged_from=("A", "B"))))
    >>> r1 = count_rankings(["A", "B", "C"], [["A", "C", "B"], ["B", "C", "A"]])
    >>> r2 = count_rankings(["M", "C"], [["M", "C"], ["M", "C"]])
    >>> m = compare_rounds(s, r1, r2).option("M")
    >>> m.before_mbc, m.before_consensus  # A: 3 + 1 = 4, B: 1 + 3 = 4; both 4/6, A named first
    (4, 0.6666666666666666)
    >>> m.consensus_change  # M: 2 + 2 = 4 of 2 x 2 = 1.0
    0.33333333333333337
    """
    earlier = tuple(before.option_ids)
    session_labels = session.labels
    changes: list[OptionChange] = []
    succ: dict[str, list[str]] = {oid: [] for oid in earlier}
    kinds: dict[str, str] = {}
    for o in after.options:
        preds = predecessors_in(session, o.id, earlier)
        if o.id in earlier:
            kind = "carried"
        elif not preds:
            kind = "new"
        elif len(preds) > 1 or session.option(o.id).merged_from:
            kind = "merged"
        else:
            kind = "amended"
        kinds[o.id] = kind
        if kind != "carried":
            for p in preds:
                succ[p].append(o.id)
        if preds:
            _, parent_mbc, parent_cons = strongest_parents(preds, before)
            assert parent_mbc is not None and parent_cons is not None
            if rule == "sum_of_parents":
                parent_mbc = sum(before.option(p).mbc for p in preds)
            b_mbc: int | None = parent_mbc
            b_cons: float | None = parent_cons
            d_mbc: int | None = o.mbc - parent_mbc
            d_cons: float | None = o.consensus - parent_cons
        else:
            b_mbc = b_cons = d_mbc = d_cons = None
        changes.append(
            OptionChange(
                id=o.id,
                label=session_labels.get(o.id, o.label),
                kind=kind,
                predecessors=preds,
                mbc=o.mbc,
                consensus=o.consensus,
                before_mbc=b_mbc,
                before_consensus=b_cons,
                mbc_change=d_mbc,
                consensus_change=d_cons,
            )
        )

    later = set(after.option_ids)
    gone: list[Disappearance] = []
    for oid in earlier:
        if oid in later:
            continue
        successors = tuple(x for x in after.option_ids if x in succ[oid])
        if not successors:
            fate = "dropped"
        elif all(kinds[x] == "amended" for x in successors):
            fate = "amended"
        else:
            fate = "merged"
        res = before.option(oid)
        gone.append(
            Disappearance(
                id=oid,
                label=session_labels.get(oid, res.label),
                fate=fate,
                successors=successors,
                mbc=res.mbc,
                consensus=res.consensus,
            )
        )
    return RoundComparison(
        before_option_ids=earlier,
        after_option_ids=tuple(after.option_ids),
        before_ballots=before.ballots,
        after_ballots=after.ballots,
        before_n_options=before.n_options,
        after_n_options=after.n_options,
        options=tuple(changes),
        disappeared=tuple(gone),
    )
