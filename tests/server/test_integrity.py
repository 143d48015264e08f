"""Issue 12, integrity of votes and reviews: each test tries an attack on the participants' pages
(over loopback, through tornado's test server) or on the store, and checks it fails.

Expected counts come from what each test did (20 casts from one browser: 1 counted; 6 posts
against a bucket of 5: the 6th refused), never from the program's output.
"""

from __future__ import annotations

import csv
import html
import json
import logging
import re
import sqlite3
import tempfile
import threading
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
import tornado.web
from tornado.testing import AsyncHTTPTestCase

from partnership_tools.review.instrument import load_instrument
from partnership_tools.server.handlers import (
    STORE_DOWN,
    VOTE_NOT_SAVED,
    ParticipantApp,
    participant_handlers,
)
from partnership_tools.server.review_form import review_form_handlers
from partnership_tools.store import Store, StoreError
from partnership_tools.store import integrity as ig
from partnership_tools.store.db import Database, StoreUnavailable
from partnership_tools.store.drafts import (
    InviteCodeError,
    invite_code_counts,
    issue_invite_codes,
    open_wave,
    require_invite_codes,
    save_draft,
    start_draft,
    submit_draft,
)
from partnership_tools.store.reviews import create_review, load_responses, open_review_store
from partnership_tools.vote.ballots_csv import write_ballots_csv
from partnership_tools.vote.model import Ballot, Option
from partnership_tools.vote.sessionfile import read_session, write_session
from tests.sqlite_faults import read_only_sqlite

RECEIPT_RE = re.compile(r'id="receipt-code">([0-9A-F]{10})<')


def rows_in(store: Store, table: str) -> int:
    """How many rows ``table`` holds (read through the store, either backend)."""
    with store.db.read() as conn:
        return int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def hidden(page: str) -> dict[str, str]:
    out = {}
    for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page):
        out[html.unescape(m.group(1))] = html.unescape(m.group(2))
    return out


def shown_order(page: str) -> list[str]:
    return [
        html.unescape(m) for m in re.findall(r'<select id="rank-\d+" name="rank-([^"]+)"', page)
    ]


def ballot_fields(page: str, ranking: Sequence[str], code: str | None = None) -> dict[str, str]:
    fields = {k: v for k, v in hidden(page).items() if k in ("form_token", "form_sig")}
    for oid in shown_order(page):
        fields[f"rank-{oid}"] = str(ranking.index(oid) + 1) if oid in ranking else ""
    if code is not None:
        fields["code"] = code
    return fields


class Browser:
    """Cookies kept between requests to one tornado test server (``keep=False``: a script that
    never sends cookies back)."""

    def __init__(self, case: AsyncHTTPTestCase, keep: bool = True, host: str | None = None):
        self.case, self.keep, self.host = case, keep, host
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None):
        headers = {}
        if self.host:
            headers["Host"] = self.host
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(fields or {})
        r = self.case.fetch(path, method=method, body=body, headers=headers, follow_redirects=False)
        if self.keep:
            for value in r.headers.get_list("Set-Cookie"):
                k, v = value.split(";", 1)[0].split("=", 1)
                self.cookies[k.strip()] = v.strip()
        return r.code, r.headers, r.body.decode("utf-8", "replace")

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, fields: dict):
        return self.request("POST", path, fields)

    def vote(self, sid: str, ranking: Sequence[str], code: str | None = None):
        """Load, check, cast: (receipt status, receipt page, check page)."""
        status, _, page = self.get(f"/vote/{sid}")
        assert status == 200, page
        status, _, review = self.post(
            f"/vote/{sid}", {**ballot_fields(page, ranking, code), "action": "review"}
        )
        assert status == 200, review
        status, _, receipt = self.post(f"/vote/{sid}", {**hidden(review), "action": "cast"})
        return status, receipt, review


