"""The review and replay apps from the keyboard alone, as the ballot page and the facilitator
app are: the tab bar with the arrow keys and Enter, a saved file chosen with the arrow keys, and
a visible focus ring at every stop."""

from __future__ import annotations

import pytest

from .conftest import assert_no_console_errors
from .test_app_pages import STEP, open_app

pytestmark = pytest.mark.browser

FOCUSED = """() => { const e = document.activeElement; const cs = getComputedStyle(e);
  return {tag: e.tagName, text: (e.textContent || '').trim().slice(0, 80),
          cls: String(e.className || ''), outline: cs.outlineStyle,
          width: parseFloat(cs.outlineWidth)} }"""


def current_tab(page) -> str:
    return page.locator(".lm-TabBar-tab.lm-mod-current").first.inner_text().strip()


def test_review_app_tabs_from_the_keyboard(live_server, new_page):
    page, _ = open_app(new_page, live_server, "partnership_review.ipynb", ".pt-review-summary")
    page.locator(".lm-TabBar-tab.lm-mod-current").first.focus()
    start = current_tab(page)
    page.keyboard.press("ArrowRight")
    moved_to = page.evaluate(FOCUSED)
    assert moved_to["text"] and moved_to["text"] != start  # focus walks along the tab bar
    assert moved_to["outline"] != "none" and moved_to["width"] >= 2, moved_to
    page.keyboard.press("Enter")
    page.wait_for_function(
        "t => document.querySelector('.lm-TabBar-tab.lm-mod-current').textContent.trim() === t",
        arg=moved_to["text"],
        timeout=STEP,
    )
    # Tab goes on into the panel: every stop has a visible focus ring
    for _ in range(6):
        page.keyboard.press("Tab")
        f = page.evaluate(FOCUSED)
        if f["tag"] in ("BODY", "HTML"):
            continue
        assert f["outline"] != "none" and f["width"] >= 2, f"no visible focus on {f}"
    assert_no_console_errors(page)


def test_replay_app_picks_a_file_from_the_keyboard(live_server, new_page):
    page, _ = open_app(new_page, live_server, "replay_session.ipynb", ".pt-replay-pick select")
    pick = page.locator(".pt-replay-pick select")
    for _ in range(30):  # Tab from the top of the page to the file list
        page.keyboard.press("Tab")
        f = page.evaluate(FOCUSED)
        if f["tag"] == "SELECT":
            break
    else:
        raise AssertionError("Tab never reached the list of saved files")
    assert f["outline"] != "none" and f["width"] >= 2, f
    labels = pick.locator("option").all_inner_texts()
    wanted = next(i for i, t in enumerate(labels) if "Vote:" in t)
    for _ in range(wanted):
        page.keyboard.press("ArrowDown")
    page.wait_for_function(
        "() => document.querySelector('.pt-replay-verdict').textContent.includes('Verified')"
        " || document.querySelector('.pt-replay-verdict').textContent.includes('recount')",
        timeout=STEP,
    )
    assert page.locator(".pt-replay-verdict").inner_text().strip()
    assert_no_console_errors(page)
