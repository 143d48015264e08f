"""One review in one JSON file: the instrument, the responses, the settings and the action plan.

The file is canonical JSON (keys sorted, two-space indent, UTF-8 text kept as it is, a trailing
newline), so exporting a review read from a file gives the same bytes again. It is written to a
temporary file beside the target and moved into place with ``os.replace``, so a reader never sees
half a file.

A review saved with :meth:`Review.with_result` also records its ``result`` (the scores computed
then, in the compact form of :func:`record_result`), a ``digest`` (SHA-256 over the canonical JSON
of the inputs, :data:`REVIEW_INPUT_KEYS`, and of that record) and the ``kit_version``;
``partnership-tools replay`` recomputes the scores and checks both. :func:`review_to_json` also
signs such a file (:mod:`partnership_tools.kernel.signing`). Older files load through
:func:`migrate_review_data`: ``schema_version`` 1 (no result, digest nor kit version) and 2 (the
whole ``ReviewResult.to_dict()`` recorded, every table with every label: about 1.5 MB for two
waves of the ten-lessons check, however few answered).

>>> from partnership_tools.review.instrument import load_instrument
>>> from partnership_tools.review.responses import Responses
>>> inst = load_instrument("partnership_cycle")
>>> rv = Review("r1", "Spring review", inst, Responses.from_records(inst, [{"de1": 4, "level": "Manager"}]))
>>> text = review_to_json(rv)
>>> review_from_json(text) == rv and review_to_json(review_from_json(text)) == text
True
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partnership_tools.kernel.checks import digest_of, sha256_of
from partnership_tools.kernel.errors import PlainError
from partnership_tools.kernel.files import atomic_write_text, canonical_json
from partnership_tools.kernel.limits import LimitError, check_file_size, load_json
from partnership_tools.kernel.savedfile import REVIEW_KIND, SavedFileFormat
from partnership_tools.kernel.serial import converter, to_data
from partnership_tools.review.actions import ActionPlan
from partnership_tools.review.instrument import Instrument, InstrumentError
from partnership_tools.review.responses import Responses
from partnership_tools.review.settings import ReviewSettings

__all__ = [
    "RECORD_LAYOUT",
    "RECORDED_COLUMNS",
    "REVIEW_FILE_KIND",
    "REVIEW_INPUT_KEYS",
    "REVIEW_FORMAT",
    "REVIEW_MIGRATIONS",
    "REVIEW_SCHEMA_VERSION",
    "Review",
    "ReviewFileError",
    "migrate_review_data",
    "read_review",
    "record_result",
    "recorded_figures",
    "review_digest",
    "review_inputs",
    "review_from_json",
    "review_to_json",
    "write_review",
]

REVIEW_SCHEMA_VERSION = 3
REVIEW_FILE_KIND = REVIEW_KIND
#: The parts of a review file that are its inputs (what the SHA-256 ``digest.inputs`` covers).
REVIEW_INPUT_KEYS = (
    "id",
    "title",
    "created_at",
    "notes",
    "instrument",
    "settings",
    "responses",
    "action_plan",
)


def review_inputs(data: dict[str, Any]) -> dict[str, Any]:
    """The input parts of a review file's data (or of :meth:`Review.to_dict`)."""
    return {k: data.get(k) for k in REVIEW_INPUT_KEYS}


def review_digest(inputs: dict[str, Any], result: Any) -> dict[str, str]:
    """SHA-256 digests over the canonical JSON of the inputs and of the recorded result, computed
    the same way as a session file's (:func:`partnership_tools.kernel.checks.digest_of`)."""
    return digest_of(inputs, result)


