"""``partnership-tools participants``: the participants' pages as a process of their own.

Each process is ``python3 -m partnership_tools participants`` on 127.0.0.1 (loopback only),
started by :class:`tests.deploy.nginx.ParticipantProcess`, which reads the line it prints to
learn its port. Expected paths, ports and rankings are the ones each test chose.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import logging
import re
import socket
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from partnership_tools.server.handlers import ParticipantApp
from partnership_tools.server.listener import ParticipantsListener, participants_application
from partnership_tools.server.participants import ParticipantsError, settings_from
from partnership_tools.store import Store
from partnership_tools.vote.model import Option
from tests.deploy.nginx import ROOT, ParticipantProcess, child_env, free_port
from tests.deploy.voters import RANK_FIELD, RECEIPT, REPEATED


def get(port: int, path: str, headers: dict[str, str] | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode("utf-8", errors="replace")
    finally:
        conn.close()


def open_round(target: str) -> str:
    store = Store(target)
    try:
        s = store.create_session("Which day suits?")
        store.add_options(
            s.id, [Option("A", "Monday"), Option("B", "Tuesday"), Option("C", "Friday")]
        )
        store.open_round(s.id, ["A", "B", "C"])
        return s.id
    finally:
        store.close()


def args(**kw) -> argparse.Namespace:
    base = dict(
        db="/srv/s.sqlite", host=None, port=None, base_url=None, public_url=None,
        trust_proxy=False, workers=None,
    )  # fmt: skip
    return argparse.Namespace(**{**base, **kw})


# -- settings -------------------------------------------------------------------------------------
def test_command_line_beats_the_hub_environment_which_beats_the_defaults():
    hub = {
        "JUPYTERHUB_SERVICE_PREFIX": "services/pt",
        "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:10123/",
    }
    s = settings_from(args(), hub)
    assert (s.host, s.port, s.base_url) == ("127.0.0.1", 10123, "/services/pt/")
    s = settings_from(args(port=9001, base_url="/x"), hub)
    assert (s.host, s.port, s.base_url) == ("127.0.0.1", 9001, "/x/")
    s = settings_from(args(), {})
    assert (s.host, s.port, s.base_url, s.target) == ("127.0.0.1", 8870, "/", "/srv/s.sqlite")
    assert s.join_base(8870) == "http://127.0.0.1:8870"
    s = settings_from(args(public_url="https://vote.example.org/"), {})
    assert s.join_base(8870) == "https://vote.example.org"


@pytest.mark.parametrize(
    "kw, env, words",
    [
        (
            {"public_url": "vote.example.org"},
            {},
            "--public-url 'vote.example.org' is not an http(s)",
        ),
        ({"port": 70000}, {}, "--port 70000 is not a port number"),
        ({}, {"JUPYTERHUB_SERVICE_URL": "nowhere"}, "JUPYTERHUB_SERVICE_URL='nowhere' is not"),
    ],
)
def test_unusable_settings_get_one_sentence(kw, env, words):
    with pytest.raises(ParticipantsError) as caught:
        settings_from(args(**kw), env)
    assert words in str(caught.value) and str(caught.value).count(". ") == 0


# -- one process ------------------------------------------------------------------------------------
@pytest.fixture
def target(tmp_path: Path) -> str:
    return str(tmp_path / "store.sqlite")


def test_it_serves_the_participant_routes_and_nothing_else(target, tmp_path):
    sid = open_round(target)
    p = ParticipantProcess(target, tmp_path / "p").start()
    try:
        assert re.search(r"participants' pages at http://127\.0\.0\.1:\d+/ ", p.lines[0])
        status, _, page = get(p.port, f"/vote/{sid}")
        assert status == 200 and sorted(RANK_FIELD.findall(page)) == ["A", "B", "C"]
        status, headers, _ = get(p.port, "/")
        assert status == 302 and headers["Location"] == "/vote/"
        assert get(p.port, f"/vote/{sid}/status.json")[2] == '{"round": 1, "open": true}'
        assert get(p.port, "/vote-static/ballot.css")[0] == 200
        for path in ("/api/status", "/voila/render/facilitator.ipynb", "/login", "/tree", "/lab"):
            status, _, text = get(p.port, path)
            assert status == 404 and "There is nothing at this address" in text, path
        assert p.terminate() == 0
        assert "stopped cleanly" in p.stderr_text() and "Traceback" not in p.stderr_text()
    finally:
        p.stop()


def test_as_a_hub_service_it_listens_where_the_hub_says_under_its_prefix(target, tmp_path):
    sid = open_round(target)
    port = free_port("127.0.0.1")
    env = {
        "JUPYTERHUB_SERVICE_PREFIX": "/services/pt-vote/",
        "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}",
    }
    p = ParticipantProcess(target, tmp_path / "p", env=env, address=False, base="/services/pt-vote")
    try:
        p.start()
        assert p.port == port
        assert f"http://127.0.0.1:{port}/services/pt-vote/ " in p.lines[0]
        status, _, page = get(port, f"/services/pt-vote/vote/{sid}")
        assert status == 200 and f'action="/services/pt-vote/vote/{sid}"' in page
        assert get(port, f"/vote/{sid}")[0] == 404
        assert get(port, "/services/pt-vote/api/status")[0] == 404
    finally:
        p.stop()


def test_a_store_that_cannot_be_reached_is_one_sentence(tmp_path):
    port = free_port("127.0.0.1")  # nothing listens there
    run = subprocess.run(
        [sys.executable, "-m", "partnership_tools", "participants", "--port", "0",
         "--db", f"postgresql://pt:secret@127.0.0.1:{port}/pt"],  # fmt: skip
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=child_env(),
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("partnership-tools: ") and "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1
    assert f"postgresql://pt@127.0.0.1:{port}/pt" in run.stderr and "secret" not in run.stderr


def test_a_port_in_use_is_one_sentence(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "partnership_tools", "participants", "--port", str(port),
             "--db", str(tmp_path / "s.sqlite")],  # fmt: skip
            capture_output=True, text=True, timeout=120, cwd=tmp_path, env=child_env(),
        )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr == (
        f"partnership-tools: The participants' pages cannot listen on 127.0.0.1 port {port}"
        " (address already in use); stop whatever uses that port or give another --port.\n"
    )


# -- several processes -------------------------------------------------------------------------------
def fetch(port: int, method: str, path: str, body: str | None = None, cookies: str = ""):
    """(status, [(header, value)], text) of one request straight to 127.0.0.1:port."""
    headers = {"Cookie": cookies} if cookies else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read().decode("utf-8", errors="replace")
    finally:
        conn.close()


def test_a_form_issued_by_one_process_is_cast_at_another(target, tmp_path):
    """The form key is the store's shared secret, the form token a row in the store."""
    sid = open_round(target)
    a = ParticipantProcess(target, tmp_path / "a").start()
    b = ParticipantProcess(target, tmp_path / "b").start()
    try:
        status, headers, page = fetch(a.port, "GET", f"/vote/{sid}")
        assert status == 200
        cookies = "; ".join(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")
        hidden = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', page))
        body = urllib.parse.urlencode(
            {**hidden, "rank-B": "1", "rank-C": "2", "rank-A": "", "action": "cast"}
        )
        status, _, text = fetch(b.port, "POST", f"/vote/{sid}", body, cookies)
        assert status == 200, text
        found = RECEIPT.search(text)
        assert found is not None
        # the same form sent to the first process: the original receipt, nothing stored again
        status, _, again = fetch(a.port, "POST", f"/vote/{sid}", body, cookies)
        assert status == 200 and REPEATED in again
        assert RECEIPT.search(again).group(1) == found.group(1)
        store = Store(target)
        try:
            assert store.round_receipts(sid, 1) == [
                {"receipt": found.group(1).strip(), "ranking": ("B", "C"), "source": "web"}
            ]
        finally:
            store.close()
    finally:
        a.stop()
        b.stop()


# -- stopping cleanly ---------------------------------------------------------------------------------
def test_stopping_answers_a_request_already_begun_and_refuses_new_ones(tmp_path):
    """In one process: a POST whose body is half sent when the stop begins is still answered
    (with ``Connection: close``); a new connection is refused meanwhile; then the stop ends."""

    async def main() -> None:
        app = ParticipantApp(str(tmp_path / "s.sqlite"), logging.getLogger("pt-test-drain"))
        listener = ParticipantsListener.bind("127.0.0.1", 0)
        listener.start(participants_application(app, listener.base("/")))
        port = listener.port
        loop = asyncio.get_running_loop()

        async def until(condition, what: str) -> None:
            deadline = loop.time() + 60
            while not condition():
                assert loop.time() < deadline, f"gave up waiting for {what}"
                await asyncio.sleep(0.01)

        async def refused() -> bool:
            try:
                _r, w = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                return True
            w.close()
            return False

        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            body = b"form_token=x&form_sig=y&action=cast"
            writer.write(
                b"POST /vote/s1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: %d\r\n\r\n" % len(body) + body[:7]
            )
            await writer.drain()
            await until(lambda: app.in_flight == 1, "the request to begin")
            stopping = asyncio.create_task(listener.drain(app, timeout=60))
            deadline = loop.time() + 60
            while not await refused():
                assert loop.time() < deadline, "the listening socket stayed open"
            assert not stopping.done()  # still waiting for the half-sent request
            writer.write(body[7:])
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), 60)
            head = answer.split(b"\r\n\r\n", 1)[0].decode()
            # no cookie came with the form, so the answer is the plain 403 page
            assert head.startswith("HTTP/1.1 403 ") and "Connection: close" in head
            assert await asyncio.wait_for(stopping, 60) is True
            assert app.in_flight == 0
            writer.close()
        finally:
            listener.stop()
            app.shutdown(wait=True)

    asyncio.run(main())


def test_the_command_is_listed_in_the_help():
    run = subprocess.run(
        [sys.executable, "-m", "partnership_tools", "participants", "--help"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert run.returncode == 0 and "--base-url" in run.stdout and "--public-url" in run.stdout
