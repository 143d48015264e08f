"""``partnership-tools participants``: the participants' pages as a process of their own.

One such process serves exactly what ``serve``'s participants' listener serves (ballot pages,
status, results, receipts, the review form and their static files; every other path is a plain
404 page) and nothing else: no Jupyter, no Voilà, no kernels, no token. Several of them, on one
machine or several, can share one store (a PostgreSQL database, or one SQLite file on one
machine) behind a reverse proxy (``partnership_tools/deploy/nginx-participants.conf``), or one
can run as a JupyterHub managed service at ``/services/<name>/``.

Nothing a request needs lives in one process's memory: form tokens, rate buckets, ballots and
review drafts are rows in the store, and the key that signs forms is the store's shared secret
(:func:`partnership_tools.store.db.shared_secret`), so a form issued by one process is accepted
by any other. Only a one-second cache of each session's status is per process.

Settings, each from the command line, else the environment, else the default:

=================  ==========================================  ==================================
setting            command line                                environment, default
=================  ==========================================  ==================================
store              ``--db TARGET`` (file or PostgreSQL URL)    ``$PARTNERSHIP_TOOLS_DB``, the
                                                               per-user store file
address            ``--host H --port P``                       ``$JUPYTERHUB_SERVICE_URL``'s host
                                                               and port, ``127.0.0.1:8870``
base URL           ``--base-url /prefix/``                     ``$JUPYTERHUB_SERVICE_PREFIX``, ``/``
public address     ``--public-url URL``                        ``$PT_PUBLIC_URL``, the address
                                                               listened on
=================  ==========================================  ==================================

``--trust-proxy`` takes each client's address from the ``X-Real-IP``/``X-Forwarded-For``
headers (for the per-address rate limit); give it only when nothing but the proxy can reach the
process. SIGTERM (or Ctrl-C) stops it cleanly: it stops accepting connections, answers every
request already begun, then exits with status 0.

>>> s = settings_from(argparse.Namespace(db="/srv/pt.sqlite", host=None, port=None,
...     base_url=None, public_url=None, trust_proxy=False, workers=None),
...     {"JUPYTERHUB_SERVICE_PREFIX": "/services/vote", "JUPYTERHUB_SERVICE_URL":
...      "http://127.0.0.1:10101"})
>>> (s.host, s.port, s.base_url, s.join_base(8870 if s.port == 0 else s.port))
('127.0.0.1', 10101, '/services/vote/', 'http://127.0.0.1:10101/services/vote')
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from partnership_tools.kernel.errors import PlainError

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ENV_SERVICE_PREFIX",
    "ENV_SERVICE_URL",
    "ParticipantsSettings",
    "add_participants_parser",
    "normalise_base_url",
    "run_participants",
    "serve_participants",
    "settings_from",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8870
#: Set by JupyterHub for a managed service: the path the hub's proxy routes to it.
ENV_SERVICE_PREFIX = "JUPYTERHUB_SERVICE_PREFIX"
#: Set by JupyterHub for a managed service with a ``url``: where the service must listen.
ENV_SERVICE_URL = "JUPYTERHUB_SERVICE_URL"
ENV_PUBLIC_URL = "PT_PUBLIC_URL"
#: Seconds a stopping process waits for the requests it has begun.
DRAIN_SECONDS = 30.0


class ParticipantsError(PlainError):
    """The participants' process cannot start: one sentence saying what is wrong."""


def normalise_base_url(text: str) -> str:
    """A base URL as the handlers want it: one leading and one trailing slash.

    >>> [normalise_base_url(t) for t in ("", "/", "services/vote", "/pt//", " /a/b ")]
    ['/', '/', '/services/vote/', '/pt/', '/a/b/']
    """
    parts = [p for p in text.strip().split("/") if p]
    return "/" + "".join(p + "/" for p in parts)


@dataclass(frozen=True)
class ParticipantsSettings:
    """Where a participants' process listens and what it serves (see the module docstring)."""

    target: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    base_url: str = "/"
    public_url: str = ""
    trust_proxy: bool = False
    workers: int = 8

    def join_base(self, port: int) -> str:
        """The address participants are given, without a trailing slash: ``public_url``, else
        ``http://HOST:PORT`` plus the base URL (``port``: the port actually bound)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        from partnership_tools.server.reach import url_host

        return f"http://{url_host(self.host)}:{port}{self.base_url}".rstrip("/")


def _service_address(url: str) -> tuple[str, int] | None:
    """Host and port of ``$JUPYTERHUB_SERVICE_URL`` (None when it is no usable http URL).

    >>> _service_address("http://127.0.0.1:10101/"), _service_address("http://[::1]/")
    (('127.0.0.1', 10101), ('::1', 80))
    >>> _service_address("not a url") is None
    True
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname, port if port is not None else (443 if parts.scheme == "https" else 80)


