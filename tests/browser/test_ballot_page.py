"""The ballot page in a real browser: mouse, keyboard only, no JavaScript, phone and desktop.

Each test makes its own session in the live server's store; expected stored rankings come from
what the test chose. Screenshots go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import itertools
import re

import pytest

from partnership_tools.vote.model import Option

from .conftest import DESKTOP, PHONE, assert_no_console_errors, run_axe, screenshot

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"
OPTIONS = (
    (
        "A",
        "Stay separate, share know-how",
        "Each council keeps its own services; officers meet quarterly to share data.",
    ),
    ("B", "Shared back-office services", "One shared service for HR, payroll, IT and procurement."),
    ("C", "One senior management team", "A single chief executive and senior team for all."),
    (
        "D",
        "Joint committee with pooled budgets",
        "A joint committee commissions early help and community safety from a pooled budget.",
    ),
)
GROUPS = ("Policy makers", "Managers", "Front-line workers", "Citizens and community activists")
# Chromium logs the status of a document that answers 4xx; tests that expect one allow it.
ERROR_STATUS = r"Failed to load resource: the server responded with a status of 4\d\d"
_ids = itertools.count(1)


def new_session(
    live_server, options=OPTIONS, groups=GROUPS, question=None, codes=0
) -> tuple[str, list]:
    store = live_server.store
    sid = f"browser-{next(_ids)}"
    store.create_session(
        question or "How far should the county partnership take joint working?",
        groups=groups,
        session_id=sid,
    )
    store.add_options(sid, [Option(i, label, desc) for i, label, desc in options])
    issued = store.issue_codes(sid, codes) if codes else []
    store.open_round(sid, [o[0] for o in options])
    return sid, issued


def stored(live_server, sid, number=1):
    return [b for _, b in live_server.store.ballots(sid, number)]


def shown(page) -> list[str]:
    """Option ids in the order the page shows them (from the select names)."""
    names = page.locator("select").evaluate_all("els => els.map(e => e.name)")
    return [n.removeprefix("rank-") for n in names]


def choose(page, ranking, group=None) -> None:
    for oid in shown(page):
        value = str(ranking.index(oid) + 1) if oid in ranking else ""
        page.locator(f'select[name="rank-{oid}"]').select_option(value)
    if group:
        page.get_by_label(group, exact=True).check()


# -- voting ----------------------------------------------------------------------------------------
def test_partial_ballot_on_a_phone(live_server, new_page):
    sid, _ = new_session(live_server)
    page = new_page(**PHONE)
    page.goto(live_server.url(f"/vote/{sid}", token=False))
    assert page.title().startswith("Vote, round 1")
    screenshot(page, "ballot-phone")
    choose(page, ["D", "B"], group="Front-line workers")
    page.get_by_role("button", name="Review my vote").click()
    page.wait_for_url(re.compile(f"/vote/{sid}$"))
    assert page.get_by_role("heading", name="Check your vote").is_visible()
    items = page.locator(".ranking-list li").all_inner_texts()
    assert items == [
        "1st choice: Joint committee with pooled budgets",
        "2nd choice: Shared back-office services",
    ]
    assert "You ranked 2 of 4 options" in page.content()
    screenshot(page, "review-phone")
    page.get_by_role("button", name="Cast my vote").click()
    assert page.get_by_role("heading", name="Your vote has been cast").is_visible()
    assert re.fullmatch(r"[0-9A-F]{10}", page.locator("#receipt-code").inner_text())
    screenshot(page, "receipt-phone")
    [ballot] = stored(live_server, sid)
    assert ballot.ranking == ("D", "B")
    assert ballot.group == "Front-line workers"
    assert len(ballot.shown_order) == 4
    assert_no_console_errors(page)


def test_keyboard_only_vote(live_server, new_page):
    sid, _ = new_session(live_server)
    wanted = ["C", "A", "D", "B"]
    page = new_page(**DESKTOP)
    page.goto(live_server.url(f"/vote/{sid}", token=False))
    order = shown(page)
    # Tab from the top of the page: the skip link first, then each rank select in turn.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    for oid in order:
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == f"rank-{oid}"
        for _ in range(wanted.index(oid) + 1):  # "Not ranked" -> 1st -> 2nd ...
            page.keyboard.press("ArrowDown")
    # The group radios: Tab into the group, arrow to the third group, Space to be sure.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "radio"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Review my vote"
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Check your vote").wait_for()
    # On the review page the first button casts the vote.
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Cast my vote"
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Your vote has been cast").wait_for()
    [ballot] = stored(live_server, sid)
    assert ballot.ranking == tuple(wanted)
    assert ballot.group == GROUPS[2]
    assert ballot.shown_order == tuple(order)
    assert_no_console_errors(page)


def test_focus_is_visible(live_server, new_page):
    sid, _ = new_session(live_server)
    page = new_page(**DESKTOP)
    page.goto(live_server.url(f"/vote/{sid}", token=False))
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; })()"
    )
    assert style[0] != "none" and style[1] != "0px"
    screenshot(page, "ballot-focus-desktop")


def test_vote_without_javascript(live_server, new_page):
    sid, _ = new_session(live_server)
    page = new_page(**PHONE, javascript=False)
    page.goto(live_server.url(f"/vote/{sid}", token=False))
    choose(page, ["B", "A", "C"], group="Managers")
    page.get_by_role("button", name="Review my vote").click()
    page.get_by_role("button", name="Change my vote").click()  # back to the form, choices kept
    assert page.locator('select[name="rank-B"]').input_value() == "1"
    choose(page, ["B", "C"], group="Managers")
    page.get_by_role("button", name="Review my vote").click()
    page.get_by_role("button", name="Cast my vote").click()
    assert page.get_by_role("heading", name="Your vote has been cast").is_visible()
    assert [b.ranking for b in stored(live_server, sid)] == [("B", "C")]


def test_errors_are_summarised_and_choices_kept(live_server, new_page):
    sid, _ = new_session(live_server)
    page = new_page(**PHONE)
    page.goto(live_server.url(f"/vote/{sid}", token=False))
    choose(page, [])
    page.locator('select[name="rank-A"]').select_option("1")
    page.locator('select[name="rank-C"]').select_option("1")
    page.get_by_role("button", name="Review my vote").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    text = summary.inner_text()
    assert "the same rank (1st)" in text
    assert "Choose the group you belong to" in text
    assert page.locator('select[name="rank-A"]').input_value() == "1"
    screenshot(page, "ballot-errors-phone")
    run_axe(page)
    # The summary's links lead to the fields.
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.tagName") == "SELECT"
    assert stored(live_server, sid) == []
    assert_no_console_errors(page, allow=(ERROR_STATUS,))


# -- closed rounds, forged and replayed forms --------------------------------------------------------
def test_round_closed_while_the_page_is_open(live_server, new_page):
    sid, _ = new_session(live_server)
    page = new_page(**DESKTOP)
    page.goto(live_server.url(f"/vote/{sid}", token=False))
    choose(page, ["A", "B"], group="Managers")
    live_server.store.close_round(sid, 1)
    page.get_by_role("button", name="Review my vote").click()
    assert page.get_by_role("heading", name="Voting is closed").is_visible()
    assert "Round 1 has closed; your ballot was not counted." in page.inner_text("main")
    screenshot(page, "round-closed-desktop")
    assert stored(live_server, sid) == []
    page.goto(live_server.url(f"/vote/{sid}", token=False))
    assert "Round 1 has closed; ballots are no longer accepted." in page.inner_text("main")
    assert page.locator("select").count() == 0
    run_axe(page)
    assert_no_console_errors(page, allow=(ERROR_STATUS,))


def test_open_page_disables_itself_when_the_round_closes(live_server, new_page):
    sid, _ = new_session(live_server)
    page = new_page(**PHONE)
    page.goto(live_server.url(f"/vote/{sid}", token=False))
    choose(page, ["A"])
    live_server.store.close_round(sid, 1)
    banner = page.locator("#closed-banner")
    banner.wait_for(state="visible", timeout=20_000)
    assert "Round 1 has closed" in banner.inner_text()
    assert page.get_by_role("button", name="Review my vote").is_disabled()
    assert page.locator('select[name="rank-A"]').is_disabled()
    screenshot(page, "ballot-closed-banner-phone")
    assert stored(live_server, sid) == []
    assert_no_console_errors(page)


def test_forged_and_replayed_submissions(live_server, new_page):
    sid, _ = new_session(live_server)
    page = new_page(**DESKTOP)
    url = live_server.url(f"/vote/{sid}", token=False)
    # A forged token: the form is refused with a plain page.
    page.goto(url)
    choose(page, ["A"], group="Managers")
    page.evaluate(
        "document.querySelector('input[name=form_token]').value = 'forged-0123456789abcdef'"
    )
    page.get_by_role("button", name="Review my vote").click()
    assert page.get_by_role("heading", name="Form not accepted").is_visible()
    assert "Traceback" not in page.content()
    # A replayed cast: the same fields posted again after the vote.
    page.goto(url)
    choose(page, ["B", "A"], group="Managers")
    page.get_by_role("button", name="Review my vote").click()
    fields = page.locator("form.review-form input[type=hidden]").evaluate_all(
        "els => Object.fromEntries(els.map(e => [e.name, e.value]))"
    )
    page.get_by_role("button", name="Cast my vote").click()
    assert page.get_by_role("heading", name="Your vote has been cast").is_visible()
    receipt = page.locator("#receipt-code").inner_text()
    # Issue 12: a replayed form gets the ORIGINAL receipt back and stores nothing new.
    replay = page.context.request.post(url, form={**fields, "action": "cast"})
    assert replay.status == 200
    assert f'id="receipt-code">{receipt}<' in replay.text()
    assert "had already been cast" in replay.text()
    # A cross-site form (no SameSite=Strict cookie): refused.
    other = new_page(**DESKTOP)
    other.goto(url)
    forged = other.context.request.post(url, form={**fields, "action": "cast"})
    assert forged.status == 403
    assert [b.ranking for b in stored(live_server, sid)] == [("B", "A")]
    assert_no_console_errors(page, allow=(ERROR_STATUS,))


def test_codes_second_vote_replaces_the_first(live_server, new_page):
    sid, codes = new_session(live_server, codes=2)
    url = live_server.url(f"/vote/{sid}", token=False)
    for n, ranking in enumerate((["A", "B"], ["C"])):
        page = new_page(**PHONE)
        page.goto(url)
        choose(page, ranking, group="Managers")
        page.get_by_label("Your voting code").fill(codes[0].lower())
        page.get_by_role("button", name="Review my vote").click()
        if n:
            assert "will replace your earlier ballot" in page.inner_text("main")
            screenshot(page, "review-replaces-phone")
            run_axe(page)
            page.get_by_role("button", name="Replace my earlier vote").click()
            assert "replaced the one you cast earlier" in page.inner_text("main")
        else:
            page.get_by_role("button", name="Cast my vote").click()
    page.goto(url)
    choose(page, ["D"], group="Managers")
    page.get_by_label("Your voting code").fill("WRONG123")
    page.get_by_role("button", name="Review my vote").click()
    assert "That code is not one issued for this session" in page.inner_text(".error-summary")
    assert [b.ranking for b in stored(live_server, sid)] == [("C",)]


# -- text people typed, accessibility, screenshots ---------------------------------------------------
def test_script_named_option_is_shown_as_text(live_server, new_page):
    options = ((*OPTIONS[0][:2], XSS), ("X", XSS, ""), *OPTIONS[1:3])
    sid, _ = new_session(
        live_server, options=options, groups=(XSS, "Others"), question=f"Do we {XSS}?"
    )
    page = new_page(**DESKTOP)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(live_server.url(f"/vote/{sid}", token=False))
    assert page.get_by_role("heading", level=1).inner_text() == f"Do we {XSS}?"
    assert page.locator("label.option-label", has_text=XSS).count() == 1
    assert page.get_by_label(f"Your rank for {XSS}").count() == 1
    assert page.locator("main img").count() == 0
    assert page.get_by_label(XSS, exact=True).count() == 1  # the group radio
    screenshot(page, "ballot-script-label-desktop")
    choose(page, ["X", "A"], group=XSS)
    page.get_by_role("button", name="Review my vote").click()
    assert XSS in page.locator(".ranking-list").inner_text()
    page.get_by_role("button", name="Cast my vote").click()
    assert XSS in page.locator(".ranking-list").inner_text()
    assert page.locator("img").count() == 0
    assert dialogs == []
    [ballot] = stored(live_server, sid)
    assert ballot.ranking == ("X", "A") and ballot.group == XSS
    assert_no_console_errors(page)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_accessibility_and_screenshots(live_server, new_page, size):
    viewport = PHONE if size == "phone" else DESKTOP
    sid, codes = new_session(live_server, codes=1)
    page = new_page(**viewport)
    url = live_server.url(f"/vote/{sid}", token=False)
    page.goto(url)
    run_axe(page)
    screenshot(page, f"ballot-codes-{size}")
    choose(page, ["B", "D", "A"], group="Citizens and community activists")
    page.get_by_label("Your voting code").fill(codes[0])
    page.get_by_role("button", name="Review my vote").click()
    run_axe(page)
    screenshot(page, f"review-{size}")
    page.get_by_role("button", name="Cast my vote").click()
    run_axe(page)
    screenshot(page, f"receipt-{size}")
    live_server.store.close_round(sid, 1)
    live_server.store.set_published(sid, True)
    page.goto(url)
    run_axe(page)
    screenshot(page, f"closed-{size}")
    page.get_by_role("link", name="See the results").click()
    assert page.get_by_role("table").count() == 1
    run_axe(page)
    screenshot(page, f"results-{size}")
    page.goto(live_server.url("/vote/", token=False))
    run_axe(page)
    screenshot(page, f"start-{size}")
    assert_no_console_errors(page)


def test_unknown_session_page(live_server, new_page):
    page = new_page(**PHONE)
    response = page.goto(live_server.url("/vote/does-not-exist", token=False))
    assert response.status == 404
    assert page.get_by_role("heading", name="Vote not found").is_visible()
    run_axe(page)
    screenshot(page, "not-found-phone")
    assert_no_console_errors(page, allow=(ERROR_STATUS,))


def test_waiting_page_shows_the_ballot_when_voting_opens(live_server, new_page):
    store = live_server.store
    sid = f"browser-{next(_ids)}"
    store.create_session("Which way?", session_id=sid)
    store.add_options(sid, [Option("A", "Alpha"), Option("B", "Beta")])
    page = new_page(**PHONE)
    page.goto(live_server.url(f"/vote/{sid}", token=False))
    assert page.get_by_role("heading", name="Voting has not started yet").is_visible()
    run_axe(page)
    store.open_round(sid, ["A", "B"])
    page.locator("select").first.wait_for(timeout=20_000)
    assert page.get_by_label("Your rank for Alpha").is_visible()
    assert_no_console_errors(page)
