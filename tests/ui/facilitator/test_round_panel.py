"""The Round tab alone: the ballot paper, paper ballots with undo, the live count, closing."""

from __future__ import annotations

import time

import pytest

from partnership_tools.store import Store
from partnership_tools.ui.facilitator.console import Console
from partnership_tools.ui.facilitator.round_panel import RoundPanel
from partnership_tools.vote.model import Ballot, Option

from .conftest import closed_round, make_session, unlock


@pytest.fixture
def panel(console):
    p = RoundPanel(console)
    yield p
    p.poller.stop()


def test_before_the_first_round(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, panel)
    assert panel.selected_round_options() == ["A", "B", "C"]
    assert panel.open_round_button.description == "Open round 1"
    assert panel.paper_box.layout.display == "none" and panel.open_box.layout.display is None
    assert "No round yet" in panel.round_status.value


def test_the_next_paper_leaves_out_superseded_options(panel, console, store):
    s = make_session(store)
    closed_round(store, s.id, ["A", "B", "C"], ["ABC", "CBA"])
    store.add_options(s.id, [Option("D", "Beta, reworded", amended_from="B")])
    unlock(console, s.id, panel)
    assert [cb.description for cb in panel.round_checks.children] == [
        "A: Alpha",
        "C: Gamma",
        "D: Beta, reworded",
    ]
    assert panel.selected_round_options() == ["A", "C", "D"]
    assert panel.open_round_button.description == "Open round 2"
    assert "Round 1 is closed (2 ballots). Round 2 is next." in panel.round_status.value


def test_open_needs_two_options(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, panel)
    for cb in panel.round_checks.children[1:]:
        cb.value = False
    panel.open_round_button.click()
    assert panel.feedback.last == "Tick at least two options for the ballot paper."
    assert store.open_round_of(s.id) is None


def test_paper_ballots_with_preview_count_and_undo(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, panel)
    tabs = []
    console.select_tab = tabs.append
    rnd = panel.open_round(["A", "B", "C"])
    assert rnd.number == 1 and tabs == ["Round"]
    assert "http://example.test/vote/" + s.id in panel.join_html.value
    assert "0</span> ballots" in panel.count_html.value

    panel.paper_input.value = "AZ"  # typing previews, storing nothing
    assert "pt-msg-error" in panel.paper_feedback.value
    panel.paper_input.value = "c>a"
    assert "Reads as C &gt; A (2 of 3 ranked)" in panel.paper_feedback.value
    panel.paper_add_button.click()
    assert panel.paper_input.value == ""
    assert "1</span> ballot<" in panel.count_html.value  # one ballot, singular
    panel.enter_paper_ballot("BAC")
    assert [b.ranking for b in store.load_session(s.id).round(1).ballots] == [
        ("C", "A"),
        ("B", "A", "C"),
    ]
    assert panel.paper_recent.value.index("B &gt; A &gt; C") < panel.paper_recent.value.index(
        "C &gt; A"
    )  # latest first

    assert panel.undo_last() == ("B", "A", "C")
    assert panel.undo_last() == ("C", "A")
    assert store.ballot_count(s.id, 1) == 0
    assert panel.undo_last() is None
    assert panel.feedback.last == "There is no paper ballot from this page to undo in this round."


def test_an_empty_paper_ballot_is_refused(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, panel)
    panel.open_round(["A", "B"])
    assert panel.enter_paper_ballot("  ") is None
    assert panel.feedback.kind == "error"
    assert store.ballot_count(s.id, 1) == 0


def test_close_asks_first_then_raises_on_closed(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, panel)
    closed = []
    panel.on_closed = closed.append
    panel.open_round(["A", "B"])
    panel.enter_paper_ballot("AB")
    panel.close_round_button.click()
    assert panel.confirm_box.layout.display is None
    panel.cancel_close_button.click()
    assert panel.confirm_box.layout.display == "none"
    assert store.open_round_of(s.id) is not None
    panel.close_round_button.click()
    panel.confirm_close_button.click()
    assert closed == [1]
    assert store.load_session(s.id).round(1).status == "closed"
    assert panel.feedback.last == "Round 1 is closed with 1 ballots."
    assert panel.open_round_button.description == "Open round 2"


def test_refresh_count_reads_ballots_from_elsewhere(panel, console, store, tmp_path):
    s = make_session(store)
    unlock(console, s.id, panel)
    panel.open_round(["A", "B"])
    other = Store(tmp_path / "store.sqlite")  # a participant's phone, through the server
    other.add_ballot(s.id, 1, Ballot(ranking=("B", "A")))
    other.add_ballot(s.id, 1, Ballot(ranking=("A",)))
    assert panel.refresh_count() == 2
    assert "2</span> ballots" in panel.count_html.value
    other.close()


def test_the_poller_runs_only_while_a_round_is_open(store, tmp_path, monkeypatch):
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(tmp_path / "downloads"))
    console = Console(store=store, poll_interval=0.05, base_url="http://example.test")
    panel = RoundPanel(console)
    try:
        s = make_session(store)
        unlock(console, s.id, panel)
        assert not panel.poller.running
        panel.open_round(["A", "B"])
        assert panel.poller.running
        other = Store(tmp_path / "store.sqlite")
        other.add_ballot(s.id, 1, Ballot(ranking=("B", "A")))
        other.close()
        deadline = time.monotonic() + 10
        while "1</span> ballot<" not in panel.count_html.value and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "1</span> ballot<" in panel.count_html.value
        panel.close_round()
        assert not panel.poller.running
    finally:
        panel.poller.stop()


def test_projector_link_names_the_open_session(panel, console, store, monkeypatch):
    import re

    monkeypatch.setenv("VOILA_BASE_URL", "/pt/")
    s = make_session(store)
    unlock(console, s.id, panel)
    html = panel.projector_html.value
    links = re.findall(r"<a ([^>]*)>([^<]*)</a>", html)
    assert len(links) == 1
    attrs, text = links[0]
    assert text == "Open the projector for this session"
    assert f"href='/pt/voila/render/projector.ipynb?session={s.id}'" in attrs
    assert "target='_blank'" in attrs
    assert "token" not in html


def test_no_projector_link_before_a_session(panel):
    assert panel.projector_html.value == ""
