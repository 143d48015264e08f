"""The reports on A4 paper (WeasyPrint's own layout, page by page): a caption stays on the page
of its table's first row or its chart, long tables repeat their header, and charts fit the
page's width. Positions come from laying the page out, not from reading the stylesheet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from partnership_tools.reports.render import css
from partnership_tools.reports.write import render_report

weasyprint = pytest.importorskip("weasyprint")

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "county_joint_working.json"
A4_CONTENT_WIDTH_PX = (210 - 2 * 14) / 25.4 * 96  # 182 mm inside the margins, in CSS px


def layout(html: str):
    return weasyprint.HTML(string=html).render()


def first_page(doc, match) -> dict:
    """For each element ``match(element)`` names, the page (from 0) of its first box."""
    found: dict = {}
    for n, page in enumerate(doc.pages):
        for box in page._page_box.descendants():
            el = getattr(box, "element", None)
            if el is not None:
                key = match(el)
                if key is not None and key not in found:
                    found[key] = n
    return found


def tables_doc(filler: int) -> str:
    """Six tables (short and long, each after a paragraph of ``filler`` words) in report CSS."""
    parts = []
    for t in range(6):
        parts.append("<p>" + "word " * (filler + 97 * t) + "</p>")
        n = 70 if t % 2 else 6
        rows = "".join(
            f"<tr id='r{t}-{k}'><td>Option {k}</td><td class='num'>{k}</td></tr>" for k in range(n)
        )
        parts.append(
            f"<h3>Round {t}</h3><div class='scroll-x'><table><caption id='c{t}'>Results {t}"
            "</caption><thead><tr><th id='h'>Option</th><th>Points</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )
    return f"<html><head><style>{css()}</style></head><body>{''.join(parts)}</body></html>"


@pytest.mark.parametrize("filler", [0, 180, 420, 650])
def test_captions_stay_with_their_tables(filler):
    doc = layout(tables_doc(filler))
    where = first_page(doc, lambda el: el.get("id"))
    for t in range(6):
        assert where[f"c{t}"] == where[f"r{t}-0"], f"caption {t} left behind (filler {filler})"
    # The long tables run over a page and repeat their header row there.
    headers = [
        sum(
            1
            for b in p._page_box.descendants()
            if getattr(b, "element", None) is not None
            and b.element.get("id") == "h"
            and type(b).__name__ == "TableCellBox"
        )
        for p in doc.pages
    ]
    long_rows = {where[f"r1-{k}"] for k in range(70)}
    assert len(long_rows) > 1
    assert all(headers[p] >= 1 for p in long_rows)


def label_pairs(html: str) -> tuple[str, int, int]:
    """Give each figure's caption and chart, and each table's caption and first body row,
    matching ids (``fc3``/``fs3``, ``tc2``/``tr2``); returns the HTML and the two counts."""
    counter = iter(range(10_000))

    def figure(m: re.Match) -> str:
        n = next(counter)
        return f"{m.group(1)} id='fc{n}'>{m.group(2)}<svg id='fs{n}'"

    html, figures = re.subn(
        r"(<figure[^>]*>\s*<figcaption)>(.*?</figcaption>\s*)<svg", figure, html, flags=re.S
    )

    def table(m: re.Match) -> str:
        n = next(counter)
        return f"<caption id='tc{n}'{m.group(1)}>{m.group(2)}<tbody>{m.group(3)}<tr id='tr{n}'"

    html, tables = re.subn(r"<caption([^>]*)>(.*?)<tbody>(\s*)<tr", table, html, flags=re.S)
    return html, figures, tables


def test_sample_report_on_a4():
    html, figures, tables = label_pairs(render_report(SAMPLE))
    assert figures >= 2 and tables >= 3
    doc = layout(html)
    assert all(round(p.width) == round(210 / 25.4 * 96) for p in doc.pages)  # A4 portrait
    where = first_page(doc, lambda el: el.get("id"))
    pairs = [(k, "fs" + k[2:]) for k in where if k.startswith("fc")]
    pairs += [(k, "tr" + k[2:]) for k in where if k.startswith("tc")]
    assert len(pairs) == figures + tables
    for caption, content in pairs:
        assert where[caption] == where[content], f"{caption} is not on the page of {content}"
    # Charts are scaled to the page's width, never cut off at its edge.
    widths = [
        b.width
        for p in doc.pages
        for b in p._page_box.descendants()
        if getattr(b, "element", None) is not None and str(b.element.get("id", "")).startswith("fs")
    ]
    assert len(widths) >= figures and max(widths) <= A4_CONTENT_WIDTH_PX + 1
