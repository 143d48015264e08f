"""Reports and the replay app in a real browser (Playwright + Debian's chromium).

* A report of a vote whose option is named ``<img src=x onerror=alert(1)>`` and whose question
  holds a ``<script>``, opened from ``file://``: every network request the page makes is
  recorded and none may leave ``file:``/``data:``/``about:``; the typed text shows as text; no
  ``img`` element appears, no dialog fires; the charts (inline SVG) are there.
* The sample review's report, likewise offline, with its charts.
* The replay app in Voilà (``live_server``): ``?session=county_joint_working.json`` shows the
  green verdict and the projector's charts; ``?session=review/ten_lessons_review.json`` the
  review; without a query, picking a file from the list opens it, and "Download report" offers
  the report.

Screenshots (desktop and phone) go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from partnership_tools.reports.write import write_report
from partnership_tools.vote.model import Ballot, Option, Round, Session
from partnership_tools.vote.sessionfile import write_session

from .conftest import DEFAULT_ALLOWED, DESKTOP, PHONE
from .conftest import assert_no_console_errors as _assert_no_console_errors
from .conftest import screenshot as _screenshot

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
REVIEW = ROOT / "sample_data" / "review" / "ten_lessons_review.json"
EVIL = "<img src=x onerror=alert(1)>"
QUESTION = "Shall we <script>alert('q')</script> share a building?"
LOAD = 120_000  # a Voilà page starts a kernel and runs the notebook first
STEP = 60_000
LOCAL = ("file:", "data:", "about:", "blob:")


def _mathjax_disabled_by_serve() -> bool:
    from partnership_tools.server.serve import server_argv

    argv = server_argv(notebooks=Path("."), token="t", extensions={})
    return any("mathjax_url" in a for a in argv)


ALLOWED = DEFAULT_ALLOWED + (
    () if _mathjax_disabled_by_serve() else (r"cdnjs\.cloudflare\.com/ajax/libs/mathjax/",)
)


def evil_session(folder: Path) -> Path:
    groups = ("Policy makers", "Residents")
    ballots = [
        (("A", "B", "C"), "Policy makers"),
        (("A", "C"), "Residents"),
        (("B", "A", "C"), "Residents"),
        (("A", "B", "C"), "Policy makers"),
        (("C", "A", "B"), "Residents"),
    ]
    s = Session(
        id="evil-report",
        question=QUESTION,
        threshold=0.6,
        options=(Option("A", EVIL), Option("B", "Plain & simple"), Option("C", "Third way")),
        rounds=(
            Round(
                1,
                ("A", "B", "C"),
                "closed",
                tuple(Ballot(r, group=g, submitted_at="2026-01-01T10:00:00Z") for r, g in ballots),
            ),
        ),
        groups=groups,
        created_at="2026-01-01T09:00:00Z",
    )
    return write_session(s, folder / "evil.json")


def open_offline(new_page, path: Path, size: dict):
    """Open a local file, recording every request and dialog."""
    page = new_page(**size)
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(500)  # give any stray loader the time to fire
    return page, requests, dialogs


@pytest.fixture(scope="module")
def evil_report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("evil-report")
    return write_report(evil_session(folder), folder / "evil-report.html")


@pytest.fixture(scope="module")
def review_report(tmp_path_factory) -> Path:
    return write_report(REVIEW, tmp_path_factory.mktemp("review-report") / "review.html")


@pytest.mark.parametrize(("size", "label"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_report_with_script_names_is_inert_and_offline(new_page, evil_report, size, label):
    page, requests, dialogs = open_offline(new_page, evil_report, size)
    remote = [u for u in requests if not u.startswith(LOCAL)]
    assert not remote, f"the report asked the network for {remote}"
    assert requests and requests[0].startswith("file:")
    # typed markup shows as text and makes no element
    from playwright.sync_api import expect

    expect(page.get_by_text(EVIL, exact=False).first).to_be_visible()
    expect(page.locator("h1")).to_have_text(QUESTION)
    assert page.locator("img").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("main script, body script").count() == 0
    assert not dialogs, f"a dialog fired: {dialogs}"
    # the charts: MBC, ranks, pairwise for round 1; no groups chart: Policy makers (2 ballots)
    # and Residents (3) are both below the smallest group shown (5), so both are hidden
    assert page.locator("figure svg").count() == 3
    expect(page.get_by_text("Policy makers", exact=False).first).to_be_visible()
    assert "fewer than 5 ballots" in page.content()
    for fig in page.locator("figure svg").all()[:2]:
        box = fig.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50
    # option labels drawn inside the charts stay text too
    assert page.locator("figure svg text", has_text="onerror").count() >= 1
    _assert_no_console_errors(page, allow=())
    _screenshot(page, f"report-evil-{label}")


@pytest.mark.parametrize(("size", "label"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_review_report_is_offline_with_charts(new_page, review_report, size, label):
    page, requests, dialogs = open_offline(new_page, review_report, size)
    assert not [u for u in requests if not u.startswith(LOCAL)]
    assert not dialogs
    assert page.locator("figure svg").count() == 8
    assert page.get_by_role("heading", name="Action plan").is_visible()
    assert page.locator("table.actions tbody tr").count() >= 5
    assert "Verified" in page.locator(".verdict").inner_text()
    # nothing wider than the page on a phone, except what scrolls inside a figure
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"] + 2, f"the page scrolls sideways ({width}px)"
    _assert_no_console_errors(page, allow=())
    _screenshot(page, f"report-review-{label}")


def test_report_prints_to_a4(new_page, evil_report, tmp_path):
    page, _, _ = open_offline(new_page, evil_report, DESKTOP)
    pdf = page.pdf(path=str(tmp_path / "printed.pdf"), prefer_css_page_size=True)
    assert pdf[:5] == b"%PDF-"
    # A4 is 595 x 842 points
    assert re.search(rb"/MediaBox \[0 0 59[45]\.\d* 84[12]\.\d*\]", pdf)


# -- the replay app in Voilà ---------------------------------------------------------------------------
def app_screenshot(page, name: str) -> Path:
    """Voilà scrolls inside ``#rendered_cells``: grow the window to the content for the picture."""
    size = page.viewport_size
    height = page.evaluate(
        "() => { const e = document.querySelector('#rendered_cells');"
        " return e ? e.scrollHeight : document.body.scrollHeight }"
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height + 20)})
    try:
        page.wait_for_timeout(400)
        return _screenshot(page, name)
    finally:
        page.set_viewport_size(size)


