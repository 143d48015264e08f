"""Issue 12, stuffing: the ballot-mode chooser, the Check ballots tab (ballots per minute and
per browser, the signs, setting suspect ballots aside) and the store's own sentence when it
cannot be written.

Ballots are cast through the store's form tokens from several "browsers" at set times; every
expected table, sentence and count below is worked out by hand from that plan (``PLAN``).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3

import pytest

from partnership_tools.store import Store
from partnership_tools.store import integrity as ig
from partnership_tools.ui.common import friendly_error
from partnership_tools.ui.facilitator import FacilitatorApp
from partnership_tools.ui.facilitator.integrity_panel import (
    MODE_EXPLANATIONS,
    BallotModePanel,
    CheckBallotsPanel,
)
from partnership_tools.ui.facilitator.round_panel import RoundPanel
from partnership_tools.ui.projector import ProjectorApp
from partnership_tools.vote.model import Ballot
from partnership_tools.vote.sessionfile import read_session, write_session
from tests.sqlite_faults import read_only_sqlite

from .conftest import make_session, unlock

SALT = "test-salt"
# (browser, arrival time, ranking); None: a paper ballot (no browser).
PLAN = [
    ("phone-1", "2026-01-01T10:00:05Z", ("A", "B")),
    ("phone-1", "2026-01-01T10:00:20Z", ("A", "B")),
    ("phone-1", "2026-01-01T10:00:50Z", ("A",)),
    ("phone-2", "2026-01-01T10:01:10Z", ("B", "C")),
    ("phone-3", "2026-01-01T10:02:00Z", ("C",)),
    ("phone-3", "2026-01-01T10:02:30Z", ("C", "A")),
    (None, "2026-01-01T10:03:00Z", ("B",)),
]


def h8(browser: str) -> str:
    """The browser table's name for a browser: 8 hex digits of SHA-256("browser:salt:id")."""
    return hashlib.sha256(f"browser:{SALT}:{browser}".encode()).hexdigest()[:8]


def cast_plan(store, sid, number=1, plan=PLAN):
    """Cast the plan; returns the ballot ids in plan order."""
    ids = []
    for browser, at, ranking in plan:
        if browser is None:
            r = store.add_ballot(sid, number, Ballot(ranking, submitted_at=at, source="paper"))
            ids.append(r.ballot_id)
            continue
        bh = ig.browser_hash(browser, SALT)
        t = ig.issue_form_token(store, sid, number, ["A", "B", "C"], browser=bh)
        res = ig.cast_with_token(store, t, sid, Ballot(ranking, submitted_at=at), browser=bh)
        ids.append(res.ballot_id)
    return ids


@pytest.fixture
def session(store):
    s = make_session(store)
    ig.set_ballot_mode(store, s.id, "open")  # every cast counts: the stuffing shows
    store.open_round(s.id, ["A", "B", "C"])
    return s


@pytest.fixture
def panel(console):
    return CheckBallotsPanel(console)


def rows_of(table_html):
    """The table's body rows as (row class, [cell texts])."""
    body = table_html.split("<tbody>", 1)[1]
    out = []
    for cls, cells in re.findall(r'<tr(?: class="([^"]*)")?>(.*?)</tr>', body):
        out.append((cls, re.findall(r"<td[^>]*>(.*?)</td>", cells)))
    return out


# -- the tables and the signs ------------------------------------------------------------------
def test_tables_and_signs_of_an_open_round(panel, console, store, session):
    cast_plan(store, session.id)
    unlock(console, session.id, panel)
    assert panel.check_round.value == 1 and panel.check_round.options == (("Round 1 (open)", 1),)
    # per minute, by hand: 10:00 three ballots, 10:01 one, 10:02 two, 10:03 one (the paper one)
    assert rows_of(panel.per_minute_html.value) == [
        ("", ["2026-01-01 10:00", "3", "busiest"]),
        ("", ["2026-01-01 10:01", "1", ""]),
        ("", ["2026-01-01 10:02", "2", ""]),
        ("", ["2026-01-01 10:03", "1", ""]),
    ]
    # per browser, most first: phone-1 three, phone-3 two, phone-2 one; the paper ballot left out
    assert rows_of(panel.per_browser_html.value) == [
        (
            "pt-suspect",
            [
                h8("phone-1"),
                "3",
                "2026-01-01T10:00:05Z",
                "2026-01-01T10:00:50Z",
                "more than one ballot",
            ],
        ),
        (
            "pt-suspect",
            [
                h8("phone-3"),
                "2",
                "2026-01-01T10:02:00Z",
                "2026-01-01T10:02:30Z",
                "more than one ballot",
            ],
        ),
        ("", [h8("phone-2"), "1", "2026-01-01T10:01:10Z", "2026-01-01T10:01:10Z", ""]),
    ]
    # 7 ballots over 4 minutes: average 7 / 4 = 1.75 a minute; the busiest has 3 = 1.7 times
    text = re.sub(r"<[^>]+>", "\n", panel.signs_html.value)
    lines = [line for line in text.split("\n") if line.strip()]
    assert lines == [
        "Round 1 counts 7 ballots, which arrived over 4 minutes.",
        "The busiest minute was 2026-01-01 10:00 UTC with 3 ballots, 1.7 times the average"
        " minute with ballots.",
        "2 browsers cast more than one ballot; the most from one browser is 3.",
        "1 ballot names no browser (paper, imported or cast before browsers were recorded) and"
        " is not in the browser table.",
    ]
    # the choices: the two browsers with more than one ballot, then every minute
    assert [v for _, v in panel.suspect_select.options] == [
        f"browser:{h8('phone-1')}",
        f"browser:{h8('phone-3')}",
        "minute:2026-01-01T10:00",
        "minute:2026-01-01T10:01",
        "minute:2026-01-01T10:02",
        "minute:2026-01-01T10:03",
    ]
    assert "No ballot has been set aside" in panel.set_aside_html.value


