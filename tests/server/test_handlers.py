"""The ballot pages over HTTP (no browser): every bad input gets a plain page and stores nothing.

One ``partnership-tools serve`` runs for the module; each test makes its own session in the same
store. Expected stored rankings come from what the test chose, never from the program's output.
"""

from __future__ import annotations

import html
import http.client
import logging
import re
import sqlite3
import sys
import tempfile
import traceback
import urllib.parse
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import tornado.web
from tornado.testing import AsyncHTTPTestCase

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from partnership_tools.server.handlers import (  # noqa: E402
    SERVER_FAULT,
    STORE_DOWN,
    VOTE_NOT_SAVED,
    ParticipantApp,
    participant_handlers,
)
from partnership_tools.server.serve import ServerProcess  # noqa: E402
from partnership_tools.store import Store  # noqa: E402
from partnership_tools.store.integrity import set_ballot_mode  # noqa: E402
from partnership_tools.vote.model import Option  # noqa: E402

XSS = "<img src=x onerror=alert(1)>"
_counter = iter(range(1, 10_000))


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    work = tmp_path_factory.mktemp("handlers")
    notebooks = work / "notebooks"
    notebooks.mkdir()
    with ServerProcess(notebooks=notebooks, workdir=work) as srv:
        yield srv


@pytest.fixture(scope="module")
def store(server) -> Iterator[Store]:
    s = Store(server.db_path)
    yield s
    s.close()


def make_session(
    store: Store,
    labels: Sequence[str] = ("Alpha", "Beta", "Gamma", "Delta"),
    groups: Sequence[str] = ("Managers", "Citizens"),
    question: str = "Which way?",
    codes: int = 0,
    open_round: bool = True,
    mode: str | None = None,
) -> tuple[str, list[str]]:
    sid = f"t{next(_counter)}"
    store.create_session(question, groups=groups, session_id=sid)
    if mode is not None:
        set_ballot_mode(store, sid, mode)
    ids = [chr(ord("A") + i) for i in range(len(labels))]
    store.add_options(sid, [Option(i, lab) for i, lab in zip(ids, labels, strict=True)])
    issued: list[str] = []
    if codes:
        issued = store.issue_codes(sid, codes, seed=len(sid))
    if open_round:
        store.open_round(sid, ids)
    return sid, issued


class Client:
    """A tiny browser: keeps cookies, sends forms, returns (status, headers, text)."""

    def __init__(self, server: ServerProcess) -> None:
        self.host, self.port = server.host, server.port
        self.cookies: dict[str, str] = {}

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
                k, v = value.split(";", 1)[0].split("=", 1)
                self.cookies[k.strip()] = v.strip()
        conn.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, text

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, fields, content_type="application/x-www-form-urlencoded"):
        body = urllib.parse.urlencode(list(fields.items()) if isinstance(fields, dict) else fields)
        return self.request("POST", path, body.encode(), {"Content-Type": content_type})


def hidden(page: str) -> dict[str, str]:
    """The hidden inputs of a page (form_token, form_sig, and the review page's state)."""
    out = {}
    for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page):
        out[html.unescape(m.group(1))] = html.unescape(m.group(2))
    return out


def shown_order(page: str) -> list[str]:
    return [
        html.unescape(m) for m in re.findall(r'<select id="rank-\d+" name="rank-([^"]+)"', page)
    ]


def ballot_fields(page: str, ranking: Sequence[str], group: str | None = "-", code=None):
    """Form fields that rank ``ranking`` (ids, first choice first) on a ballot page."""
    fields = {k: v for k, v in hidden(page).items() if k in ("form_token", "form_sig")}
    for oid in shown_order(page):
        fields[f"rank-{oid}"] = str(ranking.index(oid) + 1) if oid in ranking else ""
    if group is not None:
        fields["group"] = group
    if code is not None:
        fields["code"] = code
    return fields


def vote(client: Client, sid: str, ranking, group="-", code=None):
    """Load the page, review, cast; return (review page, receipt status, receipt page, order)."""
    status, _, page = client.get(f"/vote/{sid}")
    assert status == 200, page
    order = shown_order(page)
    fields = ballot_fields(page, ranking, group, code)
    status, _, review = client.post(f"/vote/{sid}", {**fields, "action": "review"})
    assert status == 200, review
    status, _, receipt = client.post(f"/vote/{sid}", {**hidden(review), "action": "cast"})
    return review, status, receipt, order


