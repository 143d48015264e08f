"""Benchmark of the saved review file: its size before and after the compact record, and replay.

Data: the shipped ten-lessons instrument (30 statements in 10 dimensions) and ``n`` generated
respondents (5, 100 and 1,000 by default), half in each of two waves, each speaking for one of
four levels, answers drawn with a fixed seed (2% blank, 4% don't know, 2% not applicable, the rest
1 to 5), scored by level with the change between the waves.

For each ``n`` it prints the bytes of the file as the kit saves it now (schema_version 3: the
figures written once, a digest per dimension and wave) and as it saved it before (schema_version 2:
the whole ``ReviewResult.to_dict()``, every table with every label), the bytes of the recorded
result in each, and the time to replay each file (best of ``--repeat``; reading, scoring again and
comparing, as ``partnership-tools replay`` does). Target (issue 11): a 100-respondent file under
200 KB that replays MATCH.

Run: ``python benchmarks/bench_review_file.py [--sizes 5,100,1000] [--repeat 3]``. Exit status 1
when the target is missed or a file does not replay MATCH.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from partnership_tools.kernel.checks import digest_of
from partnership_tools.kernel.files import atomic_write_text, canonical_json
from partnership_tools.reports.review_replay import replay_review_file
from partnership_tools.review import (
    ActionItem,
    ActionPlan,
    Instrument,
    Responses,
    Review,
    ReviewSettings,
    load_instrument,
    write_review,
)
from partnership_tools.review.reviewfile import review_inputs

LEVELS = ("Policy maker", "Manager", "Front-line worker", "Citizen or community activist")
PARTNERS = ("Central government", "Local statutory body", "Voluntary or community organisation")
TARGET_BYTES = 200_000
TARGET_N = 100


def generated_review(inst: Instrument, n: int, seed: int = 11) -> Review:
    """``n`` respondents to ``inst`` (see the module docstring), not yet scored."""
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n):
        rec: dict[str, object] = {
            "respondent_id": f"p{i + 1:04d}",
            "wave": "phase one" if i < n // 2 else "phase two",
            "level": LEVELS[int(rng.integers(len(LEVELS)))],
            "partner_type": PARTNERS[int(rng.integers(len(PARTNERS)))],
        }
        for item in inst.item_ids:
            r = rng.random()
            rec[item] = (
                None if r < 0.02 else 8 if r < 0.06 else 9 if r < 0.08 else int(rng.integers(1, 6))
            )
        records.append(rec)
    return Review(
        f"bench-{n}",
        f"Benchmark review of {n}",
        inst,
        Responses.from_records(inst, records),
        settings=ReviewSettings(by="level", before="phase one", after="phase two"),
        action_plan=ActionPlan((ActionItem("people", "Agree a pooled budget", "Finance leads"),)),
        created_at="2024-05-01T10:00:00Z",
    )


def old_format_text(review: Review) -> str:
    """The file as schema_version 2 saved it: the whole result recorded, its digest over it."""
    from partnership_tools.kernel.version import __version__

    whole = json.loads(json.dumps(review.score().to_dict(), allow_nan=False))
    data = review.to_dict()
    data.update(schema_version=2, result=whole, kit_version=__version__, digest=None)
    data["digest"] = digest_of(review_inputs(data), whole)
    return canonical_json(data)


def best_replay(path: Path, repeat: int) -> tuple[float, bool]:
    best, ok = float("inf"), True
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = replay_review_file(path)
        best = min(best, time.perf_counter() - t0)
        ok = ok and result.verdict.ok
    return best, ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--sizes", default="5,100,1000", help="respondent counts, comma-separated")
    ap.add_argument("--repeat", type=int, default=3, help="replays of each file (best kept)")
    args = ap.parse_args(argv)
    inst = load_instrument("ten_lessons")
    missed = False
    head = (
        f"{'respondents':>11}  {'old file':>11}  {'new file':>11}  {'old result':>11}"
        f"  {'new result':>11}  {'old replay':>10}  {'new replay':>10}  verdicts"
    )
    print(head)
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.sizes.split(",")):
            review = generated_review(inst, n)
            new_path = write_review(review.with_result(), Path(tmp) / f"new{n}.json")
            old_path = Path(tmp) / f"old{n}.json"
            atomic_write_text(old_path, old_format_text(review))
            sizes = [p.stat().st_size for p in (old_path, new_path)]
            results = [
                len(canonical_json(json.loads(p.read_text(encoding="utf-8"))["result"]).encode())
                for p in (old_path, new_path)
            ]
            (t_old, ok_old), (t_new, ok_new) = (
                best_replay(p, args.repeat) for p in (old_path, new_path)
            )
            verdicts = f"{'MATCH' if ok_old else 'DIFFERS'}/{'MATCH' if ok_new else 'DIFFERS'}"
            print(
                f"{n:>11,}  {sizes[0]:>11,}  {sizes[1]:>11,}  {results[0]:>11,}  {results[1]:>11,}"
                f"  {t_old:>9.3f}s  {t_new:>9.3f}s  {verdicts}"
            )
            missed = missed or not (ok_old and ok_new)
            if n == TARGET_N and sizes[1] >= TARGET_BYTES:
                missed = True
    print(f"Target: a {TARGET_N}-respondent file under {TARGET_BYTES:,} bytes, replaying MATCH.")
    print("Missed." if missed else "Met.")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
