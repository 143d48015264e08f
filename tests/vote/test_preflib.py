"""PrefLib files (.soc, .soi, .toc, .toi; current and old format): reading, refusing, writing,
and a hypothesis round trip. Expected counts are worked out by hand in the comments, and MBC
points are checked against a separate, few-line computation, not the kit's counter alone."""

from __future__ import annotations

import io
import re
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnership_tools.vote.ballots_csv import BallotFileError, BallotImport
from partnership_tools.vote.count import count_round
from partnership_tools.vote.model import Option
from partnership_tools.vote.preflib import read_preflib, write_preflib

CASE = Path("/work/shared/cases/import/07-preflib-soi")


def read(text: str, name: str = "votes.soi") -> BallotImport:
    return read_preflib(io.StringIO(text), name=name)


def header(
    n_alt: int, kind: str = "soi", voters: int | None = None, unique: int | None = None
) -> str:
    out = [f"# DATA TYPE: {kind}", f"# NUMBER ALTERNATIVES: {n_alt}"]
    if voters is not None:
        out.append(f"# NUMBER VOTERS: {voters}")
    if unique is not None:
        out.append(f"# NUMBER UNIQUE ORDERS: {unique}")
    out += [f"# ALTERNATIVE NAME {k}: Option {k}" for k in range(1, n_alt + 1)]
    return "\n".join(out) + "\n"


def mbc_by_hand(lines: list[str]) -> Counter:
    """MBC points from 'count: a,b,c' lines, independently: each of count ballots ranking m
    alternatives gives the one in place p (1-based) m - p + 1 points."""
    points: Counter = Counter()
    for line in lines:
        count, order = line.split(":")
        alts = [a.strip() for a in order.split(",") if a.strip()]
        for p, a in enumerate(alts, start=1):
            points[a] += int(count) * (len(alts) - p + 1)
    return points


# -- the shared case -------------------------------------------------------------------------
@pytest.mark.skipif(not CASE.exists(), reason="shared import cases not present")
def test_case_07_reads_seven_ballots_with_the_expected_mbc_points():
    path = CASE / "county-governance.soi"
    imp = read_preflib(path)
    assert imp.layout == "preflib-soi"
    assert imp.n_ballots == 7
    assert [(o.id, o.label) for o in imp.options] == [
        ("1", "Joint committee"),
        ("2", "Lead council model"),
        ("3", "Pooled budget"),
        ("4", "Stay as we are"),
    ]
    result = count_round(imp.matrix)
    # expected.txt: 1 -> 14, 3 -> 10, 2 -> 9, 4 -> 2; by hand: 3x(1,3,2) gives 1:9 3:6 2:3,
    # 2x(2,1) gives 2:4 1:2, (3,1,2,4) gives 3:4 1:3 2:2 4:1, (4) gives 4:1.
    assert result.mbc == {"1": 14, "2": 9, "3": 10, "4": 2}
    orders = [ln for ln in path.read_text().splitlines() if ln and not ln.startswith("#")]
    assert dict(mbc_by_hand(orders)) == result.mbc
    # consensus coefficient of 1: 14 / (7 ballots x 4 options) = 0.5
    assert result.mbc["1"] / (7 * 4) == 0.5
    assert not imp.rejected and not imp.abstentions
    assert imp.rows == (17, 17, 17, 18, 18, 19, 20)


# -- reading -----------------------------------------------------------------------------------
def test_weighted_incomplete_orders_expand_with_their_line_numbers():
    text = header(3, voters=4, unique=2) + "3: 2,3\n1: 1\n"
    imp = read(text)
    # header is 2 + 3 name lines + 2 count lines = 7 lines, so the orders are lines 8 and 9
    assert imp.rankings == [("2", "3")] * 3 + [("1",)]
    assert imp.rows == (8, 8, 8, 9)
    assert imp.matrix.ranks.tolist() == [[0, 1, 2]] * 3 + [[1, 0, 0]]
    assert imp.participants == (None,) * 4
    assert imp.report is not None and imp.report.format == "preflib"
    assert imp.report.header_rows == tuple(range(1, 8))