def stored(store: Store, sid: str, number: int = 1):
    return [b for _, b in store.ballots(sid, number)]


def assert_plain(page: str) -> None:
    assert "Traceback" not in page and 'File "' not in page


# -- the happy path ------------------------------------------------------------------------------
def test_full_ballot_is_reviewed_then_stored_with_its_shown_order(server, store):
    sid, _ = make_session(store)
    client = Client(server)
    review, status, receipt, order = vote(client, sid, ["C", "A", "D", "B"], group="Managers")
    assert '1st choice:</span> <span class="choice">Gamma' in review
    assert "Cast my vote" in review and "Change my vote" in review
    assert status == 200
    assert "Your vote has been cast" in receipt
    assert re.search(r'id="receipt-code">[0-9A-F]{10}<', receipt)
    assert "You can close this page" in receipt
    [ballot] = stored(store, sid)
    assert ballot.ranking == ("C", "A", "D", "B")
    assert ballot.group == "Managers"
    assert ballot.shown_order == tuple(order)
    assert ballot.source == "web"
    assert ballot.participant_hash is None


def test_partial_ballot_and_prefer_not_to_say(server, store):
    sid, _ = make_session(store)
    review, status, receipt, _ = vote(Client(server), sid, ["B", "D"], group="-")
    assert "Not ranked (no points from you)" in review
    assert "You ranked 2 of 4 options" in review
    assert "Prefer not to say" in review
    assert status == 200
    [ballot] = stored(store, sid)
    assert ballot.ranking == ("B", "D")
    assert ballot.group is None


def test_order_is_shuffled_per_page_load(server, store):
    sid, _ = make_session(store, labels=[f"Option {i}" for i in range(6)])
    client = Client(server)
    orders = {tuple(shown_order(client.get(f"/vote/{sid}")[2])) for _ in range(12)}
    assert len(orders) > 1
    assert all(sorted(o) == list("ABCDEF") for o in orders)


def test_change_goes_back_to_the_form_with_choices_kept(server, store):
    sid, _ = make_session(store)
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid}")
    fields = ballot_fields(page, ["D", "A"], "Citizens")
    _, _, review = client.post(f"/vote/{sid}", {**fields, "action": "review"})
    status, _, again = client.post(f"/vote/{sid}", {**hidden(review), "action": "change"})
    assert status == 200
    assert shown_order(again) == shown_order(page)
    idx = shown_order(again).index("D") + 1
    block = again.split(f'id="rank-{idx}"', 1)[1].split("</select>", 1)[0]
    assert '<option value="1" selected>' in block
    assert 'value="Citizens" checked' in again
    # The same form (token) still casts, once.
    fields = ballot_fields(again, ["A"], "Citizens")
    _, _, review = client.post(f"/vote/{sid}", {**fields, "action": "review"})
    status, _, _ = client.post(f"/vote/{sid}", {**hidden(review), "action": "cast"})
    assert status == 200
    assert [b.ranking for b in stored(store, sid)] == [("A",)]


def test_two_pages_in_one_browser_both_work(server, store):
    # In the "open" mode both ballots count (the default, one per browser, keeps the second).
    sid, _ = make_session(store, mode="open")
    client = Client(server)
    _, _, first = client.get(f"/vote/{sid}")
    _, _, second = client.get(f"/vote/{sid}")
    for page, ranking in ((first, ["A"]), (second, ["B"])):
        status, _, _ = client.post(
            f"/vote/{sid}", {**ballot_fields(page, ranking), "action": "cast"}
        )
        assert status == 200
    assert sorted(b.ranking for b in stored(store, sid)) == [("A",), ("B",)]


# -- forged and replayed forms -------------------------------------------------------------------
def test_forged_token_is_refused(server, store):
    sid, _ = make_session(store)
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid}")
    fields = ballot_fields(page, ["A"])
    fields["form_token"] = "forged-token-forged-token-forged"
    status, _, text = client.post(f"/vote/{sid}", {**fields, "action": "cast"})
    assert status == 403
    assert "not accepted" in text
    assert_plain(text)
    assert stored(store, sid) == []


