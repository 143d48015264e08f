"""The facilitator's tools in a real browser: undo a merge, amend from the old wording, the
downloads opened and checked against the ballots cast, receipts checked by voters (one by one
and in the published list), copy a session for a follow-up meeting, delete one with
confirmation, the keyboard, the phone size and the axe check of every tab.

Expected values are worked out here from the ballots this test casts (Modified Borda Count by
hand, see ``mbc_by_hand``), never read from the app.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from .conftest import PHONE, run_axe
from .test_vote_apps import (
    DESKTOP,
    STEP,
    assert_no_console_errors,
    click_tab,
    expect_text,
    mbc_by_hand,
    message,
    open_app,
    screenshot,
)

pytestmark = pytest.mark.browser

KEY = "tools-key-2025"
LABELS = {"A": "Community bus", "B": "Repair café", "C": "Food hub", "D": '=HYPERLINK("x")'}


def cast_on_ballot_page(new_page, server, sid: str, ranking: list[str]) -> str:
    """Vote on the participants' ballot page with the mouse; returns the receipt shown."""
    page = new_page(**PHONE)
    page.goto(server.url(f"/vote/{sid}", token=False))
    for place, oid in enumerate(ranking, start=1):
        page.get_by_label(f"Your rank for {LABELS[oid]}", exact=True).select_option(str(place))
    page.get_by_role("button", name="Review my vote").click()
    page.get_by_role("button", name="Cast my vote").click()
    page.wait_for_selector("#receipt-code", timeout=STEP)
    expect_text(page.locator("main"), "receipt check page")
    receipt = page.locator("#receipt-code").inner_text().strip()
    page.context.close()
    return receipt


def open_facilitator(new_page, server, sid: str, size: dict = DESKTOP):
    page = open_app(new_page, server.voila("facilitator.ipynb", session=sid), size)
    page.locator(".pt-open-key input").fill(KEY)
    page.locator("button.pt-open-session").click()
    expect_text(message(page), f"Opened the session {sid}")
    return page


def make_session(store, question: str = "Which project do we fund first?"):
    from partnership_tools.vote.model import Option

    s = store.create_session(question, threshold=0.6, facilitator_key=KEY)
    store.add_options(s.id, [Option(k, v) for k, v in LABELS.items()])
    return s


