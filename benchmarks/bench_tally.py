"""Benchmark the Crowd Wise counting engine.

Builds 1,000,000 random ballots (numpy Generator, explicit seed) over 10 options, each ranking a
random number of options (1 to 10), with 4 stakeholder groups (and about 2% of voters giving no
group), then prints plain figures:

* ``count_round`` (MBC, coefficients, classic Borda, first preferences, rank counts, pairwise
  matrix, Condorcet winner and Smith set, per-group figures), best of 3, against a 1 s target;
* ``partnership_tools.vote.ballots_csv.read_ballots_csv`` on the same ballots written as a long-form
  CSV (``ranking`` like ``C>A>B``, ``group``), against a 5 s target (skipped if the module is not
  there yet);
* a pure-Python reference count over 20,000 of the ballots, and the per-ballot speed ratio.

Run: ``python benchmarks/bench_tally.py [--ballots N] [--seed S]``. No assertions on time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from partnership_tools.vote.ballots import BallotMatrix  # noqa: E402
from partnership_tools.vote.count import count_round  # noqa: E402

OPTION_IDS = tuple("ABCDEFGHIJ")
GROUP_NAMES = ("Policy makers", "Managers", "Front-line workers", "Citizens")
COUNT_TARGET_S = 1.0
CSV_TARGET_S = 5.0
REFERENCE_BALLOTS = 20_000


def random_ballots(n_ballots: int, seed: int) -> BallotMatrix:
    """Uniformly random rankings, truncated to a uniformly random length 1..n, random groups."""
    rng = np.random.default_rng(seed)
    n = len(OPTION_IDS)
    ranks = (rng.random((n_ballots, n)).argsort(axis=1).argsort(axis=1) + 1).astype(np.int8)
    m = rng.integers(1, n + 1, size=n_ballots)
    ranks[ranks > m[:, None]] = 0
    codes = rng.integers(0, len(GROUP_NAMES), size=n_ballots).astype(np.int32)
    codes[rng.random(n_ballots) < 0.02] = -1
    return BallotMatrix(OPTION_IDS, ranks, codes, GROUP_NAMES)


def write_long_csv(matrix: BallotMatrix, path: Path) -> None:
    """Write ``ranking`` (``C>A>B``; single-letter ids) and ``group`` columns, vectorised."""
    import pandas as pd

    ranks = matrix.ranks
    n_ballots, n = ranks.shape
    m = np.count_nonzero(ranks, axis=1)
    order = np.where(ranks > 0, ranks, n + 1).argsort(axis=1, kind="stable")
    letters = np.frombuffer("".join(OPTION_IDS).encode("ascii"), dtype=np.uint8)[order]
    width = 2 * n - 1
    buf = np.full((n_ballots, width), ord(">"), dtype=np.uint8)
    buf[:, 0::2] = letters
    buf[np.arange(width)[None, :] >= (2 * m - 1)[:, None]] = 0  # trailing NULs are stripped
    rankings = pd.Series(buf.view(f"S{width}").ravel()).str.decode("ascii")
    groups = np.array([*GROUP_NAMES, ""], dtype=object)[matrix.group_codes]
    pd.DataFrame({"ranking": rankings, "group": groups}).to_csv(path, index=False)


def reference_count(option_ids, rankings, groups):
    """Pure-Python count of the same figures: MBC, Borda, first preferences, rank counts,
    pairwise and per-group MBC (the loop ``count_round`` replaces)."""
    n = len(option_ids)
    mbc = dict.fromkeys(option_ids, 0)
    borda = dict.fromkeys(option_ids, 0)
    first = dict.fromkeys(option_ids, 0)
    rank_counts = {o: [0] * n for o in option_ids}
    pair = {x: dict.fromkeys(option_ids, 0) for x in option_ids}
    by_group: dict[str | None, dict[str, int]] = {}
    for ranking, group in zip(rankings, groups, strict=True):
        m = len(ranking)
        gpts = by_group.setdefault(group, dict.fromkeys(option_ids, 0))
        for k, o in enumerate(ranking, start=1):
            mbc[o] += m - k + 1
            gpts[o] += m - k + 1
            borda[o] += n - k
            rank_counts[o][k - 1] += 1
            if k == 1:
                first[o] += 1
        ranked = set(ranking)
        for i, x in enumerate(ranking):
            row = pair[x]
            for y in ranking[i + 1 :]:
                row[y] += 1
            for y in option_ids:
                if y not in ranked:
                    row[y] += 1
    return mbc, borda, first, rank_counts, pair, by_group


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240501)
    args = parser.parse_args(argv)

    print(f"cpus: {os.cpu_count()}, numpy {np.__version__}, python {sys.version.split()[0]}")
    t0 = time.perf_counter()
    matrix = random_ballots(args.ballots, args.seed)
    print(
        f"built {matrix.n_ballots:,} ballots x {matrix.n_options} options "
        f"in {time.perf_counter() - t0:.2f} s (seed {args.seed})"
    )

    count_s, result = best_of(lambda: count_round(matrix))
    print(
        f"count_round: {count_s:.3f} s (best of 3); target {COUNT_TARGET_S:.0f} s, "
        f"ratio to target {count_s / COUNT_TARGET_S:.2f}"
    )
    print(
        f"  winners {result.winners}, top coefficient {result.top_consensus:.4f}, "
        f"Condorcet winner {result.condorcet_winner}, Smith set {result.smith_set}"
    )
    unchecked_s, _ = best_of(lambda: count_round(matrix, validate=False))
    print(f"count_round(validate=False): {unchecked_s:.3f} s (best of 3)")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ballots.csv"
        t0 = time.perf_counter()
        write_long_csv(matrix, path)
        print(
            f"wrote long-form CSV ({path.stat().st_size / 1e6:.1f} MB) "
            f"in {time.perf_counter() - t0:.2f} s"
        )
        try:
            from partnership_tools.vote.ballots_csv import read_ballots_csv
        except ImportError as exc:
            print(f"read_ballots_csv: skipped ({exc})")
        else:
            try:
                t0 = time.perf_counter()
                imported = read_ballots_csv(path, options=list(OPTION_IDS))
                csv_s = time.perf_counter() - t0
                print(
                    f"read_ballots_csv: {csv_s:.3f} s (one run); target {CSV_TARGET_S:.0f} s, "
                    f"ratio to target {csv_s / CSV_TARGET_S:.2f}"
                )
                again = count_round(imported.matrix)
                same = (
                    again.ballots == result.ballots
                    and again.mbc == result.mbc
                    and again.pairwise == result.pairwise
                )
                print(f"  counted {again.ballots:,} ballots from the CSV; same result: {same}")
            except Exception as exc:  # report, but keep the benchmark running
                print(f"read_ballots_csv: failed ({type(exc).__name__}: {exc})")

    k = min(REFERENCE_BALLOTS, matrix.n_ballots)
    sample = matrix.subset(np.arange(matrix.n_ballots) < k)
    rankings, groups = sample.rankings(), sample.groups()
    ref_s, ref = best_of(lambda: reference_count(OPTION_IDS, rankings, groups), repeat=1)
    fast_sample = count_round(sample)
    agrees = ref[0] == fast_sample.mbc and all(
        ref[4][x][y] == fast_sample.pairwise[x][y] for x in OPTION_IDS for y in OPTION_IDS if x != y
    )
    per_ref = ref_s / k
    per_fast = count_s / matrix.n_ballots
    print(
        f"pure-Python reference: {ref_s:.3f} s for {k:,} ballots "
        f"({per_ref * 1e6:.2f} us/ballot); numpy {per_fast * 1e6:.3f} us/ballot; "
        f"speed ratio {per_ref / per_fast:.0f}x; reference agrees: {agrees}"
    )


if __name__ == "__main__":
    main()