def open_replay(new_page, live_server, size: dict, **query):
    page = new_page(**size)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(live_server.voila("replay_session.ipynb", **query), timeout=LOAD)
    page.wait_for_selector(".pt-replay", timeout=LOAD)
    page._pt_dialogs = dialogs
    return page


@pytest.mark.parametrize(("size", "label"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_replay_app_from_the_url(new_page, live_server, size, label):
    from playwright.sync_api import expect

    page = open_replay(new_page, live_server, size, session="county_joint_working.json")
    verdict = page.locator(".pt-verdict")
    expect(verdict).to_contain_text("Verified", timeout=STEP)
    expect(verdict).to_contain_text("match: round 2")
    assert "pt-verdict-ok" in (verdict.get_attribute("class") or "")
    expect(page.locator(".pt-replay-title")).to_contain_text("How far should the county")
    expect(page.locator(".pt-headline")).to_contain_text("Round 2")
    expect(page.locator(".pt-replay-summary")).to_contain_text("Crowd Wise advice")
    page.wait_for_selector(".pt-replay-chart .vega-embed svg.marks", timeout=STEP)
    assert (
        page.locator(".pt-replay-chart .vega-embed svg.marks").first.bounding_box()["height"] > 200
    )
    expect(page.locator(".pt-chart-png")).to_be_visible()
    expect(page.locator(".pt-report-download")).to_be_visible()
    assert not page._pt_dialogs
    _assert_no_console_errors(page, allow=ALLOWED)
    app_screenshot(page, f"replay-vote-{label}")


def test_replay_app_review_and_report_link(new_page, live_server):
    from playwright.sync_api import expect

    page = open_replay(new_page, live_server, DESKTOP, session="review/ten_lessons_review.json")
    expect(page.locator(".pt-verdict")).to_contain_text("Verified", timeout=STEP)
    expect(page.locator(".pt-verdict")).to_contain_text("dimension power, wave phase two")
    expect(page.locator(".pt-replay-summary")).to_contain_text("is a concern")
    page.wait_for_selector(".pt-replay-chart .vega-embed svg.marks", timeout=STEP)
    page.locator(".pt-report-format button", has_text="HTML").click()
    page.locator(".pt-report-download").click()
    link = page.locator(".pt-report-link a[download]")
    expect(link).to_have_attribute("download", "report-ten_lessons_review.html", timeout=STEP)
    assert (link.get_attribute("href") or "").startswith("data:text/html;base64,")
    page.locator(".pt-chart-svg").click()
    expect(page.locator(".pt-chart-link a[download]")).to_have_attribute(
        "download", re.compile(r"county-health-check-2024-phase-two\.svg"), timeout=STEP
    )
    _assert_no_console_errors(page, allow=ALLOWED)
    app_screenshot(page, "replay-review-desktop")


def test_replay_app_pick_from_the_list(new_page, live_server):
    from playwright.sync_api import expect

    page = open_replay(new_page, live_server, PHONE)
    expect(page.locator(".pt-verdict")).to_have_count(0)
    select = page.locator(".pt-replay-pick select")
    labels = select.locator("option").all_inner_texts()
    assert any("county_joint_working.json" in t for t in labels)
    assert any("review/ten_lessons_review.json" in t for t in labels)
    vote_label = next(t for t in labels if "county_joint_working.json" in t)
    select.select_option(label=vote_label)
    expect(page.locator(".pt-verdict")).to_contain_text("Verified", timeout=STEP)
    page.wait_for_selector(".pt-replay-chart .vega-embed svg.marks", timeout=STEP)
    _assert_no_console_errors(page, allow=ALLOWED)
    app_screenshot(page, "replay-pick-phone")
