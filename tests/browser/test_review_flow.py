"""A whole partnership review as a facilitator runs it, in a real browser (issue 11).

A new, empty review made in the app (Data tab, New review); its response form opened for wave
"phase one"; two respondents answer on the participants' form; a file of typed-up paper forms
uploaded into the app and ADDED to the same wave beside them, its one likely duplicate (the
same respondent id as a form response) flagged and left out; a larger file added as wave "phase
two"; the Waves view with the small wave (4 responses, under the smallest group shown) and the
large one (39); an action; the review file saved; its report; and ``partnership-tools replay``
on the saved file: MATCH. What the store holds is checked at each step (sources included).
Screenshots go to ``artifacts/screenshots/review-flow-*.png``.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from partnership_tools import SAMPLE_DIR
from partnership_tools.review import load_instrument, read_review
from partnership_tools.store.reviews import load_planned_waves, load_responses, open_review_store

from .conftest import DESKTOP, PHONE
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

RID = "county-2025"
TITLE = "County review 2025"
LEVEL = "Which level of the partnership do you mainly speak for?"


@pytest.fixture(scope="module")
def conn(live_server):
    c = open_review_store(live_server.db_path)  # the store (a Database)
    yield c
    c.dispose()


def respond(new_page, url: str, level: str, strongly_agree: bool, shot: str | None = None) -> None:
    """One respondent completes the form: the level, two statements, a comment, then submits."""
    page = new_page(**PHONE)
    page.goto(url)
    expect_text(page.locator("#wave-open"), "phase one")
    page.get_by_role("button", name="Start").click()
    page.get_by_label(level, exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_selector("h1:has-text('Understanding differences')", timeout=STEP)
    page.get_by_role("group", name="I understand the pressures").get_by_label(
        "Strongly agree" if strongly_agree else "Disagree", exact=True
    ).check()
    page.get_by_role("group", name="We took time to learn").get_by_label(
        "Agree", exact=True
    ).check()
    if shot:
        _screenshot(page, shot)
    for _ in range(2, 12):
        with page.expect_navigation():
            page.get_by_role("button", name="Save and continue").click()
    page.locator("#comments").fill("Typed on a phone")
    page.get_by_role("button", name="Save and check my answers").click()
    page.wait_for_selector("h1:has-text('Check your answers')", timeout=STEP)
    page.get_by_role("button", name="Submit my answers").click()
    page.wait_for_selector("#receipt-code", timeout=STEP)
    assert_no_console_errors(page)


def paper_file(path: Path, duplicate_id: str) -> Path:
    """Three typed-up paper forms; the second repeats a form respondent's id."""
    path.write_text(
        f"respondent_id,{LEVEL},ud1,ud2,ud3,comments\n"
        "P-01,Manager,Agree,Agree,Neither agree nor disagree,On paper\n"
        f"{duplicate_id},Front-line worker,Strongly agree,Agree,Agree,Typed twice\n"
        "P-03,Policy maker,Disagree,Don't know,Agree,\n",
        encoding="utf-8",
    )
    return path


def upload(page, path: Path) -> None:
    with page.expect_file_chooser() as chooser:  # the upload's file input is not in the page
        page.locator(".pt-responses-upload").click()
    chooser.value.set_files(str(path))
    expect_text(page.locator(".pt-responses-upload"), "(1)")
    page.locator("button.pt-preview-responses").click()


