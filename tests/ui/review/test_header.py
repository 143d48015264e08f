"""The page's summary line."""

from __future__ import annotations

from partnership_tools.ui.common import esc
from partnership_tools.ui.review.header import HeaderPanel, summary_html


def test_summary_of_the_sample(state):
    panel = HeaderPanel(state)
    panel.show()
    text = panel.summary.value
    assert "<b>79</b> response(s)" in text
    assert "waves: phase one, phase two" in text
    assert "from the sample responses (not in the store yet)" in text
    assert f"<p>{esc(state.instrument.title)}: <b>79</b>" in text
    assert "Partnership review" in panel.title.value


def test_summary_escapes_and_says_where_it_is_kept(state):
    state.review_id = "a<b"
    state.review_title = "<script>x</script>"
    text = summary_html(state)
    assert "stored as <code>a&lt;b</code>" in text
    assert "&lt;script&gt;" in text and "<script>" not in text


def test_no_instrument_no_summary(empty):
    empty.instrument = None
    assert summary_html(empty) == ""