def test_undo_downloads_receipts_copy_and_delete(live_server, new_page, tmp_path):
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    from partnership_tools.vote.model import Ballot

    store = live_server.store
    s = make_session(store)
    sid = s.id
    store.open_round(sid, list(LABELS))
    web = [["C", "A", "B", "D"], ["A", "C"]]
    receipts = [cast_on_ballot_page(new_page, live_server, sid, r) for r in web]
    paper = ["B", "C", "A"]
    store.add_ballot(sid, 1, Ballot(tuple(paper), group=None, source="paper"))
    store.close_round(sid, 1)
    rankings = [*web, paper]

    fac = open_facilitator(new_page, live_server, sid)

    # Amend starts from the old wording.
    click_tab(fac, "Amend / merge")
    fac.locator(".pt-amend-select select").select_option(label=["A: Community bus"])
    expect(fac.locator(".pt-amend-label input")).to_have_value("Community bus", timeout=STEP)

    # Merge B and C, open round 2, then undo the merge while round 2 has no ballots.
    fac.locator(".pt-amend-select select").select_option(label=["B: Repair café", "C: Food hub"])
    expect(fac.locator(".pt-amend-label input")).to_have_value("", timeout=STEP)
    fac.locator(".pt-amend-label input").fill("Repair café in the food hub")
    fac.locator("button.pt-merge").click()
    expect_text(message(fac), "Added E, merged from B + C.")
    fac.locator("button.pt-open-next").click()
    expect_text(message(fac), "Round 2 is open")
    assert store.open_round_of(sid).option_ids == ("A", "D", "E")
    click_tab(fac, "Amend / merge")
    undo = fac.locator(".pt-undo-select select")
    expect(undo).to_have_value(re.compile(r"^E: Repair café in the food hub"), timeout=STEP)
    fac.locator("button.pt-undo-change").click()
    expect_text(message(fac), "Undid the merge: removed E; B + C are current again.")
    expect_text(message(fac), "Round 2 had no ballots and was withdrawn")
    after = store.load_session(sid)
    assert [o.id for o in after.options] == ["A", "B", "C", "D"]
    assert [r.number for r in after.rounds] == [1]
    expect_text(fac.locator(".pt-next-round"), "B: Repair café")
    run_axe(fac)

    # Downloads: the ballots CSV and the Excel workbook, read back and compared.
    click_tab(fac, "Export")
    fac.locator("button.pt-table-ballots-csv").click()
    expect_text(message(fac), "Wrote ballots-")
    with fac.expect_download(timeout=STEP) as dl:
        fac.locator("a.pt-table-link[download^='ballots-']").click()
    path = tmp_path / "ballots.csv"
    dl.value.save_as(path)
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert sorted(r["ranking"].split(">") for r in rows) == sorted(rankings)
    assert sorted(r["source"] for r in rows) == ["paper", "web", "web"]
    by_ranking = {r["ranking"]: r for r in rows}
    assert by_ranking["C>A>B>D"]["choice 4"] == "'" + LABELS["D"]  # guarded, not a formula
    assert by_ranking["A>C"]["choice 1"] == LABELS["A"]

    fac.locator("button.pt-table-xlsx").click()
    expect_text(message(fac), ".xlsx")
    # both downloads stay on offer: the workbook's link is added above the CSV's
    assert fac.locator("a.pt-table-link").count() == 2
    with fac.expect_download(timeout=STEP) as dl:
        fac.locator("a.pt-table-link[download$='.xlsx']").click()
    xlsx = tmp_path / "vote.xlsx"
    dl.value.save_as(xlsx)
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["About", "Ballots", "Results"]
    res = list(wb["Results"].iter_rows(values_only=True))
    head = list(res[0])
    got = {r[head.index("option")]: r for r in res[1:]}
    points = mbc_by_hand(4, rankings)  # A: 3 + 2 + 1 = 6, B: 2 + 3 = 5, C: 4 + 1 + 2 = 7, D: 1
    assert points == {"A": 6, "B": 5, "C": 7, "D": 1}
    for oid, p in points.items():
        assert got[oid][head.index("mbc_points")] == p
        assert got[oid][head.index("consensus")] == pytest.approx(p / (3 * 4))
    assert got["C"][head.index("top")] == "yes" and got["A"][head.index("top")] == "no"
    assert got["D"][head.index("label")] == "'" + LABELS["D"]
    ballots_sheet = list(wb["Ballots"].iter_rows(values_only=True))
    assert len(ballots_sheet) == 1 + len(rankings)
    assert all(c.data_type != "f" for row in wb["Ballots"].iter_rows() for c in row)
    run_axe(fac)

    # Publish the receipts list; a voter checks their receipt; anyone reads the list.
    click_tab(fac, "Codes")
    fac.locator(".pt-publish-receipts input").check()
    expect_text(message(fac), "receipts and rankings are published")
    assert store.load_session(sid).settings.get("publish_receipts") is True
    expect_text(fac.locator(".pt-receipts"), f"/vote/{sid}/receipts")
    run_axe(fac)

    voter = new_page(**PHONE)
    voter.goto(live_server.url(f"/vote/{sid}/receipt", token=False))
    typed = receipts[1].lower()[:5] + " " + receipts[1].lower()[5:]  # case and spaces ignored
    voter.get_by_label("Receipt code").fill(typed)
    voter.get_by_role("button", name="Check the receipt").click()
    expect_text(voter.locator(".receipt-result"), f"Receipt {receipts[1]} found")
    items = voter.locator(".receipt-result .ranking-list li").all_inner_texts()
    assert items == [f"1st choice: {LABELS['A']}", f"2nd choice: {LABELS['C']}"]
    expect_text(voter.locator(".receipt-result"), "the round has closed")
    run_axe(voter)
    voter.get_by_label("Receipt code").fill("0000000000")
    voter.get_by_role("button", name="Check the receipt").click()
    expect_text(voter.locator(".receipt-result"), "No ballot has receipt 0000000000")
    voter.get_by_label("Receipt code").fill("not a receipt")
    voter.get_by_role("button", name="Check the receipt").click()
    expect_text(voter.locator(".error-summary"), "A receipt code is 10 letters and digits")
    run_axe(voter)
    voter.get_by_role("link", name=re.compile("Every receipt with its ranking")).click()
    expect_text(voter.locator("h1"), "Published receipts")
    table = voter.locator("table.receipts tbody tr").all_inner_texts()
    listed = {line.split("\t")[0].strip(): line.split("\t")[1].strip() for line in table}
    assert listed[receipts[0]] == "C > A > B > D" and listed[receipts[1]] == "A > C"
    assert sorted(listed.values()) == sorted(" > ".join(r) for r in rankings)
    run_axe(voter)
    assert_no_console_errors(voter)

    # Copy the session for a follow-up meeting, from the keyboard.
    click_tab(fac, "Session")
    before = {r["id"] for r in store.list_sessions()}
    fac.locator(".pt-copy-question textarea").fill("Which project do we fund next year?")
    fac.locator(".pt-copy-question textarea").press("Tab")
    focused = fac.evaluate("() => document.activeElement.textContent || ''")
    assert "Copy for a follow-up meeting" in focused
    fac.keyboard.press("Enter")
    expect_text(message(fac), "it is open now")
    (new_id,) = {r["id"] for r in store.list_sessions()} - before
    copy = store.load_session(new_id)
    assert copy.question == "Which project do we fund next year?"
    assert [o.label for o in copy.options] == list(LABELS.values())
    assert copy.rounds == () and store.check_facilitator_key(new_id, KEY)

    # Delete the copy, with confirmation (Cancel first: nothing happens).
    click_tab(fac, "Session")
    fac.locator("button.pt-delete-session").click()
    expect_text(fac.locator(".pt-manage-session .pt-confirm-text"), f"Delete the session {new_id}")
    fac.locator("button.pt-cancel-session").click()
    assert store.has_session(new_id)
    fac.locator("button.pt-delete-session").click()
    confirm = fac.locator("button.pt-confirm-session")
    expect(confirm).to_have_text(f"Yes, delete session {new_id}", timeout=STEP)
    run_axe(fac)
    confirm.click()
    expect_text(message(fac), f"Deleted the session {new_id}.")
    assert not store.has_session(new_id) and store.has_session(sid)
    assert fac.locator(".pt-tabs .lm-TabBar-tab").count() == 1
    screenshot(fac, "facilitator-tools-after-delete")
    assert "Traceback" not in fac.content()
    assert_no_console_errors(fac)


