"""The whole review scored: :class:`ReviewResult` and :func:`score_review`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from partnership_tools.kernel.serial import converter, to_data
from partnership_tools.review.instrument import Instrument
from partnership_tools.review.narrative import Finding, describe_review
from partnership_tools.review.responses import Responses
from partnership_tools.review.scoring.anonymity import OVERALL
from partnership_tools.review.scoring.coverage import Coverage, coverage
from partnership_tools.review.scoring.engine import (
    _distribution,
    _score_dimensions,
    _score_items,
    _tally,
    group_gaps,
)
from partnership_tools.review.scoring.tables import _COLUMNS, _from_records, _records, _typed
from partnership_tools.review.scoring.waves import compare_waves
from partnership_tools.review.settings import ReviewSettings

__all__ = ["ReviewResult", "score_review"]


@dataclass(frozen=True, eq=False)
class ReviewResult:
    """Everything the app, the command line and the reports need from one scoring run.

    Tables (pandas DataFrames, long form): ``dimensions`` (:func:`score_dimensions`), ``items``
    (:func:`score_items`), ``distribution`` (:func:`item_distribution`), ``gaps``
    (:func:`group_gaps`), ``changes`` (:func:`compare_waves`, empty with one wave); plus
    ``coverage`` (:func:`coverage`, None when the instrument has no coverage field), ``findings``
    (plain-English strengths, concerns, gaps, changes: see :mod:`.narrative`) and ``warnings``.
    ``to_dict``/``from_dict`` round-trip exactly (missing figures become None).
    """

    instrument_id: str
    instrument_version: str
    instrument_title: str
    settings: ReviewSettings
    waves: tuple[str, ...]
    dimensions: pd.DataFrame
    items: pd.DataFrame
    distribution: pd.DataFrame
    gaps: pd.DataFrame
    changes: pd.DataFrame
    coverage: Coverage | None = None
    findings: tuple[Finding, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def focus_wave(self) -> str | None:
        return self.settings.focus_wave or (self.waves[-1] if self.waves else None)

    def dimension_table(self, wave: str | None = None, group: str = OVERALL) -> pd.DataFrame:
        """The dimension rows of one wave (default: the focus wave) and group (default: overall)."""
        w = wave or self.focus_wave
        d = self.dimensions
        return d[(d["wave"] == w) & (d["group"] == group)].reset_index(drop=True)

    def findings_of(self, *kinds: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind in kinds)

    @property
    def strengths(self) -> tuple[Finding, ...]:
        return self.findings_of("strength")

    @property
    def concerns(self) -> tuple[Finding, ...]:
        return self.findings_of("concern")

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ReviewResult:
        return converter.structure(d, cls)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReviewResult) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


def _result_to_data(r: ReviewResult) -> dict[str, Any]:
    return {
        "instrument_id": r.instrument_id,
        "instrument_version": r.instrument_version,
        "instrument_title": r.instrument_title,
        "settings": to_data(r.settings),
        "waves": list(r.waves),
        "dimensions": _records(r.dimensions),
        "items": _records(r.items),
        "distribution": _records(r.distribution),
        "gaps": _records(r.gaps),
        "changes": _records(r.changes),
        "coverage": to_data(r.coverage) if r.coverage is not None else None,
        "findings": [to_data(f) for f in r.findings],
        "warnings": list(r.warnings),
    }


def _result_from_data(d: Mapping[str, Any], _cls: type) -> ReviewResult:
    """Lenient reading of a saved result: missing tables are empty, missing text is ""."""
    return ReviewResult(
        instrument_id=str(d["instrument_id"]),
        instrument_version=str(d.get("instrument_version") or ""),
        instrument_title=str(d.get("instrument_title") or ""),
        settings=converter.structure(d.get("settings") or {}, ReviewSettings),
        waves=tuple(d.get("waves") or ()),
        dimensions=_from_records(d.get("dimensions") or [], _COLUMNS["dimensions"]),
        items=_from_records(d.get("items") or [], _COLUMNS["items"]),
        distribution=_from_records(d.get("distribution") or [], _COLUMNS["distribution"]),
        gaps=_from_records(d.get("gaps") or [], _COLUMNS["gaps"]),
        changes=_from_records(d.get("changes") or [], _COLUMNS["changes"]),
        coverage=converter.structure(d["coverage"], Coverage) if d.get("coverage") else None,
        findings=tuple(converter.structure(f, Finding) for f in d.get("findings") or ()),
        warnings=tuple(d.get("warnings") or ()),
    )


converter.register_unstructure_hook(ReviewResult, _result_to_data)
converter.register_structure_hook(ReviewResult, _result_from_data)


def score_review(
    responses: Responses | pd.DataFrame,
    instrument: Instrument,
    settings: ReviewSettings | None = None,
    **overrides: Any,
) -> ReviewResult:
    """Score a whole review: every table, the gaps, the change between waves, the coverage of the
    vertical slice and the plain-English findings.

    ``settings`` (or keyword overrides of its fields, e.g. ``by="level"``) say how. The gap threshold
    defaults to the instrument's; the waves compared default to the first and last.
    """
    s = (
        (settings or ReviewSettings()).replace(**overrides)
        if overrides
        else (settings or ReviewSettings())
    )
    threshold = s.gap_threshold if s.gap_threshold is not None else instrument.gap_threshold
    s = s.replace(gap_threshold=threshold)
    t = _tally(responses, instrument, s.by, s.waves or None)
    k = s.min_group_size
    dims = _score_dimensions(t, k, s.disclosure)
    items = _score_items(t, k, s.disclosure)
    dist = _distribution(t, k, s.disclosure)
    gaps = group_gaps(dims, threshold) if s.by else group_gaps(dims.iloc[0:0], threshold)
    changes = (
        compare_waves(dims, s.before, s.after)
        if len(t.waves) > 1
        else compare_waves(dims.iloc[0:0])
    )
    if s.focus_wave is not None and s.focus_wave not in t.waves:
        raise ValueError(f"There is no wave {s.focus_wave!r}; the waves are: {', '.join(t.waves)}.")
    cov = None
    warnings: list[str] = []
    if instrument.coverage_field:
        cov = coverage(
            responses, instrument, min_group_size=k, waves=list(t.waves), disclosure=s.disclosure
        )
        warnings += list(cov.warnings)
    if not t.waves:
        warnings.append("There are no responses to score.")
    result = ReviewResult(
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        instrument_title=instrument.title,
        settings=s,
        waves=t.waves,
        dimensions=_typed(dims, _COLUMNS["dimensions"]),
        items=_typed(items, _COLUMNS["items"]),
        distribution=_typed(dist, _COLUMNS["distribution"]),
        gaps=_typed(gaps, _COLUMNS["gaps"]),
        changes=_typed(changes, _COLUMNS["changes"]),
        coverage=cov,
        warnings=tuple(warnings),
    )
    findings = describe_review(result, instrument)
    return dataclasses.replace(result, findings=findings)
