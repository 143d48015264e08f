"""``partnership-tools serve``: one Jupyter server with Voilà, and the ballot pages for phones.

The server runs in this process (``ServerApp.launch_instance``) with:

* the ``voila.server_extension`` and ``partnership_tools.server`` extensions, and every other
  server extension found in the Jupyter config (JupyterLab, the notebook frontends, the language
  server, terminals ...) switched off, so no file browser, no JupyterLab and no terminal is served;
* the token (``--token`` or a random one) guarding the facilitator and projector apps and every
  Jupyter API; the ballot pages under ``/vote`` need no token and reach only the store;
* idle kernels culled (Voilà does not shut a kernel down when its page closes);
* the extension's options on the command line (``--PartnershipToolsApp.db=<absolute store
  path>``, ``--PartnershipToolsApp.public_url=...``): the extension hands them on to every kernel,
  so the kernels and the ballot pages use the same store (and ``PYTHONPATH`` names this kit, so
  kernels import the same code);
* 127.0.0.1 unless ``--host`` says otherwise; port 8866 (``--port 0`` picks a free one);
* the participants' own listener (:mod:`partnership_tools.server.listener`) in the same process:
  only the ballot, results and review-form pages, on this machine's network address (or
  ``--participants-host``), port 8867 (``--participants-port``); ``--no-participants-listener``
  turns it off. The kernels get its address as ``PT_PUBLIC_URL`` (``--public-url`` overrides
  it, for a reverse proxy or tunnel), so the projector's join link and QR code point at it.

When the server listens it prints the facilitator, projector, review and replay URLs (on this
computer), the ballot and review-form addresses phones can reach, a QR code of the ballot
address, and one sentence when only this computer can reach the participants' pages (no network
address, or their listener on loopback) or when the token-guarded apps listen beyond loopback.
If the participants' listener cannot listen (its port in use), ``serve`` stops with one sentence.

:class:`ServerProcess` starts the same command as a subprocess (tests and benchmarks use it).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partnership_tools.kernel.errors import PlainError
from partnership_tools.kernel.resources import PACKAGE_DIR, notebooks_dir, sample_dir
from partnership_tools.server.reach import (
    DEFAULT_PARTICIPANTS_PORT,
    ENV_PARTICIPANTS_HOST,
    ENV_PARTICIPANTS_PORT,
    Reach,
    is_loopback,
    reach,
    url_host,
)

PACKAGE_ROOT = PACKAGE_DIR  # .../partnership_tools
KIT_ROOT = PACKAGE_ROOT.parent  # the folder that holds the package (a checkout or site-packages)
DEFAULT_NOTEBOOKS = notebooks_dir()
SAMPLE_SESSION_FILE = sample_dir() / "county_joint_working.json"
DEFAULT_PORT = 8866
DEFAULT_HOST = "127.0.0.1"
WILDCARD_HOSTS = ("", "0.0.0.0", "::")

#: Extensions this command enables; every other one found in the Jupyter config is disabled.
ENABLED_EXTENSIONS = ("voila.server_extension", "partnership_tools.server")
#: The configurable class of our extension (``--PartnershipToolsApp.db=...``).
EXTENSION_APP = "PartnershipToolsApp"
#: Extensions disabled even when no config file names them.
ALWAYS_DISABLED = (
    "jupyterlab",
    "notebook",
    "notebook_shim",
    "nbclassic",
    "jupyter_lsp",
    "jupyter_server_terminals",
    "jupyter_server_ydoc",
    "jupyter_collaboration",
    "jupyter_server_fileid",
    "jupyter_resource_usage",
    "jupyterlab_git",
    "voila",
)

APP_NOTEBOOKS = {
    "facilitator": "facilitator.ipynb",
    "projector": "projector.ipynb",
    "review": "partnership_review.ipynb",
    "replay": "replay_session.ipynb",
}


class ServeError(PlainError):
    """A problem starting the server, as one plain sentence."""


# -- argument parsing ------------------------------------------------------------------------
def add_serve_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "serve",
        help="run the facilitator, projector and ballot apps in one Jupyter server",
        description=(
            "Start one Jupyter server with Voila (facilitator, projector and review apps) on this"
            " computer, and the participants' ballot and review-form pages on this computer's"
            " network address for phones, then print their URLs and a QR code of the join"
            " address. The token guards the apps; never give it to participants: their pages"
            " need none, and their listener serves nothing else."
        ),
    )
    p.add_argument(
        "--db",
        metavar="PATH|URL",
        help="the store: an SQLite file, or a PostgreSQL URL postgresql://user:password@host/db"
        " (default: $PARTNERSHIP_TOOLS_DB, else ~/.local/share/partnership-tools/)",
    )
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        metavar="H",
        help=f"address the token-guarded apps listen on (default {DEFAULT_HOST}: this computer"
        " only; anything else sends the token, which lets its holder run code here, over the"
        " network in plain HTTP)",
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="P",
        help=f"port the apps listen on (default {DEFAULT_PORT}; 0 picks a free port)",
    )
    p.add_argument(
        "--participants-host",
        metavar="H",
        help="address the participants' pages (ballot, results, review form; nothing else) listen"
        " on for phones (default: this computer's network address, found at start, else"
        f" {DEFAULT_HOST})",
    )
    p.add_argument(
        "--participants-port",
        type=int,
        metavar="P",
        help=f"port the participants' pages listen on (default {DEFAULT_PARTICIPANTS_PORT};"
        " 0 picks a free port)",
    )
    p.add_argument(
        "--no-participants-listener",
        dest="participants_listener",
        action="store_false",
        help="serve the participants' pages only beside the apps (on --host), not on a listener"
        " of their own",
    )
    p.add_argument(
        "--token",
        metavar="T",
        help="the token guarding the apps (default: a new random token each start)",
    )
    p.add_argument(
        "--notebooks",
        metavar="DIR",
        help="folder holding the app notebooks (default: the kit's notebooks/ folder)",
    )
    p.add_argument(
        "--session",
        metavar="ID",
        help="session whose projector and ballot URLs to print (default: the newest)",
    )
    p.add_argument(
        "--sample",
        action="store_true",
        help="first load the sample session (a finished two-round vote) into the store",
    )
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="the address participants' phones reach the participants' pages at through a reverse"
        " proxy or tunnel (e.g. https://vote.example.org); the printed join address and the"
        " projector's join link and QR code use it",
    )
    p.add_argument(
        "--cull-idle",
        type=int,
        default=600,
        metavar="SECONDS",
        help="shut down kernels idle this long (default 600)",
    )
    p.set_defaults(func=run_serve)
    return p


# -- the server command ----------------------------------------------------------------------
def configured_extensions() -> set[str]:
    """Names of every server extension switched on or off in the Jupyter config paths."""
    try:
        from jupyter_core.paths import jupyter_config_dir, jupyter_config_path
        from jupyter_server.extension.config import ExtensionConfigManager
    except ImportError:  # pragma: no cover - jupyter_server is a dependency
        return set()
    paths = jupyter_config_path()
    if jupyter_config_dir() not in paths:
        paths.insert(0, jupyter_config_dir())
    manager = ExtensionConfigManager(read_config_path=paths)
    return set(manager.get_jpserver_extensions())


def extension_settings(found: Sequence[str] = ()) -> dict[str, bool]:
    """``jpserver_extensions``: ours and Voila's on, everything else found or known off."""
    settings = {name: False for name in (*ALWAYS_DISABLED, *found)}
    settings.update({name: True for name in ENABLED_EXTENSIONS})
    return settings