def test_wrong_signature_is_refused(server, store):
    sid, _ = make_session(store)
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid}")
    fields = ballot_fields(page, ["A"])
    fields["form_sig"] = "0" * 64
    status, _, text = client.post(f"/vote/{sid}", {**fields, "action": "cast"})
    assert status == 403
    assert "not issued to this browser" in text
    assert stored(store, sid) == []


def test_form_from_another_browser_is_refused(server, store):
    sid, _ = make_session(store)
    victim, attacker = Client(server), Client(server)
    _, _, page = attacker.get(f"/vote/{sid}")
    _, _, _ = victim.get(f"/vote/{sid}")  # the victim has its own cookie
    status, _, _ = victim.post(f"/vote/{sid}", {**ballot_fields(page, ["A"]), "action": "cast"})
    assert status == 403
    assert stored(store, sid) == []


def test_missing_cookie_is_refused(server, store):
    sid, _ = make_session(store)
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid}")
    client.cookies.clear()
    status, _, text = client.post(f"/vote/{sid}", {**ballot_fields(page, ["A"]), "action": "cast"})
    assert status == 403
    assert "cookie" in text
    assert stored(store, sid) == []


def test_missing_token_is_refused(server, store):
    sid, _ = make_session(store)
    client = Client(server)
    client.get(f"/vote/{sid}")
    status, _, text = client.post(f"/vote/{sid}", {"rank-A": "1", "action": "cast"})
    assert status == 403
    assert_plain(text)


def test_replayed_submission_returns_the_original_receipt_and_is_stored_once(server, store):
    # Issue 12: a retried form gets its ORIGINAL receipt back (it used to get a 403 page).
    sid, _ = make_session(store, mode="open")
    client = Client(server)
    review, status, receipt, _ = vote(client, sid, ["A", "B"])
    assert status == 200
    code = re.search(r'id="receipt-code">([0-9A-F]{10})<', receipt).group(1)
    for action in ("cast", "review"):
        status, _, text = client.post(f"/vote/{sid}", {**hidden(review), "action": action})
        assert status == 200
        assert f'id="receipt-code">{code}<' in text
        assert "had already been cast" in text
    assert [b.ranking for b in stored(store, sid)] == [("A", "B")]


def test_token_for_another_session_is_refused(server, store):
    sid1, _ = make_session(store)
    sid2, _ = make_session(store)
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid1}")
    status, _, _ = client.post(f"/vote/{sid2}", {**ballot_fields(page, ["A"]), "action": "cast"})
    assert status == 403
    assert stored(store, sid1) == [] and stored(store, sid2) == []


# -- bad input -------------------------------------------------------------------------------------
def test_oversized_body_gets_413(server, store):
    sid, _ = make_session(store)
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid}")
    fields = {**ballot_fields(page, ["A"]), "action": "cast", "code": "x" * 40_000}
    status, _, text = client.post(f"/vote/{sid}", fields)
    assert status == 413
    assert "too large" in text
    assert_plain(text)
    assert stored(store, sid) == []


@pytest.mark.parametrize(
    ("ranks", "message"),
    [
        ({"A": "1", "B": "1"}, "the same rank (1st)"),
        ({"A": "1", "B": "3"}, "You skipped 2nd"),
        ({"A": "x"}, "cannot be counted"),
        ({"A": "9"}, "cannot be counted"),
        ({"A": "1.5"}, "cannot be counted"),
        ({}, "Rank at least one option"),
    ],
)
def test_invalid_rankings_are_refused_with_a_plain_message(server, store, ranks, message):
    sid, _ = make_session(store)
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid}")
    fields = {k: v for k, v in hidden(page).items()}
    fields.update({f"rank-{o}": ranks.get(o, "") for o in shown_order(page)})
    fields["group"] = "Managers"
    for action in ("review", "cast"):
        status, _, text = client.post(f"/vote/{sid}", {**fields, "action": action})
        assert status == 400
        assert "There is a problem" in text
        assert html.escape(message, quote=False) in text or message in html.unescape(text)
        assert shown_order(text) == shown_order(page)  # the form again, same order
        assert 'value="Managers" checked' in text  # choices kept
        assert_plain(text)
    assert stored(store, sid) == []


