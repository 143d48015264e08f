"""Why a figure is hidden: the reason codes kept in the score tables, and their words.

>>> reason_text(SMALL_GROUP, 5)
'fewer than 5 respondents'
>>> reason_text(None)
'hidden'
"""

from __future__ import annotations

__all__ = ["COMPLEMENTARY", "SMALL_ANSWERS", "SMALL_GROUP", "SMALL_TOTAL", "reason_text"]

#: A group with fewer than the minimum respondents.
SMALL_GROUP = "small_group"
#: A shown group hidden too, so that a smaller one cannot be worked out from the others.
COMPLEMENTARY = "complementary"
#: A wave with fewer than the minimum respondents: nothing is shown.
SMALL_TOTAL = "small_total"
#: A statement or theme that fewer than the minimum answered within the group.
SMALL_ANSWERS = "small_answers"

_REASON_TEXT = {
    SMALL_GROUP: "fewer than {k} respondents",
    SMALL_ANSWERS: "fewer than {k} people answered this",
    COMPLEMENTARY: "hidden so that a smaller group cannot be worked out from the others",
    SMALL_TOTAL: "fewer than {k} respondents in the whole wave",
}


def reason_text(reason: str | None, min_group_size: int = 5) -> str:
    """Why a row is hidden, in words (``"hidden"`` for a reason not known here)."""
    return _REASON_TEXT.get(str(reason), "hidden").format(k=min_group_size) if reason else "hidden"
