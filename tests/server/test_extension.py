"""The server extension as a configurable ``ExtensionApp``: its traits, their precedence
(configuration over environment over built-in default), the handlers it adds, and a real server."""

from __future__ import annotations

import http.client
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from traitlets import TraitError
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from partnership_tools.server import _jupyter_server_extension_points, serve  # noqa: E402
from partnership_tools.server import review_form as review_form_module  # noqa: E402
from partnership_tools.server.extension import PartnershipToolsApp  # noqa: E402
from partnership_tools.server.handlers import ParticipantStaticHandler, StartHandler  # noqa: E402
from partnership_tools.server.serve import ServerProcess  # noqa: E402
from partnership_tools.store import Store  # noqa: E402
from partnership_tools.vote.model import Option  # noqa: E402

ENV_NAMES = (
    "PARTNERSHIP_TOOLS_DB",
    "PT_DOWNLOADS_DIR",
    "PT_PUBLIC_URL",
    "PT_PARTICIPANTS_HOST",
    "PT_PARTICIPANTS_PORT",
)


@pytest.fixture
def clean_env(tmp_path, monkeypatch) -> Path:
    """No kit variables set; the per-user data folder is ``tmp_path/data``."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def configured(**traits) -> PartnershipToolsApp:
    return PartnershipToolsApp(config=Config({"PartnershipToolsApp": traits}))


# -- the traits ---------------------------------------------------------------------------------
def test_the_extension_point_is_the_app():
    (point,) = _jupyter_server_extension_points()
    assert point["app"] is PartnershipToolsApp
    assert point["module"] == "partnership_tools.server"
    assert PartnershipToolsApp.name == "partnership_tools"


def test_defaults_without_config_or_environment(clean_env):
    app = PartnershipToolsApp()
    store_dir = clean_env / "data" / "partnership-tools"
    assert app.db == str(store_dir / "partnership-tools.sqlite")
    assert app.min_group_size == 5
    assert app.export_dir == str(store_dir / "downloads")
    assert app.public_url == ""
    # The participants' listener: on, on this machine's network address (found when it binds).
    assert app.participants_listener is True
    assert app.participants_host == ""
    assert app.participants_port == 8867


def test_environment_beats_the_default(clean_env, monkeypatch):
    monkeypatch.setenv("PARTNERSHIP_TOOLS_DB", str(clean_env / "env" / "s.sqlite"))
    monkeypatch.setenv("PT_PUBLIC_URL", "http://10.1.2.3:8866/")
    app = PartnershipToolsApp()
    assert app.db == str(clean_env / "env" / "s.sqlite")
    assert app.export_dir == str(clean_env / "env" / "downloads")
    assert app.public_url == "http://10.1.2.3:8866"
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(clean_env / "out"))
    assert PartnershipToolsApp().export_dir == str(clean_env / "out")
    monkeypatch.setenv("PT_PARTICIPANTS_HOST", "127.0.0.2")
    monkeypatch.setenv("PT_PARTICIPANTS_PORT", "9001")
    app = PartnershipToolsApp()
    assert (app.participants_host, app.participants_port) == ("127.0.0.2", 9001)
    assert configured(participants_port=9002).participants_port == 9002
    monkeypatch.setenv("PT_PARTICIPANTS_PORT", "not a port")
    assert PartnershipToolsApp().participants_port == 8867


def test_config_beats_the_environment(clean_env, monkeypatch):
    monkeypatch.setenv("PARTNERSHIP_TOOLS_DB", str(clean_env / "env" / "s.sqlite"))
    monkeypatch.setenv("PT_PUBLIC_URL", "http://10.1.2.3:8866")
    app = configured(db=str(clean_env / "cfg" / "c.sqlite"), public_url="https://vote.example/")
    assert app.db == str(clean_env / "cfg" / "c.sqlite")
    assert app.public_url == "https://vote.example"
    # The export folder follows the configured store...
    assert app.export_dir == str(clean_env / "cfg" / "downloads")
    # ... unless the environment names one, and configuration beats that in turn.
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(clean_env / "env-out"))
    assert configured(db="/x/c.sqlite").export_dir == str(clean_env / "env-out")
    app = configured(db="/x/c.sqlite", export_dir=str(clean_env / "cfg-out"), min_group_size=8)
    assert app.export_dir == str(clean_env / "cfg-out")
    assert app.min_group_size == 8


def test_command_line_options_reach_the_traits(clean_env):
    app = PartnershipToolsApp()
    app.parse_command_line(
        ["--PartnershipToolsApp.db=/srv/pt/s.sqlite", "--PartnershipToolsApp.min_group_size=3"]
    )
    assert (app.db, app.min_group_size, app.export_dir) == (
        "/srv/pt/s.sqlite",
        3,
        "/srv/pt/downloads",
    )


def test_min_group_size_below_one_is_refused(clean_env):
    with pytest.raises(TraitError):
        configured(min_group_size=0)


def test_kernels_inherit_the_configuration(clean_env):
    env: dict[str, str] = {}
    app = configured(db="/srv/pt/s.sqlite")
    assert app.kernel_environment(env) == {"PARTNERSHIP_TOOLS_DB": "/srv/pt/s.sqlite"}
    app = configured(db="/srv/pt/s.sqlite", export_dir="/srv/out", public_url="http://h:1/")
    assert app.kernel_environment(env) == {
        "PARTNERSHIP_TOOLS_DB": "/srv/pt/s.sqlite",
        "PT_DOWNLOADS_DIR": "/srv/out",
        "PT_PUBLIC_URL": "http://h:1",
    }
    # Without a public URL the kernels get the participants' listener's address ...
    app = configured(db="/srv/pt/s.sqlite")
    app.listener_base = "http://10.0.0.5:8867"
    assert app.kernel_environment(env)["PT_PUBLIC_URL"] == "http://10.0.0.5:8867"
    # ... and a public URL (a reverse proxy or tunnel) beats it.
    app = configured(db="/srv/pt/s.sqlite", public_url="https://vote.example/")
    app.listener_base = "http://10.0.0.5:8867"
    assert app.kernel_environment(env)["PT_PUBLIC_URL"] == "https://vote.example"


def bound(tmp_path, **traits) -> PartnershipToolsApp:
    app = configured(db=str(tmp_path / "s.sqlite"), **traits)
    app.serverapp = SimpleNamespace(  # only what bind_listener reads
        log=logging.getLogger("pt-test"), web_app=SimpleNamespace(settings={"base_url": "/pt/"})
    )
    app.bind_listener()
    return app


def test_the_listener_binds_where_configured_and_names_its_address(tmp_path):
    app = bound(tmp_path, participants_host="127.0.0.2", participants_port=0)
    try:
        assert app.listener is not None
        port = app.listener.port
        assert port > 0
        assert app.listener.sockets[0].getsockname() == ("127.0.0.2", port)
        assert app.listener_base == f"http://127.0.0.2:{port}/pt"
        assert app.participants_problem == ""
        where = app.reach()
        assert where.join_base == f"http://127.0.0.2:{port}/pt"
        assert where.local_only and "127.0.0.2" in where.warning
    finally:
        app.listener.stop()


def test_with_no_network_address_the_listener_falls_back_to_loopback_and_says_so(
    tmp_path, monkeypatch
):
    from partnership_tools.server import extension as extension_module
    from partnership_tools.server.reach import NO_NETWORK, choose_host

    monkeypatch.setattr(
        extension_module, "choose_host", lambda host: choose_host(host, detect=lambda: None)
    )
    app = bound(tmp_path, participants_host="", participants_port=0)
    try:
        assert app.listener is not None
        assert app.listener.sockets[0].getsockname()[0] == "127.0.0.1"
        assert app.listener_base == f"http://127.0.0.1:{app.listener.port}/pt"
        where = app.reach()
        assert where.local_only and where.warning == NO_NETWORK
        text = serve.serve_report(
            serve.AppURLs("http://127.0.0.1:8866", "t", None, where.join_base), where, qr=False
        )
        assert "Warning: this computer has no network address" in text
        assert f"  Ballot:       {app.listener_base}/vote/<session id>" in text
    finally:
        app.listener.stop()


def test_a_port_in_use_is_one_sentence_and_no_listener(tmp_path, caplog):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.2", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with caplog.at_level(logging.ERROR, logger="pt-test"):
            app = bound(tmp_path, participants_host="127.0.0.2", participants_port=port)
    assert app.listener is None and app.listener_base == ""
    assert app.participants_problem.startswith(
        f"The participants' pages could not listen on 127.0.0.2 port {port} (address already in use)"
    )
    assert app.participants_problem.count(". ") == 0  # one sentence
    assert "could not listen" in caplog.text


def test_serve_passes_the_options_on_the_command_line(tmp_path):
    ext = serve.extension_settings()
    argv = serve.server_argv(
        notebooks=tmp_path,
        token="t",
        extensions=ext,
        db=tmp_path / "s.sqlite",
        public_url="http://10.0.0.9:8866/",
    )
    assert f"--PartnershipToolsApp.db={tmp_path / 's.sqlite'}" in argv
    assert "--PartnershipToolsApp.public_url=http://10.0.0.9:8866" in argv
    plain = serve.server_argv(notebooks=tmp_path, token="t", extensions=ext)
    assert not any(a.startswith("--PartnershipToolsApp") for a in plain)


# -- the handlers ---------------------------------------------------------------------------------
def linked(app: PartnershipToolsApp, base_url: str, log: logging.Logger) -> PartnershipToolsApp:
    app.serverapp = SimpleNamespace(  # only what initialize_handlers reads
        log=log, web_app=SimpleNamespace(settings={"base_url": base_url})
    )
    return app


def test_handlers_are_the_participant_and_review_form_pages(tmp_path):
    app = linked(
        configured(db=str(tmp_path / "s.sqlite"), min_group_size=9), "/pt/", logging.getLogger("t")
    )
    app.initialize_handlers()
    patterns = [h[0] for h in app.handlers]
    # Relative to the base URL: ExtensionApp puts "/pt/" in front of each.
    assert patterns[:2] == ["/vote/?", "/vote/([^/]{1,200})/?"]
    assert "/vote-static/(.*)" in patterns
    assert any(p.startswith("/review-form/") for p in patterns)
    assert not any(p.startswith("/pt") for p in patterns)
    classes = {h[1] for h in app.handlers}
    assert StartHandler in classes and ParticipantStaticHandler in classes
    assert app.participants.db_path == (tmp_path / "s.sqlite").resolve()
    assert app.participants.min_group_size == 9
    assert app.participants.url("vote/x") == "/pt/vote/x"


def test_a_review_form_fault_leaves_the_ballot_pages(tmp_path, monkeypatch, caplog):
    def broken(_app):
        raise RuntimeError("review form broken")

    monkeypatch.setattr(review_form_module, "review_form_handlers", broken)
    app = linked(configured(db=str(tmp_path / "s.sqlite")), "/", logging.getLogger("pt-test"))
    with caplog.at_level(logging.ERROR, logger="pt-test"):
        app.initialize_handlers()
    patterns = [h[0] for h in app.handlers]
    assert "/vote/?" in patterns
    assert not any("review-form" in p for p in patterns)
    assert "the review form pages could not be loaded" in caplog.text


# -- a real server ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    work = tmp_path_factory.mktemp("extension")
    notebooks = work / "notebooks"
    notebooks.mkdir()
    # A store named in the environment that the command-line option must override.
    env = {"PARTNERSHIP_TOOLS_DB": str(work / "from-env.sqlite")}
    extra = ["--public-url", "http://192.0.2.7:9999/"]
    with ServerProcess(notebooks=notebooks, workdir=work, env=env, extra_args=extra) as srv:
        store = Store(srv.db_path)
        store.create_session("Which way?", session_id="cfg-vote")
        store.add_options("cfg-vote", [Option("A", "Alpha"), Option("B", "Beta")])
        store.open_round("cfg-vote", ["A", "B"])
        store.close()
        yield srv


def get(server: ServerProcess, path: str, token: bool = False) -> tuple[int, str]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    headers = {"Authorization": f"token {server.token}"} if token else {}
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read().decode("utf-8", "replace")
    conn.close()
    return resp.status, body


def test_ballot_pages_answer_without_the_token(server):
    status, body = get(server, "/vote/")
    assert status == 200
    assert server.token not in body
    status, body = get(server, "/vote/cfg-vote")
    assert status == 200
    assert "Alpha" in body and "Beta" in body


def test_the_api_needs_the_token(server):
    assert get(server, "/api/kernels")[0] == 403
    status, body = get(server, "/api/kernels", token=True)
    assert status == 200
    assert body.strip().startswith("[")


def test_the_review_form_pages_are_served(server):
    status, body = get(server, "/review-form/no-such-review")
    assert status == 404
    assert "There is no review at this address" in body


def test_the_store_option_beats_the_environment(server):
    # The session lives in the --db store; the environment's store was never opened.
    assert not (server.workdir / "from-env.sqlite").exists()
    assert get(server, "/vote/cfg-vote")[0] == 200


def test_the_printed_links_use_the_public_url(server):
    out = server.stdout_text()
    assert "  Ballot:       http://192.0.2.7:9999/vote/" in out
    assert "  Review form:  http://192.0.2.7:9999/review-form/" in out
    # The facilitator's links stay on this computer: the tunnel is for participants only.
    assert (
        f"  Facilitator:  http://127.0.0.1:{server.port}/voila/render/facilitator.ipynb?token="
        in out
    )
    assert "192.0.2.7:9999/voila" not in out
    assert "only this computer can reach" not in out  # a tunnel or proxy reaches the room