def test_ties_in_a_toi_file_are_rejected_once_per_voter():
    text = header(4, "toi", voters=5) + "2: 1,{2,3},4\n1: {4,1,3}\n2: 3,1\n"
    imp = read(text, "t.toi")
    assert imp.layout == "preflib-toi"
    # lines: 2 header + 1 voters + 4 names = 7, so orders on lines 8, 9, 10
    assert imp.rankings == [("3", "1"), ("3", "1")]
    assert [(r.row, r.reason) for r in imp.rejected] == [
        (8, "ties options 2 and 3"),
        (8, "ties options 2 and 3"),
        (9, "ties options 4, 1 and 3"),
    ]
    assert imp.rejected[0].text == "2: 1,{2,3},4"
    assert imp.summary() == "2 valid ballots, 3 rejected, 0 blank."


def test_a_complete_toc_file_with_singleton_braces_is_strict():
    imp = read(header(3, "toc") + "1: {2},1,3\n2: 3,{1,2}\n", "c.toc")
    assert imp.rankings == [("2", "1", "3")]
    assert len(imp.rejected) == 2


def test_an_empty_order_is_a_blank_ballot_per_voter():
    imp = read(header(2, voters=3) + "1: 2,1\n2:\n")
    assert imp.rankings == [("2", "1")]
    assert imp.abstentions == (7, 7)


def test_soc_file_reads_complete_orders():
    imp = read(header(3, "soc", voters=3) + "2: 3,1,2\n1: 1,2,3\n", "c.soc")
    assert imp.layout == "preflib-soc"
    # MBC with m = 3 everywhere: 3 gets 2x3 + 1 = 7, 1 gets 2x2 + 3 = 7, 2 gets 2x1 + 2 = 4
    assert count_round(imp.matrix).mbc == {"1": 7, "2": 4, "3": 7}


def test_the_kind_comes_from_the_data_type_then_the_extension():
    body = "# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n1: 2\n"
    assert read(body, "x.soi").layout == "preflib-soi"
    assert read(body, "x.txt").layout == "preflib-soi"
    assert read(body.replace("1: 2", "1: {1,2}"), "x.txt").layout == "preflib-toi"
    with pytest.raises(BallotFileError, match="a soc file holds complete orders"):
        read(body, "x.soc")


def test_old_format_is_read():
    text = "3\n1,Joint committee\n2,Lead council, the model\n3,Pooled budget\n4,4,2\n3,2,1\n1,3\n"
    imp = read(text, "old.soi")
    assert [o.label for o in imp.options] == [
        "Joint committee",
        "Lead council, the model",
        "Pooled budget",
    ]
    assert imp.rankings == [("2", "1")] * 3 + [("3",)]
    assert imp.rows == (6, 6, 6, 7)
    assert any("old PrefLib format" in n for n in imp.report.notes)


def test_old_format_ties_are_rejected():
    imp = read("2\n1,A\n2,B\n3,3,2\n2,{1,2}\n1,2,1\n", "old.toc")
    assert imp.rankings == [("2", "1")]
    assert [(r.row, r.reason) for r in imp.rejected] == [(5, "ties options 1 and 2")] * 2


def test_crlf_and_bom_and_a_path(tmp_path: Path):
    p = tmp_path / "b.soi"
    p.write_bytes(("\ufeff" + header(2) + "1: 2\n").replace("\n", "\r\n").encode("utf-8"))
    imp = read_preflib(p)
    assert imp.path == str(p)
    assert imp.rankings == [("2",)]
    assert imp.rows == (5,)


