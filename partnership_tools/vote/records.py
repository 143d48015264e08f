"""The vote classes' ``to_dict``/``from_dict``, through the kit's one cattrs converter.

:func:`lenient` registers, for one dataclass, a structure hook that first fills in what old or
hand-written records leave out (``fill``) and then lets cattrs build the class;
:func:`from_record` structures and, instead of cattrs' exception group, raises the first plain
error underneath (``KeyError`` for a missing key, ``ValueError`` from a class's own checks,
``TypeError``), which is what callers of ``from_dict`` have always caught.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Tag:
...     name: str
...     note: str = ""
>>> lenient(Tag, lambda d: {**d, "note": d.get("note") or ""})
>>> from_record(Tag, {"name": "a", "note": None})
Tag(name='a', note='')
>>> try:
...     from_record(Tag, {})
... except KeyError as exc:
...     print(repr(exc))
KeyError('name')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import cattrs
from cattrs.gen import make_dict_structure_fn

from partnership_tools.kernel.serial import converter

__all__ = ["from_record", "lenient", "to_record"]

T = TypeVar("T")


def to_record(obj: Any) -> dict[str, Any]:
    """``obj`` as JSON-safe data (the converter's output: tuples as lists)."""
    return converter.unstructure(obj)


def from_record(cls: type[T], d: Mapping[str, Any]) -> T:
    """Build ``cls`` from ``d``; raise the first underlying ``KeyError``/``ValueError``/...."""
    try:
        return converter.structure(d, cls)
    except cattrs.BaseValidationError as exc:
        raise _first_leaf(exc) from None


def _first_leaf(exc: BaseException) -> BaseException:
    while getattr(exc, "exceptions", None):
        exc = exc.exceptions[0]  # type: ignore[attr-defined]
    if hasattr(exc, "__notes__"):  # cattrs' "Structuring class ... @ attribute ..." notes
        del exc.__notes__
    return exc


def lenient(cls: type[T], fill: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Structure ``cls`` from ``fill(dict(d))``: defaults for keys old records lack."""
    base = make_dict_structure_fn(cls, converter)

    def structure(d: Mapping[str, Any], _: type) -> T:
        if not isinstance(d, Mapping):
            raise TypeError(f"A {cls.__name__} is read from a mapping, not {type(d).__name__}.")
        return base(fill(dict(d)), cls)

    converter.register_structure_hook(cls, structure)
