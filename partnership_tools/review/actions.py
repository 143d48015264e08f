"""The action plan a partnership agrees after a review: what it will do about which dimension, who
leads, and by when.

>>> plan = ActionPlan().add(ActionItem("people", "Agree a pooled budget for the action plan",
...                                    owner="Finance leads", due="2024-09-30"))
>>> plan.items[0].due, len(plan)
('2024-09-30', 1)
>>> ActionPlan.from_dict(plan.to_dict()) == plan
True
>>> ActionItem("people", "Do it", due="30/09/2024")
Traceback (most recent call last):
...
ValueError: The due date '30/09/2024' is not a date like 2024-09-30.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from partnership_tools.kernel.serial import converter, to_data
from partnership_tools.review.instrument import Instrument

if TYPE_CHECKING:  # pragma: no cover
    from partnership_tools.review.scoring import ReviewResult

__all__ = ["ACTION_STATUSES", "ActionItem", "ActionPlan"]

ACTION_STATUSES = ("open", "in progress", "done", "dropped")
COLUMNS = ["dimension", "action", "owner", "due", "status"]


def _as_date(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.]*)?", text)
    try:
        if m:
            return dt.date.fromisoformat(m.group(1)).isoformat()
    except ValueError:
        pass
    raise ValueError(f"The due date {text!r} is not a date like 2024-09-30.")


@dataclass(frozen=True)
class ActionItem:
    """One agreed action: the ``dimension`` it answers, what will be done, who leads it and by when
    (``due`` is an ISO date ``YYYY-MM-DD`` or None)."""

    dimension: str
    action: str
    owner: str = ""
    due: str | None = None
    status: str = "open"

    def __post_init__(self) -> None:
        object.__setattr__(self, "dimension", str(self.dimension).strip())
        object.__setattr__(self, "action", str(self.action).strip())
        object.__setattr__(self, "owner", str(self.owner or "").strip())
        object.__setattr__(self, "due", _as_date(self.due))
        object.__setattr__(self, "status", str(self.status or "open").strip().lower())
        if not self.dimension:
            raise ValueError("An action needs the dimension it is about.")
        if not self.action:
            raise ValueError("An action needs a description of what will be done.")
        if self.status not in ACTION_STATUSES:
            raise ValueError(f"An action's status must be one of: {', '.join(ACTION_STATUSES)}.")

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ActionItem:
        return converter.structure(d, cls)


def _action_from_data(d: Mapping[str, Any], _cls: type) -> ActionItem:
    """Lenient reading: a blank owner is "", a blank status is "open", dates may be datetimes."""
    return ActionItem(
        dimension=d["dimension"],
        action=d["action"],
        owner=d.get("owner") or "",
        due=d.get("due"),
        status=d.get("status") or "open",
    )


converter.register_structure_hook(ActionItem, _action_from_data)


@dataclass(frozen=True)
class ActionPlan:
    """The actions agreed after a review, in the order they were added."""

    items: tuple[ActionItem, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def add(self, item: ActionItem) -> ActionPlan:
        return ActionPlan((*self.items, item))

    def remove(self, index: int) -> ActionPlan:
        if not 0 <= index < len(self.items):
            raise IndexError(f"There is no action number {index + 1}.")
        return ActionPlan(self.items[:index] + self.items[index + 1 :])

    def replace(self, index: int, item: ActionItem) -> ActionPlan:
        if not 0 <= index < len(self.items):
            raise IndexError(f"There is no action number {index + 1}.")
        return ActionPlan(self.items[:index] + (item,) + self.items[index + 1 :])

    def for_dimension(self, dimension: str) -> tuple[ActionItem, ...]:
        return tuple(i for i in self.items if i.dimension == dimension)

    def check(self, instrument: Instrument) -> None:
        """Raise ``ValueError`` if an action names a dimension the instrument does not have."""
        known = set(instrument.dimension_ids)
        for n, item in enumerate(self.items, start=1):
            if item.dimension not in known:
                raise ValueError(
                    f"Action {n} is about {item.dimension!r}, which is not a dimension of {instrument.id!r} "
                    f"(its dimensions are: {', '.join(instrument.dimension_ids)})."
                )

    def without_action(
        self, result: ReviewResult, bands: Sequence[str] = ("concern",)
    ) -> tuple[str, ...]:
        """Dimensions of the result's focus wave in one of ``bands`` that have no action yet."""
        d = result.dimension_table()
        weak = [dim for dim, band in zip(d["dimension"], d["band"], strict=True) if band in bands]
        have = {i.dimension for i in self.items if i.status != "dropped"}
        return tuple(dim for dim in weak if dim not in have)

    def to_frame(self) -> pd.DataFrame:
        """The plan as a table with columns ``dimension, action, owner, due, status``."""
        return pd.DataFrame([i.to_dict() for i in self.items], columns=COLUMNS)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> ActionPlan:
        """Build a plan from a table (e.g. an edited grid); blank rows are skipped."""
        items = []
        for rec in frame.to_dict("records"):
            clean = {k: (None if (isinstance(v, float) and v != v) else v) for k, v in rec.items()}
            if (
                not str(clean.get("action") or "").strip()
                and not str(clean.get("dimension") or "").strip()
            ):
                continue
            items.append(ActionItem.from_dict(clean))
        return cls(tuple(items))

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> ActionPlan:
        return converter.structure(d, cls)


def _plan_from_data(d: Mapping[str, Any] | Iterable[Mapping[str, Any]], _cls: type) -> ActionPlan:
    """``{"items": [...]}`` or, as older files have it, the bare list of actions."""
    rows = d.get("items", []) if isinstance(d, Mapping) else d
    return ActionPlan(tuple(converter.structure(r, ActionItem) for r in rows))


converter.register_structure_hook(ActionPlan, _plan_from_data)