# -- refusals: one sentence naming the file and the line ---------------------------------------
@pytest.mark.parametrize(
    "text, name, line, words",
    [
        (
            header(3, voters=5) + "3: 1,2\n1: 3\n",
            "v.soi",
            3,
            "NUMBER VOTERS says 5 but the file has 4",
        ),
        (header(2, unique=3) + "1: 1\n1: 2\n", "u.soi", 3, "NUMBER UNIQUE ORDERS says 3"),
        (
            header(3) + "1: 1,7\n",
            "x.soi",
            6,
            "alternative 7 is not one of the file's alternatives (1 to 3)",
        ),
        (header(3) + "1: 1,2,1\n", "x.soi", 6, "ranks alternative 1 twice"),
        (header(3) + "1: 1;2\n", "x.soi", 6, "not an alternative number"),
        (header(3) + "1 2 3\n", "x.soi", 6, "is not an order line"),
        (header(3) + "1: 1,2,\n", "x.soi", 6, "ends with a comma"),
        (header(3) + "1: 1,{2,3\n", "x.toi", 6, "never closed"),
        (header(3) + "0: 1,2\n", "x.soi", 6, "the count is 0"),
        (header(3, "soi") + "1: 1,{2,3}\n", "x.soi", 6, "a soi file holds strict orders"),
        (header(3, "soc") + "1: 3,1\n", "x.soc", 6, "leaves out alternative 2"),
        (header(3, "toc") + "1: {3,1}\n", "x.toc", 6, "leaves out alternative 2"),
        (
            header(2) + "1: 1\n# NUMBER VOTERS: 1\n",
            "x.soi",
            6,
            "a header line comes after the orders",
        ),
        (
            "# NUMBER ALTERNATIVES: 3\n# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n1: 1\n",
            "x.soi",
            1,
            "alternative 3 has no name",
        ),
        (
            "# NUMBER ALTERNATIVES: 1\n# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n1: 1\n",
            "x.soi",
            3,
            "alternative 2 is named but the file has 1",
        ),
        ("# NUMBER ALTERNATIVES: 0\n1: 1\n", "x.soi", 1, "0 alternatives"),
        ("0\n0,0,0\n1\n", "old.soi", 1, "0 alternatives"),
        ("# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 1: B\n1: 1\n", "x.soi", 2, "named twice"),
        ("# ALTERNATIVE NAME 1:\n1: 1\n", "x.soi", 1, "empty name"),
        ("# DATA TYPE: wmd\n# ALTERNATIVE NAME 1: A\n1: 1\n", "x.wmd", 1, "DATA TYPE is 'wmd'"),
        (
            "# NUMBER ALTERNATIVES: two\n# ALTERNATIVE NAME 1: A\n1: 1\n",
            "x.soi",
            1,
            "not a whole number",
        ),
        (
            "3\n1,A\n2,B\n3,C\n4,5,2\n3,1\n1,2\n",
            "old.soi",
            5,
            "the counts line's second number says 5",
        ),
        ("2\n1,A\n2,B\n1,1,1\n1;2\n", "old.soi", 5, "is not an order line 'count,a,b,c'"),
        ("2\n1,A\nB\n1,1,1\n1,2\n", "old.soi", 3, "is not an alternative line"),
    ],
)
def test_faults_are_refused_with_file_and_line(text, name, line, words):
    with pytest.raises(BallotFileError) as exc:
        read(text, name)
    message = str(exc.value)
    assert message.startswith(f"The PrefLib file {name}, line {line}: "), message
    assert words in message
    assert message.endswith(".") and message.count(". ") == 0  # one sentence


def test_whole_file_faults_name_the_file():
    with pytest.raises(
        BallotFileError, match=r"^The PrefLib file e\.soi: it has a header but no orders"
    ):
        read(header(2), "e.soi")
    with pytest.raises(
        BallotFileError, match=r"^The PrefLib file e\.soi: it names no alternatives"
    ):
        read("1: 1\n", "e.soi")
    with pytest.raises(BallotFileError, match="does not exist"):
        read_preflib("/nonexistent/folder/x.soi")


def test_unnamed_alternatives_get_numbered_labels_and_a_note():
    imp = read("# NUMBER ALTERNATIVES: 2\n1: 2,1\n")
    assert [o.label for o in imp.options] == ["Alternative 1", "Alternative 2"]
    assert any("names no alternatives" in n for n in imp.report.notes)


# -- writing -----------------------------------------------------------------------------------
OPTS = (
    Option("A", "Joint committee"),
    Option("B", "Pooled budget"),
    Option("C", "Stay, as we are"),
)


