"""Hypothesis strategies shared by the counting tests.

* :func:`option_id_lists`: lists of distinct option ids;
* :func:`rankings`: one ballot's ranking of some of the given options (possibly truncated);
* :func:`group_names`: a stakeholder group name or ``None`` (no group);
* :func:`rounds`: a whole round, ``(option_ids, rankings, groups)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

GROUPS = ("Policy makers", "Managers", "Front-line workers", "Citizens")

_id_text = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh0123456789-_", min_size=1, max_size=4
)


def option_id_lists(min_size: int = 1, max_size: int = 6) -> st.SearchStrategy[list[str]]:
    """Lists of distinct, non-empty option ids."""
    return st.lists(_id_text, min_size=min_size, max_size=max_size, unique=True)


def rankings(
    option_ids: Sequence[str], min_length: int = 0, full: bool = False
) -> st.SearchStrategy[tuple[str, ...]]:
    """A ranking (first choice first) of ``m`` distinct options, ``min_length <= m <= n``;
    ``full=True`` ranks them all. ``m = 0`` is a blank ballot."""
    ids = list(option_ids)
    n = len(ids)
    lo = n if full else min(min_length, n)
    return st.permutations(ids).flatmap(
        lambda p: st.integers(min_value=lo, max_value=n).map(lambda m: tuple(p[:m]))
    )


def group_names(groups: Sequence[str] = GROUPS) -> st.SearchStrategy[str | None]:
    """A group name, or ``None`` for a voter who gave no group."""
    return st.one_of(st.none(), st.sampled_from(list(groups)))


@st.composite
def rounds(
    draw: st.DrawFn,
    min_options: int = 1,
    max_options: int = 6,
    min_ballots: int = 0,
    max_ballots: int = 25,
    min_length: int = 0,
    full: bool = False,
    with_groups: bool | None = None,
) -> tuple[list[str], list[tuple[str, ...]], list[str | None] | None]:
    """``(option_ids, rankings, groups)`` for one round. ``groups`` is ``None`` (no group
    question) or one entry per ballot; ``with_groups=None`` lets hypothesis choose."""
    ids = draw(option_id_lists(min_options, max_options))
    ballots = draw(
        st.lists(rankings(ids, min_length, full), min_size=min_ballots, max_size=max_ballots)
    )
    use_groups = draw(st.booleans()) if with_groups is None else with_groups
    groups = (
        draw(st.lists(group_names(), min_size=len(ballots), max_size=len(ballots)))
        if use_groups
        else None
    )
    return ids, ballots, groups
