"""The participants' pages: plain tornado handlers served by the kit's Jupyter server extension.

No kernel, no token: a participant reaches only the routes below (all under ``/vote`` and
``/vote-static``), rendered from Jinja2 templates with autoescaping, with no inline script.

=====================================  =========================================================
``GET  /vote/``                        asks for the session link or code
``GET  /vote/<session>``               the ballot form for the open round (or "voting is closed")
``POST /vote/<session>``               ``action=review`` -> review page; ``action=change`` -> the
                                       form again; ``action=cast`` -> store -> receipt
``GET  /vote/<session>/results``       results of the closed rounds, once published
``GET  /vote/<session>/status.json``   ``{"round": n | null, "open": bool}`` for the page's script
``GET  /vote-static/<file>``           CSS and the small progressive-enhancement script
=====================================  =========================================================

Other participant pages (e.g. a review form at ``/review-form/...``) reuse
:class:`BaseParticipantHandler` (security headers, body-size limit, CSRF, plain error pages, a
``render`` on the shared templates) and :class:`ParticipantApp` (the store in a thread pool).

Forms carry a one-time form token issued by the store (it also records the order in which the
options were shown) and a signature ``HMAC(form key, browser cookie + token)``; the cookie is
``SameSite=Strict`` and ``HttpOnly``. A POST without the cookie or with a wrong signature is
refused with a plain 403 page; a POST of a form already cast shows its ORIGINAL receipt and
stores nothing (:func:`partnership_tools.store.integrity.cast_with_token`). Every store call runs
in a thread pool, each thread with its own :class:`Store`.

Several processes can serve one store (``partnership-tools participants`` behind a reverse
proxy): nothing a request relies on lives in one process's memory. The form key is the store's
shared secret :data:`FORM_SECRET_NAME`; form tokens, rate buckets, ballots and review drafts are
rows in the store. What each process keeps for itself is only a cache of what the store or the
installed files say: a session's status for a second, a closed round's counted results (keyed by
its closing time and ballot count), the static files' content hashes.

Ballot integrity (issue 12): the session's ballot mode (``open``, ``browser`` -- the default, one
counted ballot per browser per round, by a long-lived ``SameSite=Lax`` ``HttpOnly`` cookie
``pt_browser`` whose salted hash is stored -- or ``codes``); the check page carries ``expect``
(the ballot this one would replace, or ``none``) so that two submissions racing on one code or
browser refuse the second instead of leaving a receipt for a deleted ballot; every POST takes a
token from a per-address and a per-browser bucket kept in the store (429 with ``Retry-After``);
a store that cannot be written gives 503 with :data:`VOTE_NOT_SAVED`; links are built from
``ParticipantApp.public_base``, never from the ``Host`` header.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import random
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import jinja2
import tornado.web
from tornado.http1connection import HTTP1Connection
from tornado.ioloop import IOLoop

from partnership_tools.kernel.rounding import fixed
from partnership_tools.review.settings import DEFAULT_MIN_GROUP_SIZE
from partnership_tools.store import Store, StoreError, integrity
from partnership_tools.store.db import (
    StoreUnavailable,
    is_database_url,
    normalise_target,
    open_database,
    shared_secret,
)
from partnership_tools.store.integrity import Bucket
from partnership_tools.vote.model import Ballot, Round, Session
from partnership_tools.vote.validation import BallotError, ranking_from_positions

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

#: Largest request body a participant form may send (bigger bodies get a plain 413 page).
MAX_BODY_BYTES = 16 * 1024
#: Bodies bigger than this are not even read: the connection is dropped.
HARD_BODY_LIMIT = 256 * 1024
#: Session ids in URLs (percent-encoded; any id without a slash, looked up in the store).
SESSION_ID = r"[^/]{1,200}"
_SESSION_ID_RE = re.compile(r"[^/\x00-\x1f]{1,200}\Z")
CSRF_COOKIE = "pt_csrf"
#: The long-lived cookie naming this browser (random id; the store keeps only a salted hash).
BROWSER_COOKIE = "pt_browser"
#: Days the browser cookie lasts (browsers cap it at about 400).
BROWSER_COOKIE_DAYS = 400
ENV_ADDRESS_LIMIT = "PT_ADDRESS_LIMIT"
ENV_BROWSER_LIMIT = "PT_BROWSER_LIMIT"


def bucket_from_env(name: str, default: Bucket, env: Mapping[str, str] | None = None) -> Bucket:
    """A rate limit written ``CAPACITY/PER_SECOND`` in the environment variable ``name`` (e.g.
    ``PT_ADDRESS_LIMIT=1000/20`` behind a reverse proxy, where every phone shares one address),
    else ``default`` (also for a value that is not two positive numbers).

    >>> bucket_from_env("X", Bucket(1, 1), {"X": "240/4"})
    Bucket(capacity=240.0, per_second=4.0)
    >>> bucket_from_env("X", Bucket(1, 1), {"X": "lots"})
    Bucket(capacity=1, per_second=1)
    """
    text = (os.environ if env is None else env).get(name, "").strip()
    try:
        capacity, rate = (float(part) for part in text.split("/"))
    except ValueError:
        return default
    if not (1 <= capacity <= 1e9 and 0 < rate <= 1e9):
        return default
    return Bucket(capacity, rate)


#: Rate limits on the participants' POSTs (ballot and review form), per browser and per address:
#: a burst of ``capacity`` requests, then ``per_second`` on average. A voter needs two POSTs
#: (check, cast). The address limit allows a room's phones sharing one address (a NAT); behind
#: a reverse proxy every phone has the proxy's address: raise it with ``PT_ADDRESS_LIMIT``.
BROWSER_LIMIT = bucket_from_env(ENV_BROWSER_LIMIT, Bucket(capacity=60, per_second=0.5))
ADDRESS_LIMIT = bucket_from_env(ENV_ADDRESS_LIMIT, Bucket(capacity=240, per_second=4.0))
_COOKIE_RE = re.compile(r"[A-Za-z0-9_-]{20,100}\Z")
#: Radio value meaning "prefer not to say" for the group question.
NO_GROUP = "-"
#: Seconds the status of a session is cached for the page's polling script.
STATUS_CACHE_SECONDS = 1.0

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

GENERIC_MESSAGES = {
    400: "The page sent something this server cannot use; go back, reload the page and try again.",
    403: "This page cannot be used from here; reload the page and try again.",
    404: "There is nothing at this address; check the link you were given.",
    405: "This address does not accept that kind of request.",
    409: "This request can no longer be accepted.",
    413: "That form was too large to be a ballot; reload the page and try again.",
}
SERVER_FAULT = "Something went wrong on our side; please try again in a moment."
#: What a participant sees when the store cannot be written (full disk, read-only file): 503.
VOTE_NOT_SAVED = "Your vote could not be saved. Please try again."
ANSWERS_NOT_SAVED = "Your answers could not be saved. Please try again."
#: The same for a page that only reads (the ballot form, the results).
STORE_DOWN = "This page cannot be shown right now. Please try again in a moment."


def quote(text: str) -> str:
    """A session id as one URL path segment."""
    return urllib.parse.quote(text, safe="")


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st.

    >>> [ordinal(i) for i in (1, 2, 3, 4, 11, 12, 13, 21, 102)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '102nd']
    """
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def and_join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# -- errors ----------------------------------------------------------------------------------
class PageError(Exception):
    """Stop handling a request and show one plain sentence (``message``) with an HTTP status."""

    def __init__(
        self,
        status: int,
        message: str,
        title: str | None = None,
        links: Sequence[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.title = title
        self.links = tuple(links)
        self.headers = dict(headers or {})


# -- the store in a thread pool --------------------------------------------------------------
_local = threading.local()


def _thread_store(db_path: Path | str) -> Store:
    """This thread's own :class:`Store` of ``db_path`` (made on first use)."""
    stores = getattr(_local, "stores", None)
    if stores is None:
        stores = _local.stores = {}
    store = stores.get(db_path)
    if store is None:
        store = stores[db_path] = Store(db_path)
    return store


#: The name of the store's shared secret that signs participants' forms
#: (:func:`partnership_tools.store.db.shared_secret`): every process serving one store signs
#: and checks with the same key, so a form issued by one is accepted by any other.
FORM_SECRET_NAME = "participant-forms"


@dataclass
class ParticipantApp:
    """What every participant handler shares: the store (through a thread pool), the templates,
    the form-signing secret and the logger. One instance per server (the extension app's
    ``participants``, or a ``partnership-tools participants`` process). ``min_group_size``: the
    smallest group a review form promises to report when a review's own settings cannot be read.

    ``db_path`` names the store: a file path (SQLite) or a PostgreSQL URL. After construction
    :attr:`target` is it written one way (:func:`~partnership_tools.store.db.normalise_target`)
    and ``db_path`` is that target as a :class:`~pathlib.Path` for a file (the URL for a
    database). ``secret`` signs forms; left empty it is the store's shared secret
    :data:`FORM_SECRET_NAME`, read on first use (:meth:`load_secret`), never a per-process one.
    """

    db_path: Path | str
    log: logging.Logger
    base_url: str = "/"
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    secret: bytes = b""
    max_body: int = MAX_BODY_BYTES
    workers: int = 8
    extra_template_dirs: Sequence[Path] = ()
    #: The address participants reach these pages at (``public_url``, else the participants'
    #: listener); absolute links are built from it, never from a request's ``Host`` header.
    public_base: str = ""
    browser_limit: Bucket = BROWSER_LIMIT
    address_limit: Bucket = ADDRESS_LIMIT
    form_tokens_per_browser: int = integrity.FORM_TOKENS_PER_BROWSER
    max_form_tokens: int = integrity.MAX_FORM_TOKENS
    #: Requests being handled now (counted by :class:`BaseParticipantHandler`), for a clean stop.
    in_flight: int = field(default=0, init=False)
    #: Set when the process is stopping: every answer then says ``Connection: close``, so a
    #: reverse proxy's kept-alive connection sends its next request to another process.
    draining: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.target = normalise_target(self.db_path)
        self.db_path = self.target if is_database_url(self.target) else Path(self.target)
        self._secret_lock = threading.Lock()
        self.executor = ThreadPoolExecutor(self.workers, thread_name_prefix="pt-store")
        loader = jinja2.FileSystemLoader([*map(str, self.extra_template_dirs), str(TEMPLATES)])
        self.env = jinja2.Environment(
            loader=loader,
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(ordinal=ordinal, static=self.static_url, url=self.url, fixed=fixed)
        self.env.filters["ordinal"] = ordinal
        self._static_versions: dict[str, str] = {}
        self._status_cache: dict[str, tuple[float, dict]] = {}

    def url(self, path: str) -> str:
        """An absolute path under the server's base URL."""
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def absolute(self, path: str) -> str:
        """A full link to ``path`` (a path from :meth:`url`) at :attr:`public_base`'s scheme and
        host; just the path when no public address is configured (never the ``Host`` header).

        >>> app = ParticipantApp(Path("/tmp/x.sqlite"), logging.getLogger("t"),
        ...                      public_base="https://vote.example/pt/")
        >>> app.absolute("/review-form/r1?resume=AB")
        'https://vote.example/review-form/r1?resume=AB'
        >>> app.shutdown()
        """
        parts = urllib.parse.urlsplit(self.public_base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return path
        return f"{parts.scheme}://{parts.netloc}{path}"

    def static_url(self, name: str) -> str:
        version = self._static_versions.get(name)
        if version is None:
            try:
                version = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
            except OSError:
                version = "0"
            self._static_versions[name] = version
        return self.url(f"vote-static/{name}?v={version}")

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(store, *args)`` in the thread pool with that thread's own store connection."""
        path = self.db_path

        def call() -> Any:
            return fn(_thread_store(path), *args)

        return await IOLoop.current().run_in_executor(self.executor, call)

    async def status(self, session_id: str) -> dict | None:
        """``{"round": n | None, "open": bool}``, cached for a second (polling pages ask often)."""
        now = time.monotonic()
        hit = self._status_cache.get(session_id)
        if hit and now - hit[0] < STATUS_CACHE_SECONDS:
            return hit[1]
        status = await self.run(read_status, session_id)
        if len(self._status_cache) > 10_000:
            self._status_cache.clear()
        self._status_cache[session_id] = (now, status)
        return status

    def load_secret(self) -> bytes:
        """The form-signing key: ``secret`` when given, else the store's shared secret
        :data:`FORM_SECRET_NAME` (read once; made by whichever process asks first).
        :class:`~partnership_tools.store.db.StoreUnavailable` when the store cannot be reached."""
        with self._secret_lock:
            if not self.secret:
                db = open_database(self.target)
                try:
                    self.secret = shared_secret(db, FORM_SECRET_NAME)
                finally:
                    db.dispose()  # its pooled connection; the thread pool's stores have their own
            return self.secret

    def sign(self, browser_id: str, form_token: str) -> str:
        """``HMAC-SHA256(secret, browser id + ":" + form token)`` as hex.

        >>> app = ParticipantApp("/tmp/x.sqlite", logging.getLogger("t"), secret=b"k")
        >>> app.sign("b", "t") == hmac.new(b"k", b"b:t", hashlib.sha256).hexdigest()
        True
        >>> app.shutdown()
        """
        msg = f"{browser_id}:{form_token}".encode()
        return hmac.new(self.secret or self.load_secret(), msg, hashlib.sha256).hexdigest()

    def shutdown(self, wait: bool = False) -> None:
        """Stop the store's thread pool (``wait``: let the calls already begun finish)."""
        self.executor.shutdown(wait=wait)


# -- store reads (run in the thread pool) -----------------------------------------------------
def read_ballot_session(store: Store, session_id: str) -> Session | None:
    """The session with its options and rounds but without ballots (cheap with 1,500 voters)."""
    if not store.has_session(session_id):
        return None
    return store.load_session(session_id, ballots=False)


def read_status(store: Store, session_id: str) -> dict | None:
    if not store.has_session(session_id):
        return None
    rnd = store.open_round_of(session_id)
    return {"round": rnd.number if rnd else None, "open": rnd is not None}


def check_code(store: Store, session_id: str, number: int, code: str) -> tuple[str | None, bool]:
    """(the code's hash or None when unknown, whether it already has a ballot in the round)."""
    h = store.code_hash(session_id, code)
    if h is None:
        return None, False
    return h, store.code_has_ballot(session_id, number, h)


_results_cache: dict[tuple, Any] = {}
_results_lock = threading.Lock()


def read_results(store: Store, session: Session) -> list[tuple[Round, Any]]:
    """Counted results of every closed round (cached: a closed round's ballots do not change)."""
    from partnership_tools.vote.count import count_rankings

    out = []
    for rnd in session.rounds:
        if rnd.status != "closed":
            continue
        count = store.ballot_count(session.id, rnd.number)
        key = (store.target, session.id, rnd.number, rnd.closed_at, count)
        with _results_lock:
            result = _results_cache.get(key)
        if result is None:
            ballots = [b for _, b in store.ballots(session.id, rnd.number)]
            result = count_rankings(
                rnd.option_ids,
                [b.ranking for b in ballots],
                [b.group for b in ballots],
                session.labels,
            )
            with _results_lock:
                if len(_results_cache) > 256:
                    _results_cache.clear()
                _results_cache[key] = result
        out.append((rnd, result))
    return out


# -- the base handler --------------------------------------------------------------------------
@tornado.web.stream_request_body
class BaseParticipantHandler(tornado.web.RequestHandler):
    """A page for participants: no token, security headers, plain error pages, limited bodies.

    Subclasses call :meth:`parse_form` in ``post`` (URL-encoded bodies only, at most
    ``ParticipantApp.max_body`` bytes), :meth:`check_form` to verify the CSRF signature,
    :meth:`form_fields` to issue it, and :meth:`render` to show a template. Raising
    :class:`PageError` shows its sentence with its status; any other exception is logged with
    its traceback and the page shows one plain sentence.
    """

    app: ParticipantApp
    #: The 503 sentence for a POST when the store cannot be written.
    unsaved_message = VOTE_NOT_SAVED

    def initialize(self, app: ParticipantApp) -> None:
        self.app = app
        self._body_parts: list[bytes] = []
        self._body_size = 0
        self._too_large = False
        self._browser_id: str | None = None
        self._counted = True
        app.in_flight += 1
        if app.draining:
            self.set_header("Connection", "close")

    def on_finish(self) -> None:
        if self._counted:
            self._counted = False
            self.app.in_flight -= 1

    @property
    def log(self) -> logging.Logger:
        return self.app.log

    def compute_etag(self) -> None:  # every page is fresh (and carries a one-time token)
        return None

    # Jupyter's web app turns tornado's xsrf check on; these pages use their own (check_form).
    def check_xsrf_cookie(self) -> None:
        return None

    def set_default_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)
        self.set_header("Cache-Control", "no-store")
        self.clear_header("Server")
        app = getattr(self, "app", None)  # None while tornado's __init__ runs, before initialize
        if app is not None and app.draining:
            self.set_header("Connection", "close")

    # -- body ----------------------------------------------------------------------------------
    def prepare(self) -> None:
        if self.request.method in ("POST", "PUT", "PATCH"):
            connection = self.request.connection
            if isinstance(connection, HTTP1Connection):
                connection.set_max_body_size(HARD_BODY_LIMIT)
            length = self.request.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > self.app.max_body:
                self._too_large = True

    def data_received(self, chunk: bytes) -> None:
        if self._too_large:
            return
        self._body_size += len(chunk)
        if self._body_size > self.app.max_body:
            self._too_large = True
            self._body_parts = []
            return
        self._body_parts.append(chunk)

    def parse_form(self) -> dict[str, list[str]]:
        """The URL-encoded form in the body, as ``{name: [values]}``; PageError when unusable."""
        if self._too_large:
            raise PageError(413, GENERIC_MESSAGES[413], "Form too large")
        ctype = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            raise PageError(
                400,
                "This address accepts only the form on its own page; reload the page.",
                "Form not accepted",
            )
        try:
            text = b"".join(self._body_parts).decode("utf-8")
            return urllib.parse.parse_qs(
                text, keep_blank_values=True, strict_parsing=False, max_num_fields=200
            )
        except (UnicodeDecodeError, ValueError):
            raise PageError(400, GENERIC_MESSAGES[400], "Form not accepted") from None

    # -- rate limits and the browser cookie -------------------------------------------------
    async def limit_rate(self, what: str) -> None:
        """Take one token from this address's bucket and this browser's (by its cookies);
        :class:`PageError` 429 with ``Retry-After`` when either is empty."""
        keys = [(f"{what}:ip:{self.request.remote_ip}", self.app.address_limit)]
        who = self.get_cookie(BROWSER_COOKIE) or self.get_cookie(CSRF_COOKIE)
        if who and _COOKIE_RE.match(who):
            digest = hashlib.sha256(who.encode()).hexdigest()[:32]
            keys.append((f"{what}:browser:{digest}", self.app.browser_limit))
        for key, bucket in keys:
            wait = await self.app.run(integrity.take_token, key, bucket)
            if wait > 0:
                seconds = max(1, int(wait + 0.999))
                raise PageError(
                    429,
                    f"Too many forms were sent from here in a short time; wait {seconds}"
                    f" second{'s' if seconds != 1 else ''} and try again.",
                    "Please wait",
                    headers={"Retry-After": str(seconds)},
                )

    def long_browser_id(self) -> str:
        """The random id in this browser's long-lived ``SameSite=Lax`` cookie (set when
        missing): what "one ballot per browser" goes by (the store keeps only a hash)."""
        value = self.get_cookie(BROWSER_COOKIE)
        if not value or not _COOKIE_RE.match(value):
            value = secrets.token_urlsafe(24)
            self.set_cookie(
                BROWSER_COOKIE,
                value,
                path=self.app.url(""),
                httponly=True,
                samesite="Lax",
                expires_days=BROWSER_COOKIE_DAYS,
                secure=self.request.protocol == "https",
            )
        return value

    # -- CSRF ----------------------------------------------------------------------------------
    def browser_id(self) -> str:
        """The random id in this browser's ``SameSite=Strict`` cookie (set when missing)."""
        if self._browser_id is None:
            value = self.get_cookie(CSRF_COOKIE)
            if not value or not _COOKIE_RE.match(value):
                value = secrets.token_urlsafe(24)
                self.set_cookie(
                    CSRF_COOKIE,
                    value,
                    path=self.app.url(""),
                    httponly=True,
                    samesite="Strict",
                    secure=self.request.protocol == "https",
                )
            self._browser_id = value
        return self._browser_id

    def form_fields(self, form_token: str) -> dict[str, str]:
        """The hidden fields that let :meth:`check_form` trust a later POST of this form."""
        return {"form_token": form_token, "form_sig": self.app.sign(self.browser_id(), form_token)}

    def check_form(self, form: Mapping[str, list[str]]) -> str:
        """Check the form's token signature against this browser's cookie; return the token."""
        token = single(form, "form_token")
        sig = single(form, "form_sig")
        cookie = self.get_cookie(CSRF_COOKIE)
        if not token or not sig:
            raise PageError(
                403,
                "This form is incomplete, so it was not accepted; reload the page and try again.",
                "Form not accepted",
            )
        if not cookie or not _COOKIE_RE.match(cookie):
            raise PageError(
                403,
                "Your browser did not send back this page's cookie, so the form was not accepted;"
                " allow cookies for this site, reload the page and try again.",
                "Form not accepted",
            )
        if not hmac.compare_digest(self.app.sign(cookie, token), sig):
            raise PageError(
                403,
                "This form was not issued to this browser, so it was not accepted; reload the"
                " page and try again.",
                "Form not accepted",
            )
        self._browser_id = cookie
        return token

    # -- rendering -----------------------------------------------------------------------------
    def render(self, template_name: str, **ctx: Any) -> None:  # type: ignore[override]
        """Render a Jinja2 template (autoescaped) and finish the request."""
        ctx.setdefault("title", "")
        html = self.app.env.get_template(template_name).render(**ctx)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(html)

    def message_page(self, status: int, title: str, message: str, links=(), **ctx: Any) -> None:
        self.set_status(status)
        self.render("message.html", title=title, message=message, links=links, **ctx)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        links: Sequence[tuple[str, str]] = ()
        if isinstance(exc, PageError):
            title, message, links = exc.title, exc.message, exc.links
            for name, value in exc.headers.items():
                self.set_header(name, value)
        elif isinstance(exc, tornado.web.HTTPError) or exc is None:
            title, message = None, GENERIC_MESSAGES.get(status_code, SERVER_FAULT)
        else:
            title, message = None, SERVER_FAULT
        if isinstance(exc, StoreUnavailable):
            title = "Not saved" if self.request.method == "POST" else "Please try again"
            message = self.unsaved_message if self.request.method == "POST" else STORE_DOWN
            self.set_header("Retry-After", "30")
        elif status_code >= 500:
            message = SERVER_FAULT
        title = title or {
            403: "Not accepted",
            404: "Page not found",
            409: "Not accepted",
            413: "Form too large",
        }.get(status_code, "Sorry, there is a problem")
        try:
            self.render("message.html", title=title, message=message, links=links)
        except Exception:  # the template itself failed: still no traceback on the page
            self.log.exception("participant page: the error page could not be rendered")
            self.set_header("Content-Type", "text/plain; charset=UTF-8")
            self.finish(message)

    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, PageError):
            status_code = exc.status
        elif isinstance(exc, StoreUnavailable):
            status_code = 503
        super().send_error(status_code, **kwargs)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        where = f"{self.request.method} {self.request.path}"
        if isinstance(value, PageError):
            self.log.info("participant page %s -> %d: %s", where, value.status, value.message)
        elif isinstance(value, StoreUnavailable):
            self.log.error("participant page %s -> 503: %s", where, value)
        elif isinstance(value, tornado.web.HTTPError):
            self.log.warning("participant page %s -> %d", where, value.status_code)
        else:
            self.log.error("participant page %s failed", where, exc_info=(typ, value, tb))


def single(form: Mapping[str, list[str]], name: str, default: str = "") -> str:
    """One form value; PageError when the field was sent more than once."""
    values = form.get(name)
    if not values:
        return default
    if len(values) > 1:
        raise PageError(
            400, "The form sent a field twice; reload the page and try again.", "Form not accepted"
        )
    return values[0]


class ParticipantStaticHandler(tornado.web.StaticFileHandler):
    """Static files for participant pages, with the same security headers."""

    def set_default_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)
        self.clear_header("Server")

    def set_extra_headers(self, path: str) -> None:
        if self.get_query_argument("v", None):
            self.set_header("Cache-Control", "public, max-age=31536000, immutable")
        else:
            self.set_header("Cache-Control", "no-cache")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=UTF-8")
        self.finish(GENERIC_MESSAGES.get(status_code, SERVER_FAULT))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, tornado.web.HTTPError):
            logging.getLogger("partnership_tools.server").error(
                "participant static file failed", exc_info=(typ, value, tb)
            )


