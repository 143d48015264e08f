"""The review on show, shared by the review app's panels (one object, changed in place)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ReviewState:
    """What the panels read and the app changes: the store (``db``, a
    :class:`~partnership_tools.store.db.Database`, or None), the instrument, the responses, the
    latest result, where the review came from, and its action plan as saved.

    Mutable on purpose: it is the page's one record of what is shown; panels read it, the app
    and the Data panel change it.

    ``planned_waves`` are the waves a new review named before any responses came in: they are
    offered beside the waves that have responses. ``is_sample`` is True while the sample review
    (read-only demo data, never saved under a user's id) is on show.

    >>> s = ReviewState(db=None, db_path=Path("s.sqlite"))
    >>> s.waves, s.review_id, s.n
    ((), None, 0)
    >>> s.planned_waves = ("baseline", "one year on")
    >>> s.waves
    ('baseline', 'one year on')
    """

    db: Any
    db_path: Path
    instrument: Any = None
    responses: Any = None
    result: Any = None
    review_id: str | None = None
    review_title: str = ""
    review_created_at: str = ""
    source: str = ""
    imports: list[Any] = field(default_factory=list)
    plan: Any = None
    planned_waves: tuple[str, ...] = ()
    is_sample: bool = False

    @property
    def waves(self) -> tuple[str, ...]:
        """The waves in the responses, in order, then the planned waves with no responses yet
        (``()`` with neither)."""
        answered = tuple(self.responses.waves) if self.responses is not None else ()
        return answered + tuple(w for w in self.planned_waves if w not in answered)

    @property
    def n(self) -> int:
        """The number of responses (0 with none)."""
        return int(self.responses.n) if self.responses is not None else 0

    def forget_responses(self) -> None:
        """Drop the responses and everything worked out from them, and the review they were
        (another instrument): its title, waves planned, and whether it was the sample."""
        self.responses = None
        self.result = None
        self.review_id = None
        self.review_title = ""
        self.review_created_at = ""
        self.planned_waves = ()
        self.is_sample = False
        self.imports = []
