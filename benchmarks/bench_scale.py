"""How far the participants' pages scale: voters through a real nginx on loopback, in front of 1, 2
and 3 participants' processes sharing a PostgreSQL store, beside one process on SQLite.

Each voter loads the ballot page (its own cookies), reads the form token and casts once, as a
phone does (tests/deploy/voters.py); a failed request is sent again with the same form token.
For each configuration the run prints ballots per second, whether every receipted ballot is
stored exactly once (ballots in the store == receipts, each receipt's ranking the one that voter
chose), the peak resident memory of each server process (``VmHWM``), the requests each process
answered, and the throughput relative to one PostgreSQL process. The issue's target is 15,000
voters within 5 minutes (50 ballots/s) on PostgreSQL on a 2-core machine; a shorter run is
extrapolated and says so.

    python3 benchmarks/bench_scale.py                      # 15,000 voters per configuration
    python3 benchmarks/bench_scale.py --voters 600         # a quick look
    python3 benchmarks/bench_scale.py --processes 3 --skip-sqlite

PostgreSQL: ``PT_BENCH_POSTGRES_URL``, else the server ``.ci/install`` starts (its URL file), else
a private cluster (tests/pg.py); a fresh database per configuration. The per-address rate limit
is raised for the run (every simulated voter comes from 127.0.0.1; ``PT_ADDRESS_LIMIT``), and the
processes trust nginx's ``X-Real-IP`` (``--trust-proxy``). Load generator and servers share the
machine's cores, so the figures are a floor for a machine where the voters are elsewhere.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import pg  # noqa: E402
from tests.deploy.nginx import PROXY_HOST, Nginx, ParticipantProcess  # noqa: E402
from tests.deploy.test_nginx import make_round, stored  # noqa: E402
from tests.deploy.voters import Voter, vote  # noqa: E402

TARGET_VOTERS = 15_000
TARGET_SECONDS = 300.0
ENV = {"PT_ADDRESS_LIMIT": "1000000/100000"}


def peak_mib(pid: int) -> int:
    """The process's peak resident memory (``VmHWM``), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return -1


def run_config(
    backend: str, n: int, voters: int, threads: int, cap: float, admin_url: str | None
) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"pt-scale-{backend}-{n}-"))
    if backend == "sqlite":
        target = str(tmp / "store.sqlite")
    else:
        assert admin_url is not None
        target = pg.create_database(admin_url)
    session_id = make_round(target)
    procs = [
        ParticipantProcess(target, tmp / f"p{i}", env=ENV, extra=["--trust-proxy"]).start()
        for i in range(n)
    ]
    proxy = Nginx(tmp / "nginx", [p.port for p in procs]).start()
    try:
        vote(PROXY_HOST, proxy.port, session_id, 10**7)  # one warm-up voter (counted below)
        deadline = time.monotonic() + cap
        done: list[Voter] = []

        def one(k: int) -> Voter | None:
            if time.monotonic() > deadline:
                return None
            return vote(PROXY_HOST, proxy.port, session_id, k)

        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            done = [v for v in pool.map(one, range(voters)) if v is not None]
        elapsed = time.perf_counter() - started
        count, by_receipt = stored(target, session_id)
        once = (
            count == len(done) + 1
            and len({v.receipt for v in done}) == len(done)
            and all(by_receipt.get(v.receipt) == v.ranking for v in done)
        )
        return {
            "backend": backend,
            "processes": n,
            "voters": len(done),
            "seconds": elapsed,
            "rate": len(done) / elapsed if elapsed else 0.0,
            "stored_once": once,
            "retries": sum(v.retries for v in done),
            "peak_mib": [peak_mib(p.proc.pid) for p in procs if p.proc is not None],
            "per_process": sorted(proxy.upstream_counts().values()),
            "capped": len(done) < voters,
        }
    finally:
        proxy.stop()
        for p in procs:
            p.stop()
        if backend == "postgresql" and admin_url is not None:
            pg.drop_database(admin_url, pg.database_of(target))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--voters", type=int, default=TARGET_VOTERS)
    ap.add_argument("--concurrency", type=int, default=16, help="voters at once (threads)")
    ap.add_argument("--processes", default="1,2,3", help="participants' processes, e.g. 1,2,3")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--cap", type=float, default=360.0, help="stop a configuration after S s")
    args = ap.parse_args(argv)
    counts = [int(x) for x in args.processes.split(",") if x.strip()]
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    if os.environ.get("PT_BENCH_POSTGRES_URL"):
        os.environ["PT_TEST_POSTGRES_URL"] = os.environ["PT_BENCH_POSTGRES_URL"]
    admin_url, cluster = pg.resolve_postgres_url()
    configs = [("postgresql", n) for n in counts]
    if not args.skip_sqlite:
        configs.append(("sqlite", 1))
    rows = []
    try:
        for backend, n in configs:
            row = run_config(backend, n, args.voters, args.concurrency, args.cap, admin_url)
            rows.append(row)
            print(
                f"{backend:10s} {n} process(es): {row['voters']} voters in {row['seconds']:.1f} s"
                f" = {row['rate']:.1f} ballots/s; stored exactly once: {row['stored_once']};"
                f" retries {row['retries']}; peak MiB per process {row['peak_mib']};"
                f" requests per process {row['per_process']}"
                + ("  (stopped at the time cap)" if row["capped"] else ""),
                flush=True,
            )
    finally:
        if cluster is not None:
            cluster.stop()
    base = next((r["rate"] for r in rows if r["backend"] == "postgresql"), 0.0) or 1.0
    print("\nbackend     procs  voters  seconds  ballots/s  vs 1 PG  15,000 in 5 min?")
    for r in rows:
        need = TARGET_VOTERS / r["rate"] if r["rate"] else float("inf")
        verdict = "yes" if need <= TARGET_SECONDS else "no"
        how = "" if r["voters"] >= TARGET_VOTERS else f" (extrapolated: {need:.0f} s)"
        print(
            f"{r['backend']:10s}  {r['processes']:5d}  {r['voters']:6d}  {r['seconds']:7.1f}"
            f"  {r['rate']:9.1f}  {r['rate'] / base:6.2f}x  {verdict}{how}"
        )
    return 0 if all(r["stored_once"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