# -- the ballot pages ------------------------------------------------------------------------
@dataclass
class FieldError:
    anchor: str
    message: str


@dataclass
class BallotForm:
    """What the participant chose so far (kept across the review step and error pages)."""

    positions: dict[str, str]
    group: str | None
    code: str


class StartHandler(BaseParticipantHandler):
    """``/vote/``: asks for the session link or code."""

    async def get(self) -> None:
        wanted = (self.get_query_argument("session", "") or "").strip()
        if wanted:
            if "/" in wanted:  # a pasted link: keep its last part
                wanted = wanted.rstrip("/").rsplit("/", 1)[-1]
            if _SESSION_ID_RE.match(wanted):
                self.redirect(self.app.url(f"vote/{quote(wanted)}"))
                return
            self.set_status(400)
            self.render(
                "start.html",
                title="Find your ballot",
                value=wanted,
                error="That is not a session code; check the link you were given and try again.",
            )
            return
        self.render("start.html", title="Find your ballot", value="", error=None)


class NotFoundHandler(BaseParticipantHandler):
    """Anything else under ``/vote``: a plain 404 page."""

    async def get(self, *args: Any) -> None:
        raise PageError(404, GENERIC_MESSAGES[404], "Page not found")

    post = get


class StatusHandler(BaseParticipantHandler):
    """``/vote/<session>/status.json``: whether a round is open (for the page's script)."""

    async def get(self, session_id: str) -> None:
        status = await self.app.status(session_id)
        if status is None:
            self.set_status(404)
            status = {"round": None, "open": False, "error": "There is no vote at this address."}
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(status))


