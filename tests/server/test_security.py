"""A participant (no token) reaches the ballot pages and nothing else of the Jupyter server.

The server runs exactly as ``partnership-tools serve`` runs it. Without the token every Jupyter
API (kernels, contents, sessions, terminals), JupyterLab, the file tree and the Voilà apps are
refused; with the token the APIs answer (so the refusals are meaningful), and JupyterLab, the
notebook tree and terminals are not there at all.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from partnership_tools.server.serve import ServerProcess  # noqa: E402
from partnership_tools.store import Store  # noqa: E402
from partnership_tools.vote.model import Option  # noqa: E402

BLANK_NOTEBOOK = {
    "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Blank"]}],
    "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}
SECRET_TEXT = "facilitator-only-secret-4242"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    work = tmp_path_factory.mktemp("security")
    notebooks = work / "notebooks"
    notebooks.mkdir()
    for name in ("facilitator.ipynb", "projector.ipynb", "blank.ipynb"):
        (notebooks / name).write_text(json.dumps(BLANK_NOTEBOOK))
    (notebooks / "notes.txt").write_text(SECRET_TEXT)
    with ServerProcess(notebooks=notebooks, workdir=work) as srv:
        store = Store(srv.db_path)
        store.create_session("Which way?", session_id="open-vote")
        store.add_options("open-vote", [Option("A", "Alpha"), Option("B", "Beta")])
        store.open_round("open-vote", ["A", "B"])
        store.close()
        yield srv


def fetch(server: ServerProcess, method: str, path: str, token: bool = False, body=None):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"token {server.token}"
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    text = r.read().decode("utf-8", "replace")
    conn.close()
    return r.status, dict(r.getheaders()), text


REFUSED = (401, 403, 404, 405)

PROTECTED = [
    ("GET", "/api/kernels"),
    ("GET", "/api/contents"),
    ("GET", "/api/contents/notes.txt"),
    ("GET", "/api/contents/facilitator.ipynb"),
    ("GET", "/api/sessions"),
    ("GET", "/api/terminals"),
    ("GET", "/api/kernelspecs"),
    ("GET", "/api/config/x"),
    ("GET", "/terminals/websocket/1"),
    ("GET", "/lab"),
    ("GET", "/tree"),
    ("GET", "/notebooks/facilitator.ipynb"),
    ("GET", "/edit/notes.txt"),
    ("GET", "/files/notes.txt"),
    ("GET", "/view/notes.txt"),
    ("GET", "/nbconvert/html/facilitator.ipynb"),
    ("GET", "/voila/render/facilitator.ipynb"),
    ("GET", "/voila/render/projector.ipynb?session=open-vote"),
    ("GET", "/voila/tree"),
    ("GET", "/voila/api/contents"),
    ("POST", "/api/kernels"),
    ("POST", "/api/sessions"),
    ("POST", "/api/terminals"),
    ("POST", "/voila/api/shutdown/abc"),
    ("PUT", "/api/contents/evil.txt"),
    ("DELETE", "/api/contents/notes.txt"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_without_the_token_jupyter_refuses(server, method, path):
    body = "{}" if method in ("POST", "PUT") else None
    status, headers, text = fetch(server, method, path, body=body)
    if status == 302:
        assert "/login" in headers.get("Location", ""), headers
    else:
        assert status in REFUSED, (path, status, text[:300])
    assert SECRET_TEXT not in text
    assert '"kernel' not in text and '"execution_state"' not in text
    assert '"content"' not in text and '"mimetype"' not in text
    assert "jupyterlab" not in text.lower()


def test_without_the_token_no_kernel_was_started_and_nothing_written(server):
    # The only kernels are those the server keeps ready for its apps, one per app notebook here
    # (partnership_tools.server.preheat); they start on their own, so wait for them first.
    from partnership_tools.server.serve import APP_NOTEBOOKS

    preheated = [nb for nb in APP_NOTEBOOKS.values() if (server.notebooks / nb).is_file()]
    deadline = time.monotonic() + 60
    while True:
        status, _, text = fetch(server, "GET", "/api/kernels", token=True)
        assert status == 200
        if len(json.loads(text)) >= len(preheated) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(json.loads(text)) == len(preheated) == 2
    assert not (server.notebooks / "evil.txt").exists()
    assert (server.notebooks / "notes.txt").read_text() == SECRET_TEXT


def test_ballot_pages_answer_without_the_token(server):
    for path in (
        "/vote/",
        "/vote/open-vote",
        "/vote/open-vote/status.json",
        "/vote-static/ballot.css",
        "/vote-static/ballot.js",
    ):
        status, _, _ = fetch(server, "GET", path)
        assert status == 200, path


def test_with_the_token_the_api_answers_but_lab_tree_and_terminals_are_absent(server):
    status, _, text = fetch(server, "GET", "/api/contents", token=True)
    assert status == 200 and "facilitator.ipynb" in text
    for path in (
        "/lab",
        "/tree",
        "/api/terminals",
        "/terminals/websocket/1",
        "/notebooks/x",
        "/lsp/status",
    ):
        status, _, _ = fetch(server, "GET", path, token=True)
        assert status == 404, path
    status, _, _ = fetch(server, "POST", "/api/terminals", token=True, body="{}")
    assert status in (404, 405)


def test_voila_app_opens_with_the_token(server):
    status, _, text = fetch(server, "GET", "/voila/render/blank.ipynb", token=True)
    assert status == 200
    assert "Blank" in text


def test_participant_pages_do_not_leak_the_token(server):
    for path in ("/vote/", "/vote/open-vote", "/vote/nothing"):
        _, headers, text = fetch(server, "GET", path)
        assert server.token not in text
        assert server.token not in json.dumps(headers)


@pytest.mark.parametrize(
    "path",
    [
        "/voila/templates/../x",
        "/voila/templates/lab/static/../../x",
        "/voila/templates/../../etc/passwd",
        "/voila/templates/lab",
        "/voila/templates/lab/nostatic/voila.js",
    ],
)
def test_voilas_template_route_answers_404_to_a_malformed_path(server, path):
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(server.url(path, token=True), timeout=30)
    assert err.value.code == 404  # was 500 (an assert inside Voila's handler)


def test_voilas_template_files_are_still_served(server):
    import urllib.request

    url = server.url("/voila/templates/lab/static/voila.js", token=True)
    with urllib.request.urlopen(url, timeout=30) as r:
        assert r.status == 200 and len(r.read()) > 1000
