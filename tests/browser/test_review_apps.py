"""The review form and the review app in a real browser.

The form: a respondent completes it with the keyboard only (Tab, arrow keys, Space, Enter) on a
phone-sized screen, another without JavaScript; phone and desktop screenshots of every step; the
accessibility check (axe) on every page; no console errors. What the store holds afterwards is
compared with what the test chose.

The app (Voilà, ``notebooks/partnership_review.ipynb``): opens a stored review, draws its charts,
switches the wave filter, adds an action, saves it, reloads the page and finds it again; opens
the response form for a wave; with no parameters it shows the sample review. Screenshots go to
``artifacts/screenshots/``.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from partnership_tools import SAMPLE_DIR
from partnership_tools.review import Responses, load_instrument, read_responses
from partnership_tools.store.drafts import form_wave, open_wave
from partnership_tools.store.reviews import (
    create_review,
    load_action_plan,
    load_responses,
    open_review_store,
    save_responses,
)

from .conftest import DEFAULT_ALLOWED, DESKTOP, PHONE, run_axe
from .conftest import assert_no_console_errors as _assert_no_console_errors
from .conftest import screenshot as _screenshot

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"
LOAD = 120_000  # a Voilà page starts a kernel and runs the notebook first
STEP = 60_000  # generous: the suite must pass on a loaded 2-core machine
# Chromium logs the status of a document that answers 4xx; tests that expect one allow it.
ERROR_STATUS = r"Failed to load resource: the server responded with a status of 4\d\d"
_ids = itertools.count(1)


def _mathjax_disabled_by_serve() -> bool:
    """True once ``partnership-tools serve`` stops Voilà pages fetching MathJax from its CDN."""
    from partnership_tools.server.serve import server_argv

    argv = server_argv(notebooks=Path("."), token="t", extensions={})
    return any("mathjax_url" in a for a in argv)


# Voilà pages may log the template's font requests to its CDN (and, until serve switches MathJax
# off, its MathJax request); nothing else.
APP_ALLOWED = DEFAULT_ALLOWED + (
    () if _mathjax_disabled_by_serve() else (r"cdnjs\.cloudflare\.com/ajax/libs/mathjax/",)
)


def assert_no_console_errors(page, allow=()) -> None:
    _assert_no_console_errors(page, allow=(*APP_ALLOWED, *allow))


@pytest.fixture(scope="module")
def conn(live_server):
    c = open_review_store(live_server.db_path)  # the store (a Database)
    yield c
    c.dispose()


def new_review(conn, wave: str | None = "phase three", title: str = "Spring review", sample=False):
    rid = f"review-{next(_ids)}"
    inst = load_instrument("ten_lessons")
    create_review(conn, rid, title, inst)
    if sample:
        parts = [
            read_responses(SAMPLE_DIR / "review" / name, inst).responses
            for name in ("ten_lessons_wave1.csv", "ten_lessons_wave2.csv")
        ]
        save_responses(conn, rid, Responses.combine(parts))
    if wave:
        open_wave(conn, rid, wave)
    return rid


def expect_text(locator, text, timeout: int = STEP) -> None:
    from playwright.sync_api import expect

    expect(locator).to_contain_text(text, timeout=timeout)


def focused(page) -> dict:
    return page.evaluate(
        "() => { const e = document.activeElement; return {tag: e.tagName, name: e.name || '',"
        " type: e.type || '', value: e.value || '', id: e.id || '',"
        " text: (e.textContent || '').trim()} }"
    )


def tab_to(page, predicate, limit: int = 80) -> dict:
    """Press Tab until the focused element matches ``predicate``; return it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        el = focused(page)
        if predicate(el):
            return el
    raise AssertionError("Tab never reached the element wanted")


def choose_radio_by_keyboard(page, name: str, value: str) -> None:
    """With a radio of group ``name`` focused, move with the arrow keys until ``value`` is
    checked (arrow keys check the radio they move to)."""
    for _ in range(12):
        el = focused(page)
        assert el["name"] == name, el
        checked = page.evaluate("() => document.activeElement.checked")
        if el["value"] == value and checked:
            return
        if el["value"] == value:
            page.keyboard.press("Space")
            continue
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"could not choose {value} for {name}")


def button_named(text: str):
    return lambda el: el["tag"] == "BUTTON" and el["text"] == text


