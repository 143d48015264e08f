"""One pass over a round's ballots: the counts every counting rule reads.

With ``N`` ballots over ``n`` options, ``ranks[i, j]`` the rank ballot ``i`` gives option ``j``
(0 = unranked) and ``m_i`` the number of options ballot ``i`` ranks, :func:`round_counts` builds

* ``rank_counts`` ``(n, n + 1)``: ``rank_counts[j, k]`` = ballots ranking option ``j`` ``k``-th
  (column 0: ballots leaving it unranked);
* ``group_points`` ``(G + 1, n)``: Modified Borda Count points per stakeholder group (row 0: the
  ballots without a group), a ballot giving ``m_i - k + 1`` to its ``k``-th choice;
* ``pairwise`` ``(n, n)``: ``P[x, y]`` = ballots ranking x above y (a ranked option is above
  every unranked one; two unranked options are not compared).

These are the precomputed tables the rules in :mod:`partnership_tools.vote.rules` score from,
so a round is read once however many rules are registered.

>>> from partnership_tools.vote.ballots import BallotMatrix
>>> c = round_counts(BallotMatrix.from_rankings(("A", "B"), [("A", "B"), ("B",)]))
>>> c.rank_counts.tolist()  # A: once 1st, once unranked; B: once 1st, once 2nd
[[1, 1, 0], [0, 1, 1]]
>>> c.group_points.tolist(), c.pairwise.tolist()  # A 2, B 1 + 1
([[2, 2]], [[0, 1], [1, 0]])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from partnership_tools.vote.ballots import BallotMatrix

__all__ = ["TENSOR_LIMIT", "RoundCounts", "round_counts"]

TENSOR_LIMIT = 1 << 22
"""Largest (groups + 1) x (n + 1)^2 count table built per option; beyond it a slower path that
needs only (groups + 1) x (n + 1) cells is used."""


@dataclass(frozen=True, eq=False)
class RoundCounts:
    """A round's ballots and the tables counted from them once (shapes in the module docstring).

    ``ballots`` is ``None`` for counts rebuilt from a recorded result, which keeps only the
    rank counts and MBC points; rules that need the raw ballots cannot be rescored from those.
    """

    option_ids: tuple[str, ...]
    rank_counts: np.ndarray
    group_points: np.ndarray
    pairwise: np.ndarray
    ballots: BallotMatrix | None = None

    @property
    def n_options(self) -> int:
        return len(self.option_ids)

    @property
    def n_ballots(self) -> int:
        """The number of valid ballots (every ballot leaves each option ranked or unranked)."""
        return int(self.rank_counts[0].sum()) if self.option_ids else 0

    @property
    def mbc_points(self) -> np.ndarray:
        """Modified Borda Count points per option, ``(n,)`` int64: ``group_points`` summed."""
        return self.group_points.sum(axis=0)


def round_counts(ballots: BallotMatrix, *, validate: bool = True) -> RoundCounts:
    """Count ``ballots`` once into a :class:`RoundCounts`.

    ``validate`` checks that each row ranks ``1 .. m`` exactly once each and that group codes
    are ``-1`` or index ``group_names`` (``ValueError`` otherwise); turn it off only for matrices
    already checked.

    The work is a few passes over the transposed ranks (one contiguous row per option): per
    option, one ``np.bincount`` over (group, m, rank) cells yields its MBC points per group and
    its rank counts; the pairwise matrix is ``n(n-1)`` vectorised comparisons of option rows, so
    no ``N x n x n`` tensor is ever built.

    >>> m = BallotMatrix.from_rankings(("A", "B", "C"), [("C", "A")], groups=["x"])
    >>> round_counts(m).group_points.tolist()  # no-group row, then x: C 2, A 1
    [[0, 0, 0], [1, 0, 2]]
    """
    ranks = np.asarray(ballots.ranks)
    codes = np.asarray(ballots.group_codes)
    n = len(ballots.option_ids)
    group_points, rank_counts, pair = _tally(ranks, codes, n, len(ballots.group_names), validate)
    return RoundCounts(tuple(ballots.option_ids), rank_counts, group_points, pair, ballots)


def _tally(
    ranks: np.ndarray, codes: np.ndarray, n: int, n_groups: int, validate: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``group_points`` (G + 1, n), ``rank_counts`` (n, n + 1) and ``pairwise`` (n, n), int64."""
    n_ballots = int(ranks.shape[0])
    group_mbc = np.zeros((n_groups + 1, n), dtype=np.int64)
    rank_counts = np.zeros((n, n + 1), dtype=np.int64)
    pair = np.zeros((n, n), dtype=np.int64)
    if validate:
        _check_values(ranks, codes, n, n_groups)
    if n_ballots == 0 or n == 0:
        return group_mbc, rank_counts, pair

    small = np.int8 if n < 127 else np.int16
    ranks_t = np.ascontiguousarray(ranks.T, dtype=small)  # (n, N)
    m = np.zeros(n_ballots, dtype=small)  # options ranked per ballot
    for row in ranks_t:
        m += row != 0
    if validate:
        _check_rows(ranks, ranks_t, m, n)

    g = codes.astype(np.intp) + 1
    cells = (n_groups + 1) * (n + 1) * (n + 1)
    if cells <= TENSOR_LIMIT:
        # counts[g, m, r] per option: ballots of group g ranking m options with this one at r
        base = (g * (n + 1) + m) * (n + 1)
        m_idx = np.arange(n + 1)[:, None]
        r_idx = np.arange(n + 1)[None, :]
        weight = np.where((r_idx >= 1) & (r_idx <= m_idx), m_idx - r_idx + 1, 0)
        for j, r in enumerate(ranks_t):
            counts = np.bincount(base + r, minlength=cells).reshape(n_groups + 1, n + 1, n + 1)
            group_mbc[:, j] = np.einsum("gmr,mr->g", counts, weight)
            rank_counts[j] = counts.sum(axis=(0, 1))
    else:
        g_base = g * (n + 1)
        m1 = m + small(1)
        for j, r in enumerate(ranks_t):
            points = np.where(r > 0, m1 - r, small(0))
            counts = np.bincount(g_base + points, minlength=(n_groups + 1) * (n + 1))
            group_mbc[:, j] = counts.reshape(n_groups + 1, n + 1) @ np.arange(n + 1)
            rank_counts[j] = np.bincount(r, minlength=n + 1)

    # Pairwise: shift ranks down by one in unsigned arithmetic, so unranked (0) wraps to the
    # largest value and sits below every ranked option; two unranked options compare equal.
    unsigned = np.uint8 if small is np.int8 else np.uint16
    eff = ranks_t.view(unsigned) - unsigned(1)
    for x in range(n):
        for y in range(x + 1, n):
            pair[x, y] = np.count_nonzero(eff[x] < eff[y])
            pair[y, x] = np.count_nonzero(eff[x] > eff[y])
    return group_mbc, rank_counts, pair


