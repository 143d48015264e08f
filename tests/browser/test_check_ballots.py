"""Issue 12, stuffing, in a real browser: the facilitator finds a browser that cast three
ballots on the Check ballots tab, sets two of them aside (who and why, then a confirmation),
and sees the count drop on the Round tab; the tab passes the axe check.

The plan (3 ballots from one browser, 1 from another) gives 4 ballots; keeping that browser's
first ballot, 2 are set aside, leaving 2: worked out by hand.
"""

from __future__ import annotations

import hashlib

import pytest

from .conftest import PHONE, assert_no_console_errors, run_axe, screenshot
from .test_facilitator_tools import KEY, make_session, open_facilitator
from .test_vote_apps import STEP, click_tab, expect_text, message

pytestmark = pytest.mark.browser

SALT = "browser-test-salt"


def test_set_a_suspect_browser_aside_and_the_count_drops(live_server, new_page):
    from playwright.sync_api import expect

    from partnership_tools.store import integrity as ig
    from partnership_tools.vote.model import Ballot

    store = live_server.store
    s = make_session(store, "Which project first? (check ballots)")
    sid = s.id
    ig.set_ballot_mode(store, sid, "open")
    store.open_round(sid, ["A", "B", "C"])
    plan = [
        ("script", "2026-01-01T10:00:01Z", ("A",)),
        ("script", "2026-01-01T10:00:02Z", ("A",)),
        ("script", "2026-01-01T10:00:03Z", ("A", "B")),
        ("phone", "2026-01-01T10:04:00Z", ("C", "B")),
    ]
    for who, at, ranking in plan:
        bh = ig.browser_hash(who, SALT)
        t = ig.issue_form_token(store, sid, 1, ["A", "B", "C"], browser=bh)
        ig.cast_with_token(store, t, sid, Ballot(ranking, submitted_at=at), browser=bh)
    script8 = hashlib.sha256(f"browser:{SALT}:script".encode()).hexdigest()[:8]
    assert KEY  # the session's facilitator key, typed by open_facilitator

    fac = open_facilitator(new_page, live_server, sid)
    expect_text(fac.locator(".pt-count"), "4 ballots")
    expect_text(fac.locator(".pt-round-mode"), "Ballot mode: Open.")
    click_tab(fac, "Check ballots")
    suspect_row = fac.locator(".pt-per-browser tr.pt-suspect")
    expect(suspect_row).to_have_count(1, timeout=STEP)
    expect_text(suspect_row, script8)
    expect_text(fac.locator(".pt-signs"), "1 browser cast more than one ballot")
    fac.locator(".pt-suspect-select select").select_option(label=[f"Browser {script8}: 3 ballots"])
    fac.locator("button.pt-set-aside").click()
    expect_text(message(fac), "Say who is setting these ballots aside")
    fac.locator(".pt-aside-by input").fill("Facilitator on the day")
    fac.locator(".pt-aside-why textarea").fill("three ballots from one browser in 2 seconds")
    fac.locator("button.pt-set-aside").click()
    confirm = fac.locator("button.pt-confirm-aside")
    expect(confirm).to_be_visible(timeout=STEP)
    expect_text(fac.locator(".pt-aside-confirm"), "Set aside 2 ballots of round 1")
    assert store.ballot_count(sid, 1) == 4  # nothing happens before the confirmation
    run_axe(fac)
    confirm.click()
    expect_text(message(fac), "Set aside 2 ballots of round 1; it now counts 2.")
    expect_text(fac.locator(".pt-set-aside-list"), "three ballots from one browser in 2 seconds")
    assert store.ballot_count(sid, 1) == 2
    assert [k["by"] for k in ig.set_aside_ballots(store, sid)] == ["Facilitator on the day"] * 2
    run_axe(fac)
    click_tab(fac, "Round")
    expect_text(fac.locator(".pt-count"), "2 ballots")
    # the ballots per minute as a chart, and the tab at phone size: nothing sticks out
    click_tab(fac, "Check ballots")
    fac.locator("button.pt-minute-chart").click()
    fac.locator(".pt-minute-chart-slot svg.marks").wait_for(timeout=STEP)
    fac.set_viewport_size(PHONE)
    expect(fac.locator(".pt-tabs .lm-TabBar-tab.lm-mod-current")).to_have_text("Check ballots")
    sticking_out = fac.evaluate(
        """() => {
          const panel = document.querySelector('.pt-tabs');
          const edge = panel.getBoundingClientRect().right;
          return [...panel.querySelectorAll('input, textarea, select, button')]
            .filter(el => !el.closest('.pt-table-wrap') && el.getBoundingClientRect().width > 0
                          && el.getBoundingClientRect().right > edge + 0.5)
            .map(el => el.className || el.tagName);
        }"""
    )
    assert sticking_out == []
    run_axe(fac)
    screenshot(fac, "facilitator-phone-check-ballots")
    assert_no_console_errors(fac)