def test_a_review_from_start_to_finish(live_server, conn, new_page, tmp_path):
    from playwright.sync_api import expect

    dialogs: list[str] = []
    app = open_app(new_page, live_server.voila("partnership_review.ipynb"), DESKTOP, dialogs)
    expect_text(app.locator(".pt-review-summary"), "Sample review", timeout=LOAD)

    # A new, empty review.
    click_tab(app, "Data")
    ten = load_instrument("ten_lessons")
    app.locator(".pt-new-instrument select").select_option(label=f"{ten.title} ({ten.id})")
    app.locator(".pt-new-id input").fill(RID)
    app.locator(".pt-new-title input").fill(TITLE)
    app.locator(".pt-new-waves input").fill("phase one, phase two")
    app.locator("button.pt-new-review").click()
    expect_text(app.locator(".pt-message"), f"Created the review {TITLE} ({RID})")
    expect_text(app.locator(".pt-review-summary"), TITLE)
    assert load_responses(conn, RID).n == 0
    assert load_planned_waves(conn, RID) == ("phase one", "phase two")

    # The response form, opened for phase one; two respondents answer on their phones.
    click_tab(app, "Response form")
    app.locator(".pt-form-wave input").fill("phase one")
    app.locator("button.pt-open-form").click()
    expect_text(app.locator(".pt-message"), "The response form is open for phase one")
    href = app.locator(".pt-form-url a").get_attribute("href")
    respond(new_page, href, "Manager", True, shot="review-flow-form-phone")
    respond(new_page, href, "Citizen or community activist", False)
    stored = load_responses(conn, RID).frame
    assert list(stored["source"]) == ["form", "form"]
    app.locator("button.pt-reload").click()
    expect_text(app.locator(".pt-message"), "2 response(s) in the review now (+2)")

    # A file of paper forms added to the same wave; one likely duplicate flagged.
    click_tab(app, "Data")
    expect_text(app.locator(".pt-response-sources"), "form")
    expect_text(app.locator(".pt-import-heading"), f"Add responses to {TITLE}")
    web_id = str(stored["respondent_id"].iloc[0])
    upload(app, paper_file(tmp_path / "paper forms.csv", web_id))
    add = app.locator("button.pt-add-responses")
    expect(add).to_have_text(re.compile("Add 2 responses to wave phase one"), timeout=STEP)
    expect(app.locator(".pt-add-wave input")).to_have_value("phase one")
    leave_out = app.locator(".pt-leave-out-duplicates")
    expect_text(leave_out, "Leave out the 1 likely duplicate")
    expect(leave_out.locator("input[type=checkbox]")).to_be_checked()
    preview = app.locator(".pt-addition-preview")
    expect_text(preview, "beside the 2 response(s) stored")
    expect_text(preview, "likely duplicate (same respondent id)")
    expect_text(preview, web_id)
    assert load_responses(conn, RID).n == 2  # the preview stores nothing
    app.locator(".pt-add-box").scroll_into_view_if_needed()
    app_screenshot(app, "review-flow-add-preview")
    add.click()
    expect_text(app.locator(".pt-message"), "Added 2 response(s) from paper forms.csv")
    expect_text(app.locator(".pt-message"), "left out 1 likely duplicate(s)")
    stored = load_responses(conn, RID).frame
    assert list(stored["source"]) == [
        "form",
        "form",
        "file: paper forms.csv",
        "file: paper forms.csv",
    ]
    assert list(stored["respondent_id"][2:]) == ["P-01", "P-03"]
    assert set(stored["wave"]) == {"phase one"}
    expect_text(app.locator(".pt-response-sources"), "file: paper forms.csv")
    app_screenshot(app, "review-flow-added")

    # A larger wave: the second wave's export, added as phase two.
    # Its wave column names phase two, a wave of the review: that wave is offered.
    upload(app, SAMPLE_DIR / "review" / "ten_lessons_wave2.csv")
    expect(add).to_have_text(re.compile("Add 39 responses to wave phase two"), timeout=STEP)
    expect(app.locator(".pt-add-wave input")).to_have_value("phase two")
    expect(leave_out).to_be_hidden()
    add.click()
    expect_text(app.locator(".pt-message"), "Added 39 response(s) from ten_lessons_wave2.csv")
    stored = load_responses(conn, RID).frame
    assert len(stored) == 43
    assert stored.groupby("wave").size().to_dict() == {"phase one": 4, "phase two": 39}
    assert list(stored["source"]).count("file: ten_lessons_wave2.csv") == 39

    # The waves view: the small wave is suppressed with a sentence, the large one shown.
    click_tab(app, "Waves")
    app.locator(".pt-before select").select_option(label="phase one")
    app.locator(".pt-after select").select_option(label="phase two")
    note = app.locator(".pt-waves-note")
    expect_text(note, "phase one: 4 respondents, fewer than the minimum of 5")
    table = app.locator(".pt-changes")
    expect_text(table, "suppressed")
    cells = table.locator("tbody tr").first.locator("td").all_inner_texts()
    assert cells[1] == "suppressed" and re.fullmatch(r"\d\.\d\d", cells[2]), cells
    app_screenshot(app, "review-flow-waves")

    # An action, saved with the review.
    click_tab(app, "Action plan")
    app.locator("button.pt-add-action").click()
    row = app.locator(".pt-action-row").first
    row.locator(".pt-action-dimension select").select_option(
        label="People, organisations and resources"
    )
    row.locator(".pt-action-text input").fill("Meet the paper respondents' groups")
    app.locator("button.pt-save-actions").click()
    expect_text(app.locator(".pt-message"), "Saved the action plan (1 action(s))")

    # Save the review file, write its report, and replay it.
    click_tab(app, "Save")
    app.locator("button.pt-save-file").click()
    result = app.locator(".pt-save-result")
    expect_text(result, "Saved to")
    saved = Path(result.locator("code").inner_text())
    assert saved.exists(), saved
    review = read_review(saved)
    assert review.responses.n == 43
    assert list(review.responses.frame["source"][:4]) == [
        "form",
        "form",
        "file: paper forms.csv",
        "file: paper forms.csv",
    ]
    app.locator(".pt-report-format button", has_text="HTML").click()
    app.locator("button.pt-report-download").click()
    link = app.locator(".pt-report-link a[download]")
    expect(link).to_have_attribute("download", re.compile(r"^report-.*\.html$"), timeout=STEP)
    # The responses download carries where each response came from.
    app.locator("button.pt-download-responses").click()
    got = app.locator(".pt-downloads .pt-muted", has_text="saved to")
    expect_text(got, ".csv")
    csv_path = Path(re.search(r"saved to (.+\.csv)\)", got.inner_text()).group(1))
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [r["source"] for r in table[:5]] == [
        "form",
        "form",
        "file: paper forms.csv",
        "file: paper forms.csv",
        "file: ten_lessons_wave2.csv",
    ]
    app_screenshot(app, "review-flow-saved")
    done = subprocess.run(
        [sys.executable, "-m", "partnership_tools", "replay", str(saved)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "MATCH" in done.stdout and "every recorded result matches" in done.stdout

    assert app.locator(".pt-app img[src='x']").count() == 0
    assert "Traceback" not in app.content()
    assert dialogs == []
    assert_no_console_errors(app)
