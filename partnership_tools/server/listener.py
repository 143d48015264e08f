"""The participants' own listener: the ballot and review-form pages on the room's network, alone.

``partnership-tools serve`` runs the token-guarded Jupyter server (the Voilà apps, Jupyter's API)
on 127.0.0.1, where only this computer reaches it, and, in the same process and on the same
IOLoop, a second tornado :class:`~tornado.httpserver.HTTPServer` for participants' phones. That
second listener serves exactly the participant routes, sharing the extension's
:class:`~partnership_tools.server.handlers.ParticipantApp` (and so its store and secret):

=================================  ================================================================
``/vote/...``, ``/vote-static/``   ballot page, review step, receipt, status, results, CSS and script
``/review-form/...``               the review form's pages
``/``                              a redirect to the ballot start page ``/vote/``
anything else                      a plain 404 page: no Jupyter, no Voilà, no API, no login page
=================================  ================================================================

So the token, which lets its holder run code on this computer, never has to travel over the
venue's Wi-Fi: nothing on this listener asks for it or accepts it.

Where it listens is worked out by :mod:`partnership_tools.server.reach`. Links the pages build
from an address (the review form's resume link) use the configured join address, never the
request's ``Host`` header (:class:`ParticipantsApplication`).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import tornado.httputil
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from partnership_tools.server.handlers import (
    HARD_BODY_LIMIT,
    BaseParticipantHandler,
    NotFoundHandler,
    ParticipantApp,
    participant_handlers,
)
from partnership_tools.server.reach import WILDCARD_HOSTS, network_address, url_host

__all__ = ["ParticipantsApplication", "ParticipantsListener", "participants_application"]


# -- the application --------------------------------------------------------------------------
class RootHandler(BaseParticipantHandler):
    """``/``: the ballot start page, for someone who typed only the address."""

    async def get(self) -> None:
        self.redirect(self.app.url("vote/"))


class ParticipantsApplication(tornado.web.Application):
    """A tornado application whose requests all carry the configured join address.

    Before routing, each request's ``host``, ``host_name`` and ``protocol`` are set from
    ``join_base`` (the address phones were given), whatever ``Host`` header it came with: a
    page that builds an absolute link (the review form's resume link) can then only point at the
    address participants were given, never at one a request made up.
    """

    def __init__(self, handlers: Sequence[Any], join_base: str, **settings: Any) -> None:
        parts = urlsplit(join_base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"The join address {join_base!r} is not an http(s) URL.")
        self.join_scheme = parts.scheme
        self.join_netloc = parts.netloc
        self.join_host_name = tornado.httputil.split_host_and_port(parts.netloc.lower())[0]
        super().__init__(list(handlers), **settings)

    def find_handler(self, request: tornado.httputil.HTTPServerRequest, **kwargs: Any) -> Any:
        request.host = self.join_netloc
        request.host_name = self.join_host_name
        request.protocol = self.join_scheme
        return super().find_handler(request, **kwargs)


def participants_application(
    app: ParticipantApp, join_base: str, log_fault: Callable[[str], None] | None = None
) -> ParticipantsApplication:
    """The participants' listener's application: the ballot pages, the review form's pages (a
    fault loading those is passed to ``log_fault`` and leaves the ballot pages up), ``/`` to the
    start page, and a plain 404 page for every other path."""
    base = app.base_url.rstrip("/")
    kw = {"app": app}
    rules: list[Any] = [(rf"{base}/?", RootHandler, kw), *participant_handlers(app)]
    try:
        from partnership_tools.server.review_form import review_form_handlers

        rules.extend(review_form_handlers(app))
    except Exception:  # noqa: BLE001 - the ballot pages stay up
        if log_fault is not None:
            log_fault("Partnership Tools: the review form pages could not be loaded")
    return ParticipantsApplication(
        rules,
        join_base,
        default_handler_class=NotFoundHandler,
        default_handler_args=kw,
        xsrf_cookies=False,
        compress_response=True,
        log_function=lambda handler: _log_request(app, handler),
    )


def _log_request(app: ParticipantApp, handler: tornado.web.RequestHandler) -> None:
    """One line per request in the server's log: debug when it went well, info for a 4xx,
    warning for a 5xx (the participant saw one plain sentence)."""
    status = handler.get_status()
    if status < 400:
        log = app.log.debug
    elif status < 500:
        log = app.log.info
    else:
        log = app.log.warning
    request = handler.request
    log(
        "participants' listener: %d %s %s %.1fms",
        status,
        request.method,
        request.path,
        1000.0 * request.request_time(),
    )


# -- the listener -------------------------------------------------------------------------------
class ParticipantsListener:
    """The participants' listening sockets and, once started, their :class:`HTTPServer`.

    :meth:`bind` opens the sockets at once (so a port already in use is known before the server
    prints anything); :meth:`start` serves an application on them from the current IOLoop;
    :meth:`stop` closes them. ``port`` is the port bound (useful with port 0).
    """

    def __init__(self, host: str, sockets: list[socket.socket]) -> None:
        self.host = host
        self.sockets = sockets
        self.port = int(sockets[0].getsockname()[1])
        self.server: HTTPServer | None = None

    @classmethod
    def bind(cls, host: str, port: int) -> ParticipantsListener:
        """Listen on ``host``:``port`` (0 picks a free port); ``OSError`` when that fails."""
        bind_host = None if host in WILDCARD_HOSTS else host.strip("[]")
        return cls(host, bind_sockets(port, bind_host))

    def base(self, base_url: str = "/", detect: Callable[[], str | None] = network_address) -> str:
        """``http://HOST:PORT`` plus the server's base URL, without a trailing slash."""
        return f"http://{url_host(self.host, detect)}:{self.port}{base_url}".rstrip("/")

    def start(self, application: tornado.web.Application, xheaders: bool = False) -> None:
        """Serve ``application``; ``xheaders``: take the client's address from the
        ``X-Real-IP`` / ``X-Forwarded-For`` headers a reverse proxy sets (only when nothing but
        that proxy can reach these sockets, since anyone else could write those headers)."""
        self.server = HTTPServer(
            application,
            max_body_size=HARD_BODY_LIMIT,
            idle_connection_timeout=120,
            xheaders=xheaders,
        )
        self.server.add_sockets(self.sockets)

    async def drain(self, app: ParticipantApp, timeout: float = 30.0) -> bool:
        """Stop cleanly: close the listening sockets (new connections are refused, so a
        reverse proxy sends them to another process), answer every request already begun
        (each answer now says ``Connection: close``), then close the idle connections. True
        when every request finished within ``timeout`` seconds."""
        app.draining = True
        server = self.server
        if server is None:
            self.stop()
            return True
        server.stop()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while app.in_flight > 0 and loop.time() < deadline:
            await asyncio.sleep(0.02)
        finished = app.in_flight <= 0
        await server.close_all_connections()
        self.server = None
        return finished

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        else:
            for s in self.sockets:
                s.close()
