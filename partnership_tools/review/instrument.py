"""Review instruments: the questionnaire behind a partnership review, loaded from YAML files.

An instrument has a response scale, dimensions made of items (statements), band cut points and the
respondent fields it asks for. Every class is a frozen dataclass whose ``to_dict`` gives the same
shape as the YAML file, and ``from_dict(to_dict())`` gives back an equal object.

Reverse-worded items are scored ``low + high - answer``: on a 1-5 scale an answer of 5 scores 1.

>>> inst = load_instrument("ten_lessons")
>>> len(inst.dimensions), len(inst.items)
(10, 30)
>>> inst.scale.reverse(5), inst.scale.reverse(2)
(1, 4)
>>> inst.bands.band(4.0), inst.bands.band(3.99), inst.bands.band(2.5)
('strength', 'discuss', 'concern')
>>> Instrument.from_dict(inst.to_dict()) == inst
True
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from partnership_tools.kernel.limits import (
    MAX_INSTRUMENT_BYTES,
    MAX_SCALE_CODE,
    LimitError,
    load_yaml,
)
from partnership_tools.kernel.serial import converter, to_data
from partnership_tools.review.schema import (
    InstrumentError,
    Problem,
    normalise_text,
    validate_instrument_data,
)

__all__ = [
    "Bands",
    "Dimension",
    "Instrument",
    "InstrumentError",
    "Item",
    "RespondentField",
    "Scale",
    "list_instruments",
    "load_instrument",
]

BAND_KEYS = ("strength", "discuss", "concern")
DEFAULT_BAND_LABELS = {"strength": "Strength", "discuss": "Worth discussing", "concern": "Concern"}


@dataclass(frozen=True)
class Scale:
    """The answer scale: ordered values with labels, plus optional "don't know" and "not applicable"
    codes that are counted but never averaged.

    ``aliases`` maps other spellings (``"N/A"``, ``"Neutral"``) to a value or code.

    >>> s = Scale(values=(1, 2, 3), labels=("No", "Maybe", "Yes"), positive=(3,), negative=(1,),
    ...           dont_know=8)
    >>> s.low, s.high, s.reverse(3), s.label_for(8)
    (1, 3, 1, "Don't know")
    """

    values: tuple[int, ...]
    labels: tuple[str, ...]
    positive: tuple[int, ...]
    negative: tuple[int, ...]
    dont_know: int | None = None
    dont_know_label: str = "Don't know"
    not_applicable: int | None = None
    not_applicable_label: str = "Not applicable"
    aliases: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        for name in ("values", "labels", "positive", "negative", "aliases"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "aliases", tuple((str(a), int(v)) for a, v in self.aliases))
        if len(self.values) != len(self.labels):
            raise ValueError("A scale needs one label per value.")

    @property
    def low(self) -> int:
        return min(self.values)

    @property
    def high(self) -> int:
        return max(self.values)

    @property
    def codes(self) -> tuple[int, ...]:
        """The "don't know" and "not applicable" codes that are set."""
        return tuple(c for c in (self.dont_know, self.not_applicable) if c is not None)

    def reverse(self, value: float) -> float:
        """The reverse-scored value: ``low + high - value``."""
        return self.low + self.high - value

    def label_for(self, code: int) -> str:
        """The label of a scale value or code."""
        if code == self.dont_know:
            return self.dont_know_label
        if code == self.not_applicable:
            return self.not_applicable_label
        return self.labels[self.values.index(code)]

    def spellings(self) -> dict[str, int]:
        """Every accepted wording (normalised with :func:`normalise_text`) mapped to its value or code."""
        out = {normalise_text(lab): v for v, lab in zip(self.values, self.labels, strict=True)}
        if self.dont_know is not None:
            out[normalise_text(self.dont_know_label)] = self.dont_know
        if self.not_applicable is not None:
            out[normalise_text(self.not_applicable_label)] = self.not_applicable
        for alias, v in self.aliases:
            out[normalise_text(alias)] = v
        return out

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Scale:
        return converter.structure(d, cls)


def _scale_to_data(obj: Scale) -> dict[str, Any]:
    alias_of: dict[int, list[str]] = {}
    for a, v in obj.aliases:
        alias_of.setdefault(v, []).append(a)
    points = []
    for v, lab in zip(obj.values, obj.labels, strict=True):
        p: dict[str, Any] = {"value": v, "label": lab}
        if v in alias_of:
            p["aliases"] = alias_of[v]
        points.append(p)
    d: dict[str, Any] = {
        "points": points,
        "positive": list(obj.positive),
        "negative": list(obj.negative),
    }
    for key, code, label in (
        ("dont_know", obj.dont_know, obj.dont_know_label),
        ("not_applicable", obj.not_applicable, obj.not_applicable_label),
    ):
        if code is not None:
            d[key] = {"code": code, "label": label}
            if code in alias_of:
                d[key]["aliases"] = alias_of[code]
    return d


def _scale_from_data(d: Any, _cls: type) -> Scale:
    aliases: list[tuple[str, int]] = []
    for p in d["points"]:
        aliases += [(a, int(p["value"])) for a in p.get("aliases", [])]
    kw: dict[str, Any] = {}
    for key in ("dont_know", "not_applicable"):
        if d.get(key):
            kw[key] = int(d[key]["code"])
            kw[f"{key}_label"] = str(d[key]["label"])
            aliases += [(a, int(d[key]["code"])) for a in d[key].get("aliases", [])]
    return Scale(
        values=tuple(int(p["value"]) for p in d["points"]),
        labels=tuple(str(p["label"]) for p in d["points"]),
        positive=tuple(int(v) for v in d["positive"]),
        negative=tuple(int(v) for v in d["negative"]),
        aliases=tuple(aliases),
        **kw,
    )


converter.register_unstructure_hook(Scale, _scale_to_data)
converter.register_structure_hook(Scale, _scale_from_data)


@dataclass(frozen=True)
class Item:
    """One statement. ``reverse`` items are worded negatively and scored ``low + high - answer``."""

    id: str
    text: str
    reverse: bool = False

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Item:
        return converter.structure(d, cls)


@dataclass(frozen=True)
class Dimension:
    """A group of items scored together.

    The dimension's figures pool every valid answer to its items; ``min_valid_answers`` is the number
    of valid answers (across its items and respondents) needed before the dimension gets a band.
    """

    id: str
    title: str
    items: tuple[Item, ...]
    min_valid_answers: int = 1
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Dimension:
        return converter.structure(d, cls)


def _dimension_to_data(obj: Dimension) -> dict[str, Any]:
    d: dict[str, Any] = {"id": obj.id, "title": obj.title}
    if obj.description:
        d["description"] = obj.description
    d["min_valid_answers"] = obj.min_valid_answers
    d["items"] = [to_data(i) for i in obj.items]
    return d


def _dimension_from_data(d: Any, _cls: type) -> Dimension:
    return Dimension(
        id=str(d["id"]),
        title=str(d["title"]),
        items=tuple(converter.structure(i, Item) for i in d["items"]),
        min_valid_answers=int(d.get("min_valid_answers", 1)),
        description=str(d.get("description") or "").strip(),
    )


converter.register_unstructure_hook(Dimension, _dimension_to_data)
converter.register_structure_hook(Dimension, _dimension_from_data)


@dataclass(frozen=True)
class Bands:
    """Band cut points on the dimension mean.

    ``mean >= strength`` is a strength, ``discuss <= mean < strength`` is worth discussing, and
    ``concern <= mean < discuss`` (``concern`` defaults to the bottom of the scale) is a concern.
    :meth:`band` is the one place that turns a mean into a band.

    >>> b = Bands(strength=4.0, discuss=3.0)
    >>> [b.band(m) for m in (5, 4.0, 3.0, 2.99)]
    ['strength', 'strength', 'discuss', 'concern']
    >>> b.label("discuss")
    'Worth discussing'
    >>> Bands(strength=4.0, discuss=3.0, concern=2.0).band(1.5) is None  # below every band
    True
    """

    strength: float
    discuss: float
    concern: float | None = None
    labels: tuple[tuple[str, str], ...] = tuple(DEFAULT_BAND_LABELS.items())

    def __post_init__(self) -> None:
        merged = dict(DEFAULT_BAND_LABELS)
        merged.update(dict(self.labels))
        object.__setattr__(self, "labels", tuple((k, merged[k]) for k in BAND_KEYS))

    def cut_points(self) -> tuple[tuple[str, float], ...]:
        """Each band's key and lowest mean, best band first (the concern band's lowest mean is
        ``concern``, or minus infinity when it is not set: the bottom of the scale).

        >>> Bands(strength=4.0, discuss=3.0).cut_points()
        (('strength', 4.0), ('discuss', 3.0), ('concern', -inf))
        """
        concern = float("-inf") if self.concern is None else float(self.concern)
        return (("strength", self.strength), ("discuss", self.discuss), ("concern", concern))

    def band(self, mean: float | None) -> str | None:
        """The band key for a mean: the first band (best first) whose cut point the mean reaches.

        None for a missing (None or NaN) mean, or one below the ``concern`` cut point.
        """
        if mean is None or mean != mean:  # NaN
            return None
        for key, lowest in self.cut_points():
            if mean >= lowest:
                return key
        return None

    def label(self, band: str | None) -> str:
        return dict(self.labels).get(band or "", "")

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Bands:
        return converter.structure(d, cls)


def _bands_to_data(obj: Bands) -> dict[str, Any]:
    d: dict[str, Any] = {"strength": obj.strength, "discuss": obj.discuss}
    if obj.concern is not None:
        d["concern"] = obj.concern
    d["labels"] = dict(obj.labels)
    return d


def _bands_from_data(d: Any, _cls: type) -> Bands:
    return Bands(
        strength=float(d["strength"]),
        discuss=float(d["discuss"]),
        concern=float(d["concern"]) if d.get("concern") is not None else None,
        labels=tuple((d.get("labels") or {}).items()),
    )


converter.register_unstructure_hook(Bands, _bands_to_data)
converter.register_structure_hook(Bands, _bands_from_data)


@dataclass(frozen=True)
class RespondentField:
    """Something the instrument asks about the respondent, e.g. which ``level`` they speak for.

    ``values`` lists the allowed answers (empty: free text); ``aliases`` maps other spellings to them.

    >>> f = RespondentField("level", "Level", values=("Manager",), aliases=(("boss", "Manager"),))
    >>> f.canonical(" MANAGER "), f.canonical("Boss"), f.canonical("chief")
    ('Manager', 'Manager', None)
    """

    id: str
    label: str
    required: bool = False
    values: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(self.values))
        object.__setattr__(
            self, "aliases", tuple(sorted((str(a), str(v)) for a, v in self.aliases))
        )

    def spellings(self) -> dict[str, str]:
        out = {normalise_text(v): v for v in self.values}
        by_norm = {normalise_text(v): v for v in self.values}
        for a, target in self.aliases:
            out[normalise_text(a)] = by_norm.get(normalise_text(target), target)
        return out

    def canonical(self, text: str) -> str | None:
        """The allowed value a piece of text stands for, or None when it is not allowed.

        A field without a list of values accepts any non-blank text as it is.
        """
        text = str(text).strip()
        if not self.values:
            return text or None
        return self.spellings().get(normalise_text(text))

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RespondentField:
        return converter.structure(d, cls)


def _respondent_field_to_data(obj: RespondentField) -> dict[str, Any]:
    d: dict[str, Any] = {"id": obj.id, "label": obj.label, "required": obj.required}
    if obj.values:
        d["values"] = list(obj.values)
    if obj.aliases:
        d["aliases"] = dict(obj.aliases)
    return d


def _respondent_field_from_data(d: Any, _cls: type) -> RespondentField:
    return RespondentField(
        id=str(d["id"]),
        label=str(d["label"]),
        required=bool(d.get("required", False)),
        values=tuple(str(v) for v in d.get("values") or ()),
        aliases=tuple((d.get("aliases") or {}).items()),
    )


converter.register_unstructure_hook(RespondentField, _respondent_field_to_data)
converter.register_structure_hook(RespondentField, _respondent_field_from_data)


@dataclass(frozen=True)
class Instrument:
    """A whole review instrument. Build one with :func:`load_instrument` or :meth:`from_dict`,
    which check it first and raise :class:`InstrumentError` naming every mistake."""

    id: str
    title: str
    version: str
    citation: str
    licence: str
    scale: Scale
    dimensions: tuple[Dimension, ...]
    bands: Bands
    respondent_fields: tuple[RespondentField, ...] = ()
    description: str = ""
    gap_threshold: float = 1.0
    coverage_field: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "dimensions", tuple(self.dimensions))
        object.__setattr__(self, "respondent_fields", tuple(self.respondent_fields))

    # -- lookups ---------------------------------------------------------------------------
    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for d in self.dimensions for i in d.items)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    @property
    def dimension_ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.dimensions)

    @property
    def field_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.respondent_fields)

    def item(self, item_id: str) -> Item:
        for i in self.items:
            if i.id == item_id:
                return i
        raise KeyError(f"Instrument {self.id!r} has no item {item_id!r}.")

    def dimension(self, dimension_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dimension_id:
                return d
        raise KeyError(f"Instrument {self.id!r} has no dimension {dimension_id!r}.")

    def dimension_of(self, item_id: str) -> Dimension:
        for d in self.dimensions:
            if item_id in d.item_ids:
                return d
        raise KeyError(f"Instrument {self.id!r} has no item {item_id!r}.")

    def field(self, field_id: str) -> RespondentField:
        for f in self.respondent_fields:
            if f.id == field_id:
                return f
        choices = ", ".join(self.field_ids) or "none"
        raise KeyError(
            f"Instrument {self.id!r} asks no respondent field {field_id!r} (it asks: {choices})."
        )

    # -- (de)serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(
        cls, d: Any, source: str = "<instrument>", *, trusted: bool = False
    ) -> Instrument:
        """Check the data (raising :class:`InstrumentError` naming ``source``) and build it.

        ``trusted`` is for the shipped instruments only (see :func:`.schema.validate_instrument_data`).
        """
        if not trusted:
            _check_keys(d, source)
        validate_instrument_data(d, source, trusted=trusted)
        if not trusted:
            _check_codes(d, source)
        try:
            return converter.structure(d, cls)
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise InstrumentError(
                source,
                [Problem("(top level)", f"the instrument cannot be used ({exc})", "correct it.")],
            ) from None


def _check_keys(d: Any, source: str, place: str = "") -> None:
    """Refuse a mapping key that is not text (YAML reads ``0:`` or ``yes:`` as a number or
    true), naming where it is, before the schema meets it."""
    if isinstance(d, dict):
        for k, v in d.items():
            if not isinstance(k, str):
                raise InstrumentError(
                    source,
                    [
                        Problem(
                            place or "(top level)",
                            f"the key {k!r} is not text",
                            "use the key names of the shipped instruments (id:, title:, scale:, ...).",
                        )
                    ],
                )
            _check_keys(v, source, f"{place}.{k}" if place else k)
    elif isinstance(d, list):
        for i, v in enumerate(d):
            _check_keys(v, source, f"{place}[{i}]")


def _check_codes(d: Any, source: str) -> None:
    """Refuse a scale value or code larger than :data:`MAX_SCALE_CODE` either way (a "don't
    know" code of ``10**30`` would make every table of answers that wide)."""
    scale = d.get("scale") if isinstance(d, dict) else None
    if not isinstance(scale, dict):
        return
    found: list[tuple[str, Any]] = [
        (f"scale.points[{i}].value", p.get("value"))
        for i, p in enumerate(scale.get("points") or [])
        if isinstance(p, dict)
    ]
    for key in ("dont_know", "not_applicable"):
        if isinstance(scale.get(key), dict):
            found.append((f"scale.{key}.code", scale[key].get("code")))
    for place, v in found:
        if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) > MAX_SCALE_CODE:
            raise InstrumentError(
                source,
                [
                    Problem(
                        place,
                        f"the code {v} is larger than {MAX_SCALE_CODE:,}, the limit this kit reads",
                        'use a small number, such as 8 or 9 for "don\'t know".',
                    )
                ],
            )


