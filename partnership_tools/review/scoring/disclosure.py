"""Disclosure control across linked tables: no combination of released figures describes fewer
than ``k`` people.

Protecting one table at a time is not enough. A review can be shown by ``level`` and by
``partner_type``: each table alone hides its small groups, yet the overall figure minus the shown
levels minus a partner type that holds exactly one of the hidden levels gives the answers of the
one person left. Statistical agencies call this the linked-tables problem and solve it with
primary suppression (hide cells below the threshold) followed by secondary suppression audited
across every table released from the same people. This module does that for one wave.

**The rule, in one paragraph.** Cross-classify a wave's respondents by every field the kit can
group by; each class is an *atom*. Every released figure (the overall row, or one group of one
field) is a sum over the people of a union of atoms, so any sum or difference of released figures
is, atom by atom, a weighted sum whose weights are the same for everyone in the atom. Hide every
group with ``0 < size < k`` (primary). Then, while some set ``U`` of atoms holding between 1 and
``k - 1`` people can be isolated — some linear combination of the shown figures is non-zero on
``U`` and zero everywhere else, which holds exactly when ``rank(M) > rank(M without the columns of
U)`` for the matrix ``M`` of shown cells by atoms — also hide one more shown group (secondary):
one whose hiding closes that gap if there is one, the smallest first. A wave with fewer than ``k`` respondents shows nothing. The same
audit is repeated for each statement and each theme with the people who answered it, so a
statement answered by few people inside a shown group is hidden too, with its complement.

Sums cover every figure the kit shows that is linear in the people's answers (counts, means with
their ``n``, percentages, standard deviations through sums of squares); medians are not linear but
are hidden with the rest of the cell. The search over ``U`` looks at sets of small atoms only (a set
holding fewer than ``k`` people is made of atoms smaller than ``k``); past :data:`MAX_SETS` sets
it stops looking and hides every group that contains a small atom, which is safe.

>>> import pandas as pd
>>> people = pd.DataFrame({"level": ["Citizen"] + ["Manager"] * 6 + ["Front line"] * 6,
...                        "partner_type": ["Resident"] + ["Council"] * 6 + ["Health"] * 6})
>>> plan = linked_plan(people, ["level", "partner_type"], 5)
>>> plan.reason("level", "Citizen"), plan.reason("partner_type", "Resident")
('small_group', 'small_group')
>>> plan.reason("level", "Manager"), plan.reason("partner_type", "Council")
('complementary', 'complementary')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from partnership_tools.review.reasons import (
    COMPLEMENTARY,
    SMALL_ANSWERS,
    SMALL_GROUP,
    SMALL_TOTAL,
)
from partnership_tools.review.scoring.anonymity import NOT_STATED, OVERALL, too_small

__all__ = ["MAX_SETS", "SMALL_ANSWERS", "LinkedPlan", "atoms_of", "isolable", "linked_plan"]
#: How many candidate sets of atoms one audit examines before it hides conservatively.
MAX_SETS = 20_000


@dataclass(frozen=True)
class LinkedPlan:
    """Which cells of one wave to hide, and why: ``reasons[(field, group)]`` is a reason or None
    (shown); the overall row is ``(None, OVERALL)``.

    ``reason(field, group)`` looks a cell up (a group it does not know is hidden as
    ``complementary``, the safe answer).
    """

    reasons: dict[tuple[str | None, str], str | None] = field(default_factory=dict)
    #: People per atom the plan was made for (lets a statement everyone answered reuse it).
    atom_sizes: tuple[int, ...] = ()

    def reason(self, field_id: str | None, group: str) -> str | None:
        if group == OVERALL:
            return self.reasons.get((None, OVERALL))
        return self.reasons.get((field_id, group), COMPLEMENTARY)


def atoms_of(frame: pd.DataFrame, fields: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's atom (its combination of values over ``fields``, a blank as
    :data:`~.anonymity.NOT_STATED`) and the atoms' values: ``(codes, atoms)`` with ``codes`` of
    shape ``(rows,)`` indexing the rows of ``atoms`` (one column per field).

    >>> codes, atoms = atoms_of(pd.DataFrame({"a": ["x", "y", "x", None]}), ["a"])
    >>> codes.tolist(), atoms["a"].tolist()
    ([0, 1, 0, 2], ['x', 'y', 'Not stated'])
    """
    if not fields:
        return np.zeros(len(frame), dtype=np.int64), pd.DataFrame(index=[0])
    values = pd.DataFrame(
        {f: frame[f].astype("object").where(frame[f].notna(), NOT_STATED) for f in fields},
        index=frame.index,
    )
    codes = values.groupby(list(fields), sort=False, dropna=False).ngroup().to_numpy(np.int64)
    first = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
    atoms = values.iloc[first].reset_index(drop=True)
    return codes, atoms


def isolable(cells: np.ndarray, subset: Sequence[int]) -> bool:
    """Whether some linear combination of the rows of ``cells`` (shown cells x atoms, 0/1) is
    non-zero on the atoms in ``subset`` and zero on every other atom.

    The combinations zero outside ``subset`` form a space of dimension
    ``rank(cells) - rank(cells without subset's columns)``, so the test is that difference.

    >>> cells = np.array([[1, 1, 1], [1, 1, 0]])  # the total, and a group of atoms 0 and 1
    >>> isolable(cells, [2]), isolable(cells, [0])
    (True, False)
    """
    if cells.size == 0:
        return False
    keep = np.ones(cells.shape[1], dtype=bool)
    keep[list(subset)] = False
    full = np.linalg.matrix_rank(cells)
    rest = np.linalg.matrix_rank(cells[:, keep]) if keep.any() else 0
    return bool(full > rest)


