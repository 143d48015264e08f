"""Recorded results and digests: what a saved session said, and proof it was not edited since.

When a session is saved, :func:`record_session` counts every round and compares consecutive rounds;
the file keeps those results, the counting settings, the kit version, and SHA-256 digests over the
canonical JSON of the inputs (the session) and of the results. :func:`verify_session_data` recounts
from the inputs and reports, round by round, whether the recorded results still hold.

>>> from partnership_tools.model import Ballot, Option, Round, Session
>>> s = Session(id="d", question="Q?", created_at="t",
...             options=(Option("A", "a"), Option("B", "b")),
...             rounds=(Round(1, ("A", "B"), "closed", (Ballot(("A",), submitted_at="t"),)),))
>>> rec = record_session(s)
>>> rec["results"]["rounds"]["1"]["winners"]
['A']
>>> verify_session_data(s, rec).ok
True
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from partnership_tools.fileio import canonical_json
from partnership_tools.model import Session

# Every setting the count depends on, stored with the results so a reviewer knows the rules used.
COUNT_SETTINGS: dict[str, Any] = {
    "rule": "modified_borda_count",
    "mbc_points": "a ballot ranking m options gives m, m-1, ..., 1; unranked 0",
    "consensus_coefficient": "MBC points / (valid ballots x options on the paper)",
    "classic_borda": "rank k of n gets n-k; unranked 0",
    "pairwise": "a ranked option is above every unranked one; two unranked are not compared",
    "ties": "reported, never broken",
    "comparison": "coefficients follow lineage; merged options compare with the sum of their "
    "parents' points and the best parent's coefficient",
}


def sha256_of(data: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``data``.

    >>> sha256_of({"b": 1, "a": 2}) == sha256_of({"a": 2, "b": 1})
    True
    """
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def count_session(session: Session) -> dict[str, Any]:
    """Count every round that has ballots (or is closed) and compare consecutive rounds.

    Returns ``{"rounds": {"1": RoundResult.to_dict(), ...}, "summaries": {"1": str},
    "comparisons": {"1-2": RoundComparison.to_dict()}}`` (JSON-safe).
    """
    from partnership_tools.summary import summarise
    from partnership_tools.tally import compare_consecutive, tally_session

    results = tally_session(session)
    summaries = {str(n): summarise(res, session.threshold) for n, res in results.items()}
    comparisons = {
        f"{a}-{b}": c.to_dict() for (a, b), c in compare_consecutive(session, results).items()
    }
    # A JSON round trip makes the in-memory record identical to what a file gives back.
    return json.loads(
        canonical_json(
            {
                "rounds": {str(n): res.to_dict() for n, res in results.items()},
                "summaries": summaries,
                "comparisons": comparisons,
            }
        )
    )


def record_session(session: Session) -> dict[str, Any]:
    """The ``results``, ``settings``, ``kit_version`` and ``digest`` parts of a session file."""
    from partnership_tools import __version__

    results = count_session(session)
    inputs = session.to_dict()
    settings = dict(COUNT_SETTINGS)
    digest = {
        "algorithm": "sha256",
        "inputs": sha256_of({"session": inputs, "settings": settings}),
        "results": sha256_of(results),
    }
    digest["combined"] = sha256_of({"inputs": digest["inputs"], "results": digest["results"]})
    return {"kit_version": __version__, "settings": settings, "results": results, "digest": digest}


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


_HEADLINES = ("winners", "condorcet_winner", "ballots", "options", "smith_set", "pairwise")


def _headline_first(key: Any) -> tuple[int, str]:
    """Sort keys so the differences a reader cares about most come first."""
    k = str(key)
    return (_HEADLINES.index(k) if k in _HEADLINES else len(_HEADLINES), k)


def _differences(recorded: Any, recomputed: Any, path: str = "", limit: int = 5) -> list[str]:
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


def verify_session_data(session: Session, record: dict[str, Any]) -> Verdict:
    """Recount ``session`` and check it against ``record`` (the file's results and digest)."""
    recorded = record.get("results")
    digest = record.get("digest") or {}
    if not recorded:
        return Verdict((), recorded=False)
    fresh = record_session(session)
    checks: list[Check] = []
    inputs_ok = digest.get("inputs") == fresh["digest"]["inputs"]
    checks.append(
        Check(
            "inputs digest",
            inputs_ok,
            ""
            if inputs_ok
            else "the ballots, options or settings were changed after the file was saved",
        )
    )
    results_digest_ok = digest.get("results") == sha256_of(recorded)
    checks.append(
        Check(
            "results digest",
            results_digest_ok,
            ""
            if results_digest_ok
            else "the recorded results were edited after the file was saved",
        )
    )
    now = fresh["results"]
    for key in sorted(set(recorded.get("rounds", {})) | set(now["rounds"]), key=int):
        a = recorded.get("rounds", {}).get(key)
        b = now["rounds"].get(key)
        diffs = _differences(a, b) if a is not None and b is not None else ["round missing"]
        checks.append(Check(f"round {key}", not diffs, "; ".join(diffs)))
    for key in sorted(set(recorded.get("comparisons", {})) | set(now["comparisons"])):
        a = recorded.get("comparisons", {}).get(key)
        b = now["comparisons"].get(key)
        diffs = _differences(a, b) if a is not None and b is not None else ["comparison missing"]
        checks.append(Check(f"comparison of rounds {key}", not diffs, "; ".join(diffs)))
    return Verdict(tuple(checks))