def test_every_tab_at_phone_size(live_server, new_page):
    """Each tab at 390 px: no field sticks out of the panel, wide tables say they scroll, and
    axe finds nothing serious."""
    from playwright.sync_api import expect

    from partnership_tools.vote.model import Ballot

    store = live_server.store
    s = make_session(store, "Which project goes first at the phone-size check?")
    store.open_round(s.id, list(LABELS))
    store.add_ballot(s.id, 1, Ballot(("A", "B", "C", "D")))
    store.close_round(s.id, 1)
    fac = open_facilitator(new_page, live_server, s.id, PHONE)
    for title in (
        "Session",
        "Options",
        "Round",
        "Results",
        "Amend / merge",
        "Compare",
        "Export",
        "Codes",
    ):
        click_tab(fac, title)
        expect(fac.locator(".pt-tabs .lm-TabBar-tab.lm-mod-current")).to_have_text(title)
        fac.locator(".pt-tabs h2:visible").first.wait_for(timeout=STEP)
        sticking_out = fac.evaluate(
            """() => {
              // A control sticks out when it passes the right edge of the panel, or of any box
              // between them that clips what overflows (then part of it is cut off).
              const panel = document.querySelector('.pt-tabs');
              const out = [];
              for (const el of panel.querySelectorAll('input, textarea, select, button')) {
                if (el.closest('.pt-table-wrap')) continue;
                const r = el.getBoundingClientRect();
                if (r.width === 0) continue;
                for (let box = el.parentElement; box; box = box.parentElement) {
                  const cs = getComputedStyle(box);
                  if (box !== panel && cs.overflowX === 'visible') continue;
                  const edge = box.getBoundingClientRect().right - parseFloat(cs.borderRightWidth);
                  if (r.right > edge + 0.5) {
                    out.push((el.className || el.tagName) + ': ' + Math.round(r.right) + ' > '
                      + Math.round(edge));
                    break;
                  }
                  if (box === panel) break;
                }
              }
              return out;
            }"""
        )
        assert sticking_out == [], f"{title}: fields outside the panel: {sticking_out}"
        run_axe(fac)
        screenshot(fac, f"facilitator-phone-{title.split()[0].lower()}")
    click_tab(fac, "Options")
    expect_text(fac.locator(".pt-options-table .pt-scroll-note"), "scroll it sideways")
    region = fac.locator(".pt-options-table .pt-table-wrap[role='region']")
    assert region.get_attribute("tabindex") == "0"
    assert_no_console_errors(fac)


