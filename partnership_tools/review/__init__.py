"""Partnership reviews (health checks): instruments, responses, scoring, findings and action plans.

The public API, re-exported from small modules that each do one job:

* :mod:`.instrument` and :mod:`.schema`: instruments as YAML files, checked with messages naming
  the file, the place and the fix;
* :mod:`.responses`: responses, and importing them from CSV or Excel;
* :mod:`.scoring`: pure scoring functions over pandas and :func:`score_review`;
* :mod:`.narrative`: findings in plain English; :mod:`.actions`: the action plan;
* :mod:`.reviewfile`: one JSON file per review (the review tables live in
  :mod:`partnership_tools.store.reviews`, the ``score`` command in :mod:`partnership_tools.cli.review`).

>>> from partnership_tools.review import load_instrument, list_instruments
>>> [i.id for i in list_instruments()]
['partnership_cycle', 'ten_lessons']
"""

from partnership_tools.review.actions import ActionItem, ActionPlan
from partnership_tools.review.instrument import (
    Bands,
    Dimension,
    Instrument,
    Item,
    RespondentField,
    Scale,
    list_instruments,
    load_instrument,
)
from partnership_tools.review.narrative import Finding, concerns, describe_review, strengths
from partnership_tools.review.responses import (
    DEFAULT_WAVE,
    InvalidCell,
    ResponseFileError,
    ResponseImport,
    Responses,
    read_responses,
)
from partnership_tools.review.reviewfile import (
    REVIEW_SCHEMA_VERSION,
    Review,
    ReviewFileError,
    read_review,
    review_to_json,
    write_review,
)
from partnership_tools.review.schema import InstrumentError, Problem, check_instrument_data
from partnership_tools.review.scoring import (
    NOT_STATED,
    OVERALL,
    Coverage,
    ReviewResult,
    compare_waves,
    coverage,
    group_gaps,
    item_distribution,
    score_dimensions,
    score_items,
    score_review,
    suppress,
    suppression_plan,
)
from partnership_tools.review.settings import ReviewSettings

__all__ = [
    "DEFAULT_WAVE",
    "NOT_STATED",
    "OVERALL",
    "REVIEW_SCHEMA_VERSION",
    "ActionItem",
    "ActionPlan",
    "Bands",
    "Coverage",
    "Dimension",
    "Finding",
    "Instrument",
    "InstrumentError",
    "InvalidCell",
    "Item",
    "Problem",
    "RespondentField",
    "ResponseFileError",
    "ResponseImport",
    "Responses",
    "Review",
    "ReviewFileError",
    "ReviewResult",
    "ReviewSettings",
    "Scale",
    "check_instrument_data",
    "compare_waves",
    "concerns",
    "coverage",
    "describe_review",
    "group_gaps",
    "item_distribution",
    "list_instruments",
    "load_instrument",
    "read_responses",
    "read_review",
    "review_to_json",
    "score_dimensions",
    "score_items",
    "score_review",
    "strengths",
    "suppress",
    "suppression_plan",
    "write_review",
]
