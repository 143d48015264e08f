"""Anonymity: which groups of respondents show no figures, and why.

Within a wave, a group with fewer than ``min_group_size`` respondents shows no figures at all; if
the groups hidden that way add up to fewer than ``min_group_size`` respondents, the next-smallest
shown group is hidden too (complementary suppression), so subtracting the shown groups from the
total never gives the figures of fewer than ``min_group_size`` people. A wave with fewer
respondents than that shows nothing. :func:`too_small` is the one test of "fewer than k".

That rule protects one table at a time (``disclosure="per_table"``, kept so that files saved
with it replay as recorded). Reviews are scored with the linked rule of :mod:`.disclosure`, which
protects every grouping of a wave together.

>>> too_small(4, 5), too_small(5, 5), too_small(0, 5)
(True, False, False)
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from partnership_tools.review.reasons import (
    COMPLEMENTARY,
    SMALL_ANSWERS,
    SMALL_GROUP,
    SMALL_TOTAL,
    reason_text,
)
from partnership_tools.review.settings import DEFAULT_MIN_GROUP_SIZE

__all__ = [
    "COMPLEMENTARY",
    "NOT_STATED",
    "OVERALL",
    "SMALL_ANSWERS",
    "SMALL_GROUP",
    "SMALL_TOTAL",
    "hide_rows",
    "reason_text",
    "suppress",
    "suppression_plan",
    "too_small",
]

#: The group label of the rows that cover every respondent.
OVERALL = "All respondents"
#: The group of respondents who did not give the grouping field.
NOT_STATED = "Not stated"
_FIGURES = [
    "respondents",
    "n",
    "mean",
    "median",
    "sd",
    "pct_positive",
    "pct_negative",
    "dont_know",
    "not_applicable",
    "missing",
]


def too_small(respondents: int, min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> bool:
    """Whether a group of ``respondents`` people is too small to show: ``0 < respondents < k``.

    An empty group (0) is not "too small": it has no figures to hide.
    """
    return 0 < int(respondents) < int(min_group_size)


# -- suppression ---------------------------------------------------------------------------------
def suppression_plan(
    sizes: Mapping[str, int], min_group_size: int = DEFAULT_MIN_GROUP_SIZE
) -> dict[str, str | None]:
    """Which groups to hide, and why, given each group's number of respondents in one wave.

    ``sizes`` lists every group that makes up the total (including "not stated"), in display order.
    The rule, with ``k = min_group_size``:

    1. if the total is below ``k``, hide everything, the overall row included (``small_total``);
    2. hide every group with ``0 < size < k`` (``small_group``);
    3. while the hidden groups together hold ``0 < hidden < k`` respondents, also hide the shown
       group with the fewest respondents (the first one in ``sizes`` order on a tie)
       (``complementary``).

    After step 3 the respondents hidden together number 0 or at least ``k``, so the total minus the
    shown groups never reveals fewer than ``k`` people. The result maps each group, and
    :data:`OVERALL`, to its reason or None when it is shown.

    >>> suppression_plan({"A": 3, "B": 6, "C": 20}, 5)
    {'A': 'small_group', 'B': 'complementary', 'C': None, 'All respondents': None}
    >>> suppression_plan({"A": 3, "B": 2, "C": 20, "D": 9}, 5)
    {'A': 'small_group', 'B': 'small_group', 'C': None, 'D': None, 'All respondents': None}
    >>> suppression_plan({"A": 2, "B": 1}, 5)["All respondents"]
    'small_total'
    """
    k = int(min_group_size)
    total = sum(int(v) for v in sizes.values())
    plan: dict[str, str | None] = {g: None for g in sizes}
    if too_small(total, k):
        plan = {g: SMALL_TOTAL for g in sizes}
        plan[OVERALL] = SMALL_TOTAL
        return plan
    hidden = 0
    for g, s in sizes.items():
        if too_small(s, k):
            plan[g] = SMALL_GROUP
            hidden += int(s)
    while too_small(hidden, k):
        shown = [
            (int(s), i, g) for i, (g, s) in enumerate(sizes.items()) if plan[g] is None and s > 0
        ]
        if not shown:  # pragma: no cover - cannot happen: then hidden == total >= k
            break
        s, _, g = min(shown)
        plan[g] = COMPLEMENTARY
        hidden += s
    plan[OVERALL] = None
    return plan


def suppress(table: pd.DataFrame, min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> pd.DataFrame:
    """Apply :func:`suppression_plan` to a scored table, per wave, from its ``group_size`` column.

    Works on the tables of :func:`score_items`, :func:`score_dimensions` and
    :func:`item_distribution`: scoring with ``min_group_size=1`` and then suppressing with ``k`` gives
    the same table as scoring with ``k``. Hidden rows keep their keys (wave, group, item or dimension)
    and lose every figure; ``suppressed`` is True and ``suppressed_reason`` says why.
    """
    out = table.copy()
    if out.empty:
        return out
    if "suppressed" not in out:
        out["suppressed"] = False
        out["suppressed_reason"] = pd.Series([None] * len(out), dtype="str")
    sizes = (
        out[["wave", "group", "overall", "group_size"]].drop_duplicates(["wave", "group"]).copy()
    )
    # groups hidden earlier have no size left: they stay hidden and count as 0 here (conservative)
    sizes["group_size"] = sizes["group_size"].fillna(0)
    reasons: dict[tuple[str, str], str | None] = {}
    for wave, part in sizes.groupby("wave", sort=False):
        groups = part[~part["overall"].astype(bool)]
        plan = suppression_plan(
            dict(zip(groups["group"], groups["group_size"].astype(int), strict=True)),
            min_group_size,
        )
        ov = part[part["overall"].astype(bool)]
        if len(ov) and not len(groups):  # no grouping: only the total
            n = int(ov["group_size"].iloc[0])
            plan[OVERALL] = SMALL_TOTAL if too_small(n, min_group_size) else None
        for g, reason in plan.items():
            reasons[(wave, g)] = reason
    keys = list(zip(out["wave"], out["group"], strict=True))
    return hide_rows(out, [reasons.get(k) for k in keys])


def hide_rows(table: pd.DataFrame, reasons: list[str | None]) -> pd.DataFrame:
    """Blank every figure of the rows whose reason (one per row, in order) is not None, marking
    them ``suppressed`` with ``suppressed_reason``; rows hidden before stay as they were."""
    out = table.copy()
    if "suppressed" not in out:
        out["suppressed"] = False
        out["suppressed_reason"] = pd.Series([None] * len(out), dtype="str")
    reason = pd.Series(reasons, index=out.index, dtype="object")
    hide = reason.notna() & ~out["suppressed"].astype(bool)
    if hide.any():
        figure_cols = [
            c for c in out.columns if c in _FIGURES or c in _HIDDEN_EXTRA or c == "group_size"
        ]
        for c in figure_cols:
            out[c] = out[c].mask(hide)
        out.loc[hide, "suppressed"] = True
        out.loc[hide, "suppressed_reason"] = reason[hide].astype(str)
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


_HIDDEN_EXTRA = {"band", "band_label", "met_minimum", "count", "pct_of_valid", "pct_of_answers"}