def server_argv(
    *,
    notebooks: Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    token: str,
    extensions: dict[str, bool],
    cull_idle: int = 600,
    allow_root: bool | None = None,
    db: str | os.PathLike[str] | None = None,
    public_url: str | None = None,
    participants_host: str | None = None,
    participants_port: int | None = None,
    participants_listener: bool = True,
) -> list[str]:
    """The ``jupyter server`` options this command runs with (``db``, ``public_url`` and the
    participants' listener's settings become the extension's ``--PartnershipToolsApp`` options
    when given; otherwise the extension's defaults apply)."""
    if allow_root is None:
        allow_root = hasattr(os, "geteuid") and os.geteuid() == 0
    argv = [
        f"--ServerApp.jpserver_extensions={extensions!r}",
        f"--ServerApp.root_dir={notebooks}",
        f"--ServerApp.ip={host}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.open_browser=False",
        "--ServerApp.terminals_enabled=False",
        "--ServerApp.default_url=/voila/render/facilitator.ipynb",
        f"--IdentityProvider.token={token}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
        f"--MappingKernelManager.cull_interval={max(10, min(60, cull_idle))}",
        "--MappingKernelManager.cull_connected=False",
        # No MathJax: the widgets would otherwise ask a CDN for it on every page.
        "--ServerApp.tornado_settings={'mathjax_url': 'null', 'mathjax_config': 'null'}",
    ]
    from partnership_tools.server.voila_config import voila_argv

    # Voila: the kit's page template (nothing from other hosts), tracebacks off, preheated kernels
    argv += voila_argv(APP_NOTEBOOKS.values())
    if allow_root:
        argv.append("--ServerApp.allow_root=True")
    if db is not None:
        argv.append(f"--{EXTENSION_APP}.db={db}")
    if public_url:
        argv.append(f"--{EXTENSION_APP}.public_url={public_url.rstrip('/')}")
    if not participants_listener:
        argv.append(f"--{EXTENSION_APP}.participants_listener=False")
    if participants_host:
        argv.append(f"--{EXTENSION_APP}.participants_host={participants_host}")
    if participants_port is not None:
        argv.append(f"--{EXTENSION_APP}.participants_port={participants_port}")
    return argv