def test_write_merges_identical_orders_and_fills_the_header(tmp_path: Path):
    rankings = [("C", "A"), ("B",), ("C", "A"), ("A", "B", "C"), ("C", "A")]
    p = write_preflib(tmp_path / "r.soi", OPTS, rankings, title="Round 2", date="2024-06-01")
    lines = p.read_text(encoding="utf-8").splitlines()
    assert "# NUMBER VOTERS: 5" in lines and "# NUMBER UNIQUE ORDERS: 3" in lines
    assert "# ALTERNATIVE NAME 3: Stay, as we are" in lines
    assert "# TITLE: Round 2" in lines and "# DATA TYPE: soi" in lines
    # C>A three times first, then the two single orders in order of first appearance
    assert lines[-3:] == ["3: 3,1", "1: 2", "1: 1,2,3"]
    imp = read_preflib(p)
    assert Counter(imp.rankings) == Counter({("3", "1"): 3, ("2",): 1, ("1", "2", "3"): 1})


def test_soc_needs_complete_rankings_and_auto_chooses(tmp_path: Path):
    with pytest.raises(ValueError, match=r"\.soc file needs every ballot to rank all 3"):
        write_preflib(tmp_path / "r.soc", OPTS, [("A", "B", "C"), ("B",)], kind="soc")
    assert not (tmp_path / "r.soc").exists()
    full = [("A", "B", "C"), ("C", "B", "A")]
    p = write_preflib(tmp_path / "f.soc", OPTS, full, kind="auto")
    assert "# DATA TYPE: soc" in p.read_text().splitlines()
    assert read_preflib(p).layout == "preflib-soc"
    p2 = write_preflib(tmp_path / "g.soi", OPTS, [("A",)], kind="auto")
    assert "# DATA TYPE: soi" in p2.read_text().splitlines()


def test_write_refuses_bad_rankings_and_kinds(tmp_path: Path):
    with pytest.raises(ValueError, match="unknown option 'Z'"):
        write_preflib(tmp_path / "r.soi", OPTS, [("A", "Z")])
    with pytest.raises(ValueError, match="twice"):
        write_preflib(tmp_path / "r.soi", OPTS, [("A", "A")])
    with pytest.raises(ValueError, match="cannot be written"):
        write_preflib(tmp_path / "r.toi", OPTS, [("A",)], kind="toi")
    assert not list(tmp_path.iterdir())


def test_a_blank_ranking_writes_and_reads_back_as_an_abstention(tmp_path: Path):
    p = write_preflib(tmp_path / "r.soi", OPTS, [("B",), ()], date="2024-01-01")
    assert p.read_text().splitlines()[-1] == "1:"
    imp = read_preflib(p)
    assert imp.rankings == [("2",)] and len(imp.abstentions) == 1


def test_a_label_with_a_line_break_is_written_on_one_line(tmp_path: Path):
    p = write_preflib(tmp_path / "r.soi", [Option("A", "Two\nlines"), Option("B", "B")], [("A",)])
    assert [o.label for o in read_preflib(p).options] == ["Two lines", "B"]


# -- round trip --------------------------------------------------------------------------------
LABEL_CHARS = st.characters(
    whitelist_categories=("Lu", "Ll", "Nd", "Zs"), whitelist_characters=",'\"-&é’()#:{}"
)
labels = st.text(LABEL_CHARS, min_size=1, max_size=20).map(str.strip).filter(bool)


@st.composite
def rounds(draw):
    texts = draw(st.lists(labels, min_size=1, max_size=7))
    options = tuple(Option(f"o{i}", t) for i, t in enumerate(texts))
    ids = [o.id for o in options]
    ranking = st.permutations(ids).flatmap(
        lambda p: st.integers(0, len(p)).map(lambda m: tuple(p[:m]))
    )
    return options, draw(st.lists(ranking, min_size=1, max_size=15))


@settings(max_examples=60, deadline=None)
@given(data=rounds())
def test_write_then_read_gives_the_same_ballots_and_labels(data):
    options, rankings = data
    with tempfile.TemporaryDirectory() as d:
        imp = read_preflib(write_preflib(Path(d) / "r.soi", options, rankings))
    assert [o.label for o in imp.options] == [o.label for o in options]
    number = {o.id: str(k) for k, o in enumerate(options, start=1)}
    written = Counter(tuple(number[x] for x in r) for r in rankings if r)
    assert Counter(imp.rankings) == written
    assert len(imp.abstentions) == sum(1 for r in rankings if not r)
    assert not imp.rejected
    assert all(re.fullmatch(r"\d+", o.id) for o in imp.options)
