"""What the facilitator's panels share: the store, the message area and the opened session.

Each panel gets one :class:`Console` and nothing else from the app. The app fills in the two
events a panel may raise, ``select_tab(title)`` and ``refresh()`` (reload the session and bring
every panel up to date); until then they do nothing, so a panel can be built and tested alone.

>>> import tempfile, os
>>> c = Console(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite"))
>>> c.require()
Traceback (most recent call last):
...
partnership_tools.ui.common.UIError: Open a session with its facilitator key first.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from partnership_tools.store import Store
from partnership_tools.ui.common import Feedback, UIError, public_base_url
from partnership_tools.vote.model import Session

__all__ = ["Console"]


def _nothing(*_args: Any) -> None:
    return None


class Console:
    """The shared state of one facilitator page.

    ``store`` (the page's store, opened from ``db_path`` unless given), ``db_path`` (its file,
    for the export folder and the poller's own store), ``feedback`` (the message area and log),
    ``session_id`` (set only once the facilitator key was accepted), ``session`` (the opened
    session, reloaded on every refresh), ``poll_interval`` (seconds between live-count checks;
    None: off), ``base_url`` (the address participants use).
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str] | None = None,
        store: Store | None = None,
        feedback: Feedback | None = None,
        poll_interval: float | None = None,
        base_url: str | None = None,
    ) -> None:
        self.feedback = feedback or Feedback()
        self.store = store or Store(db_path)
        self.db_path = self.store.target  # a file path or a database URL: never Path() a URL
        self.poll_interval = poll_interval
        self._base_url = base_url
        self.session_id: str | None = None
        self.session: Session | None = None
        self.select_tab: Callable[[str], None] = _nothing
        self.refresh: Callable[[], None] = _nothing

    @property
    def base_url(self) -> str | None:
        return self._base_url if self._base_url is not None else public_base_url()

    def require(self) -> Session:
        """The opened session; refuses (one sentence) before a key was accepted."""
        if not self.session_id:
            raise UIError("Open a session with its facilitator key first.")
        return self.session or self.store.load_session(self.session_id)

    def count(self, number: int) -> Any:
        """Count a round of the opened session afresh from the store (a ``RoundResult``)."""
        from partnership_tools.vote.ballots import BallotMatrix
        from partnership_tools.vote.count import count_round

        s = self.store.load_session(self.require().id)
        rnd = s.round(number)
        matrix = BallotMatrix.from_rankings(rnd.option_ids, rnd.rankings, rnd.groups)
        return count_round(matrix, labels=s.labels)
