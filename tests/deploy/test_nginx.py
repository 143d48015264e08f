"""Real nginx (Debian's package) in front of three participants' processes sharing one store.

Everything on loopback: nginx on 127.0.0.2, the processes on 127.0.0.1, each started as
``python3 -m partnership_tools participants``. The session and its open round are made with the
Python API; each simulated voter (tests/deploy/voters.py) ranks options chosen by its own seeded
random generator, so what each ballot must hold is known without asking the server. Which
process answered each request comes from nginx's access log (``$upstream_addr``, in the
shipped log format). Both tests run on each store backend (``store_target``).
"""

from __future__ import annotations

import hashlib
import http.client
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from partnership_tools.store import Store
from partnership_tools.vote.model import Option
from tests.deploy.nginx import (
    NGINX,
    PROXY_HOST,
    ROOT,
    SHIPPED,
    Nginx,
    ParticipantProcess,
    render_site,
)
from tests.deploy.voters import Voter, vote

VOTERS = 60
OPTIONS = [
    Option("A", "Library annexe"),
    Option("B", "Community centre"),
    Option("C", "Old fire station"),
    Option("D", "Market hall"),
]


def make_round(target: str) -> str:
    """A session with four options and round 1 open; its id."""
    store = Store(target)
    try:
        s = store.create_session("Where should the shared hub go?")
        store.add_options(s.id, OPTIONS)
        store.open_round(s.id, [o.id for o in OPTIONS])
        return s.id
    finally:
        store.close()


def stored(target: str, session_id: str) -> tuple[int, dict[str, tuple[str, ...]]]:
    """(ballots in round 1, {receipt: ranking}) as the store holds them."""
    store = Store(target)
    try:
        receipts = store.round_receipts(session_id, 1)
        return store.ballot_count(session_id, 1), {r["receipt"]: r["ranking"] for r in receipts}
    finally:
        store.close()


class Cluster:
    def __init__(self, target: str, tmp: Path, n: int = 3) -> None:
        self.target = target
        self.session_id = make_round(target)  # the schema exists before any process opens it
        self.processes = [ParticipantProcess(target, tmp / f"p{i}") for i in range(n)]
        for p in self.processes:
            p.start()
        self.nginx = Nginx(tmp / "nginx", [p.port for p in self.processes]).start()

    def run_voters(
        self, numbers: range, workers: int = 12, gate: threading.Event | None = None
    ) -> list[Voter]:
        with ThreadPoolExecutor(workers) as pool:
            futures = [
                pool.submit(vote, PROXY_HOST, self.nginx.port, self.session_id, n, "", 8, gate)
                for n in numbers
            ]
            return [f.result() for f in futures]

    def close(self) -> None:
        self.nginx.stop()
        for p in self.processes:
            p.stop()


@pytest.fixture
def cluster(store_target: str, tmp_path: Path) -> Iterator[Cluster]:
    assert NGINX.exists(), (
        "nginx is not installed at /usr/sbin/nginx; install Debian's package (bash .ci/install)."
    )
    c = Cluster(store_target, tmp_path)
    try:
        yield c
    finally:
        c.close()


def check_stored_once(cluster: Cluster, voters: list[Voter]) -> None:
    """Every voter got a receipt; the store holds exactly one ballot per receipt, with the
    ranking that voter chose, and nothing else."""
    count, by_receipt = stored(cluster.target, cluster.session_id)
    receipts = [v.receipt for v in voters]
    assert all(receipts) and len(set(receipts)) == len(voters)
    assert count == len(voters) == len(by_receipt)
    assert {v.receipt: v.ranking for v in voters} == by_receipt


def test_shipped_config_renders_and_nginx_accepts_it(tmp_path):
    text = render_site((PROXY_HOST, 8099), [9001, 9002, 9003], tmp_path)
    assert "listen 127.0.0.2:8099;" in text and "listen 80;" not in text
    assert [
        line.split()[1] for line in text.splitlines() if line.strip().startswith("server 1")
    ] == [
        "127.0.0.1:9001",
        "127.0.0.1:9002",
        "127.0.0.1:9003",
    ]
    shipped = SHIPPED.read_text()
    for directive in (
        "proxy_next_upstream error timeout http_502;",
        "client_max_body_size 64k;",
        "proxy_set_header X-Real-IP $remote_addr;",
        "proxy_cache partnership_tools_static;",
    ):
        assert directive in shipped and directive in text
    assert Nginx(tmp_path, [9001]).check().returncode == 0