def test_ballots_per_minute_chart(panel, console, store, session):
    cast_plan(store, session.id)
    unlock(console, session.id, panel)
    chart = panel.show_chart()
    assert chart is not None and panel.minute_chart.chart is chart
    spec = chart.to_dict()
    assert spec["mark"]["type"] == "bar" and spec["title"] == "Round 1: ballots per minute"
    values = next(iter(spec["datasets"].values()))
    # by hand, from PLAN: 10:00 three, 10:01 one, 10:02 two, 10:03 one; 10:00 the busiest
    assert [(v["minute"], v["ballots"], v["busiest"]) for v in values] == [
        ("10:00", 3, True),
        ("10:01", 1, False),
        ("10:02", 2, False),
        ("10:03", 1, False),
    ]
    # set aside the 10:00 burst: the chart follows (10:00 gone, 10:02 now the busiest)
    panel.ask_set_aside(["minute:2026-01-01T10:00"], by="Ana", why="burst")
    panel.confirm_set_aside()
    values = next(iter(panel.minute_chart.chart.to_dict()["datasets"].values()))
    assert [(v["minute"], v["ballots"], v["busiest"]) for v in values] == [
        ("10:01", 1, False),
        ("10:02", 2, True),
        ("10:03", 1, False),
    ]


def test_a_browser_name_is_escaped_and_no_round_says_so(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, panel)
    assert panel.check_round.value is None
    assert "No round yet" in panel.signs_html.value
    assert panel.show_chart() is None
    assert panel.feedback.last == "There are no ballots to draw yet."
    store.open_round(s.id, ["A", "B"])
    t = ig.issue_form_token(store, s.id, 1, ["A", "B"], browser="<b>x</b>")
    ig.cast_with_token(store, t, s.id, Ballot(("A",)), browser="<b>x</b>")
    panel.check()
    assert "&lt;b&gt;x&lt;/b" in panel.per_browser_html.value
    assert "<b>x" not in panel.per_browser_html.value


