"""Likely duplicates among responses about to be added to a review.

A response being added (``incoming``) is a likely duplicate of one already stored (``existing``)
when

* it has the **same respondent id** (ids the kit made up itself, ``row-<n>`` for a file without
  an id column and ``r<n>`` for records without one, are not ids and never match), or
* it gives the **same answers with the same timestamp**: every statement's answer (blanks, "don't
  know" and "not applicable" included) and every respondent field the same, at least one
  statement answered, and both responses' timestamps known and equal. Timestamps are optional
  (``existing_times`` / ``incoming_times``, one per response, ``None`` when not known): without
  them this rule never fires, so identical answers alone are never called duplicates.

Each incoming response is reported once, against the first stored response it matches (the id
rule first). The function is pure: nothing is dropped; the caller decides.

>>> from partnership_tools.review.instrument import load_instrument
>>> from partnership_tools.review.responses import Responses
>>> inst = load_instrument("ten_lessons")
>>> stored = Responses.from_records(inst, [
...     {"respondent_id": "web-1", "ud1": 4, "ud2": 5}, {"respondent_id": "web-2", "ud1": 2}])
>>> paper = Responses.from_records(inst, [
...     {"respondent_id": "P-1", "ud1": 2}, {"respondent_id": "web-1", "ud1": 1},
...     {"respondent_id": "P-3", "ud1": 4, "ud2": 5}])
>>> [(d.row, d.matched_id, d.reason) for d in likely_duplicates(stored, paper)]
[(1, 'web-1', 'same respondent id')]
>>> times = ["2025-03-01 10:00", "2025-03-01 11:00"]
>>> found = likely_duplicates(stored, paper, existing_times=times,
...     incoming_times=[None, None, "2025-03-01 10:00"])
>>> [(d.row, d.respondent_id, d.matched, d.reason) for d in found]
[(1, 'web-1', 0, 'same respondent id'), (2, 'P-3', 0, 'same answers and the same timestamp')]
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from partnership_tools.review.responses import Responses

__all__ = ["SAME_ANSWERS", "SAME_ID", "Duplicate", "likely_duplicates", "made_up_id"]

SAME_ID = "same respondent id"
SAME_ANSWERS = "same answers and the same timestamp"
_MADE_UP = re.compile(r"(?:row-|r)\d+")


@dataclass(frozen=True)
class Duplicate:
    """One incoming response that is likely already stored.

    ``row`` is its position among the incoming responses (0-based), ``respondent_id`` its id;
    ``matched`` is the position of the stored response it matches (0-based, in stored order) and
    ``matched_id`` that response's id; ``reason`` is :data:`SAME_ID` or :data:`SAME_ANSWERS`.
    """

    row: int
    respondent_id: str
    matched: int
    matched_id: str
    reason: str


def made_up_id(respondent_id: str) -> bool:
    """Whether an id is one the kit made up (``row-<n>``, ``r<n>``), not a respondent's own.

    >>> made_up_id("row-12"), made_up_id("r3"), made_up_id("P2-001"), made_up_id("web-ab12")
    (True, True, False, False)
    """
    return _MADE_UP.fullmatch(str(respondent_id).strip()) is not None


def _cell(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


def _answers_key(responses: Responses, columns: Sequence[str], i: int) -> tuple[Any, ...]:
    return tuple(_cell(responses.frame[c].iat[i]) for c in columns)


def _time(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    text = " ".join(str(v).split())
    return text or None


def likely_duplicates(
    existing: Responses,
    incoming: Responses,
    *,
    existing_times: Sequence[Any] | None = None,
    incoming_times: Sequence[Any] | None = None,
) -> tuple[Duplicate, ...]:
    """The incoming responses that are likely already among ``existing`` (see the module doc),
    in incoming order. Raises ``ValueError`` when a list of timestamps is not one per response."""
    for times, r, name in (
        (existing_times, existing, "existing"),
        (incoming_times, incoming, "incoming"),
    ):
        if times is not None and len(times) != r.n:
            raise ValueError(f"{name}_times has {len(times)} entries for {r.n} responses.")
    by_id: dict[str, int] = {}
    for j, rid in enumerate(existing.frame["respondent_id"]):
        key = str(rid).strip()
        if key and not made_up_id(key):
            by_id.setdefault(key, j)
    columns = [c for c in (*existing.field_ids, *existing.item_ids) if c in incoming.frame]
    items = [c for c in existing.item_ids if c in incoming.frame]
    by_answers: dict[tuple[Any, ...], int] = {}
    if existing_times is not None and incoming_times is not None:
        for j in range(existing.n):
            t = _time(existing_times[j])
            if t is not None:
                by_answers.setdefault((t, *_answers_key(existing, columns, j)), j)
    out: list[Duplicate] = []
    ids = existing.frame["respondent_id"]
    for i, rid in enumerate(incoming.frame["respondent_id"]):
        key = str(rid).strip()
        match: int | None = by_id.get(key) if key and not made_up_id(key) else None
        reason = SAME_ID
        if match is None and by_answers and incoming_times is not None:
            t = _time(incoming_times[i])
            answered = any(_cell(incoming.frame[c].iat[i]) is not None for c in items)
            if t is not None and answered:
                match = by_answers.get((t, *_answers_key(incoming, columns, i)))
                reason = SAME_ANSWERS
        if match is not None:
            out.append(Duplicate(i, key, match, str(ids.iat[match]), reason))
    return tuple(out)
