"""JupyterHub for an organisation: facilitators log in, participants need no login.

Run it with ``jupyterhub -f partnership_tools/deploy/jupyterhub_config.py`` (the deployment guide
is ``JUPYTERHUB.md`` beside this file). Every setting comes from an environment variable, so the
file itself is never edited and never holds a password:

==============================  =================================================================
``PARTNERSHIP_TOOLS_DB``        the shared store every piece opens: a PostgreSQL URL
                                (``postgresql://user:password@host:5432/dbname``) in production;
                                default ``<state dir>/partnership-tools.sqlite`` (one machine only)
``PT_HUB_STATE_DIR``            the hub's own files: its database, cookie secret, proxy pid file
                                (default: the folder the hub is started in)
``PT_HUB_BIND_URL``             where the hub's proxy listens (default ``http://127.0.0.1:8000``)
``PT_HUB_PUBLIC_URL``           the address people use, e.g. ``https://hub.example.org`` behind
                                an HTTPS reverse proxy (default: ``PT_HUB_BIND_URL``)
``PT_HUB_API_URL``              the hub's internal API (default ``http://127.0.0.1:8081``)
``PT_HUB_PROXY_API_URL``        the proxy's internal API (default ``http://127.0.0.1:8001``)
``PT_HUB_AUTHENTICATOR``        ``pam`` (default), an OAuth authenticator's name or class
                                (``github``, ``generic-oauth``, ...), or ``dummy`` (any name and
                                password logs in: tests and demos only, logged as a warning)
``PT_HUB_FACILITATORS``         who may log in, comma-separated (required except with ``dummy``)
``PT_HUB_ADMINS``               the hub's administrators, comma-separated (default none)
``PT_HUB_SPAWNER``              ``localprocess`` (default: one system user per facilitator),
                                ``simple`` (every server runs as the hub's own user, in
                                ``PT_HUB_HOMES/<name>``: tests and demos only), or a class
``PT_HUB_HOMES``                the ``simple`` spawner's home folders (default
                                ``<state dir>/homes``)
``PT_PARTICIPANTS_SERVICE_URL`` where the participants' service listens, on this machine
                                (default ``http://127.0.0.1:8868``)
``PT_PARTICIPANTS_COMMAND``     the service's command (default: this Python's
                                ``-m partnership_tools participants``)
``PT_PUBLIC_URL``               the address participants join at (default: the hub's public URL
                                plus ``/services/participants``): the projector's link and QR code
==============================  =================================================================

What it sets up:

* each facilitator's **single-user server** is ``jupyterhub-singleuser`` (the hub's extension on a
  Jupyter server) with the same pieces as ``partnership-tools serve``: Voilà and the kit's server
  extension and nothing else (no JupyterLab, no terminals), the kit's page template and
  preheated kernels, the kit's notebooks as its root folder, the facilitator app as its landing
  page, and the store in ``PARTNERSHIP_TOOLS_DB``; its own participants' listener is off;
* a hub-managed **service** ``participants``: ``partnership-tools participants``, a process with
  no kernels that serves only the ballot, results and review-form pages, reached through the
  hub's proxy at ``<hub>/services/participants/`` by anyone, with no login;
* the hub itself: the proxy (``configurable-http-proxy``, started by the hub), the
  authenticator and spawner named above, its state in ``PT_HUB_STATE_DIR``.

>>> from traitlets.config import Config
>>> cfg = configure(Config(), {"PT_HUB_AUTHENTICATOR": "dummy", "PT_HUB_SPAWNER": "simple",
...                            "PARTNERSHIP_TOOLS_DB": "/srv/pt/store.sqlite"}, state="/srv/hub")
>>> cfg.JupyterHub.bind_url, cfg.Spawner.environment["PARTNERSHIP_TOOLS_DB"]
('http://127.0.0.1:8000', '/srv/pt/store.sqlite')
>>> cfg.JupyterHub.services[0]["name"], cfg.JupyterHub.services[0]["url"]
('participants', 'http://127.0.0.1:8868')
>>> cfg.Spawner.environment["PT_PUBLIC_URL"]
'http://127.0.0.1:8000/services/participants'
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_BIND_URL",
    "DEFAULT_SERVICE_URL",
    "SERVICE_NAME",
    "configure",
    "participants_base",
    "service_command",
    "singleuser_args",
]

#: The managed service's name: participants reach it at ``<hub>/services/participants/``.
SERVICE_NAME = "participants"
DEFAULT_BIND_URL = "http://127.0.0.1:8000"
DEFAULT_API_URL = "http://127.0.0.1:8081"
DEFAULT_PROXY_API_URL = "http://127.0.0.1:8001"
DEFAULT_SERVICE_URL = "http://127.0.0.1:8868"
#: The facilitator app, the single-user server's landing page.
LANDING = "/voila/render/facilitator.ipynb"
#: The notebooks kept ready in a preheated kernel on each facilitator's server (the other apps
#: start a kernel when opened, which keeps an idle server to two waiting kernels).
PREHEATED = ("facilitator.ipynb", "projector.ipynb")
#: Authenticators and spawners that must never face the public: logged loudly when chosen.
DEMO_AUTHENTICATORS = ("dummy", "jupyterhub.auth.DummyAuthenticator", "null")
DEMO_SPAWNERS = ("simple", "jupyterhub.spawner.SimpleLocalProcessSpawner")

log = logging.getLogger("partnership_tools.deploy")


def _setting(env: Mapping[str, str], name: str, default: str = "") -> str:
    """``env[name]`` stripped, or ``default`` when unset or blank."""
    value = env.get(name, "").strip()
    return value or default


def _names(text: str) -> set[str]:
    """A comma-separated list of user names as a set.

    >>> sorted(_names(" ana, ben ,, "))
    ['ana', 'ben']
    """
    return {part.strip() for part in text.split(",") if part.strip()}


def participants_base(env: Mapping[str, str]) -> str:
    """The address participants join at, without a trailing slash: ``PT_PUBLIC_URL`` when set,
    else the hub's public address (``PT_HUB_PUBLIC_URL``, else ``PT_HUB_BIND_URL``) plus
    ``/services/participants``.

    >>> participants_base({"PT_HUB_PUBLIC_URL": "https://hub.example.org/"})
    'https://hub.example.org/services/participants'
    >>> participants_base({"PT_PUBLIC_URL": "https://vote.example.org/"})
    'https://vote.example.org'
    """
    explicit = _setting(env, "PT_PUBLIC_URL")
    if explicit:
        return explicit.rstrip("/")
    hub = _setting(env, "PT_HUB_PUBLIC_URL") or _setting(env, "PT_HUB_BIND_URL", DEFAULT_BIND_URL)
    return f"{hub.rstrip('/')}/services/{SERVICE_NAME}"


def singleuser_args(public_url: str) -> list[str]:
    """The options each facilitator's ``jupyterhub-singleuser`` runs with: what ``partnership-tools
    serve`` gives its Jupyter server, less what the hub decides (address, port, token, base URL).

    Voilà's and the kit's extensions are on and every other extension found is off (JupyterHub's
    own is added back by ``jupyterhub-singleuser``); the kit's Voilà template and preheated
    kernels; idle kernels culled after 10 minutes; no MathJax from a CDN; the participants' pages
    link to ``public_url`` (the hub's service) and the server opens no listener of its own.

    >>> args = singleuser_args("https://hub.example.org/services/participants")
    >>> "--PartnershipToolsApp.participants_listener=False" in args
    True
    >>> "--VoilaConfiguration.template=partnership_tools" in args
    True
    >>> any(a.startswith("--IdentityProvider.token") for a in args)  # the hub logs people in
    False
    """
    from partnership_tools.server.serve import (
        EXTENSION_APP,
        configured_extensions,
        extension_settings,
    )
    from partnership_tools.server.voila_config import voila_argv

    extensions = extension_settings(sorted(configured_extensions()))
    return [
        f"--ServerApp.jpserver_extensions={extensions!r}",
        "--ServerApp.terminals_enabled=False",
        "--MappingKernelManager.cull_idle_timeout=600",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
        "--ServerApp.tornado_settings={'mathjax_url': 'null', 'mathjax_config': 'null'}",
        *voila_argv(PREHEATED),
        f"--{EXTENSION_APP}.participants_listener=False",
        f"--{EXTENSION_APP}.public_url={public_url}",
    ]


def service_command(env: Mapping[str, str]) -> list[str]:
    """The participants' service's command: ``PT_PARTICIPANTS_COMMAND`` (split like a shell
    line) when set, e.g. another environment's ``partnership-tools participants``; else this
    Python's ``-m partnership_tools participants``. It finds the store in
    ``PARTNERSHIP_TOOLS_DB`` and its address and base URL in the variables the hub gives it
    (``JUPYTERHUB_SERVICE_URL``, ``JUPYTERHUB_SERVICE_PREFIX``).

    >>> service_command({"PT_PARTICIPANTS_COMMAND": "/opt/pt/bin/partnership-tools participants"})
    ['/opt/pt/bin/partnership-tools', 'participants']
    >>> service_command({})[-3:]
    ['-m', 'partnership_tools', 'participants']
    """
    text = _setting(env, "PT_PARTICIPANTS_COMMAND")
    if text:
        return shlex.split(text)
    return [sys.executable, "-m", "partnership_tools", "participants"]


def _downloads_folder(spawner: Any) -> str:
    """Each facilitator's exports go to ``partnership-tools-downloads`` in their own home."""
    home = getattr(spawner, "home_dir", "") or os.path.expanduser(f"~{spawner.user.name}")
    return str(Path(home) / "partnership-tools-downloads")


def configure(c: Any, env: Mapping[str, str], state: str | os.PathLike[str] = ".") -> Any:
    """Fill the JupyterHub config ``c`` from the environment ``env`` (see the module docstring);
    ``state`` is the hub's state folder when ``PT_HUB_STATE_DIR`` is unset. Returns ``c``.

    Nothing is created or started here: JupyterHub does that when it reads the result.
    """
    from partnership_tools.kernel.resources import notebooks_dir
    from partnership_tools.server.serve import kit_pythonpath
    from partnership_tools.server.voila_config import kit_jupyter_path

    state_dir = Path(_setting(env, "PT_HUB_STATE_DIR", str(state))).expanduser().absolute()
    store = _setting(env, "PARTNERSHIP_TOOLS_DB", str(state_dir / "partnership-tools.sqlite"))
    join = participants_base(env)

    # -- the hub and its proxy ---------------------------------------------------------------
    c.JupyterHub.bind_url = _setting(env, "PT_HUB_BIND_URL", DEFAULT_BIND_URL)
    public = _setting(env, "PT_HUB_PUBLIC_URL")
    if public:
        c.JupyterHub.public_url = public
    c.JupyterHub.hub_bind_url = _setting(env, "PT_HUB_API_URL", DEFAULT_API_URL)
    c.ConfigurableHTTPProxy.api_url = _setting(env, "PT_HUB_PROXY_API_URL", DEFAULT_PROXY_API_URL)
    c.ConfigurableHTTPProxy.should_start = True
    c.ConfigurableHTTPProxy.pid_file = str(state_dir / "jupyterhub-proxy.pid")
    c.JupyterHub.db_url = f"sqlite:///{state_dir / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(state_dir / "jupyterhub_cookie_secret")
    c.JupyterHub.cleanup_servers = True  # a stopped hub stops the facilitators' servers

    # -- who logs in ---------------------------------------------------------------------------
    authenticator = _setting(env, "PT_HUB_AUTHENTICATOR", "pam")
    c.JupyterHub.authenticator_class = authenticator
    facilitators = _names(_setting(env, "PT_HUB_FACILITATORS"))
    admins = _names(_setting(env, "PT_HUB_ADMINS"))
    if facilitators:
        c.Authenticator.allowed_users = facilitators
    if admins:
        c.Authenticator.admin_users = admins
    if authenticator in DEMO_AUTHENTICATORS:
        c.Authenticator.allow_all = not facilitators
        log.warning(
            "PARTNERSHIP TOOLS HUB: the %r authenticator lets anyone log in with any password;"
            " use it only for tests and demos on this computer, never where others can reach it.",
            authenticator,
        )

    # -- each facilitator's server ---------------------------------------------------------------
    spawner = _setting(env, "PT_HUB_SPAWNER", "localprocess")
    c.JupyterHub.spawner_class = spawner
    if spawner in DEMO_SPAWNERS:
        homes = Path(_setting(env, "PT_HUB_HOMES", str(state_dir / "homes"))).expanduser()
        c.SimpleLocalProcessSpawner.home_dir_template = str(homes.absolute() / "{username}")
        log.warning(
            "PARTNERSHIP TOOLS HUB: the %r spawner runs every facilitator's server as this"
            " process's own user, with no separation between them; tests and demos only.",
            spawner,
        )
    c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
    c.Spawner.args = singleuser_args(join)
    if spawner in DEMO_SPAWNERS and hasattr(os, "geteuid") and os.geteuid() == 0:
        # the simple spawner runs servers as the hub's own user: root in a container or CI
        c.Spawner.args.append("--ServerApp.allow_root=True")
    c.Spawner.notebook_dir = str(notebooks_dir())  # the checkout's, or the installed package's
    c.Spawner.default_url = LANDING
    c.Spawner.ip = "127.0.0.1"
    c.Spawner.disable_user_config = True  # a facilitator's ~/.jupyter cannot re-enable extensions
    c.Spawner.http_timeout = 120  # a loaded machine can take a minute to start a server
    c.Spawner.start_timeout = 180
    c.Spawner.environment = {
        "PARTNERSHIP_TOOLS_DB": store,
        "PT_PUBLIC_URL": join,
        "PT_DOWNLOADS_DIR": _downloads_folder,
        "PYTHONPATH": kit_pythonpath({"PYTHONPATH": env.get("PYTHONPATH", "")}),
        "JUPYTER_PATH": kit_jupyter_path(env.get("JUPYTER_PATH")),
    }

    # -- the participants' pages: a service anyone reaches without logging in --------------------
    service_url = _setting(env, "PT_PARTICIPANTS_SERVICE_URL", DEFAULT_SERVICE_URL).rstrip("/")
    service_env = {
        "PARTNERSHIP_TOOLS_DB": store,  # in the environment: never on a command line `ps` shows
        "PT_PUBLIC_URL": join,
        "PYTHONPATH": kit_pythonpath({"PYTHONPATH": env.get("PYTHONPATH", "")}),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("PARTNERSHIP_TOOLS_LOG", "HOME", "LANG"):
        if env.get(name):
            service_env[name] = env[name]
    c.JupyterHub.services = [
        {
            "name": SERVICE_NAME,
            "url": service_url,
            "command": service_command(env),
            "environment": service_env,
            "cwd": str(state_dir),
            "display": False,  # not a link on the facilitators' hub home page
        }
    ]
    return c


try:  # JupyterHub reads this file with ``get_config`` defined
    _config = get_config()  # type: ignore[name-defined]  # noqa: F821
except NameError:  # imported as a module (doctests, tools): nothing to configure
    pass
else:  # pragma: no cover - exercised by starting a real hub (tests/browser/test_jupyterhub.py)
    configure(_config, os.environ, state=os.getcwd())