@dataclass
class AppURLs:
    """The URLs ``serve`` prints (``token`` is already in the facilitator/projector/review ones).

    ``base`` is the Jupyter server's address (the facilitator's apps); ``participants`` the
    address participants join at (default ``base``): the ballot and review-form links use it.

    >>> u = AppURLs("http://127.0.0.1:8866", "t", "s1", participants="http://10.0.0.5:8867")
    >>> u.ballot, u.facilitator
    ('http://10.0.0.5:8867/vote/s1', 'http://127.0.0.1:8866/voila/render/facilitator.ipynb?token=t')
    """

    base: str
    token: str
    session_id: str | None = None
    participants: str = ""
    facilitator: str = field(init=False)
    projector: str = field(init=False)
    review: str = field(init=False)
    replay: str = field(init=False)
    ballot: str = field(init=False)
    review_form: str = field(init=False)

    def __post_init__(self) -> None:
        from urllib.parse import quote, urlencode

        base = self.base.rstrip("/")
        join = (self.participants or base).rstrip("/")
        tok = urlencode({"token": self.token})
        self.facilitator = f"{base}/voila/render/{APP_NOTEBOOKS['facilitator']}?{tok}"
        self.review = f"{base}/voila/render/{APP_NOTEBOOKS['review']}?{tok}"
        self.replay = f"{base}/voila/render/{APP_NOTEBOOKS['replay']}?{tok}"
        self.review_form = f"{join}/review-form/"
        if self.session_id:
            sid = quote(self.session_id, safe="")
            q = urlencode({"session": self.session_id, "token": self.token})
            self.projector = f"{base}/voila/render/{APP_NOTEBOOKS['projector']}?{q}"
            self.ballot = f"{join}/vote/{sid}"
        else:
            self.projector = f"{base}/voila/render/{APP_NOTEBOOKS['projector']}?{tok}"
            self.ballot = f"{join}/vote/"

    def text(self) -> str:
        lines = [
            "Partnership Tools is running. Keep this window open; press Control-C to stop.",
            "",
            "For the facilitator only, on this computer (the token in these links lets its holder"
            " run code):",
            f"  Facilitator:  {self.facilitator}",
            f"  Projector:    {self.projector}",
            f"  Review app:   {self.review}",
            f"  Replay:       {self.replay}",
            "",
            "For participants (no token; share this one, it is what the projector shows):",
        ]
        if self.session_id:
            lines.append(f"  Ballot:       {self.ballot}")
        else:
            lines.append(
                f"  Ballot:       {self.ballot}<session id>  (create a session in the facilitator"
                " app first)"
            )
        lines.append(
            f"  Review form:  {self.review_form}<review id>  (open a wave for responses in the"
            " review app first; it shows the full link)"
        )
        return "\n".join(lines)