def _migrate_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 had no digest nor kit version (and usually no recorded result): version 2 adds
    them, empty, so a migrated file records nothing to verify until it is saved again."""
    out = dict(data)
    out["schema_version"] = 2
    out.setdefault("result", None)
    out.setdefault("digest", None)
    out.setdefault("kit_version", None)
    return out


def _migrate_2_to_3(data: dict[str, Any]) -> dict[str, Any]:
    """Version 3 records the result compactly (:func:`record_result`). A version 2 file keeps the
    whole result it recorded, untouched, so its digest still covers it and replay still compares
    every table; saved again, it is recorded compactly."""
    return {**data, "schema_version": 3}


REVIEW_MIGRATIONS = {1: _migrate_1_to_2, 2: _migrate_2_to_3}


# -- the recorded result (schema_version 3) ----------------------------------------------------
#: The ``layout`` of a result recorded by :func:`record_result` (a version 2 file has none).
RECORD_LAYOUT = "figures"
#: The columns of each scored table a saved review records, in order. Labels that the file's
#: instrument and settings give again (titles, statement texts, band labels, ``by``) are left out,
#: and of ``items`` only the rows for all respondents are kept (the figures a report shows).
RECORDED_COLUMNS: dict[str, tuple[str, ...]] = {
    "dimensions": (
        "wave", "group", "overall", "dimension", "group_size", "respondents", "n", "mean",
        "median", "sd", "pct_positive", "pct_negative", "dont_know", "not_applicable", "missing",
        "met_minimum", "band", "suppressed", "suppressed_reason",
    ),
    "items": (
        "wave", "group", "item", "group_size", "respondents", "n", "mean", "median", "sd",
        "pct_positive", "pct_negative", "dont_know", "not_applicable", "missing", "band",
        "suppressed", "suppressed_reason",
    ),
    "changes": (
        "before", "after", "dimension", "group", "overall", "n_before", "n_after", "mean_before",
        "mean_after", "change", "direction", "band_before", "band_after", "suppressed",
    ),
    "gaps": (
        "wave", "dimension", "groups_compared", "gap", "highest_group", "highest_mean",
        "lowest_group", "lowest_mean", "threshold", "flagged",
    ),
    "coverage": ("wave", "level", "respondents", "share", "status"),
}  # fmt: skip
#: Figures are put in a piece's digest at this many significant digits, so that a processor that
#: rounds the last bit differently does not change it (the recorded figures are full precision).
DIGEST_DIGITS = 12
#: What each piece digest covers, as a replay names it.
PIECE_PART = "every group's scores, statements and answers (SHA-256)"
_KEPT = ("instrument_id", "instrument_version", "instrument_title", "settings", "waves")


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> dict[str, Any]:
    """``columns`` once, then each row as one line: the JSON array of its values in that order."""
    return {
        "columns": list(columns),
        "rows": [
            json.dumps(
                [r.get(c) for c in columns],
                ensure_ascii=False,
                allow_nan=False,
                separators=(",", ":"),
            )
            for r in rows
        ],
    }


def _untable(table: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The rows of a :func:`_table` as dicts (raises ``ValueError`` when a row is not an array of
    as many values as there are columns)."""
    if not table:
        return []
    columns = list(table["columns"])
    out = []
    for text in table["rows"]:
        values = load_json(text, "a recorded row", ValueError)
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError(f"a recorded row does not hold {len(columns)} values: {text[:60]}")
        out.append(dict(zip(columns, values, strict=True)))
    return out


