"""Benchmark reading a long-form ballot CSV against a plain parse of the same file.

Writes 1,000,000 long-form ballots (``ranking`` like ``C>A>B``, ``group`` like ``Council``;
numpy Generator with a fixed seed; each ballot ranks 1 to 5 of the options A-E) to a temporary
folder, then prints the time of, best of ``--repeat`` runs:

* (a) ``pandas.read_csv(path, dtype=str)``;
* (b) ``pyarrow.csv.read_csv(path)``, when pyarrow is installed;
* (c) ``partnership_tools.vote.ballots_csv.read_ballots_csv(path, options=[...])``, the kit's
  reader (decoding, dialect detection, layout, validation of every ballot);

and the ratio kit/pandas against the issue 9 target of 1.5. No assertions: it is not a test.

Run: ``python benchmarks/bench_read.py [--ballots N] [--seed S] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from partnership_tools.vote.ballots_csv import read_ballots_csv  # noqa: E402

OPTIONS = ("A", "B", "C", "D", "E")
GROUPS = ("Council", "Health", "Police", "Voluntary sector")
TARGET_RATIO = 1.5


def write_ballots(path: Path, n_ballots: int, seed: int) -> None:
    """A long-form ballot CSV of ``n_ballots`` random rankings (header ``ranking,group``)."""
    rng = np.random.default_rng(seed)
    k = len(OPTIONS)
    order = np.argsort(rng.random((n_ballots, k)), axis=1)  # a random permutation per ballot
    lengths = rng.integers(1, k + 1, size=n_ballots)
    groups = rng.integers(0, len(GROUPS), size=n_ballots)
    letters = np.array(OPTIONS)[order]
    lines = ["ranking,group\n"]
    for row, n, g in zip(letters.tolist(), lengths.tolist(), groups.tolist(), strict=True):
        lines.append(f"{'>'.join(row[:n])},{GROUPS[g]}\n")
    path.write_text("".join(lines), encoding="utf-8")


def best_time(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ballots.csv"
        write_ballots(path, args.ballots, args.seed)
        size_mb = path.stat().st_size / 1e6
        print(f"{args.ballots:,} long-form ballots, {size_mb:.1f} MB, seed {args.seed}")

        pandas_s = best_time(lambda: pd.read_csv(path, dtype=str), args.repeat)
        print(f"(a) pandas.read_csv(dtype=str):     {pandas_s:7.3f} s")
        try:
            import pyarrow.csv as pacsv  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            print("(b) pyarrow.csv.read_csv:           (pyarrow is not installed)")
        else:
            arrow_s = best_time(lambda: pacsv.read_csv(path), args.repeat)
            print(f"(b) pyarrow.csv.read_csv:           {arrow_s:7.3f} s")
        imp = read_ballots_csv(path, options=list(OPTIONS))
        kit_s = best_time(lambda: read_ballots_csv(path, options=list(OPTIONS)), args.repeat)
        print(f"(c) kit read_ballots_csv:           {kit_s:7.3f} s  ({imp.n_ballots:,} ballots)")
        print(f"ratio kit/pandas: {kit_s / pandas_s:.2f}x")
        print(f"target: within {TARGET_RATIO}x pandas")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