def _instrument_to_data(obj: Instrument) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": obj.id,
        "title": obj.title,
        "version": obj.version,
        "citation": obj.citation,
        "licence": obj.licence,
    }
    if obj.description:
        d["description"] = obj.description
    d["gap_threshold"] = obj.gap_threshold
    if obj.coverage_field:
        d["coverage_field"] = obj.coverage_field
    d["scale"] = to_data(obj.scale)
    d["bands"] = to_data(obj.bands)
    d["respondent_fields"] = [to_data(f) for f in obj.respondent_fields]
    d["dimensions"] = [to_data(dm) for dm in obj.dimensions]
    return d


def _instrument_from_data(d: Any, _cls: type) -> Instrument:
    return Instrument(
        id=str(d["id"]),
        title=str(d["title"]).strip(),
        version=str(d["version"]),
        citation=str(d["citation"]).strip(),
        licence=str(d["licence"]).strip(),
        description=str(d.get("description") or "").strip(),
        gap_threshold=float(d.get("gap_threshold", 1.0)),
        coverage_field=d.get("coverage_field"),
        scale=converter.structure(d["scale"], Scale),
        bands=converter.structure(d["bands"], Bands),
        respondent_fields=tuple(
            converter.structure(f, RespondentField) for f in d.get("respondent_fields") or ()
        ),
        dimensions=tuple(converter.structure(dm, Dimension) for dm in d["dimensions"]),
    )


