"""Benchmark of the review engine: full scoring and CSV import at scale.

Data: an instrument of 40 items (8 dimensions of 5, two reverse-worded each), a grouping field with
6 groups, and two waves of ``--per-wave`` responses each (default 100,000, so 200,000 in all), with
about 3% blanks, 4% "don't know" and 1% "not applicable". Targets on this machine: full scoring
(:func:`score_review` with groups, gaps, the change between waves, coverage and findings) under 2 s;
importing a 100,000-row CSV under 10 s.

Run: ``python benchmarks/bench_review.py [--per-wave N] [--repeat R]``. Prints each timing (best of
R), its target and the ratio timing / target (below 1 is within target).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from partnership_tools.review import (
    Instrument,
    Responses,
    read_responses,
    score_dimensions,
    score_review,
)

GROUPS = ("North", "South", "East", "West", "Central", "Coast")
TARGET_SCORE = 2.0
TARGET_IMPORT = 10.0


def bench_instrument() -> Instrument:
    dims = []
    for d in range(8):
        items = [
            {
                "id": f"d{d}i{i}",
                "text": f"Statement {i + 1} about topic {d + 1}.",
                "reverse": i >= 3,
            }
            for i in range(5)
        ]
        dims.append(
            {"id": f"d{d}", "title": f"Topic {d + 1}", "min_valid_answers": 10, "items": items}
        )
    return Instrument.from_dict(
        {
            "id": "bench",
            "title": "Benchmark instrument",
            "version": "1",
            "citation": "Benchmark",
            "licence": "CC BY 4.0",
            "coverage_field": "region",
            "scale": {
                "points": [{"value": v, "label": f"Point {v}"} for v in range(1, 6)],
                "positive": [4, 5],
                "negative": [1, 2],
                "dont_know": {"code": 8, "label": "Don't know"},
                "not_applicable": {"code": 9, "label": "Not applicable"},
            },
            "bands": {"strength": 4.0, "discuss": 3.0},
            "respondent_fields": [{"id": "region", "label": "Region", "values": list(GROUPS)}],
            "dimensions": dims,
        }
    )


def make_frame(inst: Instrument, per_wave: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 2 * per_wave
    items = inst.item_ids
    x = rng.integers(1, 6, size=(n, len(items))).astype(float)
    roll = rng.random(size=x.shape)
    x[roll < 0.04] = 8
    x[(roll >= 0.04) & (roll < 0.05)] = 9
    x[(roll >= 0.05) & (roll < 0.08)] = np.nan
    frame = pd.DataFrame(x, columns=list(items))
    frame.insert(0, "region", rng.choice(GROUPS, size=n))
    frame.insert(0, "wave", np.repeat(["wave 1", "wave 2"], per_wave))
    frame.insert(0, "respondent_id", [f"r{i}" for i in range(n)])
    return frame


def best_of(repeat: int, fn) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def report(name: str, seconds: float, target: float) -> None:
    print(f"{name:<44} {seconds:8.3f} s   target {target:5.1f} s   ratio {seconds / target:5.2f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-wave", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    inst = bench_instrument()
    frame = make_frame(inst, args.per_wave)
    responses = Responses.from_frame(frame, inst)
    n = responses.n
    print(
        f"{n:,} responses ({args.per_wave:,} per wave) x {len(inst.items)} items x {len(GROUPS)} groups, 2 waves"
    )

    t, _ = best_of(args.repeat, lambda: score_dimensions(responses, inst, by="region"))
    report("score_dimensions (by group, both waves)", t, TARGET_SCORE)
    t, result = best_of(args.repeat, lambda: score_review(responses, inst, by="region"))
    report("score_review (everything)", t, TARGET_SCORE)
    assert len(result.dimensions) == 2 * (len(GROUPS) + 1) * len(inst.dimensions)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "responses.csv"
        one_wave = frame[frame["wave"] == "wave 1"].drop(columns="wave")
        one_wave.to_csv(path, index=False, float_format="%.0f")
        size_mb = path.stat().st_size / 1e6
        t, imp = best_of(args.repeat, lambda: read_responses(path, inst, wave="wave 1"))
        report(f"read_responses ({len(one_wave):,}-row CSV, {size_mb:.1f} MB)", t, TARGET_IMPORT)
        assert imp.responses.n == len(one_wave) and not imp.invalid_cells
        labelled = one_wave.copy()
        for c in inst.item_ids:  # the same answers written as labels, as some forms export them
            labelled[c] = labelled[c].map(lambda v: "" if v != v else inst.scale.label_for(int(v)))
        labelled.to_csv(path, index=False)
        t, imp = best_of(args.repeat, lambda: read_responses(path, inst, wave="wave 1"))
        report("read_responses (same, answers as labels)", t, TARGET_IMPORT)
        assert imp.responses.n == len(one_wave) and not imp.invalid_cells


if __name__ == "__main__":
    main()