# -- the review form -------------------------------------------------------------------------------
def test_a_respondent_completes_the_form_with_the_keyboard_only(live_server, conn, new_page):
    rid = new_review(conn, title=f"Spring review {XSS}")
    inst = load_instrument("ten_lessons")
    dialogs: list[str] = []
    page = new_page(**PHONE)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(live_server.url(f"/review-form/{rid}", token=False))
    expect_text(page.locator("h1"), f"Spring review {XSS}")
    expect_text(page.locator("#wave-open"), "phase three")
    _screenshot(page, "review-form-phone-start")
    run_axe(page)

    tab_to(page, button_named("Start"))
    page.keyboard.press("Enter")
    page.wait_for_selector("text=About you", timeout=STEP)
    code = page.locator("#resume-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code)

    # Save and continue without the required level: an error summary linked to the field.
    tab_to(page, button_named("Save and continue"))
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary", timeout=STEP)
    summary = page.locator(".error-summary a")
    expect_text(summary, "Which level of the partnership do you mainly speak for?")
    _screenshot(page, "review-form-phone-error")
    run_axe(page)
    assert_no_console_errors(page, allow=(ERROR_STATUS,))
    tab_to(page, lambda el: el["tag"] == "A" and "Which level" in el["text"])
    page.keyboard.press("Enter")  # the link leads to the first radio of the field
    assert page.evaluate("() => location.hash") == "#field-level-1"

    # About you: level by keyboard, organisation left out.
    if focused(page)["name"] != "field-level":
        tab_to(page, lambda el: el["name"] == "field-level")
    choose_radio_by_keyboard(page, "field-level", "Front-line worker")
    tab_to(page, button_named("Save and continue"))
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Understanding differences')", timeout=STEP)

    # Page 2: three statements by keyboard.
    chosen = {"ud1": "4", "ud2": "2", "ud3": "8"}
    for item, value in chosen.items():
        tab_to(page, lambda el, n=f"item-{item}": el["name"] == n)
        choose_radio_by_keyboard(page, f"item-{item}", value)
    _screenshot(page, "review-form-phone-page")
    run_axe(page)
    tab_to(page, button_named("Save and continue"))
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('People, organisations and resources')", timeout=STEP)

    # The remaining dimension pages: one answer on the next page, the rest skipped.
    tab_to(page, lambda el: el["name"] == "item-po1")
    choose_radio_by_keyboard(page, "item-po1", "9")
    chosen["po1"] = "9"
    for _ in range(len(inst.dimensions) - 1):
        tab_to(page, button_named("Save and continue"))
        with page.expect_navigation():
            page.keyboard.press("Enter")

    # Comments, typed.
    page.wait_for_selector("#comments", timeout=STEP)
    tab_to(page, lambda el: el["id"] == "comments")
    page.keyboard.type(f"More notice of meetings {XSS}")
    tab_to(page, button_named("Save and check my answers"))
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Check your answers')", timeout=STEP)
    expect_text(page.locator("main"), "You answered 4 of 30 statements")
    expect_text(page.locator("main"), f"More notice of meetings {XSS}")
    _screenshot(page, "review-form-phone-check")
    run_axe(page)

    tab_to(page, button_named("Submit my answers"))
    page.keyboard.press("Enter")
    page.wait_for_selector("#receipt-code", timeout=STEP)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", page.locator("#receipt-code").inner_text())
    _screenshot(page, "review-form-phone-receipt")
    run_axe(page)

    frame = load_responses(conn, rid).frame
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["wave"] == "phase three" and row["level"] == "Front-line worker"
    answered = {i: str(int(row[i])) for i in inst.item_ids if row[i] == row[i]}
    assert answered == chosen
    assert row["comments"] == f"More notice of meetings {XSS}"
    assert page.locator("img[src='x']").count() == 0 and dialogs == []
    assert_no_console_errors(page, allow=(ERROR_STATUS,))


def test_form_on_desktop_and_resumed_without_javascript(live_server, conn, new_page):
    rid = new_review(conn, wave="phase one")
    page = new_page(**DESKTOP)
    page.goto(live_server.url(f"/review-form/{rid}", token=False))
    _screenshot(page, "review-form-desktop-start")
    page.get_by_role("button", name="Start").click()
    page.get_by_label("Policy maker", exact=True).check()
    page.get_by_label("Local statutory body", exact=True).check()
    _screenshot(page, "review-form-desktop-about")
    run_axe(page)
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_selector("h1:has-text('Understanding differences')", timeout=STEP)
    group = page.get_by_role("group", name="I understand the pressures")
    group.get_by_label("Strongly agree", exact=True).check()
    page.get_by_role("group", name="We took time to learn").get_by_label(
        "Don't know", exact=True
    ).check()
    _screenshot(page, "review-form-desktop-page")
    run_axe(page)
    page.get_by_role("button", name="Save and finish later").click()
    expect_text(page.locator("h1"), "Your answers are saved")
    link = page.locator(".resume-link a").get_attribute("href")
    assert f"/review-form/{rid}?resume=" in link
    _screenshot(page, "review-form-desktop-saved")
    run_axe(page)

    # Later, on another device without JavaScript: the resume link brings the answers back.
    # (axe needs JavaScript, so it checks the first device's pages only.)
    other = new_page(**PHONE, javascript=False)
    other.goto(link)
    expect_text(other.locator("main"), "Welcome back")
    expect_text(other.locator("main"), "2 of 30 statements")
    other.locator("#continue-link").click()  # the first page not saved yet
    expect_text(other.locator("h1"), "People, organisations and resources")
    other.get_by_role("button", name="Save and go back").click()
    expect_text(other.locator("h1"), "Understanding differences")
    assert other.locator("#item-ud1-5").is_checked()
    assert other.locator("#item-ud2-8").is_checked()
    for _ in range(2, 12):
        with other.expect_navigation():
            other.get_by_role("button", name="Save and continue").click()
    other.get_by_role("button", name="Save and check my answers").click()
    _screenshot(other, "review-form-phone-check-resumed")
    other.get_by_role("button", name="Submit my answers").click()
    other.wait_for_selector("#receipt-code", timeout=STEP)
    _screenshot(other, "review-form-desktop-receipt")

    # The first device submits again (its back button): refused with a plain message.
    page.goto(live_server.url(f"/review-form/{rid}/check", token=False))
    expect_text(page.locator("main"), "already submitted")
    frame = load_responses(conn, rid).frame
    assert len(frame) == 1
    assert frame.iloc[0]["ud1"] == 5 and frame.iloc[0]["ud2"] == 8
    assert frame.iloc[0]["partner_type"] == "Local statutory body"
    assert_no_console_errors(page, allow=(ERROR_STATUS,))
    assert_no_console_errors(other)


def test_closed_review_page(live_server, conn, new_page):
    rid = new_review(conn, wave=None)
    page = new_page(**PHONE)
    page.goto(live_server.url(f"/review-form/{rid}", token=False))
    expect_text(page.locator("#wave-closed"), "not taking responses")
    assert page.get_by_role("button", name="Start").count() == 0
    run_axe(page)
    _screenshot(page, "review-form-phone-closed")
    assert_no_console_errors(page)


# -- the review app ---------------------------------------------------------------------------------
def open_app(new_page, url: str, size: dict, dialogs: list):
    page = new_page(**size)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url, timeout=LOAD)
    page.wait_for_selector(".pt-review", timeout=LOAD)
    return page


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