def display_host(host: str) -> str:
    """The host as it goes in a printed URL (a wildcard becomes this machine's network address).

    >>> display_host("127.0.0.1"), display_host("::1")
    ('127.0.0.1', '[::1]')
    """
    return url_host(host)


def apps_exposed_warning(host: str) -> str:
    """One sentence when the token-guarded apps listen where other computers can reach them.

    >>> apps_exposed_warning("127.0.0.1")
    ''
    >>> apps_exposed_warning("0.0.0.0").startswith("Warning: the facilitator's apps listen on 0.0.0.0")
    True
    """
    if is_loopback(host):
        return ""
    return (
        f"Warning: the facilitator's apps listen on {host}, so the token in their links, which"
        " lets its holder run code on this computer, crosses the network in plain HTTP; keep"
        f" --host at {DEFAULT_HOST} unless you put HTTPS in front of them."
    )


def terminal_qr(text: str, encoding: str | None = None, ansi: bool = False) -> str:
    """``text`` as a QR code drawn with Unicode half blocks, two rows of modules a line, with a
    quiet zone of four modules; "" when ``encoding`` (default: standard output's) cannot show
    the blocks.

    With ``ansi`` each line sets black on white itself, so the code reads the right way round on
    a light or a dark terminal (for a terminal; ANSI codes would litter a log file). Without it
    the blocks draw the light modules, which reads correctly on the usual dark terminal and, in
    a file, keeps to plain characters.

    >>> lines = terminal_qr("http://10.0.0.5:8867/vote/", encoding="utf-8").splitlines()
    >>> set(lines[0] + lines[1]), lines[2][:5]  # four light rows, then a finder pattern's corner
    ({'█'}, '████ ')
    """
    import segno

    qr = segno.make(text, error="m", micro=False)
    rows = [[bool(m) for m in row] for row in qr.matrix_iter(scale=1, border=4)]
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))  # light padding below the quiet zone
    if ansi:  # drawn in black on white: a block is dark
        blocks = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
    else:  # drawn in the terminal's light text: a block is light
        blocks = {(False, False): "█", (False, True): "▀", (True, False): "▄", (True, True): " "}
    lines = []
    for top, bottom in zip(rows[::2], rows[1::2], strict=True):
        line = "".join(blocks[pair] for pair in zip(top, bottom, strict=True))
        lines.append(f"\x1b[30;107m{line}\x1b[0m" if ansi else line)
    art = "\n".join(lines) + "\n"
    try:
        art.encode(encoding or getattr(sys.stdout, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return ""
    return art


def serve_report(urls: AppURLs, reach: Reach, warnings: Sequence[str] = (), qr: bool = True) -> str:
    """What ``serve`` prints once it listens: the URLs, a QR code of the join address, and
    one sentence per warning (only this computer can reach the participants' pages; the apps
    exposed)."""
    parts = [urls.text()]
    if qr:
        art = terminal_qr(urls.ballot, ansi=sys.stdout.isatty())
        if art:
            parts.append(f"Phones can scan this code to open {urls.ballot}:\n{art.rstrip()}")
    notes = [w for w in (reach.warning, *warnings) if w]
    if notes:
        parts.append("\n".join(notes))
    return "\n\n".join(parts)


def pick_session(store, wanted: str | None) -> str | None:
    if wanted:
        return wanted
    sessions = store.list_sessions()
    open_ones = [s["id"] for s in sessions if store.open_round_of(s["id"]) is not None]
    if open_ones:
        return open_ones[0]
    return sessions[0]["id"] if sessions else None


def load_sample(store) -> str:
    from partnership_tools.vote.sessionfile import SessionFileError, read_session

    try:
        session = read_session(SAMPLE_SESSION_FILE)
    except SessionFileError as exc:
        raise ServeError(f"The sample session cannot be loaded: {exc}") from None
    store.save_session(session, replace=True)
    return session.id


def kit_pythonpath(env: dict[str, str]) -> str:
    """PYTHONPATH with the folder holding this kit first, so kernels import the same code."""
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    root = str(KIT_ROOT)
    if root not in parts:
        parts.insert(0, root)
    return os.pathsep.join(parts)


VOILA_TEMPLATE = "lab"


def voila_template_dirs(template: str = VOILA_TEMPLATE) -> list[Path]:
    """The folders on the Jupyter data path that hold Voilà's ``template`` (``index.html.j2``).

    Voilà installs its page templates as data files (``share/jupyter/voila/templates``); an
    environment that has the voila module but not those files serves app pages that never finish
    loading, so :func:`run_serve` checks for them first.
    """
    from jupyter_core.paths import jupyter_path

    return [
        Path(p) / template
        for p in jupyter_path("voila", "templates")
        if (Path(p) / template / "index.html.j2").is_file()
    ]


def run_serve(args: argparse.Namespace) -> int:
    from partnership_tools.store import Store, StoreError
    from partnership_tools.store.db import describe_target, normalise_target

    if not voila_template_dirs():
        from jupyter_core.paths import jupyter_path

        looked = ", ".join(jupyter_path("voila", "templates"))
        raise ServeError(
            f"Voilà's {VOILA_TEMPLATE!r} page template is not on the Jupyter path (looked in "
            f"{looked}): reinstall voila in this environment, or set JUPYTER_PATH to the "
            "share/jupyter folder that holds voila/templates."
        )

    notebooks = Path(args.notebooks).expanduser() if args.notebooks else DEFAULT_NOTEBOOKS
    if not notebooks.is_dir():
        raise ServeError(f"The notebooks folder {notebooks} does not exist.")
    if not 0 <= args.port <= 65535:
        raise ServeError("--port must be between 0 and 65535.")
    participants_port = getattr(args, "participants_port", None)
    if participants_port is not None and not 0 <= participants_port <= 65535:
        raise ServeError("--participants-port must be between 0 and 65535.")
    public_url = (getattr(args, "public_url", None) or "").strip()
    if public_url and not re.match(r"https?://[^/\s]+", public_url):
        raise ServeError(
            f"--public-url {public_url!r} is not an address phones can open; give it as"
            " http://HOST[:PORT] or https://HOST[:PORT]."
        )
    if args.cull_idle < 10:
        raise ServeError("--cull-idle must be at least 10 seconds.")
    try:
        db = normalise_target(args.db or None)
    except StoreError as exc:
        raise ServeError(str(exc)) from None
    if "://" not in db:
        db = str(Path(db).resolve())
    shown = describe_target(db)
    store = Store(db)
    try:
        if args.sample:
            sample_id = load_sample(store)
            print(f"Loaded the sample session {sample_id!r} into {shown}.", flush=True)
            session_id = args.session or sample_id
        else:
            session_id = pick_session(store, args.session)
        if session_id and not store.has_session(session_id):
            raise ServeError(f"There is no session {session_id!r} in {shown}.")
    except (ServeError, StoreError) as exc:
        raise ServeError(str(exc)) from None
    finally:
        store.close()

    token = args.token or secrets.token_urlsafe(24)
    os.environ["PYTHONPATH"] = kit_pythonpath(dict(os.environ))
    argv = server_argv(
        notebooks=notebooks.resolve(),
        host=args.host,
        port=args.port,
        token=token,
        extensions=extension_settings(sorted(configured_extensions())),
        cull_idle=args.cull_idle,
        db=db,
        public_url=getattr(args, "public_url", None),
        participants_host=getattr(args, "participants_host", None),
        participants_port=getattr(args, "participants_port", None),
        participants_listener=getattr(args, "participants_listener", True),
    )
    # Vega's offline bundle, built once per machine, so that no app's kernel waits for it
    from partnership_tools.charts.offline import prebuild

    threading.Thread(target=prebuild, name="vega-bundle", daemon=True).start()
    launch(argv, session_id)
    return 0


def launch(argv: list[str], session_id: str | None) -> None:
    """Run the Jupyter server in this process until it stops; print the URLs once it listens."""
    from jupyter_server.serverapp import ServerApp

    class KitServerApp(ServerApp):
        def start_app(self) -> None:
            point = self.extension_manager.extension_points.get("partnership_tools")
            ext = getattr(point, "app", None)
            problem = getattr(ext, "participants_problem", "")
            if problem:  # before anything listens or is printed: phones could not vote
                raise ServeError(problem)
            super().start_app()
            scheme = "https" if self.certfile else "http"
            base = f"{scheme}://{display_host(self.ip)}:{self.port}{self.base_url.rstrip('/')}"
            if ext is not None:
                where = ext.reach(server_base=base, server_host=self.ip)
            else:  # pragma: no cover - serve always enables the extension
                where = reach(server_base=base, server_host=self.ip)
            urls = AppURLs(base, self.identity_provider.token, session_id, where.join_base)
            print(serve_report(urls, where, [apps_exposed_warning(self.ip)]), flush=True)
            root = Path(self.root_dir)
            missing = [nb for nb in APP_NOTEBOOKS.values() if not (root / nb).is_file()]
            if missing:
                print(
                    f"\nNote: {root} has no {', '.join(missing)}; those links answer 404.",
                    flush=True,
                )

    KitServerApp.launch_instance(argv=argv)


# -- a server in a subprocess (tests and benchmarks) -------------------------------------------
#: Where :class:`ServerProcess` puts the participants' listener: a second loopback address.
TEST_PARTICIPANTS_HOST = "127.0.0.2"


def free_port(host: str = DEFAULT_HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``python -m partnership_tools serve`` in a subprocess with its own Jupyter folders::

        with ServerProcess(notebooks=some_dir) as srv:
            urllib.request.urlopen(srv.url("/vote/"))

    ``base_url``, ``token``, ``db_path`` and ``pid`` describe the running server; ``url(path,
    token=True)`` builds a URL (with ``?token=`` unless ``token=False``); ``stdout_text()``
    returns what the command printed so far. It runs in ``cwd`` (default ``workdir``, which also
    holds its Jupyter folders and output). The process runs in its own process group, which
    :meth:`stop` ends (kernels included).

    The participants' listener listens on ``participants_host`` (default 127.0.0.2, a second
    loopback address: tests never use this machine's network addresses), port
    ``participants_port`` (default a free one), given to the server through
    ``PT_PARTICIPANTS_HOST`` and ``PT_PARTICIPANTS_PORT``; ``participants_base_url`` and
    ``participants_url(path)`` reach it. ``participants_host=None`` turns it off.
    """

    def __init__(
        self,
        notebooks: str | os.PathLike[str] | None = None,
        db_path: str | os.PathLike[str] | None = None,
        workdir: str | os.PathLike[str] | None = None,
        token: str | None = None,
        port: int | None = None,
        extra_args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        startup_timeout: float = 90.0,
        cwd: str | os.PathLike[str] | None = None,
        participants_host: str | None = TEST_PARTICIPANTS_HOST,
        participants_port: int | None = None,
    ) -> None:
        self._tmp: tempfile.TemporaryDirectory | None = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="pt-serve-")
            workdir = self._tmp.name
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.notebooks = Path(notebooks) if notebooks else DEFAULT_NOTEBOOKS
        #: The store: a file path (default ``store.sqlite`` in the work folder) or a database URL.
        self.db_path: str | Path = (
            (str(db_path) if "://" in str(db_path) else Path(db_path))
            if db_path
            else self.workdir / "store.sqlite"
        )
        self.token = token or secrets.token_urlsafe(16)
        self.port = port or free_port()
        self.host = DEFAULT_HOST
        self.base_url = f"http://{self.host}:{self.port}"
        self.participants_host = participants_host
        self.participants_port = (
            (participants_port or free_port(participants_host)) if participants_host else None
        )
        self.participants_base_url = (
            f"http://{participants_host}:{self.participants_port}" if participants_host else ""
        )
        self.extra_args = list(extra_args)
        self.extra_env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.cwd = Path(cwd) if cwd is not None else self.workdir
        self.proc: subprocess.Popen | None = None
        self._out_path = self.workdir / "serve.stdout"
        self._err_path = self.workdir / "serve.stderr"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def url(self, path: str = "/", token: bool = True) -> str:
        from urllib.parse import urlencode

        url = self.base_url + "/" + path.lstrip("/")
        if token:
            url += ("&" if "?" in url else "?") + urlencode({"token": self.token})
        return url

    def participants_url(self, path: str = "/") -> str:
        """A URL on the participants' listener (never with the token)."""
        if not self.participants_base_url:
            raise RuntimeError("This server runs without the participants' listener.")
        return self.participants_base_url + "/" + path.lstrip("/")

    def command(self) -> list[str]:
        off = [] if self.participants_host else ["--no-participants-listener"]
        return [
            sys.executable,
            "-m",
            "partnership_tools",
            "serve",
            "--db",
            str(self.db_path),
            "--port",
            str(self.port),
            f"--token={self.token}",  # a random token may start with "-"
            "--notebooks",
            str(self.notebooks),
            *off,
            *self.extra_args,
        ]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR"):
            d = self.workdir / name.lower()
            d.mkdir(exist_ok=True)
            env[name] = str(d)
        env["PYTHONPATH"] = kit_pythonpath(env)
        env["PYTHONUNBUFFERED"] = "1"
        env.pop("PARTNERSHIP_TOOLS_DB", None)
        for name in (ENV_PARTICIPANTS_HOST, ENV_PARTICIPANTS_PORT):
            env.pop(name, None)
        if self.participants_host:
            env[ENV_PARTICIPANTS_HOST] = self.participants_host
            env[ENV_PARTICIPANTS_PORT] = str(self.participants_port)
        env.update(self.extra_env)
        return env

    def start(self) -> ServerProcess:
        out = open(self._out_path, "wb")  # noqa: SIM115 - closed in stop()
        err = open(self._err_path, "wb")  # noqa: SIM115
        self._files: tuple[Any, ...] = (out, err)
        self.proc = subprocess.Popen(
            self.command(),
            stdout=out,
            stderr=err,
            env=self.environment(),
            cwd=str(self.cwd),
            start_new_session=True,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"partnership-tools serve exited with status {self.proc.returncode}:\n"
                    + self.stderr_text()[-4000:]
                )
            try:
                with urllib.request.urlopen(self.url("/vote/", token=False), timeout=2) as r:
                    if r.status == 200 and "Ballot:" in self.stdout_text():
                        if self._own_listener():
                            with urllib.request.urlopen(self.participants_url("/vote/"), timeout=2):
                                pass
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"partnership-tools serve did not answer within {self.startup_timeout:.0f} s:\n"
            + self.stderr_text()[-4000:]
        )

    def _own_listener(self) -> bool:
        """Whether the participants' listener is where this object says (no flag overrides it)."""
        flags = ("--participants-host", "--participants-port", "--no-participants-listener")
        overridden = any(a.split("=", 1)[0] in flags for a in self.extra_args)
        return bool(self.participants_base_url) and not overridden

    def stdout_text(self) -> str:
        try:
            return self._out_path.read_text(errors="replace")
        except OSError:
            return ""

    def stderr_text(self) -> str:
        try:
            return self._err_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 15.0) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5)
        if proc is not None:
            # Kernels started by the server share its process group; end any left behind.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for f in getattr(self, "_files", ()):
            f.close()
        self._files = ()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
