"""Partnership Tools: Crowd Wise consensus votes and partnership reviews for public-sector partnerships."""

from partnership_tools.ballot_matrix import BallotMatrix
from partnership_tools.model import Ballot, Option, Round, Session

__version__ = "0.1.0"

__all__ = ["Ballot", "BallotMatrix", "Option", "Round", "Session", "__version__"]