def _check_values(ranks: np.ndarray, codes: np.ndarray, n: int, n_groups: int) -> None:
    if not np.issubdtype(ranks.dtype, np.integer):
        raise ValueError("ranks must be an integer matrix.")
    if not np.issubdtype(codes.dtype, np.integer):
        raise ValueError("group_codes must be integers.")
    if ranks.size and (ranks.min() < 0 or ranks.max() > n):
        raise ValueError(f"ranks must lie between 0 (unranked) and {n}.")
    if codes.size and (codes.min() < -1 or codes.max() >= n_groups):
        raise ValueError("group_codes must be -1 (no group) or index group_names.")


def _check_rows(ranks: np.ndarray, ranks_t: np.ndarray, m: np.ndarray, n: int) -> None:
    """Each ballot's m non-zero ranks must be exactly 1, 2, ..., m."""
    if n < 63:
        # OR together the bits 1 << rank: a valid row gives bits 1..m (bit 0 from unranked
        # cells, forced on), i.e. (1 << (m + 1)) - 1; a repeat or a gap cannot reach it with
        # only m ranked cells.
        dt = np.uint16 if n < 15 else np.uint32 if n < 31 else np.uint64
        one = dt(1)
        acc = np.zeros(ranks_t.shape[1], dtype=dt)
        for row in ranks_t:
            acc |= np.left_shift(one, row.astype(dt))
        ok = (acc | one) == np.left_shift(one, m.astype(dt) + one) - one
    else:
        srt = np.sort(ranks, axis=1)
        want = np.arange(1, n + 1)[None, :] - (n - m.astype(np.int64))[:, None]
        ok = np.where(want > 0, srt == want, srt == 0).all(axis=1)
    if not ok.all():
        bad = int(np.flatnonzero(~ok)[0])
        raise ValueError(
            f"Ballot {bad} is not a valid ranking: its ranks must be 1, 2, ... m, each used once."
        )
