"""Writing a round's ballots (CSV long, PrefLib soi/soc, BLT) and reading each back through the
one reading door gives the same ballots: a hypothesis round trip for every format the kit writes,
with labels as people type them (spaces, commas, quotes, accents)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnership_tools.vote.model import Option
from partnership_tools.vote.reading import read_ballots
from partnership_tools.vote.writing import format_for, write_ballots

LABEL_CHARS = st.characters(
    whitelist_categories=("Lu", "Ll", "Nd", "Zs"), whitelist_characters=",'\"-&é’()"
)
labels = st.text(LABEL_CHARS, min_size=1, max_size=24).map(str.strip).filter(bool)


@st.composite
def ballot_rounds(draw, full: bool = False):
    texts = draw(
        st.lists(labels, min_size=2, max_size=6, unique_by=lambda t: " ".join(t.split()).casefold())
    )
    options = tuple(Option(chr(ord("A") + i), t) for i, t in enumerate(texts))
    ids = [o.id for o in options]
    n = len(ids)
    rankings = draw(
        st.lists(
            st.permutations(ids).flatmap(
                lambda p: st.integers(n if full else 1, n).map(lambda m: tuple(p[:m]))
            ),
            min_size=1,
            max_size=12,
        )
    )
    groups = draw(
        st.lists(
            st.sampled_from(["Council", "Health, social care", None]),
            min_size=len(rankings),
            max_size=len(rankings),
        )
    )
    return options, rankings, groups


def by_label(imp):
    label = {o.id: " ".join(o.label.split()) for o in imp.options}
    return Counter(tuple(label[x] for x in r) for r in imp.rankings)


def expected(options, rankings):
    label = {o.id: " ".join(o.label.split()) for o in options}
    return Counter(tuple(label[x] for x in r) for r in rankings)


@pytest.mark.parametrize("fmt", ["csv", "soi", "blt"])
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=ballot_rounds())
def test_round_trip_keeps_every_ballot(tmp_path: Path, fmt: str, data):
    options, rankings, groups = data
    path = write_ballots(tmp_path / f"r.{fmt}", options, rankings, groups, title="Round 1, 'draft'")
    if fmt == "csv":
        imp = read_ballots(path, options=list(options))
        assert imp.rankings == [tuple(r) for r in rankings]
        assert imp.groups == list(groups)
    else:
        imp = read_ballots(path)
        assert by_label(imp) == expected(options, rankings)
        assert sorted(o.label for o in imp.options) == sorted(o.label for o in options)
    assert imp.n_ballots == len(rankings)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=ballot_rounds(full=True))
def test_complete_orders_write_as_soc(tmp_path: Path, data):
    options, rankings, _ = data
    imp = read_ballots(write_ballots(tmp_path / "r.soc", options, rankings))
    assert by_label(imp) == expected(options, rankings)


def test_soc_refuses_an_incomplete_ballot(tmp_path: Path):
    options = (Option("A", "One"), Option("B", "Two"), Option("C", "Three"))
    with pytest.raises(ValueError):
        write_ballots(tmp_path / "r.soc", options, [("A", "B", "C"), ("B",)])
    assert not (tmp_path / "r.soc").exists()


def test_format_comes_from_the_name_or_is_refused():
    assert format_for("a/b.SOI") == "soi"
    with pytest.raises(ValueError, match="does not name a ballot format"):
        format_for("b.docx")
    with pytest.raises(ValueError, match="Unknown ballot format"):
        format_for("b.csv", "xml")
