"""What the room sees, in a real browser: the projector lists the options (ids and labels) while
a round is open, says a code is needed and shows the turnout (ballots so far, codes used of codes
issued, web and paper apart); in round two the projector and the ballot page say what changed
("F is new: merged from B and D", "G amends C") and the ballot page links to round one's
published results.

Every expected figure comes from the ballots this test casts (one from a phone with a code,
paper ballots typed into the store as the facilitator's app does), never from the program.
"""

from __future__ import annotations

import re

import pytest

from .conftest import DEFAULT_ALLOWED, DESKTOP, PHONE, run_axe, screenshot
from .conftest import assert_no_console_errors as _assert_no_console_errors

pytestmark = pytest.mark.browser

LOAD = 120_000  # a Voilà page starts a kernel and runs the notebook first
STEP = 60_000  # generous: the suite must pass on a loaded 2-core machine
SCRIPT = "<img src=x onerror=alert(1)>"
LABELS = {"A": "Town hall", "B": "Library", "C": "Market hall", "D": SCRIPT}
# The Voilà template's CDN requests (fonts; MathJax until serve switches it off).
ALLOWED = DEFAULT_ALLOWED + (r"cdnjs\.cloudflare\.com/ajax/libs/mathjax/",)


def expect_text(locator, text, timeout: int = STEP) -> None:
    from playwright.sync_api import expect

    expect(locator).to_contain_text(text, timeout=timeout)


def vote_with_code(new_page, server, sid: str, ranking: list[str], code: str):
    page = new_page(**PHONE)
    page.goto(server.url(f"/vote/{sid}", token=False), timeout=STEP)
    for place, oid in enumerate(ranking, start=1):
        page.get_by_label(f"Your rank for {LABELS[oid]}", exact=True).select_option(str(place))
    page.fill("#code", code)
    page.get_by_role("button", name="Review my vote").click()
    page.get_by_role("button", name="Cast my vote").click()
    page.wait_for_selector("#receipt-code", timeout=STEP)
    _assert_no_console_errors(page)
    page.close()