def click_tab(page, title: str) -> None:
    page.locator(".pt-tabs .lm-TabBar-tab", has_text=re.compile(f"^{re.escape(title)}$")).click()


def chart_in(page, css: str) -> None:
    page.wait_for_selector(f"{css} .vega-embed svg.marks", timeout=STEP)


def test_review_app_end_to_end(live_server, conn, new_page):
    from playwright.sync_api import expect

    rid = new_review(conn, wave=None, title=f"County review {XSS}", sample=True)
    dialogs: list[str] = []
    url = live_server.voila("partnership_review.ipynb", review=rid)
    app = open_app(new_page, url, DESKTOP, dialogs)
    expect_text(app.locator(".pt-review-summary"), f"County review {XSS}", timeout=LOAD)
    expect_text(app.locator(".pt-review-summary"), "79")
    chart_in(app, ".pt-profile-chart")
    expect_text(app.locator(".pt-profile-table"), "phase two, all respondents")
    app_screenshot(app, "review-app-desktop-profile")

    # The wave filter.
    app.locator(".pt-wave select").select_option(label="phase one")
    expect_text(app.locator(".pt-profile-table"), "phase one, all respondents")
    chart_in(app, ".pt-profile-chart")
    expect_text(app.locator(".pt-profile-chart"), "phase one")

    for tab, css in (
        ("Items", ".pt-items-chart"),
        ("Groups", ".pt-groups-chart"),
        ("Waves", ".pt-waves-chart"),
        ("Coverage", ".pt-coverage-chart"),
    ):
        click_tab(app, tab)
        chart_in(app, css)
        app_screenshot(app, f"review-app-desktop-{tab.lower()}")
    expect_text(app.locator(".pt-gaps"), "Worth talking through")
    click_tab(app, "Findings")
    expect_text(app.locator(".pt-findings"), "is a concern")
    app_screenshot(app, "review-app-desktop-findings")

    # An action, saved with the review.
    click_tab(app, "Action plan")
    expect_text(app.locator(".pt-actions-hint"), "with no action yet")
    app.locator("button.pt-add-action").click()
    row = app.locator(".pt-action-row").first
    row.locator(".pt-action-dimension select").select_option(
        label="People, organisations and resources"
    )
    row.locator(".pt-action-text input").fill("Agree a pooled budget for joint work")
    row.locator(".pt-action-owner input").fill(XSS)
    row.locator(".pt-action-due input").fill("2025-03-31")
    row.locator(".pt-action-due input").press("Tab")
    app.locator("button.pt-save-actions").click()
    expect_text(app.locator(".pt-message"), "Saved the action plan (1 action(s))")
    app_screenshot(app, "review-app-desktop-actions")
    plan = load_action_plan(conn, rid)
    assert [(a.dimension, a.action, a.owner, a.due) for a in plan] == [
        ("people", "Agree a pooled budget for joint work", XSS, "2025-03-31")
    ]

    # The response form, opened from the app.
    click_tab(app, "Response form")
    app.locator(".pt-form-wave input").fill("phase three")
    app.locator("button.pt-open-form").click()
    expect_text(app.locator(".pt-message"), "The response form is open for phase three")
    expect_text(app.locator(".pt-form-url"), f"/review-form/{rid}")
    assert form_wave(conn, rid).open
    app_screenshot(app, "review-app-desktop-form")
    href = app.locator(".pt-form-url a").get_attribute("href")
    form = new_page(**PHONE)
    form.goto(href)
    expect_text(form.locator("#wave-open"), "phase three")

    assert app.locator(".pt-app img[src='x']").count() == 0
    assert "Traceback" not in app.content()
    assert_no_console_errors(app)

    # Reload: the action is still there.
    app.reload(timeout=LOAD)
    app.wait_for_selector(".pt-review", timeout=LOAD)
    click_tab(app, "Action plan")
    row = app.locator(".pt-action-row").first
    expect(row.locator(".pt-action-text input")).to_have_value(
        "Agree a pooled budget for joint work", timeout=STEP
    )
    expect(row.locator(".pt-action-owner input")).to_have_value(XSS)
    expect(row.locator(".pt-action-due input")).to_have_value("2025-03-31")
    assert dialogs == [], "a script ran: " + "; ".join(dialogs)
    # Leaving a Voilà page asks the server to shut its kernel down; under the token that request
    # is refused (403). It is Voilà's unload request, not the app: allowed after a reload only.
    assert_no_console_errors(app, allow=(r"403 \(Forbidden\) \[\S*/voila/api/shutdown/",))

    # Phone width.
    phone = open_app(new_page, url, PHONE, dialogs)
    chart_in(phone, ".pt-profile-chart")
    app_screenshot(phone, "review-app-phone-profile")
    click_tab(phone, "Action plan")
    expect(phone.locator(".pt-action-text input").first).to_have_value(
        "Agree a pooled budget for joint work", timeout=STEP
    )
    app_screenshot(phone, "review-app-phone-actions")
    assert_no_console_errors(phone)
    assert dialogs == []


def test_review_app_shows_the_sample_without_parameters(live_server, new_page):
    dialogs: list[str] = []
    app = open_app(new_page, live_server.voila("partnership_review.ipynb"), PHONE, dialogs)
    expect_text(app.locator(".pt-review-summary"), "Sample review", timeout=LOAD)
    expect_text(app.locator(".pt-message"), "Showing the sample review")
    chart_in(app, ".pt-profile-chart")
    app_screenshot(app, "review-app-phone-sample")
    assert dialogs == []
    assert_no_console_errors(app)
