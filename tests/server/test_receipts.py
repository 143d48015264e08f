"""The receipt pages over HTTP (no browser): a voter's receipt shows the ranking stored for it;
the published list appears only when the facilitator publishes it, and lists every ballot.

Expected rankings are the ones each test stores; receipts are recomputed here from their rule
(SHA-256 of ``session:round:ballot id:ranking``), never read from the page.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import tempfile
import urllib.parse
from pathlib import Path

import tornado.web
from tornado.testing import AsyncHTTPTestCase

from partnership_tools.server.handlers import ParticipantApp, participant_handlers
from partnership_tools.store import Store
from partnership_tools.vote.model import Ballot, Option, hash_participant

XSS = "<img src=x onerror=alert(1)>"


def by_hand(sid: str, number: int, ballot_id: int, ranking: tuple[str, ...]) -> str:
    text = f"{sid}:{number}:{ballot_id}:{'>'.join(ranking)}".encode()
    return hashlib.sha256(text).hexdigest()[:10].upper()


class ReceiptPages(AsyncHTTPTestCase):
    def get_app(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.db = Path(self.tmp.name) / "store.sqlite"
        self.store = Store(self.db)
        log = logging.getLogger("pt-test-receipts")
        log.propagate = False
        self.app = ParticipantApp(db_path=self.db, log=log)
        return tornado.web.Application(participant_handlers(self.app))

    def tearDown(self) -> None:
        super().tearDown()
        self.store.close()
        self.tmp.cleanup()

    def session(self, publish: bool = False, codes: bool = False) -> str:
        s = self.store.create_session(
            "Which way?", session_id="s1", uses_codes=codes, settings={"publish_receipts": publish}
        )
        self.store.add_options(s.id, [Option("A", "Alpha"), Option("B", XSS), Option("C", "Gamma")])
        return s.id

    def page(self, path: str) -> tuple[int, str]:
        r = self.fetch(path)
        return r.code, r.body.decode("utf-8")

    def test_a_receipt_shows_the_ranking_counted(self):
        sid = self.session()
        self.store.open_round(sid, ["A", "B", "C"])
        r = self.store.add_ballot(sid, 1, Ballot(("C", "B")))
        receipt = by_hand(sid, 1, r.ballot_id, ("C", "B"))
        assert r.receipt == receipt
        typed = urllib.parse.quote(receipt[:3].lower() + " " + receipt[3:])
        code, text = self.page(f"/vote/{sid}/receipt?code={typed}")
        assert code == 200
        assert f"Receipt {receipt} found" in text
        places = re.findall(
            r'<span class="place">(.*?)</span> <span class="choice">(.*?)</span>', text
        )
        assert places == [("1st choice:", "Gamma"), ("2nd choice:", html.escape(XSS))]
        assert XSS not in text  # the label is escaped
        assert "still open" in text and 'Not ranked: <span class="choice">Alpha' in text
        self.store.close_round(sid, 1)
        _, text = self.page(f"/vote/{sid}/receipt?code={receipt}")
        assert "the round has closed and this ballot was counted" in text

    def test_unknown_mistyped_and_replaced_receipts(self):
        sid = self.session(codes=True)
        (code,) = self.store.issue_codes(sid, 1, seed=5)
        h = hash_participant(code, self.store.load_session(sid).code_salt)
        self.store.open_round(sid, ["A", "B", "C"])
        old = self.store.add_ballot(sid, 1, Ballot(("A",), participant_hash=h))
        new = self.store.add_ballot(sid, 1, Ballot(("B",), participant_hash=h))
        _, text = self.page(f"/vote/{sid}/receipt?code={old.receipt}")
        assert f"No ballot has receipt {old.receipt}" in text
        assert "your new ballot replaced the earlier one" in text
        _, text = self.page(f"/vote/{sid}/receipt?code={new.receipt}")
        assert f"Receipt {new.receipt} found" in text
        code_, text = self.page(f"/vote/{sid}/receipt?code=" + urllib.parse.quote("<b>zz"))
        assert code_ == 200 and "A receipt code is 10 letters and digits" in text
        assert "<b>zz" not in text and "&lt;b&gt;zz" in text
        code_, text = self.page(f"/vote/{sid}/receipt?code=" + "A" * 500)
        assert code_ == 200 and "A receipt code is 10 letters" in text
        # The bare page is the form, with nothing looked up.
        code_, text = self.page(f"/vote/{sid}/receipt")
        assert code_ == 200 and 'name="code"' in text and "receipt-result" not in text

    def test_the_list_only_when_published(self):
        sid = self.session(publish=False)
        self.store.open_round(sid, ["A", "B", "C"])
        self.store.add_ballot(sid, 1, Ballot(("A", "B")))
        self.store.close_round(sid, 1)
        code, text = self.page(f"/vote/{sid}/receipts")
        assert code == 404 and "has not published the list of receipts" in text
        _, check = self.page(f"/vote/{sid}/receipt")
        assert "Every receipt with its ranking" not in check

    def test_the_published_list_holds_every_closed_round_ballot(self):
        sid = self.session(publish=True)
        self.store.open_round(sid, ["A", "B", "C"])
        rankings = [("A", "B"), ("C",), ("B", "A", "C")]
        stored = [self.store.add_ballot(sid, 1, Ballot(r)) for r in rankings]
        self.store.close_round(sid, 1)
        self.store.open_round(sid, ["A", "C"])
        self.store.add_ballot(sid, 2, Ballot(("C", "A")))  # round 2 still open: not listed
        code, text = self.page(f"/vote/{sid}/receipts")
        assert code == 200
        rows = re.findall(
            r'<tr><td class="mono">([0-9A-F]{10})</td><td class="mono">(.*?)</td>', text
        )
        expected = {
            by_hand(sid, 1, r.ballot_id, rk): " &gt; ".join(rk)
            for r, rk in zip(stored, rankings, strict=True)
        }
        assert dict(rows) == expected
        assert [c for c, _ in rows] == sorted(expected)  # sorted: arrival order not shown
        assert "Round 2" not in text
        assert html.escape(XSS) in text and XSS not in text
        _, check = self.page(f"/vote/{sid}/receipt")
        assert f'href="/vote/{sid}/receipts"' in check

    def test_unknown_session(self):
        code, text = self.page("/vote/nope/receipt?code=ABCDEF1234")
        assert code == 404 and "There is no vote at this address" in text

    def not_found_text(self, mode: str) -> str:
        """The check page's answer for a receipt nobody holds, in a session with ``mode``."""
        from partnership_tools.store.integrity import set_ballot_mode

        sid = self.session()
        set_ballot_mode(self.store, sid, mode)
        self.store.open_round(sid, ["A", "B", "C"])
        code, text = self.page(f"/vote/{sid}/receipt?code=ABCDEF0123")
        assert code == 200 and "No ballot has receipt ABCDEF0123" in text
        (para,) = re.findall(r"<p>(Check that you typed it.*?)</p>", text, re.S)
        return para

    def test_not_found_with_codes_names_the_participant_code(self):
        para = self.not_found_text("codes")
        assert "If you voted again in the same round with your participant code," in para
        assert "phone or computer" not in para

    def test_not_found_by_browser_names_the_phone_or_computer(self):
        para = self.not_found_text("browser")
        assert "If you voted again in the same round from the same phone or computer," in para
        assert "participant code" not in para

    def test_not_found_in_an_open_vote_says_nothing_of_replacing(self):
        para = self.not_found_text("open")
        assert "voted again" not in para and "replaced" not in para
        assert "participant code" not in para and "phone or computer" not in para
        assert para.endswith("tell the facilitator.")