def focused(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement; const cs = getComputedStyle(e);
          return {tag: e.tagName, text: (e.textContent || '').trim(),
                  cls: String(e.className || ''), parent: String(e.parentElement.className || ''),
                  outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth)} }"""
    )


def test_keyboard_only_edit_an_option(live_server, new_page):
    """Tab, arrows, typing and Enter only: switch to the Options tab, record who proposed an
    option and why, save it; every stop shows a clear focus ring."""
    store = live_server.store
    s = make_session(store, "Which project goes first, from the keyboard?")
    fac = open_facilitator(new_page, live_server, s.id)
    fac.locator(".pt-tabs .lm-TabBar-tab.lm-mod-current").focus()
    assert focused(fac)["text"] == "Session"
    fac.keyboard.press("ArrowRight")
    assert focused(fac)["text"] == "Options"
    fac.keyboard.press("Enter")
    expect_text(fac.locator(".pt-tabs .lm-TabBar-tab.lm-mod-current"), "Options")
    seen = []
    for _ in range(40):
        fac.keyboard.press("Tab")
        f = focused(fac)
        seen.append(f)
        assert f["outline"] != "none" and f["width"] >= 2, f"no visible focus on {f}"
        if "pt-edit-select" in f["parent"]:
            fac.keyboard.press("ArrowDown")  # B: Repair café
        elif "pt-edit-proposer" in f["parent"]:
            fac.keyboard.type("Youth forum")
        elif "pt-edit-reason" in f["parent"]:
            fac.keyboard.type("Skills and less waste")
        elif f["tag"] == "BUTTON" and f["text"] == "Save changes":
            fac.keyboard.press("Enter")
            break
    else:
        raise AssertionError("Tab never reached Save changes: " + str([x["text"] for x in seen]))
    expect_text(message(fac), "Saved option B.")
    b = store.load_session(s.id).option("B")
    assert (b.label, b.proposer, b.reason) == (LABELS["B"], "Youth forum", "Skills and less waste")
    expect_text(fac.locator(".pt-options-table"), "Youth forum")
    run_axe(fac)
    assert_no_console_errors(fac)
