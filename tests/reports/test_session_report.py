"""Self-contained reports: content, escaping, no remote resources, PDF output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from partnership_tools.cli.main import main
from partnership_tools.reports.render import ReportError
from partnership_tools.reports.write import render_report, write_report
from partnership_tools.vote.model import Ballot, Option, Round, Session
from partnership_tools.vote.sessionfile import write_session

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "county_joint_working.json"
EVIL = "<img src=x onerror=alert(1)>"


def evil_session(tmp_path) -> Path:
    s = Session(
        id="evil",
        question="Shall we <script>alert('q')</script>?",
        threshold=0.5,
        options=(Option("A", EVIL), Option("B", "Plain & simple"), Option("C", "Third")),
        rounds=(
            Round(
                1,
                ("A", "B", "C"),
                "closed",
                tuple(
                    Ballot(r, group=g, submitted_at="2026-01-01T10:00:00Z")
                    for r, g in [(("A", "B"), "<b>G</b>"), (("B",), "x"), (("A", "C", "B"), "x")]
                ),
            ),
        ),
        groups=("<b>G</b>", "x"),
        created_at="2026-01-01T09:00:00Z",
    )
    return write_session(s, tmp_path / "evil.json")


@pytest.fixture(scope="module")
def sample_html() -> str:
    return render_report(SAMPLE)


def test_report_holds_question_rounds_summary_lineage_and_digest(sample_html):
    data = json.loads(SAMPLE.read_text())
    assert data["session"]["question"] in sample_html
    assert "Round 1" in sample_html and "Round 2" in sample_html
    assert "From round 1 to round 2" in sample_html
    assert data["digest"]["combined"] in sample_html
    assert data["results"]["summaries"]["2"].split(".")[0] in sample_html
    # lineage: the merged option names both parents
    assert re.search(r"merged from C: One senior management team; D: Joint committee", sample_html)
    assert "Verified" in sample_html


def test_report_embeds_charts_and_loads_nothing_remote(sample_html):
    # 4 charts per round (MBC, ranks, pairwise, groups) x 2 rounds + 1 change chart
    assert sample_html.count("<svg") == 9
    assert 'class="marks"' in sample_html or 'role="graphics-document"' in sample_html
    for tag in re.findall(r"<(?:script|link|img|iframe)[^>]*>", sample_html):
        pytest.fail(f"report references an external resource: {tag}")
    urls = set(re.findall(r"(?:src|href)\s*=\s*\"([^\"]+)\"", sample_html))
    assert not [u for u in urls if u.startswith(("http:", "https:", "//"))]
    assert "@media print" in sample_html and "size: A4" in sample_html


def test_report_escapes_user_text(tmp_path):
    html = render_report(evil_session(tmp_path))
    assert EVIL not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>" not in html
    assert "&lt;b&gt;G&lt;/b&gt;" in html
    assert "Plain &amp; simple" in html


def test_pdf_report(tmp_path):
    out = write_report(SAMPLE, tmp_path / "r.pdf", "pdf")
    head = out.read_bytes()[:5]
    assert head == b"%PDF-"
    assert out.stat().st_size > 20_000  # charts and tables, not an empty page


def test_cli_report_and_bad_input(tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", str(SAMPLE), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["report", str(bad), "-o", str(tmp_path / "x.html")]) == 2
    assert "neither a saved vote nor a saved review" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()  # nothing half-written
    with pytest.raises(ReportError, match="html or pdf"):
        write_report(SAMPLE, tmp_path / "r.doc", "doc")


def test_report_lists_every_registered_rule_beyond_the_main_table():
    from partnership_tools.vote.rules import registered

    def top_two(counts):  # ballots ranking the option first or second
        r = counts.ballots.ranks
        return ((r >= 1) & (r <= 2)).sum(axis=0)

    with registered("top_two", "Top two (toy rule)", top_two):
        html = render_report(SAMPLE)
    assert "Other counting rules" in html
    first = html.split("<caption>Other counting rules</caption>", 1)[1].split("</table>", 1)[0]
    assert 'data-rule="dowdall">Dowdall (rank k scores 1/k)</th>' in first
    assert 'data-rule="top_two">Top two (toy rule)</th>' in first
    # Round 1 recounted in plain Python from the file: Dowdall 1/k, and top-two counts
    r1 = json.loads(SAMPLE.read_text())["session"]["rounds"][0]
    dowdall = dict.fromkeys(r1["option_ids"], 0.0)
    top = dict.fromkeys(r1["option_ids"], 0)
    for b in r1["ballots"]:
        for k, o in enumerate(b["ranking"], start=1):
            dowdall[o] += 1 / k
            top[o] += k <= 2
    for oid in r1["option_ids"]:
        row = re.search(rf'<th scope="row">{oid}: [^<]*</th>\s*(.*?)</tr>', first, re.S).group(1)
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        assert cells == [f"{dowdall[oid]:.3f}", str(top[oid])]
    assert "top_two" not in render_report(SAMPLE)


def test_report_rounds_half_up_and_hides_small_groups(tmp_path):
    def ballots(specs):
        return tuple(Ballot(r, group=g, submitted_at="2026-01-01T10:00:00Z") for r, g in specs)

    # n = 2, N = 8 (16 points possible): Staff 5 x A>B, Police 1 x B>A, 2 x B without a group:
    #   A 5 x 2 + 1 = 11 (0.6875 -> 0.688), B 5 + 2 + 2 = 9 (0.5625 -> 0.563)
    #   Police (1) is hidden; Staff = overall minus 3 others: 3 < 5, so Staff is hidden too.
    specs = [(("A", "B"), "Staff")] * 5 + [(("B", "A"), "Police")] + [(("B",), None)] * 2
    s = Session(
        id="small",
        question="Which?",
        threshold=0.6,
        options=(Option("A", "Alpha"), Option("B", "Beta")),
        rounds=(Round(1, ("A", "B"), "closed", ballots(specs)),),
        groups=("Staff", "Police"),
        created_at="2026-01-01T09:00:00Z",
    )
    page = render_report(write_session(s, tmp_path / "small.json"))
    assert '<td class="num">0.688</td>' in page and '<td class="num">0.563</td>' in page
    assert f"{0.6875:.3f}" == "0.688" and f"{0.5625:.3f}" == "0.562"  # the old rule differed here
    assert "Police is not shown: fewer than 5 ballots" in page
    assert "Staff is not shown either" in page
    assert "Consensus coefficient by stakeholder group" not in page
    assert "Lowest group" not in page
    # With the facilitator's minimum of 1 every group is shown, with its lowest group.
    s1 = s.replace(id="small1", settings={"min_group_size": 1})
    page = render_report(write_session(s1, tmp_path / "small1.json"))
    assert "Consensus coefficient by stakeholder group" in page and "Lowest group" in page
    # A: Staff 10 of 10 = 1.0, Police 1 of 2 = 0.5 -> Police; B: Staff 5 of 10 = 0.5 -> Staff
    assert "Police (0.500)" in page and "Staff (0.500)" in page
