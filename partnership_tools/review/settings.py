"""The settings of a review: how its responses are scored and reported.

>>> s = ReviewSettings(by="level", min_group_size=5, before="phase one", after="phase two")
>>> ReviewSettings.from_dict(s.to_dict()) == s
True
>>> ReviewSettings(min_group_size=0)
Traceback (most recent call last):
...
ValueError: The minimum group size must be a whole number of at least 1.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from partnership_tools.kernel.serial import converter, to_data

__all__ = ["DEFAULT_MIN_GROUP_SIZE", "ReviewSettings"]

DEFAULT_MIN_GROUP_SIZE = 5


@dataclass(frozen=True)
class ReviewSettings:
    """How to score a review.

    ``by``: the respondent field to compare groups on (None: no groups). ``min_group_size``: no
    figures for a group with fewer respondents. ``gap_threshold``: flag a gap between groups of at
    least this many points (None: the instrument's). ``waves``: the waves to score (empty: all).
    ``before``/``after``: the waves to compare (None: the first and the last). ``focus_wave``: the
    wave the plain-English findings describe (None: the last).
    """

    by: str | None = None
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    gap_threshold: float | None = None
    waves: tuple[str, ...] = ()
    before: str | None = None
    after: str | None = None
    focus_wave: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "waves", tuple(str(w) for w in self.waves))
        if (
            isinstance(self.min_group_size, bool)
            or not isinstance(self.min_group_size, int)
            or self.min_group_size < 1
        ):
            raise ValueError("The minimum group size must be a whole number of at least 1.")
        if self.gap_threshold is not None and not float(self.gap_threshold) > 0:
            raise ValueError("The gap threshold must be greater than 0.")

    def replace(self, **changes: Any) -> ReviewSettings:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ReviewSettings:
        return converter.structure(d, cls)


def _settings_from_data(d: Any, _cls: type) -> ReviewSettings:
    """Lenient reading of saved settings: blanks are None, numbers may be text, keys may be missing
    (then the defaults apply); the class's own checks raise ``ValueError``."""
    gt = d.get("gap_threshold")
    return ReviewSettings(
        by=d.get("by") or None,
        min_group_size=int(d.get("min_group_size", DEFAULT_MIN_GROUP_SIZE)),
        gap_threshold=float(gt) if gt is not None else None,
        waves=tuple(d.get("waves") or ()),
        before=d.get("before") or None,
        after=d.get("after") or None,
        focus_wave=d.get("focus_wave") or None,
    )


converter.register_structure_hook(ReviewSettings, _settings_from_data)