class ResultsHandler(BaseParticipantHandler):
    """``/vote/<session>/results``: closed rounds' results, only once published."""

    async def get(self, session_id: str) -> None:
        session = await self.app.run(read_ballot_session, session_id)
        if session is None:
            raise_unknown_session()
        if not session.results_published:
            raise PageError(
                404,
                "The results of this vote have not been published yet; the facilitator will share"
                " them when the time is right.",
                "Results not published yet",
                links=[(self.app.url(f"vote/{quote(session.id)}"), "Back to the ballot page")],
            )
        results = await self.app.run(read_results, session)
        self.render(
            "results.html",
            title="Results",
            session=session,
            results=results,
            ballot_url=self.app.url(f"vote/{quote(session.id)}"),
        )


def raise_unknown_session() -> NoReturn:
    raise PageError(
        404,
        "There is no vote at this address; check the link or code you were given.",
        "Vote not found",
    )


class BallotHandler(BaseParticipantHandler):
    """``/vote/<session>``: the ballot form, the review step and the receipt."""

    # -- GET -----------------------------------------------------------------------------------
    async def get(self, session_id: str) -> None:
        session = await self.app.run(read_ballot_session, session_id)
        if session is None:
            raise_unknown_session()
        rnd = session.open_round
        if rnd is None:
            self.closed_page(session, status=200)
            return
        order = list(rnd.option_ids)
        random.SystemRandom().shuffle(order)
        mode = integrity.ballot_mode(session)
        browser = integrity.browser_hash(self.long_browser_id(), session.code_salt)
        app = self.app

        def issue(store: Store) -> tuple[str, int | None]:
            token = integrity.issue_form_token(
                store,
                session.id,
                rnd.number,
                order,
                browser,
                app.form_tokens_per_browser,
                app.max_form_tokens,
            )
            earlier = None
            if mode == "browser":
                earlier = integrity.holder_ballot(store, session.id, rnd.number, None, browser)
            return token, earlier

        token, earlier = await self.app.run(issue)
        empty = BallotForm(positions={}, group=None, code="")
        self.ballot_page(
            session, rnd, tuple(order), token, empty, errors=[], voted_before=earlier is not None
        )

    def closed_page(self, session: Session, status: int) -> None:
        """No round is open: say so; the page's script reloads it when a round opens."""
        rnd = session.current_round
        links = []
        if session.results_published and any(r.status == "closed" for r in session.rounds):
            links.append((self.app.url(f"vote/{quote(session.id)}/results"), "See the results"))
        if rnd is None or rnd.status == "draft":
            title = "Voting has not started yet"
            text = (
                "The facilitator has not opened the vote yet. Keep this page open: it will show"
                " the ballot when voting starts, or reload it in a moment."
            )
        else:
            title = "Voting is closed"
            text = f"Round {rnd.number} has closed; ballots are no longer accepted."
        self.set_status(status)
        self.render(
            "message.html",
            title=title,
            message=text,
            links=links,
            session=session,
            watch="waiting",
            status_url=self.app.url(f"vote/{quote(session.id)}/status.json"),
        )

    def ballot_page(
        self,
        session: Session,
        rnd: Round,
        order: tuple[str, ...],
        token: str,
        form: BallotForm,
        errors: Sequence[FieldError],
        status: int = 200,
        voted_before: bool = False,
    ) -> None:
        options = [session.option(i) for i in order]
        changes = round_changes(session, rnd.number)
        self.set_status(status)
        self.render(
            "ballot.html",
            title=("Error: " if errors else "") + f"Vote, round {rnd.number}",
            session=session,
            round=rnd,
            options=options,
            n=len(options),
            form=form,
            errors=errors,
            error_for={e.anchor: e.message for e in errors},
            hidden=self.form_fields(token),
            action=self.app.url(f"vote/{quote(session.id)}"),
            status_url=self.app.url(f"vote/{quote(session.id)}/status.json"),
            no_group=NO_GROUP,
            mode=integrity.ballot_mode(session),
            voted_before=voted_before,
            previous=changes["previous"],
            changes=changes["lines"],
            previous_results_url=(
                self.app.url(f"vote/{quote(session.id)}/results#round-{changes['previous']}-title")
                if changes["published"]
                else None
            ),
        )

    # -- POST ----------------------------------------------------------------------------------
    async def post(self, session_id: str) -> None:
        await self.limit_rate("vote")
        form = self.parse_form()
        token = self.check_form(form)
        info = await self.app.run(lambda store: store.peek_form_token(token))
        if info is None or info["session_id"] != session_id:
            raise PageError(
                403,
                "This ballot form is not valid for this vote; reload the page to get a fresh one.",
                "Form not accepted",
            )
        session = await self.app.run(read_ballot_session, session_id)
        if session is None:
            raise_unknown_session()
        if info["used_at"]:  # a retried form: its original receipt, nothing stored again
            await self.show_repeat(session, token)
            return
        mode = integrity.ballot_mode(session)
        browser = info.get("browser_hash") or integrity.browser_hash(
            self.long_browser_id(), session.code_salt
        )
        number = int(info["round_number"])
        try:
            rnd = session.round(number)
        except KeyError:
            raise_unknown_session()
        if rnd.status != "open":
            raise PageError(
                409,
                f"Round {number} has closed; your ballot was not counted.",
                "Voting is closed",
                links=self.closed_links(session),
            )
        order = tuple(info["shown_order"])
        if sorted(order) != sorted(rnd.option_ids):
            raise PageError(
                403, "This ballot form is out of date; reload the page.", "Form not accepted"
            )

        action = single(form, "action")
        if action not in ("review", "change", "cast"):
            raise PageError(
                400,
                "The form did not say what to do; reload the page and try again.",
                "Form not accepted",
            )
        allowed = {"form_token", "form_sig", "action", "group", "code", "expect"}
        allowed.update(f"rank-{oid}" for oid in order)
        unknown = [k for k in form if k not in allowed]
        if unknown:
            if any(k.startswith("rank-") for k in unknown):
                msg = (
                    "The form named an option that is not on this round's ballot; reload the page."
                )
            else:
                msg = (
                    "The form sent a field this page does not know; reload the page and try again."
                )
            raise PageError(400, msg, "Form not accepted")

        choice = BallotForm(
            positions={oid: single(form, f"rank-{oid}").strip() for oid in order},
            group=(single(form, "group", "") or None) if "group" in form else None,
            code=single(form, "code").strip()[:64],
        )
        expect_text = single(form, "expect")
        expect: int | None | str = integrity.ANY
        if expect_text == "none":
            expect = None
        elif expect_text.isascii() and expect_text.isdigit():
            expect = int(expect_text)
        elif expect_text:
            raise PageError(400, GENERIC_MESSAGES[400], "Form not accepted")
        if action == "change":
            self.ballot_page(session, rnd, order, token, choice, errors=[])
            return

        errors: list[FieldError] = []
        ranking: tuple[str, ...] = ()
        uncountable = [
            oid for oid in order if choice.positions[oid] and not _plain_rank(choice.positions[oid])
        ]
        if uncountable:
            oid = uncountable[0]
            errors.append(
                FieldError(
                    f"rank-{order.index(oid) + 1}",
                    f"The rank given for “{session.labels[oid]}” cannot be counted; choose one"
                    " from the list.",
                )
            )
        else:
            try:
                ranking = ranking_from_positions(choice.positions, rnd.option_ids)
            except BallotError as exc:
                errors.append(ranking_error(exc, choice.positions, order, session))
        if not uncountable and not errors:
            if not ranking:
                errors.append(
                    FieldError(
                        "rank-1",
                        "Rank at least one option: choose 1st for the option you like best.",
                    )
                )
        group: str | None = None
        if session.groups:
            if choice.group is None:
                errors.append(
                    FieldError(
                        "group-1", "Choose the group you belong to, or choose 'Prefer not to say'."
                    )
                )
            elif choice.group != NO_GROUP and choice.group not in session.groups:
                raise PageError(
                    400,
                    "The form named a group that is not one of this vote's groups;"
                    " reload the page.",
                    "Form not accepted",
                )
            elif choice.group != NO_GROUP:
                group = choice.group
        elif choice.group not in (None, "", NO_GROUP):
            raise PageError(
                400, "This vote does not ask for a group; reload the page.", "Form not accepted"
            )
        participant_hash: str | None = None
        replaces = False
        holder: int | None = None
        if session.uses_codes:
            if not choice.code:
                errors.append(FieldError("code", "Enter the voting code you were given."))
            else:
                participant_hash, replaces = await self.app.run(
                    check_code, session.id, number, choice.code
                )
                if participant_hash is None:
                    errors.append(
                        FieldError(
                            "code",
                            "That code is not one issued for this session; check it and try again.",
                        )
                    )
        elif choice.code:
            raise PageError(
                400, "This vote does not use codes; reload the page.", "Form not accepted"
            )
        if errors:
            self.ballot_page(session, rnd, order, token, choice, errors, status=400)
            return

        labels = session.labels
        if action == "review" and (participant_hash or mode == "browser"):
            by = browser if mode == "browser" else None
            holder = await self.app.run(
                integrity.holder_ballot, session.id, number, participant_hash, by
            )
            replaces = holder is not None
        if action == "review":
            self.set_status(200)
            self.render(
                "review.html",
                title=f"Check your vote, round {number}",
                session=session,
                round=rnd,
                ranking=[(ordinal(i), labels[o]) for i, o in enumerate(ranking, 1)],
                unranked=[labels[o] for o in order if o not in ranking],
                n=len(order),
                group=group,
                asked_group=bool(session.groups),
                replaces=replaces,
                replace_by="code" if participant_hash else "browser",
                form=choice,
                order=order,
                hidden={
                    **self.form_fields(token),
                    "expect": "none" if holder is None else str(holder),
                },
                action=self.app.url(f"vote/{quote(session.id)}"),
                status_url=self.app.url(f"vote/{quote(session.id)}/status.json"),
            )
            return

        ballot = Ballot(
            ranking=ranking,
            group=group,
            participant_hash=participant_hash,
            shown_order=order,
            source="web",
        )
        try:
            receipt = await self.app.run(
                lambda store: integrity.cast_with_token(
                    store,
                    token,
                    session.id,
                    ballot,
                    browser=browser,
                    replace_browser=mode == "browser",
                    expect=expect,
                )
            )
        except StoreUnavailable:
            raise
        except integrity.Conflict as exc:
            raise PageError(
                409,
                str(exc),
                "Not cast",
                links=[(self.app.url(f"vote/{quote(session.id)}"), "Back to the ballot")],
            ) from None
        except integrity.FormUsed as exc:
            raise PageError(403, str(exc), "Already cast") from None
        except StoreError as exc:
            await self.refuse_cast(session, number, token, str(exc))
            return
        if receipt.repeated:
            self.log.info("ballot form cast again: session %s round %d", session.id, number)
        else:
            self.log.info("ballot stored: session %s round %d", session.id, number)
        self.receipt_page(session, receipt)

    def receipt_page(self, session: Session, receipt: integrity.CastResult) -> None:
        """The receipt of a stored ballot (the one the form cast, also when it is retried)."""
        ballot = receipt.ballot
        assert ballot is not None  # cast_with_token always returns the stored ballot
        labels = session.labels
        order = ballot.shown_order or tuple(labels)
        self.render(
            "receipt.html",
            title="Your vote has been cast",
            session=session,
            round=receipt_round(session, receipt.round_number),
            receipt=receipt,
            repeated=receipt.repeated,
            replaced_by="code" if ballot.participant_hash else "browser",
            mode=integrity.ballot_mode(session),
            submitted_at=ballot.submitted_at,
            ranking=[(ordinal(i), labels[o]) for i, o in enumerate(ballot.ranking, 1)],
            unranked=[labels[o] for o in order if o not in ballot.ranking],
            group=ballot.group,
            asked_group=bool(session.groups),
        )

    async def show_repeat(self, session: Session, token: str) -> None:
        """A form cast before: its original receipt (or why there is none any more)."""
        try:
            receipt = await self.app.run(integrity.repeat_receipt, token, session.id)
        except StoreUnavailable:
            raise
        except StoreError as exc:
            raise PageError(403, str(exc), "Already cast") from None
        self.receipt_page(session, receipt)

    def closed_links(self, session: Session) -> list[tuple[str, str]]:
        links = []
        if session.open_round is not None:
            links.append(
                (
                    self.app.url(f"vote/{quote(session.id)}"),
                    f"Vote in round {session.open_round.number}",
                )
            )
        if session.results_published:
            links.append((self.app.url(f"vote/{quote(session.id)}/results"), "See the results"))
        return links

    async def refuse_cast(self, session: Session, number: int, token: str, reason: str) -> None:
        """The store refused the ballot: say why in one sentence with the right status."""
        status = await self.app.run(lambda store: store.round_status(session.id, number))
        if status != "open":
            raise PageError(
                409,
                f"Round {number} has closed; your ballot was not counted.",
                "Voting is closed",
                links=self.closed_links(session),
            )
        info = await self.app.run(lambda store: store.peek_form_token(token))
        if info is None or info["used_at"]:
            raise PageError(
                403,
                "This ballot form has already been used to cast a vote, so it was not accepted"
                " again; the vote cast with it is the one that counts.",
                "Already cast",
            )
        raise PageError(400, reason, "Ballot not accepted")


