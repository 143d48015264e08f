"""Which stakeholder groups a vote's results may show, and what to say about the others.

A group's points are, for a small group, close to its members' own rankings (``Police (1)``
with its points *is* that voter's ballot). So results by group follow one rule everywhere they
appear (projector, facilitator app, charts, reports, participants' pages), with ``k`` the
minimum group size (the facilitator's setting ``session.settings["min_group_size"]``, default
:data:`DEFAULT_MIN_GROUP_SIZE`):

* **Primary.** A group with ballots but fewer than ``k`` of them is hidden: its name may be
  shown with "fewer than k ballots", never its points, coefficients or exact size.
* **Secondary.** The overall result is always shown, so the ballots outside the shown groups
  (hidden groups and ballots that named no group) can be worked out as overall minus the shown
  groups. When those ballots number between 1 and ``k - 1``, the smallest shown group (fewest
  ballots; on a tie, every group of that size) is hidden too, and again, until they number 0 or
  at least ``k``, or no group is left.

Every statement about groups (the lowest group, the advice's group check) reads only the shown
groups, so nothing said depends on a hidden group's figures.

>>> from partnership_tools.vote.count import count_rankings
>>> groups = ["Managers"] * 6 + ["Citizens"] * 5 + ["Police"] + [None] * 4
>>> r = count_rankings(["A", "B"], [["A"]] * 8 + [["B", "A"]] * 8, groups=groups)
>>> d = group_disclosure(r, 5)  # outside Managers and Citizens: Police 1 + 4 with no group
>>> d.shown, d.too_small, d.to_protect
(('Managers', 'Citizens'), ('Police',), ())
>>> d.note()
'Police is not shown: fewer than 5 ballots (the minimum group size).'
>>> group_disclosure(count_rankings(["A"], [["A"]] * 12, groups=groups[:12]), 5).to_protect
('Citizens',)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from partnership_tools.vote.count import RoundResult

__all__ = [
    "DEFAULT_MIN_GROUP_SIZE",
    "GroupDisclosure",
    "group_disclosure",
    "lowest_groups",
    "min_group_size",
]

DEFAULT_MIN_GROUP_SIZE = 5
"""The smallest group whose results are shown, unless the facilitator sets another (the same
default as the partnership review's)."""

_EPS = 1e-9


def min_group_size(settings: Mapping[str, Any] | Any | None = None) -> int:
    """The minimum group size from a session's settings (or the session itself), else the default.

    Anything that is not a whole number of at least 1 falls back to the default.

    >>> min_group_size({}), min_group_size({"min_group_size": 3}), min_group_size({"min_group_size": 0})
    (5, 3, 5)
    """
    if settings is not None and not isinstance(settings, Mapping):
        settings = getattr(settings, "settings", None)
    value = (settings or {}).get("min_group_size") if isinstance(settings, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return DEFAULT_MIN_GROUP_SIZE
    return value


@dataclass(frozen=True)
class GroupDisclosure:
    """The groups of one round that may be shown (``shown``, in the result's group order), the
    groups hidden for having fewer than ``k`` ballots (``too_small``) and those hidden so that
    the small ones cannot be worked out by subtraction (``to_protect``)."""

    k: int
    shown: tuple[str, ...]
    too_small: tuple[str, ...]
    to_protect: tuple[str, ...]

    @property
    def hidden(self) -> tuple[str, ...]:
        return self.too_small + self.to_protect

    def is_shown(self, group: str) -> bool:
        return group in self.shown

    def note(self) -> str:
        """One or two sentences saying which groups are hidden and why ("" when none is).

        >>> GroupDisclosure(5, ("A",), ("B", "C"), ("D",)).note()  # doctest: +NORMALIZE_WHITESPACE
        'B and C are not shown: fewer than 5 ballots each (the minimum group size). D is not
        shown either, so that the hidden groups cannot be worked out from the totals.'
        """
        out = []
        if self.too_small:
            each = " each" if len(self.too_small) > 1 else ""
            verb = "are" if len(self.too_small) > 1 else "is"
            out.append(
                f"{_join(self.too_small)} {verb} not shown: fewer than {self.k} ballots{each}"
                " (the minimum group size)."
            )
        if self.to_protect:
            verb = "are" if len(self.to_protect) > 1 else "is"
            what = "the hidden groups" if self.too_small else "the ballots that named no group"
            out.append(
                f"{_join(self.to_protect)} {verb} not shown either, so that {what} cannot be"
                " worked out from the totals."
            )
        return " ".join(out)


def group_disclosure(result: RoundResult, k: int = DEFAULT_MIN_GROUP_SIZE) -> GroupDisclosure:
    """Apply the rule in the module docstring to a counted round (groups without ballots are
    neither shown nor mentioned).

    >>> from partnership_tools.vote.count import count_rankings
    >>> r = count_rankings(["A"], [["A"]] * 9, groups=["x"] * 5 + ["y"] * 3 + [None])
    >>> d = group_disclosure(r, 5)  # y (3) hidden; 3 + 1 outside x: hide x too
    >>> d.shown, d.too_small, d.to_protect
    ((), ('y',), ('x',))
    """
    k = max(1, int(k))
    voting = [g for g in result.groups if g.ballots > 0]
    too_small = tuple(g.group for g in voting if g.ballots < k)
    shown = [g for g in voting if g.ballots >= k]
    protect: list[str] = []
    outside = result.ballots - sum(g.ballots for g in shown)
    while shown and 0 < outside < k:
        smallest = min(g.ballots for g in shown)
        for g in [g for g in shown if g.ballots == smallest]:
            protect.append(g.group)
            outside += g.ballots
        shown = [g for g in shown if g.ballots != smallest]
    return GroupDisclosure(k, tuple(g.group for g in shown), too_small, tuple(protect))


def lowest_groups(
    result: RoundResult, option_id: str, shown: tuple[str, ...] | GroupDisclosure
) -> tuple[float, tuple[str, ...]] | None:
    """The lowest coefficient any *shown* group gave ``option_id`` and every shown group that
    gave it (ties are named, in group order); ``None`` when no group is shown.

    >>> from partnership_tools.vote.count import count_rankings
    >>> r = count_rankings(["A", "B"], [["B", "A"], ["B", "A"]], groups=["x", "y"])
    >>> lowest_groups(r, "A", ("x", "y"))  # both give A 1 / (1 x 2)
    (0.5, ('x', 'y'))
    """
    names = shown.shown if isinstance(shown, GroupDisclosure) else tuple(shown)
    values = [(g.consensus[option_id], g.group) for g in result.groups if g.group in names]
    if not values:
        return None
    low = min(v for v, _ in values)
    return low, tuple(name for v, name in values if v <= low + _EPS)


def _join(items: tuple[str, ...] | list[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
