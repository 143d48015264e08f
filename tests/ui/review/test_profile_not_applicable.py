"""The Profile tab counts "not applicable" beside "don't know" (both counted, never averaged)."""

from __future__ import annotations

import re

from partnership_tools.review import Responses
from partnership_tools.review.actions import ActionPlan
from partnership_tools.review.scoring import score_review
from partnership_tools.ui.common import Feedback
from partnership_tools.ui.review.profile import PROFILE_COLUMNS, ProfilePanel, profile_rows
from partnership_tools.ui.review.shared import OVERALL
from partnership_tools.ui.review.state import ReviewState
from tests.conftest import records

# Eight people answer b1 (Beta's only item): five on the scale, one "don't know", two "N/A".
B1 = [4, 5, 3, 4, 2, "Don't know", "N/A", "N/A"]


def _state(tiny, tmp_path) -> ReviewState:
    state = ReviewState(db=None, db_path=tmp_path / "s.sqlite", instrument=tiny, plan=ActionPlan())
    state.responses = Responses.from_records(tiny, records([("P", {"b1": a}) for a in B1]))
    state.result = score_review(state.responses, tiny)
    return state


def _cells(html: str, title: str) -> list[str]:
    row = next(r for r in html.split("</tr>") if f">{title}<" in r)
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[dh][^>]*>.*?</t[dh]>", row)]


def test_profile_rows_count_not_applicable_beside_dont_know(tiny, tmp_path):
    state = _state(tiny, tmp_path)
    rows = {r[0]: r for r in profile_rows(state.result.dimensions, "w1", OVERALL)}
    beta = dict(zip(PROFILE_COLUMNS, rows["Beta"], strict=True))
    # valid 4, 5, 3, 4, 2: mean 18 / 5 = 3.60
    assert beta["Mean"] == "3.60" and beta["Valid answers"] == "5"
    assert (beta["Don't know"], beta["Not applicable"]) == ("1", "2")


def test_profile_table_html_shows_both_counts(tiny, tmp_path):
    state = _state(tiny, tmp_path)
    panel = ProfilePanel(state, Feedback(), tmp_path)
    panel.show(OVERALL)
    html = panel.table.value
    head = _cells(html, "Dimension")
    assert head[-2:] == ["Don&#x27;t know", "Not applicable"]
    beta = _cells(html, "Beta")
    assert beta[-3:] == ["5", "1", "2"]  # valid answers, don't know, not applicable
