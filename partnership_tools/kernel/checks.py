"""Digests, checks and differences: what verifying a saved file is made of, for any kind of file.

>>> sha256_of({"b": 1, "a": 2}) == sha256_of({"a": 2, "b": 1})
True
>>> Verdict((Check("round 1", True), Check("round 2", False, "changed"))).lines()
['MATCH     round 1', 'DIFFERS   round 2: changed']
>>> differences({"winners": ["A"]}, {"winners": ["B"]})
['winners.0 was recorded as "A" but recounts as "B"']
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from partnership_tools.kernel.files import canonical_json
from partnership_tools.kernel.serial import converter, from_data, to_data

__all__ = [
    "Check",
    "Verdict",
    "close_enough",
    "differences",
    "digest_checks",
    "digest_of",
    "sha256_of",
]


def sha256_of(data: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``data``.

    >>> sha256_of({"b": 1, "a": 2}) == sha256_of({"a": 2, "b": 1})
    True
    """
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def digest_of(inputs: Any, results: Any) -> dict[str, str]:
    """The ``digest`` of a saved file: SHA-256 of the inputs, of the results, and of both.

    ``combined`` is ``sha256_of({"inputs": <inputs digest>, "results": <results digest>})``. Both
    parts go through a JSON round trip first, so the digest is the same in memory and after the
    file is read back.

    >>> d = digest_of({"ballots": [1]}, {"winners": ["A"]})
    >>> d["algorithm"], d["inputs"] == sha256_of({"ballots": [1]})
    ('sha256', True)
    >>> d["combined"] == sha256_of({"inputs": d["inputs"], "results": d["results"]})
    True
    """
    inputs = json.loads(json.dumps(inputs, allow_nan=False))
    results = json.loads(json.dumps(results, allow_nan=False))
    digest = {"algorithm": "sha256", "inputs": sha256_of(inputs), "results": sha256_of(results)}
    digest["combined"] = sha256_of({"inputs": digest["inputs"], "results": digest["results"]})
    return digest


@dataclass(frozen=True)
class Check:
    """One line of a verification verdict.

    >>> Check.from_dict({"part": "round 1", "ok": True})
    Check(part='round 1', ok=True, detail='')
    """

    part: str  # e.g. "round 1", "comparison 1-2", "inputs digest"
    ok: bool
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Check:
        return from_data(cls, d, source="the verdict")


