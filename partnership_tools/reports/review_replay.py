"""Replay a saved review: score it again from its inputs and check what the file recorded.

A review saved with :meth:`~partnership_tools.review.reviewfile.Review.with_result` keeps the
scores computed then (``result``), SHA-256 digests over the canonical JSON of its inputs (the
responses, the instrument, the settings, the action plan, the title and notes) and of that result,
and the kit version. :func:`replay_review_file` reads the file (through the migration when it is
from an older ``schema_version``), scores the responses again with the file's own instrument and
settings, and gives a :class:`~partnership_tools.vote.verification.Verdict` with one check per
dimension and wave (its dimension scores for every group, its items and the distribution of their
answers), then the change between waves, the gaps between groups, the coverage of the vertical
slice, the plain-English findings and the instrument and settings the result names.

A file from ``schema_version`` 3 on records its result compactly
(:func:`~partnership_tools.review.reviewfile.record_result`): the recount is recorded the same way
and the two compared figure by figure, and each dimension and wave's check also compares the
SHA-256 of that whole piece (every group's statements and their answers, labels included), so
nothing the kit computes goes unchecked. A version 2 file recorded every table whole, and is
compared whole.

The digests are unkeyed (anyone can recompute them); a signed file's signature is checked too
(:func:`~partnership_tools.kernel.savedfile.with_signature`), and one that does not verify makes
the file differ.

Figures are compared exactly, except that two numbers within a relative 1e-9 count as equal (so a
different processor's rounding is not mistaken for an edit).

>>> from partnership_tools.kernel.resources import sample_dir
>>> sample = sample_dir() / "review" / "ten_lessons_review.json"
>>> r = replay_review_file(sample)
>>> r.kind, r.verdict.ok, r.verdict.checks[2].part
('review', True, 'dimension understanding, wave phase one')
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from partnership_tools.kernel.checks import (
    Check,
    Verdict,
    close_enough,
    differences,
    digest_checks,
)
from partnership_tools.kernel.savedfile import Replay, ReplayError, with_signature

__all__ = ["ReviewRecord", "load_review_record", "replay_review_file", "verify_review_data"]

REL_TOL = 1e-9
ABS_TOL = 1e-12
MAX_DIFFERENCES = 5


class ReviewRecord:
    """A review file as read: the review, the raw data it came from and its migration."""

    def __init__(
        self,
        review: Any,
        data: dict[str, Any],
        migrated_from: int | None,
        source: str,
        raw: Any = None,
    ):
        self.review = review
        self.data = data
        self.migrated_from = migrated_from
        self.source = source
        #: the file's data as read, before any migration (what its signature covers)
        self.raw = raw if raw is not None else data

    @property
    def record(self) -> dict[str, Any]:
        """What the file recorded: ``kit_version``, ``settings``, ``results`` and ``digest``
        (the same keys as a session file's record, for reports)."""
        return {
            "kit_version": self.data.get("kit_version"),
            "settings": self.data.get("settings"),
            "results": self.data.get("result"),
            "digest": self.data.get("digest"),
        }


def load_review_record(path: str | os.PathLike[str]) -> ReviewRecord:
    """Read a review file for replay; :class:`~partnership_tools.reports.replay.ReplayError` (one plain
    sentence) when it cannot be used."""
    from partnership_tools.review.reviewfile import (
        Review,
        ReviewFileError,
        migrate_review_data,
        review_from_json,
    )

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReplayError(f"{p} does not exist.") from None
    except (OSError, UnicodeDecodeError):
        raise ReplayError(f"{p} could not be read as UTF-8 text.") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReplayError(
            f"{p} is not valid JSON (line {exc.lineno}, column {exc.colno})."
        ) from None
    try:
        data, migrated_from = migrate_review_data(copy.deepcopy(raw), str(p))
        # review_from_json turns every problem with the content into one sentence.
        review = review_from_json(json.dumps(data), source=str(p))
    except ReviewFileError as exc:
        raise ReplayError(str(exc)) from None
    assert isinstance(review, Review)
    return ReviewRecord(review, data, migrated_from, str(p), raw)


# -- comparing ---------------------------------------------------------------------------------
def _show(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return json.dumps(v, ensure_ascii=False)[:80]


def _same(a: Any, b: Any) -> bool:
    return close_enough(a, b, REL_TOL, ABS_TOL)


def _row_name(path: Sequence[str]) -> str:
    return f"{path[0]}: {'.'.join(path[1:])}" if len(path) > 1 else "".join(path)


def _row_differences(
    recorded: Mapping[str, Mapping[str, Any]], now: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Plain descriptions of how two sets of keyed rows differ (at most MAX_DIFFERENCES), through
    the kernel's :func:`~partnership_tools.kernel.checks.differences`: rows in recorded order,
    then cells, numbers compared within :data:`REL_TOL`."""
    return differences(
        dict(recorded),
        dict(now),
        limit=MAX_DIFFERENCES,
        verb="recomputes",
        depth=2,
        same=_same,
        show=_show,
        name=_row_name,
        headlines=None,
    )


def _keyed(rows: Iterable[Mapping[str, Any]], *key_cols: str) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for r in rows:
        parts = [str(r.get(c)) for c in key_cols]
        key = " / ".join(parts)
        while key in out:  # never let two rows hide one another
            key += " (again)"
        out[key] = r
    return out


def _rows(result: Mapping[str, Any], table: str) -> list[Mapping[str, Any]]:
    rows = result.get(table) or []
    return [r for r in rows if isinstance(r, Mapping)]


def _check(part: str, recorded: Any, now: Any) -> Check:
    diffs = _row_differences(recorded, now)
    return Check(part, not diffs, "; ".join(diffs))


def compare_results(
    recorded: Mapping[str, Any],
    now: Mapping[str, Any],
    dimension_ids: Sequence[str],
    items_of: Mapping[str, Sequence[str]],
) -> list[Check]:
    """One check per dimension and wave, then one per other part of the result."""
    checks: list[Check] = []
    waves = list(now.get("waves") or [])
    waves += [w for w in recorded.get("waves") or [] if w not in waves]
    dims = list(dimension_ids)
    for table in ("dimensions", "items"):
        for r in _rows(recorded, table) + _rows(now, table):
            d = r.get("dimension")
            if d is not None and d not in dims:
                dims.append(str(d))
    dim_of_item = {i: d for d, items in items_of.items() for i in items}

    def piece(result: Mapping[str, Any], wave: str, dim: str) -> dict[str, Mapping[str, Any]]:
        """The rows of one dimension in one wave: its scores per group, its items, their answers."""

        def rows(table: str) -> list[Mapping[str, Any]]:
            return [
                r
                for r in _rows(result, table)
                if r.get("wave") == wave
                and (r.get("dimension") or dim_of_item.get(str(r.get("item")))) == dim
            ]

        return {
            **_keyed(rows("dimensions"), "group"),
            **_keyed(rows("items"), "item", "group"),
            **_keyed(rows("distribution"), "item", "group", "kind", "position"),
            **_keyed(rows("digests"), "part"),
        }

    for wave in waves:
        for dim in dims:
            rec, new = piece(recorded, wave, dim), piece(now, wave, dim)
            if rec or new:
                checks.append(_check(f"dimension {dim}, wave {wave}", rec, new))
    before_after = sorted(
        {(str(r.get("before")), str(r.get("after"))) for r in _rows(now, "changes")}
        | {(str(r.get("before")), str(r.get("after"))) for r in _rows(recorded, "changes")}
    )
    for before, after in before_after:
        checks.append(
            _check(
                f"change from wave {before} to wave {after}",
                _keyed(
                    [
                        r
                        for r in _rows(recorded, "changes")
                        if (str(r.get("before")), str(r.get("after"))) == (before, after)
                    ],
                    "dimension",
                    "group",
                ),
                _keyed(
                    [
                        r
                        for r in _rows(now, "changes")
                        if (str(r.get("before")), str(r.get("after"))) == (before, after)
                    ],
                    "dimension",
                    "group",
                ),
            )
        )
    if _rows(recorded, "gaps") or _rows(now, "gaps"):
        checks.append(
            _check(
                "gaps between groups",
                _keyed(_rows(recorded, "gaps"), "wave", "dimension"),
                _keyed(_rows(now, "gaps"), "wave", "dimension"),
            )
        )
    cov_a = (recorded.get("coverage") or {}).get("table") or []
    cov_b = (now.get("coverage") or {}).get("table") or []
    if cov_a or cov_b:
        checks.append(
            _check(
                "coverage of the vertical slice",
                _keyed(cov_a, "wave", "level"),
                _keyed(cov_b, "wave", "level"),
            )
        )
    checks.append(
        _check(
            "findings in plain English",
            _keyed(_rows(recorded, "findings"), "kind", "dimension"),
            _keyed(_rows(now, "findings"), "kind", "dimension"),
        )
    )
    head = ("instrument_id", "instrument_version", "instrument_title", "settings", "waves")
    said = {k: recorded.get(k) for k in (*head, "warnings")}
    if isinstance(said["settings"], dict):  # settings saved before a field existed: its default
        from partnership_tools.review.settings import ReviewSettings

        try:
            said["settings"] = ReviewSettings.from_dict(said["settings"]).to_dict()
        except (TypeError, ValueError):
            pass  # left as recorded: the check then says they differ
    checks.append(
        _check(
            "instrument, settings and warnings",
            {"result": said},
            {"result": {k: now.get(k) for k in (*head, "warnings")}},
        )
    )
    return checks


def verify_review_data(review: Any, data: Mapping[str, Any]) -> Verdict:
    """Score ``review`` again and check it against the file's recorded ``result`` and ``digest``.

    ``data`` is the file's content (after migration). With nothing recorded the verdict says so.
    """
    from partnership_tools.review.reviewfile import (
        RECORD_LAYOUT,
        record_result,
        recorded_figures,
        review_digest,
        review_inputs,
    )

    recorded = data.get("result")
    digest = data.get("digest") or {}
    if not recorded:
        if isinstance(digest, dict) and digest.get("results"):
            # the digest vouches for results the file no longer holds: removed, not "none"
            return Verdict(
                (
                    Check(
                        "recorded results",
                        False,
                        "the file's digest covers recorded results, but the file holds none:"
                        " they have been removed",
                    ),
                )
            )
        return Verdict((), recorded=False)
    fresh = json.loads(json.dumps(review.score().to_dict(), allow_nan=False))
    checks: list[Check] = []
    if digest:
        now = review_digest(review_inputs(dict(data)), recorded)
        checks += digest_checks(
            digest,
            now["inputs"],
            now["results"],
            "the responses, instrument, settings or action plan",
        )
    else:
        checks.append(
            Check(
                "digest",
                False,
                "this file records no digest, so edits that leave the scores unchanged cannot be"
                " ruled out; save it again to record one",
            )
        )
    if isinstance(recorded, Mapping) and recorded.get("layout") == RECORD_LAYOUT:
        fresh = recorded_figures(record_result(fresh))
        try:
            recorded = recorded_figures(recorded)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            what = f"the key {exc.args[0]!r} is missing" if isinstance(exc, KeyError) else exc
            checks.append(Check("recorded result", False, f"it cannot be read: {what}"))
            return Verdict(tuple(checks))
    inst = review.instrument
    checks += compare_results(
        recorded,
        fresh,
        inst.dimension_ids,
        {d.id: [i.id for i in d.items] for d in inst.dimensions},
    )
    return Verdict(tuple(checks))


def replay_review_file(path: str | os.PathLike[str]) -> Replay:
    """Recompute a saved review, compare it with what the file recorded (kind ``review``) and
    check its signature (:func:`~partnership_tools.kernel.savedfile.with_signature`)."""
    rec = load_review_record(path)
    try:
        verdict = verify_review_data(rec.review, rec.data)
    except ValueError as exc:  # the file's own settings cannot score its responses
        verdict = Verdict(
            (Check("scoring", False, f"the review cannot be scored again: {exc}"),), True
        )
    title = rec.review.title or rec.review.instrument.title
    replay = Replay(
        str(path), "review", title, verdict, rec.migrated_from, rec.data.get("kit_version")
    )
    return with_signature(replay, rec.raw)