def _rounded(v: Any) -> Any:
    if isinstance(v, float):
        return float(f"{v:.{DIGEST_DIGITS}g}")
    if isinstance(v, Mapping):
        return {k: _rounded(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_rounded(x) for x in v]
    return v


def _piece_digests(result: Mapping[str, Any]) -> list[dict[str, str]]:
    """One SHA-256 per wave and dimension over every row of that piece of the whole result (its
    dimension rows, every group's statement rows and their answers, every column, figures at
    :data:`DIGEST_DIGITS` significant digits), in the order the pieces first appear."""
    pieces: dict[tuple[str, str], dict[str, list[Any]]] = {}
    for table in ("dimensions", "items", "distribution"):
        for r in result.get(table) or []:
            key = (str(r.get("wave")), str(r.get("dimension")))
            piece = pieces.setdefault(key, {"dimensions": [], "items": [], "distribution": []})
            piece[table].append(_rounded(dict(r)))
    return [
        {"wave": w, "dimension": d, "sha256": sha256_of(piece)} for (w, d), piece in pieces.items()
    ]


def record_result(result: Mapping[str, Any]) -> dict[str, Any]:
    """What a saved review records of a ``ReviewResult.to_dict()``: enough to prove the recount.

    The instrument, settings, waves, warnings and findings as they are; the figures of each table
    in :data:`RECORDED_COLUMNS` (full precision), each written once as ``columns`` and ``rows``
    (one JSON array per row); and ``pieces``: a SHA-256 per wave and dimension over everything of
    that piece of the whole result, labels, every group's statements and their answers included.
    ``layout`` is :data:`RECORD_LAYOUT`. Shape: ``{"layout", "instrument_id", ..., "dimensions":
    {"columns": [...], "rows": ["[...]", ...]}, ..., "coverage": {"field", "table"} | None,
    "pieces": [{"wave", "dimension", "sha256"}, ...]}``.

    >>> rec = record_result({"instrument_id": "x", "waves": ["w"], "dimensions": [
    ...     {"wave": "w", "dimension": "d", "group": "All", "mean": 3.5, "title": "Dee"}]})
    >>> rec["dimensions"]["rows"][0][:19]
    '["w","All",null,"d"'
    >>> recorded_figures(rec)["dimensions"][0]["mean"], len(rec["pieces"])
    (3.5, 1)
    """
    out: dict[str, Any] = {"layout": RECORD_LAYOUT, **{k: result.get(k) for k in _KEPT}}
    out["warnings"] = list(result.get("warnings") or [])
    out["findings"] = list(result.get("findings") or [])
    for table in ("dimensions", "changes", "gaps"):
        out[table] = _table(result.get(table) or [], RECORDED_COLUMNS[table])
    overall = [r for r in result.get("items") or [] if r.get("overall")]
    out["items"] = _table(overall, RECORDED_COLUMNS["items"])
    cov = result.get("coverage")
    out["coverage"] = (
        {
            "field": cov.get("field"),
            "table": _table(cov.get("table") or [], RECORDED_COLUMNS["coverage"]),
        }
        if cov
        else None
    )
    out["pieces"] = _piece_digests(result)
    return out


def recorded_figures(record: Mapping[str, Any]) -> dict[str, Any]:
    """A result recorded by :func:`record_result` as a ``ReviewResult.to_dict()``-like dict of row
    dicts holding the recorded columns only, plus a ``digests`` table (``wave``, ``dimension``,
    ``part`` = :data:`PIECE_PART`, ``sha256``), for a replay to compare row by row. A version 2
    result (no ``layout``) is given back as it is. Raises ``ValueError`` for a broken record."""
    if record.get("layout") != RECORD_LAYOUT:
        return dict(record)
    out: dict[str, Any] = {k: record.get(k) for k in (*_KEPT, "warnings", "findings")}
    for table in ("dimensions", "items", "changes", "gaps"):
        out[table] = _untable(record.get(table))
    cov = record.get("coverage")
    out["coverage"] = (
        {"field": cov.get("field"), "table": _untable(cov.get("table"))} if cov else None
    )
    out["digests"] = [{**p, "part": PIECE_PART} for p in record.get("pieces") or []]
    return out


class ReviewFileError(PlainError, ValueError):
    """A review file could not be read; the message is one plain sentence."""


REVIEW_FORMAT = SavedFileFormat(
    REVIEW_FILE_KIND,
    REVIEW_SCHEMA_VERSION,
    REVIEW_MIGRATIONS,
    "review file",
    ReviewFileError,
    kind_required=False,
)
"""The review file's envelope: kind (optional in old files), schema_version and migrations."""


def migrate_review_data(data: Any, source: str = "<review>") -> tuple[dict[str, Any], int | None]:
    """Check a review file's envelope and bring an older version up to date (:data:`REVIEW_FORMAT`).

    Returns the data at :data:`REVIEW_SCHEMA_VERSION` and the version it was migrated from (None
    when it was current); raises :class:`ReviewFileError` for a file from a newer version of the
    kit, with the version needed.
    """
    loaded = REVIEW_FORMAT.load(data, source)
    return loaded.data, loaded.migrated_from


@dataclass(frozen=True, eq=False)
class Review:
    """A whole review: what was asked (the instrument, copied in full so the file stands alone),
    what people answered, how to score it and what the partnership agreed to do."""

    id: str
    title: str
    instrument: Instrument
    responses: Responses
    settings: ReviewSettings = field(default_factory=ReviewSettings)
    action_plan: ActionPlan = field(default_factory=ActionPlan)
    created_at: str = ""
    notes: str = ""
    #: The recorded result (see :meth:`with_result`): :func:`record_result` of the scores, or in a
    #: file from schema_version 2 a whole ``ReviewResult.to_dict()``, so a replay can compare.
    result: dict[str, Any] | None = None
    #: SHA-256 digests of the inputs and the recorded result (:func:`review_digest`), set with it.
    digest: dict[str, Any] | None = None
    #: The version of Partnership Tools that recorded the result.
    kit_version: str | None = None
    #: When this file was saved (UTC, ISO 8601; "" in files saved before it was kept). Not one
    #: of the inputs, so it is outside the digest; written only when set.
    saved_at: str = ""

    def __post_init__(self) -> None:
        if not str(self.id).strip():
            raise ValueError("A review needs a non-empty id.")
        if self.responses.instrument_id != self.instrument.id:
            raise ValueError(
                f"The responses are to {self.responses.instrument_id!r} but the review's instrument is {self.instrument.id!r}."
            )

    def score(self):
        """Score the review with its own settings (see :func:`~.scoring.score_review`)."""
        from partnership_tools.review.scoring import score_review

        return score_review(self.responses, self.instrument, self.settings)

    def with_result(self) -> Review:
        """A copy that records the figures :meth:`score` gives now (stored in the file as ``result``,
        compactly: :func:`record_result`), their digest and the kit version, so
        ``partnership-tools replay`` can check them later."""
        from partnership_tools.kernel.version import __version__

        result = record_result(json.loads(json.dumps(self.score().to_dict(), allow_nan=False)))
        recorded = dataclasses.replace(self, result=result, kit_version=__version__)
        digest = review_digest(review_inputs(recorded.to_dict()), result)
        return dataclasses.replace(recorded, digest=digest)

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "<review>") -> Review:
        return _review_from_dict(d, source)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Review) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