def test_projector_and_ballot_page_between_rounds(live_server, new_page):
    from partnership_tools.vote.model import Ballot, Option

    store = live_server.store
    s = store.create_session("Where should the hub go?", threshold=0.6, facilitator_key="k-2024")
    store.add_options(s.id, [Option(i, label) for i, label in LABELS.items()])
    codes = store.issue_codes(s.id, 4, seed=11)
    store.open_round(s.id, list(LABELS))

    # -- round 1 open: options, code needed, turnout ---------------------------------------------
    proj = new_page(**DESKTOP)
    proj.goto(live_server.voila("projector.ipynb", session=s.id), timeout=LOAD)
    proj.wait_for_selector(".pt-app", timeout=LOAD)
    options = proj.locator(".pt-option-list li")
    expect_text(proj.locator(".pt-option-list"), "Town hall", timeout=LOAD)
    shown = [" ".join(t.split()) for t in options.all_inner_texts()]
    assert shown == [f"{i} {label}" for i, label in LABELS.items()]  # the script label as text
    expect_text(proj.locator(".pt-code-needed"), "You need the voting code on your card")
    turnout = proj.locator(".pt-turnout")
    expect_text(turnout, "From phones and computers: 0 · on paper: 0")
    expect_text(turnout, "Codes used: 0 of 4 issued")

    vote_with_code(new_page, live_server, s.id, ["A", "B", "C"], codes[0])
    store.add_ballot(s.id, 1, Ballot(("B", "A"), source="paper"))
    store.add_ballot(s.id, 1, Ballot(("C",), source="paper"))
    # one web ballot (with a code) and two on paper: 3 so far, 1 code used of 4
    expect_text(proj.locator(".pt-live-count .pt-count-number"), "3")
    expect_text(turnout, "From phones and computers: 1 · on paper: 2")
    expect_text(turnout, "Codes used: 1 of 4 issued")
    assert proj.locator(".pt-changes").inner_text().strip() == ""  # round 1: nothing changed
    screenshot(proj, "room-view-projector-round1-open")

    # -- between rounds: merge B and D, amend C, publish round 1 ---------------------------------
    store.close_round(s.id, 1)
    store.set_published(s.id, True)
    store.add_options(
        s.id,
        [
            Option("F", "Library and more", merged_from=("B", "D")),
            Option("G", "Market hall, weekdays", amended_from="C"),
        ],
    )
    store.open_round(s.id, ["A", "F", "G"])

    changes = proj.locator(".pt-changes")
    expect_text(changes, "Since round 1", timeout=STEP)
    notes = [" ".join(t.split()) for t in proj.locator(".pt-changes li").all_inner_texts()]
    assert notes == [
        f"F “Library and more” is new: merged from B “Library” and D “{SCRIPT}”.",
        "G “Market hall, weekdays” amends C “Market hall”.",
    ]
    shown = [" ".join(t.split()) for t in options.all_inner_texts()]
    assert shown == ["A Town hall", "F Library and more", "G Market hall, weekdays"]
    expect_text(turnout, "From phones and computers: 0 · on paper: 0")
    expect_text(turnout, "Codes used: 0 of 4 issued")
    screenshot(proj, "room-view-projector-round2-open")
    _assert_no_console_errors(proj, allow=ALLOWED)
    assert proj.evaluate("() => document.querySelectorAll('img[src=x]').length") == 0

    # -- the round-2 ballot page: the same note, and a link to round 1's results ---------------
    page = new_page(**PHONE)
    page.goto(live_server.url(f"/vote/{s.id}", token=False), timeout=STEP)
    section = page.locator("section.changes")
    expect_text(section, "What changed since round 1")
    items = [" ".join(t.split()) for t in section.locator("li").all_inner_texts()]
    assert items == notes
    run_axe(page)
    screenshot(page, "room-view-ballot-round2")
    page.get_by_role("link", name="See the results of round 1").click()
    page.wait_for_url(re.compile(rf"/vote/{re.escape(s.id)}/results#round-1-title$"), timeout=STEP)
    heading = page.locator("#round-1-title")
    expect_text(heading, "Round 1")
    # round 1 by hand (n = 4, N = 3): A>B>C gives A 3, B 2, C 1; B>A gives B 2, A 1; C gives C 1
    #   A 4 (4/12 = 0.333), B 4 (0.333), C 2 (0.167), D 0: A and B tie at the top
    expect_text(page.locator(".results-round").first, "Tied at the top")
    rows = page.locator(".results-round").first.locator("tbody tr").all_inner_texts()
    figures = [re.findall(r"\d+(?:\.\d+)?", r.split("\t", 1)[1]) for r in rows]
    assert [f[:2] for f in figures] == [["4", "0.33"], ["4", "0.33"], ["2", "0.17"], ["0", "0.00"]]
    _assert_no_console_errors(page)

    # -- round 2 closes on a tie at 0.625: both named, shown as 0.63 in text, chart and table ------
    # n = 3, N = 8 (24 points possible): 3 x A>F>G (A 9, F 6, G 3), 3 x F>A>G (F 9, A 6, G 3),
    # 2 x G alone (G 2): A 15 (0.625), F 15 (0.625), G 8 (0.333)
    paper = [("A", "F", "G")] * 3 + [("F", "A", "G")] * 3 + [("G",)] * 2
    store.add_ballots(s.id, 2, [Ballot(r, source="paper") for r in paper])
    store.close_round(s.id, 2)
    headline = proj.locator(".pt-headline")
    expect_text(headline, "Tied at the top", timeout=STEP)
    expect_text(headline, "A: Town hall")
    expect_text(headline, "F: Library and more")
    expect_text(headline, "0.63")
    expect_text(
        proj.locator(".pt-projector-summary"),
        "Town hall and Library and more are tied at the top with 15 points each",
    )
    proj.wait_for_selector(".pt-projector-chart .vega-embed svg.marks text", timeout=STEP)
    texts = proj.locator(".pt-projector-chart .vega-embed svg.marks text").all_text_contents()
    # each bar label is drawn twice (a white halo under the text): A and F, 2 x 2
    assert texts.count("15 pts · 0.63") == 4 and texts.count("8 pts · 0.33") == 2
    assert not any("0.62" in t for t in texts)
    ticks = [t for t in texts if re.fullmatch(r"\d\.\d", t)]
    assert ticks[:11] == [f"{k / 10:.1f}" for k in range(11)]  # distinct tick labels
    screenshot(proj, "room-view-projector-round2-results")
    page.goto(live_server.url(f"/vote/{s.id}/results", token=False), timeout=STEP)
    latest = page.locator(".results-round").first
    expect_text(latest, "Round 2")
    expect_text(latest, "Tied at the top")
    rows = latest.locator("tbody tr").all_inner_texts()
    figures = [re.findall(r"\d+(?:\.\d+)?", r.split("\t", 1)[1])[:2] for r in rows]
    assert figures == [["15", "0.63"], ["15", "0.63"], ["8", "0.33"]]
    _assert_no_console_errors(proj, allow=ALLOWED)
