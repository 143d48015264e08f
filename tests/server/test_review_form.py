"""The review form over HTTP (no browser), and the drafts behind it.

One ``partnership-tools serve`` runs for the module; each test makes its own review in the same
store. Expected stored answers come from what the test chose, never from the program's output.
Every refusal is one plain sentence on a page, and nothing a person typed is shown as markup.
"""

from __future__ import annotations

import hashlib
import html
import http.client
import json
import logging
import re
import sqlite3
import sys
import tempfile
import traceback
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import tornado.web
from tornado.testing import AsyncHTTPTestCase

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from partnership_tools.review import Instrument, load_instrument  # noqa: E402
from partnership_tools.server.handlers import (  # noqa: E402
    ANSWERS_NOT_SAVED,
    SERVER_FAULT,
    STORE_DOWN,
    ParticipantApp,
)
from partnership_tools.server.review_form import (  # noqa: E402
    RESUME_COOKIE,
    form_pages,
    review_form_handlers,
)
from partnership_tools.server.serve import ServerProcess  # noqa: E402
from partnership_tools.store.db import Database  # noqa: E402
from partnership_tools.store.drafts import (  # noqa: E402
    AlreadySubmitted,
    DraftError,
    WaveClosed,
    check_answer,
    check_field,
    close_wave,
    draft_counts,
    form_wave,
    load_draft,
    missing_required,
    normalise_code,
    open_wave,
    save_draft,
    start_draft,
    submit_draft,
)
from partnership_tools.store.reviews import (  # noqa: E402
    create_review,
    delete_review,
    load_responses,
    open_review_store,
)

XSS = "<img src=x onerror=alert(1)>"
_counter = iter(range(1, 10_000))

#: A small instrument whose pages are easy to walk: about you, two dimensions, comments.
FORM_INSTRUMENT = {
    "id": "form_check",
    "title": "Form check",
    "version": "0.1",
    "citation": "Test suite",
    "licence": "CC BY 4.0",
    "gap_threshold": 1.0,
    "coverage_field": "level",
    "scale": {
        "points": [
            {"value": 1, "label": "Strongly disagree"},
            {"value": 2, "label": "Disagree"},
            {"value": 3, "label": "Neither agree nor disagree"},
            {"value": 4, "label": "Agree"},
            {"value": 5, "label": "Strongly agree"},
        ],
        "positive": [4, 5],
        "negative": [1, 2],
        "dont_know": {"code": 8, "label": "Don't know"},
        "not_applicable": {"code": 9, "label": "Not applicable"},
    },
    "bands": {"strength": 4.0, "discuss": 3.0},
    "respondent_fields": [
        {
            "id": "level",
            "label": "Which level do you speak for?",
            "required": True,
            "values": ["Policy maker", "Manager", XSS],
        },
        {"id": "team", "label": "Your team", "required": False},
    ],
    "dimensions": [
        {
            "id": "A",
            "title": "Alpha",
            "min_valid_answers": 1,
            "items": [
                {"id": "a1", "text": "Alpha one is true."},
                {"id": "a2", "text": "Alpha two is false.", "reverse": True},
            ],
        },
        {
            "id": "B",
            "title": "Beta",
            "min_valid_answers": 1,
            "items": [{"id": "b1", "text": "Beta holds."}],
        },
    ],
}
ABOUT, PAGE_A, PAGE_B, COMMENTS = 1, 2, 3, 4


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return Instrument.from_dict(FORM_INSTRUMENT)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    work = tmp_path_factory.mktemp("review-form")
    notebooks = work / "notebooks"
    notebooks.mkdir()
    with ServerProcess(notebooks=notebooks, workdir=work) as srv:
        yield srv


@pytest.fixture(scope="module")
def db(server) -> Iterator[Database]:
    d = open_review_store(server.db_path)
    yield d
    d.dispose()


def make_review(db, instrument, wave: str | None = "phase one", title: str = "Spring review"):
    rid = f"r{next(_counter)}"
    create_review(db, rid, title, instrument)
    if wave is not None:
        open_wave(db, rid, wave)
    return rid


