"""Invitation codes for a review, in a real browser (issue 12).

A stored review opened in the review app; its form opened for "phase one"; two invitation codes
issued on the Response form tab (shown once, in a grid); a respondent on a phone-sized page
answers with one of them; back in the app, "Load new responses" shows "used 1 of 2". The phone's
start page (with its code field) and the app's codes area pass axe. What the store holds is
checked beside what the pages show. Screenshots go to
``artifacts/screenshots/review-invites-*.png``.
"""

from __future__ import annotations

import re

import pytest

from partnership_tools.review import load_instrument
from partnership_tools.store.drafts import invite_code_counts
from partnership_tools.store.reviews import create_review, load_responses, open_review_store

from .conftest import DESKTOP, PHONE, run_axe
from .conftest import screenshot as _screenshot
from .test_review_apps import (
    LOAD,
    STEP,
    app_screenshot,
    assert_no_console_errors,
    click_tab,
    expect_text,
    open_app,
)

pytestmark = pytest.mark.browser

RID = "invited-2026"


@pytest.fixture(scope="module")
def conn(live_server):
    c = open_review_store(live_server.db_path)  # the store (a Database)
    yield c
    c.dispose()


def test_two_codes_one_used_on_a_phone(live_server, conn, new_page):
    from playwright.sync_api import expect

    create_review(conn, RID, "Invited review", load_instrument("ten_lessons"))
    dialogs: list[str] = []
    app = open_app(
        new_page, live_server.voila("partnership_review.ipynb", review=RID), DESKTOP, dialogs
    )
    expect_text(app.locator(".pt-review-summary"), "Invited review", timeout=LOAD)
    click_tab(app, "Response form")
    expect_text(app.locator(".pt-invite-counts"), "No invitation codes")
    app.locator(".pt-form-wave input").fill("phase one")
    app.locator("button.pt-open-form").click()
    expect_text(app.locator(".pt-message"), "The response form is open for phase one")

    app.locator(".pt-invite-count input").fill("2")
    app.locator("button.pt-issue-invites").click()
    expect_text(app.locator(".pt-message"), "Issued 2 invitation code(s)")
    expect_text(app.locator(".pt-invite-codes"), "cannot be shown again")
    cells = app.locator(".pt-invite-grid [role=listitem]")
    expect(cells).to_have_count(2, timeout=STEP)
    codes = [c.strip() for c in cells.all_inner_texts()]
    assert len(set(codes)) == 2 and all(re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", c) for c in codes)
    expect(app.locator(".pt-require-codes input[type=checkbox]")).to_be_checked()
    expect_text(app.locator(".pt-invite-counts"), "used 0 of 2")
    run_axe(app, context=".pt-invites")
    app_screenshot(app, "review-invites-codes")
    href = app.locator(".pt-form-url a").get_attribute("href")

    # A respondent on a phone: the start page asks for the code.
    phone = new_page(**PHONE)
    phone.goto(href)
    expect_text(phone.locator("#wave-open"), "phase one")
    run_axe(phone)
    _screenshot(phone, "review-invites-phone-start")
    phone.get_by_label("Your invitation code").fill(codes[1].lower())
    phone.get_by_role("button", name="Start").click()
    phone.get_by_label("Manager", exact=True).check(timeout=STEP)
    save_and_continue = phone.get_by_role("button", name="Save and continue")
    check = phone.get_by_role("button", name="Save and check my answers")
    for _ in range(20):  # every page of statements, answered or not, then the comments
        if check.count():
            break
        with phone.expect_navigation(timeout=STEP):
            save_and_continue.click()
    check.click()
    phone.wait_for_selector("h1:has-text('Check your answers')", timeout=STEP)
    phone.get_by_role("button", name="Submit my answers").click()
    phone.wait_for_selector("#receipt-code", timeout=STEP)
    assert_no_console_errors(phone)

    assert invite_code_counts(conn, RID) == {"issued": 2, "started": 1, "used": 1}
    frame = load_responses(conn, RID).frame
    assert list(frame["level"]) == ["Manager"] and list(frame["wave"]) == ["phase one"]

    # Back in the app: the counts beside the form's status.
    app.locator("button.pt-reload").click()
    expect_text(app.locator(".pt-message"), "1 response(s) in the review now (+1)")
    expect_text(app.locator(".pt-invite-counts"), "used 1 of 2")
    expect_text(app.locator(".pt-form-rates"), "1 with an invitation code, 0 without")
    app_screenshot(app, "review-invites-used")
    click_tab(app, "Data")
    expect_text(app.locator(".pt-response-sources"), "form, with an invitation code")
    assert not dialogs