# -- setting aside -----------------------------------------------------------------------------
def test_set_aside_needs_a_choice_who_and_why_then_a_confirmation(
    panel, console, store, session, tmp_path
):
    ids = cast_plan(store, session.id)
    unlock(console, session.id, panel)
    p1 = f"browser:{h8('phone-1')}"
    assert panel.ask_set_aside() is None
    assert panel.feedback.last == "Choose the minutes or browsers whose ballots are suspect."
    panel.suspect_select.value = (p1,)
    panel.aside_why.value = "three ballots from one phone in 45 seconds"
    panel.aside_button.click()
    assert panel.feedback.last == "Say who is setting these ballots aside (Set aside by)."
    panel.aside_by.value = "  Sam   Okafor "
    panel.aside_why.value = "   "
    panel.aside_button.click()
    assert panel.feedback.last == "Say why these ballots are set aside (Why)."
    assert panel.aside_confirm_box.layout.display == "none"
    panel.aside_why.value = "three ballots from one phone in 45 seconds"
    panel.aside_button.click()
    # phone-1's first ballot is kept: its 2nd and 3rd (plan rows 2 and 3) go
    assert panel.pending == (
        1,
        [ids[1], ids[2]],
        "Sam Okafor",
        "three ballots from one phone in 45 seconds",
    )
    assert panel.aside_confirm_box.layout.display is None
    assert "Set aside 2 ballots of round 1" in panel.aside_confirm_text.value
    assert "would then count 5 ballots" in panel.aside_confirm_text.value  # 7 - 2
    assert store.ballot_count(session.id, 1) == 7  # nothing yet
    panel.aside_cancel_button.click()
    assert panel.pending is None and store.ballot_count(session.id, 1) == 7
    panel.aside_button.click()
    panel.aside_confirm_button.click()
    assert panel.feedback.last == "Set aside 2 ballots of round 1; it now counts 5."
    assert store.ballot_count(session.id, 1) == 5
    kept = rows_of(panel.set_aside_html.value)
    assert [(c[0], c[1], c[2], c[3], c[5]) for _, c in kept] == [
        ("1", str(ids[1]), "A &gt; B", "Sam Okafor", "three ballots from one phone in 45 seconds"),
        ("1", str(ids[2]), "A", "Sam Okafor", "three ballots from one phone in 45 seconds"),
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", c[4]) for _, c in kept)
    # the browser table now has phone-1 with its one first ballot; the signs say 2 set aside
    assert (h8("phone-1"), "1") in [(c[0], c[1]) for _, c in rows_of(panel.per_browser_html.value)]
    assert "2 ballots of this round have been set aside" in panel.signs_html.value
    # the saved session file carries them, and a store made from it counts 5 too
    path = write_session(store.load_session(session.id), tmp_path / "saved.json")
    record = json.loads(path.read_text(encoding="utf-8"))["session"]
    saved = record["settings"]["set_aside"]
    assert [(k["ballot_id"], k["by"], k["why"]) for k in saved] == [
        (ids[1], "Sam Okafor", "three ballots from one phone in 45 seconds"),
        (ids[2], "Sam Okafor", "three ballots from one phone in 45 seconds"),
    ]
    other = Store(tmp_path / "other.sqlite")
    other.save_session(read_session(path))
    assert other.ballot_count(session.id, 1) == 5
    other.close()


def test_set_aside_by_minute_and_a_browser_whole(panel, console, store, session):
    ids = cast_plan(store, session.id)
    unlock(console, session.id, panel)
    panel.keep_first.value = False
    got = panel.ask_set_aside(
        [f"browser:{h8('phone-3')}", "minute:2026-01-01T10:01"], by="Ana", why="a burst"
    )
    assert got == sorted([ids[4], ids[5], ids[3]])  # phone-3's two and the 10:01 one
    assert panel.confirm_set_aside() == 3
    assert store.ballot_count(session.id, 1) == 4  # 7 - 3
    assert panel.confirm_set_aside() is None  # nothing pending any more
    assert panel.feedback.last == "Choose the ballots to set aside and press Set aside first."
    assert store.ballot_count(session.id, 1) == 4


def test_results_and_projector_leave_set_aside_ballots_out(store, tmp_path):
    s = make_session(store)
    ig.set_ballot_mode(store, s.id, "open")
    store.open_round(s.id, ["A", "B", "C"])
    ids = cast_plan(store, s.id)
    store.close_round(s.id, 1)
    app = FacilitatorApp(store=store, poll_interval=None, base_url="http://example.test")
    assert app.open_session(s.id, "sesame") is not None
    projector = ProjectorApp(store=store, session_id=s.id, poll_interval=None, charts=False)
    assert projector.check() == "results"
    assert "from 7 ballots" in projector.summary_html.value
    assert app.show_results(1).ballots == 7
    assert app.check_panel.check_round.options == (("Round 1 (closed)", 1),)
    # set aside the three 10:00 ballots (all phone-1's): A > B, A > B, A
    assert app.check_panel.ask_set_aside(["minute:2026-01-01T10:00"], "Ana", "burst") == ids[:3]
    assert app.check_panel.confirm_set_aside() == 3
    # left, by hand: B>C, C, C>A, B. Modified Borda (k ranked: first k points, next k - 1, ...):
    # A = 1, B = 2 + 1 = 3, C = 1 + 1 + 2 = 4; consensus = points / (3 options x 4 ballots)
    result = app.show_results(1)
    assert result.ballots == 4
    assert "Round 1: 4 ballots" in app.results_summary.value
    assert result.consensus == pytest.approx({"A": 1 / 12, "B": 3 / 12, "C": 4 / 12})
    assert projector.check() == "results"  # the session's settings changed: redrawn
    assert "from 4 ballots" in projector.summary_html.value


# -- the ballot mode -----------------------------------------------------------------------------
def test_mode_chooser_refuses_a_change_while_the_open_round_has_ballots(console, store, session):
    modes = BallotModePanel(console)
    rounds = RoundPanel(console)
    unlock(console, session.id, modes, rounds)
    assert modes.mode_choice.value == "open"
    assert MODE_EXPLANATIONS["open"] in rounds.mode_html.value
    # an open round without ballots: a change is still safe
    assert modes.set_mode("browser") == "browser"
    assert ig.ballot_mode(store.load_session(session.id)) == "browser"
    assert "One ballot per browser" in rounds.mode_html.value
    cast_plan(store, session.id, plan=PLAN[:1])
    modes.mode_choice.value = "open"
    modes.mode_button.click()
    assert modes.feedback.kind == "error"
    assert modes.feedback.last.startswith(
        "Round 1 is open and already has 1 ballot cast under the one-ballot-per-browser rule,"
    )
    assert modes.feedback.last.endswith("close the round first and change it before the next one.")
    assert ig.ballot_mode(store.load_session(session.id)) == "browser"
    assert modes.mode_choice.value == "browser"  # back to what holds
    store.close_round(session.id, 1)
    assert modes.set_mode("codes") == "codes"
    s = store.load_session(session.id)
    assert s.uses_codes and ig.ballot_mode(s) == "codes"
    assert "No codes are issued yet" in modes.mode_status.value
    assert modes.set_mode("open") == "open"
    assert not store.load_session(session.id).uses_codes


def test_the_app_shows_the_mode_on_codes_and_round_tabs(store):
    s = make_session(store)
    app = FacilitatorApp(store=store, poll_interval=None, base_url="http://example.test")
    app.open_session(s.id, "sesame")
    assert "Check ballots" in app.tabs.titles
    codes_tab = app.tabs.children[list(app.tabs.titles).index("Codes")]
    assert app.mode_panel.pane in codes_tab.children
    assert app.mode_choice.value == "browser"  # the default
    assert MODE_EXPLANATIONS["browser"] in app.round_panel.mode_html.value


# -- the store cannot be written ---------------------------------------------------------------------
def test_a_read_only_store_says_so_in_its_own_sentence(store, tmp_path):
    s = make_session(store)
    store.open_round(s.id, ["A", "B", "C"])
    ids = cast_plan(store, s.id, plan=PLAN[:2])
    app = FacilitatorApp(store=store, poll_interval=None, base_url="http://example.test")
    app.open_session(s.id, "sesame")
    with read_only_sqlite():  # SQLite refuses every write: "readonly"
        expected = (
            f"The store {store.name} cannot be written because its file or folder is"
            " read-only; check its permissions."
        )
        # a minute's choice takes all its ballots: both of 10:00
        assert app.check_panel.ask_set_aside(["minute:2026-01-01T10:00"], "Ana", "x") == ids
        assert app.check_panel.confirm_set_aside() is None
        assert app.feedback.last == expected and app.feedback.kind == "error"
        assert app.codes_panel.set_receipts_published(True) is None
        assert app.feedback.last == expected
        assert app.enter_paper_ballot("AB") is None
        assert app.feedback.last == expected
        assert "Something went wrong" not in " ".join(app.feedback.lines)
    assert store.ballot_count(s.id, 1) == 2  # nothing half-written


def test_a_raw_sqlite_write_error_gets_the_store_sentence():
    full = sqlite3.OperationalError("database or disk is full")
    assert friendly_error(full) == (
        "The store cannot be written because the disk is full; free some space and try again.",
        True,
    )
    other = sqlite3.OperationalError("no such table: x")
    assert friendly_error(other, "checking")[1] is False


def test_even_minutes_and_a_single_minute_are_said_plainly(panel, console, store, session):
    cast_plan(store, session.id, plan=[PLAN[3], PLAN[6]])  # 10:01 one web ballot, 10:03 one paper
    unlock(console, session.id, panel)
    assert "Each of those minutes had 1 ballot: no minute stands out." in panel.signs_html.value
    assert [c[2] for _, c in rows_of(panel.per_minute_html.value)] == ["", ""]
    assert "No browser cast more than one counted ballot." in panel.signs_html.value
    s2 = make_session(store)
    store.open_round(s2.id, ["A", "B", "C"])
    cast_plan(store, s2.id, plan=PLAN[:3])  # three from phone-1, all at 10:00
    unlock(console, s2.id, panel)
    assert "All of them arrived within one minute, 2026-01-01 10:00 UTC." in panel.signs_html.value


def test_browsers_with_one_ballot_are_listed_only_up_to_a_limit(
    panel, console, store, session, monkeypatch
):
    from partnership_tools.ui.facilitator import integrity_panel

    monkeypatch.setattr(integrity_panel, "SINGLE_BROWSER_ROWS", 0)
    cast_plan(store, session.id)
    unlock(console, session.id, panel)
    # phone-1 (3) and phone-3 (2) always listed; phone-2's single ballot is not
    assert [c[0] for _, c in rows_of(panel.per_browser_html.value)] == [
        h8("phone-1"),
        h8("phone-3"),
    ]
    assert "1 more browser with one ballot each not listed." in panel.per_browser_html.value
