"""Scoring a partnership review: pure functions from responses to long-form pandas tables.

The package, one job per module (each re-exported here):

* :mod:`.engine`: figures per item and per dimension (means, medians, spread, % positive, counts
  of "don't know" and "not applicable"), the spread of answers, and gaps between groups;
* :mod:`.anonymity`: small-group suppression, the suppression plan and complementary protection;
* :mod:`.waves`: the change between two waves;
* :mod:`.coverage`: coverage of the vertical slice (who spoke for which stakeholder level);
* :mod:`.result`: :class:`ReviewResult` and :func:`score_review`, which puts them together;
* :mod:`.tables`: the column types of the tables, and their JSON-safe records.

Dependencies go one way: :mod:`partnership_tools.review.narrative` knows nothing of this package;
:mod:`.result` uses it to describe a result in words.

>>> from partnership_tools.review.scoring import score_review, OVERALL, suppression_plan
>>> suppression_plan({"A": 3, "B": 6}, 5)[OVERALL] is None
True
"""

from partnership_tools.review.scoring.anonymity import (
    COMPLEMENTARY,
    NOT_STATED,
    OVERALL,
    SMALL_GROUP,
    SMALL_TOTAL,
    reason_text,
    suppress,
    suppression_plan,
    too_small,
)
from partnership_tools.review.scoring.coverage import Coverage, coverage
from partnership_tools.review.scoring.engine import (
    group_gaps,
    item_distribution,
    score_dimensions,
    score_items,
)
from partnership_tools.review.scoring.result import ReviewResult, score_review
from partnership_tools.review.scoring.waves import STEADY, compare_waves

__all__ = [
    "COMPLEMENTARY",
    "NOT_STATED",
    "OVERALL",
    "SMALL_GROUP",
    "SMALL_TOTAL",
    "STEADY",
    "Coverage",
    "ReviewResult",
    "compare_waves",
    "coverage",
    "group_gaps",
    "item_distribution",
    "reason_text",
    "score_dimensions",
    "score_items",
    "score_review",
    "suppress",
    "suppression_plan",
    "too_small",
]