class Base(AsyncHTTPTestCase):
    """The participants' pages (ballot and review form) on a store in a temporary folder."""

    app_kwargs: dict = {}

    def get_app(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.db = Path(self.tmp.name) / "store.sqlite"
        self.store = Store(self.db)
        self.app = ParticipantApp(
            db_path=self.db, log=logging.getLogger("pt-test-integrity"), **self.app_kwargs
        )
        return tornado.web.Application(
            participant_handlers(self.app) + review_form_handlers(self.app)
        )

    def tearDown(self) -> None:
        super().tearDown()
        self.app.shutdown()
        self.store.close()
        self.tmp.cleanup()

    def session(self, mode: str | None = None, codes: int = 0) -> tuple[str, list[str]]:
        s = self.store.create_session("Which way?")
        self.store.add_options(s.id, [Option("A", "Alpha"), Option("B", "Beta")])
        issued = self.store.issue_codes(s.id, codes, seed=7) if codes else []
        if mode:
            ig.set_ballot_mode(self.store, s.id, mode)
        self.store.open_round(s.id, ["A", "B"])
        return s.id, issued


# -- one ballot per browser ---------------------------------------------------------------------
class TestOnePerBrowser(Base):
    def test_twenty_ballots_from_one_browser_count_once_and_the_page_says_so(self):
        sid, _ = self.session()  # the default mode
        browser = Browser(self)
        status, _, page = browser.get(f"/vote/{sid}")
        assert "One ballot per browser" in page
        for k in range(20):
            ranking = ["A", "B"] if k % 2 else ["B", "A"]
            status, receipt, review = browser.vote(sid, ranking)
            assert status == 200, receipt
            assert "if you vote again from this browser while round 1 is open" in receipt
            if k:
                assert "already voted in this round from this browser" in review
                assert "replaced the one you cast earlier from this browser" in receipt
        # the 20th cast (k = 19, odd) ranked A first; it is the one that counts
        assert [b.ranking for _, b in self.store.ballots(sid, 1)] == [("A", "B")]
        _, _, page = browser.get(f"/vote/{sid}")
        assert "You have already voted in this round from this browser" in page
        # a second browser still counts on its own
        Browser(self).vote(sid, ["B"])
        assert self.store.ballot_count(sid, 1) == 2
        # only a hash of the cookie is stored
        cookie = browser.cookies["pt_browser"]
        raw = sqlite3.connect(self.db)  # every byte of the SQLite store, as text
        dump = "\n".join(raw.iterdump())
        raw.close()
        assert cookie not in dump

    def test_open_mode_counts_every_cast(self):
        sid, _ = self.session(mode="open")
        browser = Browser(self)
        for _ in range(5):
            assert browser.vote(sid, ["A"])[0] == 200
        assert self.store.ballot_count(sid, 1) == 5

    def test_the_browser_cookie_is_long_lived_httponly_and_lax(self):
        sid, _ = self.session()
        r = self.fetch(f"/vote/{sid}")
        [cookie] = [c for c in r.headers.get_list("Set-Cookie") if c.startswith("pt_browser=")]
        low = cookie.lower()
        assert "httponly" in low and "samesite=lax" in low
        assert "expires=" in low or "max-age=" in low


# -- a retried form counts once; codes race ------------------------------------------------------
class TestRetries(Base):
    def test_a_resubmitted_form_returns_the_same_receipt_and_the_count_stays_one(self):
        sid, _ = self.session()
        browser = Browser(self)
        status, receipt, review = browser.vote(sid, ["B", "A"])
        first = RECEIPT_RE.search(receipt).group(1)
        for _ in range(3):  # the connection dropped; the browser sends the same form again
            status, _, again = browser.post(f"/vote/{sid}", {**hidden(review), "action": "cast"})
            assert status == 200
            assert RECEIPT_RE.search(again).group(1) == first
        assert self.store.ballot_count(sid, 1) == 1
        assert self.store.find_receipt(sid, first)["ranking"] == ("B", "A")

    def test_two_racing_code_submissions_leave_one_ballot_and_no_dangling_receipt(self):
        sid, codes = self.session(codes=1)
        one, two = Browser(self), Browser(self)
        checks = []
        for b in (one, two):  # both check their vote while the code has no ballot yet
            _, _, page = b.get(f"/vote/{sid}")
            _, _, review = b.post(
                f"/vote/{sid}", {**ballot_fields(page, ["A"], codes[0]), "action": "review"}
            )
            assert "already voted" not in review
            checks.append(review)
        results = [
            b.post(f"/vote/{sid}", {**hidden(r), "action": "cast"})
            for b, r in zip((one, two), checks, strict=True)
        ]
        assert [r[0] for r in results] == [200, 409]
        assert "was not stored" in results[1][2]
        receipt = RECEIPT_RE.search(results[0][2]).group(1)
        assert self.store.ballot_count(sid, 1) == 1
        assert self.store.find_receipt(sid, receipt) is not None


# -- rate limits ---------------------------------------------------------------------------------
class TestRateLimits(Base):
    app_kwargs = {
        "address_limit": ig.Bucket(capacity=5, per_second=0.01),
        "browser_limit": ig.Bucket(capacity=3, per_second=0.01),
    }

    def test_a_script_without_cookies_is_limited_by_address(self):
        sid, _ = self.session(mode="open")
        script = Browser(self, keep=False)
        codes = []
        for _ in range(6):
            status, headers, text = script.post(f"/vote/{sid}", {"action": "cast"})
            codes.append(status)
        assert codes == [403] * 5 + [429]
        assert int(headers["Retry-After"]) >= 1
        assert "Too many forms were sent from here" in text and "Traceback" not in text
        # the review form's POSTs have their own bucket per address, limited the same way
        statuses = [script.post("/review-form/anything", {"action": "start"})[0] for _ in range(6)]
        assert statuses[-1] == 429 and 429 not in statuses[:5]

    def test_one_browser_is_limited_before_its_address(self):
        sid, _ = self.session(mode="open")
        browser = Browser(self)
        _, _, page = browser.get(f"/vote/{sid}")
        statuses = [
            browser.post(f"/vote/{sid}", {**ballot_fields(page, ["A"]), "action": "review"})[0]
            for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]


class TestReadOnlyStore(Base):
    def test_a_read_only_store_gives_the_503_sentence_and_writes_nothing(self):
        sid, _ = self.session()
        browser = Browser(self)
        _, _, page = browser.get(f"/vote/{sid}")
        fields = {**ballot_fields(page, ["B"]), "action": "cast"}
        with read_only_sqlite() as read_only:  # SQLite now refuses every write: "readonly"
            status, headers, text = browser.post(f"/vote/{sid}", fields)
            assert status == 503
            assert VOTE_NOT_SAVED in text and "Something went wrong" not in text
            assert headers.get("Retry-After")
            assert self.store.ballot_count(sid, 1) == 0
            assert self.store.peek_form_token(fields["form_token"])["used_at"] is None
            # the store writable again, the same form is cast once
            read_only.off()
            status, _, text = browser.post(f"/vote/{sid}", fields)
        assert status == 200 and RECEIPT_RE.search(text)
        assert [b.ranking for _, b in self.store.ballots(sid, 1)] == [("B",)]


# -- bad input, a store that cannot be written, the token table, links -----------------------------
class TestBadInput(Base):
    def test_a_superscript_rank_gets_one_plain_sentence(self):
        sid, _ = self.session()
        browser = Browser(self)
        _, _, page = browser.get(f"/vote/{sid}")
        fields = {**ballot_fields(page, ["A"]), "rank-A": "¹", "action": "review"}
        status, _, text = browser.post(f"/vote/{sid}", fields)
        assert status == 400
        assert "The rank given for “Alpha” cannot be counted" in text
        assert "Traceback" not in text
        fields["action"] = "cast"
        assert browser.post(f"/vote/{sid}", fields)[0] == 400
        assert self.store.ballot_count(sid, 1) == 0

    def test_store_unavailable_sentences(self):
        import sqlite3

        full = StoreUnavailable.from_sqlite(
            sqlite3.OperationalError("database or disk is full"), "x"
        )
        ro = StoreUnavailable.from_sqlite(
            sqlite3.OperationalError("attempt to write a readonly database"), "x"
        )
        assert (
            str(full)
            == "The store x cannot be written because the disk is full; free some space and try again."
        )
        assert "read-only" in str(ro)
        assert self.store.db.dialect == "sqlite"  # the store made, its schema in place
        db = Database(self.db)  # its own pool: the page limit below stays on its connections
        insert = sa.text(
            "INSERT INTO form_tokens (token, session_id, round_number, issued_at)"
            " VALUES (:t, 's', 1, 't')"
        )
        with pytest.raises(StoreUnavailable, match="the disk is full"):
            with db.write() as conn:
                pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
                conn.exec_driver_sql(f"PRAGMA max_page_count = {pages}")  # a full disk
                for k in range(5000):
                    conn.execute(insert, {"t": f"t{k}"})
        db.dispose()
        assert rows_in(self.store, "form_tokens") == 0  # rolled back
        with read_only_sqlite():
            with pytest.raises(StoreUnavailable, match="read-only"):
                with self.store.db.write() as conn:
                    conn.execute(sa.text("DELETE FROM sessions"))
        assert STORE_DOWN  # the read-only page sentence exists and is plain
        assert "went wrong" not in STORE_DOWN

    def test_the_token_table_stays_bounded_after_1000_page_views(self):
        sid, _ = self.session()
        self.app.max_form_tokens = 100
        browser = Browser(self)
        for _ in range(500):
            assert browser.get(f"/vote/{sid}")[0] == 200
        rows = rows_in(self.store, "form_tokens")
        assert rows == ig.FORM_TOKENS_PER_BROWSER  # one browser keeps its newest 20
        script = Browser(self, keep=False)
        for _ in range(500):
            assert script.get(f"/vote/{sid}")[0] == 200
        rows = rows_in(self.store, "form_tokens")
        assert rows <= 100

    def test_a_host_header_never_appears_in_a_link(self):
        sid, _ = self.session()
        db = self.store.db
        create_review(db, "spring", "Spring review", load_instrument("partnership_cycle"))
        open_wave(db, "spring", "phase one")
        evil = Browser(self, host="evil.example")
        pages = [
            evil.get(f"/vote/{sid}"),
            evil.get("/vote/?session=" + sid),
            evil.get("/review-form/spring"),
        ]
        _, _, start = pages[-1]
        status, headers, _ = evil.post("/review-form/spring", {**hidden(start), "action": "start"})
        assert status == 303
        pages.append((status, headers, ""))
        pages.append(evil.get(headers["Location"]))
        for _status, headers, text in pages:
            assert "evil.example" not in text
            assert "evil.example" not in headers.get("Location", "")
        assert "?resume=" in pages[-1][2]

    def test_resume_links_use_the_configured_public_address(self):
        self.app.public_base = "https://vote.example.org/"
        db = self.store.db
        create_review(db, "spring", "Spring review", load_instrument("partnership_cycle"))
        open_wave(db, "spring", "phase one")
        evil = Browser(self, host="evil.example")
        _, _, start = evil.get("/review-form/spring")
        _, headers, _ = evil.post("/review-form/spring", {**hidden(start), "action": "start"})
        _, _, page = evil.get(headers["Location"])
        link = html.unescape(re.search(r'<p class="resume-link"><a href="([^"]+)"', page).group(1))
        assert link.startswith("https://vote.example.org/review-form/spring?resume=")


def test_csv_group_names_that_look_like_formulas_are_guarded(tmp_path):
    groups = ["=cmd|' /C calc'!A0", "+1", "-x", "@SUM(A1)", "Managers", None]
    path = write_ballots_csv(tmp_path / "b.csv", ["A", "B"], [("A",)] * 6, groups)
    with path.open(newline="", encoding="utf-8") as fh:
        cells = [row[1] for row in csv.reader(fh)][1:]
    assert cells == ["'=cmd|' /C calc'!A0", "'+1", "'-x", "'@SUM(A1)", "Managers", ""]


# -- the store's own guarantees, on SQLite and on PostgreSQL ------------------------------------------
@pytest.fixture
def store(store_target):
    s = Store(store_target)
    yield s
    s.close()


def _open_session(store: Store, codes: int = 0) -> tuple[str, list[str]]:
    s = store.create_session("Which way?")
    store.add_options(s.id, [Option("A", "Alpha"), Option("B", "Beta")])
    issued = store.issue_codes(s.id, codes, seed=7) if codes else []
    store.open_round(s.id, ["A", "B"])
    return s.id, issued


def _plant_old_token(store: Store, sid: str) -> None:
    with store.db.write() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO form_tokens (token, session_id, round_number, issued_at) VALUES"
                " ('old', :sid, 1, '2020-01-01T00:00:00Z')"
            ),
            {"sid": sid},
        )


