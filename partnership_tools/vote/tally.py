"""Count the rounds of a :class:`~partnership_tools.vote.model.Session` (the glue between the session
model and the pure counting functions).

>>> from partnership_tools.kernel.resources import sample_dir
>>> from partnership_tools.vote.sessionfile import read_session
>>> s = read_session(sample_dir() / "county_joint_working.json")
>>> tally_round(s, 2).winners
('F',)
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from partnership_tools.vote.ballots import BallotMatrix
from partnership_tools.vote.model import Session

if TYPE_CHECKING:  # pragma: no cover
    from partnership_tools.vote.compare import RoundComparison
    from partnership_tools.vote.count import RoundResult


def round_matrix(session: Session, number: int) -> BallotMatrix:
    """The valid ballots of round ``number`` as a :class:`BallotMatrix` (with groups)."""
    r = session.round(number)
    return BallotMatrix.from_rankings(r.option_ids, r.rankings, r.groups)


def tally_round(session: Session, number: int) -> RoundResult:
    """Count round ``number`` (MBC, consensus, Borda, first preferences, pairwise, groups)."""
    from partnership_tools.vote.count import count_round

    labels = session.labels
    r = session.round(number)
    return count_round(round_matrix(session, number), labels={o: labels[o] for o in r.option_ids})


def tally_session(session: Session) -> dict[int, RoundResult]:
    """Every round's result, by round number."""
    return {r.number: tally_round(session, r.number) for r in session.rounds}


def compare_consecutive(
    session: Session,
    results: dict[int, RoundResult] | None = None,
    rule: str = "strongest_parent",
) -> dict[tuple[int, int], RoundComparison]:
    """Each round against the one before it, following option lineage (``rule``: see
    :data:`~partnership_tools.vote.compare.COMPARISON_RULES`)."""
    from partnership_tools.vote.compare import compare_rounds

    results = results or tally_session(session)
    numbers = [r.number for r in session.rounds]
    return {
        (a, b): compare_rounds(session, results[a], results[b], rule) for a, b in pairwise(numbers)
    }
