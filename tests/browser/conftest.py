"""Fixtures for tests in a real browser (Playwright + Debian's chromium) against a live server.

Reusable by every app's browser tests (ballot page, Voilà facilitator/projector/review apps).

Fixtures
--------
``live_server`` (session scope)
    Runs ``python -m partnership_tools serve --db <tmp>/store.sqlite --port <free> --token
    <random> --notebooks <dir>`` in a subprocess (own process group; ``JUPYTER_DATA_DIR``,
    ``JUPYTER_CONFIG_DIR`` and ``JUPYTER_RUNTIME_DIR`` in temporary folders), waits until it
    answers and stops it at the end. It yields a :class:`LiveServer` with

    * ``base_url`` (``http://127.0.0.1:PORT``), ``token``, ``db_path``;
    * ``store``: a :class:`partnership_tools.store.sessions.Store` on the same file (create sessions,
      open/close rounds, read ballots);
    * ``url(path, token=True)``: a full URL, with ``?token=...`` unless ``token=False``;
    * ``voila(notebook, token=True, **query)``: ``/voila/render/<notebook>?...``;
    * ``output()``: what the command printed (stdout and stderr) so far.

    The notebooks folder is the ``live_server_notebooks`` fixture: by default the env var
    ``PT_TEST_NOTEBOOKS`` if set, else the repository's ``notebooks/``. Override the fixture (in
    a ``conftest.py`` or a test module, session scope) to serve another folder.

``browser`` (session scope)
    A headless chromium (``/usr/bin/chromium``) launched by Playwright's sync API. When chromium
    is missing the browser tests FAIL, unless ``PT_ALLOW_SKIP_BROWSER=1`` is set (then they
    skip): CI must never skip them silently.

``new_page`` (function scope)
    A factory ``new_page(width=1280, height=800, javascript=True, **context_options)`` that
    opens a page in a fresh context and records its console errors, uncaught page errors and
    failed requests (see :func:`page_log`). Contexts are closed at the end of the test.

Helpers (``tests/browser`` is a package: ``from .conftest import run_axe, screenshot, ...``)
------------------------------------------------------------------------------------------
``assert_no_console_errors(page, allow=DEFAULT_ALLOWED)``
    Fails on any console error, page error or failed request whose text matches none of the
    ``allow`` regexes, and on any request to a host off this machine (the default allows
    nothing).
``run_axe(page, fail_on=("serious", "critical"))``
    Injects ``tests/browser/node_modules/axe-core/axe.min.js`` (``npm ci --prefix
    tests/browser``; run automatically when missing; evaluated through DevTools rather than
    ``page.add_script_tag``, which a strict Content-Security-Policy blocks) and fails on violations of those impacts;
    returns the full axe result.
``screenshot(page, name)``
    Saves a full-page PNG to ``artifacts/screenshots/<name>.png`` and returns its path.

Mark browser tests with ``@pytest.mark.browser``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the kit need not be installed to be tested
    sys.path.insert(0, str(ROOT))

from partnership_tools.server.serve import ServerProcess  # noqa: E402
from partnership_tools.store import Store  # noqa: E402

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
#: Console errors every page may have: the Voilà template asks a CDN for its icon fonts.
#: Nothing is allowed by default (no app page may log an error or ask another host for anything)
#: but Voila's own kernel-shutdown call as a page is left, which the navigation itself cancels.
DEFAULT_ALLOWED: tuple[str, ...] = (r"/voila/api/shutdown/[^ ]* \(net::ERR_ABORTED\)",)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


# -- the live server ---------------------------------------------------------------------------
@dataclass
class LiveServer:
    process: ServerProcess
    store: Store

    @property
    def base_url(self) -> str:
        return self.process.base_url

    @property
    def token(self) -> str:
        return self.process.token

    @property
    def db_path(self) -> Path:
        return self.process.db_path

    def url(self, path: str = "/", token: bool = True) -> str:
        return self.process.url(path, token=token)

    def voila(self, notebook: str, token: bool = True, **query: str) -> str:
        q = urllib.parse.urlencode(query)
        return self.url(f"/voila/render/{notebook}" + (f"?{q}" if q else ""), token=token)

    def output(self) -> str:
        return self.process.stdout_text() + self.process.stderr_text()


@pytest.fixture(scope="session")
def live_server_notebooks() -> Path:
    """The folder ``live_server`` serves notebooks from (override to use another)."""
    return Path(os.environ.get("PT_TEST_NOTEBOOKS") or ROOT / "notebooks")


@pytest.fixture(scope="session")
def live_server(live_server_notebooks: Path, tmp_path_factory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("live-server")
    proc = ServerProcess(notebooks=live_server_notebooks, workdir=workdir)
    proc.start()
    store = Store(proc.db_path)
    try:
        yield LiveServer(proc, store)
    finally:
        store.close()
        proc.stop()


# -- the browser ------------------------------------------------------------------------------
def _browser_unavailable(reason: str) -> None:
    if os.environ.get("PT_ALLOW_SKIP_BROWSER") == "1":
        pytest.skip(reason)
    pytest.fail(reason + " (set PT_ALLOW_SKIP_BROWSER=1 to skip browser tests knowingly)")


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Module scope, not session: Playwright's sync API keeps an
    asyncio loop running in the main thread while it is started, which would break later tests
    that run their own loop (tornado's AsyncHTTPTestCase)."""
    if not Path(CHROMIUM).exists():
        _browser_unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_unavailable("playwright is not installed")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class PageLog:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [
            *self.console_errors,
            *self.page_errors,
            *self.failed_requests,
            *self.outside_requests,
        ]


