"""A compact, vectorisable form of a round's valid ballots.

``ranks[i, j]`` is the position (1 = first choice) that ballot ``i`` gave option ``option_ids[j]``,
or 0 when the ballot left that option unranked. ``group_codes[i]`` indexes ``group_names``, or is
-1 when the voter gave no group.

>>> m = BallotMatrix.from_rankings(("A", "B", "C"), [("C", "A"), ("A", "B", "C")], ["x", None])
>>> m.ranks.tolist()
[[2, 0, 1], [1, 2, 3]]
>>> m.group_codes.tolist(), m.group_names
([0, -1], ('x',))
>>> m.rankings()
[('C', 'A'), ('A', 'B', 'C')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class BallotMatrix:
    option_ids: tuple[str, ...]
    ranks: np.ndarray  # (N, n) small ints, 0 = unranked
    group_codes: np.ndarray  # (N,) int32, -1 = no group
    group_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.option_ids)
        if self.ranks.ndim != 2 or self.ranks.shape[1] != n:
            raise ValueError(f"ranks must have shape (ballots, {n}).")
        if self.group_codes.shape != (self.ranks.shape[0],):
            raise ValueError("group_codes must have one entry per ballot.")

    @property
    def n_ballots(self) -> int:
        return int(self.ranks.shape[0])

    @property
    def n_options(self) -> int:
        return len(self.option_ids)

    @classmethod
    def from_rankings(
        cls,
        option_ids: Sequence[str],
        rankings: Sequence[Sequence[str]],
        groups: Sequence[str | None] | None = None,
    ) -> BallotMatrix:
        """Build the matrix from rankings given as sequences of option ids (already validated)."""
        option_ids = tuple(option_ids)
        index = {o: j for j, o in enumerate(option_ids)}
        dtype = np.int8 if len(option_ids) < 127 else np.int16
        ranks = np.zeros((len(rankings), len(option_ids)), dtype=dtype)
        for i, ranking in enumerate(rankings):
            for pos, oid in enumerate(ranking, start=1):
                ranks[i, index[oid]] = pos
        names: list[str] = []
        codes = np.full(len(rankings), -1, dtype=np.int32)
        if groups is not None:
            lookup: dict[str, int] = {}
            for i, g in enumerate(groups):
                if g is None or g == "":
                    continue
                if g not in lookup:
                    lookup[g] = len(names)
                    names.append(g)
                codes[i] = lookup[g]
        return cls(option_ids, ranks, codes, tuple(names))

    def rankings(self) -> list[tuple[str, ...]]:
        """The ballots back as tuples of option ids, first choice first."""
        out = []
        for row in self.ranks:
            ranked = [(int(r), self.option_ids[j]) for j, r in enumerate(row) if r > 0]
            out.append(tuple(o for _, o in sorted(ranked)))
        return out

    def groups(self) -> list[str | None]:
        return [self.group_names[c] if c >= 0 else None for c in self.group_codes]

    def subset(self, mask: np.ndarray) -> BallotMatrix:
        return BallotMatrix(
            self.option_ids, self.ranks[mask], self.group_codes[mask], self.group_names
        )