def stored(db, rid: str) -> list[dict]:
    """The stored responses, as plain dicts of what was answered."""
    frame = load_responses(db, rid).frame
    out = []
    for rec in frame.to_dict("records"):
        row = {"wave": rec["wave"], "comments": rec["comments"]}
        for k in ("level", "team"):
            if isinstance(rec[k], str):
                row[k] = rec[k]
        for k in ("a1", "a2", "b1"):
            if rec[k] == rec[k]:  # not NaN
                row[k] = int(rec[k])
        out.append(row)
    return out


# -- a tiny browser -----------------------------------------------------------------------------
class Client:
    """Keeps cookies, sends forms, returns (status, headers, text)."""

    def __init__(self, server: ServerProcess) -> None:
        self.host, self.port = server.host, server.port
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[str] = []

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        for name, value in r.getheaders():
            if name.lower() == "set-cookie":
                self.set_cookies.append(value)
                k, v = value.split(";", 1)[0].split("=", 1)
                self.cookies[k.strip()] = v.strip()
        conn.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, text

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, fields, content_type="application/x-www-form-urlencoded"):
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
        body = urllib.parse.urlencode(pairs).encode()
        return self.request("POST", path, body, {"Content-Type": content_type})


def hidden(page: str) -> dict[str, str]:
    out = {}
    for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page):
        out[html.unescape(m.group(1))] = html.unescape(m.group(2))
    return out


def errors(page: str) -> list[str]:
    """The messages in the page's error summary."""
    m = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    if not m:
        return []
    return [html.unescape(x) for x in re.findall(r'<a href="[^"]*">(.*?)</a>', m.group(0), re.S)]


def checked(page: str) -> set[str]:
    """Ids of the radio buttons shown checked."""
    return set(re.findall(r'<input type="radio" id="([^"]+)"[^>]* checked>', page))


def main_text(page: str) -> str:
    m = re.search(r"<main.*?</main>", page, re.S)
    return m.group(0) if m else page


def assert_plain(page: str) -> None:
    """No traceback, no raw markup from what people typed, no script."""
    assert "Traceback" not in page
    assert XSS not in page
    assert "<script" not in page


def base(rid: str, *parts: str) -> str:
    return "/".join(["/review-form", urllib.parse.quote(rid, safe=""), *parts])


def start(client: Client, rid: str) -> str:
    """Open the start page, press Start; returns page 1's HTML."""
    status, _, page = client.get(base(rid))
    assert status == 200, main_text(page)
    status, headers, _ = client.post(base(rid), {**hidden(page), "action": "start"})
    assert status == 303
    assert headers["location"] == base(rid, "page", "1")
    status, _, page = client.get(headers["location"])
    assert status == 200
    return page


def post_page(client: Client, rid: str, n: int, page: str, fields: dict, action: str = "next"):
    return client.post(base(rid, "page", str(n)), {**hidden(page), **fields, "action": action})


def fill(client: Client, rid: str, answers: dict[int, dict]) -> str:
    """Start and fill every page with ``answers[page number]``; returns the check page."""
    page = start(client, rid)
    for n in (ABOUT, PAGE_A, PAGE_B, COMMENTS):
        if n != ABOUT:
            status, _, page = client.get(base(rid, "page", str(n)))
            assert status == 200
        status, headers, text = post_page(client, rid, n, page, answers.get(n, {}))
        assert status == 303, errors(text) or main_text(text)
    assert headers["location"] == base(rid, "check")
    status, _, page = client.get(headers["location"])
    assert status == 200
    return page


ANSWERS = {
    ABOUT: {"field-level": "Manager", "field-team": "Housing"},
    PAGE_A: {"item-a1": "4", "item-a2": "8"},
    PAGE_B: {"item-b1": "2"},
    COMMENTS: {"comments": "More notice of meetings, please."},
}
EXPECTED = {
    "wave": "phase one",
    "comments": "More notice of meetings, please.",
    "level": "Manager",
    "team": "Housing",
    "a1": 4,
    "a2": 8,
    "b1": 2,
}


# -- the whole journey -----------------------------------------------------------------------------
def test_start_page_says_what_it_takes(server, db, instrument):
    rid = make_review(db, instrument)
    status, headers, page = Client(server).get(base(rid))
    assert status == 200
    text = main_text(page)
    assert "Spring review" in text and "Form check" in text
    assert "phase one" in text
    assert "3 statements" in text and "4 short pages" in text
    assert "stored without your name" in text and "at least 5 people" in text
    assert 'value="start"' in text
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"
    assert_plain(page)