def test_duplicate_rank_names_both_options_and_keeps_choices(server, store):
    sid, _ = make_session(store, labels=("Alpha", "Beta", "Gamma"))
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid}")
    fields = {**ballot_fields(page, []), "rank-A": "1", "rank-C": "1", "action": "review"}
    status, _, text = client.post(f"/vote/{sid}", fields)
    assert status == 400
    text = html.unescape(text)
    assert "“Alpha”" in text and "“Gamma”" in text
    assert text.count('aria-invalid="true"') == 1
    assert stored(store, sid) == []


def test_unknown_option_id_is_refused(server, store):
    sid, _ = make_session(store)
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid}")
    fields = {**ballot_fields(page, ["A"]), "rank-Z": "2", "action": "cast"}
    status, _, text = client.post(f"/vote/{sid}", fields)
    assert status == 400
    assert "not on this round" in text
    assert stored(store, sid) == []


def test_unknown_field_and_group_are_refused(server, store):
    sid, _ = make_session(store)
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid}")
    status, _, text = client.post(
        f"/vote/{sid}", {**ballot_fields(page, ["A"]), "admin": "1", "action": "cast"}
    )
    assert status == 400 and "does not know" in text
    status, _, text = client.post(
        f"/vote/{sid}", {**ballot_fields(page, ["A"], group="Aliens"), "action": "cast"}
    )
    assert status == 400 and "not one of this vote's groups" in html.unescape(text)
    status, _, text = client.post(
        f"/vote/{sid}", {**ballot_fields(page, ["A"], group=None), "action": "cast"}
    )
    assert status == 400 and "Choose the group you belong to" in text
    fields = ballot_fields(page, ["A"])
    status, _, text = client.post(
        f"/vote/{sid}", [*fields.items(), ("rank-A", "2"), ("action", "cast")]
    )
    assert status == 400 and "field twice" in text
    status, _, text = client.post(f"/vote/{sid}", {**fields, "action": "delete"})
    assert status == 400
    assert stored(store, sid) == []


def test_other_content_types_are_refused(server, store):
    sid, _ = make_session(store)
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid}")
    body = urllib.parse.urlencode({**ballot_fields(page, ["A"]), "action": "cast"})
    status, _, text = client.request(
        "POST", f"/vote/{sid}", body.encode(), {"Content-Type": "text/plain"}
    )
    assert status == 400
    assert_plain(text)
    status, _, _ = client.request(
        "POST", f"/vote/{sid}", b"\xff\xfe", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status in (400, 403)
    assert stored(store, sid) == []


def test_unknown_session_and_paths_get_plain_404(server):
    client = Client(server)
    for path in (
        "/vote/no-such-session",
        "/vote/no-such-session/results",
        "/vote/a/b/c",
        "/vote/%3Cscript%3E",
    ):
        status, headers, text = client.get(path)
        assert status == 404, path
        assert headers["content-type"].startswith("text/html")
        assert_plain(text)
        assert "<script" not in text.lower().replace('<script src="/vote-static/', "")
    status, _, text = client.post("/vote/no-such-session", {"action": "cast"})
    assert status == 403  # no form token: refused before anything else is looked up
    status, _, text = client.request("PUT", "/vote/anything", b"", {})
    assert status == 405
    assert_plain(text)


# -- closed rounds ---------------------------------------------------------------------------------
def test_closing_the_round_stops_pages_already_open(server, store):
    sid, _ = make_session(store)
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid}")
    fields = ballot_fields(page, ["A", "B"])
    _, _, review = client.post(f"/vote/{sid}", {**fields, "action": "review"})
    store.close_round(sid, 1)
    for action, data in (("cast", hidden(review)), ("review", fields)):
        status, _, text = client.post(f"/vote/{sid}", {**data, "action": action})
        assert status == 409
        assert "Round 1 has closed; your ballot was not counted." in text
    status, _, text = client.get(f"/vote/{sid}")
    assert status == 200
    assert "Voting is closed" in text and "<select" not in text
    assert stored(store, sid) == []


def test_a_form_from_round_one_cannot_vote_in_round_two(server, store):
    sid, _ = make_session(store)
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid}")
    store.close_round(sid, 1)
    store.open_round(sid, ["A", "B", "C", "D"])
    status, _, text = client.post(f"/vote/{sid}", {**ballot_fields(page, ["A"]), "action": "cast"})
    assert status == 409
    assert "Round 1 has closed" in text
    assert f'href="/vote/{sid}">Vote in round 2</a>' in text
    assert stored(store, sid, 1) == [] and stored(store, sid, 2) == []
    _, _, page = client.get(f"/vote/{sid}")
    assert "Round 2" in page


