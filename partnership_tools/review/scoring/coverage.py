"""Coverage of the vertical slice: how many respondents spoke for each stakeholder level."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from partnership_tools.kernel.serial import converter, to_data
from partnership_tools.review.instrument import Instrument
from partnership_tools.review.responses import Responses
from partnership_tools.review.scoring.anonymity import NOT_STATED, too_small
from partnership_tools.review.scoring.disclosure import linked_plan
from partnership_tools.review.scoring.engine import _as_responses, _wave_list
from partnership_tools.review.scoring.tables import _COLUMNS, _from_records, _records, _typed
from partnership_tools.review.settings import DEFAULT_MIN_GROUP_SIZE

__all__ = ["Coverage", "coverage"]


@dataclass(frozen=True, eq=False)
class Coverage:
    """How many respondents spoke for each level of the vertical slice, per wave.

    ``table`` has ``wave, level, respondents, share, status``: ``covered``, ``small`` (fewer than the
    minimum group size), ``hidden`` (its number withheld so that a small level's cannot be worked
    out), ``missing`` (nobody) or ``not_stated`` (the row counting those who did not say);
    ``share`` is a percentage of the wave's respondents. Under the linked disclosure rule the
    number and share of a ``small`` or ``hidden`` level are blank (never printed exactly).
    """

    field: str
    table: pd.DataFrame
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE

    def warnings_for(self, wave: str) -> tuple[str, ...]:
        """Plain sentences about the gaps in one wave's coverage."""
        out = []
        what = self.field.replace("_", " ")
        for _, row in self.table[self.table["wave"] == wave].iterrows():
            lev = str(row["level"])
            n = int(row["respondents"]) if pd.notna(row["respondents"]) else 0
            if row["status"] == "missing":
                out.append(
                    f"Nobody speaking as {lev.lower()} answered in {wave}: that part of the vertical slice is missing."
                )
            elif row["status"] == "small" and pd.isna(row["respondents"]):
                out.append(
                    f"Fewer than {self.min_group_size} respondents speaking as {lev.lower()} answered in {wave}: too few to show their answers, or their number, separately."
                )
            elif row["status"] == "small":
                out.append(
                    f"Only {n} respondent(s) speaking as {lev.lower()} answered in {wave}: too few to show their answers separately."
                )
            elif row["status"] == "not_stated" and pd.isna(row["respondents"]):
                out.append(
                    f"Fewer than {self.min_group_size} respondents in {wave} did not say which"
                    f" {what} they speak for."
                )
            elif row["status"] == "not_stated":
                out.append(f"{n} respondent(s) in {wave} did not say which {what} they speak for.")
        return tuple(out)

    @property
    def warnings(self) -> tuple[str, ...]:
        """:meth:`warnings_for` every wave, in order."""
        return tuple(w for wave in pd.unique(self.table["wave"]) for w in self.warnings_for(wave))

    @property
    def missing(self) -> tuple[tuple[str, str], ...]:
        t = self.table[self.table["status"] == "missing"]
        return tuple(zip(t["wave"], t["level"], strict=True))

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Coverage:
        return converter.structure(d, cls)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Coverage) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


def _coverage_to_data(c: Coverage) -> dict[str, Any]:
    d: dict[str, Any] = {"field": c.field, "table": _records(c.table)}
    if c.min_group_size != DEFAULT_MIN_GROUP_SIZE:
        d["min_group_size"] = c.min_group_size
    return d


def _coverage_from_data(d: Mapping[str, Any], _cls: type) -> Coverage:
    return Coverage(
        str(d["field"]),
        _from_records(d.get("table") or [], _COLUMNS["coverage"]),
        int(d.get("min_group_size", DEFAULT_MIN_GROUP_SIZE)),
    )


converter.register_unstructure_hook(Coverage, _coverage_to_data)
converter.register_structure_hook(Coverage, _coverage_from_data)


def coverage(
    responses: Responses | pd.DataFrame,
    instrument: Instrument,
    field: str | None = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    waves: str | Sequence[str] | None = None,
    disclosure: str = "linked",
) -> Coverage:
    """Count respondents per level of the vertical slice (``field``, default the instrument's
    ``coverage_field``), with a warning for each level nobody spoke for.

    A level with fewer than ``min_group_size`` respondents is marked ``small``: its answers are
    not shown as a separate group. With ``disclosure="linked"`` (the default) the levels the
    linked rule hides (:mod:`.disclosure`) have no number or share printed (``small`` or
    ``hidden``); with ``per_table`` (files saved before) every count is shown.
    """
    r = _as_responses(responses, instrument)
    fid = field or instrument.coverage_field
    if not fid:
        raise ValueError(
            f"Instrument {instrument.id!r} names no coverage_field; say which field to count."
        )
    try:
        fld = instrument.field(fid)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None
    frame = r.frame
    wanted = _wave_list(waves)
    wave_order = [w for w in r.waves if not wanted or w in wanted]
    for w in wanted:
        if w not in r.waves:
            raise ValueError(f"There is no wave {w!r}; the waves are: {', '.join(r.waves)}.")
    rows = []
    fields = [f for f in instrument.field_ids if f in frame.columns]
    for w in wave_order:
        col = frame.loc[frame["wave"] == w, fid]
        plan = (
            linked_plan(frame.loc[frame["wave"] == w, fields], fields, min_group_size)
            if disclosure == "linked"
            else None
        )
        total = len(col)
        counts = col.value_counts(dropna=True)
        levels = list(fld.values) + sorted(v for v in counts.index if v not in fld.values)
        for lev in levels:
            n = int(counts.get(lev, 0))
            status = (
                "missing" if n == 0 else ("small" if too_small(n, min_group_size) else "covered")
            )
            reason = plan.reason(fid, str(lev)) if plan is not None and n else None
            if reason is not None:  # never print the exact size of a hidden level
                status = "small" if too_small(n, min_group_size) else "hidden"
                rows.append([w, lev, pd.NA, np.nan, status])
                continue
            rows.append([w, lev, n, 100 * n / total if total else np.nan, status])
        n_missing = int(col.isna().sum())
        if n_missing:
            hidden = plan is not None and plan.reason(fid, NOT_STATED) is not None
            rows.append(
                [w, NOT_STATED, pd.NA, np.nan, "not_stated"]
                if hidden
                else [w, NOT_STATED, n_missing, 100 * n_missing / total, "not_stated"]
            )
    table = pd.DataFrame(rows, columns=_COLUMNS["coverage"])
    return Coverage(fid, _typed(table, _COLUMNS["coverage"]), int(min_group_size))