def test_a_respondent_completes_the_form_once(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    check = fill(client, rid, ANSWERS)
    cookie = next(c for c in client.set_cookies if c.startswith(RESUME_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert f"Path={base(rid)}" in cookie
    text = html.unescape(main_text(check))
    assert "You answered 3 of 3 statements" in text
    for shown in ("Manager", "Housing", "Agree", "Don't know", "Disagree", "More notice"):
        assert shown in text
    assert stored(db, rid) == []  # nothing counts until it is submitted
    status, _, receipt = client.post(base(rid, "check"), {**hidden(check), "action": "submit"})
    assert status == 200, main_text(receipt)
    code = re.search(r'id="receipt-code">([^<]+)<', receipt).group(1)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert "phase one" in main_text(receipt) and "UTC" in main_text(receipt)
    assert stored(db, rid) == [EXPECTED]
    counts = draft_counts(db, rid)
    assert counts == {"started": 1, "submitted": 1}


def test_replayed_submission_is_refused_and_stored_once(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    check = fill(client, rid, ANSWERS)
    fields = {**hidden(check), "action": "submit"}
    assert client.post(base(rid, "check"), fields)[0] == 200
    for _ in range(2):  # the same request again, cookies and all
        status, _, page = client.post(base(rid, "check"), fields)
        assert status == 409
        assert "already submitted" in main_text(page) and "count once" in main_text(page)
        assert_plain(page)
    # a saved page of the submitted draft is refused too
    status, _, page = post_page(client, rid, PAGE_A, check, {"item-a1": "1"})
    assert status == 409 and "already submitted" in page
    assert stored(db, rid) == [EXPECTED]
    # the start page offers a fresh form, not the submitted one
    status, _, page = client.get(base(rid))
    assert status == 200 and "Welcome back" not in page and 'value="start"' in page


def test_two_respondents_in_turn_on_one_device(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    check = fill(client, rid, ANSWERS)
    assert client.post(base(rid, "check"), {**hidden(check), "action": "submit"})[0] == 200
    second = {**ANSWERS, ABOUT: {"field-level": "Policy maker"}, PAGE_B: {"item-b1": "5"}}
    check = fill(client, rid, second)
    assert client.post(base(rid, "check"), {**hidden(check), "action": "submit"})[0] == 200
    rows = stored(db, rid)
    assert rows[0] == EXPECTED
    second_expected = {k: v for k, v in EXPECTED.items() if k != "team"}
    assert rows[1] == {**second_expected, "level": "Policy maker", "b1": 5}


def test_resume_on_another_device_keeps_the_answers(server, db, instrument):
    rid = make_review(db, instrument)
    first = Client(server)
    page = start(first, rid)
    code = re.search(r'id="resume-code">([^<]+)<', page).group(1)
    assert re.search(rf"\?resume={re.escape(code)}", page)  # the resume link is shown
    status, _, _ = post_page(first, rid, ABOUT, page, ANSWERS[ABOUT])
    assert status == 303
    _, _, page = first.get(base(rid, "page", str(PAGE_A)))
    status, _, saved = post_page(first, rid, PAGE_A, page, ANSWERS[PAGE_A], action="later")
    assert status == 200
    assert "Your answers are saved" in saved and code in saved

    other = Client(server)  # another phone: no cookie, only the code (typed in lower case)
    status, _, page = other.get(base(rid) + "?" + urllib.parse.urlencode({"resume": code.lower()}))
    assert status == 200
    assert "Welcome back" in page and "2 of 3 statements" in page
    assert RESUME_COOKIE in other.cookies
    continue_url = html.unescape(re.search(r'href="([^"]+)" id="continue-link"', page).group(1))
    assert continue_url == base(rid, "page", str(PAGE_B))  # the first page not yet saved
    status, _, page = other.get(base(rid, "page", str(PAGE_A)))
    assert status == 200
    assert {"item-a1-4", "item-a2-8"} <= checked(page)
    status, _, page = other.get(base(rid, "page", str(ABOUT)))
    assert "field-level-2" in checked(page) and 'value="Housing"' in page


def test_resuming_a_finished_draft_goes_to_the_check_page(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    fill(client, rid, ANSWERS)
    status, _, page = client.get(base(rid))  # the same device, later
    assert status == 200 and "Welcome back" in page
    continue_url = html.unescape(re.search(r'href="([^"]+)" id="continue-link"', page).group(1))
    assert continue_url == base(rid, "check")


def test_wrong_or_used_resume_codes_get_one_sentence(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    for code in ("NOPE-NOPE1", XSS, "x" * 80):
        status, _, page = client.get(base(rid) + "?" + urllib.parse.urlencode({"resume": code}))
        assert status == 400
        assert errors(page) == [
            "That resume code does not match any saved answers for this review; check it and"
            " try again."
        ]
        assert_plain(page)
    # a code from another review does not open this one
    other = make_review(db, instrument)
    draft, code = start_draft(db, other)
    status, _, page = client.get(base(rid) + "?resume=" + code)
    assert status == 400
    # a submitted draft's code says so
    save_draft(db, other, code, fields={"level": "Manager"})
    submit_draft(db, other, code)
    status, _, page = client.get(base(other) + "?resume=" + code)
    assert status == 400 and "already been submitted" in errors(page)[0]


def test_back_goes_to_the_previous_page_and_saves(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    page = start(client, rid)
    post_page(client, rid, ABOUT, page, ANSWERS[ABOUT])
    _, _, page = client.get(base(rid, "page", str(PAGE_A)))
    status, headers, _ = post_page(client, rid, PAGE_A, page, {"item-a1": "5"}, action="back")
    assert status == 303 and headers["location"] == base(rid, "page", str(ABOUT))
    code = client.cookies[RESUME_COOKIE]
    assert load_draft(db, rid, code).answers == {"a1": 5}


# -- bad input: one sentence, answers kept -------------------------------------------------------------
def test_missing_required_field_is_named_and_answers_kept(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    page = start(client, rid)
    status, _, page = post_page(client, rid, ABOUT, page, {"field-team": XSS})
    assert status == 400
    assert errors(page) == [
        "Choose an answer to “Which level do you speak for?”: it is needed to count your response."
    ]
    assert 'href="#field-level-1"' in page  # the summary links to the first radio
    assert html.escape(XSS, quote=True) in page  # the team typed is kept, escaped
    assert_plain(page)
    # "finish later" does not insist on it
    status, _, _ = post_page(client, rid, ABOUT, page, {"field-team": "Housing"}, action="later")
    assert status == 200


def test_value_not_on_the_scale_is_refused_and_the_rest_kept(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    page = start(client, rid)
    post_page(client, rid, ABOUT, page, ANSWERS[ABOUT])
    _, _, page = client.get(base(rid, "page", str(PAGE_A)))
    for bad in ("7", "0", "4.5", "Agree", XSS, "-1"):
        status, _, text = post_page(client, rid, PAGE_A, page, {"item-a1": bad, "item-a2": "2"})
        assert status == 400, bad
        assert errors(text) == [
            "The answer to “Alpha one is true.” is not one of the choices; choose one of them."
        ]
        assert 'href="#item-a1-1"' in text
        assert "item-a2-2" in checked(text)  # the other answer is kept
        assert_plain(text)
    assert load_draft(db, rid, client.cookies[RESUME_COOKIE]).answers == {}


def test_unknown_statement_and_field_are_refused(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    page = start(client, rid)
    post_page(client, rid, ABOUT, page, ANSWERS[ABOUT])
    _, _, page = client.get(base(rid, "page", str(PAGE_A)))
    cases = [
        ({"item-zz9": "3"}, "The form named a statement that is not in this review."),
        ({"field-age": "40"}, "The form named a question about you that this review does not ask."),
        ({"favourite": "x"}, "The form sent something this page does not ask for"),
        ({"item-" + XSS: "3"}, "The form named a statement that is not in this review."),
    ]
    for extra, message in cases:
        status, _, text = post_page(client, rid, PAGE_A, page, {"item-a1": "4", **extra})
        assert status == 400, extra
        assert len(errors(text)) == 1 and errors(text)[0].startswith(message)
        assert "item-a1-4" in checked(text)
        assert_plain(text)
    assert load_draft(db, rid, client.cookies[RESUME_COOKIE]).answers == {}


def test_field_value_not_allowed_is_refused(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    page = start(client, rid)
    status, _, text = post_page(client, rid, ABOUT, page, {"field-level": "Chief executive"})
    assert status == 400
    assert errors(text) == [
        "The answer to “Which level do you speak for?” is not one of the choices; choose one of them."
    ]
    assert_plain(text)


def test_too_long_comment_is_refused_and_kept(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    page = start(client, rid)
    post_page(client, rid, ABOUT, page, ANSWERS[ABOUT])
    _, _, page = client.get(base(rid, "page", str(COMMENTS)))
    long_text = XSS + " " + "a" * 1600
    status, _, text = post_page(client, rid, COMMENTS, page, {"comments": long_text})
    assert status == 400
    assert errors(text) == ["Your comment is 1,629 characters long; shorten it to 1,500 or fewer."]
    assert html.escape(long_text, quote=False) in text  # kept in the textarea, escaped
    assert_plain(text)


def test_field_sent_twice_and_missing_action_are_refused(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    page = start(client, rid)
    fields = [*hidden(page).items(), ("field-level", "Manager"), ("field-level", "Policy maker")]
    status, _, text = client.post(base(rid, "page", "1"), [*fields, ("action", "next")])
    assert status == 400 and "sent a field twice" in text
    status, _, text = client.post(base(rid, "page", "1"), list(hidden(page).items()))
    assert status == 400 and "did not say what to do" in text
    status, _, text = client.post(base(rid), {**hidden(page), "action": "start", "x": "1"})
    assert status == 400
    assert_plain(text)


def test_csrf_protection(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    page = start(client, rid)
    good = {**hidden(page), **ANSWERS[ABOUT], "action": "next"}
    cases = [
        ({k: v for k, v in good.items() if k != "form_sig"}, None, "incomplete"),
        ({**good, "form_sig": "0" * 64}, None, "not issued to this browser"),
        (good, "no-csrf-cookie", "did not send back this page's cookie"),
    ]
    for fields, drop, message in cases:
        other = Client(server)
        other.cookies = dict(client.cookies)
        if drop:
            other.cookies.pop("pt_csrf")
        status, _, text = other.post(base(rid, "page", "1"), fields)
        assert status == 403 and message in html.unescape(text), message
        assert_plain(text)
    # a form from another browser (its own CSRF cookie) is refused
    stranger = Client(server)
    stranger.get(base(rid))
    stranger.cookies[RESUME_COOKIE] = client.cookies[RESUME_COOKIE]
    status, _, _ = stranger.post(base(rid, "page", "1"), good)
    assert status == 403
    assert load_draft(db, rid, client.cookies[RESUME_COOKIE]).fields == {}


def test_other_content_types_and_large_bodies(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    page = start(client, rid)
    body = json.dumps({**hidden(page), "action": "next"}).encode()
    status, _, text = client.request(
        "POST", base(rid, "page", "1"), body, {"Content-Type": "application/json"}
    )
    assert status == 400 and "accepts only the form" in text
    status, _, text = post_page(client, rid, ABOUT, page, {"field-team": "x" * 40_000})
    assert status == 413
    assert "shorten your comment" in main_text(text)
    assert_plain(text)


def test_without_a_draft_the_pages_send_you_to_the_start(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    _, _, page = client.get(base(rid))
    for path in (base(rid, "page", "1"), base(rid, "check")):
        status, _, text = client.get(path)
        assert status == 403
        assert "could not be found in this browser" in text
        assert f'href="{base(rid)}"' in text
    client.cookies[RESUME_COOKIE] = "ZZZZZZZZZZ"
    status, _, text = post_page(client, rid, ABOUT, page, ANSWERS[ABOUT])
    assert status == 403


def test_unknown_review_and_paths_get_plain_404(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    for path in (
        "/review-form/no-such-review",
        "/review-form/no-such-review/page/1",
        base(rid, "page", "99"),
        base(rid, "page", "0"),
        base(rid, "elsewhere"),
        "/review-form/",
        "/review-form/" + urllib.parse.quote(XSS, safe=""),
    ):
        status, headers, text = client.get(path)
        assert status == 404, path
        assert "content-security-policy" in headers
        assert_plain(text)


# -- open and closed waves ------------------------------------------------------------------------------
def test_a_review_not_open_takes_no_responses(server, db, instrument):
    rid = make_review(db, instrument, wave=None)
    client = Client(server)
    status, _, page = client.get(base(rid))
    assert status == 200
    assert "not taking responses" in main_text(page)
    assert 'value="start"' not in page
    # a forged start (a token from another review's page) is refused too
    other = make_review(db, instrument)
    _, _, open_page = client.get(base(other))
    status, _, text = client.post(base(rid), {**hidden(open_page), "action": "start"})
    assert status == 409 and "not taking responses" in text
    assert draft_counts(db, rid)["started"] == 0


def test_closing_the_wave_stops_drafts_in_progress(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    check = fill(client, rid, ANSWERS)
    close_wave(db, rid)
    status, _, text = client.post(base(rid, "check"), {**hidden(check), "action": "submit"})
    assert status == 409 and "not taking responses" in text
    status, _, text = post_page(client, rid, PAGE_A, check, {"item-a1": "1"})
    assert status == 409
    assert_plain(text)
    # a new wave opens: the old wave's draft still cannot be submitted
    open_wave(db, rid, "phase two")
    status, _, text = client.post(base(rid, "check"), {**hidden(check), "action": "submit"})
    assert status == 409 and "Responses to phase one have closed" in text
    assert stored(db, rid) == []


def test_submit_without_the_required_field_points_back_to_it(server, db, instrument):
    rid = make_review(db, instrument)
    client = Client(server)
    page = start(client, rid)
    status, _, _ = post_page(client, rid, ABOUT, page, {"field-team": "Housing"}, action="later")
    assert status == 200
    _, _, check = client.get(base(rid, "check"))
    status, _, text = client.post(base(rid, "check"), {**hidden(check), "action": "submit"})
    assert status == 400
    assert errors(text)[0].startswith("Choose an answer to “Which level do you speak for?”")
    assert f'href="{base(rid, "page", "1")}#field-level-1"' in text
    assert stored(db, rid) == []


# -- escaping --------------------------------------------------------------------------------------------
def test_text_people_typed_is_shown_as_text(server, db, instrument):
    rid = make_review(db, instrument, wave=XSS, title=f"Review {XSS}")
    client = Client(server)
    page = start(client, rid)
    assert html.escape(XSS, quote=True) in page or html.escape(XSS, quote=False) in page
    fields = {"field-level": XSS, "field-team": XSS}
    status, _, _ = post_page(client, rid, ABOUT, page, fields)
    assert status == 303
    _, _, page = client.get(base(rid, "page", str(COMMENTS)))
    post_page(client, rid, COMMENTS, page, {"comments": XSS})
    status, _, check = client.get(base(rid, "check"))
    assert status == 200
    assert check.count(html.escape(XSS, quote=True)) >= 4  # title, wave, level, team, comment
    assert_plain(check)
    status, _, receipt = client.post(base(rid, "check"), {**hidden(check), "action": "submit"})
    assert status == 200
    assert_plain(receipt)
    assert stored(db, rid)[0]["level"] == XSS and stored(db, rid)[0]["comments"] == XSS


# -- the drafts module ------------------------------------------------------------------------------------
@pytest.fixture
def memory(instrument, store_target):
    """A store of its own (an SQLite file, a fresh PostgreSQL database) with one review."""
    d = open_review_store(store_target)
    create_review(d, "rv", "Review", instrument)
    yield d
    d.dispose()


def all_text(d: Database) -> str:
    """Every value in every table of the store, as one text."""
    parts = []
    with d.read() as c:
        for table in sa.inspect(c).get_table_names():
            for row in c.execute(sa.text(f"SELECT * FROM {table}")).all():
                parts.extend(str(v) for v in row)
    return "\n".join(parts)


def count(d: Database, table: str) -> int:
    with d.read() as c:
        return int(c.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def test_drafts_store_only_the_hash_of_the_code(memory):
    open_wave(memory, "rv", "phase one")
    draft, code = start_draft(memory, "rv")
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code)
    dumped = all_text(memory)
    # the table keeps the SHA-256 of the code without its dash
    assert hashlib.sha256(code.replace("-", "").encode()).hexdigest() in dumped
    assert normalise_code(code) not in dumped and code not in dumped
    assert load_draft(memory, "rv", code.lower().replace("-", " ")) is not None
    assert load_draft(memory, "rv", "") is None and load_draft(memory, "other", code) is None


def test_draft_merges_and_clears_answers(memory):
    open_wave(memory, "rv", "w1")
    _, code = start_draft(memory, "rv")
    save_draft(memory, "rv", code, answers={"a1": 4, "a2": 2}, page="dim-A")
    d = save_draft(memory, "rv", code, answers={"a2": None, "b1": 9}, fields={"level": "Manager"})
    assert d.answers == {"a1": 4, "b1": 9} and d.fields == {"level": "Manager"}
    assert d.pages == ("dim-A",)
    assert load_draft(memory, "rv", code) == d


def test_submit_checks_required_fields_and_counts_once(memory):
    open_wave(memory, "rv", "w1")
    _, code = start_draft(memory, "rv")
    save_draft(memory, "rv", code, answers={"a1": 5})
    with pytest.raises(DraftError, match="Which level do you speak for"):
        submit_draft(memory, "rv", code)
    save_draft(memory, "rv", code, fields={"level": "Policy maker"}, comments="  fine  ")
    receipt = submit_draft(memory, "rv", code)
    assert receipt.wave == "w1" and receipt.answered == 1
    with pytest.raises(AlreadySubmitted) as info:
        submit_draft(memory, "rv", code)
    assert info.value.receipt == receipt.code
    with pytest.raises(AlreadySubmitted):
        save_draft(memory, "rv", code, answers={"a1": 1})
    rows = load_responses(memory, "rv").frame
    assert len(rows) == 1 and rows["comments"][0] == "fine" and rows["a1"][0] == 5
    # the answers are not kept in the draft once submitted
    assert load_draft(memory, "rv", code).answers == {}


def test_form_submissions_are_appended_to_imported_responses(memory, instrument):
    from partnership_tools.review.responses import Responses
    from partnership_tools.store.reviews import save_responses

    save_responses(
        memory,
        "rv",
        Responses.from_records(instrument, [{"wave": "w1", "a1": 2, "level": "Manager"}]),
    )
    open_wave(memory, "rv", "w1")
    _, code = start_draft(memory, "rv")
    save_draft(memory, "rv", code, answers={"a1": 3}, fields={"level": "Manager"})
    submit_draft(memory, "rv", code)
    assert list(load_responses(memory, "rv").frame["a1"]) == [2.0, 3.0]


def test_waves_open_and_close(memory):
    assert form_wave(memory, "rv") is None
    with pytest.raises(WaveClosed):
        start_draft(memory, "rv")
    with pytest.raises(DraftError, match="Name the wave"):
        open_wave(memory, "rv", "   ")
    with pytest.raises(DraftError, match="at most 80"):
        open_wave(memory, "rv", "w" * 81)
    with pytest.raises(DraftError, match="no review"):
        open_wave(memory, "nope", "w1")
    state = open_wave(memory, "rv", "  phase   one ")
    assert state.wave == "phase one" and state.open
    closed = close_wave(memory, "rv")
    assert not closed.open and closed.closed_at
    assert open_wave(memory, "rv", "phase two").open


def test_deleting_a_review_deletes_its_drafts(memory):
    open_wave(memory, "rv", "w1")
    _, code = start_draft(memory, "rv")
    assert count(memory, "review_drafts") == 1 and count(memory, "review_form_waves") == 1
    delete_review(memory, "rv")
    assert count(memory, "review_drafts") == 0
    assert count(memory, "review_form_waves") == 0


def test_checking_values_against_the_instrument(instrument):
    assert check_answer(instrument, "a1", " 9 ") == 9
    assert check_answer(instrument, "a1", "") is None
    for bad in ("6", "x", "3.0"):
        with pytest.raises(DraftError, match="not one of the choices"):
            check_answer(instrument, "a1", bad)
    with pytest.raises(DraftError, match="not in this review"):
        check_answer(instrument, "nope", "3")
    assert check_field(instrument, "level", " manager ") == "Manager"
    assert check_field(instrument, "team", "  Adult   care ") == "Adult care"
    assert check_field(instrument, "level", "") is None
    with pytest.raises(DraftError, match="not one of the choices"):
        check_field(instrument, "level", "Boss")
    with pytest.raises(DraftError, match="too long"):
        check_field(instrument, "team", "t" * 201)
    assert [p.field for p in missing_required(instrument, {})] == ["field-level"]


def test_form_pages_follow_the_instrument(instrument):
    pages = form_pages(instrument)
    assert [p.key for p in pages] == ["about", "dim-A", "dim-B", "comments"]
    assert [p.number for p in pages] == [1, 2, 3, 4]
    shipped = form_pages(load_instrument("ten_lessons"))
    assert len(shipped) == 12 and shipped[0].title == "About you"


# -- a failing store: one sentence on the page, the traceback in the log ----------------------------------
class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class TestServerFault(AsyncHTTPTestCase):
    def get_app(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.log = logging.getLogger("pt-test-review-form-fault")
        self.log.propagate = False
        self.records = _Records()
        self.log.addHandler(self.records)
        # The "store" is a folder: every store call fails inside the thread pool. The form key
        # is given (it is otherwise the store's shared secret, which cannot be read here).
        self.app = ParticipantApp(db_path=self.tmp.name, log=self.log, secret=b"k" * 32)
        return tornado.web.Application(review_form_handlers(self.app))

    def tearDown(self) -> None:
        super().tearDown()
        self.log.removeHandler(self.records)
        self.tmp.cleanup()

    def test_unopenable_store_gives_503_with_one_sentence_and_a_log_line(self):
        # Issue 12: an unopenable store is not "something went wrong": it says the vote (or
        # the answers) could not be saved, and the log says what is wrong with the store.
        cookie = "a" * 32
        form = f"form_token=x&form_sig={self.app.sign(cookie, 'x')}&action=start"
        for method, path, body in (
            ("GET", "/review-form/anything", None),
            ("GET", "/review-form/anything/page/1", None),
            ("POST", "/review-form/anything", form),
        ):
            response = self.fetch(
                path,
                method=method,
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": "pt_csrf=" + cookie,
                },
            )
            text = response.body.decode()
            assert response.code == 503, (method, response.code)
            assert (ANSWERS_NOT_SAVED if method == "POST" else STORE_DOWN) in text
            assert response.headers.get("Retry-After")
            assert "Traceback" not in text and "sqlite" not in text.lower()
            assert "Partnership review" in text  # the review form's own page, not the ballot's
        logged = " ".join(r.getMessage() for r in self.records.records)
        assert "cannot be written because its file cannot be opened" in logged

    def test_store_failure_shows_one_sentence_and_logs_the_traceback(self):
        async def broken(fn, *args):
            raise sqlite3.OperationalError("no such table: sessions")

        self.app.run = broken  # type: ignore[method-assign]
        cookie = "a" * 32
        form = f"form_token=x&form_sig={self.app.sign(cookie, 'x')}&action=start"
        for method, path, body in (
            ("GET", "/review-form/anything", None),
            ("GET", "/review-form/anything/page/1", None),
            ("POST", "/review-form/anything", form),
        ):
            response = self.fetch(
                path,
                method=method,
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": "pt_csrf=" + cookie,
                },
            )
            text = response.body.decode()
            assert response.code == 500, (method, path, response.code)
            assert SERVER_FAULT in text
            assert "Traceback" not in text and "sqlite" not in text.lower()
            assert "Partnership review" in text  # the review form's own page, not the ballot's
        failures = [r for r in self.records.records if r.exc_info]
        assert failures and "OperationalError" in "".join(
            traceback.format_exception(*failures[0].exc_info)
        )


def test_the_main_server_never_builds_the_resume_link_from_the_host_header(server, db, instrument):
    # Issue 12: the pages served by the main Jupyter server (not only the participants'
    # listener) build absolute links from the configured address, never from ``Host``.
    rid = make_review(db, instrument)
    client = Client(server)
    real = client.request
    client.request = lambda method, path, body=None, headers=None: real(  # type: ignore[method-assign]
        method, path, body, {**(headers or {}), "Host": "evil.example:8080"}
    )
    page = start(client, rid)
    assert "evil.example" not in page
    link = html.unescape(re.search(r'<p class="resume-link"><a href="([^"]+)"', page).group(1))
    assert "?resume=" in link and "evil.example" not in link