def _small_sets(sizes: np.ndarray, k: int) -> list[tuple[int, ...]] | None:
    """Sets of atoms with between 1 and ``k - 1`` people (atoms of size 0 left out), fewest
    atoms first; None when there are more than :data:`MAX_SETS`."""
    small = [int(a) for a in np.flatnonzero((sizes > 0) & (sizes < k))]
    out: list[tuple[int, ...]] = []
    for r in range(1, k):
        for combo in combinations(small, r):
            if sum(int(sizes[a]) for a in combo) < k:
                out.append(combo)
                if len(out) > MAX_SETS:
                    return None
    return out


def _audit(
    members: dict[tuple[str | None, str], np.ndarray],
    sizes: np.ndarray,
    k: int,
    reasons: dict[tuple[str | None, str], str | None],
    secondary: str,
) -> None:
    """Hide cells (in ``reasons``) until no small set of atoms can be isolated from the shown
    ones. ``members[cell]`` is the 0/1 row of atoms in the cell; ``sizes`` people per atom."""
    present = sizes > 0
    sets = _small_sets(sizes[present], k)
    cols = np.flatnonzero(present)
    if sets is None:  # too many to search: hide every group holding a small atom (safe)
        small = present & (sizes < k)
        for cell, row in members.items():
            if cell[0] is not None and reasons.get(cell) is None and (row & small).any():
                reasons[cell] = secondary
        return
    while True:
        shown = [c for c in members if reasons.get(c) is None]
        if not shown:
            return
        m = np.array([members[c][cols] for c in shown], dtype=float)
        leak = next((s for s in sets if isolable(m, s)), None)
        if leak is None:
            return
        pool = [c for c in shown if c[0] is not None]
        if not pool:  # only the total is left: it alone never isolates a small set
            return

        costs = []
        for i, cell in enumerate(shown):
            if cell[0] is None:
                continue
            rest = np.array([members[c][cols] for c in shown if c != cell], dtype=float)
            closes = not isolable(rest, leak)
            costs.append((0 if closes else 1, int((members[cell] * sizes).sum()), i, cell))
        reasons[min(costs)[3]] = secondary


def linked_plan(
    frame: pd.DataFrame,
    fields: Sequence[str],
    min_group_size: int,
    answered: np.ndarray | None = None,
    base: LinkedPlan | None = None,
    atoms: tuple[np.ndarray, pd.DataFrame] | None = None,
) -> LinkedPlan:
    """The cells of one wave to hide so that no combination of the shown ones gives figures for
    fewer than ``min_group_size`` people (the rule is in the module's docstring).

    ``frame`` has one row per respondent of the wave and a column per grouping field in
    ``fields`` (every field the figures may be grouped by, shown or not). With ``answered`` (a
    boolean per row: who answered one statement or theme) the audit counts only those people,
    starting from ``base`` (the wave's plan by respondents): cells with ``0 < answers < k`` are
    hidden as :data:`SMALL_ANSWERS`, then their complements.

    ``atoms`` is :func:`atoms_of` for ``frame`` when already worked out. Raises nothing for any
    frame; an empty one gives an empty plan.
    """
    k = int(min_group_size)
    codes, table = atoms if atoms is not None else atoms_of(frame, fields)
    n_atoms = len(table)
    people = np.ones(len(codes), dtype=bool) if answered is None else np.asarray(answered, bool)
    sizes = np.bincount(codes[people], minlength=n_atoms).astype(np.int64)
    if base is not None and len(base.atom_sizes) == n_atoms:
        before = np.asarray(base.atom_sizes)
        same = ((sizes > 0) == (before > 0)) & ((sizes >= k) | (sizes == before))
        # Every atom keeps its presence, and every small one its size: so does every cell that
        # is small now, the candidate sets and the shown cells; the audit would find the same.
        if same.all():
            return LinkedPlan(dict(base.reasons), tuple(int(v) for v in sizes))
    members = _members(table, fields)
    total = int(sizes.sum())
    kept = tuple(int(v) for v in sizes)
    if base is None:
        reasons: dict[tuple[str | None, str], str | None] = {c: None for c in members}
        if too_small(total, k):
            return LinkedPlan({c: SMALL_TOTAL for c in members}, kept)
        for c, row in members.items():
            if c[0] is not None and too_small(int((row * sizes).sum()), k):
                reasons[c] = SMALL_GROUP
        _audit(members, sizes, k, reasons, COMPLEMENTARY)
        return LinkedPlan(reasons, kept)
    reasons = {c: base.reason(*c) for c in members}
    if too_small(total, k):
        return LinkedPlan({c: (reasons[c] or SMALL_ANSWERS) for c in members}, kept)
    for c, row in members.items():
        if reasons[c] is None and c[0] is not None and too_small(int((row * sizes).sum()), k):
            reasons[c] = SMALL_ANSWERS
    _audit(members, sizes, k, reasons, COMPLEMENTARY)
    return LinkedPlan(reasons, kept)


def _members(
    atoms: pd.DataFrame, fields: Sequence[str]
) -> dict[tuple[str | None, str], np.ndarray]:
    """Each cell's row of atoms (0/1): the overall row, then every group of every field."""
    out: dict[tuple[str | None, str], np.ndarray] = {
        (None, OVERALL): np.ones(len(atoms), dtype=np.int64)
    }
    for f in fields:
        col = atoms[f].astype(str).to_numpy()
        for value in pd.unique(col):
            out[(f, str(value))] = (col == value).astype(np.int64)
    return out
