"""The report of a saved review: content, suppression, escaping, no remote resources, PDF."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from partnership_tools.cli.main import main
from partnership_tools.reports.review_report import review_report_context
from partnership_tools.reports.write import render_report, write_report
from partnership_tools.review import (
    ActionItem,
    ActionPlan,
    Instrument,
    Responses,
    Review,
    ReviewSettings,
    write_review,
)
from tests.conftest import SAMPLE, tiny_dict

SAVED = SAMPLE / "ten_lessons_review.json"
EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def sample_html() -> str:
    return render_report(SAVED)


def evil_review(tmp_path: Path) -> Path:
    """A small two-wave review full of typed markup, with groups small enough to be hidden."""
    data = tiny_dict()
    data["title"] = "Tiny <script>alert('i')</script> check"
    data["citation"] = "Cited & <i>quoted</i>"
    inst = Instrument.from_dict(data)
    rows = []
    for wave, sizes in (("w1", {"P": 6, "M": 2, "F": 7}), ("w2", {"P": 6, "M": 6, "F": 6})):
        n = 0
        for level, k in sizes.items():
            for j in range(k):
                n += 1
                rows.append(
                    {
                        "wave": wave,
                        "level": level,
                        "a1": 1 + (n + j) % 5,
                        "a2": 1 + (2 * n) % 5,
                        "b1": 4 if level == "P" else 2,
                        "comments": EVIL if n == 1 else ("" if n % 3 else "Fine & dandy"),
                    }
                )
    review = Review(
        id="evil",
        title="Shall we <script>alert('t')</script>?",
        instrument=inst,
        responses=Responses.from_records(inst, rows),
        settings=ReviewSettings(by="level", min_group_size=5),
        action_plan=ActionPlan(
            (ActionItem("A", EVIL, owner="<b>lead</b>", due="2026-03-01"),),
        ),
        notes=f"Notes {EVIL}",
    )
    return write_review(review.with_result(), tmp_path / "evil.json")


def test_report_holds_instrument_waves_actions_and_digest(sample_html):
    data = json.loads(SAVED.read_text(encoding="utf-8"))
    inst = data["instrument"]
    for text in (data["title"], inst["title"], inst["version"], inst["licence"]):
        assert text in sample_html
    assert "Partnership Tools contributors. Partnership health check (ten lessons)" in sample_html
    assert "Wave: phase one" in sample_html and "Wave: phase two" in sample_html
    assert "From phase one to phase two" in sample_html
    assert "Strengths" in sample_html or "Worth discussing" in sample_html
    assert "<h3>Concerns</h3>" in sample_html
    # the dimension table with its bands, and the statements
    assert '<span class="band-concern">Concern</span>' in sample_html
    assert "reverse-worded" in sample_html
    assert "I understand the pressures that the other partner organisations are under." in (
        sample_html
    )
    # the action plan, word for word (apostrophes escaped)
    for item in data["action_plan"]["items"]:
        assert item["action"].replace("'", "&#39;") in sample_html
    assert "Chief officers&#39; group" in sample_html
    assert "Monthly updates between meetings make a real difference." in sample_html
    # verification and settings from the base template
    assert data["digest"]["combined"] in sample_html
    assert "Verified" in sample_html and "dimension power, wave phase two" in sample_html
    assert "minimum group size" in sample_html and "county-health-check-2024" in sample_html


def test_report_embeds_charts_and_loads_nothing_remote(sample_html):
    # per wave: profile, heatmap, answers to each statement; then the change and the coverage
    assert sample_html.count("<svg") == 2 * 3 + 1 + 1
    for caption in ("Dimension profile", "Dimensions by group", "Answers to each statement"):
        assert sample_html.count(caption) >= 2
    for tag in re.findall(r"<(?:script|link|img|iframe)[^>]*>", sample_html):
        pytest.fail(f"report references an external resource: {tag}")
    urls = set(re.findall(r"(?:src|href)\s*=\s*\"([^\"]+)\"", sample_html))
    assert not [u for u in urls if u.startswith(("http:", "https:", "//"))]
    assert "@media print" in sample_html and "size: A4" in sample_html


def test_report_escapes_typed_text_and_marks_suppressed_cells(tmp_path):
    path = evil_review(tmp_path)
    html = render_report(path)
    assert EVIL not in html and "<script>" not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") >= 3  # action, comment, notes
    assert "&lt;b&gt;lead&lt;/b&gt;" in html
    assert "Shall we &lt;script&gt;" in html
    assert "Cited &amp; &lt;i&gt;quoted&lt;/i&gt;" in html
    assert "Fine &amp; dandy" in html
    # wave w1: M has 2 respondents, so M is hidden and P (the next smallest) with it
    ctx = review_report_context(path)
    w1 = ctx["waves"][0]
    cells = {
        g: c for g, c in zip(w1["groups"]["groups"], w1["groups"]["rows"][0]["cells"], strict=True)
    }
    assert cells["M"]["status"] == "suppressed" and "fewer than 5" in cells["M"]["why"]
    assert cells["P"]["status"] == "suppressed" and "worked out" in cells["P"]["why"]
    assert cells["F"]["status"] == "shown"
    assert 'class="num suppressed" title="fewer than 5 respondents">suppressed</td>' in html
    # w2: every group shown
    assert all(c["status"] == "shown" for c in ctx["waves"][1]["groups"]["rows"][0]["cells"])
    assert ctx["replay"].verdict.ok


def test_tampered_review_report_says_so(tmp_path):
    data = json.loads(SAVED.read_text(encoding="utf-8"))
    data["result"]["warnings"] = ["edited"]
    p = tmp_path / "t.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    html = render_report(p)
    assert "Differences found" in html and "DIFFERS" in html


def test_pdf_review_report(tmp_path, capsys):
    out = tmp_path / "review.pdf"
    assert main(["report", str(SAVED), "-o", str(out)]) == 0
    assert out.read_bytes()[:5] == b"%PDF-"
    assert out.stat().st_size > 30_000
    assert "Wrote" in capsys.readouterr().out


def test_html_review_report_file(tmp_path):
    out = write_report(SAVED, tmp_path / "review.html")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "</html>" in text


def test_saved_is_when_the_file_was_saved_not_when_the_review_was_made(tmp_path):
    import dataclasses

    from partnership_tools.review import read_review

    made, saved = "2024-03-01T09:00:00Z", "2025-06-30T17:45:12Z"
    review = dataclasses.replace(read_review(SAVED), created_at=made)
    path = write_review(
        dataclasses.replace(review.with_result(), saved_at=saved), tmp_path / "r.json"
    )
    assert json.loads(path.read_text(encoding="utf-8"))["saved_at"] == saved
    assert review_report_context(path)["saved_at"] == saved
    html = render_report(path)
    lede = re.search(r'<p class="lede">(.*?)</p>', html, re.S).group(1)
    assert f"saved {saved}" in lede and made not in lede
    # a file saved before the saved time was kept: its creation time, called "created"
    old = write_review(review.with_result(), tmp_path / "old.json")
    assert "saved_at" not in json.loads(old.read_text(encoding="utf-8"))
    lede = re.search(r'<p class="lede">(.*?)</p>', render_report(old), re.S).group(1)
    assert f"created {made}" in lede and "saved" not in lede
