"""Recorded results and digests: what a saved session said, and whether its recount still says so.

When a session is saved, :func:`record_session` counts every round and compares consecutive rounds;
the file keeps those results, the counting settings, the kit version, and SHA-256 digests over the
canonical JSON of the inputs (the session) and of the results. :func:`verify_session_data` recounts
from the inputs and reports, round by round, whether the recorded results still hold.

The digests are unkeyed: they catch an edit to the inputs or the results that was not followed by
recomputing them, but anyone can recompute them (the kit does, every time it saves). Only the
file's signature (:mod:`partnership_tools.kernel.signing`, checked by the replay) shows who wrote
the file and that it has not changed since.

>>> from partnership_tools.vote.model import Ballot, Option, Round, Session
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

import json
from typing import Any

from partnership_tools.kernel.checks import (
    Check,
    Verdict,
    differences,
    digest_checks,
    digest_of,
    sha256_of,
)
from partnership_tools.kernel.files import canonical_json
from partnership_tools.vote.model import Session

# Every setting the count depends on, stored with the results so a reviewer knows the rules used.
COUNT_SETTINGS: dict[str, Any] = {
    "rule": "modified_borda_count",
    "mbc_points": "a ballot ranking m options gives m, m-1, ..., 1; unranked 0",
    "consensus_coefficient": "MBC points / (valid ballots x options on the paper)",
    "classic_borda": "rank k of n gets n-k; unranked 0",
    "pairwise": "a ranked option is above every unranked one; two unranked are not compared",
    "ties": "reported, never broken",
    "comparison": "coefficients follow lineage; a merged option compares with its strongest parent"
    " (the parent with the highest coefficient): that parent's points and coefficient",
}


#: The comparison rule's words in files saved before 2026-12-03 (merged options compared with
#: the sum of their parents' points): such files are recounted by that rule.
OLD_COMPARISON = (
    "coefficients follow lineage; merged options compare with the sum of their "
    "parents' points and the best parent's coefficient"
)


def rules_of(settings: Any) -> tuple[str, int]:
    """The comparison rule and the smallest group shown a file's recorded ``settings`` were
    counted with: files saved before these were recorded used the sum-of-parents comparison or
    showed every group (``1``).

    >>> rules_of({"comparison": OLD_COMPARISON})
    ('sum_of_parents', 1)
    >>> rules_of(dict(COUNT_SETTINGS, min_group_size=5))
    ('strongest_parent', 5)
    """
    said = settings if isinstance(settings, dict) else {}
    rule = "sum_of_parents" if said.get("comparison") == OLD_COMPARISON else "strongest_parent"
    k = said.get("min_group_size", 1)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        k = 1
    return rule, k


def count_session(
    session: Session, rule: str = "strongest_parent", k: int | None = None
) -> dict[str, Any]:
    """Count every round that has ballots (or is closed) and compare consecutive rounds
    (``rule``: the comparison rule; ``k``: the smallest group shown, default the session's).

    Returns ``{"rounds": {"1": RoundResult.to_dict(), ...}, "summaries": {"1": str},
    "comparisons": {"1-2": RoundComparison.to_dict()}}`` (JSON-safe).
    """
    from partnership_tools.vote.disclosure import min_group_size
    from partnership_tools.vote.summary import summarise
    from partnership_tools.vote.tally import compare_consecutive, tally_session

    results = tally_session(session)
    k = min_group_size(session) if k is None else k
    summaries = {str(n): summarise(res, session.threshold, None, k) for n, res in results.items()}
    comparisons = {
        f"{a}-{b}": c.to_dict() for (a, b), c in compare_consecutive(session, results, rule).items()
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
    from partnership_tools.kernel.version import __version__
    from partnership_tools.vote.disclosure import min_group_size

    results = count_session(session)
    settings = dict(COUNT_SETTINGS, min_group_size=min_group_size(session))
    digest = digest_of({"session": session.to_dict(), "settings": settings}, results)
    return {"kit_version": __version__, "settings": settings, "results": results, "digest": digest}


#: From this schema_version on, every session file the kit writes records its results.
RECORDING_VERSION = 2


def verify_session_data(session: Session, record: dict[str, Any]) -> Verdict:
    """Recount ``session`` and check it against ``record`` (the file's results and digest).

    A file with no recorded results has nothing to verify only when it was written at a
    schema_version that recorded none (``record["schema_version"]`` below
    :data:`RECORDING_VERSION`); a file of a later version always recorded them, so one without
    them has had them removed, and that differs.

    >>> from partnership_tools.vote.model import Option, Round, Session
    >>> s = Session(id="d", question="Q?", created_at="t", options=(Option("A", "a"),),
    ...             rounds=(Round(1, ("A",), "closed"),))
    >>> verify_session_data(s, {"schema_version": 1}).recorded
    False
    >>> v = verify_session_data(s, {"schema_version": 2})
    >>> v.recorded, v.ok, v.checks[0].part
    (True, False, 'recorded results')
    """
    recorded = record.get("results")
    digest = record.get("digest") or {}
    if not recorded:
        version = record.get("schema_version")
        if isinstance(version, int) and version >= RECORDING_VERSION:
            return Verdict(
                (
                    Check(
                        "recorded results",
                        False,
                        f"a schema_version {version} file always records its results and digest,"
                        " but this one holds none: they have been removed",
                    ),
                )
            )
        return Verdict((), recorded=False)
    # Recount by the rules the file records (a file saved under an earlier rule replays as it was
    # counted); the inputs digest covers those recorded settings.
    said = record.get("settings")
    rule, k = rules_of(said)
    if isinstance(said, dict):
        results_now = count_session(session, rule, k)
        fresh = {
            "results": results_now,
            "digest": digest_of({"session": session.to_dict(), "settings": said}, results_now),
        }
    else:
        fresh = record_session(session)
    checks = digest_checks(
        digest,
        fresh["digest"]["inputs"],
        sha256_of(recorded),
        "the ballots, options or settings",
    )
    now = fresh["results"]
    rounds = recorded.get("rounds") or {}
    for key in sorted(set(rounds) | set(now["rounds"]), key=int):
        a = rounds.get(key)
        b = now["rounds"].get(key)
        diffs = (
            _readable_differences(a, b) if a is not None and b is not None else ["round missing"]
        )
        checks.append(Check(f"round {key}", not diffs, "; ".join(diffs)))
    comparisons = recorded.get("comparisons") or {}
    for key in sorted(set(comparisons) | set(now["comparisons"])):
        a = comparisons.get(key)
        b = now["comparisons"].get(key)
        diffs = (
            _readable_differences(a, b)
            if a is not None and b is not None
            else ["comparison missing"]
        )
        checks.append(Check(f"comparison of rounds {key}", not diffs, "; ".join(diffs)))
    return Verdict(tuple(checks))


def by_id(value: Any) -> Any:
    """``value`` with every list of records that each carry a distinct ``id`` turned into a
    mapping by that id, all the way down: differences then name the option, not its place in
    a table that is sorted by points.

    >>> by_id({"options": [{"id": "E", "mbc": 3}, {"id": "A", "mbc": 2}]})
    {'options': {'E': {'id': 'E', 'mbc': 3}, 'A': {'id': 'A', 'mbc': 2}}}
    """
    if isinstance(value, dict):
        return {k: by_id(v) for k, v in value.items()}
    if isinstance(value, list):
        ids = [v.get("id") for v in value if isinstance(v, dict)]
        if (
            value
            and len(ids) == len(value)
            and None not in ids
            and len(set(map(str, ids))) == len(ids)
        ):
            return {str(v["id"]): by_id(v) for v in value}
        return [by_id(v) for v in value]
    return value


def _show_figure(v: Any) -> str:
    """A value as a difference shows it: numbers to 6 significant digits, the rest as JSON.

    >>> _show_figure(-0.30833333333333335), _show_figure(42), _show_figure("E")
    ('-0.308333', '42', '"E"')
    """
    if isinstance(v, float):
        return f"{v:.6g}"
    return json.dumps(v)[:80]


def _readable_differences(a: Any, b: Any) -> list[str]:
    return differences(by_id(a), by_id(b), show=_show_figure)