@dataclass(frozen=True)
class Verdict:
    """Whether a saved file's recorded results still follow from its inputs.

    On disk (and in ``replay --json``): ``{"ok": bool, "recorded": bool, "checks": [Check, ...]}``;
    ``ok`` is derived and ignored when reading.

    >>> v = Verdict((Check("round 1", False, "changed"),))
    >>> v.to_dict()
    {'ok': False, 'recorded': True, 'checks': [{'part': 'round 1', 'ok': False, 'detail': 'changed'}]}
    >>> Verdict.from_dict(v.to_dict()) == v
    True
    """

    checks: tuple[Check, ...] = field(default_factory=tuple)
    recorded: bool = True

    @property
    def ok(self) -> bool:
        return self.recorded and all(c.ok for c in self.checks)

    def lines(self) -> list[str]:
        out = []
        if not self.recorded:
            out.append("NOT RECORDED  this file holds no recorded results to compare with.")
        for c in self.checks:
            out.append(
                f"{'MATCH' if c.ok else 'DIFFERS':<8}  {c.part}"
                + (f": {c.detail}" if c.detail else "")
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Verdict:
        return from_data(cls, d, source="the verdict")


def _unstructure_verdict(v: Verdict) -> dict[str, Any]:
    return {
        "ok": v.ok,
        "recorded": v.recorded,
        "checks": [converter.unstructure(c) for c in v.checks],
    }


def _structure_verdict(d: Mapping[str, Any], _: type) -> Verdict:
    checks = tuple(converter.structure(c, Check) for c in d.get("checks", []))
    return Verdict(checks, bool(d.get("recorded", True)))


def _structure_check(d: Mapping[str, Any], _: type) -> Check:
    return Check(str(d["part"]), bool(d["ok"]), str(d.get("detail", "")))


converter.register_unstructure_hook(Verdict, _unstructure_verdict)
converter.register_structure_hook(Verdict, _structure_verdict)
converter.register_structure_hook(Check, _structure_check)


def digest_checks(
    recorded: Mapping[str, Any], inputs_now: str, results_now: str, changed_inputs: str
) -> list[Check]:
    """The ``inputs digest`` and ``results digest`` checks of a verification.

    ``recorded`` is the file's ``digest``; ``inputs_now`` the digest of the inputs as read,
    ``results_now`` that of the results as recorded; ``changed_inputs`` names what an edit of the
    inputs would have changed.

    >>> [c.ok for c in digest_checks({"inputs": "a", "results": "b"}, "a", "c", "the ballots")]
    [True, False]
    """
    inputs_ok = recorded.get("inputs") == inputs_now
    results_ok = recorded.get("results") == results_now
    return [
        Check(
            "inputs digest",
            inputs_ok,
            "" if inputs_ok else f"{changed_inputs} were changed after the file was saved",
        ),
        Check(
            "results digest",
            results_ok,
            "" if results_ok else "the recorded results were edited after the file was saved",
        ),
    ]


# Keys a reader of a vote's recount cares about most, listed first when they differ.
_HEADLINES = ("winners", "condorcet_winner", "ballots", "options", "smith_set", "pairwise")


def close_enough(a: Any, b: Any, rel_tol: float = 1e-9, abs_tol: float = 1e-12) -> bool:
    """Equal JSON values, except that two numbers within ``rel_tol`` (relative) count as equal.

    >>> close_enough({"m": [2.0000000000001]}, {"m": [2]}), close_enough(True, 1)
    (True, False)
    """
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b and type(a) is type(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=rel_tol, abs_tol=abs_tol)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close_enough(a[k], b[k], rel_tol, abs_tol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(
            close_enough(x, y, rel_tol, abs_tol) for x, y in zip(a, b, strict=True)
        )
    return bool(a == b)


def _show_json(v: Any) -> str:
    return json.dumps(v)[:80]


def _dotted(parts: Sequence[str]) -> str:
    return ".".join(parts)


def differences(
    recorded: Any,
    recomputed: Any,
    path: str = "",
    limit: int = 5,
    *,
    verb: str = "recounts",
    depth: int | None = None,
    same: Callable[[Any, Any], bool] | None = None,
    show: Callable[[Any], str] = _show_json,
    name: Callable[[Sequence[str]], str] = _dotted,
    headlines: Sequence[str] | None = _HEADLINES,
) -> list[str]:
    """Plain descriptions of where two JSON values differ (at most ``limit``).

    Dicts are walked key by key (``headlines`` first, then sorted; ``headlines=None`` keeps the
    recorded order, then keys that newly arise), lists of equal length item by item, down to
    ``depth`` levels (all when None); below that, values are compared with ``same`` (``==`` when
    None). ``name`` turns the path of keys into the words that start a line; ``verb`` says how the
    value is obtained again ("recounts", "recomputes").

    >>> differences({"r": {"mean": 4.2}}, {"r": {"mean": 2.89}}, verb="recomputes", depth=2,
    ...             same=close_enough, name=lambda p: f"{p[0]}: {'.'.join(p[1:])}", headlines=None)
    ['r: mean was recorded as 4.2 but recomputes as 2.89']
    >>> differences({"a": 1}, {"b": 1})
    ['a was recorded as 1 but no longer arises', 'b was not recorded but is now 1']
    """
    out: list[str] = []
    equal = same or (lambda a, b: bool(a == b))
    base = [path.rstrip(".")] if path else []

    def keys(a: Mapping[Any, Any], b: Mapping[Any, Any]) -> list[Any]:
        if headlines is None:
            return list(a) + [k for k in b if k not in a]
        heads = tuple(headlines)

        def order(key: Any) -> tuple[int, str]:
            k = str(key)
            return (heads.index(k) if k in heads else len(heads), k)

        return sorted(set(a) | set(b), key=order)

    def walk(a: Any, b: Any, p: list[str]) -> None:
        if len(out) >= limit:
            return
        deeper = depth is None or len(p) < depth
        if deeper and isinstance(a, dict) and isinstance(b, dict):
            for k in keys(a, b):
                if len(out) >= limit:
                    return
                here = name([*p, str(k)])
                if k not in a:
                    out.append(f"{here} was not recorded but is now {show(b[k])}")
                elif k not in b:
                    out.append(f"{here} was recorded as {show(a[k])} but no longer arises")
                else:
                    walk(a[k], b[k], [*p, str(k)])
        elif deeper and isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                walk(x, y, [*p, str(i)])
        elif not equal(a, b):
            out.append(f"{name(p)} was recorded as {show(a)} but {verb} as {show(b)}")

    walk(recorded, recomputed, base)
    return out
