"""The participants' own listener: only the participant routes, no token, on its own address.

One ``partnership-tools serve`` runs for the module with the participants' listener on
127.0.0.2 (a second loopback address; tests never send anything to this machine's network
addresses) and the token-guarded Jupyter server on 127.0.0.1. Expected rankings, paths and
addresses come from what each test chose, never from the program's output.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import socket
import sys
import urllib.parse
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from partnership_tools.review import load_instrument  # noqa: E402
from partnership_tools.server import reach as reach_module  # noqa: E402
from partnership_tools.server import serve  # noqa: E402
from partnership_tools.server.reach import (  # noqa: E402
    NO_NETWORK,
    choose_host,
    network_address,
    reach,
)
from partnership_tools.server.serve import ServerProcess  # noqa: E402
from partnership_tools.store import Store  # noqa: E402
from partnership_tools.store.drafts import open_wave  # noqa: E402
from partnership_tools.store.reviews import create_review, open_review_store  # noqa: E402
from partnership_tools.vote.model import Option  # noqa: E402

LISTENER_HOST = "127.0.0.2"
NOT_HERE = "There is nothing at this address; check the link you were given."
_counter = iter(range(1, 10_000))


# -- where to listen, and who can reach it (no sockets opened to anywhere) ----------------------
class FakeUDP:
    """Stands in for ``socket.socket``: "connecting" records the probe, reports ``address``."""

    address: str | None = None
    probed: list[tuple[str, int]] = []

    def __init__(self, *args: object) -> None:
        pass

    def __enter__(self) -> FakeUDP:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def connect(self, where: tuple[str, int]) -> None:
        FakeUDP.probed.append(where)
        if FakeUDP.address is None:
            raise OSError(101, "Network is unreachable")

    def getsockname(self) -> tuple[str, int]:
        return (FakeUDP.address or "0.0.0.0", 40000)


@pytest.fixture
def fake_network(monkeypatch):
    """``network_address`` sees a UDP route ``FakeUDP.address`` and host-name addresses
    ``names`` (set by the test), without touching the real network."""
    names: list[str] = []
    FakeUDP.address, FakeUDP.probed = None, []
    monkeypatch.setattr(reach_module.socket, "socket", FakeUDP)

    def getaddrinfo(host, port, family=0, type=0, *rest):
        if not names:
            raise socket.gaierror(-2, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 0)) for a in names]

    monkeypatch.setattr(reach_module.socket, "getaddrinfo", getaddrinfo)
    return names


def test_the_network_address_is_the_route_out(fake_network):
    FakeUDP.address = "192.168.1.20"
    fake_network.append("10.9.9.9")
    assert network_address(hostname="laptop") == "192.168.1.20"
    assert FakeUDP.probed == [reach_module.PROBE_ADDRESS]


def test_without_a_route_the_host_names_addresses_count_but_not_loopback(fake_network):
    FakeUDP.address = None  # no default route
    fake_network.extend(["127.0.1.1", "169.254.3.4", "172.16.0.8"])
    assert network_address(hostname="laptop") == "172.16.0.8"


def test_no_network_address_at_all(fake_network):
    FakeUDP.address = "127.0.0.1"
    fake_network.extend(["127.0.1.1"])
    assert network_address(hostname="laptop") is None
    host, warning = choose_host("", detect=lambda: network_address(hostname="laptop"))
    assert host == "127.0.0.1"
    assert warning == NO_NETWORK
    assert warning.count(".") == 1 and warning.endswith("--public-url.")  # one sentence


def test_a_configured_host_is_used_as_given():
    assert choose_host(" 127.0.0.2 ", detect=lambda: "10.0.0.5") == ("127.0.0.2", "")


@pytest.mark.parametrize(
    ("kwargs", "join", "local_only"),
    [
        ({"listener_base": "http://10.0.0.5:8867", "listener_host": "10.0.0.5"}, "http://10.0.0.5:8867", False),
        ({"listener_base": "http://127.0.0.2:8867", "listener_host": "127.0.0.2"}, "http://127.0.0.2:8867", True),
        ({"listener_base": "http://[::1]:8867", "listener_host": "::1"}, "http://[::1]:8867", True),
        (
            {"public_url": "https://vote.example/", "listener_base": "http://127.0.0.1:8867", "listener_host": "127.0.0.1"},
            "https://vote.example",
            False,
        ),
        ({"server_base": "http://127.0.0.1:8866", "server_host": "127.0.0.1"}, "http://127.0.0.1:8866", True),
        ({"server_base": "http://10.0.0.5:8866", "server_host": "0.0.0.0"}, "http://10.0.0.5:8866", False),
    ],
)  # fmt: skip
def test_who_can_reach_the_participants_pages(kwargs, join, local_only):
    where = reach(**kwargs)
    assert where.join_base == join
    assert where.local_only is local_only
    if local_only:
        assert "only this computer can reach" in where.warning
        assert where.warning.count(". ") == 0 and where.warning.endswith(".")  # one sentence
    else:
        assert where.warning == ""


def test_a_listener_with_no_network_keeps_its_own_warning():
    where = reach(
        listener_base="http://127.0.0.1:8867",
        listener_host="127.0.0.1",
        listener_warning=NO_NETWORK,
    )
    assert (where.local_only, where.warning) == (True, NO_NETWORK)


def qr_modules(art: str) -> list[list[int]]:
    """The QR code drawn in half blocks back as rows of modules (1 dark, 0 light).

    The art draws light modules (for a dark terminal): a full block is light above and below,
    an upper half block light above only, a lower half block light below only, a space dark."""
    top = {"█": 0, "▀": 0, "▄": 1, " ": 1}
    bottom = {"█": 0, "▀": 1, "▄": 0, " ": 1}
    rows: list[list[int]] = []
    for line in art.splitlines():
        rows.append([top[c] for c in line])
        rows.append([bottom[c] for c in line])
    return rows


def segno_modules(text: str) -> list[list[int]]:
    import segno

    qr = segno.make(text, error="m", micro=False)
    return [[1 if m else 0 for m in row] for row in qr.matrix]


def strip_quiet_zone(rows: list[list[int]]) -> list[list[int]]:
    rows = [r for r in rows if any(r)]
    left = min(r.index(1) for r in rows)
    right = max(len(r) - r[::-1].index(1) for r in rows)
    return [r[left:right] for r in rows]


def test_the_terminal_qr_code_encodes_the_address():
    url = "http://192.168.1.20:8867/vote/council-2026"
    art = serve.terminal_qr(url, encoding="utf-8")
    assert strip_quiet_zone(qr_modules(art)) == segno_modules(url)
    assert serve.terminal_qr(url, encoding="ascii") == ""  # no block characters: no QR code
    # For a terminal: black on white whatever its colours, a block drawing the dark modules.
    ansi = serve.terminal_qr(url, encoding="utf-8", ansi=True)
    lines = ansi.splitlines()
    assert all(ln.startswith("\x1b[30;107m") and ln.endswith("\x1b[0m") for ln in lines)
    swap = {"█": " ", " ": "█", "▀": "▄", "▄": "▀"}
    plain = "\n".join(
        "".join(swap[c] for c in ln[len("\x1b[30;107m") : -len("\x1b[0m")]) for ln in lines
    )
    assert strip_quiet_zone(qr_modules(plain)) == segno_modules(url)


def test_the_report_names_the_join_address_and_warns_once():
    urls = serve.AppURLs(
        "http://127.0.0.1:8866", "t0k", "s 1", participants="http://192.168.1.20:8867"
    )
    where = reach(listener_base="http://192.168.1.20:8867", listener_host="192.168.1.20")
    text = serve.serve_report(urls, where, [serve.apps_exposed_warning("127.0.0.1")])
    assert "  Ballot:       http://192.168.1.20:8867/vote/s%201\n" in text
    assert "  Facilitator:  http://127.0.0.1:8866/voila/render/facilitator.ipynb?token=t0k" in text
    assert "Warning" not in text
    assert "Phones can scan this code to open http://192.168.1.20:8867/vote/s%201:" in text
    local = reach(listener_base="http://127.0.0.1:8867", listener_host="127.0.0.1")
    text = serve.serve_report(urls, local, [serve.apps_exposed_warning("0.0.0.0")], qr=False)
    assert text.count("Warning:") == 2
    assert "only this computer can reach them" in text
    assert "the token in their links" in text and "crosses the network" in text


# -- a real server ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    work = tmp_path_factory.mktemp("listener")
    notebooks = work / "notebooks"
    notebooks.mkdir()
    with ServerProcess(notebooks=notebooks, workdir=work, participants_host=LISTENER_HOST) as srv:
        yield srv


@pytest.fixture(scope="module")
def store(server) -> Iterator[Store]:
    s = Store(server.db_path)
    yield s
    s.close()


def make_session(store: Store, open_round: bool = True) -> str:
    sid = f"room-{next(_counter)}"
    store.create_session("Where should the hub go?", session_id=sid)
    store.add_options(sid, [Option("A", "Library"), Option("B", "Market"), Option("C", "Station")])
    if open_round:
        store.open_round(sid, ["A", "B", "C"])
    return sid


class Client:
    """A tiny browser on one address: keeps cookies, sends forms, returns (status, headers,
    text). ``host_header`` replaces the Host header (to show it is not trusted)."""

    def __init__(self, host: str, port: int, host_header: str | None = None) -> None:
        self.host, self.port, self.host_header = host, port, host_header
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        h = dict(headers or {})
        if self.host_header:
            h["Host"] = self.host_header
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        for name, value in r.getheaders():
            if name.lower() == "set-cookie":
                k, v = value.split(";", 1)[0].split("=", 1)
                self.cookies[k.strip()] = v.strip()
        conn.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, text

    def get(self, path: str, headers=None):
        return self.request("GET", path, headers=headers)

    def post(self, path: str, fields: dict[str, str]):
        body = urllib.parse.urlencode(list(fields.items())).encode()
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )


def phone(server: ServerProcess, **kw) -> Client:
    return Client(server.participants_host, server.participants_port, **kw)


def hidden(page: str) -> dict[str, str]:
    return {
        html.unescape(m.group(1)): html.unescape(m.group(2))
        for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    }


def shown_order(page: str) -> list[str]:
    return [
        html.unescape(m) for m in re.findall(r'<select id="rank-\d+" name="rank-([^"]+)"', page)
    ]


def rank_fields(page: str, ranking: Sequence[str]) -> dict[str, str]:
    fields = {k: v for k, v in hidden(page).items() if k in ("form_token", "form_sig")}
    for oid in shown_order(page):
        fields[f"rank-{oid}"] = str(ranking.index(oid) + 1) if oid in ranking else ""
    return fields


TOKEN_GUARDED = (
    "/api",
    "/api/status",
    "/api/kernels",
    "/api/sessions",
    "/api/contents",
    "/api/kernelspecs",
    "/api/me",
    "/voila/render/facilitator.ipynb",
    "/voila/render/projector.ipynb?session=x",
    "/voila/static/voila.js",
    "/lab",
    "/tree",
    "/notebooks/facilitator.ipynb",
    "/files/facilitator.ipynb",
    "/login",
    "/logout",
    "/terminals/1",
    "/static/favicon.ico",
    "/kernelspecs/python3/logo-64x64.png",
    "/favicon.ico",
)


@pytest.mark.parametrize("path", TOKEN_GUARDED)
def test_nothing_token_guarded_is_served_there_even_with_the_token(server, path):
    client = phone(server)
    sep = "&" if "?" in path else "?"
    with_query = path + sep + urllib.parse.urlencode({"token": server.token})
    for target, headers in (
        (path, {}),
        (with_query, {}),
        (path, {"Authorization": f"token {server.token}"}),
    ):
        status, head, text = client.get(target, headers=headers)
        assert status == 404, (target, status)
        assert NOT_HERE in html.unescape(text)
        assert server.token not in text
        assert "jupyter" not in text.lower() and "voila" not in text.lower()
        assert "location" not in head  # no redirect to a login page either


def test_posting_to_the_api_there_starts_no_kernel(server):
    def kernel_ids() -> set[str]:  # asked of the Jupyter server, with the token
        conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
        conn.request("GET", "/api/kernels", headers={"Authorization": f"token {server.token}"})
        resp = conn.getresponse()
        assert resp.status == 200
        return {k["id"] for k in json.loads(resp.read())}

    before = kernel_ids()
    client = phone(server)
    status, _, _ = client.request(
        "POST",
        "/api/kernels",
        b"{}",
        {"Authorization": f"token {server.token}", "Content-Type": "application/json"},
    )
    assert status == 404
    for method in ("PUT", "DELETE", "PATCH"):
        assert client.request(method, "/api/kernels", b"{}")[0] in (404, 405)
    assert kernel_ids() == before


def test_the_jupyter_server_still_needs_the_token(server):
    def status_of(path: str, token: bool) -> int:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
        headers = {"Authorization": f"token {server.token}"} if token else {}
        conn.request("GET", path, headers=headers)
        return conn.getresponse().status

    assert status_of("/api/kernels", token=False) == 403
    assert status_of("/api/kernels", token=True) == 200
    assert status_of("/api/contents", token=False) == 403
    assert status_of("/api/contents", token=True) == 200


def listening_ipv4(pid: int | None = None) -> list[str]:
    """Every listening IPv4 TCP socket on this machine (or only process ``pid``'s own), as
    ``address:port``, read from ``/proc/net/tcp`` (state 0A is LISTEN; addresses are
    little-endian hex; a socket belongs to a process when its inode is one of the process's
    open ``socket:[inode]`` files)."""
    import os
    import struct

    owned: set[str] | None = None
    if pid is not None:
        owned = set()
        fd_dir = Path(f"/proc/{pid}/fd")
        for fd in fd_dir.iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                owned.add(target[len("socket:[") : -1])
    out = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if len(parts) > 9 and parts[3] == "0A" and (owned is None or parts[9] in owned):
            hex_ip, hex_port = parts[1].split(":")
            ip = socket.inet_ntoa(struct.pack("<I", int(hex_ip, 16)))
            out.append(f"{ip}:{int(hex_port, 16)}")
    return out


def test_each_listens_where_it_should(server):
    local = listening_ipv4(server.pid)  # the server's own sockets (a kernel may share a port)
    assert [a for a in local if a.endswith(f":{server.port}")] == [f"127.0.0.1:{server.port}"]
    assert [a for a in local if a.endswith(f":{server.participants_port}")] == [
        f"{LISTENER_HOST}:{server.participants_port}"
    ]


def test_a_whole_vote_there_needs_no_token(server, store):
    sid = make_session(store)
    client = phone(server)
    status, _, page = client.get(f"/vote/{sid}")
    assert status == 200
    assert "Library" in page and "Market" in page and "Station" in page
    assert server.token not in page
    fields = rank_fields(page, ["B", "C", "A"])
    status, _, review = client.post(f"/vote/{sid}", {**fields, "action": "review"})
    assert status == 200
    assert "Check your vote" in review
    status, _, receipt = client.post(f"/vote/{sid}", {**hidden(review), "action": "cast"})
    assert status == 200
    assert "Your vote has been cast" in receipt
    [(_, ballot)] = store.ballots(sid, 1)
    assert ballot.ranking == ("B", "C", "A")
    assert ballot.source == "web"
    # The page's links and the status it polls stay on this listener's own paths.
    assert f'action="/vote/{sid}"' in page
    status, _, body = client.get(f"/vote/{sid}/status.json")
    assert status == 200
    assert json.loads(body) == {"round": 1, "open": True}


def test_static_files_start_page_and_root(server):
    client = phone(server)
    status, head, css = client.get("/vote-static/ballot.css")
    assert status == 200 and head["content-type"].startswith("text/css")
    assert css == (ROOT / "partnership_tools/server/static/ballot.css").read_text()
    status, _, page = client.get("/vote/")
    assert status == 200 and "Find your ballot" in page
    status, head, _ = client.get("/")
    assert status == 302 and head["location"] == "/vote/"


def test_results_there_once_published(server, store):
    sid = make_session(store)
    store.add_ballot(sid, 1, ranking_ballot(("A", "B", "C")))
    store.add_ballot(sid, 1, ranking_ballot(("A", "C", "B")))
    store.close_round(sid, 1)
    client = phone(server)
    status, _, page = client.get(f"/vote/{sid}/results")
    assert status == 404
    assert "have not been published yet" in page
    store.set_published(sid, True)
    status, _, page = client.get(f"/vote/{sid}/results")
    assert status == 200
    assert "Round 1" in page and "2 valid ballots" in page
    assert "Library" in page


def ranking_ballot(ranking: tuple[str, ...]):
    from partnership_tools.vote.model import Ballot

    return Ballot(ranking=ranking, source="paper")


def test_unknown_paths_are_plain_404_pages(server):
    client = phone(server)
    for path in ("/nope", "/vote-static/no-such.css", "/review-form/no-such-review", "/x/y"):
        status, _, text = client.get(path)
        assert status == 404, path
        assert "Traceback" not in text


@pytest.fixture(scope="module")
def review_id(server) -> str:
    db = open_review_store(server.db_path)
    try:
        create_review(db, "spring", "Spring review", load_instrument("partnership_cycle"))
        open_wave(db, "spring", "phase one")
    finally:
        db.dispose()
    return "spring"


def test_the_review_form_there_needs_no_token_and_ignores_the_host_header(server, review_id):
    client = phone(server, host_header="evil.example:8080")
    status, _, page = client.get(f"/review-form/{review_id}")
    assert status == 200
    assert "Spring review" in page
    assert server.token not in page
    status, head, _ = client.post(f"/review-form/{review_id}", {**hidden(page), "action": "start"})
    assert status == 303
    assert head["location"] == f"/review-form/{review_id}/page/1"
    status, _, page = client.get(head["location"])
    assert status == 200
    link = html.unescape(re.search(r'<p class="resume-link"><a href="([^"]+)"', page).group(1))
    # The resume link is built from the listener's configured address, not the Host header.
    expected = f"http://{LISTENER_HOST}:{server.participants_port}/review-form/{review_id}?resume="
    assert link.startswith(expected)
    assert "evil.example" not in page


def test_serve_names_the_join_address_and_warns_it_is_loopback_only(server):
    out = server.stdout_text()
    join = f"http://{LISTENER_HOST}:{server.participants_port}"
    assert f"  Ballot:       {join}/vote/<session id>" in out
    assert f"  Review form:  {join}/review-form/<review id>" in out
    assert f"  Facilitator:  http://127.0.0.1:{server.port}/voila/render/facilitator.ipynb" in out
    warning = (
        f"Warning: the participants' pages listen on {LISTENER_HOST}, so only this computer can"
        " reach them and phones cannot vote"
    )
    assert out.count(warning) == 1
    # The QR code printed is the start page's address on the listener.
    m = re.search(r"Phones can scan this code to open (\S+):\n((?:[█▀▄ ]+\n)+)", out)
    assert m and m.group(1) == f"{join}/vote/"
    assert strip_quiet_zone(qr_modules(m.group(2))) == segno_modules(f"{join}/vote/")


def test_a_port_in_use_stops_serve_with_one_sentence(tmp_path):
    with socket.socket() as taken:
        taken.bind((LISTENER_HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        srv = ServerProcess(
            notebooks=tmp_path,
            workdir=tmp_path / "w",
            participants_host=LISTENER_HOST,
            participants_port=port,
        )
        with pytest.raises(RuntimeError, match="exited with status 2"):
            srv.start()
        err = (tmp_path / "w" / "serve.stderr").read_text()
        srv.stop()
    line = f"partnership-tools: The participants' pages could not listen on {LISTENER_HOST} port {port}"
    [said] = [ln for ln in err.splitlines() if ln.startswith("partnership-tools:")]
    assert said.startswith(line)
    assert "--participants-port" in said
    assert "Traceback" not in err