def _plain_rank(value: str) -> bool:
    """Whether a rank as sent is plain ASCII digits (``"2"``; not ``"¹"``, ``"٣"`` or ``"2.5"``).

    >>> [_plain_rank(v) for v in ("2", "12", "¹", "٣", "2.5", "")]
    [True, True, False, False, False, False]
    """
    return value.isascii() and value.isdigit()


def receipt_round(session: Session, number: int) -> Round:
    """The round a receipt belongs to."""
    for r in session.rounds:
        if r.number == number:
            return r
    return session.rounds[-1]


def round_changes(session: Session, number: int) -> dict[str, Any]:
    """What the ballot page says about the previous round: its number (``previous``, ``None``
    for the first round), one line per option that changed since (``lines``: "F “Joint hub” is
    new: merged from B “Shared office” and D “Pool”", "G “…” amends E “…”", an option no longer
    on the paper) and whether its results are published (``published``: closed, and the
    facilitator published the results).

    >>> from partnership_tools.vote.model import Option
    >>> s = Session(id="s", question="q", results_published=True, options=(Option("A", "a"),
    ...     Option("B", "b"), Option("C", "c", amended_from="B")),
    ...     rounds=(Round(1, ("A", "B"), "closed"), Round(2, ("A", "C"), "open")))
    >>> round_changes(s, 2)
    {'previous': 1, 'lines': ['C “c” amends B “b”.'], 'published': True}
    """
    from partnership_tools.vote.changes import (
        changes_since_previous,
        gone_since_previous,
        previous_round_number,
    )

    before = previous_round_number(session, number)
    if before is None:
        return {"previous": None, "lines": [], "published": False}
    notes = changes_since_previous(session, number)
    lines = [n.text() for n in notes]
    replaced = {src for n in notes for src, _ in n.sources}
    lines += [
        f"{oid} “{label}” is no longer on the ballot."
        for oid, label in gone_since_previous(session, number)
        if oid not in replaced
    ]
    published = session.results_published and session.round(before).status == "closed"
    return {"previous": before, "lines": lines, "published": published}


