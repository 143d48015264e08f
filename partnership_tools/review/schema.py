"""Checking an instrument file: the JSON Schema first, then the rules a schema cannot express.

Every mistake becomes a :class:`Problem` naming the place in the file (``dimensions[2].items[0]``),
what is wrong and how to fix it. :class:`InstrumentError` carries all the problems found in one file,
so a user can fix them in one pass.

>>> problems = check_instrument_data({"id": "x"})
>>> problems[0].place, problems[0].message
('(top level)', "the required key 'title' is missing")
>>> str(InstrumentError("mine.yaml", problems[:1]))
"mine.yaml: (top level): the required key 'title' is missing. Fix: add title: with a short name for the instrument."
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

#: Column names the response tables use themselves: item, dimension and field ids must differ.
RESERVED_NAMES = ("respondent_id", "wave", "comments")

_HINTS = {
    "id": "a short id made of letters, digits, _ . or -, starting with a letter",
    "title": "a short name for the instrument",
    "version": 'a version such as "1.0"',
    "citation": "how to cite the instrument",
    "licence": "the licence, e.g. CC BY 4.0",
    "scale": "the response scale (points, positive, negative)",
    "bands": "the band cut points (strength, discuss)",
    "dimensions": "a list of dimensions, each with id, title and items",
    "points": "the list of scale points, each with value and label",
    "positive": "the list of values that count as positive, e.g. [4, 5]",
    "negative": "the list of values that count as negative, e.g. [1, 2]",
    "value": "a whole number, e.g. 3",
    "label": "the wording shown to respondents",
    "code": "a whole number that is not on the scale, e.g. 8",
    "strength": "the lowest mean that counts as a strength, e.g. 4.0",
    "discuss": "the lowest mean that is worth discussing rather than a concern, e.g. 3.0",
    "items": "a list of items, each with id and text",
    "text": "the statement respondents answer",
}

_TYPE_WORDS = {
    "boolean": ("true or false", "write true or false (no quotes)"),
    "integer": ("a whole number", "write a whole number such as 3"),
    "number": ("a number", "write a number such as 4.0"),
    "string": (
        "text",
        'write text; put it in quotes if it looks like a number or yes/no, e.g. "1.0"',
    ),
    "array": ("a list", "write a list, e.g. [4, 5] or one '- entry' per line"),
    "object": ("a set of keys and values", "write key: value pairs indented under this key"),
}


@dataclass(frozen=True)
class Problem:
    """One mistake in an instrument: where it is, what is wrong, and how to fix it."""

    place: str
    message: str
    fix: str

    def describe(self, source: str) -> str:
        return f"{source}: {self.place}: {self.message}. Fix: {self.fix}"


class InstrumentError(ValueError):
    """An instrument could not be loaded; ``problems`` lists every mistake found."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = str(source)
        self.problems = tuple(problems)
        super().__init__("\n".join(p.describe(self.source) for p in self.problems))


