"""``partnership-tools serve``: its options, the server it configures and the URLs it prints."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from partnership_tools.server import serve  # noqa: E402
from partnership_tools.server.serve import ServerProcess  # noqa: E402
from partnership_tools.vote.sessionfile import read_session  # noqa: E402

ENV_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": [
                "import os, partnership_tools\n",
                "print('DB=' + os.environ.get('PARTNERSHIP_TOOLS_DB', 'unset'))\n",
                "print('KIT=' + os.path.dirname(partnership_tools.__file__))\n",
                "print('JOIN=' + os.environ.get('PT_PUBLIC_URL', 'unset'))",
            ],
        }
    ],
    "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def run_cli(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "partnership_tools", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_help():
    out = run_cli("serve", "--help")
    assert out.returncode == 0, out.stderr
    for flag in (
        "--db",
        "--host",
        "--port",
        "--token",
        "--notebooks",
        "--sample",
        "--participants-host",
        "--participants-port",
        "--no-participants-listener",
        "--public-url",
    ):
        assert flag in out.stdout
    assert "127.0.0.1" in out.stdout
    assert "8867" in out.stdout
    top = run_cli("--help")
    assert "serve" in top.stdout


def test_bad_notebooks_folder_is_one_sentence(tmp_path):
    out = run_cli(
        "serve", "--db", str(tmp_path / "s.sqlite"), "--notebooks", str(tmp_path / "nope")
    )
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0
    assert "does not exist" in out.stderr
    assert "Traceback" not in out.stderr


def test_unknown_session_is_one_sentence(tmp_path):
    out = run_cli(
        "serve", "--db", str(tmp_path / "s.sqlite"), "--notebooks", str(tmp_path), "--session", "x"
    )
    assert out.returncode == 2
    assert "There is no session 'x'" in out.stderr
    assert "Traceback" not in out.stderr


def test_server_argv_sets_what_the_apps_need(tmp_path):
    ext = serve.extension_settings(["jupyterlab", "some_other_extension", "voila.server_extension"])
    argv = serve.server_argv(
        notebooks=tmp_path, token="tok", extensions=ext, cull_idle=600, allow_root=True
    )
    opts = dict(a[2:].split("=", 1) for a in argv)
    exts = ast.literal_eval(opts["ServerApp.jpserver_extensions"])
    assert exts["voila.server_extension"] is True
    assert exts["partnership_tools.server"] is True
    for off in (
        "jupyterlab",
        "notebook",
        "jupyter_lsp",
        "jupyter_server_terminals",
        "notebook_shim",
        "some_other_extension",
    ):
        assert exts[off] is False, off
    assert opts["ServerApp.ip"] == "127.0.0.1"
    assert opts["ServerApp.port"] == "8866"
    assert opts["ServerApp.terminals_enabled"] == "False"
    assert opts["ServerApp.open_browser"] == "False"
    assert opts["ServerApp.root_dir"] == str(tmp_path)
    assert opts["ServerApp.default_url"] == "/voila/render/facilitator.ipynb"
    assert opts["IdentityProvider.token"] == "tok"
    assert opts["MappingKernelManager.cull_idle_timeout"] == "600"
    assert opts["MappingKernelManager.cull_interval"] == "60"
    assert opts["MappingKernelManager.cull_connected"] == "False"
    assert opts["VoilaConfiguration.show_tracebacks"] == "False"
    assert opts["ServerApp.allow_root"] == "True"
    no_root = serve.server_argv(notebooks=tmp_path, token="t", extensions=ext, allow_root=False)
    assert not any("allow_root" in a for a in no_root)
    # The participants' listener keeps the extension's defaults unless serve was told otherwise.
    assert not any(a.startswith("--PartnershipToolsApp.participants") for a in argv)
    told = serve.server_argv(
        notebooks=tmp_path,
        token="t",
        extensions=ext,
        participants_host="127.0.0.2",
        participants_port=0,
    )
    assert "--PartnershipToolsApp.participants_host=127.0.0.2" in told
    assert "--PartnershipToolsApp.participants_port=0" in told
    off = serve.server_argv(
        notebooks=tmp_path, token="t", extensions=ext, participants_listener=False
    )
    assert "--PartnershipToolsApp.participants_listener=False" in off


@pytest.mark.parametrize(
    ("flags", "sentence"),
    [
        (["--participants-port", "70000"], "--participants-port must be between 0 and 65535."),
        (["--public-url", "vote.example"], "--public-url 'vote.example' is not an address"),
    ],
)
def test_bad_participants_options_are_one_sentence(tmp_path, flags, sentence):
    out = run_cli("serve", "--db", str(tmp_path / "s.sqlite"), "--notebooks", str(tmp_path), *flags)
    assert out.returncode == 2
    assert sentence in out.stderr
    assert out.stderr.strip().count("\n") == 0
    assert "Traceback" not in out.stderr


def test_configured_extensions_are_found_and_switched_off(tmp_path, monkeypatch):
    cfg = tmp_path / "cfg" / "jupyter_server_config.d"
    cfg.mkdir(parents=True)
    (cfg / "x.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"surprise_extension": True}}})
    )
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "cfg"))
    found = serve.configured_extensions()
    assert "surprise_extension" in found
    assert serve.extension_settings(sorted(found))["surprise_extension"] is False


def test_default_notebooks_folder_is_the_repositorys():
    assert serve.DEFAULT_NOTEBOOKS == ROOT / "notebooks"


def test_app_urls():
    urls = serve.AppURLs("http://127.0.0.1:8866", "t0k", "my session")
    assert urls.facilitator == "http://127.0.0.1:8866/voila/render/facilitator.ipynb?token=t0k"
    assert urls.projector == (
        "http://127.0.0.1:8866/voila/render/projector.ipynb?session=my+session&token=t0k"
    )
    assert urls.review == "http://127.0.0.1:8866/voila/render/partnership_review.ipynb?token=t0k"
    assert urls.ballot == "http://127.0.0.1:8866/vote/my%20session"
    assert "t0k" not in urls.ballot
    # Participants join at their own listener; the facilitator's links stay on this computer.
    split = serve.AppURLs(
        "http://127.0.0.1:8866", "t0k", "my session", participants="http://10.0.0.5:8867/"
    )
    assert split.ballot == "http://10.0.0.5:8867/vote/my%20session"
    assert split.review_form == "http://10.0.0.5:8867/review-form/"
    assert split.facilitator == urls.facilitator and split.projector == urls.projector


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory) -> Iterator[ServerProcess]:
    work = tmp_path_factory.mktemp("serve")
    notebooks = work / "notebooks"
    notebooks.mkdir()
    (notebooks / "env.ipynb").write_text(json.dumps(ENV_NOTEBOOK))
    with ServerProcess(notebooks=notebooks, workdir=work, extra_args=["--sample"]) as srv:
        yield srv


def printed_urls(text: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(Facilitator|Projector|Review app|Ballot):\s+(\S+)", text, re.M))


def test_sample_server_prints_the_right_urls(sample_server):
    sample = read_session(serve.SAMPLE_SESSION_FILE)
    urls = printed_urls(sample_server.stdout_text())
    base = sample_server.base_url
    tok = urllib.parse.urlencode({"token": sample_server.token})
    assert urls["Facilitator"] == f"{base}/voila/render/facilitator.ipynb?{tok}"
    assert urls["Projector"] == (f"{base}/voila/render/projector.ipynb?session={sample.id}&{tok}")
    assert urls["Review app"] == f"{base}/voila/render/partnership_review.ipynb?{tok}"
    assert urls["Ballot"] == f"{sample_server.participants_base_url}/vote/{sample.id}"
    assert sample_server.participants_base_url.startswith("http://127.0.0.2:")
    assert base.startswith("http://127.0.0.1:")
    assert f"Loaded the sample session '{sample.id}'" in sample_server.stdout_text()


def test_sample_ballot_page_shows_the_finished_vote(sample_server):
    sample = read_session(serve.SAMPLE_SESSION_FILE)
    ballot = printed_urls(sample_server.stdout_text())["Ballot"]
    with urllib.request.urlopen(ballot, timeout=30) as r:
        page = r.read().decode()
    assert "Voting is closed" in page
    assert f"Round {len(sample.rounds)} has closed" in page
    with urllib.request.urlopen(ballot + "/results", timeout=30) as r:
        results = r.read().decode()
    for rnd in sample.rounds:
        assert f"Round {rnd.number}" in results
        assert f"{len(rnd.ballots)} valid ballots" in results


def test_kernels_get_the_store_path_and_the_kit(sample_server):
    url = sample_server.url("/voila/render/env.ipynb")
    with urllib.request.urlopen(url, timeout=120) as r:
        page = r.read().decode()
    assert f"DB={sample_server.db_path.resolve()}" in page
    assert f"KIT={ROOT / 'partnership_tools'}" in page
    # The projector's join link and QR code: the participants' listener, not 127.0.0.1.
    join = re.search(r"JOIN=([^\s<]+)", page)
    assert join and join.group(1) == sample_server.participants_base_url


def test_server_listens_on_loopback_only(sample_server):
    from tests.server.test_participants_listener import listening_ipv4

    # /proc/net/tcp: needs no tool the machine may lack; only the server's own sockets (a
    # kernel's port on 127.0.0.1 may happen to share a number with a listener on 127.0.0.2)
    local = listening_ipv4(sample_server.pid)
    mine = [a for a in local if a.endswith(f":{sample_server.port}")]
    assert mine == [f"127.0.0.1:{sample_server.port}"], local
    port = sample_server.participants_port
    assert [a for a in local if a.endswith(f":{port}")] == [f"127.0.0.2:{port}"], local


def test_without_the_participants_listener_serve_says_only_this_computer_reaches_it(tmp_path):
    with ServerProcess(notebooks=tmp_path, workdir=tmp_path / "w", participants_host=None) as srv:
        out = srv.stdout_text()
        assert f"  Ballot:       {srv.base_url}/vote/<session id>" in out
        assert "--no-participants-listener" in " ".join(srv.command())
        assert (
            "Warning: the participants' pages are served only by the apps' server on 127.0.0.1,"
            " so only this computer can reach them"
        ) in out
        with urllib.request.urlopen(srv.url("/vote/", token=False), timeout=30) as r:
            assert r.status == 200


def test_stop_ends_the_server(tmp_path):
    srv = ServerProcess(notebooks=tmp_path, workdir=tmp_path / "w")
    srv.start()
    pid = srv.pid
    srv.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_voila_templates_are_found_here():
    dirs = serve.voila_template_dirs()
    assert dirs and all((d / "index.html.j2").is_file() for d in dirs)


def test_serve_refuses_to_start_without_voila_templates(tmp_path, monkeypatch, capsys):
    """An environment with the voila module but not its page templates gets one sentence, exit 2,
    instead of app pages that never finish loading."""
    from partnership_tools.cli.main import main

    monkeypatch.setattr(serve, "voila_template_dirs", lambda template="lab": [])
    db = tmp_path / "s.sqlite"
    assert main(["serve", "--port", "0", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "page template is not on the Jupyter path" in err
    assert "Traceback" not in err
    assert not db.exists()  # refused before anything was written
