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


def grouped_round(store, session_id, option_ids, ballots):
    """Like ``closed_round``, with each ballot's group: ``[(ranking, group), ...]``."""
    from partnership_tools.vote.model import Ballot

    rnd = store.open_round(session_id, option_ids)
    for ranking, group in ballots:
        store.add_ballot(session_id, rnd.number, Ballot(ranking=tuple(ranking), group=group))
    store.close_round(session_id, rnd.number)


def test_lowest_group_names_ties_and_hides_small_groups(panel, console, store):
    s = make_session(store, labels=("Alpha", "Beta"), groups=("Staff", "Public", "Police"))
    # Staff 5 x AB (A 10 of 10 = 1.0); Public 5 x BA (A 5 of 10 = 0.5); Police 1 x A;
    # 4 ballots without a group (BA): outside Staff and Public: 1 + 4 = 5, so both stay shown.
    ballots = (
        [("AB", "Staff")] * 5 + [("BA", "Public")] * 5 + [("A", "Police")] + [("BA", None)] * 4
    )
    grouped_round(store, s.id, ["A", "B"], ballots)
    unlock(console, s.id, panel)
    rows = panel.results_table.value.split("<tbody>")[1].split("</tr>")[:-1]
    by_id = {cells(r)[1]: cells(r) for r in rows}
    # B: Staff 5 of 10 = 0.5, Public 10 of 10: lowest Staff. A: Public 0.5.
    assert by_id["A"][-1] == "0.50 (Public)" and by_id["B"][-1] == "0.50 (Staff)"
    assert "Police is not shown: fewer than 5 ballots" in panel.results_table.value
    # With a minimum of 1, Police is shown: its one ballot, A alone, gives A 1 of 2 = 0.5 (tied
    # with Public) and B 0 of 2.
    store.update_session(s.id, settings={"min_group_size": 1})
    console.refresh()
    panel.show_results(1)
    rows = panel.results_table.value.split("<tbody>")[1].split("</tr>")[:-1]
    by_id = {cells(r)[1]: cells(r) for r in rows}
    assert by_id["B"][-1] == "0.00 (Police)"
    assert by_id["A"][-1] == "0.50 (Public, Police)"
    assert "not shown" not in panel.results_table.value


def test_tied_lowest_groups_are_all_named(panel, console, store):
    s = make_session(store, labels=("Alpha", "Beta"), groups=("Staff", "Public", "Police"))
    # Staff 5 x AB: B 5 of 10; Public 5 x AB: B 5 of 10; Police 5 x BA: B 10 of 10.
    ballots = [("AB", "Staff")] * 5 + [("AB", "Public")] * 5 + [("BA", "Police")] * 5
    grouped_round(store, s.id, ["A", "B"], ballots)
    unlock(console, s.id, panel)
    rows = panel.results_table.value.split("<tbody>")[1].split("</tr>")[:-1]
    by_id = {cells(r)[1]: cells(r) for r in rows}
    assert by_id["B"][-1] == "0.50 (Staff, Public)"
    assert by_id["A"][-1] == "0.50 (Police)"
    # The summary names both groups tied for lowest too (A wins: 10 + 10 + 5 = 25 of 30).
    assert "the lowest coefficient for Alpha is 0.50, from Police" in panel.results_summary.value


def test_coefficients_round_half_up(panel, console, store):
    s = make_session(store, labels=("Alpha", "Beta"))
    # n = 2, N = 8 (16 points possible): 3 x AB, 2 x BA, 3 x B
    #   A 3 x 2 + 2 x 1 = 8 (0.500); B 3 + 4 + 3 = 10 (0.625)
    closed_round(store, s.id, ["A", "B"], ["AB"] * 3 + ["BA"] * 2 + ["B"] * 3)
    unlock(console, s.id, panel)
    rows = panel.results_table.value.split("<tbody>")[1].split("</tr>")[:-1]
    assert cells(rows[0])[1:5] == ["B", "Beta", "10", "0.625"]
    assert "a consensus coefficient of 0.63" in panel.results_summary.value


def test_the_facilitator_sets_the_smallest_group_shown(panel, console, store):
    s = make_session(store, labels=("Alpha", "Beta"), groups=("Staff", "Public"))
    # Staff 3 x AB, Public 3 x BA: with the default of 5 both are hidden.
    grouped_round(store, s.id, ["A", "B"], [("AB", "Staff")] * 3 + [("BA", "Public")] * 3)
    unlock(console, s.id, panel)
    assert panel.min_size.value == 5
    assert "Lowest group" not in panel.results_table.value
    assert "Staff and Public are not shown: fewer than 5 ballots each" in panel.results_table.value
    panel.min_size.value = 3
    assert store.load_session(s.id).settings["min_group_size"] == 3
    assert panel.feedback.last == "Results by group now show only groups with at least 3 ballots."
    # A: Staff 6 of 6 = 1.0, Public 3 of 6 = 0.5 -> Public
    rows = panel.results_table.value.split("<tbody>")[1].split("</tr>")[:-1]
    assert {cells(r)[1]: cells(r)[-1] for r in rows} == {"A": "0.50 (Public)", "B": "0.50 (Staff)"}
    assert panel.set_min_group_size(0) is None
    assert panel.feedback.last == "The smallest group shown must be a whole number of at least 1."
    console.refresh()
    assert panel.min_size.value == 3