def format_place(path: Iterable[Any]) -> str:
    """Turn a JSON path into the dotted form used in messages.

    >>> format_place(["dimensions", 2, "items", 0, "reverse"])
    'dimensions[2].items[0].reverse'
    >>> format_place([])
    '(top level)'
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def normalise_text(text: Any) -> str:
    """Fold text for matching labels, wordings and headers: case, spaces, quotes and dashes.

    >>> normalise_text("  Don’t   KNOW. ")
    "don't know"
    """
    s = unicodedata.normalize("NFKC", str(text))
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    s = s.replace("\u201c", '"').replace("\u201d", '"')
    s = re.sub("[\u2010-\u2015\u2212]", "-", s)
    s = re.sub(r"\s+", " ", s).strip().casefold()
    return s.rstrip(" .?:;!")


@lru_cache(maxsize=1)
def instrument_schema() -> dict[str, Any]:
    """The JSON Schema every instrument file must satisfy (``instruments/instrument.schema.json``)."""
    path = resources.files("partnership_tools.review").joinpath(
        "instruments/instrument.schema.json"
    )
    return json.loads(path.read_text(encoding="utf-8"))


def _schema_problem(err: Any) -> Problem:
    place = format_place(err.absolute_path)
    v = err.validator
    if v == "required":
        key = re.findall(r"'([^']+)'", err.message)[0]
        hint = _HINTS.get(key, "a value")
        return Problem(place, f"the required key '{key}' is missing", f"add {key}: with {hint}.")
    if v == "additionalProperties":
        allowed = sorted((err.schema or {}).get("properties", {}))
        extra = (
            [k for k in err.instance if k not in allowed] if isinstance(err.instance, dict) else []
        )
        key = extra[0] if extra else "?"
        close = difflib.get_close_matches(key, allowed, n=1)
        fix = f"did you mean '{close[0]}'? " if close else ""
        fix += f"remove it or correct its spelling (allowed keys here: {', '.join(allowed)})."
        return Problem(place, f"'{key}' is not a key this place understands", fix)
    if v == "type":
        wanted = err.validator_value
        wanted = wanted if isinstance(wanted, list) else [wanted]
        words = " or ".join(_TYPE_WORDS.get(w, (w, ""))[0] for w in wanted)
        fix = _TYPE_WORDS.get(wanted[0], ("", "use the right kind of value"))[1]
        return Problem(place, f"expected {words}, found {err.instance!r}", fix + ".")
    if v == "pattern" and err.validator_value.startswith("^[A-Za-z]"):
        return Problem(
            place,
            f"{err.instance!r} is not a valid id",
            "start with a letter and use only letters, digits, _ . or - (no spaces).",
        )
    if v in ("pattern", "minLength"):
        return Problem(place, "the text is empty", "write some text here.")
    if v == "minItems":
        n = err.validator_value
        return Problem(
            place, f"needs at least {n} entr{'y' if n == 1 else 'ies'}", "add the missing entries."
        )
    if v in ("minimum", "exclusiveMinimum"):
        word = "at least" if v == "minimum" else "more than"
        return Problem(
            place,
            f"{err.instance!r} is too small: it must be {word} {err.validator_value}",
            "use a larger number.",
        )
    return Problem(
        place, err.message, "correct this value."
    )  # pragma: no cover - future validators


def _duplicates(values: Iterable[Any]) -> list[Any]:
    seen: set[Any] = set()
    dup: list[Any] = []
    for v in values:
        if v in seen and v not in dup:
            dup.append(v)
        seen.add(v)
    return dup


def _semantic_problems(d: dict[str, Any]) -> list[Problem]:
    """Rules the schema cannot express. Assumes the data already satisfies the schema."""
    out: list[Problem] = []
    scale = d["scale"]
    points = scale["points"]
    values = [p["value"] for p in points]
    for v in _duplicates(values):
        i = len(values) - 1 - values[::-1].index(v)
        out.append(
            Problem(
                f"scale.points[{i}].value",
                f"the value {v} appears twice",
                "give each scale point its own value.",
            )
        )
    if values != sorted(values) and not _duplicates(values):
        out.append(
            Problem(
                "scale.points",
                "the points are not in order",
                "list the points from the lowest value to the highest.",
            )
        )
    lo, hi = min(values), max(values)

    # labels and aliases of points and codes must be distinct once normalised
    spellings: dict[str, str] = {}
    labelled = [(f"scale.points[{i}]", p) for i, p in enumerate(points)]
    labelled += [(f"scale.{k}", scale[k]) for k in ("dont_know", "not_applicable") if k in scale]
    for place, entry in labelled:
        for j, text in enumerate([entry["label"], *entry.get("aliases", [])]):
            key = normalise_text(text)
            where = f"{place}.label" if j == 0 else f"{place}.aliases[{j - 1}]"
            if key in spellings:
                out.append(
                    Problem(
                        where,
                        f"{text!r} is already used at {spellings[key]}",
                        "give every answer its own label and aliases.",
                    )
                )
            else:
                spellings[key] = where
            if re.fullmatch(r"[+-]?\d+(\.\d*)?", key):
                out.append(
                    Problem(
                        where,
                        f"the label {text!r} is a number",
                        "use words: numbers are read as scale values or codes.",
                    )
                )

    for key in ("positive", "negative"):
        for i, v in enumerate(scale[key]):
            if v not in values:
                out.append(
                    Problem(
                        f"scale.{key}[{i}]",
                        f"{v} is not on the scale",
                        f"use values from the scale points ({', '.join(map(str, values))}).",
                    )
                )
        for v in _duplicates(scale[key]):
            out.append(Problem(f"scale.{key}", f"{v} is listed twice", "list each value once."))
    both = sorted(set(scale["positive"]) & set(scale["negative"]))
    if both:
        out.append(
            Problem(
                "scale.negative",
                f"{', '.join(map(str, both))} counted both positive and negative",
                "put each value in one list only.",
            )
        )
    elif (
        scale["positive"] and scale["negative"] and max(scale["negative"]) >= min(scale["positive"])
    ):
        out.append(
            Problem(
                "scale.positive",
                "positive values must all be higher than negative ones",
                "higher values mean more agreement: list the top of the scale as positive.",
            )
        )
    codes: dict[str, Any] = {}
    for key in ("dont_know", "not_applicable"):
        if key in scale:
            c = scale[key]["code"]
            if c in values:
                out.append(
                    Problem(
                        f"scale.{key}.code",
                        f"the code {c} is also a scale value",
                        "pick a number off the scale, e.g. 8 or 9.",
                    )
                )
            if c in codes:
                out.append(
                    Problem(
                        f"scale.{key}.code",
                        f"the code {c} is also used for {codes[c]}",
                        "give each code its own number.",
                    )
                )
            codes[c] = key

    bands = d["bands"]
    concern = bands.get("concern", lo)
    order_ok = lo <= concern < bands["discuss"] < bands["strength"] <= hi
    if not order_ok:
        out.append(
            Problem(
                "bands",
                f"cut points must satisfy {lo} <= concern ({concern}) < discuss ({bands['discuss']}) "
                f"< strength ({bands['strength']}) <= {hi}",
                "put the cut points in scale order within the scale's range.",
            )
        )
    if "gap_threshold" in d and d["gap_threshold"] > hi - lo:
        out.append(
            Problem(
                "gap_threshold",
                f"{d['gap_threshold']} is larger than the whole scale ({hi - lo})",
                f"use a number up to {hi - lo}.",
            )
        )

    fields = d.get("respondent_fields", [])
    field_ids = [f["id"] for f in fields]
    for i, f in enumerate(fields):
        if f["id"] in RESERVED_NAMES:
            out.append(
                Problem(
                    f"respondent_fields[{i}].id", f"'{f['id']}' is reserved", "choose another id."
                )
            )
        if field_ids.index(f["id"]) != i:
            out.append(
                Problem(
                    f"respondent_fields[{i}].id",
                    f"the id '{f['id']}' is used twice",
                    "give each field its own id.",
                )
            )
        vals = f.get("values", [])
        norm = [normalise_text(v) for v in vals]
        for v in _duplicates(norm):
            out.append(
                Problem(
                    f"respondent_fields[{i}].values",
                    f"{vals[norm.index(v)]!r} is listed twice",
                    "list each value once.",
                )
            )
        for alias, target in f.get("aliases", {}).items():
            if normalise_text(target) not in norm:
                out.append(
                    Problem(
                        f"respondent_fields[{i}].aliases.{alias}",
                        f"{target!r} is not one of the field's values",
                        f"point the alias at one of: {', '.join(vals) or '(add values first)'}.",
                    )
                )
            elif normalise_text(alias) in norm:
                out.append(
                    Problem(
                        f"respondent_fields[{i}].aliases.{alias}",
                        "the alias is already one of the values",
                        "remove the alias.",
                    )
                )
    if "coverage_field" in d:
        cf = d["coverage_field"]
        match = [f for f in fields if f["id"] == cf]
        if not match:
            out.append(
                Problem(
                    "coverage_field",
                    f"'{cf}' is not one of the respondent fields",
                    f"use one of: {', '.join(field_ids) or '(add respondent_fields first)'}.",
                )
            )
        elif not match[0].get("values"):
            out.append(
                Problem(
                    "coverage_field",
                    f"the field '{cf}' has no list of values",
                    f"give '{cf}' its values (the levels to cover).",
                )
            )

    dim_ids = [dm["id"] for dm in d["dimensions"]]
    item_places: dict[str, str] = {}
    texts: dict[str, str] = {}
    has_reverse = False
    for i, dm in enumerate(d["dimensions"]):
        place = f"dimensions[{i}]"
        if dim_ids.index(dm["id"]) != i:
            out.append(
                Problem(
                    f"{place}.id",
                    f"the dimension id '{dm['id']}' is used twice",
                    "give each dimension its own id.",
                )
            )
        for j, item in enumerate(dm["items"]):
            ip = f"{place}.items[{j}]"
            iid = item["id"]
            if iid in RESERVED_NAMES or iid in field_ids:
                out.append(
                    Problem(
                        f"{ip}.id",
                        f"'{iid}' is also a column name for respondents",
                        "choose another item id.",
                    )
                )
            if iid in item_places:
                out.append(
                    Problem(
                        f"{ip}.id",
                        f"the item id '{iid}' is already used at {item_places[iid]}",
                        "give each item its own id.",
                    )
                )
            else:
                item_places[iid] = ip
            key = normalise_text(item["text"])
            if key in texts:
                out.append(
                    Problem(
                        f"{ip}.text",
                        f"the same wording is already used at {texts[key]}",
                        "word each item differently.",
                    )
                )
            else:
                texts[key] = ip
            has_reverse = has_reverse or bool(item.get("reverse", False))
        n_items = len(dm["items"])
        if dm.get("min_valid_answers", 1) > 10_000 * n_items:  # pragma: no cover - absurd values
            out.append(
                Problem(
                    f"{place}.min_valid_answers",
                    "the minimum is implausibly large",
                    "use a smaller number.",
                )
            )
    if has_reverse:
        asym = [v for v in values if (lo + hi - v) not in values]
        if asym:
            out.append(
                Problem(
                    "scale.points",
                    f"reverse-scored items need a symmetric scale, but {lo + hi - asym[0]} "
                    f"(the reverse of {asym[0]}) is not on it",
                    "use evenly spaced values such as 1-5, or set reverse: false on every item.",
                )
            )
    return out


def check_instrument_data(data: Any) -> list[Problem]:
    """Every problem with an instrument given as plain data (as parsed from YAML or JSON).

    An empty list means the data is a valid instrument.
    """
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        return [
            Problem(
                "(top level)",
                f"the file holds {kind}, not an instrument",
                "start the file with keys such as id:, title: and scale:.",
            )
        ]
    import jsonschema  # imported here: it takes seconds to import, and shipped instruments skip it

    validator = jsonschema.Draft202012Validator(instrument_schema())
    errors = sorted(
        validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator)
    )
    if errors:
        return [_schema_problem(e) for e in errors]
    return _semantic_problems(data)


def validate_instrument_data(
    data: Any, source: str = "<instrument>", trusted: bool = False
) -> None:
    """Raise :class:`InstrumentError` listing every problem, or return quietly.

    ``trusted`` data (the shipped instruments, which the test suite checks against the schema) skips
    the JSON Schema and gets only the other checks; should those trip over the data, the full
    check runs after all.
    """
    if trusted:
        try:
            problems = _semantic_problems(data)
        except Exception:  # noqa: BLE001 - malformed after all: fall back to the full check
            problems = None
        if problems == []:
            return
    problems = check_instrument_data(data)
    if problems:
        raise InstrumentError(source, problems)
