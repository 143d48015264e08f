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
from pathlib import Path
from typing import Any

from partnership_tools.ballot_matrix import BallotMatrix
from partnership_tools.model import Ballot, Option, Round, Session

__version__ = "0.1.0"

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"
"""The sample files shipped in the repository (present in a source checkout)."""

_LAZY = {
    "Store": "partnership_tools.store",
    "read_session": "partnership_tools.sessionfile",
    "write_session": "partnership_tools.sessionfile",
    "read_session_file": "partnership_tools.sessionfile",
    "count_round": "partnership_tools.counting",
    "count_rankings": "partnership_tools.counting",
    "RoundResult": "partnership_tools.counting",
    "summarise": "partnership_tools.summary",
    "advice": "partnership_tools.summary",
    "compare_rounds": "partnership_tools.compare",
    "RULES": "partnership_tools.rules",
    "recount": "partnership_tools.rules",
    "read_ballots_csv": "partnership_tools.ballots_csv",
    "parse_ranking": "partnership_tools.validation",
    "tally_round": "partnership_tools.tally",
    "tally_session": "partnership_tools.tally",
    "round_matrix": "partnership_tools.tally",
    "replay_file": "partnership_tools.replay",
    "write_report": "partnership_tools.report",
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
