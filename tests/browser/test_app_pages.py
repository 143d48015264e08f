"""Every Voilà app page through the real server: nothing asked of another host, the token gone
from the address bar, the page's query read by a preheated kernel, and a page loaded twice.

``partnership-tools serve`` keeps a preheated kernel per app (``partnership_tools.server.preheat``)
that has run the app notebook up to reading the page's query; these tests wait until one waits
for its page (the server logs it), so the page really is served by a preheated kernel, and then
check the app read its query (``?session=``) and its environment (the store) as before. Each page
records every request and websocket it opens; any whose host is not the server's fails the test.
No time is asserted: each step waits for a condition, with generous limits.
"""

from __future__ import annotations

import re
import time
import urllib.parse
from dataclasses import dataclass, field

import pytest

from partnership_tools.server.preheat import WAITING_LOG

from .conftest import DESKTOP, run_axe

pytestmark = pytest.mark.browser

LOAD = 120_000  # ms: a page may wait for its kernel on a loaded 2-core machine
STEP = 60_000
POOL_WAIT = 180.0  # s: the server starts a kernel per app when it starts


# -- what a page asked for ---------------------------------------------------------------------------
@dataclass
class Requests:
    """Every URL a page's browser context requested or opened a websocket to."""

    urls: list[str] = field(default_factory=list)

    def elsewhere(self, server_base: str) -> list[str]:
        """The URLs on a host other than the server's (data: URLs and the page's own blob: URLs
        never leave the browser)."""
        ours = urllib.parse.urlsplit(server_base).netloc
        bad = []
        for url in self.urls:
            if url.startswith("data:") or url == "about:blank":
                continue
            inner = url[len("blob:") :] if url.startswith("blob:") else url
            parts = urllib.parse.urlsplit(inner)
            if parts.scheme not in ("http", "https", "ws", "wss") or parts.netloc != ours:
                bad.append(url)
        return bad


def recorded(page) -> Requests:
    log = Requests()
    page.context.on("request", lambda req: log.urls.append(req.url))
    page.on("websocket", lambda ws: log.urls.append(ws.url))
    return log


def test_requests_elsewhere_are_told_apart():
    """The check itself, on URLs written by hand."""
    log = Requests(
        [
            "http://127.0.0.1:8866/voila/render/projector.ipynb?session=s",
            "ws://127.0.0.1:8866/api/kernels/abc/channels",
            "blob:http://127.0.0.1:8866/52b2-38c4",
            "data:image/png;base64,AAAA",
            "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@5/css/all.min.css",
            "http://127.0.0.1:9999/other-port",
            "blob:https://example.org/1234",
        ]
    )
    assert log.elsewhere("http://127.0.0.1:8866") == [
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@5/css/all.min.css",
        "http://127.0.0.1:9999/other-port",
        "blob:https://example.org/1234",
    ]


# -- the server's preheated kernels ----------------------------------------------------------------
def waiting_count(live_server, notebook: str) -> int:
    """How many preheated kernels for ``notebook`` have so far asked for their page (once each,
    whether the page had come yet or not)."""
    pattern = re.escape(WAITING_LOG % ("KERNEL", notebook)).replace("KERNEL", r"[\w-]+")
    return len(re.findall(pattern, live_server.output()))


def used_preheated(live_server, notebook: str) -> int:
    """How many pages of ``notebook`` Voila served from a preheated kernel so far."""
    return len(
        re.findall(
            rf"Using pre-heated kernel: [\w-]+ for {re.escape(notebook)}", live_server.output()
        )
    )


def wait_for_preheated(live_server, notebook: str) -> None:
    """Wait until a preheated kernel for ``notebook`` waits for a page: more have asked for
    their page than pages have been served from one (a condition, generous limit)."""
    deadline = time.monotonic() + POOL_WAIT
    while waiting_count(live_server, notebook) <= used_preheated(live_server, notebook):
        assert time.monotonic() < deadline, (
            f"no preheated kernel for {notebook}:\n" + (live_server.output()[-3000:])
        )
        time.sleep(0.2)


def open_app(new_page, live_server, notebook: str, ready: str, **query: str):
    """Open an app page (with the token) once a preheated kernel waits for it; wait until
    ``ready`` shows. Returns the page and what it requested."""
    wait_for_preheated(live_server, notebook)
    page = new_page(**DESKTOP)
    log = recorded(page)
    page.goto(live_server.voila(notebook, **query), timeout=LOAD)
    page.wait_for_selector(ready, timeout=LOAD)
    return page, log


def assert_clean_address(page, live_server, **kept: str) -> None:
    """The token is gone from the address bar; every other query parameter is still there."""
    url = page.url
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert "token" not in query, url
    assert live_server.token not in url
    assert {k: v[-1] for k, v in query.items()} == kept, url


# -- every app --------------------------------------------------------------------------------------
def new_session(live_server, question: str, key: str | None = None) -> str:
    from partnership_tools.vote.model import Option

    store = live_server.store
    s = store.create_session(question, facilitator_key=key)
    store.add_options(
        s.id, [Option("A", "Monday"), Option("B", "Wednesday"), Option("C", "Friday")]
    )
    return s.id