converter.register_unstructure_hook(Instrument, _instrument_to_data)
converter.register_structure_hook(Instrument, _instrument_from_data)


def _shipped_dir() -> Path:
    return Path(str(resources.files("partnership_tools.review").joinpath("instruments")))


def _read_file(path: Path, trusted: bool = False) -> Instrument:
    name = str(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_INSTRUMENT_BYTES:
            raise InstrumentError(
                name,
                [
                    Problem(
                        "(file)",
                        f"the file is over the limit of {MAX_INSTRUMENT_BYTES // (1024 * 1024)} MiB"
                        " this kit reads as an instrument",
                        "give the instrument's YAML file, not a data file.",
                    )
                ],
            )
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InstrumentError(
            name,
            [
                Problem(
                    "(file)",
                    "the file does not exist",
                    "check the path, or give the id of a shipped instrument.",
                )
            ],
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentError(
            name,
            [
                Problem(
                    "(file)",
                    f"the file could not be read ({exc.__class__.__name__})",
                    "save it as UTF-8 text.",
                )
            ],
        ) from None
    try:
        data = load_yaml(text, name)
    except LimitError as exc:
        text = str(exc).removeprefix(name).lstrip(",: ").rstrip(".")
        place, _, what = text.partition(": ") if text.startswith("line ") else ("(file)", "", text)
        raise InstrumentError(
            name,
            [Problem(place, what, "write the instrument out plainly, as the shipped ones are.")],
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        what = getattr(exc, "problem", None) or "the YAML could not be read"
        raise InstrumentError(
            name,
            [
                Problem(
                    place,
                    f"not valid YAML: {what}",
                    "check the indentation and quote text containing ': ' or '#'.",
                )
            ],
        ) from None
    return Instrument.from_dict(data, source=name, trusted=trusted)


@lru_cache(maxsize=32)
def _load_shipped(instrument_id: str) -> Instrument:
    return _read_file(_shipped_dir() / f"{instrument_id}.yaml", trusted=True)


def _looks_like_path(s: str) -> bool:
    return s.endswith((".yaml", ".yml", ".json")) or os.sep in s or "/" in s


def load_instrument(id_or_path: str | os.PathLike[str]) -> Instrument:
    """Load a shipped instrument by id (``"ten_lessons"``) or any instrument from a YAML/JSON file.

    Raises :class:`InstrumentError` with a message naming the file, the place and the fix.
    """
    if (
        isinstance(id_or_path, os.PathLike)
        or _looks_like_path(str(id_or_path))
        or Path(str(id_or_path)).is_file()
    ):
        return _read_file(Path(id_or_path))
    key = str(id_or_path).strip()
    shipped = sorted(p.stem for p in _shipped_dir().glob("*.yaml"))
    if key not in shipped:
        raise InstrumentError(
            key,
            [
                Problem(
                    "(id)",
                    f"no shipped instrument is called {key!r}",
                    f"use one of {', '.join(shipped)}, or give the path to a YAML file.",
                )
            ],
        )
    return _load_shipped(key)


def list_instruments() -> tuple[Instrument, ...]:
    """The instruments shipped with the package, sorted by id."""
    return tuple(_load_shipped(p.stem) for p in sorted(_shipped_dir().glob("*.yaml")))