def page_log(page) -> PageLog:
    """What a page from ``new_page`` logged: console errors, page errors, failed requests."""
    log = getattr(page, "_pt_log", None)
    if log is None:
        raise AssertionError("page_log() needs a page made by the new_page fixture")
    return log


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(width: int = 1280, height: int = 800, javascript: bool = True, **options):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
            **options,
        )
        contexts.append(context)
        page = context.new_page()
        log = PageLog()
        page._pt_log = log

        def on_console(msg) -> None:
            if msg.type == "error":
                where = (msg.location or {}).get("url", "")
                log.console_errors.append(f"console: {msg.text} [{where}]")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: log.page_errors.append(f"page error: {exc}"))
        page.on(
            "requestfailed",
            lambda req: log.failed_requests.append(f"request failed: {req.url} ({req.failure})"),
        )

        def on_request(req) -> None:  # every page of the kit stays on this machine
            host = urllib.parse.urlsplit(req.url).hostname or ""
            if req.url.startswith(("http:", "https:", "ws:", "wss:")) and not (
                host.startswith("127.") or host in ("localhost", "::1")
            ):
                log.outside_requests.append(f"request to another host: {req.url}")

        page.on("request", on_request)
        return page

    yield make
    for context in contexts:
        context.close()


# -- helpers ------------------------------------------------------------------------------------
def assert_no_console_errors(page, allow: Sequence[str] = DEFAULT_ALLOWED) -> None:
    patterns = [re.compile(p) for p in allow]
    bad = [p for p in page_log(page).problems() if not any(rx.search(p) for rx in patterns)]
    assert not bad, "the page logged errors:\n" + "\n".join(bad)


def _ensure_axe() -> Path:
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(
                f"{AXE_JS} is missing and npm is not available: run npm ci --prefix tests/browser"
            )
        subprocess.run([npm, "ci", "--prefix", str(HERE)], check=True, capture_output=True)
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing after npm ci --prefix tests/browser")
    return AXE_JS


def run_axe(page, fail_on: Sequence[str] = ("serious", "critical"), context=None) -> dict:
    """Run axe-core on the page; fail on violations whose impact is in ``fail_on``."""
    # The participant pages forbid inline scripts (CSP script-src 'self'), so add_script_tag
    # would be blocked; evaluating the source through the DevTools protocol is not.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_ensure_axe().read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        """async (ctx) => await axe.run(ctx || document, {resultTypes: ['violations']})""",
        context,
    )
    bad = [v for v in result["violations"] if v.get("impact") in fail_on]
    lines = []
    for v in bad:
        targets = [", ".join(n["target"]) for n in v["nodes"][:5]]
        lines.append(f"{v['impact']}: {v['id']} - {v['help']} at {targets}")
    assert not bad, "accessibility violations:\n" + "\n".join(lines)
    return result


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
