"""Partnership Tools: Crowd Wise consensus votes and partnership reviews for public-sector
partnerships.

The names below are the analyst's API; heavy modules load on first use.

>>> import partnership_tools as pt
>>> vote = pt.read_session(pt.SAMPLE_DIR / "county_joint_working.json")
>>> pt.tally_round(vote, 1).winners
('D',)
"""

from __future__ import annotations

import importlib
from typing import Any

from partnership_tools.kernel.resources import sample_dir
from partnership_tools.kernel.version import __version__
from partnership_tools.vote.ballots import BallotMatrix
from partnership_tools.vote.model import Ballot, Option, Round, Session

SAMPLE_DIR = sample_dir()
"""The sample vote and review files shipped with the kit."""

_LAZY = {
    "Store": "partnership_tools.store",
    "read_session": "partnership_tools.vote.sessionfile",
    "write_session": "partnership_tools.vote.sessionfile",
    "read_session_file": "partnership_tools.vote.sessionfile",
    "count_round": "partnership_tools.vote.count",
    "count_rankings": "partnership_tools.vote.count",
    "RoundResult": "partnership_tools.vote.count",
    "summarise": "partnership_tools.vote.summary",
    "advice": "partnership_tools.vote.summary",
    "compare_rounds": "partnership_tools.vote.compare",
    "RULES": "partnership_tools.vote.rules",
    "recount": "partnership_tools.vote.rules",
    "read_ballots_csv": "partnership_tools.vote.ballots_csv",
    "parse_ranking": "partnership_tools.vote.validation",
    "tally_round": "partnership_tools.vote.tally",
    "tally_session": "partnership_tools.vote.tally",
    "round_matrix": "partnership_tools.vote.tally",
    "replay_file": "partnership_tools.reports.replay",
    "write_report": "partnership_tools.reports.write",
}

__all__ = [
    "Ballot",
    "BallotMatrix",
    "Option",
    "Round",
    "SAMPLE_DIR",
    "Session",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'partnership_tools' has no attribute {name!r}")
