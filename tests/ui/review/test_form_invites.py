"""Invitation codes and the signs of stuffing on the Response form tab (issue 12).

Issuing shows exactly N distinct codes, once; the form page (tornado, the participants' handlers)
then refuses to start without a code and takes each code for one response; the counts beside the
form's status, the responses per hour and the "with a code / without" split are checked against
figures worked out by hand from what each test did; the sample refuses in one sentence.
"""

from __future__ import annotations

import base64
import html
import logging
import re
import tempfile
import urllib.parse
from pathlib import Path

import tornado.web
from tornado.testing import AsyncHTTPTestCase

from partnership_tools.review import load_instrument
from partnership_tools.server.handlers import ParticipantApp
from partnership_tools.server.review_form import RESUME_COOKIE, review_form_handlers
from partnership_tools.store import drafts
from partnership_tools.store.drafts import (
    codes_required,
    invite_code_counts,
    issue_invite_codes,
    open_wave,
    require_invite_codes,
    save_draft,
    start_draft,
    submit_draft,
)
from partnership_tools.store.reviews import create_review, load_responses, open_review_store
from partnership_tools.ui.common import Feedback
from partnership_tools.ui.review.data import sources_html
from partnership_tools.ui.review.form import FormPanel
from partnership_tools.ui.review.invites import (
    SAMPLE_NO_CODES,
    busiest_minute,
    coded_respondents,
    per_hour,
    submitted_times,
)
from partnership_tools.ui.review.state import ReviewState

from .conftest import all_text, count, store_it

BASE = "http://example.test"
CODE_RE = re.compile(r"<div role='listitem'>([A-Z2-9]{4}-[A-Z2-9]{4})</div>")


def shown_codes(panel: FormPanel) -> list[str]:
    return CODE_RE.findall(panel.invites.codes_html.value)