def test_threads_racing_on_one_code_store_one_ballot(store, store_target):
    sid, codes = _open_session(store, codes=1)
    code_hash = store.code_hash(sid, codes[0])
    tokens = [ig.issue_form_token(store, sid, 1, ["A", "B"]) for _ in range(8)]
    outcomes: list[object] = []
    lock = threading.Lock()
    go = threading.Barrier(len(tokens))

    def cast(token: str) -> None:
        own = Store(store_target)  # a store (and pool) per thread, as the server has
        go.wait()
        try:
            r = ig.cast_with_token(
                own, token, sid, Ballot(("A",), participant_hash=code_hash), expect=None
            )
            with lock:
                outcomes.append(r.receipt)
        except ig.Conflict:
            with lock:
                outcomes.append("refused")
        finally:
            own.close()

    threads = [threading.Thread(target=cast, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    receipts = [o for o in outcomes if o != "refused"]
    assert len(outcomes) == 8 and len(receipts) == 1
    assert store.ballot_count(sid, 1) == 1
    assert store.find_receipt(sid, str(receipts[0])) is not None


def test_a_resubmitted_token_gives_the_original_receipt(store):
    sid, _ = _open_session(store)
    token = ig.issue_form_token(store, sid, 1, ["B", "A"], browser="b1")
    first = ig.cast_with_token(store, token, sid, Ballot(("B", "A")), browser="b1")
    again = [ig.cast_with_token(store, token, sid, Ballot(("A",)), browser="b1") for _ in range(3)]
    assert {(r.ballot_id, r.receipt, r.repeated) for r in again} == {
        (first.ballot_id, first.receipt, True)
    }
    assert again[0].ballot.ranking == ("B", "A")  # the ballot first cast, not the retry's
    assert store.ballot_count(sid, 1) == 1
    assert ig.repeat_receipt(store, token, sid).receipt == first.receipt
    # another browser's ballot replaces nothing of b1's; b1's second form replaces its first
    other = ig.issue_form_token(store, sid, 1, ["A", "B"], browser="b2")
    ig.cast_with_token(store, other, sid, Ballot(("A",)), browser="b2", replace_browser=True)
    second = ig.issue_form_token(store, sid, 1, ["A", "B"], browser="b1")
    r = ig.cast_with_token(
        store,
        second,
        sid,
        Ballot(("A",)),
        browser="b1",
        replace_browser=True,
        expect=first.ballot_id,
    )
    assert r.replaced and store.ballot_count(sid, 1) == 2
    with pytest.raises(ig.FormUsed, match="replaced by a later one"):
        ig.cast_with_token(store, token, sid, Ballot(("A",)), browser="b1")


def test_a_code_ballot_told_of_no_earlier_ballot_is_refused_when_one_came(store):
    sid, codes = _open_session(store, codes=1)
    h = store.code_hash(sid, codes[0])
    t1, t2 = (ig.issue_form_token(store, sid, 1, ["A", "B"]) for _ in range(2))
    kept = ig.cast_with_token(store, t1, sid, Ballot(("A",), participant_hash=h), expect=None)
    with pytest.raises(ig.Conflict, match="cast from this code while you were checking"):
        ig.cast_with_token(store, t2, sid, Ballot(("B",), participant_hash=h), expect=None)
    assert [bid for bid, _ in store.ballots(sid, 1)] == [kept.ballot_id]
    assert store.peek_form_token(t2)["used_at"] is None  # nothing of the refused one kept


def test_the_unique_index_refuses_a_second_ballot_with_one_code(store):
    """The database's own guard, under the code's serialised writes: two rows with one code in
    one round cannot be stored, whatever the code above it does."""
    sid, codes = _open_session(store, codes=1)
    h = store.code_hash(sid, codes[0])
    insert = sa.text(
        "INSERT INTO ballots (session_id, round_number, ranking_json, participant_hash,"
        " submitted_at) VALUES (:sid, 1, '[\"A\"]', :h, 't')"
    )
    with store.db.write() as conn:
        conn.execute(insert, {"sid": sid, "h": h})
    with pytest.raises(sa.exc.IntegrityError) as caught:
        with store.db.write() as conn:
            conn.execute(insert, {"sid": sid, "h": h})
    assert ig.is_one_per_code_violation(caught.value)
    assert store.ballot_count(sid, 1) == 1
    with store.db.write() as conn:  # rows without a code are not limited
        for _ in range(2):
            conn.execute(insert, {"sid": sid, "h": None})
    assert store.ballot_count(sid, 1) == 3


def test_a_unique_index_refusal_becomes_the_conflict_sentence(store, monkeypatch):
    """Should a second ballot with one code reach the insert (the check above it skipped), the
    index's refusal is the voter's one sentence and nothing of that submission is kept."""
    sid, codes = _open_session(store, codes=1)
    h = store.code_hash(sid, codes[0])
    t1, t2 = (ig.issue_form_token(store, sid, 1, ["A", "B"]) for _ in range(2))
    first = ig.cast_with_token(store, t1, sid, Ballot(("A",), participant_hash=h))
    real = Store._accept_ballot

    def skip_replacement(self, c, session_id, number, ballot):  # insert without deleting
        receipt = real(self, c, session_id, number, Ballot(ballot.ranking))
        c.execute(
            sa.text("UPDATE ballots SET participant_hash = :h WHERE id = :id"),
            {"h": ballot.participant_hash, "id": receipt.ballot_id},
        )
        return receipt

    monkeypatch.setattr(Store, "_accept_ballot", skip_replacement)
    with pytest.raises(ig.Conflict, match="cast from this code while you were checking"):
        ig.cast_with_token(store, t2, sid, Ballot(("B",), participant_hash=h))
    assert [bid for bid, _ in store.ballots(sid, 1)] == [first.ballot_id]
    assert store.peek_form_token(t2)["used_at"] is None


def test_take_token_refills_at_its_rate(store):
    bucket = ig.Bucket(capacity=2, per_second=0.5)
    took = [ig.take_token(store, "k", bucket, now=100.0) for _ in range(3)]
    assert took == [0.0, 0.0, 2.0]  # empty: 1 token takes 1 / 0.5 = 2 s
    assert ig.take_token(store, "k", bucket, now=101.0) == 1.0  # half a token back: 1 s more
    assert ig.take_token(store, "k", bucket, now=102.0) == 0.0


def test_the_bucket_table_stays_bounded(store):
    bucket = ig.Bucket(capacity=2, per_second=1.0)
    for k in range(1000):  # 1,000 addresses, one request each, a second apart
        ig.take_token(store, f"ip:{k}", bucket, now=float(k))
    # rows idle more than RATE_ROW_IDLE_SECONDS (600 s) are gone: the last 601 remain
    assert rows_in(store, "rate_buckets") == 601


def test_tokens_older_than_a_day_are_purged(store):
    sid, _ = _open_session(store)
    _plant_old_token(store, sid)
    ig.issue_form_token(store, sid, 1, ["A", "B"])
    assert store.peek_form_token("old") is None


def test_a_browser_keeps_its_newest_tokens_and_the_table_its_limit(store):
    sid, _ = _open_session(store)
    issued = [ig.issue_form_token(store, sid, 1, ["A", "B"], browser="b1") for _ in range(30)]
    assert rows_in(store, "form_tokens") == ig.FORM_TOKENS_PER_BROWSER
    assert store.peek_form_token(issued[-1]) is not None  # the one just issued always stays
    used = ig.issue_form_token(store, sid, 1, ["A", "B"], browser="b2")
    ig.cast_with_token(store, used, sid, Ballot(("A",)), browser="b2")
    for _ in range(10):  # no browser: only the limit in all (12) applies
        last = ig.issue_form_token(store, sid, 1, ["A", "B"], limit=12)
        assert store.peek_form_token(last) is not None
    # b1 kept 20 of its 30, b2 one (used), then 10 more: 12 kept, the unused went first
    assert rows_in(store, "form_tokens") == 12
    assert store.peek_form_token(used)["used_at"] is not None


# -- signs of stuffing and setting ballots aside -----------------------------------------------------
def _store_with_ballots(target) -> tuple[Store, str]:
    store = Store(target)
    s = store.create_session("Which way?")
    store.add_options(s.id, [Option("A", "a"), Option("B", "b")])
    store.open_round(s.id, ["A", "B"])
    ig.set_ballot_mode(store, s.id, "open")
    plan = [  # (browser, minute)
        ("b1", "2026-01-01T10:00:05Z"),
        ("b1", "2026-01-01T10:00:40Z"),
        ("b1", "2026-01-01T10:01:10Z"),
        ("b2", "2026-01-01T10:01:20Z"),
    ]
    for browser, at in plan:
        t = ig.issue_form_token(store, s.id, 1, ["A", "B"], browser=browser)
        ig.cast_with_token(store, t, s.id, Ballot(("A",), submitted_at=at), browser=browser)
    return store, s.id


def test_ballots_per_minute_and_per_browser(store_target):
    store, sid = _store_with_ballots(store_target)
    assert ig.ballots_per_minute(store, sid, 1) == [
        {"minute": "2026-01-01T10:00", "ballots": 2},
        {"minute": "2026-01-01T10:01", "ballots": 2},
    ]
    table = ig.ballots_per_browser(store, sid, 1)
    assert [row["ballots"] for row in table] == [3, 1]
    assert table[0]["browser"] == "b1"[:8] and table[0]["first"] == "2026-01-01T10:00:05Z"
    signs = ig.stuffing_signs(store, sid, 1)
    assert signs["most_from_one_browser"] == 3 and signs["busiest_minute"] == 2
    store.close()


def test_ballots_set_aside_leave_the_count_and_travel_in_the_saved_file(store_target, tmp_path):
    store, sid = _store_with_ballots(store_target)
    suspect = ig.ballots_per_browser(store, sid, 1)[0]["ballot_ids"][1:]  # two of b1's three
    with pytest.raises(StoreError, match="who"):
        ig.set_aside(store, sid, suspect, by="", why="stuffing")
    assert ig.set_aside(store, sid, suspect, by="Facilitator", why="3 ballots in 65 s") == 2
    assert store.ballot_count(sid, 1) == 2
    kept = ig.set_aside_ballots(store, sid)
    assert [k["ballot_id"] for k in kept] == suspect
    assert {(k["by"], k["why"]) for k in kept} == {("Facilitator", "3 ballots in 65 s")}
    # the saved session file carries them; an import brings them back and still leaves them out
    path = write_session(store.load_session(sid), tmp_path / "saved.json")
    record = json.loads(path.read_text(encoding="utf-8"))["session"]
    assert len(record["settings"]["set_aside"]) == 2
    assert record["settings"]["set_aside"][0]["ballot"]["ranking"] == ["A"]
    other = Store(tmp_path / "t.sqlite")
    other.save_session(read_session(path))
    assert other.ballot_count(sid, 1) == 2
    assert len(ig.set_aside_ballots(other, sid)) == 2
    other.close()
    store.close()


def test_ballot_mode_setting_and_default(store):
    s = store.create_session("Q")
    assert ig.ballot_mode(store.load_session(s.id)) == "browser"
    ig.set_ballot_mode(store, s.id, "open")
    assert ig.ballot_mode(store.load_session(s.id)) == "open"
    ig.set_ballot_mode(store, s.id, "codes")
    assert ig.ballot_mode(store.load_session(s.id)) == "codes"
    with pytest.raises(StoreError, match="must be one of"):
        ig.set_ballot_mode(store, s.id, "anything")


# -- invitation codes for reviews -----------------------------------------------------------------
def _review(tmp_path):
    db = open_review_store(tmp_path / "r.sqlite")
    create_review(db, "spring", "Spring review", load_instrument("partnership_cycle"))
    open_wave(db, "spring", "phase one")
    return db


def test_invitation_codes_allow_one_response_each(tmp_path):
    db = _review(tmp_path)
    codes = issue_invite_codes(db, "spring", 2, seed=3)
    assert len(set(codes)) == 2
    with pytest.raises(InviteCodeError, match="Enter the invitation code"):
        start_draft(db, "spring")
    with pytest.raises(InviteCodeError, match="not one issued"):
        start_draft(db, "spring", "NOPE-NOPE")
    _, resume = start_draft(db, "spring", codes[0].lower())
    save_draft(db, "spring", resume, answers={"de1": 4}, fields={"level": "Manager"})
    submit_draft(db, "spring", resume)
    with pytest.raises(InviteCodeError, match="already been used"):
        start_draft(db, "spring", codes[0])
    # a code started twice: only the newer draft can be submitted
    _, older = start_draft(db, "spring", codes[1])
    _, newer = start_draft(db, "spring", codes[1])
    with pytest.raises(InviteCodeError, match="started with"):
        submit_draft(db, "spring", older)
    save_draft(db, "spring", newer, fields={"level": "Manager"})
    submit_draft(db, "spring", newer)
    assert len(load_responses(db, "spring").frame) == 2
    assert invite_code_counts(db, "spring") == {"issued": 2, "started": 2, "used": 2}
    require_invite_codes(db, "spring", False)
    start_draft(db, "spring")  # off again: no code needed
    db.dispose()


class TestReviewInvitePage(Base):
    def test_the_start_page_asks_for_the_code_and_refuses_a_missing_one(self):
        db = self.store.db
        create_review(db, "spring", "Spring review", load_instrument("partnership_cycle"))
        open_wave(db, "spring", "phase one")
        [code] = issue_invite_codes(db, "spring", 1, seed=5)
        b = Browser(self)
        _, _, page = b.get("/review-form/spring")
        assert 'name="invite"' in page
        status, _, text = b.post("/review-form/spring", {**hidden(page), "action": "start"})
        assert status == 400 and "Enter the invitation code you were given." in text
        status, headers, _ = b.post(
            "/review-form/spring", {**hidden(page), "action": "start", "invite": code}
        )
        assert status == 303 and headers["Location"].endswith("/page/1")


def test_serve_on_an_unopenable_store_says_so_in_one_sentence(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "a-folder"
    folder.mkdir()
    run = subprocess.run(
        [sys.executable, "-m", "partnership_tools", "serve", "--db", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    err = run.stderr.strip()
    assert err == (
        f"partnership-tools: The store {folder} cannot be written because its file cannot be"
        " opened; check the path and its permissions."
    )
    assert "Traceback" not in run.stderr + run.stdout
