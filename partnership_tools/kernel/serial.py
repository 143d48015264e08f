"""One serialiser for every frozen dataclass the kit saves: cattrs, with JSON-safe output.

Tuples become lists, ``None`` stays ``null``, and field order follows the dataclass, so
``canonical_json(to_data(obj))`` is stable. A module whose class needs a different shape on disk
(a renamed key, a derived field, a lenient reader for old files) registers a hook on
:data:`converter` next to the class, not here.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Point:
...     label: str
...     at: tuple[int, ...] = ()
>>> to_data(Point("a", (1, 2)))
{'label': 'a', 'at': [1, 2]}
>>> from_data(Point, {"label": "a", "at": [1, 2]})
Point(label='a', at=(1, 2))
>>> try:
...     from_data(Point, {"at": [1]}, source="points.json")
... except SerialError as exc:
...     print(exc)
points.json does not hold a valid Point (label is missing).
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from partnership_tools.kernel.errors import PlainError

T = TypeVar("T")

converter = cattrs.Converter(unstruct_collection_overrides={tuple: list})
"""The kit's converter. Register class-specific hooks on it beside the class they serve."""


class SerialError(PlainError, ValueError):
    """Data that does not have the shape of the class asked for, as one plain sentence."""


def to_data(obj: Any) -> Any:
    """``obj`` as plain JSON-safe data (dicts, lists, str, int, float, bool, None)."""
    return converter.unstructure(obj)


def _reason(exc: BaseException) -> str:
    messages = cattrs.transform_error(exc) if isinstance(exc, cattrs.BaseValidationError) else []
    if messages:
        first = messages[0]
        # cattrs says e.g. "required field missing @ $.label"
        if "required field missing" in first and "@ $." in first:
            return f"{first.split('@ $.', 1)[1]} is missing"
        return first.replace("@ $.", "at ").replace("@ $", "")
    return str(exc) or type(exc).__name__


def from_data(cls: type[T], data: Any, *, source: str = "the data") -> T:
    """Build ``cls`` from plain data; raise :class:`SerialError` naming ``source`` and the field.

    Raises:
        SerialError: when a field is missing or has the wrong type, or the class refuses the
            values (its ``__post_init__`` raised ``ValueError``).
    """
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        raise SerialError(
            f"{source} does not hold a valid {cls.__name__} ({_reason(exc)})."
        ) from None
