"""The kit's Jupyter server extension as a configurable :class:`ExtensionApp`.

Its configuration is seven traitlets, set like any Jupyter option (command line, config file)::

    jupyter server --ServerApp.jpserver_extensions="{'voila.server_extension': True,
                                                    'partnership_tools.server': True}" \\
        --PartnershipToolsApp.db=/srv/pt/store.sqlite --PartnershipToolsApp.min_group_size=7

=====================  ============================================================================
``db``                 the store: a file (SQLite) or a ``postgresql://`` URL; default
                       ``$PARTNERSHIP_TOOLS_DB``, else the file in the per-user data folder
``min_group_size``     the smallest group a review form promises to report when a review's own
                       settings cannot be read; default ``DEFAULT_MIN_GROUP_SIZE``
``export_dir``         where the apps write exports; default
                       :func:`partnership_tools.kernel.exports.export_dir` of ``db``
                       (``$PT_DOWNLOADS_DIR``, else ``downloads/`` beside the store file, or
                       in the per-user data folder for a database URL)
``public_url``         the address participants' phones reach the server at, for a reverse proxy
                       or tunnel (default ``$PT_PUBLIC_URL``, else none: the participants'
                       listener's address is used)
``participants_``      the participants' own listener (:mod:`partnership_tools.server.listener`):
``listener``           on (default) or off
``participants_host``  where it listens (default ``$PT_PARTICIPANTS_HOST``, else this machine's
                       network address, else 127.0.0.1 with a warning)
``participants_port``  its port (default ``$PT_PARTICIPANTS_PORT``, else 8867; 0 picks a free one)
=====================  ============================================================================

Precedence: configuration, else the environment variable, else the built-in default.

The Voilà kernels are separate processes that inherit the server's environment, so when the
extension loads it writes its configuration into that environment (:meth:`kernel_environment`):
every kernel then opens the same store, exports to the same folder and shows the same join link.

The participants' pages (``/vote/...``, ``/review-form/...``) are plain tornado handlers: they
answer without the server's token and reach nothing but the store. A fault loading the review
form's pages is logged and leaves the ballot pages up. They are served twice: by the Jupyter
server itself (for the facilitator, on this computer), and by the participants' own listener, a
second tornado server in the same process on the room's network that serves nothing else (no
Jupyter, no Voilà, no API), so the token never has to cross the venue's Wi-Fi. The kernels'
``PT_PUBLIC_URL`` (the projector's join link and QR code) is ``public_url`` when set, else that
listener's address. When the listener cannot listen (a port in use), ``participants_problem``
says so in one sentence and the ballot pages stay on the Jupyter server only.

>>> app = PartnershipToolsApp(db="/data/pt/store.sqlite", public_url="http://10.0.0.5:8866/")
>>> app.name, app.min_group_size == DEFAULT_MIN_GROUP_SIZE
('partnership_tools', True)
>>> sorted(app.kernel_environment(env={}).items())  # doctest: +NORMALIZE_WHITESPACE
[('PARTNERSHIP_TOOLS_DB', '/data/pt/store.sqlite'), ('PT_PUBLIC_URL', 'http://10.0.0.5:8866')]
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Integer, Unicode, default, validate

from partnership_tools.kernel.exports import ENV_DOWNLOADS
from partnership_tools.kernel.exports import export_dir as export_folder_for
from partnership_tools.review.settings import DEFAULT_MIN_GROUP_SIZE
from partnership_tools.server.listener import ParticipantsListener, participants_application
from partnership_tools.server.reach import (
    DEFAULT_PARTICIPANTS_PORT,
    ENV_PARTICIPANTS_HOST,
    ENV_PARTICIPANTS_PORT,
    Reach,
    choose_host,
    reach,
)
from partnership_tools.store.db import (
    ENV_DB,
    default_target,
    describe_target,
    is_database_url,
    normalise_target,
)

__all__ = ["ENV_PUBLIC_URL", "PartnershipToolsApp"]

#: The environment variable the projector app reads its join link's address from.
ENV_PUBLIC_URL = "PT_PUBLIC_URL"


class PartnershipToolsApp(ExtensionApp):
    """The ballot and review-form pages, configured by traitlets (see the module docstring)."""

    name = "partnership_tools"
    description = "Participants' ballot and review-form pages for Partnership Tools."

    db = Unicode(
        help="The store: a file (SQLite) or postgresql://user@host/dbname (default:"
        " $PARTNERSHIP_TOOLS_DB, else the per-user store file)."
    ).tag(config=True)
    min_group_size = Integer(
        DEFAULT_MIN_GROUP_SIZE,
        min=1,
        help="The smallest group a review form promises to report when a review's settings"
        " cannot be read.",
    ).tag(config=True)
    export_dir = Unicode(
        help="Where the apps write exports (default: $PT_DOWNLOADS_DIR, else downloads/ beside"
        " the store)."
    ).tag(config=True)
    public_url = Unicode(
        help="The address participants reach the ballot pages at through a reverse proxy or"
        " tunnel, e.g. https://vote.example.org (default: $PT_PUBLIC_URL, else the participants'"
        " listener's address)."
    ).tag(config=True)
    participants_listener = Bool(
        True,
        help="Serve the participants' pages (and nothing else) on a listener of their own, for"
        " phones on the room's network.",
    ).tag(config=True)
    participants_host = Unicode(
        help="Where the participants' listener listens (default: $PT_PARTICIPANTS_HOST, else this"
        " machine's network address, else 127.0.0.1)."
    ).tag(config=True)
    participants_port = Integer(
        min=0,
        max=65535,
        help="The participants' listener's port (default: $PT_PARTICIPANTS_PORT, else"
        f" {DEFAULT_PARTICIPANTS_PORT}; 0 picks a free port).",
    ).tag(config=True)

    #: The participants' listener once bound (None when off or when it could not listen).
    listener: ParticipantsListener | None = None
    #: Its address (``http://HOST:PORT`` plus the base URL), or "".
    listener_base: str = ""
    #: Why only this computer can reach the listener (one sentence), or "".
    listener_warning: str = ""
    #: One sentence when the listener was wanted but could not listen, else "".
    participants_problem: str = ""

    @default("db")
    def _default_db(self) -> str:
        return default_target()

    @default("export_dir")
    def _default_export_dir(self) -> str:
        return str(export_folder_for(_export_base(self.db)))

    @default("public_url")
    def _default_public_url(self) -> str:
        return os.environ.get(ENV_PUBLIC_URL, "").strip().rstrip("/")

    @validate("public_url")
    def _valid_public_url(self, proposal: dict[str, Any]) -> str:
        return str(proposal["value"]).strip().rstrip("/")

    @default("participants_host")
    def _default_participants_host(self) -> str:
        return os.environ.get(ENV_PARTICIPANTS_HOST, "").strip()

    @default("participants_port")
    def _default_participants_port(self) -> int:
        text = os.environ.get(ENV_PARTICIPANTS_PORT, "").strip()
        if text.isdigit() and 0 <= int(text) <= 65535:
            return int(text)
        return DEFAULT_PARTICIPANTS_PORT

    # -- where participants join -------------------------------------------------------------------
    def join_base(self) -> str:
        """The address participants use: ``public_url``, else the participants' listener's
        address, else "" (the apps then use the address their own page was requested at)."""
        return self.public_url or self.listener_base

    def reach(self, server_base: str = "", server_host: str = "127.0.0.1") -> Reach:
        """Where participants join and whether phones can get there (see
        :func:`partnership_tools.server.reach.reach`); ``server_base`` and ``server_host`` are
        the Jupyter server's, used when there is no listener."""
        return reach(
            public_url=self.public_url,
            listener_base=self.listener_base,
            listener_host=self.listener.host if self.listener else "",
            listener_warning=self.listener_warning,
            server_base=server_base,
            server_host=server_host,
        )

    # -- what the kernels inherit ----------------------------------------------------------------
    def kernel_environment(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """The variables the Voilà kernels need to agree with this configuration: the store
        always; the export folder only when it is not what the kernels would work out from the
        store anyway (``env``, default ``os.environ``, is what they would see); the join
        address (:meth:`join_base`: the public URL, else the participants' listener) when there
        is one."""
        env = os.environ if env is None else env
        out = {ENV_DB: normalise_target(self.db)}
        if Path(self.export_dir).expanduser() != export_folder_for(_export_base(self.db), env):
            out[ENV_DOWNLOADS] = str(Path(self.export_dir).expanduser())
        if self.join_base():
            out[ENV_PUBLIC_URL] = self.join_base()
        return out

    # -- ExtensionApp hooks --------------------------------------------------------------------------
    def initialize_settings(self) -> None:
        if self.participants_listener:
            self.bind_listener()
        os.environ.update(self.kernel_environment())

    def bind_listener(self) -> None:
        """Open the participants' listener's sockets (served once the handlers exist); when it
        cannot listen, ``participants_problem`` says why in one sentence."""
        assert self.serverapp is not None
        host, self.listener_warning = choose_host(self.participants_host)
        try:
            self.listener = ParticipantsListener.bind(host, self.participants_port)
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            self.participants_problem = (
                f"The participants' pages could not listen on {host} port"
                f" {self.participants_port} ({reason}), so phones cannot reach them; stop"
                " whatever uses that port or give serve another --participants-port."
            )
            self.serverapp.log.error("Partnership Tools: %s", self.participants_problem)
            return
        base_url = self.serverapp.web_app.settings.get("base_url", "/")
        self.listener_base = self.listener.base(base_url)

    def initialize_handlers(self) -> None:
        from partnership_tools.server.handlers import ParticipantApp, participant_handlers
        from partnership_tools.server.voila_paths import harden_template_route

        harden_template_route()  # Voila's template-file route: 404, never 500, to a bad path

        assert self.serverapp is not None
        log = self.serverapp.log
        base_url = self.serverapp.web_app.settings.get("base_url", "/")
        self.participants = ParticipantApp(
            db_path=self.db,
            log=log,
            base_url=base_url,
            min_group_size=self.min_group_size,
            public_base=self.join_base(),  # links never come from a request's Host header
        )
        self.handlers.extend(_relative(participant_handlers(self.participants), base_url))
        try:  # the review form's pages; a fault there must not take the ballot pages down
            from partnership_tools.server.review_form import review_form_handlers

            self.handlers.extend(_relative(review_form_handlers(self.participants), base_url))
        except Exception:
            log.exception("Partnership Tools: the review form pages could not be loaded")
        log.info(
            "Partnership Tools ballot pages at %svote/<session> (store %s)",
            self.participants.url(""),
            describe_target(self.participants.target),
        )
        if self.listener is not None:
            try:
                application = participants_application(
                    self.participants, self.join_base(), log_fault=log.exception
                )
            except ValueError:  # a public URL that is no http(s) address: links use the listener's
                log.error(
                    "Partnership Tools: public_url %r is not an http(s) address; the participants'"
                    " pages build their links from %s instead.",
                    self.public_url,
                    self.listener_base,
                )
                application = participants_application(
                    self.participants, self.listener_base, log_fault=log.exception
                )
            self.listener.start(application)
            log.info(
                "Partnership Tools participants' listener at %s (ballot pages and review form"
                " only)",
                self.listener_base,
            )

    async def stop_extension(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None


def _export_base(db: str) -> Path:
    """The file exports are put beside by default: the store file, or for a database URL the
    default store file's place (the per-user data folder).

    >>> _export_base("/srv/pt/s.sqlite")
    PosixPath('/srv/pt/s.sqlite')
    """
    if is_database_url(db):
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
        return base / "partnership-tools" / "store"
    return Path(db).expanduser()


def _relative(rules: list[tuple[str, type, dict]], base_url: str) -> list[tuple[str, type, dict]]:
    """The URL rules without the server's base URL (``ExtensionApp`` puts it back in front).

    >>> _relative([("/pt/vote/?", object, {})], "/pt/")
    [('/vote/?', <class 'object'>, {})]
    """
    base = base_url.rstrip("/")
    out = []
    for pattern, handler, kwargs in rules:
        if not pattern.startswith(base + "/"):
            raise ValueError(f"The rule {pattern!r} is not under the base URL {base_url!r}.")
        out.append((pattern[len(base) :], handler, kwargs))
    return out