def test_session_without_a_round_says_voting_has_not_started(server, store):
    sid, _ = make_session(store, open_round=False)
    status, _, text = Client(server).get(f"/vote/{sid}")
    assert status == 200
    assert "Voting has not started yet" in text
    assert f'data-status-url="/vote/{sid}/status.json"' in text


def test_status_json(server, store):
    sid, _ = make_session(store)
    client = Client(server)
    status, headers, text = client.get(f"/vote/{sid}/status.json")
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert text == '{"round": 1, "open": true}'
    status, _, _ = client.get("/vote/nothing-here/status.json")
    assert status == 404


# -- codes -----------------------------------------------------------------------------------------
def test_codes_unknown_code_is_refused(server, store):
    sid, codes = make_session(store, codes=3)
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid}")
    assert 'name="code"' in page
    fields = ballot_fields(page, ["A"], code="NOTACODE")
    status, _, text = client.post(f"/vote/{sid}", {**fields, "action": "cast"})
    assert status == 400
    assert "That code is not one issued for this session; check it and try again." in text
    assert 'value="NOTACODE"' in text
    fields = ballot_fields(page, ["A"], code="")
    status, _, text = client.post(f"/vote/{sid}", {**fields, "action": "review"})
    assert status == 400 and "Enter the voting code" in text
    assert stored(store, sid) == []


def test_codes_second_ballot_replaces_the_first_and_the_page_says_so(server, store):
    sid, codes = make_session(store, codes=3)
    client = Client(server)
    review, status, receipt, _ = vote(client, sid, ["A", "B"], code=codes[0])
    assert status == 200
    assert "replace" not in review.lower()
    assert "replaced" not in receipt
    other = Client(server)  # another device, same code, lower case with spaces
    review, status, receipt, _ = vote(other, sid, ["C"], code=f"  {codes[0].lower()} ")
    assert "will replace your earlier ballot" in review
    assert status == 200
    assert "This ballot replaced the one you cast earlier" in receipt
    vote(Client(server), sid, ["D", "A"], code=codes[1])
    ballots = stored(store, sid)
    assert sorted(b.ranking for b in ballots) == [("C",), ("D", "A")]
    assert len({b.participant_hash for b in ballots}) == 2


# -- escaping and results -----------------------------------------------------------------------
def test_text_people_typed_is_shown_as_text(server, store):
    sid, _ = make_session(
        store,
        labels=(XSS, "Beta <script>alert(2)</script>", 'Quote " & ampersand'),
        groups=("<b>Bold group</b>", "Other"),
        question=f"Question {XSS}?",
    )
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid}")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img" not in page
    assert "<script>alert" not in page
    assert "&lt;b&gt;Bold group&lt;/b&gt;" in page
    assert "Quote &#34; &amp; ampersand" in page
    review, status, receipt, _ = vote(client, sid, ["A", "B", "C"], group="<b>Bold group</b>")
    for text in (review, receipt):
        assert "&lt;img src=x onerror=alert(1)&gt;" in text
        assert "<img" not in text and "<b>Bold" not in text
    [ballot] = stored(store, sid)
    assert ballot.group == "<b>Bold group</b>"


def test_security_headers(server, store):
    sid, _ = make_session(store)
    _, headers, _ = Client(server).get(f"/vote/{sid}")
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert "no-store" in headers["cache-control"]
    cookie = [v for k, v in headers.items() if k == "set-cookie"][0]
    assert "SameSite=Strict" in cookie and "HttpOnly" in cookie
    _, headers, css = Client(server).get("/vote-static/ballot.css")
    assert headers["x-content-type-options"] == "nosniff" and "font-family" in css