def test_voters_through_nginx_reach_all_three_processes_and_count_once(cluster, capsys):
    started = time.perf_counter()
    voters = cluster.run_voters(range(VOTERS))
    elapsed = time.perf_counter() - started
    check_stored_once(cluster, voters)
    assert not any(v.repeated for v in voters)
    counts = cluster.nginx.upstream_counts()
    # each voter: one page load and one cast; none failed, so none was sent twice
    assert sum(v.retries for v in voters) == 0
    assert sum(counts.values()) == 2 * VOTERS
    assert set(counts) == {p.address for p in cluster.processes}
    assert min(counts.values()) >= 10  # round robin spreads them; none is left idle
    with capsys.disabled():
        print(
            f"\n[nginx + 3 participants' processes] {VOTERS} voters in {elapsed:.2f} s"
            f" ({VOTERS / elapsed:.1f} ballots/s); requests per process {sorted(counts.values())}"
        )


def test_killing_one_process_mid_vote_loses_no_receipted_ballot(cluster, capsys):
    victim = cluster.processes[1]
    gate = threading.Event()
    # 12 voters load their ballot page (some from the victim) and wait; then the rest start
    early: list[Voter] = []
    holders = threading.Thread(
        target=lambda: early.extend(cluster.run_voters(range(12), workers=12, gate=gate))
    )
    holders.start()
    rest: list[Voter] = []
    done = threading.Event()

    def others() -> None:
        try:
            rest.extend(cluster.run_voters(range(12, VOTERS), workers=8))
        finally:
            done.set()

    runner = threading.Thread(target=others)
    runner.start()
    deadline = time.monotonic() + 120
    while (
        victim.address not in cluster.nginx.upstream_counts()
        or sum(cluster.nginx.upstream_counts().values()) < 40
    ):
        assert time.monotonic() < deadline, "the voters never got going"
        assert not done.is_set(), "the voters finished before the process could be killed"
        threading.Event().wait(0.01)
    victim.kill()  # SIGKILL: no clean stop, requests in flight are cut
    gate.set()  # the waiting voters now cast forms issued before the kill
    holders.join(180)
    runner.join(180)
    assert not holders.is_alive() and not runner.is_alive()
    voters = early + rest
    assert len(voters) == VOTERS
    assert victim.proc is not None and victim.proc.returncode == -9
    check_stored_once(cluster, voters)
    survivors = {p.address for p in cluster.processes} - {victim.address}
    counts = cluster.nginx.upstream_counts()
    assert survivors <= set(counts)
    with capsys.disabled():
        print(
            f"\n[one of 3 processes killed] {VOTERS} receipts, {VOTERS} ballots stored;"
            f" {sum(1 for v in voters if v.retries)} voters retried,"
            f" {sum(1 for v in voters if v.repeated)} were shown an earlier receipt again;"
            f" requests per upstream {counts}"
        )


def _through(proxy: Nginx, method: str, path: str, body: bytes | None = None):
    conn = http.client.HTTPConnection(PROXY_HOST, proxy.port, timeout=60)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode("utf-8", errors="replace")
    finally:
        conn.close()


def test_static_files_are_cached_and_failures_are_plain_sentences(tmp_path):
    assert NGINX.exists(), "nginx is not installed at /usr/sbin/nginx (bash .ci/install)."
    target = str(tmp_path / "store.sqlite")
    make_round(target)
    p = ParticipantProcess(target, tmp_path / "p").start()
    proxy = Nginx(tmp_path / "nginx", [p.port]).start()
    try:
        css = (ROOT / "partnership_tools" / "server" / "static" / "ballot.css").read_bytes()
        path = f"/vote-static/ballot.css?v={hashlib.sha256(css).hexdigest()[:12]}"
        first, second = _through(proxy, "GET", path), _through(proxy, "GET", path)
        assert first[0] == second[0] == 200 and second[2].encode() == css
        caching = [
            line.rsplit("cache=", 1)[1]
            for line in proxy.access_log.read_text().splitlines()
            if "/vote-static/ballot.css" in line
        ]
        assert caching == ["MISS", "HIT"]
        status, _, text = _through(proxy, "POST", "/vote/x", b"a=" + b"x" * 100_000)
        assert status == 413 and "far too large to be a ballot" in text and "nginx" not in text
        p.kill()
        status, headers, text = _through(proxy, "GET", "/vote/")
        assert status == 503 and headers.get("Retry-After") == "5"
        assert "could not be reached just now" in text and "nginx" not in text
        assert _through(proxy, "GET", path)[2].encode() == css  # still served from the cache
    finally:
        proxy.stop()
        p.stop()