def ranking_error(
    exc: BallotError, positions: Mapping[str, str], order: Sequence[str], session: Session
) -> FieldError:
    """A participant-friendly sentence (with option labels) for a ranking the validator refused,
    linked to the first select involved."""
    labels = session.labels
    index = {oid: i for i, oid in enumerate(order, 1)}
    ranks: dict[int, list[str]] = {}
    for oid in order:
        value = positions.get(oid, "")
        if not value:
            continue
        if not _plain_rank(value) or not 1 <= int(value) <= len(order):
            return FieldError(
                f"rank-{index[oid]}",
                f"The rank given for “{labels[oid]}” cannot be counted; choose one from the list.",
            )
        ranks.setdefault(int(value), []).append(oid)
    for rank in sorted(ranks):
        if len(ranks[rank]) > 1:
            ids = ranks[rank]
            names = and_join([f"“{labels[o]}”" for o in ids])
            return FieldError(
                f"rank-{index[ids[1]]}",
                f"You gave {names} the same rank ({ordinal(rank)}); give each option its own"
                " rank, or leave some not ranked.",
            )
    used = sorted(ranks)
    for expected in range(1, len(used) + 1):
        if expected not in ranks:
            first_after = next((r for r in used if r > expected), None)
            oid = ranks[first_after][0] if first_after else order[0]
            return FieldError(
                f"rank-{index[oid]}",
                f"You skipped {ordinal(expected)}: number your choices 1st, 2nd, 3rd and so on"
                " without gaps.",
            )
    return FieldError("rank-1", f"This ranking cannot be counted: it {exc.reason}.")


def participant_handlers(app: ParticipantApp) -> list[tuple[str, type, dict]]:
    """The URL rules for :meth:`tornado.web.Application.add_handlers`."""
    base = app.base_url.rstrip("/")
    kw = {"app": app}
    sid = f"({SESSION_ID})"
    return [
        (rf"{base}/vote/?", StartHandler, kw),
        (rf"{base}/vote/{sid}/?", BallotHandler, kw),
        (rf"{base}/vote/{sid}/results/?", ResultsHandler, kw),
        (rf"{base}/vote/{sid}/status\.json", StatusHandler, kw),
        *__import__("partnership_tools.server.receipts", fromlist=["routes"]).routes(base, sid, kw),
        (rf"{base}/vote-static/(.*)", ParticipantStaticHandler, {"path": str(STATIC)}),
        (rf"{base}/vote/(.*)", NotFoundHandler, kw),
    ]