def _unstructure_review(review: Review) -> dict[str, Any]:
    """A review file's data: the envelope, the inputs, then what was recorded."""
    data = {
        "schema_version": REVIEW_SCHEMA_VERSION,
        "kind": REVIEW_FILE_KIND,
        "id": review.id,
        "title": review.title,
        "created_at": review.created_at,
        "notes": review.notes,
        "instrument": review.instrument.to_dict(),
        "settings": review.settings.to_dict(),
        "responses": review.responses.to_dict(),
        "action_plan": review.action_plan.to_dict(),
        "result": review.result,
        "digest": review.digest,
        "kit_version": review.kit_version,
    }
    if review.saved_at:
        data["saved_at"] = review.saved_at
    return data


def _review_from_dict(d: dict[str, Any], source: str = "<review>") -> Review:
    """A review from a file's (current-version) data; tolerant of the blanks older files left."""
    return Review(
        id=str(d["id"]),
        title=str(d.get("title") or ""),
        instrument=Instrument.from_dict(d["instrument"], source=f"{source}: instrument"),
        responses=Responses.from_dict(d["responses"]),
        settings=ReviewSettings.from_dict(d.get("settings") or {}),
        action_plan=ActionPlan.from_dict(d.get("action_plan") or {}),
        created_at=str(d.get("created_at") or ""),
        notes=str(d.get("notes") or ""),
        result=d.get("result"),
        digest=d.get("digest"),
        kit_version=d.get("kit_version"),
        saved_at=str(d.get("saved_at") or ""),
    )


converter.register_unstructure_hook(Review, _unstructure_review)
converter.register_structure_hook(Review, lambda d, _: _review_from_dict(d))


def review_to_json(review: Review, sign: bool = True) -> str:
    """The canonical JSON text of a review (sort_keys, indent=2, ensure_ascii=False, newline),
    signed with the partnership's key when it records a result and ``sign`` is True
    (:func:`~partnership_tools.kernel.signing.sign_data`: a ``signature`` block over the whole
    content, result and digest included)."""
    if review.result is None or not sign:
        return canonical_json(review.to_dict())
    from partnership_tools.kernel.signing import sign_data

    return canonical_json(sign_data(review.to_dict()))


_KIND_NAMES: dict[type, str] = {str: "text", list: "a list", dict: "an object"}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    return _KIND_NAMES.get(type(value), "null")


