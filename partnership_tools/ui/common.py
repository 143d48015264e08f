"""Shared helpers for the Voilà apps: messages, escaping, busy state, charts, the URL query.

Rules every app follows, enforced here:

* Everything a person typed is escaped with :func:`esc` (``html.escape``) before it goes into an
  HTML widget; tables come from :func:`html_table`, which escapes every cell.
* A failing action never shows a traceback: :func:`action` catches the exception, shows one plain
  sentence in the app's :class:`Feedback` area and writes the details to the server log (the
  ``partnership_tools.ui`` logger, which writes to the kernel's real stderr, i.e. the terminal
  running ``partnership-tools serve``).
* Charts go through Altair's offline ``jupyter`` renderer (:func:`enable_altair`), the only one
  that draws in Voilà.

>>> esc('<img src=x onerror="alert(1)">')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
>>> one_sentence("  Round 2\\n is not open  ")
'Round 2 is not open.'
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html
import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote, urlsplit

import ipywidgets as widgets

from partnership_tools.ui.poller import Poller  # noqa: F401 - kept here for older imports

LOGGER_NAME = "partnership_tools.ui"
log = logging.getLogger(LOGGER_NAME)

ENV_PUBLIC_URL = "PT_PUBLIC_URL"
ENV_DOWNLOADS = "PT_DOWNLOADS_DIR"
MAX_SENTENCE = 300

F = TypeVar("F", bound=Callable[..., Any])


class UIError(ValueError):
    """A problem to show the user as one plain sentence (no traceback, nothing logged as a bug)."""


# ------------------------------------------------------------------------------------------
# Text
# ------------------------------------------------------------------------------------------
def esc(value: object) -> str:
    """HTML-escape any value (quotes included) for use inside an HTML widget."""
    return html.escape(str(value), quote=True)


def one_sentence(text: object) -> str:
    """Collapse whitespace, cut to a sensible length and end with a full stop."""
    s = " ".join(str(text).split())
    if len(s) > MAX_SENTENCE:
        s = s[: MAX_SENTENCE - 1].rstrip() + "…"
    if s and s[-1] not in ".!?…":
        s += "."
    return s


def friendly_error(exc: BaseException, doing: str = "") -> tuple[str, bool]:
    """The sentence to show for ``exc`` and whether it is expected (a user error).

    Known errors (our own, the store's, the session file's, a ballot's, a model check) read as
    they are; anything else becomes a generic sentence, and the caller logs the details.
    """
    from partnership_tools.store import StoreError
    from partnership_tools.vote.sessionfile import SessionFileError
    from partnership_tools.vote.validation import BallotError

    if isinstance(exc, BallotError):
        return one_sentence(f"This ballot {exc.reason}"), True
    if isinstance(exc, (UIError, StoreError, SessionFileError)):
        return one_sentence(exc), True
    from partnership_tools.store.db import StoreUnavailable, is_unwritable

    if is_unwritable(exc):  # an SQLite write outside a store block: full disk, read-only
        return one_sentence(StoreUnavailable.from_sqlite(exc)), True
    if _is_postgres_unavailable(exc):  # PostgreSQL down or refusing outside a store block
        return one_sentence(StoreUnavailable.from_postgres(exc)), True
    if isinstance(exc, ValueError) and exc.args and isinstance(exc.args[0], str):
        return one_sentence(exc.args[0]), True
    what = f" while {doing}" if doing else ""
    return f"Something went wrong{what}; the details are in the server log.", False


def _is_postgres_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL (through SQLAlchemy) failing to connect or to keep a
    connection: the store, not the request, is at fault."""
    import sqlalchemy as sa

    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if not type(exc.orig).__module__.startswith("psycopg"):
        return False
    return bool(exc.connection_invalidated) or isinstance(
        exc, sa.exc.OperationalError | sa.exc.InterfaceError
    )


def _configure_logging() -> None:
    """Send the UI logger to the process's real stderr (the server terminal), once."""
    if getattr(log, "_pt_configured", False):
        return
    stream = sys.__stderr__ or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False  # never let a record reach a handler that prints into the page
    log._pt_configured = True  # type: ignore[attr-defined]


_configure_logging()


# ------------------------------------------------------------------------------------------
# Styles and small widgets
# ------------------------------------------------------------------------------------------
BASE_CSS = """
.pt-app { max-width: 1120px; margin: 0 auto; padding: 0 8px 40px; color: #1F2933;
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; }
.pt-app h1 { font-size: 1.6em; margin: 0.4em 0 0.2em; }
.pt-app h2 { font-size: 1.25em; margin: 0.6em 0 0.3em; }
.pt-app h3 { font-size: 1.05em; margin: 0.6em 0 0.2em; }
.pt-app p { margin: 0.3em 0; line-height: 1.45; }
.pt-muted { color: #52606D; }
.pt-msg > .widget-html-content > div { padding: 8px 12px; border-radius: 4px; margin: 4px 0;
  line-height: 1.4; white-space: normal; }
.pt-msg-info { background: #EEF4FB; border-left: 4px solid #0072B2; color: #102A43; }
.pt-msg-success { background: #E8F5EC; border-left: 4px solid #1A7F3C; color: #0B3D1E; }
.pt-msg-error { background: #FDECEA; border-left: 4px solid #C62828; color: #5F1111; }
.pt-table { border-collapse: collapse; margin: 6px 0; font-size: 14px; }
.pt-table th, .pt-table td { padding: 4px 10px; border-bottom: 1px solid #E4E7EB;
  text-align: left; vertical-align: top; }
.pt-table th { background: #F5F7FA; font-weight: 600; }
.pt-table td.pt-num, .pt-table th.pt-num { text-align: right; font-variant-numeric: tabular-nums; }
.pt-table tr.pt-win td { font-weight: 600; }
.pt-log .widget-html-content { font-family: ui-monospace, Menlo, Consolas, monospace;
  font-size: 12px; color: #323F4B; max-height: 9em; overflow: auto; white-space: pre-wrap; }
.pt-big { font-size: 2.2em; font-weight: 700; font-variant-numeric: tabular-nums; }
.pt-scroll { overflow-x: auto; max-width: 100%; }
.pt-app .widget-html, .pt-app .widget-html-content { max-width: 100%; min-width: 0; }
.pt-app .widget-html-content { line-height: 1.4; white-space: normal; }
.pt-app .widget-label { color: #1F2933; }
.pt-app a { color: #0B5CAD; text-decoration: underline; }
.pt-app a:hover, .pt-app a:focus { color: #063F7A; }
.pt-app button:focus-visible, .pt-app input:focus-visible, .pt-app textarea:focus-visible,
.pt-app select:focus-visible, .pt-app .lm-TabBar-tab:focus-visible, .pt-app a:focus-visible,
.pt-app summary:focus-visible, .pt-app .pt-table-wrap[tabindex]:focus-visible {
  outline: 3px solid #0B5CAD !important; outline-offset: 2px; }
.pt-table-wrap { overflow-x: auto; max-width: 100%; }
.pt-table caption { text-align: left; color: #52606D; padding: 2px 0 4px; }
.pt-chart .vega-embed { max-width: 100%; }
.pt-chart .vega-embed svg.marks { max-width: 100%; height: auto; }
.pt-tabs > .lm-TabBar, .pt-tabs > .p-TabBar { height: auto !important; min-height: 0; }
.pt-tabs > .lm-TabBar .lm-TabBar-content { flex-wrap: wrap; }
.pt-tabs > .lm-TabBar .lm-TabBar-tab { flex: 0 0 auto !important; min-width: 0 !important;
  max-width: none !important; padding: 0 14px; color: #1F2933; background: #EEF1F4; }
.pt-tabs > .lm-TabBar .lm-TabBar-tab.lm-mod-current { background: #FFFFFF; }
.pt-tabs > .lm-TabBar .lm-TabBar-tabLabel { color: #1F2933; }
.pt-app .jupyter-widget-Collapse-header, .pt-app .jupyter-widget-Collapse-header > span {
  color: #1F2933 !important; background: #EEF1F4; }
"""


def style_widget(extra_css: str = "") -> widgets.HTML:
    """An HTML widget carrying the apps' stylesheet (our own constant text, no user input)."""
    return widgets.HTML(f"<style>{BASE_CSS}{extra_css}</style>", layout={"height": "0px"})


def html_widget(value: str = "", css_class: str | None = None, **kwargs: Any) -> widgets.HTML:
    w = widgets.HTML(value, **kwargs)
    if css_class:
        w.add_class(css_class)
    return w


def button(
    description: str,
    css_class: str,
    style: str = "",
    icon: str = "",
    tooltip: str | None = None,
    width: str = "auto",
) -> widgets.Button:
    """A button with a stable CSS class (for tests) and a readable width."""
    b = widgets.Button(
        description=description,
        button_style=style,
        icon=icon,
        tooltip=tooltip or description,
        layout=widgets.Layout(width=width, min_width="8em", align_self="flex-start"),
    )
    b.add_class(css_class)
    return b


def show(widget: widgets.Widget, visible: bool) -> None:
    """Show or hide a widget (keeps its place in the layout code)."""
    widget.layout.display = None if visible else "none"


def html_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    numeric: Iterable[int] = (),
    row_classes: Sequence[str] | None = None,
    css_class: str = "pt-table",
    caption: str | None = None,
) -> str:
    """An HTML table with every header and cell escaped. ``numeric`` are right-aligned columns.

    The wrapper scrolls sideways when the table is wider than the screen, so it is a named,
    focusable region (keyboard users can scroll it).

    >>> html_table(["Option"], [["<b>x</b>"]])  # doctest: +ELLIPSIS
    '<div class="pt-table-wrap" role="region" tabindex="0" aria-label="Table"><table ...<tbody><tr><td>&lt;b&gt;x&lt;/b&gt;</td></tr></tbody></table></div>'
    """
    num = set(numeric)

    def cls(j: int) -> str:
        return ' class="pt-num"' if j in num else ""

    head = "".join(f'<th scope="col"{cls(j)}>{esc(c)}</th>' for j, c in enumerate(columns))
    body = []
    for i, row in enumerate(rows):
        rc = f' class="{esc(row_classes[i])}"' if row_classes and row_classes[i] else ""
        cells = "".join(f"<td{cls(j)}>{esc(v)}</td>" for j, v in enumerate(row))
        body.append(f"<tr{rc}>{cells}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (
        f'<div class="pt-table-wrap" role="region" tabindex="0" aria-label="{esc(caption or "Table")}">'
        f'<table class="{esc(css_class)}">{cap}<thead><tr>{head}'
        f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def data_link(data: bytes, filename: str, mime: str, text: str, css_class: str = "") -> str:
    """An ``<a download>`` link carrying ``data`` as a base64 data URI (no server round trip)."""
    b64 = base64.b64encode(data).decode("ascii")
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return (
        f'<a{cls} download="{esc(filename)}" href="data:{esc(mime)};base64,{b64}">{esc(text)}</a>'
    )


def safe_filename(text: str, default: str = "session") -> str:
    """Letters, digits, dot, dash and underscore only.

    >>> safe_filename("../a b<c>"), safe_filename("")
    ('a-b-c', 'session')
    """
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-_")
    return s or default


# ------------------------------------------------------------------------------------------
# Feedback: the message area and the on-page log
# ------------------------------------------------------------------------------------------
class Feedback:
    """One message area (the latest plain sentence) and a short on-page log of what happened.

    ``message`` and ``log_html`` are HTML widgets; ``last`` is the latest sentence and ``kind``
    its kind (``info``, ``success`` or ``error``); ``lines`` the log, newest last.
    """

    MAX_LINES = 40

    def __init__(self) -> None:
        self.message = widgets.HTML("")
        self.message.add_class("pt-msg")
        self.message.add_class("pt-message")
        self.log_html = widgets.HTML("")
        self.log_html.add_class("pt-log")
        self.last = ""
        self.kind = ""
        self.lines: list[str] = []

    def _set(self, kind: str, text: str, log_it: bool = True) -> None:
        sentence = one_sentence(text)
        self.last, self.kind = sentence, kind
        role = "alert" if kind == "error" else "status"
        self.message.value = f'<div class="pt-msg-{kind}" role="{role}">{esc(sentence)}</div>'
        if log_it:
            self.add_line(f"{'Error: ' if kind == 'error' else ''}{sentence}")

    def info(self, text: str, log_it: bool = False) -> None:
        self._set("info", text, log_it)

    def success(self, text: str) -> None:
        self._set("success", text)
        log.info("%s", one_sentence(text))

    def error(self, text: str) -> None:
        self._set("error", text)
        log.warning("%s", one_sentence(text))

    def clear(self) -> None:
        self.last, self.kind = "", ""
        self.message.value = ""

    def add_line(self, text: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        self.lines.append(f"{stamp}  {one_sentence(text)}")
        self.lines = self.lines[-self.MAX_LINES :]
        self.log_html.value = "<br>".join(esc(line) for line in reversed(self.lines))

    def fail(self, exc: BaseException, doing: str = "") -> str:
        """Show ``exc`` as one sentence; log the traceback when it was not a user error."""
        sentence, expected = friendly_error(exc, doing)
        if expected:
            self._set("error", sentence)
            log.warning("%s", sentence)
        else:
            self._set("error", sentence)
            log.error("Unexpected error while %s", doing or "running an action", exc_info=exc)
        return sentence


def action(doing: str) -> Callable[[F], F]:
    """Decorate an app method so any exception becomes one sentence in ``self.feedback``.

    The method returns ``None`` when it failed.
    """

    def deco(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(self, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - shown as a sentence, logged in full
                self.feedback.fail(exc, doing)
                return None

        return wrapper  # type: ignore[return-value]

    return deco


@contextlib.contextmanager
def busy(*controls: widgets.Widget) -> Iterator[None]:
    """Disable ``controls`` while an action runs (so a double click does nothing twice)."""
    before = [getattr(c, "disabled", False) for c in controls]
    for c in controls:
        c.disabled = True
    try:
        yield
    finally:
        for c, was in zip(controls, before, strict=True):
            c.disabled = was


# ------------------------------------------------------------------------------------------
# Request, URLs, QR codes
# ------------------------------------------------------------------------------------------
def request_query() -> dict[str, str]:
    """The page's URL query as a dict (last value wins).

    A preheated Voilà kernel runs the notebook before any request arrives; then we first wait for
    the request (``voila.utils.wait_for_request``), after which ``QUERY_STRING`` is set.
    """
    if os.environ.get("VOILA_PREHEAT", "False") == "True":
        try:
            from voila.utils import wait_for_request

            wait_for_request()
            os.environ["VOILA_PREHEAT"] = "False"  # the request came: never wait for another
        except Exception:  # noqa: BLE001 - without the query the app asks instead
            log.warning("Could not read the page request from Voilà.", exc_info=True)
    qs = os.environ.get("QUERY_STRING", "")
    return {k: v[-1] for k, v in parse_qs(qs, keep_blank_values=False).items() if v}


def query_value(name: str, default: str | None = None) -> str | None:
    """One value from the page's URL query (e.g. ``session``), or ``default``."""
    value = request_query().get(name)
    return value.strip() if value and value.strip() else default


def public_base_url() -> str | None:
    """The address participants use to reach the server, without a trailing slash.

    ``PT_PUBLIC_URL`` when set (``partnership-tools serve`` or the operator sets it, e.g. to the
    laptop's address on the room's Wi-Fi); otherwise the scheme and host of the Voilà request plus
    the server's base URL; otherwise ``None`` (the apps then show the path only).
    """
    env = os.environ.get(ENV_PUBLIC_URL, "").strip()
    if env:
        return env.rstrip("/")
    req = os.environ.get("VOILA_REQUEST_URL", "")
    if req:
        u = urlsplit(req)
        if u.scheme in ("http", "https") and u.netloc:
            base = os.environ.get("VOILA_BASE_URL") or "/"
            return f"{u.scheme}://{u.netloc}{base}".rstrip("/")
    host = os.environ.get("SERVER_NAME")
    if host:
        port = os.environ.get("SERVER_PORT")
        base = os.environ.get("VOILA_BASE_URL") or "/"
        return f"http://{host}{':' + port if port else ''}{base}".rstrip("/")
    return None


def join_path(session_id: str) -> str:
    """The ballot page's path for a session: ``/vote/<id>``."""
    return f"/vote/{quote(session_id, safe='')}"


def join_url(session_id: str, base: str | None = None) -> str:
    """The full ballot page address (or only its path when no base address is known)."""
    base = base if base is not None else public_base_url()
    return f"{base.rstrip('/')}{join_path(session_id)}" if base else join_path(session_id)


def qr_svg(text: str, scale: int = 10) -> str:
    """A QR code for ``text`` as inline SVG (made locally with segno; black on white, quiet zone
    of four modules)."""
    import segno

    qr = segno.make(text, error="m")
    return qr.svg_inline(scale=scale, border=4, dark="#000000", light="#ffffff", svgclass="pt-qr")


# ------------------------------------------------------------------------------------------
# Charts
# ------------------------------------------------------------------------------------------
_ALTAIR_LOCK = threading.Lock()
_altair_ready = False


def enable_altair() -> None:
    """Make Altair draw in Voilà: the offline ``jupyter`` renderer plus the house theme.

    Imports altair and bundles Vega's JavaScript (slow, memory-hungry): call it only in apps that
    draw charts (or early, from :func:`warm_up_altair`). Safe to call from several threads.
    """
    global _altair_ready
    with _ALTAIR_LOCK:
        if _altair_ready:
            return
        import altair as alt

        from partnership_tools.charts.theme import use_house_theme

        alt.renderers.enable("jupyter", offline=True)
        from partnership_tools.charts.offline import enable_offline

        enable_offline()
        use_house_theme()
        _altair_ready = True


def warm_up_altair() -> None:
    """Start :func:`enable_altair` on a background thread, so the first chart is quick."""

    def run() -> None:
        try:
            enable_altair()
        except Exception:  # noqa: BLE001 - the first chart will report it
            log.warning("Preparing the charts failed.", exc_info=True)

    threading.Thread(target=run, name="pt-altair-warm-up", daemon=True).start()


class ChartSlot:
    """A place on the page for one (possibly concatenated) Altair chart.

    The first chart creates one offline ``alt.JupyterChart`` widget (it ships the Vega bundle to
    the browser once); later charts replace its spec, so the bundle is not sent again.
    """

    def __init__(self, css_class: str = "pt-chart") -> None:
        self.box = widgets.Box(layout=widgets.Layout(max_width="100%", width="100%"))
        self.box.add_class(css_class)
        self.box.add_class("pt-chart")
        self.widget: Any = None
        self.chart: Any = None

    def set(self, chart: Any) -> None:
        enable_altair()
        import altair as alt

        self.chart = chart
        if self.widget is None:
            # No vega-embed actions menu: its unlabelled <summary> fails accessibility checks.
            self.widget = alt.JupyterChart(chart, embed_options={"actions": False})
            self.box.children = (self.widget,)
        else:
            self.widget.chart = chart
            if not self.box.children:
                self.box.children = (self.widget,)

    def clear(self) -> None:
        self.chart = None
        self.box.children = ()


class WidgetApp:
    """What every app shares: ``self.widget`` is its root widget, shown by :meth:`show` or by
    leaving the app as a cell's last expression."""

    widget: widgets.Widget

    def show(self) -> None:
        """Display the app (in a notebook or a Voilà page)."""
        from IPython.display import display

        display(self.widget)

    def _ipython_display_(self) -> None:
        self.show()


def session_from_query(session_id: str | None, name: str = "session") -> str | None:
    """``session_id`` if given, else the Voilà page's ``?name=`` (None when unreadable)."""
    if session_id:
        return session_id
    try:
        return query_value(name)
    except Exception:  # noqa: BLE001 - the page still works without the query
        logging.getLogger(__name__).warning("Could not read the page's URL query.", exc_info=True)
        return None
