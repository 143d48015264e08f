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

__all__ = ["DEFAULT_MIN_GROUP_SIZE", "DISCLOSURE_RULES", "ReviewSettings"]

DEFAULT_MIN_GROUP_SIZE = 5
#: ``linked``: no combination of the figures released for a wave, over every grouping, describes
#: fewer than ``min_group_size`` people (:mod:`~.scoring.disclosure`). ``per_table``: each table
#: protected on its own (the rule before 2026-12; saved files made then replay with it).
DISCLOSURE_RULES = ("linked", "per_table")


@dataclass(frozen=True)
class ReviewSettings:
    """How to score a review.

    ``by``: the respondent field to compare groups on (None: no groups). ``min_group_size``: no
    figures for a group with fewer respondents. ``gap_threshold``: flag a gap between groups of at
    least this many points (None: the instrument's). ``waves``: the waves to score (empty: all).
    ``before``/``after``: the waves to compare (None: the first and the last). ``focus_wave``: the
    wave the plain-English findings describe (None: the last). ``disclosure``: the rule that
    hides small groups, one of :data:`DISCLOSURE_RULES` (saved settings without it are read as
    ``per_table``, the rule they were made with).
    """

    by: str | None = None
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    gap_threshold: float | None = None
    waves: tuple[str, ...] = ()
    before: str | None = None
    after: str | None = None
    focus_wave: str | None = None
    disclosure: str = "linked"

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
        if self.disclosure not in DISCLOSURE_RULES:
            raise ValueError(
                f"The disclosure rule must be one of {', '.join(DISCLOSURE_RULES)},"
                f" not {self.disclosure!r}."
            )

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
        disclosure=str(d.get("disclosure") or "per_table"),
    )


converter.register_structure_hook(ReviewSettings, _settings_from_data)


def _settings_to_data(s: ReviewSettings) -> dict[str, Any]:
    """Settings as saved: every field, except ``disclosure`` when it is ``per_table`` (files
    made before the rule was recorded read as that, so they save back byte for byte)."""
    d = {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}
    d["waves"] = list(s.waves)
    if d["disclosure"] == "per_table":
        del d["disclosure"]
    return d


converter.register_unstructure_hook(ReviewSettings, _settings_to_data)