def test_projector_reads_its_session_asks_nothing_elsewhere_and_hides_the_token(
    live_server, new_page
):
    sid = new_session(live_server, "Which day suits the projector test?")
    live_server.store.open_round(sid, ["A", "B", "C"])
    served_before = used_preheated(live_server, "projector.ipynb")
    page, log = open_app(new_page, live_server, "projector.ipynb", ".pt-join-url", session=sid)
    # the join link of this session on the phones' listener: the query reached the preheated
    # kernel, which found the session in the server's store and the join address, both named by
    # the environment the kit's extension gives every kernel
    join = f"{live_server.process.participants_base_url}/vote/{sid}"
    page.wait_for_function(
        "join => document.querySelector('.pt-join-url').textContent.includes(join)",
        arg=join,
        timeout=STEP,
    )
    assert used_preheated(live_server, "projector.ipynb") == served_before + 1
    assert_clean_address(page, live_server, session=sid)
    assert log.elsewhere(live_server.base_url) == []
    # the page keeps working without the token: the live count follows a new ballot
    from partnership_tools.vote.model import Ballot

    live_server.store.add_ballot(sid, 1, Ballot(("B", "A")))
    page.wait_for_function(
        "() => document.querySelector('.pt-live-count .pt-count-number')"
        ".textContent.trim() === '1'",
        timeout=STEP,
    )
    # and a reload of the address as it now reads (no token) opens the app again: the
    # server's login cookie authenticates it
    page.reload(timeout=LOAD)
    page.wait_for_selector(".pt-join-url", timeout=LOAD)
    assert f"/vote/{sid}" in page.locator(".pt-join-url").inner_text()
    assert_clean_address(page, live_server, session=sid)
    assert log.elsewhere(live_server.base_url) == []
    live_server.store.close_round(sid, 1)


def test_facilitator_reads_its_session(live_server, new_page):
    wanted = new_session(live_server, "Which session does the facilitator open?")
    newer = new_session(live_server, "A newer session the list would pick by default")
    page, log = open_app(
        new_page, live_server, "facilitator.ipynb", ".pt-tabs .pt-open-select", session=wanted
    )
    chosen = page.locator(".pt-open-select select")
    page.wait_for_function(
        "sid => { const s = document.querySelector('.pt-open-select select');"
        " return s && s.options[s.selectedIndex].textContent.includes('(' + sid + ')'); }",
        arg=wanted,
        timeout=STEP,
    )
    assert f"({newer})" not in chosen.locator("option:checked").inner_text()
    assert_clean_address(page, live_server, session=wanted)
    assert log.elsewhere(live_server.base_url) == []
    # the buttons' icons still draw: Font Awesome comes with Voila's own files, not a CDN
    family = page.evaluate(
        "() => getComputedStyle(document.querySelector('.pt-create-session i')).fontFamily"
    )
    assert "Font Awesome" in family
    page.wait_for_function(
        "() => [...document.fonts].some(f => f.family.includes('Font Awesome')"
        " && f.status === 'loaded')",
        timeout=STEP,
    )


def test_review_app_opens_on_the_sample(live_server, new_page):
    page, log = open_app(new_page, live_server, "partnership_review.ipynb", ".pt-review-summary")
    assert page.locator(".pt-review-summary").inner_text().strip()
    page.wait_for_selector(".pt-app .vega-embed svg.marks", timeout=STEP)  # its charts draw
    assert_clean_address(page, live_server)
    assert log.elsewhere(live_server.base_url) == []
    run_axe(page)  # every app page: no serious or critical accessibility finding


def test_replay_reads_its_file(live_server, new_page):
    page, log = open_app(
        new_page,
        live_server,
        "replay_session.ipynb",
        ".pt-replay-verdict",
        session="county_joint_working.json",
    )
    verdict = page.locator(".pt-replay-verdict")
    page.wait_for_function(
        "() => document.querySelector('.pt-replay-verdict').textContent.includes('Verified')",
        timeout=STEP,
    )
    assert "Verified" in verdict.inner_text()
    assert_clean_address(page, live_server, session="county_joint_working.json")
    assert log.elsewhere(live_server.base_url) == []
    run_axe(page)


def test_a_page_loaded_twice_in_a_row_gets_its_own_query(live_server, new_page):
    """The second load comes at once, while the pool refills: it waits for the new kernel,
    which is given the second page's query, not the first's."""
    first = new_session(live_server, "First of two projector pages")
    second = new_session(live_server, "Second of two projector pages")
    for sid in (first, second):
        live_server.store.open_round(sid, ["A", "B", "C"])
    wait_for_preheated(live_server, "projector.ipynb")
    served_before = used_preheated(live_server, "projector.ipynb")
    pages = []
    for sid in (first, second):
        page = new_page(**DESKTOP)
        log = recorded(page)
        page.goto(live_server.voila("projector.ipynb", session=sid), timeout=LOAD)
        page.wait_for_selector(".pt-join-url", timeout=LOAD)
        pages.append((sid, page, log))
    for sid, page, log in pages:
        page.wait_for_function(
            "sid => document.querySelector('.pt-join-url').textContent.includes('/vote/' + sid)",
            arg=sid,
            timeout=STEP,
        )
        assert_clean_address(page, live_server, session=sid)
        assert log.elsewhere(live_server.base_url) == []
    # both from the pool: the second page waited for the kernel the first one's left refilling
    assert used_preheated(live_server, "projector.ipynb") == served_before + 2
    for sid in (first, second):
        live_server.store.close_round(sid, 1)
