"""Benchmark the apps served by ``partnership-tools serve`` (a real server on a free port).

Benchmarks (each a function registered with ``@benchmark``; run all or pick with ``--only``):

* ``ballot_tti``: the ballot page's time to interactive (from navigation start until its rank
  selects are rendered, measured inside the page on the first animation frame showing them) in
  headless chromium, fresh browser context each load, against a blank Voilà notebook served by the
  same server (until Voilà has run the notebook, removed its spinner and shown the cells).
  Targets: ballot median under 0.5 s, and at least 10 times faster than the blank Voilà page.
* ``apps_tti``: the facilitator's and projector's time to interactive, and how soon the projector's
  live count shows the last of a burst of ballots (target: within 5 s). Every app load here and
  below waits first until a preheated kernel waits for it (``app_times``).
* ``review_tti``: the review app's time to usable beside a blank Voilà page (target: under 3 s).
* ``apps_usable``: in a fresh server, once its preheated kernels wait for their pages: each app's
  time to usable (facilitator, projector with an open round, review, replay of the sample file)
  beside a blank Voilà page served by the same server (not preheated: the floor of an ordinary
  Voilà page), as a ratio; before each load the app's pool is given time to refill (a page loaded
  while it refills waits for the kernel). Targets: each app under 2 s; the idle server's memory
  (resident set of the server and every kernel it started) under 1 GiB.
* ``ballot_load``: N simulated participants (default 1,500), each on its own HTTP connection from a
  pool of concurrent clients on loopback, load the ballot page (HTML, CSS, script), review and cast
  one ballot, in a fresh server. Targets: all within 5 minutes, every ballot stored exactly once
  (the stored multiset equals the one sent), no error, the server's peak resident memory (VmHWM of
  the server process) under 500 MiB.

Adding a benchmark (e.g. the facilitator or projector apps): write
``@benchmark("facilitator_tti", needs_browser=True) def bench_x(ctx: Context) -> list[Figure]``;
``ctx.server`` is a running :class:`ServerProcess` serving ``ctx.notebooks`` (a copy of the repo's
``notebooks/`` plus ``blank.ipynb``), ``ctx.store`` its store, ``ctx.browser`` a chromium (lazy),
and :func:`time_to_ready` times page loads until a selector shows.

Run: ``python benchmarks/bench_apps.py [--only ballot_tti,ballot_load] [--participants 1500]
[--concurrency 100] [--runs 10] [--pool-timeout 120] [--json FILE]``. Exit status 1 when a target is
missed. ``--pool-timeout 0`` measures a server without preheated kernels (the code before them).
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from partnership_tools.server.serve import ServerProcess  # noqa: E402
from partnership_tools.store import Store  # noqa: E402
from partnership_tools.vote.model import Option  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLANK_NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": []}
    ],
    "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}
OPTIONS = [
    Option("A", "Stay separate, share know-how"),
    Option("B", "Shared back-office services"),
    Option("C", "One senior management team"),
    Option("D", "Joint committee with pooled budgets"),
    Option("E", "Merge into one unitary council"),
]
GROUPS = ("Policy makers", "Managers", "Front-line workers", "Citizens and community activists")
VOILA_READY = "#rendered_cells"
BALLOT_READY = "form.ballot-form select"


# -- registry ---------------------------------------------------------------------------------
@dataclass
class Figure:
    """One measured figure, with its target when it has one."""

    name: str
    value: float | int | str
    unit: str = ""
    target: str = ""
    ok: bool | None = None

    def line(self) -> str:
        value = f"{self.value:.3f}" if isinstance(self.value, float) else str(self.value)
        verdict = "" if self.ok is None else ("  OK" if self.ok else "  MISSED")
        target = f"  (target {self.target})" if self.target else ""
        return f"  {self.name:<44} {value:>12} {self.unit:<5}{target}{verdict}"


@dataclass
class Context:
    server: ServerProcess
    store: Store
    notebooks: Path
    args: argparse.Namespace
    _browser: Any = None
    _playwright: Any = None

    @property
    def browser(self):
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._playwright.stop()
            self._browser = self._playwright = None


@dataclass
class Benchmark:
    name: str
    func: Callable[[Context], list[Figure]]
    needs_browser: bool = False
    own_server: bool = False


BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(name: str, needs_browser: bool = False, own_server: bool = False):
    """Register a benchmark; ``own_server`` gives it a fresh server (e.g. to measure memory)."""

    def deco(func: Callable[[Context], list[Figure]]):
        BENCHMARKS[name] = Benchmark(name, func, needs_browser, own_server)
        return func

    return deco


# -- helpers -----------------------------------------------------------------------------------
def new_session(store: Store, prefix: str) -> str:
    sid = f"{prefix}-{int(time.time() * 1000) % 10**9}"
    store.create_session(
        "How far should the partnership take joint working?", groups=GROUPS, session_id=sid
    )
    store.add_options(sid, OPTIONS)
    store.open_round(sid, [o.id for o in OPTIONS])
    return sid


# Runs in every page before its own scripts (DevTools injection, so a strict CSP does not stop
# it): on each animation frame (frames only run once render-blocking CSS is in) it checks whether
# the selector matches a rendered element, and records performance.now() (ms since navigation
# start) the first time it does.
_READY_PROBE = """
(() => {
  const selector = %s;
  const tick = () => {
    const el = document.querySelector(selector);
    if (el && el.getClientRects().length > 0) { window.__ptReady = performance.now(); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""


def time_to_ready(
    ctx: Context, url: str, selector: str, runs: int, timeout_ms: float = 120_000
) -> list[float]:
    """Seconds from navigation start until ``selector`` is rendered (measured in the page, on
    the first animation frame that shows it), one fresh browser context per load."""
    times = []
    for _ in range(runs):
        context = ctx.browser.new_context(viewport={"width": 390, "height": 844})
        context.add_init_script(script=_READY_PROBE % json.dumps(selector))
        page = context.new_page()
        page.goto(url, wait_until="commit", timeout=timeout_ms)
        page.wait_for_function("window.__ptReady !== undefined", timeout=timeout_ms, polling=50)
        times.append(page.evaluate("window.__ptReady") / 1000)
        context.close()
    return times


def rss_kib(pid: int, field_name: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (the server and the kernels it started), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def tree_rss_kib(pid: int) -> tuple[int, int]:
    """Resident memory (KiB) of ``pid`` and its descendants, and how many processes that is."""
    total, count = 0, 0
    for p in descendants(pid):
        try:
            total += rss_kib(p)
            count += 1
        except OSError:
            pass
    return total, count


def waiting_kernels(server: ServerProcess, notebook: str) -> int:
    """How many times a preheated kernel for ``notebook`` has started waiting for its page
    (``partnership_tools.server.preheat.WAITING_LOG`` in the server's log)."""
    return server.stderr_text().count(f"is ready for a page of {notebook}")


def wait_for_pool(server: ServerProcess, notebook: str, at_least: int, timeout: float) -> bool:
    """Wait (up to ``timeout`` s) until ``notebook``'s pool has had ``at_least`` kernels ready."""
    deadline = time.monotonic() + timeout
    while waiting_kernels(server, notebook) < at_least:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def served_preheated(server: ServerProcess, notebook: str) -> int:
    """How many pages of ``notebook`` the server has served from a preheated kernel."""
    pattern = rf"Using pre-heated kernel: \S+ for {re.escape(notebook)}"
    return len(re.findall(pattern, server.stderr_text()))


def app_times(ctx: Context, path: str, selector: str, runs: int) -> list[float]:
    """:func:`time_to_ready` for an app page, each load once a preheated kernel waits for it (up
    to ``--pool-timeout`` s): the app as a facilitator meets it, not a page that waits for the
    kernel the previous load left refilling."""
    notebook = path.split("/voila/render/", 1)[1].split("?", 1)[0]
    srv, times = ctx.server, []
    for _ in range(runs):
        wait_for_pool(srv, notebook, served_preheated(srv, notebook) + 1, ctx.args.pool_timeout)
        times.extend(time_to_ready(ctx, srv.url(path), selector, 1))
    return times


# -- the ballot page against a blank Voilà page ------------------------------------------------
@benchmark("ballot_tti", needs_browser=True)
def bench_ballot_tti(ctx: Context) -> list[Figure]:
    sid = new_session(ctx.store, "tti")
    ballot_url = ctx.server.url(f"/vote/{sid}", token=False)
    time_to_ready(ctx, ballot_url, BALLOT_READY, 1)  # warm the server's template cache
    ballot = time_to_ready(ctx, ballot_url, BALLOT_READY, ctx.args.runs)
    voila_url = ctx.server.url("/voila/render/blank.ipynb")
    voila = time_to_ready(ctx, voila_url, VOILA_READY, max(3, ctx.args.runs // 3))
    b_med, v_med = statistics.median(ballot), statistics.median(voila)
    ratio = v_med / b_med
    return [
        Figure("ballot page TTI, median", b_med, "s", "< 0.5 s", b_med < 0.5),
        Figure("ballot page TTI, max", max(ballot), "s"),
        Figure("blank Voila page TTI, median", v_med, "s"),
        Figure("blank Voila page TTI, min", min(voila), "s"),
        Figure("Voila / ballot (medians)", ratio, "x", ">= 10x", ratio >= 10),
    ]


# -- 1,500 participants --------------------------------------------------------------------------
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_SELECT = re.compile(r'<select id="rank-\d+" name="rank-([^"]+)"')
_ASSETS = re.compile(r'(?:href|src)="(/vote-static/[^"]+)"')


class Participant:
    """One voter on one keep-alive connection, with its own cookie."""

    def __init__(self, host: str, port: int, sid: str, seed: int) -> None:
        self.host, self.port, self.sid = host, port, sid
        rng = random.Random(seed)
        ids = [o.id for o in OPTIONS]
        rng.shuffle(ids)
        self.ranking = tuple(ids[: rng.randint(1, len(ids))])
        self.group = rng.choice((*GROUPS, None))
        self.cookie = ""
        self.latencies: list[float] = []
        self.conn = http.client.HTTPConnection(host, port, timeout=120)

    def request(self, method: str, path: str, fields: dict | None = None) -> str:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        r = self.conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        self.latencies.append(time.perf_counter() - start)
        for name, value in r.getheaders():
            if name.lower() == "set-cookie" and value.startswith("pt_csrf="):
                self.cookie = value.split(";", 1)[0]
        if r.status != 200:
            raise RuntimeError(f"{method} {path} -> {r.status}")
        return text

    def vote(self) -> str:
        path = f"/vote/{self.sid}"
        page = self.request("GET", path)
        for asset in _ASSETS.findall(page):
            self.request("GET", html.unescape(asset))
        fields = {k: html.unescape(v) for k, v in _HIDDEN.findall(page)}
        for oid in _SELECT.findall(page):
            fields[f"rank-{oid}"] = str(self.ranking.index(oid) + 1) if oid in self.ranking else ""
        fields["group"] = self.group or "-"
        review = self.request("POST", path, {**fields, "action": "review"})
        state = {k: html.unescape(v) for k, v in _HIDDEN.findall(review)}
        receipt = self.request("POST", path, {**state, "action": "cast"})
        if "Your vote has been cast" not in receipt:
            raise RuntimeError("no receipt")
        self.conn.close()
        return receipt


@benchmark("ballot_load", own_server=True)
def bench_ballot_load(ctx: Context) -> list[Figure]:
    n, concurrency = ctx.args.participants, ctx.args.concurrency
    sid = new_session(ctx.store, "load")
    pid = ctx.server.pid
    rss_before = rss_kib(pid)
    peak = [rss_before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            peak[0] = max(peak[0], rss_kib(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    people = [Participant(ctx.server.host, ctx.server.port, sid, seed) for seed in range(n)]
    errors: list[str] = []

    def run(p: Participant) -> None:
        try:
            p.vote()
        except Exception as exc:  # counted and reported, never raised
            errors.append(f"{type(exc).__name__}: {exc}")

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(run, people))
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    hwm = rss_kib(pid, "VmHWM")
    stored = [b for _, b in ctx.store.ballots(sid, 1)]
    expected = Counter((p.ranking, p.group) for p in people)
    got = Counter((b.ranking, b.group) for b in stored)
    exactly_once = got == expected and len(stored) == n
    latencies = sorted(x for p in people for x in p.latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    mib = max(hwm, peak[0]) / 1024
    figures = [
        Figure("participants", n, "", "", None),
        Figure("concurrent clients", concurrency, "", "", None),
        Figure("wall time, all participants", elapsed, "s", "< 300 s", elapsed < 300),
        Figure("requests per second", len(latencies) / elapsed, "req/s"),
        Figure("request latency, median", statistics.median(latencies) if latencies else 0.0, "s"),
        Figure("request latency, p95", p95, "s"),
        Figure("errors", len(errors), "", "0", not errors),
        Figure("ballots stored", len(stored), "", f"{n}", len(stored) == n),
        Figure("stored exactly once (multiset equal)", str(exactly_once), "", "True", exactly_once),
        Figure("server RSS before", rss_before / 1024, "MiB"),
        Figure("server peak RSS (VmHWM)", mib, "MiB", "< 500 MiB", mib < 500),
    ]
    if errors:
        for e, k in Counter(errors).most_common(5):
            print(f"    error x{k}: {e}")
    return figures


# -- running ---------------------------------------------------------------------------------------
def prepare_notebooks(workdir: Path) -> Path:
    notebooks = workdir / "notebooks"
    if (ROOT / "notebooks").is_dir():
        shutil.copytree(ROOT / "notebooks", notebooks, ignore=shutil.ignore_patterns(".*"))
    notebooks.mkdir(exist_ok=True)
    (notebooks / "blank.ipynb").write_text(json.dumps(BLANK_NOTEBOOK))
    return notebooks


def run_benchmarks(names: list[str], args: argparse.Namespace) -> dict[str, list[Figure]]:
    results: dict[str, list[Figure]] = {}
    with tempfile.TemporaryDirectory(prefix="pt-bench-") as tmp:
        notebooks = prepare_notebooks(Path(tmp))
        shared: tuple[ServerProcess, Context] | None = None
        try:
            for name in names:
                bench = BENCHMARKS[name]
                print(f"{name} ...", flush=True)
                if bench.own_server:
                    work = Path(tempfile.mkdtemp(dir=tmp))
                    with ServerProcess(notebooks=notebooks, workdir=work) as srv:
                        store = Store(srv.db_path)
                        ctx = Context(srv, store, notebooks, args)
                        try:
                            results[name] = bench.func(ctx)
                        finally:
                            ctx.close()
                            store.close()
                else:
                    if shared is None:
                        srv = ServerProcess(notebooks=notebooks, workdir=Path(tmp) / "shared")
                        srv.start()
                        shared = (srv, Context(srv, Store(srv.db_path), notebooks, args))
                    results[name] = bench.func(shared[1])
                for fig in results[name]:
                    print(fig.line(), flush=True)
        finally:
            if shared is not None:
                shared[1].close()
                shared[1].store.close()
                shared[0].stop()
    return results


# -- the facilitator's and projector's Voila apps -------------------------------------------------
@benchmark("apps_tti", needs_browser=True)
def bench_apps_tti(ctx: Context) -> list[Figure]:
    """Time to interactive of the facilitator app (its tabs drawn) and of the projector (its live
    count drawn) for an open round; then how soon the projector shows the last of a burst of
    ballots (target: within 5 s)."""
    from partnership_tools.vote.model import Ballot

    sid = new_session(ctx.store, "apps")
    runs = max(2, ctx.args.runs // 4)
    fac = app_times(ctx, "/voila/render/facilitator.ipynb", ".pt-tabs", runs)
    proj_url = ctx.server.url(f"/voila/render/projector.ipynb?session={sid}")
    proj = app_times(
        ctx, f"/voila/render/projector.ipynb?session={sid}", ".pt-live-count .pt-count-number", runs
    )

    # Count freshness: keep one projector open, store 200 ballots as fast as possible, and time
    # from the last write until the projector's number shows 200.
    page = ctx.browser.new_page()
    page.goto(proj_url, timeout=120_000)
    page.wait_for_selector(".pt-live-count .pt-count-number", timeout=120_000)
    ids = [o.id for o in OPTIONS]
    for k in range(200):
        ctx.store.add_ballot(sid, 1, Ballot(tuple(ids[: 1 + k % len(ids)])))
    last_write = time.perf_counter()
    page.wait_for_function(
        "document.querySelector('.pt-live-count .pt-count-number').textContent.trim() === '200'",
        timeout=60_000,
        polling=50,
    )
    lag = time.perf_counter() - last_write
    page.close()
    return [
        Figure("facilitator app TTI, median", statistics.median(fac), "s"),
        Figure("projector app TTI, median", statistics.median(proj), "s"),
        Figure("projector count current after last ballot", lag, "s", "< 5 s", lag < 5),
    ]


# -- the partnership review app ------------------------------------------------------------------
@benchmark("review_tti", needs_browser=True)
def bench_review_tti(ctx: Context) -> list[Figure]:
    """Time to usable of the review app (issue 11: within 3 s on this machine): from navigation
    until its tabs and the review summary are drawn, on the shipped sample, beside a blank Voilà
    page served by the same server (the floor any Voilà app starts from)."""
    runs = max(2, ctx.args.runs // 4)
    voila = time_to_ready(ctx, ctx.server.url("/voila/render/blank.ipynb"), VOILA_READY, runs)
    review = app_times(ctx, "/voila/render/partnership_review.ipynb", ".pt-review-summary", runs)
    med, floor = statistics.median(review), statistics.median(voila)
    return [
        Figure("blank Voila page, median", floor, "s"),
        Figure("review app usable, median", med, "s", "< 3 s", med < 3),
        Figure("review app / blank Voila page", med / floor if floor else float("nan"), "x"),
    ]


# -- every app, preheated, beside a blank Voila page --------------------------------------------
APP_PAGES = (  # (name, notebook, query, what shows once the app is usable)
    ("facilitator", "facilitator.ipynb", {}, ".pt-tabs"),
    ("projector", "projector.ipynb", {"session": None}, ".pt-live-count .pt-count-number"),
    ("review", "partnership_review.ipynb", {}, ".pt-review-summary"),
    (
        "replay",
        "replay_session.ipynb",
        {"session": "county_joint_working.json"},
        ".pt-replay-results",
    ),
)


@benchmark("apps_usable", needs_browser=True, own_server=True)
def bench_apps_usable(ctx: Context) -> list[Figure]:
    """Each app's time to usable with preheated kernels, beside a blank Voila page, and the idle
    server's memory (see the module docstring)."""
    srv, wait = ctx.server, ctx.args.pool_timeout
    sid = new_session(ctx.store, "usable")
    for _, notebook, _, _ in APP_PAGES:
        wait_for_pool(srv, notebook, 1, wait)
    time.sleep(1.0)  # let the kernels settle after their start before reading their memory
    idle_kib, processes = tree_rss_kib(srv.pid)
    runs = max(2, ctx.args.runs // 3)
    blank = time_to_ready(ctx, srv.url("/voila/render/blank.ipynb"), VOILA_READY, runs)
    floor = statistics.median(blank)
    idle_mib = idle_kib / 1024
    figures = [
        Figure("idle server + kernels, resident", idle_mib, "MiB", "< 1024 MiB", idle_mib < 1024),
        Figure("processes (server and its kernels)", processes),
        Figure("blank Voila page usable, median", floor, "s"),
    ]
    for name, notebook, query, selector in APP_PAGES:
        q = {k: (sid if v is None else v) for k, v in query.items()}
        path = f"/voila/render/{notebook}" + (f"?{urllib.parse.urlencode(q)}" if q else "")
        times = app_times(ctx, path, selector, runs)
        med = statistics.median(times)
        figures += [
            Figure(f"{name} usable, median", med, "s", "< 2 s", med < 2),
            Figure(f"{name} / blank Voila page", med / floor if floor else float("nan"), "x"),
        ]
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help=f"comma-separated names among: {', '.join(BENCHMARKS)}")
    parser.add_argument("--participants", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--runs", type=int, default=10, help="page loads per TTI measurement")
    parser.add_argument(
        "--pool-timeout",
        type=float,
        default=120.0,
        help="seconds to wait for an app's preheated kernel before loading it (0: do not wait)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",")] if args.only else list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    results = run_benchmarks(names, args)
    if args.json:
        Path(args.json).write_text(
            json.dumps({k: [f.__dict__ for f in v] for k, v in results.items()}, indent=2)
        )
    missed = [f"{k}: {f.name}" for k, v in results.items() for f in v if f.ok is False]
    if missed:
        print("Missed targets:\n  " + "\n  ".join(missed))
        return 1
    print("All targets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