def test_results_only_when_published(server, store):
    # One client casts three counted ballots: the "open" mode (one per browser would keep one).
    sid, _ = make_session(store, labels=("Alpha", "Beta", "Gamma"), mode="open")
    client = Client(server)
    vote(client, sid, ["A", "B", "C"])
    vote(client, sid, ["B", "A"])
    vote(client, sid, ["A"])
    status, _, text = client.get(f"/vote/{sid}/results")
    assert status == 404 and "not been published" in text
    store.close_round(sid, 1)
    status, _, page = client.get(f"/vote/{sid}")
    assert "See the results" not in page
    status, _, text = client.get(f"/vote/{sid}/results")
    assert status == 404
    store.set_published(sid, True)
    status, _, text = client.get(f"/vote/{sid}/results")
    assert status == 200
    # MBC by hand: A = 3 + 1 + 1 = 5, B = 2 + 2 = 4, C = 1; coefficient = points / (3 x 3).
    rows = re.findall(
        r"<tr[^>]*><th scope=\"row\">(\w+).*?</th>"
        r"<td class=\"num\">(\d+)</td><td class=\"num\">([\d.]+)</td>",
        text,
    )
    assert rows == [
        ("Alpha", "5", f"{5 / 9:.2f}"),
        ("Beta", "4", f"{4 / 9:.2f}"),
        ("Gamma", "1", f"{1 / 9:.2f}"),
    ]
    assert "3 valid ballots" in text
    assert "<table" in text and "<caption>" in text
    _, _, page = client.get(f"/vote/{sid}")
    assert "See the results" in page


def test_start_page_redirects_to_the_ballot(server, store):
    sid, _ = make_session(store)
    client = Client(server)
    status, _, text = client.get("/vote/")
    assert status == 200 and "Session code" in text
    status, headers, _ = client.get(f"/vote/?session={sid}")
    assert status == 302 and headers["location"] == f"/vote/{sid}"
    status, headers, _ = client.get(
        "/vote/?" + urllib.parse.urlencode({"session": f"http://x/vote/{sid}"})
    )
    assert status == 302 and headers["location"] == f"/vote/{sid}"
    status, headers, _ = client.get("/vote/?" + urllib.parse.urlencode({"session": XSS}))
    assert status == 302 and headers["location"] == "/vote/" + urllib.parse.quote(XSS, safe="")
    status, _, text = client.get(headers["location"])
    assert status == 404 and "<img" not in text
    status, _, text = client.get("/vote/?" + urllib.parse.urlencode({"session": "x" * 300}))
    assert status == 400 and "not a session code" in text


def test_unusual_session_ids_work(server, store):
    sid = "Shire Hall & <friends>"
    store.create_session("Which way?", session_id=sid)
    store.add_options(sid, [Option("A", "Alpha"), Option("B", "Beta")])
    store.open_round(sid, ["A", "B"])
    client = Client(server)
    path = "/vote/" + urllib.parse.quote(sid, safe="")
    status, _, page = client.get(path)
    assert status == 200
    assert f'action="{html.escape(path)}"' in page
    fields = {**hidden(page), "rank-A": "1", "rank-B": "", "action": "cast"}
    status, _, _ = client.post(path, fields)
    assert status == 200
    assert [b.ranking for b in stored(store, sid)] == [("A",)]


# -- a fault inside the server: one sentence on the page, the traceback in the log ---------------
class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class TestServerFault(AsyncHTTPTestCase):
    def get_app(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.log = logging.getLogger("pt-test-server-fault")
        self.log.propagate = False
        self.records = _Records()
        self.log.addHandler(self.records)
        # The "store" is a folder: every store call fails inside the thread pool. The form key
        # is given (it is otherwise the store's shared secret, which cannot be read here).
        self.app = ParticipantApp(db_path=self.tmp.name, log=self.log, secret=b"k" * 32)
        return tornado.web.Application(participant_handlers(self.app))

    def tearDown(self) -> None:
        super().tearDown()
        self.log.removeHandler(self.records)
        self.tmp.cleanup()

    def test_unopenable_store_gives_503_with_one_sentence_and_a_log_line(self):
        # Issue 12: an unopenable store is not "something went wrong": it says the vote (or
        # the answers) could not be saved, and the log says what is wrong with the store.
        cookie = "a" * 32
        form = f"form_token=x&form_sig={self.app.sign(cookie, 'x')}&action=cast"
        for method, body in (("GET", None), ("POST", form)):
            response = self.fetch(
                "/vote/anything",
                method=method,
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": "pt_csrf=" + cookie,
                },
            )
            text = response.body.decode()
            assert response.code == 503, (method, response.code)
            assert (VOTE_NOT_SAVED if method == "POST" else STORE_DOWN) in text
            assert response.headers.get("Retry-After")
            assert "Traceback" not in text and "sqlite" not in text.lower()
        logged = " ".join(r.getMessage() for r in self.records.records)
        assert "cannot be written because its file cannot be opened" in logged

    def test_store_failure_shows_one_sentence_and_logs_the_traceback(self):
        async def broken(fn, *args):
            raise sqlite3.OperationalError("no such table: sessions")

        self.app.run = broken  # type: ignore[method-assign]
        cookie = "a" * 32
        form = f"form_token=x&form_sig={self.app.sign(cookie, 'x')}&action=cast"
        for method, body in (("GET", None), ("POST", form)):
            response = self.fetch(
                "/vote/anything",
                method=method,
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": "pt_csrf=" + cookie,
                },
            )
            text = response.body.decode()
            assert response.code == 500, (method, response.code)
            assert SERVER_FAULT in text
            assert "Traceback" not in text and "sqlite" not in text.lower()
        failures = [r for r in self.records.records if r.exc_info]
        assert failures and "OperationalError" in "".join(
            traceback.format_exception(*failures[0].exc_info)
        )


