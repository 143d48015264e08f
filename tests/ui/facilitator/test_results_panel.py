"""The Results tab alone: the table and summary of a closed round, and publishing."""

from __future__ import annotations

import re

import pytest

from partnership_tools.ui.facilitator.results_panel import ResultsPanel

from .conftest import closed_round, make_session, unlock


@pytest.fixture
def panel(console):
    return ResultsPanel(console)


def cells(row_html):
    return re.findall(r"<td[^>]*>(.*?)</td>", row_html)


def test_nothing_closed_yet(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, panel)
    assert "once a round is closed" in panel.results_summary.value
    assert panel.results_table.value == "" and panel.results_round.options == ()
    assert panel.show_results() is None and panel.feedback.last == "No round has closed yet."


def test_closing_shows_the_last_round(panel, console, store):
    s = make_session(store)
    # Modified Borda Count, 3 options: a ballot ranking m of them gives m, m-1, … points.
    # ABC: A3 B2 C1; BAC: B3 A2 C1; CA (2 ranked): C2 A1  ->  A 6, B 5, C 4 points.
    # Consensus coefficient = points / (3 ballots x 3 options): A 0.667, B 0.556, C 0.444.
    closed_round(store, s.id, ["A", "B", "C"], ["ABC", "BAC", "CA"])
    unlock(console, s.id, panel)
    assert panel.results_round.value == 1 and panel.shown == 1
    assert "Round 1: 3 ballots, 3 options" in panel.results_summary.value
    rows = panel.results_table.value.split("<tbody>")[1].split("</tr>")[:-1]
    assert [cells(r)[:5] for r in rows] == [
        ["1", "A", "Alpha", "6", "0.667"],
        ["2", "B", "Beta", "5", "0.556"],
        ["3", "C", "Gamma", "4", "0.444"],
    ]
    assert 'class="pt-win"' in rows[0] and "pt-win" not in rows[1]
    assert "Consensus threshold 0.60" in panel.results_table.value


def test_choosing_an_earlier_round(panel, console, store):
    s = make_session(store)
    closed_round(store, s.id, ["A", "B"], ["AB", "AB"])
    closed_round(store, s.id, ["B", "C"], ["CB"])
    unlock(console, s.id, panel)
    assert panel.results_round.value == 2
    panel.results_round.value = 1
    assert panel.shown == 1 and "Round 1: 2 ballots, 2 options" in panel.results_summary.value


def test_an_open_round_has_no_results_yet(panel, console, store):
    s = make_session(store)
    store.open_round(s.id, ["A", "B"])
    unlock(console, s.id, panel)
    assert panel.show_results(1) is None
    assert panel.feedback.last == "Round 1 is still open; close it to see the results."


def test_publish_switch(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, panel)
    panel.publish_check.value = True
    assert store.load_session(s.id).results_published is True
    assert panel.feedback.last == "Participants can now see the results on the ballot page."
    assert panel.set_published(False) is False
    assert store.load_session(s.id).results_published is False
    assert panel.publish_check.value is False
    # A refresh mirrors the store without writing to it.
    store.set_published(s.id, True)
    console.refresh()
    assert panel.publish_check.value is True


def test_the_chart_export_row_stays_hidden_without_charts(panel, console, store):
    s = make_session(store)
    closed_round(store, s.id, ["A", "B"], ["AB"])
    unlock(console, s.id, panel)
    assert panel.chart_export.widget.layout.display == "none"
    assert panel.chart_export.save("png") is None
    assert panel.feedback.last == "There is no chart to save yet."
