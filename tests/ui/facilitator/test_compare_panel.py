"""The Compare tab alone: two closed rounds, following each option's lineage."""

from __future__ import annotations

import re

import pytest

from partnership_tools.ui.facilitator.compare_panel import ComparePanel, fmt_coefficient
from partnership_tools.vote.model import Option

from .conftest import closed_round, make_session, unlock


@pytest.fixture
def panel(console):
    return ComparePanel(console)


def rows_of(html):
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in body.split("</tr>")[:-1]]


def test_fmt_coefficient():
    assert fmt_coefficient(0.25) == "0.250"
    assert fmt_coefficient(0.0625) == "0.063"  # half up (Python's own format gives 0.062)
    assert fmt_coefficient(-0.5, sign=True) == "-0.500"
    assert fmt_coefficient(0.0, sign=True) == "+0.000"
    assert fmt_coefficient(None, sign=True) == "—"


def test_needs_two_closed_rounds(panel, console, store):
    s = make_session(store)
    closed_round(store, s.id, ["A", "B"], ["AB"])
    unlock(console, s.id, panel)
    assert panel.compare_button.layout.display == "none"
    assert panel.compare_html.value == "<p class='pt-muted'>Comparing needs two closed rounds.</p>"
    assert panel.compare() is None and panel.feedback.last == "Comparing needs two closed rounds."


def test_compare_follows_a_merge(panel, console, store):
    s = make_session(store)
    # Round 1, 3 options, 2 ballots ABC: A 6/6 = 1.000, B 4/6, C 2/6.
    closed_round(store, s.id, ["A", "B", "C"], ["ABC", "ABC"])
    store.add_options(s.id, [Option("D", "Beta and Gamma", merged_from=("B", "C"))])
    # Round 2, 2 options, 2 ballots DA: D 4/4 = 1.000, A 2/4 = 0.500.
    closed_round(store, s.id, ["A", "D"], ["DA", "DA"])
    unlock(console, s.id, panel)
    assert (panel.compare_before.value, panel.compare_after.value) == (1, 2)
    assert panel.compare_button.layout.display is None
    assert panel.compare(2, 1) is not None  # the order does not matter
    assert panel.feedback.last == "Compared round 1 with round 2."
    html = panel.compare_html.value
    a = next(r for r in rows_of(html) if r[0].startswith("A"))
    assert a[2:5] == ["1.000", "0.500", "-0.500"]
    assert a[5:] == ["6", "2", "A"]
    d = next(r for r in rows_of(html) if r[0].startswith("D"))
    assert d[3] == "1.000" and d[6] == "4"
    # D merges B (4 points, 4/6) and C (2 points, 2/6): compared with its strongest parent, B,
    # for points and coefficient alike (not the parents' sum of 6 points).
    assert d[2] == "0.667" and d[4] == "+0.333" and d[5] == "4" and d[7] == "B"
    assert "strongest parent" in html and "not added up" in html
    assert "so compare coefficients rather than points" in html  # 3 options, then 2
    gone = html.split("<h3>Not on the later ballot paper</h3>")[1]
    assert "B: Beta" in gone and "C: Gamma" in gone and "into D" in gone


def test_the_same_round_twice_is_refused(panel, console, store):
    s = make_session(store)
    closed_round(store, s.id, ["A", "B"], ["AB"])
    closed_round(store, s.id, ["A", "B"], ["BA"])
    unlock(console, s.id, panel)
    assert panel.compare(1, 1) is None
    assert panel.feedback.last == "Pick two different rounds."
    panel.reset()
    assert panel.compare_html.value == ""


def test_the_message_follows_rounds_closed_on_the_same_page(panel, console, store):
    from partnership_tools.ui.facilitator.round_panel import RoundPanel

    s = make_session(store)
    rounds = RoundPanel(console)
    try:
        unlock(console, s.id, rounds, panel)
        rounds.open_round(["A", "B"])
        rounds.enter_paper_ballot("AB")
        assert rounds.close_round() == 1
        assert "Comparing needs two closed rounds." in panel.compare_html.value
        rounds.open_round(["A", "B"])
        rounds.enter_paper_ballot("BA")
        assert rounds.close_round() == 2
    finally:
        rounds.poller.stop()
    assert (panel.compare_before.value, panel.compare_after.value) == (1, 2)
    assert "Comparing needs two closed rounds." not in panel.compare_html.value
    assert "round 1 with round 2" in panel.compare_html.value
    assert panel.compare_button.layout.display != "none"