# -- what changed since the previous round ---------------------------------------------------------
def test_round_two_ballot_says_what_changed_and_links_the_published_results(server, store):
    sid, _ = make_session(store, labels=("Alpha", "Beta", "Gamma", "Delta", "Echo"))
    client = Client(server)
    status, _, page = client.get(f"/vote/{sid}")
    assert "What changed since" not in page and "See the results of round" not in page
    vote(client, sid, ["A", "B"])
    store.close_round(sid, 1)
    store.add_options(
        sid,
        [
            Option("F", f"Beta and Delta {XSS}", merged_from=("B", "D")),
            Option("G", "Echo, reworded", amended_from="E"),
            Option("H", "Hotel"),
        ],
    )
    store.open_round(sid, ["A", "C", "F", "G", "H"])
    status, _, page = client.get(f"/vote/{sid}")
    assert status == 200
    notes = page.split('id="changes-title"')[1].split("</section>")[0]
    assert "What changed since round 1" in notes
    items = [html.unescape(i) for i in re.findall(r"<li>(.*?)</li>", notes)]
    assert items == [
        f"F “Beta and Delta {XSS}” is new: merged from B “Beta” and D “Delta”.",
        "G “Echo, reworded” amends E “Echo”.",
        "H “Hotel” is new.",
    ]
    assert XSS not in page  # the label is escaped
    assert "See the results of round 1" not in page  # not published yet
    store.set_published(sid, True)
    _, _, page = client.get(f"/vote/{sid}")
    link = re.search(r'<a href="([^"]+)">See the results of round 1</a>', page)
    assert link and link.group(1) == f"/vote/{sid}/results#round-1-title"
    status, _, results = client.get(link.group(1).split("#")[0])
    assert status == 200 and 'id="round-1-title"' in results


def test_a_dropped_option_is_named_and_results_link_without_changes(server, store):
    sid, _ = make_session(store, labels=("Alpha", "Beta", "Gamma"))
    store.close_round(sid, 1)
    store.set_published(sid, True)
    store.open_round(sid, ["A", "B"])
    client = Client(server)
    _, _, page = client.get(f"/vote/{sid}")
    assert "C “Gamma” is no longer on the ballot." in page
    store.close_round(sid, 2)
    store.open_round(sid, ["A", "B"])  # round 3: the same paper as round 2
    _, _, page = client.get(f"/vote/{sid}")
    assert "What changed since" not in page
    assert f'<a href="/vote/{sid}/results#round-2-title">See the results of round 2</a>' in page


def test_results_page_rounds_half_up(server, store):
    sid, _ = make_session(store, labels=("Alpha", "Beta"), groups=(), mode="open")
    client = Client(server)
    # n = 2, N = 4 (8 points possible): A>B, A>B, B>A, B -> A 2 + 2 + 1 = 5 = 0.625, B 5
    for ranking in (["A", "B"], ["A", "B"], ["B", "A"], ["B"]):
        vote(client, sid, ranking, group=None)
    store.close_round(sid, 1)
    store.set_published(sid, True)
    _, _, text = client.get(f"/vote/{sid}/results")
    cells = re.findall(r'<td class="num">([\d.]+)</td>', text)
    assert cells[:2] == ["5", "0.63"] and f"{0.625:.2f}" == "0.62"