def text_of(value: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", value))


def answer(db, rid: str, invite: str | None = None) -> str:
    """One respondent starts (with ``invite``), gives their level and one answer, submits."""
    _, resume = start_draft(db, rid, invite)
    save_draft(db, rid, resume, answers={"ud1": 4}, fields={"level": "Manager"})
    submit_draft(db, rid, resume)
    return resume


# -- issuing -----------------------------------------------------------------------------------
def test_issuing_shows_exactly_n_distinct_codes_once(state, feedback):
    panel = FormPanel(state, feedback, lambda: BASE)
    rid = store_it(state, "coded")
    panel.show()
    assert not codes_required(state.db, rid)
    assert "No invitation codes" in panel.invites.counts.value
    panel.invites.count.value = 5
    panel.invites.issue_button.click()
    assert feedback.kind == "success", feedback.last
    assert feedback.last == "Issued 5 invitation code(s); the form now asks for one."
    codes = shown_codes(panel)
    assert len(codes) == 5 and len(set(codes)) == 5
    shown = text_of(panel.invites.codes_html.value)
    assert "shown only now" in shown and "cannot be shown again" in shown
    # the printable sheet carries the same codes and the form's address, and nothing else
    href = re.search(r'href="data:text/html;base64,([^"]+)"', panel.invites.codes_html.value)
    sheet = base64.b64decode(href.group(1)).decode("utf-8")
    assert sorted(re.findall(r"<b>([A-Z2-9-]+)</b>", sheet)) == sorted(codes)
    assert sheet.count(f"{BASE}/review-form/coded") == 5
    # codes are now required, and the store keeps no code in clear
    assert codes_required(state.db, rid) and panel.invites.required.value is True
    dumped = all_text(state.db)
    for code in codes:
        assert code not in dumped and code.replace("-", "") not in dumped
    # "once": the tab drawn again (a new page) shows none of them, only the count
    again = FormPanel(state, Feedback(), lambda: BASE)
    again.show()
    assert again.invites.codes_html.value == ""
    assert all(c not in again.invites.counts.value + again.status.value for c in codes)
    assert "5 issued, 0 started, used 0 of 5" in text_of(again.invites.counts.value)
    # another review on show: the codes do not stay on the screen
    store_it(state, "other")
    panel.show()
    assert shown_codes(panel) == []


def test_the_number_of_codes_is_checked_in_one_sentence(state, feedback):
    panel = FormPanel(state, feedback, lambda: BASE)
    rid = store_it(state)
    for bad in (0, 1001, "many"):
        assert panel.invites.issue_codes(bad) is None
        assert feedback.kind == "error"
        assert feedback.last in (
            "Issue between 1 and 1000 invitation codes at a time.",
            "Type how many invitation codes to issue, e.g. 20.",
        )
    assert invite_code_counts(state.db, rid)["issued"] == 0


def test_the_sample_refuses_in_one_sentence(tmp_path):
    from partnership_tools.ui.review.app import ReviewApp

    app = ReviewApp(db_path=tmp_path / "store.sqlite", base_url=BASE)
    assert app.state.is_sample and app.review_id is None
    invites = app.form_panel.invites
    assert invites.issue_codes(3) is None
    assert app.feedback.kind == "error" and app.feedback.last == SAMPLE_NO_CODES
    assert invites.set_required(True) is None and app.feedback.last == SAMPLE_NO_CODES
    assert invites.required.disabled and invites.issue_button.disabled
    assert invites.codes_html.value == "" and invites.counts.value == ""
    assert count(app.db, "SELECT COUNT(*) FROM review_invite_codes") == 0


# -- the checkbox -------------------------------------------------------------------------------
def test_turning_codes_off_asks_first(state, feedback):
    panel = FormPanel(state, feedback, lambda: BASE)
    rid = store_it(state)
    inv = panel.invites
    panel.show()
    inv.required.value = True
    assert codes_required(state.db, rid)
    assert feedback.last == (
        "The form now asks for an invitation code: each code gives one response."
    )
    assert "No codes issued yet: nobody can answer" in inv.counts.value
    inv.issue_codes(2, seed=1)
    inv.required.value = False  # unticked: nothing changes until confirmed
    assert codes_required(state.db, rid)
    assert inv.confirm_box.layout.display is None
    assert "The 2 code(s) not yet used stay valid" in text_of(inv.confirm_html.value)
    inv.cancel_button.click()
    assert inv.required.value is True and inv.confirm_box.layout.display == "none"
    assert codes_required(state.db, rid)
    inv.required.value = False
    inv.confirm_button.click()
    assert not codes_required(state.db, rid) and inv.required.value is False
    assert feedback.last == (
        "The form no longer asks for a code: anyone with the address can answer."
    )
    assert "Invitation codes not required:" in text_of(inv.counts.value)


# -- the counts and the signs of stuffing ---------------------------------------------------------
def test_counts_and_rates_worked_out_by_hand(state, feedback, monkeypatch):
    clock = iter(
        [
            "2026-03-01T09:00:00Z",  # the wave opens
            # one response before codes (start, save, submit, submitted-at): 09:00
            *["2026-03-01T09:00:10Z"] * 4,
            "2026-03-01T09:05:00Z",  # the codes issued
            *["2026-03-01T09:40:30Z"] * 5,  # a coded response at 09:40 (5 clock reads)
            *["2026-03-01T09:40:50Z"] * 5,  # a second, same minute
            *["2026-03-01T10:15:00Z"] * 5,  # a third, the next hour
            *["2026-03-01T10:20:00Z"] * 1,  # a fourth code started, never submitted
        ]
    )
    monkeypatch.setattr(drafts, "_now", lambda: next(clock))
    panel = FormPanel(state, feedback, lambda: BASE)
    rid = store_it(state, "rated")
    open_wave(state.db, rid, "phase three")
    answer(state.db, rid)  # no code
    codes = issue_invite_codes(state.db, rid, 5, seed=2)
    for code in codes[:3]:
        answer(state.db, rid, code)
    start_draft(state.db, rid, codes[3])
    monkeypatch.setattr(drafts, "_now", lambda: "2026-03-01T11:00:00Z")
    panel.show()
    # 5 issued; 4 started (three submitted, one begun); 3 used; 1 begun only; 1 never started
    assert text_of(panel.invites.counts.value) == (
        "Invitation codes required: 5 issued, 4 started, used 3 of 5"
        " (1 started but not submitted, 1 not started)."
    )
    assert "Open for phase three" in text_of(panel.status.value)
    rates = text_of(panel.invites.rates.value)
    assert (
        "4 form response(s) to phase three: 3 with an invitation code, 1 without."
        " The busiest minute, 2026-03-01 09:40 UTC, had 2."
    ) in rates
    # per hour: 09:00 has the no-code one (09:00) and two at 09:40 -> 3, most in a minute 2;
    # 10:00 has one
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", panel.invites.rates.value)
    assert cells == ["2026-03-01 09:00 UTC", "3", "2", "2026-03-01 10:00 UTC", "1", "1"]
    # where the responses came from: the form's row split by code
    responses = load_responses(state.db, rid)
    coded = coded_respondents(state.db, rid)
    assert coded is not None and len(coded) == 3
    table = sources_html(responses, coded)
    assert (
        '<td>phase three</td><td>form, with an invitation code</td><td class="pt-num">3</td>'
        in table
    )
    assert '<td>phase three</td><td>form, without a code</td><td class="pt-num">1</td>' in table


def test_the_store_queries_behind_the_rates_on_each_backend(store_target, ten, monkeypatch):
    """``submitted_times`` and ``coded_respondents`` on SQLite and PostgreSQL: two coded
    responses and one without a code, at times the test sets, earliest first."""
    db = open_review_store(store_target)
    try:
        create_review(db, "r", "R", ten)
        open_wave(db, "r", "w")
        monkeypatch.setattr(drafts, "_now", lambda: "2026-03-01T10:00:00Z")
        answer(db, "r")  # no code
        codes = issue_invite_codes(db, "r", 2, seed=3)
        for stamp, code in zip(
            ("2026-03-01T09:30:00Z", "2026-03-01T11:00:00Z"), codes, strict=True
        ):
            monkeypatch.setattr(drafts, "_now", lambda stamp=stamp: stamp)
            answer(db, "r", code)
        assert submitted_times(db, "r", "w") == [
            ("2026-03-01T09:30:00Z", True),
            ("2026-03-01T10:00:00Z", False),
            ("2026-03-01T11:00:00Z", True),
        ]
        assert submitted_times(db, "r", "other wave") == []
        ids = list(load_responses(db, "r").frame["respondent_id"])
        assert len(ids) == 3
        assert coded_respondents(db, "r") == set(ids[1:])  # stored in the order submitted
    finally:
        db.dispose()


def test_without_codes_the_sources_table_is_as_before(state):
    rid = store_it(state, "plain")
    open_wave(state.db, rid, "phase three")
    answer(state.db, rid)
    assert coded_respondents(state.db, rid) is None
    table = sources_html(load_responses(state.db, rid), coded_respondents(state.db, rid))
    assert '<td>phase three</td><td>form</td><td class="pt-num">1</td>' in table
    assert coded_respondents(None, None) is None


def test_per_hour_and_busiest_minute_against_a_count_by_hand():
    stamps = [
        "2026-01-05T23:59:59Z",
        "2026-01-06T00:00:00Z",
        "2026-01-06T00:00:59Z",
        "2026-01-06T00:01:00Z",
        "2026-01-06T00:59:00Z",
    ]
    assert per_hour(stamps) == [("2026-01-05 23:00 UTC", 1, 1), ("2026-01-06 00:00 UTC", 4, 2)]
    assert busiest_minute(stamps) == ("2026-01-06 00:00 UTC", 2)
    assert busiest_minute(["2026-01-06T00:02:00Z", "2026-01-06T00:01:00Z"]) == (
        "2026-01-06 00:01 UTC",
        1,
    )


# -- the form page with codes ----------------------------------------------------------------------
def hidden(page: str) -> dict[str, str]:
    found = re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    return {html.unescape(m.group(1)): html.unescape(m.group(2)) for m in found}


class TestFormPageWithCodes(AsyncHTTPTestCase):
    """The participants' review form on a store in a temporary folder, codes issued in the app."""

    def get_app(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.path = Path(self.tmp.name) / "store.sqlite"
        self.db = open_review_store(self.path)
        self.app = ParticipantApp(db_path=self.path, log=logging.getLogger("pt-test-invites"))
        return tornado.web.Application(review_form_handlers(self.app))

    def tearDown(self) -> None:
        super().tearDown()
        self.app.shutdown()
        self.db.dispose()
        self.tmp.cleanup()

    def request(self, method: str, path: str, fields: dict | None = None, jar: dict | None = None):
        """One request from the phone whose cookies are ``jar`` (kept between requests)."""
        jar = self.jar if jar is None else jar
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}
        body = None
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(fields or {})
        r = self.fetch(path, method=method, body=body, headers=headers, follow_redirects=False)
        for value in r.headers.get_list("Set-Cookie"):
            k, v = value.split(";", 1)[0].split("=", 1)
            jar[k.strip()] = v.strip()
        return r.code, r.headers, r.body.decode("utf-8", "replace")

    def start(self, invite: str | None, jar: dict | None = None):
        status, _, page = self.request("GET", "/review-form/spring", jar=jar)
        assert status == 200, page
        fields = {**hidden(page), "action": "start"}
        if invite is not None:
            fields["invite"] = invite
        return self.request("POST", "/review-form/spring", fields, jar=jar)

    def test_the_page_refuses_without_a_code_and_takes_a_code_once(self):
        self.jar: dict[str, str] = {}
        create_review(self.db, "spring", "Spring review", load_instrument("ten_lessons"))
        open_wave(self.db, "spring", "phase one")
        state = ReviewState(db=self.db, db_path=self.path, instrument=None)
        state.review_id = "spring"
        feedback = Feedback()
        panel = FormPanel(state, feedback, lambda: BASE)
        panel.invites.issue_codes(2)
        codes = shown_codes(panel)
        assert len(set(codes)) == 2, feedback.last

        _, _, page = self.request("GET", "/review-form/spring")
        assert 'name="invite"' in page
        status, _, text = self.start(None)
        assert status == 400 and "Enter the invitation code you were given." in text
        status, _, text = self.start("ABCD-EFGH" if "ABCD-EFGH" not in codes else "ABCD-EFGJ")
        assert status == 400 and "not one issued for this review" in text

        status, headers, _ = self.start(codes[0].lower())  # typed in lower case
        assert status == 303 and headers["Location"].endswith("/page/1")
        resume = self.jar[RESUME_COOKIE]
        save_draft(self.db, "spring", resume, answers={"ud1": 5}, fields={"level": "Manager"})
        submit_draft(self.db, "spring", resume)
        panel.show()
        assert "used 1 of 2" in text_of(panel.invites.counts.value)

        status, _, text = self.start(codes[0], jar={})  # the same code again, another phone
        assert status == 400
        assert "That invitation code has already been used for a response" in html.unescape(text)
        assert load_responses(self.db, "spring").n == 1
        assert invite_code_counts(self.db, "spring") == {"issued": 2, "started": 1, "used": 1}
        # turned off in the app, the page no longer asks
        require_invite_codes(self.db, "spring", False)
        _, _, page = self.request("GET", "/review-form/spring")
        assert 'name="invite"' not in page


def test_the_button_says_how_many_codes_it_issues(state, feedback):
    panel = FormPanel(state, feedback, lambda: BASE)
    assert panel.invites.issue_button.description == "Issue 20 codes"
    panel.invites.count.value = 1
    assert panel.invites.issue_button.description == "Issue 1 code"