def settings_from(
    args: argparse.Namespace, env: Mapping[str, str] | None = None
) -> ParticipantsSettings:
    """The settings from the command line, else the environment ``env`` (default
    ``os.environ``), else the defaults; :class:`ParticipantsError` for an unusable value."""
    from partnership_tools.store.db import ENV_DB, default_db_path, normalise_target

    env = os.environ if env is None else env
    # --db, else PARTNERSHIP_TOOLS_DB (a path or a database URL), else the default file
    target = normalise_target(args.db or env.get(ENV_DB, "").strip() or str(default_db_path()))
    host, port = DEFAULT_HOST, DEFAULT_PORT
    service_url = env.get(ENV_SERVICE_URL, "").strip()
    if service_url:
        found = _service_address(service_url)
        if found is None:
            raise ParticipantsError(
                f"{ENV_SERVICE_URL}={service_url!r} is not an http address with a host; give"
                " --host and --port instead."
            )
        host, port = found
    host = args.host if args.host is not None else host
    port = args.port if args.port is not None else port
    if not 0 <= port <= 65535:
        raise ParticipantsError(f"--port {port} is not a port number (0 to 65535).")
    base_url = normalise_base_url(
        args.base_url if args.base_url is not None else env.get(ENV_SERVICE_PREFIX, "/")
    )
    public_url = (args.public_url or env.get(ENV_PUBLIC_URL, "")).strip().rstrip("/")
    if public_url:
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ParticipantsError(
                f"--public-url {public_url!r} is not an http(s) address such as"
                " https://vote.example.org."
            )
    workers = args.workers if args.workers else 8
    return ParticipantsSettings(
        target=target,
        host=host,
        port=port,
        base_url=base_url,
        public_url=public_url,
        trust_proxy=bool(args.trust_proxy),
        workers=max(1, min(int(workers), 64)),
    )


async def serve_participants(
    settings: ParticipantsSettings,
    say: Callable[[str], None] = print,
    stop: asyncio.Event | None = None,
) -> int:
    """Serve the participants' pages until ``stop`` is set (or SIGTERM / SIGINT arrives), then
    stop cleanly; returns the exit status. ``say`` gets the one line saying where it listens."""
    from partnership_tools.server.handlers import ParticipantApp
    from partnership_tools.server.listener import ParticipantsListener, participants_application
    from partnership_tools.store.db import StoreError, describe_target

    log = logging.getLogger("partnership_tools.participants")
    try:
        listener = ParticipantsListener.bind(settings.host, settings.port)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise ParticipantsError(
            f"The participants' pages cannot listen on {settings.host} port {settings.port}"
            f" ({reason}); stop whatever uses that port or give another --port."
        ) from None
    join = settings.join_base(listener.port)
    app = ParticipantApp(
        db_path=settings.target,
        log=log,
        base_url=settings.base_url,
        public_base=join,
        workers=settings.workers,
    )
    try:
        try:  # reach the store and read the shared form key before taking any request
            await asyncio.get_running_loop().run_in_executor(app.executor, app.load_secret)
        except StoreError as exc:
            raise ParticipantsError(str(exc)) from None
        application = participants_application(app, join, log_fault=log.exception)
        listener.start(application, xheaders=settings.trust_proxy)
    except BaseException:
        listener.stop()
        app.shutdown()
        raise
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            pass
    where = listener.base(settings.base_url) + "/"
    say(
        f"Partnership Tools participants' pages at {where} (ballot pages and review form only;"
        f" store {describe_target(settings.target)}; pid {os.getpid()})"
    )
    try:
        await stop.wait()
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
        finished = await listener.drain(app, DRAIN_SECONDS)
        app.shutdown(wait=True)
    if finished:
        log.info("participants' process stopped cleanly (every request begun was answered)")
    else:
        log.warning("participants' process stopped with requests still unanswered")
    return 0


def run_participants(args: argparse.Namespace) -> int:
    """The ``participants`` command."""
    settings = settings_from(args)
    logging.basicConfig(
        level=logging.WARNING, format="[%(levelname)s %(asctime)s participants] %(message)s"
    )
    logging.getLogger("partnership_tools.participants").setLevel(logging.INFO)
    status = asyncio.run(serve_participants(settings, say=lambda line: print(line, flush=True)))
    sys.stdout.flush()
    return status


def add_participants_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "participants",
        help="serve only the participants' pages (ballot, results, receipts, review form) as a"
        " process of its own, e.g. several behind a reverse proxy",
        description=(
            "Serve the participants' ballot, results, receipt and review-form pages, and nothing"
            " else (no Jupyter, no kernels, no token), from one store. Run several behind a"
            " reverse proxy (partnership_tools/deploy/nginx-participants.conf) sharing a"
            " PostgreSQL store, or one as a JupyterHub service. SIGTERM stops it cleanly."
        ),
    )
    p.add_argument(
        "--db",
        metavar="TARGET",
        help="the store: a file (SQLite) or postgresql://user@host/dbname (default:"
        " $PARTNERSHIP_TOOLS_DB, else ~/.local/share/partnership-tools/)",
    )
    p.add_argument(
        "--host",
        metavar="H",
        help=f"address to listen on (default: $JUPYTERHUB_SERVICE_URL's, else {DEFAULT_HOST})",
    )
    p.add_argument(
        "--port",
        type=int,
        metavar="P",
        help=f"port to listen on (default: $JUPYTERHUB_SERVICE_URL's, else {DEFAULT_PORT}; 0 picks"
        " a free port)",
    )
    p.add_argument(
        "--base-url",
        metavar="PATH",
        help="path the pages live under (default: $JUPYTERHUB_SERVICE_PREFIX, else /)",
    )
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="the address participants are given (the proxy's), for the links the pages build"
        " (default: $PT_PUBLIC_URL, else the address listened on)",
    )
    p.add_argument(
        "--trust-proxy",
        action="store_true",
        help="take clients' addresses from X-Real-IP / X-Forwarded-For (only when nothing but the"
        " reverse proxy can reach this process)",
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="threads for store calls (default 8)",
    )
    p.set_defaults(func=run_participants)
    return p