def validate_review_record(data: Mapping[str, Any], source: str = "<review>") -> None:
    """Check the shapes of a review file's envelope and record (at the current version): ``id``
    text or a number; ``title``, ``created_at``, ``notes``, ``kit_version``, ``saved_at`` text
    (or null); ``instrument`` and ``responses`` objects; ``settings`` and ``action_plan``
    objects or null; ``result`` an object or null, its tables ``{"columns": [text, ...],
    "rows": [text, ...]}``; ``digest`` an object of texts or null. Raises
    :class:`ReviewFileError` with one sentence naming ``source`` and the key.

    >>> try:
    ...     validate_review_record({"id": "r", "instrument": {}, "responses": {}, "digest": "x"}, "r.json")
    ... except ReviewFileError as exc:
    ...     print(exc)
    r.json is not a usable review file: digest is text; it must be an object or null.
    """

    def bad(key: str, value: Any, wanted: str) -> ReviewFileError:
        found = "missing" if value is None else _kind(value)
        return ReviewFileError(
            f"{source} is not a usable review file: {key} is {found}; it must be {wanted}."
        )

    for key in ("id", "instrument", "responses"):
        if key not in data:
            raise ReviewFileError(
                f"{source} is not a usable review file: the key {key!r} is missing."
            )
    rid = data.get("id")
    if isinstance(rid, bool) or not isinstance(rid, (str, int)):
        raise bad("id", rid, "text")
    for key in ("title", "created_at", "notes", "kit_version", "saved_at"):
        v = data.get(key)
        if v is not None and not isinstance(v, str):
            raise bad(key, v, "text or null")
    for key in ("instrument", "responses"):
        if not isinstance(data.get(key), dict):
            raise bad(key, data.get(key), "an object")
    for key in ("settings", "action_plan", "result", "digest"):
        v = data.get(key)
        if v is not None and not isinstance(v, dict):
            raise bad(key, v, "an object or null")
    for key, v in (data.get("digest") or {}).items():
        if not isinstance(v, str):
            raise bad(f"digest.{key}", v, "text")
    result = data.get("result") or {}
    if result.get("layout") == RECORD_LAYOUT:
        tables = [(t, result.get(t)) for t in ("dimensions", "items", "changes", "gaps")]
        cov = result.get("coverage")
        if cov is not None and not isinstance(cov, dict):
            raise bad("result.coverage", cov, "an object or null")
        tables.append(("result.coverage.table", (cov or {}).get("table")))
        for name, table in tables:
            name = name if name.startswith("result.") else f"result.{name}"
            if table is None:
                continue
            if not isinstance(table, dict):
                raise bad(name, table, "an object")
            for part in ("columns", "rows"):
                items = table.get(part)
                if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
                    raise bad(f"{name}.{part}", items, "a list of texts")
        for key in ("warnings", "findings", "pieces", "waves"):
            v = result.get(key)
            if v is not None and not isinstance(v, list):
                raise bad(f"result.{key}", v, "a list or null")


def review_from_json(text: str, source: str = "<review>") -> Review:
    """Read a review from JSON text; :class:`ReviewFileError` (one sentence) when it cannot be used."""
    data = load_json(text, source, ReviewFileError)
    data, _ = migrate_review_data(data, source)
    validate_review_record(data, source)
    try:
        review = Review.from_dict(data, source=source)
        missing = [i for i in review.instrument.item_ids if i not in review.responses.item_ids]
        if missing:
            raise ValueError(
                f"its responses have no column for item {missing[0]!r} of its instrument"
                f" ({len(missing)} of {len(review.instrument.item_ids)} items missing)"
            )
        review.responses.check(review.instrument)  # every answer on the scale or a code
        return review
    except InstrumentError as exc:
        first = exc.problems[0].describe(exc.source) if exc.problems else str(exc)
        raise ReviewFileError(f"The instrument in {source} is not valid: {first}") from None
    except (KeyError, TypeError, ValueError) as exc:
        what = (
            f"the key {exc.args[0]!r} is missing"
            if isinstance(exc, KeyError)
            else str(exc).rstrip(".")
        )
        raise ReviewFileError(f"{source} is not a usable review file: {what}.") from None


def read_review(path: str | os.PathLike[str]) -> Review:
    """Read a review file written by :func:`write_review`."""
    p = Path(path)
    try:
        check_file_size(p.stat().st_size, p.name)
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReviewFileError(f"There is no file {str(p)!r}.") from None
    except LimitError as exc:
        raise ReviewFileError(str(exc)) from None
    except (OSError, UnicodeDecodeError):
        raise ReviewFileError(f"{p.name} could not be read as UTF-8 text.") from None
    return review_from_json(text, source=p.name)


def write_review(review: Review, path: str | os.PathLike[str], sign: bool = True) -> Path:
    """Write the review's canonical JSON atomically (temporary file + ``os.replace``), signed
    unless ``sign=False`` (see :func:`review_to_json`)."""
    p = Path(path)
    atomic_write_text(p, review_to_json(review, sign))
    return p
