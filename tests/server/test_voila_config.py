"""Voilà's configuration for ``serve``: the kit's page template and the preheated kernels.

The pages themselves (no request to another host, the token gone from the address bar, the
query read after preheating) are checked in a real browser: tests/browser/test_app_pages.py.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from partnership_tools.server import serve, voila_config
from partnership_tools.server.voila_config import (
    TEMPLATE_NAME,
    TEMPLATE_ROOT,
    kit_jupyter_path,
    use_kit_template,
    voila_argv,
)

APPS = ["facilitator.ipynb", "projector.ipynb"]


def parsed(argv: list[str]):
    """A Jupyter ServerApp that has read ``argv`` (as ``serve`` hands it over), not started."""
    from jupyter_server.serverapp import ServerApp

    app = ServerApp()
    app.parse_command_line(argv)
    return app


def test_voila_argv_names_the_template_the_pool_and_no_tracebacks():
    flags = voila_argv(APPS, pool_size=2)
    opts: dict[str, list[str]] = {}
    for flag in flags:
        key, value = flag[2:].split("=", 1)
        opts.setdefault(key, []).append(value)
    assert opts["VoilaConfiguration.template"] == ["partnership_tools"]
    assert opts["VoilaConfiguration.show_tracebacks"] == ["False"]
    assert opts["ServerApp.kernel_manager_class"] == [
        "partnership_tools.server.preheat.PreheatedKernelManager"
    ]
    assert opts["PreheatedKernelManager.pool_size"] == ["2"]
    assert opts["PreheatedKernelManager.preheat_notebooks"] == APPS


def test_a_negative_pool_is_refused_in_one_sentence():
    with pytest.raises(ValueError, match=r"^pool_size must be 0 or more, not -1\.$"):
        voila_argv(APPS, pool_size=-1)


def test_the_server_reads_the_options_as_meant(monkeypatch):
    """The command line as Jupyter parses it: one template, the app list as a list (a list
    option given as one Python literal would become a single odd notebook name)."""
    from voila.configuration import VoilaConfiguration

    from partnership_tools.server.preheat import PreheatedKernelManager

    monkeypatch.setenv("JUPYTER_PATH", "/nowhere")  # the manager edits the environment
    app = parsed(voila_argv(APPS, pool_size=3))
    assert VoilaConfiguration(parent=app).template == TEMPLATE_NAME
    assert VoilaConfiguration(parent=app).show_tracebacks is False
    assert app.kernel_manager_class is PreheatedKernelManager
    manager = PreheatedKernelManager(parent=app)
    assert manager.preheat_notebooks == APPS
    assert manager.pool_size == 3
    # made by the server, it puts the kit's template on the Jupyter data path first
    assert os.environ["JUPYTER_PATH"].split(os.pathsep) == [str(TEMPLATE_ROOT), "/nowhere"]


def test_serve_runs_with_each_voila_option_once_and_preheats_its_four_apps(tmp_path):
    ext = serve.extension_settings()
    argv = serve.server_argv(notebooks=tmp_path, token="t", extensions=ext)
    keys = [a[2:].split("=", 1)[0] for a in argv]
    for key in ("VoilaConfiguration.template", "VoilaConfiguration.show_tracebacks"):
        assert keys.count(key) == 1, key  # twice, and the server refuses to start
    preheated = [a.split("=", 1)[1] for a in argv if "preheat_notebooks=" in a]
    assert preheated == [
        "facilitator.ipynb",
        "projector.ipynb",
        "partnership_review.ipynb",
        "replay_session.ipynb",
    ]
    assert set(preheated) == set(serve.APP_NOTEBOOKS.values())


def test_kit_jupyter_path_puts_the_template_first_once():
    sep = os.pathsep
    assert kit_jupyter_path(None) == str(TEMPLATE_ROOT)
    assert kit_jupyter_path("") == str(TEMPLATE_ROOT)
    assert kit_jupyter_path(f"/a{sep}/b") == f"{TEMPLATE_ROOT}{sep}/a{sep}/b"
    # already there (even in the middle): moved to the front, never repeated
    assert kit_jupyter_path(f"/a{sep}{TEMPLATE_ROOT}{sep}/b") == f"{TEMPLATE_ROOT}{sep}/a{sep}/b"
    env = {"JUPYTER_PATH": "/a"}
    use_kit_template(env)
    use_kit_template(env)
    assert env == {"JUPYTER_PATH": f"{TEMPLATE_ROOT}{sep}/a"}


def test_the_template_is_found_on_the_jupyter_path_and_builds_on_lab(monkeypatch):
    from voila.paths import collect_template_paths

    monkeypatch.setenv("JUPYTER_PATH", kit_jupyter_path(os.environ.get("JUPYTER_PATH")))
    paths = collect_template_paths(["voila", "nbconvert"], TEMPLATE_NAME)
    ours = TEMPLATE_ROOT / "voila" / "templates" / TEMPLATE_NAME
    assert Path(paths[0]) == ours
    assert (ours / "index.html.j2").is_file()
    # the hierarchy goes on to Voila's own "lab" and "base" templates
    names = [Path(p).name for p in paths if Path(p).is_dir()]
    assert names.index(TEMPLATE_NAME) < names.index("lab") < names.index("base")


def test_the_template_links_nothing_on_another_host_and_drops_the_token():
    text = (TEMPLATE_ROOT / "voila" / "templates" / TEMPLATE_NAME / "index.html.j2").read_text()
    code = text.split("-#}", 1)[1]  # below the comment at the top
    assert "http://" not in code and "https://" not in code and "//cdn" not in code
    assert 'url.searchParams.delete("token")' in code
    assert "history.replaceState" in code


# -- the preheated kernels' helpers ----------------------------------------------------------------
def test_kernels_reach_the_server_on_this_computer():
    from partnership_tools.server.preheat import same_host_address

    assert same_host_address("") == "127.0.0.1"
    assert same_host_address("0.0.0.0") == "127.0.0.1"
    assert same_host_address("::") == "127.0.0.1"
    assert same_host_address("localhost") == "127.0.0.1"
    assert same_host_address("127.0.0.1") == "127.0.0.1"
    assert same_host_address("10.1.2.3") == "10.1.2.3"
    assert same_host_address("fe80::1") == "[fe80::1]"


def request_from(remote: str, local: str):
    """A request-info socket handler (not opened) for a connection from ``remote`` to ``local``."""
    from partnership_tools.server.preheat import LocalRequestInfoHandler

    handler = object.__new__(LocalRequestInfoHandler)
    sock = SimpleNamespace(getsockname=lambda: (local, 8866))
    handler.request = SimpleNamespace(
        remote_ip=remote, connection=SimpleNamespace(stream=SimpleNamespace(socket=sock))
    )
    return handler


@pytest.mark.parametrize(
    ("remote", "local", "allowed"),
    [
        ("127.0.0.1", "127.0.0.1", True),
        ("127.0.0.5", "127.0.0.1", True),  # all of 127.0.0.0/8 is this computer
        ("::1", "::1", True),
        ("192.168.1.20", "192.168.1.20", True),  # this computer, by its network address
        ("192.168.1.31", "192.168.1.20", False),  # another computer on the network
        ("not an address", "127.0.0.1", False),
    ],
)
def test_the_request_socket_answers_only_this_computer(remote, local, allowed):
    assert request_from(remote, local)._from_this_computer() is allowed
    if allowed and remote != local:
        assert ipaddress.ip_address(remote).is_loopback


def test_the_query_route_sits_under_the_base_url():
    import re

    from partnership_tools.server.preheat import query_route

    kid = "0f0e0d0c-1111-2222-3333-444455556666"
    assert re.fullmatch(query_route("/"), f"/voila/query/{kid}")
    assert re.fullmatch(query_route("/pt/"), f"/pt/voila/query/{kid}")
    assert not re.fullmatch(query_route("/pt/"), f"/voila/query/{kid}")


def test_the_module_docstring_example_runs():
    flags = voila_config.voila_argv(["x.ipynb"])
    assert flags[-1] == "--PreheatedKernelManager.preheat_notebooks=x.ipynb"
    assert f"--PreheatedKernelManager.pool_size={voila_config.DEFAULT_POOL_SIZE}" in flags


def test_a_kernel_is_given_its_request_without_the_token():
    from partnership_tools.server.preheat import without_token

    info = {
        "QUERY_STRING": "session=county-2024&token=s3cr%2Bt&review=&token=again",
        "SCRIPT_NAME": "/voila/render/projector.ipynb",
    }
    assert without_token(info) == {
        "QUERY_STRING": "session=county-2024&review=",
        "SCRIPT_NAME": "/voila/render/projector.ipynb",
    }
    assert info["QUERY_STRING"].endswith("token=again")  # the handler's own copy is untouched
    assert without_token({"QUERY_STRING": ""}) == {"QUERY_STRING": ""}
    assert without_token({"SERVER_NAME": "127.0.0.1"}) == {"SERVER_NAME": "127.0.0.1"}
