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
from dataclasses import dataclass, field
from typing import Any

from partnership_tools.kernel.files import canonical_json


def sha256_of(data: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``data``.

    >>> sha256_of({"b": 1, "a": 2}) == sha256_of({"a": 2, "b": 1})
    True
    """
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Check:
    """One line of a verification verdict."""

    part: str  # e.g. "round 1", "comparison 1-2", "inputs digest"
    ok: bool
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"part": self.part, "ok": self.ok, "detail": self.detail}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Check:
        return cls(str(d["part"]), bool(d["ok"]), str(d.get("detail", "")))


@dataclass(frozen=True)
class Verdict:
    """Whether a saved file's recorded results still follow from its inputs."""

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
        return {
            "ok": self.ok,
            "recorded": self.recorded,
            "checks": [c.to_dict() for c in self.checks],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Verdict:
        return cls(
            tuple(Check.from_dict(c) for c in d.get("checks", [])), bool(d.get("recorded", True))
        )


# Keys a reader of a vote's recount cares about most, listed first when they differ.
_HEADLINES = ("winners", "condorcet_winner", "ballots", "options", "smith_set", "pairwise")


def _headline_first(key: Any) -> tuple[int, str]:
    """Sort keys so the differences a reader cares about most come first."""
    k = str(key)
    return (_HEADLINES.index(k) if k in _HEADLINES else len(_HEADLINES), k)


def differences(recorded: Any, recomputed: Any, path: str = "", limit: int = 5) -> list[str]:
    """Plain descriptions of where two JSON values differ (at most ``limit``)."""
    out: list[str] = []

    def walk(a: Any, b: Any, p: str) -> None:
        if len(out) >= limit:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b), key=_headline_first):
                if k not in a:
                    out.append(f"{p}{k} was not recorded but is now {json.dumps(b[k])[:80]}")
                elif k not in b:
                    out.append(
                        f"{p}{k} was recorded as {json.dumps(a[k])[:80]} but no longer arises"
                    )
                else:
                    walk(a[k], b[k], f"{p}{k}.")
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                walk(x, y, f"{p}{i}.")
        elif a != b:
            out.append(
                f"{p.rstrip('.')} was recorded as {json.dumps(a)[:80]} but recounts as {json.dumps(b)[:80]}"
            )

    walk(recorded, recomputed, path)
    return out
